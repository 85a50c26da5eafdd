/* test_answer.c - cmocka tests of the reflector's ARP and ICMP echo answers. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "answer.h"

static const uint8_t own[6] = { 0x02, 0, 0, 0, 0, 0x02 }, asker[6] = { 0x02, 0, 0, 0, 0, 0x01 };

/* Ethernet + ARP request from 198.19.0.1 (asker) for target. */
static size_t arp_request(uint8_t *f, const char *target)
{
	static const uint8_t hdr[8] = { 0, 1, 0x08, 0, 6, 4, 0, 1 };
	uint32_t spa = inet_addr("198.19.0.1"), tpa = inet_addr(target);

	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, asker, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, hdr, 8);
	memcpy(f + 22, asker, 6);
	memcpy(f + 28, &spa, 4);
	memcpy(f + 38, &tpa, 4);
	return 60;
}

static uint16_t sum16(const uint8_t *b, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Ethernet + IPv4 + ICMP echo request (id 0x1234, seq 7, 8 bytes of data) from 198.19.0.1 to dst. */
static size_t echo_request(uint8_t *f, const char *dst)
{
	uint32_t src = inet_addr("198.19.0.1"), d = inet_addr(dst);
	uint8_t *ip = f + 14, *icmp = ip + 20;
	uint16_t s;

	memset(f, 0, 64);
	memcpy(f, own, 6);
	memcpy(f + 6, asker, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 20 + 16;
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &d, 4);
	s = (uint16_t)~sum16(ip, 20);
	ip[10] = (uint8_t)(s >> 8);
	ip[11] = (uint8_t)s;
	icmp[0] = 8;
	icmp[4] = 0x12;
	icmp[5] = 0x34;
	icmp[7] = 7;
	memcpy(icmp + 8, "tickrdy!", 8);
	s = (uint16_t)~sum16(icmp, 16);
	icmp[2] = (uint8_t)(s >> 8);
	icmp[3] = (uint8_t)s;
	return 14 + 36;
}

static void test_arp(void **state)
{
	uint32_t me = inet_addr("198.19.0.2"), spa = inet_addr("198.19.0.1");
	uint8_t f[60], before[60];
	size_t n = arp_request(f, "198.19.0.2");

	(void)state;
	assert_true(answer_for_self(f, n, own, me));
	assert_memory_equal(f, asker, 6);		/* to the asker */
	assert_memory_equal(f + 6, own, 6);
	assert_int_equal(f[21], 2);			/* a reply */
	assert_memory_equal(f + 22, own, 6);		/* sender: us */
	assert_memory_equal(f + 28, &me, 4);
	assert_memory_equal(f + 32, asker, 6);		/* target: the asker */
	assert_memory_equal(f + 38, &spa, 4);
	/* someone else's address, a reply, no address of our own: left alone */
	n = arp_request(f, "198.19.0.3");
	memcpy(before, f, n);
	assert_false(answer_for_self(f, n, own, me));
	assert_memory_equal(f, before, n);
	n = arp_request(f, "198.19.0.2");
	f[21] = 2;
	assert_false(answer_for_self(f, n, own, me));
	n = arp_request(f, "198.19.0.2");
	assert_false(answer_for_self(f, n, own, 0));
	assert_false(answer_for_self(f, 30, own, me));	/* truncated */
}

static void test_echo(void **state)
{
	uint32_t me = inet_addr("198.19.0.2"), asker_ip = inet_addr("198.19.0.1");
	uint8_t f[64], before[64];
	size_t n = echo_request(f, "198.19.0.2");

	(void)state;
	assert_true(answer_for_self(f, n, own, me));
	assert_memory_equal(f, asker, 6);
	assert_memory_equal(f + 6, own, 6);
	assert_memory_equal(f + 14 + 12, &me, 4);
	assert_memory_equal(f + 14 + 16, &asker_ip, 4);
	assert_int_equal(f[34], 0);			/* echo reply */
	assert_int_equal(sum16(f + 14, 20), 0xffff);	/* IP checksum still holds */
	assert_int_equal(sum16(f + 34, 16), 0xffff);	/* ICMP checksum redone */
	assert_memory_equal(f + 34 + 4, "\x12\x34\x00\x07tickrdy!", 12);
	n = echo_request(f, "198.19.0.9");
	memcpy(before, f, n);
	assert_false(answer_for_self(f, n, own, me));
	assert_memory_equal(f, before, n);
	n = echo_request(f, "198.19.0.2");
	f[34] = 0;					/* a reply is not answered */
	assert_false(answer_for_self(f, n, own, me));
	n = echo_request(f, "198.19.0.2");
	f[14 + 3] = 200;				/* claims more than the frame holds */
	assert_false(answer_for_self(f, n, own, me));
}

static void test_frame_to_ip(void **state)
{
	uint8_t f[64];
	size_t n = echo_request(f, "198.19.0.2");

	(void)state;
	assert_true(frame_to_ip(f, n, inet_addr("198.19.0.2")));
	assert_false(frame_to_ip(f, n, inet_addr("198.19.0.3")));
	assert_true(frame_to_ip(f, n, 0));
	n = arp_request(f, "198.19.0.2");
	assert_false(frame_to_ip(f, n, inet_addr("198.19.0.2")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_frame_to_ip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
