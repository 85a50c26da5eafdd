/* Boot-loader formats: detection, the GRUB drop-in, the one-time entry, BLS entries. */
#include "boot.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "util.h"

#define SMALL_CAP (1u << 20)

enum host_boot host_boot_tool(const struct sysroot *sr)
{
	if (sysroot_exists(sr, "/usr/sbin/grubby") || sysroot_exists(sr, "/sbin/grubby")) {
		char **bls = boot_bls_entries(sr);

		boot_bls_free(bls);
		/* Before BLS (RHEL 7) grubby edits grub.cfg, which grub2-mkconfig rewrites from /etc/default/grub. */
		if (!bls && sysroot_exists(sr, HOST_GRUB_DEFAULT))
			return HB_GRUB2;
		return HB_GRUBBY;
	}
	if (sysroot_exists(sr, "/etc/default/grub"))
		return HB_GRUB;
	if (sysroot_exists(sr, HOST_KERNEL_CMDLINE) || sysroot_exists(sr, "/boot/loader/loader.conf") ||
	    sysroot_exists(sr, "/efi/loader/loader.conf") || sysroot_exists(sr, "/boot/efi/loader/loader.conf"))
		return HB_SDBOOT;
	return HB_NONE;
}

/* value's words as the kernel splits them, quotes kept, onto out; "$VAR" is the user's line, not a parameter. */
static void add_kernel_words(struct strbuf *out, const char *value)
{
	struct cmdline cl;

	cmdline_parse(&cl, value);
	for (size_t a = 0; a < cl.n; a++)
		if (cl.args[a].raw[0] != '$')
			strbuf_addf(out, "%s%s", out->len ? " " : "", cl.args[a].raw);
	cmdline_free(&cl);
}

void boot_grub_dropin_params(const char *text, struct strbuf *out)
{
	const char *keys[] = { "GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT" };
	size_t len = text ? strlen(text) : 0;

	for (size_t i = 0; i < len;) {
		size_t n = strcspn(text + i, "\n");
		char value[8192];

		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (text[i] != '#' && shell_assigns(text + i, n, keys[k], value, sizeof(value)))
				add_kernel_words(out, value);
		i += n + 1;
	}
}

char *boot_grub_dropin_format(const char *who, const char *params)
{
	struct strbuf sb = { 0 };

	strbuf_addf(&sb, "# Written by %s; `tickready revert` removes it.\n"
			 "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT ", who);
	shell_dquote(&sb, params);
	strbuf_add(&sb, "\"\n");
	return strbuf_detach(&sb);
}

const char *boot_grub2_cfg(const struct sysroot *sr)
{
	return sysroot_exists(sr, "/boot/efi/EFI/redhat/grub.cfg") ? "/boot/efi/EFI/redhat/grub.cfg" : "/boot/grub2/grub.cfg";
}

/* Does the line assign GRUB_CMDLINE_LINUX (not _DEFAULT)? Its value, unquoted, into value. */
static bool grub2_linux_line(const char *line, size_t n, char *value, size_t size)
{
	return line[0] != '#' && shell_assigns(line, n, "GRUB_CMDLINE_LINUX", value, size);
}

void boot_grub2_linux_params(const char *text, struct strbuf *out)
{
	size_t len = text ? strlen(text) : 0;

	for (size_t i = 0; i < len;) {
		size_t n = strcspn(text + i, "\n");
		char value[8192];

		if (grub2_linux_line(text + i, n, value, sizeof(value)))
			add_kernel_words(out, value);
		i += n + 1;
	}
}

char *boot_grub2_with_params(const char *text, const char *params)
{
	struct strbuf sb = { 0 };
	size_t len = text ? strlen(text) : 0;
	bool done = false;

	for (size_t i = 0; i < len;) {
		size_t n = strcspn(text + i, "\n");
		char value[8192];

		if (!done && grub2_linux_line(text + i, n, value, sizeof(value))) {
			strbuf_add(&sb, "GRUB_CMDLINE_LINUX=\"");
			shell_dquote(&sb, params);
			strbuf_add(&sb, "\"\n");
			done = true;
		} else {
			strbuf_addf(&sb, "%.*s\n", (int)n, text + i);
		}
		i += n + 1;
	}
	if (!done) {
		strbuf_add(&sb, "GRUB_CMDLINE_LINUX=\"");
		shell_dquote(&sb, params);
		strbuf_add(&sb, "\"\n");
	}
	return strbuf_detach(&sb);
}

bool boot_once_params(const char *text, size_t len, char *out, size_t size)
{
	return shell_var(text, len, "TICKREADY_PARAMS", out, size) && out[0];
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **boot_bls_entries(const struct sysroot *sr)
{
	struct dirlist dl;
	char **v;
	size_t n = 0;

	if (sysroot_list(sr, BLS_ENTRIES, &dl) < 0)
		return NULL;
	v = xcalloc(dl.n + 1, sizeof(*v));
	for (size_t i = 0; i < dl.n; i++) {
		size_t len = strlen(dl.names[i]);

		if (len > 5 && !strcmp(dl.names[i] + len - 5, ".conf"))
			v[n++] = xasprintf(BLS_ENTRIES "/%s", dl.names[i]);
	}
	dirlist_free(&dl);
	if (!n) {
		free(v);
		return NULL;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	return v;
}

void boot_bls_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* The "options" line of text: start of its value and its length; NULL when absent. */
static const char *options_line(const char *text, size_t *len, const char **line_start, const char **line_end)
{
	for (const char *l = text; l && *l;) {
		const char *e = strchr(l, '\n'), *s = l;

		if (!e)
			e = l + strlen(l);
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if ((size_t)(e - s) >= 7 && !strncmp(s, "options", 7) && (s[7] == ' ' || s[7] == '\t')) {
			s += 8;
			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			*len = (size_t)(e - s);
			*line_start = l;
			*line_end = e;
			return s;
		}
		l = *e ? e + 1 : e;
	}
	return NULL;
}

char *boot_bls_options(const char *text)
{
	const char *ls, *le, *v;
	size_t len;

	v = options_line(text, &len, &ls, &le);
	return v ? xasprintf("%.*s", (int)len, v) : NULL;
}

char *boot_bls_with_options(const char *text, const char *options)
{
	const char *ls, *le;
	size_t len;

	if (!options_line(text, &len, &ls, &le))
		return xasprintf("%s%soptions %s\n", text, *text && text[strlen(text) - 1] != '\n' ? "\n" : "", options);
	return xasprintf("%.*soptions %s%s", (int)(ls - text), text, options, le);
}

char *boot_bls_staged(const struct sysroot *sr, const char *release)
{
	char **v = boot_bls_entries(sr), *pick = NULL, *opts = NULL, *text;

	for (char **p = v; p && *p && !pick; p++)
		if (release && *release && strstr(*p, release))
			pick = *p;
	if (v && !pick)
		for (char **p = v; *p; p++)
			pick = *p;	/* sorted: the last is the newest version */
	if (pick && sysroot_read_alloc(sr, pick, SMALL_CAP, &text, NULL) == 0) {
		opts = boot_bls_options(text);
		free(text);
	}
	boot_bls_free(v);
	return opts;
}
