/* stats.h - summary statistics of a histogram and a running mean/stdev. */
#ifndef TR_STATS_H
#define TR_STATS_H

#include <stdint.h>

#include "hist.h"

/* Latency summary, already converted to nanoseconds. */
struct stats_summary {
	uint64_t count;
	uint64_t p50, p90, p99, p999, p9999, max;
	double mean;
	double stdev;
};

/* Welford accumulator for small off-line sample sets (not the hot path). */
struct welford {
	uint64_t n;
	double mean;
	double m2;
};

int stats_summarize(const struct hist *h, double ns_per_unit,
		    struct stats_summary *out);
double stats_hist_mean(const struct hist *h);
double stats_hist_stdev(const struct hist *h);
void welford_init(struct welford *w);
void welford_add(struct welford *w, double x);
double welford_stdev(const struct welford *w);
uint64_t stats_to_ns(uint64_t units, double ns_per_unit);

#endif
