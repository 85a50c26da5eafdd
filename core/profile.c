/* Profile loading: libinih parses, this file validates every key against PROFILE_KEYS and resolves it for a host. */
#include "profile.h"
#include "stack.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mgmt.h"
#include "pci.h"
#include "sysroot.h"
#include "util.h"

const struct profile_key_info profile_keys[PK_COUNT] = {
#define X(e, s, k, t, mn, mx, ch, doc) [e] = { s, k, t, mn, mx, ch, doc },
	PROFILE_KEYS(X)
#undef X
};

#define PROFILE_DIR_ETC "/etc/tickready/profiles"
#define MAX_INCLUDE_DEPTH 16

static void set_error(struct profile_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct profile_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static int find_key(const char *section, const char *key)
{
	for (int i = 0; i < PK_COUNT; i++)
		if (!strcmp(profile_keys[i].section, section) && !strcmp(profile_keys[i].key, key))
			return i;
	return -1;
}

bool profile_role_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > PROFILE_ROLE_MAX)
		return false;
	for (const char *c = name; *c; c++)
		if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_' || *c == '-'))
			return false;
	return true;
}

const char *profile_nic_section(const struct profile *p, char *buf, size_t size)
{
	if (p->role)
		snprintf(buf, size, "[nic.%s]", p->role);
	else
		snprintf(buf, size, "[nic]");
	return buf;
}

static bool known_section(const char *section)
{
	for (int i = 0; i < PK_COUNT; i++)
		if (!strcmp(profile_keys[i].section, section))
			return true;
	return false;
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool in_choices(const char *choices, const char *word, size_t len)
{
	for (const char *p = choices; *p;) {
		size_t n = strcspn(p, "|");

		if (n == len && !strncmp(p, word, len))
			return true;
		p += n;
		if (*p == '|')
			p++;
	}
	return false;
}

/* Checks one value against its key's type. Returns NULL or a description of the problem. */
static const char *validate(const struct profile_key_info *k, const char *v, char *why, size_t size)
{
	struct cpuset set;
	long n;
	bool b;

	if (k->type != PT_STRING && !strcmp(v, "any"))
		return NULL;
	switch (k->type) {
	case PT_STRING:
		return NULL;
	case PT_CPULIST:
		if (!strcmp(v, "auto") || strstr(v, "${"))
			return NULL;
		n = cpuset_parse(&set, v);
		if (n == -ERANGE)
			snprintf(why, size, "cpu number out of range in '%s' (max %d)", v, CPUSET_MAX - 1);
		else if (n < 0)
			snprintf(why, size, "invalid cpu list '%s'", v);
		return n < 0 ? why : NULL;
	case PT_BOOL:
		if (parse_bool(v, &b))
			return NULL;
		snprintf(why, size, "'%s' is not yes/no", v);
		return why;
	case PT_INT:
		if (parse_long(v, &n) < 0) {
			snprintf(why, size, "'%s' is not an integer", v);
			return why;
		}
		if (n < k->min || n > k->max) {
			snprintf(why, size, "%ld is out of range %ld..%ld", n, k->min, k->max);
			return why;
		}
		return NULL;
	case PT_ENUM:
		if (in_choices(k->choices, v, strlen(v)))
			return NULL;
		snprintf(why, size, "'%s' is not one of %s|any", v, k->choices);
		return why;
	case PT_SIZE:
		n = parse_size_kb(v);
		if (n >= 4 && !(n & (n - 1)))
			return NULL;
		snprintf(why, size, "'%s' is not a hugepage size (2M, 1G, 2048kB)", v);
		return why;
	case PT_LIMIT: {
		long long bytes;

		n = parse_byte_limit(v, 1, &bytes);
		if (n == -ERANGE)
			snprintf(why, size, "'%s' is too large (at most 8388607T)", v);
		else if (n < 0)
			snprintf(why, size, "'%s' is neither unlimited nor a size (64M, 2G)", v);
		return n < 0 ? why : NULL;
	}
	case PT_WORDS:
		if (!k->choices)
			return NULL;
		for (const char *p = v; *p;) {
			size_t len = strcspn(p, ",");

			while (len && isspace((unsigned char)*p)) {
				p++;
				len--;
			}
			if (!len || !in_choices(k->choices, p, len)) {
				snprintf(why, size, "'%.*s' is not one of %s", (int)len, p, k->choices);
				return why;
			}
			p += len;
			if (*p == ',')
				p++;
		}
		return NULL;
	}
	return NULL;
}

struct parse_state {
	struct profile *p;
	struct profile_error *err;
	const char *file;
	int line;	/* counted by our reader: inih itself reports lines only on error */
	int depth;
	const char *const *stack;	/* sources being loaded, for include cycles */
	int rc;
	/* Entries of this file, applied after its include */
	struct entry {
		int key;	/* -1: a [nic.ROLE] section opens here */
		char *value;
		int line;
		char *role;	/* NULL: not in a [nic.ROLE] section */
	} *entries;
	size_t nentries;
	char *include;
	int include_line;
};


/* inih's syntax without its 200-byte line limit: [section], key = value (or key: value), ";"/"#" comments. */
typedef int (*ini_handler_fn)(void *user, const char *section, const char *name, const char *value);

static char *rstrip(char *s)
{
	char *e = s + strlen(s);

	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static char *lskip(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/* An inline comment: ";" at the start or after whitespace. */
static void strip_inline_comment(char *s)
{
	for (char *p = s; *p; p++)
		if (*p == ';' && (p == s || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
}

/* Returns 0, or the first line with a syntax error; *lineno counts every line. */
static int parse_ini(const char *text, ini_handler_fn handler, void *user, int *lineno)
{
	char section[128] = "", prev[128] = "";
	const char *p = text;
	int first_error = 0;

	if (!strncmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	while (*p) {
		size_t n = strcspn(p, "\n");
		char *line = xmalloc(n + 1), *start, *end;

		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (p[n] == '\n');
		(*lineno)++;
		start = lskip(rstrip(line));
		if (!*start || *start == ';' || *start == '#') {
			/* blank or comment */
		} else if (*prev && start > line) {
			strip_inline_comment(start);
			/* An indented line continues the previous key, as inih reads it. */
			if (!handler(user, section, prev, rstrip(start)) && !first_error)
				first_error = *lineno;
		} else if (*start == '[') {
			end = strchr(start + 1, ']');
			if (end && (size_t)(end - start - 1) < sizeof(section)) {
				*end = '\0';
				snprintf(section, sizeof(section), "%s", start + 1);
				prev[0] = '\0';
				if (!handler(user, section, NULL, NULL) && !first_error)
					first_error = *lineno;
			} else if (!first_error) {
				first_error = *lineno;
			}
		} else {
			char *name = start, *value;

			end = start + strcspn(start, "=:");
			if (!*end) {
				if (!first_error)
					first_error = *lineno;
				free(line);
				continue;
			}
			*end = '\0';
			value = lskip(end + 1);
			strip_inline_comment(value);
			rstrip(value);
			rstrip(name);
			snprintf(prev, sizeof(prev), "%s", name);
			if (!handler(user, section, name, value) && !first_error)
				first_error = *lineno;
		}
		free(line);
	}
	return first_error;
}

static void add_entry(struct parse_state *st, int key, const char *value, const char *role)
{
	st->entries = xrealloc(st->entries, (st->nentries + 1) * sizeof(*st->entries));
	st->entries[st->nentries++] = (struct entry){ key, value ? xstrdup(value) : NULL, st->line, role ? xstrdup(role) : NULL };
}

/* Called with name NULL where a section opens. */
static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *st = user;
	const char *role = !strncmp(section, "nic.", 4) ? section + 4 : NULL;
	char why[256];
	const char *bad;
	int k;

	if (st->rc)
		return 0;	/* the first error stands */
	if (role && !profile_role_name_ok(role)) {
		set_error(st->err, "%s:%d: bad NIC role name '%s' in [%s] (1 to %d of a-z, 0-9, _ and -)", st->file, st->line,
			  role, section, PROFILE_ROLE_MAX);
		st->rc = -EINVAL;
		return 0;
	}
	if (!name) {
		if (role)
			add_entry(st, -1, NULL, role);
		return 1;
	}
	if (!role && !known_section(section)) {
		set_error(st->err, "%s:%d: unknown section [%s]", st->file, st->line, section);
		st->rc = -EINVAL;
		return 0;
	}
	k = find_key(role ? "nic" : section, name);
	if (k < 0) {
		set_error(st->err, "%s:%d: unknown key '%s' in [%s]", st->file, st->line, name, section);
		st->rc = -EINVAL;
		return 0;
	}
	bad = validate(&profile_keys[k], value, why, sizeof(why));
	if (!bad && role && k == PK_NIC_INTERFACE && (!strcmp(value, "auto") || !strcmp(value, "any")))
		bad = "auto (and any) picks only the default [nic]'s NIC: a role names its netdev or PCI address, or none";
	if (bad) {
		set_error(st->err, "%s:%d: [%s] %s: %s", st->file, st->line, section, name, bad);
		st->rc = -EINVAL;
		return 0;
	}
	if (k == PK_INCLUDE) {
		free(st->include);
		st->include = xstrdup(value);
		st->include_line = st->line;
		return 1;
	}
	add_entry(st, k, value, role);
	return 1;
}

/* The role of that name, added (opened at file:line) when new. */
static struct profile_role *role_get(struct profile *p, const char *name, const char *file, int line)
{
	struct profile_role *r;

	for (size_t i = 0; i < p->nroles; i++)
		if (!strcmp(p->roles[i].name, name))
			return &p->roles[i];
	p->roles = xrealloc(p->roles, (p->nroles + 1) * sizeof(*p->roles));
	r = &p->roles[p->nroles++];
	memset(r, 0, sizeof(*r));
	r->name = xstrdup(name);
	r->file = xstrdup(file);
	r->line = line;
	return r;
}

static int load_any(struct profile *p, const char *name_or_path, const char *from_file, int depth,
		    const char *const *stack, struct profile_error *err);

static int load_text(struct profile *p, const char *text, const char *source, int depth,
		     const char *const *stack, struct profile_error *err)
{
	struct parse_state st = { .p = p, .err = err, .file = source, .depth = depth, .stack = stack };
	int rc;

	rc = parse_ini(text, on_value, &st, &st.line);
	if (st.rc == 0 && rc != 0) {
		set_error(err, "%s:%d: syntax error (expected [section] or key = value)", source, rc > 0 ? rc : st.line);
		st.rc = -EINVAL;
	}
	if (st.rc == 0 && st.include) {
		const char *chain[MAX_INCLUDE_DEPTH + 2];
		int n = 0;

		for (; stack && stack[n]; n++)
			chain[n] = stack[n];
		chain[n++] = source;
		chain[n] = NULL;
		if (depth >= MAX_INCLUDE_DEPTH) {
			set_error(err, "%s:%d: includes nested deeper than %d", source, st.include_line, MAX_INCLUDE_DEPTH);
			st.rc = -ELOOP;
		} else {
			st.rc = load_any(p, st.include, source, depth + 1, chain, err);
		}
	}
	for (size_t i = 0; i < st.nentries; i++) {
		struct entry *e = &st.entries[i];
		struct profile_role *r = st.rc == 0 && e->role ? role_get(p, e->role, source, e->line) : NULL;
		struct profile_value *v = e->key < 0 ? NULL : r ? &r->v[e->key] : &p->v[e->key];

		free(e->role);
		if (!v) {
			/* a section header: the role exists from here */
		} else if (st.rc == 0) {
			free(v->raw);
			free(v->file);
			v->raw = st.entries[i].value;
			v->file = xstrdup(source);
			v->line = st.entries[i].line;
		} else {
			free(st.entries[i].value);
		}
	}
	free(st.entries);
	free(st.include);
	return st.rc;
}

static const char *builtin_text(const char *name)
{
	for (const struct builtin_profile *b = builtin_profiles; b->name; b++)
		if (!strcmp(b->name, name))
			return b->text;
	return NULL;
}

static bool is_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n > 4 && !strcmp(s + n - 4, ".ini"));
}

/*
 * Opened once, judged on that descriptor, read from it: no name can be swapped between the check
 * and the read. Non-blocking, so a FIFO is refused rather than waited on.
 */
static int read_file(struct profile *p, const char *path, char **out)
{
	size_t len = 0;
	struct stat st;
	char *buf;
	int rc, fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EMEDIUMTYPE;	/* "not a regular file", said by the caller */
	}
	/* Like sudo: a file someone else could have written must not drive root's writes. */
	if (!p->untrusted && (st.st_uid != 0 && st.st_uid != getuid()))
		p->untrusted = xasprintf("'%s' is owned by uid %u, neither root nor you", path, (unsigned)st.st_uid);
	else if (!p->untrusted && (st.st_mode & 022))
		p->untrusted = xasprintf("'%s' is %s-writable", path, st.st_mode & 002 ? "world" : "group");
	rc = sysroot_read_fd(fd, 1u << 24, &buf, &len);
	close(fd);
	if (rc < 0)
		return rc;
	if (memchr(buf, '\0', len)) {
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	return 0;
}

static const char *read_error(int rc)
{
	return rc == -EMEDIUMTYPE ? "not a regular file" : strerror(-rc);
}

/*
 * Profiles are the operator's own files, not host state under --root: they are read from the
 * real filesystem. Includes by name resolve like the top profile; relative paths resolve
 * beside the including file.
 */
static int load_any(struct profile *p, const char *name_or_path, const char *from_file, int depth,
		    const char *const *stack, struct profile_error *err)
{
	char path[PATH_MAX], source[PATH_MAX + 16];
	char *text = NULL;
	const char *builtin;
	int rc;

	if (is_path(name_or_path)) {
		if (name_or_path[0] != '/' && from_file && strchr(from_file, '/') && strncmp(from_file, "builtin:", 8))
			snprintf(path, sizeof(path), "%.*s/%s", (int)(strrchr(from_file, '/') - from_file), from_file,
				 name_or_path);
		else
			snprintf(path, sizeof(path), "%s", name_or_path);
		/* Absolute, so the journal's record loads again from anywhere (the boot unit runs in /). */
		if (!realpath(path, source))
			snprintf(source, sizeof(source), "%s", path);
		rc = read_file(p, path, &text);
		if (rc < 0) {
			set_error(err, "cannot read profile '%s': %s", path, read_error(rc));
			return rc;
		}
	} else if (!strncmp(name_or_path, "builtin:", 8) && (builtin = builtin_text(name_or_path + 8))) {
		/* A source as the journal records it (apply --reapply): exactly the shipped text. */
		text = xstrdup(builtin);
		snprintf(source, sizeof(source), "%s", name_or_path);
	} else {
		snprintf(path, sizeof(path), "%s/%s.ini", PROFILE_DIR_ETC, name_or_path);
		rc = read_file(p, path, &text);
		if (rc == 0) {
			snprintf(source, sizeof(source), "%s", path);
		} else if (rc != -ENOENT) {
			set_error(err, "cannot read profile '%s': %s", path, read_error(rc));
			return rc;
		} else if ((builtin = builtin_text(name_or_path))) {
			text = xstrdup(builtin);
			snprintf(source, sizeof(source), "builtin:%s", name_or_path);
		} else {
			set_error(err, "unknown profile '%s' (not in %s, not shipped; `tickready profile list` shows them)",
				  name_or_path, PROFILE_DIR_ETC);
			return -ENOENT;
		}
	}
	if (depth == 0) {
		free(p->source);
		p->source = xstrdup(source);
	}
	for (int i = 0; stack && stack[i]; i++) {
		if (!strcmp(stack[i], source)) {
			struct strbuf chain = { 0 };

			/* The loop from where it closes: "'a' includes itself", or "'a' -> 'b' -> 'a'". */
			for (int k = i; stack[k]; k++)
				strbuf_addf(&chain, "%s'%s'", chain.len ? " -> " : "", stack[k]);
			if (!stack[i + 1])
				set_error(err, "%s: include cycle: '%s' includes itself", from_file ? from_file : source, source);
			else
				set_error(err, "%s: include cycle: %s -> '%s'", from_file ? from_file : source, chain.s, source);
			strbuf_free(&chain);
			free(text);
			return -ELOOP;
		}
	}
	rc = load_text(p, text, source, depth, stack, err);
	free(text);
	return rc;
}

/* The name is [profile] name, else the top file's base name without ".ini". Every role names its NIC. */
static int finish_load(struct profile *p, const char *source, struct profile_error *err)
{
	const char *base;

	for (size_t i = 0; i < p->nroles; i++)
		if (!p->roles[i].v[PK_NIC_INTERFACE].raw) {
			set_error(err, "%s:%d: [nic.%s] names no interface (its netdev or PCI address, or none)",
				  p->roles[i].file, p->roles[i].line, p->roles[i].name);
			return -EINVAL;
		}

	if (!p->source)
		p->source = xstrdup(source);
	if (p->v[PK_NAME].raw) {
		p->name = xstrdup(p->v[PK_NAME].raw);
		return 0;
	}
	base = strrchr(p->source, '/');
	base = base ? base + 1 : (strncmp(p->source, "builtin:", 8) ? p->source : p->source + 8);
	p->name = xstrdup(base);
	if (strlen(p->name) > 4 && !strcmp(p->name + strlen(p->name) - 4, ".ini"))
		p->name[strlen(p->name) - 4] = '\0';
	return 0;
}

int profile_load(struct profile *p, const char *name_or_path, struct profile_error *err)
{
	const char *stack[] = { NULL };
	int rc;

	memset(p, 0, sizeof(*p));
	if (err)
		err->msg[0] = '\0';
	rc = load_any(p, name_or_path, NULL, 0, stack, err);
	if (rc == 0)
		rc = finish_load(p, name_or_path, err);
	if (rc < 0)
		profile_free(p);
	return rc;
}

int profile_load_string(struct profile *p, const char *text, const char *source, struct profile_error *err)
{
	const char *stack[] = { NULL };
	int rc;

	memset(p, 0, sizeof(*p));
	if (err)
		err->msg[0] = '\0';
	rc = load_text(p, text, source, 0, stack, err);
	if (rc == 0)
		rc = finish_load(p, source, err);
	if (rc < 0)
		profile_free(p);
	return rc;
}

static void values_free(struct profile_value *v)
{
	for (int i = 0; i < PK_COUNT; i++) {
		free(v[i].raw);
		free(v[i].value);
		free(v[i].file);
	}
}

void profile_free(struct profile *p)
{
	values_free(p->v);
	for (size_t i = 0; i < p->nroles; i++) {
		struct profile_role *r = &p->roles[i];

		values_free(r->v);
		if (r->view) {
			profile_free(r->view);
			free(r->view);
		}
		free(r->name);
		free(r->file);
	}
	free(p->roles);
	free(p->name);
	free(p->source);
	free(p->untrusted);
	memset(p, 0, sizeof(*p));
}

/* Replaces ${isolated_cores} ${housekeeping_cores} ${nic_node}; an unknown variable is an error. */
static int expand(const struct profile *p, const char *raw, char **out, char *bad, size_t size)
{
	struct strbuf sb = { 0 };
	const char *s = raw, *var;

	/* Most values name no variable: no cpu list formatted for them. */
	while ((var = strstr(s, "${"))) {
		const char *end = strchr(var, '}');
		char *list = NULL;

		if (!end)
			break;
		strbuf_addn(&sb, s, (size_t)(var - s));
		if (!strncmp(var, "${isolated_cores}", 17))
			list = cpuset_text(&p->isolated);
		else if (!strncmp(var, "${housekeeping_cores}", 21))
			list = cpuset_text(&p->housekeeping);
		else if (!strncmp(var, "${nic_node}", 11))
			strbuf_addf(&sb, "%d", p->nic_node);
		else {
			snprintf(bad, size, "unknown variable '%.*s'", (int)(end - var + 1), var);
			strbuf_free(&sb);
			return -EINVAL;
		}
		if (list)
			strbuf_add(&sb, list);
		free(list);
		s = end + 1;
	}
	strbuf_add(&sb, s);
	*out = strbuf_detach(&sb);
	return 0;
}

static int resolve_cpus(struct profile *p, const struct host *h, struct profile_error *err)
{
	const char *iso = p->v[PK_ISOLATED_CORES].raw, *hk = p->v[PK_HOUSEKEEPING_CORES].raw;
	struct cpuset usable;
	const struct cpuset *online = &usable;
	bool iso_auto = !iso || !strcmp(iso, "auto") || !strcmp(iso, "any");
	bool hk_auto = !hk || !strcmp(hk, "auto") || !strcmp(hk, "any");
	struct cpuset extra;
	char list[CPUSET_TEXT_MAX];

	/* auto takes only cpus the cgroup lets the application use */
	host_usable(h, &usable);
	if (!iso_auto && cpuset_parse(&p->isolated, iso) < 0) {
		set_error(err, "%s:%d: [cpu] isolated_cores: invalid cpu list '%s'", p->v[PK_ISOLATED_CORES].file,
			  p->v[PK_ISOLATED_CORES].line, iso);
		return -EINVAL;
	}
	if (!hk_auto && cpuset_parse(&p->housekeeping, hk) < 0) {
		set_error(err, "%s:%d: [cpu] housekeeping_cores: invalid cpu list '%s'", p->v[PK_HOUSEKEEPING_CORES].file,
			  p->v[PK_HOUSEKEEPING_CORES].line, hk);
		return -EINVAL;
	}
	if (hk_auto && iso_auto)
		host_default_housekeeping(h, &p->housekeeping);
	else if (hk_auto)
		cpuset_andnot(&p->housekeeping, online, &p->isolated);
	if (iso_auto)
		cpuset_andnot(&p->isolated, online, &p->housekeeping);
	/* A tree with no cpu information at all: nothing to say about cpus. */
	if (!h->has_present && !h->has_online)
		return 0;
	cpuset_andnot(&extra, &p->isolated, &h->present);
	if (!cpuset_empty(&extra)) {
		set_error(err, "%s:%d: [cpu] isolated_cores names cpus not present on this host: %s",
			  p->v[PK_ISOLATED_CORES].file, p->v[PK_ISOLATED_CORES].line,
			  cpuset_format(&extra, list, sizeof(list)));
		return -EINVAL;
	}
	cpuset_andnot(&extra, &p->housekeeping, &h->present);
	if (!cpuset_empty(&extra)) {
		set_error(err, "%s:%d: [cpu] housekeeping_cores names cpus not present on this host: %s",
			  p->v[PK_HOUSEKEEPING_CORES].file, p->v[PK_HOUSEKEEPING_CORES].line,
			  cpuset_format(&extra, list, sizeof(list)));
		return -EINVAL;
	}
	if (cpuset_intersects(&p->isolated, &p->housekeeping)) {
		cpuset_and(&extra, &p->isolated, &p->housekeeping);
		set_error(err, "%s:%d: [cpu] cpus both isolated and housekeeping: %s",
			  p->v[PK_ISOLATED_CORES].file ? p->v[PK_ISOLATED_CORES].file : p->source,
			  p->v[PK_ISOLATED_CORES].line, cpuset_format(&extra, list, sizeof(list)));
		return -EINVAL;
	}
	return 0;
}

/* A NIC a [nic.ROLE] names: auto leaves it to its role. */
static bool taken_by_role(const struct profile *p, const struct nic *n)
{
	for (size_t i = 0; i < p->nroles; i++)
		if (p->roles[i].view && p->roles[i].view->nic == n)
			return true;
	return false;
}

static void resolve_nic(struct profile *p, const struct host *h)
{
	const char *want = p->v[PK_NIC_INTERFACE].raw;

	p->nic = NULL;
	p->nic_wanted = want;
	if (want && (!strcmp(want, "none") || !strcmp(want, "any")))
		return;
	if (want && strcmp(want, "auto")) {
		char pci[32];

		p->nic = host_nic_by_name(h, want);
		if (!p->nic)
			p->nic = host_nic_by_pci(h, want);
		/* A netdev tickready bound to a user-space driver is gone; its PCI address was kept. */
		if (!p->nic && bind_former_pci(h->sr, want, pci, sizeof(pci)) == 0)
			p->nic = host_nic_by_pci(h, pci);
		return;
	}
	/*
	 * auto: a NIC already given to DPDK, else the first PCI NIC off the management path (the same set
	 * apply's interlocks use: default routes, the SSH session, their bond members, VLAN parents, bridges).
	 * A profile keeping the kernel driver (driver = kernel, or a named stack that keeps it) never takes a
	 * NIC on a user-space driver, and takes a vendor bypass NIC (sfc, X3, mlx) before a plain one.
	 */
	const char *drv = p->v[PK_NIC_DRIVER].raw, *named = p->v[PK_NIC_STACK].raw;
	int st = named ? stack_from_name(named) : -1;
	bool kernel = (drv && !strcmp(drv, "kernel")) || (st >= 0 && stack_info((enum nic_stack)st)->kernel_driver);

	for (size_t i = 0; i < h->nnics && !p->nic && !kernel; i++)
		if (nic_userspace_driver(h->nics[i].driver) && !taken_by_role(p, &h->nics[i]))
			p->nic = &h->nics[i];
	for (int pass = kernel ? 0 : 1; pass < 2 && !p->nic; pass++) {
		const struct mgmt_set *m = host_mgmt(h);

		for (size_t i = 0; i < h->nnics && !p->nic; i++) {
			const struct nic *n = &h->nics[i];

			if (!n->pci[0] || n->default_route || mgmt_reason(m, n) || (kernel && nic_userspace_driver(n->driver)) ||
			    taken_by_role(p, n))
				continue;
			if (pass == 1 || stack_sfc_driver(n->driver) || stack_mlx_driver(n->driver))
				p->nic = &h->nics[i];
		}
	}
}

/* The stack decides the driver: one that keeps the kernel driver is never handed vfio-pci or uio. */
static void resolve_stack(struct profile *p, const struct host *h)
{
	const char *named = profile_str(p, PK_NIC_STACK), *drv = profile_str(p, PK_NIC_DRIVER);
	int s = named && strcmp(named, "auto") ? stack_from_name(named) : -1;

	p->stack_auto = s < 0;
	p->driver_follows_stack = false;
	if (s < 0)
		s = (int)stack_detect(h->sr, p->nic, drv, p->stack_why, sizeof(p->stack_why));
	else
		snprintf(p->stack_why, sizeof(p->stack_why), "named by [nic] stack");
	/* DPDK on mlx5 always runs on the kernel driver. */
	if (s == STACK_DPDK && p->nic && stack_mlx_driver(p->nic->driver)) {
		s = STACK_DPDK_BIFURCATED;
		snprintf(p->stack_why, sizeof(p->stack_why), "dpdk named, and %s on %s is bifurcated", p->nic->driver,
			 p->nic->pci);
	}
	p->stack = s;
	if (stack_info((enum nic_stack)s)->kernel_driver && drv && nic_userspace_driver(drv)) {
		free(p->v[PK_NIC_DRIVER].value);
		p->v[PK_NIC_DRIVER].value = xstrdup("kernel");
		p->driver_follows_stack = true;
	}
}

int profile_housekeeping(const struct profile *p, const struct host *h, struct cpuset *out)
{
	struct profile scratch = *p;	/* resolve_cpus writes only the two sets */
	int rc = resolve_cpus(&scratch, h, NULL);

	if (rc == 0)
		*out = scratch.housekeeping;
	return rc;
}

/* The keys a role never takes from the default [nic]: its NIC and its cpus are its own. */
static bool role_own_key(int k)
{
	return k == PK_NIC_INTERFACE || k == PK_NIC_CPUS || k == PK_NIC_CPUS_SHARED;
}

/* The profile as a role's checks see it: the role's [nic] keys over the default [nic]'s, every other key as is. */
static struct profile *role_view(const struct profile *p, const struct profile_role *r)
{
	struct profile *v = xcalloc(1, sizeof(*v));

	v->name = xstrdup(p->name ? p->name : "");
	v->source = xstrdup(p->source ? p->source : "");
	v->role = r->name;
	for (int k = 0; k < PK_COUNT; k++) {
		bool nic = !strcmp(profile_keys[k].section, "nic");
		const struct profile_value *from = nic && (r->v[k].raw || role_own_key(k)) ? &r->v[k] : &p->v[k];

		if (!from->raw)
			continue;
		v->v[k].raw = xstrdup(from->raw);
		v->v[k].file = from->file ? xstrdup(from->file) : NULL;
		v->v[k].line = from->line;
	}
	return v;
}

/* [nic] cpus, else the isolated cores; named cpus must be on this host. */
static int resolve_nic_cpus(struct profile *p, const struct host *h, struct profile_error *err)
{
	const struct profile_value *v = &p->v[PK_NIC_CPUS];
	const char *cv = v->value ? v->value : v->raw;
	char sect[48], list[CPUSET_TEXT_MAX];
	struct cpuset extra;

	p->nic_cpus = p->isolated;
	p->nic_cpus_named = false;
	if (!cv || !strcmp(cv, "auto") || !strcmp(cv, "any"))
		return 0;
	profile_nic_section(p, sect, sizeof(sect));
	if (cpuset_parse(&p->nic_cpus, cv) < 0 || cpuset_empty(&p->nic_cpus)) {
		set_error(err, "%s:%d: %s cpus: invalid cpu list '%s'", v->file, v->line, sect, cv);
		return -EINVAL;
	}
	p->nic_cpus_named = true;
	if (!h->has_present && !h->has_online)
		return 0;
	cpuset_andnot(&extra, &p->nic_cpus, &h->present);
	if (!cpuset_empty(&extra)) {
		set_error(err, "%s:%d: %s cpus names cpus not present on this host: %s", v->file, v->line, sect,
			  cpuset_format(&extra, list, sizeof(list)));
		return -EINVAL;
	}
	return 0;
}

int profile_resolve(struct profile *p, const struct host *h, struct profile_error *err)
{
	int rc, cpu;

	if (err)
		err->msg[0] = '\0';
	rc = resolve_cpus(p, h, err);
	if (rc < 0)
		return rc;
	/* The roles first: the default [nic]'s auto takes none of their NICs. */
	for (size_t i = 0; i < p->nroles; i++) {
		struct profile_role *r = &p->roles[i];

		if (r->view) {
			profile_free(r->view);
			free(r->view);
		}
		r->view = role_view(p, r);
		rc = profile_resolve(r->view, h, err);
		if (rc < 0)
			return rc;
	}
	resolve_nic(p, h);
	p->nic_node = 0;
	if (p->nic && p->nic->numa_node >= 0)
		p->nic_node = p->nic->numa_node;
	else if ((cpu = cpuset_next(&p->isolated, 0)) >= 0 && host_cpu_node(h, cpu) >= 0)
		p->nic_node = host_cpu_node(h, cpu);
	else if (h->nnodes)
		p->nic_node = h->nodes[0].id;
	for (int k = 0; k < PK_COUNT; k++) {
		char why[256];

		free(p->v[k].value);
		p->v[k].value = NULL;
		if (!p->v[k].raw)
			continue;
		if (expand(p, p->v[k].raw, &p->v[k].value, why, sizeof(why)) < 0) {
			set_error(err, "%s:%d: [%s] %s: %s", p->v[k].file, p->v[k].line, profile_keys[k].section,
				  profile_keys[k].key, why);
			return -EINVAL;
		}
	}
	rc = resolve_nic_cpus(p, h, err);
	if (rc < 0)
		return rc;
	resolve_stack(p, h);
	p->hugepage_kb = 0;
	if (profile_wants(p, PK_HUGEPAGE_SIZE))
		p->hugepage_kb = (unsigned long)parse_size_kb(profile_str(p, PK_HUGEPAGE_SIZE));
	p->resolved = true;
	return 0;
}

bool *profile_key_reads;

const char *profile_str(const struct profile *p, enum profile_key k)
{
	const char *v;

	if (profile_key_reads)
		profile_key_reads[k] = true;
	v = p->v[k].value ? p->v[k].value : p->v[k].raw;

	/* "any" means unset for every key but the descriptive ones, free-text values included. */
	if (!v || (!strcmp(v, "any") && k != PK_NAME && k != PK_DESCRIPTION && k != PK_INCLUDE))
		return NULL;
	return v;
}

bool profile_wants(const struct profile *p, enum profile_key k)
{
	return profile_str(p, k) != NULL;
}

int profile_long(const struct profile *p, enum profile_key k, long *out)
{
	const char *v = profile_str(p, k);

	if (!v)
		return -ENOENT;
	return parse_long(v, out);
}

int profile_bool(const struct profile *p, enum profile_key k, bool *out)
{
	const char *v = profile_str(p, k);

	if (!v)
		return -ENOENT;
	return parse_bool(v, out) ? 0 : -EINVAL;
}

const char *profile_key_name(enum profile_key k, char *buf, size_t size)
{
	snprintf(buf, size, "[%s] %s", profile_keys[k].section, profile_keys[k].key);
	return buf;
}

bool profile_has_word(const struct profile *p, enum profile_key k, const char *word)
{
	const char *v = profile_str(p, k);
	size_t wl = strlen(word);

	for (const char *s = v; s && *s;) {
		size_t n;

		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		n = strcspn(s, ",");
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (n == wl && !strncmp(s, word, n))
			return true;
		s += strcspn(s, ",");
	}
	return false;
}
