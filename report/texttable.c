/* Text tables: columns fitted to their values, wider values wrapped inside their column. */
#include "texttable.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void tt_init(struct text_table *t, const struct tt_col *cols, size_t ncols)
{
	t->cols = cols;
	t->ncols = ncols < TT_MAX_COLS ? ncols : TT_MAX_COLS;
	t->nrows = 0;
	t->cells = NULL;
}

void tt_row(struct text_table *t, const char *const *cells)
{
	t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = xstrdup(cells[c] ? cells[c] : "-");
	t->nrows++;
}

/* The column's width: its head and widest value, between min and max. */
static size_t col_width(const struct text_table *t, size_t c)
{
	const struct tt_col *col = &t->cols[c];
	size_t w = col->head ? strlen(col->head) : 0;

	for (size_t r = 0; r < t->nrows; r++) {
		size_t len = strlen(t->cells[r * t->ncols + c]);

		w = len > w ? len : w;
	}
	w = w < col->min ? col->min : w;
	return col->max && w > col->max ? col->max : w;
}

/* The length of the next line of s in width w: all of it, or up to the last break after a space, comma or slash past a quarter of w. */
static size_t chunk(const char *s, size_t w)
{
	size_t len = strlen(s);

	if (!w || len <= w)
		return len;
	for (size_t i = w; i > w / 4; i--)
		if (s[i - 1] == ' ' || s[i - 1] == ',' || s[i - 1] == '/')
			return i;
	return w;
}

static void print_row(const struct text_table *t, FILE *out, const char *indent, const char *const *cells,
		      const size_t *width)
{
	const char *rest[TT_MAX_COLS];
	bool more = true;

	for (size_t c = 0; c < t->ncols; c++)
		rest[c] = cells[c];
	while (more) {
		size_t pad = 0;

		more = false;
		fputs(indent, out);
		for (size_t c = 0; c < t->ncols; c++) {
			bool last = c + 1 == t->ncols;
			size_t n = chunk(rest[c], last ? t->cols[c].max : width[c]);

			/* Padding is written only before a cell that has text, so no line ends in blanks. */
			if (n) {
				fprintf(out, "%*s%.*s", (int)pad, "", (int)n, rest[c]);
				pad = 0;
			}
			if (!last)
				pad += width[c] - n + 1;
			rest[c] += n;
			/* A continuation line does not start with the blank the value broke at. */
			while (n && *rest[c] == ' ')
				rest[c]++;
			more |= *rest[c] != '\0';
		}
		fputc('\n', out);
	}
}

void tt_print(const struct text_table *t, FILE *out, const char *indent)
{
	size_t width[TT_MAX_COLS];
	const char *heads[TT_MAX_COLS];

	for (size_t c = 0; c < t->ncols; c++) {
		width[c] = col_width(t, c);
		heads[c] = t->cols[c].head ? t->cols[c].head : "";
	}
	if (t->ncols && t->cols[0].head)
		print_row(t, out, indent, heads, width);
	for (size_t r = 0; r < t->nrows; r++)
		print_row(t, out, indent, (const char *const *)&t->cells[r * t->ncols], width);
}

void tt_free(struct text_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}
