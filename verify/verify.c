/* tickready verify: picks cores and hugepages from the host and profile, and judges the poller's figures against [targets]. */
#include "verify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const verify_mode_names[VM_COUNT] = { "loopback", "idle", "port", "kernel-vs-bypass" };
const char *const target_verdict_names[3] = { "pass", "fail", "skip" };

int verify_mode_parse(const char *s, enum verify_mode *out)
{
	for (int i = 0; i < VM_COUNT; i++) {
		if (!strcmp(s, verify_mode_names[i])) {
			*out = (enum verify_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

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

static int pick_loopback(const struct host *h, const struct profile *p, const struct cpuset *cand,
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
			snprintf(why, whylen, "loopback needs 2 cpus that are not SMT siblings; the profile isolates only %d", pol);
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
	switch (m) {
	case VM_LOOPBACK:
		return pick_loopback(h, p, &cand, plan, why, whylen);
	case VM_IDLE:
		cpuset_for_each(c, &cand) {
			if (plan->ncores < VERIFY_MAX_CORES)
				plan->cores[plan->ncores++] = c;
		}
		return 0;
	default:
		plan->cores[plan->ncores++] = cpuset_next(&cand, 0);
		return 0;
	}
}

static int pick_user(const struct host *h, const struct profile *p, enum verify_mode m, const struct cpuset *want,
		     struct verify_plan *plan, char *why, size_t whylen)
{
	int c, n = cpuset_count(want);

	if (m == VM_LOOPBACK && n != 2) {
		snprintf(why, whylen, "loopback needs exactly 2 cpus (generator, poller), --cores names %d", n);
		return -EINVAL;
	}
	if (m != VM_LOOPBACK && m != VM_IDLE && n != 1) {
		snprintf(why, whylen, "%s mode polls on 1 cpu, --cores names %d", verify_mode_names[m], n);
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
	int poller = plan->cores[plan->mode == VM_LOOPBACK ? 1 : 0];
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
	if (m == VM_KVB)
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

const json_t *verify_stream(const json_t *doc, const char *name)
{
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(doc, "streams"), i, s) {
		const char *n = json_string_value(json_object_get(s, "name"));

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

/* Which stream and field a latency target reads. */
struct target_src {
	enum profile_key key;
	enum verify_mode mode;
	const char *stream, *field;
	bool at_least;
	const char *unit;
};

static const struct target_src target_srcs[] = {
	{ PK_T_LOOPBACK_P50, VM_LOOPBACK, "loopback", "p50_ns", false, "ns" },
	{ PK_T_LOOPBACK_P99, VM_LOOPBACK, "loopback", "p99_ns", false, "ns" },
	{ PK_T_LOOPBACK_P9999, VM_LOOPBACK, "loopback", "p9999_ns", false, "ns" },
	{ PK_T_LOOPBACK_MAX, VM_LOOPBACK, "loopback", "max_ns", false, "ns" },
	{ PK_T_IDLE_MAX_GAP, VM_IDLE, NULL, "max_gap_ns", false, "us" },
	{ PK_T_PORT_MIN_MPPS, VM_PORT, "port-rx", "mpps", true, "Mpps" },
	{ PK_T_PORT_P99, VM_PORT, "port-rx", "p99_ns", false, "ns" },
	{ PK_T_KVB_MIN_GAIN, VM_KVB, NULL, "p99_ns", true, "x" },
};

/* Idle: the longest gap over every measured core, in us. */
static void eval_idle(const json_t *doc, struct verify_target *t)
{
	const json_t *c;
	double worst = -1;
	size_t i;

	json_array_foreach(json_object_get(doc, "cores"), i, c) {
		double g = verify_num(c, "max_gap_ns");

		if (g > worst) {
			worst = g;
			t->cpu = (int)verify_num(c, "cpu");
		}
	}
	if (worst < 0) {
		t->verdict = TV_SKIP;
		snprintf(t->why, sizeof(t->why), "no core measured");
		return;
	}
	t->observed = worst / 1000.0;
	snprintf(t->why, sizeof(t->why), "longest loop gap on cpu %d", t->cpu);
}

static void eval_gain(const json_t *doc, struct verify_target *t)
{
	const json_t *k = verify_stream(doc, "kernel"), *b = verify_stream(doc, "bypass");
	double kp, bp;

	if (!k || !b || !json_is_true(json_object_get(b, "latency_measured")) ||
	    !json_is_true(json_object_get(k, "latency_measured"))) {
		t->verdict = TV_SKIP;
		snprintf(t->why, sizeof(t->why), "no latency measured on %s", !k ? "the kernel socket" : "the bypass path");
		return;
	}
	kp = verify_num(k, "p99_ns");
	bp = verify_num(b, "p99_ns");
	t->observed = bp > 0 ? kp / bp : 0;
	snprintf(t->why, sizeof(t->why), "kernel P99 %.0f ns / bypass P99 %.0f ns", kp, bp);
}

static void eval_stream(const json_t *doc, const struct target_src *src, struct verify_target *t)
{
	const json_t *s = verify_stream(doc, src->stream);

	if (!s) {
		t->verdict = TV_SKIP;
		snprintf(t->why, sizeof(t->why), "no '%s' stream in the poller's output", src->stream);
		return;
	}
	if (strcmp(src->unit, "Mpps") && !json_is_true(json_object_get(s, "latency_measured"))) {
		t->verdict = TV_SKIP;
		snprintf(t->why, sizeof(t->why), "no stamped packets received: latency not measured");
		return;
	}
	t->observed = verify_num(s, src->field);
	snprintf(t->why, sizeof(t->why), "%s of stream '%s'", src->field, src->stream);
}

int verify_targets(const struct profile *p, enum verify_mode m, const json_t *doc,
		   struct verify_target *out, size_t max)
{
	const char *schema = json_string_value(json_object_get(doc, "schema"));
	size_t n = 0;

	if (!json_is_object(doc) || !schema || strcmp(schema, "tickready.verify/1"))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(target_srcs) / sizeof(target_srcs[0]) && n < max; i++) {
		const struct target_src *src = &target_srcs[i];
		struct verify_target *t = &out[n];
		long want;

		if (src->mode != m || profile_long(p, src->key, &want) < 0)
			continue;
		memset(t, 0, sizeof(*t));
		t->key = src->key;
		snprintf(t->name, sizeof(t->name), "%s", profile_keys[src->key].key);
		t->want = want;
		t->at_least = src->at_least;
		t->unit = src->unit;
		t->cpu = -1;
		t->verdict = TV_PASS;
		if (m == VM_IDLE)
			eval_idle(doc, t);
		else if (m == VM_KVB)
			eval_gain(doc, t);
		else
			eval_stream(doc, src, t);
		if (t->verdict != TV_SKIP)
			t->verdict = (t->at_least ? t->observed >= (double)want : t->observed <= (double)want) ? TV_PASS : TV_FAIL;
		n++;
	}
	return (int)n;
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

/* Newton's square root: keeps libm out of the link for one call. */
static double root(double x)
{
	double r = x > 1 ? x / 2 : 1;

	if (x <= 0)
		return 0;
	for (int i = 0; i < 200; i++) {
		double next = (r + x / r) / 2;

		if (next == r)
			break;
		r = next;
	}
	return r;
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
	s->stdev = root(sq / (double)n);
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

json_t *lat_stream_json(const char *name, uint64_t *v, size_t n, uint64_t sent, uint64_t negative,
			double duration_s)
{
	struct lat_summary s;
	json_t *o = json_object(), *hist = json_array();
	uint64_t recv = n + negative;

	lat_summarize(v, n, &s);
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "sent", json_integer((json_int_t)sent));
	json_object_set_new(o, "received", json_integer((json_int_t)recv));
	json_object_set_new(o, "dropped", json_integer((json_int_t)(sent > recv ? sent - recv : 0)));
	json_object_set_new(o, "latency_measured", json_boolean(n > 0));
	json_object_set_new(o, "samples", json_integer((json_int_t)n));
	json_object_set_new(o, "unstamped", json_integer(0));
	json_object_set_new(o, "p50_ns", json_integer((json_int_t)s.p50));
	json_object_set_new(o, "p90_ns", json_integer((json_int_t)s.p90));
	json_object_set_new(o, "p99_ns", json_integer((json_int_t)s.p99));
	json_object_set_new(o, "p999_ns", json_integer((json_int_t)s.p999));
	json_object_set_new(o, "p9999_ns", json_integer((json_int_t)s.p9999));
	json_object_set_new(o, "max_ns", json_integer((json_int_t)s.max));
	json_object_set_new(o, "mean_ns", json_real(s.mean));
	json_object_set_new(o, "stdev_ns", json_real(s.stdev));
	json_object_set_new(o, "mpps", json_real(duration_s > 0 ? (double)recv / duration_s / 1e6 : 0.0));
	json_object_set_new(o, "negative_deltas", json_integer((json_int_t)negative));
	for (size_t i = 0; i < n;) {
		uint64_t hi = bucket_high(v[i]);
		size_t j = i;

		while (j < n && v[j] <= hi)
			j++;
		json_array_append_new(hist, json_pack("[II]", (json_int_t)hi, (json_int_t)(j - i)));
		i = j;
	}
	json_object_set_new(o, "histogram", hist);
	return o;
}
