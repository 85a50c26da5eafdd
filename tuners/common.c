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

int tune_sysctl(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *name, const char *want)
{
	char path[256], now[SYSROOT_SMALL];
	struct change *c;
	int rc;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	for (char *s = path + 10; *s; s++)
		if (*s == '.')
			*s = '/';
	rc = sysroot_read_str(ctx->sr, path, now, sizeof(now));
	if (rc < 0)
		return rc;
	if (!strcmp(now, want))
		return 0;
	c = plan_add(p, check, CK_WRITE, name, path, now, want);
	if (c)
		change_set(&c->shell, "sysctl -w %s=%s", name, want);
	return c ? 1 : 0;
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

static int mgmt_find(const struct mgmt_set *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].name, name))
			return (int)i;
	return -1;
}

static void mgmt_add(struct mgmt_set *m, const struct sysroot *sr, const char *name, const char *why)
{
	char path[PATH_MAX], target[PATH_MAX];

	if (!name[0] || strlen(name) >= sizeof(m->v[0].name) || mgmt_find(m, name) >= 0 ||
	    m->n == sizeof(m->v) / sizeof(m->v[0]))
		return;
	snprintf(m->v[m->n].name, sizeof(m->v[0].name), "%s", name);
	snprintf(m->v[m->n].why, sizeof(m->v[0].why), "%s", why);
	m->v[m->n].pci[0] = '\0';
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", name);
	if (sysroot_readlink_base(sr, path, target, sizeof(target)) == 0)
		snprintf(m->v[m->n].pci, sizeof(m->v[0].pci), "%.31s", target);
	m->n++;
}

/* Bond/team members, VLAN parents and bridge ports appear as lower_* links; brif/ lists bridge ports. */
static void mgmt_expand(struct mgmt_set *m, const struct sysroot *sr)
{
	for (size_t i = 0; i < m->n; i++) {
		char path[PATH_MAX], why[96], pf[64], name[32];
		struct dirlist dl;

		snprintf(name, sizeof(name), "%s", m->v[i].name);
		snprintf(path, sizeof(path), "/sys/class/net/%s", name);
		if (sysroot_list(sr, path, &dl) == 0) {
			for (size_t k = 0; k < dl.n; k++)
				if (!strncmp(dl.names[k], "lower_", 6)) {
					snprintf(why, sizeof(why), "under %s", name);
					mgmt_add(m, sr, dl.names[k] + 6, why);
				}
			dirlist_free(&dl);
		}
		snprintf(path, sizeof(path), "/sys/class/net/%s/brif", name);
		if (sysroot_list(sr, path, &dl) == 0) {
			for (size_t k = 0; k < dl.n; k++) {
				snprintf(why, sizeof(why), "port of bridge %s", name);
				mgmt_add(m, sr, dl.names[k], why);
			}
			dirlist_free(&dl);
		}
		/* An SR-IOV VF: its PF carries it; the PF's netdevs are the path too. */
		snprintf(path, sizeof(path), "/sys/class/net/%s/device/physfn", name);
		if (sysroot_readlink_base(sr, path, pf, sizeof(pf)) == 0) {
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/net", pf);
			if (sysroot_list(sr, path, &dl) == 0) {
				for (size_t k = 0; k < dl.n; k++) {
					snprintf(why, sizeof(why), "PF of %s", name);
					mgmt_add(m, sr, dl.names[k], why);
				}
				dirlist_free(&dl);
			}
			if (m->n < sizeof(m->v) / sizeof(m->v[0]) && mgmt_find(m, pf) < 0) {
				snprintf(m->v[m->n].name, sizeof(m->v[0].name), "%.31s", pf);
				snprintf(m->v[m->n].pci, sizeof(m->v[0].pci), "%.31s", pf);
				snprintf(m->v[m->n].why, sizeof(m->v[0].why), "PF of %s", name);
				m->n++;
			}
		}
	}
}

/* The interface holding $SSH_CONNECTION's server address (third field); live host only. */
static void mgmt_ssh(struct mgmt_set *m, const struct sysroot *sr, const char *conn)
{
	char client[64], server[64];
	struct ifaddrs *ifa, *i;
	unsigned char want[16];
	int fam;

	if (!conn || !sr->live || sscanf(conn, "%63s %*s %63s", client, server) != 2)
		return;
	fam = strchr(server, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(fam, server, want) != 1 || getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i; i = i->ifa_next) {
		const void *addr;

		if (!i->ifa_addr || i->ifa_addr->sa_family != fam)
			continue;
		addr = fam == AF_INET ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
				      : (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (!memcmp(addr, want, fam == AF_INET ? 4 : 16))
			mgmt_add(m, sr, i->ifa_name, "carries this SSH session");
	}
	freeifaddrs(ifa);
}

void mgmt_load(struct mgmt_set *m, const struct host *h, const struct sysroot *sr, const char *ssh_connection)
{
	m->n = 0;
	for (size_t i = 0; i < h->nnics; i++)
		if (h->nics[i].default_route)
			mgmt_add(m, sr, h->nics[i].name, "default route");
	/* A default route on a bond, bridge or VLAN: host->nics only lists devices, so read the route files. */
	{
		struct dirlist dl;

		if (sysroot_list(sr, "/sys/class/net", &dl) == 0) {
			char *text = NULL;

			if (sysroot_read_alloc(sr, "/proc/net/route", 1u << 20, &text, NULL) == 0) {
				for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
					char ifn[32], dst[16], mask[16];

					if (sscanf(line, "%31s %15s %*s %*s %*s %*s %*s %15s", ifn, dst, mask) == 3 &&
					    !strcmp(dst, "00000000") && !strcmp(mask, "00000000"))
						mgmt_add(m, sr, ifn, "default route");
				}
				free(text);
			}
			if (sysroot_read_alloc(sr, "/proc/net/ipv6_route", 1u << 20, &text, NULL) == 0) {
				for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
					char dst[40], plen[4], ifn[32];

					if (sscanf(line, "%39s %3s %*s %*s %*s %*s %*s %*s %*s %31s", dst, plen, ifn) == 3 &&
					    !strcmp(plen, "00") && strspn(dst, "0") == 32 && strcmp(ifn, "lo"))
						mgmt_add(m, sr, ifn, "default route (IPv6)");
				}
				free(text);
			}
			dirlist_free(&dl);
		}
	}
	mgmt_ssh(m, sr, ssh_connection);
	mgmt_expand(m, sr);
}

const char *mgmt_reason(const struct mgmt_set *m, const struct nic *n)
{
	for (size_t i = 0; i < m->n; i++)
		if ((n->name[0] && !strcmp(m->v[i].name, n->name)) || (n->pci[0] && !strcmp(m->v[i].pci, n->pci)))
			return m->v[i].why;
	return NULL;
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
