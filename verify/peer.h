/* pingpong --peer: the peer's address and MAC, the local interface and its address on the peer's subnet, and the refusals (management path). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host.h"
#include "sysroot.h"

/* One IPv4 address of an interface: address (network byte order) and prefix length. */
struct peer_ifaddr {
	uint32_t addr;
	int prefix;
};

/* Where pingpong --peer sends: everything checked before the host is touched. */
struct peer_plan {
	char iface[16];			/* the kernel paths' interface (and DPDK's, through net_af_packet, by default) */
	uint32_t peer, src;		/* network byte order */
	int prefix;
	uint8_t mac[6];
	bool has_mac;			/* --peer-mac; else learned from the kernel's ARP table once it has pinged */
	int port;			/* the UDP port both ways (--udp-port, default VENV_UDP_PORT) */
	char peer_s[16], src_s[16];
};

/* A dotted quad naming one unicast host: 0, -EINVAL (not an IPv4 address) or -EDOM (0/8, loopback, multicast, broadcast). */
int peer_parse_ipv4(const char *s, uint32_t *out);
/* xx:xx:xx:xx:xx:xx: 0, -EINVAL (not a MAC) or -EDOM (multicast, broadcast or all zeros). */
int peer_parse_mac(const char *s, uint8_t mac[6]);
void peer_format_mac(const uint8_t mac[6], char *buf, size_t size);
/*
 * The address in a[] whose subnet holds peer: its index, -ENETUNREACH (none: the peer is not on the link),
 * -EADDRINUSE (peer is the interface's own address) or -EDOM (the subnet's network or broadcast address).
 */
int peer_pick_source(uint32_t peer, const struct peer_ifaddr *a, int n);
/* The complete entry for ip on ifname in the text of /proc/net/arp: 0 and mac, or -ENOENT (absent or unresolved). */
int peer_arp_find(const char *text, uint32_t ip, const char *ifname, uint8_t mac[6]);
/* The iface= of DPDK devargs ("" when it names none) into buf. */
void peer_devargs_iface(const char *devargs, char *buf, size_t size);

/*
 * Checks everything --peer needs on the live host, touching nothing: peer and mac parse, iface exists and is up,
 * neither iface, the devargs' interface nor pci is on the management path (ssh_connection: $SSH_CONNECTION),
 * iface has an IPv4 address on the peer's subnet. 0, or -1 with err naming the value.
 */
int peer_plan_make(const struct sysroot *sr, const struct host *h, const char *ssh_connection, const char *iface,
		   const char *peer, const char *mac, const char *devargs, const char *pci, struct peer_plan *p, char *err,
		   size_t errlen);
