/* poller.h - shared state between the control path and the lcore loops. */
#ifndef TR_POLLER_H
#define TR_POLLER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "cli.h"
#include "gap.h"
#include "hist.h"
#include "seq.h"
#include "stamp.h"

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
	uint64_t busy_cycles;	/* poller (port, loopback): iterations that received, rx_burst through the mbufs freed */
	const struct feed_cfg *feed;	/* gen, feeds */
	struct feed_rx *frx;		/* feeds: one per group */
	uint64_t feed_sent[CLI_MAX_FEEDS];	/* gen: also the next sequence number of each feed */
} __rte_cache_aligned;

/* One feed as the feeds receiver sees it. */
struct feed_rx {
	struct seq_track seq;
	struct hist hist;	/* ns */
	uint64_t received;	/* own stamps, duplicates included */
	uint64_t negative;
};

struct tsc_offset {
	int64_t offset;	/* worker TSC minus main TSC, cycles */
	uint64_t rtt;	/* of the best sample, cycles */
};

static inline uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Every poll loop's first step: this turn's TSC, the gap since the last turn noted. */
static inline uint64_t loop_tick(struct lcore_ctx *c, uint64_t *prev)
{
	uint64_t now = rte_rdtsc();

	gap_note(&c->gap, now, *prev);
	*prev = now;
	return now;
}

/* n mbufs for a generator's due burst; false when the pool is dry: they count as tx_nombuf, their turn spent. */
static inline bool gen_alloc(struct lcore_ctx *c, struct rte_mbuf **pkts, unsigned int n, uint64_t *attempted)
{
	if (likely(!rte_pktmbuf_alloc_bulk(c->pool, pkts, n)))
		return true;
	c->tx_nombuf += n;
	*attempted += n;
	return false;
}

/* Number of packets a generator may send now to keep to the rate. */
static inline unsigned int gen_due(const struct lcore_ctx *c, uint64_t now,
				   double pkts_per_cycle, uint64_t attempted)
{
	uint64_t want;

	if (!c->rate)
		return c->burst;
	want = (uint64_t)((double)(now - c->ctl->start_tsc) * pkts_per_cycle);
	if (want <= attempted)
		return 0;
	return want - attempted < c->burst ? (unsigned int)(want - attempted) :
					     c->burst;
}

/* Latency in ns of one stamp; negative when it is later than now (TSC). */
static inline int64_t stamp_delta_ns(const struct lcore_ctx *c,
				     const struct tr_stamp *s, uint64_t now,
				     uint64_t *rt, uint64_t *mono)
{
	if (s->clock == TR_CLOCK_TSC)
		return (int64_t)((double)(int64_t)(now - s->t) * c->ns_per_cycle);
	if (s->clock == TR_CLOCK_REALTIME) {
		*rt = *rt ? *rt : clock_ns(CLOCK_REALTIME);
		return (int64_t)(*rt - s->t);
	}
	*mono = *mono ? *mono : clock_ns(CLOCK_MONOTONIC);
	return (int64_t)(*mono - s->t);
}

int lcore_run(void *arg);
int run_feed_gen(struct lcore_ctx *c);
int run_feeds(struct lcore_ctx *c);
/* Steers the feeds' groups and port to queue 0 and drops the rest in the NIC (rte_flow); false and why when the PMD cannot. */
bool feed_flow_install(uint16_t port, const struct feed_cfg *f, char *why, size_t size);
int run_reflect(struct lcore_ctx *c);
int run_pingpong(struct lcore_ctx *c);
int tsc_offset_measure(struct lcore_ctx *worker, struct tsc_offset *out);

#endif
