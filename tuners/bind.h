/*
 * PCI driver binding: driver_override + unbind + drivers_probe on the live host, and in a tree an
 * emulation of what the kernel does (the driver link moves, the netdev disappears) so that an
 * audit of the tree sees the result and revert can restore it byte for byte.
 */
#pragma once
#include <stddef.h>

#include "pci.h"
#include "sysroot.h"

/* Where a tree keeps the netdev a bind made disappear, until revert puts it back. */
#define BIND_STASH_DIR "/.tickready/unbound"


/* Binds pci to driver. Returns 0, or -errno (-ENODEV: the driver did not take the device). */
int pci_bind(const struct sysroot *sr, const char *pci, const char *driver);
/*
 * Undoes pci_bind: the old driver_override back, the device on the driver old_link named (unbound
 * when old_link is ""), and in a tree the stashed netdev back. Safe to repeat.
 */
int pci_unbind_restore(const struct sysroot *sr, const char *pci, const char *old_link, const char *old_override);
