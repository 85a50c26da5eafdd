/* Kernel command line parsing, following the kernel's next_arg(): quotes may surround a value or the whole word. */
#include "cmdline.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void add_arg(struct cmdline *cl, const char *word, size_t len)
{
	char *w = xmalloc(len + 1);
	char *eq;
	size_t o = 0;

	/* The kernel drops the quotes it honoured. */
	for (size_t i = 0; i < len; i++)
		if (word[i] != '"')
			w[o++] = word[i];
	w[o] = '\0';
	cl->args = xrealloc(cl->args, (cl->n + 1) * sizeof(*cl->args));
	eq = strchr(w, '=');
	if (eq) {
		*eq = '\0';
		cl->args[cl->n].value = xstrdup(eq + 1);
	} else {
		cl->args[cl->n].value = NULL;
	}
	cl->args[cl->n].key = w;
	cl->args[cl->n].raw = xstrndup(word, len);
	cl->n++;
}

void cmdline_parse(struct cmdline *cl, const char *text)
{
	const char *p = text ? text : "";

	cl->n = 0;
	cl->args = NULL;
	cl->init_tail = NULL;
	for (;;) {
		const char *start;
		bool quoted = false;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && (quoted || !isspace((unsigned char)*p))) {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		if (p - start == 2 && !strncmp(start, "--", 2)) {
			size_t len = strlen(start);

			while (len && isspace((unsigned char)start[len - 1]))
				len--;
			cl->init_tail = xstrndup(start, len);
			break;
		}
		add_arg(cl, start, (size_t)(p - start));
	}
}

void cmdline_free(struct cmdline *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		free(cl->args[i].key);
		free(cl->args[i].value);
		free(cl->args[i].raw);
	}
	free(cl->args);
	free(cl->init_tail);
	cl->init_tail = NULL;
	cl->args = NULL;
	cl->n = 0;
}

const char *cmdline_get(const struct cmdline *cl, const char *key)
{
	for (size_t i = cl->n; i-- > 0;)
		if (!strcmp(cl->args[i].key, key))
			return cl->args[i].value ? cl->args[i].value : "";
	return NULL;
}

bool cmdline_has(const struct cmdline *cl, const char *key)
{
	return cmdline_get(cl, key) != NULL;
}

int cmdline_parse_isolcpus(const char *value, struct cpuset *cpus, unsigned *flags)
{
	const char *p = value;

	*flags = 0;
	/* Flags come first, each a word followed by a comma; the rest is the list. */
	for (;;) {
		static const struct { const char *name; unsigned flag; } known[] = {
			{ "domain", ISOLCPUS_DOMAIN },
			{ "managed_irq", ISOLCPUS_MANAGED_IRQ },
			{ "nohz", ISOLCPUS_NOHZ },
		};
		bool matched = false;

		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
			size_t n = strlen(known[i].name);

			if (!strncmp(p, known[i].name, n) && p[n] == ',') {
				*flags |= known[i].flag;
				p += n + 1;
				matched = true;
			}
		}
		if (!matched)
			break;
	}
	/* Like housekeeping_isolcpus_setup(): "domain" is implied only when no flag is given. */
	if (!*flags)
		*flags = ISOLCPUS_DOMAIN;
	return cpuset_parse(cpus, p);
}

int cmdline_cpu_param(const struct cmdline *cl, const char *key, struct cpuset *cpus, bool *present)
{
	const char *v = cmdline_get(cl, key);

	cpuset_zero(cpus);
	*present = v != NULL;
	if (!v || !*v)
		return 0;
	return cpuset_parse(cpus, v);
}
