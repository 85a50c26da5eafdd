/* verify's report: text and JSON of a finished run; the one histogram rendering every mode uses. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "run.h"
#include "verify.h"

/* Every stream of doc, one after the other (counts, percentiles, histogram): most modes' render. */
void verify_print_streams(FILE *f, const json_t *doc);
/* A [[upper_ns, count]...] histogram on the shared 1-2-5 scale, bars on a log scale. */
void verify_print_histogram(FILE *f, const json_t *hist);
/* "a, b" of the failed targets' names, into buf. */
const char *verify_failed_names(const struct verify_target *t, int n, char *buf, size_t size);
/* The run's report; its verdict line from verify_verdict_of (NOT JUDGED says why nothing was judged). */
void verify_print_text(FILE *f, const struct verify_run *r, const struct verify_target *t, int nt);
/* Adds verify's verdict to r->doc ("verdict", "ready", "failed", "not_judged": why, or null) and prints it. 0 or -EIO. */
int verify_print_json(FILE *f, struct verify_run *r, const struct verify_target *t, int nt, const char *tool);
/*
 * A saved verify document judged again against p's [targets]: its counts checked, its "targets",
 * "verdict", "ready", "failed", "not_judged" and "profile" replaced (the saved verdicts are never reused). 0, or -EPROTO / -EINVAL
 * with why (counts that do not add up, an unknown mode, not a tickready.verify/1 document).
 */
int verify_judge_saved(const struct profile *p, json_t *doc, char *why, size_t whylen);
