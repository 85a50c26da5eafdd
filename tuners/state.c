/* State files: one root-owned 0700 directory each, files 0600 created O_EXCL, never followed through links. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	if (fstat(fd, &st) < 0) {
		rc = -errno;
	} else if (st.st_uid != geteuid()) {
		rc = -EPERM;	/* someone else's directory must not hold root's journal */
	} else if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0) {
		rc = -errno;
	}
	if (rc < 0) {
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

		/* Made by hand or with a looser umask, it still must not be readable by others. */
		if (fstat(fd, &st) < 0 || ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0)) {
			rc = -errno;
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
	return rc;
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
