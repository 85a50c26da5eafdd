/* One verify run, the parts every mode shares: plan, reserve, mount, run the poller, take everything down; the mode's own part through its row (mode.h). */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define OUT_CAP (16u << 20)

static void run_error(struct verify_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void run_error(struct verify_run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nerrors >= VERIFY_RUN_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(r->errors[r->nerrors++], sizeof(r->errors[0]), fmt, ap);
	va_end(ap);
}

int verify_two_cpus(struct verify_run *r, struct window *w, int cpus[2], const char *const *roles, const char *mode,
		    const char *role, char *err, size_t errlen)
{
	if (r->plan.sender_cpu < 0) {
		snprintf(err, errlen, "%s needs a second cpu for the %s: the profile has no housekeeping cpu beside %d",
			 mode, role, r->plan.cores[0]);
		return -1;
	}
	cpus[0] = r->plan.cores[0];
	cpus[1] = r->plan.sender_cpu;
	w->cpus = cpus;
	w->roles = roles;
	w->ncpus = 2;
	return 0;
}

void verify_run_note(struct verify_run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nnotes >= VERIFY_RUN_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(r->notes[r->nnotes++], sizeof(r->notes[0]), fmt, ap);
	va_end(ap);
}

double verify_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void verify_child_add(struct verify_run *r, pid_t pid)
{
	if (r->nchildren == r->children_cap) {
		r->children_cap = r->children_cap ? 2 * r->children_cap : VERIFY_CHILDREN_FIRST;
		r->children = xrealloc(r->children, (size_t)r->children_cap * sizeof(*r->children));
	}
	r->children[r->nchildren++] = pid;
}

void verify_child_forget(struct verify_run *r, pid_t pid)
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
int verify_run_cleanup(struct verify_run *r)
{
	int rc = 0, e;

	children_stop(r);
	if (r->pair_made) {
		e = venv_pair_delete(&r->pair);
		if (e < 0) {
			run_error(r, "cannot delete namespaces '%s' and '%s': %s", r->pair.ns_tx, r->pair.ns_rx, strerror(-e));
			rc = -1;
		}
		r->pair_made = r->pair.ns_tx_made || r->pair.ns_rx_made;
	}
	if (r->mounted) {
		e = venv_huge_release(r->huge_dir);
		if (e < 0) {
			run_error(r, "cannot remove hugetlbfs mount '%s': %s", r->huge_dir, strerror(-e));
			rc = -1;
		}
		r->mounted = false;
	}
	if (r->prefix[0]) {
		venv_dpdk_rundir_remove(r->sr, r->prefix);
		for (const char *const *sfx = (const char *const[]){ VERIFY_PREFIX_REFLECT, VERIFY_PREFIX_CLIENT, VERIFY_PREFIX_GEN, NULL }; *sfx; sfx++) {
			char p[80];

			snprintf(p, sizeof(p), "%s%s", r->prefix, *sfx);
			venv_dpdk_rundir_remove(r->sr, p);
		}
		r->prefix[0] = '\0';
	}
	if (r->raised) {
		e = venv_pool_restore(r->sr, r->plan.node, r->plan.hugepage_kb, r->pool_old);
		if (e < 0) {
			char path[160];

			venv_pool_path(r->plan.node, r->plan.hugepage_kb, path, sizeof(path));
			run_error(r, "cannot restore '%s' to %ld: %s", path, r->pool_old, strerror(-e));
			rc = -1;
		}
		r->raised = false;
	}
	return rc;
}

/* --poller, else next to this binary, else $PATH. */
static int find_poller(struct verify_run *r)
{
	char exe[PATH_MAX], *slash, *path, *save = NULL;

	if (r->o.poller) {
		if (access(r->o.poller, X_OK) < 0) {
			run_error(r, "cannot run poller '%s': %s", r->o.poller, strerror(errno));
			return -1;
		}
		snprintf(r->poller, sizeof(r->poller), "%s", r->o.poller);
		return 0;
	}
	if (sysroot_readlink(r->sr, "/proc/self/exe", exe, sizeof(exe)) >= 0 && (slash = strrchr(exe, '/'))) {
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
	run_error(r, "tickready-poller not found next to tickready nor in $PATH (build it with `make`, or name it with --poller)");
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
		verify_run_note(r, "not representative: --no-huge (4 KiB pages: TLB misses the production poller would not see)");
		return 0;
	}
	if (pl->pages_free >= pl->pages)
		return 0;
	venv_pool_path(pl->node, pl->hugepage_kb, path, sizeof(path));
	pool = host_pool(r->host, pl->node, pl->hugepage_kb);
	if (!pool)
		pool = host_pool(r->host, -1, pl->hugepage_kb);
	if (!pool) {
		run_error(r, "this kernel has no %s hugepage pool ('%s' is missing); pick another [memory] hugepage_size or use --no-huge",
			  size, path);
		return -1;
	}
	if (!r->o.reserve) {
		run_error(r, "%ld of the %ld %s hugepages it needs are free on node %d; reserve them with "
			  "`tickready apply --profile %s --only memory.hugepages` or `echo %ld > %s`, "
			  "or run with --reserve (temporary) or --no-huge (not representative)",
			  pl->pages_free < 0 ? 0 : pl->pages_free, pl->pages, size, pl->node, r->prof->name,
			  pool->nr + pl->pages - (pl->pages_free < 0 ? 0 : pl->pages_free), path);
		return -1;
	}
	rc = venv_pool_raise(r->sr, pl->node, pl->hugepage_kb, pl->pages, &r->pool_old, &now_free);
	r->raised = rc == 0 || now_free >= 0;
	if (rc < 0 || now_free < pl->pages) {
		run_error(r, "cannot reserve %ld %s hugepages on node %d through '%s': %s", pl->pages, size, pl->node,
			  path, rc < 0 ? strerror(-rc) : "the kernel found too little contiguous memory");
		return -1;
	}
	verify_run_note(r, "raised %s from %ld for the run (restored afterwards)", path, r->pool_old);
	return 0;
}

int verify_run_prepare(struct verify_run *r)
{
	const struct verify_mode_def *md = verify_modes[r->o.mode];
	char why[256], size[16];
	int rc;

	/* The mode's own needs first: a bad value changes nothing on the host. */
	if (md->prepare && md->prepare(r, why, sizeof(why)) < 0) {
		run_error(r, "%s", why);
		return -1;
	}
	if (geteuid() != 0) {
		run_error(r, "needs root (it mounts a hugetlbfs and runs DPDK)");
		return -1;
	}
	rc = verify_plan_make(r->host, r->prof, r->o.mode, &r->o.cores, &r->plan, why, sizeof(why));
	if (rc < 0) {
		run_error(r, "%s", why);
		return -1;
	}
	for (int i = 0; i < r->plan.nnotes; i++)
		verify_run_note(r, "%s", r->plan.notes[i]);
	for (int i = 0; i < r->plan.ncores; i++) {
		int c = r->plan.cores[i];

		if (r->host->has_isolated && !cpuset_has(&r->host->isolated, c) &&
		    !(r->plan.borrowed_housekeeping && i == 0))
			verify_run_note(r, "cpu %d is not isolated by the kernel (isolcpus): run `tickready apply` and reboot first", c);
	}
	if (find_poller(r) < 0 || check_hugepages(r) < 0)
		return -1;
	snprintf(r->prefix, sizeof(r->prefix), "tickready-verify-%d", (int)getpid());
	if (!r->o.no_huge) {
		rc = venv_huge_mount(r->plan.hugepage_kb, r->huge_dir, sizeof(r->huge_dir));
		if (rc < 0) {
			run_error(r, "cannot mount a hugetlbfs (pagesize %s) on '%s': %s",
				  format_size_human(r->plan.hugepage_kb, size, sizeof(size)), r->huge_dir, strerror(-rc));
			return -1;
		}
		r->mounted = true;
	}
	return 0;
}

/* The poller's argv: its options, then "--" and the EAL's (ours first, the user's last so they win). */
char **verify_poller_argv(struct verify_run *r, const char *mode, const int *cores, int ncores, double duration,
			  const char *vdev, const char *const *extra, const char *suffix)
{
	struct strbuf sb = { 0 };
	char sm[64], **av;
	int n = 0, nextra = 0;

	while (extra && extra[nextra])
		nextra++;
	av = xcalloc((size_t)(24 + nextra + r->o.neal), sizeof(char *));
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
	if (vdev) {
		av[n++] = xstrdup("--vdev");
		av[n++] = xstrdup(vdev);
	}
	for (int i = 0; i < nextra; i++)
		av[n++] = xstrdup(extra[i]);
	av[n++] = xstrdup("--");
	av[n++] = xstrdup("--file-prefix");
	av[n++] = xasprintf("%s%s", r->prefix, suffix ? suffix : "");
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

void verify_argv_free(char **av)
{
	for (char **p = av; p && *p; p++)
		free(*p);
	free(av);
}


static void window_start(struct verify_run *r, struct window *w)
{
	if (w->has_before)
		cause_snap_free(&w->before);
	cause_snap_take(r->sr, w->cpus, w->ncpus, &w->before);
	w->has_before = true;
	w->t0 = verify_now_s();
	cause_tasks_poll(r->sr, &w->tasks, true);
}

static void window_end(struct verify_run *r, struct window *w)
{
	cause_snap_take(r->sr, w->cpus, w->ncpus, &w->after);
	w->t1 = verify_now_s();
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
	double killed_at = 0, started = verify_now_s(), sampled = 0;
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
			verify_child_forget(r, pid);
			continue;
		}
		cause_tasks_poll(r->sr, &w->tasks, false);
		if (!based && cause_tasks_seen(&w->tasks, "eal-intr")) {
			window_start(r, w);
			based = true;
		}
		if (based && !polling && verify_now_s() - sampled >= 0.1) {
			sampled = verify_now_s();
			polling = main_thread_polling(r->sr, pid, &lu, &ls, &streak) || sampled - started > 20;
			/* The window proper starts with the loop, past the EAL's page faults and setup. */
			if (polling)
				window_start(r, w);
		}
		if (hk && hk->tick)
			hk->tick(r, hk, pid, polling);
		verify_progress(r);
		if ((*r->stop) && !killed_at) {
			kill(pid, SIGINT);
			killed_at = verify_now_s();
		} else if (killed_at && verify_now_s() - killed_at > 3) {
			kill(pid, SIGKILL);
		}
	}
	if (!based)
		window_start(r, w);
	return status;
}

/* Runs the poller once; its JSON in res->doc, or res->err says why not. */
int verify_run_poller(struct verify_run *r, char **av, const char *netns, struct window *w, struct hooks *hk,
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
	verify_child_add(r, pid);
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
	else if ((*r->stop))
		snprintf(res->err, sizeof(res->err), "interrupted by signal %d (%s); the poller was stopped",
			 (int)(*r->stop), strsignal((*r->stop)));
	else if (WEXITSTATUS(status) != VS_EXIT_OK && !(WEXITSTATUS(status) == VS_EXIT_INTERRUPTED && hk && hk->stopped))
		snprintf(res->err, sizeof(res->err), "the poller exited with status %d%s%s", WEXITSTATUS(status),
			 tail[0] ? ": " : "", tail);
	else if (!(res->doc = json_loadb(out.s ? out.s : "", out.len, 0, &je)))
		snprintf(res->err, sizeof(res->err), "the poller's output is not JSON (line %d: %s)", je.line, je.text);
	strbuf_free(&out);
	strbuf_free(&err);
	return res->doc ? 0 : -1;
}

const char *verify_role_of(const struct verify_plan *pl, int i)
{
	return verify_mode_role(pl->mode, i);
}

json_t *verify_windows_json(const struct window *w, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		if (w[i].has_causes)
			json_array_append_new(a, json_pack("{s:s, s:o}", "run", w[i].name, "cpus",
							   cause_report_json(&w[i].causes)));
	return a;
}

int verify_run_once(struct verify_run *r, struct window *w, enum vs_mode mode, const char *const *extra, json_t **doc,
		    char *err, size_t errlen)
{
	struct poll_result res;
	char **av = verify_poller_argv(r, vs_mode_name(mode), r->plan.cores, r->plan.ncores, r->o.duration, NULL, extra, NULL);
	int rc = verify_run_poller(r, av, NULL, w, NULL, &res);

	verify_argv_free(av);
	if (rc < 0) {
		snprintf(err, errlen, "%s", res.err);
		return -1;
	}
	*doc = res.doc;
	return 0;
}

/* Local timer interrupts per second on each measured cpu of the first window: the tick a nohz_full core should not see. */
static void add_ticks(struct verify_run *r)
{
	const struct window *w = &r->w[0];
	json_t *a = json_array();

	for (int i = 0; w->has_causes && i < w->causes.n && w->t1 > w->t0; i++) {
		const struct cause_cpu *c = &w->causes.cpus[i];
		unsigned long long loc = 0;

		if (!c->has_irq)
			continue;
		for (size_t j = 0; j < c->nirq; j++)
			if (!strcmp(c->irq[j].what, "local timer interrupts"))
				loc = c->irq[j].count;
		json_array_append_new(a, json_pack("{s:i, s:s, s:I, s:f, s:f}", "cpu", c->cpu, "role", c->role ? c->role : "",
						   "timer_irqs", (json_int_t)loc, "seconds", w->t1 - w->t0,
						   "per_s", (double)loc / (w->t1 - w->t0)));
	}
	json_object_set_new(r->doc, "ticks", a);
}

void verify_progress(struct verify_run *r)
{
	double total = r->o.duration * verify_modes[r->o.mode]->passes;

	if (r->progress)
		r->progress(r->progress_ctx, verify_now_s() - r->t_start, total, r->progress_what);
}

int verify_run_measure(struct verify_run *r)
{
	const struct verify_mode_def *md = verify_modes[r->o.mode];
	const char **rl = r->roles;
	char err[600];
	int rc;

	for (int i = 0; i < r->plan.ncores; i++)
		rl[i] = verify_role_of(&r->plan, i);
	r->w[0] = (struct window){ .name = md->name, .cpus = r->plan.cores, .roles = rl, .ncpus = r->plan.ncores };
	r->nw = 1;
	r->t_start = verify_now_s();
	snprintf(r->progress_what, sizeof(r->progress_what), "%s", md->name);
	rc = md->run(r, r->w, &r->doc, err, sizeof(err));
	if (rc < 0)
		run_error(r, "%s", err);
	else
		add_ticks(r);
	return rc;
}

void verify_window_begin(struct verify_run *r, struct window *w)
{
	window_start(r, w);
}

void verify_window_finish(struct verify_run *r, struct window *w)
{
	window_end(r, w);
}

void verify_run_free(struct verify_run *r)
{
	for (int i = 0; i < 2; i++)
		window_free(&r->w[i]);
	json_decref(r->doc);
	r->doc = NULL;
	free(r->children);
	r->children = NULL;
	r->children_cap = 0;
}
