/* Host access under a root directory: bounded reads, contained path resolution, capture recording. */
#include "sysroot.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <dirent.h>

#include "util.h"

enum rec_kind { REC_DIR, REC_FILE, REC_LINK };

struct rec_entry {
	enum rec_kind kind;
	char *path;	/* canonical, relative to the root, starting with '/' */
	char *data;	/* file contents or link target */
	size_t len;
};

struct sysroot_record {
	struct rec_entry *v;
	size_t n, cap;
};

int sysroot_open(struct sysroot *sr, const char *root)
{
	struct stat st, rootst;
	char link[64];
	ssize_t n;

	memset(sr, 0, sizeof(*sr));
	sr->dirfd = -1;
	if (!root || !*root)
		root = "/";
	/* Resolved once: the fd is the root from here on; its name is read back from the fd, not re-resolved. */
	sr->dirfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sr->dirfd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", sr->dirfd);
	n = readlink(link, sr->path, sizeof(sr->path) - 1);
	if (n < 0 || fstat(sr->dirfd, &st) < 0) {
		int rc = -errno;

		close(sr->dirfd);
		sr->dirfd = -1;
		return rc;
	}
	sr->path[n] = '\0';
	if (!S_ISDIR(st.st_mode)) {
		close(sr->dirfd);
		sr->dirfd = -1;
		return -ENOTDIR;
	}
	sr->live = stat("/", &rootst) == 0 && rootst.st_dev == st.st_dev && rootst.st_ino == st.st_ino;
	sr->aliased = sr->live && strcmp(root, "/") != 0;
	if (sr->live)
		strcpy(sr->path, "/");
	return 0;
}

static void record_free(struct sysroot_record *rec)
{
	if (!rec)
		return;
	for (size_t i = 0; i < rec->n; i++) {
		free(rec->v[i].path);
		free(rec->v[i].data);
	}
	free(rec->v);
	free(rec);
}

void sysroot_close(struct sysroot *sr)
{
	if (sr->dirfd >= 0)
		close(sr->dirfd);
	sr->dirfd = -1;
	record_free(sr->rec);
	sr->rec = NULL;
}

static int openat2_in_root(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

int sysroot_openat(const struct sysroot *sr, const char *path, int flags, mode_t mode)
{
	if (!path || path[0] != '/')
		return -EINVAL;
	return openat2_in_root(sr->dirfd, path, flags, mode);
}

/* Where an open fd really is, relative to the root: capture stores files there, without symlinks. */
static char *canonical_of_fd(const struct sysroot *sr, int fd)
{
	char link[64], real[PATH_MAX];
	size_t rootlen = strlen(sr->path);
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, real, sizeof(real) - 1);
	if (n < 0)
		return NULL;
	real[n] = '\0';
	if (rootlen == 1)
		return xstrdup(real);
	if (strncmp(real, sr->path, rootlen) != 0)
		return NULL;
	return xstrdup(real[rootlen] ? real + rootlen : "/");
}

static void record_add(struct sysroot_record *rec, enum rec_kind kind, char *path, const char *data, size_t len)
{
	struct rec_entry *e;

	if (rec->n == rec->cap) {
		rec->cap = rec->cap ? rec->cap * 2 : 256;
		rec->v = xrealloc(rec->v, rec->cap * sizeof(*rec->v));
	}
	e = &rec->v[rec->n++];
	e->kind = kind;
	e->path = path;
	e->len = len;
	e->data = xmalloc(len + 1);
	if (len)
		memcpy(e->data, data, len);
	e->data[len] = '\0';
}

/*
 * Keeps every symlink met on the way to path, each under its parent's canonical path, and
 * those inside link targets too (/proc/mounts -> self/mounts -> /proc/self -> PID).
 */
static void record_links_depth(const struct sysroot *sr, const char *path, int depth)
{
	char prefix[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(prefix) || depth > 8)
		return;
	for (size_t i = 1; i <= len; i++) {
		char target[PATH_MAX], *parent_canon, *slash;
		struct stat st;
		ssize_t n;
		int fd, pfd;

		if (i != len && path[i] != '/')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		fd = openat2_in_root(sr->dirfd, prefix, O_PATH | O_NOFOLLOW, 0);
		if (fd < 0)
			return;
		if (fstat(fd, &st) < 0 || !S_ISLNK(st.st_mode)) {
			close(fd);
			continue;
		}
		n = readlinkat(fd, "", target, sizeof(target) - 1);
		close(fd);
		if (n < 0)
			return;
		target[n] = '\0';
		slash = strrchr(prefix, '/');
		*slash = '\0';
		pfd = openat2_in_root(sr->dirfd, *prefix ? prefix : "/", O_PATH, 0);
		if (pfd < 0)
			return;
		parent_canon = canonical_of_fd(sr, pfd);
		close(pfd);
		if (!parent_canon)
			return;
		record_add(sr->rec, REC_LINK,
			   xasprintf("%s/%s", strcmp(parent_canon, "/") ? parent_canon : "", slash + 1),
			   target, (size_t)n);
		free(parent_canon);
		/* The target's own path may pass through links: keep those as well. */
		{
			char *next = target[0] == '/' ? xstrdup(target) :
				     xasprintf("%s/%s", *prefix ? prefix : "", target);

			record_links_depth(sr, next, depth + 1);
			free(next);
		}
	}
}

static void record_links(const struct sysroot *sr, const char *path)
{
	record_links_depth(sr, path, 0);
}

static void record_fd(const struct sysroot *sr, const char *path, int fd, enum rec_kind kind,
		      const char *data, size_t len)
{
	char *canon;

	if (!sr->rec)
		return;
	canon = canonical_of_fd(sr, fd);
	if (!canon)
		return;
	record_links(sr, path);
	record_add(sr->rec, kind, canon, data, len);
}

static int open_regular(const struct sysroot *sr, const char *path)
{
	struct stat st;
	int fd = sysroot_openat(sr, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* Reads until EOF or size-1 bytes; procfs and sysfs may return short reads. */
static ssize_t read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len < size - 1) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		/* seq_file and sysfs split only at page boundaries: a short read of a small file is its end. */
		if ((size_t)n < size - 1 - (len - (size_t)n) && len < 4096)
			break;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

ssize_t sysroot_read(const struct sysroot *sr, const char *path, char *buf, size_t size)
{
	ssize_t len;
	char extra;
	int fd;

	if (size < 2)
		return -EINVAL;
	fd = open_regular(sr, path);
	if (fd < 0)
		return fd;
	len = read_all(fd, buf, size);
	if (len >= 0 && (size_t)len == size - 1 && read(fd, &extra, 1) == 1)
		len = -EFBIG;
	if (len >= 0)
		record_fd(sr, path, fd, REC_FILE, buf, (size_t)len);
	close(fd);
	return len;
}

int sysroot_read_fd(int fd, size_t cap, char **out, size_t *lenp)
{
	size_t size = cap < 65536 ? cap : 65536, len = 0;
	char *buf = xmalloc(size);

	*out = NULL;
	for (;;) {
		ssize_t n;

		if (len + 1 >= size) {
			if (size >= cap) {
				free(buf);
				return -EFBIG;
			}
			size = size * 2 > cap ? cap : size * 2;
			buf = xrealloc(buf, size);
		}
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int rc = -errno;

			free(buf);
			return rc;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	if (lenp)
		*lenp = len;
	return 0;
}

int sysroot_read_alloc(const struct sysroot *sr, const char *path, size_t cap, char **out, size_t *lenp)
{
	size_t len;
	int rc, fd = open_regular(sr, path);

	*out = NULL;
	if (fd < 0)
		return fd;
	rc = sysroot_read_fd(fd, cap, out, &len);
	if (rc == 0) {
		record_fd(sr, path, fd, REC_FILE, *out, len);
		if (lenp)
			*lenp = len;
	}
	close(fd);
	return rc;
}

int sysroot_read_str(const struct sysroot *sr, const char *path, char *buf, size_t size)
{
	ssize_t len = sysroot_read(sr, path, buf, size);

	if (len < 0)
		return (int)len;
	if (memchr(buf, '\0', (size_t)len))
		return -EINVAL;	/* binary content is no value */
	if (!*trim(buf))
		return -ENODATA;
	return 0;
}

int sysroot_read_long(const struct sysroot *sr, const char *path, long *out)
{
	char buf[64];
	int rc = sysroot_read_str(sr, path, buf, sizeof(buf));

	if (rc == -EFBIG)
		return -EINVAL;
	if (rc)
		return rc;
	return parse_long(buf, out);
}

int sysroot_read_cpuset(const struct sysroot *sr, const char *path, struct cpuset *out)
{
	char *buf;
	int rc = sysroot_read_alloc(sr, path, CPUSET_TEXT_MAX, &buf, NULL);

	if (rc)
		return rc;
	rc = cpuset_parse(out, buf);
	free(buf);
	return rc;
}

int sysroot_read_mask(const struct sysroot *sr, const char *path, struct cpuset *out)
{
	char *buf;
	int rc = sysroot_read_alloc(sr, path, CPUSET_TEXT_MAX, &buf, NULL);

	if (rc)
		return rc;
	rc = cpuset_parse_mask(out, buf);
	free(buf);
	return rc;
}

int sysroot_readlink(const struct sysroot *sr, const char *path, char *buf, size_t size)
{
	int fd = sysroot_openat(sr, path, O_PATH | O_NOFOLLOW, 0);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = readlinkat(fd, "", buf, size - 1);
	if (n < 0) {
		int rc = errno == ENOENT ? -EINVAL : -errno;	/* not a link */

		close(fd);
		return rc;
	}
	close(fd);
	buf[n] = '\0';
	if (sr->rec)
		record_links(sr, path);
	return 0;
}

int sysroot_readlink_base(const struct sysroot *sr, const char *path, char *buf, size_t size)
{
	char target[PATH_MAX];
	const char *base;
	int rc = sysroot_readlink(sr, path, target, sizeof(target));

	if (rc)
		return rc;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!*base || strlen(base) >= size)
		return -EINVAL;
	strcpy(buf, base);
	return 0;
}

bool sysroot_exists(const struct sysroot *sr, const char *path)
{
	int fd = sysroot_openat(sr, path, O_PATH, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

bool sysroot_is_dir(const struct sysroot *sr, const char *path)
{
	int fd = sysroot_openat(sr, path, O_PATH | O_DIRECTORY, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sysroot_list(const struct sysroot *sr, const char *path, struct dirlist *out)
{
	int fd = sysroot_openat(sr, path, O_RDONLY | O_DIRECTORY, 0);
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	out->n = 0;
	out->names = NULL;
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 32;
			out->names = xrealloc(out->names, cap * sizeof(char *));
		}
		out->names[out->n++] = xstrdup(de->d_name);
	}
	if (out->n)
		qsort(out->names, out->n, sizeof(char *), cmp_str);
	if (sr->rec)
		record_fd(sr, path, dirfd(d), REC_DIR, "", 0);
	closedir(d);
	return 0;
}

void dirlist_free(struct dirlist *dl)
{
	for (size_t i = 0; i < dl->n; i++)
		free(dl->names[i]);
	free(dl->names);
	dl->names = NULL;
	dl->n = 0;
}

static int open_flags(unsigned flags)
{
	int f = (flags & SW_READ ? O_RDWR : O_WRONLY) | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

	if (flags & SW_CREATE)
		f |= O_CREAT | (flags & SW_EXCL ? O_EXCL : 0);
	if (flags & SW_APPEND)
		f |= O_APPEND;
	return f;
}

/* Refused unless a regular file; O_TRUNC only after that check, so a device never loses a byte. */
static int checked_write_fd(int fd, unsigned flags, mode_t mode, bool created)
{
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -SYSROOT_ENOTREG;
	}
	/* The umask may have narrowed a new file's mode (a boot script must be executable). */
	if (created && fchmod(fd, mode) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	if ((flags & SW_TRUNC) && st.st_size > 0 && ftruncate(fd, 0) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

/* Before a write-mode open: a device, FIFO or socket is refused without being opened at all. */
static int pre_check(int fd)
{
	struct stat st;
	int rc = 0;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (S_ISLNK(st.st_mode))
		rc = -ELOOP;
	else if (!S_ISREG(st.st_mode))
		rc = -SYSROOT_ENOTREG;
	close(fd);
	return rc;
}

int sysroot_check_write(const struct sysroot *sr, const char *path)
{
	if (!path || path[0] != '/')
		return -EINVAL;
	return pre_check(openat2_in_root(sr->dirfd, path, O_PATH | O_NOFOLLOW, 0));
}

int sysroot_open_write(const struct sysroot *sr, const char *path, unsigned flags, mode_t mode)
{
	int rc, fd;

	if (!path || path[0] != '/')
		return -EINVAL;
	rc = pre_check(openat2_in_root(sr->dirfd, path, O_PATH | O_NOFOLLOW, 0));
	if (rc < 0)
		return rc;
	fd = openat2_in_root(sr->dirfd, path, open_flags(flags), mode);
	/* Created by this open: with SW_EXCL certain, otherwise when the pre-check found nothing. */
	return checked_write_fd(fd, flags, mode, (flags & SW_CREATE) && (flags & SW_EXCL));
}

int sysroot_open_write_at(int dirfd, const char *name, unsigned flags, mode_t mode)
{
	int rc, fd;

	if (!*name || strchr(name, '/'))
		return -EINVAL;
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	rc = pre_check(fd < 0 ? -errno : fd);
	if (rc < 0)
		return rc;
	fd = openat(dirfd, name, open_flags(flags), mode);
	return checked_write_fd(fd < 0 ? -errno : fd, flags, mode, (flags & SW_CREATE) && (flags & SW_EXCL));
}

int sysroot_write_file(const struct sysroot *sr, const char *path, const char *data, size_t len, unsigned flags,
		       mode_t mode)
{
	int fd = sysroot_open_write(sr, path, flags, mode), rc = 0;
	ssize_t n;

	if (fd < 0)
		return fd;
	errno = 0;
	n = write(fd, data, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	if (!rc && (flags & SW_FSYNC) && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	return rc;
}

const char *sysroot_strerror(int rc)
{
	if (rc == -SYSROOT_ENOTREG)
		return "not a regular file (a device, FIFO or socket): tickready never writes one";
	if (rc == -ELOOP)
		return "a symbolic link: tickready never writes through a link";
	return strerror(rc < 0 ? -rc : rc);
}

int sysroot_write(const struct sysroot *sr, const char *path, const char *value)
{
	size_t len = strlen(value);
	int rc = sysroot_write_file(sr, path, value, len, 0, 0);

	if (rc && rc != -ELOOP && rc != -SYSROOT_ENOTREG) {
		char now[SYSROOT_SMALL];

		/* sysfs refuses rewriting some values it already holds; that is success. */
		if (sysroot_read_str(sr, path, now, sizeof(now)) == 0) {
			char want[SYSROOT_SMALL];

			snprintf(want, sizeof(want), "%s", value);
			trim(want);
			if (!strcmp(now, want))
				rc = 0;
		}
	}
	return rc;
}

int sysroot_record_start(struct sysroot *sr)
{
	if (!sr->rec)
		sr->rec = xcalloc(1, sizeof(*sr->rec));
	return 0;
}

void sysroot_record_stop(struct sysroot *sr)
{
	record_free(sr->rec);
	sr->rec = NULL;
}

void sysroot_record_synthetic(const struct sysroot *sr, const char *path, const char *data, size_t len)
{
	if (sr->rec)
		record_add(sr->rec, REC_FILE, xstrdup(path), data, len);
}

static int mkdir_p(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s%s", dir, rel);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	for (char *p = path + strlen(dir) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int parent_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;

	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(buf, path, len);
	buf[len] = '\0';
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct rec_entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (int)x->kind - (int)y->kind;
}

int sysroot_record_write(const struct sysroot *sr, const char *dir)
{
	struct sysroot_record *rec = sr->rec;
	int rc;

	if (!rec)
		return -EINVAL;
	if ((rc = mkdir_p(dir, "")) < 0)
		return rc;
	if (rec->n)
		qsort(rec->v, rec->n, sizeof(*rec->v), cmp_entry);
	/* Directories and files first, links last: canonical paths never pass through a link. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < rec->n; i++) {
			struct rec_entry *e = &rec->v[i];
			char parent[PATH_MAX], full[PATH_MAX];
			int fd;

			if (i && !strcmp(e->path, rec->v[i - 1].path) && e->kind == rec->v[i - 1].kind)
				continue;
			if ((pass == 1) != (e->kind == REC_LINK))
				continue;
			if (e->kind == REC_DIR) {
				if ((rc = mkdir_p(dir, e->path)) < 0)
					return rc;
				continue;
			}
			if ((rc = parent_of(e->path, parent, sizeof(parent))) < 0 ||
			    (rc = mkdir_p(dir, parent)) < 0)
				return rc;
			if ((size_t)snprintf(full, sizeof(full), "%s%s", dir, e->path) >= sizeof(full))
				return -ENAMETOOLONG;
			if (e->kind == REC_LINK) {
				if (symlink(e->data, full) < 0 && errno != EEXIST)
					return -errno;
				continue;
			}
			fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
			if (fd < 0) {
				if (errno == EISDIR)
					continue;
				return -errno;
			}
			if (e->len && write(fd, e->data, e->len) != (ssize_t)e->len)
				rc = -EIO;
			close(fd);
			if (rc)
				return rc;
		}
	}
	return 0;
}
