/* ring-ping.c - rte_ring ping-pong between two lcores: the loopback floor. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_ring.h>

/*
 * The main lcore enqueues a token on ring "ping", the worker lcore dequeues
 * it and enqueues it on ring "pong", the main lcore dequeues it: one round
 * trip, timed with rdtsc on the main lcore only, so the TSC skew between
 * vCPUs does not enter.  Both sides spin without rte_pause, like a poller.
 * One-way latency is reported as half the round trip.  The two rdtsc per
 * round (about 9 ns each here) are inside the figure, as they are in the
 * poller's.
 *
 * usage: ring-ping EAL-ARGS (two lcores, e.g. -l 0,1) [-- ROUNDS]
 * Prints one line per figure: "ring_rtt_ns p50 p90 p99 p999 p9999 max".
 */

#define WARMUP		10000u
#define QUIT_TOKEN	((void *)(uintptr_t)1)
#define PING_TOKEN	((void *)(uintptr_t)2)

struct rings {
	struct rte_ring *ping;
	struct rte_ring *pong;
};

static int echo(void *arg)
{
	const struct rings *r = arg;
	void *obj;

	for (;;) {
		while (rte_ring_sc_dequeue(r->ping, &obj))
			;
		if (obj == QUIT_TOKEN)
			return 0;
		while (rte_ring_sp_enqueue(r->pong, obj))
			;
	}
}

static uint64_t round_trip(const struct rings *r)
{
	uint64_t t0, t1;
	void *obj;

	t0 = rte_rdtsc();
	while (rte_ring_sp_enqueue(r->ping, PING_TOKEN))
		;
	while (rte_ring_sc_dequeue(r->pong, &obj))
		;
	t1 = rte_rdtsc();
	return t1 - t0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static double pct(const uint64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);

	return (double)v[i < n ? i : n - 1];
}

static void print_line(const char *name, const uint64_t *v, size_t n,
		       double ns_per_unit)
{
	printf("%s %.1f %.1f %.1f %.1f %.1f %.1f\n", name,
	       pct(v, n, 50) * ns_per_unit, pct(v, n, 90) * ns_per_unit,
	       pct(v, n, 99) * ns_per_unit, pct(v, n, 99.9) * ns_per_unit,
	       pct(v, n, 99.99) * ns_per_unit, (double)v[n - 1] * ns_per_unit);
}

int main(int argc, char **argv)
{
	struct rings r;
	unsigned int worker;
	uint64_t *rtt;
	size_t i, n = 1000000;
	double ns;
	int used;

	used = rte_eal_init(argc, argv);
	if (used < 0) {
		fprintf(stderr, "ring-ping: EAL init failed\n");
		return 2;
	}
	if (argc - used > 1)
		n = strtoull(argv[used + 1], NULL, 10);
	worker = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	if (n == 0 || worker >= RTE_MAX_LCORE) {
		fprintf(stderr, "ring-ping: need two lcores and ROUNDS > 0\n");
		return 2;
	}
	r.ping = rte_ring_create("rp_ping", 64, SOCKET_ID_ANY,
				 RING_F_SP_ENQ | RING_F_SC_DEQ);
	r.pong = rte_ring_create("rp_pong", 64, SOCKET_ID_ANY,
				 RING_F_SP_ENQ | RING_F_SC_DEQ);
	rtt = malloc(n * sizeof(*rtt));
	if (!r.ping || !r.pong || !rtt) {
		fprintf(stderr, "ring-ping: out of memory\n");
		return 2;
	}
	if (rte_eal_remote_launch(echo, &r, worker))
		return 2;
	for (i = 0; i < WARMUP; i++)
		round_trip(&r);
	for (i = 0; i < n; i++)
		rtt[i] = round_trip(&r);
	while (rte_ring_sp_enqueue(r.ping, QUIT_TOKEN))
		;
	rte_eal_wait_lcore(worker);

	qsort(rtt, n, sizeof(*rtt), cmp_u64);
	ns = 1e9 / (double)rte_get_tsc_hz();
	printf("# lcores %u -> %u, %zu rounds, TSC %" PRIu64 " Hz\n",
	       rte_get_main_lcore(), worker, n, rte_get_tsc_hz());
	printf("# figure p50 p90 p99 p99.9 p99.99 max (ns)\n");
	print_line("ring_rtt_ns", rtt, n, ns);
	print_line("ring_oneway_ns", rtt, n, ns / 2);
	free(rtt);
	rte_ring_free(r.ping);
	rte_ring_free(r.pong);
	rte_eal_cleanup();
	return 0;
}
