/* Option tables to getopt_long and generated --help, plus the one place that prints errors. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("tickready: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("tickready: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Appends word to the synopsis, wrapping before 100 columns under the first option. */
static void syn_add(struct cli_parser *p, size_t *col, size_t indent, const char *word)
{
	size_t len = strlen(p->synbuf), n = strlen(word);

	if (*col + 1 + n > 100 && *col > indent) {
		snprintf(p->synbuf + len, sizeof(p->synbuf) - len, "\n%*s%s", (int)indent, "", word);
		*col = indent + n;
	} else {
		snprintf(p->synbuf + len, sizeof(p->synbuf) - len, " %s", word);
		*col += 1 + n;
	}
}

static void make_synopsis(struct cli_parser *p, const char *operands)
{
	size_t col, indent;
	bool lead = operands && operands[0] == '{';

	col = (size_t)snprintf(p->synbuf, sizeof(p->synbuf), "tickready %s", p->cmd);
	indent = strlen("usage: ") + col + 1;
	col += strlen("usage: ");
	if (lead)
		syn_add(p, &col, indent, operands);
	for (const struct cli_opt *o = p->opts; o->name; o++) {
		char word[160];

		snprintf(word, sizeof(word), "[--%s%s%s]", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		syn_add(p, &col, indent, word);
	}
	if (operands && *operands && !lead)
		syn_add(p, &col, indent, operands);
	p->synopsis = p->synbuf;
}

void cli_parser_init(struct cli_parser *p, const char *cmd, const char *operands, const char *summary,
		     const struct cli_opt *opts, int argc, char **argv)
{
	size_t n = 0, s = 0;

	memset(p, 0, sizeof(*p));
	p->cmd = cmd;
	p->summary = summary;
	p->opts = opts;
	p->argc = argc;
	p->argv = argv;
	p->shorts[s++] = '+';	/* stop at the first operand: "--" and EAL args pass through */
	p->shorts[s++] = ':';
	/* The tables are compiled in: one past the cap is a build mistake, refused before any option is read. */
	for (const struct cli_opt *o = opts; o->name; o++)
		n++;
	if (n > CLI_MAX_OPTS) {
		cli_error("internal error: '%s' has %zu options, CLI_MAX_OPTS (cli/cli.h) holds %d", cmd, n, CLI_MAX_OPTS);
		exit(EXIT_ERROR);
	}
	n = 0;
	for (const struct cli_opt *o = opts; o->name; o++, n++) {
		p->lopts[n] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL, o->key };
		if (o->key < 128 && o->key > ' ') {
			p->shorts[s++] = (char)o->key;
			if (o->arg)
				p->shorts[s++] = ':';
		}
	}
	p->lopts[n++] = (struct option){ "help", no_argument, NULL, CLI_HELP };
	p->shorts[s++] = 'h';
	p->shorts[s] = '\0';
	make_synopsis(p, operands);
	optind = 0;
	opterr = 0;
}

void cli_usage(const struct cli_parser *p, FILE *out)
{
	fprintf(out, "usage: %s\n", p->synopsis);
	if (p->summary)
		fprintf(out, "\n%s\n", p->summary);
	fputs("\noptions:\n", out);
	for (const struct cli_opt *o = p->opts; o->name; o++) {
		char spell[64];

		if (o->key < 128 && o->key > ' ')
			snprintf(spell, sizeof(spell), "-%c, --%s%s%s", o->key, o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(spell, sizeof(spell), "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		/* A spelling as wide as its column gets a line of its own: help never runs into it. */
		if (strlen(spell) >= 28)
			fprintf(out, "  %s\n  %-28s %s\n", spell, "", o->help);
		else
			fprintf(out, "  %-28s %s\n", spell, o->help);
	}
	fprintf(out, "  %-28s %s\n", "-h, --help", "show this help");
}

int cli_parser_next(struct cli_parser *p, const char **arg)
{
	int c = getopt_long(p->argc, p->argv, p->shorts, p->lopts, NULL);

	*arg = optarg;
	if (c == CLI_HELP) {
		cli_usage(p, stdout);
		return CLI_HELP;
	}
	if (c == '?' || c == ':') {
		const char *bad = p->argv[optind - 1 > 0 ? optind - 1 : 0];

		if (c == ':')
			cli_error("%s: option '%s' needs a value", p->cmd, bad);
		else if (optopt && optopt < 128)
			cli_error("%s: unknown option '-%c'", p->cmd, optopt);
		else
			cli_error("%s: unknown option '%s'", p->cmd, bad);
		fprintf(stderr, "usage: %s\n", p->synopsis);
		return '?';
	}
	return c;
}
