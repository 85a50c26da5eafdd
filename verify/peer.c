/* pingpong --peer: parsing and checking where the pings go, before anything on the host changes. */
#include "peer.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mgmt.h"

int peer_parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;
	uint32_t h;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	h = ntohl(a.s_addr);
	if ((h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) >= 14 || h == 0xffffffffu)
		return -EDOM;
	*out = a.s_addr;
	return 0;
}

int peer_parse_mac(const char *s, uint8_t mac[6])
{
	static const uint8_t zero[6];
	unsigned int b[6];

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return -EINVAL;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	if ((mac[0] & 1) || !memcmp(mac, zero, 6))
		return -EDOM;
	return 0;
}

void peer_format_mac(const uint8_t m[6], char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static uint32_t mask_of(int prefix)
{
	return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~0u << (32 - prefix);
}

int peer_pick_source(uint32_t peer, const struct peer_ifaddr *a, int n)
{
	uint32_t p = ntohl(peer);

	for (int i = 0; i < n; i++)
		if (a[i].addr == peer)
			return -EADDRINUSE;
	for (int i = 0; i < n; i++) {
		uint32_t m = mask_of(a[i].prefix), net = ntohl(a[i].addr) & m;

		if (a[i].prefix < 1 || (p & m) != net)
			continue;
		/* /31 and /32 links have no network or broadcast address (RFC 3021) */
		if (a[i].prefix <= 30 && (p == net || p == (net | ~m)))
			return -EDOM;
		return i;
	}
	return -ENETUNREACH;
}

int peer_arp_find(const char *text, uint32_t ip, const char *ifname, uint8_t mac[6])
{
	const char *line = text ? strchr(text, '\n') : NULL;	/* past the header */

	while (line && *++line) {
		char ips[16], hw[18], dev[IF_NAMESIZE + 1];
		unsigned int flags;
		struct in_addr a;

		if (sscanf(line, "%15s %*s %x %17s %*s %16s", ips, &flags, hw, dev) == 4 && inet_pton(AF_INET, ips, &a) == 1 &&
		    a.s_addr == ip && !strcmp(dev, ifname) && (flags & 0x2) && peer_parse_mac(hw, mac) == 0)
			return 0;
		line = strchr(line, '\n');
	}
	return -ENOENT;
}

void peer_devargs_iface(const char *devargs, char *buf, size_t size)
{
	const char *p = devargs ? strstr(devargs, "iface=") : NULL;

	buf[0] = '\0';
	if (p) {
		p += 6;
		snprintf(buf, size, "%.*s", (int)strcspn(p, ","), p);
	}
}

/* The interface's IPv4 addresses (getifaddrs: the kernel's, live host only). */
static int iface_addrs(const char *iface, struct peer_ifaddr *a, int max)
{
	struct ifaddrs *ifa, *i;
	int n = 0;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i && n < max; i = i->ifa_next) {
		uint32_t m;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, iface) || !i->ifa_netmask)
			continue;
		a[n].addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
		m = ntohl(((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr);
		a[n].prefix = m ? 32 - __builtin_ctz(m) : 0;
		n++;
	}
	freeifaddrs(ifa);
	return n;
}

static const char *mgmt_why(const struct mgmt_set *m, const char *name, const char *pci)
{
	struct nic n = { 0 };

	snprintf(n.name, sizeof(n.name), "%s", name ? name : "");
	snprintf(n.pci, sizeof(n.pci), "%s", pci ? pci : "");
	return mgmt_reason(m, &n);
}

static int check_iface(const struct sysroot *sr, const char *iface, char *err, size_t errlen)
{
	char path[96], text[32];
	unsigned long flags;

	if (!*iface || strlen(iface) >= IF_NAMESIZE || strpbrk(iface, "/ ,=:") || !strcmp(iface, ".") ||
	    !strcmp(iface, "..")) {
		snprintf(err, errlen, "invalid interface name '%s'", iface);
		return -1;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/flags", iface);
	if (!sysroot_exists(sr, path)) {
		snprintf(err, errlen, "no interface '%s' on this host (`ip link` lists them)", iface);
		return -1;
	}
	/* flags is hex ("0x1003") */
	if (sysroot_read_str(sr, path, text, sizeof(text)) >= 0 && (flags = strtoul(text, NULL, 16), !(flags & IFF_UP))) {
		snprintf(err, errlen, "interface '%s' is down (`ip link set %s up`)", iface, iface);
		return -1;
	}
	return 0;
}

int peer_plan_make(const struct sysroot *sr, const struct host *h, const char *ssh_connection, const char *iface,
		   const char *peer, const char *mac, const char *devargs, const char *pci, struct peer_plan *p, char *err,
		   size_t errlen)
{
	struct peer_ifaddr a[16];
	struct mgmt_set *m;
	const char *why, *who = NULL;
	char dif[32];
	int n, i, rc;

	memset(p, 0, sizeof(*p));
	rc = peer_parse_ipv4(peer, &p->peer);
	if (rc < 0) {
		snprintf(err, errlen, "invalid --peer '%s' (%s)", peer,
			 rc == -EDOM ? "not a unicast host address" : "an IPv4 address, e.g. 192.0.2.7");
		return -1;
	}
	if (mac && (rc = peer_parse_mac(mac, p->mac)) < 0) {
		snprintf(err, errlen, "invalid --peer-mac '%s' (%s)", mac,
			 rc == -EDOM ? "multicast, broadcast or zero: the reflector's own unicast MAC" : "six hex bytes, aa:bb:cc:dd:ee:ff");
		return -1;
	}
	p->has_mac = mac != NULL;
	if (check_iface(sr, iface, err, errlen) < 0)
		return -1;
	snprintf(p->iface, sizeof(p->iface), "%s", iface);
	peer_devargs_iface(devargs, dif, sizeof(dif));
	/* Test traffic never goes through the management path, whatever the path does to the interface. */
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	mgmt_load(m, h, sr, ssh_connection);
	if ((why = mgmt_why(m, iface, NULL)))
		who = iface;
	else if (dif[0] && (why = mgmt_why(m, dif, NULL)))
		who = dif;
	else if (pci && (why = mgmt_why(m, NULL, pci)))
		who = pci;
	if (who) {
		snprintf(err, errlen, "refusing '%s': it is on the management path (%s); name an interface dedicated to the test",
			 who, why);
		mgmt_free(m);
		free(m);
		return -1;
	}
	mgmt_free(m);
	free(m);
	n = iface_addrs(iface, a, 16);
	if (n <= 0) {
		snprintf(err, errlen, "interface '%s' has no IPv4 address: give it one on the peer's subnet", iface);
		return -1;
	}
	i = peer_pick_source(p->peer, a, n);
	if (i < 0) {
		char own[16];

		inet_ntop(AF_INET, &a[0].addr, own, sizeof(own));
		snprintf(err, errlen, "--peer '%s' %s '%s' (%s/%d%s)", peer,
			 i == -EADDRINUSE ? "is an address of" : i == -EDOM ? "is the network or broadcast address of" :
			 "is not on the subnet of", iface, own, a[0].prefix, n > 1 ? " and others" : "");
		return -1;
	}
	p->src = a[i].addr;
	p->prefix = a[i].prefix;
	inet_ntop(AF_INET, &p->peer, p->peer_s, sizeof(p->peer_s));
	inet_ntop(AF_INET, &p->src, p->src_s, sizeof(p->src_s));
	return 0;
}
