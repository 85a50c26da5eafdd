/* main.c - tickready-poller: EAL setup, run orchestration and exit codes. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "cli.h"
#include "poller.h"
#include "report.h"
#include "schema.h"
#include "tscclock.h"

#define NB_MBUF		8191
/* The shortest calibration window: clock reads of ~50 ns at each end leave < 1 ppm */
#define TSC_CAL_MIN_MS	100
#define MBUF_CACHE	256
#define RING_SIZE	4096
#define NB_DESC		1024

volatile bool force_quit;

/* Everything the control path owns; lives on main's stack. */
struct poller {
	struct config cfg;
	struct run_ctl *ctl;
	struct lcore_ctx *ctx;	/* one per core, same order as cfg.cores */
	struct rte_mempool *pool;
	struct rte_ring *ring;
	uint16_t port;
	bool hw_ts;
	struct tsc_offset off;
	bool off_measured;
	uint64_t mono0, mono1, tsc0, tsc1;
	struct tsc_sample cal_start;	/* before EAL start-up, whose time is the calibration's window */
	struct tsc_calibration cal;
	bool calibrated;
	uint64_t eal_hz;
	struct rusage ru0, ru1;
	bool filter_in_nic;
	char filter_why[256];
};

static void on_signal(int sig)
{
	(void)sig;
	force_quit = true;
}

static uint64_t mono_raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	return 0;
}

static int port_configure(uint16_t port, struct rte_mempool *pool, bool promisc, bool *hw_ts)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_info_get(port, &info);
	if (ret)
		return ret;
	/* offered hardware stamps are reported, not used (clock not mapped) */
	*hw_ts = info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret)
		return ret;
	ret = rte_eth_rx_queue_setup(port, 0, NB_DESC,
				     rte_eth_dev_socket_id(port), NULL, pool);
	if (ret)
		return ret;
	ret = rte_eth_tx_queue_setup(port, 0, NB_DESC,
				     rte_eth_dev_socket_id(port), NULL);
	if (ret)
		return ret;
	ret = rte_eth_dev_start(port);
	if (ret)
		return ret;
	/* The pinger's echoes come to its own MAC: it leaves the interface (often the kernel's) as it found it. */
	if (promisc)
		rte_eth_promiscuous_enable(port);	/* vdevs may refuse; harmless */
	return 0;
}

/* Loopback: one SP/SC ring used as both RX and TX queue of a ring port. */
static int setup_loopback_port(struct poller *p)
{
	int port;

	p->ring = rte_ring_create("tr_loop", RING_SIZE, (int)rte_socket_id(),
				  RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!p->ring)
		return -rte_errno;
	port = rte_eth_from_rings("tr_loop", &p->ring, 1, &p->ring, 1,
				  rte_socket_id());
	if (port < 0)
		return -rte_errno;
	p->port = (uint16_t)port;
	return port_configure(p->port, p->pool, true, &p->hw_ts);
}

static int setup_port(struct poller *p)
{
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port) {
		p->port = port;
		return port_configure(port, p->pool, p->cfg.mode != MODE_PINGPONG, &p->hw_ts);
	}
	return -ENODEV;
}

static enum role role_of(const struct config *cfg, unsigned int i)
{
	if (cfg->mode == MODE_LOOPBACK)
		return i == 0 ? ROLE_GENERATOR : ROLE_POLLER;
	if (mode_uses_port(cfg->mode) && i == 0)
		return ROLE_POLLER;
	return ROLE_IDLE;
}

/* All memory the loops touch is allocated here, before any loop starts. */
static int alloc_contexts(struct poller *p)
{
	unsigned int i;

	p->ctl = rte_zmalloc("tr_ctl", sizeof(*p->ctl), RTE_CACHE_LINE_SIZE);
	p->ctx = rte_zmalloc("tr_ctx", sizeof(*p->ctx) * p->cfg.ncores,
			     RTE_CACHE_LINE_SIZE);
	if (!p->ctl || !p->ctx)
		return -ENOMEM;
	/* DPDK rounds its own estimate to 10 MHz; CLOCK_MONOTONIC_RAW runs on the kernel's calibration */
	p->eal_hz = rte_get_tsc_hz();
	p->calibrated = !tsc_calibrate_since(&p->cal_start, TSC_CAL_MIN_MS, &p->cal);
	p->ctl->tsc_hz = p->calibrated ? (uint64_t)(p->cal.hz + 0.5) : p->eal_hz;
	for (i = 0; i < p->cfg.ncores; i++) {
		struct lcore_ctx *c = &p->ctx[i];

		c->cpu = p->cfg.cores[i];
		c->role = role_of(&p->cfg, i);
		c->mode = p->cfg.mode;
		c->port = p->port;
		c->burst = p->cfg.burst;
		c->rate = p->cfg.rate;
		c->pool = p->pool;
		c->ctl = p->ctl;
		c->ns_per_cycle = 1e9 / (double)p->ctl->tsc_hz;
		c->pp = p->cfg.pp;
		c->feed = &p->cfg.feed;
		if (mode_uses_port(c->mode))
			rte_eth_macaddr_get(c->port, &c->own_mac);
		if (c->role != ROLE_POLLER)
			continue;
		c->hist = rte_zmalloc_socket("tr_hist", sizeof(*c->hist),
					     RTE_CACHE_LINE_SIZE,
					     (int)rte_lcore_to_socket_id(c->cpu));
		c->seq = rte_zmalloc_socket("tr_seq", sizeof(*c->seq),
					    RTE_CACHE_LINE_SIZE,
					    (int)rte_lcore_to_socket_id(c->cpu));
		if (!c->hist || !c->seq)
			return -ENOMEM;
		if (c->mode == MODE_FEEDS) {
			c->frx = rte_zmalloc_socket("tr_feeds", sizeof(*c->frx) * p->cfg.feed.ngroups,
						    RTE_CACHE_LINE_SIZE, (int)rte_lcore_to_socket_id(c->cpu));
			if (!c->frx)
				return -ENOMEM;
		}
	}
	return 0;
}

static int setup(struct poller *p)
{
	int ret;

	if (rte_lcore_count() != p->cfg.ncores)
		return -EINVAL;
	p->pool = rte_pktmbuf_pool_create("tr_pool", NB_MBUF, MBUF_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (!p->pool)
		return -rte_errno;
	if (p->cfg.mode == MODE_LOOPBACK)
		ret = setup_loopback_port(p);
	else if (mode_uses_port(p->cfg.mode))
		ret = setup_port(p);
	else
		ret = 0;
	if (ret)
		return ret;
	if (p->cfg.mode == MODE_FEEDS)
		p->filter_in_nic = feed_flow_install(p->port, &p->cfg.feed, p->filter_why, sizeof(p->filter_why));
	return alloc_contexts(p);
}

static int measure(struct poller *p)
{
	uint64_t hz = p->ctl->tsc_hz;
	unsigned int i;
	int ret;

	if (p->cfg.mode == MODE_LOOPBACK) {
		ret = tsc_offset_measure(&p->ctx[1], &p->off);
		if (ret)
			return ret;
		p->off_measured = true;
		p->ctx[1].role = ROLE_POLLER;
	}
	getrusage(RUSAGE_SELF, &p->ru0);
	p->mono0 = mono_raw_ns();
	p->tsc0 = rte_rdtsc();
	p->ctl->start_tsc = p->tsc0;
	/* --duration 0 (reflect): until a signal sets force_quit */
	p->ctl->end_tsc = p->cfg.duration_s > 0 ? p->tsc0 + (uint64_t)(p->cfg.duration_s * (double)hz) : UINT64_MAX;
	for (i = 0; i < p->cfg.ncores; i++)
		gap_init(&p->ctx[i].gap, hz, p->cfg.threshold_ns, p->tsc0);
	for (i = 1; i < p->cfg.ncores; i++) {
		ret = rte_eal_remote_launch(lcore_run, &p->ctx[i], p->ctx[i].cpu);
		if (ret)
			return ret;
	}
	lcore_run(&p->ctx[0]);
	rte_eal_mp_wait_lcore();
	p->tsc1 = rte_rdtsc();
	p->mono1 = mono_raw_ns();
	getrusage(RUSAGE_SELF, &p->ru1);
	return 0;
}

static const char *const role_names[] = { "generator", "poller", "idle", "offset" };

static void fill_stream(struct poller *p, struct report *r)
{
	struct report_stream *s = &r->streams[r->nstreams++];
	struct rte_eth_stats es;
	unsigned int i;

	memset(&es, 0, sizeof(es));
	rte_eth_stats_get(p->port, &es);

	s->name = vs_mode_stream((enum vs_mode)p->cfg.mode);
	s->port_dropped = es.ierrors + es.imissed + es.rx_nombuf;
	s->ns_per_unit = 1.0;
	for (i = 0; i < p->cfg.ncores; i++) {
		const struct lcore_ctx *c = &p->ctx[i];

		s->sent += c->sent;
		s->send_failed += c->tx_drops + c->tx_nombuf;
		if (c->role != ROLE_POLLER)
			continue;
		s->seq = c->seq;
		s->received = c->received;
		s->negative = c->negative;
		s->unstamped = c->unstamped;
		s->hist = c->hist;
		s->latency_measured = hist_count(c->hist) + c->negative > 0;
		if (p->cfg.mode == MODE_LOOPBACK)
			s->ns_per_unit = c->ns_per_cycle;
	}
	/* Port mode has no generator: the stamps' sequence span is what was sent at least. */
	if (p->cfg.mode == MODE_PORT || p->cfg.mode == MODE_REFLECT)
		s->sent = seq_span(s->seq);
}

static double tv_s(struct timeval a, struct timeval b)
{
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_usec - a.tv_usec) / 1e6;
}

/* Every feed together: the histograms merged, the counts summed. */
static void fill_total(struct report *r)
{
	static struct hist all;
	static struct seq_track sum;
	struct report_stream *t = &r->total;

	hist_reset(&all);
	seq_reset(&sum);
	memset(t, 0, sizeof(*t));
	t->name = "all";
	t->ns_per_unit = 1.0;
	t->hist = &all;
	t->seq = &sum;
	t->has_gaps = true;
	sum.any = true;
	for (unsigned int f = 0; f < r->nstreams; f++) {
		const struct report_stream *s = &r->streams[f];

		hist_merge(&all, s->hist);
		sum.unique += s->seq->unique;
		sum.duplicated += s->seq->duplicated;
		sum.reordered += s->seq->reordered;
		t->sent += s->sent;
		t->received += s->received;
		t->negative += s->negative;
		t->unstamped += s->unstamped;
		t->port_dropped += s->port_dropped;
		t->gaps += s->gaps;
		t->latency_measured |= s->latency_measured;
	}
	r->has_total = true;
}

/* gen, feeds: one stream per feed; the generator's count what it sent, the receiver's what it got. */
static void fill_feeds(struct poller *p, struct report *r)
{
	static char names[CLI_MAX_FEEDS][16];
	const struct lcore_ctx *c = &p->ctx[0];
	const struct feed_cfg *fc = &p->cfg.feed;
	struct rte_eth_stats es;

	memset(&es, 0, sizeof(es));
	rte_eth_stats_get(p->port, &es);
	r->feeds = true;
	r->dst_port = fc->dst_port;
	r->filter_in_nic = p->filter_in_nic;
	r->filter_why = p->cfg.mode == MODE_FEEDS ? p->filter_why : NULL;
	for (unsigned int f = 0; f < fc->ngroups; f++) {
		struct report_stream *s = &r->streams[r->nstreams++];

		snprintf(names[f], sizeof(names[f]), VS_FEED_STREAM, f);
		s->name = names[f];
		s->has_feed = true;
		s->feed = f;
		s->group = fc->groups[f];
		s->ns_per_unit = 1.0;
		if (p->cfg.mode == MODE_GEN) {
			s->sent = c->feed_sent[f];
			continue;
		}
		/* Foreign frames and the port's drops belong to no feed: the first carries them. */
		if (f == 0) {
			s->unstamped = c->unstamped;
			s->port_dropped = es.ierrors + es.imissed + es.rx_nombuf;
		}
		s->seq = &c->frx[f].seq;
		s->received = c->frx[f].received;
		s->negative = c->frx[f].negative;
		s->hist = &c->frx[f].hist;
		s->latency_measured = hist_count(s->hist) + s->negative > 0;
		s->sent = seq_span(s->seq);	/* at least; verify knows the generator's count */
		s->has_gaps = true;
		s->gaps = seq_missing(s->seq);
	}
	if (p->cfg.mode == MODE_FEEDS)
		fill_total(r);
	if (p->cfg.mode == MODE_GEN && r->nstreams)
		r->streams[0].send_failed = c->tx_drops + c->tx_nombuf;
}

static void fill_report(struct poller *p, struct report *r)
{
	uint64_t hz = p->ctl->tsc_hz;
	double ns_per_cycle = 1e9 / (double)hz;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->mode = cli_mode_name(p->cfg.mode);
	r->tsc_hz = hz;
	r->tsc_calibrated = p->calibrated;
	r->tsc_cal_window_ns = p->cal.window_ns;
	r->tsc_cal_bound = p->cal.bound;
	r->eal_tsc_hz = p->eal_hz;
	r->mono_raw_ns = p->mono1 - p->mono0;
	r->tsc_ns = (uint64_t)((double)(p->tsc1 - p->tsc0) * ns_per_cycle);
	r->tsc_offset_measured = p->off_measured;
	r->tsc_offset_ns = (int64_t)((double)p->off.offset * ns_per_cycle);
	r->tsc_offset_rtt_ns = (uint64_t)((double)p->off.rtt * ns_per_cycle);
	r->duration_s = (double)(p->tsc1 - p->tsc0) / (double)hz;
	r->interrupted = force_quit;
	r->hw_rx_timestamp = p->hw_ts;
	r->cpu_user_s = tv_s(p->ru0.ru_utime, p->ru1.ru_utime);
	r->cpu_system_s = tv_s(p->ru0.ru_stime, p->ru1.ru_stime);
	if (p->cfg.mode == MODE_GEN || p->cfg.mode == MODE_FEEDS)
		fill_feeds(p, r);
	else if (p->cfg.mode != MODE_IDLE)
		fill_stream(p, r);
	r->ncores = p->cfg.ncores;
	for (i = 0; i < p->cfg.ncores; i++) {
		r->cores[i].cpu = p->ctx[i].cpu;
		r->cores[i].role = role_names[p->ctx[i].role];
		r->cores[i].gap = &p->ctx[i].gap;
		r->cores[i].has_busy = p->ctx[i].role == ROLE_POLLER &&
				       (p->cfg.mode == MODE_PORT || p->cfg.mode == MODE_LOOPBACK);
		r->cores[i].busy_cycles = p->ctx[i].busy_cycles;
	}
}

static void teardown(struct poller *p)
{
	if (p->cfg.mode != MODE_IDLE) {
		rte_eth_dev_stop(p->port);
		rte_eth_dev_close(p->port);
	}
	rte_mempool_free(p->pool);
	rte_ring_free(p->ring);
	rte_eal_cleanup();
}

/* JSON goes to the original stdout; anything else printing there is diverted. */
static FILE *claim_stdout(void)
{
	int fd = dup(STDOUT_FILENO);

	if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		return NULL;
	return fdopen(fd, "w");
}

int main(int argc, char **argv)
{
	static struct report rep;
	struct eal_args ea;
	struct poller p;
	FILE *out;
	int ret;

	memset(&p, 0, sizeof(p));
	out = claim_stdout();
	if (!out)
		return VS_EXIT_USAGE;
	ret = cli_parse(argc, argv, &p.cfg, out);
	if (ret) {
		if (ret > 0)
			return fflush(out) ? VS_EXIT_USAGE : VS_EXIT_OK;
		cli_usage(stderr, argv[0]);
		return VS_EXIT_USAGE;
	}
	if (cli_check_cores(&p.cfg, "/sys", stderr))
		return VS_EXIT_USAGE;
	if (cli_build_eal(&p.cfg, argv[0], &ea))
		return VS_EXIT_USAGE;
	rte_openlog_stream(stderr);
	p.cal_start = tsc_sample_take(16);
	if (rte_eal_init(ea.argc, ea.argv) < 0)
		rte_exit(VS_EXIT_USAGE, "EAL init failed: %s\n", rte_strerror(rte_errno));
	if (install_signals())
		rte_exit(VS_EXIT_USAGE, "cannot install signal handlers\n");
	ret = setup(&p);
	if (ret)
		rte_exit(VS_EXIT_USAGE, "setup failed: %s\n", strerror(-ret));
	ret = measure(&p);
	if (ret)
		rte_exit(VS_EXIT_USAGE, "run failed: %s\n", strerror(-ret));
	fill_report(&p, &rep);
	ret = report_json(out, &rep);
	teardown(&p);
	if (ret)
		return VS_EXIT_USAGE;
	return rep.interrupted ? VS_EXIT_INTERRUPTED : VS_EXIT_OK;
}
