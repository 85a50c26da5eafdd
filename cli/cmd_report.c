/* tickready report: one readiness document (tickready.report/1) and its renderings; --fleet summarises many. */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "formats.h"
#include "report_cli.h"
#include "report_doc.h"
#include "report_fleet.h"
#include "util.h"

enum {
	OPT_ROOT = 'r', OPT_PROFILE = 'p', OPT_FORMAT = 'f', OPT_QUIET = 'q', OPT_STRICT = 256, OPT_VERIFY, OPT_VERIFY_FROM,
	OPT_VERIFY_DURATION, OPT_RESERVE, OPT_FROM, OPT_FLEET, OPT_STALE,
	OPT_APP_CONFIG, OPT_APP_EAL, OPT_APP_TELEMETRY, OPT_APP_PID, OPT_APP_WINDOW, OPT_APP,
	OPT_FILE = 512,		/* + the row of out_formats: --json, --html, --prom, --junit */
};

/* The options before and after the formats' file options (--json FILE ...), which come from out_formats. */
static const struct cli_opt opts_head[] = {
	{ "root", "DIR", OPT_ROOT, "report on the tree under DIR (a capture or fixture) instead of /" },
	{ "profile", "NAME|PATH", OPT_PROFILE, "profile to judge against (default " PROFILE_DEFAULT ")" },
	{ "format", NULL, OPT_FORMAT, "what goes to standard output (default text: a summary)" },
	{ "quiet", NULL, OPT_QUIET, "text: only failures and pending reboot, then the verdict and counts" },
	{ "strict", NULL, OPT_STRICT, "warnings count as failures" },
	{ NULL, NULL, 0, NULL },
};
static const struct cli_opt opts_tail[] = {
	{ "verify", "MODE", OPT_VERIFY, "run tickready verify --mode MODE and include its result (live host only)" },
	{ "verify-from", "FILE", OPT_VERIFY_FROM, "include a saved `tickready verify --format json` result" },
	{ "verify-duration", "SECONDS", OPT_VERIFY_DURATION, "with --verify: its --duration" },
	{ "reserve", NULL, OPT_RESERVE, "with --verify: let verify raise the hugepage pool for the run" },
	{ "from", "FILE", OPT_FROM, "render a saved report (JSON) instead of gathering one" },
	{ "fleet", "DIR", OPT_FLEET, "summarise the report files (*.json) in DIR: one row per host" },
	{ "stale-after", "HOURS", OPT_STALE, "with --fleet: reports older than this are stale (default 24)" },
	APP_CLI_OPTS(OPT_APP_CONFIG),
	{ NULL, NULL, 0, NULL },
};

struct outputs {
	const struct out_format *format;	/* to standard output */
	struct out_opts opts;
	const char *dest[OUT_FORMATS];		/* --NAME ARG of out_formats' row i */
};

/* Every destination is checked before anything is gathered or written. */
static int check_dir(const char *what, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK) < 0) {
		cli_error("report: %s: cannot write into '%s': %s", what, dir,
			  errno ? strerror(errno) : "not a directory");
		return -1;
	}
	return 0;
}

static int check_file(const char *what, const char *path)
{
	char *copy = xstrdup(path);
	struct stat st;
	int rc;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		cli_error("report: %s: '%s' is a directory", what, path);
		free(copy);
		return -1;
	}
	errno = 0;
	rc = check_dir(what, dirname(copy));
	free(copy);
	return rc;
}

struct doc_out {
	doc_writer write;
	const json_t *doc;
	const struct out_opts *opts;
};

static int write_doc(FILE *f, const void *arg)
{
	const struct doc_out *d = arg;

	return d->write(f, d->doc, d->opts);
}

/* Every file option given, in the table's order, then standard output. Returns -1 when a file could not be written. */
static int emit(const json_t *doc, enum out_doc kind, const char *prefix, const struct outputs *o)
{
	int bad = 0;

	for (size_t i = 0; out_formats[i].name; i++) {
		const struct out_format *f = &out_formats[i];
		struct doc_out d = { out_doc_writer(f, kind), doc, &o->opts };
		char *path;
		int rc;

		if (!o->dest[i] || !d.write)
			continue;
		path = f->in_dir ? xasprintf("%s/%s", o->dest[i], f->in_dir) : xstrdup(o->dest[i]);
		if ((rc = write_atomic(path, write_doc, &d)) < 0) {
			cli_error("report: cannot write %s%s '%s': %s", prefix, f->what, path, strerror(-rc));
			bad = -1;
		}
		free(path);
	}
	out_doc_writer(o->format, kind)(stdout, doc, &o->opts);
	return bad;
}

static int emit_report(const json_t *doc, const struct outputs *o)
{
	if (emit(doc, OUT_REPORT, "", o) < 0)
		return EXIT_ERROR;
	return !strcmp(rj_str(doc, "verdict"), "not-ready") ? EXIT_NOT_READY : EXIT_READY;
}

static int run_fleet(const char *dir, double stale_hours, const struct outputs *o)
{
	char err[512];
	json_t *fleet;
	int rc;

	rc = fleet_load(dir, (long)(stale_hours * 3600), time(NULL), &fleet, err, sizeof(err));
	if (rc < 0) {
		cli_error("report: %s", err);
		return EXIT_ERROR;
	}
	rc = emit(fleet, OUT_FLEET, "fleet ", o) < 0 ? EXIT_ERROR : EXIT_READY;
	if (!rc && rj_int(json_object_get(fleet, "summary"), "not_ready", 0))
		rc = EXIT_NOT_READY;
	json_decref(fleet);
	return rc;
}

/* A --fleet run was given a file option whose format has no fleet page; says which ones it writes. */
static bool fleet_refuses(const struct outputs *o)
{
	char can[128];
	size_t len = 0;

	can[0] = '\0';
	for (size_t i = 0; out_formats[i].name; i++)
		if (out_formats[i].fleet && out_formats[i].arg && len < sizeof(can))
			len += snprintf(can + len, sizeof(can) - len, "%s--%s", len ? " and " : "", out_formats[i].name);
	for (size_t i = 0; out_formats[i].name; i++)
		if (o->dest[i] && !out_formats[i].fleet) {
			cli_error("report: --fleet writes %s only, not --%s", can, out_formats[i].name);
			return true;
		}
	return false;
}

/* The options: opts_head, a --NAME ARG per format that has a file, opts_tail. */
static void report_options(struct cli_opt *opts, char *format_arg, size_t size)
{
	size_t n = 0;

	for (const struct cli_opt *h = opts_head; h->name; h++) {
		opts[n] = *h;
		if (h->key == OPT_FORMAT)
			opts[n].arg = out_format_choices(OUT_REPORT, true, format_arg, size);
		n++;
	}
	for (size_t i = 0; out_formats[i].name; i++)
		if (out_formats[i].arg)
			opts[n++] = (struct cli_opt){ out_formats[i].name, out_formats[i].arg, OPT_FILE + (int)i, out_formats[i].help };
	for (const struct cli_opt *t = opts_tail; t->name; t++)
		opts[n++] = *t;
	opts[n] = (struct cli_opt){ NULL, NULL, 0, NULL };
}

int cmd_report(int argc, char **argv)
{
	struct report_args a = { .root = "/" };
	struct outputs o = { 0 };
	const char *arg, *from = NULL, *fleet = NULL, *stale = "24", *format = "text";
	struct cli_opt opts[CLI_MAX_OPTS + 1];
	char format_arg[64], choices[64];
	struct cli_parser p;
	char err[512];
	double stale_h;
	json_t *doc;
	char *end;
	int c, rc;

	report_options(opts, format_arg, sizeof(format_arg));
	cli_parser_init(&p, "report", "",
			"Gathers audit, apply status, the plan and optionally verify into one tickready.report/1 document and "
			"writes it as text, JSON, HTML, a Prometheus textfile or JUnit XML.",
			opts, argc, argv);
	rc = -1;
	while (rc < 0 && (c = cli_parser_next(&p, &arg)) != -1) {
		switch (c) {
		case CLI_HELP: rc = EXIT_READY; break;
		case OPT_ROOT: a.root = arg; break;
		case OPT_PROFILE: a.profile = arg; break;
		case OPT_FORMAT: format = arg; break;
		case OPT_QUIET: o.opts.quiet = true; break;
		case OPT_STRICT: a.strict = true; break;
		case OPT_VERIFY: a.verify_mode = arg; break;
		case OPT_VERIFY_FROM: a.verify_from = arg; break;
		case OPT_VERIFY_DURATION: a.verify_duration = arg; break;
		case OPT_RESERVE: a.reserve = true; break;
		case OPT_FROM: from = arg; break;
		case OPT_FLEET: fleet = arg; break;
		case OPT_STALE: stale = arg; break;
		case OPT_APP_CONFIG ... OPT_APP: app_inputs_option(&a.app, c - OPT_APP_CONFIG, arg); break;
		default:
			if (c >= OPT_FILE && c < OPT_FILE + OUT_FORMATS)
				o.dest[c - OPT_FILE] = arg;
			else
				rc = EXIT_ERROR;
		}
	}
	if (rc >= 0)
		return rc;
	if (optind < argc) {
		cli_error("report: unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	if (!(o.format = out_format_stdout(format, OUT_REPORT))) {
		cli_error("report: unknown format '%s' (%s)", format, out_format_choices(OUT_REPORT, false, choices, sizeof(choices)));
		return EXIT_ERROR;
	}
	stale_h = strtod(stale, &end);
	if (*end || end == stale || !(stale_h > 0)) {
		cli_error("report: --stale-after '%s' is not a positive number of hours", stale);
		return EXIT_ERROR;
	}
	if ((a.verify_mode && a.verify_from) || (from && fleet)) {
		cli_error("report: %s", from && fleet ? "--from and --fleet exclude each other"
						       : "--verify and --verify-from exclude each other");
		return EXIT_ERROR;
	}
	if (a.verify_mode && strcmp(a.root, "/")) {
		cli_error("report: --verify measures the live host; with --root use --verify-from FILE");
		return EXIT_ERROR;
	}
	if ((from || fleet) && (a.verify_mode || a.verify_from)) {
		cli_error("report: --verify and --verify-from gather; --from and --fleet read saved reports");
		return EXIT_ERROR;
	}
	if (fleet && fleet_refuses(&o))
		return EXIT_ERROR;
	for (size_t i = 0; out_formats[i].name; i++) {
		char *opt = xasprintf("--%s", out_formats[i].name);

		rc = o.dest[i] && (out_formats[i].in_dir ? check_dir(opt, o.dest[i]) : check_file(opt, o.dest[i]));
		free(opt);
		if (rc)
			return EXIT_ERROR;
	}
	if (fleet)
		return run_fleet(fleet, stale_h, &o);
	if (from) {
		if (rdoc_load(from, &doc, err, sizeof(err)) < 0) {
			cli_error("report: %s", err);
			return EXIT_ERROR;
		}
	} else {
		rc = report_gather(&a, &doc);
		app_inputs_free(&a.app);
		if (rc)
			return rc;
	}
	rc = emit_report(doc, &o);
	json_decref(doc);
	return rc;
}
