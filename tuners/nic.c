/* NIC tuners: interrupt coalescing and ring sizes (the ethtool ioctl live, capture files in a tree). */
#include "tuners.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ethtool.h"
#include "util.h"

int nic_ethtool_set(const struct sysroot *sr, const char *ifname, const char *key, const char *value)
{
	struct nic_ethtool e;
	long v;
	int rc;

	if (parse_long(value, &v) < 0 || v < 0)
		return -EINVAL;
	rc = ethtool_load(sr, ifname, &e);
	if (rc < 0)
		return rc;
	if (!strcmp(key, "rx_usecs") || !strcmp(key, "adaptive_rx")) {
		if (!e.has_coalesce)
			return -EOPNOTSUPP;
		*(strcmp(key, "rx_usecs") ? &e.adaptive_rx : &e.rx_usecs) = v;
		return ethtool_set_coalesce(sr, ifname, &e);
	}
	if (!strcmp(key, "rx_pending") || !strcmp(key, "tx_pending")) {
		if (!e.has_ring)
			return -EOPNOTSUPP;
		*(strcmp(key, "rx_pending") ? &e.tx_pending : &e.rx_pending) = v;
		return ethtool_set_ring(sr, ifname, &e);
	}
	return -EINVAL;
}

static void add_ethtool(const struct tune_ctx *ctx, struct plan *p, const char *check, const struct nic *n,
			const char *file, const char *key, long now, long want, const char *shell)
{
	char target[96], path[160], cur[32], next[32];
	struct change *c;

	if (now == want)
		return;
	snprintf(target, sizeof(target), "%s %s", n->name, key);
	snprintf(path, sizeof(path), SYSROOT_ETHTOOL_DIR "/%s/%s", n->name, file);
	snprintf(cur, sizeof(cur), "%ld", now);
	snprintf(next, sizeof(next), "%ld", want);
	c = plan_add(p, check, CK_ETHTOOL, target, ctx->sr->live ? NULL : path, now < 0 ? NULL : cur, next);
	if (!c)
		return;
	c->iface = xstrdup(n->name);
	c->key = xstrdup(key);
	c->shell = xstrdup(shell);
	tune_guard_nic(ctx, c, n);
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

static const struct nic *bypass_nic(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const struct nic *n = ctx->prof->nic;

	/* Its netdev goes away with the bind: the poll-mode driver sets coalescing and rings itself. */
	if (rebinds(ctx, n) && nic_userspace_driver(profile_str(ctx->prof, PK_NIC_DRIVER)))
		return NULL;
	if (!n || !n->name[0]) {
		/* No netdev (bound to vfio-pci): the poll-mode driver sets its own coalescing. */
		plan_add_manual(p, f, NULL);
		return NULL;
	}
	return n;
}

static int plan_coalesce(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const struct nic *n = bypass_nic(ctx, f, p);
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

static const char *const coalesce_checks[] = { "nic.coalesce", NULL };
const struct tuner tuner_coalesce = { "coalesce", coalesce_checks, plan_coalesce };

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
	const struct nic *n = bypass_nic(ctx, f, p);
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

static const char *const rings_checks[] = { "nic.rings", NULL };
const struct tuner tuner_rings = { "rings", rings_checks, plan_rings };

/* ---- driver binding ---- */

/* A kernel route through ifname other than the default one: the kernel stack is using it. */
static bool has_routes(const struct sysroot *sr, const char *ifname)
{
	char *text = NULL;
	bool found = false;

	if (!ifname[0] || sysroot_read_alloc(sr, "/proc/net/route", 1u << 20, &text, NULL) < 0)
		return false;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && !found; l = strtok_r(NULL, "\n", &save)) {
		char ifn[32];

		found = sscanf(l, "%31s", ifn) == 1 && !strcmp(ifn, ifname);
	}
	free(text);
	return found;
}

/* Why binding n must not happen; *force_ok says whether --force may override. NULL when clear. */
static char *bind_blocked(const struct tune_ctx *ctx, const struct nic *n, const char *want, bool *force_ok)
{
	const char *why = ctx->mgmt ? mgmt_reason(ctx->mgmt, n) : NULL;
	char path[128];
	struct dirlist dl;
	char *out = NULL;

	*force_ok = false;
	/* Never overridable: rebinding the management NIC cuts the operator off. */
	if (why)
		return xasprintf("%s is on the management path (%s): binding it to %s cuts this host off",
				 n->name[0] ? n->name : n->pci, why, want);
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
	if (has_routes(ctx->sr, n->name)) {
		*force_ok = true;
		return xasprintf("%s has routes in /proc/net/route: the kernel's network stack is using it", n->name);
	}
	return NULL;
}

static void add_modprobe(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *driver)
{
	char path[128], module[64];
	struct change *c;

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s", driver);
	if (sysroot_is_dir(ctx->sr, path) || !ctx->sr->live)
		return;
	/* The module name uses '_' where the driver name may use '-' (vfio-pci is vfio_pci). */
	snprintf(module, sizeof(module), "%s", driver);
	for (char *s = module; *s; s++)
		if (*s == '-')
			*s = '_';
	c = plan_add(p, check, CK_EXEC, module, NULL, NULL, "modprobe");
	if (!c)
		return;
	c->live_only = true;
	c->argv_do = argv_pack((const char *const[]){ "modprobe", module, NULL });
	/* Unloading could take other devices with it: revert leaves the module loaded. */
	c->argv_undo = NULL;
	c->shell = xasprintf("modprobe %s", module);
}

static int plan_driver(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const struct nic *n = ctx->prof->nic;
	const char *want = profile_str(ctx->prof, PK_NIC_DRIVER);
	char target[96];
	struct change *c;
	bool force_ok;

	/* "kernel" needs the device's own driver, which only revert (or the kernel at boot) knows. */
	if (!rebinds(ctx, n)) {
		plan_add_manual(p, f, NULL);
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

static const char *const driver_checks[] = { "nic.driver", NULL };
const struct tuner tuner_driver_bind = { "driver_bind", driver_checks, plan_driver };
