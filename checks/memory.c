/* Memory: hugepages per node, hugetlbfs mounts, stale hugepage files, THP, NUMA balancing, swap. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "util.h"

static void run_hugepages(const struct check_ctx *ctx, struct finding *f)
{
	const struct profile *p = ctx->prof;
	const struct hugepool *pool, *total;
	char size[32], human[16], other[128] = "";
	long want;

	if (!p->hugepage_kb || profile_long(p, PK_HUGEPAGES, &want) < 0) {
		finding_skip(f, "profile does not ask for [memory] hugepage_size and hugepages");
		return;
	}
	format_size_kb(p->hugepage_kb, size, sizeof(size));
	format_size_human(p->hugepage_kb, human, sizeof(human));
	finding_expected(f, "at least %ld x %s hugepages on node %d (the NIC's)", want, human, p->nic_node);
	if (!ctx->host->nnodes) {
		finding_skip(f, "cannot read '/sys/devices/system/node': no NUMA information");
		return;
	}
	pool = host_pool(ctx->host, p->nic_node, p->hugepage_kb);
	if (!pool || pool->nr < 0) {
		finding_fail(f, "node %d has no hugepages-%s pool%s", p->nic_node, size,
			     p->hugepage_kb == 1048576 && !(ctx->host->cpu_flags & CPUF_PDPE1GB) ?
			     " (1G pages need the pdpe1gb cpu flag)" : "");
		finding_remedy(f, "boot with 'hugepagesz=%s hugepages=%ld'", human, want);
		f->needs_reboot = true;
		return;
	}
	total = host_pool(ctx->host, -1, p->hugepage_kb);
	if (total && total->nr > pool->nr)
		snprintf(other, sizeof(other), " (%ld more on other nodes, unusable for this NIC)", total->nr - pool->nr);
	if (pool->nr >= want) {
		finding_pass(f, "node %d: %ld x %s reserved, %ld free%s", p->nic_node, pool->nr, human, pool->free, other);
		return;
	}
	finding_fail(f, "node %d: %ld x %s reserved%s", p->nic_node, pool->nr, human, other);
	finding_remedy(f, "echo %ld > /sys/devices/system/node/node%d/hugepages/hugepages-%s/nr_hugepages", want,
		       p->nic_node, size);
}

const struct check check_memory_hugepages = {
	.id = "memory.hugepages", .area = AREA_MEMORY, .title = "hugepages reserved on the NIC's node",
	.reads = "/sys/devices/system/node/node*/hugepages/hugepages-*/nr_hugepages", .run = run_hugepages,
};

static const struct hugetlbfs_mount *mount_for(const struct host *h, unsigned long kb)
{
	for (size_t i = 0; i < h->nmounts; i++)
		if (h->mounts[i].pagesize_kb == kb)
			return &h->mounts[i];
	return NULL;
}

static void run_hugetlbfs(const struct check_ctx *ctx, struct finding *f)
{
	const struct hugetlbfs_mount *m;
	char human[16];
	bool want;

	if (!ctx->prof->hugepage_kb || profile_bool(ctx->prof, PK_HUGETLBFS, &want) < 0 || !want) {
		finding_skip(f, "profile does not ask for a hugetlbfs mount");
		return;
	}
	format_size_human(ctx->prof->hugepage_kb, human, sizeof(human));
	finding_expected(f, "a hugetlbfs mount with pagesize=%s", human);
	if (!sysroot_exists(ctx->sr, "/proc/mounts")) {
		finding_skip_read(f, "/proc/mounts", -ENOENT);
		return;
	}
	m = mount_for(ctx->host, ctx->prof->hugepage_kb);
	if (m) {
		finding_pass(f, "hugetlbfs pagesize=%s at %s", human, m->path);
		return;
	}
	finding_fail(f, "no hugetlbfs mount with pagesize=%s (%zu hugetlbfs mounts)", human, ctx->host->nmounts);
	finding_remedy(f, "mkdir -p /dev/hugepages-%s && mount -t hugetlbfs -o pagesize=%s nodev /dev/hugepages-%s", human,
		       human, human);
}

const struct check check_memory_hugetlbfs = {
	.id = "memory.hugetlbfs", .area = AREA_MEMORY, .title = "hugetlbfs mounted for the profile's size",
	.reads = "/proc/mounts", .run = run_hugetlbfs,
};

/* Is "path" (a file in a hugetlbfs mount) mapped by any process? Scans every /proc/PID/maps once. */
static char *mapped_paths(const struct check_ctx *ctx)
{
	struct strbuf sb = { 0 };
	struct dirlist pids;

	strbuf_add(&sb, "\n");
	if (sysroot_list(ctx->sr, "/proc", &pids) < 0)
		return strbuf_detach(&sb);
	for (size_t i = 0; i < pids.n; i++) {
		char path[64], *text;
		long pid;

		if (parse_long(pids.names[i], &pid) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
		if (sysroot_read_alloc(ctx->sr, path, 4u << 20, &text, NULL) < 0)
			continue;
		for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char *slash = strchr(l, '/');

			for (size_t m = 0; slash && m < ctx->host->nmounts; m++) {
				size_t n = strlen(ctx->host->mounts[m].path);

				if (!strncmp(slash, ctx->host->mounts[m].path, n) && slash[n] == '/')
					strbuf_addf(&sb, "%s\n", slash);
			}
		}
		free(text);
	}
	dirlist_free(&pids);
	return strbuf_detach(&sb);
}

static void run_stale(const struct check_ctx *ctx, struct finding *f)
{
	struct strbuf names = { 0 }, rm = { 0 };
	char *mapped;
	int stale = 0, files = 0;

	if (!ctx->host->nmounts) {
		finding_skip(f, "no hugetlbfs mount");
		return;
	}
	finding_expected(f, "every file in a hugetlbfs mount mapped by a running process");
	mapped = mapped_paths(ctx);
	for (size_t m = 0; m < ctx->host->nmounts; m++) {
		struct dirlist dl;

		if (sysroot_list(ctx->sr, ctx->host->mounts[m].path, &dl) < 0)
			continue;
		for (size_t i = 0; i < dl.n; i++) {
			char *key = xasprintf("\n%s/%s\n", ctx->host->mounts[m].path, dl.names[i]);

			files++;
			if (!strstr(mapped, key)) {
				if (stale++ < 5) {
					strbuf_addf(&names, "%s%s/%s", names.len ? ", " : "", ctx->host->mounts[m].path,
						    dl.names[i]);
					strbuf_addf(&rm, " %s/%s", ctx->host->mounts[m].path, dl.names[i]);
				}
			}
			free(key);
		}
		dirlist_free(&dl);
	}
	free(mapped);
	if (!stale)
		finding_pass(f, "%d hugepage files, all mapped by a process", files);
	else {
		finding_fail(f, "%d stale hugepage files held by no process: %s%s (they cause DPDK's \"no free hugepages\")",
			     stale, names.s, stale > 5 ? ", ..." : "");
		finding_remedy(f, "rm%s%s", rm.s, stale > 5 ? " ... (or dpdk-hugepages.py --clear)" : "");
	}
	strbuf_free(&names);
	strbuf_free(&rm);
}

const struct check check_memory_stale_hugepages = {
	.id = "memory.stale_hugepages", .area = AREA_MEMORY, .title = "no stale files in hugetlbfs mounts",
	.reads = "hugetlbfs mounts, /proc/*/maps", .run = run_stale,
};

static void run_thp(const struct check_ctx *ctx, struct finding *f)
{
	const char *path = "/sys/kernel/mm/transparent_hugepage/enabled";
	const char *want = profile_str(ctx->prof, PK_THP);
	char buf[256], mode[32] = "", defrag[256] = "?";
	char *lb, *rb;
	int rc;

	if (!want) {
		finding_skip(f, "profile does not ask for [memory] thp");
		return;
	}
	if ((rc = sysroot_read_str(ctx->sr, path, buf, sizeof(buf))) < 0) {
		finding_skip_read(f, path, rc);
		return;
	}
	lb = strchr(buf, '[');
	rb = lb ? strchr(lb, ']') : NULL;
	if (!rb || rb - lb - 1 >= (long)sizeof(mode)) {
		finding_skip(f, "'%s' holds '%s', no [selected] mode", path, buf);
		return;
	}
	snprintf(mode, sizeof(mode), "%.*s", (int)(rb - lb - 1), lb + 1);
	if (sysroot_read_str(ctx->sr, "/sys/kernel/mm/transparent_hugepage/defrag", defrag, sizeof(defrag)) < 0)
		snprintf(defrag, sizeof(defrag), "?");
	finding_expected(f, "'transparent_hugepage' = '%s'", want);
	if (!strcmp(mode, want)) {
		finding_pass(f, "'transparent_hugepage' = '%s' (defrag: %s)", mode, defrag);
		return;
	}
	finding_fail(f, "'transparent_hugepage' = '%s'", mode);
	finding_remedy(f, "echo %s > %s (and transparent_hugepage=%s on the command line)", want, path, want);
}

const struct check check_memory_thp = {
	.id = "memory.thp", .area = AREA_MEMORY, .title = "transparent hugepages as the profile says",
	.reads = "/sys/kernel/mm/transparent_hugepage/{enabled,defrag}", .run = run_thp,
};

static void run_numa_balancing(const struct check_ctx *ctx, struct finding *f)
{
	const char *path = "/proc/sys/kernel/numa_balancing";
	long want, have;
	int rc;

	if (profile_long(ctx->prof, PK_NUMA_BALANCING, &want) < 0) {
		finding_skip(f, "profile does not ask for [memory] numa_balancing");
		return;
	}
	rc = sysroot_read_long(ctx->sr, path, &have);
	if (rc == -ENOENT) {
		finding_skip(f, "'%s' is absent: kernel built without NUMA balancing", path);
		return;
	}
	if (rc < 0) {
		finding_skip(f, "cannot read '%s': %s", path, rc == -EINVAL ? "not a number" : strerror(-rc));
		return;
	}
	finding_expected(f, "'kernel.numa_balancing' = '%ld'", want);
	if (have == want) {
		finding_pass(f, "'kernel.numa_balancing' = '%ld'", have);
		return;
	}
	finding_fail(f, "'kernel.numa_balancing' = '%ld'", have);
	finding_remedy(f, "sysctl -w kernel.numa_balancing=%ld", want);
}

const struct check check_memory_numa_balancing = {
	.id = "memory.numa_balancing", .area = AREA_MEMORY, .title = "automatic NUMA balancing off",
	.reads = "/proc/sys/kernel/numa_balancing", .run = run_numa_balancing,
};

static void run_swap(const struct check_ctx *ctx, struct finding *f)
{
	const char *want = profile_str(ctx->prof, PK_SWAP);
	long swappiness = -1, want_sw = -1;
	struct strbuf obs = { 0 }, fix = { 0 };
	int devices = -1, rc;
	bool bad = false;
	char *text;

	profile_long(ctx->prof, PK_SWAPPINESS, &want_sw);
	if (!want && want_sw < 0) {
		finding_skip(f, "profile asks for neither [memory] swap nor swappiness");
		return;
	}
	if (want && sysroot_read_alloc(ctx->sr, "/proc/swaps", 1 << 20, &text, NULL) == 0) {
		devices = 0;
		for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			if (strncmp(l, "Filename", 8) && *trim(l))
				devices++;
		free(text);
		strbuf_addf(&obs, "%d active swap devices", devices);
		if (!strcmp(want, "off") && devices > 0) {
			bad = true;
			strbuf_add(&fix, "swapoff -a and comment the swap lines out of /etc/fstab");
		}
	}
	if (want_sw >= 0 && (rc = sysroot_read_long(ctx->sr, "/proc/sys/vm/swappiness", &swappiness)) == 0) {
		strbuf_addf(&obs, "%s'vm.swappiness' = '%ld'", obs.len ? ", " : "", swappiness);
		if (swappiness > want_sw) {
			bad = true;
			strbuf_addf(&fix, "%ssysctl -w vm.swappiness=%ld", fix.len ? "; " : "", want_sw);
		}
	}
	if (!obs.len)
		finding_skip(f, "cannot read '/proc/swaps' or '/proc/sys/vm/swappiness'");
	else if (bad)
		finding_fail(f, "%s", obs.s);
	else
		finding_pass(f, "%s", obs.s);
	if (want_sw >= 0)
		finding_expected(f, "swap %s, 'vm.swappiness' <= '%ld'", want ? want : "any", want_sw);
	else
		finding_expected(f, "swap %s", want);
	if (fix.len)
		finding_remedy(f, "%s", fix.s);
	strbuf_free(&obs);
	strbuf_free(&fix);
}

const struct check check_memory_swap = {
	.id = "memory.swap", .area = AREA_MEMORY, .title = "swap as the profile says",
	.reads = "/proc/swaps, /proc/sys/vm/swappiness", .run = run_swap,
};
