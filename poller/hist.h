/* hist.h - fixed-size log-linear histogram (HdrHistogram-style, <1% error). */
#ifndef TR_HIST_H
#define TR_HIST_H

#include <stdint.h>
#include <string.h>

/*
 * The bucket of v is the exponent and top 8 mantissa bits of the double
 * (v + 256): values below 256 get exact buckets, every power of two above
 * is split into 256 linear sub-buckets.  A bucket's upper edge is within
 * 1/256 (0.39%) of any value in it.  Units are the caller's (cycles or ns).
 */
#define HIST_SUB_BITS	8
#define HIST_SUB	(1u << HIST_SUB_BITS)
#define HIST_OCTAVES	28
#define HIST_NBUCKETS	(HIST_OCTAVES * HIST_SUB)
#define HIST_MAX_VALUE	(((uint64_t)HIST_SUB << HIST_OCTAVES) - HIST_SUB - 1)
/* double exponent bias plus the 2^8 offset, in bucket units */
#define HIST_IDX_BIAS	((uint64_t)(1023 + HIST_SUB_BITS) << HIST_SUB_BITS)

struct hist {
	uint64_t counts[HIST_NBUCKETS];
};

void hist_reset(struct hist *h);
uint64_t hist_count(const struct hist *h);
uint64_t hist_max(const struct hist *h);
uint64_t hist_bucket_low(unsigned int idx);
uint64_t hist_bucket_high(unsigned int idx);
uint64_t hist_percentile(const struct hist *h, double pct);
int hist_merge(struct hist *dst, const struct hist *src);

/* v must be <= HIST_MAX_VALUE; the int->double convert is exact there. */
static inline uint64_t hist_index(uint64_t v)
{
	double d = (double)(int64_t)(v + HIST_SUB);
	uint64_t bits;

	memcpy(&bits, &d, sizeof(bits));
	return (bits >> (52 - HIST_SUB_BITS)) - HIST_IDX_BIAS;
}

/* Hot path: convert, shift, increment; no branch when v is in range. */
static inline void hist_record_nocheck(struct hist *h, uint64_t v)
{
	h->counts[hist_index(v)]++;
}

static inline void hist_record(struct hist *h, uint64_t v)
{
	if (__builtin_expect(v > HIST_MAX_VALUE, 0))
		v = HIST_MAX_VALUE;
	hist_record_nocheck(h, v);
}

/*
 * Records the signed difference now - then.  One compare catches both
 * negative deltas (huge as unsigned) and out-of-range ones; the +256 of
 * the index is folded into now, which the compiler hoists out of loops.
 */
static inline void hist_record_delta(struct hist *h, uint64_t now,
				     uint64_t then, uint64_t *negative)
{
	uint64_t x = now + HIST_SUB - then;
	double d;
	uint64_t bits;

	if (__builtin_expect(x - HIST_SUB > HIST_MAX_VALUE, 0)) {
		if ((int64_t)(now - then) < 0)
			(*negative)++;
		else
			hist_record_nocheck(h, HIST_MAX_VALUE);
		return;
	}
	d = (double)(int64_t)x;
	memcpy(&bits, &d, sizeof(bits));
	h->counts[(bits >> (52 - HIST_SUB_BITS)) - HIST_IDX_BIAS]++;
}

#endif
