/* /proc/net/route and /proc/net/ipv6_route, parsed once with one rule for what a default route is. */
#include "route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define ROUTE_CAP (1u << 20)

static void add(struct routes *r, size_t *cap, const char *ifname, bool ipv6, bool is_default)
{
	if (strlen(ifname) >= sizeof(r->v[0].ifname))
		return;	/* longer than any interface name (IFNAMSIZ 16): not a route line */
	if (r->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		r->v = xrealloc(r->v, *cap * sizeof(*r->v));
	}
	snprintf(r->v[r->n].ifname, sizeof(r->v[0].ifname), "%s", ifname);
	r->v[r->n].ipv6 = ipv6;
	r->v[r->n].is_default = is_default;
	r->n++;
}

int routes_load(const struct sysroot *sr, struct routes *r)
{
	char *text = NULL, *save;
	size_t cap = 0;
	int got = 0, rc = 0;

	memset(r, 0, sizeof(*r));
	/* Iface Destination Gateway Flags RefCnt Use Metric Mask ...: hex, the first line a header. */
	if ((rc = sysroot_read_alloc(sr, "/proc/net/route", ROUTE_CAP, &text, NULL)) == 0) {
		save = NULL;
		got++;
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char ifn[64], dst[16], mask[16];

			if (sscanf(l, "%63s %15s %*s %*s %*s %*s %*s %15s", ifn, dst, mask) == 3 && strcmp(ifn, "Iface"))
				add(r, &cap, ifn, false, !strcmp(dst, "00000000") && !strcmp(mask, "00000000"));
		}
		free(text);
	}
	/* dst plen src src_plen next_hop metric refcnt use flags ifname: no header. */
	if (sysroot_read_alloc(sr, "/proc/net/ipv6_route", ROUTE_CAP, &text, NULL) == 0) {
		save = NULL;
		got++;
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char dst[40], plen[8], ifn[64];

			if (sscanf(l, "%39s %7s %*s %*s %*s %*s %*s %*s %*s %63s", dst, plen, ifn) == 3)
				add(r, &cap, ifn, true,
				    !strcmp(plen, "00") && strspn(dst, "0") == 32 && strlen(dst) == 32 && strcmp(ifn, "lo"));
		}
		free(text);
	}
	return got ? 0 : rc;
}

void routes_free(struct routes *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

bool routes_default_via(const struct routes *r, const char *ifname)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].is_default && !strcmp(r->v[i].ifname, ifname))
			return true;
	return false;
}

bool routes_ipv4_via(const struct routes *r, const char *ifname)
{
	for (size_t i = 0; i < r->n; i++)
		if (!r->v[i].ipv6 && !strcmp(r->v[i].ifname, ifname))
			return true;
	return false;
}
