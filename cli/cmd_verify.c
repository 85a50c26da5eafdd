/* tickready verify: run the DPDK reference poller on the profile's isolated cores, judge it against [targets], say what interrupted the cores. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"
#include "verify.h"
#include "verify_cause.h"
#include "verify_env.h"

enum {
	OPT_PROFILE = 'p', OPT_MODE = 'm', OPT_DURATION = 'd', OPT_CORES = 'c', OPT_FORMAT = 'f',
	OPT_PORT = 256, OPT_VDEV, OPT_IFACE, OPT_NO_HUGE, OPT_RESERVE, OPT_POLLER, OPT_RATE, OPT_BUSY_POLL,
	OPT_THRESHOLD, OPT_KEEP_ORDER,
};

static const struct cli_opt verify_opts[] = {
	{ "profile", "NAME|PATH", OPT_PROFILE, "profile whose cores, memory and [targets] to use (default " PROFILE_DEFAULT ")" },
	{ "mode", "MODE", OPT_MODE, "loopback (default), idle, port or kernel-vs-bypass" },
	{ "duration", "SECONDS", OPT_DURATION, "measurement time (default 10)" },
	{ "cores", "LIST", OPT_CORES, "cpus to measure on instead of the profile's isolated ones" },
	{ "port", "PCI", OPT_PORT, "port mode: the NIC's PCI address (bound to vfio-pci)" },
	{ "vdev", "DEVARGS", OPT_VDEV, "port mode: a DPDK virtual device, e.g. net_af_xdp0,iface=ens1f0" },
	{ "iface", "IF", OPT_IFACE, "port mode: net_af_packet on IF; kernel-vs-bypass: name of the receiving veth" },
	{ "no-huge", NULL, OPT_NO_HUGE, "run without hugepages; the result is marked not representative" },
	{ "reserve", NULL, OPT_RESERVE, "raise the node's hugepage pool for the run when too few are free, then restore it" },
	{ "format", "text|json", OPT_FORMAT, "report format (default text)" },
	{ "poller", "PATH", OPT_POLLER, "tickready-poller to run (default: next to tickready, else $PATH)" },
	{ "rate", "PPS", OPT_RATE, "packets per second: loopback (default 1000000), kernel-vs-bypass (default 10000)" },
	{ "busy-poll", "US", OPT_BUSY_POLL, "kernel-vs-bypass: SO_BUSY_POLL on the kernel socket" },
	{ "threshold-ns", "NS", OPT_THRESHOLD, "loop gaps above NS are counted and kept (default 1000)" },
	{ NULL, NULL, 0, NULL },
};

#define SYNOPSIS \
	"tickready verify [--profile P] [--mode loopback|idle|port|kernel-vs-bypass] [--duration S] [--cores LIST]\n" \
	"                        [--port PCI | --vdev SPEC | --iface IF] [--no-huge] [--reserve] [--format text|json]\n" \
	"                        [--poller PATH] [--eal EAL-ARGS...]"

#define MAX_VDEV 4
#define KVB_MAX_PACKETS 1000000
#define OUT_CAP (16u << 20)

/* The only state a signal handler may touch: verify notices it in its wait loops. */
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

struct verify_opts {
	const char *profile, *mode_name, *format, *poller, *port, *iface;
	const char *vdev[MAX_VDEV];
	int nvdev;
	double duration;
	struct cpuset cores;
	bool no_huge, reserve;
	long rate, busy_poll, threshold;
	char **eal;
	int neal;
	enum verify_mode mode;
};

/* Everything set up on the host, so that cleanup() can take all of it down again. */
struct verify_run {
	struct session s;
	struct verify_opts o;
	struct verify_plan plan;
	char poller[PATH_MAX];
	char prefix[64];
	char huge_dir[PATH_MAX];
	bool mounted;
	bool raised;
	long pool_old;
	struct venv_pair pair;
	bool pair_made;
	pid_t children[4];
	int nchildren;
	bool representative;
	const char *roles[VERIFY_MAX_CORES];
	int nnotes;
	char notes[16][240];
};

static void note(struct verify_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct verify_run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nnotes >= 16)
		return;
	va_start(ap, fmt);
	vsnprintf(r->notes[r->nnotes++], sizeof(r->notes[0]), fmt, ap);
	va_end(ap);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void child_add(struct verify_run *r, pid_t pid)
{
	if (r->nchildren < 4)
		r->children[r->nchildren++] = pid;
}

static void child_forget(struct verify_run *r, pid_t pid)
{
	for (int i = 0; i < r->nchildren; i++)
		if (r->children[i] == pid)
			r->children[i] = r->children[--r->nchildren];
}

/* Stops every child still running: SIGTERM, a moment, then SIGKILL; reaps them. */
static void children_stop(struct verify_run *r)
{
	for (int i = 0; i < r->nchildren; i++)
		kill(r->children[i], SIGTERM);
	for (int t = 0; t < 150 && r->nchildren; t++) {
		for (int i = 0; i < r->nchildren; i++)
			if (waitpid(r->children[i], NULL, WNOHANG) == r->children[i])
				r->children[i--] = r->children[--r->nchildren];
		if (r->nchildren)
			usleep(20000);
	}
	for (int i = 0; i < r->nchildren; i++) {
		kill(r->children[i], SIGKILL);
		waitpid(r->children[i], NULL, 0);
	}
	r->nchildren = 0;
}

/* Undo in reverse order of setup; each step reported, none skipped because another failed. */
static int cleanup(struct verify_run *r)
{
	int rc = 0, e;

	children_stop(r);
	if (r->pair_made) {
		e = venv_pair_delete(&r->pair);
		if (e < 0) {
			cli_error("verify: cannot delete namespaces '%s' and '%s': %s", r->pair.ns_tx, r->pair.ns_rx, strerror(-e));
			rc = -1;
		}
		r->pair_made = r->pair.ns_tx_made || r->pair.ns_rx_made;
	}
	if (r->mounted) {
		e = venv_huge_release(r->huge_dir);
		if (e < 0) {
			cli_error("verify: cannot remove hugetlbfs mount '%s': %s", r->huge_dir, strerror(-e));
			rc = -1;
		}
		r->mounted = false;
	}
	if (r->prefix[0]) {
		venv_dpdk_rundir_remove(&r->s.sr, r->prefix);
		r->prefix[0] = '\0';
	}
	if (r->raised) {
		e = venv_pool_restore(&r->s.sr, r->plan.node, r->plan.hugepage_kb, r->pool_old);
		if (e < 0) {
			char path[160];

			venv_pool_path(r->plan.node, r->plan.hugepage_kb, path, sizeof(path));
			cli_error("verify: cannot restore '%s' to %ld: %s", path, r->pool_old, strerror(-e));
			rc = -1;
		}
		r->raised = false;
	}
	return rc;
}

/* "--eal A B..." (or "-- A B...") ends verify's own options: the rest goes to the EAL untouched. */
static int split_eal(int *argc, char **argv, struct verify_opts *o)
{
	for (int i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--eal") || !strcmp(argv[i], "--")) {
			o->eal = argv + i + 1;
			o->neal = *argc - i - 1;
			*argc = i;
			return 0;
		}
	}
	return 0;
}

static int parse_num(const char *opt, const char *arg, long min, long max, long *out)
{
	if (parse_long(arg, out) < 0 || *out < min || *out > max) {
		cli_error("verify: invalid %s '%s' (%ld to %ld)", opt, arg, min, max);
		return -1;
	}
	return 0;
}

static int parse_duration(const char *arg, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	if (errno || *end || !(*out >= 0.1) || *out > 86400) {
		cli_error("verify: invalid --duration '%s' (seconds, 0.1 to 86400)", arg);
		return -1;
	}
	return 0;
}

static int apply_opt(struct verify_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_PROFILE: o->profile = arg; return 0;
	case OPT_MODE: o->mode_name = arg; return 0;
	case OPT_FORMAT: o->format = arg; return 0;
	case OPT_POLLER: o->poller = arg; return 0;
	case OPT_PORT: o->port = arg; return 0;
	case OPT_IFACE: o->iface = arg; return 0;
	case OPT_NO_HUGE: o->no_huge = true; return 0;
	case OPT_RESERVE: o->reserve = true; return 0;
	case OPT_DURATION: return parse_duration(arg, &o->duration);
	case OPT_RATE: return parse_num("--rate", arg, 0, 1000000000, &o->rate);
	case OPT_BUSY_POLL: return parse_num("--busy-poll", arg, 0, 1000000, &o->busy_poll);
	case OPT_THRESHOLD: return parse_num("--threshold-ns", arg, 1, 10000000000L, &o->threshold);
	case OPT_CORES:
		if (cpuset_parse(&o->cores, arg) < 0 || cpuset_empty(&o->cores)) {
			cli_error("verify: invalid cpu list '%s' in --cores", arg);
			return -1;
		}
		return 0;
	case OPT_VDEV:
		if (o->nvdev == MAX_VDEV) {
			cli_error("verify: at most %d --vdev", MAX_VDEV);
			return -1;
		}
		o->vdev[o->nvdev++] = arg;
		return 0;
	}
	return -1;
}

/* Option values that only make sense together. */
static int check_opts(struct verify_opts *o)
{
	if (verify_mode_parse(o->mode_name, &o->mode) < 0) {
		cli_error("verify: unknown mode '%s' (loopback, idle, port or kernel-vs-bypass)", o->mode_name);
		return -1;
	}
	if (strcmp(o->format, "text") && strcmp(o->format, "json")) {
		cli_error("verify: unknown format '%s' (text or json)", o->format);
		return -1;
	}
	if ((o->port || o->nvdev) && o->mode != VM_PORT) {
		cli_error("verify: --port and --vdev only apply to --mode port");
		return -1;
	}
	if (o->iface && o->mode != VM_PORT && o->mode != VM_KVB) {
		cli_error("verify: --iface only applies to --mode port or kernel-vs-bypass");
		return -1;
	}
	if (o->iface && (strlen(o->iface) >= 16 || strpbrk(o->iface, "/ ,=") || !*o->iface)) {
		cli_error("verify: invalid interface name '%s'", o->iface);
		return -1;
	}
	if (o->mode == VM_KVB && o->rate == 0) {
		cli_error("verify: kernel-vs-bypass needs a bounded --rate (1 or more packets per second)");
		return -1;
	}
	if (o->rate < 0)
		o->rate = o->mode == VM_KVB ? 10000 : 1000000;
	return 0;
}

static int parse_opts(int argc, char **argv, struct verify_opts *o)
{
	struct cli_parser p;
	const char *arg;
	int c;

	memset(o, 0, sizeof(*o));
	o->mode_name = "loopback";
	o->format = "text";
	o->duration = 10;
	o->rate = -1;
	o->busy_poll = 0;
	o->threshold = 1000;
	split_eal(&argc, argv, o);
	cli_parser_init(&p, "verify", SYNOPSIS,
			"Proves with packets that the host meets its profile's latency targets: runs tickready-poller on the\n"
			"isolated cores, compares its figures with [targets] and names what interrupted each core.",
			verify_opts, argc, argv);
	while ((c = cli_parser_next(&p, &arg)) != -1) {
		if (c == CLI_HELP)
			return 1;
		if (c == '?' || apply_opt(o, c, arg) < 0)
			return -1;
	}
	if (optind < argc) {
		cli_error("verify: unexpected argument '%s' (EAL arguments go after --eal)", argv[optind]);
		return -1;
	}
	return check_opts(o);
}

/* --poller, else next to this binary, else $PATH. */
static int find_poller(struct verify_run *r)
{
	char exe[PATH_MAX], *slash, *path, *save = NULL;

	if (r->o.poller) {
		if (access(r->o.poller, X_OK) < 0) {
			cli_error("verify: cannot run poller '%s': %s", r->o.poller, strerror(errno));
			return -1;
		}
		snprintf(r->poller, sizeof(r->poller), "%s", r->o.poller);
		return 0;
	}
	if (sysroot_readlink(&r->s.sr, "/proc/self/exe", exe, sizeof(exe)) >= 0 && (slash = strrchr(exe, '/'))) {
		snprintf(slash + 1, sizeof(exe) - (size_t)(slash + 1 - exe), "tickready-poller");
		if (access(exe, X_OK) == 0) {
			snprintf(r->poller, sizeof(r->poller), "%s", exe);
			return 0;
		}
	}
	path = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/local/bin:/usr/bin:/bin");
	for (char *d = strtok_r(path, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(exe, sizeof(exe), "%s/tickready-poller", d);
		if (access(exe, X_OK) == 0) {
			snprintf(r->poller, sizeof(r->poller), "%s", exe);
			free(path);
			return 0;
		}
	}
	free(path);
	cli_error("verify: tickready-poller not found next to tickready nor in $PATH (build it with `make`, or name it with --poller)");
	return -1;
}

/* Free hugepages of the plan's size on its node, or why not, with the command that fixes it. */
static int check_hugepages(struct verify_run *r)
{
	struct verify_plan *pl = &r->plan;
	const struct hugepool *pool;
	char size[16], path[160];
	long now_free;
	int rc;

	format_size_human(pl->hugepage_kb, size, sizeof(size));
	if (r->o.no_huge) {
		r->representative = false;
		note(r, "not representative: --no-huge (4 KiB pages: TLB misses the production poller would not see)");
		return 0;
	}
	if (pl->pages_free >= pl->pages)
		return 0;
	venv_pool_path(pl->node, pl->hugepage_kb, path, sizeof(path));
	pool = host_pool(&r->s.host, pl->node, pl->hugepage_kb);
	if (!pool)
		pool = host_pool(&r->s.host, -1, pl->hugepage_kb);
	if (!pool) {
		cli_error("verify: this kernel has no %s hugepage pool ('%s' is missing); pick another [memory] hugepage_size or use --no-huge",
			  size, path);
		return -1;
	}
	if (!r->o.reserve) {
		cli_error("verify: %ld of the %ld %s hugepages it needs are free on node %d; reserve them with "
			  "`tickready apply --profile %s --only memory.hugepages` or `echo %ld > %s`, "
			  "or run with --reserve (temporary) or --no-huge (not representative)",
			  pl->pages_free < 0 ? 0 : pl->pages_free, pl->pages, size, pl->node, r->s.prof.name,
			  pool->nr + pl->pages - (pl->pages_free < 0 ? 0 : pl->pages_free), path);
		return -1;
	}
	rc = venv_pool_raise(&r->s.sr, pl->node, pl->hugepage_kb, pl->pages, &r->pool_old, &now_free);
	r->raised = rc == 0 || now_free >= 0;
	if (rc < 0 || now_free < pl->pages) {
		cli_error("verify: cannot reserve %ld %s hugepages on node %d through '%s': %s", pl->pages, size, pl->node,
			  path, rc < 0 ? strerror(-rc) : "the kernel found too little contiguous memory");
		return -1;
	}
	note(r, "raised %s from %ld for the run (restored afterwards)", path, r->pool_old);
	return 0;
}

/* Port mode: the user's device, else the profile's NIC when bound to a DPDK driver. */
static int port_device(struct verify_run *r)
{
	const struct nic *n = r->s.prof.nic;

	if (r->o.mode != VM_PORT || r->o.port || r->o.nvdev)
		return 0;
	if (r->o.iface) {
		r->o.vdev[r->o.nvdev++] = xasprintf("net_af_packet0,iface=%s", r->o.iface);
		return 0;
	}
	if (n && n->pci[0] && (!strcmp(n->driver, "vfio-pci") || !strcmp(n->driver, "uio_pci_generic"))) {
		r->o.port = n->pci;
		return 0;
	}
	cli_error("verify: port mode needs --port PCI, --vdev DEVARGS or --iface IF%s", n ? " (the profile's NIC is not bound to vfio-pci)" : "");
	return -1;
}

static int prepare(struct verify_run *r)
{
	char why[256], size[16];
	int rc;

	if (geteuid() != 0) {
		cli_error("verify: needs root (it mounts a hugetlbfs and runs DPDK)");
		return -1;
	}
	rc = verify_plan_make(&r->s.host, &r->s.prof, r->o.mode, &r->o.cores, &r->plan, why, sizeof(why));
	if (rc < 0) {
		cli_error("verify: %s", why);
		return -1;
	}
	for (int i = 0; i < r->plan.nnotes; i++)
		note(r, "%s", r->plan.notes[i]);
	for (int i = 0; i < r->plan.ncores; i++) {
		int c = r->plan.cores[i];

		if (r->s.host.has_isolated && !cpuset_has(&r->s.host.isolated, c) &&
		    !(r->plan.borrowed_housekeeping && i == 0))
			note(r, "cpu %d is not isolated by the kernel (isolcpus): run `tickready apply` and reboot first", c);
	}
	if (port_device(r) < 0 || find_poller(r) < 0 || check_hugepages(r) < 0)
		return -1;
	snprintf(r->prefix, sizeof(r->prefix), "tickready-verify-%d", (int)getpid());
	if (!r->o.no_huge) {
		rc = venv_huge_mount(r->plan.hugepage_kb, r->huge_dir, sizeof(r->huge_dir));
		if (rc < 0) {
			cli_error("verify: cannot mount a hugetlbfs (pagesize %s) on '%s': %s",
				  format_size_human(r->plan.hugepage_kb, size, sizeof(size)), r->huge_dir, strerror(-rc));
			return -1;
		}
		r->mounted = true;
	}
	return 0;
}

/* The poller's argv: its options, then "--" and the EAL's (ours first, the user's last so they win). */
static char **poller_argv(struct verify_run *r, const char *mode, const int *cores, int ncores, double duration,
			  const char *vdev)
{
	char **av = xcalloc((size_t)(40 + 2 * MAX_VDEV + r->o.neal), sizeof(char *));
	struct strbuf sb = { 0 };
	char sm[64];
	int n = 0;

	for (int i = 0; i < ncores; i++)
		strbuf_addf(&sb, "%s%d", i ? "," : "", cores[i]);
	av[n++] = xstrdup(r->poller);
	av[n++] = xstrdup("--mode");
	av[n++] = xstrdup(mode);
	av[n++] = xstrdup("--duration");
	av[n++] = xasprintf("%.3f", duration);
	av[n++] = xstrdup("--cores");
	av[n++] = strbuf_detach(&sb);
	av[n++] = xstrdup("--threshold-ns");
	av[n++] = xasprintf("%ld", r->o.threshold);
	if (!strcmp(mode, "loopback")) {
		av[n++] = xstrdup("--rate");
		av[n++] = xasprintf("%ld", r->o.rate);
	}
	if (vdev) {
		av[n++] = xstrdup("--vdev");
		av[n++] = xstrdup(vdev);
	} else if (!strcmp(mode, "port")) {
		for (int i = 0; i < r->o.nvdev; i++) {
			av[n++] = xstrdup("--vdev");
			av[n++] = xstrdup(r->o.vdev[i]);
		}
		if (r->o.port) {
			av[n++] = xstrdup("--port");
			av[n++] = xstrdup(r->o.port);
		}
	}
	av[n++] = xstrdup("--");
	av[n++] = xstrdup("--file-prefix");
	av[n++] = xstrdup(r->prefix);
	if (r->o.no_huge) {
		av[n++] = xstrdup("--no-huge");
		av[n++] = xstrdup("-m");
		av[n++] = xstrdup("256");
	} else {
		av[n++] = xstrdup("--huge-dir");
		av[n++] = xstrdup(r->huge_dir);
		av[n++] = xstrdup("--socket-mem");
		av[n++] = xstrdup(verify_socket_mem(&r->plan, sm, sizeof(sm)));
	}
	for (int i = 0; i < r->o.neal; i++)
		av[n++] = xstrdup(r->o.eal[i]);
	return av;
}

static void argv_free(char **av)
{
	for (char **p = av; p && *p; p++)
		free(*p);
	free(av);
}

/* One measurement window: the poller (or the kernel receiver) and the counters around it. */
struct window {
	const char *name;
	const int *cpus;
	const char *const *roles;
	int ncpus;
	struct cause_snap before, after;
	bool has_before;
	struct cause_tasks tasks;
	struct cause_report causes;
	bool has_causes;
};

static void window_start(struct verify_run *r, struct window *w)
{
	if (w->has_before)
		cause_snap_free(&w->before);
	cause_snap_take(&r->s.sr, w->cpus, w->ncpus, &w->before);
	w->has_before = true;
	cause_tasks_poll(&r->s.sr, &w->tasks, true);
}

static void window_end(struct verify_run *r, struct window *w)
{
	cause_snap_take(&r->s.sr, w->cpus, w->ncpus, &w->after);
	if (cause_diff(&w->before, &w->after, &w->tasks, &w->causes) == 0) {
		w->has_causes = true;
		for (int i = 0; i < w->causes.n; i++)
			w->causes.cpus[i].role = w->roles[i];
	}
	cause_snap_free(&w->before);
	cause_snap_free(&w->after);
	w->has_before = false;
}

static void window_free(struct window *w)
{
	if (w->has_before)
		cause_snap_free(&w->before);
	if (w->has_causes)
		cause_report_free(&w->causes);
}

/* Reads what a pipe has; returns false at EOF. */
static bool drain(int fd, struct strbuf *sb)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		return false;
	if (n > 0 && sb->len < OUT_CAP) {
		buf[n] = '\0';
		strbuf_add(sb, buf);
	}
	return true;
}

/* Busy in user space, no system time: the poll loop runs (EAL setup is mostly system time). */
static bool main_thread_polling(const struct sysroot *sr, pid_t pid, unsigned long long *last_u,
				unsigned long long *last_s, int *streak)
{
	char path[64], text[SYSROOT_SMALL], *p;
	unsigned long long u, s;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (sysroot_read(sr, path, text, sizeof(text)) < 0 || !(p = strrchr(text, ')')))
		return false;
	/* After the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &u, &s) != 2)
		return false;
	/* Called every 100 ms; clock ticks are 10 ms: 8 of 10 in user space and at most one in the kernel. */
	*streak = (u - *last_u >= 8 && s - *last_s <= 1) ? *streak + 1 : 0;
	*last_u = u;
	*last_s = s;
	return *streak >= 2;
}

/* What the wait loop should do besides waiting: kernel-vs-bypass starts its sender once the poller polls. */
struct hooks {
	struct kvb_shared *k;
	const char *tx_ns;
	int sender_cpu;
	pid_t sender;
	double sender_done;
	bool stopped;		/* we sent the poller SIGINT on purpose */
};

static void hooks_tick(struct verify_run *r, struct hooks *hk, pid_t poller, bool polling)
{
	int st;

	if (!hk || !hk->k)
		return;
	if (!hk->sender && polling) {
		hk->sender = venv_fork(kvb_sender, hk->k, hk->tx_ns, hk->sender_cpu);
		if (hk->sender > 0)
			child_add(r, hk->sender);
	}
	if (hk->sender > 0 && !hk->sender_done && waitpid(hk->sender, &st, WNOHANG) == hk->sender) {
		child_forget(r, hk->sender);
		hk->sender_done = now_s();
	}
	/* The stream is bounded: once it is over (and the veth drained), stop the poller. */
	if (hk->sender_done && !hk->stopped && now_s() - hk->sender_done > 0.3) {
		kill(poller, SIGINT);
		hk->stopped = true;
	}
}

struct poll_result {
	json_t *doc;
	int status;
	char err[512];
};

static void last_lines(const char *text, char *out, size_t size)
{
	size_t len = strlen(text);
	const char *p = text + len;
	int lines = 0;

	while (p > text && lines < 4)
		if (*--p == '\n' && p + 1 < text + len)
			lines++;
	snprintf(out, size, "%s", p == text ? p : p + 1);
	for (char *c = out; *c; c++)
		if (*c == '\n')
			*c = c[1] ? ' ' : '\0';
}

/* Waits for the poller, polling its threads; forwards a signal to it and gives it 3 s to finish. */
static int wait_poller(struct verify_run *r, pid_t pid, int ofd, int efd, struct window *w, struct hooks *hk,
		       struct strbuf *out, struct strbuf *err)
{
	struct pollfd fds[2] = { { .fd = ofd, .events = POLLIN }, { .fd = efd, .events = POLLIN } };
	unsigned long long lu = 0, ls = 0;
	double killed_at = 0, started = now_s(), sampled = 0;
	bool based = false, polling = false;
	int status = 0, streak = 0;
	pid_t done = 0;

	while (!done || fds[0].fd >= 0 || fds[1].fd >= 0) {
		if (poll(fds, 2, 20) > 0) {
			for (int i = 0; i < 2; i++)
				if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
				    !drain(fds[i].fd, i ? err : out))
					fds[i].fd = -1;
		}
		if (done)
			continue;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			done = pid;
			child_forget(r, pid);
			continue;
		}
		cause_tasks_poll(&r->s.sr, &w->tasks, false);
		if (!based && cause_tasks_seen(&w->tasks, "eal-intr")) {
			window_start(r, w);
			based = true;
		}
		if (based && !polling && now_s() - sampled >= 0.1) {
			sampled = now_s();
			polling = main_thread_polling(&r->s.sr, pid, &lu, &ls, &streak) || sampled - started > 20;
			/* The window proper starts with the loop, past the EAL's page faults and setup. */
			if (polling)
				window_start(r, w);
		}
		hooks_tick(r, hk, pid, polling);
		if (got_signal && !killed_at) {
			kill(pid, SIGINT);
			killed_at = now_s();
		} else if (killed_at && now_s() - killed_at > 3) {
			kill(pid, SIGKILL);
		}
	}
	if (!based)
		window_start(r, w);
	return status;
}

/* Runs the poller once; its JSON in res->doc, or res->err says why not. */
static int run_poller(struct verify_run *r, char **av, const char *netns, struct window *w, struct hooks *hk,
		      struct poll_result *res)
{
	int opipe[2], epipe[2], status;
	struct strbuf out = { 0 }, err = { 0 };
	char tail[400];
	json_error_t je;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe2(opipe, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(epipe, O_CLOEXEC) < 0) {
		close(opipe[0]);
		close(opipe[1]);
		return -errno;
	}
	pid = venv_spawn(av, netns, -1, opipe[1], epipe[1]);
	close(opipe[1]);
	close(epipe[1]);
	if (pid < 0) {
		close(opipe[0]);
		close(epipe[0]);
		snprintf(res->err, sizeof(res->err), "cannot start '%s': %s", av[0], strerror(-pid));
		return -1;
	}
	child_add(r, pid);
	memset(&w->tasks, 0, sizeof(w->tasks));
	w->tasks.pid = pid;
	status = wait_poller(r, pid, opipe[0], epipe[0], w, hk, &out, &err);
	close(opipe[0]);
	close(epipe[0]);
	window_end(r, w);
	last_lines(err.s ? err.s : "", tail, sizeof(tail));
	res->status = status;
	if (WIFSIGNALED(status))
		snprintf(res->err, sizeof(res->err), "the poller was killed by signal %d (%s)%s%s", WTERMSIG(status),
			 strsignal(WTERMSIG(status)), tail[0] ? ": " : "", tail);
	else if (got_signal)
		snprintf(res->err, sizeof(res->err), "interrupted by signal %d (%s); the poller was stopped",
			 (int)got_signal, strsignal(got_signal));
	else if (WEXITSTATUS(status) != 0 && !(WEXITSTATUS(status) == 3 && hk && hk->stopped))
		snprintf(res->err, sizeof(res->err), "the poller exited with status %d%s%s", WEXITSTATUS(status),
			 tail[0] ? ": " : "", tail);
	else if (!(res->doc = json_loadb(out.s ? out.s : "", out.len, 0, &je)))
		snprintf(res->err, sizeof(res->err), "the poller's output is not JSON (line %d: %s)", je.line, je.text);
	strbuf_free(&out);
	strbuf_free(&err);
	return res->doc ? 0 : -1;
}

static const char *role_of(const struct verify_plan *pl, int i)
{
	if (pl->mode == VM_LOOPBACK)
		return i == 0 ? "generator" : "poller";
	return pl->mode == VM_IDLE ? "idle" : "poller";
}

static json_t *windows_json(struct window *w, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		if (w[i].has_causes)
			json_array_append_new(a, json_pack("{s:s, s:o}", "run", w[i].name, "cpus",
							   cause_report_json(&w[i].causes)));
	return a;
}

/* Kernel socket first, then the poller on the same stream; both streams into one document. */
static int run_kvb(struct verify_run *r, struct window *w, json_t **doc, char *err, size_t errlen)
{
	uint64_t count = (uint64_t)((double)r->o.rate * r->o.duration);
	struct kvb_shared *k;
	struct poll_result res;
	char **av, vdev[64];
	struct hooks hk = { 0 };
	json_t *kernel, *bypass;
	double t0;
	pid_t rx, tx;
	int rc, st;

	if (count < 1)
		count = 1;
	if (count > KVB_MAX_PACKETS) {
		count = KVB_MAX_PACKETS;
		note(r, "stream capped at %d packets", KVB_MAX_PACKETS);
	}
	if (r->o.iface)
		snprintf(r->pair.if_rx, sizeof(r->pair.if_rx), "%s", r->o.iface);
	r->pair_made = true;
	if (venv_pair_create(&r->pair, err, errlen) < 0)
		return -1;
	k = kvb_shared_new(count);
	if (!k) {
		snprintf(err, errlen, "cannot allocate %llu samples", (unsigned long long)count);
		return -1;
	}
	/* Kernel: recvmsg on the isolated core. */
	k->pps = (uint64_t)r->o.rate;
	k->busy_poll_us = (int)r->o.busy_poll;
	k->timeout_s = r->o.duration + 5;
	rx = venv_fork(kvb_receiver, k, r->pair.ns_rx, r->plan.cores[0]);
	if (rx < 0) {
		snprintf(err, errlen, "cannot start the kernel receiver: %s", strerror(-rx));
		kvb_shared_free(k);
		return -1;
	}
	child_add(r, rx);
	for (t0 = now_s(); !__atomic_load_n(&k->ready, __ATOMIC_ACQUIRE) && now_s() - t0 < 5 && !got_signal;)
		usleep(1000);
	memset(&w[0].tasks, 0, sizeof(w[0].tasks));
	w[0].tasks.pid = rx;
	window_start(r, &w[0]);
	tx = venv_fork(kvb_sender, k, r->pair.ns_tx, r->plan.sender_cpu);
	if (tx > 0)
		child_add(r, tx);
	while (!got_signal && waitpid(rx, &st, WNOHANG) != rx) {
		cause_tasks_poll(&r->s.sr, &w[0].tasks, false);
		if (tx > 0 && waitpid(tx, NULL, WNOHANG) == tx) {
			child_forget(r, tx);
			tx = 0;
			k->timeout_s = now_s() - t0 + 1;	/* stream over: one more second to drain */
		}
		usleep(20000);
	}
	child_forget(r, rx);
	window_end(r, &w[0]);
	if (got_signal) {
		snprintf(err, errlen, "interrupted by signal %d (%s)", (int)got_signal, strsignal(got_signal));
		kvb_shared_free(k);
		return -1;
	}
	if (tx > 0) {
		waitpid(tx, NULL, 0);
		child_forget(r, tx);
	}
	kernel = lat_stream_json("kernel", k->lat, k->nlat, k->sent, k->negative, k->send_s);
	json_object_set_new(kernel, "busy_poll_us", json_integer(r->o.busy_poll));

	/* Bypass: the poller on the same veth through net_af_packet, the same stream once it polls. */
	memset((char *)k + offsetof(struct kvb_shared, sent), 0, sizeof(*k) - offsetof(struct kvb_shared, sent));
	snprintf(vdev, sizeof(vdev), "net_af_packet0,iface=%s", r->pair.if_rx);
	av = poller_argv(r, "port", r->plan.cores, 1, r->o.duration + 60, vdev);
	hk = (struct hooks){ .k = k, .tx_ns = r->pair.ns_tx, .sender_cpu = r->plan.sender_cpu };
	rc = run_poller(r, av, r->pair.ns_rx, &w[1], &hk, &res);
	argv_free(av);
	if (rc < 0) {
		snprintf(err, errlen, "%s", res.err);
		json_decref(kernel);
		kvb_shared_free(k);
		return -1;
	}
	*doc = res.doc;
	bypass = (json_t *)verify_stream(*doc, "port-rx");
	if (bypass) {
		uint64_t got = (uint64_t)(verify_num(bypass, "samples") + verify_num(bypass, "negative_deltas"));

		json_object_set_new(bypass, "name", json_string("bypass"));
		json_object_set_new(bypass, "sent", json_integer((json_int_t)k->sent));
		if (k->sent > got && verify_num(bypass, "dropped") < (double)(k->sent - got))
			json_object_set_new(bypass, "dropped", json_integer((json_int_t)(k->sent - got)));
	}
	json_array_append_new(json_object_get(*doc, "streams"), kernel);
	json_object_set_new(*doc, "mode", json_string("kernel-vs-bypass"));
	json_object_set_new(*doc, "interrupted", json_false());
	json_object_set_new(*doc, "stream", json_pack("{s:I, s:I, s:s, s:s, s:s}", "packets", (json_int_t)count,
						      "rate_pps", (json_int_t)r->o.rate, "clock", "CLOCK_MONOTONIC",
						      "veth", r->pair.if_rx, "namespace", r->pair.ns_rx));
	kvb_shared_free(k);
	return 0;
}

static int run_once(struct verify_run *r, struct window *w, json_t **doc, char *err, size_t errlen)
{
	struct poll_result res;
	char **av = poller_argv(r, verify_mode_names[r->o.mode], r->plan.cores, r->plan.ncores, r->o.duration, NULL);
	int rc = run_poller(r, av, NULL, w, NULL, &res);

	argv_free(av);
	if (rc < 0) {
		snprintf(err, errlen, "%s", res.err);
		return -1;
	}
	*doc = res.doc;
	return 0;
}

/* ---- output ---- */

static int bits(double v)
{
	int b = 0;

	for (unsigned long long x = (unsigned long long)v; x; x >>= 1)
		b++;
	return b;
}

/* Buckets of the poller's histogram merged on a 1-2-5 scale; bars on a log scale so the tail shows. */
static void print_histogram(FILE *f, const json_t *hist)
{
	static const double edges[] = { 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6,
					1e7, 2e7, 5e7, 1e8, 1e9, 1e10, 1e18 };
	enum { NE = sizeof(edges) / sizeof(edges[0]) };
	double counts[NE] = { 0 }, top = 0;
	const json_t *b;
	int first = NE, last = -1;
	size_t i;

	json_array_foreach(hist, i, b) {
		double hi = json_number_value(json_array_get(b, 0)), n = json_number_value(json_array_get(b, 1));
		int e = 0;

		while (e < NE - 1 && hi > edges[e])
			e++;
		counts[e] += n;
	}
	for (int e = 0; e < NE; e++) {
		if (!counts[e])
			continue;
		first = e < first ? e : first;
		last = e;
		top = counts[e] > top ? counts[e] : top;
	}
	for (int e = first; e <= last; e++) {
		char lab[24], bar[41];
		int len = counts[e] ? 1 + (bits(counts[e]) - 1) * 39 / (bits(top) > 1 ? bits(top) - 1 : 1) : 0;

		format_ns(edges[e], lab, sizeof(lab));
		memset(bar, '#', (size_t)len);
		bar[len] = '\0';
		fprintf(f, "    <= %-9s |%-40s %.0f\n", e == NE - 1 ? "more" : lab, bar, counts[e]);
	}
}

static void print_stream(FILE *f, const json_t *s)
{
	static const char *const keys[] = { "p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns", "mean_ns", "stdev_ns" };
	static const char *const labels[] = { "p50", "p90", "p99", "p99.9", "p99.99", "max", "mean", "stdev" };
	char num[3][48], v[32];

	fprintf(f, "stream %s: sent %s, received %s, dropped %s, %.3f Mpps\n",
		json_string_value(json_object_get(s, "name")),
		cause_thousands((unsigned long long)verify_num(s, "sent"), num[0], sizeof(num[0])),
		cause_thousands((unsigned long long)verify_num(s, "received"), num[1], sizeof(num[1])),
		cause_thousands((unsigned long long)verify_num(s, "dropped"), num[2], sizeof(num[2])), verify_num(s, "mpps"));
	if (!json_is_true(json_object_get(s, "latency_measured"))) {
		fputs("  latency: not measured (no stamped packets)\n", f);
		return;
	}
	fputs(" ", f);
	for (size_t i = 0; i < 8; i++) {
		format_ns(verify_num(s, keys[i]), v, sizeof(v));
		fprintf(f, " %s %s", labels[i], v);
	}
	fputc('\n', f);
	if (verify_num(s, "negative_deltas") > 0)
		fprintf(f, "  %.0f negative deltas (receive clock behind the send stamp: cross-core TSC skew), not in the percentiles\n",
			verify_num(s, "negative_deltas"));
	fputs("  histogram (log scale):\n", f);
	print_histogram(f, json_object_get(s, "histogram"));
}

/* kernel-vs-bypass: the comparison users read about, side by side. */
static void print_kvb(FILE *f, const json_t *doc)
{
	static const char *const keys[] = { "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns", "stdev_ns" };
	static const char *const labels[] = { "P50", "P90", "P99", "P99.9", "max", "stdev" };
	const json_t *k = verify_stream(doc, "kernel"), *b = verify_stream(doc, "bypass");
	char a[32], c[32];

	if (!k || !b)
		return;
	fprintf(f, "%-8s %14s %14s\n", "", "kernel recvmsg", "DPDK bypass");
	for (int i = 0; i < 6; i++) {
		format_ns(verify_num(k, keys[i]), a, sizeof(a));
		format_ns(verify_num(b, keys[i]), c, sizeof(c));
		fprintf(f, "%-8s %14s %14s\n", labels[i], a, c);
	}
	fprintf(f, "%-8s %14.0f %14.0f\n", "drops", verify_num(k, "dropped"), verify_num(b, "dropped"));
}

static void print_cores(FILE *f, const json_t *doc, enum verify_mode m)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(doc, "cores"), i, c) {
		char g[32];

		format_ns(verify_num(c, "max_gap_ns"), g, sizeof(g));
		fprintf(f, "cpu%.0f (%s): longest loop gap %s, %.0f gaps over the threshold\n", verify_num(c, "cpu"),
			json_string_value(json_object_get(c, "role")), g, verify_num(c, "gaps_over_threshold"));
		if (m == VM_IDLE) {
			const char *name;
			const json_t *v;

			json_object_foreach((json_t *)json_object_get(c, "gap_buckets"), name, v)
				if (json_number_value(v) > 0)
					fprintf(f, "    %-11s %.0f\n", name, json_number_value(v));
		}
	}
}

static void print_causes(FILE *f, const struct window *w, bool kvb)
{
	char line[1024], num[2][48];

	for (int i = 0; w->has_causes && i < w->causes.n; i++) {
		const struct cause_cpu *c = &w->causes.cpus[i];
		struct strbuf sb = { 0 };
		char *s;

		strbuf_addf(&sb, "  cpu%d (%s%s%s): %s", c->cpu, c->role, kvb ? ", " : "", kvb ? w->name : "",
			    cause_cpu_summary(c, 4, line, sizeof(line)));
		for (size_t j = 0; j < c->nsoft && j < 3; j++)
			strbuf_addf(&sb, "%s%s %s", j ? ", " : "; ", cause_thousands(c->soft[j].count, num[0], sizeof(num[0])),
				    c->soft[j].what);
		if (c->has_ctx)
			strbuf_addf(&sb, "; %s %s voluntary + %s involuntary context switches", c->thread,
				    cause_thousands(c->ctx_vol, num[0], sizeof(num[0])),
				    cause_thousands(c->ctx_invol, num[1], sizeof(num[1])));
		for (size_t j = 0; j < c->nidle; j++)
			strbuf_addf(&sb, "%sidle %s entered %s times", j ? ", " : "; ", c->idle[j].what,
				    cause_thousands(c->idle[j].count, num[0], sizeof(num[0])));
		if (c->has_smi)
			strbuf_addf(&sb, "; %llu SMIs", c->smi);
		if (c->has_aperf)
			strbuf_addf(&sb, "; APERF/MPERF %.2f", c->aperf_mperf);
		if (c->msr_err)
			strbuf_addf(&sb, "; SMI/APERF unknown (/dev/cpu/%d/msr: %s)", c->cpu, strerror(-c->msr_err));
		s = strbuf_detach(&sb);
		fprintf(f, "%s\n", s);
		free(s);
	}
}

static void print_target(FILE *f, const struct verify_target *t)
{
	static const char *const tag[] = { "PASS", "FAIL", "skip" };
	char obs[48], want[48];

	if (!strcmp(t->unit, "ns")) {
		format_ns(t->observed, obs, sizeof(obs));
		format_ns((double)t->want, want, sizeof(want));
	} else {
		snprintf(obs, sizeof(obs), "%.2f %s", t->observed, t->unit);
		snprintf(want, sizeof(want), "%ld %s", t->want, t->unit);
	}
	if (t->verdict == TV_SKIP)
		fprintf(f, "  %s %s: %s\n", tag[t->verdict], t->name, t->why);
	else
		fprintf(f, "  %s %s: observed %s, target %s %s (%s)\n", tag[t->verdict], t->name, obs,
			t->at_least ? ">=" : "<=", want, t->why);
}

static const char *failed_names(const struct verify_target *t, int n, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		if (t[i].verdict == TV_FAIL && off < size)
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? ", " : "", t[i].name);
	return buf;
}

static void print_text(FILE *f, struct verify_run *r, const json_t *doc, const struct verify_target *t, int nt,
		       struct window *w, int nw, bool ready)
{
	const json_t *s;
	char size[16], failed[256];
	size_t i;

	fprintf(f, "tickready verify: %s, profile %s, %.1f s, cpus", verify_mode_names[r->o.mode], r->s.prof.name,
		verify_num(doc, "duration_s"));
	for (int c = 0; c < r->plan.ncores; c++)
		fprintf(f, " %d (%s)", r->plan.cores[c], role_of(&r->plan, c));
	if (r->o.no_huge)
		fputs(", no hugepages\n", f);
	else
		fprintf(f, ", %ld x %s hugepages on node %d\n", r->plan.pages,
			format_size_human(r->plan.hugepage_kb, size, sizeof(size)), r->plan.node);
	json_array_foreach(json_object_get(doc, "streams"), i, s)
		print_stream(f, s);
	if (r->o.mode == VM_KVB)
		print_kvb(f, doc);
	print_cores(f, doc, r->o.mode);
	fputs("targets:\n", f);
	for (int k = 0; k < nt; k++)
		print_target(f, &t[k]);
	if (!nt)
		fprintf(f, "  none: profile '%s' sets no [targets] for %s mode\n", r->s.prof.name, verify_mode_names[r->o.mode]);
	fputs("causes (same window):\n", f);
	for (int k = 0; k < nw; k++)
		print_causes(f, &w[k], r->o.mode == VM_KVB);
	if (r->nnotes)
		fputs("notes:\n", f);
	for (int k = 0; k < r->nnotes; k++)
		fprintf(f, "  %s\n", r->notes[k]);
	if (ready)
		fprintf(f, "verdict: READY%s\n", r->representative ? "" : " (not representative)");
	else
		fprintf(f, "verdict: NOT READY (failed: %s)%s\n", failed_names(t, nt, failed, sizeof(failed)),
			r->representative ? "" : " (not representative)");
}

static json_t *targets_json(const struct verify_target *t, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:I, s:s, s:f, s:s, s:s, s:s}", "name", t[i].name, "target", (json_int_t)t[i].want,
				      "comparison", t[i].at_least ? ">=" : "<=", "observed", t[i].observed, "unit", t[i].unit,
				      "verdict", target_verdict_names[t[i].verdict], "detail", t[i].why);

		json_object_set_new(o, "cpu", t[i].cpu >= 0 ? json_integer(t[i].cpu) : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

static void print_json(struct verify_run *r, json_t *doc, const struct verify_target *t, int nt, struct window *w,
		       int nw, bool ready)
{
	json_t *notes = json_array();
	char failed[256];

	for (int i = 0; i < r->nnotes; i++)
		json_array_append_new(notes, json_string(r->notes[i]));
	json_object_set_new(doc, "tool", json_string("tickready verify " TICKREADY_VERSION));
	json_object_set_new(doc, "profile", json_string(r->s.prof.name));
	json_object_set_new(doc, "targets", targets_json(t, nt));
	json_object_set_new(doc, "causes", windows_json(w, nw));
	json_object_set_new(doc, "representative", json_boolean(r->representative));
	json_object_set_new(doc, "hugepages", r->o.no_huge ? json_null() :
			    json_pack("{s:I, s:I, s:i}", "page_kb", (json_int_t)r->plan.hugepage_kb, "pages",
				      (json_int_t)r->plan.pages, "node", r->plan.node));
	json_object_set_new(doc, "notes", notes);
	json_object_set_new(doc, "ready", json_boolean(ready));
	json_object_set_new(doc, "failed", json_string(failed_names(t, nt, failed, sizeof(failed))));
	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

static void install_signals(struct sigaction *old)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old[0]);
	sigaction(SIGTERM, &sa, &old[1]);
	sigaction(SIGHUP, &sa, &old[2]);
}

static void restore_signals(const struct sigaction *old)
{
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGTERM, &old[1], NULL);
	sigaction(SIGHUP, &old[2], NULL);
}

static int measure(struct verify_run *r, struct window *w, int *nw, json_t **doc)
{
	static const char *const kvb_roles[] = { "receiver" };
	const char **rl = r->roles;
	char err[600];
	int rc;

	for (int i = 0; i < r->plan.ncores; i++)
		rl[i] = role_of(&r->plan, i);
	w[0] = (struct window){ .name = r->o.mode == VM_KVB ? "kernel" : verify_mode_names[r->o.mode], .cpus = r->plan.cores,
				.roles = r->o.mode == VM_KVB ? kvb_roles : rl, .ncpus = r->o.mode == VM_KVB ? 1 : r->plan.ncores };
	w[1] = (struct window){ .name = "bypass", .cpus = r->plan.cores, .roles = rl, .ncpus = 1 };
	*nw = r->o.mode == VM_KVB ? 2 : 1;
	rc = r->o.mode == VM_KVB ? run_kvb(r, w, doc, err, sizeof(err)) : run_once(r, w, doc, err, sizeof(err));
	if (rc < 0)
		cli_error("verify: %s", err);
	return rc;
}

int cmd_verify(int argc, char **argv)
{
	struct verify_run *r = xcalloc(1, sizeof(*r));
	struct verify_target t[VERIFY_MAX_TARGETS];
	struct window w[2];
	struct sigaction old[3];
	json_t *doc = NULL;
	int rc, nt = 0, nw = 0;
	bool ready = false;

	memset(w, 0, sizeof(w));
	rc = parse_opts(argc, argv, &r->o);
	if (rc) {
		free(r);
		return rc > 0 ? EXIT_READY : EXIT_ERROR;
	}
	if (session_open(&r->s, "/", r->o.profile, false)) {
		free(r);
		return EXIT_ERROR;
	}
	r->representative = true;
	got_signal = 0;
	install_signals(old);
	rc = prepare(r) < 0 || measure(r, w, &nw, &doc) < 0 ? EXIT_ERROR : EXIT_READY;
	if (cleanup(r) < 0)
		rc = EXIT_ERROR;
	if (rc == EXIT_READY) {
		nt = verify_targets(&r->s.prof, r->o.mode, doc, t, VERIFY_MAX_TARGETS);
		if (nt < 0) {
			cli_error("verify: the poller's output is not a tickready.verify/1 document");
			rc = EXIT_ERROR;
		}
	}
	if (rc == EXIT_READY) {
		ready = true;
		for (int i = 0; i < nt; i++)
			ready &= t[i].verdict != TV_FAIL;
		if (!strcmp(r->o.format, "json"))
			print_json(r, doc, t, nt, w, nw, ready);
		else
			print_text(stdout, r, doc, t, nt, w, nw, ready);
		rc = ready ? EXIT_READY : EXIT_NOT_READY;
	}
	restore_signals(old);
	for (int i = 0; i < 2; i++)
		window_free(&w[i]);
	json_decref(doc);
	session_close(&r->s);
	free(r);
	return rc;
}
