/* test_rxcheck.c - cmocka tests of the port path's quick checks: the stamp pre-filter and the burst free fold. */
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rxcheck.h"

#define POOL	0x7f12345678c0ULL
#define BAD	(1ULL << 62 | 1ULL << 61)	/* indirect, external */
#define RS_ONE	0x00010001u

static uint64_t head_of(const uint8_t *f)
{
	uint64_t h;

	memcpy(&h, f, sizeof(h));
	return h;
}

/* A UDP frame with a stamp whose outer ethertype is et: IPv4 or IPv6 at l3, after a VLAN tag when vlan. */
static size_t build(uint8_t *f, uint16_t et, bool v6, bool vlan)
{
	struct tr_stamp s = { TR_CLOCK_REALTIME, 5, 6, 0, 0 };
	size_t l3 = vlan ? 18 : 14, off = l3 + (v6 ? 40 : 20) + 8;

	memset(f, 0, 128);
	f[12] = (uint8_t)(et >> 8);
	f[13] = (uint8_t)et;
	if (vlan) {
		f[16] = v6 ? 0x86 : 0x08;
		f[17] = v6 ? 0xdd : 0x00;
	}
	if (v6) {
		f[l3 + 6] = 17;
	} else {
		f[l3] = 0x45;
		f[l3 + 9] = 17;
	}
	tr_stamp_encode(f + off, TR_STAMP_LEN, &s);
	return off + TR_STAMP_LEN;
}

/* Every ethertype: whatever the full parser finds a stamp in, the filter lets through. */
static void test_filter_keeps_every_stamp(void **state)
{
	struct tr_stamp out;
	uint8_t f[128];
	unsigned int et, kind, found = 0;
	size_t len;

	(void)state;
	for (et = 0; et <= 0xffff; et++) {
		for (kind = 0; kind < 4; kind++) {
			len = build(f, (uint16_t)et, kind & 1, kind & 2);
			if (tr_stamp_find(f, len, &out) == 0) {
				found++;
				assert_true(rx_may_hold_stamp(f, head_of(f)));
			}
		}
	}
	assert_int_equal(found, 4);	/* IPv4, IPv6, VLAN+IPv4, VLAN+IPv6 */
}

/* A raw stamp at the frame start, any clock and version, whatever bytes 12-13 hold. */
static void test_filter_keeps_raw(void **state)
{
	struct tr_stamp s = { TR_CLOCK_TSC, 1, 2, 3, 0 }, out;
	uint8_t f[64];
	uint16_t clk;

	(void)state;
	for (clk = TR_CLOCK_TSC; clk <= TR_CLOCK_MONOTONIC; clk++) {
		s.clock = clk;
		memset(f, 0, sizeof(f));
		tr_stamp_encode(f, sizeof(f), &s);
		assert_int_equal(tr_stamp_find(f, sizeof(f), &out), 0);
		assert_true(rx_may_hold_stamp(f, head_of(f)));
		tr_stamp_encode_feed(f, sizeof(f), &s);
		assert_int_equal(tr_stamp_find(f, sizeof(f), &out), 0);
		assert_true(rx_may_hold_stamp(f, head_of(f)));
	}
}

/* What the filter exists for: other frames stop at it. */
static void test_filter_rejects_foreign(void **state)
{
	uint8_t f[64] = { 0 };

	(void)state;
	assert_false(rx_may_hold_stamp(f, head_of(f)));	/* net_null's frames */
	f[12] = 0x08;
	f[13] = 0x06;	/* ARP: shares IPv4's high byte, so the parser decides */
	assert_true(rx_may_hold_stamp(f, head_of(f)));
	f[12] = 0x88;
	f[13] = 0xf7;	/* PTP */
	assert_false(rx_may_hold_stamp(f, head_of(f)));
	memcpy(f, "TRSJ", 4);
	assert_false(rx_may_hold_stamp(f, head_of(f)));
}

static uint64_t fold(const uint64_t *pool, const uint64_t *flags, const uint32_t *rs, unsigned int n)
{
	struct raw_fold f;
	unsigned int i;

	raw_fold_init(&f);
	for (i = 0; i < n; i++)
		raw_fold_add(&f, pool[i], flags[i], rs[i]);
	return raw_fold_not_raw(&f, POOL, BAD, RS_ONE);
}

/* One odd mbuf anywhere in a burst makes it not raw; other flags do not. */
static void test_fold(void **state)
{
	uint64_t pool[4], flags[4];
	uint32_t rs[4];
	unsigned int i, at;

	(void)state;
	for (at = 0; at < 4; at++) {
		for (i = 0; i < 4; i++) {
			pool[i] = POOL;
			flags[i] = 1ULL << 1 | 1ULL << 22;	/* RSS hash, ip checksum good */
			rs[i] = RS_ONE;
		}
		assert_int_equal(fold(pool, flags, rs, 4), 0);
		pool[at] = POOL | 0x20;	/* more bits: the OR sees it */
		assert_int_not_equal(fold(pool, flags, rs, 4), 0);
		pool[at] = POOL & ~0x40ULL;	/* fewer bits: the AND sees it */
		assert_int_not_equal(fold(pool, flags, rs, 4), 0);
		pool[at] = POOL;
		rs[at] = 0x00010002;	/* refcnt 2 */
		assert_int_not_equal(fold(pool, flags, rs, 4), 0);
		rs[at] = 0x00030001;	/* three segments */
		assert_int_not_equal(fold(pool, flags, rs, 4), 0);
		rs[at] = RS_ONE;
		flags[at] |= 1ULL << 62;
		assert_int_not_equal(fold(pool, flags, rs, 4), 0);
		flags[at] ^= 1ULL << 62 | 1ULL << 61;
		assert_int_not_equal(fold(pool, flags, rs, 4), 0);
	}
	assert_int_not_equal(fold(pool, flags, rs, 0), 0);	/* empty: never raw */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_keeps_every_stamp),
		cmocka_unit_test(test_filter_keeps_raw),
		cmocka_unit_test(test_filter_rejects_foreign),
		cmocka_unit_test(test_fold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
