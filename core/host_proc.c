/* The host's processes: /proc listed once, each thread's status and the cpu_dma_latency holder read on first use. */
#include "host.h"
#include "host_proc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A status line beyond this is not a kernel's: the thread is counted unreadable. */
#define STATUS_MAX (1 << 20)

struct host_proc {
	int pids_rc;		/* 1 until /proc is listed, then 0 or -errno */
	struct dirlist pids;	/* numeric entries of /proc, in name order */
	bool has_tasks, has_holder;
	struct host_tasks tasks;
	struct host_dma_holder holder;
};

struct host_proc *host_proc_new(void)
{
	struct host_proc *p = xcalloc(1, sizeof(*p));

	p->pids_rc = 1;
	return p;
}

void host_proc_free(struct host_proc *p)
{
	if (!p)
		return;
	dirlist_free(&p->pids);
	free(p->tasks.v);
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

static int list_pids(const struct host *h)
{
	struct host_proc *p = h->proc;
	struct dirlist all;
	size_t n = 0;

	if (p->pids_rc <= 0)
		return p->pids_rc;
	p->pids_rc = sysroot_list(h->sr, "/proc", &all);
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

/* The fields of a status file the checks use; false when Cpus_allowed_list is missing or bad. */
static bool parse_status(char *text, struct host_thread *t)
{
	bool have_cpus = false;

	t->comm[0] = '\0';
	t->ppid = -1;
	t->kthread = -1;
	for (char *line = text, *next; line && *line; line = next) {
		char *v;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		v = strchr(line, ':');
		if (!v)
			continue;
		*v++ = '\0';
		v += strspn(v, " \t");
		if (!strcmp(line, "Name"))
			snprintf(t->comm, sizeof(t->comm), "%s", v);
		else if (!strcmp(line, "PPid"))
			parse_long(v, &t->ppid);
		else if (!strcmp(line, "Kthread"))
			t->kthread = !strcmp(v, "1");
		else if (!strcmp(line, "Cpus_allowed_list"))
			have_cpus = cpuset_parse(&t->cpus, v) == 0;
	}
	return have_cpus;
}

/* One status file, read into a stack buffer; the rare oversized one goes to the heap. */
static bool read_status(const struct sysroot *sr, const char *path, struct host_thread *t)
{
	char buf[8192], *big = NULL;
	ssize_t n = sysroot_read(sr, path, buf, sizeof(buf));
	bool ok;

	if (n == -EFBIG) {
		if (sysroot_read_alloc(sr, path, STATUS_MAX, &big, NULL))
			return false;
		ok = parse_status(big, t);
		free(big);
		return ok;
	}
	return n >= 0 && parse_status(buf, t);
}

static void read_process(const struct host *h, const char *pid, size_t *cap)
{
	struct host_tasks *ts = &h->proc->tasks;
	struct dirlist tids;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	if (sysroot_list(h->sr, path, &tids))
		return;	/* it exited meanwhile */
	for (size_t i = 0; i < tids.n; i++) {
		struct host_thread *t;

		if (!all_digits(tids.names[i]))
			continue;
		if (ts->n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			ts->v = xrealloc(ts->v, *cap * sizeof(*ts->v));
		}
		t = &ts->v[ts->n];
		snprintf(path, sizeof(path), "/proc/%s/task/%s/status", pid, tids.names[i]);
		if (!read_status(h->sr, path, t)) {
			ts->unreadable++;
			continue;
		}
		t->pid = atoi(pid);
		t->tid = atoi(tids.names[i]);
		ts->n++;
	}
	dirlist_free(&tids);
}

const struct host_tasks *host_tasks(const struct host *h)
{
	struct host_proc *p = h->proc;
	size_t cap = 0;

	if (p->has_tasks)
		return &p->tasks;
	p->has_tasks = true;
	p->tasks.rc = list_pids(h);
	for (size_t i = 0; !p->tasks.rc && i < p->pids.n; i++)
		read_process(h, p->pids.names[i], &cap);
	return &p->tasks;
}

/* Does PID hold the device open? 1, 0, or -errno when its fds cannot be listed. Only links are read. */
static int pid_holds(const struct sysroot *sr, const char *pid)
{
	struct dirlist fds;
	char path[96], target[64];
	int rc, held = 0;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	rc = sysroot_list(sr, path, &fds);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < fds.n && !held; i++) {
		snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, fds.names[i]);
		held = sysroot_readlink(sr, path, target, sizeof(target)) >= 0 && !strcmp(target, HOST_DMA_LATENCY);
	}
	dirlist_free(&fds);
	return held;
}

const struct host_dma_holder *host_dma_holder(const struct host *h)
{
	struct host_proc *p = h->proc;
	struct host_dma_holder *d = &p->holder;

	if (p->has_holder)
		return d;
	p->has_holder = true;
	d->rc = list_pids(h);
	/* The first holder is enough to judge. */
	for (size_t i = 0; !d->rc && i < p->pids.n && !d->pid[0]; i++) {
		int rc = pid_holds(h->sr, p->pids.names[i]);

		if (rc == -EACCES || rc == -EPERM)
			d->unreadable++;
		if (rc > 0)
			snprintf(d->pid, sizeof(d->pid), "%s", p->pids.names[i]);
	}
	return d;
}
