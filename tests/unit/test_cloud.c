/* Cloud detection (core/cloud) and the checks that judge a cloud instance: nic.ena_llq, nic.iommu, the power skips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"

#define ENI2 "/sys/devices/pci0000:00/0000:00:06.0"
#define PAT "/sys/kernel/debug/x86/pat_memtype_list"
#define WC_PARAM "/sys/module/igb_uio/parameters/wc_activate"
#define NOIOMMU "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"

static int setup_aws(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx_init(fx, "cloud-aws-c6in");
	/* The fixture profile is written for tests/fixtures/base: take the second ENI. */
	fx_profile(fx, "[nic]\ninterface = ens6\ndriver = any\niommu = any");
	*state = fx;
	return 0;
}

static const struct host_cloud *cloud_of(struct fx *fx)
{
	fx_check(fx, "power.cpu_model");
	return &fx->host.cloud;
}

static void test_aws_detected(void **state)
{
	const struct host_cloud *c = cloud_of(*state);
	char label[160];

	assert_non_null(c->provider);
	assert_string_equal(c->provider, "aws");
	assert_string_equal(c->instance_type, "c6in.32xlarge");
	assert_int_equal(c->kind, CLOUD_KIND_VIRTUAL);
	assert_string_equal(c->kind_source, "instance type");
	assert_string_equal(c->hypervisor, "KVMKVMKVM");
	assert_true(cloud_virtual(&((struct fx *)*state)->host));
	assert_string_equal(cloud_label(&((struct fx *)*state)->host, label, sizeof(label)),
			    "AWS c6in.32xlarge (virtual, hypervisor KVMKVMKVM)");
}

/* A .metal size is metal whatever CPUID says; an older capture without the hypervisor line reads "". */
static void test_aws_metal(void **state)
{
	struct fx *fx = *state;
	const struct host_cloud *c;

	fx_write(fx, "/sys/class/dmi/id/product_name", "c7i.metal-24xl\n");
	fx_write(fx, "/.tickready/cpuid", "vendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8488C\n"
		 "invtsc\t: 1\n");
	c = cloud_of(fx);
	assert_string_equal(c->instance_type, "c7i.metal-24xl");
	assert_int_equal(c->kind, CLOUD_KIND_METAL);
	assert_string_equal(c->hypervisor, "");
	assert_false(cloud_virtual(&fx->host));
}

/* Azure by Hyper-V's chassis tag (a Hyper-V guest elsewhere is no Azure), GCP by its product name. */
static void test_other_clouds(void **state)
{
	struct fx *fx = *state;

	fx_write(fx, "/sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n");
	fx_write(fx, "/sys/class/dmi/id/product_name", "Virtual Machine\n");
	fx_write(fx, "/sys/class/dmi/id/bios_vendor", "Microsoft Corporation\n");
	fx_write(fx, "/sys/class/dmi/id/chassis_asset_tag", "7783-7084-3265-9085-8269-3286-77\n");
	assert_string_equal(cloud_of(fx)->provider, "azure");
	assert_string_equal(fx->host.cloud.instance_type, "");
	assert_int_equal(fx->host.cloud.kind, CLOUD_KIND_VIRTUAL);
	fx_write(fx, "/sys/class/dmi/id/chassis_asset_tag", "None\n");
	assert_null(cloud_of(fx)->provider);
	fx_write(fx, "/sys/class/dmi/id/sys_vendor", "Google\n");
	fx_write(fx, "/sys/class/dmi/id/product_name", "Google Compute Engine\n");
	assert_string_equal(cloud_of(fx)->provider, "gcp");
}

/* The Dell of tests/fixtures/base: no cloud, metal by its flags (no "hypervisor"). */
static void test_base_metal(void **state)
{
	const struct host_cloud *c = cloud_of(*state);

	assert_null(c->provider);
	assert_int_equal(c->kind, CLOUD_KIND_METAL);
	assert_string_equal(c->sys_vendor, "Dell Inc.");
	assert_false(cloud_virtual(&((struct fx *)*state)->host));
}

/* ---- nic.ena_llq ---- */

static void test_ena_kernel(void **state)
{
	const struct finding *f = fx_check(*state, "nic.ena_llq");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "ens6 on the kernel's ena driver");
}

static void test_ena_not_ena(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, ENI2 "/device", "0x159b\n");
	fx_write(fx, ENI2 "/vendor", "0x8086\n");
	f = fx_check(fx, "nic.ena_llq");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "is no ENA (0x8086:0x159b");
	fx_write(fx, ENI2 "/vendor", "0x1d0f\n");
	fx_write(fx, ENI2 "/device", "0xec21\n");
	assert_verdict(fx_check(fx, "nic.ena_llq"), V_PASS);
}

static void test_ena_igb_uio(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[nic]\ndriver = igb_uio");
	f = fx_check(fx, "nic.ena_llq");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "igb_uio not loaded");
	assert_has(f->remedy, "wc_activate=1");
	fx_write(fx, WC_PARAM, "0\n");
	f = fx_check(fx, "nic.ena_llq");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "wc_activate=0");
	fx_write(fx, WC_PARAM, "1\n");
	assert_verdict(fx_check(fx, "nic.ena_llq"), V_PASS);
	fx_profile(fx, "[nic]\ndriver = uio_pci_generic");
	f = fx_check(fx, "nic.ena_llq");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "uio_pci_generic maps no BAR write-combined");
}

/* vfio-pci: the PAT table's entry for BAR 2 (0xc0100000 in the fixture) decides; none yet is a warning. */
static void test_ena_vfio(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[nic]\ndriver = vfio-pci");
	f = fx_check(fx, "nic.ena_llq");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "unreadable");
	fx_write(fx, PAT, "PAT: [mem 0x00000000c0500000-0x00000000c0504000] uncached-minus\n");
	f = fx_check(fx, "nic.ena_llq");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "no mapping of it");
	assert_has(f->remedy, "grep 0x00000000c0100000");
	fx_write(fx, PAT, "PAT: [mem 0x00000000c0100000-0x00000000c0200000] uncached-minus\n");
	f = fx_check(fx, "nic.ena_llq");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "mapped 'uncached-minus'");
	fx_write(fx, PAT, "PAT: [mem 0x00000000c0100000-0x00000000c0200000] uncached-minus\n"
		 "PAT: [mem 0x00000000c0100000-0x00000000c0200000] write-combining\n");
	assert_verdict(fx_check(fx, "nic.ena_llq"), V_PASS);
}

/* ---- nic.iommu on an instance without one ---- */

static void test_iommu_instance(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[nic]\ndriver = vfio-pci\niommu = on");
	f = fx_check(fx, "nic.iommu");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "on AWS c6in.32xlarge (virtual");
	assert_lacks(f->remedy, "intel_iommu");
	assert_has(f->expected, "has no IOMMU to turn on");
	assert_false(f->needs_reboot);
	fx_write(fx, NOIOMMU, "Y\n");
	f = fx_check(fx, "nic.iommu");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "this instance needs");
	/* Metal has an IOMMU to turn on: the usual demand stands. */
	fx_write(fx, "/sys/class/dmi/id/product_name", "c6in.metal\n");
	fx_remove(fx, NOIOMMU);
	f = fx_check(fx, "nic.iommu");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "intel_iommu=on");
}

/* ---- power: a missing driver is the instance's ---- */

static void test_power_skips(void **state)
{
	struct fx *fx = *state;
	static const char *const ids[] = { "cpu.governor", "cpu.cstates", "power.pstate" };
	const struct finding *f;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		f = fx_check(fx, ids[i]);
		assert_verdict(f, V_SKIP);
		assert_has(f->observed, "the hypervisor owns it on AWS c6in.32xlarge (virtual");
	}
	/* The same tree as metal: a plain skip, no instance to blame. */
	fx_write(fx, "/sys/class/dmi/id/product_name", "c6in.metal\n");
	f = fx_check(fx, "cpu.governor");
	assert_verdict(f, V_SKIP);
	assert_lacks(f->observed, "hypervisor");
}

/* ---- the clouds' NICs: Azure's synthetic NIC and its VF, GCP's gVNIC ---- */

#define MANA_DEV "/sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0004:00/VMBUS:00/7870d3a6-0000-4000-8000-00000000ba00/pci7870:00/7870:00:00.0"
#define ENS5 "/sys/devices/pci0000:00/0000:00:05.0"

static int setup_azure(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx_init(fx, "cloud-azure");
	fx_profile(fx, "[cpu]\nisolated_cores = 2-3\n[nic]\ninterface = eth1\ndriver = vfio-pci\niommu = any");
	*state = fx;
	return 0;
}

static int setup_gcp(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx_init(fx, "cloud-gcp");
	fx_profile(fx, "[cpu]\nisolated_cores = 2-3\n[nic]\ninterface = ens4\ndriver = vfio-pci\niommu = any");
	*state = fx;
	return 0;
}

static const struct nic *nic_named(struct fx *fx, const char *name)
{
	const struct nic *n;

	fx_check(fx, "nic.driver");
	n = host_nic_by_name(&fx->host, name);
	assert_non_null(n);
	return n;
}

static void test_azure_nics(void **state)
{
	struct fx *fx = *state;
	const struct nic *n;
	char buf[512];

	assert_string_equal(cloud_of(fx)->provider, "azure");
	n = nic_named(fx, "eth0");
	assert_int_equal(n->cloud, CLOUD_NIC_NETVSC);
	assert_string_equal(n->pci, "");
	assert_true(n->default_route);
	assert_string_equal(cloud_nic_text(&fx->host, n, buf, sizeof(buf)),
			    "Azure synthetic NIC (hv_netvsc on VMBus, no PCI function)");
	assert_non_null(cloud_nic_no_bind(&fx->host, n, buf, sizeof(buf)));
	/* The second synthetic NIC carries no route and is refused all the same: it is no PCI function. */
	n = nic_named(fx, "eth1");
	assert_int_equal(n->cloud, CLOUD_NIC_NETVSC);
	assert_false(n->default_route);
	assert_has(cloud_nic_no_bind(&fx->host, n, buf, sizeof(buf)), "never unbound");
	n = nic_named(fx, "enP30832s1");
	assert_int_equal(n->cloud, CLOUD_NIC_AZURE_VF);
	assert_int_equal(n->pci_vendor, 0x1414);
	assert_int_equal(n->pci_device, 0x00ba);
	assert_string_equal(n->pci, "7870:00:00.0");
	assert_string_equal(n->master, "eth1");
	assert_string_equal(cloud_nic_text(&fx->host, n, buf, sizeof(buf)), "Azure accelerated-networking VF of eth1 (MANA)");
	assert_has(cloud_nic_no_bind(&fx->host, n, buf, sizeof(buf)), "set [nic] driver = kernel");
}

/* Older sizes: a Mellanox VF, known as Azure's by the netvsc NIC that enslaves it; alone it is a plain mlx5. */
static void test_azure_mlx_vf(void **state)
{
	struct fx *fx = *state;
	const struct nic *n;
	char buf[256];

	fx_write(fx, MANA_DEV "/vendor", "0x15b3\n");
	fx_write(fx, MANA_DEV "/device", "0x101a\n");
	fx_remove(fx, MANA_DEV "/driver");
	fx_symlink(fx, "../../../../../../../../bus/pci/drivers/mlx5_core", MANA_DEV "/driver");
	n = nic_named(fx, "enP30832s1");
	assert_int_equal(n->cloud, CLOUD_NIC_AZURE_VF);
	assert_string_equal(cloud_nic_text(&fx->host, n, buf, sizeof(buf)), "Azure accelerated-networking VF of eth1 (mlx5_core)");
	fx_remove(fx, MANA_DEV "/net/enP30832s1/master");
	n = nic_named(fx, "enP30832s1");
	assert_int_equal(n->cloud, CLOUD_NIC_NONE);
	assert_null(cloud_nic_no_bind(&fx->host, n, buf, sizeof(buf)));
	/* A Hyper-V guest off Azure: its synthetic NIC is no more bindable, and named for what it is. */
	fx_write(fx, "/sys/class/dmi/id/chassis_asset_tag", "None\n");
	n = nic_named(fx, "eth1");
	assert_int_equal(n->cloud, CLOUD_NIC_NETVSC);
	assert_has(cloud_nic_text(&fx->host, n, buf, sizeof(buf)), "Hyper-V synthetic NIC");
}

/* nic.driver names the instance NIC and never tells the operator to bind the synthetic one. */
static void test_azure_driver_finding(void **state)
{
	struct fx *fx = *state;
	const struct finding *f = fx_check(fx, "nic.driver");

	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "eth1, the Azure synthetic NIC (hv_netvsc on VMBus, no PCI function), bound to hv_netvsc");
	assert_has(f->remedy, "never bind it (apply refuses the bind)");
	assert_lacks(f->remedy, "dpdk-devbind");
	fx_profile(fx, "[nic]\ninterface = enP30832s1\ndriver = kernel");
	f = fx_check(fx, "nic.driver");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "enP30832s1, the Azure accelerated-networking VF of eth1 (MANA), bound to mana");
	fx_profile(fx, "[nic]\ndriver = vfio-pci");
	f = fx_check(fx, "nic.driver");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "the synthetic NIC pairs with its kernel netdev");
}

/* GCP: the primary gVNIC (the default route's) is refused, a second one is DPDK's; virtio-net only on GCP. */
static void test_gcp_nics(void **state)
{
	struct fx *fx = *state;
	const struct nic *n;
	const struct finding *f;
	char buf[256];

	n = nic_named(fx, "ens4");
	assert_int_equal(n->cloud, CLOUD_NIC_GVNIC);
	assert_string_equal(cloud_nic_text(&fx->host, n, buf, sizeof(buf)),
			    "GCP gVNIC (gve), the instance's primary NIC (default route)");
	assert_has(cloud_nic_no_bind(&fx->host, n, buf, sizeof(buf)), "management and metadata path");
	f = fx_check(fx, "nic.driver");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "never bind it");
	assert_lacks(f->remedy, "dpdk-devbind");
	n = nic_named(fx, "ens5");
	assert_int_equal(n->cloud, CLOUD_NIC_GVNIC);
	assert_string_equal(cloud_nic_text(&fx->host, n, buf, sizeof(buf)), "GCP gVNIC (gve)");
	assert_null(cloud_nic_no_bind(&fx->host, n, buf, sizeof(buf)));
	fx_profile(fx, "[nic]\ninterface = ens5");
	assert_has(fx_check(fx, "nic.driver")->remedy, "dpdk-devbind.py -b vfio-pci 0000:00:05.0");
	fx_write(fx, ENS5 "/vendor", "0x1af4\n");
	fx_write(fx, ENS5 "/device", "0x1041\n");
	assert_int_equal(nic_named(fx, "ens5")->cloud, CLOUD_NIC_GCP_VIRTIO);
	fx_write(fx, "/sys/class/dmi/id/sys_vendor", "QEMU\n");
	assert_int_equal(nic_named(fx, "ens5")->cloud, CLOUD_NIC_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_aws_detected, setup_aws, fx_teardown),
		cmocka_unit_test_setup_teardown(test_aws_metal, setup_aws, fx_teardown),
		cmocka_unit_test_setup_teardown(test_other_clouds, setup_aws, fx_teardown),
		cmocka_unit_test_setup_teardown(test_base_metal, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ena_kernel, setup_aws, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ena_not_ena, setup_aws, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ena_igb_uio, setup_aws, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ena_vfio, setup_aws, fx_teardown),
		cmocka_unit_test_setup_teardown(test_iommu_instance, setup_aws, fx_teardown),
		cmocka_unit_test_setup_teardown(test_power_skips, setup_aws, fx_teardown),
		cmocka_unit_test_setup_teardown(test_azure_nics, setup_azure, fx_teardown),
		cmocka_unit_test_setup_teardown(test_azure_mlx_vf, setup_azure, fx_teardown),
		cmocka_unit_test_setup_teardown(test_azure_driver_finding, setup_azure, fx_teardown),
		cmocka_unit_test_setup_teardown(test_gcp_nics, setup_gcp, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
