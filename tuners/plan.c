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

#include "journal.h"
#include "jsonw.h"
#include "kinds.h"
#include "pci.h"
#include "state.h"
#include "tuners.h"
#include "util.h"

const char *change_kind_name(enum change_kind k)
{
	return (unsigned)k < CK_COUNT ? change_kinds[k].name : "?";
}

int change_kind_from_name(const char *name)
{
	for (int k = 0; k < CK_COUNT; k++)
		if (!strcmp(change_kinds[k].name, name))
			return k;
	return -1;
}

const struct finding *tune_finding(const struct tune_ctx *ctx, const char *check_id)
{
	for (size_t i = 0; i < ctx->nfindings; i++)
		if (ctx->findings[i].check && !strcmp(ctx->findings[i].check->id, check_id) &&
		    (ctx->role ? ctx->findings[i].role && !strcmp(ctx->findings[i].role, ctx->role) : !ctx->findings[i].role))
			return &ctx->findings[i];
	return NULL;
}

/* The finding named "nic.chain" or "nic.chain[feed]" (finding_name), NULL when none. */
static const struct finding *finding_named(const struct tune_ctx *ctx, const char *name)
{
	char buf[160];

	for (size_t i = 0; i < ctx->nfindings; i++)
		if (ctx->findings[i].check && !strcmp(finding_name(&ctx->findings[i], buf, sizeof(buf)), name))
			return &ctx->findings[i];
	return NULL;
}

/* A name the plan keeps for its rows to point at. */
static const char *plan_intern(struct plan *p, const char *s)
{
	for (size_t i = 0; i < p->nnames; i++)
		if (!strcmp(p->names[i], s))
			return p->names[i];
	p->names = xrealloc(p->names, (p->nnames + 1) * sizeof(*p->names));
	return p->names[p->nnames++] = xstrdup(s);
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
static struct change *plan_find(struct plan *p, enum change_kind kind, const char *path, const char *target)
{
	size_t h;

	if (!p->nslots)
		return NULL;
	h = hash_str(path, kind == CK_ETHTOOL ? target : NULL) % p->nslots;
	for (; p->slots[h]; h = (h + 1) % p->nslots)
		if (same_change(&p->v[p->slots[h] - 1], kind, path, target))
			return &p->v[p->slots[h] - 1];
	return NULL;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The name a row of check takes: a role's check plans under "check[role]". */
static const char *as_named(const struct plan *p, const char *check)
{
	return p->as_id && !strcmp(check, p->as_id) ? p->as_name : check;
}

struct change *plan_add(struct plan *p, const char *check, enum change_kind kind, const char *target,
			const char *path, const char *current, const char *value)
{
	struct change *c;

	check = as_named(p, check);
	if (path && (c = plan_find(p, kind, path, target))) {
		/* Another check's change writes what this one wanted: that change fixes it too. */
		if (strcmp(c->check, check) && same_str(c->value, value))
			plan_add_covered(p, check, c->check, NULL);
		return NULL;
	}
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

struct change *plan_add_service(struct plan *p, const char *check, const char *unit, const char *const *argv_do,
			       const char *const *argv_undo)
{
	struct change *c = plan_add(p, check, CK_SERVICE, unit, NULL, NULL, argv_do[1]);
	struct strbuf sb = { 0 };

	if (!c)
		return NULL;
	c->live_only = true;
	c->argv_do = argv_pack(argv_do);
	c->argv_undo = argv_undo ? argv_pack(argv_undo) : NULL;
	for (const char *const *a = argv_do; *a; a++)
		strbuf_addf(&sb, "%s%s", sb.len ? " " : "", *a);
	c->shell = strbuf_detach(&sb);
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
		if (!strcmp(p->manual[i].check, f->check->id) && !p->manual[i].role == !f->role &&
		    (!f->role || !strcmp(p->manual[i].role, f->role)))
			return;
	if (p->nmanual == p->capmanual) {
		p->capmanual = p->capmanual ? p->capmanual * 2 : 16;
		p->manual = xrealloc(p->manual, p->capmanual * sizeof(*p->manual));
	}
	m = &p->manual[p->nmanual++];
	m->check = f->check->id;
	m->role = dup_or_null(f->role);
	m->observed = dup_or_null(f->observed);
	m->expected = dup_or_null(f->expected);
	m->remedy = dup_or_null(f->remedy);
	m->why = xstrdup(why ? why : f->check->plan ? "apply found no change to make for it on this host"
						  : "tickready has no safe change for this knob");
}

void plan_add_moot(struct plan *p, const char *check, const char *pci, const char *why)
{
	check = as_named(p, check);
	for (size_t i = 0; i < p->nmoot; i++)
		if (!strcmp(p->moot[i].check, check) && !p->moot[i].pci == !pci)
			return;
	p->moot = xrealloc(p->moot, (p->nmoot + 1) * sizeof(*p->moot));
	p->moot[p->nmoot].check = check;
	p->moot[p->nmoot].pci = pci ? xstrdup(pci) : NULL;
	p->moot[p->nmoot++].why = xstrdup(why);
}

void plan_add_covered(struct plan *p, const char *check, const char *by, const char *what)
{
	check = as_named(p, check);
	for (size_t i = 0; i < p->ncovered; i++)
		if (!strcmp(p->covered[i].check, check) && !strcmp(p->covered[i].by, by) &&
		    same_str(p->covered[i].what, what))
			return;
	p->covered = xrealloc(p->covered, (p->ncovered + 1) * sizeof(*p->covered));
	p->covered[p->ncovered].check = check;
	p->covered[p->ncovered].by = by;
	p->covered[p->ncovered++].what = what ? xstrdup(what) : NULL;
}

void plan_add_note(struct plan *p, const char *check, const char *why)
{
	plan_add_moot(p, check, NULL, why);
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

size_t argv_packed_len(const char *packed)
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
		free(p->manual[i].role);
		free(p->manual[i].observed);
		free(p->manual[i].expected);
		free(p->manual[i].remedy);
		free(p->manual[i].why);
	}
	free(p->manual);
	for (size_t i = 0; i < p->nmoot; i++) {
		free(p->moot[i].why);
		free(p->moot[i].pci);
	}
	free(p->moot);
	for (size_t i = 0; i < p->ncovered; i++)
		free(p->covered[i].what);
	free(p->covered);
	for (size_t i = 0; i < p->nnames; i++)
		free(p->names[i]);
	free(p->names);
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
	plan_add_service(p, "boot-unit", BOOT_UNIT, (const char *const[]){ "systemctl", "enable", BOOT_UNIT, NULL },
			 (const char *const[]){ "systemctl", "disable", BOOT_UNIT, NULL });
}

/* Does the plan bind the device pci? */
static bool plan_binds(const struct plan *p, const char *pci)
{
	for (size_t b = 0; b < p->n; b++)
		if (p->v[b].kind == CK_BIND && p->v[b].iface && !strcmp(p->v[b].iface, pci))
			return true;
	return false;
}

/* Does the plan, from index from on, hold a change for check? (A drop-in carries rows of several checks.) */
static bool plan_has_check(const struct plan *p, size_t from, const char *check)
{
	for (size_t i = from; i < p->n; i++)
		if (!strcmp(p->v[i].check, check))
			return true;
	return false;
}

/*
 * What the plan's changes for check do (FIX_NOW, FIX_BOOT; *blocked the first interlock), with those of
 * the checks whose changes cover it. Covers nest (nic.chain -> irq.nic_node -> irq.affinity), bounded.
 */
static unsigned check_by(const struct plan *p, const struct sysroot *sr, const char *check, const char **blocked,
			 int depth)
{
	unsigned by = 0;

	for (size_t k = 0; k < p->n; k++) {
		const struct change *c = &p->v[k];

		/* Directories are made for a file change of the same check: they say nothing of when. */
		if (strcmp(c->check, check) || c->kind == CK_MKDIR || (!c->display && !change_runs(c, sr)))
			continue;
		if (c->blocked) {
			*blocked = *blocked ? *blocked : c->blocked;
			continue;
		}
		by |= c->boot ? FIX_BOOT : FIX_NOW;
	}
	for (size_t k = 0; k < p->nmoot; k++)
		if (depth && p->moot[k].pci && !strcmp(p->moot[k].check, check) && plan_binds(p, p->moot[k].pci))
			by |= FIX_NOW;
	for (size_t k = 0; k < p->ncovered && depth < 4; k++)
		if (!strcmp(p->covered[k].check, check)) {
			const char *b = NULL;
			unsigned sub = check_by(p, sr, p->covered[k].by, &b, depth + 1);

			if (b)
				*blocked = *blocked ? *blocked : b;
			by |= sub;
		}
	return by;
}

/* "link 'hugepages' by memory.hugepages's change; ...": what covers check, NULL when nothing does. */
static char *covered_note(const struct plan *p, const char *check)
{
	struct strbuf sb = { 0 };

	for (size_t k = 0; k < p->ncovered; k++)
		if (!strcmp(p->covered[k].check, check))
			strbuf_addf(&sb, "%s%s%s%s's change%s", sb.len ? "; " : "apply fixes it through other checks' changes: ",
				    p->covered[k].what ? p->covered[k].what : "", p->covered[k].what ? " by " : "",
				    p->covered[k].by, p->covered[k].what ? "" : " does it");
	return sb.len ? strbuf_detach(&sb) : NULL;
}

/* Is the manual row fd's (its check, and its role or none)? */
static bool manual_is(const struct manual *m, const struct finding *fd)
{
	return !strcmp(m->check, fd->check->id) && !m->role == !fd->role && (!fd->role || !strcmp(m->role, fd->role));
}

void plan_mark_findings(const struct plan *p, const struct sysroot *sr, struct finding *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct finding *fd = &f[i];
		unsigned by = 0;
		const char *blocked = NULL;
		char name[160];

		if (!fd->check || (fd->verdict != V_FAIL && fd->verdict != V_WARN) || fd->pending_reboot)
			continue;
		finding_name(fd, name, sizeof(name));
		by = check_by(p, sr, name, &blocked, 0);
		free(fd->fix_note);
		fd->fix_note = NULL;
		if (by && !blocked)
			fd->fix_note = covered_note(p, name);
		/* A manual row beside changes: apply does part, the check still fails after it, so by hand. */
		for (size_t k = 0; by && !blocked && k < p->nmanual; k++)
			if (manual_is(&p->manual[k], fd)) {
				free(fd->fix_note);
				fd->fix_note = xasprintf("apply does part of it; the rest: %s",
							 p->manual[k].why ? p->manual[k].why : "by hand");
				by = FIX_MANUAL;
			}
		if (by == FIX_MANUAL) {
			fd->fix_by = by;
			continue;
		}
		/* Blocked in part is blocked: after apply the check would still fail. */
		if (blocked) {
			by |= FIX_BLOCKED;
			free(fd->fix_note);
			fd->fix_note = xstrdup(blocked);
		}
		for (size_t k = 0; by == FIX_NOW && k < p->nmoot; k++)
			if (!p->moot[k].pci && !strcmp(p->moot[k].check, name)) {
				free(fd->fix_note);
				fd->fix_note = xstrdup(p->moot[k].why);
			}
		for (size_t k = 0; !by && k < p->nmoot; k++)
			if (p->moot[k].pci && !strcmp(p->moot[k].check, name)) {
				const char *bind_blocked = NULL;

				/* Settled by the bind, so as blocked as the bind is; no bind in the plan settles nothing. */
				if (!plan_binds(p, p->moot[k].pci))
					continue;
				for (size_t b = 0; b < p->n; b++)
					if (p->v[b].kind == CK_BIND && p->v[b].iface && !strcmp(p->v[b].iface, p->moot[k].pci))
						bind_blocked = p->v[b].blocked;
				by = bind_blocked ? FIX_BLOCKED : FIX_NOW;
				fd->fix_note = xstrdup(bind_blocked ? bind_blocked : p->moot[k].why);
			}
		if (!by) {
			by = FIX_MANUAL;
			for (size_t k = 0; k < p->nmanual; k++)
				if (manual_is(&p->manual[k], fd) && p->manual[k].why)
					fd->fix_note = xstrdup(p->manual[k].why);
			if (!fd->fix_note)
				fd->fix_note = xstrdup("apply makes no change for it on this root");
		}
		fd->fix_by = by;
	}
}

/* Does the change write to netdev name (its sysfs directory, or an ethtool setting of it)? */
static bool writes_netdev(const struct change *c, const char *pci, const char *name)
{
	char dir[96], devdir[160];

	if (c->kind == CK_ETHTOOL && c->iface && !strcmp(c->iface, name))
		return true;
	if (!c->path)
		return false;
	snprintf(dir, sizeof(dir), "/sys/class/net/%s/", name);
	snprintf(devdir, sizeof(devdir), "/sys/bus/pci/devices/%s/net/", pci);
	return !strncmp(c->path, dir, strlen(dir)) || !strncmp(c->path, devdir, strlen(devdir));
}

/* Drops the changes of checks other than check that write to the netdevs names of pci, which binding it removes. */
static void prune_netdev(struct plan *p, const char *check, const char *pci, const char *driver, const char *names)
{
	char list[512], *save = NULL;

	snprintf(list, sizeof(list), "%s", names);
	for (char *n = strtok_r(list, " ", &save); n; n = strtok_r(NULL, " ", &save)) {
		size_t out = 0;

		for (size_t i = 0; i < p->n; i++) {
			struct change *c = &p->v[i];

			if (strcmp(c->check, check) && writes_netdev(c, pci, n)) {
				char *why = xasprintf("binding %s to %s removes %s, and with it what this check judges there",
						      pci, driver, n);

				plan_add_moot(p, c->check, pci, why);
				free(why);
				change_free(c);
				continue;
			}
			p->v[out++] = *c;
		}
		p->n = out;
	}
}

/*
 * A bind takes the device from its kernel driver: changes to its netdev after it fail (the netdev is
 * gone), and before it they are moot. Unblocked binds prune those; every bind (and the rest of its check)
 * runs last, so an overridden interlock still finds the other writes made.
 */
static void order_binds(struct plan *p, const struct sysroot *sr)
{
	struct change *sorted;
	size_t k = 0, nb = 0;
	char names[512], **binds = xcalloc(p->n * 3 + 1, sizeof(char *));

	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].kind == CK_BIND && !p->v[i].blocked && p->v[i].iface && p->v[i].value) {
			binds[nb++] = xstrdup(p->v[i].check);
			binds[nb++] = xstrdup(p->v[i].iface);
			binds[nb++] = xstrdup(p->v[i].value);
		}
	for (size_t b = 0; b < nb; b += 3) {
		pci_netdev_names(sr, binds[b + 1], names, sizeof(names));
		if (names[0])
			prune_netdev(p, binds[b], binds[b + 1], binds[b + 2], names);
		free(binds[b]);
		free(binds[b + 1]);
		free(binds[b + 2]);
	}
	/* The checks that bind (a handful): their ids, then a stable partition of the plan. */
	nb = 0;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].kind == CK_BIND)
			binds[nb++] = (char *)p->v[i].check;
	sorted = xmalloc((p->n ? p->n : 1) * sizeof(*sorted));
	for (int pass = 0; pass < 2 && nb; pass++)
		for (size_t i = 0; i < p->n; i++) {
			bool binding = false;

			for (size_t b = 0; b < nb && !binding; b++)
				binding = !strcmp(binds[b], p->v[i].check);
			if (binding == (pass == 1))
				sorted[k++] = p->v[i];
		}
	free(binds);
	if (!nb) {
		free(sorted);
		return;
	}
	memcpy(p->v, sorted, p->n * sizeof(*sorted));
	free(sorted);
	if (p->n)
		rehash(p);
}

/*
 * A [nic.ROLE]'s finding: its check plans with the role's view of the profile, every row it adds named
 * "check[role]" (and a cover by another check's link, that check's finding for the role), so the role's
 * changes are journaled, shown and judged apart from the default [nic]'s.
 */
static int plan_role(struct plan *p, const struct tune_ctx *ctx, const struct finding *f)
{
	const struct profile *view = NULL;
	struct tune_ctx rc = *ctx;
	size_t covered_before = p->ncovered;
	char buf[160];
	const char *name;
	int r;

	for (size_t i = 0; i < ctx->prof->nroles; i++)
		if (!strcmp(ctx->prof->roles[i].name, f->role))
			view = ctx->prof->roles[i].view;
	if (!view)
		return 0;
	rc.prof = view;
	rc.role = f->role;
	name = plan_intern(p, finding_name(f, buf, sizeof(buf)));
	p->as_id = f->check->id;
	p->as_name = name;
	r = f->check->plan(&rc, f, p);
	p->as_id = p->as_name = NULL;
	for (size_t i = covered_before; i < p->ncovered; i++) {
		/* A link another check fixes (nic.chain's): that check's finding for this role, when it has one. A cover
		 * by a change already planned (what NULL) names that change's own check, kept. */
		snprintf(buf, sizeof(buf), "%s[%s]", p->covered[i].by, f->role);
		if (p->covered[i].what && finding_named(ctx, buf))
			p->covered[i].by = plan_intern(p, buf);
	}
	return r;
}

int plan_build(struct plan *p, const struct tune_ctx *ctx)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < ctx->nfindings; i++) {
		const struct finding *f = &ctx->findings[i];
		char name[160];
		int rc;

		if (!f->check || (f->verdict != V_FAIL && f->verdict != V_WARN) || f->pending_reboot)
			continue;
		size_t before = p->n, manual_before = p->nmanual, moot_before = p->nmoot, covered_before = p->ncovered;

		if (!f->check->plan) {
			plan_add_manual(p, f, NULL);
			continue;
		}
		if (f->role) {
			rc = plan_role(p, ctx, f);
			if (rc < 0)
				return rc;
		} else {
			rc = f->check->plan(ctx, f, p);
			if (rc < 0)
				return rc;
		}
		/* Nothing planned and nothing said: the operator still has a failing knob, so list it. */
		if (!plan_has_check(p, before, f->role ? plan_intern(p, finding_name(f, name, sizeof(name))) : f->check->id) &&
		    p->nmanual == manual_before &&
		    (p->nmoot == moot_before || !p->moot[p->nmoot - 1].pci) && p->ncovered == covered_before)
			plan_add_manual(p, f, NULL);
	}
	order_binds(p, ctx->sr);
	/* A check settled by a bind the plan does not hold is by hand. */
	for (size_t i = 0; i < p->nmoot; i++) {
		const struct finding *f = p->moot[i].pci ? finding_named(ctx, p->moot[i].check) : NULL;

		if (f && !plan_binds(p, p->moot[i].pci))
			plan_add_manual(p, f, "its NIC is left on its kernel driver: the bind it needs is not in this plan");
	}
	/* A cover whose check ended with nothing apply does (by hand) covers nothing: this one is by hand too. */
	bool *bare_cover = xcalloc(p->ncovered + 1, sizeof(bool));

	for (size_t i = 0; i < p->ncovered; i++) {
		const struct covered *c = &p->covered[i];
		const struct finding *f = tune_finding(ctx, c->check);
		const char *blocked = NULL;

		if (f && !check_by(p, ctx->sr, c->by, &blocked, 1) && !blocked) {
			char *why = xasprintf("%s%s%s makes no change here", c->what ? c->what : "", c->what ? ": " : "", c->by);

			plan_add_manual(p, f, why);
			free(why);
			bare_cover[i] = true;
		}
	}
	for (size_t i = 0, n = p->ncovered; i < n; i++) {
		if (bare_cover[i]) {
			free(p->covered[i].what);
			p->ncovered--;
		} else {
			p->covered[i - (n - p->ncovered)] = p->covered[i];
		}
	}
	free(bare_cover);
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

static void add_refused(struct exec_result *res, const char *target)
{
	res->refused_targets = xrealloc(res->refused_targets, (res->refused + 1) * sizeof(char *));
	res->refused_targets[res->refused++] = xstrdup(target);
}

/* Runs one change through its kind: W record, the change, then D or F. Journal trouble goes to res. */
static int exec_one(struct exec_ctx *x, const struct change *c, struct exec_result *res)
{
	int rc, jrc;

	x->seq = 0;
	x->journal_rc = 0;
	rc = change_kinds[c->kind].exec(x, c);
	if (x->journal_rc) {
		/* The W record never became durable: this change was not made. */
		res->journal_rc = x->journal_rc;
		res->journal_what = "intent";
		return x->journal_rc;
	}
	if (!x->seq)
		return rc;	/* refused or unreadable before anything was journaled */
	res->journaled++;
	jrc = rc < 0 ? journal_fail(x->j, x->seq, -rc) : journal_done(x->j, x->seq);
	if (jrc < 0 && !res->journal_rc) {
		res->journal_rc = jrc;
		res->journal_what = rc < 0 ? "failure" : "completion";
		if (rc == 0)
			rc = jrc;
	}
	return rc;
}

int plan_execute(struct plan *p, const struct tune_ctx *ctx, struct journal *j, const struct plan_opts *o,
		 struct exec_result *res)
{
	struct exec_ctx x = { .sr = ctx->sr, .j = j };
	int rc;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < p->n; i++) {
		const struct change *c = &p->v[i];

		if (!change_runs(c, ctx->sr) || (c->blocked && !overridden(c, o))) {
			bool blocked = c->blocked && !overridden(c, o);

			/* A tree-only change on the live host is no part of its plan: not left out, just not there. */
			if (c->display || (!blocked && c->tree_only && ctx->sr->live))
				continue;
			res->skipped++;
			res->left_blocked += blocked;
			continue;
		}
		rc = exec_one(&x, c, res);
		if (rc < 0 && c->refusable && ctx->sr->live && !res->journal_rc) {
			/* Managed and per-cpu IRQs refuse a new affinity; the kernel keeps them where they must be. */
			add_refused(res, c->target);
			continue;
		}
		if (rc < 0) {
			res->failed_path = xstrdup(res->journal_rc ? JOURNAL_PATH : c->path ? c->path : c->target);
			res->failed_rc = rc;
			return rc;
		}
		res->applied++;
		res->emulated += c->tree_only;
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
			rc = exec_one(&x, &once, res);
			free(once.argv_do);
			free(once.argv_undo);
			if (rc < 0) {
				res->failed_path = xstrdup(res->journal_rc ? JOURNAL_PATH : p->once_argv[0]);
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

/* A change as an object left open: a blocked one adds its reason before the caller closes it. */
static void change_json(struct jsonw *w, const struct change *c)
{
	jw_obj(w);
	jw_key(w, "check");
	jw_str(w, c->check);
	jw_key(w, "kind");
	jw_str(w, change_kind_name(c->kind));
	jw_key(w, "target");
	jw_str(w, c->target);
	jw_key(w, "current");
	jw_str(w, c->current);
	jw_key(w, "new");
	jw_str(w, c->value);
	jw_key(w, "when");
	jw_str(w, c->boot ? "boot" : "runtime");
	jw_key(w, "command");
	jw_str(w, c->shell);
	if (c->path) {
		jw_key(w, "path");
		jw_str(w, c->path);
	}
	if (c->display) {
		jw_key(w, "staged_by");
		jw_str(w, "boot drop-in");
	}
}

static void argv_json(struct jsonw *w, const char *key, char **argv)
{
	jw_key(w, key);
	jw_arr(w);
	for (char **a = argv; a && *a; a++)
		jw_str(w, *a);
	jw_end(w);
}

void plan_write_json(FILE *f, const struct plan *p, const struct sysroot *sr, const struct plan_opts *o,
		     const size_t *applied)
{
	struct jsonw w;

	jw_init(&w, f);
	jw_obj(&w);
	jw_key(&w, "schema");
	jw_str(&w, "tickready.plan/1");
	jw_key(&w, "root");
	jw_str(&w, sr->path);
	jw_key(&w, "changes");
	jw_arr(&w);
	for (size_t i = 0; i < p->n; i++) {
		const struct change *c = &p->v[i];

		if (!(c->blocked && !overridden(c, o)) && (change_runs(c, sr) || c->display)) {
			change_json(&w, c);
			jw_end(&w);
		}
	}
	jw_end(&w);
	jw_key(&w, "manual");
	jw_arr(&w);
	for (size_t i = 0; i < p->nmanual; i++) {
		jw_obj(&w);
		jw_key(&w, "check");
		jw_str(&w, p->manual[i].check);
		if (p->manual[i].role) {
			jw_key(&w, "role");
			jw_str(&w, p->manual[i].role);
		}
		jw_key(&w, "why");
		jw_str(&w, p->manual[i].why);
		jw_key(&w, "observed");
		jw_str(&w, p->manual[i].observed);
		jw_key(&w, "expected");
		jw_str(&w, p->manual[i].expected);
		jw_key(&w, "remedy");
		jw_str(&w, p->manual[i].remedy);
		jw_end(&w);
	}
	jw_end(&w);
	jw_key(&w, "settled");
	jw_arr(&w);
	for (size_t i = 0; i < p->nmoot; i++) {
		if (!p->moot[i].pci || !plan_binds(p, p->moot[i].pci))
			continue;
		jw_obj(&w);
		jw_key(&w, "check");
		jw_str(&w, p->moot[i].check);
		jw_key(&w, "device");
		jw_str(&w, p->moot[i].pci);
		jw_key(&w, "why");
		jw_str(&w, p->moot[i].why);
		jw_end(&w);
	}
	jw_end(&w);
	jw_key(&w, "covered");
	jw_arr(&w);
	for (size_t i = 0; i < p->ncovered; i++) {
		jw_obj(&w);
		jw_key(&w, "check");
		jw_str(&w, p->covered[i].check);
		jw_key(&w, "by");
		jw_str(&w, p->covered[i].by);
		jw_key(&w, "what");
		jw_str(&w, p->covered[i].what);
		jw_end(&w);
	}
	jw_end(&w);
	jw_key(&w, "blocked");
	jw_arr(&w);
	for (size_t i = 0; i < p->n; i++) {
		const struct change *c = &p->v[i];

		if (c->blocked && !overridden(c, o)) {
			change_json(&w, c);
			jw_key(&w, "reason");
			jw_str(&w, c->blocked);
			jw_end(&w);
		}
	}
	jw_end(&w);
	jw_key(&w, "reboot_required");
	jw_bool(&w, p->reboot_required);
	jw_key(&w, "boot_tool");
	jw_str(&w, p->boot_tool);
	jw_key(&w, "persist");
	jw_str(&w, p->persist);
	argv_json(&w, "bootloader_command", p->bootloader_argv);
	if (p->once_argv) {
		argv_json(&w, "once_command", p->once_argv);
		jw_key(&w, "once_params");
		jw_str(&w, p->once_params);
	}
	if (o && o->runid) {
		jw_key(&w, "run");
		jw_str(&w, o->runid);
	}
	if (applied) {
		jw_key(&w, "applied");
		jw_int(&w, (long long)*applied);
	}
	jw_end(&w);
}

struct plan_doc {
	const struct plan *p;
	const struct sysroot *sr;
	const struct plan_opts *o;
};

static void plan_write_doc(struct jsonw *w, const void *arg)
{
	const struct plan_doc *d = arg;

	plan_write_json(w->f, d->p, d->sr, d->o, NULL);
}

json_t *plan_to_json(const struct plan *p, const struct sysroot *sr, const struct plan_opts *o)
{
	return jw_tree(plan_write_doc, &(struct plan_doc){ p, sr, o });
}

/* ---- revert ---- */

/* Does W record r write a file the boot tooling reads? */
static bool boot_file(const struct jrec *r)
{
	return !strcmp(r->target.data, HOST_GRUB_DROPIN) || !strcmp(r->target.data, HOST_GRUB_ONCE) ||
	       !strcmp(r->target.data, HOST_GRUB_DEFAULT) ||
	       !strcmp(r->target.data, HOST_KERNEL_CMDLINE);
}

const char *jlog_newer_applied(const struct jlog *log, const char *run)
{
	const char *newer = NULL;
	bool seen = false;

	for (size_t k = 0; k < log->nruns; k++) {
		if (!strcmp(log->runs[k].run, run))
			seen = true;
		else if (seen && log->runs[k].nwrites && !log->runs[k].reverted)
			newer = log->runs[k].run;
	}
	return newer;
}

int plan_revert(const struct sysroot *sr, struct journal *j, const struct jlog *log, const char *only_run,
		bool through, struct revert_result *res)
{
	size_t *ws = xmalloc((log->n ? log->n : 1) * sizeof(size_t)), floor = 0;
	bool *selected, *redundant;
	int first = 0;

	memset(res, 0, sizeof(*res));
	/* through: only_run and every run applied after it, so no older value lands under a newer one. */
	if (only_run && through) {
		floor = log->nruns;	/* not in the journal: nothing */
		for (size_t k = 0; k < log->nruns; k++)
			if (!strcmp(log->runs[k].run, only_run))
				floor = k;
	}
	/*
	 * A value written by several of these runs (the boot unit re-applies at every boot) comes back from
	 * the oldest one's record alone: restoring each newer one first only to overwrite it cost 194 s for
	 * 50 boots x 10,000 IRQ masks.
	 */
	selected = xcalloc(log->nruns ? log->nruns : 1, sizeof(bool));
	for (size_t k = floor; k < log->nruns; k++)
		selected[k] = log->runs[k].nwrites && !log->runs[k].reverted &&
			      !(only_run && !through && strcmp(only_run, log->runs[k].run));
	redundant = jlog_redundant_writes(log, selected);
	/* Newest run first; within a run, newest write first. */
	for (size_t k = log->nruns; k-- > floor;) {
		const struct jrun *run = &log->runs[k];
		size_t failed = 0, nw = 0;

		if (!selected[k])
			continue;
		res->runs++;
		for (size_t i = run->first_w; i != JLOG_NONE; i = log->v[i].next)
			ws[nw++] = i;
		while (nw-- > 0) {
			const struct jrec *r = &log->v[ws[nw]];
			const struct change_kind_ops *kind = change_kind_by_op(r->op);
			int rc;

			res->boot_touched |= boot_file(r);
			if (redundant[ws[nw]]) {
				res->restored++;	/* by the oldest record of its target, below */
				continue;
			}
			rc = kind ? kind->undo(sr, r) : -EINVAL;
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
			int rc = journal_reverted(j, run->run);

			if (rc < 0 && !first) {
				res->failed_target = xstrdup(JOURNAL_PATH);
				res->failed_rc = first = rc;
			}
		}
	}
	free(ws);
	free(selected);
	free(redundant);
	return first;
}

int tuners_revert(const struct sysroot *sr, const char *only_run, bool through, struct revert_result *res)
{
	struct journal j;
	struct jlog log;
	const char *newer;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = journal_load(sr, &log);
	if (rc < 0) {
		res->stage = "read";
		return rc;
	}
	/* One run alone, under a newer one still applied, would restore its old values over the newer's. */
	if (only_run && !through && (newer = jlog_newer_applied(&log, only_run))) {
		res->stage = "newer";
		res->failed_target = xstrdup(newer);
		jlog_free(&log);
		return -EBUSY;
	}
	rc = journal_open(&j, sr);
	if (rc < 0) {
		res->stage = "open";
		jlog_free(&log);
		return rc;
	}
	rc = plan_revert(sr, &j, &log, only_run, through, res);
	res->stage = rc < 0 ? "restore" : NULL;
	res->torn_tail = log.torn_tail;
	res->nbad = log.nbad;
	memcpy(res->bad_lines, log.bad_lines, sizeof(res->bad_lines));
	for (size_t i = 0; i < log.n; i++)
		res->had_writes |= log.v[i].type == JR_WRITE;
	journal_close(&j);
	jlog_free(&log);
	/* Fully reverted runs are dropped: the journal only grows with what revert still needs. */
	if (rc == 0 && res->runs && journal_load(sr, &log) == 0) {
		long dropped = journal_compact(sr, &log);

		res->compacted = dropped > 0 ? (size_t)dropped : 0;
		jlog_free(&log);
	}
	return rc;
}
