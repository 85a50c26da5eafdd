/* host_boot_tool's order, and which file host_load takes as the staged command line (GRUB drop-in, systemd-boot). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"

#define LOADER "/boot/loader/loader.conf"
#define RUNNING "BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=UUID=1b7c ro quiet\n"
#define DROPIN "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT skew_tick=1\"\n"

static enum host_boot tool(struct fx *fx)
{
	struct sysroot sr;
	enum host_boot bt;

	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	bt = host_boot_tool(&sr);
	sysroot_close(&sr);
	return bt;
}

/* Loads the host into fx (freed by the next fx_check or fx_done). */
static const struct host *load(struct fx *fx)
{
	fx_check(fx, "kernel.skew_tick");
	return &fx->host;
}

/* The same order as the boot tuner: grubby (with BLS entries, or RHEL 7's GRUB 2), then /etc/default/grub, then systemd-boot. */
static void test_order(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(tool(fx), HB_NONE);
	fx_write(fx, "/etc/kernel/cmdline", "root=UUID=1b7c ro\n");
	assert_int_equal(tool(fx), HB_SDBOOT);
	fx_remove(fx, "/etc/kernel/cmdline");
	fx_write(fx, "/efi/loader/loader.conf", "timeout 3\n");
	assert_int_equal(tool(fx), HB_SDBOOT);
	fx_remove(fx, "/efi");
	fx_write(fx, "/boot/efi/loader/loader.conf", "timeout 3\n");
	assert_int_equal(tool(fx), HB_SDBOOT);
	fx_write(fx, "/etc/default/grub", "GRUB_DEFAULT=0\n");
	assert_int_equal(tool(fx), HB_GRUB);
	fx_write(fx, "/usr/sbin/grubby", "");
	assert_int_equal(tool(fx), HB_GRUB2);
	fx_write(fx, "/boot/loader/entries/0123abcd-6.1.0-28-amd64.conf", "title Linux\noptions root=UUID=1b7c ro\n");
	assert_int_equal(tool(fx), HB_GRUBBY);
	fx_remove(fx, "/etc/default/grub");
	fx_remove(fx, "/boot/loader/entries/0123abcd-6.1.0-28-amd64.conf");
	assert_int_equal(tool(fx), HB_GRUBBY);
}

/* RHEL 7 (grubby, no BLS entries): the next boot's line is the running one with GRUB_CMDLINE_LINUX's words after it. */
static void test_grub2_staged(void **state)
{
	struct fx *fx = *state;
	const struct host *h;

	fx_write(fx, "/usr/sbin/grubby", "");
	fx_write(fx, "/etc/default/grub", "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"crashkernel=auto rhgb quiet isolcpus=2-3\"\n"
					  "#GRUB_CMDLINE_LINUX=\"mitigations=off\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT\"\n");
	h = load(fx);
	assert_int_equal(h->boot, HB_GRUB2);
	assert_true(h->has_staged);
	assert_string_equal(cmdline_get(&h->staged, "isolcpus"), "2-3");
	assert_string_equal(cmdline_get(&h->staged, "crashkernel"), "auto");
	assert_string_equal(cmdline_get(&h->staged, "mitigations"), "auto");	/* the commented line is not read */
}

/* systemd-boot: /etc/kernel/cmdline is the next entry's whole line, taken verbatim. */
static void test_sdboot_staged(void **state)
{
	struct fx *fx = *state;
	const struct host *h;

	fx_write(fx, "/proc/cmdline", RUNNING);
	fx_write(fx, LOADER, "timeout 3\n");
	h = load(fx);
	assert_false(h->has_staged);
	fx_write(fx, "/etc/kernel/cmdline", "root=UUID=1b7c ro quiet skew_tick=1 nohz_full=2-3\n");
	h = load(fx);
	assert_true(h->has_staged);
	assert_string_equal(cmdline_get(&h->staged, "skew_tick"), "1");
	assert_string_equal(cmdline_get(&h->staged, "nohz_full"), "2-3");
	assert_null(cmdline_get(&h->staged, "BOOT_IMAGE"));
	assert_true(fx->f.pending_reboot);
	/* A parameter dropped from the file is not staged, even though the running kernel has it. */
	fx_write(fx, "/proc/cmdline", RUNNING "nosoftlockup\n");
	fx_write(fx, "/etc/kernel/cmdline", "root=UUID=1b7c ro quiet\n");
	h = load(fx);
	assert_true(h->has_staged);
	assert_false(cmdline_has(&h->staged, "nosoftlockup"));
	assert_false(fx->f.pending_reboot);
}

/* GRUB or grubby boots the host: a stray /etc/kernel/cmdline stages nothing. */
static void test_sdboot_file_ignored(void **state)
{
	struct fx *fx = *state;

	fx_write(fx, "/proc/cmdline", RUNNING);
	fx_write(fx, LOADER, "timeout 3\n");
	fx_write(fx, "/etc/kernel/cmdline", "root=UUID=1b7c ro quiet skew_tick=1\n");
	fx_write(fx, "/etc/default/grub", "GRUB_DEFAULT=0\n");
	assert_false(load(fx)->has_staged);
	assert_false(fx->f.pending_reboot);
	fx_remove(fx, "/etc/default/grub");
	fx_write(fx, "/sbin/grubby", "");
	assert_false(load(fx)->has_staged);
	assert_false(fx->f.pending_reboot);
}

/* The GRUB drop-in, when present, is what apply staged: it wins over /etc/kernel/cmdline. */
static void test_dropin_first(void **state)
{
	struct fx *fx = *state;
	const struct host *h;

	fx_write(fx, "/proc/cmdline", RUNNING);
	fx_write(fx, LOADER, "timeout 3\n");
	fx_write(fx, "/etc/kernel/cmdline", "root=UUID=1b7c ro quiet nohz_full=2-3\n");
	fx_write(fx, HOST_GRUB_DROPIN, DROPIN);
	h = load(fx);
	assert_true(h->has_staged);
	assert_string_equal(cmdline_get(&h->staged, "skew_tick"), "1");
	assert_null(cmdline_get(&h->staged, "mitigations"));
}


static char *host_grub_dropin_params(const char *text)
{
	struct strbuf sb = { 0 };

	boot_grub_dropin_params(text, &sb);
	return sb.s ? strbuf_detach(&sb) : xstrdup("");
}

/* Drop-in lines may be indented; comments, other variables and "$VAR" references stay out. */
static void test_dropin_indented(void **state)
{
	char *p;

	(void)state;
	p = host_grub_dropin_params("# tickready\n  GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT isolcpus=2-7\"\n"
				    "\t# GRUB_CMDLINE_LINUX=\"quiet\"\nGRUB_TIMEOUT=\"5\"\n");
	assert_string_equal(p, "isolcpus=2-7");
	free(p);
	p = host_grub_dropin_params("\tGRUB_CMDLINE_LINUX=\"nohz_full=2-7\"\n");
	assert_string_equal(p, "nohz_full=2-7");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup_base, fx_teardown)
		T(test_order),
		T(test_sdboot_staged),
		T(test_grub2_staged),
		T(test_sdboot_file_ignored),
		T(test_dropin_first),
		cmocka_unit_test(test_dropin_indented),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
