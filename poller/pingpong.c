/* pingpong.c - the reflect and pingpong loops: stamped UDP echoed by a reflector, timed by the sender (half round trip, one clock). */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "answer.h"
#include "poller.h"
#include "stamp.h"

#define PP_PAYLOAD	64	/* stamp plus padding */
#define PP_TIMEOUT_MS	20	/* a ping unanswered this long is lost */

static bool from_self(const uint8_t *p, const struct rte_ether_addr *own)
{
	return !memcmp(p + 6, own->addr_bytes, 6);
}

static void swap(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/*
 * Turns a stamped UDP frame around in place: MACs (ours as the source),
 * IP addresses and UDP ports swapped.  Swapping keeps the IP checksum; the
 * UDP one is redone, because a packet socket on a veth sees the sender's
 * checksum-offloaded (partial) sum.
 */
static void turn_around(uint8_t *p, int udp_payload, const struct rte_ether_addr *own)
{
	size_t l3 = tr_be16(p + 12) == 0x8100 ? 18 : 14;
	uint16_t type = tr_be16(p + l3 - 2);
	uint8_t *udp = p + udp_payload - 8;

	memcpy(p, p + 6, 6);
	memcpy(p + 6, own->addr_bytes, 6);
	swap(udp, udp + 2, 2);
	udp[6] = udp[7] = 0;
	if (type == 0x0800) {
		swap(p + l3 + 12, p + l3 + 16, 4);	/* IPv4: 0 = no checksum */
	} else {
		uint16_t sum;

		swap(p + l3 + 8, p + l3 + 24, 16);
		sum = rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)(p + l3), udp);
		memcpy(udp + 6, &sum, 2);
	}
}

int run_reflect(struct lcore_ctx *c)
{
	struct rte_mbuf *pkts[POLLER_MAX_BURST], *out[POLLER_MAX_BURST];
	uint64_t prev = c->ctl->start_tsc, now;
	uint16_t nb, i, n, tx;

	while (!force_quit) {
		nb = rte_eth_rx_burst(c->port, 0, pkts, (uint16_t)c->burst);
		now = loop_tick(c, &prev);
		if (now >= c->ctl->end_tsc)
			break;
		for (i = 0, n = 0; i < nb; i++) {
			struct rte_mbuf *m = pkts[i];
			uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
			size_t len = rte_pktmbuf_data_len(m);
			struct tr_stamp s;
			int off;

			/* A packet socket sees our own echoes leave: never echo those. */
			if (len < 14 || from_self(p, &c->own_mac)) {
				rte_pktmbuf_free(m);
				continue;
			}
			if (answer_for_self(p, len, c->own_mac.addr_bytes, c->pp.own_ip)) {
				out[n++] = m;
				continue;
			}
			off = tr_stamp_udp_offset(p, len);
			if (off < 0 || tr_stamp_decode(p + off, len - (size_t)off, &s) || !frame_to_ip(p, len, c->pp.own_ip)) {
				c->unstamped++;
				rte_pktmbuf_free(m);
				continue;
			}
			c->received++;
			c->stamped[s.clock]++;
			seq_note(c->seq, s.seq);
			turn_around(p, off, &c->own_mac);
			out[n++] = m;
		}
		if (!n)
			continue;
		tx = rte_eth_tx_burst(c->port, 0, out, n);
		c->sent += tx;
		if (tx < n) {
			c->tx_drops += n - tx;
			rte_pktmbuf_free_bulk(out + tx, n - tx);
		}
	}
	return 0;
}

/* Ethernet, IPv4, UDP and the stamp, PP_PAYLOAD bytes of payload. */
static void ping_build(const struct lcore_ctx *c, struct rte_mbuf *m, uint64_t seq, uint64_t tsc)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + 14);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + 34);
	struct tr_stamp s = { .clock = TR_CLOCK_TSC, .seq = seq, .t = tsc };
	uint16_t len = 14 + 20 + 8 + PP_PAYLOAD;

	memcpy(p, c->pp.peer_mac, 6);
	memcpy(p + 6, c->own_mac.addr_bytes, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(20 + 8 + PP_PAYLOAD);
	ip->time_to_live = 64;
	ip->next_proto_id = 17;
	ip->src_addr = c->pp.src_ip;
	ip->dst_addr = c->pp.dst_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(c->pp.udp_port);
	udp->dst_port = rte_cpu_to_be_16(c->pp.udp_port);
	udp->dgram_len = rte_cpu_to_be_16(8 + PP_PAYLOAD);
	udp->dgram_cksum = 0;	/* optional in IPv4 */
	memset(p + 42, 0, PP_PAYLOAD);
	tr_stamp_encode(p + 42, PP_PAYLOAD, &s);
	m->data_len = len;
	m->pkt_len = len;
}

/* Our echo: to our MAC, from someone else, a TSC stamp. Returns its seq or -1. */
static int64_t echo_seq(const struct lcore_ctx *c, const struct rte_mbuf *m, uint64_t *t)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	size_t len = rte_pktmbuf_data_len(m);
	struct tr_stamp s;

	if (len < 14 || memcmp(p, c->own_mac.addr_bytes, 6) || from_self(p, &c->own_mac) ||
	    tr_stamp_find(p, len, &s) || s.clock != TR_CLOCK_TSC)
		return -1;
	*t = s.t;
	return (int64_t)s.seq;
}

int run_pingpong(struct lcore_ctx *c)
{
	struct rte_mbuf *pkts[POLLER_MAX_BURST], *m;
	uint64_t prev = c->ctl->start_tsc, now, seq, t, timeout = c->ctl->tsc_hz / 1000 * PP_TIMEOUT_MS;
	uint16_t nb, i;

	for (seq = 0; !force_quit; seq++) {
		bool answered = false;
		uint64_t t0;

		now = rte_rdtsc();
		if (now >= c->ctl->end_tsc)
			break;
		m = rte_pktmbuf_alloc(c->pool);
		if (!m) {
			c->tx_nombuf++;
			continue;
		}
		t0 = rte_rdtsc();
		ping_build(c, m, seq, t0);
		if (rte_eth_tx_burst(c->port, 0, &m, 1) != 1) {
			rte_pktmbuf_free(m);
			c->tx_drops++;
			continue;
		}
		c->sent++;
		while (!answered && !force_quit) {
			nb = rte_eth_rx_burst(c->port, 0, pkts, (uint16_t)c->burst);
			now = loop_tick(c, &prev);
			for (i = 0; i < nb; i++) {
				int64_t s = echo_seq(c, pkts[i], &t);

				if (s < 0) {
					/* our own ping seen leaving is not traffic; anything else is foreign */
					if (!from_self(rte_pktmbuf_mtod(pkts[i], const uint8_t *), &c->own_mac))
						c->unstamped++;
				} else {
					c->received++;
					c->stamped[TR_CLOCK_TSC]++;
					seq_note(c->seq, (uint64_t)s);
					if ((uint64_t)s == seq) {
						hist_record(c->hist, (uint64_t)((double)(now - t) * c->ns_per_cycle / 2));
						answered = true;
					}
				}
				rte_pktmbuf_free(pkts[i]);
			}
			if (now - t0 > timeout)
				break;
		}
	}
	return 0;
}
