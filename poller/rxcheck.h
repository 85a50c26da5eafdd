/* rxcheck.h - the port path's per-packet quick checks, DPDK-free so unit tests reach them. */
#ifndef TR_RXCHECK_H
#define TR_RXCHECK_H

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>

#include "stamp.h"

/*
 * Whether a burst of mbufs can go back to their pool in one put: every one
 * from that pool, refcnt 1, one segment, and no flag of a non-direct
 * buffer.  Folded per packet by OR and AND alone, decided once per burst:
 * every pool pointer equals P iff their OR and their AND both equal P.  The
 * refcnt/nb_segs word (refcnt low, both 1: 0x00010001) needs only the OR,
 * as neither field is ever 0 in a live mbuf (rte_mbuf_check rejects both),
 * so an OR of 0x00010001 leaves each of them 1.
 */
struct raw_fold {
	uint64_t pool_or, pool_and, flags_or;
	uint32_t rs_or;
};

static inline void raw_fold_init(struct raw_fold *f)
{
	f->pool_or = f->flags_or = 0;
	f->pool_and = UINT64_MAX;
	f->rs_or = 0;
}

static inline void raw_fold_add(struct raw_fold *f, uint64_t pool,
				uint64_t ol_flags, uint32_t refcnt_segs)
{
	f->pool_or |= pool;
	f->pool_and &= pool;
	f->flags_or |= ol_flags;
	f->rs_or |= refcnt_segs;
}

/* Nonzero unless every mbuf added was from pool, had refcnt_segs == rs_one (neither half 0) and none of bad_flags. */
static inline uint64_t raw_fold_not_raw(const struct raw_fold *f, uint64_t pool,
					uint64_t bad_flags, uint32_t rs_one)
{
	return (f->pool_or ^ pool) | (f->pool_and ^ pool) |
	       (f->flags_or & bad_flags) |
	       (f->rs_or ^ rs_one);
}

/* By the high byte of the ethertype: 1 for IPv4 (0x08..), VLAN (0x81..) and IPv6 (0x86..). */
static const uint8_t rx_etype_hi[256] = { [0x08] = 1, [0x81] = 1, [0x86] = 1 };

/*
 * Quick reject, the first test of every frame: false means it holds no
 * stamp, as one needs the magic at the start (raw) or an IPv4, IPv6 or
 * VLAN ethertype (UDP).  head is the frame's first 8 bytes as read.  Length
 * is not tested: a frame shorter than its 13 bytes read (the mbuf's buffer
 * has them) either fails both tests or goes on to a parser that checks it.
 * The ethertype is looked up by its high byte (one load, no compare chain);
 * the few other types with such a byte only take the full parser.
 */
static inline bool rx_may_hold_stamp(const uint8_t *frame, uint64_t head)
{
	return (uint32_t)le64toh(head) == TR_STAMP_MAGIC || rx_etype_hi[frame[12]];
}

#endif
