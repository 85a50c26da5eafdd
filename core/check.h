/* Checks and their findings: one descriptor per check, one registry table (checks/registry.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "host.h"
#include "profile.h"

#define AREAS(X) \
	X(AREA_CPU, "cpu") \
	X(AREA_MEMORY, "memory") \
	X(AREA_IRQ, "irq") \
	X(AREA_KERNEL, "kernel") \
	X(AREA_NIC, "nic") \
	X(AREA_POWER, "power") \
	X(AREA_TASKS, "tasks") \
	X(AREA_TIME, "time") \
	X(AREA_APP, "app")

enum area {
#define X(e, s) e,
	AREAS(X)
#undef X
	AREA_COUNT
};
const char *area_name(enum area a);
int area_from_name(const char *name);	/* -1 when unknown */

enum verdict { V_PASS, V_WARN, V_FAIL, V_SKIP };
const char *verdict_name(enum verdict v);

struct check;

struct finding {
	const struct check *check;
	enum verdict verdict;
	char *observed;		/* what was seen */
	char *expected;		/* what the profile wants */
	char *remedy;		/* the exact command or profile key that fixes it; NULL on pass/skip */
	bool needs_reboot;	/* the fix takes effect at the next boot */
	bool pending_reboot;	/* the fix is staged for the next boot (apply's drop-in), the running kernel lacks it */
	unsigned fix_by;	/* enum fix_by, from the plan apply would make on this host; 0 when no plan was built */
	char *fix_note;		/* FIX_MANUAL: why apply cannot; FIX_BLOCKED: the interlock */
	char *role;		/* a [nic.ROLE]'s finding: its role; NULL for the default [nic] and every other check */
	char *nic;		/* with role: its NIC's netdev name or PCI address, NULL when the role has none here */
};
/* "nic.chain" or "nic.chain[feed]": the check's id and the role; buf holds it. */
const char *finding_name(const struct finding *f, char *buf, size_t size);

/* What `tickready apply` does about a failing finding on this host: only what its plan holds. */
enum fix_by {
	FIX_NOW = 1u << 0,	/* a runtime change */
	FIX_BOOT = 1u << 1,	/* staged for the next boot */
	FIX_BLOCKED = 1u << 2,	/* planned, but an interlock stops it, or part of it (--force where allowed) */
	FIX_MANUAL = 1u << 3,	/* no change apply can make here: by hand */
};
/* "apply now", "apply at boot", "apply now and at boot", "partly blocked", "blocked", "manual"; NULL for 0. */
const char *fix_by_name(unsigned fix_by);
/* fix_by_name's inverse (0 for NULL or an unknown name). */
unsigned fix_by_parse(const char *name);
/* The line under a fix saying what `tickready apply` does about it here (a static buffer). */
const char *fix_by_line(unsigned fix_by, const char *note);
/* The same line from a JSON document's fixed_by name; NULL when the name is missing or unknown. */
const char *fix_by_line_named(const char *name, const char *note);

struct check_ctx {
	const struct host *host;
	const struct profile *prof;
	const struct sysroot *sr;
	const struct app *app;	/* the application given to audit (--app-config, --app-telemetry...), NULL when none */
};

struct tune_ctx;
struct plan;

/* What a knob's plan does, for `tickready checks` and the manual list; and what its check reads. */
enum check_flags {
	CF_RUNTIME = 1u << 0,	/* its plan writes the running system */
	CF_BOOT = 1u << 1,	/* its plan stages kernel command line parameters for the next boot */
	CF_PROCS = 1u << 2,	/* its check reads the process table's status files (read ahead while the host loads) */
	CF_PER_NIC = 1u << 3,	/* judges one NIC: run once more for each [nic.ROLE], with that role's view of the profile */
};

/* Ends a check's key list: KEYS(PK_A, PK_B). */
#define KEYS(...) ((const enum profile_key[]){ __VA_ARGS__, PK_COUNT })

struct check {
	const char *id;		/* stable, dotted: "cpu.nohz_full" */
	enum area area;
	const char *title;
	const char *reads;	/* what it reads, for `tickready checks` and capture */
	const enum profile_key *keys;	/* the profile keys it judges (and its plan reads), PK_COUNT-ended; NULL: none */
	unsigned flags;		/* enum check_flags */
	void (*run)(const struct check_ctx *ctx, struct finding *f);
	/*
	 * Turns a failing (or warning) finding into changes; NULL means the fix is manual. Adds nothing
	 * (or a manual row with plan_add_manual) when this host leaves apply no safe change.
	 */
	int (*plan)(const struct tune_ctx *ctx, const struct finding *f, struct plan *p);
};

/*
 * Setting a finding. Strings are copied (printf-style). A check sets the verdict with one
 * of these and may add a remedy; observed/expected follow tuned's verify wording.
 */
void finding_pass(struct finding *f, const char *observed_fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_skip(struct finding *f, const char *reason_fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_fail(struct finding *f, const char *observed_fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_warn(struct finding *f, const char *observed_fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_expected(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_remedy(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Where the anchor tools disagree on a knob, the finding says which way each goes and why, after what
 * the profile expects: " (anchors differ: NOTE; the profile decides)". Call after finding_expected.
 */
void finding_anchors(struct finding *f, const char *note);
/* "cannot read '/sys/...': No such file or directory" as a skip. */
void finding_skip_read(struct finding *f, const char *path, int rc);
void finding_clear(struct finding *f);

void findings_free(struct finding *f, size_t n);

/* Text from a host file fit for a message: printable ASCII only, cut short with "...". */
void check_printable(const char *in, char *out, size_t size);
/* Garbage is a skip that names the file and what it held; a missing file names the error. */
void finding_skip_bad(struct finding *f, const struct sysroot *sr, const char *path, int rc);
/* "/sys/devices/system/cpu/cpu{2,3}/SUFFIX" for a shell (a remedy); braces only around several cpus. */
char *check_cpu_files(const struct cpuset *s, const char *suffix);
/* A one-word value (governor, clocksource, EPP); anything else is garbage (-EINVAL). */
int check_read_word(const struct sysroot *sr, const char *path, char *buf, size_t size);
/* The profile's value for k, or NULL after a skip saying the profile does not ask for it. */
const char *check_wanted(const struct check_ctx *ctx, struct finding *f, enum profile_key k);
/* The profile's bypass NIC, or NULL after a skip saying why there is none (as nic.* checks word it). */
const struct nic *check_nic(const struct check_ctx *ctx, struct finding *f);
/*
 * For a skip over a missing power driver: on a cloud's virtual instance "; the hypervisor owns it on AWS
 * c6in.32xlarge (virtual, ...)", a fact of the instance; "" elsewhere. buf holds the text.
 */
const char *check_instance_owns(const struct check_ctx *ctx, char *buf, size_t size);
/* The NIC's netdev name, or NULL after a skip (a NIC on a user-space driver has none). */
const struct nic *check_netdev(const struct check_ctx *ctx, struct finding *f);
