/* report.c - renders a finished run as the tickready.verify/1 JSON document. */
#include "json.h"
#include "report.h"
#include "stats.h"

static uint64_t cyc_ns(uint64_t cyc, uint64_t hz)
{
	return stats_to_ns(cyc, 1e9 / (double)hz);
}

static void emit_hist(struct jw *w, const struct report_stream *s)
{
	unsigned int i;

	jw_arr(w, "histogram");
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

static void emit_stream(struct jw *w, const struct report_stream *s,
			double duration_s)
{
	struct stats_summary st = { 0 };

	if (s->latency_measured)
		stats_summarize(s->hist, s->ns_per_unit, &st);
	jw_obj(w, NULL);
	jw_str(w, "name", s->name);
	jw_u64(w, "sent", s->sent);
	jw_u64(w, "received", s->received);
	jw_u64(w, "dropped", s->dropped);
	jw_bool(w, "latency_measured", s->latency_measured);
	jw_u64(w, "samples", st.count);
	jw_u64(w, "unstamped", s->unstamped);
	jw_u64(w, "p50_ns", st.p50);
	jw_u64(w, "p90_ns", st.p90);
	jw_u64(w, "p99_ns", st.p99);
	jw_u64(w, "p999_ns", st.p999);
	jw_u64(w, "p9999_ns", st.p9999);
	jw_u64(w, "max_ns", st.max);
	jw_double(w, "mean_ns", st.mean);
	jw_double(w, "stdev_ns", st.stdev);
	jw_double(w, "mpps", duration_s > 0 ?
		  (double)s->received / duration_s / 1e6 : 0.0);
	jw_u64(w, "negative_deltas", s->negative);
	emit_hist(w, s);
	jw_end_obj(w);
}

static void emit_core(struct jw *w, const struct report_core *c, uint64_t hz)
{
	const struct gap_tracker *g = c->gap;
	unsigned int i;

	jw_obj(w, NULL);
	jw_u64(w, "cpu", c->cpu);
	jw_str(w, "role", c->role);
	jw_u64(w, "loops", g->loops);
	jw_u64(w, "max_gap_ns", cyc_ns(g->max_gap, hz));
	jw_u64(w, "gaps_over_threshold", g->over);
	jw_obj(w, "gap_buckets");
	for (i = 0; i < GAP_NBUCKETS; i++)
		jw_u64(w, gap_bucket_names[i], g->buckets[i]);
	jw_end_obj(w);
	jw_arr(w, "worst_gaps");
	for (i = 0; i < g->nworst; i++) {
		jw_obj(w, NULL);
		jw_u64(w, "t_ns", cyc_ns(g->worst[i].t, hz));
		jw_u64(w, "gap_ns", cyc_ns(g->worst[i].gap, hz));
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_end_obj(w);
}

static void emit_tsc(struct jw *w, const struct report *r)
{
	double rel = r->mono_raw_ns ? ((double)r->tsc_ns - (double)r->mono_raw_ns) /
				      (double)r->mono_raw_ns : 0.0;

	jw_u64(w, "tsc_hz", r->tsc_hz);
	jw_obj(w, "tsc_check");
	jw_u64(w, "monotonic_raw_ns", r->mono_raw_ns);
	jw_u64(w, "tsc_ns", r->tsc_ns);
	jw_double(w, "rel_error", rel);
	jw_end_obj(w);
	jw_i64(w, "tsc_offset_ns", r->tsc_offset_ns);
	jw_bool(w, "tsc_offset_measured", r->tsc_offset_measured);
	jw_u64(w, "tsc_offset_rtt_ns", r->tsc_offset_rtt_ns);
}

int report_json(FILE *f, const struct report *r)
{
	struct jw w;
	unsigned int i;

	jw_init(&w, f);
	jw_obj(&w, NULL);
	jw_str(&w, "schema", "tickready.verify/1");
	jw_str(&w, "mode", r->mode);
	emit_tsc(&w, r);
	jw_double(&w, "duration_s", r->duration_s);
	jw_bool(&w, "interrupted", r->interrupted);
	jw_bool(&w, "hw_rx_timestamp", r->hw_rx_timestamp);
	jw_arr(&w, "streams");
	for (i = 0; i < r->nstreams; i++)
		emit_stream(&w, &r->streams[i], r->duration_s);
	jw_end_arr(&w);
	jw_arr(&w, "cores");
	for (i = 0; i < r->ncores; i++)
		emit_core(&w, &r->cores[i], r->tsc_hz);
	jw_end_arr(&w);
	jw_end_obj(&w);
	return jw_finish(&w);
}
