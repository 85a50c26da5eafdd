/* The kernel's routing tables as /proc/net/route and /proc/net/ipv6_route show them: one parser for all. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "sysroot.h"

struct route {
	char ifname[32];
	bool ipv6;
	bool is_default;	/* 0.0.0.0/0 or ::/0; IPv6's "unreachable" default on lo is not one */
};

struct routes {
	size_t n;
	struct route *v;
};

/* Both tables (a missing one is empty). 0, or -errno when neither could be read. */
int routes_load(const struct sysroot *sr, struct routes *r);
void routes_free(struct routes *r);
/* Does ifname carry a default route (either family)? */
bool routes_default_via(const struct routes *r, const char *ifname);
/* Does ifname carry any IPv4 route (the kernel stack is using it)? */
bool routes_ipv4_via(const struct routes *r, const char *ifname);
