/* The change kinds: each one's exec, undo and status, and the one table that names them. */
#include "kinds.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bind.h"
#include "ethtool.h"
#include "files.h"
#include "state.h"
#include "util.h"

static int remove_path(const struct sysroot *sr, const char *path, bool dir)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc = 0;

	if (!slash || strlen(path) >= sizeof(parent))
		return -EINVAL;
	snprintf(parent, sizeof(parent), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = sysroot_openat(sr, parent, O_PATH | O_DIRECTORY, 0);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (unlinkat(fd, slash + 1, dir ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
		rc = -errno;
	close(fd);
	return rc;
}

static int create_file(const struct sysroot *sr, const char *path, const char *data, size_t len, mode_t mode)
{
	int rc = sysroot_write_file(sr, path, data, len, SW_CREATE | SW_EXCL | SW_FSYNC, mode);

	if (rc < 0 && rc != -EEXIST && rc != -ELOOP && rc != -SYSROOT_ENOTREG)
		remove_path(sr, path, false);
	return rc;
}

static int append_file(const struct sysroot *sr, const char *path, const char *data, size_t len)
{
	return sysroot_write_file(sr, path, data, len, SW_APPEND | (is_pseudo(path) ? 0 : SW_FSYNC), 0);
}

static int tree_truncate(const struct sysroot *sr, const char *path, off_t size)
{
	int fd = sysroot_open_write(sr, path, 0, 0), rc;

	if (fd < 0)
		return fd;
	rc = ftruncate(fd, size) < 0 ? -errno : 0;
	if (!rc && !is_pseudo(path) && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/*
 * Takes out what an append added: the bytes at the old end of the file when they are (a prefix of)
 * the line, else the suffix, else its last occurrence; nothing when it is gone. oldsize < 0: unknown.
 */
static int unappend_file(const struct sysroot *sr, const char *path, const char *data, size_t len, long oldsize)
{
	char *text, *hit = NULL;
	size_t tlen, cut = len;
	int rc = tree_read(sr, path, &text, &tlen);

	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	if (oldsize >= 0 && (size_t)oldsize < tlen && !memcmp(text + oldsize, data, tlen - (size_t)oldsize < len ?
								    tlen - (size_t)oldsize : len)) {
		hit = text + oldsize;
		cut = tlen - (size_t)oldsize < len ? tlen - (size_t)oldsize : len;
	} else if (tlen >= len && !memcmp(text + tlen - len, data, len)) {
		hit = text + tlen - len;
	} else {
		for (char *s = text; (s = memmem(s, tlen - (size_t)(s - text), data, len)); s++)
			hit = s;
	}
	if (hit && (size_t)(hit - text) + cut == tlen) {
		/* At the end: one ftruncate, so a kill never leaves the file half rewritten. */
		rc = tree_truncate(sr, path, (off_t)(tlen - cut));
	} else if (hit) {
		memmove(hit, hit + cut, tlen - (size_t)(hit - text) - cut);
		rc = tree_write(sr, path, text, tlen - cut);
	}
	free(text);
	return rc;
}

/* A mount point as a host path under a live root ("/" only: mount(2) never runs in a tree). */
static int do_mount(const char *target, const char *opts)
{
	return mount("hugetlbfs", target, "hugetlbfs", MS_NOSUID | MS_NODEV, opts) < 0 ? -errno : 0;
}

/* ---- ethtool settings in a tree: the key=value files a capture keeps ---- */

static char *kv_replace(const char *text, size_t len, const char *key, const char *value)
{
	struct strbuf sb = { 0 };
	size_t klen = strlen(key), pos = 0;
	bool done = false;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - text - pos) : len - pos;

		if (l > klen && !strncmp(text + pos, key, klen) && text[pos + klen] == '=') {
			strbuf_addf(&sb, "%s=%s\n", key, value);
			done = true;
		} else {
			strbuf_addf(&sb, "%.*s\n", (int)l, text + pos);
		}
		pos += l + 1;
	}
	if (!done)
		strbuf_addf(&sb, "%s=%s\n", key, value);
	return strbuf_detach(&sb);
}


/* ---- the W record ---- */

static struct jvalue jv(const char *s)
{
	return (struct jvalue){ .present = s != NULL, .data = (char *)s, .len = s ? strlen(s) : 0 };
}

static struct jvalue jvn(const char *s, size_t len, bool present)
{
	return (struct jvalue){ .present = present, .data = (char *)s, .len = len };
}

static const struct jvalue none;

int kind_journal(struct exec_ctx *x, const char *op, const char *target, const struct jvalue *old,
		 const struct jvalue *restore, const struct jvalue *value)
{
	int rc = journal_intent(x->j, op, target, old, restore, value, &x->seq);

	if (rc < 0) {
		x->journal_rc = rc;
		x->seq = 0;
	}
	return rc;
}

/* ---- write: a sysfs/procfs value or a whole file's bytes ---- */

/* Refused (a link, a device, a FIFO) and unreadable old values: errors before anything is journaled. */
static int journal_old_value(struct exec_ctx *x, const char *path, const char *restore, const char *value,
			     size_t vlen)
{
	struct jvalue jo, jr = jv(restore), jn = jvn(value, vlen, true);
	char *old = NULL;
	size_t olen = 0;
	int rc = sysroot_check_write(x->sr, path);

	if (rc < 0)
		return rc;
	rc = tree_read(x->sr, path, &old, &olen);
	/* What cannot be read cannot be restored. Only a live attribute without a read side (unbind) has no old value. */
	if (rc < 0 && !(rc == -EACCES && x->sr->live && is_pseudo(path)))
		return rc;
	jo = jvn(old, olen, old != NULL);
	rc = kind_journal(x, "write", path, &jo, &jr, &jn);
	free(old);
	return rc;
}

static int do_write(const struct sysroot *sr, const char *path, const char *value, size_t vlen)
{
	return sr->live && is_pseudo(path) ? sysroot_write(sr, path, value) : tree_write(sr, path, value, vlen);
}

static int exec_write(struct exec_ctx *x, const struct change *c)
{
	const char *v = !x->sr->live && c->emulate ? c->emulate : c->value;
	int rc = journal_old_value(x, c->path, c->current, v, strlen(v));

	return rc < 0 ? rc : do_write(x->sr, c->path, v, strlen(v));
}

/* A refusal happens at open: nothing was written. */
static bool refused(const struct jrec *r)
{
	return r->failed && (r->fail_errno == ELOOP || r->fail_errno == SYSROOT_ENOTREG || r->fail_errno == ENOENT);
}

static int undo_write(const struct sysroot *sr, const struct jrec *r)
{
	const char *path = r->target.data;

	if (refused(r))
		return 0;
	/* The live kernel takes the value back ("madvise"), a tree gets its exact old bytes. */
	if (sr->live && is_pseudo(path) && r->restore.present) {
		int rc = sysroot_write(sr, path, r->restore.data);

		/* The IRQ went away with its device (a driver bind undone before it): nothing to restore. */
		return rc == -ENOENT && !strncmp(path, "/proc/irq/", 10) ? 0 : rc;
	}
	if (!r->old.present)
		return 0;
	return tree_write(sr, path, r->old.data, r->old.len);
}

static bool path_is(const char *path, const char *suffix)
{
	size_t a = strlen(path), b = strlen(suffix);

	return a >= b && !strcmp(path + a - b, suffix);
}

/* sysfs shows some values differently from how they are written: "[never]", masks padded with zeros. */
static bool same_value(const char *path, const char *live, const char *want)
{
	struct cpuset a, b;
	char br[256];

	if (!strcmp(live, want))
		return true;
	snprintf(br, sizeof(br), "[%s]", want);
	if (strstr(live, br))
		return true;
	if (path_is(path, "_list") || path_is(path, "watchdog_cpumask"))
		return cpuset_parse(&a, live) == 0 && cpuset_parse(&b, want) == 0 && cpuset_equal(&a, &b);
	if (path_is(path, "smp_affinity") || path_is(path, "/cpumask"))
		return cpuset_parse_mask(&a, live) == 0 && cpuset_parse_mask(&b, want) == 0 && cpuset_equal(&a, &b);
	return false;
}

static void status_file(const struct sysroot *sr, const struct jrec *r, struct change_status *st)
{
	const char *path = r->target.data;
	char *text = NULL, *want = xstrdup(r->value.data ? r->value.data : "");
	size_t len;

	if (tree_read(sr, path, &text, &len) < 0) {
		st->v = CV_UNSUPPORTED;
	} else if (strchr(trim(want), '\n')) {
		st->v = len == r->value.len && !memcmp(text, r->value.data, len) ? CV_PASS : CV_FAIL;
		st->wanted = xstrdup("(file)");
		st->live = xstrdup(st->v == CV_PASS ? "(same)" : "(differs)");
	} else {
		st->v = same_value(path, trim(text), want) ? CV_PASS : CV_FAIL;
		st->wanted = xstrdup(want);
		st->live = xstrdup(trim(text));
	}
	free(text);
	free(want);
}

/* ---- create: a whole new file ---- */

static int exec_create(struct exec_ctx *x, const struct change *c)
{
	const char *value = c->value ? c->value : "";
	struct jvalue jn = jv(value);
	int rc = sysroot_check_write(x->sr, c->path);

	if (rc < 0 || (rc = kind_journal(x, "create", c->path, &none, &none, &jn)) < 0)
		return rc;
	return create_file(x->sr, c->path, value, strlen(value), c->mode ? c->mode : 0644);
}

static int undo_create(const struct sysroot *sr, const struct jrec *r)
{
	/* O_EXCL failed: the file was someone else's. A later failure left ours, maybe half written. */
	if (refused(r) || (r->failed && r->fail_errno == EEXIST))
		return 0;
	return remove_path(sr, r->target.data, false);
}

/* ---- append: a line at the end of a file ---- */

static int exec_append(struct exec_ctx *x, const struct change *c)
{
	const char *value = c->value ? c->value : "";
	struct jvalue jn = jv(value), jo;
	char size[32];
	struct stat st;
	int fd, rc = sysroot_check_write(x->sr, c->path);

	if (rc < 0)
		return rc;
	/* The old size, so revert takes out exactly what this append added, even half of it. */
	fd = sysroot_openat(x->sr, c->path, O_PATH, 0);
	if (fd < 0)
		return fd;
	rc = fstat(fd, &st) < 0 ? -errno : 0;
	close(fd);
	if (rc < 0)
		return rc;
	snprintf(size, sizeof(size), "%lld", (long long)st.st_size);
	jo = jv(size);
	if ((rc = kind_journal(x, "append", c->path, &jo, &none, &jn)) < 0)
		return rc;
	return append_file(x->sr, c->path, value, strlen(value));
}

/* Even a failed append is undone: its fsync may have failed after the bytes went in. */
static int undo_append(const struct sysroot *sr, const struct jrec *r)
{
	long oldsize = -1;

	if (refused(r))
		return 0;
	if (r->old.present && parse_long(r->old.data, &oldsize) < 0)
		oldsize = -1;
	return unappend_file(sr, r->target.data, r->value.data, r->value.len, oldsize);
}

static void status_append(const struct sysroot *sr, const struct jrec *r, struct change_status *st)
{
	char *text = NULL;
	size_t len = 0;

	st->wanted = xstrdup("(line)");
	st->v = CV_FAIL;
	if (tree_read(sr, r->target.data, &text, &len) == 0) {
		st->v = memmem(text, len, r->value.data, r->value.len) ? CV_PASS : CV_FAIL;
		free(text);
	}
}

/* ---- mkdir ---- */

static int exec_mkdir(struct exec_ctx *x, const struct change *c)
{
	struct jvalue jn = jv(c->value ? c->value : "");
	int rc = kind_journal(x, "mkdir", c->path, &none, &none, &jn);

	return rc < 0 ? rc : tree_mkdir_p(x->sr, c->path, 0755);
}

static int undo_mkdir(const struct sysroot *sr, const struct jrec *r)
{
	int rc;

	if (r->failed)
		return 0;	/* mkdir is atomic: a failed one made nothing */
	rc = remove_path(sr, r->target.data, true);
	return rc == -ENOTEMPTY || rc == -EEXIST ? 0 : rc;
}

static void status_mkdir(const struct sysroot *sr, const struct jrec *r, struct change_status *st)
{
	st->v = sysroot_is_dir(sr, r->target.data) ? CV_PASS : CV_FAIL;
}

/* ---- mount (live only) ---- */

static int exec_mount(struct exec_ctx *x, const struct change *c)
{
	const char *value = c->value ? c->value : "";
	struct jvalue jn = jv(value);
	int rc = kind_journal(x, "mount", c->path, &none, &none, &jn);

	return rc < 0 ? rc : do_mount(c->path, value);
}

static int undo_mount(const struct sysroot *sr, const struct jrec *r)
{
	if (!sr->live || r->failed)
		return 0;
	return umount2(r->target.data, 0) < 0 && errno != EINVAL && errno != ENOENT ? -errno : 0;
}

static void status_mount(const struct sysroot *sr, const struct jrec *r, struct change_status *st)
{
	char *text;
	size_t len;

	st->wanted = xstrdup(r->value.data ? r->value.data : "");
	if (!sr->live) {
		st->v = CV_UNSUPPORTED;
		return;
	}
	st->v = CV_FAIL;
	if (tree_read(sr, "/proc/mounts", &text, &len) == 0) {
		st->v = strstr(text, r->target.data) ? CV_PASS : CV_FAIL;
		free(text);
	}
}

/* ---- ethtool: an ioctl on the live host, the key=value files a capture keeps in a tree ---- */

static int exec_ethtool(struct exec_ctx *x, const struct change *c)
{
	struct jvalue jo, jn;
	char target[96], *text, *next;
	size_t len;
	int rc;

	if (!x->sr->live) {
		if ((rc = tree_read(x->sr, c->path, &text, &len)) < 0)
			return rc;
		next = kv_replace(text, len, c->key, c->value);
		free(text);
		rc = journal_old_value(x, c->path, NULL, next, strlen(next));
		if (rc == 0)
			rc = do_write(x->sr, c->path, next, strlen(next));
		free(next);
		return rc;
	}
	snprintf(target, sizeof(target), "%s %s", c->iface, c->key);
	jo = jv(c->current);
	jn = jv(c->value);
	if ((rc = kind_journal(x, "ethtool", target, &jo, &jo, &jn)) < 0)
		return rc;
	return nic_ethtool_set(x->sr, c->iface, c->key, c->value);
}

static int undo_ethtool(const struct sysroot *sr, const struct jrec *r)
{
	char iface[64], key[32];

	if (!sr->live || !r->restore.present || sscanf(r->target.data, "%63s %31s", iface, key) != 2)
		return 0;
	return nic_ethtool_set(sr, iface, key, r->restore.data);
}

/* ---- exec and service: argv run and its undo argv ---- */

static int exec_argv(struct exec_ctx *x, const struct change *c)
{
	struct jvalue undo = jvn(c->argv_undo, c->argv_undo ? argv_packed_len(c->argv_undo) : 0, c->argv_undo != NULL);
	struct jvalue jn = jvn(c->argv_do, argv_packed_len(c->argv_do), true);
	char **argv;
	int rc = kind_journal(x, "exec", c->target, &undo, &none, &jn);

	if (rc < 0)
		return rc;
	argv = argv_unpack(c->argv_do);
	rc = run_argv(argv);
	free(argv);
	return rc > 0 ? -EIO : rc;
}

static int undo_argv(const struct sysroot *sr, const struct jrec *r)
{
	char **argv;
	int rc;

	if (!r->old.present || !sr->live || r->failed)
		return 0;
	argv = argv_unpack(r->old.data);
	rc = run_argv(argv);
	free(argv);
	return rc > 0 ? -EIO : rc;
}

/* What ran is known only from its record. */
static void status_done(const struct sysroot *sr, const struct jrec *r, struct change_status *st)
{
	(void)sr;
	if (r->value.data)
		st->wanted = xstrdup(r->value.data);
	st->v = r->done ? CV_PASS : CV_FAIL;
}

/* ---- bind: a PCI function to another driver ---- */

/* The bound device's former netdev names, so that audit still finds "ens1f0" once it is gone. */
static int bind_state_path(const char *pci, char *path, size_t size)
{
	return snprintf(path, size, BIND_STATE_DIR "/%s", pci) < (int)size ? 0 : -ENAMETOOLONG;
}

/* Journal: OLD the driver link's text, RESTORE driver_override's old content, NEW the driver. */
static int exec_bind(struct exec_ctx *x, const struct change *c)
{
	char link[PATH_MAX], override[128], names[512], state[160];
	struct jvalue jo, jr, jn = jv(c->value);
	int rc;

	if ((rc = pci_driver_link(x->sr, c->iface, link, sizeof(link))) < 0 ||
	    (rc = pci_driver_override(x->sr, c->iface, override, sizeof(override))) < 0)
		return rc;
	pci_netdev_names(x->sr, c->iface, names, sizeof(names));
	jo = jvn(link, strlen(link), link[0] != '\0');
	jr = jv(override);
	if ((rc = kind_journal(x, "bind", c->iface, &jo, &jr, &jn)) < 0)
		return rc;
	rc = pci_bind(x->sr, c->iface, c->value);
	if (rc == 0 && names[0] && (rc = bind_state_path(c->iface, state, sizeof(state))) == 0)
		rc = state_write(x->sr, state, names, strlen(names));
	return rc;
}

/* A failed bind may have got half way (override set, old driver gone): undone too. */
static int undo_bind(const struct sysroot *sr, const struct jrec *r)
{
	const char *pci = r->target.data;
	char state[160];
	int rc = pci_unbind_restore(sr, pci, r->old.present ? r->old.data : "", r->restore.present ? r->restore.data : "");

	if (rc == 0 && bind_state_path(pci, state, sizeof(state)) == 0 && (rc = state_remove(sr, state, 0)) == 0)
		state_remove(sr, BIND_STATE_DIR, 1);	/* fails while other devices stay bound */
	return rc;
}

static void status_bind(const struct sysroot *sr, const struct jrec *r, struct change_status *st)
{
	char link[PATH_MAX];
	const char *drv;

	st->wanted = xstrdup(r->value.data ? r->value.data : "");
	if (pci_driver_link(sr, r->target.data, link, sizeof(link)) < 0) {
		st->v = CV_UNSUPPORTED;
		return;
	}
	drv = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	st->live = xstrdup(drv[0] ? drv : "(unbound)");
	st->v = !strcmp(drv, r->value.data ? r->value.data : "") ? CV_PASS : CV_FAIL;
}

/* ---- cmdline: a row of the plan carried out by the boot drop-in's write ---- */

static int exec_none(struct exec_ctx *x, const struct change *c)
{
	(void)x;
	(void)c;
	return 0;
}

/* ---- the table ---- */

const struct change_kind_ops change_kinds[CK_COUNT] = {
	[CK_WRITE] = { "write", exec_write, undo_write, status_file },
	[CK_CREATE] = { "create", exec_create, undo_create, status_file },
	[CK_APPEND] = { "append", exec_append, undo_append, status_append },
	[CK_MKDIR] = { "mkdir", exec_mkdir, undo_mkdir, status_mkdir },
	[CK_ETHTOOL] = { "ethtool", exec_ethtool, undo_ethtool, status_done },
	[CK_CMDLINE] = { "cmdline", exec_none, NULL, NULL },
	[CK_BIND] = { "bind", exec_bind, undo_bind, status_bind },
	[CK_SERVICE] = { "service", exec_argv, undo_argv, status_done },
	[CK_MOUNT] = { "mount", exec_mount, undo_mount, status_mount },
	[CK_EXEC] = { "exec", exec_argv, undo_argv, status_done },
};

const char *const change_verdict_names[CV_COUNT] = { "pass", "fail", "pending-reboot", "unsupported" };

const struct change_kind_ops *change_kind_by_op(const char *op)
{
	for (int k = 0; k < CK_COUNT; k++)
		if (change_kinds[k].undo && !strcmp(change_kinds[k].name, op))
			return &change_kinds[k];
	return NULL;
}

void change_status(const struct sysroot *sr, const struct jrec *r, struct change_status *st)
{
	const struct change_kind_ops *k = change_kind_by_op(r->op);

	memset(st, 0, sizeof(*st));
	if (k && k->status)
		k->status(sr, r, st);
	else
		st->v = CV_UNSUPPORTED;
}

void change_status_free(struct change_status *st)
{
	free(st->wanted);
	free(st->live);
	memset(st, 0, sizeof(*st));
}
