/* The management path: the interfaces and PCI functions tickready never rebinds, re-IRQs or re-tunes. */
#include "mgmt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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
	m->loaded = true;
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
