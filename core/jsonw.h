/*
 * A streaming JSON writer: the bytes jansson's json_dumpf(JSON_INDENT(2)) writes for the same document
 * (two-space indent, "key": value, insertion order, jansson's escapes), without building a tree: a
 * plan of thousands of changes is written as it is walked.
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 32
#define JSONW_BUF 4096

struct jsonw {
	FILE *f;
	size_t len;			/* bytes in buf not yet given to f: all of them once a top-level value is whole */
	char buf[JSONW_BUF];
	int depth;
	bool any[JSONW_MAX_DEPTH];	/* the open container at each depth holds an element already */
	char close[JSONW_MAX_DEPTH];	/* and the bracket that ends it */
	bool after_key;			/* a key was written: the next value is its own */
};

void jw_init(struct jsonw *w, FILE *f);
/* A container as the next value; jw_end closes the innermost one. Nesting is at most JSONW_MAX_DEPTH - 1. */
void jw_obj(struct jsonw *w);
void jw_arr(struct jsonw *w);
void jw_end(struct jsonw *w);
/* The next member's key, inside an object. */
void jw_key(struct jsonw *w, const char *key);
/* A string; NULL writes null. Bytes that are not UTF-8 are written as U+FFFD (jansson refuses them). */
void jw_str(struct jsonw *w, const char *s);
void jw_int(struct jsonw *w, long long v);
void jw_bool(struct jsonw *w, bool b);
void jw_null(struct jsonw *w);
/* The tree of what write(w, arg) writes, read back: a document that embeds a part keeps one source for both. NULL on failure. */
json_t *jw_tree(void (*write)(struct jsonw *w, const void *arg), const void *arg);
