/*
 * Host-wide counters that explain a latency spike when it comes: where they live, and how each
 * file reads. audit judges their totals since boot, watch their growth; both only read.
 */
#include "spikes.h"

#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ethtool.h"
#include "host.h"
#include "util.h"

#define CPU_DIR "/sys/devices/system/cpu"
#define EDAC_DIR "/sys/devices/system/edac/mc"
#define SOFTNET "/proc/net/softnet_stat"
#define SNMP "/proc/net/snmp"
#define SNMP6 "/proc/net/snmp6"
/* softnet_stat of a 4,096-cpu host stays far below this. */
#define SPIKE_FILE_CAP (1u << 20)

const struct spike_kind_info spike_kinds[SK_COUNT] = {
	[SK_THROTTLE_CORE] = { "thermal-core", "the core hit its thermal or power limit and ran slower",
			       "check cooling, fans and the BIOS power limits (tickready audit --only power)" },
	[SK_THROTTLE_PACKAGE] = { "thermal-package", "the package hit its thermal or power limit: every core in it ran slower",
				  "check cooling, fans and the BIOS power limits (tickready audit --only power)" },
	[SK_EDAC_CE] = { "edac-corrected", "corrected memory errors: each costs an error handler, and they come before "
			 "uncorrectable ones", "find the DIMM (ras-mc-ctl --errors, edac-util -v) and replace it" },
	[SK_EDAC_UE] = { "edac-uncorrected", "uncorrected memory errors", "replace the DIMM now (ras-mc-ctl --errors)" },
	[SK_AER_COR] = { "aer-correctable", "PCIe correctable errors on the NIC's link: replays that delay its DMA",
			 "reseat the NIC or its riser, check the slot (lspci -vvv; tickready audit --only nic.pcie_link)" },
	[SK_AER_NONFATAL] = { "aer-nonfatal", "PCIe uncorrectable non-fatal errors on the NIC: transactions lost",
			      "reseat or replace the NIC, check the slot and the firmware" },
	[SK_AER_FATAL] = { "aer-fatal", "PCIe fatal errors on the NIC: the link was reset",
			   "replace the NIC or move it to another slot; check the firmware" },
	[SK_SOFTNET_DROP] = { "softnet-dropped", "the kernel dropped packets: a cpu's input backlog was full",
			      "sysctl -w net.core.netdev_max_backlog=4096, and spread receive work over the housekeeping cpus" },
	[SK_SOFTNET_SQUEEZE] = { "softnet-time-squeeze", "the receive softirq ran out of budget with packets left",
				 "sysctl -w net.core.netdev_budget=600 net.core.netdev_budget_usecs=8000, or more queues on "
				 "housekeeping cpus" },
	[SK_UDP_RCVBUF] = { "udp-rcvbuf-errors", "UDP datagrams dropped: a socket's receive buffer was full, its reader "
			    "fell behind", "read faster, or a bigger SO_RCVBUF (sysctl -w net.core.rmem_max=...), or kernel bypass" },
	[SK_UDP6_RCVBUF] = { "udp6-rcvbuf-errors", "UDP over IPv6 datagrams dropped: a socket's receive buffer was full",
			     "read faster, or a bigger SO_RCVBUF (sysctl -w net.core.rmem_max=...), or kernel bypass" },
	[SK_NIC_MISSED] = { "nic-missed", "the NIC dropped frames it had received: its buffer filled before the host "
			    "took them", "a bigger rx ring ([nic] rx_ring = max) and each queue's reader alone on its cpu; "
			    "ethtool -S names the driver's own counters" },
	[SK_NIC_FIFO] = { "nic-fifo", "the NIC's receive FIFO overflowed: frames came faster than it moved them to memory",
			  "a bigger rx ring ([nic] rx_ring = max); check the PCIe link (tickready audit --only nic.pcie_link)" },
	[SK_NIC_NOBUF] = { "nic-no-buffer", "frames reached a receive queue with no free buffer: the ring ran dry, its "
			   "reader fell behind", "a bigger rx ring ([nic] rx_ring = max) and each queue's reader (IRQ, "
			   "NAPI or polling thread) alone on its cpu" },
	[SK_SMI] = { "smi", "system management interrupts: the firmware stopped every cpu at once",
		     "in the BIOS, the vendor's low-latency settings: OS-controlled power management, no USB legacy "
		     "emulation, no memory patrol scrub" },
};

/*
 * Which ethtool -S counters are which drop, per driver; the first name of a kind the NIC reports gives
 * its value (a total before its per-queue counts). tickready-audit(8) lists them.
 */
const struct spike_nic_drop spike_nic_drops[] = {
	{ NULL, "rx_missed_errors", SK_NIC_MISSED },	/* ixgbe, igb, e1000e, ... */
	{ NULL, "rx_fifo_errors", SK_NIC_FIFO },
	{ NULL, "rx_no_buffer_count", SK_NIC_NOBUF },
	{ "mlx5_core", "rx_discards_phy", SK_NIC_MISSED },
	{ "mlx5_core", "rx_out_of_buffer", SK_NIC_NOBUF },
	{ "ice", "rx_dropped.nic", SK_NIC_MISSED },
	{ "ice", "rx_dropped", SK_NIC_NOBUF },
	{ "i40e", "port.rx_dropped", SK_NIC_MISSED },
	{ "i40e", "rx_dropped", SK_NIC_NOBUF },
	{ "ena", "rx_drops", SK_NIC_MISSED },
	{ "ena", "rx_overruns", SK_NIC_NOBUF },
	{ "sfc", "rx_nodesc_drop_cnt", SK_NIC_NOBUF },
	{ "virtio_net", "rx_drops", SK_NIC_NOBUF },
	{ "virtio_net", "rx_queue_#_drops", SK_NIC_NOBUF },
};
const size_t spike_nic_ndrops = sizeof(spike_nic_drops) / sizeof(spike_nic_drops[0]);


static struct spike_source *add_source(struct spike_sources *s, size_t *cap, const char *path, const char *where,
				       int cpu, enum spike_kind kind, enum spike_format format)
{
	struct spike_source *src;

	if (s->n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		s->src = xrealloc(s->src, *cap * sizeof(*s->src));
	}
	src = &s->src[s->n++];
	memset(src, 0, sizeof(*src));
	src->msr_cpu = -1;
	snprintf(src->path, sizeof(src->path), "%s", path);
	snprintf(src->where, sizeof(src->where), "%s", where);
	src->cpu = cpu;
	src->kind = kind;
	src->format = format;
	return src;
}

static void add_if_present(const struct sysroot *sr, struct spike_sources *s, size_t *cap, const char *path,
			   const char *where, int cpu, enum spike_kind kind, enum spike_format format)
{
	if (sysroot_exists(sr, path))
		add_source(s, cap, path, where, cpu, kind, format);
}

void spike_sources_find(const struct sysroot *sr, const struct cpuset *cpus, const struct spike_nic *nics,
			size_t nnics, struct spike_sources *out)
{
	struct dirlist mcs;
	size_t cap = 0;
	char path[160], where[64];
	int cpu;

	memset(out, 0, sizeof(*out));
	snprintf(out->smi_absent, sizeof(out->smi_absent), "not looked for");
	cpuset_for_each(cpu, cpus) {
		snprintf(where, sizeof(where), "cpu %d", cpu);
		snprintf(path, sizeof(path), CPU_DIR "/cpu%d/thermal_throttle/core_throttle_count", cpu);
		add_if_present(sr, out, &cap, path, where, cpu, SK_THROTTLE_CORE, SF_VALUE);
		snprintf(path, sizeof(path), CPU_DIR "/cpu%d/thermal_throttle/package_throttle_count", cpu);
		add_if_present(sr, out, &cap, path, where, cpu, SK_THROTTLE_PACKAGE, SF_VALUE);
	}
	if (sysroot_list(sr, EDAC_DIR, &mcs) == 0) {
		for (size_t i = 0; i < mcs.n; i++) {
			if (strncmp(mcs.names[i], "mc", 2) || strlen(mcs.names[i]) > 16)
				continue;
			snprintf(path, sizeof(path), EDAC_DIR "/%s/ce_count", mcs.names[i]);
			add_if_present(sr, out, &cap, path, mcs.names[i], -1, SK_EDAC_CE, SF_VALUE);
			snprintf(path, sizeof(path), EDAC_DIR "/%s/ue_count", mcs.names[i]);
			add_if_present(sr, out, &cap, path, mcs.names[i], -1, SK_EDAC_UE, SF_VALUE);
		}
		dirlist_free(&mcs);
	}
	for (size_t i = 0; i < nnics; i++) {
		static const struct {
			const char *file;
			enum spike_kind kind;
		} aer[] = { { "aer_dev_correctable", SK_AER_COR }, { "aer_dev_nonfatal", SK_AER_NONFATAL },
			    { "aer_dev_fatal", SK_AER_FATAL } };

		if (!nics[i].pci || !nics[i].pci[0] || strchr(nics[i].pci, '/'))
			continue;
		snprintf(where, sizeof(where), "%s (%s)", nics[i].name && nics[i].name[0] ? nics[i].name : "nic",
			 nics[i].pci);
		for (size_t k = 0; k < sizeof(aer) / sizeof(aer[0]); k++) {
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", nics[i].pci, aer[k].file);
			add_if_present(sr, out, &cap, path, where, -1, aer[k].kind, SF_AER);
		}
	}
	for (size_t i = 0; i < nnics; i++) {
		const struct spike_nic *n = &nics[i];
		struct spike_source *src;

		/* Only a NIC with a netdev answers ethtool; live, the ioctl says whether it keeps statistics. */
		if (!n->drops || !n->name || !n->name[0] || strchr(n->name, '/') || strlen(n->name) >= sizeof(src->ifname))
			continue;
		snprintf(path, sizeof(path), SYSROOT_ETHTOOL_DIR "/%s/stats", n->name);
		if (!sr->live && !sysroot_exists(sr, path))
			continue;
		snprintf(where, sizeof(where), "%s%s%s%s", n->name, n->driver && n->driver[0] ? " (" : "",
			 n->driver ? n->driver : "", n->driver && n->driver[0] ? ")" : "");
		src = add_source(out, &cap, path, where, -1, SK_NIC_MISSED, SF_ETHTOOL);
		snprintf(src->ifname, sizeof(src->ifname), "%s", n->name);
		snprintf(src->driver, sizeof(src->driver), "%s", n->driver ? n->driver : "");
	}
	add_if_present(sr, out, &cap, SOFTNET, "", -1, SK_SOFTNET_DROP, SF_SOFTNET);
	add_if_present(sr, out, &cap, SNMP, "", -1, SK_UDP_RCVBUF, SF_SNMP);
	add_if_present(sr, out, &cap, SNMP6, "", -1, SK_UDP6_RCVBUF, SF_SNMP6);
	out->cap = cap;
}

/* A capture keeps why a live host had no count, so that an audit of it says the same. */
static void smi_absent(const struct sysroot *sr, struct spike_sources *out, const char *why)
{
	snprintf(out->smi_absent, sizeof(out->smi_absent), "%s", why);
	if (sr->rec) {
		char *text = xasprintf("absent=%s\n", why);

		sysroot_record_synthetic(sr, SYSROOT_SMI_FILE, text, strlen(text));
		free(text);
	}
}

void spike_sources_add_smi(const struct sysroot *sr, const char *vendor, const struct cpuset *housekeeping,
			   struct spike_sources *out)
{
	struct cpuset on;
	char path[64], why[160];
	int cpu;

	if (!sr->live) {
		char *text;

		if (sysroot_read_alloc(sr, SYSROOT_SMI_FILE, SYSROOT_SMALL, &text, NULL) < 0) {
			snprintf(out->smi_absent, sizeof(out->smi_absent), "no SMI count in this tree (" SYSROOT_SMI_FILE ")");
			return;
		}
		if (!strncmp(text, "absent=", 7)) {
			text[strcspn(text, "\n")] = '\0';
			snprintf(out->smi_absent, sizeof(out->smi_absent), "%s", text + 7);
		} else {
			add_source(out, &out->cap, SYSROOT_SMI_FILE, "", -1, SK_SMI, SF_SMI);
			out->smi_absent[0] = '\0';
		}
		free(text);
		return;
	}
	if (!vendor || strcmp(vendor, "GenuineIntel")) {
		snprintf(why, sizeof(why), "the cpu is %s: only Intel cpus keep an SMI count (MSR 0x34)",
			 vendor && vendor[0] ? vendor : "of an unknown vendor");
		smi_absent(sr, out, why);
		return;
	}
	/* Reading another cpu's MSR interrupts it: only a housekeeping cpu this process may use, its own first. */
	if (!host_helper_cpus(housekeeping, &on)) {
		smi_absent(sr, out, "no housekeeping cpu is allowed to this process to read it on");
		return;
	}
	cpu = sched_getcpu();
	if (cpu < 0 || !cpuset_has(&on, cpu))
		cpu = cpuset_next(&on, 0);
	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	if (!sysroot_exists(sr, path)) {
		snprintf(why, sizeof(why), "no %s (the msr module: modprobe msr)", path);
		smi_absent(sr, out, why);
		return;
	}
	add_source(out, &out->cap, SYSROOT_SMI_FILE, "", -1, SK_SMI, SF_SMI)->msr_cpu = cpu;
	out->smi_absent[0] = '\0';
}

bool spike_source_is_file(const struct sysroot *sr, const struct spike_source *src)
{
	return !sr->live || (src->format != SF_ETHTOOL && src->format != SF_SMI);
}

int spike_read_source(const struct sysroot *sr, const struct spike_source *src, char **out)
{
	char path[64];
	uint64_t count;
	int rc;

	*out = NULL;
	if (spike_source_is_file(sr, src))
		return sysroot_read_alloc(sr, src->path, SPIKE_FILE_CAP, out, NULL);
	if (src->format == SF_ETHTOOL)
		return ethtool_stats_text(sr, src->ifname, out);
	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", src->msr_cpu);
	if ((rc = sysroot_read_device(sr, path, MSR_SMI_COUNT, &count, sizeof(count))) < 0)
		return rc;
	/* The counter is the low 32 bits; the rest are reserved. */
	*out = xasprintf("%llu\n", (unsigned long long)(count & 0xffffffffu));
	if (sr->rec)
		sysroot_record_synthetic(sr, SYSROOT_SMI_FILE, *out, strlen(*out));
	return 0;
}

void spike_sources_free(struct spike_sources *s)
{
	free(s->src);
	memset(s, 0, sizeof(*s));
}

static void add_value(struct spike_values *out, enum spike_kind kind, int cpu, unsigned idx, uint64_t value)
{
	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 64;
		out->v = xrealloc(out->v, out->cap * sizeof(*out->v));
	}
	out->v[out->n++] = (struct spike_value){ kind, cpu, idx, value };
}

static bool parse_u64(const char *s, int base, uint64_t *out, const char **end)
{
	char *e;
	unsigned long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isxdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &e, base);
	if (errno || e == s)
		return false;
	*out = v;
	if (end)
		*end = e;
	return true;
}

/* One hex row a cpu: processed, dropped, time_squeeze, ...; since 5.10 the 13th field is the cpu (else the row's place). */
static void parse_softnet(unsigned idx, const char *text, struct spike_values *out)
{
	int row = 0;

	for (const char *line = text; *line; row++) {
		const char *nl = strchr(line, '\n'), *p = line;
		uint64_t f[13];
		int n = 0;

		while (n < 13 && (!nl || p < nl) && parse_u64(p, 16, &f[n], &p))
			n++;
		if (n >= 3) {
			int cpu = n >= 13 ? (int)f[12] : row;

			add_value(out, SK_SOFTNET_DROP, cpu, idx, f[1]);
			add_value(out, SK_SOFTNET_SQUEEZE, cpu, idx, f[2]);
		}
		if (!nl)
			break;
		line = nl + 1;
	}
}

/* "Udp: InDatagrams NoPorts ... RcvbufErrors ...\nUdp: 1 2 ...": the value under RcvbufErrors. */
static void parse_snmp(unsigned idx, const char *text, struct spike_values *out)
{
	const char *head = strstr(text, "\nUdp: "), *vals;
	int col = -1, i = 0;

	head = !strncmp(text, "Udp: ", 5) ? text : head ? head + 1 : NULL;
	if (!head || !(vals = strstr(head + 1, "\nUdp: ")))
		return;
	vals += strlen("\nUdp: ");
	for (const char *p = head + strlen("Udp: "); *p && *p != '\n'; i++) {
		size_t n = strcspn(p, " \n");

		if (n == strlen("RcvbufErrors") && !strncmp(p, "RcvbufErrors", n))
			col = i;
		p += n;
		p += strspn(p, " ");
	}
	for (i = 0; col >= 0 && i <= col; i++) {
		uint64_t v;

		if (!parse_u64(vals, 10, &v, &vals))
			return;
		if (i == col)
			add_value(out, SK_UDP_RCVBUF, -1, idx, v);
	}
}

static void parse_named(unsigned idx, const char *text, const char *name, enum spike_kind kind, struct spike_values *out)
{
	size_t len = strlen(name);

	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		uint64_t v;

		if (!strncmp(line, name, len) && (line[len] == ' ' || line[len] == '\t') &&
		    parse_u64(line + len, 10, &v, NULL)) {
			add_value(out, kind, -1, idx, v);
			return;
		}
	}
}

/* "rx_queue_#_drops" against "rx_queue_12_drops": '#' takes one or more digits. */
static bool drop_name_matches(const char *pattern, const char *name, size_t len)
{
	const char *hash = strchr(pattern, '#');
	size_t pre, digits;

	if (!hash)
		return strlen(pattern) == len && !strncmp(pattern, name, len);
	pre = (size_t)(hash - pattern);
	if (len <= pre || strncmp(pattern, name, pre))
		return false;
	for (digits = 0; pre + digits < len && isdigit((unsigned char)name[pre + digits]); digits++)
		;
	return digits && len - pre - digits == strlen(hash + 1) && !strncmp(hash + 1, name + pre + digits, strlen(hash + 1));
}

/* The sum of one row's counters in "name=value" lines; false when the NIC reports none of that name. */
static bool drop_value(const char *text, const char *pattern, uint64_t *sum)
{
	bool found = false;

	*sum = 0;
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *eq = strchr(l, '='), *nl = strchr(l, '\n');
		uint64_t v;

		if (!eq || (nl && eq > nl) || !drop_name_matches(pattern, l, (size_t)(eq - l)) || !parse_u64(eq + 1, 10, &v, NULL))
			continue;
		*sum += v;
		found = true;
	}
	return found;
}

static void parse_ethtool(const struct spike_source *src, unsigned idx, const char *text, struct spike_values *out)
{
	for (int k = SK_NIC_MISSED; k <= SK_NIC_NOBUF; k++)
		for (size_t i = 0; i < spike_nic_ndrops; i++) {
			const struct spike_nic_drop *d = &spike_nic_drops[i];
			uint64_t v;

			if (d->kind != (enum spike_kind)k || (d->driver && strcmp(d->driver, src->driver)))
				continue;
			if (drop_value(text, d->name, &v)) {
				add_value(out, d->kind, -1, idx, v);
				break;
			}
		}
}

void spike_parse(const struct spike_source *src, unsigned idx, const char *text, struct spike_values *out)
{
	uint64_t v;
	const char *end;

	switch (src->format) {
	case SF_VALUE:
		if (parse_u64(text, 10, &v, &end) && !*(end + strspn(end, " \t\n")))
			add_value(out, src->kind, src->cpu, idx, v);
		break;
	case SF_AER:
		parse_named(idx, text, src->kind == SK_AER_COR ? "TOTAL_ERR_COR" : src->kind == SK_AER_FATAL ?
			    "TOTAL_ERR_FATAL" : "TOTAL_ERR_NONFATAL", src->kind, out);
		break;
	case SF_SOFTNET:
		parse_softnet(idx, text, out);
		break;
	case SF_SNMP:
		parse_snmp(idx, text, out);
		break;
	case SF_SNMP6:
		parse_named(idx, text, "Udp6RcvbufErrors", SK_UDP6_RCVBUF, out);
		break;
	case SF_ETHTOOL:
		parse_ethtool(src, idx, text, out);
		break;
	case SF_SMI:
		if (parse_u64(text, 10, &v, &end) && !*(end + strspn(end, " \t\n")))
			add_value(out, SK_SMI, -1, idx, v);
		break;
	}
}

void spike_read_all(const struct sysroot *sr, const struct spike_sources *s, struct spike_values *out)
{
	for (size_t i = 0; i < s->n; i++) {
		char *text;

		if (spike_read_source(sr, &s->src[i], &text) < 0)
			continue;
		spike_parse(&s->src[i], (unsigned)i, text, out);
		free(text);
	}
}

void spike_values_free(struct spike_values *v)
{
	free(v->v);
	memset(v, 0, sizeof(*v));
}

const struct spike_value *spike_find(const struct spike_values *old, const struct spike_value *v, size_t hint)
{
	const struct spike_value *o = hint < old->n ? &old->v[hint] : NULL;

	if (o && o->kind == v->kind && o->src == v->src && o->cpu == v->cpu)
		return o;
	for (size_t i = 0; i < old->n; i++) {
		o = &old->v[i];
		if (o->kind == v->kind && o->src == v->src && o->cpu == v->cpu)
			return o;
	}
	return NULL;
}
