/* NIC checks: the slot-to-core locality chain, PCIe link, driver binding, IOMMU, coalescing and rings. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ethtool.h"
#include "registry.h"
#include "route.h"
#include "tuners.h"
#include "util.h"

#define PCI_DEV_DIR "/sys/bus/pci/devices"
#define IOMMU_CLASS_DIR "/sys/class/iommu"
#define IOMMU_GROUPS_DIR "/sys/kernel/iommu_groups"
#define VFIO_NOIOMMU "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
/* IRQ numbers named in one message; a NIC has up to a few hundred vectors. */
#define MAX_IRQS_SHOWN 12

/* ---- shared helpers ---- */

/* A file's text fit for a message: printable ASCII only, cut short. */
/* Appends one clause with a separator. */
static void add(struct strbuf *sb, const char *sep, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(struct strbuf *sb, const char *sep, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	if (sb->len)
		strbuf_add(sb, sep);
	strbuf_add(sb, s);
	free(s);
}

static const char *label(const struct nic *n)
{
	return n->name[0] ? n->name : n->pci;
}

/* Poll-mode drivers take the device from the kernel: no netdev, no kernel IRQ handling. */
/* The bypass NIC, or a skip saying why there is none. */
static const struct nic *bypass_nic(const struct check_ctx *ctx, struct finding *f)
{
	return check_nic(ctx, f);
}

/* A free-text [nic] key; "any" means not asked, as for typed keys (profile_str keeps it for PT_STRING). */
static const char *nic_str(const struct profile *p, enum profile_key k)
{
	const char *v = profile_str(p, k);

	return v && strcmp(v, "any") ? v : NULL;
}

/* The driver the profile wants; NULL (with a skip) when it asks for none. */
static const char *driver_wanted(const struct check_ctx *ctx, struct finding *f)
{
	const char *v = nic_str(ctx->prof, PK_NIC_DRIVER);

	if (!v)
		finding_skip(f, "profile does not ask for nic.driver");
	return v;
}

static int single_node(const struct host *h)
{
	return h->nnodes ? h->nodes[0].id : 0;
}

/*
 * The NIC's node. A single-node host answers -1 for every device, which means node 0 there;
 * on a multi-node host -1 means the firmware did not say (*unknown set, no finding).
 * Returns the node, or -1 with *unknown, or -2 with a skip set (missing file, garbage).
 */
static int nic_node(const struct check_ctx *ctx, const struct nic *n, struct finding *f, bool *unknown)
{
	char path[128];
	long v;
	int rc;

	*unknown = false;
	if (n->numa_node >= 0)
		return n->numa_node;
	if (ctx->host->nnodes <= 1)
		return single_node(ctx->host);
	if (!n->pci[0]) {
		*unknown = true;
		return -1;
	}
	/* Re-read: the host model folds "missing", "garbage" and "-1" into one -1. */
	snprintf(path, sizeof(path), PCI_DEV_DIR "/%s/numa_node", n->pci);
	rc = sysroot_read_long(ctx->sr, path, &v);
	if (rc == 0 && v >= (1 << 16))
		rc = -ERANGE;
	if (rc < 0) {
		finding_skip_bad(f, ctx->sr, path, rc);
		return -2;
	}
	*unknown = true;
	return -1;
}

static const char *const no_node_remedy =
	"manual: the firmware must report the slot's node (ACPI SRAT/_PXM): enable NUMA in the BIOS (no node "
	"interleaving) or update the BIOS; until then tickready cannot place cores, memory and IRQs next to the NIC";

/* The cpus of a node; the NIC's local_cpulist when the host has no node files. */
static bool node_cpus(const struct check_ctx *ctx, const struct nic *n, int node, struct cpuset *out)
{
	const struct numa_node *nd = host_node(ctx->host, node);

	if (nd) {
		*out = nd->cpus;
		return true;
	}
	if (n->has_local_cpus) {
		*out = n->local_cpus;
		return true;
	}
	if (ctx->host->nnodes == 0 && (ctx->host->has_online || ctx->host->has_present)) {
		*out = ctx->host->has_online ? ctx->host->online : ctx->host->present;
		return true;
	}
	return false;
}

/* Cpus of the node to suggest for isolation: all but the node's default housekeeping cpu and siblings. */
static void isolation_candidates(const struct check_ctx *ctx, const struct cpuset *cpus, char *buf, size_t size)
{
	struct cpuset hk, c;

	host_default_housekeeping(ctx->host, &hk);
	cpuset_andnot(&c, cpus, &hk);
	cpuset_format(cpuset_empty(&c) ? cpus : &c, buf, size);
}

/* "16.0 GT/s PCIe" -> 16.0; 0 for anything else ("Unknown", garbage). */
static double gts_of(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v <= 0 || v >= 1000)
		return 0;
	while (*end == ' ')
		end++;
	return strncmp(end, "GT/s", 4) ? 0 : v;
}

static bool link_degraded(const struct nic *n)
{
	return (n->max_link_width > 0 && n->link_width < n->max_link_width) ||
	       (n->max_link_gts > 0 && n->link_gts + 0.01 < n->max_link_gts);
}

static const char *pcie_remedy(const struct nic *n, char *buf, size_t size)
{
	snprintf(buf, size,
		 "manual: reseat %s or move it to a slot wired x%d at %.1f GT/s; check the BIOS PCIe link speed and "
		 "bifurcation settings for that slot",
		 n->pci, n->max_link_width > 0 ? n->max_link_width : n->link_width,
		 n->max_link_gts > 0 ? n->max_link_gts : n->link_gts);
	return buf;
}

/* The IRQ's cpus: effective affinity where the kernel shows it, else the mask. NULL when unknown. */
static const struct cpuset *irq_cpus(const struct irq *ir)
{
	if (ir->has_effective && !cpuset_empty(ir->effective))
		return ir->effective;
	return ir->has_affinity ? ir->affinity : NULL;
}

struct irq_scan {
	struct cpuset all;	/* where the NIC's IRQs run */
	struct cpuset bad_cpus;	/* of the IRQs outside the target */
	int bad[MAX_IRQS_SHOWN];
	size_t nbad, nknown;
};

static void scan_irqs(const struct host *h, const struct nic *n, const struct cpuset *target, struct irq_scan *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n->nirqs; i++) {
		const struct irq *ir = host_irq(h, n->irqs[i]);
		const struct cpuset *cpus = ir ? irq_cpus(ir) : NULL;

		/* A vector not in /proc/interrupts is not requested: it cannot fire. */
		if (!cpus)
			continue;
		s->nknown++;
		cpuset_or(&s->all, &s->all, cpus);
		if (cpuset_subset(cpus, target))
			continue;
		cpuset_or(&s->bad_cpus, &s->bad_cpus, cpus);
		if (s->nbad < MAX_IRQS_SHOWN)
			s->bad[s->nbad] = ir->num;
		s->nbad++;
	}
}

static char *irq_list(const struct irq_scan *s, const char *sep)
{
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < s->nbad && i < MAX_IRQS_SHOWN; i++)
		add(&sb, sep, "%d", s->bad[i]);
	if (s->nbad > MAX_IRQS_SHOWN)
		add(&sb, sep, "...");
	return strbuf_detach(&sb);
}

/* "echo 0-1 > /proc/irq/28/smp_affinity_list" for one IRQ, a loop for several. */
static char *irq_remedy(const struct irq_scan *s, const char *cpus)
{
	char *list = irq_list(s, " "), *out;

	if (s->nbad == 1)
		out = xasprintf("echo %s > /proc/irq/%d/smp_affinity_list (profile: [irq] nic_irqs_local = yes)", cpus, s->bad[0]);
	else if (s->nbad <= MAX_IRQS_SHOWN)
		out = xasprintf("for i in %s; do echo %s > /proc/irq/$i/smp_affinity_list; done (profile: [irq] "
				"nic_irqs_local = yes)", list, cpus);
	else
		out = xasprintf("for i in %s; do echo %s > /proc/irq/$i/smp_affinity_list; done (profile: [irq] "
				"nic_irqs_local = yes)", list, cpus);
	free(list);
	return out;
}

/* The devices of an IOMMU group, space-separated. */
static char *group_devices(const struct sysroot *sr, int group)
{
	struct strbuf sb = { 0 };
	struct dirlist dl;
	char path[96];

	snprintf(path, sizeof(path), IOMMU_GROUPS_DIR "/%d/devices", group);
	if (sysroot_list(sr, path, &dl) == 0) {
		for (size_t i = 0; i < dl.n && i < 8; i++)
			add(&sb, " ", "%s", dl.names[i]);
		if (dl.n > 8)
			add(&sb, " ", "...");
		dirlist_free(&dl);
	}
	return strbuf_detach(&sb);
}

static bool amd_host(const struct host *h)
{
	return strstr(h->cpu_vendor, "AMD") != NULL;
}

/*
 * How to turn the IOMMU on, from the running command line. Intel needs intel_iommu=on unless the
 * kernel defaults to it; AMD's is on by default (amd_iommu=on is no option): only off switches it off.
 * Sets *boot when the fix is a command-line change.
 */
static char *iommu_fix(const struct host *h, bool *boot)
{
	const char *all = cmdline_get(&h->cmdline, "iommu");
	const char *v = cmdline_get(&h->cmdline, amd_host(h) ? "amd_iommu" : "intel_iommu");

	*boot = true;
	if (all && !strcmp(all, "off"))
		return xstrdup("remove 'iommu=off' from the kernel command line and add 'iommu=pt'");
	if (amd_host(h) && v && !strcmp(v, "off"))
		return xstrdup("remove 'amd_iommu=off' from the kernel command line and add 'iommu=pt'");
	if (!amd_host(h) && (!v || strcmp(v, "on")))
		return xstrdup("add 'intel_iommu=on iommu=pt' to the kernel command line");
	*boot = false;
	return xasprintf("manual: enable %s in the BIOS", amd_host(h) ? "the IOMMU (AMD-Vi)" : "VT-d");
}

/* ---- nic.chain ---- */

struct chain {
	const struct check_ctx *ctx;
	const struct nic *nic;
	struct finding *f;
	int node;
	struct cpuset cpus;	/* the node's cpus */
	bool have_cpus;
	struct strbuf path;	/* the links that held, for the message */
	struct strbuf broke, fixes;	/* every broken link and its own fix */
	bool node_known;
	struct {
		const char *link, *by;	/* by: the check whose change fixes the link, NULL when by hand */
	} broken_links[8];
	size_t nbroken;
};

/* A broken link: what broke and that link's own fix; the walk goes on, so one audit names them all. */
static bool broken(struct chain *c, const char *link, const char *by, const char *remedy, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static bool broken(struct chain *c, const char *link, const char *by, const char *remedy, const char *fmt, ...)
{
	va_list ap;
	char *what;

	if (c->nbroken < sizeof(c->broken_links) / sizeof(c->broken_links[0])) {
		c->broken_links[c->nbroken].link = link;
		c->broken_links[c->nbroken++].by = by;
	}
	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	add(&c->broke, "; ", "'%s': %s", link, what);
	add(&c->fixes, "; ", "%s", remedy);
	free(what);
	return false;
}

static bool chain_slot(struct chain *c)
{
	const struct nic *n = c->nic;
	char fix[256];

	if (!n->pci[0]) {
		add(&c->path, " -> ", "%s", label(n));
		return true;
	}
	if (!n->has_link) {
		add(&c->path, " -> ", "%s", n->pci);
		return true;
	}
	if (link_degraded(n))
		return broken(c, "pcie", NULL, pcie_remedy(n, fix, sizeof(fix)), "%s runs x%d %gGT/s, capable x%d %gGT/s",
			      n->pci, n->link_width, n->link_gts, n->max_link_width, n->max_link_gts);
	add(&c->path, " -> ", "%s x%d %gGT/s", n->pci, n->link_width, n->link_gts);
	return true;
}

static bool chain_node(struct chain *c)
{
	bool unknown;

	c->node = nic_node(c->ctx, c->nic, c->f, &unknown);
	if (c->node == -2)
		return false;	/* skip already set */
	if (unknown)
		return broken(c, "numa", NULL, no_node_remedy, "firmware reports no NUMA node for %s (numa_node = -1) on a "
			      "%zu-node host", label(c->nic), c->ctx->host->nnodes);
	c->node_known = true;
	c->have_cpus = node_cpus(c->ctx, c->nic, c->node, &c->cpus);
	add(&c->path, " -> ", "node %d", c->node);
	return true;
}

/* Named cpus ([nic] cpus, a role's): every one isolated and on the NIC's node. */
static bool chain_named_cores(struct chain *c)
{
	const struct profile *p = c->ctx->prof;
	char list[256], node[256], sect[48], *fix;
	struct cpuset off, loose;
	bool ok = true;

	profile_nic_section(p, sect, sizeof(sect));
	cpuset_andnot(&off, &p->nic_cpus, &c->cpus);
	cpuset_andnot(&loose, &p->nic_cpus, &p->isolated);
	cpuset_format(&c->cpus, node, sizeof(node));
	if (!cpuset_empty(&off)) {
		struct cpuset cand;

		cpuset_and(&cand, &p->isolated, &c->cpus);
		if (!cpuset_empty(&cand))
			cpuset_format(&cand, node, sizeof(node));
		fix = xasprintf("set %s cpus to %s cpus of node %d (%s), or move %s to a slot of its cpus' node", sect,
				cpuset_empty(&cand) ? "the" : "isolated", c->node, node, label(c->nic));
		ok = broken(c, "cores", NULL, fix, "%s cpus %s not on node %d, the node of %s", sect,
			    cpuset_format(&off, list, sizeof(list)), c->node, label(c->nic));
		free(fix);
	}
	if (!cpuset_empty(&loose)) {
		fix = xasprintf("add %s to [cpu] isolated_cores and reboot, or give %s cpus of the isolated cores",
				cpuset_format(&loose, list, sizeof(list)), sect);
		ok = broken(c, "cores", NULL, fix, "%s cpus %s not isolated", sect, list);
		free(fix);
	}
	if (ok)
		add(&c->path, " -> ", "cpus %s", cpuset_format(&p->nic_cpus, list, sizeof(list)));
	return ok;
}

static bool chain_cores(struct chain *c)
{
	const struct cpuset *iso = &c->ctx->prof->isolated;
	char list[256], cand[256], *fix;
	struct cpuset local;
	bool ok;

	if (c->ctx->prof->nic_cpus_named && c->have_cpus)
		return chain_named_cores(c);
	/* No isolation asked, or no cpu list for the node: nothing to join here. */
	if (cpuset_empty(iso) || !c->have_cpus)
		return true;
	cpuset_and(&local, iso, &c->cpus);
	if (!cpuset_empty(&local)) {
		add(&c->path, " -> ", "isolated %s", cpuset_format(&local, list, sizeof(list)));
		return true;
	}
	isolation_candidates(c->ctx, &c->cpus, cand, sizeof(cand));
	fix = xasprintf("set [cpu] isolated_cores to cpus of node %d (e.g. %s) and reboot, or move the NIC to a slot of "
			"the isolated cores' node", c->node, cand);
	cpuset_format(&c->cpus, cand, sizeof(cand));
	ok = broken(c, "cores", NULL, fix, "no isolated cpu on node %d (isolated %s, node %d has cpus %s)", c->node,
		    cpuset_format(iso, list, sizeof(list)), c->node, cand);
	free(fix);
	return ok;
}

static bool chain_hugepages(struct chain *c)
{
	unsigned long kb = c->ctx->prof->hugepage_kb;
	const struct hugepool *p;
	char size[32], pool[32], *fix;
	long want = 1;
	bool ok;

	/* No count asked (hugepages = any, as rdma has): memory.hugepages skips, and so does this link. */
	if (!kb || profile_long(c->ctx->prof, PK_HUGEPAGES, &want) < 0)
		return true;
	format_size_human(kb, size, sizeof(size));
	format_size_kb(kb, pool, sizeof(pool));
	if (want < 1)
		want = 1;
	p = host_pool(c->ctx->host, c->node, kb);
	if (!p) {
		fix = xasprintf("add 'hugepagesz=%s hugepages=%ld' to the kernel command line",
				size, want);
		ok = broken(c, "hugepages", "memory.hugepages", fix, "node %d has no %s hugepage pool", c->node, size);
		c->f->needs_reboot = true;
		free(fix);
		return ok;
	}
	if (p->nr < want) {
		fix = xasprintf("echo %ld > /sys/devices/system/node/node%d/hugepages/hugepages-%s/nr_hugepages "
				"(profile: [memory] hugepages = %ld)", want, c->node, pool, want);
		if (p->nr < 0)
			ok = broken(c, "hugepages", "memory.hugepages", fix, "%s hugepages on node %d unknown (nr_hugepages unreadable)", size,
				    c->node);
		else
			ok = broken(c, "hugepages", "memory.hugepages", fix, "%ld %s pages reserved on node %d, want %ld", p->nr, size, c->node,
				    want);
		free(fix);
		return ok;
	}
	add(&c->path, " -> ", "%ld %s pages on node %d", p->nr, size, c->node);
	return true;
}

static bool chain_mount(struct chain *c)
{
	unsigned long kb = c->ctx->prof->hugepage_kb;
	const struct host *h = c->ctx->host;
	char size[32], *fix;
	bool want, ok;

	if (!kb || (profile_bool(c->ctx->prof, PK_HUGETLBFS, &want) == 0 && !want))
		return true;
	for (size_t i = 0; i < h->nmounts; i++)
		if (h->mounts[i].pagesize_kb == kb) {
			add(&c->path, ", ", "%s", h->mounts[i].path);
			return true;
		}
	format_size_human(kb, size, sizeof(size));
	fix = xasprintf("mkdir -p /dev/hugepages-%s && mount -t hugetlbfs -o pagesize=%s nodev /dev/hugepages-%s "
			"(profile: [memory] hugetlbfs = yes)", size, size, size);
	ok = broken(c, "hugetlbfs", "memory.hugetlbfs", fix, "no hugetlbfs mount with pagesize %s", size);
	free(fix);
	return ok;
}

static bool chain_irqs(struct chain *c)
{
	const struct nic *n = c->nic;
	struct cpuset target;
	struct irq_scan s;
	char hk[256], cpus[256], *list, *fix;
	bool want, ok;

	/* Polled by a user-space driver: its vectors are not the kernel's to place. */
	if (nic_userspace_driver(n->driver) || !n->nirqs || !c->have_cpus ||
	    (profile_bool(c->ctx->prof, PK_NIC_IRQS_LOCAL, &want) == 0 && !want))
		return true;
	cpuset_and(&target, &c->ctx->prof->housekeeping, &c->cpus);
	if (cpuset_empty(&target)) {
		fix = xasprintf("add a cpu of node %d to [cpu] housekeeping_cores", c->node);
		ok = broken(c, "irqs", NULL, fix, "no housekeeping cpu on node %d to take the IRQs of %s (housekeeping %s)",
			    c->node, label(n), cpuset_format(&c->ctx->prof->housekeeping, hk, sizeof(hk)));
		free(fix);
		return ok;
	}
	cpuset_format(&target, hk, sizeof(hk));
	if (!c->ctx->host->has_irqs && c->ctx->host->irqs_err != -ENOENT)
		return broken(c, "irqs", NULL, "make /proc/interrupts readable", "IRQs of %s unknown (/proc/interrupts: %s)", label(n),
			      strerror(-c->ctx->host->irqs_err));
	scan_irqs(c->ctx->host, n, &target, &s);
	if (!s.nknown)
		return true;
	if (s.nbad) {
		list = irq_list(&s, ",");
		fix = irq_remedy(&s, hk);
		ok = broken(c, "irqs", "irq.nic_node", fix, "IRQ%s %s of %s on cpu %s, outside housekeeping %s of node %d",
			    s.nbad > 1 ? "s" : "", list, label(n), cpuset_format(&s.bad_cpus, cpus, sizeof(cpus)), hk,
			    c->node);
		free(list);
		free(fix);
		return ok;
	}
	add(&c->path, " -> ", "IRQs on %s", cpuset_format(&s.all, cpus, sizeof(cpus)));
	return true;
}

/* Whether the IOMMU group matters: vfio-pci wanted, or bound with nothing asked. */
static bool vfio_path(const struct check_ctx *ctx, const struct nic *n)
{
	const char *want = nic_str(ctx->prof, PK_NIC_DRIVER);

	return want ? !strcmp(want, "vfio-pci") : !strcmp(n->driver, "vfio-pci");
}

static bool chain_iommu(struct chain *c)
{
	const struct nic *n = c->nic;
	const char *mode = profile_str(c->ctx->prof, PK_IOMMU);
	char *devs, *fix;
	bool ok;

	if (!vfio_path(c->ctx, n))
		return true;
	if (n->iommu_group < 0) {
		bool boot;

		if (mode && !strcmp(mode, "noiommu")) {
			add(&c->path, " -> ", "vfio no-IOMMU");
			return true;
		}
		if (cloud_virtual(c->ctx->host)) {
			add(&c->path, " -> ", "vfio no-IOMMU (the instance has no IOMMU)");
			return true;
		}
		fix = iommu_fix(c->ctx->host, &boot);
		ok = broken(c, "iommu", "nic.iommu", fix, "%s is in no IOMMU group: the IOMMU is off", label(n));
		c->f->needs_reboot = boot;
		free(fix);
		return ok;
	}
	if (n->iommu_group_devices > 1) {
		devs = group_devices(c->ctx->sr, n->iommu_group);
		fix = xasprintf("manual: move the NIC to a slot with its own IOMMU group (a root port with ACS), or bind "
				"every device of group %d to vfio-pci: %s", n->iommu_group, devs);
		ok = broken(c, "iommu", NULL, fix, "iommu group %d holds %d devices: %s", n->iommu_group,
			    n->iommu_group_devices, devs);
		free(devs);
		free(fix);
		return ok;
	}
	add(&c->path, " -> ", "iommu group %d alone", n->iommu_group);
	return true;
}

/* Walks every link into c; false when the check skipped (no NIC, the node lookup skipped). */
static bool chain_walk(struct chain *c)
{
	static const struct {
		bool (*judge)(struct chain *);
		bool on_node;	/* judged on the NIC's node: meaningless while the node is unknown */
	} links[] = { { chain_slot, false }, { chain_node, false }, { chain_cores, true }, { chain_hugepages, true },
		      { chain_mount, false }, { chain_irqs, true }, { chain_iommu, false } };

	c->nic = bypass_nic(c->ctx, c->f);
	if (!c->nic)
		return false;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		if (links[i].on_node && !c->node_known)
			continue;
		links[i].judge(c);
		if (c->node == -2)
			return false;	/* the node lookup skipped the check */
	}
	return true;
}

static void chain_free(struct chain *c)
{
	strbuf_free(&c->path);
	strbuf_free(&c->broke);
	strbuf_free(&c->fixes);
}

static void run_chain(const struct check_ctx *ctx, struct finding *f)
{
	struct chain c = { .ctx = ctx, .f = f };

	if (!chain_walk(&c)) {
		chain_free(&c);
		return;
	}
	if (!c.broke.len) {
		finding_pass(f, "%s", c.path.s);
	} else {
		finding_fail(f, "broken link%s %s (holds: %s)", strchr(c.broke.s, ';') ? "s" : "", c.broke.s,
			     c.path.len ? c.path.s : "nothing");
		finding_remedy(f, "%s", c.fixes.s);
	}
	finding_expected(f, "slot at its full PCIe link -> a known NUMA node -> %s, hugepages and hugetlbfs "
			 "on that node -> NIC IRQs on its housekeeping cores -> NIC alone in its IOMMU group",
			 ctx->prof->nic_cpus_named ? "its isolated cpus" : "isolated cores");
	chain_free(&c);
}

/*
 * The chain has no knob of its own: each broken link is another check's (memory.hugepages, irq.nic_node...),
 * whose change fixes it, or by hand (a slot, the firmware's node, the profile's cpus).
 */
static int plan_chain(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	struct check_ctx cc = { ctx->host, ctx->prof, ctx->sr, NULL };
	struct finding scratch = { .check = f->check };
	struct chain c = { .ctx = &cc, .f = &scratch };
	struct strbuf manual = { 0 };

	if (chain_walk(&c))
		for (size_t i = 0; i < c.nbroken; i++) {
			char *what = xasprintf("link '%s'", c.broken_links[i].link);

			if (c.broken_links[i].by)
				plan_add_covered(p, f->check->id, c.broken_links[i].by, what);
			else
				strbuf_addf(&manual, "%s%s", manual.len ? ", " : "", what);
			free(what);
		}
	if (manual.len) {
		strbuf_addf(&manual, ": by hand, as its fix says");
		plan_add_manual(p, f, manual.s);
	}
	strbuf_free(&manual);
	chain_free(&c);
	finding_clear(&scratch);
	return 0;
}

const struct check check_nic_chain = {
	.keys = KEYS(PK_NIC_INTERFACE, PK_NIC_DRIVER, PK_IOMMU, PK_HUGEPAGES, PK_HUGETLBFS, PK_HUGEPAGE_SIZE,
		     PK_NIC_IRQS_LOCAL, PK_NIC_CPUS),
	.flags = CF_RUNTIME | CF_BOOT | CF_PER_NIC,	/* through the checks of its links */
	.id = "nic.chain",
	.area = AREA_NIC,
	.title = "NIC slot, NUMA node, isolated cores, hugepages, IRQs and IOMMU group line up",
	.reads = PCI_DEV_DIR "/PCI/{numa_node,current_link_*,max_link_*,iommu_group,msi_irqs}, node cpulists and "
		 "hugepages, /proc/mounts, /proc/irq/N/effective_affinity_list, " IOMMU_GROUPS_DIR "/N/devices",
	.run = run_chain, .plan = plan_chain,
};

/* ---- nic.roles ---- */

/* The default [nic] (when it names cpus) and each role: who they are, for nic.roles. */
struct role_ref {
	const char *name;	/* NULL: the default [nic] */
	const struct profile *view;
};

static const char *role_sect(const struct role_ref *r, char *buf, size_t size)
{
	if (r->name)
		snprintf(buf, size, "[nic.%s]", r->name);
	else
		snprintf(buf, size, "[nic]");
	return buf;
}

static bool role_shares(const struct profile *v)
{
	bool shared;

	return profile_bool(v, PK_NIC_CPUS_SHARED, &shared) == 0 && shared;
}

/*
 * Each role on its own NIC, off the management path, with cpus no other role has (unless one of the two
 * says cpus_shared = yes); the default [nic] takes part when it names cpus.
 */
static void run_roles(const struct check_ctx *ctx, struct finding *f)
{
	const struct profile *p = ctx->prof;
	struct role_ref refs[64];
	struct strbuf seen = { 0 }, bad = { 0 }, warn = { 0 }, fix = { 0 };
	size_t n = 0;
	char a[48], b[48], list[256];

	if (!p->nroles) {
		finding_skip(f, "profile names no NIC roles ([nic.ROLE] sections)");
		return;
	}
	if (p->nic || p->nic_cpus_named)
		refs[n++] = (struct role_ref){ NULL, p };
	for (size_t i = 0; i < p->nroles && n < sizeof(refs) / sizeof(refs[0]); i++)
		if (p->roles[i].view)
			refs[n++] = (struct role_ref){ p->roles[i].name, p->roles[i].view };
	for (size_t i = 0; i < n; i++) {
		const struct profile *v = refs[i].view;
		const char *why;

		role_sect(&refs[i], a, sizeof(a));
		if (!v->nic) {
			add(&seen, "; ", "%s no NIC", a);
			if (refs[i].name && strcmp(v->nic_wanted ? v->nic_wanted : "none", "none"))
				add(&warn, "; ", "%s interface '%s' is not on this host", a, v->nic_wanted);
		} else {
			add(&seen, "; ", "%s %s node %d cpus %s", a, label(v->nic), v->nic_node,
			    v->nic_cpus_named ? cpuset_format(&v->nic_cpus, list, sizeof(list)) : "isolated");
			why = mgmt_reason(host_mgmt(ctx->host), v->nic);
			if (why || v->nic->default_route) {
				add(&bad, "; ", "%s %s is on the management path (%s)", a, label(v->nic),
				    why ? why : "default route");
				add(&fix, "; ", "name a NIC off the management path in %s interface: apply's interlocks block "
				    "changes to %s (short of --force)", a, label(v->nic));
			}
		}
		for (size_t j = 0; j < i; j++) {
			const struct profile *u = refs[j].view;
			struct cpuset both;

			role_sect(&refs[j], b, sizeof(b));
			if (v->nic && v->nic == u->nic)
				add(&warn, "; ", "%s and %s both name %s", b, a, label(v->nic));
			if (!v->nic_cpus_named || !u->nic_cpus_named || role_shares(v) || role_shares(u))
				continue;
			cpuset_and(&both, &v->nic_cpus, &u->nic_cpus);
			if (cpuset_empty(&both))
				continue;
			add(&bad, "; ", "%s and %s share cpus %s", b, a, cpuset_format(&both, list, sizeof(list)));
			add(&fix, "; ", "give %s and %s cpus of their own, or set cpus_shared = yes in one of them", b, a);
		}
		if (refs[i].name && !v->nic_cpus_named && v->nic)
			add(&warn, "; ", "%s names no cpus: it shares the isolated cores with every other role", a);
	}
	finding_expected(f, "each role on its own NIC, off the management path, with cpus no other role has "
			 "(cpus_shared = yes allows it)");
	if (bad.len) {
		finding_fail(f, "%s (roles: %s)", bad.s, seen.s);
		finding_remedy(f, "%s", fix.s);
	} else if (warn.len) {
		finding_warn(f, "%s (roles: %s)", warn.s, seen.s);
		finding_remedy(f, "name each role's NIC and its cpus ([nic.ROLE] interface, cpus)");
	} else {
		finding_pass(f, "%s", seen.s);
	}
	strbuf_free(&seen);
	strbuf_free(&bad);
	strbuf_free(&warn);
	strbuf_free(&fix);
}

const struct check check_nic_roles = {
	.keys = KEYS(PK_NIC_INTERFACE, PK_NIC_CPUS, PK_NIC_CPUS_SHARED),
	.id = "nic.roles",
	.area = AREA_NIC,
	.title = "each NIC role on its own NIC, off the management path, its cpus its own",
	.reads = "the profile's [nic.ROLE] sections, the management path (default routes, the SSH session)",
	.run = run_roles,
};

/* ---- nic.numa_isolated ---- */

static void run_numa_isolated(const struct check_ctx *ctx, struct finding *f)
{
	const struct nic *n = bypass_nic(ctx, f);
	char iso[256], cand[256], list[256];
	struct cpuset cpus, local;
	bool unknown;
	int node;

	if (!n)
		return;
	if (cpuset_empty(&ctx->prof->isolated)) {
		finding_skip(f, "profile isolates no cpus ([cpu] isolated_cores)");
		return;
	}
	node = nic_node(ctx, n, f, &unknown);
	if (node == -2)
		return;
	if (unknown) {
		finding_skip(f, "firmware reports no NUMA node for %s (numa_node = -1): see nic.chain", label(n));
		return;
	}
	if (!node_cpus(ctx, n, node, &cpus)) {
		finding_skip(f, "cpus of node %d unknown (no node cpulist, no local_cpulist for %s)", node, label(n));
		return;
	}
	if (ctx->prof->nic_cpus_named) {
		char sect[48];

		profile_nic_section(ctx->prof, sect, sizeof(sect));
		cpuset_format(&ctx->prof->nic_cpus, iso, sizeof(iso));
		finding_expected(f, "%s cpus all on node %d, the node of %s", sect, node, label(n));
		cpuset_andnot(&local, &ctx->prof->nic_cpus, &cpus);
		if (cpuset_empty(&local)) {
			finding_pass(f, "%s on node %d; its cpus %s there", label(n), node, iso);
			return;
		}
		finding_fail(f, "%s is on node %d (cpus %s); %s cpus %s are not", label(n), node,
			     cpuset_format(&cpus, cand, sizeof(cand)), sect, cpuset_format(&local, list, sizeof(list)));
		finding_remedy(f, "set %s cpus to isolated cpus of node %d, or move %s to a slot of its cpus' node", sect,
			       node, label(n));
		return;
	}
	cpuset_format(&ctx->prof->isolated, iso, sizeof(iso));
	finding_expected(f, "isolated cpus on node %d, the node of %s", node, label(n));
	cpuset_and(&local, &ctx->prof->isolated, &cpus);
	if (!cpuset_empty(&local)) {
		finding_pass(f, "%s on node %d; isolated cpus %s there", label(n), node,
			     cpuset_format(&local, list, sizeof(list)));
		return;
	}
	isolation_candidates(ctx, &cpus, cand, sizeof(cand));
	finding_fail(f, "%s is on node %d (cpus %s); isolated cpus %s are all elsewhere", label(n), node,
		     cpuset_format(&cpus, list, sizeof(list)), iso);
	finding_remedy(f, "set [cpu] isolated_cores to cpus of node %d (e.g. %s) and reboot, or move the NIC to a slot "
		       "of the isolated cores' node", node, cand);
}

const struct check check_nic_numa_isolated = {
	.keys = KEYS(PK_NIC_INTERFACE, PK_ISOLATED_CORES, PK_NIC_CPUS),
	.id = "nic.numa_isolated",
	.area = AREA_NIC,
	.title = "the NIC's NUMA node has isolated cores",
	.reads = PCI_DEV_DIR "/PCI/numa_node, /sys/devices/system/node/nodeN/cpulist",
	.flags = CF_PER_NIC,
	.run = run_numa_isolated,
};

/* ---- nic.pcie_link ---- */

/* Why the host model has no link: no files (virtual NIC) is a plain skip, garbage names the file. */
static void skip_no_link(const struct check_ctx *ctx, const struct nic *n, struct finding *f)
{
	static const char *const files[] = { "current_link_speed", "current_link_width", "max_link_speed",
					     "max_link_width" };
	char path[128], raw[SYSROOT_SMALL], txt[64];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		bool speed = strstr(files[i], "speed") != NULL;
		long v;
		int rc;

		snprintf(path, sizeof(path), PCI_DEV_DIR "/%s/%s", n->pci, files[i]);
		if (i == 0 && !sysroot_exists(ctx->sr, path)) {
			finding_skip(f, "%s has no PCIe link files ('%s' absent): virtual NIC or not PCIe", label(n), path);
			return;
		}
		rc = speed ? sysroot_read_str(ctx->sr, path, raw, sizeof(raw)) : sysroot_read_long(ctx->sr, path, &v);
		if (rc < 0) {
			finding_skip_bad(f, ctx->sr, path, rc);
			return;
		}
		if (speed ? gts_of(raw) <= 0 : v <= 0 || v > 32) {
			if (!speed)
				snprintf(raw, sizeof(raw), "%ld", v);
			check_printable(raw, txt, sizeof(txt));
			finding_skip(f, "unexpected value in '%s': '%s'", path, txt);
			return;
		}
	}
	finding_skip(f, "PCIe link of %s unknown", label(n));
}

static void run_pcie_link(const struct check_ctx *ctx, struct finding *f)
{
	const struct nic *n = bypass_nic(ctx, f);
	char fix[256];

	if (!n)
		return;
	if (!n->pci[0]) {
		finding_skip(f, "%s is not a PCI device", label(n));
		return;
	}
	if (!n->has_link || n->max_link_gts <= 0 || n->max_link_width <= 0) {
		skip_no_link(ctx, n, f);
		return;
	}
	finding_expected(f, "x%d %.1f GT/s (the device's capability)", n->max_link_width, n->max_link_gts);
	if (!link_degraded(n)) {
		finding_pass(f, "%s runs x%d %.1f GT/s", n->pci, n->link_width, n->link_gts);
		return;
	}
	finding_fail(f, "%s runs x%d %.1f GT/s, capable x%d %.1f GT/s", n->pci, n->link_width, n->link_gts,
		     n->max_link_width, n->max_link_gts);
	finding_remedy(f, "%s", pcie_remedy(n, fix, sizeof(fix)));
}

const struct check check_nic_pcie_link = {
	.keys = KEYS(PK_NIC_INTERFACE),
	.id = "nic.pcie_link",
	.area = AREA_NIC,
	.title = "the NIC's PCIe link runs at its full width and speed",
	.reads = PCI_DEV_DIR "/PCI/{current,max}_link_{speed,width}",
	.flags = CF_PER_NIC,
	.run = run_pcie_link,
};

/* ---- nic.driver ---- */

static void bind_remedy(struct finding *f, const struct nic *n, const char *want)
{
	char warn[256] = "";

	if (n->default_route)
		snprintf(warn, sizeof(warn),
			 "WARNING: %s carries the default route: binding it to %s cuts off the management path; move "
			 "management to another interface first. Then: ", label(n), want);
	if (!strncmp(n->driver, "mlx", 3))
		finding_remedy(f, "%sMellanox/NVIDIA NICs use the bifurcated mlx5 driver: set [nic] driver = kernel; or "
			       "modprobe %s && dpdk-devbind.py -b %s %s", warn, want, want, n->pci);
	else
		finding_remedy(f, "%smodprobe %s && dpdk-devbind.py -b %s %s (profile: [nic] driver = "
			       "%s)", warn, want, want, n->pci, want);
}

static void run_driver(const struct check_ctx *ctx, struct finding *f)
{
	const struct nic *n = bypass_nic(ctx, f);
	const char *want;
	char why[512], role[128], lbl[200];

	if (!n || !(want = driver_wanted(ctx, f)))
		return;
	/* Which instance NIC this is, where its cloud gives it a role. */
	if (cloud_nic_text(ctx->host, n, role, sizeof(role))[0])
		snprintf(lbl, sizeof(lbl), "%s, the %s,", label(n), role);
	else
		snprintf(lbl, sizeof(lbl), "%s", label(n));
	if (!strcmp(want, "kernel")) {
		finding_expected(f, "%s on a kernel network driver (AF_XDP, bifurcated mlx5)", lbl);
		if (n->driver[0] && !nic_userspace_driver(n->driver)) {
			finding_pass(f, "%s bound to %s", lbl, n->driver);
			return;
		}
		if (n->driver[0])
			finding_fail(f, "%s bound to %s, a user-space driver", lbl, n->driver);
		else
			finding_fail(f, "%s bound to no driver", lbl);
		if (n->pci[0])
			finding_remedy(f, "dpdk-devbind.py -u %s && echo %s > /sys/bus/pci/drivers_probe (the kernel picks "
				       "its driver; profile: [nic] driver = kernel)", n->pci, n->pci);
		else
			finding_remedy(f, "manual: load the kernel driver of %s", label(n));
		return;
	}
	finding_expected(f, "%s bound to %s", lbl, want);
	if (!strcmp(n->driver, want)) {
		finding_pass(f, "%s bound to %s", lbl, n->driver);
		return;
	}
	finding_fail(f, "%s bound to %s", lbl, n->driver[0] ? n->driver : "no driver");
	if (cloud_nic_no_bind(ctx->host, n, why, sizeof(why)))
		finding_remedy(f, "manual: never bind it (apply refuses the bind): %s", why);
	else if (!n->pci[0])
		finding_remedy(f, "manual: %s is not a PCI device and cannot be bound to %s", lbl, want);
	else
		bind_remedy(f, n, want);
}

/* ---- driver binding ---- */

/* Any IPv4 route through ifname (the host's tables, read once): the kernel's network stack is using it. */
static bool has_routes(const struct host *h, const char *ifname)
{
	return ifname[0] && routes_ipv4_via(host_routes(h), ifname);
}

/*
 * Will the driver tuner hand n to the profile's user-space driver? Not for mlx5, whose DPDK
 * driver works through the kernel driver (bifurcated): unbinding it breaks DPDK.
 */
static bool rebinds(const struct tune_ctx *ctx, const struct nic *n)
{
	const char *want = profile_str(ctx->prof, PK_NIC_DRIVER);

	return n && want && n->pci[0] && strcmp(want, "kernel") && strcmp(n->driver, want) &&
	       !(!strncmp(n->driver, "mlx", 3) && nic_userspace_driver(want));
}

static const struct nic *tunable_nic(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const struct nic *n = ctx->prof->nic;

	/* Its netdev goes away with the bind: the poll-mode driver sets coalescing and rings itself. */
	if (rebinds(ctx, n) && nic_userspace_driver(profile_str(ctx->prof, PK_NIC_DRIVER))) {
		char *why = xasprintf("binding %s to %s removes %s: the poll-mode driver sets this itself", n->pci,
				      profile_str(ctx->prof, PK_NIC_DRIVER), label(n));

		plan_add_moot(p, f->check->id, n->pci, why);
		free(why);
		return NULL;
	}
	if (!n || !n->name[0]) {
		/* No netdev (bound to vfio-pci): the poll-mode driver sets its own coalescing. */
		plan_add_manual(p, f, NULL);
		return NULL;
	}
	return n;
}

static int iommu_on(const struct sysroot *sr, char *seen, size_t size);

/* Why binding n must not happen; *force_ok says whether --force may override. NULL when clear. */
static char *bind_blocked(const struct tune_ctx *ctx, const struct nic *n, const char *want, bool *force_ok)
{
	const char *why = ctx->mgmt ? mgmt_reason(ctx->mgmt, n) : NULL, *mode = profile_str(ctx->prof, PK_IOMMU);
	char path[128], seen[192];
	struct dirlist dl;
	char *out = NULL;

	*force_ok = false;
	/* Never overridable: rebinding the management NIC cuts the operator off. */
	if (why)
		return xasprintf("%s is on the management path (%s): binding it to %s cuts this host off",
				 n->name[0] ? n->name : n->pci, why, want);
	/*
	 * Never overridable either: without an IOMMU vfio-pci takes a device only in no-IOMMU mode, so the
	 * unbind would leave the NIC on no driver. The profile's noiommu has nic.iommu turn that mode on first.
	 */
	if (!strcmp(want, "vfio-pci") && !iommu_on(ctx->sr, seen, sizeof(seen)) && (!mode || strcmp(mode, "noiommu")))
		return xasprintf("%s and vfio's no-IOMMU mode is not allowed ([nic] iommu = %s): vfio-pci would not take "
				 "%s, which the unbind leaves on no driver; turn the IOMMU on (nic.iommu) and apply after the "
				 "reboot, or allow [nic] iommu = noiommu", seen, mode ? mode : "unset", n->pci);
	if (n->iommu_group >= 0) {
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/devices", n->iommu_group);
		if (sysroot_list(ctx->sr, path, &dl) == 0) {
			for (size_t i = 0; i < dl.n && !out; i++) {
				const struct nic *peer = host_nic_by_pci(ctx->host, dl.names[i]);

				if (!strcmp(dl.names[i], n->pci))
					continue;
				if (peer && ctx->mgmt && (why = mgmt_reason(ctx->mgmt, peer)))
					out = xasprintf("IOMMU group %d also holds %s (%s, on the management path: %s), and vfio "
							"takes the whole group", n->iommu_group, peer->pci,
							peer->name[0] ? peer->name : "no netdev", why);
				else if (!strcmp(want, "vfio-pci") && peer && peer->driver[0] && strcmp(peer->driver, want)) {
					out = xasprintf("IOMMU group %d also holds %s on %s: vfio-pci needs every device of the "
							"group on vfio-pci or unbound", n->iommu_group, peer->pci, peer->driver);
					*force_ok = true;
				}
			}
			dirlist_free(&dl);
		}
		if (out)
			return out;
	}
	if (has_routes(ctx->host, n->name)) {
		*force_ok = true;
		return xasprintf("%s has routes in /proc/net/route: the kernel's network stack is using it", n->name);
	}
	return NULL;
}

static void add_modprobe(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *driver)
{
	char path[128], module[64];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s", driver);
	if (sysroot_is_dir(ctx->sr, path) || !ctx->sr->live)
		return;
	/* The module name uses '_' where the driver name may use '-' (vfio-pci is vfio_pci). */
	snprintf(module, sizeof(module), "%s", driver);
	for (char *s = module; *s; s++)
		if (*s == '-')
			*s = '_';
	tune_modprobe(ctx, p, check, module);
}

static int plan_driver(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const struct nic *n = ctx->prof->nic;
	const char *want = profile_str(ctx->prof, PK_NIC_DRIVER);
	char target[96], why[512];
	struct change *c;
	bool force_ok;

	/* A cloud's synthetic or primary NIC: the bind is refused outright, shown blocked with the reason. */
	if (n && want && strcmp(want, "kernel") && strcmp(n->driver, want) &&
	    cloud_nic_no_bind(ctx->host, n, why, sizeof(why))) {
		snprintf(target, sizeof(target), "%s driver", n->pci[0] ? n->pci : n->name);
		c = plan_add(p, f->check->id, CK_BIND, target, NULL, n->driver[0] ? n->driver : NULL, want);
		if (!c)
			return 0;
		c->iface = xstrdup(n->pci[0] ? n->pci : n->name);
		c->shell = xasprintf("# never: %s stays on %s", n->name[0] ? n->name : n->pci,
				     n->driver[0] ? n->driver : "its driver");
		c->blocked = xstrdup(why);
		c->force_ok = false;
		return 0;
	}
	/* "kernel" needs the device's own driver, which only revert (or the kernel at boot) knows. */
	if (!rebinds(ctx, n)) {
		plan_add_manual(p, f, !n || !n->pci[0] ? "no PCI device to bind"
				      : want && !strcmp(want, "kernel") ? "only `tickready revert` knows the device's own driver"
				      : !strncmp(n->driver, "mlx", 3) ? "mlx5 NICs stay on their kernel driver (DPDK's mlx5 driver is "
									"bifurcated): set [nic] driver = kernel"
								      : NULL);
		return 0;
	}
	add_modprobe(ctx, p, f->check->id, want);
	snprintf(target, sizeof(target), "%s driver", n->pci);
	c = plan_add(p, f->check->id, CK_BIND, target, NULL, n->driver[0] ? n->driver : NULL, want);
	if (!c)
		return 0;
	c->iface = xstrdup(n->pci);
	if (n->driver[0])
		c->shell = xasprintf("echo %s > /sys/bus/pci/devices/%s/driver_override; echo %s > "
				     "/sys/bus/pci/devices/%s/driver/unbind; echo %s > /sys/bus/pci/drivers_probe",
				     want, n->pci, n->pci, n->pci, n->pci);
	else
		c->shell = xasprintf("echo %s > /sys/bus/pci/devices/%s/driver_override; echo %s > "
				     "/sys/bus/pci/drivers_probe", want, n->pci, n->pci);
	c->blocked = bind_blocked(ctx, n, want, &force_ok);
	c->force_ok = force_ok;
	return 0;
}

const struct check check_nic_driver = {
	.keys = KEYS(PK_NIC_DRIVER, PK_NIC_INTERFACE),
	.flags = CF_RUNTIME | CF_PER_NIC,
	.id = "nic.driver",
	.area = AREA_NIC,
	.title = "the NIC is bound to the driver the profile wants",
	.reads = PCI_DEV_DIR "/PCI/driver, /proc/net/route",
	.run = run_driver, .plan = plan_driver,
};

/* ---- nic.iommu ---- */

/* 1 on, 0 off, with what was seen. /sys/class/iommu lists the hardware units (dmar0, ivhd0). */
static int iommu_on(const struct sysroot *sr, char *seen, size_t size)
{
	struct dirlist dl;
	int on;

	if (sysroot_list(sr, IOMMU_CLASS_DIR, &dl) == 0) {
		on = dl.n > 0;
		if (on)
			snprintf(seen, size, "IOMMU on: %s has %s%s", IOMMU_CLASS_DIR, dl.names[0], dl.n > 1 ? ", ..." : "");
		else
			snprintf(seen, size, "IOMMU off: %s is empty", IOMMU_CLASS_DIR);
		dirlist_free(&dl);
		return on;
	}
	/* Older or stripped trees: a populated iommu_groups also means a live IOMMU. */
	if (sysroot_list(sr, IOMMU_GROUPS_DIR, &dl) == 0) {
		on = dl.n > 0;
		snprintf(seen, size, "IOMMU %s: %zu groups in %s", on ? "on" : "off", dl.n, IOMMU_GROUPS_DIR);
		dirlist_free(&dl);
		return on;
	}
	snprintf(seen, size, "IOMMU off: neither %s nor %s exists", IOMMU_CLASS_DIR, IOMMU_GROUPS_DIR);
	return 0;
}

static void iommu_off(const struct check_ctx *ctx, struct finding *f, const char *seen)
{
	const struct host *h = ctx->host;
	const char *param = amd_host(h) ? "amd_iommu" : "intel_iommu", *v = cmdline_get(&h->cmdline, param);
	const char *staged = h->has_staged ? cmdline_get(&h->staged, param) : NULL;
	bool boot;
	char *fix = iommu_fix(h, &boot);

	finding_fail(f, "%s; command line has %s%s%s", seen, param, v ? "=" : " unset", v ? v : "");
	finding_remedy(f, "%s%s", fix, boot ? ", or allow [nic] iommu = noiommu" : "");
	f->needs_reboot = boot;
	/* Only intel_iommu=on can be staged; the running kernel still lacks it. */
	f->pending_reboot = boot && !amd_host(h) && staged && !strcmp(staged, "on") && (!v || strcmp(v, "on"));
	free(fix);
}

static void run_iommu(const struct check_ctx *ctx, struct finding *f)
{
	const struct nic *n = bypass_nic(ctx, f);
	const char *want, *mode;
	char seen[192], flag[16], why[160];
	bool instance;
	int rc;

	if (!n || !(want = driver_wanted(ctx, f)))
		return;
	if (strcmp(want, "vfio-pci")) {
		finding_skip(f, "driver wanted is %s: no IOMMU needed", want);
		return;
	}
	mode = profile_str(ctx->prof, PK_IOMMU);
	finding_expected(f, mode && !strcmp(mode, "noiommu") ? "IOMMU on, or vfio no-IOMMU mode enabled"
							      : "IOMMU on (vfio-pci needs it)");
	finding_anchors(f, "DPDK's guide and OpenShift keep the IOMMU on in passthrough (iommu=pt: vfio-pci isolates the "
			   "device, host DMA stays untranslated); some latency guides turn it off (no IOTLB misses), which "
			   "leaves vfio-pci only its unsafe no-IOMMU mode");
	if (iommu_on(ctx->sr, seen, sizeof(seen))) {
		finding_pass(f, "%s", seen);
		return;
	}
	/* A cloud's virtual instance has no IOMMU to turn on: vfio-pci's no-IOMMU mode is its only way. */
	instance = cloud_virtual(ctx->host);
	if (instance) {
		cloud_label(ctx->host, why, sizeof(why));
		finding_expected(f, "vfio no-IOMMU mode enabled (%s has no IOMMU to turn on)", why);
	} else if (!mode || strcmp(mode, "noiommu")) {
		iommu_off(ctx, f, seen);
		return;
	} else {
		snprintf(why, sizeof(why), "[nic] iommu = noiommu allows");
	}
	rc = sysroot_read_str(ctx->sr, VFIO_NOIOMMU, flag, sizeof(flag));
	if (rc == 0 && (!strcmp(flag, "Y") || !strcmp(flag, "1"))) {
		finding_pass(f, "%s; vfio no-IOMMU mode on ('%s' = 'Y', unsafe, as %s)", seen, VFIO_NOIOMMU,
			     instance ? "this instance needs" : why);
		return;
	}
	if (rc == 0)
		finding_fail(f, "%s%s%s; '%s' = '%s'", seen, instance ? " on " : "", instance ? why : "", VFIO_NOIOMMU,
			     flag);
	else
		finding_fail(f, "%s%s%s; vfio not loaded ('%s': %s)", seen, instance ? " on " : "", instance ? why : "",
			     VFIO_NOIOMMU, strerror(-rc));
	finding_remedy(f, "%s", rc == 0 ? "echo Y > " VFIO_NOIOMMU " (profile: [nic] iommu = noiommu)"
					: "modprobe vfio enable_unsafe_noiommu_mode=1 (profile: [nic] iommu = noiommu)");
}

/*
 * vfio's no-IOMMU mode, as the finding says: the module parameter written when vfio is loaded, else vfio
 * loaded with it (live host only). Runtime, so the boot unit re-applies it.
 */
static int plan_noiommu(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	struct change *c;

	if (tune_value(ctx, p, f->check->id, VFIO_NOIOMMU, "Y") != -ENOENT)
		return 0;
	if (!ctx->sr->live) {
		plan_add_manual(p, f, "vfio is not loaded in this tree: on the host, modprobe vfio "
				      "enable_unsafe_noiommu_mode=1");
		return 0;
	}
	c = plan_add(p, f->check->id, CK_EXEC, "vfio", NULL, NULL, "modprobe");
	if (!c)
		return 0;
	c->live_only = true;
	c->argv_do = argv_pack((const char *const[]){ "modprobe", "vfio", "enable_unsafe_noiommu_mode=1", NULL });
	/* Unloading vfio could take other devices with it: revert leaves it loaded. */
	c->shell = xstrdup("modprobe vfio enable_unsafe_noiommu_mode=1");
	return 0;
}

/* iommu=pt (and intel_iommu=on on Intel) for vfio-pci, or vfio's no-IOMMU mode when the profile allows it. */
static int plan_iommu(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *v = profile_str(ctx->prof, PK_IOMMU);
	struct boot_param b[2];
	size_t n = 0;
	char seen[192];

	if (!v)
		return 0;
	/* What the instance cannot have is not staged: its vfio goes to no-IOMMU mode instead. */
	if (cloud_virtual(ctx->host) && !iommu_on(ctx->sr, seen, sizeof(seen)))
		v = "noiommu";
	if (!strcmp(v, "on")) {
		if (strstr(ctx->host->cpu_vendor, "Intel"))
			b[n++] = (struct boot_param){ .key = "intel_iommu", .value = "on" };
		b[n++] = (struct boot_param){ .key = "iommu", .value = "pt" };
	} else if (!strcmp(v, "noiommu")) {
		return plan_noiommu(ctx, f, p);
	}
	return plan_boot_params(ctx, f, p, b, n);
}

const struct check check_nic_iommu = {
	.keys = KEYS(PK_IOMMU, PK_NIC_DRIVER),
	.flags = CF_BOOT | CF_RUNTIME,
	.id = "nic.iommu",
	.area = AREA_NIC,
	.title = "IOMMU on for vfio-pci (or no-IOMMU mode explicitly allowed)",
	.reads = IOMMU_CLASS_DIR ", " IOMMU_GROUPS_DIR ", " VFIO_NOIOMMU ", /proc/cmdline",
	.run = run_iommu,
	.plan = plan_iommu,
};

/* ---- nic.ena_llq ---- */

#define PAT_LIST "/sys/kernel/debug/x86/pat_memtype_list"
#define IGB_UIO_WC "/sys/module/igb_uio/parameters/wc_activate"
#define ENA_LLQ_BAR 2	/* the ENA's memory BAR: LLQ descriptors and headers are pushed through it */
/* AWS's own ena (amzn-drivers, version "2.x.yg") shows its parameters; the kernel's in-tree one shows none. */
#define ENA_PARAMS "/sys/module/ena/parameters"
#define ENA_UNSET_LARGE_LLQ 65535	/* force_large_llq_header's "not given" (FORCE_LARGE_LLQ_HEADER_UNINIT_VALUE) */

/* 1 when the device is an ENA (1d0f:ec20 ENA VF, 1d0f:ec21 its RSERV0), 0 when not, -errno unread. */
static int ena_device(const struct sysroot *sr, const char *pci, char *id, size_t size)
{
	char path[128], ven[16], dev[16];
	int rc;

	snprintf(path, sizeof(path), PCI_DEV_DIR "/%s/vendor", pci);
	if ((rc = sysroot_read_str(sr, path, ven, sizeof(ven))) < 0)
		return rc;
	snprintf(path, sizeof(path), PCI_DEV_DIR "/%s/device", pci);
	if ((rc = sysroot_read_str(sr, path, dev, sizeof(dev))) < 0)
		return rc;
	snprintf(id, size, "%s:%s", ven, dev);
	return !strcmp(ven, "0x1d0f") && (!strcmp(dev, "0xec20") || !strcmp(dev, "0xec21"));
}

/* The start of BAR bar from the device's resource file ("start end flags" per BAR); 0 when unknown. */
static unsigned long long bar_start(const struct sysroot *sr, const char *pci, int bar)
{
	char path[128], *text = NULL, *line;
	unsigned long long start = 0;
	int i = 0;

	snprintf(path, sizeof(path), PCI_DEV_DIR "/%s/resource", pci);
	if (sysroot_read_alloc(sr, path, SYSROOT_SMALL, &text, NULL) < 0)
		return 0;
	for (line = text; line && i <= bar; i++) {
		if (i == bar && sscanf(line, "%llx", &start) != 1)
			start = 0;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	free(text);
	return start;
}

/*
 * The memory type the kernel's PAT table gives a mapping starting at start ("PAT: [mem 0x...-0x...]
 * write-combining", arch/x86/mm/pat/memtype.c): 0 found, 1 no mapping there, -errno the table unread.
 */
static int pat_type(const struct sysroot *sr, unsigned long long start, char *type, size_t size)
{
	char *text = NULL, *line, *next;
	unsigned long long a, b;
	char t[32];
	int rc, found = 1;

	if ((rc = sysroot_read_alloc(sr, PAT_LIST, 16u << 20, &text, NULL)) < 0)
		return rc;
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "PAT: [mem 0x%llx-0x%llx] %31s", &a, &b, t) == 3 && a == start) {
			snprintf(type, size, "%s", t);
			found = 0;
			/* A WC mapping anywhere at the BAR settles it; keep looking past an uncached one. */
			if (!strcmp(t, "write-combining"))
				break;
		}
	}
	free(text);
	return found;
}

static void ena_vfio(const struct check_ctx *ctx, struct finding *f, const struct nic *n)
{
	unsigned long long start = bar_start(ctx->sr, n->pci, ENA_LLQ_BAR);
	char type[32];
	int rc = start ? pat_type(ctx->sr, start, type, sizeof(type)) : 1;

	if (rc == 0 && !strcmp(type, "write-combining")) {
		finding_pass(f, "%s BAR %d (0x%llx) mapped write-combining ('%s'): a vfio-pci with WC", label(n), ENA_LLQ_BAR,
			     start, PAT_LIST);
		return;
	}
	if (rc == 0) {
		finding_fail(f, "%s BAR %d (0x%llx) mapped '%s' ('%s'): the stock vfio-pci maps no BAR write-combined, "
			     "so LLQ runs slow or is turned off", label(n), ENA_LLQ_BAR, start, type, PAT_LIST);
		finding_remedy(f, "manual: load AWS's write-combining vfio-pci (amzn-drivers userspace/dpdk/enav2-vfio-patch, "
			       "get-vfio-with-wc.sh), or bind %s to igb_uio loaded with wc_activate=1", label(n));
		return;
	}
	/* Until a DPDK process maps the BAR the table has nothing to show, and debugfs is root's. */
	finding_warn(f, "write-combining of %s's BAR %d unknown: %s (the stock vfio-pci maps no BAR write-combined; "
		     "AWS ships a patched one)", label(n), ENA_LLQ_BAR,
		     !start ? "its resource file gives no BAR 2"
		     : rc == 1 ? "no mapping of it in " PAT_LIST " (no DPDK process holds it)"
				     : "'" PAT_LIST "' unreadable (debugfs unmounted, or not root)");
	if (start)
		finding_remedy(f, "manual: with the DPDK application running, 'grep 0x%016llx %s' must say "
			       "write-combining; else load AWS's write-combining vfio-pci (amzn-drivers "
			       "userspace/dpdk/enav2-vfio-patch) or bind to igb_uio with wc_activate=1", start, PAT_LIST);
	else
		finding_remedy(f, "manual: with the DPDK application running, find BAR 2 of %s in %s: it must say "
			       "write-combining", label(n), PAT_LIST);
}

/*
 * What the kernel's ena driver reports of the device while it holds the netdev: its queues (ethtool -l,
 * else the sysfs queue dirs), LLQ (the Tx push buffer ethtool -g shows from kernel 6.4: 96 or 224 bytes
 * in LLQ mode, 0 in regular mode) and AWS's driver's module parameters. "" when it reports nothing.
 */
static void ena_kernel_facts(const struct check_ctx *ctx, const struct nic *n, char *buf, size_t size)
{
	const struct nic_netpath *np = &n->np;
	char v[16];
	long big;
	size_t len = 0;

	buf[0] = '\0';
	if (!n->name[0])
		return;
	if (np->has_channels)
		len += (size_t)snprintf(buf + len, size - len, "%ld of %ld queue pairs ('ethtool -l')", np->combined,
					np->combined_max);
	else if (n->rx_queues)
		len += (size_t)snprintf(buf + len, size - len, "%d rx queues (sysfs)", n->rx_queues);
	if (np->has_tx_push && len < size)
		len += (size_t)snprintf(buf + len, size - len, "%sLLQ %s", len ? ", " : "",
					np->tx_push_buf_max > 0 ? "on" : "off (regular Tx queues in host memory)");
	if (np->has_tx_push && np->tx_push_buf_max > 0 && len < size)
		len += (size_t)snprintf(buf + len, size - len, ": %ld-byte push header of %ld possible%s",
					np->tx_push_buf_len, np->tx_push_buf_max,
					np->tx_push_buf_max > 96 ? " (large LLQ headers offered)" : "");
	if (sysroot_read_str(ctx->sr, ENA_PARAMS "/force_large_llq_header", v, sizeof(v)) == 0 &&
	    parse_long(v, &big) == 0 && len < size)
		len += (size_t)snprintf(buf + len, size - len, "%sena module force_large_llq_header=%s", len ? ", " : "",
					big == ENA_UNSET_LARGE_LLQ ? "unset" : v);
	if (sysroot_read_str(ctx->sr, ENA_PARAMS "/num_io_queues", v, sizeof(v)) == 0 && len < size)
		snprintf(buf + len, size - len, "%snum_io_queues=%s", len ? ", " : "", v);
}

/* The ENA bound (or to be bound) to a user-space driver: its WC evidence. */
static void ena_userspace(const struct check_ctx *ctx, struct finding *f, const struct nic *n, const char *want)
{
	char flag[16];
	int rc;

	if (!strcmp(want, "igb_uio")) {
		rc = sysroot_read_str(ctx->sr, IGB_UIO_WC, flag, sizeof(flag));
		if (rc == 0 && !strcmp(flag, "1")) {
			finding_pass(f, "igb_uio loaded with wc_activate=1 ('%s')", IGB_UIO_WC);
			return;
		}
		if (rc == 0)
			finding_fail(f, "igb_uio loaded with wc_activate=%s ('%s'): %s's LLQ BAR is not write-combined", flag,
				     IGB_UIO_WC, label(n));
		else
			finding_fail(f, "igb_uio not loaded ('%s': %s): load it with wc_activate=1 before binding %s",
				     IGB_UIO_WC, strerror(-rc), label(n));
		finding_remedy(f, "manual: rmmod igb_uio; modprobe igb_uio wc_activate=1 (or insmod igb_uio.ko wc_activate=1), "
			       "and 'options igb_uio wc_activate=1' in /etc/modprobe.d for the next load");
		return;
	}
	if (!strcmp(want, "vfio-pci")) {
		ena_vfio(ctx, f, n);
		return;
	}
	finding_fail(f, "%s for %s: %s maps no BAR write-combined, so ENA's LLQ cannot run", want, label(n), want);
	finding_remedy(f, "manual: bind %s to vfio-pci with AWS's write-combining patch, or to igb_uio with "
		       "wc_activate=1 ([nic] driver)", label(n));
}

/* Before the bind the kernel's ena still says what the device offers: the PMD gets the same LLQ. */
static void ena_add_facts(struct finding *f, const char *facts)
{
	char *old;

	if (!facts[0] || !f->observed || f->verdict == V_SKIP)
		return;
	old = xstrdup(f->observed);
	if (f->verdict == V_PASS)
		finding_pass(f, "%s; the kernel's ena reports %s", old, facts);
	else if (f->verdict == V_WARN)
		finding_warn(f, "%s; the kernel's ena reports %s", old, facts);
	else
		finding_fail(f, "%s; the kernel's ena reports %s", old, facts);
	free(old);
}

static void run_ena_llq(const struct check_ctx *ctx, struct finding *f)
{
	const struct nic *n = bypass_nic(ctx, f);
	const char *want;
	char id[40], facts[256];
	int rc;

	if (!n)
		return;
	if (!n->pci[0]) {
		finding_skip(f, "%s is not a PCI device", label(n));
		return;
	}
	if ((rc = ena_device(ctx->sr, n->pci, id, sizeof(id))) <= 0) {
		if (rc == 0)
			finding_skip(f, "%s is no ENA (%s, not 1d0f:ec20 or 1d0f:ec21)", label(n), id);
		else
			finding_skip_read(f, PCI_DEV_DIR "/PCI/{vendor,device}", rc);
		return;
	}
	want = nic_str(ctx->prof, PK_NIC_DRIVER);
	if (!want || !strcmp(want, "kernel"))
		want = n->driver;
	/* DPDK 22.11's ENA PMD: devarg enable_llq (default 1) uses LLQ where offered, large_llq_hdr=1 asks for large headers. */
	finding_expected(f, "ENA's LLQ BAR (BAR %d) mapped write-combining by the driver that holds it (the DPDK ENA PMD "
			 "pushes headers through it: devarg enable_llq=1, its default; large_llq_hdr=1 for large headers "
			 "where the device has them)", ENA_LLQ_BAR);
	ena_kernel_facts(ctx, n, facts, sizeof(facts));
	if (!nic_userspace_driver(want)) {
		if (n->np.has_tx_push && n->np.tx_push_buf_max == 0) {
			/* ena_com_config_dev_mode(): no LLQ offered, or its BAR not mappable, and the driver went on without. */
			finding_fail(f, "%s on the kernel's %s driver without LLQ: %s ('ethtool -g %s' shows no TX push "
				     "buffer): the device offers none, or the driver could not map its BAR", label(n),
				     want[0] ? want : "(unbound)", facts, n->name);
			finding_remedy(f, "manual: LLQ is negotiated when ena probes the device: on an instance type that "
				       "offers it (5th generation and later), reload ena from the serial console (the "
				       "primary ENI drops with it) and see 'ethtool -g %s' show TX push on", n->name);
			return;
		}
		finding_pass(f, "%s on the kernel's %s driver, which maps its LLQ BAR write-combined itself%s%s%s", label(n),
			     want[0] ? want : "(unbound)", facts[0] ? ": " : "", facts,
			     n->name[0] && !n->np.has_tx_push ? " (LLQ state not reported: kernel before 6.4)" : "");
		return;
	}
	ena_userspace(ctx, f, n, want);
	ena_add_facts(f, facts);
}

const struct check check_nic_ena_llq = {
	.keys = KEYS(PK_NIC_INTERFACE, PK_NIC_DRIVER),
	.id = "nic.ena_llq",
	.area = AREA_NIC,
	.title = "ENA's Low-Latency Queue BAR write-combined for the driver that holds it",
	.reads = PCI_DEV_DIR "/PCI/{vendor,device,resource}, " IGB_UIO_WC ", " PAT_LIST ", ethtool -l and -g (Tx push), "
		 ENA_PARAMS "/{force_large_llq_header,num_io_queues}",
	.flags = CF_PER_NIC,
	.run = run_ena_llq,
};

/* ---- nic.coalesce and nic.rings: ethtool facts ---- */

/* The kernel netdev of the NIC, or a skip: a vfio-bound device has no interrupts to coalesce. */
static const struct nic *netdev(const struct check_ctx *ctx, struct finding *f)
{
	const struct nic *n = bypass_nic(ctx, f);

	if (n && !n->name[0]) {
		finding_skip(f, "%s is not a kernel netdev (bound to %s): its poll-mode driver sets this",
			     n->pci, n->driver[0] ? n->driver : "no driver");
		return NULL;
	}
	return n;
}

/* Why a group of ethtool facts is unknown: unsupported live, or a missing or bad capture file. */
static void skip_eth(const struct check_ctx *ctx, const struct nic *n, const char *what, const char *cmd,
		     struct finding *f)
{
	char path[128], raw[SYSROOT_SMALL], txt[64];
	ssize_t len;

	snprintf(path, sizeof(path), SYSROOT_ETHTOOL_DIR "/%s/%s", n->name, what);
	len = ctx->sr->live ? 0 : sysroot_read(ctx->sr, path, raw, sizeof(raw));
	/* A capture keeps the ioctl's refusal as a word: its audit says what the live one said. */
	if (ctx->sr->live || (len >= 0 && !strcmp(trim(raw), ETHTOOL_UNSUPPORTED))) {
		finding_skip(f, "the driver of %s does not report %s (%s unsupported)", n->name, what, cmd);
		return;
	}
	if (len < 0) {
		finding_skip_read(f, path, (int)len);
		return;
	}
	check_printable(trim(raw), txt, sizeof(txt));
	if (!txt[0])
		finding_skip(f, "'%s' is empty", path);
	else
		finding_skip(f, "unexpected value in '%s': '%s'", path, txt);
}

static void run_coalesce(const struct check_ctx *ctx, struct finding *f)
{
	const struct nic *n = netdev(ctx, f);
	const char *adaptive = profile_str(ctx->prof, PK_ADAPTIVE_RX);
	struct strbuf seen = { 0 }, want = { 0 }, fix = { 0 };
	long usecs;
	bool has_usecs, bad = false;

	if (!n)
		return;
	has_usecs = profile_long(ctx->prof, PK_RX_USECS, &usecs) == 0;
	if (!has_usecs && !adaptive) {
		finding_skip(f, "profile does not ask for nic.rx_usecs or nic.adaptive_rx");
		return;
	}
	if (!n->eth.has_coalesce) {
		skip_eth(ctx, n, "coalesce", "ETHTOOL_GCOALESCE", f);
		return;
	}
	/* adaptive-rx first: with it on, many drivers ignore rx-usecs. */
	if (adaptive) {
		bool on = !strcmp(adaptive, "on");

		add(&seen, ", ", "adaptive-rx %s", n->eth.adaptive_rx ? "on" : "off");
		add(&want, ", ", "adaptive-rx %s", adaptive);
		add(&fix, " ", "adaptive-rx %s", adaptive);
		bad |= (n->eth.adaptive_rx != 0) != on;
	}
	if (has_usecs) {
		add(&seen, ", ", "rx-usecs %ld", n->eth.rx_usecs);
		add(&want, ", ", "rx-usecs %ld", usecs);
		add(&fix, " ", "rx-usecs %ld", usecs);
		bad |= n->eth.rx_usecs != usecs;
	}
	finding_expected(f, "%s: %s", n->name, want.s);
	if (bad) {
		finding_fail(f, "%s: %s", n->name, seen.s);
		finding_remedy(f, "ethtool -C %s %s (profile: [nic] rx_usecs, adaptive_rx)", n->name,
			       fix.s);
	} else {
		finding_pass(f, "%s: %s (%s)", n->name, seen.s, n->eth.source);
	}
	strbuf_free(&seen);
	strbuf_free(&want);
	strbuf_free(&fix);
}

static void add_ethtool(const struct tune_ctx *ctx, struct plan *p, const char *check, const struct nic *n,
			const char *file, const char *key, long now, long want, const char *shell)
{
	char path[160];

	snprintf(path, sizeof(path), SYSROOT_ETHTOOL_DIR "/%s/%s", n->name, file);
	tune_ethtool(ctx, p, check, n, path, key, now, want, shell);
}

static int plan_coalesce(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const struct nic *n = tunable_nic(ctx, f, p);
	const char *adaptive = profile_str(ctx->prof, PK_ADAPTIVE_RX);
	char shell[128];
	long usecs;

	if (!n)
		return 0;
	if (!n->eth.has_coalesce) {
		plan_add_manual(p, f, NULL);
		return 0;
	}
	if (profile_long(ctx->prof, PK_RX_USECS, &usecs) == 0) {
		snprintf(shell, sizeof(shell), "ethtool -C %s rx-usecs %ld", n->name, usecs);
		add_ethtool(ctx, p, f->check->id, n, "coalesce", "rx_usecs", n->eth.rx_usecs, usecs, shell);
	}
	if (adaptive) {
		snprintf(shell, sizeof(shell), "ethtool -C %s adaptive-rx %s", n->name, adaptive);
		add_ethtool(ctx, p, f->check->id, n, "coalesce", "adaptive_rx", n->eth.adaptive_rx,
			    !strcmp(adaptive, "on"), shell);
	}
	return 0;
}

const struct check check_nic_coalesce = {
	.keys = KEYS(PK_RX_USECS, PK_ADAPTIVE_RX, PK_NIC_INTERFACE, PK_NIC_DRIVER),
	.flags = CF_RUNTIME | CF_PER_NIC,
	.id = "nic.coalesce",
	.area = AREA_NIC,
	.title = "interrupt coalescing as the profile asks (rx-usecs, adaptive-rx)",
	.reads = "SIOCETHTOOL ETHTOOL_GCOALESCE, or " SYSROOT_ETHTOOL_DIR "/IF/coalesce",
	.run = run_coalesce, .plan = plan_coalesce,
};

struct ring_want {
	const char *key;	/* "rx", "tx" */
	const char *raw;	/* NULL when not asked */
	long now, max, want;
};

/* "max" or a count: -1 (with a skip) for garbage in the profile. */
static int ring_wanted(struct ring_want *r, struct finding *f)
{
	if (!r->raw)
		return 0;
	if (!strcmp(r->raw, "max")) {
		if (r->max <= 0) {
			finding_skip(f, "the driver reports no %s ring maximum", r->key);
			return -1;
		}
		r->want = r->max;
		return 0;
	}
	if (parse_long(r->raw, &r->want) < 0 || r->want <= 0) {
		finding_skip(f, "[nic] %s_ring = '%s' is neither a count nor max", r->key, r->raw);
		return -1;
	}
	return 0;
}

static void run_rings(const struct check_ctx *ctx, struct finding *f)
{
	const struct nic *n = netdev(ctx, f);
	struct ring_want r[2];
	struct strbuf seen = { 0 }, want = { 0 }, fix = { 0 }, over = { 0 };
	bool bad = false;

	if (!n)
		return;
	r[0] = (struct ring_want){ "rx", nic_str(ctx->prof, PK_RX_RING), n->eth.rx_pending, n->eth.rx_max, 0 };
	r[1] = (struct ring_want){ "tx", nic_str(ctx->prof, PK_TX_RING), n->eth.tx_pending, n->eth.tx_max, 0 };
	if (!r[0].raw && !r[1].raw) {
		finding_skip(f, "profile does not ask for nic.rx_ring or nic.tx_ring");
		return;
	}
	if (!n->eth.has_ring) {
		skip_eth(ctx, n, "ring", "ETHTOOL_GRINGPARAM", f);
		return;
	}
	if (ring_wanted(&r[0], f) < 0 || ring_wanted(&r[1], f) < 0)
		return;
	for (int i = 0; i < 2; i++) {
		if (!r[i].raw)
			continue;
		add(&seen, ", ", "%s %ld (max %ld)", r[i].key, r[i].now, r[i].max);
		add(&want, ", ", "%s %ld%s", r[i].key, r[i].want, strcmp(r[i].raw, "max") ? "" : " (max)");
		if (r[i].want > r[i].max)
			add(&over, "; ", "set [nic] %s_ring = max (the hardware maximum is %ld, not %ld)", r[i].key,
			    r[i].max, r[i].want);
		else if (r[i].now != r[i].want)
			add(&fix, " ", "%s %ld", r[i].key, r[i].want);
		bad |= r[i].now != r[i].want;
	}
	finding_expected(f, "%s: %s", n->name, want.s);
	if (!bad) {
		finding_pass(f, "%s: %s (%s)", n->name, seen.s, n->eth.source);
	} else if (over.len) {
		finding_fail(f, "%s: %s; the profile asks for more than the hardware holds", n->name, seen.s);
		finding_remedy(f, "%s", over.s);
	} else {
		finding_fail(f, "%s: %s", n->name, seen.s);
		finding_remedy(f, "ethtool -G %s %s (profile: [nic] rx_ring, tx_ring)", n->name, fix.s);
	}
	strbuf_free(&seen);
	strbuf_free(&want);
	strbuf_free(&fix);
	strbuf_free(&over);
}

/* "max" or a count; 0 (unset or bad) means no change. A count above the hardware maximum is manual. */
static long ring_want(const char *v, long max)
{
	long n;

	if (!v)
		return 0;
	if (!strcmp(v, "max"))
		return max;
	return parse_long(v, &n) == 0 && n > 0 && n <= max ? n : -1;
}

static int plan_rings(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const struct nic *n = tunable_nic(ctx, f, p);
	char shell[128];
	long rx, tx;

	if (!n)
		return 0;
	if (!n->eth.has_ring) {
		plan_add_manual(p, f, NULL);
		return 0;
	}
	rx = ring_want(profile_str(ctx->prof, PK_RX_RING), n->eth.rx_max);
	tx = ring_want(profile_str(ctx->prof, PK_TX_RING), n->eth.tx_max);
	if (rx < 0 || tx < 0) {
		plan_add_manual(p, f, NULL);
		return 0;
	}
	if (rx) {
		snprintf(shell, sizeof(shell), "ethtool -G %s rx %ld", n->name, rx);
		add_ethtool(ctx, p, f->check->id, n, "ring", "rx_pending", n->eth.rx_pending, rx, shell);
	}
	if (tx) {
		snprintf(shell, sizeof(shell), "ethtool -G %s tx %ld", n->name, tx);
		add_ethtool(ctx, p, f->check->id, n, "ring", "tx_pending", n->eth.tx_pending, tx, shell);
	}
	return 0;
}

const struct check check_nic_rings = {
	.keys = KEYS(PK_RX_RING, PK_TX_RING, PK_NIC_INTERFACE, PK_NIC_DRIVER),
	.flags = CF_RUNTIME | CF_PER_NIC,
	.id = "nic.rings",
	.area = AREA_NIC,
	.title = "rx/tx ring sizes as the profile asks",
	.reads = "SIOCETHTOOL ETHTOOL_GRINGPARAM, or " SYSROOT_ETHTOOL_DIR "/IF/ring",
	.run = run_rings, .plan = plan_rings,
};
