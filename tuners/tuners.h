/* What tuner files share: the registry list, value helpers and the safety interlocks. */
#pragma once
#include <stdbool.h>

#include "plan.h"

/* Every tuner, one per file area; each name N is `const struct tuner tuner_N` in tuners/AREA.c. */
#define TUNER_LIST(X) \
	X(governor) X(turbo) X(cstates) X(clocksource) \
	X(hugepages) X(hugetlbfs) X(thp) X(numa_balancing) X(swappiness) \
	X(irqbalance) X(irq_affinity) X(default_affinity) \
	X(timer_migration) X(watchdog) X(sched_rt) X(stat_interval) X(workqueue) X(hung_task) X(mce) \
	X(busy_poll) \
	X(coalesce) X(rings) \
	X(boot_cmdline) X(driver_bind) \
	X(smt) X(epb) X(epp) X(pstate) X(systemd_affinity)

#define X(n) extern const struct tuner tuner_##n;
TUNER_LIST(X)
#undef X

/* Interfaces and PCI functions on the management path: never rebound, re-IRQ'd or re-tuned. */
struct mgmt_set {
	size_t n;
	struct {
		char name[32];
		char pci[32];
		char why[96];
	} v[64];
};

/*
 * Collects the default-route interfaces (IPv4 and IPv6), the interface of $SSH_CONNECTION's local
 * address (live host only), and with them their bond/team members, VLAN parents, bridge ports
 * and SR-IOV PFs.
 */
void mgmt_load(struct mgmt_set *m, const struct host *h, const struct sysroot *sr, const char *ssh_connection);
/* Why nic is on the management path, NULL when it is not. */
const char *mgmt_reason(const struct mgmt_set *m, const struct nic *n);

/* Why the profile's cpu lists cannot be used (cpus not present, no housekeeping), NULL when fine. */
const char *tune_cpulists_bad(const struct host *h, const struct profile *p, char *buf, size_t size);

/*
 * A sysfs/procfs value: reads path, and when it differs from want adds a CK_WRITE with the
 * shell command `echo WANT > PATH`. Returns 1 when a change was added, 0 when already so,
 * -ENOENT when the file is absent.
 */
int tune_value(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *path, const char *want);
/* A sysctl by its dotted name, through /proc/sys; the shell form is `sysctl -w`. */
int tune_sysctl(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *name, const char *want);
/* Marks a change that uses the profile's cpu lists as blocked when they are unusable. */
void tune_guard_cpus(const struct tune_ctx *ctx, struct change *c);
/* Marks a change that touches nic as blocked when the NIC carries the management path. */
void tune_guard_nic(const struct tune_ctx *ctx, struct change *c, const struct nic *n);
/* Adds CK_MKDIR changes for the missing directories above path (revert removes them). */
void tune_parent_dirs(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *path);

/*
 * A kernel command line parameter for the next boot, staged as the boot tuner stages its own
 * (GRUB drop-in, /etc/kernel/cmdline, grubby); blocked (may be NULL) marks it like its runtime twin.
 * Returns 1 when planned, 0 when already staged or running, -ENOENT when no boot tooling is found.
 */
int tune_cmdline(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *key, const char *want,
		 const char *blocked);

/* confirm after apply --once: the GRUB drop-in with params added, and the boot loader command, into p. */
int tune_promote_once(const struct tune_ctx *ctx, struct plan *p, const char *params);

/* revert: the command that regenerates the boot configuration, into p (boot_tool, bootloader_argv). */
void tune_regen_command(const struct sysroot *sr, struct plan *p);

/* Sets one ethtool setting on a live interface (SIOCETHTOOL): rx_usecs, adaptive_rx, rx_pending, tx_pending. */
int nic_ethtool_set(const struct sysroot *sr, const char *ifname, const char *key, const char *value);
