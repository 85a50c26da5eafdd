/* nic.* checks on the base fixture: pass as shipped, then one mutation at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"

#define NIC "/sys/bus/pci/devices/0000:3b:00.0"
#define VFIO_DEV "/sys/bus/pci/devices/0000:5e:00.0"
#define NODE0_1G "/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages"
#define ETH "/.tickready/ethtool/ens1f0"
#define NOIOMMU "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
#define CMDLINE_HEAD "BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=UUID=1b7c ro quiet "
#define CHAIN_BASE "0000:3b:00.0 x16 16GT/s -> node 0 -> isolated 2-3 -> 4 1G pages on node 0, /dev/hugepages -> IRQs on 0-1"
/* The vfio-bound device of the fixture as the bypass NIC. */
#define VFIO_PROFILE "[nic]\ninterface = 0000:5e:00.0\ndriver = vfio-pci"


/* Every nic check skips without a bypass NIC, and says why. */
static void test_no_nic(void **state)
{
	static const char *const ids[] = { "nic.chain", "nic.numa_isolated", "nic.pcie_link", "nic.driver",
					   "nic.iommu", "nic.coalesce", "nic.rings" };
	const struct finding *f;

	fx_profile(*state, "[nic]\ninterface = none");
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		f = fx_check(*state, ids[i]);
		assert_verdict(f, V_SKIP);
		assert_has(f->observed, "no bypass NIC: set [nic] interface");
	}
	fx_profile(*state, "[nic]\ninterface = ens9f1");
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		f = fx_check(*state, ids[i]);
		assert_verdict(f, V_SKIP);
		assert_has(f->observed, "'ens9f1'");
	}
}

/* ---- nic.chain ---- */

static void test_chain_pass(void **state)
{
	const struct finding *f = fx_check(*state, "nic.chain");

	assert_verdict(f, V_PASS);
	assert_string_equal(f->observed, CHAIN_BASE);
	assert_null(f->remedy);
	/* By PCI address, the same NIC and the same chain. */
	fx_profile(*state, "[nic]\ninterface = 0000:3b:00.0");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_PASS);
	assert_string_equal(f->observed, CHAIN_BASE);
}

static void test_chain_pcie(void **state)
{
	const struct finding *f;

	fx_write(*state, NIC "/current_link_width", "8\n");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "broken link 'pcie'");
	assert_lacks(f->observed, "'hugepages'");
	/* A second broken link further down: one audit names every one, each with its own fix. */
	fx_write(*state, NODE0_1G, "0\n");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "broken links 'pcie': ");
	assert_has(f->observed, "x8 16GT/s, capable x16 16GT/s; 'hugepages': ");
	assert_has(f->remedy, "reseat 0000:3b:00.0");
	assert_has(f->remedy, "; echo ");
}

static void test_chain_numa(void **state)
{
	const struct finding *f;

	fx_write(*state, NIC "/numa_node", "-1\n");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "broken link 'numa'");
	assert_has(f->observed, "firmware reports no NUMA node for ens1f0");
	assert_has(f->observed, "holds: 0000:3b:00.0 x16 16GT/s");
	assert_has(f->remedy, "BIOS");
}

static void test_chain_numa_garbage(void **state)
{
	const struct finding *f;

	fx_write(*state, NIC "/numa_node", "zero\n");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, NIC "/numa_node");
	assert_has(f->observed, "'zero'");
	fx_write(*state, NIC "/numa_node", "");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "is empty");
	fx_write(*state, NIC "/numa_node", "99999999999999999999999\n");
	assert_verdict(fx_check(*state, "nic.chain"), V_SKIP);
	fx_remove(*state, NIC "/numa_node");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "cannot read '" NIC "/numa_node'");
}

static void test_chain_cores(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[cpu]\nisolated_cores = 6-7");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "broken link 'cores'");
	assert_has(f->observed, "no isolated cpu on node 0");
	assert_has(f->remedy, "set [cpu] isolated_cores to cpus of node 0 (e.g. 2-3)");
}

static void test_chain_hugepages(void **state)
{
	const struct finding *f;

	fx_write(*state, NODE0_1G, "0\n");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "broken link 'hugepages'");
	assert_has(f->observed, "0 1G pages reserved on node 0, want 4");
	assert_has(f->observed, "holds: 0000:3b:00.0 x16 16GT/s -> node 0 -> isolated 2-3");
	assert_has(f->remedy, "echo 4 > " NODE0_1G);
	/* Garbage in the pool file: the count is unknown, still not the pages wanted. */
	fx_write(*state, NODE0_1G, "lots\n");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "unknown");
	/* No 1G pool on the node at all: only the command line can make one. */
	fx_remove(*state, "/sys/devices/system/node/node0/hugepages/hugepages-1048576kB");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "node 0 has no 1G hugepage pool");
	assert_has(f->remedy, "hugepagesz=1G hugepages=4");
	assert_true(f->needs_reboot);
	/* hugepages = any (the rdma profile): no count asked, so no pages, pool or command line invented. */
	fx_profile(*state, "[memory]\nhugepages = any");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_PASS);
	assert_null(strstr(f->observed, "pages on node"));
}

static void test_chain_hugetlbfs(void **state)
{
	const struct finding *f;

	fx_write(*state, "/proc/mounts", "/dev/sda1 / ext4 rw,relatime 0 0\n"
					 "hugetlbfs /mnt/huge-2M hugetlbfs rw,relatime,pagesize=2M 0 0\n");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "broken link 'hugetlbfs'");
	assert_has(f->remedy, "mount -t hugetlbfs -o pagesize=1G");
	fx_profile(*state, "[memory]\nhugetlbfs = no");
	assert_verdict(fx_check(*state, "nic.chain"), V_PASS);
}

static void test_chain_irqs(void **state)
{
	const struct finding *f;

	fx_write(*state, "/proc/irq/28/effective_affinity_list", "2\n");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "broken link 'irqs'");
	assert_has(f->observed, "IRQ 28 of ens1f0 on cpu 2, outside housekeeping 0-1 of node 0");
	assert_has(f->remedy, "echo 0-1 > /proc/irq/28/smp_affinity_list");
	/* On the other node's housekeeping cpu: still not local. */
	fx_write(*state, "/proc/irq/29/effective_affinity_list", "4\n");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "IRQs 28,29 of ens1f0 on cpu 2,4");
	assert_has(f->remedy, "for i in 28 29; do echo 0-1 > /proc/irq/$i/smp_affinity_list; done");
	/* The profile does not ask for local IRQs: the link is not judged. */
	fx_profile(*state, "[irq]\nnic_irqs_local = no");
	assert_verdict(fx_check(*state, "nic.chain"), V_PASS);
}

static void test_chain_irqs_garbage(void **state)
{
	const struct finding *f;

	/* An unreadable effective list falls back to the mask, which spans both nodes. */
	fx_write(*state, "/proc/irq/28/effective_affinity_list", "garbage\n");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "IRQ 28 ");
	/* Nothing known about any vector: the link cannot be judged, the rest still is. */
	for (int i = 27; i <= 29; i++) {
		char p[64];

		snprintf(p, sizeof(p), "/proc/irq/%d", i);
		fx_remove(*state, p);
	}
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_PASS);
	assert_lacks(f->observed, "IRQs");
}

/* A NIC given to vfio-pci: IRQs are not judged, the IOMMU group is. */
static void test_chain_vfio(void **state)
{
	const struct finding *f;

	fx_profile(*state, VFIO_PROFILE);
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_PASS);
	assert_string_equal(f->observed,
			    "0000:5e:00.0 x16 16GT/s -> node 0 -> isolated 2-3 -> 4 1G pages on node 0, /dev/hugepages -> "
			    "iommu group 12 alone");
	fx_symlink(*state, "../../../../devices/pci0000:00/0000:3b:00.0",
		   "/sys/kernel/iommu_groups/12/devices/0000:3b:00.0");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "broken link 'iommu'");
	assert_has(f->observed, "iommu group 12 holds 2 devices: 0000:3b:00.0 0000:5e:00.0");
	assert_has(f->remedy, "own IOMMU group");
}

static void test_chain_vfio_no_iommu(void **state)
{
	const struct finding *f;

	fx_profile(*state, VFIO_PROFILE);
	fx_remove(*state, VFIO_DEV "/iommu_group");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "broken link 'iommu'");
	/* intel_iommu=on is on the fixture's command line: only the BIOS is left. */
	assert_has(f->remedy, "manual: enable VT-d in the BIOS");
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "intel_iommu=off\n");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "add 'intel_iommu=on iommu=pt'");
	assert_true(f->needs_reboot);
	fx_profile(*state, "[nic]\niommu = noiommu");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "vfio no-IOMMU");
}

/* The ens1f0 netdev bound to vfio-pci and wanted there: IRQs skipped, group 11 judged. */
static void test_chain_ens1f0_vfio(void **state)
{
	const struct finding *f;

	fx_symlink(*state, "../../../bus/pci/drivers/vfio-pci", NIC "/driver");
	fx_write(*state, "/proc/irq/28/effective_affinity_list", "2\n");
	fx_profile(*state, "[nic]\ndriver = vfio-pci");
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "iommu group 11 alone");
	assert_lacks(f->observed, "IRQs");
}

/* ---- nic.numa_isolated ---- */

static void test_numa_isolated(void **state)
{
	const struct finding *f = fx_check(*state, "nic.numa_isolated");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "ens1f0 on node 0; isolated cpus 2-3 there");
	fx_profile(*state, "[cpu]\nisolated_cores = 6-7");
	f = fx_check(*state, "nic.numa_isolated");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "ens1f0 is on node 0 (cpus 0-3); isolated cpus 6-7 are all elsewhere");
	assert_has(f->remedy, "isolated_cores to cpus of node 0 (e.g. 2-3)");
}

static void test_numa_isolated_skip(void **state)
{
	const struct finding *f;

	fx_write(*state, NIC "/numa_node", "-1\n");
	f = fx_check(*state, "nic.numa_isolated");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "firmware reports no NUMA node");
	fx_write(*state, NIC "/numa_node", "one\n");
	f = fx_check(*state, "nic.numa_isolated");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "'one'");
	fx_write(*state, NIC "/numa_node", "\n");
	f = fx_check(*state, "nic.numa_isolated");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "is empty");
	fx_remove(*state, NIC "/numa_node");
	f = fx_check(*state, "nic.numa_isolated");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "cannot read");
}

/* One node: -1 is what the kernel says for every device there, and it means node 0. */
static void test_numa_single_node(void **state)
{
	const struct finding *f;

	fx_remove(*state, "/sys/devices/system/node/node1");
	fx_write(*state, "/sys/devices/system/node/online", "0\n");
	fx_write(*state, "/sys/devices/system/node/possible", "0\n");
	fx_write(*state, "/sys/devices/system/node/node0/cpulist", "0-7\n");
	fx_write(*state, NIC "/numa_node", "-1\n");
	f = fx_check(*state, "nic.numa_isolated");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "node 0");
	f = fx_check(*state, "nic.chain");
	assert_has(f->observed, "node 0");
	assert_lacks(f->observed, "'numa'");
}

/* ---- nic.pcie_link ---- */

static void test_pcie_link(void **state)
{
	const struct finding *f = fx_check(*state, "nic.pcie_link");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "0000:3b:00.0 runs x16 16.0 GT/s");
	fx_write(*state, NIC "/current_link_width", "8\n");
	fx_write(*state, NIC "/current_link_speed", "8.0 GT/s PCIe\n");
	f = fx_check(*state, "nic.pcie_link");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "x8 8.0 GT/s, capable x16 16.0 GT/s");
	assert_has(f->expected, "x16 16.0 GT/s");
	assert_has(f->remedy, "manual: reseat");
	assert_has(f->remedy, "BIOS");
	fx_write(*state, NIC "/current_link_width", "16\n");
	f = fx_check(*state, "nic.pcie_link");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "x16 8.0 GT/s");
}

static void test_pcie_link_skip(void **state)
{
	const struct finding *f;

	fx_write(*state, NIC "/current_link_width", "wide\n");
	f = fx_check(*state, "nic.pcie_link");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "unexpected value in '" NIC "/current_link_width': 'wide'");
	fx_write(*state, NIC "/current_link_width", "");
	f = fx_check(*state, "nic.pcie_link");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "is empty");
	fx_write(*state, NIC "/current_link_width", "16\n");
	fx_write(*state, NIC "/max_link_speed", "Unknown\n");
	f = fx_check(*state, "nic.pcie_link");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "'Unknown'");
	fx_write(*state, NIC "/current_link_width", "0\n");
	f = fx_check(*state, "nic.pcie_link");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "current_link_width': '0'");
	for (const char *const *p = (const char *const[]){ "current_link_speed", "current_link_width",
							  "max_link_speed", "max_link_width", NULL }; *p; p++) {
		char path[128];

		snprintf(path, sizeof(path), NIC "/%s", *p);
		fx_remove(*state, path);
	}
	f = fx_check(*state, "nic.pcie_link");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "no PCIe link files");
	/* The chain carries on without the link. */
	f = fx_check(*state, "nic.chain");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "0000:3b:00.0 -> node 0");
}

/* ---- nic.driver ---- */

static void test_driver(void **state)
{
	const struct finding *f = fx_check(*state, "nic.driver");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "ens1f0 bound to mlx5_core");
	fx_profile(*state, VFIO_PROFILE);
	f = fx_check(*state, "nic.driver");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "0000:5e:00.0 bound to vfio-pci");
}

static void test_driver_fail(void **state)
{
	const struct finding *f;

	/* vfio wanted for an mlx5 NIC: DPDK's mlx5 driver is bifurcated, so the stack keeps mlx5_core. */
	fx_profile(*state, "[nic]\ndriver = vfio-pci");
	f = fx_check(*state, "nic.driver");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "ens1f0 bound to mlx5_core");
	fx_profile(*state, "[nic]\nstack = dpdk");
	assert_verdict(fx_check(*state, "nic.driver"), V_PASS);
	/* vfio wanted, an Intel NIC still on its kernel driver. */
	fx_symlink(*state, "../../../bus/pci/drivers/ice", NIC "/driver");
	f = fx_check(*state, "nic.driver");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "ens1f0 bound to ice");
	assert_has(f->remedy, "dpdk-devbind.py -b vfio-pci 0000:3b:00.0");
	assert_has(f->remedy, "driver = vfio-pci");
	assert_lacks(f->remedy, "WARNING");
	/* The management NIC: the remedy warns before it cuts the path. */
	fx_profile(*state, "[nic]\ninterface = eno1\ndriver = uio_pci_generic");
	f = fx_check(*state, "nic.driver");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "WARNING: eno1 carries the default route");
	assert_has(f->remedy, "cuts off the management path");
	assert_has(f->remedy, "dpdk-devbind.py -b uio_pci_generic 0000:18:00.0");
}

static void test_driver_kernel_wanted(void **state)
{
	const struct finding *f;

	fx_symlink(*state, "../../../bus/pci/drivers/vfio-pci", NIC "/driver");
	f = fx_check(*state, "nic.driver");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "ens1f0 bound to vfio-pci, a user-space driver");
	assert_has(f->remedy, "dpdk-devbind.py -u 0000:3b:00.0");
	fx_remove(*state, NIC "/driver");
	f = fx_check(*state, "nic.driver");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "bound to no driver");
}

static void test_driver_skip(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[nic]\ndriver = any");
	f = fx_check(*state, "nic.driver");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "profile does not ask for nic.driver");
}

/* ---- nic.iommu ---- */

static void test_iommu(void **state)
{
	const struct finding *f = fx_check(*state, "nic.iommu");

	/* The fixture profile keeps the kernel driver: no IOMMU needed. */
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "driver wanted is kernel");
	fx_profile(*state, VFIO_PROFILE);
	f = fx_check(*state, "nic.iommu");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "IOMMU on: /sys/class/iommu has dmar0");
	/* No class directory: a populated iommu_groups tells the same. */
	fx_remove(*state, "/sys/class/iommu");
	f = fx_check(*state, "nic.iommu");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "4 groups");
}

static void test_iommu_off(void **state)
{
	const struct finding *f;

	fx_profile(*state, VFIO_PROFILE);
	fx_remove(*state, "/sys/class/iommu/dmar0");
	/* intel_iommu=on is on the command line already: the BIOS has VT-d off. */
	f = fx_check(*state, "nic.iommu");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "IOMMU off: /sys/class/iommu is empty");
	assert_has(f->remedy, "VT-d");
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "isolcpus=managed_irq,domain,2-3,6-7\n");
	f = fx_check(*state, "nic.iommu");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "add 'intel_iommu=on iommu=pt' to the kernel command line");
	assert_true(f->needs_reboot);
	assert_false(f->pending_reboot);
	fx_write(*state, "/etc/default/grub.d/99-tickready.cfg",
		 "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT intel_iommu=on iommu=pt\"\n");
	f = fx_check(*state, "nic.iommu");
	assert_verdict(f, V_FAIL);
	assert_true(f->pending_reboot);
	/* AMD: on by default, amd_iommu=on is no option; only an explicit off is undone. */
	fx_write(*state, "/proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\n\n");
	f = fx_check(*state, "nic.iommu");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "manual: enable the IOMMU (AMD-Vi) in the BIOS");
	assert_false(f->needs_reboot);
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "amd_iommu=off\n");
	f = fx_check(*state, "nic.iommu");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "remove 'amd_iommu=off'");
	assert_true(f->needs_reboot);
}

static void test_iommu_noiommu(void **state)
{
	const struct finding *f;

	fx_profile(*state, VFIO_PROFILE "\niommu = noiommu");
	fx_remove(*state, "/sys/class/iommu/dmar0");
	f = fx_check(*state, "nic.iommu");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "= 'N'");
	assert_has(f->remedy, "echo Y > " NOIOMMU);
	fx_write(*state, NOIOMMU, "Y\n");
	f = fx_check(*state, "nic.iommu");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "no-IOMMU mode on");
	fx_remove(*state, "/sys/module/vfio");
	f = fx_check(*state, "nic.iommu");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "vfio not loaded");
	assert_has(f->remedy, "modprobe vfio enable_unsafe_noiommu_mode=1");
}

static void test_iommu_skip(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[nic]\ndriver = any");
	f = fx_check(*state, "nic.iommu");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "profile does not ask for nic.driver");
	fx_profile(*state, "[nic]\ndriver = uio_pci_generic");
	f = fx_check(*state, "nic.iommu");
	assert_verdict(f, V_SKIP);
	/* the mlx5 NIC keeps its kernel driver: the stack decides */
	assert_has(f->observed, "driver wanted is kernel");
	fx_profile(*state, "[nic]\ninterface = eno1");
	f = fx_check(*state, "nic.iommu");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "driver wanted is uio_pci_generic");
}

/* ---- nic.coalesce ---- */

static void test_coalesce(void **state)
{
	const struct finding *f = fx_check(*state, "nic.coalesce");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "ens1f0: adaptive-rx off, rx-usecs 0 (capture)");
	fx_write(*state, ETH "/coalesce", "rx_usecs=8\ntx_usecs=0\nadaptive_rx=1\nadaptive_tx=0\nrx_frames=0\n");
	f = fx_check(*state, "nic.coalesce");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "ens1f0: adaptive-rx on, rx-usecs 8");
	assert_has(f->expected, "adaptive-rx off, rx-usecs 0");
	assert_has(f->remedy, "ethtool -C ens1f0 adaptive-rx off rx-usecs 0");
	/* Only the key the profile asks for is judged. */
	fx_profile(*state, "[nic]\nadaptive_rx = any\nrx_usecs = 8");
	assert_verdict(fx_check(*state, "nic.coalesce"), V_PASS);
}

static void test_coalesce_skip(void **state)
{
	const struct finding *f;

	fx_write(*state, ETH "/coalesce", "rx_usecs=fast\ntx_usecs=0\nadaptive_rx=0\nadaptive_tx=0\nrx_frames=0\n");
	f = fx_check(*state, "nic.coalesce");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "unexpected value in '" ETH "/coalesce'");
	assert_has(f->observed, "rx_usecs=fast");
	fx_write(*state, ETH "/coalesce", "");
	f = fx_check(*state, "nic.coalesce");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "'" ETH "/coalesce' is empty");
	/* A live capture keeps the driver's refusal: the same skip as on the live host. */
	fx_write(*state, ETH "/coalesce", "unsupported\n");
	f = fx_check(*state, "nic.coalesce");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "the driver of ens1f0 does not report coalesce (ETHTOOL_GCOALESCE unsupported)");
	/* And a capture of a live host says the facts came from the ioctl. */
	fx_write(*state, ETH "/coalesce", "rx_usecs=0\ntx_usecs=0\nadaptive_rx=0\nadaptive_tx=0\nrx_frames=0\nsource=ioctl\n");
	assert_has(fx_check(*state, "nic.coalesce")->observed, "rx-usecs 0 (ioctl)");
	fx_remove(*state, ETH "/coalesce");
	f = fx_check(*state, "nic.coalesce");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "cannot read '" ETH "/coalesce'");
	fx_profile(*state, "[nic]\nadaptive_rx = any\nrx_usecs = any");
	f = fx_check(*state, "nic.coalesce");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "profile does not ask");
	fx_profile(*state, VFIO_PROFILE "\nrx_usecs = 0");
	f = fx_check(*state, "nic.coalesce");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "0000:5e:00.0 is not a kernel netdev (bound to vfio-pci)");
}

/* ---- nic.rings ---- */

static void test_rings(void **state)
{
	const struct finding *f = fx_check(*state, "nic.rings");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "ens1f0: rx 8192 (max 8192), tx 8192 (max 8192)");
	fx_write(*state, ETH "/ring", "rx_pending=1024\nrx_max=8192\ntx_pending=8192\ntx_max=8192\n");
	f = fx_check(*state, "nic.rings");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "rx 1024 (max 8192)");
	assert_has(f->remedy, "ethtool -G ens1f0 rx 8192 (");
	fx_profile(*state, "[nic]\nrx_ring = 1024\ntx_ring = 4096");
	f = fx_check(*state, "nic.rings");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "ethtool -G ens1f0 tx 4096");
	fx_profile(*state, "[nic]\ntx_ring = 8192");
	assert_verdict(fx_check(*state, "nic.rings"), V_PASS);
	fx_profile(*state, "[nic]\ntx_ring = 16384");
	f = fx_check(*state, "nic.rings");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "set [nic] tx_ring = max (the hardware maximum is 8192, not 16384)");
}

static void test_rings_skip(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[nic]\nrx_ring = lots");
	f = fx_check(*state, "nic.rings");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "[nic] rx_ring = 'lots' is neither a count nor max");
	fx_profile(*state, "[nic]\nrx_ring = max");
	fx_write(*state, ETH "/ring", "rx_pending=-1\nrx_max=8192\ntx_pending=8192\ntx_max=8192\n");
	f = fx_check(*state, "nic.rings");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "unexpected value in '" ETH "/ring'");
	fx_write(*state, ETH "/ring", "rx_pending=0\nrx_max=0\ntx_pending=0\ntx_max=0\n");
	f = fx_check(*state, "nic.rings");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "no rx ring maximum");
	fx_write(*state, ETH "/ring", "\x01\x02\xff\n");
	f = fx_check(*state, "nic.rings");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "'?" "?");
	fx_write(*state, ETH "/ring", "");
	f = fx_check(*state, "nic.rings");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "is empty");
	fx_remove(*state, ETH "/ring");
	f = fx_check(*state, "nic.rings");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "cannot read '" ETH "/ring'");
	fx_profile(*state, "[nic]\nrx_ring = any\ntx_ring = any");
	f = fx_check(*state, "nic.rings");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "profile does not ask");
	fx_profile(*state, VFIO_PROFILE "\nrx_ring = max");
	f = fx_check(*state, "nic.rings");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "not a kernel netdev");
}

/* nic.ena_llq on the c6in fixture: the second ENI (ens6) on the kernel's ena, with the figures it reports. */
#define ENA_ND "/.tickready/netdev/ens6"
#define ENA_KERNEL "[nic]\ninterface = ens6\ndriver = kernel\nstack = kernel"

static int setup_c6in(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx_init(fx, "cloud-aws-c6in");
	*state = fx;
	return 0;
}

static void test_ena_llq_kernel(void **state)
{
	const struct finding *f;

	fx_profile(*state, ENA_KERNEL);
	f = fx_check(*state, "nic.ena_llq");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "8 of 32 queue pairs ('ethtool -l'), LLQ on: 96-byte push header of 224 possible "
		   "(large LLQ headers offered), ena module force_large_llq_header=unset, num_io_queues=128");
	/* Regular mode: the driver reports a push buffer of 0 bytes. */
	fx_write(*state, ENA_ND "/tx_push", "tx_push=0\ntx_push_buf_len=0\ntx_push_buf_len_max=0\n");
	f = fx_check(*state, "nic.ena_llq");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "without LLQ: 8 of 32 queue pairs ('ethtool -l'), LLQ off (regular Tx queues in host memory)");
	assert_has(f->remedy, "'ethtool -g ens6' show TX push on");
	/* A kernel before 6.4 says nothing of LLQ: the WC judgement stands, the gap is named. */
	fx_remove(*state, ENA_ND "/tx_push");
	fx_remove(*state, ENA_ND "/channels");
	fx_write(*state, "/sys/module/ena/parameters/force_large_llq_header", "1\n");
	f = fx_check(*state, "nic.ena_llq");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "8 rx queues (sysfs), ena module force_large_llq_header=1");
	assert_has(f->observed, "(LLQ state not reported: kernel before 6.4)");
	/* Garbage in the file is no fact. */
	fx_write(*state, ENA_ND "/tx_push", "tx_push=7\ntx_push_buf_len=96\ntx_push_buf_len_max=224\n");
	assert_has(fx_check(*state, "nic.ena_llq")->observed, "LLQ state not reported");
}

static void test_ena_llq_dpdk(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[nic]\ninterface = ens6\ndriver = vfio-pci");
	f = fx_check(*state, "nic.ena_llq");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "; the kernel's ena reports 8 of 32 queue pairs ('ethtool -l'), LLQ on: 96-byte push header");
	fx_profile(*state, "[nic]\ninterface = ens6\ndriver = igb_uio");
	fx_write(*state, "/sys/module/igb_uio/parameters/wc_activate", "1\n");
	f = fx_check(*state, "nic.ena_llq");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "igb_uio loaded with wc_activate=1");
	assert_has(f->observed, "LLQ on: 96-byte push header of 224 possible");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup_base, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_nic),
		T(test_chain_pass), T(test_chain_pcie), T(test_chain_numa), T(test_chain_numa_garbage),
		T(test_chain_cores), T(test_chain_hugepages), T(test_chain_hugetlbfs), T(test_chain_irqs),
		T(test_chain_irqs_garbage), T(test_chain_vfio), T(test_chain_vfio_no_iommu), T(test_chain_ens1f0_vfio),
		T(test_numa_isolated), T(test_numa_isolated_skip), T(test_numa_single_node),
		T(test_pcie_link), T(test_pcie_link_skip),
		T(test_driver), T(test_driver_fail), T(test_driver_kernel_wanted), T(test_driver_skip),
		T(test_iommu), T(test_iommu_off), T(test_iommu_noiommu), T(test_iommu_skip),
		T(test_coalesce), T(test_coalesce_skip),
		T(test_rings), T(test_rings_skip),
		cmocka_unit_test_setup_teardown(test_ena_llq_kernel, setup_c6in, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ena_llq_dpdk, setup_c6in, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
