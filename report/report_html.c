/*
 * The HTML page of a tickready.report/1 document: the verdict, a table of contents, verify (drawn as
 * inline SVG), then what needs action (failures and warnings, pending reboot), the plan's commands
 * and the undo command; passes and skips folded per area. Printed, it keeps what needs action.
 * Self-contained.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "html.h"
#include "report_doc.h"
#include "util.h"

static const char *verdict_title(const char *v)
{
	return !v ? "UNKNOWN" : !strcmp(v, "ready") ? "READY" : !strcmp(v, "pending-reboot") ? "PENDING REBOOT" : "NOT READY";
}

static void badge(FILE *out, const char *verdict)
{
	fprintf(out, "<span class=\"badge %s\">", html_verdict_class(verdict));
	html_cell(out, verdict);
	fputs("</span>", out);
}

/* A number of o, 0 when absent. */
static double verify_num_or(const json_t *o, const char *key)
{
	double v = 0;

	rj_num(o, key, &v);
	return v;
}

static void num_cell(FILE *out, const json_t *o, const char *key)
{
	double v;

	if (rj_num(o, key, &v))
		fprintf(out, "<td class=\"num\">%.0f</td>", v);
	else
		fputs("<td class=\"num\">&mdash;</td>", out);
}

static void ns_cell(FILE *out, const json_t *o, const char *key)
{
	char buf[32];
	double v;

	if (rj_num(o, key, &v))
		fprintf(out, "<td class=\"num\" data-sort=\"%.0f\">%s</td>", v, format_ns(v, buf, sizeof(buf)));
	else
		fputs("<td class=\"num\">&mdash;</td>", out);
}

static void head_section(FILE *out, const json_t *doc)
{
	const json_t *audit = json_object_get(doc, "audit"), *r, *sum = rj_get(doc, "summary", "checks", NULL);
	const char *v = rj_str(doc, "verdict");
	size_t i;

	fprintf(out, "<header id=\"verdict\" class=\"verdict %s\" data-verdict=\"", html_verdict_class(v));
	html_esc(out, v);
	fprintf(out, "\"><h1>%s</h1><p>host <b>", verdict_title(v));
	html_esc(out, rj_str(doc, "hostname"));
	fputs("</b> &middot; ", out);
	html_esc(out, rj_str(doc, "generated"));
	fputs(" &middot; profile ", out);
	html_cell(out, rj_str(json_object_get(audit, "profile"), "name"));
	fputs(" &middot; root <code>", out);
	html_esc(out, rj_str(doc, "root"));
	fputs("</code></p>", out);
	/* The profile's NIC roles, as the audit resolved them on this host. */
	json_array_foreach(rj_get(audit, "host", "nic_roles", NULL), i, r) {
		double node;

		fputs(i ? ", " : "<p id=\"nic-roles\">NIC roles: ", out);
		fputs("<b>", out);
		html_esc(out, rj_str(r, "role"));
		fputs("</b> ", out);
		html_esc(out, rj_str(r, "nic") ? rj_str(r, "nic") : "(none here)");
		if (rj_str(r, "nic") && rj_num(r, "node", &node)) {
			fprintf(out, " (node %.0f, cpus ", node);
			html_esc(out, rj_str(r, "cpus") ? rj_str(r, "cpus") : "isolated");
			fputs(")", out);
		}
	}
	if (json_array_size(rj_get(audit, "host", "nic_roles", NULL)))
		fputs("</p>", out);
	fputs("<ul>", out);
	json_array_foreach(json_object_get(doc, "reasons"), i, r) {
		fputs("<li>", out);
		html_esc(out, json_string_value(r));
		fputs("</li>", out);
	}
	fputs("</ul></header>\n", out);
	fprintf(out, "<section id=\"summary\"><div class=\"scroll\"><table><tr><th>pass</th><th>warn</th><th>fail</th>"
		"<th>skip</th><th>pending reboot</th></tr><tr><td class=\"num\">%ld</td><td class=\"num\">%ld</td>"
		"<td class=\"num\">%ld</td><td class=\"num\">%ld</td><td class=\"num\">%ld</td></tr></table></div></section>\n",
		rj_int(sum, "pass", 0), rj_int(sum, "warn", 0), rj_int(sum, "fail", 0), rj_int(sum, "skip", 0),
		rj_int(sum, "pending_reboot", 0));
}

static void check_row(FILE *out, const json_t *c, bool with_fix)
{
	const char *v = rj_str(c, "verdict"), *by;
	char name[160];

	fprintf(out, "<tr class=\"%s\" data-check=\"", html_verdict_class(v));
	html_esc(out, rj_check_name(c, name, sizeof(name)));
	if (rj_str(c, "role")) {
		fputs("\" data-role=\"", out);
		html_esc(out, rj_str(c, "role"));
	}
	fputs("\"><td>", out);
	badge(out, v);
	fputs("</td><td><code>", out);
	html_esc(out, name);
	fputs("</code>", out);
	if (rj_str(c, "nic")) {
		fputs(" ", out);
		html_esc(out, rj_str(c, "nic"));
	}
	fputs("<br><span class=\"mute\">", out);
	html_esc(out, rj_str(c, "title"));
	fputs("</span></td><td>", out);
	html_cell(out, rj_str(c, "observed"));
	fputs("</td><td>", out);
	html_cell(out, rj_str(c, "expected"));
	fputs("</td><td>", out);
	if (with_fix && rj_str(c, "remedy")) {
		fputs("<code>", out);
		html_esc(out, rj_str(c, "remedy"));
		fputs("</code>", out);
		if (json_is_true(json_object_get(c, "needs_reboot")))
			fputs(" <span class=\"mute\">(then reboot)</span>", out);
		if ((by = fix_by_line_named(rj_str(c, "fixed_by"), rj_str(c, "fix_note")))) {
			fputs("<br><span class=\"fixed-by\">", out);
			html_esc(out, by);
			fputs("</span>", out);
		}
	} else {
		fputs("&mdash;", out);
	}
	fputs("</td></tr>\n", out);
}

static const char checks_head[] =
	"<div class=\"scroll\"><table class=\"checks\"><thead><tr><th>verdict</th><th>check</th><th>observed</th>"
	"<th>expected</th><th>fix</th></tr></thead><tbody>\n";

static bool is(const char *a, const char *b)
{
	return a && !strcmp(a, b);
}

/* Unknown verdicts sort with the skips rather than vanish. */
static bool is_skipish(const char *v)
{
	return !is(v, "fail") && !is(v, "warn") && !is(v, "pass") && !is(v, "pending-reboot");
}

/* Failures, then warnings, in registry order: one table (a check's id starts with its area). */
static void action_section(FILE *out, const json_t *checks)
{
	static const char *const order[] = { "fail", "warn" };
	const json_t *c;
	size_t i, n = 0;

	fputs("<section id=\"action\"><h2>Needs action</h2>", out);
	for (size_t k = 0; k < 2; k++)
		json_array_foreach(checks, i, c)
			if (is(rj_str(c, "verdict"), order[k])) {
				if (!n++)
					fputs(checks_head, out);
				check_row(out, c, true);
			}
	if (n)
		fputs("</tbody></table></div>", out);
	else
		fputs("<p class=\"mute\">No check failed or warned.</p>", out);
	fputs("</section>\n", out);
}

/* Passes and skips, folded: per area in registry order, passes first. */
static void passed_section(FILE *out, const json_t *doc)
{
	const json_t *checks = rj_get(doc, "audit", "checks", NULL), *sum = rj_get(doc, "summary", "checks", NULL), *c;
	size_t i, j;

	fprintf(out, "<details id=\"passed\" class=\"folded\"><summary><h2>Passed and skipped: %ld pass, %ld skip</h2>"
		"</summary>\n", rj_int(sum, "pass", 0), rj_int(sum, "skip", 0));
	json_array_foreach(checks, i, c) {
		const char *area = rj_str(c, "area");
		bool seen = false, any = false;

		if (!area)
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = is(rj_str(json_array_get(checks, j), "area"), area);
		for (j = i; j < json_array_size(checks) && !any; j++) {
			const json_t *d = json_array_get(checks, j);

			any = is(rj_str(d, "area"), area) && (is(rj_str(d, "verdict"), "pass") || is_skipish(rj_str(d, "verdict")));
		}
		if (seen || !any)
			continue;
		fputs("<section class=\"area\" id=\"area-", out);
		html_esc(out, area);
		fputs("\" data-area=\"", out);
		html_esc(out, area);
		fputs("\"><h3>", out);
		html_esc(out, area);
		fputs("</h3>", out);
		fputs(checks_head, out);
		for (int pass = 1; pass >= 0; pass--)
			for (j = i; j < json_array_size(checks); j++) {
				const json_t *d = json_array_get(checks, j);
				const char *v = rj_str(d, "verdict");

				if (is(rj_str(d, "area"), area) && (pass ? is(v, "pass") : is_skipish(v)))
					check_row(out, d, true);
			}
		fputs("</tbody></table></div></section>\n", out);
	}
	fputs("</details>\n", out);
}

static void pending_section(FILE *out, const json_t *doc)
{
	const json_t *checks = rj_get(doc, "audit", "checks", NULL), *pend = json_object_get(doc, "pending"), *c;
	size_t i, n = 0;
	bool any = json_array_size(json_object_get(pend, "applied")) || rj_str(pend, "once");

	json_array_foreach(checks, i, c)
		any |= is(rj_str(c, "verdict"), "pending-reboot");
	/* An empty part is left out of the print. */
	fprintf(out, "<section id=\"pending-reboot\"%s><h2>Pending reboot</h2>", any ? "" : " class=\"empty\"");
	json_array_foreach(checks, i, c)
		if (is(rj_str(c, "verdict"), "pending-reboot")) {
			if (!n++)
				fputs(checks_head, out);
			check_row(out, c, false);
		}
	if (n)
		fputs("</tbody></table></div>", out);
	if (json_array_size(json_object_get(pend, "applied"))) {
		fputs("<p>Applied, staged for the next boot:", out);
		json_array_foreach(json_object_get(pend, "applied"), i, c) {
			fputs(" <code>", out);
			html_esc(out, json_string_value(c));
			fputs("</code>", out);
		}
		fputs("</p>", out);
	}
	if (rj_str(pend, "once")) {
		fputs("<p>One-time boot staged by run <code>", out);
		html_esc(out, rj_str(pend, "once"));
		fputs("</code>: after that boot, <code>tickready confirm</code> makes it the default.</p>", out);
	}
	if (!n && !json_array_size(json_object_get(pend, "applied")) && !rj_str(pend, "once"))
		fputs("<p class=\"mute\">Nothing waits for a reboot.</p>", out);
	fputs("</section>\n", out);
}

static void status_section(FILE *out, const json_t *doc)
{
	const json_t *st = json_object_get(doc, "status"), *run, *it;
	size_t i, j;

	fprintf(out, "<section id=\"applied\"%s><h2>Applied by tickready</h2>",
		json_array_size(json_object_get(st, "runs")) || rj_str(st, "confirm_pending") ? "" : " class=\"empty\"");
	if (!json_is_object(st)) {
		fputs("<p class=\"mute\">No apply status in this report.</p></section>\n", out);
		return;
	}
	if (!json_array_size(json_object_get(st, "runs")))
		fputs("<p class=\"mute\">Nothing applied: the journal holds no run that is not reverted.</p>", out);
	json_array_foreach(json_object_get(st, "runs"), i, run) {
		fputs("<h3>run <code>", out);
		html_esc(out, rj_str(run, "run"));
		fputs("</code>, profile ", out);
		html_cell(out, rj_str(run, "profile"));
		fputs(", ", out);
		html_esc(out, rj_str(run, "started"));
		fputs("</h3><div class=\"scroll\"><table><thead><tr><th>verdict</th><th>target</th><th>wanted</th><th>staged</th>"
		      "<th>live</th></tr></thead><tbody>\n", out);
		json_array_foreach(json_object_get(run, "items"), j, it) {
			fprintf(out, "<tr class=\"%s\"><td>", html_verdict_class(rj_str(it, "verdict")));
			badge(out, rj_str(it, "verdict"));
			fputs("</td><td><code>", out);
			html_esc(out, rj_str(it, "target"));
			fputs("</code></td><td>", out);
			html_cell(out, rj_str(it, "wanted"));
			fputs("</td><td>", out);
			html_cell(out, rj_str(it, "staged"));
			fputs("</td><td>", out);
			html_cell(out, rj_str(it, "live"));
			fputs("</td></tr>\n", out);
		}
		fputs("</tbody></table></div>", out);
	}
	if (rj_str(st, "confirm_pending")) {
		fputs("<p>Run <code>", out);
		html_esc(out, rj_str(st, "confirm_pending"));
		fputs("</code> is reverted at its deadline unless <code>tickready confirm</code> runs from a new session.</p>", out);
	}
	fputs("</section>\n", out);
}

static void plan_section(FILE *out, const json_t *doc)
{
	const json_t *plan = json_object_get(doc, "plan"), *c;
	size_t i, n = 0;

	fputs("<section id=\"plan\"><h2>Plan</h2>", out);
	if (!json_is_object(plan)) {
		fputs("<p class=\"mute\">No plan in this report.</p>", out);
	} else {
		size_t ncmd = json_array_size(json_object_get(plan, "bootloader_command")) ? 1 : 0;

		json_array_foreach(json_object_get(plan, "changes"), i, c)
			ncmd += !json_object_get(c, "staged_by") && rj_str(c, "command");
		fprintf(out, "<details class=\"folded\"><summary>What <code>tickready apply</code> would do: %zu command%s "
			"(shell commands for reading: apply journals every write so it can be undone)</summary>"
			"<pre id=\"plan-commands\">", ncmd, ncmd == 1 ? "" : "s");
		json_array_foreach(json_object_get(plan, "changes"), i, c) {
			/* Command line parameters are carried out by the boot drop-in row. */
			if (json_object_get(c, "staged_by") || !rj_str(c, "command"))
				continue;
			html_esc(out, rj_str(c, "command"));
			fputc('\n', out);
			n++;
		}
		if (json_array_size(json_object_get(plan, "bootloader_command"))) {
			const json_t *a;

			json_array_foreach(json_object_get(plan, "bootloader_command"), i, a) {
				fputs(i ? " " : "", out);
				html_esc(out, json_string_value(a));
			}
			fputs("  # then reboot\n", out);
			n++;
		}
		if (!n)
			fputs("# nothing to change\n", out);
		fputs("</pre></details>", out);
		if (json_array_size(json_object_get(plan, "manual"))) {
			/* Folded: each of these is a failing row above with its remedy. */
			fprintf(out, "<details class=\"folded\"><summary><h3>Manual (no tuner covers these): %zu check%s</h3></summary>"
				"<div class=\"scroll\"><table><thead><tr><th>check</th><th>observed</th><th>remedy</th></tr></thead><tbody>",
				json_array_size(json_object_get(plan, "manual")), json_array_size(json_object_get(plan, "manual")) == 1 ? "" : "s");
			json_array_foreach(json_object_get(plan, "manual"), i, c)
				html_row(out, 1, rj_str(c, "check"), rj_str(c, "observed"), rj_str(c, "remedy"), NULL);
			fputs("</tbody></table></div></details>", out);
		}
		if (json_array_size(json_object_get(plan, "blocked"))) {
			fputs("<h3>Blocked by an interlock</h3><ul>", out);
			json_array_foreach(json_object_get(plan, "blocked"), i, c) {
				fputs("<li><code>", out);
				html_esc(out, rj_str(c, "target"));
				fputs("</code>: ", out);
				html_esc(out, rj_str(c, "reason"));
				fputs("</li>", out);
			}
			fputs("</ul>", out);
		}
	}
	fputs("<p>Undo everything tickready applied:</p><pre id=\"undo\">", out);
	html_esc(out, rj_str(doc, "undo"));
	fputs("</pre></section>\n", out);
}

/* ---- verify ---- */

#define SVG_W 640
#define SVG_H 252
#define PAD_L 40
#define PAD_B 46
#define PAD_T 38	/* three rows of percentile labels above the plot */
#define LABEL_ROWS 3

/* A count on the log axis: 1, 10, 100, 1k ... 1M (never 1e+06). */
static const char *count_text(double n, char *buf, size_t size)
{
	static const char *const suffix[] = { "", "k", "M", "G", "T" };
	size_t k = 0;

	while (n >= 1000 && k + 1 < sizeof(suffix) / sizeof(suffix[0]))
		n /= 1000, k++;
	snprintf(buf, size, "%.0f%s", n, suffix[k]);
	return buf;
}

/* ns as microseconds, the one unit of the latency axis: 0.05, 0.5, 1, 20, 1,000, 10,000. */
static const char *us_text(double ns, char *buf, size_t size)
{
	double us = ns / 1000;
	char digits[32];
	size_t len, o = 0;

	if (us < 1) {
		snprintf(buf, size, "%.2g", us);
		return buf;
	}
	snprintf(digits, sizeof(digits), "%.0f", us);
	len = strlen(digits);
	for (size_t i = 0; i < len && o + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* A latency key as people say it: p50_ns "p50", p999_ns "p99.9", p9999_ns "p99.99", max_ns "max". */
static const char *key_text(const char *key, char *buf, size_t size)
{
	size_t n = strcspn(key, "_");

	if (key[0] == 'p' && n > 3 && strspn(key + 1, "0123456789") == n - 1)
		snprintf(buf, size, "p%.2s.%.*s", key + 1, (int)(n - 3), key + 3);
	else
		snprintf(buf, size, "%.*s", (int)n, key);
	return buf;
}

/* x of value ns on the bucket axis: buckets are contiguous 1-2-5 steps, each bar one step. */
static double bucket_x(const struct rdoc_bucket *b, int n, double ns, double bw)
{
	double lo = b[0].upper_ns / 2;

	if (ns <= lo)
		return PAD_L;
	for (int i = 0; i < n; i++) {
		if (ns <= b[i].upper_ns)
			return PAD_L + bw * (i + log(ns / lo) / log(b[i].upper_ns / lo));
		lo = b[i].upper_ns;
	}
	return PAD_L + bw * n;
}

/* The first label row where a label of width w at x clears the ones already placed (their right ends in ends). */
static int label_row(double *ends, double x, double w)
{
	for (int r = 0; r < LABEL_ROWS; r++)
		if (x - w / 2 >= ends[r] + 4) {
			ends[r] = x + w / 2;
			return r;
		}
	ends[LABEL_ROWS - 1] = x + w / 2;
	return LABEL_ROWS - 1;
}

static void svg_histogram(FILE *out, const json_t *stream, const json_t *targets)
{
	static const char *const marks[] = { "p50_ns", "p99_ns", "p999_ns", "p9999_ns" };
	struct rdoc_bucket b[RDOC_BUCKETS];
	int n = rdoc_histogram(json_object_get(stream, "histogram"), b, RDOC_BUCKETS);
	const char *name = rj_str(stream, "name");
	double top = 0, bw, plot_h = SVG_H - PAD_B - PAD_T, ends[LABEL_ROWS];
	const json_t *t;
	size_t i;
	char lab[32], key[32];
	int drawn = 0;

	if (n <= 0)
		return;
	for (int k = 0; k < LABEL_ROWS; k++)
		ends[k] = -1e9;
	for (int k = 0; k < n; k++)
		top = b[k].count > top ? b[k].count : top;
	bw = (double)(SVG_W - PAD_L - 10) / n;
	fprintf(out, "<svg class=\"histogram\" data-stream=\"");
	html_esc(out, name);
	fprintf(out, "\" viewBox=\"0 0 %d %d\" width=\"%d\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\"><title>",
		SVG_W, SVG_H, SVG_W);
	fputs("latency histogram of stream ", out);
	html_esc(out, name);
	fputs(" (log-scale buckets and counts)</title>", out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>", SVG_W, SVG_H);
	/* Count axis: log10, decades as grid lines. */
	for (double d = 1; d <= top * 1.0001; d *= 10) {
		double y = SVG_H - PAD_B - plot_h * log10(d + 1) / log10(top + 1);

		fprintf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#d0d7de\"/>"
			"<text class=\"count\" x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" fill=\"#57606a\">%s</text>",
			PAD_L, SVG_W - 10, y, y, PAD_L - 4, y + 3, count_text(d, lab, sizeof(lab)));
	}
	for (int k = 0; k < n; k++) {
		double h = b[k].count > 0 ? plot_h * log10(b[k].count + 1) / log10(top + 1) : 0;
		double x = PAD_L + bw * k;

		fprintf(out, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#54aeff\">"
			"<title>&lt;= %s &micro;s: %.0f</title></rect>", x + 1, SVG_H - PAD_B - h, bw - 2, h,
			us_text(b[k].upper_ns, lab, sizeof(lab)), b[k].count);
		fprintf(out, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" font-size=\"9\" text-anchor=\"end\" fill=\"#57606a\" "
			"transform=\"rotate(-45 %.1f %d)\">%s</text>", x + bw, SVG_H - PAD_B + 12, x + bw, SVG_H - PAD_B + 12, lab);
	}
	/* Percentiles above the plot, each label in the first row where it clears its neighbours. */
	for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
		double v, x;
		int row;

		if (!rj_num(stream, marks[k], &v) || v <= 0)
			continue;
		x = bucket_x(b, n, v, bw);
		key_text(marks[k], key, sizeof(key));
		row = label_row(ends, x, 5.5 * strlen(key));
		fprintf(out, "<line class=\"percentile\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#57606a\" "
			"stroke-dasharray=\"2 3\"/><text class=\"percentile\" x=\"%.1f\" y=\"%d\" font-size=\"9\" fill=\"#57606a\" "
			"text-anchor=\"middle\">%s</text>", x, x, 11 + 10 * row, SVG_H - PAD_B, x, 9 + 10 * row, key);
	}
	/* Targets of this stream in ns ("loopback.p99_ns") as red lines, labelled as people say them. */
	json_array_foreach(targets, i, t) {
		const char *tn = rj_str(t, "name"), *unit = rj_str(t, "unit");
		size_t len = name ? strlen(name) : 0;
		double want, x;
		bool left;

		if (!tn || !name || strncmp(tn, name, len) || tn[len] != '.' || !is(unit, "ns") || !rj_num(t, "target", &want))
			continue;
		x = bucket_x(b, n, want, bw);
		/* A label that would run off the right edge reads leftwards from its line. */
		left = x > SVG_W - 110;
		fprintf(out, "<line class=\"target\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#cf222e\" "
			"stroke-width=\"2\"/><text class=\"target\" x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#cf222e\" "
			"text-anchor=\"%s\">", x, x, PAD_T, SVG_H - PAD_B, left ? x - 3 : x + 3, PAD_T + 12 + 12 * drawn++,
			left ? "end" : "start");
		html_esc(out, key_text(tn + len + 1, key, sizeof(key)));
		fprintf(out, " target &le; %s &micro;s</text>", us_text(want, lab, sizeof(lab)));
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#57606a\">latency, &micro;s (bucket upper bound); "
		"count, log scale</text></svg>\n", PAD_L, SVG_H - 4);
}

static void streams_table(FILE *out, const json_t *v)
{
	static const char *const lat[] = { "p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns", "mean_ns", "stdev_ns" };
	const json_t *s;
	size_t i;

	fputs("<div class=\"scroll\"><table class=\"percentiles\"><thead><tr><th>stream</th><th>sent</th><th>received</th>"
	      "<th>dropped</th><th>duplicated</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>p99.99</th>"
	      "<th>max</th><th>mean</th><th>stdev</th></tr></thead><tbody>\n", out);
	json_array_foreach(json_object_get(v, "streams"), i, s) {
		bool measured = !json_is_false(json_object_get(s, "latency_measured"));

		fputs("<tr><td>", out);
		html_cell(out, rj_str(s, "name"));
		fputs("</td>", out);
		num_cell(out, s, "sent");
		num_cell(out, s, "received");
		num_cell(out, s, "dropped");
		num_cell(out, s, "duplicated");
		for (size_t k = 0; k < sizeof(lat) / sizeof(lat[0]); k++)
			if (measured)
				ns_cell(out, s, lat[k]);
			else
				fputs("<td class=\"num\">&mdash;</td>", out);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div>", out);
}

/* "loopback.p99_ns" as "loopback p99", the key itself on hover. */
static void target_name(FILE *out, const char *name)
{
	const char *dot = name ? strrchr(name, '.') : NULL;
	char key[32];

	fputs("<span title=\"", out);
	html_esc(out, name);
	fputs("\">", out);
	if (dot) {
		char *stream = xasprintf("%.*s", (int)(dot - name), name);

		html_esc(out, stream);
		fputc(' ', out);
		html_esc(out, key_text(dot + 1, key, sizeof(key)));
		free(stream);
	} else {
		html_cell(out, name);
	}
	fputs("</span>", out);
}

static void targets_table(FILE *out, const json_t *targets)
{
	const json_t *t;
	size_t i;

	if (!json_array_size(targets)) {
		fputs("<p class=\"mute\">The profile sets no targets for this mode.</p>", out);
		return;
	}
	fputs("<div class=\"scroll\"><table class=\"targets\"><thead><tr><th>verdict</th><th>target</th><th>observed</th>"
	      "<th>wanted</th><th>detail</th></tr></thead><tbody>\n", out);
	json_array_foreach(targets, i, t) {
		double obs, want;

		fprintf(out, "<tr class=\"%s\"><td>", html_verdict_class(rj_str(t, "verdict")));
		badge(out, rj_str(t, "verdict"));
		fputs("</td><td>", out);
		target_name(out, rj_str(t, "name"));
		fputs("</td><td class=\"num\">", out);
		if (rj_num(t, "observed", &obs))
			fprintf(out, "%.12g ", obs);
		html_esc(out, rj_str(t, "unit"));
		fputs("</td><td class=\"num\">", out);
		html_esc(out, rj_str(t, "comparison"));
		if (rj_num(t, "target", &want))
			fprintf(out, " %.12g ", want);
		html_esc(out, rj_str(t, "unit"));
		fputs("</td><td>", out);
		html_cell(out, rj_str(t, "detail"));
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>", out);
}

struct cause {
	const char *what;
	double n;
};

static int add_items(struct cause *v, int n, int max, const json_t *obj)
{
	const char *k;
	const json_t *x;

	json_object_foreach((json_t *)obj, k, x)
		if (n < max && json_is_number(x) && json_number_value(x) > 0) {
			v[n].what = k;
			v[n++].n = json_number_value(x);
		}
	return n;
}

/* One bar chart per measured core: what interrupted it over the same window. */
static void svg_causes(FILE *out, const json_t *cpu)
{
	struct cause v[48];
	const json_t *cs = json_object_get(cpu, "context_switches");
	double top = 0, x;
	int n = 0;

	n = add_items(v, n, 48, json_object_get(cpu, "interrupts"));
	n = add_items(v, n, 48, json_object_get(cpu, "softirqs"));
	if (rj_num(cs, "nonvoluntary", &x) && x > 0 && n < 48)
		v[n++] = (struct cause){ "involuntary context switches", x };
	if (rj_num(cs, "voluntary", &x) && x > 0 && n < 48)
		v[n++] = (struct cause){ "voluntary context switches", x };
	for (int i = 0; i < n; i++)
		top = v[i].n > top ? v[i].n : top;
	fprintf(out, "<h3>cpu %ld (", rj_int(cpu, "cpu", -1));
	html_cell(out, rj_str(cpu, "role"));
	fputs(")</h3>", out);
	if (!n) {
		fputs("<p class=\"mute\">Nothing counted on this core.</p>", out);
		return;
	}
	fprintf(out, "<svg class=\"causes\" data-cpu=\"%ld\" viewBox=\"0 0 %d %d\" width=\"%d\" role=\"img\" "
		"xmlns=\"http://www.w3.org/2000/svg\"><title>interruptions of cpu %ld</title>", rj_int(cpu, "cpu", -1), SVG_W,
		16 * n + 4, SVG_W, rj_int(cpu, "cpu", -1));
	for (int i = 0; i < n; i++) {
		double w = top > 0 ? 300.0 * v[i].n / top : 0;

		fprintf(out, "<text x=\"226\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" fill=\"#1f2328\">", 16 * i + 14);
		html_esc(out, v[i].what);
		fprintf(out, "</text><rect x=\"230\" y=\"%d\" width=\"%.1f\" height=\"12\" fill=\"#fd8c73\"/>"
			"<text x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"#1f2328\">%.0f</text>", 16 * i + 4, w < 1 ? 1 : w,
			236 + w, 16 * i + 14, v[i].n);
	}
	fputs("</svg>\n", out);
}

static void cores_table(FILE *out, const json_t *v)
{
	const json_t *c;
	size_t i;

	if (!json_array_size(json_object_get(v, "cores")))
		return;
	fputs("<h3>Loop gaps per core</h3><div class=\"scroll\"><table class=\"cores\"><thead><tr><th>cpu</th><th>role</th>"
	      "<th>longest gap</th><th>gaps over threshold</th></tr></thead><tbody>", out);
	json_array_foreach(json_object_get(v, "cores"), i, c) {
		fprintf(out, "<tr><td class=\"num\">%ld</td><td>", rj_int(c, "cpu", -1));
		html_cell(out, rj_str(c, "role"));
		fputs("</td>", out);
		ns_cell(out, c, "max_gap_ns");
		num_cell(out, c, "gaps_over_threshold");
		fputs("</tr>", out);
	}
	fputs("</tbody></table></div>", out);
}

/* ---- verify sweep: bypass's P99 cut against the packet rate and the payload size ---- */

#define SW_W 640
#define SW_H 260
#define SW_L 48
#define SW_R 16
#define SW_T 24
#define SW_B 44
#define SW_INSET 28	/* the first and last points clear the axis labels and the right edge */

/* x of v on the log axis from lo to hi (one point: the middle). */
static double sweep_x(double v, double lo, double hi)
{
	if (hi <= lo)
		return SW_L + (SW_W - SW_L - SW_R) / 2.0;
	return SW_L + SW_INSET + (SW_W - SW_L - SW_R - 2 * SW_INSET) * log(v / lo) / log(hi / lo);
}

static double sweep_y(double pct, double lo, double hi)
{
	return SW_H - SW_B - (SW_H - SW_T - SW_B) * (pct - lo) / (hi - lo);
}

/*
 * One chart: each row's p99_cut_pct (how much of the kernel's P99 bypass takes away: the seeds' "latency
 * gain") at its x_key on a log axis, 0 % and the profile's minimum gain as lines; a point's title has its figures.
 */
static void svg_sweep(FILE *out, const json_t *rows, const char *x_key, const char *axis, const char *x_label,
		      double min_gain, bool software_only)
{
	double xlo = 0, xhi = 0, lo = 0, hi = 100, step, v, bar = 100.0 * (1.0 - 1.0 / min_gain);
	const json_t *row;
	char k99[32], b99[32], pts[4096];
	size_t i, len = 0;
	int n = 0;

	json_array_foreach(rows, i, row) {
		double x;

		if (!rj_num(row, x_key, &x) || x <= 0 || !rj_num(row, "p99_cut_pct", &v))
			continue;
		xlo = n && xlo < x ? xlo : x;
		xhi = n && xhi > x ? xhi : x;
		lo = v < lo ? v : lo;
		n++;
	}
	if (!n)
		return;
	/* The cut is at most 100 %; a slower bypass goes below 0, as far as it measured. */
	step = hi - lo > 400 ? 100 : hi - lo > 200 ? 50 : 25;
	lo = floor(lo / step) * step;
	if (bar < lo)
		bar = lo;
	fprintf(out, "<svg class=\"sweep\" data-axis=\"%s\" viewBox=\"0 0 %d %d\" width=\"%d\" role=\"img\" "
		"xmlns=\"http://www.w3.org/2000/svg\"><title>bypass P99 cut against %s%s</title>", axis, SW_W, SW_H, SW_W,
		x_label, software_only ? " (software-only path)" : "");
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>", SW_W, SW_H);
	for (v = lo; v <= hi + 1e-9; v += step)
		fprintf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/><text class=\"tick\" x=\"%d\" "
			"y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" fill=\"#57606a\">%.0f%%</text>", SW_L, SW_W - SW_R,
			sweep_y(v, lo, hi), sweep_y(v, lo, hi), v == 0 ? "#57606a" : "#d0d7de", SW_L - 4, sweep_y(v, lo, hi) + 3, v);
	fprintf(out, "<line class=\"target\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#cf222e\" "
		"stroke-dasharray=\"4 3\"/><text class=\"target\" x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" "
		"fill=\"#cf222e\">pays from here: P99 gain &ge; %g</text>", SW_L, SW_W - SW_R, sweep_y(bar, lo, hi),
		sweep_y(bar, lo, hi), SW_W - SW_R, sweep_y(bar, lo, hi) - 3, min_gain);
	/* The line first, the points over it. */
	json_array_foreach(rows, i, row) {
		double x;

		if (rj_num(row, x_key, &x) && x > 0 && rj_num(row, "p99_cut_pct", &v) && len < sizeof(pts) - 32)
			len += (size_t)snprintf(pts + len, sizeof(pts) - len, "%s%.1f,%.1f", len ? " " : "",
						sweep_x(x, xlo, xhi), sweep_y(v, lo, hi));
	}
	fprintf(out, "<polyline points=\"%s\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.5\"/>", pts);
	json_array_foreach(rows, i, row) {
		double x, px, py, g;

		if (!rj_num(row, x_key, &x) || x <= 0 || !rj_num(row, "p99_cut_pct", &v))
			continue;
		px = sweep_x(x, xlo, xhi);
		py = sweep_y(v, lo, hi);
		format_ns(verify_num_or(json_object_get(row, "kernel"), "p99_ns"), k99, sizeof(k99));
		format_ns(verify_num_or(json_object_get(row, "bypass"), "p99_ns"), b99, sizeof(b99));
		fprintf(out, "<circle class=\"point\" data-x=\"%.0f\" data-cut=\"%.2f\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
			"fill=\"#0969da\"><title>%.0f %s: kernel P99 %s, bypass P99 %s", x, v, px, py, x,
			is(axis, "rate") ? "packets/s" : "bytes", k99, b99);
		if (rj_num(row, "p99_gain", &g))
			fprintf(out, ", gain %.2fx", g);
		fprintf(out, ", cut %.0f%%</title></circle><text class=\"tick\" x=\"%.1f\" y=\"%d\" font-size=\"9\" "
			"text-anchor=\"middle\" fill=\"#57606a\">%.0f</text>", v, px, SW_H - SW_B + 12, x);
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#57606a\">%s (log scale); P99 cut: 1 - bypass P99 / "
		"kernel P99</text><text x=\"%d\" y=\"14\" font-size=\"10\" fill=\"#57606a\">%s</text></svg>\n", SW_L,
		SW_H - 8, x_label, SW_L, software_only ? "software-only path: veth and net_af_packet, not a NIC" : "");
}

/* One table of the sweep: the figures of each point, CPU included. */
static void sweep_table(FILE *out, const json_t *rows, const char *x_key, const char *x_head)
{
	static const char *const pcts[][2] = { { "kernel", "cpu_pct" }, { "bypass", "cpu_pct" }, { "bypass", "busy_pct" } };
	const json_t *row;
	size_t i;
	double v;

	fprintf(out, "<div class=\"scroll\"><table class=\"sweep\"><thead><tr><th>%s</th><th>kernel P50</th>"
		"<th>kernel P99</th><th>kernel P99.9</th><th>bypass P50</th><th>bypass P99</th><th>bypass P99.9</th>"
		"<th>kernel dropped</th><th>bypass dropped</th><th>P99 gain</th><th>P99 cut</th><th>kernel CPU</th>"
		"<th>poller CPU</th><th>poller busy</th></tr></thead><tbody>\n", x_head);
	json_array_foreach(rows, i, row) {
		const json_t *k = json_object_get(row, "kernel"), *b = json_object_get(row, "bypass");

		fputs("<tr>", out);
		num_cell(out, row, x_key);
		ns_cell(out, k, "p50_ns");
		ns_cell(out, k, "p99_ns");
		ns_cell(out, k, "p999_ns");
		ns_cell(out, b, "p50_ns");
		ns_cell(out, b, "p99_ns");
		ns_cell(out, b, "p999_ns");
		num_cell(out, k, "dropped");
		num_cell(out, b, "dropped");
		if (rj_num(row, "p99_gain", &v))
			fprintf(out, "<td class=\"num\">%.2fx</td>", v);
		else
			fputs("<td class=\"num\">&mdash;</td>", out);
		if (rj_num(row, "p99_cut_pct", &v))
			fprintf(out, "<td class=\"num\">%.0f%%</td>", v);
		else
			fputs("<td class=\"num\">&mdash;</td>", out);
		for (size_t c = 0; c < sizeof(pcts) / sizeof(pcts[0]); c++) {
			if (rj_num(json_object_get(row, pcts[c][0]), pcts[c][1], &v))
				fprintf(out, "<td class=\"num\">%.1f%%</td>", v);
			else
				fputs("<td class=\"num\">&mdash;</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div>", out);
}

static void sweep_section(FILE *out, const json_t *s)
{
	const json_t *from = json_object_get(s, "pays_from_rate_pps");
	bool sw = json_is_true(json_object_get(s, "software_only"));
	/* Sizes are IP packet sizes since ip_bytes; an older document's are UDP payloads. */
	bool ip = json_is_integer(json_object_get(s, "by_rate_ip_bytes"));
	double gain = 1;
	char label[80];

	rj_num(s, "min_p99_gain", &gain);
	if (gain < 1)
		gain = 1;
	fputs("<h3>Does bypass pay here? Sweep by packet rate</h3><p>", out);
	if (json_is_integer(from))
		fprintf(out, "Bypass pays here from <b>%lld packets/s</b>: kernel P99 / bypass P99 &ge; %g there and at every "
			"higher rate measured.", (long long)json_integer_value(from), gain);
	else
		fprintf(out, "Bypass does not pay at any measured rate here: kernel P99 / bypass P99 stays below %g.", gain);
	if (sw)
		fputs(" <span class=\"mute\">Software-only path (veth and net_af_packet): it shows the method, not a "
		      "NIC's figures.</span>", out);
	fputs("</p>", out);
	if (ip)
		snprintf(label, sizeof(label), "packet rate, packets/s (%lld-byte IP packets)",
			 (long long)rj_int(s, "by_rate_ip_bytes", 0));
	else
		snprintf(label, sizeof(label), "packet rate, packets/s (%lld-byte payload)",
			 (long long)rj_int(s, "by_rate_payload_bytes", 0));
	svg_sweep(out, json_object_get(s, "by_rate"), "rate_pps", "rate", label, gain, sw);
	sweep_table(out, json_object_get(s, "by_rate"), "rate_pps", "packets/s");
	fputs(ip ? "<h3>Sweep by IP packet size</h3>" : "<h3>Sweep by payload size</h3>", out);
	snprintf(label, sizeof(label), "%s, bytes (at %lld packets/s)", ip ? "IP packet size" : "UDP payload",
		 (long long)rj_int(s, "by_size_rate_pps", 0));
	svg_sweep(out, json_object_get(s, "by_size"), ip ? "ip_bytes" : "payload_bytes", "size", label, gain, sw);
	sweep_table(out, json_object_get(s, "by_size"), ip ? "ip_bytes" : "payload_bytes", ip ? "IP bytes" : "bytes");
	fputs("<p class=\"mute\">CPU: share of one core over each pass: the kernel receiver's; the poller's (a busy poller "
	      "holds its core at any rate); the poller's busy share (loop iterations that received packets).</p>", out);
}

static void verify_section(FILE *out, const json_t *doc)
{
	const json_t *v = json_object_get(doc, "verify"), *s, *w, *cpu;
	const json_t *targets = json_object_get(v, "targets");
	size_t i, j;
	double d;

	fputs("<section id=\"verify\"><h2>Verify</h2>", out);
	if (!json_is_object(v)) {
		fputs("<p class=\"mute\">No verify result in this report (<code>tickready report --verify MODE</code> or "
		      "<code>--verify-from FILE</code> adds one).</p></section>\n", out);
		return;
	}
	fputs("<p>mode <b>", out);
	html_cell(out, rj_str(v, "mode"));
	fputs("</b>", out);
	if (rj_num(v, "duration_s", &d))
		fprintf(out, ", %.1f s", d);
	fputs(", from ", out);
	html_cell(out, rj_str(doc, "verify_source"));
	/* Nothing judged is no pass, whatever the document's own ready flag says (report_doc.c). */
	if (json_is_false(rj_get(doc, "summary", "verify", "judged", NULL))) {
		fputs(": <span class=\"badge v-not-ready\">NOT JUDGED</span> <span class=\"mute\">", out);
		html_esc(out, rj_str(v, "not_judged") ? rj_str(v, "not_judged") : "no target passed or failed");
		fputs("</span>", out);
	} else if (json_is_boolean(json_object_get(v, "ready")))
		fprintf(out, ": <span class=\"badge %s\">%s</span>", json_is_true(json_object_get(v, "ready")) ? "v-ready" : "v-not-ready",
			json_is_true(json_object_get(v, "ready")) ? "READY" : "NOT READY");
	if (json_is_false(json_object_get(v, "representative")))
		fputs(" <span class=\"mute\">(not representative)</span>", out);
	fputs("</p>", out);
	streams_table(out, v);
	targets_table(out, targets);
	if (json_is_object(json_object_get(v, "sweep")))
		sweep_section(out, json_object_get(v, "sweep"));
	json_array_foreach(json_object_get(v, "streams"), i, s) {
		if (json_is_false(json_object_get(s, "latency_measured")) || !json_array_size(json_object_get(s, "histogram")))
			continue;
		fputs("<h3>stream ", out);
		html_esc(out, rj_str(s, "name"));
		fputs("</h3>", out);
		svg_histogram(out, s, targets);
	}
	cores_table(out, v);
	json_array_foreach(json_object_get(v, "causes"), i, w) {
		fputs("<details class=\"folded causes\"><summary><h3>Causes, run ", out);
		html_cell(out, rj_str(w, "run"));
		fprintf(out, ": what interrupted the %zu measured core%s</h3></summary>", json_array_size(json_object_get(w, "cpus")),
			json_array_size(json_object_get(w, "cpus")) == 1 ? "" : "s");
		json_array_foreach(json_object_get(w, "cpus"), j, cpu)
			svg_causes(out, cpu);
		fputs("</details>", out);
	}
	if (json_array_size(json_object_get(v, "notes"))) {
		fputs("<h3>Notes</h3><ul>", out);
		json_array_foreach(json_object_get(v, "notes"), i, s) {
			fputs("<li>", out);
			html_esc(out, json_string_value(s));
			fputs("</li>", out);
		}
		fputs("</ul>", out);
	}
	fputs("</section>\n", out);
}

static void inventory_section(FILE *out, const json_t *doc)
{
	const json_t *h = rj_get(doc, "audit", "host", NULL), *n;
	size_t i;

	fputs("<section id=\"inventory\"><h2>Host</h2><div class=\"scroll\"><table><tbody><tr><th>kernel</th><td>", out);
	html_cell(out, rj_str(json_object_get(h, "kernel"), "release"));
	fputs("</td></tr><tr><th>command line</th><td><code>", out);
	html_cell(out, rj_str(json_object_get(h, "kernel"), "cmdline"));
	fputs("</code></td></tr><tr><th>cpus online</th><td>", out);
	html_cell(out, rj_str(json_object_get(h, "cpus"), "online"));
	fputs("</td></tr><tr><th>isolated</th><td>", out);
	html_cell(out, rj_str(json_object_get(h, "cpus"), "isolated"));
	fputs("</td></tr><tr><th>cpu model</th><td>", out);
	html_cell(out, rj_str(json_object_get(h, "cpus"), "model"));
	/* Older documents have no cloud object: the row is left out, not shown empty. */
	if (json_object_get(h, "cloud")) {
		const json_t *c = json_object_get(h, "cloud");

		fputs("</td></tr><tr><th>instance</th><td>", out);
		html_cell(out, rj_str(c, "provider") ? rj_str(c, "provider") : "no cloud");
		fputs(" ", out);
		html_cell(out, rj_str(c, "instance_type"));
		fputs(" (", out);
		html_cell(out, rj_str(c, "kind"));
		if (rj_str(c, "hypervisor")) {
			fputs(", hypervisor ", out);
			html_cell(out, rj_str(c, "hypervisor"));
		}
		fputs(")", out);
	}
	fprintf(out, "</td></tr><tr><th>NUMA nodes</th><td>%zu</td></tr></tbody></table></div>",
		json_array_size(json_object_get(h, "numa_nodes")));
	if (json_array_size(json_object_get(h, "nics"))) {
		fputs("<div class=\"scroll\"><table class=\"nics\"><thead><tr><th>NIC</th><th>PCI</th><th>driver</th><th>node</th>"
		      "<th>speed (Mb/s)</th><th>firmware</th></tr></thead><tbody>", out);
		json_array_foreach(json_object_get(h, "nics"), i, n) {
			fputs("<tr><td>", out);
			html_cell(out, rj_str(n, "name"));
			/* The cloud's role under the name: the instance NICs never to bind stand out. */
			if (rj_str(n, "cloud_role")) {
				fputs("<br><small>", out);
				html_cell(out, rj_str(n, "cloud_role"));
				fputs("</small>", out);
			}
			fputs("</td><td>", out);
			html_cell(out, rj_str(n, "pci"));
			fputs("</td><td>", out);
			html_cell(out, rj_str(n, "driver"));
			fputs("</td>", out);
			/* The kernel says -1 when the device has no NUMA affinity. */
			if (rj_int(n, "numa_node", -1) < 0)
				fputs("<td class=\"num\">none</td>", out);
			else
				num_cell(out, n, "numa_node");
			num_cell(out, n, "speed_mbps");
			fputs("<td>", out);
			html_cell(out, rj_str(n, "firmware"));
			fputs("</td></tr>", out);
		}
		fputs("</tbody></table></div>", out);
	}
	fputs("</section>\n", out);
}

/* The report's own rules: the contents line, folded parts, and a print of what needs action only. */
static const char report_css[] =
	"nav#toc{margin:.6em 0;font-size:.92em}nav#toc a{margin-right:.9em;white-space:nowrap}"
	"details.folded>summary{cursor:pointer}details.folded>summary>h2{display:inline-block;margin:.6em 0 .2em;border:0}"
	"details.folded>summary>h3{display:inline-block;margin:.4em 0}"
	"@media print{body{font-size:9px}nav#toc,#passed,#inventory,section.empty,footer{display:none}section{break-inside:auto}"
	"svg,h2,h3{break-inside:avoid}h2,h3{break-after:avoid}th,td{padding:2px 4px}pre{font-size:.85em}"
	"table.checks{table-layout:fixed}table.checks th:nth-child(1){width:7%}table.checks th:nth-child(2){width:15%}"
	"table.checks th:nth-child(3){width:27%}table.checks th:nth-child(4){width:16%}table.checks td:nth-child(2){min-width:0}"
	"svg.histogram{max-width:55%}@page{margin:10mm}"
	"details:not([open])>summary{list-style:none}}";

/* Links to each part, with the counts a reader decides by. */
static void toc(FILE *out, const json_t *doc)
{
	const json_t *sum = rj_get(doc, "summary", "checks", NULL);

	fprintf(out, "<nav id=\"toc\"><a href=\"#verify\">Verify</a><a href=\"#action\">Needs action (%ld fail, %ld warn)</a>"
		"<a href=\"#pending-reboot\">Pending reboot (%ld)</a><a href=\"#plan\">Plan</a><a href=\"#applied\">Applied</a>"
		"<a href=\"#passed\">Passed and skipped (%ld, %ld)</a><a href=\"#inventory\">Host</a></nav>\n",
		rj_int(sum, "fail", 0), rj_int(sum, "warn", 0), rj_int(sum, "pending_reboot", 0), rj_int(sum, "pass", 0),
		rj_int(sum, "skip", 0));
}

int rdoc_write_html(FILE *out, const json_t *doc, const struct out_opts *o)
{
	char title[160];

	(void)o;
	snprintf(title, sizeof(title), "tickready report: %s", rj_str(doc, "hostname") ? rj_str(doc, "hostname") : "?");
	html_begin(out, title, report_css);
	head_section(out, doc);
	toc(out, doc);
	verify_section(out, doc);
	action_section(out, rj_get(doc, "audit", "checks", NULL));
	pending_section(out, doc);
	plan_section(out, doc);
	status_section(out, doc);
	passed_section(out, doc);
	inventory_section(out, doc);
	fputs("<footer class=\"mute\"><p>", out);
	html_esc(out, rj_str(json_object_get(doc, "audit"), "schema"));
	fputs(" &middot; " REPORT_SCHEMA " &middot; generated by tickready</p></footer>\n", out);
	html_end(out, false, NULL);
	return ferror(out) ? -EIO : 0;
}
