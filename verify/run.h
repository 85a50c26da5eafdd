/* One verify run: sets up the host (hugepages, hugetlbfs, namespaces), runs the mode (its row in mode.h), and takes it all down again. The pieces every mode's file is built from. */
#pragma once
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cpuset.h"
#include "host.h"
#include "profile.h"
#include "sysroot.h"
#include "verify.h"
#include "verify_cause.h"
#include "verify_env.h"
#include "peer.h"

#define VERIFY_MAX_VDEV 4
#define VERIFY_MAX_SWEEP 12

/* What the user asked for (cli/ fills it from the command line). */
struct verify_opts {
	const char *profile, *mode_name, *format, *poller, *port, *iface;
	const char *peer, *peer_mac;	/* pingpong against a reflector on another host */
	const char *scenario;	/* feeds: a preset of verify/feeds.c */
	const char *vdev[VERIFY_MAX_VDEV];
	int nvdev;
	double duration;
	struct cpuset cores;
	bool no_huge, reserve;
	long rate, busy_poll, threshold;
	long udp_port;		/* pingpong --peer; 0: VENV_UDP_PORT */
	/* sweep: the rates (packets/s) and UDP payload sizes (bytes) measured, in the order given */
	long rates[VERIFY_MAX_SWEEP], sizes[VERIFY_MAX_SWEEP];
	int nrates, nsizes;
	char **eal;
	int neal;
	enum verify_mode mode;
	unsigned given;		/* VO_BIT()s of the mode-specific options on the command line */
};

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
	double t0, t1;		/* CLOCK_MONOTONIC seconds of the window */
};

#define VERIFY_RUN_NOTES 16
#define VERIFY_RUN_ERRORS 4

/* Everything set up on the host, so that verify_run_cleanup() can take all of it down again. */
struct verify_run {
	const struct sysroot *sr;
	const struct host *host;
	const struct profile *prof;
	volatile sig_atomic_t *stop;	/* set by the caller's signal handler: the signal number */
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
	pid_t *children;	/* every child still running, grown as they start (verify_child_add) */
	int nchildren, children_cap;
	bool representative;
	const char *roles[VERIFY_MAX_CORES];
	int pp_cpus[2];		/* pingpong: pinger, reflector (--peer: pinger, a housekeeping cpu) */
	struct peer_plan peer;	/* --peer: checked by prepare before anything is touched */
	int feed_cpus[2];	/* feeds: DPDK receiver, generator */
	struct window w[2];
	int nw;
	json_t *doc;		/* the poller's document, with verify's additions */
	int nnotes;
	char notes[VERIFY_RUN_NOTES][240];
	int nerrors;
	char errors[VERIFY_RUN_ERRORS][600];	/* for the caller to print, one line each */
	/* Called every 20 ms while measuring when set (cli/ sets it on a tty): seconds so far, expected, what runs. */
	void (*progress)(void *ctx, double elapsed, double total, const char *what);
	void *progress_ctx;
	double t_start;
	char progress_what[96];
};
/* Reports progress (when a callback is set). */
void verify_progress(struct verify_run *r);

/* Plans cores and memory, finds the poller, reserves and mounts hugepages. 0 or -1 (errors filled). */
int verify_run_prepare(struct verify_run *r);
/* Runs the mode's measurement (its row's run); r->doc and r->w filled. 0 or -1 (errors filled). */
int verify_run_measure(struct verify_run *r);
/* Undoes everything prepare and measure set up, in reverse order; 0 or -1 (errors filled). */
int verify_run_cleanup(struct verify_run *r);
/* Frees windows and the document. */
void verify_run_free(struct verify_run *r);
/* "poller", "generator", "idle" for the i-th planned core. */
const char *verify_role_of(const struct verify_plan *pl, int i);
void verify_run_note(struct verify_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * A window of two cpus: the measured core, then the plan's second (housekeeping) cpu for what mode's
 * other end (role) runs on. cpus[] holds them. -1 with err set when the profile leaves no second cpu.
 */
int verify_two_cpus(struct verify_run *r, struct window *w, int cpus[2], const char *const *roles, const char *mode,
		    const char *role, char *err, size_t errlen);
/* The causes of every window that has them, as [{"run": NAME, "cpus": [...]}]. */
json_t *verify_windows_json(const struct window *w, int n);

/* The pieces a mode's file is built from. */
struct hooks;
typedef void (*verify_tick_fn)(struct verify_run *r, struct hooks *hk, pid_t poller, bool polling);
/* What the wait loop does besides waiting, every 20 ms: the mode's other end (a sender, pingers, a generator). */
struct hooks {
	bool stopped;		/* the tick sent the poller SIGINT on purpose: its VS_EXIT_INTERRUPTED is no error */
	verify_tick_fn tick;	/* polling: the poller's loop runs (past the EAL's setup) */
	void *arg;		/* the mode's state */
};

struct poll_result {
	json_t *doc;
	int status;
	char err[512];
};

double verify_now_s(void);
/* Tracks a child until verify_child_forget, so that cleanup stops it; the list grows, none goes untracked. */
#define VERIFY_CHILDREN_FIRST 4	/* room before the first growth */
void verify_child_add(struct verify_run *r, pid_t pid);
void verify_child_forget(struct verify_run *r, pid_t pid);
/*
 * The poller's argv for mode on cores: vdev adds a --vdev (NULL: none), extra adds poller options (NULL-terminated:
 * a mode's --rate, the user's devices), suffix goes after the run's --file-prefix (a second DPDK process beside the first).
 */
char **verify_poller_argv(struct verify_run *r, const char *mode, const int *cores, int ncores, double duration,
			  const char *vdev, const char *const *extra, const char *suffix);
/* --file-prefix suffixes of pingpong's two DPDK processes (cleanup removes their runtime dirs). */
#define VERIFY_PREFIX_REFLECT "-r"
#define VERIFY_PREFIX_CLIENT "-c"
#define VERIFY_PREFIX_GEN "-g"	/* feeds' generator */
void verify_argv_free(char **av);
/* A measurement window around what a mode runs itself: counters of w->cpus before, and after with the causes. */
void verify_window_begin(struct verify_run *r, struct window *w);
void verify_window_finish(struct verify_run *r, struct window *w);
/* Runs the poller (in netns when set) to its end; its JSON in res->doc, or res->err says why not. 0 or -1. */
int verify_run_poller(struct verify_run *r, char **av, const char *netns, struct window *w, struct hooks *hk,
		      struct poll_result *res);
/*
 * kernel-vs-bypass's two passes over one bounded stream on r->pair (verify/mode_kvb.c), for the modes built on
 * them: the kernel socket's "kernel" stream, then the poller's document (its stream named "bypass"); NULL with err.
 */
json_t *kvb_kernel_pass(struct verify_run *r, struct window *w, struct kvb_shared *k, char *err, size_t errlen);
json_t *kvb_bypass_pass(struct verify_run *r, struct window *w, struct kvb_shared *k, char *err, size_t errlen);
#define KVB_MAX_PACKETS 1000000
/* The poller in mode on every planned cpu for --duration, the user's EAL options and extra ones; *doc its document. 0 or -1. */
int verify_run_once(struct verify_run *r, struct window *w, enum vs_mode mode, const char *const *extra, json_t **doc,
		    char *err, size_t errlen);
