/* verify's report: one text layout and one JSON document for every mode (a mode's own figures through its row's render), one histogram rendering for all. */
#include "render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"


static int bits(double v)
{
	int b = 0;

	for (unsigned long long x = (unsigned long long)v; x; x >>= 1)
		b++;
	return b;
}

/* Buckets of the poller's histogram merged on a 1-2-5 scale; bars on a log scale so the tail shows. */
void verify_print_histogram(FILE *f, const json_t *hist)
{
	static const double edges[] = { 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6,
					1e7, 2e7, 5e7, 1e8, 1e9, 1e10, 1e18 };
	enum { NE = sizeof(edges) / sizeof(edges[0]) };
	double counts[NE] = { 0 }, top = 0;
	const json_t *b;
	int first = NE, last = -1;
	size_t i;

	json_array_foreach(hist, i, b) {
		double hi = json_number_value(json_array_get(b, 0)), n = json_number_value(json_array_get(b, 1));
		int e = 0;

		while (e < NE - 1 && hi > edges[e])
			e++;
		counts[e] += n;
	}
	for (int e = 0; e < NE; e++) {
		if (!counts[e])
			continue;
		first = e < first ? e : first;
		last = e;
		top = counts[e] > top ? counts[e] : top;
	}
	for (int e = first; e <= last; e++) {
		char lab[24], bar[41];
		int len = counts[e] ? 1 + (bits(counts[e]) - 1) * 39 / (bits(top) > 1 ? bits(top) - 1 : 1) : 0;

		format_ns(edges[e], lab, sizeof(lab));
		memset(bar, '#', (size_t)len);
		bar[len] = '\0';
		fprintf(f, "    <= %-9s |%-40s %.0f\n", e == NE - 1 ? "more" : lab, bar, counts[e]);
	}
}

static const char *count(const json_t *o, enum vs_key k, char *buf, size_t size)
{
	return cause_thousands((unsigned long long)verify_num(o, vs_key(k)), buf, size);
}

static void print_stream(FILE *f, const json_t *s)
{
	static const enum vs_key keys[] = { VK_P50_NS, VK_P90_NS, VK_P99_NS, VK_P999_NS, VK_P9999_NS, VK_MAX_NS, VK_MEAN_NS,
					    VK_STDEV_NS };
	static const char *const labels[] = { "p50", "p90", "p99", "p99.9", "p99.99", "max", "mean", "stdev" };
	char num[6][48], v[32], rate[32];

	fprintf(f, "stream %s: sent %s, received %s, dropped %s, duplicated %s, reordered %s, foreign %s, %s\n",
		json_string_value(json_object_get(s, vs_key(VK_NAME))), count(s, VK_SENT, num[0], sizeof(num[0])),
		count(s, VK_RECEIVED, num[1], sizeof(num[1])), count(s, VK_DROPPED, num[2], sizeof(num[2])),
		count(s, VK_DUPLICATED, num[3], sizeof(num[3])), count(s, VK_REORDERED, num[4], sizeof(num[4])),
		count(s, VK_FOREIGN, num[5], sizeof(num[5])), format_mpps(verify_num(s, vs_key(VK_MPPS)), rate, sizeof(rate)));
	if (verify_num(s, vs_key(VK_SEND_FAILED)) > 0)
		fprintf(f, "  %s not sent (generator queue full or out of buffers)\n", count(s, VK_SEND_FAILED, num[0], sizeof(num[0])));
	if (!json_is_true(json_object_get(s, vs_key(VK_LATENCY_MEASURED)))) {
		fputs("  latency: not measured (no stamped packets)\n", f);
		return;
	}
	fputs(" ", f);
	for (size_t i = 0; i < 8; i++) {
		format_ns(verify_num(s, vs_key(keys[i])), v, sizeof(v));
		fprintf(f, " %s %s", labels[i], v);
	}
	fputc('\n', f);
	if (verify_num(s, vs_key(VK_NEGATIVE_DELTAS)) > 0)
		fprintf(f, "  %s negative deltas (receive clock behind the send stamp), counted apart, not in the percentiles\n",
			count(s, VK_NEGATIVE_DELTAS, num[0], sizeof(num[0])));
	fputs("  latency histogram (log scale):\n", f);
	verify_print_histogram(f, json_object_get(s, vs_key(VK_HISTOGRAM)));
}

void verify_print_streams(FILE *f, const json_t *doc)
{
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(doc, vs_key(VK_STREAMS)), i, s)
		print_stream(f, s);
}

/* The TSC rate every duration and rate was converted with, and how far it was off CLOCK_MONOTONIC_RAW over the run. */
static void print_tsc_rate(FILE *f, const json_t *doc)
{
	const json_t *cal = json_object_get(doc, vs_key(VK_TSC_CALIBRATION));
	const json_t *check = json_object_get(doc, vs_key(VK_TSC_CHECK));
	const char *src = json_string_value(json_object_get(cal, vs_key(VK_CAL_SOURCE)));
	double hz;

	if (verify_field(doc, VK_TSC_HZ, &hz) < 0 || hz <= 0)
		return;
	fprintf(f, "clock: TSC %.6f GHz", hz / 1e9);
	if (src && !strcmp(src, "monotonic_raw"))
		fprintf(f, ", measured against CLOCK_MONOTONIC_RAW over %.2f s (+-%.2f ppm; DPDK's %.3f GHz is %+.3f %% off)",
			verify_num(cal, vs_key(VK_CAL_WINDOW_NS)) / 1e9, verify_num(cal, vs_key(VK_CAL_BOUND)) * 1e6,
			verify_num(cal, vs_key(VK_EAL_TSC_HZ)) / 1e9, verify_num(cal, vs_key(VK_EAL_REL_ERROR)) * 100);
	else if (src)
		fputs(", DPDK's estimate (no calibration against CLOCK_MONOTONIC_RAW)", f);
	if (check && json_object_get(check, vs_key(VK_REL_ERROR)))
		fprintf(f, "; over the run %+.2f ppm against CLOCK_MONOTONIC_RAW", verify_num(check, vs_key(VK_REL_ERROR)) * 1e6);
	fputc('\n', f);
}

/* The cross-core TSC offset: one-way figures between two cores are only as good as it. */
static void print_clock(FILE *f, const json_t *doc)
{
	double off, rtt = 0;

	print_tsc_rate(f, doc);
	if (!json_is_true(json_object_get(doc, vs_key(VK_TSC_OFFSET_MEASURED))) ||
	    verify_field(doc, VK_TSC_OFFSET_NS, &off) < 0)
		return;
	verify_field(doc, VK_TSC_OFFSET_RTT_NS, &rtt);
	fprintf(f, "clock: cross-core TSC offset %+.0f ns (poller core minus generator core, +-%.0f ns)\n", off, rtt / 2);
}

static void print_cores(FILE *f, const json_t *doc, bool gap_histograms)
{
	const json_t *c, *ticks = json_object_get(doc, "ticks");
	size_t i, j;

	json_array_foreach(json_object_get(doc, vs_key(VK_CORES)), i, c) {
		const json_t *tk;
		char g[32];

		format_ns(verify_num(c, vs_key(VK_MAX_GAP_NS)), g, sizeof(g));
		fprintf(f, "cpu%.0f (%s): longest loop gap %s, %.0f gaps over the threshold", verify_num(c, vs_key(VK_CPU)),
			json_string_value(json_object_get(c, vs_key(VK_ROLE))), g, verify_num(c, vs_key(VK_GAPS_OVER)));
		json_array_foreach(ticks, j, tk)
			if (verify_num(tk, "cpu") == verify_num(c, vs_key(VK_CPU)))
				fprintf(f, ", %.0f timer interrupts/s", verify_num(tk, "per_s"));
		fputc('\n', f);
		if (gap_histograms && json_array_size(json_object_get(c, vs_key(VK_HISTOGRAM)))) {
			fputs("  loop gaps over the threshold (log scale):\n", f);
			verify_print_histogram(f, json_object_get(c, vs_key(VK_HISTOGRAM)));
		}
	}
}

/* named: the window's name after each cpu's role, when the run has more than one. */
static void print_causes(FILE *f, const struct window *w, bool named)
{
	char line[1024], num[2][48];

	for (int i = 0; w->has_causes && i < w->causes.n; i++) {
		const struct cause_cpu *c = &w->causes.cpus[i];
		struct strbuf sb = { 0 };
		char *s;

		strbuf_addf(&sb, "  cpu%d (%s%s%s): %s", c->cpu, c->role, named ? ", " : "", named ? w->name : "",
			    cause_cpu_summary(c, 4, line, sizeof(line)));
		for (size_t j = 0; j < c->nsoft && j < 3; j++)
			strbuf_addf(&sb, "%s%s %s", j ? ", " : "; ", cause_thousands(c->soft[j].count, num[0], sizeof(num[0])),
				    c->soft[j].what);
		if (c->has_ctx)
			strbuf_addf(&sb, "; %s %s voluntary + %s involuntary context switches", c->thread,
				    cause_thousands(c->ctx_vol, num[0], sizeof(num[0])),
				    cause_thousands(c->ctx_invol, num[1], sizeof(num[1])));
		for (size_t j = 0; j < c->nidle; j++)
			strbuf_addf(&sb, "%sidle %s entered %s times", j ? ", " : "; ", c->idle[j].what,
				    cause_thousands(c->idle[j].count, num[0], sizeof(num[0])));
		if (c->has_smi)
			strbuf_addf(&sb, "; %llu SMIs", c->smi);
		if (c->has_aperf)
			strbuf_addf(&sb, "; APERF/MPERF %.2f", c->aperf_mperf);
		if (c->msr_err)
			strbuf_addf(&sb, "; SMI/APERF unknown (/dev/cpu/%d/msr: %s)", c->cpu, strerror(-c->msr_err));
		s = strbuf_detach(&sb);
		fprintf(f, "%s\n", s);
		free(s);
	}
}

static void print_target(FILE *f, const struct verify_target *t)
{
	static const char *const tag[] = { "PASS", "FAIL", "skip" };
	char obs[48], want[48];

	if (!strcmp(t->unit, "ns")) {
		format_ns(t->observed, obs, sizeof(obs));
		format_ns((double)t->want, want, sizeof(want));
	} else if (!strcmp(t->unit, "Mpps")) {
		format_mpps(t->observed, obs, sizeof(obs));
		snprintf(want, sizeof(want), "%ld %s", t->want, t->unit);
	} else {
		snprintf(obs, sizeof(obs), "%.2f %s", t->observed, t->unit);
		snprintf(want, sizeof(want), "%ld %s", t->want, t->unit);
	}
	if (t->missing)
		fprintf(f, "  %s %s: not measured: %s\n", tag[t->verdict], t->name, t->why);
	else if (t->verdict == TV_SKIP)
		fprintf(f, "  %s %s: %s\n", tag[t->verdict], t->name, t->why);
	else
		fprintf(f, "  %s %s: observed %s, target %s %s (%s)\n", tag[t->verdict], t->name, obs,
			t->at_least ? ">=" : "<=", want, t->why);
}

const char *verify_failed_names(const struct verify_target *t, int n, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		if (t[i].verdict == TV_FAIL && off < size)
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? ", " : "", t[i].name);
	return buf;
}

/* Why a run with no target passed or failed has no verdict. */
static const char *not_judged_why(int nt, const char *profile, const char *mode, char *buf, size_t size)
{
	if (nt)
		snprintf(buf, size, "every target of profile '%s' for %s mode was skipped", profile, mode);
	else
		snprintf(buf, size, "no target of profile '%s' applies to %s mode", profile, mode);
	return buf;
}

void verify_print_text(FILE *f, const struct verify_run *r, const struct verify_target *t, int nt)
{
	const struct verify_mode_def *md = verify_modes[r->o.mode];
	const json_t *doc = r->doc;
	enum verify_verdict v = verify_verdict_of(t, nt);
	char size[16], failed[512], why[256];
	bool soft;

	fprintf(f, "tickready verify: %s, profile %s, %.1f s, cpus", md->name, r->prof->name,
		verify_num(doc, "duration_s"));
	for (int c = 0; c < r->plan.ncores; c++)
		fprintf(f, " %d (%s)", r->plan.cores[c], verify_role_of(&r->plan, c));
	if (r->o.no_huge)
		fputs(", no hugepages\n", f);
	else
		fprintf(f, ", %ld x %s hugepages on node %d\n", r->plan.pages,
			format_size_human(r->plan.hugepage_kb, size, sizeof(size)), r->plan.node);
	md->render(f, doc);
	print_clock(f, doc);
	print_cores(f, doc, md->gap_histograms);
	fputs("targets:\n", f);
	for (int k = 0; k < nt; k++)
		print_target(f, &t[k]);
	if (!nt)
		fprintf(f, "  none: profile '%s' sets no [targets] for %s mode\n", r->prof->name, md->name);
	fputs("causes (same window):\n", f);
	for (int k = 0; k < r->nw; k++)
		print_causes(f, &r->w[k], r->nw > 1);
	if (r->nnotes)
		fputs("notes:\n", f);
	for (int k = 0; k < r->nnotes; k++)
		fprintf(f, "  %s\n", r->notes[k]);
	soft = json_is_true(json_object_get(json_object_get(doc, "bypass_path"), "software_only"));
	if (v == VV_READY)
		fprintf(f, "verdict: READY%s%s\n", r->representative ? "" : " (not representative)",
			soft ? " (software-only bypass: the code path, not the NIC)" : "");
	else if (v == VV_NOT_JUDGED)
		fprintf(f, "verdict: NOT JUDGED (%s)%s\n", not_judged_why(nt, r->prof->name, md->name, why, sizeof(why)),
			r->representative ? "" : " (not representative)");
	else
		fprintf(f, "verdict: NOT READY (failed: %s)%s\n", verify_failed_names(t, nt, failed, sizeof(failed)),
			r->representative ? "" : " (not representative)");
}

static json_t *targets_json(const struct verify_target *t, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:I, s:s, s:f, s:s, s:s, s:s}", "name", t[i].name, "target", (json_int_t)t[i].want,
				      "comparison", t[i].at_least ? ">=" : "<=", "observed", t[i].observed, "unit", t[i].unit,
				      "verdict", target_verdict_names[t[i].verdict], "detail", t[i].why);

		json_object_set_new(o, "cpu", t[i].cpu >= 0 ? json_integer(t[i].cpu) : json_null());
		json_object_set_new(o, "missing", json_boolean(t[i].missing));
		if (t[i].missing)
			json_object_set_new(o, "observed", json_null());
		json_array_append_new(a, o);
	}
	return a;
}

/* The verdict's keys, the same for a run and a saved document judged again. */
static void set_verdict(json_t *doc, const struct verify_target *t, int nt, const char *profile, const char *mode)
{
	enum verify_verdict v = verify_verdict_of(t, nt);
	char failed[512], why[256];

	json_object_set_new(doc, "profile", json_string(profile));
	json_object_set_new(doc, "targets", targets_json(t, nt));
	json_object_set_new(doc, "verdict", json_string(verify_verdict_names[v]));
	json_object_set_new(doc, "ready", json_boolean(v == VV_READY));
	json_object_set_new(doc, "failed", json_string(verify_failed_names(t, nt, failed, sizeof(failed))));
	json_object_set_new(doc, "not_judged", v == VV_NOT_JUDGED ?
			    json_string(not_judged_why(nt, profile, mode, why, sizeof(why))) : json_null());
}

int verify_print_json(FILE *f, struct verify_run *r, const struct verify_target *t, int nt, const char *tool)
{
	json_t *notes = json_array(), *doc = r->doc;

	for (int i = 0; i < r->nnotes; i++)
		json_array_append_new(notes, json_string(r->notes[i]));
	json_object_set_new(doc, "tool", json_string(tool));
	json_object_set_new(doc, "causes", verify_windows_json(r->w, r->nw));
	json_object_set_new(doc, "representative", json_boolean(r->representative));
	json_object_set_new(doc, "hugepages", r->o.no_huge ? json_null() :
			    json_pack("{s:I, s:I, s:i}", "page_kb", (json_int_t)r->plan.hugepage_kb, "pages",
				      (json_int_t)r->plan.pages, "node", r->plan.node));
	json_object_set_new(doc, "notes", notes);
	set_verdict(doc, t, nt, r->prof->name, verify_modes[r->o.mode]->name);
	if (json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
		return -EIO;
	return fputc('\n', f) == EOF ? -EIO : 0;
}


/* The counts a saved file has must add up; a count it lacks is judged missing by its target, not refused here. */
static int saved_counts_add_up(const json_t *doc, char *why, size_t whylen)
{
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(doc, vs_key(VK_STREAMS)), i, s) {
		const char *name = json_string_value(json_object_get(s, vs_key(VK_NAME)));
		double sent, recv, dup = 0, dropped;

		if (verify_field(s, VK_SENT, &sent) < 0 || verify_field(s, VK_RECEIVED, &recv) < 0)
			continue;
		verify_field(s, VK_DUPLICATED, &dup);
		if (recv > sent + dup) {
			snprintf(why, whylen, "stream '%s': received %.0f > sent %.0f + duplicated %.0f", name ? name : "?",
				 recv, sent, dup);
			return -EPROTO;
		}
		if (verify_field(s, VK_DROPPED, &dropped) == 0 && dropped != sent - (recv - dup)) {
			snprintf(why, whylen, "stream '%s': dropped %.0f != sent %.0f - (received %.0f - duplicated %.0f)",
				 name ? name : "?", dropped, sent, recv, dup);
			return -EPROTO;
		}
	}
	return 0;
}

int verify_judge_saved(const struct profile *p, json_t *doc, char *why, size_t whylen)
{
	struct verify_target t[VERIFY_MAX_TARGETS];
	const char *mode = json_string_value(json_object_get(doc, vs_key(VK_MODE)));
	enum verify_mode m;
	int nt;

	if (!mode || verify_mode_parse(mode, &m) < 0) {
		snprintf(why, whylen, "no verify mode tickready knows ('mode': '%s')", mode ? mode : "none");
		return -EINVAL;
	}
	if (saved_counts_add_up(doc, why, whylen) < 0)
		return -EPROTO;
	nt = verify_targets(p, m, doc, t, VERIFY_MAX_TARGETS);
	if (nt < 0) {
		snprintf(why, whylen, "not a tickready.verify/1 document");
		return -EINVAL;
	}
	set_verdict(doc, t, nt, p->name, verify_modes[m]->name);
	return 0;
}
