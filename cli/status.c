/* What tickready has applied on a root: each journaled knob wanted / staged / live, as tickready.status/1. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bind.h"
#include "cli.h"
#include "journal.h"
#include "state.h"
#include "kinds.h"
#include "plan.h"
#include "util.h"

struct srow {
	const char *target, *wanted, *staged, *live, *op;
	enum change_verdict v;
};

struct sctx {
	const struct sysroot *sr;
	const struct host *host;
	const struct jlog *log;
	json_t *items;
	int counts[CV_COUNT];
};

static void emit(struct sctx *sc, struct srow *r)
{
	sc->counts[r->v]++;
	json_array_append_new(sc->items, json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s}", "target", r->target, "kind", r->op,
						   "wanted", r->wanted, "staged", r->staged, "live", r->live, "verdict",
						   change_verdict_names[r->v]));
}

/*
 * The line a whole-line file (/etc/kernel/cmdline) held before tickready: the old value of the first write
 * to it in a run not reverted. NULL when the file did not exist.
 */
static const char *user_line(const struct sctx *sc, const struct jrec *w)
{
	for (size_t i = 0; i < sc->log->n; i++) {
		const struct jrec *r = &sc->log->v[i];

		if (r->type == JR_WRITE && !sc->log->runs[r->run_idx].reverted && r->target.present &&
		    !strcmp(r->target.data, w->target.data))
			return r->old.present ? r->old.data : NULL;
	}
	return w->old.present ? w->old.data : NULL;
}

/*
 * One row per parameter of a staged command line file: wanted, staged (next boot), live (/proc/cmdline).
 * /etc/kernel/cmdline holds the user's whole line: only what tickready added or changed there is its target.
 */
static void cmdline_rows(struct sctx *sc, const struct jrec *w, bool grub)
{
	char *text = xstrdup(w->value.data ? w->value.data : ""), *start = text;
	struct cmdline want, user;
	const char *before = !strcmp(w->target.data, HOST_KERNEL_CMDLINE) ? user_line(sc, w) : NULL;

	if (!strcmp(w->target.data, HOST_GRUB_ONCE)) {
		/* The one-time entry's script: its parameters are in TICKREADY_PARAMS. */
		char *params = xmalloc(strlen(text) + 1);

		if (!boot_once_params(text, strlen(text), params, strlen(text) + 1))
			params[0] = '\0';
		free(text);
		text = start = params;
	} else if (grub) {
		struct strbuf sb = { 0 };

		boot_grub_dropin_params(text, &sb);
		free(text);
		text = start = sb.s ? strbuf_detach(&sb) : xstrdup("");
	}
	cmdline_parse(&want, start);
	cmdline_parse(&user, before ? before : "");
	for (size_t i = 0; i < want.n; i++) {
		const char *k = want.args[i].key, *v = want.args[i].value ? want.args[i].value : "";
		const char *live = cmdline_get(&sc->host->cmdline, k);
		const char *staged = sc->host->has_staged ? cmdline_get(&sc->host->staged, k) : (grub ? NULL : v);
		struct srow r = { .target = k, .wanted = v, .staged = staged, .live = live, .op = "cmdline" };

		const char *had = cmdline_get(&user, k);

		if (!strcmp(k, "BOOT_IMAGE") || !strcmp(k, "initrd") || !strcmp(k, "root"))
			continue;
		if (cmdline_has(&user, k) && !strcmp(had ? had : "", v))
			continue;
		r.v = live && !strcmp(live, v) ? CV_PASS : staged && !strcmp(staged, v) ? CV_PENDING : CV_FAIL;
		emit(sc, &r);
	}
	cmdline_free(&want);
	cmdline_free(&user);
	free(text);
}

/* One journaled write: its kind says whether it is still in place. */
static void write_row(struct sctx *sc, const struct jrec *w)
{
	const char *path = w->target.data;
	struct change_status st;
	struct srow r = { .target = path, .op = w->op };

	if (!strcmp(path, HOST_GRUB_DROPIN) || !strcmp(path, HOST_KERNEL_CMDLINE) || !strcmp(path, HOST_GRUB_ONCE)) {
		cmdline_rows(sc, w, !strcmp(path, HOST_GRUB_DROPIN));
		return;
	}
	change_status(sc->sr, w, &st);
	r.v = st.v;
	r.wanted = st.wanted;
	r.live = st.live;
	emit(sc, &r);
	change_status_free(&st);
}

static void show_run(struct sctx *sc, const struct jlog *log, const struct jrec *b, json_t *runs)
{
	char when[64];
	time_t t = (time_t)b->num;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	sc->items = json_array();
	for (size_t i = log->runs[b->run_idx].first_w; i != JLOG_NONE; i = log->v[i].next)
		if (!log->v[i].superseded)
			write_row(sc, &log->v[i]);
	json_array_append_new(runs, json_pack("{s:s, s:s?, s:s, s:o}", "run", b->run, "profile",
					      b->target.present ? b->target.data : NULL, "started", when, "items",
					      sc->items));
}

json_t *status_collect(const struct sysroot *sr, const struct host *host, const struct jlog *log)
{
	struct sctx sc = { .sr = sr, .host = host, .log = log };
	json_t *runs = json_array(), *doc;
	char confirm_run[128], once_run[128] = "";
	struct once_pending once;
	bool has_confirm, has_once;
	struct confirm_pending cp;
	enum confirm_fate fate = CONFIRM_WAITING;

	for (size_t k = 0; k < log->nruns; k++)
		if (log->runs[k].begin != JLOG_NONE && !log->runs[k].reverted)
			show_run(&sc, log, &log->v[log->runs[k].begin], runs);
	/* What still waits on the operator: a confirmation, or the one-time boot. */
	has_confirm = confirm_pending_load(sr, &cp) == 0;
	if (has_confirm) {
		snprintf(confirm_run, sizeof(confirm_run), "%s", cp.run);
		fate = confirm_fate(sr, &cp);
	}
	has_once = once_pending_read(sr, &once) == 0;
	if (has_once) {
		snprintf(once_run, sizeof(once_run), "%s", once.run);
		free(once.params);
	}
	doc = json_pack("{s:s, s:s, s:o, s:{s:i, s:i, s:i, s:i}}", "schema", "tickready.status/1", "root", sr->path,
			"runs", runs, "summary", "pass", sc.counts[CV_PASS], "fail", sc.counts[CV_FAIL], "pending_reboot",
			sc.counts[CV_PENDING], "unsupported", sc.counts[CV_UNSUPPORTED]);
	json_object_set_new(doc, "confirm_pending", has_confirm ? json_string(confirm_run) : json_null());
	{
		char *active, run[64];

		/* What plain audit and report judge against here. */
		if (active_profile_read(sr, &active, run, sizeof(run)) == 0) {
			json_object_set_new(doc, "active_profile", json_pack("{s:s, s:s}", "profile", active, "run", run));
			free(active);
		} else {
			json_object_set_new(doc, "active_profile", json_null());
		}
	}
	/* Whether its timer still guards it: "waiting", or why the next apply, confirm or boot reverts it. */
	if (has_confirm) {
		static const char *const names[] = { "waiting", "rebooted", "overdue", "orphaned" };

		json_object_set_new(doc, "confirm_state", json_string(names[fate]));
		json_object_set_new(doc, "confirm_state_text", json_string(confirm_fate_text(fate)));
		json_object_set_new(doc, "confirm_deadline", cp.deadline ? json_integer(cp.deadline) : json_null());
	}
	json_object_set_new(doc, "once_pending", has_once ? json_string(once_run) : json_null());
	return doc;
}
