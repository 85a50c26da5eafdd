/* The management path: the interfaces and PCI functions tickready never rebinds, re-IRQs or re-tunes. */
#include "mgmt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "util.h"

static int mgmt_find(const struct mgmt_set *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].name, name))
			return (int)i;
	return -1;
}

static struct mgmt_entry *mgmt_push(struct mgmt_set *m, const char *name, const char *why)
{
	struct mgmt_entry *e;

	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->v = xrealloc(m->v, m->cap * sizeof(*m->v));
	}
	e = &m->v[m->n++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->why, sizeof(e->why), "%s", why);
	e->pci[0] = '\0';
	return e;
}

static void mgmt_add(struct mgmt_set *m, const struct sysroot *sr, const char *name, const char *why)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct mgmt_entry *e;

	/* Longer than IFNAMSIZ: no interface has such a name. */
	if (!name[0] || strlen(name) >= sizeof(m->v[0].name) || mgmt_find(m, name) >= 0)
		return;
	e = mgmt_push(m, name, why);
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", name);
	if (sysroot_readlink_base(sr, path, target, sizeof(target)) == 0)
		snprintf(e->pci, sizeof(e->pci), "%.31s", target);
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
			if (mgmt_find(m, pf) < 0 && strlen(pf) < sizeof(m->v[0].name)) {
				snprintf(why, sizeof(why), "PF of %s", name);
				snprintf(mgmt_push(m, pf, why)->pci, sizeof(m->v[0].pci), "%.31s", pf);
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

void mgmt_free(struct mgmt_set *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

void mgmt_load(struct mgmt_set *m, const struct host *h, const struct sysroot *sr, const char *ssh_connection)
{
	m->n = 0;
	m->loaded = true;
	for (size_t i = 0; i < h->nnics; i++)
		if (h->nics[i].default_route)
			mgmt_add(m, sr, h->nics[i].name, "default route");
	/* A default route on a bond, bridge or VLAN: host->nics only lists devices, so go through the route tables. */
	{
		const struct routes *r = host_routes(h);

		for (size_t i = 0; i < r->n; i++)
			if (r->v[i].is_default)
				mgmt_add(m, sr, r->v[i].ifname, r->v[i].ipv6 ? "default route (IPv6)" : "default route");
	}
	mgmt_ssh(m, sr, ssh_connection);
	mgmt_expand(m, sr);
}

const struct mgmt_set *host_mgmt(const struct host *h)
{
	if (!h->mgmt->loaded)
		mgmt_load(h->mgmt, h, h->sr, getenv("SSH_CONNECTION"));
	return h->mgmt;
}

const char *mgmt_reason(const struct mgmt_set *m, const struct nic *n)
{
	for (size_t i = 0; i < m->n; i++)
		if ((n->name[0] && !strcmp(m->v[i].name, n->name)) || (n->pci[0] && !strcmp(m->v[i].pci, n->pci)))
			return m->v[i].why;
	return NULL;
}
