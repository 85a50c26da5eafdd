/* The host model: built once per run from the sysroot, read by every check, tuner and verify. */
#pragma once
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>

#include "boot.h"
#include "cloud.h"
#include "cmdline.h"
#include "cpuset.h"
#include "sysroot.h"
#include "netdev.h"

#define HOST_MAX_POOLS 4

struct hugepool {
	unsigned long size_kb;	/* 2048, 1048576: as the kernel names its pool directories */
	long nr;		/* nr_hugepages */
	long free;		/* free_hugepages, -1 when unknown */
};

struct numa_node {
	int id;
	struct cpuset cpus;
	long memory_mib;	/* MemTotal of the node, -1 when unknown */
	long free_mib;		/* MemFree of the node, -1 when unknown */
	int npools;
	struct hugepool pools[HOST_MAX_POOLS];
};

struct host_cpu {
	int id;
	int node;		/* -1 when unknown */
	int core_id;
	int package_id;
	int l3;			/* index into host.l3, -1 when the cache topology is unknown */
	struct cpuset siblings;	/* thread_siblings_list, includes the cpu itself */
};

enum cpu_flag {
	CPUF_CONSTANT_TSC = 1 << 0,
	CPUF_NONSTOP_TSC = 1 << 1,
	CPUF_TSC_RELIABLE = 1 << 2,
	CPUF_TSC_KNOWN_FREQ = 1 << 3,
	CPUF_HYPERVISOR = 1 << 4,
	CPUF_HT = 1 << 5,
	CPUF_PDPE1GB = 1 << 6,
	CPUF_RDTSCP = 1 << 7,
	CPUF_INVTSC_CPUID = 1 << 8,	/* CPUID 0x80000007 EDX[8], live host only */
};
/* Names for JSON and reports, indexed by bit number. */
extern const char *const cpu_flag_names[];
#define CPU_FLAG_COUNT 9

struct hugetlbfs_mount {
	char path[256];
	unsigned long pagesize_kb;
};

struct irq {
	int num;
	char name[96];		/* the actions, e.g. "virtio2-input.0" */
	char chip[64];		/* e.g. "PCI-MSIX-0000:00:03.0" */
	unsigned long long count;	/* summed over cpus */
	bool has_affinity, has_effective;
	/* Interned (host.irq_sets): IRQs share a few lists. An empty set when the file was not read. */
	const struct cpuset *affinity;		/* smp_affinity_list */
	const struct cpuset *effective;		/* effective_affinity_list */
};

struct nic_ethtool {
	bool has_coalesce;
	long rx_usecs, tx_usecs, adaptive_rx, adaptive_tx, rx_frames;
	bool has_ring;
	long rx_pending, rx_max, tx_pending, tx_max;
	bool has_drvinfo;
	char driver[32], version[32], bus_info[32], firmware[32];
	/* ETHTOOL_GET_TS_INFO: the timestamping the NIC offers and its PTP hardware clock */
	bool has_tsinfo;
	bool tsinfo_unsupported;	/* the driver refused the ioctl (live, or as a capture kept it) */
	unsigned long so_timestamping;	/* SOF_TIMESTAMPING_* capabilities */
	unsigned long tx_types;		/* 1 << HWTSTAMP_TX_* */
	unsigned long rx_filters;	/* 1 << HWTSTAMP_FILTER_* */
	long phc_index;			/* /dev/ptpN; -1: no PTP hardware clock */
	char source[16];	/* "ioctl" or "capture" */
};

struct nic {
	char name[32];		/* netdev name; "" for a PCI device with no netdev (vfio-pci, uio) */
	char pci[32];		/* "0000:04:00.0", "" when not on PCI */
	char driver[64];	/* bound PCI driver (or netdev driver), "" when unbound */
	int numa_node;		/* -1 when unknown */
	bool has_local_cpus;
	struct cpuset local_cpus;
	long speed_mbps;	/* -1 when unknown */
	int rx_queues, tx_queues;
	bool default_route;	/* carries a default route (IPv4 or IPv6): the management path */
	char operstate[16];
	/* PCIe link; has_link false when the files are missing (virtual, or not PCIe) */
	bool has_link;
	double link_gts, max_link_gts;	/* GT/s */
	int link_width, max_link_width;
	char link_speed[48], max_link_speed[48];
	int iommu_group;	/* -1 when none */
	int iommu_group_devices;
	size_t nirqs;
	int *irqs;		/* IRQ numbers (msi_irqs, or the legacy irq) */
	struct nic_ethtool eth;
	struct nic_netpath np;	/* offloads, pause, channels, XDP features */
	unsigned pci_vendor, pci_device;	/* PCI ids; 0 when not on PCI or unreadable */
	char master[32];	/* the netdev this one is enslaved to (/sys/class/net/NAME/master); "" for none */
	enum cloud_nic cloud;	/* its role on the instance's cloud (cloud_nics) */
	char cloud_of[32];	/* CLOUD_NIC_AZURE_VF: the synthetic NIC it accelerates */
};

/* The driver that names the NIC's ethtool statistics: ethtool's (virtio_net), else the bound one (virtio-pci). */
const char *nic_stats_driver(const struct nic *n);

/* One thread's /proc/PID/task/TID/status: the fields the task checks judge. */
struct host_thread {
	int pid, tid;
	char comm[64];		/* Name:, as /proc escapes it */
	long ppid;		/* -1 when absent */
	int kthread;		/* Kthread: 1 or 0; -1 when the kernel has no such line (before 6.x) */
	const struct cpuset *cpus;	/* Cpus_allowed_list, interned: a host's threads share a few sets */
};

struct host_tasks {
	int rc;			/* 0, or -errno when /proc cannot be listed */
	size_t n;
	struct host_thread *v;	/* threads with a usable status, in name order of /proc and of each task dir */
	size_t unreadable;	/* statuses unreadable or without a usable Cpus_allowed_list */
};

/* The first process (in name order) holding HOST_DMA_LATENCY open, found by its fd links alone. */
struct host_dma_holder {
	int rc;			/* 0, or -errno when /proc cannot be listed */
	char pid[16];		/* "" when no readable process holds it */
	int unreadable;		/* processes looked at whose fds could not be listed (EACCES/EPERM) */
};

#define HOST_DMA_LATENCY "/dev/cpu_dma_latency"

struct host_proc;
struct host_routes;
struct mgmt_set;
struct routes;

struct host {
	const struct sysroot *sr;
	struct host_proc *proc;	/* /proc's processes: read on first use (host_tasks, host_dma_holder), then kept */
	struct mgmt_set *mgmt;	/* the management path: read on first use (host_mgmt), then kept */
	struct host_routes *routes;	/* the route tables: read on first use (host_routes), then kept */
	char release[128];
	char *cmdline_raw;	/* NULL when /proc/cmdline could not be read */
	struct cmdline cmdline;
	/*
	 * The command line staged for the next boot: the running one plus the GRUB drop-in's parameters, or on
	 * systemd-boot (host_boot_tool) /etc/kernel/cmdline as it is; apply --once's parameters added.
	 */
	bool has_staged;
	struct cmdline staged;
	enum host_boot boot;	/* host_boot_tool(sr), detected once for the run */

	bool has_present, has_online;
	struct cpuset present, online;
	bool has_isolated, has_nohz_full;
	struct cpuset isolated;		/* /sys/devices/system/cpu/isolated (the kernel's isolcpus view) */
	struct cpuset nohz_full;	/* /sys/devices/system/cpu/nohz_full */
	int nohz_full_file;		/* 1 read (a cpu list or not), -1 absent, 0 unknown: it exists only with NO_HZ_FULL */
	bool has_isolcpus_param, has_nohz_param, has_rcu_nocbs_param;
	struct cpuset isolcpus_param;	/* isolcpus= from the command line */
	unsigned isolcpus_flags;
	struct cpuset nohz_param, rcu_nocbs;	/* from the command line */
	int smt_threads_per_core;	/* 0 when unknown */
	/* cpus whose thread_siblings_list and core_cpus_list differ (one kernel mask: a damaged tree) */
	struct cpuset smt_disagree;
	char smt_control[32];		/* /sys/devices/system/cpu/smt/control, "" when absent */

	bool cpus_from_dirs;	/* no present/online files: cpus from the cpuN directories and their online files */
	/* cpus the cgroup cpuset lets this process (or the --cgroup given) use; has_allowed false when unknown */
	bool has_allowed;
	struct cpuset allowed;
	char allowed_source[320];	/* the cpuset file read */

	size_t ncpus;
	struct host_cpu *cpus;	/* one per present cpu, by ascending id */
	int npackages, ncores;	/* distinct physical_package_id and (package, core_id) pairs, 0 when unknown */
	size_t nl3;
	struct cpuset *l3;	/* L3 cache groups (shared_cpu_list of the level-3 cache), by first cpu */

	char cpu_vendor[64];
	char cpu_model[128];	/* the kernel's model name, as lscpu shows it; CPUID's brand without one */
	char cpu_brand[128];	/* CPUID's brand string (live, or recorded in a capture), "" when not read */
	unsigned cpu_flags;	/* enum cpu_flag */
	const char *cpu_source;	/* where vendor and model came from: "cpuinfo", "cpuid" or "unknown" */
	const char *cpu_flags_source;	/* "cpuinfo", "cpuinfo+cpuid", "cpuid" or "unknown" */
	char cpu_hypervisor[13];	/* CPUID 0x40000000's signature (live, or recorded in a capture), "" when none */
	struct host_cloud cloud;	/* provider, instance type, metal or virtual (cloud_load) */
	bool cpuinfo_skipped;	/* live x86 kernel 4.13-5.17: /proc/cpuinfo left unread (host_cpuinfo_sends_ipis) */

	size_t nnodes;
	struct numa_node *nodes;	/* sorted by id */
	bool nodes_implicit;	/* no NUMA directories: one node 0 holding every cpu, as the kernel sees it */
	bool nodes_from_cpumap;	/* a node gave only cpumap (no cpulist) */
	struct cpuset node_overlap;	/* cpus more than one node lists (firmware SRAT trouble) */
	bool node_overlap_by_kernel;	/* each such cpu placed by the kernel's cpuN/nodeM link, not by its lowest node */
	size_t nodes_phantom;	/* nodes dropped: they listed only other nodes' cpus and have no memory */
	unsigned long default_hugepage_kb;	/* Hugepagesize in /proc/meminfo, 0 when unknown */
	int npools;
	struct hugepool pools[HOST_MAX_POOLS];	/* system-wide */
	int mounts_rc;		/* reading /proc/mounts: 0, or -errno (no mount is known then) */
	size_t nmounts;
	struct hugetlbfs_mount *mounts;

	bool has_irqs;
	int irqs_err;		/* reading /proc/interrupts: 0, or -errno (has_irqs false) */
	size_t nirqs;
	struct irq *irqs;	/* numbered IRQs of /proc/interrupts, ascending */
	struct cpuset_pool irq_sets[2];	/* their affinity lists, one pool per reading thread */
	bool has_helpers;		/* helper threads may run, on helpers only (host_confine) */
	struct cpuset helpers;

	size_t nnics;
	struct nic *nics;
};

/*
 * Reads the host once. Missing files leave the matching has_* false, counts zero or
 * fields -1/"": a partial tree is a host with less known, never an error.
 * Returns 0, or -errno only for allocation-level trouble.
 */
int host_load(struct host *h, const struct sysroot *sr);
enum host_load_flags {
	HOST_PROCS_AHEAD = 1u << 0,	/* read the process table in a second thread meanwhile (host_proc_read_ahead) */
};
/*
 * Where tickready's own threads may run: asked once the topology and nodes are read, it gives the
 * profile's housekeeping cpus (0), or fails (<0) when they are unknown. Helper threads then run only on
 * those the process is allowed; none (or no confine) keeps the load single-threaded, so tickready never
 * adds a thread to an isolated core.
 */
struct host_confine {
	int (*housekeeping)(const struct host *h, void *arg, struct cpuset *out);
	void *arg;
};
int host_load_with(struct host *h, const struct sysroot *sr, unsigned flags, const struct host_confine *confine);
/* The process's allowed cpus within housekeeping (sched_getaffinity): false when none. */
bool host_helper_cpus(const struct cpuset *housekeeping, struct cpuset *out);
void host_cpu_set(const struct cpuset *s, cpu_set_t *out);
/*
 * x86 kernels 4.13 to 5.17 sample each cpu's APERF/MPERF by IPI to print "cpu MHz" when /proc/cpuinfo
 * (or cpufreq/scaling_cur_freq) is read; from 5.3 nohz_full cpus are spared, isolcpus-only ones are not.
 * 5.18 reads a value the tick keeps. True for a release in that range.
 */
bool host_cpuinfo_sends_ipis(const char *release);
/* Has anything read the process table's status files (or begun to)? For the registry's test of CF_PROCS. */
bool host_procs_read(const struct host *h);
void host_free(struct host *h);
/*
 * The cpus a cgroup's cpuset allows: cgroup NULL reads the audit's own (/proc/self/cgroup), else a
 * cgroup path ("/kubepods.slice/x" or "/sys/fs/cgroup/x"). v2 cpuset.cpus.effective (nearest ancestor
 * that has one), else v1's cpuset.effective_cpus. Returns 0, or -ENOENT when no cpuset file is found
 * (-EINVAL for a path with "..").
 */
int host_load_allowed(struct host *h, const char *cgroup);
/* Online cpus the cgroup allows (online alone when the cgroup is unknown). */
void host_usable(const struct host *h, struct cpuset *out);

const struct host_cpu *host_cpu(const struct host *h, int cpu);
const struct numa_node *host_node(const struct host *h, int id);
int host_cpu_node(const struct host *h, int cpu);
/* vfio-pci, uio_pci_generic, igb_uio: the device belongs to a user-space driver, not the kernel stack. */
bool nic_userspace_driver(const char *driver);
const struct nic *host_nic_by_name(const struct host *h, const char *name);
const struct nic *host_nic_by_pci(const struct host *h, const char *pci);
const struct irq *host_irq(const struct host *h, int num);
/*
 * Every thread's status, and the holder of HOST_DMA_LATENCY: each read on its first call and the
 * same answer after, so the checks that ask share one pass over /proc (the walks cost more than the
 * rest of a live audit). Not thread-safe; h->sr must still be open.
 */
const struct host_tasks *host_tasks(const struct host *h);
/* /proc/net/route and /proc/net/ipv6_route, read once per host at the first use (unreadable: no routes). */
const struct routes *host_routes(const struct host *h);
const struct host_dma_holder *host_dma_holder(const struct host *h);
/*
 * The first process (in name order of /proc) whose name is comm, from the same pass: the Name of
 * /proc/PID/status (trimmed, as a read of /proc/PID/comm is), or /proc/PID/comm where there is no
 * status. A name longer than the kernel keeps (15 bytes) matches by those 15, as pgrep does.
 * -1 when none, or when /proc cannot be listed.
 */
long host_process_named(const struct host *h, const char *comm);
/* Every process named comm (as host_process_named matches): how many, the first max of them in pids. */
size_t host_processes_named(const struct host *h, const char *comm, long *pids, size_t max);
/* A process's command line: /proc/PID/cmdline split at its NULs (n 0 for a kernel thread or a zombie). */
struct host_argv {
	size_t n;
	char **v;	/* n strings, then NULL */
	char *buf;
};
/* 0, or -errno when /proc/PID/cmdline cannot be read (a capture taken without it); free with host_argv_free. */
int host_process_argv(const struct host *h, long pid, struct host_argv *out);
void host_argv_free(struct host_argv *a);
/* Pool of a size on a node (node -1: system-wide); NULL when the kernel has no such pool. */
const struct hugepool *host_pool(const struct host *h, int node, unsigned long size_kb);
/* The SMT siblings of every cpu in set, set included. */
void host_expand_siblings(const struct host *h, const struct cpuset *set, struct cpuset *out);


/* The first node whose online cpus isolated would take all (no housekeeping cpu left), -1 when none. */
int host_bare_node(const struct host *h, const struct cpuset *isolated);
/* Default housekeeping: the first online cpu of each node and its SMT siblings. */
void host_default_housekeeping(const struct host *h, struct cpuset *out);
