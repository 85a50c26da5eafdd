/* The host model's inventory on unusual trees: cpumap only, no cpu lists, no NUMA, cgroup cpusets, overlapping nodes, L3 groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "checktest.h"

#define CPU "/sys/devices/system/cpu"
#define NODE "/sys/devices/system/node"

static const struct host *load(struct fx *fx)
{
	fx_check(fx, "cpu.housekeeping");
	return &fx->host;
}

static void assert_cpus(const struct cpuset *s, const char *want)
{
	char buf[256];

	assert_string_equal(cpuset_format(s, buf, sizeof(buf)), want);
}

/* As shipped: two nodes from cpulist, 2 packages, 4 cores, no cache topology. */
static void test_base(void **state)
{
	const struct host *h = load(*state);

	assert_int_equal(h->nnodes, 2);
	assert_false(h->nodes_implicit);
	assert_false(h->nodes_from_cpumap);
	assert_false(h->cpus_from_dirs);
	assert_int_equal(h->npackages, 2);
	assert_int_equal(h->ncores, 4);
	assert_int_equal(h->nl3, 0);
	assert_true(cpuset_empty(&h->node_overlap));
	assert_int_equal(host_cpu_node(h, 5), 1);
}

/* Nodes with only cpumap (kernels before cpulist): the mask gives the same nodes. */
static void test_cpumap(void **state)
{
	struct fx *fx = *state;
	const struct host *h;

	fx_remove(fx, NODE "/node0/cpulist");
	fx_remove(fx, NODE "/node1/cpulist");
	fx_write(fx, NODE "/node0/cpumap", "0000000f\n");
	fx_write(fx, NODE "/node1/cpumap", "000000f0\n");
	h = load(fx);
	assert_int_equal(h->nnodes, 2);
	assert_true(h->nodes_from_cpumap);
	assert_cpus(&h->nodes[0].cpus, "0-3");
	assert_cpus(&h->nodes[1].cpus, "4-7");
	assert_int_equal(host_cpu_node(h, 6), 1);
}

/* No present/online files: the cpuN directories and their online files. */
static void test_cpu_dirs(void **state)
{
	struct fx *fx = *state;
	const struct host *h;

	fx_remove(fx, CPU "/online");
	fx_remove(fx, CPU "/present");
	fx_write(fx, CPU "/cpu7/online", "0\n");
	h = load(fx);
	assert_true(h->cpus_from_dirs);
	assert_int_equal(h->ncpus, 8);
	assert_cpus(&h->present, "0-7");
	assert_cpus(&h->online, "0-6");
	/* present kept, online missing: online from the cpuN files */
	fx_write(fx, CPU "/present", "0-7\n");
	h = load(fx);
	assert_true(h->has_online);
	assert_cpus(&h->online, "0-6");
}

/* No NUMA directories (CONFIG_NUMA=n): one node 0 with every cpu and the system's memory and pools. */
static void test_implicit_node(void **state)
{
	struct fx *fx = *state;
	const struct host *h;

	fx_remove(fx, NODE);
	h = load(fx);
	assert_int_equal(h->nnodes, 1);
	assert_true(h->nodes_implicit);
	assert_int_equal(h->nodes[0].id, 0);
	assert_cpus(&h->nodes[0].cpus, "0-7");
	assert_true(h->nodes[0].memory_mib > 0);
	assert_int_equal(h->nodes[0].npools, h->npools);
	assert_int_equal(host_cpu_node(h, 7), 0);
}

/* Node lists that overlap: each cpu keeps its first node, the rest is recorded. */
static void test_overlap(void **state)
{
	struct fx *fx = *state;
	const struct host *h;

	fx_write(fx, NODE "/node1/cpulist", "3-7\n");
	h = load(fx);
	assert_cpus(&h->node_overlap, "3");
	assert_int_equal(host_cpu_node(h, 3), 0);
}

/* cgroup cpusets: v2 of the audit's own cgroup (walking up), an explicit --cgroup, v1, and bad paths. */
static void test_allowed(void **state)
{
	struct fx *fx = *state;
	struct host *h;
	struct cpuset u;

	h = (struct host *)load(fx);
	assert_false(h->has_allowed);
	fx_write(fx, "/proc/self/cgroup", "0::/kubepods.slice/pod1/ctr\n");
	fx_write(fx, "/sys/fs/cgroup/kubepods.slice/pod1/cpuset.cpus.effective", "0-1,4-5\n");
	h = (struct host *)load(fx);
	assert_true(h->has_allowed);
	assert_cpus(&h->allowed, "0-1,4-5");
	assert_string_equal(h->allowed_source, "/sys/fs/cgroup/kubepods.slice/pod1/cpuset.cpus.effective");
	host_usable(h, &u);
	assert_cpus(&u, "0-1,4-5");
	/* auto isolation takes only what the cgroup allows */
	assert_true(cpuset_subset(&fx->prof.housekeeping, &u));
	/* an explicit cgroup, as --cgroup gives it */
	fx_write(fx, "/sys/fs/cgroup/trading.slice/cpuset.cpus.effective", "2-7\n");
	assert_int_equal(host_load_allowed(h, "/trading.slice"), 0);
	assert_cpus(&h->allowed, "2-7");
	assert_int_equal(host_load_allowed(h, "/sys/fs/cgroup/trading.slice"), 0);
	assert_cpus(&h->allowed, "2-7");
	assert_int_equal(host_load_allowed(h, "/nowhere"), -ENOENT);
	assert_false(h->has_allowed);
	assert_int_equal(host_load_allowed(h, "/a/../../etc"), -EINVAL);
	assert_int_equal(host_load_allowed(h, "relative"), -EINVAL);
	/* v1: the cpuset hierarchy's line wins */
	fx_write(fx, "/proc/self/cgroup", "4:cpuset:/docker/abc\n0::/system.slice\n");
	fx_write(fx, "/sys/fs/cgroup/cpuset/docker/abc/cpuset.effective_cpus", "6-7\n");
	h = (struct host *)load(fx);
	assert_cpus(&h->allowed, "6-7");
}

/* L3 groups from cache/indexN: two CCX-like groups per package. */
static void test_l3(void **state)
{
	struct fx *fx = *state;
	const struct host *h;
	char path[128];

	for (int cpu = 0; cpu < 8; cpu++) {
		snprintf(path, sizeof(path), CPU "/cpu%d/cache/index0/level", cpu);
		fx_write(fx, path, "1\n");
		snprintf(path, sizeof(path), CPU "/cpu%d/cache/index3/level", cpu);
		fx_write(fx, path, "3\n");
		snprintf(path, sizeof(path), CPU "/cpu%d/cache/index1/level", cpu);
		fx_write(fx, path, "1\n");
		snprintf(path, sizeof(path), CPU "/cpu%d/cache/index2/level", cpu);
		fx_write(fx, path, "2\n");
		snprintf(path, sizeof(path), CPU "/cpu%d/cache/index3/shared_cpu_list", cpu);
		fx_write(fx, path, cpu < 2 ? "0-1\n" : cpu < 4 ? "2-3\n" : "4-7\n");
	}
	h = load(fx);
	assert_int_equal(h->nl3, 3);
	assert_cpus(&h->l3[0], "0-1");
	assert_cpus(&h->l3[2], "4-7");
	assert_int_equal(host_cpu(h, 3)->l3, 1);
	assert_int_equal(host_cpu(h, 6)->l3, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_base, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_cpumap, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_cpu_dirs, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_implicit_node, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_overlap, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_allowed, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_l3, fx_setup_base, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
