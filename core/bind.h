/*
 * PCI driver binding: driver_override + unbind + drivers_probe on the live host, and in a tree an
 * emulation of what the kernel does (the driver link moves, the netdev disappears) so that an
 * audit of the tree sees the result and revert can restore it byte for byte.
 */
#pragma once
#include <stddef.h>

#include "sysroot.h"

/* Where tickready remembers a bound device's netdev names (the name disappears with the netdev). */
#define BIND_STATE_DIR "/var/lib/tickready/bound"
/* Where a tree keeps the netdev a bind made disappear, until revert puts it back. */
#define BIND_STASH_DIR "/.tickready/unbound"

/* The device's driver link text into buf ("" when unbound). Returns 0 or -errno. */
int pci_driver_link(const struct sysroot *sr, const char *pci, char *buf, size_t size);
/* driver_override's content into buf ("" when unset or "(null)"). Returns 0 or -errno. */
int pci_driver_override(const struct sysroot *sr, const char *pci, char *buf, size_t size);
/* The netdev names of the device, space-separated, into buf ("" when none). */
void pci_netdev_names(const struct sysroot *sr, const char *pci, char *buf, size_t size);

/* Binds pci to driver. Returns 0, or -errno (-ENODEV: the driver did not take the device). */
int pci_bind(const struct sysroot *sr, const char *pci, const char *driver);
/*
 * Undoes pci_bind: the old driver_override back, the device on the driver old_link named (unbound
 * when old_link is ""), and in a tree the stashed netdev back. Safe to repeat.
 */
int pci_unbind_restore(const struct sysroot *sr, const char *pci, const char *old_link, const char *old_override);
/* The PCI address of a device tickready bound whose netdev was called name. Returns 0 or -ENOENT. */
int bind_former_pci(const struct sysroot *sr, const char *name, char *pci, size_t size);
