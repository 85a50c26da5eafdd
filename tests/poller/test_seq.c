/* test_seq.c - cmocka tests of the sequence tracker: in order, gaps, late packets, duplicates, jumps past the window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "seq.h"

static struct seq_track *fresh(void)
{
	struct seq_track *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	seq_reset(t);
	return t;
}

static void test_in_order(void **state)
{
	struct seq_track *t = fresh();

	(void)state;
	assert_int_equal(seq_span(t), 0);
	for (uint64_t s = 0; s < 200000; s++)
		seq_note(t, s);
	assert_int_equal(t->unique, 200000);
	assert_int_equal(t->duplicated + t->reordered, 0);
	assert_int_equal(seq_span(t), 200000);
	free(t);
}

/* 0..9 with 5 missing, then 5 late, then 3 and 5 again. */
static void test_gap_late_duplicate(void **state)
{
	struct seq_track *t = fresh();
	const uint64_t order[] = { 0, 1, 2, 3, 4, 6, 7, 8, 9, 5, 3, 5 };

	(void)state;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		seq_note(t, order[i]);
	assert_int_equal(t->unique, 10);
	assert_int_equal(t->reordered, 1);
	assert_int_equal(t->duplicated, 2);
	assert_int_equal(seq_span(t), 10);
	/* The invariant verify checks: received <= span + duplicated. */
	assert_true(t->unique + t->duplicated <= seq_span(t) + t->duplicated);
	free(t);
}

/* A jump longer than the window clears it: old numbers neither count as new nor wrap around. */
/* Per feed: gaps are the holes inside the span; a late packet fills one and counts as reordered. */
static void test_feed_gaps(void **state)
{
	static struct seq_track a, b;
	uint64_t sa[] = { 0, 1, 2, 5, 6, 3, 9 }, sb[] = { 4, 5, 5, 6 };

	(void)state;
	seq_reset(&a);
	seq_reset(&b);
	for (size_t i = 0; i < sizeof(sa) / sizeof(sa[0]); i++)
		seq_note(&a, sa[i]);
	for (size_t i = 0; i < sizeof(sb) / sizeof(sb[0]); i++)
		seq_note(&b, sb[i]);
	assert_int_equal(seq_missing(&a), 3);	/* 4, 7, 8 */
	assert_int_equal(a.reordered, 1);	/* 3 */
	assert_int_equal(a.unique, 7);
	assert_int_equal(seq_missing(&b), 0);	/* starts late at 4: no hole inside */
	assert_int_equal(b.duplicated, 1);
	seq_reset(&b);
	assert_int_equal(seq_missing(&b), 0);
}

static void test_jump_past_window(void **state)
{
	struct seq_track *t = fresh();

	(void)state;
	seq_note(t, 7);
	seq_note(t, 7 + SEQ_WINDOW);		/* same bit position */
	assert_int_equal(t->unique, 2);
	seq_note(t, 7 + 2 * SEQ_WINDOW + 3);
	assert_int_equal(t->unique, 3);
	seq_note(t, 8);				/* older than the window: cannot tell, counted duplicated */
	assert_int_equal(t->duplicated, 1);
	seq_note(t, 2);				/* before the first: duplicated too */
	assert_int_equal(t->duplicated, 2);
	/* A short jump clears the skipped slots, so a late one in between counts once. */
	seq_note(t, 7 + 2 * SEQ_WINDOW + 10);
	seq_note(t, 7 + 2 * SEQ_WINDOW + 6);
	seq_note(t, 7 + 2 * SEQ_WINDOW + 6);
	assert_int_equal(t->unique, 5);
	assert_int_equal(t->reordered, 1);
	assert_int_equal(t->duplicated, 3);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_gap_late_duplicate),
		cmocka_unit_test(test_jump_past_window),
		cmocka_unit_test(test_feed_gaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
