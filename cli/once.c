/* confirm after `apply --once`: the one-time boot worked, so its parameters become the default. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "journal.h"
#include "plan.h"
#include "tuners.h"
#include "util.h"

struct once_pending {
	char run[64];
	char *params;
	bool update_bootloader;
};

static int once_load(const struct sysroot *sr, struct once_pending *o)
{
	char *text, *save = NULL;
	int rc = sysroot_read_alloc(sr, ONCE_PENDING, 1u << 16, &text, NULL);

	memset(o, 0, sizeof(*o));
	if (rc < 0)
		return rc;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "run=", 4))
			snprintf(o->run, sizeof(o->run), "%s", l + 4);
		else if (!strncmp(l, "params=", 7))
			o->params = xstrdup(l + 7);
		else if (!strcmp(l, "update_bootloader=1"))
			o->update_bootloader = true;
	}
	free(text);
	if (!o->run[0] || !o->params) {
		free(o->params);
		return -EINVAL;
	}
	return 0;
}

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

static int remove_in_root(const struct sysroot *sr, const char *dir, const char *name)
{
	int fd = sysroot_openat(sr, dir, O_PATH | O_DIRECTORY, 0), rc = 0;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (unlinkat(fd, name, 0) < 0 && errno != ENOENT)
		rc = -errno;
	close(fd);
	return rc;
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
	snprintf(label, sizeof(label), "confirm-once:%s", o->run);
	if ((rc = journal_begin(&j, label, sr->path)) == 0) {
		rc = plan_execute(&p, &ctx, &j, &po, &res);
		journal_end(&j, rc);
		if (rc < 0)
			cli_error("confirm: cannot write '%s': %s", res.failed_path ? res.failed_path : "?", strerror(-rc));
		exec_result_free(&res);
	}
	journal_close(&j);
	if (rc == 0) {
		/* Its job is done; left in place, the next update-grub would keep offering the entry. */
		rc = remove_in_root(sr, "/etc/grub.d", strrchr(HOST_GRUB_ONCE, '/') + 1);
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
	int rc = once_load(sr, &o);

	if (rc == -ENOENT)
		return -1;
	if (rc < 0) {
		cli_error("confirm: cannot read '%s': %s", ONCE_PENDING, strerror(-rc));
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
		rc = remove_in_root(sr, JOURNAL_DIR, strrchr(ONCE_PENDING, '/') + 1) < 0 ? EXIT_ERROR : EXIT_READY;
	}
	free(missing);
	free(o.params);
	return rc;
}
