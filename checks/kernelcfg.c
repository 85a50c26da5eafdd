/* How the kernel was built (NO_HZ_FULL, PREEMPT_RT) and the boot parameters beside isolation: rcu_nocb_poll, irqaffinity=, kthread_cpus=, transparent_hugepage=. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "registry.h"
#include "tuners.h"
#include "util.h"

#define CONFIG_GZ "/proc/config.gz"
#define REALTIME "/sys/kernel/realtime"

/* The kernel's build config: /boot/config-RELEASE, else /proc/config.gz (CONFIG_IKCONFIG_PROC). */
static char *kernel_config(const struct check_ctx *ctx, char *src, size_t size)
{
	char path[192], *text = NULL, *gz;
	size_t len;

	snprintf(path, sizeof(path), "/boot/config-%s", ctx->host->release);
	if (ctx->host->release[0] && !strchr(ctx->host->release, '/') &&
	    sysroot_read_alloc(ctx->sr, path, 8u << 20, &text, NULL) == 0) {
		snprintf(src, size, "%s", path);
		return text;
	}
	if (sysroot_read_alloc(ctx->sr, CONFIG_GZ, 4u << 20, &gz, &len) < 0)
		return NULL;
	z_stream z = { .next_in = (unsigned char *)gz, .avail_in = (unsigned)len };
	size_t cap = 1u << 20, out = 0;
	int rc;

	text = xmalloc(cap);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(text);
		free(gz);
		return NULL;
	}
	do {
		if (cap - out < 65536) {
			if (cap >= 32u << 20)
				break;	/* no config is this big: garbage */
			cap *= 2;
			text = xrealloc(text, cap);
		}
		z.next_out = (unsigned char *)text + out;
		z.avail_out = (unsigned)(cap - out - 1);
		rc = inflate(&z, Z_NO_FLUSH);
		out = cap - 1 - z.avail_out;
	} while (rc == Z_OK);
	inflateEnd(&z);
	free(gz);
	if (rc != Z_STREAM_END) {
		free(text);
		return NULL;
	}
	text[out] = '\0';
	snprintf(src, size, "%s", CONFIG_GZ);
	return text;
}

/* "CONFIG_X=y" present as a whole line. */
static bool config_set(const char *text, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = text; (p = strstr(p, opt)); p += n)
		if ((p == text || p[-1] == '\n') && !strncmp(p + n, "=y", 2) && (p[n + 2] == '\n' || !p[n + 2]))
			return true;
	return false;
}

/* ---- kernel.nohz_full_config ---- */

static void run_nohz_config(const struct check_ctx *ctx, struct finding *f)
{
	char src[256], nz[16];
	bool want;
	char *cfg;

	if (profile_bool(ctx->prof, PK_NOHZ_FULL, &want) < 0 || !want) {
		finding_skip(f, "profile does not ask for [cpu] nohz_full");
		return;
	}
	finding_expected(f, "a kernel built with CONFIG_NO_HZ_FULL=y (else nohz_full= is ignored)");
	/* The running kernel's own word: the file exists only with NO_HZ_FULL. */
	if (sysroot_read_str(ctx->sr, "/sys/devices/system/cpu/nohz_full", nz, sizeof(nz)) >= 0 ||
	    sysroot_exists(ctx->sr, "/sys/devices/system/cpu/nohz_full")) {
		finding_pass(f, "/sys/devices/system/cpu/nohz_full exists (CONFIG_NO_HZ_FULL=y)");
		return;
	}
	if (!(cfg = kernel_config(ctx, src, sizeof(src)))) {
		finding_skip(f, "no /sys/devices/system/cpu/nohz_full, no /boot/config-%s and no readable %s",
			     ctx->host->release, CONFIG_GZ);
		return;
	}
	if (config_set(cfg, "CONFIG_NO_HZ_FULL")) {
		finding_pass(f, "CONFIG_NO_HZ_FULL=y (%s)", src);
	} else {
		finding_fail(f, "CONFIG_NO_HZ_FULL not set (%s)", src);
		finding_remedy(f, "boot a kernel built with CONFIG_NO_HZ_FULL=y (Debian's own has it; the -cloud kernels do not)");
	}
	free(cfg);
}

const struct check check_kernel_nohz_full_config = {
	.id = "kernel.nohz_full_config", .area = AREA_KERNEL, .title = "the kernel is built with NO_HZ_FULL",
	.reads = "/sys/devices/system/cpu/nohz_full, /boot/config-RELEASE, " CONFIG_GZ,
	.keys = KEYS(PK_NOHZ_FULL), .run = run_nohz_config,
};

/* ---- kernel.preempt_rt ---- */

static void run_preempt_rt(const struct check_ctx *ctx, struct finding *f)
{
	char src[256], rt[8];
	char *cfg = NULL;
	bool want, is;

	if (profile_bool(ctx->prof, PK_PREEMPT_RT, &want) < 0) {
		finding_skip(f, "profile does not ask for [kernel] preempt_rt");
		return;
	}
	finding_expected(f, "%s", want ? "a PREEMPT_RT kernel" : "a kernel without PREEMPT_RT");
	if (sysroot_read_str(ctx->sr, REALTIME, rt, sizeof(rt)) == 0) {
		is = !strcmp(rt, "1");
		snprintf(src, sizeof(src), "'%s' = '%s'", REALTIME, rt);
	} else if ((cfg = kernel_config(ctx, src, sizeof(src)))) {
		is = config_set(cfg, "CONFIG_PREEMPT_RT");
		free(cfg);
	} else if (strstr(ctx->host->release, "-rt")) {
		is = true;
		snprintf(src, sizeof(src), "release '%s'", ctx->host->release);
	} else {
		finding_skip(f, "no %s, no /boot/config-%s, no readable %s", REALTIME, ctx->host->release, CONFIG_GZ);
		return;
	}
	if (is == want) {
		finding_pass(f, "%s (%s)", is ? "PREEMPT_RT" : "not PREEMPT_RT", src);
		return;
	}
	finding_fail(f, "%s (%s)", is ? "PREEMPT_RT" : "not PREEMPT_RT", src);
	finding_remedy(f, "%s", want ? "apt install linux-image-rt-amd64, then reboot into it"
				     : "boot the non-RT kernel (linux-image-amd64), or set [kernel] preempt_rt = any");
}

const struct check check_kernel_preempt_rt = {
	.id = "kernel.preempt_rt", .area = AREA_KERNEL, .title = "the kernel is (or is not) PREEMPT_RT as the profile says",
	.reads = REALTIME ", /boot/config-RELEASE, " CONFIG_GZ,
	.keys = KEYS(PK_PREEMPT_RT), .run = run_preempt_rt,
};

/* ---- boot parameters: one row each ---- */

enum bp_kind { BP_FLAG, BP_HOUSEKEEPING, BP_LITERAL };

struct bootrow {
	enum profile_key key;
	const char *param;
	enum bp_kind kind;
	const char *value;	/* BP_LITERAL */
};

static void row_want(const struct check_ctx *ctx, const struct bootrow *r, char *buf, size_t size)
{
	if (r->kind == BP_HOUSEKEEPING)
		cpuset_format(&ctx->prof->housekeeping, buf, size);
	else
		snprintf(buf, size, "%s", r->kind == BP_LITERAL ? r->value : "");
}

static bool row_ok(const struct check_ctx *ctx, const struct bootrow *r, const struct cmdline *cl)
{
	const char *v = cmdline_get(cl, r->param);
	struct cpuset s;

	if (!v)
		return cmdline_has(cl, r->param) && r->kind == BP_FLAG;
	if (r->kind == BP_FLAG)
		return true;
	if (r->kind == BP_LITERAL)
		return !strcmp(v, r->value);
	return cpuset_parse(&s, v) == 0 && cpuset_equal(&s, &ctx->prof->housekeeping);
}

static void judge_row(const struct check_ctx *ctx, struct finding *f, const struct bootrow *r)
{
	char want[CPUSET_TEXT_MAX > 4096 ? 4096 : CPUSET_TEXT_MAX], shown[4200];
	const char *v;
	bool on;

	if (profile_bool(ctx->prof, r->key, &on) < 0 || !on) {
		finding_skip(f, "profile does not ask for %s=", r->param);
		return;
	}
	if (!ctx->host->cmdline_raw) {
		finding_skip(f, "cannot read '/proc/cmdline'");
		return;
	}
	row_want(ctx, r, want, sizeof(want));
	if (r->kind == BP_HOUSEKEEPING && !want[0]) {
		finding_skip(f, "profile has no housekeeping cores for %s=", r->param);
		return;
	}
	snprintf(shown, sizeof(shown), "%s%s%s", r->param, want[0] ? "=" : "", want);
	finding_expected(f, "%s on the kernel command line", shown);
	if (row_ok(ctx, r, &ctx->host->cmdline)) {
		finding_pass(f, "%s", shown);
		return;
	}
	v = cmdline_get(&ctx->host->cmdline, r->param);
	if (v)
		finding_fail(f, "%s='%s'", r->param, v);
	else
		finding_fail(f, "no %s on the kernel command line", r->param);
	f->needs_reboot = true;
	f->pending_reboot = ctx->host->has_staged && row_ok(ctx, r, &ctx->host->staged);
	finding_remedy(f, "add '%s' to the kernel command line, then reboot", shown);
}

static int plan_row(const struct tune_ctx *ctx, const struct finding *f, struct plan *p, const struct bootrow *r)
{
	struct check_ctx cc = { ctx->host, ctx->prof, ctx->sr };
	struct boot_param b = { .key = r->param };

	row_want(&cc, r, b.value, sizeof(b.value));
	if (r->kind == BP_HOUSEKEEPING)
		b.blocked = ctx->cpulist_bad;
	return plan_boot_params(ctx, f, p, &b, 1);
}

#define BOOT_ROW(sym, check_id, area_, what, pk, param_, kind_, value_)                              \
	static const struct bootrow sym##_row = { pk, param_, kind_, value_ };                        \
	static void run_##sym(const struct check_ctx *ctx, struct finding *f)                         \
	{                                                                                             \
		judge_row(ctx, f, &sym##_row);                                                        \
	}                                                                                             \
	static int plan_##sym(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)    \
	{                                                                                             \
		return plan_row(ctx, f, p, &sym##_row);                                               \
	}                                                                                             \
	const struct check check_##sym = {                                                            \
		.id = check_id, .area = area_, .title = what, .reads = "/proc/cmdline, staged boot parameters", \
		.keys = KEYS(pk), .flags = CF_BOOT, .run = run_##sym, .plan = plan_##sym,             \
	};

/* RCU's offload threads poll for callbacks instead of being woken from the isolated cores (RHEL RT guide, TuneD). */
BOOT_ROW(kernel_rcu_nocb_poll, "kernel.rcu_nocb_poll", AREA_KERNEL, "RCU callback threads poll (rcu_nocb_poll)",
	 PK_RCU_NOCB_POLL, "rcu_nocb_poll", BP_FLAG, NULL)
/* IRQs set up before user space (and by drivers loaded later without affinity hints) land on housekeeping cores. */
BOOT_ROW(irq_irqaffinity, "irq.irqaffinity", AREA_IRQ, "default IRQ affinity at boot is the housekeeping cores (irqaffinity=)",
	 PK_IRQAFFINITY, "irqaffinity", BP_HOUSEKEEPING, NULL)
/* kthreadd and its children start on housekeeping cores (OpenShift's PerformanceProfile sets it). */
BOOT_ROW(kernel_kthread_cpus, "kernel.kthread_cpus", AREA_KERNEL, "kernel threads start on housekeeping cores (kthread_cpus=)",
	 PK_KTHREAD_CPUS, "kthread_cpus", BP_HOUSEKEEPING, NULL)
/* THP off before any process maps memory: khugepaged never starts (the runtime switch comes later in boot). */
BOOT_ROW(memory_thp_boot, "memory.thp_boot", AREA_MEMORY, "transparent hugepages off from early boot (transparent_hugepage=never)",
	 PK_THP_BOOT, "transparent_hugepage", BP_LITERAL, "never")
