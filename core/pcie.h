/* PCI Express capability fields from a device's config space (sysfs config file, read through the sysroot), names from pci.ids. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "sysroot.h"

struct pcie_caps {
	unsigned vendor, device;
	int mps, mps_max;	/* Max_Payload_Size set and supported, bytes */
	int mrrs;		/* Max_Read_Request_Size, bytes */
	unsigned aspm_ctl;	/* LnkCtl ASPM control: 1 L0s, 2 L1 */
	unsigned aspm_cap;	/* LnkCap ASPM support, same bits */
};

/* 0, -ENOENT (no config file), -ENODATA (no PCI Express capability: config short or not PCIe), -EINVAL (garbage). */
int pcie_caps_read(const struct sysroot *sr, const char *pci, struct pcie_caps *out);
/* "Mellanox Technologies MT28800 Family [ConnectX-5 Ex]" from pci.ids through libpci; "vvvv:dddd" when unknown or libpci is absent. */
const char *pcie_device_name(unsigned vendor, unsigned device, char *buf, size_t size);
/* "L0s L1", "disabled" */
const char *pcie_aspm_text(unsigned bits, char *buf, size_t size);
