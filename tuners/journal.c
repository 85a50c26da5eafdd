/* The apply journal: escaped, line-based, fsynced before every write so revert can always undo. */
#include "journal.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plan.h"
#include "state.h"
#include "util.h"

static const char hexd[] = "0123456789ABCDEF";

char *journal_escape(const char *data, size_t len, bool present)
{
	char *out, *o;

	if (!present)
		return xstrdup("-");
	out = o = xmalloc(len * 3 + 2);
	*o++ = '=';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c < '!' || c > '~' || c == '%') {
			*o++ = '%';
			*o++ = hexd[c >> 4];
			*o++ = hexd[c & 15];
		} else {
			*o++ = (char)c;
		}
	}
	*o = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int journal_unescape(const char *text, struct jvalue *v)
{
	size_t n = 0;

	memset(v, 0, sizeof(*v));
	if (!strcmp(text, "-"))
		return 0;
	if (text[0] != '=')
		return -EINVAL;
	text++;
	v->data = xmalloc(strlen(text) + 1);
	for (const char *p = text; *p; p++) {
		if (*p == '%') {
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);

			if (hi < 0 || lo < 0)
				goto bad;
			v->data[n++] = (char)(hi << 4 | lo);
			p += 2;
		} else if (*p < '!' || *p > '~') {
			goto bad;
		} else {
			v->data[n++] = *p;
		}
	}
	v->data[n] = '\0';
	v->len = n;
	v->present = true;
	return 0;
bad:
	jvalue_free(v);
	return -EINVAL;
}

void jvalue_free(struct jvalue *v)
{
	free(v->data);
	memset(v, 0, sizeof(*v));
}

void jrec_free(struct jrec *r)
{
	jvalue_free(&r->target);
	jvalue_free(&r->old);
	jvalue_free(&r->restore);
	jvalue_free(&r->value);
}

/* Splits on single spaces into at most max fields; returns the count, or -1 when there are more. */
static int split(char *s, char **f, int max)
{
	int n = 0;

	while (*s) {
		if (n == max)
			return -1;
		f[n++] = s;
		s = strchr(s, ' ');
		if (!s)
			break;
		*s++ = '\0';
	}
	return n;
}

static int copy_word(char *dst, size_t size, const char *src)
{
	if (!*src || strlen(src) >= size)
		return -EINVAL;
	for (const char *p = src; *p; p++)
		if (*p < '!' || *p > '~')
			return -EINVAL;
	strcpy(dst, src);
	return 0;
}

int journal_parse_line(const char *line, struct jrec *r)
{
	static const int nfields[128] = { ['B'] = 5, ['W'] = 8, ['D'] = 3, ['F'] = 4, ['E'] = 3, ['R'] = 3 };
	char *copy = xstrdup(line), *f[9];
	int n, rc = -EINVAL;

	memset(r, 0, sizeof(*r));
	n = split(copy, f, 8);
	if (n < 3 || strlen(f[0]) != 1 || (unsigned char)f[0][0] >= 128 || nfields[(int)f[0][0]] != n)
		goto out;
	r->type = f[0][0];
	if (copy_word(r->run, sizeof(r->run), f[1]) < 0)
		goto out;
	switch (r->type) {
	case JR_BEGIN:
		if (parse_long(f[2], &r->num) < 0 || journal_unescape(f[3], &r->target) < 0 ||
		    journal_unescape(f[4], &r->old) < 0)
			goto out;
		break;
	case JR_WRITE:
		if (parse_long(f[2], &r->seq) < 0 || copy_word(r->op, sizeof(r->op), f[3]) < 0 ||
		    journal_unescape(f[4], &r->target) < 0 || !r->target.present ||
		    journal_unescape(f[5], &r->old) < 0 || journal_unescape(f[6], &r->restore) < 0 ||
		    journal_unescape(f[7], &r->value) < 0)
			goto out;
		break;
	case JR_FAIL:
		if (parse_long(f[3], &r->num) < 0)
			goto out;
		/* fall through */
	case JR_DONE:
		if (parse_long(f[2], &r->seq) < 0)
			goto out;
		break;
	case JR_END:
	case JR_REVERTED:
		if (parse_long(f[2], &r->num) < 0)
			goto out;
		break;
	}
	rc = 0;
out:
	if (rc)
		jrec_free(r);
	free(copy);
	return rc;
}

static void log_add(struct jlog *log, const struct jrec *r)
{
	if (log->n == log->cap) {
		log->cap = log->cap ? log->cap * 2 : 64;
		log->v = xrealloc(log->v, log->cap * sizeof(*log->v));
	}
	log->v[log->n++] = *r;
}

/* One line without its newline; corrupt ones are counted. */
static void parse_one(struct jlog *log, const char *line, size_t l, int lineno)
{
	struct jrec r;

	if (line[0] == '#' || !l)
		return;
	if (memchr(line, '\0', l) || journal_parse_line(line, &r) < 0) {
		if (log->nbad < sizeof(log->bad_lines) / sizeof(log->bad_lines[0]))
			log->bad_lines[log->nbad] = lineno;
		log->nbad++;
		return;
	}
	r.line = lineno;
	log_add(log, &r);
}

static size_t hash_run(const char *run, long seq)
{
	size_t h = 1469598103934665603ull;

	for (; *run; run++)
		h = (h ^ (unsigned char)*run) * 1099511628211ull;
	return (h ^ (size_t)seq) * 1099511628211ull;
}

static size_t hash_text(const char *a, size_t len, const char *b)
{
	size_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)a[i]) * 1099511628211ull;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ull;
	return h;
}

static size_t slots_for(size_t n)
{
	size_t s = 16;

	while (s < n * 2 + 1)
		s *= 2;
	return s;
}

const struct jrun *jlog_run(const struct jlog *log, const char *run)
{
	if (!log->nrun_slots)
		return NULL;
	for (size_t h = hash_run(run, 0) & (log->nrun_slots - 1); log->run_slots[h];
	     h = (h + 1) & (log->nrun_slots - 1))
		if (!strcmp(log->runs[log->run_slots[h] - 1].run, run))
			return &log->runs[log->run_slots[h] - 1];
	return NULL;
}

static size_t run_of(struct jlog *log, const char *run)
{
	const struct jrun *found = jlog_run(log, run);
	struct jrun *r;
	size_t h;

	if (found)
		return (size_t)(found - log->runs);
	/* The run table is sized for every record up front: no rehash. */
	r = &log->runs[log->nruns++];
	memset(r, 0, sizeof(*r));
	snprintf(r->run, sizeof(r->run), "%s", run);
	r->begin = r->first_w = r->last_w = JLOG_NONE;
	for (h = hash_run(run, 0) & (log->nrun_slots - 1); log->run_slots[h]; h = (h + 1) & (log->nrun_slots - 1))
		;
	log->run_slots[h] = log->nruns;
	return log->nruns - 1;
}

/* One pass for runs, one for D/F by (run, seq), one backwards for superseded writes: linear. */
static void jlog_index(struct jlog *log)
{
	size_t nw = 0, nslots, *wslots;

	log->nrun_slots = slots_for(log->n);
	log->run_slots = xcalloc(log->nrun_slots, sizeof(size_t));
	log->runs = xcalloc(log->n ? log->n : 1, sizeof(*log->runs));
	for (size_t i = 0; i < log->n; i++) {
		struct jrec *r = &log->v[i];
		struct jrun *run;

		r->run_idx = run_of(log, r->run);
		r->next = JLOG_NONE;
		run = &log->runs[r->run_idx];
		if (r->type == JR_BEGIN && run->begin == JLOG_NONE)
			run->begin = i;
		else if (r->type == JR_REVERTED)
			run->reverted = true;
		else if (r->type == JR_END)
			run->ended = true;
		else if (r->type == JR_WRITE) {
			if (run->last_w == JLOG_NONE)
				run->first_w = i;
			else
				log->v[run->last_w].next = i;
			run->last_w = i;
			run->nwrites++;
			nw++;
		}
	}
	nslots = slots_for(nw);
	wslots = xcalloc(nslots, sizeof(size_t));
	for (size_t i = 0; i < log->n; i++) {
		struct jrec *r = &log->v[i];
		size_t h = hash_run(r->run, r->seq) & (nslots - 1);

		if (r->type == JR_WRITE) {
			while (wslots[h])
				h = (h + 1) & (nslots - 1);
			wslots[h] = i + 1;
		} else if (r->type == JR_DONE || r->type == JR_FAIL) {
			for (; wslots[h]; h = (h + 1) & (nslots - 1)) {
				struct jrec *w = &log->v[wslots[h] - 1];

				if (w->seq == r->seq && w->run_idx == r->run_idx) {
					w->done |= r->type == JR_DONE;
					w->failed |= r->type == JR_FAIL;
					if (r->type == JR_FAIL)
						w->fail_errno = (int)r->num;
				}
			}
		}
	}
	/* The newest write of a target, among runs not reverted, wins; older ones are superseded. */
	memset(wslots, 0, nslots * sizeof(size_t));
	for (size_t i = log->n; i-- > 0;) {
		struct jrec *r = &log->v[i];
		size_t h;

		if (r->type != JR_WRITE || log->runs[r->run_idx].reverted)
			continue;
		h = hash_text(r->target.data, r->target.len, r->op) & (nslots - 1);
		for (; wslots[h]; h = (h + 1) & (nslots - 1)) {
			const struct jrec *o = &log->v[wslots[h] - 1];

			if (o->target.len == r->target.len && !memcmp(o->target.data, r->target.data, r->target.len) &&
			    !strcmp(o->op, r->op))
				break;
		}
		if (wslots[h])
			r->superseded = true;
		else
			wslots[h] = i + 1;
	}
	free(wslots);
}

bool *jlog_redundant_writes(const struct jlog *log, const bool *run_selected)
{
	bool *redundant = xcalloc(log->n ? log->n : 1, sizeof(bool));
	size_t nslots = slots_for(log->n), *slots = xcalloc(nslots, sizeof(size_t));

	/* Oldest first: the first "write" of a target keeps the value from before them all. */
	for (size_t i = 0; i < log->n; i++) {
		const struct jrec *r = &log->v[i];
		size_t h;

		if (r->type != JR_WRITE || strcmp(r->op, "write") || !run_selected[r->run_idx])
			continue;
		h = hash_text(r->target.data, r->target.len, r->op) & (nslots - 1);
		for (; slots[h]; h = (h + 1) & (nslots - 1)) {
			const struct jrec *o = &log->v[slots[h] - 1];

			if (o->target.len == r->target.len && !memcmp(o->target.data, r->target.data, r->target.len))
				break;
		}
		if (slots[h])
			redundant[i] = true;
		else
			slots[h] = i + 1;
	}
	free(slots);
	return redundant;
}

void journal_parse(const char *text, size_t len, struct jlog *log)
{
	size_t pos = 0;
	int lineno = 0;

	memset(log, 0, sizeof(*log));
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *line;

		lineno++;
		if (!nl) {
			/* A crash while appending: the write it announced never started. */
			log->torn_tail = true;
			break;
		}
		line = xmalloc(l + 1);
		memcpy(line, text + pos, l);
		line[l] = '\0';
		pos += l + 1;
		parse_one(log, line, l, lineno);
		free(line);
	}
	jlog_index(log);
}

int journal_load(const struct sysroot *sr, struct jlog *log)
{
	int fd = state_open_read(sr, JOURNAL_PATH), lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t l;
	FILE *fp;

	memset(log, 0, sizeof(*log));
	if (fd == -ENOENT) {
		jlog_index(log);
		return 0;
	}
	if (fd < 0)
		return fd;
	fp = fdopen(fd, "r");
	if (!fp) {
		close(fd);
		return -errno;
	}
	while ((l = getline(&line, &cap, fp)) > 0) {
		lineno++;
		if (line[l - 1] != '\n') {
			log->torn_tail = true;	/* a crash while appending: its write never started */
			break;
		}
		line[--l] = '\0';
		parse_one(log, line, (size_t)l, lineno);
	}
	free(line);
	if (ferror(fp)) {
		int rc = errno ? -errno : -EIO;

		fclose(fp);
		jlog_free(log);
		return rc;
	}
	fclose(fp);
	jlog_index(log);
	return 0;
}

void jlog_free(struct jlog *log)
{
	for (size_t i = 0; i < log->n; i++)
		jrec_free(&log->v[i]);
	free(log->v);
	free(log->runs);
	free(log->run_slots);
	memset(log, 0, sizeof(*log));
}

bool jlog_reverted(const struct jlog *log, const char *run)
{
	const struct jrun *r = jlog_run(log, run);

	return r && r->reverted;
}

/* A record as journal_begin and friends wrote it. */
static char *format_rec(const struct jrec *r)
{
	char *a, *b, *c, *d, *line;

	switch (r->type) {
	case JR_BEGIN:
		a = journal_escape(r->target.data, r->target.len, r->target.present);
		b = journal_escape(r->old.data, r->old.len, r->old.present);
		line = xasprintf("B %s %ld %s %s\n", r->run, r->num, a, b);
		free(a);
		free(b);
		return line;
	case JR_WRITE:
		a = journal_escape(r->target.data, r->target.len, true);
		b = journal_escape(r->old.data, r->old.len, r->old.present);
		c = journal_escape(r->restore.data, r->restore.len, r->restore.present);
		d = journal_escape(r->value.data, r->value.len, r->value.present);
		line = xasprintf("W %s %ld %s %s %s %s %s\n", r->run, r->seq, r->op, a, b, c, d);
		free(a);
		free(b);
		free(c);
		free(d);
		return line;
	case JR_DONE:
		return xasprintf("D %s %ld\n", r->run, r->seq);
	case JR_FAIL:
		return xasprintf("F %s %ld %ld\n", r->run, r->seq, r->num);
	default:
		return xasprintf("%c %s %ld\n", r->type, r->run, r->num);
	}
}

/* A reverted run keeps its B and R records only: confirm and status still tell it was reverted. */
static bool compacted_away(const struct jlog *log, const struct jrec *r)
{
	return log->runs[r->run_idx].reverted && r->type != JR_BEGIN && r->type != JR_REVERTED;
}

long journal_compact(const struct sysroot *sr, const struct jlog *log)
{
	struct strbuf sb = { 0 };
	long dropped = 0;
	int rc;

	if (log->nbad)
		return 0;
	for (size_t i = 0; i < log->n; i++)
		dropped += compacted_away(log, &log->v[i]);
	if (!dropped)
		return 0;
	strbuf_add(&sb, JOURNAL_MAGIC "\n");
	for (size_t i = 0; i < log->n; i++) {
		char *line;

		if (compacted_away(log, &log->v[i]))
			continue;
		line = format_rec(&log->v[i]);
		strbuf_add(&sb, line);
		free(line);
	}
	rc = state_write(sr, JOURNAL_PATH, sb.s, sb.len);
	strbuf_free(&sb);
	return rc < 0 ? rc : dropped;
}

int journal_open(struct journal *j, const struct sysroot *sr)
{
	struct stat st;
	int rc;

	memset(j, 0, sizeof(*j));
	j->fd = state_open_append(sr, JOURNAL_PATH);
	if (j->fd < 0)
		return j->fd;
	if (fstat(j->fd, &st) < 0) {
		rc = -errno;
		goto fail;
	}
	if (st.st_size == 0) {
		static const char magic[] = JOURNAL_MAGIC "\n";

		errno = 0;
		if (write(j->fd, magic, sizeof(magic) - 1) != (ssize_t)sizeof(magic) - 1 || fsync(j->fd) < 0) {
			rc = errno ? -errno : -EIO;
			goto fail;
		}
	}
	return 0;
fail:
	close(j->fd);
	j->fd = -1;
	return rc;
}

void journal_close(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

/* One record, one write(), then fsync: a crash leaves at most a torn last line. */
static int append(struct journal *j, char *line)
{
	size_t len = strlen(line);
	ssize_t n;
	int rc = 0;

	errno = 0;
	n = write(j->fd, line, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	else if (fsync(j->fd) < 0)
		rc = -errno;
	free(line);
	return rc;
}

int journal_begin(struct journal *j, const char *profile, const char *root)
{
	char stamp[32], *p, *r, *line;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(j->run, sizeof(j->run), "%s-%ld", stamp, (long)getpid());
	j->seq = 0;
	p = journal_escape(profile, strlen(profile), true);
	r = journal_escape(root, strlen(root), true);
	line = xasprintf("B %s %lld %s %s\n", j->run, (long long)now, p, r);
	free(p);
	free(r);
	return append(j, line);
}

int journal_intent(struct journal *j, const char *op, const char *target, const struct jvalue *old,
		   const struct jvalue *restore, const struct jvalue *value, long *seq)
{
	char *t = journal_escape(target, strlen(target), true);
	char *o = journal_escape(old->data, old->len, old->present);
	char *rs = journal_escape(restore->data, restore->len, restore->present);
	char *v = journal_escape(value->data, value->len, value->present);
	char *line;

	*seq = ++j->seq;
	line = xasprintf("W %s %ld %s %s %s %s %s\n", j->run, *seq, op, t, o, rs, v);
	free(t);
	free(o);
	free(rs);
	free(v);
	return append(j, line);
}

int journal_done(struct journal *j, long seq)
{
	return append(j, xasprintf("D %s %ld\n", j->run, seq));
}

int journal_fail(struct journal *j, long seq, int err)
{
	return append(j, xasprintf("F %s %ld %d\n", j->run, seq, err));
}

int journal_end(struct journal *j, int status)
{
	return append(j, xasprintf("E %s %d\n", j->run, status));
}

int journal_reverted(struct journal *j, const char *run)
{
	return append(j, xasprintf("R %s %lld\n", run, (long long)time(NULL)));
}
