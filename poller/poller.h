/* poller.h - shared state between the control path and the lcore loops. */
#ifndef TR_POLLER_H
#define TR_POLLER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "cli.h"
#include "gap.h"
#include "hist.h"
#include "seq.h"

#define POLLER_MAX_BURST	CLI_MAX_BURST
#define LOOP_PKT_LEN		64

/* The only global mutable state: set by SIGINT/SIGTERM. */
extern volatile bool force_quit;

enum role {
	ROLE_GENERATOR,
	ROLE_POLLER,
	ROLE_IDLE,
	ROLE_OFFSET,	/* answers the TSC offset ping-pong, then returns */
};

/* Control shared by all lcores; hot-written fields on their own lines. */
struct run_ctl {
	uint64_t start_tsc;
	uint64_t end_tsc;
	uint64_t tsc_hz;
	uint32_t gen_done __rte_cache_aligned;
	uint64_t ping __rte_cache_aligned;
	uint64_t pong __rte_cache_aligned;
	uint64_t pong_tsc;
};

/* Per-lcore state, written only by its lcore while running. */
struct lcore_ctx {
	unsigned int cpu;
	enum role role;
	enum poller_mode mode;
	uint16_t port;
	unsigned int burst;
	uint64_t rate;
	struct rte_mempool *pool;
	struct run_ctl *ctl;
	struct hist *hist;	/* poller only; cycles (loopback) or ns (port) */
	struct seq_track *seq;	/* poller only: sequence numbers of the stamps */
	double ns_per_cycle;
	struct gap_tracker gap;
	struct pp_addr pp;		/* pingpong */
	struct rte_ether_addr own_mac;	/* reflect, pingpong */
	uint64_t sent;
	uint64_t tx_drops;	/* ring/queue full on tx_burst */
	uint64_t tx_nombuf;
	uint64_t received;	/* own stamped packets */
	uint64_t negative;
	uint64_t unstamped;	/* foreign frames */
	uint64_t stamped[4];	/* by enum tr_clock */
} __rte_cache_aligned;

struct tsc_offset {
	int64_t offset;	/* worker TSC minus main TSC, cycles */
	uint64_t rtt;	/* of the best sample, cycles */
};

int lcore_run(void *arg);
int run_reflect(struct lcore_ctx *c);
int run_pingpong(struct lcore_ctx *c);
int tsc_offset_measure(struct lcore_ctx *worker, struct tsc_offset *out);

#endif
