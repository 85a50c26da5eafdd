/* What a PCI device is bound to, as the host model and apply's journal read it. */
#include "pci.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

int pci_driver_link(const struct sysroot *sr, const char *pci, char *buf, size_t size)
{
	char path[128];
	int rc;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", pci);
	rc = sysroot_readlink(sr, path, buf, size);
	if (rc == -ENOENT) {
		buf[0] = '\0';
		return 0;
	}
	return rc < 0 ? rc : 0;
}

int pci_driver_override(const struct sysroot *sr, const char *pci, char *buf, size_t size)
{
	char path[128];
	int rc;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", pci);
	rc = sysroot_read_str(sr, path, buf, size);
	if (rc == -ENOENT || (rc == 0 && !strcmp(buf, "(null)"))) {
		buf[0] = '\0';
		return 0;
	}
	return rc;
}

void pci_netdev_names(const struct sysroot *sr, const char *pci, char *buf, size_t size)
{
	struct dirlist dl;
	char path[128];
	size_t len = 0;

	buf[0] = '\0';
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/net", pci);
	if (sysroot_list(sr, path, &dl) < 0)
		return;
	for (size_t i = 0; i < dl.n && len + 1 < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? " " : "", dl.names[i]);
	dirlist_free(&dl);
}

int bind_former_pci(const struct sysroot *sr, const char *name, char *pci, size_t size)
{
	struct dirlist dl;
	int rc = -ENOENT;

	if (sysroot_list(sr, BIND_STATE_DIR, &dl) < 0)
		return -ENOENT;
	for (size_t i = 0; i < dl.n && rc; i++) {
		char path[160], names[512];

		snprintf(path, sizeof(path), BIND_STATE_DIR "/%s", dl.names[i]);
		if (sysroot_read_str(sr, path, names, sizeof(names)) < 0)
			continue;
		for (char *save = NULL, *n = strtok_r(names, " ", &save); n && rc; n = strtok_r(NULL, " ", &save))
			if (!strcmp(n, name) && strlen(dl.names[i]) < size) {
				snprintf(pci, size, "%s", dl.names[i]);
				rc = 0;
			}
	}
	dirlist_free(&dl);
	return rc;
}
