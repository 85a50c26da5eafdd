/* pcie_device_name opens libpci on first use: its names are the ones libpci linked in gives, unknown devices too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <pci/pci.h>

#include "pcie.h"

static void quiet(char *msg, ...)
{
	(void)msg;
}

/* What the linked library says, as pcie_device_name asks it. */
static const char *linked_name(unsigned vendor, unsigned device, char *buf, size_t size)
{
	struct pci_access *pa = pci_alloc();
	char name[256];

	snprintf(buf, size, "%04x:%04x", vendor, device);
	pa->numeric_ids = 0;
	pa->warning = pa->debug = quiet;
	if (pci_lookup_name(pa, name, sizeof(name), PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS, vendor,
			    device))
		snprintf(buf, size, "%s", name);
	pci_cleanup(pa);
	return buf;
}

static void test_same_names(void **state)
{
	static const unsigned ids[][2] = {
		{ 0x8086, 0x1572 }, { 0x15b3, 0x1017 }, { 0x1924, 0x0b03 }, { 0x1af4, 0x1041 }, { 0x8086, 0xffff },
		{ 0xfffe, 0x0001 },
	};
	char ours[256], theirs[256];

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		/* Twice: the library is opened once and kept. */
		assert_string_equal(pcie_device_name(ids[i][0], ids[i][1], ours, sizeof(ours)),
				    linked_name(ids[i][0], ids[i][1], theirs, sizeof(theirs)));
		assert_string_equal(pcie_device_name(ids[i][0], ids[i][1], ours, sizeof(ours)), theirs);
	}
	/* A vendor pci.ids knows with a device it does not (once a crash: libpci's NULL debug hook). */
	assert_string_equal(pcie_device_name(0x8086, 0xffff, ours, sizeof(ours)), linked_name(0x8086, 0xffff, theirs, sizeof(theirs)));
	/* An unknown vendor keeps its numbers. */
	assert_string_equal(pcie_device_name(0xfffe, 0x0001, ours, sizeof(ours)), "fffe:0001");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_names),
	};

	return cmocka_run_group_tests_name("pcie_name", tests, NULL, NULL);
}
