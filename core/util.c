/* Allocation, string and number helpers shared by every module. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void oom(void)
{
	fputs("tickready: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		oom();
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *p;

	if (vasprintf(&p, fmt, ap) < 0)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

bool str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

char *str_join(char *dst, size_t size, const char *const *parts, size_t n)
{
	size_t len = 0;

	if (!size)
		return dst;
	for (size_t i = 0; i < n; i++) {
		size_t k = strnlen(parts[i], size - 1 - len);

		memcpy(dst + len, parts[i], k);
		len += k;
	}
	dst[len] = '\0';
	return dst;
}

void str_copy(char *dst, size_t size, const char *src)
{
	str_join(dst, size, &src, 1);
}

char *str_num(char *dst, size_t size, const char *pre, int num, const char *post)
{
	char digits[12], *d = digits + sizeof(digits);
	unsigned v = num < 0 ? 0u - (unsigned)num : (unsigned)num;

	*--d = '\0';
	do
		*--d = (char)('0' + v % 10);
	while (v /= 10);
	if (num < 0)
		*--d = '-';
	return str_join(dst, size, (const char *const[]){ pre, d, post }, 3);
}

char *trim(char *s)
{
	size_t len = strlen(s);
	char *start = s;

	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	while (isspace((unsigned char)*start))
		start++;
	if (start != s)
		memmove(s, start, strlen(start) + 1);
	return s;
}

int parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end || end == s)
		return -EINVAL;
	*out = v;
	return 0;
}

long parse_size_kb(const char *s)
{
	char *end;
	unsigned long v;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || v == 0 || v > (1UL << 40))
		return -EINVAL;
	if (!strcasecmp(end, "kB") || !strcasecmp(end, "k"))
		return (long)v;
	if (!strcasecmp(end, "M") || !strcasecmp(end, "MB"))
		return (long)(v * 1024);
	if (!strcasecmp(end, "G") || !strcasecmp(end, "GB"))
		return (long)(v * 1024 * 1024);
	return -EINVAL;
}

const char *format_size_kb(unsigned long kb, char *buf, size_t size)
{
	snprintf(buf, size, "%lukB", kb);
	return buf;
}

const char *format_size_human(unsigned long kb, char *buf, size_t size)
{
	if (kb % (1024 * 1024) == 0)
		snprintf(buf, size, "%luG", kb / (1024 * 1024));
	else if (kb % 1024 == 0)
		snprintf(buf, size, "%luM", kb / 1024);
	else
		snprintf(buf, size, "%luk", kb);
	return buf;
}

static void strbuf_grow(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return;
	sb->cap = (sb->len + extra + 1) * 2;
	sb->s = xrealloc(sb->s, sb->cap);
}

void strbuf_addn(struct strbuf *sb, const char *s, size_t n)
{
	strbuf_grow(sb, n);
	memcpy(sb->s + sb->len, s, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

void strbuf_add(struct strbuf *sb, const char *s)
{
	strbuf_addn(sb, s, strlen(s));
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	strbuf_grow(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void strbuf_free(struct strbuf *sb)
{
	free(sb->s);
	sb->s = NULL;
	sb->len = sb->cap = 0;
}

char *strbuf_detach(struct strbuf *sb)
{
	char *s = sb->s ? sb->s : xstrdup("");

	sb->s = NULL;
	sb->len = sb->cap = 0;
	return s;
}

bool shell_assigns(const char *l, size_t n, const char *var, char *value, size_t size)
{
	size_t vlen = strlen(var);

	while (n && (*l == ' ' || *l == '\t'))
		l++, n--;
	if (n > 7 && !strncmp(l, "export ", 7))
		l += 7, n -= 7;
	if (n <= vlen || strncmp(l, var, vlen) || l[vlen] != '=')
		return false;
	snprintf(value, size, "%.*s", (int)(n - vlen - 1), l + vlen + 1);
	trim(value);
	if (*value == '\'') {
		char *end;

		memmove(value, value + 1, strlen(value));
		end = strchr(value, '\'');
		if (end)
			*end = '\0';
	} else if (*value == '"') {
		/* Inside double quotes a backslash escapes " \ $ and ` (shell_dquote writes them so). */
		char *r = value + 1, *w = value;

		for (; *r && *r != '"'; r++) {
			if (*r == '\\' && r[1] && strchr("\"\\$`", r[1]))
				r++;
			*w++ = *r;
		}
		*w = '\0';
	}
	return true;
}

void shell_dquote(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (strchr("\"\\$`", *s))
			strbuf_addf(sb, "\\");
		strbuf_addf(sb, "%c", *s);
	}
}

bool shell_var(const char *text, size_t len, const char *var, char *value, size_t size)
{
	bool found = false;

	for (size_t i = 0; i < len;) {
		size_t n = 0;

		while (i + n < len && text[i + n] != '\n' && text[i + n] != '\0')
			n++;
		found |= shell_assigns(text + i, n, var, value, size);
		i += n + 1;
	}
	return found;
}

const char *format_ns(double ns, char *buf, size_t size)
{
	if (ns < 10000)
		snprintf(buf, size, "%.0f ns", ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%.1f us", ns / 1000);
	else
		snprintf(buf, size, "%.2f ms", ns / 1e6);
	return buf;
}

const char *format_mpps(double mpps, char *buf, size_t size)
{
	if (mpps >= 1)
		snprintf(buf, size, "%.3f Mpps", mpps);
	else if (mpps >= 0.001)
		snprintf(buf, size, "%.1f kpps", mpps * 1e3);
	else
		snprintf(buf, size, "%.0f pps", mpps * 1e6);
	return buf;
}

int parse_byte_limit(const char *s, long long unit, long long *out)
{
	unsigned long long v, max = (unsigned long long)LLONG_MAX;
	unsigned shift = 0;
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!strncmp(s, "unlimited", 9) || !strncmp(s, "infinity", 8)) {
		*out = BYTE_LIMIT_UNLIMITED;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	switch (toupper((unsigned char)*end)) {
	case 'T': shift += 10; /* fall through */
	case 'G': shift += 10; /* fall through */
	case 'M': shift += 10; /* fall through */
	case 'K': shift += 10; end++; break;
	default:
		if (unit > 0 && v > max / (unsigned long long)unit)
			return -ERANGE;
		v *= (unsigned long long)unit;
		break;
	}
	/* No wrap: a size past the largest limit is an error, never a negative or small one. */
	if (shift && v > (max >> shift))
		return -ERANGE;
	v <<= shift;
	if (*end && !isspace((unsigned char)*end) && toupper((unsigned char)*end) != 'B')
		return -EINVAL;
	*out = (long long)v;
	return 0;
}
