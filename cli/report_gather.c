/* Gathering a readiness report: audit, apply status, a dry-run plan and a verify result, into tickready.report/1. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "journal.h"
#include "plan.h"
#include "report.h"
#include "report_cli.h"
#include "report_doc.h"
#include "render.h"
#include "tuners.h"
#include "util.h"

/* The plan apply would make now, as tickready.plan/1; NULL when it cannot be made (said on stderr). */
/* The plan apply would make; it also marks each finding with what apply does about it (fixed_by). */
static json_t *dry_plan(struct session *s, struct finding *findings, size_t nf)
{
	struct plan_opts po = { 0 };
	struct tune_ctx ctx;
	struct plan p;
	json_t *doc = NULL;
	int rc;

	tune_ctx_init(&ctx, &s->host, &s->prof, &s->sr, findings, nf);
	rc = plan_build(&p, &ctx);
	if (rc < 0)
		cli_warn("report: no plan: %s", strerror(-rc));
	else {
		plan_mark_findings(&p, &s->sr, findings, nf);
		doc = plan_to_json(&p, &s->sr, &po);
	}
	plan_free(&p);
	tune_ctx_free(&ctx);
	return doc;
}

json_t *report_verify_load(const char *path)
{
	json_error_t je;
	int err;
	json_t *doc = json_load_regular(path, 0, &je, &err);
	const char *schema;

	if (!doc) {
		if (err == -EMEDIUMTYPE)
			cli_error("report: verify result '%s' is not a regular file (a FIFO, device or directory)", path);
		else if (err != -EINVAL)
			cli_error("report: cannot read verify result '%s': %s", path, strerror(-err));
		else
			cli_error("report: verify result '%s' line %d: not valid JSON (%s)", path, je.line, je.text);
		return NULL;
	}
	schema = json_string_value(json_object_get(doc, "schema"));
	if (!json_is_object(doc) || !schema || strcmp(schema, "tickready.verify/1")) {
		cli_error("report: '%s' is not a verify result (schema '%s', wanted tickready.verify/1)", path,
			  schema ? schema : "none");
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* Runs `tickready verify ... --format json` (this binary, argv, no shell) and parses its output. */
static json_t *verify_run(const struct report_args *a)
{
	const char *argv[16];
	struct strbuf sb = { 0 };
	char buf[65536];
	int n = 0, fds[2], status;
	json_error_t je;
	json_t *doc;
	ssize_t got;
	pid_t pid;

	argv[n++] = program_invocation_name;
	argv[n++] = "verify";
	argv[n++] = "--mode";
	argv[n++] = a->verify_mode;
	argv[n++] = "--format";
	argv[n++] = "json";
	if (a->profile) {
		argv[n++] = "--profile";
		argv[n++] = a->profile;
	}
	if (a->verify_duration) {
		argv[n++] = "--duration";
		argv[n++] = a->verify_duration;
	}
	if (a->reserve)
		argv[n++] = "--reserve";
	argv[n] = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		cli_error("report: cannot run verify: %s", strerror(errno));
		return NULL;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while ((got = read(fds[0], buf, sizeof(buf) - 1)) > 0) {
		buf[got] = '\0';
		strbuf_add(&sb, buf);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* verify exits 1 when a target failed: that is a result, not an error. */
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
		cli_error("report: verify --mode %s failed (exit %d); its message is above", a->verify_mode,
			  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		strbuf_free(&sb);
		return NULL;
	}
	doc = json_loads(sb.s ? sb.s : "", 0, &je);
	strbuf_free(&sb);
	if (!doc)
		cli_error("report: verify printed no JSON document (%s)", je.text);
	return doc;
}

char *shell_quote(const char *s)
{
	struct strbuf sb = { 0 };

	strbuf_add(&sb, "'");
	for (; *s; s++)
		if (*s == '\'')
			strbuf_add(&sb, "'\\''");
		else
			strbuf_addf(&sb, "%c", *s);
	strbuf_add(&sb, "'");
	return strbuf_detach(&sb);
}

static void read_hostname(const struct sysroot *sr, char *buf, size_t size)
{
	if (sysroot_read_str(sr, "/etc/hostname", buf, size) < 0 || !*trim(buf))
		if (sysroot_read_str(sr, "/proc/sys/kernel/hostname", buf, size) < 0 || !*trim(buf))
			snprintf(buf, size, "unknown");
}

int report_gather(struct report_args *a, json_t **out)
{
	struct session s;
	struct report r;
	struct jlog log;
	struct rdoc_parts parts = { 0 };
	char host[256], why[256], *undo, *q;
	json_t *verify = NULL, *plan;
	int rc;

	*out = NULL;
	/* Input files first: a bad one must cost nothing else. */
	if (a->verify_from && !(verify = report_verify_load(a->verify_from)))
		return EXIT_ERROR;
	rc = session_open_checks(&s, a->root, a->profile, NULL, NULL);
	if (rc) {
		json_decref(verify);
		return rc;
	}
	rc = journal_load(&s.sr, &log);
	if (rc < 0) {
		cli_error("report: cannot read the journal '%s': %s", JOURNAL_PATH, state_strerror(rc));
		session_close(&s);
		json_decref(verify);
		return EXIT_ERROR;
	}
	if (a->verify_mode && !(verify = verify_run(a))) {
		jlog_free(&log);
		session_close(&s);
		return EXIT_ERROR;
	}
	if ((rc = app_inputs_load(&a->app, &s.sr, &s.host, &s.prof, "report"))) {
		jlog_free(&log);
		session_close(&s);
		json_decref(verify);
		return rc;
	}
	/* Saved figures are judged here, against this report's profile: the file's verdicts are only its own. */
	if (a->verify_from && verify_judge_saved(&s.prof, verify, why, sizeof(why)) < 0) {
		cli_error("report: verify result '%s': %s", a->verify_from, why);
		json_decref(verify);
		jlog_free(&log);
		session_close(&s);
		return EXIT_ERROR;
	}
	r = (struct report){ .host = &s.host, .prof = &s.prof, .root = s.shown_root, .profile_origin = s.profile_origin, .strict = a->strict };
	r.findings = checks_run(&(struct check_ctx){ &s.host, &s.prof, &s.sr, a->app.app.cfg || a->app.app.live || a->app.app.absent ? &a->app.app : NULL },
				NULL, &r.n);
	read_hostname(&s.sr, host, sizeof(host));
	q = shell_quote(s.sr.path);
	if (s.unpacked.dir[0])
		undo = xstrdup("none: the root is a capture archive, which nothing applies to");
	else
		undo = strcmp(s.sr.path, "/") ? xasprintf("tickready revert --root %s", q) : xstrdup("tickready revert");
	free(q);
	plan = dry_plan(&s, r.findings, r.n);
	parts = (struct rdoc_parts){ .audit = report_to_json(&r), .status = status_collect(&s.sr, &s.host, &log),
				     .plan = plan, .verify = verify,
				     .verify_source = a->verify_from ? a->verify_from : "run", .hostname = host,
				     .root = s.shown_root, .undo = undo, .generated = time(NULL), .strict = a->strict };
	*out = rdoc_build(&parts);
	free(undo);
	findings_free(r.findings, r.n);
	jlog_free(&log);
	session_close(&s);
	return 0;
}
