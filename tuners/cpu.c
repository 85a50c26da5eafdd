/* CPU tuners: cpufreq governor, turbo/boost, idle states on isolated cores, clocksource. */
#include "tuners.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

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

static const char *const governor_checks[] = { "cpu.governor", NULL };
const struct tuner tuner_governor = { "governor", governor_checks, plan_governor };

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

static const char *const turbo_checks[] = { "cpu.turbo", NULL };
const struct tuner tuner_turbo = { "turbo", turbo_checks, plan_turbo };

/*
 * [cpu] idle_boot_limit: the same limit for every cpu from early boot, read off the first isolated
 * cpu's states: the states after POLL no deeper than max stay (intel_idle.max_cstate=N, or
 * processor.max_cstate=N for acpi_idle); none left means idle=poll.
 */
static void plan_idle_boot_limit(const struct tune_ctx *ctx, const struct finding *f, struct plan *p, long max)
{
	char dir[128], path[192], name[32], drv[32], count[16];
	int cpu = cpuset_next(&ctx->prof->isolated, 0), first = 0, shallow = 0;
	bool on;
	long lat;

	if (profile_bool(ctx->prof, PK_IDLE_BOOT_LIMIT, &on) < 0 || !on || cpu < 0)
		return;
	if (sysroot_read_str(ctx->sr, "/sys/devices/system/cpu/cpuidle/current_driver", drv, sizeof(drv)) < 0 ||
	    (strcmp(drv, "intel_idle") && strcmp(drv, "acpi_idle"))) {
		plan_add_manual(p, f, NULL);	/* haltpoll, none: no command line limit to set */
		return;
	}
	snprintf(dir, sizeof(dir), "/sys/devices/system/cpu/cpu%d/cpuidle", cpu);
	snprintf(path, sizeof(path), "%s/state0/name", dir);
	if (sysroot_read_str(ctx->sr, path, name, sizeof(name)) == 0 && !strcmp(name, "POLL"))
		first = 1;
	for (int k = first;; k++) {
		snprintf(path, sizeof(path), "%s/state%d/latency", dir, k);
		if (sysroot_read_long(ctx->sr, path, &lat) < 0 || lat > max)
			break;
		shallow++;
	}
	if (!shallow) {
		tune_cmdline(ctx, p, f->check->id, "idle", "poll", NULL);
		return;
	}
	snprintf(count, sizeof(count), "%d", shallow);
	tune_cmdline(ctx, p, f->check->id, strcmp(drv, "intel_idle") ? "processor.max_cstate" : "intel_idle.max_cstate",
		     count, NULL);
}

/* Disables every idle state deeper than max_idle_latency_us on the isolated cores (state0, poll, stays). */
static int plan_cstates(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	long max;
	int cpu;

	if (profile_long(ctx->prof, PK_MAX_IDLE_LATENCY_US, &max) < 0)
		return 0;
	cpuset_for_each(cpu, &ctx->prof->isolated) {
		char dir[128];
		struct dirlist dl;

		snprintf(dir, sizeof(dir), "/sys/devices/system/cpu/cpu%d/cpuidle", cpu);
		if (sysroot_list(ctx->sr, dir, &dl) < 0)
			continue;
		for (size_t i = 0; i < dl.n; i++) {
			char path[192];
			long lat;

			if (strncmp(dl.names[i], "state", 5) || !strcmp(dl.names[i], "state0"))
				continue;
			snprintf(path, sizeof(path), "%s/%s/latency", dir, dl.names[i]);
			if (sysroot_read_long(ctx->sr, path, &lat) < 0 || lat <= max)
				continue;
			snprintf(path, sizeof(path), "%s/%s/disable", dir, dl.names[i]);
			tune_value(ctx, p, f->check->id, path, "1");
		}
		dirlist_free(&dl);
	}
	plan_idle_boot_limit(ctx, f, p, max);
	return 0;
}

static const char *const cstates_checks[] = { "cpu.cstates", NULL };
const struct tuner tuner_cstates = { "cstates", cstates_checks, plan_cstates };

static int plan_clocksource(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_CLOCKSOURCE);
	char avail[512];

	if (!want)
		return 0;
	/* The kernel only switches to a clocksource it still trusts; tsc marked unstable needs a reboot. */
	if (sysroot_read_str(ctx->sr, "/sys/devices/system/clocksource/clocksource0/available_clocksource", avail,
			     sizeof(avail)) < 0 ||
	    !strstr(avail, want)) {
		plan_add_manual(p, f, NULL);
		return 0;
	}
	tune_value(ctx, p, f->check->id, "/sys/devices/system/clocksource/clocksource0/current_clocksource", want);
	return 0;
}

static const char *const clocksource_checks[] = { "cpu.clocksource", NULL };
const struct tuner tuner_clocksource = { "clocksource", clocksource_checks, plan_clocksource };
