/* Kernel command line: quotes, repeated keys, "--", isolcpus flags. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cmdline.h"
#include "util.h"

static void test_split_and_quotes(void **state)
{
	struct cmdline cl;

	(void)state;
	cmdline_parse(&cl, "BOOT_IMAGE=/vmlinuz ro quiet foo=\"a b c\" \"bar=x y\" dyndbg=\"file x.c +p\"\n");
	assert_int_equal(cl.n, 6);
	assert_string_equal(cmdline_get(&cl, "BOOT_IMAGE"), "/vmlinuz");
	assert_string_equal(cmdline_get(&cl, "quiet"), "");
	assert_string_equal(cmdline_get(&cl, "foo"), "a b c");
	assert_string_equal(cmdline_get(&cl, "bar"), "x y");
	assert_string_equal(cmdline_get(&cl, "dyndbg"), "file x.c +p");
	assert_null(cmdline_get(&cl, "missing"));
	assert_false(cmdline_has(&cl, "qui"));
	cmdline_free(&cl);
}

static void test_repeated_and_init_args(void **state)
{
	struct cmdline cl;

	(void)state;
	cmdline_parse(&cl, "isolcpus=1 mitigations=auto isolcpus=2-3 -- --init-flag isolcpus=9");
	assert_string_equal(cmdline_get(&cl, "isolcpus"), "2-3");
	assert_int_equal(cl.n, 3);
	cmdline_free(&cl);
	cmdline_parse(&cl, "");
	assert_int_equal(cl.n, 0);
	cmdline_free(&cl);
	cmdline_parse(&cl, "unterminated=\"abc def");
	assert_string_equal(cmdline_get(&cl, "unterminated"), "abc def");
	cmdline_free(&cl);
}

static void test_isolcpus(void **state)
{
	char buf[64];
	struct cpuset s;
	unsigned flags;

	(void)state;
	assert_int_equal(cmdline_parse_isolcpus("managed_irq,domain,2-7", &s, &flags), 0);
	assert_string_equal(cpuset_format(&s, buf, sizeof(buf)), "2-7");
	assert_int_equal(flags, ISOLCPUS_MANAGED_IRQ | ISOLCPUS_DOMAIN);
	assert_int_equal(cmdline_parse_isolcpus("2-3,6-7", &s, &flags), 0);
	assert_int_equal(flags, ISOLCPUS_DOMAIN);
	assert_int_equal(cmdline_parse_isolcpus("nohz,managed_irq,1", &s, &flags), 0);
	assert_int_equal(flags, ISOLCPUS_NOHZ | ISOLCPUS_MANAGED_IRQ);
	assert_int_equal(cmdline_parse_isolcpus("managed_irq,2-3", &s, &flags), 0);
	assert_int_equal(flags, ISOLCPUS_MANAGED_IRQ);	/* no scheduler-domain isolation */
	assert_int_equal(cmdline_parse_isolcpus("managed_irq,3-1", &s, &flags), -EINVAL);
	assert_int_equal(cmdline_parse_isolcpus("bogus,1", &s, &flags), -EINVAL);
}

static void test_cpu_params(void **state)
{
	struct cmdline cl;
	struct cpuset s;
	bool present;
	char buf[64];

	(void)state;
	cmdline_parse(&cl, "nohz_full=2-7 rcu_nocbs");
	assert_int_equal(cmdline_cpu_param(&cl, "nohz_full", &s, &present), 0);
	assert_true(present);
	assert_string_equal(cpuset_format(&s, buf, sizeof(buf)), "2-7");
	assert_int_equal(cmdline_cpu_param(&cl, "rcu_nocbs", &s, &present), 0);
	assert_true(present);
	assert_true(cpuset_empty(&s));
	assert_int_equal(cmdline_cpu_param(&cl, "isolcpus", &s, &present), 0);
	assert_false(present);
	cmdline_free(&cl);
}

/* What a staged line carries on: each word as written, init's arguments after "--" as written. */
static void test_raw_words(void **state)
{
	struct cmdline cl;
	struct strbuf sb = { 0 };
	char back[256];

	(void)state;
	cmdline_parse(&cl, "ro acpi_osi=\"!Windows 2012\" \"dyndbg=file a.c +p\"  --  single  x=\"1 2\" ");
	assert_int_equal(cl.n, 3);
	assert_string_equal(cl.args[1].raw, "acpi_osi=\"!Windows 2012\"");
	assert_string_equal(cl.args[1].value, "!Windows 2012");
	assert_string_equal(cl.args[2].raw, "\"dyndbg=file a.c +p\"");
	assert_string_equal(cl.args[2].key, "dyndbg");
	assert_string_equal(cl.init_tail, "--  single  x=\"1 2\"");
	cmdline_free(&cl);
	cmdline_parse(&cl, "quiet");
	assert_null(cl.init_tail);
	cmdline_free(&cl);
	/* A value written into a shell double-quoted string reads back the same. */
	strbuf_add(&sb, "V=\"");
	shell_dquote(&sb, "a=\"$x `y` \\z\"");
	strbuf_add(&sb, "\"");
	assert_true(shell_assigns(sb.s, sb.len, "V", back, sizeof(back)));
	assert_string_equal(back, "a=\"$x `y` \\z\"");
	strbuf_free(&sb);
}

/* Limits never wrap: past LLONG_MAX bytes is an error, not a negative or small size. */
static void test_byte_limit(void **state)
{
	long long v;

	(void)state;
	assert_int_equal(parse_byte_limit("64M", 1, &v), 0);
	assert_true(v == 64ll << 20);
	assert_int_equal(parse_byte_limit("unlimited", 1, &v), 0);
	assert_true(v == BYTE_LIMIT_UNLIMITED);
	assert_int_equal(parse_byte_limit("8388607T", 1, &v), 0);
	assert_true(v > 0);
	assert_int_equal(parse_byte_limit("8388608T", 1, &v), -ERANGE);
	assert_int_equal(parse_byte_limit("99999999999999999999", 1, &v), -ERANGE);
	assert_int_equal(parse_byte_limit("9223372036854775807", 1024, &v), -ERANGE);
	assert_int_equal(parse_byte_limit("12X", 1, &v), -EINVAL);
	assert_int_equal(parse_byte_limit("-1", 1, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_and_quotes),
		cmocka_unit_test(test_repeated_and_init_args),
		cmocka_unit_test(test_isolcpus),
		cmocka_unit_test(test_cpu_params),
		cmocka_unit_test(test_raw_words),
		cmocka_unit_test(test_byte_limit),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
