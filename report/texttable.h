/*
 * Text tables whose columns fit their values: a column widens from its minimum to its maximum to
 * hold the widest value, and a value wider still wraps onto continuation lines inside its column
 * (after a space, comma or slash when one is near the end), so no value pushes the next column out of line.
 */
#pragma once
#include <stddef.h>
#include <stdio.h>

#define TT_MAX_COLS 8

struct tt_col {
	const char *head;	/* NULL: the table has no header line */
	size_t min, max;	/* width in characters; the last column is never padded, max 0: never wrapped */
};

struct text_table {
	const struct tt_col *cols;
	size_t ncols, nrows;
	char **cells;		/* nrows * ncols copies */
};

void tt_init(struct text_table *t, const struct tt_col *cols, size_t ncols);
/* One row of ncols cells; NULL cells print as "-". */
void tt_row(struct text_table *t, const char *const *cells);
/* Each line starts with indent; a header line first when the columns have heads. */
void tt_print(const struct text_table *t, FILE *out, const char *indent);
void tt_free(struct text_table *t);
