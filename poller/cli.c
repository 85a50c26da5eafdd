/* cli.c - option table, argument parsing and CPU sanity checks. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct opt_desc {
	const char *name;
	int has_arg;
	int val;
	const char *arg;
	const char *help;
};

/* The single source of both getopt_long's table and --help. */
static const struct opt_desc opt_table[] = {
	{ "mode", 1, 'm', "MODE", "loopback, idle, port, reflect, pingpong, gen or feeds (default loopback)" },
	{ "duration", 1, 'd', "SECONDS", "measurement time (default 2; reflect: 0 = until SIGINT/SIGTERM)" },
	{ "cores", 1, 'c', "LIST",
	  "CPUs, e.g. 0-1; loopback: generator,poller (default 0-1, idle/port: 1)" },
	{ "rate", 1, 'r', "PPS", "loopback, gen: send rate (gen: all feeds), 0 = flat out (default 1000000, gen 50000)" },
	{ "threshold-ns", 1, 't', "NS", "record loop gaps above NS (default 1000)" },
	{ "vdev", 1, 'V', "DEVARGS", "port mode: virtual device, e.g. net_null0 (repeatable)" },
	{ "port", 1, 'p', "PCI", "port mode: PCI address of the NIC" },
	{ "burst", 1, 'b', "N", "rx/tx burst size, 1-512 (default 32)" },
	{ "peer-mac", 1, 'M', "MAC", "pingpong: the reflector's MAC (default ff:ff:ff:ff:ff:ff)" },
	{ "src-ip", 1, 'S', "IPV4", "pingpong, gen: source address of the pings or feeds (default 198.18.0.1); reflect: its own "
	  "address (answers ARP and ping for it, echoes only what is sent to it)" },
	{ "dst-ip", 1, 'D', "IPV4", "pingpong: the reflector's address (required)" },
	{ "udp-port", 1, 'u', "PORT", "pingpong: UDP port both ways (default 9000)" },
	{ "groups", 1, 'g', "GROUPS", "gen, feeds: multicast groups, e.g. 239.1.1.1-4, one feed each (repeatable; default 239.1.1.1)" },
	{ "dst-port", 1, 'P', "PORT", "gen, feeds: UDP port of every feed (default 30001)" },
	{ "size", 1, 'z', "MIN-MAX", "gen: UDP payload bytes, uniform in [MIN,MAX], 32-1472 (default 64)" },
	{ "count", 1, 'n', "N", "gen: stop after N packets (default: --duration only)" },
	{ "telemetry", 0, 'T', NULL, "keep DPDK's telemetry socket open (default --no-telemetry), "
	  "so tickready audit --app can read the running poller" },
	{ "help", 0, 'h', NULL, "show this help and exit" },
	{ "version", 0, 'v', NULL, "show the version and exit" },
};

#define NOPTS (sizeof(opt_table) / sizeof(opt_table[0]))

const char *cli_mode_name(enum poller_mode m)
{
	return vs_mode_name((enum vs_mode)m);
}

void cli_usage(FILE *f, const char *prog)
{
	unsigned int i;
	char lhs[48];

	fprintf(f, "usage: %s [OPTIONS] [-- EAL-ARGS]\n\n"
		"Measure poll-loop latency and jitter with DPDK; JSON on stdout.\n\n",
		prog);
	for (i = 0; i < NOPTS; i++) {
		snprintf(lhs, sizeof(lhs), "-%c, --%s%s%s", opt_table[i].val,
			 opt_table[i].name, opt_table[i].arg ? " " : "",
			 opt_table[i].arg ? opt_table[i].arg : "");
		fprintf(f, "  %-28s %s\n", lhs, opt_table[i].help);
	}
	fprintf(f, "\nExit: %d ok, %d usage/setup error, %d interrupted (JSON still printed).\n", VS_EXIT_OK, VS_EXIT_USAGE,
		VS_EXIT_INTERRUPTED);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int add_cpu(unsigned int *cpus, unsigned int max, unsigned int *n,
		   unsigned long c)
{
	if (c >= 4096)
		return -EINVAL;
	if (cpulist_has(cpus, *n, (unsigned int)c))
		return 0;
	if (*n >= max)
		return -E2BIG;
	cpus[(*n)++] = (unsigned int)c;
	return 0;
}

/* Parses "0-3,5" keeping first-seen order; empty or "\n" gives n = 0. */
int cpulist_parse(const char *s, unsigned int *cpus, unsigned int max,
		  unsigned int *n)
{
	*n = 0;
	while (*s && *s != '\n') {
		unsigned long a, b;
		char *end;
		int ret;

		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -EINVAL;
			b = strtoul(end + 1, &end, 10);
		}
		if (b < a || b - a >= 4096)
			return -EINVAL;
		for (; a <= b; a++) {
			ret = add_cpu(cpus, max, n, a);
			if (ret)
				return ret;
		}
		if (*end == ',')
			end++;
		else if (*end && *end != '\n')
			return -EINVAL;
		s = end;
	}
	return 0;
}

bool cpulist_has(const unsigned int *cpus, unsigned int n, unsigned int cpu)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (cpus[i] == cpu)
			return true;
	return false;
}

int cpulist_read(const char *path, unsigned int *cpus, unsigned int max,
		 unsigned int *n)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	size_t len;

	if (!f)
		return -errno;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	return cpulist_parse(buf, cpus, max, n);
}

static int parse_mode(const char *s, enum poller_mode *m)
{
	unsigned int i;

	for (i = 0; i < VS_MODE_COUNT; i++) {
		if (!strcmp(s, vs_mode_name((enum vs_mode)i))) {
			*m = (enum poller_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_duration(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v > 0) || v > 86400)
		return -EINVAL;
	*out = v;
	return 0;
}

static int apply_opt(struct config *cfg, int c, const char *arg, FILE *out,
		     const char *prog)
{
	uint64_t v;

	switch (c) {
	case 'm':
		return parse_mode(arg, &cfg->mode);
	case 'd':
		if (!strcmp(arg, "0")) {
			cfg->duration_s = 0;	/* check_config: reflect only */
			return 0;
		}
		return parse_duration(arg, &cfg->duration_s);
	case 'c':
		if (cpulist_parse(arg, cfg->cores, CLI_MAX_CORES, &cfg->ncores) ||
		    !cfg->ncores)
			return -EINVAL;
		return 0;
	case 'r':
		cfg->has_rate = true;
		return parse_u64(arg, 1000000000000ULL, &cfg->rate);
	case 'g':
		return feed_groups_parse(arg, cfg->feed.groups, CLI_MAX_FEEDS, &cfg->feed.ngroups);
	case 'P':
		if (parse_u64(arg, 65535, &v) || v == 0)
			return -EINVAL;
		cfg->feed.dst_port = (uint16_t)v;
		return 0;
	case 'z':
		return feed_size_parse(arg, &cfg->feed.size_min, &cfg->feed.size_max);
	case 'n':
		return parse_u64(arg, UINT64_MAX, &cfg->feed.count);
	case 't':
		return parse_u64(arg, 10000000000ULL, &cfg->threshold_ns);
	case 'V':
		if (cfg->nvdev >= CLI_MAX_VDEV)
			return -E2BIG;
		cfg->vdev[cfg->nvdev++] = arg;
		return 0;
	case 'p':
		cfg->port = arg;
		return 0;
	case 'b':
		if (parse_u64(arg, CLI_MAX_BURST, &v) || v == 0)
			return -EINVAL;
		cfg->burst = (unsigned int)v;
		return 0;
	case 'M': {
		unsigned int b[6];
		char tail;

		if (sscanf(arg, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
			return -EINVAL;
		for (int i = 0; i < 6; i++)
			cfg->pp.peer_mac[i] = (uint8_t)b[i];
		return 0;
	}
	case 'S':
		cfg->has_src_ip = true;
		return inet_pton(AF_INET, arg, &cfg->pp.src_ip) == 1 ? 0 : -EINVAL;
	case 'D':
		cfg->has_dst_ip = true;
		return inet_pton(AF_INET, arg, &cfg->pp.dst_ip) == 1 ? 0 : -EINVAL;
	case 'u':
		if (parse_u64(arg, 65535, &v) || v == 0)
			return -EINVAL;
		cfg->pp.udp_port = (uint16_t)v;
		return 0;
	case 'T':
		cfg->telemetry = true;
		return 0;
	case 'h':
		cli_usage(out, prog);
		return 1;
	case 'v':
		fprintf(out, "tickready-poller %s\n", TR_POLLER_VERSION);
		return 1;
	}
	return -EINVAL;
}

static void set_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = MODE_LOOPBACK;
	cfg->duration_s = 2;
	cfg->rate = 1000000;
	cfg->threshold_ns = 1000;
	cfg->burst = 32;
	memset(cfg->pp.peer_mac, 0xff, sizeof(cfg->pp.peer_mac));
	inet_pton(AF_INET, "198.18.0.1", &cfg->pp.src_ip);
	cfg->pp.udp_port = 9000;
	cfg->feed.dst_port = 30001;
	cfg->feed.size_min = cfg->feed.size_max = 64;
}

int feed_index(const struct feed_cfg *f, uint32_t group)
{
	for (unsigned int i = 0; i < f->ngroups; i++)
		if (f->groups[i] == group)
			return (int)i;
	return -1;
}

int feed_groups_parse(const char *s, uint32_t *groups, unsigned int max, unsigned int *n)
{
	char buf[32], *dash;
	unsigned long last;
	uint32_t first;
	unsigned int lo;
	struct feed_cfg seen;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (inet_pton(AF_INET, buf, &first) != 1)
		return -EINVAL;
	first = ntohl(first);
	if ((first >> 28) != 0xe)	/* 224.0.0.0/4 */
		return -EINVAL;
	lo = first & 0xff;
	last = lo;
	if (dash) {
		char *end;

		if (!isdigit((unsigned char)dash[1]))
			return -EINVAL;
		last = strtoul(dash + 1, &end, 10);
		if (*end || last > 255 || last < lo)
			return -EINVAL;
	}
	memcpy(seen.groups, groups, sizeof(*groups) * *n);
	seen.ngroups = *n;
	for (unsigned long o = lo; o <= last; o++) {
		uint32_t g = htonl((first & ~0xffu) | (uint32_t)o);

		if (*n >= max)
			return -E2BIG;
		if (feed_index(&seen, g) >= 0)
			return -EINVAL;
		groups[(*n)++] = g;
		seen.groups[seen.ngroups++] = g;
	}
	return 0;
}

int feed_size_parse(const char *s, unsigned int *min, unsigned int *max)
{
	uint64_t a, b;
	char buf[32], *dash;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_u64(buf, FEED_MAX_SIZE, &a) || (dash && parse_u64(dash + 1, FEED_MAX_SIZE, &b)))
		return -EINVAL;
	if (!dash)
		b = a;
	if (a < FEED_MIN_SIZE || b < a)
		return -EINVAL;
	*min = (unsigned int)a;
	*max = (unsigned int)b;
	return 0;
}

static int check_config(struct config *cfg)
{
	if (!cfg->ncores) {
		/* loopback needs two CPUs; a single measured CPU otherwise */
		cfg->cores[cfg->ncores++] = cfg->mode == MODE_LOOPBACK ? 0 : 1;
		if (cfg->mode == MODE_LOOPBACK)
			cfg->cores[cfg->ncores++] = 1;
	}
	if (cfg->mode == MODE_LOOPBACK && cfg->ncores != 2) {
		fprintf(stderr, "loopback needs exactly 2 cores (generator,poller)\n");
		return -EINVAL;
	}
	if (mode_uses_port(cfg->mode) && !cfg->port && !cfg->nvdev) {
		fprintf(stderr, "%s mode needs --port or --vdev\n", cli_mode_name(cfg->mode));
		return -EINVAL;
	}
	if (!mode_uses_port(cfg->mode) && (cfg->port || cfg->nvdev)) {
		fprintf(stderr, "--port/--vdev only apply to port, reflect, pingpong, gen and feeds modes\n");
		return -EINVAL;
	}
	if ((cfg->mode == MODE_GEN || cfg->mode == MODE_FEEDS) && !cfg->feed.ngroups)
		cfg->feed.groups[cfg->feed.ngroups++] = htonl(0xef010101);	/* 239.1.1.1 */
	if (cfg->mode == MODE_GEN && !cfg->has_rate)
		cfg->rate = 50000;
	if ((cfg->mode == MODE_GEN || cfg->mode == MODE_FEEDS) && cfg->ncores != 1) {
		fprintf(stderr, "%s mode runs on exactly 1 core\n", cli_mode_name(cfg->mode));
		return -EINVAL;
	}
	if (cfg->mode == MODE_PINGPONG && !cfg->has_dst_ip) {
		fprintf(stderr, "pingpong mode needs --dst-ip (the reflector's address)\n");
		return -EINVAL;
	}
	if (cfg->duration_s == 0 && cfg->mode != MODE_REFLECT) {
		fprintf(stderr, "--duration 0 (until interrupted) only applies to reflect mode\n");
		return -EINVAL;
	}
	if (cfg->mode == MODE_REFLECT && cfg->has_src_ip) {
		if (!cfg->pp.src_ip) {
			fprintf(stderr, "reflect mode: --src-ip 0.0.0.0 is not an address to answer for\n");
			return -EINVAL;
		}
		cfg->pp.own_ip = cfg->pp.src_ip;
	}
	if ((cfg->mode == MODE_REFLECT || cfg->mode == MODE_PINGPONG) && cfg->ncores != 1) {
		fprintf(stderr, "%s mode polls on exactly 1 core\n", cli_mode_name(cfg->mode));
		return -EINVAL;
	}
	return 0;
}

/*
 * Returns 0 to run, 1 after --help/--version, -EINVAL on bad usage.
 * Everything after "--" is kept for EAL untouched.
 */
int cli_parse(int argc, char **argv, struct config *cfg, FILE *out)
{
	struct option lopts[NOPTS + 1];
	char sopts[NOPTS * 2 + 2], *sp = sopts;
	int i, nopt = argc, c, ret;

	set_defaults(cfg);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			nopt = i;
			cfg->pass = argv + i + 1;
			cfg->npass = argc - i - 1;
			break;
		}
	}
	if (cfg->npass > CLI_MAX_EAL_ARGS)
		return -E2BIG;
	*sp++ = ':';
	for (i = 0; i < (int)NOPTS; i++) {
		lopts[i] = (struct option){ opt_table[i].name, opt_table[i].has_arg,
					    NULL, opt_table[i].val };
		*sp++ = (char)opt_table[i].val;
		if (opt_table[i].has_arg)
			*sp++ = ':';
	}
	memset(&lopts[NOPTS], 0, sizeof(lopts[NOPTS]));
	*sp = '\0';
	optind = 0;	/* 0, not 1: glibc's full re-initialisation, for a second parse in the same process */
	opterr = 0;
	while ((c = getopt_long(nopt, argv, sopts, lopts, NULL)) != -1) {
		ret = apply_opt(cfg, c, optarg, out, argv[0]);
		if (ret) {
			if (ret < 0)
				fprintf(stderr, "invalid option or argument: %s\n",
					argv[optind - 1]);
			return ret;
		}
	}
	if (optind < nopt) {
		fprintf(stderr, "unexpected argument: %s\n", argv[optind]);
		return -EINVAL;
	}
	return check_config(cfg);
}

static bool smt_siblings(const char *sysfs, unsigned int a, unsigned int b)
{
	static unsigned int sib[CLI_MAX_CPUS];
	unsigned int n;
	char path[256];

	snprintf(path, sizeof(path),
		 "%s/devices/system/cpu/cpu%u/topology/thread_siblings_list",
		 sysfs, a);
	if (cpulist_read(path, sib, CLI_MAX_CPUS, &n))
		return false;
	return a != b && cpulist_has(sib, n, b);
}

/* True if some pair of online CPUs are not SMT siblings. */
static bool have_non_sibling_pair(const char *sysfs, const unsigned int *on,
				  unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (!smt_siblings(sysfs, on[i], on[j]))
				return true;
	return false;
}

static int check_smt(const struct config *cfg, const char *sysfs,
		     const unsigned int *on, unsigned int non, FILE *log)
{
	unsigned int g = cfg->cores[0], p = cfg->cores[1];

	if (cfg->mode != MODE_LOOPBACK || !smt_siblings(sysfs, g, p))
		return 0;
	if (have_non_sibling_pair(sysfs, on, non)) {
		fprintf(log, "cpus %u and %u are SMT siblings; pick cores on "
			"different physical cores\n", g, p);
		return -EINVAL;
	}
	fprintf(log, "warning: cpus %u and %u are SMT siblings (no other choice)\n",
		g, p);
	return 0;
}

/* Refuses offline CPUs, warns about non-isolated ones, checks SMT. */
int cli_check_cores(const struct config *cfg, const char *sysfs, FILE *log)
{
	/* Static: 32 kB of lists; sized for every cpu id, since a host may have far more cpus than we run on. */
	static unsigned int on[CLI_MAX_CPUS], iso[CLI_MAX_CPUS];
	unsigned int non, niso = 0, i;
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "%s/devices/system/cpu/online", sysfs);
	ret = cpulist_read(path, on, CLI_MAX_CPUS, &non);
	if (ret) {
		fprintf(log, "cannot read %s: %s\n", path, strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), "%s/devices/system/cpu/isolated", sysfs);
	if (cpulist_read(path, iso, CLI_MAX_CPUS, &niso))
		niso = 0;
	for (i = 0; i < cfg->ncores; i++) {
		if (!cpulist_has(on, non, cfg->cores[i])) {
			fprintf(log, "cpu %u is not online\n", cfg->cores[i]);
			return -ENODEV;
		}
		if (!cpulist_has(iso, niso, cfg->cores[i]))
			fprintf(log, "warning: cpu %u is not isolated (isolcpus)\n",
				cfg->cores[i]);
	}
	return check_smt(cfg, sysfs, on, non, log);
}

static int push(struct eal_args *ea, char *s)
{
	if (ea->argc >= (int)(sizeof(ea->argv) / sizeof(ea->argv[0])) - 1)
		return -E2BIG;
	ea->argv[ea->argc++] = s;
	ea->argv[ea->argc] = NULL;
	return 0;
}

/* -l from --cores, main lcore = first core, quiet logs, then pass-through. */
int cli_build_eal(const struct config *cfg, const char *prog,
		  struct eal_args *ea)
{
	unsigned int i;
	size_t off = 0;
	int ret = 0;

	memset(ea, 0, sizeof(*ea));
	for (i = 0; i < cfg->ncores; i++)
		off += (size_t)snprintf(ea->lcores + off, sizeof(ea->lcores) - off,
					"%s%u", i ? "," : "", cfg->cores[i]);
	snprintf(ea->main_lcore, sizeof(ea->main_lcore), "%u", cfg->cores[0]);
	ret |= push(ea, (char *)prog);
	ret |= push(ea, "-l");
	ret |= push(ea, ea->lcores);
	ret |= push(ea, "--main-lcore");
	ret |= push(ea, ea->main_lcore);
	if (cfg->port) {
		ret |= push(ea, "-a");
		ret |= push(ea, (char *)cfg->port);
	} else {
		ret |= push(ea, "--no-pci");
	}
	for (i = 0; i < cfg->nvdev; i++) {
		ret |= push(ea, "--vdev");
		ret |= push(ea, (char *)cfg->vdev[i]);
	}
	if (!cfg->telemetry)
		ret |= push(ea, "--no-telemetry");
	ret |= push(ea, "--log-level=error");
	for (i = 0; i < (unsigned int)cfg->npass; i++)
		ret |= push(ea, cfg->pass[i]);
	return ret ? -E2BIG : 0;
}
