/*
 * The HTML page of a tickready.report/1 document: verdict first, per-area tables, pending reboot
 * apart, the plan's commands and the undo command, verify drawn as inline SVG. Self-contained.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "check.h"
#include "html.h"
#include "report_doc.h"

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
	fputs("</code></p><ul>", out);
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

	fprintf(out, "<tr class=\"%s\" data-check=\"", html_verdict_class(v));
	html_esc(out, rj_str(c, "id"));
	fputs("\"><td>", out);
	badge(out, v);
	fputs("</td><td><code>", out);
	html_esc(out, rj_str(c, "id"));
	fputs("</code><br><span class=\"mute\">", out);
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

/* Per area in registry order, failures first; pending-reboot checks go to their own section. */
static void areas_section(FILE *out, const json_t *checks)
{
	static const char *const order[] = { "fail", "warn", "pass", "skip", NULL };
	const json_t *c;
	size_t i, j;

	json_array_foreach(checks, i, c) {
		const char *area = rj_str(c, "area");
		bool seen = false;

		if (!area)
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = is(rj_str(json_array_get(checks, j), "area"), area);
		if (seen)
			continue;
		fputs("<section class=\"area\" id=\"area-", out);
		html_esc(out, area);
		fputs("\" data-area=\"", out);
		html_esc(out, area);
		fputs("\"><h2>", out);
		html_esc(out, area);
		fputs("</h2>", out);
		fputs(checks_head, out);
		for (const char *const *o = order; *o; o++)
			for (j = i; j < json_array_size(checks); j++) {
				const json_t *d = json_array_get(checks, j);
				const char *v = rj_str(d, "verdict");

				/* Unknown verdicts sort with the skips rather than vanish. */
				if (is(rj_str(d, "area"), area) && !is(v, "pending-reboot") &&
				    (is(v, *o) || (!strcmp(*o, "skip") && !is(v, "fail") && !is(v, "warn") && !is(v, "pass"))))
					check_row(out, d, true);
			}
		fputs("</tbody></table></div></section>\n", out);
	}
}

static void pending_section(FILE *out, const json_t *doc)
{
	const json_t *checks = rj_get(doc, "audit", "checks", NULL), *pend = json_object_get(doc, "pending"), *c;
	size_t i, n = 0;

	fputs("<section id=\"pending-reboot\"><h2>Pending reboot</h2>", out);
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

	fputs("<section id=\"applied\"><h2>Applied by tickready</h2>", out);
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
		fputs("<p>What <code>tickready apply</code> would do, as shell commands (for reading: apply journals every "
		      "write so it can be undone):</p><pre id=\"plan-commands\">", out);
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
		fputs("</pre>", out);
		if (json_array_size(json_object_get(plan, "manual"))) {
			fputs("<h3>Manual (no tuner covers these)</h3><div class=\"scroll\"><table><thead><tr><th>check</th>"
			      "<th>observed</th><th>remedy</th></tr></thead><tbody>", out);
			json_array_foreach(json_object_get(plan, "manual"), i, c)
				html_row(out, 1, rj_str(c, "check"), rj_str(c, "observed"), rj_str(c, "remedy"), NULL);
			fputs("</tbody></table></div>", out);
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
#define SVG_H 240
#define PAD_L 48
#define PAD_B 46
#define PAD_T 26

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

static void svg_histogram(FILE *out, const json_t *stream, const json_t *targets)
{
	static const struct { const char *key, *label; } marks[] = {
		{ "p50_ns", "p50" }, { "p99_ns", "p99" }, { "p999_ns", "p99.9" }, { "p9999_ns", "p99.99" },
	};
	struct rdoc_bucket b[RDOC_BUCKETS];
	int n = rdoc_histogram(json_object_get(stream, "histogram"), b, RDOC_BUCKETS);
	const char *name = rj_str(stream, "name");
	double top = 0, bw, plot_h = SVG_H - PAD_B - PAD_T;
	const json_t *t;
	size_t i;
	char lab[32];
	int drawn = 0;

	if (n <= 0)
		return;
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
			"<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" fill=\"#57606a\">%.0e</text>",
			PAD_L, SVG_W - 10, y, y, PAD_L - 4, y + 3, d);
	}
	for (int k = 0; k < n; k++) {
		double h = b[k].count > 0 ? plot_h * log10(b[k].count + 1) / log10(top + 1) : 0;
		double x = PAD_L + bw * k;

		fprintf(out, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#54aeff\">"
			"<title>&lt;= %s: %.0f</title></rect>", x + 1, SVG_H - PAD_B - h, bw - 2, h,
			format_ns(b[k].upper_ns, lab, sizeof(lab)), b[k].count);
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" text-anchor=\"end\" fill=\"#57606a\" "
			"transform=\"rotate(-45 %.1f %d)\">%s</text>", x + bw, SVG_H - PAD_B + 12, x + bw, SVG_H - PAD_B + 12, lab);
	}
	for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
		double v, x;

		if (!rj_num(stream, marks[k].key, &v) || v <= 0)
			continue;
		x = bucket_x(b, n, v, bw);
		fprintf(out, "<line class=\"percentile\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#57606a\" "
			"stroke-dasharray=\"2 3\"/><text x=\"%.1f\" y=\"%d\" font-size=\"9\" fill=\"#57606a\" "
			"text-anchor=\"middle\">%s</text>", x, x, PAD_T, SVG_H - PAD_B, x, PAD_T - 14 + (int)(k % 2) * 8,
			marks[k].label);
	}
	/* Targets of this stream in ns ("loopback.p99_ns") as red lines. */
	json_array_foreach(targets, i, t) {
		const char *tn = rj_str(t, "name"), *unit = rj_str(t, "unit");
		size_t len = name ? strlen(name) : 0;
		double want, x;

		if (!tn || !name || strncmp(tn, name, len) || tn[len] != '.' || !is(unit, "ns") || !rj_num(t, "target", &want))
			continue;
		x = bucket_x(b, n, want, bw);
		fprintf(out, "<line class=\"target\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#cf222e\" "
			"stroke-width=\"2\"/><text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#cf222e\">", x, x, PAD_T - 4,
			SVG_H - PAD_B, x + 3, PAD_T + 10 + 12 * drawn++);
		html_esc(out, tn + len + 1);
		fprintf(out, " &lt;= %s</text>", format_ns(want, lab, sizeof(lab)));
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#57606a\">latency (bucket upper bound)</text></svg>\n",
		PAD_L, SVG_H - 4);
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
		fputs("</td><td><code>", out);
		html_esc(out, rj_str(t, "name"));
		fputs("</code></td><td class=\"num\">", out);
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
	if (json_is_boolean(json_object_get(v, "ready")))
		fprintf(out, ": <span class=\"badge %s\">%s</span>", json_is_true(json_object_get(v, "ready")) ? "v-ready" : "v-not-ready",
			json_is_true(json_object_get(v, "ready")) ? "READY" : "NOT READY");
	if (json_is_false(json_object_get(v, "representative")))
		fputs(" <span class=\"mute\">(not representative)</span>", out);
	fputs("</p>", out);
	streams_table(out, v);
	targets_table(out, targets);
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
		fputs("<h3>Causes, run ", out);
		html_cell(out, rj_str(w, "run"));
		fputs("</h3>", out);
		json_array_foreach(json_object_get(w, "cpus"), j, cpu)
			svg_causes(out, cpu);
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
	fprintf(out, "</td></tr><tr><th>NUMA nodes</th><td>%zu</td></tr></tbody></table></div>",
		json_array_size(json_object_get(h, "numa_nodes")));
	if (json_array_size(json_object_get(h, "nics"))) {
		fputs("<div class=\"scroll\"><table class=\"nics\"><thead><tr><th>NIC</th><th>PCI</th><th>driver</th><th>node</th>"
		      "<th>speed (Mb/s)</th><th>firmware</th></tr></thead><tbody>", out);
		json_array_foreach(json_object_get(h, "nics"), i, n) {
			fputs("<tr><td>", out);
			html_cell(out, rj_str(n, "name"));
			fputs("</td><td>", out);
			html_cell(out, rj_str(n, "pci"));
			fputs("</td><td>", out);
			html_cell(out, rj_str(n, "driver"));
			fputs("</td>", out);
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

int rdoc_write_html(FILE *out, const json_t *doc)
{
	char title[160];

	snprintf(title, sizeof(title), "tickready report: %s", rj_str(doc, "hostname") ? rj_str(doc, "hostname") : "?");
	html_begin(out, title);
	head_section(out, doc);
	pending_section(out, doc);
	areas_section(out, rj_get(doc, "audit", "checks", NULL));
	plan_section(out, doc);
	verify_section(out, doc);
	status_section(out, doc);
	inventory_section(out, doc);
	fputs("<footer class=\"mute\"><p>", out);
	html_esc(out, rj_str(json_object_get(doc, "audit"), "schema"));
	fputs(" &middot; " REPORT_SCHEMA " &middot; generated by tickready</p></footer>\n", out);
	html_end(out, false);
	return ferror(out) ? -EIO : 0;
}
