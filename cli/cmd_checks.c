/* tickready checks: the registry as a table, JSON or bare ids, so docs and tooling never drift from the code. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "check.h"
#include "cli.h"
#include "util.h"

enum { OPT_FORMAT = 'f' };

static const struct cli_opt checks_opts[] = {
	{ "format", "text|json|ids", OPT_FORMAT, "listing format (default text); ids: one check id a line" },
	{ NULL, NULL, 0, NULL },
};

/* "apply now", "apply at boot", "apply now and at boot" or "manual": what the knob's plan can do. */
static const char *fixed_by(const struct check *c)
{
	if (!c->plan)
		return "manual";
	return fix_by_name(((c->flags & CF_RUNTIME) ? FIX_NOW : 0) | ((c->flags & CF_BOOT) ? FIX_BOOT : 0));
}

/* The profile keys it judges, "[cpu] governor, [cpu] isolated_cores"; "" when none. */
static char *keys_text(const struct check *c)
{
	struct strbuf sb = { 0 };
	char name[64];

	for (const enum profile_key *k = c->keys; k && *k != PK_COUNT; k++)
		strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", profile_key_name(*k, name, sizeof(name)));
	return sb.s ? strbuf_detach(&sb) : xstrdup("");
}

int cmd_checks(int argc, char **argv)
{
	const char *format = "text", *arg;
	struct cli_parser p;
	int c;

	cli_parser_init(&p, "checks", "", "Lists every check.", checks_opts, argc,
			argv);
	while ((c = cli_parser_next(&p, &arg)) != -1) {
		if (c == CLI_HELP)
			return EXIT_READY;
		if (c != OPT_FORMAT)
			return EXIT_ERROR;
		format = arg;
	}
	if (!strcmp(format, "json")) {
		json_t *a = json_array();

		for (size_t i = 0; i < checks_count; i++) {
			json_t *keys = json_array();
			char name[64];

			for (const enum profile_key *k = checks[i]->keys; k && *k != PK_COUNT; k++)
				json_array_append_new(keys, json_string(profile_key_name(*k, name, sizeof(name))));
			json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:o,s:s}", "id", checks[i]->id, "area",
							   area_name(checks[i]->area), "title", checks[i]->title, "reads",
							   checks[i]->reads, "keys", keys, "fixed_by", fixed_by(checks[i])));
		}
		json_dumpf(a, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(a);
		return EXIT_READY;
	}
	/* For scripts and shell completion: the ids --only takes, nothing else. */
	if (!strcmp(format, "ids")) {
		for (size_t i = 0; i < checks_count; i++)
			puts(checks[i]->id);
		return EXIT_READY;
	}
	if (strcmp(format, "text")) {
		cli_error("checks: unknown format '%s' (text, json or ids)", format);
		return EXIT_ERROR;
	}
	printf("%-26s %-7s %-21s %s\n", "ID", "AREA", "FIXED BY", "TITLE");
	for (size_t i = 0; i < checks_count; i++) {
		char *keys = keys_text(checks[i]);

		printf("%-26s %-7s %-21s %s\n", checks[i]->id, area_name(checks[i]->area), fixed_by(checks[i]),
		       checks[i]->title);
		printf("%-26s keys: %s\n%-26s reads: %s\n", "", *keys ? keys : "(none)", "", checks[i]->reads);
		free(keys);
	}
	return EXIT_READY;
}
