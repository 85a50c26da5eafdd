/* How the kernel was built (NO_HZ_FULL, PREEMPT_RT) and the boot parameters beside isolation: rcu_nocb_poll, irqaffinity=, kthread_cpus=, transparent_hugepage=. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dynlib.h"
#include "registry.h"
#include "tuners.h"
#include "util.h"

#define CONFIG_GZ "/proc/config.gz"
#define REALTIME "/sys/kernel/realtime"

/* zlib, opened when /proc/config.gz is first inflated (core/dynlib.c). */
#define ZLIB_FNS(X) X(inflateInit2_) X(inflate) X(inflateEnd)
DYNLIB(libz, "libz.so.1", ZLIB_FNS);

/* "CONFIG_X=y" present as a whole line. */
static bool config_set(const char *text, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = text; (p = strstr(p, opt)); p += n)
		if ((p == text || p[-1] == '\n') && !strncmp(p + n, "=y", 2) && (p[n + 2] == '\n' || !p[n + 2]))
			return true;
	return false;
}

/* A line of a config naming opt: 1 for "opt=y", 0 for another value or "# opt is not set", -1 for none. */
static int config_line(const char *line, size_t len, const char *opt, size_t n)
{
	if (len > n && !strncmp(line, opt, n) && line[n] == '=')
		return len == n + 2 && line[n + 1] == 'y';
	if (len == n + 13 && !strncmp(line, "# ", 2) && !strncmp(line + 2, opt, n) && !strncmp(line + 2 + n, " is not set", 11))
		return 0;
	return -1;
}

/*
 * opt in /proc/config.gz (CONFIG_IKCONFIG_PROC), inflated only until a line names it: the kernel's
 * config comes from Kconfig, which writes each symbol once, so the first such line is the answer
 * (inflating all 100 KB to look took 0.4 ms, a tenth of a live audit). 1 set, 0 not, -EIO for a
 * stream that breaks before it says.
 */
static int gz_config_has(const char *gz, size_t len, const char *opt)
{
	unsigned char buf[4096];	/* inflated a page at a time: the answer is usually in the first few */
	z_stream z = { .next_in = (unsigned char *)gz, .avail_in = (unsigned)len };
	size_t n = strlen(opt), have = 0, total = 0;
	bool tail = false;	/* the buffer starts inside a line too long to be one */
	int zrc, found = -1;

	if (libz_fn.inflateInit2_(&z, 16 + MAX_WBITS, ZLIB_VERSION, (int)sizeof(z)) != Z_OK)	/* what inflateInit2 expands to */
		return -EIO;
	do {
		const unsigned char *line = buf, *nl;

		z.next_out = buf + have;
		z.avail_out = (unsigned)(sizeof(buf) - have);
		zrc = libz_fn.inflate(&z, Z_NO_FLUSH);
		total += sizeof(buf) - have - z.avail_out;
		have = sizeof(buf) - z.avail_out;
		/* Whole lines; at the stream's end the last one needs no newline. */
		while (found < 0 && (nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			if (!tail)
				found = config_line((const char *)line, (size_t)(nl - line), opt, n);
			tail = false;
			line = nl + 1;
		}
		if (found < 0 && zrc == Z_STREAM_END && !tail)
			found = config_line((const char *)line, have - (size_t)(line - buf), opt, n);
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf)) {
			have = 0;	/* a 4 KiB line is none of ours ("opt=y" is short): dropped to its end */
			tail = true;
		}
	} while (found < 0 && zrc == Z_OK && total < (32u << 20));
	libz_fn.inflateEnd(&z);
	if (found >= 0)
		return found;
	return zrc == Z_STREAM_END ? 0 : -EIO;
}

/*
 * Is opt set (=y) in the kernel's build config: /boot/config-RELEASE, else /proc/config.gz? 1 or 0,
 * with src naming the file; -ENOENT when neither is readable, src saying so.
 */
static int kernel_config_has(const struct check_ctx *ctx, const char *opt, char *src, size_t size)
{
	char path[192], *text = NULL, *gz;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "/boot/config-%s", ctx->host->release);
	if (ctx->host->release[0] && !strchr(ctx->host->release, '/') &&
	    sysroot_read_alloc(ctx->sr, path, 8u << 20, &text, NULL) == 0) {
		snprintf(src, size, "%s", path);
		rc = config_set(text, opt);
		free(text);
		return rc;
	}
	snprintf(src, size, "no %s and no readable %s", path, CONFIG_GZ);
	if (sysroot_read_alloc(ctx->sr, CONFIG_GZ, 4u << 20, &gz, &len) < 0)
		return -ENOENT;
	if (!dynlib_open(&libz)) {
		snprintf(src, size, "no %s, and %s needs zlib (%s)", path, CONFIG_GZ, libz.err);
		free(gz);
		return -ENOENT;
	}
	rc = gz_config_has(gz, len, opt);
	free(gz);
	if (rc < 0)
		return -ENOENT;
	snprintf(src, size, "%s", CONFIG_GZ);
	return rc;
}

/* ---- kernel.nohz_full_config ---- */

static void run_nohz_config(const struct check_ctx *ctx, struct finding *f)
{
	char src[512], nz[16];
	bool want;
	int set;

	if (profile_bool(ctx->prof, PK_NOHZ_FULL, &want) < 0 || !want) {
		finding_skip(f, "profile does not ask for [cpu] nohz_full");
		return;
	}
	finding_expected(f, "a kernel built with CONFIG_NO_HZ_FULL=y (else nohz_full= is ignored)");
	/* The running kernel's own word: the file exists only with NO_HZ_FULL (the host model read it). */
	if (ctx->host->nohz_full_file > 0 ||
	    (!ctx->host->nohz_full_file &&
	     (sysroot_read_str(ctx->sr, "/sys/devices/system/cpu/nohz_full", nz, sizeof(nz)) >= 0 ||
	      sysroot_exists(ctx->sr, "/sys/devices/system/cpu/nohz_full")))) {
		finding_pass(f, "/sys/devices/system/cpu/nohz_full exists (CONFIG_NO_HZ_FULL=y)");
		return;
	}
	if ((set = kernel_config_has(ctx, "CONFIG_NO_HZ_FULL", src, sizeof(src))) < 0) {
		finding_skip(f, "no /sys/devices/system/cpu/nohz_full, %s", src);
		return;
	}
	if (set) {
		finding_pass(f, "CONFIG_NO_HZ_FULL=y (%s)", src);
	} else {
		finding_fail(f, "CONFIG_NO_HZ_FULL not set (%s)", src);
		finding_remedy(f, "boot a kernel built with CONFIG_NO_HZ_FULL=y (Debian's own has it; the -cloud kernels do not)");
	}
}

const struct check check_kernel_nohz_full_config = {
	.id = "kernel.nohz_full_config", .area = AREA_KERNEL, .title = "the kernel is built with NO_HZ_FULL",
	.reads = "/sys/devices/system/cpu/nohz_full, /boot/config-RELEASE, " CONFIG_GZ,
	.keys = KEYS(PK_NOHZ_FULL), .run = run_nohz_config,
};

/* ---- kernel.preempt_rt ---- */

static void run_preempt_rt(const struct check_ctx *ctx, struct finding *f)
{
	char src[512], rt[8];
	bool want, is;
	int set;

	if (profile_bool(ctx->prof, PK_PREEMPT_RT, &want) < 0) {
		finding_skip(f, "profile does not ask for [kernel] preempt_rt");
		return;
	}
	finding_expected(f, "%s", want ? "a PREEMPT_RT kernel" : "a kernel without PREEMPT_RT");
	if (sysroot_read_str(ctx->sr, REALTIME, rt, sizeof(rt)) == 0) {
		is = !strcmp(rt, "1");
		snprintf(src, sizeof(src), "'%s' = '%s'", REALTIME, rt);
	} else if ((set = kernel_config_has(ctx, "CONFIG_PREEMPT_RT", src, sizeof(src))) >= 0) {
		is = set;
	} else if (strstr(ctx->host->release, "-rt")) {
		is = true;
		snprintf(src, sizeof(src), "release '%s'", ctx->host->release);
	} else {
		finding_skip(f, "no %s, %s", REALTIME, src);
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
	struct check_ctx cc = { ctx->host, ctx->prof, ctx->sr, NULL };
	struct boot_param b = { .key = r->param };
	char want[CPUSET_TEXT_MAX];

	row_want(&cc, r, want, sizeof(want));
	b.value = want;
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
