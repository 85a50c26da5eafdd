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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
