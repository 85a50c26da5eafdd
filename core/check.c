/* Findings and the plumbing around the check registry. */
#include "check.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const area_names[] = {
#define X(e, s) s,
	AREAS(X)
#undef X
};

const char *area_name(enum area a)
{
	return (unsigned)a < AREA_COUNT ? area_names[a] : "?";
}

int area_from_name(const char *name)
{
	for (int i = 0; i < AREA_COUNT; i++)
		if (!strcmp(area_names[i], name))
			return i;
	return -1;
}

const char *fix_by_name(unsigned fix_by)
{
	if (fix_by & FIX_MANUAL)
		return "manual";
	if ((fix_by & FIX_BLOCKED) && (fix_by & (FIX_NOW | FIX_BOOT)))
		return "partly blocked";
	if (fix_by & FIX_BLOCKED)
		return "blocked";
	if ((fix_by & FIX_NOW) && (fix_by & FIX_BOOT))
		return "apply now and at boot";
	if (fix_by & FIX_BOOT)
		return "apply at boot";
	if (fix_by & FIX_NOW)
		return "apply now";
	return NULL;
}

unsigned fix_by_parse(const char *name)
{
	static const struct { const char *name; unsigned by; } names[] = {
		{ "manual", FIX_MANUAL }, { "partly blocked", FIX_BLOCKED | FIX_NOW }, { "blocked", FIX_BLOCKED },
		{ "apply now and at boot", FIX_NOW | FIX_BOOT }, { "apply at boot", FIX_BOOT }, { "apply now", FIX_NOW },
	};

	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i].name))
			return names[i].by;
	return 0;
}

/* The line under a fix saying what `tickready apply` does about it here. */
const char *fix_by_line(unsigned by, const char *note)
{
	static char buf[512];

	if (by & FIX_MANUAL)
		snprintf(buf, sizeof(buf), "by hand: %s", note ? note : "apply makes no change for it here");
	else if ((by & FIX_BLOCKED) && (by & (FIX_NOW | FIX_BOOT)))
		snprintf(buf, sizeof(buf), "tickready apply does part of it; the rest is blocked: %s", note ? note : "?");
	else if (by & FIX_BLOCKED)
		snprintf(buf, sizeof(buf), "tickready apply plans it but is blocked: %s", note ? note : "?");
	else if ((by & FIX_NOW) && (by & FIX_BOOT))
		snprintf(buf, sizeof(buf), "tickready apply does it: now, and stages the rest for the next boot");
	else if (by & FIX_BOOT)
		snprintf(buf, sizeof(buf), "tickready apply stages it for the next boot");
	else if (note)
		snprintf(buf, sizeof(buf), "tickready apply: %s", note);
	else
		snprintf(buf, sizeof(buf), "tickready apply does it now");
	return buf;
}

const char *fix_by_line_named(const char *name, const char *note)
{
	unsigned by = fix_by_parse(name);

	return by ? fix_by_line(by, note) : NULL;
}

const char *verdict_name(enum verdict v)
{
	static const char *const names[] = { "pass", "warn", "fail", "skip" };

	return (unsigned)v <= V_SKIP ? names[v] : "?";
}

/*
 * A finding quotes what the host holds (process names, file contents), and a capture's may be anyone's:
 * control characters become '?', so no report carries a terminal escape to the operator's screen.
 */
static void set_str(char **dst, const char *fmt, va_list ap)
{
	free(*dst);
	*dst = xvasprintf(fmt, ap);
	for (char *c = *dst; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

#define FINDING_SETTER(fn, verdict_value) \
	void fn(struct finding *f, const char *fmt, ...) \
	{ \
		va_list ap; \
		f->verdict = verdict_value; \
		va_start(ap, fmt); \
		set_str(&f->observed, fmt, ap); \
		va_end(ap); \
	}
FINDING_SETTER(finding_pass, V_PASS)
FINDING_SETTER(finding_fail, V_FAIL)
FINDING_SETTER(finding_warn, V_WARN)
FINDING_SETTER(finding_skip, V_SKIP)

void finding_expected(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_str(&f->expected, fmt, ap);
	va_end(ap);
}

void finding_remedy(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_str(&f->remedy, fmt, ap);
	va_end(ap);
}

void finding_anchors(struct finding *f, const char *note)
{
	char *e = xasprintf("%s (anchors differ: %s; the profile decides)", f->expected ? f->expected : "", note);

	free(f->expected);
	f->expected = e;
}

void finding_skip_read(struct finding *f, const char *path, int rc)
{
	finding_skip(f, "cannot read '%s': %s", path, strerror(rc < 0 ? -rc : rc));
}

const char *finding_name(const struct finding *f, char *buf, size_t size)
{
	if (f->role)
		snprintf(buf, size, "%s[%s]", f->check ? f->check->id : "?", f->role);
	else
		snprintf(buf, size, "%s", f->check ? f->check->id : "?");
	return buf;
}

void finding_clear(struct finding *f)
{
	free(f->role);
	free(f->nic);
	free(f->observed);
	free(f->expected);
	free(f->remedy);
	free(f->fix_note);
	memset(f, 0, sizeof(*f));
}

void findings_free(struct finding *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		finding_clear(&f[i]);
	free(f);
}

void check_printable(const char *in, char *out, size_t size)
{
	size_t i;

	for (i = 0; in[i] && i + 4 < size; i++)
		out[i] = isprint((unsigned char)in[i]) ? in[i] : '?';
	out[i] = '\0';
	if (in[i])
		snprintf(out + i, size - i, "...");
}

/* Binary-safe: the bytes read are shown as printable ASCII, blanks around them dropped, NULs as '?'. */
void finding_skip_bad(struct finding *f, const struct sysroot *sr, const char *path, int rc)
{
	char raw[256], txt[64];
	ssize_t n;
	size_t i, len;
	const char *in = raw;

	if (rc == -ENODATA) {
		finding_skip(f, "'%s' is empty", path);
		return;
	}
	if (rc != -EINVAL && rc != -ERANGE && rc != -EFBIG) {
		finding_skip_read(f, path, rc);
		return;
	}
	n = sysroot_read(sr, path, raw, sizeof(raw));
	if (n == -EFBIG || (n < 0 && rc == -EFBIG)) {
		finding_skip(f, "'%s' is too large for a kernel value", path);
		return;
	}
	if (n < 0) {
		finding_skip_read(f, path, (int)n);
		return;
	}
	len = (size_t)n;
	while (len && isspace((unsigned char)*in)) {
		in++;
		len--;
	}
	while (len && isspace((unsigned char)in[len - 1]))
		len--;
	for (i = 0; i < len && i + 4 < sizeof(txt); i++)
		txt[i] = isprint((unsigned char)in[i]) ? in[i] : '?';
	txt[i] = '\0';
	if (i < len)
		snprintf(txt + i, sizeof(txt) - i, "...");
	finding_skip(f, "unexpected value in '%s': '%s'", path, txt);
}

int check_read_word(const struct sysroot *sr, const char *path, char *buf, size_t size)
{
	int rc = sysroot_read_str(sr, path, buf, size);

	if (rc < 0)
		return rc;
	for (const char *p = buf; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-.", *p))
			return -EINVAL;
	return 0;
}

const char *check_wanted(const struct check_ctx *ctx, struct finding *f, enum profile_key k)
{
	const char *v = profile_str(ctx->prof, k);
	char name[64];

	if (!v)
		finding_skip(f, "profile does not ask for %s", profile_key_name(k, name, sizeof(name)));
	return v;
}

const struct nic *check_nic(const struct check_ctx *ctx, struct finding *f)
{
	const char *want = ctx->prof->nic_wanted;

	if (ctx->prof->nic)
		return ctx->prof->nic;
	char sect[48];

	profile_nic_section(ctx->prof, sect, sizeof(sect));
	if (want && strcmp(want, "auto") && strcmp(want, "none") && strcmp(want, "any"))
		finding_skip(f, "bypass NIC '%s' (%s interface) is not on this host", want, sect);
	else
		finding_skip(f, "no bypass NIC: set %s interface", sect);
	return NULL;
}

const char *check_instance_owns(const struct check_ctx *ctx, char *buf, size_t size)
{
	char label[160];

	buf[0] = '\0';
	if (cloud_virtual(ctx->host))
		snprintf(buf, size, "; the hypervisor owns it on %s", cloud_label(ctx->host, label, sizeof(label)));
	return buf;
}

const struct nic *check_netdev(const struct check_ctx *ctx, struct finding *f)
{
	const struct nic *n = check_nic(ctx, f);

	if (n && !n->name[0]) {
		finding_skip(f, "%s is not a kernel netdev (bound to %s): its poll-mode driver sets this", n->pci,
			     n->driver[0] ? n->driver : "no driver");
		return NULL;
	}
	return n;
}

char *check_cpu_files(const struct cpuset *s, const char *suffix)
{
	struct strbuf sb = { 0 };
	const char *sep = "";
	int cpu, n = cpuset_count(s);

	strbuf_add(&sb, "/sys/devices/system/cpu/cpu");
	if (n > 1)
		strbuf_add(&sb, "{");
	cpuset_for_each(cpu, s) {
		strbuf_addf(&sb, "%s%d", sep, cpu);
		sep = ",";
	}
	if (n > 1)
		strbuf_add(&sb, "}");
	strbuf_addf(&sb, "/%s", suffix);
	return strbuf_detach(&sb);
}
