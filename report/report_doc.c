/* The tickready.report/1 document: built from its parts, loaded and validated, written atomically. */
#include "report_doc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

const char *rj_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

const char *rj_check_name(const json_t *c, char *buf, size_t size)
{
	const char *id = rj_str(c, "id"), *role = rj_str(c, "role");

	if (!id)
		return NULL;
	if (role)
		snprintf(buf, size, "%s[%s]", id, role);
	else
		snprintf(buf, size, "%s", id);
	return buf;
}

bool rj_num(const json_t *o, const char *key, double *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return true;
}

long rj_int(const json_t *o, const char *key, long dflt)
{
	double v;

	return rj_num(o, key, &v) ? (long)v : dflt;
}

const json_t *rj_get(const json_t *o, ...)
{
	va_list ap;
	const char *k;

	va_start(ap, o);
	while (o && (k = va_arg(ap, const char *)))
		o = json_object_get(o, k);
	va_end(ap);
	return o;
}

int rdoc_histogram(const json_t *hist, struct rdoc_bucket *out, int max)
{
	/* 1-2-5 per decade, as verify's text histogram: equal widths make the x axis a log scale. */
	static const double edges[] = { 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5,
					1e6, 2e6, 5e6, 1e7, 2e7, 5e7, 1e8, 2e8, 5e8, 1e9, 1e10 };
	enum { NE = sizeof(edges) / sizeof(edges[0]) };
	double counts[NE] = { 0 };
	const json_t *b;
	int first = NE, last = -1, n = 0;
	size_t i;

	json_array_foreach(hist, i, b) {
		double hi, c;
		int e = 0;

		if (!json_is_number(json_array_get(b, 0)) || !json_is_number(json_array_get(b, 1)))
			continue;
		hi = json_number_value(json_array_get(b, 0));
		c = json_number_value(json_array_get(b, 1));
		while (e < NE - 1 && hi > edges[e])
			e++;
		counts[e] += c;
	}
	for (int e = 0; e < NE; e++)
		if (counts[e] > 0) {
			first = e < first ? e : first;
			last = e;
		}
	for (int e = first; e <= last && n < max; e++)
		out[n++] = (struct rdoc_bucket){ edges[e], counts[e] };
	return n;
}

static json_t *take(json_t *o)
{
	return o ? o : json_null();
}

/* Check ids of a verdict, for the reasons and the pending-reboot list. */
static json_t *ids_with(const json_t *checks, const char *verdict)
{
	json_t *a = json_array();
	const json_t *c;
	size_t i;

	char name[160];

	json_array_foreach(checks, i, c)
		if (rj_str(c, "verdict") && !strcmp(rj_str(c, "verdict"), verdict) && rj_check_name(c, name, sizeof(name)))
			json_array_append_new(a, json_string(name));
	return a;
}

static char *joined(const json_t *a, size_t max)
{
	struct strbuf sb = { 0 };
	const json_t *v;
	size_t i;

	json_array_foreach(a, i, v) {
		if (i == max) {
			strbuf_addf(&sb, ", and %zu more", json_array_size(a) - max);
			break;
		}
		strbuf_addf(&sb, "%s%s", i ? ", " : "", json_string_value(v));
	}
	return strbuf_detach(&sb);
}

static void reason(json_t *reasons, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reason(json_t *reasons, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	json_array_append_new(reasons, json_string(s));
	free(s);
}

/*
 * Verify's side of the verdict: failed targets; none passed or failed is not judged, so not ready (a verdict
 * passes only what was measured, whatever the document's own ready flag says); else verify's own ready flag.
 */
static void verify_verdict(const json_t *v, json_t *reasons, bool *failed, json_t *summary)
{
	const json_t *t, *targets = json_object_get(v, "targets");
	json_t *names = json_array();
	long nfail = 0, npass = 0;
	size_t i;
	char *list;

	json_array_foreach(targets, i, t) {
		const char *verdict = rj_str(t, "verdict");

		if (verdict && !strcmp(verdict, "fail")) {
			nfail++;
			json_array_append_new(names, json_string(rj_str(t, "name") ? rj_str(t, "name") : "?"));
		} else if (verdict && !strcmp(verdict, "pass")) {
			npass++;
		}
	}
	list = joined(names, 8);
	if (nfail) {
		reason(reasons, "verify: %ld target%s failed (%s)", nfail, nfail == 1 ? "" : "s", list);
		*failed = true;
	} else if (!npass) {
		reason(reasons, "verify: not judged: %s", rj_str(v, "not_judged") ? rj_str(v, "not_judged") :
		       "no target passed or failed");
		*failed = true;
	} else if (json_is_false(json_object_get(v, "ready"))) {
		reason(reasons, "verify: not ready%s%s", rj_str(v, "failed") && *rj_str(v, "failed") ? ": " : "",
		       rj_str(v, "failed") ? rj_str(v, "failed") : "");
		*failed = true;
	}
	json_object_set_new(summary, "verify", json_pack("{s:I, s:I, s:b, s:o}", "targets_passed", (json_int_t)npass,
							 "targets_failed", (json_int_t)nfail, "judged", npass + nfail > 0, "ready",
							 json_is_boolean(json_object_get(v, "ready"))
								 ? json_boolean(json_is_true(json_object_get(v, "ready")))
								 : json_null()));
	free(list);
	json_decref(names);
}

json_t *rdoc_build(struct rdoc_parts *p)
{
	json_t *doc = json_object(), *reasons = json_array(), *summary = json_object(), *pending;
	const json_t *asum = json_object_get(p->audit, "summary"), *ssum = json_object_get(p->status, "summary");
	const json_t *checks = json_object_get(p->audit, "checks");
	json_t *failed_ids = ids_with(checks, "fail"), *warn_ids = ids_with(checks, "warn");
	long nfail = rj_int(asum, "fail", 0), nwarn = rj_int(asum, "warn", 0);
	long npend = rj_int(asum, "pending_reboot", 0), sfail = rj_int(ssum, "fail", 0);
	long spend = rj_int(ssum, "pending_reboot", 0);
	bool not_ready = false, is_pending;
	char when[32], *list;
	struct tm tm;
	const json_t *run, *it;
	size_t i, j;

	gmtime_r(&p->generated, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(doc, "schema", json_string(REPORT_SCHEMA));
	json_object_set_new(doc, "generated", json_string(when));
	json_object_set_new(doc, "generated_unix", json_integer((json_int_t)p->generated));
	json_object_set_new(doc, "hostname", json_string(p->hostname && *p->hostname ? p->hostname : "unknown"));
	json_object_set_new(doc, "root", json_string(p->root ? p->root : "/"));
	json_object_set_new(doc, "strict", json_boolean(p->strict));

	if (json_is_true(json_object_get(asum, "nothing_to_judge"))) {
		reason(reasons, "audit: the root holds no cpu (no /sys/devices/system/cpu, no /proc/cpuinfo): nothing to judge");
		not_ready = true;
	}
	if (nfail) {
		list = joined(failed_ids, 8);
		reason(reasons, "audit: %ld check%s failed (%s)", nfail, nfail == 1 ? "" : "s", list);
		free(list);
		not_ready = true;
	}
	if (p->strict && nwarn) {
		list = joined(warn_ids, 8);
		reason(reasons, "audit: %ld warning%s with --strict (%s)", nwarn, nwarn == 1 ? "" : "s", list);
		free(list);
		not_ready = true;
	}
	if (sfail) {
		reason(reasons, "status: %ld applied value%s no longer live", sfail, sfail == 1 ? " is" : "s are");
		not_ready = true;
	}
	json_object_set_new(summary, "checks", json_deep_copy(asum ? asum : json_object()));
	json_object_set_new(summary, "applied", ssum ? json_deep_copy(ssum) : json_null());
	if (p->verify)
		verify_verdict(p->verify, reasons, &not_ready, summary);
	else
		json_object_set_new(summary, "verify", json_null());

	/* Pending reboot stands apart: checks staged for the next boot and applied boot parameters. */
	pending = json_pack("{s:o, s:o}", "checks", ids_with(checks, "pending-reboot"), "applied", json_array());
	json_array_foreach(json_object_get(p->status, "runs"), i, run)
		json_array_foreach(json_object_get(run, "items"), j, it)
			if (rj_str(it, "verdict") && !strcmp(rj_str(it, "verdict"), "pending-reboot") && rj_str(it, "target"))
				json_array_append_new(json_object_get(pending, "applied"), json_string(rj_str(it, "target")));
	is_pending = npend || spend || rj_str(p->status, "once_pending");
	if (!not_ready && is_pending)
		reason(reasons, "pending reboot: %ld check%s and %ld applied parameter%s wait for the next boot", npend,
		       npend == 1 ? "" : "s", spend, spend == 1 ? "" : "s");
	if (rj_str(p->status, "confirm_pending"))
		reason(reasons, "apply run %s waits for `tickready confirm`", rj_str(p->status, "confirm_pending"));

	json_object_set_new(doc, "verdict", json_string(not_ready ? "not-ready" : is_pending ? "pending-reboot" : "ready"));
	json_object_set_new(doc, "ready", json_boolean(!not_ready && !is_pending));
	json_object_set_new(doc, "pending_reboot", json_boolean(is_pending));
	json_object_set_new(pending, "once", take(json_incref(json_object_get(p->status, "once_pending"))));
	json_object_set_new(doc, "pending", pending);
	json_object_set_new(doc, "pending_confirmation", take(json_incref(json_object_get(p->status, "confirm_pending"))));
	json_object_set_new(doc, "reasons", reasons);
	json_object_set_new(doc, "summary", summary);
	json_object_set_new(doc, "undo", json_string(p->undo ? p->undo : "tickready revert"));
	json_object_set_new(doc, "audit", p->audit);
	json_object_set_new(doc, "status", take(p->status));
	json_object_set_new(doc, "plan", take(p->plan));
	json_object_set_new(doc, "verify", take(p->verify));
	json_object_set_new(doc, "verify_source", p->verify && p->verify_source ? json_string(p->verify_source)
										  : json_null());
	json_decref(failed_ids);
	json_decref(warn_ids);
	p->audit = p->status = p->plan = p->verify = NULL;
	return doc;
}

int rdoc_validate(const json_t *doc, char *why, size_t size)
{
	static const char *const objects[] = { "audit", "summary" };
	const char *schema = rj_str(doc, "schema"), *verdict = rj_str(doc, "verdict");

	if (!json_is_object(doc)) {
		snprintf(why, size, "not a JSON object");
		return -EINVAL;
	}
	if (!schema) {
		snprintf(why, size, "no \"schema\" key: not a tickready report");
		return -EINVAL;
	}
	if (strcmp(schema, REPORT_SCHEMA)) {
		snprintf(why, size, "schema '%.60s', not " REPORT_SCHEMA "%s", schema,
			 !strncmp(schema, "tickready.report/", 17) ? " (a version this tickready does not read)" : "");
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (!json_is_object(json_object_get(doc, objects[i]))) {
			snprintf(why, size, "\"%s\" is missing or not an object", objects[i]);
			return -EINVAL;
		}
	if (!json_is_array(rj_get(doc, "audit", "checks", NULL))) {
		snprintf(why, size, "\"audit.checks\" is missing or not an array");
		return -EINVAL;
	}
	if (!verdict || (strcmp(verdict, "ready") && strcmp(verdict, "not-ready") && strcmp(verdict, "pending-reboot"))) {
		snprintf(why, size, "\"verdict\" is missing or not ready / not-ready / pending-reboot");
		return -EINVAL;
	}
	if (!json_is_string(json_object_get(doc, "hostname")) || !json_is_integer(json_object_get(doc, "generated_unix"))) {
		snprintf(why, size, "\"hostname\" or \"generated_unix\" is missing");
		return -EINVAL;
	}
	return 0;
}

json_t *json_load_regular(const char *path, size_t flags, json_error_t *je, int *err)
{
	struct stat st;
	json_t *doc;
	int fd;

	*err = 0;
	/* Non-blocking, and a regular file or nothing: a FIFO named here would block the command for ever. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		*err = -EMEDIUMTYPE;
		return NULL;
	}
	doc = json_loadfd(fd, flags, je);
	close(fd);
	if (!doc)
		*err = -EINVAL;
	return doc;
}

int rdoc_load(const char *path, json_t **out, char *err, size_t size)
{
	json_error_t je;
	char why[200];
	json_t *doc;
	int e;

	*out = NULL;
	doc = json_load_regular(path, JSON_REJECT_DUPLICATES, &je, &e);
	if (!doc) {
		if (e == -EMEDIUMTYPE) {
			snprintf(err, size, "'%s' is not a regular file (a FIFO, device or directory): a report is a file", path);
			return e;
		}
		if (e != -EINVAL) {
			snprintf(err, size, "cannot read '%s': %s", path, strerror(-e));
			return e;
		}
		snprintf(err, size, "'%s' line %d: not valid JSON (%s)", path, je.line, je.text);
		return -EINVAL;
	}
	if (rdoc_validate(doc, why, sizeof(why)) < 0) {
		snprintf(err, size, "'%s': %s", path, why);
		json_decref(doc);
		return -EINVAL;
	}
	*out = doc;
	return 0;
}

int write_atomic(const char *path, int (*fn)(FILE *out, const void *arg), const void *arg)
{
	const char *slash = strrchr(path, '/');
	char *tmp = slash ? xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1)
			  : xasprintf(".%s.XXXXXX", path);
	int fd = mkstemp(tmp), rc = 0;
	FILE *f;

	if (fd < 0) {
		rc = -errno;
		free(tmp);
		return rc;
	}
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		goto fail;
	}
	rc = fn(f, arg);
	if (!rc && (fflush(f) || fchmod(fd, 0644) || fsync(fd)))
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (!rc) {
		free(tmp);
		return 0;
	}
fail:
	unlink(tmp);
	free(tmp);
	return rc;
}
