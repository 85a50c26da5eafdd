/* tickready report: one readiness document (tickready.report/1) and its renderings; --fleet summarises many. */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "report_cli.h"
#include "report_doc.h"
#include "report_fleet.h"
#include "util.h"

enum {
	OPT_ROOT = 'r', OPT_PROFILE = 'p', OPT_FORMAT = 'f', OPT_STRICT = 256, OPT_HTML, OPT_PROM, OPT_JUNIT, OPT_VERIFY,
	OPT_VERIFY_FROM, OPT_VERIFY_DURATION, OPT_RESERVE, OPT_FROM, OPT_FLEET, OPT_STALE, OPT_JSON,
};

static const struct cli_opt report_opts[] = {
	{ "root", "DIR", OPT_ROOT, "report on the tree under DIR (a capture or fixture) instead of /" },
	{ "profile", "NAME|PATH", OPT_PROFILE, "profile to judge against (default " PROFILE_DEFAULT ")" },
	{ "format", "text|json|none", OPT_FORMAT, "what goes to standard output (default text: a summary)" },
	{ "strict", NULL, OPT_STRICT, "warnings count as failures" },
	{ "json", "FILE", OPT_JSON, "write the JSON document to FILE" },
	{ "html", "FILE", OPT_HTML, "write the self-contained HTML page to FILE" },
	{ "prom", "DIR", OPT_PROM, "write DIR/tickready.prom for node_exporter's textfile collector" },
	{ "junit", "FILE", OPT_JUNIT, "write JUnit XML to FILE: one testcase per check and verify target" },
	{ "verify", "MODE", OPT_VERIFY, "run tickready verify --mode MODE and include its result (live host only)" },
	{ "verify-from", "FILE", OPT_VERIFY_FROM, "include a saved `tickready verify --format json` result" },
	{ "verify-duration", "SECONDS", OPT_VERIFY_DURATION, "with --verify: its --duration" },
	{ "reserve", NULL, OPT_RESERVE, "with --verify: let verify raise the hugepage pool for the run" },
	{ "from", "FILE", OPT_FROM, "render a saved report (JSON) instead of gathering one" },
	{ "fleet", "DIR", OPT_FLEET, "summarise the report files (*.json) in DIR: one row per host" },
	{ "stale-after", "HOURS", OPT_STALE, "with --fleet: reports older than this are stale (default 24)" },
	{ NULL, NULL, 0, NULL },
};

struct outputs {
	const char *format, *json, *html, *prom, *junit;
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

static int write_file(const char *what, const char *path, int (*fn)(FILE *, const void *), const json_t *doc)
{
	int rc = write_atomic(path, fn, doc);

	if (rc < 0) {
		cli_error("report: cannot write %s '%s': %s", what, path, strerror(-rc));
		return -1;
	}
	return 0;
}

static int w_json(FILE *f, const void *d)
{
	int rc = json_dumpf(d, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	fputc('\n', f);
	return rc < 0 || ferror(f) ? -EIO : 0;
}
static int w_html(FILE *f, const void *d) { return rdoc_write_html(f, d); }
static int w_prom(FILE *f, const void *d) { return rdoc_write_prom(f, d); }
static int w_junit(FILE *f, const void *d) { return rdoc_write_junit(f, d); }
static int w_fleet(FILE *f, const void *d) { return fleet_write_html(f, d); }

static int emit_report(const json_t *doc, const struct outputs *o)
{
	char *prom = o->prom ? xasprintf("%s/tickready.prom", o->prom) : NULL;
	int bad = 0;

	if (o->json)
		bad |= write_file("JSON", o->json, w_json, doc);
	if (o->html)
		bad |= write_file("HTML", o->html, w_html, doc);
	if (prom)
		bad |= write_file("Prometheus textfile", prom, w_prom, doc);
	if (o->junit)
		bad |= write_file("JUnit XML", o->junit, w_junit, doc);
	free(prom);
	if (!strcmp(o->format, "json")) {
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else if (!strcmp(o->format, "text")) {
		rdoc_write_text(stdout, doc);
	}
	if (bad)
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
	rc = (o->html && write_file("fleet HTML", o->html, w_fleet, fleet) < 0) ||
	     (o->json && write_file("fleet JSON", o->json, w_json, fleet) < 0) ? EXIT_ERROR : EXIT_READY;
	if (!strcmp(o->format, "json")) {
		json_dumpf(fleet, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else if (!strcmp(o->format, "text")) {
		fleet_write_text(stdout, fleet);
	}
	if (!rc && rj_int(json_object_get(fleet, "summary"), "not_ready", 0))
		rc = EXIT_NOT_READY;
	json_decref(fleet);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	struct report_args a = { .root = "/" };
	struct outputs o = { .format = "text" };
	const char *arg, *from = NULL, *fleet = NULL, *stale = "24";
	struct cli_parser p;
	char err[512];
	double stale_h;
	json_t *doc;
	char *end;
	int c, rc;

	cli_parser_init(&p, "report",
			"tickready report [--root DIR] [--profile P] [--format text|json|none] [--json FILE] [--html FILE] [--prom DIR] "
			"[--junit FILE] [--verify MODE | --verify-from FILE] [--from REPORT.json] [--fleet DIR [--stale-after HOURS]]",
			"Gathers audit, apply status, the plan and optionally verify into one tickready.report/1 document and "
			"writes it as text, JSON, HTML, a Prometheus textfile or JUnit XML.",
			report_opts, argc, argv);
	while ((c = cli_parser_next(&p, &arg)) != -1) {
		switch (c) {
		case CLI_HELP: return EXIT_READY;
		case OPT_ROOT: a.root = arg; break;
		case OPT_PROFILE: a.profile = arg; break;
		case OPT_FORMAT: o.format = arg; break;
		case OPT_STRICT: a.strict = true; break;
		case OPT_JSON: o.json = arg; break;
		case OPT_HTML: o.html = arg; break;
		case OPT_PROM: o.prom = arg; break;
		case OPT_JUNIT: o.junit = arg; break;
		case OPT_VERIFY: a.verify_mode = arg; break;
		case OPT_VERIFY_FROM: a.verify_from = arg; break;
		case OPT_VERIFY_DURATION: a.verify_duration = arg; break;
		case OPT_RESERVE: a.reserve = true; break;
		case OPT_FROM: from = arg; break;
		case OPT_FLEET: fleet = arg; break;
		case OPT_STALE: stale = arg; break;
		default: return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		cli_error("report: unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	if (strcmp(o.format, "text") && strcmp(o.format, "json") && strcmp(o.format, "none")) {
		cli_error("report: unknown format '%s' (text, json or none)", o.format);
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
	if ((fleet && (o.prom || o.junit)) || ((from || fleet) && (a.verify_mode || a.verify_from))) {
		cli_error("report: %s", fleet && (o.prom || o.junit) ? "--fleet writes HTML and JSON only"
								: "--verify and --verify-from gather; --from and --fleet read saved reports");
		return EXIT_ERROR;
	}
	if ((o.json && check_file("--json", o.json)) || (o.html && check_file("--html", o.html)) || (o.junit && check_file("--junit", o.junit)) ||
	    (o.prom && check_dir("--prom", o.prom)))
		return EXIT_ERROR;
	if (fleet)
		return run_fleet(fleet, stale_h, &o);
	if (from) {
		if (rdoc_load(from, &doc, err, sizeof(err)) < 0) {
			cli_error("report: %s", err);
			return EXIT_ERROR;
		}
	} else if ((rc = report_gather(&a, &doc))) {
		return rc;
	}
	rc = emit_report(doc, &o);
	json_decref(doc);
	return rc;
}
