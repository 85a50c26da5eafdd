/* A tickready.report/1 document as JUnit XML: one testcase per check and per verify target. */
#include <errno.h>
#include <string.h>

#include "report_doc.h"

/* XML text and attribute values; control bytes other than tab and newline are not allowed in XML 1.0. */
static void xml(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			fputc((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t' ? '?' : *s, out);
		}
	}
}

static bool is(const char *a, const char *b)
{
	return a && !strcmp(a, b);
}

static void finding_text(FILE *out, const json_t *c)
{
	xml(out, rj_str(c, "observed"));
	if (rj_str(c, "expected")) {
		fputs("\nexpected: ", out);
		xml(out, rj_str(c, "expected"));
	}
	if (rj_str(c, "remedy")) {
		fputs("\nfix: ", out);
		xml(out, rj_str(c, "remedy"));
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

	count(checks, "fail", &fail, &skip);
	fprintf(out, "  <testsuite name=\"tickready.audit\" tests=\"%zu\" failures=\"%ld\" errors=\"0\" skipped=\"%ld\" "
		"timestamp=\"", json_array_size(checks), fail, skip);
	xml(out, rj_str(doc, "generated"));
	fputs("\" hostname=\"", out);
	xml(out, rj_str(doc, "hostname"));
	fputs("\">\n", out);
	json_array_foreach(checks, i, c) {
		const char *v = rj_str(c, "verdict");

		fputs("    <testcase classname=\"tickready.", out);
		xml(out, rj_str(c, "area"));
		fputs("\" name=\"", out);
		xml(out, rj_str(c, "id"));
		fputs("\">", out);
		if (is(v, "fail")) {
			fputs("<failure type=\"fail\" message=\"", out);
			xml(out, rj_str(c, "observed"));
			fputs("\">", out);
			finding_text(out, c);
			fputs("</failure>", out);
		} else if (is(v, "skip") || is(v, "pending-reboot")) {
			fputs("<skipped message=\"", out);
			if (is(v, "pending-reboot"))
				fputs("pending reboot: ", out);
			xml(out, rj_str(c, "observed"));
			fputs("\"/>", out);
		} else if (!is(v, "pass")) {
			/* A warning passes the suite but keeps its text for the reader. */
			fputs("<system-out>", out);
			xml(out, v);
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
		xml(out, rj_str(t, "name"));
		fputs("\">", out);
		if (is(v, "fail") || is(v, "skip")) {
			fputs(is(v, "fail") ? "<failure type=\"fail\" message=\"" : "<skipped message=\"", out);
			xml(out, text[0] ? text : rj_str(t, "detail"));
			if (is(v, "fail")) {
				fputs("\">", out);
				xml(out, text);
				fputs(" (", out);
				xml(out, rj_str(t, "detail"));
				fputs(")</failure>", out);
			} else {
				fputs("\"/>", out);
			}
		}
		fputs("</testcase>\n", out);
	}
	fputs("  </testsuite>\n", out);
}

int rdoc_write_junit(FILE *out, const json_t *doc)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"tickready report ", out);
	xml(out, rj_str(doc, "hostname"));
	fputs("\">\n", out);
	checks_suite(out, doc);
	if (json_is_object(json_object_get(doc, "verify")))
		verify_suite(out, doc);
	fputs("</testsuites>\n", out);
	return ferror(out) ? -EIO : 0;
}
