/* The host around the knobs: competing tuners, KSM, the value held on /dev/cpu_dma_latency, L3 sharing, NUMA lists, cgroup cpus. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry.h"
#include "tuners.h"
#include "util.h"

#define KSM_RUN "/sys/kernel/mm/ksm/run"
#define DMA_LATENCY "/dev/cpu_dma_latency"
/* A tree keeps the value the live host's device returned, as text. */
#define DMA_LATENCY_TREE "/.tickready/cpu_dma_latency"

/* Running processes whose comm is one of names[]: a bit per name found, pid of the first kept. */
static unsigned procs_named(const struct host *h, const char *const *names, size_t n, long *pids)
{
	unsigned found = 0;

	for (size_t k = 0; k < n; k++)
		if ((pids[k] = host_process_named(h, names[k])) >= 0)
			found |= 1u << k;
		else
			pids[k] = 0;
	return found;
}

/* ---- tasks.other_tuners ---- */

static const char *const tuner_names[] = { "tuned", "bpftune", "tuned-ppd", "power-profiles-daemon" };

static void run_other_tuners(const struct check_ctx *ctx, struct finding *f)
{
	const char *want = profile_str(ctx->prof, PK_OTHER_TUNERS);
	long pids[4] = { 0 };
	struct strbuf obs = { 0 }, fix = { 0 };
	unsigned found;
	char active[128];

	if (!want) {
		finding_skip(f, "profile does not ask for tasks.other_tuners");
		return;
	}
	if (!sysroot_is_dir(ctx->sr, "/proc/1")) {
		finding_skip(f, "no process table under /proc");
		return;
	}
	finding_expected(f, "no other tuner rewriting the same knobs (tuned, bpftune, power-profiles-daemon)");
	found = procs_named(ctx->host, tuner_names, 4, pids);
	for (size_t k = 0; k < 4; k++) {
		if (!(found & (1u << k)))
			continue;
		strbuf_addf(&obs, "%s%s running (pid %ld)", obs.len ? ", " : "", tuner_names[k], pids[k]);
		if (k == 0 && sysroot_read_str(ctx->sr, "/etc/tuned/active_profile", active, sizeof(active)) == 0)
			strbuf_addf(&obs, " with profile '%s'", active);
		strbuf_addf(&fix, "%ssystemctl disable --now %s", fix.len ? "; " : "", tuner_names[k]);
	}
	if (!found) {
		finding_pass(f, "no tuned, bpftune or power-profiles-daemon running");
	} else {
		if (!strcmp(want, "off"))
			finding_fail(f, "%s", obs.s);
		else
			finding_warn(f, "%s", obs.s);
		finding_remedy(f, "%s (or keep it and leave these knobs to it)", fix.s);
	}
	strbuf_free(&obs);
	strbuf_free(&fix);
}

const struct check check_tasks_other_tuners = {
	.id = "tasks.other_tuners", .area = AREA_TASKS, .title = "no competing tuner (tuned, bpftune) rewrites the same knobs",
	.reads = "/proc/PID/status (Name; /proc/PID/comm without one), /etc/tuned/active_profile", .keys = KEYS(PK_OTHER_TUNERS), .flags = CF_PROCS, .run = run_other_tuners,
};

/* ---- memory.ksm ---- */

static void run_ksm(const struct check_ctx *ctx, struct finding *f)
{
	const char *want = profile_str(ctx->prof, PK_KSM);
	long v;
	int rc;

	if (!want) {
		finding_skip(f, "profile does not ask for memory.ksm");
		return;
	}
	rc = sysroot_read_long(ctx->sr, KSM_RUN, &v);
	if (rc == -ENOENT) {
		if (!strcmp(want, "off"))
			finding_pass(f, "no %s (kernel built without KSM)", KSM_RUN);
		else
			finding_skip_read(f, KSM_RUN, rc);
		return;
	}
	if (rc < 0) {
		finding_skip_bad(f, ctx->sr, KSM_RUN, rc);
		return;
	}
	finding_expected(f, "'%s' = '%d' (ksmd scans and merges pages%s)", KSM_RUN, !strcmp(want, "on"),
			 !strcmp(want, "off") ? ": page faults and TLB shootdowns on isolated cores" : "");
	if ((v == 1) == !strcmp(want, "on")) {
		finding_pass(f, "'%s' = '%ld'", KSM_RUN, v);
		return;
	}
	finding_fail(f, "'%s' = '%ld'", KSM_RUN, v);
	finding_remedy(f, "echo %d > %s", !strcmp(want, "on"), KSM_RUN);
}

static int plan_ksm(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_KSM);

	if (!want || tune_value(ctx, p, f->check->id, KSM_RUN, strcmp(want, "on") ? "0" : "1") < 0)
		plan_add_manual(p, f, NULL);
	return 0;
}

const struct check check_memory_ksm = {
	.id = "memory.ksm", .area = AREA_MEMORY, .title = "kernel same-page merging as the profile says",
	.reads = KSM_RUN, .keys = KEYS(PK_KSM), .flags = CF_RUNTIME, .run = run_ksm, .plan = plan_ksm,
};

/* ---- power.dma_latency_value ---- */

/*
 * Reading /dev/cpu_dma_latency returns the constraint in force (a 32-bit int, us). Opening it adds a
 * request at the default (no constraint) that the close drops: the value read is the others'.
 */
int dma_latency_now(const struct sysroot *sr, long *us)
{
	int32_t v;
	int fd, rc;

	if (!sr->live)
		return sysroot_read_long(sr, DMA_LATENCY_TREE, us);
	fd = sysroot_openat(sr, DMA_LATENCY, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	rc = read(fd, &v, sizeof(v)) == sizeof(v) ? 0 : -EIO;
	close(fd);
	if (rc == 0) {
		char text[32];
		int n = snprintf(text, sizeof(text), "%d\n", v);

		*us = v;
		sysroot_record_synthetic(sr, DMA_LATENCY_TREE, text, (size_t)n);
	}
	return rc;
}

static void run_dma_value(const struct check_ctx *ctx, struct finding *f)
{
	long want, have;
	int rc;

	if (profile_long(ctx->prof, PK_DMA_LATENCY_MAX, &want) < 0) {
		finding_skip(f, "profile does not ask for power.cpu_dma_latency_max_us");
		return;
	}
	/* One judgment per knob: a profile that wants a holder has power.cpu_dma_latency judge its value. */
	if (profile_str(ctx->prof, PK_CPU_DMA_LATENCY) && !strcmp(profile_str(ctx->prof, PK_CPU_DMA_LATENCY), "held")) {
		finding_skip(f, "the holder's value is judged by power.cpu_dma_latency (profile: cpu_dma_latency = held)");
		return;
	}
	rc = dma_latency_now(ctx->sr, &have);
	if (rc < 0) {
		finding_skip_read(f, ctx->sr->live ? DMA_LATENCY : DMA_LATENCY_TREE, rc);
		return;
	}
	finding_expected(f, "the cpu latency constraint in force at most %ld us", want);
	/* 2000000000 is PM_QOS_DEFAULT_VALUE: nobody holds a constraint. */
	if (have <= want) {
		finding_pass(f, "%s holds %ld us", DMA_LATENCY, have);
		return;
	}
	finding_fail(f, "%s holds %ld us%s", DMA_LATENCY, have, have >= 2000000000L ? " (no process holds a constraint)" : "");
	finding_remedy(f, "have the trading application (or tuned's pm_qos, or a small daemon) keep %s open with %ld "
		       "written to it", DMA_LATENCY, want);
}

const struct check check_power_dma_latency_value = {
	.id = "power.dma_latency_value", .area = AREA_POWER, .title = "the value held on /dev/cpu_dma_latency is low enough",
	.reads = DMA_LATENCY " (read: the constraint in force); trees: " DMA_LATENCY_TREE,
	.keys = KEYS(PK_DMA_LATENCY_MAX, PK_CPU_DMA_LATENCY), .run = run_dma_value,
};

/* ---- cpu.l3_shared ---- */

static bool no_isolation(const struct check_ctx *ctx, struct finding *f)
{
	if (!cpuset_empty(&ctx->prof->isolated))
		return false;
	finding_skip(f, "profile isolates no cpus ([cpu] isolated_cores)");
	return true;
}

static void run_l3(const struct check_ctx *ctx, struct finding *f)
{
	const struct host *h = ctx->host;
	struct strbuf obs = { 0 };
	bool shared = false;
	char a[256], b[256], c[256];

	if (no_isolation(ctx, f))
		return;
	if (!h->nl3) {
		finding_skip(f, "no L3 cache topology (/sys/devices/system/cpu/cpuN/cache/indexN/level 3)");
		return;
	}
	finding_expected(f, "isolated cores in L3 groups (AMD CCX, Intel cluster) of their own, apart from housekeeping");
	for (size_t g = 0; g < h->nl3; g++) {
		struct cpuset iso, hk;

		cpuset_and(&iso, &h->l3[g], &ctx->prof->isolated);
		cpuset_and(&hk, &h->l3[g], &ctx->prof->housekeeping);
		if (cpuset_empty(&iso) || cpuset_empty(&hk))
			continue;
		shared = true;
		strbuf_addf(&obs, "%sL3 %s: isolated %s with housekeeping %s", obs.len ? "; " : "",
			    cpuset_format(&h->l3[g], a, sizeof(a)), cpuset_format(&iso, b, sizeof(b)),
			    cpuset_format(&hk, c, sizeof(c)));
	}
	if (!shared) {
		finding_pass(f, "%zu L3 groups; none mixes isolated and housekeeping cores", h->nl3);
	} else {
		/* A warning: on a one-L3 host there is no other choice, and no anchor tool checks it. */
		finding_warn(f, "%s", obs.s);
		finding_remedy(f, "isolate whole L3 groups: set [cpu] isolated_cores to groups without housekeeping cores");
	}
	strbuf_free(&obs);
}

const struct check check_cpu_l3_shared = {
	.id = "cpu.l3_shared", .area = AREA_CPU, .title = "isolated cores share no L3 cache with housekeeping cores",
	.reads = "/sys/devices/system/cpu/cpuN/cache/indexN/{level,shared_cpu_list}",
	.keys = KEYS(PK_ISOLATED_CORES, PK_HOUSEKEEPING_CORES), .run = run_l3,
};

/* ---- cpu.numa_nodes ---- */

static void run_numa_nodes(const struct check_ctx *ctx, struct finding *f)
{
	const struct host *h = ctx->host;
	struct strbuf empty = { 0 };
	char buf[256];

	if (!h->nnodes) {
		finding_skip(f, "no cpus known, so no NUMA node either");
		return;
	}
	finding_expected(f, "every cpu in exactly one NUMA node");
	for (size_t i = 0; i < h->nnodes; i++)
		if (cpuset_empty(&h->nodes[i].cpus))
			strbuf_addf(&empty, "%snode%d", empty.len ? ", " : "", h->nodes[i].id);
	if (!cpuset_empty(&h->node_overlap) && h->node_overlap_by_kernel) {
		/* The kernel placed each cpu itself: its nodes are what the host runs on; the firmware's lists are the flaw. */
		char more[96] = "";

		if (h->nodes_phantom)
			snprintf(more, sizeof(more), "; %zu more node(s) list only those cpus and no memory: left out",
				 h->nodes_phantom);
		finding_warn(f, "%zu node(s) as the kernel places the cpus (cpuN/nodeM); the firmware lists cpus %s under more "
			     "than one node%s", h->nnodes, cpuset_format(&h->node_overlap, buf, sizeof(buf)), more);
		finding_remedy(f, "broken firmware NUMA tables (SRAT): update the BIOS");
	} else if (!cpuset_empty(&h->node_overlap)) {
		finding_fail(f, "cpus %s are listed by more than one node (each taken as its lowest node's: no cpuN/nodeM link "
			     "says where the kernel put it)%s", cpuset_format(&h->node_overlap, buf, sizeof(buf)),
			     h->nodes_phantom ? "; nodes listing only other nodes' cpus and no memory left out" : "");
		finding_remedy(f, "broken firmware NUMA tables (SRAT): update the BIOS, or check the node cpulists of the capture");
	} else if (empty.len) {
		/* Memory-only nodes (CXL, HBM, a socket with its cpus offline) are legitimate: a warning. */
		finding_warn(f, "%s list no cpus (memory-only nodes, or cpus offline)", empty.s);
		finding_remedy(f, "place no hugepages or NIC threads on a node without cpus; check the BIOS if it should have some");
	} else {
		finding_pass(f, "%zu node(s)%s%s", h->nnodes, h->nodes_implicit ? " (no NUMA directories: one node 0)" : "",
			     h->nodes_from_cpumap ? " (from cpumap)" : "");
	}
	strbuf_free(&empty);
}

const struct check check_cpu_numa_nodes = {
	.id = "cpu.numa_nodes", .area = AREA_CPU, .title = "NUMA node cpu lists neither overlap nor leave a node empty",
	.reads = "/sys/devices/system/node/nodeN/{cpulist,cpumap}, /sys/devices/system/cpu/cpuN/nodeM", .run = run_numa_nodes,
};

/* ---- cpu.allowed ---- */

/* isolated_cores = auto (or unset) took nothing: the cgroup's cpus were all housekeeping. */
static bool isolated_auto(const struct profile *p)
{
	const char *raw = p->v[PK_ISOLATED_CORES].raw;

	return !raw || !strcmp(raw, "auto") || !strcmp(raw, "any");
}

/* Not a skip: the application has no core of its own while the kernel may isolate cpus it cannot use. */
static void allowed_all_housekeeping(const struct check_ctx *ctx, struct finding *f)
{
	const struct host *h = ctx->host;
	struct cpuset kernel_iso;
	char al[256], ki[256];

	cpuset_andnot(&kernel_iso, &h->isolated, &h->allowed);
	finding_expected(f, "cpus in the cgroup (%s) beyond the housekeeping cores, for automatic isolation to give "
			 "the application", h->allowed_source);
	finding_fail(f, "cgroup allows %s, all of them housekeeping (the first core of each NUMA node and its SMT "
		     "siblings): nothing is left to isolate for the application%s%s%s", cpuset_format(&h->allowed, al, sizeof(al)),
		     cpuset_empty(&kernel_iso) ? "" : "; the kernel isolates ",
		     cpuset_empty(&kernel_iso) ? "" : cpuset_format(&kernel_iso, ki, sizeof(ki)),
		     cpuset_empty(&kernel_iso) ? "" : ", which the cgroup withholds");
	finding_remedy(f, "give the application's cgroup cpus beyond the first core of each node (cpuset.cpus; "
		       "Kubernetes: a Guaranteed pod with the static CPU manager), or set [cpu] isolated_cores and "
		       "housekeeping_cores");
}

static void run_allowed(const struct check_ctx *ctx, struct finding *f)
{
	const struct host *h = ctx->host;
	struct cpuset out;
	char buf[256], al[256];

	if (cpuset_empty(&ctx->prof->isolated) && h->has_allowed && isolated_auto(ctx->prof)) {
		allowed_all_housekeeping(ctx, f);
		return;
	}
	if (no_isolation(ctx, f))
		return;
	if (!h->has_allowed) {
		finding_skip(f, "no cgroup cpuset (/proc/self/cgroup) nor Cpus_allowed_list (/proc/self/status) found for "
			     "this process; give --cgroup PATH");
		return;
	}
	finding_expected(f, "the isolated cores within the cgroup's cpus (%s)", h->allowed_source);
	cpuset_andnot(&out, &ctx->prof->isolated, &h->allowed);
	cpuset_format(&h->allowed, al, sizeof(al));
	if (cpuset_empty(&out)) {
		finding_pass(f, "cgroup allows %s", al);
		return;
	}
	finding_fail(f, "cgroup allows %s; isolated %s withheld", al, cpuset_format(&out, buf, sizeof(buf)));
	finding_remedy(f, "give the application's cgroup those cpus (cpuset.cpus; Kubernetes: a Guaranteed pod with "
		       "the static CPU manager), or isolate only cpus it may use");
}

const struct check check_cpu_allowed = {
	.id = "cpu.allowed", .area = AREA_CPU, .title = "the cgroup the application runs in may use the isolated cores",
	.reads = "/proc/self/cgroup, /sys/fs/cgroup/PATH/cpuset.cpus.effective (v1: cpuset.effective_cpus), "
		 "/proc/self/status (Cpus_allowed_list)",
	.keys = KEYS(PK_ISOLATED_CORES), .run = run_allowed,
};
