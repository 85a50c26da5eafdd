/* cpuset: parse, print, masks, set algebra and malformed input. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "cpuset.h"

static char buf[CPUSET_TEXT_MAX];

static const char *roundtrip(const char *in)
{
	struct cpuset s;

	if (cpuset_parse(&s, in) != 0)
		return "<error>";
	return cpuset_format(&s, buf, sizeof(buf));
}

static void test_parse_canonical(void **state)
{
	(void)state;
	assert_string_equal(roundtrip("0-3,8,10-11"), "0-3,8,10-11");
	assert_string_equal(roundtrip("3,2,1,0"), "0-3");
	assert_string_equal(roundtrip("0,1,2,4"), "0-2,4");
	assert_string_equal(roundtrip("5"), "5");
	assert_string_equal(roundtrip(""), "");
	assert_string_equal(roundtrip("  \n"), "");
	assert_string_equal(roundtrip("2-7\n"), "2-7");
	assert_string_equal(roundtrip("0-3,2-5"), "0-5");
	assert_string_equal(roundtrip("0-7:2/4"), "0-1,4-5");
	assert_string_equal(roundtrip("8191"), "8191");
}

static void test_parse_malformed(void **state)
{
	struct cpuset s;

	(void)state;
	assert_int_equal(cpuset_parse(&s, "3-1"), -EINVAL);
	assert_int_equal(cpuset_parse(&s, ",,"), -EINVAL);
	assert_int_equal(cpuset_parse(&s, "1,"), -EINVAL);
	assert_int_equal(cpuset_parse(&s, ",1"), -EINVAL);
	assert_int_equal(cpuset_parse(&s, "a"), -EINVAL);
	assert_int_equal(cpuset_parse(&s, "-1"), -EINVAL);
	assert_int_equal(cpuset_parse(&s, "1-"), -EINVAL);
	assert_int_equal(cpuset_parse(&s, "1 2"), -EINVAL);
	assert_int_equal(cpuset_parse(&s, "0-99999"), -ERANGE);
	assert_int_equal(cpuset_parse(&s, "8192"), -ERANGE);
	assert_int_equal(cpuset_parse(&s, "99999999999999999999999"), -ERANGE);
	assert_int_equal(cpuset_parse(&s, "0-7:0/4"), -EINVAL);
	assert_int_equal(cpuset_parse(&s, "0-7:5/4"), -EINVAL);
}

static void test_masks(void **state)
{
	struct cpuset s;

	(void)state;
	assert_int_equal(cpuset_parse_mask(&s, "33"), 0);
	assert_string_equal(cpuset_format(&s, buf, sizeof(buf)), "0-1,4-5");
	assert_int_equal(cpuset_parse_mask(&s, "00000001,00000000"), 0);
	assert_string_equal(cpuset_format(&s, buf, sizeof(buf)), "32");
	assert_int_equal(cpuset_parse_mask(&s, "ff\n"), 0);
	assert_string_equal(cpuset_format_mask(&s, buf, sizeof(buf)), "000000ff");
	cpuset_zero(&s);
	cpuset_set(&s, 33);
	cpuset_set(&s, 0);
	assert_string_equal(cpuset_format_mask(&s, buf, sizeof(buf)), "00000002,00000001");
	assert_int_equal(cpuset_parse_mask(&s, ""), -EINVAL);
	assert_int_equal(cpuset_parse_mask(&s, "xyz"), -EINVAL);
	assert_int_equal(cpuset_parse_mask(&s, ",ff"), -EINVAL);
}

static void test_algebra(void **state)
{
	struct cpuset a, b, r;
	int cpu, n = 0;

	(void)state;
	cpuset_parse(&a, "0-7");
	cpuset_parse(&b, "2-3,6-9");
	cpuset_and(&r, &a, &b);
	assert_string_equal(cpuset_format(&r, buf, sizeof(buf)), "2-3,6-7");
	cpuset_or(&r, &a, &b);
	assert_string_equal(cpuset_format(&r, buf, sizeof(buf)), "0-9");
	cpuset_andnot(&r, &a, &b);
	assert_string_equal(cpuset_format(&r, buf, sizeof(buf)), "0-1,4-5");
	assert_true(cpuset_intersects(&a, &b));
	assert_false(cpuset_subset(&b, &a));
	cpuset_and(&r, &a, &b);
	assert_true(cpuset_subset(&r, &a));
	assert_int_equal(cpuset_count(&a), 8);
	assert_false(cpuset_equal(&a, &b));
	cpuset_for_each(cpu, &b)
		n++;
	assert_int_equal(n, 6);
	cpuset_zero(&r);
	assert_true(cpuset_empty(&r));
	assert_int_equal(cpuset_next(&r, 0), -1);
	cpuset_set(&r, 8191);
	assert_int_equal(cpuset_next(&r, 100), 8191);
	cpuset_clear(&r, 8191);
	assert_true(cpuset_empty(&r));
	cpuset_set(&r, 9000);	/* out of range: ignored, never a write past the end */
	assert_true(cpuset_empty(&r));
}

static void test_format_truncates_whole_ranges(void **state)
{
	struct cpuset s;
	char small[8];

	(void)state;
	cpuset_parse(&s, "0,2,4,6,8,10");
	cpuset_format(&s, small, sizeof(small));
	assert_string_equal(small, "0,2,4,6");
}

/* The kernel's list format, cpu by cpu: what cpuset_format's word-at-a-time runs must equal. */
static void format_by_cpu(const struct cpuset *s, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int c = 0; c < CPUSET_MAX; c++) {
		int hi = c;
		int n;

		if (!cpuset_has(s, c))
			continue;
		while (hi + 1 < CPUSET_MAX && cpuset_has(s, hi + 1))
			hi++;
		n = hi == c ? snprintf(buf + len, size - len, "%s%d", len ? "," : "", c)
			    : snprintf(buf + len, size - len, "%s%d-%d", len ? "," : "", c, hi);
		if (n < 0 || (size_t)n >= size - len) {
			buf[len] = '\0';
			return;
		}
		len += (size_t)n;
		c = hi;
	}
}

static void test_format_runs(void **state)
{
	static char want[CPUSET_TEXT_MAX], got[CPUSET_TEXT_MAX];
	struct cpuset s;
	unsigned seed = 7;

	(void)state;
	memset(&s, 0xff, sizeof(s));
	assert_string_equal(cpuset_format(&s, got, sizeof(got)), "0-8191");
	assert_int_equal(cpuset_parse(&s, "63-64,127,128-191,8190"), 0);
	assert_string_equal(cpuset_format(&s, got, sizeof(got)), "63-64,127-191,8190");
	/* random sets, sparse to dense, whole and cut short */
	for (int round = 0; round < 400; round++) {
		int density = round % 8;
		size_t size = round % 3 ? sizeof(got) : 1 + (size_t)(round % 97);

		cpuset_zero(&s);
		for (int c = 0; c < CPUSET_MAX; c++) {
			seed = seed * 1103515245u + 12345u;
			if ((int)((seed >> 16) & 7) < density)
				cpuset_set(&s, c);
		}
		format_by_cpu(&s, want, size);
		assert_string_equal(cpuset_format(&s, got, size), want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_canonical),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_algebra),
		cmocka_unit_test(test_format_truncates_whole_ranges),
		cmocka_unit_test(test_format_runs),
	};

	return cmocka_run_group_tests_name("cpuset", tests, NULL, NULL);
}
