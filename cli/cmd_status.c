/* tickready status: what tickready has applied here, each knob wanted / staged / live, and its verdict. */
#include <string.h>

#include "cli.h"
#include "journal.h"
#include "state.h"
#include "texttable.h"

enum { OPT_ROOT = 'r', OPT_FORMAT = 'f' };

static const struct cli_opt status_opts[] = {
	{ "root", "DIR", OPT_ROOT, "look at the tree under DIR instead of /" },
	{ "format", "text|json", OPT_FORMAT, "output format (default text)" },
	{ NULL, NULL, 0, NULL },
};

static const char *or_dash(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

/* The text view of a tickready.status/1 document. */
static void print_text(const json_t *doc)
{
	const json_t *runs = json_object_get(doc, "runs"), *run, *it, *sum = json_object_get(doc, "summary");
	const char *confirm = json_string_value(json_object_get(doc, "confirm_pending"));
	const char *once = json_string_value(json_object_get(doc, "once_pending"));
	/* A path widens its column up to 72; a value wider than its column wraps inside it. */
	static const struct tt_col cols[] = {
		{ "VERDICT", 15, 15 }, { "TARGET", 46, 72 }, { "WANTED", 20, 32 }, { "STAGED", 20, 32 }, { "LIVE", 0, 0 },
	};
	struct text_table t;
	size_t i, j;

	printf("tickready status: root %s\n", or_dash(doc, "root"));
	if (json_is_object(json_object_get(doc, "active_profile")))
		printf("active profile: %s (applied by run %s)\n", or_dash(json_object_get(doc, "active_profile"), "profile"),
		       or_dash(json_object_get(doc, "active_profile"), "run"));
	else
		printf("active profile: none (builtin default %s)\n", PROFILE_DEFAULT);
	json_array_foreach(runs, i, run) {
		printf("run %s: profile %s, %s\n", or_dash(run, "run"),
		       json_is_string(json_object_get(run, "profile")) ? or_dash(run, "profile") : "?", or_dash(run, "started"));
		tt_init(&t, cols, sizeof(cols) / sizeof(cols[0]));
		json_array_foreach(json_object_get(run, "items"), j, it)
			tt_row(&t, (const char *[]){ or_dash(it, "verdict"), or_dash(it, "target"), or_dash(it, "wanted"),
						    or_dash(it, "staged"), or_dash(it, "live") });
		tt_print(&t, stdout, "  ");
		tt_free(&t);
	}
	if (!json_array_size(runs))
		puts("nothing applied: the journal holds no run that is not reverted");
	else
		printf("summary: %d pass, %d fail, %d pending-reboot, %d unsupported\n",
		       (int)json_integer_value(json_object_get(sum, "pass")), (int)json_integer_value(json_object_get(sum, "fail")),
		       (int)json_integer_value(json_object_get(sum, "pending_reboot")),
		       (int)json_integer_value(json_object_get(sum, "unsupported")));
	if (confirm && strcmp(or_dash(doc, "confirm_state"), "waiting"))
		printf("NOT GUARDED: run %s was never confirmed and %s: the next apply, confirm or boot reverts it "
		       "(`tickready revert --run %s` does it now)\n", confirm, or_dash(doc, "confirm_state_text"), confirm);
	else if (confirm)
		printf("waiting for confirmation: run %s is reverted at its deadline unless `tickready confirm` runs "
		       "(from a new session)\n", confirm);
	if (once)
		printf("one-time boot staged: run %s; after that boot, `tickready confirm` makes its parameters the "
		       "default\n", once);
}

int cmd_status(int argc, char **argv)
{
	const char *root = "/", *format = "text", *arg;
	struct cli_parser p;
	struct sysroot sr;
	struct host host;
	struct jlog log;
	json_t *doc;
	int c, rc;

	cli_parser_init(&p, "status", "",
			"Lists what tickready apply changed and has not reverted: for each knob the wanted value, what is "
			"staged for the next boot and what is live now.",
			status_opts, argc, argv);
	while ((c = cli_parser_next(&p, &arg)) != -1) {
		switch (c) {
		case CLI_HELP: return EXIT_READY;
		case OPT_ROOT: root = arg; break;
		case OPT_FORMAT: format = arg; break;
		default: return EXIT_ERROR;
		}
	}
	if (optind < argc || (strcmp(format, "text") && strcmp(format, "json"))) {
		cli_error("status: %s '%s'", optind < argc ? "unexpected argument" : "unknown format",
			  optind < argc ? argv[optind] : format);
		return EXIT_ERROR;
	}
	if (cli_open_root(&sr, root) < 0)
		return EXIT_ERROR;
	rc = journal_load(&sr, &log);
	if (rc < 0) {
		cli_error("status: cannot read the journal '%s': %s", JOURNAL_PATH, state_strerror(rc));
		sysroot_close(&sr);
		return EXIT_ERROR;
	}
	host_load(&host, &sr);
	doc = status_collect(&sr, &host, &log);
	/* A journal with lines no one can read does not say "nothing applied": the JSON says how many. */
	if (log.nbad) {
		json_t *lines = json_array();

		for (size_t i = 0; i < log.nbad && i < sizeof(log.bad_lines) / sizeof(log.bad_lines[0]); i++)
			json_array_append_new(lines, json_integer(log.bad_lines[i]));
		json_object_set_new(doc, "corrupt_lines", json_integer((json_int_t)log.nbad));
		json_object_set_new(doc, "first_corrupt_lines", lines);
	}
	if (!strcmp(format, "json")) {
		json_dumpf(doc, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		print_text(doc);
	}
	rc = json_integer_value(json_object_get(json_object_get(doc, "summary"), "fail")) ? EXIT_NOT_READY : EXIT_READY;
	if (log.nbad) {
		cli_error("status: %zu corrupt line%s in '%s' (first at line %d): what it shows may be incomplete; "
			  "`tickready revert` restores what it can read and names the rest",
			  log.nbad, log.nbad == 1 ? "" : "s", JOURNAL_PATH, log.bad_lines[0]);
		rc = EXIT_ERROR;
	}
	json_decref(doc);
	host_free(&host);
	jlog_free(&log);
	sysroot_close(&sr);
	return rc;
}
