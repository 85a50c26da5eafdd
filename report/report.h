/* Audit reports: the findings of one run, written as text for people or JSON for tools. */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "check.h"
#include "out_opts.h"

struct summary {
	int pass, warn, fail, skip, pending;
	/* The root holds no cpu (no /sys/devices/system/cpu, no /proc/cpuinfo): an empty or unmounted root, an
	 * empty capture. Nothing there can be judged, so it is not ready, whatever else passed. */
	bool nothing_to_judge;
};

struct report {
	const struct host *host;
	const struct profile *prof;
	const char *root;
	struct finding *findings;
	size_t n;
	bool strict;		/* warnings make it not ready (audit --strict, report --strict) */
	const char *profile_origin;	/* why this profile: "named", "active, applied by run R", "builtin default"; NULL unknown */
};

/* The audit's verdict, as report names it: "not-ready", "pending-reboot" or "ready" (the exit status stays 0 when pending). */
const char *summary_verdict(const struct summary *s, bool strict);

/* Which verdict a finding shows: "pending-reboot" for a fail that a staged boot change fixes. */
const char *finding_verdict_name(const struct finding *f);
void report_summary(const struct report *r, struct summary *s);
struct jsonw;
/* The profile as under "profile" in the audit JSON, as the writer's next value. */
void profile_write_json(struct jsonw *w, const struct profile *p);
/* The same, and the whole audit document, as trees read back from what the writers write: one source for both. */
json_t *profile_to_json(const struct profile *p);
json_t *report_to_json(const struct report *r);
/* The "tickready.audit/1" document, written as it is walked, and a newline. Returns 0 or -EIO from the stream. */
int report_write_json(FILE *out, const struct report *r);
int report_write_text(FILE *out, const struct report *r, const struct out_opts *o);
