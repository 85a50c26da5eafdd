/* memory and irq checks on fixture trees: pass on base, fail after one change, skip when files are missing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"

static void test_hugepages(void **state)
{
	struct fx fx;
	const struct finding *f;

	(void)state;
	fx_init(&fx, "base");
	assert_verdict(fx_check(&fx, "memory.hugepages"), V_PASS);
	/* All pages on the other node: enough in total, none where the NIC is. */
	fx_write(&fx, "/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
	fx_write(&fx, "/sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages", "8\n");
	f = fx_check(&fx, "memory.hugepages");
	assert_verdict(f, V_FAIL);
	assert_non_null(strstr(f->observed, "8 more on other nodes"));
	assert_non_null(strstr(f->remedy, "echo 4 > /sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages"));
	fx_remove(&fx, "/sys/devices/system/node/node0/hugepages");
	assert_verdict(fx_check(&fx, "memory.hugepages"), V_FAIL);
	fx_remove(&fx, "/sys/devices/system/node");
	assert_verdict(fx_check(&fx, "memory.hugepages"), V_SKIP);
	fx_done(&fx);
}

static void test_hugetlbfs(void **state)
{
	struct fx fx;

	(void)state;
	fx_init(&fx, "base");
	assert_verdict(fx_check(&fx, "memory.hugetlbfs"), V_PASS);
	fx_write(&fx, "/proc/mounts", "hugetlbfs /mnt/huge-2M hugetlbfs rw,pagesize=2M 0 0\n");
	assert_verdict(fx_check(&fx, "memory.hugetlbfs"), V_FAIL);
	assert_non_null(strstr(fx.f.remedy, "pagesize=1G"));
	fx_remove(&fx, "/proc/mounts");
	assert_verdict(fx_check(&fx, "memory.hugetlbfs"), V_SKIP);
	fx_done(&fx);
}

static void test_stale(void **state)
{
	struct fx fx;
	const struct finding *f;

	(void)state;
	fx_init(&fx, "base");
	assert_verdict(fx_check(&fx, "memory.stale_hugepages"), V_PASS);
	fx_write(&fx, "/dev/hugepages/rtemap_7", "");
	f = fx_check(&fx, "memory.stale_hugepages");
	assert_verdict(f, V_FAIL);
	assert_non_null(strstr(f->observed, "/dev/hugepages/rtemap_7"));
	assert_null(strstr(f->observed, "rtemap_0"));
	assert_non_null(strstr(f->remedy, "rm /dev/hugepages/rtemap_7"));
	fx_write(&fx, "/proc/mounts", "/dev/sda1 / ext4 rw 0 0\n");
	assert_verdict(fx_check(&fx, "memory.stale_hugepages"), V_SKIP);
	fx_done(&fx);
}

static void test_thp(void **state)
{
	struct fx fx;

	(void)state;
	fx_init(&fx, "base");
	assert_verdict(fx_check(&fx, "memory.thp"), V_PASS);
	fx_write(&fx, "/sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n");
	assert_verdict(fx_check(&fx, "memory.thp"), V_FAIL);
	assert_non_null(strstr(fx.f.remedy, "echo never > /sys/kernel/mm/transparent_hugepage/enabled"));
	fx_write(&fx, "/sys/kernel/mm/transparent_hugepage/enabled", "garbage\n");
	assert_verdict(fx_check(&fx, "memory.thp"), V_SKIP);
	fx_remove(&fx, "/sys/kernel/mm/transparent_hugepage");
	assert_verdict(fx_check(&fx, "memory.thp"), V_SKIP);
	fx_profile(&fx, "[memory]\nthp = any");
	assert_verdict(fx_check(&fx, "memory.thp"), V_SKIP);
	fx_done(&fx);
}

static void test_numa_balancing_and_swap(void **state)
{
	struct fx fx;

	(void)state;
	fx_init(&fx, "base");
	assert_verdict(fx_check(&fx, "memory.numa_balancing"), V_PASS);
	fx_write(&fx, "/proc/sys/kernel/numa_balancing", "1\n");
	assert_verdict(fx_check(&fx, "memory.numa_balancing"), V_FAIL);
	fx_write(&fx, "/proc/sys/kernel/numa_balancing", "x\n");
	assert_verdict(fx_check(&fx, "memory.numa_balancing"), V_SKIP);
	fx_write(&fx, "/proc/sys/kernel/numa_balancing", "");
	assert_verdict(fx_check(&fx, "memory.numa_balancing"), V_SKIP);
	assert_verdict(fx_check(&fx, "memory.swap"), V_PASS);
	fx_write(&fx, "/proc/swaps", "Filename Type Size Used Priority\n/dev/sda2 partition 8388604 0 -2\n");
	assert_verdict(fx_check(&fx, "memory.swap"), V_FAIL);
	assert_non_null(strstr(fx.f.remedy, "swapoff -a"));
	fx_remove(&fx, "/proc/swaps");
	fx_write(&fx, "/proc/sys/vm/swappiness", "60\n");
	assert_verdict(fx_check(&fx, "memory.swap"), V_FAIL);
	assert_non_null(strstr(fx.f.remedy, "sysctl -w vm.swappiness=10"));
	fx_remove(&fx, "/proc/sys/vm/swappiness");
	assert_verdict(fx_check(&fx, "memory.swap"), V_SKIP);
	fx_done(&fx);
}

static void test_irqbalance(void **state)
{
	struct fx fx;
	const struct finding *f;

	(void)state;
	fx_init(&fx, "base");
	assert_verdict(fx_check(&fx, "irq.irqbalance"), V_PASS);
	fx_write(&fx, "/proc/777/comm", "irqbalance\n");
	assert_verdict(fx_check(&fx, "irq.irqbalance"), V_FAIL);	/* profile: off */
	assert_non_null(strstr(fx.f.remedy, "systemctl disable --now irqbalance"));
	/* banned: irqbalance 1.9 bans the kernel's isolated cpus by itself. */
	fx_profile(&fx, "[irq]\nirqbalance = banned");
	assert_verdict(fx_check(&fx, "irq.irqbalance"), V_PASS);
	/* An explicit list replaces that ban; the old hex variable is ignored. */
	fx_write(&fx, "/etc/default/irqbalance", "IRQBALANCE_BANNED_CPUS=cc\nIRQBALANCE_BANNED_CPULIST=\"2-3\"\n");
	f = fx_check(&fx, "irq.irqbalance");
	assert_verdict(f, V_FAIL);
	assert_non_null(strstr(f->observed, "6-7"));
	assert_non_null(strstr(f->observed, "IRQBALANCE_BANNED_CPUS is ignored"));
	assert_non_null(strstr(f->remedy, "IRQBALANCE_BANNED_CPULIST=2-3,6-7"));
	/* What the running daemon got wins over the file: started without the list, it bans isolcpus itself. */
	fx_write(&fx, "/proc/777/environ", "PATH=/bin");
	assert_verdict(fx_check(&fx, "irq.irqbalance"), V_PASS);
	fx_done(&fx);
}

static void test_affinity(void **state)
{
	struct fx fx;
	const struct finding *f;

	(void)state;
	fx_init(&fx, "base");
	assert_verdict(fx_check(&fx, "irq.affinity"), V_PASS);
	fx_write(&fx, "/proc/irq/8/effective_affinity_list", "2\n");
	f = fx_check(&fx, "irq.affinity");
	assert_verdict(f, V_FAIL);
	assert_non_null(strstr(f->observed, "8 (rtc0) on 2"));
	assert_non_null(strstr(f->remedy, "echo 0-1,4-5 > /proc/irq/8/smp_affinity_list"));
	/* A kernel-managed IRQ cannot be moved: a warning, not a failure. */
	fx_write(&fx, "/sys/kernel/debug/irq/irqs/8", "handler: handle_edge_irq\nflags: 0x0\n IRQD_AFFINITY_MANAGED\n");
	assert_verdict(fx_check(&fx, "irq.affinity"), V_WARN);
	fx_remove(&fx, "/proc/interrupts");
	assert_verdict(fx_check(&fx, "irq.affinity"), V_SKIP);
	fx_done(&fx);
}

static void test_default_affinity(void **state)
{
	struct fx fx;

	(void)state;
	fx_init(&fx, "base");
	assert_verdict(fx_check(&fx, "irq.default_affinity"), V_PASS);
	fx_write(&fx, "/proc/irq/default_smp_affinity", "ff\n");
	assert_verdict(fx_check(&fx, "irq.default_affinity"), V_FAIL);
	assert_non_null(strstr(fx.f.remedy, "echo 00000033 > /proc/irq/default_smp_affinity"));
	fx_write(&fx, "/proc/irq/default_smp_affinity", "zz\n");
	assert_verdict(fx_check(&fx, "irq.default_affinity"), V_SKIP);
	fx_done(&fx);
}

static void test_nic_node(void **state)
{
	struct fx fx;

	(void)state;
	fx_init(&fx, "base");
	assert_verdict(fx_check(&fx, "irq.nic_node"), V_PASS);
	fx_write(&fx, "/proc/irq/28/effective_affinity_list", "4\n");	/* housekeeping, wrong node */
	assert_verdict(fx_check(&fx, "irq.nic_node"), V_FAIL);
	fx_profile(&fx, "[nic]\ninterface = 0000:5e:00.0");
	assert_verdict(fx_check(&fx, "irq.nic_node"), V_SKIP);	/* vfio-bound: no kernel handler */
	fx_profile(&fx, "[nic]\ninterface = none");
	assert_verdict(fx_check(&fx, "irq.nic_node"), V_SKIP);
	fx_done(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hugepages),
		cmocka_unit_test(test_hugetlbfs),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_thp),
		cmocka_unit_test(test_numa_balancing_and_swap),
		cmocka_unit_test(test_irqbalance),
		cmocka_unit_test(test_affinity),
		cmocka_unit_test(test_default_affinity),
		cmocka_unit_test(test_nic_node),
	};

	return cmocka_run_group_tests_name("checks: memory and irq", tests, NULL, NULL);
}
