/* test_cli.c - cmocka tests of option parsing, CPU lists and EAL argv. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "cli.h"
#include "gap.h"
#include "json.h"

static void test_cpulist(void **state)
{
	unsigned int c[16], n;

	(void)state;
	assert_int_equal(cpulist_parse("0-1", c, 16, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(cpulist_parse("3,1,1,5-6\n", c, 16, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(c[0], 3);
	assert_int_equal(c[1], 1);
	assert_int_equal(c[3], 6);
	assert_int_equal(cpulist_parse("\n", c, 16, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cpulist_parse("2-1", c, 16, &n), -EINVAL);
	assert_int_equal(cpulist_parse("a", c, 16, &n), -EINVAL);
	assert_int_equal(cpulist_parse("0-", c, 16, &n), -EINVAL);
	assert_int_equal(cpulist_parse("0-20", c, 16, &n), -E2BIG);
}

static int parse(struct config *cfg, int argc, char **argv)
{
	FILE *devnull = fopen("/dev/null", "w");
	int ret = cli_parse(argc, argv, cfg, devnull);

	fclose(devnull);
	return ret;
}

static void test_parse_and_eal(void **state)
{
	char *argv[] = { "p", "--mode", "loopback", "--cores", "1,0", "--rate",
			 "0", "--", "--file-prefix", "x", "--in-memory", NULL };
	struct eal_args ea;
	struct config cfg;
	int i;

	(void)state;
	assert_int_equal(parse(&cfg, 11, argv), 0);
	assert_int_equal(cfg.ncores, 2);
	assert_int_equal(cfg.cores[0], 1);
	assert_int_equal(cfg.rate, 0);
	assert_int_equal(cfg.npass, 3);
	assert_int_equal(cli_build_eal(&cfg, "p", &ea), 0);
	assert_string_equal(ea.argv[2], "1,0");
	assert_string_equal(ea.argv[4], "1");
	assert_string_equal(ea.argv[ea.argc - 1], "--in-memory");
	for (i = 0; i < ea.argc - 3; i++)
		assert_string_not_equal(ea.argv[i], "--in-memory");
	assert_null(ea.argv[ea.argc]);
}

/* EAL's telemetry stays off unless --telemetry asks for the socket (the poller as an app tickready audits). */
static void test_telemetry(void **state)
{
	char *a1[] = { "p", "--mode", "port", "--vdev", "net_null0", "--cores", "1", NULL };
	char *a2[] = { "p", "--mode", "port", "--vdev", "net_null0", "--cores", "1", "--telemetry", NULL };
	struct eal_args ea;
	struct config cfg;
	int i, off;

	(void)state;
	assert_int_equal(parse(&cfg, 7, a1), 0);
	assert_false(cfg.telemetry);
	assert_int_equal(cli_build_eal(&cfg, "p", &ea), 0);
	for (i = off = 0; i < ea.argc; i++)
		off += !strcmp(ea.argv[i], "--no-telemetry");
	assert_int_equal(off, 1);
	assert_int_equal(parse(&cfg, 8, a2), 0);
	assert_true(cfg.telemetry);
	assert_int_equal(cli_build_eal(&cfg, "p", &ea), 0);
	for (i = 0; i < ea.argc; i++)
		assert_string_not_equal(ea.argv[i], "--no-telemetry");
}

static void test_parse_errors(void **state)
{
	char *a1[] = { "p", "--mode", "bogus", NULL };
	char *a2[] = { "p", "--cores", "1", NULL };	/* loopback needs 2 */
	char *a3[] = { "p", "--mode", "port", NULL };	/* no device */
	char *a4[] = { "p", "--burst", "0", NULL };
	char *a5[] = { "p", "--help", NULL };
	char *a6[] = { "p", "--mode", "idle", "extra", NULL };
	struct config cfg;

	(void)state;
	assert_int_equal(parse(&cfg, 3, a1), -EINVAL);
	assert_int_equal(parse(&cfg, 3, a2), -EINVAL);
	assert_int_equal(parse(&cfg, 3, a3), -EINVAL);
	assert_int_equal(parse(&cfg, 3, a4), -EINVAL);
	assert_int_equal(parse(&cfg, 2, a5), 1);
	assert_int_equal(parse(&cfg, 4, a6), -EINVAL);
}

/* reflect: --src-ip is its own address; --duration 0 (until a signal) is reflect's alone. */
static void test_reflect_address(void **state)
{
	char *a1[] = { "p", "--mode", "reflect", "--vdev", "net_null0", "--src-ip", "198.19.0.2", "--duration", "0", NULL };
	char *a2[] = { "p", "--mode", "reflect", "--vdev", "net_null0", NULL };
	char *a3[] = { "p", "--mode", "pingpong", "--vdev", "net_null0", "--dst-ip", "198.19.0.2", "--duration", "0", NULL };
	char *a4[] = { "p", "--mode", "reflect", "--vdev", "net_null0", "--src-ip", "0.0.0.0", NULL };
	char *a5[] = { "p", "--mode", "reflect", "--vdev", "net_null0", "--src-ip", "198.19.0.256", NULL };
	struct config cfg;

	(void)state;
	assert_int_equal(parse(&cfg, 9, a1), 0);
	assert_int_equal(cfg.pp.own_ip, htonl(0xc6130002));
	assert_true(cfg.duration_s == 0);
	assert_int_equal(parse(&cfg, 5, a2), 0);
	assert_int_equal(cfg.pp.own_ip, 0);	/* no address: echoes every stamp, answers nothing */
	assert_int_equal(parse(&cfg, 9, a3), -EINVAL);
	assert_int_equal(parse(&cfg, 7, a4), -EINVAL);
	assert_int_equal(parse(&cfg, 7, a5), -EINVAL);
}

static void test_feed_groups(void **state)
{
	uint32_t g[CLI_MAX_FEEDS];
	unsigned int n = 0, lo, hi;

	(void)state;
	assert_int_equal(feed_groups_parse("239.1.1.1-4", g, CLI_MAX_FEEDS, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(ntohl(g[0]), 0xef010101);
	assert_int_equal(ntohl(g[3]), 0xef010104);
	assert_int_equal(feed_groups_parse("239.2.0.9", g, CLI_MAX_FEEDS, &n), 0);
	assert_int_equal(n, 5);
	/* a repeat, a unicast address, a backwards range, garbage: refused */
	assert_int_equal(feed_groups_parse("239.1.1.2", g, CLI_MAX_FEEDS, &n), -EINVAL);
	assert_int_equal(feed_groups_parse("198.18.0.1", g, CLI_MAX_FEEDS, &n), -EINVAL);
	assert_int_equal(feed_groups_parse("239.1.1.5-3", g, CLI_MAX_FEEDS, &n), -EINVAL);
	assert_int_equal(feed_groups_parse("239.1.1.5-", g, CLI_MAX_FEEDS, &n), -EINVAL);
	assert_int_equal(feed_groups_parse("239.1.1.5-256", g, CLI_MAX_FEEDS, &n), -EINVAL);
	assert_int_equal(feed_groups_parse("239.3.0.0-200", g, CLI_MAX_FEEDS, &n), -E2BIG);
	assert_int_equal(feed_size_parse("100-500", &lo, &hi), 0);
	assert_int_equal(lo, 100);
	assert_int_equal(hi, 500);
	assert_int_equal(feed_size_parse("64", &lo, &hi), 0);
	assert_int_equal(lo, 64);
	assert_int_equal(hi, 64);
	assert_int_equal(feed_size_parse("31", &lo, &hi), -EINVAL);	/* shorter than the stamp */
	assert_int_equal(feed_size_parse("500-100", &lo, &hi), -EINVAL);
	assert_int_equal(feed_size_parse("100-1473", &lo, &hi), -EINVAL);
}

static void test_parse_feeds(void **state)
{
	char *a1[] = { "p", "--mode", "gen", "--vdev", "net_null0", "--groups", "239.1.1.1-2", "--groups",
		       "239.1.1.9", "--size", "100-500", "--dst-port", "4000", "--count", "10", NULL };
	char *a2[] = { "p", "--mode", "feeds", "--vdev", "net_null0", NULL };
	char *a3[] = { "p", "--mode", "gen", NULL };	/* no device */
	char *a4[] = { "p", "--mode", "feeds", "--vdev", "net_null0", "--cores", "0-1", NULL };
	struct config cfg;

	(void)state;
	assert_int_equal(parse(&cfg, 15, a1), 0);
	assert_int_equal(cfg.feed.ngroups, 3);
	assert_int_equal(ntohl(cfg.feed.groups[2]), 0xef010109);
	assert_int_equal(cfg.feed.size_min, 100);
	assert_int_equal(cfg.feed.size_max, 500);
	assert_int_equal(cfg.feed.dst_port, 4000);
	assert_int_equal(cfg.feed.count, 10);
	assert_int_equal(cfg.rate, 50000);	/* gen's own default */
	assert_int_equal(parse(&cfg, 5, a2), 0);
	assert_int_equal(cfg.feed.ngroups, 1);	/* 239.1.1.1 */
	assert_int_equal(ntohl(cfg.feed.groups[0]), 0xef010101);
	assert_int_equal(feed_index(&cfg.feed, htonl(0xef010101)), 0);
	assert_int_equal(feed_index(&cfg.feed, htonl(0xef010102)), -1);
	assert_int_equal(parse(&cfg, 3, a3), -EINVAL);
	assert_int_equal(parse(&cfg, 7, a4), -EINVAL);
}

static void test_gaps(void **state)
{
	struct gap_tracker g;
	uint64_t t = 1000, i;

	(void)state;
	/* 1 GHz: cycles == ns */
	assert_int_equal(gap_init(&g, 1000000000, 1000, t), 0);
	for (i = 1; i <= 20; i++) {
		gap_note(&g, t + i * 1500, t);
		t += i * 1500;
	}
	gap_note(&g, t + 10, t);
	assert_int_equal(g.loops, 21);
	assert_int_equal(g.over, 20);
	assert_int_equal(g.nworst, GAP_NWORST);
	assert_int_equal(g.max_gap, 30000);
	assert_int_equal(g.worst[0].gap, 30000);
	assert_int_equal(g.worst[GAP_NWORST - 1].gap, 11 * 1500);
	assert_int_equal(g.buckets[1], 1);	/* 1500 in 1-2us */
	/* Every gap is in the percentiles, the one under the threshold too: 10 ns, then 1500..30000. */
	assert_int_equal(hist_count(&g.all), 21);
	assert_int_equal(hist_percentile(&g.all, 1), 10);
	assert_in_range(hist_percentile(&g.all, 50), 15000, 15000 * 1.004);
	assert_in_range(hist_percentile(&g.all, 100), 30000, 30000 * 1.004);
}

static void put(const char *dir, const char *rel, const char *text)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A 512-cpu host (more online cpus than the poller runs on): its cores are checked, not refused. */
static void test_check_cores_big_host(void **state)
{
	char dir[] = "/tmp/poller-sysfs-XXXXXX", cmd[64];
	char *argv[] = { "p", "--mode", "loopback", "--cores", "300,301", NULL };
	struct config cfg;
	FILE *log = tmpfile();

	(void)state;
	assert_non_null(mkdtemp(dir));
	put(dir, "devices/system/cpu/online", "0-511\n");
	put(dir, "devices/system/cpu/isolated", "256-511\n");
	put(dir, "devices/system/cpu/cpu300/topology/thread_siblings_list", "300\n");
	put(dir, "devices/system/cpu/cpu301/topology/thread_siblings_list", "301\n");
	assert_int_equal(cli_parse(5, argv, &cfg, stdout), 0);
	assert_int_equal(cli_check_cores(&cfg, dir, log), 0);
	/* Parsed twice in one process: getopt starts over. */
	assert_int_equal(cli_parse(5, argv, &cfg, stdout), 0);
	assert_int_equal(cfg.ncores, 2);
	put(dir, "devices/system/cpu/online", "0-299\n");
	assert_int_equal(cli_check_cores(&cfg, dir, log), -ENODEV);
	fclose(log);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_json(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jw w;

	(void)state;
	jw_init(&w, f);
	jw_obj(&w, NULL);
	jw_u64(&w, "a", 1);
	jw_i64(&w, "b", -2);
	jw_arr(&w, "c");
	jw_end_arr(&w);
	jw_double(&w, "d", 0.0 / 0.0);
	jw_str(&w, "e", "q\"");
	jw_end_obj(&w);
	assert_int_equal(jw_finish(&w), 0);
	fclose(f);
	assert_string_equal(buf, "{\n  \"a\": 1,\n  \"b\": -2,\n  \"c\": [],\n"
			    "  \"d\": null,\n  \"e\": \"q\\\"\"\n}\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_parse_and_eal),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_reflect_address),
		cmocka_unit_test(test_feed_groups),
		cmocka_unit_test(test_parse_feeds),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_telemetry),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_check_cores_big_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
