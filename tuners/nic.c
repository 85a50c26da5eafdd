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

static const struct nic *bypass_nic(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const struct nic *n = ctx->prof->nic;

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
