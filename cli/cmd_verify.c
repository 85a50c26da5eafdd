/* tickready verify: options and printing; the run itself (plan, poller, kernel receiver, cleanup) lives in verify/. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "render.h"
#include "run.h"
#include "util.h"

enum {
	OPT_PROFILE = 'p', OPT_MODE = 'm', OPT_DURATION = 'd', OPT_CORES = 'c', OPT_FORMAT = 'f',
	OPT_PORT = 256, OPT_VDEV, OPT_IFACE, OPT_NO_HUGE, OPT_RESERVE, OPT_POLLER, OPT_RATE, OPT_BUSY_POLL,
	OPT_THRESHOLD, OPT_KEEP_ORDER, OPT_PEER, OPT_PEER_MAC, OPT_SCENARIO, OPT_UDP_PORT, OPT_RATES, OPT_SIZES,
};

/* Filled from the mode table (mode.h) before the options are parsed. */
static char mode_help[256], mode_names[200];

static const struct cli_opt verify_opts[] = {
	{ "profile", "NAME|PATH", OPT_PROFILE, "profile whose cores, memory and [targets] to use (default " PROFILE_DEFAULT ")" },
	{ "mode", mode_names, OPT_MODE, mode_help },
	{ "duration", "SECONDS", OPT_DURATION, "measurement time (default 10; pingpong: per path)" },
	{ "cores", "LIST", OPT_CORES, "cpus to measure on instead of the profile's isolated ones" },
	{ "port", "PCI", OPT_PORT, "port mode, pingpong --peer: the NIC's PCI address (bound to vfio-pci)" },
	{ "vdev", "DEVARGS", OPT_VDEV, "port mode, pingpong --peer: a DPDK virtual device, e.g. net_af_xdp0,iface=ens1f0" },
	{ "iface", "IF", OPT_IFACE, "port mode: net_af_packet on IF; kernel-vs-bypass: name of the receiving veth; pingpong --peer: the local interface to the peer (DPDK: net_af_packet on it unless --port/--vdev)" },
	{ "no-huge", NULL, OPT_NO_HUGE, "run without hugepages; the result is marked not representative" },
	{ "reserve", NULL, OPT_RESERVE, "raise the node's hugepage pool for the run when too few are free, then restore it" },
	{ "format", "text|json", OPT_FORMAT, "report format (default text)" },
	{ "poller", "PATH", OPT_POLLER, "tickready-poller to run (default: next to tickready, else $PATH)" },
	{ "rate", "PPS", OPT_RATE, "packets per second: loopback (default 1000000), kernel-vs-bypass (default 10000)" },
	{ "busy-poll", "US", OPT_BUSY_POLL, "kernel-vs-bypass: SO_BUSY_POLL on the kernel socket; pingpong: on the busy-polled one (default 50)" },
	{ "threshold-ns", "NS", OPT_THRESHOLD, "loop gaps above NS are counted and kept (default 1000)" },
	{ "peer", "IPV4", OPT_PEER, "pingpong: ping `tickready-poller --mode reflect --src-ip IPV4` on another host through --iface" },
	{ "peer-mac", "MAC", OPT_PEER_MAC, "pingpong --peer: the reflector's MAC for the DPDK path (default: learned by ARP)" },
	{ "udp-port", "PORT", OPT_UDP_PORT, "pingpong --peer: the UDP port of the pings (default 9000; the reflector echoes any)" },
	{ "rates", "LIST", OPT_RATES, "sweep (and kernel-vs-bypass, which then runs the sweep): packet rates to measure, e.g. 10000,100000,500000 (default 10000,50000,100000,500000)" },
	{ "sizes", "LIST", OPT_SIZES, "sweep (and kernel-vs-bypass, which then runs the sweep): IP packet sizes in bytes, 64 to 1500, the UDP payload 28 less (default 64,512,1500), measured at --rate" },
	{ "scenario", "single|multi", OPT_SCENARIO, "feeds: 1 group, 50k msg/s, 64 B (single, default) or 4 groups, 200k msg/s in all, 100-500 B (multi)" },
	{ NULL, NULL, 0, NULL },
};

/* --mode's argument and help, every mode named from the table. */
static void describe_modes(void)
{
	size_t off = 0;

	for (int m = 0; m < VM_COUNT && off < sizeof(mode_names); m++)
		off += (size_t)snprintf(mode_names + off, sizeof(mode_names) - off, "%s%s", m ? "|" : "", verify_modes[m]->name);
	verify_mode_names(-1, true, mode_help, sizeof(mode_help));
}


/* The only state a signal handler may touch: verify notices it in its wait loops. */
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* "--eal A B..." (or "-- A B...") ends verify's own options: the rest goes to the EAL untouched. */
static int split_eal(int *argc, char **argv, struct verify_opts *o)
{
	for (int i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--eal") || !strcmp(argv[i], "--")) {
			o->eal = argv + i + 1;
			o->neal = *argc - i - 1;
			*argc = i;
			return 0;
		}
	}
	return 0;
}

static int parse_num(const char *opt, const char *arg, long min, long max, long *out)
{
	if (parse_long(arg, out) < 0 || *out < min || *out > max) {
		cli_error("verify: invalid %s '%s' (%ld to %ld)", opt, arg, min, max);
		return -1;
	}
	return 0;
}

/* A comma-separated list of numbers, each min..max (unit says what they count), at most VERIFY_MAX_SWEEP. */
static int parse_list(const char *opt, const char *arg, long min, long max, const char *unit, long *out, int *n)
{
	char *copy = xstrdup(arg), *tok, *save = NULL;
	int rc = 0;

	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
		if (*n == VERIFY_MAX_SWEEP) {
			cli_error("verify: at most %d values in %s '%s'", VERIFY_MAX_SWEEP, opt, arg);
			rc = -1;
		} else if (parse_long(tok, &out[*n]) < 0 || out[*n] < min || out[*n] > max) {
			cli_error("verify: invalid value '%s' in %s '%s' (%ld to %ld%s)", tok, opt, arg, min, max, unit);
			rc = -1;
		} else {
			(*n)++;
		}
	}
	if (rc == 0 && !*n) {
		cli_error("verify: empty %s", opt);
		rc = -1;
	}
	free(copy);
	return rc;
}

static int parse_duration(const char *arg, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	if (errno || *end || !(*out >= 0.1) || *out > 86400) {
		cli_error("verify: invalid --duration '%s' (seconds, 0.1 to 86400)", arg);
		return -1;
	}
	return 0;
}

/* The option's name in the table (for the mode-specific ones, its VO_ in mode.h). */
static const char *opt_name(int key)
{
	for (const struct cli_opt *t = verify_opts; t->name; t++)
		if (t->key == key)
			return t->name;
	return NULL;
}

static int apply_opt(struct verify_opts *o, int c, const char *arg)
{
	int vo = verify_opt_find(opt_name(c));

	if (vo >= 0)
		o->given |= VO_BIT(vo);
	switch (c) {
	case OPT_PROFILE: o->profile = arg; return 0;
	case OPT_MODE: o->mode_name = arg; return 0;
	case OPT_FORMAT: o->format = arg; return 0;
	case OPT_POLLER: o->poller = arg; return 0;
	case OPT_PORT: o->port = arg; return 0;
	case OPT_IFACE: o->iface = arg; return 0;
	case OPT_PEER: o->peer = arg; return 0;
	case OPT_PEER_MAC: o->peer_mac = arg; return 0;
	case OPT_SCENARIO: o->scenario = arg; return 0;
	case OPT_NO_HUGE: o->no_huge = true; return 0;
	case OPT_RESERVE: o->reserve = true; return 0;
	case OPT_DURATION: return parse_duration(arg, &o->duration);
	case OPT_RATE: return parse_num("--rate", arg, 0, 1000000000, &o->rate);
	case OPT_BUSY_POLL: return parse_num("--busy-poll", arg, 0, 1000000, &o->busy_poll);
	case OPT_THRESHOLD: return parse_num("--threshold-ns", arg, 1, 10000000000L, &o->threshold);
	case OPT_UDP_PORT: return parse_num("--udp-port", arg, 1, 65535, &o->udp_port);
	case OPT_RATES: return parse_list("--rates", arg, 1, 10000000, "", o->rates, &o->nrates);
	case OPT_SIZES:
		return parse_list("--sizes", arg, VENV_MIN_IP_SIZE, VENV_MAX_IP_SIZE,
				  " bytes, the IP packet's size: 1500 is the MTU, the UDP payload 28 less", o->sizes, &o->nsizes);
	case OPT_CORES:
		if (cpuset_parse(&o->cores, arg) < 0 || cpuset_empty(&o->cores)) {
			cli_error("verify: invalid cpu list '%s' in --cores", arg);
			return -1;
		}
		return 0;
	case OPT_VDEV:
		if (o->nvdev == VERIFY_MAX_VDEV) {
			cli_error("verify: at most %d --vdev", VERIFY_MAX_VDEV);
			return -1;
		}
		o->vdev[o->nvdev++] = arg;
		return 0;
	}
	return -1;
}

/* Option values that only make sense together: the mode's row says which of its options it takes, its check the rest. */
static int check_opts(struct verify_opts *o)
{
	const struct verify_mode_def *md;
	char names[200], err[400];

	if (verify_mode_parse(o->mode_name, &o->mode) < 0) {
		cli_error("verify: unknown mode '%s' (%s)", o->mode_name, verify_mode_names(-1, false, names, sizeof(names)));
		return -1;
	}
	o->mode = verify_mode_effective(o->mode, o->given);
	md = verify_modes[o->mode];
	for (int vo = 0; vo < VO_COUNT; vo++) {
		if ((o->given & VO_BIT(vo)) && !(md->opts & VO_BIT(vo))) {
			cli_error("verify: --%s only applies to --mode %s", verify_opt_names[vo],
				  verify_mode_names(vo, false, names, sizeof(names)));
			return -1;
		}
	}
	if (md->check && md->check(o, err, sizeof(err)) < 0) {
		cli_error("verify: %s", err);
		return -1;
	}
	if (strcmp(o->format, "text") && strcmp(o->format, "json")) {
		cli_error("verify: unknown format '%s' (text or json)", o->format);
		return -1;
	}
	if (o->iface && (strlen(o->iface) >= 16 || strpbrk(o->iface, "/ ,=") || !*o->iface)) {
		cli_error("verify: invalid interface name '%s'", o->iface);
		return -1;
	}
	if (o->rate < 0)
		o->rate = md->default_rate;
	return 0;
}

static int parse_opts(int argc, char **argv, struct verify_opts *o)
{
	struct cli_parser p;
	const char *arg;
	int c;

	memset(o, 0, sizeof(*o));
	o->mode_name = verify_modes[VM_DEFAULT]->name;
	o->format = "text";
	o->duration = 10;
	o->rate = -1;
	o->busy_poll = 0;
	o->threshold = 1000;
	split_eal(&argc, argv, o);
	describe_modes();
	cli_parser_init(&p, "verify", "[--eal EAL-ARGS...]",
			"Proves with packets that the host meets its profile's latency targets: runs tickready-poller on the\n"
			"isolated cores, compares its figures with [targets] and names what interrupted each core.",
			verify_opts, argc, argv);
	while ((c = cli_parser_next(&p, &arg)) != -1) {
		if (c == CLI_HELP)
			return 1;
		if (c == '?' || apply_opt(o, c, arg) < 0)
			return -1;
	}
	if (optind < argc) {
		cli_error("verify: unexpected argument '%s' (EAL arguments go after --eal)", argv[optind]);
		return -1;
	}
	return check_opts(o);
}
static void install_signals(struct sigaction *old)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old[0]);
	sigaction(SIGTERM, &sa, &old[1]);
	sigaction(SIGHUP, &sa, &old[2]);
}

static void restore_signals(const struct sigaction *old)
{
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGTERM, &old[1], NULL);
	sigaction(SIGHUP, &old[2], NULL);
}

/* One line on the terminal, redrawn at most 4 times a second; wiped before the report. */
static void progress_line(void *ctx, double elapsed, double total, const char *what)
{
	double *last = ctx;

	if (elapsed - *last < 0.25 && elapsed > 0)
		return;
	*last = elapsed;
	fprintf(stderr, "\r\033[K  %.1f s elapsed, about %.0f s left: %s", elapsed,
		total > elapsed ? total - elapsed : 0, what);
	fflush(stderr);
}

static void print_errors(struct verify_run *r)
{
	for (int i = 0; i < r->nerrors; i++)
		cli_error("verify: %s", r->errors[i]);
	r->nerrors = 0;
}

int cmd_verify(int argc, char **argv)
{
	struct verify_run *r = xcalloc(1, sizeof(*r));
	struct verify_target t[VERIFY_MAX_TARGETS];
	struct sigaction old[3];
	struct session s;
	char why[256];
	double last_progress = -1;
	int rc, nt = 0;

	rc = parse_opts(argc, argv, &r->o);
	if (rc) {
		free(r);
		return rc > 0 ? EXIT_READY : EXIT_ERROR;
	}
	if (session_open(&s, "/", r->o.profile, false)) {
		free(r);
		return EXIT_ERROR;
	}
	r->sr = &s.sr;
	r->host = &s.host;
	r->prof = &s.prof;
	r->stop = &got_signal;
	r->representative = true;
	/* Only when a person watches: stdout and stderr both on a terminal. */
	if (isatty(STDOUT_FILENO) && isatty(STDERR_FILENO)) {
		r->progress = progress_line;
		r->progress_ctx = &last_progress;
	}
	got_signal = 0;
	install_signals(old);
	rc = verify_run_prepare(r) < 0 || verify_run_measure(r) < 0 ? EXIT_ERROR : EXIT_READY;
	if (r->progress)
		fputs("\r\033[K", stderr);
	print_errors(r);
	if (verify_run_cleanup(r) < 0)
		rc = EXIT_ERROR;
	print_errors(r);
	if (rc == EXIT_READY && verify_check_counts(r->doc, why, sizeof(why)) < 0) {
		cli_error("verify: the poller's figures do not add up: %s", why);
		rc = EXIT_ERROR;
	}
	if (rc == EXIT_READY) {
		nt = verify_targets(&s.prof, r->o.mode, r->doc, t, VERIFY_MAX_TARGETS);
		if (nt < 0) {
			cli_error("verify: the poller's output is not a tickready.verify/1 document");
			rc = EXIT_ERROR;
		}
	}
	if (rc == EXIT_READY) {
		if (!strcmp(r->o.format, "json"))
			verify_print_json(stdout, r, t, nt, "tickready verify " TICKREADY_VERSION);
		else
			verify_print_text(stdout, r, t, nt);
		/* Nothing judged is not ready: exit 1, as audit's root with nothing to judge. */
		rc = verify_verdict_of(t, nt) == VV_READY ? EXIT_READY : EXIT_NOT_READY;
	}
	restore_signals(old);
	verify_run_free(r);
	session_close(&s);
	free(r);
	return rc;
}
