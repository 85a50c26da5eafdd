/* tickready apply: plan the changes that bring a host to a profile, then make them through the journal. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "journal.h"
#include "state.h"
#include "plan.h"
#include "tuners.h"
#include "util.h"

enum {
	OPT_ROOT = 'r', OPT_PROFILE = 'p', OPT_FORMAT = 'f', OPT_ONLY = 'o', OPT_YES = 'y', OPT_DRY = 'n',
	OPT_SKIP_BLOCKED = 256, OPT_FORCE, OPT_UPDATE_BOOT, OPT_CONFIRM, OPT_ONCE, OPT_REAPPLY,
};

static const struct cli_opt apply_opts[] = {
	{ "root", "DIR", OPT_ROOT, "apply to the tree under DIR (a fixture or capture) instead of /" },
	{ "profile", "NAME|PATH", OPT_PROFILE, "profile to apply (default " PROFILE_DEFAULT ")" },
	{ "dry-run", NULL, OPT_DRY, "print the plan and change nothing" },
	{ "yes", NULL, OPT_YES, "do not ask; required when standard input is not a terminal" },
	{ "format", "text|json", OPT_FORMAT, "plan format (default text); json is tickready.plan/1" },
	{ "only", "LIST", OPT_ONLY, "areas or check ids, comma-separated: only their tuners run" },
	{ "skip-blocked", NULL, OPT_SKIP_BLOCKED, "apply the rest when a change trips a safety interlock" },
	{ "force", NULL, OPT_FORCE, "override the interlocks that can be overridden (management path, memory, node)" },
	{ "update-bootloader", NULL, OPT_UPDATE_BOOT, "run the distribution's boot loader command after staging" },
	{ "confirm", "SECONDS", OPT_CONFIRM, "revert by itself after SECONDS unless `tickready confirm` runs" },
	{ "once", NULL, OPT_ONCE, "stage boot parameters for the next boot only (GRUB: grub-reboot); `tickready confirm` after it makes them the default" },
	{ "reapply", NULL, OPT_REAPPLY, "re-apply the runtime part of the last applied profile (boot unit)" },
	{ NULL, NULL, 0, NULL },
};

struct apply_args {
	const char *root, *profile, *format, *only;
	bool dry, yes, json, reapply, once;
	long confirm;
	struct plan_opts po;
};

static int parse_args(struct apply_args *a, int argc, char **argv)
{
	struct cli_parser p;
	const char *arg;
	int c;

	memset(a, 0, sizeof(*a));
	a->root = "/";
	a->format = "text";
	cli_parser_init(&p, "apply", "",
			"Plans the changes that make the failing checks pass, shows them, and makes them; every old value is "
			"journaled first, so `tickready revert` restores the host exactly.",
			apply_opts, argc, argv);
	while ((c = cli_parser_next(&p, &arg)) != -1) {
		switch (c) {
		case CLI_HELP:
			return -1;
		case OPT_ROOT: a->root = arg; break;
		case OPT_PROFILE: a->profile = arg; break;
		case OPT_FORMAT: a->format = arg; break;
		case OPT_ONLY: a->only = arg; break;
		case OPT_DRY: a->dry = true; break;
		case OPT_YES: a->yes = true; break;
		case OPT_SKIP_BLOCKED: a->po.skip_blocked = true; break;
		case OPT_FORCE: a->po.force = true; break;
		case OPT_UPDATE_BOOT: a->po.update_bootloader = true; break;
		case OPT_REAPPLY: a->reapply = a->yes = true; break;
		case OPT_ONCE: a->once = true; break;
		case OPT_CONFIRM:
			if (parse_long(arg, &a->confirm) < 0 || a->confirm < 10 || a->confirm > 86400) {
				cli_error("apply: --confirm wants seconds between 10 and 86400, not '%s'", arg);
				return EXIT_ERROR;
			}
			break;
		default:
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		cli_error("apply: unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	if (strcmp(a->format, "text") && strcmp(a->format, "json")) {
		cli_error("apply: unknown format '%s' (text or json)", a->format);
		return EXIT_ERROR;
	}
	a->json = !strcmp(a->format, "json");
	return 0;
}

/*
 * The profile of the newest run not reverted, for --reapply; NULL when nothing is applied. A promotion
 * of a one-time boot is a run of boot files only, labelled, not a profile: the apply before it names one.
 */
static char *last_profile(const struct sysroot *sr)
{
	struct jlog log;
	char *name = NULL;

	if (journal_load(sr, &log) < 0)
		return NULL;
	for (size_t i = log.n; i-- > 0 && !name;)
		if (log.v[i].type == JR_BEGIN && !jlog_reverted(&log, log.v[i].run) && log.v[i].target.present &&
		    strncmp(log.v[i].target.data, JOURNAL_LABEL_PROMOTE, strlen(JOURNAL_LABEL_PROMOTE)))
			name = xstrdup(log.v[i].target.data);
	jlog_free(&log);
	return name;
}

static bool shown(const struct change *c, const struct sysroot *sr)
{
	return c->display || (change_runs(c, sr) && !c->tree_only);
}

/* One line per value: a file's contents are summarised, its exact bytes are in --format json. */
static const char *one_line(const char *s, const char *none, char *buf, size_t size)
{
	size_t n;

	if (!s)
		return none;
	n = strcspn(s, "\n");
	if (!s[n] || !s[n + 1])
		snprintf(buf, size, "%.*s", (int)n, s);
	else
		snprintf(buf, size, "(%zu bytes)", strlen(s));
	return buf;
}

static void print_change(const struct change *c)
{
	char a[128], b[128];

	printf("  %-22s %-7s %s: %s -> %s%s\n", c->check, change_kind_name(c->kind), c->target,
	       one_line(c->current, "(none)", a, sizeof(a)),
	       c->kind == CK_MKDIR ? "(new directory)" : one_line(c->value, "", b, sizeof(b)),
	       c->boot ? "  [boot]" : "");
	if (c->shell)
		printf("  %-22s         $ %s\n", "", c->shell);
}

/* The plan's rows as print_plan counts them: shown, at boot, blocked, and the shown rows another change carries out. */
struct plan_rows {
	size_t shown, boot, blocked, carried;
};

static void count_rows(const struct plan *p, const struct sysroot *sr, const struct plan_opts *po, struct plan_rows *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < p->n; i++) {
		const struct change *c = &p->v[i];

		if (c->blocked && !(po->force && c->force_ok)) {
			r->blocked++;
		} else if (shown(c, sr)) {
			r->shown++;
			r->boot += c->boot;
			r->carried += c->display;
		}
	}
}

static void print_plan(const struct plan *p, const struct session *s, const struct apply_args *a)
{
	struct plan_rows rows;
	size_t shown_n, boot, blocked;

	count_rows(p, &s->sr, &a->po, &rows);
	shown_n = rows.shown;
	boot = rows.boot;
	blocked = rows.blocked;
	printf("tickready apply: profile %s (%s; %s), root %s%s\n", s->prof.name, s->prof.source, s->profile_origin, s->sr.path,
	       a->dry ? " (dry run: nothing changes)" : "");
	printf("plan: %zu change%s (%zu at boot), %zu manual, %zu blocked\n", shown_n, shown_n == 1 ? "" : "s", boot,
	       p->nmanual, blocked);
	for (size_t i = 0; i < p->n; i++)
		if (!p->v[i].blocked || (a->po.force && p->v[i].force_ok))
			if (shown(&p->v[i], &s->sr))
				print_change(&p->v[i]);
	if (blocked) {
		puts("blocked (safety interlocks):");
		for (size_t i = 0; i < p->n; i++)
			if (p->v[i].blocked && !(a->po.force && p->v[i].force_ok))
				printf("  %-22s %s: %s%s\n", p->v[i].check, p->v[i].target, p->v[i].blocked,
				       p->v[i].force_ok ? " (--force overrides)" : "");
	}
	if (p->nmanual) {
		puts("manual (apply makes no change for these here; do them by hand):");
		for (size_t i = 0; i < p->nmanual; i++) {
			char name[96];

			snprintf(name, sizeof(name), "%s%s%s%s", p->manual[i].check, p->manual[i].role ? "[" : "",
				 p->manual[i].role ? p->manual[i].role : "", p->manual[i].role ? "]" : "");
			printf("  %-22s %s%s%s\n", name, p->manual[i].observed ? p->manual[i].observed : "",
			       p->manual[i].remedy ? "; fix: " : "", p->manual[i].remedy ? p->manual[i].remedy : "");
			printf("  %-22s (%s)\n", "", p->manual[i].why);
		}
	}
	if (p->ncovered) {
		puts("covered (fixed by another check's change above):");
		for (size_t i = 0; i < p->ncovered; i++)
			printf("  %-22s %s%sby %s's change\n", p->covered[i].check, p->covered[i].what ? p->covered[i].what : "",
			       p->covered[i].what ? " " : "", p->covered[i].by);
	}
	if (p->reboot_required && p->boot_tool) {
		printf("reboot required: kernel command line changes are staged for %s (%s)\n",
		       p->once_argv ? "the next boot only, in a one-time entry" : "the next boot", p->boot_tool);
		if (p->bootloader_argv) {
			printf("  then run:");
			for (char **v = p->bootloader_argv; *v; v++)
				printf(" %s", *v);
			if (p->once_argv) {
				printf(" &&");
				for (char **v = p->once_argv; *v; v++)
					printf(" %s", *v);
			}
			printf("%s\n", a->po.update_bootloader ? "  (--update-bootloader runs it)" : "  (or pass --update-bootloader)");
		}
		if (p->once_argv)
			puts("  after that boot, `tickready confirm` makes the parameters the default; a failed boot falls "
			     "back to the old entry");
	} else if (p->reboot_required) {
		puts("reboot required: the changes marked [boot] take effect at the next boot");
	}
	if (p->persist)
		printf("at boot: %s\n", p->persist);
}

static bool ask(size_t n)
{
	char line[16];
	FILE *tty = fopen("/dev/tty", "r+");

	if (!tty)
		return false;
	fprintf(tty, "apply %zu change%s? [y/N] ", n, n == 1 ? "" : "s");
	fflush(tty);
	if (!fgets(line, sizeof(line), tty))
		line[0] = '\0';
	fclose(tty);
	return line[0] == 'y' || line[0] == 'Y';
}

/*
 * --confirm, armed before the first change: the record (fsynced), then a detached timer that reverts the
 * run at the deadline unless `tickready confirm` ran, or at once if this apply dies before the run ends.
 * The timer keeps none of the caller's descriptors (the lock, the terminal): its output goes to confirm.log.
 */
static int arm_confirm(const struct sysroot *sr, const char *run, long seconds)
{
	struct confirm_pending cp = { .sid = (long)getsid(0), .apply = getpid() };
	char exe[PATH_MAX], until[32], watch[32];
	ssize_t n;
	pid_t pid;
	int rc;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	snprintf(cp.run, sizeof(cp.run), "%s", run);
	cp.deadline = (long)time(NULL) + seconds;
	confirm_boot_id(sr, cp.boot_id, sizeof(cp.boot_id));
	/* The session id: confirm from this same session proves nothing about reachability. */
	if ((rc = confirm_pending_store(sr, &cp)) < 0)
		return rc;
	snprintf(until, sizeof(until), "%ld", cp.deadline);
	snprintf(watch, sizeof(watch), "%ld", (long)cp.apply);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		confirm_pending_remove(sr);
		return rc;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		setsid();
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		close_range(3, ~0U, 0);
		signal(SIGHUP, SIG_IGN);
		execl(exe, "tickready", "revert", "--root", sr->path, "--run", run, "--until", until, "--watch", watch,
		      "--unless-confirmed", (char *)NULL);
		_exit(127);
	}
	cp.timer = pid;
	if (confirm_pending_store(sr, &cp) < 0)
		cli_warn("apply: could not record the timer's pid in '%s': if the timer dies, nothing notices", CONFIRM_PENDING);
	return 0;
}

/*
 * The count made, in the plan's terms when they differ: its rows less the boot parameters that the
 * file staging them carries out (and the IRQs the kernel refused), plus the changes that emulate the
 * kernel in a tree, which the plan never shows; then what was left out and why.
 */
static void print_result(const struct exec_result *res, const struct plan *p, const struct sysroot *sr,
			 const struct plan_opts *po, const char *run)
{
	struct plan_rows rows;
	size_t left_live = res->skipped - res->left_blocked;
	const char *sep = ": ";

	count_rows(p, sr, po, &rows);
	printf("applied %zu change%s (run %s)", res->applied, res->applied == 1 ? "" : "s", run);
	if (res->applied != rows.shown &&
	    res->applied + rows.carried + res->refused == rows.shown + res->emulated) {
		printf(": the plan's %zu", rows.shown);
		if (rows.carried)
			printf(" less its %zu boot parameter%s (made by the change that stages %s)", rows.carried,
			       rows.carried == 1 ? "" : "s", rows.carried == 1 ? "it" : "them");
		if (res->refused)
			printf(" less %zu the kernel refused", res->refused);
		if (res->emulated)
			printf(" plus %zu that emulate%s in the tree what the kernel would do", res->emulated,
			       res->emulated == 1 ? "s" : "");
		sep = "; ";
	}
	if (res->left_blocked) {
		printf("%s%zu left out: blocked (listed above)", sep, res->left_blocked);
		sep = ", ";
	}
	if (left_live)
		printf("%s%zu left out: %s the running kernel (not in a tree)", res->left_blocked ? "and " : sep, left_live,
		       left_live == 1 ? "it needs" : "they need");
	putchar('\n');
	for (size_t i = 0; i < res->refused; i++)
		printf("  refused by the kernel (managed or per-cpu IRQ, kept where it is): %s\n", res->refused_targets[i]);
	if (p->reboot_required)
		printf("reboot_required: yes%s\n", res->bootloader_ran ? " (boot loader updated)" : "");
}

/* A journal record that is not durable: say what revert will and will not restore. */
static void journal_trouble(const struct session *s, const struct exec_result *res)
{
	const char *how = s->sr.live ? "" : " --root ", *root = s->sr.live ? "" : s->sr.path;

	if (!strcmp(res->journal_what, "intent"))
		cli_error("apply: cannot make a journal record durable in '%s': %s; stopped before the next change: "
			  "`tickready revert%s%s` restores the %zu change%s journaled before it; nothing after it was made",
			  JOURNAL_PATH, strerror(-res->journal_rc), how, root, res->journaled, res->journaled == 1 ? "" : "s");
	else
		cli_error("apply: cannot make the journal's %s record durable in '%s': %s; `tickready revert%s%s` restores "
			  "all %zu change%s made (each one's intent record was fsynced before it); after a crash before the "
			  "journal reaches the disk, revert may not know the last of them",
			  res->journal_what, JOURNAL_PATH, strerror(-res->journal_rc), how, root, res->journaled,
			  res->journaled == 1 ? "" : "s");
}

static int execute(struct session *s, struct plan *p, struct tune_ctx *ctx, struct apply_args *a)
{
	struct exec_result res;
	struct journal j;
	int rc, erc;

	rc = journal_open(&j, &s->sr);
	if (rc < 0) {
		cli_error("apply: cannot open the journal '%s%s': %s", s->sr.live ? "" : s->sr.path, JOURNAL_PATH,
			  state_strerror(rc));
		return EXIT_ERROR;
	}
	rc = journal_begin(&j, s->prof.source, s->sr.path);
	if (rc < 0) {
		cli_error("apply: cannot write the journal '%s': %s", JOURNAL_PATH, state_strerror(rc));
		journal_close(&j);
		return EXIT_ERROR;
	}
	a->po.runid = j.run;
	/* The safety net is in place before the first change, or nothing changes. */
	if (a->confirm && (erc = arm_confirm(&s->sr, j.run, a->confirm)) < 0) {
		cli_error("apply: could not arm --confirm (%s): nothing was changed", state_strerror(erc));
		journal_end(&j, erc);
		journal_close(&j);
		return EXIT_ERROR;
	}
	/* A dropped SSH session must not stop apply between two changes: it finishes, and --confirm reverts. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	rc = plan_execute(p, ctx, &j, &a->po, &res);
	erc = journal_end(&j, rc);
	if (erc < 0 && !res.journal_rc) {
		res.journal_rc = erc;
		res.journal_what = "end";
	}
	if (res.journal_rc) {
		journal_trouble(s, &res);
		exec_result_free(&res);
		journal_close(&j);
		return EXIT_ERROR;
	}
	if (rc < 0) {
		cli_error("apply: cannot write '%s': %s; %zu change%s made before it and %s journaled: `tickready "
			  "revert%s%s` undoes %s",
			  res.failed_path, sysroot_strerror(rc), res.applied, res.applied == 1 ? " was" : "s were",
			  res.applied == 1 ? "is" : "are",
			  s->sr.live ? "" : " --root ", s->sr.live ? "" : s->sr.path, res.applied == 1 ? "it" : "them");
		exec_result_free(&res);
		journal_close(&j);
		return EXIT_ERROR;
	}
	/* What plain audit, report, status and the boot unit judge against from now on. */
	if (active_profile_write(&s->sr, s->prof.source, j.run) < 0)
		cli_warn("apply: could not record the active profile in '%s': audit and report keep their default",
			 ACTIVE_PROFILE);
	if (p->once_argv && p->reboot_required && once_pending_write(&s->sr, j.run, p->once_params, a->po.update_bootloader) < 0)
		cli_warn("apply: could not record the one-time boot in '%s': `tickready confirm` will not promote it",
			 ONCE_PENDING);
	if (a->json) {
		size_t applied = res.applied;

		plan_write_json(stdout, p, &s->sr, &a->po, &applied);
		putchar('\n');
	} else {
		print_result(&res, p, &s->sr, &a->po, j.run);
		if (a->confirm)
			printf("confirm within %ld s with `tickready confirm`, or run %s is reverted\n", a->confirm, j.run);
	}
	exec_result_free(&res);
	journal_close(&j);
	return EXIT_READY;
}

static size_t runnable(const struct plan *p, const struct sysroot *sr, const struct plan_opts *o)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		if (change_runs(&p->v[i], sr) && (!p->v[i].blocked || (o->force && p->v[i].force_ok)))
			n++;
	return n;
}

static int run_plan(struct session *s, struct apply_args *a, const bool *selected)
{
	struct finding *findings;
	struct tune_ctx ctx = { 0 };
	struct plan p;
	size_t nf, nblocked = 0, todo;
	int rc, lock = -1;
	pid_t holder;

	if (!a->dry) {
		lock = cli_lock(&s->sr, "apply", 0, &holder);
		if (lock < 0)
			return EXIT_ERROR;
	}
	findings = checks_run(&(struct check_ctx){ &s->host, &s->prof, &s->sr, NULL }, selected, &nf);
	tune_ctx_init(&ctx, &s->host, &s->prof, &s->sr, findings, nf);
	ctx.force = a->po.force;
	ctx.once = a->once;
	ctx.reapply = a->reapply;
	rc = plan_build(&p, &ctx);
	if (rc < 0) {
		cli_error("apply: cannot plan: %s", strerror(-rc));
		rc = EXIT_ERROR;
		goto out;
	}
	/* grub-reboot is GRUB's: elsewhere a one-time boot is not offered rather than faked. */
	if (a->once && p.reboot_required && !p.once_argv) {
		cli_error("apply: --once needs GRUB (grub-reboot); this host boots with %s: apply without --once, "
			  "and keep a console at hand for the reboot", p.boot_tool ? p.boot_tool : "no detected boot loader");
		rc = EXIT_ERROR;
		goto out;
	}
	if (a->reapply)
		for (size_t i = 0; i < p.n; i++)
			if (p.v[i].boot)
				p.v[i].display = true;	/* the boot part was staged at apply time */
	for (size_t i = 0; i < p.n; i++)
		nblocked += p.v[i].blocked && !(a->po.force && p.v[i].force_ok);
	todo = runnable(&p, &s->sr, &a->po);
	if (a->json && (a->dry || !todo || (nblocked && !a->po.skip_blocked))) {
		plan_write_json(stdout, &p, &s->sr, &a->po, NULL);
		putchar('\n');
	} else if (!a->json) {
		print_plan(&p, s, a);
	}
	rc = EXIT_READY;
	if (a->dry)
		goto out;
	if (nblocked && !a->po.skip_blocked) {
		for (size_t i = 0; i < p.n; i++)
			if (p.v[i].blocked && !(a->po.force && p.v[i].force_ok)) {
				cli_error("apply: blocked: %s %s: %s", p.v[i].check, p.v[i].target, p.v[i].blocked);
				break;
			}
		cli_error("apply: %zu change%s blocked; nothing changed (--skip-blocked applies the rest)", nblocked,
			  nblocked == 1 ? "" : "s");
		rc = EXIT_ERROR;
		goto out;
	}
	if (!todo) {
		if (!a->json)
			printf("nothing to do: every covered check passes or is pending reboot%s\n",
			       p.nmanual ? "; the manual items above remain" : "");
		goto out;
	}
	if (!a->yes) {
		if (!isatty(STDIN_FILENO)) {
			cli_error("apply: not a terminal, not asking: use --yes to apply (or --dry-run to look)");
			rc = EXIT_ERROR;
			goto out;
		}
		if (!ask(todo)) {
			fputs("tickready: nothing changed\n", stderr);
			rc = EXIT_ERROR;
			goto out;
		}
	}
	/* A plan that did not reach its reader must not be carried out. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("apply: write error on standard output: %s; nothing changed", strerror(errno));
		rc = EXIT_ERROR;
		goto out;
	}
	rc = execute(s, &p, &ctx, a);
out:
	plan_free(&p);
	findings_free(findings, nf);
	tune_ctx_free(&ctx);
	state_unlock(lock);
	return rc;
}

int cmd_apply(int argc, char **argv)
{
	struct apply_args a;
	struct session s;
	char *last = NULL, bad[64];
	bool *selected;
	int rc = parse_args(&a, argc, argv);

	if (rc)
		return rc < 0 ? EXIT_READY : rc;
	if (cli_refuse_archive(a.root, "apply"))
		return EXIT_ERROR;
	/* The root is opened once: what is recovered and read below is the tree the plan is made for. */
	if (session_open_root(&s, a.root))
		return EXIT_ERROR;
	/* A run no window guards any more (a reboot inside it, a dead timer) is reverted first, not re-applied. */
	if (!a.dry && confirm_recover(&s.sr, "apply") < 0) {
		session_close(&s);
		return EXIT_ERROR;
	}
	if (a.reapply) {
		last = last_profile(&s.sr);
		if (!last) {
			if (!a.json)
				puts("nothing to re-apply: no applied run in the journal");
			session_close(&s);
			return EXIT_READY;
		}
		a.profile = last;
	}
	selected = xcalloc(checks_count, sizeof(bool));
	if (checks_select(a.only, selected, bad, sizeof(bad)) < 0) {
		cli_error("apply: unknown area or check '%s' in --only (see `tickready checks`)", bad);
		session_close(&s);
		free(selected);
		free(last);
		return EXIT_ERROR;
	}
	rc = session_load_checks(&s, a.profile, NULL, selected);
	if (rc) {
		free(selected);
		free(last);
		return rc;
	}
	if (a.reapply)
		snprintf(s.profile_origin, sizeof(s.profile_origin), "active: the last applied run's, --reapply");
	if (!a.dry && s.prof.untrusted) {
		cli_error("apply: refusing profile: %s (every file of it, includes too, must be owned by root or you and "
			  "not group/world-writable)", s.prof.untrusted);
		rc = EXIT_ERROR;
	} else {
		rc = run_plan(&s, &a, selected);
	}
	session_close(&s);
	free(selected);
	free(last);
	return rc;
}
