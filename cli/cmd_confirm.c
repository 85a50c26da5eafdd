/* tickready confirm: keep a run applied with --confirm; without it the run is reverted at the deadline. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "journal.h"
#include "state.h"

enum { OPT_ROOT = 'r', OPT_FORCE = 256 };

static const struct cli_opt confirm_opts[] = {
	{ "root", "DIR", OPT_ROOT, "confirm in the tree under DIR instead of /" },
	{ "force", NULL, OPT_FORCE, "confirm even from the session that applied" },
	{ NULL, NULL, 0, NULL },
};

/* The run was pending before we waited for the lock, and no longer is: say what became of it. */
static int gone_meanwhile(const struct sysroot *sr, const char *run)
{
	struct jlog log;
	bool reverted;

	if (journal_load(sr, &log) < 0) {
		printf("run %s is no longer waiting for confirmation; see %s\n", run, CONFIRM_LOG);
		return EXIT_NOT_READY;
	}
	reverted = jlog_reverted(&log, run);
	jlog_free(&log);
	if (reverted) {
		printf("not confirmed: run %s was reverted at its deadline, while this confirm waited\n", run);
		return EXIT_NOT_READY;
	}
	printf("run %s is already confirmed: it stays applied\n", run);
	return EXIT_READY;
}

int cmd_confirm(int argc, char **argv)
{
	const char *root = "/", *arg;
	bool force = false;
	long sid;
	struct cli_parser p;
	struct sysroot sr;
	char run[128] = "", run2[128];
	pid_t holder;
	int c, rc, once, lock, pending;

	cli_parser_init(&p, "confirm", "",
			"Confirms the run applied with `apply --confirm SECONDS`; run it from a new session to prove the "
			"host is still reachable. After `apply --once`'s boot, makes its parameters the default.",
			confirm_opts, argc, argv);
	while ((c = cli_parser_next(&p, &arg)) != -1) {
		if (c == CLI_HELP)
			return EXIT_READY;
		if (c == OPT_FORCE)
			force = true;
		else if (c == OPT_ROOT)
			root = arg;
		else
			return EXIT_ERROR;
	}
	if (optind < argc) {
		cli_error("confirm: unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	if (cli_open_root(&sr, root) < 0)
		return EXIT_ERROR;
	/* Too late: the window was cut short or outlived its timer; what it promised, revert, happens now. */
	switch (confirm_recover(&sr, "confirm")) {
	case 1:
		puts("not confirmed: the run was reverted, as its window promised");
		sysroot_close(&sr);
		return EXIT_NOT_READY;
	case -1:
		sysroot_close(&sr);
		return EXIT_ERROR;
	}
	/* Nothing waiting: say so without touching the lock (works unprivileged too). */
	if (!sysroot_exists(&sr, ONCE_PENDING) && !sysroot_exists(&sr, CONFIRM_PENDING)) {
		puts("nothing to confirm: no run is waiting for confirmation");
		sysroot_close(&sr);
		return EXIT_READY;
	}
	/* Noted before waiting for the lock, to tell what became of it if the timer wins. */
	if (confirm_pending_read(&sr, run, sizeof(run), &sid) < 0)
		run[0] = '\0';
	/* Only a --confirm run races its timer; the once check alone leaves the tree as it is. */
	/* The timer may be reverting right now: wait for it (or an apply) rather than race it. */
	lock = sysroot_exists(&sr, CONFIRM_PENDING) ? cli_lock(&sr, "confirm", 60 * 1000, &holder) : -ENOENT;
	if (lock < 0 && lock != -ENOENT) {
		sysroot_close(&sr);
		return EXIT_ERROR;
	}
	pending = confirm_pending_read(&sr, run2, sizeof(run2), &sid);
	if (pending < 0 && pending != -ENOENT) {
		cli_error("confirm: cannot read '%s': %s; remove it, and `tickready revert` if the host misbehaves",
			  CONFIRM_PENDING, state_strerror(pending));
		rc = EXIT_ERROR;
		goto out;
	}
	if (pending == 0 && sid >= 0 && sid == (long)getsid(0) && !force) {
		cli_error("confirm: run it from a new login session (ssh in again): that is what proves the host is still "
			  "reachable; --force confirms from this one");
		rc = EXIT_ERROR;
		goto out;
	}
	/* After apply --once's one-time boot: its parameters become the default. */
	once = once_confirm(&sr);
	rc = once < 0 ? EXIT_READY : once;
	if (pending == -ENOENT) {
		if (run[0]) {
			int gone = gone_meanwhile(&sr, run);

			rc = gone > rc ? gone : rc;
		}
		goto out;
	}
	pending = confirm_pending_remove(&sr);
	if (pending < 0) {
		cli_error("confirm: cannot remove '%s': %s", CONFIRM_PENDING, state_strerror(pending));
		rc = EXIT_ERROR;
		goto out;
	}
	printf("confirmed run %s: it stays applied\n", run2);
	confirm_log(&sr, "run %s confirmed: it stays applied", run2);
out:
	state_unlock(lock);
	sysroot_close(&sr);
	return rc;
}
