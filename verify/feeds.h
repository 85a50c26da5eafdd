/* feeds mode (verify_mode_feeds): stamped UDP multicast feeds from tickready-poller --mode gen, received at once by a kernel socket and by DPDK. */
#pragma once
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../poller/seq.h"
#include "../poller/stamp.h"
#include "run.h"

/* A named preset: the traffic of one trading scenario. */
struct feed_scenario {
	const char *name;
	uint32_t first_group;		/* host byte order; the feeds' groups follow it */
	unsigned int ngroups;
	long rate;			/* messages per second, all feeds together */
	unsigned int size_min, size_max;	/* UDP payload bytes, uniform */
	unsigned int dst_port;
	const char *what;
};

extern const struct feed_scenario feed_scenarios[];
extern const size_t feed_nscenarios;
/* The preset of that name, or NULL. */
const struct feed_scenario *feed_scenario_find(const char *name);
/* "239.1.1.1-4" as tickready-poller --groups takes it, into buf. */
const char *feed_scenario_groups(const struct feed_scenario *sc, char *buf, size_t size);
/* The i-th feed's group in network byte order. */
uint32_t feed_scenario_group(const struct feed_scenario *sc, unsigned int i);

/* The kernel path's counts, in shared memory so the forked receiver can fill them. */
struct feed_kernel {
	uint64_t received, negative, nlat;	/* received: own stamps, duplicates included */
	struct seq_track seq;
};

struct feed_shared {
	unsigned int ngroups;
	uint32_t groups[TR_FEED_MAX];	/* network byte order */
	uint16_t port;
	double timeout_s;		/* the receiver gives up this long after it started */
	volatile int ready;		/* joined and bound: the generator may start */
	volatile int stop;		/* set by verify once the generator is done */
	int error;			/* errno of a failed setup */
	uint64_t foreign;		/* datagrams without our stamp, or to the wrong group */
	double cpu_user_s, cpu_system_s, seconds;	/* the receiver process over its run */
	struct feed_kernel f[TR_FEED_MAX];
	uint64_t cap;			/* latencies kept per feed */
	uint64_t lat[];			/* TSC cycles, feed f's at f * cap */
};

struct feed_shared *feed_shared_new(unsigned int ngroups, uint64_t cap);
void feed_shared_free(struct feed_shared *k);
/* One datagram (payload buf of n bytes) sent to dst (network byte order), received at TSC now: into its feed, or foreign. */
void feed_note(struct feed_shared *k, const void *buf, size_t n, uint32_t dst, uint64_t now);
/* fork body: one UDP socket joined to every group (IP_ADD_MEMBERSHIP), recvmsg until stop. arg is the feed_shared. */
int feed_kernel_receiver(void *arg);
