/*
 * A tickready.report/1 document as JUnit XML: one testcase per check and per verify target.
 * Text goes through html_esc: its escapes (&amp; &lt; &gt; &quot; &#39;, control bytes replaced) are valid XML 1.0.
 */
#include <errno.h>
#include <string.h>

#include "html.h"
#include "report_doc.h"

static bool is(const char *a, const char *b)
{
	return a && !strcmp(a, b);
}

static void finding_text(FILE *out, const json_t *c)
{
	html_esc(out, rj_str(c, "observed"));
	if (rj_str(c, "expected")) {
		fputs("\nexpected: ", out);
		html_esc(out, rj_str(c, "expected"));
	}
	if (rj_str(c, "remedy")) {
		fputs("\nfix: ", out);
		html_esc(out, rj_str(c, "remedy"));
	}
}

static void count(const json_t *a, const char *fail_word, long *fail, long *skip)
{
	const json_t *c;
	size_t i;

	*fail = *skip = 0;
	json_array_foreach(a, i, c) {
		const char *v = rj_str(c, "verdict");

		if (is(v, fail_word))
			(*fail)++;
		else if (is(v, "skip") || is(v, "pending-reboot"))
			(*skip)++;
	}
}

static void checks_suite(FILE *out, const json_t *doc)
{
	const json_t *checks = rj_get(doc, "audit", "checks", NULL), *c;
	long fail, skip;
	size_t i;
	char name[160];

	count(checks, "fail", &fail, &skip);
	fprintf(out, "  <testsuite name=\"tickready.audit\" tests=\"%zu\" failures=\"%ld\" errors=\"0\" skipped=\"%ld\" "
		"timestamp=\"", json_array_size(checks), fail, skip);
	html_esc(out, rj_str(doc, "generated"));
	fputs("\" hostname=\"", out);
	html_esc(out, rj_str(doc, "hostname"));
	fputs("\">\n", out);
	json_array_foreach(checks, i, c) {
		const char *v = rj_str(c, "verdict");

		fputs("    <testcase classname=\"tickready.", out);
		html_esc(out, rj_str(c, "area"));
		fputs("\" name=\"", out);
		html_esc(out, rj_check_name(c, name, sizeof(name)));
		fputs("\">", out);
		if (is(v, "fail")) {
			fputs("<failure type=\"fail\" message=\"", out);
			html_esc(out, rj_str(c, "observed"));
			fputs("\">", out);
			finding_text(out, c);
			fputs("</failure>", out);
		} else if (is(v, "skip") || is(v, "pending-reboot")) {
			fputs("<skipped message=\"", out);
			if (is(v, "pending-reboot"))
				fputs("pending reboot: ", out);
			html_esc(out, rj_str(c, "observed"));
			fputs("\"/>", out);
		} else if (!is(v, "pass")) {
			/* A warning passes the suite but keeps its text for the reader. */
			fputs("<system-out>", out);
			html_esc(out, v);
			fputs(": ", out);
			finding_text(out, c);
			fputs("</system-out>", out);
		}
		fputs("</testcase>\n", out);
	}
	fputs("  </testsuite>\n", out);
}

static void verify_suite(FILE *out, const json_t *doc)
{
	const json_t *targets = rj_get(doc, "verify", "targets", NULL), *t;
	long fail, skip;
	size_t i;

	count(targets, "fail", &fail, &skip);
	fprintf(out, "  <testsuite name=\"tickready.verify\" tests=\"%zu\" failures=\"%ld\" errors=\"0\" skipped=\"%ld\">\n",
		json_array_size(targets), fail, skip);
	json_array_foreach(targets, i, t) {
		const char *v = rj_str(t, "verdict");
		double obs, want;
		char text[200] = "";

		if (rj_num(t, "observed", &obs) && rj_num(t, "target", &want))
			snprintf(text, sizeof(text), "observed %.12g %s, target %s %.12g %s", obs, rj_str(t, "unit") ? rj_str(t, "unit") : "",
				 rj_str(t, "comparison") ? rj_str(t, "comparison") : "", want,
				 rj_str(t, "unit") ? rj_str(t, "unit") : "");
		fputs("    <testcase classname=\"tickready.verify\" name=\"", out);
		html_esc(out, rj_str(t, "name"));
		fputs("\">", out);
		if (is(v, "fail") || is(v, "skip")) {
			fputs(is(v, "fail") ? "<failure type=\"fail\" message=\"" : "<skipped message=\"", out);
			html_esc(out, text[0] ? text : rj_str(t, "detail"));
			if (is(v, "fail")) {
				fputs("\">", out);
				html_esc(out, text);
				fputs(" (", out);
				html_esc(out, rj_str(t, "detail"));
				fputs(")</failure>", out);
			} else {
				fputs("\"/>", out);
			}
		}
		fputs("</testcase>\n", out);
	}
	fputs("  </testsuite>\n", out);
}

int rdoc_write_junit(FILE *out, const json_t *doc, const struct out_opts *o)
{
	(void)o;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"tickready report ", out);
	html_esc(out, rj_str(doc, "hostname"));
	fputs("\">\n", out);
	checks_suite(out, doc);
	if (json_is_object(json_object_get(doc, "verify")))
		verify_suite(out, doc);
	fputs("</testsuites>\n", out);
	return ferror(out) ? -EIO : 0;
}
