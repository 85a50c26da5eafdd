/* pingpong mode (its row at the end): a DPDK reflector in a namespace of its own, then three pingers on the isolated core (kernel UDP blocking, kernel UDP busy-polled, DPDK), each timing half the round trip on one clock. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peer.h"
#include "render.h"
#include "run.h"
#include "util.h"

#define PP_MAX_SAMPLES 2000000
#define PP_BUSY_POLL_US 50	/* SO_BUSY_POLL when --busy-poll is not given */

/* The paths, in the table's order; their names are the streams'. */
enum { PP_KERNEL, PP_BUSY, PP_DPDK, PP_PATHS };
static const char *const pp_paths[PP_PATHS] = { "kernel", "kernel-busy-poll", "dpdk" };
static const char *const pp_roles[2] = { "pinger", "reflector" };
static const char *const pp_peer_roles[2] = { "pinger", "housekeeping" };
#define PP_PROBE_S 3	/* --peer: how long to wait for a first echo before calling the peer unreachable */

struct pp_state {
	int phase;		/* the path running; PP_PATHS: all done */
	bool started;
	bool peer;		/* --peer: the reflector is on another host */
	int ncpus;		/* of r->pp_cpus measured */
	const char *const *roles;
	int sink;		/* --peer, DPDK path: the kernel's end of the echoes (pp_sink) */
	json_t *dpdk_doc;	/* --peer: the DPDK pinger's document, the run's base */
	char peer_mac[18];
	pid_t child;
	double t0;
	struct kvb_shared *k;
	int out_fd, err_fd;	/* the DPDK pinger's stdout and stderr (memfds) */
	struct cpu_times before[2], after[2];
	json_t *streams[PP_PATHS];
	char err[512];
};

static int start_path(struct verify_run *r, struct pp_state *st)
{
	const char *extra[] = { "--peer-mac", VENV_RX_MAC, "--src-ip", VENV_PING_ADDR, "--dst-ip", VENV_RX_ADDR, NULL, NULL,
				NULL, NULL, NULL };
	char vdev[64], port[8], **av;
	const char *dev = vdev;

	cause_cpu_times(r->sr, r->pp_cpus, st->ncpus, st->before);
	st->t0 = verify_now_s();
	if (st->phase != PP_DPDK) {
		st->k = kvb_shared_new(PP_MAX_SAMPLES);
		if (!st->k) {
			snprintf(st->err, sizeof(st->err), "cannot allocate %d samples", PP_MAX_SAMPLES);
			return -1;
		}
		st->k->busy_poll_us = st->phase == PP_BUSY ? (int)(r->o.busy_poll ? r->o.busy_poll : PP_BUSY_POLL_US) : 0;
		st->k->timeout_s = r->o.duration;
		if (st->peer) {
			st->k->pp_src = r->peer.src;
			st->k->pp_dst = r->peer.peer;
			st->k->pp_port = (uint16_t)r->peer.port;
			snprintf(st->k->pp_ifname, sizeof(st->k->pp_ifname), "%s", r->peer.iface);
		}
		st->child = venv_fork(pp_kernel_client, st->k, st->peer ? NULL : r->pair.ns_tx, r->pp_cpus[0]);
	} else {
		st->out_fd = memfd_create("tickready-pinger-out", MFD_CLOEXEC);
		st->err_fd = memfd_create("tickready-pinger-err", MFD_CLOEXEC);
		if (st->out_fd < 0 || st->err_fd < 0) {
			snprintf(st->err, sizeof(st->err), "memfd_create: %s", strerror(errno));
			return -1;
		}
		snprintf(vdev, sizeof(vdev), "net_af_packet0,iface=%s", st->peer ? r->peer.iface : r->pair.if_tx);
		if (st->peer) {
			int n = 6;

			extra[1] = st->peer_mac;
			extra[3] = r->peer.src_s;
			extra[5] = r->peer.peer_s;
			snprintf(port, sizeof(port), "%d", r->peer.port);
			extra[n++] = "--udp-port";
			extra[n++] = port;
			if (r->o.port) {
				extra[n++] = "--port";
				extra[n++] = r->o.port;
				dev = NULL;
			} else if (r->o.nvdev) {
				dev = r->o.vdev[0];
			}
			st->sink = pp_sink(r->peer.src, (uint16_t)r->peer.port, r->peer.iface);
		}
		av = verify_poller_argv(r, vs_mode_name(VS_MODE_PINGPONG), r->pp_cpus, 1, r->o.duration, dev, extra, VERIFY_PREFIX_CLIENT);
		st->child = venv_spawn(av, st->peer ? NULL : r->pair.ns_tx, -1, st->out_fd, st->err_fd);
		verify_argv_free(av);
	}
	if (st->child < 0) {
		snprintf(st->err, sizeof(st->err), "cannot start the %s pinger: %s", pp_paths[st->phase],
			 strerror((int)-st->child));
		return -1;
	}
	verify_child_add(r, st->child);
	st->started = true;
	return 0;
}

static json_t *dpdk_stream(struct pp_state *st, int status)
{
	char *out = venv_fd_text(st->out_fd), *err = venv_fd_text(st->err_fd);
	json_t *doc = NULL, *s = NULL;

	close(st->out_fd);
	close(st->err_fd);
	st->out_fd = st->err_fd = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != VS_EXIT_OK) {
		snprintf(st->err, sizeof(st->err), "the DPDK pinger failed (status %d): %s", status, venv_last_line(err));
	} else if (!(doc = json_loads(out, 0, NULL)) || !(s = (json_t *)verify_stream(doc, VS_STREAM_PINGPONG))) {
		snprintf(st->err, sizeof(st->err), "the DPDK pinger's output is not a tickready.verify/1 document");
	} else {
		json_incref(s);
		json_object_set_new(s, vs_key(VK_NAME), json_string("dpdk"));
		if (st->peer)
			st->dpdk_doc = json_incref(doc);
	}
	json_decref(doc);
	free(out);
	free(err);
	return s;
}

static void finish_path(struct verify_run *r, struct pp_state *st, int status)
{
	json_t *s;

	cause_cpu_times(r->sr, r->pp_cpus, st->ncpus, st->after);
	verify_child_forget(r, st->child);
	st->started = false;
	if (st->sink >= 0) {
		close(st->sink);
		st->sink = -1;
	}
	if (st->phase == PP_DPDK) {
		s = dpdk_stream(st, status);
	} else {
		struct kvb_shared *k = st->k;

		s = NULL;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			snprintf(st->err, sizeof(st->err), "the %s pinger could not bind %s:%d%s%s", pp_paths[st->phase],
				 st->peer ? r->peer.src_s : VENV_TX_ADDR, st->peer ? r->peer.port : VENV_UDP_PORT, st->peer ? " on " : "",
				 st->peer ? r->peer.iface : "");
		else
			s = lat_stream_json(pp_paths[st->phase], k->lat, k->nlat,
					    &(struct stream_counts){ .sent = k->sent, .received = k->received,
								     .duplicated = k->seq.duplicated,
								     .reordered = k->seq.reordered, .foreign = k->foreign,
								     .negative = k->negative }, k->send_s);
		if (s)
			json_object_set_new(s, "busy_poll_us", json_integer(k->busy_poll_us));
		kvb_shared_free(k);
		st->k = NULL;
	}
	if (s) {
		json_object_set_new(s, "seconds", json_real(verify_now_s() - st->t0));
		json_object_set_new(s, "cpu", cause_cpu_use_json(st->before, st->after, st->ncpus, st->roles));
	}
	st->streams[st->phase] = s;
	st->phase = s ? st->phase + 1 : PP_PATHS;
}

/* One step of the three paths, one after the other: start the next, reap the one running, or kill it when overdue. */
static void pp_step(struct verify_run *r, struct pp_state *st)
{
	int status;

	if (st->started && st->k)
		snprintf(r->progress_what, sizeof(r->progress_what), "%s: %llu pings answered", pp_paths[st->phase],
			 (unsigned long long)st->k->received);
	else if (st->phase < PP_PATHS)
		snprintf(r->progress_what, sizeof(r->progress_what), "%s", pp_paths[st->phase]);
	if (st->phase < PP_PATHS && !st->started && start_path(r, st) < 0)
		st->phase = PP_PATHS;
	else if (st->started && waitpid(st->child, &status, WNOHANG) == st->child)
		finish_path(r, st, status);
	else if (st->started && verify_now_s() - st->t0 > r->o.duration + 30)
		kill(st->child, SIGKILL);	/* reaped above on the next step */
}

/* Called every 20 ms while the reflector runs: the paths, then stop the reflector. */
static void pp_tick(struct verify_run *r, struct hooks *hk, pid_t reflector, bool polling)
{
	struct pp_state *st = hk->arg;

	if (!polling)
		return;
	pp_step(r, st);
	if (st->phase >= PP_PATHS && !st->started && !hk->stopped) {
		kill(reflector, SIGINT);
		hk->stopped = true;
	}
}

/* kernel / DPDK for each figure the table shows. */
static json_t *ratios(json_t *const *s)
{
	static const enum vs_key keys[] = { VK_P50_NS, VK_P90_NS, VK_P99_NS, VK_P999_NS, VK_MAX_NS, VK_STDEV_NS };
	json_t *o = json_object();

	for (int p = PP_KERNEL; p < PP_DPDK; p++) {
		json_t *x = json_object();

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			double a = verify_num(s[p], vs_key(keys[i])), b = verify_num(s[PP_DPDK], vs_key(keys[i]));

			json_object_set_new(x, vs_key(keys[i]), b > 0 ? json_real(a / b) : json_null());
		}
		json_object_set_new(o, p == PP_KERNEL ? "kernel_over_dpdk" : "busy_poll_over_dpdk", x);
	}
	return o;
}

/* The paths' streams (taken over), the ratios, the mode: what both pingpong forms put in the document. */
static void pp_doc_streams(json_t *doc, json_t *const *s)
{
	json_t *streams = json_array();

	for (int p = 0; p < PP_PATHS; p++)
		json_array_append_new(streams, s[p]);
	json_object_set_new(doc, "ratios", ratios(s));
	json_object_set_new(doc, vs_key(VK_STREAMS), streams);
	json_object_set_new(doc, vs_key(VK_MODE), json_string("pingpong"));
	json_object_set_new(doc, vs_key(VK_INTERRUPTED), json_false());
}

static void pp_state_free(struct pp_state *st)
{
	if (st->k)
		kvb_shared_free(st->k);
	if (st->out_fd >= 0)
		close(st->out_fd);
	if (st->err_fd >= 0)
		close(st->err_fd);
	if (st->sink >= 0)
		close(st->sink);
	st->k = NULL;
	st->out_fd = st->err_fd = st->sink = -1;
}

/* No echo within PP_PROBE_S: say whether the peer answered ARP at all, and what to start there. */
static void unreachable(struct verify_run *r, int rc, char *err, size_t errlen)
{
	const struct peer_plan *p = &r->peer;
	uint8_t mac[6];
	char *arp = NULL, m[18];

	if (rc != -ETIMEDOUT) {
		snprintf(err, errlen, "cannot ping %s from %s:%d on '%s': %s%s", p->peer_s, p->src_s, p->port, p->iface,
			 strerror(-rc), rc == -EADDRINUSE ? " (something here holds that port: --udp-port PORT picks another)" : "");
		return;
	}
	if (sysroot_read_alloc(r->sr, "/proc/net/arp", 1u << 20, &arp, NULL) == 0 &&
	    peer_arp_find(arp, p->peer, p->iface, mac) == 0) {
		peer_format_mac(mac, m, sizeof(m));
		/* A neighbour entry may be stale: it says something answered ARP once, not that it answers now. */
		snprintf(err, errlen, "peer %s echoed no stamped UDP to port %d through '%s' within %d s (the kernel knows "
			 "its MAC, %s: something answered ARP for it): is `tickready-poller --mode reflect --src-ip %s` "
			 "running there?", p->peer_s, p->port, p->iface, PP_PROBE_S, m, p->peer_s);
	} else {
		snprintf(err, errlen, "peer %s is unreachable on '%s': no ARP reply and no echo within %d s (start "
			 "`tickready-poller --mode reflect --src-ip %s` on it, or check the link)", p->peer_s, p->iface,
			 PP_PROBE_S, p->peer_s);
	}
	free(arp);
}

/* The reflector's MAC for the DPDK pinger: --peer-mac, else what the kernel's ARP learned while it pinged. */
static int peer_mac(struct verify_run *r, struct pp_state *st, char *err, size_t errlen)
{
	uint8_t mac[6];
	char *arp = NULL;
	int rc;

	if (r->peer.has_mac) {
		peer_format_mac(r->peer.mac, st->peer_mac, sizeof(st->peer_mac));
		return 0;
	}
	rc = sysroot_read_alloc(r->sr, "/proc/net/arp", 1u << 20, &arp, NULL);
	if (rc == 0)
		rc = peer_arp_find(arp, r->peer.peer, r->peer.iface, mac);
	free(arp);
	if (rc < 0) {
		snprintf(err, errlen, "the kernel has no MAC for %s on '%s' in /proc/net/arp although it echoed: give --peer-mac",
			 r->peer.peer_s, r->peer.iface);
		return -1;
	}
	peer_format_mac(mac, st->peer_mac, sizeof(st->peer_mac));
	return 0;
}

/*
 * --peer: the reflector runs on another host; the three paths ping it through the local interface, one after
 * the other. The DPDK pinger's document is the run's; only local cpus are measured.
 */
static int run_peer(struct verify_run *r, struct window *w, json_t **doc, char *err, size_t errlen)
{
	struct pp_state st = { .out_fd = -1, .err_fd = -1, .sink = -1, .peer = true, .ncpus = 1, .roles = pp_peer_roles };
	const char *dev = r->o.port ? r->o.port : r->o.nvdev ? r->o.vdev[0] : NULL;
	char afp[64], ifb[32];
	struct kvb_shared *probe;
	json_t *core;
	bool soft;
	int rc;

	r->pp_cpus[0] = r->plan.cores[0];
	if (r->plan.sender_cpu >= 0) {
		r->pp_cpus[1] = r->plan.sender_cpu;
		st.ncpus = 2;
	}
	w->cpus = r->pp_cpus;
	w->roles = pp_peer_roles;
	w->ncpus = st.ncpus;
	probe = kvb_shared_new(1);
	if (!probe) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	probe->pp_src = r->peer.src;
	probe->pp_dst = r->peer.peer;
	probe->pp_port = (uint16_t)r->peer.port;
	snprintf(probe->pp_ifname, sizeof(probe->pp_ifname), "%s", r->peer.iface);
	snprintf(r->progress_what, sizeof(r->progress_what), "is %s echoing?", r->peer.peer_s);
	verify_progress(r);
	rc = pp_probe(probe, PP_PROBE_S);
	kvb_shared_free(probe);
	if (rc < 0) {
		unreachable(r, rc, err, errlen);
		return -1;
	}
	if (peer_mac(r, &st, err, errlen) < 0)
		return -1;
	memset(&w->tasks, 0, sizeof(w->tasks));
	verify_window_begin(r, w);
	while ((st.phase < PP_PATHS || st.started) && !*r->stop) {
		pp_step(r, &st);
		verify_progress(r);
		usleep(20000);
	}
	verify_window_finish(r, w);
	pp_state_free(&st);
	if (*r->stop || st.err[0]) {
		if (*r->stop)
			snprintf(err, errlen, "interrupted by signal %d (%s)", (int)*r->stop, strsignal(*r->stop));
		else
			snprintf(err, errlen, "%s", st.err);
		for (int p = 0; p < PP_PATHS; p++)
			json_decref(st.streams[p]);
		json_decref(st.dpdk_doc);
		return -1;
	}
	*doc = st.dpdk_doc;
	core = json_array_get(json_object_get(*doc, vs_key(VK_CORES)), 0);
	json_object_set_new(core, vs_key(VK_ROLE), json_string("pinger"));
	pp_doc_streams(*doc, st.streams);
	snprintf(afp, sizeof(afp), "net_af_packet0,iface=%s", r->peer.iface);
	json_object_set_new(*doc, "pingpong", json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:f, s:s}",
							"figure", "half round trip", "peer", r->peer.peer_s,
							"peer_mac", st.peer_mac, "peer_mac_from",
							r->peer.has_mac ? "--peer-mac" : "the kernel's ARP table",
							"iface", r->peer.iface, "source", r->peer.src_s, "dpdk_device",
							dev ? dev : afp, "udp_port", r->peer.port, "pinger_cpu",
							r->pp_cpus[0], "seconds_per_path", r->o.duration, "reflector",
							"tickready-poller --mode reflect on the peer (its cpu is not measured here)"));
	soft = !r->o.port && verify_software_path(r->host, dev ? dev : afp, ifb, sizeof(ifb));
	json_object_set_new(*doc, "bypass_path", json_pack("{s:s, s:s, s:b, s:s}", "pmd", r->o.port ? "pci" : dev ? dev : afp,
							   "iface", r->o.port ? r->o.port : ifb, "software_only", soft,
							   "shows", soft ? VERIFY_SOFTWARE_NOTE : "the NIC's queues"));
	if (soft)
		verify_run_note(r, "DPDK is %s: %s", dev ? dev : afp, VERIFY_SOFTWARE_NOTE);
	verify_run_note(r, "every path pings the reflector at %s through '%s' from %s; half round trips need no clock "
			"sync; the peer's cpu use is not measured here", r->peer.peer_s, r->peer.iface, r->peer.src_s);
	return 0;
}

static int run(struct verify_run *r, struct window *w, json_t **doc, char *err, size_t errlen)
{
	struct pp_state st = { .out_fd = -1, .err_fd = -1, .sink = -1, .ncpus = 2, .roles = pp_roles };
	struct hooks hk = { .tick = pp_tick, .arg = &st };
	struct poll_result res;
	json_t *refl;
	char vdev[64], **av;
	int rc;

	if (r->o.peer)
		return run_peer(r, w, doc, err, errlen);
	if (verify_two_cpus(r, w, r->pp_cpus, pp_roles, "pingpong", "reflector", err, errlen) < 0)
		return -1;
	r->pair.rx_no_addr = true;
	r->pair_made = true;
	if (venv_pair_create(&r->pair, err, errlen) < 0)
		return -1;
	snprintf(vdev, sizeof(vdev), "net_af_packet0,iface=%s", r->pair.if_rx);
	/* The reflector outlives the three paths; pp_tick stops it. */
	av = verify_poller_argv(r, vs_mode_name(VS_MODE_REFLECT), &r->pp_cpus[1], 1, 3 * r->o.duration + 120, vdev, NULL,
				VERIFY_PREFIX_REFLECT);
	rc = verify_run_poller(r, av, r->pair.ns_rx, w, &hk, &res);
	verify_argv_free(av);
	pp_state_free(&st);
	if (rc == 0 && (st.err[0] || st.phase < PP_PATHS || !hk.stopped)) {
		snprintf(res.err, sizeof(res.err), "%s", st.err[0] ? st.err : "the reflector stopped before the pingers were done");
		json_decref(res.doc);
		rc = -1;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", res.err);
		for (int p = 0; p < PP_PATHS; p++)
			json_decref(st.streams[p]);
		return -1;
	}
	*doc = res.doc;
	refl = (json_t *)verify_stream(*doc, VS_STREAM_REFLECT);
	json_object_set_new(json_array_get(json_object_get(*doc, vs_key(VK_CORES)), 0), vs_key(VK_ROLE),
			    json_string("reflector"));
	json_object_set(*doc, "reflector", refl ? refl : json_null());
	pp_doc_streams(*doc, st.streams);
	json_object_set_new(*doc, "pingpong", json_pack("{s:s, s:s, s:s, s:i, s:i, s:f, s:s}", "figure", "half round trip",
							"reflector", "tickready-poller --mode reflect, DPDK net_af_packet",
							"namespace", r->pair.ns_rx, "pinger_cpu", r->pp_cpus[0],
							"reflector_cpu", r->pp_cpus[1], "seconds_per_path", r->o.duration,
							"veth", r->pair.if_tx));
	json_object_set_new(*doc, "bypass_path", json_pack("{s:s, s:s, s:b, s:s}", "pmd", "net_af_packet", "iface",
							   r->pair.if_tx, "software_only", 1, "shows", VERIFY_SOFTWARE_NOTE));
	verify_run_note(r, "DPDK is net_af_packet on veth %s: %s", r->pair.if_tx, VERIFY_SOFTWARE_NOTE);
	verify_run_note(r, "every path pings the same DPDK reflector on cpu %d in namespace %s; half round trips need no "
			"clock sync", r->pp_cpus[1], r->pair.ns_rx);
	return 0;
}

/* --peer's values: well formed (exit 2 before anything runs); the interface itself is checked by prepare. */
static int check(struct verify_opts *o, char *err, size_t errlen)
{
	static const enum verify_mode_opt with_peer[] = { VO_PEER_MAC, VO_UDP_PORT, VO_PORT, VO_VDEV, VO_IFACE };
	uint32_t ip;
	uint8_t mac[6];
	int rc;

	for (size_t i = 0; !o->peer && i < sizeof(with_peer) / sizeof(with_peer[0]); i++) {
		if (o->given & VO_BIT(with_peer[i])) {
			snprintf(err, errlen, "--%s only applies with --peer%s", verify_opt_names[with_peer[i]],
				 with_peer[i] == VO_UDP_PORT ? " (in namespaces of its own, pingpong has the port to itself)" : "");
			return -1;
		}
	}
	if (!o->peer)
		return 0;
	if ((rc = peer_parse_ipv4(o->peer, &ip)) < 0) {
		snprintf(err, errlen, "invalid --peer '%s' (%s)", o->peer, rc == -EDOM ? "not a unicast host address" : "an IPv4 address");
		return -1;
	}
	if (o->peer_mac && (rc = peer_parse_mac(o->peer_mac, mac)) < 0) {
		snprintf(err, errlen, "invalid --peer-mac '%s' (%s)", o->peer_mac,
			 rc == -EDOM ? "multicast, broadcast or zero: the reflector's own MAC" : "six hex bytes, aa:bb:cc:dd:ee:ff");
		return -1;
	}
	if (!o->iface) {
		snprintf(err, errlen, "--peer needs --iface IF, the local interface on the peer's subnet (the kernel paths' and, "
			 "unless --port or --vdev names another device, DPDK's through net_af_packet)");
		return -1;
	}
	if ((o->port && o->nvdev) || o->nvdev > 1) {
		snprintf(err, errlen, "--peer takes one DPDK device: --port or one --vdev");
		return -1;
	}
	return 0;
}

/* Where --peer sends, checked on the live host before anything is touched. */
static int prepare(struct verify_run *r, char *err, size_t errlen)
{
	if (!r->o.peer)
		return 0;
	if (peer_plan_make(r->sr, r->host, getenv("SSH_CONNECTION"), r->o.iface, r->o.peer, r->o.peer_mac,
			   r->o.nvdev ? r->o.vdev[0] : NULL, r->o.port, &r->peer, err, errlen) < 0)
		return -1;
	r->peer.port = r->o.udp_port ? (int)r->o.udp_port : VENV_UDP_PORT;
	return 0;
}

/* CPU use of one path: user/system/softirq percent on each cpu involved. */
static void cpu_cell(const json_t *s, char *buf, size_t size)
{
	const json_t *c;
	size_t i, off = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(s, "cpu"), i, c)
		off += (size_t)snprintf(buf + off, size > off ? size - off : 0, "%scpu%.0f %.0f/%.0f/%.0f", i ? " " : "",
					verify_num(c, "cpu"), verify_num(c, "user_pct"), verify_num(c, "system_pct"),
					verify_num(c, "softirq_pct"));
}

/* After each stream: the one table (half round trip per path, CPU use, drops) and the improvement ratios. */
static void render(FILE *f, const json_t *doc)
{
	static const enum vs_key keys[] = { VK_P50_NS, VK_P90_NS, VK_P99_NS, VK_P999_NS, VK_MAX_NS, VK_STDEV_NS };
	const json_t *pp = json_object_get(doc, "pingpong");
	char v[32], cpu[160];

	verify_print_streams(f, doc);
	if (json_object_get(pp, "peer"))
		fprintf(f, "half round trip to peer %s (%s) through %s from %s, DPDK on %s, %.1f s per path, pinger on cpu %.0f; "
			"the peer's cpu is not measured here\n", json_string_value(json_object_get(pp, "peer")),
			json_string_value(json_object_get(pp, "peer_mac")), json_string_value(json_object_get(pp, "iface")),
			json_string_value(json_object_get(pp, "source")), json_string_value(json_object_get(pp, "dpdk_device")),
			verify_num(pp, "seconds_per_path"), verify_num(pp, "pinger_cpu"));
	else
		fprintf(f, "half round trip to the reflector on cpu %.0f (%s), %.1f s per path, pinger on cpu %.0f\n",
			verify_num(pp, "reflector_cpu"), json_string_value(json_object_get(pp, "reflector")),
			verify_num(pp, "seconds_per_path"), verify_num(pp, "pinger_cpu"));
	fprintf(f, "%-17s %9s %9s %9s %9s %9s %9s %9s %7s  %s\n", "path", "P50", "P90", "P99", "P99.9", "max", "stdev",
		"pings", "lost", "cpu usr/sys/softirq %");
	for (int p = 0; p < PP_PATHS; p++) {
		const json_t *s = verify_stream(doc, pp_paths[p]);

		if (!s)
			continue;
		fprintf(f, "%-17s", pp_paths[p]);
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			format_ns(verify_num(s, vs_key(keys[i])), v, sizeof(v));
			fprintf(f, " %9s", v);
		}
		cpu_cell(s, cpu, sizeof(cpu));
		fprintf(f, " %9.0f %7.0f  %s\n", verify_num(s, vs_key(VK_SENT)), verify_num(s, vs_key(VK_DROPPED)), cpu);
	}
	for (int p = 0; p < 2; p++) {
		const json_t *x = json_object_get(json_object_get(doc, "ratios"), p ? "busy_poll_over_dpdk" : "kernel_over_dpdk");

		fprintf(f, "%-17s", p ? "busy-poll / dpdk" : "kernel / dpdk");
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			const json_t *r = json_object_get(x, vs_key(keys[i]));

			if (json_is_number(r))
				fprintf(f, " %8.2fx", json_number_value(r));
			else
				fprintf(f, " %9s", "-");
		}
		fputc('\n', f);
	}
}

const struct verify_mode_def verify_mode_pingpong = {
	.name = "pingpong",
	.cores = VC_ONE,
	.other_end = true,
	.dpdk_processes = 2,
	.opts = VO_BIT(VO_PEER) | VO_BIT(VO_PEER_MAC) | VO_BIT(VO_UDP_PORT) | VO_BIT(VO_PORT) | VO_BIT(VO_VDEV) |
		VO_BIT(VO_IFACE) | VO_BIT(VO_BUSY_POLL),
	.roles = (const char *const[]){ "pinger", NULL },
	.passes = 3,
	.check = check,
	.prepare = prepare,
	.run = run,
	.render = render,
};
