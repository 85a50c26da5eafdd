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

/* Firmware listing every cpu under each of 8 nodes, the kernel placing them all on node 0 (cpuN/node0): one node. */
static void test_same_cpus_every_node(void **state)
{
	struct fx *fx = *state;
	const struct host *h;
	const struct finding *f;
	char path[128];

	fx_remove(fx, NODE "/node1");
	for (int n = 0; n < 8; n++) {
		snprintf(path, sizeof(path), NODE "/node%d/cpulist", n);
		fx_write(fx, path, "0-7\n");
	}
	for (int cpu = 4; cpu < 8; cpu++) {
		snprintf(path, sizeof(path), CPU "/cpu%d/node1", cpu);
		fx_remove(fx, path);
		snprintf(path, sizeof(path), CPU "/cpu%d/node0", cpu);
		fx_symlink(fx, "../../node/node0", path);
	}
	h = load(fx);
	assert_int_equal(h->nnodes, 1);
	assert_int_equal(h->nodes[0].id, 0);
	assert_cpus(&h->nodes[0].cpus, "0-7");
	assert_int_equal(host_cpu_node(h, 6), 0);
	assert_int_equal(h->nodes_phantom, 7);
	f = fx_check(fx, "cpu.numa_nodes");
	assert_int_equal(f->verdict, V_WARN);
	assert_non_null(strstr(f->observed, "1 node"));
	assert_non_null(strstr(f->observed, "7 more"));
}

/* The same lists where the kernel's links put cpus 4-7 on node 1 (which has memory): its two real nodes. */
static void test_same_cpus_kernel_links(void **state)
{
	struct fx *fx = *state;
	const struct host *h;
	char path[128];

	for (int n = 0; n < 4; n++) {
		snprintf(path, sizeof(path), NODE "/node%d/cpulist", n);
		fx_write(fx, path, "0-7\n");
	}
	h = load(fx);
	assert_int_equal(h->nnodes, 2);
	assert_cpus(&h->nodes[0].cpus, "0-3");
	assert_cpus(&h->nodes[1].cpus, "4-7");
	assert_int_equal(host_cpu_node(h, 5), 1);
	assert_int_equal(h->nodes_phantom, 2);
	/* Without the kernel's links the lowest node keeps each cpu, and the audit cannot vouch for it. */
	for (int cpu = 0; cpu < 8; cpu++) {
		snprintf(path, sizeof(path), CPU "/cpu%d/node%d", cpu, cpu < 4 ? 0 : 1);
		fx_remove(fx, path);
	}
	h = load(fx);
	assert_int_equal(host_cpu_node(h, 5), 0);
	assert_int_equal(fx_check(fx, "cpu.numa_nodes")->verdict, V_FAIL);
}

/* The base tree's two nodes renumbered lo and hi: node dirs, the cpus' links and the NICs' numa_node. */
static void renumber_nodes(struct fx *fx, int lo, int hi)
{
	/* The base tree's NICs: two on node 0, one on node 1. */
	static const struct { const char *pci; int node; } nics[] = { { "0000:18:00.0", 0 }, { "0000:3b:00.0", 0 }, { "0000:5e:00.0", 0 }, { "0000:af:00.0", 1 } };
	char path[128], target[64];

	for (size_t i = 0; i < sizeof(nics) / sizeof(nics[0]); i++) {
		snprintf(path, sizeof(path), "/sys/devices/pci0000:00/%s/numa_node", nics[i].pci);
		snprintf(target, sizeof(target), "%d\n", nics[i].node ? hi : lo);
		fx_write(fx, path, target);
	}
	if (lo)
		fx_remove(fx, NODE "/node0");
	fx_remove(fx, NODE "/node1");
	for (int k = 0; k < 2; k++) {
		int id = k ? hi : lo;

		snprintf(path, sizeof(path), NODE "/node%d/cpulist", id);
		fx_write(fx, path, k ? "4-7\n" : "0-3\n");
		snprintf(path, sizeof(path), NODE "/node%d/meminfo", id);
		snprintf(target, sizeof(target), "Node %d MemTotal:       65536000 kB\n", id);
		fx_write(fx, path, target);
	}
	for (int cpu = 0; cpu < 8; cpu++) {
		snprintf(path, sizeof(path), CPU "/cpu%d/node%d", cpu, cpu < 4 ? 0 : 1);
		fx_remove(fx, path);
		snprintf(path, sizeof(path), CPU "/cpu%d/node%d", cpu, cpu < 4 ? lo : hi);
		snprintf(target, sizeof(target), "../../node/node%d", cpu < 4 ? lo : hi);
		fx_symlink(fx, target, path);
	}
}

static void assert_nodes(struct fx *fx, int lo, int hi)
{
	const struct host *h = load(fx);

	assert_int_equal(h->nnodes, 2);
	assert_int_equal(h->nodes[0].id, lo);
	assert_int_equal(h->nodes[1].id, hi);
	assert_cpus(&h->nodes[1].cpus, "4-7");
	assert_int_equal(host_cpu_node(h, 2), lo);
	assert_int_equal(host_cpu_node(h, 6), hi);
	assert_true(cpuset_empty(&h->node_overlap));
	assert_int_equal(fx_check(fx, "cpu.numa_nodes")->verdict, V_PASS);
	assert_int_equal(fx_check(fx, "cpu.housekeeping")->verdict, V_PASS);
	assert_int_equal(fx->prof.nic_node, lo);
	assert_non_null(host_nic_by_name(h, "ens1f0"));
	assert_int_equal(host_nic_by_name(h, "ens1f0")->numa_node, lo);
}

/* Nodes numbered from 1 (1 and 2), and with a gap (0 and 2): ids kept, cpus placed by them, the NIC's node found. */
static void test_nodes_from_1(void **state)
{
	renumber_nodes(*state, 1, 2);
	assert_nodes(*state, 1, 2);
}

static void test_nodes_gap(void **state)
{
	renumber_nodes(*state, 0, 2);
	assert_nodes(*state, 0, 2);
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

/*
 * No cgroup cpuset in the tree, only its process's Cpus_allowed_list (a container without the cpuset
 * controller, a taskset): the allowed set is the tree's, whatever cpus the audit itself may use.
 */
static void test_allowed_from_status(void **state)
{
	struct fx *fx = *state;
	const struct host *h;

	fx_write(fx, "/proc/self/status", "Name:\tsh\nCpus_allowed:\t33\nCpus_allowed_list:\t0-1,4-5\n");
	h = load(fx);
	assert_true(h->has_allowed);
	assert_cpus(&h->allowed, "0-1,4-5");
	assert_string_equal(h->allowed_source, "/proc/self/status (Cpus_allowed_list)");
	/* the cgroup's cpuset, when the tree has one, is what the application's cgroup allows */
	fx_write(fx, "/proc/self/cgroup", "0::/trading.slice\n");
	fx_write(fx, "/sys/fs/cgroup/trading.slice/cpuset.cpus.effective", "2-7\n");
	h = load(fx);
	assert_cpus(&h->allowed, "2-7");
	assert_string_equal(h->allowed_source, "/sys/fs/cgroup/trading.slice/cpuset.cpus.effective");
	/* a status without the line says nothing */
	fx_remove(fx, "/proc/self/cgroup");
	fx_write(fx, "/proc/self/status", "Name:\tsh\n");
	h = load(fx);
	assert_false(h->has_allowed);
}

/* Writes cpu's thread_siblings_list and core_cpus_list. */
static void smt_lists(struct fx *fx, int cpu, const char *thread, const char *core)
{
	char path[128];

	snprintf(path, sizeof(path), CPU "/cpu%d/topology/thread_siblings_list", cpu);
	if (thread)
		fx_write(fx, path, thread);
	else
		fx_remove(fx, path);
	snprintf(path, sizeof(path), CPU "/cpu%d/topology/core_cpus_list", cpu);
	if (core)
		fx_write(fx, path, core);
	else
		fx_remove(fx, path);
}

/*
 * SMT siblings when thread_siblings_list (lscpu's) and core_cpus_list (its newer name, the same
 * kernel mask) disagree: the one matching the kernel's core ids (package, core_id) is taken, and the
 * disagreement recorded; a tree with only core_cpus_list still has its siblings.
 */
static void test_smt_lists_disagree(void **state)
{
	struct fx *fx = *state;
	const struct host *h;
	char path[128];

	for (int cpu = 0; cpu < 8; cpu++) {
		snprintf(path, sizeof(path), "%d-%d\n", cpu & ~1, cpu | 1);
		smt_lists(fx, cpu, path, path);
	}
	h = load(fx);
	assert_cpus(&host_cpu(h, 0)->siblings, "0-1");
	assert_true(cpuset_empty(&h->smt_disagree));
	/* cpu 0: a stale thread list, the core list right (cores 0 and 1 share core_id 0) */
	smt_lists(fx, 0, "0\n", "0-1\n");
	/* cpu 3: the core list wrong, the thread list right */
	smt_lists(fx, 3, "2-3\n", "3\n");
	h = load(fx);
	assert_cpus(&host_cpu(h, 0)->siblings, "0-1");
	assert_cpus(&host_cpu(h, 3)->siblings, "2-3");
	assert_cpus(&h->smt_disagree, "0,3");
	assert_int_equal(h->smt_threads_per_core, 2);
	/* only core_cpus_list (a kernel without the old name) */
	for (int cpu = 0; cpu < 8; cpu++) {
		snprintf(path, sizeof(path), "%d-%d\n", cpu & ~1, cpu | 1);
		smt_lists(fx, cpu, NULL, path);
	}
	h = load(fx);
	assert_cpus(&host_cpu(h, 5)->siblings, "4-5");
	assert_int_equal(h->smt_threads_per_core, 2);
	assert_true(cpuset_empty(&h->smt_disagree));
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
		cmocka_unit_test_setup_teardown(test_same_cpus_every_node, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_same_cpus_kernel_links, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nodes_from_1, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nodes_gap, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_allowed_from_status, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_smt_lists_disagree, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_l3, fx_setup_base, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
