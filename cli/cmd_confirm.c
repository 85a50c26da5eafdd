/* tickready confirm: keep a run applied with --confirm; without it the run is reverted at the deadline. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "journal.h"

enum { OPT_ROOT = 'r', OPT_FORCE = 256 };

static const struct cli_opt confirm_opts[] = {
	{ "root", "DIR", OPT_ROOT, "confirm in the tree under DIR instead of /" },
	{ "force", NULL, OPT_FORCE, "confirm even from the session that applied" },
	{ NULL, NULL, 0, NULL },
};

int cmd_confirm(int argc, char **argv)
{
	const char *root = "/", *arg;
	bool force = false;
	long sid;
	struct cli_parser p;
	struct sysroot sr;
	char run[128];
	int c, rc, fd, once;

	cli_parser_init(&p, "confirm", "tickready confirm [--root DIR] [--force]",
			"Confirms the run applied with `apply --confirm SECONDS`; run it from a new session to prove the "
			"host is still reachable.",
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
	rc = sysroot_open(&sr, root);
	if (rc < 0) {
		cli_error("cannot use root '%s': %s", root, strerror(-rc));
		return EXIT_ERROR;
	}
	/* After apply --once's one-time boot: its parameters become the default. */
	once = once_confirm(&sr);
	if (confirm_pending_read(&sr, run, sizeof(run), &sid) < 0) {
		if (once < 0)
			puts("nothing to confirm: no run is waiting for confirmation");
		sysroot_close(&sr);
		return once < 0 ? EXIT_READY : once;
	}
	if (sid >= 0 && sid == (long)getsid(0) && !force) {
		cli_error("confirm: run it from a new login session (ssh in again): that is what proves the host is still "
			  "reachable; --force confirms from this one");
		sysroot_close(&sr);
		return EXIT_ERROR;
	}
	fd = sysroot_openat(&sr, JOURNAL_DIR, O_PATH | O_DIRECTORY, 0);
	rc = fd < 0 ? fd : (unlinkat(fd, "confirm-pending", 0) < 0 ? -errno : 0);
	if (fd >= 0)
		close(fd);
	sysroot_close(&sr);
	if (rc < 0) {
		cli_error("confirm: cannot remove '%s/confirm-pending': %s", JOURNAL_DIR, strerror(-rc));
		return EXIT_ERROR;
	}
	printf("confirmed run %s: it stays applied\n", run);
	if (sysroot_open(&sr, root) == 0) {
		confirm_log(&sr, "run %s confirmed: it stays applied", run);
		sysroot_close(&sr);
	}
	return EXIT_READY;
}
