/* seq.h - counts unique, duplicated and reordered sequence numbers of one stamped stream (poller and verify's kernel receiver). */
#ifndef TR_SEQ_H
#define TR_SEQ_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/*
 * A window of the last SEQ_WINDOW sequence numbers as a bitmap tells a
 * duplicate from a late packet.  Anything older than the window is counted
 * as duplicated: it cannot be told apart, and counting it as new could make
 * received exceed sent.
 */
#define SEQ_WINDOW	65536u
#define SEQ_WORDS	(SEQ_WINDOW / 64)

struct seq_track {
	bool any;
	uint64_t first, hi;	/* lowest seen at start, highest seen */
	uint64_t unique, duplicated, reordered;
	uint64_t bits[SEQ_WORDS];
};

static inline void seq_reset(struct seq_track *t)
{
	memset(t, 0, sizeof(*t));
}

static inline bool seq_test_set(struct seq_track *t, uint64_t seq)
{
	uint64_t *w = &t->bits[(seq / 64) % SEQ_WORDS], m = 1ULL << (seq % 64);
	bool was = *w & m;

	*w |= m;
	return was;
}

static inline void seq_clear(struct seq_track *t, uint64_t seq)
{
	t->bits[(seq / 64) % SEQ_WORDS] &= ~(1ULL << (seq % 64));
}

/* Slow path: a jump forward, a late packet or a duplicate. */
static inline void seq_note_slow(struct seq_track *t, uint64_t seq)
{
	if (!t->any) {
		t->any = true;
		t->first = t->hi = seq;
		seq_test_set(t, seq);
		t->unique++;
		return;
	}
	if (seq > t->hi) {
		uint64_t s;

		if (seq - t->hi >= SEQ_WINDOW)
			memset(t->bits, 0, sizeof(t->bits));
		else
			for (s = t->hi + 1; s < seq; s++)
				seq_clear(t, s);
		t->hi = seq;
		seq_test_set(t, seq);
		t->unique++;
		return;
	}
	if (seq < t->first || t->hi - seq >= SEQ_WINDOW || seq_test_set(t, seq)) {
		t->duplicated++;
		return;
	}
	t->unique++;
	t->reordered++;
}

/* In order is one compare and one bit set. */
static inline void seq_note(struct seq_track *t, uint64_t seq)
{
	if (__builtin_expect(t->any && seq == t->hi + 1, 1)) {
		t->hi = seq;
		t->bits[(seq / 64) % SEQ_WORDS] |= 1ULL << (seq % 64);
		t->unique++;
		return;
	}
	seq_note_slow(t, seq);
}

/* Sequence numbers from the first to the highest seen: what a sender without a count sent at least. */
static inline uint64_t seq_span(const struct seq_track *t)
{
	return t->any ? t->hi - t->first + 1 : 0;
}

/* Sequence numbers inside the span never seen: the gaps a feed handler would report (tail losses are not in it). */
static inline uint64_t seq_missing(const struct seq_track *t)
{
	uint64_t span = seq_span(t);

	return span > t->unique ? span - t->unique : 0;
}

#endif
