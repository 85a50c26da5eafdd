/* Kernel checks: jitter-causing sysctls, where watchdogs, workqueues and MCE polling run, and boot parameters. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "spikes.h"
#include "tuners.h"
#include "util.h"

#define SYSCTL_DIR "/proc/sys"
#define WATCHDOG SYSCTL_DIR "/kernel/watchdog"
#define NMI_WATCHDOG SYSCTL_DIR "/kernel/nmi_watchdog"
#define SOFT_WATCHDOG SYSCTL_DIR "/kernel/soft_watchdog"
#define WATCHDOG_CPUMASK SYSCTL_DIR "/kernel/watchdog_cpumask"
#define WORKQUEUE_MASK "/sys/devices/virtual/workqueue/cpumask"
#define MCE_DIR "/sys/devices/system/machinecheck"
/* A hex mask of CPUSET_MAX cpus: 2048 digits and a comma per 8. */
#define MASK_TEXT_MAX 2400
#define BOOT_STAGED "to the kernel command line"
#define SOFTNET_STAT "/proc/net/softnet_stat"
#define NET_SNMP "/proc/net/snmp"
#define NET_SNMP6 "/proc/net/snmp6"

/* ---- shared helpers ---- */

/* Hex mask as the kernel prints one: no leading zeros ("33", not "00000033"). */
static char *mask_text(const struct cpuset *s, char *buf, size_t size)
{
	size_t skip = 0;

	cpuset_format_mask(s, buf, size);
	while (buf[skip] == '0' && buf[skip + 1] && buf[skip + 1] != ',')
		skip++;
	memmove(buf, buf + skip, strlen(buf + skip) + 1);
	return buf;
}

/* A yes/no key: only "yes" is judged; unset, any and no leave the host alone. */
static bool wants_yes(const struct check_ctx *ctx, struct finding *f, enum profile_key k)
{
	char name[64];
	bool b;

	if (profile_bool(ctx->prof, k, &b) == 0 && b)
		return true;
	finding_skip(f, "profile does not ask for %s", profile_key_name(k, name, sizeof(name)));
	return false;
}

static bool no_isolation(const struct check_ctx *ctx, struct finding *f)
{
	if (!cpuset_empty(&ctx->prof->isolated))
		return false;
	finding_skip(f, "profile isolates no cpus ([cpu] isolated_cores)");
	return true;
}

static bool cmdline_known(const struct check_ctx *ctx, struct finding *f)
{
	if (ctx->host->cmdline_raw)
		return true;
	finding_skip(f, "cannot read '/proc/cmdline'");
	return false;
}

/* A boot parameter the running kernel lacks: fail, fixed at the next boot, maybe already staged. */
static void boot_fail(const struct check_ctx *ctx, struct finding *f, bool (*ok)(const struct cmdline *, const void *),
		      const void *arg, const char *param)
{
	f->needs_reboot = true;
	f->pending_reboot = ctx->host->has_staged && ok(&ctx->host->staged, arg);
	finding_remedy(f, "add '%s' " BOOT_STAGED, param);
}

/* A knob that is one kernel command line parameter: staged for the next boot. */
static int plan_one_param(const struct tune_ctx *ctx, const struct finding *f, struct plan *p, const char *key,
			  const char *value)
{
	struct boot_param b = { .key = key, .value = value };

	return plan_boot_params(ctx, f, p, &b, 1);
}

/* ---- sysctls: one table row per knob, one judge for all of them ---- */

enum knob_cmp {
	CMP_EQUAL,
	CMP_AT_LEAST,		/* larger is as good: a slower housekeeping timer */
	CMP_AT_LEAST_OR_OFF,	/* larger or 0 (the knob's "never") */
};

struct knob {
	const char *name;	/* "kernel.timer_migration": under /proc/sys with the dots as slashes */
	enum profile_key key;
	enum knob_cmp cmp;
	const char *absent;	/* the kernel option without which the file is missing; NULL: a plain read error */
	const char *anchors;	/* where the anchor tools disagree on it, NULL when they agree */
};

static void knob_path(const struct knob *k, char *buf, size_t size)
{
	tune_sysctl_path(k->name, buf, size);
}

static bool knob_ok(const struct knob *k, long have, long want)
{
	if (k->cmp == CMP_EQUAL || (k->cmp == CMP_AT_LEAST_OR_OFF && want == 0))
		return have == want;
	if (k->cmp == CMP_AT_LEAST_OR_OFF && have == 0)
		return true;
	return have >= want;
}

static void knob_expect(struct strbuf *sb, const struct knob *k, long want)
{
	const char *sep = sb->len ? ", " : "";

	if (k->cmp == CMP_EQUAL || want == 0)
		strbuf_addf(sb, "%s'%s' = '%ld'", sep, k->name, want);
	else if (k->cmp == CMP_AT_LEAST)
		strbuf_addf(sb, "%s'%s' >= '%ld'", sep, k->name, want);
	else
		strbuf_addf(sb, "%s'%s' >= '%ld' or '0' (off)", sep, k->name, want);
}

/* Reads one knob; false leaves a skip on f (a missing file says which kernel option it needs). */
static bool knob_read(const struct check_ctx *ctx, struct finding *f, const struct knob *k, long *have)
{
	char path[128];
	int rc;

	knob_path(k, path, sizeof(path));
	rc = sysroot_read_long(ctx->sr, path, have);
	if (rc == -ENOENT && k->absent)
		finding_skip(f, "'%s' absent: kernel built without %s", path, k->absent);
	else if (rc)
		finding_skip_bad(f, ctx->sr, path, rc);
	return rc == 0;
}

/*
 * Every knob the profile asks for, against the kernel. A wrong value fails even when
 * another knob is unreadable; unreadable ones otherwise skip.
 */
static void judge_sysctls(const struct check_ctx *ctx, struct finding *f, const struct knob *knobs, size_t n)
{
	struct strbuf seen = { 0 }, want = { 0 }, fix = { 0 }, keys = { 0 }, unasked = { 0 };
	size_t asked = 0, bad = 0, unknown = 0;
	char name[64];

	for (size_t i = 0; i < n; i++) {
		const struct knob *k = &knobs[i];
		long w, have;

		profile_key_name(k->key, name, sizeof(name));
		if (profile_long(ctx->prof, k->key, &w) < 0) {
			strbuf_addf(&unasked, "%s%s", unasked.len ? " or " : "", name);
			continue;
		}
		asked++;
		knob_expect(&want, k, w);
		if (!knob_read(ctx, f, k, &have)) {
			unknown++;
			continue;
		}
		strbuf_addf(&seen, "%s'%s' = '%ld'", seen.len ? ", " : "", k->name, have);
		if (!knob_ok(k, have, w)) {
			bad++;
			strbuf_addf(&fix, " %s=%ld", k->name, w);
			strbuf_addf(&keys, "%s%s = %ld", keys.len ? ", " : "", name, w);
		}
	}
	if (!asked) {
		finding_skip(f, "profile does not ask for %s", unasked.s);
	} else if (bad) {
		finding_fail(f, "%s", seen.s);
		finding_remedy(f, "sysctl -w%s (profile: %s)", fix.s, keys.s);
	} else if (!unknown) {
		finding_pass(f, "%s", seen.s);
	}
	if (asked)
		finding_expected(f, "%s", want.s);
	for (size_t i = 0; asked && i < n; i++)
		if (knobs[i].anchors && profile_wants(ctx->prof, knobs[i].key))
			finding_anchors(f, knobs[i].anchors);
	strbuf_free(&seen);
	strbuf_free(&want);
	strbuf_free(&fix);
	strbuf_free(&keys);
	strbuf_free(&unasked);
}

/* The knobs whose value is wrong, each set with `sysctl -w`; a missing file leaves a manual row. Each file is
 * read once here (it was read again to plan the write). */
static int plan_sysctls(const struct tune_ctx *ctx, const struct finding *f, struct plan *p, const struct knob *knobs,
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct knob *k = &knobs[i];
		char path[128], want[32], now[SYSROOT_SMALL];
		long w, have;
		int rc;

		if (profile_long(ctx->prof, k->key, &w) < 0)
			continue;
		knob_path(k, path, sizeof(path));
		rc = sysroot_read_str(ctx->sr, path, now, sizeof(now));
		if (rc == -ENOENT) {
			plan_add_manual(p, f, NULL);
			return 0;
		}
		if (rc < 0 || (parse_long(now, &have) == 0 && knob_ok(k, have, w)))
			continue;
		snprintf(want, sizeof(want), "%ld", w);
		tune_sysctl_now(p, f->check->id, k->name, now, want);
	}
	return 0;
}

#define KNOB_COUNT(sym) (sizeof(sym##_knobs) / sizeof(sym##_knobs[0]))
#define SYSCTL_CHECK(sym, check_id, what, files, keys_, ...)                                     \
	static const struct knob sym##_knobs[] = { __VA_ARGS__ };                                \
	static void run_##sym(const struct check_ctx *ctx, struct finding *f)                    \
	{                                                                                        \
		judge_sysctls(ctx, f, sym##_knobs, KNOB_COUNT(sym));                             \
	}                                                                                        \
	static int plan_##sym(const struct tune_ctx *ctx, const struct finding *f, struct plan *p) \
	{                                                                                        \
		return plan_sysctls(ctx, f, p, sym##_knobs, KNOB_COUNT(sym));                    \
	}                                                                                        \
	const struct check check_##sym = {                                                       \
		.id = check_id, .area = AREA_KERNEL, .title = what, .reads = files, .keys = keys_, \
		.flags = CF_RUNTIME, .run = run_##sym, .plan = plan_##sym,                        \
	};

SYSCTL_CHECK(kernel_timer_migration, "kernel.timer_migration", "timers stay on the cpu that armed them",
	     SYSCTL_DIR "/kernel/timer_migration", KEYS(PK_TIMER_MIGRATION),
	     { "kernel.timer_migration", PK_TIMER_MIGRATION, CMP_EQUAL, NULL,
	       "TuneD cpu-partitioning sets 0, so no timer migrates onto an isolated core; OpenShift's "
	       "PerformanceProfile keeps 1, so idle cpus' timers move to busy housekeeping ones" })

SYSCTL_CHECK(kernel_sched_rt_runtime, "kernel.sched_rt_runtime", "real-time throttling as the profile wants",
	     SYSCTL_DIR "/kernel/sched_rt_runtime_us", KEYS(PK_SCHED_RT_RUNTIME_US),
	     { "kernel.sched_rt_runtime_us", PK_SCHED_RT_RUNTIME_US, CMP_EQUAL, NULL, NULL })

/* vmstat refresh runs every stat_interval seconds on each cpu with dirty counters: rarer is better. */
SYSCTL_CHECK(kernel_stat_interval, "kernel.stat_interval", "vmstat refresh no more often than the profile allows",
	     SYSCTL_DIR "/vm/stat_interval", KEYS(PK_STAT_INTERVAL),
	     { "vm.stat_interval", PK_STAT_INTERVAL, CMP_AT_LEAST, NULL, NULL })

/* khungtaskd wakes every timeout seconds and walks every task: rarer or never is better. */
SYSCTL_CHECK(kernel_hung_task, "kernel.hung_task", "hung-task scans no more often than the profile allows",
	     SYSCTL_DIR "/kernel/hung_task_timeout_secs", KEYS(PK_HUNG_TASK_TIMEOUT),
	     { "kernel.hung_task_timeout_secs", PK_HUNG_TASK_TIMEOUT, CMP_AT_LEAST_OR_OFF, "CONFIG_DETECT_HUNG_TASK", NULL })

SYSCTL_CHECK(kernel_busy_poll, "kernel.busy_poll", "socket busy polling as the profile wants",
	     SYSCTL_DIR "/net/core/busy_read " SYSCTL_DIR "/net/core/busy_poll", KEYS(PK_BUSY_READ, PK_BUSY_POLL),
	     { "net.core.busy_read", PK_BUSY_READ, CMP_EQUAL, NULL, NULL },
	     { "net.core.busy_poll", PK_BUSY_POLL, CMP_EQUAL, NULL, NULL })

/* ---- kernel.watchdog ---- */

struct watchdog {
	long wd, nmi, soft;	/* nmi/soft are 0 when the kernel lacks that detector */
	bool off;
	char seen[192];
};

/* A missing detector file means the kernel lacks that detector: it counts as off. */
static int read_detector(const struct check_ctx *ctx, struct finding *f, const char *path, long *out, char *text,
			 size_t size)
{
	int rc = sysroot_read_long(ctx->sr, path, out);

	if (rc == -ENOENT) {
		*out = 0;
		snprintf(text, size, "absent");	/* said as "'kernel.nmi_watchdog' absent" */
		return 0;
	}
	if (rc)
		finding_skip_bad(f, ctx->sr, path, rc);
	snprintf(text, size, "= '%ld'", *out);
	return rc;
}

static bool watchdog_read(const struct check_ctx *ctx, struct finding *f, struct watchdog *w)
{
	int rc = sysroot_read_long(ctx->sr, WATCHDOG, &w->wd);
	char nmi[32], soft[32];

	if (rc == -ENOENT) {
		finding_skip(f, "'%s' absent: kernel built without CONFIG_LOCKUP_DETECTOR", WATCHDOG);
		return false;
	}
	if (rc) {
		finding_skip_bad(f, ctx->sr, WATCHDOG, rc);
		return false;
	}
	if (read_detector(ctx, f, NMI_WATCHDOG, &w->nmi, nmi, sizeof(nmi)) ||
	    read_detector(ctx, f, SOFT_WATCHDOG, &w->soft, soft, sizeof(soft)))
		return false;
	/* kernel.watchdog = 0 stops both detectors whatever the other two say. */
	w->off = w->wd == 0 || (w->nmi == 0 && w->soft == 0);
	snprintf(w->seen, sizeof(w->seen), "'kernel.watchdog' = '%ld', 'kernel.nmi_watchdog' %s, 'kernel.soft_watchdog' %s",
		 w->wd, nmi, soft);
	return true;
}

#define WATCHDOG_OFF "sysctl -w kernel.nmi_watchdog=0 kernel.watchdog=0"
#define WATCHDOG_BOOT "at boot: add 'nowatchdog nmi_watchdog=0' " BOOT_STAGED

/* housekeeping: the detectors may run, but only where watchdog_cpumask keeps them off the isolated cores. */
static void watchdog_housekeeping(const struct check_ctx *ctx, struct finding *f, const struct watchdog *w)
{
	char seen[96], hit[96], *hk;
	struct cpuset mask, bad;
	int rc = sysroot_read_cpuset(ctx->sr, WATCHDOG_CPUMASK, &mask);

	if (rc) {
		finding_skip_bad(f, ctx->sr, WATCHDOG_CPUMASK, rc);
		return;
	}
	cpuset_format(&mask, seen, sizeof(seen));
	cpuset_and(&bad, &mask, &ctx->prof->isolated);
	if (cpuset_empty(&bad)) {
		finding_pass(f, "%s, 'kernel.watchdog_cpumask' = '%s'", w->seen, seen);
		return;
	}
	finding_fail(f, "lockup detectors run on isolated cores %s: %s, 'kernel.watchdog_cpumask' = '%s'",
		     cpuset_format(&bad, hit, sizeof(hit)), w->seen, seen);
	hk = cpuset_text(&ctx->prof->housekeeping);
	finding_remedy(f, "sysctl -w kernel.watchdog_cpumask=%s (profile: [kernel] watchdog = housekeeping); "
		       "or turn them off: " WATCHDOG_OFF "; " WATCHDOG_BOOT, hk);
	free(hk);
}

static void run_kernel_watchdog(const struct check_ctx *ctx, struct finding *f)
{
	const char *want = profile_str(ctx->prof, PK_WATCHDOG);
	struct watchdog w;

	if (!want) {
		finding_skip(f, "profile does not ask for [kernel] watchdog");
		return;
	}
	if (!strcmp(want, "housekeeping") && no_isolation(ctx, f))
		return;
	if (!watchdog_read(ctx, f, &w))
		return;
	if (!strcmp(want, "on")) {
		finding_expected(f, "'kernel.watchdog' = '1' with a lockup detector on");
		if (!w.off) {
			finding_pass(f, "%s", w.seen);
			return;
		}
		finding_fail(f, "lockup detectors off: %s", w.seen);
		finding_remedy(f, "sysctl -w kernel.watchdog=1 kernel.nmi_watchdog=1 kernel.soft_watchdog=1 (profile: [kernel] watchdog = on)");
		return;
	}
	if (!strcmp(want, "off"))
		finding_expected(f, "'kernel.nmi_watchdog' = '0', 'kernel.watchdog' = '0'");
	else
		finding_expected(f, "lockup detectors off, or 'kernel.watchdog_cpumask' within housekeeping cores");
	if (w.off) {
		finding_pass(f, "lockup detectors off: %s", w.seen);
		return;
	}
	if (!strcmp(want, "housekeeping")) {
		watchdog_housekeeping(ctx, f, &w);
		return;
	}
	finding_fail(f, "lockup detectors on: %s", w.seen);
	finding_remedy(f, WATCHDOG_OFF " (profile: [kernel] watchdog = off); " WATCHDOG_BOOT);
}

/* A cpu list or mask file compared as a set, written in the file's own form. */
static int tune_cpus(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *target,
		     const char *path, const struct cpuset *want, bool mask, const char *shell_fmt)
{
	char text[CPUSET_TEXT_MAX], next[CPUSET_TEXT_MAX];
	struct cpuset now;
	struct change *c;
	int rc = sysroot_read_str(ctx->sr, path, text, sizeof(text));

	if (rc == -ENODATA)
		text[0] = '\0';
	else if (rc < 0)
		return rc;
	if ((mask ? cpuset_parse_mask(&now, text) : cpuset_parse(&now, text)) == 0 && cpuset_equal(&now, want))
		return 0;
	if (mask)
		cpuset_format_mask(want, next, sizeof(next));
	else
		cpuset_format(want, next, sizeof(next));
	c = plan_add(p, check, CK_WRITE, target, path, text, next);
	if (c) {
		change_set(&c->shell, shell_fmt, next);
		tune_guard_cpus(ctx, c);
	}
	return 1;
}

static int plan_watchdog(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_WATCHDOG);

	if (!want)
		return 0;
	if (!strcmp(want, "off")) {
		struct boot_param b[2] = { { .key = "nowatchdog" }, { .key = "nmi_watchdog", .value = "0" } };

		tune_sysctl(ctx, p, f->check->id, "kernel.watchdog", "0");
		tune_sysctl(ctx, p, f->check->id, "kernel.nmi_watchdog", "0");
		/* And from the next boot on, where a boot loader tool is found. */
		tune_boot_params(ctx, p, f->check->id, b, 2);
		return 0;
	}
	tune_sysctl(ctx, p, f->check->id, "kernel.watchdog", "1");
	if (!strcmp(want, "housekeeping") && !cpuset_empty(&ctx->prof->housekeeping))
		tune_cpus(ctx, p, f->check->id, "kernel.watchdog_cpumask", "/proc/sys/kernel/watchdog_cpumask",
			  &ctx->prof->housekeeping, false, "sysctl -w kernel.watchdog_cpumask=%s");
	return 0;
}

const struct check check_kernel_watchdog = {
	.keys = KEYS(PK_WATCHDOG, PK_HOUSEKEEPING_CORES),
	.flags = CF_RUNTIME | CF_BOOT,
	.id = "kernel.watchdog",
	.area = AREA_KERNEL,
	.title = "lockup detectors off, or kept off the isolated cores",
	.reads = WATCHDOG " " NMI_WATCHDOG " " SOFT_WATCHDOG " " WATCHDOG_CPUMASK,
	.run = run_kernel_watchdog, .plan = plan_watchdog,
};

/* ---- kernel.workqueue ---- */

static void run_kernel_workqueue(const struct check_ctx *ctx, struct finding *f)
{
	char seen[MASK_TEXT_MAX], list[96], hit[96], hk[MASK_TEXT_MAX];
	struct cpuset mask, bad;
	int rc;

	if (!wants_yes(ctx, f, PK_WORKQUEUE_HOUSEKEEPING) || no_isolation(ctx, f))
		return;
	rc = sysroot_read_mask(ctx->sr, WORKQUEUE_MASK, &mask);
	if (rc) {
		finding_skip_bad(f, ctx->sr, WORKQUEUE_MASK, rc);
		return;
	}
	if (cpuset_empty(&mask)) {
		finding_skip(f, "'%s' names no cpu", WORKQUEUE_MASK);
		return;
	}
	mask_text(&mask, seen, sizeof(seen));
	cpuset_format(&mask, list, sizeof(list));
	mask_text(&ctx->prof->housekeeping, hk, sizeof(hk));
	finding_expected(f, "'%s' within housekeeping cores (mask %s), none of the isolated cores", WORKQUEUE_MASK, hk);
	cpuset_and(&bad, &mask, &ctx->prof->isolated);
	if (cpuset_empty(&bad)) {
		finding_pass(f, "'%s' = '%s' (cpus %s)", WORKQUEUE_MASK, seen, list);
		return;
	}
	finding_fail(f, "unbound workqueues may run on isolated cores %s: '%s' = '%s' (cpus %s)",
		     cpuset_format(&bad, hit, sizeof(hit)), WORKQUEUE_MASK, seen, list);
	finding_remedy(f, "echo %s > %s (profile: [kernel] workqueue_housekeeping = yes)", hk, WORKQUEUE_MASK);
}

static int plan_workqueue(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	static const char path[] = "/sys/devices/virtual/workqueue/cpumask";
	bool want;

	if (profile_bool(ctx->prof, PK_WORKQUEUE_HOUSEKEEPING, &want) < 0 || !want ||
	    cpuset_empty(&ctx->prof->housekeeping))
		return 0;
	if (tune_cpus(ctx, p, f->check->id, path, path, &ctx->prof->housekeeping, true, "echo %s > " "/sys/devices/virtual/workqueue/cpumask") == -ENOENT)
		plan_add_manual(p, f, NULL);
	return 0;
}

const struct check check_kernel_workqueue = {
	.keys = KEYS(PK_WORKQUEUE_HOUSEKEEPING, PK_HOUSEKEEPING_CORES),
	.flags = CF_RUNTIME,
	.id = "kernel.workqueue",
	.area = AREA_KERNEL,
	.title = "unbound workqueues kept off the isolated cores",
	.reads = WORKQUEUE_MASK,
	.run = run_kernel_workqueue, .plan = plan_workqueue,
};

/* ---- kernel.mitigations ---- */

static bool mitigations_are(const struct cmdline *cl, const void *want)
{
	const char *v = cmdline_get(cl, "mitigations");

	return !strcmp(v ? v : "auto", want);
}

static void run_kernel_mitigations(const struct check_ctx *ctx, struct finding *f)
{
	const char *want = profile_str(ctx->prof, PK_MITIGATIONS), *have;
	char param[64];

	if (!want) {
		finding_skip(f, "profile does not ask for [kernel] mitigations");
		return;
	}
	if (!cmdline_known(ctx, f))
		return;
	have = cmdline_get(&ctx->host->cmdline, "mitigations");
	finding_expected(f, "mitigations=%s", want);
	if (mitigations_are(&ctx->host->cmdline, want)) {
		if (have)
			finding_pass(f, "mitigations='%s'", have);
		else
			finding_pass(f, "no mitigations= on the kernel command line (the kernel default: auto)");
		return;
	}
	if (have)
		finding_fail(f, "mitigations='%s'", have);
	else
		finding_fail(f, "no mitigations= on the kernel command line (the kernel default: auto)");
	snprintf(param, sizeof(param), "mitigations=%s", want);
	boot_fail(ctx, f, mitigations_are, want, param);
}

static int plan_mitigations(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *v = profile_str(ctx->prof, PK_MITIGATIONS);

	return v ? plan_one_param(ctx, f, p, "mitigations", v) : 0;
}

const struct check check_kernel_mitigations = {
	.keys = KEYS(PK_MITIGATIONS),
	.flags = CF_BOOT,
	.id = "kernel.mitigations",
	.area = AREA_KERNEL,
	.title = "CPU vulnerability mitigations as the profile wants",
	.reads = "/proc/cmdline",
	.run = run_kernel_mitigations,
	.plan = plan_mitigations,
};

/* ---- kernel.skew_tick ---- */

/* The kernel reads skew_tick= as an integer; a bare flag or 0 leaves the ticks aligned. */
static bool skew_tick_on(const struct cmdline *cl, const void *unused)
{
	const char *v = cmdline_get(cl, "skew_tick");
	long n;

	(void)unused;
	return v && parse_long(v, &n) == 0 && n != 0;
}

static void run_kernel_skew_tick(const struct check_ctx *ctx, struct finding *f)
{
	const char *v;

	if (!wants_yes(ctx, f, PK_SKEW_TICK) || !cmdline_known(ctx, f))
		return;
	v = cmdline_get(&ctx->host->cmdline, "skew_tick");
	finding_expected(f, "skew_tick=1");
	if (skew_tick_on(&ctx->host->cmdline, NULL)) {
		finding_pass(f, "skew_tick='%s'", v);
		return;
	}
	if (v)
		finding_fail(f, "skew_tick='%s'", v);
	else
		finding_fail(f, "no skew_tick= on the kernel command line");
	boot_fail(ctx, f, skew_tick_on, NULL, "skew_tick=1");
}

static int plan_skew_tick(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	return plan_one_param(ctx, f, p, "skew_tick", "1");
}

const struct check check_kernel_skew_tick = {
	.keys = KEYS(PK_SKEW_TICK),
	.flags = CF_BOOT,
	.id = "kernel.skew_tick",
	.area = AREA_KERNEL,
	.title = "per-cpu ticks skewed apart (skew_tick=1)",
	.reads = "/proc/cmdline",
	.run = run_kernel_skew_tick,
	.plan = plan_skew_tick,
};

/* ---- kernel.nosoftlockup ---- */

static void run_kernel_nosoftlockup(const struct check_ctx *ctx, struct finding *f)
{
	const struct host *h = ctx->host;
	long soft;
	int rc;

	if (!wants_yes(ctx, f, PK_NOSOFTLOCKUP))
		return;
	finding_expected(f, "nosoftlockup on the kernel command line");
	if (h->cmdline_raw && cmdline_has(&h->cmdline, "nosoftlockup")) {
		finding_pass(f, "nosoftlockup on the kernel command line");
		return;
	}
	/* Off at runtime is as quiet until the next boot. */
	rc = sysroot_read_long(ctx->sr, SOFT_WATCHDOG, &soft);
	if (rc == 0 && soft == 0) {
		finding_pass(f, "soft lockup detector off at runtime ('kernel.soft_watchdog' = '0'), "
			     "not by nosoftlockup on the kernel command line");
		return;
	}
	if (rc && rc != -ENOENT) {
		finding_skip_bad(f, ctx->sr, SOFT_WATCHDOG, rc);
		return;
	}
	if (!cmdline_known(ctx, f))
		return;
	if (rc)
		finding_fail(f, "no nosoftlockup on the kernel command line");
	else
		finding_fail(f, "no nosoftlockup on the kernel command line, 'kernel.soft_watchdog' = '%ld'", soft);
	f->needs_reboot = true;
	f->pending_reboot = h->has_staged && cmdline_has(&h->staged, "nosoftlockup");
	finding_remedy(f, "add 'nosoftlockup' " BOOT_STAGED "; until then: sysctl -w kernel.soft_watchdog=0");
}

static int plan_nosoftlockup(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	return plan_one_param(ctx, f, p, "nosoftlockup", "");
}

const struct check check_kernel_nosoftlockup = {
	.keys = KEYS(PK_NOSOFTLOCKUP),
	.flags = CF_BOOT,
	.id = "kernel.nosoftlockup",
	.area = AREA_KERNEL,
	.title = "soft lockup detector off (nosoftlockup)",
	.reads = "/proc/cmdline " SOFT_WATCHDOG,
	.run = run_kernel_nosoftlockup,
	.plan = plan_nosoftlockup,
};

/* ---- kernel.mce ---- */

/* mce= takes one option per parameter and may be repeated: any "mce=ignore_ce" counts. */
static bool mce_ignore_ce(const struct cmdline *cl, const void *unused)
{
	(void)unused;
	for (size_t i = 0; i < cl->n; i++)
		if (!strcmp(cl->args[i].key, "mce") && cl->args[i].value && !strcmp(cl->args[i].value, "ignore_ce"))
			return true;
	return false;
}

struct mce_scan {
	struct cpuset seen, bad;
	char first[96];		/* a path, for messages and the remedy */
};

/* The isolated cpus' files (every present cpu without isolation); false leaves a skip on f. */
static bool mce_read(const struct check_ctx *ctx, struct finding *f, const struct cpuset *cpus, struct mce_scan *s)
{
	char path[96];
	int cpu, rc;
	long v;

	cpuset_zero(&s->seen);
	cpuset_zero(&s->bad);
	s->first[0] = '\0';
	cpuset_for_each(cpu, cpus) {
		snprintf(path, sizeof(path), MCE_DIR "/machinecheck%d/ignore_ce", cpu);
		if (!s->first[0])
			snprintf(s->first, sizeof(s->first), "%s", path);
		rc = sysroot_read_long(ctx->sr, path, &v);
		if (rc == -ENOENT)
			continue;	/* an offline cpu has no machinecheck device */
		if (rc) {
			finding_skip_bad(f, ctx->sr, path, rc);
			return false;
		}
		cpuset_set(&s->seen, cpu);
		if (v != 1) {
			if (cpuset_empty(&s->bad))
				snprintf(s->first, sizeof(s->first), "%s", path);
			cpuset_set(&s->bad, cpu);
		}
	}
	if (cpuset_empty(&s->seen)) {
		finding_skip_read(f, s->first[0] ? s->first : MCE_DIR, -ENOENT);
		return false;
	}
	return true;
}

static void run_kernel_mce(const struct check_ctx *ctx, struct finding *f)
{
	const struct cpuset *cpus = &ctx->prof->isolated;
	struct mce_scan s;
	char seen[96], bad[96];

	if (!wants_yes(ctx, f, PK_MCE_IGNORE_CE))
		return;
	finding_expected(f, "'ignore_ce' = '1' on the isolated cores, or mce=ignore_ce on the kernel command line");
	finding_anchors(f, "TuneD's realtime profiles use mce=ignore_ce (no corrected-error polling timer, errors still "
			   "reported); some trading guides use mce=off (no machine-check handling: a real error goes unseen), "
			   "which tickready does not stage");
	if (ctx->host->cmdline_raw && mce_ignore_ce(&ctx->host->cmdline, NULL)) {
		finding_pass(f, "mce=ignore_ce on the kernel command line");
		return;
	}
	if (!sysroot_is_dir(ctx->sr, MCE_DIR)) {
		finding_skip(f, "no '%s': no machine-check devices (not x86, or a VM without them)", MCE_DIR);
		return;
	}
	if (cpuset_empty(cpus))
		cpus = &ctx->host->present;
	if (!mce_read(ctx, f, cpus, &s))
		return;
	cpuset_format(&s.seen, seen, sizeof(seen));
	if (cpuset_empty(&s.bad)) {
		finding_pass(f, "'ignore_ce' = '1' on cpus %s", seen);
		return;
	}
	finding_fail(f, "corrected machine-check polling on cpus %s ('%s' = '0')", cpuset_format(&s.bad, bad, sizeof(bad)),
		     s.first);
	/* The write works now, no reboot needed; a staged mce=ignore_ce is still a fix on its way. */
	f->pending_reboot = ctx->host->has_staged && mce_ignore_ce(&ctx->host->staged, NULL);
	/* ignore_ce is one global switch behind every machinecheckN: one write covers all cpus. */
	finding_remedy(f, "echo 1 > %s (profile: [kernel] mce_ignore_ce = yes); at boot: add 'mce=ignore_ce' " BOOT_STAGED,
		       s.first);
}

/* Corrected machine-check polling runs on every cpu; ignore_ce stops it (per machinecheck device). */
static int plan_mce(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	bool want;
	int cpu, found = 0;

	if (profile_bool(ctx->prof, PK_MCE_IGNORE_CE, &want) < 0)
		return 0;
	cpuset_for_each(cpu, &ctx->host->present) {
		char path[96];

		snprintf(path, sizeof(path), "/sys/devices/system/machinecheck/machinecheck%d/ignore_ce", cpu);
		if (tune_value(ctx, p, f->check->id, path, want ? "1" : "0") != -ENOENT)
			found++;
	}
	if (want && tune_cmdline(ctx, p, f->check->id, "mce", "ignore_ce", NULL) > 0)
		found++;
	if (!found)
		plan_add_manual(p, f, "no machinecheck ignore_ce file and no boot loader tool found on this root");
	return 0;
}

const struct check check_kernel_mce = {
	.keys = KEYS(PK_MCE_IGNORE_CE, PK_ISOLATED_CORES),
	.flags = CF_RUNTIME | CF_BOOT,
	.id = "kernel.mce",
	.area = AREA_KERNEL,
	.title = "no corrected machine-check polling on the isolated cores",
	.reads = "/proc/cmdline " MCE_DIR "/machinecheckN/ignore_ce",
	.run = run_kernel_mce, .plan = plan_mce,
};

/* ---- kernel.error_counters ---- */

/* Places named per kind in a finding; the rest are counted. */
#define COUNTER_PLACES 3

/* One kind's total since boot: summed, but a package's count is the same on each of its cpus, so its largest. */
struct counter_total {
	uint64_t total;
	unsigned places;
	char named[160];
};

static void total_add(struct counter_total *t, enum spike_kind kind, const char *where, uint64_t v)
{
	size_t len = strlen(t->named);

	if (!v)
		return;
	t->total = kind == SK_THROTTLE_PACKAGE ? (v > t->total ? v : t->total) : t->total + v;
	if (t->places++ < COUNTER_PLACES && where[0])
		snprintf(t->named + len, sizeof(t->named) - len, "%s%s", len ? ", " : "", where);
}

static void run_kernel_error_counters(const struct check_ctx *ctx, struct finding *f)
{
	const struct host *h = ctx->host;
	struct spike_nic *nics = xcalloc(h->nnics + 1, sizeof(*nics));
	struct counter_total totals[SK_COUNT] = { 0 };
	struct spike_sources src;
	struct spike_values vals = { 0 };
	char observed[1024] = "", remedy[1024] = "", smi[200] = "";
	size_t olen = 0, rlen = 0;

	for (size_t i = 0; i < h->nnics; i++)
		nics[i] = (struct spike_nic){ h->nics[i].name, h->nics[i].pci, nic_stats_driver(&h->nics[i]),
					      &h->nics[i] == ctx->prof->nic };
	spike_sources_find(ctx->sr, h->has_online ? &h->online : &h->present, nics, h->nnics, &src);
	free(nics);
	spike_sources_add_smi(ctx->sr, h->cpu_vendor, &ctx->prof->housekeeping, &src);
	if (src.smi_absent[0])
		snprintf(smi, sizeof(smi), "; no SMI count: %s", src.smi_absent);
	if (!src.n) {
		finding_skip(f, "none of the counters is here (thermal_throttle, EDAC, PCIe AER, the NIC's ethtool "
			     "statistics, " SOFTNET_STAT ", " NET_SNMP ")%s", smi);
		spike_sources_free(&src);
		return;
	}
	spike_read_all(ctx->sr, &src, &vals);
	for (size_t i = 0; i < vals.n; i++) {
		const struct spike_value *v = &vals.v[i];
		char where[80];

		if (v->cpu >= 0)
			snprintf(where, sizeof(where), "cpu %d", v->cpu);
		else
			snprintf(where, sizeof(where), "%s", src.src[v->src].where);
		total_add(&totals[v->kind], v->kind, where, v->value);
	}
	finding_expected(f, "no thermal throttling, memory or PCIe errors, dropped packets or SMIs since boot");
	for (int k = 0; k < SK_COUNT; k++) {
		const struct counter_total *t = &totals[k];

		if (!t->total)
			continue;
		olen += (size_t)snprintf(observed + olen, sizeof(observed) - olen, "%s'%s' = %llu%s%s%s", olen ? ", " : "",
					 spike_kinds[k].name, (unsigned long long)t->total, t->named[0] ? " (" : "", t->named,
					 t->named[0] ? (t->places > COUNTER_PLACES ? ", ...)" : ")") : "");
		if (olen >= sizeof(observed))
			olen = sizeof(observed) - 1;
		/* Kinds that share a fix (core and package throttling, UDP over v4 and v6) give it once. */
		if (!strstr(remedy, spike_kinds[k].fix)) {
			rlen += (size_t)snprintf(remedy + rlen, sizeof(remedy) - rlen, "%s%s: %s", rlen ? "; " : "",
						 spike_kinds[k].name, spike_kinds[k].fix);
			if (rlen >= sizeof(remedy))
				rlen = sizeof(remedy) - 1;
		}
	}
	if (olen) {
		finding_warn(f, "since boot: %s%s", observed, smi);
		finding_remedy(f, "%s", remedy);
	} else {
		finding_pass(f, "%zu counters since boot, all 0%s", vals.n, smi);
	}
	spike_values_free(&vals);
	spike_sources_free(&src);
}

const struct check check_kernel_error_counters = {
	.id = "kernel.error_counters",
	.area = AREA_KERNEL,
	.title = "no thermal throttling, memory or PCIe errors, packet drops or SMIs since boot",
	.reads = "/sys/devices/system/cpu/cpuN/thermal_throttle /sys/devices/system/edac/mc "
		 "/sys/bus/pci/devices/NIC/aer_dev_* " SOFTNET_STAT " " NET_SNMP " " NET_SNMP6
		 " ETHTOOL_GSTATS(NIC) /dev/cpu/N/msr(0x34, housekeeping N)",
	.run = run_kernel_error_counters,
};
