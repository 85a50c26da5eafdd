/* Live-host setup for verify, each piece with its undo: private hugetlbfs, pool raise, veth namespaces, children, the UDP stream. */
#include "verify_env.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../poller/stamp.h"
#include "util.h"

_Static_assert(VENV_MIN_SENT_PAYLOAD >= TR_STAMP_LEN, "the smallest sweep packet must hold the stamp");

int venv_huge_mount(unsigned long page_kb, char *dir, size_t size)
{
	char opts[64];

	if (snprintf(dir, size, "/tmp/tickready-verify-huge.XXXXXX") >= (int)size)
		return -ENAMETOOLONG;
	if (!mkdtemp(dir))
		return -errno;
	snprintf(opts, sizeof(opts), "pagesize=%luK", page_kb);
	if (mount("nodev", dir, "hugetlbfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0) {
		int rc = -errno;

		rmdir(dir);
		return rc;
	}
	return 0;
}

/* Unlinks the regular files directly in dirfd's directory. */
static void unlink_files(int dirfd)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;

	if (!d) {
		close(dirfd);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd, e->d_name, 0);
	closedir(d);
}

int venv_huge_release(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	unlink_files(fd);
	if (umount2(dir, 0) < 0 && errno != EINVAL) {
		rc = -errno;
		/* A straggler still maps a page: detach now, the kernel frees it on its exit. */
		if (umount2(dir, MNT_DETACH) == 0)
			rc = 0;
	}
	if (rmdir(dir) < 0 && !rc)
		rc = -errno;
	return rc;
}

int venv_dpdk_rundir_remove(const struct sysroot *sr, const char *prefix)
{
	char path[256];
	int fd, parent;

	if (!*prefix || strchr(prefix, '/') || prefix[0] == '.')
		return -EINVAL;
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", prefix);
	fd = sysroot_openat(sr, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	unlink_files(fd);
	parent = sysroot_openat(sr, "/var/run/dpdk", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (parent < 0)
		return parent;
	if (unlinkat(parent, prefix, AT_REMOVEDIR) < 0 && errno != ENOENT) {
		int rc = -errno;

		close(parent);
		return rc;
	}
	close(parent);
	return 0;
}

void venv_pool_path(int node, unsigned long page_kb, char *buf, size_t size)
{
	if (node >= 0)
		snprintf(buf, size, "/sys/devices/system/node/node%d/hugepages/hugepages-%lukB/nr_hugepages", node, page_kb);
	else
		snprintf(buf, size, "/sys/kernel/mm/hugepages/hugepages-%lukB/nr_hugepages", page_kb);
}

static int pool_free(const struct sysroot *sr, int node, unsigned long page_kb, long *out)
{
	char path[160];

	if (node >= 0)
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/hugepages/hugepages-%lukB/free_hugepages",
			 node, page_kb);
	else
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%lukB/free_hugepages", page_kb);
	return sysroot_read_long(sr, path, out);
}

int venv_pool_raise(const struct sysroot *sr, int node, unsigned long page_kb, long need, long *old, long *now_free)
{
	char path[160], val[32];
	long nr, fr;
	int rc;

	venv_pool_path(node, page_kb, path, sizeof(path));
	rc = sysroot_read_long(sr, path, &nr);
	if (rc < 0)
		return rc;
	rc = pool_free(sr, node, page_kb, &fr);
	if (rc < 0)
		return rc;
	*old = nr;
	*now_free = fr;
	if (fr >= need)
		return 0;
	snprintf(val, sizeof(val), "%ld", nr + (need - fr));
	rc = sysroot_write(sr, path, val);
	if (pool_free(sr, node, page_kb, now_free) < 0)
		*now_free = -1;
	return rc;
}

int venv_pool_restore(const struct sysroot *sr, int node, unsigned long page_kb, long old)
{
	char path[160], val[32];

	venv_pool_path(node, page_kb, path, sizeof(path));
	snprintf(val, sizeof(val), "%ld", old);
	return sysroot_write(sr, path, val);
}

/* In a fresh child: default signal actions, die with the parent, then the namespace and cpu. */
static int child_prepare(const char *netns, int cpu)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (netns && venv_netns_enter(netns) < 0)
		return -1;
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			return -1;
	}
	return 0;
}

pid_t venv_spawn(char *const argv[], const char *netns, int cpu, int out_fd, int err_fd)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid)
		return pid;
	if ((out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0) || (err_fd >= 0 && dup2(err_fd, STDERR_FILENO) < 0))
		_exit(127);
	if (child_prepare(netns, cpu) < 0)
		_exit(126);
	if (strchr(argv[0], '/'))
		execv(argv[0], argv);
	else
		execvp(argv[0], argv);
	_exit(127);
}

pid_t venv_fork(int (*fn)(void *), void *arg, const char *netns, int cpu)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid)
		return pid;
	if (child_prepare(netns, cpu) < 0)
		_exit(126);
	_exit(fn(arg) ? 1 : 0);
}

char *venv_fd_text(int fd)
{
	struct strbuf sb = { 0 };
	char buf[65536];
	ssize_t n;
	off_t off = 0;

	while ((n = pread(fd, buf, sizeof(buf) - 1, off)) > 0) {
		buf[n] = '\0';
		strbuf_add(&sb, buf);
		off += n;
	}
	return sb.s ? strbuf_detach(&sb) : xstrdup("");
}

const char *venv_last_line(char *text)
{
	size_t len = strlen(text);
	char *nl;

	while (len && text[len - 1] == '\n')
		text[--len] = '\0';
	nl = strrchr(text, '\n');
	return nl ? nl + 1 : text;
}

int venv_netns_enter(const char *name)
{
	char path[128];
	int fd, rc = 0;

	if (!*name || strchr(name, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int venv_run(char *const argv[], char *err, size_t errlen)
{
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	if (err && errlen)
		err[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = venv_spawn(argv, NULL, -1, -1, pfd[1]);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return pid;
	}
	n = err && errlen > 1 ? read(pfd[0], err, errlen - 1) : 0;
	if (n > 0) {
		err[n] = '\0';
		err[strcspn(err, "\n")] = '\0';
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return -ECHILD;
}

/* Runs one `ip` command; on failure err says which. */
static int ip(char *err, size_t errlen, char *const argv[])
{
	char why[200];
	int rc = venv_run(argv, why, sizeof(why));
	struct strbuf cmd = { 0 };
	char *s;

	if (rc == 0)
		return 0;
	for (int i = 0; argv[i]; i++)
		strbuf_addf(&cmd, "%s%s", i ? " " : "", argv[i]);
	s = strbuf_detach(&cmd);
	snprintf(err, errlen, "'%s' failed: %s", s, rc < 0 ? strerror(-rc) : why[0] ? why : "exit status nonzero");
	free(s);
	return rc < 0 ? rc : -EIO;
}

#define IP(...) ip(err, errlen, (char *const[]){ "ip", __VA_ARGS__, NULL })

int venv_pair_create(struct venv_pair *p, char *err, size_t errlen)
{
	int pid = (int)getpid();

	snprintf(p->ns_tx, sizeof(p->ns_tx), "tickready-verify-%d-tx", pid);
	snprintf(p->ns_rx, sizeof(p->ns_rx), "tickready-verify-%d-rx", pid);
	snprintf(p->if_tx, sizeof(p->if_tx), "trv%dt", pid);
	if (!p->if_rx[0])
		snprintf(p->if_rx, sizeof(p->if_rx), "trv%dr", pid);
	if (IP("netns", "add", p->ns_tx))
		return -EIO;
	p->ns_tx_made = true;
	if (IP("netns", "add", p->ns_rx))
		return -EIO;
	p->ns_rx_made = true;
	/* Fixed MACs (locally administered) so the sender needs no ARP round trip. */
	if (IP("link", "add", p->if_tx, "netns", p->ns_tx, "address", VENV_TX_MAC, "type", "veth",
	       "peer", "name", p->if_rx, "netns", p->ns_rx, "address", VENV_RX_MAC) ||
	    IP("-n", p->ns_tx, "addr", "add", VENV_TX_ADDR "/30", "dev", p->if_tx) ||
	    (!p->rx_no_addr && IP("-n", p->ns_rx, "addr", "add", VENV_RX_ADDR "/30", "dev", p->if_rx)) ||
	    IP("-n", p->ns_tx, "link", "set", p->if_tx, "up") ||
	    IP("-n", p->ns_rx, "link", "set", p->if_rx, "up") ||
	    IP("-n", p->ns_tx, "neigh", "replace", VENV_RX_ADDR, "lladdr", VENV_RX_MAC, "dev", p->if_tx,
	       "nud", "permanent"))
		return -EIO;
	return 0;
}

int venv_pair_delete(struct venv_pair *p)
{
	char err[256];
	size_t errlen = sizeof(err);
	int rc = 0;

	if (p->ns_tx_made && IP("netns", "del", p->ns_tx) == 0)
		p->ns_tx_made = false;
	if (p->ns_rx_made && IP("netns", "del", p->ns_rx) == 0)
		p->ns_rx_made = false;
	if (p->ns_tx_made || p->ns_rx_made)
		rc = -EBUSY;
	return rc;
}

struct kvb_shared *kvb_shared_new(uint64_t count)
{
	size_t size = sizeof(struct kvb_shared) + count * sizeof(uint64_t);
	struct kvb_shared *k = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (k == MAP_FAILED)
		return NULL;
	k->count = count;
	return k;
}

void kvb_shared_free(struct kvb_shared *k)
{
	if (k)
		munmap(k, sizeof(*k) + k->count * sizeof(uint64_t));
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL), .tv_nsec = (long)(ns % 1000000000ULL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Paced by absolute deadlines, so a late wakeup does not slow the whole stream down. */
int kvb_sender(void *arg)
{
	struct kvb_shared *k = arg;
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(VENV_UDP_PORT) };
	uint8_t payload[VENV_MAX_PAYLOAD] = { 0 };
	size_t len = k->payload_bytes >= VENV_MIN_SENT_PAYLOAD && k->payload_bytes <= VENV_MAX_PAYLOAD ? k->payload_bytes
													: VENV_MIN_PAYLOAD;
	uint64_t start, gap = k->pps ? 1000000000ULL / k->pps : 0;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	inet_pton(AF_INET, VENV_RX_ADDR, &dst.sin_addr);
	prctl(PR_SET_TIMERSLACK, 1UL);
	start = mono_ns();
	for (uint64_t seq = 0; seq < k->count; seq++) {
		struct tr_stamp s = { .clock = TR_CLOCK_MONOTONIC, .seq = seq };

		if (gap)
			sleep_until(start + seq * gap);
		s.t = mono_ns();
		tr_stamp_encode(payload, len, &s);
		if (sendto(fd, payload, len, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0)
			k->send_errors++;
		else
			k->sent++;
	}
	k->send_s = (double)(mono_ns() - start) / 1e9;
	close(fd);
	return 0;
}

static int receiver_socket(const struct kvb_shared *k)
{
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(VENV_UDP_PORT) };
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rcvbuf = 4 << 20;

	if (fd < 0)
		return -errno;
	inet_pton(AF_INET, VENV_RX_ADDR, &me.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* The timeout only lets the loop notice the end of the stream. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (k->busy_poll_us > 0)
		setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &k->busy_poll_us, sizeof(k->busy_poll_us));
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

/* recvmsg, then the receive time: what an application reading a kernel socket sees. */
static double tv_sec(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

int kvb_receiver(void *arg)
{
	struct kvb_shared *k = arg;
	uint8_t buf[2048];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	uint64_t deadline, start;
	struct rusage ru0, ru1;
	int fd = receiver_socket(k);

	if (fd < 0)
		return fd;
	getrusage(RUSAGE_SELF, &ru0);
	__atomic_store_n(&k->ready, 1, __ATOMIC_RELEASE);
	start = mono_ns();
	deadline = start + (uint64_t)(k->timeout_s * 1e9);
	while (k->seq.unique < k->count && mono_ns() < deadline) {
		struct tr_stamp s;
		ssize_t n = recvmsg(fd, &mh, 0);
		uint64_t now = mono_ns();

		if (n < 0)
			continue;
		if (tr_stamp_decode(buf, (size_t)n, &s) < 0 || s.clock != TR_CLOCK_MONOTONIC) {
			k->foreign++;
			continue;
		}
		k->received++;
		seq_note(&k->seq, s.seq);
		if (now < s.t)
			k->negative++;
		else if (k->nlat < k->count)
			k->lat[k->nlat++] = now - s.t;
	}
	getrusage(RUSAGE_SELF, &ru1);
	k->cpu_user_s = tv_sec(ru1.ru_utime) - tv_sec(ru0.ru_utime);
	k->cpu_system_s = tv_sec(ru1.ru_stime) - tv_sec(ru0.ru_stime);
	k->cpu_seconds = (double)(mono_ns() - start) / 1e9;
	close(fd);
	return 0;
}

/* UDP from src to dst on port (0: VENV_UDP_PORT), both ends, tied to ifname when one is named. */
static int pp_bind(uint32_t src, uint32_t dst, uint16_t port, const char *ifname, int rcvbuf)
{
	uint16_t p = htons(port ? port : VENV_UDP_PORT);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = p, .sin_addr.s_addr = src };
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = p, .sin_addr.s_addr = dst };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if ((ifname && *ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0) ||
	    bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0 || (dst && connect(fd, (struct sockaddr *)&peer, sizeof(peer)) < 0)) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static int pp_socket(const struct kvb_shared *k)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 20000 };
	uint32_t src = k->pp_src, dst = k->pp_dst;
	int fd;

	if (!dst) {
		inet_pton(AF_INET, VENV_TX_ADDR, &src);
		inet_pton(AF_INET, VENV_RX_ADDR, &dst);
	}
	fd = pp_bind(src, dst, k->pp_port, k->pp_ifname, 0);
	if (fd < 0)
		return fd;
	/* A lost echo must not stall the run: 20 ms and the ping counts as dropped. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (k->busy_poll_us > 0)
		setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &k->busy_poll_us, sizeof(k->busy_poll_us));
	return fd;
}

int pp_sink(uint32_t src, uint16_t port, const char *ifname)
{
	return pp_bind(src, 0, port, ifname, 1);
}

int pp_probe(struct kvb_shared *k, double seconds)
{
	uint8_t payload[64] = { 0 }, buf[2048];
	uint64_t end = mono_ns() + (uint64_t)(seconds * 1e9);
	int fd = pp_socket(k);

	if (fd < 0)
		return fd;
	for (uint64_t seq = 0; mono_ns() < end; seq++) {
		struct tr_stamp s = { .clock = TR_CLOCK_MONOTONIC, .seq = seq, .t = mono_ns() };
		uint64_t wait_end = s.t + 100000000ULL;

		tr_stamp_encode(payload, sizeof(payload), &s);
		send(fd, payload, sizeof(payload), 0);	/* an unresolved neighbour fails later sends: keep trying */
		while (mono_ns() < wait_end) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);

			if (n >= 0 && tr_stamp_decode(buf, (size_t)n, &s) == 0 && s.clock == TR_CLOCK_MONOTONIC) {
				close(fd);
				return 0;
			}
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				usleep(20000);	/* ICMP errors (host unreachable) come back on a connected socket */
		}
	}
	close(fd);
	return -ETIMEDOUT;
}

/* The echo of seq, or a timeout; other packets are counted (late echoes, foreign). */
static void pp_wait(struct kvb_shared *k, int fd, uint64_t seq, uint64_t t0)
{
	uint8_t buf[2048];
	int flags = k->busy_poll_us > 0 ? MSG_DONTWAIT : 0;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), flags);
		uint64_t now = mono_ns();
		struct tr_stamp s;

		if (n < 0) {
			if ((errno == EAGAIN || errno == EINTR) && now - t0 < 20000000ULL)
				continue;
			return;
		}
		if (tr_stamp_decode(buf, (size_t)n, &s) < 0 || s.clock != TR_CLOCK_MONOTONIC) {
			k->foreign++;
			continue;
		}
		k->received++;
		seq_note(&k->seq, s.seq);
		if (s.seq != seq)
			continue;
		if (now < s.t)
			k->negative++;
		else if (k->nlat < k->count)
			k->lat[k->nlat++] = (now - s.t) / 2;
		return;
	}
}

int pp_kernel_client(void *arg)
{
	struct kvb_shared *k = arg;
	uint8_t payload[64] = { 0 };
	uint64_t start, end;
	int fd = pp_socket(k);

	if (fd < 0)
		return 1;
	start = mono_ns();
	end = start + (uint64_t)(k->timeout_s * 1e9);
	for (uint64_t seq = 0; seq < k->count && mono_ns() < end; seq++) {
		struct tr_stamp s = { .clock = TR_CLOCK_MONOTONIC, .seq = seq, .t = mono_ns() };

		tr_stamp_encode(payload, sizeof(payload), &s);
		if (send(fd, payload, sizeof(payload), 0) < 0) {
			k->send_errors++;
			continue;
		}
		k->sent++;
		pp_wait(k, fd, seq, s.t);
	}
	k->send_s = (double)(mono_ns() - start) / 1e9;
	close(fd);
	return 0;
}
