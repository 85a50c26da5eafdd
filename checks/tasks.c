/* Task checks: which user and kernel threads may run on the isolated cores, and systemd's own CPUAffinity=. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "tuners.h"
#include "util.h"

/* Offenders named in a finding; the rest are counted. */
#define TASKS_NAMED 8
#define SYSTEMD_CONF "/etc/systemd/system.conf"
/* Late in name order, so its CPUAffinity= comes after every other drop-in's. */
#define SYSTEMD_DROPIN "/etc/systemd/system.conf.d/99-tickready.conf"

struct offender {
	char comm[64];		/* as /proc escapes it */
	int pid, tid;
	char cpus[48];
};

struct task_class {
	size_t n;
	struct offender named[TASKS_NAMED];
};

struct task_scan {
	size_t threads;		/* statuses read */
	size_t unreadable;	/* statuses without a usable Cpus_allowed_list */
	size_t allowed;		/* user threads on isolated cores that the profile allows */
	struct task_class user;		/* user threads on isolated cores, not allowed */
	struct task_class kernel;	/* unbound kernel threads on isolated cores */
};

static bool no_isolation(const struct check_ctx *ctx, struct finding *f)
{
	if (!cpuset_empty(&ctx->prof->isolated))
		return false;
	finding_skip(f, "profile isolates no cpus ([cpu] isolated_cores)");
	return true;
}

/* [tasks] allowed: comma-separated thread names, shell patterns allowed ("lcore-worker-*"). */
static bool name_allowed(const char *words, const char *comm)
{
	char word[64];

	for (const char *s = words; s && *s;) {
		size_t n;

		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		n = strcspn(s, ",");
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (n && n < sizeof(word)) {
			memcpy(word, s, n);
			word[n] = '\0';
			if (!fnmatch(word, comm, 0))
				return true;
		}
		s += strcspn(s, ",");
	}
	return false;
}

static void add_offender(struct task_class *c, const struct host_thread *st, int pid, int tid)
{
	struct offender *o;

	if (c->n++ >= TASKS_NAMED)
		return;
	o = &c->named[c->n - 1];
	snprintf(o->comm, sizeof(o->comm), "%s", st->comm);
	o->pid = pid;
	o->tid = tid;
	cpuset_format(st->cpus, o->cpus, sizeof(o->cpus));
}

static void judge_thread(const struct check_ctx *ctx, struct task_scan *s, const struct host_thread *st, int pid, int tid)
{
	/* Kthread: says it outright; older kernels: kthreadd is pid 2 and the parent of every other kernel thread. */
	bool kernel = st->kthread >= 0 ? st->kthread == 1 : pid == 2 || st->ppid == 2;

	if (!cpuset_intersects(st->cpus, &ctx->prof->isolated))
		return;
	if (kernel) {
		/* A per-cpu kernel thread (ksoftirqd/N, kworker/N:M) belongs where it is. */
		if (cpuset_count(st->cpus) > 1)
			add_offender(&s->kernel, st, pid, tid);
	} else if (name_allowed(profile_str(ctx->prof, PK_TASKS_ALLOWED), st->comm)) {
		s->allowed++;
	} else {
		add_offender(&s->user, st, pid, tid);
	}
}

/*
 * Every thread's status, read once by the host model for both task checks; each takes its class.
 * False leaves a skip on f.
 */
static bool scan_tasks(const struct check_ctx *ctx, struct finding *f, struct task_scan *s)
{
	const struct host_tasks *ts = host_tasks(ctx->host);

	memset(s, 0, sizeof(*s));
	if (ts->rc) {
		finding_skip_read(f, "/proc", ts->rc);
		return false;
	}
	s->unreadable = ts->unreadable;
	for (size_t i = 0; i < ts->n; i++) {
		s->threads++;
		judge_thread(ctx, s, &ts->v[i], ts->v[i].pid, ts->v[i].tid);
	}
	if (!s->threads) {
		finding_skip(f, "no readable thread status under '/proc/PID/task' (%zu unreadable)", s->unreadable);
		return false;
	}
	return true;
}

/* "comm[pid/tid] on 0-7, ..." and "(and N more)". */
static char *offenders_text(const struct task_class *c)
{
	struct strbuf sb = { 0 };
	size_t shown = c->n < TASKS_NAMED ? c->n : TASKS_NAMED;

	for (size_t i = 0; i < shown; i++)
		strbuf_addf(&sb, "%s%s[%d/%d] on %s", i ? ", " : "", c->named[i].comm, c->named[i].pid,
			    c->named[i].tid, c->named[i].cpus);
	if (c->n > shown)
		strbuf_addf(&sb, " (and %zu more)", c->n - shown);
	return strbuf_detach(&sb);
}

/* "taskset -pc 0-1,4-5 TID" for the named threads: per thread, so a process's allowed poller stays put. */
static char *taskcpuset_text(const struct task_class *c, const char *hk)
{
	struct strbuf sb = { 0 };
	size_t shown = c->n < TASKS_NAMED ? c->n : TASKS_NAMED;

	if (shown == 1) {
		strbuf_addf(&sb, "taskset -pc %s %d", hk, c->named[0].tid);
	} else {
		strbuf_add(&sb, "for t in");
		for (size_t i = 0; i < shown; i++)
			strbuf_addf(&sb, " %d", c->named[i].tid);
		strbuf_addf(&sb, "; do taskset -pc %s $t; done", hk);
	}
	if (c->n > shown)
		strbuf_add(&sb, " (likewise for the others)");
	return strbuf_detach(&sb);
}

/* ---- tasks.isolated ---- */

static void run_tasks_isolated(const struct check_ctx *ctx, struct finding *f)
{
	const char *allowed = profile_str(ctx->prof, PK_TASKS_ALLOWED);
	struct task_scan s;
	char iso[96], *hk, *who, *fix;

	if (no_isolation(ctx, f))
		return;
	cpuset_format(&ctx->prof->isolated, iso, sizeof(iso));
	finding_expected(f, "no user thread allowed on isolated cores %s but those named in [tasks] allowed (%s)", iso,
			 allowed && *allowed ? allowed : "none");
	if (!scan_tasks(ctx, f, &s))
		return;
	if (!s.user.n) {
		finding_pass(f, "no other user thread may run on isolated cores %s (%zu threads read; %zu allowed by [tasks] allowed)",
			     iso, s.threads, s.allowed);
		return;
	}
	who = offenders_text(&s.user);
	finding_fail(f, "%zu user threads may run on isolated cores %s: %s", s.user.n, iso, who);
	hk = cpuset_text(&ctx->prof->housekeeping);
	fix = taskcpuset_text(&s.user, hk);
	finding_remedy(f, "%s; for services: CPUAffinity=%s in %s (systemctl daemon-reexec) or the unit; "
		       "or name the thread in [tasks] allowed", fix, hk, SYSTEMD_DROPIN);
	free(fix);
	free(hk);
	free(who);
}

const struct check check_tasks_isolated = {
	.keys = KEYS(PK_TASKS_ALLOWED, PK_ISOLATED_CORES, PK_HOUSEKEEPING_CORES),
	.id = "tasks.isolated",
	.area = AREA_TASKS,
	.title = "only the allowed user threads may run on the isolated cores",
	.reads = "/proc/PID/status, /proc/PID/task/TID/status (processes of several threads)",
	.flags = CF_PROCS,
	.run = run_tasks_isolated,
};

/* ---- tasks.kthreads ---- */

static void run_tasks_kthreads(const struct check_ctx *ctx, struct finding *f)
{
	struct task_scan s;
	char iso[96], *hk, *isol, *who, *fix;

	if (no_isolation(ctx, f))
		return;
	cpuset_format(&ctx->prof->isolated, iso, sizeof(iso));
	finding_expected(f, "no unbound kernel thread allowed on isolated cores %s (per-cpu ones are fine)", iso);
	if (!scan_tasks(ctx, f, &s))
		return;
	if (!s.kernel.n) {
		finding_pass(f, "no unbound kernel thread may run on isolated cores %s (%zu threads read)", iso, s.threads);
		return;
	}
	/* Mostly idle, and some cannot move: a warning, with the boot parameters that keep new ones away. */
	who = offenders_text(&s.kernel);
	finding_warn(f, "%zu unbound kernel threads may run on isolated cores %s: %s", s.kernel.n, iso, who);
	hk = cpuset_text(&ctx->prof->housekeeping);
	isol = cpuset_text(&ctx->prof->isolated);
	fix = taskcpuset_text(&s.kernel, hk);
	finding_remedy(f, "add 'nohz_full=%s' (kthreadd then starts kernel threads on housekeeping cores) and "
		       "'isolcpus=domain,%s' to the kernel command line; "
		       "movable ones now: %s", isol, isol, fix);
	free(fix);
	free(isol);
	free(hk);
	free(who);
}

const struct check check_tasks_kthreads = {
	.keys = KEYS(PK_TASKS_ALLOWED, PK_ISOLATED_CORES, PK_HOUSEKEEPING_CORES),
	.id = "tasks.kthreads",
	.area = AREA_TASKS,
	.title = "no unbound kernel thread may run on the isolated cores",
	.reads = "/proc/PID/status, /proc/PID/task/TID/status (processes of several threads)",
	.flags = CF_PROCS,
	.run = run_tasks_kthreads,
};

/* ---- tasks.systemd_affinity ---- */

/* Where systemd reads its manager configuration; the first existing main file, then drop-ins by name. */
static const char *const conf_dirs[] = { "/etc/systemd", "/run/systemd", "/usr/local/lib/systemd", "/usr/lib/systemd" };
#define NDIRS (sizeof(conf_dirs) / sizeof(conf_dirs[0]))

struct affinity {
	bool set;
	struct cpuset cpus;
	char where[PATH_MAX];	/* the last file that assigned it */
	char bad[PATH_MAX];	/* a file with a value we cannot read, "" when none */
	char bad_value[64];
};

/* systemd's list: cpus and ranges separated by spaces and/or commas ("0 1 4 5", "0-1,4-5"). */
static int parse_affinity(const char *v, struct cpuset *out)
{
	struct strbuf sb = { 0 };
	int rc;

	for (const char *s = v; *s;) {
		size_t n;

		s += strspn(s, " \t,");
		n = strcspn(s, " \t,");
		if (n)
			strbuf_addf(&sb, "%s%.*s", sb.len ? "," : "", (int)n, s);
		s += n;
	}
	rc = cpuset_parse(out, sb.s ? sb.s : "");
	strbuf_free(&sb);
	return rc;
}

/* [Manager] CPUAffinity= lines of one file: assignments merge, an empty one resets (systemd's rule). */
static void affinity_file(const struct sysroot *sr, const char *path, struct affinity *a)
{
	bool manager = false;
	char *text;
	int rc = sysroot_read_alloc(sr, path, 1 << 20, &text, NULL);

	if (rc)
		return;
	for (char *line = text, *next; line; line = next) {
		struct cpuset cpus;
		char *v;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line = trim(line);
		if (*line == '[')
			manager = !strcmp(line, "[Manager]");
		if (!manager || strncmp(line, "CPUAffinity", 11))
			continue;
		v = line + 11 + strspn(line + 11, " \t");
		if (*v != '=')
			continue;
		v = trim(v + 1);
		if (!*v) {
			a->set = false;
			cpuset_zero(&a->cpus);
		} else if (parse_affinity(v, &cpus)) {
			snprintf(a->bad, sizeof(a->bad), "%s", path);
			snprintf(a->bad_value, sizeof(a->bad_value), "%.60s", v);
			continue;
		} else {
			cpuset_or(&a->cpus, &a->cpus, &cpus);
			a->set = true;
		}
		snprintf(a->where, sizeof(a->where), "%s", path);
	}
	free(text);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Drop-ins of every directory ordered by name; a name in an earlier directory hides the later ones. */
static void affinity_dropins(const struct sysroot *sr, struct affinity *a, size_t *nfiles)
{
	struct dirlist dl[NDIRS];
	const char **names = NULL;
	size_t n = 0, cap = 0;
	char path[PATH_MAX];

	for (size_t d = 0; d < NDIRS; d++) {
		snprintf(path, sizeof(path), "%s/system.conf.d", conf_dirs[d]);
		sysroot_list(sr, path, &dl[d]);
		for (size_t i = 0; i < dl[d].n; i++) {
			const char *nm = dl[d].names[i];
			size_t len = strlen(nm);

			if (len < 6 || strcmp(nm + len - 5, ".conf"))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				names = xrealloc(names, cap * sizeof(*names));
			}
			names[n++] = nm;
		}
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(names[i], names[i - 1]))
			continue;
		for (size_t d = 0; d < NDIRS; d++) {
			snprintf(path, sizeof(path), "%s/system.conf.d/%s", conf_dirs[d], names[i]);
			if (sysroot_exists(sr, path)) {
				affinity_file(sr, path, a);
				(*nfiles)++;
				break;
			}
		}
	}
	free(names);
	for (size_t d = 0; d < NDIRS; d++)
		dirlist_free(&dl[d]);
}

/* False when neither a main file nor a drop-in exists. */
static bool affinity_read(const struct sysroot *sr, struct affinity *a)
{
	char path[PATH_MAX];
	size_t files = 0;

	memset(a, 0, sizeof(*a));
	for (size_t d = 0; d < NDIRS; d++) {
		snprintf(path, sizeof(path), "%s/system.conf", conf_dirs[d]);
		if (sysroot_exists(sr, path)) {
			affinity_file(sr, path, a);
			files++;
			break;
		}
	}
	affinity_dropins(sr, a, &files);
	return files > 0;
}

#define PID1_STATUS "/proc/1/status"

/* The affinity PID 1 runs with now: systemd takes CPUAffinity= only at start or daemon-reexec. -errno when unread. */
static int pid1_cpus(const struct sysroot *sr, struct cpuset *out)
{
	char *text, *line;
	int rc = sysroot_read_alloc(sr, PID1_STATUS, 1 << 16, &text, NULL);

	if (rc)
		return rc;
	rc = -ENODATA;
	for (line = text; line; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (!strncmp(line, "Cpus_allowed_list:", 18)) {
			char *end = strchr(line, '\n');

			if (end)
				*end = '\0';
			rc = cpuset_parse(out, trim(line + 18)) ? -EINVAL : 0;
			break;
		}
	}
	free(text);
	return rc;
}

/* The configuration is right: PID 1 confirms it, or still runs with the old affinity until it re-executes. */
static void judge_pid1(const struct check_ctx *ctx, struct finding *f, const struct affinity *a, const char *hk)
{
	char seen[96], now[96], hit[96];
	struct cpuset cpus, bad;
	int rc = pid1_cpus(ctx->sr, &cpus);

	cpuset_format(&a->cpus, seen, sizeof(seen));
	if (rc < 0) {
		finding_pass(f, "CPUAffinity=%s in '%s' (PID 1's running affinity unread: %s)", seen, a->where,
			     rc == -ENODATA ? "no Cpus_allowed_list in " PID1_STATUS : strerror(-rc));
		return;
	}
	cpuset_and(&bad, &cpus, &ctx->prof->isolated);
	if (cpuset_empty(&bad)) {
		finding_pass(f, "CPUAffinity=%s in '%s'; PID 1 runs on %s", seen, a->where,
			     cpuset_format(&cpus, now, sizeof(now)));
		return;
	}
	finding_fail(f, "CPUAffinity=%s in '%s', but PID 1 still runs on %s, isolated cores %s included: services "
		     "started now inherit it until systemd re-executes", seen, a->where,
		     cpuset_format(&cpus, now, sizeof(now)), cpuset_format(&bad, hit, sizeof(hit)));
	finding_remedy(f, "systemctl daemon-reexec (or reboot), then restart the services already running (profile: "
		       "[tasks] systemd_affinity = yes, CPUAffinity=%s)", hk);
	f->pending_reboot = true;
}

static void run_tasks_systemd_affinity(const struct check_ctx *ctx, struct finding *f)
{
	struct affinity a;
	struct cpuset bad;
	char seen[96], hit[96], *hk;
	bool want;

	if (profile_bool(ctx->prof, PK_SYSTEMD_AFFINITY, &want) < 0 || !want) {
		finding_skip(f, "profile does not ask for [tasks] systemd_affinity");
		return;
	}
	if (no_isolation(ctx, f))
		return;
	if (!affinity_read(ctx->sr, &a)) {
		finding_skip_read(f, SYSTEMD_CONF, -ENOENT);
		return;
	}
	if (a.bad[0]) {
		finding_skip(f, "unexpected CPUAffinity= value in '%s': '%s'", a.bad, a.bad_value);
		return;
	}
	hk = cpuset_text(&ctx->prof->housekeeping);
	finding_expected(f, "CPUAffinity=%s (within the housekeeping cores)", hk);
	cpuset_and(&bad, &a.cpus, &ctx->prof->isolated);
	if (a.set && !cpuset_empty(&a.cpus) && cpuset_empty(&bad)) {
		judge_pid1(ctx, f, &a, hk);
	} else {
		if (!a.set)
			finding_fail(f, "no CPUAffinity= in '%s' or its drop-ins: systemd services may run on isolated cores",
				     SYSTEMD_CONF);
		else
			finding_fail(f, "CPUAffinity=%s in '%s' includes isolated cores %s", cpuset_format(&a.cpus, seen, sizeof(seen)),
				     a.where, cpuset_format(&bad, hit, sizeof(hit)));
		/* The empty assignment first: systemd merges CPUAffinity= lines across files. */
		finding_remedy(f, "printf '[Manager]\\nCPUAffinity=\\nCPUAffinity=%s\\n' > %s && systemctl daemon-reexec "
			       "(profile: [tasks] systemd_affinity = yes)", hk, SYSTEMD_DROPIN);
	}
	free(hk);
}

/* systemd starts every service with CPUAffinity= from system.conf: a drop-in confines them at the next boot. */
static int plan_systemd_affinity(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	char list[CPUSET_TEXT_MAX], *content, *old = NULL;
	struct change *c;
	bool want;

	if (profile_bool(ctx->prof, PK_SYSTEMD_AFFINITY, &want) < 0 || !want || cpuset_empty(&ctx->prof->housekeeping))
		return 0;
	/* The empty assignment first: systemd merges CPUAffinity= lines across files. */
	content = xasprintf("# Written by tickready apply; `tickready revert` removes it.\n[Manager]\nCPUAffinity=\nCPUAffinity=%s\n",
			    cpuset_format(&ctx->prof->housekeeping, list, sizeof(list)));
	if (tree_read(ctx->sr, SYSTEMD_DROPIN, &old, NULL) == 0) {
		c = strcmp(old, content) ? plan_add(p, f->check->id, CK_WRITE, SYSTEMD_DROPIN, SYSTEMD_DROPIN, old, content)
					 : NULL;
	} else {
		tune_parent_dirs(ctx, p, f->check->id, SYSTEMD_DROPIN);
		c = plan_add(p, f->check->id, CK_CREATE, SYSTEMD_DROPIN, SYSTEMD_DROPIN, NULL, content);
	}
	if (c) {
		c->boot = true;
		change_set(&c->shell, "printf '[Manager]\\nCPUAffinity=\\nCPUAffinity=%s\\n' > " SYSTEMD_DROPIN, list);
		tune_guard_cpus(ctx, c);
	}
	free(old);
	free(content);
	return 0;
}

const struct check check_tasks_systemd_affinity = {
	.keys = KEYS(PK_SYSTEMD_AFFINITY, PK_HOUSEKEEPING_CORES, PK_ISOLATED_CORES),
	.flags = CF_BOOT,
	.id = "tasks.systemd_affinity",
	.area = AREA_TASKS,
	.title = "systemd keeps services on the housekeeping cores (CPUAffinity=)",
	.reads = SYSTEMD_CONF " /etc/systemd/system.conf.d/*.conf, " PID1_STATUS " (Cpus_allowed_list)",
	.run = run_tasks_systemd_affinity, .plan = plan_systemd_affinity,
};
