/* tickready profile: list the shipped and local profiles, show one resolved for a host, check a file, list the keys. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "report.h"
#include "util.h"

#define PROFILE_DIR_ETC "/etc/tickready/profiles"

enum { OPT_ROOT = 'r', OPT_FORMAT = 'f' };

static const struct cli_opt profile_opts[] = {
	{ "root", "DIR", OPT_ROOT, "resolve auto values and ${vars} for the tree under DIR (show, check)" },
	{ "format", "ini|json", OPT_FORMAT, "show: output format (default ini)" },
	{ NULL, NULL, 0, NULL },
};

static void print_entry(const char *name, const char *where, const struct profile *p)
{
	const char *desc = p->v[PK_DESCRIPTION].raw ? p->v[PK_DESCRIPTION].raw : "";

	printf("%-14s %-9s %s%s\n", name, where, desc, strcmp(name, PROFILE_DEFAULT) ? "" : " (default)");
}

static int list_profiles(void)
{
	struct profile_error err;
	struct profile p;
	DIR *d;

	for (const struct builtin_profile *b = builtin_profiles; b->name; b++) {
		if (profile_load_string(&p, b->text, b->name, &err) < 0)
			continue;
		print_entry(b->name, "shipped", &p);
		profile_free(&p);
	}
	d = opendir(PROFILE_DIR_ETC);
	for (struct dirent *de; d && (de = readdir(d));) {
		size_t n = strlen(de->d_name);
		char *path, name[256];

		if (n < 5 || strcmp(de->d_name + n - 4, ".ini") || n - 4 >= sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 4), de->d_name);
		path = xasprintf("%s/%s", PROFILE_DIR_ETC, de->d_name);
		if (profile_load(&p, path, &err) == 0) {
			print_entry(name, "local", &p);
			profile_free(&p);
		} else {
			cli_warn("%s", err.msg);
		}
		free(path);
	}
	if (d)
		closedir(d);
	return EXIT_READY;
}

static const char *value_of(const struct profile *p, int k)
{
	return p->v[k].value ? p->v[k].value : p->v[k].raw;
}

static void show_ini(const struct session *s)
{
	const struct profile *p = &s->prof;
	const char *section = "";
	char list[CPUSET_TEXT_MAX];

	printf("; profile %s (%s), resolved for root %s\n", p->name, p->source, s->shown_root);
	printf("; isolated %s, housekeeping %s, bypass NIC %s on node %d\n",
	       cpuset_format(&p->isolated, list, sizeof(list)),
	       cpuset_format(&p->housekeeping, list + CPUSET_TEXT_MAX / 2, CPUSET_TEXT_MAX / 2),
	       p->nic ? (p->nic->name[0] ? p->nic->name : p->nic->pci) : "none", p->nic_node);
	for (int k = 0; k < PK_COUNT; k++) {
		const char *v = value_of(p, k);

		if (!v || k == PK_INCLUDE)
			continue;
		if (strcmp(section, profile_keys[k].section)) {
			section = profile_keys[k].section;
			printf("\n[%s]\n", section);
		}
		if (k == PK_ISOLATED_CORES)
			v = cpuset_format(&p->isolated, list, sizeof(list));
		else if (k == PK_HOUSEKEEPING_CORES)
			v = cpuset_format(&p->housekeeping, list, sizeof(list));
		printf("%s = %s", profile_keys[k].key, v);
		printf("%*s; %s:%d\n", (int)(strlen(profile_keys[k].key) + strlen(v) < 40 ? 40 - strlen(profile_keys[k].key) - strlen(v) : 1),
		       "", p->v[k].file ? p->v[k].file : "?", p->v[k].line);
	}
	/* Each role with the keys it sets itself; the rest of its [nic] is the default's above. */
	for (size_t i = 0; i < p->nroles; i++) {
		const struct profile_role *r = &p->roles[i];
		const struct profile *v = r->view;

		printf("\n[nic.%s]\n", r->name);
		if (v)
			printf("; NIC %s on node %d\n", v->nic ? (v->nic->name[0] ? v->nic->name : v->nic->pci) : "none",
			       v->nic_node);
		for (int k = 0; k < PK_COUNT; k++) {
			const char *val = v && v->v[k].value ? v->v[k].value : r->v[k].raw;

			if (!r->v[k].raw)
				continue;
			printf("%s = %s", profile_keys[k].key, val);
			printf("%*s; %s:%d\n",
			       (int)(strlen(profile_keys[k].key) + strlen(val) < 40 ? 40 - strlen(profile_keys[k].key) - strlen(val) : 1),
			       "", r->v[k].file ? r->v[k].file : "?", r->v[k].line);
		}
	}
}

static void show_json(const struct session *s)
{
	const struct profile *p = &s->prof;
	json_t *o = profile_to_json(p), *keys = json_object();

	for (int k = 0; k < PK_COUNT; k++) {
		const char *v = value_of(p, k);
		char name[96];

		if (!v)
			continue;
		snprintf(name, sizeof(name), "%s.%s", profile_keys[k].section, profile_keys[k].key);
		json_object_set_new(keys, name, json_pack("{s:s,s:s,s:i}", "value", v, "file",
							  p->v[k].file ? p->v[k].file : "", "line", p->v[k].line));
	}
	json_object_set_new(o, "schema", json_string("tickready.profile/1"));
	json_object_set_new(o, "keys", keys);
	if (p->nroles) {
		json_t *roles = json_object();

		for (size_t i = 0; i < p->nroles; i++) {
			const struct profile_role *r = &p->roles[i];
			const struct profile *v = r->view;
			json_t *rk = json_object();

			for (int k = 0; k < PK_COUNT; k++)
				if (r->v[k].raw)
					json_object_set_new(rk, profile_keys[k].key,
							    json_pack("{s:s,s:s,s:i}", "value",
								      v && v->v[k].value ? v->v[k].value : r->v[k].raw, "file",
								      r->v[k].file ? r->v[k].file : "", "line", r->v[k].line));
			json_object_set_new(roles, r->name,
					    json_pack("{s:o?,s:o?,s:o}", "nic",
						      v && v->nic ? json_string(v->nic->name[0] ? v->nic->name : v->nic->pci) : NULL,
						      "node", v ? json_integer(v->nic_node) : NULL, "keys", rk));
		}
		json_object_set_new(o, "roles", roles);
	}
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
}

static int list_keys(void)
{
	for (int k = 0; k < PK_COUNT; k++) {
		const struct profile_key_info *i = &profile_keys[k];
		static const char *const types[] = { [PT_STRING] = "string", [PT_CPULIST] = "cpulist", [PT_BOOL] = "bool",
						     [PT_INT] = "int", [PT_ENUM] = "enum", [PT_SIZE] = "size",
						     [PT_WORDS] = "words", [PT_LIMIT] = "limit" };
		_Static_assert(sizeof(types) / sizeof(types[0]) == PT_LIMIT + 1, "a name for every profile key type");
		char range[64] = "";

		if (i->type == PT_INT)
			snprintf(range, sizeof(range), " %ld..%ld", i->min, i->max);
		else if (i->choices)
			snprintf(range, sizeof(range), " %s", i->choices);
		printf("[%s] %-28s %s%s: %s\n", i->section, i->key, types[i->type], range, i->doc);
	}
	return EXIT_READY;
}

/* What apply would block the profile for on this host (cpus not present, a node left without housekeeping). */
static int check_usable(const struct session *s)
{
	const struct profile_value *v = &s->prof.v[PK_ISOLATED_CORES];
	const char *why;
	char bad[160];
	int node;

	why = tune_cpulists_bad(&s->host, &s->prof, bad, sizeof(bad));
	if (!why && (node = host_bare_node(&s->host, &s->prof.isolated)) >= 0) {
		snprintf(bad, sizeof(bad), "it isolates every cpu of node %d: no housekeeping cpu is left there", node);
		why = bad;
	}
	if (!why)
		return EXIT_READY;
	if (v->file)
		cli_error("profile check: %s:%d: [cpu] isolated_cores = %s: %s (apply would refuse it)", v->file, v->line,
			  v->raw ? v->raw : "auto", why);
	else
		cli_error("profile check: %s: [cpu] isolated_cores: %s (apply would refuse it)", s->prof.source, why);
	return EXIT_ERROR;
}

int cmd_profile(int argc, char **argv)
{
	const char *root = "/", *format = "ini", *arg, *verb, *name = NULL;
	struct cli_parser p;
	struct session s;
	int c, rc;

	cli_parser_init(&p, "profile",
			"{list | show NAME|PATH | check NAME|PATH | keys}",
			"Lists, shows (resolved for a host) and validates profiles.", profile_opts, argc, argv);
	if (argc < 2) {
		cli_usage(&p, stderr);
		return EXIT_ERROR;
	}
	verb = argv[1];
	if (!strcmp(verb, "--help") || !strcmp(verb, "-h")) {
		cli_usage(&p, stdout);
		return EXIT_READY;
	}
	p.argc = argc - 1;
	p.argv = argv + 1;
	/* Options may follow the profile name: take operands as they come. */
	for (;;) {
		c = cli_parser_next(&p, &arg);
		if (c == -1) {
			if (optind >= p.argc)
				break;
			if (name) {
				cli_error("profile %s: unexpected argument '%s'", verb, p.argv[optind]);
				return EXIT_ERROR;
			}
			name = p.argv[optind++];
			continue;
		}
		if (c == CLI_HELP)
			return EXIT_READY;
		if (c == OPT_ROOT)
			root = arg;
		else if (c == OPT_FORMAT)
			format = arg;
		else
			return EXIT_ERROR;
	}
	if (!strcmp(verb, "list") || !strcmp(verb, "keys")) {
		if (name) {
			cli_error("profile %s: unexpected argument '%s'", verb, name);
			return EXIT_ERROR;
		}
		return !strcmp(verb, "list") ? list_profiles() : list_keys();
	}
	if (strcmp(verb, "show") && strcmp(verb, "check")) {
		cli_error("profile: unknown action '%s' (list, show, check or keys)", verb);
		return EXIT_ERROR;
	}
	if (!name) {
		cli_error("profile %s: name one profile (a name or a path)", verb);
		return EXIT_ERROR;
	}
	if (strcmp(format, "ini") && strcmp(format, "json")) {
		cli_error("profile show: unknown format '%s' (ini or json)", format);
		return EXIT_ERROR;
	}
	rc = session_open(&s, root, name, false);
	if (rc)
		return rc;
	if (!strcmp(verb, "check")) {
		struct app_inputs app = { 0 };

		rc = check_usable(&s);
		/* [app] config or eal read as audit reads them: a bad file or argument fails here, not at the audit. */
		if (rc == EXIT_READY)
			rc = app_inputs_load(&app, &s.sr, &s.host, &s.prof, "profile check");
		if (rc == EXIT_READY)
			printf("%s: ok (isolated %d cpus, housekeeping %d%s%s)\n", s.prof.source, cpuset_count(&s.prof.isolated),
			       cpuset_count(&s.prof.housekeeping), app.app.cfg ? "; app: " : "", app.app.cfg ? app.cfg.source : "");
		app_inputs_free(&app);
		session_close(&s);
		return rc;
	} else if (!strcmp(format, "json"))
		show_json(&s);
	else
		show_ini(&s);
	session_close(&s);
	return EXIT_READY;
}
