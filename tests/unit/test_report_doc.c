/* The report document: verdict rules, validation, histogram folding, escaping, atomic writes. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats.h"
#include "html.h"
#include "report_doc.h"

static json_t *audit_with(const char *verdict)
{
	return json_pack("{s:s, s:{s:s}, s:[{s:s, s:s, s:s, s:s}], s:{s:i, s:i, s:i, s:i, s:i}}", "schema",
			 "tickready.audit/1", "profile", "name", "p", "checks", "id", "cpu.x", "area", "cpu", "verdict",
			 verdict, "observed", "seen", "summary", "pass", !strcmp(verdict, "pass"), "warn",
			 !strcmp(verdict, "warn"), "fail", !strcmp(verdict, "fail"), "skip", 0, "pending_reboot",
			 !strcmp(verdict, "pending-reboot"));
}

static json_t *build(const char *verdict, json_t *verify, bool strict)
{
	struct rdoc_parts p = { .audit = audit_with(verdict), .verify = verify, .verify_source = "f.json",
				.hostname = "h1", .generated = 1700000000, .strict = strict };

	return rdoc_build(&p);
}

static void test_verdicts(void **state)
{
	struct { const char *check; bool strict; json_t *verify; const char *want; } cases[] = {
		{ "pass", false, NULL, "ready" },
		{ "fail", false, NULL, "not-ready" },
		{ "warn", false, NULL, "ready" },
		{ "warn", true, NULL, "not-ready" },
		{ "pending-reboot", false, NULL, "pending-reboot" },
		{ "pass", false, json_pack("{s:[{s:s, s:s}]}", "targets", "name", "s.p99_ns", "verdict", "fail"), "not-ready" },
		{ "pass", false, json_pack("{s:b}", "ready", 0), "not-ready" },
		/* A verify result that judged no target passes nothing, whatever its own ready flag says. */
		{ "pass", false, json_object(), "not-ready" },
		{ "pass", false, json_pack("{s:b, s:[]}", "ready", 1, "targets"), "not-ready" },
		{ "pass", false, json_pack("{s:b, s:[{s:s, s:s}]}", "ready", 1, "targets", "name", "s.p99_ns", "verdict", "pass"),
		  "ready" },
	};
	char why[200];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *d = build(cases[i].check, cases[i].verify, cases[i].strict);

		assert_string_equal(rj_str(d, "verdict"), cases[i].want);
		assert_int_equal(json_is_true(json_object_get(d, "ready")), !strcmp(cases[i].want, "ready"));
		assert_int_equal(rdoc_validate(d, why, sizeof(why)), 0);
		json_decref(d);
	}
}

static void test_verify_summary_absent_not_zero(void **state)
{
	json_t *d = build("pass", json_object(), false);

	(void)state;
	assert_true(json_is_null(rj_get(d, "summary", "verify", "ready", NULL)));
	assert_true(json_is_false(rj_get(d, "summary", "verify", "judged", NULL)));
	assert_string_equal(json_string_value(json_array_get(json_object_get(d, "reasons"), 0)),
			    "verify: not judged: no target passed or failed");
	json_decref(d);
	/* verify's own reason is the report's. */
	d = build("pass", json_pack("{s:b, s:[], s:s}", "ready", 0, "targets", "not_judged",
				    "no target of profile 'p' applies to idle mode"), false);
	assert_string_equal(json_string_value(json_array_get(json_object_get(d, "reasons"), 0)),
			    "verify: not judged: no target of profile 'p' applies to idle mode");
	json_decref(d);
	d = build("pass", NULL, false);
	assert_true(json_is_null(rj_get(d, "summary", "verify", NULL)));
	assert_true(json_is_null(json_object_get(d, "verify_source")));
	json_decref(d);
}

static void test_validate(void **state)
{
	json_t *d = build("pass", NULL, false);
	char why[200];

	(void)state;
	json_object_set_new(d, "schema", json_string("tickready.report/2"));
	assert_int_equal(rdoc_validate(d, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "version"));
	json_object_set_new(d, "schema", json_string("tickready.audit/1"));
	assert_int_equal(rdoc_validate(d, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "tickready.audit/1"));
	json_object_set_new(d, "schema", json_string(REPORT_SCHEMA));
	json_object_del(d, "verdict");
	assert_int_equal(rdoc_validate(d, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "verdict"));
	json_decref(d);
}

static void test_histogram_fold(void **state)
{
	json_t *h = json_loads("[[25, 1], [45, 2], [55, 3], [95, 4], [1500, 5], [\"bad\"], [3000000, 6]]", 0, NULL);
	struct rdoc_bucket b[RDOC_BUCKETS];
	int n = rdoc_histogram(h, b, RDOC_BUCKETS);
	double total = 0;

	(void)state;
	/* 50 ns .. 5 ms on 1-2-5 steps, contiguous, the malformed pair skipped. */
	assert_int_equal(n, 16);
	assert_true(b[0].upper_ns == 50 && b[0].count == 3);
	assert_true(b[1].upper_ns == 100 && b[1].count == 7);
	assert_true(b[n - 1].upper_ns == 5e6 && b[n - 1].count == 6);
	for (int i = 0; i < n; i++) {
		total += b[i].count;
		if (i)
			assert_true(b[i].upper_ns > b[i - 1].upper_ns);
	}
	assert_true(total == 21);
	json_decref(h);
	h = json_array();
	assert_int_equal(rdoc_histogram(h, b, RDOC_BUCKETS), 0);
	json_decref(h);
}

static void test_html_escape(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	html_esc(f, "<a href=\"x\">'&'\x01</a>");
	html_cell(f, NULL);
	fclose(f);
	assert_string_equal(buf, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;?&lt;/a&gt;&mdash;");
	free(buf);
}

static int fail_half_way(FILE *out, const void *arg)
{
	(void)arg;
	fputs("half", out);
	return -EIO;
}

static int write_ok(FILE *out, const void *arg)
{
	fputs(arg, out);
	return 0;
}

static void test_write_atomic(void **state)
{
	char dir[] = "/tmp/tickready-unit-XXXXXX", path[64], buf[16] = "";
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.prom", dir);
	assert_int_equal(write_atomic(path, write_ok, "old\n"), 0);
	assert_int_equal(write_atomic(path, fail_half_way, NULL), -EIO);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	/* The failed write left the old file whole and no temporary beside it. */
	assert_string_equal(buf, "old\n");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* The format table: what --format accepts for each document comes from its rows. */
static void test_format_table(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(out_format_choices(OUT_AUDIT, false, buf, sizeof(buf)), "text, json or none");
	assert_string_equal(out_format_choices(OUT_REPORT, true, buf, sizeof(buf)), "text|json|none");
	assert_non_null(out_format_stdout("none", OUT_AUDIT));
	/* HTML is a file, never standard output; the audit has no HTML writer at all. */
	assert_null(out_format_stdout("html", OUT_REPORT));
	assert_null(out_format_stdout("xml", OUT_REPORT));
	assert_null(out_format_named("html")->audit);
	assert_null(out_format_named("prom")->fleet);
	assert_string_equal(out_format_named("prom")->in_dir, "tickready.prom");
	/* Every format with a file option renders the report, and every row fits the table's size. */
	for (size_t i = 0; out_formats[i].name; i++) {
		assert_true(i < OUT_FORMATS);
		if (out_formats[i].arg)
			assert_non_null(out_formats[i].report);
	}
	/* A buffer too small is cut, never overrun. */
	assert_string_equal(out_format_choices(OUT_AUDIT, false, buf, 6), "text,");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_verify_summary_absent_not_zero),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_histogram_fold),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_write_atomic),
		cmocka_unit_test(test_format_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
