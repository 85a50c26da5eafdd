/* The trading application: its DPDK configuration before it starts, its ports and threads while it runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt.h"
#include "registry.h"
#include "stack.h"
#include "util.h"

#define MIB (1024ULL * 1024ULL)
/* Ethernet header and CRC around the MTU: what a received frame needs in the data room (one segment). */
#define FRAME_OVERHEAD 18L

static const struct app_config *app_cfg(const struct check_ctx *ctx, struct finding *f)
{
	if (ctx->app && ctx->app->cfg)
		return ctx->app->cfg;
	if (ctx->app && ctx->app->absent)
		finding_skip(f, "%s", ctx->app->absent);
	else
		finding_skip(f, "no application configuration given (--app-config FILE, --app-eal ARGS or --app PID|auto)");
	return NULL;
}

static const struct app_live *app_live(const struct check_ctx *ctx, struct finding *f, bool ports)
{
	const struct app_live *l = ctx->app ? ctx->app->live : NULL;

	if (!l && ctx->app && ctx->app->absent)
		finding_skip(f, "%s", ctx->app->absent);
	else if (!l)
		finding_skip(f, "no running application given (--app PID|auto, --app-telemetry SOCKET or --app-pid PID)");
	else if (ports && !l->has_ports)
		finding_skip(f, "no DPDK telemetry read (no socket found for process %ld, or --app-pid without "
				"--app-telemetry): ports unknown", l->pid);
	else
		return l;
	return NULL;
}

/* The node of the first port the host knows, else -1; the device named in *dev either way. */
static int port_node(const struct check_ctx *ctx, const struct app_config *a, const char **dev)
{
	*dev = NULL;
	for (size_t i = 0; i < a->nports; i++) {
		const struct nic *n = host_nic_by_pci(ctx->host, a->ports[i].device);

		*dev = a->ports[i].device;
		if (n && n->numa_node >= 0)
			return n->numa_node;
	}
	return -1;
}

/* The NIC's node: the port's, else the profile's (its NIC, else its first isolated cpu's node). */
static int nic_node(const struct check_ctx *ctx, const struct app_config *a, char *why, size_t size)
{
	const char *dev;
	int node = port_node(ctx, a, &dev);

	if (node >= 0) {
		snprintf(why, size, "node %d of port %s", node, dev);
		return node;
	}
	snprintf(why, size, "node %d (the profile's NIC node%s%s%s)", ctx->prof->nic_node, dev ? "; " : "",
		 dev ? dev : "", dev ? " is not on this host" : "");
	return ctx->prof->nic_node;
}

static const struct cpuset *isolated(const struct check_ctx *ctx, const char **src)
{
	if (ctx->host->has_isolated && !cpuset_empty(&ctx->host->isolated)) {
		*src = "the kernel's isolated cpus";
		return &ctx->host->isolated;
	}
	*src = "the profile's isolated_cores";
	return &ctx->prof->isolated;
}

static bool lcores(const struct check_ctx *ctx, struct finding *f, const struct app_config **a)
{
	if (!(*a = app_cfg(ctx, f)))
		return false;
	if ((*a)->has_lcores)
		return true;
	finding_skip(f, "%s names no lcores (core_mask, core_list, -l or -c)", (*a)->source);
	return false;
}

/* A core list on the NIC's node, from its isolated cpus, one per SMT core, as many as asked. */
static char *suggest_lcores(const struct check_ctx *ctx, int node, int count)
{
	const struct numa_node *nd = host_node(ctx->host, node);
	const char *src;
	const struct cpuset *iso = isolated(ctx, &src);
	struct cpuset out, taken;
	int cpu;

	cpuset_zero(&out);
	cpuset_zero(&taken);
	if (!nd)
		return NULL;
	/* The main lcore on a housekeeping cpu of the node, the workers on isolated ones. */
	cpuset_for_each(cpu, &nd->cpus)
		if (!cpuset_has(iso, cpu)) {
			cpuset_set(&out, cpu);
			break;
		}
	cpuset_for_each(cpu, &nd->cpus) {
		const struct host_cpu *c = host_cpu(ctx->host, cpu);

		if (cpuset_count(&out) >= count)
			break;
		if (!cpuset_has(iso, cpu) || cpuset_has(&taken, cpu))
			continue;
		cpuset_set(&out, cpu);
		if (c)
			cpuset_or(&taken, &taken, &c->siblings);
	}
	return cpuset_count(&out) >= 2 ? cpuset_text(&out) : NULL;
}

/* ---- app.lcores_isolated ---- */

static void run_lcores_isolated(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_config *a;
	const char *src;
	const struct cpuset *iso;
	struct cpuset workers, bad;
	int main_lcore;
	char *list, *badl, *sugg, why[160];

	if (!lcores(ctx, f, &a))
		return;
	iso = isolated(ctx, &src);
	if (cpuset_empty(iso)) {
		finding_skip(f, "no isolated cpus known (kernel or profile): nothing to judge the lcores against");
		return;
	}
	workers = a->lcores;
	main_lcore = cpuset_next(&a->lcores, 0);
	cpuset_clear(&workers, main_lcore);
	cpuset_andnot(&bad, &workers, iso);
	list = cpuset_text(&a->lcores);
	if (cpuset_empty(&bad)) {
		finding_pass(f, "lcores %s: workers on isolated cpus; main lcore %d %s", list, main_lcore,
			     cpuset_has(iso, main_lcore) ? "isolated too" : "on a housekeeping cpu (it may: it sets up and waits)");
	} else {
		badl = cpuset_text(&bad);
		finding_fail(f, "lcores %s: worker lcore cpus %s are not isolated", list, badl);
		sugg = suggest_lcores(ctx, nic_node(ctx, a, why, sizeof(why)), cpuset_count(&a->lcores));
		if (sugg)
			finding_remedy(f, "core_list: \"%s\" (a housekeeping main lcore and isolated workers on %s), or "
					  "isolate %s", sugg, why, badl);
		else
			finding_remedy(f, "isolate cpus %s ([cpu] isolated_cores) or move the workers onto %s", badl, src);
		free(sugg);
		free(badl);
	}
	finding_expected(f, "every worker lcore on %s", src);
	free(list);
}

const struct check check_app_lcores_isolated = {
	.id = "app.lcores_isolated",
	.keys = KEYS(PK_APP_CONFIG, PK_APP_EAL),
	.area = AREA_APP,
	.title = "application worker lcores on isolated cpus",
	.reads = "the app's lcores; /sys/devices/system/cpu/isolated",
	.run = run_lcores_isolated,
};

/* ---- app.lcores_node ---- */

static void run_lcores_node(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_config *a;
	const struct numa_node *nd;
	struct cpuset far;
	char why[160], *farl, *list;
	int node;

	if (!lcores(ctx, f, &a))
		return;
	node = nic_node(ctx, a, why, sizeof(why));
	if (!(nd = host_node(ctx->host, node))) {
		finding_skip(f, "NUMA node %d unknown on this host", node);
		return;
	}
	cpuset_andnot(&far, &a->lcores, &nd->cpus);
	list = cpuset_text(&a->lcores);
	finding_expected(f, "every lcore on the NIC's node: %s", why);
	if (cpuset_empty(&far)) {
		finding_pass(f, "lcores %s all on node %d", list, node);
	} else {
		farl = cpuset_text(&far);
		finding_fail(f, "lcores %s: cpus %s are on a far NUMA node (every packet crosses the interconnect)", list,
			     farl);
		finding_remedy(f, "take the lcores from node %d's cpus (%s)", node,
			       cpuset_format(&nd->cpus, why, sizeof(why)));
		free(farl);
	}
	free(list);
}

const struct check check_app_lcores_node = {
	.id = "app.lcores_node",
	.keys = KEYS(PK_APP_CONFIG, PK_APP_EAL),
	.area = AREA_APP,
	.title = "application lcores on the NIC's NUMA node",
	.reads = "the app's lcores and ports; /sys/devices/system/node, the PCI device's numa_node",
	.run = run_lcores_node,
};

/* ---- app.lcores_smt ---- */

static void run_lcores_smt(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_config *a;
	struct strbuf sb = { 0 };
	struct cpuset seen;
	int cpu, pairs = 0;

	if (!lcores(ctx, f, &a))
		return;
	cpuset_zero(&seen);
	cpuset_for_each(cpu, &a->lcores) {
		const struct host_cpu *c = host_cpu(ctx->host, cpu);
		int sib;

		if (!c || cpuset_has(&seen, cpu))
			continue;
		cpuset_for_each(sib, &c->siblings)
			if (sib != cpu && cpuset_has(&a->lcores, sib)) {
				strbuf_addf(&sb, "%s%d+%d", pairs++ ? ", " : "", cpu, sib);
				cpuset_set(&seen, sib);
			}
	}
	finding_expected(f, "no two lcores on SMT siblings of one core");
	if (!pairs) {
		finding_pass(f, "no two lcores share a core");
	} else {
		finding_fail(f, "lcores on SMT siblings of one core: %s (they share its execution units and L1/L2)", sb.s);
		finding_remedy(f, "drop one cpu of each pair from the core mask, or turn SMT off ([cpu] smt = off)");
	}
	strbuf_free(&sb);
}

const struct check check_app_lcores_smt = {
	.id = "app.lcores_smt",
	.keys = KEYS(PK_APP_CONFIG, PK_APP_EAL),
	.area = AREA_APP,
	.title = "application lcores not on SMT siblings",
	.reads = "the app's lcores; /sys/devices/system/cpu/cpuN/topology/thread_siblings_list",
	.run = run_lcores_smt,
};

/* ---- hugepage sizes ---- */

/* The page size the app gets: its huge_dir mount's, else the profile's, else the kernel's default. */
static unsigned long app_page_kb(const struct check_ctx *ctx, const struct app_config *a)
{
	for (size_t i = 0; a->huge_dir[0] && i < ctx->host->nmounts; i++)
		if (!strcmp(ctx->host->mounts[i].path, a->huge_dir))
			return ctx->host->mounts[i].pagesize_kb;
	if (ctx->prof->hugepage_kb)
		return ctx->prof->hugepage_kb;
	return ctx->host->default_hugepage_kb;
}

static unsigned long long free_huge_bytes(const struct check_ctx *ctx, int node, unsigned long kb, bool *known)
{
	const struct hugepool *p = host_pool(ctx->host, node, kb);

	*known = p && p->free >= 0;
	return *known ? (unsigned long long)p->free * kb * 1024ULL : 0;
}

/* ---- app.socket_mem ---- */

static void run_socket_mem(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_config *a = app_cfg(ctx, f);
	struct strbuf bad = { 0 }, fix = { 0 }, seen = { 0 };
	unsigned long kb;
	char why[160], sz[32];
	int node, fails = 0;

	if (!a)
		return;
	if (!a->nsocket_mem) {
		finding_skip(f, "%s gives no socket_mem (--socket-mem)", a->source);
		return;
	}
	if (!(kb = app_page_kb(ctx, a))) {
		finding_skip(f, "hugepage size unknown (no huge_dir mount, profile size or Hugepagesize)");
		return;
	}
	node = nic_node(ctx, a, why, sizeof(why));
	format_size_human(kb, sz, sizeof(sz));
	for (int i = 0; i < a->nsocket_mem; i++) {
		bool known;
		unsigned long long want = (unsigned long long)a->socket_mem_mb[i] * MIB;
		unsigned long long have = free_huge_bytes(ctx, i, kb, &known);
		long fit = known ? (long)(have / MIB) : 0;

		strbuf_addf(&seen, "%snode %d: %ld MB of %llu MB free", i ? "; " : "", i, a->socket_mem_mb[i],
			    have / MIB);
		strbuf_addf(&fix, "%s%ld", i ? "," : "", i == node ? (a->socket_mem_mb[i] <= fit ? a->socket_mem_mb[i] : fit)
							    : (a->socket_mem_mb[i] <= fit ? a->socket_mem_mb[i] : fit));
		if (want && !known) {
			strbuf_addf(&bad, "%snode %d has no %s hugepage pool", fails++ ? "; " : "", i, sz);
		} else if (want > have) {
			strbuf_addf(&bad, "%snode %d asks %ld MB, %llu MB of %s pages free", fails++ ? "; " : "", i,
				    a->socket_mem_mb[i], have / MIB, sz);
		}
	}
	if (node >= a->nsocket_mem || a->socket_mem_mb[node] == 0)
		strbuf_addf(&bad, "%snothing asked on the NIC's node %d", fails++ ? "; " : "", node);
	finding_expected(f, "socket_mem per node within that node's free %s hugepages, memory on the NIC's %s", sz, why);
	if (!fails) {
		finding_pass(f, "%s", seen.s);
	} else {
		finding_fail(f, "%s (%s)", bad.s, seen.s);
		finding_remedy(f, "socket_mem: \"%s\" (what is free now), or reserve more %s pages on the node "
				  "([memory] hugepages)", fix.s, sz);
	}
	strbuf_free(&bad);
	strbuf_free(&fix);
	strbuf_free(&seen);
}

const struct check check_app_socket_mem = {
	.id = "app.socket_mem",
	.keys = KEYS(PK_APP_CONFIG, PK_APP_EAL),
	.area = AREA_APP,
	.title = "application socket memory within free hugepages per node",
	.reads = "the app's socket_mem; /sys/devices/system/node/nodeN/hugepages",
	.run = run_socket_mem,
};

/* ---- app.huge_dir ---- */

static void run_huge_dir(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_config *a = app_cfg(ctx, f);
	unsigned long want;
	char sz[32], got[32];

	if (!a)
		return;
	if (!a->huge_dir[0]) {
		finding_skip(f, "%s names no hugepages_mount (--huge-dir): DPDK picks a hugetlbfs mount itself", a->source);
		return;
	}
	if (ctx->host->mounts_rc < 0) {
		finding_skip_read(f, "/proc/mounts", ctx->host->mounts_rc);
		return;
	}
	want = ctx->prof->hugepage_kb ? ctx->prof->hugepage_kb : ctx->host->default_hugepage_kb;
	format_size_human(want, sz, sizeof(sz));
	finding_expected(f, "'%s' a hugetlbfs mount of %s pages", a->huge_dir, want ? sz : "some size");
	for (size_t i = 0; i < ctx->host->nmounts; i++) {
		const struct hugetlbfs_mount *m = &ctx->host->mounts[i];

		if (strcmp(m->path, a->huge_dir))
			continue;
		format_size_human(m->pagesize_kb, got, sizeof(got));
		if (!want || m->pagesize_kb == want) {
			finding_pass(f, "'%s' is hugetlbfs, pagesize=%s", m->path, got);
		} else {
			finding_fail(f, "'%s' is hugetlbfs of %s pages, not %s", m->path, got, sz);
			finding_remedy(f, "mount -t hugetlbfs -o pagesize=%s nodev %s (or point hugepages_mount at such a mount)",
				       sz, a->huge_dir);
		}
		return;
	}
	finding_fail(f, "'%s' is not a hugetlbfs mount", a->huge_dir);
	finding_remedy(f, "mount -t hugetlbfs -o pagesize=%s nodev %s", want ? sz : "2M", a->huge_dir);
}

const struct check check_app_huge_dir = {
	.id = "app.huge_dir",
	.keys = KEYS(PK_APP_CONFIG, PK_APP_EAL),
	.area = AREA_APP,
	.title = "application hugepages_mount is hugetlbfs of the wanted size",
	.reads = "the app's hugepages_mount; /proc/mounts",
	.run = run_huge_dir,
};

/* ---- app.no_huge ---- */

static void run_no_huge(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_config *a = app_cfg(ctx, f);

	if (!a)
		return;
	finding_expected(f, "hugepage-backed memory (no --no-huge)");
	if (a->no_huge) {
		finding_fail(f, "--no-huge: every mbuf on 4 KiB pages (a TLB miss per few packets; no IOVA-contiguous "
				"memory for a physical NIC)");
		finding_remedy(f, "drop --no-huge (no_huge: false) and reserve hugepages ([memory] hugepages)");
	} else if (a->in_memory) {
		finding_pass(f, "hugepages, --in-memory (no hugepage files: the memory is not shared with secondaries)");
	} else {
		finding_pass(f, "hugepages");
	}
}

const struct check check_app_no_huge = {
	.id = "app.no_huge",
	.keys = KEYS(PK_APP_CONFIG, PK_APP_EAL),
	.area = AREA_APP,
	.title = "application memory on hugepages",
	.reads = "the app's no_huge / --no-huge",
	.run = run_no_huge,
};

/* ---- app.mempool_fit ---- */

static void run_mempool_fit(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_config *a = app_cfg(ctx, f);
	struct strbuf seen = { 0 }, fix = { 0 };
	unsigned long long total = 0, room;
	unsigned long kb;
	bool known;
	char why[160], sz[32];
	int node;

	if (!a)
		return;
	if (!a->npools) {
		finding_skip(f, "%s names no buffer_pools", a->source);
		return;
	}
	if (a->no_huge || !(kb = app_page_kb(ctx, a))) {
		finding_skip(f, a->no_huge ? "--no-huge: pools on anonymous memory" : "hugepage size unknown");
		return;
	}
	node = nic_node(ctx, a, why, sizeof(why));
	room = free_huge_bytes(ctx, node, kb, &known);
	if (node < a->nsocket_mem && (unsigned long long)a->socket_mem_mb[node] * MIB < room)
		room = (unsigned long long)a->socket_mem_mb[node] * MIB;
	format_size_human(kb, sz, sizeof(sz));
	for (size_t i = 0; i < a->npools; i++) {
		struct app_pool_size s;

		app_pool_size(&a->pools[i], a->memory_channels, kb * 1024UL, &s);
		total += s.bytes;
		strbuf_addf(&seen, "%s'%s' %ld x %lu B (header %lu + mbuf %lu + trailer %lu) = %llu MB%s", i ? "; " : "",
			    a->pools[i].name, a->pools[i].count, s.total, s.header, s.elt, s.trailer, (s.bytes + MIB - 1) / MIB,
			    s.caches ? " with per-lcore caches" : "");
	}
	finding_expected(f, "the pools within the %s hugepage memory for the NIC's %s (%llu MB%s)", sz, why, room / MIB,
			 node < a->nsocket_mem ? ", socket_mem or free, the lesser" : " free");
	if (total <= room) {
		finding_pass(f, "%s; %llu MB in all", seen.s, (total + MIB - 1) / MIB);
	} else {
		finding_fail(f, "%s; %llu MB in all, more than %llu MB", seen.s, (total + MIB - 1) / MIB, room / MIB);
		/* Shares of the room in proportion to each pool's present size. */
		for (size_t i = 0; i < a->npools; i++) {
			struct app_pool_size s;

			app_pool_size(&a->pools[i], a->memory_channels, kb * 1024UL, &s);
			strbuf_addf(&fix, "%s'%s' element_count: %ld", i ? ", " : "", a->pools[i].name,
				    app_pool_count_fitting(&a->pools[i], a->memory_channels, kb * 1024UL,
							   (unsigned long long)((double)room * ((double)s.bytes / (double)total)))); 
		}
		finding_remedy(f, "%s; or reserve %llu MB more of %s pages on node %d", fix.s, (total - room + MIB - 1) / MIB,
			       sz, node);
	}
	strbuf_free(&seen);
	strbuf_free(&fix);
}

const struct check check_app_mempool_fit = {
	.id = "app.mempool_fit",
	.keys = KEYS(PK_APP_CONFIG, PK_APP_EAL),
	.area = AREA_APP,
	.title = "application mbuf pools fit the hugepages on the NIC's node",
	.reads = "the app's buffer_pools, memory_channels, socket_mem; the node's hugepages",
	.run = run_mempool_fit,
};

/* ---- app.data_room ---- */

static void run_data_room(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_config *a = app_cfg(ctx, f);
	long mtu = 0, room = 0;
	const char *pool = NULL;

	if (!a)
		return;
	for (size_t i = 0; i < a->nports; i++)
		if (a->ports[i].mtu > mtu)
			mtu = a->ports[i].mtu;
	for (size_t i = 0; i < a->npools; i++)
		if (!pool || a->pools[i].data_room - (long)APP_MBUF_HEADROOM < room) {
			room = a->pools[i].data_room - (long)APP_MBUF_HEADROOM;
			pool = a->pools[i].name;
		}
	if (!mtu || !pool) {
		finding_skip(f, "%s gives no port mtu or no buffer pool", a->source);
		return;
	}
	finding_expected(f, "a data room of at least MTU %ld + %ld (Ethernet header, CRC) + %lu headroom = %ld bytes",
			 mtu, FRAME_OVERHEAD, APP_MBUF_HEADROOM, mtu + FRAME_OVERHEAD + (long)APP_MBUF_HEADROOM);
	if (room >= mtu + FRAME_OVERHEAD) {
		finding_pass(f, "pool '%s': %ld bytes for a frame after the headroom", pool, room);
	} else {
		finding_fail(f, "pool '%s': %ld bytes for a frame after the %lu headroom, a %ld-byte MTU frame needs %ld "
				"(it would arrive in chained segments, or be dropped without scatter)",
			     pool, room, APP_MBUF_HEADROOM, mtu, mtu + FRAME_OVERHEAD);
		finding_remedy(f, "element_size: %ld", mtu + FRAME_OVERHEAD + (long)APP_MBUF_HEADROOM);
	}
}

const struct check check_app_data_room = {
	.id = "app.data_room",
	.keys = KEYS(PK_APP_CONFIG, PK_APP_EAL),
	.area = AREA_APP,
	.title = "application mbuf data room holds the port's MTU",
	.reads = "the app's ports' mtu and buffer_pools' element_size",
	.run = run_data_room,
};

/* ---- app.port_node ---- */

/* The profile's view ([nic] or a [nic.ROLE]) whose NIC is that device; NULL when none names it. */
static const struct profile *port_role(const struct check_ctx *ctx, const struct nic *n)
{
	const struct profile *p = ctx->prof;

	if (p->nic == n)
		return p;
	for (size_t i = 0; i < p->nroles; i++)
		if (p->roles[i].view && p->roles[i].view->nic == n)
			return p->roles[i].view;
	return NULL;
}

static void run_port_node(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_config *a = app_cfg(ctx, f);
	struct strbuf bad = { 0 }, seen = { 0 };
	int fails = 0, lnode = -1;

	if (!a)
		return;
	if (!a->nports) {
		finding_skip(f, "%s names no ports", a->source);
		return;
	}
	if (a->has_lcores)
		lnode = host_cpu_node(ctx->host, cpuset_next(&a->lcores, 0) >= 0 ? cpuset_next(&a->lcores, 0) : 0);
	/* The workers' node: the main lcore may sit elsewhere, so take the last lcore. */
	if (a->has_lcores) {
		int last = -1, cpu;

		cpuset_for_each(cpu, &a->lcores)
			last = cpu;
		lnode = host_cpu_node(ctx->host, last);
	}
	for (size_t i = 0; i < a->nports; i++) {
		const struct nic *n = host_nic_by_pci(ctx->host, a->ports[i].device);
		const char *dev = a->ports[i].device;

		if (!n) {
			strbuf_addf(&bad, "%sdevice %s is not on this host", fails++ ? "; " : "", dev);
			continue;
		}
		const struct profile *role = port_role(ctx, n);
		char sect[48], cpus[256], lc[256];
		struct cpuset out;

		strbuf_addf(&seen, "%s%s on node %d", seen.len ? "; " : "", dev, n->numa_node);
		/* A port a role names is served by that role's cpus: the application must run them. */
		if (role && role->role) {
			strbuf_addf(&seen, " (%s)", profile_nic_section(role, sect, sizeof(sect)));
			cpuset_andnot(&out, &role->nic_cpus, &a->lcores);
			if (role->nic_cpus_named && a->has_lcores && !cpuset_empty(&out))
				strbuf_addf(&bad, "%sport %s is %s's NIC, whose cpus %s are not among the lcores %s",
					    fails++ ? "; " : "", dev, sect, cpuset_format(&out, cpus, sizeof(cpus)),
					    cpuset_format(&a->lcores, lc, sizeof(lc)));
		}
		if (lnode >= 0 && n->numa_node >= 0 && n->numa_node != lnode)
			strbuf_addf(&bad, "%sport %s on node %d, the worker lcores on node %d", fails++ ? "; " : "", dev,
				    n->numa_node, lnode);
		else if (n->numa_node >= 0 && a->nsocket_mem &&
			 (n->numa_node >= a->nsocket_mem || !a->socket_mem_mb[n->numa_node]))
			strbuf_addf(&bad, "%sport %s on node %d, no socket_mem there (its mempool lands on another node)",
				    fails++ ? "; " : "", dev, n->numa_node);
	}
	finding_expected(f, "each port present, on the node of the worker lcores and of the socket memory");
	if (!fails) {
		finding_pass(f, "%s", seen.len ? seen.s : "ports present");
	} else {
		finding_fail(f, "%s", bad.s);
		finding_remedy(f, "name the device_id of a NIC on this host (`tickready audit --only nic` lists them) and "
				  "take lcores and socket_mem on its node");
	}
	strbuf_free(&bad);
	strbuf_free(&seen);
}

const struct check check_app_port_node = {
	.id = "app.port_node",
	.keys = KEYS(PK_APP_CONFIG, PK_APP_EAL, PK_NIC_CPUS),
	.area = AREA_APP,
	.title = "application ports present and on the lcores' and memory's node",
	.reads = "the app's ports; /sys/bus/pci/devices/BDF/numa_node",
	.run = run_port_node,
};

/* ---- app.port_driver ---- */

/* Drivers DPDK probes a port on: the user-space I/O ones, or a kernel driver its PMD works beside (mlx4/mlx5). */
static const char *dpdk_driver_use(const char *driver)
{
	static const char *const user_space[] = { "vfio-pci", "igb_uio", "uio_pci_generic" };

	for (size_t i = 0; i < sizeof(user_space) / sizeof(user_space[0]); i++)
		if (!strcmp(driver, user_space[i]))
			return "user-space I/O";
	return stack_mlx_driver(driver) ? "bifurcated: DPDK's mlx PMD works beside the kernel driver" : NULL;
}

static void run_port_driver(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_config *a = app_cfg(ctx, f);
	struct strbuf bad = { 0 }, seen = { 0 }, fix = { 0 };
	size_t present = 0;

	if (!a)
		return;
	for (size_t i = 0; i < a->nports; i++) {
		const char *dev = a->ports[i].device;
		const struct nic *n = host_nic_by_pci(ctx->host, dev);
		const char *use, *mgmt;

		if (!n)
			continue;
		present++;
		use = n->driver[0] ? dpdk_driver_use(n->driver) : NULL;
		mgmt = mgmt_reason(host_mgmt(ctx->host), n);
		strbuf_addf(&seen, "%s%s on %s%s%s%s", seen.len ? "; " : "", dev, n->driver[0] ? n->driver : "no driver",
			    use ? " (" : "", use ? use : "", use ? ")" : "");
		if (mgmt) {
			strbuf_addf(&bad, "%s%s is on the management path (%s): taking it for DPDK cuts the host off", bad.len ? "; " : "",
				    dev, mgmt);
			strbuf_addf(&fix, "%sname another port than %s", fix.len ? "; " : "", dev);
		} else if (!use) {
			if (n->driver[0])
				strbuf_addf(&bad, "%s%s is held by the kernel driver %s%s%s: DPDK cannot probe it", bad.len ? "; " : "",
					    dev, n->driver, n->name[0] ? " as " : "", n->name);
			else
				strbuf_addf(&bad, "%s%s is bound to no driver: DPDK cannot probe it", bad.len ? "; " : "", dev);
			strbuf_addf(&fix, "%sdpdk-devbind.py --bind=vfio-pci %s (or [nic] interface = %s, [nic] driver = vfio-pci, "
				     "tickready apply)", fix.len ? "; " : "", dev, dev);
		}
	}
	finding_expected(f, "each port bound to a driver DPDK probes (vfio-pci, igb_uio, uio_pci_generic; mlx4/mlx5's kernel "
			    "driver for their bifurcated PMD), none on the management path");
	if (!a->nports || !present) {
		finding_skip(f, a->nports ? "no port of %s is on this host (app.port_node says so)" : "%s names no ports",
			     a->source);
	} else if (bad.len) {
		finding_fail(f, "%s", bad.s);
		finding_remedy(f, "%s", fix.s);
	} else {
		finding_pass(f, "%s", seen.s);
	}
	strbuf_free(&bad);
	strbuf_free(&seen);
	strbuf_free(&fix);
}

const struct check check_app_port_driver = {
	.id = "app.port_driver",
	.area = AREA_APP,
	.title = "application ports bound to a driver DPDK can use, off the management path",
	.reads = "the app's ports; /sys/bus/pci/devices/BDF/driver, the default routes",
	.keys = KEYS(PK_APP_CONFIG, PK_APP_EAL),
	.run = run_port_driver,
};

/* ---- app.port_queues ---- */

static void judge_limit(struct strbuf *bad, struct strbuf *fix, const char *dev, const char *what, long want, long max,
			const char *key)
{
	if (!want || max <= 0 || want <= max)
		return;
	strbuf_addf(bad, "%s%s: %s %ld, the device allows %ld", bad->len ? "; " : "", dev, what, want, max);
	strbuf_addf(fix, "%s%s: %ld", fix->len ? ", " : "", key, max);
}

static void run_port_queues(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_config *a = app_cfg(ctx, f);
	struct strbuf bad = { 0 }, seen = { 0 }, fix = { 0 }, unknown = { 0 };
	size_t judged = 0;

	if (!a)
		return;
	for (size_t i = 0; i < a->nports; i++) {
		const struct app_port *p = &a->ports[i];
		const struct nic *n = host_nic_by_pci(ctx->host, p->device);
		long ring = p->ring_size, qmax, rmax, tmax;

		if (!p->rx_queues && !p->tx_queues && !ring)
			continue;
		/* A power of two whatever the device: most PMDs refuse other ring sizes (ixgbe, i40e, ice, mlx5). */
		if (ring && (ring & (ring - 1))) {
			long up = 1;

			while (up < ring)
				up <<= 1;
			strbuf_addf(&bad, "%s%s: ring_descriptor_size %ld is not a power of two", bad.len ? "; " : "", p->device,
				    ring);
			strbuf_addf(&fix, "%sring_descriptor_size: %ld", fix.len ? ", " : "", up);
		}
		if (!n)
			continue;
		/* The kernel's maxima: ethtool's channels and rings, known while a kernel driver holds the device. */
		qmax = n->np.has_channels && n->np.combined_max > 0 ? n->np.combined_max : -1;
		rmax = n->eth.has_ring ? n->eth.rx_max : -1;
		tmax = n->eth.has_ring ? n->eth.tx_max : -1;
		if (qmax < 0 && rmax < 0) {
			strbuf_addf(&unknown, "%s%s (%s)", unknown.len ? ", " : "", p->device, n->driver[0] ? n->driver : "no driver");
			continue;
		}
		judged++;
		strbuf_addf(&seen, "%s%s: rx/tx queues %ld/%ld (", seen.len ? "; " : "", p->device, p->rx_queues, p->tx_queues);
		strbuf_addf(&seen, qmax > 0 ? "max %ld" : "max unknown", qmax);
		strbuf_addf(&seen, "), ring %ld (", ring);
		strbuf_addf(&seen, rmax > 0 ? "rx max %ld, tx max %ld)" : "max unknown)", rmax, tmax);
		judge_limit(&bad, &fix, p->device, "rx_queues", p->rx_queues, qmax, "rx_queues");
		judge_limit(&bad, &fix, p->device, "tx_queues", p->tx_queues, qmax, "tx_queues");
		judge_limit(&bad, &fix, p->device, "rx ring_descriptor_size", ring, rmax, "ring_descriptor_size");
		judge_limit(&bad, &fix, p->device, "tx ring_descriptor_size", ring, tmax, "ring_descriptor_size");
	}
	finding_expected(f, "rx/tx queues and ring sizes within the device's maxima (ethtool channels and rings), ring "
			    "sizes a power of two");
	if (bad.len) {
		finding_fail(f, "%s", bad.s);
		finding_remedy(f, "%s", fix.s);
	} else if (judged) {
		finding_pass(f, "%s%s%s", seen.s, unknown.len ? "; limits unknown for " : "", unknown.s ? unknown.s : "");
	} else {
		finding_skip(f, unknown.len ? "the kernel reports no channel or ring maxima for %s (a device off its kernel "
					     "driver shows none)" : "%s names no queues or ring sizes of a port on this host",
			     unknown.len ? unknown.s : a->source);
	}
	strbuf_free(&bad);
	strbuf_free(&seen);
	strbuf_free(&fix);
	strbuf_free(&unknown);
}

const struct check check_app_port_queues = {
	.id = "app.port_queues",
	.area = AREA_APP,
	.title = "application port queues and rings within the NIC's limits",
	.reads = "the app's ports' rx_queues, tx_queues, ring_descriptor_size; ethtool channels and rings",
	.keys = KEYS(PK_APP_CONFIG, PK_APP_EAL),
	.run = run_port_queues,
};

/* ---- the running application ---- */

static void port_counter(const struct check_ctx *ctx, struct finding *f, const char *name, size_t off, const char *why,
			 const char *fix)
{
	const struct app_live *l = app_live(ctx, f, true);
	struct strbuf grew = { 0 }, seen = { 0 }, before = { 0 };

	if (!l)
		return;
	if (!l->nports) {
		finding_skip(f, "the application has no ethdev port (telemetry /ethdev/list is empty)");
		return;
	}
	for (size_t i = 0; i < l->nports; i++) {
		const long long *v = (const long long *)((const char *)&l->ports[i] + off);

		strbuf_addf(&seen, "%sport %d%s%s%s: %s %lld", i ? "; " : "", l->ports[i].port, l->ports[i].name[0] ? " (" : "",
			    l->ports[i].name, l->ports[i].name[0] ? ")" : "", name, v[1]);
		if (v[0] < 0 || v[1] < 0)
			continue;
		if (v[1] > v[0])
			strbuf_addf(&grew, "%sport %d: %s +%lld in %.1f s (%.0f/s)", grew.len ? "; " : "", l->ports[i].port, name,
				    v[1] - v[0], l->window_s, l->window_s > 0 ? (double)(v[1] - v[0]) / l->window_s : 0.0);
		else if (v[1] > 0)
			strbuf_addf(&before, "%sport %d", before.len ? ", " : "", l->ports[i].port);
	}
	finding_expected(f, "%s not growing over the %.1f s window", name, l->window_s);
	if (grew.len) {
		finding_fail(f, "%s: %s (%s)", grew.s, why, seen.s);
		finding_remedy(f, "%s", fix);
	} else if (before.len) {
		finding_warn(f, "%s; not growing now, but %s counted before the window (%s)", seen.s, before.s, why);
		finding_remedy(f, "%s", fix);
	} else {
		finding_pass(f, "%s", seen.s);
	}
	strbuf_free(&grew);
	strbuf_free(&seen);
	strbuf_free(&before);
}

static void run_rx_nombuf(const struct check_ctx *ctx, struct finding *f)
{
	port_counter(ctx, f, "rx_nombuf", offsetof(struct app_port_stats, rx_nombuf), APP_RX_NOMBUF_WHY, APP_RX_NOMBUF_FIX);
}

static void run_imissed(const struct check_ctx *ctx, struct finding *f)
{
	port_counter(ctx, f, "imissed", offsetof(struct app_port_stats, imissed), APP_IMISSED_WHY, APP_IMISSED_FIX);
}

const struct check check_app_rx_nombuf = {
	.id = "app.rx_nombuf",
	.area = AREA_APP,
	.title = "running application's mbuf pool never runs dry",
	.reads = "DPDK telemetry /ethdev/list, /ethdev/stats,N",
	.run = run_rx_nombuf,
};

const struct check check_app_imissed = {
	.id = "app.imissed",
	.area = AREA_APP,
	.title = "running application's NIC drops nothing (imissed)",
	.reads = "DPDK telemetry /ethdev/list, /ethdev/stats,N",
	.run = run_imissed,
};

/* A polling thread's cpu: its one allowed cpu, else the cpu it last ran on. */
static int poll_cpu(const struct app_thread *t)
{
	return cpuset_count(&t->allowed) == 1 ? cpuset_next(&t->allowed, 0) : t->last_cpu;
}

static void run_poll_core_shared(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_live *l = app_live(ctx, f, false);
	struct strbuf bad = { 0 }, seen = { 0 };
	int polling = 0;

	if (!l)
		return;
	for (size_t i = 0; i < l->nthreads; i++) {
		const struct app_thread *t = &l->threads[i];
		int cpu = poll_cpu(t), others = 0;
		struct strbuf who = { 0 };

		if (!app_thread_polls(l, t) || cpu < 0)
			continue;
		polling++;
		strbuf_addf(&seen, "%s%s (tid %d) on cpu %d", seen.len ? "; " : "", t->comm, t->tid, cpu);
		for (size_t j = 0; j < l->nthreads; j++) {
			const struct app_thread *o = &l->threads[j];

			if (j == i || !(cpuset_has(&o->allowed, cpu) || o->last_cpu == cpu))
				continue;
			if (others++ < 4)
				strbuf_addf(&who, "%s%s (tid %d)", who.len ? ", " : "", o->comm, o->tid);
		}
		if (others)
			strbuf_addf(&bad, "%scpu %d of %s: %d more thread%s of the app may run there: %s%s", bad.len ? "; " : "",
				    cpu, t->comm, others, others == 1 ? "" : "s", who.s, others > 4 ? ", ..." : "");
		if (cpuset_count(&t->allowed) > 1)
			strbuf_addf(&bad, "%s%s is allowed on cpus %d+ (not pinned: it can be moved)", bad.len ? "; " : "",
				    t->comm, cpuset_count(&t->allowed));
		strbuf_free(&who);
	}
	finding_expected(f, "each polling thread (DPDK worker rte-worker-N) alone on its cpu, pinned to it");
	if (!polling)
		finding_skip(f, "process %ld has no DPDK worker thread (rte-worker-N) among its %zu threads", l->pid,
			     l->nthreads);
	else if (bad.len) {
		finding_fail(f, "%s", bad.s);
		finding_remedy(f, "pin the app's other threads off the polling cpus (rte_thread_set_affinity, taskset -p)");
	} else
		finding_pass(f, "%s", seen.s);
	strbuf_free(&bad);
	strbuf_free(&seen);
}

const struct check check_app_poll_core_shared = {
	.id = "app.poll_core_shared",
	.area = AREA_APP,
	.title = "running application's polling threads alone on their cpus",
	.reads = "/proc/PID/task/TID/status, /proc/PID/task/TID/stat",
	.run = run_poll_core_shared,
};

static void run_preempted(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_live *l = app_live(ctx, f, false);
	struct strbuf bad = { 0 }, seen = { 0 };
	int polling = 0;

	if (!l)
		return;
	for (size_t i = 0; i < l->nthreads; i++) {
		const struct app_thread *t = &l->threads[i];

		if (!app_thread_polls(l, t))
			continue;
		polling++;
		strbuf_addf(&seen, "%s%s: %lld involuntary, %lld voluntary switches", seen.len ? "; " : "", t->comm,
			    t->nivcsw[1], t->nvcsw[1]);
		if (t->nivcsw[1] > t->nivcsw[0])
			strbuf_addf(&bad, "%s%s preempted %lld times in %.1f s", bad.len ? "; " : "", t->comm,
				    t->nivcsw[1] - t->nivcsw[0], l->window_s);
		if (t->nvcsw[1] > t->nvcsw[0])
			strbuf_addf(&bad, "%s%s slept %lld times in %.1f s (a polling loop never blocks)", bad.len ? "; " : "",
				    t->comm, t->nvcsw[1] - t->nvcsw[0], l->window_s);
	}
	finding_expected(f, "no context switch of a polling thread over the %.1f s window", l->window_s);
	if (!polling)
		finding_skip(f, "process %ld has no DPDK worker thread (rte-worker-N)", l->pid);
	else if (bad.len) {
		finding_fail(f, "%s (%s)", bad.s, seen.s);
		finding_remedy(f, "%s", APP_SWITCH_FIX);
	} else
		finding_pass(f, "%s; none over the window", seen.s);
	strbuf_free(&bad);
	strbuf_free(&seen);
}

const struct check check_app_preempted = {
	.id = "app.preempted",
	.area = AREA_APP,
	.title = "running application's polling threads never switched out",
	.reads = "/proc/PID/task/TID/status (voluntary/nonvoluntary_ctxt_switches)",
	.run = run_preempted,
};

/* ---- the running application's memory: mempools and heaps through telemetry ---- */

/* Below this share free, a pool or heap is near exhaustion: the next burst, or the next allocation, finds none. */
#define APP_LOW_FREE_PCT 5

/* The node of the app's NIC: a telemetry port's numa_node, else the configuration's port; -1 when unknown (vdevs). */
static int live_nic_node(const struct check_ctx *ctx, const struct app_live *l, char *why, size_t size)
{
	const char *dev;
	int node;

	for (size_t i = 0; i < l->nports; i++)
		if (l->ports[i].numa_node >= 0) {
			snprintf(why, size, "node %d of port %d", l->ports[i].numa_node, l->ports[i].port);
			return l->ports[i].numa_node;
		}
	if (ctx->app->cfg && (node = port_node(ctx, ctx->app->cfg, &dev)) >= 0) {
		snprintf(why, size, "node %d of port %s", node, dev);
		return node;
	}
	return -1;
}

static void run_mempool_live(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_live *l = app_live(ctx, f, true);
	struct strbuf bad = { 0 }, seen = { 0 };
	char why[160], sz[32];
	int node;

	if (!l)
		return;
	if (!l->has_mempools) {
		finding_skip(f, "telemetry '%s' does not answer /mempool/list", l->telemetry);
		return;
	}
	if (!l->nmempools) {
		finding_skip(f, "the application has no mempool (telemetry /mempool/list is empty)");
		return;
	}
	node = live_nic_node(ctx, l, why, sizeof(why));
	for (size_t i = 0; i < l->nmempools; i++) {
		const struct app_mempool *m = &l->mempools[i];

		format_size_human(m->page_size > 0 ? (unsigned long)(m->page_size / 1024) : 0, sz, sizeof(sz));
		strbuf_addf(&seen, "%s'%s' %lld x %lld B on socket %lld, %s pages, ", seen.len ? "; " : "", m->name, m->size,
			    m->elt_size, m->socket, m->page_size > 0 ? sz : "unknown");
		if (m->free >= 0)
			strbuf_addf(&seen, "%lld free (%lld in use)", m->free, m->populated - m->free);
		else
			strbuf_addf(&seen, "free count not reported (DPDK 22.11 gives none)");
		if (m->page_size > 0 && m->page_size < 2 * 1024 * 1024)
			strbuf_addf(&bad, "%s'%s' on %s pages (--no-huge: a TLB miss per few packets, no IOVA-contiguous memory)",
				    bad.len ? "; " : "", m->name, sz);
		if (m->populated >= 0 && m->size > 0 && m->populated < m->size)
			strbuf_addf(&bad, "%s'%s' populated with %lld of its %lld objects", bad.len ? "; " : "", m->name,
				    m->populated, m->size);
		if (m->free >= 0 && m->size > 0 && m->free * 100 < m->size * APP_LOW_FREE_PCT)
			strbuf_addf(&bad, "%s'%s' near exhaustion: %lld of %lld objects free (under %d%%)", bad.len ? "; " : "",
				    m->name, m->free, m->size, APP_LOW_FREE_PCT);
		if (node >= 0 && m->socket >= 0 && m->socket != node)
			strbuf_addf(&bad, "%s'%s' on socket %lld, the NIC on %s", bad.len ? "; " : "", m->name, m->socket, why);
	}
	finding_expected(f, "each mempool on hugepages, fully populated, more than %d%% of it free, on the NIC's node%s%s%s",
			 APP_LOW_FREE_PCT, node >= 0 ? " (" : "", node >= 0 ? why : "", node >= 0 ? ")" : "");
	if (bad.len) {
		finding_fail(f, "%s (%s)", bad.s, seen.s);
		finding_remedy(f, "run on hugepages (drop --no-huge), give the pool's node enough socket memory, and size "
				  "element_count for the rings, caches and bursts in flight");
	} else {
		finding_pass(f, "%s", seen.s);
	}
	strbuf_free(&bad);
	strbuf_free(&seen);
}

const struct check check_app_mempool_live = {
	.id = "app.mempool_live",
	.area = AREA_APP,
	.title = "running application's mempools on hugepages, populated, not near exhaustion, on the NIC's node",
	.reads = "DPDK telemetry /mempool/list, /mempool/info,NAME, /ethdev/info,N",
	.run = run_mempool_live,
};

static void run_heap_live(const struct check_ctx *ctx, struct finding *f)
{
	const struct app_live *l = app_live(ctx, f, true);
	struct strbuf bad = { 0 }, seen = { 0 };
	bool no_huge, on_nic = false;
	unsigned long kb;
	char why[160];
	int node;

	if (!l)
		return;
	no_huge = ctx->app->cfg && ctx->app->cfg->no_huge;
	kb = ctx->app->cfg ? app_page_kb(ctx, ctx->app->cfg) : ctx->host->default_hugepage_kb;
	if (!l->has_heaps || !l->nheaps) {
		finding_skip(f, "telemetry '%s' lists no heap (/eal/heap_list)", l->telemetry);
		return;
	}
	node = live_nic_node(ctx, l, why, sizeof(why));
	for (size_t i = 0; i < l->nheaps; i++) {
		const struct app_heap *h = &l->heaps[i];
		unsigned long long grow = 0;
		bool known = false;

		strbuf_addf(&seen, "%s%s: %lld MB, %lld MB free (largest %lld MB)", seen.len ? "; " : "",
			    h->name[0] ? h->name : "heap", h->size >> 20, h->free >> 20, h->greatest_free >> 20);
		if (h->node >= 0 && h->node == node && h->size > 0)
			on_nic = true;
		/* A heap grows from the node's free hugepages; under --no-huge it holds what -m gave it. */
		if (!no_huge && h->node >= 0 && kb)
			grow = free_huge_bytes(ctx, h->node, kb, &known);
		if (h->size > 0 && h->free >= 0 && h->free * 100 < h->size * APP_LOW_FREE_PCT &&
		    grow < (unsigned long long)h->size * APP_LOW_FREE_PCT / 100)
			strbuf_addf(&bad, "%s%s near exhaustion: %lld of %lld MB free, %llu MB of hugepages left to grow into",
				    bad.len ? "; " : "", h->name, h->free >> 20, h->size >> 20, grow >> 20);
	}
	if (node >= 0 && !on_nic)
		strbuf_addf(&bad, "%sno heap memory on the NIC's %s (every buffer DPDK allocates there is remote)",
			    bad.len ? "; " : "", why);
	finding_expected(f, "heap memory on the NIC's node%s%s%s, more than %d%% free or room to grow into", node >= 0 ? " (" : "",
			 node >= 0 ? why : "", node >= 0 ? ")" : "", APP_LOW_FREE_PCT);
	if (bad.len) {
		finding_fail(f, "%s (%s)", bad.s, seen.s);
		finding_remedy(f, "give the NIC's node socket memory (--socket-mem) and reserve hugepages there ([memory] hugepages)");
	} else {
		finding_pass(f, "%s", seen.s);
	}
	strbuf_free(&bad);
	strbuf_free(&seen);
}

const struct check check_app_heap_live = {
	.id = "app.heap_live",
	.area = AREA_APP,
	.title = "running application's heap memory on the NIC's node, not near exhaustion",
	.reads = "DPDK telemetry /eal/heap_list, /eal/heap_info,ID; the node's free hugepages",
	.run = run_heap_live,
};
