/* Fixture copies (made once per test binary, restored per case) and check runs for the check tests. */
#include "checktest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "util.h"

#ifndef TEST_SRCDIR
#define TEST_SRCDIR "."
#endif

/* A fixture tree held in memory: each entry's path, type, mode and bytes (a link's target). */
struct fx_entry {
	char *rel;	/* "" for the root, else "sys/devices/..." */
	mode_t mode;
	char *data;
	size_t len;
};

struct fx_image {
	char name[64];
	struct fx_entry *e;	/* sorted by rel, so a directory comes before what it holds */
	size_t n, cap;
};

/* A copy on disk; a finished case hands it back and the next case gets it restored. */
struct fx_copy {
	struct fx_image *img;
	char dir[PATH_MAX];
	bool busy;
};

/* Test-binary state: each fixture is read once and copied once per case that runs at the same time. */
static struct fx_image images[16];	/* one per fixture a test binary uses */
static size_t nimages;
static struct fx_copy copies[8];
static size_t ncopies;

static void die(const char *what, const char *path)
{
	fprintf(stderr, "checktest: %s '%s': %s\n", what, path, strerror(errno));
	abort();
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fx_entry *)a)->rel, ((const struct fx_entry *)b)->rel);
}

static char *read_fd_all(int fd, size_t *len, const char *path)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	ssize_t r;

	while ((r = read(fd, buf + n, cap - n)) != 0) {
		if (r < 0)
			die("cannot read", path);
		n += (size_t)r;
		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	*len = n;
	return buf;
}

static void image_add(struct fx_image *img, const char *abs, const char *rel)
{
	struct fx_entry *e;
	struct stat st;

	if (lstat(abs, &st) < 0)
		die("cannot stat", abs);
	if (img->n == img->cap)
		img->e = xrealloc(img->e, (img->cap = img->cap ? img->cap * 2 : 512) * sizeof(*img->e));
	e = &img->e[img->n++];
	memset(e, 0, sizeof(*e));
	e->rel = xstrdup(rel);
	e->mode = st.st_mode;
	if (S_ISREG(st.st_mode)) {
		int fd = open(abs, O_RDONLY | O_NOFOLLOW);

		if (fd < 0)
			die("cannot open", abs);
		e->data = read_fd_all(fd, &e->len, abs);
		close(fd);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(abs, target, sizeof(target) - 1);

		if (n < 0)
			die("cannot read link", abs);
		e->data = xmalloc((size_t)n + 1);
		memcpy(e->data, target, (size_t)n);
		e->len = (size_t)n;
	} else if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(abs);
		struct dirent *de;

		if (!d)
			die("cannot list", abs);
		while ((de = readdir(d))) {
			char cabs[PATH_MAX], crel[PATH_MAX];

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(cabs, sizeof(cabs), "%s/%s", abs, de->d_name);
			snprintf(crel, sizeof(crel), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
			image_add(img, cabs, crel);
		}
		closedir(d);
	} else {
		errno = EINVAL;
		die("fixture holds neither file, directory nor link", abs);
	}
}

static struct fx_image *image_get(const char *name)
{
	struct fx_image *img;
	char src[PATH_MAX];
	size_t i;

	for (i = 0; i < nimages; i++)
		if (!strcmp(images[i].name, name))
			return &images[i];
	if (nimages == sizeof(images) / sizeof(images[0]) || strlen(name) >= sizeof(img->name))
		abort();
	img = &images[nimages++];
	snprintf(img->name, sizeof(img->name), "%s", name);
	snprintf(src, sizeof(src), "%s/tests/fixtures/%s", TEST_SRCDIR, name);
	image_add(img, src, "");
	qsort(img->e, img->n, sizeof(*img->e), entry_cmp);
	return img;
}

static struct fx_entry *image_find(struct fx_image *img, const char *rel)
{
	struct fx_entry key = { .rel = (char *)rel };

	return bsearch(&key, img->e, img->n, sizeof(*img->e), entry_cmp);
}

/*
 * rm -rf of NAME in directory DFD, never following a link; 0 or -errno. Only async-signal-safe calls
 * (openat, getdents64, unlinkat, lseek, close), so the signal handler that ends an interrupted run uses it too.
 */
static int remove_tree(int dfd, const char *name)
{
	char buf[2048] __attribute__((aligned(8)));
	bool again = true;
	int fd, rc = 0;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return -errno;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Entries removed while reading may hide others from the same pass: read again until a pass removes none. */
	while (again && rc == 0) {
		ssize_t n;

		again = false;
		if (lseek(fd, 0, SEEK_SET) < 0)
			rc = -errno;
		while (rc == 0 && (n = getdents64(fd, buf, sizeof(buf))) != 0) {
			if (n < 0) {
				rc = -errno;
				break;
			}
			for (ssize_t off = 0; off < n && rc == 0;) {
				const struct dirent64 *de = (const struct dirent64 *)(buf + off);

				off += de->d_reclen;
				if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
					rc = remove_tree(fd, de->d_name);
					again = true;
				}
			}
		}
	}
	close(fd);
	if (rc == 0 && unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = -errno;
	return rc;
}

static void remove_at(int dfd, const char *name, const char *shown)
{
	int rc = remove_tree(dfd, name);

	if (rc < 0) {
		errno = -rc;
		die("cannot remove", shown);
	}
}

static bool file_matches(int dfd, const char *name, const struct fx_entry *e, const struct stat *st)
{
	bool same;
	size_t len;
	char *buf;
	int fd;

	if ((size_t)st->st_size != e->len || st->st_nlink != 1)
		return false;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return false;
	buf = read_fd_all(fd, &len, name);
	close(fd);
	same = len == e->len && !memcmp(buf, e->data, len);
	free(buf);
	return same;
}

static bool link_matches(int dfd, const char *name, const struct fx_entry *e)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dfd, name, target, sizeof(target));

	return n >= 0 && (size_t)n == e->len && !memcmp(target, e->data, e->len);
}

/* Walks the copy: what the source lacks goes, what differs goes too, what is right is marked seen. */
static void copy_prune(struct fx_copy *c, int dfd, const char *rel, bool *seen)
{
	int fd = dup(dfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (!d)
		die("cannot list", c->dir);
	while ((de = readdir(d))) {
		char crel[PATH_MAX];
		struct fx_entry *e;
		struct stat st;
		bool keep = false;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(crel, sizeof(crel), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		e = image_find(c->img, crel);
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die("cannot stat", crel);
		if (e && (st.st_mode & S_IFMT) == (e->mode & S_IFMT)) {
			if (S_ISDIR(st.st_mode)) {
				int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

				if (sub < 0)
					die("cannot open", crel);
				copy_prune(c, sub, crel, seen);
				close(sub);
				keep = true;
			} else if (S_ISREG(st.st_mode)) {
				keep = file_matches(dfd, de->d_name, e, &st);
			} else {
				keep = link_matches(dfd, de->d_name, e);
			}
			if (keep && !S_ISLNK(st.st_mode) && st.st_mode != e->mode &&
			    fchmodat(dfd, de->d_name, e->mode & 07777, 0) < 0)
				die("cannot chmod", crel);
		}
		if (keep)
			seen[e - c->img->e] = true;
		else
			remove_at(dfd, de->d_name, crel);
	}
	closedir(d);
}

static void entry_create(int root, const struct fx_entry *e)
{
	int fd;

	if (S_ISDIR(e->mode)) {
		if (mkdirat(root, e->rel, 0700) < 0 || fchmodat(root, e->rel, e->mode & 07777, 0) < 0)
			die("cannot make directory", e->rel);
	} else if (S_ISLNK(e->mode)) {
		char target[PATH_MAX];

		snprintf(target, sizeof(target), "%.*s", (int)e->len, e->data);
		if (symlinkat(target, root, e->rel) < 0)
			die("cannot make link", e->rel);
	} else {
		fd = openat(root, e->rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
		if (fd < 0 || write(fd, e->data, e->len) != (ssize_t)e->len ||
		    fchmod(fd, e->mode & 07777) < 0 || close(fd) < 0)
			die("cannot write", e->rel);
	}
}

/* Makes the copy equal to the source again: only what a case changed is touched. */
static void copy_restore(struct fx_copy *c)
{
	bool *seen = xcalloc(c->img->n, sizeof(*seen));
	int root = open(c->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	size_t i;

	if (root < 0)
		die("cannot open", c->dir);
	copy_prune(c, root, "", seen);
	/* e[0] is the root itself (rel ""), which exists; parents sort before their entries. */
	if (fchmod(root, c->img->e[0].mode & 07777) < 0)
		die("cannot chmod", c->dir);
	for (i = 1; i < c->img->n; i++)
		if (!seen[i])
			entry_create(root, &c->img->e[i]);
	close(root);
	free(seen);
}

/*
 * Every copy lives under one root, made with the first: it goes at exit and on a signal that ends the run
 * (interrupted, killed by SIGTERM, aborted by die), in the process that made it only, never in a child a test forks.
 */
static char fx_root[] = "/tmp/tickready-fx-XXXXXX";
static pid_t fx_root_owner;
static const int fx_root_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT };

static void root_remove(void)
{
	if (fx_root_owner == getpid())
		remove_tree(AT_FDCWD, fx_root);
}

/* Removes the root, then the signal ends the process as it would have (SA_RESETHAND: the default action). */
static void root_remove_on_signal(int sig)
{
	int saved = errno;

	root_remove();
	errno = saved;
	raise(sig);
}

static void root_make(void)
{
	struct sigaction sa = { .sa_handler = root_remove_on_signal, .sa_flags = SA_RESETHAND };

	if (!mkdtemp(fx_root))
		die("cannot make", fx_root);
	fx_root_owner = getpid();
	atexit(root_remove);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fx_root_signals) / sizeof(fx_root_signals[0]); i++)
		sigaction(fx_root_signals[i], &sa, NULL);
}

static struct fx_copy *copy_take(const char *name)
{
	struct fx_image *img = image_get(name);
	struct fx_copy *c = NULL;
	size_t i;

	for (i = 0; i < ncopies && !c; i++)
		if (copies[i].img == img && !copies[i].busy)
			c = &copies[i];
	if (!c) {
		if (ncopies == sizeof(copies) / sizeof(copies[0]))
			abort();
		if (!ncopies)
			root_make();
		c = &copies[ncopies];
		c->img = img;
		snprintf(c->dir, sizeof(c->dir), "%s/%zu", fx_root, ncopies);
		if (mkdir(c->dir, 0700) < 0)
			die("cannot make", c->dir);
		ncopies++;
	}
	copy_restore(c);
	c->busy = true;
	return c;
}

static void unload(struct fx *fx)
{
	if (!fx->loaded)
		return;
	finding_clear(&fx->f);
	profile_free(&fx->prof);
	host_free(&fx->host);
	sysroot_close(&fx->sr);
	fx->loaded = 0;
}

void fx_init(struct fx *fx, const char *name)
{
	memset(fx, 0, sizeof(*fx));
	fx->copy = copy_take(name);
	snprintf(fx->dir, sizeof(fx->dir), "%s", fx->copy->dir);
	fx->profile_extra = xstrdup("");
}

const char *fx_path(struct fx *fx, const char *path)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s%s", fx->dir, path);
	return buf;
}

/* mkdir -p of the directory FULL is in. */
static void mkdir_parents(const char *full)
{
	char dir[PATH_MAX], *p;

	snprintf(dir, sizeof(dir), "%s", full);
	for (p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			die("cannot make directory", dir);
		*p = '/';
	}
}

void fx_write_bin(struct fx *fx, const char *path, const void *data, size_t len)
{
	char full[PATH_MAX];
	FILE *fp;

	snprintf(full, sizeof(full), "%s%s", fx->dir, path);
	mkdir_parents(full);
	unlink(full);
	fp = fopen(full, "wb");
	if (!fp || fwrite(data, 1, len, fp) != len)
		abort();
	fclose(fp);
}

void fx_write(struct fx *fx, const char *path, const char *content)
{
	fx_write_bin(fx, path, content, strlen(content));
}

void fx_remove(struct fx *fx, const char *path)
{
	char full[PATH_MAX];

	snprintf(full, sizeof(full), "%s%s", fx->dir, path);
	remove_at(AT_FDCWD, full, full);
}

/* ln -sfn: a link or file at PATH is replaced; a real directory there is a test bug. */
void fx_symlink(struct fx *fx, const char *target, const char *path)
{
	char full[PATH_MAX];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", fx->dir, path);
	if (lstat(full, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			die("cannot replace with a link", full);
		}
		if (unlink(full) < 0)
			die("cannot remove", full);
	}
	if (symlink(target, full) < 0)
		die("cannot make link", full);
}

void fx_profile(struct fx *fx, const char *ini)
{
	char *joined = xasprintf("%s\n%s\n", fx->profile_extra, ini);

	free(fx->profile_extra);
	fx->profile_extra = joined;
}

const struct finding *fx_check(struct fx *fx, const char *id)
{
	const struct check *c = check_find(id);
	struct profile_error err;
	struct check_ctx ctx;
	char path[PATH_MAX], *text, *base;
	size_t len;
	FILE *fp;

	unload(fx);
	if (!c) {
		fprintf(stderr, "checktest: no check '%s'\n", id);
		abort();
	}
	snprintf(path, sizeof(path), "%s/tests/fixtures/profiles/base.ini", TEST_SRCDIR);
	fp = fopen(path, "r");
	if (!fp)
		abort();
	base = xmalloc(65536);
	len = fread(base, 1, 65535, fp);
	base[len] = '\0';
	fclose(fp);
	text = xasprintf("%s\n%s", base, fx->profile_extra);
	free(base);
	if (sysroot_open(&fx->sr, fx->dir) < 0)
		abort();
	host_load(&fx->host, &fx->sr);
	if (profile_load_string(&fx->prof, text, "fixture-base.ini", &err) < 0 ||
	    profile_resolve(&fx->prof, &fx->host, &err) < 0) {
		fprintf(stderr, "checktest: profile: %s\n", err.msg);
		abort();
	}
	free(text);
	fx->loaded = 1;
	ctx.host = &fx->host;
	ctx.prof = &fx->prof;
	ctx.sr = &fx->sr;
	ctx.app = fx->app;
	check_run(c, &ctx, &fx->f);
	return &fx->f;
}

void fx_done(struct fx *fx)
{
	unload(fx);
	fx->copy->busy = false;
	free(fx->profile_extra);
}

void assert_verdict_at(const struct finding *f, enum verdict v, const char *file, int line)
{
	if (f->verdict == v)
		return;
	fprintf(stderr, "%s:%d: %s: expected %s, got %s\n  observed: %s\n  expected: %s\n  remedy: %s\n",
		file, line, f->check ? f->check->id : "?", verdict_name(v), verdict_name(f->verdict),
		f->observed ? f->observed : "", f->expected ? f->expected : "", f->remedy ? f->remedy : "");
	_fail(file, line);
}

void assert_has_at(const char *s, const char *needle, const char *file, int line)
{
	if (s && strstr(s, needle))
		return;
	fprintf(stderr, "%s:%d: '%s' not in '%s'\n", file, line, needle, s ? s : "(null)");
	_fail(file, line);
}

void assert_lacks_at(const char *s, const char *needle, const char *file, int line)
{
	if (!s || !strstr(s, needle))
		return;
	fprintf(stderr, "%s:%d: '%s' unexpectedly in '%s'\n", file, line, needle, s);
	_fail(file, line);
}

int fx_setup_base(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx_init(fx, "base");
	*state = fx;
	return 0;
}

int fx_teardown(void **state)
{
	fx_done(*state);
	free(*state);
	return 0;
}
