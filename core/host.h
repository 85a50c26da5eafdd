/* The host model: built once per run from the sysroot, read by every check, tuner and verify. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"
#include "cpuset.h"
#include "sysroot.h"

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
	struct cpuset affinity;		/* smp_affinity_list */
	struct cpuset effective;	/* effective_affinity_list */
};

struct nic_ethtool {
	bool has_coalesce;
	long rx_usecs, tx_usecs, adaptive_rx, adaptive_tx, rx_frames;
	bool has_ring;
	long rx_pending, rx_max, tx_pending, tx_max;
	bool has_drvinfo;
	char driver[32], version[32], bus_info[32], firmware[32];
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
};

struct host {
	const struct sysroot *sr;
	char release[128];
	char *cmdline_raw;	/* NULL when /proc/cmdline could not be read */
	struct cmdline cmdline;
	/*
	 * The command line staged for the next boot: the running one plus the GRUB drop-in's parameters, or on
	 * systemd-boot (host_boot_tool) /etc/kernel/cmdline as it is; apply --once's parameters added.
	 */
	bool has_staged;
	struct cmdline staged;

	bool has_present, has_online;
	struct cpuset present, online;
	bool has_isolated, has_nohz_full;
	struct cpuset isolated;		/* /sys/devices/system/cpu/isolated (the kernel's isolcpus view) */
	struct cpuset nohz_full;	/* /sys/devices/system/cpu/nohz_full */
	bool has_isolcpus_param, has_nohz_param, has_rcu_nocbs_param;
	struct cpuset isolcpus_param;	/* isolcpus= from the command line */
	unsigned isolcpus_flags;
	struct cpuset nohz_param, rcu_nocbs;	/* from the command line */
	int smt_threads_per_core;	/* 0 when unknown */
	char smt_control[32];		/* /sys/devices/system/cpu/smt/control, "" when absent */

	size_t ncpus;
	struct host_cpu *cpus;	/* one per present cpu, by ascending id */

	char cpu_vendor[64];
	char cpu_model[128];
	unsigned cpu_flags;	/* enum cpu_flag */
	const char *cpu_source;	/* "cpuid", "cpuinfo" or "unknown" */

	size_t nnodes;
	struct numa_node *nodes;	/* sorted by id */
	unsigned long default_hugepage_kb;	/* Hugepagesize in /proc/meminfo, 0 when unknown */
	int npools;
	struct hugepool pools[HOST_MAX_POOLS];	/* system-wide */
	size_t nmounts;
	struct hugetlbfs_mount *mounts;

	bool has_irqs;
	size_t nirqs;
	struct irq *irqs;	/* numbered IRQs of /proc/interrupts, ascending */

	size_t nnics;
	struct nic *nics;
};

/*
 * Reads the host once. Missing files leave the matching has_* false, counts zero or
 * fields -1/"": a partial tree is a host with less known, never an error.
 * Returns 0, or -errno only for allocation-level trouble.
 */
int host_load(struct host *h, const struct sysroot *sr);
void host_free(struct host *h);

const struct host_cpu *host_cpu(const struct host *h, int cpu);
const struct numa_node *host_node(const struct host *h, int id);
int host_cpu_node(const struct host *h, int cpu);
/* vfio-pci, uio_pci_generic, igb_uio: the device belongs to a user-space driver, not the kernel stack. */
bool nic_userspace_driver(const char *driver);
const struct nic *host_nic_by_name(const struct host *h, const char *name);
const struct nic *host_nic_by_pci(const struct host *h, const char *pci);
const struct irq *host_irq(const struct host *h, int num);
/* Pool of a size on a node (node -1: system-wide); NULL when the kernel has no such pool. */
const struct hugepool *host_pool(const struct host *h, int node, unsigned long size_kb);
/* The SMT siblings of every cpu in set, set included. */
void host_expand_siblings(const struct host *h, const struct cpuset *set, struct cpuset *out);

/* Where apply stages boot parameters on Debian/Ubuntu; read by host_load for pending-reboot verdicts. */
#define HOST_GRUB_DROPIN "/etc/default/grub.d/99-tickready.cfg"
/*
 * The parameters a GRUB drop-in sets: each GRUB_CMDLINE_LINUX[_DEFAULT]="..." line (leading
 * whitespace allowed, comments skipped), "$VAR" references left out. malloc'd, space-separated.
 */
char *host_grub_dropin_params(const char *text);
#define HOST_GRUB_ONCE "/etc/grub.d/42_tickready_once"
/* systemd-boot: kernel-install copies this file into the next kernel's entry. */
#define HOST_KERNEL_CMDLINE "/etc/kernel/cmdline"

/* The distribution's boot tooling, detected from files, in this order. */
enum host_boot { HB_NONE, HB_GRUB, HB_SDBOOT, HB_GRUBBY };
enum host_boot host_boot_tool(const struct sysroot *sr);

/* Default housekeeping: the first online cpu of each node and its SMT siblings. */
void host_default_housekeeping(const struct host *h, struct cpuset *out);
