/* feed.c - market-data feeds: the multicast generator, the per-feed receiver and its rte_flow filter. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "poller.h"
#include "stamp.h"

#define FEED_HDR	42	/* Ethernet, IPv4 without options, UDP */

/* xorshift64*: packet sizes only, not for anything secret. */
static inline uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* One multicast frame of feed f carrying size bytes of UDP payload, the stamp first. */
static void feed_build(const struct lcore_ctx *c, struct rte_mbuf *m, unsigned int f, unsigned int size,
		       uint64_t seq)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + 14);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + 34);
	uint32_t g = ntohl(c->feed->groups[f]);
	struct tr_stamp s = { .clock = TR_CLOCK_TSC, .seq = seq, .feed = f };

	/* 01:00:5e and the group's low 23 bits (RFC 1112) */
	p[0] = 0x01;
	p[1] = 0x00;
	p[2] = 0x5e;
	p[3] = (uint8_t)(g >> 16 & 0x7f);
	p[4] = (uint8_t)(g >> 8);
	p[5] = (uint8_t)g;
	memcpy(p + 6, c->own_mac.addr_bytes, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + size));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 16;
	ip->next_proto_id = 17;
	ip->src_addr = c->pp.src_ip;
	ip->dst_addr = c->feed->groups[f];
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(c->feed->dst_port);
	udp->dst_port = rte_cpu_to_be_16(c->feed->dst_port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + size));
	udp->dgram_cksum = 0;	/* optional in IPv4 */
	memset(p + FEED_HDR + TR_STAMP_FEED_LEN, 0, size - TR_STAMP_FEED_LEN);
	s.t = rte_rdtsc();
	tr_stamp_encode_feed(p + FEED_HDR, size, &s);
	m->data_len = (uint16_t)(FEED_HDR + size);
	m->pkt_len = FEED_HDR + size;
}

/*
 * Feeds in turn (round robin), each numbering its own packets; the total
 * rate is kept as the loopback generator keeps it.  Packets the queue
 * refused give their sequence numbers and their turn back, so a gap at
 * the receiver is always a packet that was sent and lost, and the feeds'
 * counts never differ by more than one.
 */
int run_feed_gen(struct lcore_ctx *c)
{
	struct rte_mbuf *pkts[POLLER_MAX_BURST];
	const struct feed_cfg *fc = c->feed;
	double ppc = (double)c->rate / (double)c->ctl->tsc_hz;
	uint64_t prev = c->ctl->start_tsc, now, attempted = 0, rr = 0, rng = rte_rdtsc() | 1;
	unsigned int feed_of[POLLER_MAX_BURST], span = fc->size_max - fc->size_min + 1, n, i;
	uint16_t tx;

	while (!force_quit) {
		now = loop_tick(c, &prev);
		if (now >= c->ctl->end_tsc || (fc->count && attempted >= fc->count))
			break;
		n = gen_due(c, now, ppc, attempted);
		if (fc->count && n > fc->count - attempted)
			n = (unsigned int)(fc->count - attempted);
		if (!n)
			continue;
		if (!gen_alloc(c, pkts, n, &attempted))
			continue;
		for (i = 0; i < n; i++, rr++) {
			unsigned int f = (unsigned int)(rr % fc->ngroups);

			feed_of[i] = f;
			feed_build(c, pkts[i], f, fc->size_min + (unsigned int)(rng_next(&rng) % span),
				   c->feed_sent[f]++);
		}
		tx = rte_eth_tx_burst(c->port, 0, pkts, (uint16_t)n);
		if (unlikely(tx < n)) {
			c->tx_drops += n - tx;
			for (i = n; i-- > tx;)
				c->feed_sent[feed_of[i]]--;	/* the latest of their feeds */
			rr -= n - tx;	/* and the turn goes back to the first unsent */
			rte_pktmbuf_free_bulk(pkts + tx, n - tx);
		}
		c->sent += tx;
		attempted += n;
	}
	return 0;
}

/* The feed of an IPv4 UDP frame to one of our groups on our port, or -1 (foreign). */
static int feed_of_frame(const struct feed_cfg *fc, const uint8_t *p, size_t len, int *payload)
{
	size_t l3 = tr_be16(p + 12) == 0x8100 ? 18 : 14;
	uint32_t dst;
	int off;

	if (len < l3 + 20 || tr_be16(p + l3 - 2) != 0x0800)
		return -1;
	off = tr_stamp_udp_offset(p, len);
	if (off < 0 || tr_be16(p + off - 6) != fc->dst_port)
		return -1;
	memcpy(&dst, p + l3 + 16, 4);
	*payload = off;
	return feed_index(fc, dst);
}

static void feed_account(struct lcore_ctx *c, const struct rte_mbuf *m, uint64_t now, uint64_t *rt, uint64_t *mono)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	size_t len = rte_pktmbuf_data_len(m);
	struct tr_stamp s;
	struct feed_rx *r;
	int f, off = 0;
	int64_t d;

	f = len >= 14 ? feed_of_frame(c->feed, p, len, &off) : -1;
	/* the feed id in the stamp must be the group's: anything else is someone else's traffic */
	if (f < 0 || tr_stamp_decode(p + off, len - (size_t)off, &s) || s.version != TR_STAMP_VERSION_FEED ||
	    s.feed != (uint32_t)f) {
		c->unstamped++;
		return;
	}
	r = &c->frx[f];
	c->received++;
	c->stamped[s.clock]++;
	r->received++;
	seq_note(&r->seq, s.seq);
	d = stamp_delta_ns(c, &s, now, rt, mono);
	if (d < 0)
		r->negative++;
	else
		hist_record(&r->hist, (uint64_t)d);
}

int run_feeds(struct lcore_ctx *c)
{
	struct rte_mbuf *pkts[POLLER_MAX_BURST];
	uint64_t prev = c->ctl->start_tsc, now;
	uint16_t nb, i;

	while (!force_quit) {
		uint64_t rt = 0, mono = 0;

		nb = rte_eth_rx_burst(c->port, 0, pkts, (uint16_t)c->burst);
		now = loop_tick(c, &prev);
		if (now >= c->ctl->end_tsc)
			break;
		for (i = 0; i < nb; i++)
			feed_account(c, pkts[i], now, &rt, &mono);
		if (nb)
			rte_pktmbuf_free_bulk(pkts, nb);
	}
	return 0;
}

static int flow_add(uint16_t port, const struct rte_flow_attr *attr, const struct rte_flow_item *items,
		    const struct rte_flow_action *actions, struct rte_flow_error *err)
{
	int rc;

	memset(err, 0, sizeof(*err));
	rc = rte_flow_validate(port, attr, items, actions, err);
	if (rc)
		return rc;
	return rte_flow_create(port, attr, items, actions, err) ? 0 : -rte_errno;
}

static void flow_why(char *why, size_t size, const char *what, int rc, const struct rte_flow_error *err)
{
	const char *e = strerror(rc < 0 ? -rc : rc);

	/* PMDs often put strerror itself in the message */
	if (err->message && strcmp(err->message, e))
		snprintf(why, size, "%s: %s (%s)", what, err->message, e);
	else
		snprintf(why, size, "%s: %s", what, e);
}

/*
 * Per group: eth / ipv4 dst is GROUP / udp dst is PORT -> queue 0, and
 * below them eth -> drop, so only the feeds reach the queue.  Validated
 * before created; on any refusal every rule goes again and the receiver
 * filters in software (it checks every frame either way).
 */
bool feed_flow_install(uint16_t port, const struct feed_cfg *f, char *why, size_t size)
{
	struct rte_flow_item_ipv4 ip_spec, ip_mask;
	struct rte_flow_item_udp udp_spec, udp_mask;
	struct rte_flow_action_queue queue = { .index = 0 };
	struct rte_flow_error err;
	char what[64], addr[INET_ADDRSTRLEN];
	int rc;

	memset(&ip_mask, 0, sizeof(ip_mask));
	memset(&udp_mask, 0, sizeof(udp_mask));
	ip_mask.hdr.dst_addr = 0xffffffff;
	udp_mask.hdr.dst_port = 0xffff;
	for (unsigned int i = 0; i < f->ngroups; i++) {
		const struct rte_flow_attr attr = { .ingress = 1, .priority = 0 };
		const struct rte_flow_item items[] = {
			{ .type = RTE_FLOW_ITEM_TYPE_ETH },
			{ .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip_spec, .mask = &ip_mask },
			{ .type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &udp_spec, .mask = &udp_mask },
			{ .type = RTE_FLOW_ITEM_TYPE_END },
		};
		const struct rte_flow_action actions[] = {
			{ .type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &queue },
			{ .type = RTE_FLOW_ACTION_TYPE_END },
		};

		memset(&ip_spec, 0, sizeof(ip_spec));
		memset(&udp_spec, 0, sizeof(udp_spec));
		ip_spec.hdr.dst_addr = f->groups[i];
		udp_spec.hdr.dst_port = rte_cpu_to_be_16(f->dst_port);
		rc = flow_add(port, &attr, items, actions, &err);
		if (rc) {
			inet_ntop(AF_INET, &f->groups[i], addr, sizeof(addr));
			snprintf(what, sizeof(what), "rule for %s:%u", addr, f->dst_port);
			flow_why(why, size, what, rc, &err);
			rte_flow_flush(port, &err);
			return false;
		}
	}
	{
		const struct rte_flow_attr attr = { .ingress = 1, .priority = 1 };
		const struct rte_flow_item items[] = {
			{ .type = RTE_FLOW_ITEM_TYPE_ETH },
			{ .type = RTE_FLOW_ITEM_TYPE_END },
		};
		const struct rte_flow_action actions[] = {
			{ .type = RTE_FLOW_ACTION_TYPE_DROP },
			{ .type = RTE_FLOW_ACTION_TYPE_END },
		};

		rc = flow_add(port, &attr, items, actions, &err);
		if (rc) {
			/* steering alone does not keep other traffic off the queue */
			flow_why(why, size, "catch-all drop rule", rc, &err);
			rte_flow_flush(port, &err);
			return false;
		}
	}
	snprintf(why, size, "%u steering rules and a catch-all drop", f->ngroups);
	return true;
}
