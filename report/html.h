/* The HTML shared by the report, diff and fleet pages: escaping, one inline style sheet, sortable tables. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

/* Writes s with & < > " ' escaped; NULL writes nothing. Text from hosts always goes through this. */
void html_esc(FILE *out, const char *s);
/* s escaped, or an em dash when NULL or empty. */
void html_cell(FILE *out, const char *s);
/* One table row of escaped cells, NULL-terminated; the first ncode cells in <code>; empty ones show a dash. */
void html_row(FILE *out, int ncode, ...) __attribute__((sentinel));
/* Doctype, head (title escaped, viewport, inline CSS: no network, no font, printable; css, when not NULL, after the shared rules) and <body>. */
void html_begin(FILE *out, const char *title, const char *css);
/* Closes the page; sortable adds the inline script that sorts tables of class "sortable" by a clicked header, script (not NULL) its own. */
void html_end(FILE *out, bool sortable, const char *script);
/* The CSS class of a verdict word ("pass", "pending-reboot"...): "v-pass", "v-pending-reboot", "v-unknown". */
const char *html_verdict_class(const char *verdict);
