/* Builds the host model once per run: every later question about the host is answered from here. */
#include "host.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "ethtool.h"
#include "host_proc.h"
#include "mgmt.h"
#include "route.h"
#include "util.h"

const char *const cpu_flag_names[] = {
	"constant_tsc", "nonstop_tsc", "tsc_reliable", "tsc_known_freq", "hypervisor",
	"ht", "pdpe1gb", "rdtscp", "invtsc_cpuid",
};

/* /proc/interrupts of a 512-cpu host with thousands of IRQs runs to tens of MiB. */
/* /proc/interrupts is streamed: only one line is held (65,536 cpus x 11 columns < 1 MiB) */
#define INTERRUPTS_LINE_CAP (4u << 20)
#define SMALL_CAP (1u << 20)

/* systemd-boot: the next kernel entry's line is /etc/kernel/cmdline, verbatim. */
static void load_sdboot_staged(struct host *h)
{
	char *text;

	if (h->has_staged || h->boot != HB_SDBOOT ||
	    sysroot_read_alloc(h->sr, HOST_KERNEL_CMDLINE, SMALL_CAP, &text, NULL) < 0)
		return;
	cmdline_free(&h->staged);
	cmdline_parse(&h->staged, trim(text));
	h->has_staged = true;
	free(text);
}

/* grubby: what it staged is the options line of the BLS entry the next boot takes. */
static void load_grubby_staged(struct host *h)
{
	char *opts;

	if (h->has_staged || h->boot != HB_GRUBBY || !(opts = boot_bls_staged(h->sr, h->release)))
		return;
	cmdline_free(&h->staged);
	cmdline_parse(&h->staged, opts);
	h->has_staged = true;
	free(opts);
}

/*
 * GRUB 2 without drop-ins (RHEL 7): the next boot's line is the running one with /etc/default/grub's
 * GRUB_CMDLINE_LINUX after it (what grub2-mkconfig writes to grub.cfg).
 */
static void load_grub2_staged(struct host *h)
{
	struct strbuf sb = { 0 };
	char *text;

	if (h->has_staged || h->boot != HB_GRUB2 || sysroot_read_alloc(h->sr, HOST_GRUB_DEFAULT, SMALL_CAP, &text, NULL) < 0)
		return;
	strbuf_add(&sb, h->cmdline_raw ? h->cmdline_raw : "");
	boot_grub2_linux_params(text, &sb);
	cmdline_free(&h->staged);
	cmdline_parse(&h->staged, sb.s ? sb.s : "");
	h->has_staged = true;
	strbuf_free(&sb);
	free(text);
}

/* apply --once's one-time entry (TICKREADY_PARAMS in its grub.d script) is staged for the next boot too. */
static void load_once_params(struct host *h)
{
	char *text, *params = xmalloc(65536);
	size_t len;

	if (sysroot_read_alloc(h->sr, HOST_GRUB_ONCE, SMALL_CAP, &text, &len) == 0) {
		if (boot_once_params(text, len, params, 65536)) {
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

		strbuf_add(&sb, h->cmdline_raw ? h->cmdline_raw : "");
		boot_grub_dropin_params(drop, &sb);
		cmdline_parse(&h->staged, sb.s ? sb.s : "");
		h->has_staged = true;
		strbuf_free(&sb);
		free(drop);
	} else {
		cmdline_parse(&h->staged, "");
	}
	load_grubby_staged(h);
	load_grub2_staged(h);
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

/* cpuN/online says 0 or 1; a cpu without the file (cpu0 on most kernels) cannot go offline. */
static bool cpu_dir_online(const struct host *h, int cpu)
{
	char path[96];
	long v;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	return sysroot_read_long(h->sr, path, &v) < 0 || v != 0;
}

/* The cpuN directories, as lscpu falls back to them on kernels without present/online. */
static void cpus_from_dirs(struct host *h)
{
	struct dirlist dl;

	if (sysroot_list(h->sr, "/sys/devices/system/cpu", &dl) < 0)
		return;
	for (size_t i = 0; i < dl.n; i++) {
		char *end;
		long cpu;

		if (strncmp(dl.names[i], "cpu", 3) || !isdigit((unsigned char)dl.names[i][3]))
			continue;
		cpu = strtol(dl.names[i] + 3, &end, 10);
		if (*end || cpu >= CPUSET_MAX)
			continue;
		cpuset_set(&h->present, (int)cpu);
		if (cpu_dir_online(h, (int)cpu))
			cpuset_set(&h->online, (int)cpu);
	}
	dirlist_free(&dl);
	if (!cpuset_empty(&h->present))
		h->has_present = h->has_online = h->cpus_from_dirs = true;
}

static void online_from_dirs(struct host *h)
{
	int cpu;

	cpuset_zero(&h->online);
	cpuset_for_each(cpu, &h->present)
		if (cpu_dir_online(h, cpu))
			cpuset_set(&h->online, cpu);
	h->has_online = true;
	h->cpus_from_dirs = true;
}

/* The level of cpu's cache/indexN, or -1 when it has none. */
static long cache_level(const struct host *h, int cpu, int index)
{
	char path[128];
	long level;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/level", cpu, index);
	return sysroot_read_long(h->sr, path, &level) < 0 ? -1 : level;
}

/*
 * The level-3 cache of cpu: its shared_cpu_list, from cache/indexN with level 3. index3 first (L1d,
 * L1i and L2 come before it on every x86 and arm64 part), then the rest in order.
 */
static bool cpu_l3(const struct host *h, int cpu, struct cpuset *out)
{
	char path[128];
	int i = 3;

	if (cache_level(h, cpu, 3) != 3) {
		/* The indexes in order, up to the first missing one. */
		for (i = 0; i < 8; i++) {
			long level = i == 3 ? 0 : cache_level(h, cpu, i);

			if (level < 0)
				return false;
			if (level == 3)
				break;
		}
		if (i == 8)
			return false;
	}
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list", cpu, i);
	return sysroot_read_cpuset(h->sr, path, out) == 0 && !cpuset_empty(out);
}

/* L3 groups (an AMD CCX, an Intel die), packages and cores. */
static void load_caches(struct host *h)
{
	for (size_t i = 0; i < h->ncpus; i++) {
		struct host_cpu *c = &h->cpus[i];
		struct cpuset set;
		bool seen_pkg = false, seen_core = false;

		c->l3 = -1;
		for (size_t j = 0; j < i; j++) {
			seen_pkg |= h->cpus[j].package_id == c->package_id;
			seen_core |= h->cpus[j].package_id == c->package_id && h->cpus[j].core_id == c->core_id;
		}
		if (c->package_id >= 0 && !seen_pkg)
			h->npackages++;
		if (c->core_id >= 0 && !seen_core)
			h->ncores++;
		/* A cache's sharers list the same sharers: a cpu already in a group is not read again. */
		for (size_t g = 0; g < h->nl3 && c->l3 < 0; g++)
			if (cpuset_has(&h->l3[g], c->id))
				c->l3 = (int)g;
		if (c->l3 >= 0 || !cpu_l3(h, c->id, &set))
			continue;
		cpuset_set(&set, c->id);
		for (size_t g = 0; g < h->nl3 && c->l3 < 0; g++)
			if (cpuset_equal(&h->l3[g], &set))
				c->l3 = (int)g;
		if (c->l3 < 0) {
			h->l3 = xrealloc(h->l3, (h->nl3 + 1) * sizeof(*h->l3));
			h->l3[h->nl3] = set;
			c->l3 = (int)h->nl3++;
		}
	}
}

/* The cpus sharing c's package and core_id, as the kernel groups SMT siblings; false when the ids are unknown. */
static bool same_core_cpus(const struct host *h, const struct host_cpu *c, struct cpuset *out)
{
	cpuset_zero(out);
	if (c->core_id < 0 || c->package_id < 0)
		return false;
	for (size_t i = 0; i < h->ncpus; i++)
		if (h->cpus[i].core_id == c->core_id && h->cpus[i].package_id == c->package_id)
			cpuset_set(out, h->cpus[i].id);
	return true;
}

static void load_topology(struct host *h)
{
	const char *base = "/sys/devices/system/cpu";
	char path[256];
	int cpu, i = 0, rc;

	h->has_present = sysroot_read_cpuset(h->sr, "/sys/devices/system/cpu/present", &h->present) == 0;
	h->has_online = sysroot_read_cpuset(h->sr, "/sys/devices/system/cpu/online", &h->online) == 0;
	if (!h->has_present && h->has_online)
		h->present = h->online;
	if (!h->has_present && !h->has_online)
		cpus_from_dirs(h);
	else if (!h->has_online)
		online_from_dirs(h);
	h->has_isolated = sysroot_read_cpuset(h->sr, "/sys/devices/system/cpu/isolated", &h->isolated) == 0;
	rc = sysroot_read_cpuset(h->sr, "/sys/devices/system/cpu/nohz_full", &h->nohz_full);
	h->has_nohz_full = rc == 0;
	h->nohz_full_file = (rc == 0 || rc == -EINVAL || rc == -EFBIG) ? 1 : rc == -ENOENT ? -1 : 0;
	if (sysroot_read_str(h->sr, "/sys/devices/system/cpu/smt/control", h->smt_control, sizeof(h->smt_control)) < 0)
		h->smt_control[0] = '\0';

	h->ncpus = (size_t)cpuset_count(&h->present);
	h->cpus = xcalloc(h->ncpus, sizeof(*h->cpus));
	cpuset_for_each(cpu, &h->present) {
		struct host_cpu *c = &h->cpus[i++];
		struct cpuset core_cpus;
		long v;

		c->id = cpu;
		c->node = -1;
		snprintf(path, sizeof(path), "%s/cpu%d/topology/core_id", base, cpu);
		c->core_id = sysroot_read_long(h->sr, path, &v) == 0 ? (int)v : -1;
		snprintf(path, sizeof(path), "%s/cpu%d/topology/physical_package_id", base, cpu);
		c->package_id = sysroot_read_long(h->sr, path, &v) == 0 ? (int)v : -1;
		snprintf(path, sizeof(path), "%s/cpu%d/topology/thread_siblings_list", base, cpu);
		if (sysroot_read_cpuset(h->sr, path, &c->siblings) < 0)
			cpuset_zero(&c->siblings);
		snprintf(path, sizeof(path), "%s/cpu%d/topology/core_cpus_list", base, cpu);
		if (sysroot_read_cpuset(h->sr, path, &core_cpus) < 0)
			continue;
		/* Kernels that dropped the old name have core_cpus_list only. */
		if (cpuset_empty(&c->siblings))
			c->siblings = core_cpus;
		else if (!cpuset_equal(&c->siblings, &core_cpus))
			cpuset_set(&h->smt_disagree, cpu);
	}
	/* One kernel mask under two names: where they differ, the one its core ids give wins (else lscpu's, the old name). */
	cpuset_for_each(cpu, &h->smt_disagree) {
		struct host_cpu *c = (struct host_cpu *)host_cpu(h, cpu);
		struct cpuset by_ids, core_cpus;

		snprintf(path, sizeof(path), "%s/cpu%d/topology/core_cpus_list", base, cpu);
		if (!c || !same_core_cpus(h, c, &by_ids) || sysroot_read_cpuset(h->sr, path, &core_cpus) < 0)
			continue;
		cpuset_set(&core_cpus, cpu);
		cpuset_set(&c->siblings, cpu);
		if (!cpuset_equal(&c->siblings, &by_ids) && cpuset_equal(&core_cpus, &by_ids))
			c->siblings = core_cpus;
	}
	for (size_t k = 0; k < h->ncpus; k++) {
		struct host_cpu *c = &h->cpus[k];
		int n;

		if (cpuset_empty(&c->siblings))
			continue;
		cpuset_set(&c->siblings, c->id);
		n = cpuset_count(&c->siblings);
		if (n > h->smt_threads_per_core)
			h->smt_threads_per_core = n;
	}
	load_caches(h);
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

/*
 * The CPU's own word, from six CPUID leaves: vendor (leaf 0), brand string (0x80000002-4, leading
 * blanks dropped) and invariant TSC (0x80000007 EDX bit 8). False for a vendor outside the table
 * libcpuid 0.6 knew, whose answer this replaces at a fraction of its cost (it ran every leaf, each a
 * VM exit under a hypervisor): the cpuinfo values stand then, as they did.
 */
static bool cpuid_identity(char vendor[13], char brand[49], bool *invtsc)
{
#if defined(__x86_64__) || defined(__i386__)
	static const char *const known[] = {
		"GenuineIntel", "AuthenticAMD", "CyrixInstead", "NexGenDriven", "GenuineTMx86", "UMC UMC UMC ",
		"CentaurHauls", "RiseRiseRise", "SiS SiS SiS ", "Geode by NSC", "HygonGenuine",
	};
	unsigned r[4], max_ext;
	bool ok = false;
	size_t skip = 0;

	if (!__get_cpuid(0, &r[0], &r[1], &r[2], &r[3]))
		return false;
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = '\0';
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ok |= !strcmp(vendor, known[i]);
	if (!ok)
		return false;
	brand[0] = '\0';
	max_ext = __get_cpuid_max(0x80000000, NULL);
	if (max_ext >= 0x80000004) {
		for (unsigned i = 0; i < 3; i++) {
			__cpuid(0x80000002 + i, r[0], r[1], r[2], r[3]);
			memcpy(brand + 16 * i, r, 16);
		}
		brand[48] = '\0';
		while (brand[skip] == ' ')
			skip++;
		memmove(brand, brand + skip, strlen(brand + skip) + 1);
	}
	__cpuid(0x80000007, r[0], r[1], r[2], r[3]);
	*invtsc = r[3] & (1u << 8);
	return true;
#else
	(void)vendor;
	(void)brand;
	(void)invtsc;
	return false;
#endif
}

bool host_cpuinfo_sends_ipis(const char *release)
{
	int major, minor;

	if (sscanf(release, "%d.%d", &major, &minor) != 2)
		return false;
	return (major == 4 && minor >= 13) || (major == 5 && minor < 18);
}

/* The /proc/cpuinfo flags tickready uses, from CPUID leaves 1, 0x80000001 and 0x80000007 of this cpu. */
static unsigned cpuid_flags(void)
{
	unsigned out = 0;
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d)) {
		if (c & (1u << 31))
			out |= CPUF_HYPERVISOR;
		if (d & (1u << 28))
			out |= CPUF_HT;
	}
	if (__get_cpuid_max(0x80000000, NULL) >= 0x80000007) {
		__cpuid(0x80000001, a, b, c, d);
		if (d & (1u << 26))
			out |= CPUF_PDPE1GB;
		if (d & (1u << 27))
			out |= CPUF_RDTSCP;
		__cpuid(0x80000007, a, b, c, d);
		/* The kernel sets both for an invariant TSC (arch/x86/kernel/cpu/{intel,amd}.c). */
		if (d & (1u << 8))
			out |= CPUF_CONSTANT_TSC | CPUF_NONSTOP_TSC;
	}
#endif
	return out;
}

/*
 * The hypervisor's own signature (leaf 0x40000000: "KVMKVMKVM", "Microsoft Hv", "XenVMMXenVMM"), only when
 * leaf 1 ECX bit 31 says a hypervisor is there (the range is undefined on bare metal). Printable, "" when none.
 */
static void cpuid_hypervisor(char sig[13])
{
	sig[0] = '\0';
#if defined(__x86_64__) || defined(__i386__)
	unsigned r[4];
	size_t j = 0;
	char raw[12];

	if (!__get_cpuid(1, &r[0], &r[1], &r[2], &r[3]) || !(r[2] & (1u << 31)))
		return;
	__cpuid(0x40000000, r[0], r[1], r[2], r[3]);
	memcpy(raw, &r[1], 4);
	memcpy(raw + 4, &r[2], 4);
	memcpy(raw + 8, &r[3], 4);
	for (size_t i = 0; i < sizeof(raw) && raw[i]; i++)
		sig[j++] = raw[i] >= 0x20 && raw[i] < 0x7f ? raw[i] : '?';
	while (j && sig[j - 1] == ' ')	/* bhyve pads its signature with blanks */
		j--;
	sig[j] = '\0';
#endif
}

/*
 * The kernel's /proc/cpuinfo names the cpu as lscpu does; CPUID's brand is kept beside it, not over it:
 * a VM restored on another host reads a brand from the new host ("Oxide Virtual Turin-like Processor")
 * while the kernel keeps the one it booted with ("AMD EPYC"). CPUID fills in only what cpuinfo lacks.
 */
static void load_cpu_identity(struct host *h)
{
	char *text = NULL;
	char flags[8192];
	char vendor[64] = "", brand[128] = "";
	bool have_cpuinfo = false, have_cpuid = false, invtsc = false;

	h->cpu_source = "unknown";
	h->cpu_flags_source = "unknown";
	/* There, reading it would interrupt every cpu, isolated ones too: CPUID of this cpu stands in. */
	h->cpuinfo_skipped = h->sr->live && host_cpuinfo_sends_ipis(h->release) && cpuid_flags();
	if (h->cpuinfo_skipped)
		h->cpu_flags = cpuid_flags();
	else if (sysroot_read_alloc(h->sr, "/proc/cpuinfo", 16u << 20, &text, NULL) == 0) {
		cpuinfo_field(text, "vendor_id", h->cpu_vendor, sizeof(h->cpu_vendor));
		cpuinfo_field(text, "model name", h->cpu_model, sizeof(h->cpu_model));
		if (cpuinfo_field(text, "flags", flags, sizeof(flags)))
			h->cpu_flags = cpuinfo_flags(flags);
		have_cpuinfo = true;
		free(text);
	}
	/* CPUID only describes this machine: never under a foreign root, where a capture kept its answer. */
	if (h->sr->live) {
		char v[13], b[49];

		if (cpuid_identity(v, b, &invtsc)) {
			snprintf(vendor, sizeof(vendor), "%s", v);
			snprintf(brand, sizeof(brand), "%s", trim(b));
			cpuid_hypervisor(h->cpu_hypervisor);
			have_cpuid = true;
			if (h->sr->rec) {
				char *facts = xasprintf("vendor_id\t: %s\nmodel name\t: %s\ninvtsc\t: %d\nhypervisor\t: %s\n",
							vendor, brand, invtsc, h->cpu_hypervisor);

				sysroot_record_synthetic(h->sr, SYSROOT_CPUID_FILE, facts, strlen(facts));
				free(facts);
			}
		}
	} else if (sysroot_read_alloc(h->sr, SYSROOT_CPUID_FILE, SYSROOT_SMALL, &text, NULL) == 0) {
		char v[8];

		if (cpuinfo_field(text, "vendor_id", vendor, sizeof(vendor)) &&
		    cpuinfo_field(text, "model name", brand, sizeof(brand))) {
			invtsc = cpuinfo_field(text, "invtsc", v, sizeof(v)) && !strcmp(v, "1");
			/* Captures made before the line was recorded leave it "". */
			cpuinfo_field(text, "hypervisor", h->cpu_hypervisor, sizeof(h->cpu_hypervisor));
			have_cpuid = true;
		}
		free(text);
	}
	if (have_cpuid) {
		snprintf(h->cpu_brand, sizeof(h->cpu_brand), "%s", brand);
		if (invtsc)
			h->cpu_flags |= CPUF_INVTSC_CPUID;
	}
	if (have_cpuinfo && (h->cpu_vendor[0] || h->cpu_model[0])) {
		h->cpu_source = "cpuinfo";
		if (have_cpuid && !h->cpu_vendor[0])
			snprintf(h->cpu_vendor, sizeof(h->cpu_vendor), "%s", vendor);
		if (have_cpuid && !h->cpu_model[0])
			snprintf(h->cpu_model, sizeof(h->cpu_model), "%s", brand);
	} else if (have_cpuid) {
		h->cpu_source = "cpuid";
		snprintf(h->cpu_vendor, sizeof(h->cpu_vendor), "%s", vendor);
		snprintf(h->cpu_model, sizeof(h->cpu_model), "%s", brand);
	}
	if (have_cpuinfo)
		h->cpu_flags_source = have_cpuid ? "cpuinfo+cpuid" : "cpuinfo";
	else if (have_cpuid || h->cpuinfo_skipped)
		h->cpu_flags_source = "cpuid";
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

/* The node the kernel put cpu on: its cpuN/nodeM link (cpu_to_node), -1 when there is none. */
static int kernel_cpu_node(const struct host *h, int cpu)
{
	char dir[64], *end;
	struct dirlist dl;
	long id = -1;

	snprintf(dir, sizeof(dir), "/sys/devices/system/cpu/cpu%d", cpu);
	if (sysroot_list_prefix(h->sr, dir, "node", &dl) < 0)
		return -1;
	for (size_t i = 0; i < dl.n && id < 0; i++) {
		id = isdigit((unsigned char)dl.names[i][4]) ? strtol(dl.names[i] + 4, &end, 10) : -1;
		if (id >= 0 && (*end || !host_node(h, (int)id)))
			id = -1;
	}
	dirlist_free(&dl);
	return (int)id;
}

/*
 * Node lists that overlap (firmware tables listing the same cpus under several nodes): each such cpu
 * goes where the kernel put it (cpuN/nodeM), else to its lowest node, and every node then lists only
 * its own cpus. A node left with none of the cpus it listed and no memory is no node: dropped.
 */
static void settle_overlap(struct host *h)
{
	bool by_kernel = true;
	size_t kept = 0;
	int cpu;

	cpuset_for_each(cpu, &h->node_overlap) {
		struct host_cpu *c = (struct host_cpu *)host_cpu(h, cpu);
		int node = c ? kernel_cpu_node(h, cpu) : -1;

		if (node >= 0 && cpuset_has(&host_node(h, node)->cpus, cpu))
			c->node = node;
		else
			by_kernel = false;
	}
	h->node_overlap_by_kernel = by_kernel;
	for (size_t i = 0; i < h->nnodes; i++) {
		struct numa_node *n = &h->nodes[i];
		bool listed = !cpuset_empty(&n->cpus);

		cpuset_for_each(cpu, &n->cpus) {
			const struct host_cpu *c = host_cpu(h, cpu);

			if (c && c->node != n->id)
				cpuset_clear(&n->cpus, cpu);
		}
		if (listed && cpuset_empty(&n->cpus) && n->memory_mib <= 0) {
			h->nodes_phantom++;
			continue;
		}
		h->nodes[kept++] = *n;
	}
	h->nnodes = kept;
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
			if (sysroot_read_cpuset(h->sr, path, &n->cpus) < 0) {
				/* Older kernels have only the mask. */
				snprintf(path, sizeof(path), "/sys/devices/system/node/node%ld/cpumap", id);
				if (sysroot_read_mask(h->sr, path, &n->cpus) == 0)
					h->nodes_from_cpumap = true;
				else
					cpuset_zero(&n->cpus);
			}
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
	h->npools = load_pools(h, "/sys/kernel/mm/hugepages", h->pools);
	if (sysroot_read_alloc(h->sr, "/proc/meminfo", SMALL_CAP, &text, NULL) == 0) {
		const char *p = strstr(text, "Hugepagesize:");
		unsigned long kb;

		if (p && sscanf(p + 13, "%lu", &kb) == 1)
			h->default_hugepage_kb = kb;
		/* A kernel without CONFIG_NUMA is one node: 0, with every cpu and all of memory. */
		if (!h->nnodes && h->ncpus) {
			free(h->nodes);
			h->nodes = xcalloc(1, sizeof(*h->nodes));
			h->nodes[0].cpus = h->present;
			h->nodes[0].memory_mib = meminfo_mib(text, "MemTotal");
			h->nodes[0].free_mib = meminfo_mib(text, "MemFree");
			h->nodes[0].npools = h->npools;
			memcpy(h->nodes[0].pools, h->pools, sizeof(h->pools));
			h->nnodes = 1;
			h->nodes_implicit = true;
		}
		free(text);
	}
	if (!h->nnodes && h->ncpus) {
		free(h->nodes);
		h->nodes = xcalloc(1, sizeof(*h->nodes));
		h->nodes[0].cpus = h->present;
		h->nodes[0].memory_mib = h->nodes[0].free_mib = -1;
		h->nnodes = 1;
		h->nodes_implicit = true;
	}
	/* The lowest node listing a cpu keeps it; the others' claims are recorded as overlap. */
	for (size_t i = 0; i < h->nnodes; i++) {
		int cpu;

		cpuset_for_each(cpu, &h->nodes[i].cpus) {
			struct host_cpu *c = (struct host_cpu *)host_cpu(h, cpu);

			if (c && c->node >= 0)
				cpuset_set(&h->node_overlap, cpu);
			else if (c)
				c->node = h->nodes[i].id;
		}
	}
	if (!cpuset_empty(&h->node_overlap))
		settle_overlap(h);
}

/* An absolute cgroup path with no ".." component. */
static bool cgroup_path_ok(const char *p)
{
	size_t n = strlen(p);

	return p[0] == '/' && !strstr(p, "/../") && !(n >= 3 && !strcmp(p + n - 3, "/.."));
}

/* The cpuset file of cgroup dir (a path under /sys/fs/cgroup), walking up to the nearest ancestor that has one. */
static int read_cpuset_up(struct host *h, char *dir, const char *file)
{
	for (;;) {
		char path[sizeof(h->allowed_source)];
		int rc;

		snprintf(path, sizeof(path), "%s/%s", dir, file);
		rc = sysroot_read_cpuset(h->sr, path, &h->allowed);
		if (rc == 0) {
			snprintf(h->allowed_source, sizeof(h->allowed_source), "%s", path);
			return 0;
		}
		if (rc != -ENOENT && rc != -ENODATA)
			return rc;
		char *slash = strrchr(dir, '/');

		if (!slash || slash == dir || !strcmp(dir, "/sys/fs/cgroup") || !strcmp(dir, "/sys/fs/cgroup/cpuset"))
			return -ENOENT;
		*slash = '\0';
	}
}

/* The tree's own process view: Cpus_allowed_list of its /proc/self/status (a taskset, a cpuset without a controller file). */
static int status_allowed(struct host *h)
{
	char *text, *line;
	int rc;

	if ((rc = sysroot_read_alloc(h->sr, "/proc/self/status", SMALL_CAP, &text, NULL)) < 0)
		return rc == -ENOENT ? rc : -ENOENT;
	line = strstr(text, "\nCpus_allowed_list:");
	rc = line && cpuset_parse(&h->allowed, trim(strtok(line + 19, "\n"))) == 0 && !cpuset_empty(&h->allowed) ?
	     0 : -ENOENT;
	if (rc == 0)
		snprintf(h->allowed_source, sizeof(h->allowed_source), "/proc/self/status (Cpus_allowed_list)");
	else
		cpuset_zero(&h->allowed);
	free(text);
	return rc;
}

static int cgroup_allowed(struct host *h, const char *cgroup);

int host_load_allowed(struct host *h, const char *cgroup)
{
	int rc;

	h->has_allowed = false;
	h->allowed_source[0] = '\0';
	cpuset_zero(&h->allowed);
	rc = cgroup_allowed(h, cgroup);
	/* No cpuset file for the tree's own cgroup: what its process may use, as the tree's /proc says. */
	if (rc == -ENOENT && !cgroup)
		rc = status_allowed(h);
	h->has_allowed = rc == 0;
	return rc;
}

static int cgroup_allowed(struct host *h, const char *cgroup)
{
	char rel[256] = "", dir[300];
	bool v1 = false;
	int rc;

	if (cgroup) {
		if (!cgroup_path_ok(cgroup) || strlen(cgroup) >= sizeof(rel))
			return -EINVAL;
		if (!strncmp(cgroup, "/sys/fs/cgroup", 14) && (!cgroup[14] || cgroup[14] == '/'))
			cgroup += 14;
		snprintf(rel, sizeof(rel), "%s", cgroup);
	} else {
		char *text, *save = NULL;

		if (sysroot_read_alloc(h->sr, "/proc/self/cgroup", SMALL_CAP, &text, NULL) < 0)
			return -ENOENT;
		/* "0::/user.slice/x" (v2) or "4:cpuset:/docker/x" (v1; it wins, the v2 line then holds no cpuset) */
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

			if (!c2 || !cgroup_path_ok(c2 + 1) || strlen(c2 + 1) >= sizeof(rel))
				continue;
			if (!strncmp(c1, "::", 2) && !v1)
				snprintf(rel, sizeof(rel), "%s", c2 + 1);
			else if (strstr(c1, "cpuset") && c2 - c1 > 1) {
				snprintf(rel, sizeof(rel), "%s", c2 + 1);
				v1 = true;
			}
		}
		free(text);
		if (!rel[0])
			return -ENOENT;
	}
	if (!strcmp(rel, "/"))
		rel[0] = '\0';
	/* A named cgroup must exist: walking up from a typo would report the root's cpus. */
	if (cgroup) {
		char v2dir[300], v1dir[300];

		snprintf(v2dir, sizeof(v2dir), "/sys/fs/cgroup%s", rel);
		snprintf(v1dir, sizeof(v1dir), "/sys/fs/cgroup/cpuset%s", rel);
		if (!sysroot_is_dir(h->sr, v2dir) && !sysroot_is_dir(h->sr, v1dir))
			return -ENOENT;
	}
	if (!v1) {
		snprintf(dir, sizeof(dir), "/sys/fs/cgroup%s", rel);
		rc = read_cpuset_up(h, dir, "cpuset.cpus.effective");
		if (rc != -ENOENT)
			goto out;
	}
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/cpuset%s", rel);
	rc = read_cpuset_up(h, dir, "cpuset.effective_cpus");
	if (rc == -ENOENT) {
		snprintf(dir, sizeof(dir), "/sys/fs/cgroup/cpuset%s", rel);
		rc = read_cpuset_up(h, dir, "cpuset.cpus");
	}
out:
	return rc;
}

void host_usable(const struct host *h, struct cpuset *out)
{
	*out = h->has_online ? h->online : h->present;
	if (h->has_allowed)
		cpuset_and(out, out, &h->allowed);
}

static void load_mounts(struct host *h)
{
	char *text, *save = NULL;
	size_t cap = 0;

	if ((h->mounts_rc = sysroot_read_alloc(h->sr, "/proc/mounts", SMALL_CAP, &text, NULL)) < 0)
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

/* Eight blanks, as one word: a 512-cpu line of /proc/interrupts is mostly the padding of its counts. */
static const uint64_t blanks = 0x2020202020202020ull;

/* Past a run of blanks, eight at a time. */
static char *skip_blanks(char *p, const char *end)
{
	uint64_t w;

	while (end - p >= 8) {
		uint64_t other;

		memcpy(&w, p, 8);
		/* The first byte that is not a blank, little-endian: the lowest set byte of w ^ blanks. */
		if ((other = w ^ blanks)) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return p + (__builtin_ctzll(other) >> 3);
#else
			break;
#endif
		}
		p += 8;
	}
	while (*p == ' ')
		p++;
	return p;
}

/*
 * A small count where the kernel prints it (" %10u": a blank, the count right-aligned in ten places), col at
 * the blank: eight blanks, then "  d", " dd" or "ddd", and no digit after. Most of a big host's row is
 * such counts (0 on cpus the IRQ never reached); taken here without walking their padding byte by byte.
 * false for anything else, which the walk reads. col + 11 must be inside the line (its NUL at most).
 */
static bool small_count(const char *col, unsigned long long *v)
{
	unsigned d8, d9, d10 = (unsigned)(col[10] - '0');
	uint64_t w;

	memcpy(&w, col, 8);
	if (w != blanks || d10 > 9 || (unsigned)(col[11] - '0') <= 9)
		return false;
	if (col[8] == ' ' && col[9] == ' ') {	/* the usual one: a single digit */
		*v = d10;
		return true;
	}
	d8 = (unsigned)(col[8] - '0');
	d9 = (unsigned)(col[9] - '0');
	if (d9 > 9)
		return false;
	if (col[8] == ' ')
		*v = d9 * 10 + d10;
	else if (d8 <= 9)
		*v = d8 * 100 + d9 * 10 + d10;
	else
		return false;
	return true;
}

/* One /proc/interrupts line: "  24:  1  0  IR-PCI-MSI 9437184-edge  eno1-TxRx-0". */
static bool parse_irq_line(char *line, int ncols, struct irq *irq)
{
	char *p = line, *end;
	const char *lim = line + strlen(line);
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
	/* By hand, not strtoull: 4,000 lines of 512 counts are most of a big host's load time. */
	for (int i = 0; i < ncols; i++) {
		unsigned long long v = 0;
		unsigned d;
		int digits = 0;

		if (lim - p >= 11 && small_count(p, &v)) {
			irq->count += v;
			p += 11;
			continue;
		}
		p = skip_blanks(p, lim);
		if ((d = (unsigned)(*p - '0')) > 9)
			break;
		/* 19 digits cannot overflow: the saturating step is only for a longer (a tree's) number. */
		do {
			v = v * 10 + d;
			d = (unsigned)(*++p - '0');
		} while (d <= 9 && ++digits < 19);
		for (; d <= 9; d = (unsigned)(*++p - '0'))
			v = v > (ULLONG_MAX - 9) / 10 ? ULLONG_MAX : v * 10 + d;
		irq->count += v;
	}
	trim(p);
	/* The chip name first, the actions last: split at the last run of spaces. */
	end = p + strlen(p);
	while (end > p && end[-1] != ' ')
		end--;
	str_copy(irq->name, sizeof(irq->name), end);
	p[strcspn(p, " ")] = '\0';	/* the chip: the first word */
	str_copy(irq->chip, sizeof(irq->chip), p);
	return true;
}

static int cmp_irq(const void *a, const void *b)
{
	return ((const struct irq *)a)->num - ((const struct irq *)b)->num;
}

struct irq_span {
	const struct sysroot *sr;
	struct irq *v;
	size_t n;
	struct cpuset_pool *pool;
};

static void *read_affinities(void *arg)
{
	struct irq_span *s = arg;
	struct cpuset set, empty;

	cpuset_zero(&empty);
	for (size_t i = 0; i < s->n; i++) {
		struct irq *irq = &s->v[i];
		char path[128];

		str_num(path, sizeof(path), "/proc/irq/", irq->num, "/smp_affinity_list");
		irq->has_affinity = sysroot_read_cpuset(s->sr, path, &set) == 0;
		irq->affinity = cpuset_intern(s->pool, irq->has_affinity ? &set : &empty);
		str_num(path, sizeof(path), "/proc/irq/", irq->num, "/effective_affinity_list");
		irq->has_effective = sysroot_read_cpuset(s->sr, path, &set) == 0;
		irq->effective = cpuset_intern(s->pool, irq->has_effective ? &set : &empty);
	}
	return NULL;
}

/*
 * Two small files an IRQ are most of a big host's load time (8,000 opens for 4,000 IRQs), spent
 * in the kernel: a second thread reads half of them. Not while capturing: recording is one list.
 */
#define IRQ_SPLIT_MIN 512

static void load_irq_affinities(struct host *h)
{
	struct irq_span first = { h->sr, h->irqs, h->nirqs, &h->irq_sets[0] }, second;
	bool split = false;
	pthread_t t;
	pthread_attr_t attr;
	cpu_set_t on;

	if (!h->sr->rec && h->nirqs >= IRQ_SPLIT_MIN && h->has_helpers && !pthread_attr_init(&attr)) {
		host_cpu_set(&h->helpers, &on);
		pthread_attr_setaffinity_np(&attr, sizeof(on), &on);
		first.n = h->nirqs / 2;
		second = (struct irq_span){ h->sr, h->irqs + first.n, h->nirqs - first.n, &h->irq_sets[1] };
		split = pthread_create(&t, &attr, read_affinities, &second) == 0;
		pthread_attr_destroy(&attr);
		if (!split)
			first.n = h->nirqs;
	}
	read_affinities(&first);
	if (split)
		pthread_join(t, NULL);
}

struct irq_lines {
	struct host *h;
	size_t cap;
	int ncols;		/* -1 until the header line */
};

/* The header names the cpu columns; every later line that parses is an IRQ. */
static void irq_line(void *arg, char *line)
{
	struct irq_lines *l = arg;
	struct host *h = l->h;

	if (!*line)
		return;
	if (l->ncols < 0) {
		l->ncols = 0;
		for (char *p = strstr(line, "CPU"); p; p = strstr(p + 3, "CPU"))
			l->ncols++;
		return;
	}
	if (h->nirqs == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		h->irqs = xrealloc(h->irqs, l->cap * sizeof(*h->irqs));
	}
	if (parse_irq_line(line, l->ncols, &h->irqs[h->nirqs]))
		h->nirqs++;
}

static void load_irqs(struct host *h)
{
	struct irq_lines l = { h, 0, -1 };

	h->irqs_err = sysroot_read_lines(h->sr, "/proc/interrupts", INTERRUPTS_LINE_CAP, irq_line, &l);
	if (h->irqs_err < 0) {
		free(h->irqs);
		h->irqs = NULL;
		h->nirqs = 0;
		return;
	}
	h->has_irqs = true;
	load_irq_affinities(h);
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

/* A PCI id file ("0x1414"): 0 when unreadable or not a 16-bit hex number. */
static unsigned read_pci_id(const struct host *h, const char *path)
{
	char buf[16], *end;
	unsigned long v;

	if (sysroot_read_str(h->sr, path, buf, sizeof(buf)) < 0 || strncmp(buf, "0x", 2))
		return 0;
	v = strtoul(buf + 2, &end, 16);
	return *end || end == buf + 2 || v > 0xffff ? 0 : (unsigned)v;
}

static void load_pci(const struct host *h, struct nic *n)
{
	char path[256], buf[64];
	struct dirlist dl;
	long v;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", n->pci);
	if (sysroot_readlink_base(h->sr, path, n->driver, sizeof(n->driver)) < 0)
		n->driver[0] = '\0';
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", n->pci);
	n->pci_vendor = read_pci_id(h, path);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", n->pci);
	n->pci_device = read_pci_id(h, path);
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
	n->eth.phc_index = -1;
	return n;
}

struct host_routes {
	bool loaded;
	struct routes r;
};

const struct routes *host_routes(const struct host *h)
{
	if (!h->routes->loaded) {
		(void)routes_load(h->sr, &h->routes->r);
		h->routes->loaded = true;
	}
	return &h->routes->r;
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
		snprintf(path, sizeof(path), "/sys/class/net/%s/master", n->name);
		if (sysroot_readlink_base(h->sr, path, n->master, sizeof(n->master)) < 0)
			n->master[0] = '\0';
		snprintf(path, sizeof(path), "/sys/class/net/%s/speed", n->name);
		n->speed_mbps = sysroot_read_long(h->sr, path, &v) == 0 && v > 0 ? v : -1;
		snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", n->name);
		if (sysroot_read_str(h->sr, path, n->operstate, sizeof(n->operstate)) < 0)
			n->operstate[0] = '\0';
		count_queues(h, n);
		/* The tables are read at the first interface (no interfaces, no read); unreadable: no default route. */
		n->default_route = routes_default_via(host_routes(h), n->name);
		ethtool_load(h->sr, n->name, &n->eth);
		netdev_load(h->sr, n->name, &n->np);
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

int host_load(struct host *h, const struct sysroot *sr)
{
	return host_load_with(h, sr, 0, NULL);
}

bool host_helper_cpus(const struct cpuset *housekeeping, struct cpuset *out)
{
	cpu_set_t mine;

	cpuset_zero(out);
	if (sched_getaffinity(0, sizeof(mine), &mine) < 0)
		return false;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &mine) && cpuset_has(housekeeping, cpu))
			cpuset_set(out, cpu);
	return !cpuset_empty(out);
}

void host_cpu_set(const struct cpuset *s, cpu_set_t *out)
{
	CPU_ZERO(out);
	for (int cpu = cpuset_next(s, 0); cpu >= 0 && cpu < CPU_SETSIZE; cpu = cpuset_next(s, cpu + 1))
		CPU_SET(cpu, out);
}

int host_load_with(struct host *h, const struct sysroot *sr, unsigned flags, const struct host_confine *confine)
{
	size_t cap = 0;
	struct cpuset hk;

	memset(h, 0, sizeof(*h));
	h->sr = sr;
	h->proc = host_proc_new();
	h->mgmt = xcalloc(1, sizeof(*h->mgmt));
	h->routes = xcalloc(1, sizeof(*h->routes));
	h->boot = host_boot_tool(sr);
	load_kernel(h);
	load_topology(h);
	load_nodes(h);
	/* The housekeeping cpus need the topology: no helper thread before it, none without them. */
	if (confine && confine->housekeeping(h, confine->arg, &hk) == 0)
		h->has_helpers = host_helper_cpus(&hk, &h->helpers);
	/* Its ~80 status files cost as much as everything below: overlapped on a second cpu. */
	if (flags & HOST_PROCS_AHEAD)
		host_proc_read_ahead(h);
	load_cpu_params(h);
	load_cpu_identity(h);
	cloud_load(h);
	load_mounts(h);
	load_irqs(h);
	load_netdevs(h, &cap);
	load_pci_nics(h, &cap);
	cloud_nics(h);
	host_load_allowed(h, NULL);
	return 0;
}

void host_free(struct host *h)
{
	free(h->cmdline_raw);
	cmdline_free(&h->cmdline);
	cmdline_free(&h->staged);
	free(h->cpus);
	free(h->l3);
	free(h->nodes);
	free(h->mounts);
	free(h->irqs);
	cpuset_pool_free(&h->irq_sets[0]);
	cpuset_pool_free(&h->irq_sets[1]);
	for (size_t i = 0; i < h->nnics; i++)
		free(h->nics[i].irqs);
	free(h->nics);
	host_proc_free(h->proc);
	if (h->mgmt)
		mgmt_free(h->mgmt);
	free(h->mgmt);
	if (h->routes)
		routes_free(&h->routes->r);
	free(h->routes);
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
	struct cpuset usable, first;
	const struct cpuset *online = &usable;

	host_usable(h, &usable);
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

int host_bare_node(const struct host *h, const struct cpuset *isolated)
{
	const struct cpuset *online = h->has_online ? &h->online : &h->present;
	struct cpuset left;

	for (size_t i = 0; i < h->nnodes; i++) {
		struct cpuset on;

		cpuset_and(&on, &h->nodes[i].cpus, online);
		cpuset_andnot(&left, &on, isolated);
		if (!cpuset_empty(&on) && cpuset_empty(&left))
			return h->nodes[i].id;
	}
	/* No NUMA information: the machine is one node. */
	cpuset_andnot(&left, online, isolated);
	return !cpuset_empty(online) && cpuset_empty(&left) ? (h->nnodes ? h->nodes[0].id : 0) : -1;
}

const char *nic_stats_driver(const struct nic *n)
{
	return n->eth.has_drvinfo && n->eth.driver[0] ? n->eth.driver : n->driver;
}
