/* tickready report, diff and the fleet page: what cli/cmd_report.c gathers and hands to report/'s writers. */
#pragma once
#include <stdbool.h>
#include <jansson.h>

#include "cli.h"

struct report_args {
	const char *root, *profile;
	const char *verify_mode, *verify_from, *verify_duration;
	bool reserve, strict;
	struct app_inputs app;	/* the application judged beside the host (area app), when given */
};

/* Audit, status, a dry-run plan and verify into one tickready.report/1 document. 0 or an exit status (printed). */
int report_gather(struct report_args *a, json_t **out);
/* A verify --format json file, checked to be tickready.verify/1; NULL after printing why. */
json_t *report_verify_load(const char *path);
/* "'it'\''s'": s quoted for a POSIX shell, for commands people paste (never run by tickready). */
char *shell_quote(const char *s);
