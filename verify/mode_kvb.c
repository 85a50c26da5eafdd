/* kernel-vs-bypass mode: one bounded stamped UDP stream over a veth pair, received first by a kernel socket on the measured core, then by the poller through net_af_packet; the two side by side. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "render.h"
#include "run.h"
#include "util.h"

/* The bypass pass's other end: the sender starts once the poller polls, the poller stops once the stream is over. */
struct kvb_tick_state {
	struct kvb_shared *k;
	const char *tx_ns;
	int sender_cpu;
	pid_t sender;
	double sender_done;
};

static void kvb_tick(struct verify_run *r, struct hooks *hk, pid_t poller, bool polling)
{
	struct kvb_tick_state *st = hk->arg;
	int status;

	if (!st->sender && polling) {
		st->sender = venv_fork(kvb_sender, st->k, st->tx_ns, st->sender_cpu);
		if (st->sender > 0)
			verify_child_add(r, st->sender);
	}
	if (st->sender > 0 && !st->sender_done && waitpid(st->sender, &status, WNOHANG) == st->sender) {
		verify_child_forget(r, st->sender);
		st->sender_done = verify_now_s();
	}
	/* The stream is bounded: once it is over (and the veth drained), stop the poller. */
	if (st->sender_done && !hk->stopped && verify_now_s() - st->sender_done > 0.3) {
		kill(poller, SIGINT);
		hk->stopped = true;
	}
}

/* Sorts k->lat in place. */
static json_t *kernel_stream(struct kvb_shared *k, long busy_poll)
{
	json_t *s = lat_stream_json("kernel", k->lat, k->nlat,
				    &(struct stream_counts){ .sent = k->sent, .received = k->received,
							     .duplicated = k->seq.duplicated, .reordered = k->seq.reordered,
							     .foreign = k->foreign, .negative = k->negative }, k->send_s);

	json_object_set_new(s, "busy_poll_us", json_integer(busy_poll));
	/* The receiver's CPU time from its socket bound to its last packet (or its deadline), and that wall time. */
	json_object_set_new(s, vs_key(VK_CPU_USER_S), json_real(k->cpu_user_s));
	json_object_set_new(s, vs_key(VK_CPU_SYSTEM_S), json_real(k->cpu_system_s));
	json_object_set_new(s, "cpu_seconds", json_real(k->cpu_seconds));
	return s;
}

/* Kernel: recvmsg on the measured core while the sender sends from a housekeeping one; the "kernel" stream, or NULL. */
json_t *kvb_kernel_pass(struct verify_run *r, struct window *w, struct kvb_shared *k, char *err, size_t errlen)
{
	double t0;
	pid_t rx, tx;
	int st;

	k->pps = (uint64_t)r->o.rate;
	k->busy_poll_us = (int)r->o.busy_poll;
	k->timeout_s = r->o.duration + 5;
	rx = venv_fork(kvb_receiver, k, r->pair.ns_rx, r->plan.cores[0]);
	if (rx < 0) {
		snprintf(err, errlen, "cannot start the kernel receiver: %s", strerror(-rx));
		return NULL;
	}
	verify_child_add(r, rx);
	for (t0 = verify_now_s(); !__atomic_load_n(&k->ready, __ATOMIC_ACQUIRE) && verify_now_s() - t0 < 5 && !(*r->stop);)
		usleep(1000);
	memset(&w->tasks, 0, sizeof(w->tasks));
	w->tasks.pid = rx;
	verify_window_begin(r, w);
	tx = venv_fork(kvb_sender, k, r->pair.ns_tx, r->plan.sender_cpu);
	if (tx > 0)
		verify_child_add(r, tx);
	while (!(*r->stop) && waitpid(rx, &st, WNOHANG) != rx) {
		cause_tasks_poll(r->sr, &w->tasks, false);
		if (tx > 0 && waitpid(tx, NULL, WNOHANG) == tx) {
			verify_child_forget(r, tx);
			tx = 0;
			k->timeout_s = verify_now_s() - t0 + 1;	/* stream over: one more second to drain */
		}
		snprintf(r->progress_what, sizeof(r->progress_what), "kernel socket: %llu of %llu received",
			 (unsigned long long)k->received, (unsigned long long)k->count);
		verify_progress(r);
		usleep(20000);
	}
	verify_child_forget(r, rx);
	verify_window_finish(r, w);
	if ((*r->stop)) {
		snprintf(err, errlen, "interrupted by signal %d (%s)", (int)(*r->stop), strsignal((*r->stop)));
		return NULL;
	}
	if (tx > 0) {
		waitpid(tx, NULL, 0);
		verify_child_forget(r, tx);
	}
	return kernel_stream(k, r->o.busy_poll);
}

/* Bypass: the poller on the same veth through net_af_packet, the same stream once it polls; its document, or NULL. */
json_t *kvb_bypass_pass(struct verify_run *r, struct window *w, struct kvb_shared *k, char *err, size_t errlen)
{
	struct kvb_tick_state st = { .k = k, .tx_ns = r->pair.ns_tx, .sender_cpu = r->plan.sender_cpu };
	struct hooks hk = { .tick = kvb_tick, .arg = &st };
	struct poll_result res;
	json_t *bypass;
	char **av, vdev[64];
	int rc;

	memset((char *)k + offsetof(struct kvb_shared, sent), 0, sizeof(*k) - offsetof(struct kvb_shared, sent));
	snprintf(vdev, sizeof(vdev), "net_af_packet0,iface=%s", r->pair.if_rx);
	av = verify_poller_argv(r, vs_mode_name(VS_MODE_PORT), r->plan.cores, 1, r->o.duration + 60, vdev, NULL, NULL);
	snprintf(r->progress_what, sizeof(r->progress_what), "DPDK poller on the same stream");
	rc = verify_run_poller(r, av, r->pair.ns_rx, w, &hk, &res);
	verify_argv_free(av);
	if (rc < 0) {
		snprintf(err, errlen, "%s", res.err);
		return NULL;
	}
	bypass = (json_t *)verify_stream(res.doc, VS_STREAM_PORT);
	if (bypass) {
		/* The poller knows only the sequence span it saw; the sender knows what it sent. */
		double got = verify_num(bypass, vs_key(VK_RECEIVED)) - verify_num(bypass, vs_key(VK_DUPLICATED));

		json_object_set_new(bypass, vs_key(VK_NAME), json_string("bypass"));
		json_object_set_new(bypass, vs_key(VK_SENT), json_integer((json_int_t)k->sent));
		json_object_set_new(bypass, vs_key(VK_DROPPED),
				    json_integer((json_int_t)((double)k->sent > got ? (double)k->sent - got : 0)));
	}
	return res.doc;
}

/* Kernel socket first, then the poller on the same stream; both streams into one document. */
static int run(struct verify_run *r, struct window *w, json_t **doc, char *err, size_t errlen)
{
	static const char *const kernel_roles[] = { "receiver" };
	uint64_t count = (uint64_t)((double)r->o.rate * r->o.duration);
	struct kvb_shared *k;
	json_t *kernel;

	w[0].name = "kernel";
	w[0].roles = kernel_roles;
	w[0].ncpus = 1;
	w[1] = (struct window){ .name = "bypass", .cpus = r->plan.cores, .roles = r->roles, .ncpus = 1 };
	r->nw = 2;
	if (count < 1)
		count = 1;
	if (count > KVB_MAX_PACKETS) {
		count = KVB_MAX_PACKETS;
		verify_run_note(r, "stream capped at %d packets", KVB_MAX_PACKETS);
	}
	if (r->o.iface)
		snprintf(r->pair.if_rx, sizeof(r->pair.if_rx), "%s", r->o.iface);
	r->pair_made = true;
	if (venv_pair_create(&r->pair, err, errlen) < 0)
		return -1;
	k = kvb_shared_new(count);
	if (!k) {
		snprintf(err, errlen, "cannot allocate %llu samples", (unsigned long long)count);
		return -1;
	}
	kernel = kvb_kernel_pass(r, &w[0], k, err, errlen);
	*doc = kernel ? kvb_bypass_pass(r, &w[1], k, err, errlen) : NULL;
	kvb_shared_free(k);
	if (!*doc) {
		json_decref(kernel);
		return -1;
	}
	json_object_set_new(*doc, "bypass_path", json_pack("{s:s, s:s, s:b, s:s}", "pmd", "net_af_packet", "iface", r->pair.if_rx,
							   "software_only", 1, "shows", VERIFY_SOFTWARE_NOTE));
	verify_run_note(r, "bypass is DPDK net_af_packet on veth %s: %s", r->pair.if_rx, VERIFY_SOFTWARE_NOTE);
	json_array_append_new(json_object_get(*doc, "streams"), kernel);
	json_object_set_new(*doc, "mode", json_string(verify_mode_kvb.name));
	json_object_set_new(*doc, "interrupted", json_false());
	json_object_set_new(*doc, "stream", json_pack("{s:I, s:I, s:s, s:s, s:s}", "packets", (json_int_t)count,
						      "rate_pps", (json_int_t)r->o.rate, "clock", "CLOCK_MONOTONIC",
						      "veth", r->pair.if_rx, "namespace", r->pair.ns_rx));
	return 0;
}

static int check(struct verify_opts *o, char *err, size_t errlen)
{
	if (o->rate == 0) {
		snprintf(err, errlen, "kernel-vs-bypass needs a bounded --rate (1 or more packets per second)");
		return -1;
	}
	return 0;
}

/* The comparison users read about, side by side, after each stream. */
static void render(FILE *f, const json_t *doc)
{
	static const enum vs_key keys[] = { VK_P50_NS, VK_P90_NS, VK_P99_NS, VK_P999_NS, VK_MAX_NS, VK_STDEV_NS };
	static const char *const labels[] = { "P50", "P90", "P99", "P99.9", "max", "stdev" };
	const json_t *k = verify_stream(doc, "kernel"), *b = verify_stream(doc, "bypass");
	char a[32], c[32];

	verify_print_streams(f, doc);
	if (!k || !b)
		return;
	fprintf(f, "%-8s %14s %14s %9s\n", "", "kernel recvmsg", "DPDK bypass", "kernel/DPDK");
	for (int i = 0; i < 6; i++) {
		double kv = verify_num(k, vs_key(keys[i])), bv = verify_num(b, vs_key(keys[i]));

		format_ns(kv, a, sizeof(a));
		format_ns(bv, c, sizeof(c));
		if (bv > 0)
			fprintf(f, "%-8s %14s %14s %8.2fx\n", labels[i], a, c, kv / bv);
		else
			fprintf(f, "%-8s %14s %14s %9s\n", labels[i], a, c, "-");
	}
	fprintf(f, "%-8s %14.0f %14.0f\n", "dropped", verify_num(k, vs_key(VK_DROPPED)), verify_num(b, vs_key(VK_DROPPED)));
}

const struct verify_mode_def verify_mode_kvb = {
	.name = "kernel-vs-bypass",
	.cores = VC_ONE,
	.other_end = true,
	.dpdk_processes = 1,
	.opts = VO_BIT(VO_IFACE) | VO_BIT(VO_RATE) | VO_BIT(VO_BUSY_POLL),
	.roles = (const char *const[]){ "poller", NULL },
	.passes = 2,
	.default_rate = 10000,
	.check = check,
	.run = run,
	.render = render,
};
