/* What a knob's plan function uses to build changes: value helpers, boot staging and the safety interlocks. */
#pragma once
#include <stdbool.h>

#include "mgmt.h"
#include "plan.h"


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
/* The same, for a value the caller has just read (so the file is read once). */
int tune_sysctl_now(struct plan *p, const char *check, const char *name, const char *now, const char *want);
void tune_sysctl_path(const char *name, char *path, size_t size);
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

/* One kernel command line parameter a knob wants at boot ("" value for a bare flag). */
#define BOOT_PARAMS_MAX 8
struct boot_param {
	const char *key;
	const char *value;	/* NULL: the key alone; the caller's, not copied (a 40 KB array here was zeroed by every literal) */
	bool isolates;		/* uses the isolated cpus: guarded like the cpu lists, never a whole node */
	const char *blocked;	/* an interlock its runtime twin trips, NULL when clear */
};
/*
 * Stages the parameters not already staged or running (one change set for the drop-in or grubby).
 * Returns 1 when something was planned, 0 when nothing is needed, -ENOENT when no boot tooling is found.
 */
int tune_boot_params(const struct tune_ctx *ctx, struct plan *p, const char *check, const struct boot_param *v,
		     size_t n);
/* A knob's whole plan for boot parameters: tune_boot_params, or a manual row when no boot tool is found. */
int plan_boot_params(const struct tune_ctx *ctx, const struct finding *f, struct plan *p, const struct boot_param *v,
		     size_t n);

/* confirm after apply --once: the GRUB drop-in with params added, and the boot loader command, into p. */
int tune_promote_once(const struct tune_ctx *ctx, struct plan *p, const char *params);

/* revert: the command that regenerates the boot configuration, into p (boot_tool, bootloader_argv). */
void tune_regen_command(const struct sysroot *sr, struct plan *p);

/*
 * An ethtool setting of n (file: the tree's key=value file under SYSROOT_ETHTOOL_DIR or SYSROOT_NETDEV_DIR),
 * guarded like every change of the NIC. Adds nothing when now == want.
 */
void tune_ethtool(const struct tune_ctx *ctx, struct plan *p, const char *check, const struct nic *n, const char *file,
		  const char *key, long now, long want, const char *shell);
/* modprobe module on the live host (revert leaves it loaded). Returns 1 when planned, 0 when loaded or in a tree. */
int tune_modprobe(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *module);
