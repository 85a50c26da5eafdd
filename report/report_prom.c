/*
 * A tickready.report/1 document as a node_exporter textfile (text exposition format 0.0.4).
 * Base units (seconds), no unit abbreviations in names, counters end in _total: promtool's lint.
 */
#include <errno.h>
#include <string.h>

#include "report_doc.h"

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

static void verify_metrics(FILE *out, const json_t *v)
{
	static const struct { const char *key, *q; } qs[] = {
		{ "p50_ns", "0.5" }, { "p90_ns", "0.9" }, { "p99_ns", "0.99" }, { "p999_ns", "0.999" }, { "p9999_ns", "0.9999" },
	};
	const json_t *streams = json_object_get(v, "streams"), *s;
	size_t i;
	double x, mean, n;

	family(out, "tickready_verify_latency_seconds", "summary",
	       "Latency quantiles of each verify stream (the run's samples), in seconds.");
	json_array_foreach(streams, i, s) {
		if (json_is_false(json_object_get(s, "latency_measured")) || !rj_str(s, "name"))
			continue;
		for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++)
			if (rj_num(s, qs[k].key, &x)) {
				stream_label(out, "tickready_verify_latency_seconds", s);
				fprintf(out, ",quantile=\"%s\"} %.9g\n", qs[k].q, x / 1e9);
			}
		/* The sum and count exist only when verify gave both the mean and the sample count. */
		if (rj_num(s, "mean_ns", &mean) && rj_num(s, "samples", &n)) {
			stream_label(out, "tickready_verify_latency_seconds_sum", s);
			fprintf(out, "} %.9g\n", mean * n / 1e9);
			stream_label(out, "tickready_verify_latency_seconds_count", s);
			fprintf(out, "} %.0f\n", n);
		}
	}
	family(out, "tickready_verify_latency_max_seconds", "gauge", "Largest latency of each verify stream, in seconds.");
	json_array_foreach(streams, i, s)
		if (!json_is_false(json_object_get(s, "latency_measured")) && rj_str(s, "name") && rj_num(s, "max_ns", &x)) {
			stream_label(out, "tickready_verify_latency_max_seconds", s);
			fprintf(out, "} %.9g\n", x / 1e9);
		}
	family(out, "tickready_verify_drops_total", "counter", "Packets each verify stream lost in the run.");
	json_array_foreach(streams, i, s)
		if (rj_str(s, "name") && rj_num(s, "dropped", &x)) {
			stream_label(out, "tickready_verify_drops_total", s);
			fprintf(out, "} %.0f\n", x);
		}
	if (json_is_boolean(json_object_get(v, "ready"))) {
		family(out, "tickready_verify_ready", "gauge", "1 when verify met every target of the profile.");
		fprintf(out, "tickready_verify_ready %d\n", json_is_true(json_object_get(v, "ready")));
	}
}

int rdoc_write_prom(FILE *out, const json_t *doc)
{
	const json_t *v = json_object_get(doc, "verify");

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
