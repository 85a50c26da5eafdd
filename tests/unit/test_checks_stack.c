/* Stack checks on the stack fixtures: nic.stack, nic.stack_needs, nic.xdp, nic.rdma, memory.memlock, kernel.io_uring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"

static int setup(void **state, const char *name)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx_init(fx, name);
	*state = fx;
	return 0;
}
#define SETUP(n, dir) static int setup_##n(void **s) { return setup(s, dir); }
SETUP(onload, "stack-onload")
SETUP(mlx, "stack-dpdk-bifurcated")
SETUP(rdma, "stack-rdma")
SETUP(xdp, "stack-af_xdp")
SETUP(netmap, "stack-netmap")
SETUP(pfring, "stack-pf_ring")
SETUP(kernel, "stack-kernel")
SETUP(dpdk, "stack-dpdk")

#define IB "/sys/class/infiniband/mlx5_0"

static void test_stack_detected(void **state)
{
	const struct finding *f = fx_check(*state, "nic.stack");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "stack onload (detected: sfc on 0000:3b:00.0 and the onload module)");
}

/* vfio-pci asked for an sfc NIC with Onload: the stack keeps sfc and says so. */
static void test_stack_driver_follows(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[nic]\ndriver = vfio-pci");
	f = fx_check(*state, "nic.stack");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "[nic] driver = vfio-pci does not apply: onload keeps the kernel driver");
	assert_verdict(fx_check(*state, "nic.driver"), V_PASS);
	assert_verdict(fx_check(*state, "nic.iommu"), V_SKIP);
}

static void test_stack_named_mismatch(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[nic]\nstack = vma");
	f = fx_check(*state, "nic.stack");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "runs on NVIDIA/Mellanox mlx5 NICs; ens1f0 is on sfc");
	fx_profile(*state, "[nic]\nstack = onload");
	assert_verdict(fx_check(*state, "nic.stack"), V_PASS);
}

/* A kernel-driver stack named while the NIC sits on vfio-pci. */
static void test_stack_named_on_vfio(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[nic]\ninterface = 0000:3b:00.0\nstack = af_xdp");
	f = fx_check(*state, "nic.stack");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "stack af_xdp keeps the kernel driver, but 0000:3b:00.0 is bound to vfio-pci");
	assert_has(f->remedy, "drivers_probe");
}

static void test_needs_onload(void **state)
{
	struct fx *fx = *state;
	const struct finding *f = fx_check(fx, "nic.stack_needs");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "onload version 8.1.2.26");
	assert_has(f->observed, "/dev/onload");
	fx_profile(fx, "[nic]\nstack = onload");
	fx_remove(fx, "/sys/module/onload");
	fx_remove(fx, "/dev/onload");
	f = fx_check(fx, "nic.stack_needs");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "missing: onload (the Onload driver), /dev/onload");
	assert_has(f->remedy, "modprobe onload");
	/* a library gone only warns: a static build brings its own */
	fx_write(fx, "/sys/module/onload/version", "8.1.2.26\n");
	fx_write(fx, "/dev/onload", "");
	fx_remove(fx, "/usr/lib/x86_64-linux-gnu/libonload.so.1");
	f = fx_check(fx, "nic.stack_needs");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "no libonload in the library directories");
}

static void test_needs_skip_kernel(void **state)
{
	const struct finding *f = fx_check(*state, "nic.stack_needs");

	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "stack kernel");
}

static void test_needs_netmap_pfring(void **state)
{
	struct fx *fx = *state;
	const struct finding *f = fx_check(fx, "nic.stack_needs");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "ixgbe: native netmap support");
	fx_write(fx, "/.tickready/ethtool/ens1f0/drvinfo", "driver=bnx2x\nversion=1\nbus_info=x\nfirmware=1\n");
	f = fx_check(fx, "nic.stack_needs");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "no native netmap support");
}

static void test_needs_pfring(void **state)
{
	struct fx *fx = *state;
	const struct finding *f = fx_check(fx, "nic.stack_needs");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "a ZC driver");
	fx_symlink(fx, "../../../bus/pci/drivers/ixgbe", "/sys/devices/pci0000:00/0000:3b:00.0/driver");
	f = fx_check(fx, "nic.stack_needs");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "not a PF_RING ZC driver");
	assert_has(f->remedy, "ixgbe_zc");
}

/*
 * stack = auto needs evidence of use, not an installed library: libxdp with no XDP program attached is the
 * kernel stack (a virtio NIC with libxdp installed was taken for af_xdp); with the program it is af_xdp.
 */
static void test_stack_needs_evidence(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	assert_has(fx_check(fx, "nic.stack")->observed,
		   "stack af_xdp (detected: ice on ens1f0 with XDP program 73 attached, and ");
	fx_write(fx, "/.tickready/netdev/ens1f0/xdp", "features=basic,redirect,ndo-xmit,xsk-zerocopy,rx-sg\nprog_id=0\n");
	f = fx_check(fx, "nic.stack");
	assert_has(f->observed, "stack kernel (detected: ice on ens1f0, no bypass module, user-space driver, RDMA device or XDP "
				"program found; /usr/lib/x86_64-linux-gnu/libxdp.so.1.3.0 is installed, which alone is not use)");
	/* A virtio NIC (a cloud VM) with libxdp installed: the kernel stack too. */
	fx_symlink(fx, "../../../bus/pci/drivers/virtio-pci", "/sys/devices/pci0000:00/0000:3b:00.0/driver");
	fx_write(fx, "/sys/bus/pci/drivers/virtio-pci/.keep", "");
	fx_write(fx, "/sys/devices/pci0000:00/0000:3b:00.0/vendor", "0x1af4\n");
	fx_write(fx, "/sys/devices/pci0000:00/0000:3b:00.0/device", "0x1041\n");
	fx_remove(fx, "/.tickready/netdev/ens1f0/xdp");
	f = fx_check(fx, "nic.stack");
	assert_has(f->observed, "stack kernel (detected: virtio-pci on ens1f0, no bypass module");
	assert_has(f->observed, "libxdp.so.1.3.0 is installed, which alone is not use");
}

/* DPDK's mlx5 library installed on an mlx5 NIC without its RDMA device: not in use, so not dpdk-bifurcated. */
static void test_mlx_library_alone(void **state)
{
	struct fx *fx = *state;

	assert_has(fx_check(fx, "nic.stack")->observed, "stack dpdk-bifurcated (detected: mlx5_core on 0000:3b:00.0 with RDMA "
							"device mlx5_0 in use");
	fx_remove(fx, IB "/device");
	assert_has(fx_check(fx, "nic.stack")->observed, "librte_net_mlx5.so.23.0 is installed, which alone is not use");
}

static void test_xdp(void **state)
{
	struct fx *fx = *state;
	const struct finding *f = fx_check(fx, "nic.xdp");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "xdp-features basic,redirect,ndo-xmit,xsk-zerocopy,rx-sg (capture)");
	fx_write(fx, "/.tickready/netdev/ens1f0/xdp", "features=basic,redirect\n");
	fx_profile(fx, "[nic]\nxdp = zerocopy");
	f = fx_check(fx, "nic.xdp");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "AF_XDP copies every packet");
	fx_write(fx, "/.tickready/netdev/ens1f0/xdp", "features=none\n");
	f = fx_check(fx, "nic.xdp");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "generic (skb) mode");
	/* no netlink answer kept: the driver table */
	fx_remove(fx, "/.tickready/netdev/ens1f0/xdp");
	f = fx_check(fx, "nic.xdp");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "driver ice: native XDP, zero-copy (driver table");
	fx_write(fx, "/.tickready/ethtool/ens1f0/drvinfo", "driver=r8169\nversion=1\nbus_info=x\nfirmware=1\n");
	assert_verdict(fx_check(fx, "nic.xdp"), V_FAIL);
	fx_profile(fx, "[nic]\nstack = kernel\nxdp = any");
	f = fx_check(fx, "nic.xdp");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "stack kernel does not use XDP");
}

static void test_rdma(void **state)
{
	struct fx *fx = *state;
	const struct finding *f = fx_check(fx, "nic.rdma");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "mlx5_0: port 1 4: ACTIVE, 100 Gb/sec (4X EDR), InfiniBand");
	fx_write(fx, IB "/ports/1/state", "1: DOWN\n");
	f = fx_check(fx, "nic.rdma");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "opensm");
	fx_write(fx, IB "/ports/1/state", "4: ACTIVE\n");
	fx_write(fx, "/sys/devices/pci0000:00/0000:3b:00.0/numa_node", "1\n");
	fx_profile(fx, "[cpu]\nisolated_cores = 2-3");
	f = fx_check(fx, "nic.rdma");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "no isolated core on node 1");
	fx_profile(fx, "[cpu]\nisolated_cores = 2-3,6-7");
	fx_remove(fx, "/sys/class/infiniband");
	f = fx_check(fx, "nic.rdma");
	/* without the RDMA device auto no longer detects rdma: name it */
	assert_verdict(f, V_SKIP);
	fx_profile(fx, "[nic]\nstack = rdma");
	f = fx_check(fx, "nic.rdma");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "modprobe ib_uverbs");
}

static void test_rdma_roce(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, IB "/ports/1/gid_attrs/ndevs/0", "ens1f1\n");
	fx_profile(fx, "[nic]\nstack = rdma");
	f = fx_check(fx, "nic.rdma");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "RoCE runs on ens1f1, not ens1f0");
}

static void test_memlock(void **state)
{
	struct fx *fx = *state;
	const struct finding *f = fx_check(fx, "memory.memlock");

	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "set [tasks] service");
	fx_profile(fx, "[tasks]\nservice = trader");
	f = fx_check(fx, "memory.memlock");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "trader.service not running; LimitMEMLOCK=8M (systemd's default)");
	assert_has(f->remedy, "LimitMEMLOCK=infinity");
	fx_write(fx, "/etc/systemd/system/trader.service.d/10-mem.conf", "[Service]\nLimitMEMLOCK=infinity\n");
	assert_verdict(fx_check(fx, "memory.memlock"), V_PASS);
	/* running: the process's own limit wins over the files */
	fx_write(fx, "/sys/fs/cgroup/system.slice/trader.service/cgroup.procs", "4321\n");
	fx_write(fx, "/proc/4321/limits", "Limit                     Soft Limit           Hard Limit           Units\n"
		 "Max locked memory         8388608              8388608              bytes\n");
	f = fx_check(fx, "memory.memlock");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "trader.service (pid 4321) runs with locked memory 8M");
	fx_write(fx, "/proc/4321/limits", "Max locked memory         unlimited            unlimited            bytes\n");
	assert_verdict(fx_check(fx, "memory.memlock"), V_PASS);
	fx_profile(fx, "[memory]\nmemlock = 16M");
	fx_write(fx, "/proc/4321/limits", "Max locked memory         16777216             16777216             bytes\n");
	assert_verdict(fx_check(fx, "memory.memlock"), V_PASS);
	fx_profile(fx, "[tasks]\nservice = ../etc");
	assert_verdict(fx_check(fx, "memory.memlock"), V_SKIP);
}

static void test_io_uring(void **state)
{
	struct fx *fx = *state;
	const struct finding *f = fx_check(fx, "kernel.io_uring");

	assert_verdict(f, V_SKIP);
	fx_write(fx, "/proc/sys/kernel/io_uring_disabled", "2\n");
	f = fx_check(fx, "kernel.io_uring");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "io_uring disabled); it is not a kernel bypass");
	fx_write(fx, "/proc/sys/kernel/io_uring_disabled", "7\n");
	assert_verdict(fx_check(fx, "kernel.io_uring"), V_SKIP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stack_detected, setup_onload, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stack_driver_follows, setup_onload, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stack_named_mismatch, setup_onload, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stack_named_on_vfio, setup_dpdk, fx_teardown),
		cmocka_unit_test_setup_teardown(test_needs_onload, setup_onload, fx_teardown),
		cmocka_unit_test_setup_teardown(test_needs_skip_kernel, setup_kernel, fx_teardown),
		cmocka_unit_test_setup_teardown(test_needs_netmap_pfring, setup_netmap, fx_teardown),
		cmocka_unit_test_setup_teardown(test_needs_pfring, setup_pfring, fx_teardown),
		cmocka_unit_test_setup_teardown(test_xdp, setup_xdp, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stack_needs_evidence, setup_xdp, fx_teardown),
		cmocka_unit_test_setup_teardown(test_mlx_library_alone, setup_mlx, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rdma, setup_rdma, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rdma_roce, setup_mlx, fx_teardown),
		cmocka_unit_test_setup_teardown(test_memlock, setup_rdma, fx_teardown),
		cmocka_unit_test_setup_teardown(test_io_uring, setup_kernel, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
