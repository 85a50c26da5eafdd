/* tickready audit: run the checks against a profile and report; never writes to the host. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "formats.h"
#include "report.h"
#include "util.h"

enum { OPT_ROOT = 'r', OPT_PROFILE = 'p', OPT_FORMAT = 'f', OPT_ONLY = 'o', OPT_QUIET = 'q', OPT_STRICT = 256, OPT_COLOR, OPT_CGROUP,
       OPT_APP_CONFIG, OPT_APP_EAL, OPT_APP_TELEMETRY, OPT_APP_PID, OPT_APP_WINDOW, OPT_APP };

static const struct cli_opt audit_opts[] = {
	{ "root", "DIR", OPT_ROOT, "audit the tree under DIR (a capture or fixture) instead of /" },
	{ "profile", "NAME|PATH", OPT_PROFILE, "profile to audit against (default " PROFILE_DEFAULT ")" },
	{ "format", NULL, OPT_FORMAT, "report format (default text; none: only the exit status)" },
	{ "only", "LIST", OPT_ONLY, "areas or check ids, comma-separated (e.g. cpu,irq,nic.chain)" },
	{ "quiet", NULL, OPT_QUIET, "text: only failures and pending reboot, then the summary line" },
	{ "strict", NULL, OPT_STRICT, "warnings count as failures for the exit status" },
	{ "color", "auto|always|never", OPT_COLOR, "colour in text output (default auto: on a tty)" },
	{ "cgroup", "PATH", OPT_CGROUP, "cpus the application may use: this cgroup's cpuset (default: the audit's own)" },
	APP_CLI_OPTS(OPT_APP_CONFIG),
	{ NULL, NULL, 0, NULL },
};

/* Each failing finding says what apply would do about it here, from the plan apply would build (a finding names apply only then). */
void audit_mark_fixes(struct session *s, struct finding *f, size_t n)
{
	struct tune_ctx ctx;
	struct plan p;

	tune_ctx_init(&ctx, &s->host, &s->prof, &s->sr, f, n);
	if (plan_build(&p, &ctx) == 0)
		plan_mark_findings(&p, &s->sr, f, n);
	plan_free(&p);
	tune_ctx_free(&ctx);
}

int cmd_audit(int argc, char **argv)
{
	const char *root = "/", *profile = NULL, *format = "text", *only = NULL, *color = "auto", *cgroup = NULL, *arg;
	struct cli_opt opts[sizeof(audit_opts) / sizeof(audit_opts[0])];
	char bar[64], choices[64];
	const struct out_format *out;
	struct out_opts wopts = { 0 };
	bool strict = false;
	struct cli_parser p;
	struct session s;
	struct report r;
	struct summary sum;
	bool *selected;
	struct app_inputs app = { 0 };
	bool app_given;
	char bad[64];
	int c, rc;

	memcpy(opts, audit_opts, sizeof(opts));
	for (size_t i = 0; opts[i].name; i++)
		if (opts[i].key == OPT_FORMAT)
			opts[i].arg = out_format_choices(OUT_AUDIT, true, bar, sizeof(bar));
	cli_parser_init(&p, "audit", "",
			"Inspects the host's low-latency settings; each finding says what was seen, what was expected and the fix.",
			opts, argc, argv);
	rc = -1;
	while (rc < 0 && (c = cli_parser_next(&p, &arg)) != -1) {
		switch (c) {
		case CLI_HELP:
			rc = EXIT_READY;
			break;
		case OPT_ROOT:
			root = arg;
			break;
		case OPT_PROFILE:
			profile = arg;
			break;
		case OPT_FORMAT:
			format = arg;
			break;
		case OPT_ONLY:
			only = arg;
			break;
		case OPT_QUIET:
			wopts.quiet = true;
			break;
		case OPT_STRICT:
			strict = true;
			break;
		case OPT_COLOR:
			color = arg;
			break;
		case OPT_CGROUP:
			cgroup = arg;
			break;
		case OPT_APP_CONFIG ... OPT_APP:
			app_inputs_option(&app, c - OPT_APP_CONFIG, arg);
			break;
		default:
			rc = EXIT_ERROR;
		}
	}
	if (rc >= 0)
		return rc;
	if (optind < argc) {
		cli_error("audit: unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	if (!(out = out_format_stdout(format, OUT_AUDIT))) {
		cli_error("audit: unknown format '%s' (%s)", format, out_format_choices(OUT_AUDIT, false, choices, sizeof(choices)));
		return EXIT_ERROR;
	}
	if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never")) {
		cli_error("audit: unknown colour mode '%s' (auto, always or never)", color);
		return EXIT_ERROR;
	}
	selected = calloc(checks_count, sizeof(bool));
	if (!selected || checks_select(only, selected, bad, sizeof(bad)) < 0) {
		cli_error("audit: unknown area or check '%s' in --only (see `tickready checks`)", bad);
		free(selected);
		return EXIT_ERROR;
	}
	rc = session_open_checks(&s, root, profile, cgroup, selected);
	if (rc) {
		free(selected);
		return rc;
	}
	if ((rc = app_inputs_load(&app, &s.sr, &s.host, &s.prof, "audit"))) {
		free(selected);
		app_inputs_free(&app);
		session_close(&s);
		return rc;
	}
	/* The app area is judged when an application is given, by option or profile (or asked for by --only). */
	app_given = app.app.cfg || app.app.live || app.app.absent;
	for (size_t i = 0; !app_given && !(only && *only) && i < checks_count; i++)
		if (checks[i]->area == AREA_APP)
			selected[i] = false;
	r = (struct report){ .host = &s.host, .prof = &s.prof, .root = s.shown_root, .profile_origin = s.profile_origin, .strict = strict };
	r.findings = checks_run(&(struct check_ctx){ &s.host, &s.prof, &s.sr, &app.app }, selected, &r.n);
	audit_mark_fixes(&s, r.findings, r.n);
	wopts.color = !strcmp(color, "always") || (!strcmp(color, "auto") && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
	out->audit(stdout, &r, &wopts);
	report_summary(&r, &sum);
	rc = !strcmp(summary_verdict(&sum, strict), "not-ready") ? EXIT_NOT_READY : EXIT_READY;
	if (sum.nothing_to_judge)
		cli_error("audit: not ready: '%s' holds no cpu (no /sys/devices/system/cpu, no /proc/cpuinfo), so nothing "
			  "here can be judged: an empty or unmounted root, or an empty capture?", s.shown_root);
	findings_free(r.findings, r.n);
	free(selected);
	app_inputs_free(&app);
	session_close(&s);
	return rc;
}
