/* cli.h - command line, CPU list parsing and sysfs CPU checks. */
#ifndef TR_CLI_H
#define TR_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define TR_POLLER_VERSION	"0.1.0"
#include "schema.h"

#define CLI_MAX_CORES		128
/* cpu ids the host may have (add_cpu refuses 4096 and above): online and isolated lists of big hosts. */
#define CLI_MAX_CPUS		4096
#define CLI_MAX_VDEV		8
#define CLI_MAX_BURST		512
#define CLI_MAX_EAL_ARGS	64

/*
 * The modes of the wire format (schema.h's VS_MODES, names and streams there): reflect echoes stamped UDP back to
 * its sender, pingpong sends one stamped UDP packet and times its echo, gen sends stamped UDP multicast feeds at a
 * rate, feeds receives them (per-feed latency, gaps, reorders).
 */
enum poller_mode {
#define POLLER_MODE(e, name, stream) MODE_##e = VS_MODE_##e,
	VS_MODES(POLLER_MODE)
#undef POLLER_MODE
};

#define CLI_MAX_FEEDS	16	/* = TR_FEED_MAX of stamp.h */
#define FEED_MIN_SIZE	32	/* the version 2 stamp */
#define FEED_MAX_SIZE	1472	/* UDP payload in a 1500-byte MTU */

/* Modes that receive from a port (--port or --vdev). */
static inline bool mode_uses_port(enum poller_mode m)
{
	return m == MODE_PORT || m == MODE_REFLECT || m == MODE_PINGPONG ||
	       m == MODE_GEN || m == MODE_FEEDS;
}

/* Feeds (gen, feeds): multicast groups, one feed each, on one UDP port. */
struct feed_cfg {
	uint32_t groups[CLI_MAX_FEEDS];	/* network byte order */
	unsigned int ngroups;
	uint16_t dst_port;		/* host byte order */
	unsigned int size_min, size_max;	/* UDP payload bytes */
	uint64_t count;			/* gen: stop after this many packets, 0 = duration only */
};

/* Pingpong addressing: frames from src to peer, UDP port both ways. */
struct pp_addr {
	uint8_t peer_mac[6];
	uint32_t src_ip, dst_ip;	/* network byte order */
	uint32_t own_ip;		/* reflect: answers ARP and ICMP echo for it, echoes only to it; 0: every stamp */
	uint16_t udp_port;		/* host byte order */
};

struct config {
	enum poller_mode mode;
	double duration_s;
	uint64_t rate;
	uint64_t threshold_ns;
	unsigned int burst;
	const char *port;
	struct pp_addr pp;
	bool has_dst_ip, has_src_ip;
	bool has_rate;
	bool telemetry;		/* EAL keeps its telemetry socket: the poller as an app to audit */
	struct feed_cfg feed;
	const char *vdev[CLI_MAX_VDEV];
	unsigned int nvdev;
	unsigned int cores[CLI_MAX_CORES];
	unsigned int ncores;
	char **pass;		/* EAL args after "--", unchanged */
	int npass;
};

/* EAL argv built from the config; strings live in the struct. */
struct eal_args {
	int argc;
	char *argv[CLI_MAX_EAL_ARGS + 16];
	char lcores[CLI_MAX_CORES * 5];
	char main_lcore[12];
};

int cli_parse(int argc, char **argv, struct config *cfg, FILE *out);
void cli_usage(FILE *f, const char *prog);
const char *cli_mode_name(enum poller_mode m);
int cpulist_parse(const char *s, unsigned int *cpus, unsigned int max,
		  unsigned int *n);
bool cpulist_has(const unsigned int *cpus, unsigned int n, unsigned int cpu);
int cpulist_read(const char *path, unsigned int *cpus, unsigned int max,
		 unsigned int *n);
int cli_check_cores(const struct config *cfg, const char *sysfs, FILE *log);
/* "239.1.1.1-4" (last octet range) or one address, appended to groups; multicast only, no repeats. */
int feed_groups_parse(const char *s, uint32_t *groups, unsigned int max, unsigned int *n);
/* "100-500" or "64": UDP payload bytes, FEED_MIN_SIZE to FEED_MAX_SIZE. */
int feed_size_parse(const char *s, unsigned int *min, unsigned int *max);
/* Index of a group (network byte order) in cfg, or -1. */
int feed_index(const struct feed_cfg *f, uint32_t group);
int cli_build_eal(const struct config *cfg, const char *prog,
		  struct eal_args *ea);

#endif
