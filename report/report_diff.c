/* Two readiness reports compared (tickready.diff/1): findings, inventory and verify figures that differ. */
#include "report_diff.h"

#include <errno.h>
#include <string.h>

#include "html.h"
#include "report_doc.h"
#include "util.h"

static json_t *side(const json_t *doc, const char *source)
{
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?}", "source", source, "hostname", rj_str(doc, "hostname"),
			 "generated", rj_str(doc, "generated"), "root", rj_str(doc, "root"), "verdict",
			 rj_str(doc, "verdict"), "profile", rj_str(rj_get(doc, "audit", "profile", NULL), "name"));
}

static const json_t *find_by(const json_t *arr, const char *key, const char *value)
{
	const json_t *x;
	size_t i;

	json_array_foreach(arr, i, x)
		if (rj_str(x, key) && !strcmp(rj_str(x, key), value))
			return x;
	return NULL;
}

/* The check of that name ("nic.chain", "nic.chain[feed]") in an audit's checks. */
static const json_t *find_check(const json_t *arr, const char *name)
{
	const json_t *x;
	char buf[160];
	size_t i;

	json_array_foreach(arr, i, x)
		if (rj_check_name(x, buf, sizeof(buf)) && !strcmp(buf, name))
			return x;
	return NULL;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static json_t *finding_side(const json_t *c)
{
	return c ? json_pack("{s:s?, s:s?}", "verdict", rj_str(c, "verdict"), "observed", rj_str(c, "observed"))
		 : json_null();
}

static void diff_findings(const json_t *a, const json_t *b, json_t *out)
{
	const json_t *ca = rj_get(a, "audit", "checks", NULL), *cb = rj_get(b, "audit", "checks", NULL), *c;
	size_t i;

	/* A's order, then the checks only B has; a [nic.ROLE]'s finding is its own check ("nic.chain[feed]"). */
	for (int pass = 0; pass < 2; pass++)
		json_array_foreach(pass ? cb : ca, i, c) {
			char idbuf[160];
			const char *id = rj_check_name(c, idbuf, sizeof(idbuf));
			const json_t *x = pass ? NULL : c, *y = pass ? c : NULL;

			if (!id)
				continue;
			if (pass && find_check(ca, id))
				continue;
			if (!pass)
				y = find_check(cb, id);
			if (x && y && same_str(rj_str(x, "verdict"), rj_str(y, "verdict")) &&
			    same_str(rj_str(x, "observed"), rj_str(y, "observed")))
				continue;
			json_array_append_new(out, json_pack("{s:s, s:s?, s:b, s:o, s:o}", "id", id, "area", rj_str(c, "area"),
							     "verdict_changed", !x || !y ||
							     !same_str(rj_str(x, "verdict"), rj_str(y, "verdict")),
							     "a", finding_side(x), "b", finding_side(y)));
		}
}

/* The inventory as dotted leaves: "nics[0000:3b:00.0].driver" = "ice"; lists of scalars joined. */
static void flatten(const char *prefix, const json_t *v, json_t *out)
{
	const char *k;
	const json_t *x;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x) {
			char *p = *prefix ? xasprintf("%s.%s", prefix, k) : xstrdup(k);

			flatten(p, x, out);
			free(p);
		}
	} else if (json_is_array(v) && json_array_size(v) && !json_is_object(json_array_get(v, 0))) {
		struct strbuf sb = { 0 };

		json_array_foreach(v, i, x) {
			char *s = json_dumps(x, JSON_ENCODE_ANY);

			strbuf_addf(&sb, "%s%s", i ? "," : "", json_is_string(x) ? json_string_value(x) : s);
			free(s);
		}
		json_object_set_new(out, prefix, json_string(sb.s ? sb.s : ""));
		strbuf_free(&sb);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			const char *key = rj_str(x, "pci") ? rj_str(x, "pci") : rj_str(x, "name") ? rj_str(x, "name") : NULL;
			char *p = key ? xasprintf("%s[%s]", prefix, key)
				      : json_is_integer(json_object_get(x, "id"))
					? xasprintf("%s[%lld]", prefix, (long long)json_integer_value(json_object_get(x, "id")))
					: xasprintf("%s[%zu]", prefix, i);

			flatten(p, x, out);
			free(p);
		}
	} else if (json_is_string(v)) {
		json_object_set_new(out, prefix, json_string(json_string_value(v)));
	} else if (!json_is_null(v)) {
		char *s = json_dumps(v, JSON_ENCODE_ANY);

		json_object_set_new(out, prefix, json_string(s));
		free(s);
	}
}

static void diff_inventory(const json_t *a, const json_t *b, json_t *out)
{
	json_t *fa = json_object(), *fb = json_object();
	const char *k;
	json_t *v;

	flatten("", rj_get(a, "audit", "host", NULL), fa);
	flatten("", rj_get(b, "audit", "host", NULL), fb);
	json_object_foreach(fa, k, v)
		if (!same_str(json_string_value(v), rj_str(fb, k)))
			json_array_append_new(out, json_pack("{s:s, s:O, s:o}", "key", k, "a", v, "b",
							     json_object_get(fb, k) ? json_incref(json_object_get(fb, k)) : json_null()));
	json_object_foreach(fb, k, v)
		if (!json_object_get(fa, k))
			json_array_append_new(out, json_pack("{s:s, s:n, s:O}", "key", k, "a", "b", v));
	json_decref(fa);
	json_decref(fb);
}

static void diff_verify(const json_t *a, const json_t *b, json_t *out)
{
	static const char *const figures[] = { "sent", "received", "dropped", "duplicated", "p50_ns", "p90_ns", "p99_ns",
					       "p999_ns", "p9999_ns", "max_ns", "mean_ns", "stdev_ns", "mpps" };
	const json_t *sa = rj_get(a, "verify", "streams", NULL), *sb = rj_get(b, "verify", "streams", NULL), *s;
	size_t i;

	json_array_foreach(sa, i, s) {
		const char *name = rj_str(s, "name");
		const json_t *t = name ? find_by(sb, "name", name) : NULL;

		if (!t)
			continue;
		for (size_t k = 0; k < sizeof(figures) / sizeof(figures[0]); k++) {
			double x, y;
			bool hx = rj_num(s, figures[k], &x), hy = rj_num(t, figures[k], &y);

			/* A figure one side lacks is shown as absent, never as 0. */
			if (!hx && !hy)
				continue;
			json_array_append_new(out, json_pack("{s:s, s:s, s:o, s:o, s:o}", "stream", name, "figure", figures[k],
							     "a", hx ? json_real(x) : json_null(), "b", hy ? json_real(y) : json_null(),
							     "ratio", hx && hy && x > 0 ? json_real(y / x) : json_null()));
		}
	}
}

json_t *rdoc_diff(const json_t *a, const json_t *b, const char *src_a, const char *src_b)
{
	json_t *findings = json_array(), *inv = json_array(), *ver = json_array();
	size_t changed = 0, i;
	const json_t *f;

	diff_findings(a, b, findings);
	diff_inventory(a, b, inv);
	diff_verify(a, b, ver);
	json_array_foreach(findings, i, f)
		changed += json_is_true(json_object_get(f, "verdict_changed"));
	return json_pack("{s:s, s:o, s:o, s:b, s:o, s:o, s:o, s:{s:I, s:I, s:I}}", "schema", DIFF_SCHEMA, "a",
			 side(a, src_a), "b", side(b, src_b), "same",
			 !json_array_size(findings) && !json_array_size(inv) && same_str(rj_str(a, "verdict"), rj_str(b, "verdict")),
			 "findings", findings, "inventory", inv, "verify", ver, "summary", "verdicts_changed",
			 (json_int_t)changed, "findings_differing", (json_int_t)json_array_size(findings),
			 "inventory_differing", (json_int_t)json_array_size(inv));
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

int diff_write_text(FILE *out, const json_t *d, const struct out_opts *o)
{
	const json_t *a = json_object_get(d, "a"), *b = json_object_get(d, "b"), *x;
	size_t i;

	(void)o;
	fprintf(out, "tickready diff: A %s (%s, %s) against B %s (%s, %s)\n", or_dash(rj_str(a, "hostname")),
		or_dash(rj_str(a, "source")), or_dash(rj_str(a, "verdict")), or_dash(rj_str(b, "hostname")),
		or_dash(rj_str(b, "source")), or_dash(rj_str(b, "verdict")));
	if (json_is_true(json_object_get(d, "same")))
		fputs("no difference in findings or inventory\n", out);
	if (json_array_size(json_object_get(d, "findings")))
		fputs("findings:\n", out);
	json_array_foreach(json_object_get(d, "findings"), i, x) {
		const json_t *fa = json_object_get(x, "a"), *fb = json_object_get(x, "b");

		fprintf(out, "  %-26s %-15s -> %s\n", rj_str(x, "id"), or_dash(rj_str(fa, "verdict")),
			or_dash(rj_str(fb, "verdict")));
		fprintf(out, "    A: %s\n    B: %s\n", or_dash(rj_str(fa, "observed")), or_dash(rj_str(fb, "observed")));
	}
	if (json_array_size(json_object_get(d, "inventory")))
		fputs("inventory:\n", out);
	json_array_foreach(json_object_get(d, "inventory"), i, x)
		fprintf(out, "  %-40s A: %s\n  %-40s B: %s\n", rj_str(x, "key"), or_dash(rj_str(x, "a")), "",
			or_dash(rj_str(x, "b")));
	if (json_array_size(json_object_get(d, "verify")))
		fprintf(out, "verify:\n  %-12s %-10s %14s %14s %8s\n", "stream", "figure", "A", "B", "B/A");
	json_array_foreach(json_object_get(d, "verify"), i, x) {
		double va, vb, r;
		char sa[32] = "-", sb[32] = "-", sr[16] = "-";

		if (rj_num(x, "a", &va))
			snprintf(sa, sizeof(sa), "%.6g", va);
		if (rj_num(x, "b", &vb))
			snprintf(sb, sizeof(sb), "%.6g", vb);
		if (rj_num(x, "ratio", &r))
			snprintf(sr, sizeof(sr), "%.2f", r);
		fprintf(out, "  %-12s %-10s %14s %14s %8s\n", rj_str(x, "stream"), rj_str(x, "figure"), sa, sb, sr);
	}
	return ferror(out) ? -EIO : 0;
}

static void side_cell(FILE *out, const json_t *s)
{
	fputs("<td>", out);
	html_cell(out, rj_str(s, "hostname"));
	fputs("<br><span class=\"mute\">", out);
	html_esc(out, rj_str(s, "source"));
	fputs(" &middot; ", out);
	html_esc(out, rj_str(s, "generated"));
	fprintf(out, "</span></td><td><span class=\"badge %s\">", html_verdict_class(rj_str(s, "verdict")));
	html_cell(out, rj_str(s, "verdict"));
	fputs("</span></td>", out);
}

int diff_write_html(FILE *out, const json_t *d, const struct out_opts *o)
{
	const json_t *x;
	size_t i;

	(void)o;
	html_begin(out, "tickready diff", NULL);
	fprintf(out, "<header id=\"verdict\" class=\"verdict %s\"><h1>%s</h1><p>%ld verdicts changed, %ld findings and "
		"%ld inventory entries differ</p></header>\n",
		json_is_true(json_object_get(d, "same")) ? "v-ready" : "v-pending-reboot",
		json_is_true(json_object_get(d, "same")) ? "No difference" : "Hosts differ",
		rj_int(json_object_get(d, "summary"), "verdicts_changed", 0),
		rj_int(json_object_get(d, "summary"), "findings_differing", 0),
		rj_int(json_object_get(d, "summary"), "inventory_differing", 0));
	fputs("<section id=\"sides\"><div class=\"scroll\"><table><thead><tr><th></th><th>host</th><th>verdict</th></tr></thead>"
	      "<tbody><tr><th>A</th>", out);
	side_cell(out, json_object_get(d, "a"));
	fputs("</tr><tr><th>B</th>", out);
	side_cell(out, json_object_get(d, "b"));
	fputs("</tr></tbody></table></div></section>\n<section id=\"findings\"><h2>Findings</h2><div class=\"scroll\">"
	      "<table class=\"sortable\"><thead><tr><th>check</th><th>A</th><th>B</th><th>A observed</th><th>B observed</th>"
	      "</tr></thead><tbody>\n", out);
	json_array_foreach(json_object_get(d, "findings"), i, x) {
		const json_t *fa = json_object_get(x, "a"), *fb = json_object_get(x, "b");

		fputs("<tr><td><code>", out);
		html_esc(out, rj_str(x, "id"));
		fprintf(out, "</code></td><td><span class=\"badge %s\">", html_verdict_class(rj_str(fa, "verdict")));
		html_cell(out, rj_str(fa, "verdict"));
		fprintf(out, "</span></td><td><span class=\"badge %s\">", html_verdict_class(rj_str(fb, "verdict")));
		html_cell(out, rj_str(fb, "verdict"));
		fputs("</span></td><td>", out);
		html_cell(out, rj_str(fa, "observed"));
		fputs("</td><td>", out);
		html_cell(out, rj_str(fb, "observed"));
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div></section>\n<section id=\"inventory\"><h2>Inventory</h2><div class=\"scroll\">"
	      "<table class=\"sortable\"><thead><tr><th>key</th><th>A</th><th>B</th></tr></thead><tbody>\n", out);
	json_array_foreach(json_object_get(d, "inventory"), i, x)
		html_row(out, 1, rj_str(x, "key"), rj_str(x, "a"), rj_str(x, "b"), NULL);
	fputs("</tbody></table></div></section>\n<section id=\"verify\"><h2>Verify</h2><div class=\"scroll\"><table>"
	      "<thead><tr><th>stream</th><th>figure</th><th>A</th><th>B</th><th>B / A</th></tr></thead><tbody>\n", out);
	json_array_foreach(json_object_get(d, "verify"), i, x) {
		double v;

		fputs("<tr><td>", out);
		html_esc(out, rj_str(x, "stream"));
		fputs("</td><td>", out);
		html_esc(out, rj_str(x, "figure"));
		fputs("</td>", out);
		for (int k = 0; k < 3; k++) {
			if (rj_num(x, k == 0 ? "a" : k == 1 ? "b" : "ratio", &v))
				fprintf(out, k == 2 ? "<td class=\"num\">%.2f</td>" : "<td class=\"num\">%.6g</td>", v);
			else
				fputs("<td class=\"num\">&mdash;</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div></section>\n", out);
	html_end(out, true, NULL);
	return ferror(out) ? -EIO : 0;
}
