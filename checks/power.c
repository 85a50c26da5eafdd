/* Power checks: SMT, CPU model and BIOS (reported), the cpu_dma_latency holder, EPB, EPP and intel_pstate. */
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
#define SMT_CONTROL CPU_DIR "/smt/control"
#define SMT_ACTIVE CPU_DIR "/smt/active"
#define PSTATE_DIR CPU_DIR "/intel_pstate"
#define DMI_DIR "/sys/class/dmi/id"
#define DMA_LATENCY "/dev/cpu_dma_latency"
/* Per-cpu mismatches named in a finding; the rest is counted. */
#define MAX_NAMED 16

/* ---- power.smt ---- */

static const char *smt_meaning(const char *control)
{
	if (!strcmp(control, "forceoff"))
		return " (forced off by 'nosmt=force' on the command line)";
	if (!strcmp(control, "notsupported"))
		return " (the CPU, or the BIOS, offers no SMT)";
	if (!strcmp(control, "notimplemented"))
		return " (the kernel cannot control SMT on this architecture)";
	return "";
}

static void smt_remedy(const struct check_ctx *ctx, struct finding *f, const char *control, bool want_on)
{
	const char *staged;

	if (!want_on) {
		finding_remedy(f, "echo off > " SMT_CONTROL " (now) and add 'nosmt' to the kernel command line (at boot), "
			       "or disable Hyper-Threading in the BIOS (profile: [cpu] smt)");
		staged = ctx->host->has_staged ? cmdline_get(&ctx->host->staged, "nosmt") : NULL;
		if (staged && !cmdline_has(&ctx->host->cmdline, "nosmt"))
			f->pending_reboot = true;
	} else if (!strcmp(control, "forceoff")) {
		finding_remedy(f, "remove 'nosmt=force' from the kernel command line and reboot (profile: [cpu] smt)");
		f->needs_reboot = true;
	} else if (!strcmp(control, "notsupported")) {
		finding_remedy(f, "enable Hyper-Threading (SMT) in the BIOS setup (profile: [cpu] smt)");
		f->needs_reboot = true;
	} else if (!strcmp(control, "notimplemented")) {
		finding_remedy(f, "none: this kernel cannot switch SMT; set [cpu] smt = any");
	} else {
		finding_remedy(f, "echo on > " SMT_CONTROL " and remove 'nosmt' from the kernel command line (profile: [cpu] smt)");
	}
}

static void run_power_smt(const struct check_ctx *ctx, struct finding *f)
{
	const char *want = check_wanted(ctx, f, PK_SMT);
	char control[32], act[24] = "absent";
	long active = -1;
	bool on, want_on;
	int rc;

	if (!want)
		return;
	want_on = !strcmp(want, "on");
	rc = check_read_word(ctx->sr, SMT_CONTROL, control, sizeof(control));
	if (rc < 0) {
		finding_skip_bad(f, ctx->sr, SMT_CONTROL, rc);
		return;
	}
	rc = sysroot_read_long(ctx->sr, SMT_ACTIVE, &active);
	if (rc < 0 && rc != -ENOENT) {
		finding_skip_bad(f, ctx->sr, SMT_ACTIVE, rc);
		return;
	}
	if (rc == 0 && active != 0 && active != 1) {
		finding_skip_bad(f, ctx->sr, SMT_ACTIVE, -EINVAL);
		return;
	}
	if (active >= 0)
		snprintf(act, sizeof(act), "%ld", active);
	/* Newer kernels write a thread count ("2") into control when SMT is on. */
	on = active >= 0 ? active == 1 : !strcmp(control, "on") || (isdigit((unsigned char)control[0]) && atoi(control) > 1);
	finding_expected(f, "SMT %s ('smt/control' = '%s')", want, want_on ? "on" : "off");
	finding_anchors(f, "the RHEL real-time guide and mlnx_tune's latency profile turn SMT off (a sibling shares the "
			   "core's caches and ports); TuneD cpu-partitioning and OpenShift leave it on and isolate whole cores");
	if (on == want_on) {
		finding_pass(f, "'smt/control' = '%s', 'smt/active' = '%s'%s", control, act, smt_meaning(control));
		return;
	}
	finding_fail(f, "'smt/control' = '%s', 'smt/active' = '%s'%s", control, act, smt_meaning(control));
	smt_remedy(ctx, f, control, want_on);
}

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
	if (tune_value(ctx, p, f->check->id, SMT_CONTROL, want) > 0 && !ctx->sr->live &&
	    sysroot_read_str(ctx->sr, SMT_ACTIVE, now, sizeof(now)) == 0) {
		/* The kernel takes the siblings down (or up) with the write: a tree shows it in smt/active. */
		const char *active = strcmp(want, "off") ? "1" : "0";
		struct change *c = strcmp(now, active) ? plan_add(p, f->check->id, CK_WRITE, SMT_ACTIVE, SMT_ACTIVE, now,
								  active)
						       : NULL;

		if (c)
			c->tree_only = true;
	}
	if (!strcmp(want, "off"))
		tune_cmdline(ctx, p, f->check->id, "nosmt", "", NULL);
	return 0;
}

const struct check check_power_smt = {
	.keys = KEYS(PK_SMT),
	.flags = CF_RUNTIME | CF_BOOT,
	.id = "power.smt",
	.area = AREA_POWER,
	.title = "SMT (hyper-threading) state",
	.reads = SMT_CONTROL " " SMT_ACTIVE,
	.run = run_power_smt, .plan = plan_smt,
};

/* ---- power.cpu_model ---- */

static void run_power_cpu_model(const struct check_ctx *ctx, struct finding *f)
{
	const struct host *h = ctx->host;
	char vendor[64], model[128], brand[128], from[200];

	if (!strcmp(h->cpu_source, "unknown") || (!h->cpu_vendor[0] && !h->cpu_model[0])) {
		finding_skip(f, "cpu model unknown ('/proc/cpuinfo' unreadable and no CPUID)");
		return;
	}
	check_printable(h->cpu_vendor[0] ? h->cpu_vendor : "?", vendor, sizeof(vendor));
	check_printable(h->cpu_model[0] ? h->cpu_model : "?", model, sizeof(model));
	/* A VM restored on another host: CPUID names the new one, the kernel the one it booted on. */
	if (h->cpu_brand[0] && strcmp(h->cpu_brand, h->cpu_model)) {
		check_printable(h->cpu_brand, brand, sizeof(brand));
		snprintf(from, sizeof(from), "from %s; CPUID brand '%s'", h->cpu_source, brand);
	} else {
		snprintf(from, sizeof(from), "from %s", h->cpu_source);
	}
	finding_expected(f, "bare metal (reported)");
	if (h->cpu_flags & CPUF_HYPERVISOR) {
		finding_warn(f, "%s '%s' (%s); running in a VM: latency figures include the hypervisor's noise", vendor,
			     model, from);
		finding_remedy(f, "run on bare metal, or give the VM dedicated pinned physical cores with invtsc exposed");
		return;
	}
	finding_pass(f, "%s '%s' (%s)", vendor, model, from);
}

const struct check check_power_cpu_model = {
	.id = "power.cpu_model",
	.area = AREA_POWER,
	.title = "CPU model, and whether this is a VM",
	.reads = "/proc/cpuinfo, CPUID on a live host",
	.run = run_power_cpu_model,
};

/* ---- power.bios ---- */

static void run_power_bios(const struct check_ctx *ctx, struct finding *f)
{
	static const char *const keys[] = { "bios_vendor", "bios_version", "bios_date", "sys_vendor", "product_name" };
	struct strbuf sb = { 0 };
	int found = 0, first_rc = 0;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char path[64], raw[256], txt[96];
		int rc;

		snprintf(path, sizeof(path), DMI_DIR "/%s", keys[i]);
		rc = sysroot_read_str(ctx->sr, path, raw, sizeof(raw));
		if (rc < 0) {
			first_rc = first_rc ? first_rc : rc;
			strbuf_addf(&sb, "%s%s=?", i ? " " : "", keys[i]);
			continue;
		}
		found++;
		check_printable(raw, txt, sizeof(txt));
		strbuf_addf(&sb, "%s%s='%s'", i ? " " : "", keys[i], txt);
	}
	if (!found)
		finding_skip_read(f, DMI_DIR "/bios_vendor", first_rc);
	else
		finding_pass(f, "%s", sb.s);
	finding_expected(f, "(reported)");
	strbuf_free(&sb);
}

const struct check check_power_bios = {
	.id = "power.bios",
	.area = AREA_POWER,
	.title = "BIOS and system (reported)",
	.reads = DMI_DIR "/{bios_vendor,bios_version,bios_date,sys_vendor,product_name}",
	.run = run_power_bios,
};

/* ---- power.cpu_dma_latency ---- */

/* A holder at 1000 us keeps nothing out of deep C-states: with cpu_dma_latency_max_us the value decides. */
static void judge_held_value(const struct check_ctx *ctx, struct finding *f, const char *pid, const char *comm)
{
	long max, have;
	int rc = dma_latency_now(ctx->sr, &have);
	bool bounded = profile_long(ctx->prof, PK_DMA_LATENCY_MAX, &max) == 0;

	if (bounded)
		finding_expected(f, "'" DMA_LATENCY "' held open by a process at %ld us or less", max);
	if (rc < 0 && bounded) {
		finding_skip(f, "'" DMA_LATENCY "' held by pid %s (%s), the value it holds unread: %s", pid, comm,
			     strerror(-rc));
		return;
	}
	if (rc < 0) {
		finding_pass(f, "'" DMA_LATENCY "' held by pid %s (%s)", pid, comm);
		return;
	}
	if (!bounded || have <= max) {
		finding_pass(f, "'" DMA_LATENCY "' held by pid %s (%s) at %ld us", pid, comm, have);
		return;
	}
	finding_fail(f, "'" DMA_LATENCY "' held by pid %s (%s) at %ld us, above %ld us: deeper C-states stay allowed",
		     pid, comm, have, max);
	finding_remedy(f, "have pid %s (%s) write %ld or less to " DMA_LATENCY ", e.g. tuned's force_latency = %ld "
		       "(profile: [power] cpu_dma_latency_max_us)", pid, comm, max, max);
}

static void run_power_cpu_dma_latency(const struct check_ctx *ctx, struct finding *f)
{
	const char *want = check_wanted(ctx, f, PK_CPU_DMA_LATENCY);
	const struct host_dma_holder *d;
	char path[64], comm[64] = "?", raw[64];
	const char *pid;
	int found, unreadable;
	bool want_held;

	if (!want)
		return;
	want_held = !strcmp(want, "held");
	/* The host model walks the fds once, for this check and cpu.cstates. */
	d = host_dma_holder(ctx->host);
	if (d->rc < 0) {
		finding_skip_read(f, "/proc", d->rc);
		return;
	}
	pid = d->pid;
	found = pid[0] != '\0';
	unreadable = d->unreadable;
	finding_expected(f, "'" DMA_LATENCY "' %s", want_held ? "held open by a process" : "not held open");
	if (found) {
		snprintf(path, sizeof(path), "/proc/%s/comm", pid);
		if (sysroot_read_str(ctx->sr, path, raw, sizeof(raw)) == 0)
			check_printable(raw, comm, sizeof(comm));
		if (want_held) {
			judge_held_value(ctx, f, pid, comm);
		} else {
			finding_fail(f, "'" DMA_LATENCY "' held by pid %s (%s)", pid, comm);
			finding_remedy(f, "stop pid %s (%s) or the service that runs it, e.g. `tuned-adm off` for tuned "
				       "(profile: [power] cpu_dma_latency)", pid, comm);
		}
		return;
	}
	if (unreadable) {
		finding_skip(f, "no holder among readable processes; the fds of %d processes are unreadable (run as root)",
			     unreadable);
	} else if (want_held) {
		finding_fail(f, "'" DMA_LATENCY "' not held by any process");
		finding_remedy(f, "run a process that opens " DMA_LATENCY " and writes 0, keeping it open, e.g. "
			       "`tuned-adm profile latency-performance` (profile: [power] cpu_dma_latency)");
	} else {
		finding_pass(f, "'" DMA_LATENCY "' not held by any process");
	}
}

const struct check check_power_cpu_dma_latency = {
	.keys = KEYS(PK_CPU_DMA_LATENCY, PK_DMA_LATENCY_MAX),
	.id = "power.cpu_dma_latency",
	.area = AREA_POWER,
	.title = "/dev/cpu_dma_latency held open",
	.reads = "/proc/PID/fd/* (links only), /proc/PID/comm, " DMA_LATENCY " (read: the value held)",
	.run = run_power_cpu_dma_latency,
};

/* ---- power.epb and power.epp: one value per isolated cpu ---- */

struct per_cpu_knob {
	const char *suffix;	/* under cpuN/ */
	const char *label;
	const char *absent;	/* why no cpu has the file */
	const char *key;	/* profile key for remedies */
	bool numeric;		/* 0..15 */
};

static void per_cpu_judge(const struct check_ctx *ctx, struct finding *f, const struct per_cpu_knob *k,
			  const char *want)
{
	char owns[224];
	struct cpuset bad;
	struct strbuf seen = { 0 };
	char path[128], val[64], first_path[128] = "", list[64];
	int cpu, rc, first_rc = 0, readable = 0, named = 0;
	long n;

	cpuset_zero(&bad);
	cpuset_format(&ctx->prof->isolated, list, sizeof(list));
	finding_expected(f, "'%s' = '%s' on cpus %s", k->label, want, list);
	cpuset_for_each(cpu, &ctx->prof->isolated) {
		snprintf(path, sizeof(path), CPU_DIR "/cpu%d/%s", cpu, k->suffix);
		rc = k->numeric ? sysroot_read_long(ctx->sr, path, &n) : check_read_word(ctx->sr, path, val, sizeof(val));
		if (!rc && k->numeric && (n < 0 || n > 15))
			rc = -EINVAL;
		if (rc < 0) {
			if (!first_rc || (first_rc == -ENOENT && rc != -ENOENT)) {
				first_rc = rc;
				snprintf(first_path, sizeof(first_path), "%s", path);
			}
			continue;
		}
		readable++;
		if (k->numeric)
			snprintf(val, sizeof(val), "%ld", n);
		if (strcmp(val, want)) {
			cpuset_set(&bad, cpu);
			if (named++ < MAX_NAMED)
				strbuf_addf(&seen, "%scpu%d: '%s'", seen.len ? "; " : "", cpu, val);
		}
	}
	if (!cpuset_empty(&bad)) {
		char *files = check_cpu_files(&bad, k->suffix);

		finding_fail(f, "'%s' %s%s", k->label, seen.s, named > MAX_NAMED ? "; ..." : "");
		finding_remedy(f, "echo %s | tee %s (profile: %s)", want, files, k->key);
		free(files);
	} else if (!readable && first_rc == -ENOENT) {
		finding_skip(f, "%s ('%s' absent)%s", k->absent, first_path, check_instance_owns(ctx, owns, sizeof(owns)));
	} else if (first_rc) {
		finding_skip_bad(f, ctx->sr, first_path, first_rc);
	} else {
		finding_pass(f, "'%s' = '%s' on cpus %s", k->label, want, list);
	}
	strbuf_free(&seen);
}

static void run_power_epb(const struct check_ctx *ctx, struct finding *f)
{
	static const struct per_cpu_knob knob = {
		"power/energy_perf_bias", "energy_perf_bias", "no energy_perf_bias (the CPU or kernel lacks EPB)",
		"[power] energy_perf_bias", true,
	};
	char want[32];
	long v;

	if (!check_wanted(ctx, f, PK_EPB) || profile_long(ctx->prof, PK_EPB, &v) < 0)
		return;
	/* Compared as text in canonical decimal, as the kernel prints it. */
	snprintf(want, sizeof(want), "%ld", v);
	if (cpuset_empty(&ctx->prof->isolated)) {
		finding_skip(f, "profile isolates no cpus ([cpu] isolated_cores)");
		return;
	}
	per_cpu_judge(ctx, f, &knob, want);
}

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

const struct check check_power_epb = {
	.keys = KEYS(PK_EPB, PK_ISOLATED_CORES),
	.flags = CF_RUNTIME,
	.id = "power.epb",
	.area = AREA_POWER,
	.title = "energy/performance bias on isolated cpus",
	.reads = CPU_DIR "/cpuN/power/energy_perf_bias",
	.run = run_power_epb, .plan = plan_epb,
};

static void run_power_epp(const struct check_ctx *ctx, struct finding *f)
{
	static const struct per_cpu_knob knob = {
		"cpufreq/energy_performance_preference", "energy_performance_preference",
		"no energy_performance_preference (needs intel_pstate or amd-pstate in active mode with HWP/CPPC)",
		"[power] epp", false,
	};
	const char *want = check_wanted(ctx, f, PK_EPP);

	if (!want)
		return;
	if (cpuset_empty(&ctx->prof->isolated)) {
		finding_skip(f, "profile isolates no cpus ([cpu] isolated_cores)");
		return;
	}
	per_cpu_judge(ctx, f, &knob, want);
}

static int plan_epp(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_EPP);

	if (want)
		per_cpu(ctx, f, p, "/sys/devices/system/cpu/cpu%d/cpufreq/energy_performance_preference", want);
	return 0;
}

const struct check check_power_epp = {
	.keys = KEYS(PK_EPP, PK_ISOLATED_CORES),
	.flags = CF_RUNTIME,
	.id = "power.epp",
	.area = AREA_POWER,
	.title = "energy/performance preference on isolated cpus",
	.reads = CPU_DIR "/cpuN/cpufreq/energy_performance_preference",
	.run = run_power_epp, .plan = plan_epp,
};

/* ---- power.pstate ---- */

#define MIN_PERF PSTATE_DIR "/min_perf_pct"
#define PSTATE_STATUS PSTATE_DIR "/status"

static void run_power_pstate(const struct check_ctx *ctx, struct finding *f)
{
	char owns[224];
	const char *mode = cmdline_get(&ctx->host->cmdline, "intel_pstate");
	char status[32];
	long want, v;
	int rc;

	if (!check_wanted(ctx, f, PK_MIN_PERF_PCT) || profile_long(ctx->prof, PK_MIN_PERF_PCT, &want) < 0)
		return;
	finding_expected(f, "'min_perf_pct' = '%ld'", want);
	if (mode && !strcmp(mode, "disable")) {
		finding_pass(f, "intel_pstate disabled ('intel_pstate=disable' on the command line)");
		return;
	}
	rc = sysroot_read_long(ctx->sr, MIN_PERF, &v);
	if (rc == -ENOENT) {
		if (!sysroot_is_dir(ctx->sr, PSTATE_DIR))
			finding_skip(f, "intel_pstate absent ('" PSTATE_DIR "' missing)%s",
				     check_instance_owns(ctx, owns, sizeof(owns)));
		else if (check_read_word(ctx->sr, PSTATE_STATUS, status, sizeof(status)) == 0 && !strcmp(status, "off"))
			finding_pass(f, "intel_pstate off ('status' = 'off')");
		else
			finding_skip_read(f, MIN_PERF, rc);
		return;
	}
	if (rc < 0 || v < 0 || v > 100) {
		finding_skip_bad(f, ctx->sr, MIN_PERF, rc < 0 ? rc : -EINVAL);
		return;
	}
	if (v == want) {
		finding_pass(f, "'min_perf_pct' = '%ld'", v);
		return;
	}
	finding_fail(f, "'min_perf_pct' = '%ld'", v);
	finding_remedy(f, "echo %ld > " MIN_PERF " (profile: [power] min_perf_pct)", want);
}

static int plan_pstate(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_MIN_PERF_PCT);

	if (want && tune_value(ctx, p, f->check->id, "/sys/devices/system/cpu/intel_pstate/min_perf_pct", want) == -ENOENT)
		plan_add_manual(p, f, NULL);
	return 0;
}

const struct check check_power_pstate = {
	.keys = KEYS(PK_MIN_PERF_PCT),
	.flags = CF_RUNTIME,
	.id = "power.pstate",
	.area = AREA_POWER,
	.title = "intel_pstate performance floor",
	.reads = MIN_PERF " " PSTATE_STATUS " /proc/cmdline",
	.run = run_power_pstate, .plan = plan_pstate,
};
