/* Cloud instances: provider, instance type, metal or virtual, from DMI and the hypervisor's CPUID leaf. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

enum cloud_kind { CLOUD_KIND_UNKNOWN, CLOUD_KIND_METAL, CLOUD_KIND_VIRTUAL };

struct host_cloud {
	const char *provider;	/* "aws", "azure", "gcp"; NULL when DMI names no cloud */
	char instance_type[64];	/* AWS: DMI product_name ("c6in.32xlarge"); "" when DMI does not say */
	enum cloud_kind kind;
	const char *kind_source;	/* what decided kind: "instance type", "cpuid", "cpu flags" or "unknown" */
	char sys_vendor[64], product_name[64], bios_vendor[64];	/* DMI, printable; "" when unreadable */
	char hypervisor[16];	/* CPUID 0x40000000 vendor signature, printable ("KVMKVMKVM"); "" when none or not read */
};

/* What a NIC is to its cloud: the instance NICs tickready must never bind, and the ones DPDK uses. */
enum cloud_nic {
	CLOUD_NIC_NONE,
	CLOUD_NIC_NETVSC,	/* Hyper-V/Azure synthetic NIC: hv_netvsc on VMBus, no PCI function */
	CLOUD_NIC_AZURE_VF,	/* Azure accelerated networking's VF (MANA 1414:00ba, or mlx4/mlx5) under a netvsc NIC */
	CLOUD_NIC_GVNIC,	/* GCP's gVNIC (1ae0:0042, gve) */
	CLOUD_NIC_GCP_VIRTIO,	/* virtio-net on a GCP instance */
};

struct host;
struct nic;
#define DMI_DIR "/sys/class/dmi/id"

/* Fills h->cloud from DMI under h->sr and the host's cpu flags and hypervisor signature (load those first). */
void cloud_load(struct host *h);
/* A cloud's virtual instance: its hypervisor owns C-states, frequency and (most sizes) the IOMMU. */
bool cloud_virtual(const struct host *h);
/* "AWS c6in.32xlarge (virtual, hypervisor KVMKVMKVM)" for messages; "" when no cloud. */
const char *cloud_label(const struct host *h, char *buf, size_t size);
/* "metal", "virtual", "unknown" */
const char *cloud_kind_name(enum cloud_kind k);
/* Sets each NIC's cloud role (struct nic's cloud_nic, cloud_of) from its driver, PCI ids and netvsc master. */
void cloud_nics(struct host *h);
/* "Azure synthetic NIC (hv_netvsc, VMBus)", "Azure accelerated-networking VF of eth0 (MANA)", ...; "" for none. */
const char *cloud_nic_text(const struct host *h, const struct nic *n, char *buf, size_t size);
/* Why n must never be bound to a user-space driver as the cloud's NIC; NULL when its role does not forbid it. */
const char *cloud_nic_no_bind(const struct host *h, const struct nic *n, char *buf, size_t size);
