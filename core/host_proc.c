/*
 * The host's processes: /proc listed once; each process's status (its name, and its one thread when it
 * has one), every thread's status and the cpu_dma_latency holder read on first use, or ahead by a
 * second thread while host_load reads the rest (host_proc_read_ahead).
 */
#include "host.h"
#include "host_proc.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A status line beyond this is not a kernel's: the thread is counted unreadable. */
#define STATUS_MAX (1 << 20)

/* One process of /proc: its name and its threads. */
struct proc_entry {
	char comm[64];
	bool has_comm;
	size_t n, unreadable;	/* threads kept, and those whose status was unusable */
	struct host_thread *v;	/* in name order of its task directory */
};

struct host_proc {
	int pids_rc;		/* 1 until /proc is listed, then 0 or -errno */
	struct dirlist pids;	/* numeric entries of /proc, in name order */
	bool has_entries, has_tasks, has_holder;
	struct proc_entry *entries;	/* one per pids.names[i] */
	struct host_tasks tasks;
	struct host_dma_holder holder;
	bool reading_ahead;	/* ahead runs load_entries: join it before touching anything above */
	pthread_t ahead;
	const struct sysroot *ahead_sr;
	atomic_bool listed;	/* pids and entries are set: processes may be claimed */
	atomic_size_t next;	/* the next process of pids to claim, by whichever thread gets there */
	/* The threads' cpu sets, one copy of each (1 KB a set: copied per thread they were a fifth of a live audit's page faults). */
	struct cpuset_pool sets;
	pthread_mutex_t sets_lock;	/* both readers intern */
};

struct host_proc *host_proc_new(void)
{
	struct host_proc *p = xcalloc(1, sizeof(*p));

	p->pids_rc = 1;
	pthread_mutex_init(&p->sets_lock, NULL);
	return p;
}

static void load_claimed(const struct sysroot *sr, struct host_proc *p);

/*
 * The read-ahead's work is every accessor's: wait for it once. A read-ahead still going gets help:
 * this thread claims the processes left (a busy cpu under the helper leaves it behind).
 */
static void settle(struct host_proc *p)
{
	if (p->reading_ahead) {
		if (atomic_load_explicit(&p->listed, memory_order_acquire))
			load_claimed(p->ahead_sr, p);
		pthread_join(p->ahead, NULL);
		p->reading_ahead = false;
	}
}

void host_proc_free(struct host_proc *p)
{
	if (!p)
		return;
	settle(p);
	for (size_t i = 0; p->entries && i < p->pids.n; i++)
		free(p->entries[i].v);
	free(p->entries);
	dirlist_free(&p->pids);
	free(p->tasks.v);
	cpuset_pool_free(&p->sets);
	pthread_mutex_destroy(&p->sets_lock);
	free(p);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static int list_pids(const struct sysroot *sr, struct host_proc *p)
{
	struct dirlist all;
	size_t n = 0;

	if (p->pids_rc <= 0)
		return p->pids_rc;
	p->pids_rc = sysroot_list(sr, "/proc", &all);
	if (p->pids_rc < 0)
		return p->pids_rc;
	for (size_t i = 0; i < all.n; i++) {
		if (all_digits(all.names[i]))
			all.names[n++] = all.names[i];
		else
			free(all.names[i]);
	}
	all.n = n;
	p->pids = all;
	return 0;
}

/* What a status file says beyond the thread's fields. */
struct status_extra {
	bool has_name;
	long threads;		/* Threads:, 0 when absent */
};

/* The value of line when its key (the text before its first ':') is key, blanks after the ':' skipped; else NULL. */
static char *value_of(char *line, const char *key, size_t n)
{
	if (strncmp(line, key, n) || line[n] != ':')
		return NULL;
	line += n + 1;
	return line + strspn(line, " \t");
}

/*
 * The fields of a status file the checks use; false when Cpus_allowed_list is missing or bad. Lines
 * go by their first letter: five keys of some sixty, in the file the kernel is slowest to make.
 */
static bool parse_status(char *text, struct host_thread *t, struct cpuset *cpus, struct status_extra *x)
{
	bool have_cpus = false;

	t->comm[0] = '\0';
	t->ppid = -1;
	t->kthread = -1;
	x->has_name = false;
	x->threads = 0;
	for (char *line = text, *next; line && *line; line = next) {
		char *v = NULL;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		switch (line[0]) {
		case 'N':
			if ((v = value_of(line, "Name", 4))) {
				str_copy(t->comm, sizeof(t->comm), v);
				x->has_name = true;
			}
			break;
		case 'P':
			if ((v = value_of(line, "PPid", 4)))
				parse_long(v, &t->ppid);
			break;
		case 'K':
			if ((v = value_of(line, "Kthread", 7)))
				t->kthread = !strcmp(v, "1");
			break;
		case 'T':
			if ((v = value_of(line, "Threads", 7)))
				parse_long(v, &x->threads);
			break;
		case 'C':
			if ((v = value_of(line, "Cpus_allowed_list", 17)))
				have_cpus = cpuset_parse(cpus, v) == 0;
			break;
		}
	}
	return have_cpus;
}

/* One status file, read into a stack buffer; the rare oversized one goes to the heap. -errno when unreadable. */
static int read_status(const struct sysroot *sr, const char *path, struct host_thread *t, struct cpuset *cpus,
		       struct status_extra *x)
{
	char buf[8192], *big = NULL;
	ssize_t n = sysroot_read(sr, path, buf, sizeof(buf));
	bool ok;

	if (n == -EFBIG) {
		int rc = sysroot_read_alloc(sr, path, STATUS_MAX, &big, NULL);

		if (rc)
			return rc;
		ok = parse_status(big, t, cpus, x);
		free(big);
		return ok;
	}
	if (n < 0)
		return (int)n;
	return parse_status(buf, t, cpus, x);
}

static void keep_thread(struct host_proc *p, struct proc_entry *e, struct host_thread *t, const struct cpuset *cpus)
{
	pthread_mutex_lock(&p->sets_lock);
	t->cpus = cpuset_intern(&p->sets, cpus);
	pthread_mutex_unlock(&p->sets_lock);
	e->v = xrealloc(e->v, (e->n + 1) * sizeof(*e->v));
	e->v[e->n++] = *t;
}

/* /proc/PID[/task/TID]/LEAF: a path per status file, 300 a run, without the formatter. */
static void proc_path(char *out, size_t size, const char *pid, const char *tid, const char *leaf)
{
	str_join(out, size, (const char *const[]){ "/proc/", pid, tid ? "/task/" : "", tid ? tid : "", "/", leaf }, 6);
}

/*
 * One process: /proc/PID/status gives its name (the kernel's comm as status escapes it; /proc/PID/comm
 * where there is no status) and, with "Threads: 1", its only thread: the same file as
 * task/PID/status, so the task directory need not be listed. Otherwise every task's status is read,
 * the leader's from the file already read.
 */
static void load_process(const struct sysroot *sr, struct host_proc *p, const char *pid, struct proc_entry *e)
{
	struct status_extra x = { 0 };
	struct host_thread leader;
	struct cpuset leader_cpus, cpus;
	struct dirlist tids;
	char path[64];
	bool has_leader;
	int rc;

	proc_path(path, sizeof(path), pid, NULL, "status");
	rc = read_status(sr, path, &leader, &leader_cpus, &x);
	has_leader = rc > 0;
	if (rc >= 0 && x.has_name) {
		/* Trimmed as a read of /proc/PID/comm is; the thread keeps its Name as written. */
		str_copy(e->comm, sizeof(e->comm), leader.comm);
		trim(e->comm);
		e->has_comm = true;
	} else {
		proc_path(path, sizeof(path), pid, NULL, "comm");
		e->has_comm = sysroot_read_str(sr, path, e->comm, sizeof(e->comm)) == 0;
	}
	if (has_leader)
		leader.pid = leader.tid = atoi(pid);
	if (has_leader && x.threads == 1) {
		keep_thread(p, e, &leader, &leader_cpus);
		return;
	}
	proc_path(path, sizeof(path), pid, NULL, "task");
	if (sysroot_list(sr, path, &tids))
		return;	/* it exited meanwhile */
	for (size_t i = 0; i < tids.n; i++) {
		struct host_thread t;

		if (!all_digits(tids.names[i]))
			continue;
		if (has_leader && !strcmp(tids.names[i], pid)) {
			keep_thread(p, e, &leader, &leader_cpus);
			continue;
		}
		proc_path(path, sizeof(path), pid, tids.names[i], "status");
		if (read_status(sr, path, &t, &cpus, &x) <= 0) {
			e->unreadable++;
			continue;
		}
		t.pid = atoi(pid);
		t.tid = atoi(tids.names[i]);
		keep_thread(p, e, &t, &cpus);
	}
	dirlist_free(&tids);
}

/* Each process goes to one thread: entries[i] is written only by whoever claimed i. */
static void load_claimed(const struct sysroot *sr, struct host_proc *p)
{
	size_t i;

	while ((i = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed)) < p->pids.n)
		load_process(sr, p, p->pids.names[i], &p->entries[i]);
}

static void load_entries(const struct sysroot *sr, struct host_proc *p)
{
	if (p->has_entries)
		return;
	p->has_entries = true;
	if (list_pids(sr, p))
		return;
	p->entries = xcalloc(p->pids.n ? p->pids.n : 1, sizeof(*p->entries));
	atomic_store_explicit(&p->listed, true, memory_order_release);
	load_claimed(sr, p);
}

/* The thread touches only p and the sysroot (read-only), until settle joins it. */
static void *read_ahead(void *arg)
{
	struct host_proc *p = arg;

	load_entries(p->ahead_sr, p);
	return NULL;
}

bool host_procs_read(const struct host *h)
{
	const struct host_proc *p = h->proc;

	return p->reading_ahead || p->has_entries;
}

void host_proc_read_ahead(const struct host *h)
{
	struct host_proc *p = h->proc;
	cpu_set_t others;
	pthread_attr_t attr;
	int here = sched_getcpu();

	/* Not while capturing: the record is one list, kept by one thread. */
	if (p->reading_ahead || p->has_entries || h->sr->rec || here < 0 || !h->has_helpers)
		return;
	host_cpu_set(&h->helpers, &others);
	CPU_CLR(here, &others);
	if (!CPU_COUNT(&others) || pthread_attr_init(&attr))
		return;
	/* On another housekeeping cpu: left to the scheduler, it mostly shared this one (no overlap). */
	pthread_attr_setaffinity_np(&attr, sizeof(others), &others);
	p->ahead_sr = h->sr;
	p->reading_ahead = pthread_create(&p->ahead, &attr, read_ahead, p) == 0;
	pthread_attr_destroy(&attr);
}

/* The kernel keeps a task's name in 16 bytes: "power-profiles-daemon" runs as "power-profiles-". */
#define COMM_MAX 15

static bool comm_is(const char *comm, const char *name)
{
	if (strlen(name) <= COMM_MAX)
		return !strcmp(comm, name);
	return strlen(comm) == COMM_MAX && !strncmp(comm, name, COMM_MAX);
}

long host_process_named(const struct host *h, const char *comm)
{
	const struct host_proc *p = h->proc;

	settle(h->proc);
	load_entries(h->sr, h->proc);
	for (size_t i = 0; p->entries && i < p->pids.n; i++)
		if (p->entries[i].has_comm && comm_is(p->entries[i].comm, comm))
			return atol(p->pids.names[i]);
	return -1;
}

size_t host_processes_named(const struct host *h, const char *comm, long *pids, size_t max)
{
	const struct host_proc *p = h->proc;
	size_t n = 0;

	settle(h->proc);
	load_entries(h->sr, h->proc);
	for (size_t i = 0; p->entries && i < p->pids.n; i++)
		if (p->entries[i].has_comm && comm_is(p->entries[i].comm, comm)) {
			if (n < max)
				pids[n] = atol(p->pids.names[i]);
			n++;
		}
	return n;
}

/* A command line past this is not a daemon's we would judge. */
#define CMDLINE_MAX (64 * 1024)

int host_process_argv(const struct host *h, long pid, struct host_argv *out)
{
	char path[48];
	size_t len = 0, n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	rc = sysroot_read_alloc(h->sr, path, CMDLINE_MAX, &out->buf, &len);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < len; i++)
		n += out->buf[i] == '\0';
	/* The last argument may lack its NUL (a process that rewrote its arguments). */
	if (len && out->buf[len - 1] != '\0')
		n++;
	out->v = xcalloc(n + 1, sizeof(*out->v));
	for (size_t i = 0; i < len; i += strlen(out->buf + i) + 1)
		out->v[out->n++] = out->buf + i;
	return 0;
}

void host_argv_free(struct host_argv *a)
{
	free(a->v);
	free(a->buf);
	memset(a, 0, sizeof(*a));
}

const struct host_tasks *host_tasks(const struct host *h)
{
	struct host_proc *p = h->proc;
	struct host_tasks *ts = &p->tasks;
	size_t n = 0;

	settle(p);
	if (p->has_tasks)
		return ts;
	p->has_tasks = true;
	load_entries(h->sr, p);
	ts->rc = p->pids_rc;
	if (ts->rc)
		return ts;
	for (size_t i = 0; i < p->pids.n; i++)
		n += p->entries[i].n;
	ts->v = xmalloc((n ? n : 1) * sizeof(*ts->v));
	for (size_t i = 0; i < p->pids.n; i++) {
		if (p->entries[i].n)
			memcpy(ts->v + ts->n, p->entries[i].v, p->entries[i].n * sizeof(*ts->v));
		ts->n += p->entries[i].n;
		ts->unreadable += p->entries[i].unreadable;
	}
	return ts;
}

static int is_dma_latency(void *held, const char *name, const char *target)
{
	(void)name;
	return *(int *)held = !strcmp(target, HOST_DMA_LATENCY);
}

/* Does PID hold the device open? 1, 0, or -errno when its fds cannot be listed. Only links are read. */
static int pid_holds(const struct sysroot *sr, const char *pid)
{
	char path[96];
	int rc, held = 0;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	rc = sysroot_list_links(sr, path, is_dma_latency, &held);
	return rc < 0 ? rc : held;
}

const struct host_dma_holder *host_dma_holder(const struct host *h)
{
	struct host_proc *p = h->proc;
	struct host_dma_holder *d = &p->holder;

	settle(p);
	if (p->has_holder)
		return d;
	p->has_holder = true;
	d->rc = list_pids(h->sr, p);
	/* The first holder is enough to judge. */
	for (size_t i = 0; !d->rc && i < p->pids.n && !d->pid[0]; i++) {
		int rc;

		/* A kernel thread has no files: where the statuses are read already, its fd list is not. */
		if (p->has_entries && p->entries && p->entries[i].n && p->entries[i].v[0].kthread == 1)
			continue;
		rc = pid_holds(h->sr, p->pids.names[i]);

		if (rc == -EACCES || rc == -EPERM)
			d->unreadable++;
		if (rc > 0)
			snprintf(d->pid, sizeof(d->pid), "%s", p->pids.names[i]);
	}
	return d;
}
