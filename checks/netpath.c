/* The kernel's receive path on the NICs: RPS/XPS/RFS steering, NAPI busy polling, offloads, channels, pause, ntuple. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "tuners.h"
#include "util.h"

#define NET_DIR "/sys/class/net"
#define RFS_ENTRIES "/proc/sys/net/core/rps_sock_flow_entries"

/* ---- nic.rps_xps ---- */

/* One queue mask file that steers work onto cpus the profile does not allow; into bad, with the wanted mask. */
struct steer {
	char path[192];
	struct cpuset have, want;
	const struct nic *n;
};

struct steer_scan {
	size_t n, cap;
	struct steer *v;
	size_t files;
};

static void allowed_set(const struct profile *p, struct cpuset *out)
{
	if (profile_has_word(p, PK_RPS, "housekeeping"))
		*out = p->housekeeping;
	else
		cpuset_zero(out);
}

static void scan_nic(const struct sysroot *sr, const struct nic *n, const struct cpuset *ok, struct steer_scan *s)
{
	char path[192];
	struct dirlist dl;

	snprintf(path, sizeof(path), NET_DIR "/%s/queues", n->name);
	if (sysroot_list(sr, path, &dl) < 0)
		return;
	for (size_t i = 0; i < dl.n; i++) {
		const char *file = !strncmp(dl.names[i], "rx-", 3) ? "rps_cpus" : !strncmp(dl.names[i], "tx-", 3) ? "xps_cpus" : NULL;
		struct steer st = { .n = n };

		if (!file)
			continue;
		snprintf(st.path, sizeof(st.path), NET_DIR "/%s/queues/%s/%s", n->name, dl.names[i], file);
		if (sysroot_read_mask(sr, st.path, &st.have) < 0)
			continue;
		s->files++;
		if (cpuset_subset(&st.have, ok))
			continue;
		cpuset_and(&st.want, &st.have, ok);
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 8;
			s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
		}
		s->v[s->n++] = st;
	}
	dirlist_free(&dl);
}

static void scan_all(const struct check_ctx *ctx, struct steer_scan *s)
{
	struct cpuset ok;

	allowed_set(ctx->prof, &ok);
	for (size_t i = 0; i < ctx->host->nnics; i++)
		if (ctx->host->nics[i].name[0])
			scan_nic(ctx->sr, &ctx->host->nics[i], &ok, s);
}

static void run_rps(const struct check_ctx *ctx, struct finding *f)
{
	const char *want = profile_str(ctx->prof, PK_RPS);
	struct steer_scan s = { 0 };
	struct strbuf obs = { 0 }, fix = { 0 };
	char buf[256];
	long rfs = 0;
	int rc;

	if (!want) {
		finding_skip(f, "profile does not ask for nic.rps");
		return;
	}
	scan_all(ctx, &s);
	rc = sysroot_read_long(ctx->sr, RFS_ENTRIES, &rfs);
	finding_expected(f, "RPS/XPS masks %s; RFS off (rps_sock_flow_entries 0: RFS follows the application onto its cpu)",
			 !strcmp(want, "off") ? "empty" : "within the housekeeping cores");
	if (!s.files && rc < 0) {
		finding_skip(f, "no rps_cpus/xps_cpus under %s/*/queues and no %s", NET_DIR, RFS_ENTRIES);
		return;
	}
	for (size_t i = 0; i < s.n && i < 6; i++)
		strbuf_addf(&obs, "%s'%s' = '%s'", obs.len ? ", " : "", s.v[i].path,
			    cpuset_format(&s.v[i].have, buf, sizeof(buf)));
	if (s.n > 6)
		strbuf_addf(&obs, ", ... (%zu queues)", s.n);
	for (size_t i = 0; i < s.n && i < 3; i++)
		strbuf_addf(&fix, "%secho %s > %s", fix.len ? "; " : "", cpuset_format_mask(&s.v[i].want, buf, sizeof(buf)),
			    s.v[i].path);
	if (s.n > 3)
		strbuf_add(&fix, "; ... for every queue listed");
	if (rc == 0 && rfs > 0) {
		strbuf_addf(&obs, "%s'net.core.rps_sock_flow_entries' = '%ld'", obs.len ? ", " : "", rfs);
		strbuf_addf(&fix, "%ssysctl -w net.core.rps_sock_flow_entries=0", fix.len ? "; " : "");
	}
	if (obs.len) {
		finding_fail(f, "%s", obs.s);
		finding_remedy(f, "%s", fix.s);
	} else {
		finding_pass(f, "%zu queue masks %s, RFS off", s.files, !strcmp(want, "off") ? "empty" : "on housekeeping cores");
	}
	strbuf_free(&obs);
	strbuf_free(&fix);
	free(s.v);
}

/* Masks are written narrowed to what the profile allows; NICs on the management path stay manual. */
static int plan_rps(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	struct check_ctx cc = { ctx->host, ctx->prof, ctx->sr, NULL };
	struct steer_scan s = { 0 };
	bool manual = false;
	char mask[256];
	long rfs;

	scan_all(&cc, &s);
	for (size_t i = 0; i < s.n; i++) {
		if (ctx->mgmt && mgmt_reason(ctx->mgmt, s.v[i].n)) {
			manual = true;
			continue;
		}
		cpuset_format_mask(&s.v[i].want, mask, sizeof(mask));
		if (tune_value(ctx, p, f->check->id, s.v[i].path, mask) < 0)
			manual = true;
	}
	if (sysroot_read_long(ctx->sr, RFS_ENTRIES, &rfs) == 0 && rfs > 0)
		tune_sysctl(ctx, p, f->check->id, "net.core.rps_sock_flow_entries", "0");
	if (manual)
		plan_add_manual(p, f, NULL);
	free(s.v);
	return 0;
}

const struct check check_nic_rps_xps = {
	.id = "nic.rps_xps", .area = AREA_NIC, .title = "RPS, XPS and RFS steer no packet work onto isolated cores",
	.reads = NET_DIR "/*/queues/{rx,tx}-N/{rps,xps}_cpus, " RFS_ENTRIES,
	.keys = KEYS(PK_RPS, PK_HOUSEKEEPING_CORES), .flags = CF_RUNTIME | CF_PER_NIC, .run = run_rps, .plan = plan_rps,
};

/* ---- nic.napi ---- */

struct napi_knob {
	const char *file;
	enum profile_key key;
};
static const struct napi_knob napi_knobs[] = { { "napi_defer_hard_irqs", PK_NAPI_DEFER },
					       { "gro_flush_timeout", PK_GRO_FLUSH } };

static void run_napi(const struct check_ctx *ctx, struct finding *f)
{
	struct strbuf obs = { 0 }, exp = { 0 }, fix = { 0 };
	const struct nic *n;
	bool asked = false;

	for (size_t i = 0; i < 2; i++)
		asked |= profile_wants(ctx->prof, napi_knobs[i].key);
	if (!asked) {
		finding_skip(f, "profile does not ask for nic.napi_defer_hard_irqs or nic.gro_flush_timeout");
		return;
	}
	if (!(n = check_netdev(ctx, f)))
		return;
	for (size_t i = 0; i < 2; i++) {
		char path[160];
		long want, have;
		int rc;

		if (profile_long(ctx->prof, napi_knobs[i].key, &want) < 0)
			continue;
		snprintf(path, sizeof(path), NET_DIR "/%s/%s", n->name, napi_knobs[i].file);
		strbuf_addf(&exp, "%s'%s' = '%ld'", exp.len ? ", " : "", path, want);
		rc = sysroot_read_long(ctx->sr, path, &have);
		if (rc < 0) {
			finding_skip_bad(f, ctx->sr, path, rc);
			goto out;
		}
		strbuf_addf(&obs, "%s'%s' = '%ld'", obs.len ? ", " : "", path, have);
		if (have != want)
			strbuf_addf(&fix, "%secho %ld > %s", fix.len ? "; " : "", want, path);
	}
	finding_expected(f, "%s (NAPI busy polling: the IRQ stays masked while the application polls)", exp.s);
	if (fix.len) {
		finding_fail(f, "%s", obs.s);
		finding_remedy(f, "%s", fix.s);
	} else {
		finding_pass(f, "%s", obs.s);
	}
out:
	strbuf_free(&obs);
	strbuf_free(&exp);
	strbuf_free(&fix);
}

static int plan_napi(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const struct nic *n = ctx->prof->nic;

	if (!n || !n->name[0] || (ctx->mgmt && mgmt_reason(ctx->mgmt, n))) {
		plan_add_manual(p, f, NULL);
		return 0;
	}
	for (size_t i = 0; i < 2; i++) {
		char path[160];
		const char *want = profile_str(ctx->prof, napi_knobs[i].key);

		snprintf(path, sizeof(path), NET_DIR "/%s/%s", n->name, napi_knobs[i].file);
		if (want)
			tune_value(ctx, p, f->check->id, path, want);
	}
	return 0;
}

const struct check check_nic_napi = {
	.id = "nic.napi", .area = AREA_NIC, .title = "NAPI busy-polling settings of the NIC as the profile says",
	.reads = NET_DIR "/IFNAME/{napi_defer_hard_irqs,gro_flush_timeout}",
	.keys = KEYS(PK_NAPI_DEFER, PK_GRO_FLUSH), .flags = CF_RUNTIME | CF_PER_NIC, .run = run_napi, .plan = plan_napi,
};

/* ---- nic.offloads, nic.pause, nic.ntuple: on/off ethtool flags ---- */

struct flag {
	const char *key;	/* the key in SYSROOT_NETDEV_DIR/IFNAME/file and of netdev_set */
	const char *what;	/* for people */
	const char *cmd;	/* ethtool's spelling */
	enum profile_key pk;
	size_t off;		/* offsetof(struct nic_netpath, field) */
	size_t fixed_off;	/* its [fixed] flag's offsetof, 0 when ethtool reports none */
};

#define NP(field) offsetof(struct nic_netpath, field)

static const struct flag offload_flags[] = {
	{ "gro", "GRO", "-K %s gro %s", PK_GRO, NP(gro), NP(gro_fixed) },
	{ "lro", "LRO", "-K %s lro %s", PK_LRO, NP(lro), NP(lro_fixed) },
};
static const struct flag pause_flags[] = {
	{ "rx_pause", "rx pause", "-A %s rx %s", PK_PAUSE, NP(rx_pause), 0 },
	{ "tx_pause", "tx pause", "-A %s tx %s", PK_PAUSE, NP(tx_pause), 0 },
};
static const struct flag ntuple_flags[] = {
	{ "ntuple", "ntuple filters", "-K %s ntuple %s", PK_NTUPLE, NP(ntuple), NP(ntuple_fixed) },
};

static long np_field(const struct nic *n, size_t off)
{
	return *(const long *)((const char *)&n->np + off);
}

/* The driver fixes the flag (ethtool -k's [fixed]): no ethtool command changes it. */
static bool np_fixed(const struct nic *n, const struct flag *fl)
{
	return fl->fixed_off && np_field(n, fl->fixed_off) == 1;
}

static void judge_flags(const struct check_ctx *ctx, struct finding *f, const struct flag *fl, size_t nfl, bool have,
			const char *group)
{
	struct strbuf obs = { 0 }, exp = { 0 }, fix = { 0 };
	const struct nic *n;
	bool asked = false;

	for (size_t i = 0; i < nfl; i++)
		asked |= profile_wants(ctx->prof, fl[i].pk);
	if (!asked) {
		finding_skip(f, "profile does not ask for %s", group);
		return;
	}
	if (!(n = check_netdev(ctx, f)))
		return;
	if (!have) {
		finding_skip(f, "the driver of %s reports no %s (ethtool %s unsupported)", n->name, group,
			     fl[0].cmd[1] == 'A' ? "-a" : "-k");
		return;
	}
	for (size_t i = 0; i < nfl; i++) {
		const char *want = profile_str(ctx->prof, fl[i].pk);
		long v = np_field(n, fl[i].off);
		char cmd[96];

		if (!want)
			continue;
		strbuf_addf(&exp, "%s%s %s", exp.len ? ", " : "", fl[i].what, want);
		strbuf_addf(&obs, "%s%s %s", obs.len ? ", " : "", fl[i].what, v < 0 ? "unknown" : v ? "on" : "off");
		if (v >= 0 && v != !strcmp(want, "on") && np_fixed(n, &fl[i])) {
			strbuf_addf(&obs, " [fixed]");
			strbuf_addf(&fix, "%sthe driver of %s fixes %s %s (ethtool -k: [fixed]), no ethtool command changes it: "
				    "a NIC or driver that offers it, or a profile asking %s", fix.len ? "; " : "", n->name,
				    fl[i].what, v ? "on" : "off", v ? "on" : "off");
		} else if (v >= 0 && v != !strcmp(want, "on")) {
			snprintf(cmd, sizeof(cmd), fl[i].cmd, n->name, want);
			strbuf_addf(&fix, "%sethtool %s", fix.len ? "; " : "", cmd);
		}
	}
	finding_expected(f, "%s: %s", n->name, exp.s);
	if (fix.len) {
		finding_fail(f, "%s: %s", n->name, obs.s);
		finding_remedy(f, "%s", fix.s);
	} else {
		finding_pass(f, "%s: %s", n->name, obs.s);
	}
	strbuf_free(&obs);
	strbuf_free(&exp);
	strbuf_free(&fix);
}

static int plan_flags(const struct tune_ctx *ctx, const struct finding *f, struct plan *p, const struct flag *fl,
		      size_t nfl, const char *file)
{
	const struct nic *n = ctx->prof->nic;
	char path[160];

	if (!n || !n->name[0]) {
		plan_add_manual(p, f, NULL);
		return 0;
	}
	snprintf(path, sizeof(path), SYSROOT_NETDEV_DIR "/%s/%s", n->name, file);
	for (size_t i = 0; i < nfl; i++) {
		const char *want = profile_str(ctx->prof, fl[i].pk);
		long v = np_field(n, fl[i].off);
		char cmd[96], shell[128];

		if (!want || v < 0)
			continue;
		if (np_fixed(n, &fl[i])) {
			if (v != !strcmp(want, "on"))
				plan_add_manual(p, f, "the driver fixes it (ethtool -k: [fixed]): no ethtool command changes it");
			continue;
		}
		snprintf(cmd, sizeof(cmd), fl[i].cmd, n->name, want);
		snprintf(shell, sizeof(shell), "ethtool %s", cmd);
		tune_ethtool(ctx, p, f->check->id, n, path, fl[i].key, v, !strcmp(want, "on"), shell);
	}
	return 0;
}

static void run_offloads(const struct check_ctx *ctx, struct finding *f)
{
	judge_flags(ctx, f, offload_flags, 2, ctx->prof->nic && ctx->prof->nic->np.has_features, "nic.gro or nic.lro");
}

static int plan_offloads(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	return plan_flags(ctx, f, p, offload_flags, 2, "features");
}

const struct check check_nic_offloads = {
	.id = "nic.offloads", .area = AREA_NIC, .title = "GRO and LRO as the profile says (they batch packets: latency for kernel-path profiles)",
	.reads = "SIOCETHTOOL ETHTOOL_GGRO/GFLAGS; trees: " SYSROOT_NETDEV_DIR "/IFNAME/features",
	.keys = KEYS(PK_GRO, PK_LRO), .flags = CF_RUNTIME | CF_PER_NIC, .run = run_offloads, .plan = plan_offloads,
};

static void run_pause(const struct check_ctx *ctx, struct finding *f)
{
	judge_flags(ctx, f, pause_flags, 2, ctx->prof->nic && ctx->prof->nic->np.has_pause, "nic.pause");
}

static int plan_pause(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	return plan_flags(ctx, f, p, pause_flags, 2, "pause");
}

const struct check check_nic_pause = {
	.id = "nic.pause", .area = AREA_NIC, .title = "Ethernet pause frames as the profile says (a pause stalls the queue)",
	.reads = "SIOCETHTOOL ETHTOOL_GPAUSEPARAM; trees: " SYSROOT_NETDEV_DIR "/IFNAME/pause",
	.keys = KEYS(PK_PAUSE), .flags = CF_RUNTIME | CF_PER_NIC, .run = run_pause, .plan = plan_pause,
};

static void run_ntuple(const struct check_ctx *ctx, struct finding *f)
{
	judge_flags(ctx, f, ntuple_flags, 1, ctx->prof->nic && ctx->prof->nic->np.has_features, "nic.ntuple");
}

static int plan_ntuple(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	return plan_flags(ctx, f, p, ntuple_flags, 1, "features");
}

const struct check check_nic_ntuple = {
	.id = "nic.ntuple", .area = AREA_NIC, .title = "ntuple flow steering as the profile says (steers the feed to its queue)",
	.reads = "SIOCETHTOOL ETHTOOL_GFLAGS; trees: " SYSROOT_NETDEV_DIR "/IFNAME/features",
	.keys = KEYS(PK_NTUPLE), .flags = CF_RUNTIME | CF_PER_NIC, .run = run_ntuple, .plan = plan_ntuple,
};

/* ---- nic.queues ---- */

static void run_queues(const struct check_ctx *ctx, struct finding *f)
{
	const struct nic *n;
	long want, have, max = -1;
	const char *src;

	if (profile_long(ctx->prof, PK_QUEUES, &want) < 0) {
		finding_skip(f, "profile does not ask for nic.queues");
		return;
	}
	if (!(n = check_netdev(ctx, f)))
		return;
	if (n->np.has_channels) {
		have = n->np.combined ? n->np.combined : n->np.rx_channels;
		max = n->np.combined_max;
		src = n->np.combined ? "combined channels" : "rx channels";
	} else if (n->rx_queues) {
		have = n->rx_queues;
		src = "rx queues in sysfs";
	} else {
		finding_skip(f, "%s reports no channels (ethtool -l) and has no %s/%s/queues", n->name, NET_DIR, n->name);
		return;
	}
	finding_expected(f, "%s: %ld queues (one per polling core and no more: each extra queue is an IRQ and a ring)",
			 n->name, want);
	if (have == want) {
		finding_pass(f, "%s: %ld %s", n->name, have, src);
		return;
	}
	if (max > 0 && want > max) {
		finding_fail(f, "%s: %ld %s, the driver allows at most %ld", n->name, have, src, max);
		finding_remedy(f, "set [nic] queues to at most %ld", max);
		return;
	}
	finding_fail(f, "%s: %ld %s", n->name, have, src);
	/* Changing channels resets the rings and re-spreads the IRQs: never done behind the operator's back. */
	finding_remedy(f, "ethtool -L %s combined %ld (then re-run tickready apply for the IRQ affinities)", n->name, want);
}

const struct check check_nic_queues = {
	.id = "nic.queues", .area = AREA_NIC, .title = "the NIC's queue count as the profile says",
	.reads = "SIOCETHTOOL ETHTOOL_GCHANNELS, " NET_DIR "/IFNAME/queues; trees: " SYSROOT_NETDEV_DIR "/IFNAME/channels",
	.keys = KEYS(PK_QUEUES), .flags = CF_PER_NIC, .run = run_queues,
};
