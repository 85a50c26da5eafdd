/* Offloads, pause and channels through SIOCETHTOOL; XDP features (netdev family, kernel >= 6.3) and Tx push (ethtool family) through genetlink. */
#include "netdev.h"
#include "ethtool.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/* include/uapi/linux/netdev.h */
#define NETDEV_FAMILY "netdev"
#define NETDEV_CMD_DEV_GET 1
#define NETDEV_A_DEV_IFINDEX 1
#define NETDEV_A_DEV_XDP_FEATURES 3
/* include/uapi/linux/ethtool_netlink.h (Debian 12's headers stop before the push buffer, kernel 6.4) */
#define ETHTOOL_FAMILY "ethtool"
#define ETHTOOL_CMD_RINGS_GET 15
#define ETHTOOL_A_RINGS_HDR 1
#define ETHTOOL_A_HDR_DEV_NAME 2
#define ETHTOOL_A_RINGS_TX_PUSH_ATTR 13
#define ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN 15
#define ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN_MAX 16

static int eth_ioctl(const char *ifname, void *cmd)
{
	struct ifreq ifr;
	int fd = ethtool_socket();

	if (fd < 0)
		return -EBADF;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/* One netlink request, one answer into buf; returns its length or -errno. */
static ssize_t nl_roundtrip(int fd, const void *req, size_t len, char *buf, size_t size)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	if (sendto(fd, req, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	n = recv(fd, buf, size, 0);
	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(struct nlmsghdr))
		return -EIO;
	const struct nlmsghdr *h = (const void *)buf;

	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		return e->error ? e->error : -EIO;
	}
	return n;
}

/* Attributes from start to end: the one of type, NULL when absent. */
static const struct nlattr *nla_find(const char *p, const char *end, int type)
{
	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const void *)p;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		p += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/* Walks the attributes after the genl header; returns the one of type, NULL when absent. */
static const struct nlattr *genl_attr(const char *buf, ssize_t len, int type)
{
	const struct nlmsghdr *h = (const void *)buf;

	return nla_find((const char *)NLMSG_DATA(h) + GENL_HDRLEN, buf + (h->nlmsg_len < len ? h->nlmsg_len : len), type);
}

struct genl_req {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[64];
};

static size_t put_attr(struct genl_req *r, size_t off, int type, const void *data, size_t len)
{
	struct nlattr *a = (void *)(r->attrs + off);

	a->nla_type = (unsigned short)type;
	a->nla_len = (unsigned short)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	return off + NLA_ALIGN(a->nla_len);
}

/* The id of genetlink family name on fd: 0, -ENOENT when the kernel has no such family, or -errno. */
static int genl_family(int fd, const char *name, uint16_t *family)
{
	struct genl_req r;
	char buf[8192];
	const struct nlattr *a;
	ssize_t n;
	size_t off;

	memset(&r, 0, sizeof(r));
	off = put_attr(&r, 0, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	r.n = (struct nlmsghdr){ .nlmsg_len = (uint32_t)(NLMSG_HDRLEN + GENL_HDRLEN + off), .nlmsg_type = GENL_ID_CTRL,
				 .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 };
	r.g = (struct genlmsghdr){ .cmd = CTRL_CMD_GETFAMILY, .version = 1 };
	n = nl_roundtrip(fd, &r, r.n.nlmsg_len, buf, sizeof(buf));
	if (n < 0 || !(a = genl_attr(buf, n, CTRL_ATTR_FAMILY_ID)) || a->nla_len < NLA_HDRLEN + 2)
		return n < 0 && n != -ENOENT ? (int)n : -ENOENT;
	memcpy(family, (const char *)a + NLA_HDRLEN, sizeof(*family));
	return 0;
}

int netdev_xdp_query(int ifindex, uint64_t *features)
{
	struct genl_req r;
	char buf[8192];
	const struct nlattr *a;
	uint32_t idx = (uint32_t)ifindex;
	uint16_t family;
	ssize_t n;
	size_t off;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC), rc;

	if (fd < 0)
		return -errno;
	/* No such family: a kernel before 6.3. */
	if ((rc = genl_family(fd, NETDEV_FAMILY, &family)) < 0)
		goto out;
	memset(&r, 0, sizeof(r));
	off = put_attr(&r, 0, NETDEV_A_DEV_IFINDEX, &idx, sizeof(idx));
	r.n = (struct nlmsghdr){ .nlmsg_len = (uint32_t)(NLMSG_HDRLEN + GENL_HDRLEN + off), .nlmsg_type = family,
				 .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 2 };
	r.g = (struct genlmsghdr){ .cmd = NETDEV_CMD_DEV_GET, .version = 1 };
	n = nl_roundtrip(fd, &r, r.n.nlmsg_len, buf, sizeof(buf));
	if (n < 0) {
		rc = (int)n;
		goto out;
	}
	a = genl_attr(buf, n, NETDEV_A_DEV_XDP_FEATURES);
	if (!a || a->nla_len < NLA_HDRLEN + 8) {
		rc = -ENODATA;
		goto out;
	}
	memcpy(features, (const char *)a + NLA_HDRLEN, sizeof(*features));
out:
	close(fd);
	return rc;
}

int netdev_xdp_prog(int ifindex, long *prog_id)
{
	struct {
		struct nlmsghdr n;
		struct ifinfomsg i;
	} r = { .n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 },
		.i = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex } };
	char buf[16384];
	const struct nlattr *xdp, *id;
	const struct nlmsghdr *h = (const void *)buf;
	const char *start, *end;
	ssize_t n;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	n = nl_roundtrip(fd, &r, r.n.nlmsg_len, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return (int)n;
	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len > (size_t)n || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return -EIO;
	start = (const char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct ifinfomsg));
	end = buf + h->nlmsg_len;
	*prog_id = 0;
	if (!(xdp = nla_find(start, end, IFLA_XDP)))
		return 0;	/* no XDP attribute: nothing attached */
	id = nla_find((const char *)xdp + NLA_HDRLEN, (const char *)xdp + xdp->nla_len, IFLA_XDP_PROG_ID);
	if (id && id->nla_len >= NLA_HDRLEN + 4) {
		uint32_t v;

		memcpy(&v, (const char *)id + NLA_HDRLEN, sizeof(v));
		*prog_id = v;
	}
	return 0;
}

/* A u32 (or u8 when size says) attribute's value; false when absent or short. */
static bool genl_uint(const char *buf, ssize_t len, int type, size_t size, long *out)
{
	const struct nlattr *a = genl_attr(buf, len, type);
	uint32_t v32;
	uint8_t v8;

	if (!a || a->nla_len < NLA_HDRLEN + size)
		return false;
	if (size == 1) {
		memcpy(&v8, (const char *)a + NLA_HDRLEN, 1);
		*out = v8;
	} else {
		memcpy(&v32, (const char *)a + NLA_HDRLEN, 4);
		*out = (long)v32;
	}
	return true;
}

int netdev_tx_push_query(const char *ifname, struct nic_netpath *o)
{
	struct genl_req r;
	char buf[8192];
	struct nlattr *hdr;
	uint16_t family;
	ssize_t n;
	size_t off;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC), rc;

	if (fd < 0)
		return -errno;
	if ((rc = genl_family(fd, ETHTOOL_FAMILY, &family)) < 0)
		goto out;
	memset(&r, 0, sizeof(r));
	/* ETHTOOL_A_RINGS_HEADER nests the device's name. */
	hdr = (void *)r.attrs;
	off = put_attr(&r, NLA_HDRLEN, ETHTOOL_A_HDR_DEV_NAME, ifname, strlen(ifname) + 1);
	hdr->nla_type = NLA_F_NESTED | ETHTOOL_A_RINGS_HDR;
	hdr->nla_len = (unsigned short)off;
	r.n = (struct nlmsghdr){ .nlmsg_len = (uint32_t)(NLMSG_HDRLEN + GENL_HDRLEN + off), .nlmsg_type = family,
				 .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 2 };
	r.g = (struct genlmsghdr){ .cmd = ETHTOOL_CMD_RINGS_GET, .version = 1 };
	n = nl_roundtrip(fd, &r, r.n.nlmsg_len, buf, sizeof(buf));
	if (n < 0) {
		rc = (int)n;
		goto out;
	}
	/* The push buffer's length is sent only by drivers that report it (ENA: 96 or 224 in LLQ mode, 0 without). */
	if (!genl_uint(buf, n, ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN_MAX, 4, &o->tx_push_buf_max) ||
	    !genl_uint(buf, n, ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN, 4, &o->tx_push_buf_len)) {
		rc = -ENODATA;
		goto out;
	}
	if (!genl_uint(buf, n, ETHTOOL_A_RINGS_TX_PUSH_ATTR, 1, &o->tx_push))
		o->tx_push = o->tx_push_buf_max > 0;
	o->has_tx_push = true;
out:
	close(fd);
	return rc;
}

static const char *const xdp_names[] = { "basic", "redirect", "ndo-xmit", "xsk-zerocopy", "hw-offload", "rx-sg",
					 "ndo-xmit-sg" };

const char *xdp_features_text(uint64_t f, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(xdp_names) / sizeof(xdp_names[0]); i++)
		if (f & (1ull << i) && len + 1 < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "", xdp_names[i]);
	if (!len)
		snprintf(buf, size, "none");
	return buf;
}

static uint64_t xdp_parse(const char *s)
{
	uint64_t f = 0;

	for (size_t i = 0; i < sizeof(xdp_names) / sizeof(xdp_names[0]); i++) {
		size_t n = strlen(xdp_names[i]);

		for (const char *p = s; (p = strstr(p, xdp_names[i])); p += n)
			if ((p == s || p[-1] == ',') && (!p[n] || p[n] == ',' || p[n] == '\n'))
				f |= 1ull << i;
	}
	return f;
}

/*
 * ethtool -k's [fixed]: the driver offers no change of the feature (not in "available", or marked
 * never-changed). Feature indexes come by name from the ETH_SS_FEATURES string set.
 */
static void load_fixed(const char *ifname, struct nic_netpath *o)
{
	static const struct {
		const char *name;
		size_t off;
	} want[] = { { "rx-gro", offsetof(struct nic_netpath, gro_fixed) },
		     { "rx-lro", offsetof(struct nic_netpath, lro_fixed) },
		     { "rx-ntuple-filter", offsetof(struct nic_netpath, ntuple_fixed) } };
	struct {
		struct ethtool_sset_info hdr;
		uint32_t len;
	} info = { .hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ull << ETH_SS_FEATURES } };
	struct ethtool_gstrings *names = NULL;
	struct ethtool_gfeatures *feat = NULL;
	uint32_t n, blocks;

	if (eth_ioctl(ifname, &info) < 0 || !(info.hdr.sset_mask & (1ull << ETH_SS_FEATURES)) || !info.len ||
	    info.len > 4096)
		return;
	n = info.len;
	blocks = (n + 31) / 32;
	names = xcalloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_FEATURES;
	names->len = n;
	feat = xcalloc(1, sizeof(*feat) + blocks * sizeof(feat->features[0]));
	feat->cmd = ETHTOOL_GFEATURES;
	feat->size = blocks;
	if (eth_ioctl(ifname, names) == 0 && eth_ioctl(ifname, feat) == 0)
		for (uint32_t i = 0; i < n; i++) {
			const char *name = (const char *)names->data + (size_t)i * ETH_GSTRING_LEN;
			uint32_t bit = 1u << (i % 32);
			const struct ethtool_get_features_block *b = &feat->features[i / 32];

			for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
				if (!strncmp(name, want[k].name, ETH_GSTRING_LEN))
					*(long *)((char *)o + want[k].off) = !(b->available & bit) || (b->never_changed & bit);
		}
	free(names);
	free(feat);
}

static void load_live(const char *ifname, struct nic_netpath *o)
{
	struct ethtool_value gro = { .cmd = ETHTOOL_GGRO }, flags = { .cmd = ETHTOOL_GFLAGS };
	struct ethtool_pauseparam pp = { .cmd = ETHTOOL_GPAUSEPARAM };
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	unsigned idx = if_nametoindex(ifname);

	o->gro = o->lro = o->ntuple = -1;
	if (eth_ioctl(ifname, &gro) == 0) {
		o->has_features = true;
		o->gro = gro.data != 0;
	}
	if (eth_ioctl(ifname, &flags) == 0) {
		o->has_features = true;
		o->lro = (flags.data & ETH_FLAG_LRO) != 0;
		o->ntuple = (flags.data & ETH_FLAG_NTUPLE) != 0;
	}
	if (o->has_features)
		load_fixed(ifname, o);
	if (eth_ioctl(ifname, &pp) == 0) {
		o->has_pause = true;
		o->pause_autoneg = pp.autoneg;
		o->rx_pause = pp.rx_pause;
		o->tx_pause = pp.tx_pause;
	}
	if (eth_ioctl(ifname, &ch) == 0) {
		o->has_channels = true;
		o->combined = ch.combined_count;
		o->combined_max = ch.max_combined;
		o->rx_channels = ch.rx_count;
		o->tx_channels = ch.tx_count;
	}
	netdev_tx_push_query(ifname, o);
	if (idx && netdev_xdp_query((int)idx, &o->xdp_features) == 0) {
		o->has_xdp = true;
		snprintf(o->xdp_source, sizeof(o->xdp_source), "netlink");
	}
	o->xdp_prog = -1;
	if (idx && netdev_xdp_prog((int)idx, &o->xdp_prog) < 0)
		o->xdp_prog = -1;
}

static bool kv(const char *text, const char *key, long *out)
{
	size_t klen = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, klen) && l[klen] == '=') {
			char v[32];

			snprintf(v, sizeof(v), "%.*s", (int)strcspn(l + klen + 1, "\n"), l + klen + 1);
			return parse_long(trim(v), out) == 0 && *out >= 0;
		}
	return false;
}

static char *read_file(const struct sysroot *sr, const char *ifname, const char *what)
{
	char path[160], *text = NULL;

	snprintf(path, sizeof(path), SYSROOT_NETDEV_DIR "/%s/%s", ifname, what);
	return sysroot_read_alloc(sr, path, 65536, &text, NULL) == 0 ? text : NULL;
}

static void load_tree(const struct sysroot *sr, const char *ifname, struct nic_netpath *o)
{
	char *t;

	o->gro = o->lro = o->ntuple = -1;
	if ((t = read_file(sr, ifname, "features"))) {
		/* A flag is 0 or 1; anything else leaves it unknown. */
		o->has_features = true;
		if (!kv(t, "gro", &o->gro) || o->gro > 1)
			o->gro = -1;
		if (!kv(t, "lro", &o->lro) || o->lro > 1)
			o->lro = -1;
		if (!kv(t, "ntuple", &o->ntuple) || o->ntuple > 1)
			o->ntuple = -1;
		/* Absent (a capture before they were recorded): changeable, as it was judged then. */
		o->gro_fixed = kv(t, "gro_fixed", &o->gro_fixed) && o->gro_fixed == 1;
		o->lro_fixed = kv(t, "lro_fixed", &o->lro_fixed) && o->lro_fixed == 1;
		o->ntuple_fixed = kv(t, "ntuple_fixed", &o->ntuple_fixed) && o->ntuple_fixed == 1;
		free(t);
	}
	if ((t = read_file(sr, ifname, "pause"))) {
		o->has_pause = kv(t, "autoneg", &o->pause_autoneg) && kv(t, "rx_pause", &o->rx_pause) &&
			       kv(t, "tx_pause", &o->tx_pause);
		free(t);
	}
	if ((t = read_file(sr, ifname, "channels"))) {
		o->has_channels = kv(t, "combined", &o->combined) && kv(t, "combined_max", &o->combined_max) &&
				  kv(t, "rx_channels", &o->rx_channels) && kv(t, "tx_channels", &o->tx_channels);
		free(t);
	}
	o->xdp_prog = -1;
	if ((t = read_file(sr, ifname, "tx_push"))) {
		o->has_tx_push = kv(t, "tx_push", &o->tx_push) && o->tx_push <= 1 &&
				 kv(t, "tx_push_buf_len", &o->tx_push_buf_len) &&
				 kv(t, "tx_push_buf_len_max", &o->tx_push_buf_max);
		free(t);
	}
	if ((t = read_file(sr, ifname, "xdp"))) {
		const char *f = strstr(t, "features=");

		if (f && (f == t || f[-1] == '\n')) {
			o->has_xdp = true;
			o->xdp_features = xdp_parse(f + 9);
			snprintf(o->xdp_source, sizeof(o->xdp_source), "capture");
		}
		if (!kv(t, "prog_id", &o->xdp_prog))
			o->xdp_prog = -1;
		free(t);
	}
}

static void record(const struct sysroot *sr, const char *ifname, const struct nic_netpath *o)
{
	char path[160], text[512], x[160];
	int n;

	if (o->has_features) {
		n = snprintf(text, sizeof(text), "gro=%ld\nlro=%ld\nntuple=%ld\ngro_fixed=%ld\nlro_fixed=%ld\nntuple_fixed=%ld\n",
			     o->gro, o->lro, o->ntuple, o->gro_fixed, o->lro_fixed, o->ntuple_fixed);
		snprintf(path, sizeof(path), SYSROOT_NETDEV_DIR "/%s/features", ifname);
		sysroot_record_synthetic(sr, path, text, (size_t)n);
	}
	if (o->has_pause) {
		n = snprintf(text, sizeof(text), "autoneg=%ld\nrx_pause=%ld\ntx_pause=%ld\n", o->pause_autoneg, o->rx_pause,
			     o->tx_pause);
		snprintf(path, sizeof(path), SYSROOT_NETDEV_DIR "/%s/pause", ifname);
		sysroot_record_synthetic(sr, path, text, (size_t)n);
	}
	if (o->has_channels) {
		n = snprintf(text, sizeof(text), "combined=%ld\ncombined_max=%ld\nrx_channels=%ld\ntx_channels=%ld\n",
			     o->combined, o->combined_max, o->rx_channels, o->tx_channels);
		snprintf(path, sizeof(path), SYSROOT_NETDEV_DIR "/%s/channels", ifname);
		sysroot_record_synthetic(sr, path, text, (size_t)n);
	}
	if (o->has_tx_push) {
		n = snprintf(text, sizeof(text), "tx_push=%ld\ntx_push_buf_len=%ld\ntx_push_buf_len_max=%ld\n", o->tx_push,
			     o->tx_push_buf_len, o->tx_push_buf_max);
		snprintf(path, sizeof(path), SYSROOT_NETDEV_DIR "/%s/tx_push", ifname);
		sysroot_record_synthetic(sr, path, text, (size_t)n);
	}
	if (o->has_xdp || o->xdp_prog >= 0) {
		n = snprintf(text, sizeof(text), "%s%s%s", o->has_xdp ? "features=" : "",
			     o->has_xdp ? xdp_features_text(o->xdp_features, x, sizeof(x)) : "", o->has_xdp ? "\n" : "");
		if (o->xdp_prog >= 0)
			n += snprintf(text + n, sizeof(text) - (size_t)n, "prog_id=%ld\n", o->xdp_prog);
		snprintf(path, sizeof(path), SYSROOT_NETDEV_DIR "/%s/xdp", ifname);
		sysroot_record_synthetic(sr, path, text, (size_t)n);
	}
}

void netdev_load(const struct sysroot *sr, const char *ifname, struct nic_netpath *out)
{
	memset(out, 0, sizeof(*out));
	if (!ifname[0] || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/'))
		return;
	if (sr->live) {
		load_live(ifname, out);
		if (sr->rec)
			record(sr, ifname, out);
	} else {
		load_tree(sr, ifname, out);
	}
}

bool netdev_key(const char *key)
{
	return !strcmp(key, "gro") || !strcmp(key, "lro") || !strcmp(key, "ntuple") || !strcmp(key, "rx_pause") ||
	       !strcmp(key, "tx_pause");
}

int netdev_set(const char *ifname, const char *key, long value)
{
	int rc;

	if (value != 0 && value != 1)
		return -EINVAL;
	if (!strcmp(key, "gro")) {
		struct ethtool_value v = { .cmd = ETHTOOL_SGRO, .data = (uint32_t)value };

		return eth_ioctl(ifname, &v);
	}
	if (!strcmp(key, "lro") || !strcmp(key, "ntuple")) {
		struct ethtool_value v = { .cmd = ETHTOOL_GFLAGS };
		uint32_t bit = !strcmp(key, "lro") ? ETH_FLAG_LRO : ETH_FLAG_NTUPLE;

		if ((rc = eth_ioctl(ifname, &v)) < 0)
			return rc;
		v.cmd = ETHTOOL_SFLAGS;
		v.data = value ? v.data | bit : v.data & ~bit;
		return eth_ioctl(ifname, &v);
	}
	if (!strcmp(key, "rx_pause") || !strcmp(key, "tx_pause")) {
		struct ethtool_pauseparam pp = { .cmd = ETHTOOL_GPAUSEPARAM };

		if ((rc = eth_ioctl(ifname, &pp)) < 0)
			return rc;
		pp.cmd = ETHTOOL_SPAUSEPARAM;
		/* Pause set by hand: autonegotiation of it would undo the setting at the next link-up. */
		pp.autoneg = 0;
		*(!strcmp(key, "rx_pause") ? &pp.rx_pause : &pp.tx_pause) = (uint32_t)value;
		return eth_ioctl(ifname, &pp);
	}
	return -EINVAL;
}
