/* tickready: one table of subcommands; each parses its own options in cli/cmd_NAME.c. */
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "audit", cmd_audit, "inspect this host (or a --root tree) against a profile; read-only" },
	{ "checks", cmd_checks, "list every check: id, area, title, what it reads" },
	{ "capture", cmd_capture, "snapshot the files audit reads, for offline audit or support" },
	{ "apply", cmd_apply, "bring this host (or a --root tree) to a profile; journaled, reversible" },
	{ "revert", cmd_revert, "restore every value apply changed, newest first" },
	{ "status", cmd_status, "what apply changed: wanted, staged and live values" },
	{ "confirm", cmd_confirm, "keep a run applied with apply --confirm" },
	{ "verify", cmd_verify, "prove with packets (DPDK poller) that the host meets its profile's latency targets" },
	{ "report", cmd_report, "one readiness report (audit, status, plan, verify) as text, JSON, HTML, Prometheus, JUnit" },
	{ "diff", cmd_diff, "what differs between two reports or capture trees: findings, inventory, verify" },
	{ "profile", cmd_profile, "list, show (resolved for a host), check profiles; list their keys" },
	{ "watch", cmd_watch, "report, every interval, what touches the isolated cpus: interrupts, threads, IRQ moves, THP/KSM" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	fputs("usage: tickready COMMAND [OPTIONS]\n\ncommands:\n", out);
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->help);
	fputs("\n`tickready help COMMAND` or `tickready COMMAND --help` shows a command's options. Exit status: 0 ready, 1 not ready, 2 error.\n",
	      out);
}

/* A report cut short by a full disk or a closed pipe must not exit 0 (git's run_builtin). */
static int finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("write error on standard output: %s", strerror(errno));
		return EXIT_ERROR;
	}
	return rc;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;

	/* Only this thread prints (host_load's helper only reads files): a report's many small writes take no lock. */
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);
	__fsetlocking(stderr, FSETLOCKING_BYCALLER);
	if (!name) {
		usage(stderr);
		return EXIT_ERROR;
	}
	/* help COMMAND is COMMAND --help: each command prints its own usage from its option table. */
	if (!strcmp(name, "help") && argc > 2) {
		char *help_argv[] = { argv[2], "--help", NULL };

		if (argc > 3) {
			cli_error("help: one command, got %d", argc - 2);
			return EXIT_ERROR;
		}
		for (const struct command *c = commands; c->name; c++)
			if (!strcmp(c->name, argv[2]))
				return finish_stdout(c->run(2, help_argv));
		cli_error("help: unknown command '%s'", argv[2]);
		usage(stderr);
		return EXIT_ERROR;
	}
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return finish_stdout(EXIT_READY);
	}
	if (!strcmp(name, "--version")) {
		printf("tickready %s\n", TICKREADY_VERSION);
		return finish_stdout(EXIT_READY);
	}
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return finish_stdout(c->run(argc - 1, argv + 1));
	cli_error("unknown command '%s'", name);
	usage(stderr);
	return EXIT_ERROR;
}
