/* core/util's string helpers: str_copy cuts as snprintf(dst, size, "%s", src) does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"

static void test_str_copy_as_snprintf(void **state)
{
	static const char *const srcs[] = { "", "a", "kworker/0:1H-kblockd", "exactly15chars!", "16 chars exactly" };
	char ours[20], theirs[20];

	(void)state;
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++)
		for (size_t size = 1; size <= sizeof(ours); size++) {
			memset(ours, 'x', sizeof(ours));
			memset(theirs, 'x', sizeof(theirs));
			str_copy(ours, size, srcs[i]);
			snprintf(theirs, size, "%s", srcs[i]);
			assert_memory_equal(ours, theirs, sizeof(ours));
		}
	memset(ours, 'x', sizeof(ours));
	str_copy(ours, 0, "abc");	/* nothing written, as snprintf with size 0 */
	assert_int_equal(ours[0], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str_copy_as_snprintf),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
