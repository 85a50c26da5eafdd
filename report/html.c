/* The HTML shared by the report, diff and fleet pages: escaping, one inline style sheet, sortable tables. */
#include "html.h"

#include <stdarg.h>
#include <string.h>

void html_esc(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			/* Control bytes from a host file would be invalid in HTML text. */
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fputc('?', out);
			else
				fputc(*s, out);
		}
	}
}

void html_cell(FILE *out, const char *s)
{
	if (s && *s)
		html_esc(out, s);
	else
		fputs("&mdash;", out);
}

void html_row(FILE *out, int ncode, ...)
{
	const char *cell;
	va_list ap;

	va_start(ap, ncode);
	fputs("<tr>", out);
	for (int i = 0; (cell = va_arg(ap, const char *)); i++) {
		fputs(i < ncode ? "<td><code>" : "<td>", out);
		html_cell(out, cell);
		fputs(i < ncode ? "</code></td>" : "</td>", out);
	}
	fputs("</tr>\n", out);
	va_end(ap);
}

static const char style[] =
	":root{--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--skip:#6e7781;--pend:#0969da;--bg:#fff;--fg:#1f2328;--mute:#f6f8fa;--line:#d0d7de}"
	"*{box-sizing:border-box}body{margin:0 auto;max-width:1100px;padding:12px;font:15px/1.45 system-ui,-apple-system,"
	"'Segoe UI',sans-serif;color:var(--fg);background:var(--bg)}h1{font-size:1.7em;margin:0}h2{font-size:1.25em;"
	"margin:1.4em 0 .4em;border-bottom:1px solid var(--line)}h3{font-size:1.05em;margin:1em 0 .3em}"
	".verdict{padding:14px 16px;border-radius:8px;color:#fff}.verdict p,.verdict ul{margin:.3em 0 0}"
	".verdict.v-ready{background:var(--pass)}.verdict.v-not-ready{background:var(--fail)}"
	".verdict.v-pending-reboot{background:var(--pend)}.scroll{overflow-x:auto}"
	"table{border-collapse:collapse;width:100%;margin:.3em 0;font-size:.92em}th,td{border:1px solid var(--line);"
	"padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}th{background:var(--mute);white-space:nowrap}table.checks td:nth-child(2){min-width:11em}"
	"td.num{text-align:right;white-space:nowrap}.badge{display:inline-block;padding:0 6px;border-radius:10px;"
	"color:#fff;font-size:.85em;white-space:nowrap}.v-pass .badge,.badge.v-pass{background:var(--pass)}"
	".v-warn .badge,.badge.v-warn{background:var(--warn)}.v-fail .badge,.badge.v-fail,.badge.v-not-ready{background:var(--fail)}"
	".v-skip .badge,.badge.v-skip,.badge.v-unsupported,.badge.v-unknown{background:var(--skip)}"
	".v-pending-reboot .badge,.badge.v-pending-reboot{background:var(--pend)}.badge.v-ready{background:var(--pass)}"
	".badge.v-stale{background:#8250df}pre{background:var(--mute);padding:8px;overflow-x:auto;white-space:pre-wrap;"
	"overflow-wrap:anywhere;font-size:.88em}code{font-size:.9em}svg{max-width:100%;height:auto;display:block}"
	".mute{color:var(--skip)}th.sortable-key{cursor:pointer}th.sortable-key:after{content:' \\2195';color:var(--skip)}"
	"@media (max-width:600px){body{font-size:14px;padding:6px}th,td{padding:3px 4px}}"
	"@media print{body{max-width:none}.verdict{color:#000;border:3px solid #000}.badge{color:#000;border:1px solid #000}"
	"a{color:#000;text-decoration:none}section{break-inside:avoid-page}}";

void html_begin(FILE *out, const char *title, const char *css)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
	      "script-src 'unsafe-inline'; img-src data:\"><title>", out);
	html_esc(out, title);
	fprintf(out, "</title><style>%s%s</style></head>\n<body>\n", style, css ? css : "");
}

/* Sorts by the clicked column: numbers (data-sort or text) numerically, the rest as text. */
static const char sort_script[] =
	"<script>document.querySelectorAll('table.sortable').forEach(function(t){t.querySelectorAll('th').forEach("
	"function(th,i){th.classList.add('sortable-key');th.addEventListener('click',function(){var b=t.tBodies[0],"
	"r=Array.prototype.slice.call(b.rows),up=th.dataset.dir!=='up';th.dataset.dir=up?'up':'down';"
	"function k(x){var c=x.cells[i],s=c.dataset.sort!==undefined?c.dataset.sort:c.textContent,n=parseFloat(s);"
	"return isNaN(n)?s:n;}r.sort(function(x,y){var a=k(x),c=k(y);if(typeof a!==typeof c){a=String(a);c=String(c);}"
	"return (a<c?-1:a>c?1:0)*(up?1:-1);});r.forEach(function(x){b.appendChild(x);});});});});</script>\n";

void html_end(FILE *out, bool sortable, const char *script)
{
	if (sortable)
		fputs(sort_script, out);
	if (script)
		fprintf(out, "<script>%s</script>\n", script);
	fputs("</body></html>\n", out);
}

const char *html_verdict_class(const char *v)
{
	static const char *const known[] = { "pass", "warn", "fail", "skip", "pending-reboot", "ready", "not-ready",
					     "unsupported", "stale" };
	static const char *const cls[] = { "v-pass", "v-warn", "v-fail", "v-skip", "v-pending-reboot", "v-ready",
					   "v-not-ready", "v-unsupported", "v-stale" };

	for (size_t i = 0; v && i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(v, known[i]))
			return cls[i];
	return "v-unknown";
}
