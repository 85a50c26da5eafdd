/* PCI driver binding, live (driver_override, unbind, drivers_probe) and emulated in a tree. */
#include "bind.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pci.h"
#include "util.h"

/* Inside the device directory, so a tree's stash travels with the device and nothing else lists it. */
#define STASH ".tickready-unbound"

static int dir_fd(const struct sysroot *sr, const char *path)
{
	return sysroot_openat(sr, path, O_PATH | O_DIRECTORY, 0);
}

static const char *base(const char *link)
{
	const char *s = strrchr(link, '/');

	return s ? s + 1 : link;
}




/* Writes pci into a bus file (unbind, bind, drivers_probe). */
static int poke(const struct sysroot *sr, const char *path, const char *pci)
{
	return sysroot_write(sr, path, pci);
}

static bool bound_to(const struct sysroot *sr, const char *pci, const char *driver)
{
	char link[PATH_MAX];

	return pci_driver_link(sr, pci, link, sizeof(link)) == 0 && !strcmp(base(link), driver);
}

static int live_bind(const struct sysroot *sr, const char *pci, const char *driver)
{
	char path[160], link[PATH_MAX];
	int rc;

	/* The override makes drivers_probe pick this driver, and only it: no other driver grabs the device. */
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", pci);
	if ((rc = sysroot_write(sr, path, driver)) < 0)
		return rc;
	if ((rc = pci_driver_link(sr, pci, link, sizeof(link))) < 0)
		return rc;
	if (link[0] && strcmp(base(link), driver)) {
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", pci);
		if ((rc = poke(sr, path, pci)) < 0)
			return rc;
	}
	if (!bound_to(sr, pci, driver) && (rc = poke(sr, PCI_DRIVERS "_probe", pci)) < 0 &&
	    !bound_to(sr, pci, driver))
		return rc;
	return bound_to(sr, pci, driver) ? 0 : -ENODEV;
}

/* Moves name from one directory to another; a missing source is fine (already moved). */
static int move(int from, const char *name, int to, const char *to_name)
{
	if (renameat(from, name, to, to_name) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int set_link(int devfd, const char *target)
{
	if (unlinkat(devfd, "driver", 0) < 0 && errno != ENOENT)
		return -errno;
	if (target[0] && symlinkat(target, devfd, "driver") < 0)
		return -errno;
	return 0;
}

/* A tree: the netdev (device net/ and its /sys/class/net link) goes to the stash, the driver link moves. */
static int tree_bind(const struct sysroot *sr, const char *pci, const char *driver)
{
	char path[160], link[PATH_MAX], next[PATH_MAX + 64], names[512];
	int devfd, stashfd = -1, classfd = -1, rc;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s", pci);
	if ((devfd = dir_fd(sr, path)) < 0)
		return devfd;
	if ((rc = pci_driver_link(sr, pci, link, sizeof(link))) < 0)
		goto out;
	if (link[0])
		snprintf(next, sizeof(next), "%.*s%s", (int)(base(link) - link), link, driver);
	else
		snprintf(next, sizeof(next), PCI_DRIVERS "/%s", driver);
	pci_netdev_names(sr, pci, names, sizeof(names));
	if (names[0]) {
		if ((mkdirat(devfd, STASH, 0755) < 0 && errno != EEXIST) ||
		    (stashfd = openat(devfd, STASH, O_PATH | O_DIRECTORY | O_NOFOLLOW)) < 0) {
			rc = -errno;
			goto out;
		}
		if ((rc = move(devfd, "net", stashfd, "net")) < 0)
			goto out;
		classfd = dir_fd(sr, "/sys/class/net");
		for (char *save = NULL, *n = strtok_r(names, " ", &save); n && classfd >= 0; n = strtok_r(NULL, " ", &save)) {
			char stashed[96];

			snprintf(stashed, sizeof(stashed), "class-%s", n);
			if ((rc = move(classfd, n, stashfd, stashed)) < 0)
				goto out;
		}
	}
	rc = set_link(devfd, next);
out:
	if (classfd >= 0)
		close(classfd);
	if (stashfd >= 0)
		close(stashfd);
	close(devfd);
	return rc;
}

int pci_bind(const struct sysroot *sr, const char *pci, const char *driver)
{
	return sr->live ? live_bind(sr, pci, driver) : tree_bind(sr, pci, driver);
}

static int live_restore(const struct sysroot *sr, const char *pci, const char *old_link, const char *old_override)
{
	char path[160], link[PATH_MAX];
	const char *old = old_link[0] ? base(old_link) : NULL;
	int rc;

	/* An empty write clears driver_override; the old driver may then match again. */
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", pci);
	if ((rc = sysroot_write(sr, path, old_override[0] ? old_override : "\n")) < 0 && rc != -ENOENT)
		return rc;
	if ((rc = pci_driver_link(sr, pci, link, sizeof(link))) < 0)
		return rc;
	if (link[0] && (!old || strcmp(base(link), old))) {
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", pci);
		if ((rc = poke(sr, path, pci)) < 0)
			return rc;
	}
	if (!old || bound_to(sr, pci, old))
		return 0;
	snprintf(path, sizeof(path), PCI_DRIVERS "/%s/bind", old);
	/* The old driver's bind file first; if the device is still loose, let the kernel match it. */
	poke(sr, path, pci);
	if (!bound_to(sr, pci, old))
		poke(sr, PCI_DRIVERS "_probe", pci);
	return bound_to(sr, pci, old) ? 0 : -ENODEV;
}

static int tree_restore(const struct sysroot *sr, const char *pci, const char *old_link)
{
	char path[160];
	struct dirlist dl;
	int devfd, stashfd, classfd, rc;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s", pci);
	if ((devfd = dir_fd(sr, path)) < 0)
		return devfd;
	if ((rc = set_link(devfd, old_link)) < 0)
		goto out;
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/" STASH, pci);
	if (sysroot_list(sr, path, &dl) < 0)
		goto out;	/* nothing stashed, or already put back */
	stashfd = openat(devfd, STASH, O_PATH | O_DIRECTORY | O_NOFOLLOW);
	classfd = dir_fd(sr, "/sys/class/net");
	for (size_t i = 0; i < dl.n && stashfd >= 0 && !rc; i++) {
		if (!strcmp(dl.names[i], "net"))
			rc = move(stashfd, "net", devfd, "net");
		else if (!strncmp(dl.names[i], "class-", 6) && classfd >= 0)
			rc = move(stashfd, dl.names[i], classfd, dl.names[i] + 6);
	}
	dirlist_free(&dl);
	if (classfd >= 0)
		close(classfd);
	if (stashfd >= 0)
		close(stashfd);
	if (!rc && unlinkat(devfd, STASH, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = -errno;
out:
	close(devfd);
	return rc;
}

int pci_unbind_restore(const struct sysroot *sr, const char *pci, const char *old_link, const char *old_override)
{
	return sr->live ? live_restore(sr, pci, old_link, old_override) : tree_restore(sr, pci, old_link);
}

