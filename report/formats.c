/* The output formats as one table: a new format is a row and its writers. */
#include "formats.h"

#include <errno.h>
#include <string.h>

#include "report_diff.h"
#include "report_doc.h"
#include "report_fleet.h"

static int audit_json(FILE *out, const struct report *r, const struct out_opts *o)
{
	(void)o;
	return report_write_json(out, r);
}

/* Any document as jansson writes it, two-space indent, keys in insertion order. */
static int doc_json(FILE *out, const json_t *doc, const struct out_opts *o)
{
	int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	(void)o;
	fputc('\n', out);
	return rc < 0 || ferror(out) ? -EIO : 0;
}

static int audit_none(FILE *out, const struct report *r, const struct out_opts *o)
{
	(void)out, (void)r, (void)o;
	return 0;
}

static int doc_none(FILE *out, const json_t *doc, const struct out_opts *o)
{
	(void)out, (void)doc, (void)o;
	return 0;
}

const struct out_format out_formats[OUT_FORMATS + 1] = {
	{ "text", "text", NULL, NULL, NULL, true, report_write_text, rdoc_write_text, diff_write_text, fleet_write_text },
	{ "json", "JSON", "FILE", NULL, "write the JSON document to FILE", true, audit_json, doc_json, doc_json, doc_json },
	{ "html", "HTML", "FILE", NULL, "write the self-contained HTML page to FILE", false, NULL, rdoc_write_html,
	  diff_write_html, fleet_write_html },
	{ "prom", "Prometheus textfile", "DIR", "tickready.prom", "write DIR/tickready.prom for node_exporter's textfile collector",
	  false, NULL, rdoc_write_prom, NULL, NULL },
	{ "junit", "JUnit XML", "FILE", NULL, "write JUnit XML to FILE: one testcase per check and verify target", false, NULL,
	  rdoc_write_junit, NULL, NULL },
	{ "none", "nothing", NULL, NULL, NULL, true, audit_none, doc_none, doc_none, doc_none },
	{ NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL },
};

doc_writer out_doc_writer(const struct out_format *f, enum out_doc doc)
{
	switch (doc) {
	case OUT_REPORT: return f->report;
	case OUT_DIFF: return f->diff;
	case OUT_FLEET: return f->fleet;
	default: return NULL;
	}
}

static bool renders(const struct out_format *f, enum out_doc doc)
{
	return doc == OUT_AUDIT ? f->audit != NULL : out_doc_writer(f, doc) != NULL;
}

const struct out_format *out_format_named(const char *name)
{
	for (const struct out_format *f = out_formats; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

const struct out_format *out_format_stdout(const char *name, enum out_doc doc)
{
	const struct out_format *f = out_format_named(name);

	return f && f->to_stdout && renders(f, doc) ? f : NULL;
}

const char *out_format_choices(enum out_doc doc, bool bar, char *buf, size_t size)
{
	size_t n = 0, k = 0, len = 0;

	for (const struct out_format *f = out_formats; f->name; f++)
		n += f->to_stdout && renders(f, doc);
	buf[0] = '\0';
	for (const struct out_format *f = out_formats; f->name && len < size; f++)
		if (f->to_stdout && renders(f, doc)) {
			k++;
			len += snprintf(buf + len, size - len, "%s%s", k == 1 ? "" : bar ? "|" : k == n ? " or " : ", ", f->name);
		}
	return buf;
}
