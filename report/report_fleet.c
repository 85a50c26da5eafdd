/*
 * The fleet summary: one row per host's report (verdict, failing checks, worst P99, drops, age), as JSON,
 * text and HTML; the page adds what fails on how many hosts, a check x host matrix and a filter.
 */
#include "report_fleet.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html.h"
#include "report_doc.h"
#include "texttable.h"
#include "util.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The worst P99 over the verify streams and their drops: absent, never zero, when verify gave none. */
static void verify_figures(const json_t *v, json_t *row)
{
	const json_t *s;
	double p99, d, worst = -1, drops = 0;
	bool any_drops = false;
	size_t i;

	json_array_foreach(json_object_get(v, "streams"), i, s) {
		if (!json_is_false(json_object_get(s, "latency_measured")) && rj_num(s, "p99_ns", &p99) && p99 > worst)
			worst = p99;
		if (rj_num(s, "dropped", &d)) {
			drops += d;
			any_drops = true;
		}
	}
	json_object_set_new(row, "p99_ns", worst >= 0 ? json_real(worst) : json_null());
	json_object_set_new(row, "drops", any_drops ? json_real(drops) : json_null());
}

static json_t *host_row(const json_t *doc, const char *file, const char *html, long stale_s, time_t now)
{
	json_t *failing = json_array(), *row;
	const json_t *c;
	long age = (long)now - rj_int(doc, "generated_unix", 0);
	size_t i;

	char name[160];

	json_array_foreach(rj_get(doc, "audit", "checks", NULL), i, c)
		if (rj_str(c, "verdict") && !strcmp(rj_str(c, "verdict"), "fail") && rj_check_name(c, name, sizeof(name)))
			json_array_append_new(failing, json_string(name));
	row = json_pack("{s:s, s:s, s:o, s:s, s:b, s:b, s:o, s:I, s:b, s:s?}", "hostname", rj_str(doc, "hostname"), "file",
			file, "html", html ? json_string(html) : json_null(), "verdict", rj_str(doc, "verdict"), "ready",
			json_is_true(json_object_get(doc, "ready")), "pending_reboot",
			json_is_true(json_object_get(doc, "pending_reboot")), "failing", failing, "age_s", (json_int_t)age,
			"stale", age > stale_s, "generated", rj_str(doc, "generated"));
	json_object_set_new(row, "profile", json_string(rj_str(rj_get(doc, "audit", "profile", NULL), "name") ?
							rj_str(rj_get(doc, "audit", "profile", NULL), "name") : "?"));
	verify_figures(json_object_get(doc, "verify"), row);
	return row;
}

static int list_dir(const char *dir, char ***names, size_t *n, char *err, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		int rc = -errno;

		snprintf(err, size, "cannot read fleet directory '%s': %s", dir, strerror(-rc));
		return rc;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (*n == cap)
			*names = xrealloc(*names, (cap = cap ? cap * 2 : 16) * sizeof(char *));
		(*names)[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(char *), by_name);
	return 0;
}

int fleet_load(const char *dir, long stale_s, time_t now, json_t **out, char *err, size_t size)
{
	json_t *hosts = json_array(), *fleet;
	long ready = 0, not_ready = 0, pending = 0, stale = 0;
	char **names, why[300];
	size_t n;
	int rc;

	*out = NULL;
	rc = list_dir(dir, &names, &n, err, size);
	if (rc < 0) {
		json_decref(hosts);
		return rc;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]), *html = NULL;
		const char *schema;
		struct stat st;
		json_t *doc;
		int lerr;

		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			snprintf(err, size, "'%s' in the fleet directory is %s", path,
				 errno == EACCES ? "unreadable" : "not a regular file");
			rc = -EINVAL;
		} else if (str_ends_with(names[i], ".html")) {
			/* A host's page: linked from its row. */
		} else if (!str_ends_with(names[i], ".json")) {
			snprintf(err, size, "'%s' is a foreign file in the fleet directory (only HOST.json reports and "
				 "HOST.html pages belong there)", path);
			rc = -EINVAL;
		} else if (!(doc = json_load_regular(path, JSON_REJECT_DUPLICATES, &(json_error_t){ 0 }, &lerr))) {
			snprintf(err, size, "'%s': %s", path, lerr == -EINVAL ? "not valid JSON (truncated?)" :
						     lerr == -EMEDIUMTYPE ? "not a regular file" : strerror(-lerr));
			rc = -EINVAL;
		} else if ((schema = rj_str(doc, "schema")) && !strcmp(schema, FLEET_SCHEMA)) {
			json_decref(doc);
		} else if (rdoc_validate(doc, why, sizeof(why)) < 0) {
			snprintf(err, size, "'%s': %s", path, why);
			json_decref(doc);
			rc = -EINVAL;
		} else {
			char *base = xasprintf("%.*s.html", (int)(strlen(names[i]) - 5), names[i]), *hp = xasprintf("%s/%s", dir, base);
			json_t *row;

			if (access(hp, R_OK) == 0)
				html = base;
			row = host_row(doc, names[i], html, stale_s, now);
			if (json_is_true(json_object_get(row, "stale")))
				stale++;
			if (!strcmp(rj_str(row, "verdict"), "ready"))
				ready++;
			else if (!strcmp(rj_str(row, "verdict"), "pending-reboot"))
				pending++;
			else
				not_ready++;
			json_array_append_new(hosts, row);
			free(base);
			free(hp);
			json_decref(doc);
		}
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc < 0) {
		json_decref(hosts);
		return rc;
	}
	if (!json_array_size(hosts)) {
		snprintf(err, size, "no report (*.json) in the fleet directory '%s'", dir);
		json_decref(hosts);
		return -ENOENT;
	}
	fleet = json_pack("{s:s, s:I, s:I, s:o, s:{s:I, s:I, s:I, s:I, s:I}}", "schema", FLEET_SCHEMA, "generated_unix",
			  (json_int_t)now, "stale_after_s", (json_int_t)stale_s, "hosts", hosts, "summary", "hosts",
			  (json_int_t)json_array_size(hosts), "ready", (json_int_t)ready, "not_ready", (json_int_t)not_ready,
			  "pending_reboot", (json_int_t)pending, "stale", (json_int_t)stale);
	*out = fleet;
	return 0;
}

static const char *age_text(long s, char *buf, size_t size)
{
	if (s < 3600)
		snprintf(buf, size, "%ld min", s / 60);
	else if (s < 172800)
		snprintf(buf, size, "%.1f h", s / 3600.0);
	else
		snprintf(buf, size, "%ld d", s / 86400);
	return buf;
}

/* A failing check and the hosts it fails on, for the table of what fails most. */
struct failing_check {
	const char *id;
	size_t nhosts;
};

static int by_hosts(const void *a, const void *b)
{
	const struct failing_check *x = a, *y = b;

	return x->nhosts != y->nhosts ? (x->nhosts < y->nhosts ? 1 : -1) : strcmp(x->id, y->id);
}

/* Every check failing on some host, most hosts first (ties by id). *n set; the ids point into fleet. */
static struct failing_check *failing_checks(const json_t *fleet, size_t *n)
{
	struct failing_check *v = NULL;
	const json_t *h, *f;
	size_t i, j, k;

	*n = 0;
	json_array_foreach(json_object_get(fleet, "hosts"), i, h)
		json_array_foreach(json_object_get(h, "failing"), j, f) {
			const char *id = json_string_value(f);

			for (k = 0; id && k < *n && strcmp(v[k].id, id); k++)
				;
			if (!id)
				continue;
			if (k == *n) {
				v = xrealloc(v, (*n + 1) * sizeof(*v));
				v[(*n)++] = (struct failing_check){ id, 0 };
			}
			v[k].nhosts++;
		}
	if (*n)
		qsort(v, *n, sizeof(*v), by_hosts);
	return v;
}

static bool fails_on(const json_t *host, const char *id)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(host, "failing"), i, f)
		if (json_string_value(f) && !strcmp(json_string_value(f), id))
			return true;
	return false;
}

#define TOP_SHOWN 10

/* What fails on how many hosts; each check filters the host table to its hosts. */
static void top_failing(FILE *out, const json_t *fleet, const struct failing_check *v, size_t n)
{
	size_t nhosts = json_array_size(json_object_get(fleet, "hosts"));

	fputs("<section id=\"top-failing\"><h2>Failing checks</h2>", out);
	if (!n) {
		fputs("<p class=\"mute\">No check fails on any host.</p></section>\n", out);
		return;
	}
	for (size_t k = 0; k < n; k++) {
		/* The first TOP_SHOWN rows open, the rest folded below them. */
		if (k == TOP_SHOWN)
			fprintf(out, "</tbody></table></div><details class=\"folded\"><summary>%zu more failing check%s</summary>",
				n - TOP_SHOWN, n - TOP_SHOWN == 1 ? "" : "s");
		if (k == 0 || k == TOP_SHOWN)
			fputs("<div class=\"scroll\"><table class=\"top-failing\"><thead><tr><th>check</th><th>hosts failing</th>"
			      "<th>share</th></tr></thead><tbody>\n", out);
		fputs("<tr data-check=\"", out);
		html_esc(out, v[k].id);
		fputs("\"><td><a href=\"#filter=", out);
		html_esc(out, v[k].id);
		fputs("\"><code>", out);
		html_esc(out, v[k].id);
		fprintf(out, "</code></a></td><td class=\"num\">%zu of %zu</td><td class=\"num\">%.0f%%</td></tr>\n", v[k].nhosts,
			nhosts, 100.0 * (double)v[k].nhosts / (double)(nhosts ? nhosts : 1));
	}
	fprintf(out, "</tbody></table></div>%s</section>\n", n > TOP_SHOWN ? "</details>" : "");
}

/* Check x host: which host fails which check, folded (it grows with the fleet). */
static void matrix(FILE *out, const json_t *fleet, const struct failing_check *v, size_t n)
{
	const json_t *h;
	size_t i;

	if (!n)
		return;
	fputs("<details id=\"matrix\" class=\"folded\"><summary>Check &times; host matrix</summary><div class=\"scroll\">"
	      "<table class=\"matrix\"><thead><tr><th>check</th>", out);
	json_array_foreach(json_object_get(fleet, "hosts"), i, h) {
		fputs("<th class=\"host\">", out);
		html_esc(out, rj_str(h, "hostname"));
		fputs("</th>", out);
	}
	fputs("</tr></thead><tbody>\n", out);
	for (size_t k = 0; k < n; k++) {
		fputs("<tr><td><code>", out);
		html_esc(out, v[k].id);
		fputs("</code></td>", out);
		json_array_foreach(json_object_get(fleet, "hosts"), i, h)
			fputs(fails_on(h, v[k].id) ? "<td class=\"v-fail\" title=\"fails\">&#10007;</td>" : "<td></td>", out);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div></details>\n", out);
}

/*
 * The host table's filter: a row stays when every word of the box is in its host, verdict, profile or
 * failing checks. "#filter=WORDS" in the address fills the box, so a check's link (and a bookmark) filters.
 */
static const char filter_script[] =
	"(function(){var box=document.getElementById('filter'),rows=document.querySelectorAll('table.fleet tbody tr'),"
	"count=document.getElementById('shown');function apply(){var words=box.value.toLowerCase().split(/\\s+/)"
	".filter(Boolean),n=0;rows.forEach(function(r){var t=r.dataset.filter,keep=words.every(function(w){"
	"return t.indexOf(w)>=0;});r.hidden=!keep;n+=keep;});count.textContent=n+' of '+rows.length+' hosts shown';}"
	"function fromHash(){var m=/^#filter=(.*)$/.exec(location.hash);if(m){box.value=decodeURIComponent(m[1]);apply();"
	"box.scrollIntoView();}}box.addEventListener('input',apply);window.addEventListener('hashchange',fromHash);"
	"apply();fromHash();})();";

static const char fleet_css[] =
	"table.top-failing{width:auto;min-width:50%}table.fleet td:first-child{white-space:nowrap}#filter-box{margin:.8em 0}#filter{font:inherit;padding:3px 6px;width:22em;max-width:100%}"
	"table.matrix td{text-align:center}table.matrix th.host{writing-mode:vertical-rl;white-space:nowrap}"
	"details.folded>summary{cursor:pointer;font-weight:600;margin:1em 0 .4em}"
	"@media print{#filter-box{display:none}}";

int fleet_write_html(FILE *out, const json_t *fleet, const struct out_opts *o)
{
	const json_t *sum = json_object_get(fleet, "summary"), *h, *f;
	struct failing_check *top;
	size_t i, j, ntop;
	char buf[32];

	(void)o;
	top = failing_checks(fleet, &ntop);
	html_begin(out, "tickready fleet", fleet_css);
	fprintf(out, "<header id=\"verdict\" class=\"verdict %s\"><h1>Fleet: %ld of %ld hosts ready</h1><p>%ld not ready, "
		"%ld pending reboot, %ld stale (older than %s)</p></header>\n",
		rj_int(sum, "not_ready", 0) ? "v-not-ready" : rj_int(sum, "pending_reboot", 0) ? "v-pending-reboot" : "v-ready",
		rj_int(sum, "ready", 0), rj_int(sum, "hosts", 0), rj_int(sum, "not_ready", 0), rj_int(sum, "pending_reboot", 0),
		rj_int(sum, "stale", 0), age_text(rj_int(fleet, "stale_after_s", 0), buf, sizeof(buf)));
	top_failing(out, fleet, top, ntop);
	fputs("<section id=\"hosts\"><h2>Hosts</h2><p id=\"filter-box\"><label>Filter <input id=\"filter\" type=\"search\" "
	      "placeholder=\"host, verdict, profile or check\" aria-controls=\"hosts\"></label> <span id=\"shown\" "
	      "class=\"mute\"></span></p><div class=\"scroll\"><table class=\"sortable fleet\"><thead><tr><th>host</th>"
	      "<th>verdict</th><th>failing checks</th><th>P99</th><th>drops</th><th>profile</th><th>age</th></tr></thead>"
	      "<tbody>\n", out);
	json_array_foreach(json_object_get(fleet, "hosts"), i, h) {
		double v;

		fprintf(out, "<tr class=\"%s%s\" data-filter=\"", html_verdict_class(rj_str(h, "verdict")),
			json_is_true(json_object_get(h, "stale")) ? " stale" : "");
		/* What the filter matches, lower case: host, verdict, stale, profile, the failing checks. */
		{
			char *text = xasprintf("%s %s%s %s", rj_str(h, "hostname"), rj_str(h, "verdict"),
					       json_is_true(json_object_get(h, "stale")) ? " stale" : "", rj_str(h, "profile"));

			for (char *c = text; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			html_esc(out, text);
			free(text);
		}
		json_array_foreach(json_object_get(h, "failing"), j, f) {
			fputc(' ', out);
			html_esc(out, json_string_value(f));
		}
		fputs("\"><td>", out);
		if (rj_str(h, "html")) {
			fputs("<a href=\"", out);
			html_esc(out, rj_str(h, "html"));
			fputs("\">", out);
			html_esc(out, rj_str(h, "hostname"));
			fputs("</a>", out);
		} else {
			html_esc(out, rj_str(h, "hostname"));
		}
		fputs(" <a class=\"json\" href=\"", out);
		html_esc(out, rj_str(h, "file"));
		fputs("\">JSON</a>", out);
		fprintf(out, "</td><td data-sort=\"%s\"><span class=\"badge %s\">", rj_str(h, "verdict"),
			html_verdict_class(rj_str(h, "verdict")));
		html_esc(out, rj_str(h, "verdict"));
		fputs("</span>", out);
		if (json_is_true(json_object_get(h, "stale")))
			fputs(" <span class=\"badge v-stale\">stale</span>", out);
		fprintf(out, "</td><td data-sort=\"%zu\">", json_array_size(json_object_get(h, "failing")));
		json_array_foreach(json_object_get(h, "failing"), j, f) {
			fputs(j ? ", <code>" : "<code>", out);
			html_esc(out, json_string_value(f));
			fputs("</code>", out);
		}
		fputs("</td>", out);
		if (rj_num(h, "p99_ns", &v))
			fprintf(out, "<td class=\"num\" data-sort=\"%.0f\">%s</td>", v, format_ns(v, buf, sizeof(buf)));
		else
			fputs("<td class=\"num\" data-sort=\"-1\">&mdash;</td>", out);
		if (rj_num(h, "drops", &v))
			fprintf(out, "<td class=\"num\">%.0f</td>", v);
		else
			fputs("<td class=\"num\" data-sort=\"-1\">&mdash;</td>", out);
		fputs("<td>", out);
		html_cell(out, rj_str(h, "profile"));
		fprintf(out, "</td><td class=\"num\" data-sort=\"%ld\">%s</td></tr>\n", rj_int(h, "age_s", 0),
			age_text(rj_int(h, "age_s", 0), buf, sizeof(buf)));
	}
	fputs("</tbody></table></div></section>\n", out);
	matrix(out, fleet, top, ntop);
	free(top);
	html_end(out, true, filter_script);
	return ferror(out) ? -EIO : 0;
}

int fleet_write_text(FILE *out, const json_t *fleet, const struct out_opts *o)
{
	/* A long host name widens its column (up to 64) rather than push the rest out of line. */
	static const struct tt_col cols[] = { { NULL, 24, 64 }, { NULL, 15, 15 }, { NULL, 12, 12 }, { NULL, 14, 14 }, { NULL, 0, 0 } };
	const json_t *sum = json_object_get(fleet, "summary"), *h;
	struct text_table t;
	size_t i;
	char buf[32], age[32];

	(void)o;
	fprintf(out, "tickready fleet: %ld hosts, %ld ready, %ld not ready, %ld pending reboot, %ld stale\n",
		rj_int(sum, "hosts", 0), rj_int(sum, "ready", 0), rj_int(sum, "not_ready", 0), rj_int(sum, "pending_reboot", 0),
		rj_int(sum, "stale", 0));
	tt_init(&t, cols, sizeof(cols) / sizeof(cols[0]));
	json_array_foreach(json_object_get(fleet, "hosts"), i, h) {
		char failing[32], p99[48], when[64];
		double v;

		snprintf(failing, sizeof(failing), "%3zu failing", json_array_size(json_object_get(h, "failing")));
		snprintf(p99, sizeof(p99), "P99 %s", rj_num(h, "p99_ns", &v) ? format_ns(v, buf, sizeof(buf)) : "-");
		snprintf(when, sizeof(when), "age %s%s", age_text(rj_int(h, "age_s", 0), age, sizeof(age)),
			 json_is_true(json_object_get(h, "stale")) ? " STALE" : "");
		tt_row(&t, (const char *[]){ rj_str(h, "hostname"), rj_str(h, "verdict"), failing, p99, when });
	}
	tt_print(&t, out, "  ");
	tt_free(&t);
	return ferror(out) ? -EIO : 0;
}
