/* feeds mode (its row at the end): tickready-poller --mode gen in one namespace sends the scenario's multicast feeds over a veth; in the other a kernel UDP socket and tickready-poller --mode feeds receive the same packets, each timing them one way on the host's TSC. */
#include "feeds.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "render.h"
#include "util.h"

#define FEED_MAX_SAMPLES 20000000	/* kernel latencies kept over all feeds */
#define FEED_RING "framecnt=4096"	/* the DPDK receiver's af_packet ring: 8 MB, like the socket's buffer */
#define FEED_RCVBUF (8 << 20)

const struct feed_scenario feed_scenarios[] = {
	{ "single", 0xef010101, 1, 50000, 64, 64, 30001, "one feed, 50k msg/s, 64 B" },
	{ "multi", 0xef010101, 4, 200000, 100, 500, 30001, "four feeds 239.1.1.1-4, 200k msg/s in all, 100-500 B" },
};
const size_t feed_nscenarios = sizeof(feed_scenarios) / sizeof(feed_scenarios[0]);

/* The figures that compare a sender's clock with a receiver's: across hosts they need PTP. */
static const enum vs_key one_way_keys[] = { VK_P50_NS, VK_P90_NS, VK_P99_NS, VK_P999_NS, VK_P9999_NS, VK_MAX_NS,
					    VK_MEAN_NS, VK_STDEV_NS, VK_HISTOGRAM, VK_NEGATIVE_DELTAS };

const struct feed_scenario *feed_scenario_find(const char *name)
{
	for (size_t i = 0; name && i < feed_nscenarios; i++)
		if (!strcmp(feed_scenarios[i].name, name))
			return &feed_scenarios[i];
	return NULL;
}

uint32_t feed_scenario_group(const struct feed_scenario *sc, unsigned int i)
{
	return htonl(sc->first_group + i);
}

const char *feed_scenario_groups(const struct feed_scenario *sc, char *buf, size_t size)
{
	uint32_t g = htonl(sc->first_group);
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &g, a, sizeof(a));
	if (sc->ngroups > 1)
		snprintf(buf, size, "%s-%u", a, (sc->first_group & 0xff) + sc->ngroups - 1);
	else
		snprintf(buf, size, "%s", a);
	return buf;
}

struct feed_shared *feed_shared_new(unsigned int ngroups, uint64_t cap)
{
	size_t size = sizeof(struct feed_shared) + (size_t)ngroups * cap * sizeof(uint64_t);
	struct feed_shared *k = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (k == MAP_FAILED)
		return NULL;
	k->ngroups = ngroups;
	k->cap = cap;
	return k;
}

void feed_shared_free(struct feed_shared *k)
{
	if (k)
		munmap(k, sizeof(*k) + (size_t)k->ngroups * k->cap * sizeof(uint64_t));
}

void feed_note(struct feed_shared *k, const void *buf, size_t n, uint32_t dst, uint64_t now)
{
	struct feed_kernel *f;
	struct tr_stamp s;

	/* the same software filter as the DPDK receiver's: our stamp, on the feed's own group */
	if (tr_stamp_decode(buf, n, &s) < 0 || s.version != TR_STAMP_VERSION_FEED || s.clock != TR_CLOCK_TSC ||
	    s.feed >= k->ngroups ||
	    k->groups[s.feed] != dst) {
		k->foreign++;
		return;
	}
	f = &k->f[s.feed];
	f->received++;
	seq_note(&f->seq, s.seq);
	if (now < s.t)
		f->negative++;
	else if (f->nlat < k->cap)
		k->lat[s.feed * k->cap + f->nlat++] = now - s.t;
}

static inline uint64_t tsc_now(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return 0;
#endif
}

static int feed_socket(struct feed_shared *k)
{
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(k->port), .sin_addr.s_addr = htonl(INADDR_ANY) };
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1, buf = FEED_RCVBUF;

	if (fd < 0)
		return -errno;
	/* FORCE (root) passes rmem_max without touching the sysctl */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0)
		goto fail;
	for (unsigned int i = 0; i < k->ngroups; i++) {
		struct ip_mreq mr = { .imr_multiaddr.s_addr = k->groups[i] };

		inet_pton(AF_INET, VENV_RX_ADDR, &mr.imr_interface);
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
			goto fail;
	}
	return fd;
fail:
	one = -errno;
	close(fd);
	return one;
}

static double tv_s(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

/* recvmsg, then the TSC: what an application reading a kernel socket sees. */
int feed_kernel_receiver(void *arg)
{
	struct feed_shared *k = arg;
	uint8_t buf[2048];
	union {
		char b[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct rusage ru0, ru1;
	double t0 = verify_now_s();
	int fd = feed_socket(k);

	if (fd < 0) {
		k->error = -fd;
		return 1;
	}
	getrusage(RUSAGE_SELF, &ru0);
	__atomic_store_n(&k->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE) && verify_now_s() - t0 < k->timeout_s) {
		struct cmsghdr *c;
		uint32_t dst = 0;
		ssize_t n;
		uint64_t now;

		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		n = recvmsg(fd, &mh, 0);
		now = tsc_now();
		if (n < 0)
			continue;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
				dst = ((struct in_pktinfo *)(void *)CMSG_DATA(c))->ipi_addr.s_addr;
		feed_note(k, buf, (size_t)n, dst, now);
	}
	getrusage(RUSAGE_SELF, &ru1);
	k->cpu_user_s = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
	k->cpu_system_s = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
	k->seconds = verify_now_s() - t0;
	close(fd);
	return 0;
}

/* --file-prefix suffix of the generator's DPDK process. */
#define FEED_PREFIX_GEN VERIFY_PREFIX_GEN

struct feeds_state {
	const struct feed_scenario *sc;
	struct feed_shared *k;
	pid_t gen;
	bool gen_started;
	double gen_t0, gen_done;
	int gen_status;
	int out_fd, err_fd;	/* the generator's stdout and stderr (memfds) */
	char err[512];
};

static int start_gen(struct verify_run *r, struct feeds_state *st)
{
	char groups[48], rate[24], size[24], port[8], vdev[64], **av;
	const char *extra[] = { "--groups", groups, "--rate", rate, "--size", size, "--dst-port", port,
				"--src-ip", VENV_TX_ADDR, NULL };

	feed_scenario_groups(st->sc, groups, sizeof(groups));
	snprintf(rate, sizeof(rate), "%ld", st->sc->rate);
	snprintf(size, sizeof(size), "%u-%u", st->sc->size_min, st->sc->size_max);
	snprintf(port, sizeof(port), "%u", st->sc->dst_port);
	st->out_fd = memfd_create("tickready-gen-out", MFD_CLOEXEC);
	st->err_fd = memfd_create("tickready-gen-err", MFD_CLOEXEC);
	if (st->out_fd < 0 || st->err_fd < 0) {
		snprintf(st->err, sizeof(st->err), "memfd_create: %s", strerror(errno));
		return -1;
	}
	snprintf(vdev, sizeof(vdev), "net_af_packet0,iface=%s", r->pair.if_tx);
	av = verify_poller_argv(r, vs_mode_name(VS_MODE_GEN), &r->feed_cpus[1], 1, r->o.duration, vdev, extra, FEED_PREFIX_GEN);
	st->gen = venv_spawn(av, r->pair.ns_tx, -1, st->out_fd, st->err_fd);
	verify_argv_free(av);
	if (st->gen < 0) {
		snprintf(st->err, sizeof(st->err), "cannot start the generator: %s", strerror((int)-st->gen));
		return -1;
	}
	verify_child_add(r, st->gen);
	st->gen_started = true;
	st->gen_t0 = verify_now_s();
	return 0;
}

/* Every 20 ms while the DPDK receiver runs: start the generator once it polls, stop both receivers after it. */
static void feeds_tick(struct verify_run *r, struct hooks *hk, pid_t poller, bool polling)
{
	struct feeds_state *st = hk->arg;
	uint64_t got = 0;

	if (!polling)
		return;
	if (!st->gen_started && !st->err[0]) {
		start_gen(r, st);
	} else if (st->gen_started && !st->gen_done && waitpid(st->gen, &st->gen_status, WNOHANG) == st->gen) {
		verify_child_forget(r, st->gen);
		st->gen_done = verify_now_s();
	} else if (st->gen_started && !st->gen_done && verify_now_s() - st->gen_t0 > r->o.duration + 30) {
		kill(st->gen, SIGKILL);	/* reaped above on the next tick */
	}
	for (unsigned int i = 0; i < st->k->ngroups; i++)
		got += st->k->f[i].received;
	snprintf(r->progress_what, sizeof(r->progress_what), "%s: kernel socket %llu received", st->sc->name,
		 (unsigned long long)got);
	/* 0.3 s after the generator, the veth is drained */
	if (!hk->stopped && (st->err[0] || (st->gen_done && verify_now_s() - st->gen_done > 0.3))) {
		__atomic_store_n(&st->k->stop, 1, __ATOMIC_RELEASE);
		kill(poller, SIGINT);
		hk->stopped = true;
	}
}

/* The generator's document, or NULL with st->err saying why. */
static json_t *gen_doc(struct feeds_state *st)
{
	char *out = venv_fd_text(st->out_fd), *err = venv_fd_text(st->err_fd);
	json_t *doc = NULL;

	if (!WIFEXITED(st->gen_status) || WEXITSTATUS(st->gen_status) != VS_EXIT_OK) {
		snprintf(st->err, sizeof(st->err), "the generator failed (status %d): %s", st->gen_status,
			 venv_last_line(err));
	} else if (!(doc = json_loads(out, 0, NULL)) || json_array_size(json_object_get(doc, vs_key(VK_STREAMS))) != st->sc->ngroups) {
		snprintf(st->err, sizeof(st->err), "the generator's output is not a tickready.verify/1 document with %u feeds",
			 st->sc->ngroups);
		json_decref(doc);
		doc = NULL;
	}
	free(out);
	free(err);
	return doc;
}

static void set_feed_keys(json_t *s, const char *path, unsigned int f, uint32_t group)
{
	char g[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &group, g, sizeof(g));
	json_object_set_new(s, vs_key(VK_PATH), json_string(path));
	json_object_set_new(s, vs_key(VK_FEED), json_integer(f));
	json_object_set_new(s, vs_key(VK_GROUP), json_string(g));
}

/* The DPDK receiver saw only a sequence span; the generator's count is what was sent, over its time. */
static void set_sent(json_t *s, double sent, double secs)
{
	double got = verify_num(s, vs_key(VK_RECEIVED)) - verify_num(s, vs_key(VK_DUPLICATED));

	if (secs > 0)
		json_object_set_new(s, vs_key(VK_MPPS), json_real((verify_num(s, vs_key(VK_RECEIVED)) +
								   verify_num(s, vs_key(VK_FOREIGN))) / secs / 1e6));

	json_object_set_new(s, vs_key(VK_SENT), json_integer((json_int_t)sent));
	json_object_set_new(s, vs_key(VK_DROPPED), json_integer((json_int_t)(sent > got ? sent - got : 0)));
}

static void set_cpu(json_t *s, double user, double sys, double seconds)
{
	json_object_set_new(s, vs_key(VK_CPU_USER_S), json_real(user));
	json_object_set_new(s, vs_key(VK_CPU_SYSTEM_S), json_real(sys));
	json_object_set_new(s, "seconds", json_real(seconds));
}

/* Cycles to ns in place, by the TSC rate the generator stamped with. */
static void cycles_to_ns(uint64_t *v, uint64_t n, double hz)
{
	for (uint64_t i = 0; i < n; i++)
		v[i] = (uint64_t)((double)v[i] * 1e9 / hz);
}

/* One stream per feed per path (kernel, then dpdk), and one total per path. */
static int assemble(struct feeds_state *st, json_t *doc, json_t *gen, char *err, size_t errlen)
{
	struct feed_shared *k = st->k;
	json_t *streams = json_array(), *totals = json_array(), *dtotal;
	/* rates over the generator's sending time, the same for both paths */
	double hz = verify_num(gen, vs_key(VK_TSC_HZ)), secs = verify_num(gen, vs_key(VK_DURATION_S)), all_sent = 0;
	uint64_t nall = 0, *all;
	struct stream_counts kc = { 0 };
	json_t *kt;

	if (hz <= 0) {
		snprintf(err, errlen, "the generator's document has no '%s'", vs_key(VK_TSC_HZ));
		return -1;
	}
	for (unsigned int f = 0; f < k->ngroups; f++)
		nall += k->f[f].nlat;
	all = xcalloc(nall ? nall : 1, sizeof(*all));
	nall = 0;
	for (unsigned int f = 0; f < k->ngroups; f++) {
		char name[32];
		const json_t *g = json_array_get(json_object_get(gen, vs_key(VK_STREAMS)), f);
		json_t *d, *ks;
		struct feed_kernel *kf = &k->f[f];
		uint64_t *lat = &k->lat[f * k->cap];
		double sent = verify_num(g, vs_key(VK_SENT));
		struct stream_counts c = { .sent = (uint64_t)sent, .received = kf->received, .duplicated = kf->seq.duplicated,
					   .reordered = kf->seq.reordered, .foreign = f ? 0 : k->foreign,
					   .negative = kf->negative };

		snprintf(name, sizeof(name), VS_FEED_STREAM, f);
		d = (json_t *)verify_stream(doc, name);
		if (!d) {
			snprintf(err, errlen, "the DPDK receiver's document has no stream '%s'", name);
			free(all);
			json_decref(streams);
			json_decref(totals);
			return -1;
		}
		cycles_to_ns(lat, kf->nlat, hz);
		memcpy(all + nall, lat, kf->nlat * sizeof(*lat));
		nall += kf->nlat;
		snprintf(name, sizeof(name), "kernel-feed%u", f);
		ks = lat_stream_json(name, lat, kf->nlat, &c, secs);
		json_object_set_new(ks, vs_key(VK_GAPS), json_integer((json_int_t)seq_missing(&kf->seq)));
		set_feed_keys(ks, "kernel", f, k->groups[f]);
		json_array_append_new(streams, ks);
		d = json_deep_copy(d);
		snprintf(name, sizeof(name), "dpdk-feed%u", f);
		json_object_set_new(d, vs_key(VK_NAME), json_string(name));
		set_sent(d, sent, secs);
		set_feed_keys(d, "dpdk", f, k->groups[f]);
		json_array_append_new(streams, d);
		kc.sent += c.sent;
		kc.received += c.received;
		kc.duplicated += c.duplicated;
		kc.reordered += c.reordered;
		kc.negative += c.negative;
		all_sent += sent;
	}
	kc.foreign = k->foreign;
	kt = lat_stream_json("kernel", all, nall, &kc, secs);
	free(all);
	{
		uint64_t gaps = 0;

		for (unsigned int f = 0; f < k->ngroups; f++)
			gaps += seq_missing(&k->f[f].seq);
		json_object_set_new(kt, vs_key(VK_GAPS), json_integer((json_int_t)gaps));
	}
	json_object_set_new(kt, vs_key(VK_PATH), json_string("kernel"));
	set_cpu(kt, k->cpu_user_s, k->cpu_system_s, k->seconds);
	json_array_append_new(totals, kt);
	dtotal = json_object_get(doc, vs_key(VK_TOTAL));
	dtotal = dtotal ? json_deep_copy(dtotal) : json_object();
	json_object_set_new(dtotal, vs_key(VK_NAME), json_string("dpdk"));
	json_object_set_new(dtotal, vs_key(VK_PATH), json_string("dpdk"));
	set_sent(dtotal, all_sent, secs);
	set_cpu(dtotal, verify_num(doc, vs_key(VK_CPU_USER_S)), verify_num(doc, vs_key(VK_CPU_SYSTEM_S)),
		verify_num(doc, vs_key(VK_DURATION_S)));
	json_array_append_new(totals, dtotal);
	json_object_del(doc, vs_key(VK_TOTAL));
	json_object_set_new(doc, vs_key(VK_STREAMS), streams);
	json_object_set_new(doc, "totals", totals);
	return 0;
}

static void describe(struct verify_run *r, struct feeds_state *st, json_t *doc, json_t *gen)
{
	const struct feed_scenario *sc = st->sc;
	json_t *groups = json_array(), *ptp = json_array(), *g;
	bool nic = json_is_true(json_object_get(doc, vs_key(VK_FILTER_IN_NIC)));
	const char *why = json_string_value(json_object_get(doc, vs_key(VK_FILTER_WHY)));
	char a[INET_ADDRSTRLEN];

	for (unsigned int i = 0; i < sc->ngroups; i++) {
		uint32_t grp = feed_scenario_group(sc, i);

		inet_ntop(AF_INET, &grp, a, sizeof(a));
		json_array_append_new(groups, json_string(a));
	}
	for (size_t i = 0; i < sizeof(one_way_keys) / sizeof(one_way_keys[0]); i++)
		json_array_append_new(ptp, json_string(vs_key(one_way_keys[i])));
	g = json_pack("{s:i, s:s, s:s, s:f, s:f, s:f}", "cpu", r->feed_cpus[1], "namespace", r->pair.ns_tx, "pmd",
		      "net_af_packet", "seconds", verify_num(gen, vs_key(VK_DURATION_S)), vs_key(VK_CPU_USER_S),
		      verify_num(gen, vs_key(VK_CPU_USER_S)), vs_key(VK_CPU_SYSTEM_S), verify_num(gen, vs_key(VK_CPU_SYSTEM_S)));
	json_object_set_new(g, vs_key(VK_SEND_FAILED), json_integer((json_int_t)verify_num(
		json_array_get(json_object_get(gen, vs_key(VK_STREAMS)), 0), vs_key(VK_SEND_FAILED))));
	json_object_set_new(doc, "feeds", json_pack("{s:s, s:s, s:o, s:i, s:I, s:i, s:i, s:o, s:i, s:s, s:s, s:b, s:s, s:b, s:b, "
						    "s:s, s:b, s:o}",
						    "scenario", sc->name, "what", sc->what, "groups", groups, "dst_port",
						    (int)sc->dst_port, "rate_pps", (json_int_t)sc->rate, "size_min",
						    (int)sc->size_min, "size_max", (int)sc->size_max, "generator", g,
						    "receiver_cpu", r->feed_cpus[0], "namespace", r->pair.ns_rx,
						    "kernel_receiver", "UDP socket joined to every group (IP_ADD_MEMBERSHIP), recvmsg, unpinned",
						    vs_key(VK_FILTER_IN_NIC), nic, vs_key(VK_FILTER_WHY), why ? why : "",
						    "filter_in_software", !nic, "same_host_clock", 1, "clock",
						    "TSC of this host (generator and receivers on one host)", "software_only", 1,
						    "needs_ptp_across_hosts", ptp));
	json_object_set_new(doc, "bypass_path", json_pack("{s:s, s:s, s:b, s:s}", "pmd", "net_af_packet", "iface",
							   r->pair.if_rx, "software_only", 1, "shows", VERIFY_SOFTWARE_NOTE));
	json_object_set_new(doc, vs_key(VK_MODE), json_string("feeds"));
	json_object_set_new(doc, vs_key(VK_INTERRUPTED), json_false());
	verify_run_note(r, "DPDK is net_af_packet on veth %s: %s", r->pair.if_rx, VERIFY_SOFTWARE_NOTE);
	verify_run_note(r, "both paths receive the same packets at once (the veth hands each frame to the socket and to af_packet)");
	verify_run_note(r, "one-way latency on this host's TSC (generator and receivers share it); across hosts these "
			"figures need PTP-synchronised clocks, rate, drops, gaps and reorders do not");
}

static int run(struct verify_run *r, struct window *w, json_t **doc, char *err, size_t errlen)
{
	static const char *const roles[2] = { "receiver", "generator" };
	struct feeds_state st = { .out_fd = -1, .err_fd = -1 };
	struct hooks hk = { .tick = feeds_tick, .arg = &st };
	struct poll_result res;
	char vdev[96], groups[48], port[8], **av;
	const char *extra[] = { "--groups", groups, "--dst-port", port, NULL };
	uint64_t cap;
	json_t *gen = NULL;
	pid_t rx;
	int rc, status;

	st.sc = feed_scenario_find(r->o.scenario);
	if (!st.sc) {
		snprintf(err, errlen, "unknown scenario '%s'", r->o.scenario ? r->o.scenario : "");
		return -1;
	}
	if (!tsc_now()) {
		snprintf(err, errlen, "feeds mode times packets on the x86 TSC, which this cpu does not have");
		return -1;
	}
	if (verify_two_cpus(r, w, r->feed_cpus, roles, "feeds", "generator", err, errlen) < 0)
		return -1;
	r->pair_made = true;
	if (venv_pair_create(&r->pair, err, errlen) < 0)
		return -1;
	cap = (uint64_t)((double)st.sc->rate / st.sc->ngroups * (r->o.duration + 2) * 1.2) + 1024;
	if (cap * st.sc->ngroups > FEED_MAX_SAMPLES) {
		cap = FEED_MAX_SAMPLES / st.sc->ngroups;
		verify_run_note(r, "kernel path: latencies of the first %llu packets per feed kept", (unsigned long long)cap);
	}
	st.k = feed_shared_new(st.sc->ngroups, cap);
	if (!st.k) {
		snprintf(err, errlen, "cannot allocate %llu samples", (unsigned long long)(cap * st.sc->ngroups));
		return -1;
	}
	st.k->port = (uint16_t)st.sc->dst_port;
	for (unsigned int i = 0; i < st.sc->ngroups; i++)
		st.k->groups[i] = feed_scenario_group(st.sc, i);
	st.k->timeout_s = r->o.duration + 120;
	rx = venv_fork(feed_kernel_receiver, st.k, r->pair.ns_rx, -1);
	if (rx < 0) {
		snprintf(err, errlen, "cannot start the kernel receiver: %s", strerror((int)-rx));
		feed_shared_free(st.k);
		return -1;
	}
	verify_child_add(r, rx);
	for (double t0 = verify_now_s(); !__atomic_load_n(&st.k->ready, __ATOMIC_ACQUIRE) && !st.k->error &&
	     verify_now_s() - t0 < 5 && !(*r->stop);)
		usleep(1000);
	if (!st.k->ready) {
		snprintf(err, errlen, "the kernel receiver could not join the groups on %s port %u: %s", VENV_RX_ADDR,
			 st.sc->dst_port, st.k->error ? strerror(st.k->error) : "no answer in 5 s");
		feed_shared_free(st.k);
		return -1;
	}
	feed_scenario_groups(st.sc, groups, sizeof(groups));
	snprintf(port, sizeof(port), "%u", st.sc->dst_port);
	snprintf(vdev, sizeof(vdev), "net_af_packet0,iface=%s," FEED_RING, r->pair.if_rx);
	/* The receiver outlives the generator; feeds_tick stops it. */
	av = verify_poller_argv(r, vs_mode_name(VS_MODE_FEEDS), r->feed_cpus, 1, r->o.duration + 120, vdev, extra, NULL);
	rc = verify_run_poller(r, av, r->pair.ns_rx, w, &hk, &res);
	verify_argv_free(av);
	__atomic_store_n(&st.k->stop, 1, __ATOMIC_RELEASE);
	if (waitpid(rx, &status, 0) == rx)
		verify_child_forget(r, rx);
	if (rc == 0 && !st.err[0] && !st.gen_done)
		snprintf(st.err, sizeof(st.err), "the DPDK receiver stopped before the generator was done");
	if (rc == 0 && !st.err[0])
		gen = gen_doc(&st);
	if (st.out_fd >= 0)
		close(st.out_fd);
	if (st.err_fd >= 0)
		close(st.err_fd);
	if (rc == 0 && (st.err[0] || !gen)) {
		snprintf(res.err, sizeof(res.err), "%s", st.err);
		json_decref(res.doc);
		rc = -1;
	}
	if (rc == 0 && assemble(&st, res.doc, gen, res.err, sizeof(res.err)) < 0) {
		json_decref(res.doc);
		rc = -1;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", res.err);
		json_decref(gen);
		feed_shared_free(st.k);
		return -1;
	}
	*doc = res.doc;
	json_object_set_new(json_array_get(json_object_get(*doc, vs_key(VK_CORES)), 0), vs_key(VK_ROLE),
			    json_string("receiver"));
	describe(r, &st, *doc, gen);
	json_decref(gen);
	feed_shared_free(st.k);
	return 0;
}

/* --scenario: one of feed_scenarios, the first (single) when not given. */
static int check(struct verify_opts *o, char *err, size_t errlen)
{
	size_t off;

	if (!o->scenario)
		o->scenario = feed_scenarios[0].name;
	if (feed_scenario_find(o->scenario))
		return 0;
	off = (size_t)snprintf(err, errlen, "unknown scenario '%s' (", o->scenario);
	for (size_t i = 0; i < feed_nscenarios && off < errlen; i++)
		off += (size_t)snprintf(err + off, errlen - off, "%s%s", i == 0 ? "" : i + 1 == feed_nscenarios ? " or " : ", ",
					feed_scenarios[i].name);
	if (off < errlen)
		snprintf(err + off, errlen - off, ")");
	return -1;
}

/* One row of the table: a feed on a path, or a path's total. */
static void feed_row(FILE *f, const json_t *s, const char *feed, double secs)
{
	static const enum vs_key keys[] = { VK_P50_NS, VK_P90_NS, VK_P99_NS, VK_P999_NS, VK_MAX_NS, VK_STDEV_NS };
	static const enum vs_key counts[] = { VK_SENT, VK_RECEIVED, VK_DROPPED, VK_GAPS, VK_REORDERED, VK_DUPLICATED };
	const char *group = json_string_value(json_object_get(s, vs_key(VK_GROUP)));
	char v[32];

	cause_thousands((unsigned long long)(secs > 0 ? verify_num(s, vs_key(VK_RECEIVED)) / secs : 0), v, sizeof(v));
	fprintf(f, "%-7s %-4s %-10s %9s", json_string_value(json_object_get(s, vs_key(VK_PATH))), feed, group ? group : "", v);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (json_is_true(json_object_get(s, vs_key(VK_LATENCY_MEASURED))))
			format_ns(verify_num(s, vs_key(keys[i])), v, sizeof(v));
		else
			snprintf(v, sizeof(v), "-");
		fprintf(f, " %9s", v);
	}
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		fprintf(f, " %*.0f", i < 3 ? 9 : 6, verify_num(s, vs_key(counts[i])));
	if (json_is_number(json_object_get(s, vs_key(VK_CPU_USER_S))) && verify_num(s, "seconds") > 0)
		fprintf(f, "  %.0f/%.0f", 100 * verify_num(s, vs_key(VK_CPU_USER_S)) / verify_num(s, "seconds"),
			100 * verify_num(s, vs_key(VK_CPU_SYSTEM_S)) / verify_num(s, "seconds"));
	fputc('\n', f);
}

/* One row per feed per path and the totals, then what the figures can and cannot show. */
static void render(FILE *f, const json_t *doc)
{
	const json_t *fd = json_object_get(doc, "feeds"), *gen = json_object_get(fd, "generator"), *s;
	double secs = verify_num(gen, "seconds");
	char feed[8];
	size_t i;

	fprintf(f, "feeds, scenario %s (%s), UDP port %.0f, sent for %.1f s by tickready-poller --mode gen on cpu %.0f; "
		"DPDK receiver on cpu %.0f, kernel socket unpinned\n",
		json_string_value(json_object_get(fd, "scenario")), json_string_value(json_object_get(fd, "what")),
		verify_num(fd, "dst_port"), secs, verify_num(gen, "cpu"), verify_num(fd, "receiver_cpu"));
	fprintf(f, "%-7s %-4s %-10s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %6s %6s %6s  %s\n", "path", "feed", "group",
		"msg/s", "P50", "P90", "P99", "P99.9", "max", "stdev", "sent", "received", "dropped", "gaps", "reord", "dup",
		"cpu usr/sys %");
	json_array_foreach(json_object_get(doc, vs_key(VK_STREAMS)), i, s) {
		snprintf(feed, sizeof(feed), "%.0f", verify_num(s, vs_key(VK_FEED)));
		feed_row(f, s, feed, secs);
	}
	json_array_foreach(json_object_get(doc, "totals"), i, s)
		feed_row(f, s, "all", secs);
	if (verify_num(gen, vs_key(VK_SEND_FAILED)) > 0)
		fprintf(f, "  the generator could not send %.0f more (queue full or out of buffers)\n",
			verify_num(gen, vs_key(VK_SEND_FAILED)));
	if (json_is_true(json_object_get(fd, vs_key(VK_FILTER_IN_NIC))))
		fprintf(f, "filter in NIC: yes (%s)\n", json_string_value(json_object_get(fd, vs_key(VK_FILTER_WHY))));
	else
		fprintf(f, "filter in NIC: no (why: %s); the DPDK receiver filters in software (group, port and stamp of "
			"every frame)\n", json_string_value(json_object_get(fd, vs_key(VK_FILTER_WHY))));
	if (json_is_true(json_object_get(fd, "software_only")))
		fprintf(f, "DPDK path: %s\n", VERIFY_SOFTWARE_NOTE);
	fputs("one-way latency: generator and receivers share this host's TSC; across hosts P50..max, stdev and the "
	      "histograms need PTP-synchronised clocks (rate, drops, gaps and reorders do not)\n", f);
	json_array_foreach(json_object_get(doc, "totals"), i, s) {
		if (!json_is_true(json_object_get(s, vs_key(VK_LATENCY_MEASURED))))
			continue;
		fprintf(f, "  one-way latency, %s, all feeds (log scale):\n", json_string_value(json_object_get(s, vs_key(VK_PATH))));
		verify_print_histogram(f, json_object_get(s, vs_key(VK_HISTOGRAM)));
	}
}

const struct verify_mode_def verify_mode_feeds = {
	.name = "feeds",
	.cores = VC_ONE,
	.other_end = true,
	.dpdk_processes = 2,
	.opts = VO_BIT(VO_SCENARIO),
	.roles = (const char *const[]){ "receiver", NULL },
	.passes = 1,
	.check = check,
	.run = run,
	.render = render,
};
