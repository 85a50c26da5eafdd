/* CPU checks: isolation parameters, housekeeping, SMT siblings, cpufreq, idle states, TSC and clocksource. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "tuners.h"
#include "util.h"

#define CPU_DIR "/sys/devices/system/cpu"
#define CLOCKSOURCE_DIR "/sys/devices/system/clocksource/clocksource0"
/* CPUIDLE_STATE_MAX is 10; a bound keeps a strange tree from looping. */
#define MAX_IDLE_STATES 16

/* Appends one clause, "; "-separated. */
static void note(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	if (sb->len)
		strbuf_add(sb, "; ");
	strbuf_add(sb, s);
	free(s);
}

static bool no_isolation(const struct check_ctx *ctx, struct finding *f)
{
	if (!cpuset_empty(&ctx->prof->isolated))
		return false;
	finding_skip(f, "profile isolates no cpus ([cpu] isolated_cores)");
	return true;
}

/* ---- cpu.isolated ---- */

struct iso_want {
	const struct cpuset *cpus;
	char *list;
	int isolcpus;		/* -1 not asked, 0 none wanted, 1 wanted */
	unsigned flags;
	char flags_text[96];	/* as the profile orders them */
	int nohz, rcu;		/* -1 not asked, 0 no, 1 yes */
};

static const struct {
	const char *name;
	unsigned flag;
} iso_flags[] = {
	{ "managed_irq", ISOLCPUS_MANAGED_IRQ },
	{ "domain", ISOLCPUS_DOMAIN },
	{ "nohz", ISOLCPUS_NOHZ },
};

static const char *flags_name(unsigned flags, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(iso_flags) / sizeof(iso_flags[0]); i++)
		if (flags & iso_flags[i].flag)
			len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s", len ? "," : "",
						iso_flags[i].name);
	return buf;
}

static int bool_key(const struct profile *p, enum profile_key k)
{
	bool b;

	return profile_bool(p, k, &b) < 0 ? -1 : b;
}

static void iso_want_init(struct iso_want *w, const struct profile *p)
{
	const char *v = profile_str(p, PK_ISOLCPUS_FLAGS);

	memset(w, 0, sizeof(*w));
	w->cpus = &p->isolated;
	w->list = cpuset_text(&p->isolated);
	w->isolcpus = !v ? -1 : profile_has_word(p, PK_ISOLCPUS_FLAGS, "none") ? 0 : 1;
	for (const char *s = v; w->isolcpus == 1 && *s;) {
		size_t n;

		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		n = strcspn(s, ", \t");
		for (size_t i = 0; i < sizeof(iso_flags) / sizeof(iso_flags[0]); i++)
			if (n == strlen(iso_flags[i].name) && !strncmp(s, iso_flags[i].name, n) &&
			    !(w->flags & iso_flags[i].flag)) {
				w->flags |= iso_flags[i].flag;
				strncat(w->flags_text, iso_flags[i].name, sizeof(w->flags_text) - strlen(w->flags_text) - 2);
				strcat(w->flags_text, ",");
			}
		s += n;
	}
	/* With no flag at all the kernel means "domain". */
	if (w->isolcpus == 1 && !w->flags)
		w->flags = ISOLCPUS_DOMAIN;
	w->nohz = bool_key(p, PK_NOHZ_FULL);
	w->rcu = bool_key(p, PK_RCU_NOCBS);
}

/*
 * isolcpus= as the kernel reads it (housekeeping_isolcpus_setup): flag words each followed by a comma,
 * then the list; "domain" only when no flag was given at all, so "managed_irq,2-3" isolates no domain.
 */
static int parse_isolcpus(const char *v, struct cpuset *cpus, unsigned *flags)
{
	bool more = true;

	*flags = 0;
	while (more) {
		more = false;
		for (size_t i = 0; i < sizeof(iso_flags) / sizeof(iso_flags[0]); i++) {
			size_t n = strlen(iso_flags[i].name);

			if (!strncmp(v, iso_flags[i].name, n) && v[n] == ',') {
				*flags |= iso_flags[i].flag;
				v += n + 1;
				more = true;
			}
		}
	}
	if (!*flags)
		*flags = ISOLCPUS_DOMAIN;
	return cpuset_parse(cpus, v);
}

static int judge_isolcpus(const struct iso_want *w, const struct cmdline *cl, struct strbuf *why, struct strbuf *fix,
			  struct strbuf *drop)
{
	const char *v = cmdline_get(cl, "isolcpus");
	char have[64], want[64];
	struct cpuset cpus;
	unsigned flags;

	if (w->isolcpus < 0)
		return 0;
	if (w->isolcpus == 0) {
		if (!v)
			return 0;
		note(why, "isolcpus='%s' present but [cpu] isolcpus_flags = none", v);
		strbuf_add(drop, " isolcpus");
		return 1;
	}
	if (!v) {
		note(why, "no isolcpus=");
	} else if (parse_isolcpus(v, &cpus, &flags) < 0) {
		note(why, "isolcpus='%s' does not parse", v);
	} else if (!cpuset_equal(&cpus, w->cpus)) {
		char *got = cpuset_text(&cpus);

		note(why, "isolcpus= covers '%s', not the isolated cores '%s'", got, w->list);
		free(got);
	} else if (flags != w->flags) {
		note(why, "isolcpus= flags '%s', not '%s'", flags_name(flags, have, sizeof(have)),
		     flags_name(w->flags, want, sizeof(want)));
	} else {
		return 0;
	}
	strbuf_addf(fix, " isolcpus=%s%s", w->flags_text, w->list);
	return 1;
}

/* nohz_full= must equal the isolated set; rcu_nocbs= may cover more (a bare rcu_nocbs means every cpu). */
static int judge_list(const struct iso_want *w, const struct cmdline *cl, const char *key, int want, bool superset,
		      struct strbuf *why, struct strbuf *fix, struct strbuf *drop)
{
	const char *v = cmdline_get(cl, key);
	struct cpuset set;
	bool present, ok;
	int rc;

	if (want < 0)
		return 0;
	rc = cmdline_cpu_param(cl, key, &set, &present);
	if (want == 0) {
		if (!present)
			return 0;
		note(why, "%s='%s' present but [cpu] %s = no", key, v, key);
		strbuf_addf(drop, " %s", key);
		return 1;
	}
	if (rc < 0) {
		note(why, "%s='%s' does not parse", key, v);
	} else if (!present) {
		note(why, "no %s=", key);
	} else {
		ok = superset ? cpuset_empty(&set) || cpuset_subset(w->cpus, &set) : cpuset_equal(&set, w->cpus);
		if (ok)
			return 0;
		note(why, "%s='%s', not the isolated cores '%s'", key, v, w->list);
	}
	strbuf_addf(fix, " %s=%s", key, w->list);
	return 1;
}

static int judge_cmdline(const struct iso_want *w, const struct cmdline *cl, struct strbuf *why, struct strbuf *fix,
			 struct strbuf *drop)
{
	return judge_isolcpus(w, cl, why, fix, drop) +
	       judge_list(w, cl, "nohz_full", w->nohz, false, why, fix, drop) +
	       judge_list(w, cl, "rcu_nocbs", w->rcu, true, why, fix, drop);
}

/* The kernel's own view: a parameter it rejected (bad list, no CONFIG_NO_HZ_FULL) shows here. */
static int judge_live(const struct host *h, const struct iso_want *w, struct strbuf *why)
{
	int bad = 0;

	if (w->isolcpus == 1 && (w->flags & ISOLCPUS_DOMAIN) && h->has_isolated &&
	    !cpuset_equal(&h->isolated, w->cpus)) {
		char *got = cpuset_text(&h->isolated);

		note(why, "the kernel isolates '%s' (" CPU_DIR "/isolated), not '%s'", got, w->list);
		free(got);
		bad++;
	}
	if (w->nohz == 1 && h->has_nohz_full && !cpuset_equal(&h->nohz_full, w->cpus)) {
		char *got = cpuset_text(&h->nohz_full);

		note(why, "the kernel runs nohz_full on '%s' (" CPU_DIR "/nohz_full), not '%s'", got, w->list);
		free(got);
		bad++;
	}
	return bad;
}

static void describe_params(const struct host *h, struct strbuf *sb)
{
	static const char *const keys[] = { "isolcpus", "nohz_full", "rcu_nocbs" };
	char buf[256];

	for (size_t i = 0; i < 3; i++) {
		const char *v = cmdline_get(&h->cmdline, keys[i]);

		strbuf_addf(sb, "%s%s=%s%s%s", i ? " " : "", keys[i], v ? "'" : "", v ? v : "(absent)", v ? "'" : "");
	}
	if (h->has_isolated)
		strbuf_addf(sb, "; " CPU_DIR "/isolated='%s'", cpuset_format(&h->isolated, buf, sizeof(buf)));
	if (h->has_nohz_full)
		strbuf_addf(sb, " " CPU_DIR "/nohz_full='%s'", cpuset_format(&h->nohz_full, buf, sizeof(buf)));
}

static void expected_params(const struct iso_want *w, struct finding *f)
{
	struct strbuf sb = { 0 };

	if (w->isolcpus == 1)
		strbuf_addf(&sb, "isolcpus=%s%s ", w->flags_text, w->list);
	else if (w->isolcpus == 0)
		strbuf_add(&sb, "no isolcpus= ");
	if (w->nohz == 1)
		strbuf_addf(&sb, "nohz_full=%s ", w->list);
	else if (w->nohz == 0)
		strbuf_add(&sb, "no nohz_full= ");
	if (w->rcu == 1)
		strbuf_addf(&sb, "rcu_nocbs=%s ", w->list);
	else if (w->rcu == 0)
		strbuf_add(&sb, "no rcu_nocbs= ");
	finding_expected(f, "%s(isolated cores %s)", sb.s, w->list);
	strbuf_free(&sb);
}

static void cmdline_remedy(struct finding *f, struct strbuf *fix, struct strbuf *drop)
{
	struct strbuf sb = { 0 };

	if (fix->len)
		strbuf_addf(&sb, "add '%s' to the kernel command line", fix->s + 1);
	if (drop->len)
		strbuf_addf(&sb, "%sremove%s from the kernel command line", sb.len ? " and " : "", drop->s);
	finding_remedy(f, "%s", sb.s);
	strbuf_free(&sb);
	f->needs_reboot = true;
}

/* Would the line staged by apply pass? Then the failure is only waiting for a reboot. */
static bool staged_passes(const struct host *h, const struct iso_want *w)
{
	struct strbuf why = { 0 }, fix = { 0 }, drop = { 0 };
	bool ok = h->has_staged && !judge_cmdline(w, &h->staged, &why, &fix, &drop);

	strbuf_free(&why);
	strbuf_free(&fix);
	strbuf_free(&drop);
	return ok;
}

static void run_cpu_isolated(const struct check_ctx *ctx, struct finding *f)
{
	const struct host *h = ctx->host;
	struct strbuf why = { 0 }, fix = { 0 }, drop = { 0 }, seen = { 0 };
	struct iso_want w;
	int bad;

	if (no_isolation(ctx, f))
		return;
	iso_want_init(&w, ctx->prof);
	if (w.isolcpus < 0 && w.nohz < 0 && w.rcu < 0) {
		finding_skip(f, "profile does not ask for isolcpus=, nohz_full= or rcu_nocbs= "
			     "([cpu] isolcpus_flags, nohz_full, rcu_nocbs)");
		goto out;
	}
	if (!h->cmdline_raw) {
		finding_skip_read(f, "/proc/cmdline", -ENOENT);
		goto out;
	}
	describe_params(h, &seen);
	bad = judge_cmdline(&w, &h->cmdline, &why, &fix, &drop);
	if (!bad && judge_live(h, &w, &why)) {
		finding_fail(f, "%s; %s", why.s, seen.s);
		finding_remedy(f, "the running kernel did not apply its command line: check "
			       "`dmesg | grep -i -e isolcpus -e nohz` (nohz_full= needs CONFIG_NO_HZ_FULL)");
	} else if (!bad) {
		finding_pass(f, "%s", seen.s);
	} else {
		finding_fail(f, "%s; %s", why.s, seen.s);
		cmdline_remedy(f, &fix, &drop);
		f->pending_reboot = staged_passes(h, &w);
	}
	expected_params(&w, f);
out:
	free(w.list);
	strbuf_free(&why);
	strbuf_free(&fix);
	strbuf_free(&drop);
	strbuf_free(&seen);
}

/* isolcpus= with the profile's flags in its order, nohz_full= and rcu_nocbs= on the isolated cores. */
static int plan_cpu_isolated(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	struct boot_param b[3];
	struct iso_want w;
	char *isolcpus;
	size_t n = 0;
	int rc;

	iso_want_init(&w, ctx->prof);
	isolcpus = xasprintf("%s%s", w.flags_text, w.list);
	if (w.isolcpus == 1)
		b[n++] = (struct boot_param){ .key = "isolcpus", .value = isolcpus, .isolates = true };
	if (w.nohz == 1)
		b[n++] = (struct boot_param){ .key = "nohz_full", .value = w.list, .isolates = true };
	if (w.rcu == 1)
		b[n++] = (struct boot_param){ .key = "rcu_nocbs", .value = w.list, .isolates = true };
	rc = plan_boot_params(ctx, f, p, b, n);
	free(isolcpus);
	free(w.list);
	return rc;
}

const struct check check_cpu_isolated = {
	.keys = KEYS(PK_ISOLATED_CORES, PK_ISOLCPUS_FLAGS, PK_NOHZ_FULL, PK_RCU_NOCBS),
	.flags = CF_BOOT,
	.id = "cpu.isolated",
	.area = AREA_CPU,
	.title = "isolated cores match isolcpus=, nohz_full= and rcu_nocbs=",
	.reads = "/proc/cmdline " CPU_DIR "/isolated " CPU_DIR "/nohz_full",
	.run = run_cpu_isolated,
	.plan = plan_cpu_isolated,
};

/* ---- cpu.housekeeping ---- */

static void run_cpu_housekeeping(const struct check_ctx *ctx, struct finding *f)
{
	const struct host *h = ctx->host;
	const struct cpuset *online = h->has_online ? &h->online : &h->present;
	struct strbuf seen = { 0 }, bare = { 0 };
	struct cpuset hk;
	char buf[128];

	if (no_isolation(ctx, f))
		return;
	if (!h->has_online && !h->has_present) {
		finding_skip_read(f, CPU_DIR "/online", -ENOENT);
		return;
	}
	cpuset_andnot(&hk, online, &ctx->prof->isolated);
	if (!h->nnodes) {
		/* No NUMA information: the whole machine is one node. */
		if (cpuset_empty(&hk))
			note(&bare, "all");
		strbuf_addf(&seen, "housekeeping cpus '%s'", cpuset_format(&hk, buf, sizeof(buf)));
	}
	for (size_t i = 0; i < h->nnodes; i++) {
		const struct numa_node *n = &h->nodes[i];
		struct cpuset on, left;

		cpuset_and(&on, &n->cpus, online);
		if (cpuset_empty(&on))
			continue;
		cpuset_and(&left, &on, &hk);
		if (cpuset_empty(&left))
			note(&bare, "node%d", n->id);
		note(&seen, "node%d: housekeeping '%s'", n->id,
		     cpuset_empty(&left) ? "none" : cpuset_format(&left, buf, sizeof(buf)));
	}
	finding_expected(f, "at least one online, non-isolated cpu on every node with cpus");
	if (!bare.len) {
		finding_pass(f, "%s", seen.s ? seen.s : "no node with online cpus");
	} else {
		finding_fail(f, "no housekeeping cpu left on %s: %s", bare.s, seen.s);
		finding_remedy(f, "leave at least one cpu of %s out of [cpu] isolated_cores (kernel threads, timers and "
			       "node-local memory management need it)", bare.s);
	}
	strbuf_free(&seen);
	strbuf_free(&bare);
}

const struct check check_cpu_housekeeping = {
	.keys = KEYS(PK_ISOLATED_CORES, PK_HOUSEKEEPING_CORES),
	.id = "cpu.housekeeping",
	.area = AREA_CPU,
	.title = "a housekeeping cpu remains on every NUMA node",
	.reads = CPU_DIR "/online /sys/devices/system/node/nodeN/cpulist",
	.run = run_cpu_housekeeping,
};

/* ---- cpu.smt_siblings ---- */

/*
 * Makes set a value [cpu] isolated_cores may take: whole cores on a node left with no housekeeping cpu
 * are given back (the node's lowest isolated core first), and explicit housekeeping cpus stay out.
 * False when nothing isolated is left.
 */
static bool fit_isolated(const struct check_ctx *ctx, struct cpuset *set)
{
	const struct host *h = ctx->host;
	const char *hk = ctx->prof->v[PK_HOUSEKEEPING_CORES].raw;
	int bare;

	struct cpuset split;
	int cpu;

	if (hk && strcmp(hk, "auto"))
		cpuset_andnot(set, set, &ctx->prof->housekeeping);
	cpuset_and(set, set, &h->present);
	/* Only whole cores: a cpu whose sibling had to stay out goes too. */
	cpuset_zero(&split);
	cpuset_for_each(cpu, set) {
		const struct host_cpu *c = host_cpu(h, cpu);

		if (c && !cpuset_subset(&c->siblings, set))
			cpuset_set(&split, cpu);
	}
	cpuset_andnot(set, set, &split);
	for (int guard = 0; guard < CPUSET_MAX && !cpuset_empty(set) && (bare = host_bare_node(h, set)) >= 0; guard++) {
		const struct numa_node *n = host_node(h, bare);
		const struct host_cpu *c;
		struct cpuset on;

		if (n)
			cpuset_and(&on, &n->cpus, set);
		else
			on = *set;
		if ((cpu = cpuset_next(&on, 0)) < 0)
			return false;
		cpuset_clear(set, cpu);
		if ((c = host_cpu(h, cpu)))
			cpuset_andnot(set, set, &c->siblings);
	}
	return !cpuset_empty(set) && host_bare_node(h, set) < 0;
}

static void run_cpu_smt_siblings(const struct check_ctx *ctx, struct finding *f)
{
	const struct host *h = ctx->host;
	const struct cpuset *iso = &ctx->prof->isolated;
	struct cpuset bad_iso, bad_hk, whole;
	struct strbuf pairs = { 0 };
	bool known = false;
	int cpu, npairs = 0;

	if (no_isolation(ctx, f))
		return;
	cpuset_zero(&bad_iso);
	cpuset_zero(&bad_hk);
	cpuset_for_each(cpu, iso) {
		const struct host_cpu *c = host_cpu(h, cpu);
		int s;

		if (!c || cpuset_empty(&c->siblings))
			continue;
		known = true;
		cpuset_for_each(s, &c->siblings) {
			if (cpuset_has(iso, s))
				continue;
			if (npairs++ < 16)
				strbuf_addf(&pairs, "%s(%d,%d)", pairs.len ? " " : "", cpu, s);
			cpuset_set(&bad_iso, cpu);
			cpuset_set(&bad_hk, s);
		}
	}
	finding_expected(f, "no isolated cpu shares a core with a non-isolated cpu");
	if (!known) {
		finding_skip(f, "no SMT topology ('" CPU_DIR "/cpuN/topology/thread_siblings_list' unreadable)");
	} else if (!npairs) {
		finding_pass(f, "isolated cpus share cores only with isolated cpus");
	} else {
		char *a = cpuset_text(&bad_iso), *b, *c;
		struct cpuset keep;
		bool keep_ok, whole_ok;

		/* Each value suggested keeps a housekeeping cpu on every node and passes profile check. */
		cpuset_andnot(&keep, iso, &bad_iso);
		cpuset_or(&whole, iso, &bad_hk);
		whole_ok = fit_isolated(ctx, &whole);
		keep_ok = fit_isolated(ctx, &keep) && !cpuset_equal(&keep, &whole);
		b = cpuset_text(&keep);
		c = cpuset_text(&whole);
		finding_fail(f, "isolated cpus %s share cores with non-isolated cpus: (isolated,sibling) %s%s", a, pairs.s,
			     npairs > 16 ? " ..." : "");
		if (whole_ok)
			finding_remedy(f, "isolate whole cores: [cpu] isolated_cores = %s%s%s%s, or turn SMT off ('nosmt' on "
				       "the kernel command line, [cpu] smt = off)", c, keep_ok ? " (or " : "", keep_ok ? b : "",
				       keep_ok ? ")" : "");
		else if (keep_ok)
			finding_remedy(f, "isolate whole cores: [cpu] isolated_cores = %s (adding the siblings would leave no "
				       "housekeeping cpu), or turn SMT off ('nosmt' on the kernel command line, [cpu] smt = off)", b);
		else
			finding_remedy(f, "turn SMT off ('nosmt' on the kernel command line, [cpu] smt = off): whole cores "
				       "would leave no housekeeping cpu");
		free(a);
		free(b);
		free(c);
	}
	strbuf_free(&pairs);
}

const struct check check_cpu_smt_siblings = {
	.keys = KEYS(PK_ISOLATED_CORES, PK_SMT),
	.id = "cpu.smt_siblings",
	.area = AREA_CPU,
	.title = "isolated cpus do not share a core with housekeeping cpus",
	.reads = CPU_DIR "/cpuN/topology/thread_siblings_list",
	.run = run_cpu_smt_siblings,
};

/* ---- cpu.governor ---- */

static void governor_remedy(const struct check_ctx *ctx, struct finding *f, const struct cpuset *bad, const char *want)
{
	char *files = check_cpu_files(bad, "cpufreq/scaling_governor"), *list = cpuset_text(bad), avail[256], path[128];
	int first = cpuset_next(bad, 0);

	snprintf(path, sizeof(path), CPU_DIR "/cpu%d/cpufreq/scaling_available_governors", first);
	if (sysroot_read_str(ctx->sr, path, avail, sizeof(avail)) == 0 && !strstr(avail, want))
		finding_remedy(f, "the cpufreq driver offers only '%s' ('%s'): load a driver or governor module with '%s' "
			       "(profile: [cpu] governor)", avail, path, want);
	else
		finding_remedy(f, "echo %s | tee %s (or cpupower -c %s frequency-set -g %s; profile: [cpu] governor)", want,
			       files, list, want);
	free(files);
	free(list);
}

static void run_cpu_governor(const struct check_ctx *ctx, struct finding *f)
{
	char owns[224];
	const char *want = check_wanted(ctx, f, PK_GOVERNOR);
	struct cpuset bad, missing;
	struct strbuf seen = { 0 };
	char path[128], gov[64], first_path[128] = "";
	int cpu, rc, first_rc = 0, readable = 0;

	if (!want || no_isolation(ctx, f))
		return;
	cpuset_zero(&bad);
	cpuset_zero(&missing);
	finding_expected(f, "'scaling_governor' = '%s' on cpus %s", want,
			 cpuset_format(&ctx->prof->isolated, gov, sizeof(gov)));
	cpuset_for_each(cpu, &ctx->prof->isolated) {
		snprintf(path, sizeof(path), CPU_DIR "/cpu%d/cpufreq/scaling_governor", cpu);
		rc = check_read_word(ctx->sr, path, gov, sizeof(gov));
		if (rc < 0) {
			cpuset_set(&missing, cpu);
			if (!first_rc || (first_rc == -ENOENT && rc != -ENOENT)) {
				first_rc = rc;
				snprintf(first_path, sizeof(first_path), "%s", path);
			}
			continue;
		}
		readable++;
		if (strcmp(gov, want)) {
			cpuset_set(&bad, cpu);
			note(&seen, "cpu%d: '%s'", cpu, gov);
		}
	}
	if (!cpuset_empty(&bad)) {
		finding_fail(f, "'scaling_governor' %s", seen.s);
		governor_remedy(ctx, f, &bad, want);
	} else if (!readable && first_rc == -ENOENT) {
		finding_skip(f, "no cpufreq driver ('%s' absent)%s", first_path, check_instance_owns(ctx, owns, sizeof(owns)));
	} else if (first_rc) {
		finding_skip_bad(f, ctx->sr, first_path, first_rc);
	} else {
		finding_pass(f, "'scaling_governor' = '%s' on cpus %s", want,
			     cpuset_format(&ctx->prof->isolated, gov, sizeof(gov)));
	}
	strbuf_free(&seen);
}

static int plan_governor(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_GOVERNOR);
	char path[128];
	int cpu;

	if (!want)
		return 0;
	cpuset_for_each(cpu, &ctx->prof->isolated) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", cpu);
		tune_value(ctx, p, f->check->id, path, want);
	}
	return 0;
}

const struct check check_cpu_governor = {
	.keys = KEYS(PK_GOVERNOR, PK_ISOLATED_CORES),
	.flags = CF_RUNTIME,
	.id = "cpu.governor",
	.area = AREA_CPU,
	.title = "cpufreq governor on isolated cpus",
	.reads = CPU_DIR "/cpuN/cpufreq/scaling_governor",
	.run = run_cpu_governor, .plan = plan_governor,
};

/* ---- cpu.turbo ---- */

#define NO_TURBO CPU_DIR "/intel_pstate/no_turbo"
#define BOOST CPU_DIR "/cpufreq/boost"

static void run_cpu_turbo(const struct check_ctx *ctx, struct finding *f)
{
	char owns[224];
	const char *want = check_wanted(ctx, f, PK_TURBO), *path = NO_TURBO;
	bool boost = false, on, want_on;
	int good;
	long v;
	int rc;

	if (!want)
		return;
	want_on = !strcmp(want, "on");
	/* intel_pstate says it backwards (no_turbo); acpi-cpufreq and amd-pstate say boost. */
	rc = sysroot_read_long(ctx->sr, path, &v);
	if (rc == -ENOENT) {
		path = BOOST;
		boost = true;
		rc = sysroot_read_long(ctx->sr, path, &v);
	}
	if (rc == -ENOENT) {
		finding_skip(f, "no turbo control ('" NO_TURBO "' and '" BOOST "' absent)%s",
			     check_instance_owns(ctx, owns, sizeof(owns)));
		return;
	}
	if (rc < 0 || (v != 0 && v != 1)) {
		finding_skip_bad(f, ctx->sr, path, rc < 0 ? rc : -EINVAL);
		return;
	}
	on = boost ? v == 1 : v == 0;
	good = boost ? want_on : !want_on;
	finding_expected(f, "'%s' = '%d' (turbo %s)", path, good, want);
	if (on == want_on) {
		finding_pass(f, "'%s' = '%ld' (turbo %s)", path, v, on ? "on" : "off");
		return;
	}
	finding_fail(f, "'%s' = '%ld' (turbo %s)", path, v, on ? "on" : "off");
	finding_remedy(f, "echo %d > %s (profile: [cpu] turbo)%s", good, path,
		       want_on && !boost ? "; if it reads back 1, turbo is disabled in the BIOS" : "");
}

static int plan_turbo(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_TURBO);
	bool on;

	if (!want)
		return 0;
	on = !strcmp(want, "on");
	/* intel_pstate says it backwards (no_turbo); acpi-cpufreq and amd-pstate use boost. */
	if (sysroot_exists(ctx->sr, "/sys/devices/system/cpu/intel_pstate/no_turbo")) {
		tune_value(ctx, p, f->check->id, "/sys/devices/system/cpu/intel_pstate/no_turbo", on ? "0" : "1");
		return 0;
	}
	if (tune_value(ctx, p, f->check->id, "/sys/devices/system/cpu/cpufreq/boost", on ? "1" : "0") == -ENOENT)
		plan_add_manual(p, f, NULL);
	return 0;
}

const struct check check_cpu_turbo = {
	.keys = KEYS(PK_TURBO),
	.flags = CF_RUNTIME,
	.id = "cpu.turbo",
	.area = AREA_CPU,
	.title = "turbo/boost state",
	.reads = NO_TURBO " " BOOST,
	.run = run_cpu_turbo, .plan = plan_turbo,
};

/* ---- cpu.cstates ---- */

struct idle_state {
	char name[32];
	long latency;		/* -1 when the state was not read */
	struct cpuset enabled;	/* isolated cpus where it is too deep and enabled */
};

struct idle_scan {
	int nstates;		/* highest state index seen + 1 */
	struct idle_state st[MAX_IDLE_STATES];
	int with_cpuidle;	/* isolated cpus that have a cpuidle directory */
	int table_cpu;		/* where names and latencies were read */
	bool poll_first;	/* state0 is POLL (x86): the drivers count C-states from state1 */
};

static void state_name(const struct sysroot *sr, int cpu, int k, char *buf, size_t size)
{
	char path[128];

	snprintf(path, sizeof(path), CPU_DIR "/cpu%d/cpuidle/state%d/name", cpu, k);
	if (check_read_word(sr, path, buf, size) < 0)
		snprintf(buf, size, "state%d", k);
}

/* Too deep and enabled on cpu? Returns 0, 1 with the skip set, or -ENOENT when the cpu has no such state. */
static int check_disable(const struct check_ctx *ctx, struct finding *f, int cpu, int k, struct idle_scan *s)
{
	char path[128];
	long dis;
	int rc;

	snprintf(path, sizeof(path), CPU_DIR "/cpu%d/cpuidle/state%d/disable", cpu, k);
	rc = sysroot_read_long(ctx->sr, path, &dis);
	if (rc == -ENOENT)
		return rc;
	if (rc < 0 || (dis != 0 && dis != 1)) {
		finding_skip_bad(f, ctx->sr, path, rc < 0 ? rc : -EINVAL);
		return 1;
	}
	if (!dis)
		cpuset_set(&s->st[k].enabled, cpu);
	return 0;
}

/* The first cpu with cpuidle: every state's name and latency. Returns 0, or 1 with the skip set. */
static int scan_states(const struct check_ctx *ctx, struct finding *f, int cpu, long max, struct idle_scan *s)
{
	char path[128];
	long lat;
	int k, rc;

	for (k = 0; k < MAX_IDLE_STATES; k++) {
		snprintf(path, sizeof(path), CPU_DIR "/cpu%d/cpuidle/state%d/latency", cpu, k);
		rc = sysroot_read_long(ctx->sr, path, &lat);
		if (rc == -ENOENT)
			break;
		if (rc < 0 || lat < 0) {
			finding_skip_bad(f, ctx->sr, path, rc < 0 ? rc : -EINVAL);
			return 1;
		}
		s->st[k].latency = lat;
		state_name(ctx->sr, cpu, k, s->st[k].name, sizeof(s->st[k].name));
		s->nstates = k + 1;
		if (lat > max && check_disable(ctx, f, cpu, k, s) > 0)
			return 1;
	}
	return 0;
}

/*
 * One cpu. The state table (names, latencies) belongs to the cpuidle driver, which all cpus share
 * on x86: it is read once, and only the too-deep states' per-cpu disable files after that, which
 * keeps a 512-cpu host to two reads a cpu. Returns 0, or 1 with the skip set.
 */
static int scan_cpu(const struct check_ctx *ctx, struct finding *f, int cpu, long max, struct idle_scan *s)
{
	int k, rc;

	if (!s->nstates) {
		s->table_cpu = cpu;
		if (scan_states(ctx, f, cpu, max, s))
			return 1;
		s->with_cpuidle += s->nstates > 0;
		return 0;
	}
	for (k = 0; k < s->nstates; k++) {
		if (s->st[k].latency <= max)
			continue;
		rc = check_disable(ctx, f, cpu, k, s);
		if (rc > 0)
			return 1;
		if (rc == -ENOENT)	/* offline, or no cpuidle device */
			return 0;
	}
	s->with_cpuidle++;
	return 0;
}

/* current_driver, "" when unreadable. */
static void idle_driver(const struct check_ctx *ctx, char *buf, size_t size)
{
	if (check_read_word(ctx->sr, CPU_DIR "/cpuidle/current_driver", buf, size) < 0)
		buf[0] = '\0';
}

static bool cstate_param(const struct cmdline *cl, const char *key, long *n)
{
	const char *v = cmdline_get(cl, key);

	return v && parse_long(v, n) == 0 && *n >= 0;
}

/*
 * The deepest sysfs state index a command line still allows (MAX_IDLE_STATES: no limit; -1: idle=poll),
 * with the parameter that says so in why. intel_idle.max_cstate=N and processor.max_cstate=N both keep
 * POLL plus N C-states; processor.max_cstate only binds the ACPI driver, which intel_idle.max_cstate=0 brings in.
 */
static int cmdline_limit(const struct check_ctx *ctx, const struct cmdline *cl, bool poll_first, char *why, size_t size)
{
	const char *idle = cmdline_get(cl, "idle");
	int off = poll_first ? 0 : -1;
	bool has_ii, has_pm, intel, acpi;
	long ii = -1, pm = -1;
	char drv[64];

	if (idle && !strcmp(idle, "poll")) {
		snprintf(why, size, "idle=poll");
		return -1;
	}
	if (idle && !strcmp(idle, "halt")) {
		snprintf(why, size, "idle=halt (HLT only)");
		return 1 + off;
	}
	idle_driver(ctx, drv, sizeof(drv));
	has_ii = cstate_param(cl, "intel_idle.max_cstate", &ii);
	has_pm = cstate_param(cl, "processor.max_cstate", &pm);
	intel = !drv[0] || !strcmp(drv, "intel_idle");
	acpi = !strcmp(drv, "acpi_idle") || (!drv[0] && has_ii && ii == 0);
	if (has_ii && ii > 0 && intel) {
		snprintf(why, size, "intel_idle.max_cstate=%ld", ii);
		return (int)(ii < MAX_IDLE_STATES ? ii : MAX_IDLE_STATES) + off;
	}
	if (has_pm && acpi) {
		pm = pm ? pm : 1;	/* the ACPI driver treats 0 as 1 */
		snprintf(why, size, "processor.max_cstate=%ld", pm);
		return (int)(pm < MAX_IDLE_STATES ? pm : MAX_IDLE_STATES) + off;
	}
	return MAX_IDLE_STATES;
}

static bool none_enabled(const struct idle_scan *s)
{
	for (int k = 0; k < s->nstates; k++)
		if (!cpuset_empty(&s->st[k].enabled))
			return false;
	return true;
}

/* Every too-deep state enabled somewhere sits above the limit: the command line keeps cpus out of it. */
static bool limit_covers(const struct idle_scan *s, int limit)
{
	for (int k = 0; k < s->nstates; k++)
		if (!cpuset_empty(&s->st[k].enabled) && k <= limit)
			return false;
	return true;
}

static void describe_states(const struct idle_scan *s, int cpu, long max, struct strbuf *sb)
{
	strbuf_addf(sb, "cpu%d:", cpu);
	for (int k = 0; k < s->nstates; k++)
		if (s->st[k].latency >= 0)
			strbuf_addf(sb, " %s %ldus%s", s->st[k].name, s->st[k].latency,
				    s->st[k].latency > max && !cpuset_has(&s->st[k].enabled, cpu) ? " (disabled)" : "");
}

static void cstates_fail(const struct check_ctx *ctx, struct finding *f, const struct idle_scan *s, long max)
{
	struct strbuf seen = { 0 }, fix = { 0 };
	const char *param, *dma;
	int k, shallow = 0;
	char why[64], drv[64];

	idle_driver(ctx, drv, sizeof(drv));
	param = strcmp(drv, "acpi_idle") ? "intel_idle.max_cstate" : "processor.max_cstate";

	for (k = 0; k < s->nstates; k++) {
		char *list, *files, suffix[48];

		if (cpuset_empty(&s->st[k].enabled))
			continue;
		list = cpuset_text(&s->st[k].enabled);
		snprintf(suffix, sizeof(suffix), "cpuidle/state%d/disable", k);
		files = check_cpu_files(&s->st[k].enabled, suffix);
		note(&seen, "state%d %s (%ld us) enabled on cpus %s", k, s->st[k].name, s->st[k].latency, list);
		strbuf_addf(&fix, "%secho 1 | tee %s", fix.len ? "; " : "", files);
		free(list);
		free(files);
	}
	/* C-states after POLL that are shallow enough: what a command-line limit may keep. */
	for (k = s->poll_first ? 1 : 0; k < s->nstates && s->st[k].latency >= 0 && s->st[k].latency <= max; k++)
		shallow++;
	dma = profile_str(ctx->prof, PK_CPU_DMA_LATENCY);
	if (dma && !strcmp(dma, "held"))
		note(&seen, "no process holds /dev/cpu_dma_latency ([power] cpu_dma_latency = held)");
	finding_fail(f, "%s", seen.s);
	if (shallow)
		finding_remedy(f, "%s (profile: [cpu] max_idle_latency_us), or add '%s=%d' to the kernel command line", fix.s,
			       param, shallow);
	else
		finding_remedy(f, "%s (profile: [cpu] max_idle_latency_us), or add 'idle=poll' to the kernel command line",
			       fix.s);
	if (ctx->host->has_staged && limit_covers(s, cmdline_limit(ctx, &ctx->host->staged, s->poll_first, why, sizeof(why))))
		f->pending_reboot = true;
	strbuf_free(&seen);
	strbuf_free(&fix);
}

/*
 * Whether some process holds /dev/cpu_dma_latency open, found by its fd links alone (the device is
 * never read: power.cpu_dma_latency owns that question, and shares the host model's one walk).
 */
static bool dma_latency_held(const struct host *h, char *who, size_t size)
{
	const struct host_dma_holder *d = host_dma_holder(h);

	snprintf(who, size, "%s", d->pid);
	return d->pid[0];
}

static void run_cpu_cstates(const struct check_ctx *ctx, struct finding *f)
{
	char owns[224];
	const struct cpuset *iso = &ctx->prof->isolated;
	struct idle_scan *s;
	struct strbuf seen = { 0 };
	const char *dma = profile_str(ctx->prof, PK_CPU_DMA_LATENCY);
	char why[64], list[64], pid[32];
	long max;
	int cpu, limit;

	if (!check_wanted(ctx, f, PK_MAX_IDLE_LATENCY_US) || no_isolation(ctx, f) ||
	    profile_long(ctx->prof, PK_MAX_IDLE_LATENCY_US, &max) < 0)
		return;
	cpuset_format(iso, list, sizeof(list));
	finding_expected(f, "idle states with exit latency > %ld us disabled on cpus %s", max, list);
	limit = cmdline_limit(ctx, &ctx->host->cmdline, true, why, sizeof(why));
	if (limit < 0) {
		finding_pass(f, "%s on the command line: cpus never enter an idle state", why);
		return;
	}
	s = xcalloc(1, sizeof(*s));
	for (int k = 0; k < MAX_IDLE_STATES; k++)
		s->st[k].latency = -1;
	cpuset_for_each(cpu, iso)
		if (scan_cpu(ctx, f, cpu, max, s))
			goto out;
	s->poll_first = s->nstates && !strcmp(s->st[0].name, "POLL");
	if (!s->poll_first)
		limit = cmdline_limit(ctx, &ctx->host->cmdline, false, why, sizeof(why));
	if (!s->with_cpuidle) {
		if (limit < MAX_IDLE_STATES)
			finding_pass(f, "no cpuidle states on the isolated cpus; %s on the command line", why);
		else
			finding_skip(f, "no cpuidle driver ('" CPU_DIR "/cpu%d/cpuidle' absent)%s", cpuset_next(iso, 0),
				     check_instance_owns(ctx, owns, sizeof(owns)));
		goto out;
	}
	describe_states(s, s->table_cpu, max, &seen);
	if (none_enabled(s))
		finding_pass(f, "every state deeper than %ld us disabled on cpus %s (%s)", max, list, seen.s);
	else if (limit_covers(s, limit))
		finding_pass(f, "deeper states limited by '%s' on the command line (%s)", why, seen.s);
	else if (dma && !strcmp(dma, "held") && dma_latency_held(ctx->host, pid, sizeof(pid)))
		finding_pass(f, "deeper states enabled but left to pid %s holding /dev/cpu_dma_latency (its value is "
			     "power.cpu_dma_latency's concern) (%s)", pid, seen.s);
	else
		cstates_fail(ctx, f, s, max);
out:
	strbuf_free(&seen);
	free(s);
}

/*
 * [cpu] idle_boot_limit: the same limit for every cpu from early boot, read off the first isolated
 * cpu's states: the states after POLL no deeper than max stay (intel_idle.max_cstate=N, or
 * processor.max_cstate=N for acpi_idle); none left means idle=poll.
 */

/* A cpu's state latencies until the first missing state (-1: unreadable); returns how many states. */
static int idle_latencies(const struct sysroot *sr, int cpu, long lat[MAX_IDLE_STATES])
{
	char path[128];
	int k, rc;

	for (k = 0; k < MAX_IDLE_STATES; k++) {
		snprintf(path, sizeof(path), CPU_DIR "/cpu%d/cpuidle/state%d/latency", cpu, k);
		rc = sysroot_read_long(sr, path, &lat[k]);
		if (rc == -ENOENT)
			break;
		if (rc < 0)
			lat[k] = -1;
	}
	return k;
}

/* Disables every idle state deeper than max_idle_latency_us on the isolated cores (state0, poll, stays). */
static int plan_cstates(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	long max, lat[MAX_IDLE_STATES];
	int cpu, k, nstates = 0;

	if (profile_long(ctx->prof, PK_MAX_IDLE_LATENCY_US, &max) < 0)
		return 0;
	/* The table the check judged (scan_cpu): the driver's, read once; each cpu's disable files after that. */
	cpuset_for_each(cpu, &ctx->prof->isolated) {
		if (!nstates)
			nstates = idle_latencies(ctx->sr, cpu, lat);
		for (k = 1; k < nstates; k++) {
			char path[128];

			if (lat[k] <= max)
				continue;
			snprintf(path, sizeof(path), CPU_DIR "/cpu%d/cpuidle/state%d/disable", cpu, k);
			tune_value(ctx, p, f->check->id, path, "1");
		}
	}
	return 0;
}

const struct check check_cpu_cstates = {
	.keys = KEYS(PK_MAX_IDLE_LATENCY_US, PK_CPU_DMA_LATENCY, PK_ISOLATED_CORES),
	.flags = CF_RUNTIME,
	.id = "cpu.cstates",
	.area = AREA_CPU,
	.title = "deep idle states disabled on isolated cpus",
	.reads = CPU_DIR "/cpuN/cpuidle/stateK/{name,latency,disable} " CPU_DIR "/cpuidle/current_driver /proc/cmdline "
		 "/proc/PID/fd/* (links only)",
	.run = run_cpu_cstates, .plan = plan_cstates,
};


/* ---- cpu.idle_boot_limit ---- */

/*
 * The command line limit that keeps every cpu, from early boot, out of states slower than max: the
 * driver's max_cstate counting the shallow states of the first isolated cpu, or idle=poll when none is
 * shallow enough. -ENOENT when the driver takes no such limit (haltpoll, none), -ENODATA with no cpu.
 */
static int boot_limit_want(const struct sysroot *sr, const struct profile *prof, long max, char *key, size_t ksize,
			   char *val, size_t vsize, char *drv, size_t dsize)
{
	char dir[128], path[192], name[32];
	int cpu = cpuset_next(&prof->isolated, 0), first = 0, shallow = 0;
	long lat;

	if (cpu < 0)
		return -ENODATA;
	if (sysroot_read_str(sr, CPU_DIR "/cpuidle/current_driver", drv, dsize) < 0)
		snprintf(drv, dsize, "none");
	if (strcmp(drv, "intel_idle") && strcmp(drv, "acpi_idle"))
		return -ENOENT;
	snprintf(dir, sizeof(dir), CPU_DIR "/cpu%d/cpuidle", cpu);
	snprintf(path, sizeof(path), "%s/state0/name", dir);
	if (sysroot_read_str(sr, path, name, sizeof(name)) == 0 && !strcmp(name, "POLL"))
		first = 1;
	for (int k = first;; k++) {
		snprintf(path, sizeof(path), "%s/state%d/latency", dir, k);
		if (sysroot_read_long(sr, path, &lat) < 0 || lat > max)
			break;
		shallow++;
	}
	if (!shallow) {
		snprintf(key, ksize, "idle");
		snprintf(val, vsize, "poll");
	} else {
		snprintf(key, ksize, "%s", strcmp(drv, "intel_idle") ? "processor.max_cstate" : "intel_idle.max_cstate");
		snprintf(val, vsize, "%d", shallow);
	}
	return 0;
}

static bool limit_on(const struct cmdline *cl, const char *key, const char *val)
{
	const char *v = cmdline_get(cl, key), *idle = cmdline_get(cl, "idle");

	return (v && !strcmp(v, val)) || (idle && !strcmp(idle, "poll"));
}

static void run_cpu_idle_boot_limit(const struct check_ctx *ctx, struct finding *f)
{
	char owns[224];
	char key[32], val[16], drv[32];
	bool on;
	long max;
	int rc;

	if (profile_bool(ctx->prof, PK_IDLE_BOOT_LIMIT, &on) < 0 || !on) {
		finding_skip(f, "profile does not ask for [cpu] idle_boot_limit");
		return;
	}
	if (profile_long(ctx->prof, PK_MAX_IDLE_LATENCY_US, &max) < 0) {
		finding_skip(f, "profile does not ask for [cpu] max_idle_latency_us");
		return;
	}
	if (!ctx->host->cmdline_raw) {
		finding_skip_read(f, "/proc/cmdline", -ENOENT);
		return;
	}
	rc = boot_limit_want(ctx->sr, ctx->prof, max, key, sizeof(key), val, sizeof(val), drv, sizeof(drv));
	if (rc == -ENODATA) {
		finding_skip(f, "profile isolates no cpus ([cpu] isolated_cores)");
		return;
	}
	if (rc == -ENOENT) {
		finding_skip(f, "cpuidle driver '%s' takes no command line C-state limit%s", drv,
			     check_instance_owns(ctx, owns, sizeof(owns)));
		return;
	}
	finding_expected(f, "%s=%s on the kernel command line (no state slower than %ld us, from boot; %s)", key, val, max,
			 drv);
	if (limit_on(&ctx->host->cmdline, key, val)) {
		finding_pass(f, "%s=%s on the kernel command line", key, val);
		return;
	}
	finding_fail(f, "no %s=%s on the kernel command line: until the cpuidle sysfs writes happen at runtime, every "
		     "cpu may enter deeper states", key, val);
	finding_remedy(f, "add '%s=%s' to the kernel command line", key, val);
	f->needs_reboot = true;
	f->pending_reboot = ctx->host->has_staged && limit_on(&ctx->host->staged, key, val);
}

static int plan_idle_boot_limit(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	char key[32], val[32], drv[32];
	struct boot_param b = { .key = key, .value = val };
	long max;

	if (profile_long(ctx->prof, PK_MAX_IDLE_LATENCY_US, &max) < 0 ||
	    boot_limit_want(ctx->sr, ctx->prof, max, key, sizeof(key), val, sizeof(val), drv, sizeof(drv)) < 0)
		return 0;
	return plan_boot_params(ctx, f, p, &b, 1);
}

const struct check check_cpu_idle_boot_limit = {
	.id = "cpu.idle_boot_limit",
	.area = AREA_CPU,
	.title = "C-states limited on the kernel command line too (every cpu, from early boot)",
	.reads = CPU_DIR "/cpuidle/current_driver " CPU_DIR "/cpuN/cpuidle/stateK/{name,latency} /proc/cmdline",
	.keys = KEYS(PK_IDLE_BOOT_LIMIT, PK_MAX_IDLE_LATENCY_US, PK_ISOLATED_CORES),
	.flags = CF_BOOT,
	.run = run_cpu_idle_boot_limit,
	.plan = plan_idle_boot_limit,
};

/* ---- cpu.tsc ---- */

/*
 * Why the kernel does not trust the TSC, or NULL: tsc=unstable on its command line (any occurrence: the
 * kernel marks it unstable whatever else the line says), or "tsc" missing from the clocksources it offers
 * (the watchdog marked it unstable at boot).
 */
static const char *tsc_distrusted(const struct check_ctx *ctx, char *avail, size_t size)
{
	static char why[400];
	const struct cmdline *cl = &ctx->host->cmdline;

	for (size_t i = 0; i < cl->n; i++)
		if (!strcmp(cl->args[i].key, "tsc") && cl->args[i].value && !strcmp(cl->args[i].value, "unstable"))
			return "the kernel was told tsc=unstable on its command line";
	if (sysroot_read_str(ctx->sr, CLOCKSOURCE_DIR "/available_clocksource", avail, size) == 0) {
		char copy[128], *save = NULL;

		char words[256];

		snprintf(words, sizeof(words), "%s", avail);
		for (char *w = strtok_r(words, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
			if (!strcmp(w, "tsc"))
				return NULL;
		check_printable(trim(avail), copy, sizeof(copy));
		snprintf(why, sizeof(why), "the kernel does not offer tsc as a clocksource (available: '%s'): it marked it "
			 "unstable", copy);
		return why;
	}
	return NULL;
}

static void run_cpu_tsc(const struct check_ctx *ctx, struct finding *f)
{
	const struct host *h = ctx->host;
	unsigned fl = h->cpu_flags;
	struct strbuf seen = { 0 };
	const char *why;
	char avail[256];
	bool want;

	if (profile_bool(ctx->prof, PK_INVARIANT_TSC, &want) < 0 || !want) {
		finding_skip(f, "profile does not ask for [cpu] invariant_tsc");
		return;
	}
	if (!strcmp(h->cpu_flags_source, "unknown") || !fl) {
		finding_skip(f, "cpu flags unknown ('/proc/cpuinfo' unreadable or without x86 flags)");
		return;
	}
	for (int b = 0; b < CPU_FLAG_COUNT; b++)
		if ((fl & (1u << b)) && (1u << b) & (CPUF_CONSTANT_TSC | CPUF_NONSTOP_TSC | CPUF_TSC_RELIABLE |
						      CPUF_TSC_KNOWN_FREQ | CPUF_INVTSC_CPUID))
			strbuf_addf(&seen, " %s", cpu_flag_names[b]);
	finding_expected(f, "constant_tsc and nonstop_tsc (invariant TSC), and the kernel trusting it");
	/* The kernel's judgement wins over the CPU's word: an unstable TSC is no clock to stamp with. */
	if ((why = tsc_distrusted(ctx, avail, sizeof(avail)))) {
		finding_fail(f, "%s; the CPU says:%s (from %s)", why, seen.len ? seen.s : " none", h->cpu_flags_source);
		finding_remedy(f, "the kernel's word stands: on bare metal, remove tsc=unstable from the kernel command line, "
			       "or find why the clocksource watchdog distrusted the TSC (dmesg: 'Marking TSC unstable'); in a "
			       "VM, a host that exposes a stable invariant TSC (profile: [cpu] invariant_tsc)");
	} else if ((fl & CPUF_CONSTANT_TSC && fl & CPUF_NONSTOP_TSC) || fl & CPUF_INVTSC_CPUID) {
		finding_pass(f, "invariant TSC:%s (from %s)", seen.s, h->cpu_flags_source);
	} else {
		finding_fail(f, "no invariant TSC: missing%s%s; has:%s (from %s)",
			     fl & CPUF_CONSTANT_TSC ? "" : " constant_tsc", fl & CPUF_NONSTOP_TSC ? "" : " nonstop_tsc",
			     seen.len ? seen.s : " none", h->cpu_flags_source);
		finding_remedy(f, "none in the OS: use a CPU with an invariant TSC; in a VM expose it (QEMU/libvirt: "
			       "-cpu host,+invtsc) (profile: [cpu] invariant_tsc)");
	}
	strbuf_free(&seen);
}

const struct check check_cpu_tsc = {
	.keys = KEYS(PK_INVARIANT_TSC),
	.id = "cpu.tsc",
	.area = AREA_CPU,
	.title = "invariant TSC",
	.reads = "/proc/cpuinfo (flags), CPUID 0x80000007 on a live host, /proc/cmdline (tsc=), "
		 CLOCKSOURCE_DIR "/available_clocksource",
	.run = run_cpu_tsc,
};

/* ---- cpu.clocksource ---- */

#define CUR_CS CLOCKSOURCE_DIR "/current_clocksource"
#define AVAIL_CS CLOCKSOURCE_DIR "/available_clocksource"

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = strstr(list, word); p; p = strstr(p + 1, word))
		if ((p == list || isspace((unsigned char)p[-1])) && (!p[n] || isspace((unsigned char)p[n])))
			return true;
	return false;
}

static void run_cpu_clocksource(const struct check_ctx *ctx, struct finding *f)
{
	const char *want = check_wanted(ctx, f, PK_CLOCKSOURCE), *boot;
	char cur[64], avail[512], shown_avail[128], param[64];
	int rc;

	if (!want)
		return;
	rc = check_read_word(ctx->sr, CUR_CS, cur, sizeof(cur));
	if (rc < 0) {
		finding_skip_bad(f, ctx->sr, CUR_CS, rc);
		return;
	}
	if (sysroot_read_str(ctx->sr, AVAIL_CS, avail, sizeof(avail)) < 0)
		avail[0] = '\0';
	check_printable(avail, shown_avail, sizeof(shown_avail));
	finding_expected(f, "'current_clocksource' = '%s'", want);
	if (!strcmp(cur, want)) {
		finding_pass(f, "'current_clocksource' = '%s' (available: '%s')", cur, shown_avail);
		return;
	}
	finding_fail(f, "'current_clocksource' = '%s' (available: '%s')", cur, shown_avail);
	snprintf(param, sizeof(param), "clocksource=%s%s", want, strcmp(want, "tsc") ? "" : " tsc=reliable");
	if (avail[0] && !has_word(avail, want)) {
		/* The kernel dropped it (tsc marked unstable by the watchdog): only a boot can bring it back. */
		finding_remedy(f, "'%s' is not available now: add '%s' to the kernel command line",
			       want, param);
		f->needs_reboot = true;
		boot = ctx->host->has_staged ? cmdline_get(&ctx->host->staged, "clocksource") : NULL;
		if (boot && !strcmp(boot, want))
			f->pending_reboot = true;
		return;
	}
	finding_remedy(f, "echo %s > " CUR_CS " (profile: [cpu] clocksource); to keep it at boot add '%s' to the kernel "
		       "command line", want, param);
}

static int plan_clocksource(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_CLOCKSOURCE);
	char avail[512];

	struct boot_param b[2] = { { .key = "clocksource", .value = want }, { .key = "tsc", .value = "reliable" } };
	bool now;

	if (!want)
		return 0;
	/* The kernel only switches to a clocksource it still trusts; tsc marked unstable needs a reboot. */
	now = sysroot_read_str(ctx->sr, "/sys/devices/system/clocksource/clocksource0/available_clocksource", avail,
			       sizeof(avail)) == 0 &&
	      has_word(avail, want);
	if (now)
		tune_value(ctx, p, f->check->id, "/sys/devices/system/clocksource/clocksource0/current_clocksource", want);
	if (tune_boot_params(ctx, p, f->check->id, b, strcmp(want, "tsc") ? 1 : 2) == -ENOENT && !now)
		plan_add_manual(p, f, "the clocksource is not available now and no boot loader tool is found on this root");
	return 0;
}

const struct check check_cpu_clocksource = {
	.keys = KEYS(PK_CLOCKSOURCE),
	.flags = CF_RUNTIME | CF_BOOT,
	.id = "cpu.clocksource",
	.area = AREA_CPU,
	.title = "current clocksource",
	.reads = CUR_CS " " AVAIL_CS,
	.run = run_cpu_clocksource, .plan = plan_clocksource,
};
