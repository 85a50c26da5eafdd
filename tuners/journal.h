/* The apply journal: one escaped line per write, appended and fsynced before the write, replayed by revert. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sysroot.h"

#define JOURNAL_DIR "/var/lib/tickready"
#define JOURNAL_PATH "/var/lib/tickready/journal"
/* In a 0700 directory of its own, like every state file: /run itself is not ours to tighten. */
#define JOURNAL_LOCK_DIR "/run/tickready"
#define JOURNAL_LOCK JOURNAL_LOCK_DIR "/lock"
#define JOURNAL_MAGIC "#tickready-journal 1"
/* apply --confirm: "RUN\nsid=SID\n", the run the timer reverts unless `tickready confirm` removes it. */
#define CONFIRM_PENDING JOURNAL_DIR "/confirm-pending"
/* One line per timer outcome, for the operator: the detached timer has no terminal. */
#define CONFIRM_LOG JOURNAL_DIR "/confirm.log"
/* apply --once: the run and the parameters `tickready confirm` promotes after the one-time boot. */
#define ONCE_PENDING JOURNAL_DIR "/once-pending"
/* The profile the last apply brought the host to, and its run (as tuned-adm's active_profile). */
#define ACTIVE_PROFILE JOURNAL_DIR "/active-profile"
/* The B record's label of confirm's promotion of a one-time boot ("confirm-once:RUN"): not a profile. */
#define JOURNAL_LABEL_PROMOTE "confirm-once:"

/*
 * Line formats (fields separated by one space; values escaped, "-" meaning absent):
 *   B RUN EPOCH PROFILE ROOT          a run begins
 *   W RUN SEQ OP TARGET OLD RESTORE NEW   about to write (fsynced before the write)
 *   D RUN SEQ                         the write succeeded
 *   F RUN SEQ ERRNO                   the write failed
 *   E RUN STATUS                      the run ended (0 ok, else -errno)
 *   R RUN EPOCH                       the run was reverted
 * OP: write, create, append, mkdir, mount, ethtool, service, exec, bind.
 */
enum jrec_type { JR_BEGIN = 'B', JR_WRITE = 'W', JR_DONE = 'D', JR_FAIL = 'F', JR_END = 'E', JR_REVERTED = 'R' };

struct jvalue {
	bool present;
	char *data;	/* NUL-terminated, may hold NULs within len */
	size_t len;
};

struct jrec {
	char type;
	int line;		/* line number in the file */
	/* Filled by the index (W records): its D or F record, and the newest write of its target. */
	bool done, failed, superseded;
	int fail_errno;
	size_t run_idx;		/* into jlog.runs */
	size_t next;		/* the run's next W record, or JLOG_NONE */
	char run[48];
	long seq;		/* W D F; the errno for F, the status for E, the epoch for B R */
	long num;
	char op[16];
	struct jvalue target, old, restore, value;	/* W; B keeps profile in target, root in old */
};

#define JLOG_NONE ((size_t)-1)

/* One run of the journal, from the index. */
struct jrun {
	char run[48];
	size_t begin;		/* its B record, or JLOG_NONE */
	size_t first_w, last_w;	/* its W records, linked by jrec.next */
	size_t nwrites;
	bool reverted, ended;
};

struct jlog {
	size_t n, cap;
	struct jrec *v;
	size_t nruns;
	struct jrun *runs;	/* in journal order */
	size_t *run_slots, nrun_slots;	/* hash of run ids: index + 1 */
	size_t nbad;
	int bad_lines[16];	/* the first corrupt lines */
	bool torn_tail;		/* the last line lacks its newline: a crash while appending; ignored */
};

struct journal {
	int fd;
	char run[48];
	long seq;
};

/* Escaping: bytes outside '!'..'~' and '%' become %XX; "=" prefixes a present value, "-" is absent. */
char *journal_escape(const char *data, size_t len, bool present);
/* Returns 0 or -EINVAL; v->data is malloc'd. */
int journal_unescape(const char *text, struct jvalue *v);
void jvalue_free(struct jvalue *v);
/* Parses one line (without its newline). Returns 0 or -EINVAL. */
int journal_parse_line(const char *line, struct jrec *r);
void jrec_free(struct jrec *r);

/* Opens (creating 0700 directories and a 0600 file) for appending. Returns 0 or -errno. */
int journal_open(struct journal *j, const struct sysroot *sr);
void journal_close(struct journal *j);
/* Starts a run: a fresh run id into j->run and a B record. */
int journal_begin(struct journal *j, const char *profile, const char *root);
/* Appends a W record and fsyncs; *seq receives its number. */
int journal_intent(struct journal *j, const char *op, const char *target, const struct jvalue *old,
		   const struct jvalue *restore, const struct jvalue *value, long *seq);
int journal_done(struct journal *j, long seq);
int journal_fail(struct journal *j, long seq, int err);
int journal_end(struct journal *j, int status);
int journal_reverted(struct journal *j, const char *run);

/*
 * Reads every record, streamed line by line (lines of any length, no size cap), and indexes them:
 * runs, D/F per W, superseded writes; all linear in the journal's size. A missing journal is an
 * empty log. Corrupt lines are counted, not fatal.
 */
int journal_load(const struct sysroot *sr, struct jlog *log);
/* Parses journal text (for tests), indexed like journal_load. */
void journal_parse(const char *text, size_t len, struct jlog *log);
void jlog_free(struct jlog *log);
/* The run's index entry, NULL when the journal has no such run. */
const struct jrun *jlog_run(const struct jlog *log, const char *run);
/*
 * For a revert of the selected runs (by jlog.runs index): the "write" records a write of the same target
 * in an older selected run makes redundant (its old value is the one that must come back). Caller frees.
 */
bool *jlog_redundant_writes(const struct jlog *log, const bool *run_selected);
/* Has run been reverted (an R record)? */
bool jlog_reverted(const struct jlog *log, const char *run);

/*
 * Rewrites the journal without the records of runs that are fully reverted (nothing left for revert
 * or status; their B and R lines stay, two per run, so that confirm can tell what became of a run), atomically (a new file renamed over it). Not done while corrupt lines are in it: they stay for a person.
 * Returns the number of records dropped, or -errno.
 */
long journal_compact(const struct sysroot *sr, const struct jlog *log);
