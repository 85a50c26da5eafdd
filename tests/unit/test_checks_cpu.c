/* cpu.* checks on the base fixture: pass as shipped, then one mutation at a time. */
#include <ctype.h>
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
#define CS "/sys/devices/system/clocksource/clocksource0"
#define CMDLINE_HEAD "BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=UUID=1b7c ro quiet "
#define ISO_PARAMS "isolcpus=managed_irq,domain,2-3,6-7 nohz_full=2-3,6-7 rcu_nocbs=2-3,6-7 "
/* The base command line without any idle limit. */
#define CMDLINE_NO_IDLE CMDLINE_HEAD ISO_PARAMS "skew_tick=1 nosoftlockup mitigations=auto tsc=reliable\n"
#define STAGE(params) "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT " params "\"\n"
#define DROPIN "/etc/default/grub.d/99-tickready.cfg"

/* ---- cpu.isolated ---- */

static void test_isolated_pass(void **state)
{
	const struct finding *f = fx_check(*state, "cpu.isolated");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "isolcpus='managed_irq,domain,2-3,6-7'");
	assert_has(f->observed, "nohz_full='2-3,6-7'");
	assert_has(f->expected, "isolcpus=managed_irq,domain,2-3,6-7");
}

static void test_isolated_missing_nohz(void **state)
{
	const struct finding *f;

	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "isolcpus=managed_irq,domain,2-3,6-7 rcu_nocbs=2-3,6-7\n");
	f = fx_check(*state, "cpu.isolated");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "no nohz_full=");
	assert_has(f->remedy, "add 'nohz_full=2-3,6-7' to the kernel command line");
	assert_true(f->needs_reboot);
	assert_false(f->pending_reboot);
}

static void test_isolated_pending(void **state)
{
	const struct finding *f;

	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "isolcpus=managed_irq,domain,2-3,6-7 rcu_nocbs=2-3,6-7\n");
	fx_write(*state, DROPIN, STAGE("nohz_full=2-3,6-7"));
	f = fx_check(*state, "cpu.isolated");
	assert_verdict(f, V_FAIL);
	assert_true(f->pending_reboot);
}

static void test_isolated_wrong_set_and_flags(void **state)
{
	const struct finding *f;

	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "isolcpus=2-3 nohz_full=2-3,6-7 rcu_nocbs=2-3,6-7\n");
	f = fx_check(*state, "cpu.isolated");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "isolcpus= covers '2-3', not the isolated cores '2-3,6-7'");
	assert_has(f->remedy, "add 'isolcpus=managed_irq,domain,2-3,6-7'");

	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "isolcpus=2-3,6-7 nohz_full=2-3,6-7 rcu_nocbs=2-3,6-7\n");
	f = fx_check(*state, "cpu.isolated");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "isolcpus= flags 'domain', not 'managed_irq,domain'");
}

static void test_isolated_flags_as_kernel(void **state)
{
	const struct finding *f;

	/* managed_irq alone isolates no scheduler domain: /sys/.../isolated stays empty. */
	fx_profile(*state, "[cpu]\nisolcpus_flags = managed_irq");
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "isolcpus=managed_irq,2-3,6-7 nohz_full=2-3,6-7 rcu_nocbs=2-3,6-7\n");
	fx_write(*state, CPU "/isolated", "\n");
	assert_verdict(fx_check(*state, "cpu.isolated"), V_PASS);
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD ISO_PARAMS "\n");
	f = fx_check(*state, "cpu.isolated");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "isolcpus= flags 'managed_irq,domain', not 'managed_irq'");
	assert_has(f->remedy, "add 'isolcpus=managed_irq,2-3,6-7'");
}

static void test_isolated_garbage_param(void **state)
{
	const struct finding *f;

	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "isolcpus=managed_irq,domain,x-y nohz_full=zz rcu_nocbs\n");
	f = fx_check(*state, "cpu.isolated");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "isolcpus='managed_irq,domain,x-y' does not parse");
	assert_has(f->observed, "nohz_full='zz' does not parse");
	/* A bare rcu_nocbs covers every cpu. */
	assert_null(strstr(f->remedy, "rcu_nocbs"));
}

static void test_isolated_live_view(void **state)
{
	const struct finding *f;

	fx_write(*state, CPU "/nohz_full", "2-3\n");
	f = fx_check(*state, "cpu.isolated");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "the kernel runs nohz_full on '2-3'");
	assert_has(f->remedy, "dmesg");
}

static void test_isolated_none_wanted(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[cpu]\nisolcpus_flags = none\nnohz_full = no\nrcu_nocbs = any");
	f = fx_check(*state, "cpu.isolated");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "isolcpus='managed_irq,domain,2-3,6-7' present but [cpu] isolcpus_flags = none");
	assert_has(f->remedy, "remove isolcpus nohz_full from the kernel command line");

	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "rcu_nocbs=2-3,6-7\n");
	fx_write(*state, CPU "/isolated", "\n");
	fx_write(*state, CPU "/nohz_full", "\n");
	assert_verdict(fx_check(*state, "cpu.isolated"), V_PASS);
}

static void test_isolated_skip(void **state)
{
	const struct finding *f;

	fx_remove(*state, "/proc/cmdline");
	f = fx_check(*state, "cpu.isolated");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "/proc/cmdline");

	fx_profile(*state, "[cpu]\nisolcpus_flags = any\nnohz_full = any\nrcu_nocbs = any");
	f = fx_check(*state, "cpu.isolated");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "profile does not ask");
}

/* ---- cpu.housekeeping ---- */

static void test_housekeeping(void **state)
{
	const struct finding *f = fx_check(*state, "cpu.housekeeping");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "node0: housekeeping '0-1'");
	assert_has(f->observed, "node1: housekeeping '4-5'");

	fx_profile(*state, "[cpu]\nisolated_cores = 2-7");
	f = fx_check(*state, "cpu.housekeeping");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "no housekeeping cpu left on node1");
	assert_has(f->remedy, "node1");
}

static void test_housekeeping_offline(void **state)
{
	const struct finding *f;

	/* cpus 4-5 offline: node1 keeps only isolated cpus online. */
	fx_write(*state, CPU "/online", "0-3,6-7\n");
	f = fx_check(*state, "cpu.housekeeping");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "node1: housekeeping 'none'");
}

static void test_housekeeping_skip(void **state)
{
	const struct finding *f;

	fx_remove(*state, CPU "/online");
	fx_remove(*state, CPU "/present");
	/* The cpuN directories stand in for the missing lists. */
	assert_verdict(fx_check(*state, "cpu.housekeeping"), V_PASS);
	fx_remove(*state, CPU);
	f = fx_check(*state, "cpu.housekeeping");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, CPU "/online");
}

/* ---- cpu.smt_siblings ---- */

static void test_smt_siblings(void **state)
{
	const struct finding *f = fx_check(*state, "cpu.smt_siblings");

	assert_verdict(f, V_PASS);
	fx_profile(*state, "[cpu]\nisolated_cores = 2,6\nisolcpus_flags = any");
	f = fx_check(*state, "cpu.smt_siblings");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "(2,3) (6,7)");
	assert_has(f->remedy, "isolated_cores = 2-3,6-7");
	assert_has(f->remedy, "nosmt");
	/* Adding the siblings would isolate every cpu: the fix offered is dropping the split cores instead. */
	fx_profile(*state, "[cpu]\nisolated_cores = 1-3,5-7\nhousekeeping_cores = 0,4");
	f = fx_check(*state, "cpu.smt_siblings");
	assert_verdict(f, V_FAIL);
	assert_lacks(f->remedy, "0-7");
	assert_has(f->remedy, "isolated_cores = 2-3,6-7");
}

/* Every isolated_cores the remedy suggests passes profile check, cpu.housekeeping and cpu.smt_siblings. */
static void test_smt_siblings_suggestions_hold(void **state)
{
	static const char *const cases[][2] = {
		{ "2-6", "auto" }, { "3-7", "auto" }, { "2-3,5-7", "auto" }, { "1-3,5-7", "0,4" }, { "1-7", "0" },
		{ "2,6", "auto" }, { "1-6", "0,7" }, { "0-6", "7" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char ini[160], value[64], *remedy;
		const struct finding *f;
		const char *at;
		int offered = 0;

		snprintf(ini, sizeof(ini), "[cpu]\nisolated_cores = %s\nhousekeeping_cores = %s\nisolcpus_flags = any",
			 cases[i][0], cases[i][1]);
		fx_profile(*state, ini);
		f = fx_check(*state, "cpu.smt_siblings");
		assert_verdict(f, V_FAIL);
		remedy = xstrdup(f->remedy);
		/* The values offered: "isolated_cores = X" and "(or X)". */
		for (at = remedy; (at = strpbrk(at, "=(")); at++) {
			const char *v = *at == '=' ? at + 2 : at + 4;

			if ((*at == '(' && strncmp(at, "(or ", 4)) || !isdigit((unsigned char)*v))
				continue;
			snprintf(value, sizeof(value), "%.*s", (int)strcspn(v, " )"), v);
			value[strspn(value, "0123456789-,")] = 0;
			while (value[0] && value[strlen(value) - 1] == ',')
				value[strlen(value) - 1] = '\0';
			snprintf(ini, sizeof(ini), "[cpu]\nisolated_cores = %s\nhousekeeping_cores = %s", value, cases[i][1]);
			fx_profile(*state, ini);
			f = fx_check(*state, "cpu.housekeeping");
			if (f->verdict != V_PASS)
				fail_msg("%s (hk %s): suggested %s: housekeeping %s", cases[i][0], cases[i][1], value, f->observed);
			f = fx_check(*state, "cpu.smt_siblings");
			if (f->verdict != V_PASS)
				fail_msg("%s (hk %s): suggested %s: smt_siblings %s", cases[i][0], cases[i][1], value, f->observed);
			offered++;
		}
		free(remedy);
		assert_true(offered > 0 || strstr(f->remedy, "turn SMT off"));
	}
}

static void test_smt_siblings_skip(void **state)
{
	const struct finding *f;
	char path[128];

	for (int cpu = 0; cpu < 8; cpu++) {
		snprintf(path, sizeof(path), CPU "/cpu%d/topology/thread_siblings_list", cpu);
		fx_remove(*state, path);
	}
	f = fx_check(*state, "cpu.smt_siblings");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "thread_siblings_list");
	/* Garbage in one file: that cpu is unknown, the others still judged. */
	fx_write(*state, CPU "/cpu2/topology/thread_siblings_list", "\x01\x02garbage");
	fx_write(*state, CPU "/cpu6/topology/thread_siblings_list", "6-7\n");
	assert_verdict(fx_check(*state, "cpu.smt_siblings"), V_PASS);
}

/* ---- cpu.governor ---- */

static void test_governor(void **state)
{
	const struct finding *f = fx_check(*state, "cpu.governor");

	assert_verdict(f, V_PASS);
	fx_write(*state, CPU "/cpu3/cpufreq/scaling_governor", "powersave\n");
	fx_write(*state, CPU "/cpu7/cpufreq/scaling_governor", "powersave\n");
	/* Housekeeping cpus are not judged. */
	fx_write(*state, CPU "/cpu0/cpufreq/scaling_governor", "powersave\n");
	f = fx_check(*state, "cpu.governor");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "cpu3: 'powersave'; cpu7: 'powersave'");
	assert_null(strstr(f->observed, "cpu0"));
	assert_has(f->remedy, "echo performance | tee " CPU "/cpu{3,7}/cpufreq/scaling_governor");
	assert_has(f->remedy, "cpupower -c 3,7 frequency-set -g performance");
}

static void test_governor_unavailable(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[cpu]\ngovernor = schedutil");
	f = fx_check(*state, "cpu.governor");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "offers only 'performance powersave'");
}

static void test_governor_skip(void **state)
{
	const struct finding *f;
	char path[128];

	fx_write(*state, CPU "/cpu2/cpufreq/scaling_governor", "\x01\x02\x03");
	f = fx_check(*state, "cpu.governor");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "unexpected value in '" CPU "/cpu2/cpufreq/scaling_governor'");

	fx_write(*state, CPU "/cpu2/cpufreq/scaling_governor", "");
	f = fx_check(*state, "cpu.governor");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "is empty");

	for (int cpu = 0; cpu < 8; cpu++) {
		snprintf(path, sizeof(path), CPU "/cpu%d/cpufreq", cpu);
		fx_remove(*state, path);
	}
	f = fx_check(*state, "cpu.governor");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "no cpufreq driver");

	fx_profile(*state, "[cpu]\ngovernor = any");
	f = fx_check(*state, "cpu.governor");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "profile does not ask for [cpu] governor");
}

/* ---- cpu.turbo ---- */

static void test_turbo(void **state)
{
	const struct finding *f = fx_check(*state, "cpu.turbo");

	assert_verdict(f, V_PASS);
	fx_write(*state, CPU "/intel_pstate/no_turbo", "1\n");
	f = fx_check(*state, "cpu.turbo");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "'" CPU "/intel_pstate/no_turbo' = '1' (turbo off)");
	assert_has(f->remedy, "echo 0 > " CPU "/intel_pstate/no_turbo");

	fx_profile(*state, "[cpu]\nturbo = off");
	assert_verdict(fx_check(*state, "cpu.turbo"), V_PASS);
}

static void test_turbo_boost(void **state)
{
	const struct finding *f;

	fx_remove(*state, CPU "/intel_pstate/no_turbo");
	fx_write(*state, CPU "/cpufreq/boost", "1\n");
	assert_verdict(fx_check(*state, "cpu.turbo"), V_PASS);
	fx_profile(*state, "[cpu]\nturbo = off");
	f = fx_check(*state, "cpu.turbo");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "echo 0 > " CPU "/cpufreq/boost");
}

static void test_turbo_skip(void **state)
{
	const struct finding *f;

	fx_write(*state, CPU "/intel_pstate/no_turbo", "on\n");
	f = fx_check(*state, "cpu.turbo");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "unexpected value in '" CPU "/intel_pstate/no_turbo': 'on'");
	fx_write(*state, CPU "/intel_pstate/no_turbo", "7\n");
	assert_verdict(fx_check(*state, "cpu.turbo"), V_SKIP);
	fx_write(*state, CPU "/intel_pstate/no_turbo", "");
	f = fx_check(*state, "cpu.turbo");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "is empty");
	fx_remove(*state, CPU "/intel_pstate/no_turbo");
	f = fx_check(*state, "cpu.turbo");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "no turbo control");
}

/* ---- cpu.cstates ---- */

static void test_cstates_pass(void **state)
{
	const struct finding *f = fx_check(*state, "cpu.cstates");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "every state deeper than 2 us disabled on cpus 2-3,6-7");
	assert_has(f->observed, "cpu2: POLL 0us C1 2us C1E 10us (disabled) C6 133us (disabled)");
}

static void test_cstates_cmdline_limit(void **state)
{
	const struct finding *f;

	fx_write(*state, CPU "/cpu6/cpuidle/state3/disable", "0\n");
	f = fx_check(*state, "cpu.cstates");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "limited by 'intel_idle.max_cstate=1'");

	/* Under acpi_idle, intel_idle.max_cstate means nothing. */
	fx_profile(*state, "[power]\ncpu_dma_latency = any");
	fx_write(*state, "/proc/cmdline", CMDLINE_NO_IDLE);
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "intel_idle.max_cstate=1\n");
	fx_write(*state, CPU "/cpuidle/current_driver", "acpi_idle\n");
	f = fx_check(*state, "cpu.cstates");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "processor.max_cstate=1");
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "processor.max_cstate=1\n");
	assert_verdict(fx_check(*state, "cpu.cstates"), V_PASS);
}

static void test_cstates_fail(void **state)
{
	const struct finding *f;

	fx_write(*state, "/proc/cmdline", CMDLINE_NO_IDLE);
	fx_write(*state, CPU "/cpu6/cpuidle/state3/disable", "0\n");
	fx_write(*state, CPU "/cpu7/cpuidle/state3/disable", "0\n");
	/* A held /dev/cpu_dma_latency keeps cpus out of deep states: left to power.cpu_dma_latency. */
	f = fx_check(*state, "cpu.cstates");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "left to pid 4242 holding /dev/cpu_dma_latency");
	/* The profile relies on a holder that is not there: the states count. */
	fx_remove(*state, "/proc/4242/fd/3");
	f = fx_check(*state, "cpu.cstates");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "no process holds /dev/cpu_dma_latency");
	fx_symlink(*state, "/dev/cpu_dma_latency", "/proc/4242/fd/3");

	fx_profile(*state, "[power]\ncpu_dma_latency = any");
	f = fx_check(*state, "cpu.cstates");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "state3 C6 (133 us) enabled on cpus 6-7");
	assert_has(f->remedy, "echo 1 | tee " CPU "/cpu{6,7}/cpuidle/state3/disable");
	assert_has(f->remedy, "intel_idle.max_cstate=1");
	assert_false(f->pending_reboot);

	fx_write(*state, DROPIN, STAGE("intel_idle.max_cstate=1"));
	f = fx_check(*state, "cpu.cstates");
	assert_verdict(f, V_FAIL);
	assert_true(f->pending_reboot);
}

static void test_cstates_zero_latency(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[cpu]\nmax_idle_latency_us = 0\n[power]\ncpu_dma_latency = any");
	f = fx_check(*state, "cpu.cstates");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "state1 C1 (2 us) enabled on cpus 2-3,6-7");
	assert_has(f->remedy, "idle=poll");

	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "idle=poll\n");
	f = fx_check(*state, "cpu.cstates");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "idle=poll");
}

static void test_cstates_skip(void **state)
{
	const struct finding *f;

	fx_write(*state, CPU "/cpu2/cpuidle/state2/latency", "ten\n");
	f = fx_check(*state, "cpu.cstates");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "unexpected value in '" CPU "/cpu2/cpuidle/state2/latency': 'ten'");

	fx_write(*state, CPU "/cpu2/cpuidle/state2/latency", "10\n");
	fx_write(*state, CPU "/cpu3/cpuidle/state2/disable", "");
	f = fx_check(*state, "cpu.cstates");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "cpu3/cpuidle/state2/disable' is empty");

	fx_write(*state, CPU "/cpu3/cpuidle/state2/disable", "1\n");
	fx_write(*state, CPU "/cpu2/cpuidle/state1/latency", "-5\n");
	assert_verdict(fx_check(*state, "cpu.cstates"), V_SKIP);
	fx_write(*state, CPU "/cpu2/cpuidle/state1/latency", "2\n");

	/* cpu2 offline (no cpuidle): cpu3 carries the state table. */
	fx_remove(*state, CPU "/cpu2/cpuidle");
	fx_write(*state, CPU "/cpu7/cpuidle/state3/disable", "0\n");
	fx_write(*state, "/proc/cmdline", CMDLINE_NO_IDLE);
	fx_profile(*state, "[power]\ncpu_dma_latency = any");
	f = fx_check(*state, "cpu.cstates");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "state3 C6 (133 us) enabled on cpus 7");
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD ISO_PARAMS "intel_idle.max_cstate=1\n");
	fx_write(*state, CPU "/cpu7/cpuidle/state3/disable", "1\n");

	fx_remove(*state, CPU "/cpu2/cpuidle");
	fx_remove(*state, CPU "/cpu3/cpuidle");
	fx_remove(*state, CPU "/cpu6/cpuidle");
	fx_remove(*state, CPU "/cpu7/cpuidle");
	f = fx_check(*state, "cpu.cstates");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "no cpuidle states");
	fx_write(*state, "/proc/cmdline", CMDLINE_NO_IDLE);
	f = fx_check(*state, "cpu.cstates");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "no cpuidle driver");

	fx_profile(*state, "[cpu]\nmax_idle_latency_us = any");
	f = fx_check(*state, "cpu.cstates");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "profile does not ask");
}

/* ---- cpu.tsc ---- */

#define CPUINFO(flags) "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Test CPU\nflags\t\t: " flags "\n\n"

static void test_tsc(void **state)
{
	const struct finding *f = fx_check(*state, "cpu.tsc");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "constant_tsc nonstop_tsc");
	fx_write(*state, "/proc/cpuinfo", CPUINFO("fpu tsc constant_tsc rdtscp"));
	f = fx_check(*state, "cpu.tsc");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "missing nonstop_tsc");
	assert_has(f->remedy, "invtsc");
}

/* The kernel's judgement wins over the CPU's flags. */
static void test_tsc_kernel_distrusts(void **state)
{
	const struct finding *f;

	fx_write(*state, "/proc/cmdline", "ro quiet tsc=reliable tsc=unstable\n");
	f = fx_check(*state, "cpu.tsc");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "the kernel was told tsc=unstable on its command line; the CPU says: constant_tsc");
	assert_has(f->remedy, "Marking TSC unstable");
	fx_write(*state, "/proc/cmdline", "ro quiet\n");
	fx_write(*state, "/sys/devices/system/clocksource/clocksource0/available_clocksource", "hpet acpi_pm \n");
	f = fx_check(*state, "cpu.tsc");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "does not offer tsc as a clocksource (available: 'hpet acpi_pm')");
	fx_write(*state, "/sys/devices/system/clocksource/clocksource0/available_clocksource", "tsc hpet\n");
	assert_verdict(fx_check(*state, "cpu.tsc"), V_PASS);
}

static void test_tsc_skip(void **state)
{
	const struct finding *f;

	fx_write(*state, "/proc/cpuinfo", "processor\t: 0\nFeatures\t: fp asimd\n\n");
	f = fx_check(*state, "cpu.tsc");
	assert_verdict(f, V_SKIP);
	fx_write(*state, "/proc/cpuinfo", "\x01\x02\x03");
	assert_verdict(fx_check(*state, "cpu.tsc"), V_SKIP);
	fx_remove(*state, "/proc/cpuinfo");
	f = fx_check(*state, "cpu.tsc");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "/proc/cpuinfo");
	fx_profile(*state, "[cpu]\ninvariant_tsc = no");
	assert_verdict(fx_check(*state, "cpu.tsc"), V_SKIP);
}

/* ---- cpu.clocksource ---- */

static void test_clocksource(void **state)
{
	const struct finding *f = fx_check(*state, "cpu.clocksource");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "available: 'tsc hpet acpi_pm'");
	fx_write(*state, CS "/current_clocksource", "hpet\n");
	f = fx_check(*state, "cpu.clocksource");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "echo tsc > " CS "/current_clocksource");
	assert_has(f->remedy, "clocksource=tsc tsc=reliable");
	assert_false(f->needs_reboot);
}

static void test_clocksource_unavailable(void **state)
{
	const struct finding *f;

	fx_write(*state, CS "/current_clocksource", "hpet\n");
	fx_write(*state, CS "/available_clocksource", "hpet acpi_pm\n");
	f = fx_check(*state, "cpu.clocksource");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "'tsc' is not available now: add 'clocksource=tsc tsc=reliable'");
	assert_true(f->needs_reboot);
	assert_false(f->pending_reboot);
	fx_write(*state, DROPIN, STAGE("clocksource=tsc tsc=reliable"));
	f = fx_check(*state, "cpu.clocksource");
	assert_true(f->pending_reboot);
}

static void test_clocksource_skip(void **state)
{
	const struct finding *f;

	fx_write(*state, CS "/current_clocksource", "tsc hpet\n");
	f = fx_check(*state, "cpu.clocksource");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "unexpected value");
	fx_write(*state, CS "/current_clocksource", "\n");
	assert_verdict(fx_check(*state, "cpu.clocksource"), V_SKIP);
	fx_remove(*state, CS "/current_clocksource");
	f = fx_check(*state, "cpu.clocksource");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, CS "/current_clocksource");
	fx_profile(*state, "[cpu]\nclocksource = any");
	assert_verdict(fx_check(*state, "cpu.clocksource"), V_SKIP);
}

/* cpu.idle_boot_limit: the command line limit the runtime writes cannot give (early boot, every cpu). */
static void test_idle_boot_limit(void **state)
{
	const struct finding *f;

	assert_verdict(fx_check(*state, "cpu.idle_boot_limit"), V_SKIP);
	fx_profile(*state, "[cpu]\nidle_boot_limit = yes");
	fx_write(*state, "/proc/cmdline", CMDLINE_NO_IDLE);
	f = fx_check(*state, "cpu.idle_boot_limit");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "no intel_idle.max_cstate=1 on the kernel command line");
	assert_string_equal(f->remedy, "add 'intel_idle.max_cstate=1' to the kernel command line");
	assert_true(f->needs_reboot);
	assert_false(f->pending_reboot);
	fx_write(*state, DROPIN, STAGE("intel_idle.max_cstate=1"));
	assert_true(fx_check(*state, "cpu.idle_boot_limit")->pending_reboot);
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "intel_idle.max_cstate=1\n");
	assert_verdict(fx_check(*state, "cpu.idle_boot_limit"), V_PASS);
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "idle=poll\n");
	assert_verdict(fx_check(*state, "cpu.idle_boot_limit"), V_PASS);
	/* No state shallow enough: only idle=poll keeps the limit. */
	fx_profile(*state, "[cpu]\nmax_idle_latency_us = 0");
	fx_write(*state, "/proc/cmdline", CMDLINE_NO_IDLE);
	assert_has(fx_check(*state, "cpu.idle_boot_limit")->remedy, "idle=poll");
	/* haltpoll takes no command line limit. */
	fx_write(*state, CPU "/cpuidle/current_driver", "haltpoll\n");
	f = fx_check(*state, "cpu.idle_boot_limit");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "'haltpoll' takes no command line C-state limit");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup_base, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_isolated_pass), T(test_isolated_missing_nohz), T(test_isolated_pending),
		T(test_isolated_wrong_set_and_flags), T(test_isolated_flags_as_kernel),
		T(test_isolated_garbage_param), T(test_isolated_live_view),
		T(test_isolated_none_wanted), T(test_isolated_skip),
		T(test_housekeeping), T(test_housekeeping_offline), T(test_housekeeping_skip),
		T(test_smt_siblings), T(test_smt_siblings_suggestions_hold), T(test_smt_siblings_skip),
		T(test_governor), T(test_governor_unavailable), T(test_governor_skip),
		T(test_turbo), T(test_turbo_boost), T(test_turbo_skip),
		T(test_cstates_pass), T(test_cstates_cmdline_limit), T(test_cstates_fail), T(test_cstates_zero_latency),
		T(test_cstates_skip), T(test_idle_boot_limit),
		T(test_tsc), T(test_tsc_kernel_distrusts), T(test_tsc_skip),
		T(test_clocksource), T(test_clocksource_unavailable), T(test_clocksource_skip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
