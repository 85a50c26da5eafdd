/* run.c - the lcore loops: generator, poller, idle and TSC offset responder. */
#include <errno.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "poller.h"
#include "stamp.h"

#define OFFSET_ROUNDS	2000

static inline uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Number of packets the generator may send now to keep to the rate. */
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

static void gen_fill(struct rte_mbuf **pkts, unsigned int n, uint64_t seq,
		     uint64_t tsc)
{
	struct tr_stamp s = { .clock = TR_CLOCK_TSC, .t = tsc };
	unsigned int i;

	for (i = 0; i < n; i++) {
		pkts[i]->data_len = LOOP_PKT_LEN;
		pkts[i]->pkt_len = LOOP_PKT_LEN;
		s.seq = seq + i;
		tr_stamp_encode(rte_pktmbuf_mtod(pkts[i], void *), LOOP_PKT_LEN, &s);
	}
}

static int run_generator(struct lcore_ctx *c)
{
	struct rte_mbuf *pkts[POLLER_MAX_BURST];
	double ppc = (double)c->rate / (double)c->ctl->tsc_hz;
	uint64_t prev = c->ctl->start_tsc, now, attempted = 0;
	unsigned int n;
	uint16_t tx;

	while (!force_quit) {
		now = rte_rdtsc();
		gap_note(&c->gap, now, prev);
		prev = now;
		if (now >= c->ctl->end_tsc)
			break;
		n = gen_due(c, now, ppc, attempted);
		if (!n)
			continue;
		if (rte_pktmbuf_alloc_bulk(c->pool, pkts, n)) {
			c->tx_nombuf += n;
			attempted += n;
			continue;
		}
		gen_fill(pkts, n, attempted, rte_rdtsc());
		tx = rte_eth_tx_burst(c->port, 0, pkts, (uint16_t)n);
		if (unlikely(tx < n)) {
			c->tx_drops += n - tx;
			rte_pktmbuf_free_bulk(pkts + tx, n - tx);
		}
		c->sent += tx;
		attempted += n;
	}
	__atomic_store_n(&c->ctl->gen_done, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Loopback fast path: one rdtsc per burst, stamp at a fixed offset. */
static inline void loop_account(struct lcore_ctx *c, struct rte_mbuf **pkts,
				uint16_t nb, uint64_t now)
{
	struct hist *h = c->hist;
	uint16_t i;

	/* unrolled so loop control costs < 1 instruction per packet */
#pragma GCC unroll 4
	for (i = 0; i < nb; i++) {
		const uint64_t *t = rte_pktmbuf_mtod_offset(pkts[i],
				const uint64_t *, TR_STAMP_OFF_T);

		hist_record_delta(h, now, *t, &c->negative);
	}
}

/* Port path: stamps are located and validated; clocks other than TSC are ns. */
static void port_account(struct lcore_ctx *c, struct rte_mbuf **pkts,
			 uint16_t nb, uint64_t now)
{
	uint64_t rt = 0, mono = 0;
	struct tr_stamp s;
	int64_t d;
	uint16_t i;

	for (i = 0; i < nb; i++) {
		if (tr_stamp_find(rte_pktmbuf_mtod(pkts[i], const void *),
				  rte_pktmbuf_data_len(pkts[i]), &s)) {
			c->unstamped++;
			continue;
		}
		c->stamped[s.clock]++;
		if (s.clock == TR_CLOCK_TSC) {
			d = (int64_t)((double)(int64_t)(now - s.t) * c->ns_per_cycle);
		} else if (s.clock == TR_CLOCK_REALTIME) {
			rt = rt ? rt : clock_ns(CLOCK_REALTIME);
			d = (int64_t)(rt - s.t);
		} else {
			mono = mono ? mono : clock_ns(CLOCK_MONOTONIC);
			d = (int64_t)(mono - s.t);
		}
		if (d < 0)
			c->negative++;
		else
			hist_record(c->hist, (uint64_t)d);
	}
}

/* Loopback: stop once the generator is done and the ring is drained. */
static bool poll_should_stop(const struct lcore_ctx *c, uint32_t gen_done,
			     uint64_t now)
{
	if (c->mode == MODE_LOOPBACK)
		return gen_done || now > c->ctl->end_tsc + c->ctl->tsc_hz;
	return force_quit || now >= c->ctl->end_tsc;
}

static int run_poller(struct lcore_ctx *c)
{
	struct rte_mbuf *pkts[POLLER_MAX_BURST];
	uint64_t prev = c->ctl->start_tsc, now;
	uint32_t done;
	uint16_t nb;

	for (;;) {
		done = __atomic_load_n(&c->ctl->gen_done, __ATOMIC_ACQUIRE);
		nb = rte_eth_rx_burst(c->port, 0, pkts, (uint16_t)c->burst);
		now = rte_rdtsc();
		gap_note(&c->gap, now, prev);
		prev = now;
		if (nb == 0) {
			if (poll_should_stop(c, done, now))
				break;
			continue;
		}
		if (c->mode == MODE_LOOPBACK)
			loop_account(c, pkts, nb, now);
		else
			port_account(c, pkts, nb, now);
		c->received += nb;
		rte_pktmbuf_free_bulk(pkts, nb);
		if (c->mode != MODE_LOOPBACK && poll_should_stop(c, done, now))
			break;
	}
	return 0;
}

static int run_idle(struct lcore_ctx *c)
{
	uint64_t prev = c->ctl->start_tsc, now, end = c->ctl->end_tsc;

	while (!force_quit) {
		now = rte_rdtsc();
		gap_note(&c->gap, now, prev);
		prev = now;
		if (now >= end)
			break;
	}
	return 0;
}

/* Responder side of the ping-pong: echo each ping with our TSC. */
static int run_offset(struct lcore_ctx *c)
{
	struct run_ctl *ctl = c->ctl;
	uint64_t i, t;

	for (i = 1; i <= OFFSET_ROUNDS; i++) {
		while (__atomic_load_n(&ctl->ping, __ATOMIC_ACQUIRE) != i) {
			if (force_quit)
				return -EINTR;
			rte_pause();
		}
		t = rte_rdtsc();
		ctl->pong_tsc = t;
		__atomic_store_n(&ctl->pong, i, __ATOMIC_RELEASE);
	}
	return 0;
}

int lcore_run(void *arg)
{
	struct lcore_ctx *c = arg;

	switch (c->role) {
	case ROLE_GENERATOR:
		return run_generator(c);
	case ROLE_POLLER:
		return run_poller(c);
	case ROLE_IDLE:
		return run_idle(c);
	case ROLE_OFFSET:
		return run_offset(c);
	}
	return -EINVAL;
}

/*
 * NTP-style: offset = t2 - (t1 + t4) / 2 using the round with the
 * smallest round trip, which bounds the error by rtt / 2.
 */
int tsc_offset_measure(struct lcore_ctx *worker, struct tsc_offset *out)
{
	struct run_ctl *ctl = worker->ctl;
	uint64_t i, t1, t4, best = UINT64_MAX;
	int ret;

	ctl->ping = 0;
	ctl->pong = 0;
	worker->role = ROLE_OFFSET;
	ret = rte_eal_remote_launch(lcore_run, worker, worker->cpu);
	if (ret)
		return ret;
	for (i = 1; i <= OFFSET_ROUNDS && !force_quit; i++) {
		t1 = rte_rdtsc();
		__atomic_store_n(&ctl->ping, i, __ATOMIC_RELEASE);
		while (__atomic_load_n(&ctl->pong, __ATOMIC_ACQUIRE) != i &&
		       !force_quit)
			rte_pause();
		t4 = rte_rdtsc();
		if (t4 - t1 < best) {
			best = t4 - t1;
			out->rtt = best;
			out->offset = (int64_t)(ctl->pong_tsc - t1) -
				      (int64_t)((t4 - t1) / 2);
		}
	}
	ret = rte_eal_wait_lcore(worker->cpu);
	return ret < 0 ? ret : 0;
}
