/* Power and task tuners: SMT control, energy/performance hints, intel_pstate floor, systemd CPUAffinity. */
#include "tuners.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define SMT_CONTROL "/sys/devices/system/cpu/smt/control"
#define SYSTEMD_DROPIN "/etc/systemd/system.conf.d/99-tickready.conf"

/* SMT can be switched at runtime unless firmware or the kernel decided ("forceoff", "notsupported"). */
static int plan_smt(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_SMT);
	char now[32];

	if (!want || sysroot_read_str(ctx->sr, SMT_CONTROL, now, sizeof(now)) < 0 ||
	    (strcmp(now, "on") && strcmp(now, "off"))) {
		plan_add_manual(p, f, NULL);
		return 0;
	}
	tune_value(ctx, p, f->check->id, SMT_CONTROL, want);
	return 0;
}

static const char *const smt_checks[] = { "power.smt", NULL };
const struct tuner tuner_smt = { "smt", smt_checks, plan_smt };

/* One per-cpu file on every present cpu; manual when no cpu has it (the driver lacks the knob). */
static void per_cpu(const struct tune_ctx *ctx, const struct finding *f, struct plan *p, const char *fmt,
		    const char *want)
{
	int cpu, found = 0;

	cpuset_for_each(cpu, &ctx->host->present) {
		char path[128];

		snprintf(path, sizeof(path), fmt, cpu);
		if (tune_value(ctx, p, f->check->id, path, want) != -ENOENT)
			found++;
	}
	if (!found)
		plan_add_manual(p, f, NULL);
}

static int plan_epb(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_EPB);

	if (want)
		per_cpu(ctx, f, p, "/sys/devices/system/cpu/cpu%d/power/energy_perf_bias", want);
	return 0;
}

static const char *const epb_checks[] = { "power.epb", NULL };
const struct tuner tuner_epb = { "epb", epb_checks, plan_epb };

static int plan_epp(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_EPP);

	if (want)
		per_cpu(ctx, f, p, "/sys/devices/system/cpu/cpu%d/cpufreq/energy_performance_preference", want);
	return 0;
}

static const char *const epp_checks[] = { "power.epp", NULL };
const struct tuner tuner_epp = { "epp", epp_checks, plan_epp };

static int plan_pstate(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_MIN_PERF_PCT);

	if (want && tune_value(ctx, p, f->check->id, "/sys/devices/system/cpu/intel_pstate/min_perf_pct", want) == -ENOENT)
		plan_add_manual(p, f, NULL);
	return 0;
}

static const char *const pstate_checks[] = { "power.pstate", NULL };
const struct tuner tuner_pstate = { "pstate", pstate_checks, plan_pstate };

/* systemd starts every service with CPUAffinity= from system.conf: a drop-in confines them at the next boot. */
static int plan_systemd_affinity(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	char list[CPUSET_TEXT_MAX], *content, *old = NULL;
	struct change *c;
	bool want;

	if (profile_bool(ctx->prof, PK_SYSTEMD_AFFINITY, &want) < 0 || !want || cpuset_empty(&ctx->prof->housekeeping))
		return 0;
	content = xasprintf("# Written by tickready apply; `tickready revert` removes it.\n[Manager]\nCPUAffinity=%s\n",
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
		change_set(&c->shell, "printf '[Manager]\\nCPUAffinity=%s\\n' > " SYSTEMD_DROPIN, list);
		tune_guard_cpus(ctx, c);
	}
	free(old);
	free(content);
	return 0;
}

static const char *const systemd_checks[] = { "tasks.systemd_affinity", NULL };
const struct tuner tuner_systemd_affinity = { "systemd_affinity", systemd_checks, plan_systemd_affinity };
