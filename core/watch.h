/* tickready watch's samples of the isolated cpus and the events between two of them: read only, through a sysroot. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cpuset.h"
#include "spikes.h"
#include "sysroot.h"
#include "telemetry.h"

/* What a watch looks at: fixed for its whole run. */
struct watch_ctx {
	struct cpuset isolated;		/* the profile's isolated cpus */
	struct cpuset nohz_full;	/* of them, the kernel's nohz_full ones (LOC judged there only) */
	char housekeeping[64];		/* the profile's housekeeping cpus, as a list, for the fixes */
	const char *allowed;		/* [tasks] allowed: comma-separated names or globs, NULL when none */
	pid_t self;			/* the watch's own pid: never an event */
	bool keep_open;			/* live root: files stay open from sample to sample and are re-read with pread */
	const struct spike_sources *spikes;	/* host-wide error and drop counters, NULL when none */
	pid_t app;		/* --app: the application, 0 none. Its threads are never task events; their
				 * context switches on isolated cpus are */
	struct telemetry *telemetry;	/* its DPDK telemetry (read only), NULL none: port counters each sample */
};

/* One ethdev port of the application, as its telemetry tells. */
struct watch_port {
	int port;
	char name[64];
	long long imissed, rx_nombuf;	/* -1 when not reported */
};

/* One row of /proc/interrupts or /proc/softirqs: its counts on the isolated cpus only. */
struct watch_row {
	char key[24];		/* "24", "LOC", "NET_RX" */
	char name[64];		/* device name of a numbered IRQ, else the kernel's description */
	uint64_t *count;	/* one per isolated cpu, in cpuset order (in the sample's one array) */
	char affinity[64];	/* numbered IRQs: smp_affinity_list, "" when unreadable */
	int affinity_fd;	/* kept smp_affinity_list, -1 */
};

struct watch_task {
	pid_t tid, pid;
	char comm[16];
	int processor;		/* the cpu it last ran on */
	uint64_t cputime;	/* utime + stime, clock ticks */
	bool kthread;
	bool allowed_iso;	/* Cpus_allowed_list holds an isolated cpu (read once per thread) */
	bool ran;		/* new, moved, or its cpu time grew since the previous sample */
	int fd;			/* kept stat file, -1 */
	int threads;		/* its process's thread count */
	bool app;		/* one of ctx->app's threads */
	long long nvcsw, nivcsw;	/* app threads: voluntary, involuntary switches since it started; -1 unknown */
	int status_fd;		/* app threads: kept status file, -1 */
};

struct watch_table;

struct watch_sample {
	int niso;
	int *iso;		/* the isolated cpus, ascending */
	size_t nirq, nsoft, ntask;
	struct watch_row *irq, *soft;
	struct watch_task *task;	/* by tid, ascending */
	char thp[32], ksm[8];	/* selected word, "" when unreadable */
	bool irqs_read, softirqs_read;
	uint64_t *irq_counts, *soft_counts;	/* the counts of the rows parsed this time, niso a row */
	/*
	 * What the last read of each table left for the next to compare with (shared with the sample taken
	 * from this one, which moves this one's counts there): a row unchanged since is the same counts in
	 * both. So a sample's counts are good until the sample after its successor is taken (as watch does:
	 * take one from the previous, compare the two, free the previous).
	 */
	struct watch_table *irq_tab, *soft_tab;
	unsigned long irq_gen, soft_gen;	/* the read of the table this sample is, 0 unusable */
	long last_pid;		/* /proc/sys/kernel/ns_last_pid, -1 unknown: unchanged means no thread started */
	int fd_interrupts, fd_softirqs, fd_thp, fd_ksm, fd_last_pid;	/* kept files, -1 */
	struct spike_values spikes;	/* ctx->spikes' counters */
	int *spike_fds;		/* kept, one per source, -1 */
	size_t nspike_fds;
	size_t nport;
	struct watch_port *port;	/* the application's ports, when ports_read */
	bool ports_read;
};

enum watch_kind { WK_IRQ, WK_TICK, WK_IPI, WK_SOFTIRQ, WK_TASK, WK_AFFINITY, WK_SERVICE, WK_SWITCH, WK_COUNTER,
		  WK_APP_SWITCH, WK_APP_PORT, WK_COUNT };
extern const char *const watch_kind_names[WK_COUNT];

struct watch_event {
	enum watch_kind kind;
	int cpu;		/* -1: host-wide */
	uint64_t count;		/* interrupts in the interval, else 1 */
	char what[320], cause[256], fix[256];
	pid_t pid;		/* WK_TASK / WK_SERVICE: the process, else 0 */
	char comm[16];
};

/*
 * Reads one sample. prev (NULL for the first) lends each known thread's allowed-cpu answer, so a
 * thread's status file is read only once, and with ctx->keep_open hands its open files over to s.
 * Returns 0, or -errno when /proc/interrupts is unreadable.
 */
int watch_sample_take(struct watch_sample *s, const struct sysroot *sr, const struct watch_ctx *ctx,
		      struct watch_sample *prev);
/* Frees s and closes the files it still keeps. */
void watch_sample_free(struct watch_sample *s);
/*
 * --until HH:MM: the next time the local clock reads HH:MM after now (tomorrow when that is now or
 * past). 0, or -EINVAL for anything but H:MM or HH:MM (00:00 to 23:59).
 */
int watch_until(const char *hhmm, time_t now, time_t *deadline);
/* Every event between two samples, in a fixed order (cpu-bound counters by cpu, then host-wide). */
void watch_diff(const struct watch_ctx *ctx, const struct watch_sample *prev, const struct watch_sample *cur,
		void (*fn)(void *arg, const struct watch_event *e), void *arg);
