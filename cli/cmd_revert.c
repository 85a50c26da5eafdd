/* tickready revert: replay the journal newest first, restoring every value apply changed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "journal.h"
#include "plan.h"
#include "util.h"

#define CONFIRM_PENDING JOURNAL_DIR "/confirm-pending"

enum { OPT_ROOT = 'r', OPT_RUN = 256, OPT_AFTER, OPT_UNLESS_CONFIRMED };

static const struct cli_opt revert_opts[] = {
	{ "root", "DIR", OPT_ROOT, "revert in the tree under DIR instead of /" },
	{ "run", "ID", OPT_RUN, "revert only this run (see `tickready status`)" },
	{ "after", "SECONDS", OPT_AFTER, "wait first (used by apply --confirm)" },
	{ "unless-confirmed", NULL, OPT_UNLESS_CONFIRMED, "do nothing if `tickready confirm` ran meanwhile" },
	{ NULL, NULL, 0, NULL },
};

/* Is run still waiting for `tickready confirm`? */
static bool confirm_pending(const struct sysroot *sr, const char *run)
{
	char buf[128];

	return sysroot_read_str(sr, CONFIRM_PENDING, buf, sizeof(buf)) == 0 && !strcmp(buf, run);
}

static int report_log_trouble(const struct jlog *log)
{
	if (log->torn_tail)
		cli_warn("revert: the journal's last line is incomplete (apply was killed while journaling); its write "
			 "never started, ignoring it");
	if (!log->nbad)
		return 0;
	for (size_t i = 0; i < log->nbad && i < sizeof(log->bad_lines) / sizeof(log->bad_lines[0]); i++)
		cli_error("revert: corrupt record at '%s' line %d: skipped; check that value by hand", JOURNAL_PATH,
			  log->bad_lines[i]);
	return -EINVAL;
}

static int do_revert(const struct sysroot *sr, const char *run)
{
	struct revert_result res;
	struct journal j;
	struct jlog log;
	bool log_had_writes = false;
	int rc, bad;

	rc = journal_load(sr, &log);
	if (rc < 0) {
		cli_error("revert: cannot read the journal '%s': %s", JOURNAL_PATH, strerror(-rc));
		return EXIT_ERROR;
	}
	bad = report_log_trouble(&log);
	for (size_t i = 0; i < log.n; i++)
		log_had_writes |= log.v[i].type == JR_WRITE;
	rc = journal_open(&j, sr);
	if (rc < 0) {
		cli_error("revert: cannot open the journal '%s': %s", JOURNAL_PATH, strerror(-rc));
		jlog_free(&log);
		return EXIT_ERROR;
	}
	rc = plan_revert(sr, &j, &log, run, &res);
	journal_close(&j);
	jlog_free(&log);
	if (!res.runs && !rc) {
		printf("nothing to revert: %s\n", run ? "that run is reverted or not in the journal"
						    : log_had_writes ? "every run in the journal is already reverted"
								     : "the journal records no change");
		return bad ? EXIT_ERROR : EXIT_READY;
	}
	if (rc < 0) {
		cli_error("revert: cannot restore '%s': %s; %zu restored, %zu failed: the run stays in the journal, "
			  "run revert again once fixed", res.failed_target, strerror(-rc), res.restored, res.failed);
		free(res.failed_target);
		return EXIT_ERROR;
	}
	printf("reverted %zu run%s: %zu value%s restored\n", res.runs, res.runs == 1 ? "" : "s", res.restored,
	       res.restored == 1 ? "" : "s");
	free(res.failed_target);
	return bad ? EXIT_ERROR : EXIT_READY;
}

static void remove_pending(const struct sysroot *sr)
{
	int fd = sysroot_openat(sr, JOURNAL_DIR, O_PATH | O_DIRECTORY, 0);

	if (fd >= 0) {
		unlinkat(fd, "confirm-pending", 0);
		close(fd);
	}
}

int cmd_revert(int argc, char **argv)
{
	const char *root = "/", *run = NULL, *arg;
	bool unless_confirmed = false;
	struct cli_parser p;
	struct sysroot sr;
	long after = 0;
	pid_t holder;
	int c, rc, lock;

	cli_parser_init(&p, "revert", "tickready revert [--root DIR] [--run ID]",
			"Restores every value tickready apply changed, newest first, from the journal. Running it twice is "
			"harmless: the second time there is nothing to revert.",
			revert_opts, argc, argv);
	while ((c = cli_parser_next(&p, &arg)) != -1) {
		switch (c) {
		case CLI_HELP: return EXIT_READY;
		case OPT_ROOT: root = arg; break;
		case OPT_RUN: run = arg; break;
		case OPT_UNLESS_CONFIRMED: unless_confirmed = true; break;
		case OPT_AFTER:
			if (parse_long(arg, &after) < 0 || after < 0 || after > 86400) {
				cli_error("revert: --after wants seconds, not '%s'", arg);
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
	rc = sysroot_open(&sr, root);
	if (rc < 0) {
		cli_error("cannot use root '%s': %s", root, strerror(-rc));
		return EXIT_ERROR;
	}
	if (after)
		sleep((unsigned)after);
	if (unless_confirmed && !confirm_pending(&sr, run)) {
		sysroot_close(&sr);
		return EXIT_READY;
	}
	lock = journal_lock(&sr, &holder);
	if (lock < 0) {
		if (lock == -EWOULDBLOCK)
			cli_error("another apply or revert holds '%s' (pid %ld): try again when it is done", JOURNAL_LOCK,
				  (long)holder);
		else
			cli_error("cannot take the lock '%s': %s", JOURNAL_LOCK, strerror(-lock));
		sysroot_close(&sr);
		return EXIT_ERROR;
	}
	rc = do_revert(&sr, run);
	if (unless_confirmed && rc == EXIT_READY)
		remove_pending(&sr);
	journal_unlock(lock);
	sysroot_close(&sr);
	return rc;
}
