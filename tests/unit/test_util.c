/* core/util's string helpers: str_copy, str_join and str_num write what snprintf would, cut where it would cut. */
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

static void test_str_join_as_snprintf(void **state)
{
	const char *const parts[] = { "/proc/", "4242", "/task/", "4243", "/", "status" };
	char ours[40], theirs[40];

	(void)state;
	for (size_t size = 1; size <= sizeof(ours); size++) {
		memset(ours, 'x', sizeof(ours));
		memset(theirs, 'x', sizeof(theirs));
		assert_ptr_equal(str_join(ours, size, parts, 6), ours);
		snprintf(theirs, size, "%s%s%s%s%s%s", parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]);
		assert_memory_equal(ours, theirs, sizeof(ours));
	}
	str_join(ours, sizeof(ours), parts, 0);
	assert_string_equal(ours, "");
}

static void test_str_num_as_snprintf(void **state)
{
	static const int nums[] = { 0, 7, -7, 42, 16777216, 2147483647, -2147483647 - 1 };
	char ours[40], theirs[40];

	(void)state;
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		for (size_t size = 1; size <= sizeof(ours); size++) {
			memset(ours, 'x', sizeof(ours));
			memset(theirs, 'x', sizeof(theirs));
			assert_ptr_equal(str_num(ours, size, "/proc/irq/", nums[i], "/smp_affinity"), ours);
			snprintf(theirs, size, "%s%d%s", "/proc/irq/", nums[i], "/smp_affinity");
			assert_memory_equal(ours, theirs, sizeof(ours));
		}
	memset(ours, 'x', sizeof(ours));
	str_num(ours, 0, "a", 1, "b");
	assert_int_equal(ours[0], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str_copy_as_snprintf),
		cmocka_unit_test(test_str_join_as_snprintf),
		cmocka_unit_test(test_str_num_as_snprintf),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
