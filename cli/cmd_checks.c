/* tickready checks: the registry as a table, or JSON, so docs and tooling never drift from the code. */
#include <string.h>
#include <jansson.h>

#include "check.h"
#include "cli.h"

enum { OPT_FORMAT = 'f' };

static const struct cli_opt checks_opts[] = {
	{ "format", "text|json", OPT_FORMAT, "listing format (default text)" },
	{ NULL, NULL, 0, NULL },
};

int cmd_checks(int argc, char **argv)
{
	const char *format = "text", *arg;
	struct cli_parser p;
	int c;

	cli_parser_init(&p, "checks", "tickready checks [--format text|json]", "Lists every check.", checks_opts, argc,
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

		for (size_t i = 0; i < checks_count; i++)
			json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s}", "id", checks[i]->id, "area",
							   area_name(checks[i]->area), "title", checks[i]->title, "reads",
							   checks[i]->reads));
		json_dumpf(a, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(a);
		return EXIT_READY;
	}
	if (strcmp(format, "text")) {
		cli_error("checks: unknown format '%s' (text or json)", format);
		return EXIT_ERROR;
	}
	printf("%-26s %-7s %-48s %s\n", "ID", "AREA", "TITLE", "READS");
	for (size_t i = 0; i < checks_count; i++)
		printf("%-26s %-7s %-48s %s\n", checks[i]->id, area_name(checks[i]->area), checks[i]->title,
		       checks[i]->reads);
	return EXIT_READY;
}
