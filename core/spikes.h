/* Host-wide counters that explain a latency spike: thermal throttling, memory and PCIe errors, packet drops. Read only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "sysroot.h"

#define SPIKE_KINDS(X) \
	X(SK_THROTTLE_CORE, "thermal-core") X(SK_THROTTLE_PACKAGE, "thermal-package") \
	X(SK_EDAC_CE, "edac-corrected") X(SK_EDAC_UE, "edac-uncorrected") \
	X(SK_AER_COR, "aer-correctable") X(SK_AER_NONFATAL, "aer-nonfatal") X(SK_AER_FATAL, "aer-fatal") \
	X(SK_SOFTNET_DROP, "softnet-dropped") X(SK_SOFTNET_SQUEEZE, "softnet-time-squeeze") \
	X(SK_UDP_RCVBUF, "udp-rcvbuf-errors") X(SK_UDP6_RCVBUF, "udp6-rcvbuf-errors") \
	X(SK_NIC_MISSED, "nic-missed") X(SK_NIC_FIFO, "nic-fifo") X(SK_NIC_NOBUF, "nic-no-buffer") \
	X(SK_SMI, "smi")

/* Intel's count of system management interrupts since reset (the low 32 bits). */
#define MSR_SMI_COUNT 0x34

enum spike_kind {
#define X(e, name) e,
	SPIKE_KINDS(X)
#undef X
	SK_COUNT
};

/* Per kind: its name, what a rise means for latency, and what to do. */
struct spike_kind_info {
	const char *name, *meaning, *fix;
};
extern const struct spike_kind_info spike_kinds[SK_COUNT];

/* Where counters come from: one file, in one of a few layouts. */
enum spike_format {
	SF_VALUE,	/* one number (thermal_throttle core_throttle_count, edac ce_count) */
	SF_AER,		/* "NAME n" lines: the TOTAL_ERR_* one */
	SF_SOFTNET,	/* /proc/net/softnet_stat: a hex row a cpu */
	SF_SNMP,	/* /proc/net/snmp: Udp RcvbufErrors */
	SF_SNMP6,	/* /proc/net/snmp6: Udp6RcvbufErrors */
	SF_ETHTOOL,	/* "name=value" lines of ethtool_stats_text: the drop counters of spike_nic_drops */
	SF_SMI,		/* MSR_SMI_COUNT: one number */
};

struct spike_source {
	char path[160];		/* SF_ETHTOOL and SF_SMI: the file a capture keeps (live: the ioctl or the MSR) */
	char ifname[32];	/* SF_ETHTOOL: the NIC */
	char driver[32];	/* SF_ETHTOOL: its driver, which names its counters */
	char where[64];		/* "cpu 3", "mc0", "eth1 (0000:3b:00.0)", "" */
	int cpu;		/* -1 when not one cpu's */
	enum spike_kind kind;	/* SF_VALUE and SF_AER: what it counts */
	enum spike_format format;
	int msr_cpu;		/* SF_SMI live: the housekeeping cpu whose /dev/cpu/N/msr is read */
};

struct spike_sources {
	size_t n, cap;
	struct spike_source *src;
	char smi_absent[160];	/* why no SMI count is read, "" when one is */
};

/* A NIC whose PCIe AER counters are read; with drops (the profile's NIC), its ethtool drop counters too. */
struct spike_nic {
	const char *name, *pci, *driver;
	bool drops;
};

/* The ethtool statistics counted as each kind of drop: a driver's (or any driver's, driver NULL) name. */
struct spike_nic_drop {
	const char *driver;	/* NULL: the kernel's rtnl_link_stats names, which many drivers report */
	const char *name;	/* '#' stands for a queue number: every queue's count is summed */
	enum spike_kind kind;
};
extern const struct spike_nic_drop spike_nic_drops[];
extern const size_t spike_nic_ndrops;

/*
 * The sources present under sr: thermal throttling of the cpus in cpus, every EDAC memory controller,
 * the AER files of the nics given, softnet_stat and the UDP counters. Missing files are left out.
 */
void spike_sources_find(const struct sysroot *sr, const struct cpuset *cpus, const struct spike_nic *nics,
			size_t nnics, struct spike_sources *out);
void spike_sources_free(struct spike_sources *s);
/*
 * The SMI count (MSR_SMI_COUNT, Intel cpus only): an SMI stops every cpu at once, so one cpu's count is
 * the host's. Live, it is read on one of the housekeeping cpus this process may run on (the one it runs
 * on when it can), never an isolated one; under a foreign root, from the capture's SYSROOT_SMI_FILE.
 * When it cannot be read, out->smi_absent says why. vendor: the cpu's vendor_id.
 */
void spike_sources_add_smi(const struct sysroot *sr, const char *vendor, const struct cpuset *housekeeping,
			   struct spike_sources *out);
/*
 * One source's text as spike_parse takes it: a file's content, or live the ioctl's or the MSR's answer
 * (recorded while capturing). *out is malloc'd. 0 or -errno.
 */
int spike_read_source(const struct sysroot *sr, const struct spike_source *src, char **out);
/* Does a live read of src go through a file (watch keeps those open)? */
bool spike_source_is_file(const struct sysroot *sr, const struct spike_source *src);

struct spike_value {
	enum spike_kind kind;
	int cpu;		/* -1: not one cpu's */
	unsigned src;		/* index of its source */
	uint64_t value;
};

struct spike_values {
	size_t n, cap;
	struct spike_value *v;
};

/* Appends the counters in text (source number idx) to out. Unparsable text adds nothing. */
void spike_parse(const struct spike_source *src, unsigned idx, const char *text, struct spike_values *out);
/* Reads and parses every source (a file too big or gone adds nothing). */
void spike_read_all(const struct sysroot *sr, const struct spike_sources *s, struct spike_values *out);
void spike_values_free(struct spike_values *v);
/* The same counter (kind, source, cpu) in old, NULL when absent. */
const struct spike_value *spike_find(const struct spike_values *old, const struct spike_value *v, size_t hint);
