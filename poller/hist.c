/* hist.c - histogram queries that run after the measurement loop. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "hist.h"

void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

uint64_t hist_count(const struct hist *h)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < HIST_NBUCKETS; i++)
		n += h->counts[i];
	return n;
}

uint64_t hist_bucket_low(unsigned int idx)
{
	uint64_t m = HIST_SUB + (idx & (HIST_SUB - 1));

	return (m << (idx >> HIST_SUB_BITS)) - HIST_SUB;
}

uint64_t hist_bucket_high(unsigned int idx)
{
	if (idx + 1 >= HIST_NBUCKETS)
		return HIST_MAX_VALUE;
	return hist_bucket_low(idx + 1) - 1;
}

/* Upper edge of the highest non-empty bucket (0 when empty). */
uint64_t hist_max(const struct hist *h)
{
	unsigned int i = HIST_NBUCKETS;

	while (i-- > 0)
		if (h->counts[i])
			return hist_bucket_high(i);
	return 0;
}

/* Value at or below which pct percent of samples fall (bucket upper edge). */
uint64_t hist_percentile(const struct hist *h, double pct)
{
	uint64_t total = hist_count(h), rank, seen = 0;
	unsigned int i;

	if (total == 0)
		return 0;
	if (pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	rank = (uint64_t)ceil(pct / 100.0 * (double)total);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < HIST_NBUCKETS - 1; i++) {
		seen += h->counts[i];
		if (seen >= rank)
			break;
	}
	return hist_bucket_high(i);
}

int hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned int i;

	if (!dst || !src)
		return -EINVAL;
	for (i = 0; i < HIST_NBUCKETS; i++)
		dst->counts[i] += src->counts[i];
	return 0;
}
