/* json.h - minimal streaming JSON writer for fixed keys and numbers. */
#ifndef TR_JSON_H
#define TR_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 16

struct jw {
	FILE *f;
	int depth;
	int err;
	bool first[JW_MAX_DEPTH];
};

void jw_init(struct jw *w, FILE *f);
void jw_obj(struct jw *w, const char *key);
void jw_arr(struct jw *w, const char *key);
void jw_end_obj(struct jw *w);
void jw_end_arr(struct jw *w);
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_i64(struct jw *w, const char *key, int64_t v);
void jw_double(struct jw *w, const char *key, double v);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_str(struct jw *w, const char *key, const char *s);
int jw_finish(struct jw *w);

#endif
