/* tickready capture: record every file an audit reads (and the ethtool facts) into a tree or a tar.gz. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "plan.h"
#include "report.h"
#include "util.h"

enum { OPT_ROOT = 'r', OPT_PROFILE = 'p', OPT_REPORT = 'R' };

static const struct cli_opt capture_opts[] = {
	{ "root", "DIR", OPT_ROOT, "capture the tree under DIR instead of /" },
	{ "profile", "NAME|PATH", OPT_PROFILE, "a profile of your own to read for too (every shipped one and a probe of every value are always read for)" },
	{ "report", "FILE", OPT_REPORT, "also write audit's JSON report of the root under that profile, made from the reads the capture keeps" },
	{ NULL, NULL, 0, NULL },
};

/* Free-text keys whose values lead checks and plans down different reads. */
static const char *probe_string(enum profile_key k, unsigned i)
{
	static const char *const drivers[] = { "vfio-pci", "kernel", "uio_pci_generic" };
	static const char *const rings[] = { "max", "512" };

	switch (k) {
	case PK_NIC_INTERFACE:
		return "auto";
	case PK_NIC_DRIVER:
		return drivers[i % 3];
	case PK_RX_RING:
	case PK_TX_RING:
		return rings[i % 2];
	default:
		return NULL;
	}
}

/* How many probes it takes for every key to have had each of its values. */
static unsigned probe_variants(void)
{
	unsigned most = 3;	/* the drivers of probe_string */

	for (int k = 0; k < PK_COUNT; k++) {
		unsigned n = 1;

		if (profile_keys[k].type != PT_ENUM)
			continue;
		for (const char *c = profile_keys[k].choices; *c; c++)
			n += *c == '|';
		most = n > most ? n : most;
	}
	return most;
}

/* Variant i: the i-th enum choice, both ends of every range, both sizes, yes and no. */
static void probe_value(struct strbuf *sb, enum profile_key k, unsigned i)
{
	const struct profile_key_info *ki = &profile_keys[k];
	const char *c = ki->choices, *end;
	unsigned idx = 0, count = 0;

	switch (ki->type) {
	case PT_STRING:
		if (probe_string(k, i))
			strbuf_addf(sb, "%s", probe_string(k, i));
		return;
	case PT_CPULIST:
		strbuf_addf(sb, "auto");
		return;
	case PT_BOOL:
		strbuf_addf(sb, "%s", i % 2 ? "no" : "yes");
		return;
	case PT_INT:
		strbuf_addf(sb, "%ld", i % 2 ? ki->max : ki->min);
		return;
	case PT_SIZE:
		strbuf_addf(sb, "%s", i % 2 ? "1G" : "2M");
		return;
	case PT_LIMIT:
		strbuf_addf(sb, "%s", i % 2 ? "64M" : "unlimited");
		return;
	case PT_WORDS:
		if (!c) {
			strbuf_addf(sb, "tickready-probe");
			return;
		}
		/* Every word but "none" together, or "none" alone. */
		for (const char *w = c; *w; w = *end ? end + 1 : end) {
			end = strchrnul(w, '|');
			if ((size_t)(end - w) == 4 && !strncmp(w, "none", 4)) {
				if (i % 2)
					strbuf_addf(sb, "none");
			} else if (!(i % 2)) {
				strbuf_addf(sb, "%s%.*s", sb->len ? "," : "", (int)(end - w), w);
			}
		}
		return;
	case PT_ENUM:
		for (const char *w = c; *w; w = *end ? end + 1 : end, count++)
			end = strchrnul(w, '|');
		for (const char *w = c; *w; w = *end ? end + 1 : end, idx++) {
			end = strchrnul(w, '|');
			if (idx == i % count)
				strbuf_addf(sb, "%.*s", (int)(end - w), w);
		}
		return;
	}
}

/* A probe profile: every key a check judges set, to the i-th of its values (interface to nic when given). */
static char *probe_profile(unsigned i, const char *nic)
{
	struct strbuf text = { 0 };
	const char *section = "";

	strbuf_addf(&text, "[profile]\nname = capture-probe-%u\n", i);
	for (int k = 0; k < PK_COUNT; k++) {
		const struct profile_key_info *ki = &profile_keys[k];
		struct strbuf v = { 0 };

		if (!strcmp(ki->section, "profile") || !strcmp(ki->section, "targets"))
			continue;
		if (k == PK_NIC_INTERFACE && nic)
			strbuf_addf(&v, "%s", nic);
		else
			probe_value(&v, (enum profile_key)k, i);
		if (v.len) {
			if (strcmp(section, ki->section))
				strbuf_addf(&text, "[%s]\n", ki->section);
			section = ki->section;
			strbuf_addf(&text, "%s = %s\n", ki->key, v.s);
		}
		strbuf_free(&v);
	}
	return strbuf_detach(&text);
}

/*
 * Runs every check and builds apply's plan under prof, recording what both read; the findings,
 * marked with what the plan does about them, go to *keep when given. Returns 0, or -1 when prof does not fit the host.
 */
static int probe_with(struct session *s, struct profile *prof, const struct mgmt_set *mgmt, struct report *keep)
{
	struct profile_error err;
	struct finding *f;
	struct plan p;
	char bad[160];
	size_t n;

	if (!prof->resolved && profile_resolve(prof, &s->host, &err) < 0)
		return -1;
	f = checks_run(&(struct check_ctx){ &s->host, prof, &s->sr, NULL }, NULL, &n);
	/* Plans read files of their own (fstab, boot loader configs): apply on the capture must see them too. */
	if (plan_build(&p, &(struct tune_ctx){ .host = &s->host, .prof = prof, .sr = &s->sr, .findings = f,
					       .nfindings = n, .mgmt = mgmt,
					       .cpulist_bad = tune_cpulists_bad(&s->host, prof, bad, sizeof(bad)) }) == 0) {
		/* The kept findings say what apply does about each, as audit's do (fixed_by, fix_note). */
		if (keep)
			plan_mark_findings(&p, &s->sr, f, n);
		plan_free(&p);
	}
	if (keep) {
		keep->findings = f;
		keep->n = n;
	} else {
		findings_free(f, n);
	}
	return 0;
}

/* The user's profile (its findings in *first), every shipped one and the probes; returns how many fit this host. */
static unsigned probe_all(struct session *s, struct report *first)
{
	const struct mgmt_set *mgmt = host_mgmt(&s->host);	/* as apply does */
	unsigned variants = probe_variants(), fitted = 0;

	fitted += probe_with(s, &s->prof, mgmt, first) == 0;
	for (const struct builtin_profile *b = builtin_profiles; b->name; b++) {
		struct profile other;
		struct profile_error err;

		if (profile_load(&other, b->name, &err) == 0) {
			fitted += probe_with(s, &other, mgmt, NULL) == 0;
			profile_free(&other);
		}
	}
	/* One probe per variant, then one per NIC: a profile may name any of them. */
	for (size_t i = 0; i < variants + s->host.nnics; i++) {
		const char *nic = i < variants ? NULL : s->host.nics[i - variants].name[0] ? s->host.nics[i - variants].name :
				  s->host.nics[i - variants].pci;
		char *text = probe_profile(i < variants ? (unsigned)i : 0, nic);
		struct profile probe;
		struct profile_error err;

		if (profile_load_string(&probe, text, "capture-probe", &err) == 0) {
			fitted += probe_with(s, &probe, mgmt, NULL) == 0;
			profile_free(&probe);
		} else {
			/* The probes come from the key table: one that does not load is our bug, said aloud. */
			cli_error("capture: probe profile %zu does not load: %s", i, err.msg);
		}
		free(text);
	}
	return fitted;
}

/* exec, never a shell: the output name is the user's text; tar writes our own temporary beside it. */
static int run_tar(const char *out, const char *dir)
{
	char *tmp;
	FILE *f = cli_out_open("capture", out, &tmp);
	int rc;

	if (!f)
		return -EEXIST;
	{
		char *argv[] = { "tar", "--force-local", "--numeric-owner", "-czf", tmp, "-C", (char *)dir, ".", NULL };

		rc = run_argv(argv);
	}
	if (rc != 0) {
		cli_out_abort(f, tmp);
		return rc < 0 ? rc : -EIO;
	}
	return cli_out_commit(f, tmp, out);
}

int cmd_capture(int argc, char **argv)
{
	const char *root = "/", *profile = NULL, *report = NULL, *arg, *out;
	char tmp[] = "/tmp/tickready-capture-XXXXXX";
	bool tarball;
	struct cli_parser p;
	struct session s;
	struct sysroot_record_stats rs;
	struct report first = { 0 };
	FILE *report_fp = NULL;
	char *report_tmp = NULL;
	unsigned probed;
	struct stat st;
	int c, rc;

	cli_parser_init(&p, "capture", "OUT[.tar.gz]",
			"Writes the files, directories and links audit and apply read under every profile, laid out like the root (a directory, or a tar.gz when OUT ends in .tar.gz).",
			capture_opts, argc, argv);
	while ((c = cli_parser_next(&p, &arg)) != -1) {
		if (c == CLI_HELP)
			return EXIT_READY;
		if (c == OPT_ROOT)
			root = arg;
		else if (c == OPT_PROFILE)
			profile = arg;
		else if (c == OPT_REPORT)
			report = arg;
		else
			return EXIT_ERROR;
	}
	if (optind != argc - 1) {
		cli_error("capture: name one output (a directory, or a file ending in .tar.gz)");
		return EXIT_ERROR;
	}
	out = argv[optind];
	tarball = str_ends_with(out, ".tar.gz") || str_ends_with(out, ".tgz");
	if (!tarball && stat(out, &st) == 0 && (!S_ISDIR(st.st_mode) || rmdir(out) < 0)) {
		cli_error("capture: '%s' exists and is not an empty directory", out);
		return EXIT_ERROR;
	}
	/* Checked first: an output that cannot be written must not cost a capture. */
	if (cli_out_path_ok("capture", out) < 0)
		return EXIT_ERROR;
	if (report && !(report_fp = cli_out_open("capture", report, &report_tmp)))
		return EXIT_ERROR;
	rc = session_open(&s, root, profile, true);
	if (rc) {
		cli_out_abort(report_fp, report_tmp);
		return rc;
	}
	/* Checks read only what their profile asks about: read for every profile and every value. */
	probed = probe_all(&s, &first);
	{
		/* The host's name, so report, diff and the fleet page of the capture name it. */
		char name[256];

		sysroot_read_str(&s.sr, "/etc/hostname", name, sizeof(name));
		sysroot_read_str(&s.sr, "/proc/sys/kernel/hostname", name, sizeof(name));
	}
	if (tarball && !mkdtemp(tmp)) {
		cli_error("capture: cannot create a temporary directory: %s", strerror(errno));
		cli_out_abort(report_fp, report_tmp);
		findings_free(first.findings, first.n);
		session_close(&s);
		return EXIT_ERROR;
	}
	rc = sysroot_record_write(&s.sr, tarball ? tmp : out);
	sysroot_record_stats(&s.sr, &rs);
	if (rc == 0 && tarball)
		rc = run_tar(out, tmp);
	if (tarball)
		cli_remove_tree(tmp);
	if (rc < 0 && rc != -EEXIST)
		cli_error("capture: cannot write '%s': %s", out, strerror(-rc));
	if (report_fp && rc >= 0) {
		int wrc;

		first.host = &s.host;
		first.prof = &s.prof;
		first.root = s.shown_root;
		first.profile_origin = s.profile_origin;
		if (report_write_json(report_fp, &first) < 0) {
			cli_out_abort(report_fp, report_tmp);
			wrc = -EIO;
		} else {
			wrc = cli_out_commit(report_fp, report_tmp, report);
		}
		report_fp = NULL;
		if (wrc < 0) {
			cli_error("capture: cannot write the report '%s': %s", report, strerror(-wrc));
			rc = -1;
		}
	}
	if (report_fp)
		cli_out_abort(report_fp, report_tmp);
	findings_free(first.findings, first.n);
	session_close(&s);
	if (rc < 0)
		return EXIT_ERROR;
	fprintf(stderr, "tickready: captured %s into '%s': %zu files, %zu directories, %zu links (read for %u profiles)\n",
		root, out, rs.files, rs.dirs, rs.links, probed);
	return EXIT_READY;
}
