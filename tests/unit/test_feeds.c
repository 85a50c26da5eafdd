/* verify feeds mode: the scenario presets, the kernel path's per-feed accounting (gaps, reorders, duplicates, foreign), drop targets per feed. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "feeds.h"
#include "verify.h"

static void test_presets(void **state)
{
	const struct feed_scenario *s = feed_scenario_find("single"), *m = feed_scenario_find("multi");
	char buf[48], a[INET_ADDRSTRLEN];
	uint32_t g;

	(void)state;
	assert_non_null(s);
	assert_non_null(m);
	assert_null(feed_scenario_find("bogus"));
	assert_null(feed_scenario_find(NULL));
	/* the two scenarios */
	assert_int_equal(s->ngroups, 1);
	assert_int_equal(s->rate, 50000);
	assert_string_equal(feed_scenario_groups(s, buf, sizeof(buf)), "239.1.1.1");
	assert_int_equal(m->ngroups, 4);
	assert_int_equal(m->rate, 200000);
	assert_int_equal(m->size_min, 100);
	assert_int_equal(m->size_max, 500);
	assert_string_equal(feed_scenario_groups(m, buf, sizeof(buf)), "239.1.1.1-4");
	g = feed_scenario_group(m, 3);
	inet_ntop(AF_INET, &g, a, sizeof(a));
	assert_string_equal(a, "239.1.1.4");
	for (size_t i = 0; i < feed_nscenarios; i++) {
		assert_true(feed_scenarios[i].ngroups >= 1 && feed_scenarios[i].ngroups <= TR_FEED_MAX);
		assert_true(feed_scenarios[i].size_min >= TR_STAMP_FEED_LEN);
		assert_true(feed_scenarios[i].size_min <= feed_scenarios[i].size_max);
	}
}

static void note(struct feed_shared *k, unsigned int feed, uint64_t seq, uint64_t t, uint32_t dst, uint64_t now)
{
	struct tr_stamp s = { .clock = TR_CLOCK_TSC, .seq = seq, .t = t, .feed = feed };
	uint8_t buf[64];

	memset(buf, 0, sizeof(buf));
	assert_int_equal(tr_stamp_encode_feed(buf, sizeof(buf), &s), 0);
	feed_note(k, buf, sizeof(buf), dst, now);
}

/* Each feed numbers its own packets: a hole in one is not a hole in the other. */
static void test_per_feed_accounting(void **state)
{
	struct feed_shared *k = feed_shared_new(2, 4);
	uint32_t g0 = htonl(0xef010101), g1 = htonl(0xef010102);
	struct tr_stamp v1 = { .clock = TR_CLOCK_TSC, .seq = 0, .t = 1 };
	uint8_t buf[64] = { 0 };

	(void)state;
	assert_non_null(k);
	k->groups[0] = g0;
	k->groups[1] = g1;
	/* feed 0: 0 1 3 2 3 -> one reorder, one duplicate, no gap */
	note(k, 0, 0, 100, g0, 150);
	note(k, 0, 1, 100, g0, 160);
	note(k, 0, 3, 100, g0, 170);
	note(k, 0, 2, 100, g0, 180);
	note(k, 0, 3, 100, g0, 190);
	/* feed 1: 0 4 -> three missing; its stamp later than the receive clock is negative, not a latency */
	note(k, 1, 0, 100, g1, 120);
	note(k, 1, 4, 500, g1, 400);
	assert_int_equal(k->f[0].received, 5);
	assert_int_equal(k->f[0].seq.unique, 4);
	assert_int_equal(k->f[0].seq.reordered, 1);
	assert_int_equal(k->f[0].seq.duplicated, 1);
	assert_int_equal(seq_missing(&k->f[0].seq), 0);
	assert_int_equal(k->f[1].received, 2);
	assert_int_equal(seq_missing(&k->f[1].seq), 3);
	assert_int_equal(k->f[1].negative, 1);
	assert_int_equal(k->f[1].nlat, 1);
	assert_int_equal(k->lat[1 * k->cap + 0], 20);
	/* only cap latencies per feed are kept; the rest still count */
	assert_int_equal(k->f[0].nlat, 4);
	assert_int_equal(k->lat[0], 50);
	/* feed 1's stamp on feed 0's group, a feed id past the groups, a version 1 stamp, garbage: foreign */
	note(k, 1, 5, 100, g0, 200);
	note(k, 3, 0, 100, g1, 200);
	tr_stamp_encode(buf, sizeof(buf), &v1);
	feed_note(k, buf, sizeof(buf), g0, 200);
	feed_note(k, "hello", 5, g0, 200);
	assert_int_equal(k->foreign, 4);
	assert_int_equal(k->f[1].received, 2);
	assert_int_equal(k->f[0].received, 5);
	feed_shared_free(k);
}

/* Drops are judged per feed per path; a stream that sent nothing cannot pass. */
static void test_feed_drop_targets(void **state)
{
	struct verify_target t[VERIFY_MAX_TARGETS];
	struct profile p;
	struct profile_error err;
	json_t *doc = json_loads(
		"{\"schema\": \"tickready.verify/1\", \"mode\": \"feeds\", \"streams\": ["
		"{\"name\": \"kernel-feed0\", \"sent\": 1000, \"received\": 990, \"dropped\": 10, \"duplicated\": 0, \"foreign\": 0},"
		"{\"name\": \"dpdk-feed0\", \"sent\": 1000, \"received\": 1000, \"dropped\": 0, \"duplicated\": 0, \"foreign\": 0},"
		"{\"name\": \"dpdk-feed1\", \"received\": 0, \"dropped\": 0, \"duplicated\": 0, \"foreign\": 0}]}", 0, NULL);
	int n;

	(void)state;
	assert_non_null(doc);
	assert_int_equal(profile_load_string(&p, "[targets]\nmax_drop_ppm = 5000\n", "test", &err), 0);
	n = verify_targets(&p, VM_FEEDS, doc, t, VERIFY_MAX_TARGETS);
	assert_int_equal(n, 4);	/* and the rate reached, judged by default, here with nothing to judge it by */
	assert_string_equal(t[3].name, "feeds.min_rate_pct");
	assert_true(t[3].missing);
	assert_string_equal(t[0].name, "max_drop_ppm[kernel-feed0]");
	assert_true(t[0].observed == 10000);
	assert_int_equal(t[0].verdict, TV_FAIL);
	assert_int_equal(t[1].verdict, TV_PASS);
	assert_true(t[2].missing);
	assert_int_equal(t[2].verdict, TV_FAIL);
	assert_non_null(strstr(t[2].why, "sent"));
	profile_free(&p);
	json_decref(doc);
}

/* feeds judged drops alone: neither the DPDK path's latency nor the rate the generator reached (91,958 of 200k msg/s). */
static void test_feed_latency_and_rate(void **state)
{
	struct verify_target t[VERIFY_MAX_TARGETS];
	struct profile p;
	struct profile_error err;
	json_t *doc = json_loads(
		"{\"schema\": \"tickready.verify/1\", \"mode\": \"feeds\", \"streams\": [],"
		"\"feeds\": {\"rate_pps\": 200000, \"generator\": {\"seconds\": 1.0}},"
		"\"totals\": [{\"path\": \"kernel\", \"sent\": 91958, \"latency_measured\": true, \"p999_ns\": 90000000},"
		"{\"path\": \"dpdk\", \"sent\": 91958, \"latency_measured\": true, \"p999_ns\": 8000000,"
		" \"max_ns\": 20000}]}", 0, NULL);
	int n;

	(void)state;
	assert_non_null(doc);
	assert_int_equal(profile_load_string(&p, "[targets]\nfeeds.p999_ns = 50000\nfeeds.max_ns = 1000000\n", "test", &err), 0);
	n = verify_targets(&p, VM_FEEDS, doc, t, VERIFY_MAX_TARGETS);
	assert_int_equal(n, 3);
	assert_string_equal(t[0].name, "feeds.p999_ns");
	assert_int_equal(t[0].verdict, TV_FAIL);
	assert_true(t[0].observed == 8000000);
	assert_string_equal(t[1].name, "feeds.max_ns");
	assert_int_equal(t[1].verdict, TV_PASS);
	assert_string_equal(t[2].name, "feeds.min_rate_pct");
	assert_int_equal(t[2].verdict, TV_FAIL);
	assert_true(t[2].observed > 45.9 && t[2].observed < 46.0);
	assert_non_null(strstr(t[2].why, "91958 msg/s of the scenario's 200000"));
	profile_free(&p);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_per_feed_accounting),
		cmocka_unit_test(test_feed_drop_targets),
		cmocka_unit_test(test_feed_latency_and_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
