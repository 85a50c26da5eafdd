/* The apply journal: one escaped line per write, appended and fsynced before the write, replayed by revert. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sysroot.h"

#define JOURNAL_DIR "/var/lib/tickready"
#define JOURNAL_PATH "/var/lib/tickready/journal"
#define JOURNAL_LOCK "/run/tickready.lock"
#define JOURNAL_MAGIC "#tickready-journal 1"
/* apply --confirm: "RUN\nsid=SID\n", the run the timer reverts unless `tickready confirm` removes it. */
#define CONFIRM_PENDING JOURNAL_DIR "/confirm-pending"
/* One line per timer outcome, for the operator: the detached timer has no terminal. */
#define CONFIRM_LOG JOURNAL_DIR "/confirm.log"
/* apply --once: the run and the parameters `tickready confirm` promotes after the one-time boot. */
#define ONCE_PENDING JOURNAL_DIR "/once-pending"

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
	char run[48];
	long seq;		/* W D F; the errno for F, the status for E, the epoch for B R */
	long num;
	char op[16];
	struct jvalue target, old, restore, value;	/* W; B keeps profile in target, root in old */
};

struct jlog {
	size_t n, cap;
	struct jrec *v;
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

/* Reads every record; a missing journal is an empty log. Corrupt lines are counted, not fatal. */
int journal_load(const struct sysroot *sr, struct jlog *log);
/* Parses journal text (for tests and journal_load). */
void journal_parse(const char *text, size_t len, struct jlog *log);
void jlog_free(struct jlog *log);
/* Has run been reverted (an R record)? */
bool jlog_reverted(const struct jlog *log, const char *run);

/* The run waiting for confirmation into run, and the session id of the apply (-1 when not recorded). */
int confirm_pending_read(const struct sysroot *sr, char *run, size_t size, long *sid);
/* Appends one timestamped line to CONFIRM_LOG (0600). */
void confirm_log(const struct sysroot *sr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The lock: flock on /run/tickready.lock. Returns an fd, or -EWOULDBLOCK with *holder set to its pid. */
int journal_lock(const struct sysroot *sr, pid_t *holder);
void journal_unlock(int fd);
