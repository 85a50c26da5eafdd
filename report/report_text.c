/* The text summary of a tickready.report/1 document: verdict, failures, pending reboot, plan, verify. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "report_doc.h"

static const char *or_q(const char *s)
{
	return s ? s : "?";
}

static const char *verdict_upper(const char *v)
{
	return !v ? "?" : !strcmp(v, "ready") ? "READY" : !strcmp(v, "pending-reboot") ? "PENDING REBOOT" : "NOT READY";
}

/* Why the report's verify result judged nothing (report_doc.c's summary says), or NULL when it judged something. */
static const char *not_judged(const json_t *doc)
{
	const char *why = rj_str(json_object_get(doc, "verify"), "not_judged");

	if (!json_is_false(rj_get(doc, "summary", "verify", "judged", NULL)))
		return NULL;
	return why ? why : "no target passed or failed";
}

/* Quiet: the verify targets that failed, nothing else of verify. */
static void text_verify_failed(FILE *out, const json_t *v)
{
	const json_t *t;
	size_t i;
	double obs, want;

	json_array_foreach(json_object_get(v, "targets"), i, t) {
		if (!rj_str(t, "verdict") || strcmp(rj_str(t, "verdict"), "fail"))
			continue;
		fprintf(out, "  FAIL %s", or_q(rj_str(t, "name")));
		if (rj_num(t, "observed", &obs) && rj_num(t, "target", &want))
			fprintf(out, ": observed %.12g %s, target %s %.12g %s", obs, or_q(rj_str(t, "unit")),
				or_q(rj_str(t, "comparison")), want, or_q(rj_str(t, "unit")));
		fputc('\n', out);
	}
}

static void text_verify(FILE *out, const json_t *v, const char *source)
{
	const json_t *s, *t;
	size_t i;
	double d;
	char a[24], b[24], c[24], m[24];

	fprintf(out, "verify: mode %s", or_q(rj_str(v, "mode")));
	if (rj_num(v, "duration_s", &d))
		fprintf(out, ", %.1f s", d);
	fprintf(out, " (%s)\n", source ? source : "?");
	json_array_foreach(json_object_get(v, "streams"), i, s) {
		double p50, p99, p999, max, x;

		fprintf(out, "  stream %s:", or_q(rj_str(s, "name")));
		if (rj_num(s, "sent", &x))
			fprintf(out, " sent %.0f", x);
		if (rj_num(s, "received", &x))
			fprintf(out, " received %.0f", x);
		if (rj_num(s, "dropped", &x))
			fprintf(out, " dropped %.0f", x);
		if (rj_num(s, "duplicated", &x))
			fprintf(out, " duplicated %.0f", x);
		if (!json_is_false(json_object_get(s, "latency_measured")) && rj_num(s, "p50_ns", &p50) &&
		    rj_num(s, "p99_ns", &p99) && rj_num(s, "p999_ns", &p999) && rj_num(s, "max_ns", &max))
			fprintf(out, "; p50 %s p99 %s p99.9 %s max %s", format_ns(p50, a, sizeof(a)),
				format_ns(p99, b, sizeof(b)), format_ns(p999, c, sizeof(c)), format_ns(max, m, sizeof(m)));
		fputc('\n', out);
	}
	json_array_foreach(json_object_get(v, "targets"), i, t) {
		double obs, want;

		fprintf(out, "  %-4s %s", rj_str(t, "verdict") && !strcmp(rj_str(t, "verdict"), "fail") ? "FAIL" :
			rj_str(t, "verdict") && !strcmp(rj_str(t, "verdict"), "pass") ? "PASS" : "SKIP", or_q(rj_str(t, "name")));
		if (rj_num(t, "observed", &obs) && rj_num(t, "target", &want))
			fprintf(out, ": observed %.12g %s, target %s %.12g %s", obs, or_q(rj_str(t, "unit")),
				or_q(rj_str(t, "comparison")), want, or_q(rj_str(t, "unit")));
		fputc('\n', out);
	}
}

static void checks_line(FILE *out, const json_t *sum)
{
	fprintf(out, "checks: %ld pass, %ld warn, %ld fail, %ld skip, %ld pending reboot\n", rj_int(sum, "pass", 0),
		rj_int(sum, "warn", 0), rj_int(sum, "fail", 0), rj_int(sum, "skip", 0), rj_int(sum, "pending_reboot", 0));
}

/* One failing check and its fix, as the full text shows it; word is FAIL or WARN. */
static void text_check(FILE *out, const json_t *c, const char *word)
{
	const char *by;
	char name[160];

	fprintf(out, "  %-4s %-24s %s%s%s\n", word, or_q(rj_check_name(c, name, sizeof(name))), rj_str(c, "nic") ? rj_str(c, "nic") : "",
		rj_str(c, "nic") ? ": " : "", or_q(rj_str(c, "observed")));
	if (rj_str(c, "remedy"))
		fprintf(out, "       %-24s fix: %s\n", "", rj_str(c, "remedy"));
	if ((by = fix_by_line_named(rj_str(c, "fixed_by"), rj_str(c, "fix_note"))))
		fprintf(out, "       %-24s %s\n", "", by);
}

static void pending_line(FILE *out, const json_t *pend)
{
	const json_t *c;
	size_t i;

	if (!json_array_size(json_object_get(pend, "checks")) && !json_array_size(json_object_get(pend, "applied")))
		return;
	fputs("pending reboot:", out);
	json_array_foreach(json_object_get(pend, "checks"), i, c)
		fprintf(out, " %s", json_string_value(c));
	json_array_foreach(json_object_get(pend, "applied"), i, c)
		fprintf(out, " %s", json_string_value(c));
	fputc('\n', out);
}

/* --quiet: the failing checks and verify targets, what waits for a reboot, then the verdict and the counts. */
static int text_quiet(FILE *out, const json_t *doc)
{
	const json_t *c;
	size_t i;

	json_array_foreach(rj_get(doc, "audit", "checks", NULL), i, c)
		if (rj_str(c, "verdict") && !strcmp(rj_str(c, "verdict"), "fail"))
			text_check(out, c, "FAIL");
	if (json_is_object(json_object_get(doc, "verify")))
		text_verify_failed(out, json_object_get(doc, "verify"));
	if (not_judged(doc))
		fprintf(out, "  NOT JUDGED verify: %s\n", not_judged(doc));
	pending_line(out, json_object_get(doc, "pending"));
	fprintf(out, "verdict: %s; ", verdict_upper(rj_str(doc, "verdict")));
	checks_line(out, rj_get(doc, "summary", "checks", NULL));
	return ferror(out) ? -EIO : 0;
}

int rdoc_write_text(FILE *out, const json_t *doc, const struct out_opts *o)
{
	const json_t *audit = json_object_get(doc, "audit"), *c, *r, *plan = json_object_get(doc, "plan");
	const json_t *sum = rj_get(doc, "summary", "checks", NULL), *applied = rj_get(doc, "summary", "applied", NULL);
	const json_t *pend = json_object_get(doc, "pending");
	size_t i, nshown = 0;

	if (o->quiet)
		return text_quiet(out, doc);
	fprintf(out, "tickready report: host %s, %s, profile %s%s%s%s, root %s\n", or_q(rj_str(doc, "hostname")),
		or_q(rj_str(doc, "generated")), or_q(rj_str(json_object_get(audit, "profile"), "name")),
		rj_str(audit, "profile_origin") ? " (" : "", rj_str(audit, "profile_origin") ? rj_str(audit, "profile_origin") : "",
		rj_str(audit, "profile_origin") ? ")" : "",
		or_q(rj_str(doc, "root")));
	fprintf(out, "verdict: %s\n", verdict_upper(rj_str(doc, "verdict")));
	json_array_foreach(json_object_get(doc, "reasons"), i, r)
		fprintf(out, "  %s\n", json_string_value(r));
	checks_line(out, sum);
	json_array_foreach(json_object_get(audit, "checks"), i, c) {
		const char *v = rj_str(c, "verdict");

		if (!v || (strcmp(v, "fail") && strcmp(v, "warn")))
			continue;
		if (!nshown++)
			fputs("failing and warning:\n", out);
		text_check(out, c, !strcmp(v, "fail") ? "FAIL" : "WARN");
	}
	pending_line(out, pend);
	if (json_is_object(applied))
		fprintf(out, "applied: %ld pass, %ld fail, %ld pending reboot, %ld unsupported\n", rj_int(applied, "pass", 0),
			rj_int(applied, "fail", 0), rj_int(applied, "pending_reboot", 0), rj_int(applied, "unsupported", 0));
	if (json_is_object(plan))
		fprintf(out, "plan: %zu change%s, %zu manual, %zu blocked; undo: %s\n",
			json_array_size(json_object_get(plan, "changes")),
			json_array_size(json_object_get(plan, "changes")) == 1 ? "" : "s",
			json_array_size(json_object_get(plan, "manual")), json_array_size(json_object_get(plan, "blocked")),
			or_q(rj_str(doc, "undo")));
	if (json_is_object(json_object_get(doc, "verify")))
		text_verify(out, json_object_get(doc, "verify"), rj_str(doc, "verify_source"));
	if (not_judged(doc))
		fprintf(out, "  NOT JUDGED: %s\n", not_judged(doc));
	return ferror(out) ? -EIO : 0;
}
