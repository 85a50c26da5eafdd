/* tickready diff: two reports, or two capture trees audited now, compared host against host or before against after. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "formats.h"
#include "report_cli.h"
#include "report_diff.h"
#include "report_doc.h"

enum { OPT_PROFILE = 'p', OPT_FORMAT = 'f', OPT_HTML = 256 };

static const struct cli_opt diff_opts[] = {
	{ "profile", "NAME|PATH", OPT_PROFILE, "profile for trees (default " PROFILE_DEFAULT "); reports keep their own" },
	{ "format", NULL, OPT_FORMAT, "what goes to standard output (default text)" },
	{ "html", "FILE", OPT_HTML, "write the comparison as an HTML page" },
	{ NULL, NULL, 0, NULL },
};

/* A directory or a capture archive is a tree, audited now; anything else must be a report file. */
static int load_side(const char *path, const char *profile, json_t **doc)
{
	struct report_args a = { .root = path, .profile = profile };
	struct stat st;
	char err[512];

	if ((stat(path, &st) == 0 && S_ISDIR(st.st_mode)) || cli_root_is_archive(path))
		return report_gather(&a, doc);
	if (rdoc_load(path, doc, err, sizeof(err)) < 0) {
		cli_error("diff: %s", err);
		return EXIT_ERROR;
	}
	return 0;
}

static int w_html(FILE *f, const void *d) { return out_format_named("html")->diff(f, d, &(struct out_opts){ 0 }); }

int cmd_diff(int argc, char **argv)
{
	const char *profile = NULL, *format = "text", *html = NULL, *arg;
	const struct out_format *out;
	json_t *a = NULL, *b = NULL, *d;
	struct cli_opt opts[sizeof(diff_opts) / sizeof(diff_opts[0])];
	char bar[64], choices[64];
	struct cli_parser p;
	int c, rc;

	memcpy(opts, diff_opts, sizeof(opts));
	opts[1].arg = out_format_choices(OUT_DIFF, true, bar, sizeof(bar));
	cli_parser_init(&p, "diff", "A B",
			"Compares two reports (tickready report --format json) or two capture trees or archives: findings, inventory and "
			"verify figures. Exit 0 when they agree, 1 when they differ, 2 on error.",
			opts, argc, argv);
	rc = -1;
	while (rc < 0 && (c = cli_parser_next(&p, &arg)) != -1) {
		switch (c) {
		case CLI_HELP: rc = EXIT_READY; break;
		case OPT_PROFILE: profile = arg; break;
		case OPT_FORMAT: format = arg; break;
		case OPT_HTML: html = arg; break;
		default: rc = EXIT_ERROR;
		}
	}
	if (rc >= 0)
		return rc;
	if (argc - optind != 2) {
		cli_error("diff: needs two reports or trees, got %d", argc - optind);
		return EXIT_ERROR;
	}
	if (!(out = out_format_stdout(format, OUT_DIFF))) {
		cli_error("diff: unknown format '%s' (%s)", format, out_format_choices(OUT_DIFF, false, choices, sizeof(choices)));
		return EXIT_ERROR;
	}
	if ((rc = load_side(argv[optind], profile, &a)) || (rc = load_side(argv[optind + 1], profile, &b))) {
		json_decref(a);
		return rc;
	}
	d = rdoc_diff(a, b, argv[optind], argv[optind + 1]);
	rc = json_is_true(json_object_get(d, "same")) ? EXIT_READY : EXIT_NOT_READY;
	if (html && (rc = write_atomic(html, w_html, d)) < 0) {
		cli_error("diff: cannot write %s '%s': %s", out_format_named("html")->what, html, strerror(-rc));
		rc = EXIT_ERROR;
	} else if (html) {
		rc = json_is_true(json_object_get(d, "same")) ? EXIT_READY : EXIT_NOT_READY;
	}
	out->diff(stdout, d, &(struct out_opts){ 0 });
	json_decref(d);
	json_decref(a);
	json_decref(b);
	return rc;
}
