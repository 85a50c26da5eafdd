/*
 * tickready watch: one sample of what touches the isolated cpus (interrupt and softirq counters,
 * threads, IRQ affinities, services, THP/KSM), and the events between two samples. Every file read
 * here is answered from kernel bookkeeping: none makes the kernel interrupt another cpu.
 */
#include "watch.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "util.h"

const char *const watch_kind_names[WK_COUNT] = {
	"irq", "tick", "ipi", "softirq", "task", "irq-affinity", "service", "switch", "counter", "app-switch", "app-port",
};

/* /proc/interrupts of a 512-cpu host with thousands of IRQs runs to tens of MiB. */
#define PROC_TABLE_CAP (64u << 20)
#define PF_KTHREAD 0x00200000u
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Why a counter rises on an isolated cpu, and what to do: one row per /proc/interrupts or softirqs key. */
struct why {
	const char *key, *cause, *fix;
};

static const struct why ipi_why[] = {
	{ "CAL", "function-call IPIs (smp_call_function) from another cpu: a TLB flush, a cpufreq or MSR read, perf, "
		 "or a membarrier of a process with threads there",
	  "keep other processes' threads off the cpu; [memory] thp = never, ksm = off; no perf or MSR tools on it" },
	{ "RES", "rescheduling IPIs: a thread was woken on the cpu or moved onto it",
	  "confine other threads to the housekeeping cpus %s (taskset, systemd CPUAffinity=; [tasks] systemd_affinity)" },
	{ "TLB", "TLB shootdowns: a process with threads on the cpu changed its mappings (munmap, mprotect, THP "
		 "collapse, KSM, NUMA balancing)",
	  "prefault and mlockall() in the application; [memory] thp = never, ksm = off; sysctl -w kernel.numa_balancing=0" },
	{ "IWI", "irq_work IPIs: perf, tracing, printk or RCU queued work on the cpu",
	  "no perf or tracing on isolated cpus; see the kernel log for what printed" },
	{ "NMI", "non-maskable interrupts: the NMI watchdog or perf counting on the cpu",
	  "[kernel] watchdog = off (nmi_watchdog=0); no perf on isolated cpus" },
	{ "PMI", "performance-monitoring interrupts: perf counting on the cpu", "no perf on isolated cpus" },
	{ "THR", "thermal event interrupts: the cpu hit a thermal or power limit",
	  "check cooling and power limits (tickready audit --only power)" },
	{ "MCE", "machine-check exceptions", "check the kernel log, EDAC and mcelog for the failing part" },
	{ "MCP", "machine-check polls", "mce=ignore_ce on the command line stops the poll timer" },
};

static const struct why softirq_why[] = {
	{ "TIMER", "timer softirq: a timer expired on the cpu",
	  "nohz_full on the cpu, sysctl -w kernel.timer_migration=0, one runnable thread ([cpu] nohz_full = yes)" },
	{ "HRTIMER", "high-resolution timer softirq: an hrtimer expired on the cpu",
	  "no sleeping timers in the polling thread; one runnable thread on the cpu" },
	{ "NET_RX", "network receive softirq: a NIC queue's IRQ or RPS points at the cpu",
	  "move NIC IRQs and RPS to the housekeeping cpus %s ([irq] nic_irqs_local = yes, [nic] rps = housekeeping)" },
	{ "NET_TX", "network transmit softirq: a socket on the cpu sent through the kernel stack",
	  "send from a housekeeping cpu or a kernel-bypass stack" },
	{ "RCU", "RCU callbacks run on the cpu", "rcu_nocbs= on the isolated cpus ([cpu] rcu_nocbs = yes)" },
	{ "SCHED", "scheduler load balancing on the cpu", "isolcpus=domain on the isolated cpus ([cpu] isolcpus_flags)" },
	{ "BLOCK", "block I/O completions on the cpu", "move the storage IRQs to the housekeeping cpus %s" },
	{ "IRQ_POLL", "block I/O completion polling on the cpu", "move the storage IRQs to the housekeeping cpus %s" },
	{ "TASKLET", "tasklets raised by an IRQ handled on the cpu", "move the device IRQs to the housekeeping cpus %s" },
	{ "HI", "high-priority tasklets raised by an IRQ handled on the cpu",
	  "move the device IRQs to the housekeeping cpus %s" },
};

static const struct why service_why[] = {
	{ "irqbalance", "irqbalance re-spreads IRQs over every cpu it is not told to ban",
	  "systemctl disable --now irqbalance (profile: [irq] irqbalance = off)" },
	{ "tuned", "tuned rewrites sysctls, THP and IRQ affinities from its own profile",
	  "systemctl disable --now tuned, or a tuned profile that matches this one" },
	{ "bpftune", "bpftune retunes network and memory sysctls at run time", "systemctl disable --now bpftune" },
};

static const struct why *why_of(const struct why *t, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].key, key))
			return &t[i];
	return NULL;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * A kept file read again from its start; -EBADF when none is kept, and a failed read closes it. Callers
 * with many files try it before making a path for read_kept: 4,000 IRQs' affinities, 2.7 M instructions
 * a sample less (callgrind).
 */
static ssize_t reread_kept(int *fd, char *buf, size_t size)
{
	ssize_t n;

	if (*fd < 0)
		return -EBADF;
	if ((n = sysroot_pread(*fd, buf, size)) < 0) {
		close(*fd);
		*fd = -1;
	}
	return n;
}

/*
 * Reads path into buf: with ctx->keep_open through *fd, opened the first time and re-read with pread
 * after (a read that fails means the object went away: the path is opened once more, as it may name
 * a new one); else opened and closed each time. Too many open files: read as if not kept.
 */
static ssize_t read_kept(const struct sysroot *sr, const struct watch_ctx *ctx, int *fd, const char *path, char *buf,
			 size_t size)
{
	ssize_t n;

	if (!ctx->keep_open)
		return sysroot_read(sr, path, buf, size);
	if ((n = reread_kept(fd, buf, size)) >= 0)
		return n;
	*fd = sysroot_open_kept(sr, path);
	if (*fd == -EMFILE || *fd == -ENFILE) {
		*fd = -1;
		return sysroot_read(sr, path, buf, size);
	}
	if (*fd < 0)
		return *fd;
	return reread_kept(fd, buf, size);
}

static void close_kept(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The kernel prints each count as " %10u" after the colon (older kernels ": " then "%10u "): the same places. */
#define COUNT_WIDTH 11

/*
 * A table as its last read left it: each row's line and counts. A row's counts are a function of the
 * header and its line alone, so a line whose bytes that matter are the same as last time is that row
 * again: neither parsed nor its counts stored anew. On a 512-cpu tree of 4,000 IRQs parsing every row
 * and writing 16 MiB of counts a sample was most of watch's cost (bench/watch-cost.c).
 */
struct watch_table {
	unsigned refs;
	unsigned long gen;	/* reads through it; a sample is the newest when its gen is this */
	int niso;
	char *header;		/* the header line, NUL-terminated, NULL before the first read */
	char *text;		/* the rows' lines, one after another */
	size_t text_cap, nrows, rows_cap;
	size_t *off, *len;	/* row -> its line in text */
	bool *fixed;		/* its counts were in the kernel's fixed places */
	struct watch_row *rows;	/* key and name */
	uint64_t *base;		/* row -> its niso counts as of the last read */
	size_t base_rows;
};

struct table_read {
	const struct watch_sample *s;
	int *col;		/* isolated index -> column, -1 when the cpu has none (offline) */
	int *iso_of;		/* column -> isolated index, -1 for a cpu not watched */
	int ncols;		/* -1 until the header */
	struct watch_row *rows;
	uint64_t *counts;	/* niso a parsed row */
	long *own;		/* row -> its index in counts, -1: unchanged, its counts in tab->base */
	size_t n, cap, nown, own_cap;
	bool irqs;
	struct watch_table *tab;
	bool reuse;		/* lines still compare with tab's row at the same index */
	size_t wpos;		/* where in tab->text the next line goes */
	size_t (*span)[2];	/* byte ranges after the colon holding watched counts, in the fixed layout */
	int nspan;
};

static void table_header(struct table_read *t, char *line)
{
	int j = 0, cap = 64;

	t->ncols = 0;
	t->iso_of = xcalloc((size_t)cap, sizeof(*t->iso_of));
	for (int i = 0; i < t->s->niso; i++)
		t->col[i] = -1;
	for (char *tok = strtok(line, " \t"); tok; tok = strtok(NULL, " \t"), j++) {
		int cpu;

		if (j >= cap) {
			t->iso_of = xrealloc(t->iso_of, (size_t)cap * 2 * sizeof(*t->iso_of));
			cap *= 2;
		}
		t->iso_of[j] = -1;
		if (sscanf(tok, "CPU%d", &cpu) != 1)
			continue;
		for (int i = 0; i < t->s->niso; i++)
			if (t->s->iso[i] == cpu) {
				t->col[i] = j;
				t->iso_of[j] = i;
			}
		t->ncols = j + 1;
	}
	/* The watched columns as runs of bytes: 2-511 of 512 cpus is one memcmp a row. */
	t->span = xcalloc((size_t)t->ncols + 1, sizeof(*t->span));
	for (int c = 0; c < t->ncols; c++) {
		if (t->iso_of[c] < 0)
			continue;
		if (t->nspan && t->span[t->nspan - 1][1] == (size_t)c * COUNT_WIDTH)
			t->span[t->nspan - 1][1] += COUNT_WIDTH;
		else
			t->span[t->nspan][0] = (size_t)c * COUNT_WIDTH, t->span[t->nspan++][1] = (size_t)(c + 1) * COUNT_WIDTH;
	}
}

static uint64_t digits(const char *p, const char *end)
{
	uint64_t v = 0;

	for (; p < end && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

/*
 * The kernel's layout: every count in its COUNT_WIDTH-wide place. Then each watched cpu's count is read
 * at its place and the others are not looked at. Every place is at least that wide, so the last count
 * ending exactly at ncols places means none ran over (a count of 11 digits shifts the rest of its row).
 */
static bool fixed_places(const struct table_read *t, const char *p, size_t len)
{
	size_t end = (size_t)t->ncols * COUNT_WIDTH;

	if (!end || len <= end || !isdigit((unsigned char)p[end - 1]) || isdigit((unsigned char)p[end]))
		return false;
	for (int i = 0; i < t->s->niso; i++) {
		const char *f = p + (size_t)t->col[i] * COUNT_WIDTH;

		if (t->col[i] < 0)
			continue;
		if (f[0] != ' ' || !isdigit((unsigned char)f[COUNT_WIDTH - 1]))
			return false;
	}
	return true;
}

/* Any other layout (hand-written trees, wide counts): the counts one after another; returns where they end, NULL when fewer than ncols. */
static char *scan_counts(const struct table_read *t, char *p, uint64_t *count)
{
	for (int j = 0; j < t->ncols; j++) {
		char *d = p + strspn(p, " \t"), *e = d;

		while (*e >= '0' && *e <= '9')
			e++;
		if (e == d)
			return NULL;	/* rows that are not per cpu (ERR, MIS) hold fewer numbers: left out */
		if (t->iso_of[j] >= 0)
			count[t->iso_of[j]] = digits(d, e);
		p = e;
	}
	return p;
}

/*
 * Row k of the last read, line now: the same row when both had their counts in the fixed places and the
 * bytes that make the row are equal: the key with its colon, the watched cpus' places, and the rest from
 * the last count's last digit (which with the same length keeps the new line in the fixed places too).
 * A housekeeping cpu's count is not looked at.
 */
static bool same_row(const struct table_read *t, size_t k, const char *line, size_t len)
{
	const struct watch_table *tab = t->tab;
	const char *old = tab->text + tab->off[k], *colon;
	size_t c, end = (size_t)t->ncols * COUNT_WIDTH;

	if (!tab->fixed[k] || tab->len[k] != len || !(colon = memchr(line, ':', len)))
		return false;
	c = (size_t)(colon - line) + 1;
	if (c + end > len || memcmp(line, old, c) || memcmp(line + c + end - 1, old + c + end - 1, len - (c + end - 1)))
		return false;
	for (int i = 0; i < t->nspan; i++)
		if (memcmp(line + c + t->span[i][0], old + c + t->span[i][0], t->span[i][1] - t->span[i][0]))
			return false;
	return true;
}

static void grow_rows(struct table_read *t)
{
	struct watch_table *tab = t->tab;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rows = xrealloc(t->rows, t->cap * sizeof(*t->rows));
		t->own = xrealloc(t->own, t->cap * sizeof(*t->own));
	}
	if (t->n == tab->rows_cap) {
		tab->rows_cap = tab->rows_cap ? tab->rows_cap * 2 : 64;
		tab->off = xrealloc(tab->off, tab->rows_cap * sizeof(*tab->off));
		tab->len = xrealloc(tab->len, tab->rows_cap * sizeof(*tab->len));
		tab->fixed = xrealloc(tab->fixed, tab->rows_cap * sizeof(*tab->fixed));
		tab->rows = xrealloc(tab->rows, tab->rows_cap * sizeof(*tab->rows));
	}
}

/*
 * Row k's line kept for the next read: in its place while the rows keep their lengths, else from here on
 * anew. A row out of the fixed places (line NULL) is never compared: its place stays as it was.
 */
static void keep_line(struct table_read *t, size_t k, const char *line, size_t len)
{
	struct watch_table *tab = t->tab;

	if (!(t->reuse && k < tab->nrows && (!line || tab->len[k] == len))) {
		t->reuse = false;
		if (t->wpos + len > tab->text_cap) {
			tab->text_cap = (t->wpos + len) * 2;
			tab->text = xrealloc(tab->text, tab->text_cap);
		}
		tab->off[k] = t->wpos;
		tab->len[k] = line ? len : 0;
	}
	if (line)
		memcpy(tab->text + tab->off[k], line, len);
	t->wpos = tab->off[k] + tab->len[k];
}

static void table_line(void *arg, char *line)
{
	struct table_read *t = arg;
	struct watch_table *tab = t->tab;
	struct watch_row *r;
	uint64_t *count;
	char *colon, *key, *end;
	size_t len = strlen(line), k = t->n;
	int niso = t->s->niso;
	bool fixed;

	if (t->ncols < 0) {
		t->reuse = tab->header && !strcmp(tab->header, line) && tab->niso == niso;
		if (!t->reuse) {
			free(tab->header);
			tab->header = xstrdup(line);
			tab->niso = niso;
		}
		table_header(t, line);
		return;
	}
	grow_rows(t);
	if (t->reuse && k < tab->nrows && same_row(t, k, line, len)) {
		t->rows[t->n] = tab->rows[k];
		t->own[t->n++] = -1;
		t->wpos = tab->off[k] + len;
		return;
	}
	colon = strchr(line, ':');
	if (!colon)
		return;
	key = line + strspn(line, " \t");
	if ((size_t)(colon - key) >= sizeof(r->key))
		return;
	if (t->nown == t->own_cap) {
		t->own_cap = t->own_cap ? t->own_cap * 2 : 64;
		t->counts = xrealloc(t->counts, t->own_cap * (size_t)(niso ? niso : 1) * sizeof(*t->counts));
	}
	count = t->counts + t->nown * (size_t)niso;
	fixed = fixed_places(t, colon + 1, len - (size_t)(colon + 1 - line));
	/* Kept before it is cut up below; a row left out (no counts) is no row and keeps nothing. */
	if (fixed) {
		keep_line(t, k, line, len);
	}
	*colon = '\0';
	if (fixed) {
		for (int i = 0; i < niso; i++) {
			const char *f = colon + 1 + (size_t)t->col[i] * COUNT_WIDTH, *e = f + COUNT_WIDTH;

			if (t->col[i] < 0) {
				count[i] = 0;
				continue;
			}
			while (*f == ' ')
				f++;
			count[i] = digits(f, e);
		}
		end = colon + 1 + (size_t)t->ncols * COUNT_WIDTH;
	} else {
		memset(count, 0, (size_t)niso * sizeof(*count));
		if (!(end = scan_counts(t, colon + 1, count)))
			return;
		keep_line(t, k, NULL, 0);
	}
	r = &t->rows[t->n];
	t->own[t->n++] = (long)t->nown++;
	memset(r, 0, sizeof(*r));
	r->affinity_fd = -1;
	snprintf(r->key, sizeof(r->key), "%s", key);
	end += strspn(end, " \t");
	end[strcspn(end, "\n")] = '\0';
	/* A numbered IRQ's line ends with its device name; a named row's text is what it counts. */
	if (t->irqs && all_digits(r->key)) {
		char *last = strrchr(end, ' ');

		snprintf(r->name, sizeof(r->name), "%s", last ? last + 1 : end);
	} else {
		snprintf(r->name, sizeof(r->name), "%s", end);
	}
	tab->fixed[k] = fixed;
	tab->rows[k] = *r;
}

static void table_unref(struct watch_table *tab)
{
	if (!tab || --tab->refs)
		return;
	free(tab->header);
	free(tab->text);
	free(tab->off);
	free(tab->len);
	free(tab->fixed);
	free(tab->rows);
	free(tab->base);
	free(tab);
}

/*
 * The table prev read, for this read to compare with, when prev was its newest read (else a new one).
 * First prev's rows' counts go to the table's base, and prev's rows point there: the base then holds
 * every row's counts as of prev, and a row found unchanged is the same counts in both samples.
 */
static struct watch_table *table_from(struct watch_table *tab, unsigned long gen, struct watch_row *rows, size_t n,
				      int niso)
{
	size_t size = (size_t)niso * sizeof(*tab->base);

	if (!tab || !gen || gen != tab->gen || tab->niso != niso || n != tab->nrows) {
		tab = xcalloc(1, sizeof(*tab));
		tab->refs = 1;
		return tab;
	}
	tab->refs++;
	if (n > tab->base_rows) {
		uint64_t *base = xmalloc(n * (size ? size : 1));

		for (size_t k = 0; k < n; k++)
			memcpy(base + k * (size_t)niso, rows[k].count, size);
		free(tab->base);
		tab->base = base;
		tab->base_rows = n;
	} else {
		for (size_t k = 0; k < n; k++)
			if (rows[k].count != tab->base + k * (size_t)niso)
				memcpy(tab->base + k * (size_t)niso, rows[k].count, size);
	}
	for (size_t k = 0; k < n; k++)
		rows[k].count = tab->base + k * (size_t)niso;
	return tab;
}

static int read_table(const struct sysroot *sr, const struct watch_ctx *ctx, const char *path, int *fd,
		      struct watch_sample *s, bool irqs, struct watch_table *tab, struct watch_row **rows, size_t *n,
		      uint64_t **counts, unsigned long *gen)
{
	struct table_read t = { .s = s, .ncols = -1, .irqs = irqs, .tab = tab };
	int rc = -EBADF;

	t.col = xcalloc(s->niso ? s->niso : 1, sizeof(*t.col));
	if (ctx->keep_open && *fd < 0) {
		*fd = sysroot_open_kept(sr, path);
		if (*fd < 0 && *fd != -EMFILE && *fd != -ENFILE)
			rc = *fd;
	}
	if (ctx->keep_open && *fd >= 0)
		rc = sysroot_read_lines_fd(*fd, PROC_TABLE_CAP, table_line, &t);
	else if (rc == -EBADF)
		rc = sysroot_read_lines(sr, path, PROC_TABLE_CAP, table_line, &t);
	if (rc < 0)
		close_kept(fd);
	free(t.col);
	free(t.iso_of);
	free(t.span);
	/* The rows point into the arrays of counts only now that they have stopped moving. */
	for (size_t i = 0; i < t.n; i++)
		t.rows[i].count = t.own[i] >= 0 ? t.counts + (size_t)t.own[i] * (size_t)s->niso :
			tab->base + i * (size_t)s->niso;
	free(t.own);
	/* A read cut short leaves the table half new: the next read starts a new one. */
	tab->nrows = t.n;
	++tab->gen;
	*gen = rc < 0 ? 0 : tab->gen;
	*rows = t.rows;
	*n = t.n;
	*counts = t.counts;
	return rc;
}

/* The same key in the previous sample: rows mostly keep their place, so look there first. */
static struct watch_row *find_row(const struct watch_row *rows, size_t n, size_t hint, const char *key)
{
	if (hint < n && !strcmp(rows[hint].key, key))
		return (struct watch_row *)&rows[hint];
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].key, key))
			return (struct watch_row *)&rows[i];
	return NULL;
}

static void read_affinities(const struct sysroot *sr, const struct watch_ctx *ctx, struct watch_sample *s,
			    struct watch_sample *prev)
{
	for (size_t i = 0; i < s->nirq; i++) {
		struct watch_row *r = &s->irq[i], *o;
		char path[96];
		ssize_t n;

		if (!all_digits(r->key))
			continue;
		if (prev && (o = find_row(prev->irq, prev->nirq, i, r->key))) {
			r->affinity_fd = o->affinity_fd;	/* handed over */
			o->affinity_fd = -1;
		}
		if ((n = reread_kept(&r->affinity_fd, r->affinity, sizeof(r->affinity))) < 0) {
			snprintf(path, sizeof(path), "/proc/irq/%s/smp_affinity_list", r->key);
			n = read_kept(sr, ctx, &r->affinity_fd, path, r->affinity, sizeof(r->affinity));
		}
		if (n < 0)
			r->affinity[0] = '\0';
		else
			r->affinity[strcspn(r->affinity, " \t\n")] = '\0';
	}
}

static const struct watch_task *find_task(const struct watch_sample *s, pid_t tid)
{
	size_t lo = 0, hi = s ? s->ntask : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->task[mid].tid == tid)
			return &s->task[mid];
		if (s->task[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * "/proc/PID/task/TID/stat": comm in parentheses (it may hold both), then the fields from state on:
 * state ppid pgrp session tty tpgid flags(9) minflt cminflt majflt cmajflt utime(14) stime(15) ...
 * num_threads(20) ... processor(39). Walked by hand: sscanf skipping the 37 fields was a fifth of a live
 * sample (bench/watch-cost.c on a 2-cpu VM, 107 threads: 1.01-1.15 ms of cpu a sample, 0.77-0.92 without).
 */
static bool parse_stat(const char *text, struct watch_task *t)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')'), *p;
	unsigned long long v[40] = { 0 };
	size_t n;

	if (!open || !close || close < open)
		return false;
	n = (size_t)(close - open - 1);
	if (n >= sizeof(t->comm))
		n = sizeof(t->comm) - 1;
	memcpy(t->comm, open + 1, n);
	t->comm[n] = '\0';
	p = close + 1;
	for (int field = 3; field <= 39; field++) {
		bool want = field == 9 || field == 14 || field == 15 || field == 20 || field == 39;

		while (*p == ' ')
			p++;
		if (!*p || *p == '\n' || (want && (*p < '0' || *p > '9')))
			return false;
		for (; *p && *p != ' ' && *p != '\n'; p++) {
			if (!want)
				continue;
			if (*p < '0' || *p > '9')
				return false;
			v[field] = v[field] * 10 + (unsigned)(*p - '0');
		}
	}
	t->kthread = v[9] & PF_KTHREAD;
	t->cputime = v[14] + v[15];
	t->threads = (int)v[20];
	t->processor = (int)v[39];
	return true;
}

static bool allowed_on_isolated(const struct sysroot *sr, const struct watch_ctx *ctx, const char *dir)
{
	char path[160], *text, *line;
	struct cpuset set;
	bool on = false;

	snprintf(path, sizeof(path), "%s/status", dir);
	if (sysroot_read_alloc(sr, path, 1u << 16, &text, NULL) < 0)
		return false;
	line = strstr(text, "\nCpus_allowed_list:");
	if (line) {
		line += strlen("\nCpus_allowed_list:");
		line += strspn(line, " \t");
		line[strcspn(line, "\n")] = '\0';
		on = cpuset_parse(&set, line) == 0 && cpuset_intersects(&set, &ctx->isolated);
	}
	free(text);
	return on;
}

static long long status_count(const char *text, const char *name)
{
	const char *p = strstr(text, name);
	long long v;

	return p && sscanf(p + strlen(name), " %lld", &v) == 1 ? v : -1;
}

/* An application thread's context switches, from its status (kept open live: read every sample). */
static void read_switches(const struct sysroot *sr, const struct watch_ctx *ctx, const char *tdir, struct watch_task *t)
{
	char path[96], text[4096];

	snprintf(path, sizeof(path), "%s/status", tdir);
	if (read_kept(sr, ctx, &t->status_fd, path, text, sizeof(text)) < 0)
		return;
	/* "\n" first: "nonvoluntary_ctxt_switches" holds the other name. */
	t->nvcsw = status_count(text, "\nvoluntary_ctxt_switches:");
	t->nivcsw = status_count(text, "\nnonvoluntary_ctxt_switches:");
}

static int by_tid(const void *a, const void *b)
{
	const struct watch_task *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

static void hand_over(int *to, int *from)
{
	*to = *from;
	*from = -1;
}

static const char *task_dir(char *buf, size_t size, pid_t pid, pid_t tid)
{
	snprintf(buf, size, "/proc/%d/task/%d", (int)pid, (int)tid);
	return buf;
}

/* One thread: its stat through the file prev kept for it, else its path. Left out when gone. */
static void add_task(const struct sysroot *sr, const struct watch_ctx *ctx, struct watch_sample *s,
		     struct watch_sample *prev, pid_t pid, pid_t tid, size_t *cap)
{
	const struct watch_task *old = find_task(prev, tid);
	struct watch_task t = { .pid = pid, .tid = tid, .fd = -1, .status_fd = -1, .nvcsw = -1, .nivcsw = -1 };
	char tdir[64], path[80], text[1024];
	ssize_t n;

	if (old)
		hand_over(&t.fd, &prev->task[old - prev->task].fd);
	if ((n = reread_kept(&t.fd, text, sizeof(text))) < 0) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
		n = read_kept(sr, ctx, &t.fd, path, text, sizeof(text));
	}
	if (n <= 0 || !parse_stat(text, &t)) {
		close_kept(&t.fd);
		return;	/* gone since the listing */
	}
	if (old && !strcmp(old->comm, t.comm))
		t.allowed_iso = old->allowed_iso;
	else if (!t.kthread)
		t.allowed_iso = allowed_on_isolated(sr, ctx, task_dir(tdir, sizeof(tdir), pid, tid));
	if (ctx->app && pid == ctx->app) {
		t.app = true;
		if (old)
			hand_over(&t.status_fd, &prev->task[old - prev->task].status_fd);
		read_switches(sr, ctx, task_dir(tdir, sizeof(tdir), pid, tid), &t);
	}
	/* The first sample cannot tell what ran: it is the baseline. */
	if (prev)
		t.ran = !old || strcmp(old->comm, t.comm) || old->processor != t.processor || t.cputime > old->cputime;
	if (s->ntask == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		s->task = xrealloc(s->task, *cap * sizeof(*s->task));
	}
	s->task[s->ntask++] = t;
}

/*
 * Live, every new thread takes a new pid number, so an unchanged ns_last_pid says the threads are
 * those of the previous sample, less the ones gone: no directory need be listed. In a tree, always listed.
 */
static bool no_thread_started(const struct sysroot *sr, const struct watch_ctx *ctx, struct watch_sample *s,
			      struct watch_sample *prev)
{
	char buf[32], *end;
	long v;

	if (!ctx->keep_open)
		return false;
	if (prev)
		hand_over(&s->fd_last_pid, &prev->fd_last_pid);
	if (read_kept(sr, ctx, &s->fd_last_pid, "/proc/sys/kernel/ns_last_pid", buf, sizeof(buf)) <= 0)
		return false;
	v = strtol(buf, &end, 10);
	if (end == buf || v < 0)
		return false;
	s->last_pid = v;
	return prev && prev->last_pid == v;
}

static void read_tasks(const struct sysroot *sr, const struct watch_ctx *ctx, struct watch_sample *s,
		       struct watch_sample *prev)
{
	struct dirlist procs;
	size_t cap = 0;

	if (no_thread_started(sr, ctx, s, prev)) {
		for (size_t i = 0; i < prev->ntask; i++)
			add_task(sr, ctx, s, prev, prev->task[i].pid, prev->task[i].tid, &cap);
		return;	/* in tid order already */
	}
	if (sysroot_list(sr, "/proc", &procs) < 0)
		return;
	for (size_t i = 0; i < procs.n; i++) {
		const struct watch_task *old;
		struct dirlist tasks;
		bool leader_read = false;
		char dir[64];
		pid_t pid;

		if (!all_digits(procs.names[i]) || strlen(procs.names[i]) > 9)
			continue;
		pid = (pid_t)atol(procs.names[i]);
		/* Live, a process that had one thread and still has: its leader is all there is, no listing. */
		old = ctx->keep_open ? find_task(prev, pid) : NULL;
		if (old && old->threads == 1) {
			size_t before = s->ntask;

			add_task(sr, ctx, s, prev, pid, pid, &cap);
			if (s->ntask == before || s->task[before].threads == 1)
				continue;
			leader_read = true;
		}
		snprintf(dir, sizeof(dir), "/proc/%s/task", procs.names[i]);
		if (sysroot_list(sr, dir, &tasks) < 0)
			continue;
		for (size_t j = 0; j < tasks.n; j++) {
			pid_t tid = (pid_t)atol(tasks.names[j]);

			if (all_digits(tasks.names[j]) && strlen(tasks.names[j]) <= 9 && !(leader_read && tid == pid))
				add_task(sr, ctx, s, prev, pid, tid, &cap);
		}
		dirlist_free(&tasks);
	}
	dirlist_free(&procs);
	if (s->ntask)
		qsort(s->task, s->ntask, sizeof(*s->task), by_tid);
}

static void copy_word(char *out, size_t size, const char *in)
{
	size_t n = strlen(in);

	if (n >= size)
		n = size - 1;
	memcpy(out, in, n);
	out[n] = '\0';
}

/* "always [madvise] never" -> "madvise"; a file of one word is that word. */
static void read_selected(const struct sysroot *sr, const struct watch_ctx *ctx, int *fd, const char *path, char *out,
			  size_t size)
{
	char buf[256], *l, *r;

	out[0] = '\0';
	if (read_kept(sr, ctx, fd, path, buf, sizeof(buf)) < 0)
		return;
	buf[strcspn(buf, "\n")] = '\0';
	l = strchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	if (l && r) {
		*r = '\0';
		copy_word(out, size, l + 1);
	} else {
		copy_word(out, size, buf + strspn(buf, " \t"));
	}
}

/* softnet_stat of a 512-cpu host is about 60 KB. */
#define SPIKE_TEXT_CAP (1u << 20)

static void read_spikes(const struct sysroot *sr, const struct watch_ctx *ctx, struct watch_sample *s,
			struct watch_sample *prev)
{
	size_t n = ctx->spikes ? ctx->spikes->n : 0;
	char *text;

	if (!n)
		return;
	text = xmalloc(SPIKE_TEXT_CAP);
	s->spike_fds = xmalloc(n * sizeof(*s->spike_fds));
	s->nspike_fds = n;
	for (size_t i = 0; i < n; i++) {
		s->spike_fds[i] = -1;
		if (prev && prev->spike_fds)
			hand_over(&s->spike_fds[i], &prev->spike_fds[i]);
		if (!spike_source_is_file(sr, &ctx->spikes->src[i])) {
			char *answer;

			/* An ioctl or an MSR: asked afresh each time, nothing to keep. */
			if (spike_read_source(sr, &ctx->spikes->src[i], &answer) == 0) {
				spike_parse(&ctx->spikes->src[i], (unsigned)i, answer, &s->spikes);
				free(answer);
			}
		} else if (read_kept(sr, ctx, &s->spike_fds[i], ctx->spikes->src[i].path, text, SPIKE_TEXT_CAP) >= 0) {
			spike_parse(&ctx->spikes->src[i], (unsigned)i, text, &s->spikes);
		}
	}
	free(text);
}

static long long stat_of(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/*
 * The application's ports through its telemetry: the list and names once (from prev after), the stats every
 * sample. Only listing and stats commands: telemetry is read, never told anything.
 */
static void read_ports(const struct watch_ctx *ctx, struct watch_sample *s, const struct watch_sample *prev)
{
	json_t *v;
	int rc;

	if (!ctx->telemetry)
		return;
	if (prev && prev->ports_read) {
		s->port = xcalloc(prev->nport + 1, sizeof(*s->port));
		for (size_t i = 0; i < prev->nport; i++)
			s->port[s->nport++] = (struct watch_port){ .port = prev->port[i].port };
		for (size_t i = 0; i < s->nport; i++)
			memcpy(s->port[i].name, prev->port[i].name, sizeof(s->port[i].name));
	} else {
		json_t *list = telemetry_query(ctx->telemetry, "/ethdev/list", &rc);
		size_t i;

		if (!json_is_array(list)) {
			json_decref(list);
			return;
		}
		s->port = xcalloc(json_array_size(list) + 1, sizeof(*s->port));
		json_array_foreach(list, i, v) {
			struct watch_port *p = &s->port[s->nport];
			char cmd[48];
			json_t *info, *name;

			if (!json_is_integer(v))
				continue;
			p->port = (int)json_integer_value(v);
			snprintf(cmd, sizeof(cmd), "/ethdev/info,%d", p->port);
			if ((info = telemetry_query(ctx->telemetry, cmd, &rc))) {
				name = json_object_get(info, "name");
				if (json_is_string(name))
					snprintf(p->name, sizeof(p->name), "%s", json_string_value(name));
				json_decref(info);
			}
			s->nport++;
		}
		json_decref(list);
	}
	for (size_t i = 0; i < s->nport; i++) {
		char cmd[48];

		snprintf(cmd, sizeof(cmd), "/ethdev/stats,%d", s->port[i].port);
		if (!(v = telemetry_query(ctx->telemetry, cmd, &rc)))
			return;	/* the app went away or stopped answering: no port compared this time */
		s->port[i].imissed = stat_of(v, "imissed");
		s->port[i].rx_nombuf = stat_of(v, "rx_nombuf");
		json_decref(v);
	}
	s->ports_read = true;
}

int watch_sample_take(struct watch_sample *s, const struct sysroot *sr, const struct watch_ctx *ctx,
		      struct watch_sample *prev)
{
	int rc, cpu;

	memset(s, 0, sizeof(*s));
	s->last_pid = -1;
	s->fd_interrupts = s->fd_softirqs = s->fd_thp = s->fd_ksm = s->fd_last_pid = -1;
	if (prev) {
		hand_over(&s->fd_interrupts, &prev->fd_interrupts);
		hand_over(&s->fd_softirqs, &prev->fd_softirqs);
		hand_over(&s->fd_thp, &prev->fd_thp);
		hand_over(&s->fd_ksm, &prev->fd_ksm);
	}
	s->iso = xcalloc((size_t)cpuset_count(&ctx->isolated) + 1, sizeof(*s->iso));
	cpuset_for_each(cpu, &ctx->isolated)
		s->iso[s->niso++] = cpu;
	s->irq_tab = table_from(prev ? prev->irq_tab : NULL, prev ? prev->irq_gen : 0, prev ? prev->irq : NULL,
				prev ? prev->nirq : 0, s->niso);
	s->soft_tab = table_from(prev ? prev->soft_tab : NULL, prev ? prev->soft_gen : 0, prev ? prev->soft : NULL,
				 prev ? prev->nsoft : 0, s->niso);
	rc = read_table(sr, ctx, "/proc/interrupts", &s->fd_interrupts, s, true, s->irq_tab, &s->irq, &s->nirq,
			&s->irq_counts, &s->irq_gen);
	s->irqs_read = rc == 0;
	s->softirqs_read = read_table(sr, ctx, "/proc/softirqs", &s->fd_softirqs, s, false, s->soft_tab, &s->soft,
				      &s->nsoft, &s->soft_counts, &s->soft_gen) == 0;
	read_affinities(sr, ctx, s, prev);
	read_tasks(sr, ctx, s, prev);
	read_selected(sr, ctx, &s->fd_thp, "/sys/kernel/mm/transparent_hugepage/enabled", s->thp, sizeof(s->thp));
	read_selected(sr, ctx, &s->fd_ksm, "/sys/kernel/mm/ksm/run", s->ksm, sizeof(s->ksm));
	read_spikes(sr, ctx, s, prev);
	read_ports(ctx, s, prev);
	return rc < 0 ? rc : 0;
}

static void free_rows(struct watch_row *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close_kept(&r[i].affinity_fd);
	free(r);
}

void watch_sample_free(struct watch_sample *s)
{
	free_rows(s->irq, s->nirq);
	free_rows(s->soft, s->nsoft);
	for (size_t i = 0; i < s->ntask; i++) {
		close_kept(&s->task[i].fd);
		close_kept(&s->task[i].status_fd);
	}
	free(s->port);
	close_kept(&s->fd_interrupts);
	close_kept(&s->fd_softirqs);
	close_kept(&s->fd_thp);
	close_kept(&s->fd_ksm);
	close_kept(&s->fd_last_pid);
	for (size_t i = 0; s->spike_fds && i < s->nspike_fds; i++)
		close_kept(&s->spike_fds[i]);
	free(s->spike_fds);
	spike_values_free(&s->spikes);
	free(s->irq_counts);
	free(s->soft_counts);
	table_unref(s->irq_tab);
	table_unref(s->soft_tab);
	free(s->task);
	free(s->iso);
	memset(s, 0, sizeof(*s));
	s->fd_interrupts = s->fd_softirqs = s->fd_thp = s->fd_ksm = s->fd_last_pid = -1;
}

struct emit {
	const struct watch_ctx *ctx;
	void (*fn)(void *arg, const struct watch_event *e);
	void *arg;
};

static void emit_counter(const struct emit *em, enum watch_kind kind, int cpu, uint64_t n, const struct watch_row *r,
			 const struct why *w)
{
	struct watch_event e = { .kind = kind, .cpu = cpu, .count = n };
	const char *hk = em->ctx->housekeeping;

	if (kind == WK_IRQ) {
		snprintf(e.what, sizeof(e.what), "irq %s (%s): %llu interrupts", r->key, r->name, (unsigned long long)n);
		snprintf(e.cause, sizeof(e.cause), "its affinity (smp_affinity_list '%s') lets it fire on cpu %d",
			 r->affinity[0] ? r->affinity : "?", cpu);
		snprintf(e.fix, sizeof(e.fix), "echo %s > /proc/irq/%s/smp_affinity_list ([irq] nic_irqs_local = yes, "
			 "irqaffinity = yes)", hk, r->key);
	} else {
		snprintf(e.what, sizeof(e.what), "%s%s: %llu (%s)", kind == WK_SOFTIRQ ? "softirq " : "", r->key,
			 (unsigned long long)n, kind == WK_SOFTIRQ ? "softirqs" : r->name);
		if (kind == WK_TICK) {
			snprintf(e.cause, sizeof(e.cause), "the tick came back on a nohz_full cpu: a second runnable thread, "
				 "a timer armed there, or RCU or workqueue work");
			snprintf(e.fix, sizeof(e.fix), "leave one runnable thread on the cpu (see the task events; "
				 "tickready audit --only tasks)");
		} else if (w) {
			snprintf(e.cause, sizeof(e.cause), "%s", w->cause);
			/* The fixes that name cpus take the housekeeping list. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			snprintf(e.fix, sizeof(e.fix), w->fix, hk);
#pragma GCC diagnostic pop
		} else {
			snprintf(e.cause, sizeof(e.cause), "%s on the cpu", r->name);
			snprintf(e.fix, sizeof(e.fix), "see tickready-watch(8) for '%s'", r->key);
		}
	}
	em->fn(em->arg, &e);
}

/* A row and its previous self (NULL: new since the last sample, a device's first IRQ, counted from zero). */
struct row_pair {
	const struct watch_row *r, *o;
};

/* The rows whose counts on some watched cpu changed: the rest need no look per cpu. */
static size_t changed_rows(const struct watch_row *rows, size_t n, const struct watch_row *old_rows, size_t old_n,
			   int niso, struct row_pair *out)
{
	size_t m = 0;

	for (size_t k = 0; k < n; k++) {
		const struct watch_row *o = find_row(old_rows, old_n, k, rows[k].key);

		/* A row the read found unchanged shares its counts with the previous sample's: no compare. */
		if (!o || (rows[k].count != o->count && memcmp(rows[k].count, o->count, (size_t)niso * sizeof(*o->count))))
			out[m++] = (struct row_pair){ &rows[k], o };
	}
	return m;
}

static void diff_rows(const struct emit *em, const struct row_pair *rows, size_t n, int cpu, int i, bool irqs)
{
	for (size_t k = 0; k < n; k++) {
		const struct watch_row *r = rows[k].r, *o = rows[k].o;
		uint64_t d = o ? (r->count[i] >= o->count[i] ? r->count[i] - o->count[i] : 0) : r->count[i];

		if (!d)
			continue;
		if (!irqs) {
			emit_counter(em, WK_SOFTIRQ, cpu, d, r, why_of(softirq_why, ARRAY_SIZE(softirq_why), r->key));
		} else if (all_digits(r->key)) {
			emit_counter(em, WK_IRQ, cpu, d, r, NULL);
		} else if (!strcmp(r->key, "LOC")) {
			/* Only where the tick should stop; nohz_full keeps one a second, so allow 2. */
			if (cpuset_has(&em->ctx->nohz_full, cpu) && d > 2)
				emit_counter(em, WK_TICK, cpu, d, r, NULL);
		} else {
			emit_counter(em, WK_IPI, cpu, d, r, why_of(ipi_why, ARRAY_SIZE(ipi_why), r->key));
		}
	}
}

/* As the tasks check reads [tasks] allowed: comma-separated fnmatch patterns. */
static bool name_allowed(const struct watch_ctx *ctx, const char *comm)
{
	char word[64];

	for (const char *s = ctx->allowed; s && *s;) {
		size_t n;

		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		n = strcspn(s, ",");
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (n && n < sizeof(word)) {
			memcpy(word, s, n);
			word[n] = '\0';
			if (!fnmatch(word, comm, 0))
				return true;
		}
		s += n;
		while (*s && *s != ',')
			s++;
	}
	return false;
}

static void diff_tasks(const struct emit *em, const struct watch_sample *prev, const struct watch_sample *cur)
{
	const struct watch_ctx *ctx = em->ctx;

	for (size_t i = 0; i < cur->ntask; i++) {
		const struct watch_task *t = &cur->task[i], *o = find_task(prev, t->tid);
		struct watch_event e = { .kind = WK_TASK, .count = 1, .pid = t->pid };
		bool fresh = !o || strcmp(o->comm, t->comm);
		bool on_iso = cpuset_has(&ctx->isolated, t->processor);

		if (t->kthread || t->pid == ctx->self || t->app || name_allowed(ctx, t->comm))
			continue;
		snprintf(e.comm, sizeof(e.comm), "%s", t->comm);
		/* Ran there in this interval; a thread that stays there busy is one event, not one an interval. */
		if (on_iso && t->ran && !(!fresh && o->ran && o->processor == t->processor)) {
			e.cpu = t->processor;
			snprintf(e.what, sizeof(e.what), "thread %d (%s) of pid %d ran on cpu %d", (int)t->tid, t->comm,
				 (int)t->pid, t->processor);
			snprintf(e.cause, sizeof(e.cause), "pid %d (%s) is allowed on isolated cpus and is not named in "
				 "[tasks] allowed", (int)t->pid, t->comm);
			snprintf(e.fix, sizeof(e.fix), "taskset -apc %s %d, or CPUAffinity=%s for its service ([tasks] "
				 "systemd_affinity = yes)", ctx->housekeeping, (int)t->pid, ctx->housekeeping);
			em->fn(em->arg, &e);
		} else if (fresh && t->allowed_iso) {
			e.cpu = -1;
			snprintf(e.what, sizeof(e.what), "thread %d (%s) of pid %d started, allowed on isolated cpus",
				 (int)t->tid, t->comm, (int)t->pid);
			snprintf(e.cause, sizeof(e.cause), "pid %d (%s) was started without a housekeeping affinity", (int)t->pid,
				 t->comm);
			snprintf(e.fix, sizeof(e.fix), "taskset -apc %s %d, or CPUAffinity=%s for its service ([tasks] "
				 "systemd_affinity = yes)", ctx->housekeeping, (int)t->pid, ctx->housekeeping);
			em->fn(em->arg, &e);
		}
	}
}

static void diff_services(const struct emit *em, const struct watch_sample *prev, const struct watch_sample *cur)
{
	for (size_t i = 0; i < cur->ntask; i++) {
		const struct watch_task *t = &cur->task[i], *o;
		const struct why *w;
		struct watch_event e = { .kind = WK_SERVICE, .cpu = -1, .count = 1, .pid = t->pid };

		if (t->tid != t->pid || !(w = why_of(service_why, ARRAY_SIZE(service_why), t->comm)))
			continue;
		o = find_task(prev, t->tid);
		if (o && !strcmp(o->comm, t->comm))
			continue;
		snprintf(e.comm, sizeof(e.comm), "%s", t->comm);
		snprintf(e.what, sizeof(e.what), "%s started (pid %d)", t->comm, (int)t->pid);
		snprintf(e.cause, sizeof(e.cause), "%s", w->cause);
		snprintf(e.fix, sizeof(e.fix), "%s", w->fix);
		em->fn(em->arg, &e);
	}
}

static void diff_affinities(const struct emit *em, const struct watch_sample *prev, const struct watch_sample *cur)
{
	for (size_t k = 0; k < cur->nirq; k++) {
		const struct watch_row *r = &cur->irq[k], *o = find_row(prev->irq, prev->nirq, k, r->key);
		struct cpuset now, before, added;
		struct watch_event e = { .kind = WK_AFFINITY, .count = 1 };

		if (!o || !all_digits(r->key) || !strcmp(r->affinity, o->affinity) || cpuset_parse(&now, r->affinity) < 0)
			continue;
		if (cpuset_parse(&before, o->affinity) < 0)
			cpuset_zero(&before);
		cpuset_andnot(&added, &now, &before);
		cpuset_and(&added, &added, &em->ctx->isolated);
		if (cpuset_empty(&added))
			continue;
		e.cpu = cpuset_next(&added, 0);
		snprintf(e.what, sizeof(e.what), "irq %s (%s) affinity '%s' -> '%s': now allowed on isolated cpu %d", r->key,
			 r->name, o->affinity, r->affinity, e.cpu);
		snprintf(e.cause, sizeof(e.cause), "something rewrote /proc/irq/%s/smp_affinity_list: irqbalance, a driver "
			 "reset or a daemon restart re-spreading its queues", r->key);
		snprintf(e.fix, sizeof(e.fix), "echo %s > /proc/irq/%s/smp_affinity_list ([irq] nic_irqs_local = yes)",
			 em->ctx->housekeeping, r->key);
		em->fn(em->arg, &e);
	}
}

static void diff_switch(const struct emit *em, const char *name, const char *before, const char *now,
			const char *fix)
{
	struct watch_event e = { .kind = WK_SWITCH, .cpu = -1, .count = 1 };

	if (!strcmp(before, now))
		return;
	snprintf(e.what, sizeof(e.what), "%s '%s' -> '%s'", name, before[0] ? before : "?", now[0] ? now : "?");
	snprintf(e.cause, sizeof(e.cause), "a package update, a tuned profile or a script wrote it");
	snprintf(e.fix, sizeof(e.fix), "%s", fix);
	em->fn(em->arg, &e);
}

/* A counter that grew; one first seen now (a source that appeared) is its own baseline. */
static void diff_spikes(const struct emit *em, const struct watch_sample *prev, const struct watch_sample *cur)
{
	for (size_t i = 0; i < cur->spikes.n; i++) {
		const struct spike_value *v = &cur->spikes.v[i], *o = spike_find(&prev->spikes, v, i);
		const struct spike_kind_info *k = &spike_kinds[v->kind];
		const char *where = em->ctx->spikes->src[v->src].where;
		struct watch_event e = { .kind = WK_COUNTER, .cpu = v->cpu };
		char place[80] = "";

		if (!o || v->value <= o->value)
			continue;
		e.count = v->value - o->value;
		if (v->cpu >= 0)
			snprintf(place, sizeof(place), " on cpu %d", v->cpu);
		else if (where[0])
			snprintf(place, sizeof(place), " on %s", where);
		snprintf(e.what, sizeof(e.what), "%s%s: +%llu (%llu since boot)", k->name, place,
			 (unsigned long long)e.count, (unsigned long long)v->value);
		snprintf(e.cause, sizeof(e.cause), "%s", k->meaning);
		snprintf(e.fix, sizeof(e.fix), "%s", k->fix);
		em->fn(em->arg, &e);
	}
}

/* The application's threads switched out on an isolated cpu: a polling thread should never be. */
static void diff_app_switches(const struct emit *em, const struct watch_sample *prev, const struct watch_sample *cur)
{
	for (size_t i = 0; i < cur->ntask; i++) {
		const struct watch_task *t = &cur->task[i], *o = find_task(prev, t->tid);
		struct watch_event e = { .kind = WK_APP_SWITCH, .cpu = t->processor, .pid = t->pid };
		long long inv, vol;

		if (!t->app || !o || strcmp(o->comm, t->comm) || !cpuset_has(&em->ctx->isolated, t->processor) ||
		    t->nvcsw < 0 || t->nivcsw < 0 || o->nvcsw < 0 || o->nivcsw < 0)
			continue;
		inv = t->nivcsw > o->nivcsw ? t->nivcsw - o->nivcsw : 0;
		vol = t->nvcsw > o->nvcsw ? t->nvcsw - o->nvcsw : 0;
		if (!inv && !vol)
			continue;
		e.count = (uint64_t)(inv + vol);
		snprintf(e.comm, sizeof(e.comm), "%s", t->comm);
		snprintf(e.what, sizeof(e.what), "thread %d (%s) of the application switched out on cpu %d: %lld involuntary, "
			 "%lld voluntary", (int)t->tid, t->comm, t->processor, inv, vol);
		snprintf(e.cause, sizeof(e.cause), "%s", inv ? "preempted: another runnable thread or kernel work took its cpu "
			 "(see the task, irq and softirq events)" : "it blocked or slept: a system call, a lock or a page "
			 "fault (a polling loop never blocks)");
		snprintf(e.fix, sizeof(e.fix), "%s", APP_SWITCH_FIX);
		em->fn(em->arg, &e);
	}
}

static void port_event(const struct emit *em, const struct watch_port *p, const char *name, long long now,
		       long long before, const char *why, const char *fix)
{
	struct watch_event e = { .kind = WK_APP_PORT, .cpu = -1 };

	if (now < 0 || before < 0 || now <= before)
		return;
	e.count = (uint64_t)(now - before);
	snprintf(e.what, sizeof(e.what), "port %d%s%s%s of the application: %s +%llu (%lld since it started)", p->port,
		 p->name[0] ? " (" : "", p->name, p->name[0] ? ")" : "", name, (unsigned long long)e.count, now);
	snprintf(e.cause, sizeof(e.cause), "%s", why);
	snprintf(e.fix, sizeof(e.fix), "%s", fix);
	em->fn(em->arg, &e);
}

static void diff_app_ports(const struct emit *em, const struct watch_sample *prev, const struct watch_sample *cur)
{
	if (!prev->ports_read || !cur->ports_read)
		return;
	for (size_t i = 0; i < cur->nport; i++) {
		const struct watch_port *p = &cur->port[i], *o = NULL;

		for (size_t j = 0; j < prev->nport && !o; j++)
			if (prev->port[j].port == p->port)
				o = &prev->port[j];
		if (!o)
			continue;
		port_event(em, p, "imissed", p->imissed, o->imissed, APP_IMISSED_WHY, APP_IMISSED_FIX);
		port_event(em, p, "rx_nombuf", p->rx_nombuf, o->rx_nombuf, APP_RX_NOMBUF_WHY, APP_RX_NOMBUF_FIX);
	}
}

void watch_diff(const struct watch_ctx *ctx, const struct watch_sample *prev, const struct watch_sample *cur,
		void (*fn)(void *arg, const struct watch_event *e), void *arg)
{
	const struct emit em = { ctx, fn, arg };
	struct row_pair *irqs = xcalloc(cur->nirq + 1, sizeof(*irqs)), *softs = xcalloc(cur->nsoft + 1, sizeof(*softs));
	size_t nirq = 0, nsoft = 0;

	/* Both samples watch the same cpus (one ctx): a row's counts compare whole. */
	if (prev->irqs_read && cur->irqs_read && prev->niso == cur->niso)
		nirq = changed_rows(cur->irq, cur->nirq, prev->irq, prev->nirq, cur->niso, irqs);
	if (prev->softirqs_read && cur->softirqs_read && prev->niso == cur->niso)
		nsoft = changed_rows(cur->soft, cur->nsoft, prev->soft, prev->nsoft, cur->niso, softs);
	for (int i = 0; i < cur->niso; i++) {
		diff_rows(&em, irqs, nirq, cur->iso[i], i, true);
		diff_rows(&em, softs, nsoft, cur->iso[i], i, false);
	}
	free(irqs);
	free(softs);
	diff_tasks(&em, prev, cur);
	diff_affinities(&em, prev, cur);
	diff_services(&em, prev, cur);
	diff_switch(&em, "THP (/sys/kernel/mm/transparent_hugepage/enabled)", prev->thp, cur->thp,
		    "echo never > /sys/kernel/mm/transparent_hugepage/enabled ([memory] thp = never)");
	diff_switch(&em, "KSM (/sys/kernel/mm/ksm/run)", prev->ksm, cur->ksm,
		    "echo 0 > /sys/kernel/mm/ksm/run ([memory] ksm = off)");
	diff_spikes(&em, prev, cur);
	diff_app_switches(&em, prev, cur);
	diff_app_ports(&em, prev, cur);
}

int watch_until(const char *hhmm, time_t now, time_t *deadline)
{
	int hour = 0, minute = 0, n = 0;
	const char *p = hhmm;
	struct tm tm;
	time_t at;

	while (isdigit((unsigned char)*p) && n < 2)
		hour = hour * 10 + (*p++ - '0'), n++;
	if (!n || *p++ != ':' || !isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || p[2])
		return -EINVAL;
	minute = (p[0] - '0') * 10 + (p[1] - '0');
	if (hour > 23 || minute > 59)
		return -EINVAL;
	if (!localtime_r(&now, &tm))
		return -EINVAL;
	for (int day = 0; day < 3; day++) {
		struct tm want = tm;

		want.tm_mday += day;
		want.tm_hour = hour;
		want.tm_min = minute;
		want.tm_sec = 0;
		want.tm_isdst = -1;	/* whatever DST says on that day */
		at = mktime(&want);
		if (at != (time_t)-1 && at > now) {
			*deadline = at;
			return 0;
		}
	}
	return -EINVAL;
}
