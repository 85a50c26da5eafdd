/* What every plan function uses: value comparison, interlocks, the management path. */
#include "tuners.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int tune_value(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *path, const char *want)
{
	char now[SYSROOT_SMALL];
	struct change *c;
	int rc = sysroot_read_str(ctx->sr, path, now, sizeof(now));

	if (rc == -ENODATA)
		now[0] = '\0';
	else if (rc < 0)
		return rc;
	if (!strcmp(now, want))
		return 0;
	c = plan_add(p, check, CK_WRITE, path, path, now, want);
	if (c)
		change_set(&c->shell, "echo %s > %s", want, path);
	return c ? 1 : 0;
}

/* /proc/sys/NAME with the dots as slashes. */
void tune_sysctl_path(const char *name, char *path, size_t size)
{
	snprintf(path, size, "/proc/sys/%s", name);
	for (char *s = path + 10; *s; s++)
		if (*s == '.')
			*s = '/';
}

int tune_sysctl_now(struct plan *p, const char *check, const char *name, const char *now, const char *want)
{
	char path[256];
	struct change *c;

	if (!strcmp(now, want))
		return 0;
	tune_sysctl_path(name, path, sizeof(path));
	c = plan_add(p, check, CK_WRITE, name, path, now, want);
	if (c)
		change_set(&c->shell, "sysctl -w %s=%s", name, want);
	return c ? 1 : 0;
}

int tune_sysctl(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *name, const char *want)
{
	char path[256], now[SYSROOT_SMALL];
	int rc;

	tune_sysctl_path(name, path, sizeof(path));
	rc = sysroot_read_str(ctx->sr, path, now, sizeof(now));
	if (rc < 0)
		return rc;
	return tune_sysctl_now(p, check, name, now, want);
}

const char *tune_cpulists_bad(const struct host *h, const struct profile *p, char *buf, size_t size)
{
	struct cpuset extra;
	char list[256];

	if (!h->has_present)
		return NULL;
	cpuset_andnot(&extra, &p->isolated, &h->present);
	if (cpuset_empty(&extra))
		cpuset_andnot(&extra, &p->housekeeping, &h->present);
	if (!cpuset_empty(&extra)) {
		snprintf(buf, size, "the profile names cpus %s that are not present",
			 cpuset_format(&extra, list, sizeof(list)));
		return buf;
	}
	cpuset_andnot(&extra, &p->housekeeping, &p->isolated);
	if (cpuset_empty(&extra)) {
		snprintf(buf, size, "no housekeeping cpu would be left");
		return buf;
	}
	return NULL;
}

void tune_guard_cpus(const struct tune_ctx *ctx, struct change *c)
{
	if (c && ctx->cpulist_bad && !c->blocked)
		c->blocked = xstrdup(ctx->cpulist_bad);
}

void tune_guard_nic(const struct tune_ctx *ctx, struct change *c, const struct nic *n)
{
	const char *why;

	if (!c || c->blocked || !ctx->mgmt || !n)
		return;
	why = mgmt_reason(ctx->mgmt, n);
	if (why) {
		c->blocked = xasprintf("%s is on the management path (%s)", n->name[0] ? n->name : n->pci, why);
		c->force_ok = true;
	}
}

void tune_parent_dirs(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *path)
{
	char dir[PATH_MAX];

	for (size_t i = 1; path[i] && i < sizeof(dir); i++) {
		struct change *c;

		if (path[i] != '/')
			continue;
		snprintf(dir, sizeof(dir), "%.*s", (int)i, path);
		if (sysroot_is_dir(ctx->sr, dir))
			continue;
		c = plan_add(p, check, CK_MKDIR, dir, dir, NULL, NULL);
		if (c)
			change_set(&c->shell, "mkdir %s", dir);
	}
}

/* ---- the management path ---- */

void tune_ctx_init(struct tune_ctx *ctx, const struct host *h, const struct profile *prof, const struct sysroot *sr,
		   const struct finding *f, size_t n)
{
	char bad[160];
	const char *why = tune_cpulists_bad(h, prof, bad, sizeof(bad));

	*ctx = (struct tune_ctx){ .host = h, .prof = prof, .sr = sr, .findings = f, .nfindings = n, .mgmt = host_mgmt(h),
				  .cpulist_bad = why ? xstrdup(why) : NULL };
}

void tune_ctx_free(struct tune_ctx *ctx)
{
	free((void *)ctx->cpulist_bad);
	memset(ctx, 0, sizeof(*ctx));
}

void tune_ethtool(const struct tune_ctx *ctx, struct plan *p, const char *check, const struct nic *n, const char *file,
		  const char *key, long now, long want, const char *shell)
{
	char target[96], cur[32], next[32];
	struct change *c;

	if (now == want)
		return;
	snprintf(target, sizeof(target), "%s %s", n->name, key);
	snprintf(cur, sizeof(cur), "%ld", now);
	snprintf(next, sizeof(next), "%ld", want);
	c = plan_add(p, check, CK_ETHTOOL, target, ctx->sr->live ? NULL : file, now < 0 ? NULL : cur, next);
	if (!c)
		return;
	c->iface = xstrdup(n->name);
	c->key = xstrdup(key);
	c->shell = xstrdup(shell);
	tune_guard_nic(ctx, c, n);
}

int tune_modprobe(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *module)
{
	char path[128];
	struct change *c;

	snprintf(path, sizeof(path), "/sys/module/%s", module);
	if (!ctx->sr->live || sysroot_is_dir(ctx->sr, path))
		return 0;
	c = plan_add(p, check, CK_EXEC, module, NULL, NULL, "modprobe");
	if (!c)
		return 0;
	c->live_only = true;
	c->argv_do = argv_pack((const char *const[]){ "modprobe", module, NULL });
	/* Unloading could take other devices with it: revert leaves the module loaded. */
	c->argv_undo = NULL;
	c->shell = xasprintf("modprobe %s", module);
	return 1;
}
