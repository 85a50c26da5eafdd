/* memory.* checks on the base fixture: pass as shipped, fail after one change, skip on missing or garbage files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"

#define NODE0_1G "/sys/devices/system/node/node0/hugepages/hugepages-1048576kB"
#define NODE1_1G "/sys/devices/system/node/node1/hugepages/hugepages-1048576kB"
#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

/* ---- memory.hugepages ---- */

static void test_hugepages_pass(void **state)
{
	const struct finding *f = fx_check(*state, "memory.hugepages");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "node 0: 4 x 1G reserved, 4 free");
	assert_has(f->expected, "at least 4 x 1G");
}

/* Enough pages in total, none on the NIC's node: per node, not the sum. */
static void test_hugepages_other_node(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, NODE0_1G "/nr_hugepages", "0\n");
	fx_write(fx, NODE0_1G "/free_hugepages", "0\n");
	fx_write(fx, NODE1_1G "/nr_hugepages", "8\n");
	fx_write(fx, "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "8\n");
	f = fx_check(fx, "memory.hugepages");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "node 0: 0 x 1G reserved, 0 free");
	assert_has(f->observed, "8 more on other nodes");
	assert_has(f->remedy, "echo 4 > " NODE0_1G "/nr_hugepages");
	assert_has(f->remedy, "hugepagesz=1G hugepages=0:4");
	assert_false(f->needs_reboot);
}

/* Reserved but held (stale files, a running app): DPDK starts on free pages, so 0 free is not ready. */
static void test_hugepages_none_free(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, NODE0_1G "/free_hugepages", "0\n");
	f = fx_check(fx, "memory.hugepages");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "node 0: 4 x 1G reserved, 0 free, 4 short");
	assert_has(f->remedy, "echo 8 > " NODE0_1G "/nr_hugepages");
	fx_write(fx, NODE0_1G "/free_hugepages", "3\n");
	assert_verdict(fx_check(fx, "memory.hugepages"), V_FAIL);
	fx_write(fx, NODE0_1G "/nr_hugepages", "5\n");
	fx_write(fx, NODE0_1G "/free_hugepages", "4\n");
	assert_verdict(fx_check(fx, "memory.hugepages"), V_PASS);
}

static void test_hugepages_2m_runtime(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[memory]\nhugepage_size = 2M\nhugepages = 512");
	f = fx_check(fx, "memory.hugepages");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy,
		   "echo 512 > /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages");
	assert_null(strstr(f->remedy, "hugepagesz"));
}

static void test_hugepages_no_pool(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_remove(fx, NODE0_1G);
	f = fx_check(fx, "memory.hugepages");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "node 0 has no hugepages-1048576kB pool");
	assert_has(f->remedy, "'hugepagesz=1G hugepages=0:4'");
	assert_true(f->needs_reboot);
	/* Without pdpe1gb no boot line helps: say so, and point at 2M pages. */
	fx_write(fx, "/proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu tsc\n");
	f = fx_check(fx, "memory.hugepages");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "pdpe1gb");
	assert_has(f->remedy, "hugepage_size = 2M");
}

static void test_hugepages_skip(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, NODE0_1G "/nr_hugepages", "lots\n");
	f = fx_check(fx, "memory.hugepages");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "'lots'");
	fx_write(fx, NODE0_1G "/nr_hugepages", "");
	f = fx_check(fx, "memory.hugepages");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "empty");
	fx_remove(fx, "/sys/devices/system/node");
	fx_remove(fx, "/sys/kernel/mm/hugepages");
	assert_verdict(fx_check(fx, "memory.hugepages"), V_SKIP);
	fx_profile(fx, "[memory]\nhugepages = any");
	f = fx_check(fx, "memory.hugepages");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "profile does not ask");
}

/* No NUMA nodes known: the system-wide pool stands in. */
static void test_hugepages_no_numa(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_remove(fx, "/sys/devices/system/node");
	f = fx_check(fx, "memory.hugepages");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "the system: 8 x 1G reserved");
}

/* ---- memory.hugetlbfs ---- */

static void test_hugetlbfs(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	f = fx_check(fx, "memory.hugetlbfs");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "/dev/hugepages");
	fx_write(fx, "/proc/mounts", "/dev/sda1 / ext4 rw 0 0\nhugetlbfs /mnt/huge-2M hugetlbfs rw,pagesize=2M 0 0\n");
	f = fx_check(fx, "memory.hugetlbfs");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "/mnt/huge-2M (pagesize=2M)");
	assert_has(f->remedy, "mkdir -p /dev/hugepages-1G && mount -t hugetlbfs -o pagesize=1G nodev /dev/hugepages-1G");
	/* No pagesize= option: the default size (1G in the fixture's meminfo). */
	fx_write(fx, "/proc/mounts", "hugetlbfs /dev/hugepages hugetlbfs rw,relatime 0 0\n");
	assert_verdict(fx_check(fx, "memory.hugetlbfs"), V_PASS);
	fx_remove(fx, "/proc/mounts");
	assert_verdict(fx_check(fx, "memory.hugetlbfs"), V_SKIP);
	/* There but unreadable (here a directory): a skip naming it, not a failure for want of a mount. */
	fx_write(fx, "/proc/mounts/x", "");
	f = fx_check(fx, "memory.hugetlbfs");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "/proc/mounts");
	fx_remove(fx, "/proc/mounts");
	fx_profile(fx, "[memory]\nhugetlbfs = no");
	assert_verdict(fx_check(fx, "memory.hugetlbfs"), V_SKIP);
}

/* ---- memory.stale_hugepages ---- */

static void test_stale_pass(void **state)
{
	const struct finding *f = fx_check(*state, "memory.stale_hugepages");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "1 hugepage files, all mapped");
}

static void test_stale_fail(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, "/dev/hugepages/rtemap_7", "");
	fx_write(fx, "/mnt/huge-2M/map_0", "");
	f = fx_check(fx, "memory.stale_hugepages");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "2 of 3 hugepage files mapped by no process");
	assert_has(f->observed, "/dev/hugepages/rtemap_7");
	assert_has(f->observed, "/mnt/huge-2M/map_0");
	assert_null(strstr(f->observed, "rtemap_0"));
	assert_has(f->remedy, "rm /dev/hugepages/rtemap_7 /mnt/huge-2M/map_0");
}

static void test_stale_many(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;
	char path[64];

	for (int i = 1; i <= 7; i++) {
		snprintf(path, sizeof(path), "/dev/hugepages/rtemap_%d", i);
		fx_write(fx, path, "");
	}
	f = fx_check(fx, "memory.stale_hugepages");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "7 of 8");
	assert_has(f->observed, "rtemap_5, ...");
	assert_null(strstr(f->observed, "rtemap_6"));
	assert_has(f->remedy, "rtemap_5 ...");
}

/* A deleted mapping does not hold a listed file; a directory in the mount is no file. */
static void test_stale_deleted_and_dirs(void **state)
{
	struct fx *fx = *state;

	fx_write(fx, "/proc/4243/maps",
		 "7f0000000000-7f0040000000 rw-s 00000000 00:2f 1234    /dev/hugepages/rtemap_0 (deleted)\n");
	assert_verdict(fx_check(fx, "memory.stale_hugepages"), V_FAIL);
	fx_remove(fx, "/dev/hugepages/rtemap_0");
	fx_write(fx, "/dev/hugepages/sub/x", "");
	assert_verdict(fx_check(fx, "memory.stale_hugepages"), V_PASS);
}

/* A maps file we cannot read might hold the mapping: warn, do not claim stale. */
static void test_stale_unreadable(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, "/dev/hugepages/rtemap_7", "");
	fx_write(fx, "/proc/999/maps/x", "");	/* maps is a directory: unreadable */
	f = fx_check(fx, "memory.stale_hugepages");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "1 processes' maps could not be read");
}

static void test_stale_skip(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, "/proc/mounts", "/dev/sda1 / ext4 rw 0 0\n");
	f = fx_check(fx, "memory.stale_hugepages");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "no hugetlbfs mount");
	fx_remove(fx, "/proc/mounts");
	assert_verdict(fx_check(fx, "memory.stale_hugepages"), V_SKIP);
}

/* ---- memory.thp ---- */

static void test_thp(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	f = fx_check(fx, "memory.thp");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "defrag 'never'");
	fx_write(fx, THP_ENABLED, "[always] madvise never\n");
	f = fx_check(fx, "memory.thp");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "= 'always'");
	assert_has(f->remedy, "echo never > " THP_ENABLED);
	assert_has(f->remedy, "transparent_hugepage=never");
	fx_profile(fx, "[memory]\nthp = always");
	assert_verdict(fx_check(fx, "memory.thp"), V_PASS);
}

static void test_thp_skip(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, THP_ENABLED, "always madvise never\n");
	f = fx_check(fx, "memory.thp");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "'always madvise never'");
	fx_write(fx, THP_ENABLED, "[]\n");
	assert_verdict(fx_check(fx, "memory.thp"), V_SKIP);
	fx_write(fx, THP_ENABLED, "");
	f = fx_check(fx, "memory.thp");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "empty");
	fx_remove(fx, "/sys/kernel/mm/transparent_hugepage");
	f = fx_check(fx, "memory.thp");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, THP_ENABLED);
	fx_profile(fx, "[memory]\nthp = any");
	assert_verdict(fx_check(fx, "memory.thp"), V_SKIP);
}

/* ---- memory.numa_balancing ---- */

static void test_numa_balancing(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	assert_verdict(fx_check(fx, "memory.numa_balancing"), V_PASS);
	fx_write(fx, "/proc/sys/kernel/numa_balancing", "1\n");
	f = fx_check(fx, "memory.numa_balancing");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "'kernel.numa_balancing' = '1'");
	assert_has(f->expected, "'kernel.numa_balancing' = '0'");
	assert_has(f->remedy, "sysctl -w kernel.numa_balancing=0");
}

static void test_numa_balancing_skip(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, "/proc/sys/kernel/numa_balancing", "off\n");
	f = fx_check(fx, "memory.numa_balancing");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "'off'");
	fx_write(fx, "/proc/sys/kernel/numa_balancing", "");
	assert_verdict(fx_check(fx, "memory.numa_balancing"), V_SKIP);
	fx_remove(fx, "/proc/sys/kernel/numa_balancing");
	f = fx_check(fx, "memory.numa_balancing");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "CONFIG_NUMA_BALANCING");
	fx_profile(fx, "[memory]\nnuma_balancing = any");
	assert_verdict(fx_check(fx, "memory.numa_balancing"), V_SKIP);
}

/* ---- memory.swap ---- */

static void test_swap(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	f = fx_check(fx, "memory.swap");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "no active swap, 'vm.swappiness' = '10'");
	fx_write(fx, "/proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n/dev/sda2   partition\t8388604\t0\t-2\n");
	f = fx_check(fx, "memory.swap");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "1 active swap devices (/dev/sda2)");
	assert_has(f->remedy, "swapoff -a");
	assert_has(f->remedy, "/etc/fstab");
	fx_profile(fx, "[memory]\nswap = on");
	assert_verdict(fx_check(fx, "memory.swap"), V_PASS);
}

static void test_swappiness(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, "/proc/sys/vm/swappiness", "60\n");
	/* No active swap: swappiness does not matter, so it must not fail. */
	f = fx_check(fx, "memory.swap");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "'vm.swappiness' = '60' (no active swap: swappiness has no effect)");
	fx_profile(fx, "[memory]\nswap = on");
	fx_write(fx, "/proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n/dev/sda2   partition\t8388604\t0\t-2\n");
	f = fx_check(fx, "memory.swap");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "'vm.swappiness' = '60'");
	assert_has(f->remedy, "sysctl -w vm.swappiness=10");
	assert_null(strstr(f->remedy, "swapoff"));
	fx_write(fx, "/proc/sys/vm/swappiness", "0\n");	/* lower than asked is fine */
	assert_verdict(fx_check(fx, "memory.swap"), V_PASS);
	fx_profile(fx, "[memory]\nswap = any");
	fx_write(fx, "/proc/sys/vm/swappiness", "60\n");
	f = fx_check(fx, "memory.swap");
	assert_verdict(f, V_FAIL);
	assert_null(strstr(f->observed, "swap devices"));
	fx_write(fx, "/proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
	assert_verdict(fx_check(fx, "memory.swap"), V_PASS);
}

static void test_swap_skip(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, "/proc/sys/vm/swappiness", "ten\n");
	f = fx_check(fx, "memory.swap");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "'ten'");
	fx_write(fx, "/proc/sys/vm/swappiness", "");
	assert_verdict(fx_check(fx, "memory.swap"), V_SKIP);
	fx_write(fx, "/proc/sys/vm/swappiness", "10\n");
	fx_remove(fx, "/proc/swaps");
	f = fx_check(fx, "memory.swap");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "/proc/swaps");
	fx_profile(fx, "[memory]\nswap = any\nswappiness = any");
	assert_verdict(fx_check(fx, "memory.swap"), V_SKIP);
}

/* Swap on with no device is a failure too. */
static void test_swap_wanted_on(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[memory]\nswap = on");
	f = fx_check(fx, "memory.swap");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "swapon -a");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup_base, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hugepages_pass),
		T(test_hugepages_none_free),
		T(test_hugepages_other_node),
		T(test_hugepages_2m_runtime),
		T(test_hugepages_no_pool),
		T(test_hugepages_skip),
		T(test_hugepages_no_numa),
		T(test_hugetlbfs),
		T(test_stale_pass),
		T(test_stale_fail),
		T(test_stale_many),
		T(test_stale_deleted_and_dirs),
		T(test_stale_unreadable),
		T(test_stale_skip),
		T(test_thp),
		T(test_thp_skip),
		T(test_numa_balancing),
		T(test_numa_balancing_skip),
		T(test_swap),
		T(test_swappiness),
		T(test_swap_skip),
		T(test_swap_wanted_on),
	};

	return cmocka_run_group_tests_name("checks: memory", tests, NULL, NULL);
}
