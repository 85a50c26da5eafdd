/* tickready verify: what to run (cores, memory), how the poller's figures compare with the profile's targets. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "host.h"
#include "mode.h"
#include "profile.h"
#include "schema.h"

#define VERIFY_MAX_CORES 128
/* Said wherever the bypass path is software only (af_packet, or af_xdp on a veth). */
#define VERIFY_SOFTWARE_NOTE "software-only path (packets pass through the kernel, no NIC queue of its own): shows the code path, not the NIC"
#define VERIFY_NOTE_MAX 8

/* Everything verify decided before starting the poller. */
struct verify_plan {
	enum verify_mode mode;
	int ncores;
	int cores[VERIFY_MAX_CORES];	/* in the poller's order: VC_PAIR = generator, poller */
	int sender_cpu;			/* kernel-vs-bypass: where the UDP sender runs; pingpong: the reflector; -1 = anywhere */
	bool borrowed_housekeeping;	/* loopback generator on a housekeeping cpu: no second isolated one */
	int node;			/* NUMA node of the poller's memory */
	uint64_t node_mask;		/* nodes of every core (the generator's pool lives on its node) */
	unsigned long hugepage_kb;	/* page size used */
	long pages;			/* pages the poller needs (pingpong: both DPDK processes) */
	long pages_free;		/* free on that node when verify started, -1 unknown */
	unsigned long socket_mem_mb;
	int nnotes;
	char notes[VERIFY_NOTE_MAX][200];	/* said in the report ("generator on housekeeping cpu 0: ...") */
};

/* The memory the poller's pool, ring and histograms need, rounded up to whole pages. */
#define VERIFY_MEM_MB 64

/*
 * Picks the cores (user's list when want is non-empty) and the hugepage pool from the host
 * model and the resolved profile, by the mode's row (cores, other_end, dpdk_processes). Never
 * picks a housekeeping cpu, except a VC_PAIR generator when no second isolated cpu exists
 * (said in notes). Returns 0, or -errno with why filled (e.g. "loopback needs 2 cpus, --cores names 1").
 */
int verify_plan_make(const struct host *h, const struct profile *p, enum verify_mode m,
		     const struct cpuset *want, struct verify_plan *plan, char *why, size_t whylen);
/* "0,64" style --socket-mem for the plan's node; into buf. */
const char *verify_socket_mem(const struct verify_plan *plan, char *buf, size_t size);

/* One target of the profile's [targets], compared with what was measured. */
enum target_verdict { TV_PASS, TV_FAIL, TV_SKIP };
extern const char *const target_verdict_names[3];

struct verify_target {
	enum profile_key key;
	char name[48];		/* "loopback.p99_ns" */
	long want;		/* the profile's value */
	bool at_least;		/* observed >= want passes (rates, gains), else observed <= want */
	double observed;	/* in the target's unit */
	const char *unit;	/* "ns", "us", "Mpps", "x" */
	int cpu;		/* the core it is about (idle gaps), -1 none */
	enum target_verdict verdict;
	bool missing;		/* no figure to judge: a failure, never a pass */
	char why[160];		/* what was measured, or which figure is missing */
};

#define VERIFY_MAX_TARGETS 32

/* A run's verdict: a verdict passes only what was measured, so no target passed or failed is not ready either. */
enum verify_verdict { VV_READY, VV_NOT_READY, VV_NOT_JUDGED };
extern const char *const verify_verdict_names[3];	/* "ready", "not-ready", "not-judged": the JSON's "verdict" */
/* Not ready when a target failed (a missing figure fails), not judged when none passed or failed, else ready. */
enum verify_verdict verify_verdict_of(const struct verify_target *t, int nt);

/*
 * Compares the poller's document (tickready.verify/1; for kernel-vs-bypass with the
 * "kernel" stream added) with the profile's targets for mode m. Targets of other modes and
 * unset ones are left out, except those with a default (max_drop_ppm 0, min_p99_gain 1).
 * A target whose figure is missing fails (missing set, why naming the key). Returns the
 * number written into out, or -EINVAL when doc is not a tickready.verify/1 document.
 */
int verify_targets(const struct profile *p, enum verify_mode m, const json_t *doc,
		   struct verify_target *out, size_t max);

/* Does this DPDK vdev reach packets through the kernel only (net_af_packet anywhere; net_af_xdp on a veth or
 * other non-PCI device)? Its iface= into iface. */
bool verify_software_path(const struct host *h, const char *vdev, char *iface, size_t size);
/* The stream of that name in doc, or NULL. */
const json_t *verify_stream(const json_t *doc, const char *name);
/* Value of key in obj, 0 when absent: for display only, never for a verdict. */
double verify_num(const json_t *obj, const char *key);
/* 0 and the value, or -ENOENT when obj has no number under that key. */
int verify_field(const json_t *obj, enum vs_key k, double *out);
/* Every stream has sent, received, dropped, duplicated, foreign with received <= sent + duplicated
 * and dropped = sent - (received - duplicated). 0, or -EPROTO with why naming the stream. */
int verify_check_counts(const json_t *doc, char *why, size_t whylen);

/* Latency statistics of a set of samples (the kernel receiver's), as the poller reports them. */
struct lat_summary {
	uint64_t count, p50, p90, p99, p999, p9999, max, min;
	double mean, stdev;
};
/* Sorts v in place. */
void lat_summarize(uint64_t *v, size_t n, struct lat_summary *s);
/* A stream's packet counts (schema.h: received <= sent + duplicated). */
struct stream_counts {
	uint64_t sent, received, duplicated, reordered, foreign, negative;
};
/*
 * A stream object with the poller's keys (schema.h; histogram [[upper_ns, count]...] on a
 * log-linear scale) from the latencies v of the stamps received. Sorts v in place.
 */
json_t *lat_stream_json(const char *name, uint64_t *v, size_t n, const struct stream_counts *c, double duration_s);
