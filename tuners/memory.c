/* Memory tuners: hugepages per node and size, the hugetlbfs mount, THP, NUMA balancing, swappiness. */
#include "tuners.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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
	char path[160], want[32], now[32], gpath[160];
	struct change *c;
	long nr, cur;

	if (!kb || profile_long(ctx->prof, PK_HUGEPAGES, &nr) < 0)
		return 0;
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/hugepages/hugepages-%lukB/nr_hugepages", node, kb);
	if (sysroot_read_long(ctx->sr, path, &cur) < 0) {
		plan_add_manual(p, f, NULL);
		return 0;
	}
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
			snprintf(count, sizeof(count), "%d:%ld", node, nr);
		else
			snprintf(count, sizeof(count), "%ld", nr);
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

static const char *const hugepages_checks[] = { "memory.hugepages", NULL };
const struct tuner tuner_hugepages = { "hugepages", hugepages_checks, plan_hugepages };

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

static const char *const hugetlbfs_checks[] = { "memory.hugetlbfs", NULL };
const struct tuner tuner_hugetlbfs = { "hugetlbfs", hugetlbfs_checks, plan_hugetlbfs };

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
	return 0;
}

static const char *const thp_checks[] = { "memory.thp", NULL };
const struct tuner tuner_thp = { "thp", thp_checks, plan_thp };

static int plan_numa_balancing(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_NUMA_BALANCING);

	if (want)
		tune_sysctl(ctx, p, f->check->id, "kernel.numa_balancing", want);
	return 0;
}

static const char *const numa_checks[] = { "memory.numa_balancing", NULL };
const struct tuner tuner_numa_balancing = { "numa_balancing", numa_checks, plan_numa_balancing };

/* Swappiness is a sysctl; active swap devices are left to the operator (swapoff can take minutes). */
static int plan_swappiness(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_SWAPPINESS);

	if (!want || tune_sysctl(ctx, p, f->check->id, "vm.swappiness", want) <= 0)
		plan_add_manual(p, f, NULL);
	return 0;
}

static const char *const swap_checks[] = { "memory.swap", NULL };
const struct tuner tuner_swappiness = { "swappiness", swap_checks, plan_swappiness };
