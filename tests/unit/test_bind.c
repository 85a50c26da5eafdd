/* PCI driver binding: the live write sequence (run against plain files) and the tree emulation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bind.h"
#include "checktest.h"

#define DEV "/sys/devices/pci0000:00/0000:3b:00.0"
#define PCI "0000:3b:00.0"

static char *file(struct fx *fx, const char *path, char *buf, size_t size)
{
	FILE *f = fopen(fx_path(fx, path), "r");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static void open_root(struct fx *fx, struct sysroot *sr)
{
	assert_int_equal(sysroot_open(sr, fx->dir), 0);
}

/* sysfs stand-ins: regular files take the writes, so the sequence can be read back. */
static void live_setup(struct fx *fx, struct sysroot *sr, const char *driver)
{
	fx_symlink(fx, driver, DEV "/driver");
	fx_write(fx, DEV "/driver_override", "");
	fx_write(fx, "/sys/bus/pci/drivers/ixgbe/unbind", "");
	fx_write(fx, "/sys/bus/pci/drivers/ixgbe/bind", "");
	fx_write(fx, "/sys/bus/pci/drivers/vfio-pci/unbind", "");
	fx_write(fx, "/sys/bus/pci/drivers/vfio-pci/bind", "");
	fx_write(fx, "/sys/bus/pci/drivers_probe", "");
	open_root(fx, sr);
	sr->live = true;	/* the live branch, on files that only record */
}

static void test_live_bind_sequence(void **state)
{
	struct fx *fx = *state;
	struct sysroot sr;
	char buf[128];

	live_setup(fx, &sr, "/sys/bus/pci/drivers/ixgbe");
	/* The stand-in link never moves: the kernel "refused" the device, which must be an error. */
	assert_int_equal(pci_bind(&sr, PCI, "vfio-pci"), -ENODEV);
	assert_string_equal(file(fx, DEV "/driver_override", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(file(fx, "/sys/bus/pci/drivers/ixgbe/unbind", buf, sizeof(buf)), PCI);
	assert_string_equal(file(fx, "/sys/bus/pci/drivers_probe", buf, sizeof(buf)), PCI);
	sysroot_close(&sr);
}

static void test_live_bind_already_bound(void **state)
{
	struct fx *fx = *state;
	struct sysroot sr;
	char buf[128];

	live_setup(fx, &sr, "/sys/bus/pci/drivers/vfio-pci");
	assert_int_equal(pci_bind(&sr, PCI, "vfio-pci"), 0);
	/* Nothing unbound or probed when the device is on the wanted driver. */
	assert_string_equal(file(fx, "/sys/bus/pci/drivers/vfio-pci/unbind", buf, sizeof(buf)), "");
	assert_string_equal(file(fx, "/sys/bus/pci/drivers_probe", buf, sizeof(buf)), "");
	sysroot_close(&sr);
}

static void test_live_restore_sequence(void **state)
{
	struct fx *fx = *state;
	struct sysroot sr;
	char buf[128];

	live_setup(fx, &sr, "/sys/bus/pci/drivers/vfio-pci");
	assert_int_equal(pci_unbind_restore(&sr, PCI, "../../../bus/pci/drivers/ixgbe", ""), -ENODEV);
	/* Override cleared, off vfio-pci, offered to its old driver, then to any. */
	assert_string_equal(file(fx, DEV "/driver_override", buf, sizeof(buf)), "\n");
	assert_string_equal(file(fx, "/sys/bus/pci/drivers/vfio-pci/unbind", buf, sizeof(buf)), PCI);
	assert_string_equal(file(fx, "/sys/bus/pci/drivers/ixgbe/bind", buf, sizeof(buf)), PCI);
	assert_string_equal(file(fx, "/sys/bus/pci/drivers_probe", buf, sizeof(buf)), PCI);
	sysroot_close(&sr);
}

static void test_live_restore_old_override(void **state)
{
	struct fx *fx = *state;
	struct sysroot sr;
	char buf[128];

	live_setup(fx, &sr, "/sys/bus/pci/drivers/ixgbe");
	assert_int_equal(pci_unbind_restore(&sr, PCI, "/sys/bus/pci/drivers/ixgbe", "ixgbe"), 0);
	assert_string_equal(file(fx, DEV "/driver_override", buf, sizeof(buf)), "ixgbe");
	assert_string_equal(file(fx, "/sys/bus/pci/drivers/ixgbe/unbind", buf, sizeof(buf)), "");
	sysroot_close(&sr);
}

static void test_tree_bind_and_restore(void **state)
{
	struct fx *fx = *state;
	struct sysroot sr;
	char link[256], names[64], pci[32];

	fx_symlink(fx, "../../../bus/pci/drivers/ixgbe", DEV "/driver");
	open_root(fx, &sr);
	pci_netdev_names(&sr, PCI, names, sizeof(names));
	assert_string_equal(names, "ens1f0");
	assert_int_equal(pci_bind(&sr, PCI, "vfio-pci"), 0);
	assert_int_equal(pci_driver_link(&sr, PCI, link, sizeof(link)), 0);
	assert_string_equal(link, "../../../bus/pci/drivers/vfio-pci");
	assert_false(sysroot_exists(&sr, "/sys/class/net/ens1f0"));
	pci_netdev_names(&sr, PCI, names, sizeof(names));
	assert_string_equal(names, "");
	/* Twice is harmless: the stash is already there, nothing left to move. */
	assert_int_equal(pci_unbind_restore(&sr, PCI, "../../../bus/pci/drivers/ixgbe", ""), 0);
	assert_int_equal(pci_unbind_restore(&sr, PCI, "../../../bus/pci/drivers/ixgbe", ""), 0);
	assert_true(sysroot_exists(&sr, "/sys/class/net/ens1f0"));
	assert_false(sysroot_exists(&sr, DEV "/.tickready-unbound"));
	assert_int_equal(pci_driver_link(&sr, PCI, link, sizeof(link)), 0);
	assert_string_equal(link, "../../../bus/pci/drivers/ixgbe");
	assert_int_equal(bind_former_pci(&sr, "ens1f0", pci, sizeof(pci)), -ENOENT);
	sysroot_close(&sr);
}

static void test_former_name(void **state)
{
	struct fx *fx = *state;
	struct sysroot sr;
	char pci[32];

	fx_write(fx, BIND_STATE_DIR "/0000:3b:00.0", "ens1f0 ens1f0d1");
	open_root(fx, &sr);
	assert_int_equal(bind_former_pci(&sr, "ens1f0d1", pci, sizeof(pci)), 0);
	assert_string_equal(pci, PCI);
	assert_int_equal(bind_former_pci(&sr, "ens1f", pci, sizeof(pci)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_live_bind_sequence, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_live_bind_already_bound, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_live_restore_sequence, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_live_restore_old_override, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tree_bind_and_restore, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_former_name, fx_setup_base, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
