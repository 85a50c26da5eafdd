/* Builds the host model once per run: every later question about the host is answered from here. */
#include "host.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libcpuid/libcpuid.h>

#include "ethtool.h"
#include "util.h"

const char *const cpu_flag_names[] = {
	"constant_tsc", "nonstop_tsc", "tsc_reliable", "tsc_known_freq", "hypervisor",
	"ht", "pdpe1gb", "rdtscp", "invtsc_cpuid",
};

/* /proc/interrupts of a 512-cpu host with thousands of IRQs runs to tens of MiB. */
#define INTERRUPTS_CAP (64u << 20)
#define SMALL_CAP (1u << 20)

enum host_boot host_boot_tool(const struct sysroot *sr)
{
	if (sysroot_exists(sr, "/usr/sbin/grubby") || sysroot_exists(sr, "/sbin/grubby"))
		return HB_GRUBBY;
	if (sysroot_exists(sr, "/etc/default/grub"))
		return HB_GRUB;
	if (sysroot_exists(sr, HOST_KERNEL_CMDLINE) || sysroot_exists(sr, "/boot/loader/loader.conf") ||
	    sysroot_exists(sr, "/efi/loader/loader.conf") || sysroot_exists(sr, "/boot/efi/loader/loader.conf"))
		return HB_SDBOOT;
	return HB_NONE;
}

/* systemd-boot: the next kernel entry's line is /etc/kernel/cmdline, verbatim. */
static void load_sdboot_staged(struct host *h)
{
	char *text;

	if (h->has_staged || host_boot_tool(h->sr) != HB_SDBOOT ||
	    sysroot_read_alloc(h->sr, HOST_KERNEL_CMDLINE, SMALL_CAP, &text, NULL) < 0)
		return;
	cmdline_free(&h->staged);
	cmdline_parse(&h->staged, trim(text));
	h->has_staged = true;
	free(text);
}

/* apply --once's one-time entry (TICKREADY_PARAMS in its grub.d script) is staged for the next boot too. */
static void load_once_params(struct host *h)
{
	char *text, *params = xmalloc(65536);
	size_t len;

	if (sysroot_read_alloc(h->sr, HOST_GRUB_ONCE, SMALL_CAP, &text, &len) == 0) {
		if (shell_var(text, len, "TICKREADY_PARAMS", params, 65536) && params[0]) {
			struct strbuf sb = { 0 };

			for (size_t i = 0; i < h->staged.n; i++) {
				const struct cmdline_arg *a = &h->staged.args[i];

				strbuf_addf(&sb, "%s%s%s%s", sb.len ? " " : "", a->key, a->value && *a->value ? "=" : "",
					    a->value ? a->value : "");
			}
			if (!h->has_staged)
				strbuf_add(&sb, h->cmdline_raw ? h->cmdline_raw : "");
			strbuf_addf(&sb, " %s", params);
			cmdline_free(&h->staged);
			cmdline_parse(&h->staged, sb.s);
			h->has_staged = true;
			strbuf_free(&sb);
		}
		free(text);
	}
	free(params);
}

static void load_kernel(struct host *h)
{
	char *text = NULL, *drop = NULL;

	if (sysroot_read_str(h->sr, "/proc/sys/kernel/osrelease", h->release, sizeof(h->release)) < 0)
		h->release[0] = '\0';
	if (sysroot_read_alloc(h->sr, "/proc/cmdline", SMALL_CAP, &text, NULL) == 0) {
		h->cmdline_raw = trim(text);
		cmdline_parse(&h->cmdline, text);
	} else {
		cmdline_parse(&h->cmdline, "");
	}
	/* The drop-in holds GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT params": take the params. */
	if (sysroot_read_alloc(h->sr, HOST_GRUB_DROPIN, SMALL_CAP, &drop, NULL) == 0) {
		struct strbuf sb = { 0 };
		char *params = host_grub_dropin_params(drop);

		strbuf_add(&sb, h->cmdline_raw ? h->cmdline_raw : "");
		strbuf_addf(&sb, " %s", params);
		free(params);
		cmdline_parse(&h->staged, sb.s ? sb.s : "");
		h->has_staged = true;
		strbuf_free(&sb);
		free(drop);
	} else {
		cmdline_parse(&h->staged, "");
	}
	load_sdboot_staged(h);
	load_once_params(h);
}

static void load_cpu_params(struct host *h)
{
	const char *v = cmdline_get(&h->cmdline, "isolcpus");

	if (v && cmdline_parse_isolcpus(v, &h->isolcpus_param, &h->isolcpus_flags) == 0)
		h->has_isolcpus_param = true;
	if (cmdline_cpu_param(&h->cmdline, "nohz_full", &h->nohz_param, &h->has_nohz_param) < 0)
		h->has_nohz_param = false;
	if (cmdline_cpu_param(&h->cmdline, "rcu_nocbs", &h->rcu_nocbs, &h->has_rcu_nocbs_param) < 0)
		h->has_rcu_nocbs_param = false;
	/* A bare rcu_nocbs means every cpu (kernel 5.17+). */
	if (h->has_rcu_nocbs_param && cpuset_empty(&h->rcu_nocbs))
		h->rcu_nocbs = h->present;
}

static void load_topology(struct host *h)
{
	const char *base = "/sys/devices/system/cpu";
	char path[256];
	int cpu, i = 0;

	h->has_present = sysroot_read_cpuset(h->sr, "/sys/devices/system/cpu/present", &h->present) == 0;
	h->has_online = sysroot_read_cpuset(h->sr, "/sys/devices/system/cpu/online", &h->online) == 0;
	if (!h->has_present && h->has_online)
		h->present = h->online;
	h->has_isolated = sysroot_read_cpuset(h->sr, "/sys/devices/system/cpu/isolated", &h->isolated) == 0;
	h->has_nohz_full = sysroot_read_cpuset(h->sr, "/sys/devices/system/cpu/nohz_full", &h->nohz_full) == 0;
	if (sysroot_read_str(h->sr, "/sys/devices/system/cpu/smt/control", h->smt_control, sizeof(h->smt_control)) < 0)
		h->smt_control[0] = '\0';

	h->ncpus = (size_t)cpuset_count(&h->present);
	h->cpus = xcalloc(h->ncpus, sizeof(*h->cpus));
	cpuset_for_each(cpu, &h->present) {
		struct host_cpu *c = &h->cpus[i++];
		long v;
		int n;

		c->id = cpu;
		c->node = -1;
		snprintf(path, sizeof(path), "%s/cpu%d/topology/core_id", base, cpu);
		c->core_id = sysroot_read_long(h->sr, path, &v) == 0 ? (int)v : -1;
		snprintf(path, sizeof(path), "%s/cpu%d/topology/physical_package_id", base, cpu);
		c->package_id = sysroot_read_long(h->sr, path, &v) == 0 ? (int)v : -1;
		snprintf(path, sizeof(path), "%s/cpu%d/topology/thread_siblings_list", base, cpu);
		if (sysroot_read_cpuset(h->sr, path, &c->siblings) < 0) {
			cpuset_zero(&c->siblings);
			continue;
		}
		cpuset_set(&c->siblings, cpu);
		n = cpuset_count(&c->siblings);
		if (n > h->smt_threads_per_core)
			h->smt_threads_per_core = n;
	}
}

static unsigned cpuinfo_flags(const char *flags)
{
	unsigned out = 0;
	char word[64];
	const char *p = flags;

	while (*p) {
		size_t n = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			if (n < sizeof(word) - 1)
				word[n++] = *p;
			p++;
		}
		word[n] = '\0';
		for (int b = 0; b < CPU_FLAG_COUNT; b++)
			if (!strcmp(word, cpu_flag_names[b]))
				out |= 1u << b;
		if (*p == '\n')
			break;
	}
	return out;
}

/* Field "key\t: value" of the first processor block. */
static bool cpuinfo_field(const char *text, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *colon;

		if (*line == '\n')
			return false;	/* end of the first block */
		if (strncmp(line, key, klen) || (line[klen] != ' ' && line[klen] != '\t' && line[klen] != ':'))
			continue;
		colon = strchr(line, ':');
		if (!colon)
			continue;
		colon++;
		while (*colon == ' ')
			colon++;
		size_t n = strcspn(colon, "\n");

		if (n >= size)
			n = size - 1;
		memcpy(buf, colon, n);
		buf[n] = '\0';
		return true;
	}
	return false;
}

static void load_cpu_identity(struct host *h)
{
	char *text = NULL;
	char flags[8192];

	h->cpu_source = "unknown";
	if (sysroot_read_alloc(h->sr, "/proc/cpuinfo", 16u << 20, &text, NULL) == 0) {
		cpuinfo_field(text, "vendor_id", h->cpu_vendor, sizeof(h->cpu_vendor));
		cpuinfo_field(text, "model name", h->cpu_model, sizeof(h->cpu_model));
		if (cpuinfo_field(text, "flags", flags, sizeof(flags)))
			h->cpu_flags = cpuinfo_flags(flags);
		h->cpu_source = "cpuinfo";
		free(text);
	}
	/* CPUID only describes this machine: never under a foreign root. */
	if (h->sr->live) {
		struct cpu_raw_data_t raw;
		struct cpu_id_t id;

		if (cpuid_present() && cpuid_get_raw_data(&raw) == 0 && cpu_identify(&raw, &id) == 0) {
			snprintf(h->cpu_vendor, sizeof(h->cpu_vendor), "%s", id.vendor_str);
			snprintf(h->cpu_model, sizeof(h->cpu_model), "%s", trim(id.brand_str));
			/* CPUID 0x80000007 EDX bit 8: invariant TSC. */
			if (raw.ext_cpuid[7][3] & (1u << 8))
				h->cpu_flags |= CPUF_INVTSC_CPUID;
			h->cpu_source = "cpuid";
		}
	}
}

/* Pools under dir (…/hugepages): "hugepages-2048kB" -> size 2048. */
static int load_pools(const struct host *h, const char *dir, struct hugepool *pools)
{
	struct dirlist dl;
	int n = 0;

	if (sysroot_list(h->sr, dir, &dl) < 0)
		return 0;
	for (size_t i = 0; i < dl.n && n < HOST_MAX_POOLS; i++) {
		char path[512];
		unsigned long kb;
		char *end;
		long v;

		if (strncmp(dl.names[i], "hugepages-", 10))
			continue;
		kb = strtoul(dl.names[i] + 10, &end, 10);
		if (strcmp(end, "kB") || kb == 0)
			continue;
		pools[n].size_kb = kb;
		snprintf(path, sizeof(path), "%s/%s/nr_hugepages", dir, dl.names[i]);
		pools[n].nr = sysroot_read_long(h->sr, path, &v) == 0 && v >= 0 ? v : -1;
		snprintf(path, sizeof(path), "%s/%s/free_hugepages", dir, dl.names[i]);
		pools[n].free = sysroot_read_long(h->sr, path, &v) == 0 && v >= 0 ? v : -1;
		n++;
	}
	dirlist_free(&dl);
	/* Smallest first, for stable output. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && pools[j].size_kb < pools[j - 1].size_kb; j--) {
			struct hugepool t = pools[j];

			pools[j] = pools[j - 1];
			pools[j - 1] = t;
		}
	return n;
}

static long meminfo_mib(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	unsigned long kb;

	if (!p)
		return -1;
	p += strlen(key);
	while (*p == ' ' || *p == ':')
		p++;
	if (sscanf(p, "%lu", &kb) != 1)
		return -1;
	return (long)(kb / 1024);
}

static int cmp_node(const void *a, const void *b)
{
	return ((const struct numa_node *)a)->id - ((const struct numa_node *)b)->id;
}

static void load_nodes(struct host *h)
{
	struct dirlist dl;
	char *text;

	if (sysroot_list(h->sr, "/sys/devices/system/node", &dl) == 0) {
		h->nodes = xcalloc(dl.n, sizeof(*h->nodes));
		for (size_t i = 0; i < dl.n; i++) {
			struct numa_node *n = &h->nodes[h->nnodes];
			char path[256], *end;
			long id;

			if (strncmp(dl.names[i], "node", 4) || !isdigit((unsigned char)dl.names[i][4]))
				continue;
			id = strtol(dl.names[i] + 4, &end, 10);
			if (*end || id > 1 << 16)
				continue;
			n->id = (int)id;
			n->memory_mib = n->free_mib = -1;
			snprintf(path, sizeof(path), "/sys/devices/system/node/node%ld/cpulist", id);
			if (sysroot_read_cpuset(h->sr, path, &n->cpus) < 0)
				cpuset_zero(&n->cpus);
			snprintf(path, sizeof(path), "/sys/devices/system/node/node%ld/meminfo", id);
			if (sysroot_read_alloc(h->sr, path, SMALL_CAP, &text, NULL) == 0) {
				n->memory_mib = meminfo_mib(text, "MemTotal");
				n->free_mib = meminfo_mib(text, "MemFree");
				free(text);
			}
			snprintf(path, sizeof(path), "/sys/devices/system/node/node%ld/hugepages", id);
			n->npools = load_pools(h, path, n->pools);
			h->nnodes++;
		}
		dirlist_free(&dl);
		qsort(h->nodes, h->nnodes, sizeof(*h->nodes), cmp_node);
	}
	for (size_t i = 0; i < h->nnodes; i++) {
		int cpu;

		cpuset_for_each(cpu, &h->nodes[i].cpus) {
			struct host_cpu *c = (struct host_cpu *)host_cpu(h, cpu);

			if (c)
				c->node = h->nodes[i].id;
		}
	}
	h->npools = load_pools(h, "/sys/kernel/mm/hugepages", h->pools);
	if (sysroot_read_alloc(h->sr, "/proc/meminfo", SMALL_CAP, &text, NULL) == 0) {
		long mib = meminfo_mib(text, "Hugepagesize");
		const char *p = strstr(text, "Hugepagesize:");
		unsigned long kb;

		(void)mib;
		if (p && sscanf(p + 13, "%lu", &kb) == 1)
			h->default_hugepage_kb = kb;
		free(text);
	}
}

static void load_mounts(struct host *h)
{
	char *text, *save = NULL;
	size_t cap = 0;

	if (sysroot_read_alloc(h->sr, "/proc/mounts", SMALL_CAP, &text, NULL) < 0)
		return;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char dev[256], path[256], type[64], opts[1024];
		struct hugetlbfs_mount *m;
		const char *ps;

		if (sscanf(line, "%255s %255s %63s %1023s", dev, path, type, opts) != 4 || strcmp(type, "hugetlbfs"))
			continue;
		if (h->nmounts == cap) {
			cap = cap ? cap * 2 : 4;
			h->mounts = xrealloc(h->mounts, cap * sizeof(*h->mounts));
		}
		m = &h->mounts[h->nmounts++];
		snprintf(m->path, sizeof(m->path), "%s", path);
		ps = strstr(opts, "pagesize=");
		if (ps) {
			char size[32];

			snprintf(size, sizeof(size), "%.*s", (int)strcspn(ps + 9, ","), ps + 9);
			long kb = parse_size_kb(size);

			m->pagesize_kb = kb > 0 ? (unsigned long)kb : 0;
		} else {
			m->pagesize_kb = h->default_hugepage_kb;
		}
	}
	free(text);
}

/* One /proc/interrupts line: "  24:  1  0  IR-PCI-MSI 9437184-edge  eno1-TxRx-0". */
static bool parse_irq_line(char *line, int ncols, struct irq *irq)
{
	char *p = line, *end;
	long num;

	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	num = strtol(p, &end, 10);
	if (*end != ':' || num < 0 || num > 1 << 24)
		return false;
	memset(irq, 0, sizeof(*irq));
	irq->num = (int)num;
	p = end + 1;
	for (int i = 0; i < ncols; i++) {
		unsigned long long v;

		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			break;
		v = strtoull(p, &end, 10);
		irq->count += v;
		p = end;
	}
	trim(p);
	/* The chip name first, the actions last: split at the last run of spaces. */
	end = p + strlen(p);
	while (end > p && end[-1] != ' ')
		end--;
	snprintf(irq->name, sizeof(irq->name), "%s", end);
	snprintf(irq->chip, sizeof(irq->chip), "%.*s", (int)strcspn(p, " "), p);
	return true;
}

static int cmp_irq(const void *a, const void *b)
{
	return ((const struct irq *)a)->num - ((const struct irq *)b)->num;
}

static void load_irqs(struct host *h)
{
	char *text, *save = NULL, *line;
	size_t cap = 0;
	int ncols = 0;

	if (sysroot_read_alloc(h->sr, "/proc/interrupts", INTERRUPTS_CAP, &text, NULL) < 0)
		return;
	h->has_irqs = true;
	line = strtok_r(text, "\n", &save);
	for (char *p = line ? strstr(line, "CPU") : NULL; p; p = strstr(p + 3, "CPU"))
		ncols++;
	for (line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct irq irq;
		char path[128];

		if (!parse_irq_line(line, ncols, &irq))
			continue;
		snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq.num);
		irq.has_affinity = sysroot_read_cpuset(h->sr, path, &irq.affinity) == 0;
		snprintf(path, sizeof(path), "/proc/irq/%d/effective_affinity_list", irq.num);
		irq.has_effective = sysroot_read_cpuset(h->sr, path, &irq.effective) == 0;
		if (h->nirqs == cap) {
			cap = cap ? cap * 2 : 64;
			h->irqs = xrealloc(h->irqs, cap * sizeof(*h->irqs));
		}
		h->irqs[h->nirqs++] = irq;
	}
	free(text);
	if (h->nirqs)
		qsort(h->irqs, h->nirqs, sizeof(*h->irqs), cmp_irq);
}

static bool is_pci_addr(const char *s)
{
	unsigned dom, bus, dev, fn;
	char tail;

	return strlen(s) == 12 && sscanf(s, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) == 4;
}

/* The last PCI address among the components of a sysfs device path. */
static bool pci_of_path(const char *target, char *out, size_t size)
{
	bool found = false;
	char comp[64];

	for (const char *p = target; *p;) {
		size_t n = strcspn(p, "/");

		if (n < sizeof(comp)) {
			memcpy(comp, p, n);
			comp[n] = '\0';
			if (is_pci_addr(comp)) {
				snprintf(out, size, "%.12s", comp);	/* is_pci_addr: 12 characters */
				found = true;
			}
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return found;
}

/* "16.0 GT/s PCIe" -> 16.0; "Unknown" -> 0. */
static double parse_gts(const char *s)
{
	double v;

	return sscanf(s, "%lf", &v) == 1 && v > 0 && v < 1000 ? v : 0;
}

static void load_pci(const struct host *h, struct nic *n)
{
	char path[256], buf[64];
	struct dirlist dl;
	long v;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", n->pci);
	if (sysroot_readlink_base(h->sr, path, n->driver, sizeof(n->driver)) < 0)
		n->driver[0] = '\0';
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/numa_node", n->pci);
	n->numa_node = sysroot_read_long(h->sr, path, &v) == 0 && v >= 0 && v < 1 << 16 ? (int)v : -1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/local_cpulist", n->pci);
	n->has_local_cpus = sysroot_read_cpuset(h->sr, path, &n->local_cpus) == 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/current_link_speed", n->pci);
	if (sysroot_read_str(h->sr, path, n->link_speed, sizeof(n->link_speed)) == 0) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/max_link_speed", n->pci);
		if (sysroot_read_str(h->sr, path, n->max_link_speed, sizeof(n->max_link_speed)) < 0)
			n->max_link_speed[0] = '\0';
		n->link_gts = parse_gts(n->link_speed);
		n->max_link_gts = parse_gts(n->max_link_speed);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/current_link_width", n->pci);
		n->link_width = sysroot_read_long(h->sr, path, &v) == 0 && v > 0 && v <= 32 ? (int)v : 0;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/max_link_width", n->pci);
		n->max_link_width = sysroot_read_long(h->sr, path, &v) == 0 && v > 0 && v <= 32 ? (int)v : 0;
		n->has_link = n->link_gts > 0 && n->link_width > 0;
	}

	n->iommu_group = -1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", n->pci);
	if (sysroot_readlink_base(h->sr, path, buf, sizeof(buf)) == 0 && parse_long(buf, &v) == 0 && v >= 0) {
		n->iommu_group = (int)v;
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%ld/devices", v);
		if (sysroot_list(h->sr, path, &dl) == 0) {
			n->iommu_group_devices = (int)dl.n;
			dirlist_free(&dl);
		}
	}

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs", n->pci);
	if (sysroot_list(h->sr, path, &dl) == 0 && dl.n) {
		n->irqs = xcalloc(dl.n, sizeof(int));
		for (size_t i = 0; i < dl.n; i++)
			if (parse_long(dl.names[i], &v) == 0 && v >= 0 && v < 1 << 24)
				n->irqs[n->nirqs++] = (int)v;
		dirlist_free(&dl);
	} else {
		dirlist_free(&dl);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/irq", n->pci);
		if (sysroot_read_long(h->sr, path, &v) == 0 && v > 0 && v < 1 << 24) {
			n->irqs = xcalloc(1, sizeof(int));
			n->irqs[n->nirqs++] = (int)v;
		}
	}
	/* msi_irqs lists names in string order. */
	for (size_t i = 1; i < n->nirqs; i++)
		for (size_t j = i; j > 0 && n->irqs[j] < n->irqs[j - 1]; j--) {
			int t = n->irqs[j];

			n->irqs[j] = n->irqs[j - 1];
			n->irqs[j - 1] = t;
		}
}

static void count_queues(const struct host *h, struct nic *n)
{
	char path[128];
	struct dirlist dl;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", n->name);
	if (sysroot_list(h->sr, path, &dl) < 0)
		return;
	for (size_t i = 0; i < dl.n; i++) {
		if (!strncmp(dl.names[i], "rx-", 3))
			n->rx_queues++;
		else if (!strncmp(dl.names[i], "tx-", 3))
			n->tx_queues++;
	}
	dirlist_free(&dl);
}

/* Interfaces carrying a default route: IPv4 from /proc/net/route, IPv6 from /proc/net/ipv6_route. */
static bool has_default_route(const struct host *h, const char *ifname)
{
	char *text, *save = NULL;
	bool found = false;

	if (sysroot_read_alloc(h->sr, "/proc/net/route", SMALL_CAP, &text, NULL) == 0) {
		for (char *l = strtok_r(text, "\n", &save); l && !found; l = strtok_r(NULL, "\n", &save)) {
			char ifn[64], dst[16], gw[16], flags[16], ref[16], use[16], metric[16], mask[16];

			if (sscanf(l, "%63s %15s %15s %15s %15s %15s %15s %15s", ifn, dst, gw, flags, ref, use, metric, mask) == 8 &&
			    !strcmp(dst, "00000000") && !strcmp(mask, "00000000") && !strcmp(ifn, ifname))
				found = true;
		}
		free(text);
	}
	save = NULL;
	if (!found && sysroot_read_alloc(h->sr, "/proc/net/ipv6_route", SMALL_CAP, &text, NULL) == 0) {
		for (char *l = strtok_r(text, "\n", &save); l && !found; l = strtok_r(NULL, "\n", &save)) {
			char dst[40], plen[8], ifn[64];
			const char *last = strrchr(l, ' ');

			if (sscanf(l, "%39s %7s", dst, plen) == 2 && last && sscanf(last, "%63s", ifn) == 1 &&
			    !strcmp(dst, "00000000000000000000000000000000") && !strcmp(plen, "00") &&
			    !strcmp(ifn, ifname))
				found = true;
		}
		free(text);
	}
	return found;
}

static struct nic *add_nic(struct host *h, size_t *cap)
{
	struct nic *n;

	if (h->nnics == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		h->nics = xrealloc(h->nics, *cap * sizeof(*h->nics));
	}
	n = &h->nics[h->nnics++];
	memset(n, 0, sizeof(*n));
	n->numa_node = -1;
	n->speed_mbps = -1;
	n->iommu_group = -1;
	return n;
}

static void load_netdevs(struct host *h, size_t *cap)
{
	struct dirlist dl;

	if (sysroot_list(h->sr, "/sys/class/net", &dl) < 0)
		return;
	for (size_t i = 0; i < dl.n; i++) {
		char path[256], target[4096];
		struct nic *n;
		long v;

		if (strlen(dl.names[i]) >= sizeof(n->name))
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s", dl.names[i]);
		/* Virtual interfaces (lo, veth, bridges) have no device behind them. */
		if (sysroot_readlink(h->sr, path, target, sizeof(target)) < 0 || strstr(target, "/virtual/"))
			continue;
		n = add_nic(h, cap);
		snprintf(n->name, sizeof(n->name), "%s", dl.names[i]);
		if (pci_of_path(target, n->pci, sizeof(n->pci)))
			load_pci(h, n);
		else {
			snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", n->name);
			if (sysroot_readlink_base(h->sr, path, n->driver, sizeof(n->driver)) < 0)
				n->driver[0] = '\0';
		}
		snprintf(path, sizeof(path), "/sys/class/net/%s/speed", n->name);
		n->speed_mbps = sysroot_read_long(h->sr, path, &v) == 0 && v > 0 ? v : -1;
		snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", n->name);
		if (sysroot_read_str(h->sr, path, n->operstate, sizeof(n->operstate)) < 0)
			n->operstate[0] = '\0';
		count_queues(h, n);
		n->default_route = has_default_route(h, n->name);
		ethtool_load(h->sr, n->name, &n->eth);
	}
	dirlist_free(&dl);
}

/* PCI network controllers with no netdev: bound to vfio-pci, uio, or nothing. */
static void load_pci_nics(struct host *h, size_t *cap)
{
	struct dirlist dl;

	if (sysroot_list(h->sr, "/sys/bus/pci/devices", &dl) < 0)
		return;
	for (size_t i = 0; i < dl.n; i++) {
		char path[256], cls[32];
		struct nic *n;

		if (!is_pci_addr(dl.names[i]) || host_nic_by_pci(h, dl.names[i]))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/class", dl.names[i]);
		if (sysroot_read_str(h->sr, path, cls, sizeof(cls)) < 0 || strncmp(cls, "0x02", 4))
			continue;
		n = add_nic(h, cap);
		snprintf(n->pci, sizeof(n->pci), "%s", dl.names[i]);
		load_pci(h, n);
	}
	dirlist_free(&dl);
}

char *host_grub_dropin_params(const char *text)
{
	struct strbuf sb = { 0 };
	char *copy = xstrdup(text), *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *l = trim(line), *q1 = strchr(l, '"'), *q2 = q1 ? strrchr(l, '"') : NULL;

		if (*l == '#' || !q1 || q2 == q1 || strncmp(l, "GRUB_CMDLINE_LINUX", 18))
			continue;
		*q2 = '\0';
		/* One space between words; "$VAR" references are left out. */
		for (char *save2 = NULL, *w = strtok_r(q1 + 1, " \t", &save2); w; w = strtok_r(NULL, " \t", &save2))
			if (*w != '$')
				strbuf_addf(&sb, "%s%s", sb.len ? " " : "", w);
	}
	free(copy);
	return sb.s ? strbuf_detach(&sb) : xstrdup("");
}

int host_load(struct host *h, const struct sysroot *sr)
{
	size_t cap = 0;

	memset(h, 0, sizeof(*h));
	h->sr = sr;
	load_kernel(h);
	load_topology(h);
	load_cpu_params(h);
	load_cpu_identity(h);
	load_nodes(h);
	load_mounts(h);
	load_irqs(h);
	load_netdevs(h, &cap);
	load_pci_nics(h, &cap);
	return 0;
}

void host_free(struct host *h)
{
	free(h->cmdline_raw);
	cmdline_free(&h->cmdline);
	cmdline_free(&h->staged);
	free(h->cpus);
	free(h->nodes);
	free(h->mounts);
	free(h->irqs);
	for (size_t i = 0; i < h->nnics; i++)
		free(h->nics[i].irqs);
	free(h->nics);
	memset(h, 0, sizeof(*h));
}

const struct host_cpu *host_cpu(const struct host *h, int cpu)
{
	size_t lo = 0, hi = h->ncpus;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (h->cpus[mid].id == cpu)
			return &h->cpus[mid];
		if (h->cpus[mid].id < cpu)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct numa_node *host_node(const struct host *h, int id)
{
	for (size_t i = 0; i < h->nnodes; i++)
		if (h->nodes[i].id == id)
			return &h->nodes[i];
	return NULL;
}

int host_cpu_node(const struct host *h, int cpu)
{
	const struct host_cpu *c = host_cpu(h, cpu);

	return c ? c->node : -1;
}

bool nic_userspace_driver(const char *driver)
{
	return !strcmp(driver, "vfio-pci") || !strcmp(driver, "uio_pci_generic") || !strcmp(driver, "igb_uio");
}

const struct nic *host_nic_by_name(const struct host *h, const char *name)
{
	for (size_t i = 0; i < h->nnics; i++)
		if (h->nics[i].name[0] && !strcmp(h->nics[i].name, name))
			return &h->nics[i];
	return NULL;
}

const struct nic *host_nic_by_pci(const struct host *h, const char *pci)
{
	for (size_t i = 0; i < h->nnics; i++)
		if (h->nics[i].pci[0] && !strcasecmp(h->nics[i].pci, pci))
			return &h->nics[i];
	return NULL;
}

const struct irq *host_irq(const struct host *h, int num)
{
	size_t lo = 0, hi = h->nirqs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (h->irqs[mid].num == num)
			return &h->irqs[mid];
		if (h->irqs[mid].num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct hugepool *host_pool(const struct host *h, int node, unsigned long size_kb)
{
	const struct hugepool *pools = h->pools;
	int n = h->npools;

	if (node >= 0) {
		const struct numa_node *nd = host_node(h, node);

		if (!nd)
			return NULL;
		pools = nd->pools;
		n = nd->npools;
	}
	for (int i = 0; i < n; i++)
		if (pools[i].size_kb == size_kb)
			return &pools[i];
	return NULL;
}

void host_expand_siblings(const struct host *h, const struct cpuset *set, struct cpuset *out)
{
	struct cpuset acc = *set;
	int cpu;

	cpuset_for_each(cpu, set) {
		const struct host_cpu *c = host_cpu(h, cpu);

		if (c)
			cpuset_or(&acc, &acc, &c->siblings);
	}
	*out = acc;
}

void host_default_housekeeping(const struct host *h, struct cpuset *out)
{
	const struct cpuset *online = h->has_online ? &h->online : &h->present;
	struct cpuset first;

	cpuset_zero(&first);
	for (size_t i = 0; i < h->nnodes; i++) {
		struct cpuset on;
		int cpu;

		cpuset_and(&on, &h->nodes[i].cpus, online);
		cpu = cpuset_next(&on, 0);
		if (cpu >= 0)
			cpuset_set(&first, cpu);
	}
	/* No node information: the first online cpu. */
	if (cpuset_empty(&first) && cpuset_next(online, 0) >= 0)
		cpuset_set(&first, cpuset_next(online, 0));
	host_expand_siblings(h, &first, out);
	cpuset_and(out, out, online);
}
