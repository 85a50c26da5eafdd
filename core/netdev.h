/* NIC datapath facts beyond coalescing and rings: offloads, pause, channels (SIOCETHTOOL) and XDP features (netdev genetlink). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "sysroot.h"

/* Where a tree keeps them: /.tickready/netdev/IFNAME/{features,pause,channels,tx_push,xdp}, key=value lines. */
#define SYSROOT_NETDEV_DIR "/.tickready/netdev"

/* NETDEV_XDP_ACT_* of include/uapi/linux/netdev.h (kernel 6.3); Debian 12's headers predate it. */
enum xdp_act {
	XDP_ACT_BASIC = 1 << 0,
	XDP_ACT_REDIRECT = 1 << 1,
	XDP_ACT_NDO_XMIT = 1 << 2,
	XDP_ACT_XSK_ZEROCOPY = 1 << 3,
	XDP_ACT_HW_OFFLOAD = 1 << 4,
	XDP_ACT_RX_SG = 1 << 5,
	XDP_ACT_NDO_XMIT_SG = 1 << 6,
};

struct nic_netpath {
	bool has_features;
	long gro, lro, ntuple;		/* 0/1; -1 when the driver does not say */
	long gro_fixed, lro_fixed, ntuple_fixed;	/* 1: the driver fixes it (ethtool -k's [fixed]); 0 otherwise */
	bool has_pause;
	long pause_autoneg, rx_pause, tx_pause;
	bool has_channels;
	long combined, combined_max, rx_channels, tx_channels;
	/* Tx push (ENA's LLQ): ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN{,_MAX} of ethtool's netlink rings (kernel >= 6.4). */
	bool has_tx_push;
	long tx_push, tx_push_buf_len, tx_push_buf_max;	/* buf_max 0: the driver pushes no headers (no LLQ) */
	bool has_xdp;
	uint64_t xdp_features;		/* enum xdp_act bits */
	char xdp_source[16];		/* "netlink" or "capture" */
	long xdp_prog;			/* the XDP program attached (its id), 0: none, -1: unknown */
};

/* Fills out for ifname: the kernel on the live host (recorded while capturing), the tree's files otherwise. */
void netdev_load(const struct sysroot *sr, const char *ifname, struct nic_netpath *out);
/* "basic,redirect,xsk-zerocopy" into buf ("none" for 0). */
const char *xdp_features_text(uint64_t f, char *buf, size_t size);
/* Live setter for gro, lro, ntuple, rx_pause, tx_pause (value 0 or 1). Returns 0 or -errno (-EINVAL: not ours). */
int netdev_set(const char *ifname, const char *key, long value);
/* Is key one netdev_set handles? */
bool netdev_key(const char *key);
/* The id of the XDP program attached to ifindex (0: none) through rtnetlink's IFLA_XDP; 0 or -errno. */
int netdev_xdp_prog(int ifindex, long *prog_id);
/* The XDP features of ifindex through the netdev genetlink family; 0 or -errno (-ENOENT: kernel before 6.3). */
int netdev_xdp_query(int ifindex, uint64_t *features);
/* Tx push of ifname through ethtool's netlink rings; 0, -ENODATA when the driver reports no push buffer, or -errno. */
int netdev_tx_push_query(const char *ifname, struct nic_netpath *o);
