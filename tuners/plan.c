/* The apply plan: building it from findings and tuners, executing it through the journal, its JSON. */
#include "plan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bind.h"
#include "journal.h"
#include "tuners.h"
#include "ethtool.h"
#include "util.h"

static const char *const kind_names[] = {
#define X(e, s) s,
	CHANGE_KINDS(X)
#undef X
};

const char *change_kind_name(enum change_kind k)
{
	return (unsigned)k < CK_COUNT ? kind_names[k] : "?";
}

int change_kind_from_name(const char *name)
{
	for (int k = 0; k < CK_COUNT; k++)
		if (!strcmp(kind_names[k], name))
			return k;
	return -1;
}

const struct finding *tune_finding(const struct tune_ctx *ctx, const char *check_id)
{
	for (size_t i = 0; i < ctx->nfindings; i++)
		if (ctx->findings[i].check && !strcmp(ctx->findings[i].check->id, check_id))
			return &ctx->findings[i];
	return NULL;
}

bool tune_failed(const struct tune_ctx *ctx, const char *check_id)
{
	const struct finding *f = tune_finding(ctx, check_id);

	return f && (f->verdict == V_FAIL || f->verdict == V_WARN);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static size_t hash_str(const char *a, const char *b)
{
	size_t h = 1469598103934665603ull;

	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ull;
	for (; b && *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ull;
	return h;
}

static bool same_change(const struct change *c, enum change_kind kind, const char *path, const char *target)
{
	return c->kind == kind && !strcmp(c->path, path) && (kind != CK_ETHTOOL || !strcmp(c->target, target));
}

static void rehash(struct plan *p)
{
	free(p->slots);
	p->nslots = p->cap * 2;
	p->slots = xcalloc(p->nslots, sizeof(*p->slots));
	for (size_t i = 0; i < p->n; i++) {
		size_t h;

		if (!p->v[i].path)
			continue;
		h = hash_str(p->v[i].path, p->v[i].kind == CK_ETHTOOL ? p->v[i].target : NULL) % p->nslots;
		while (p->slots[h])
			h = (h + 1) % p->nslots;
		p->slots[h] = i + 1;
	}
}

/* Slots hold index + 1; a path's slot chain ends at a zero. */
static bool plan_has(const struct plan *p, enum change_kind kind, const char *path, const char *target)
{
	size_t h;

	if (!p->nslots)
		return false;
	h = hash_str(path, kind == CK_ETHTOOL ? target : NULL) % p->nslots;
	for (; p->slots[h]; h = (h + 1) % p->nslots)
		if (same_change(&p->v[p->slots[h] - 1], kind, path, target))
			return true;
	return false;
}

struct change *plan_add(struct plan *p, const char *check, enum change_kind kind, const char *target,
			const char *path, const char *current, const char *value)
{
	struct change *c;

	if (path && plan_has(p, kind, path, target))
		return NULL;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	c = &p->v[p->n++];
	memset(c, 0, sizeof(*c));
	c->check = check;
	c->kind = kind;
	c->target = xstrdup(target);
	c->path = dup_or_null(path);
	c->current = dup_or_null(current);
	c->value = dup_or_null(value);
	if (p->cap * 2 != p->nslots)
		rehash(p);
	else if (path) {
		size_t h = hash_str(path, kind == CK_ETHTOOL ? target : NULL) % p->nslots;

		while (p->slots[h])
			h = (h + 1) % p->nslots;
		p->slots[h] = p->n;
	}
	return c;
}

void change_set(char **field, const char *fmt, ...)
{
	va_list ap;

	free(*field);
	va_start(ap, fmt);
	*field = xvasprintf(fmt, ap);
	va_end(ap);
}

void plan_add_manual(struct plan *p, const struct finding *f, const char *why)
{
	struct manual *m;

	for (size_t i = 0; i < p->nmanual; i++)
		if (!strcmp(p->manual[i].check, f->check->id))
			return;
	if (p->nmanual == p->capmanual) {
		p->capmanual = p->capmanual ? p->capmanual * 2 : 16;
		p->manual = xrealloc(p->manual, p->capmanual * sizeof(*p->manual));
	}
	m = &p->manual[p->nmanual++];
	m->check = f->check->id;
	m->observed = dup_or_null(f->observed);
	m->expected = dup_or_null(f->expected);
	m->remedy = dup_or_null(f->remedy);
	m->why = xstrdup(why ? why : f->check->plan ? "apply found no change to make for it on this host"
						  : "tickready has no safe change for this knob");
}

char *argv_pack(const char *const *argv)
{
	size_t len = 1;
	char *out, *o;

	for (const char *const *a = argv; *a; a++)
		len += strlen(*a) + 1;
	out = o = xmalloc(len);
	for (const char *const *a = argv; *a; a++) {
		strcpy(o, *a);
		o += strlen(*a) + 1;
	}
	*o = '\0';
	return out;
}

char **argv_unpack(const char *packed)
{
	size_t n = 0;
	char **argv;

	for (const char *a = packed; *a; a += strlen(a) + 1)
		n++;
	argv = xcalloc(n + 1, sizeof(*argv));
	n = 0;
	for (const char *a = packed; *a; a += strlen(a) + 1)
		argv[n++] = (char *)a;
	return argv;
}

static size_t packed_len(const char *packed)
{
	const char *a = packed;

	while (*a)
		a += strlen(a) + 1;
	return (size_t)(a - packed) + 1;
}

static void change_free(struct change *c)
{
	free(c->target);
	free(c->path);
	free(c->current);
	free(c->value);
	free(c->emulate);
	free(c->shell);
	free(c->blocked);
	free(c->iface);
	free(c->key);
	free(c->argv_do);
	free(c->argv_undo);
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		change_free(&p->v[i]);
	free(p->v);
	for (size_t i = 0; i < p->nmanual; i++) {
		free(p->manual[i].observed);
		free(p->manual[i].expected);
		free(p->manual[i].remedy);
		free(p->manual[i].why);
	}
	free(p->manual);
	free(p->slots);
	if (p->bootloader_argv)
		for (char **a = p->bootloader_argv; *a; a++)
			free(*a);
	free(p->bootloader_argv);
	if (p->once_argv)
		for (char **a = p->once_argv; *a; a++)
			free(*a);
	free(p->once_argv);
	free(p->once_params);
	free(p->persist);
	free(p->boot_tool);
	memset(p, 0, sizeof(*p));
}

static const char *const unit_dirs[] = { "/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system",
					 "/usr/local/lib/systemd/system" };

/*
 * Runtime values (sysctls, sysfs, IRQs, NIC settings) are gone after a reboot; tickready-apply.service
 * re-applies them. Where systemd runs and the unit is installed but not enabled, the plan enables it
 * (journaled, so revert disables it); otherwise p->persist says what to run.
 */
void plan_boot_unit(struct plan *p, const struct sysroot *sr)
{
	bool runtime = false, installed = false;
	struct change *c;
	char path[128];

	for (size_t i = 0; i < p->n; i++)
		runtime |= !p->v[i].boot && !p->v[i].display && !p->v[i].blocked && change_runs(&p->v[i], sr);
	if (!runtime)
		return;
	if (sysroot_exists(sr, BOOT_UNIT_WANTS))
		return;
	for (size_t i = 0; i < sizeof(unit_dirs) / sizeof(unit_dirs[0]) && !installed; i++) {
		snprintf(path, sizeof(path), "%s/" BOOT_UNIT, unit_dirs[i]);
		installed = sysroot_exists(sr, path);
	}
	if (!sr->live || !installed || !sysroot_exists(sr, "/run/systemd/system")) {
		free(p->persist);
		p->persist = xasprintf("the runtime changes are lost at reboot unless " BOOT_UNIT " re-applies them: %s",
				       !sr->live ? "on the host, run `systemctl enable " BOOT_UNIT "`"
				       : !installed ? "install it (`make install`, or the package) and run `systemctl enable " BOOT_UNIT "`"
						    : "systemd is not running here: run `tickready apply --reapply` at boot");
		return;
	}
	c = plan_add(p, "boot-unit", CK_SERVICE, BOOT_UNIT, NULL, NULL, "enable");
	if (!c)
		return;
	c->live_only = true;
	c->argv_do = argv_pack((const char *const[]){ "systemctl", "enable", BOOT_UNIT, NULL });
	c->argv_undo = argv_pack((const char *const[]){ "systemctl", "disable", BOOT_UNIT, NULL });
	c->shell = xstrdup("systemctl enable " BOOT_UNIT);
}

/* Does the plan, from index from on, hold a change for check? (A drop-in carries rows of several checks.) */
static bool plan_has_check(const struct plan *p, size_t from, const char *check)
{
	for (size_t i = from; i < p->n; i++)
		if (!strcmp(p->v[i].check, check))
			return true;
	return false;
}

void plan_mark_findings(const struct plan *p, const struct sysroot *sr, struct finding *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct finding *fd = &f[i];
		unsigned by = 0;
		const char *blocked = NULL;

		if (!fd->check || (fd->verdict != V_FAIL && fd->verdict != V_WARN) || fd->pending_reboot)
			continue;
		for (size_t k = 0; k < p->n; k++) {
			const struct change *c = &p->v[k];

			/* Directories are made for a file change of the same check: they say nothing of when. */
			if (strcmp(c->check, fd->check->id) || c->kind == CK_MKDIR || (!c->display && !change_runs(c, sr)))
				continue;
			if (c->blocked) {
				blocked = blocked ? blocked : c->blocked;
				continue;
			}
			by |= c->boot ? FIX_BOOT : FIX_NOW;
		}
		free(fd->fix_note);
		fd->fix_note = NULL;
		/* Blocked in part is blocked: after apply the check would still fail. */
		if (blocked) {
			by |= FIX_BLOCKED;
			fd->fix_note = xstrdup(blocked);
		}
		if (!by) {
			by = FIX_MANUAL;
			for (size_t k = 0; k < p->nmanual; k++)
				if (!strcmp(p->manual[k].check, fd->check->id) && p->manual[k].why)
					fd->fix_note = xstrdup(p->manual[k].why);
			if (!fd->fix_note)
				fd->fix_note = xstrdup("apply makes no change for it on this root");
		}
		fd->fix_by = by;
	}
}

int plan_build(struct plan *p, const struct tune_ctx *ctx)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < ctx->nfindings; i++) {
		const struct finding *f = &ctx->findings[i];
		int rc;

		if (!f->check || (f->verdict != V_FAIL && f->verdict != V_WARN) || f->pending_reboot)
			continue;
		size_t before = p->n, manual_before = p->nmanual;

		if (!f->check->plan) {
			plan_add_manual(p, f, NULL);
			continue;
		}
		rc = f->check->plan(ctx, f, p);
		if (rc < 0)
			return rc;
		/* Nothing planned and nothing said: the operator still has a failing knob, so list it. */
		if (!plan_has_check(p, before, f->check->id) && p->nmanual == manual_before)
			plan_add_manual(p, f, NULL);
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].boot && !p->v[i].blocked)
			p->reboot_required = true;
	if (!ctx->reapply)
		plan_boot_unit(p, ctx->sr);
	return 0;
}

size_t plan_count_blocked(const struct plan *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].blocked)
			n++;
	return n;
}

bool change_runs(const struct change *c, const struct sysroot *sr)
{
	if (c->display || (c->live_only && !sr->live) || (c->tree_only && sr->live))
		return false;
	return true;
}

static bool overridden(const struct change *c, const struct plan_opts *o)
{
	return c->blocked && o->force && c->force_ok;
}

/* ---- writing under the root ---- */

static bool is_pseudo(const char *path)
{
	return !strncmp(path, "/sys/", 5) || !strncmp(path, "/proc/", 6);
}

int tree_read(const struct sysroot *sr, const char *path, char **out, size_t *len)
{
	return sysroot_read_alloc(sr, path, 16u << 20, out, len);
}

int tree_write(const struct sysroot *sr, const char *path, const char *data, size_t len)
{
	int fd, rc = 0;
	ssize_t n;

	/* sysfs wants one write() of the value; a tree's regular file must lose its old bytes. */
	fd = sysroot_openat(sr, path, O_WRONLY | O_NOCTTY | O_NOFOLLOW | (sr->live && is_pseudo(path) ? 0 : O_TRUNC), 0);
	if (fd < 0)
		return fd;
	errno = 0;
	n = write(fd, data, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	if (!rc && !is_pseudo(path) && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	return rc;
}

int tree_mkdir_p(const struct sysroot *sr, const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf) || path[0] != '/')
		return -EINVAL;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		int fd;

		if (i != len && buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (!sysroot_is_dir(sr, buf)) {
			char *slash = strrchr(buf, '/');
			char parent[PATH_MAX];

			snprintf(parent, sizeof(parent), "%.*s", (int)(slash - buf) ? (int)(slash - buf) : 1, buf);
			fd = sysroot_openat(sr, parent, O_PATH | O_DIRECTORY, 0);
			if (fd < 0)
				return fd;
			if (mkdirat(fd, slash + 1, mode) < 0 && errno != EEXIST) {
				int rc = -errno;

				close(fd);
				return rc;
			}
			close(fd);
		}
		if (i != len)
			buf[i] = '/';
	}
	return 0;
}

int run_argv(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

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
	int fd = sysroot_openat(sr, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
	int rc = 0;
	ssize_t n;

	if (fd < 0)
		return fd;
	errno = 0;
	n = write(fd, data, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	/* The umask may have narrowed it; a boot script must be executable. */
	if (!rc && fchmod(fd, mode) < 0)
		rc = -errno;
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc < 0)
		remove_path(sr, path, false);
	return rc;
}

static int append_file(const struct sysroot *sr, const char *path, const char *data, size_t len)
{
	int fd = sysroot_openat(sr, path, O_WRONLY | O_APPEND | O_NOFOLLOW, 0);
	int rc = 0;
	ssize_t n;

	if (fd < 0)
		return fd;
	errno = 0;
	n = write(fd, data, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	if (!rc && !is_pseudo(path) && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Takes out what an append added: the suffix, or else its last occurrence; nothing when it is gone. */
static int unappend_file(const struct sysroot *sr, const char *path, const char *data, size_t len)
{
	char *text, *hit = NULL;
	size_t tlen;
	int rc = tree_read(sr, path, &text, &tlen);

	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	if (tlen >= len && !memcmp(text + tlen - len, data, len)) {
		hit = text + tlen - len;
	} else {
		for (char *s = text; (s = memmem(s, tlen - (size_t)(s - text), data, len)); s++)
			hit = s;
	}
	if (hit) {
		memmove(hit, hit + len, tlen - (size_t)(hit - text) - len);
		rc = tree_write(sr, path, text, tlen - len);
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

/* ---- executing one change ---- */

static struct jvalue jv(const char *s)
{
	return (struct jvalue){ .present = s != NULL, .data = (char *)s, .len = s ? strlen(s) : 0 };
}

static struct jvalue jvn(const char *s, size_t len, bool present)
{
	return (struct jvalue){ .present = present, .data = (char *)s, .len = len };
}

/* Journal first (fsynced), then the write; D or F after. */
static int exec_write(const struct sysroot *sr, struct journal *j, const char *path, const char *restore,
		      const char *value, size_t vlen)
{
	struct jvalue jo, jr = jv(restore), jn = jvn(value, vlen, true);
	char *old = NULL;
	size_t olen = 0;
	long seq;
	int rc = tree_read(sr, path, &old, &olen);

	/* A write-only sysfs file (unbind) has no old value to keep. */
	if (rc < 0 && rc != -EACCES && rc != -EINVAL)
		return rc;
	jo = jvn(old, olen, old != NULL);
	rc = journal_intent(j, "write", path, &jo, &jr, &jn, &seq);
	free(old);
	if (rc < 0)
		return rc;
	rc = sr->live && is_pseudo(path) ? sysroot_write(sr, path, value) : tree_write(sr, path, value, vlen);
	return rc < 0 ? (journal_fail(j, seq, -rc), rc) : journal_done(j, seq);
}

static int exec_ethtool_tree(const struct sysroot *sr, struct journal *j, const struct change *c)
{
	char *text, *next;
	size_t len;
	int rc = tree_read(sr, c->path, &text, &len);

	if (rc < 0)
		return rc;
	next = kv_replace(text, len, c->key, c->value);
	free(text);
	rc = exec_write(sr, j, c->path, NULL, next, strlen(next));
	free(next);
	return rc;
}

static int exec_ethtool_live(const struct sysroot *sr, struct journal *j, const struct change *c)
{
	struct jvalue jo, jn;
	char target[96];
	long seq;
	int rc;

	snprintf(target, sizeof(target), "%s %s", c->iface, c->key);
	jo = jv(c->current);
	jn = jv(c->value);
	rc = journal_intent(j, "ethtool", target, &jo, &jo, &jn, &seq);
	if (rc < 0)
		return rc;
	rc = nic_ethtool_set(sr, c->iface, c->key, c->value);
	return rc < 0 ? (journal_fail(j, seq, -rc), rc) : journal_done(j, seq);
}

static int exec_simple(const struct sysroot *sr, struct journal *j, const struct change *c, const char *op)
{
	const char *value = c->value ? c->value : "";
	struct jvalue none = { 0 }, jn = jv(value);
	long seq;
	int rc;

	rc = journal_intent(j, op, c->path, &none, &none, &jn, &seq);
	if (rc < 0)
		return rc;
	if (!strcmp(op, "create"))
		rc = create_file(sr, c->path, value, strlen(value), c->mode ? c->mode : 0644);
	else if (!strcmp(op, "append"))
		rc = append_file(sr, c->path, value, strlen(value));
	else if (!strcmp(op, "mkdir"))
		rc = tree_mkdir_p(sr, c->path, 0755);
	else
		rc = do_mount(c->path, value);
	return rc < 0 ? (journal_fail(j, seq, -rc), rc) : journal_done(j, seq);
}

static int exec_argv(struct journal *j, const struct change *c)
{
	struct jvalue undo = jvn(c->argv_undo, c->argv_undo ? packed_len(c->argv_undo) : 0, c->argv_undo != NULL);
	struct jvalue none = { 0 }, jn = jvn(c->argv_do, packed_len(c->argv_do), true);
	char **argv;
	long seq;
	int rc;

	rc = journal_intent(j, "exec", c->target, &undo, &none, &jn, &seq);
	if (rc < 0)
		return rc;
	argv = argv_unpack(c->argv_do);
	rc = run_argv(argv);
	free(argv);
	if (rc > 0)
		rc = -EIO;
	return rc < 0 ? (journal_fail(j, seq, -rc), rc) : journal_done(j, seq);
}

/* The bound device's former netdev names, so that audit still finds "ens1f0" once it is gone. */
static int bind_state_path(const char *pci, char *path, size_t size)
{
	return snprintf(path, size, BIND_STATE_DIR "/%s", pci) < (int)size ? 0 : -ENAMETOOLONG;
}

/*
 * Journal: OLD the driver link's text, RESTORE driver_override's old content, NEW the driver.
 * Then the bind, then the netdev names for audit.
 */
static int exec_bind(const struct sysroot *sr, struct journal *j, const struct change *c)
{
	char link[PATH_MAX], override[128], names[512], state[160];
	struct jvalue jo, jr, jn = jv(c->value);
	long seq;
	int rc;

	if ((rc = pci_driver_link(sr, c->iface, link, sizeof(link))) < 0 ||
	    (rc = pci_driver_override(sr, c->iface, override, sizeof(override))) < 0)
		return rc;
	pci_netdev_names(sr, c->iface, names, sizeof(names));
	jo = jvn(link, strlen(link), link[0] != '\0');
	jr = jv(override);
	rc = journal_intent(j, "bind", c->iface, &jo, &jr, &jn, &seq);
	if (rc < 0)
		return rc;
	rc = pci_bind(sr, c->iface, c->value);
	if (rc == 0 && names[0] && (rc = tree_mkdir_p(sr, BIND_STATE_DIR, 0700)) == 0 &&
	    (rc = bind_state_path(c->iface, state, sizeof(state))) == 0) {
		int fd = sysroot_openat(sr, state, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);

		if (fd < 0)
			rc = fd;
		else {
			rc = write(fd, names, strlen(names)) == (ssize_t)strlen(names) ? 0 : -EIO;
			close(fd);
		}
	}
	return rc < 0 ? (journal_fail(j, seq, -rc), rc) : journal_done(j, seq);
}

static int exec_change(const struct sysroot *sr, struct journal *j, const struct change *c)
{
	const char *v;

	switch (c->kind) {
	case CK_WRITE:
		v = !sr->live && c->emulate ? c->emulate : c->value;
		return exec_write(sr, j, c->path, c->current, v, strlen(v));
	case CK_CREATE:
		return exec_simple(sr, j, c, "create");
	case CK_APPEND:
		return exec_simple(sr, j, c, "append");
	case CK_MKDIR:
		return exec_simple(sr, j, c, "mkdir");
	case CK_MOUNT:
		return exec_simple(sr, j, c, "mount");
	case CK_ETHTOOL:
		return sr->live ? exec_ethtool_live(sr, j, c) : exec_ethtool_tree(sr, j, c);
	case CK_SERVICE:
	case CK_EXEC:
		return exec_argv(j, c);
	case CK_BIND:
		return exec_bind(sr, j, c);
	case CK_CMDLINE:
	default:
		return 0;
	}
}

static void add_refused(struct exec_result *res, const char *target)
{
	res->refused_targets = xrealloc(res->refused_targets, (res->refused + 1) * sizeof(char *));
	res->refused_targets[res->refused++] = xstrdup(target);
}

int plan_execute(struct plan *p, const struct tune_ctx *ctx, struct journal *j, const struct plan_opts *o,
		 struct exec_result *res)
{
	int rc;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < p->n; i++) {
		const struct change *c = &p->v[i];

		if (!change_runs(c, ctx->sr) || (c->blocked && !overridden(c, o))) {
			res->skipped += !c->display;
			continue;
		}
		rc = exec_change(ctx->sr, j, c);
		if (rc < 0 && c->refusable && ctx->sr->live) {
			/* Managed and per-cpu IRQs refuse a new affinity; the kernel keeps them where they must be. */
			add_refused(res, c->target);
			continue;
		}
		if (rc < 0) {
			res->failed_path = xstrdup(c->path ? c->path : c->target);
			res->failed_rc = rc;
			return rc;
		}
		res->applied++;
	}
	if (o->update_bootloader && p->reboot_required && p->bootloader_argv && ctx->sr->live) {
		res->bootloader_ran = true;
		res->bootloader_status = run_argv(p->bootloader_argv);
		if (res->bootloader_status != 0) {
			res->failed_path = xstrdup(p->bootloader_argv[0]);
			res->failed_rc = -EIO;
			return -EIO;
		}
		if (p->once_argv) {
			/* grub-reboot sets next_entry in grubenv: journaled, revert unsets it. */
			struct change once = { .check = "boot", .kind = CK_EXEC, .target = p->once_argv[0] };

			once.argv_do = argv_pack((const char *const *)p->once_argv);
			once.argv_undo = argv_pack((const char *const[]){ "grub-editenv", "-", "unset", "next_entry", NULL });
			rc = exec_argv(j, &once);
			free(once.argv_do);
			free(once.argv_undo);
			if (rc < 0) {
				res->failed_path = xstrdup(p->once_argv[0]);
				res->failed_rc = rc;
				return rc;
			}
		}
	}
	return 0;
}

void exec_result_free(struct exec_result *res)
{
	for (size_t i = 0; i < res->refused; i++)
		free(res->refused_targets[i]);
	free(res->refused_targets);
	free(res->failed_path);
	memset(res, 0, sizeof(*res));
}

/* ---- JSON ---- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *change_to_json(const struct change *c)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:o}", "check", c->check, "kind",
			      change_kind_name(c->kind), "target", c->target, "current", str_or_null(c->current),
			      "new", str_or_null(c->value), "when", c->boot ? "boot" : "runtime", "command",
			      str_or_null(c->shell));

	if (c->path)
		json_object_set_new(o, "path", json_string(c->path));
	if (c->display)
		json_object_set_new(o, "staged_by", json_string("boot drop-in"));
	return o;
}

json_t *plan_to_json(const struct plan *p, const struct sysroot *sr, const struct plan_opts *o)
{
	json_t *changes = json_array(), *manual = json_array(), *blocked = json_array(), *doc, *boot;

	for (size_t i = 0; i < p->n; i++) {
		const struct change *c = &p->v[i];

		if (c->blocked && !overridden(c, o)) {
			json_t *b = change_to_json(c);

			json_object_set_new(b, "reason", json_string(c->blocked));
			json_array_append_new(blocked, b);
		} else if (change_runs(c, sr) || c->display) {
			json_array_append_new(changes, change_to_json(c));
		}
	}
	for (size_t i = 0; i < p->nmanual; i++)
		json_array_append_new(manual, json_pack("{s:s, s:o, s:o, s:o, s:o}", "check", p->manual[i].check, "why", str_or_null(p->manual[i].why),
							"observed", str_or_null(p->manual[i].observed), "expected",
							str_or_null(p->manual[i].expected), "remedy",
							str_or_null(p->manual[i].remedy)));
	doc = json_pack("{s:s, s:s, s:o, s:o, s:o, s:b}", "schema", "tickready.plan/1", "root", sr->path, "changes",
			changes, "manual", manual, "blocked", blocked, "reboot_required", p->reboot_required);
	boot = json_array();
	if (p->bootloader_argv)
		for (char **a = p->bootloader_argv; *a; a++)
			json_array_append_new(boot, json_string(*a));
	json_object_set_new(doc, "boot_tool", str_or_null(p->boot_tool));
	json_object_set_new(doc, "persist", str_or_null(p->persist));
	json_object_set_new(doc, "bootloader_command", boot);
	if (p->once_argv) {
		json_t *once = json_array();

		for (char **a = p->once_argv; *a; a++)
			json_array_append_new(once, json_string(*a));
		json_object_set_new(doc, "once_command", once);
		json_object_set_new(doc, "once_params", str_or_null(p->once_params));
	}
	if (o && o->runid)
		json_object_set_new(doc, "run", json_string(o->runid));
	return doc;
}

/* ---- revert ---- */

static int undo_record(const struct sysroot *sr, const struct jrec *r)
{
	const char *path = r->target.data;

	if (!strcmp(r->op, "write")) {
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
	if (!strcmp(r->op, "create"))
		return remove_path(sr, path, false);
	if (!strcmp(r->op, "mkdir")) {
		int rc = remove_path(sr, path, true);

		return rc == -ENOTEMPTY || rc == -EEXIST ? 0 : rc;
	}
	if (!strcmp(r->op, "append"))
		return unappend_file(sr, path, r->value.data, r->value.len);
	if (!strcmp(r->op, "mount")) {
		if (!sr->live)
			return 0;
		return umount2(path, 0) < 0 && errno != EINVAL && errno != ENOENT ? -errno : 0;
	}
	if (!strcmp(r->op, "ethtool")) {
		char iface[64], key[32];

		if (!sr->live || !r->restore.present || sscanf(path, "%63s %31s", iface, key) != 2)
			return 0;
		return nic_ethtool_set(sr, iface, key, r->restore.data);
	}
	if (!strcmp(r->op, "bind")) {
		char state[160];
		int rc = pci_unbind_restore(sr, path, r->old.present ? r->old.data : "",
					    r->restore.present ? r->restore.data : "");

		if (rc == 0 && bind_state_path(path, state, sizeof(state)) == 0 && (rc = remove_path(sr, state, false)) == 0)
			remove_path(sr, BIND_STATE_DIR, true);	/* fails while other devices stay bound */
		return rc;
	}
	if (!strcmp(r->op, "exec")) {
		char **argv;
		int rc;

		if (!r->old.present || !sr->live)
			return 0;
		argv = argv_unpack(r->old.data);
		rc = run_argv(argv);
		free(argv);
		return rc > 0 ? -EIO : rc;
	}
	return -EINVAL;
}

/* Did the write announced by seq fail (an F record)? Then a create or append never took effect. */
static bool rec_failed(const struct jlog *log, const struct jrec *w)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].type == JR_FAIL && log->v[i].seq == w->seq && !strcmp(log->v[i].run, w->run))
			return true;
	return false;
}

static void runs_newest_first(const struct jlog *log, const char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	for (size_t i = log->n; i-- > 0;) {
		const struct jrec *r = &log->v[i];
		bool seen = false;

		if (r->type != JR_WRITE)
			continue;
		for (size_t k = 0; k < *n; k++)
			seen |= !strcmp((*out)[k], r->run);
		if (seen)
			continue;
		*out = xrealloc(*out, (*n + 1) * sizeof(char *));
		(*out)[(*n)++] = r->run;
	}
}

int plan_revert(const struct sysroot *sr, struct journal *j, const struct jlog *log, const char *only_run,
		struct revert_result *res)
{
	const char **runs;
	size_t nruns;
	int first = 0;

	memset(res, 0, sizeof(*res));
	runs_newest_first(log, &runs, &nruns);
	for (size_t k = 0; k < nruns; k++) {
		size_t failed = 0;

		if ((only_run && strcmp(only_run, runs[k])) || jlog_reverted(log, runs[k]))
			continue;
		res->runs++;
		for (size_t i = log->n; i-- > 0;) {
			const struct jrec *r = &log->v[i];
			int rc;

			if (r->type != JR_WRITE || strcmp(r->run, runs[k]))
				continue;
			/* A failed bind may have got half way (override set, old driver gone): undo it too. */
			if (strcmp(r->op, "write") && strcmp(r->op, "bind") && rec_failed(log, r))
				continue;
			rc = undo_record(sr, r);
			if (rc < 0) {
				failed++;
				if (!res->failed_target) {
					res->failed_target = xstrdup(r->target.data);
					res->failed_rc = rc;
					first = rc;
				}
				continue;
			}
			res->restored++;
		}
		res->failed += failed;
		/* A run with a failed restore stays unreverted, so the next revert tries again. */
		if (!failed) {
			int rc = journal_reverted(j, runs[k]);

			if (rc < 0 && !first) {
				res->failed_target = xstrdup(JOURNAL_PATH);
				res->failed_rc = first = rc;
			}
		}
	}
	free(runs);
	return first;
}
