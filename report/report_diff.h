/* Two readiness reports compared: tickready.diff/1 and its text and HTML renderings. */
#pragma once
#include <stdio.h>
#include <jansson.h>

#include "out_opts.h"

#define DIFF_SCHEMA "tickready.diff/1"

/* Findings whose verdict or observation differ, inventory leaves that differ, verify figures side by side with B/A. */
json_t *rdoc_diff(const json_t *a, const json_t *b, const char *src_a, const char *src_b);
int diff_write_text(FILE *out, const json_t *diff, const struct out_opts *o);
int diff_write_html(FILE *out, const json_t *diff, const struct out_opts *o);
