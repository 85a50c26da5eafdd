/* ethtool facts: SIOCETHTOOL on the live host, key=value files under a foreign root or in a capture. */
#include "ethtool.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netdev.h"
#include "util.h"

static int real_ioctl(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/*
 * Any datagram socket carries SIOCETHTOOL; AF_UNIX serves a host built without IPv4, as in ethtool.
 * One for the process, opened on first use: a socket per query was a tenth of a NIC's load time.
 */
int ethtool_socket(void)
{
	static int fd = -2;

	if (fd == -2) {
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	}
	return fd;	/* -1 lets every ioctl fail with EBADF: nothing learnt, nothing broken */
}

static ethtool_ioctl_fn do_ioctl = real_ioctl;

void ethtool_set_ioctl(ethtool_ioctl_fn fn)
{
	do_ioctl = fn ? fn : real_ioctl;
}

static bool valid_ifname(const char *ifname)
{
	return ifname && *ifname && strlen(ifname) < IFNAMSIZ && !strchr(ifname, '/') && strcmp(ifname, ".") &&
	       strcmp(ifname, "..");
}

static void copy_str(char *dst, size_t size, const char *src, size_t srclen)
{
	size_t n = strnlen(src, srclen);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void load_ioctl(int fd, const char *ifname, struct nic_ethtool *e)
{
	struct ethtool_coalesce c = { .cmd = ETHTOOL_GCOALESCE };
	struct ethtool_ringparam r = { .cmd = ETHTOOL_GRINGPARAM };
	struct ethtool_drvinfo d = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_ts_info t = { .cmd = ETHTOOL_GET_TS_INFO };

	if (do_ioctl(fd, ifname, &c) == 0) {
		e->has_coalesce = true;
		e->rx_usecs = c.rx_coalesce_usecs;
		e->tx_usecs = c.tx_coalesce_usecs;
		e->adaptive_rx = c.use_adaptive_rx_coalesce;
		e->adaptive_tx = c.use_adaptive_tx_coalesce;
		e->rx_frames = c.rx_max_coalesced_frames;
	}
	if (do_ioctl(fd, ifname, &r) == 0) {
		e->has_ring = true;
		e->rx_pending = r.rx_pending;
		e->rx_max = r.rx_max_pending;
		e->tx_pending = r.tx_pending;
		e->tx_max = r.tx_max_pending;
	}
	if (do_ioctl(fd, ifname, &d) == 0) {
		e->has_drvinfo = true;
		copy_str(e->driver, sizeof(e->driver), d.driver, sizeof(d.driver));
		copy_str(e->version, sizeof(e->version), d.version, sizeof(d.version));
		copy_str(e->bus_info, sizeof(e->bus_info), d.bus_info, sizeof(d.bus_info));
		copy_str(e->firmware, sizeof(e->firmware), d.fw_version, sizeof(d.fw_version));
	}
	if (do_ioctl(fd, ifname, &t) == 0) {
		e->has_tsinfo = true;
		e->so_timestamping = t.so_timestamping;
		e->tx_types = t.tx_types;
		e->rx_filters = t.rx_filters;
		e->phc_index = t.phc_index;
	} else {
		e->tsinfo_unsupported = true;
	}
	snprintf(e->source, sizeof(e->source), "ioctl");
}

/* One "key=value" line of text; returns false when absent. */
static bool kv_get(const char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, key, klen) && l[klen] == '=') {
			copy_str(out, size, l + klen + 1, strcspn(l + klen + 1, "\n"));
			trim(out);
			return true;
		}
	}
	return false;
}

/* All numeric keys of a group must parse, else the group is unknown: garbage is not a value. */
static bool kv_longs(const char *text, const char *const *keys, long *const *vals, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char v[64];

		if (!kv_get(text, keys[i], v, sizeof(v)) || parse_long(v, vals[i]) < 0 || *vals[i] < 0)
			return false;
	}
	return true;
}

/* A bit mask as the capture keeps it ("0x45"); garbage, a sign or more than 32 bits is no value. */
static bool kv_mask(const char *text, const char *key, unsigned long *out)
{
	char v[32], *end;

	if (!kv_get(text, key, v, sizeof(v)) || !v[0] || v[0] == '-' || v[0] == '+')
		return false;
	errno = 0;
	*out = strtoul(v, &end, 0);
	return !errno && !*end && *out <= UINT32_MAX;
}

/* tsinfo: every field must parse; phc_index is -1 (none) or a clock number. */
static void parse_tsinfo(const char *text, struct nic_ethtool *e)
{
	char v[32];

	if (!strcmp(text, ETHTOOL_UNSUPPORTED "\n") || !strcmp(text, ETHTOOL_UNSUPPORTED)) {
		e->tsinfo_unsupported = true;
		return;
	}
	e->has_tsinfo = kv_mask(text, "so_timestamping", &e->so_timestamping) &&
			kv_mask(text, "tx_types", &e->tx_types) && kv_mask(text, "rx_filters", &e->rx_filters) &&
			kv_get(text, "phc_index", v, sizeof(v)) && parse_long(v, &e->phc_index) == 0 &&
			e->phc_index >= -1 && e->phc_index <= INT32_MAX;
}

static char *read_group(const struct sysroot *sr, const char *ifname, const char *what)
{
	char path[128], *text = NULL;

	snprintf(path, sizeof(path), SYSROOT_ETHTOOL_DIR "/%s/%s", ifname, what);
	if (sysroot_read_alloc(sr, path, 65536, &text, NULL) < 0)
		return NULL;
	if (strlen(text) == 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void load_files(const struct sysroot *sr, const char *ifname, struct nic_ethtool *e)
{
	static const char *const ckeys[] = { "rx_usecs", "tx_usecs", "adaptive_rx", "adaptive_tx", "rx_frames" };
	static const char *const rkeys[] = { "rx_pending", "rx_max", "tx_pending", "tx_max" };
	long *cvals[] = { &e->rx_usecs, &e->tx_usecs, &e->adaptive_rx, &e->adaptive_tx, &e->rx_frames };
	long *rvals[] = { &e->rx_pending, &e->rx_max, &e->tx_pending, &e->tx_max };
	bool ioctl = false;
	char *text, v[16];

	if ((text = read_group(sr, ifname, "coalesce"))) {
		ioctl |= kv_get(text, "source", v, sizeof(v)) && !strcmp(v, "ioctl");
		/* adaptive_* are flags: any other number is garbage, not a setting. */
		e->has_coalesce = kv_longs(text, ckeys, cvals, 5) && e->adaptive_rx <= 1 && e->adaptive_tx <= 1;
		free(text);
	}
	if ((text = read_group(sr, ifname, "ring"))) {
		ioctl |= kv_get(text, "source", v, sizeof(v)) && !strcmp(v, "ioctl");
		e->has_ring = kv_longs(text, rkeys, rvals, 4);
		free(text);
	}
	if ((text = read_group(sr, ifname, "drvinfo"))) {
		ioctl |= kv_get(text, "source", v, sizeof(v)) && !strcmp(v, "ioctl");
		e->has_drvinfo = kv_get(text, "driver", e->driver, sizeof(e->driver));
		kv_get(text, "version", e->version, sizeof(e->version));
		kv_get(text, "bus_info", e->bus_info, sizeof(e->bus_info));
		kv_get(text, "firmware", e->firmware, sizeof(e->firmware));
		free(text);
	}
	if ((text = read_group(sr, ifname, "tsinfo"))) {
		ioctl |= kv_get(text, "source", v, sizeof(v)) && !strcmp(v, "ioctl");
		parse_tsinfo(text, e);
		free(text);
	}
	/* A capture of a live host says where its facts came from; a hand-made tree does not. */
	snprintf(e->source, sizeof(e->source), "%s", ioctl ? "ioctl" : "capture");
}

int ethtool_format(const struct nic_ethtool *e, const char *what, char *buf, size_t size)
{
	int n;

	if (!strcmp(what, "coalesce"))
		n = snprintf(buf, size, "rx_usecs=%ld\ntx_usecs=%ld\nadaptive_rx=%ld\nadaptive_tx=%ld\nrx_frames=%ld\n",
			     e->rx_usecs, e->tx_usecs, e->adaptive_rx, e->adaptive_tx, e->rx_frames);
	else if (!strcmp(what, "ring"))
		n = snprintf(buf, size, "rx_pending=%ld\nrx_max=%ld\ntx_pending=%ld\ntx_max=%ld\n", e->rx_pending,
			     e->rx_max, e->tx_pending, e->tx_max);
	else if (!strcmp(what, "drvinfo"))
		n = snprintf(buf, size, "driver=%s\nversion=%s\nbus_info=%s\nfirmware=%s\n", e->driver, e->version,
			     e->bus_info, e->firmware);
	else if (!strcmp(what, "tsinfo"))
		n = snprintf(buf, size, "so_timestamping=0x%lx\ntx_types=0x%lx\nrx_filters=0x%lx\nphc_index=%ld\n",
			     e->so_timestamping, e->tx_types, e->rx_filters, e->phc_index);
	else
		return -EINVAL;
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

static void record(const struct sysroot *sr, const char *ifname, const struct nic_ethtool *e)
{
	static const char *const groups[] = { "coalesce", "ring", "drvinfo", "tsinfo" };
	const bool have[] = { e->has_coalesce, e->has_ring, e->has_drvinfo, e->has_tsinfo };
	char path[128], text[512];

	for (int i = 0; i < 4; i++) {
		int n;

		/* A group the driver does not report is kept as that, so audit of the capture says so too. */
		if (!have[i])
			n = snprintf(text, sizeof(text), ETHTOOL_UNSUPPORTED "\n");
		else if ((n = ethtool_format(e, groups[i], text, sizeof(text))) < 0 ||
			 (n += snprintf(text + n, sizeof(text) - (size_t)n, "source=ioctl\n")) >= (int)sizeof(text))
			continue;
		snprintf(path, sizeof(path), SYSROOT_ETHTOOL_DIR "/%s/%s", ifname, groups[i]);
		sysroot_record_synthetic(sr, path, text, (size_t)n);
	}
}

int ethtool_load(const struct sysroot *sr, const char *ifname, struct nic_ethtool *out)
{
	memset(out, 0, sizeof(*out));
	out->phc_index = -1;
	if (!valid_ifname(ifname))
		return -EINVAL;
	if (sr->live) {
		load_ioctl(ethtool_socket(), ifname, out);
		if (sr->rec) {
			char *stats;

			record(sr, ifname, out);
			/* The drop counters audit and watch read: kept for every NIC, whichever one a profile names. */
			if (ethtool_stats_text(sr, ifname, &stats) == 0)
				free(stats);
		}
	} else {
		load_files(sr, ifname, out);
	}
	return 0;
}

/* Far above any driver's count (mlx5 reports about 2,000 with many queues): a bigger answer is not believed. */
#define ETHTOOL_STATS_MAX 65536

/* ETH_SS_STATS' names and values, formatted; -EOPNOTSUPP when the driver keeps none. */
static int stats_ioctl(int fd, const char *ifname, char **out)
{
	struct {
		struct ethtool_sset_info hdr;
		__u32 len;
	} sset = { .hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ull << ETH_SS_STATS } };
	struct ethtool_gstrings *names = NULL;
	struct ethtool_stats *vals = NULL;
	struct strbuf sb = { 0 };
	__u32 n;
	int rc = do_ioctl(fd, ifname, &sset);

	if (rc < 0)
		return rc == -EINVAL ? -EOPNOTSUPP : rc;
	if (!(sset.hdr.sset_mask & (1ull << ETH_SS_STATS)) || !sset.len)
		return -EOPNOTSUPP;
	if ((n = sset.len) > ETHTOOL_STATS_MAX)
		return -EPROTO;
	names = xcalloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	vals = xcalloc(1, sizeof(*vals) + (size_t)n * sizeof(__u64));
	*names = (struct ethtool_gstrings){ .cmd = ETHTOOL_GSTRINGS, .string_set = ETH_SS_STATS, .len = n };
	*vals = (struct ethtool_stats){ .cmd = ETHTOOL_GSTATS, .n_stats = n };
	if ((rc = do_ioctl(fd, ifname, names)) < 0 || (rc = do_ioctl(fd, ifname, vals)) < 0)
		goto out;
	/* The kernel answers with what it filled; a count that changed in between keeps the shorter. */
	if (names->len < n)
		n = names->len;
	if (vals->n_stats < n)
		n = vals->n_stats;
	strbuf_add(&sb, "");
	for (__u32 i = 0; i < n; i++) {
		char name[ETH_GSTRING_LEN + 1];

		copy_str(name, sizeof(name), (const char *)names->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		/* A name that would break the line format is left out. */
		if (!name[0] || strpbrk(name, "=\n"))
			continue;
		strbuf_addf(&sb, "%s=%llu\n", name, (unsigned long long)vals->data[i]);
	}
	*out = strbuf_detach(&sb);
out:
	free(names);
	free(vals);
	return rc;
}

int ethtool_stats_text(const struct sysroot *sr, const char *ifname, char **out)
{
	char path[128];
	int rc;

	*out = NULL;
	if (!valid_ifname(ifname))
		return -EINVAL;
	snprintf(path, sizeof(path), SYSROOT_ETHTOOL_DIR "/%s/stats", ifname);
	if (!sr->live) {
		if ((rc = sysroot_read_alloc(sr, path, 1u << 22, out, NULL)) < 0)
			return rc;
		if (!strcmp(*out, ETHTOOL_UNSUPPORTED "\n") || !strcmp(*out, ETHTOOL_UNSUPPORTED)) {
			free(*out);
			*out = NULL;
			return -EOPNOTSUPP;
		}
		return 0;
	}
	rc = stats_ioctl(ethtool_socket(), ifname, out);
	if (sr->rec && (rc == 0 || rc == -EOPNOTSUPP))
		sysroot_record_synthetic(sr, path, rc ? ETHTOOL_UNSUPPORTED "\n" : *out,
					 rc ? strlen(ETHTOOL_UNSUPPORTED "\n") : strlen(*out));
	return rc;
}

static int write_group(const struct sysroot *sr, const char *ifname, const char *what, const struct nic_ethtool *e)
{
	char path[128], text[512];
	int n = ethtool_format(e, what, text, sizeof(text));

	if (n < 0)
		return n;
	snprintf(path, sizeof(path), SYSROOT_ETHTOOL_DIR "/%s/%s", ifname, what);
	return sysroot_write_file(sr, path, text, (size_t)n, SW_TRUNC | SW_FSYNC, 0);
}

/* Read-modify-write: the other thirty fields stay as the driver has them. */
static int set_coalesce_ioctl(int fd, const char *ifname, const struct nic_ethtool *want)
{
	struct ethtool_coalesce c = { .cmd = ETHTOOL_GCOALESCE };
	int rc = do_ioctl(fd, ifname, &c);

	if (rc < 0)
		return rc;
	c.cmd = ETHTOOL_SCOALESCE;
	c.rx_coalesce_usecs = (unsigned)want->rx_usecs;
	c.tx_coalesce_usecs = (unsigned)want->tx_usecs;
	c.use_adaptive_rx_coalesce = (unsigned)want->adaptive_rx;
	c.use_adaptive_tx_coalesce = (unsigned)want->adaptive_tx;
	return do_ioctl(fd, ifname, &c);
}

static bool coalesce_valid(const struct nic_ethtool *w)
{
	return w->rx_usecs >= 0 && w->rx_usecs <= UINT32_MAX && w->tx_usecs >= 0 && w->tx_usecs <= UINT32_MAX &&
	       (w->adaptive_rx == 0 || w->adaptive_rx == 1) && (w->adaptive_tx == 0 || w->adaptive_tx == 1);
}

int ethtool_set_coalesce(const struct sysroot *sr, const char *ifname, const struct nic_ethtool *want)
{
	struct nic_ethtool now;

	if (!valid_ifname(ifname) || !coalesce_valid(want))
		return -EINVAL;
	if (!sr->live) {
		load_files(sr, ifname, &now);
		if (!now.has_coalesce)
			return -ENOENT;
		now.rx_usecs = want->rx_usecs;
		now.tx_usecs = want->tx_usecs;
		now.adaptive_rx = want->adaptive_rx;
		now.adaptive_tx = want->adaptive_tx;
		return write_group(sr, ifname, "coalesce", &now);
	}
	return set_coalesce_ioctl(ethtool_socket(), ifname, want);
}

/* The driver's own maxima bound the request; the kernel would refuse it with EINVAL anyway. */
static int set_ring_ioctl(int fd, const char *ifname, const struct nic_ethtool *want)
{
	struct ethtool_ringparam r = { .cmd = ETHTOOL_GRINGPARAM };
	int rc = do_ioctl(fd, ifname, &r);

	if (rc < 0)
		return rc;
	if (want->rx_pending > (long)r.rx_max_pending || want->tx_pending > (long)r.tx_max_pending)
		return -EINVAL;
	r.cmd = ETHTOOL_SRINGPARAM;
	r.rx_pending = (unsigned)want->rx_pending;
	r.tx_pending = (unsigned)want->tx_pending;
	return do_ioctl(fd, ifname, &r);
}

int ethtool_set_ring(const struct sysroot *sr, const char *ifname, const struct nic_ethtool *want)
{
	struct nic_ethtool now;

	if (!valid_ifname(ifname) || want->rx_pending <= 0 || want->tx_pending <= 0)
		return -EINVAL;
	if (!sr->live) {
		load_files(sr, ifname, &now);
		if (!now.has_ring)
			return -ENOENT;
		if (want->rx_pending > now.rx_max || want->tx_pending > now.tx_max)
			return -EINVAL;
		now.rx_pending = want->rx_pending;
		now.tx_pending = want->tx_pending;
		return write_group(sr, ifname, "ring", &now);
	}
	return set_ring_ioctl(ethtool_socket(), ifname, want);
}

int nic_ethtool_set(const struct sysroot *sr, const char *ifname, const char *key, const char *value)
{
	struct nic_ethtool e;
	long v;
	int rc;

	if (parse_long(value, &v) < 0 || v < 0)
		return -EINVAL;
	if (netdev_key(key))
		return sr->live ? netdev_set(ifname, key, v) : -EINVAL;
	rc = ethtool_load(sr, ifname, &e);
	if (rc < 0)
		return rc;
	if (!strcmp(key, "rx_usecs") || !strcmp(key, "adaptive_rx")) {
		if (!e.has_coalesce)
			return -EOPNOTSUPP;
		*(strcmp(key, "rx_usecs") ? &e.adaptive_rx : &e.rx_usecs) = v;
		return ethtool_set_coalesce(sr, ifname, &e);
	}
	if (!strcmp(key, "rx_pending") || !strcmp(key, "tx_pending")) {
		if (!e.has_ring)
			return -EOPNOTSUPP;
		*(strcmp(key, "rx_pending") ? &e.tx_pending : &e.rx_pending) = v;
		return ethtool_set_ring(sr, ifname, &e);
	}
	return -EINVAL;
}
