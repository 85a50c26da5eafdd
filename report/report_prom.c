/*
 * A tickready.report/1 document as a node_exporter textfile (text exposition format 0.0.4).
 * Base units (seconds), no unit abbreviations in names, counters end in _total: promtool's lint.
 */
#include <errno.h>
#include <string.h>

#include "report_doc.h"
#include "version.h"

/* A label value: backslash, double quote and newline escaped. */
static void label(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out), fputc(*s, out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void checks_metric(FILE *out, const json_t *checks)
{
	static const char *const verdicts[] = { "pass", "warn", "fail", "skip", "pending-reboot" };
	const json_t *c;
	size_t i;

	family(out, "tickready_check_status", "gauge",
	       "Verdict of each check: 1 for the verdict the check has, 0 for the others.");
	json_array_foreach(checks, i, c) {
		const char *v = rj_str(c, "verdict");

		if (!rj_str(c, "id"))
			continue;
		for (size_t k = 0; k < sizeof(verdicts) / sizeof(verdicts[0]); k++) {
			fputs("tickready_check_status{check=\"", out);
			label(out, rj_str(c, "id"));
			/* A [nic.ROLE]'s finding: the role and its NIC as labels of their own. */
			if (rj_str(c, "role")) {
				fputs("\",role=\"", out);
				label(out, rj_str(c, "role"));
				fputs("\",nic=\"", out);
				label(out, rj_str(c, "nic") ? rj_str(c, "nic") : "");
			}
			fputs("\",area=\"", out);
			label(out, rj_str(c, "area"));
			fprintf(out, "\",verdict=\"%s\"} %d\n", verdicts[k], v && !strcmp(v, verdicts[k]));
		}
	}
}

static void stream_label(FILE *out, const char *metric, const json_t *s)
{
	fprintf(out, "%s{stream=\"", metric);
	label(out, rj_str(s, "name"));
	fputc('"', out);
}

/*
 * A verify run's figures are gauges: each report states the last run's values, so a series neither
 * accumulates nor resets the way a counter or summary would (rate() over them means nothing).
 */
static void verify_metrics(FILE *out, const json_t *v)
{
	/* "percentile", not "quantile": that label belongs to summaries, which these are not. */
	static const struct { const char *key, *q; } qs[] = {
		{ "p50_ns", "50" }, { "p90_ns", "90" }, { "p99_ns", "99" }, { "p999_ns", "99.9" }, { "p9999_ns", "99.99" },
	};
	static const struct { const char *name, *key, *help; double scale; } figures[] = {
		{ "tickready_verify_latency_max_seconds", "max_ns", "Largest latency of each verify stream in the last run, in seconds.", 1e9 },
		{ "tickready_verify_latency_mean_seconds", "mean_ns", "Mean latency of each verify stream in the last run, in seconds.", 1e9 },
		{ "tickready_verify_samples", "samples", "Latency samples of each verify stream in the last run.", 1 },
	};
	const json_t *streams = json_object_get(v, "streams"), *s;
	size_t i;
	double x;

	family(out, "tickready_verify_latency_seconds", "gauge",
	       "Latency percentiles of each verify stream in the last run, in seconds (percentile 99 is P99).");
	json_array_foreach(streams, i, s) {
		if (json_is_false(json_object_get(s, "latency_measured")) || !rj_str(s, "name"))
			continue;
		for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++)
			if (rj_num(s, qs[k].key, &x)) {
				stream_label(out, "tickready_verify_latency_seconds", s);
				fprintf(out, ",percentile=\"%s\"} %.9g\n", qs[k].q, x / 1e9);
			}
	}
	for (size_t k = 0; k < sizeof(figures) / sizeof(figures[0]); k++) {
		family(out, figures[k].name, "gauge", figures[k].help);
		json_array_foreach(streams, i, s)
			if (!json_is_false(json_object_get(s, "latency_measured")) && rj_str(s, "name") &&
			    rj_num(s, figures[k].key, &x)) {
				stream_label(out, figures[k].name, s);
				fprintf(out, "} %.9g\n", x / figures[k].scale);
			}
	}
	family(out, "tickready_verify_dropped_packets", "gauge", "Packets each verify stream lost in the last run.");
	json_array_foreach(streams, i, s)
		if (rj_str(s, "name") && rj_num(s, "dropped", &x)) {
			stream_label(out, "tickready_verify_dropped_packets", s);
			fprintf(out, "} %.0f\n", x);
		}
	if (json_is_boolean(json_object_get(v, "ready"))) {
		family(out, "tickready_verify_ready", "gauge", "1 when verify judged a target of the profile and met every one.");
		fprintf(out, "tickready_verify_ready %d\n", json_is_true(json_object_get(v, "ready")));
	}
}

int rdoc_write_prom(FILE *out, const json_t *doc, const struct out_opts *o)
{
	const json_t *v = json_object_get(doc, "verify"), *prof = rj_get(doc, "audit", "profile", NULL);

	(void)o;
	/* Info metrics: the value is always 1, the facts are the labels (join them onto the others by instance). */
	family(out, "tickready_build_info", "gauge", "The tickready that wrote this file: its version as a label, value 1.");
	fputs("tickready_build_info{version=\"", out);
	label(out, TICKREADY_VERSION);
	fputs("\"} 1\n", out);
	family(out, "tickready_profile_info", "gauge", "The profile the host was judged against: its name and where it came from, value 1.");
	fputs("tickready_profile_info{profile=\"", out);
	label(out, rj_str(prof, "name"));
	fputs("\",source=\"", out);
	label(out, rj_str(prof, "source"));
	fputs("\"} 1\n", out);
	family(out, "tickready_ready", "gauge", "1 when the host is ready: nothing failed and nothing waits for a reboot.");
	fprintf(out, "tickready_ready %d\n", json_is_true(json_object_get(doc, "ready")));
	family(out, "tickready_pending_reboot", "gauge", "1 when a staged change waits for the next boot.");
	fprintf(out, "tickready_pending_reboot %d\n", json_is_true(json_object_get(doc, "pending_reboot")));
	checks_metric(out, rj_get(doc, "audit", "checks", NULL));
	if (json_is_object(v))
		verify_metrics(out, v);
	family(out, "tickready_report_timestamp_seconds", "gauge", "When the report was generated, as a Unix time.");
	fprintf(out, "tickready_report_timestamp_seconds %ld\n", rj_int(doc, "generated_unix", 0));
	return ferror(out) ? -EIO : 0;
}
