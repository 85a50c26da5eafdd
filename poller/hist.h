/* hist.h - fixed-size log-linear histogram (HdrHistogram-style, <1% error). */
#ifndef TR_HIST_H
#define TR_HIST_H

#include <stdint.h>

/*
 * Values below 256 get exact buckets; above, every power of two is split
 * into 128 linear sub-buckets, so a bucket is at most 1/128 (0.78%) of its
 * value wide.  Values are in caller units (TSC cycles or ns).
 */
#define HIST_SUB_BITS	8
#define HIST_HALF	(1u << (HIST_SUB_BITS - 1))
#define HIST_MAX_SHIFT	28
#define HIST_MAX_VALUE	((1ULL << (HIST_SUB_BITS + HIST_MAX_SHIFT)) - 1)
#define HIST_NBUCKETS	((HIST_MAX_SHIFT + 2) * HIST_HALF)

struct hist {
	uint64_t sum;	/* exact sum of recorded (clamped) values */
	uint64_t max;	/* exact max of recorded (clamped) values */
	uint64_t counts[HIST_NBUCKETS];
};

void hist_reset(struct hist *h);
uint64_t hist_count(const struct hist *h);
uint64_t hist_bucket_low(unsigned int idx);
uint64_t hist_bucket_high(unsigned int idx);
uint64_t hist_percentile(const struct hist *h, double pct);
int hist_merge(struct hist *dst, const struct hist *src);

static inline unsigned int hist_index(uint64_t v)
{
	/* shift is 0 below 256, then grows by one per power of two */
	unsigned int shift = 56 - __builtin_clzll(v | 0xff);

	return (shift << (HIST_SUB_BITS - 1)) + (unsigned int)(v >> shift);
}

/* Hot path: branch-free clamp, one bucket increment, sum and max. */
static inline void hist_record(struct hist *h, uint64_t v)
{
	v = v < HIST_MAX_VALUE ? v : HIST_MAX_VALUE;
	h->counts[hist_index(v)]++;
	h->sum += v;
	h->max = v > h->max ? v : h->max;
}

#endif
