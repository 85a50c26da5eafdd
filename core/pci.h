/* Read-only facts about PCI devices and tickready's bind state: used by the host model and by apply. */
#pragma once
#include <stddef.h>

#include "sysroot.h"

#define PCI_DEVICES "/sys/bus/pci/devices"
#define PCI_DRIVERS "/sys/bus/pci/drivers"
/* Where tickready remembers a bound device's netdev names (the name disappears with the netdev). */
#define BIND_STATE_DIR "/var/lib/tickready/bound"

/* The device's driver link text into buf ("" when unbound). Returns 0 or -errno. */
int pci_driver_link(const struct sysroot *sr, const char *pci, char *buf, size_t size);
/* driver_override's content into buf ("" when unset or "(null)"). Returns 0 or -errno. */
int pci_driver_override(const struct sysroot *sr, const char *pci, char *buf, size_t size);
/* The netdev names of the device, space-separated, into buf ("" when none). */
void pci_netdev_names(const struct sysroot *sr, const char *pci, char *buf, size_t size);
/* The PCI address of a device tickready bound whose netdev was called name. Returns 0 or -ENOENT. */
int bind_former_pci(const struct sysroot *sr, const char *name, char *pci, size_t size);
