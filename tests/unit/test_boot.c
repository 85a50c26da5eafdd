/* core/boot: the one parser of each boot format (GRUB drop-in lines, BLS entries). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot.h"

static char *dropin(const char *text)
{
	struct strbuf sb = { 0 };

	boot_grub_dropin_params(text, &sb);
	return sb.s ? strbuf_detach(&sb) : xstrdup("");
}

static void test_dropin_params(void **state)
{
	char *s;

	(void)state;
	s = dropin("# Written by tickready\nGRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT isolcpus=2-3 skew_tick=1\"\n");
	assert_string_equal(trim(s), "isolcpus=2-3 skew_tick=1");
	free(s);
	/* Leading blanks are still the assignment; a comment or another variable is not. */
	s = dropin("   GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT nohz_full=2\"\n"
		   "\t# GRUB_CMDLINE_LINUX=\"bogus=1\"\nGRUB_TIMEOUT=\"5\"\n\tGRUB_CMDLINE_LINUX=\"rcu_nocbs=2\"\n");
	assert_non_null(strstr(s, "nohz_full=2"));
	assert_non_null(strstr(s, "rcu_nocbs=2"));
	assert_null(strstr(s, "bogus"));
	assert_null(strstr(s, "5"));
	assert_null(strstr(s, "B_CMDLINE"));
	free(s);
	s = boot_grub_dropin_format("tickready apply (profile x)", "a=1 b");
	assert_string_equal(s, "# Written by tickready apply (profile x); `tickready revert` removes it.\n"
			       "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT a=1 b\"\n");
	free(s);
}

static void test_bls(void **state)
{
	const char *e = "title Linux\nversion 6.1\n  options root=/dev/sda1 ro quiet\ninitrd /i.img\n";
	char *o, *n;

	(void)state;
	o = boot_bls_options(e);
	assert_string_equal(o, "root=/dev/sda1 ro quiet");
	n = boot_bls_with_options(e, "root=/dev/sda1 ro quiet skew_tick=1");
	assert_string_equal(n, "title Linux\nversion 6.1\noptions root=/dev/sda1 ro quiet skew_tick=1\ninitrd /i.img\n");
	free(n);
	free(o);
	assert_null(boot_bls_options("title x\noptionsfoo bar\n"));
	n = boot_bls_with_options("title x", "a=1");
	assert_string_equal(n, "title x\noptions a=1\n");
	free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dropin_params),
		cmocka_unit_test(test_bls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
