/* confirm after `apply --once`: the one-time boot worked, so its parameters become the default. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "journal.h"
#include "plan.h"
#include "state.h"
#include "tuners.h"
#include "util.h"

/* The parameters the running kernel lacks (or has with another value), space-separated; "" when none. */
static char *missing_params(const struct sysroot *sr, const char *params)
{
	struct cmdline want, now;
	struct strbuf sb = { 0 };
	char *raw = NULL;

	if (sysroot_read_alloc(sr, "/proc/cmdline", 1u << 16, &raw, NULL) < 0)
		raw = xstrdup("");
	cmdline_parse(&want, params);
	cmdline_parse(&now, raw);
	for (size_t i = 0; i < want.n; i++) {
		const char *v = cmdline_get(&now, want.args[i].key), *w = want.args[i].value ? want.args[i].value : "";

		if (!v || strcmp(v, w))
			strbuf_addf(&sb, "%s%s%s%s", sb.len ? " " : "", want.args[i].key, *w ? "=" : "", w);
	}
	cmdline_free(&want);
	cmdline_free(&now);
	free(raw);
	return strbuf_detach(&sb);
}

/* Journals the drop-in under a run of its own, so `tickready revert` undoes the promotion too. */
static int promote(const struct sysroot *sr, const struct once_pending *o)
{
	struct tune_ctx ctx = { .sr = sr };
	struct plan_opts po = { .update_bootloader = o->update_bootloader };
	struct exec_result res;
	struct journal j;
	struct plan p;
	char label[96];
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = tune_promote_once(&ctx, &p, o->params)) < 0)
		goto out;
	if ((rc = journal_open(&j, sr)) < 0)
		goto out;
	snprintf(label, sizeof(label), JOURNAL_LABEL_PROMOTE "%s", o->run);
	if ((rc = journal_begin(&j, label, sr->path)) == 0) {
		int erc;

		rc = plan_execute(&p, &ctx, &j, &po, &res);
		erc = journal_end(&j, rc);
		if (rc < 0) {
			cli_error("confirm: cannot write '%s': %s", res.failed_path ? res.failed_path : "?",
				  sysroot_strerror(rc));
		} else if (erc < 0 || res.journal_rc) {
			/* The promotion must be undoable: a journal record that is not durable is a failure. */
			rc = erc < 0 ? erc : res.journal_rc;
			cli_error("confirm: cannot make the journal durable in '%s': %s; `tickready revert` restores what "
				  "was journaled", JOURNAL_PATH, strerror(-rc));
		}
		exec_result_free(&res);
	}
	journal_close(&j);
	if (rc == 0) {
		/* Its job is done; left in place, the next update-grub would keep offering the entry. */
		rc = state_remove(sr, HOST_GRUB_ONCE, 0);
		printf("the one-time boot worked: its parameters are now the default (%s)\n", HOST_GRUB_DROPIN);
		if (p.bootloader_argv && !(po.update_bootloader && sr->live)) {
			printf("  then run:");
			for (char **v = p.bootloader_argv; *v; v++)
				printf(" %s", *v);
			putchar('\n');
		}
	}
out:
	plan_free(&p);
	return rc;
}

int once_confirm(const struct sysroot *sr)
{
	struct once_pending o;
	char *missing;
	int rc = once_pending_read(sr, &o);

	if (rc == -ENOENT)
		return -1;
	if (rc < 0) {
		cli_error("confirm: cannot read '%s': %s", ONCE_PENDING, state_strerror(rc));
		return EXIT_ERROR;
	}
	missing = missing_params(sr, o.params);
	if (*missing) {
		printf("not confirmed: the running kernel lacks '%s' from the one-time entry of run %s: that boot did not "
		       "happen or fell back; the default entry is unchanged (grub-reboot tickready-once and reboot to try "
		       "again, or `tickready revert`)\n", missing, o.run);
		rc = EXIT_NOT_READY;
	} else if ((rc = promote(sr, &o)) < 0) {
		rc = EXIT_ERROR;
	} else {
		rc = once_pending_remove(sr) < 0 ? EXIT_ERROR : EXIT_READY;
	}
	free(missing);
	free(o.params);
	return rc;
}
