/* stamp.h - wire format of the send-time stamp carried by tickready test packets. */
#ifndef TR_STAMP_H
#define TR_STAMP_H

/*
 * Any sender (DPDK or plain socket) can include this header alone.
 *
 * The stamp is 24 bytes, every field little-endian, no padding.  It sits at
 * the start of the UDP payload (Ethernet, optional one 802.1Q tag,
 * IPv4 without fragmentation or IPv6 without extension headers, UDP), or at
 * the start of the frame for raw ring traffic (loopback mode):
 *
 *   offset  size  field
 *        0     4  magic    TR_STAMP_MAGIC (0x4b535254, bytes "TRSK")
 *        4     2  version  TR_STAMP_VERSION (1)
 *        6     2  clock    TR_CLOCK_TSC: sender's TSC ticks (same host only)
 *                          TR_CLOCK_REALTIME: CLOCK_REALTIME in ns
 *                          TR_CLOCK_MONOTONIC: CLOCK_MONOTONIC in ns
 *        8     8  seq      sender sequence number, starting at 0
 *       16     8  t        send time in the unit of 'clock'
 *
 * Version 2 (market-data feeds, 32 bytes) appends, each feed numbering its
 * own packets from 0 in seq:
 *       24     4  feed     feed id, 0 to TR_FEED_MAX - 1
 *       28     4  reserved 0
 *
 * The receiver computes latency = its clock at receive - t; a stamp
 * taken later than the receive time counts as a negative delta.
 */

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TR_STAMP_MAGIC		0x4b535254u
#define TR_STAMP_VERSION	1
#define TR_STAMP_VERSION_FEED	2
#define TR_STAMP_LEN		24
#define TR_STAMP_FEED_LEN	32
#define TR_STAMP_OFF_FEED	24
#define TR_FEED_MAX		16
#define TR_STAMP_OFF_SEQ	8
#define TR_STAMP_OFF_T		16

enum tr_clock {
	TR_CLOCK_TSC = 1,
	TR_CLOCK_REALTIME = 2,
	TR_CLOCK_MONOTONIC = 3,
};

struct tr_stamp {
	uint16_t clock;
	uint64_t seq;
	uint64_t t;
	uint32_t feed;	/* version 2 only; 0 for a version 1 stamp */
	uint16_t version;	/* set by decode, not read by encode */
};

static inline int tr_stamp_encode(void *buf, size_t len,
				  const struct tr_stamp *s)
{
	uint8_t *p = buf;
	uint32_t magic = htole32(TR_STAMP_MAGIC);
	uint16_t ver = htole16(TR_STAMP_VERSION), clk = htole16(s->clock);
	uint64_t seq = htole64(s->seq), t = htole64(s->t);

	if (len < TR_STAMP_LEN)
		return -EINVAL;
	memcpy(p, &magic, 4);
	memcpy(p + 4, &ver, 2);
	memcpy(p + 6, &clk, 2);
	memcpy(p + 8, &seq, 8);
	memcpy(p + 16, &t, 8);
	return 0;
}

/* A version 2 stamp: the version 1 fields, then the feed id. */
static inline int tr_stamp_encode_feed(void *buf, size_t len,
				       const struct tr_stamp *s)
{
	uint8_t *p = buf;
	uint16_t ver = htole16(TR_STAMP_VERSION_FEED);
	uint32_t feed = htole32(s->feed), zero = 0;

	if (len < TR_STAMP_FEED_LEN || s->feed >= TR_FEED_MAX)
		return -EINVAL;
	tr_stamp_encode(p, len, s);
	memcpy(p + 4, &ver, 2);
	memcpy(p + 24, &feed, 4);
	memcpy(p + 28, &zero, 4);
	return 0;
}

static inline int tr_stamp_decode(const void *buf, size_t len,
				  struct tr_stamp *s)
{
	const uint8_t *p = buf;
	uint32_t magic;
	uint16_t ver, clk;

	if (len < TR_STAMP_LEN)
		return -EINVAL;
	memcpy(&magic, p, 4);
	memcpy(&ver, p + 4, 2);
	memcpy(&clk, p + 6, 2);
	ver = le16toh(ver);
	if (le32toh(magic) != TR_STAMP_MAGIC ||
	    (ver != TR_STAMP_VERSION && ver != TR_STAMP_VERSION_FEED))
		return -EBADMSG;
	s->feed = 0;
	s->version = ver;
	if (ver == TR_STAMP_VERSION_FEED) {
		uint32_t feed;

		if (len < TR_STAMP_FEED_LEN)
			return -EINVAL;
		memcpy(&feed, p + 24, 4);
		s->feed = le32toh(feed);
		if (s->feed >= TR_FEED_MAX)
			return -EBADMSG;
	}
	s->clock = le16toh(clk);
	if (s->clock < TR_CLOCK_TSC || s->clock > TR_CLOCK_MONOTONIC)
		return -EBADMSG;
	memcpy(&s->seq, p + 8, 8);
	memcpy(&s->t, p + 16, 8);
	s->seq = le64toh(s->seq);
	s->t = le64toh(s->t);
	return 0;
}

static inline uint16_t tr_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Offset of the UDP payload in an Ethernet frame, or -ENOENT. */
static inline int tr_stamp_udp_offset(const void *frame, size_t len)
{
	const uint8_t *p = frame;
	size_t off = 14, l3;
	uint16_t type;
	uint8_t proto;

	if (len < off)
		return -ENOENT;
	type = tr_be16(p + 12);
	if (type == 0x8100 && len >= 18) {
		type = tr_be16(p + 16);
		off = 18;
	}
	l3 = off;
	if (type == 0x0800) {
		if (len < l3 + 20 || (p[l3] >> 4) != 4)
			return -ENOENT;
		if (tr_be16(p + l3 + 6) & 0x3fff)	/* MF or fragment offset */
			return -ENOENT;
		proto = p[l3 + 9];
		off = l3 + (size_t)(p[l3] & 0x0f) * 4;
	} else if (type == 0x86dd) {
		if (len < l3 + 40)
			return -ENOENT;
		proto = p[l3 + 6];
		off = l3 + 40;
	} else {
		return -ENOENT;
	}
	if (proto != 17 || len < off + 8)
		return -ENOENT;
	return (int)(off + 8);
}

/* Find and decode a stamp: raw at frame start, else in a UDP payload. */
static inline int tr_stamp_find(const void *frame, size_t len,
				struct tr_stamp *s)
{
	int off;

	if (tr_stamp_decode(frame, len, s) == 0)
		return 0;
	off = tr_stamp_udp_offset(frame, len);
	if (off < 0)
		return off;
	return tr_stamp_decode((const uint8_t *)frame + off, len - (size_t)off, s);
}

#endif
