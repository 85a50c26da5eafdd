/* Receive-path checks on stack-kernel: nic.rps_xps, nic.napi, nic.offloads, nic.pause, nic.ntuple, nic.queues, nic.pcie_caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"

#define Q "/sys/class/net/ens1f0/queues"
#define NET "/sys/class/net/ens1f0"
#define ND "/.tickready/netdev/ens1f0"
#define DEV "/sys/bus/pci/devices/0000:3b:00.0"

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx_init(fx, "stack-kernel");
	*state = fx;
	return 0;
}

static void test_rps(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	assert_verdict(fx_check(fx, "nic.rps_xps"), V_SKIP);
	fx_profile(fx, "[nic]\nrps = off");
	f = fx_check(fx, "nic.rps_xps");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "8 queue masks empty");
	/* cpus 2 and 0: 2 is isolated (base profile isolates 2-3,6-7) */
	fx_write(fx, Q "/rx-1/rps_cpus", "05\n");
	f = fx_check(fx, "nic.rps_xps");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "rx-1/rps_cpus' = '0,2'");
	assert_has(f->remedy, "echo 00000000 > " Q "/rx-1/rps_cpus");
	fx_profile(fx, "[nic]\nrps = housekeeping");
	f = fx_check(fx, "nic.rps_xps");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "echo 00000001 > " Q "/rx-1/rps_cpus");
	fx_write(fx, Q "/rx-1/rps_cpus", "01\n");
	assert_verdict(fx_check(fx, "nic.rps_xps"), V_PASS);
	/* RFS follows the application onto its isolated core */
	fx_write(fx, "/proc/sys/net/core/rps_sock_flow_entries", "32768\n");
	f = fx_check(fx, "nic.rps_xps");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "sysctl -w net.core.rps_sock_flow_entries=0");
}

static void test_napi(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	assert_verdict(fx_check(fx, "nic.napi"), V_SKIP);
	fx_profile(fx, "[nic]\nnapi_defer_hard_irqs = 2\ngro_flush_timeout = 200000");
	f = fx_check(fx, "nic.napi");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "napi_defer_hard_irqs");
	fx_write(fx, NET "/napi_defer_hard_irqs", "0\n");
	fx_write(fx, NET "/gro_flush_timeout", "0\n");
	f = fx_check(fx, "nic.napi");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "echo 2 > " NET "/napi_defer_hard_irqs; echo 200000 > " NET "/gro_flush_timeout");
	fx_write(fx, NET "/napi_defer_hard_irqs", "2\n");
	fx_write(fx, NET "/gro_flush_timeout", "200000\n");
	assert_verdict(fx_check(fx, "nic.napi"), V_PASS);
}

static void test_offloads(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[nic]\ngro = off\nlro = off");
	f = fx_check(fx, "nic.offloads");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "reports no nic.gro or nic.lro");
	fx_write(fx, ND "/features", "gro=1\nlro=0\nntuple=0\n");
	f = fx_check(fx, "nic.offloads");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "ens1f0: GRO on, LRO off");
	assert_has(f->remedy, "ethtool -K ens1f0 gro off");
	fx_write(fx, ND "/features", "gro=0\nlro=0\nntuple=0\n");
	assert_verdict(fx_check(fx, "nic.offloads"), V_PASS);
	/* garbage is unknown, never a value */
	fx_write(fx, ND "/features", "gro=maybe\nlro=0\n");
	f = fx_check(fx, "nic.offloads");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "GRO unknown");
}

static void test_pause_ntuple(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[nic]\npause = off\nntuple = on");
	fx_write(fx, ND "/pause", "autoneg=1\nrx_pause=1\ntx_pause=0\n");
	fx_write(fx, ND "/features", "gro=1\nlro=0\nntuple=0\n");
	f = fx_check(fx, "nic.pause");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "rx pause on, tx pause off");
	assert_has(f->remedy, "ethtool -A ens1f0 rx off");
	f = fx_check(fx, "nic.ntuple");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "ethtool -K ens1f0 ntuple on");
	fx_write(fx, ND "/pause", "autoneg=0\nrx_pause=0\ntx_pause=0\n");
	fx_write(fx, ND "/features", "gro=1\nlro=0\nntuple=1\n");
	assert_verdict(fx_check(fx, "nic.pause"), V_PASS);
	assert_verdict(fx_check(fx, "nic.ntuple"), V_PASS);
	fx_write(fx, ND "/pause", "autoneg=0\n");
	assert_verdict(fx_check(fx, "nic.pause"), V_SKIP);
}

/* ethtool -k's [fixed] (a capture's ntuple_fixed=1): no ethtool command is offered for what the driver fixes. */
static void test_ntuple_fixed(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[nic]\nntuple = on\ngro = off");
	fx_write(fx, ND "/features", "gro=1\nlro=0\nntuple=0\ngro_fixed=0\nlro_fixed=1\nntuple_fixed=1\n");
	f = fx_check(fx, "nic.ntuple");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "ntuple filters off [fixed]");
	assert_has(f->remedy, "fixes ntuple filters off");
	assert_null(strstr(f->remedy, "ethtool -K"));
	f = fx_check(fx, "nic.offloads");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "ethtool -K ens1f0 gro off");
}

static void test_queues(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	assert_verdict(fx_check(fx, "nic.queues"), V_SKIP);
	fx_profile(fx, "[nic]\nqueues = 4");
	f = fx_check(fx, "nic.queues");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "4 rx queues in sysfs");
	fx_write(fx, ND "/channels", "combined=8\ncombined_max=63\nrx_channels=0\ntx_channels=0\n");
	f = fx_check(fx, "nic.queues");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "ethtool -L ens1f0 combined 4");
	fx_profile(fx, "[nic]\nqueues = 100");
	f = fx_check(fx, "nic.queues");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "at most 63");
}

/* A PCIe config space with one Express capability at 0x40. */
static void config(struct fx *fx, unsigned devctl, unsigned lnkctl)
{
	unsigned char c[256] = { 0 };

	c[0] = 0x86, c[1] = 0x80, c[2] = 0xfb, c[3] = 0x10;	/* 8086:10fb */
	c[6] = 0x10;						/* capability list */
	c[0x34] = 0x40;
	c[0x40] = 0x10, c[0x41] = 0;				/* PCI Express, last */
	c[0x44] = 0x02;						/* DevCap: MPS 512 */
	c[0x48] = devctl & 0xff, c[0x49] = devctl >> 8;
	c[0x4c] = 0x00, c[0x4d] = 0x0c;				/* LnkCap: L0s and L1 */
	c[0x50] = lnkctl & 0xff;
	fx_write_bin(fx, DEV "/config", c, sizeof(c));
}

static void test_pcie_caps(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	assert_verdict(fx_check(fx, "nic.pcie_caps"), V_SKIP);
	fx_profile(fx, "[nic]\naspm = off\nmax_read_req = 4096");
	f = fx_check(fx, "nic.pcie_caps");
	assert_verdict(f, V_SKIP);	/* no config file */
	/* MPS 256 (bits 7:5 = 1), MRRS 512 (bits 14:12 = 2), ASPM L1 */
	config(fx, 0x2020, 0x2);
	f = fx_check(fx, "nic.pcie_caps");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "ASPM L1 (capable L0s L1, LnkCtl), MaxPayload 256 of 512, MaxReadReq 512");
	assert_has(f->observed, "82599");	/* the name from pci.ids */
	assert_has(f->remedy, "setpci -s 0000:3b:00.0 CAP_EXP+10.w=0000:0003");
	assert_has(f->remedy, "CAP_EXP+8.w=5000:7000");
	config(fx, 0x5020, 0x0);
	f = fx_check(fx, "nic.pcie_caps");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "ASPM disabled");
	/* the kernel's link switches, when present, are what counts (and what apply writes) */
	fx_write(fx, DEV "/link/l1_aspm", "1\n");
	fx_write(fx, DEV "/link/l0s_aspm", "0\n");
	f = fx_check(fx, "nic.pcie_caps");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "echo 0 > /sys/bus/pci/devices/0000:3b:00.0/link/l1_aspm");
	/* a short (unprivileged) read has no capability list */
	fx_write_bin(fx, DEV "/config", "\x86\x80\xfb\x10", 4);
	f = fx_check(fx, "nic.pcie_caps");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "no PCI Express capability");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rps, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_napi, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_offloads, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pause_ntuple, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ntuple_fixed, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_queues, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pcie_caps, setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
