/* ethtool facts (timestamping included): scripted SIOCETHTOOL answers, capture files (good, garbage, missing), the write side, a live lo. */
#include <errno.h>
#include <linux/ethtool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "ethtool.h"
#include "sysroot.h"
#include "util.h"

/* One expected ioctl, as in ethtool's test-features.c: the command, its result, the answer copied back. */
struct cmd_expect {
	uint32_t cmd;
	int rc;			/* 0 or -errno */
	const void *resp;	/* copied over the caller's struct on success; NULL leaves it */
	size_t resp_len;
	const void *want;	/* for set commands: the struct the caller must pass */
	size_t want_len;
};

static const struct cmd_expect *script;
static size_t script_n, script_pos;

static int fake_ioctl(int fd, const char *ifname, void *cmd)
{
	const struct cmd_expect *x;

	(void)fd;
	assert_string_equal(ifname, "ens1f0");
	assert_true(script_pos < script_n);
	x = &script[script_pos++];
	assert_int_equal(*(uint32_t *)cmd, x->cmd);
	if (x->want)
		assert_memory_equal(cmd, x->want, x->want_len);
	if (x->rc == 0 && x->resp)
		memcpy(cmd, x->resp, x->resp_len);
	return x->rc;
}

static void play(const struct cmd_expect *s, size_t n)
{
	script = s;
	script_n = n;
	script_pos = 0;
	ethtool_set_ioctl(fake_ioctl);
}

static void played_all(void)
{
	assert_int_equal(script_pos, script_n);
	ethtool_set_ioctl(NULL);
}

static const struct ethtool_coalesce coal = {
	.cmd = ETHTOOL_GCOALESCE, .rx_coalesce_usecs = 3, .tx_coalesce_usecs = 48, .rx_max_coalesced_frames = 64,
	.use_adaptive_rx_coalesce = 1, .use_adaptive_tx_coalesce = 1, .rate_sample_interval = 7,
};
static const struct ethtool_ringparam ring = {
	.cmd = ETHTOOL_GRINGPARAM, .rx_max_pending = 8192, .tx_max_pending = 4096, .rx_pending = 1024,
	.tx_pending = 512,
};
static const struct ethtool_drvinfo drv = {
	.cmd = ETHTOOL_GDRVINFO, .driver = "mlx5_core", .version = "6.1.0", .fw_version = "16.35.2000",
	.bus_info = "0000:3b:00.0",
};
/* mlx5_core's: hardware and software stamps, raw clock, tx off/on, rx none/all, /dev/ptp2. */
static const struct ethtool_ts_info ts = {
	.cmd = ETHTOOL_GET_TS_INFO, .so_timestamping = 0x5f, .phc_index = 2, .tx_types = 0x3, .rx_filters = 0x3,
};

/* ETH_SS_STATS of three counters, the middle one named as the ioctl pads it. */
static const struct {
	struct ethtool_sset_info hdr;
	uint32_t len;
} sset_info = { { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ull << ETH_SS_STATS }, 3 };
static const struct {
	struct ethtool_gstrings hdr;
	char names[3][ETH_GSTRING_LEN];
} stat_names = { { .cmd = ETHTOOL_GSTRINGS, .string_set = ETH_SS_STATS, .len = 3 },
		 { "rx_packets", "rx_out_of_buffer", "rx_discards_phy" } };
static const struct {
	struct ethtool_stats hdr;
	uint64_t v[3];
} stat_values = { { .cmd = ETHTOOL_GSTATS, .n_stats = 3 }, { 123456789012ull, 7, 0 } };
#define STATS_TEXT "rx_packets=123456789012\nrx_out_of_buffer=7\nrx_discards_phy=0\n"

static struct sysroot live;

static int setup_live(void **state)
{
	(void)state;
	if (sysroot_open(&live, "/") < 0 || !live.live)
		return -1;
	return 0;
}

static int teardown_live(void **state)
{
	(void)state;
	sysroot_close(&live);
	return 0;
}

static void test_ioctl_all(void **state)
{
	const struct cmd_expect s[] = {
		{ ETHTOOL_GCOALESCE, 0, &coal, sizeof(coal), NULL, 0 },
		{ ETHTOOL_GRINGPARAM, 0, &ring, sizeof(ring), NULL, 0 },
		{ ETHTOOL_GDRVINFO, 0, &drv, sizeof(drv), NULL, 0 },
		{ ETHTOOL_GET_TS_INFO, 0, &ts, sizeof(ts), NULL, 0 },
	};
	struct nic_ethtool e;

	(void)state;
	play(s, 4);
	assert_int_equal(ethtool_load(&live, "ens1f0", &e), 0);
	played_all();
	assert_true(e.has_coalesce && e.has_ring && e.has_drvinfo && e.has_tsinfo);
	assert_false(e.tsinfo_unsupported);
	assert_int_equal(e.so_timestamping, 0x5f);
	assert_int_equal(e.tx_types, 0x3);
	assert_int_equal(e.rx_filters, 0x3);
	assert_int_equal(e.phc_index, 2);
	assert_int_equal(e.rx_usecs, 3);
	assert_int_equal(e.tx_usecs, 48);
	assert_int_equal(e.adaptive_rx, 1);
	assert_int_equal(e.adaptive_tx, 1);
	assert_int_equal(e.rx_frames, 64);
	assert_int_equal(e.rx_pending, 1024);
	assert_int_equal(e.rx_max, 8192);
	assert_int_equal(e.tx_pending, 512);
	assert_int_equal(e.tx_max, 4096);
	assert_string_equal(e.driver, "mlx5_core");
	assert_string_equal(e.version, "6.1.0");
	assert_string_equal(e.bus_info, "0000:3b:00.0");
	assert_string_equal(e.firmware, "16.35.2000");
	assert_string_equal(e.source, "ioctl");
}

static void test_ioctl_unsupported(void **state)
{
	const struct cmd_expect s[] = {
		{ ETHTOOL_GCOALESCE, -EOPNOTSUPP, NULL, 0, NULL, 0 },
		{ ETHTOOL_GRINGPARAM, 0, &ring, sizeof(ring), NULL, 0 },
		{ ETHTOOL_GDRVINFO, -EOPNOTSUPP, NULL, 0, NULL, 0 },
		{ ETHTOOL_GET_TS_INFO, 0, &ts, sizeof(ts), NULL, 0 },
	};
	const struct cmd_expect none[] = {
		{ ETHTOOL_GCOALESCE, -ENODEV, NULL, 0, NULL, 0 },
		{ ETHTOOL_GRINGPARAM, -ENODEV, NULL, 0, NULL, 0 },
		{ ETHTOOL_GDRVINFO, -ENODEV, NULL, 0, NULL, 0 },
		{ ETHTOOL_GET_TS_INFO, -ENODEV, NULL, 0, NULL, 0 },
	};
	struct nic_ethtool e;

	(void)state;
	play(s, 4);
	assert_int_equal(ethtool_load(&live, "ens1f0", &e), 0);
	played_all();
	assert_false(e.has_coalesce);
	assert_true(e.has_ring);
	assert_false(e.has_drvinfo);
	assert_int_equal(e.rx_pending, 1024);

	play(none, 4);
	assert_int_equal(ethtool_load(&live, "ens1f0", &e), 0);
	played_all();
	assert_false(e.has_coalesce || e.has_ring || e.has_drvinfo || e.has_tsinfo);
	assert_true(e.tsinfo_unsupported);
	assert_int_equal(e.phc_index, -1);
	assert_string_equal(e.source, "ioctl");
}

/* The driver's strings need not be NUL-terminated within their 32 bytes. */
static void test_ioctl_unterminated(void **state)
{
	struct ethtool_drvinfo d = { .cmd = ETHTOOL_GDRVINFO };
	const struct cmd_expect s[] = {
		{ ETHTOOL_GCOALESCE, -EOPNOTSUPP, NULL, 0, NULL, 0 },
		{ ETHTOOL_GRINGPARAM, -EOPNOTSUPP, NULL, 0, NULL, 0 },
		{ ETHTOOL_GDRVINFO, 0, &d, sizeof(d), NULL, 0 },
		{ ETHTOOL_GET_TS_INFO, -EOPNOTSUPP, NULL, 0, NULL, 0 },
	};
	struct nic_ethtool e;

	(void)state;
	memset(d.driver, 'x', sizeof(d.driver));
	memset(d.fw_version, 'f', sizeof(d.fw_version));
	play(s, 4);
	assert_int_equal(ethtool_load(&live, "ens1f0", &e), 0);
	played_all();
	assert_true(e.has_drvinfo);
	assert_int_equal(strlen(e.driver), sizeof(e.driver) - 1);
	assert_int_equal(strlen(e.firmware), sizeof(e.firmware) - 1);
}

static void test_bad_ifname(void **state)
{
	struct nic_ethtool e, want = { .rx_pending = 1, .tx_pending = 1 };

	(void)state;
	/* No ioctl may be made: an empty script fails on any call. */
	play(NULL, 0);
	assert_int_equal(ethtool_load(&live, "", &e), -EINVAL);
	assert_int_equal(ethtool_load(&live, "../eth0", &e), -EINVAL);
	assert_int_equal(ethtool_load(&live, "..", &e), -EINVAL);
	assert_int_equal(ethtool_load(&live, "averyveryverylongname0", &e), -EINVAL);
	assert_int_equal(ethtool_load(&live, NULL, &e), -EINVAL);
	assert_int_equal(ethtool_set_ring(&live, "a/b", &want), -EINVAL);
	assert_int_equal(ethtool_set_coalesce(&live, "", &want), -EINVAL);
	played_all();
}

static void test_format(void **state)
{
	struct nic_ethtool e = { .rx_usecs = 0, .tx_usecs = 8, .adaptive_rx = 0, .adaptive_tx = 1, .rx_frames = 5,
				 .rx_pending = 4096, .rx_max = 8192, .tx_pending = 1024, .tx_max = 8192,
				 .driver = "ice", .version = "1.0", .bus_info = "0000:01:00.0", .firmware = "4.2" };
	char buf[256];
	int n;

	(void)state;
	assert_true(ethtool_format(&e, "coalesce", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "rx_usecs=0\ntx_usecs=8\nadaptive_rx=0\nadaptive_tx=1\nrx_frames=5\n");
	assert_true(ethtool_format(&e, "ring", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "rx_pending=4096\nrx_max=8192\ntx_pending=1024\ntx_max=8192\n");
	n = ethtool_format(&e, "drvinfo", buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "driver=ice\nversion=1.0\nbus_info=0000:01:00.0\nfirmware=4.2\n");
	e.so_timestamping = 0x5f;
	e.tx_types = 0x3;
	e.rx_filters = 0x1002;
	e.phc_index = -1;
	assert_true(ethtool_format(&e, "tsinfo", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "so_timestamping=0x5f\ntx_types=0x3\nrx_filters=0x1002\nphc_index=-1\n");
	assert_int_equal(ethtool_format(&e, "ring", buf, 10), -ENOSPC);
	assert_int_equal(ethtool_format(&e, "features", buf, sizeof(buf)), -EINVAL);
}

/* ---- foreign roots: the capture files ---- */

static char tree[64];

static void put(const char *ifname, const char *what, const char *text)
{
	char *dir = xasprintf("%s/.tickready/ethtool/%s", tree, ifname), *cmd = xasprintf("mkdir -p '%s'", dir);
	char *path = xasprintf("%s/%s", dir, what);
	FILE *fp;

	assert_int_equal(system(cmd), 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	free(dir);
	free(cmd);
	free(path);
}

static char *slurp(const char *ifname, const char *what)
{
	char *path = xasprintf("%s/.tickready/ethtool/%s/%s", tree, ifname, what), *buf = xcalloc(1, 4096);
	FILE *fp = fopen(path, "r");

	assert_non_null(fp);
	(void)!fread(buf, 1, 4095, fp);
	fclose(fp);
	free(path);
	return buf;
}

static int setup_tree(void **state)
{
	(void)state;
	strcpy(tree, "/tmp/tickready-eth-XXXXXX");
	if (!mkdtemp(tree))
		return -1;
	put("ens1f0", "coalesce", "rx_usecs=0\ntx_usecs=16\nadaptive_rx=0\nadaptive_tx=1\nrx_frames=32\n");
	put("ens1f0", "ring", "rx_pending=1024\nrx_max=8192\ntx_pending=1024\ntx_max=8192\n");
	put("ens1f0", "drvinfo", "driver=mlx5_core\nversion=6.1.0\nbus_info=0000:3b:00.0\nfirmware=16.35.2000\n");
	return 0;
}

static int teardown_tree(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tree);

	(void)state;
	(void)!system(cmd);
	free(cmd);
	return 0;
}

static void load_tree(struct nic_ethtool *e, const char *ifname)
{
	struct sysroot sr;

	assert_int_equal(sysroot_open(&sr, tree), 0);
	assert_false(sr.live);
	assert_int_equal(ethtool_load(&sr, ifname, e), 0);
	sysroot_close(&sr);
}

static void test_files(void **state)
{
	struct nic_ethtool e;

	(void)state;
	play(NULL, 0);	/* a foreign root never calls the ioctl */
	load_tree(&e, "ens1f0");
	played_all();
	assert_true(e.has_coalesce && e.has_ring && e.has_drvinfo);
	assert_int_equal(e.tx_usecs, 16);
	assert_int_equal(e.adaptive_tx, 1);
	assert_int_equal(e.rx_frames, 32);
	assert_int_equal(e.rx_max, 8192);
	assert_string_equal(e.firmware, "16.35.2000");
	assert_string_equal(e.source, "capture");
}

static void test_files_missing(void **state)
{
	struct nic_ethtool e;

	(void)state;
	load_tree(&e, "eth9");
	assert_false(e.has_coalesce || e.has_ring || e.has_drvinfo);
	assert_string_equal(e.source, "capture");
	put("eth8", "ring", "rx_pending=1\nrx_max=2\ntx_pending=1\ntx_max=2\n");
	load_tree(&e, "eth8");
	assert_false(e.has_coalesce);
	assert_true(e.has_ring);
	assert_false(e.has_drvinfo);
}

static void test_files_garbage(void **state)
{
	static const char *const bad[] = {
		"",						/* empty */
		"rx_usecs=abc\ntx_usecs=0\nadaptive_rx=0\nadaptive_tx=0\nrx_frames=0\n",
		"rx_usecs=-5\ntx_usecs=0\nadaptive_rx=0\nadaptive_tx=0\nrx_frames=0\n",
		"rx_usecs=99999999999999999999999\ntx_usecs=0\nadaptive_rx=0\nadaptive_tx=0\nrx_frames=0\n",
		"tx_usecs=0\nadaptive_rx=0\nadaptive_tx=0\nrx_frames=0\n",	/* a key missing */
		"rx_usecs=0\ntx_usecs=0\nadaptive_rx=7\nadaptive_tx=0\nrx_frames=0\n",	/* not a flag */
		"rx_usecs\ntx_usecs\n",
		"\x7f" "ELF\x01\x02\x03\xff\xfe",
		"rx_usecs=\ntx_usecs=0\nadaptive_rx=0\nadaptive_tx=0\nrx_frames=0\n",
	};
	struct nic_ethtool e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put("bad0", "coalesce", bad[i]);
		put("bad0", "ring", bad[i]);
		put("bad0", "drvinfo", i == 0 ? "" : "version=1\n");
		load_tree(&e, "bad0");
		assert_false(e.has_coalesce);
		assert_false(e.has_ring);
		assert_false(e.has_drvinfo);
	}
	/* Spaces around values and CRLF-free extra lines are tolerated; unknown keys are ignored. */
	put("ok0", "coalesce", "# captured\nrx_usecs= 4 \ntx_usecs=0\nadaptive_rx=1\nadaptive_tx=0\nrx_frames=0\nfoo=bar\n");
	load_tree(&e, "ok0");
	assert_true(e.has_coalesce);
	assert_int_equal(e.rx_usecs, 4);
	assert_int_equal(e.adaptive_rx, 1);
}

/* A directory where a file should be, and a FIFO, are unreadable files, not hangs. */
/* The tsinfo group: masks in hex, phc_index -1 for none; a refusal kept as the word; garbage is no fact. */
static void test_files_tsinfo(void **state)
{
	static const char *const bad[] = {
		"so_timestamping=0x5f\ntx_types=0x3\nrx_filters=0x3\n",			/* no phc_index */
		"so_timestamping=zz\ntx_types=0x3\nrx_filters=0x3\nphc_index=0\n",
		"so_timestamping=-1\ntx_types=0x3\nrx_filters=0x3\nphc_index=0\n",
		"so_timestamping=0x1ffffffff\ntx_types=0x3\nrx_filters=0x3\nphc_index=0\n",	/* past 32 bits */
		"so_timestamping=0x5f\ntx_types=0x3\nrx_filters=0x3\nphc_index=-2\n",
		"so_timestamping=0x5f\ntx_types=\nrx_filters=0x3\nphc_index=0\n",
	};
	struct nic_ethtool e;

	(void)state;
	put("ts0", "tsinfo", "so_timestamping=0x1a\ntx_types=0x0\nrx_filters=0x0\nphc_index=-1\n");
	load_tree(&e, "ts0");
	assert_true(e.has_tsinfo);
	assert_int_equal(e.so_timestamping, 0x1a);
	assert_int_equal(e.phc_index, -1);
	put("ts0", "tsinfo", "unsupported\n");
	load_tree(&e, "ts0");
	assert_false(e.has_tsinfo);
	assert_true(e.tsinfo_unsupported);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put("ts0", "tsinfo", bad[i]);
		load_tree(&e, "ts0");
		assert_false(e.has_tsinfo);
		assert_false(e.tsinfo_unsupported);
	}
	load_tree(&e, "eth9");	/* no file: neither known nor refused */
	assert_false(e.has_tsinfo || e.tsinfo_unsupported);
}

static void test_files_not_regular(void **state)
{
	char *p = xasprintf("%s/.tickready/ethtool/odd0/coalesce", tree), *cmd = xasprintf("mkdir -p '%s'", p);
	char *fifo = xasprintf("%s/.tickready/ethtool/odd0/ring", tree);
	struct nic_ethtool e;

	(void)state;
	assert_int_equal(system(cmd), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	load_tree(&e, "odd0");
	assert_false(e.has_coalesce || e.has_ring || e.has_drvinfo);
	free(p);
	free(cmd);
	free(fifo);
}

static void test_set_files(void **state)
{
	struct nic_ethtool want = { .rx_usecs = 0, .tx_usecs = 0, .adaptive_rx = 0, .adaptive_tx = 0 };
	struct nic_ethtool e;
	struct sysroot sr;
	char *text;

	(void)state;
	assert_int_equal(sysroot_open(&sr, tree), 0);
	want.rx_usecs = 2;
	want.adaptive_tx = 0;
	assert_int_equal(ethtool_set_coalesce(&sr, "ens1f0", &want), 0);
	text = slurp("ens1f0", "coalesce");
	/* rx_frames is not ours to set: it keeps the captured value. */
	assert_string_equal(text, "rx_usecs=2\ntx_usecs=0\nadaptive_rx=0\nadaptive_tx=0\nrx_frames=32\n");
	free(text);

	want.rx_pending = 8192;
	want.tx_pending = 4096;
	assert_int_equal(ethtool_set_ring(&sr, "ens1f0", &want), 0);
	text = slurp("ens1f0", "ring");
	assert_string_equal(text, "rx_pending=8192\nrx_max=8192\ntx_pending=4096\ntx_max=8192\n");
	free(text);

	want.rx_pending = 9000;
	assert_int_equal(ethtool_set_ring(&sr, "ens1f0", &want), -EINVAL);
	want.rx_pending = 0;
	assert_int_equal(ethtool_set_ring(&sr, "ens1f0", &want), -EINVAL);
	want.rx_pending = 1;
	assert_int_equal(ethtool_set_ring(&sr, "eth9", &want), -ENOENT);
	assert_int_equal(ethtool_set_coalesce(&sr, "eth9", &want), -ENOENT);
	want.adaptive_rx = 3;
	assert_int_equal(ethtool_set_coalesce(&sr, "ens1f0", &want), -EINVAL);
	sysroot_close(&sr);

	load_tree(&e, "ens1f0");
	assert_int_equal(e.rx_usecs, 2);
	assert_int_equal(e.rx_pending, 8192);
	assert_int_equal(e.tx_pending, 4096);
}

/* ---- the live write side: read-modify-write through the ioctl ---- */

static void test_set_coalesce_ioctl(void **state)
{
	struct ethtool_coalesce after = coal;
	struct nic_ethtool want = { .rx_usecs = 0, .tx_usecs = 48, .adaptive_rx = 0, .adaptive_tx = 1 };
	const struct cmd_expect s[] = {
		{ ETHTOOL_GCOALESCE, 0, &coal, sizeof(coal), NULL, 0 },
		{ ETHTOOL_SCOALESCE, 0, NULL, 0, &after, sizeof(after) },
	};
	const struct cmd_expect refused[] = {
		{ ETHTOOL_GCOALESCE, -EOPNOTSUPP, NULL, 0, NULL, 0 },
	};

	(void)state;
	/* Every field the driver reported stays, frames and sample interval included. */
	after.cmd = ETHTOOL_SCOALESCE;
	after.rx_coalesce_usecs = 0;
	after.use_adaptive_rx_coalesce = 0;
	play(s, 2);
	assert_int_equal(ethtool_set_coalesce(&live, "ens1f0", &want), 0);
	played_all();
	play(refused, 1);
	assert_int_equal(ethtool_set_coalesce(&live, "ens1f0", &want), -EOPNOTSUPP);
	played_all();
}

static void test_set_ring_ioctl(void **state)
{
	struct ethtool_ringparam after = ring;
	struct nic_ethtool want = { .rx_pending = 8192, .tx_pending = 4096 };
	const struct cmd_expect s[] = {
		{ ETHTOOL_GRINGPARAM, 0, &ring, sizeof(ring), NULL, 0 },
		{ ETHTOOL_SRINGPARAM, -EBUSY, NULL, 0, &after, sizeof(after) },
	};
	const struct cmd_expect over[] = {
		{ ETHTOOL_GRINGPARAM, 0, &ring, sizeof(ring), NULL, 0 },
	};

	(void)state;
	after.cmd = ETHTOOL_SRINGPARAM;
	after.rx_pending = 8192;
	after.tx_pending = 4096;
	play(s, 2);
	assert_int_equal(ethtool_set_ring(&live, "ens1f0", &want), -EBUSY);	/* the driver's answer comes back */
	played_all();
	/* Above the maximum: refused before any set. */
	want.tx_pending = 8192;
	play(over, 1);
	assert_int_equal(ethtool_set_ring(&live, "ens1f0", &want), -EINVAL);
	played_all();
}

/* A capture of a live host keeps what the ioctl told, and a --root audit of it reads the same facts. */
static void test_capture_roundtrip(void **state)
{
	const struct cmd_expect s[] = {
		{ ETHTOOL_GCOALESCE, 0, &coal, sizeof(coal), NULL, 0 },
		{ ETHTOOL_GRINGPARAM, -EOPNOTSUPP, NULL, 0, NULL, 0 },
		{ ETHTOOL_GDRVINFO, 0, &drv, sizeof(drv), NULL, 0 },
		{ ETHTOOL_GET_TS_INFO, 0, &ts, sizeof(ts), NULL, 0 },
		{ ETHTOOL_GSSET_INFO, 0, &sset_info, sizeof(sset_info), NULL, 0 },
		{ ETHTOOL_GSTRINGS, 0, &stat_names, sizeof(stat_names), NULL, 0 },
		{ ETHTOOL_GSTATS, 0, &stat_values, sizeof(stat_values), NULL, 0 },
	};
	char out[96], *path, *text;
	struct sysroot rec, cap;
	struct nic_ethtool a, b;

	(void)state;
	assert_int_equal(sysroot_open(&rec, "/"), 0);
	assert_int_equal(sysroot_record_start(&rec), 0);
	play(s, 7);
	assert_int_equal(ethtool_load(&rec, "ens1f0", &a), 0);
	played_all();
	snprintf(out, sizeof(out), "%s/capture", tree);
	assert_int_equal(sysroot_record_write(&rec, out), 0);
	sysroot_close(&rec);

	assert_int_equal(sysroot_open(&cap, out), 0);
	assert_int_equal(ethtool_load(&cap, "ens1f0", &b), 0);
	/* An unsupported group is kept as that word, never as invented values. */
	path = xasprintf("%s/.tickready/ethtool/ens1f0/ring", out);
	{
		char word[32] = "";
		FILE *fp = fopen(path, "r");

		assert_non_null(fp);
		assert_non_null(fgets(word, sizeof(word), fp));
		fclose(fp);
		assert_string_equal(word, ETHTOOL_UNSUPPORTED "\n");
	}
	free(path);
	sysroot_close(&cap);
	assert_true(b.has_coalesce && !b.has_ring && b.has_drvinfo);
	assert_string_equal(b.source, "ioctl");	/* the capture says where its facts came from */
	assert_int_equal(b.rx_usecs, a.rx_usecs);
	assert_int_equal(b.tx_usecs, a.tx_usecs);
	assert_int_equal(b.adaptive_rx, a.adaptive_rx);
	assert_int_equal(b.rx_frames, a.rx_frames);
	assert_string_equal(b.driver, a.driver);
	assert_string_equal(b.bus_info, a.bus_info);
	assert_string_equal(b.firmware, a.firmware);
	/* The timestamping facts come back as the ioctl gave them, so the capture's time.phc judges the same. */
	assert_true(b.has_tsinfo);
	assert_int_equal(b.so_timestamping, a.so_timestamping);
	assert_int_equal(b.tx_types, a.tx_types);
	assert_int_equal(b.rx_filters, a.rx_filters);
	assert_int_equal(b.phc_index, 2);
	/* The statistics too (FB: not kept), as the ioctl gave them. */
	assert_int_equal(sysroot_open(&cap, out), 0);
	assert_int_equal(ethtool_stats_text(&cap, "ens1f0", &text), 0);
	sysroot_close(&cap);
	assert_string_equal(text, STATS_TEXT);
	free(text);
}

/* ethtool -S through the ioctl: the names and values as "name=value" lines (FB: no such reader). */
static void test_stats_ioctl(void **state)
{
	const struct cmd_expect s[] = {
		{ ETHTOOL_GSSET_INFO, 0, &sset_info, sizeof(sset_info), NULL, 0 },
		{ ETHTOOL_GSTRINGS, 0, &stat_names, sizeof(stat_names), NULL, 0 },
		{ ETHTOOL_GSTATS, 0, &stat_values, sizeof(stat_values), NULL, 0 },
	};
	const struct cmd_expect none[] = { { ETHTOOL_GSSET_INFO, -EOPNOTSUPP, NULL, 0, NULL, 0 } };
	char *text;

	(void)state;
	play(s, 3);
	assert_int_equal(ethtool_stats_text(&live, "ens1f0", &text), 0);
	played_all();
	assert_string_equal(text, STATS_TEXT);
	free(text);
	play(none, 1);
	assert_int_equal(ethtool_stats_text(&live, "ens1f0", &text), -EOPNOTSUPP);
	played_all();
	assert_null(text);
	assert_int_equal(ethtool_stats_text(&live, "../x", &text), -EINVAL);
}

/* The real ioctl on lo: most groups are unsupported there; nothing may crash or be invented. */
static void test_live_lo(void **state)
{
	struct nic_ethtool e;

	(void)state;
	ethtool_set_ioctl(NULL);
	assert_int_equal(ethtool_load(&live, "lo", &e), 0);
	assert_string_equal(e.source, "ioctl");
	if (e.has_ring)
		assert_true(e.rx_pending <= e.rx_max || e.rx_max == 0);
	if (e.has_drvinfo)
		assert_true(strlen(e.driver) < sizeof(e.driver));
	/* A name that does not exist: every ioctl fails with ENODEV. */
	assert_int_equal(ethtool_load(&live, "tr-nonexist0", &e), 0);
	assert_false(e.has_coalesce || e.has_ring || e.has_drvinfo || e.has_tsinfo);
}

int main(void)
{
	const struct CMUnitTest live_tests[] = {
		cmocka_unit_test(test_ioctl_all),
		cmocka_unit_test(test_ioctl_unsupported),
		cmocka_unit_test(test_ioctl_unterminated),
		cmocka_unit_test(test_bad_ifname),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_set_coalesce_ioctl),
		cmocka_unit_test(test_set_ring_ioctl),
		cmocka_unit_test(test_stats_ioctl),
		cmocka_unit_test(test_live_lo),
	};
	const struct CMUnitTest tree_tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_files_missing),
		cmocka_unit_test(test_files_garbage),
		cmocka_unit_test(test_files_tsinfo),
		cmocka_unit_test(test_files_not_regular),
		cmocka_unit_test(test_set_files),
		cmocka_unit_test(test_capture_roundtrip),
	};
	int rc = cmocka_run_group_tests_name("ethtool_ioctl", live_tests, setup_live, teardown_live);

	return rc | cmocka_run_group_tests_name("ethtool_files", tree_tests, setup_tree, teardown_tree);
}
