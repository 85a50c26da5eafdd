/* gap.c - slow path of the loop-gap tracker: buckets and the worst-N list. */
#include <errno.h>
#include <string.h>

#include "gap.h"

const char *const gap_bucket_names[GAP_NBUCKETS] = {
	"0-1us", "1-2us", "2-5us", "5-10us", "10-20us", "20-50us",
	"50-100us", "100-1000us", ">1ms",
};

const uint64_t gap_bound_ns[GAP_NBUCKETS - 1] = {
	1000, 2000, 5000, 10000, 20000, 50000, 100000, 1000000,
};

static uint64_t ns_to_cycles(uint64_t ns, uint64_t hz)
{
	return (uint64_t)((double)ns * (double)hz / 1e9 + 0.5);
}

int gap_init(struct gap_tracker *g, uint64_t tsc_hz, uint64_t threshold_ns,
	     uint64_t start)
{
	unsigned int i;

	if (!g || !tsc_hz)
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	g->start = start;
	g->threshold = ns_to_cycles(threshold_ns, tsc_hz);
	for (i = 0; i < GAP_NBUCKETS - 1; i++)
		g->bound[i] = ns_to_cycles(gap_bound_ns[i], tsc_hz);
	return 0;
}

/* Keep worst[] sorted by descending gap; insertion is O(N) with N = 10. */
static void gap_insert_worst(struct gap_tracker *g, uint64_t t, uint64_t gap)
{
	unsigned int i;

	if (g->nworst == GAP_NWORST && gap <= g->worst[GAP_NWORST - 1].gap)
		return;
	i = g->nworst < GAP_NWORST ? g->nworst++ : GAP_NWORST - 1;
	while (i > 0 && g->worst[i - 1].gap < gap) {
		g->worst[i] = g->worst[i - 1];
		i--;
	}
	g->worst[i].t = t;
	g->worst[i].gap = gap;
}

void gap_record_slow(struct gap_tracker *g, uint64_t now, uint64_t gap)
{
	unsigned int b = 0;

	while (b < GAP_NBUCKETS - 1 && gap >= g->bound[b])
		b++;
	g->buckets[b]++;
	g->over++;
	/* the gap started at prev; report its start time */
	gap_insert_worst(g, now - gap - g->start, gap);
}
