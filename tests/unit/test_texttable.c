/* Text tables: columns widen to their values up to a maximum, wider values wrap inside their column. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "texttable.h"

static char *render(const struct tt_col *cols, size_t ncols, const char *const *cells, size_t nrows)
{
	struct text_table t;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	tt_init(&t, cols, ncols);
	for (size_t r = 0; r < nrows; r++)
		tt_row(&t, cells + r * ncols);
	tt_print(&t, f, "> ");
	tt_free(&t);
	fclose(f);
	return buf;
}

/* Values that fit keep the minimum widths: the table prints as a fixed printf format would. */
static void test_fits(void **state)
{
	static const struct tt_col cols[] = { { "V", 4, 8 }, { "TARGET", 8, 12 }, { "LIVE", 0, 0 } };
	const char *cells[] = { "pass", "a/b", "1", "fail", NULL, "2" };
	char *out = render(cols, 3, cells, 2);

	(void)state;
	assert_string_equal(out, "> V    TARGET   LIVE\n"
				 "> pass a/b      1\n"
				 "> fail -        2\n");
	free(out);
}

/* A column widens to its widest value, up to its maximum; past that the value wraps, after a slash when one is near. */
static void test_widens_then_wraps(void **state)
{
	static const struct tt_col cols[] = { { "V", 1, 4 }, { "TARGET", 4, 10 }, { "LIVE", 0, 0 } };
	const char *cells[] = { "pass", "/proc/sys", "x", "fail", "/sys/devices/cpu0/online", "a very long live value" };
	char *out = render(cols, 3, cells, 2);

	(void)state;
	assert_string_equal(out, "> V    TARGET     LIVE\n"
				 "> pass /proc/sys  x\n"
				 "> fail /sys/      a very long live value\n"
				 ">      devices/\n"
				 ">      cpu0/\n"
				 ">      online\n");
	free(out);
}

/* No break in reach: the value is cut at the column's width; a blank it breaks at does not start the next line. */
static void test_hard_break(void **state)
{
	static const struct tt_col cols[] = { { NULL, 4, 4 }, { NULL, 0, 0 } };
	const char *cells[] = { "abcdefghij", "z", "ab cdefgh", "y" };
	char *out = render(cols, 2, cells, 2);

	(void)state;
	assert_string_equal(out, "> abcd z\n"
				 "> efgh\n"
				 "> ij\n"
				 "> ab   y\n"
				 "> cdef\n"
				 "> gh\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits),
		cmocka_unit_test(test_widens_then_wraps),
		cmocka_unit_test(test_hard_break),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
