/* power.* checks on the base fixture: pass as shipped, then one mutation at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"

#define CPU "/sys/devices/system/cpu"
#define DMI "/sys/class/dmi/id"
#define CMDLINE_HEAD "BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=UUID=1b7c ro quiet "
#define DROPIN "/etc/default/grub.d/99-tickready.cfg"

/* ---- power.smt ---- */

static void test_smt(void **state)
{
	const struct finding *f = fx_check(*state, "power.smt");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "'smt/control' = 'on', 'smt/active' = '1'");
	fx_profile(*state, "[cpu]\nsmt = off");
	f = fx_check(*state, "power.smt");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "echo off > " CPU "/smt/control");
	assert_has(f->remedy, "'nosmt'");
	assert_false(f->pending_reboot);
	fx_write(*state, DROPIN, "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT nosmt\"\n");
	assert_true(fx_check(*state, "power.smt")->pending_reboot);
}

static void test_smt_states(void **state)
{
	const struct finding *f;

	fx_write(*state, CPU "/smt/control", "forceoff\n");
	fx_write(*state, CPU "/smt/active", "0\n");
	f = fx_check(*state, "power.smt");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "nosmt=force");
	assert_has(f->remedy, "remove 'nosmt=force'");
	assert_true(f->needs_reboot);

	fx_write(*state, CPU "/smt/control", "notsupported\n");
	f = fx_check(*state, "power.smt");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "BIOS");

	fx_profile(*state, "[cpu]\nsmt = off");
	f = fx_check(*state, "power.smt");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "offers no SMT");

	/* Without smt/active the control file decides. */
	fx_remove(*state, CPU "/smt/active");
	fx_write(*state, CPU "/smt/control", "off\n");
	assert_verdict(fx_check(*state, "power.smt"), V_PASS);
}

static void test_smt_skip(void **state)
{
	const struct finding *f;

	fx_write(*state, CPU "/smt/active", "yes\n");
	f = fx_check(*state, "power.smt");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "unexpected value in '" CPU "/smt/active': 'yes'");
	fx_write(*state, CPU "/smt/active", "1\n");
	fx_write(*state, CPU "/smt/control", "o n\n");
	assert_verdict(fx_check(*state, "power.smt"), V_SKIP);
	fx_write(*state, CPU "/smt/control", "");
	f = fx_check(*state, "power.smt");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "is empty");
	fx_remove(*state, CPU "/smt/control");
	f = fx_check(*state, "power.smt");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, CPU "/smt/control");
	fx_profile(*state, "[cpu]\nsmt = any");
	assert_verdict(fx_check(*state, "power.smt"), V_SKIP);
}

/* ---- power.cpu_model ---- */

static void test_cpu_model(void **state)
{
	const struct finding *f = fx_check(*state, "power.cpu_model");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "GenuineIntel 'Intel(R) Xeon(R) Gold 6346 CPU @ 3.10GHz' (from cpuinfo)");
	fx_write(*state, "/proc/cpuinfo",
		 "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: KVM vCPU\nflags\t\t: fpu tsc hypervisor\n\n");
	f = fx_check(*state, "power.cpu_model");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "running in a VM: latency figures include the hypervisor's noise");
	assert_non_null(f->remedy);
}

static void test_cpu_model_skip(void **state)
{
	const struct finding *f;

	fx_write(*state, "/proc/cpuinfo", "\x01\x02 garbage");
	assert_verdict(fx_check(*state, "power.cpu_model"), V_SKIP);
	fx_remove(*state, "/proc/cpuinfo");
	f = fx_check(*state, "power.cpu_model");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "cpu model unknown");
}

/* ---- power.bios ---- */

static void test_bios(void **state)
{
	const struct finding *f = fx_check(*state, "power.bios");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "bios_vendor='Dell Inc.' bios_version='1.13.2' bios_date='12/05/2023'");
	assert_has(f->observed, "product_name='PowerEdge R650'");
	fx_remove(*state, DMI "/bios_date");
	fx_write(*state, DMI "/product_name", "\x01R650\x7f\n");
	f = fx_check(*state, "power.bios");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "bios_date=?");
	assert_has(f->observed, "product_name='?R650?'");
}

static void test_bios_skip(void **state)
{
	const struct finding *f;

	fx_remove(*state, DMI);
	f = fx_check(*state, "power.bios");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, DMI "/bios_vendor");
}

/* ---- power.cpu_dma_latency ---- */

static void test_dma_latency(void **state)
{
	const struct finding *f = fx_check(*state, "power.cpu_dma_latency");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "held by pid 4242 (tuned)");
	fx_profile(*state, "[power]\ncpu_dma_latency = not-held");
	f = fx_check(*state, "power.cpu_dma_latency");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "held by pid 4242 (tuned)");
	assert_has(f->remedy, "stop pid 4242 (tuned)");
}

/* Any holder at any value passed: with cpu_dma_latency_max_us the value it holds decides. */
static void test_dma_latency_value_bounded(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[power]\ncpu_dma_latency_max_us = 2");
	fx_write(*state, "/.tickready/cpu_dma_latency", "1000\n");
	f = fx_check(*state, "power.cpu_dma_latency");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "held by pid 4242 (tuned) at 1000 us, above 2 us");
	assert_has(f->remedy, "write 2 or less");
	/* One judgment: the value check leaves a wanted holder to this one. */
	assert_verdict(fx_check(*state, "power.dma_latency_value"), V_SKIP);
	fx_write(*state, "/.tickready/cpu_dma_latency", "0\n");
	f = fx_check(*state, "power.cpu_dma_latency");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "at 0 us");
	/* Bounded but unread: not a pass. */
	fx_remove(*state, "/.tickready/cpu_dma_latency");
	assert_verdict(fx_check(*state, "power.cpu_dma_latency"), V_SKIP);
}

static void test_dma_latency_not_held(void **state)
{
	const struct finding *f;

	fx_symlink(*state, "/dev/null", "/proc/4242/fd/3");
	fx_symlink(*state, "socket:[1234]", "/proc/4242/fd/4");
	f = fx_check(*state, "power.cpu_dma_latency");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "not held by any process");
	assert_has(f->remedy, "tuned-adm profile latency-performance");
	fx_profile(*state, "[power]\ncpu_dma_latency = not-held");
	assert_verdict(fx_check(*state, "power.cpu_dma_latency"), V_PASS);
}

static void test_dma_latency_skip(void **state)
{
	const struct finding *f;

	/* A holder without comm is still named; then no /proc at all. */
	fx_remove(*state, "/proc/4242/comm");
	f = fx_check(*state, "power.cpu_dma_latency");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "pid 4242 (?)");
	fx_remove(*state, "/proc");
	f = fx_check(*state, "power.cpu_dma_latency");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "/proc");
	fx_profile(*state, "[power]\ncpu_dma_latency = any");
	assert_verdict(fx_check(*state, "power.cpu_dma_latency"), V_SKIP);
}

/* The holder is found once per host load and kept: cpu.cstates asks the same walk. */
static void test_dma_latency_read_once(void **state)
{
	struct fx *fx = *state;
	const struct host_dma_holder *d;

	assert_verdict(fx_check(fx, "power.cpu_dma_latency"), V_PASS);
	d = host_dma_holder(&fx->host);
	assert_string_equal(d->pid, "4242");
	fx_remove(fx, "/proc/4242/fd/3");
	assert_ptr_equal(host_dma_holder(&fx->host), d);
	assert_string_equal(d->pid, "4242");
	assert_verdict(fx_check(fx, "power.cpu_dma_latency"), V_FAIL);
	assert_string_equal(host_dma_holder(&fx->host)->pid, "");
}

/*
 * The holder walk reads fd links in one pass per process (no open per link), and once the statuses
 * are read it leaves out kernel threads, which have no files: a kernel thread in a tree "holding"
 * the device is not taken once its status says Kthread: 1, and is before (statuses not read).
 */
static void test_dma_latency_walk(void **state)
{
	struct fx *fx = *state;
	struct sysroot sr;
	struct host h;

	fx_remove(fx, "/proc");
	fx_write(fx, "/proc/2/status", "Name:\tkthreadd\nPPid:\t0\nKthread:\t1\nThreads:\t1\nCpus_allowed_list:\t0-7\n");
	fx_write(fx, "/proc/2/fd/9", "");	/* not a link: left out */
	fx_symlink(fx, "/dev/cpu_dma_latency", "/proc/2/fd/4");
	fx_write(fx, "/proc/300/status", "Name:\tpoller\nPPid:\t1\nKthread:\t0\nThreads:\t1\nCpus_allowed_list:\t2\n");
	fx_write(fx, "/proc/300/fd/1", "");
	fx_symlink(fx, "/dev/null", "/proc/300/fd/0");
	fx_symlink(fx, "/dev/cpu_dma_latency", "/proc/300/fd/7");
	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	host_load(&h, &sr);
	assert_string_equal(host_dma_holder(&h)->pid, "2");
	host_free(&h);
	host_load(&h, &sr);
	assert_int_equal(host_tasks(&h)->n, 2);
	assert_string_equal(host_dma_holder(&h)->pid, "300");
	host_free(&h);
	/* Captured: the same answer, and the links kept. */
	assert_int_equal(sysroot_record_start(&sr), 0);
	host_load(&h, &sr);
	assert_int_equal(host_tasks(&h)->n, 2);
	assert_string_equal(host_dma_holder(&h)->pid, "300");
	host_free(&h);
	sysroot_close(&sr);
}

/* ---- power.epb ---- */

static void test_epb(void **state)
{
	const struct finding *f = fx_check(*state, "power.epb");

	assert_verdict(f, V_PASS);
	fx_write(*state, CPU "/cpu6/power/energy_perf_bias", "6\n");
	fx_write(*state, CPU "/cpu0/power/energy_perf_bias", "6\n");
	f = fx_check(*state, "power.epb");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "cpu6: '6'");
	assert_null(strstr(f->observed, "cpu0"));
	assert_has(f->remedy, "echo 0 | tee " CPU "/cpu6/power/energy_perf_bias");
}

static void test_epb_skip(void **state)
{
	const struct finding *f;
	char path[128];

	fx_write(*state, CPU "/cpu2/power/energy_perf_bias", "performance\n");
	f = fx_check(*state, "power.epb");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "unexpected value in '" CPU "/cpu2/power/energy_perf_bias': 'performance'");
	fx_write(*state, CPU "/cpu2/power/energy_perf_bias", "99\n");
	assert_verdict(fx_check(*state, "power.epb"), V_SKIP);
	fx_write(*state, CPU "/cpu2/power/energy_perf_bias", "");
	f = fx_check(*state, "power.epb");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "is empty");
	for (int cpu = 0; cpu < 8; cpu++) {
		snprintf(path, sizeof(path), CPU "/cpu%d/power", cpu);
		fx_remove(*state, path);
	}
	f = fx_check(*state, "power.epb");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "no energy_perf_bias");
	fx_profile(*state, "[power]\nenergy_perf_bias = any");
	assert_verdict(fx_check(*state, "power.epb"), V_SKIP);
}

/* ---- power.epp ---- */

static void test_epp(void **state)
{
	const struct finding *f = fx_check(*state, "power.epp");

	assert_verdict(f, V_PASS);
	fx_write(*state, CPU "/cpu2/cpufreq/energy_performance_preference", "balance_power\n");
	fx_write(*state, CPU "/cpu3/cpufreq/energy_performance_preference", "balance_power\n");
	f = fx_check(*state, "power.epp");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "cpu2: 'balance_power'; cpu3: 'balance_power'");
	assert_has(f->remedy, "echo performance | tee " CPU "/cpu{2,3}/cpufreq/energy_performance_preference");
}

static void test_epp_skip(void **state)
{
	const struct finding *f;
	char path[128];

	fx_write(*state, CPU "/cpu7/cpufreq/energy_performance_preference", "\n");
	assert_verdict(fx_check(*state, "power.epp"), V_SKIP);
	fx_write(*state, CPU "/cpu7/cpufreq/energy_performance_preference", "per formance\n");
	f = fx_check(*state, "power.epp");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "'per formance'");
	for (int cpu = 0; cpu < 8; cpu++) {
		snprintf(path, sizeof(path), CPU "/cpu%d/cpufreq/energy_performance_preference", cpu);
		fx_remove(*state, path);
	}
	f = fx_check(*state, "power.epp");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "no energy_performance_preference");
	fx_profile(*state, "[power]\nepp = any");
	assert_verdict(fx_check(*state, "power.epp"), V_SKIP);
}

/* ---- power.pstate ---- */

static void test_pstate(void **state)
{
	const struct finding *f = fx_check(*state, "power.pstate");

	assert_verdict(f, V_PASS);
	fx_write(*state, CPU "/intel_pstate/min_perf_pct", "24\n");
	f = fx_check(*state, "power.pstate");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "'min_perf_pct' = '24'");
	assert_has(f->remedy, "echo 100 > " CPU "/intel_pstate/min_perf_pct");
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "intel_pstate=disable\n");
	f = fx_check(*state, "power.pstate");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "intel_pstate disabled");
}

static void test_pstate_skip(void **state)
{
	const struct finding *f;

	fx_write(*state, CPU "/intel_pstate/min_perf_pct", "full\n");
	f = fx_check(*state, "power.pstate");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "'full'");
	fx_write(*state, CPU "/intel_pstate/min_perf_pct", "101\n");
	assert_verdict(fx_check(*state, "power.pstate"), V_SKIP);
	fx_write(*state, CPU "/intel_pstate/min_perf_pct", "");
	assert_verdict(fx_check(*state, "power.pstate"), V_SKIP);
	fx_remove(*state, CPU "/intel_pstate/min_perf_pct");
	fx_write(*state, CPU "/intel_pstate/status", "off\n");
	f = fx_check(*state, "power.pstate");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "intel_pstate off");
	fx_remove(*state, CPU "/intel_pstate");
	f = fx_check(*state, "power.pstate");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "intel_pstate absent");
	fx_profile(*state, "[power]\nmin_perf_pct = any");
	assert_verdict(fx_check(*state, "power.pstate"), V_SKIP);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup_base, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_smt), T(test_smt_states), T(test_smt_skip),
		T(test_cpu_model), T(test_cpu_model_skip),
		T(test_bios), T(test_bios_skip),
		T(test_dma_latency), T(test_dma_latency_value_bounded), T(test_dma_latency_not_held), T(test_dma_latency_skip), T(test_dma_latency_read_once), T(test_dma_latency_walk),
		T(test_epb), T(test_epb_skip),
		T(test_epp), T(test_epp_skip),
		T(test_pstate), T(test_pstate_skip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
