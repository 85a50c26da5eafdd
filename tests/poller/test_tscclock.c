/* test_tscclock.c - cmocka tests of the TSC calibration's arithmetic. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tscclock.h"

/* 2.096 GHz over 100 ms: the rate comes back exact, DPDK's rounded 2.1 GHz would be 0.19 % off. */
static void test_rate_between(void **state)
{
	struct tsc_sample a = { 1000, 5000000000ULL, 40 }, b = { 1000 + 209600000ULL, 5100000000ULL, 60 };

	(void)state;
	assert_true(fabs(tsc_hz_between(&a, &b) - 2096000000.0) < 1e-3);
	/* half brackets 20 + 30 ns over 100 ms */
	assert_true(fabs(tsc_hz_bound(&a, &b) - 50e-9 / 0.1) < 1e-12);
	assert_true(fabs(tsc_rel_error(209600000ULL, 2.1e9, 100000000ULL) - (2.096 / 2.1 - 1)) < 1e-12);
	assert_true(fabs(tsc_rel_error(209600000ULL, tsc_hz_between(&a, &b), 100000000ULL)) < 1e-12);
}

/* Samples out of order on either clock give no rate; no reference gives no error. */
static void test_degenerate(void **state)
{
	struct tsc_sample a = { 1000, 2000, 10 }, b = { 999, 3000, 10 }, c = { 2000, 2000, 10 };

	(void)state;
	assert_true(tsc_hz_between(&a, &b) == 0);
	assert_true(tsc_hz_between(&a, &c) == 0);
	assert_true(tsc_hz_bound(&a, &c) == 1);
	assert_true(tsc_rel_error(100, 1e9, 0) == 0);
	assert_true(tsc_rel_error(100, 0, 100) == 0);
}

/* The live calibration: a rate and a window at least as long as asked (no claim on what the rate is). */
static void test_calibrate_live(void **state)
{
	struct tsc_sample a = tsc_sample_take(4);
	struct tsc_calibration cal;

	(void)state;
#if defined(__x86_64__) || defined(__i386__)
	assert_int_equal(tsc_calibrate_since(&a, 5, &cal), 0);
	assert_true(cal.hz > 0);
	assert_true(cal.window_ns >= 5000000ULL);
	assert_true(cal.bound >= 0 && cal.bound < 1);
#else
	assert_int_equal(tsc_calibrate_since(&a, 5, &cal), -1);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_between),
		cmocka_unit_test(test_degenerate),
		cmocka_unit_test(test_calibrate_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
