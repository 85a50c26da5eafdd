/* Clock sync quality: which daemon runs, and what chronyd and ptp4l say of their sync, judged against [time]. */
#include <errno.h>
#include <limits.h>
#include <linux/net_tstamp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "timesync.h"
#include "util.h"

/* Only the fix is by hand: apply never restarts or reconfigures a daemon that steers the clock. */
#define BY_HAND "by hand, apply never touches a daemon that steers the clock"

/* [time] sync = required fails what is wrong; warn only warns. */
static void time_judge(const struct check_ctx *ctx, struct finding *f, const char *observed)
{
	const char *want = profile_str(ctx->prof, PK_TIMESYNC);

	if (want && !strcmp(want, "required"))
		finding_fail(f, "%s", observed);
	else
		finding_warn(f, "%s", observed);
}

/* A daemon's figures, then what is wrong with them (if anything) and the fix: one verdict, the buffers freed. */
static void conclude(const struct check_ctx *ctx, struct finding *f, struct strbuf *obs, struct strbuf *why,
		     struct strbuf *fix)
{
	if (why->len) {
		strbuf_addf(obs, ": %s", why->s);
		time_judge(ctx, f, obs->s);
		finding_remedy(f, "%s (%s)", fix->s, BY_HAND);
	} else {
		finding_pass(f, "%s", obs->s);
	}
	strbuf_free(obs);
	strbuf_free(why);
	strbuf_free(fix);
}

/* "+12.3 us" */
static const char *signed_ns(double ns, char *buf, size_t size)
{
	char mag[32];

	snprintf(buf, size, "%s%s", ns < 0 ? "-" : "+", format_ns(fabs(ns), mag, sizeof(mag)));
	return buf;
}

static const char *bound_text(long bound, char *buf, size_t size)
{
	return format_ns((double)bound, buf, size);
}

/* The profile's bound in ns, 0 when it sets none. */
static long max_offset(const struct check_ctx *ctx)
{
	long v;

	return profile_long(ctx->prof, PK_TIME_MAX_OFFSET, &v) == 0 ? v : 0;
}

/* ---- time.daemon ---- */

enum { D_CHRONYD, D_NTPD, D_PTP4L, D_PHC2SYS, D_TIMESYNCD, D_TIMEMASTER, D_COUNT };
static const char *const sync_names[D_COUNT] = { "chronyd", "ntpd", "ptp4l", "phc2sys", "systemd-timesyncd",
						  "timemaster" };

static void run_daemon(const struct check_ctx *ctx, struct finding *f)
{
	const char *source = profile_str(ctx->prof, PK_TIME_SOURCE);
	struct strbuf obs = { 0 }, why = { 0 }, fix = { 0 };
	long pids[D_COUNT];
	unsigned found = 0;

	if (!check_wanted(ctx, f, PK_TIMESYNC))
		return;
	if (!sysroot_is_dir(ctx->sr, "/proc/1")) {
		finding_skip(f, "no process table under /proc");
		return;
	}
	finding_expected(f, "%s", !source ? "a time sync daemon running (chronyd or ntpd; ptp4l for PTP)"
				  : !strcmp(source, "ptp") ? "ptp4l (or timemaster) running"
				  : "chronyd or ntpd running");
	for (int k = 0; k < D_COUNT; k++) {
		pids[k] = host_process_named(ctx->host, sync_names[k]);
		if (pids[k] >= 0) {
			found |= 1u << k;
			strbuf_addf(&obs, "%s%s (pid %ld)", obs.len ? ", " : "", sync_names[k], pids[k]);
		}
	}
/* Whether phc2sys follows each clock ptp4l disciplines is time.phc2sys's: ptp4l -S needs none. */
#define RUNS(d) (found & (1u << (d)))
	if (!found) {
		strbuf_add(&why, "no chronyd, ntpd, ptp4l, timemaster or systemd-timesyncd running");
		strbuf_add(&fix, source && !strcmp(source, "ptp")
					 ? "apt install linuxptp; run ptp4l -i IFACE and phc2sys -a -r (or timemaster)"
					 : "apt install chrony (or linuxptp: ptp4l and phc2sys)");
	} else if (source && !strcmp(source, "ptp") && !RUNS(D_PTP4L) && !RUNS(D_TIMEMASTER)) {
		strbuf_addf(&why, "%s: no ptp4l ([time] source = ptp)", obs.s);
		strbuf_add(&fix, "apt install linuxptp; run ptp4l -i IFACE and phc2sys -a -r (or timemaster)");
	} else if (source && !strcmp(source, "ntp") && !RUNS(D_CHRONYD) && !RUNS(D_NTPD)) {
		strbuf_addf(&why, "%s: no chronyd or ntpd ([time] source = ntp)", obs.s);
		strbuf_add(&fix, "apt install chrony");
	} else if (RUNS(D_CHRONYD) && RUNS(D_NTPD)) {
		strbuf_addf(&why, "%s: chronyd and ntpd both steer the system clock", obs.s);
		strbuf_add(&fix, "keep one: systemctl disable --now ntp (or chrony)");
	} else if (found == (1u << D_TIMESYNCD)) {
		/* SNTP, and no interface to ask how well: nothing proves a bound. */
		strbuf_addf(&why, "%s: SNTP only, it reports no offset to hold to a bound", obs.s);
		strbuf_add(&fix, "apt install chrony (it replaces systemd-timesyncd)");
	}
#undef RUNS
	if (why.len) {
		time_judge(ctx, f, why.s);
		finding_remedy(f, "%s (%s)", fix.s, BY_HAND);
	} else {
		finding_pass(f, "%s", obs.s);
	}
	strbuf_free(&obs);
	strbuf_free(&why);
	strbuf_free(&fix);
}

const struct check check_time_daemon = {
	.id = "time.daemon", .area = AREA_TIME, .title = "a time sync daemon of the kind the profile wants keeps the clocks right",
	.reads = "/proc/PID/status (Name; /proc/PID/comm without one)", .keys = KEYS(PK_TIMESYNC, PK_TIME_SOURCE),
	.flags = CF_PROCS, .run = run_daemon,
};

/* The socket the profile names, else the daemon's default; NULL after a skip when it is not a path. */
static const char *socket_of(const struct check_ctx *ctx, struct finding *f, enum profile_key k, const char *dflt)
{
	const char *s = profile_str(ctx->prof, k);
	char name[64], shown[80];

	if (!s)
		return dflt;
	if (!timesync_socket_valid(s)) {
		check_printable(s, shown, sizeof(shown));
		finding_skip(f, "%s = '%s' is not an absolute path of plain components (under %d bytes)",
			     profile_key_name(k, name, sizeof(name)), shown, TIMESYNC_SOCKET_MAX);
		return NULL;
	}
	return s;
}

/* Skips unless the daemon runs (the capture's process table under --root); true when it does. */
static bool daemon_runs(const struct check_ctx *ctx, struct finding *f, const char *comm)
{
	if (!sysroot_is_dir(ctx->sr, "/proc/1")) {
		finding_skip(f, "no process table under /proc");
		return false;
	}
	if (host_process_named(ctx->host, comm) < 0) {
		finding_skip(f, "%s not running (time.daemon judges which sync runs)", comm);
		return false;
	}
	return true;
}

/* ---- time.chrony ---- */

static void chrony_figures(struct strbuf *sb, const struct chrony_tracking *t)
{
	char a[32], b[32], c[32], d[32], e[32];

	strbuf_addf(sb, "reference %s%s%s%s stratum %d, leap %s, system time %s, last offset %s, RMS offset %s, "
		    "frequency %+.3f ppm (residual %+.3f, skew %.3f), root delay %s, root dispersion %s",
		    t->ref_id, t->ref_name[0] ? " (" : "", t->ref_name, t->ref_name[0] ? ")" : "", t->stratum, t->leap,
		    signed_ns(t->system_time * 1e9, a, sizeof(a)), signed_ns(t->last_offset * 1e9, b, sizeof(b)),
		    format_ns(fabs(t->rms_offset) * 1e9, c, sizeof(c)), t->freq_ppm, t->resid_freq_ppm, t->skew_ppm,
		    format_ns(fabs(t->root_delay) * 1e9, d, sizeof(d)), format_ns(fabs(t->root_dispersion) * 1e9, e, sizeof(e)));
}

static void run_chrony(const struct check_ctx *ctx, struct finding *f)
{
	const char *sock;
	struct strbuf obs = { 0 }, why = { 0 }, fix = { 0 };
	struct chrony_tracking t;
	struct chrony_sources src;
	char *text = NULL, err[256], bt[32], v[32];
	long bound = max_offset(ctx);
	bool past_offset, past_rms;
	int rc;

	if (!check_wanted(ctx, f, PK_TIMESYNC) || !(sock = socket_of(ctx, f, PK_TIME_CHRONY_SOCKET, TIMESYNC_CHRONY_SOCKET)) ||
	    !daemon_runs(ctx, f, "chronyd"))
		return;
	if (bound)
		finding_expected(f, "synchronised to a UTC source (not the local clock), |offset| and RMS offset at most %s",
				 bound_text(bound, bt, sizeof(bt)));
	else
		finding_expected(f, "synchronised to a UTC source (not the local clock)");
	rc = timesync_ask(ctx->sr, TQ_CHRONY_TRACKING, sock, &text, err, sizeof(err));
	if (rc == 0)
		rc = chrony_parse_tracking(text, &t, err, sizeof(err));
	free(text);
	if (rc < 0) {
		strbuf_addf(&obs, "chronyd's tracking unknown: %s", err);
		time_judge(ctx, f, obs.s);
		finding_remedy(f, "chronyc -h %s tracking; systemctl status chrony (%s)", sock, BY_HAND);
		strbuf_free(&obs);
		return;
	}
	chrony_figures(&obs, &t);
	if (timesync_ask(ctx->sr, TQ_CHRONY_SOURCES, sock, &text, err, sizeof(err)) == 0 &&
	    chrony_parse_sources(text, &src, err, sizeof(err)) == 0)
		strbuf_addf(&obs, "; sources: %d (%d reachable), selected %s", src.total, src.reachable,
			    src.selected >= 0 ? src.selected_name : "none");
	else
		strbuf_addf(&obs, "; sources unknown: %s", err);
	free(text);

	if (!strcmp(t.leap, "Not synchronised") || t.stratum >= 16) {
		strbuf_addf(&why, "%snot synchronised", why.len ? "; " : "");
		strbuf_addf(&fix, "%schronyc -h %s sources -v shows why no source is selected", fix.len ? "; " : "", sock);
	} else if (chrony_local_reference(&t)) {
		strbuf_addf(&why, "%sthe reference is chronyd's own clock (local, stratum %d): not UTC", why.len ? "; " : "",
			    t.stratum);
		strbuf_addf(&fix, "%sgive chronyd a UTC source: a server or pool line, or refclock PHC /dev/ptpN, in "
			    "/etc/chrony/chrony.conf, then systemctl restart chrony", fix.len ? "; " : "");
	}
	past_offset = bound && fabs(t.system_time) * 1e9 > (double)bound;
	past_rms = bound && fabs(t.rms_offset) * 1e9 > (double)bound;
	if (past_offset)
		strbuf_addf(&why, "%soffset %s past the bound %s", why.len ? "; " : "",
			    signed_ns(t.system_time * 1e9, v, sizeof(v)), bound_text(bound, bt, sizeof(bt)));
	if (past_rms)
		strbuf_addf(&why, "%sRMS offset %s past the bound %s", why.len ? "; " : "",
			    format_ns(fabs(t.rms_offset) * 1e9, v, sizeof(v)), bound_text(bound, bt, sizeof(bt)));
	if (past_offset || past_rms)
		strbuf_addf(&fix, "%sa closer or better source (chronyc -h %s sourcestats), or PTP ([time] source = ptp)",
			    fix.len ? "; " : "", sock);
	conclude(ctx, f, &obs, &why, &fix);
}

const struct check check_time_chrony = {
	.id = "time.chrony", .area = AREA_TIME, .title = "chronyd is synchronised to UTC within the bound",
	.reads = "chronyc -c tracking and -c sources (" SYSROOT_TIME_DIR "/SOCKET/chronyc-{tracking,sources} in a tree)",
	.keys = KEYS(PK_TIMESYNC, PK_TIME_MAX_OFFSET, PK_TIME_CHRONY_SOCKET), .flags = CF_PROCS, .run = run_chrony,
};

/* ---- time.ptp ---- */

static void run_ptp(const struct check_ctx *ctx, struct finding *f)
{
	const char *sock;
	struct strbuf obs = { 0 }, why = { 0 }, fix = { 0 };
	struct ptp_state p;
	char *text = NULL, err[256], bt[32], a[32], b[32];
	long bound = max_offset(ctx);
	bool slave = false;
	int rc;

	if (!check_wanted(ctx, f, PK_TIMESYNC) || !(sock = socket_of(ctx, f, PK_TIME_PTP4L_SOCKET, TIMESYNC_PTP4L_SOCKET)) ||
	    !daemon_runs(ctx, f, "ptp4l"))
		return;
	if (bound)
		finding_expected(f, "a port in SLAVE state, a grandmaster of clock class 6 or 7, |offset from master| at most %s",
				 bound_text(bound, bt, sizeof(bt)));
	else
		finding_expected(f, "a port in SLAVE state, a grandmaster of clock class 6 or 7");
	rc = timesync_ask(ctx->sr, TQ_PTP4L, sock, &text, err, sizeof(err));
	if (rc == 0 && ptp_parse_pmc(text, &p) < 0) {
		snprintf(err, sizeof(err), "no answer from ptp4l on '%s'", sock);
		rc = -ENODATA;
	}
	free(text);
	if (rc < 0) {
		strbuf_addf(&obs, "ptp4l's state unknown: %s", err);
		time_judge(ctx, f, obs.s);
		finding_remedy(f, "pmc -u -b 0 -s %s 'GET PORT_DATA_SET'; set [time] ptp4l_socket to its uds_address (%s)",
			       sock, BY_HAND);
		strbuf_free(&obs);
		return;
	}
	for (int i = 0; i < p.nports; i++) {
		strbuf_addf(&obs, "%sport %s %s", i ? ", " : "", p.port[i].identity, p.port[i].state);
		slave |= !strcmp(p.port[i].state, "SLAVE");
	}
	if (p.has_current)
		strbuf_addf(&obs, "%soffset from master %s, mean path delay %s, steps removed %d", obs.len ? "; " : "",
			    signed_ns(p.offset_ns, a, sizeof(a)), format_ns(fabs(p.mean_path_delay_ns), b, sizeof(b)),
			    p.steps_removed);
	if (p.has_time_status)
		strbuf_addf(&obs, "%sgrandmaster %s%s", obs.len ? "; " : "", p.gm_identity[0] ? p.gm_identity : "?",
			    p.gm_present ? "" : " (not present)");
	if (p.has_parent)
		strbuf_addf(&obs, "%sclock class %d", p.has_time_status ? " " : (obs.len ? "; " : ""), p.gm_clock_class);

	if (!slave) {
		strbuf_addf(&why, "no port in SLAVE state");
		strbuf_addf(&fix, "check the PTP network on the port (a master on the link, announce messages: "
			    "pmc -u -b 0 -s %s 'GET PORT_DATA_SET'), then systemctl restart ptp4l", sock);
	}
	if (p.has_time_status && !p.gm_present)
		strbuf_addf(&why, "%sno grandmaster present", why.len ? "; " : "");
	if (p.has_parent && p.gm_clock_class != 6 && p.gm_clock_class != 7) {
		strbuf_addf(&why, "%sclock class %d: the grandmaster is neither locked to a primary reference (6) nor in "
			    "holdover (7)", why.len ? "; " : "", p.gm_clock_class);
		strbuf_addf(&fix, "%sa grandmaster locked to GNSS (clock class 6)", fix.len ? "; " : "");
	}
	if (bound && p.has_current && fabs(p.offset_ns) > (double)bound) {
		strbuf_addf(&why, "%soffset from master %s past the bound %s", why.len ? "; " : "",
			    signed_ns(p.offset_ns, a, sizeof(a)), bound_text(bound, bt, sizeof(bt)));
		strbuf_addf(&fix, "%shardware timestamping (ptp4l -H) on a NIC with a PTP clock", fix.len ? "; " : "");
	}
	conclude(ctx, f, &obs, &why, &fix);
}

const struct check check_time_ptp = {
	.id = "time.ptp", .area = AREA_TIME, .title = "ptp4l follows a UTC grandmaster within the bound",
	.reads = "pmc GET PORT_DATA_SET, CURRENT_DATA_SET, TIME_STATUS_NP, PARENT_DATA_SET (" SYSROOT_TIME_DIR
		 "/SOCKET/pmc in a tree)",
	.keys = KEYS(PK_TIMESYNC, PK_TIME_MAX_OFFSET, PK_TIME_PTP4L_SOCKET), .flags = CF_PROCS, .run = run_ptp,
};

/* ---- time.phc ---- */

/* The timing NIC: [time] interface, else the [nic.ptp] role's NIC, else the profile's NIC; NULL after a skip. */
static const struct nic *timing_nic(const struct check_ctx *ctx, struct finding *f)
{
	const char *name = profile_str(ctx->prof, PK_TIME_INTERFACE);
	const struct nic *n;
	char shown[64];

	if (name) {
		if ((n = host_nic_by_name(ctx->host, name)))
			return n;
		check_printable(name, shown, sizeof(shown));
		finding_skip(f, "timing NIC '%s' ([time] interface) is not a netdev with a device on this host", shown);
		return NULL;
	}
	for (size_t i = 0; i < ctx->prof->nroles; i++) {
		const struct profile *v = ctx->prof->roles[i].view;

		if (v && !strcmp(ctx->prof->roles[i].name, "ptp") && v->nic && v->nic->name[0])
			return v->nic;
	}
	if (ctx->prof->nic && ctx->prof->nic->name[0])
		return ctx->prof->nic;
	finding_skip(f, "no timing NIC: set [time] interface (or [nic] interface)");
	return NULL;
}

/* ethtool -T's words for each bit, in bit order. */
static const char *const ts_caps[] = { "hardware-transmit", "software-transmit", "hardware-receive", "software-receive",
				       "software-system-clock", "hardware-legacy-clock", "hardware-raw-clock" };
static const char *const ts_tx_types[] = { "off", "on", "onestep-sync", "onestep-p2p" };
static const char *const ts_rx_filters[] = { "none", "all", "some", "ptpv1-l4-event", "ptpv1-l4-sync",
					      "ptpv1-l4-delay-req", "ptpv2-l4-event", "ptpv2-l4-sync",
					      "ptpv2-l4-delay-req", "ptpv2-l2-event", "ptpv2-l2-sync",
					      "ptpv2-l2-delay-req", "ptpv2-event", "ptpv2-sync", "ptpv2-delay-req",
					      "ntp-all" };

/* "a, b" of the bits set (a bit without a name as its number), "none" when none is. */
static void ts_bits(struct strbuf *sb, unsigned long mask, const char *const *names, size_t n)
{
	bool any = false;

	for (unsigned b = 0; b < 32; b++) {
		if (!(mask & (1ul << b)))
			continue;
		if (b < n)
			strbuf_addf(sb, "%s%s", any ? ", " : "", names[b]);
		else
			strbuf_addf(sb, "%sbit %u", any ? ", " : "", b);
		any = true;
	}
	if (!any)
		strbuf_add(sb, "none");
}

#define NAMES(a) (a), sizeof(a) / sizeof((a)[0])
/* ptp4l asks for the v2 event filter of its transport (L4 or L2) and falls back to ptpv2-event; all covers them. */
#define PTP_RX_FILTERS ((1ul << HWTSTAMP_FILTER_ALL) | (1ul << HWTSTAMP_FILTER_PTP_V2_EVENT) | \
			(1ul << HWTSTAMP_FILTER_PTP_V2_L4_EVENT) | (1ul << HWTSTAMP_FILTER_PTP_V2_L2_EVENT))

/* The PTP clock's name under /sys/class/ptp; false (and why in obs) when its directory is missing. */
static bool phc_present(const struct check_ctx *ctx, long index, struct strbuf *obs)
{
	char path[64], name[64], shown[64];

	snprintf(path, sizeof(path), "/sys/class/ptp/ptp%ld", index);
	if (!sysroot_is_dir(ctx->sr, path)) {
		strbuf_addf(obs, "PTP hardware clock ptp%ld, but no %s", index, path);
		return false;
	}
	snprintf(path, sizeof(path), "/sys/class/ptp/ptp%ld/clock_name", index);
	if (sysroot_read_str(ctx->sr, path, name, sizeof(name)) == 0 && name[0]) {
		check_printable(name, shown, sizeof(shown));
		strbuf_addf(obs, "PTP hardware clock /dev/ptp%ld (%s)", index, shown);
	} else {
		strbuf_addf(obs, "PTP hardware clock /dev/ptp%ld", index);
	}
	return true;
}

/* A clock under the netdev's device/ptp that the driver does not give for timestamping, said as a note. */
static void device_clocks(const struct check_ctx *ctx, const char *ifname, struct strbuf *obs)
{
	char path[96];
	struct dirlist dl;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/ptp", ifname);
	if (sysroot_list_prefix(ctx->sr, path, "ptp", &dl) < 0)
		return;
	for (size_t i = 0; i < dl.n; i++)
		strbuf_addf(obs, "%s%s", i ? ", " : " (device/ptp has ", dl.names[i]);
	if (dl.n)
		strbuf_add(obs, ", which the driver gives for no timestamping)");
	dirlist_free(&dl);
}

/* The section ([nic] or a [nic.ROLE]) whose NIC is n, NULL when none names it. */
static const struct profile *nic_section_of(const struct profile *p, const struct nic *n)
{
	for (size_t i = 0; i < p->nroles; i++)
		if (p->roles[i].view && p->roles[i].view->nic == n)
			return p->roles[i].view;
	return p->nic == n ? p : NULL;
}

static void run_phc(const struct check_ctx *ctx, struct finding *f)
{
	const char *source = profile_str(ctx->prof, PK_TIME_SOURCE), *ts;
	bool ptp = source && !strcmp(source, "ptp");
	const struct profile *sect;
	char sname[48];
	struct strbuf obs = { 0 }, why = { 0 }, fix = { 0 };
	const struct nic_ethtool *e;
	const struct nic *n;
	bool hw_tx, hw_rx, hw_raw, phc = false;

	if (!check_wanted(ctx, f, PK_TIMESYNC) || !(n = timing_nic(ctx, f)))
		return;
	e = &n->eth;
	/* The NIC's own section may ask for hardware stamps whatever the sync ([nic.ptp] timestamping = hardware). */
	sect = nic_section_of(ctx->prof, n);
	ts = sect ? profile_str(sect, PK_NIC_TIMESTAMPING) : NULL;
	if (ts && !strcmp(ts, "hardware") && !ptp) {
		ptp = true;
		finding_expected(f, "a PTP hardware clock, hardware transmit, receive and raw timestamps, a receive filter "
				 "for PTP v2 events (%s timestamping = hardware)", profile_nic_section(sect, sname, sizeof(sname)));
	} else if (ptp)
		finding_expected(f, "a PTP hardware clock, hardware transmit, receive and raw timestamps, a receive filter "
				 "for PTP v2 events (all, ptpv2-event or that of the transport)");
	else
		finding_expected(f, "noted only: hardware timestamps are judged under [time] source = ptp");
	if (!e->has_tsinfo && !e->tsinfo_unsupported) {
		finding_skip(f, "the capture keeps no timestamping facts for %s (" SYSROOT_ETHTOOL_DIR
			     "/%s/tsinfo missing or not understood)", n->name, n->name);
		return;
	}
	strbuf_addf(&obs, "%s (%s): ", n->name, e->has_drvinfo && e->driver[0] ? e->driver : n->driver[0] ? n->driver : "no driver");
	if (e->tsinfo_unsupported) {
		strbuf_add(&obs, "the driver reports no timestamping (ETHTOOL_GET_TS_INFO unsupported)");
		hw_tx = hw_rx = hw_raw = false;
	} else {
		if (e->phc_index >= 0) {
			phc = phc_present(ctx, e->phc_index, &obs);
		} else {
			strbuf_add(&obs, "no PTP hardware clock");
			device_clocks(ctx, n->name, &obs);
		}
		strbuf_add(&obs, "; capabilities ");
		ts_bits(&obs, e->so_timestamping, NAMES(ts_caps));
		strbuf_add(&obs, "; hardware transmit types ");
		ts_bits(&obs, e->tx_types, NAMES(ts_tx_types));
		strbuf_add(&obs, "; receive filters ");
		ts_bits(&obs, e->rx_filters, NAMES(ts_rx_filters));
		hw_tx = (e->so_timestamping & SOF_TIMESTAMPING_TX_HARDWARE) && (e->tx_types & (1ul << HWTSTAMP_TX_ON));
		hw_rx = (e->so_timestamping & SOF_TIMESTAMPING_RX_HARDWARE) && (e->rx_filters & PTP_RX_FILTERS);
		hw_raw = e->so_timestamping & SOF_TIMESTAMPING_RAW_HARDWARE;
	}
	if (!ptp) {
		if (!phc || !hw_tx || !hw_rx)
			strbuf_add(&obs, "; software timestamps only: enough for NTP, not for PTP with hardware timestamps");
		finding_pass(f, "%s", obs.s);
		strbuf_free(&obs);
		return;
	}
	if (!phc)
		strbuf_add(&why, "no PTP hardware clock");
	if (!hw_tx)
		strbuf_addf(&why, "%sno hardware transmit timestamps", why.len ? "; " : "");
	if (!hw_rx)
		strbuf_addf(&why, "%sno hardware receive timestamps of PTP v2 events", why.len ? "; " : "");
	if (!hw_raw)
		strbuf_addf(&why, "%sno raw hardware clock timestamps", why.len ? "; " : "");
	if (why.len)
		strbuf_addf(&fix, "run ptp4l -H on a port with a PTP hardware clock and hardware timestamps (ethtool -T %s "
			    "lists them) and name it in [time] interface; software timestamps (ptp4l -S) hold no tight bound",
			    n->name);
	conclude(ctx, f, &obs, &why, &fix);
}

const struct check check_time_phc = {
	.id = "time.phc", .area = AREA_TIME, .title = "the timing NIC has a PTP hardware clock and hardware timestamps",
	.reads = "ETHTOOL_GET_TS_INFO (SIOCETHTOOL; " SYSROOT_ETHTOOL_DIR "/IFNAME/tsinfo in a tree), "
		 "/sys/class/ptp/ptpN/clock_name, /sys/class/net/IFNAME/device/ptp",
	.keys = KEYS(PK_TIMESYNC, PK_TIME_SOURCE, PK_TIME_INTERFACE, PK_NIC_TIMESTAMPING), .run = run_phc,
};

/* ---- time.phc2sys ---- */

/* Instances of one daemon judged; more is not a host we know. */
#define MAX_INSTANCES 8

/* The PTP hardware clock a name stands for: /dev/ptpN, or a netdev's (its ETHTOOL_GET_TS_INFO); -1 for neither. */
static long clock_index(const struct check_ctx *ctx, const char *name)
{
	const struct nic *n;
	long v;

	if (!strncmp(name, "/dev/ptp", 8) && parse_long(name + 8, &v) == 0 && v >= 0)
		return v;
	if ((n = host_nic_by_name(ctx->host, name)) && n->eth.has_tsinfo)
		return n->eth.phc_index;
	return -1;
}

/* "-a -r -z /run/ptp4l": a command line's arguments after the program, printable and cut short. */
static void args_text(const struct host_argv *a, char *buf, size_t size)
{
	struct strbuf sb = { 0 };

	for (size_t i = 1; i < a->n; i++)
		strbuf_addf(&sb, "%s%s", i > 1 ? " " : "", a->v[i]);
	check_printable(sb.s ? sb.s : "", buf, size);
	strbuf_free(&sb);
}

struct phc2sys_seen {
	long pid;
	bool known;
	struct phc2sys_args args;
	char text[96];
};

/* ptp4l's config file (relative to its working directory when not absolute) read into c; false with why in obs. */
static bool read_ptp4l_config(const struct check_ctx *ctx, long pid, struct ptp4l_conf *c, struct strbuf *why)
{
	char cwd[PATH_MAX], path[PATH_MAX + sizeof(c->config) + 1], link[48], err[128], shown[96], *text = NULL;
	int rc;

	if (c->config[0] == '/') {
		snprintf(path, sizeof(path), "%s", c->config);
	} else {
		snprintf(link, sizeof(link), "/proc/%ld/cwd", pid);
		if (sysroot_readlink(ctx->sr, link, cwd, sizeof(cwd)) < 0 || cwd[0] != '/') {
			check_printable(c->config, shown, sizeof(shown));
			strbuf_addf(why, "%sptp4l (pid %ld): config '%s' is relative and its working directory unknown",
				    why->len ? "; " : "", pid, shown);
			return false;
		}
		snprintf(path, sizeof(path), "%s/%s", strcmp(cwd, "/") ? cwd : "", c->config);
	}
	check_printable(path, shown, sizeof(shown));
	rc = sysroot_read_alloc(ctx->sr, path, 1 << 20, &text, NULL);
	if (rc < 0) {
		strbuf_addf(why, "%sptp4l (pid %ld): cannot read its config '%s': %s", why->len ? "; " : "", pid, shown,
			    sysroot_strerror(rc));
		return false;
	}
	rc = ptp4l_parse_config(text, c, err, sizeof(err));
	free(text);
	if (rc < 0) {
		strbuf_addf(why, "%sptp4l (pid %ld): config '%s' %s", why->len ? "; " : "", pid, shown, err);
		return false;
	}
	return true;
}

/* Which phc2sys makes the system clock follow PHC index of ptp4l c; -1 when none. nort: one that does -a without -r. */
static int follower(const struct phc2sys_seen *p, size_t n, const struct ptp4l_conf *c, long index,
		    const struct check_ctx *ctx, int *nort)
{
	*nort = -1;
	for (size_t i = 0; i < n; i++) {
		const struct phc2sys_args *a = &p[i].args;

		if (!p[i].known)
			continue;
		if (a->automatic && !strcmp(a->uds, c->uds_address)) {
			if (a->realtime)
				return (int)i;
			*nort = (int)i;
		} else if (!a->automatic && a->source[0] && !strcmp(a->sink, PTP_CLOCK_REALTIME) &&
			   clock_index(ctx, a->source) == index) {
			return (int)i;
		}
	}
	return -1;
}

/* One ptp4l: its ports, clocks and who follows each; what is wrong goes to why. Returns false when its command line is unknown. */
static bool judge_ptp4l(const struct check_ctx *ctx, long pid, const struct phc2sys_seen *p, size_t np,
			struct strbuf *obs, struct strbuf *why)
{
	struct host_argv argv;
	struct ptp4l_conf c;
	long seen[PTP_MAX_IFACES];
	int nseen = 0, rc;

	if ((rc = host_process_argv(ctx->host, pid, &argv)) < 0 || !argv.n) {
		strbuf_addf(obs, "%sptp4l (pid %ld): command line unknown (%s)", obs->len ? "; " : "", pid,
			    rc < 0 ? sysroot_strerror(rc) : "empty");
		host_argv_free(&argv);
		return false;
	}
	rc = ptp4l_parse_argv(argv.v, argv.n, &c);
	host_argv_free(&argv);
	if (rc < 0) {
		strbuf_addf(obs, "%sptp4l (pid %ld): command line not understood (an option without its value, or "
			    "more than %d interfaces)", obs->len ? "; " : "", pid, PTP_MAX_IFACES);
		return false;
	}
	if (c.config[0] && !read_ptp4l_config(ctx, pid, &c, why))
		return true;
	strbuf_addf(obs, "%sptp4l (pid %ld) on ", obs->len ? "; " : "", pid);
	for (int i = 0; i < c.nifaces; i++)
		strbuf_addf(obs, "%s%s", i ? ", " : "", c.iface[i]);
	strbuf_addf(obs, "%s (%s timestamps%s)", c.nifaces ? "" : "no interface", c.time_stamping,
		    c.free_running ? ", free_running: it steers no clock" : "");
	if (!ptp4l_uses_phc(&c)) {
		strbuf_add(obs, ": it steers the system clock itself, no PTP hardware clock for phc2sys to follow");
		return true;
	}
	for (int i = 0; i < c.nifaces || (c.phc_device[0] && i == 0); i++) {
		const char *name = c.phc_device[0] ? c.phc_device : c.iface[i];
		long index = clock_index(ctx, name);
		int k, nort, j;

		if (index < 0) {
			strbuf_addf(obs, "; %s: no PTP hardware clock known", name);
			strbuf_addf(why, "%sptp4l (pid %ld) uses hardware timestamps on %s, which has no PTP hardware clock "
				    "(time.phc)", why->len ? "; " : "", pid, name);
			if (c.phc_device[0])
				break;
			continue;
		}
		for (k = 0; k < nseen && seen[k] != index; k++)
			;
		if (k < nseen)
			continue;
		seen[nseen++] = index;
		j = follower(p, np, &c, index, ctx, &nort);
		if (j >= 0) {
			strbuf_addf(obs, "; /dev/ptp%ld (%s): phc2sys (pid %ld) makes the system clock follow it", index, name,
				    p[j].pid);
		} else if (nort >= 0) {
			strbuf_addf(obs, "; /dev/ptp%ld (%s): phc2sys (pid %ld) runs -a without -r", index, name, p[nort].pid);
			strbuf_addf(why, "%s/dev/ptp%ld (%s): phc2sys -a without -r keeps the PTP clocks in step but the "
				    "system clock follows none", why->len ? "; " : "", index, name);
		} else {
			strbuf_addf(obs, "; /dev/ptp%ld (%s): no phc2sys follows it", index, name);
			strbuf_addf(why, "%s/dev/ptp%ld (%s), which ptp4l (pid %ld) disciplines, has no phc2sys: the "
				    "system clock does not follow PTP", why->len ? "; " : "", index, name, pid);
		}
		if (c.phc_device[0])
			break;
	}
	return true;
}

static void run_phc2sys(const struct check_ctx *ctx, struct finding *f)
{
	struct strbuf obs = { 0 }, why = { 0 }, fix = { 0 };
	struct phc2sys_seen p[MAX_INSTANCES];
	long pids[MAX_INSTANCES];
	size_t nptp, np, more = 0;
	int known = 0;

	if (!check_wanted(ctx, f, PK_TIMESYNC) || !daemon_runs(ctx, f, "ptp4l"))
		return;
	finding_expected(f, "each PTP hardware clock ptp4l disciplines followed by a phc2sys into the system clock "
			 "(phc2sys -a -r on ptp4l's socket, or -s that clock); none for software timestamps");
	np = host_processes_named(ctx->host, "phc2sys", pids, MAX_INSTANCES);
	more += np > MAX_INSTANCES ? np - MAX_INSTANCES : 0;
	np = np > MAX_INSTANCES ? MAX_INSTANCES : np;
	for (size_t i = 0; i < np; i++) {
		struct host_argv a;

		p[i].pid = pids[i];
		p[i].known = host_process_argv(ctx->host, pids[i], &a) == 0 && a.n &&
			     phc2sys_parse_argv(a.v, a.n, &p[i].args) == 0;
		if (p[i].known)
			args_text(&a, p[i].text, sizeof(p[i].text));
		host_argv_free(&a);
		strbuf_addf(&obs, "%sphc2sys (pid %ld%s%s)", i ? ", " : "", p[i].pid, p[i].known ? ": " : ", command line unknown",
			    p[i].known ? p[i].text : "");
	}
	nptp = host_processes_named(ctx->host, "ptp4l", pids, MAX_INSTANCES);
	more += nptp > MAX_INSTANCES ? nptp - MAX_INSTANCES : 0;
	nptp = nptp > MAX_INSTANCES ? MAX_INSTANCES : nptp;
	for (size_t i = 0; i < nptp; i++)
		known += judge_ptp4l(ctx, pids[i], p, np, &obs, &why);
	if (more)
		strbuf_addf(&obs, "; %zu more ptp4l or phc2sys not judged (past %d of each)", more, MAX_INSTANCES);
	if (!known) {
		finding_skip(f, "%s", obs.s);
		strbuf_free(&obs);
		strbuf_free(&why);
		return;
	}
	if (why.len)
		strbuf_add(&fix, "run phc2sys -a -r beside ptp4l (with -z SOCKET when ptp4l's uds_address is not "
			   TIMESYNC_PTP4L_SOCKET "), or timemaster");
	conclude(ctx, f, &obs, &why, &fix);
}

const struct check check_time_phc2sys = {
	.id = "time.phc2sys", .area = AREA_TIME, .title = "a phc2sys makes the system clock follow each PTP clock ptp4l disciplines",
	.reads = "/proc/PID/cmdline of ptp4l and phc2sys, ptp4l's config file (-f), ETHTOOL_GET_TS_INFO of its interfaces",
	.keys = KEYS(PK_TIMESYNC), .flags = CF_PROCS, .run = run_phc2sys,
};
