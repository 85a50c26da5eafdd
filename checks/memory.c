/* Memory checks: hugepages on the NIC's node, hugetlbfs mounts, stale hugepage files, THP, NUMA balancing, swap. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "tuners.h"
#include "util.h"

#define NODE_DIR "/sys/devices/system/node"
#define POOL_DIR "/sys/kernel/mm/hugepages"
#define THP_DIR "/sys/kernel/mm/transparent_hugepage"
#define NUMA_BALANCING "/proc/sys/kernel/numa_balancing"
#define SWAPS "/proc/swaps"
#define SWAPPINESS "/proc/sys/vm/swappiness"
/* A maps file bigger than this is skipped (and counted as unread): DPDK's are far smaller. */
#define MAPS_CAP (4u << 20)
#define STALE_SHOWN 5

/* ---- memory.hugepages ---- */

/* The other pool sizes the kernel offers, for a message: "2048kB". */
static void pool_sizes(const struct host *h, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < h->npools && len + 1 < size; i++) {
		char s[32];

		len += snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
				format_size_kb(h->pools[i].size_kb, s, sizeof(s)));
	}
	if (!buf[0])
		snprintf(buf, size, "none");
}

/* The size has no pool at all: runtime writes cannot help, only the boot line (or another size). */
static void hugepages_no_pool(const struct check_ctx *ctx, struct finding *f, const char *where, long want)
{
	bool gig = ctx->prof->hugepage_kb == 1048576;
	bool no_gb = gig && !(ctx->host->cpu_flags & CPUF_PDPE1GB);
	char size[32], human[16], offered[128];

	format_size_kb(ctx->prof->hugepage_kb, size, sizeof(size));
	format_size_human(ctx->prof->hugepage_kb, human, sizeof(human));
	pool_sizes(ctx->host, offered, sizeof(offered));
	finding_fail(f, "%s has no hugepages-%s pool (pools the kernel offers: %s)%s", where, size, offered,
		     no_gb ? "; 1G pages need the pdpe1gb cpu flag, which this cpu lacks" : "");
	if (no_gb) {
		finding_remedy(f, "set [memory] hugepage_size = 2M (this cpu cannot map 1G pages)");
		return;
	}
	finding_remedy(f, "add 'hugepagesz=%s hugepages=%d:%ld' to the kernel command line",
		       human, ctx->prof->nic_node, want);
	f->needs_reboot = true;
}

static void run_hugepages(const struct check_ctx *ctx, struct finding *f)
{
	const struct host *h = ctx->host;
	const struct profile *p = ctx->prof;
	const struct hugepool *pool, *total;
	char size[32], human[16], where[32], other[96] = "", path[160];
	int node = p->nic_node;
	long want, held;

	if (!p->hugepage_kb || profile_long(p, PK_HUGEPAGES, &want) < 0) {
		finding_skip(f, "profile does not ask for memory.hugepage_size and memory.hugepages");
		return;
	}
	format_size_kb(p->hugepage_kb, size, sizeof(size));
	format_size_human(p->hugepage_kb, human, sizeof(human));
	/* Without NUMA information (CONFIG_NUMA=n or a partial capture) the system-wide pool is the node's. */
	if (!h->nnodes || h->nodes_implicit) {
		if (!h->npools) {
			finding_skip_read(f, NODE_DIR, -ENOENT);
			return;
		}
		node = -1;
		snprintf(where, sizeof(where), "the system");
		snprintf(path, sizeof(path), POOL_DIR "/hugepages-%s/nr_hugepages", size);
	} else {
		if (!host_node(h, node)) {
			finding_skip(f, "the NIC's node %d is not among the host's NUMA nodes", node);
			return;
		}
		snprintf(where, sizeof(where), "node %d", node);
		snprintf(path, sizeof(path), NODE_DIR "/node%d/hugepages/hugepages-%s/nr_hugepages", node, size);
	}
	finding_expected(f, "at least %ld x %s hugepages reserved and free on %s%s", want, human, where,
			 node < 0 ? " (no NUMA nodes known)" : " (the NIC's node)");
	pool = host_pool(h, node, p->hugepage_kb);
	if (!pool) {
		hugepages_no_pool(ctx, f, where, want);
		return;
	}
	if (pool->nr < 0) {
		long v;
		int rc = sysroot_read_long(ctx->sr, path, &v);

		finding_skip_bad(f, ctx->sr, path, rc < 0 ? rc : -EINVAL);
		return;
	}
	total = node >= 0 ? host_pool(h, -1, p->hugepage_kb) : NULL;
	if (total && total->nr > pool->nr)
		snprintf(other, sizeof(other), "; %ld more on other nodes, which DPDK cannot use for this NIC",
			 total->nr - pool->nr);
	/* DPDK allocates from the free pages: reserved pages that files or processes hold do not start it. */
	held = pool->free >= 0 && pool->free <= pool->nr ? pool->nr - pool->free : 0;
	if (pool->nr - held >= want) {
		finding_pass(f, "%s: %ld x %s reserved, %ld free%s", where, pool->nr, human, pool->free, other);
		return;
	}
	if (pool->nr >= want)
		finding_fail(f, "%s: %ld x %s reserved, %ld free, %ld short of the %ld a new DPDK start needs%s "
			     "(files in a hugetlbfs mount or a running process hold the rest)", where, pool->nr, human,
			     pool->free, want - pool->free, want, other);
	else
		finding_fail(f, "%s: %ld x %s reserved, %ld free%s", where, pool->nr, human, pool->free, other);
	if (held)
		finding_remedy(f, "remove stale files from the hugetlbfs mounts (the stale hugepage files check names them), or reserve more: echo %ld > %s",
			       want + held, path);
	else if (p->hugepage_kb == 1048576)
		finding_remedy(f, "echo %ld > %s (if fragmented memory leaves it short, boot with "
			       "'hugepagesz=1G hugepages=%d:%ld' instead)", want, path, node < 0 ? 0 : node, want);
	else
		finding_remedy(f, "echo %ld > %s", want, path);
}

static unsigned long wanted_size_kb(const struct tune_ctx *ctx)
{
	return ctx->prof->hugepage_kb ? ctx->prof->hugepage_kb : ctx->host->default_hugepage_kb;
}

/* A tree has no kernel to account a new reservation: keep its counters consistent for the audit. */
static void emulate_count(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *path, long delta)
{
	struct change *c;
	char now[32], next[32];
	long v;

	if (ctx->sr->live || sysroot_read_long(ctx->sr, path, &v) < 0)
		return;
	snprintf(now, sizeof(now), "%ld", v);
	snprintf(next, sizeof(next), "%ld\n", v + delta);
	c = plan_add(p, check, CK_WRITE, path, path, now, next);
	if (c) {
		c->tree_only = true;
		c->value[strlen(c->value) - 1] = '\0';
		c->emulate = xstrdup(next);
	}
}

/* Refuses to reserve more than the node's free memory less a margin (5%, at least 256 MiB). */
static void guard_memory(const struct tune_ctx *ctx, struct change *c, int node, long delta, unsigned long kb)
{
	const struct numa_node *n = host_node(ctx->host, node);
	long need = (long)((unsigned long)delta * kb / 1024), margin;

	if (!c || !n || n->free_mib < 0 || delta <= 0)
		return;
	margin = n->memory_mib > 0 ? n->memory_mib / 20 : 0;
	if (margin < 256)
		margin = 256;
	if (need > n->free_mib - margin) {
		c->blocked = xasprintf("reserving %ld MiB on node %d exceeds its free %ld MiB less a %ld MiB margin", need,
				       node, n->free_mib, margin);
		c->force_ok = true;
	}
}

static int plan_hugepages(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	unsigned long kb = wanted_size_kb(ctx);
	int node = ctx->prof->nic_node;
	char path[160], want[32], now[32], gpath[160], fpath[160];
	struct change *c;
	long nr, cur, freep, boot_nr;

	if (!kb || profile_long(ctx->prof, PK_HUGEPAGES, &nr) < 0)
		return 0;
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/hugepages/hugepages-%lukB/nr_hugepages", node, kb);
	if (sysroot_read_long(ctx->sr, path, &cur) < 0) {
		plan_add_manual(p, f, NULL);
		return 0;
	}
	/* Pages held by files or a running process are not free: reserve the shortfall on top. */
	snprintf(fpath, sizeof(fpath), "/sys/devices/system/node/node%d/hugepages/hugepages-%lukB/free_hugepages",
		 node, kb);
	boot_nr = nr;
	if (sysroot_read_long(ctx->sr, fpath, &freep) == 0 && freep >= 0 && freep <= cur && cur + nr - freep > nr)
		nr = cur + nr - freep;
	if (cur >= nr)
		return 0;
	snprintf(want, sizeof(want), "%ld", nr);
	snprintf(now, sizeof(now), "%ld", cur);
	c = plan_add(p, f->check->id, CK_WRITE, path, path, now, want);
	if (!c)
		return 0;
	change_set(&c->shell, "echo %ld > %s", nr, path);
	guard_memory(ctx, c, node, nr - cur, kb);
	/* 1G pages need contiguous gigabytes, which a running host's fragmented memory may lack: reserve them at boot too. */
	if (kb == 1048576) {
		char count[48];

		if (ctx->host->nnodes > 1)
			snprintf(count, sizeof(count), "%d:%ld", node, boot_nr);
		else
			snprintf(count, sizeof(count), "%ld", boot_nr);
		if (tune_cmdline(ctx, p, f->check->id, "hugepagesz", "1G", c->blocked) >= 0)
			tune_cmdline(ctx, p, f->check->id, "hugepages", count, c->blocked);
	}
	if (c->blocked)
		return 0;
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/hugepages/hugepages-%lukB/free_hugepages", node, kb);
	emulate_count(ctx, p, f->check->id, path, nr - cur);
	snprintf(gpath, sizeof(gpath), "/sys/kernel/mm/hugepages/hugepages-%lukB/nr_hugepages", kb);
	emulate_count(ctx, p, f->check->id, gpath, nr - cur);
	snprintf(gpath, sizeof(gpath), "/sys/kernel/mm/hugepages/hugepages-%lukB/free_hugepages", kb);
	emulate_count(ctx, p, f->check->id, gpath, nr - cur);
	return 0;
}

const struct check check_memory_hugepages = {
	.keys = KEYS(PK_HUGEPAGE_SIZE, PK_HUGEPAGES, PK_NIC_INTERFACE),
	.flags = CF_RUNTIME | CF_BOOT | CF_PER_NIC,
	.id = "memory.hugepages", .area = AREA_MEMORY, .title = "hugepages reserved and free on the NIC's node",
	.reads = NODE_DIR "/node*/hugepages/hugepages-*/{nr,free}_hugepages, " POOL_DIR, .run = run_hugepages, .plan = plan_hugepages,
};

/* ---- memory.hugetlbfs ---- */

static void run_hugetlbfs(const struct check_ctx *ctx, struct finding *f)
{
	const struct host *h = ctx->host;
	struct strbuf seen = { 0 };
	char human[16];
	bool want;

	if (!ctx->prof->hugepage_kb || profile_bool(ctx->prof, PK_HUGETLBFS, &want) < 0 || !want) {
		finding_skip(f, "profile does not ask for memory.hugetlbfs");
		return;
	}
	if (ctx->host->mounts_rc < 0) {
		finding_skip_read(f, "/proc/mounts", ctx->host->mounts_rc);
		return;
	}
	format_size_human(ctx->prof->hugepage_kb, human, sizeof(human));
	finding_expected(f, "a hugetlbfs mount with pagesize=%s", human);
	for (size_t i = 0; i < h->nmounts; i++) {
		char s[16];

		if (h->mounts[i].pagesize_kb == ctx->prof->hugepage_kb) {
			finding_pass(f, "hugetlbfs pagesize=%s mounted at %s", human, h->mounts[i].path);
			strbuf_free(&seen);
			return;
		}
		strbuf_addf(&seen, "%s%s (pagesize=%s)", seen.len ? ", " : "", h->mounts[i].path,
			    h->mounts[i].pagesize_kb ? format_size_human(h->mounts[i].pagesize_kb, s, sizeof(s)) : "?");
	}
	finding_fail(f, "no hugetlbfs mount with pagesize=%s; hugetlbfs mounts: %s", human, seen.len ? seen.s : "none");
	finding_remedy(f, "mkdir -p /dev/hugepages-%s && mount -t hugetlbfs -o pagesize=%s nodev /dev/hugepages-%s",
		       human, human, human);
	strbuf_free(&seen);
}

static int plan_hugetlbfs(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	unsigned long kb = wanted_size_kb(ctx);
	char human[16], dir[64], line[160], *fstab = NULL;
	struct change *c;
	bool want;
	size_t len;

	if (!kb || profile_bool(ctx->prof, PK_HUGETLBFS, &want) < 0 || !want)
		return 0;
	for (size_t i = 0; i < ctx->host->nmounts; i++)
		if (ctx->host->mounts[i].pagesize_kb == kb)
			return 0;
	format_size_human(kb, human, sizeof(human));
	snprintf(dir, sizeof(dir), "/dev/hugepages-%s", human);
	if (!sysroot_is_dir(ctx->sr, dir)) {
		tune_parent_dirs(ctx, p, f->check->id, dir);
		c = plan_add(p, f->check->id, CK_MKDIR, dir, dir, NULL, NULL);
		if (c)
			change_set(&c->shell, "mkdir %s", dir);
	}
	c = plan_add(p, f->check->id, CK_MOUNT, dir, dir, NULL, NULL);
	if (c) {
		change_set(&c->value, "pagesize=%s", human);
		change_set(&c->shell, "mount -t hugetlbfs -o pagesize=%s hugetlbfs %s", human, dir);
		c->live_only = true;
	}
	/* Persist it: one fstab line, appended and removed again by revert. */
	snprintf(line, sizeof(line), "hugetlbfs %s hugetlbfs pagesize=%s 0 0\n", dir, human);
	if (tree_read(ctx->sr, "/etc/fstab", &fstab, &len) == 0) {
		if (!strstr(fstab, line)) {
			char *add = xasprintf("%s%s", len && fstab[len - 1] != '\n' ? "\n" : "", line);

			c = plan_add(p, f->check->id, CK_APPEND, "/etc/fstab", "/etc/fstab", NULL, add);
			if (c)
				change_set(&c->shell, "echo '%.*s' >> /etc/fstab", (int)strlen(line) - 1, line);
			free(add);
		}
		free(fstab);
	} else {
		c = plan_add(p, f->check->id, CK_CREATE, "/etc/fstab", "/etc/fstab", NULL, line);
		if (c)
			change_set(&c->shell, "echo '%.*s' > /etc/fstab", (int)strlen(line) - 1, line);
	}
	/* In a tree the kernel's mount table is a file: show the mount there. */
	if (!ctx->sr->live) {
		snprintf(line, sizeof(line), "hugetlbfs %s hugetlbfs rw,relatime,pagesize=%luM 0 0\n", dir, kb / 1024);
		c = plan_add(p, f->check->id, CK_APPEND, "/proc/mounts", "/proc/mounts", NULL, line);
		if (c)
			c->tree_only = true;
	}
	return 0;
}

const struct check check_memory_hugetlbfs = {
	.keys = KEYS(PK_HUGETLBFS, PK_HUGEPAGE_SIZE),
	.flags = CF_RUNTIME,
	.id = "memory.hugetlbfs", .area = AREA_MEMORY, .title = "hugetlbfs mounted for the profile's page size",
	.reads = "/proc/mounts", .run = run_hugetlbfs, .plan = plan_hugetlbfs,
};

/* ---- memory.stale_hugepages ---- */

struct hfiles {
	size_t n, cap;
	char **path;	/* sorted, for bsearch */
	bool *mapped;
	size_t nmapped;
	int unread;	/* maps files that exist but could not be read: their mappings are unknown */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void hfiles_collect(const struct check_ctx *ctx, struct hfiles *hf)
{
	for (size_t m = 0; m < ctx->host->nmounts; m++) {
		const char *dir = ctx->host->mounts[m].path;
		struct dirlist dl;

		if (sysroot_list(ctx->sr, dir, &dl) < 0)
			continue;
		for (size_t i = 0; i < dl.n; i++) {
			char *p = xasprintf("%s%s%s", dir, strcmp(dir, "/") ? "/" : "", dl.names[i]);

			/* DPDK makes plain files; a directory holds no pages by itself. */
			if (sysroot_is_dir(ctx->sr, p)) {
				free(p);
				continue;
			}
			if (hf->n == hf->cap) {
				hf->cap = hf->cap ? hf->cap * 2 : 16;
				hf->path = xrealloc(hf->path, hf->cap * sizeof(*hf->path));
			}
			hf->path[hf->n++] = p;
		}
		dirlist_free(&dl);
	}
	if (hf->n)
		qsort(hf->path, hf->n, sizeof(*hf->path), cmp_str);
	hf->mapped = xcalloc(hf->n ? hf->n : 1, sizeof(*hf->mapped));
}

/* Marks the hugetlbfs files one maps text refers to. */
static void hfiles_mark(struct hfiles *hf, char *text)
{
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *path = strchr(l, '/'), **hit;
		size_t len;

		if (!path)
			continue;
		len = strlen(path);
		if (len > 10 && !strcmp(path + len - 10, " (deleted)"))
			continue;	/* unlinked: no longer in the mount, not ours to count */
		hit = bsearch(&path, hf->path, hf->n, sizeof(*hf->path), cmp_str);
		if (hit && !hf->mapped[hit - hf->path]) {
			hf->mapped[hit - hf->path] = true;
			hf->nmapped++;
		}
	}
}

/* Reads every process's maps once; stops early when every file is accounted for. */
static void hfiles_scan(const struct check_ctx *ctx, struct hfiles *hf)
{
	struct dirlist pids;

	if (sysroot_list(ctx->sr, "/proc", &pids) < 0) {
		hf->unread = -1;
		return;
	}
	for (size_t i = 0; i < pids.n && hf->nmapped < hf->n; i++) {
		char path[64], *text;
		long pid;
		int rc;

		if (parse_long(pids.names[i], &pid) < 0 || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
		rc = sysroot_read_alloc(ctx->sr, path, MAPS_CAP, &text, NULL);
		if (rc == -ENOENT || rc == -ESRCH)
			continue;	/* the process exited meanwhile */
		if (rc < 0) {
			hf->unread++;
			continue;
		}
		hfiles_mark(hf, text);
		free(text);
	}
	dirlist_free(&pids);
}

static void hfiles_free(struct hfiles *hf)
{
	for (size_t i = 0; i < hf->n; i++)
		free(hf->path[i]);
	free(hf->path);
	free(hf->mapped);
}

static void stale_report(struct finding *f, const struct hfiles *hf)
{
	struct strbuf names = { 0 }, rm = { 0 };
	size_t stale = hf->n - hf->nmapped, shown = 0;

	for (size_t i = 0; i < hf->n && shown < STALE_SHOWN; i++) {
		if (hf->mapped[i])
			continue;
		strbuf_addf(&names, "%s%s", shown ? ", " : "", hf->path[i]);
		strbuf_addf(&rm, " %s", hf->path[i]);
		shown++;
	}
	if (hf->unread) {
		finding_warn(f, "%zu of %zu hugepage files mapped by no readable process: %s%s; %d processes' maps "
			     "could not be read (run as root to be sure)", stale, hf->n, names.s,
			     stale > shown ? ", ..." : "", hf->unread < 0 ? 0 : hf->unread);
	} else {
		finding_fail(f, "%zu of %zu hugepage files mapped by no process: %s%s (they keep their pages "
			     "reserved, and DPDK then reports no free hugepages)", stale, hf->n, names.s,
			     stale > shown ? ", ..." : "");
	}
	finding_remedy(f, "rm%s%s (files no process maps; stop the DPDK app that made them first if unsure)", rm.s,
		       stale > shown ? " ..." : "");
	strbuf_free(&names);
	strbuf_free(&rm);
}

static void run_stale(const struct check_ctx *ctx, struct finding *f)
{
	struct hfiles hf = { 0 };

	if (!ctx->host->nmounts) {
		if (ctx->host->mounts_rc < 0)
			finding_skip_read(f, "/proc/mounts", ctx->host->mounts_rc);
		else
			finding_skip(f, "no hugetlbfs mount");
		return;
	}
	finding_expected(f, "every file in the hugetlbfs mounts mapped by a running process");
	hfiles_collect(ctx, &hf);
	if (!hf.n) {
		finding_pass(f, "no files in the %zu hugetlbfs mounts", ctx->host->nmounts);
		hfiles_free(&hf);
		return;
	}
	hfiles_scan(ctx, &hf);
	if (hf.nmapped == hf.n)
		finding_pass(f, "%zu hugepage files, all mapped by running processes", hf.n);
	else
		stale_report(f, &hf);
	hfiles_free(&hf);
}

const struct check check_memory_stale_hugepages = {
	.keys = KEYS(PK_HUGEPAGE_SIZE),
	.id = "memory.stale_hugepages", .area = AREA_MEMORY, .title = "no stale files in hugetlbfs mounts",
	.reads = "/proc/mounts, hugetlbfs mount directories, /proc/*/maps", .run = run_stale,
};

/* ---- memory.thp ---- */

/* The [selected] word of "always madvise [never]"; -EINVAL when there is none. */
static int read_bracketed(const struct sysroot *sr, const char *path, char *word, size_t size)
{
	char buf[SYSROOT_SMALL];
	const char *lb, *rb;
	int rc = sysroot_read_str(sr, path, buf, sizeof(buf));

	if (rc < 0)
		return rc;
	lb = strchr(buf, '[');
	rb = lb ? strchr(lb, ']') : NULL;
	if (!rb || rb == lb + 1 || (size_t)(rb - lb - 1) >= size || memchr(lb + 1, ' ', rb - lb - 1))
		return -EINVAL;
	snprintf(word, size, "%.*s", (int)(rb - lb - 1), lb + 1);
	return 0;
}

static void run_thp(const struct check_ctx *ctx, struct finding *f)
{
	const char *path = THP_DIR "/enabled";
	const char *want = check_wanted(ctx, f, PK_THP);
	char mode[32], defrag[32];
	int rc;

	if (!want)
		return;
	if ((rc = read_bracketed(ctx->sr, path, mode, sizeof(mode))) < 0) {
		finding_skip_bad(f, ctx->sr, path, rc);
		return;
	}
	if (read_bracketed(ctx->sr, THP_DIR "/defrag", defrag, sizeof(defrag)) < 0)
		snprintf(defrag, sizeof(defrag), "unknown");
	finding_expected(f, "'transparent_hugepage/enabled' = '%s'", want);
	if (!strcmp(mode, want)) {
		finding_pass(f, "'transparent_hugepage/enabled' = '%s' (defrag '%s')", mode, defrag);
		return;
	}
	finding_fail(f, "'transparent_hugepage/enabled' = '%s' (defrag '%s')", mode, defrag);
	finding_remedy(f, "echo %s > %s (at boot: add 'transparent_hugepage=%s' to the kernel command line)", want, path,
		       want);
}

/* "always [madvise] never": the bracketed word is the setting. */
static int bracketed(const char *text, char *out, size_t size)
{
	const char *a = strchr(text, '['), *b = a ? strchr(a, ']') : NULL;

	if (!a || !b || (size_t)(b - a) >= size)
		return -EINVAL;
	snprintf(out, size, "%.*s", (int)(b - a - 1), a + 1);
	return 0;
}

static char *rebracket(const char *text, const char *want)
{
	struct strbuf sb = { 0 };
	char *copy = xstrdup(text), *save = NULL;

	for (char *w = strtok_r(copy, " []\n", &save); w; w = strtok_r(NULL, " []\n", &save))
		strbuf_addf(&sb, sb.len ? (strcmp(w, want) ? " %s" : " [%s]") : (strcmp(w, want) ? "%s" : "[%s]"), w);
	strbuf_add(&sb, "\n");
	free(copy);
	return strbuf_detach(&sb);
}

static int plan_thp(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	static const char path[] = "/sys/kernel/mm/transparent_hugepage/enabled";
	const char *want = profile_str(ctx->prof, PK_THP);
	char text[256], now[32];
	struct change *c;

	if (!want || sysroot_read_str(ctx->sr, path, text, sizeof(text)) < 0 || bracketed(text, now, sizeof(now)) < 0 ||
	    !strcmp(now, want))
		return 0;
	c = plan_add(p, f->check->id, CK_WRITE, path, path, now, want);
	if (c) {
		change_set(&c->shell, "echo %s > %s", want, path);
		c->emulate = rebracket(text, want);
	}
	tune_cmdline(ctx, p, f->check->id, "transparent_hugepage", want, NULL);
	return 0;
}

const struct check check_memory_thp = {
	.keys = KEYS(PK_THP),
	.flags = CF_RUNTIME | CF_BOOT,
	.id = "memory.thp", .area = AREA_MEMORY, .title = "transparent hugepages as the profile says",
	.reads = THP_DIR "/enabled, " THP_DIR "/defrag", .run = run_thp, .plan = plan_thp,
};

/* ---- memory.numa_balancing ---- */

static void run_numa_balancing(const struct check_ctx *ctx, struct finding *f)
{
	long want, have;
	int rc;

	if (profile_long(ctx->prof, PK_NUMA_BALANCING, &want) < 0) {
		finding_skip(f, "profile does not ask for memory.numa_balancing");
		return;
	}
	finding_expected(f, "'kernel.numa_balancing' = '%ld'", want);
	finding_anchors(f, "TuneD cpu-partitioning and OpenShift set 0 (no page migrations or hinting faults under pinned "
			   "threads); the kernel's default 1 suits unpinned workloads");
	rc = sysroot_read_long(ctx->sr, NUMA_BALANCING, &have);
	if (rc == -ENOENT) {
		/* Not a pass: we cannot tell the kernel lacks it from a tree that lacks the file. */
		finding_skip(f, "'%s' is absent: a kernel built without CONFIG_NUMA_BALANCING has nothing to turn off",
			     NUMA_BALANCING);
		return;
	}
	if (rc < 0) {
		finding_skip_bad(f, ctx->sr, NUMA_BALANCING, rc);
		return;
	}
	if (have == want) {
		finding_pass(f, "'kernel.numa_balancing' = '%ld'", have);
		return;
	}
	finding_fail(f, "'kernel.numa_balancing' = '%ld'", have);
	finding_remedy(f, "sysctl -w kernel.numa_balancing=%ld (profile: [memory] numa_balancing = %ld)", want, want);
}

static int plan_numa_balancing(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_NUMA_BALANCING);

	if (want)
		tune_sysctl(ctx, p, f->check->id, "kernel.numa_balancing", want);
	return 0;
}

const struct check check_memory_numa_balancing = {
	.keys = KEYS(PK_NUMA_BALANCING),
	.flags = CF_RUNTIME,
	.id = "memory.numa_balancing", .area = AREA_MEMORY, .title = "automatic NUMA balancing as the profile says",
	.reads = NUMA_BALANCING, .run = run_numa_balancing, .plan = plan_numa_balancing,
};

/* ---- memory.swap ---- */

/* Active swap devices from /proc/swaps: names the first few into sb; returns the count or -errno. */
static int read_swaps(const struct sysroot *sr, struct strbuf *sb)
{
	char *text;
	int rc, n = 0;

	if ((rc = sysroot_read_alloc(sr, SWAPS, 1 << 20, &text, NULL)) < 0)
		return rc;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[64], shown[64];

		if (!strncmp(l, "Filename", 8) || !*trim(l))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(l, " \t"), l);
		check_printable(name, shown, sizeof(shown));
		if (n++ < 4)
			strbuf_addf(sb, "%s%s", n > 1 ? ", " : "", shown);
	}
	free(text);
	if (n > 4)
		strbuf_add(sb, ", ...");
	return n;
}

/* The swap devices part; returns false when the file cannot be read (f then holds the skip). */
static bool judge_swaps(const struct check_ctx *ctx, struct finding *f, const char *want, struct strbuf *obs,
			struct strbuf *fix)
{
	struct strbuf names = { 0 };
	int n = read_swaps(ctx->sr, &names);

	if (n < 0) {
		finding_skip_read(f, SWAPS, n);
		strbuf_free(&names);
		return false;
	}
	if (n)
		strbuf_addf(obs, "%d active swap devices (%s)", n, names.s);
	else
		strbuf_add(obs, "no active swap");
	if (!strcmp(want, "off") && n)
		strbuf_add(fix, "swapoff -a, then comment out the swap lines in /etc/fstab");
	else if (!strcmp(want, "on") && !n)
		strbuf_add(fix, "add a swap device to /etc/fstab, then swapon -a");
	strbuf_free(&names);
	return true;
}

static bool judge_swappiness(const struct check_ctx *ctx, struct finding *f, long want, struct strbuf *obs,
			     struct strbuf *fix)
{
	struct strbuf names = { 0 };
	long have;
	int rc = sysroot_read_long(ctx->sr, SWAPPINESS, &have), active;

	if (rc < 0) {
		finding_skip_bad(f, ctx->sr, SWAPPINESS, rc);
		return false;
	}
	active = read_swaps(ctx->sr, &names);
	strbuf_free(&names);
	strbuf_addf(obs, "%s'vm.swappiness' = '%ld'", obs->len ? ", " : "", have);
	/* Lower swaps less: a host set lower than the profile is at least as good. */
	if (have <= want)
		return true;
	/* With no swap device the kernel has nowhere to swap anonymous pages: swappiness has no effect. */
	if (active == 0)
		strbuf_add(obs, " (no active swap: swappiness has no effect)");
	else
		strbuf_addf(fix, "%ssysctl -w vm.swappiness=%ld", fix->len ? "; " : "", want);
	return true;
}

static void run_swap(const struct check_ctx *ctx, struct finding *f)
{
	const char *want = profile_str(ctx->prof, PK_SWAP);
	struct strbuf obs = { 0 }, fix = { 0 };
	long want_sw = -1;
	bool has_sw = profile_long(ctx->prof, PK_SWAPPINESS, &want_sw) == 0;

	if (!want && !has_sw) {
		finding_skip(f, "profile does not ask for memory.swap or memory.swappiness");
		return;
	}
	if (want && has_sw)
		finding_expected(f, "swap %s, 'vm.swappiness' <= '%ld'", want, want_sw);
	else if (want)
		finding_expected(f, "swap %s", want);
	else
		finding_expected(f, "'vm.swappiness' <= '%ld'", want_sw);
	if ((want && !judge_swaps(ctx, f, want, &obs, &fix)) ||
	    (has_sw && !judge_swappiness(ctx, f, want_sw, &obs, &fix)))
		goto out;
	if (fix.len) {
		finding_fail(f, "%s", obs.s);
		finding_remedy(f, "%s", fix.s);
	} else {
		finding_pass(f, "%s", obs.s);
	}
out:
	strbuf_free(&obs);
	strbuf_free(&fix);
}

/* Swappiness is a sysctl; active swap devices are left to the operator (swapoff can take minutes). */
static int plan_swappiness(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_SWAPPINESS);

	if (!want || tune_sysctl(ctx, p, f->check->id, "vm.swappiness", want) <= 0)
		plan_add_manual(p, f, NULL);
	return 0;
}

const struct check check_memory_swap = {
	.keys = KEYS(PK_SWAP, PK_SWAPPINESS),
	.flags = CF_RUNTIME,
	.id = "memory.swap", .area = AREA_MEMORY, .title = "swap and swappiness as the profile says",
	.reads = SWAPS ", " SWAPPINESS, .run = run_swap, .plan = plan_swappiness,
};
