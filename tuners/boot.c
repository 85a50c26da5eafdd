/*
 * The boot-time tuner: kernel command line parameters, staged through a drop-in the distribution's
 * boot tooling reads (GRUB's /etc/default/grub.d, systemd-boot's /etc/kernel/cmdline, grubby).
 */
#include "tuners.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define KERNEL_CMDLINE HOST_KERNEL_CMDLINE
#define ONCE_ENTRY_ID "tickready-once"

/* The host's detection, under the names this file has always used. */
enum boot_tool { BT_NONE = HB_NONE, BT_GRUB = HB_GRUB, BT_SDBOOT = HB_SDBOOT, BT_GRUBBY = HB_GRUBBY, BT_GRUB2 = HB_GRUB2 };

static enum boot_tool boot_detect(const struct sysroot *sr)
{
	return (enum boot_tool)host_boot_tool(sr);
}

/* The host model's detection, made once in host_load. */
static enum boot_tool host_boot(const struct tune_ctx *ctx)
{
	return (enum boot_tool)ctx->host->boot;
}

static const char *grub_dropin_path(void)
{
	return HOST_GRUB_DROPIN;
}

/* The parameters already staged by tickready: the drop-in's, or the systemd-boot file's. */
static void staged_params(const struct tune_ctx *ctx, enum boot_tool bt, struct cmdline *out)
{
	char *text = NULL;

	cmdline_parse(out, "");
	if (bt == BT_GRUB && tree_read(ctx->sr, grub_dropin_path(), &text, NULL) == 0) {
		struct strbuf sb = { 0 };

		boot_grub_dropin_params(text, &sb);
		cmdline_free(out);
		cmdline_parse(out, sb.s ? sb.s : "");
		strbuf_free(&sb);
	} else if (bt == BT_SDBOOT && tree_read(ctx->sr, KERNEL_CMDLINE, &text, NULL) == 0) {
		cmdline_free(out);
		cmdline_parse(out, text);
	} else if (bt == BT_GRUB2 && tree_read(ctx->sr, HOST_GRUB_DEFAULT, &text, NULL) == 0) {
		struct strbuf sb = { 0 };

		boot_grub2_linux_params(text, &sb);
		cmdline_free(out);
		cmdline_parse(out, sb.s ? sb.s : "");
		strbuf_free(&sb);
	}
	free(text);
}

static void add_param(struct strbuf *sb, const char *key, const char *value)
{
	if (value && *value)
		strbuf_addf(sb, "%s%s=%s", sb->len ? " " : "", key, value);
	else
		strbuf_addf(sb, "%s%s", sb->len ? " " : "", key);
}

/* A parameter the plan does not own goes on byte for byte, its quotes too (acpi_osi="!Windows 2012"). */
static void add_raw(struct strbuf *sb, const struct cmdline_arg *a)
{
	strbuf_addf(sb, "%s%s", sb->len ? " " : "", a->raw);
}

static const struct change *planned_row(const struct plan *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].kind == CK_CMDLINE && !strcmp(p->v[i].target, key))
			return &p->v[i];
	return NULL;
}

static bool planned(const struct plan *p, const char *key)
{
	return planned_row(p, key) != NULL;
}

/* Parameters: the staged ones not replaced, then the plan's rows, in plan order. */
static bool row_goes(const struct tune_ctx *ctx, const struct change *c)
{
	return !c->blocked || (ctx->force && c->force_ok);
}

static char *merged_params(const struct tune_ctx *ctx, const struct plan *p, const struct cmdline *staged,
			   bool skip_base)
{
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < staged->n; i++) {
		const char *k = staged->args[i].key;

		if (planned(p, k) || (skip_base && (!strcmp(k, "BOOT_IMAGE") || !strcmp(k, "initrd"))))
			continue;
		add_raw(&sb, &staged->args[i]);
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].kind == CK_CMDLINE && row_goes(ctx, &p->v[i]))
			add_param(&sb, p->v[i].target, p->v[i].value);
	/* init's arguments stay last, after "--", where init finds them. */
	if (staged->init_tail)
		strbuf_addf(&sb, "%s%s", sb.len ? " " : "", staged->init_tail);
	return strbuf_detach(&sb);
}

/* The one file change that stages every cmdline row; rebuilt as rows are added. */
/*
 * apply --once: a grub.d script that re-runs the distribution's own 10_linux with the parameters
 * added, keeps its first (newest kernel) entry under the id grub-reboot names. The entry is the
 * distribution's, so root=, initrd and the rest stay right: no hand-written entry, no grub> prompt.
 */
static char *once_script(const struct tune_ctx *ctx, const char *params)
{
	struct strbuf q = { 0 };
	char *script;

	shell_dquote(&q, params);
	script = xasprintf("#!/bin/sh\n"
			 "# Written by tickready apply --once (profile %s): a boot entry with the parameters below, booted\n"
			 "# once by `grub-reboot " ONCE_ENTRY_ID "`. After that boot, `tickready confirm` makes them the\n"
			 "# default; `tickready revert` removes this file.\n"
			 "TICKREADY_PARAMS=\"%s\"\n"
			 "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT $TICKREADY_PARAMS\" "
			 "GRUB_DISTRIBUTOR=" ONCE_ENTRY_ID " \\\n"
			 "GRUB_DISABLE_SUBMENU=y GRUB_DISABLE_RECOVERY=true \\\n"
			 "\t\"$(dirname \"$0\")/10_linux\" |\n"
			 "\tawk '/^menuentry /{n++} n==1{print} n==1&&/^}/{n++}' |\n"
			 "\tsed \"s/\\$menuentry_id_option '[^']*'/\\$menuentry_id_option '" ONCE_ENTRY_ID "'/\"\n",
			 ctx->prof->name, q.s ? q.s : "");
	strbuf_free(&q);
	return script;
}

static void stage_file(const struct tune_ctx *ctx, struct plan *p, const char *check, enum boot_tool bt)
{
	const char *path = ctx->once ? HOST_GRUB_ONCE : bt == BT_GRUB ? grub_dropin_path()
						 : bt == BT_GRUB2 ? HOST_GRUB_DEFAULT : KERNEL_CMDLINE;
	struct cmdline staged;
	char *old = NULL, *params, *content;
	struct change *c = NULL;

	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].path && !strcmp(p->v[i].path, path) && (p->v[i].kind == CK_CREATE || p->v[i].kind == CK_WRITE))
			c = &p->v[i];
	staged_params(ctx, bt, &staged);
	if (bt == BT_SDBOOT && !sysroot_exists(ctx->sr, KERNEL_CMDLINE)) {
		/* kernel-install takes the running command line when the file is absent: start from it. */
		cmdline_free(&staged);
		cmdline_parse(&staged, ctx->host->cmdline_raw ? ctx->host->cmdline_raw : "");
	}
	if (ctx->once) {
		/* The entry adds to the default line, which already carries the drop-in's parameters. */
		cmdline_free(&staged);
		cmdline_parse(&staged, "");
	}
	params = merged_params(ctx, p, &staged, bt == BT_SDBOOT);
	cmdline_free(&staged);
	if (ctx->once) {
		free(p->once_params);
		p->once_params = xstrdup(params);
		content = once_script(ctx, params);
	} else if (bt == BT_GRUB) {
		char *who = xasprintf("tickready apply (profile %s)", ctx->prof->name);

		content = boot_grub_dropin_format(who, params);
		free(who);
	} else if (bt == BT_GRUB2) {
		/* The file is the user's: only its GRUB_CMDLINE_LINUX line changes (from the file as it is now). */
		if (tree_read(ctx->sr, path, &old, NULL) < 0)
			old = NULL;
		content = boot_grub2_with_params(old, params);
		free(old);
		old = NULL;
	} else
		content = xasprintf("%s\n", params);
	free(params);
	if (c) {
		free(c->value);
		c->value = content;
		return;
	}
	if (tree_read(ctx->sr, path, &old, NULL) == 0) {
		c = plan_add(p, check, CK_WRITE, path, path, old, content);
	} else {
		tune_parent_dirs(ctx, p, check, path);
		c = plan_add(p, check, CK_CREATE, path, path, NULL, content);
	}
	free(old);
	free(content);
	if (!c)
		return;
	c->boot = true;
	c->mode = ctx->once ? 0755 : 0;
	change_set(&c->shell, "edit %s", path);
}

static void set_bootloader(const struct tune_ctx *ctx, struct plan *p, enum boot_tool bt)
{
	const char *argv[6] = { 0 };
	char image[200];
	int n = 0;

	if (p->boot_tool)
		return;
	if (bt == BT_GRUB) {
		p->boot_tool = xstrdup("grub");
		if (sysroot_exists(ctx->sr, "/usr/sbin/update-grub")) {
			argv[n++] = "update-grub";
		} else {
			argv[n++] = "grub-mkconfig";
			argv[n++] = "-o";
			argv[n++] = "/boot/grub/grub.cfg";
		}
	} else if (bt == BT_GRUB2) {
		p->boot_tool = xstrdup("grub2");
		argv[n++] = "grub2-mkconfig";
		argv[n++] = "-o";
		argv[n++] = boot_grub2_cfg(ctx->sr);
	} else if (bt == BT_SDBOOT) {
		p->boot_tool = xstrdup("systemd-boot");
		snprintf(image, sizeof(image), "/boot/vmlinuz-%s", ctx->host->release);
		argv[n++] = "kernel-install";
		argv[n++] = "add";
		argv[n++] = ctx->host->release;
		argv[n++] = image;
	} else {
		p->boot_tool = xstrdup("grubby");
		return;
	}
	p->bootloader_argv = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		p->bootloader_argv[i] = xstrdup(argv[i]);
	if (ctx->once && bt == BT_GRUB) {
		p->once_argv = xcalloc(3, sizeof(char *));
		p->once_argv[0] = xstrdup("grub-reboot");
		p->once_argv[1] = xstrdup(ONCE_ENTRY_ID);
	}
}

/* grubby edits the boot entries itself: one exec per parameter, undone with the old value or a removal. */
static void add_grubby(const struct tune_ctx *ctx, struct plan *p, struct change *row)
{
	const char *old = cmdline_get(&ctx->host->cmdline, row->target);
	char *args = row->value && *row->value ? xasprintf("--args=%s=%s", row->target, row->value)
					       : xasprintf("--args=%s", row->target);
	char *undo = old ? (*old ? xasprintf("--args=%s=%s", row->target, old) : xasprintf("--args=%s", row->target))
			 : xasprintf("--remove-args=%s", row->target);
	struct change *c = plan_add(p, row->check, CK_EXEC, row->target, NULL, NULL, args + 7);

	if (c) {
		c->boot = true;
		c->live_only = true;
		c->argv_do = argv_pack((const char *const[]){ "grubby", "--update-kernel=ALL", args, NULL });
		c->argv_undo = argv_pack((const char *const[]){ "grubby", "--update-kernel=ALL", undo, NULL });
		c->shell = xasprintf("grubby --update-kernel=ALL %s", args);
		c->blocked = row->blocked ? xstrdup(row->blocked) : NULL;
	}
	free(args);
	free(undo);
}

/*
 * grubby --update-kernel=ALL edits the options line of every BLS entry; a tree has no grubby to run, so
 * the same edit is emulated there (revert restores the files), and the host model reads it back.
 */
static void stage_bls(const struct tune_ctx *ctx, struct plan *p, const char *check)
{
	char **v = boot_bls_entries(ctx->sr);

	for (char **e = v; e && *e; e++) {
		char *text = NULL, *opts, *params, *content;
		struct cmdline now;
		struct change *c = NULL;

		if (tree_read(ctx->sr, *e, &text, NULL) < 0)
			continue;
		opts = boot_bls_options(text);
		cmdline_parse(&now, opts ? opts : "");
		params = merged_params(ctx, p, &now, false);
		content = boot_bls_with_options(text, params);
		for (size_t i = 0; i < p->n && !c; i++)
			if (p->v[i].path && !strcmp(p->v[i].path, *e) && p->v[i].kind == CK_WRITE)
				c = &p->v[i];
		if (c) {
			free(c->value);
			c->value = content;
			content = NULL;
		} else if ((c = plan_add(p, check, CK_WRITE, *e, *e, text, content))) {
			c->boot = true;
			c->tree_only = true;
			change_set(&c->shell, "grubby --update-kernel=ALL (edits %s)", *e);
		}
		free(content);
		free(params);
		free(opts);
		cmdline_free(&now);
		free(text);
	}
	boot_bls_free(v);
}

/* Isolating every online cpu of a node leaves its memory and devices with no cpu to serve them. */
static const char *isolation_bad(const struct tune_ctx *ctx, char *buf, size_t size)
{
	int node = host_bare_node(ctx->host, &ctx->prof->isolated);

	if (node < 0)
		return NULL;
	snprintf(buf, size, "isolates every cpu of node %d", node);
	return buf;
}

/*
 * One parameter: a cmdline row unless the staged (or running) line already has it, staged through
 * the drop-in, or a grubby exec. Returns the row, NULL when nothing is needed or possible.
 */
static struct change *add_cmdline(const struct tune_ctx *ctx, struct plan *p, const char *check, enum boot_tool bt,
				  const char *key, const char *want)
{
	const struct cmdline *now = ctx->host->has_staged ? &ctx->host->staged : &ctx->host->cmdline;
	const char *cur = cmdline_get(now, key);
	const struct change *row = planned_row(p, key);
	struct change *c;

	/* Another check stages the same value (memory.thp's transparent_hugepage=never for memory.thp_boot). */
	if (row && strcmp(row->check, check) && row->value && !strcmp(row->value, want))
		plan_add_covered(p, check, row->check, NULL);
	if (row || (cur && !strcmp(cur, want)))
		return NULL;
	c = plan_add(p, check, CK_CMDLINE, key, NULL, cur, want);
	if (!c)
		return NULL;
	c->boot = true;
	c->display = bt != BT_GRUBBY;
	c->shell = *want ? xasprintf("%s=%s", key, want) : xstrdup(key);
	return c;
}

/* After rows were added: the grubby execs, or the drop-in that carries them, and the boot loader command. */
static void stage_rows(const struct tune_ctx *ctx, struct plan *p, const char *check, enum boot_tool bt,
		       struct change **rows, size_t n)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		if (bt == BT_GRUBBY) {
			rows[i]->display = true;
			add_grubby(ctx, p, rows[i]);
		}
		any |= row_goes(ctx, rows[i]);
	}
	if (!any)
		return;
	set_bootloader(ctx, p, bt);
	if (bt != BT_GRUBBY)
		stage_file(ctx, p, check, bt);
	else if (!ctx->sr->live)
		stage_bls(ctx, p, check);
}

int tune_boot_params(const struct tune_ctx *ctx, struct plan *p, const char *check, const struct boot_param *v,
		     size_t n)
{
	enum boot_tool bt = host_boot(ctx);
	struct change *rows[BOOT_PARAMS_MAX];
	char why[128];
	size_t nrows = 0;

	if (bt == BT_NONE)
		return -ENOENT;
	for (size_t i = 0; i < n && nrows < BOOT_PARAMS_MAX; i++) {
		struct change *c = add_cmdline(ctx, p, check, bt, v[i].key, v[i].value ? v[i].value : "");

		if (!c)
			continue;
		if (v[i].blocked)
			c->blocked = xstrdup(v[i].blocked);
		if (v[i].isolates) {
			tune_guard_cpus(ctx, c);
			if (!c->blocked && isolation_bad(ctx, why, sizeof(why))) {
				c->blocked = xstrdup(why);
				c->force_ok = true;
			}
		}
		rows[nrows++] = c;
	}
	stage_rows(ctx, p, check, bt, rows, nrows);
	return nrows > 0;
}

int tune_cmdline(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *key, const char *want,
		 const char *blocked)
{
	struct boot_param b = { .key = key, .value = want, .blocked = blocked };

	return tune_boot_params(ctx, p, check, &b, 1);
}

int plan_boot_params(const struct tune_ctx *ctx, const struct finding *f, struct plan *p, const struct boot_param *v,
		     size_t n)
{
	if (tune_boot_params(ctx, p, f->check->id, v, n) == -ENOENT)
		plan_add_manual(p, f, "no boot loader tool found on this root (/etc/default/grub, /etc/kernel/cmdline, a "
				      "loader.conf or grubby): add the parameters to the kernel command line by hand");
	return 0;
}

int tune_promote_once(const struct tune_ctx *ctx, struct plan *p, const char *params)
{
	struct cmdline staged, add;
	struct strbuf sb = { 0 };
	char *old = NULL, *content;
	struct change *c;

	staged_params(ctx, BT_GRUB, &staged);
	cmdline_parse(&add, params);
	/* The drop-in's own parameters not replaced, then the one-time entry's. */
	for (size_t i = 0; i < staged.n; i++)
		if (!cmdline_has(&add, staged.args[i].key))
			add_raw(&sb, &staged.args[i]);
	for (size_t i = 0; i < add.n; i++)
		add_raw(&sb, &add.args[i]);
	cmdline_free(&staged);
	cmdline_free(&add);
	content = boot_grub_dropin_format("tickready confirm (after the one-time boot of apply --once)", sb.s ? sb.s : "");
	strbuf_free(&sb);
	if (tree_read(ctx->sr, grub_dropin_path(), &old, NULL) == 0) {
		c = plan_add(p, "boot", CK_WRITE, grub_dropin_path(), grub_dropin_path(), old, content);
	} else {
		tune_parent_dirs(ctx, p, "boot", grub_dropin_path());
		c = plan_add(p, "boot", CK_CREATE, grub_dropin_path(), grub_dropin_path(), NULL, content);
	}
	if (c)
		c->boot = true;
	free(old);
	free(content);
	p->reboot_required = true;
	set_bootloader(ctx, p, BT_GRUB);
	return c ? 0 : -ENOMEM;
}

void tune_regen_command(const struct sysroot *sr, struct plan *p)
{
	struct host h;
	struct tune_ctx ctx = { .sr = sr, .host = &h };
	enum boot_tool bt = boot_detect(sr);

	memset(&h, 0, sizeof(h));
	if (sysroot_read_str(sr, "/proc/sys/kernel/osrelease", h.release, sizeof(h.release)) < 0)
		h.release[0] = '\0';
	if (bt != BT_NONE)
		set_bootloader(&ctx, p, bt);
}
