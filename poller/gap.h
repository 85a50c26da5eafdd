/* gap.h - per-core record of gaps between poll-loop iterations (oslat-like). */
#ifndef TR_GAP_H
#define TR_GAP_H

#include <stdint.h>

#include "hist.h"

#define GAP_NBUCKETS	9
#define GAP_NWORST	10

struct gap_event {
	uint64_t t;	/* cycles since start */
	uint64_t gap;	/* cycles */
};

/* All fields in TSC cycles; converted to ns only when reported. */
struct gap_tracker {
	uint64_t start;
	uint64_t threshold;
	uint64_t max_gap;
	uint64_t over;
	uint64_t loops;
	uint64_t bound[GAP_NBUCKETS - 1];	/* bucket upper edges */
	uint64_t buckets[GAP_NBUCKETS];
	unsigned int nworst;
	struct gap_event worst[GAP_NWORST];
	struct hist all;	/* every gap, threshold or not: the loop's percentiles */
};

extern const char *const gap_bucket_names[GAP_NBUCKETS];
extern const uint64_t gap_bound_ns[GAP_NBUCKETS - 1];	/* upper edges, ns */

int gap_init(struct gap_tracker *g, uint64_t tsc_hz, uint64_t threshold_ns,
	     uint64_t start);
void gap_record_slow(struct gap_tracker *g, uint64_t now, uint64_t gap);

/* Called once per loop iteration; the slow path is rare by design. */
static inline void gap_note(struct gap_tracker *g, uint64_t now, uint64_t prev)
{
	uint64_t gap = now - prev;

	g->loops++;
	g->max_gap = gap > g->max_gap ? gap : g->max_gap;
	hist_record(&g->all, gap);
	if (__builtin_expect(gap > g->threshold, 0))
		gap_record_slow(g, now, gap);
}

#endif
