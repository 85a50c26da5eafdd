/* IRQ checks: what irqbalance will really ban, IRQs on isolated cores, the default affinity, NIC IRQ placement. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "tuners.h"
#include "util.h"

#define IRQBALANCE_DEBIAN "/etc/default/irqbalance"
#define IRQBALANCE_RHEL "/etc/sysconfig/irqbalance"
#define IRQBALANCE_WANTS "/etc/systemd/system/multi-user.target.wants/irqbalance.service"
#define DEFAULT_AFFINITY "/proc/irq/default_smp_affinity"
#define IRQ_DEBUGFS "/sys/kernel/debug/irq/irqs"
#define ENV_CAP (1u << 20)
#define IRQS_SHOWN 8

/* Where an IRQ is delivered: the effective affinity when the kernel tells it, else the requested one. */
static const struct cpuset *irq_cpus(const struct irq *q)
{
	if (q->has_effective)
		return q->effective;
	return q->has_affinity ? q->affinity : NULL;
}

/* ---- irq.irqbalance ---- */

enum ban_source { BAN_AUTO, BAN_CPULIST, BAN_CPUS };

struct ban {
	enum ban_source source;
	bool bad;		/* the variable does not parse */
	char value[256];	/* the variable as written, for messages */
	struct cpuset cpus;
};

/*
 * What irqbalance 1.8/1.9 bans given its environment (setup_banned_cpus() in cputree.c):
 * a non-empty IRQBALANCE_BANNED_CPUS (hex mask, deprecated: it logs "is discarded" yet still
 * applies it) wins, then a non-empty IRQBALANCE_BANNED_CPULIST; only with neither does it ban
 * the kernel's isolated and nohz_full cpus by itself.
 */
static void ban_from_env(const struct host *h, const char *text, size_t len, struct ban *b)
{
	memset(b, 0, sizeof(*b));
	if (text && shell_var(text, len, "IRQBALANCE_BANNED_CPUS", b->value, sizeof(b->value)) && b->value[0]) {
		b->source = BAN_CPUS;
		b->bad = cpuset_parse_mask(&b->cpus, b->value) < 0;
		return;
	}
	if (text && shell_var(text, len, "IRQBALANCE_BANNED_CPULIST", b->value, sizeof(b->value)) && b->value[0]) {
		b->source = BAN_CPULIST;
		b->bad = cpuset_parse(&b->cpus, b->value) < 0;
		return;
	}
	b->source = BAN_AUTO;
	cpuset_or(&b->cpus, &h->isolated, &h->nohz_full);
}

/* What the ban is and where it comes from, for the observed text (heap). */
static char *ban_describe(const struct ban *b)
{
	const char *var = b->source == BAN_CPUS ? "IRQBALANCE_BANNED_CPUS" : "IRQBALANCE_BANNED_CPULIST";
	char list[128], value[64];

	cpuset_format(&b->cpus, list, sizeof(list));
	check_printable(b->value, value, sizeof(value));
	if (b->source == BAN_AUTO && !list[0])
		return xasprintf("no banned-cpu setting, and the kernel isolates no cpu (isolated and nohz_full "
				 "empty): it bans none");
	if (b->source == BAN_AUTO)
		return xasprintf("no banned-cpu setting: it bans the kernel's isolated and nohz_full cpus '%s'", list);
	if (b->bad)
		return xasprintf("%s='%s' does not parse", var, value);
	return xasprintf("%s='%s' bans '%s'%s", var, value, list,
			 b->source == BAN_CPUS ? " (deprecated hex mask: irqbalance logs it as discarded but still "
			 "applies it, over IRQBALANCE_BANNED_CPULIST)" : "");
}

/* Isolated cores the ban leaves to irqbalance; everything when the setting does not parse. */
static void ban_unbanned(const struct check_ctx *ctx, const struct ban *b, struct cpuset *out)
{
	if (b->bad)
		*out = ctx->prof->isolated;
	else
		cpuset_andnot(out, &ctx->prof->isolated, &b->cpus);
}

/*
 * The environment file irqbalance's unit reads: Debian's or RHEL's, whichever exists; with neither, the
 * distribution's own place (/etc/sysconfig on RHEL-family hosts). Check and plan both use this one.
 */
static const char *irqbalance_config(const struct sysroot *sr)
{
	if (sysroot_exists(sr, IRQBALANCE_DEBIAN))
		return IRQBALANCE_DEBIAN;
	if (sysroot_exists(sr, IRQBALANCE_RHEL) || sysroot_exists(sr, "/etc/sysconfig"))
		return IRQBALANCE_RHEL;
	return IRQBALANCE_DEBIAN;
}

/* The config file's ban, as the next (re)start will see it; false when there is no config file. */
static bool ban_from_file(const struct check_ctx *ctx, struct ban *b, const char **cfg)
{
	char *text;
	size_t len;

	*cfg = irqbalance_config(ctx->sr);
	if (sysroot_read_alloc(ctx->sr, *cfg, ENV_CAP, &text, &len) < 0) {
		ban_from_env(ctx->host, NULL, 0, b);
		return false;
	}
	ban_from_env(ctx->host, text, len, b);
	free(text);
	return true;
}

static void irqbalance_off(const struct check_ctx *ctx, struct finding *f, long pid)
{
	char target[256];

	finding_expected(f, "irqbalance not running");
	if (pid >= 0) {
		finding_fail(f, "irqbalance is running (pid %ld)", pid);
		finding_remedy(f, "systemctl disable --now irqbalance (profile: [irq] irqbalance = off)");
		return;
	}
	/* Stopped but enabled comes back at the next boot. */
	if (sysroot_readlink(ctx->sr, IRQBALANCE_WANTS, target, sizeof(target)) >= 0) {
		finding_warn(f, "irqbalance is not running, but enabled: '%s' starts it at boot", IRQBALANCE_WANTS);
		finding_remedy(f, "systemctl disable irqbalance");
		return;
	}
	finding_pass(f, "irqbalance is not running");
}

static void irqbalance_remedy(struct finding *f, const struct ban *b, const char *iso, const char *cfg,
			      bool file_fixed)
{
	if (file_fixed) {
		finding_remedy(f, "systemctl restart irqbalance (%s already has the right setting)", cfg);
		return;
	}
	finding_remedy(f, "IRQBALANCE_BANNED_CPULIST=%s in %s%s, then systemctl restart irqbalance", iso, cfg,
		       b->source == BAN_CPUS ? " and remove IRQBALANCE_BANNED_CPUS (it overrides the list)" : "");
}

static void irqbalance_banned(const struct check_ctx *ctx, struct finding *f, long pid)
{
	struct ban run, file;
	struct cpuset left, file_left;
	char path[64], *text, *iso = cpuset_text(&ctx->prof->isolated), *desc = NULL, unb[128];
	const char *cfg;
	bool from_env, has_file;
	size_t len;

	finding_expected(f, "irqbalance stopped, or running with the isolated cores '%s' banned", iso);
	has_file = ban_from_file(ctx, &file, &cfg);
	ban_unbanned(ctx, &file, &file_left);
	/* "banned" means stopped, or running with the ban (the key's documented meaning): stopped moves nothing. */
	if (pid < 0) {
		finding_pass(f, "irqbalance is not running: it moves no IRQ onto isolated cores");
		goto out;
	}
	/* What the daemon was started with beats what the file says now. */
	snprintf(path, sizeof(path), "/proc/%ld/environ", pid);
	from_env = sysroot_read_alloc(ctx->sr, path, ENV_CAP, &text, &len) == 0;
	if (from_env) {
		ban_from_env(ctx->host, text, len, &run);
		free(text);
	} else {
		run = file;
	}
	if (run.source == BAN_AUTO && !ctx->host->has_isolated && !ctx->host->has_nohz_full) {
		finding_skip_read(f, "/sys/devices/system/cpu/isolated", -ENOENT);
		goto out;
	}
	ban_unbanned(ctx, &run, &left);
	desc = ban_describe(&run);
	if (cpuset_empty(&left) && cpuset_empty(&file_left)) {
		finding_pass(f, "irqbalance (pid %ld): %s (from %s)", pid, desc,
			     from_env ? path : has_file ? cfg : "defaults");
	} else if (cpuset_empty(&left)) {
		finding_warn(f, "irqbalance (pid %ld) bans them now, but %s would leave '%s' unbanned at its next restart",
			     pid, cfg, cpuset_format(&file_left, unb, sizeof(unb)));
		irqbalance_remedy(f, &file, iso, cfg, false);
	} else {
		finding_fail(f, "irqbalance (pid %ld) may move IRQs onto isolated cores '%s': %s (from %s)%s", pid,
			     cpuset_format(&left, unb, sizeof(unb)), desc, from_env ? path : has_file ? cfg : "defaults",
			     from_env && cpuset_empty(&file_left) ? "; the config file is fixed but not yet applied" : "");
		irqbalance_remedy(f, &run, iso, cfg, from_env && cpuset_empty(&file_left));
	}
out:
	free(desc);
	free(iso);
}

static void run_irqbalance(const struct check_ctx *ctx, struct finding *f)
{
	const char *want = check_wanted(ctx, f, PK_IRQBALANCE);
	long pid;

	if (!want)
		return;
	if (!sysroot_is_dir(ctx->sr, "/proc")) {
		finding_skip_read(f, "/proc", -ENOENT);
		return;
	}
	pid = host_process_named(ctx->host, "irqbalance");
	if (!strcmp(want, "off")) {
		irqbalance_off(ctx, f, pid);
		return;
	}
	if (cpuset_empty(&ctx->prof->isolated)) {
		finding_skip(f, "profile isolates no cores");
		return;
	}
	irqbalance_banned(ctx, f, pid);
}

#define IRQBALANCE_UNIT "irqbalance.service"

#define CPULIST_VAR "IRQBALANCE_BANNED_CPULIST"
#define CPUS_VAR "IRQBALANCE_BANNED_CPUS"
#define CPUS_OFF "# off by tickready: irqbalance 1.9 still applies it, over " CPULIST_VAR ": "

/*
 * The config with every IRQBALANCE_BANNED_CPULIST assignment set to list (one appended when there
 * is none), and each non-empty IRQBALANCE_BANNED_CPUS commented out: irqbalance 1.9 logs that
 * variable as "discarded" yet still applies it, over the list (setup_banned_cpus()).
 */
static char *banned_conf(const char *text, size_t len, const char *list)
{
	struct strbuf sb = { 0 };
	size_t pos = 0;
	bool has_list = false;

	while (pos < len) {
		const char *l = text + pos, *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		char value[256];

		if (shell_assigns(l, n, CPULIST_VAR, value, sizeof(value))) {
			strbuf_addf(&sb, CPULIST_VAR "=%s", list);
			has_list = true;
		} else if (shell_assigns(l, n, CPUS_VAR, value, sizeof(value)) && value[0]) {
			strbuf_addf(&sb, CPUS_OFF "%.*s", (int)n, l);
		} else {
			strbuf_addf(&sb, "%.*s", (int)n, l);
		}
		if (nl)
			strbuf_add(&sb, "\n");
		pos += n + (nl ? 1 : 0);
	}
	if (!has_list)
		strbuf_addf(&sb, "%s" CPULIST_VAR "=%s\n", len && text[len - 1] != '\n' ? "\n" : "", list);
	return strbuf_detach(&sb);
}

/* What the config bans now, for the plan's current value; NULL when it sets neither variable. */
static const char *banned_now(const char *text, size_t len, char *buf, size_t size)
{
	char cpus[200], cpulist[200];

	if (!text)
		return NULL;
	if (shell_var(text, len, CPUS_VAR, cpus, sizeof(cpus)) && cpus[0]) {
		snprintf(buf, size, CPUS_VAR "=%s (overrides the list)", cpus);
		return buf;
	}
	if (shell_var(text, len, CPULIST_VAR, cpulist, sizeof(cpulist))) {
		snprintf(buf, size, "%s", cpulist);
		return buf;
	}
	return NULL;
}

static int plan_irqbalance(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_IRQBALANCE);
	char list[CPUSET_TEXT_MAX], now[256], target[96], *text = NULL, *next;
	const char *conf;
	struct change *c;
	size_t len = 0;
	int rc;

	if (!want)
		return 0;
	if (!strcmp(want, "off")) {
		if (!ctx->sr->live) {
			plan_add_manual(p, f, "irqbalance is stopped with systemctl, which only the live host has: "
					"`systemctl disable --now " IRQBALANCE_UNIT "` there");
			return 0;
		}
		plan_add_service(p, f->check->id, IRQBALANCE_UNIT,
				 (const char *const[]){ "systemctl", "disable", "--now", IRQBALANCE_UNIT, NULL },
				 (const char *const[]){ "systemctl", "enable", "--now", IRQBALANCE_UNIT, NULL });
		return 0;
	}
	cpuset_format(&ctx->prof->isolated, list, sizeof(list));
	conf = irqbalance_config(ctx->sr);
	rc = tree_read(ctx->sr, conf, &text, &len);
	if (rc < 0 && rc != -ENOENT)
		return 0;
	next = banned_conf(text ? text : "", len, list);
	if (!text || strcmp(text, next)) {
		if (!text)
			tune_parent_dirs(ctx, p, f->check->id, conf);
		snprintf(target, sizeof(target), "%s " CPULIST_VAR, conf);
		c = plan_add(p, f->check->id, text ? CK_WRITE : CK_CREATE, target, conf,
			     banned_now(text, len, now, sizeof(now)), next);
		if (c) {
			const char *cpus_off = strstr(next, CPUS_OFF) ? "; sed -i 's/^" CPUS_VAR "=/#&/' " : "";
			char tmp[256];

			if (text && shell_var(text, len, CPULIST_VAR, tmp, sizeof(tmp)))
				change_set(&c->shell, "sed -i 's/^" CPULIST_VAR "=.*/" CPULIST_VAR "=%s/' %s%s%s", list,
					   conf, cpus_off, *cpus_off ? conf : "");
			else
				change_set(&c->shell, "echo " CPULIST_VAR "=%s >> %s%s%s", list, conf, cpus_off,
					   *cpus_off ? conf : "");
			tune_guard_cpus(ctx, c);
		}
		/* irqbalance reads its config at start; only the live host has it running. */
		if (ctx->sr->live)
			plan_add_service(p, f->check->id, IRQBALANCE_UNIT,
					 (const char *const[]){ "systemctl", "try-restart", IRQBALANCE_UNIT, NULL },
					 (const char *const[]){ "systemctl", "try-restart", IRQBALANCE_UNIT, NULL });
	}
	free(text);
	free(next);
	return 0;
}

const struct check check_irq_irqbalance = {
	.keys = KEYS(PK_IRQBALANCE, PK_ISOLATED_CORES),
	.flags = CF_RUNTIME | CF_PROCS,
	.id = "irq.irqbalance", .area = AREA_IRQ, .title = "irqbalance off, or banning the isolated cores",
	.reads = "/proc/PID/status (Name; /proc/PID/comm without one), /proc/PID/environ, " IRQBALANCE_DEBIAN ", " IRQBALANCE_RHEL ", " IRQBALANCE_WANTS
		 ", /sys/devices/system/cpu/{isolated,nohz_full}",
	.run = run_irqbalance, .plan = plan_irqbalance,
};

/* ---- irq.affinity ---- */

enum irq_kind {
	IRQK_MOVABLE,
	IRQK_PERCPU,		/* per-cpu or no-balancing: the kernel refuses affinity writes */
	IRQK_MANAGED,		/* debugfs says IRQD_AFFINITY_MANAGED */
	IRQK_MANAGED_GUESS,	/* no debugfs; the device's vectors look spread by the kernel */
};

struct irq_list {
	int n;
	struct strbuf text, fix;
};

static void irq_list_add(struct irq_list *l, const struct irq *q, const char *hk, bool with_fix)
{
	char cpus[64];

	if (l->n++ >= IRQS_SHOWN)
		return;
	cpuset_format(irq_cpus(q), cpus, sizeof(cpus));
	strbuf_addf(&l->text, "%s%d (%s) on %s", l->text.len ? ", " : "", q->num, q->name[0] ? q->name : "no action",
		    cpus);
	if (with_fix)
		strbuf_addf(&l->fix, "%secho %s > /proc/irq/%d/smp_affinity_list", l->fix.len ? "; " : "", hk, q->num);
}

static const char *irq_list_text(struct irq_list *l, char *more, size_t size)
{
	more[0] = '\0';
	if (l->n > IRQS_SHOWN)
		snprintf(more, size, " and %d more", l->n - IRQS_SHOWN);
	return l->text.len ? l->text.s : "";
}

static void irq_list_free(struct irq_list *l)
{
	strbuf_free(&l->text);
	strbuf_free(&l->fix);
}

/*
 * The PCI device of each MSI vector, as far as /proc/interrupts and the NICs tell: newer kernels
 * name it in the chip ("IR-PCI-MSIX-0000:3b:00.0"), else a NIC's msi_irqs may claim the vector.
 */
static char (*irq_devices(const struct host *h))[48]
{
	char (*key)[48] = xcalloc(h->nirqs ? h->nirqs : 1, sizeof(*key));

	for (size_t i = 0; i < h->nirqs; i++) {
		const char *msi = strstr(h->irqs[i].chip, "PCI-MSI");

		if (msi && strchr(msi, ':'))
			snprintf(key[i], sizeof(key[i]), "%s", msi);
	}
	for (size_t n = 0; n < h->nnics; n++)
		for (size_t i = 0; i < h->nics[n].nirqs; i++) {
			const struct irq *q = host_irq(h, h->nics[n].irqs[i]);

			if (q && strstr(q->chip, "PCI-MSI") && !key[q - h->irqs][0])
				snprintf(key[q - h->irqs], sizeof(key[0]), "nic:%s", h->nics[n].pci);
		}
	return key;
}

static int cmp_key(const void *a, const void *b, void *keys)
{
	const char (*key)[48] = keys;

	return strcmp(key[*(const size_t *)a], key[*(const size_t *)b]);
}

/* One device's vectors, idx[0..n): disjoint masks, apart from whole-machine ones, covering every cpu. */
static bool spread_by_kernel(const struct host *h, const size_t *idx, size_t n, const struct cpuset *all)
{
	struct cpuset seen;
	int vectors = 0, sum = 0;

	cpuset_zero(&seen);
	for (size_t i = 0; i < n; i++) {
		const struct irq *o = &h->irqs[idx[i]];

		if (!o->has_affinity || cpuset_subset(all, o->affinity))
			continue;
		vectors++;
		sum += cpuset_count(o->affinity);
		cpuset_or(&seen, &seen, o->affinity);
	}
	return vectors >= 2 && sum == cpuset_count(&seen) && cpuset_subset(all, &seen);
}

/*
 * Without debugfs, the shape of kernel spreading (irq_create_affinity_masks) is the tell: a device
 * whose vectors, apart from those on the whole machine (pre/post vectors, not managed), have
 * pairwise disjoint masks that together cover every online cpu. A layout set by hand or by
 * irqbalance rarely looks like that. Returns one flag per IRQ; O(n log n) over the IRQs.
 */
static bool *managed_guess(const struct host *h)
{
	char (*key)[48] = irq_devices(h);
	size_t *idx = xmalloc((h->nirqs ? h->nirqs : 1) * sizeof(*idx));
	bool *out = xcalloc(h->nirqs ? h->nirqs : 1, sizeof(*out));
	struct cpuset all = h->has_online ? h->online : h->present;

	for (size_t i = 0; i < h->nirqs; i++)
		idx[i] = i;
	qsort_r(idx, h->nirqs, sizeof(*idx), cmp_key, key);
	for (size_t i = 0, j; i < h->nirqs; i = j) {
		for (j = i + 1; j < h->nirqs && !strcmp(key[idx[i]], key[idx[j]]); j++)
			;
		if (!key[idx[i]][0] || !spread_by_kernel(h, idx + i, j - i, &all))
			continue;
		for (size_t k = i; k < j; k++) {
			const struct irq *o = &h->irqs[idx[k]];

			out[idx[k]] = o->has_affinity && !cpuset_subset(&all, o->affinity);
		}
	}
	free(key);
	free(idx);
	return out;
}

struct affinity_scan {
	bool debugfs;		/* /sys/kernel/debug/irq is readable */
	bool *guess;		/* managed_guess(), built on first need */
	struct irq_list movable;	/* fail: echo fixes them */
	struct irq_list managed_boot;	/* fail: isolcpus=managed_irq would keep them off */
	struct irq_list managed_stuck;	/* warn: every cpu of their mask is isolated */
	int percpu, considered;
	bool guessed;
};

static enum irq_kind irq_kind(const struct check_ctx *ctx, const struct irq *q, struct affinity_scan *s)
{
	char path[64], *text;
	enum irq_kind k = IRQK_MOVABLE;

	if (!s->debugfs) {
		if (!s->guess)
			s->guess = managed_guess(ctx->host);
		return s->guess[q - ctx->host->irqs] ? IRQK_MANAGED_GUESS : IRQK_MOVABLE;
	}
	snprintf(path, sizeof(path), IRQ_DEBUGFS "/%d", q->num);
	if (sysroot_read_alloc(ctx->sr, path, 65536, &text, NULL) < 0)
		return IRQK_MOVABLE;
	if (strstr(text, "IRQD_PER_CPU") || strstr(text, "IRQD_NO_BALANCING"))
		k = IRQK_PERCPU;
	else if (strstr(text, "IRQD_AFFINITY_MANAGED"))
		k = IRQK_MANAGED;
	free(text);
	return k;
}

static bool managed_irq_flag(const struct cmdline *cl)
{
	const char *v = cmdline_get(cl, "isolcpus");
	struct cpuset cpus;
	unsigned flags = 0;

	return v && cmdline_parse_isolcpus(v, &cpus, &flags) == 0 && (flags & ISOLCPUS_MANAGED_IRQ);
}

static void affinity_classify(const struct check_ctx *ctx, const struct irq *q, const char *hk, bool mirq,
			      struct affinity_scan *s)
{
	enum irq_kind k = irq_kind(ctx, q, s);

	if (k == IRQK_PERCPU) {
		s->percpu++;
		return;
	}
	if (k == IRQK_MOVABLE) {
		irq_list_add(&s->movable, q, hk, true);
		return;
	}
	s->guessed |= k == IRQK_MANAGED_GUESS;
	/* managed_irq keeps a managed vector on a housekeeping cpu of its mask, when it has one. */
	if (!q->has_affinity || cpuset_subset(q->affinity, &ctx->prof->isolated) || mirq)
		irq_list_add(&s->managed_stuck, q, hk, false);
	else
		irq_list_add(&s->managed_boot, q, hk, false);
}

static void affinity_report(const struct check_ctx *ctx, struct finding *f, struct affinity_scan *s)
{
	char m1[32], m2[32], m3[32], *iso = cpuset_text(&ctx->prof->isolated);
	const char *guess = s->guessed ? " (no debugfs: judged from the device's vector layout)" : "";

	if (s->movable.n || s->managed_boot.n) {
		struct strbuf obs = { 0 };

		if (s->movable.n)
			strbuf_addf(&obs, "%d IRQs on isolated cores: %s%s", s->movable.n,
				    irq_list_text(&s->movable, m1, sizeof(m1)), m1);
		if (s->managed_boot.n)
			strbuf_addf(&obs, "%s%d kernel-managed IRQs on isolated cores although their mask has "
				    "housekeeping cpus, and no isolcpus=managed_irq: %s%s%s", obs.len ? "; " : "",
				    s->managed_boot.n, irq_list_text(&s->managed_boot, m2, sizeof(m2)), m2, guess);
		finding_fail(f, "%s", obs.s);
		strbuf_free(&obs);
		if (s->movable.n)
			finding_remedy(f, "%s%s", s->movable.fix.s,
				       s->movable.n > IRQS_SHOWN ? "; ... and the same for the others" : "");
		else {
			finding_remedy(f, "add 'isolcpus=managed_irq,domain,%s' to the kernel command line", iso);
			f->needs_reboot = true;
			f->pending_reboot = ctx->host->has_staged && managed_irq_flag(&ctx->host->staged);
		}
	} else if (s->managed_stuck.n) {
		finding_warn(f, "%d IRQs on isolated cores: %s%s, managed by the kernel, cannot be moved%s; "
			     "isolcpus=managed_irq keeps them off isolated cores when possible", s->managed_stuck.n,
			     irq_list_text(&s->managed_stuck, m3, sizeof(m3)), m3, guess);
		finding_remedy(f, "none from userspace: they fire only for work queued from their own cpus; keep I/O to "
			       "this device off the isolated cores");
	} else {
		finding_pass(f, "none of %d IRQs on isolated cores%s", s->considered,
			     s->percpu ? " (per-cpu IRQs, which cannot move, left out)" : "");
	}
	free(iso);
}

static void run_affinity(const struct check_ctx *ctx, struct finding *f)
{
	const struct host *h = ctx->host;
	struct affinity_scan s = { 0 };
	char *hk;
	bool mirq;

	if (cpuset_empty(&ctx->prof->isolated)) {
		finding_skip(f, "profile isolates no cores");
		return;
	}
	if (!h->has_irqs) {
		finding_skip_read(f, "/proc/interrupts", h->irqs_err);
		return;
	}
	hk = cpuset_text(&ctx->prof->housekeeping);
	mirq = managed_irq_flag(&h->cmdline);
	s.debugfs = sysroot_is_dir(ctx->sr, IRQ_DEBUGFS);
	finding_expected(f, "no IRQ delivered to the isolated cores (effective affinity within '%s')", hk);
	for (size_t i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		const struct cpuset *on = irq_cpus(q);

		if (!on)
			continue;
		s.considered++;
		if (cpuset_intersects(on, &ctx->prof->isolated))
			affinity_classify(ctx, q, hk, mirq, &s);
	}
	if (!s.considered)
		finding_skip(f, "no IRQ has a readable affinity under /proc/irq");
	else
		affinity_report(ctx, f, &s);
	irq_list_free(&s.movable);
	irq_list_free(&s.managed_boot);
	irq_list_free(&s.managed_stuck);
	free(s.guess);
	free(hk);
}

/* Each NIC IRQ with its NIC, sorted by IRQ: one lookup per IRQ instead of a walk of every NIC's list, which made
 * plan_irq_affinity quadratic (16,000 NIC IRQs: 647 M instructions of 1.38 G for the whole audit). */
struct irq_nic {
	int irq;
	size_t nic;	/* the first NIC listing it, as the walk found */
};

static int cmp_irq_nic(const void *a, const void *b)
{
	const struct irq_nic *x = a, *y = b;

	if (x->irq != y->irq)
		return x->irq < y->irq ? -1 : 1;
	return x->nic < y->nic ? -1 : x->nic > y->nic;
}

static struct irq_nic *irq_nic_index(const struct host *h, size_t *n)
{
	struct irq_nic *v;
	size_t total = 0;

	for (size_t i = 0; i < h->nnics; i++)
		total += h->nics[i].nirqs;
	v = xcalloc(total ? total : 1, sizeof(*v));
	*n = 0;
	for (size_t i = 0; i < h->nnics; i++)
		for (size_t k = 0; k < h->nics[i].nirqs; k++)
			v[(*n)++] = (struct irq_nic){ h->nics[i].irqs[k], i };
	qsort(v, *n, sizeof(*v), cmp_irq_nic);
	return v;
}

static const struct nic *nic_of_irq(const struct host *h, const struct irq_nic *index, size_t n, int irq)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {	/* the first entry for irq: the lowest NIC index */
		size_t mid = lo + (hi - lo) / 2;

		if (index[mid].irq < irq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && index[lo].irq == irq ? &h->nics[index[lo].nic] : NULL;
}

/* Housekeeping cores, narrowed to the NIC's node for a NIC's IRQs when that leaves any. */
static void irq_target(const struct tune_ctx *ctx, const struct nic *n, struct cpuset *out)
{
	const struct numa_node *node = n && n->numa_node >= 0 ? host_node(ctx->host, n->numa_node) : NULL;

	*out = ctx->prof->housekeeping;
	if (node) {
		struct cpuset local;

		cpuset_and(&local, &ctx->prof->housekeeping, &node->cpus);
		if (!cpuset_empty(&local))
			*out = local;
	}
}

/* In a tree the kernel does not recompute the other affinity files: write them as it would. */
static void emulate_irq(const struct tune_ctx *ctx, struct plan *p, const char *check, const struct irq *irq,
			const struct cpuset *want, const char *want_list)
{
	char text[CPUSET_TEXT_MAX];
	char path[64];
	struct change *c;
	int num = irq->num;

	str_num(path, sizeof(path), "/proc/irq/", num, "/effective_affinity_list");
	/* Read by host_load: it exists, no need to ask again (4,000 IRQs). */
	if (irq->has_effective || sysroot_exists(ctx->sr, path)) {
		c = plan_add(p, check, CK_WRITE, path, path, NULL, want_list);
		if (c)
			c->tree_only = true;
	}
	str_num(path, sizeof(path), "/proc/irq/", num, "/smp_affinity");
	if (sysroot_exists(ctx->sr, path)) {
		c = plan_add(p, check, CK_WRITE, path, path, NULL, cpuset_format_mask(want, text, sizeof(text)));
		if (c)
			c->tree_only = true;
	}
}

static int plan_irq_affinity(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	char now[CPUSET_TEXT_MAX], next[CPUSET_TEXT_MAX];
	const struct host *h = ctx->host;
	struct irq_nic *index;
	size_t nindex;
	/* IRQs share a few sets (their affinities are interned, their targets one per node): each formatted once in a row. */
	const struct cpuset *now_of = NULL;
	struct cpuset next_of;
	bool have_next = false;

	if (cpuset_empty(&ctx->prof->housekeeping))
		return 0;
	index = irq_nic_index(h, &nindex);
	for (size_t i = 0; i < h->nirqs; i++) {
		const struct irq *irq = &h->irqs[i];
		const struct nic *n;
		struct cpuset want;
		struct change *c;
		char path[64];

		if (!irq->has_affinity)
			continue;
		n = nic_of_irq(h, index, nindex, irq->num);
		/* The management NIC's IRQs are left alone once off the isolated cores: node locality is not worth the risk. */
		if (n && ctx->mgmt && mgmt_reason(ctx->mgmt, n) && cpuset_subset(irq->affinity, &ctx->prof->housekeeping))
			continue;
		irq_target(ctx, n, &want);
		if (cpuset_subset(irq->affinity, &want))
			continue;
		str_num(path, sizeof(path), "/proc/irq/", irq->num, "/smp_affinity_list");
		if (irq->affinity != now_of) {
			cpuset_format(irq->affinity, now, sizeof(now));
			now_of = irq->affinity;
		}
		if (!have_next || !cpuset_equal(&want, &next_of)) {
			cpuset_format(&want, next, sizeof(next));
			next_of = want;
			have_next = true;
		}
		c = plan_add(p, f->check->id, CK_WRITE, path, path, now, next);
		if (!c)
			continue;
		change_set(&c->shell, "echo %s > %s", next, path);
		c->refusable = true;
		tune_guard_cpus(ctx, c);
		tune_guard_nic(ctx, c, n);
		if (!c->blocked && !ctx->sr->live)
			emulate_irq(ctx, p, f->check->id, irq, &want, next);
	}
	free(index);
	return 0;
}

const struct check check_irq_affinity = {
	.keys = KEYS(PK_ISOLATED_CORES, PK_HOUSEKEEPING_CORES),
	.flags = CF_RUNTIME,
	.id = "irq.affinity", .area = AREA_IRQ, .title = "no movable IRQ on the isolated cores",
	.reads = "/proc/interrupts, /proc/irq/*/{smp,effective}_affinity_list, " IRQ_DEBUGFS "/*",
	.run = run_affinity, .plan = plan_irq_affinity,
};

/* ---- irq.default_affinity ---- */

/* Hex mask as the kernel prints one, without its leading zero digits ("33", not "00000033"). */
static char *mask_text(const struct cpuset *s)
{
	char *buf = xmalloc(CPUSET_TEXT_MAX), *out;
	size_t skip = 0;

	cpuset_format_mask(s, buf, CPUSET_TEXT_MAX);
	while (buf[skip] == '0' && buf[skip + 1] && buf[skip + 1] != ',')
		skip++;
	out = xstrdup(buf + skip);
	free(buf);
	return out;
}

static void run_default_affinity(const struct check_ctx *ctx, struct finding *f)
{
	char have[128], on[128];
	struct cpuset mask, bad;
	char *hk;
	int rc;

	if (cpuset_empty(&ctx->prof->isolated)) {
		finding_skip(f, "profile isolates no cores");
		return;
	}
	if ((rc = sysroot_read_mask(ctx->sr, DEFAULT_AFFINITY, &mask)) < 0) {
		finding_skip_bad(f, ctx->sr, DEFAULT_AFFINITY, rc);
		return;
	}
	hk = mask_text(&ctx->prof->housekeeping);
	finding_expected(f, "'%s' without isolated cores (housekeeping mask '%s')", DEFAULT_AFFINITY, hk);
	cpuset_format(&mask, have, sizeof(have));
	cpuset_and(&bad, &mask, &ctx->prof->isolated);
	if (cpuset_empty(&bad)) {
		finding_pass(f, "'%s' = cpus '%s'", DEFAULT_AFFINITY, have);
	} else {
		finding_fail(f, "'%s' = cpus '%s', isolated cores '%s' included", DEFAULT_AFFINITY, have,
			     cpuset_format(&bad, on, sizeof(on)));
		finding_remedy(f, "echo %s > %s", hk, DEFAULT_AFFINITY);
	}
	free(hk);
}

static int plan_default_affinity(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	static const char path[] = "/proc/irq/default_smp_affinity";
	char text[CPUSET_TEXT_MAX / 2], next[CPUSET_TEXT_MAX / 2];
	struct cpuset now;
	struct change *c;

	if (cpuset_empty(&ctx->prof->housekeeping) || sysroot_read_str(ctx->sr, path, text, sizeof(text)) < 0 ||
	    (cpuset_parse_mask(&now, text) == 0 && cpuset_equal(&now, &ctx->prof->housekeeping)))
		return 0;
	cpuset_format_mask(&ctx->prof->housekeeping, next, sizeof(next));
	c = plan_add(p, f->check->id, CK_WRITE, path, path, text, next);
	if (c) {
		change_set(&c->shell, "echo %s > %s", next, path);
		tune_guard_cpus(ctx, c);
	}
	return 0;
}

const struct check check_irq_default_affinity = {
	.keys = KEYS(PK_HOUSEKEEPING_CORES, PK_ISOLATED_CORES),
	.flags = CF_RUNTIME,
	.id = "irq.default_affinity", .area = AREA_IRQ, .title = "new IRQs start off the isolated cores",
	.reads = DEFAULT_AFFINITY, .run = run_default_affinity, .plan = plan_default_affinity,
};

/* ---- irq.nic_node ---- */

static const char *nic_label(const struct nic *n)
{
	return n->name[0] ? n->name : n->pci;
}

/* Skips (and returns NULL) unless the profile asks and the NIC has kernel IRQs to judge. */
static const struct nic *nic_node_target(const struct check_ctx *ctx, struct finding *f)
{
	const struct nic *n = ctx->prof->nic;
	bool asked;

	if (profile_bool(ctx->prof, PK_NIC_IRQS_LOCAL, &asked) < 0 || !asked) {
		finding_skip(f, "profile does not ask for irq.nic_irqs_local");
		return NULL;
	}
	if (!n) {
		const char *w = ctx->prof->nic_wanted;

		if (w && strcmp(w, "none") && strcmp(w, "auto") && strcmp(w, "any"))
			finding_skip(f, "the bypass NIC '%s' is not on this host", w);
		else
			finding_skip(f, "no bypass NIC found (auto picks a PCI NIC off the management path; set [nic] interface)");
		return NULL;
	}
	if (nic_userspace_driver(n->driver)) {
		finding_skip(f, "%s is bound to %s: no kernel IRQ handlers in use", nic_label(n), n->driver);
		return NULL;
	}
	if (!n->nirqs) {
		finding_skip(f, "%s has no IRQs", nic_label(n));
		return NULL;
	}
	return n;
}

static void run_nic_node(const struct check_ctx *ctx, struct finding *f)
{
	const struct nic *n = nic_node_target(ctx, f);
	const struct numa_node *node;
	struct irq_list bad = { 0 };
	struct cpuset want, out;
	char more[32], *wl;
	int active = 0;

	if (!n)
		return;
	node = host_node(ctx->host, ctx->prof->nic_node);
	want = ctx->prof->housekeeping;
	if (node)
		cpuset_and(&want, &want, &node->cpus);
	wl = cpuset_text(&want);
	finding_expected(f, "%s's IRQs on housekeeping cores of node %d ('%s')", nic_label(n), ctx->prof->nic_node, wl);
	if (cpuset_empty(&want)) {
		finding_fail(f, "node %d has no housekeeping cores for %s's IRQs", ctx->prof->nic_node, nic_label(n));
		finding_remedy(f, "add a cpu of node %d to [cpu] housekeeping_cores", ctx->prof->nic_node);
		goto out;
	}
	for (size_t i = 0; i < n->nirqs; i++) {
		const struct irq *q = host_irq(ctx->host, n->irqs[i]);

		/* A vector in msi_irqs but not in /proc/interrupts is allocated, not requested: it never fires. */
		if (!q || !irq_cpus(q))
			continue;
		active++;
		cpuset_andnot(&out, irq_cpus(q), &want);
		if (!cpuset_empty(&out))
			irq_list_add(&bad, q, wl, true);
	}
	if (!active)
		finding_skip(f, "none of %s's %zu IRQs is requested (in /proc/interrupts with an affinity)", nic_label(n),
			     n->nirqs);
	else if (!bad.n)
		finding_pass(f, "%d IRQs of %s on '%s'", active, nic_label(n), wl);
	else {
		finding_fail(f, "%d of %d IRQs of %s off the housekeeping cores of node %d: %s%s", bad.n, active,
			     nic_label(n), ctx->prof->nic_node, irq_list_text(&bad, more, sizeof(more)), more);
		finding_remedy(f, "%s%s", bad.fix.s, bad.n > IRQS_SHOWN ? "; ... and the same for the others" : "");
	}
out:
	irq_list_free(&bad);
	free(wl);
}

/*
 * A bind to a user-space driver (nic.driver's plan) takes the NIC's kernel IRQs away: the check is settled
 * by it, when the plan holds it (plan_build lists it by hand otherwise).
 */
static int plan_nic_node(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const struct nic *n = ctx->prof->nic;
	const char *want = profile_str(ctx->prof, PK_NIC_DRIVER);

	if (n && n->pci[0] && want && nic_userspace_driver(want) && tune_failed(ctx, "nic.driver")) {
		char *why = xasprintf("binding %s to %s leaves it no kernel IRQ handlers to place", n->pci, want);

		plan_add_moot(p, f->check->id, n->pci, why);
		free(why);
		return 0;
	}
	return plan_irq_affinity(ctx, f, p);
}

const struct check check_irq_nic_node = {
	.keys = KEYS(PK_NIC_IRQS_LOCAL, PK_NIC_INTERFACE, PK_HOUSEKEEPING_CORES, PK_NIC_DRIVER),
	.flags = CF_RUNTIME | CF_PER_NIC,
	.id = "irq.nic_node", .area = AREA_IRQ, .title = "bypass NIC's IRQs on housekeeping cores of its node",
	.reads = "/sys/bus/pci/devices/*/msi_irqs, /proc/interrupts, /proc/irq/*/effective_affinity_list",
	.run = run_nic_node, .plan = plan_nic_node,
};
