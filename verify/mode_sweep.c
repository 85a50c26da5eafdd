/*
 * sweep mode: kernel-vs-bypass at several packet rates, then several packet sizes; bypass's latency gain against
 * each, on this host. A size is the IP packet's (64 to 1500, the MTU): the UDP payload sent is 28 bytes less.
 */
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "run.h"
#include "util.h"
#include "verify_env.h"

static const long default_rates[] = { 10000, 50000, 100000, 500000 };
static const long default_sizes[] = { 64, 512, 1500 };
#define NDEFAULT_RATES (int)(sizeof(default_rates) / sizeof(default_rates[0]))
#define NDEFAULT_SIZES (int)(sizeof(default_sizes) / sizeof(default_sizes[0]))

static const enum vs_key summary_keys[] = { VK_P50_NS, VK_P99_NS, VK_P999_NS, VK_MAX_NS, VK_SENT, VK_RECEIVED, VK_DROPPED };

static json_t *summary(const json_t *stream)
{
	json_t *s = json_object();

	for (size_t i = 0; i < sizeof(summary_keys) / sizeof(summary_keys[0]); i++)
		json_object_set_new(s, vs_key(summary_keys[i]), json_real(verify_num(stream, vs_key(summary_keys[i]))));
	return s;
}

/* CPU of one path at one point: cpu_s over seconds as a share of one core, and per packet received. */
static void set_cpu(json_t *s, double cpu_s, double seconds, double received)
{
	json_object_set_new(s, "cpu_s", json_real(cpu_s));
	json_object_set_new(s, "cpu_pct", seconds > 0 ? json_real(100.0 * cpu_s / seconds) : json_null());
	json_object_set_new(s, "cpu_ns_per_packet", received > 0 ? json_real(cpu_s * 1e9 / received) : json_null());
}

/*
 * The kernel receiver's CPU time; the poller's (a busy poller holds its core whatever the rate) and its busy
 * time, the part of its loop that handled packets, which is what grows with the rate.
 */
static void point_cpu(json_t *row, const json_t *kernel, const json_t *doc)
{
	json_t *k = json_object_get(row, "kernel"), *b = json_object_get(row, "bypass");
	double secs = verify_num(doc, vs_key(VK_DURATION_S)), got = verify_num(b, vs_key(VK_RECEIVED)), busy = -1;
	const json_t *core;
	size_t i;

	set_cpu(k, verify_num(kernel, vs_key(VK_CPU_USER_S)) + verify_num(kernel, vs_key(VK_CPU_SYSTEM_S)),
		verify_num(kernel, "cpu_seconds"), verify_num(k, vs_key(VK_RECEIVED)));
	set_cpu(b, verify_num(doc, vs_key(VK_CPU_USER_S)) + verify_num(doc, vs_key(VK_CPU_SYSTEM_S)), secs, got);
	json_array_foreach(json_object_get(doc, vs_key(VK_CORES)), i, core)
		if (json_is_number(json_object_get(core, vs_key(VK_BUSY_NS))))
			busy = verify_num(core, vs_key(VK_BUSY_NS));
	json_object_set_new(b, "busy_ns", busy >= 0 ? json_real(busy) : json_null());
	json_object_set_new(b, "busy_pct", busy >= 0 && secs > 0 ? json_real(100.0 * busy / (secs * 1e9)) : json_null());
	json_object_set_new(b, "busy_ns_per_packet", busy >= 0 && got > 0 ? json_real(busy / got) : json_null());
}

/* Each point measures into the same two windows: the causes of the last one are what the report keeps. */
static void window_reuse(struct window *w)
{
	if (w->has_causes)
		cause_report_free(&w->causes);
	w->has_causes = false;
}

/*
 * One point: the bounded stream at rate and size through the kernel socket, then the poller. Its row, or
 * NULL with err; *last takes the poller's document (the kernel stream added), the previous one freed.
 */
static json_t *point(struct verify_run *r, struct window *w, long rate, long size, json_t **last, char *err,
		     size_t errlen)
{
	uint64_t count = (uint64_t)((double)rate * r->o.duration);
	const json_t *bypass;
	struct kvb_shared *k;
	json_t *kernel, *doc, *row;
	long saved = r->o.rate;
	double kp99, bp99;

	if (count < 1)
		count = 1;
	if (count > KVB_MAX_PACKETS)
		count = KVB_MAX_PACKETS;
	k = kvb_shared_new(count);
	if (!k) {
		snprintf(err, errlen, "cannot allocate %llu samples", (unsigned long long)count);
		return NULL;
	}
	k->payload_bytes = (uint64_t)verify_sweep_payload(size);
	r->o.rate = rate;	/* the passes pace the sender by it */
	window_reuse(&w[0]);
	window_reuse(&w[1]);
	kernel = kvb_kernel_pass(r, &w[0], k, err, errlen);
	doc = kernel ? kvb_bypass_pass(r, &w[1], k, err, errlen) : NULL;
	r->o.rate = saved;
	kvb_shared_free(k);
	if (!doc) {
		json_decref(kernel);
		return NULL;
	}
	bypass = verify_stream(doc, "bypass");
	if (!bypass) {
		snprintf(err, errlen, "the poller reported no stream at %ld packets/s, %ld-byte IP packets", rate, size);
		json_decref(kernel);
		json_decref(doc);
		return NULL;
	}
	kp99 = verify_num(kernel, vs_key(VK_P99_NS));
	bp99 = verify_num(bypass, vs_key(VK_P99_NS));
	row = json_pack("{s:I, s:I, s:I, s:I, s:o, s:o}", "rate_pps", (json_int_t)rate, "ip_bytes", (json_int_t)size,
			"payload_bytes", (json_int_t)verify_sweep_payload(size), "packets", (json_int_t)count, "kernel",
			summary(kernel), "bypass", summary(bypass));
	/* The project's gain (kvb's target): kernel P99 / bypass P99; the seeds' figure: how much of the kernel's P99 goes. */
	json_object_set_new(row, "p99_gain", bp99 > 0 ? json_real(kp99 / bp99) : json_null());
	json_object_set_new(row, "p99_cut_pct", kp99 > 0 ? json_real(100.0 * (1.0 - bp99 / kp99)) : json_null());
	point_cpu(row, kernel, doc);
	json_array_append_new(json_object_get(doc, "streams"), kernel);
	json_decref(*last);
	*last = doc;
	return row;
}

/* The lowest measured rate from which every higher one meets the gain; -1 when none does. */
static long pays_from(const json_t *rows, double min_gain)
{
	long from = -1, best_fail = -1;
	size_t i;
	const json_t *row;

	json_array_foreach(rows, i, row) {
		long rate = (long)json_integer_value(json_object_get(row, "rate_pps"));
		const json_t *g = json_object_get(row, "p99_gain");

		if (!json_is_number(g) || json_number_value(g) < min_gain) {
			if (rate > best_fail)
				best_fail = rate;
		}
	}
	json_array_foreach(rows, i, row) {
		long rate = (long)json_integer_value(json_object_get(row, "rate_pps"));
		const json_t *g = json_object_get(row, "p99_gain");

		if (json_is_number(g) && json_number_value(g) >= min_gain && rate > best_fail && (from < 0 || rate < from))
			from = rate;
	}
	return from;
}

static int run(struct verify_run *r, struct window *w, json_t **doc, char *err, size_t errlen)
{
	static const char *const kernel_roles[] = { "receiver" };
	const long *rates = r->o.nrates ? r->o.rates : default_rates, *sizes = r->o.nsizes ? r->o.sizes : default_sizes;
	int nrates = r->o.nrates ? r->o.nrates : NDEFAULT_RATES, nsizes = r->o.nsizes ? r->o.nsizes : NDEFAULT_SIZES;
	json_t *by_rate = json_array(), *by_size = json_array(), *row, *last = NULL, *sweep;
	long min_gain = 1, from;

	w[0].name = "kernel";
	w[0].roles = kernel_roles;
	w[0].ncpus = 1;
	w[1] = (struct window){ .name = "bypass", .cpus = r->plan.cores, .roles = r->roles, .ncpus = 1 };
	r->nw = 2;
	if (r->o.iface)
		snprintf(r->pair.if_rx, sizeof(r->pair.if_rx), "%s", r->o.iface);
	r->pair_made = true;
	if (venv_pair_create(&r->pair, err, errlen) < 0)
		goto fail;
	for (int i = 0; i < nrates; i++) {
		if (!(row = point(r, w, rates[i], sizes[0], &last, err, errlen)))
			goto fail;
		json_array_append_new(by_rate, row);
	}
	for (int i = 0; i < nsizes; i++) {
		if (!(row = point(r, w, r->o.rate, sizes[i], &last, err, errlen)))
			goto fail;
		json_array_append_new(by_size, row);
	}
	profile_long(r->prof, PK_T_KVB_MIN_GAIN, &min_gain);
	from = pays_from(by_rate, (double)min_gain);
	sweep = json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:b}", "min_p99_gain", (json_int_t)min_gain, "by_rate_ip_bytes",
			  (json_int_t)sizes[0], "by_rate_payload_bytes", (json_int_t)verify_sweep_payload(sizes[0]),
			  "by_size_rate_pps", (json_int_t)r->o.rate, "by_rate", by_rate, "by_size", by_size, "software_only", 1);
	/* Asked for as kernel-vs-bypass with --rates or --sizes: the header says this sweep is what ran. */
	if (strcmp(r->o.mode_name, verify_mode_sweep.name))
		json_object_set_new(sweep, "asked_as", json_string(r->o.mode_name));
	json_object_set_new(sweep, "pays_from_rate_pps", from >= 0 ? json_integer(from) : json_null());
	*doc = last;
	json_object_set_new(*doc, "sweep", sweep);
	json_object_set_new(*doc, "bypass_path", json_pack("{s:s, s:s, s:b, s:s}", "pmd", "net_af_packet", "iface",
							   r->pair.if_rx, "software_only", 1, "shows", VERIFY_SOFTWARE_NOTE));
	verify_run_note(r, "bypass is DPDK net_af_packet on veth %s: %s", r->pair.if_rx, VERIFY_SOFTWARE_NOTE);
	json_object_set_new(*doc, "mode", json_string(verify_mode_sweep.name));
	json_object_set_new(*doc, "interrupted", json_false());
	return 0;
fail:
	json_decref(by_rate);
	json_decref(by_size);
	json_decref(last);
	return -1;
}

static int check(struct verify_opts *o, char *err, size_t errlen)
{
	if (o->rate == 0) {
		snprintf(err, errlen, "sweep measures its sizes at a bounded --rate (1 or more packets per second)");
		return -1;
	}
	return 0;
}

/* "12.5%" of a number key, "-" when the key is null or absent. */
static const char *pct_text(const json_t *o, const char *key, char *buf, size_t size)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_number(v))
		snprintf(buf, size, "%.1f%%", json_number_value(v));
	else
		snprintf(buf, size, "-");
	return buf;
}

/* A row's IP packet size; a document from before sizes were IP sizes has only the payload, 28 bytes less. */
static long long ip_size(const json_t *o, const char *ip_key, const char *payload_key)
{
	const json_t *v = json_object_get(o, ip_key);

	return json_is_integer(v) ? (long long)json_integer_value(v)
				  : (long long)json_integer_value(json_object_get(o, payload_key)) + VENV_IP_UDP_HDR;
}

static void print_table(FILE *f, const json_t *rows, bool by_rate)
{
	char k50[32], k99[32], k999[32], b50[32], b99[32], b999[32];
	const json_t *row;
	size_t i;

	fprintf(f, "%10s %10s %10s %10s %10s %10s %10s %9s %9s %8s %6s %8s %8s %8s\n", by_rate ? "rate/s" : "IP size",
		"kern P50", "kern P99", "kern P99.9", "byp P50", "byp P99", "byp P99.9", "kern drop", "byp drop", "P99 gain",
		"cut", "kern CPU", "byp CPU", "byp busy");
	json_array_foreach(rows, i, row) {
		const json_t *k = json_object_get(row, "kernel"), *b = json_object_get(row, "bypass");
		const json_t *g = json_object_get(row, "p99_gain"), *c = json_object_get(row, "p99_cut_pct");
		char gain[16] = "-", cut[16] = "-", kcpu[16], bcpu[16], busy[16];

		format_ns(verify_num(k, vs_key(VK_P50_NS)), k50, sizeof(k50));
		format_ns(verify_num(k, vs_key(VK_P99_NS)), k99, sizeof(k99));
		format_ns(verify_num(k, vs_key(VK_P999_NS)), k999, sizeof(k999));
		format_ns(verify_num(b, vs_key(VK_P50_NS)), b50, sizeof(b50));
		format_ns(verify_num(b, vs_key(VK_P99_NS)), b99, sizeof(b99));
		format_ns(verify_num(b, vs_key(VK_P999_NS)), b999, sizeof(b999));
		if (json_is_number(g))
			snprintf(gain, sizeof(gain), "%.2fx", json_number_value(g));
		if (json_is_number(c))
			snprintf(cut, sizeof(cut), "%.0f%%", json_number_value(c));
		fprintf(f, "%10lld %10s %10s %10s %10s %10s %10s %9.0f %9.0f %8s %6s %8s %8s %8s\n",
			by_rate ? (long long)json_integer_value(json_object_get(row, "rate_pps"))
				: ip_size(row, "ip_bytes", "payload_bytes"), k50, k99,
			k999, b50, b99, b999, verify_num(k, vs_key(VK_DROPPED)), verify_num(b, vs_key(VK_DROPPED)), gain, cut,
			pct_text(k, "cpu_pct", kcpu, sizeof(kcpu)), pct_text(b, "cpu_pct", bcpu, sizeof(bcpu)),
			pct_text(b, "busy_pct", busy, sizeof(busy)));
	}
}

/* The two tables the question asks for, and from which rate bypass pays here. */
static void render(FILE *f, const json_t *doc)
{
	const json_t *s = json_object_get(doc, "sweep"), *from, *asked;
	long long ip;

	if (!s)
		return;
	asked = json_object_get(s, "asked_as");
	if (json_is_string(asked))
		fprintf(f, "--mode %s with --rates or --sizes runs the sweep: kernel-vs-bypass at each rate, then at each "
			"size\n", json_string_value(asked));
	ip = ip_size(s, "by_rate_ip_bytes", "by_rate_payload_bytes");
	fprintf(f, "kernel socket vs DPDK bypass by packet rate (%lld-byte IP packets, %lld-byte UDP payload; software-only "
		"path):\n", ip, ip - VENV_IP_UDP_HDR);
	print_table(f, json_object_get(s, "by_rate"), true);
	fprintf(f, "\nby IP packet size (at %lld packets/s; the UDP payload is %d bytes less):\n",
		(long long)json_integer_value(json_object_get(s, "by_size_rate_pps")), VENV_IP_UDP_HDR);
	print_table(f, json_object_get(s, "by_size"), false);
	fprintf(f, "\nCPU: share of one core over each pass: the kernel receiver's, the poller's (a busy poller holds its "
		"core at any rate), and the poller's busy share (iterations that received)\n");
	from = json_object_get(s, "pays_from_rate_pps");
	if (json_is_integer(from))
		fprintf(f, "\nbypass pays here from %lld packets/s: kernel P99 / bypass P99 >= %lld at that rate and every "
			"higher one measured ([targets] kernel_vs_bypass.min_p99_gain)\n", (long long)json_integer_value(from),
			(long long)json_integer_value(json_object_get(s, "min_p99_gain")));
	else
		fprintf(f, "\nbypass does not pay at any measured rate here: kernel P99 / bypass P99 stays below %lld "
			"([targets] kernel_vs_bypass.min_p99_gain)\n",
			(long long)json_integer_value(json_object_get(s, "min_p99_gain")));
}

const struct verify_mode_def verify_mode_sweep = {
	.name = "sweep",
	.cores = VC_ONE,
	.other_end = true,
	.dpdk_processes = 1,
	.opts = VO_BIT(VO_IFACE) | VO_BIT(VO_RATE) | VO_BIT(VO_BUSY_POLL) | VO_BIT(VO_RATES) | VO_BIT(VO_SIZES),
	.roles = (const char *const[]){ "poller", NULL },
	.passes = 2 * (NDEFAULT_RATES + NDEFAULT_SIZES),
	.default_rate = 100000,
	.check = check,
	.run = run,
	.render = render,
};
