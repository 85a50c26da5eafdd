/* Counters read before and after a measurement, so a verdict can say what interrupted each measured core. */
#include "verify_cause.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpuset.h"
#include "spikes.h"
#include "util.h"

/* /proc/interrupts of a host with thousands of IRQs and hundreds of cpus runs to megabytes. */
#define COUNTERS_CAP (64u << 20)

#define MSR_MPERF 0xe7
#define MSR_APERF 0xe8

void cause_lines_free(struct cause_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].count);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Column of each measured cpu in the header ("CPU0 CPU1 ..."), -1 when the cpu has none (offline). */
static int header_columns(const char *hdr, const int *cpus, int ncpus, int *col)
{
	int ncols = 0;

	for (int i = 0; i < ncpus; i++)
		col[i] = -1;
	for (const char *p = strstr(hdr, "CPU"); p; p = strstr(p + 3, "CPU")) {
		long c = strtol(p + 3, NULL, 10);

		for (int i = 0; i < ncpus; i++)
			if (cpus[i] == c)
				col[i] = ncols;
		ncols++;
	}
	return ncols;
}

/* "Local timer interrupts" -> "local timer interrupts"; a numbered IRQ -> "IRQ 41 (virtio3-rx)". */
static void line_what(struct cause_line *l, char *rest, bool softirqs)
{
	char *name;

	trim(rest);
	if (softirqs) {
		snprintf(l->what, sizeof(l->what), "softirq %s", l->key);
	} else if (isdigit((unsigned char)l->key[0])) {
		/* The chip name first, the actions last: split at the last run of spaces. */
		name = rest + strlen(rest);
		while (name > rest && name[-1] != ' ')
			name--;
		snprintf(l->what, sizeof(l->what), "IRQ %s (%.80s)", l->key, *name ? name : "?");
	} else {
		snprintf(l->what, sizeof(l->what), "%.100s", *rest ? rest : l->key);
		if (isupper((unsigned char)l->what[0]) && islower((unsigned char)l->what[1]))
			l->what[0] = (char)tolower((unsigned char)l->what[0]);
	}
}

static int parse_line(char *line, bool softirqs, int ncols, const int *col, int ncpus, struct cause_line *l)
{
	unsigned long long vals[ncols > 0 ? ncols : 1];
	char *p = line, *colon = strchr(line, ':'), *end;
	int nv = 0;

	if (!colon)
		return -EINVAL;
	*colon = '\0';
	snprintf(l->key, sizeof(l->key), "%s", trim(p));
	if (!l->key[0])
		return -EINVAL;
	p = colon + 1;
	while (nv < ncols) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!isdigit((unsigned char)*p))
			break;
		vals[nv++] = strtoull(p, &end, 10);
		p = end;
	}
	line_what(l, p, softirqs);
	l->count = xcalloc((size_t)ncpus, sizeof(*l->count));
	for (int i = 0; i < ncpus; i++)
		if (col[i] >= 0 && col[i] < nv)
			l->count[i] = vals[col[i]];
	return 0;
}

int cause_parse_counters(const char *text, bool softirqs, const int *cpus, int ncpus, struct cause_lines *out)
{
	char *copy = xstrdup(text), *save = NULL, *line;
	int col[ncpus > 0 ? ncpus : 1], ncols;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	line = strtok_r(copy, "\n", &save);
	if (!line || !strstr(line, "CPU")) {
		free(copy);
		return -EINVAL;
	}
	ncols = header_columns(line, cpus, ncpus, col);
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct cause_line l;

		memset(&l, 0, sizeof(l));
		if (parse_line(line, softirqs, ncols, col, ncpus, &l) < 0)
			continue;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		out->v[out->n++] = l;
	}
	free(copy);
	return 0;
}

static void read_idle(const struct sysroot *sr, struct cause_cpu_snap *c)
{
	char path[128];
	long v;

	for (c->nidle = 0; c->nidle < CAUSE_MAX_IDLE; c->nidle++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cpuidle/state%d/usage", c->cpu, c->nidle);
		if (sysroot_read_long(sr, path, &v) < 0)
			break;
		c->idle_usage[c->nidle] = (unsigned long long)v;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cpuidle/state%d/name", c->cpu, c->nidle);
		if (sysroot_read_str(sr, path, c->idle_name[c->nidle], sizeof(c->idle_name[0])) < 0)
			snprintf(c->idle_name[c->nidle], sizeof(c->idle_name[0]), "state%d", c->nidle);
	}
}

/* SMI count is Intel-only, APERF/MPERF nearly universal: each read stands alone. */
static void read_msr(const struct sysroot *sr, struct cause_cpu_snap *c)
{
	char path[64];
	uint64_t v;
	int fd;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", c->cpu);
	fd = sysroot_openat(sr, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		c->msr_err = fd;
		return;
	}
	if (pread(fd, &v, sizeof(v), MSR_SMI_COUNT) == sizeof(v)) {
		c->has_smi = true;
		c->smi = v & 0xffffffffULL;
	}
	if (pread(fd, &v, sizeof(v), MSR_APERF) == sizeof(v)) {
		c->aperf = v;
		c->has_aperf = pread(fd, &v, sizeof(v), MSR_MPERF) == sizeof(v);
		c->mperf = v;
	}
	close(fd);
}

int cause_snap_take(const struct sysroot *sr, const int *cpus, int ncpus, struct cause_snap *s)
{
	char *text;

	memset(s, 0, sizeof(*s));
	s->ncpus = ncpus;
	s->cpus = xcalloc((size_t)(ncpus > 0 ? ncpus : 1), sizeof(*s->cpus));
	for (int i = 0; i < ncpus; i++) {
		s->cpus[i].cpu = cpus[i];
		read_msr(sr, &s->cpus[i]);
		read_idle(sr, &s->cpus[i]);
	}
	if (sysroot_read_alloc(sr, "/proc/interrupts", COUNTERS_CAP, &text, NULL) == 0) {
		s->has_irq = cause_parse_counters(text, false, cpus, ncpus, &s->irq) == 0;
		free(text);
	}
	if (sysroot_read_alloc(sr, "/proc/softirqs", COUNTERS_CAP, &text, NULL) == 0) {
		s->has_soft = cause_parse_counters(text, true, cpus, ncpus, &s->soft) == 0;
		free(text);
	}
	return 0;
}

void cause_snap_free(struct cause_snap *s)
{
	cause_lines_free(&s->irq);
	cause_lines_free(&s->soft);
	free(s->cpus);
	s->cpus = NULL;
}

static int read_status(const struct sysroot *sr, pid_t pid, pid_t tid, struct cause_task *t)
{
	char path[96], text[SYSROOT_SMALL], *line, *save = NULL;
	struct cpuset allowed;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	if (sysroot_read(sr, path, text, sizeof(text)) < 0)
		return -ESRCH;
	t->cpu = -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		*v++ = '\0';
		trim(v);
		if (!strcmp(line, "Name"))
			snprintf(t->name, sizeof(t->name), "%s", v);
		else if (!strcmp(line, "Cpus_allowed_list") && cpuset_parse(&allowed, v) == 0 && cpuset_count(&allowed) == 1)
			t->cpu = cpuset_next(&allowed, 0);
		else if (!strcmp(line, "voluntary_ctxt_switches"))
			t->vol = strtoull(v, NULL, 10);
		else if (!strcmp(line, "nonvoluntary_ctxt_switches"))
			t->invol = strtoull(v, NULL, 10);
	}
	return 0;
}

static struct cause_task *task_slot(struct cause_tasks *t, pid_t tid)
{
	for (int i = 0; i < t->n; i++)
		if (t->t[i].tid == tid)
			return &t->t[i];
	if (t->n == CAUSE_MAX_TASKS)
		return NULL;
	memset(&t->t[t->n], 0, sizeof(t->t[0]));
	t->t[t->n].tid = tid;
	return &t->t[t->n++];
}

int cause_tasks_poll(const struct sysroot *sr, struct cause_tasks *t, bool base)
{
	struct dirlist dl;
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)t->pid);
	rc = sysroot_list(sr, path, &dl);
	if (rc < 0)
		return rc == -ENOENT ? -ESRCH : rc;
	for (size_t i = 0; i < dl.n; i++) {
		long tid;
		struct cause_task *slot, now;

		if (parse_long(dl.names[i], &tid) < 0 || !(slot = task_slot(t, (pid_t)tid)))
			continue;
		now = *slot;
		if (read_status(sr, t->pid, (pid_t)tid, &now) < 0)
			continue;	/* exited between the listing and the read */
		if (base || !now.based) {
			now.vol0 = now.vol;
			now.invol0 = now.invol;
			now.based = base || now.based;
		}
		*slot = now;
	}
	dirlist_free(&dl);
	return 0;
}

bool cause_tasks_seen(const struct cause_tasks *t, const char *prefix)
{
	for (int i = 0; i < t->n; i++)
		if (!strncmp(t->t[i].name, prefix, strlen(prefix)))
			return true;
	return false;
}

static int cmp_item(const void *a, const void *b)
{
	const struct cause_item *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->what, y->what);
}

/* Nonzero deltas of column i, biggest first. */
static size_t diff_lines(const struct cause_lines *a, const struct cause_lines *b, int i, struct cause_item **out)
{
	size_t n = 0;

	*out = xcalloc(b->n ? b->n : 1, sizeof(**out));
	for (size_t j = 0; j < b->n; j++) {
		unsigned long long before = 0;

		for (size_t k = 0; k < a->n; k++) {
			if (!strcmp(a->v[k].key, b->v[j].key)) {
				before = a->v[k].count[i];
				break;
			}
		}
		if (b->v[j].count[i] <= before)
			continue;
		snprintf((*out)[n].what, sizeof((*out)[n].what), "%s", b->v[j].what);
		(*out)[n++].count = b->v[j].count[i] - before;
	}
	qsort(*out, n, sizeof(**out), cmp_item);
	return n;
}

static void diff_cpu(const struct cause_cpu_snap *a, const struct cause_cpu_snap *b, struct cause_cpu *c)
{
	c->idle = xcalloc(CAUSE_MAX_IDLE, sizeof(*c->idle));
	for (int k = 0; k < b->nidle && k < a->nidle; k++) {
		if (b->idle_usage[k] <= a->idle_usage[k])
			continue;
		snprintf(c->idle[c->nidle].what, sizeof(c->idle[0].what), "%s", b->idle_name[k]);
		c->idle[c->nidle++].count = b->idle_usage[k] - a->idle_usage[k];
	}
	c->msr_err = b->msr_err;
	c->has_smi = a->has_smi && b->has_smi;
	c->smi = c->has_smi ? (b->smi - a->smi) & 0xffffffffULL : 0;
	c->has_aperf = a->has_aperf && b->has_aperf && b->mperf > a->mperf;
	c->aperf_mperf = c->has_aperf ? (double)(b->aperf - a->aperf) / (double)(b->mperf - a->mperf) : 0;
}

/* The process's main thread and DPDK's workers carry the measurement; control threads do not. */
static bool measuring_thread(const struct cause_tasks *t, const struct cause_task *k)
{
	return k->cpu >= 0 && (k->tid == t->pid || strstr(k->name, "worker"));
}

static void apply_tasks(const struct cause_tasks *t, struct cause_cpu *c)
{
	for (int i = 0; t && i < t->n; i++) {
		const struct cause_task *k = &t->t[i];

		if (!measuring_thread(t, k) || k->cpu != c->cpu)
			continue;
		c->has_ctx = true;
		snprintf(c->thread, sizeof(c->thread), "%s", k->name);
		c->ctx_vol += k->vol - k->vol0;
		c->ctx_invol += k->invol - k->invol0;
	}
}

int cause_diff(const struct cause_snap *a, const struct cause_snap *b, const struct cause_tasks *tasks,
	       struct cause_report *r)
{
	if (a->ncpus != b->ncpus)
		return -EINVAL;
	r->n = b->ncpus;
	r->cpus = xcalloc((size_t)(r->n ? r->n : 1), sizeof(*r->cpus));
	for (int i = 0; i < r->n; i++) {
		struct cause_cpu *c = &r->cpus[i];

		c->cpu = b->cpus[i].cpu;
		c->role = "measured";
		c->has_irq = a->has_irq && b->has_irq;
		c->has_soft = a->has_soft && b->has_soft;
		c->nirq = c->has_irq ? diff_lines(&a->irq, &b->irq, i, &c->irq) : 0;
		c->nsoft = c->has_soft ? diff_lines(&a->soft, &b->soft, i, &c->soft) : 0;
		diff_cpu(&a->cpus[i], &b->cpus[i], c);
		apply_tasks(tasks, c);
	}
	return 0;
}

void cause_report_free(struct cause_report *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->cpus[i].irq);
		free(r->cpus[i].soft);
		free(r->cpus[i].idle);
	}
	free(r->cpus);
	r->cpus = NULL;
	r->n = 0;
}

static json_t *items_json(const struct cause_item *v, size_t n)
{
	json_t *o = json_object();

	/* Softirqs keep the kernel's names ("TIMER"): the "softirq " prefix is for sentences. */
	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, strncmp(v[i].what, "softirq ", 8) ? v[i].what : v[i].what + 8,
				    json_integer((json_int_t)v[i].count));
	return o;
}

static json_t *msr_json(const struct cause_cpu *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "readable", json_boolean(c->msr_err == 0));
	if (c->msr_err)
		json_object_set_new(o, "error", json_string(strerror(-c->msr_err)));
	json_object_set_new(o, "smi_count", c->has_smi ? json_integer((json_int_t)c->smi) : json_null());
	json_object_set_new(o, "aperf_mperf", c->has_aperf ? json_real(c->aperf_mperf) : json_null());
	return o;
}

json_t *cause_report_json(const struct cause_report *r)
{
	json_t *arr = json_array();

	for (int i = 0; i < r->n; i++) {
		const struct cause_cpu *c = &r->cpus[i];
		json_t *o = json_object();

		json_object_set_new(o, "cpu", json_integer(c->cpu));
		json_object_set_new(o, "role", json_string(c->role));
		json_object_set_new(o, "interrupts", c->has_irq ? items_json(c->irq, c->nirq) : json_null());
		json_object_set_new(o, "softirqs", c->has_soft ? items_json(c->soft, c->nsoft) : json_null());
		json_object_set_new(o, "cpuidle", items_json(c->idle, c->nidle));
		if (c->has_ctx)
			json_object_set_new(o, "context_switches",
					    json_pack("{s:s, s:I, s:I}", "thread", c->thread, "voluntary",
						      (json_int_t)c->ctx_vol, "nonvoluntary", (json_int_t)c->ctx_invol));
		else
			json_object_set_new(o, "context_switches", json_null());
		json_object_set_new(o, "msr", msr_json(c));
		json_array_append_new(arr, o);
	}
	return arr;
}

const char *cause_thousands(unsigned long long v, char *buf, size_t size)
{
	char raw[32], out[48];
	int len = snprintf(raw, sizeof(raw), "%llu", v), o = 0;

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = raw[i];
	}
	out[o] = '\0';
	snprintf(buf, size, "%s", out);
	return buf;
}

const char *cause_cpu_summary(const struct cause_cpu *c, int max_items, char *buf, size_t size)
{
	struct strbuf sb = { 0 };
	char num[48];
	char *s;
	int shown = 0;

	for (size_t i = 0; i < c->nirq && shown < max_items; i++, shown++)
		strbuf_addf(&sb, "%s%s %s", shown ? ", " : "", cause_thousands(c->irq[i].count, num, sizeof(num)),
			    c->irq[i].what);
	if (!c->has_irq)
		strbuf_addf(&sb, "interrupts not readable");
	else if (!c->nirq)
		strbuf_addf(&sb, "no interrupts");
	s = strbuf_detach(&sb);
	snprintf(buf, size, "%s", s);
	free(s);
	return buf;
}

int cause_cpu_times(const struct sysroot *sr, const int *cpus, int ncpus, struct cpu_times *out)
{
	char *text = NULL, *line, *save = NULL;
	int rc = sysroot_read_alloc(sr, "/proc/stat", COUNTERS_CAP, &text, NULL);

	for (int i = 0; i < ncpus; i++)
		out[i] = (struct cpu_times){ .cpu = cpus[i] };
	if (rc < 0)
		return rc;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct cpu_times t = { 0 };

		if (strncmp(line, "cpu", 3) || line[3] < '0' || line[3] > '9' ||
		    sscanf(line + 3, "%d %llu %llu %llu %llu %llu %llu %llu %llu", &t.cpu, &t.user, &t.nice, &t.system,
			   &t.idle, &t.iowait, &t.irq, &t.softirq, &t.steal) != 9)
			continue;
		t.ok = true;
		for (int i = 0; i < ncpus; i++)
			if (cpus[i] == t.cpu)
				out[i] = t;
	}
	free(text);
	return 0;
}

json_t *cause_cpu_use_json(const struct cpu_times *a, const struct cpu_times *b, int ncpus, const char *const *roles)
{
	json_t *arr = json_array();

	for (int i = 0; i < ncpus; i++) {
		unsigned long long u = b[i].user + b[i].nice - a[i].user - a[i].nice, s = b[i].system - a[i].system;
		unsigned long long si = b[i].softirq + b[i].irq - a[i].softirq - a[i].irq;
		unsigned long long idle = b[i].idle + b[i].iowait - a[i].idle - a[i].iowait;
		double total = (double)(u + s + si + idle + (b[i].steal - a[i].steal));

		if (!a[i].ok || !b[i].ok || total <= 0)
			continue;
		json_array_append_new(arr, json_pack("{s:i, s:s, s:f, s:f, s:f, s:f}", "cpu", a[i].cpu, "role",
						     roles && roles[i] ? roles[i] : "", "user_pct", 100.0 * (double)u / total,
						     "system_pct", 100.0 * (double)s / total, "softirq_pct",
						     100.0 * (double)si / total, "idle_pct", 100.0 * (double)idle / total));
	}
	return arr;
}
