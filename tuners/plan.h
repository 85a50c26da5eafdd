/* The apply plan: changes that tuners derive from failing findings, and their journaled execution. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <stdio.h>

#include "check.h"
#include "host.h"
#include "profile.h"
#include "files.h"
#include "sysroot.h"

/* The boot unit that re-applies the runtime part of the last profile. */
#define BOOT_UNIT "tickready-apply.service"
#define BOOT_UNIT_WANTS "/etc/systemd/system/multi-user.target.wants/" BOOT_UNIT

/* The change kinds; what each one does is its row in change_kinds[] (tuners/kinds.h). */
enum change_kind { CK_WRITE, CK_CREATE, CK_APPEND, CK_MKDIR, CK_ETHTOOL, CK_CMDLINE, CK_BIND, CK_SERVICE, CK_MOUNT,
		   CK_EXEC, CK_COUNT };

const char *change_kind_name(enum change_kind k);
int change_kind_from_name(const char *name);

/*
 * One change. path is the host path written (CK_WRITE, CK_CREATE, CK_APPEND, CK_MKDIR, CK_MOUNT,
 * CK_ETHTOOL under a tree); target is what a person reads in the plan ("ens1f0 rx-usecs", "isolcpus").
 */
struct change {
	const char *check;	/* the check id it remedies */
	enum change_kind kind;
	char *target;
	char *path;		/* NULL for display-only rows and live-only kinds */
	char *current;		/* value now, NULL when absent; on the live host revert writes this back */
	char *value;		/* the value written (a whole file for CK_CREATE, a line for CK_APPEND) */
	char *emulate;		/* what a tree's file holds afterwards when it differs ("always madvise [never]") */
	char *shell;		/* the equivalent shell command, for people */
	char *blocked;		/* the interlock it trips, NULL when clear */
	bool boot;		/* takes effect at the next boot */
	bool display;		/* a row carried out by another change (cmdline parameters -> the drop-in) */
	bool live_only;		/* needs the running kernel (mount(2), ioctl, systemctl): skipped in a tree */
	bool tree_only;		/* emulates a kernel side effect in a tree (/proc/mounts); never on the live host */
	bool refusable;		/* the kernel may refuse it (managed IRQs): reported, not a failure */
	bool force_ok;		/* --force may override its interlock */
	char *iface, *key;	/* CK_ETHTOOL: interface and setting ("rx_usecs"); CK_SERVICE: unit in iface */
	char *argv_do, *argv_undo;	/* CK_EXEC / CK_SERVICE: NUL-separated argv, double-NUL ended */
	unsigned mode;		/* CK_CREATE: file mode, 0 for 0644 */
};

struct manual {
	const char *check;
	char *role;		/* a [nic.ROLE]'s finding: its role, NULL otherwise */
	char *observed, *expected, *remedy;
	char *why;		/* why apply makes no change for it on this host */
};

/*
 * A failing check whose changes a bind of the same plan makes moot (the netdev they write goes with it),
 * or, with pci NULL, a note on what apply's changes for check leave undone (fix_note).
 */
struct moot {
	const char *check;
	char *pci;	/* the device bound, NULL for a note */
	char *why;
};

/*
 * A failing check that another check's change in this plan fixes (the same IRQ mask, the same boot
 * parameter, a link of nic.chain): what to say is the other's, not "by hand".
 */
struct covered {
	const char *check, *by;
	char *what;	/* what of check the other's change fixes ("link 'hugepages'") */
};

struct plan {
	size_t n, cap;
	struct change *v;
	size_t *slots, nslots;	/* hash of paths, so a second change of a path is found fast */
	size_t nmanual, capmanual;
	struct manual *manual;
	size_t nmoot;
	struct moot *moot;
	size_t ncovered;
	struct covered *covered;
	bool reboot_required;	/* a boot change is in the plan (or was staged by it) */
	char *boot_tool;	/* "grub", "systemd-boot", "grubby" or NULL */
	char **bootloader_argv;	/* the command that makes a staged change take effect, NULL-terminated */
	char **once_argv;	/* apply --once: grub-reboot, run after bootloader_argv */
	char *once_params;	/* apply --once: the parameters of the one-time entry */
	char *persist;		/* how the runtime changes survive a reboot when the plan cannot arrange it */
	char **names;		/* "nic.coalesce[feed]": a [nic.ROLE]'s check names, which its rows point at */
	size_t nnames;
	const char *as_id, *as_name;	/* while a role's check plans: rows of check as_id are as_name's */
};

struct mgmt_set;

/* What a tuner sees: the host, the resolved profile, the root and the findings of this run. */
struct tune_ctx {
	const struct host *host;
	const struct profile *prof;
	const struct sysroot *sr;
	const struct finding *findings;
	size_t nfindings;
	const struct mgmt_set *mgmt;	/* interfaces and PCI addresses on the management path */
	const char *cpulist_bad;	/* why the profile's cpu lists cannot be used, NULL when fine */
	bool force;			/* --force: interlocks marked force_ok are overridden */
	bool once;			/* --once: boot parameters go to a one-time GRUB entry */
	bool reapply;			/* --reapply (the boot unit itself): the unit is not planned */
	const char *role;		/* planning a [nic.ROLE]'s finding: prof is that role's view */
};

/* The finding of check id in this run (of ctx->role's NIC when planning a role), NULL when it did not run. */
const struct finding *tune_finding(const struct tune_ctx *ctx, const char *check_id);
bool tune_failed(const struct tune_ctx *ctx, const char *check_id);

/* Adds a change (strings copied, NULL allowed); a second change of the same path is dropped. Returns it or NULL. */
struct change *plan_add(struct plan *p, const char *check, enum change_kind kind, const char *target,
			const char *path, const char *current, const char *value);
/* A systemctl change of unit, live host only: argv_do now, argv_undo (NULL: none) on revert; shown as argv_do. */
struct change *plan_add_service(struct plan *p, const char *check, const char *unit, const char *const *argv_do,
			       const char *const *argv_undo);
void change_set(char **field, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A failing finding apply leaves to the operator; why says what stops apply here (NULL: no plan for the knob). */
void plan_add_manual(struct plan *p, const struct finding *f, const char *why);
/* A failing finding that a bind in this plan settles: its netdev (and what apply would write there) goes away. */
void plan_add_moot(struct plan *p, const char *check, const char *pci, const char *why);
/* check fails for what the changes of check by make right (what: which part, NULL for all of it). */
void plan_add_covered(struct plan *p, const char *check, const char *by, const char *what);
/* What check's changes leave to the operator (a restart apply never does): the finding's fix_note. */
void plan_add_note(struct plan *p, const char *check, const char *why);
/* argv from a NULL-terminated list, stored NUL-separated. */
char *argv_pack(const char *const *argv);
/* Unpacked into a NULL-terminated array of pointers into packed; free the array only. */
char **argv_unpack(const char *packed);
/* Bytes of a packed argv, its final NUL included. */
size_t argv_packed_len(const char *packed);

/*
 * Builds the plan: for every failing (or warning) finding, its tuner's changes, else a manual
 * row; then the safety interlocks. Returns 0 or -errno.
 */
int plan_build(struct plan *p, const struct tune_ctx *ctx);
void plan_free(struct plan *p);
/*
 * When the plan has runtime changes: enables tickready-apply.service (a CK_SERVICE change) where systemd
 * runs and the unit is installed but not enabled, else sets p->persist to what the operator must run.
 */
void plan_boot_unit(struct plan *p, const struct sysroot *sr);
/*
 * Each failing finding's fix_by and fix_note from the plan: which changes apply would make for it on this
 * root (now, at boot, blocked) or, when none, that it is manual and why.
 */
void plan_mark_findings(const struct plan *p, const struct sysroot *sr, struct finding *f, size_t n);
/* What apply sees: the management path loaded, the profile's cpu lists judged. Free with tune_ctx_free. */
void tune_ctx_init(struct tune_ctx *ctx, const struct host *h, const struct profile *prof, const struct sysroot *sr,
		   const struct finding *f, size_t n);
void tune_ctx_free(struct tune_ctx *ctx);
size_t plan_count_blocked(const struct plan *p);
/* Changes that would run: not display rows, not blocked (unless overridden), right for the root. */
bool change_runs(const struct change *c, const struct sysroot *sr);

struct plan_opts {
	bool skip_blocked;	/* apply the rest, leave the blocked ones */
	bool force;		/* override interlocks marked force_ok */
	bool update_bootloader;	/* run plan->bootloader_argv after staging */
	char *runid;		/* set by plan_execute */
};

struct journal;

/* Result of one executed plan, for the report. */
struct exec_result {
	size_t applied, refused, skipped;
	size_t emulated;	/* of applied: tree-only changes emulating the kernel (never a row of the plan shown) */
	size_t left_blocked;	/* of skipped: blocked by an interlock (--skip-blocked); the rest need the running kernel */
	char *failed_path;	/* the path (or target) whose write failed, NULL on success */
	int failed_rc;
	char **refused_targets;	/* IRQs the kernel refused (managed, per-cpu), nrefused of them */
	bool bootloader_ran;
	int bootloader_status;
	size_t journaled;	/* W records made durable: what revert will restore */
	int journal_rc;		/* a journal record could not be made durable (0: all were) */
	const char *journal_what;	/* which: "intent", "completion", "failure" or "end" */
};

/*
 * Carries out the plan through the journal (opened by the caller): for each change, the old value
 * and the new one are appended and fsynced, then written. Stops at the first failure.
 * Returns 0 or -errno (res->failed_path says where).
 */
int plan_execute(struct plan *p, const struct tune_ctx *ctx, struct journal *j, const struct plan_opts *o,
		 struct exec_result *res);
void exec_result_free(struct exec_result *res);

struct jlog;

struct revert_result {
	size_t runs, restored, failed;
	char *failed_target;	/* the first restore that failed */
	int failed_rc;
	bool boot_touched;	/* a restored write was a boot file: the boot configuration needs regenerating */
	/* tuners_revert: what it found in the journal and what it did with it */
	const char *stage;	/* where it stopped: "read", "open", "restore"; NULL when it did not */
	bool torn_tail, had_writes;
	size_t nbad, compacted;
	int bad_lines[16];
};

/*
 * Restores every write of every run not yet reverted (or of only_run; with through, of only_run and
 * every run applied after it), newest first, and marks
 * each fully restored run reverted in the journal. Idempotent: restoring twice writes the same
 * old values. Returns 0 or the first -errno.
 */
int plan_revert(const struct sysroot *sr, struct journal *j, const struct jlog *log, const char *only_run,
		bool through, struct revert_result *res);

/*
 * revert as a whole: loads the journal, restores (plan_revert), and compacts away the runs now fully
 * reverted. The caller holds the lock. Returns 0 or -errno (res->stage says where).
 */
int tuners_revert(const struct sysroot *sr, const char *only_run, bool through, struct revert_result *res);
/* The newest run applied after run and not reverted (what a revert of run alone would restore under), or NULL. */
const char *jlog_newer_applied(const struct jlog *log, const char *run);

/*
 * The "tickready.plan/1" document, written as the plan is walked (a plan of thousands of changes
 * costs no tree); with applied, the count of changes made. No newline after it.
 */
void plan_write_json(FILE *f, const struct plan *p, const struct sysroot *sr, const struct plan_opts *o,
		     const size_t *applied);
/* The same document as a tree, read back from what plan_write_json writes: one source for both. */
json_t *plan_to_json(const struct plan *p, const struct sysroot *sr, const struct plan_opts *o);

