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
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>

#include "util.h"

enum rec_kind { REC_DIR, REC_FILE, REC_LINK };

struct rec_entry {
	enum rec_kind kind;
	char *path;	/* canonical, relative to the root, starting with '/' */
	char *data;	/* file contents or link target */
	size_t len;
	bool placeholder;	/* only seen in a listing or tested for: a real read of the path wins */
	size_t seq;		/* then the first read wins: it is what the first check saw */
	bool listing;		/* a REC_DIR that was listed: data holds its names, each NUL-ended */
};

/* Open-addressing hash from a path to an entry of the record. */
struct rec_index {
	struct {
		char *key;	/* NULL when free */
		size_t idx;
	} *slot;
	size_t n, cap;
};

struct sysroot_record {
	struct rec_entry *v;
	size_t n, cap;
	struct sysroot_record_stats written;
	struct rec_index lists;	/* listed directories, by the path kept */
	struct rec_index reads;	/* files read, by the path asked for */
};

/* What a read-only run learnt of each path (sysroot_memo_start): the bytes read, or -ENOENT. */
struct sysroot_memo {
	struct memo_entry {
		char *data;	/* NUL-terminated; NULL when rc < 0 */
		size_t len;
		int rc;
	} *v;
	size_t n, cap;
	struct rec_index index;	/* path -> entry of v, as the record's reads */
	pthread_mutex_t lock;	/* a host's second loading thread reads too */
};

/* name under the root as an O_PATH fd when it is a directory of the filesystem magic says (not a link to one), else -1. */
static int kernfs_dir(int rootfd, const char *name, long magic)
{
	int fd = openat(rootfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sfs;

	if (fd >= 0 && (fstatfs(fd, &sfs) < 0 || sfs.f_type != magic)) {
		close(fd);
		fd = -1;
	}
	return fd < 0 ? -1 : fd;
}

int sysroot_open(struct sysroot *sr, const char *root)
{
	struct stat st, rootst;
	char link[64];
	ssize_t n;

	memset(sr, 0, sizeof(*sr));
	sr->dirfd = sr->procfd = sr->sysfd = -1;
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
	if (sr->live) {
		strcpy(sr->path, "/");
		sr->procfd = kernfs_dir(sr->dirfd, "proc", PROC_SUPER_MAGIC);
		sr->sysfd = kernfs_dir(sr->dirfd, "sys", SYSFS_MAGIC);
	}
	return 0;
}

static void index_free(struct rec_index *ix)
{
	for (size_t i = 0; i < ix->cap; i++)
		free(ix->slot[i].key);
	free(ix->slot);
	memset(ix, 0, sizeof(*ix));
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
	index_free(&rec->lists);
	index_free(&rec->reads);
	free(rec);
}

static void memo_clear(struct sysroot_memo *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].data);
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
	index_free(&m->index);
}

void sysroot_memo_start(struct sysroot *sr)
{
	if (!sr->memo) {
		sr->memo = xcalloc(1, sizeof(*sr->memo));
		pthread_mutex_init(&sr->memo->lock, NULL);
	}
}

void sysroot_close(struct sysroot *sr)
{
	if (sr->dirfd >= 0)
		close(sr->dirfd);
	if (sr->live && sr->procfd >= 0)
		close(sr->procfd);
	if (sr->live && sr->sysfd >= 0)
		close(sr->sysfd);
	sr->dirfd = sr->procfd = sr->sysfd = -1;
	record_free(sr->rec);
	sr->rec = NULL;
	if (sr->memo) {
		memo_clear(sr->memo);
		pthread_mutex_destroy(&sr->memo->lock);
	}
	free(sr->memo);
	sr->memo = NULL;
}

/* A symlink the kernel makes up per process (/proc/PID/fd/N, exe, cwd, ns/...): everything on procfs below its top
 * level, where self, thread-self, mounts and net are ordinary links. parent is the directory holding the link. */
static bool magic_link(int parent)
{
	struct statfs sfs;
	struct stat st;

	return fstatfs(parent, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC &&
	       !(fstat(parent, &st) == 0 && st.st_ino == 1);	/* procfs's root directory is inode 1 */
}

#define WALK_DEPTH 128
#define WALK_LINKS 40	/* the kernel's MAXSYMLINKS */

/*
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) for kernels before 5.6, which lack openat2 (RHEL 8's 4.18, Ubuntu
 * 20.04's 5.4): one component at a time with O_NOFOLLOW, each symlink read and resolved again inside the root (an
 * absolute target starts over at the root, ".." stops there), a magic link refused with ELOOP as openat2 does.
 * The last component is opened with O_NOFOLLOW too, so a link swapped in after the check fails instead of leading out.
 */
int sysroot_walk_open(int rootfd, const char *path, int flags, mode_t mode)
{
	int stack[WALK_DEPTH], depth = 0, links = 0, rc = -ENOENT;
	char *rest = xstrdup(path), *p = rest;

	stack[0] = rootfd;
	for (;;) {
		char *comp, *slash, target[PATH_MAX];
		struct stat st;
		ssize_t n;
		bool last;
		int fd;

		while (*p == '/')
			p++;
		if (!*p) {	/* the root, or a path ending in "/" or "/.": the directory reached */
			rc = openat(stack[depth], ".", flags | O_CLOEXEC, mode);
			rc = rc < 0 ? -errno : rc;
			break;
		}
		comp = p;
		slash = strchr(p, '/');
		if (slash) {
			*slash = '\0';
			p = slash + 1;
		} else {
			p += strlen(p);
		}
		while (*p == '/')
			p++;
		last = !*p && !slash;
		if (!strcmp(comp, ".") && !last)
			continue;
		if (!strcmp(comp, "..") && !last) {
			if (depth > 0)
				close(stack[depth--]);
			continue;
		}
		if (!strcmp(comp, ".") || !strcmp(comp, "..")) {
			if (!strcmp(comp, "..") && depth > 0)
				close(stack[depth--]);
			rc = openat(stack[depth], ".", flags | O_CLOEXEC, mode);
			rc = rc < 0 ? -errno : rc;
			break;
		}
		fd = openat(stack[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			if (last && rc == -ENOENT && (flags & O_CREAT)) {
				rc = openat(stack[depth], comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
				rc = rc < 0 ? -errno : rc;
			}
			break;
		}
		if (fstat(fd, &st) < 0) {
			rc = -errno;
			close(fd);
			break;
		}
		if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
			char *joined;

			n = readlinkat(fd, "", target, sizeof(target) - 1);
			close(fd);
			if (n < 0 || ++links > WALK_LINKS || magic_link(stack[depth])) {
				rc = n < 0 ? -errno : -ELOOP;
				break;
			}
			target[n] = '\0';
			if (target[0] == '/')
				while (depth > 0)
					close(stack[depth--]);
			joined = *p ? xasprintf("%s/%s", target, p) : xstrdup(target);
			free(rest);
			rest = p = joined;
			continue;
		}
		if (last) {
			close(fd);
			rc = openat(stack[depth], comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			rc = rc < 0 ? -errno : rc;
			break;
		}
		if (!S_ISDIR(st.st_mode) || depth + 1 >= WALK_DEPTH) {
			rc = S_ISDIR(st.st_mode) ? -ENAMETOOLONG : -ENOTDIR;
			close(fd);
			break;
		}
		stack[++depth] = fd;
	}
	while (depth > 0)
		close(stack[depth--]);
	free(rest);
	return rc;
}

static int no_openat2;	/* set once the kernel said ENOSYS: every later open walks */

static int openat2_in_root(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (__atomic_load_n(&no_openat2, __ATOMIC_RELAXED))
		return sysroot_walk_open(dirfd, path, flags, mode);
	fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		__atomic_store_n(&no_openat2, 1, __ATOMIC_RELAXED);
		return sysroot_walk_open(dirfd, path, flags, mode);
	}
	return fd < 0 ? -errno : (int)fd;
}

int sysroot_kernfs_open(const struct sysroot *sr, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel;
	long fd;
	int dfd;

	if (!sr->live || (flags & (O_ACCMODE | O_CREAT | O_PATH)) != O_RDONLY ||
	    __atomic_load_n(&no_openat2, __ATOMIC_RELAXED))
		return -EXDEV;
	if (!strncmp(path, "/proc/", 6) && sr->procfd >= 0) {
		dfd = sr->procfd;
		rel = path + 6;
	} else if (!strncmp(path, "/sys/", 5) && sr->sysfd >= 0) {
		dfd = sr->sysfd;
		rel = path + 5;
	} else {
		return -EXDEV;
	}
	fd = syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
	if (fd >= 0)
		return (int)fd;
	return errno == ENOSYS ? -EXDEV : -errno;	/* ENOSYS: the caller's open walks and says so */
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

static size_t hash_str(const char *s)
{
	size_t h = 14695981039346656037ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* The slot of key: the one holding it, or the free one to put it in. */
static size_t index_slot(const struct rec_index *ix, const char *key)
{
	size_t i = hash_str(key) & (ix->cap - 1);

	while (ix->slot[i].key && strcmp(ix->slot[i].key, key))
		i = (i + 1) & (ix->cap - 1);
	return i;
}

/* Whether key is kept, and its index in *idx. */
static bool index_find(const struct rec_index *ix, const char *key, size_t *idx)
{
	size_t i;

	if (!ix->cap)
		return false;
	i = index_slot(ix, key);
	*idx = ix->slot[i].idx;
	return ix->slot[i].key != NULL;
}

/* The entry kept for key, or NULL. */
static const struct rec_entry *index_get(const struct sysroot_record *rec, const struct rec_index *ix, const char *key)
{
	size_t i;

	return index_find(ix, key, &i) ? &rec->v[i] : NULL;
}

/* Keeps the first entry for key: later ones are not what the first reader saw. */
static void index_put(struct rec_index *ix, const char *key, size_t idx)
{
	size_t i;

	if (2 * (ix->n + 1) > ix->cap) {
		struct rec_index old = *ix;

		ix->cap = ix->cap ? ix->cap * 2 : 256;
		ix->slot = xcalloc(ix->cap, sizeof(*ix->slot));
		for (size_t j = 0; j < old.cap; j++)
			if (old.slot[j].key)
				ix->slot[index_slot(ix, old.slot[j].key)] = old.slot[j];
		free(old.slot);
	}
	i = index_slot(ix, key);
	if (ix->slot[i].key)
		return;
	ix->slot[i].key = xstrdup(key);
	ix->slot[i].idx = idx;
	ix->n++;
}

static struct rec_entry *record_add(struct sysroot_record *rec, enum rec_kind kind, char *path, const char *data,
				    size_t len)
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
	e->placeholder = false;
	e->listing = false;
	e->seq = rec->n;
	return e;
}

static bool on_procfs(int fd)
{
	struct statfs st;

	return fstatfs(fd, &st) == 0 && st.f_type == PROC_SUPER_MAGIC;
}

/* path without "//" and "/./"; NULL when it holds ".." (only the kernel can say where that leads). */
static char *clean_path(const char *path)
{
	char *out = xmalloc(strlen(path) + 2), *o = out;

	for (const char *p = path; *p;) {
		const char *end;
		size_t n;

		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (n == 2 && !strncmp(p, "..", 2)) {
			free(out);
			return NULL;
		}
		if (n && !(n == 1 && *p == '.')) {
			*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p = end;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return out;
}

/*
 * Where the capture keeps what fd is: its canonical path, except on a live procfs, where the
 * kernel's own links (/proc/self -> PID, /proc/mounts -> self/mounts, /proc/net -> self/net)
 * lead to the capturing process: there the path as asked is kept, so the capture holds plain
 * files and directories that audit reads and apply appends to (a hugetlbfs mount in a tree).
 */
static char *record_path_of(const struct sysroot *sr, const char *path, int fd)
{
	if (path && !strncmp(path, "/proc/", 6) && on_procfs(fd)) {
		char *clean = clean_path(path);

		if (clean)
			return clean;
	}
	return canonical_of_fd(sr, fd);
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
		/* The kernel's links in /proc itself become what they lead to (record_path_of). */
		if (parent_canon && !strcmp(parent_canon, "/proc") && on_procfs(pfd)) {
			free(parent_canon);
			close(pfd);
			continue;
		}
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
	canon = record_path_of(sr, path, fd);
	if (!canon)
		return;
	record_links(sr, path);
	record_add(sr->rec, kind, canon, data, len);
	if (kind == REC_FILE)
		index_put(&sr->rec->reads, path, sr->rec->n - 1);
}

/*
 * While capturing, each file is read once: a later read of the same path gets the first
 * answer (what the capture keeps), so every check sees one snapshot. NULL when not read yet,
 * or when what was kept does not fit below limit (the read then tells, as it would have).
 */
static const struct rec_entry *record_replay(const struct sysroot *sr, const char *path, size_t limit)
{
	const struct rec_entry *e = sr->rec ? index_get(sr->rec, &sr->rec->reads, path) : NULL;

	return e && e->len < limit ? e : NULL;
}

/* A path only tested for (exists, is_dir): kept as an empty directory or an empty file. */
static void record_seen(const struct sysroot *sr, const char *path, int fd)
{
	struct stat st;
	char *canon;

	if (!sr->rec || fstat(fd, &st) < 0)
		return;
	canon = record_path_of(sr, path, fd);
	if (!canon)
		return;
	record_links(sr, path);
	record_add(sr->rec, S_ISDIR(st.st_mode) ? REC_DIR : REC_FILE, canon, "", 0)->placeholder = true;
}

static void record_entries(const struct sysroot *sr, const char *path, int dfd, const struct dirlist *dl);

/*
 * While capturing, each directory is listed once: a later listing gets the first one's names,
 * so every check sees the one snapshot the capture keeps (processes come and go between checks).
 */
static void record_listing(const struct sysroot *sr, const char *path, int dfd, struct dirlist *dl)
{
	struct sysroot_record *rec = sr->rec;
	char *where = record_path_of(sr, path, dfd), *names;
	const struct rec_entry *first;
	struct rec_entry *e;
	size_t len = 0;

	if (!where)
		return;
	if ((first = index_get(rec, &rec->lists, where))) {
		dirlist_free(dl);
		for (size_t off = 0; off < first->len; off += strlen(first->data + off) + 1)
			dl->n++;
		dl->names = xmalloc((dl->n ? dl->n : 1) * sizeof(char *));
		dl->n = 0;
		for (size_t off = 0; off < first->len; off += strlen(first->data + off) + 1)
			dl->names[dl->n++] = xstrdup(first->data + off);
		free(where);
		return;
	}
	for (size_t i = 0; i < dl->n; i++)
		len += strlen(dl->names[i]) + 1;
	names = xmalloc(len + 1);
	for (size_t i = 0, off = 0; i < dl->n; i++) {
		size_t n = strlen(dl->names[i]) + 1;

		memcpy(names + off, dl->names[i], n);
		off += n;
	}
	record_links(sr, path);
	e = record_add(rec, REC_DIR, where, names, len);
	e->listing = true;
	index_put(&rec->lists, where, (size_t)(e - rec->v));
	free(names);
	record_entries(sr, path, dfd, dl);
}

/*
 * A listing's entries, so that audit of the capture lists the same names: links as links,
 * directories and other files as empty placeholders (filled when the file itself was read).
 */
static void record_entries(const struct sysroot *sr, const char *path, int dfd, const struct dirlist *dl)
{
	char *base = record_path_of(sr, path, dfd);
	bool proc_top = base && !strcmp(base, "/proc") && on_procfs(dfd);

	if (!base)
		return;
	for (size_t i = 0; i < dl->n; i++) {
		const char *name = dl->names[i];
		char *where = xasprintf("%s/%s", strcmp(base, "/") ? base : "", name);
		char target[PATH_MAX];
		struct stat st;
		ssize_t n;

		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (S_ISLNK(st.st_mode) && proc_top && fstatat(dfd, name, &st, 0) < 0)) {
			free(where);
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			n = readlinkat(dfd, name, target, sizeof(target) - 1);
			if (n < 0) {
				free(where);
				continue;
			}
			record_add(sr->rec, REC_LINK, where, target, (size_t)n);
			continue;
		}
		record_add(sr->rec, S_ISDIR(st.st_mode) ? REC_DIR : REC_FILE, where, "", 0)->placeholder = true;
	}
	free(base);
}

/*
 * Whether reads of path are memoised: on a live root (a tree's thousands of files, each read once, paid
 * more for the keeping than they saved: 512-cpu synthetic tree +10% cpu), not a process's own files, and
 * not while capturing.
 */
static bool memo_on(const struct sysroot *sr, const char *path)
{
	if (!sr->memo || sr->rec || !sr->live)
		return false;
	if (!strncmp(path, "/proc/", 6)) {
		const char *top = path + 6;

		if ((*top >= '0' && *top <= '9') || !strncmp(top, "self", 4) || !strncmp(top, "thread-self", 11))
			return false;
	}
	return true;
}

/*
 * What was kept for path, when it answers a read below limit bytes: 1 with *rc the -errno kept, or
 * the bytes copied to buf (size limit) or to a malloc'd *out with their length in *rc. 0 when not kept.
 */
static int memo_get(const struct sysroot *sr, const char *path, size_t limit, char *buf, char **out, ssize_t *rc)
{
	struct sysroot_memo *m = sr->memo;
	const struct memo_entry *s;
	int hit = 0;
	size_t i;

	if (!memo_on(sr, path))
		return 0;
	pthread_mutex_lock(&m->lock);
	s = index_find(&m->index, path, &i) ? &m->v[i] : NULL;
	if (s && (s->rc < 0 || s->len < limit)) {
		hit = 1;
		*rc = s->rc < 0 ? s->rc : (ssize_t)s->len;
		if (s->rc == 0 && buf)
			memcpy(buf, s->data, s->len + 1);
		if (s->rc == 0 && out) {
			*out = xmalloc(s->len + 1);
			memcpy(*out, s->data, s->len + 1);
		}
	}
	pthread_mutex_unlock(&m->lock);
	return hit;
}

/* Keeps what a read of path answered: its bytes, or that it is absent (other errors depend on the reader). */
static void memo_keep(const struct sysroot *sr, const char *path, int rc, const char *data, size_t len)
{
	struct sysroot_memo *m = sr->memo;
	struct memo_entry *s;
	size_t i;

	if ((rc < 0 && rc != -ENOENT) || !memo_on(sr, path))
		return;
	pthread_mutex_lock(&m->lock);
	if (!index_find(&m->index, path, &i)) {	/* the first answer stays */
		if (m->n == m->cap) {
			m->cap = m->cap ? m->cap * 2 : 256;
			m->v = xrealloc(m->v, m->cap * sizeof(*m->v));
		}
		s = &m->v[m->n];
		s->rc = rc < 0 ? rc : 0;
		s->len = len;
		s->data = NULL;
		if (rc >= 0) {
			s->data = xmalloc(len + 1);
			memcpy(s->data, data, len);
			s->data[len] = '\0';
		}
		index_put(&m->index, path, m->n++);
	}
	pthread_mutex_unlock(&m->lock);
}

/*
 * path opened for reading when a regular file: -EINVAL for anything else. On a live procfs or sysfs
 * (sysroot_kernfs_open) only a directory can be the wrong kind, and reading one fails with EISDIR,
 * which read_errno turns into that -EINVAL: no fstat there.
 */
static int read_errno(void)
{
	return errno == EISDIR ? -EINVAL : -errno;
}

/*
 * Anywhere else (a tree, or a live file on neither procfs nor sysfs) the file is opened O_PATH, which
 * runs no driver, and reopened for reading through /proc/self/fd (that same inode, no second lookup)
 * only once fstat has seen a regular file: an open of a device node runs its driver's open (a
 * watchdog arms, a tape rewinds at the close) before an fstat after it could refuse the node. Two
 * syscalls a file more: for every file of a tree, and on the live root for the few others read (/etc,
 * /boot, a cgroup file).
 */
static int open_regular(const struct sysroot *sr, const char *path)
{
	char self[32];
	struct stat st;
	int fd = sysroot_kernfs_open(sr, path, O_RDONLY | O_NONBLOCK | O_NOCTTY), rfd;

	if (fd != -EXDEV)
		return fd;
	fd = sysroot_openat(sr, path, O_PATH, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	str_num(self, sizeof(self), "/proc/self/fd/", fd, "");
	rfd = open(self, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (rfd < 0)
		rfd = -errno;
	close(fd);
	return rfd;
}

int sysroot_read_device(const struct sysroot *sr, const char *path, off_t offset, void *buf, size_t len)
{
	struct stat st;
	ssize_t n;
	int fd;

	if (!sr->live)
		return -EPERM;
	fd = sysroot_openat(sr, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	do
		n = pread(fd, buf, len, offset);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/*
 * Reads until EOF or size-1 bytes; procfs and sysfs may return short reads. At offsets from 0 (pread)
 * when positional: a kept file read again (sysroot_pread).
 */
static ssize_t read_all(int fd, char *buf, size_t size, bool positional)
{
	size_t len = 0;

	while (len < size - 1) {
		ssize_t n = positional ? pread(fd, buf + len, size - 1 - len, (off_t)len) : read(fd, buf + len, size - 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return read_errno();
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
	const struct rec_entry *kept;
	ssize_t len;
	char extra;
	int fd;

	if (size < 2)
		return -EINVAL;
	if ((kept = record_replay(sr, path, size - 1))) {
		memcpy(buf, kept->data, kept->len + 1);
		return (ssize_t)kept->len;
	}
	if (memo_get(sr, path, size - 1, buf, NULL, &len))
		return len;
	fd = open_regular(sr, path);
	if (fd < 0) {
		memo_keep(sr, path, fd, NULL, 0);
		return fd;
	}
	len = read_all(fd, buf, size, false);
	if (len >= 0 && (size_t)len == size - 1 && read(fd, &extra, 1) == 1)
		len = -EFBIG;
	if (len >= 0) {
		record_fd(sr, path, fd, REC_FILE, buf, (size_t)len);
		memo_keep(sr, path, 0, buf, (size_t)len);
	}
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
			int rc = read_errno();

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
	const struct rec_entry *kept = record_replay(sr, path, cap - 1);
	ssize_t got;
	size_t len;
	int rc, fd;

	*out = NULL;
	if (kept) {
		*out = xmalloc(kept->len + 1);
		memcpy(*out, kept->data, kept->len + 1);
		if (lenp)
			*lenp = kept->len;
		return 0;
	}
	if (memo_get(sr, path, cap - 1, NULL, out, &got)) {
		if (got >= 0 && lenp)
			*lenp = (size_t)got;
		return got < 0 ? (int)got : 0;
	}
	fd = open_regular(sr, path);
	if (fd < 0) {
		memo_keep(sr, path, fd, NULL, 0);
		return fd;
	}
	rc = sysroot_read_fd(fd, cap, out, &len);
	if (rc == 0) {
		record_fd(sr, path, fd, REC_FILE, *out, len);
		memo_keep(sr, path, 0, *out, len);
		if (lenp)
			*lenp = len;
	}
	close(fd);
	return rc;
}

/* Lines of buf[0..len) up to a NUL byte; the rest (an unfinished line) is left. Returns the bytes used; *nul when one was met. */
static size_t give_lines(char *buf, size_t len, bool last, bool *nul, void (*fn)(void *, char *), void *arg)
{
	char *p = buf, *end = buf + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *z = memchr(p, '\0', n);

		if (z || (!nl && last)) {
			fn(arg, p);	/* NUL-terminated: at z, or at end (buf[len] is NUL) */
			*nul = z != NULL;
			return len;
		}
		if (!nl)
			break;
		*nl = '\0';
		fn(arg, p);
		p = nl + 1;
	}
	return (size_t)(p - buf);
}

/* While capturing, a streamed file is kept whole for the record: its bound there. */
#define LINES_RECORD_CAP ((size_t)1 << 30)

/* Streams fd's lines to fn; at offset *pos with pread when pos is given (a kept file read again from 0), else read. */
static int stream_lines(int fd, off_t *pos, size_t line_cap, void (*fn)(void *arg, char *line), void *arg)
{
	size_t size = 256u << 10, have = 0;
	bool nul = false;
	char *buf;
	int rc = 0;

	buf = xmalloc(size + 1);
	for (;;) {
		ssize_t n;
		size_t used;

		if (have == size) {
			size *= 2;
			buf = xrealloc(buf, size + 1);
		}
		n = pos ? pread(fd, buf + have, size - have, *pos) : read(fd, buf + have, size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = read_errno();
			break;
		}
		if (pos)
			*pos += n;
		have += (size_t)n;
		buf[have] = '\0';
		used = give_lines(buf, have, n == 0, &nul, fn, arg);
		memmove(buf, buf + used, have - used);
		have -= used;
		/* only an unfinished line is held: the file's size is no limit, a line's is */
		if (have + 1 >= line_cap) {
			rc = -EFBIG;
			break;
		}
		if (n == 0 || nul)
			break;
	}
	free(buf);
	return rc;
}

int sysroot_read_lines(const struct sysroot *sr, const char *path, size_t line_cap,
		       void (*fn)(void *arg, char *line), void *arg)
{
	bool nul = false;
	int fd, rc = 0;

	if (sr->rec) {
		char *text;
		size_t len;

		if ((rc = sysroot_read_alloc(sr, path, LINES_RECORD_CAP, &text, &len)) == 0)
			give_lines(text, strlen(text), true, &nul, fn, arg);
		free(text);
		return rc;
	}
	if ((fd = open_regular(sr, path)) < 0)
		return fd;
	rc = stream_lines(fd, NULL, line_cap, fn, arg);
	close(fd);
	return rc;
}

int sysroot_open_kept(const struct sysroot *sr, const char *path)
{
	return open_regular(sr, path);
}

ssize_t sysroot_pread(int fd, char *buf, size_t size)
{
	ssize_t len;
	char extra;

	if (size < 2)
		return -EINVAL;
	len = read_all(fd, buf, size, true);
	if (len == (ssize_t)size - 1 && pread(fd, &extra, 1, (off_t)len) == 1)
		return -EFBIG;
	return len;
}

int sysroot_read_lines_fd(int fd, size_t line_cap, void (*fn)(void *arg, char *line), void *arg)
{
	off_t pos = 0;

	return stream_lines(fd, &pos, line_cap, fn, arg);
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

/* One value file read as sysroot_read does (a short read of a small file is its end: one read, not two). */
static int read_set(const struct sysroot *sr, const char *path, struct cpuset *out,
		    int (*parse)(struct cpuset *, const char *))
{
	char *buf = xmalloc(CPUSET_TEXT_MAX);
	ssize_t len = sysroot_read(sr, path, buf, CPUSET_TEXT_MAX);
	int rc = len < 0 ? (int)len : parse(out, buf);

	free(buf);
	return rc;
}

int sysroot_read_cpuset(const struct sysroot *sr, const char *path, struct cpuset *out)
{
	return read_set(sr, path, out, cpuset_parse);
}

int sysroot_read_mask(const struct sysroot *sr, const char *path, struct cpuset *out)
{
	return read_set(sr, path, out, cpuset_parse_mask);
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
	ssize_t got;
	int fd;

	if (memo_get(sr, path, SIZE_MAX, NULL, NULL, &got))
		return got >= 0;
	fd = sysroot_openat(sr, path, O_PATH, 0);
	if (fd < 0)
		return false;
	record_seen(sr, path, fd);
	close(fd);
	return true;
}

bool sysroot_is_dir(const struct sysroot *sr, const char *path)
{
	int fd = sysroot_openat(sr, path, O_PATH | O_DIRECTORY, 0);

	if (fd < 0) {
		/* Not a directory, yet there: the capture must not turn it into one. */
		if (fd == -ENOTDIR && sr->rec && (fd = sysroot_openat(sr, path, O_PATH, 0)) >= 0) {
			record_seen(sr, path, fd);
			close(fd);
		}
		return false;
	}
	record_seen(sr, path, fd);
	close(fd);
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Each entry of an open directory but "." and "..", by getdents64 on the fd itself: sysroot_openat
 * opened it O_DIRECTORY | O_CLOEXEC already, so fdopendir's fstat and two fcntls would only repeat
 * that (three calls a directory, and audit lists dozens). fn returns nonzero to stop. 0 or -errno.
 */
static int each_entry(int fd, int (*fn)(void *arg, const char *name), void *arg)
{
	char buf[16384] __attribute__((aligned(8)));

	for (;;) {
		ssize_t n = getdents64(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *de = (const struct dirent64 *)(buf + off);

			off += de->d_reclen;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (fn(arg, de->d_name))
				return 0;
		}
	}
}

struct names {
	struct dirlist *out;
	size_t cap;
	const char *prefix;	/* NULL: every name */
	size_t plen;
};

static int add_name(void *arg, const char *name)
{
	struct names *nm = arg;
	struct dirlist *out = nm->out;

	if (nm->prefix && strncmp(name, nm->prefix, nm->plen))
		return 0;

	if (out->n == nm->cap) {
		nm->cap = nm->cap ? nm->cap * 2 : 32;
		out->names = xrealloc(out->names, nm->cap * sizeof(char *));
	}
	out->names[out->n++] = xstrdup(name);
	return 0;
}

int sysroot_list(const struct sysroot *sr, const char *path, struct dirlist *out)
{
	int fd = sysroot_openat(sr, path, O_RDONLY | O_DIRECTORY, 0), rc;
	struct names nm = { out, 0, NULL, 0 };

	out->n = 0;
	out->names = NULL;
	if (fd < 0)
		return fd;
	if ((rc = each_entry(fd, add_name, &nm)) < 0) {
		dirlist_free(out);
		close(fd);
		return rc;
	}
	if (out->n)
		qsort(out->names, out->n, sizeof(char *), cmp_str);
	if (sr->rec)
		record_listing(sr, path, fd, out);
	close(fd);
	return 0;
}

int sysroot_list_prefix(const struct sysroot *sr, const char *path, const char *prefix, struct dirlist *out)
{
	struct names nm = { out, 0, prefix, strlen(prefix) };
	int fd, rc;
	size_t k = 0;

	/* While capturing, the whole listing is kept: list it all, keep the matches. */
	if (sr->rec) {
		if ((rc = sysroot_list(sr, path, out)) < 0)
			return rc;
		for (size_t i = 0; i < out->n; i++) {
			if (!strncmp(out->names[i], prefix, nm.plen))
				out->names[k++] = out->names[i];
			else
				free(out->names[i]);
		}
		out->n = k;
		return 0;
	}
	out->n = 0;
	out->names = NULL;
	if ((fd = sysroot_openat(sr, path, O_RDONLY | O_DIRECTORY, 0)) < 0)
		return fd;
	rc = each_entry(fd, add_name, &nm);
	close(fd);
	if (rc < 0) {
		dirlist_free(out);
		return rc;
	}
	if (out->n)
		qsort(out->names, out->n, sizeof(char *), cmp_str);
	return 0;
}

struct links {
	int dfd;
	int (*fn)(void *arg, const char *name, const char *target);
	void *arg;
};

/* A name holds no '/' and readlinkat never follows it: nothing leaves the directory. */
static int one_link(void *arg, const char *name)
{
	const struct links *l = arg;
	char target[PATH_MAX];
	ssize_t n = readlinkat(l->dfd, name, target, sizeof(target) - 1);

	/* procfs asks once per process (ptrace access): one refusal stands for every link here. */
	if (n < 0 && (errno == EACCES || errno == EPERM))
		return 1;
	if (n < 0)
		return 0;	/* not a link, or gone */
	target[n] = '\0';
	return l->fn(l->arg, name, target);
}

int sysroot_list_links(const struct sysroot *sr, const char *dir, int (*fn)(void *arg, const char *name,
		       const char *target), void *arg)
{
	int fd, rc = 0;

	/* While capturing, each link is read (and kept) as sysroot_readlink keeps it. */
	if (sr->rec) {
		struct dirlist dl;
		char path[PATH_MAX], target[PATH_MAX];

		if ((rc = sysroot_list(sr, dir, &dl)) < 0)
			return rc;
		for (size_t i = 0; i < dl.n && !rc; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, dl.names[i]);
			if (sysroot_readlink(sr, path, target, sizeof(target)) == 0)
				rc = fn(arg, dl.names[i], target);
		}
		dirlist_free(&dl);
		return 0;
	}
	if ((fd = sysroot_openat(sr, dir, O_RDONLY | O_DIRECTORY, 0)) < 0)
		return fd;
	rc = each_entry(fd, one_link, &(struct links){ fd, fn, arg });
	close(fd);
	return rc < 0 ? rc : 0;
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
	if (sr->memo) {	/* what was read may change now */
		pthread_mutex_lock(&sr->memo->lock);
		memo_clear(sr->memo);
		pthread_mutex_unlock(&sr->memo->lock);
	}
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
	const struct rec_entry *x = *(const struct rec_entry *const *)a, *y = *(const struct rec_entry *const *)b;
	int c = strcmp(x->path, y->path);

	if (!c)
		c = (int)x->kind - (int)y->kind;
	if (!c)
		c = (int)x->placeholder - (int)y->placeholder;	/* what was read before what was only seen */
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Writes the entries in order (sorted by path), the first of each path and kind only. */
static int write_entries(struct sysroot_record *rec, struct rec_entry *const *order, const char *dir)
{
	int rc = 0;

	/* Directories and files first, links last: canonical paths never pass through a link. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < rec->n; i++) {
			const struct rec_entry *e = order[i];
			char parent[PATH_MAX], full[PATH_MAX];
			int fd;

			if (i && !strcmp(e->path, order[i - 1]->path) && e->kind == order[i - 1]->kind)
				continue;
			if ((pass == 1) != (e->kind == REC_LINK))
				continue;
			if (e->kind == REC_DIR) {
				if ((rc = mkdir_p(dir, e->path)) < 0)
					return rc;
				rec->written.dirs++;
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
				rec->written.links++;
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
			rec->written.files++;
			if (rc)
				return rc;
		}
	}
	return 0;
}

int sysroot_record_write(const struct sysroot *sr, const char *dir)
{
	struct sysroot_record *rec = sr->rec;
	struct rec_entry **order;
	int rc;

	if (!rec)
		return -EINVAL;
	if ((rc = mkdir_p(dir, "")) < 0)
		return rc;
	memset(&rec->written, 0, sizeof(rec->written));
	/* Sorted by reference: the indexes keep pointing into v for a capture that goes on reading. */
	order = xmalloc((rec->n ? rec->n : 1) * sizeof(*order));
	for (size_t i = 0; i < rec->n; i++)
		order[i] = &rec->v[i];
	if (rec->n)
		qsort(order, rec->n, sizeof(*order), cmp_entry);
	rc = write_entries(rec, order, dir);
	free(order);
	return rc;
}

void sysroot_record_stats(const struct sysroot *sr, struct sysroot_record_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (sr->rec)
		*out = sr->rec->written;
}
