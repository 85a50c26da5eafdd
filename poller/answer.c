/* answer.c - ARP and ICMP echo answers for a reflector whose NIC no kernel owns. */
#include "answer.h"

#include <string.h>

#include "stamp.h"

static size_t l3_offset(const uint8_t *p, size_t len)
{
	return len >= 18 && tr_be16(p + 12) == 0x8100 ? 18 : 14;
}

/* The Internet checksum (RFC 1071) of n bytes. */
static uint16_t inet_sum(const uint8_t *b, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void to_asker(uint8_t *p, const uint8_t own_mac[6])
{
	memcpy(p, p + 6, 6);
	memcpy(p + 6, own_mac, 6);
}

static bool arp_reply(uint8_t *p, uint8_t *a, size_t room, const uint8_t own_mac[6], uint32_t own_ip)
{
	/* Ethernet/IPv4 request (htype 1, ptype 0x0800, 6/4, op 1) whose target address is ours */
	if (room < 28 || tr_be16(a) != 1 || tr_be16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4 ||
	    tr_be16(a + 6) != 1 || memcmp(a + 24, &own_ip, 4))
		return false;
	memcpy(a + 18, a + 8, 10);	/* target = the asker, MAC and address */
	memcpy(a + 8, own_mac, 6);
	memcpy(a + 14, &own_ip, 4);
	a[7] = 2;			/* reply */
	to_asker(p, own_mac);
	return true;
}

static bool echo_reply(uint8_t *p, uint8_t *ip, size_t room, const uint8_t own_mac[6], uint32_t own_ip)
{
	size_t ihl, tot;
	uint8_t *icmp, t[4];
	uint16_t sum;

	if (room < 20 || (ip[0] >> 4) != 4 || ip[9] != 1 || memcmp(ip + 16, &own_ip, 4) || (tr_be16(ip + 6) & 0x3fff))
		return false;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = tr_be16(ip + 2);
	if (ihl < 20 || tot > room || tot < ihl + 8)
		return false;
	icmp = ip + ihl;
	if (icmp[0] != 8 || icmp[1] != 0)
		return false;
	icmp[0] = 0;			/* echo reply, same id, sequence and data */
	icmp[2] = icmp[3] = 0;
	sum = inet_sum(icmp, tot - ihl);
	icmp[2] = (uint8_t)(sum >> 8);
	icmp[3] = (uint8_t)sum;
	/* Swapping the addresses keeps the IP header checksum. */
	memcpy(t, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, t, 4);
	to_asker(p, own_mac);
	return true;
}

bool answer_for_self(uint8_t *p, size_t len, const uint8_t own_mac[6], uint32_t own_ip)
{
	size_t l3 = l3_offset(p, len);
	uint16_t type;

	if (!own_ip || len < l3)
		return false;
	type = tr_be16(p + l3 - 2);
	if (type == 0x0806)
		return arp_reply(p, p + l3, len - l3, own_mac, own_ip);
	if (type == 0x0800)
		return echo_reply(p, p + l3, len - l3, own_mac, own_ip);
	return false;
}

bool frame_to_ip(const uint8_t *p, size_t len, uint32_t own_ip)
{
	size_t l3 = l3_offset(p, len);

	if (!own_ip)
		return true;
	return len >= l3 + 20 && tr_be16(p + l3 - 2) == 0x0800 && !memcmp(p + l3 + 16, &own_ip, 4);
}
