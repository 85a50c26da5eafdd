/* hist_bench.c - non-DPDK harness timing the per-packet measurement path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "stamp.h"

#define BURST 32

/* Just the two mbuf fields rte_pktmbuf_mtod() reads. */
struct fake_mbuf {
	void *buf_addr;
	uint16_t data_off;
};

/* Same shape as loop_account() in poller/run.c. */
__attribute__((noinline)) void account_burst(struct hist *h,
					     struct fake_mbuf **pkts,
					     unsigned int nb, uint64_t now,
					     uint64_t *neg)
{
	unsigned int i;

	/* unrolled so loop control costs < 1 instruction per packet */
#pragma GCC unroll 4
	for (i = 0; i < nb; i++) {
		const uint64_t *t = (const uint64_t *)((char *)pkts[i]->buf_addr +
				pkts[i]->data_off + TR_STAMP_OFF_T);

		hist_record_delta(h, now, *t, neg);
	}
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	static struct fake_mbuf mb[BURST];
	static uint8_t data[BURST][128];
	struct fake_mbuf *pkts[BURST];
	struct hist *h = calloc(1, sizeof(*h));
	uint64_t neg = 0, now = 1ULL << 40;
	unsigned long done;
	unsigned int i;

	if (!h)
		return 1;
	for (i = 0; i < BURST; i++) {
		struct tr_stamp s = { TR_CLOCK_TSC, i, now - (50ULL << (i % 12)), 0, 0 };

		mb[i].buf_addr = data[i];
		mb[i].data_off = 64;
		tr_stamp_encode(data[i] + 64, TR_STAMP_LEN, &s);
		pkts[i] = &mb[i];
	}
	for (done = 0; done < n; done += BURST)
		account_burst(h, pkts, BURST, now++, &neg);
	printf("packets %lu recorded %llu negative %llu\n", done,
	       (unsigned long long)hist_count(h), (unsigned long long)neg);
	free(h);
	return 0;
}
