/* verify: core and memory picking, target verdicts on canned poller output, counter parsing and deltas, latency summaries. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checktest.h"
#include "util.h"
#include "run.h"
#include "verify.h"
#include "verify_cause.h"
#include "render.h"
#include "schema.h"

/* The fixture host and tests/fixtures/profiles/base.ini plus extra, without running any check. */
struct world {
	struct sysroot sr;
	struct host host;
	struct profile prof;
};

static void world_load(struct fx *fx, const char *extra, struct world *w)
{
	char path[PATH_MAX], *base, *text;
	struct profile_error err;
	FILE *fp;
	size_t len;

	snprintf(path, sizeof(path), "%s/tests/fixtures/profiles/base.ini", TEST_SRCDIR);
	fp = fopen(path, "r");
	assert_non_null(fp);
	base = calloc(1, 65536);
	len = fread(base, 1, 65535, fp);
	base[len] = '\0';
	fclose(fp);
	text = xasprintf("%s\n%s", base, extra ? extra : "");
	free(base);
	assert_int_equal(sysroot_open(&w->sr, fx->dir), 0);
	host_load(&w->host, &w->sr);
	assert_int_equal(profile_load_string(&w->prof, text, "fixture-base.ini", &err), 0);
	assert_int_equal(profile_resolve(&w->prof, &w->host, &err), 0);
	free(text);
}

static void world_free(struct world *w)
{
	profile_free(&w->prof);
	host_free(&w->host);
	sysroot_close(&w->sr);
}

static const char *extra_ini;

static const char *pick(struct fx *fx, enum verify_mode m, const char *want, struct verify_plan *pl)
{
	static char out[128], why[256];
	struct world wd;
	struct cpuset w;
	size_t off = 0;
	int rc;

	world_load(fx, extra_ini, &wd);
	cpuset_parse(&w, want ? want : "");
	rc = verify_plan_make(&wd.host, &wd.prof, m, &w, pl, why, sizeof(why));
	world_free(&wd);
	if (rc < 0)
		return why;
	out[0] = '\0';
	for (int i = 0; i < pl->ncores; i++)
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%d", i ? "," : "", pl->cores[i]);
	return out;
}

/* The base fixture isolates 2-3,6-7 (node 0: 0-3, node 1: 4-7); housekeeping 0-1,4-5. */
static void test_pick_isolated_cores(void **state)
{
	struct verify_plan pl;
	struct fx fx;

	(void)state;
	fx_init(&fx, "base");
	/* 2 and 3 are SMT siblings: the generator goes to a housekeeping cpu of the same node instead. */
	assert_string_equal(pick(&fx, VM_LOOPBACK, NULL, &pl), "0,2");
	assert_true(pl.borrowed_housekeeping);
	assert_string_equal(pick(&fx, VM_IDLE, NULL, &pl), "2,3");
	assert_string_equal(pick(&fx, VM_PORT, NULL, &pl), "2");
	assert_int_equal(pl.node, 0);
	assert_int_equal(pl.hugepage_kb, 1048576);
	assert_int_equal(pl.pages, 1);
	assert_int_equal(pl.socket_mem_mb, 1024);
	{
		char sm[32];

		assert_string_equal(pick(&fx, VM_IDLE, "6-7", &pl), "6,7");
		assert_int_equal(pl.node, 1);
		assert_string_equal(verify_socket_mem(&pl, sm, sizeof(sm)), "0,1024");
		/* Generator on node 0, poller on node 1: both nodes get memory, and it is said. */
		assert_string_equal(pick(&fx, VM_LOOPBACK, "2,6", &pl), "2,6");
		assert_string_equal(verify_socket_mem(&pl, sm, sizeof(sm)), "1024,1024");
		assert_non_null(strstr(pl.notes[0], "different NUMA nodes"));
	}
	fx_done(&fx);
}

static void test_pick_user_errors(void **state)
{
	struct verify_plan pl;
	struct fx fx;

	(void)state;
	fx_init(&fx, "base");
	assert_non_null(strstr(pick(&fx, VM_LOOPBACK, "2", &pl), "exactly 2 cpus"));
	assert_non_null(strstr(pick(&fx, VM_PORT, "2-3", &pl), "polls on 1 cpu"));
	assert_non_null(strstr(pick(&fx, VM_IDLE, "2,100", &pl), "cpu 100 is not online"));
	/* A housekeeping cpu named by the user is used, and said. */
	assert_string_equal(pick(&fx, VM_IDLE, "0", &pl), "0");
	assert_int_equal(pl.nnotes, 1);
	assert_non_null(strstr(pl.notes[0], "housekeeping"));
	fx_done(&fx);
}

/* One isolated cpu: the loopback generator borrows a housekeeping cpu, never the poller's sibling. */
static void test_pick_borrowed_generator(void **state)
{
	struct verify_plan pl;
	struct fx fx;

	(void)state;
	fx_init(&fx, "base");
	extra_ini = "[cpu]\nisolated_cores = 3\nhousekeeping_cores = 0-2,4-7\n";
	assert_string_equal(pick(&fx, VM_LOOPBACK, NULL, &pl), "0,3");
	assert_true(pl.borrowed_housekeeping);
	assert_non_null(strstr(pl.notes[0], "generator on housekeeping cpu 0"));
	assert_string_equal(pick(&fx, VM_IDLE, NULL, &pl), "3");
	assert_string_equal(pick(&fx, VM_KVB, NULL, &pl), "3");
	assert_int_equal(pl.sender_cpu, 0);
	extra_ini = NULL;
	fx_done(&fx);
}

static const char *poller_doc =
	"{\"schema\": \"tickready.verify/1\", \"mode\": \"loopback\", \"streams\": [{\"name\": \"loopback\","
	" \"sent\": 100, \"received\": 100, \"dropped\": 0, \"duplicated\": 0, \"foreign\": 0, \"latency_measured\": true, \"p50_ns\": 90,"
	" \"p90_ns\": 120, \"p99_ns\": 2104, \"p999_ns\": 38000, \"p9999_ns\": 75000, \"max_ns\": 91000}],"
	" \"cores\": [{\"cpu\": 0, \"max_gap_ns\": 2000}, {\"cpu\": 1, \"max_gap_ns\": 92160}]}";

static int targets_for(const char *ini, enum verify_mode m, const char *doc_text, struct verify_target *t)
{
	struct profile p;
	struct profile_error err;
	json_t *doc = json_loads(doc_text, 0, NULL);
	int n;

	assert_int_equal(profile_load_string(&p, ini, "test", &err), 0);
	n = verify_targets(&p, m, doc, t, VERIFY_MAX_TARGETS);
	json_decref(doc);
	profile_free(&p);
	return n;
}

static void test_targets_loopback(void **state)
{
	struct verify_target t[VERIFY_MAX_TARGETS];

	(void)state;
	assert_int_equal(targets_for("[targets]\nloopback.p99_ns = 2000\nloopback.p9999_ns = 100000\nidle.max_gap_us = 20\n",
				     VM_LOOPBACK, poller_doc, t), 3);
	assert_string_equal(t[0].name, "loopback.p99_ns");
	assert_int_equal(t[0].verdict, TV_FAIL);
	assert_true(t[0].observed == 2104);
	assert_int_equal(t[1].verdict, TV_PASS);
	/* Drops are judged with no key set: max_drop_ppm defaults to 0. */
	assert_string_equal(t[2].name, "max_drop_ppm[loopback]");
	assert_int_equal(t[2].verdict, TV_PASS);
	/* A target nobody can meet. */
	assert_int_equal(targets_for("[targets]\nloopback.p99_ns = 1\n", VM_LOOPBACK, poller_doc, t), 2);
	assert_int_equal(t[0].verdict, TV_FAIL);
}

static void test_targets_idle_and_errors(void **state)
{
	struct verify_target t[VERIFY_MAX_TARGETS];

	(void)state;
	assert_int_equal(targets_for("[targets]\nidle.max_gap_us = 100\n", VM_IDLE, poller_doc, t), 1);
	assert_int_equal(t[0].verdict, TV_PASS);
	assert_int_equal(t[0].cpu, 1);
	assert_true(t[0].observed > 92.1 && t[0].observed < 92.2);
	assert_int_equal(targets_for("[targets]\nidle.max_gap_us = 50\n", VM_IDLE, poller_doc, t), 1);
	assert_int_equal(t[0].verdict, TV_FAIL);
	assert_int_equal(targets_for("[targets]\nidle.max_gap_us = 50\n", VM_IDLE, "{\"schema\": \"other\"}", t), -EINVAL);
	/* No stamped packets: the latency target fails as not measured, the rate target is judged; nothing
	 * sent fails the drop target (nothing to judge is not a pass). */
	assert_int_equal(targets_for("[targets]\nport.p99_ns = 100\nport.min_mpps = 1\n", VM_PORT,
				     "{\"schema\": \"tickready.verify/1\", \"streams\": [{\"name\": \"port-rx\", \"mpps\": 3.5,"
				     " \"latency_measured\": false, \"sent\": 0, \"dropped\": 0}]}", t), 3);
	assert_int_equal(t[0].verdict, TV_PASS);
	assert_int_equal(t[1].verdict, TV_FAIL);
	assert_true(t[1].missing);
	assert_non_null(strstr(t[1].why, "not measured"));
	assert_int_equal(t[2].verdict, TV_FAIL);
	assert_true(t[2].missing);
}

static void test_targets_gain(void **state)
{
	struct verify_target t[VERIFY_MAX_TARGETS];
	const char *doc = "{\"schema\": \"tickready.verify/1\", \"streams\": ["
			  "{\"name\": \"bypass\", \"latency_measured\": true, \"p99_ns\": 5000},"
			  "{\"name\": \"kernel\", \"latency_measured\": true, \"p99_ns\": 60000}]}";

	(void)state;
	/* Plus one drop target per stream (failing here: the streams carry no counts). */
	assert_int_equal(targets_for("[targets]\nkernel_vs_bypass.min_p99_gain = 10\n", VM_KVB, doc, t), 3);
	assert_true(t[1].missing && t[2].missing);
	assert_int_equal(t[0].verdict, TV_PASS);
	assert_true(t[0].observed == 12);
	assert_int_equal(targets_for("[targets]\nkernel_vs_bypass.min_p99_gain = 13\n", VM_KVB, doc, t), 3);
	assert_int_equal(t[0].verdict, TV_FAIL);
}

/* The bypass path slower than the kernel is NOT READY even when the profile names no gain. */
static void test_targets_bypass_slower(void **state)
{
	struct verify_target t[VERIFY_MAX_TARGETS];
	const char *doc = "{\"schema\": \"tickready.verify/1\", \"streams\": ["
			  "{\"name\": \"bypass\", \"latency_measured\": true, \"p99_ns\": 81790000, \"sent\": 30000,"
			  " \"received\": 30000, \"dropped\": 0, \"duplicated\": 0, \"foreign\": 13},"
			  "{\"name\": \"kernel\", \"latency_measured\": true, \"p99_ns\": 6450000, \"sent\": 30000,"
			  " \"received\": 30000, \"dropped\": 0, \"duplicated\": 0, \"foreign\": 0}]}";

	(void)state;
	assert_int_equal(targets_for("[profile]\nname = x\n", VM_KVB, doc, t), 3);
	assert_string_equal(t[0].name, "kernel_vs_bypass.min_p99_gain");
	assert_int_equal(t[0].want, 1);
	assert_int_equal(t[0].verdict, TV_FAIL);
	assert_non_null(strstr(t[0].why, "the bypass path is slower"));
	assert_int_equal(t[1].verdict, TV_PASS);
	assert_int_equal(t[2].verdict, TV_PASS);
}

/* pingpong judged only the P99 ratio: a DPDK P99.9 of 8 ms and a max of 52 ms passed. */
static void test_targets_pingpong_tail(void **state)
{
	struct verify_target t[VERIFY_MAX_TARGETS];
	const char *doc = "{\"schema\": \"tickready.verify/1\", \"streams\": ["
			  "{\"name\": \"dpdk\", \"latency_measured\": true, \"p99_ns\": 9000, \"p999_ns\": 8000000,"
			  " \"max_ns\": 52000000, \"sent\": 1000, \"received\": 1000, \"dropped\": 0, \"duplicated\": 0},"
			  "{\"name\": \"kernel\", \"latency_measured\": true, \"p99_ns\": 30000, \"p999_ns\": 60000,"
			  " \"max_ns\": 90000, \"sent\": 1000, \"received\": 1000, \"dropped\": 0, \"duplicated\": 0}]}";
	int n;

	(void)state;
	n = targets_for("[targets]\npingpong.p999_ns = 50000\npingpong.max_ns = 1000000\n", VM_PINGPONG, doc, t);
	assert_int_equal(n, 5);
	assert_string_equal(t[0].name, "kernel_vs_bypass.min_p99_gain");
	assert_int_equal(t[0].verdict, TV_PASS);
	assert_string_equal(t[1].name, "pingpong.p999_ns");
	assert_int_equal(t[1].verdict, TV_FAIL);
	assert_true(t[1].observed == 8000000);
	assert_string_equal(t[2].name, "pingpong.max_ns");
	assert_int_equal(t[2].verdict, TV_FAIL);
	/* The shipped profiles bound the tail. */
	{
		struct profile p;
		struct profile_error err;
		long v;

		assert_int_equal(profile_load(&p, "hft-balanced", &err), 0);
		assert_int_equal(profile_long(&p, PK_T_PINGPONG_P999, &v), 0);
		assert_int_equal(profile_long(&p, PK_T_PINGPONG_MAX, &v), 0);
		assert_int_equal(profile_long(&p, PK_T_FEEDS_P999, &v), 0);
		profile_free(&p);
	}
}

/*
 * A target whose key the poller did not write fails naming the key. The old reader took a
 * missing key for 0, so a renamed p99_ns passed with "observed 0".
 */
static void test_targets_missing_key(void **state)
{
	struct verify_target t[VERIFY_MAX_TARGETS];
	const char *renamed = "{\"schema\": \"tickready.verify/1\", \"streams\": [{\"name\": \"loopback\","
			      " \"sent\": 10, \"received\": 10, \"dropped\": 0, \"duplicated\": 0, \"foreign\": 0,"
			      " \"latency_measured\": true, \"p99\": 90}], \"cores\": [{\"cpu\": 1}]}";

	(void)state;
	assert_int_equal(targets_for("[targets]\nloopback.p99_ns = 2000\n", VM_LOOPBACK, renamed, t), 2);
	assert_int_equal(t[0].verdict, TV_FAIL);
	assert_true(t[0].missing);
	assert_non_null(strstr(t[0].why, "'p99_ns'"));
	/* Idle: a core without max_gap_ns. */
	assert_int_equal(targets_for("[targets]\nidle.max_gap_us = 20\n", VM_IDLE, renamed, t), 1);
	assert_int_equal(t[0].verdict, TV_FAIL);
	assert_non_null(strstr(t[0].why, "'max_gap_ns'"));
	/* No stream at all. */
	assert_int_equal(targets_for("[targets]\nport.p99_ns = 100\n", VM_PORT, renamed, t), 2);
	assert_int_equal(t[0].verdict, TV_FAIL);
	assert_non_null(strstr(t[0].why, "'port-rx'"));
	/* The TSC offset target with no offset measured. */
	assert_int_equal(targets_for("[targets]\nmax_tsc_skew_ns = 100\n", VM_LOOPBACK, renamed, t), 2);
	assert_string_equal(t[1].name, "max_tsc_skew_ns");
	assert_int_equal(t[1].verdict, TV_FAIL);
	assert_true(t[1].missing);
}

static void test_targets_drops_skew_ticks(void **state)
{
	struct verify_target t[VERIFY_MAX_TARGETS];
	const char *doc = "{\"schema\": \"tickready.verify/1\", \"tsc_offset_measured\": true, \"tsc_offset_ns\": -340,"
			  " \"tsc_offset_rtt_ns\": 60, \"streams\": [{\"name\": \"loopback\", \"sent\": 1000000,"
			  " \"received\": 999990, \"dropped\": 12, \"duplicated\": 2, \"foreign\": 0, \"latency_measured\": true,"
			  " \"p99_ns\": 100}], \"ticks\": [{\"cpu\": 2, \"timer_irqs\": 4, \"seconds\": 2.0, \"per_s\": 2.0},"
			  " {\"cpu\": 3, \"timer_irqs\": 2000, \"seconds\": 2.0, \"per_s\": 1000.0}]}";

	(void)state;
	/* 12 per million dropped: fails the default 0, passes 20. */
	assert_int_equal(targets_for("[profile]\nname = x\n", VM_LOOPBACK, doc, t), 1);
	assert_int_equal(t[0].verdict, TV_FAIL);
	assert_true(t[0].observed == 12);
	assert_int_equal(targets_for("[targets]\nmax_drop_ppm = 20\nmax_tsc_skew_ns = 300\n", VM_LOOPBACK, doc, t), 2);
	assert_int_equal(t[0].verdict, TV_PASS);
	/* |-340| > 300. */
	assert_string_equal(t[1].name, "max_tsc_skew_ns");
	assert_true(t[1].observed == 340);
	assert_int_equal(t[1].verdict, TV_FAIL);
	/* Ticks per isolated core: the deadline-server core at 1000/s fails, the quiet one passes. */
	assert_int_equal(targets_for("[targets]\nidle.max_timer_irqs_per_s = 10\n", VM_IDLE, doc, t), 2);
	assert_string_equal(t[0].name, "idle.max_timer_irqs_per_s[cpu2]");
	assert_int_equal(t[0].verdict, TV_PASS);
	assert_int_equal(t[1].cpu, 3);
	assert_int_equal(t[1].verdict, TV_FAIL);
}

/* A saved idle document judged against ini: its verdict keys. */
static json_t *judged_idle(const char *ini)
{
	struct profile p;
	struct profile_error err;
	char why[256];
	json_t *doc = json_loads("{\"schema\": \"tickready.verify/1\", \"mode\": \"idle\", \"ready\": true,"
				 " \"cores\": [{\"cpu\": 1, \"max_gap_ns\": 92160}]}", 0, NULL);

	assert_int_equal(profile_load_string(&p, ini, "test", &err), 0);
	assert_int_equal(verify_judge_saved(&p, doc, why, sizeof(why)), 0);
	profile_free(&p);
	return doc;
}

/* A verdict passes only what was measured: no target passed or failed is NOT JUDGED, never READY. */
static void test_verdict_nothing_judged(void **state)
{
	struct verify_target t[3] = { { .verdict = TV_SKIP }, { .verdict = TV_PASS }, { .verdict = TV_FAIL } };
	json_t *doc;

	(void)state;
	assert_int_equal(verify_verdict_of(t, 0), VV_NOT_JUDGED);
	assert_int_equal(verify_verdict_of(t, 1), VV_NOT_JUDGED);
	assert_int_equal(verify_verdict_of(t, 2), VV_READY);
	assert_int_equal(verify_verdict_of(t, 3), VV_NOT_READY);
	/* A profile with no idle target: the saved document's own "ready": true is not kept. */
	doc = judged_idle("[profile]\nname = quiet\n");
	assert_true(json_is_false(json_object_get(doc, "ready")));
	assert_string_equal(json_string_value(json_object_get(doc, "verdict")), "not-judged");
	assert_string_equal(json_string_value(json_object_get(doc, "not_judged")),
			    "no target of profile 'quiet' applies to idle mode");
	assert_int_equal(json_array_size(json_object_get(doc, "targets")), 0);
	json_decref(doc);
	doc = judged_idle("[profile]\nname = gaps\n[targets]\nidle.max_gap_us = 100\n");
	assert_true(json_is_true(json_object_get(doc, "ready")));
	assert_string_equal(json_string_value(json_object_get(doc, "verdict")), "ready");
	assert_true(json_is_null(json_object_get(doc, "not_judged")));
	json_decref(doc);
	doc = judged_idle("[profile]\nname = gaps\n[targets]\nidle.max_gap_us = 50\n");
	assert_string_equal(json_string_value(json_object_get(doc, "verdict")), "not-ready");
	assert_string_equal(json_string_value(json_object_get(doc, "failed")), "idle.max_gap_us");
	json_decref(doc);
}

static int counts_ok(const char *text, char *why, size_t len)
{
	json_t *doc = json_loads(text, 0, NULL);
	int rc = verify_check_counts(doc, why, len);

	json_decref(doc);
	return rc;
}

/* received <= sent + duplicated, dropped = sent - (received - duplicated), and every count present. */
static void test_check_counts(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(counts_ok("{\"streams\": [{\"name\": \"k\", \"sent\": 30000, \"received\": 30002, \"dropped\": 0,"
				   " \"duplicated\": 2, \"foreign\": 13}]}", why, sizeof(why)), 0);
	/* The reported "sent 30,000, received 30,013" with no duplicates. */
	assert_int_equal(counts_ok("{\"streams\": [{\"name\": \"bypass\", \"sent\": 30000, \"received\": 30013,"
				   " \"dropped\": 0, \"duplicated\": 0, \"foreign\": 0}]}", why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "received 30013 > sent 30000"));
	assert_int_equal(counts_ok("{\"streams\": [{\"name\": \"k\", \"sent\": 100, \"received\": 90, \"dropped\": 0,"
				   " \"duplicated\": 0, \"foreign\": 0}]}", why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "dropped 0"));
	assert_int_equal(counts_ok("{\"streams\": [{\"name\": \"k\", \"sent\": 100, \"received\": 100, \"dropped\": 0}]}",
				   why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "'duplicated'"));
}

static const char *irq_before =
	"           CPU0       CPU1       \n"
	" 36:          0     218640 PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n"
	" 41:       2924          0 PCI-MSIX-0000:00:04.0   1-edge      virtio3-rx\n"
	"NMI:          0          0   Non-maskable interrupts\n"
	"LOC:      83434      83893   Local timer interrupts\n"
	"ERR:          0\n";
static const char *irq_after =
	"           CPU0       CPU1       \n"
	" 36:          0     218640 PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n"
	" 41:       2924          3 PCI-MSIX-0000:00:04.0   1-edge      virtio3-rx\n"
	"NMI:          0          0   Non-maskable interrupts\n"
	"LOC:      83434      85133   Local timer interrupts\n"
	"ERR:          0\n";

static void test_cause_interrupts(void **state)
{
	struct cause_snap a = { 0 }, b = { 0 };
	struct cause_report r;
	struct cause_cpu_snap ca = { .cpu = 1 }, cb = { .cpu = 1 };
	int cpus[] = { 1 };
	char buf[256];

	(void)state;
	a.ncpus = b.ncpus = 1;
	a.cpus = &ca;
	b.cpus = &cb;
	assert_int_equal(cause_parse_counters(irq_before, false, cpus, 1, &a.irq), 0);
	assert_int_equal(cause_parse_counters(irq_after, false, cpus, 1, &b.irq), 0);
	a.has_irq = b.has_irq = true;
	assert_int_equal(a.irq.n, 5);
	assert_string_equal(a.irq.v[1].what, "IRQ 41 (virtio3-rx)");
	assert_int_equal(cause_diff(&a, &b, NULL, &r), 0);
	assert_int_equal(r.cpus[0].nirq, 2);
	assert_string_equal(cause_cpu_summary(&r.cpus[0], 4, buf, sizeof(buf)),
			    "1,240 local timer interrupts, 3 IRQ 41 (virtio3-rx)");
	cause_report_free(&r);
	cause_lines_free(&a.irq);
	cause_lines_free(&b.irq);
	assert_int_equal(cause_parse_counters("no header\n", false, cpus, 1, &a.irq), -EINVAL);
}

static void test_cause_softirqs_offline_column(void **state)
{
	struct cause_lines l;
	int cpus[] = { 3, 9 };	/* cpu 9 has no column: offline */

	(void)state;
	assert_int_equal(cause_parse_counters("                    CPU0       CPU1       CPU3\n"
					      "          HI:          1          2          3\n"
					      "       TIMER:      27061      25329        500\n", true, cpus, 2, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[1].what, "softirq TIMER");
	assert_true(l.v[1].count[0] == 500);
	assert_true(l.v[1].count[1] == 0);
	cause_lines_free(&l);
}

static void test_thousands(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(cause_thousands(0, b, sizeof(b)), "0");
	assert_string_equal(cause_thousands(999, b, sizeof(b)), "999");
	assert_string_equal(cause_thousands(1240, b, sizeof(b)), "1,240");
	assert_string_equal(cause_thousands(1234567, b, sizeof(b)), "1,234,567");
}

/* A stream's rate in a unit that shows its figure: 10 kpps is not "0.010 Mpps", 0.5 kpps not "0.001 Mpps". */
static void test_stream_rate_unit(void **state)
{
	static const struct { double mpps; const char *want; } cases[] = {
		{ 0.010, ", 10.0 kpps\n" }, { 0.00142, ", 1.4 kpps\n" }, { 0.0005, ", 500 pps\n" }, { 2.5, ", 2.500 Mpps\n" },
		{ 0.9999, ", 999.9 kpps\n" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *stream = json_object(), *doc = json_object();
		char *text = NULL;
		size_t len;
		FILE *f = open_memstream(&text, &len);

		json_object_set_new(stream, vs_key(VK_NAME), json_string("kernel"));
		json_object_set_new(stream, vs_key(VK_MPPS), json_real(cases[i].mpps));
		json_object_set_new(doc, vs_key(VK_STREAMS), json_pack("[o]", stream));
		verify_print_streams(f, doc);
		fclose(f);
		if (!strstr(text, cases[i].want))
			fail_msg("%g Mpps printed as: %s (wanted '%s')", cases[i].mpps, text, cases[i].want);
		free(text);
		json_decref(doc);
	}
}

static void test_lat_summary(void **state)
{
	uint64_t v[1000];
	struct lat_summary s;
	json_t *o;

	(void)state;
	for (int i = 0; i < 1000; i++)
		v[i] = (uint64_t)(1000 - i);	/* 1..1000, reversed */
	lat_summarize(v, 1000, &s);
	assert_true(s.p50 == 500 && s.p90 == 900 && s.p99 == 990 && s.p999 == 999 && s.p9999 == 1000);
	assert_true(s.max == 1000 && s.min == 1);
	assert_true(s.mean > 500.4 && s.mean < 500.6);
	assert_true(s.stdev > 288.6 && s.stdev < 288.7);
	/* 1,002 of ours (2 duplicated, 2 negative), 7 foreign, 1,005 sent: 5 never came. */
	o = lat_stream_json("kernel", v, 1000,
			    &(struct stream_counts){ .sent = 1005, .received = 1002, .duplicated = 2, .foreign = 7, .negative = 2 },
			    1.0);
	assert_int_equal(json_integer_value(json_object_get(o, "received")), 1002);
	assert_int_equal(json_integer_value(json_object_get(o, "dropped")), 5);
	assert_int_equal(json_integer_value(json_object_get(o, "duplicated")), 2);
	assert_int_equal(json_integer_value(json_object_get(o, "foreign")), 7);
	{
		json_int_t total = 0;
		size_t i;
		json_t *b;

		json_array_foreach(json_object_get(o, "histogram"), i, b)
			total += json_integer_value(json_array_get(b, 1));
		assert_int_equal(total, 1000);
	}
	json_decref(o);
	lat_summarize(v, 0, &s);
	assert_true(s.count == 0 && s.max == 0);
}

/* n children that wait for a signal, tracked by verify: cleanup must stop and reap every one. */
static void children_stopped(int n)
{
	struct verify_run *r = xcalloc(1, sizeof(*r));
	volatile sig_atomic_t stop = 0;
	pid_t pids[VERIFY_CHILDREN_FIRST + 1];
	int left = 0, tracked, rc;

	r->stop = &stop;
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			for (;;)
				pause();
		}
		verify_child_add(r, pids[i]);
	}
	tracked = r->nchildren;
	rc = verify_run_cleanup(r);
	/* Reaped by cleanup: no such process any more. A child it missed is killed here, then counted. */
	for (int i = 0; i < n; i++) {
		if (kill(pids[i], 0) == 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			left++;
		}
	}
	assert_int_equal(r->nchildren, 0);
	verify_run_free(r);
	free(r);
	assert_int_equal(tracked, n);
	assert_int_equal(rc, 0);
	assert_int_equal(left, 0);
}

/* The list's first room exactly, and one past it (where a fixed array once dropped the child silently). */
static void test_children_at_and_past_first_room(void **state)
{
	(void)state;
	children_stopped(VERIFY_CHILDREN_FIRST);
	children_stopped(VERIFY_CHILDREN_FIRST + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_isolated_cores),
		cmocka_unit_test(test_pick_user_errors),
		cmocka_unit_test(test_pick_borrowed_generator),
		cmocka_unit_test(test_targets_loopback),
		cmocka_unit_test(test_targets_idle_and_errors),
		cmocka_unit_test(test_targets_gain),
		cmocka_unit_test(test_targets_bypass_slower),
		cmocka_unit_test(test_targets_pingpong_tail),
		cmocka_unit_test(test_targets_missing_key),
		cmocka_unit_test(test_targets_drops_skew_ticks),
		cmocka_unit_test(test_verdict_nothing_judged),
		cmocka_unit_test(test_check_counts),
		cmocka_unit_test(test_cause_interrupts),
		cmocka_unit_test(test_cause_softirqs_offline_column),
		cmocka_unit_test(test_thousands),
		cmocka_unit_test(test_lat_summary),
		cmocka_unit_test(test_stream_rate_unit),
		cmocka_unit_test(test_children_at_and_past_first_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
