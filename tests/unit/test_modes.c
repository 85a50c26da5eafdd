/* verify's mode table (verify/mode.h): every row complete and consistent, and `tickready verify` taking its modes and options from it. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"
#include "mode.h"
#include "util.h"

static void test_rows_complete(void **state)
{
	(void)state;
	for (int m = 0; m < VM_COUNT; m++) {
		const struct verify_mode_def *md = verify_modes[m];
		enum verify_mode parsed;
		int nroles = 0;

		assert_non_null(md);
		assert_true(md->name && md->name[0]);
		for (int k = 0; k < m; k++)
			assert_string_not_equal(md->name, verify_modes[k]->name);
		assert_int_equal(verify_mode_parse(md->name, &parsed), 0);
		assert_int_equal(parsed, m);
		assert_non_null(md->run);
		assert_non_null(md->render);
		assert_true(md->passes >= 1);
		assert_true(md->dpdk_processes >= 1);
		assert_int_equal(md->opts & ~(VO_BIT(VO_COUNT) - 1), 0);
		if (md->opts & VO_BIT(VO_RATE))
			assert_true(md->default_rate > 0);
		assert_non_null(md->roles);
		while (md->roles[nroles])
			nroles++;
		/* A pair names its generator and its poller; every other rule one role for all its cpus. */
		assert_int_equal(nroles, md->cores == VC_PAIR ? 2 : 1);
		assert_string_equal(verify_mode_role((enum verify_mode)m, 5), md->roles[nroles - 1]);
	}
	/* Every mode-specific option is taken by some mode. */
	for (int vo = 0; vo < VO_COUNT; vo++) {
		unsigned all = 0;

		for (int m = 0; m < VM_COUNT; m++)
			all |= verify_modes[m]->opts;
		assert_true(all & VO_BIT(vo));
		assert_int_equal(verify_opt_find(verify_opt_names[vo]), vo);
	}
	assert_int_equal(verify_opt_find("duration"), -1);
}

/* cmd_verify with args; what it printed to fd (1 or 2) into out. Returns its exit status. */
static int run_verify(int fd, char *out, size_t size, ...)
{
	char *argv[16] = { "verify" }, path[] = "/tmp/test_modes.XXXXXX";
	int argc = 1, tmp = mkstemp(path), saved = dup(fd), rc;
	ssize_t n;
	va_list ap;

	assert_true(tmp >= 0 && saved >= 0);
	unlink(path);
	va_start(ap, size);
	for (char *a; (a = va_arg(ap, char *)) && argc < 15;)
		argv[argc++] = a;
	va_end(ap);
	fflush(fd == 1 ? stdout : stderr);
	dup2(tmp, fd);
	rc = cmd_verify(argc, argv);
	fflush(fd == 1 ? stdout : stderr);
	dup2(saved, fd);
	close(saved);
	n = pread(tmp, out, size - 1, 0);
	close(tmp);
	out[n > 0 ? n : 0] = '\0';
	return rc;
}

static void test_usage_lists_every_mode(void **state)
{
	char out[16384], want[256];
	size_t off = 0;

	(void)state;
	assert_int_equal(run_verify(1, out, sizeof(out), "--help", NULL), EXIT_READY);
	for (int m = 0; m < VM_COUNT; m++)
		off += (size_t)snprintf(want + off, sizeof(want) - off, "%s%s", m ? "|" : "", verify_modes[m]->name);
	assert_non_null(strstr(out, want));	/* the synopsis */
	for (int m = 0; m < VM_COUNT; m++) {
		/* --mode's own row in the options, after the synopsis (its argument names the modes too) */
		const char *opts = strstr(out, "\noptions:\n"), *line = opts ? strstr(opts, "--mode ") : NULL;

		assert_non_null(line);
		snprintf(want, sizeof(want), "%s%s", verify_modes[m]->name, m == VM_DEFAULT ? " (default)" : "");
		assert_non_null(strstr(line, want));
	}
	for (int vo = 0; vo < VO_COUNT; vo++) {
		snprintf(want, sizeof(want), "--%s", verify_opt_names[vo]);
		assert_non_null(strstr(out, want));
	}
	assert_int_equal(run_verify(2, out, sizeof(out), "--mode", "bogus", NULL), EXIT_ERROR);
	for (int m = 0; m < VM_COUNT; m++)
		assert_non_null(strstr(out, verify_modes[m]->name));
}

/* A well-formed value of each mode-specific option: its refusal must come from the row, not the value. */
static const char *const sample[VO_COUNT] = {
	[VO_PEER] = "198.18.0.9", [VO_PEER_MAC] = "02:00:00:00:00:01", [VO_UDP_PORT] = "9001",
	[VO_SCENARIO] = "single", [VO_PORT] = "0000:00:01.0", [VO_VDEV] = "net_null0", [VO_IFACE] = "veth0",
	[VO_RATE] = "1000", [VO_BUSY_POLL] = "10", [VO_RATES] = "10000,100000", [VO_SIZES] = "64,1500",
};

/* Each option a row does not take is refused with one message shape naming the modes that do. */
static void test_options_refused_by_the_row(void **state)
{
	char out[4096], want[256], opt[32], names[200];

	(void)state;
	for (int vo = 0; vo < VO_COUNT; vo++) {
		assert_non_null(sample[vo]);
		snprintf(opt, sizeof(opt), "--%s", verify_opt_names[vo]);
		for (int m = 0; m < VM_COUNT; m++) {
			/* Taken, or it makes another mode run (kernel-vs-bypass --rates: test_kvb_runs_sweep). */
			if ((verify_modes[m]->opts & VO_BIT(vo)) || (int)verify_mode_effective((enum verify_mode)m, VO_BIT(vo)) != m)
				continue;
			assert_int_equal(run_verify(2, out, sizeof(out), "--mode", (char *)verify_modes[m]->name, opt,
						    (char *)sample[vo], NULL), EXIT_ERROR);
			snprintf(want, sizeof(want), "verify: --%s only applies to --mode %s\n", verify_opt_names[vo],
				 verify_mode_names(vo, false, names, sizeof(names)));
			assert_string_equal(out + strlen("tickready: "), want);
		}
	}
}

/* sweep's lists: each value in range, at most VERIFY_MAX_SWEEP of them, none empty; the message names the value. */
static void test_sweep_lists(void **state)
{
	char out[4096];

	(void)state;
	assert_int_equal(run_verify(2, out, sizeof(out), "--mode", "sweep", "--sizes", "64,32", NULL), EXIT_ERROR);
	assert_string_equal(out, "tickready: verify: invalid value '32' in --sizes '64,32' (64 to 1500 bytes, the IP packet's "
			    "size: 1500 is the MTU, the UDP payload 28 less)\n");
	assert_int_equal(run_verify(2, out, sizeof(out), "--mode", "sweep", "--sizes", "64,1501", NULL), EXIT_ERROR);
	assert_string_equal(out, "tickready: verify: invalid value '1501' in --sizes '64,1501' (64 to 1500 bytes, the IP "
			    "packet's size: 1500 is the MTU, the UDP payload 28 less)\n");
	assert_int_equal(run_verify(2, out, sizeof(out), "--mode", "sweep", "--rates", "10000,x", NULL), EXIT_ERROR);
	assert_string_equal(out, "tickready: verify: invalid value 'x' in --rates '10000,x' (1 to 10000000)\n");
	assert_int_equal(run_verify(2, out, sizeof(out), "--mode", "sweep", "--rates", "1,2,3,4,5,6,7,8,9,10,11,12,13",
				    NULL), EXIT_ERROR);
	assert_string_equal(out, "tickready: verify: at most 12 values in --rates '1,2,3,4,5,6,7,8,9,10,11,12,13'\n");
	assert_int_equal(run_verify(2, out, sizeof(out), "--mode", "sweep", "--rates", ",", NULL), EXIT_ERROR);
	assert_string_equal(out, "tickready: verify: empty --rates\n");
	assert_int_equal(run_verify(2, out, sizeof(out), "--mode", "sweep", "--rate", "0", NULL), EXIT_ERROR);
	assert_string_equal(out, "tickready: verify: sweep measures its sizes at a bounded --rate (1 or more packets "
			    "per second)\n");
}

/*
 * kernel-vs-bypass with --rates or --sizes runs the sweep (the command line); without them it stays
 * itself. Each case stops at an option check, before anything runs: sweep's --rate 0 message shows which mode checked.
 */
static void test_kvb_runs_sweep(void **state)
{
	char out[4096];

	(void)state;
	assert_int_equal(verify_mode_effective(VM_KVB, VO_BIT(VO_RATES)), VM_SWEEP);
	assert_int_equal(verify_mode_effective(VM_KVB, VO_BIT(VO_SIZES) | VO_BIT(VO_RATE)), VM_SWEEP);
	assert_int_equal(verify_mode_effective(VM_KVB, VO_BIT(VO_RATE) | VO_BIT(VO_BUSY_POLL)), VM_KVB);
	assert_int_equal(verify_mode_effective(VM_SWEEP, 0), VM_SWEEP);
	assert_int_equal(verify_mode_effective(VM_LOOPBACK, VO_BIT(VO_RATES)), VM_LOOPBACK);
	assert_int_equal(run_verify(2, out, sizeof(out), "--mode", "kernel-vs-bypass", "--rates", "10000,100000,500000",
				    "--sizes", "64,1500", "--rate", "0", NULL), EXIT_ERROR);
	assert_string_equal(out, "tickready: verify: sweep measures its sizes at a bounded --rate (1 or more packets "
			    "per second)\n");
	assert_int_equal(run_verify(2, out, sizeof(out), "--mode", "kernel-vs-bypass", "--rates", "10000,100000,500000",
				    "--sizes", "64,1500", "--format", "xml", NULL), EXIT_ERROR);
	assert_string_equal(out, "tickready: verify: unknown format 'xml' (text or json)\n");
	assert_int_equal(run_verify(2, out, sizeof(out), "--mode", "kernel-vs-bypass", "--rate", "0", NULL), EXIT_ERROR);
	assert_string_equal(out, "tickready: verify: kernel-vs-bypass needs a bounded --rate (1 or more packets per "
			    "second)\n");
	/* Only an option no sweep takes is still refused, naming the modes that take it. */
	assert_int_equal(run_verify(2, out, sizeof(out), "--mode", "kernel-vs-bypass", "--rates", "10000", "--peer", "x",
				    NULL), EXIT_ERROR);
	assert_non_null(strstr(out, "verify: --peer only applies to --mode "));
}

/* A sweep size is the IP packet's: the sender's UDP payload is 28 bytes less, 64 holding the stamp, 1500 the MTU. */
static void test_sweep_sizes(void **state)
{
	(void)state;
	assert_int_equal(verify_sweep_payload(64), 36);
	assert_int_equal(verify_sweep_payload(512), 484);
	assert_int_equal(verify_sweep_payload(1500), 1472);
}

static const struct verify_mode_def *sweep_mode(void)
{
	for (int m = 0; m < VM_COUNT; m++)
		if (!strcmp(verify_modes[m]->name, "sweep"))
			return verify_modes[m];
	fail_msg("no sweep mode");
	return NULL;
}

static char *render_text(json_t *doc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	sweep_mode()->render(f, doc);
	fclose(f);
	return text;
}

/*
 * The tables' sizes are IP packet sizes: from ip_bytes, and in a document from before them (only
 * payload_bytes, as tests/fixtures/report/verify-sweep.json) the payload's plus 28; a kvb alias is said first.
 */
static void test_sweep_render_sizes(void **state)
{
	char path[512], *text;
	json_t *doc, *s, *row;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/fixtures/report/verify-sweep.json", TEST_SRCDIR);
	doc = json_load_file(path, 0, NULL);
	assert_non_null(doc);
	text = render_text(doc);
	assert_non_null(strstr(text, "kernel socket vs DPDK bypass by packet rate (92-byte IP packets, 64-byte UDP payload; "
				     "software-only path):\n"));
	assert_non_null(strstr(text, "\nby IP packet size (at 4000 packets/s; the UDP payload is 28 bytes less):\n   IP size "));
	assert_non_null(strstr(text, "\n      1500 "));
	assert_null(strstr(text, "runs the sweep"));
	free(text);
	s = json_object_get(doc, "sweep");
	json_object_set_new(s, "by_rate_ip_bytes", json_integer(64));
	json_object_set_new(s, "asked_as", json_string("kernel-vs-bypass"));
	json_array_foreach(json_object_get(s, "by_size"), i, row)
		json_object_set_new(row, "ip_bytes", json_integer(i ? 1500 : 64));
	text = render_text(doc);
	assert_true(!strncmp(text, "--mode kernel-vs-bypass with --rates or --sizes runs the sweep: kernel-vs-bypass at "
				   "each rate, then at each size\n", strlen("--mode kernel-vs-bypass with --rates")));
	assert_non_null(strstr(text, "by packet rate (64-byte IP packets, 36-byte UDP payload; software-only path):\n"));
	assert_non_null(strstr(text, "\n        64 "));
	assert_non_null(strstr(text, "\n      1500 "));
	free(text);
	json_decref(doc);
}

/* sweep's text: both tables carry each point's CPU (the kernel receiver's, the poller's, its busy share). */
static void test_sweep_render_cpu(void **state)
{
	const struct verify_mode_def *md = NULL;
	char path[512], *text = NULL;
	size_t len = 0;
	json_t *doc;
	FILE *f;

	(void)state;
	for (int m = 0; m < VM_COUNT; m++)
		if (!strcmp(verify_modes[m]->name, "sweep"))
			md = verify_modes[m];
	assert_non_null(md);
	snprintf(path, sizeof(path), "%s/tests/fixtures/report/verify-sweep.json", TEST_SRCDIR);
	doc = json_load_file(path, 0, NULL);
	assert_non_null(doc);
	f = open_memstream(&text, &len);
	md->render(f, doc);
	fclose(f);
	assert_non_null(strstr(text, " P99 gain    cut kern CPU  byp CPU byp busy\n"));
	/* 10000 packets/s: cut -35.5 %, kernel 1.2 % of a core, poller 99 %, busy 2 % (the fixture's figures). */
	assert_non_null(strstr(text, "    0.74x   -36%     1.2%    99.0%     2.0%\n"));
	assert_non_null(strstr(text, "\nCPU: share of one core over each pass"));
	free(text);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_complete),
		cmocka_unit_test(test_usage_lists_every_mode),
		cmocka_unit_test(test_options_refused_by_the_row),
		cmocka_unit_test(test_sweep_lists),
		cmocka_unit_test(test_sweep_render_cpu),
		cmocka_unit_test(test_kvb_runs_sweep),
		cmocka_unit_test(test_sweep_sizes),
		cmocka_unit_test(test_sweep_render_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
