/* json.c - minimal streaming JSON writer; key NULL means an array element. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>

#include "json.h"

void jw_init(struct jw *w, FILE *f)
{
	w->f = f;
	w->depth = 0;
	w->err = 0;
	w->first[0] = true;
}

static void jw_putstr(struct jw *w, const char *s)
{
	fputc('"', w->f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(w->f, "\\%c", c);
		else if (c < 0x20)
			fprintf(w->f, "\\u%04x", c);
		else
			fputc(c, w->f);
	}
	fputc('"', w->f);
}

/* Comma, newline and indent before a value, plus "key": in objects. */
static void jw_prefix(struct jw *w, const char *key)
{
	if (!w->first[w->depth])
		fputc(',', w->f);
	w->first[w->depth] = false;
	if (w->depth > 0)
		fprintf(w->f, "\n%*s", 2 * w->depth, "");
	if (key) {
		jw_putstr(w, key);
		fputs(": ", w->f);
	}
}

static void jw_open(struct jw *w, const char *key, char c)
{
	jw_prefix(w, key);
	fputc(c, w->f);
	if (w->depth + 1 >= JW_MAX_DEPTH) {
		w->err = -E2BIG;
		return;
	}
	w->first[++w->depth] = true;
}

static void jw_close(struct jw *w, char c)
{
	bool empty = w->first[w->depth];

	if (w->depth == 0) {
		w->err = -EINVAL;
		return;
	}
	w->depth--;
	if (!empty)
		fprintf(w->f, "\n%*s", 2 * w->depth, "");
	fputc(c, w->f);
}

void jw_obj(struct jw *w, const char *key)
{
	jw_open(w, key, '{');
}

void jw_arr(struct jw *w, const char *key)
{
	jw_open(w, key, '[');
}

void jw_end_obj(struct jw *w)
{
	jw_close(w, '}');
}

void jw_end_arr(struct jw *w)
{
	jw_close(w, ']');
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_prefix(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

void jw_i64(struct jw *w, const char *key, int64_t v)
{
	jw_prefix(w, key);
	fprintf(w->f, "%" PRId64, v);
}

/* JSON has no NaN or infinity; emit null for them. */
void jw_double(struct jw *w, const char *key, double v)
{
	jw_prefix(w, key);
	if (isfinite(v))
		fprintf(w->f, "%.9g", v);
	else
		fputs("null", w->f);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_prefix(w, key);
	fputs(v ? "true" : "false", w->f);
}

void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_prefix(w, key);
	jw_putstr(w, s);
}

int jw_finish(struct jw *w)
{
	if (w->depth != 0 && !w->err)
		w->err = -EINVAL;
	fputc('\n', w->f);
	if (fflush(w->f) != 0 && !w->err)
		w->err = -errno;
	return w->err;
}
