/* tickready watch's event detection: a fixture tree sampled, changed, sampled again; exactly the expected events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <sys/socket.h>

#include "app.h"
#include "checktest.h"
#include "watch.h"

#define MAX_EVENTS 32

struct seen {
	size_t n;
	struct watch_event e[MAX_EVENTS];
};

static void collect(void *arg, const struct watch_event *e)
{
	struct seen *s = arg;

	assert_true(s->n < MAX_EVENTS);
	s->e[s->n++] = *e;
}

/* isolated 2-3, nohz_full on 2 only, housekeeping 0-1; threads named poller may run there. */
static void ctx_init(struct watch_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	cpuset_parse(&ctx->isolated, "2-3");
	cpuset_parse(&ctx->nohz_full, "2");
	snprintf(ctx->housekeeping, sizeof(ctx->housekeeping), "0-1");
	ctx->allowed = "poller, dpdk-*";
}

static void write_counters(struct fx *fx, unsigned irq24_cpu2, unsigned cal_cpu3, unsigned loc_cpu2, unsigned loc_cpu3,
			   unsigned netrx_cpu2, unsigned cpu0)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "           CPU0       CPU1       CPU2       CPU3\n"
		 "  24: %u 0 %u 0   IR-PCI-MSI 9437184-edge      eno1-TxRx-0\n"
		 " LOC: %u 0 %u %u   Local timer interrupts\n"
		 " CAL: 0 0 0 %u   Function call interrupts\n"
		 " ERR:          0\n",
		 cpu0, irq24_cpu2, cpu0, loc_cpu2, loc_cpu3, cal_cpu3);
	fx_write(fx, "/proc/interrupts", text);
	snprintf(text, sizeof(text),
		 "                    CPU0       CPU1       CPU2       CPU3\n"
		 "          HI:          0          0          0          0\n"
		 "      NET_RX:         %u          0         %u          0\n",
		 cpu0, netrx_cpu2);
	fx_write(fx, "/proc/softirqs", text);
}

/* A thread's stat line: comm, flags (field 9), utime (14) and the cpu it last ran on (39). */
static void write_task(struct fx *fx, int pid, int tid, const char *comm, unsigned flags, unsigned utime, int cpu,
		       const char *allowed)
{
	char path[128], text[512];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	snprintf(text, sizeof(text), "%d (%s) R 1 %d %d 0 -1 %u 10 0 0 0 %u 5 0 0 20 0 1 0 1000 1000 100 "
		 "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 %d 0 0 0 0 0\n", tid, comm, pid, pid, flags, utime, cpu);
	fx_write(fx, path, text);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	snprintf(text, sizeof(text), "Name:\t%s\nCpus_allowed_list:\t%s\n", comm, allowed);
	fx_write(fx, path, text);
}

static void take(struct fx *fx, const struct watch_ctx *ctx, struct watch_sample *s, struct watch_sample *prev)
{
	assert_int_equal(sysroot_open(&fx->sr, fx->dir), 0);
	assert_int_equal(watch_sample_take(s, &fx->sr, ctx, prev), 0);
	sysroot_close(&fx->sr);
}

/* Counters: only rises on isolated cpus are events; LOC only on nohz_full cpus, above its 1 Hz residue. */
static void test_counters(void **state)
{
	struct fx fx;
	struct watch_ctx ctx;
	struct watch_sample a, b, c;
	struct seen seen = { 0 };

	(void)state;
	fx_init(&fx, "base");
	ctx_init(&ctx);
	write_counters(&fx, 10, 1, 100, 100, 4, 1000);
	take(&fx, &ctx, &a, NULL);
	assert_int_equal(a.niso, 2);
	/* Busy housekeeping cpu 0, a residual tick on 2, many ticks on 3 (not nohz_full): no event. */
	write_counters(&fx, 10, 1, 102, 350, 4, 5000);
	take(&fx, &ctx, &b, &a);
	watch_diff(&ctx, &a, &b, collect, &seen);
	assert_int_equal(seen.n, 0);
	/* irq 24 fires 5 times on cpu 2, its tick comes back (50), NET_RX 7 on cpu 2, 3 function-call IPIs on cpu 3. */
	write_counters(&fx, 15, 4, 152, 600, 11, 9000);
	take(&fx, &ctx, &c, &b);
	watch_diff(&ctx, &b, &c, collect, &seen);
	assert_int_equal(seen.n, 4);
	assert_int_equal(seen.e[0].kind, WK_IRQ);
	assert_int_equal(seen.e[0].cpu, 2);
	assert_int_equal(seen.e[0].count, 5);
	assert_non_null(strstr(seen.e[0].what, "irq 24 (eno1-TxRx-0)"));
	assert_non_null(strstr(seen.e[0].fix, "echo 0-1 > /proc/irq/24/smp_affinity_list"));
	assert_int_equal(seen.e[1].kind, WK_TICK);
	assert_int_equal(seen.e[1].count, 50);
	assert_int_equal(seen.e[2].kind, WK_SOFTIRQ);
	assert_int_equal(seen.e[2].count, 7);
	assert_non_null(strstr(seen.e[2].what, "NET_RX"));
	assert_int_equal(seen.e[3].kind, WK_IPI);
	assert_int_equal(seen.e[3].cpu, 3);
	assert_int_equal(seen.e[3].count, 3);
	assert_non_null(strstr(seen.e[3].cause, "function-call IPIs"));
	watch_sample_free(&a);
	watch_sample_free(&b);
	watch_sample_free(&c);
	fx_done(&fx);
}

/* Threads, IRQ affinities, services and switches. */
static void test_host_events(void **state)
{
	struct fx fx;
	struct watch_ctx ctx;
	struct watch_sample a, b, c;
	struct seen seen = { 0 };

	(void)state;
	fx_init(&fx, "base");
	ctx_init(&ctx);
	write_counters(&fx, 0, 0, 0, 0, 0, 0);
	fx_write(&fx, "/proc/irq/24/smp_affinity_list", "0-1\n");
	fx_write(&fx, "/sys/kernel/mm/transparent_hugepage/enabled", "always madvise [never]\n");
	write_task(&fx, 500, 500, "poller", 0, 100, 2, "2");
	take(&fx, &ctx, &a, NULL);
	/* A busy thread lands on cpu 2 (its name has a space and a parenthesis), a kernel thread runs on 3,
	 * the poller keeps running, irqbalance starts, IRQ 24 may now use cpu 2, THP goes to madvise. */
	write_task(&fx, 700, 700, "busy (x) y", 0, 1, 2, "2");
	write_task(&fx, 701, 701, "kworker/3:1", 0x00200000, 1, 3, "3");
	write_task(&fx, 500, 500, "poller", 0, 200, 2, "2");
	write_task(&fx, 800, 800, "irqbalance", 0, 1, 0, "0-1");
	fx_write(&fx, "/proc/irq/24/smp_affinity_list", "0-2\n");
	fx_write(&fx, "/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	take(&fx, &ctx, &b, &a);
	watch_diff(&ctx, &a, &b, collect, &seen);
	assert_int_equal(seen.n, 4);
	assert_int_equal(seen.e[0].kind, WK_TASK);
	assert_int_equal(seen.e[0].cpu, 2);
	assert_int_equal(seen.e[0].pid, 700);
	assert_string_equal(seen.e[0].comm, "busy (x) y");
	assert_non_null(strstr(seen.e[0].fix, "taskset -apc 0-1 700"));
	assert_int_equal(seen.e[1].kind, WK_AFFINITY);
	assert_int_equal(seen.e[1].cpu, 2);
	assert_non_null(strstr(seen.e[1].what, "'0-1' -> '0-2'"));
	assert_int_equal(seen.e[2].kind, WK_SERVICE);
	assert_int_equal(seen.e[2].pid, 800);
	assert_non_null(strstr(seen.e[2].fix, "systemctl disable --now irqbalance"));
	assert_int_equal(seen.e[3].kind, WK_SWITCH);
	assert_non_null(strstr(seen.e[3].what, "'never' -> 'madvise'"));
	/* Still busy on cpu 2, nothing else changed: no new event. It moves to cpu 3: one. */
	seen.n = 0;
	write_task(&fx, 700, 700, "busy (x) y", 0, 90, 2, "2");
	take(&fx, &ctx, &c, &b);
	watch_diff(&ctx, &b, &c, collect, &seen);
	assert_int_equal(seen.n, 0);
	watch_sample_free(&a);
	a = c;
	write_task(&fx, 700, 700, "busy (x) y", 0, 95, 3, "2-3");
	take(&fx, &ctx, &c, &a);
	watch_diff(&ctx, &a, &c, collect, &seen);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.e[0].cpu, 3);
	watch_sample_free(&a);
	watch_sample_free(&b);
	watch_sample_free(&c);
	fx_done(&fx);
}

/* Rewrites a file of the tree in place (same inode), as procfs and sysfs change under a kept fd. */
static void overwrite(struct fx *fx, const char *path, const char *content)
{
	char full[PATH_MAX];
	int fd;

	snprintf(full, sizeof(full), "%s%s", fx->dir, path);
	fd = open(full, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

/* The kernel's layout: " %10u" a cpu. cpu1's count is 11 digits wide in the second table. */
static void write_wide_table(struct fx *fx, const char *cpu1, unsigned cpu2, unsigned cpu3)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "           CPU0       CPU1       CPU2       CPU3       \n"
		 "  24: %10u %10s %10u %10u  IR-PCI-MSI 9437184-edge      eno1-TxRx-0\n"
		 " LOC: %10u %10s %10u %10u   Local timer interrupts\n"
		 " ERR:          0\n",
		 7u, cpu1, cpu2, cpu3, 7u, cpu1, cpu2 * 10, cpu3 * 10);
	fx_write(fx, "/proc/interrupts", text);
}

/* Counts read in their places, and read one after another where a wide count shifts its row. */
static void test_kernel_layout(void **state)
{
	struct fx fx;
	struct watch_ctx ctx;
	struct watch_sample a, b;
	struct seen seen = { 0 };

	(void)state;
	fx_init(&fx, "base");
	ctx_init(&ctx);
	write_wide_table(&fx, "5", 3, 4000000000u);
	take(&fx, &ctx, &a, NULL);
	assert_int_equal(a.nirq, 2);
	assert_int_equal(a.irq[0].count[0], 3);
	assert_int_equal(a.irq[0].count[1], 4000000000u);
	assert_string_equal(a.irq[0].name, "eno1-TxRx-0");
	assert_int_equal(a.irq[1].count[0], 30);
	assert_string_equal(a.irq[1].name, "Local timer interrupts");
	write_wide_table(&fx, "12345678901", 9, 4000000001u);
	take(&fx, &ctx, &b, &a);
	assert_int_equal(b.irq[0].count[0], 9);
	assert_int_equal(b.irq[0].count[1], 4000000001u);
	assert_string_equal(b.irq[0].name, "eno1-TxRx-0");
	assert_int_equal(b.irq[1].count[0], 90);
	watch_diff(&ctx, &a, &b, collect, &seen);
	/* cpu 2: irq 24 +6, its tick +60; cpu 3: irq 24 +1 (LOC not judged: not nohz_full). */
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.e[0].count, 6);
	assert_int_equal(seen.e[1].kind, WK_TICK);
	assert_int_equal(seen.e[1].count, 60);
	assert_int_equal(seen.e[2].cpu, 3);
	assert_int_equal(seen.e[2].count, 1);
	watch_sample_free(&a);
	watch_sample_free(&b);
	fx_done(&fx);
}

/* One row in the kernel's layout: each count " %10s" (a wider one runs over, as the kernel's would). */
static void kernel_row(char *out, size_t size, const char *key, const char *const c[4], const char *name)
{
	snprintf(out, size, "%4s: %10s %10s %10s %10s  %s\n", key, c[0], c[1], c[2], c[3], name);
}

static void write_rows(struct fx *fx, const char *header, const char *const rows[], size_t n)
{
	char text[2048];
	size_t len = snprintf(text, sizeof(text), "%s\n", header);

	for (size_t i = 0; i < n; i++)
		len += snprintf(text + len, sizeof(text) - len, "%s", rows[i]);
	fx_write(fx, "/proc/interrupts", text);
}

#define HDR4 "           CPU0       CPU1       CPU2       CPU3"

/*
 * A row whose watched cpus' counts and text are as last time is not parsed again: its counts are the
 * previous sample's (FB: every row was parsed into counts of its own). A change in a watched column is
 * read; one in a housekeeping column, an 11-digit count that shifts the row, a new row and a new header
 * are read afresh, with the same events as a full parse.
 */
static void test_unchanged_rows(void **state)
{
	struct fx fx;
	struct watch_ctx ctx;
	struct watch_sample a, b;
	struct seen seen = { 0 };
	char r24[160], r25[160], r26[160], loc[160];

	(void)state;
	fx_init(&fx, "base");
	ctx_init(&ctx);
	kernel_row(r24, sizeof(r24), "24", (const char *const[]){ "5", "0", "3", "0" }, "IR-PCI-MSI 1-edge eno1-TxRx-0");
	kernel_row(r25, sizeof(r25), "25", (const char *const[]){ "7", "0", "0", "2" }, "IR-PCI-MSI 2-edge eno1-TxRx-1");
	kernel_row(loc, sizeof(loc), "LOC", (const char *const[]){ "100", "0", "50", "50" }, " Local timer interrupts");
	write_rows(&fx, HDR4, (const char *const[]){ r24, r25, loc, " ERR:          0\n" }, 4);
	take(&fx, &ctx, &a, NULL);
	assert_int_equal(a.nirq, 3);

	/* 24 grows on cpu 2 (watched), 25 on cpu 0 only (housekeeping), LOC stays. */
	kernel_row(r24, sizeof(r24), "24", (const char *const[]){ "5", "0", "8", "0" }, "IR-PCI-MSI 1-edge eno1-TxRx-0");
	kernel_row(r25, sizeof(r25), "25", (const char *const[]){ "9", "0", "0", "2" }, "IR-PCI-MSI 2-edge eno1-TxRx-1");
	write_rows(&fx, HDR4, (const char *const[]){ r24, r25, loc, " ERR:          0\n" }, 4);
	take(&fx, &ctx, &b, &a);
	assert_true(b.irq[0].count != a.irq[0].count);
	assert_true(b.irq[1].count == a.irq[1].count);
	assert_true(b.irq[2].count == a.irq[2].count);
	assert_string_equal(b.irq[1].name, "eno1-TxRx-1");
	assert_string_equal(b.irq[2].key, "LOC");
	assert_int_equal(b.irq[1].count[1], 2);
	watch_diff(&ctx, &a, &b, collect, &seen);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.e[0].kind, WK_IRQ);
	assert_int_equal(seen.e[0].cpu, 2);
	assert_int_equal(seen.e[0].count, 5);
	watch_sample_free(&a);
	a = b;

	/* cpu 0's count of 25 runs to 11 digits and shifts the row: read one after another, nothing watched
	 * changed. 24 grows on cpu 3. */
	seen.n = 0;
	kernel_row(r24, sizeof(r24), "24", (const char *const[]){ "5", "0", "8", "4" }, "IR-PCI-MSI 1-edge eno1-TxRx-0");
	kernel_row(r25, sizeof(r25), "25", (const char *const[]){ "12345678901", "0", "0", "2" },
		   "IR-PCI-MSI 2-edge eno1-TxRx-1");
	write_rows(&fx, HDR4, (const char *const[]){ r24, r25, loc, " ERR:          0\n" }, 4);
	take(&fx, &ctx, &b, &a);
	assert_true(b.irq[1].count != a.irq[1].count);
	assert_int_equal(b.irq[1].count[0], 0);
	assert_int_equal(b.irq[1].count[1], 2);
	assert_true(b.irq[2].count == a.irq[2].count);
	watch_diff(&ctx, &a, &b, collect, &seen);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.e[0].cpu, 3);
	assert_int_equal(seen.e[0].count, 4);
	watch_sample_free(&a);
	a = b;

	/* Back to its width and up 4 on cpu 3; a new IRQ 26 before it (its count from zero); LOC moves down a row. */
	seen.n = 0;
	kernel_row(r25, sizeof(r25), "25", (const char *const[]){ "9", "0", "0", "6" }, "IR-PCI-MSI 2-edge eno1-TxRx-1");
	kernel_row(r26, sizeof(r26), "26", (const char *const[]){ "0", "0", "1", "0" }, "IR-PCI-MSI 3-edge eno1-TxRx-2");
	write_rows(&fx, HDR4, (const char *const[]){ r24, r26, r25, loc, " ERR:          0\n" }, 5);
	take(&fx, &ctx, &b, &a);
	assert_int_equal(b.nirq, 4);
	assert_true(b.irq[0].count == a.irq[0].count);
	assert_int_equal(b.irq[3].count[0], 50);
	watch_diff(&ctx, &a, &b, collect, &seen);
	assert_int_equal(seen.n, 2);
	assert_non_null(strstr(seen.e[0].what, "irq 26 (eno1-TxRx-2): 1 interrupts"));
	assert_int_equal(seen.e[0].cpu, 2);
	assert_non_null(strstr(seen.e[1].what, "irq 25 (eno1-TxRx-1): 4 interrupts"));
	assert_int_equal(seen.e[1].cpu, 3);
	watch_sample_free(&a);
	a = b;

	/* cpu 1 goes offline: a new header, every row read again (the same bytes now mean other cpus). */
	seen.n = 0;
	write_rows(&fx, "           CPU0       CPU2       CPU3",
		   (const char *const[]){ "  24:          5          8          4  IR-PCI-MSI 1-edge eno1-TxRx-0\n",
					  "  26:          0          1          0  IR-PCI-MSI 3-edge eno1-TxRx-2\n",
					  "  25:          9          0          9  IR-PCI-MSI 2-edge eno1-TxRx-1\n",
					  " LOC:        100         50         50   Local timer interrupts\n" }, 4);
	take(&fx, &ctx, &b, &a);
	assert_int_equal(b.nirq, 4);
	for (size_t i = 0; i < b.nirq; i++)
		assert_true(b.irq[i].count != a.irq[i].count);
	assert_int_equal(b.irq[0].count[0], 8);
	assert_int_equal(b.irq[0].count[1], 4);
	watch_diff(&ctx, &a, &b, collect, &seen);
	assert_int_equal(seen.n, 1);
	assert_non_null(strstr(seen.e[0].what, "irq 25 (eno1-TxRx-1): 3 interrupts"));
	watch_sample_free(&a);
	a = b;

	/* Unchanged again: every row shared, none an event; a renamed device is read. */
	seen.n = 0;
	write_rows(&fx, "           CPU0       CPU2       CPU3",
		   (const char *const[]){ "  24:          5          8          4  IR-PCI-MSI 1-edge eno1-TxRx-0\n",
					  "  26:          0          1          0  IR-PCI-MSI 3-edge eno1-TxRx-2\n",
					  "  25:          9          0          9  IR-PCI-MSI 2-edge eno2-TxRx-1\n",
					  " LOC:        100         50         50   Local timer interrupts\n" }, 4);
	take(&fx, &ctx, &b, &a);
	assert_true(b.irq[0].count == a.irq[0].count && b.irq[1].count == a.irq[1].count &&
		    b.irq[3].count == a.irq[3].count);
	assert_true(b.irq[2].count != a.irq[2].count);
	assert_string_equal(b.irq[2].name, "eno2-TxRx-1");
	watch_diff(&ctx, &a, &b, collect, &seen);
	assert_int_equal(seen.n, 0);
	watch_sample_free(&a);
	watch_sample_free(&b);
	fx_done(&fx);
}

/*
 * Kept files (live): the same files re-read, no directory listed while ns_last_pid stays, and a new
 * thread found once it moves.
 */
static void test_kept_files(void **state)
{
	struct fx fx;
	struct watch_ctx ctx;
	struct watch_sample a, b, c;
	struct seen seen = { 0 };

	(void)state;
	fx_init(&fx, "base");
	ctx_init(&ctx);
	ctx.keep_open = true;
	write_counters(&fx, 10, 1, 100, 100, 4, 1000);
	fx_write(&fx, "/proc/irq/24/smp_affinity_list", "0-1\n");
	fx_write(&fx, "/sys/kernel/mm/transparent_hugepage/enabled", "always madvise [never]\n");
	fx_write(&fx, "/proc/sys/kernel/ns_last_pid", "700\n");
	write_task(&fx, 500, 500, "poller", 0, 100, 2, "2");
	take(&fx, &ctx, &a, NULL);
	assert_true(a.fd_interrupts >= 0 && a.fd_thp >= 0 && a.fd_last_pid >= 0);
	assert_int_equal(a.last_pid, 700);
	assert_int_equal(a.ntask, 1);
	assert_true(a.task[0].fd >= 0);
	assert_true(a.irq[0].affinity_fd >= 0);
	/* In place: IRQ 24 on cpu 2 and its affinity, THP; a thread appears while ns_last_pid stays 700. */
	overwrite(&fx, "/proc/interrupts",
		  "           CPU0       CPU1       CPU2       CPU3\n"
		  "  24: 1000 0 15 0   IR-PCI-MSI 9437184-edge      eno1-TxRx-0\n");
	overwrite(&fx, "/proc/irq/24/smp_affinity_list", "0-2\n");
	overwrite(&fx, "/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	write_task(&fx, 701, 701, "busy", 0, 1, 2, "2");
	take(&fx, &ctx, &b, &a);
	/* The files went over to b. */
	assert_int_equal(a.fd_interrupts, -1);
	assert_int_equal(a.task[0].fd, -1);
	assert_int_equal(b.ntask, 1);
	watch_diff(&ctx, &a, &b, collect, &seen);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.e[0].kind, WK_IRQ);
	assert_int_equal(seen.e[0].count, 5);
	assert_int_equal(seen.e[1].kind, WK_AFFINITY);
	assert_int_equal(seen.e[2].kind, WK_SWITCH);
	/* ns_last_pid moves: the thread is listed and reported. */
	seen.n = 0;
	overwrite(&fx, "/proc/sys/kernel/ns_last_pid", "701\n");
	take(&fx, &ctx, &c, &b);
	assert_int_equal(c.ntask, 2);
	watch_diff(&ctx, &b, &c, collect, &seen);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.e[0].kind, WK_TASK);
	assert_int_equal(seen.e[0].pid, 701);
	watch_sample_free(&a);
	watch_sample_free(&b);
	watch_sample_free(&c);
	fx_done(&fx);
}

/* --until: the next HH:MM on the local clock, from an injected now; bad values refused. */
static void test_until(void **state)
{
	/* 2026-12-07 10:30:15 UTC; in the CET zone 11:30:15. 2026-03-29 00:30 UTC, CET: 01:30, 02:00 CET -> 03:00 CEST. */
	const time_t now = 1796639415, spring = 1774744200;
	time_t at;

	(void)state;
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_int_equal(watch_until("17:00", now, &at), 0);
	assert_int_equal(at - now, 6 * 3600 + 29 * 60 + 45);
	assert_int_equal(watch_until("9:05", now, &at), 0);	/* past today: tomorrow */
	assert_int_equal(at - now, 22 * 3600 + 34 * 60 + 45);
	assert_int_equal(watch_until("10:30", now, &at), 0);	/* this minute began: tomorrow's */
	assert_int_equal(at - now, 24 * 3600 - 15);
	assert_int_equal(watch_until("00:00", now, &at), 0);
	assert_int_equal(at - now, 13 * 3600 + 29 * 60 + 45);
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	assert_int_equal(watch_until("17:00", now, &at), 0);	/* local time: an hour sooner in UTC */
	assert_int_equal(at - now, 5 * 3600 + 29 * 60 + 45);
	assert_int_equal(watch_until("08:00", spring, &at), 0);	/* the night the clocks go forward: 5.5 h, not 6.5 */
	assert_int_equal(at - spring, 5 * 3600 + 30 * 60);
	for (const char *const *bad = (const char *const[]){ "24:00", "12:60", "1200", "12:0", "12:000", "123:00",
							     "-1:00", "12:00 ", "", ":30", "ab:cd", NULL };
	     *bad; bad++)
		assert_int_equal(watch_until(*bad, now, &at), -EINVAL);
	unsetenv("TZ");
	tzset();
}

/* Error and drop counters: their growth is an event, with where it grew, the total since boot and the fix. */
static void test_counter_growth(void **state)
{
	const struct spike_nic nics[] = { { "ens1f0", "0000:3b:00.0", NULL, false } };
	struct spike_sources src;
	struct fx fx;
	struct watch_ctx ctx;
	struct watch_sample a, b;
	struct seen seen = { 0 };

	(void)state;
	fx_init(&fx, "base");
	ctx_init(&ctx);
	write_counters(&fx, 0, 0, 0, 0, 0, 0);
	fx_write(&fx, "/sys/devices/system/cpu/cpu2/thermal_throttle/core_throttle_count", "4\n");
	fx_write(&fx, "/sys/bus/pci/devices/0000:3b:00.0/aer_dev_correctable", "RxErr 0\nTOTAL_ERR_COR 1\n");
	fx_write(&fx, "/proc/net/snmp", "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors\nUdp: 1 0 0 1 7\n");
	assert_int_equal(sysroot_open(&fx.sr, fx.dir), 0);
	spike_sources_find(&fx.sr, &ctx.isolated, nics, 1, &src);
	sysroot_close(&fx.sr);
	assert_int_equal(src.n, 3);
	ctx.spikes = &src;
	take(&fx, &ctx, &a, NULL);
	assert_int_equal(a.spikes.n, 3);
	fx_write(&fx, "/sys/devices/system/cpu/cpu2/thermal_throttle/core_throttle_count", "6\n");
	fx_write(&fx, "/proc/net/snmp", "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors\nUdp: 1 0 0 1 10\n");
	take(&fx, &ctx, &b, &a);
	watch_diff(&ctx, &a, &b, collect, &seen);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.e[0].kind, WK_COUNTER);
	assert_int_equal(seen.e[0].cpu, 2);
	assert_int_equal(seen.e[0].count, 2);
	assert_string_equal(seen.e[0].what, "thermal-core on cpu 2: +2 (6 since boot)");
	assert_non_null(strstr(seen.e[0].fix, "check cooling"));
	assert_int_equal(seen.e[1].cpu, -1);
	assert_string_equal(seen.e[1].what, "udp-rcvbuf-errors: +3 (10 since boot)");
	assert_non_null(strstr(seen.e[1].cause, "receive buffer was full"));
	watch_sample_free(&a);
	watch_sample_free(&b);
	spike_sources_free(&src);
	fx_done(&fx);
}

/*
 * The profile's NIC's ethtool drops and the SMI count, from a capture's files: growth is an event (FB: neither
 * was read). Each driver's names count as their kind; the first a NIC reports wins, a '#' row sums the queues.
 */
static void test_nic_drops_smi(void **state)
{
	const struct spike_nic nics[] = { { "ens1f0", "0000:3b:00.0", "ice", true }, { "ens2", NULL, "virtio_net", true },
					  { "ens3", NULL, "mlx5_core", false } };
	struct spike_sources src;
	struct fx fx;
	struct watch_ctx ctx;
	struct watch_sample a, b;
	struct seen seen = { 0 };
	struct cpuset hk;

	(void)state;
	fx_init(&fx, "base");
	ctx_init(&ctx);
	write_counters(&fx, 0, 0, 0, 0, 0, 0);
	/* ice: port and VSI discards; rx_out_of_buffer is mlx5's name, not counted for ice. */
	fx_write(&fx, "/.tickready/ethtool/ens1f0/stats", "rx_packets=900\nrx_dropped=2\nrx_dropped.nic=5\n"
		 "rx_out_of_buffer=40\nrx_fifo_errors=0\n");
	/* virtio_net before the total: per-queue drops, summed. */
	fx_write(&fx, "/.tickready/ethtool/ens2/stats", "rx_queue_0_drops=1\nrx_queue_1_drops=2\nrx_queue_1_kicks=9\n");
	/* Not the profile's NIC: not read. */
	fx_write(&fx, "/.tickready/ethtool/ens3/stats", "rx_out_of_buffer=3\n");
	fx_write(&fx, SYSROOT_SMI_FILE, "11\n");
	assert_int_equal(sysroot_open(&fx.sr, fx.dir), 0);
	spike_sources_find(&fx.sr, &ctx.isolated, nics, 3, &src);
	cpuset_parse(&hk, "0-1");
	spike_sources_add_smi(&fx.sr, "AuthenticAMD", &hk, &src);	/* in a tree the capture decides, not the vendor */
	sysroot_close(&fx.sr);
	assert_int_equal(src.n, 3);
	assert_string_equal(src.smi_absent, "");
	assert_string_equal(src.src[0].where, "ens1f0 (ice)");
	ctx.spikes = &src;
	take(&fx, &ctx, &a, NULL);
	/* ice: missed 5, fifo 0, no-buffer 2; virtio: no-buffer 3; smi 11. */
	assert_int_equal(a.spikes.n, 5);
	assert_int_equal(a.spikes.v[0].kind, SK_NIC_MISSED);
	assert_int_equal(a.spikes.v[0].value, 5);
	assert_int_equal(a.spikes.v[1].kind, SK_NIC_FIFO);
	assert_int_equal(a.spikes.v[2].kind, SK_NIC_NOBUF);
	assert_int_equal(a.spikes.v[2].value, 2);
	assert_int_equal(a.spikes.v[3].kind, SK_NIC_NOBUF);
	assert_int_equal(a.spikes.v[3].value, 3);
	assert_int_equal(a.spikes.v[4].kind, SK_SMI);
	assert_int_equal(a.spikes.v[4].value, 11);
	/* A newer virtio_net's total comes first: its per-queue counts are then not added again. */
	fx_write(&fx, "/.tickready/ethtool/ens1f0/stats", "rx_dropped=2\nrx_dropped.nic=9\nrx_fifo_errors=0\n");
	fx_write(&fx, "/.tickready/ethtool/ens2/stats", "rx_drops=3\nrx0_drops=3\nrx_queue_0_drops=3\n");
	fx_write(&fx, SYSROOT_SMI_FILE, "14\n");
	take(&fx, &ctx, &b, &a);
	watch_diff(&ctx, &a, &b, collect, &seen);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.e[0].kind, WK_COUNTER);
	assert_int_equal(seen.e[0].cpu, -1);
	assert_string_equal(seen.e[0].what, "nic-missed on ens1f0 (ice): +4 (9 since boot)");
	assert_non_null(strstr(seen.e[0].fix, "rx_ring = max"));
	assert_string_equal(seen.e[1].what, "smi: +3 (14 since boot)");
	assert_non_null(strstr(seen.e[1].cause, "stopped every cpu"));
	watch_sample_free(&a);
	watch_sample_free(&b);
	spike_sources_free(&src);
	/* A capture of a host without the count says why; a tree without the file says that. */
	fx_write(&fx, SYSROOT_SMI_FILE, "absent=the cpu is AuthenticAMD: only Intel cpus keep an SMI count (MSR 0x34)\n");
	assert_int_equal(sysroot_open(&fx.sr, fx.dir), 0);
	spike_sources_find(&fx.sr, &ctx.isolated, NULL, 0, &src);
	spike_sources_add_smi(&fx.sr, "GenuineIntel", &hk, &src);
	assert_int_equal(src.n, 0);
	assert_non_null(strstr(src.smi_absent, "AuthenticAMD"));
	spike_sources_free(&src);
	fx_remove(&fx, SYSROOT_SMI_FILE);
	spike_sources_find(&fx.sr, &ctx.isolated, NULL, 0, &src);
	spike_sources_add_smi(&fx.sr, "GenuineIntel", &hk, &src);
	assert_int_equal(src.n, 0);
	assert_non_null(strstr(src.smi_absent, "no SMI count in this tree"));
	spike_sources_free(&src);
	sysroot_close(&fx.sr);
	fx_done(&fx);
}

/* An application thread: write_task, then its status with context switches. */
static void write_app_task(struct fx *fx, int tid, const char *comm, unsigned utime, int cpu, long vol, long inv)
{
	char path[128], text[256];

	write_task(fx, 600, tid, comm, 0, utime, cpu, "0-3");
	snprintf(path, sizeof(path), "/proc/600/task/%d/status", tid);
	snprintf(text, sizeof(text), "Name:\t%s\nCpus_allowed_list:\t0-3\nvoluntary_ctxt_switches:\t%ld\n"
		 "nonvoluntary_ctxt_switches:\t%ld\n", comm, vol, inv);
	fx_write(fx, path, text);
}

/* Telemetry's answers, queued before the sample asks (a SOCK_SEQPACKET pair keeps each message whole). */
static void answer(int fd, const char *json)
{
	assert_int_equal(send(fd, json, strlen(json), 0), (ssize_t)strlen(json));
}

/*
 * --app: the application's threads are never task events (FB: its worker on cpu 2 was one), their context
 * switches on isolated cpus are, and its ports' imissed and rx_nombuf growth read through telemetry (FB: none).
 */
static void test_app(void **state)
{
	struct fx fx;
	struct watch_ctx ctx;
	struct watch_sample a, b;
	struct seen seen = { 0 };
	struct telemetry tel = { .fd = -1 };
	char cmds[4][64];
	int sv[2];

	(void)state;
	fx_init(&fx, "base");
	ctx_init(&ctx);
	ctx.allowed = NULL;
	ctx.app = 600;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	tel.fd = sv[0];
	ctx.telemetry = &tel;
	write_counters(&fx, 0, 0, 0, 0, 0, 0);
	write_app_task(&fx, 600, "testpmd", 10, 0, 50, 5);
	write_app_task(&fx, 601, "rte-worker-2", 100, 2, 3, 1);
	answer(sv[1], "{\"/ethdev/list\": [0]}");
	answer(sv[1], "{\"/ethdev/info\": {\"name\": \"0000:3b:00.0\", \"numa_node\": 0}}");
	answer(sv[1], "{\"/ethdev/stats\": {\"imissed\": 10, \"rx_nombuf\": 0, \"ipackets\": 5}}");
	take(&fx, &ctx, &a, NULL);
	assert_true(a.ports_read);
	assert_int_equal(a.nport, 1);
	assert_int_equal(a.port[0].imissed, 10);
	/* The worker keeps running on cpu 2, preempted twice and slept once; the main thread slept on housekeeping
	 * cpu 0 (no event); another process's thread lands on cpu 2 (a task event); the port missed 4, ran dry once. */
	write_app_task(&fx, 600, "testpmd", 11, 0, 90, 5);
	write_app_task(&fx, 601, "rte-worker-2", 200, 2, 4, 3);
	write_task(&fx, 700, 700, "cron", 0, 1, 2, "0-3");
	answer(sv[1], "{\"/ethdev/stats\": {\"imissed\": 14, \"rx_nombuf\": 1}}");
	take(&fx, &ctx, &b, &a);
	watch_diff(&ctx, &a, &b, collect, &seen);
	assert_int_equal(seen.n, 4);
	assert_int_equal(seen.e[0].kind, WK_TASK);
	assert_int_equal(seen.e[0].pid, 700);
	assert_int_equal(seen.e[1].kind, WK_APP_SWITCH);
	assert_int_equal(seen.e[1].cpu, 2);
	assert_int_equal(seen.e[1].count, 3);
	assert_int_equal(seen.e[1].pid, 600);
	assert_string_equal(seen.e[1].what, "thread 601 (rte-worker-2) of the application switched out on cpu 2: "
			    "2 involuntary, 1 voluntary");
	assert_non_null(strstr(seen.e[1].cause, "preempted"));
	assert_string_equal(seen.e[2].what, "port 0 (0000:3b:00.0) of the application: imissed +4 (14 since it started)");
	assert_string_equal(seen.e[2].fix, APP_IMISSED_FIX);
	assert_int_equal(seen.e[3].kind, WK_APP_PORT);
	assert_int_equal(seen.e[3].count, 1);
	assert_non_null(strstr(seen.e[3].what, "rx_nombuf +1"));
	/* Only listing and stats commands were sent: list, info, stats, stats. */
	for (int i = 0; i < 4; i++) {
		ssize_t n = recv(sv[1], cmds[i], sizeof(cmds[i]) - 1, MSG_DONTWAIT);

		assert_true(n > 0);
		cmds[i][n] = '\0';
	}
	assert_string_equal(cmds[0], "/ethdev/list");
	assert_string_equal(cmds[1], "/ethdev/info,0");
	assert_string_equal(cmds[2], "/ethdev/stats,0");
	assert_string_equal(cmds[3], "/ethdev/stats,0");
	assert_true(recv(sv[1], cmds[0], sizeof(cmds[0]), MSG_DONTWAIT) < 0);
	watch_sample_free(&a);
	watch_sample_free(&b);
	close(sv[0]);
	close(sv[1]);
	fx_done(&fx);
}

/* No /proc/interrupts: an error, not an empty sample. */
static void test_unreadable(void **state)
{
	struct fx fx;
	struct watch_ctx ctx;
	struct watch_sample a;

	(void)state;
	fx_init(&fx, "base");
	ctx_init(&ctx);
	fx_remove(&fx, "/proc/interrupts");
	assert_int_equal(sysroot_open(&fx.sr, fx.dir), 0);
	assert_true(watch_sample_take(&a, &fx.sr, &ctx, NULL) < 0);
	watch_sample_free(&a);
	sysroot_close(&fx.sr);
	fx_done(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_unchanged_rows),
		cmocka_unit_test(test_host_events),
		cmocka_unit_test(test_kernel_layout),
		cmocka_unit_test(test_kept_files),
		cmocka_unit_test(test_until),
		cmocka_unit_test(test_counter_growth),
		cmocka_unit_test(test_nic_drops_smi),
		cmocka_unit_test(test_app),
		cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
