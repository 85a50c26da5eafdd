/* tickready revert: replay the journal newest first, restoring every value apply changed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "journal.h"
#include "state.h"
#include "plan.h"
#include "tuners.h"
#include "util.h"

enum { OPT_ROOT = 'r', OPT_RUN = 256, OPT_AFTER, OPT_UNLESS_CONFIRMED, OPT_UPDATE_BOOT, OPT_UNTIL, OPT_WATCH };

static const struct cli_opt revert_opts[] = {
	{ "root", "DIR", OPT_ROOT, "revert in the tree under DIR instead of /" },
	{ "run", "ID", OPT_RUN, "revert only this run (see `tickready status`)" },
	{ "after", "SECONDS", OPT_AFTER, "wait first (used by apply --confirm)" },
	{ "until", "EPOCH", OPT_UNTIL, "wait until this time first (apply --confirm's timer)" },
	{ "watch", "PID", OPT_WATCH, "while waiting: revert at once if apply PID dies before its run ends" },
	{ "unless-confirmed", NULL, OPT_UNLESS_CONFIRMED, "do nothing if `tickready confirm` ran meanwhile" },
	{ "update-bootloader", NULL, OPT_UPDATE_BOOT, "regenerate the boot configuration when a boot file was restored" },
	{ NULL, NULL, 0, NULL },
};

/* Is run still waiting for `tickready confirm`? */
static bool confirm_pending(const struct sysroot *sr, const char *run)
{
	char buf[128];
	long sid;

	return confirm_pending_read(sr, buf, sizeof(buf), &sid) == 0 && !strcmp(buf, run);
}

/* A run waiting for confirmation that this revert undid: nothing is left to confirm, and its timer ends. */
static void settle_pending(const struct sysroot *sr)
{
	struct confirm_pending cp;
	struct jlog log;
	bool reverted;

	if (confirm_pending_load(sr, &cp) < 0 || journal_load(sr, &log) < 0)
		return;
	reverted = jlog_reverted(&log, cp.run) || !jlog_run(&log, cp.run);
	jlog_free(&log);
	if (reverted && confirm_pending_remove(sr) == 0)
		confirm_log(sr, "run %s reverted by `tickready revert`: nothing left to confirm", cp.run);
}

/*
 * The timer's wait: until the deadline, ending early when the run is confirmed (nothing left to do) or
 * when apply died before its run ended (an interrupted apply under --confirm is reverted at once).
 * Returns why the wait ended early by interruption, or NULL.
 */
static const char *wait_window(const struct sysroot *sr, const char *run, long until, pid_t watch, bool unless_confirmed)
{
	const struct timespec step = { 0, 200 * 1000 * 1000 };

	while (time(NULL) < until) {
		if (unless_confirmed && !confirm_pending(sr, run))
			return NULL;
		if (watch && !confirm_pid_alive(watch)) {
			if (!confirm_run_ended(sr, run))
				return "apply was interrupted before its run ended";
			watch = 0;
		}
		nanosleep(&step, NULL);
	}
	return NULL;
}

static int report_log_trouble(const struct revert_result *res)
{
	if (res->torn_tail)
		cli_warn("revert: the journal's last line is incomplete (apply was killed while journaling); its write "
			 "never started, ignoring it");
	if (!res->nbad)
		return 0;
	for (size_t i = 0; i < res->nbad && i < sizeof(res->bad_lines) / sizeof(res->bad_lines[0]); i++)
		cli_error("revert: corrupt record at '%s' line %d: skipped; check that value by hand", JOURNAL_PATH,
			  res->bad_lines[i]);
	return -EINVAL;
}

/* The boot configuration still holds the reverted parameters until it is regenerated. */
static int regen_boot(const struct sysroot *sr, bool run_it)
{
	struct plan p;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	tune_regen_command(sr, &p);
	if (p.bootloader_argv && run_it && sr->live) {
		rc = run_argv(p.bootloader_argv);
		if (rc != 0)
			cli_error("revert: '%s' failed (status %d): the boot configuration is stale", p.bootloader_argv[0], rc);
	} else if (p.bootloader_argv) {
		printf("boot files restored: run");
		for (char **v = p.bootloader_argv; *v; v++)
			printf(" %s", *v);
		printf(" so the next boot uses them (or pass --update-bootloader)\n");
	}
	plan_free(&p);
	return rc == 0 ? 0 : -EIO;
}

int cli_revert_run(const struct sysroot *sr, const char *run, bool through, bool update_bootloader)
{
	struct revert_result res;
	int rc = tuners_revert(sr, run, through, &res), bad;

	if (rc == -EBUSY && res.stage && !strcmp(res.stage, "newer")) {
		cli_error("revert: run %s is older than run %s, still applied over it: alone it would restore its old "
			  "values under the newer run's; revert %s first (--run %s), or every run with plain `tickready revert`",
			  run, res.failed_target, res.failed_target, res.failed_target);
		free(res.failed_target);
		return EXIT_ERROR;
	}
	if (rc < 0 && strcmp(res.stage, "restore")) {
		cli_error("revert: cannot %s the journal '%s': %s", res.stage, JOURNAL_PATH, state_strerror(rc));
		return EXIT_ERROR;
	}
	bad = report_log_trouble(&res);
	if (!res.runs && !rc) {
		printf("nothing to revert: %s\n", run ? "that run is reverted or not in the journal"
						    : res.had_writes ? "every run in the journal is already reverted"
								     : "the journal records no change");
		return bad ? EXIT_ERROR : EXIT_READY;
	}
	if (rc < 0) {
		cli_error("revert: cannot restore '%s': %s; %zu restored, %zu failed: the run stays in the journal, "
			  "run revert again once fixed", res.failed_target, sysroot_strerror(rc), res.restored, res.failed);
		free(res.failed_target);
		return EXIT_ERROR;
	}
	printf("reverted %zu run%s: %zu value%s restored\n", res.runs, res.runs == 1 ? "" : "s", res.restored,
	       res.restored == 1 ? "" : "s");
	free(res.failed_target);
	if (res.boot_touched && regen_boot(sr, update_bootloader) < 0)
		return EXIT_ERROR;
	return bad ? EXIT_ERROR : EXIT_READY;
}

int cmd_revert(int argc, char **argv)
{
	const char *root = "/", *run = NULL, *arg;
	bool unless_confirmed = false, update_bootloader = false;
	struct cli_parser p;
	struct sysroot sr;
	long after = 0, until = 0, watch = 0;
	const char *why = NULL;
	char because[96];
	pid_t holder;
	int c, rc, lock;

	cli_parser_init(&p, "revert", "",
			"Restores every value tickready apply changed, newest first, from the journal. Running it twice is "
			"harmless: the second time there is nothing to revert.",
			revert_opts, argc, argv);
	while ((c = cli_parser_next(&p, &arg)) != -1) {
		switch (c) {
		case CLI_HELP: return EXIT_READY;
		case OPT_ROOT: root = arg; break;
		case OPT_RUN: run = arg; break;
		case OPT_UNLESS_CONFIRMED: unless_confirmed = true; break;
		case OPT_UPDATE_BOOT: update_bootloader = true; break;
		case OPT_AFTER:
			if (parse_long(arg, &after) < 0 || after < 0 || after > 86400) {
				cli_error("revert: --after wants seconds, not '%s'", arg);
				return EXIT_ERROR;
			}
			break;
		case OPT_UNTIL:
			if (parse_long(arg, &until) < 0 || until < 0) {
				cli_error("revert: --until wants a time in epoch seconds, not '%s'", arg);
				return EXIT_ERROR;
			}
			break;
		case OPT_WATCH:
			if (parse_long(arg, &watch) < 0 || watch <= 0) {
				cli_error("revert: --watch wants a pid, not '%s'", arg);
				return EXIT_ERROR;
			}
			break;
		default: return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		cli_error("revert: unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	if (unless_confirmed && !run) {
		cli_error("revert: --unless-confirmed needs --run");
		return EXIT_ERROR;
	}
	if (cli_open_root(&sr, root) < 0)
		return EXIT_ERROR;
	if (after)
		until = (long)time(NULL) + after;
	why = wait_window(&sr, run, until, (pid_t)watch, unless_confirmed);
	if (unless_confirmed && !confirm_pending(&sr, run)) {
		sysroot_close(&sr);
		return EXIT_READY;
	}
	/* The timer must not give up because an apply holds the lock at its deadline: it waits (up to 10 min). */
	lock = cli_lock(&sr, "revert", unless_confirmed ? 600 * 1000 : 0, &holder);
	if (lock < 0) {
		if (unless_confirmed)
			confirm_log(&sr, "run %s NOT reverted: the lock stayed held (pid %ld); revert it by hand", run,
				    (long)holder);
		sysroot_close(&sr);
		return EXIT_ERROR;
	}
	/* Confirmed (or superseded) while the timer waited for the lock: keep it. */
	if (unless_confirmed && !confirm_pending(&sr, run)) {
		state_unlock(lock);
		sysroot_close(&sr);
		return EXIT_READY;
	}
	/* The timer reverts unattended: a stale boot configuration would bring the parameters back. */
	/* The timer's run goes with every run applied on top of it, newest first: it was never confirmed. */
	rc = cli_revert_run(&sr, run, unless_confirmed, update_bootloader || unless_confirmed);
	if (!unless_confirmed && rc == EXIT_READY)
		settle_pending(&sr);
	if (unless_confirmed) {
		if (rc == EXIT_READY)
			confirm_pending_remove(&sr);
		if (!why) {
			time_t t = (time_t)until;
			struct tm tm;

			strftime(because, sizeof(because), "not confirmed by its deadline (%Y-%m-%dT%H:%M:%SZ)", gmtime_r(&t, &tm));
			why = because;
		}
		confirm_log(&sr, rc == EXIT_READY ? "run %s reverted: %s"
						  : "run %s: revert FAILED (%s); run `tickready revert` by hand",
			    run, why);
	}
	state_unlock(lock);
	sysroot_close(&sr);
	return rc;
}
