/* tasks.* checks on the base fixture: pass as shipped, then one mutation at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"

#define SYSTEMD_CONF "/etc/systemd/system.conf"
#define DROPIN_DIR "/etc/systemd/system.conf.d"

/* A thread as the kernel shows it; kthread < 0 leaves the Kthread: line out (kernels before 6.x). */
static void add_thread(void **state, int pid, int tid, int ppid, const char *name, const char *cpus, int kthread)
{
	char path[96], text[512], kline[32] = "";

	if (kthread >= 0)
		snprintf(kline, sizeof(kline), "Kthread:\t%d\n", kthread);
	snprintf(text, sizeof(text),
		 "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
		 "TracerPid:\t0\n%sThreads:\t1\nCpus_allowed_list:\t%s\nMems_allowed_list:\t0-1\n",
		 name, pid, tid, ppid, kline, cpus);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	fx_write(*state, path, text);
}

/* ---- tasks.isolated ---- */

static void test_isolated_pass(void **state)
{
	const struct finding *f = fx_check(*state, "tasks.isolated");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "6 threads read");
	assert_has(f->observed, "1 allowed by [tasks] allowed");
	assert_has(f->expected, "isolated cores 2-3,6-7");
}

static void test_isolated_fail(void **state)
{
	const struct finding *f;

	add_thread(state, 5000, 5000, 1, "java", "0-7", -1);
	add_thread(state, 5000, 5001, 1, "GC Thread#0", "0-1,4-5", -1);
	f = fx_check(*state, "tasks.isolated");
	assert_verdict(f, V_FAIL);
	assert_string_equal(f->observed, "1 user threads may run on isolated cores 2-3,6-7: java[5000/5000] on 0-7");
	assert_has(f->remedy, "taskset -pc 0-1,4-5 5000;");
	assert_has(f->remedy, "CPUAffinity=0-1,4-5 in /etc/systemd/system.conf.d/99-tickready.conf");
}

/* A capture's process name with a terminal escape: the finding shows '?' where the control bytes were. */
static void test_isolated_escape(void **state)
{
	const struct finding *f;

	add_thread(state, 5000, 5000, 1, "\x1b]0;pwn\x07x", "0-7", -1);
	f = fx_check(*state, "tasks.isolated");
	assert_verdict(f, V_FAIL);
	assert_null(strchr(f->observed, 0x1b));
	assert_null(strchr(f->observed, 0x07));
	assert_has(f->observed, "?]0;pwn?x[5000/5000]");
}

static void test_isolated_many(void **state)
{
	const struct finding *f;

	for (int i = 0; i < 11; i++)
		add_thread(state, 6000, 6000 + i, 1, "worker", "0-7", -1);
	f = fx_check(*state, "tasks.isolated");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "11 user threads");
	assert_has(f->observed, "worker[6000/6007] on 0-7 (and 3 more)");
	assert_has(f->remedy, "for t in 6000 6001 6002 6003 6004 6005 6006 6007; do taskset -pc 0-1,4-5 $t; done");
	assert_has(f->remedy, "likewise for the others");
}

static void test_isolated_allowed(void **state)
{
	const struct finding *f;

	add_thread(state, 4243, 4245, 1, "lcore-worker-3", "3", -1);
	fx_profile(*state, "[tasks]\nallowed = poller, lcore-worker-*");
	assert_verdict(fx_check(*state, "tasks.isolated"), V_PASS);
	/* With no allowed names, the fixture's poller itself offends. */
	fx_profile(*state, "[tasks]\nallowed = any");
	f = fx_check(*state, "tasks.isolated");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "poller[4243/4244] on 2");
	assert_has(f->observed, "lcore-worker-3[4243/4245] on 3");
	assert_has(f->expected, "(none)");
}

static void test_isolated_kernel_threads(void **state)
{
	/* Kernel threads are tasks.kthreads' business: by Kthread:, or by PPid 2 on older kernels. */
	add_thread(state, 90, 90, 2, "kworker/u16:0", "0-7", -1);
	add_thread(state, 91, 91, 0, "kthread-new", "0-7", 1);
	assert_verdict(fx_check(*state, "tasks.isolated"), V_PASS);
	/* Kthread: 0 wins over a PPid of 2. */
	add_thread(state, 92, 92, 2, "odd", "0-7", 0);
	assert_verdict(fx_check(*state, "tasks.isolated"), V_FAIL);
}

static void test_isolated_garbage(void **state)
{
	/* Unusable statuses are counted, never judged, never a crash. */
	fx_write(*state, "/proc/5000/task/5000/status", "Name:\tx\nCpus_allowed_list:\t7-0\n");
	fx_write(*state, "/proc/5001/task/5001/status", "");
	fx_write(*state, "/proc/5002/task/5002/status", "\x01\x02\x03");
	fx_write(*state, "/proc/5003/task/notanumber/status", "Name:\ty\nCpus_allowed_list:\t0-7\n");
	fx_write(*state, "/proc/self", "");
	fx_write(*state, "/proc/5004/task", "");
	assert_verdict(fx_check(*state, "tasks.isolated"), V_PASS);
}

static void test_isolated_skips(void **state)
{
	const struct finding *f;

	fx_remove(*state, "/proc/1");
	fx_remove(*state, "/proc/2");
	fx_remove(*state, "/proc/24");
	fx_remove(*state, "/proc/4242");
	fx_remove(*state, "/proc/4243");
	f = fx_check(*state, "tasks.isolated");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "no readable thread status");
	fx_remove(*state, "/proc");
	f = fx_check(*state, "tasks.isolated");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "cannot read '/proc'");
}

static void test_no_isolation(void **state)
{
	fx_profile(*state, "[cpu]\nisolated_cores =\nhousekeeping_cores = 0-7");
	assert_verdict(fx_check(*state, "tasks.isolated"), V_SKIP);
	assert_verdict(fx_check(*state, "tasks.kthreads"), V_SKIP);
	assert_verdict(fx_check(*state, "tasks.systemd_affinity"), V_SKIP);
	assert_has(fx_check(*state, "tasks.kthreads")->observed, "profile isolates no cpus");
}

/* ---- tasks.kthreads ---- */

static void test_kthreads_pass(void **state)
{
	const struct finding *f = fx_check(*state, "tasks.kthreads");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "no unbound kernel thread");
}

static void test_kthreads_warn(void **state)
{
	const struct finding *f;

	add_thread(state, 90, 90, 2, "kworker/u16:0", "0-7", -1);
	add_thread(state, 91, 91, 2, "kworker/3:1", "3", -1);
	f = fx_check(*state, "tasks.kthreads");
	assert_verdict(f, V_WARN);
	assert_string_equal(f->observed, "1 unbound kernel threads may run on isolated cores 2-3,6-7: kworker/u16:0[90/90] on 0-7");
	assert_has(f->remedy, "nohz_full=2-3,6-7");
	assert_has(f->remedy, "isolcpus=domain,2-3,6-7");
	assert_has(f->remedy, "taskset -pc 0-1,4-5 90");
	/* kthreadd itself, spotted by pid on kernels without Kthread:; the kernel shows its status in both files. */
	fx_write(*state, "/proc/2/status", "Name:\tkthreadd\nPPid:\t0\nThreads:\t1\nCpus_allowed_list:\t0-7\n");
	fx_write(*state, "/proc/2/task/2/status", "Name:\tkthreadd\nPPid:\t0\nThreads:\t1\nCpus_allowed_list:\t0-7\n");
	f = fx_check(*state, "tasks.kthreads");
	assert_has(f->observed, "kthreadd[2/2] on 0-7");
	/* User threads are tasks.isolated's business. */
	assert_verdict(fx_check(*state, "tasks.isolated"), V_PASS);
}

static void test_kthreads_skips(void **state)
{
	const struct finding *f;

	fx_remove(*state, "/proc");
	f = fx_check(*state, "tasks.kthreads");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "cannot read '/proc'");
}

/* ---- tasks.systemd_affinity ---- */

static void test_systemd_pass(void **state)
{
	const struct finding *f = fx_check(*state, "tasks.systemd_affinity");

	assert_verdict(f, V_PASS);
	assert_string_equal(f->observed, "CPUAffinity=0-1,4-5 in '/etc/systemd/system.conf'; PID 1 runs on 0-1,4-5");
	fx_write(*state, SYSTEMD_CONF, "[Manager]\nCPUAffinity = 0 1 4 5\n");
	assert_verdict(fx_check(*state, "tasks.systemd_affinity"), V_PASS);
	fx_write(*state, SYSTEMD_CONF, "[Manager]\nCPUAffinity=0, 1,4-5\n");
	assert_verdict(fx_check(*state, "tasks.systemd_affinity"), V_PASS);
}

static void test_systemd_fail(void **state)
{
	const struct finding *f;

	fx_write(*state, SYSTEMD_CONF, "[Manager]\nCPUAffinity=0-7\n");
	f = fx_check(*state, "tasks.systemd_affinity");
	assert_verdict(f, V_FAIL);
	assert_string_equal(f->observed, "CPUAffinity=0-7 in '/etc/systemd/system.conf' includes isolated cores 2-3,6-7");
	assert_has(f->remedy, "CPUAffinity=0-1,4-5");
	assert_has(f->remedy, "/etc/systemd/system.conf.d/99-tickready.conf");
	assert_has(f->remedy, "systemctl daemon-reexec");
	fx_write(*state, SYSTEMD_CONF, "[Manager]\n#CPUAffinity=0-1\n[Other]\nCPUAffinity=0\n");
	f = fx_check(*state, "tasks.systemd_affinity");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "no CPUAffinity=");
}

/* The drop-in is written but PID 1 still runs with the old affinity: pending its re-exec, not a pass. */
static void test_systemd_pid1_pending(void **state)
{
	const struct finding *f;

	fx_write(*state, "/proc/1/status", "Name:\tsystemd\nCpus_allowed:\tff\nCpus_allowed_list:\t0-7\n");
	f = fx_check(*state, "tasks.systemd_affinity");
	assert_verdict(f, V_FAIL);
	assert_true(f->pending_reboot);
	assert_has(f->observed, "PID 1 still runs on 0-7, isolated cores 2-3,6-7 included");
	assert_has(f->remedy, "systemctl daemon-reexec");
	/* No status to compare with (a partial capture): the configuration alone, saying so. */
	fx_remove(*state, "/proc/1/status");
	f = fx_check(*state, "tasks.systemd_affinity");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "PID 1's running affinity unread");
}

static void test_systemd_dropins(void **state)
{
	const struct finding *f;

	fx_write(*state, SYSTEMD_CONF, "[Manager]\nCPUAffinity=0-7\n");
	/* Assignments merge: a drop-in narrows only after an empty reset. */
	fx_write(*state, DROPIN_DIR "/50-narrow.conf", "[Manager]\nCPUAffinity=0-1\n");
	assert_verdict(fx_check(*state, "tasks.systemd_affinity"), V_FAIL);
	fx_write(*state, DROPIN_DIR "/50-narrow.conf", "[Manager]\nCPUAffinity=\nCPUAffinity=0-1\n");
	f = fx_check(*state, "tasks.systemd_affinity");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "in '/etc/systemd/system.conf.d/50-narrow.conf'");
	/* Later names win; /etc hides the same name under /usr/lib; non-.conf files are ignored. */
	fx_write(*state, "/usr/lib/systemd/system.conf.d/60-vendor.conf", "[Manager]\nCPUAffinity=\nCPUAffinity=0-7\n");
	assert_verdict(fx_check(*state, "tasks.systemd_affinity"), V_FAIL);
	fx_write(*state, DROPIN_DIR "/60-vendor.conf", "[Manager]\n");
	fx_write(*state, DROPIN_DIR "/99-x.conf.bak", "[Manager]\nCPUAffinity=\nCPUAffinity=0-7\n");
	assert_verdict(fx_check(*state, "tasks.systemd_affinity"), V_PASS);
	/* Drop-ins alone, with no main file. */
	fx_remove(*state, SYSTEMD_CONF);
	assert_verdict(fx_check(*state, "tasks.systemd_affinity"), V_PASS);
}

static void test_systemd_skips(void **state)
{
	const struct finding *f;

	fx_write(*state, SYSTEMD_CONF, "[Manager]\nCPUAffinity=zero\n");
	f = fx_check(*state, "tasks.systemd_affinity");
	assert_verdict(f, V_SKIP);
	assert_string_equal(f->observed, "unexpected CPUAffinity= value in '/etc/systemd/system.conf': 'zero'");
	fx_write(*state, SYSTEMD_CONF, "\x01\x02[Manager\n\n\n");
	assert_verdict(fx_check(*state, "tasks.systemd_affinity"), V_FAIL);
	fx_remove(*state, SYSTEMD_CONF);
	f = fx_check(*state, "tasks.systemd_affinity");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "cannot read '/etc/systemd/system.conf'");
	/* The vendor file stands in for a missing /etc one. */
	fx_write(*state, "/usr/lib/systemd/system.conf", "[Manager]\nCPUAffinity=0-1\n");
	assert_verdict(fx_check(*state, "tasks.systemd_affinity"), V_PASS);
	fx_profile(*state, "[tasks]\nsystemd_affinity = no");
	f = fx_check(*state, "tasks.systemd_affinity");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "profile does not ask for [tasks] systemd_affinity");
}

/* The host model reads /proc once: both task checks judge the same pass; a fresh load sees new threads. */
static void test_scan_read_once(void **state)
{
	struct fx *fx = *state;
	const struct host_tasks *a, *b;
	size_t n;

	assert_verdict(fx_check(fx, "tasks.isolated"), V_PASS);
	a = host_tasks(&fx->host);
	n = a->n;
	assert_int_equal(n, 6);
	add_thread(state, 5000, 5000, 1, "late", "0-7", 0);
	b = host_tasks(&fx->host);
	assert_ptr_equal(a, b);
	assert_int_equal(b->n, n);
	assert_verdict(fx_check(fx, "tasks.isolated"), V_FAIL);
	assert_int_equal(host_tasks(&fx->host)->n, n + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup_base, fx_teardown)
		T(test_isolated_pass),
		T(test_isolated_fail), T(test_isolated_escape),
		T(test_isolated_many),
		T(test_isolated_allowed),
		T(test_isolated_kernel_threads),
		T(test_isolated_garbage),
		T(test_isolated_skips),
		T(test_no_isolation),
		T(test_kthreads_pass),
		T(test_kthreads_warn),
		T(test_kthreads_skips),
		T(test_systemd_pass),
		T(test_systemd_fail),
		T(test_systemd_pid1_pending),
		T(test_systemd_dropins),
		T(test_systemd_skips),
		T(test_scan_read_once),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
