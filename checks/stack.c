/* The bypass stack: which one, what it needs loaded and present, XDP support, RDMA ports, locked memory, io_uring. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "stack.h"
#include "tuners.h"
#include "util.h"

#define IB_DIR "/sys/class/infiniband"

static const struct stack_info *prof_stack(const struct check_ctx *ctx)
{
	return stack_info((enum nic_stack)ctx->prof->stack);
}

static bool stack_is(const struct check_ctx *ctx, enum nic_stack s)
{
	return ctx->prof->stack == (int)s;
}

static bool sfc_stack(int s)
{
	return s == STACK_ONLOAD || s == STACK_EF_VI || s == STACK_TCPDIRECT;
}

static const char *nic_label(const struct nic *n)
{
	return n->name[0] ? n->name : n->pci;
}

/* ---- nic.stack ---- */

static void run_stack(const struct check_ctx *ctx, struct finding *f)
{
	const struct profile *p = ctx->prof;
	const struct stack_info *si = prof_stack(ctx);
	const struct nic *n = p->nic;
	char note[192] = "";

	if (p->driver_follows_stack)
		snprintf(note, sizeof(note), "; [nic] driver = %s does not apply: %s keeps the kernel driver",
			 p->v[PK_NIC_DRIVER].raw, si->name);
	finding_expected(f, "the host set up for %s (%s)", si->name, si->what);
	if (!p->stack_auto && n) {
		if (si->kernel_driver && nic_userspace_driver(n->driver)) {
			finding_fail(f, "stack %s keeps the kernel driver, but %s is bound to %s", si->name, nic_label(n),
				     n->driver);
			finding_remedy(f, "dpdk-devbind.py -u %s && echo %s > /sys/bus/pci/drivers_probe, or set [nic] stack = dpdk",
				       n->pci, n->pci);
			return;
		}
		if (sfc_stack(p->stack) && !stack_sfc_driver(n->driver)) {
			finding_fail(f, "stack %s runs on Solarflare/AMD sfc NICs; %s is on %s", si->name, nic_label(n),
				     n->driver[0] ? n->driver : "no driver");
			finding_remedy(f, "set [nic] interface to the sfc NIC, or [nic] stack to this NIC's stack");
			return;
		}
		if ((p->stack == STACK_VMA || p->stack == STACK_DPDK_BIFURCATED) && !stack_mlx_driver(n->driver)) {
			finding_fail(f, "stack %s runs on NVIDIA/Mellanox mlx5 NICs; %s is on %s", si->name, nic_label(n),
				     n->driver[0] ? n->driver : "no driver");
			finding_remedy(f, "set [nic] interface to the mlx5 NIC, or [nic] stack to this NIC's stack");
			return;
		}
	}
	finding_pass(f, "stack %s (%s: %s)%s", si->name, p->stack_auto ? "detected" : "named", p->stack_why, note);
}

const struct check check_nic_stack = {
	.id = "nic.stack", .area = AREA_NIC, .title = "the bypass stack, named or detected, fits the NIC",
	.reads = "/sys/bus/pci/devices/PCI/driver, /sys/module, /dev/onload, /dev/netmap, " IB_DIR ", library directories",
	.keys = KEYS(PK_NIC_STACK, PK_NIC_DRIVER, PK_NIC_INTERFACE), .flags = CF_PER_NIC, .run = run_stack,
};

/* ---- nic.stack_needs ---- */

enum need_kind { NEED_MODULE, NEED_DEVICE, NEED_LIBRARY };

/* What each stack needs on the host: alternatives separated by '|'. */
struct need {
	unsigned stacks;	/* 1 << enum nic_stack */
	enum need_kind kind;
	const char *what;
	const char *why;
};

#define S(x) (1u << (x))
#define SFC (S(STACK_ONLOAD) | S(STACK_EF_VI) | S(STACK_TCPDIRECT))
#define IBV (S(STACK_DPDK_BIFURCATED) | S(STACK_VMA) | S(STACK_RDMA))

static const struct need needs[] = {
	{ S(STACK_DPDK), NEED_LIBRARY, "librte_eal", "DPDK" },
	{ S(STACK_DPDK_BIFURCATED), NEED_LIBRARY, "librte_net_mlx5", "DPDK's mlx5 driver" },
	{ IBV | S(STACK_DPDK_BIFURCATED), NEED_MODULE, "ib_uverbs", "user verbs: the mlx5 PMD, VMA and RDMA open the NIC through it" },
	{ S(STACK_DPDK_BIFURCATED) | S(STACK_VMA), NEED_MODULE, "mlx5_ib", "the mlx5 RDMA device" },
	{ S(STACK_RDMA) | S(STACK_VMA), NEED_MODULE, "rdma_ucm", "RDMA connection manager" },
	{ IBV, NEED_DEVICE, "/dev/infiniband/uverbs", "the verbs device node" },
	{ IBV, NEED_LIBRARY, "libibverbs", "rdma-core's verbs library" },
	{ S(STACK_VMA), NEED_LIBRARY, "libxlio|libvma", "XLIO or VMA" },
	{ SFC, NEED_MODULE, "sfc|xilinx_efct", "the sfc network driver (xilinx_efct on X3)" },
	{ S(STACK_ONLOAD) | S(STACK_TCPDIRECT), NEED_MODULE, "onload", "the Onload driver" },
	{ S(STACK_EF_VI), NEED_MODULE, "sfc_char", "ef_vi's char driver" },
	{ S(STACK_ONLOAD) | S(STACK_TCPDIRECT), NEED_DEVICE, "/dev/onload", "Onload's device node" },
	{ S(STACK_EF_VI), NEED_DEVICE, "/dev/sfc_char", "ef_vi's device node" },
	{ S(STACK_ONLOAD), NEED_LIBRARY, "libonload", "the Onload preload library" },
	{ S(STACK_EF_VI), NEED_LIBRARY, "libciul", "the ef_vi library" },
	{ S(STACK_TCPDIRECT), NEED_LIBRARY, "libonload_zf", "the TCPDirect library" },
	{ S(STACK_NETMAP), NEED_MODULE, "netmap", "the netmap module" },
	{ S(STACK_NETMAP), NEED_DEVICE, "/dev/netmap", "netmap's device node" },
	{ S(STACK_PF_RING), NEED_MODULE, "pf_ring", "the PF_RING module" },
	{ S(STACK_PF_RING), NEED_DEVICE, "/proc/net/pf_ring", "PF_RING's proc directory" },
	{ S(STACK_AF_XDP), NEED_LIBRARY, "libxdp|libbpf", "an AF_XDP socket library" },
};

/* A device node given as a prefix ("/dev/infiniband/uverbs" matches uverbs0). */
static bool device_present(const struct sysroot *sr, const char *path, char *found, size_t size)
{
	char dir[128];
	const char *slash = strrchr(path, '/');
	struct dirlist dl;
	bool ok = false;

	if (sysroot_exists(sr, path)) {
		snprintf(found, size, "%s", path);
		return true;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (sysroot_list(sr, dir, &dl) < 0)
		return false;
	for (size_t i = 0; i < dl.n && !ok; i++)
		if (!strncmp(dl.names[i], slash + 1, strlen(slash + 1))) {
			snprintf(found, size, "%s/%s", dir, dl.names[i]);
			ok = true;
		}
	dirlist_free(&dl);
	return ok;
}

static bool need_met(const struct sysroot *sr, const struct need *nd, char *found, size_t size)
{
	char alt[64];

	for (const char *s = nd->what; *s;) {
		size_t n = strcspn(s, "|");

		snprintf(alt, sizeof(alt), "%.*s", (int)n, s);
		if ((nd->kind == NEED_MODULE && stack_has_module(sr, alt) && snprintf(found, size, "%s", alt) >= 0) ||
		    (nd->kind == NEED_DEVICE && device_present(sr, alt, found, size)) ||
		    (nd->kind == NEED_LIBRARY && stack_has_library(sr, alt, found, size)))
			return true;
		s += n + (s[n] == '|');
	}
	return false;
}

/* netmap's native drivers (netmap LINUX/configure); others fall back to emulated mode. */
static const char *const netmap_drivers[] = { "e1000", "e1000e", "igb", "ixgbe", "ixgbevf", "i40e", "ice", "iavf",
					      "veth", "virtio_net", "vmxnet3", "r8169", "forcedeth", NULL };

static bool in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (!strcmp(*l, s))
			return true;
	return false;
}

static const char *eth_driver(const struct nic *n)
{
	return n->eth.has_drvinfo && n->eth.driver[0] ? n->eth.driver : n->driver;
}

static void run_stack_needs(const struct check_ctx *ctx, struct finding *f)
{
	const struct stack_info *si = prof_stack(ctx);
	const struct nic *n = ctx->prof->nic;
	struct strbuf have = { 0 }, miss = { 0 }, fix = { 0 }, exp = { 0 };
	bool warn_only = false;
	char found[320], ver[64];

	if (stack_is(ctx, STACK_KERNEL)) {
		finding_skip(f, "stack kernel: kernel sockets need no bypass module, device or library");
		return;
	}
	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		const struct need *nd = &needs[i];

		if (!(nd->stacks & S(ctx->prof->stack)))
			continue;
		strbuf_addf(&exp, "%s%s", exp.len ? ", " : "", nd->what);
		if (need_met(ctx->sr, nd, found, sizeof(found))) {
			strbuf_addf(&have, "%s%s", have.len ? ", " : "", found);
			continue;
		}
		/* A statically linked application brings its own library: a missing one only warns. */
		if (nd->kind == NEED_LIBRARY) {
			strbuf_addf(&have, "%sno %s in the library directories (%s; fine if the application is "
				    "linked statically)", have.len ? "; " : "", nd->what, nd->why);
			strbuf_addf(&fix, "%sinstall the package providing %s", fix.len ? "; " : "", nd->what);
			warn_only = true;
			continue;
		}
		strbuf_addf(&miss, "%s%s (%s)", miss.len ? ", " : "", nd->what, nd->why);
		if (nd->kind == NEED_MODULE)
			strbuf_addf(&fix, "%smodprobe %s", fix.len ? "; " : "", nd->what);
		else
			strbuf_addf(&fix, "%sload the driver that creates %s", fix.len ? "; " : "", nd->what);
	}
	/* Onload's version is part of what a support case asks first. */
	if (stack_has_module(ctx->sr, "onload") && sysroot_read_str(ctx->sr, "/sys/module/onload/version", ver, sizeof(ver)) == 0)
		strbuf_addf(&have, "; onload version %s", ver);
	if (n && stack_is(ctx, STACK_NETMAP)) {
		bool native = in_list(netmap_drivers, eth_driver(n));

		strbuf_addf(&have, "; %s on %s: %s", nic_label(n), eth_driver(n),
			    native ? "native netmap support" : "no native netmap support (emulated mode, slower)");
		warn_only |= !native;
	}
	if (n && stack_is(ctx, STACK_PF_RING)) {
		size_t dl = strlen(n->driver);
		bool zc = dl > 3 && !strcmp(n->driver + dl - 3, "_zc");

		strbuf_addf(&have, "; %s on %s: %s", nic_label(n), n->driver,
			    zc ? "a ZC driver" : "not a PF_RING ZC driver (standard mode copies every packet)");
		warn_only |= !zc;
		if (!zc)
			strbuf_addf(&fix, "%sload the %s_zc driver from PF_RING's drivers", fix.len ? "; " : "",
				    n->driver[0] ? n->driver : "NIC's");
	}
	finding_expected(f, "for %s: %s", si->name, exp.len ? exp.s : "nothing");
	if (miss.len) {
		finding_fail(f, "missing: %s%s%s", miss.s, have.len ? "; present: " : "", have.len ? have.s : "");
		finding_remedy(f, "%s", fix.s);
	} else if (warn_only) {
		finding_warn(f, "present: %s", have.s);
		finding_remedy(f, "%s", fix.len ? fix.s : "use a NIC whose driver the stack supports natively");
	} else {
		finding_pass(f, "present: %s", have.len ? have.s : "nothing needed");
	}
	strbuf_free(&have);
	strbuf_free(&miss);
	strbuf_free(&fix);
	strbuf_free(&exp);
}

/* Missing modules are loaded (live host only); libraries and vendor installs stay manual. */
static int plan_stack_needs(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	char found[320];
	bool manual = false;

	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		const struct need *nd = &needs[i];

		if (!(nd->stacks & S(ctx->prof->stack)) || need_met(ctx->sr, nd, found, sizeof(found)))
			continue;
		/* Alternatives ("sfc|xilinx_efct") name no one module to load: by hand. */
		if (nd->kind != NEED_MODULE || strchr(nd->what, '|') || tune_modprobe(ctx, p, f->check->id, nd->what) <= 0)
			manual = true;
	}
	if (manual || f->verdict == V_WARN)
		plan_add_manual(p, f, NULL);
	return 0;
}

const struct check check_nic_stack_needs = {
	.id = "nic.stack_needs", .area = AREA_NIC, .title = "the stack's modules, device nodes and libraries are present",
	.reads = "/sys/module, /dev/infiniband, /dev/onload, /dev/sfc_char, /dev/netmap, /proc/net/pf_ring, library directories",
	.keys = KEYS(PK_NIC_STACK), .flags = CF_RUNTIME, .run = run_stack_needs, .plan = plan_stack_needs,
};

/* ---- nic.xdp ---- */

/* Drivers with native XDP, and those with AF_XDP zero-copy, for kernels without the netdev family (< 6.3). */
static const char *const xdp_native[] = { "i40e", "ice", "ixgbe", "ixgbevf", "igb", "igc", "mlx5_core", "mlx4_en",
					  "bnxt_en", "qede", "nfp", "virtio_net", "veth", "tun", "ena", "sfc", "hv_netvsc",
					  "nicvf", "mvneta", "mvpp2", "stmmaceth", "fec", "dpaa2-eth", "enetc", "idpf",
					  "gve", "atlantic", "cpsw", "lan966x-switch", "tsnep", NULL };
static const char *const xdp_zerocopy[] = { "i40e", "ice", "ixgbe", "igc", "mlx5_core", "stmmaceth", "idpf", "gve",
					    "virtio_net", NULL };

static void run_xdp(const struct check_ctx *ctx, struct finding *f)
{
	const char *want = profile_str(ctx->prof, PK_XDP);
	const struct nic *n;
	const char *drv;
	char feats[160];
	uint64_t have;
	bool zc;

	if (!want && !stack_is(ctx, STACK_AF_XDP)) {
		finding_skip(f, "stack %s does not use XDP and the profile does not ask for [nic] xdp", prof_stack(ctx)->name);
		return;
	}
	if (!want)
		want = "native";
	if (!(n = check_netdev(ctx, f)))
		return;
	zc = !strcmp(want, "zerocopy");
	drv = eth_driver(n);
	finding_expected(f, "%s: native XDP (basic, redirect)%s", n->name, zc ? " and AF_XDP zero-copy" : "");
	if (n->np.has_xdp) {
		have = n->np.xdp_features;
		snprintf(feats, sizeof(feats), "xdp-features %s (%s)", xdp_features_text(have, feats + 80, 80),
			 n->np.xdp_source);
	} else if (drv[0]) {
		have = in_list(xdp_native, drv) ? XDP_ACT_BASIC | XDP_ACT_REDIRECT : 0;
		if (in_list(xdp_zerocopy, drv))
			have |= XDP_ACT_XSK_ZEROCOPY;
		snprintf(feats, sizeof(feats), "driver %s: %s (driver table; no netdev netlink family, kernel < 6.3)", drv,
			 have & XDP_ACT_XSK_ZEROCOPY ? "native XDP, zero-copy" : have ? "native XDP, copy mode" : "generic XDP only");
	} else {
		finding_skip(f, "%s: no XDP features (netdev netlink) and no driver known", n->name);
		return;
	}
	if ((have & (XDP_ACT_BASIC | XDP_ACT_REDIRECT)) != (XDP_ACT_BASIC | XDP_ACT_REDIRECT)) {
		finding_fail(f, "%s: %s: XDP would run in generic (skb) mode, after the kernel's allocation", n->name, feats);
		finding_remedy(f, "use a NIC whose driver has native XDP (ice, i40e, mlx5_core, ...), or [nic] stack = kernel");
		return;
	}
	if (zc && !(have & XDP_ACT_XSK_ZEROCOPY)) {
		finding_fail(f, "%s: %s: AF_XDP copies every packet", n->name, feats);
		finding_remedy(f, "use a driver with AF_XDP zero-copy (ice, i40e, mlx5_core, igc), or allow [nic] xdp = native");
		return;
	}
	finding_pass(f, "%s: %s", n->name, feats);
}

const struct check check_nic_xdp = {
	.id = "nic.xdp", .area = AREA_NIC, .title = "the NIC's driver runs XDP natively (AF_XDP zero-copy when asked)",
	.reads = "netdev genetlink xdp-features (kernel >= 6.3), else the driver; trees: /.tickready/netdev/IFNAME/xdp",
	.keys = KEYS(PK_XDP, PK_NIC_STACK), .flags = CF_PER_NIC, .run = run_xdp,
};

/* ---- nic.rdma ---- */

static void port_facts(const struct sysroot *sr, const char *dev, const char *port, struct strbuf *obs, bool *down,
		       char *layer, size_t lsize, char *ndev, size_t nsize)
{
	char path[256], state[64] = "?", rate[64] = "?";

	snprintf(path, sizeof(path), IB_DIR "/%s/ports/%s/state", dev, port);
	sysroot_read_str(sr, path, state, sizeof(state));
	snprintf(path, sizeof(path), IB_DIR "/%s/ports/%s/rate", dev, port);
	sysroot_read_str(sr, path, rate, sizeof(rate));
	snprintf(path, sizeof(path), IB_DIR "/%s/ports/%s/link_layer", dev, port);
	if (sysroot_read_str(sr, path, layer, lsize) < 0)
		snprintf(layer, lsize, "?");
	snprintf(path, sizeof(path), IB_DIR "/%s/ports/%s/gid_attrs/ndevs/0", dev, port);
	if (sysroot_read_str(sr, path, ndev, nsize) < 0)
		ndev[0] = '\0';
	*down |= !strstr(state, "ACTIVE");
	strbuf_addf(obs, "%sport %s %s, %s, %s%s%s", obs->len ? "; " : "", port, state, rate, layer,
		    ndev[0] ? " on " : "", ndev);
}

static bool isolated_on(const struct check_ctx *ctx, int node)
{
	const struct numa_node *nd = host_node(ctx->host, node);

	return !nd || cpuset_intersects(&nd->cpus, &ctx->prof->isolated);
}

static void run_rdma(const struct check_ctx *ctx, struct finding *f)
{
	const struct nic *n = ctx->prof->nic;
	struct strbuf obs = { 0 };
	struct dirlist dl;
	char dev[64], path[192], layer[32] = "", ndev[32] = "";
	bool down = false;
	long node = -1;

	if (!prof_stack(ctx)->rdma_core) {
		finding_skip(f, "stack %s does not use RDMA", prof_stack(ctx)->name);
		return;
	}
	finding_expected(f, "an RDMA device%s%s with every port ACTIVE, on a node with isolated cores", n ? " on " : "",
			 n ? nic_label(n) : "");
	if (!stack_rdma_device(ctx->sr, n, dev, sizeof(dev))) {
		finding_fail(f, "no RDMA device in %s%s%s", IB_DIR, n ? " for " : "", n ? n->pci : "");
		finding_remedy(f, "modprobe ib_uverbs; modprobe %s (the NIC's RDMA driver); install rdma-core",
			       n && !strncmp(n->driver, "mlx4", 4) ? "mlx4_ib" : "mlx5_ib");
		return;
	}
	snprintf(path, sizeof(path), IB_DIR "/%s/ports", dev);
	if (sysroot_list(ctx->sr, path, &dl) < 0 || !dl.n) {
		finding_skip_read(f, path, -ENOENT);
		return;
	}
	for (size_t i = 0; i < dl.n; i++)
		port_facts(ctx->sr, dev, dl.names[i], &obs, &down, layer, sizeof(layer), ndev, sizeof(ndev));
	dirlist_free(&dl);
	snprintf(path, sizeof(path), IB_DIR "/%s/device/numa_node", dev);
	if (sysroot_read_long(ctx->sr, path, &node) == 0 && node >= 0)
		strbuf_addf(&obs, "; node %ld", node);
	if (down) {
		finding_fail(f, "%s: %s", dev, obs.s);
		finding_remedy(f, "bring the link up (cable, switch port, subnet manager for InfiniBand: systemctl start opensm)");
	} else if (node >= 0 && !isolated_on(ctx, (int)node)) {
		finding_fail(f, "%s: %s: no isolated core on node %ld", dev, obs.s, node);
		finding_remedy(f, "isolate cores of node %ld for the RDMA threads, or use an HCA on the isolated cores' node", node);
	} else if (n && n->name[0] && ndev[0] && strcmp(ndev, n->name) && !strcmp(layer, "Ethernet")) {
		finding_warn(f, "%s: %s: RoCE runs on %s, not %s", dev, obs.s, ndev, n->name);
		finding_remedy(f, "set [nic] interface = %s", ndev);
	} else {
		finding_pass(f, "%s: %s", dev, obs.s);
	}
	strbuf_free(&obs);
}

const struct check check_nic_rdma = {
	.id = "nic.rdma", .area = AREA_NIC, .title = "the RDMA device is up, on the NIC and on the isolated cores' node",
	.reads = IB_DIR "/DEV/ports/N/{state,rate,link_layer,gid_attrs/ndevs/0}, " IB_DIR "/DEV/device/numa_node",
	.keys = KEYS(PK_NIC_STACK, PK_NIC_INTERFACE), .flags = CF_PER_NIC, .run = run_rdma,
};

/* ---- memory.memlock ---- */

#define UNLIMITED BYTE_LIMIT_UNLIMITED

static const char *limit_text(long long v, char *buf, size_t size)
{
	if (v == UNLIMITED)
		snprintf(buf, size, "unlimited");
	else if (v >= 1 << 20 && !(v % (1 << 20)))
		snprintf(buf, size, "%lldM", v >> 20);
	else
		snprintf(buf, size, "%lld bytes", v);
	return buf;
}

static bool limit_ok(long long have, long long want)
{
	return have == UNLIMITED || (want != UNLIMITED && have >= want);
}

/* The last KEY= in a systemd unit or conf file. */
static bool unit_value(const struct sysroot *sr, const char *path, const char *key, char *out, size_t size)
{
	char *text, *save = NULL;
	bool found = false;
	size_t kl = strlen(key);

	if (sysroot_read_alloc(sr, path, 1 << 20, &text, NULL) < 0)
		return false;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		l = trim(l);
		if (!strncmp(l, key, kl) && l[kl] == '=') {
			snprintf(out, size, "%s", trim(l + kl + 1));
			found = true;
		}
	}
	free(text);
	return found;
}

/* The unit's LimitMEMLOCK= after its drop-ins (soft:hard takes the soft), else systemd's default. */
static bool unit_memlock(const struct sysroot *sr, const char *unit, char *val, size_t vsize, char *src, size_t ssize)
{
	static const char *const dirs[] = { "/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system",
					    "/lib/systemd/system" };
	char path[512];
	bool found = false;

	for (int d = 3; d >= 0; d--) {
		struct dirlist dl;

		snprintf(path, sizeof(path), "%s/%s", dirs[d], unit);
		if (unit_value(sr, path, "LimitMEMLOCK", val, vsize)) {
			snprintf(src, ssize, "%s", path);
			found = true;
		}
		snprintf(path, sizeof(path), "%s/%s.d", dirs[d], unit);
		if (sysroot_list(sr, path, &dl) == 0) {
			for (size_t i = 0; i < dl.n; i++) {
				char conf[800];

				snprintf(conf, sizeof(conf), "%s/%s", path, dl.names[i]);
				if (strstr(dl.names[i], ".conf") && unit_value(sr, conf, "LimitMEMLOCK", val, vsize)) {
					snprintf(src, ssize, "%s", conf);
					found = true;
				}
			}
			dirlist_free(&dl);
		}
	}
	if (!found && unit_value(sr, "/etc/systemd/system.conf", "DefaultLimitMEMLOCK", val, vsize)) {
		snprintf(src, ssize, "/etc/systemd/system.conf DefaultLimitMEMLOCK");
		found = true;
	}
	return found;
}

/* "Max locked memory  65536  65536  bytes" of the unit's first process (cgroup v2 or v1 systemd hierarchy). */
static bool running_memlock(const struct sysroot *sr, const char *unit, long long *have, long *pid)
{
	static const char *const cg[] = { "/sys/fs/cgroup/system.slice/%s/cgroup.procs",
					  "/sys/fs/cgroup/systemd/system.slice/%s/cgroup.procs" };
	char path[512], *text = NULL;

	for (int i = 0; i < 2 && !text; i++) {
		snprintf(path, sizeof(path), cg[i], unit);
		if (sysroot_read_alloc(sr, path, 1 << 20, &text, NULL) < 0)
			text = NULL;
	}
	if (!text)
		return false;
	bool ok = sscanf(text, "%ld", pid) == 1 && *pid > 0;

	free(text);
	if (!ok)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/limits", *pid);
	if (sysroot_read_alloc(sr, path, 1 << 20, &text, NULL) < 0)
		return false;
	const char *l = strstr(text, "Max locked memory");

	ok = l && parse_byte_limit(l + 17, 1, have) == 0;
	free(text);
	return ok;
}

static bool unit_name_ok(const char *u)
{
	return u[0] && strlen(u) < 200 && !strchr(u, '/') && strcmp(u, ".") && strcmp(u, "..");
}

/* The service's unit name with ".service" added when no type is given. */
static void unit_of(const char *svc, char *out, size_t size)
{
	snprintf(out, size, "%s%s", svc, strchr(svc, '.') ? "" : ".service");
}

static void run_memlock(const struct check_ctx *ctx, struct finding *f)
{
	const char *want_s = profile_str(ctx->prof, PK_MEMLOCK), *svc = profile_str(ctx->prof, PK_SERVICE);
	char unit[256], val[128], src[900], wtxt[32], htxt[32];
	long long want, have;
	long pid;

	if (!want_s && prof_stack(ctx)->rdma_core)
		want_s = "unlimited";	/* verbs pin every registered buffer */
	if (!want_s) {
		finding_skip(f, "profile does not ask for [memory] memlock (and stack %s pins no memory)", prof_stack(ctx)->name);
		return;
	}
	if (parse_byte_limit(want_s, 1, &want) < 0) {
		finding_skip(f, "[memory] memlock '%s' is neither unlimited nor a size", want_s);
		return;
	}
	limit_text(want, wtxt, sizeof(wtxt));
	if (!svc) {
		finding_skip(f, "set [tasks] service to the trading application's unit: its own limit is what counts, not "
			     "limits.conf (want %s)", wtxt);
		return;
	}
	unit_of(svc, unit, sizeof(unit));
	if (!unit_name_ok(unit)) {
		finding_skip(f, "[tasks] service '%s' is not a unit name", svc);
		return;
	}
	finding_expected(f, "%s: locked memory at least %s", unit, wtxt);
	if (running_memlock(ctx->sr, unit, &have, &pid)) {
		if (limit_ok(have, want)) {
			finding_pass(f, "%s (pid %ld) runs with locked memory %s", unit, pid, limit_text(have, htxt, sizeof(htxt)));
			return;
		}
		long long conf;

		/* The unit already allows it (apply's drop-in, or an edit): the process takes it when restarted. */
		if (unit_memlock(ctx->sr, unit, val, sizeof(val), src, sizeof(src)) &&
		    parse_byte_limit(strchr(val, ':') ? strchr(val, ':') + 1 : val, 1, &conf) == 0 && limit_ok(conf, want)) {
			finding_fail(f, "%s (pid %ld) runs with locked memory %s; its unit allows %s (%s) from its next start",
				     unit, pid, limit_text(have, htxt, sizeof(htxt)), val, src);
			finding_remedy(f, "systemctl daemon-reload && systemctl restart %s (pending until the service restarts, "
				       "or the next boot)", unit);
			f->pending_reboot = true;
			return;
		}
		finding_fail(f, "%s (pid %ld) runs with locked memory %s", unit, pid, limit_text(have, htxt, sizeof(htxt)));
		finding_remedy(f, "systemctl edit %s: [Service] LimitMEMLOCK=%s, then systemctl restart %s", unit,
			       want == UNLIMITED ? "infinity" : want_s, unit);
		return;
	}
	/* systemd's built-in default is 8M (since v240). */
	if (!unit_memlock(ctx->sr, unit, val, sizeof(val), src, sizeof(src))) {
		snprintf(val, sizeof(val), "8M");
		snprintf(src, sizeof(src), "systemd's default");
	}
	if (parse_byte_limit(strchr(val, ':') ? strchr(val, ':') + 1 : val, 1, &have) == 0 && limit_ok(have, want)) {
		finding_pass(f, "%s not running; LimitMEMLOCK=%s (%s)", unit, val, src);
		return;
	}
	finding_fail(f, "%s not running; LimitMEMLOCK=%s (%s)", unit, val, src);
	finding_remedy(f, "systemctl edit %s: [Service] LimitMEMLOCK=%s", unit, want == UNLIMITED ? "infinity" : want_s);
}

#define MEMLOCK_DROPIN "99-tickready-memlock.conf"

/* A drop-in for the unit; the running process takes it at its next restart. */
static int plan_memlock(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want_s = profile_str(ctx->prof, PK_MEMLOCK), *svc = profile_str(ctx->prof, PK_SERVICE);
	char unit[256], dir[320], path[400], htxt[32], *why;
	struct change *c;
	long long want = UNLIMITED, have;
	long pid;

	if (!svc || (want_s && parse_byte_limit(want_s, 1, &want) < 0)) {
		plan_add_manual(p, f, NULL);
		return 0;
	}
	unit_of(svc, unit, sizeof(unit));
	snprintf(dir, sizeof(dir), "/etc/systemd/system/%s.d", unit);
	snprintf(path, sizeof(path), "%s/" MEMLOCK_DROPIN, dir);
	if (!unit_name_ok(unit) || sysroot_exists(ctx->sr, path)) {
		plan_add_manual(p, f, NULL);
		return 0;
	}
	tune_parent_dirs(ctx, p, f->check->id, path);
	c = plan_add(p, f->check->id, CK_CREATE, path, path, NULL, NULL);
	if (!c)
		return 0;
	change_set(&c->value, "# tickready: locked memory for %s\n[Service]\nLimitMEMLOCK=%s\n", unit,
		   want == UNLIMITED ? "infinity" : want_s);
	/* apply writes the drop-in only: it never reloads systemd nor restarts the operator's service. */
	change_set(&c->shell, "systemctl edit %s (LimitMEMLOCK=%s)", unit, want == UNLIMITED ? "infinity" : want_s);
	if (running_memlock(ctx->sr, unit, &have, &pid))
		why = xasprintf("writes the drop-in; %s (pid %ld) keeps locked memory %s until it restarts: systemctl "
				"daemon-reload && systemctl restart %s, by hand (apply never restarts it)", unit, pid,
				limit_text(have, htxt, sizeof(htxt)), unit);
	else
		why = xasprintf("writes the drop-in; systemd reads it at the next systemctl daemon-reload, and %s takes it "
				"when it starts", unit);
	plan_add_note(p, f->check->id, why);
	free(why);
	return 0;
}

const struct check check_memory_memlock = {
	.id = "memory.memlock", .area = AREA_MEMORY, .title = "the application's service may lock the memory its stack pins",
	.reads = "/sys/fs/cgroup/system.slice/UNIT/cgroup.procs, /proc/PID/limits, systemd unit files and drop-ins, "
		 "/etc/systemd/system.conf",
	.keys = KEYS(PK_MEMLOCK, PK_SERVICE, PK_NIC_STACK), .flags = CF_RUNTIME, .run = run_memlock, .plan = plan_memlock,
};

/* ---- kernel.io_uring ---- */

static void run_io_uring(const struct check_ctx *ctx, struct finding *f)
{
	static const char *const meaning[] = { "enabled for every process", "only for the io_uring_group",
					       "disabled" };
	const char *path = "/proc/sys/kernel/io_uring_disabled";
	long v;
	int rc = sysroot_read_long(ctx->sr, path, &v);

	finding_expected(f, "reported only: io_uring batches system calls into the kernel stack, it is not a bypass");
	if (rc == -ENOENT) {
		finding_skip(f, "no kernel.io_uring_disabled (kernel before 6.6, or built without io_uring)");
		return;
	}
	if (rc < 0 || v < 0 || v > 2) {
		finding_skip_bad(f, ctx->sr, path, rc < 0 ? rc : -EINVAL);
		return;
	}
	finding_pass(f, "'kernel.io_uring_disabled' = '%ld' (io_uring %s); it is not a kernel bypass: packets still "
		     "cross the kernel's network stack", v, meaning[v]);
}

const struct check check_kernel_io_uring = {
	.id = "kernel.io_uring", .area = AREA_KERNEL, .title = "io_uring's state, reported (it is not a bypass)",
	.reads = "/proc/sys/kernel/io_uring_disabled", .run = run_io_uring,
};
