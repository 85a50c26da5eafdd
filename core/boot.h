/*
 * Boot-loader formats, one place for each: which tool stages the next boot's command line, and how
 * its files are read and written (GRUB drop-in, the one-time GRUB entry, systemd-boot's
 * /etc/kernel/cmdline, the BLS entries grubby edits).
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"
#include "sysroot.h"
#include "util.h"

/* Where apply stages boot parameters on Debian/Ubuntu; read by host_load for pending-reboot verdicts. */
#define HOST_GRUB_DROPIN "/etc/default/grub.d/99-tickready.cfg"
#define HOST_GRUB_ONCE "/etc/grub.d/42_tickready_once"
/* systemd-boot: kernel-install copies this file into the next kernel's entry. */
#define HOST_KERNEL_CMDLINE "/etc/kernel/cmdline"
/* Boot Loader Specification entries: grubby edits their options lines. */
#define BLS_ENTRIES "/boot/loader/entries"

/*
 * GRUB 2 without drop-ins or BLS entries (RHEL 7: grubby, /etc/default/grub, /boot/grub2/grub.cfg):
 * parameters go into GRUB_CMDLINE_LINUX of this file, and grub2-mkconfig writes them to grub.cfg.
 */
#define HOST_GRUB_DEFAULT "/etc/default/grub"

/*
 * The distribution's boot tooling, detected from files, in this order: grubby with BLS entries, grubby
 * with /etc/default/grub and none (HB_GRUB2), GRUB, systemd-boot.
 */
enum host_boot { HB_NONE, HB_GRUB, HB_SDBOOT, HB_GRUBBY, HB_GRUB2 };
enum host_boot host_boot_tool(const struct sysroot *sr);
/* HB_GRUB2: the grub.cfg grub2-mkconfig writes (EFI's when the host boots that way). */
const char *boot_grub2_cfg(const struct sysroot *sr);
/* HB_GRUB2: GRUB_CMDLINE_LINUX's words of /etc/default/grub (text), quotes removed, "$VAR" dropped. */
void boot_grub2_linux_params(const char *text, struct strbuf *out);
/* text with its GRUB_CMDLINE_LINUX="params" (the first such line replaced, or one appended). */
char *boot_grub2_with_params(const char *text, const char *params);

/*
 * A GRUB drop-in's parameters: every GRUB_CMDLINE_LINUX= / GRUB_CMDLINE_LINUX_DEFAULT= line (leading
 * blanks allowed, comments skipped), quotes removed and "$VAR" references dropped, appended to out.
 */
void boot_grub_dropin_params(const char *text, struct strbuf *out);
/* The drop-in tickready writes: the user's default line kept, params added. */
char *boot_grub_dropin_format(const char *who, const char *params);
/* The one-time entry script's TICKREADY_PARAMS into out; false when it has none. */
bool boot_once_params(const char *text, size_t len, char *out, size_t size);

/*
 * The BLS entry files grubby would edit (every *.conf in BLS_ENTRIES), sorted, NULL-terminated;
 * NULL when there are none. Free with boot_bls_free.
 */
char **boot_bls_entries(const struct sysroot *sr);
void boot_bls_free(char **v);
/* The options line of an entry's text (without "options"), NULL when it has none. */
char *boot_bls_options(const char *text);
/* The entry's text with its options line replaced by options (added when it had none). */
char *boot_bls_with_options(const char *text, const char *options);
/* The options of the entry the next boot of release takes: the entry naming it, else the newest. */
char *boot_bls_staged(const struct sysroot *sr, const char *release);
