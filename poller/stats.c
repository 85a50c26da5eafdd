/* stats.c - mean, stdev and percentile summary computed after a run. */
#include <errno.h>
#include <math.h>

#include "stats.h"

uint64_t stats_to_ns(uint64_t units, double ns_per_unit)
{
	return (uint64_t)((double)units * ns_per_unit + 0.5);
}

static double bucket_mid(unsigned int i)
{
	return ((double)hist_bucket_low(i) + (double)hist_bucket_high(i)) / 2;
}

/* From bucket midpoints: off by at most half a bucket (0.2%). */
double stats_hist_mean(const struct hist *h)
{
	uint64_t n = hist_count(h);
	double acc = 0.0;
	unsigned int i;

	if (!n)
		return 0.0;
	for (i = 0; i < HIST_NBUCKETS; i++)
		if (h->counts[i])
			acc += bucket_mid(i) * (double)h->counts[i];
	return acc / (double)n;
}

/* Population stdev from bucket midpoints; error bounded by bucket width. */
double stats_hist_stdev(const struct hist *h)
{
	uint64_t n = hist_count(h);
	double mean = stats_hist_mean(h), acc = 0.0;
	unsigned int i;

	if (n < 2)
		return 0.0;
	for (i = 0; i < HIST_NBUCKETS; i++) {
		double d;

		if (!h->counts[i])
			continue;
		d = bucket_mid(i) - mean;
		acc += d * d * (double)h->counts[i];
	}
	return sqrt(acc / (double)n);
}

int stats_summarize(const struct hist *h, double ns_per_unit,
		    struct stats_summary *out)
{
	if (!h || !out || !(ns_per_unit > 0))
		return -EINVAL;
	out->count = hist_count(h);
	out->p50 = stats_to_ns(hist_percentile(h, 50), ns_per_unit);
	out->p90 = stats_to_ns(hist_percentile(h, 90), ns_per_unit);
	out->p99 = stats_to_ns(hist_percentile(h, 99), ns_per_unit);
	out->p999 = stats_to_ns(hist_percentile(h, 99.9), ns_per_unit);
	out->p9999 = stats_to_ns(hist_percentile(h, 99.99), ns_per_unit);
	out->max = stats_to_ns(hist_max(h), ns_per_unit);
	out->mean = stats_hist_mean(h) * ns_per_unit;
	out->stdev = stats_hist_stdev(h) * ns_per_unit;
	return 0;
}

void welford_init(struct welford *w)
{
	w->n = 0;
	w->mean = 0.0;
	w->m2 = 0.0;
}

void welford_add(struct welford *w, double x)
{
	double d = x - w->mean;

	w->n++;
	w->mean += d / (double)w->n;
	w->m2 += d * (x - w->mean);
}

double welford_stdev(const struct welford *w)
{
	return w->n > 1 ? sqrt(w->m2 / (double)w->n) : 0.0;
}
