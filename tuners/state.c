/* State files: one root-owned 0700 directory each, files 0600 created O_EXCL, never followed through links. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "plan.h"
#include "util.h"

/* "/var/lib/tickready/journal" -> dir "/var/lib/tickready", name "journal". */
static int split_path(const char *path, char *dir, size_t size, const char **name)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path || !slash[1] || (size_t)(slash - path) >= size)
		return -EINVAL;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	*name = slash + 1;
	return 0;
}

/*
 * Owned by this user, and a directory 0700, a file writable by no one else: what another user could have
 * planted (a journal that drives root's revert, a lock that blocks the timer) is refused, never repaired.
 */
static int trusted(int fd, bool dir)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_uid != geteuid() || (dir ? (st.st_mode & 07777) != 0700 : (st.st_mode & 022) != 0))
		return -STATE_EUNSAFE;
	return 0;
}

const char *state_strerror(int rc)
{
	if (rc == -STATE_EUNSAFE)
		return "not owned by this user, or open to others (a directory must be 0700, a file not group- or "
		       "world-writable): tickready trusts no state it may not have written; check it, then remove it";
	return sysroot_strerror(rc);
}

int state_dir_open(const struct sysroot *sr, const char *dir)
{
	char parent[PATH_MAX];
	const char *name;
	struct stat st;
	int pfd, fd, rc;

	if ((rc = split_path(dir, parent, sizeof(parent), &name)) < 0)
		return rc;
	if ((rc = tree_mkdir_p(sr, parent, 0755)) < 0)
		return rc;
	pfd = sysroot_openat(sr, parent, O_PATH | O_DIRECTORY, 0);
	if (pfd < 0)
		return pfd;
	if (mkdirat(pfd, name, 0700) < 0 && errno != EEXIST) {
		rc = -errno;
		close(pfd);
		return rc;
	}
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	rc = fd < 0 ? (errno == ENOTDIR && fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)
			       ? -ELOOP : -errno) : 0;
	close(pfd);
	if (rc < 0)
		return rc;
	if ((rc = trusted(fd, true)) < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

/* The directory fd and the name within it; *dfd must be closed by the caller. */
static int open_parent(const struct sysroot *sr, const char *path, int *dfd, const char **name)
{
	char dir[PATH_MAX];
	int rc = split_path(path, dir, sizeof(dir), name);

	if (rc < 0)
		return rc;
	*dfd = state_dir_open(sr, dir);
	return *dfd < 0 ? *dfd : 0;
}

/* One write() of the record, then fsync. */
static int write_sync(int fd, const char *data, size_t len)
{
	ssize_t n;

	errno = 0;
	n = write(fd, data, len);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	return fsync(fd) < 0 ? -errno : 0;
}

int state_write(const struct sysroot *sr, const char *path, const char *data, size_t len)
{
	const char *name;
	char tmp[NAME_MAX + 1];
	int dfd, fd, rc = open_parent(sr, path, &dfd, &name);

	if (rc < 0)
		return rc;
	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.new", name) >= sizeof(tmp)) {
		close(dfd);
		return -ENAMETOOLONG;
	}
	/* A stale temporary of a killed run (or anything planted there) goes; unlinking never follows. */
	if (unlinkat(dfd, tmp, 0) < 0 && errno != ENOENT) {
		rc = -errno;
		close(dfd);
		return rc;
	}
	fd = sysroot_open_write_at(dfd, tmp, SW_CREATE | SW_EXCL, 0600);
	if (fd < 0) {
		close(dfd);
		return fd;
	}
	rc = write_sync(fd, data, len);
	if (close(fd) < 0 && !rc)
		rc = -errno;
	/* rename replaces a link or a FIFO at path itself, never what it points to. */
	if (!rc && renameat(dfd, tmp, dfd, name) < 0)
		rc = -errno;
	if (!rc && fsync(dfd) < 0)
		rc = -errno;
	if (rc)
		unlinkat(dfd, tmp, 0);
	close(dfd);
	return rc;
}

int state_open_append(const struct sysroot *sr, const char *path)
{
	const char *name;
	int dfd, fd, rc = open_parent(sr, path, &dfd, &name);

	if (rc < 0)
		return rc;
	fd = sysroot_open_write_at(dfd, name, SW_CREATE | SW_EXCL | SW_APPEND, 0600);
	if (fd == -EEXIST)
		fd = sysroot_open_write_at(dfd, name, SW_APPEND, 0);
	else if (fd >= 0 && fsync(dfd) < 0) {
		close(fd);
		fd = -errno;
	}
	if (fd >= 0) {
		struct stat st;

		/* Not ours, or writable by others: refused. Ours with a looser umask: not readable by others either. */
		rc = trusted(fd, false);
		if (!rc && fstat(fd, &st) == 0 && (st.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0)
			rc = -errno;
		if (rc < 0) {
			close(fd);
			fd = rc;
		}
	}
	close(dfd);
	return fd;
}

int state_append(const struct sysroot *sr, const char *path, const char *data, size_t len)
{
	int fd = state_open_append(sr, path), rc;

	if (fd < 0)
		return fd;
	rc = write_sync(fd, data, len);
	close(fd);
	return rc;
}

/* The state directory as it is, for reading: its last component is never a link. */
static int dir_open_existing(const struct sysroot *sr, const char *dir)
{
	char parent[PATH_MAX];
	const char *name;
	int pfd, fd, rc = split_path(dir, parent, sizeof(parent), &name);

	if (rc < 0)
		return rc;
	pfd = sysroot_openat(sr, parent, O_PATH | O_DIRECTORY, 0);
	if (pfd < 0)
		return pfd;
	fd = openat(pfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	rc = fd < 0 ? (errno == ENOTDIR ? -ELOOP : -errno) : fd;
	close(pfd);
	if (fd >= 0 && (rc = trusted(fd, true)) < 0)
		close(fd);
	return rc < 0 ? rc : fd;
}

int state_open_read(const struct sysroot *sr, const char *path)
{
	char dir[PATH_MAX];
	const char *name;
	struct stat st;
	int dfd, fd, rc = split_path(path, dir, sizeof(dir), &name);

	if (rc < 0)
		return rc;
	/* Reading never creates: a missing directory is a missing file. */
	dfd = dir_open_existing(sr, dir);
	if (dfd < 0)
		return dfd;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	rc = fd < 0 ? -errno : 0;
	close(dfd);
	if (rc < 0)
		return rc;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -SYSROOT_ENOTREG;
	}
	if ((rc = trusted(fd, false)) < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int state_read(const struct sysroot *sr, const char *path, size_t cap, char **out, size_t *lenp)
{
	int fd = state_open_read(sr, path), rc;

	*out = NULL;
	if (fd < 0)
		return fd;
	rc = sysroot_read_fd(fd, cap, out, lenp);
	close(fd);
	return rc;
}

int state_remove(const struct sysroot *sr, const char *path, int dir)
{
	char parent[PATH_MAX];
	const char *name;
	int dfd, rc = split_path(path, parent, sizeof(parent), &name);

	if (rc < 0)
		return rc;
	dfd = sysroot_openat(sr, parent, O_PATH | O_DIRECTORY, 0);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	if (unlinkat(dfd, name, dir ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
		rc = -errno;
	close(dfd);
	return rc;
}

int state_sync_dir(const struct sysroot *sr, const char *path)
{
	char dir[PATH_MAX];
	const char *name;
	int fd, rc = split_path(path, dir, sizeof(dir), &name);

	if (rc < 0)
		return rc;
	fd = sysroot_openat(sr, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int state_lock(const struct sysroot *sr, pid_t *holder)
{
	char buf[32];
	int dfd, fd, rc;
	ssize_t n;

	*holder = 0;
	dfd = state_dir_open(sr, JOURNAL_LOCK_DIR);
	if (dfd < 0)
		return dfd;
	fd = sysroot_open_write_at(dfd, "lock", SW_CREATE | SW_EXCL | SW_READ, 0600);
	if (fd == -EEXIST)
		fd = sysroot_open_write_at(dfd, "lock", SW_READ, 0);
	close(dfd);
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

void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/*
 * A revert or confirm that must not race the other: retries every 100 ms (a blocked flock(2) cannot
 * be bounded without a signal) up to max_ms, then -EWOULDBLOCK with *holder set.
 */
int state_lock_wait(const struct sysroot *sr, pid_t *holder, unsigned max_ms)
{
	const struct timespec step = { 0, 100 * 1000 * 1000 };
	int fd;

	for (unsigned waited = 0;; waited += 100) {
		fd = state_lock(sr, holder);
		if (fd != -EWOULDBLOCK || waited >= max_ms)
			return fd;
		nanosleep(&step, NULL);
	}
}

int confirm_pending_load(const struct sysroot *sr, struct confirm_pending *cp)
{
	char *buf, *save = NULL, *line;
	int rc = state_read(sr, CONFIRM_PENDING, 4096, &buf, NULL);

	memset(cp, 0, sizeof(*cp));
	cp->sid = -1;
	if (rc < 0)
		return rc;
	line = strtok_r(buf, "\n", &save);
	if (!line || !trim(line)[0] || strlen(trim(line)) >= sizeof(cp->run)) {
		free(buf);
		return -EINVAL;
	}
	snprintf(cp->run, sizeof(cp->run), "%s", trim(line));
	/* key=value lines; an older record has only sid= (no deadline: never overdue, no boot to compare). */
	while ((line = strtok_r(NULL, "\n", &save))) {
		long v;

		line = trim(line);
		if (!strncmp(line, "sid=", 4) && parse_long(line + 4, &v) == 0)
			cp->sid = v;
		else if (!strncmp(line, "deadline=", 9) && parse_long(line + 9, &v) == 0)
			cp->deadline = v;
		else if (!strncmp(line, "timer=", 6) && parse_long(line + 6, &v) == 0)
			cp->timer = (pid_t)v;
		else if (!strncmp(line, "apply=", 6) && parse_long(line + 6, &v) == 0)
			cp->apply = (pid_t)v;
		else if (!strncmp(line, "boot_id=", 8))
			snprintf(cp->boot_id, sizeof(cp->boot_id), "%s", line + 8);
	}
	free(buf);
	return 0;
}

int confirm_pending_read(const struct sysroot *sr, char *run, size_t size, long *sid)
{
	struct confirm_pending cp;
	int rc = confirm_pending_load(sr, &cp);

	*sid = cp.sid;
	if (rc < 0)
		return rc;
	if (strlen(cp.run) >= size)
		return -EINVAL;
	snprintf(run, size, "%s", cp.run);
	return 0;
}

int confirm_pending_store(const struct sysroot *sr, const struct confirm_pending *cp)
{
	char *content = xasprintf("%s\nsid=%ld\ndeadline=%lld\nboot_id=%s\napply=%ld\ntimer=%ld\n", cp->run, cp->sid,
				  (long long)cp->deadline, cp->boot_id, (long)cp->apply, (long)cp->timer);
	int rc = state_write(sr, CONFIRM_PENDING, content, strlen(content));

	free(content);
	return rc;
}

int confirm_pending_remove(const struct sysroot *sr)
{
	int rc = state_remove(sr, CONFIRM_PENDING, 0);

	return rc < 0 ? rc : state_sync_dir(sr, CONFIRM_PENDING);
}

void confirm_log(const struct sysroot *sr, const char *fmt, ...)
{
	char when[32], *msg, *line;
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	line = xasprintf("%s %s\n", when, msg);
	/* Nowhere left to report a failure: the timer has no terminal. */
	(void)state_append(sr, CONFIRM_LOG, line, strlen(line));
	free(msg);
	free(line);
}

int once_pending_write(const struct sysroot *sr, const char *run, const char *params, bool updated)
{
	char *content = xasprintf("run=%s\nparams=%s\nupdate_bootloader=%d\n", run, params ? params : "", updated);
	int rc = state_write(sr, ONCE_PENDING, content, strlen(content));

	free(content);
	return rc;
}

int once_pending_read(const struct sysroot *sr, struct once_pending *o)
{
	char *text, *save = NULL;
	int rc = state_read(sr, ONCE_PENDING, 1u << 16, &text, NULL);

	memset(o, 0, sizeof(*o));
	if (rc < 0)
		return rc;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "run=", 4))
			snprintf(o->run, sizeof(o->run), "%s", l + 4);
		else if (!strncmp(l, "params=", 7) && !o->params)
			o->params = xstrdup(l + 7);
		else if (!strcmp(l, "update_bootloader=1"))
			o->update_bootloader = true;
	}
	free(text);
	if (!o->run[0] || !o->params) {
		free(o->params);
		o->params = NULL;
		return -EINVAL;
	}
	return 0;
}

int once_pending_remove(const struct sysroot *sr)
{
	return state_remove(sr, ONCE_PENDING, 0);
}

int active_profile_write(const struct sysroot *sr, const char *profile, const char *run)
{
	char *content = xasprintf("profile=%s\nrun=%s\n", profile, run);
	int rc = state_write(sr, ACTIVE_PROFILE, content, strlen(content));

	free(content);
	return rc;
}

int active_profile_read(const struct sysroot *sr, char **profile, char *run, size_t runsize)
{
	char *text, *save = NULL;
	struct jlog log;
	bool reverted;
	int rc = state_read(sr, ACTIVE_PROFILE, 1u << 16, &text, NULL);

	*profile = NULL;
	run[0] = '\0';
	if (rc < 0)
		return rc;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "profile=", 8) && !*profile && l[8])
			*profile = xstrdup(l + 8);
		else if (!strncmp(l, "run=", 4))
			snprintf(run, runsize, "%s", l + 4);
	}
	free(text);
	if (!*profile || !run[0]) {
		free(*profile);
		*profile = NULL;
		return -ENOENT;
	}
	/* A reverted run leaves the host as it was: its profile is no longer the active one. */
	if (journal_load(sr, &log) < 0)
		return 0;
	reverted = jlog_reverted(&log, run);
	jlog_free(&log);
	if (reverted) {
		free(*profile);
		*profile = NULL;
		return -ENOENT;
	}
	return 0;
}
