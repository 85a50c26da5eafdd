/* tickready verify: picks cores and hugepages from the host and profile, and judges the poller's figures against [targets]. */
#include "verify.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const target_verdict_names[3] = { "pass", "fail", "skip" };
const char *const verify_verdict_names[3] = { "ready", "not-ready", "not-judged" };

static void plan_note(struct verify_plan *plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void plan_note(struct verify_plan *plan, const char *fmt, ...)
{
	va_list ap;

	if (plan->nnotes >= VERIFY_NOTE_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(plan->notes[plan->nnotes++], sizeof(plan->notes[0]), fmt, ap);
	va_end(ap);
}

static bool siblings(const struct host *h, int a, int b)
{
	const struct host_cpu *c = host_cpu(h, a);

	return a == b || (c && cpuset_has(&c->siblings, b));
}

/* A housekeeping cpu for the generator or sender: same node as cpu, never its SMT sibling. */
static int pick_housekeeping(const struct host *h, const struct profile *p, int cpu)
{
	int c, other = -1, node = host_cpu_node(h, cpu);

	cpuset_for_each(c, &p->housekeeping) {
		if ((h->has_online && !cpuset_has(&h->online, c)) || siblings(h, c, cpu))
			continue;
		if (host_cpu_node(h, c) == node)
			return c;
		if (other < 0)
			other = c;
	}
	return other;
}

/* Isolated online cpus, those on the NIC's node when there are any. */
static void candidates(const struct host *h, const struct profile *p, struct verify_plan *plan, struct cpuset *out)
{
	const struct numa_node *n = host_node(h, p->nic_node);
	struct cpuset on_node;

	*out = p->isolated;
	if (h->has_online)
		cpuset_and(out, out, &h->online);
	if (!n)
		return;
	cpuset_and(&on_node, out, &n->cpus);
	if (cpuset_empty(&on_node)) {
		if (!cpuset_empty(out))
			plan_note(plan, "no isolated cpu on node %d (the NIC's); using another node's", p->nic_node);
		return;
	}
	*out = on_node;
}

/* VC_PAIR: a generator and a poller that are not SMT siblings. */
static int pick_pair(const struct host *h, const struct profile *p, const char *mode, const struct cpuset *cand,
		     struct verify_plan *plan, char *why, size_t whylen)
{
	int gen = cpuset_next(cand, 0), pol = -1, c;

	for (c = gen; c >= 0; c = cpuset_next(cand, c + 1)) {
		if (!siblings(h, gen, c)) {
			pol = c;
			break;
		}
	}
	if (pol < 0) {
		/* One isolated core: it polls, a housekeeping core generates. */
		pol = gen;
		gen = pick_housekeeping(h, p, pol);
		if (gen < 0) {
			snprintf(why, whylen, "%s needs 2 cpus that are not SMT siblings; the profile isolates only %d", mode, pol);
			return -ENODEV;
		}
		plan->borrowed_housekeeping = true;
		plan_note(plan, "generator on housekeeping cpu %d: the profile isolates no second cpu for it", gen);
	}
	plan->cores[plan->ncores++] = gen;
	plan->cores[plan->ncores++] = pol;
	return 0;
}

static int pick_auto(const struct host *h, const struct profile *p, enum verify_mode m,
		     struct verify_plan *plan, char *why, size_t whylen)
{
	struct cpuset cand;
	int c;

	candidates(h, p, plan, &cand);
	if (cpuset_empty(&cand)) {
		snprintf(why, whylen, "the profile '%s' isolates no online cpu to measure on", p->name);
		return -ENODEV;
	}
	switch (verify_modes[m]->cores) {
	case VC_PAIR:
		return pick_pair(h, p, verify_modes[m]->name, &cand, plan, why, whylen);
	case VC_EVERY:
		cpuset_for_each(c, &cand) {
			if (plan->ncores < VERIFY_MAX_CORES)
				plan->cores[plan->ncores++] = c;
		}
		return 0;
	case VC_ONE:
		break;
	}
	plan->cores[plan->ncores++] = cpuset_next(&cand, 0);
	return 0;
}

static int pick_user(const struct host *h, const struct profile *p, enum verify_mode m, const struct cpuset *want,
		     struct verify_plan *plan, char *why, size_t whylen)
{
	const struct verify_mode_def *md = verify_modes[m];
	int c, n = cpuset_count(want);

	if (md->cores == VC_PAIR && n != 2) {
		snprintf(why, whylen, "%s needs exactly 2 cpus (generator, poller), --cores names %d", md->name, n);
		return -EINVAL;
	}
	if (md->cores == VC_ONE && n != 1) {
		snprintf(why, whylen, "%s mode polls on 1 cpu, --cores names %d", md->name, n);
		return -EINVAL;
	}
	if (n > VERIFY_MAX_CORES) {
		snprintf(why, whylen, "--cores names %d cpus, at most %d", n, VERIFY_MAX_CORES);
		return -E2BIG;
	}
	cpuset_for_each(c, want) {
		if (h->has_online && !cpuset_has(&h->online, c)) {
			snprintf(why, whylen, "cpu %d is not online", c);
			return -ENODEV;
		}
		if (cpuset_has(&p->housekeeping, c))
			plan_note(plan, "cpu %d is a housekeeping cpu of profile '%s': expect OS noise there", c, p->name);
		plan->cores[plan->ncores++] = c;
	}
	return 0;
}

static int plan_memory(const struct host *h, const struct profile *p, struct verify_plan *plan)
{
	const struct hugepool *pool;
	int poller = plan->cores[verify_modes[plan->mode]->cores == VC_PAIR ? 1 : 0];
	int node = host_cpu_node(h, poller);

	plan->node = node >= 0 ? node : p->nic_node;
	for (int i = 0; i < plan->ncores; i++) {
		int n = host_cpu_node(h, plan->cores[i]);

		if (n >= 0 && n < 64)
			plan->node_mask |= 1ULL << n;
	}
	if (plan->node >= 0 && plan->node < 64)
		plan->node_mask |= 1ULL << plan->node;
	plan->hugepage_kb = p->hugepage_kb ? p->hugepage_kb : h->default_hugepage_kb ? h->default_hugepage_kb : 2048;
	plan->pages = (long)((VERIFY_MEM_MB * 1024UL + plan->hugepage_kb - 1) / plan->hugepage_kb);
	plan->socket_mem_mb = (unsigned long)plan->pages * plan->hugepage_kb / 1024;
	plan->pages *= verify_modes[plan->mode]->dpdk_processes;
	pool = host_pool(h, plan->node, plan->hugepage_kb);
	if (!pool && h->nnodes <= 1)	/* no per-node pools (no NUMA in the kernel): the system-wide one */
		pool = host_pool(h, -1, plan->hugepage_kb);
	plan->pages_free = pool ? pool->free : -1;
	return 0;
}

int verify_plan_make(const struct host *h, const struct profile *p, enum verify_mode m,
		     const struct cpuset *want, struct verify_plan *plan, char *why, size_t whylen)
{
	int rc;

	memset(plan, 0, sizeof(*plan));
	plan->mode = m;
	plan->sender_cpu = -1;
	if (want && !cpuset_empty(want))
		rc = pick_user(h, p, m, want, plan, why, whylen);
	else
		rc = pick_auto(h, p, m, plan, why, whylen);
	if (rc)
		return rc;
	/* All the poller's cores live on one node in practice; memory goes where the poller polls. */
	for (int i = 1; i < plan->ncores; i++)
		if (host_cpu_node(h, plan->cores[i]) != host_cpu_node(h, plan->cores[0]))
			plan_note(plan, "cpus %d and %d are on different NUMA nodes", plan->cores[0], plan->cores[i]);
	if (verify_modes[m]->other_end)
		plan->sender_cpu = pick_housekeeping(h, p, plan->cores[0]);
	return plan_memory(h, p, plan);
}

const char *verify_socket_mem(const struct verify_plan *plan, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	int top = 63 - __builtin_clzll(plan->node_mask | 1);

	for (int n = 0; n <= top && off < size; n++)
		off += (size_t)snprintf(buf + off, size - off, "%s%lu", n ? "," : "",
					plan->node_mask & (1ULL << n) ? plan->socket_mem_mb : 0UL);
	return buf;
}

bool verify_software_path(const struct host *h, const char *vdev, char *iface, size_t size)
{
	const char *p = strstr(vdev, "iface="), *e;
	const struct nic *n;

	iface[0] = '\0';
	if (p) {
		p += 6;
		e = strchr(p, ',');
		snprintf(iface, size, "%.*s", (int)(e ? (size_t)(e - p) : strlen(p)), p);
	}
	if (!strncmp(vdev, "net_af_packet", 13))
		return true;
	if (strncmp(vdev, "net_af_xdp", 10) || !iface[0])
		return false;
	n = host_nic_by_name(h, iface);
	return n && (!strcmp(n->driver, "veth") || !n->pci[0]);
}

const json_t *verify_stream(const json_t *doc, const char *name)
{
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(doc, vs_key(VK_STREAMS)), i, s) {
		const char *n = json_string_value(json_object_get(s, vs_key(VK_NAME)));

		if (n && !strcmp(n, name))
			return s;
	}
	return NULL;
}

double verify_num(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : 0.0;
}

int verify_field(const json_t *obj, enum vs_key k, double *out)
{
	const json_t *v = json_object_get(obj, vs_key(k));

	if (!json_is_number(v))
		return -ENOENT;
	*out = json_number_value(v);
	return 0;
}

int verify_check_counts(const json_t *doc, char *why, size_t whylen)
{
	static const enum vs_key need[] = { VK_SENT, VK_RECEIVED, VK_DROPPED, VK_DUPLICATED, VK_FOREIGN };
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(doc, vs_key(VK_STREAMS)), i, s) {
		const char *name = json_string_value(json_object_get(s, vs_key(VK_NAME)));
		double v[5];

		for (size_t k = 0; k < 5; k++) {
			if (verify_field(s, need[k], &v[k]) < 0) {
				snprintf(why, whylen, "stream '%s' has no '%s'", name ? name : "?", vs_key(need[k]));
				return -EPROTO;
			}
		}
		if (v[1] > v[0] + v[3]) {
			snprintf(why, whylen, "stream '%s': received %.0f > sent %.0f + duplicated %.0f", name ? name : "?",
				 v[1], v[0], v[3]);
			return -EPROTO;
		}
		if (v[2] != v[0] - (v[1] - v[3])) {
			snprintf(why, whylen, "stream '%s': dropped %.0f != sent %.0f - (received %.0f - duplicated %.0f)",
				 name ? name : "?", v[2], v[0], v[1], v[3]);
			return -EPROTO;
		}
	}
	return 0;
}

/* How a target is judged. */
enum target_kind {
	TK_STREAM,	/* one field of one stream */
	TK_IDLE_GAP,	/* the longest loop gap over every core */
	TK_GAIN,	/* kernel P99 / bypass P99 */
	TK_DROPS,	/* per stream: dropped / sent in ppm */
	TK_SKEW,	/* |cross-core TSC offset| */
	TK_TICKS,	/* per core: local timer interrupts per second */
	TK_TOTAL,	/* one field of a path's total (feeds: every feed of the path together) */
	TK_RATE,	/* feeds: the generator's rate as a percentage of the scenario's */
};

/* Which figure a target reads; def >= 0 is judged even when the profile leaves the key unset. */
struct target_src {
	enum profile_key key;
	enum verify_mode mode;
	enum target_kind kind;
	const char *stream;
	enum vs_key field;
	bool at_least;
	const char *unit;
	long def;
};

static const struct target_src target_srcs[] = {
	{ PK_T_LOOPBACK_P50, VM_LOOPBACK, TK_STREAM, VS_STREAM_LOOPBACK, VK_P50_NS, false, "ns", -1 },
	{ PK_T_LOOPBACK_P99, VM_LOOPBACK, TK_STREAM, VS_STREAM_LOOPBACK, VK_P99_NS, false, "ns", -1 },
	{ PK_T_LOOPBACK_P9999, VM_LOOPBACK, TK_STREAM, VS_STREAM_LOOPBACK, VK_P9999_NS, false, "ns", -1 },
	{ PK_T_LOOPBACK_MAX, VM_LOOPBACK, TK_STREAM, VS_STREAM_LOOPBACK, VK_MAX_NS, false, "ns", -1 },
	{ PK_T_MAX_DROP_PPM, VM_LOOPBACK, TK_DROPS, NULL, VK_DROPPED, false, "ppm", 0 },
	{ PK_T_MAX_TSC_SKEW, VM_LOOPBACK, TK_SKEW, NULL, VK_TSC_OFFSET_NS, false, "ns", -1 },
	{ PK_T_IDLE_MAX_GAP, VM_IDLE, TK_IDLE_GAP, NULL, VK_MAX_GAP_NS, false, "us", -1 },
	{ PK_T_IDLE_MAX_TICKS, VM_IDLE, TK_TICKS, NULL, VK_COUNT, false, "/s", -1 },
	{ PK_T_PORT_MIN_MPPS, VM_PORT, TK_STREAM, VS_STREAM_PORT, VK_MPPS, true, "Mpps", -1 },
	{ PK_T_PORT_P99, VM_PORT, TK_STREAM, VS_STREAM_PORT, VK_P99_NS, false, "ns", -1 },
	{ PK_T_MAX_DROP_PPM, VM_PORT, TK_DROPS, NULL, VK_DROPPED, false, "ppm", 0 },
	{ PK_T_KVB_MIN_GAIN, VM_KVB, TK_GAIN, "bypass", VK_P99_NS, true, "x", 1 },
	{ PK_T_KVB_MIN_GAIN, VM_PINGPONG, TK_GAIN, "dpdk", VK_P99_NS, true, "x", 1 },
	{ PK_T_PINGPONG_P999, VM_PINGPONG, TK_STREAM, "dpdk", VK_P999_NS, false, "ns", -1 },
	{ PK_T_PINGPONG_MAX, VM_PINGPONG, TK_STREAM, "dpdk", VK_MAX_NS, false, "ns", -1 },
	{ PK_T_MAX_DROP_PPM, VM_PINGPONG, TK_DROPS, NULL, VK_DROPPED, false, "ppm", 0 },
	{ PK_T_MAX_DROP_PPM, VM_KVB, TK_DROPS, NULL, VK_DROPPED, false, "ppm", 0 },
	{ PK_T_MAX_DROP_PPM, VM_FEEDS, TK_DROPS, NULL, VK_DROPPED, false, "ppm", 0 },
	{ PK_T_FEEDS_P999, VM_FEEDS, TK_TOTAL, "dpdk", VK_P999_NS, false, "ns", -1 },
	{ PK_T_FEEDS_MAX, VM_FEEDS, TK_TOTAL, "dpdk", VK_MAX_NS, false, "ns", -1 },
	{ PK_T_FEEDS_MIN_RATE, VM_FEEDS, TK_RATE, NULL, VK_SENT, true, "%", 95 },
};

static void missing(struct verify_target *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void missing(struct verify_target *t, const char *fmt, ...)
{
	va_list ap;

	t->verdict = TV_FAIL;
	t->missing = true;
	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
}

/* Idle: the longest gap over every measured core, in us. */
static void eval_idle(const json_t *doc, struct verify_target *t)
{
	const json_t *c;
	double worst = -1, g;
	size_t i;

	json_array_foreach(json_object_get(doc, vs_key(VK_CORES)), i, c) {
		if (verify_field(c, VK_MAX_GAP_NS, &g) < 0) {
			missing(t, "no '%s' for core %zu in the poller's document", vs_key(VK_MAX_GAP_NS), i);
			return;
		}
		if (g > worst) {
			worst = g;
			t->cpu = (int)verify_num(c, vs_key(VK_CPU));
		}
	}
	if (worst < 0) {
		missing(t, "no core measured");
		return;
	}
	t->observed = worst / 1000.0;
	snprintf(t->why, sizeof(t->why), "longest loop gap on cpu %d", t->cpu);
}

/* A stream's latency figure, or why there is none. */
static int stream_latency(const json_t *doc, const char *name, enum vs_key k, double *out, struct verify_target *t)
{
	const json_t *s = verify_stream(doc, name);

	if (!s) {
		missing(t, "no '%s' stream in the poller's document", name);
		return -1;
	}
	if (k != VK_MPPS && !json_is_true(json_object_get(s, vs_key(VK_LATENCY_MEASURED)))) {
		missing(t, "stream '%s': no stamped packet timed, latency not measured", name);
		return -1;
	}
	if (verify_field(s, k, out) < 0) {
		missing(t, "stream '%s' has no '%s' in the poller's document", name, vs_key(k));
		return -1;
	}
	return 0;
}

static void eval_gain(const json_t *doc, const char *bypass, struct verify_target *t)
{
	double kp, bp;

	if (stream_latency(doc, "kernel", VK_P99_NS, &kp, t) < 0 || stream_latency(doc, bypass, VK_P99_NS, &bp, t) < 0)
		return;
	t->observed = bp > 0 ? kp / bp : 0;
	snprintf(t->why, sizeof(t->why), "kernel P99 %.0f ns / %s P99 %.0f ns%s", kp, bypass, bp,
		 kp < bp ? ": the bypass path is slower" : "");
}

static void eval_stream(const json_t *doc, const struct target_src *src, struct verify_target *t)
{
	if (stream_latency(doc, src->stream, src->field, &t->observed, t) < 0)
		return;
	snprintf(t->why, sizeof(t->why), "%s of stream '%s'", vs_key(src->field), src->stream);
}

/* The path total of that name, NULL when none. */
static const json_t *path_total(const json_t *doc, const char *name)
{
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(doc, "totals"), i, s) {
		const char *path = json_string_value(json_object_get(s, vs_key(VK_PATH)));

		if (path && !strcmp(path, name))
			return s;
	}
	return NULL;
}

/* A path's total: the feeds of one receiver together. */
static void eval_total(const json_t *doc, const struct target_src *src, struct verify_target *t)
{
	const json_t *hit = path_total(doc, src->stream);

	if (!hit) {
		missing(t, "no '%s' path total in the document", src->stream);
		return;
	}
	if (!json_is_true(json_object_get(hit, vs_key(VK_LATENCY_MEASURED)))) {
		missing(t, "path '%s': no stamped packet timed, latency not measured", src->stream);
		return;
	}
	if (verify_field(hit, src->field, &t->observed) < 0) {
		missing(t, "path '%s' has no '%s' in the document", src->stream, vs_key(src->field));
		return;
	}
	snprintf(t->why, sizeof(t->why), "%s of the '%s' path, every feed together", vs_key(src->field), src->stream);
}

/* Drops and latency judged under a lighter load than asked would pass a host that cannot take the feed. */
static void eval_rate(const json_t *doc, struct verify_target *t)
{
	const json_t *fd = json_object_get(doc, "feeds");
	double asked = verify_num(fd, "rate_pps"), secs = verify_num(json_object_get(fd, "generator"), "seconds"), sent;

	/* Both paths receive the same packets: the sender's count is on each path's total. */
	if (verify_field(path_total(doc, "dpdk"), VK_SENT, &sent) < 0 || asked <= 0 || secs <= 0) {
		missing(t, "no asked rate, sending time or count sent (feeds.rate_pps, feeds.generator.seconds, "
			"totals[dpdk].sent)");
		return;
	}
	t->observed = 100.0 * sent / secs / asked;
	snprintf(t->why, sizeof(t->why), "the generator sent %.0f msg/s of the scenario's %.0f (%.0f in %.2f s)",
		 sent / secs, asked, sent, secs);
}

static void eval_skew(const json_t *doc, struct verify_target *t)
{
	double off, rtt = 0;

	if (!json_is_true(json_object_get(doc, vs_key(VK_TSC_OFFSET_MEASURED))) ||
	    verify_field(doc, VK_TSC_OFFSET_NS, &off) < 0) {
		missing(t, "the cross-core TSC offset was not measured ('%s')", vs_key(VK_TSC_OFFSET_NS));
		return;
	}
	verify_field(doc, VK_TSC_OFFSET_RTT_NS, &rtt);
	t->observed = off < 0 ? -off : off;
	snprintf(t->why, sizeof(t->why), "poller core's TSC minus the generator's: %+.0f ns, +-%.0f ns", off, rtt / 2);
}

static struct verify_target *target_new(const struct target_src *src, long want, struct verify_target *out,
					 size_t max, size_t *n, const char *suffix)
{
	struct verify_target *t;

	if (*n >= max)
		return NULL;
	t = &out[(*n)++];
	memset(t, 0, sizeof(*t));
	t->key = src->key;
	snprintf(t->name, sizeof(t->name), "%s%s%s%s", profile_keys[src->key].key, suffix ? "[" : "",
		 suffix ? suffix : "", suffix ? "]" : "");
	t->want = want;
	t->at_least = src->at_least;
	t->unit = src->unit;
	t->cpu = -1;
	t->verdict = TV_PASS;
	return t;
}

/* One target per stream that had something sent. */
static void eval_drops(const json_t *doc, const struct target_src *src, long want, struct verify_target *out,
		       size_t max, size_t *n)
{
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(doc, vs_key(VK_STREAMS)), i, s) {
		const char *name = json_string_value(json_object_get(s, vs_key(VK_NAME)));
		struct verify_target *t = target_new(src, want, out, max, n, name ? name : "?");
		double sent, dropped;

		if (!t)
			return;
		if (verify_field(s, VK_SENT, &sent) < 0 || verify_field(s, VK_DROPPED, &dropped) < 0) {
			missing(t, "stream '%s' has no '%s' or '%s'", name, vs_key(VK_SENT), vs_key(VK_DROPPED));
			continue;
		}
		if (sent <= 0) {
			missing(t, "stream '%s': nothing sent, so nothing to judge drops against", name);
			continue;
		}
		t->observed = dropped * 1e6 / sent;
		snprintf(t->why, sizeof(t->why), "stream '%s': %.0f of %.0f sent never received", name, dropped, sent);
	}
}

/* One target per measured core, from the "ticks" verify adds (local timer interrupts over the window). */
static void eval_ticks(const json_t *doc, const struct target_src *src, long want, struct verify_target *out,
		       size_t max, size_t *n)
{
	const json_t *c, *ticks = json_object_get(doc, "ticks");
	size_t i;

	if (!json_array_size(ticks)) {
		struct verify_target *t = target_new(src, want, out, max, n, NULL);

		if (t)
			missing(t, "no timer interrupt count ('/proc/interrupts' LOC) over the measured window");
		return;
	}
	json_array_foreach(ticks, i, c) {
		char cpu[16];
		struct verify_target *t;
		double per_s;

		snprintf(cpu, sizeof(cpu), "cpu%.0f", verify_num(c, "cpu"));
		t = target_new(src, want, out, max, n, cpu);
		if (!t)
			return;
		t->cpu = (int)verify_num(c, "cpu");
		if (!json_is_number(json_object_get(c, "per_s"))) {
			missing(t, "no local timer interrupt count for %s", cpu);
			continue;
		}
		per_s = verify_num(c, "per_s");
		t->observed = per_s;
		snprintf(t->why, sizeof(t->why), "%s: %.0f local timer interrupts in %.2f s", cpu, verify_num(c, "timer_irqs"),
			 verify_num(c, "seconds"));
	}
}

int verify_targets(const struct profile *p, enum verify_mode m, const json_t *doc,
		   struct verify_target *out, size_t max)
{
	const char *schema = json_string_value(json_object_get(doc, vs_key(VK_SCHEMA)));
	size_t n = 0;

	if (!json_is_object(doc) || !schema || strcmp(schema, VS_SCHEMA))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(target_srcs) / sizeof(target_srcs[0]) && n < max; i++) {
		const struct target_src *src = &target_srcs[i];
		size_t first = n;
		long want;

		if (src->mode != m)
			continue;
		if (profile_long(p, src->key, &want) < 0) {
			if (src->def < 0)
				continue;
			want = src->def;
		}
		if (src->kind == TK_DROPS) {
			eval_drops(doc, src, want, out, max, &n);
		} else if (src->kind == TK_TICKS) {
			eval_ticks(doc, src, want, out, max, &n);
		} else {
			struct verify_target *t = target_new(src, want, out, max, &n, NULL);

			if (src->kind == TK_IDLE_GAP)
				eval_idle(doc, t);
			else if (src->kind == TK_GAIN)
				eval_gain(doc, src->stream, t);
			else if (src->kind == TK_SKEW)
				eval_skew(doc, t);
			else if (src->kind == TK_TOTAL)
				eval_total(doc, src, t);
			else if (src->kind == TK_RATE)
				eval_rate(doc, t);
			else
				eval_stream(doc, src, t);
		}
		for (size_t k = first; k < n; k++) {
			struct verify_target *t = &out[k];

			if (t->verdict == TV_PASS)
				t->verdict = (t->at_least ? t->observed >= (double)t->want : t->observed <= (double)t->want) ?
					     TV_PASS : TV_FAIL;
		}
	}
	return (int)n;
}

enum verify_verdict verify_verdict_of(const struct verify_target *t, int nt)
{
	bool judged = false;

	for (int i = 0; i < nt; i++) {
		if (t[i].verdict == TV_FAIL)
			return VV_NOT_READY;
		judged |= t[i].verdict == TV_PASS;
	}
	return judged ? VV_READY : VV_NOT_JUDGED;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v; q in parts per 10^6 keeps it exact. */
static uint64_t rank(const uint64_t *v, size_t n, uint64_t q_ppm)
{
	size_t i = (size_t)(((uint64_t)n * q_ppm + 999999) / 1000000);

	return v[i ? i - 1 : 0];
}

void lat_summarize(uint64_t *v, size_t n, struct lat_summary *s)
{
	double sum = 0, sq = 0;

	memset(s, 0, sizeof(*s));
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	s->count = n;
	s->min = v[0];
	s->max = v[n - 1];
	s->p50 = rank(v, n, 500000);
	s->p90 = rank(v, n, 900000);
	s->p99 = rank(v, n, 990000);
	s->p999 = rank(v, n, 999000);
	s->p9999 = rank(v, n, 999900);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	s->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += ((double)v[i] - s->mean) * ((double)v[i] - s->mean);
	s->stdev = sqrt(sq / (double)n);
}

/* Log-linear bucket upper edge: 8 sub-buckets per power of two (<= 12.5% relative width). */
static uint64_t bucket_high(uint64_t v)
{
	uint64_t step;
	int e;

	if (v < 16)
		return v;
	e = 63 - __builtin_clzll(v);
	step = 1ULL << (e - 3);
	return (v / step + 1) * step - 1;
}

json_t *lat_stream_json(const char *name, uint64_t *v, size_t n, const struct stream_counts *c, double duration_s)
{
	struct lat_summary s;
	json_t *o = json_object(), *hist = json_array();
	uint64_t uniq = c->received - (c->duplicated < c->received ? c->duplicated : c->received);

	lat_summarize(v, n, &s);
#define SET(k, v) json_object_set_new(o, vs_key(k), v)
	SET(VK_NAME, json_string(name));
	SET(VK_SENT, json_integer((json_int_t)c->sent));
	SET(VK_RECEIVED, json_integer((json_int_t)c->received));
	SET(VK_DROPPED, json_integer((json_int_t)(c->sent > uniq ? c->sent - uniq : 0)));
	SET(VK_DUPLICATED, json_integer((json_int_t)c->duplicated));
	SET(VK_REORDERED, json_integer((json_int_t)c->reordered));
	SET(VK_FOREIGN, json_integer((json_int_t)c->foreign));
	SET(VK_SEND_FAILED, json_integer(0));
	SET(VK_LATENCY_MEASURED, json_boolean(n > 0));
	SET(VK_SAMPLES, json_integer((json_int_t)n));
	SET(VK_P50_NS, json_integer((json_int_t)s.p50));
	SET(VK_P90_NS, json_integer((json_int_t)s.p90));
	SET(VK_P99_NS, json_integer((json_int_t)s.p99));
	SET(VK_P999_NS, json_integer((json_int_t)s.p999));
	SET(VK_P9999_NS, json_integer((json_int_t)s.p9999));
	SET(VK_MAX_NS, json_integer((json_int_t)s.max));
	SET(VK_MEAN_NS, json_real(s.mean));
	SET(VK_STDEV_NS, json_real(s.stdev));
	SET(VK_MPPS, json_real(duration_s > 0 ? (double)(c->received + c->foreign) / duration_s / 1e6 : 0.0));
	SET(VK_NEGATIVE_DELTAS, json_integer((json_int_t)c->negative));
	for (size_t i = 0; i < n;) {
		uint64_t hi = bucket_high(v[i]);
		size_t j = i;

		while (j < n && v[j] <= hi)
			j++;
		json_array_append_new(hist, json_pack("[II]", (json_int_t)hi, (json_int_t)(j - i)));
		i = j;
	}
	SET(VK_HISTOGRAM, hist);
#undef SET
	return o;
}
