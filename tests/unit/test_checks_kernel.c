/* kernel.* checks on the base fixture: pass as shipped, then one mutation at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"

#define SYS "/proc/sys"
#define WQ "/sys/devices/virtual/workqueue/cpumask"
#define MCE "/sys/devices/system/machinecheck"
#define CMDLINE_HEAD "BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=UUID=1b7c ro quiet "
#define ISO_PARAMS "isolcpus=managed_irq,domain,2-3,6-7 nohz_full=2-3,6-7 rcu_nocbs=2-3,6-7 "
#define STAGE(params) "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT " params "\"\n"
#define DROPIN "/etc/default/grub.d/99-tickready.cfg"

/* Writes content (NULL: removes path), runs the check, expects a skip whose reason holds why. */
static void expect_skip(void **state, const char *id, const char *path, const char *content, const char *why)
{
	const struct finding *f;

	if (content)
		fx_write(*state, path, content);
	else
		fx_remove(*state, path);
	f = fx_check(*state, id);
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, why);
}

/* Bytes as given, NULs included (fx_write stops at the first NUL). */
static void write_bytes(void **state, const char *path, const char *data, size_t len)
{
	FILE *fp;

	fx_write(*state, path, "");
	fp = fopen(fx_path(*state, path), "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

/* The usual bad inputs of a numeric file: empty, words, binary, out of range, huge, then missing. */
static void expect_garbage_skips(void **state, const char *id, const char *path, const char *missing)
{
	char *huge = malloc(100001);
	const struct finding *f;

	expect_skip(state, id, path, "", "is empty");
	expect_skip(state, id, path, "abc\n", "unexpected value in '");
	expect_skip(state, id, path, "abc\n", "'abc'");
	write_bytes(state, path, "1\0002\n", 4);
	f = fx_check(*state, id);
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "'1?2'");
	expect_skip(state, id, path, "99999999999999999999999\n", "unexpected value");
	memset(huge, '7', 100000);
	huge[100000] = '\0';
	expect_skip(state, id, path, huge, "too large");
	free(huge);
	expect_skip(state, id, path, NULL, missing);
}

/* ---- kernel.timer_migration ---- */

static void test_timer_migration_pass(void **state)
{
	const struct finding *f = fx_check(*state, "kernel.timer_migration");

	assert_verdict(f, V_PASS);
	assert_string_equal(f->observed, "'kernel.timer_migration' = '0'");
	/* Where TuneD and OpenShift disagree, the finding says which way each goes; the profile decides. */
	assert_string_equal(f->expected, "'kernel.timer_migration' = '0' (anchors differ: TuneD cpu-partitioning sets 0, "
					 "so no timer migrates onto an isolated core; OpenShift's PerformanceProfile keeps 1, "
					 "so idle cpus' timers move to busy housekeeping ones; the profile decides)");
	assert_null(f->remedy);
}

static void test_timer_migration_fail(void **state)
{
	const struct finding *f;

	fx_write(*state, SYS "/kernel/timer_migration", "1\n");
	f = fx_check(*state, "kernel.timer_migration");
	assert_verdict(f, V_FAIL);
	assert_string_equal(f->observed, "'kernel.timer_migration' = '1'");
	assert_string_equal(f->remedy, "sysctl -w kernel.timer_migration=0 (profile: [kernel] timer_migration = 0)");
	assert_false(f->needs_reboot);
}

static void test_timer_migration_bad_files(void **state)
{
	expect_garbage_skips(state, "kernel.timer_migration", SYS "/kernel/timer_migration",
			     "cannot read '/proc/sys/kernel/timer_migration': No such file or directory");
}

static void test_timer_migration_unasked(void **state)
{
	fx_profile(*state, "[kernel]\ntimer_migration = any");
	expect_skip(state, "kernel.timer_migration", SYS "/kernel/timer_migration", "1\n",
		    "profile does not ask for [kernel] timer_migration");
}

/* ---- kernel.sched_rt_runtime ---- */

static void test_sched_rt_pass_fail(void **state)
{
	const struct finding *f = fx_check(*state, "kernel.sched_rt_runtime");

	assert_verdict(f, V_PASS);
	assert_string_equal(f->observed, "'kernel.sched_rt_runtime_us' = '-1'");
	fx_write(*state, SYS "/kernel/sched_rt_runtime_us", "950000\n");
	f = fx_check(*state, "kernel.sched_rt_runtime");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "'950000'");
	assert_has(f->remedy, "sysctl -w kernel.sched_rt_runtime_us=-1 ");
}

static void test_sched_rt_bad_files(void **state)
{
	expect_garbage_skips(state, "kernel.sched_rt_runtime", SYS "/kernel/sched_rt_runtime_us", "cannot read '");
}

/* ---- kernel.stat_interval ---- */

static void test_stat_interval(void **state)
{
	const struct finding *f = fx_check(*state, "kernel.stat_interval");

	assert_verdict(f, V_PASS);
	assert_string_equal(f->expected, "'vm.stat_interval' >= '10'");
	fx_write(*state, SYS "/vm/stat_interval", "120\n");
	assert_verdict(fx_check(*state, "kernel.stat_interval"), V_PASS);
	fx_write(*state, SYS "/vm/stat_interval", "1\n");
	f = fx_check(*state, "kernel.stat_interval");
	assert_verdict(f, V_FAIL);
	assert_string_equal(f->observed, "'vm.stat_interval' = '1'");
	assert_has(f->remedy, "sysctl -w vm.stat_interval=10 (profile: [kernel] stat_interval = 10)");
}

static void test_stat_interval_bad_files(void **state)
{
	expect_garbage_skips(state, "kernel.stat_interval", SYS "/vm/stat_interval", "cannot read '/proc/sys/vm/stat_interval'");
}

/* ---- kernel.hung_task ---- */

static void test_hung_task(void **state)
{
	const struct finding *f = fx_check(*state, "kernel.hung_task");

	assert_verdict(f, V_PASS);
	fx_write(*state, SYS "/kernel/hung_task_timeout_secs", "0\n");
	assert_verdict(fx_check(*state, "kernel.hung_task"), V_PASS);
	fx_write(*state, SYS "/kernel/hung_task_timeout_secs", "3600\n");
	assert_verdict(fx_check(*state, "kernel.hung_task"), V_PASS);
	fx_write(*state, SYS "/kernel/hung_task_timeout_secs", "120\n");
	f = fx_check(*state, "kernel.hung_task");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "sysctl -w kernel.hung_task_timeout_secs=600");
	assert_has(f->expected, "'0' (off)");
}

static void test_hung_task_off_wanted(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[kernel]\nhung_task_timeout_secs = 0");
	f = fx_check(*state, "kernel.hung_task");
	assert_verdict(f, V_FAIL);
	assert_string_equal(f->expected, "'kernel.hung_task_timeout_secs' = '0'");
}

static void test_hung_task_absent(void **state)
{
	expect_skip(state, "kernel.hung_task", SYS "/kernel/hung_task_timeout_secs", NULL,
		    "kernel built without CONFIG_DETECT_HUNG_TASK");
	expect_garbage_skips(state, "kernel.hung_task", SYS "/kernel/hung_task_timeout_secs", "CONFIG_DETECT_HUNG_TASK");
}

/* ---- kernel.busy_poll ---- */

static void test_busy_poll(void **state)
{
	const struct finding *f = fx_check(*state, "kernel.busy_poll");

	assert_verdict(f, V_PASS);
	assert_string_equal(f->observed, "'net.core.busy_read' = '0', 'net.core.busy_poll' = '0'");
	fx_write(*state, SYS "/net/core/busy_poll", "50\n");
	f = fx_check(*state, "kernel.busy_poll");
	assert_verdict(f, V_FAIL);
	assert_string_equal(f->remedy, "sysctl -w net.core.busy_poll=0 (profile: [kernel] busy_poll = 0)");
	/* A wrong value fails even when the other knob cannot be read. */
	fx_remove(*state, SYS "/net/core/busy_read");
	assert_verdict(fx_check(*state, "kernel.busy_poll"), V_FAIL);
}

static void test_busy_poll_asked(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[kernel]\nbusy_read = any\nbusy_poll = any");
	f = fx_check(*state, "kernel.busy_poll");
	assert_verdict(f, V_SKIP);
	assert_string_equal(f->observed, "profile does not ask for [kernel] busy_read or [kernel] busy_poll");
	/* Only busy_read asked: busy_poll is not even read. */
	fx_profile(*state, "[kernel]\nbusy_read = 50");
	fx_remove(*state, SYS "/net/core/busy_poll");
	fx_write(*state, SYS "/net/core/busy_read", "50\n");
	f = fx_check(*state, "kernel.busy_poll");
	assert_verdict(f, V_PASS);
	assert_string_equal(f->observed, "'net.core.busy_read' = '50'");
}

static void test_busy_poll_bad_files(void **state)
{
	expect_garbage_skips(state, "kernel.busy_poll", SYS "/net/core/busy_read", "cannot read '/proc/sys/net/core/busy_read'");
}

/* ---- kernel.watchdog ---- */

static void test_watchdog_pass(void **state)
{
	const struct finding *f = fx_check(*state, "kernel.watchdog");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "lockup detectors off");
	assert_has(f->observed, "'kernel.nmi_watchdog' = '0'");
}

static void test_watchdog_housekeeping(void **state)
{
	const struct finding *f;

	fx_write(*state, SYS "/kernel/soft_watchdog", "1\n");
	f = fx_check(*state, "kernel.watchdog");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "'kernel.watchdog_cpumask' = '0-1,4-5'");
	fx_write(*state, SYS "/kernel/watchdog_cpumask", "0-7\n");
	f = fx_check(*state, "kernel.watchdog");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "lockup detectors run on isolated cores 2-3,6-7");
	assert_has(f->remedy, "sysctl -w kernel.watchdog_cpumask=0-1,4-5 (profile: [kernel] watchdog = housekeeping)");
	assert_has(f->remedy, "sysctl -w kernel.nmi_watchdog=0 kernel.watchdog=0");
	assert_has(f->remedy, "nowatchdog nmi_watchdog=0");
	/* kernel.watchdog = 0 stops both detectors, whatever the mask. */
	fx_write(*state, SYS "/kernel/watchdog", "0\n");
	assert_verdict(fx_check(*state, "kernel.watchdog"), V_PASS);
}

static void test_watchdog_off(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[kernel]\nwatchdog = off");
	assert_verdict(fx_check(*state, "kernel.watchdog"), V_PASS);
	fx_write(*state, SYS "/kernel/nmi_watchdog", "1\n");
	f = fx_check(*state, "kernel.watchdog");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "'kernel.nmi_watchdog' = '1'");
	assert_has(f->remedy, "sysctl -w kernel.nmi_watchdog=0 kernel.watchdog=0");
	/* No hard lockup detector in the kernel (a VM): only the soft one counts. */
	fx_remove(*state, SYS "/kernel/nmi_watchdog");
	f = fx_check(*state, "kernel.watchdog");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "'kernel.nmi_watchdog' absent");
}

static void test_watchdog_on(void **state)
{
	const struct finding *f;

	fx_profile(*state, "[kernel]\nwatchdog = on");
	f = fx_check(*state, "kernel.watchdog");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "sysctl -w kernel.watchdog=1");
	fx_write(*state, SYS "/kernel/nmi_watchdog", "1\n");
	assert_verdict(fx_check(*state, "kernel.watchdog"), V_PASS);
}

static void test_watchdog_bad_files(void **state)
{
	expect_skip(state, "kernel.watchdog", SYS "/kernel/nmi_watchdog", "on\n", "'on'");
	fx_write(*state, SYS "/kernel/nmi_watchdog", "0\n");
	fx_write(*state, SYS "/kernel/soft_watchdog", "1\n");
	expect_skip(state, "kernel.watchdog", SYS "/kernel/watchdog_cpumask", "7-0\n", "'7-0'");
	expect_skip(state, "kernel.watchdog", SYS "/kernel/watchdog_cpumask", NULL,
		    "cannot read '/proc/sys/kernel/watchdog_cpumask'");
	expect_garbage_skips(state, "kernel.watchdog", SYS "/kernel/watchdog", "CONFIG_LOCKUP_DETECTOR");
}

static void test_watchdog_no_detector(void **state)
{
	expect_skip(state, "kernel.watchdog", SYS "/kernel/watchdog", NULL, "CONFIG_LOCKUP_DETECTOR");
	fx_profile(*state, "[kernel]\nwatchdog = any");
	expect_skip(state, "kernel.watchdog", SYS "/kernel/watchdog", "1\n", "profile does not ask for [kernel] watchdog");
}

/* ---- kernel.workqueue ---- */

static void test_workqueue(void **state)
{
	const struct finding *f = fx_check(*state, "kernel.workqueue");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "'33' (cpus 0-1,4-5)");
	fx_write(*state, WQ, "ff\n");
	f = fx_check(*state, "kernel.workqueue");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "isolated cores 2-3,6-7");
	assert_string_equal(f->remedy, "echo 33 > /sys/devices/virtual/workqueue/cpumask "
				       "(profile: [kernel] workqueue_housekeeping = yes)");
	/* A housekeeping subset is fine. */
	fx_write(*state, WQ, "00000001\n");
	assert_verdict(fx_check(*state, "kernel.workqueue"), V_PASS);
}

static void test_workqueue_bad_files(void **state)
{
	expect_skip(state, "kernel.workqueue", WQ, "zz\n", "unexpected value in '" WQ "': 'zz'");
	expect_skip(state, "kernel.workqueue", WQ, "\n", WQ);
	expect_skip(state, "kernel.workqueue", WQ, "0\n", "names no cpu");
	expect_skip(state, "kernel.workqueue", WQ, NULL, "cannot read '" WQ "'");
	fx_profile(*state, "[kernel]\nworkqueue_housekeeping = no");
	expect_skip(state, "kernel.workqueue", WQ, "ff\n", "profile does not ask for [kernel] workqueue_housekeeping");
}

/* ---- kernel.mitigations ---- */

static void test_mitigations(void **state)
{
	const struct finding *f = fx_check(*state, "kernel.mitigations");

	assert_verdict(f, V_PASS);
	assert_string_equal(f->observed, "mitigations='auto'");
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD ISO_PARAMS "mitigations=off\n");
	f = fx_check(*state, "kernel.mitigations");
	assert_verdict(f, V_FAIL);
	assert_string_equal(f->observed, "mitigations='off'");
	assert_string_equal(f->remedy, "add 'mitigations=auto' to the kernel command line");
	assert_true(f->needs_reboot);
	assert_false(f->pending_reboot);
	fx_write(*state, DROPIN, STAGE("mitigations=auto"));
	f = fx_check(*state, "kernel.mitigations");
	assert_verdict(f, V_FAIL);
	assert_true(f->pending_reboot);
}

static void test_mitigations_absent(void **state)
{
	const struct finding *f;

	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD ISO_PARAMS "\n");
	f = fx_check(*state, "kernel.mitigations");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "kernel default: auto");
	fx_profile(*state, "[kernel]\nmitigations = off");
	f = fx_check(*state, "kernel.mitigations");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "add 'mitigations=off'");
	expect_skip(state, "kernel.mitigations", "/proc/cmdline", NULL, "cannot read '/proc/cmdline'");
}

/* ---- kernel.skew_tick ---- */

static void test_skew_tick(void **state)
{
	const struct finding *f = fx_check(*state, "kernel.skew_tick");

	assert_verdict(f, V_PASS);
	assert_string_equal(f->observed, "skew_tick='1'");
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD ISO_PARAMS "\n");
	f = fx_check(*state, "kernel.skew_tick");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "no skew_tick=");
	assert_string_equal(f->remedy, "add 'skew_tick=1' to the kernel command line");
	assert_true(f->needs_reboot);
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "skew_tick=0\n");
	assert_verdict(fx_check(*state, "kernel.skew_tick"), V_FAIL);
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "skew_tick\n");
	assert_verdict(fx_check(*state, "kernel.skew_tick"), V_FAIL);
	fx_write(*state, DROPIN, STAGE("skew_tick=1"));
	assert_true(fx_check(*state, "kernel.skew_tick")->pending_reboot);
}

static void test_skew_tick_skips(void **state)
{
	expect_skip(state, "kernel.skew_tick", "/proc/cmdline", NULL, "cannot read '/proc/cmdline'");
	fx_profile(*state, "[kernel]\nskew_tick = no");
	expect_skip(state, "kernel.skew_tick", "/proc/cmdline", CMDLINE_HEAD "\n", "profile does not ask for [kernel] skew_tick");
}

/* ---- kernel.nosoftlockup ---- */

static void test_nosoftlockup(void **state)
{
	const struct finding *f = fx_check(*state, "kernel.nosoftlockup");

	assert_verdict(f, V_PASS);
	assert_string_equal(f->observed, "nosoftlockup on the kernel command line");
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD ISO_PARAMS "\n");
	f = fx_check(*state, "kernel.nosoftlockup");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "off at runtime ('kernel.soft_watchdog' = '0')");
	fx_write(*state, SYS "/kernel/soft_watchdog", "1\n");
	f = fx_check(*state, "kernel.nosoftlockup");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "add 'nosoftlockup' to the kernel command line");
	assert_has(f->remedy, "sysctl -w kernel.soft_watchdog=0");
	assert_true(f->needs_reboot);
	assert_false(f->pending_reboot);
	fx_write(*state, DROPIN, STAGE("nosoftlockup"));
	assert_true(fx_check(*state, "kernel.nosoftlockup")->pending_reboot);
	fx_remove(*state, SYS "/kernel/soft_watchdog");
	assert_verdict(fx_check(*state, "kernel.nosoftlockup"), V_FAIL);
}

static void test_nosoftlockup_skips(void **state)
{
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "\n");
	expect_skip(state, "kernel.nosoftlockup", SYS "/kernel/soft_watchdog", "yes\n", "'yes'");
	fx_write(*state, SYS "/kernel/soft_watchdog", "1\n");
	expect_skip(state, "kernel.nosoftlockup", "/proc/cmdline", NULL, "cannot read '/proc/cmdline'");
	fx_profile(*state, "[kernel]\nnosoftlockup = any");
	expect_skip(state, "kernel.nosoftlockup", "/proc/cmdline", CMDLINE_HEAD "\n",
		    "profile does not ask for [kernel] nosoftlockup");
}

/* ---- kernel.mce ---- */

static void test_mce(void **state)
{
	const struct finding *f = fx_check(*state, "kernel.mce");

	assert_verdict(f, V_PASS);
	assert_string_equal(f->observed, "'ignore_ce' = '1' on cpus 2-3,6-7");
	assert_has(f->expected, "anchors differ: TuneD's realtime profiles use mce=ignore_ce");
	assert_has(f->expected, "mce=off");
	fx_write(*state, MCE "/machinecheck3/ignore_ce", "0\n");
	fx_write(*state, MCE "/machinecheck6/ignore_ce", "0\n");
	f = fx_check(*state, "kernel.mce");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "on cpus 3,6");
	assert_has(f->remedy, "echo 1 > " MCE "/machinecheck3/ignore_ce");
	assert_has(f->remedy, "at boot: add 'mce=ignore_ce' to the kernel command line");
	assert_false(f->needs_reboot);	/* the write works at once */
	assert_false(f->pending_reboot);
	fx_write(*state, DROPIN, STAGE("mce=ignore_ce"));
	assert_true(fx_check(*state, "kernel.mce")->pending_reboot);
	/* On the command line it needs no file at all. */
	fx_write(*state, "/proc/cmdline", CMDLINE_HEAD "mce=bootlog mce=ignore_ce\n");
	f = fx_check(*state, "kernel.mce");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "mce=ignore_ce on the kernel command line");
}

static void test_mce_skips(void **state)
{
	/* Housekeeping cpus are not read. */
	fx_write(*state, MCE "/machinecheck0/ignore_ce", "junk\n");
	assert_verdict(fx_check(*state, "kernel.mce"), V_PASS);
	expect_skip(state, "kernel.mce", MCE "/machinecheck2/ignore_ce", "junk\n", "'junk'");
	/* An offline isolated cpu has no device: the others decide. */
	fx_remove(*state, MCE "/machinecheck2");
	assert_verdict(fx_check(*state, "kernel.mce"), V_PASS);
	expect_skip(state, "kernel.mce", MCE, NULL, "no '" MCE "'");
	fx_profile(*state, "[kernel]\nmce_ignore_ce = no");
	expect_skip(state, "kernel.mce", MCE, NULL, "profile does not ask for [kernel] mce_ignore_ce");
}

static void test_mce_no_files(void **state)
{
	for (int c = 2; c < 8; c++) {
		char path[96];

		snprintf(path, sizeof(path), MCE "/machinecheck%d", c);
		fx_remove(*state, path);
	}
	expect_skip(state, "kernel.mce", MCE "/machinecheck2", NULL, "cannot read '" MCE "/machinecheck2/ignore_ce'");
}

/* ---- kernel.error_counters ---- */

#define SOFTNET_ZERO "00001000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 %08x 00000000 00000000\n"
#define SNMP_UDP(rcvbuf) "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\nUdp: 100 2 0 50 " rcvbuf " 0\n"

static void write_quiet_counters(void **state)
{
	char softnet[512];

	snprintf(softnet, sizeof(softnet), SOFTNET_ZERO SOFTNET_ZERO, 0, 1);
	fx_write(*state, "/proc/net/softnet_stat", softnet);
	fx_write(*state, "/proc/net/snmp", "Ip: Forwarding DefaultTTL\nIp: 2 64\n" SNMP_UDP("0"));
	fx_write(*state, "/proc/net/snmp6", "Udp6InDatagrams                  \t7\nUdp6RcvbufErrors                 \t0\n");
	fx_write(*state, "/sys/devices/system/cpu/cpu2/thermal_throttle/core_throttle_count", "0\n");
	fx_write(*state, "/sys/devices/system/cpu/cpu2/thermal_throttle/package_throttle_count", "0\n");
	fx_write(*state, "/sys/devices/system/edac/mc/mc0/ce_count", "0\n");
	fx_write(*state, "/sys/devices/system/edac/mc/mc0/ue_count", "0\n");
	fx_write(*state, "/sys/bus/pci/devices/0000:3b:00.0/aer_dev_correctable", "RxErr 0\nBadTLP 0\nTOTAL_ERR_COR 0\n");
}

static void test_error_counters(void **state)
{
	const struct finding *f;

	/* None of the files: nothing to judge. */
	f = fx_check(*state, "kernel.error_counters");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "none of the counters is here");
	write_quiet_counters(state);
	f = fx_check(*state, "kernel.error_counters");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "counters since boot, all 0");
	/* Drops on cpu 1 (the 13th field names the cpu), throttling, a corrected DIMM error, the NIC's link, UDP. */
	fx_write(*state, "/proc/net/softnet_stat",
		 "00001000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
		 "00002000 00000011 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000001\n");
	fx_write(*state, "/sys/devices/system/cpu/cpu2/thermal_throttle/core_throttle_count", "12\n");
	fx_write(*state, "/sys/devices/system/edac/mc/mc0/ce_count", "3\n");
	fx_write(*state, "/sys/bus/pci/devices/0000:3b:00.0/aer_dev_correctable", "RxErr 4\nBadTLP 1\nTOTAL_ERR_COR 5\n");
	fx_write(*state, "/proc/net/snmp", SNMP_UDP("9"));
	fx_write(*state, "/proc/net/snmp6", "Udp6RcvbufErrors                 \t2\n");
	f = fx_check(*state, "kernel.error_counters");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "'thermal-core' = 12 (cpu 2)");
	assert_has(f->observed, "'edac-corrected' = 3 (mc0)");
	assert_has(f->observed, "'aer-correctable' = 5 (ens1f0 (0000:3b:00.0))");
	assert_has(f->observed, "'softnet-dropped' = 17 (cpu 1)");
	assert_has(f->observed, "'softnet-time-squeeze' = 2 (cpu 1)");
	assert_has(f->observed, "'udp-rcvbuf-errors' = 9");
	assert_has(f->observed, "'udp6-rcvbuf-errors' = 2");
	assert_has(f->remedy, "softnet-dropped: sysctl -w net.core.netdev_max_backlog=4096");
	assert_has(f->remedy, "edac-corrected: find the DIMM");
	/* UDP over v4 and v6 share one fix: given once. */
	assert_null(strstr(f->remedy, "udp6-rcvbuf-errors:"));
	/* Unparsable files count for nothing. */
	fx_write(*state, "/sys/devices/system/cpu/cpu2/thermal_throttle/core_throttle_count", "hot\n");
	assert_null(strstr(fx_check(*state, "kernel.error_counters")->observed, "thermal-core"));
}

/*
 * The profile's NIC's ethtool drops (mlx5_core's names) and the SMI count, as a capture keeps them: totals
 * since boot are warnings (FB: neither was read); eno1 is not the profile's NIC, its drops are not judged.
 */
static void test_error_counters_nic_smi(void **state)
{
	const struct finding *f;

	write_quiet_counters(state);
	fx_write(*state, "/.tickready/ethtool/ens1f0/stats", "rx_packets=10\nrx_out_of_buffer=0\nrx_discards_phy=0\n");
	fx_write(*state, "/.tickready/ethtool/eno1/stats", "rx_missed_errors=50\n");
	fx_write(*state, SYSROOT_SMI_FILE, "0\n");
	f = fx_check(*state, "kernel.error_counters");
	assert_verdict(f, V_PASS);
	assert_null(strstr(f->observed, "no SMI count"));
	fx_write(*state, "/.tickready/ethtool/ens1f0/stats", "rx_packets=10\nrx_out_of_buffer=6\nrx_discards_phy=2\n");
	fx_write(*state, SYSROOT_SMI_FILE, "31\n");
	f = fx_check(*state, "kernel.error_counters");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "'nic-missed' = 2 (ens1f0 (mlx5_core))");
	assert_has(f->observed, "'nic-no-buffer' = 6 (ens1f0 (mlx5_core))");
	assert_has(f->observed, "'smi' = 31");
	assert_null(strstr(f->observed, "eno1"));
	assert_has(f->remedy, "nic-missed: a bigger rx ring");
	assert_has(f->remedy, "smi: in the BIOS");
	/* A capture of a host that keeps no count says why, as the live audit did. */
	fx_write(*state, SYSROOT_SMI_FILE, "absent=no /dev/cpu/0/msr (the msr module: modprobe msr)\n");
	assert_has(fx_check(*state, "kernel.error_counters")->observed, "; no SMI count: no /dev/cpu/0/msr (the msr module");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup_base, fx_teardown)
		T(test_error_counters_nic_smi),
		T(test_timer_migration_pass),
		T(test_timer_migration_fail),
		T(test_timer_migration_bad_files),
		T(test_timer_migration_unasked),
		T(test_sched_rt_pass_fail),
		T(test_sched_rt_bad_files),
		T(test_stat_interval),
		T(test_stat_interval_bad_files),
		T(test_hung_task),
		T(test_hung_task_off_wanted),
		T(test_hung_task_absent),
		T(test_busy_poll),
		T(test_busy_poll_asked),
		T(test_busy_poll_bad_files),
		T(test_watchdog_pass),
		T(test_watchdog_housekeeping),
		T(test_watchdog_off),
		T(test_watchdog_on),
		T(test_watchdog_bad_files),
		T(test_watchdog_no_detector),
		T(test_workqueue),
		T(test_workqueue_bad_files),
		T(test_mitigations),
		T(test_mitigations_absent),
		T(test_skew_tick),
		T(test_skew_tick_skips),
		T(test_nosoftlockup),
		T(test_nosoftlockup_skips),
		T(test_mce),
		T(test_mce_skips),
		T(test_mce_no_files),
		T(test_error_counters),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
