/* IRQs: irqbalance's real banned set, effective affinities, default affinity, NIC IRQ placement. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "util.h"

/* The pid of a running irqbalance, or -1. */
static long irqbalance_pid(const struct check_ctx *ctx)
{
	struct dirlist dl;
	long found = -1;

	if (sysroot_list(ctx->sr, "/proc", &dl) < 0)
		return -1;
	for (size_t i = 0; i < dl.n && found < 0; i++) {
		char path[64], comm[32];
		long pid;

		if (parse_long(dl.names[i], &pid) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		if (sysroot_read_str(ctx->sr, path, comm, sizeof(comm)) == 0 && !strcmp(comm, "irqbalance"))
			found = pid;
	}
	dirlist_free(&dl);
	return found;
}

/* VAR=value from shell-style text (comments, quotes, "export"); NUL-separated environ works too. */
static bool env_value(const char *text, size_t len, const char *var, char *out, size_t size)
{
	size_t vlen = strlen(var);
	bool found = false;

	for (size_t i = 0; i < len;) {
		const char *l = text + i;
		size_t n = 0;

		while (i + n < len && text[i + n] != '\n' && text[i + n] != '\0')
			n++;
		i += n + 1;
		while (n && (*l == ' ' || *l == '\t'))
			l++, n--;
		if (n > 7 && !strncmp(l, "export ", 7))
			l += 7, n -= 7;
		if (n <= vlen || strncmp(l, var, vlen) || l[vlen] != '=')
			continue;
		snprintf(out, size, "%.*s", (int)(n - vlen - 1), l + vlen + 1);
		trim(out);
		if (*out == '"' || *out == '\'') {
			char q = *out;

			memmove(out, out + 1, strlen(out));
			if (strchr(out, q))
				*strchr(out, q) = '\0';
		}
		found = true;	/* the last assignment wins */
	}
	return found;
}

static void run_irqbalance(const struct check_ctx *ctx, struct finding *f)
{
	const char *want = profile_str(ctx->prof, PK_IRQBALANCE);
	const char *cfg = "/etc/default/irqbalance";
	char list[1024] = "", iso[256], unb[256], *text;
	struct cpuset banned, unbanned;
	bool explicit = false, old_var = false;
	size_t len;
	long pid;

	if (!want) {
		finding_skip(f, "profile does not ask for [irq] irqbalance");
		return;
	}
	pid = irqbalance_pid(ctx);
	cpuset_format(&ctx->prof->isolated, iso, sizeof(iso));
	if (!strcmp(want, "off")) {
		finding_expected(f, "irqbalance not running");
		if (pid < 0) {
			finding_pass(f, "irqbalance is not running");
			return;
		}
		finding_fail(f, "irqbalance is running (pid %ld)", pid);
		finding_remedy(f, "systemctl disable --now irqbalance");
		return;
	}
	finding_expected(f, "irqbalance stopped, or banning the isolated cores %s", iso);
	if (pid < 0) {
		finding_pass(f, "irqbalance is not running");
		return;
	}
	/* What it was started with beats what the file says now. */
	char path[64];

	snprintf(path, sizeof(path), "/proc/%ld/environ", pid);
	if (sysroot_read_alloc(ctx->sr, path, 1 << 20, &text, &len) == 0 ||
	    sysroot_read_alloc(ctx->sr, cfg, 1 << 20, &text, &len) == 0 ||
	    sysroot_read_alloc(ctx->sr, "/etc/sysconfig/irqbalance", 1 << 20, &text, &len) == 0) {
		char old[64];

		explicit = env_value(text, len, "IRQBALANCE_BANNED_CPULIST", list, sizeof(list));
		old_var = env_value(text, len, "IRQBALANCE_BANNED_CPUS", old, sizeof(old));
		free(text);
	}
	/* irqbalance >= 1.8 bans isolcpus and nohz_full itself, unless an explicit list replaces that. */
	if (explicit) {
		if (cpuset_parse(&banned, list) < 0) {
			finding_fail(f, "IRQBALANCE_BANNED_CPULIST='%s' is not a cpu list", list);
			finding_remedy(f, "IRQBALANCE_BANNED_CPULIST=%s in %s, then systemctl restart irqbalance", iso, cfg);
			return;
		}
	} else {
		cpuset_or(&banned, &ctx->host->isolated, &ctx->host->nohz_full);
	}
	cpuset_andnot(&unbanned, &ctx->prof->isolated, &banned);
	if (cpuset_empty(&unbanned)) {
		finding_pass(f, "irqbalance (pid %ld) bans %s%s", pid, explicit ? "IRQBALANCE_BANNED_CPULIST=" : "",
			     explicit ? list : "the kernel's isolated and nohz_full cpus, which cover the isolated cores");
		return;
	}
	finding_fail(f, "irqbalance (pid %ld) may move IRQs onto isolated cores %s%s%s", pid,
		     cpuset_format(&unbanned, unb, sizeof(unb)),
		     explicit ? " (IRQBALANCE_BANNED_CPULIST overrides its own isolcpus ban)" : "",
		     old_var ? "; IRQBALANCE_BANNED_CPUS is ignored by irqbalance >= 1.8: use IRQBALANCE_BANNED_CPULIST" : "");
	finding_remedy(f, "IRQBALANCE_BANNED_CPULIST=%s in %s, then systemctl restart irqbalance", iso, cfg);
}

const struct check check_irq_irqbalance = {
	.id = "irq.irqbalance", .area = AREA_IRQ, .title = "irqbalance off or banning the isolated cores",
	.reads = "/proc/*/comm, /proc/PID/environ, /etc/default/irqbalance", .run = run_irqbalance,
};

/* Kernel-managed IRQs refuse affinity writes; debugfs says which they are. */
static bool irq_managed(const struct check_ctx *ctx, int num)
{
	char path[64], *text;
	bool managed;

	snprintf(path, sizeof(path), "/sys/kernel/debug/irq/irqs/%d", num);
	if (sysroot_read_alloc(ctx->sr, path, 65536, &text, NULL) < 0)
		return false;
	managed = strstr(text, "IRQD_AFFINITY_MANAGED") != NULL;
	free(text);
	return managed;
}

static void run_affinity(const struct check_ctx *ctx, struct finding *f)
{
	struct strbuf bad = { 0 }, managed = { 0 }, fix = { 0 };
	char hk[256], cpus[64];
	int nbad = 0, nmanaged = 0;

	if (cpuset_empty(&ctx->prof->isolated)) {
		finding_skip(f, "profile isolates no cores");
		return;
	}
	if (!ctx->host->has_irqs) {
		finding_skip_read(f, "/proc/interrupts", -ENOENT);
		return;
	}
	cpuset_format(&ctx->prof->housekeeping, hk, sizeof(hk));
	finding_expected(f, "no IRQ's effective affinity on isolated cores");
	for (size_t i = 0; i < ctx->host->nirqs; i++) {
		const struct irq *q = &ctx->host->irqs[i];
		const struct cpuset *on = q->has_effective ? &q->effective : &q->affinity;

		if ((!q->has_effective && !q->has_affinity) || !cpuset_intersects(on, &ctx->prof->isolated))
			continue;
		cpuset_format(on, cpus, sizeof(cpus));
		if (irq_managed(ctx, q->num)) {
			if (nmanaged++ < 8)
				strbuf_addf(&managed, "%s%d (%s) on %s", managed.len ? ", " : "", q->num, q->name, cpus);
			continue;
		}
		if (nbad++ < 8) {
			strbuf_addf(&bad, "%s%d (%s) on %s", bad.len ? ", " : "", q->num, q->name, cpus);
			strbuf_addf(&fix, "%secho %s > /proc/irq/%d/smp_affinity_list", fix.len ? "; " : "", hk, q->num);
		}
	}
	if (nbad) {
		finding_fail(f, "%d IRQs on isolated cores: %s%s%s%s", nbad, bad.s, nbad > 8 ? ", ..." : "",
			     nmanaged ? "; managed by the kernel: " : "", nmanaged ? managed.s : "");
		finding_remedy(f, "%s%s", fix.s, nbad > 8 ? "; ... (tickready apply moves them all)" : "");
	} else if (nmanaged) {
		finding_warn(f, "%d kernel-managed IRQs on isolated cores, which cannot be moved: %s%s", nmanaged,
			     managed.s, nmanaged > 8 ? ", ..." : "");
		finding_remedy(f, "boot with isolcpus=managed_irq,... so the kernel keeps managed IRQs off isolated cores "
			       "when a housekeeping cpu is in their mask");
	} else {
		finding_pass(f, "none of %zu IRQs on isolated cores", ctx->host->nirqs);
	}
	strbuf_free(&bad);
	strbuf_free(&managed);
	strbuf_free(&fix);
}

const struct check check_irq_affinity = {
	.id = "irq.affinity", .area = AREA_IRQ, .title = "no movable IRQ on isolated cores",
	.reads = "/proc/interrupts, /proc/irq/*/effective_affinity_list, /sys/kernel/debug/irq/irqs/*",
	.run = run_affinity,
};

static void run_default_affinity(const struct check_ctx *ctx, struct finding *f)
{
	const char *path = "/proc/irq/default_smp_affinity";
	char have[256], hkmask[256];
	struct cpuset mask;
	int rc;

	if (cpuset_empty(&ctx->prof->isolated)) {
		finding_skip(f, "profile isolates no cores");
		return;
	}
	if ((rc = sysroot_read_mask(ctx->sr, path, &mask)) < 0) {
		finding_skip_read(f, path, rc);
		return;
	}
	cpuset_format_mask(&ctx->prof->housekeeping, hkmask, sizeof(hkmask));
	finding_expected(f, "new IRQs start on housekeeping cores (mask %s)", hkmask);
	cpuset_format(&mask, have, sizeof(have));
	if (!cpuset_intersects(&mask, &ctx->prof->isolated)) {
		finding_pass(f, "'%s' = cpus %s", path, have);
		return;
	}
	finding_fail(f, "'%s' = cpus %s, includes isolated cores", path, have);
	finding_remedy(f, "echo %s > %s", hkmask, path);
}

const struct check check_irq_default_affinity = {
	.id = "irq.default_affinity", .area = AREA_IRQ, .title = "default IRQ affinity excludes isolated cores",
	.reads = "/proc/irq/default_smp_affinity", .run = run_default_affinity,
};

static bool bypass_bound(const struct nic *n)
{
	return !strcmp(n->driver, "vfio-pci") || !strcmp(n->driver, "uio_pci_generic") || !strcmp(n->driver, "igb_uio");
}

static void run_nic_node(const struct check_ctx *ctx, struct finding *f)
{
	const struct nic *n = ctx->prof->nic;
	const struct numa_node *node;
	struct cpuset want, out;
	struct strbuf bad = { 0 };
	char wl[256], cpus[64];
	bool asked;
	int nbad = 0;

	if (profile_bool(ctx->prof, PK_NIC_IRQS_LOCAL, &asked) < 0 || !asked) {
		finding_skip(f, "profile does not ask for [irq] nic_irqs_local");
		return;
	}
	if (!n) {
		finding_skip(f, "no bypass NIC: set [nic] interface");
		return;
	}
	if (bypass_bound(n) || !n->nirqs) {
		finding_skip(f, "%s has no kernel IRQ handlers in use (%s)", n->name[0] ? n->name : n->pci,
			     n->nirqs ? n->driver : "no IRQs");
		return;
	}
	node = host_node(ctx->host, ctx->prof->nic_node);
	want = ctx->prof->housekeeping;
	if (node && ctx->host->nnodes > 1)
		cpuset_and(&want, &want, &node->cpus);
	cpuset_format(&want, wl, sizeof(wl));
	finding_expected(f, "%s's IRQs on housekeeping cores of node %d (%s)", n->name[0] ? n->name : n->pci,
			 ctx->prof->nic_node, wl);
	for (size_t i = 0; i < n->nirqs; i++) {
		const struct irq *q = host_irq(ctx->host, n->irqs[i]);
		const struct cpuset *on;

		if (!q || (!q->has_effective && !q->has_affinity))
			continue;
		on = q->has_effective ? &q->effective : &q->affinity;
		cpuset_andnot(&out, on, &want);
		if (!cpuset_empty(&out) && nbad++ < 8)
			strbuf_addf(&bad, "%s%d on %s", bad.len ? ", " : "", q->num, cpuset_format(on, cpus, sizeof(cpus)));
	}
	if (!nbad)
		finding_pass(f, "%zu IRQs of %s on %s", n->nirqs, n->name[0] ? n->name : n->pci, wl);
	else {
		finding_fail(f, "%d IRQs of %s off the NIC's housekeeping cores: %s", nbad, n->name[0] ? n->name : n->pci,
			     bad.s);
		finding_remedy(f, "echo %s > /proc/irq/N/smp_affinity_list for each (tickready apply does it)", wl);
	}
	strbuf_free(&bad);
}

const struct check check_irq_nic_node = {
	.id = "irq.nic_node", .area = AREA_IRQ, .title = "NIC IRQs on housekeeping cores of its node",
	.reads = "/sys/bus/pci/devices/*/msi_irqs, /proc/irq/*/effective_affinity_list", .run = run_nic_node,
};
