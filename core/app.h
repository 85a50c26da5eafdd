/* The trading application's model: its DPDK configuration (YAML or an EAL line) and what it shows while running. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "cpuset.h"
#include "sysroot.h"

#define APP_MAX_NODES 64

struct app_port {
	char device[64];	/* PCI address as written ("0000:04:00.0") */
	long rx_queues, tx_queues, ring_size, mtu;	/* 0 when not given */
	int line;		/* where the YAML names it, for findings */
};

struct app_pool {
	char name[64];
	long count;		/* element_count */
	long data_room;		/* element_size: the mbuf data room, RTE_PKTMBUF_HEADROOM included */
	long cache_size;	/* per-lcore cache, 0 when not given */
	int line;
};

struct app_config {
	char source[512];	/* the file, or "--app-eal" */
	bool has_lcores;
	struct cpuset lcores;	/* core_mask / -l / -c; the first is the main lcore */
	long memory_channels;	/* 0 when not given (DPDK then assumes 4) */
	char huge_dir[256];	/* "" when not given */
	int nsocket_mem;	/* entries of socket_mem, MB per node */
	long socket_mem_mb[APP_MAX_NODES];
	bool no_huge, in_memory;
	char file_prefix[64];	/* --file-prefix, "" when not given (DPDK's "rte") */
	size_t nports, npools;
	struct app_port *ports;
	struct app_pool *pools;
};

/* Error text for cli to print: "app.yaml:7:5: 'socket_mem': ..." */
struct app_error {
	char msg[512];
};
/* Fills err with the message; returns rc (a -errno), so a caller can `return app_fail(err, -EINVAL, ...)`. */
int app_fail(struct app_error *err, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reads the YAML shape `dpdk_config: { eal_arguments, ports, buffer_pools }`. 0, or -errno with err filled. */
int app_config_load(struct app_config *a, const char *path, struct app_error *err);
/*
 * An EAL argument line as DPDK takes it ("-l 2-7 -n 4 --socket-mem 4096,4096 --huge-dir /dev/hugepages");
 * the forms tickready judges: -l, -c, -n, --socket-mem, --huge-dir, --no-huge, --in-memory; others are skipped
 * with their value when they take one. 0, or -EINVAL with err filled.
 */
int app_config_from_eal(struct app_config *a, const char *line, struct app_error *err);
/* The same from words (a process's argv after its name), up to "--"; errors start with source. */
int app_config_from_args(struct app_config *a, int n, char *const *words, const char *source, struct app_error *err);
void app_config_free(struct app_config *a);

/*
 * What DPDK 22.11 reserves for a pktmbuf pool (rte_pktmbuf_pool_create -> rte_mempool_create_empty and
 * rte_mempool_populate_default, lib/mempool/rte_mempool.c): each object is a 64-byte cache-aligned header
 * (struct rte_mempool_objhdr, 24 bytes), the element (struct rte_mbuf, 128 bytes, plus the data room,
 * 8-byte aligned) and a trailer padding the whole to a cache line and then to a number of lines coprime
 * with the memory channels (arch_mem_object_align, x86); objects never straddle a page; the pool header
 * holds RTE_MAX_LCORE per-lcore caches when cache_size is set.
 */
#define APP_MEMPOOL_ALIGN 64UL
#define APP_MBUF_HEADER 128UL	/* sizeof(struct rte_mbuf) */
#define APP_MBUF_HEADROOM 128UL	/* RTE_PKTMBUF_HEADROOM */
#define APP_OBJHDR 24UL		/* sizeof(struct rte_mempool_objhdr), without RTE_LIBRTE_MEMPOOL_DEBUG */
#define APP_MAX_LCORE 128UL	/* RTE_MAX_LCORE of Debian's build */
#define APP_CACHE_MAX 512UL	/* RTE_MEMPOOL_CACHE_MAX_SIZE */
/* sizeof(struct rte_mempool_cache): three counters, then objs[2 * 512] on its own cache line. */
#define APP_CACHE_STRUCT (APP_MEMPOOL_ALIGN + 2 * APP_CACHE_MAX * 8)

struct app_pool_size {
	unsigned long header, elt, trailer, total;	/* one object, as rte_mempool_calc_obj_size gives it */
	unsigned long long objects;	/* the objects' memzone(s), page-packed */
	unsigned long long caches;	/* the per-lcore cache structures */
	unsigned long long bytes;	/* the sum */
};
void app_pool_size(const struct app_pool *p, long memory_channels, unsigned long page_bytes, struct app_pool_size *out);
/* Largest element_count whose pool fits in bytes (0 when none). */
long app_pool_count_fitting(const struct app_pool *p, long memory_channels, unsigned long page_bytes,
			    unsigned long long bytes);

/* ---- the running application ---- */

/* What a rising port counter or a switched-out polling thread means, and the fix: audit's app checks and watch say the same. */
#define APP_RX_NOMBUF_WHY "the mbuf pool ran dry"
#define APP_RX_NOMBUF_FIX "enlarge the pool (element_count) or free mbufs faster; check the pool against the rings and caches"
#define APP_IMISSED_WHY "the NIC dropped packets its rx ring had no room for"
#define APP_IMISSED_FIX "poll faster (an isolated, unshared lcore) or enlarge ring_descriptor_size"
#define APP_SWITCH_FIX "isolate the polling cpus (isolcpus, nohz_full) and move every other thread off them"

struct app_thread {
	int tid;
	char comm[64];
	int last_cpu;		/* field 39 of stat, -1 when unread */
	struct cpuset allowed;
	long long nvcsw[2], nivcsw[2];	/* voluntary / involuntary switches at the window's start and end */
};

struct app_port_stats {
	int port;
	char name[64];
	long long rx_nombuf[2], imissed[2], ierrors[2];	/* at the window's start and end */
	int numa_node;		/* /ethdev/info's numa_node, -1 when unknown (a vdev) */
};

/* /mempool/info,NAME: -1 for what this DPDK does not report. */
struct app_mempool {
	char name[64];
	long long size;		/* objects the pool was created with */
	long long populated;	/* populated_size: objects memory was found for */
	long long elt_size, cache_size;
	long long page_size;	/* mz_hugepage_sz: 4096 under --no-huge */
	long long socket;	/* mz_socket_id, else socket_id */
	long long free;		/* common_pool_count + total_cache_count, where the answer has them (not 22.11) */
};

/* /eal/heap_info,ID: DPDK's malloc heap of a socket. */
struct app_heap {
	int id;
	char name[64];		/* "socket_0" */
	int node;		/* from the name, -1 for an external heap */
	long long size, free, alloc, greatest_free;
};

struct app_live {
	long pid;		/* 0 when unknown */
	char version[64];	/* the telemetry greeting's "version", "" without telemetry */
	char telemetry[256];	/* the socket read, "" when none */
	char eal_params[512];	/* /eal/params joined by spaces */
	bool has_lcores;
	struct cpuset lcores;	/* from /eal/params' -l/-c, when given there */
	double window_s;
	size_t nthreads;
	struct app_thread *threads;
	size_t nports;
	struct app_port_stats *ports;
	bool has_ports;		/* telemetry answered /ethdev/list */
	bool has_mempools, has_heaps;	/* telemetry answered /mempool/list, /eal/heap_list */
	size_t nmempools, nheaps;
	struct app_mempool *mempools;
	struct app_heap *heaps;
};

/*
 * Reads the running application: telemetry (socket path, or NULL) and /proc/PID/task (pid, or 0 to take the
 * pid the telemetry greeting names), twice, window_s seconds apart. Read-only: only listing and stats commands
 * are sent, the process is never signalled. 0, or -errno with err filled.
 */
int app_live_read(struct app_live *l, const struct sysroot *sr, const char *telemetry, long pid, double window_s,
		  struct app_error *err);
/* The second half alone, for fixture trees: one read of /proc/PID/task into both ends of the window. */
int app_live_read_threads(struct app_live *l, const struct sysroot *sr, int end, struct app_error *err);
void app_live_free(struct app_live *l);
/* A DPDK worker (polling) thread, by the name EAL gives it: rte-worker-N in 22.11 (lcore-worker-N before, dpdk-worker-N after). */
bool app_thread_polls(const struct app_live *l, const struct app_thread *t);

/* ---- finding the running application ---- */

struct host;
/* /proc/PID/cmdline's words after the program's name, up to "--", as EAL arguments. 0, or -errno with err filled. */
int app_config_from_process(struct app_config *a, const struct sysroot *sr, long pid, struct app_error *err);
/*
 * The telemetry socket of pid (this host only: -ENOENT in a tree): /var/run/dpdk/PREFIX/dpdk_telemetry.v2 for its
 * --file-prefix (prefix, "" for DPDK's "rte"), else any runtime dir's socket whose greeting names pid. 0 or -ENOENT.
 */
int app_telemetry_of(const struct sysroot *sr, long pid, const char *prefix, char *out, size_t size);

#define APP_FOUND_MAX 16
struct app_found {
	size_t n;
	long pids[APP_FOUND_MAX];
	char why[APP_FOUND_MAX][160];	/* what gave each away */
};
/*
 * Running DPDK processes: those whose telemetry socket under /var/run/dpdk greets (this host only); when none,
 * those mapping a file of a hugetlbfs mount, a MAP_HUGETLB region or EAL's fbarray_memseg files, or holding a
 * /dev/vfio device. Reads /proc only: no process is signalled or attached to. 0, or -errno listing /proc.
 */
int app_find(const struct sysroot *sr, const struct host *h, struct app_found *f);

/* Everything the app checks judge: either half may be absent. */
struct app {
	const struct app_config *cfg;
	const struct app_live *live;
	const char *absent;	/* why no application is judged (--app auto found none): every app check skips saying so */
};
