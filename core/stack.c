/* [nic] stack: what each packet path keeps and needs, and which one a host is built for. */
#include "stack.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

static const struct stack_info stacks[STACK_COUNT] = {
#define X(e, n, w, k, h, r) [e] = { n, w, k, h, r },
	NIC_STACKS(X)
#undef X
};

const struct stack_info *stack_info(enum nic_stack s)
{
	return s < STACK_COUNT ? &stacks[s] : &stacks[STACK_KERNEL];
}

int stack_from_name(const char *name)
{
	for (int i = 0; name && i < STACK_COUNT; i++)
		if (!strcmp(stacks[i].name, name))
			return i;
	return -1;
}

bool stack_mlx_driver(const char *driver)
{
	return !strcmp(driver, "mlx5_core") || !strcmp(driver, "mlx4_core") || !strcmp(driver, "mlx4_en");
}

bool stack_sfc_driver(const char *driver)
{
	/* xilinx_efct drives the X3 series (X3522), which Onload, ef_vi and TCPDirect run on too. */
	return !strcmp(driver, "sfc") || !strcmp(driver, "sfc_ef100") || !strcmp(driver, "sfc_falcon") ||
	       !strcmp(driver, "xilinx_efct");
}

/* Where Debian, RHEL and vendor installers (Onload, MLNX_OFED, VMA) put shared libraries. */
static const char *const lib_dirs[] = {
	"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib",
	"/usr/local/lib64", "/usr/local/lib/x86_64-linux-gnu",
};

bool stack_has_library(const struct sysroot *sr, const char *prefix, char *path, size_t size)
{
	size_t plen = strlen(prefix);

	for (size_t d = 0; d < sizeof(lib_dirs) / sizeof(lib_dirs[0]); d++) {
		struct dirlist dl;
		bool found = false;

		if (sysroot_list_prefix(sr, lib_dirs[d], prefix, &dl) < 0)
			continue;
		for (size_t i = 0; i < dl.n && !found; i++)
			if (!strncmp(dl.names[i], prefix, plen) && strstr(dl.names[i] + plen, ".so")) {
				snprintf(path, size, "%s/%s", lib_dirs[d], dl.names[i]);
				found = true;
			}
		dirlist_free(&dl);
		if (found)
			return true;
	}
	return false;
}

bool stack_has_module(const struct sysroot *sr, const char *module)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", module);
	return sysroot_is_dir(sr, path);
}

bool stack_rdma_device(const struct sysroot *sr, const struct nic *n, char *name, size_t size)
{
	struct dirlist dl;
	bool found = false;

	if (sysroot_list(sr, "/sys/class/infiniband", &dl) < 0)
		return false;
	for (size_t i = 0; i < dl.n && !found; i++) {
		char path[160], target[512];

		snprintf(path, sizeof(path), "/sys/class/infiniband/%s/device", dl.names[i]);
		if (n && n->pci[0] && (sysroot_readlink(sr, path, target, sizeof(target)) < 0 || !strstr(target, n->pci)))
			continue;
		snprintf(name, size, "%s", dl.names[i]);
		found = true;
	}
	dirlist_free(&dl);
	return found;
}

static bool userspace_wanted(const char *want)
{
	return want && nic_userspace_driver(want);
}

/* A stack module or device node present on the host, with no particular NIC to tie it to. */
static int host_wide(const struct sysroot *sr, char *why, size_t size)
{
	if (stack_has_module(sr, "onload") || sysroot_exists(sr, "/dev/onload")) {
		snprintf(why, size, "onload module loaded");
		return STACK_ONLOAD;
	}
	if (stack_has_module(sr, "netmap") || sysroot_exists(sr, "/dev/netmap")) {
		snprintf(why, size, "netmap module loaded");
		return STACK_NETMAP;
	}
	if (stack_has_module(sr, "pf_ring") || sysroot_is_dir(sr, "/proc/net/pf_ring")) {
		snprintf(why, size, "pf_ring module loaded");
		return STACK_PF_RING;
	}
	return -1;
}

enum nic_stack stack_detect(const struct sysroot *sr, const struct nic *n, const char *want, char *why, size_t size)
{
	char lib[320], dev[64];
	int s;

	if (n && nic_userspace_driver(n->driver)) {
		snprintf(why, size, "%s bound to %s", n->pci, n->driver);
		return STACK_DPDK;
	}
	/*
	 * An installed library is not use: VMA/XLIO and DPDK's mlx5 driver reach the NIC through its RDMA
	 * device, so that device (the verbs path set up) is the evidence; the library only says which.
	 */
	if (n && stack_mlx_driver(n->driver) && userspace_wanted(want)) {
		snprintf(why, size, "%s on %s and the profile's driver %s (DPDK's mlx5 driver runs on the kernel driver)",
			 n->driver, n->pci, want);
		return STACK_DPDK_BIFURCATED;
	}
	if (n && stack_mlx_driver(n->driver) && stack_rdma_device(sr, n, dev, sizeof(dev))) {
		if (stack_has_library(sr, "libxlio", lib, sizeof(lib)) || stack_has_library(sr, "libvma", lib, sizeof(lib))) {
			snprintf(why, size, "%s on %s with RDMA device %s in use, and %s", n->driver, n->pci, dev, lib);
			return STACK_VMA;
		}
		if (stack_has_library(sr, "librte_net_mlx5", lib, sizeof(lib))) {
			snprintf(why, size, "%s on %s with RDMA device %s in use, and %s (DPDK's mlx5 driver runs on the kernel "
				 "driver)", n->driver, n->pci, dev, lib);
			return STACK_DPDK_BIFURCATED;
		}
		snprintf(why, size, "%s on %s with RDMA device %s", n->driver, n->pci, dev);
		return STACK_RDMA;
	}
	if (n && stack_sfc_driver(n->driver)) {
		if (stack_has_module(sr, "onload") || sysroot_exists(sr, "/dev/onload")) {
			if (stack_has_library(sr, "libonload_zf", lib, sizeof(lib))) {
				snprintf(why, size, "%s on %s, onload module and %s", n->driver, n->pci, lib);
				return STACK_TCPDIRECT;
			}
			snprintf(why, size, "%s on %s and the onload module", n->driver, n->pci);
			return STACK_ONLOAD;
		}
		/* ef_vi needs only the driver package's sfc_char and its library, not onload.ko. */
		if ((stack_has_module(sr, "sfc_char") || sysroot_exists(sr, "/dev/sfc_char")) &&
		    stack_has_library(sr, "libciul", lib, sizeof(lib))) {
			snprintf(why, size, "%s on %s, sfc_char and %s", n->driver, n->pci, lib);
			return STACK_EF_VI;
		}
	}
	if (n && !strncmp(n->driver, "ib_", 3) && stack_rdma_device(sr, NULL, dev, sizeof(dev))) {
		snprintf(why, size, "%s (%s) and RDMA device %s", n->name, n->driver, dev);
		return STACK_RDMA;
	}
	/* The profile asking for a user-space driver outweighs a module no NIC of this profile uses. */
	if (userspace_wanted(want)) {
		snprintf(why, size, "the profile's driver %s", want);
		return STACK_DPDK;
	}
	if ((s = host_wide(sr, why, size)) >= 0)
		return (enum nic_stack)s;
	if (!n && stack_rdma_device(sr, NULL, dev, sizeof(dev))) {
		snprintf(why, size, "RDMA device %s and no bypass NIC", dev);
		return STACK_RDMA;
	}
	/* AF_XDP sockets take packets from an XDP program on the NIC: that program is the evidence, libxdp says which. */
	if (n && n->driver[0] && n->np.xdp_prog > 0 && stack_has_library(sr, "libxdp", lib, sizeof(lib))) {
		snprintf(why, size, "%s on %s with XDP program %ld attached, and %s", n->driver, n->name[0] ? n->name : n->pci,
			 n->np.xdp_prog, lib);
		return STACK_AF_XDP;
	}
	if (n) {
		int len = snprintf(why, size, "%s on %s, no bypass module, user-space driver, RDMA device or XDP program found",
				   n->driver[0] ? n->driver : "no driver", n->name[0] ? n->name : n->pci);
		static const char *const libs[] = { "libxdp", "libxlio", "libvma", "librte_net_mlx5" };

		for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]) && len > 0 && (size_t)len < size; i++)
			if (stack_has_library(sr, libs[i], lib, sizeof(lib)))
				len += snprintf(why + len, size - (size_t)len, "; %s is installed, which alone is not use", lib);
	} else
		snprintf(why, size, "no bypass NIC, module or user-space driver found");
	return STACK_KERNEL;
}
