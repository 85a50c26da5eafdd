/* core/app (YAML and EAL readers, DPDK's pool arithmetic, /proc threads) and the app.* checks on the base fixture. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "app.h"
#include "checktest.h"

#define ISSUE_YAML TEST_SRCDIR "/tests/fixtures/app/trading.yaml"

/* A port on node 0 of the base fixture (vfio-pci), lcores 1 (housekeeping) and 2 (isolated), 1 GiB there. */
#define GOOD_YAML \
	"dpdk_config:\n" \
	"  eal_arguments:\n" \
	"    core_list: \"1-2\"\n" \
	"    memory_channels: 4\n" \
	"    hugepages_mount: /dev/hugepages\n" \
	"    socket_mem: \"1024,0\"\n" \
	"  ports:\n" \
	"    - device_id: \"0000:5e:00.0\"\n" \
	"      mtu: 1500\n" \
	"  buffer_pools:\n" \
	"    - pool_name: rx\n" \
	"      element_count: 8191\n" \
	"      element_size: 2176\n"

static int load_text(struct fx *fx, const char *text, struct app_config *a, struct app_error *err)
{
	fx_write(fx, "/app.yaml", text);
	return app_config_load(a, fx_path(fx, "/app.yaml"), err);
}

/* ---- the YAML reader ---- */

static void test_yaml_issue_shape(void **state)
{
	struct app_config a;
	struct app_error err;
	char buf[64];

	(void)state;
	assert_int_equal(app_config_load(&a, ISSUE_YAML, &err), 0);
	assert_true(a.has_lcores);
	assert_string_equal(cpuset_format(&a.lcores, buf, sizeof(buf)), "2-7");
	assert_int_equal(a.memory_channels, 4);
	assert_string_equal(a.huge_dir, "/dev/hugepages");
	assert_int_equal(a.nsocket_mem, 2);
	assert_int_equal(a.socket_mem_mb[1], 4096);
	assert_int_equal(a.nports, 1);
	assert_string_equal(a.ports[0].device, "0000:04:00.0");
	assert_int_equal(a.ports[0].mtu, 1500);
	assert_int_equal(a.ports[0].ring_size, 1024);
	assert_int_equal(a.npools, 1);
	assert_string_equal(a.pools[0].name, "packet_mempool");
	assert_int_equal(a.pools[0].count, 262143);
	assert_int_equal(a.pools[0].data_room, 2048);
	app_config_free(&a);
}

/* Every error names the file, the line and column, and the key. */
static void test_yaml_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "dpdk_config:\n  eal_arguments:\n    socket_mem: \"4096,x\"\n", ":3:17: 'socket_mem': expected MB per NUMA node" },
		{ "dpdk_config:\n  eal_arguments:\n    core_mask: \"0xZZ\"\n", ":3:16: 'core_mask': not a hex core mask" },
		{ "dpdk_config:\n  eal_arguments:\n    memory_chanels: 4\n", ":3:21: 'memory_chanels': unknown key in eal_arguments" },
		{ "dpdk_config:\n  ports:\n    - device_id: a\n      mtu: 20\n", ":4:12: 'mtu': '20' is not a whole number from 68" },
		{ "dpdk_config:\n  ports: [\n", ":3:1: not YAML" },
		{ "other: 1\n", ":1:1: 'dpdk_config': missing" },
		{ "dpdk_config:\n  buffer_pools:\n    - pool_name: p\n", ":3: buffer pool 'p' needs 'element_count'" },
	};
	struct app_config a;
	struct app_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(load_text(*state, cases[i].text, &a, &err), -EINVAL);
		assert_has(err.msg, "app.yaml");
		assert_has(err.msg, cases[i].want);
	}
}

static void test_eal_line(void **state)
{
	struct app_config a;
	struct app_error err;
	char buf[64];

	(void)state;
	assert_int_equal(app_config_from_eal(&a, "-l 2-7 -n 4 --socket-mem=4096,4096 --huge-dir /mnt/h --vdev net_null0 "
					     "--file-prefix x --no-huge", &err), 0);
	assert_string_equal(cpuset_format(&a.lcores, buf, sizeof(buf)), "2-7");
	assert_int_equal(a.nsocket_mem, 2);
	assert_string_equal(a.huge_dir, "/mnt/h");
	assert_true(a.no_huge);
	/* -c masks wider than 64 bits. */
	assert_int_equal(app_config_from_eal(&a, "-c 0x30000000000000000", &err), 0);
	assert_string_equal(cpuset_format(&a.lcores, buf, sizeof(buf)), "64-65");
	assert_int_equal(app_config_from_eal(&a, "-l 3-1", &err), -EINVAL);
	assert_has(err.msg, "invalid value '3-1' for '-l'");
	assert_int_equal(app_config_from_eal(&a, "-l", &err), -EINVAL);
	assert_has(err.msg, "'-l' needs a value");
}

/* A process's argv: getopt's attached values, the file prefix, nothing after "--" (the application's own). */
static void test_eal_argv(void **state)
{
	char *argv[] = { "-l0-1", "-n4", "--file-prefix", "trade", "-m", "96", "--", "--total-num-mbufs", "2048", "x" };
	struct app_config a;
	struct app_error err;
	char buf[64];

	(void)state;
	assert_int_equal(app_config_from_args(&a, 10, argv, "process 7's EAL arguments", &err), 0);
	assert_string_equal(cpuset_format(&a.lcores, buf, sizeof(buf)), "0-1");
	assert_int_equal(a.memory_channels, 4);
	assert_string_equal(a.file_prefix, "trade");
	assert_int_equal(app_config_from_args(&a, 3, (char *[]){ "-l", "1", "stray" }, "process 7's EAL arguments", &err),
			 -EINVAL);
	assert_has(err.msg, "process 7's EAL arguments: unexpected word 'stray'");
}

/* ---- DPDK's arithmetic ---- */

static void test_pool_size(void **state)
{
	struct app_pool p = { .count = 262143, .data_room = 2048 };
	struct app_pool_size s;

	(void)state;
	/* 64 + 2176 = 2240 = 35 lines, coprime with 4 channels. */
	app_pool_size(&p, 4, 0, &s);
	assert_int_equal(s.header, 64);
	assert_int_equal(s.elt, 2176);
	assert_int_equal(s.trailer, 0);
	assert_int_equal(s.total, 2240);
	assert_true(s.objects == 262143ULL * 2240);
	/* 35 lines share 5 with 5 channels: padded to 36. */
	app_pool_size(&p, 5, 0, &s);
	assert_int_equal(s.total, 2304);
	/* 2 MB pages hold 936 objects each: 281 pages. */
	app_pool_size(&p, 4, 2 << 20, &s);
	assert_true(s.objects == 281ULL * (2 << 20));
	/* A cache adds RTE_MAX_LCORE caches of 64 + 8 KiB. */
	p.cache_size = 256;
	app_pool_size(&p, 4, 2 << 20, &s);
	assert_true(s.caches == 128ULL * (64 + 8192));
	assert_int_equal(app_pool_count_fitting(&p, 4, 2 << 20, 100ULL << 20), 936L * 49);
}

/* ---- the checks on the base fixture ---- */

static struct app_config cfg;
static struct app app;

static const struct finding *check_with(struct fx *fx, const char *text, const char *id)
{
	struct app_error err;

	app_config_free(&cfg);
	if (load_text(fx, text, &cfg, &err) < 0)
		fail_msg("%s", err.msg);
	app.cfg = &cfg;
	app.live = NULL;
	fx->app = &app;
	return fx_check(fx, id);
}

/* The issue's YAML names what is wrong on this host (isolated 2-3,6-7; node 0 = 0-3). */
static void test_issue_yaml_findings(void **state)
{
	struct app_error err;
	const struct finding *f;
	struct fx *fx = *state;

	app_config_free(&cfg);
	assert_int_equal(app_config_load(&cfg, ISSUE_YAML, &err), 0);
	app.cfg = &cfg;
	fx->app = &app;
	f = fx_check(fx, "app.lcores_isolated");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "worker lcore cpus 4-5 are not isolated");
	f = fx_check(fx, "app.lcores_node");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "cpus 4-7 are on a far NUMA node");
	f = fx_check(fx, "app.lcores_smt");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "2+3, 4+5, 6+7");
	f = fx_check(fx, "app.port_node");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "device 0000:04:00.0 is not on this host");
	assert_verdict(fx_check(fx, "app.socket_mem"), V_PASS);
	assert_verdict(fx_check(fx, "app.huge_dir"), V_PASS);
	assert_verdict(fx_check(fx, "app.mempool_fit"), V_PASS);
	assert_verdict(fx_check(fx, "app.data_room"), V_PASS);
}

static void test_good_yaml_passes(void **state)
{
	static const char *const ids[] = { "app.lcores_isolated", "app.lcores_node", "app.lcores_smt", "app.socket_mem",
					   "app.huge_dir", "app.no_huge", "app.mempool_fit", "app.data_room", "app.port_node" };

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		assert_verdict(check_with(*state, GOOD_YAML, ids[i]), V_PASS);
	assert_has(check_with(*state, GOOD_YAML, "app.lcores_isolated")->observed, "main lcore 1 on a housekeeping cpu");
}

static char *replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	static char buf[2048];

	assert_non_null(p);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
	return buf;
}

static void test_each_failure(void **state)
{
	const struct finding *f;

	f = check_with(*state, replace(GOOD_YAML, "\"1024,0\"", "\"8192,0\""), "app.socket_mem");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "node 0 asks 8192 MB, 4096 MB of 1G pages free");
	assert_has(f->remedy, "socket_mem: \"4096,0\"");
	f = check_with(*state, replace(GOOD_YAML, "\"1024,0\"", "\"0,1024\""), "app.socket_mem");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "nothing asked on the NIC's node 0");
	f = check_with(*state, replace(GOOD_YAML, "/dev/hugepages", "/mnt/huge-2M"), "app.huge_dir");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "'/mnt/huge-2M' is hugetlbfs of 2M pages, not 1G");
	f = check_with(*state, replace(GOOD_YAML, "/dev/hugepages", "/tmp"), "app.huge_dir");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "'/tmp' is not a hugetlbfs mount");
	f = check_with(*state, replace(GOOD_YAML, "memory_channels: 4", "no_huge: true"), "app.no_huge");
	assert_verdict(f, V_FAIL);
	/* 500,000 objects of 2304 B in 1 GiB pages: 2 GiB, more than the 1024 MB of socket_mem. */
	f = check_with(*state, replace(GOOD_YAML, "element_count: 8191", "element_count: 500000"), "app.mempool_fit");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "more than 1024 MB");
	assert_has(f->remedy, "'rx' element_count: ");
	f = check_with(*state, replace(GOOD_YAML, "mtu: 1500", "mtu: 9000"), "app.data_room");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "element_size: 9146");
	f = check_with(*state, replace(GOOD_YAML, "\"1-2\"", "\"1-2,6\""), "app.lcores_node");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "cpus 6 are on a far NUMA node");
	f = check_with(*state, replace(GOOD_YAML, "\"1-2\"", "\"1-2,6\""), "app.port_node");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "port 0000:5e:00.0 on node 0, the worker lcores on node 1");
	f = check_with(*state, replace(GOOD_YAML, "\"1-2\"", "\"0-1\""), "app.lcores_isolated");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "core_list: \"0,2\"");
}

/* ---- the running application's threads, from a fixture /proc ---- */

#define STATUS(name, cpus, vol, invol) \
	"Name:\t" name "\nState:\tR (running)\nCpus_allowed_list:\t" cpus "\nvoluntary_ctxt_switches:\t" vol \
	"\nnonvoluntary_ctxt_switches:\t" invol "\n"
#define STAT(comm, cpu) "5150 (" comm ") R 1 5150 5150 0 -1 4194560 1 0 0 0 1 1 0 0 20 0 2 0 100 1000 100 " \
	"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 " cpu " 0 0 0 0 0\n"

static struct app_live live;

static const struct finding *live_check(struct fx *fx, const char *id)
{
	struct app_error err;
	struct sysroot sr;

	app_live_free(&live);
	memset(&live, 0, sizeof(live));
	live.pid = 5150;
	live.window_s = 1;
	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	if (app_live_read_threads(&live, &sr, 0, &err) < 0 || app_live_read_threads(&live, &sr, 1, &err) < 0)
		fail_msg("%s", err.msg);
	sysroot_close(&sr);
	app.cfg = NULL;
	app.live = &live;
	fx->app = &app;
	return fx_check(fx, id);
}

static void write_threads(struct fx *fx, const char *main_cpus)
{
	fx_write(fx, "/proc/5150/task/5150/status", main_cpus);
	fx_write(fx, "/proc/5150/task/5150/stat", STAT("trader", "0"));
	fx_write(fx, "/proc/5150/task/5151/status", STATUS("rte-worker-2", "2", "3", "1"));
	fx_write(fx, "/proc/5150/task/5151/stat", STAT("rte-worker-2", "2"));
}

static void test_threads(void **state)
{
	const struct finding *f;

	write_threads(*state, STATUS("trader", "0-1", "10", "2"));
	f = live_check(*state, "app.poll_core_shared");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "rte-worker-2 (tid 5151) on cpu 2");
	f = live_check(*state, "app.preempted");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "rte-worker-2: 1 involuntary, 3 voluntary switches");
	/* The main thread allowed everywhere may land on the polling cpu. */
	write_threads(*state, STATUS("trader", "0-7", "10", "2"));
	f = live_check(*state, "app.poll_core_shared");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "cpu 2 of rte-worker-2: 1 more thread of the app may run there: trader (tid 5150)");
	/* Growth over the window is a preemption. */
	f = live_check(*state, "app.preempted");
	live.threads[1].nivcsw[1] += 5;
	f = fx_check(*state, "app.preempted");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "rte-worker-2 preempted 5 times in 1.0 s");
	/* No worker thread: a skip that says so. */
	fx_remove(*state, "/proc/5150/task/5151/status");
	fx_remove(*state, "/proc/5150/task/5151/stat");
	fx_remove(*state, "/proc/5150/task/5151");
	f = live_check(*state, "app.poll_core_shared");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "no DPDK worker thread");
}

static void test_ports_without_telemetry_skip(void **state)
{
	write_threads(*state, STATUS("trader", "0-1", "10", "2"));
	assert_has(live_check(*state, "app.rx_nombuf")->observed, "no DPDK telemetry read");
	assert_verdict(fx_check(*state, "app.imissed"), V_SKIP);
}

/* Mempools and heaps as telemetry gives them: each way a pool or heap fails, and its pass. */
static void test_memory_live(void **state)
{
	struct fx *fx = *state;
	struct app_mempool pool = { "mb_pool_0", 2048, 2048, 2176, 250, 2 << 20, 0, -1 };
	struct app_heap heap = { 0, "socket_0", 0, 96LL << 20, 60LL << 20, 36LL << 20, 58LL << 20 };
	struct app_port_stats port = { .port = 0, .name = "net_null0", .numa_node = -1 };
	const struct finding *f;

	memset(&live, 0, sizeof(live));
	live.has_ports = live.has_mempools = live.has_heaps = true;
	live.ports = &port;
	live.nports = 1;
	live.mempools = &pool;
	live.nmempools = 1;
	live.heaps = &heap;
	live.nheaps = 1;
	app.cfg = NULL;
	app.live = &live;
	fx->app = &app;
	f = fx_check(fx, "app.mempool_live");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "'mb_pool_0' 2048 x 2176 B on socket 0, 2M pages, free count not reported");
	assert_verdict(fx_check(fx, "app.heap_live"), V_PASS);
	assert_has(fx_check(fx, "app.heap_live")->observed, "socket_0: 96 MB, 60 MB free (largest 58 MB)");
	/* --no-huge: a 4 KiB memzone page. */
	pool.page_size = 4096;
	f = fx_check(fx, "app.mempool_live");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "'mb_pool_0' on 4k pages (--no-huge");
	/* Near exhaustion, where the answer gives the free count (newer DPDK): 100 of 2048 free is under 5%. */
	pool.page_size = 2 << 20;
	pool.free = 100;
	assert_has(fx_check(fx, "app.mempool_live")->observed, "'mb_pool_0' near exhaustion: 100 of 2048 objects free");
	pool.free = 1000;
	assert_verdict(fx_check(fx, "app.mempool_live"), V_PASS);
	pool.populated = 1024;
	assert_has(fx_check(fx, "app.mempool_live")->observed, "populated with 1024 of its 2048 objects");
	pool.populated = 2048;
	/* The port on node 1: the pool and the heap on socket 0 are remote. */
	port.numa_node = 1;
	assert_has(fx_check(fx, "app.mempool_live")->observed, "'mb_pool_0' on socket 0, the NIC on node 1 of port 0");
	assert_has(fx_check(fx, "app.heap_live")->observed, "no heap memory on the NIC's node 1 of port 0");
	port.numa_node = 0;
	/* A heap nearly full: node 0's 4 free 1G pages let it grow; under --no-huge nothing does. */
	heap.free = 1LL << 20;
	assert_verdict(fx_check(fx, "app.heap_live"), V_PASS);
	struct app_config no_huge = { .source = "--app-eal", .no_huge = true };
	app.cfg = &no_huge;
	f = fx_check(fx, "app.heap_live");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "socket_0 near exhaustion: 1 of 96 MB free, 0 MB of hugepages left to grow into");
	app.cfg = NULL;
	live.ports = NULL;
	live.mempools = NULL;
	live.heaps = NULL;
	live.nports = live.nmempools = live.nheaps = 0;
}

static void test_no_app_skips(void **state)
{
	struct fx *fx = *state;

	fx->app = NULL;
	assert_has(fx_check(fx, "app.socket_mem")->observed, "no application configuration given");
	assert_has(fx_check(fx, "app.preempted")->observed, "no running application given");
}

static int teardown(void **state)
{
	app_config_free(&cfg);
	app_live_free(&live);
	return fx_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_issue_shape),
		cmocka_unit_test_setup_teardown(test_yaml_errors, fx_setup_base, teardown),
		cmocka_unit_test(test_eal_line),
		cmocka_unit_test(test_eal_argv),
		cmocka_unit_test(test_pool_size),
		cmocka_unit_test_setup_teardown(test_issue_yaml_findings, fx_setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_good_yaml_passes, fx_setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_each_failure, fx_setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_threads, fx_setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_ports_without_telemetry_skip, fx_setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_memory_live, fx_setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_no_app_skips, fx_setup_base, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
