/* report.c - renders a finished run as the tickready.verify/1 JSON document. */
#include <arpa/inet.h>

#include "json.h"
#include "report.h"
#include "schema.h"
#include "stats.h"

static uint64_t cyc_ns(uint64_t cyc, uint64_t hz)
{
	return stats_to_ns(cyc, 1e9 / (double)hz);
}

static void emit_hist(struct jw *w, const struct report_stream *s)
{
	unsigned int i;

	jw_arr(w, vs_key(VK_HISTOGRAM));
	for (i = 0; s->latency_measured && i < HIST_NBUCKETS; i++) {
		if (!s->hist->counts[i])
			continue;
		jw_arr(w, NULL);
		jw_u64(w, NULL, stats_to_ns(hist_bucket_high(i), s->ns_per_unit));
		jw_u64(w, NULL, s->hist->counts[i]);
		jw_end_arr(w);
	}
	jw_end_arr(w);
}

/* Unique stamps received; every counter follows from it so that received <= sent + duplicated holds. */
static void stream_counts(const struct report_stream *s, uint64_t *dup, uint64_t *reord, uint64_t *dropped)
{
	uint64_t uniq = s->received;

	*dup = *reord = 0;
	if (s->seq) {
		*dup = s->seq->duplicated;
		*reord = s->seq->reordered;
		uniq = s->seq->unique;
	}
	*dropped = s->sent > uniq ? s->sent - uniq : 0;
}

static void emit_stream(struct jw *w, const char *key, const struct report_stream *s,
			double duration_s)
{
	struct stats_summary st = { 0 };
	uint64_t dup, reord, dropped;

	if (s->latency_measured)
		stats_summarize(s->hist, s->ns_per_unit, &st);
	stream_counts(s, &dup, &reord, &dropped);
	jw_obj(w, key);
	jw_str(w, vs_key(VK_NAME), s->name);
	if (s->has_feed) {
		char g[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &s->group, g, sizeof(g));
		jw_u64(w, vs_key(VK_FEED), s->feed);
		jw_str(w, vs_key(VK_GROUP), g);
	}
	jw_u64(w, vs_key(VK_SENT), s->sent);
	jw_u64(w, vs_key(VK_RECEIVED), s->received);
	jw_u64(w, vs_key(VK_DROPPED), dropped);
	jw_u64(w, vs_key(VK_DUPLICATED), dup);
	jw_u64(w, vs_key(VK_REORDERED), reord);
	if (s->has_gaps)
		jw_u64(w, vs_key(VK_GAPS), s->gaps);
	jw_u64(w, vs_key(VK_FOREIGN), s->unstamped);
	jw_u64(w, vs_key(VK_SEND_FAILED), s->send_failed);
	jw_u64(w, vs_key(VK_PORT_DROPPED), s->port_dropped);
	jw_bool(w, vs_key(VK_LATENCY_MEASURED), s->latency_measured);
	jw_u64(w, vs_key(VK_SAMPLES), st.count);
	jw_u64(w, vs_key(VK_P50_NS), st.p50);
	jw_u64(w, vs_key(VK_P90_NS), st.p90);
	jw_u64(w, vs_key(VK_P99_NS), st.p99);
	jw_u64(w, vs_key(VK_P999_NS), st.p999);
	jw_u64(w, vs_key(VK_P9999_NS), st.p9999);
	jw_u64(w, vs_key(VK_MAX_NS), st.max);
	jw_double(w, vs_key(VK_MEAN_NS), st.mean);
	jw_double(w, vs_key(VK_STDEV_NS), st.stdev);
	jw_double(w, vs_key(VK_MPPS), duration_s > 0 ?
		  (double)(s->received + s->unstamped) / duration_s / 1e6 : 0.0);
	jw_u64(w, vs_key(VK_NEGATIVE_DELTAS), s->negative);
	emit_hist(w, s);
	jw_end_obj(w);
}

/* A percentile of every loop gap: its bucket's upper edge, never above the exact max. */
static uint64_t gap_pct_ns(const struct gap_tracker *g, double pct, uint64_t hz)
{
	uint64_t v = hist_percentile(&g->all, pct);

	return cyc_ns(v < g->max_gap ? v : g->max_gap, hz);
}

static void emit_core(struct jw *w, const struct report_core *c, uint64_t hz)
{
	const struct gap_tracker *g = c->gap;
	unsigned int i;

	jw_obj(w, NULL);
	jw_u64(w, vs_key(VK_CPU), c->cpu);
	jw_str(w, vs_key(VK_ROLE), c->role);
	jw_u64(w, vs_key(VK_LOOPS), g->loops);
	if (c->has_busy)
		jw_u64(w, vs_key(VK_BUSY_NS), cyc_ns(c->busy_cycles, hz));
	jw_u64(w, vs_key(VK_MAX_GAP_NS), cyc_ns(g->max_gap, hz));
	jw_u64(w, vs_key(VK_GAP_P50_NS), gap_pct_ns(g, 50, hz));
	jw_u64(w, vs_key(VK_GAP_P99_NS), gap_pct_ns(g, 99, hz));
	jw_u64(w, vs_key(VK_GAP_P999_NS), gap_pct_ns(g, 99.9, hz));
	jw_u64(w, vs_key(VK_GAPS_OVER), g->over);
	jw_obj(w, vs_key(VK_GAP_BUCKETS));
	for (i = 0; i < GAP_NBUCKETS; i++)
		jw_u64(w, gap_bucket_names[i], g->buckets[i]);
	jw_end_obj(w);
	/* The same [[upper_ns, count]] form as a stream's, so one renderer draws both. */
	jw_arr(w, vs_key(VK_HISTOGRAM));
	for (i = 0; i < GAP_NBUCKETS; i++) {
		if (!g->buckets[i])
			continue;
		jw_arr(w, NULL);
		jw_u64(w, NULL, i < GAP_NBUCKETS - 1 ? gap_bound_ns[i] : cyc_ns(g->max_gap, hz));
		jw_u64(w, NULL, g->buckets[i]);
		jw_end_arr(w);
	}
	jw_end_arr(w);
	jw_arr(w, vs_key(VK_WORST_GAPS));
	for (i = 0; i < g->nworst; i++) {
		jw_obj(w, NULL);
		jw_u64(w, vs_key(VK_T_NS), cyc_ns(g->worst[i].t, hz));
		jw_u64(w, vs_key(VK_GAP_NS), cyc_ns(g->worst[i].gap, hz));
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_end_obj(w);
}

static void emit_tsc(struct jw *w, const struct report *r)
{
	double rel = r->mono_raw_ns ? ((double)r->tsc_ns - (double)r->mono_raw_ns) /
				      (double)r->mono_raw_ns : 0.0;

	jw_u64(w, vs_key(VK_TSC_HZ), r->tsc_hz);
	jw_obj(w, vs_key(VK_TSC_CALIBRATION));
	jw_str(w, vs_key(VK_CAL_SOURCE), r->tsc_calibrated ? "monotonic_raw" : "eal");
	jw_u64(w, vs_key(VK_CAL_WINDOW_NS), r->tsc_cal_window_ns);
	jw_double(w, vs_key(VK_CAL_BOUND), r->tsc_cal_bound);
	jw_u64(w, vs_key(VK_EAL_TSC_HZ), r->eal_tsc_hz);
	jw_double(w, vs_key(VK_EAL_REL_ERROR), r->tsc_hz ? ((double)r->eal_tsc_hz - (double)r->tsc_hz) / (double)r->tsc_hz : 0.0);
	jw_end_obj(w);
	jw_obj(w, vs_key(VK_TSC_CHECK));
	jw_u64(w, vs_key(VK_MONO_RAW_NS), r->mono_raw_ns);
	jw_u64(w, vs_key(VK_TSC_NS), r->tsc_ns);
	jw_double(w, vs_key(VK_REL_ERROR), rel);
	jw_end_obj(w);
	jw_i64(w, vs_key(VK_TSC_OFFSET_NS), r->tsc_offset_ns);
	jw_bool(w, vs_key(VK_TSC_OFFSET_MEASURED), r->tsc_offset_measured);
	jw_u64(w, vs_key(VK_TSC_OFFSET_RTT_NS), r->tsc_offset_rtt_ns);
}

int report_json(FILE *f, const struct report *r)
{
	struct jw w;
	unsigned int i;

	jw_init(&w, f);
	jw_obj(&w, NULL);
	jw_str(&w, vs_key(VK_SCHEMA), VS_SCHEMA);
	jw_str(&w, vs_key(VK_MODE), r->mode);
	emit_tsc(&w, r);
	jw_double(&w, vs_key(VK_DURATION_S), r->duration_s);
	jw_bool(&w, vs_key(VK_INTERRUPTED), r->interrupted);
	jw_bool(&w, vs_key(VK_HW_RX_TIMESTAMP), r->hw_rx_timestamp);
	if (r->feeds) {
		jw_u64(&w, vs_key(VK_DST_PORT), r->dst_port);
		jw_bool(&w, vs_key(VK_FILTER_IN_NIC), r->filter_in_nic);
		jw_str(&w, vs_key(VK_FILTER_WHY), r->filter_why ? r->filter_why : "");
	}
	jw_double(&w, vs_key(VK_CPU_USER_S), r->cpu_user_s);
	jw_double(&w, vs_key(VK_CPU_SYSTEM_S), r->cpu_system_s);
	jw_arr(&w, vs_key(VK_STREAMS));
	for (i = 0; i < r->nstreams; i++)
		emit_stream(&w, NULL, &r->streams[i], r->duration_s);
	jw_end_arr(&w);
	if (r->has_total)
		emit_stream(&w, vs_key(VK_TOTAL), &r->total, r->duration_s);
	jw_arr(&w, vs_key(VK_CORES));
	for (i = 0; i < r->ncores; i++)
		emit_core(&w, &r->cores[i], r->tsc_hz);
	jw_end_arr(&w);
	jw_end_obj(&w);
	return jw_finish(&w);
}
