/* PCI Express capability parsing with libpci's register layout (pci/header.h), and libpci's pci.ids lookup (opened when first asked). */
#include "pcie.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "dynlib.h"

static unsigned rd16(const unsigned char *c, size_t off)
{
	return c[off] | (unsigned)c[off + 1] << 8;
}

static uint32_t rd32(const unsigned char *c, size_t off)
{
	return rd16(c, off) | (uint32_t)rd16(c, off + 2) << 16;
}

int pcie_caps_read(const struct sysroot *sr, const char *pci, struct pcie_caps *out)
{
	char path[128], *raw;
	size_t len;
	int rc = -ENODATA, hops = 0;
	unsigned pos;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", pci);
	if ((rc = sysroot_read_alloc(sr, path, 4096, &raw, &len)) < 0)
		return rc;
	const unsigned char *c = (const unsigned char *)raw;

	rc = -ENODATA;
	/* Unprivileged readers see only the first 64 bytes: no capability list. */
	if (len < 64)
		goto out;
	out->vendor = rd16(c, PCI_VENDOR_ID);
	out->device = rd16(c, PCI_DEVICE_ID);
	if (out->vendor == 0xffff || out->vendor == 0) {
		rc = -EINVAL;
		goto out;
	}
	if (!(rd16(c, PCI_STATUS) & PCI_STATUS_CAP_LIST) || len < 256)
		goto out;
	for (pos = c[PCI_CAPABILITY_LIST] & ~3u; pos >= 0x40 && pos + 0x14 <= len && hops < 48; hops++) {
		if (c[pos + PCI_CAP_LIST_ID] == PCI_CAP_ID_EXP) {
			uint32_t devcap = rd32(c, pos + PCI_EXP_DEVCAP), lnkcap = rd32(c, pos + PCI_EXP_LNKCAP);
			unsigned devctl = rd16(c, pos + PCI_EXP_DEVCTL), lnkctl = rd16(c, pos + PCI_EXP_LNKCTL);

			out->mps_max = 128 << (devcap & PCI_EXP_DEVCAP_PAYLOAD);
			out->mps = 128 << ((devctl & PCI_EXP_DEVCTL_PAYLOAD) >> 5);
			out->mrrs = 128 << ((devctl & PCI_EXP_DEVCTL_READRQ) >> 12);
			out->aspm_cap = (lnkcap & PCI_EXP_LNKCAP_ASPM) >> 10;
			out->aspm_ctl = lnkctl & PCI_EXP_LNKCTL_ASPM;
			rc = 0;
			break;
		}
		pos = c[pos + PCI_CAP_LIST_NEXT] & ~3u;
	}
out:
	free(raw);
	return rc;
}

/*
 * libpci, for names alone, opened on first use: linked, it and the libudev it needs cost every run
 * their loading (~0.15 ms of a 5 ms live audit here), and only nic.pcie_caps asks for a name.
 * pciutils 3's soname: the ABI pci/pci.h describes.
 */
#define PCI_FNS(X) X(pci_alloc) X(pci_cleanup) X(pci_lookup_name)
DYNLIB(libpci, "libpci.so.3", PCI_FNS);

static void pci_quiet(char *msg, ...)
{
	(void)msg;
}

const char *pcie_device_name(unsigned vendor, unsigned device, char *buf, size_t size)
{
	struct pci_access *pa = dynlib_open(&libpci) ? libpci_fn.pci_alloc() : NULL;
	char name[256];

	snprintf(buf, size, "%04x:%04x", vendor, device);
	if (!pa)
		return buf;
	/* Names only: no access method is initialised, nothing of the live host is read but pci.ids. */
	pa->numeric_ids = 0;
	/* pci_init would set these; without them a device pci.ids lacks calls a NULL debug hook (SIGSEGV). */
	pa->warning = pa->debug = pci_quiet;
	if (libpci_fn.pci_lookup_name(pa, name, sizeof(name), PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS, vendor,
			    device))
		snprintf(buf, size, "%s", name);
	libpci_fn.pci_cleanup(pa);
	return buf;
}

const char *pcie_aspm_text(unsigned bits, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", bits & 1 ? "L0s" : "", (bits & 3) == 3 ? " " : "", bits & 2 ? "L1" : "");
	if (!(bits & 3))
		snprintf(buf, size, "disabled");
	return buf;
}
