/* Why a measured core was interrupted: per-cpu deltas of interrupts, softirqs, context switches, idle states and SMIs over one window. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sysroot.h"

/* One counter line (/proc/interrupts or /proc/softirqs) with the values of the measured cpus. */
struct cause_line {
	char key[24];		/* "41", "LOC", "TIMER" */
	char what[112];		/* "IRQ 41 (virtio3-rx)", "local timer interrupts", "softirq TIMER" */
	unsigned long long *count;	/* one per measured cpu; 0 where the file has no column */
};

struct cause_lines {
	size_t n;
	struct cause_line *v;
};

#define CAUSE_MAX_IDLE 16

struct cause_cpu_snap {
	int cpu;
	int nidle;
	char idle_name[CAUSE_MAX_IDLE][32];
	unsigned long long idle_usage[CAUSE_MAX_IDLE];
	int msr_err;		/* 0, or -errno of opening /dev/cpu/N/msr */
	bool has_smi, has_aperf;
	unsigned long long smi, aperf, mperf;
};

/* The counters of the measured cpus at one moment. */
struct cause_snap {
	int ncpus;
	struct cause_cpu_snap *cpus;
	struct cause_lines irq, soft;
	bool has_irq, has_soft;
};

/* Reads every counter for cpus through the sysroot. Missing files leave has_* false. Returns 0 or -ENOMEM. */
int cause_snap_take(const struct sysroot *sr, const int *cpus, int ncpus, struct cause_snap *s);
void cause_snap_free(struct cause_snap *s);

/* Parses /proc/interrupts (softirqs = false) or /proc/softirqs text for cpus. Returns 0 or -EINVAL. */
int cause_parse_counters(const char *text, bool softirqs, const int *cpus, int ncpus, struct cause_lines *out);
void cause_lines_free(struct cause_lines *l);

/* Threads of the poller (or the kernel receiver) and their context switches. */
#define CAUSE_MAX_TASKS 64
struct cause_task {
	pid_t tid;
	char name[32];
	int cpu;		/* the single cpu it is pinned to, -1 when not pinned to one */
	bool based;
	unsigned long long vol0, invol0, vol, invol;
};

struct cause_tasks {
	pid_t pid;
	int n;
	struct cause_task t[CAUSE_MAX_TASKS];
};

/* Reads /proc/PID/task/ * /status; base = true takes the window's start values. Returns 0 or -errno (-ESRCH: gone). */
int cause_tasks_poll(const struct sysroot *sr, struct cause_tasks *t, bool base);
/* Is there a thread whose name starts with prefix? */
bool cause_tasks_seen(const struct cause_tasks *t, const char *prefix);

struct cause_item {
	char what[112];
	unsigned long long count;
};

/* What happened on one cpu during the window; items sorted by count, zeros left out. */
struct cause_cpu {
	int cpu;
	const char *role;	/* "poller", "generator", "idle", "receiver" */
	size_t nirq, nsoft, nidle;
	struct cause_item *irq, *soft, *idle;
	bool has_irq, has_soft, has_ctx;
	char thread[32];
	unsigned long long ctx_vol, ctx_invol;
	int msr_err;
	bool has_smi, has_aperf;
	unsigned long long smi;
	double aperf_mperf;	/* effective / nominal clock over the window */
};

struct cause_report {
	int n;
	struct cause_cpu *cpus;
};

/* a: window start, b: its end (same cpus); tasks: the measured process's threads (may be NULL). */
int cause_diff(const struct cause_snap *a, const struct cause_snap *b, const struct cause_tasks *tasks,
	       struct cause_report *r);
void cause_report_free(struct cause_report *r);
json_t *cause_report_json(const struct cause_report *r);
/* "1,240 local timer interrupts, 3 IRQ 41 (virtio3-rx), ..." of the biggest causes; into buf. */
const char *cause_cpu_summary(const struct cause_cpu *c, int max_items, char *buf, size_t size);
/* 1240 -> "1,240". */
const char *cause_thousands(unsigned long long v, char *buf, size_t size);

/* One cpu's line of /proc/stat (USER_HZ ticks). */
struct cpu_times {
	int cpu;
	bool ok;
	unsigned long long user, nice, system, idle, iowait, irq, softirq, steal;
};
/* Reads /proc/stat for cpus; a cpu without a line is left ok = false. Returns 0 or -errno. */
int cause_cpu_times(const struct sysroot *sr, const int *cpus, int ncpus, struct cpu_times *out);
/* [{"cpu", "role", "user_pct", "system_pct", "softirq_pct", "idle_pct"}] of b - a, per cpu. */
json_t *cause_cpu_use_json(const struct cpu_times *a, const struct cpu_times *b, int ncpus, const char *const *roles);
