/* core/dynlib: a library opened on first use gives the same functions a link would, or says why it cannot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "dynlib.h"

#define Z_FNS(X) X(zlibVersion) X(crc32)
DYNLIB(zl, "libz.so.1", Z_FNS);

static void test_opens_as_linked(void **state)
{
	const unsigned char text[] = "isolcpus=2-15";

	(void)state;
	assert_true(dynlib_open(&zl));
	assert_int_equal(zl.state, 1);
	/* The same library as the test links: the same answers. */
	assert_ptr_not_equal(zl_fn.zlibVersion, NULL);
	assert_string_equal(zl_fn.zlibVersion(), zlibVersion());
	assert_int_equal(zl_fn.crc32(0, text, sizeof(text) - 1), crc32(0, text, sizeof(text) - 1));
	assert_true(dynlib_open(&zl));	/* once open, kept */
}

static void test_missing_library(void **state)
{
	static struct { void (*f)(void); } none;
	static const char *const names[] = { "f", NULL };
	struct dynlib lib = { .soname = "libtickready-absent.so.9", .names = names, .fns = &none };

	(void)state;
	assert_false(dynlib_open(&lib));
	assert_int_equal(lib.state, -1);
	assert_non_null(strstr(lib.err, "libtickready-absent.so.9"));
	assert_null(none.f);
	assert_false(dynlib_open(&lib));	/* not tried again */
}

static void test_missing_symbol(void **state)
{
	static struct { void (*a)(void), (*b)(void); } two;
	static const char *const names[] = { "crc32", "tickready_no_such_symbol", NULL };
	struct dynlib lib = { .soname = "libz.so.1", .names = names, .fns = &two };

	(void)state;
	assert_false(dynlib_open(&lib));
	assert_non_null(strstr(lib.err, "libz.so.1: no symbol tickready_no_such_symbol"));
	assert_null(two.a);	/* the one found is not left behind */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opens_as_linked),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_missing_symbol),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
