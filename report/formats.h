/*
 * The output formats: one row each (name, the report option that writes it to a file, its writer for
 * each document, whether --format may print it). audit, report, diff and the fleet page take their
 * --format values, their file options and their writers from this table.
 */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "report.h"

/* The documents a format can render. */
enum out_doc { OUT_AUDIT, OUT_REPORT, OUT_DIFF, OUT_FLEET };
typedef int (*doc_writer)(FILE *out, const json_t *doc, const struct out_opts *o);

struct out_format {
	const char *name;	/* --format NAME */
	const char *what;	/* in messages: "HTML", "Prometheus textfile" */
	/* report --NAME ARG writes it to a file (NULL: standard output only); in_dir: ARG is a directory, the file this name in it. */
	const char *arg, *in_dir, *help;
	bool to_stdout;		/* --format NAME prints it */
	/* The writers; NULL: the format does not render that document. Each returns 0 or -EIO from the stream. */
	int (*audit)(FILE *out, const struct report *r, const struct out_opts *o);
	doc_writer report, diff, fleet;
};

#define OUT_FORMATS 6
extern const struct out_format out_formats[OUT_FORMATS + 1];	/* and a row whose name is NULL */

/* The writer of a json document kind (OUT_REPORT, OUT_DIFF, OUT_FLEET) in f, or NULL. */
doc_writer out_doc_writer(const struct out_format *f, enum out_doc doc);
/* The row of that name, or NULL. */
const struct out_format *out_format_named(const char *name);
/* The row --format name names for doc, or NULL when there is none or it cannot go to standard output. */
const struct out_format *out_format_stdout(const char *name, enum out_doc doc);
/* The --format values doc accepts, for errors ("text, json or none") or usage (bar: "text|json|none"). */
const char *out_format_choices(enum out_doc doc, bool bar, char *buf, size_t size);
