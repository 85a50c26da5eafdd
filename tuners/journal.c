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

void journal_parse(const char *text, size_t len, struct jlog *log)
{
	size_t pos = 0;
	int lineno = 0;

	memset(log, 0, sizeof(*log));
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *line;
		struct jrec r;

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
		if (line[0] == '#' || !line[0]) {
			free(line);
			continue;
		}
		if (memchr(text + pos - l - 1, '\0', l) || journal_parse_line(line, &r) < 0) {
			if (log->nbad < sizeof(log->bad_lines) / sizeof(log->bad_lines[0]))
				log->bad_lines[log->nbad] = lineno;
			log->nbad++;
		} else {
			r.line = lineno;
			log_add(log, &r);
		}
		free(line);
	}
}

int journal_load(const struct sysroot *sr, struct jlog *log)
{
	char *text;
	size_t len;
	int rc = tree_read(sr, JOURNAL_PATH, &text, &len);

	if (rc == -ENOENT) {
		memset(log, 0, sizeof(*log));
		return 0;
	}
	if (rc < 0)
		return rc;
	journal_parse(text, len, log);
	free(text);
	return 0;
}

void jlog_free(struct jlog *log)
{
	for (size_t i = 0; i < log->n; i++)
		jrec_free(&log->v[i]);
	free(log->v);
	memset(log, 0, sizeof(*log));
}

bool jlog_reverted(const struct jlog *log, const char *run)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].type == JR_REVERTED && !strcmp(log->v[i].run, run))
			return true;
	return false;
}

static int fsync_dir(const struct sysroot *sr, const char *dir)
{
	int fd = sysroot_openat(sr, dir, O_RDONLY | O_DIRECTORY, 0);
	int rc = 0;

	if (fd < 0)
		return fd;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int journal_open(struct journal *j, const struct sysroot *sr)
{
	struct stat st;
	int rc;

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	rc = tree_mkdir_p(sr, JOURNAL_DIR, 0700);
	if (rc < 0)
		return rc;
	j->fd = sysroot_openat(sr, JOURNAL_PATH, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0600);
	if (j->fd < 0)
		return j->fd;
	/* An old journal made with a looser umask, or by hand, still must not be readable by others. */
	if (fstat(j->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto fail;
	}
	if ((st.st_mode & 0777) != 0600 && fchmod(j->fd, 0600) < 0) {
		rc = -errno;
		goto fail;
	}
	if (st.st_size == 0) {
		static const char magic[] = JOURNAL_MAGIC "\n";

		if (write(j->fd, magic, sizeof(magic) - 1) != (ssize_t)sizeof(magic) - 1 || fsync(j->fd) < 0) {
			rc = errno ? -errno : -EIO;
			goto fail;
		}
		rc = fsync_dir(sr, JOURNAL_DIR);
		if (rc < 0)
			goto fail;
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

int journal_lock(const struct sysroot *sr, pid_t *holder)
{
	char buf[32];
	int fd, rc;
	ssize_t n;

	*holder = 0;
	rc = tree_mkdir_p(sr, "/run", 0755);
	if (rc < 0)
		return rc;
	fd = sysroot_openat(sr, JOURNAL_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		rc = -errno;
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			long pid;

			buf[n] = '\0';
			if (parse_long(trim(buf), &pid) == 0)
				*holder = (pid_t)pid;
		}
		close(fd);
		return rc == -EAGAIN ? -EWOULDBLOCK : rc;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		rc = errno ? -errno : -EIO;
		close(fd);
		return rc;
	}
	return fd;
}

void journal_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int confirm_pending_read(const struct sysroot *sr, char *run, size_t size, long *sid)
{
	char buf[256], *nl, *s;
	int rc = sysroot_read_str(sr, CONFIRM_PENDING, buf, sizeof(buf));

	*sid = -1;
	if (rc < 0)
		return rc;
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	if (!buf[0] || strlen(buf) >= size)
		return -EINVAL;
	snprintf(run, size, "%s", buf);
	if (nl && (s = strstr(nl + 1, "sid=")) && parse_long(trim(s + 4), sid) < 0)
		*sid = -1;
	return 0;
}

void confirm_log(const struct sysroot *sr, const char *fmt, ...)
{
	char when[32], *msg, *line;
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;
	int fd;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	line = xasprintf("%s %s\n", when, msg);
	fd = sysroot_openat(sr, CONFIRM_LOG, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		if (write(fd, line, strlen(line)) < 0) {
			/* Nowhere left to report it: the timer has no terminal. */
		}
		fsync(fd);
		close(fd);
	}
	free(msg);
	free(line);
}
