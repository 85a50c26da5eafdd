/* The streaming JSON writer: jansson's dump layout (dump.c), one value at a time. */
#include "jsonw.h"

#include <stdlib.h>
#include <string.h>

void jw_init(struct jsonw *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

/*
 * Bytes gather in w->buf and go to the stream in pieces of JSONW_BUF, and whenever a top-level value is
 * complete (done), so the caller's own writes after it land after it: an fwrite_unlocked per token was a
 * sixth of an audit's JSON (callgrind: 94 k instructions in fwrite alone for 1,400 strings).
 */
static void flush(struct jsonw *w)
{
	if (w->len)
		fwrite_unlocked(w->buf, 1, w->len, w->f);
	w->len = 0;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	if (n > sizeof(w->buf) - w->len) {
		flush(w);
		if (n >= sizeof(w->buf)) {
			fwrite_unlocked(s, 1, n, w->f);
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void putch(struct jsonw *w, char c)
{
	if (w->len == sizeof(w->buf))
		flush(w);
	w->buf[w->len++] = c;
}

/* After each call: a value at the top is whole, so the stream gets it now. */
static void done(struct jsonw *w)
{
	if (w->depth == 0)
		flush(w);
}

static void indent(struct jsonw *w, int depth)
{
	static const char spaces[] = "                                                                ";
	size_t n = (size_t)depth * 2;

	putch(w, '\n');
	for (; n > sizeof(spaces) - 1; n -= sizeof(spaces) - 1)
		put(w, spaces, sizeof(spaces) - 1);
	put(w, spaces, n);
}

/* Before a value or a key: the separator and line break jansson puts between elements. */
static void element(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->any[w->depth])
		putch(w, ',');
	w->any[w->depth] = true;
	indent(w, w->depth);
}

static void open_container(struct jsonw *w, char c)
{
	element(w);
	putch(w, c);
	if (w->depth + 1 >= JSONW_MAX_DEPTH)
		abort();	/* no document of ours nests this deep */
	w->depth++;
	w->any[w->depth] = false;
	w->close[w->depth] = c == '{' ? '}' : ']';
}

void jw_obj(struct jsonw *w)
{
	open_container(w, '{');
}

void jw_arr(struct jsonw *w)
{
	open_container(w, '[');
}

void jw_end(struct jsonw *w)
{
	char c = w->close[w->depth];

	if (w->depth == 0)
		abort();	/* nothing open */
	/* jansson writes "[]" and "{}" when empty, else the bracket on its own line. */
	if (w->any[w->depth--])
		indent(w, w->depth);
	putch(w, c);
	done(w);
}

/* Length of the UTF-8 sequence at s (1-4), 0 when it is not one jansson accepts (utf8_check_*). */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/* The bytes written as they are: printable ASCII but the quote and the backslash. */
static const bool plain[256] = {
	[0x20 ... '"' - 1] = true,
	['"' + 1 ... '\\' - 1] = true,
	['\\' + 1 ... 0x7f] = true,
};

static void string(struct jsonw *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)str, *run = s;

	putch(w, '"');
	for (;;) {
		unsigned char c;
		char esc[8];
		size_t n;

		while (plain[*s])
			s++;
		c = *s;
		if (c >= 0x80 && (n = utf8_len(s))) {
			s += n;
			continue;
		}
		put(w, (const char *)run, (size_t)(s - run));
		if (!c)
			break;
		switch (c) {
		case '"':
			put(w, "\\\"", 2);
			break;
		case '\\':
			put(w, "\\\\", 2);
			break;
		case '\b':
			put(w, "\\b", 2);
			break;
		case '\f':
			put(w, "\\f", 2);
			break;
		case '\n':
			put(w, "\\n", 2);
			break;
		case '\r':
			put(w, "\\r", 2);
			break;
		case '\t':
			put(w, "\\t", 2);
			break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04X", c);
				put(w, esc, 6);
			} else {
				put(w, "\xEF\xBF\xBD", 3);	/* not UTF-8 */
			}
		}
		run = ++s;
	}
	putch(w, '"');
}

void jw_key(struct jsonw *w, const char *key)
{
	element(w);
	string(w, key);
	put(w, ": ", 2);
	w->after_key = true;
}

void jw_str(struct jsonw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	element(w);
	string(w, s);
	done(w);
}

void jw_int(struct jsonw *w, long long v)
{
	char text[24];

	element(w);
	put(w, text, (size_t)snprintf(text, sizeof(text), "%lld", v));
	done(w);
}

void jw_bool(struct jsonw *w, bool b)
{
	element(w);
	put(w, b ? "true" : "false", b ? 4 : 5);
	done(w);
}

void jw_null(struct jsonw *w)
{
	element(w);
	put(w, "null", 4);
	done(w);
}

json_t *jw_tree(void (*write)(struct jsonw *w, const void *arg), const void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_t *doc = NULL;
	struct jsonw w;

	if (f) {
		jw_init(&w, f);
		write(&w, arg);
		if (fclose(f) == 0)
			doc = json_loadb(text, len, 0, NULL);
	}
	free(text);
	return doc;
}
