/* The packet path a trading host runs ([nic] stack): its table, and auto-detection from drivers, modules, device nodes and libraries. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "host.h"

/* X(enum, name, what, keeps the kernel driver, needs hugepages, needs RDMA core) */
#define NIC_STACKS(X) \
	X(STACK_DPDK, "dpdk", "DPDK poll-mode driver on vfio-pci or uio", false, true, false) \
	X(STACK_DPDK_BIFURCATED, "dpdk-bifurcated", "DPDK on the kernel driver (mlx5 bifurcated)", true, true, true) \
	X(STACK_AF_XDP, "af_xdp", "AF_XDP sockets on an XDP-capable kernel driver", true, false, false) \
	X(STACK_ONLOAD, "onload", "OpenOnload on an sfc (Solarflare/AMD) NIC", true, true, false) \
	X(STACK_EF_VI, "ef_vi", "ef_vi on an sfc (Solarflare/AMD) NIC", true, true, false) \
	X(STACK_TCPDIRECT, "tcpdirect", "TCPDirect on an sfc (Solarflare/AMD) NIC", true, true, false) \
	X(STACK_VMA, "vma", "NVIDIA VMA / XLIO on an mlx5 NIC", true, true, true) \
	X(STACK_RDMA, "rdma", "RDMA verbs: InfiniBand or RoCE", true, false, true) \
	X(STACK_NETMAP, "netmap", "netmap on a netmap-capable kernel driver", true, false, false) \
	X(STACK_PF_RING, "pf_ring", "PF_RING (ZC) on a PF_RING driver", true, false, false) \
	X(STACK_KERNEL, "kernel", "kernel sockets (busy polling, no bypass)", true, false, false)

enum nic_stack {
#define X(e, n, w, k, h, r) e,
	NIC_STACKS(X)
#undef X
	STACK_COUNT
};

struct stack_info {
	const char *name, *what;
	bool kernel_driver;	/* the NIC stays on its kernel driver: no vfio-pci, no IOMMU demanded */
	bool hugepages;		/* the stack's packet memory lives in hugepages */
	bool rdma_core;		/* needs the RDMA core (ib_uverbs, /dev/infiniband) */
};
const struct stack_info *stack_info(enum nic_stack s);
/* -1 when unknown; "auto" is not a stack. */
int stack_from_name(const char *name);
/* The choices for [nic] stack, '|'-separated, auto first. */
#define STACK_CHOICES "auto|dpdk|dpdk-bifurcated|af_xdp|onload|ef_vi|tcpdirect|vma|rdma|netmap|pf_ring|kernel"

/* The driver families a stack is tied to. */
bool stack_mlx_driver(const char *driver);	/* mlx5_core, mlx4_core */
bool stack_sfc_driver(const char *driver);	/* sfc, sfc_ef100, sfc_falcon, xilinx_efct (X3) */

/* Is a shared library named prefix* in the usual library directories? The file found into path. */
bool stack_has_library(const struct sysroot *sr, const char *prefix, char *path, size_t size);
bool stack_has_module(const struct sysroot *sr, const char *module);
/* The RDMA device (/sys/class/infiniband/NAME) on the NIC's PCI function, or the first one (n NULL). */
bool stack_rdma_device(const struct sysroot *sr, const struct nic *n, char *name, size_t size);

/*
 * Detects the stack for NIC n (NULL: none chosen) and what the profile's driver asks for (NULL: nothing).
 * why says what decided it ("mlx5_core on 0000:3b:00.0 and librte_net_mlx5 in /usr/lib/...").
 */
enum nic_stack stack_detect(const struct sysroot *sr, const struct nic *n, const char *driver_wanted, char *why,
			    size_t size);
