/*
 * The readiness report (tickready.report/1): one JSON document holding audit, apply status, the
 * plan and a verify result, and the writers that render it (text, HTML, Prometheus, JUnit).
 * Every writer reads only the document, so a saved report renders the same as a fresh one.
 */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <jansson.h>

#include "out_opts.h"

#include "util.h"

#define REPORT_SCHEMA "tickready.report/1"

/* The parts of one report; rdoc_build takes over the references (NULL: absent). */
struct rdoc_parts {
	json_t *audit;		/* tickready.audit/1, required */
	json_t *status;		/* tickready.status/1 */
	json_t *plan;		/* tickready.plan/1 (a dry run) */
	json_t *verify;		/* tickready.verify/1 as verify --format json prints it */
	const char *verify_source;	/* "run" or the file it was read from */
	const char *hostname;
	const char *root;
	const char *undo;	/* the command that undoes what apply did ("tickready revert") */
	time_t generated;
	bool strict;		/* warnings count as failures */
};

json_t *rdoc_build(struct rdoc_parts *p);

/*
 * Checks that doc is a tickready.report/1 document with the keys every writer needs.
 * Returns 0, or -EINVAL with why filled ("schema 'tickready.audit/1', not tickready.report/1").
 */
int rdoc_validate(const json_t *doc, char *why, size_t size);
/* Reads and validates a report file; err names the file. Returns 0 or -errno / -EINVAL. */
int rdoc_load(const char *path, json_t **out, char *err, size_t size);
/* JSON from path, opened non-blocking and only if a regular file: NULL with *err -errno, -EMEDIUMTYPE
 * (not a regular file: a FIFO would block for ever) or -EINVAL (not JSON, *je says where). */
json_t *json_load_regular(const char *path, size_t flags, json_error_t *je, int *err);

/* Defensive readers: a missing key or a value of another type is absent, never zero. */
const char *rj_str(const json_t *o, const char *key);
/* A check of an audit document by name: its "id", or "id[role]" for a [nic.ROLE]'s; NULL without an id. buf holds it. */
const char *rj_check_name(const json_t *c, char *buf, size_t size);
bool rj_num(const json_t *o, const char *key, double *out);
/* The integer at key, or dflt when absent. */
long rj_int(const json_t *o, const char *key, long dflt);
/* A path of object keys: rj_get(doc, "audit", "summary", NULL). */
const json_t *rj_get(const json_t *o, ...) __attribute__((sentinel));

/*
 * Writes path atomically: fn renders into a temporary file in the same directory, which is
 * flushed, fsynced and renamed over path, so a reader never sees half a file. Mode 0644.
 * Returns 0 or -errno (the temporary file is removed).
 */
int write_atomic(const char *path, int (*fn)(FILE *out, const void *arg), const void *arg);

/* The writers. Each returns 0 or -EIO from the stream. */
int rdoc_write_text(FILE *out, const json_t *doc, const struct out_opts *o);
int rdoc_write_html(FILE *out, const json_t *doc, const struct out_opts *o);
int rdoc_write_prom(FILE *out, const json_t *doc, const struct out_opts *o);
int rdoc_write_junit(FILE *out, const json_t *doc, const struct out_opts *o);

/* The verify histogram folded onto 1-2-5 decades: up to RDOC_BUCKETS (upper_ns, count) pairs. */
#define RDOC_BUCKETS 32
struct rdoc_bucket {
	double upper_ns;
	double count;
};
int rdoc_histogram(const json_t *hist, struct rdoc_bucket *out, int max);
