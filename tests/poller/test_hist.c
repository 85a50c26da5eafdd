/* test_hist.c - cmocka tests of the log-linear histogram. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hist.h"

static struct hist *new_hist(void)
{
	struct hist *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	return h;
}

static void assert_within_1pct(uint64_t got, double want)
{
	double rel = fabs((double)got - want) / want;

	if (rel > 0.01)
		fail_msg("got %llu want %.1f (rel %.4f)", (unsigned long long)got,
			 want, rel);
}

/* Uniform 1..N: the p-th percentile is p * N / 100. */
static void test_uniform(void **state)
{
	struct hist *h = new_hist();
	const uint64_t n = 1000000;
	const double pcts[] = { 1, 10, 50, 90, 99, 99.9, 99.99, 100 };
	uint64_t v;
	unsigned int i;

	(void)state;
	for (v = 1; v <= n; v++)
		hist_record(h, v);
	assert_int_equal(hist_count(h), n);
	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		assert_within_1pct(hist_percentile(h, pcts[i]), pcts[i] * n / 100);
	assert_within_1pct(hist_max(h), n);
	free(h);
}

/* Exponential with mean m: percentile p is -m ln(1 - p/100). */
static void test_exponential(void **state)
{
	struct hist *h = new_hist();
	const unsigned int n = 2000000;
	const double m = 5000.0, pcts[] = { 50, 90, 99, 99.9 };
	unsigned int i;

	(void)state;
	srand(42);
	for (i = 0; i < n; i++) {
		/* deterministic quantiles instead of random draws */
		double u = (i + 0.5) / n;

		hist_record(h, (uint64_t)(-m * log(1 - u)));
	}
	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		assert_within_1pct(hist_percentile(h, pcts[i]),
				   -m * log(1 - pcts[i] / 100));
	free(h);
}

static void test_monotonic(void **state)
{
	struct hist *h = new_hist();
	uint64_t prev = 0, v;
	unsigned int i;
	double p;

	(void)state;
	srand(7);
	for (i = 0; i < 100000; i++)
		hist_record(h, (uint64_t)rand() % 1000000 * (i % 7 + 1));
	for (p = 0; p <= 100; p += 0.01) {
		v = hist_percentile(h, p);
		assert_true(v >= prev);
		prev = v;
	}
	assert_true(prev <= hist_max(h));
	free(h);
}

static void test_empty(void **state)
{
	struct hist *h = new_hist();

	(void)state;
	assert_int_equal(hist_count(h), 0);
	assert_int_equal(hist_percentile(h, 50), 0);
	assert_int_equal(hist_percentile(h, 100), 0);
	assert_int_equal(hist_max(h), 0);
	free(h);
}

static void test_clamp(void **state)
{
	struct hist *h = new_hist();

	(void)state;
	hist_record(h, UINT64_MAX);
	hist_record(h, HIST_MAX_VALUE + 12345);
	assert_int_equal(h->counts[HIST_NBUCKETS - 1], 2);
	assert_int_equal(hist_max(h), HIST_MAX_VALUE);
	assert_int_equal(hist_percentile(h, 100), HIST_MAX_VALUE);
	free(h);
}

/* Every value lands in a bucket whose bounds contain it, width <= 1%. */
static void test_bucket_bounds(void **state)
{
	uint64_t v;
	unsigned int idx, prev = 0;

	(void)state;
	for (v = 0; v <= HIST_MAX_VALUE; v = v < 4096 ? v + 1 : v + v / 97) {
		idx = hist_index(v);
		assert_true(idx < HIST_NBUCKETS);
		assert_true(idx >= prev);
		assert_true(hist_bucket_low(idx) <= v && v <= hist_bucket_high(idx));
		assert_true((double)(hist_bucket_high(idx) - v) <= 0.004 * (double)v);
		prev = idx;
	}
	assert_int_equal(hist_index(HIST_MAX_VALUE), HIST_NBUCKETS - 1);
	assert_int_equal(hist_bucket_high(HIST_NBUCKETS - 1), HIST_MAX_VALUE);
	for (idx = 1; idx < HIST_NBUCKETS; idx++)
		assert_int_equal(hist_bucket_low(idx), hist_bucket_high(idx - 1) + 1);
}

static void test_delta(void **state)
{
	struct hist *h = new_hist();
	uint64_t neg = 0;

	(void)state;
	hist_record_delta(h, 100, 200, &neg);
	hist_record_delta(h, 200, 100, &neg);
	hist_record_delta(h, UINT64_MAX / 2, 0, &neg);
	assert_int_equal(neg, 1);
	assert_int_equal(hist_count(h), 2);
	assert_int_equal(h->counts[100], 1);
	assert_int_equal(h->counts[HIST_NBUCKETS - 1], 1);
	free(h);
}

static void test_merge(void **state)
{
	struct hist *a = new_hist(), *b = new_hist();

	(void)state;
	hist_record(a, 10);
	hist_record(b, 1000);
	assert_int_equal(hist_merge(a, b), 0);
	assert_int_equal(hist_count(a), 2);
	assert_within_1pct(hist_max(a), 1000);
	assert_int_equal(hist_merge(NULL, b), -EINVAL);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_exponential),
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_clamp),
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
