/* What tickready has applied on a root: each journaled knob wanted / staged / live, as tickready.status/1. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bind.h"
#include "cli.h"
#include "journal.h"
#include "plan.h"
#include "util.h"

enum sverdict { SV_PASS, SV_FAIL, SV_PENDING, SV_UNSUPPORTED, SV_COUNT };
static const char *const sverdict_names[] = { "pass", "fail", "pending-reboot", "unsupported" };

struct srow {
	char *target, *wanted, *staged, *live;
	const char *op;
	enum sverdict v;
};

struct sctx {
	const struct sysroot *sr;
	const struct host *host;
	json_t *items;
	int counts[SV_COUNT];
};

static bool path_is(const char *path, const char *suffix)
{
	size_t a = strlen(path), b = strlen(suffix);

	return a >= b && !strcmp(path + a - b, suffix);
}

/* sysfs shows some values differently from how they are written: "[never]", masks padded with zeros. */
static bool same_value(const char *path, const char *live, const char *want)
{
	struct cpuset a, b;
	char br[256];

	if (!strcmp(live, want))
		return true;
	snprintf(br, sizeof(br), "[%s]", want);
	if (strstr(live, br))
		return true;
	if (path_is(path, "_list") || path_is(path, "watchdog_cpumask"))
		return cpuset_parse(&a, live) == 0 && cpuset_parse(&b, want) == 0 && cpuset_equal(&a, &b);
	if (path_is(path, "smp_affinity") || path_is(path, "/cpumask"))
		return cpuset_parse_mask(&a, live) == 0 && cpuset_parse_mask(&b, want) == 0 && cpuset_equal(&a, &b);
	return false;
}

static void emit(struct sctx *sc, struct srow *r)
{
	sc->counts[r->v]++;
	json_array_append_new(sc->items, json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s}", "target", r->target, "kind", r->op,
						   "wanted", r->wanted, "staged", r->staged, "live", r->live, "verdict",
						   sverdict_names[r->v]));
}

/* One row per parameter of a staged command line file: wanted, staged (next boot), live (/proc/cmdline). */
static void cmdline_rows(struct sctx *sc, const struct jrec *w, bool grub)
{
	char *text = xstrdup(w->value.data ? w->value.data : ""), *start = text, *q2;
	struct cmdline want;

	if (!strcmp(w->target.data, HOST_GRUB_ONCE)) {
		/* The one-time entry's script: its parameters are in TICKREADY_PARAMS. */
		char *params = xmalloc(strlen(text) + 1);

		if (!shell_var(text, strlen(text), "TICKREADY_PARAMS", params, strlen(text) + 1))
			params[0] = '\0';
		free(text);
		text = start = params;
	} else if (grub) {
		char *q1 = strchr(text, '"');

		q2 = q1 ? strrchr(text, '"') : NULL;
		start = q1 && q2 > q1 ? q1 + 1 : text + strlen(text);
		if (q2 > q1)
			*q2 = '\0';
		for (char *s = start; (s = strchr(s, '$'));)
			while (*s && *s != ' ')
				*s++ = ' ';
	}
	cmdline_parse(&want, start);
	for (size_t i = 0; i < want.n; i++) {
		const char *k = want.args[i].key, *v = want.args[i].value ? want.args[i].value : "";
		const char *live = cmdline_get(&sc->host->cmdline, k);
		const char *staged = sc->host->has_staged ? cmdline_get(&sc->host->staged, k) : (grub ? NULL : v);
		struct srow r = { .target = (char *)k, .wanted = (char *)v, .staged = (char *)staged,
				  .live = (char *)live, .op = "cmdline" };

		if (!strcmp(k, "BOOT_IMAGE") || !strcmp(k, "initrd") || !strcmp(k, "root"))
			continue;
		r.v = live && !strcmp(live, v) ? SV_PASS : staged && !strcmp(staged, v) ? SV_PENDING : SV_FAIL;
		emit(sc, &r);
	}
	cmdline_free(&want);
	free(text);
}

static bool done(const struct jlog *log, const struct jrec *w)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].type == JR_DONE && log->v[i].seq == w->seq && !strcmp(log->v[i].run, w->run))
			return true;
	return false;
}

static void write_row(struct sctx *sc, const struct jlog *log, const struct jrec *w)
{
	const char *path = w->target.data;
	struct srow r = { .target = (char *)path, .op = w->op };
	char *text = NULL, *want = NULL;
	size_t len;

	if (!strcmp(path, HOST_GRUB_DROPIN) || !strcmp(path, HOST_KERNEL_CMDLINE) || !strcmp(path, HOST_GRUB_ONCE)) {
		cmdline_rows(sc, w, !strcmp(path, HOST_GRUB_DROPIN));
		return;
	}
	if (!strcmp(w->op, "write") || !strcmp(w->op, "create")) {
		want = xstrdup(w->value.data ? w->value.data : "");
		if (tree_read(sc->sr, path, &text, &len) < 0) {
			r.v = SV_UNSUPPORTED;
		} else if (strchr(trim(want), '\n')) {
			r.v = !strcmp(text, w->value.data) ? SV_PASS : SV_FAIL;
			r.wanted = "(file)";
			r.live = r.v == SV_PASS ? "(same)" : "(differs)";
		} else {
			r.v = same_value(path, trim(text), want) ? SV_PASS : SV_FAIL;
			r.wanted = want;
			r.live = text;
		}
	} else if (!strcmp(w->op, "append")) {
		r.wanted = "(line)";
		r.v = tree_read(sc->sr, path, &text, &len) == 0 && memmem(text, len, w->value.data, w->value.len)
			      ? SV_PASS : SV_FAIL;
	} else if (!strcmp(w->op, "mkdir")) {
		r.v = sysroot_is_dir(sc->sr, path) ? SV_PASS : SV_FAIL;
	} else if (!strcmp(w->op, "mount")) {
		r.wanted = w->value.data;
		if (!sc->sr->live)
			r.v = SV_UNSUPPORTED;
		else
			r.v = tree_read(sc->sr, "/proc/mounts", &text, &len) == 0 && strstr(text, path) ? SV_PASS : SV_FAIL;
	} else if (!strcmp(w->op, "bind")) {
		char link[PATH_MAX];

		r.wanted = w->value.data;
		if (pci_driver_link(sc->sr, path, link, sizeof(link)) < 0) {
			r.v = SV_UNSUPPORTED;
		} else {
			const char *drv = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;

			text = xstrdup(drv[0] ? drv : "(unbound)");
			r.live = text;
			r.v = !strcmp(drv, w->value.data) ? SV_PASS : SV_FAIL;
		}
	} else {
		r.wanted = w->value.data;
		r.v = done(log, w) ? SV_PASS : SV_FAIL;
	}
	emit(sc, &r);
	free(text);
	free(want);
}

/* The newest write of each target wins: an older run's write of it was superseded. */
static bool superseded(const struct jlog *log, size_t idx)
{
	for (size_t i = idx + 1; i < log->n; i++)
		if (log->v[i].type == JR_WRITE && !jlog_reverted(log, log->v[i].run) &&
		    !strcmp(log->v[i].target.data, log->v[idx].target.data) && !strcmp(log->v[i].op, log->v[idx].op))
			return true;
	return false;
}

static void show_run(struct sctx *sc, const struct jlog *log, const struct jrec *b, json_t *runs)
{
	char when[64];
	time_t t = (time_t)b->num;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	sc->items = json_array();
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].type == JR_WRITE && !strcmp(log->v[i].run, b->run) && !superseded(log, i))
			write_row(sc, log, &log->v[i]);
	json_array_append_new(runs, json_pack("{s:s, s:s?, s:s, s:o}", "run", b->run, "profile",
					      b->target.present ? b->target.data : NULL, "started", when, "items",
					      sc->items));
}

json_t *status_collect(const struct sysroot *sr, const struct host *host, const struct jlog *log)
{
	struct sctx sc = { .sr = sr, .host = host };
	json_t *runs = json_array(), *doc;
	char confirm_run[128], once_run[128] = "", *once_text = NULL;
	bool has_confirm, has_once;
	long sid;

	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].type == JR_BEGIN && !jlog_reverted(log, log->v[i].run))
			show_run(&sc, log, &log->v[i], runs);
	/* What still waits on the operator: a confirmation, or the one-time boot. */
	has_confirm = confirm_pending_read(sr, confirm_run, sizeof(confirm_run), &sid) == 0;
	has_once = sysroot_read_alloc(sr, ONCE_PENDING, 1u << 16, &once_text, NULL) == 0;
	if (has_once) {
		for (char *save = NULL, *l = strtok_r(once_text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			if (!strncmp(l, "run=", 4))
				snprintf(once_run, sizeof(once_run), "%s", l + 4);
		free(once_text);
	}
	doc = json_pack("{s:s, s:s, s:o, s:{s:i, s:i, s:i, s:i}}", "schema", "tickready.status/1", "root", sr->path,
			"runs", runs, "summary", "pass", sc.counts[SV_PASS], "fail", sc.counts[SV_FAIL], "pending_reboot",
			sc.counts[SV_PENDING], "unsupported", sc.counts[SV_UNSUPPORTED]);
	json_object_set_new(doc, "confirm_pending", has_confirm ? json_string(confirm_run) : json_null());
	json_object_set_new(doc, "once_pending", has_once ? json_string(once_run) : json_null());
	return doc;
}
