/* Kernel cpu lists and masks as fixed-size bitmaps: parse, print, set algebra. */
#include "cpuset.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void cpuset_zero(struct cpuset *s)
{
	memset(s, 0, sizeof(*s));
}

void cpuset_set(struct cpuset *s, int cpu)
{
	if (cpu >= 0 && cpu < CPUSET_MAX)
		s->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

void cpuset_clear(struct cpuset *s, int cpu)
{
	if (cpu >= 0 && cpu < CPUSET_MAX)
		s->bits[cpu / 64] &= ~(1ULL << (cpu % 64));
}

bool cpuset_has(const struct cpuset *s, int cpu)
{
	return cpu >= 0 && cpu < CPUSET_MAX && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

int cpuset_count(const struct cpuset *s)
{
	int n = 0;

	/* Most of the 128 words are 0, and without -mpopcnt each popcount is a libgcc call (~20 instructions). */
	for (int i = 0; i < CPUSET_WORDS; i++)
		if (s->bits[i])
			n += __builtin_popcountll(s->bits[i]);
	return n;
}

bool cpuset_empty(const struct cpuset *s)
{
	for (int i = 0; i < CPUSET_WORDS; i++)
		if (s->bits[i])
			return false;
	return true;
}

/* The first cpu from `from` on whose bit differs from flip's (0: in s, ~0: not in s), a word at a time; -1 when none. */
static int first_from(const struct cpuset *s, int from, uint64_t flip)
{
	if (from < 0)
		from = 0;
	for (int w = from / 64; w < CPUSET_WORDS; w++) {
		uint64_t word = s->bits[w] ^ flip;

		if (w == from / 64)
			word &= ~0ULL << (from % 64);
		if (word)
			return w * 64 + __builtin_ctzll(word);
	}
	return -1;
}

int cpuset_next(const struct cpuset *s, int from)
{
	return first_from(s, from, 0);
}

void cpuset_and(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b)
{
	for (int i = 0; i < CPUSET_WORDS; i++)
		dst->bits[i] = a->bits[i] & b->bits[i];
}

void cpuset_or(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b)
{
	for (int i = 0; i < CPUSET_WORDS; i++)
		dst->bits[i] = a->bits[i] | b->bits[i];
}

void cpuset_andnot(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b)
{
	for (int i = 0; i < CPUSET_WORDS; i++)
		dst->bits[i] = a->bits[i] & ~b->bits[i];
}

bool cpuset_equal(const struct cpuset *a, const struct cpuset *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

bool cpuset_subset(const struct cpuset *a, const struct cpuset *b)
{
	for (int i = 0; i < CPUSET_WORDS; i++)
		if (a->bits[i] & ~b->bits[i])
			return false;
	return true;
}

bool cpuset_intersects(const struct cpuset *a, const struct cpuset *b)
{
	for (int i = 0; i < CPUSET_WORDS; i++)
		if (a->bits[i] & b->bits[i])
			return true;
	return false;
}

/* Reads a decimal cpu number; refuses signs, overflow and numbers past CPUSET_MAX. */
static int parse_num(const char **p, long *out)
{
	const char *s = *p;
	long v = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (*s - '0');
		if (v >= CPUSET_MAX)
			return -ERANGE;
		s++;
	}
	*p = s;
	*out = v;
	return 0;
}

int cpuset_parse(struct cpuset *out, const char *text)
{
	const char *p = text;
	const char *end;
	struct cpuset s;
	int rc;

	cpuset_zero(&s);
	while (isspace((unsigned char)*p))
		p++;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	while (p < end) {
		long lo, hi, used = 1, group = 1;

		rc = parse_num(&p, &lo);
		if (rc)
			return rc;
		hi = lo;
		if (p < end && *p == '-') {
			p++;
			rc = parse_num(&p, &hi);
			if (rc)
				return rc;
			if (hi < lo)
				return -EINVAL;
			if (p < end && *p == ':') {
				p++;
				if ((rc = parse_num(&p, &used)) || *p != '/')
					return rc ? rc : -EINVAL;
				p++;
				if ((rc = parse_num(&p, &group)))
					return rc;
				if (used == 0 || group == 0 || used > group)
					return -EINVAL;
			}
		}
		for (long c = lo; c <= hi; c++)
			if ((c - lo) % group < used)
				cpuset_set(&s, (int)c);
		if (p == end)
			break;
		if (*p != ',' || p + 1 == end)
			return -EINVAL;
		p++;
	}
	*out = s;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int cpuset_parse_mask(struct cpuset *out, const char *text)
{
	struct cpuset s;
	const char *p = text;
	const char *end;
	int bit = 0;

	cpuset_zero(&s);
	while (isspace((unsigned char)*p))
		p++;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (end == p)
		return -EINVAL;
	/* Walk from the least significant digit; commas only separate groups. */
	for (const char *q = end; q > p; q--) {
		int c = q[-1], v;

		if (c == ',') {
			if (q - 1 == p || q == end)
				return -EINVAL;
			continue;
		}
		v = hexval(c);
		if (v < 0)
			return -EINVAL;
		for (int i = 0; i < 4; i++, bit++) {
			if (!(v & (1 << i)))
				continue;
			if (bit >= CPUSET_MAX)
				return -ERANGE;
			cpuset_set(&s, bit);
		}
	}
	*out = s;
	return 0;
}

/* The first cpu from `from` on that is not in s, CPUSET_MAX when all are (a full set is 8,192). */
static int next_clear(const struct cpuset *s, int from)
{
	int c = first_from(s, from, ~0ULL);

	return c < 0 ? CPUSET_MAX : c;
}

static size_t put_uint(char *out, unsigned v)
{
	char digits[10];
	size_t n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while (v /= 10);
	for (size_t i = 0; i < n; i++)
		out[i] = digits[n - 1 - i];
	return n;
}

char *cpuset_format(const struct cpuset *s, char *buf, size_t size)
{
	size_t len = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (int c = cpuset_next(s, 0); c >= 0;) {
		int hi = next_clear(s, c) - 1;
		char item[24];
		size_t n = 0;

		if (len)
			item[n++] = ',';
		n += put_uint(item + n, (unsigned)c);
		if (hi > c) {
			item[n++] = '-';
			n += put_uint(item + n, (unsigned)hi);
		}
		if (n >= size - len)
			break;	/* never half a range */
		memcpy(buf + len, item, n);
		len += n;
		buf[len] = '\0';
		c = hi + 1 < CPUSET_MAX ? cpuset_next(s, hi + 1) : -1;
	}
	return buf;
}

char *cpuset_format_mask(const struct cpuset *s, char *buf, size_t size)
{
	int top = -1;
	size_t len = 0;

	for (int c = cpuset_next(s, 0); c >= 0; c = cpuset_next(s, c + 1))
		top = c;
	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (int w = (top < 0 ? 0 : top / 32); w >= 0; w--) {
		uint32_t word = (uint32_t)(s->bits[w / 2] >> ((w % 2) * 32));
		int n = snprintf(buf + len, size - len, len ? ",%08x" : "%08x", word);

		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
	return buf;
}

char *cpuset_text(const struct cpuset *s)
{
	char *buf = xmalloc(CPUSET_TEXT_MAX), *out;

	cpuset_format(s, buf, CPUSET_TEXT_MAX);
	out = xstrdup(buf);
	free(buf);
	return out;
}

static size_t cpuset_hash(const struct cpuset *s)
{
	size_t h = 1469598103934665603ull;

	for (size_t i = 0; i < CPUSET_WORDS; i++)
		if (s->bits[i])
			h = (h ^ (s->bits[i] + i)) * 1099511628211ull;
	return h;
}

static void pool_put(struct cpuset **slots, size_t nslots, struct cpuset *s)
{
	size_t h = cpuset_hash(s) & (nslots - 1);

	while (slots[h])
		h = (h + 1) & (nslots - 1);
	slots[h] = s;
}

const struct cpuset *cpuset_intern(struct cpuset_pool *p, const struct cpuset *s)
{
	struct cpuset *copy;
	size_t h;

	if (2 * (p->n + 1) > p->nslots) {
		size_t nslots = p->nslots ? 2 * p->nslots : 16;
		struct cpuset **slots = xcalloc(nslots, sizeof(*slots));

		for (size_t i = 0; i < p->nslots; i++)
			if (p->slots[i])
				pool_put(slots, nslots, p->slots[i]);
		free(p->slots);
		p->slots = slots;
		p->nslots = nslots;
	}
	for (h = cpuset_hash(s) & (p->nslots - 1); p->slots[h]; h = (h + 1) & (p->nslots - 1))
		if (cpuset_equal(p->slots[h], s))
			return p->slots[h];
	copy = xmalloc(sizeof(*copy));
	*copy = *s;
	p->slots[h] = copy;
	p->n++;
	return copy;
}

void cpuset_pool_free(struct cpuset_pool *p)
{
	for (size_t i = 0; i < p->nslots; i++)
		free(p->slots[i]);
	free(p->slots);
	memset(p, 0, sizeof(*p));
}
