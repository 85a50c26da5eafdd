/* The change kinds as one table: how each is carried out, undone from its journal record, and judged by status. */
#pragma once
#include <stdbool.h>

#include "journal.h"
#include "plan.h"

/* One change being carried out: its W record once journaled. */
struct exec_ctx {
	const struct sysroot *sr;
	struct journal *j;
	long seq;		/* the W record's number, 0 until journaled */
	int journal_rc;		/* a journal append that could not be made durable */
};

/* What status says of one journaled write now. */
enum change_verdict { CV_PASS, CV_FAIL, CV_PENDING, CV_UNSUPPORTED, CV_COUNT };
struct change_status {
	enum change_verdict v;
	char *wanted, *live;	/* malloc'd, NULL for "-" */
};

struct change_kind_ops {
	const char *name;	/* the plan's kind and the journal's OP */
	/* Journals the W record (kind_journal) and makes the change. Returns 0 or -errno. */
	int (*exec)(struct exec_ctx *x, const struct change *c);
	/* Undoes one W record (r->done / r->failed say how far it got). Safe to repeat. */
	int (*undo)(const struct sysroot *sr, const struct jrec *r);
	/* Is the change still in place? */
	void (*status)(const struct sysroot *sr, const struct jrec *r, struct change_status *st);
};

/* Indexed by enum change_kind. */
extern const struct change_kind_ops change_kinds[CK_COUNT];
/* The row whose journal OP is op, NULL for an unknown one. */
const struct change_kind_ops *change_kind_by_op(const char *op);

/* The W record of a change, fsynced before the change is made. */
int kind_journal(struct exec_ctx *x, const char *op, const char *target, const struct jvalue *old,
		 const struct jvalue *restore, const struct jvalue *value);


/* status of a journaled write: the kind's status, or unsupported for an unknown kind. */
void change_status(const struct sysroot *sr, const struct jrec *r, struct change_status *st);
void change_status_free(struct change_status *st);
extern const char *const change_verdict_names[CV_COUNT];
