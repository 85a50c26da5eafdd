/* Shared pieces of the subcommands: option tables, the run session, exit statuses. */
#pragma once
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "host.h"
#include "profile.h"
#include "sysroot.h"
#include "registry.h"
#include "state.h"
#include "tuners.h"
#include "version.h"


enum {
	EXIT_READY = 0,		/* success; nothing failed */
	EXIT_NOT_READY = 1,	/* a check or target failed */
	EXIT_ERROR = 2,		/* usage, profile or internal error */
};

/* One row per option: spelling, argument name (NULL: none), key, help. --help comes from this table. */
struct cli_opt {
	const char *name;
	const char *arg;
	int key;
	const char *help;
};

#define CLI_MAX_OPTS 40

struct cli_parser {
	const char *cmd, *synopsis, *summary;
	char synbuf[2048];	/* the synopsis, made from the option table */
	const struct cli_opt *opts;
	int argc;
	char **argv;
	struct option lopts[CLI_MAX_OPTS + 2];
	char shorts[CLI_MAX_OPTS * 2 + 4];
};

#define CLI_HELP 'h'

/*
 * The usage line is made from opts: "tickready CMD [--name ARG]... OPERANDS". operands follow the
 * options ("A B", "" for none); one starting with '{' (a choice of verbs) comes before them.
 */
void cli_parser_init(struct cli_parser *p, const char *cmd, const char *operands, const char *summary,
		     const struct cli_opt *opts, int argc, char **argv);
/*
 * The next option's key (and *arg), -1 at the end, CLI_HELP after printing --help, or '?'
 * after printing a usage error. Callers return EXIT_READY for CLI_HELP and EXIT_ERROR for '?'.
 */
int cli_parser_next(struct cli_parser *p, const char **arg);
void cli_usage(const struct cli_parser *p, FILE *out);

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The journal's lock for who ("apply", "confirm", "revert"), retried up to wait_ms; says why it failed. */
int cli_lock(const struct sysroot *sr, const char *who, unsigned wait_ms, pid_t *holder);
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Output files the user names (outfile.c): a temporary beside the target, renamed over it; never through a link. */
int cli_out_path_ok(const char *cmd, const char *path);
FILE *cli_out_open(const char *cmd, const char *path, char **tmp);
int cli_out_commit(FILE *f, char *tmp, const char *path);
void cli_out_abort(FILE *f, char *tmp);

/* apply --confirm's guard (confirm_guard.c). */
enum confirm_fate {
	CONFIRM_WAITING,	/* its timer runs (or nothing tells otherwise) */
	CONFIRM_REBOOTED,	/* armed in an earlier boot */
	CONFIRM_OVERDUE,	/* past its deadline, no timer */
	CONFIRM_ORPHANED,	/* apply interrupted (no end record), its timer gone */
};
/* Has the journal's run its end record (apply finished, well or not)? */
bool confirm_run_ended(const struct sysroot *sr, const char *run);
void confirm_boot_id(const struct sysroot *sr, char *buf, size_t size);
bool confirm_pid_alive(pid_t pid);
enum confirm_fate confirm_fate(const struct sysroot *sr, const struct confirm_pending *cp);
const char *confirm_fate_text(enum confirm_fate f);
/* Reverts a run its window no longer guards; 0 when there is none, 1 when reverted, -1 on error (said). */
int confirm_recover(const struct sysroot *sr, const char *who);
/*
 * revert's work for one run (NULL: all), printing what it did; an exit status. A run with a newer one
 * still applied is refused, unless through: then the newer ones go first.
 */
int cli_revert_run(const struct sysroot *sr, const char *run, bool through, bool update_bootloader);

/* confirm after apply --once: promotes the one-time boot parameters. -1 when none is pending, else an exit status. */
int once_confirm(const struct sysroot *sr);

/* sysroot_open, printing its error, and a note when the root is the live host under another name. 0 or -errno. */
int cli_open_root(struct sysroot *sr, const char *root);
struct jlog;
/* The tickready.status/1 document: every journaled run not reverted, wanted / staged / live (cli/status.c). */
json_t *status_collect(const struct sysroot *sr, const struct host *host, const struct jlog *log);

/* A file ending in .tar.gz or .tgz (a capture archive): read-only commands unpack it and read the tree. */
bool cli_root_is_archive(const char *root);
/* Says so and returns true when root is an archive: cmd writes to its root, and an unpacked copy would be thrown away. */
bool cli_refuse_archive(const char *root, const char *cmd);	/* cmd: NULL for no prefix */
/* An unpacked capture archive: its private tree and the child that removes it even if we are killed. */
struct cli_unpacked {
	char dir[PATH_MAX];	/* "" when none */
	int reaper_fd;		/* closing it lets the child remove dir */
	pid_t reaper;
	char special[256];	/* -EMEDIUMTYPE: the member that is a device, FIFO or socket */
};
/*
 * Unpacks archive into a fresh /tmp/tickready-root-XXXXXX. 0, -EINVAL when tar fails, -ENOENT when it
 * holds no /proc or /sys, -EMEDIUMTYPE when a member is a device, FIFO or socket (a capture holds
 * none; the tree is removed before anything opens it), or -errno.
 */
int cli_archive_unpack(const char *archive, struct cli_unpacked *u);
/* Removes the unpacked tree (and waits for it to be gone); safe to call twice. */
void cli_archive_release(struct cli_unpacked *u);
/* rm -rf --one-file-system, exec'd. */
void cli_remove_tree(const char *dir);

/* A run against one root: the sysroot, the host model and the resolved profile. */
struct session {
	const char *root;
	const char *shown_root;	/* what reports name: the archive for an archive root, else sr.path */
	struct cli_unpacked unpacked;	/* an archive root's private tree, removed by session_close */
	struct sysroot sr;
	struct host host;
	struct profile prof;
	bool has_host, has_prof;
	char profile_origin[128];	/* "named", "active, applied by run R" or "builtin default" */
};

/* Opens root, loads the host and resolves the profile (NULL: the default). Prints the error; returns 0 or EXIT_ERROR. */
int session_open(struct session *s, const char *root, const char *profile, bool record);
/*
 * The same for a run of the selected checks (NULL: all), with the cpus of cgroup (a cgroup path, NULL:
 * the process's own) as the allowed ones. When a selected check reads the process table, a second
 * thread reads it while the rest of the host loads.
 */
int session_open_checks(struct session *s, const char *root, const char *profile, const char *cgroup,
			const bool *selected);
/*
 * session_open_checks in two steps, for a command that reads the root before the host is loaded (apply:
 * an expired --confirm window reverted, --reapply's profile): the root opened once, then loaded. 0 or
 * EXIT_ERROR (printed); a failed load closes the session, after a failed open there is nothing to close.
 */
int session_open_root(struct session *s, const char *root);
int session_load_checks(struct session *s, const char *profile, const char *cgroup, const bool *selected);
void session_close(struct session *s);
/* Marks each failing finding with what apply would do about it on this root (fix_by, fix_note). */
void audit_mark_fixes(struct session *s, struct finding *f, size_t n);

/* Subcommands: each in cli/cmd_NAME.c. */
int cmd_audit(int argc, char **argv);
int cmd_checks(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_revert(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_confirm(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/* The application inputs of audit and report (cli/app_inputs.c): the six options, in this order, from key FIRST. */
#define APP_CLI_OPTS(first) \
	{ "app-config", "FILE", (first), "also judge a DPDK application's configuration (YAML, dpdk_config:)" }, \
	{ "app-eal", "ARGS", (first) + 1, "also judge a DPDK application's EAL arguments (\"-l 2-7 --socket-mem 4096,4096\")" }, \
	{ "app-telemetry", "SOCKET", (first) + 2, "also judge the running DPDK application behind this telemetry socket (read only)" }, \
	{ "app-pid", "PID", (first) + 3, "also judge the running application's threads (/proc/PID/task; read only)" }, \
	{ "app-window", "SECONDS", (first) + 4, "how long the running app's counters and context switches are watched (default 1)" }, \
	{ "app", "PID|auto", (first) + 5, "also judge a running DPDK application, by pid or found (its EAL arguments, telemetry, threads; read only)" }
struct app_inputs {
	const char *config, *eal, *telemetry, *pid, *window, *running;	/* running: --app PID|auto */
	struct app_config cfg;
	struct app_live live;
	struct app app;
	enum profile_key profile_key;	/* PK_APP_CONFIG or PK_APP_EAL when the profile named the configuration, else PK_COUNT */
	char *profile_path;	/* [app] config taken from the profile's directory */
	char telemetry_found[512];	/* --app's telemetry socket, when it has one */
};
/* Option which (0..5, APP_CLI_OPTS' order) given arg. */
void app_inputs_option(struct app_inputs *in, int which, const char *arg);
/*
 * Reads what was given (the running app through sr), and prof's [app] config or eal when no option names a
 * configuration (prof may be NULL); prints the error as who ("audit") and returns EXIT_ERROR, else 0.
 * After it, in->app.cfg or in->app.live is set when there is an application to judge.
 */
int app_inputs_load(struct app_inputs *in, const struct sysroot *sr, const struct host *h, const struct profile *prof,
		    const char *who);
void app_inputs_free(struct app_inputs *in);
