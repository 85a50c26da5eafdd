/* Kernel tuners: sysctls, the watchdog cpumask, unbound workqueues, machine-check polling. */
#include "tuners.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* One tuner per sysctl-backed check: the profile key and the sysctl it sets. */
#define SYSCTL_TUNER(name, check_id, key, sysctl)                                                              \
	static int plan_##name(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)           \
	{                                                                                                      \
		const char *want = profile_str(ctx->prof, key);                                                \
		if (want && tune_sysctl(ctx, p, f->check->id, sysctl, want) == -ENOENT)                        \
			plan_add_manual(p, f, NULL);                                                           \
		return 0;                                                                                      \
	}                                                                                                      \
	static const char *const name##_checks[] = { check_id, NULL };                                            \
	const struct tuner tuner_##name = { #name, name##_checks, plan_##name };

SYSCTL_TUNER(timer_migration, "kernel.timer_migration", PK_TIMER_MIGRATION, "kernel.timer_migration")
SYSCTL_TUNER(sched_rt, "kernel.sched_rt_runtime", PK_SCHED_RT_RUNTIME_US, "kernel.sched_rt_runtime_us")
SYSCTL_TUNER(stat_interval, "kernel.stat_interval", PK_STAT_INTERVAL, "vm.stat_interval")
SYSCTL_TUNER(hung_task, "kernel.hung_task", PK_HUNG_TASK_TIMEOUT, "kernel.hung_task_timeout_secs")

static int plan_busy_poll(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *read = profile_str(ctx->prof, PK_BUSY_READ), *poll = profile_str(ctx->prof, PK_BUSY_POLL);

	if (read)
		tune_sysctl(ctx, p, f->check->id, "net.core.busy_read", read);
	if (poll)
		tune_sysctl(ctx, p, f->check->id, "net.core.busy_poll", poll);
	return 0;
}

static const char *const busy_checks[] = { "kernel.busy_poll", NULL };
const struct tuner tuner_busy_poll = { "busy_poll", busy_checks, plan_busy_poll };

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
		tune_sysctl(ctx, p, f->check->id, "kernel.watchdog", "0");
		tune_sysctl(ctx, p, f->check->id, "kernel.nmi_watchdog", "0");
		return 0;
	}
	tune_sysctl(ctx, p, f->check->id, "kernel.watchdog", "1");
	if (!strcmp(want, "housekeeping") && !cpuset_empty(&ctx->prof->housekeeping))
		tune_cpus(ctx, p, f->check->id, "kernel.watchdog_cpumask", "/proc/sys/kernel/watchdog_cpumask",
			  &ctx->prof->housekeeping, false, "sysctl -w kernel.watchdog_cpumask=%s");
	return 0;
}

static const char *const watchdog_checks[] = { "kernel.watchdog", NULL };
const struct tuner tuner_watchdog = { "watchdog", watchdog_checks, plan_watchdog };

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

static const char *const workqueue_checks[] = { "kernel.workqueue", NULL };
const struct tuner tuner_workqueue = { "workqueue", workqueue_checks, plan_workqueue };

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
	if (!found)
		plan_add_manual(p, f, NULL);
	return 0;
}

static const char *const mce_checks[] = { "kernel.mce", NULL };
const struct tuner tuner_mce = { "mce", mce_checks, plan_mce };
