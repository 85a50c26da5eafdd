/* run.c - the lcore loops: generator, poller, idle and TSC offset responder. */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "poller.h"
#include "rxcheck.h"
#include "stamp.h"

#define OFFSET_ROUNDS	2000
/* refcnt and nb_segs, adjacent, both 1: the same value in either byte order */
#define MBUF_REFCNT_SEGS_ONE	0x00010001u

_Static_assert(offsetof(struct rte_mbuf, nb_segs) ==
	       offsetof(struct rte_mbuf, refcnt) + 2,
	       "mbuf refcnt and nb_segs must be adjacent");

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
		now = loop_tick(c, &prev);
		if (now >= c->ctl->end_tsc)
			break;
		n = gen_due(c, now, ppc, attempted);
		if (!n)
			continue;
		if (!gen_alloc(c, pkts, n, &attempted))
			continue;
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
#pragma GCC unroll 2
	for (i = 0; i < nb; i++) {
		const uint64_t *t = rte_pktmbuf_mtod_offset(pkts[i],
				const uint64_t *, TR_STAMP_OFF_T);
		const uint64_t *q = rte_pktmbuf_mtod_offset(pkts[i],
				const uint64_t *, TR_STAMP_OFF_SEQ);

		hist_record_delta(h, now, *t, &c->negative);
		seq_note(c->seq, le64toh(*q));
	}
}

/*
 * First 8 bytes of a raw TSC stamp (magic, version, clock), as read from a
 * little-endian frame: one compare recognises the loopback/generator stamp.
 */
#define TSC_STAMP_HEAD	((uint64_t)TR_STAMP_MAGIC | \
			 (uint64_t)TR_STAMP_VERSION << 32 | \
			 (uint64_t)TR_CLOCK_TSC << 48)

/* Packet counters of one burst, kept in registers and flushed once. */
struct burst_counts {
	uint64_t unstamped;
	uint64_t negative;
	uint64_t stamped[4];
};

/* Slow path: stamps in UDP payloads, other clocks, and unstamped frames. */
static void port_account_one(struct lcore_ctx *c, const struct rte_mbuf *m,
			     uint64_t now, struct burst_counts *bc,
			     uint64_t *rt, uint64_t *mono)
{
	struct tr_stamp s;
	int64_t d;

	if (tr_stamp_find(rte_pktmbuf_mtod(m, const void *),
			  rte_pktmbuf_data_len(m), &s)) {
		bc->unstamped++;
		return;
	}
	bc->stamped[s.clock]++;
	seq_note(c->seq, s.seq);
	d = stamp_delta_ns(c, &s, now, rt, mono);
	if (d < 0)
		bc->negative++;
	else
		hist_record(c->hist, (uint64_t)d);
}

/*
 * Folds m into the burst's check that each mbuf is already in the state a
 * freed mbuf must have (sole reference, one segment, direct, from pool),
 * so the burst can go back to the mempool as is.  refcnt and nb_segs share
 * one 4-byte load; next is not read because nb_segs == 1 means the chain
 * ends here (mbuf invariant).
 */
static inline void mbuf_fold(struct raw_fold *f, const struct rte_mbuf *m)
{
	uint32_t refcnt_segs;

	memcpy(&refcnt_segs, &m->refcnt, sizeof(refcnt_segs));
	raw_fold_add(f, (uintptr_t)m->pool, m->ol_flags, refcnt_segs);
}

static inline uint64_t fold_not_raw(const struct raw_fold *f,
				    const struct rte_mempool *pool)
{
	return raw_fold_not_raw(f, (uintptr_t)pool,
				RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL,
				MBUF_REFCNT_SEGS_ONE);
}

/*
 * Frees a burst inside this binary.  rte_pktmbuf_free_bulk lives in
 * librte_mbuf.so, where each call resolves the lcore id through
 * __tls_get_addr and runs the generic per-segment free on every mbuf
 * (testpmd's rxonly frees inline, so it pays neither).  Here the lcore's
 * mempool cache is looked up once per run and a burst of plain mbufs
 * (not_raw == 0, folded by the caller) goes back in one put; anything
 * else takes the full free.
 */
static inline void burst_free(struct rte_mbuf **pkts, uint16_t nb,
			      uint64_t not_raw, struct rte_mempool *pool,
			      struct rte_mempool_cache *cache)
{
	uint16_t i;

	if (likely(!not_raw)) {
		rte_mempool_generic_put(pool, (void **)pkts, nb, cache);
		return;
	}
	for (i = 0; i < nb; i++)
		rte_pktmbuf_free(pkts[i]);
}

static inline uint64_t burst_not_raw(struct rte_mbuf **pkts, uint16_t nb,
				     const struct rte_mempool *pool)
{
	struct raw_fold f;
	uint16_t i;

	raw_fold_init(&f);
	for (i = 0; i < nb; i++)
		mbuf_fold(&f, pkts[i]);
	return fold_not_raw(&f, pool);
}

/*
 * Port path: every packet's stamp is located and validated.  The first
 * test (rx_may_hold_stamp) ends foreign frames, counted once per burst as
 * what no other path took; a raw TSC stamp at the frame start is decided
 * with one 8-byte compare and a length check, anything else takes the full
 * parser.  The 13 bytes read before any length test are inside the mbuf's
 * buffer (an rx buffer holds at least a minimal frame).  The free check of
 * each mbuf is folded in here, while its header is in cache; returns it.
 * Not inlined: inside run_poller's loop its counters went to the stack
 * (about one instruction per packet more under callgrind).
 */
static __rte_noinline uint64_t port_account(struct lcore_ctx *c,
					    struct rte_mbuf **pkts,
					    uint16_t nb, uint64_t now)
{
	struct burst_counts bc = { 0 };
	uint64_t rt = 0, mono = 0, head, t, seq, fast = 0, slow = 0;
	const struct rte_mbuf *m;
	struct raw_fold f;
	const uint8_t *p;
	int64_t d;
	uint16_t i;

	raw_fold_init(&f);
#pragma GCC unroll 2
	for (i = 0; i < nb; i++) {
		m = pkts[i];
		mbuf_fold(&f, m);
		p = rte_pktmbuf_mtod(m, const uint8_t *);
		memcpy(&head, p, sizeof(head));
		if (!rx_may_hold_stamp(p, head))
			continue;	/* foreign: counted at the end, as the rest */
		if (unlikely(head != htole64(TSC_STAMP_HEAD) ||
			     rte_pktmbuf_data_len(m) < TR_STAMP_LEN))
			goto slow;
		memcpy(&t, p + TR_STAMP_OFF_T, sizeof(t));
		memcpy(&seq, p + TR_STAMP_OFF_SEQ, sizeof(seq));
		seq_note(c->seq, le64toh(seq));
		fast++;
		d = (int64_t)((double)(int64_t)(now - le64toh(t)) *
			      c->ns_per_cycle);
		if (unlikely(d < 0))
			bc.negative++;
		else
			hist_record(c->hist, (uint64_t)d);
		continue;
slow:
		slow++;
		port_account_one(c, m, now, &bc, &rt, &mono);
	}
	bc.stamped[TR_CLOCK_TSC] += fast;
	c->unstamped += bc.unstamped + (nb - fast - slow);
	c->negative += bc.negative;
	for (i = 1; i < 4; i++) {
		c->stamped[i] += bc.stamped[i];
		c->received += bc.stamped[i];
	}
	return fold_not_raw(&f, c->pool);
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
	struct rte_mempool_cache *cache =
		rte_mempool_default_cache(c->pool, rte_lcore_id());
	struct rte_mbuf *pkts[POLLER_MAX_BURST];
	uint64_t prev = c->ctl->start_tsc, now, not_raw, end, last = c->ctl->start_tsc;
	bool open = false;	/* the time since last is busy: a full burst's, counted at the next tick */
	uint32_t done;
	uint16_t nb;

	for (;;) {
		done = __atomic_load_n(&c->ctl->gen_done, __ATOMIC_ACQUIRE);
		nb = rte_eth_rx_burst(c->port, 0, pkts, (uint16_t)c->burst);
		now = loop_tick(c, &prev);
		if (nb == 0) {
			if (open)	/* the full burst's handling, and this empty poll with it */
				c->busy_cycles += now - last;
			open = false;
			last = now;	/* an empty poll is idle: no rdtsc of its own */
			if (poll_should_stop(c, done, now))
				break;
			continue;
		}
		/* This rx_burst, and a full burst's handling before it. */
		c->busy_cycles += now - last;
		last = now;
		if (c->mode == MODE_LOOPBACK) {
			loop_account(c, pkts, nb, now);
			not_raw = burst_not_raw(pkts, nb, c->pool);
			c->received += nb;	/* the ring carries only our stamps */
		} else {
			not_raw = port_account(c, pkts, nb, now);
		}
		burst_free(pkts, nb, not_raw, c->pool, cache);
		/*
		 * A full burst leaves the queue likely holding more: its handling is counted at the next
		 * tick, saving an rdtsc a burst (a tenth of a net_null burst's time). A partial one ends here.
		 */
		open = nb == c->burst;
		if (!open) {
			end = rte_rdtsc();
			c->busy_cycles += end - last;
			last = end;
		}
		if (c->mode != MODE_LOOPBACK && poll_should_stop(c, done, now)) {
			if (open)
				c->busy_cycles += rte_rdtsc() - last;
			break;
		}
	}
	return 0;
}

static int run_idle(struct lcore_ctx *c)
{
	uint64_t prev = c->ctl->start_tsc, now, end = c->ctl->end_tsc;

	while (!force_quit) {
		now = loop_tick(c, &prev);
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
		if (c->mode == MODE_REFLECT)
			return run_reflect(c);
		if (c->mode == MODE_PINGPONG)
			return run_pingpong(c);
		if (c->mode == MODE_GEN)
			return run_feed_gen(c);
		if (c->mode == MODE_FEEDS)
			return run_feeds(c);
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
