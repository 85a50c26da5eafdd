/* host_load on a big host: IRQ affinity files (read by two threads unless capturing) thread statuses and process names land in the right place. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "checktest.h"
#include "host_proc.h"
#include "mgmt.h"
#include "util.h"

/* Above host.c's IRQ_SPLIT_MIN, so the second thread takes part. */
#define NIRQ 520
#define FIRST 100

/* IRQ n: affinity cpu n % 8, effective cpu (n + 1) % 8, counts n and 1; every 97th has no effective file. */
static void write_irqs(struct fx *fx)
{
	struct strbuf sb = { 0 };
	char path[96], val[16];

	strbuf_add(&sb, "            CPU0       CPU1\n");
	for (int n = FIRST; n < FIRST + NIRQ; n++) {
		strbuf_addf(&sb, "%4d: %10d %10d  PCI-MSIX-0000:3b:00.0 %d-edge      ens1f0-TxRx-%d\n", n, n, 1, n, n);
		snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", n);
		snprintf(val, sizeof(val), "%d\n", n % 8);
		fx_write(fx, path, val);
		if (n % 97 == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/irq/%d/effective_affinity_list", n);
		snprintf(val, sizeof(val), "%d\n", (n + 1) % 8);
		fx_write(fx, path, val);
	}
	fx_write(fx, "/proc/interrupts", sb.s);
	strbuf_free(&sb);
}

static void check_irqs(const struct host *h)
{
	assert_true(h->has_irqs);
	assert_int_equal(h->nirqs, NIRQ);
	for (size_t i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		int n = FIRST + (int)i;

		assert_int_equal(q->num, n);
		assert_int_equal(q->count, (unsigned long long)n + 1);
		assert_true(q->has_affinity);
		assert_int_equal(cpuset_count(q->affinity), 1);
		assert_true(cpuset_has(q->affinity, n % 8));
		assert_int_equal(q->has_effective, n % 97 != 0);
		if (q->has_effective) {
			assert_int_equal(cpuset_count(q->effective), 1);
			assert_true(cpuset_has(q->effective, (n + 1) % 8));
		}
	}
}

/* host_confine callbacks: every cpu housekeeping, none of the process's own, unknown. */
static int hk_all(const struct host *h, void *arg, struct cpuset *out)
{
	(void)h;
	(void)arg;
	cpuset_zero(out);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		cpuset_set(out, cpu);
	return 0;
}

static int hk_not_mine(const struct host *h, void *arg, struct cpuset *out)
{
	cpu_set_t mine;

	(void)h;
	(void)arg;
	cpuset_zero(out);
	assert_int_equal(sched_getaffinity(0, sizeof(mine), &mine), 0);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (!CPU_ISSET(cpu, &mine))
			cpuset_set(out, cpu);
	return 0;
}

static int hk_unknown(const struct host *h, void *arg, struct cpuset *out)
{
	(void)h;
	(void)arg;
	(void)out;
	return -EINVAL;
}

static const struct host_confine anywhere = { hk_all, NULL };

static void test_many_irqs(void **state)
{
	struct fx *fx = *state;
	struct sysroot sr;
	struct host h;

	write_irqs(fx);
	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	host_load_with(&h, &sr, 0, &anywhere);
	check_irqs(&h);
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		assert_true(h.irq_sets[1].n > 0);
	/* Equal lists are stored once: 8 cpus give at most 9 distinct single-cpu or empty sets per thread. */
	assert_true(h.irq_sets[0].n + h.irq_sets[1].n <= 2 * 9);
	assert_true(h.irq_sets[0].n > 0);
	host_free(&h);
	/* While capturing one thread reads, and records every file. */
	assert_int_equal(sysroot_record_start(&sr), 0);
	host_load(&h, &sr);
	check_irqs(&h);
	host_free(&h);
	sysroot_close(&sr);
}

/* Counts over many cpus are summed; a count too big for 64 bits saturates instead of wrapping. */
/* The kernels whose /proc/cpuinfo interrupts every cpu: tickready does not read it there. */
static void test_cpuinfo_ipi_kernels(void **state)
{
	(void)state;
	assert_false(host_cpuinfo_sends_ipis("4.12.14"));
	assert_true(host_cpuinfo_sends_ipis("4.13.0"));
	assert_true(host_cpuinfo_sends_ipis("4.18.0-553.el8_10.x86_64"));
	assert_true(host_cpuinfo_sends_ipis("5.15.0-91-generic"));
	assert_true(host_cpuinfo_sends_ipis("5.17.15"));
	assert_false(host_cpuinfo_sends_ipis("5.18.0"));
	assert_false(host_cpuinfo_sends_ipis("6.18.44-fc-v1272"));
	assert_false(host_cpuinfo_sends_ipis("3.10.0-1160.el7.x86_64"));
	assert_false(host_cpuinfo_sends_ipis(""));
}

static void test_irq_counts(void **state)
{
	struct fx *fx = *state;
	struct sysroot sr;
	struct host h;
	const struct irq *q;

	fx_write(fx, "/proc/interrupts",
		 "      CPU0 CPU1 CPU2\n"
		 " 24:  7 11 1000000   IR-PCI-MSI 9437184-edge      eno1-TxRx-0\n"
		 " 25:  99999999999999999999999 0 0   IR-PCI-MSI 9437185-edge      eno1-TxRx-1\n"
		 /* blank runs of 17 and 9, a 19-digit count and a 20-digit one that still fits */
		 " 26:                 5         18446744073709551600 10 x y\n"
		 " 27: 9999999999999999999 0 0 x z\n");
	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	host_load(&h, &sr);
	q = host_irq(&h, 24);
	assert_non_null(q);
	assert_int_equal(q->count, 1000018);
	assert_string_equal(q->name, "eno1-TxRx-0");
	assert_string_equal(q->chip, "IR-PCI-MSI");
	q = host_irq(&h, 25);
	assert_non_null(q);
	assert_true(q->count == ~0ULL);
	q = host_irq(&h, 26);
	assert_non_null(q);
	assert_true(q->count == 18446744073709551615ULL);
	assert_string_equal(q->name, "y");
	assert_string_equal(q->chip, "x");
	q = host_irq(&h, 27);
	assert_non_null(q);
	assert_true(q->count == 9999999999999999999ULL);
	host_free(&h);
	sysroot_close(&sr);
}

/*
 * Rows as the kernel prints them (" %10u" per cpu), rows with counts wider than that place or shifted by
 * hand-made spacing, and text after the counts: every row's total is the sum of its counts, whichever way
 * each count is read (in its place or by the walk).
 */
static void test_irq_counts_mixed(void **state)
{
	struct fx *fx = *state;
	struct strbuf sb = { 0 };
	unsigned long long want[300];
	unsigned seed = 11;
	struct sysroot sr;
	struct host h;

	strbuf_add(&sb, "            CPU0       CPU1       CPU2       CPU3       CPU4       CPU5\n");
	for (int r = 0; r < 300; r++) {
		bool kernel = r % 3 != 0;

		want[r] = 0;
		strbuf_addf(&sb, "%4d:", 1000 + r);
		for (int c = 0; c < 6; c++) {
			static const unsigned long long scale[] = { 10, 100, 1000, 10000000000ull, 100000000000ull };
			unsigned long long v;

			seed = seed * 1103515245u + 12345u;
			v = ((unsigned long long)seed << 20 ^ seed) % scale[(seed >> 8) % 5];
			want[r] += v;
			if (kernel)
				strbuf_addf(&sb, " %10llu", v);
			else
				strbuf_addf(&sb, "%.*s%llu", 1 + (int)((seed >> 4) % 12), "            ", v);
		}
		strbuf_addf(&sb, "  PCI-MSIX-0000:3b:00.0 %d-edge      ens1f0-TxRx-%d\n", r, r);
	}
	fx_write(fx, "/proc/interrupts", sb.s);
	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	host_load(&h, &sr);
	assert_int_equal(h.nirqs, 300);
	for (int r = 0; r < 300; r++) {
		const struct irq *q = host_irq(&h, 1000 + r);
		char name[32];

		assert_non_null(q);
		assert_true(q->count == want[r]);
		snprintf(name, sizeof(name), "ens1f0-TxRx-%d", r);
		assert_string_equal(q->name, name);
		assert_string_equal(q->chip, "PCI-MSIX-0000:3b:00.0");
	}
	host_free(&h);
	sysroot_close(&sr);
	strbuf_free(&sb);
}

/* 40 processes of 1-3 threads, one of them without a usable status. */
#define NPROC 40

static void write_tasks(struct fx *fx)
{
	char path[96], text[256];

	fx_remove(fx, "/proc/1");
	fx_remove(fx, "/proc/2");
	fx_remove(fx, "/proc/24");
	fx_remove(fx, "/proc/4242");
	fx_remove(fx, "/proc/4243");
	for (int pid = 1000; pid < 1000 + NPROC; pid++)
		for (int k = 0; k <= pid % 3; k++) {
			snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, pid + k);
			snprintf(text, sizeof(text), "Name:\tp%d\nPPid:\t%d\nKthread:\t%d\nCpus_allowed_list:\t%d\n",
				 pid + k, pid % 7, pid % 2, k);
			fx_write(fx, path, text);
		}
	fx_write(fx, "/proc/1025/task/1025/status", "Name:\tbroken\n");
}

static void check_tasks(const struct host *h)
{
	const struct host_tasks *ts = host_tasks(h);
	size_t i = 0;

	assert_int_equal(ts->rc, 0);
	assert_int_equal(ts->unreadable, 1);
	/* Name order of /proc, then of each task directory. */
	for (int pid = 1000; pid < 1000 + NPROC; pid++)
		for (int k = 0; k <= pid % 3; k++) {
			char name[16];

			if (pid == 1025 && k == 0)
				continue;
			assert_true(i < ts->n);
			snprintf(name, sizeof(name), "p%d", pid + k);
			assert_int_equal(ts->v[i].pid, pid);
			assert_int_equal(ts->v[i].tid, pid + k);
			assert_string_equal(ts->v[i].comm, name);
			assert_int_equal(ts->v[i].ppid, pid % 7);
			assert_int_equal(ts->v[i].kthread, pid % 2);
			assert_int_equal(cpuset_count(ts->v[i].cpus), 1);
			assert_true(cpuset_has(ts->v[i].cpus, k));
			i++;
		}
	assert_int_equal(ts->n, i);
	/* Threads of equal sets share one copy, read by either thread of the load. */
	for (size_t a = 0; a < ts->n; a++)
		for (size_t b = 0; b < ts->n; b++)
			assert_int_equal(ts->v[a].cpus == ts->v[b].cpus, cpuset_equal(ts->v[a].cpus, ts->v[b].cpus));
}

static void test_many_tasks(void **state)
{
	struct fx *fx = *state;
	struct sysroot sr;
	struct host h;

	write_tasks(fx);
	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	host_load(&h, &sr);
	check_tasks(&h);
	host_free(&h);
	/* Read ahead, and claimed by both threads when asked for at once: the same tasks, in the same order. */
	host_load_with(&h, &sr, HOST_PROCS_AHEAD, &anywhere);
	check_tasks(&h);
	host_free(&h);
	for (int round = 0; round < 20; round++) {
		host_load_with(&h, &sr, 0, &anywhere);
		host_proc_read_ahead(&h);
		check_tasks(&h);
		host_free(&h);
	}
	assert_int_equal(sysroot_record_start(&sr), 0);
	host_load(&h, &sr);
	check_tasks(&h);
	host_free(&h);
	sysroot_close(&sr);
}

/*
 * Helper threads only on housekeeping cpus the process may use: with none of them (or none known) the
 * load is single-threaded (no IRQ split, no read-ahead) and gives the same host.
 */
static void test_confined(void **state)
{
	struct fx *fx = *state;
	const struct host_confine confines[] = { { hk_not_mine, NULL }, { hk_unknown, NULL } };
	cpu_set_t mine;
	struct sysroot sr;
	struct host h;

	write_irqs(fx);
	write_tasks(fx);
	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	for (size_t i = 0; i < sizeof(confines) / sizeof(confines[0]); i++) {
		host_load_with(&h, &sr, HOST_PROCS_AHEAD, &confines[i]);
		assert_false(h.has_helpers);
		assert_false(host_procs_read(&h));
		assert_int_equal(h.irq_sets[1].n, 0);
		check_irqs(&h);
		check_tasks(&h);
		host_free(&h);
	}
	host_load_with(&h, &sr, 0, NULL);
	assert_false(h.has_helpers);
	assert_int_equal(h.irq_sets[1].n, 0);
	host_free(&h);
	/* All housekeeping: the helpers are exactly the process's own cpus. */
	host_load_with(&h, &sr, 0, &anywhere);
	assert_true(h.has_helpers);
	assert_int_equal(sched_getaffinity(0, sizeof(mine), &mine), 0);
	assert_int_equal(cpuset_count(&h.helpers), CPU_COUNT(&mine));
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		assert_int_equal(cpuset_has(&h.helpers, cpu), CPU_ISSET(cpu, &mine));
	host_free(&h);
	sysroot_close(&sr);
}

/*
 * A process of one thread is read from /proc/PID/status alone (the same file as task/PID/status on a
 * live kernel): its task directory is not listed. With several threads, or no "Threads:" line, every
 * task is read, the leader from /proc/PID/status.
 */
static void test_single_thread_status(void **state)
{
	struct fx *fx = *state;
	const struct host_tasks *ts;
	struct sysroot sr;
	struct host h;

	fx_remove(fx, "/proc");
	/* 10: one thread, and no task directory at all: still counted, from its status. */
	fx_write(fx, "/proc/10/status", "Name:\tsolo\nPPid:\t1\nThreads:\t1\nCpus_allowed_list:\t3\n");
	/* 20: two threads: the task directory is listed; the leader comes from /proc/20/status. */
	fx_write(fx, "/proc/20/status", "Name:\tmain\nPPid:\t1\nThreads:\t2\nCpus_allowed_list:\t1\n");
	fx_write(fx, "/proc/20/task/20/status", "Name:\tstale\nPPid:\t1\nThreads:\t2\nCpus_allowed_list:\t7\n");
	fx_write(fx, "/proc/20/task/21/status", "Name:\tworker\nPPid:\t1\nThreads:\t2\nCpus_allowed_list:\t2\n");
	/* 30: a status without Threads: the task directory decides, as before. */
	fx_write(fx, "/proc/30/status", "Name:\told\nPPid:\t1\nCpus_allowed_list:\t4\n");
	fx_write(fx, "/proc/30/task/30/status", "Name:\told\nPPid:\t1\nCpus_allowed_list:\t4\n");
	fx_write(fx, "/proc/30/task/31/status", "Name:\told-2\nPPid:\t1\nCpus_allowed_list:\t5\n");
	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	host_load(&h, &sr);
	ts = host_tasks(&h);
	assert_int_equal(ts->rc, 0);
	assert_int_equal(ts->unreadable, 0);
	assert_int_equal(ts->n, 5);
	assert_int_equal(ts->v[0].tid, 10);
	assert_string_equal(ts->v[0].comm, "solo");
	assert_true(cpuset_has(ts->v[0].cpus, 3));
	assert_int_equal(ts->v[1].tid, 20);
	assert_string_equal(ts->v[1].comm, "main");
	assert_true(cpuset_has(ts->v[1].cpus, 1));
	assert_int_equal(ts->v[2].tid, 21);
	assert_string_equal(ts->v[2].comm, "worker");
	assert_int_equal(ts->v[3].tid, 30);
	assert_int_equal(ts->v[4].tid, 31);
	assert_string_equal(ts->v[4].comm, "old-2");
	host_free(&h);
	sysroot_close(&sr);
}

/* Processes found by name: status Name first (trimmed like a comm read), /proc/PID/comm without a status, name order. */
static void test_process_named(void **state)
{
	struct fx *fx = *state;
	struct sysroot sr;
	struct host h;

	fx_remove(fx, "/proc");
	fx_write(fx, "/proc/100/status", "Name:\tchronyd \nThreads:\t1\nCpus_allowed_list:\t0\n");
	fx_write(fx, "/proc/100/comm", "other\n");
	fx_write(fx, "/proc/20/comm", "irqbalance\n");
	fx_write(fx, "/proc/3/comm", "irqbalance\n");
	fx_write(fx, "/proc/4/status", "Threads:\t1\nCpus_allowed_list:\t0\n");
	fx_write(fx, "/proc/4/comm", "ptp4l\n");
	fx_write(fx, "/proc/self/comm", "chronyd\n");
	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	host_load(&h, &sr);
	assert_int_equal(host_process_named(&h, "chronyd"), 100);
	assert_int_equal(host_process_named(&h, "other"), -1);
	/* "20" sorts before "3" in /proc's name order, as the walks always took it. */
	assert_int_equal(host_process_named(&h, "irqbalance"), 20);
	/* A status without Name: the comm file tells. */
	assert_int_equal(host_process_named(&h, "ptp4l"), 4);
	assert_int_equal(host_process_named(&h, "tuned"), -1);
	host_free(&h);
	fx_remove(fx, "/proc");
	host_load(&h, &sr);
	assert_int_equal(host_process_named(&h, "chronyd"), -1);
	host_free(&h);
	sysroot_close(&sr);
}

/* cpu's caches as x86 lays them out: L1d, L1i, L2 of its own, then the L3 shared by l3list. */
static void write_caches(struct fx *fx, int cpu, const char *l3list)
{
	static const char *const level[] = { "1\n", "1\n", "2\n", "3\n" };
	char path[128], self[16];

	snprintf(self, sizeof(self), "%d\n", cpu);
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/level", cpu, i);
		fx_write(fx, path, level[i]);
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list", cpu, i);
		fx_write(fx, path, i == 3 ? l3list : self);
	}
}

static void check_l3_groups(const struct host *h)
{
	assert_int_equal(h->nl3, 2);
	assert_int_equal(h->ncpus, 8);
	for (size_t i = 0; i < h->ncpus; i++)
		assert_int_equal(h->cpus[i].l3, h->cpus[i].id < 4 ? 0 : 1);
	assert_int_equal(cpuset_count(&h->l3[0]), 4);
	assert_true(cpuset_has(&h->l3[1], 7));
}

/* L3 groups: a cpu already listed in a group's sharers is not read again (only cpus 0 and 4 need files). */
static void test_l3_groups(void **state)
{
	struct fx *fx = *state;
	struct sysroot sr;
	struct host h;
	char path[96];

	for (int c = 0; c < 8; c++)
		write_caches(fx, c, c < 4 ? "0-3\n" : "4-7\n");
	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	host_load(&h, &sr);
	check_l3_groups(&h);
	host_free(&h);
	for (int c = 0; c < 8; c++)
		if (c != 0 && c != 4) {
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache", c);
			fx_remove(fx, path);
		}
	host_load(&h, &sr);
	check_l3_groups(&h);
	host_free(&h);
	sysroot_close(&sr);
}

/*
 * The management path is read once per host: profile resolution, every plan and capture share it, and
 * it is what a fresh mgmt_load says. A route file changed after the first call changes nothing.
 */
static void test_host_mgmt_once(void **state)
{
	struct fx *fx = *state;
	struct mgmt_set fresh = { 0 };
	const struct mgmt_set *m;
	struct sysroot sr;
	struct host h;

	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	host_load(&h, &sr);
	mgmt_load(&fresh, &h, &sr, NULL);
	m = host_mgmt(&h);
	assert_true(m->loaded);
	assert_true(m->n > 0);
	assert_int_equal(m->n, fresh.n);
	for (size_t i = 0; i < m->n; i++) {
		assert_string_equal(m->v[i].name, fresh.v[i].name);
		assert_string_equal(m->v[i].why, fresh.v[i].why);
	}
	fx_write(fx, "/proc/net/route", "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n");
	assert_ptr_equal(host_mgmt(&h), m);
	assert_int_equal(host_mgmt(&h)->n, fresh.n);
	host_free(&h);
	host_load(&h, &sr);
	mgmt_load(&fresh, &h, &sr, NULL);
	assert_int_equal(host_mgmt(&h)->n, fresh.n);
	mgmt_free(&fresh);
	host_free(&h);
	sysroot_close(&sr);
}

/* The live host's CPUID answer is the kernel's own: vendor_id and model name of /proc/cpuinfo come from the same leaves. */
/*
 * On the live host the model is the kernel's (what lscpu shows), read twice from the same boot; CPUID's
 * brand sits beside it and may name another cpu (a VM restored elsewhere), so it is never compared.
 */
static void test_live_cpuid(void **state)
{
	struct sysroot sr;
	struct host h;
	char *text = NULL, *line;

	(void)state;
	assert_int_equal(sysroot_open(&sr, "/"), 0);
	assert_true(sr.live);
	host_load(&h, &sr);
	if (sysroot_read_alloc(&sr, "/proc/cpuinfo", 16u << 20, &text, NULL) || !strstr(text, "\nmodel name")) {
		free(text);
		host_free(&h);
		sysroot_close(&sr);
		skip();
	}
	assert_string_equal(h.cpu_source, "cpuinfo");
	line = strstr(text, "\nvendor_id");
	assert_non_null(line);
	line = strchr(line, ':') + 2;
	assert_memory_equal(line, h.cpu_vendor, strlen(h.cpu_vendor));
	assert_true(line[strlen(h.cpu_vendor)] == '\n');
	line = strstr(text, "\nmodel name");
	line = strchr(line, ':') + 2;
	assert_memory_equal(line, h.cpu_model, strlen(h.cpu_model));
	assert_true(line[strlen(h.cpu_model)] == '\n');
#if defined(__x86_64__) || defined(__i386__)
	assert_string_equal(h.cpu_flags_source, "cpuinfo+cpuid");
	for (const char *c = h.cpu_brand; *c; c++)
		assert_true(*c >= 0x20 && *c < 0x7f);
#endif
	free(text);
	host_free(&h);
	sysroot_close(&sr);
}

/* A capture of a VM restored elsewhere: the kernel's model stays, CPUID's brand is shown beside it. */
static void test_cpuid_brand_beside_model(void **state)
{
	const struct finding *f;

	fx_write(*state, "/proc/cpuinfo",
		 "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nflags\t\t: fpu tsc\n\n");
	fx_write(*state, "/.tickready/cpuid",
		 "vendor_id\t: AuthenticAMD\nmodel name\t: Oxide Virtual Turin-like Processor\ninvtsc\t: 1\n");
	f = fx_check(*state, "power.cpu_model");
	assert_has(f->observed, "AuthenticAMD 'AMD EPYC' (from cpuinfo; CPUID brand 'Oxide Virtual Turin-like Processor')");
	f = fx_check(*state, "cpu.tsc");
	assert_has(f->observed, "invtsc_cpuid (from cpuinfo+cpuid)");
	/* Agreeing: no second name. */
	fx_write(*state, "/.tickready/cpuid", "vendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\ninvtsc\t: 0\n");
	f = fx_check(*state, "power.cpu_model");
	assert_has(f->observed, "AuthenticAMD 'AMD EPYC' (from cpuinfo)");
	assert_null(strstr(f->observed, "CPUID brand"));
	/* No cpuinfo: CPUID names it. */
	fx_remove(*state, "/proc/cpuinfo");
	f = fx_check(*state, "power.cpu_model");
	assert_has(f->observed, "AuthenticAMD 'AMD EPYC' (from cpuid)");
}

/* Past the old 64-entry cap: every default-route interface of a host with many VLANs is protected. */
static void test_mgmt_many(void **state)
{
	struct fx *fx = *state;
	struct mgmt_set m = { 0 };
	struct strbuf route = { 0 };
	struct sysroot sr;
	struct host h;
	struct nic last = { 0 };

	strbuf_addf(&route, "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n");
	for (int i = 0; i < 200; i++)
		strbuf_addf(&route, "vlan%d\t00000000\t0100C612\t0003\t0\t0\t%d\t00000000\n", i, i);
	fx_write(fx, "/proc/net/route", route.s);
	strbuf_free(&route);
	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	host_load(&h, &sr);
	mgmt_load(&m, &h, &sr, NULL);
	assert_true(m.n >= 200);
	snprintf(last.name, sizeof(last.name), "vlan199");
	assert_non_null(mgmt_reason(&m, &last));
	assert_string_equal(mgmt_reason(&m, &last), "default route");
	assert_non_null(mgmt_reason(host_mgmt(&h), &last));
	mgmt_free(&m);
	host_free(&h);
	sysroot_close(&sr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_many_irqs, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_irq_counts, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_irq_counts_mixed, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_many_tasks, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_single_thread_status, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_process_named, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_host_mgmt_once, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_l3_groups, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_mgmt_many, fx_setup_base, fx_teardown),
		cmocka_unit_test(test_live_cpuid),
		cmocka_unit_test(test_cpuinfo_ipi_kernels),
		cmocka_unit_test_setup_teardown(test_confined, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_cpuid_brand_beside_model, fx_setup_base, fx_teardown),
	};

	return cmocka_run_group_tests_name("host", tests, NULL, NULL);
}
