/* tickready watch: samples what touches the isolated cpus every interval, from a housekeeping cpu, and reports each event. */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "cli.h"
#include "util.h"
#include "watch.h"

enum { OPT_ROOT = 'r', OPT_PROFILE = 'p', OPT_INTERVAL = 'i', OPT_COUNT = 'n', OPT_DURATION = 'd', OPT_FORMAT = 'f',
       OPT_PROM = 256, OPT_UNTIL, OPT_APP };

static const struct cli_opt watch_opts[] = {
	{ "root", "DIR", OPT_ROOT, "watch the tree under DIR instead of / (tests change it between samples)" },
	{ "profile", "NAME|FILE", OPT_PROFILE, "profile naming the isolated and housekeeping cpus (default " PROFILE_DEFAULT ")" },
	{ "interval", "SECONDS", OPT_INTERVAL, "time between samples, 0.1 to 3600 (default 1)" },
	{ "count", "N", OPT_COUNT, "stop after N intervals" },
	{ "duration", "SECONDS", OPT_DURATION, "stop after SECONDS" },
	{ "until", "HH:MM", OPT_UNTIL, "stop at the next HH:MM, local time" },
	{ "format", "text|json", OPT_FORMAT, "one line per event: text (default) or a JSON object" },
	{ "prometheus", "FILE", OPT_PROM, "rewrite FILE (node_exporter textfile) atomically every interval" },
	{ "app", "PID|auto", OPT_APP, "the DPDK application: its threads' context switches on isolated cpus and its ports' "
				       "imissed and rx_nombuf (telemetry, read only); its threads are not task events" },
	{ NULL, NULL, 0, NULL },
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* Totals per watched cpu (the last slot: host-wide) and kind, for the summary and the textfile. */
struct tally {
	int niso;
	const int *iso;
	uint64_t (*events)[WK_COUNT], (*counted)[WK_COUNT];
	uint64_t total;
	time_t last_event;
	bool json;
};

static int slot_of(const struct tally *t, int cpu)
{
	for (int i = 0; i < t->niso; i++)
		if (t->iso[i] == cpu)
			return i;
	return t->niso;
}

static void utc(time_t when, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&when, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void on_event(void *arg, const struct watch_event *e)
{
	struct tally *t = arg;
	int slot = slot_of(t, e->cpu);
	char when[32];

	t->last_event = time(NULL);
	utc(t->last_event, when, sizeof(when));
	t->events[slot][e->kind]++;
	t->counted[slot][e->kind] += e->count;
	t->total++;
	if (t->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "time", when, "kind", watch_kind_names[e->kind],
				      "cpu", "", "count", (json_int_t)e->count, "what", e->what, "cause", e->cause, "fix", e->fix);

		json_object_set_new(o, "cpu", e->cpu >= 0 ? json_integer(e->cpu) : json_null());
		if (e->pid) {
			json_object_set_new(o, "pid", json_integer(e->pid));
			json_object_set_new(o, "comm", json_string(e->comm));
		}
		json_dumpf(o, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(o);
	} else if (e->cpu >= 0) {
		printf("%s cpu %d %s: %s; cause: %s; fix: %s\n", when, e->cpu, watch_kind_names[e->kind], e->what, e->cause,
		       e->fix);
	} else {
		printf("%s host %s: %s; cause: %s; fix: %s\n", when, watch_kind_names[e->kind], e->what, e->cause, e->fix);
	}
	fflush(stdout);
}

static int write_prom(const char *path, const struct tally *t, uint64_t samples)
{
	char *tmp;
	FILE *f = cli_out_open("watch", path, &tmp);
	int rc;

	if (!f)
		return -EIO;
	fprintf(f, "# HELP tickready_watch_events_total Events tickready watch reported, by cpu (host: host-wide) and kind.\n"
		   "# TYPE tickready_watch_events_total counter\n");
	for (int s = 0; s <= t->niso; s++)
		for (int k = 0; k < WK_COUNT; k++) {
			char cpu[16];

			snprintf(cpu, sizeof(cpu), s < t->niso ? "%d" : "host", s < t->niso ? t->iso[s] : 0);
			fprintf(f, "tickready_watch_events_total{cpu=\"%s\",kind=\"%s\"} %llu\n", cpu, watch_kind_names[k],
				(unsigned long long)t->events[s][k]);
		}
	fprintf(f, "# HELP tickready_watch_interrupts_total Interrupts, softirqs and ticks counted in those events, by "
		   "isolated cpu and kind.\n# TYPE tickready_watch_interrupts_total counter\n");
	for (int s = 0; s < t->niso; s++)
		for (int k = WK_IRQ; k <= WK_SOFTIRQ; k++)
			fprintf(f, "tickready_watch_interrupts_total{cpu=\"%d\",kind=\"%s\"} %llu\n", t->iso[s],
				watch_kind_names[k], (unsigned long long)t->counted[s][k]);
	fprintf(f, "# HELP tickready_watch_samples_total Samples taken, the baseline included.\n"
		   "# TYPE tickready_watch_samples_total counter\ntickready_watch_samples_total %llu\n"
		   "# HELP tickready_watch_last_event_timestamp_seconds When the last event was seen (0: none yet).\n"
		   "# TYPE tickready_watch_last_event_timestamp_seconds gauge\n"
		   "tickready_watch_last_event_timestamp_seconds %lld\n",
		(unsigned long long)samples, (long long)t->last_event);
	rc = cli_out_commit(f, tmp, path);
	if (rc < 0)
		cli_error("watch: cannot write '%s': %s", path, strerror(-rc));
	return rc;
}

/* per_sample: cpu ms an interval took after the baseline, -1 when no interval ended. */
static void print_summary(const struct tally *t, double seconds, double per_sample, double interval)
{
	if (t->json) {
		json_t *cpus = json_array(), *o;

		for (int s = 0; s <= t->niso; s++) {
			json_t *c = json_object();

			json_object_set_new(c, "cpu", s < t->niso ? json_integer(t->iso[s]) : json_null());
			for (int k = 0; k < WK_COUNT; k++)
				json_object_set_new(c, watch_kind_names[k], json_integer((json_int_t)t->events[s][k]));
			json_array_append_new(cpus, c);
		}
		o = json_pack("{s:{s:I, s:f, s:o}}", "summary", "events", (json_int_t)t->total, "seconds", seconds, "cpus", cpus);
		if (per_sample >= 0)
			json_object_set_new(json_object_get(o, "summary"), "cpu_ms_per_sample", json_real(per_sample));
		json_dumpf(o, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(o);
		return;
	}
	printf("summary: %llu event%s in %.0f s\n%-6s", (unsigned long long)t->total, t->total == 1 ? "" : "s", seconds,
	       "CPU");
	for (int k = 0; k < WK_COUNT; k++)
		printf(" %13s", watch_kind_names[k]);
	putchar('\n');
	for (int s = 0; s <= t->niso; s++) {
		if (s < t->niso)
			printf("%-6d", t->iso[s]);
		else
			printf("%-6s", "host");
		for (int k = 0; k < WK_COUNT; k++)
			printf(" %13llu", (unsigned long long)t->events[s][k]);
		putchar('\n');
	}
	if (per_sample >= 0)
		printf("cost: %.2f ms of cpu a sample, %.3f %% of a cpu at this interval\n", per_sample,
		       per_sample / (interval * 10));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleeps until the monotonic time at, or a signal. */
static void sleep_until(double at)
{
	struct timespec ts = { (time_t)at, (long)((at - floor(at)) * 1e9) };

	while (!stop_signal && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int parse_seconds(const char *opt, const char *arg, double min, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	if (errno || end == arg || *end || !(*out >= min && *out <= max)) {
		cli_error("watch: invalid --%s '%s' (seconds, %g to %g)", opt, arg, min, max);
		return -EINVAL;
	}
	return 0;
}

/* Pins the watch to the housekeeping cpus it may use: it must not be one more thread on an isolated cpu. */
static int pin_to_housekeeping(const struct session *s, char *where, size_t size)
{
	struct cpuset on;
	cpu_set_t mask;

	if (!host_helper_cpus(&s->prof.housekeeping, &on)) {
		cli_error("watch: none of the profile's housekeeping cpus (%s) is allowed to this process: run it on one "
			  "(taskset -c CPU tickready watch ...)", cpuset_format(&s->prof.housekeeping, where, size));
		return -EPERM;
	}
	host_cpu_set(&on, &mask);
	if (sched_setaffinity(0, sizeof(mask), &mask) < 0) {
		cli_error("watch: cannot pin itself to cpus %s: %s", cpuset_format(&on, where, size), strerror(errno));
		return -errno;
	}
	cpuset_format(&on, where, size);
	return 0;
}

/* One kept file per thread and IRQ: as many as the hard limit allows (past it, files are opened per read). */
static void raise_open_files(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * The error and drop counters: thermal throttling of the isolated cpus, the host's NICs' AER, the profile's
 * NIC's ethtool drops, EDAC, softnet, UDP, the SMI count.
 */
static void find_spikes(const struct session *s, struct watch_ctx *ctx, struct spike_sources *out)
{
	struct spike_nic *nics = xcalloc(s->host.nnics + 1, sizeof(*nics));

	for (size_t i = 0; i < s->host.nnics; i++)
		nics[i] = (struct spike_nic){ s->host.nics[i].name, s->host.nics[i].pci, nic_stats_driver(&s->host.nics[i]),
					      &s->host.nics[i] == s->prof.nic };
	spike_sources_find(&s->sr, &ctx->isolated, nics, s->host.nnics, out);
	free(nics);
	spike_sources_add_smi(&s->sr, s->host.cpu_vendor, &s->prof.housekeeping, out);
	ctx->spikes = out;
}

/*
 * --app PID|auto: the application's pid (auto: the one DPDK process app_find sees) and, on this host, its
 * telemetry socket opened for the whole watch. -1 with the error said; 0 with where[] describing it.
 */
static int open_app(const struct session *s, const char *arg, struct watch_ctx *ctx, struct telemetry *tel,
		    char *where, size_t size)
{
	struct app_config cfg;
	struct app_error err;
	char dir[48], sock[256] = "";
	long pid;
	int rc;

	if (!strcmp(arg, "auto")) {
		struct app_found found;

		if ((rc = app_find(&s->sr, &s->host, &found)) < 0) {
			cli_error("watch: --app auto: cannot list '/proc' under '%s': %s", s->shown_root, strerror(-rc));
			return -1;
		}
		if (found.n != 1) {
			struct strbuf sb = { 0 };

			for (size_t i = 0; i < found.n; i++)
				strbuf_addf(&sb, "%s%ld (%s)", i ? ", " : "", found.pids[i], found.why[i]);
			cli_error("watch: --app auto: %s%s", found.n ? "several DPDK applications run: " :
				  "no running DPDK application found (no telemetry socket answers, no process maps hugepages "
				  "or holds /dev/vfio)", found.n ? sb.s : "");
			if (found.n)
				cli_error("watch: name one with --app PID");
			strbuf_free(&sb);
			return -1;
		}
		pid = found.pids[0];
	} else if (parse_long(arg, &pid) < 0 || pid <= 0 || pid > INT32_MAX) {
		cli_error("watch: invalid --app '%s' (a process id, or auto)", arg);
		return -1;
	}
	snprintf(dir, sizeof(dir), "/proc/%ld", pid);
	if (!sysroot_is_dir(&s->sr, dir)) {
		cli_error("watch: --app %s: no process %ld ('%s' is absent under '%s')", arg, pid, dir, s->shown_root);
		return -1;
	}
	ctx->app = (pid_t)pid;
	/* Its --file-prefix names its runtime directory; without one, any socket whose greeting names the pid. */
	rc = app_config_from_process(&cfg, &s->sr, pid, &err);
	app_telemetry_of(&s->sr, pid, rc == 0 ? cfg.file_prefix : "", sock, sizeof(sock));
	if (rc == 0)
		app_config_free(&cfg);
	if (sock[0] && telemetry_open(tel, sock) == 0 && tel->pid == pid)
		ctx->telemetry = tel;
	else
		telemetry_close(tel);
	snprintf(where, size, ", application %ld (%s%s)", pid, ctx->telemetry ? "telemetry " : "no telemetry: threads only",
		 ctx->telemetry ? sock : "");
	return 0;
}

/* The cpu time this process has used, in ms: the summary gives watch's own cost a sample. */
static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

int cmd_watch(int argc, char **argv)
{
	const char *root = "/", *profile = NULL, *format = "text", *prom = NULL, *until = NULL, *app = NULL, *arg;
	double interval = 1, duration = 0, started, spent;
	long count = 0;
	struct cli_parser p;
	struct session s;
	struct watch_ctx ctx = { 0 };
	struct watch_sample prev, cur;
	struct spike_sources spikes;
	struct tally t = { 0 };
	struct telemetry tel = { .fd = -1 };
	struct sigaction sa = { 0 };
	char where[CPUSET_TEXT_MAX] = "", iso_text[64], app_text[320] = "";
	uint64_t samples = 1;
	int c, rc = EXIT_READY;

	cli_parser_init(&p, "watch", "",
			"Samples, every interval, the interrupts, softirqs, threads and IRQ affinities of the profile's isolated "
			"cpus, irqbalance/tuned/bpftune and the THP and KSM switches, from a housekeeping cpu it pins itself "
			"to, and reports each change as an event with its likely cause and fix; with --app, the application's "
			"context switches there and its ports' drops. Reads only; SIGINT, SIGTERM, "
			"--count, --duration or --until ends it with a summary. Exit 0: nothing happened, 1: events.",
			watch_opts, argc, argv);
	while ((c = cli_parser_next(&p, &arg)) != -1) {
		char *end;

		switch (c) {
		case CLI_HELP: return EXIT_READY;
		case OPT_ROOT: root = arg; break;
		case OPT_PROFILE: profile = arg; break;
		case OPT_FORMAT: format = arg; break;
		case OPT_PROM: prom = arg; break;
		case OPT_UNTIL: until = arg; break;
		case OPT_APP: app = arg; break;
		case OPT_INTERVAL:
			if (parse_seconds("interval", arg, 0.1, 3600, &interval) < 0)
				return EXIT_ERROR;
			break;
		case OPT_DURATION:
			if (parse_seconds("duration", arg, 0.1, 1e9, &duration) < 0)
				return EXIT_ERROR;
			break;
		case OPT_COUNT:
			errno = 0;
			count = strtol(arg, &end, 10);
			if (errno || end == arg || *end || count < 1) {
				cli_error("watch: invalid --count '%s' (a number of intervals, 1 or more)", arg);
				return EXIT_ERROR;
			}
			break;
		default: return EXIT_ERROR;
		}
	}
	if (optind < argc || (strcmp(format, "text") && strcmp(format, "json"))) {
		cli_error("watch: %s '%s'%s", optind < argc ? "unexpected argument" : "unknown format",
			  optind < argc ? argv[optind] : format, optind < argc ? "" : " (text or json)");
		return EXIT_ERROR;
	}
	if (until) {
		time_t now = time(NULL), deadline;

		if (duration) {
			cli_error("watch: --until '%s' and --duration: give one", until);
			return EXIT_ERROR;
		}
		if (watch_until(until, now, &deadline) < 0) {
			cli_error("watch: invalid --until '%s' (HH:MM, local time, 00:00 to 23:59)", until);
			return EXIT_ERROR;
		}
		/* From here on the monotonic clock counts: a clock step during the watch moves no deadline. */
		duration = difftime(deadline, now);
	}
	if (prom && cli_out_path_ok("watch", prom) < 0)
		return EXIT_ERROR;
	if (session_open(&s, root, profile, false))
		return EXIT_ERROR;
	if (cpuset_empty(&s.prof.isolated)) {
		cli_error("watch: profile '%s' isolates no cpu on this host: nothing to watch", s.prof.name);
		session_close(&s);
		return EXIT_ERROR;
	}
	/* Under --root the cpus are the tree's, not this machine's: nothing to pin to. */
	if (s.sr.live && pin_to_housekeeping(&s, where, sizeof(where)) < 0) {
		session_close(&s);
		return EXIT_ERROR;
	}
	if (app && open_app(&s, app, &ctx, &tel, app_text, sizeof(app_text)) < 0) {
		session_close(&s);
		return EXIT_ERROR;
	}
	ctx.isolated = s.prof.isolated;
	if (sysroot_read_cpuset(&s.sr, "/sys/devices/system/cpu/nohz_full", &ctx.nohz_full) < 0)
		cpuset_zero(&ctx.nohz_full);
	cpuset_and(&ctx.nohz_full, &ctx.nohz_full, &ctx.isolated);
	if (!cpuset_format(&s.prof.housekeeping, ctx.housekeeping, sizeof(ctx.housekeeping)))
		snprintf(ctx.housekeeping, sizeof(ctx.housekeeping), "HOUSEKEEPING");
	ctx.allowed = profile_str(&s.prof, PK_TASKS_ALLOWED);
	ctx.self = s.sr.live ? getpid() : 0;
	/*
	 * Live, a path of /proc or /sys names one kernel object for its life, so its file is kept open and
	 * re-read; in a tree a file renamed over the path (a test, a new capture) would leave it on the old one.
	 */
	ctx.keep_open = s.sr.live;
	if (ctx.keep_open)
		raise_open_files();
	find_spikes(&s, &ctx, &spikes);

	if (watch_sample_take(&prev, &s.sr, &ctx, NULL) < 0) {
		cli_error("watch: cannot read '/proc/interrupts' under '%s'", s.shown_root);
		watch_sample_free(&prev);
		telemetry_close(&tel);
		spike_sources_free(&spikes);
		session_close(&s);
		return EXIT_ERROR;
	}
	t.niso = prev.niso;
	t.iso = prev.iso;
	t.json = !strcmp(format, "json");
	t.events = xcalloc((size_t)t.niso + 1, sizeof(*t.events));
	t.counted = xcalloc((size_t)t.niso + 1, sizeof(*t.counted));
	sa.sa_handler = on_signal;	/* no SA_RESTART: the sleep ends at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (prom && write_prom(prom, &t, samples) < 0)
		rc = EXIT_ERROR;
	if (!t.json)
		printf("tickready watch: isolated cpus %s under %s, every %g s%s%s%s%s%s%s; baseline taken\n",
		       cpuset_format(&ctx.isolated, iso_text, sizeof(iso_text)), s.shown_root, interval,
		       where[0] ? ", from cpus " : "", where, app_text, until ? ", until " : "", until ? until : "",
		       until ? " local time" : "");
	fflush(stdout);
	started = now_s();
	spent = cpu_ms();
	for (long n = 0; rc == EXIT_READY && !stop_signal && (!count || n < count); n++) {
		double next = started + (n + 1) * interval;

		if (duration && next > started + duration)
			next = started + duration;
		sleep_until(next);
		if (stop_signal)
			break;
		if (watch_sample_take(&cur, &s.sr, &ctx, &prev) < 0) {
			cli_error("watch: '/proc/interrupts' under '%s' became unreadable", s.shown_root);
			watch_sample_free(&cur);
			rc = EXIT_ERROR;
			break;
		}
		samples++;
		watch_diff(&ctx, &prev, &cur, on_event, &t);
		/* The tally points at the baseline's cpu list: the same cpus in every sample. */
		free(cur.iso);
		cur.iso = prev.iso;
		prev.iso = NULL;
		watch_sample_free(&prev);
		prev = cur;
		if (prom && write_prom(prom, &t, samples) < 0)
			rc = EXIT_ERROR;
		if (duration && now_s() >= started + duration)
			break;
	}
	print_summary(&t, now_s() - started, samples > 1 ? (cpu_ms() - spent) / (double)(samples - 1) : -1, interval);
	if (fflush(stdout) || ferror(stdout))
		rc = EXIT_ERROR;
	watch_sample_free(&prev);
	telemetry_close(&tel);
	free(t.events);
	free(t.counted);
	spike_sources_free(&spikes);
	session_close(&s);
	if (rc == EXIT_READY && t.total)
		rc = EXIT_NOT_READY;
	return rc;
}
