/* test_stats.c - cmocka tests of mean/stdev and the percentile summary. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "stats.h"

static void test_welford(void **state)
{
	const double xs[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct welford w;
	unsigned int i;

	(void)state;
	welford_init(&w);
	assert_true(welford_stdev(&w) == 0.0);
	for (i = 0; i < 8; i++)
		welford_add(&w, xs[i]);
	assert_true(fabs(w.mean - 5.0) < 1e-12);
	assert_true(fabs(welford_stdev(&w) - 2.0) < 1e-12);
}

/* Uniform 1000..2000: mean 1500, stdev 1000/sqrt(12) ~ 288.7. */
static void test_hist_mean_stdev(void **state)
{
	struct hist *h = calloc(1, sizeof(*h));
	struct stats_summary s;
	uint64_t v;

	(void)state;
	assert_non_null(h);
	for (v = 1000; v <= 2000; v++)
		hist_record(h, v);
	assert_true(fabs(stats_hist_mean(h) - 1500.0) / 1500.0 < 0.005);
	assert_true(fabs(stats_hist_stdev(h) - 289.0) / 289.0 < 0.01);
	/* 2 ns per unit doubles everything */
	assert_int_equal(stats_summarize(h, 2.0, &s), 0);
	assert_int_equal(s.count, 1001);
	assert_true(fabs(s.mean - 3000.0) / 3000.0 < 0.005);
	assert_true(fabs(s.stdev - 578.0) / 578.0 < 0.01);
	assert_true(s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.p999 &&
		    s.p999 <= s.p9999 && s.p9999 <= s.max);
	assert_true(s.max >= 4000 && s.max <= 4000 * 1.004);
	free(h);
}

static void test_constant(void **state)
{
	struct hist *h = calloc(1, sizeof(*h));
	unsigned int i;

	(void)state;
	assert_non_null(h);
	for (i = 0; i < 100; i++)
		hist_record(h, 100);
	assert_true(stats_hist_mean(h) == 100.0);
	assert_true(stats_hist_stdev(h) == 0.0);
	free(h);
}

static void test_empty_and_invalid(void **state)
{
	struct hist *h = calloc(1, sizeof(*h));
	struct stats_summary s;

	(void)state;
	assert_non_null(h);
	assert_int_equal(stats_summarize(h, 1.0, &s), 0);
	assert_int_equal(s.count, 0);
	assert_true(s.mean == 0.0 && s.stdev == 0.0 && s.max == 0);
	assert_int_equal(stats_summarize(h, 0.0, &s), -EINVAL);
	assert_int_equal(stats_summarize(NULL, 1.0, &s), -EINVAL);
	assert_int_equal(stats_to_ns(3, 0.5), 2);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_welford),
		cmocka_unit_test(test_hist_mean_stdev),
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_empty_and_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
