/* test_report.c - the poller's document carries every key of verify/schema.h that its reader judges, and its counts add up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report.h"
#include "schema.h"

static char *render(struct report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(report_json(f, r), 0);
	fclose(f);
	return buf;
}

static bool has_key(const char *doc, enum vs_key k)
{
	char pat[64];

	snprintf(pat, sizeof(pat), "\"%s\": ", vs_key(k));
	return strstr(doc, pat) != NULL;
}

static void test_every_key_written(void **state)
{
	static struct hist h;
	static struct seq_track seq;
	struct gap_tracker g;
	struct report r = { .mode = "loopback", .tsc_hz = 1000000000, .tsc_offset_measured = true, .duration_s = 1 };
	char *doc, *feeds;

	(void)state;
	assert_int_equal(gap_init(&g, 1000000000, 1000, 0), 0);
	gap_record_slow(&g, 5000, 3000);
	seq_reset(&seq);
	for (uint64_t s = 0; s < 100; s++)
		if (s != 40)
			seq_note(&seq, s);
	seq_note(&seq, 7);
	for (int i = 0; i < 99; i++)
		hist_record(&h, 100);
	r.nstreams = 1;
	r.streams[0] = (struct report_stream){ .name = "loopback", .sent = 100, .received = 100, .hist = &h,
					       .latency_measured = true, .ns_per_unit = 1, .seq = &seq };
	r.ncores = 1;
	r.cores[0] = (struct report_core){ .cpu = 1, .role = "poller", .gap = &g, .has_busy = true, .busy_cycles = 2500 };
	r.cpu_user_s = 0.75;
	doc = render(&r);
	/* A receiving poller's busy time, and the process's CPU time in every mode (the sweep's CPU per point). */
	assert_non_null(strstr(doc, "\"busy_ns\": 2500"));
	assert_non_null(strstr(doc, "\"cpu_user_s\": 0.75"));
	/* The loop's percentiles count every gap (a 3000 in the tracker's slow path alone is not one); none above the max. */
	assert_non_null(strstr(doc, "\"gap_p50_ns\": 0,"));
	for (int i = 0; i < 98; i++)
		gap_note(&g, 100, 0);
	gap_note(&g, 1001, 0);
	gap_note(&g, 100000, 0);
	free(doc);
	doc = render(&r);
	assert_non_null(strstr(doc, "\"max_gap_ns\": 100000,"));
	assert_non_null(strstr(doc, "\"gap_p50_ns\": 100,"));
	assert_non_null(strstr(doc, "\"gap_p99_ns\": 1003,"));
	assert_non_null(strstr(doc, "\"gap_p999_ns\": 100000,"));
	/* 99 unique + 1 duplicate of 100 sent: 1 dropped. */
	assert_non_null(strstr(doc, "\"dropped\": 1,"));
	assert_non_null(strstr(doc, "\"duplicated\": 1,"));
	/* The feeds receiver's document carries the feed keys; verify alone writes "path". */
	r.mode = "feeds";
	r.feeds = true;
	r.filter_why = "rule for 239.1.1.1:30001: Function not implemented";
	r.streams[0].has_feed = true;
	r.streams[0].has_gaps = true;
	r.streams[0].gaps = 1;
	r.has_total = true;
	r.total = r.streams[0];
	r.total.has_feed = false;
	feeds = render(&r);
	assert_non_null(strstr(feeds, "\"gaps\": 1,"));
	assert_non_null(strstr(feeds, "\"group\": \"0.0.0.0\""));
	for (int k = 0; k < VK_COUNT; k++)
		if (k != VK_PATH && !has_key(doc, (enum vs_key)k) && !has_key(feeds, (enum vs_key)k))
			fail_msg("the poller's documents lack '%s':\n%s", vs_key((enum vs_key)k), feeds);
	free(doc);
	free(feeds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key_written),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
