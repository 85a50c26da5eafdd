/* Profiles: INI files (inih's syntax, lines of any length) with includes and ${vars}, validated against one key table. */
#pragma once
#include <stdbool.h>

#include "cpuset.h"
#include "host.h"

enum profile_type {
	PT_STRING,	/* free text */
	PT_CPULIST,	/* "auto" or a cpu list, ${vars} allowed */
	PT_BOOL,	/* yes/no (true/false, on/off, 1/0) or any */
	PT_INT,		/* integer within [min, max] or any */
	PT_ENUM,	/* one of the '|'-separated choices, or any */
	PT_SIZE,	/* hugepage size: 2M, 1G, 2048kB */
	PT_WORDS,	/* comma-separated words */
	PT_LIMIT,	/* a resource limit: unlimited, or a byte size with K/M/G/T (64M) */
};

/*
 * Every key a profile may set: X(enum name, "section", "key", type, min, max, "choices", "what it means").
 * The loader, `profile show`, the man page table and the tests come from this one list.
 */
#define PROFILE_KEYS(X) \
	X(PK_NAME, "profile", "name", PT_STRING, 0, 0, NULL, "profile name shown in reports") \
	X(PK_DESCRIPTION, "profile", "description", PT_STRING, 0, 0, NULL, "one-line description") \
	X(PK_INCLUDE, "profile", "include", PT_STRING, 0, 0, NULL, "parent profile, by name or path") \
	X(PK_ISOLATED_CORES, "cpu", "isolated_cores", PT_CPULIST, 0, 0, NULL, "cpus for the bypass threads; auto = all but housekeeping") \
	X(PK_HOUSEKEEPING_CORES, "cpu", "housekeeping_cores", PT_CPULIST, 0, 0, NULL, "cpus for the OS; auto = first cpu of each node and its SMT siblings") \
	X(PK_ISOLCPUS_FLAGS, "cpu", "isolcpus_flags", PT_WORDS, 0, 0, "managed_irq|domain|nohz|none", "isolcpus= flags wanted; none = no isolcpus=") \
	X(PK_NOHZ_FULL, "cpu", "nohz_full", PT_BOOL, 0, 0, NULL, "nohz_full= on the isolated cores") \
	X(PK_RCU_NOCBS, "cpu", "rcu_nocbs", PT_BOOL, 0, 0, NULL, "rcu_nocbs= on the isolated cores") \
	X(PK_GOVERNOR, "cpu", "governor", PT_ENUM, 0, 0, "performance|powersave|schedutil|ondemand|userspace|conservative", "cpufreq governor on isolated cores") \
	X(PK_TURBO, "cpu", "turbo", PT_ENUM, 0, 0, "on|off", "turbo/boost state") \
	X(PK_MAX_IDLE_LATENCY_US, "cpu", "max_idle_latency_us", PT_INT, 0, 100000, NULL, "deepest C-state exit latency allowed on isolated cores") \
	X(PK_IDLE_BOOT_LIMIT, "cpu", "idle_boot_limit", PT_BOOL, 0, 0, NULL, "also limit C-states on the kernel command line (intel_idle/processor.max_cstate, or idle=poll): every cpu, from early boot") \
	X(PK_SMT, "cpu", "smt", PT_ENUM, 0, 0, "on|off", "SMT (hyper-threading) state") \
	X(PK_CLOCKSOURCE, "cpu", "clocksource", PT_ENUM, 0, 0, "tsc|kvm-clock|hpet|acpi_pm", "current clocksource") \
	X(PK_INVARIANT_TSC, "cpu", "invariant_tsc", PT_BOOL, 0, 0, NULL, "require constant_tsc and nonstop_tsc") \
	X(PK_HUGEPAGE_SIZE, "memory", "hugepage_size", PT_SIZE, 0, 0, NULL, "hugepage size for DPDK") \
	X(PK_HUGEPAGES, "memory", "hugepages", PT_INT, 0, 1000000, NULL, "hugepages of that size on the NIC's node") \
	X(PK_HUGETLBFS, "memory", "hugetlbfs", PT_BOOL, 0, 0, NULL, "require a hugetlbfs mount for that size") \
	X(PK_THP, "memory", "thp", PT_ENUM, 0, 0, "never|madvise|always", "transparent hugepages") \
	X(PK_NUMA_BALANCING, "memory", "numa_balancing", PT_INT, 0, 3, NULL, "kernel.numa_balancing") \
	X(PK_SWAP, "memory", "swap", PT_ENUM, 0, 0, "off|on", "swap devices active") \
	X(PK_SWAPPINESS, "memory", "swappiness", PT_INT, 0, 200, NULL, "vm.swappiness") \
	X(PK_KSM, "memory", "ksm", PT_ENUM, 0, 0, "off|on", "kernel same-page merging (ksmd scans memory)") \
	X(PK_MEMLOCK, "memory", "memlock", PT_LIMIT, 0, 0, NULL, "locked-memory limit the application needs: unlimited or a size (64M)") \
	X(PK_THP_BOOT, "memory", "thp_boot", PT_BOOL, 0, 0, NULL, "transparent_hugepage=never on the command line, from early boot") \
	X(PK_IRQBALANCE, "irq", "irqbalance", PT_ENUM, 0, 0, "off|banned", "irqbalance stopped, or running with the isolated cores banned") \
	X(PK_NIC_IRQS_LOCAL, "irq", "nic_irqs_local", PT_BOOL, 0, 0, NULL, "NIC IRQs on housekeeping cores of the NIC's node") \
	X(PK_IRQAFFINITY, "irq", "irqaffinity", PT_BOOL, 0, 0, NULL, "irqaffinity= housekeeping cores on the command line (IRQs set up at boot)") \
	X(PK_TIMER_MIGRATION, "kernel", "timer_migration", PT_INT, 0, 1, NULL, "kernel.timer_migration") \
	X(PK_WATCHDOG, "kernel", "watchdog", PT_ENUM, 0, 0, "off|housekeeping|on", "kernel.watchdog/nmi_watchdog: off, or only on housekeeping cores") \
	X(PK_SCHED_RT_RUNTIME_US, "kernel", "sched_rt_runtime_us", PT_INT, -1, 1000000, NULL, "kernel.sched_rt_runtime_us") \
	X(PK_STAT_INTERVAL, "kernel", "stat_interval", PT_INT, 1, 3600, NULL, "vm.stat_interval (seconds)") \
	X(PK_WORKQUEUE_HOUSEKEEPING, "kernel", "workqueue_housekeeping", PT_BOOL, 0, 0, NULL, "unbound workqueues confined to housekeeping cores") \
	X(PK_MITIGATIONS, "kernel", "mitigations", PT_ENUM, 0, 0, "off|auto|auto,nosmt", "mitigations= on the command line") \
	X(PK_SKEW_TICK, "kernel", "skew_tick", PT_BOOL, 0, 0, NULL, "skew_tick=1") \
	X(PK_NOSOFTLOCKUP, "kernel", "nosoftlockup", PT_BOOL, 0, 0, NULL, "nosoftlockup on the command line") \
	X(PK_HUNG_TASK_TIMEOUT, "kernel", "hung_task_timeout_secs", PT_INT, 0, 86400, NULL, "kernel.hung_task_timeout_secs") \
	X(PK_MCE_IGNORE_CE, "kernel", "mce_ignore_ce", PT_BOOL, 0, 0, NULL, "stop corrected machine-check polling") \
	X(PK_BUSY_READ, "kernel", "busy_read", PT_INT, 0, 1000000, NULL, "net.core.busy_read (us)") \
	X(PK_BUSY_POLL, "kernel", "busy_poll", PT_INT, 0, 1000000, NULL, "net.core.busy_poll (us)") \
	X(PK_RCU_NOCB_POLL, "kernel", "rcu_nocb_poll", PT_BOOL, 0, 0, NULL, "rcu_nocb_poll: RCU callback threads poll instead of being woken from the isolated cores") \
	X(PK_KTHREAD_CPUS, "kernel", "kthread_cpus", PT_BOOL, 0, 0, NULL, "kthread_cpus= housekeeping cores on the command line") \
	X(PK_PREEMPT_RT, "kernel", "preempt_rt", PT_BOOL, 0, 0, NULL, "a PREEMPT_RT kernel (yes) or not (no)") \
	X(PK_TIMESYNC, "time", "sync", PT_ENUM, 0, 0, "required|warn", "clock sync judged: required fails what is wrong (no daemon, not synchronised, a local reference, an offset past the bound), warn only warns") \
	X(PK_TIME_SOURCE, "time", "source", PT_ENUM, 0, 0, "ptp|ntp", "the sync the host must run: ptp (ptp4l with phc2sys, or timemaster) or ntp (chronyd or ntpd)") \
	X(PK_TIME_MAX_OFFSET, "time", "max_offset_ns", PT_INT, 1, 1000000000, NULL, "largest offset from the reference allowed (chronyd's system time and RMS offset, ptp4l's offset from master)") \
	X(PK_TIME_CHRONY_SOCKET, "time", "chronyd_socket", PT_STRING, 0, 0, NULL, "chronyd's command socket chronyc asks (default /run/chrony/chronyd.sock)") \
	X(PK_TIME_PTP4L_SOCKET, "time", "ptp4l_socket", PT_STRING, 0, 0, NULL, "ptp4l's management socket (uds_address) pmc asks (default /var/run/ptp4l)") \
	X(PK_TIME_INTERFACE, "time", "interface", PT_STRING, 0, 0, NULL, "the timing NIC (a netdev) whose PTP hardware clock and hardware timestamps time.phc judges (default the [nic.ptp] role's NIC, else the [nic] interface)") \
	X(PK_NIC_INTERFACE, "nic", "interface", PT_STRING, 0, 0, NULL, "bypass NIC: netdev name, PCI address, auto or none") \
	X(PK_NIC_DRIVER, "nic", "driver", PT_STRING, 0, 0, NULL, "driver wanted: vfio-pci, uio_pci_generic, kernel (no rebinding) or a name") \
	X(PK_NIC_STACK, "nic", "stack", PT_ENUM, 0, 0, "auto|dpdk|dpdk-bifurcated|af_xdp|onload|ef_vi|tcpdirect|vma|rdma|netmap|pf_ring|kernel", "packet path of the application; auto detects it (drivers, modules, device nodes, libraries)") \
	X(PK_IOMMU, "nic", "iommu", PT_ENUM, 0, 0, "on|noiommu", "IOMMU state wanted for vfio-pci") \
	X(PK_RX_USECS, "nic", "rx_usecs", PT_INT, 0, 100000, NULL, "rx-usecs coalescing") \
	X(PK_ADAPTIVE_RX, "nic", "adaptive_rx", PT_ENUM, 0, 0, "on|off", "adaptive-rx coalescing") \
	X(PK_RX_RING, "nic", "rx_ring", PT_STRING, 0, 0, NULL, "rx ring size: a number or max") \
	X(PK_TX_RING, "nic", "tx_ring", PT_STRING, 0, 0, NULL, "tx ring size: a number or max") \
	X(PK_QUEUES, "nic", "queues", PT_INT, 1, 4096, NULL, "combined (or rx) channels of the NIC") \
	X(PK_GRO, "nic", "gro", PT_ENUM, 0, 0, "on|off", "generic receive offload") \
	X(PK_LRO, "nic", "lro", PT_ENUM, 0, 0, "on|off", "large receive offload") \
	X(PK_PAUSE, "nic", "pause", PT_ENUM, 0, 0, "on|off", "Ethernet pause frames (rx and tx flow control)") \
	X(PK_NTUPLE, "nic", "ntuple", PT_ENUM, 0, 0, "on|off", "ntuple filters (flow steering to a queue)") \
	X(PK_RPS, "nic", "rps", PT_ENUM, 0, 0, "off|housekeeping", "RPS/XPS/RFS steering: off, or only onto housekeeping cores") \
	X(PK_NAPI_DEFER, "nic", "napi_defer_hard_irqs", PT_INT, 0, 1000000, NULL, "napi_defer_hard_irqs of the NIC (NAPI busy polling)") \
	X(PK_GRO_FLUSH, "nic", "gro_flush_timeout", PT_INT, 0, 1000000000, NULL, "gro_flush_timeout of the NIC in ns (NAPI busy polling)") \
	X(PK_XDP, "nic", "xdp", PT_ENUM, 0, 0, "native|zerocopy", "XDP support the driver must have: native, or AF_XDP zero-copy") \
	X(PK_ASPM, "nic", "aspm", PT_ENUM, 0, 0, "off", "PCIe ASPM disabled on the NIC's link") \
	X(PK_MAX_READ_REQ, "nic", "max_read_req", PT_INT, 128, 4096, NULL, "PCIe MaxReadReq of the NIC at least this (bytes)") \
	X(PK_NIC_CPUS, "nic", "cpus", PT_CPULIST, 0, 0, NULL, "cpus serving this NIC (its polling threads), all on its node; default the isolated cores. Not inherited by a [nic.ROLE]") \
	X(PK_NIC_TIMESTAMPING, "nic", "timestamping", PT_ENUM, 0, 0, "hardware|software", "timestamps the NIC must give when it is the timing NIC (time.phc): hardware (a PTP hardware clock, hardware transmit, receive and raw stamps) whatever [time] source is, or software") \
	X(PK_NIC_CPUS_SHARED, "nic", "cpus_shared", PT_BOOL, 0, 0, NULL, "this NIC's cpus may overlap another role's (default no). Not inherited by a [nic.ROLE]") \
	X(PK_EPB, "power", "energy_perf_bias", PT_INT, 0, 15, NULL, "energy_perf_bias (0 = performance)") \
	X(PK_EPP, "power", "epp", PT_ENUM, 0, 0, "performance|balance_performance|default|balance_power|power", "energy_performance_preference") \
	X(PK_MIN_PERF_PCT, "power", "min_perf_pct", PT_INT, 0, 100, NULL, "intel_pstate min_perf_pct") \
	X(PK_CPU_DMA_LATENCY, "power", "cpu_dma_latency", PT_ENUM, 0, 0, "held|not-held", "/dev/cpu_dma_latency held open by a process") \
	X(PK_DMA_LATENCY_MAX, "power", "cpu_dma_latency_max_us", PT_INT, 0, 100000, NULL, "the value held on /dev/cpu_dma_latency at most this") \
	X(PK_TASKS_ALLOWED, "tasks", "allowed", PT_WORDS, 0, 0, NULL, "thread names allowed on isolated cores") \
	X(PK_SYSTEMD_AFFINITY, "tasks", "systemd_affinity", PT_BOOL, 0, 0, NULL, "systemd CPUAffinity= confined to housekeeping cores") \
	X(PK_SERVICE, "tasks", "service", PT_STRING, 0, 0, NULL, "systemd unit of the trading application (memlock is judged on it)") \
	X(PK_OTHER_TUNERS, "tasks", "other_tuners", PT_ENUM, 0, 0, "off|warn", "competing tuners (tuned, tuned-ppd, bpftune, power-profiles-daemon): off fails, warn warns") \
	X(PK_APP_CONFIG, "app", "config", PT_STRING, 0, 0, NULL, "the trading application's DPDK configuration (YAML, dpdk_config:) audit and report judge in the app area; a relative path is taken from this profile's directory") \
	X(PK_APP_EAL, "app", "eal", PT_STRING, 0, 0, NULL, "the application's EAL arguments audit and report judge in the app area (\"-l 2-7 --socket-mem 4096,0\"); config or eal, not both") \
	X(PK_T_LOOPBACK_P50, "targets", "loopback.p50_ns", PT_INT, 1, 1000000000, NULL, "verify: loopback P50 latency") \
	X(PK_T_LOOPBACK_P99, "targets", "loopback.p99_ns", PT_INT, 1, 1000000000, NULL, "verify: loopback P99 latency") \
	X(PK_T_LOOPBACK_P9999, "targets", "loopback.p9999_ns", PT_INT, 1, 1000000000, NULL, "verify: loopback P99.99 latency") \
	X(PK_T_LOOPBACK_MAX, "targets", "loopback.max_ns", PT_INT, 1, 1000000000, NULL, "verify: loopback maximum latency") \
	X(PK_T_IDLE_MAX_GAP, "targets", "idle.max_gap_us", PT_INT, 1, 10000000, NULL, "verify: longest poll-loop gap on an isolated core") \
	X(PK_T_PORT_MIN_MPPS, "targets", "port.min_mpps", PT_INT, 0, 1000, NULL, "verify: minimum receive rate") \
	X(PK_T_PORT_P99, "targets", "port.p99_ns", PT_INT, 1, 1000000000, NULL, "verify: port P99 latency") \
	X(PK_T_KVB_MIN_GAIN, "targets", "kernel_vs_bypass.min_p99_gain", PT_INT, 1, 1000, NULL, "verify: kernel P99 / bypass P99 at least this (default 1: bypass not slower)") \
	X(PK_T_MAX_DROP_PPM, "targets", "max_drop_ppm", PT_INT, 0, 1000000, NULL, "verify: packets sent and never received, per million, every stream (default 0)") \
	X(PK_T_MAX_TSC_SKEW, "targets", "max_tsc_skew_ns", PT_INT, 0, 1000000000, NULL, "verify: cross-core TSC offset between generator and poller cores (loopback)") \
	X(PK_T_IDLE_MAX_TICKS, "targets", "idle.max_timer_irqs_per_s", PT_INT, 0, 1000000, NULL, "verify: local timer interrupts per second on each measured core (nohz_full: ~0)") \
	X(PK_T_PINGPONG_P999, "targets", "pingpong.p999_ns", PT_INT, 1, 1000000000, NULL, "verify: pingpong DPDK half round trip P99.9") \
	X(PK_T_PINGPONG_MAX, "targets", "pingpong.max_ns", PT_INT, 1, 1000000000, NULL, "verify: pingpong DPDK half round trip maximum") \
	X(PK_T_FEEDS_P999, "targets", "feeds.p999_ns", PT_INT, 1, 1000000000, NULL, "verify: feeds DPDK path one-way P99.9, every feed together") \
	X(PK_T_FEEDS_MAX, "targets", "feeds.max_ns", PT_INT, 1, 1000000000, NULL, "verify: feeds DPDK path one-way maximum") \
	X(PK_T_FEEDS_MIN_RATE, "targets", "feeds.min_rate_pct", PT_INT, 1, 100, NULL, "verify: the generator's rate reached, percent of the scenario's (default 95)")

enum profile_key {
#define X(e, s, k, t, mn, mx, ch, doc) e,
	PROFILE_KEYS(X)
#undef X
	PK_COUNT
};

struct profile_key_info {
	const char *section, *key;
	enum profile_type type;
	long min, max;
	const char *choices, *doc;
};
extern const struct profile_key_info profile_keys[PK_COUNT];

struct profile_value {
	char *raw;	/* as written, NULL when unset */
	char *value;	/* after ${var} expansion (profile_resolve) */
	char *file;	/* where it was set */
	int line;
};

struct profile;

/*
 * A [nic.ROLE] section (feed, orders, ptp...): the [nic] keys it sets. Every other [nic] key is the default
 * [nic]'s, but for interface, cpus and cpus_shared, which are the role's own.
 */
struct profile_role {
	char *name;
	char *file;	/* where its section first opened */
	int line;
	struct profile_value v[PK_COUNT];	/* [nic] keys only */
	struct profile *view;	/* after profile_resolve: the profile as this role's checks see it */
};

struct profile {
	char *name;	/* [profile] name, or the file's base name */
	char *source;	/* the top file, or "builtin:NAME" */
	struct profile_value v[PK_COUNT];

	/* Filled by profile_resolve() from the host: */
	bool resolved;
	struct cpuset isolated, housekeeping;
	const struct nic *nic;	/* the bypass NIC, NULL when none */
	const char *nic_wanted;	/* [nic] interface as written; set with nic NULL when that NIC is absent */
	int nic_node;		/* the NIC's node, else the first isolated cpu's node, else 0 */
	int stack;		/* enum nic_stack: [nic] stack, or what auto detected */
	bool stack_auto;	/* detected, not named */
	char stack_why[320];	/* what decided it */
	bool driver_follows_stack;	/* [nic] driver asked for a user-space driver the stack does not use: "kernel" instead */
	unsigned long hugepage_kb;	/* 0 when the profile names no size */
	struct cpuset nic_cpus;	/* the cpus serving the NIC: [nic] cpus, else the isolated cores */
	bool nic_cpus_named;	/* [nic] cpus set */
	struct profile_role *roles;	/* the [nic.ROLE] sections, in the order they first appear */
	size_t nroles;
	const char *role;	/* a role's view: its name; NULL for the profile itself (the default [nic]) */
	/*
	 * Why a file of it (the top one or an include) must not drive root's writes, NULL when none:
	 * checked on the open descriptor it was read from (owner root or the invoking user, not
	 * group/other-writable). apply refuses such a profile.
	 */
	char *untrusted;
};

/* Error text for the caller to print, e.g. "profiles/x.ini:12: unknown key 'foo' in [cpu]". */
struct profile_error {
	char msg[512];
};

/* NAME (shipped or in /etc/tickready/profiles) or a path. Returns 0 or -errno with err filled. */
int profile_load(struct profile *p, const char *name_or_path, struct profile_error *err);
/* Loads from text, for tests and the built-in profiles. */
int profile_load_string(struct profile *p, const char *text, const char *source, struct profile_error *err);
/* Expands ${isolated_cores} ${housekeeping_cores} ${nic_node}, derives auto values, picks the NIC. */
int profile_resolve(struct profile *p, const struct host *h, struct profile_error *err);
/* The housekeeping cpus profile_resolve will take, from the host's topology alone (host_confine). 0 or -EINVAL. */
int profile_housekeeping(const struct profile *p, const struct host *h, struct cpuset *out);
void profile_free(struct profile *p);

/* The built-in default profile's name. */
#define PROFILE_DEFAULT "hft-balanced"

/* Shipped profiles compiled into the binary: name and text; NULL-terminated. */
struct builtin_profile {
	const char *name;
	const char *text;
};
extern const struct builtin_profile builtin_profiles[];

/* When set (tests), every key read through profile_str() and the accessors below is marked, PK_COUNT entries. */
extern bool *profile_key_reads;

/* Role names: [a-z0-9_-], 1 to 32 characters. */
#define PROFILE_ROLE_MAX 32
bool profile_role_name_ok(const char *name);
/* "[nic]" or "[nic.feed]": the section a NIC key of p (a role's view or not) comes from. */
const char *profile_nic_section(const struct profile *p, char *buf, size_t size);

/* Value access. "any" (or unset) means the profile does not ask: the check skips. */
const char *profile_str(const struct profile *p, enum profile_key k);	/* NULL when unset or any */
bool profile_wants(const struct profile *p, enum profile_key k);
/* 0, or -ENOENT when unset/any. Values were validated at load. */
int profile_long(const struct profile *p, enum profile_key k, long *out);
int profile_bool(const struct profile *p, enum profile_key k, bool *out);
/* "cpu.governor" style name of a key, for remedies ("set [cpu] governor"). */
const char *profile_key_name(enum profile_key k, char *buf, size_t size);
/* Is word in a PT_WORDS value? */
bool profile_has_word(const struct profile *p, enum profile_key k, const char *word);
