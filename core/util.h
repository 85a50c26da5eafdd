/* Small helpers every module uses: allocation that never returns NULL, strings, numbers. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* Strips surrounding whitespace in place; returns s. */
char *trim(char *s);
/* src into dst, cut to size - 1 bytes: snprintf(dst, size, "%s", src) without the formatter, for hot paths. */
void str_copy(char *dst, size_t size, const char *src);
/* The n strings one after another into dst, cut to size - 1 bytes as snprintf cuts: paths made thousands of times a run. */
char *str_join(char *dst, size_t size, const char *const *parts, size_t n);
/* snprintf(dst, size, "%s%d%s", pre, num, post) without the formatter: a path per IRQ. Returns dst. */
char *str_num(char *dst, size_t size, const char *pre, int num, const char *post);
/* s ends with suffix. */
bool str_ends_with(const char *s, const char *suffix);
/* Whole-string decimal integer (leading '-' allowed). -EINVAL on anything else, -ERANGE on overflow. */
int parse_long(const char *s, long *out);
/* Sizes as "2M", "1G", "2048kB", "1048576kB", "2MB": returns kB or -EINVAL. */
long parse_size_kb(const char *s);
/* "2048kB" style, as the kernel names hugepage pools. */
const char *format_size_kb(unsigned long kb, char *buf, size_t size);
/* Human form: "2M", "1G". */
const char *format_size_human(unsigned long kb, char *buf, size_t size);
/* A latency for people: "6523 ns", "20.0 us", "1.34 ms". */
const char *format_ns(double ns, char *buf, size_t size);
/* A packet rate given in Mpps, in the unit that shows its figures: Mpps from 1, kpps from 0.001, else pps. */
const char *format_mpps(double mpps, char *buf, size_t size);

/*
 * Does line l (n bytes, no newline) assign shell variable var, as an EnvironmentFile or a sourced
 * /etc/default file does ("VAR=x", "  export VAR='x'")? Then copies the value, quotes removed.
 */
bool shell_assigns(const char *l, size_t n, const char *var, char *value, size_t size);
/* Appends s escaped for the inside of a shell double-quoted string (\ " $ ` backslashed). */
struct strbuf;
void shell_dquote(struct strbuf *sb, const char *s);
/* var's last assignment in KEY=value text (newline- or NUL-separated, as /proc/PID/environ). */
bool shell_var(const char *text, size_t len, const char *var, char *value, size_t size);

/* A growing string. */
struct strbuf {
	char *s;
	size_t len, cap;
};
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_add(struct strbuf *sb, const char *s);
void strbuf_addn(struct strbuf *sb, const char *s, size_t n);	/* n bytes of s, then a NUL */
void strbuf_free(struct strbuf *sb);
/* Returns the string and resets sb; never NULL. */
char *strbuf_detach(struct strbuf *sb);

/* A resource limit: "unlimited"/"infinity" (BYTE_LIMIT_UNLIMITED) or a size with an optional K/M/G/T
 * suffix (1024-based), bare numbers in units of unit bytes. -EINVAL, or -ERANGE past LLONG_MAX bytes. */
#define BYTE_LIMIT_UNLIMITED (-1LL)
int parse_byte_limit(const char *s, long long unit, long long *out);
