/* NIC coalescing, rings, driver info and timestamping through the SIOCETHTOOL ioctl, or the files a capture keeps. */
#pragma once
#include <stddef.h>

#include "host.h"
#include "sysroot.h"

/*
 * Fills out for ifname. Live root: the ioctl (never ethtool's text output, which changes between
 * versions); foreign root: SYSROOT_ETHTOOL_DIR/IFNAME/{coalesce,ring,drvinfo,tsinfo}. What cannot be
 * learnt leaves its has_* false. While capturing a live host, the facts are recorded as those files.
 */
int ethtool_load(const struct sysroot *sr, const char *ifname, struct nic_ethtool *out);
/* A capture's whole file for a group the live driver did not report. */
#define ETHTOOL_UNSUPPORTED "unsupported"
/* The key=value text of one group ("coalesce", "ring", "drvinfo", "tsinfo"), as captures store it. */
int ethtool_format(const struct nic_ethtool *e, const char *what, char *buf, size_t size);
/* Writes rx_usecs/tx_usecs/adaptive_rx/adaptive_tx (read-modify-write) and rx/tx ring sizes. */
int ethtool_set_coalesce(const struct sysroot *sr, const char *ifname, const struct nic_ethtool *want);
int ethtool_set_ring(const struct sysroot *sr, const char *ifname, const struct nic_ethtool *want);

/*
 * Tests replace the ioctl with scripted answers. fd is the datagram socket (-1 if none could be
 * made), cmd points at the ethtool struct (first field: cmd). Returns 0 or -errno. NULL restores
 * the real ioctl.
 */
/* The process's socket for SIOCETHTOOL (opened once; -1 when none can be). */
int ethtool_socket(void);
typedef int (*ethtool_ioctl_fn)(int fd, const char *ifname, void *cmd);
void ethtool_set_ioctl(ethtool_ioctl_fn fn);

/*
 * The NIC's statistics (ETHTOOL_GSTRINGS and ETHTOOL_GSTATS of ETH_SS_STATS, what ethtool -S prints) as
 * "name=value" lines, in the driver's order: live, through the ioctl (recorded while capturing as
 * SYSROOT_ETHTOOL_DIR/IFNAME/stats); under a foreign root, that file. *out is malloc'd. 0, -EOPNOTSUPP when
 * the driver has none (a capture keeps ETHTOOL_UNSUPPORTED), or -errno.
 */
int ethtool_stats_text(const struct sysroot *sr, const char *ifname, char **out);

/* Sets one ethtool setting on a live interface (SIOCETHTOOL): rx_usecs, adaptive_rx, rx_pending, tx_pending. */
int nic_ethtool_set(const struct sysroot *sr, const char *ifname, const char *key, const char *value);
