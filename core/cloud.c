/* Cloud detection: which provider's instance this is, from what the firmware (DMI) and CPUID say. */
#include "cloud.h"

#include <stdio.h>
#include <string.h>

#include "host.h"

static void read_dmi(const struct host *h, const char *name, char *out, size_t size)
{
	char path[96], raw[256];
	size_t j = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), DMI_DIR "/%s", name);
	if (sysroot_read_str(h->sr, path, raw, sizeof(raw)) < 0)
		return;
	/* Firmware strings are any bytes: keep printable ASCII, the rest becomes '?'. */
	for (size_t i = 0; raw[i] && j + 1 < size; i++)
		out[j++] = raw[i] >= 0x20 && raw[i] < 0x7f ? raw[i] : '?';
	out[j] = '\0';
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

void cloud_load(struct host *h)
{
	struct host_cloud *c = &h->cloud;
	char asset[80];

	memset(c, 0, sizeof(*c));
	read_dmi(h, "sys_vendor", c->sys_vendor, sizeof(c->sys_vendor));
	read_dmi(h, "product_name", c->product_name, sizeof(c->product_name));
	read_dmi(h, "bios_vendor", c->bios_vendor, sizeof(c->bios_vendor));
	snprintf(c->hypervisor, sizeof(c->hypervisor), "%s", h->cpu_hypervisor);
	/* Nitro says "Amazon EC2" in sys_vendor and bios_vendor; Xen-era instances only in bios_version. */
	if (!strcmp(c->sys_vendor, "Amazon EC2") || !strcmp(c->bios_vendor, "Amazon EC2")) {
		c->provider = "aws";
		/* product_name is the instance type on Nitro ("c6in.32xlarge", "c7i.metal-24xl"). */
		if (strchr(c->product_name, '.'))
			snprintf(c->instance_type, sizeof(c->instance_type), "%s", c->product_name);
	} else if (starts(c->sys_vendor, "Microsoft Corporation")) {
		/* Hyper-V's fixed chassis asset tag marks Azure among Hyper-V guests. */
		read_dmi(h, "chassis_asset_tag", asset, sizeof(asset));
		if (!strcmp(asset, "7783-7084-3265-9085-8269-3286-77"))
			c->provider = "azure";
	} else if (starts(c->sys_vendor, "Google") && starts(c->product_name, "Google Compute Engine")) {
		c->provider = "gcp";
	}
	if (c->instance_type[0] && strstr(c->instance_type, ".metal")) {
		c->kind = CLOUD_KIND_METAL;
		c->kind_source = "instance type";
	} else if (c->instance_type[0]) {
		c->kind = CLOUD_KIND_VIRTUAL;
		c->kind_source = "instance type";
	} else if (c->hypervisor[0]) {
		c->kind = CLOUD_KIND_VIRTUAL;
		c->kind_source = "cpuid";
	} else if (h->cpu_flags & CPUF_HYPERVISOR) {
		c->kind = CLOUD_KIND_VIRTUAL;
		c->kind_source = "cpu flags";
	} else if (h->cpu_flags) {
		/* A known flag list without "hypervisor": no hypervisor told the kernel it is there. */
		c->kind = CLOUD_KIND_METAL;
		c->kind_source = "cpu flags";
	} else {
		c->kind = CLOUD_KIND_UNKNOWN;
		c->kind_source = "unknown";
	}
}

bool cloud_virtual(const struct host *h)
{
	return h->cloud.provider && h->cloud.kind == CLOUD_KIND_VIRTUAL;
}

const char *cloud_kind_name(enum cloud_kind k)
{
	return k == CLOUD_KIND_METAL ? "metal" : k == CLOUD_KIND_VIRTUAL ? "virtual" : "unknown";
}

const char *cloud_label(const struct host *h, char *buf, size_t size)
{
	const struct host_cloud *c = &h->cloud;
	static const struct {
		const char *id, *name;
	} names[] = { { "aws", "AWS" }, { "azure", "Azure" }, { "gcp", "GCP" } };
	const char *name = "";

	buf[0] = '\0';
	if (!c->provider)
		return buf;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i].id, c->provider))
			name = names[i].name;
	snprintf(buf, size, "%s %s (%s%s%s)", name, c->instance_type[0] ? c->instance_type : "instance",
		 cloud_kind_name(c->kind), c->hypervisor[0] ? ", hypervisor " : "", c->hypervisor);
	return buf;
}

/* PCI ids of the clouds' NICs (Linux's pci_ids / the drivers' id tables). */
#define PCI_VENDOR_MICROSOFT 0x1414
#define PCI_DEVICE_MANA 0x00ba	/* drivers/net/ethernet/microsoft/mana: the MANA VF */
#define PCI_VENDOR_GOOGLE 0x1ae0
#define PCI_DEVICE_GVNIC 0x0042	/* drivers/net/ethernet/google/gve */
#define PCI_VENDOR_VIRTIO 0x1af4

void cloud_nics(struct host *h)
{
	for (size_t i = 0; i < h->nnics; i++) {
		struct nic *n = &h->nics[i];
		const struct nic *m = n->master[0] ? host_nic_by_name(h, n->master) : NULL;

		n->cloud = CLOUD_NIC_NONE;
		n->cloud_of[0] = '\0';
		/* Only VMBus devices have hv_netvsc as their driver: no PCI function behind them. */
		if (!n->pci[0] && !strcmp(n->driver, "hv_netvsc"))
			n->cloud = CLOUD_NIC_NETVSC;
		else if ((n->pci_vendor == PCI_VENDOR_MICROSOFT && n->pci_device == PCI_DEVICE_MANA) ||
			 (m && !m->pci[0] && !strcmp(m->driver, "hv_netvsc"))) {
			/* The VF netvsc enslaves (older sizes: a Mellanox mlx4/mlx5 VF) carries the accelerated path. */
			n->cloud = CLOUD_NIC_AZURE_VF;
			if (m)
				snprintf(n->cloud_of, sizeof(n->cloud_of), "%s", m->name);
		} else if (n->pci_vendor == PCI_VENDOR_GOOGLE && n->pci_device == PCI_DEVICE_GVNIC)
			n->cloud = CLOUD_NIC_GVNIC;
		else if (n->pci_vendor == PCI_VENDOR_VIRTIO && h->cloud.provider && !strcmp(h->cloud.provider, "gcp"))
			n->cloud = CLOUD_NIC_GCP_VIRTIO;
	}
}

const char *cloud_nic_text(const struct host *h, const struct nic *n, char *buf, size_t size)
{
	const char *azure = h->cloud.provider && !strcmp(h->cloud.provider, "azure") ? "Azure" : "Hyper-V";

	buf[0] = '\0';
	switch (n->cloud) {
	case CLOUD_NIC_NETVSC:
		snprintf(buf, size, "%s synthetic NIC (hv_netvsc on VMBus, no PCI function)", azure);
		break;
	case CLOUD_NIC_AZURE_VF:
		snprintf(buf, size, "Azure accelerated-networking VF%s%s (%s)", n->cloud_of[0] ? " of " : "", n->cloud_of,
			 n->pci_vendor == PCI_VENDOR_MICROSOFT ? "MANA" : n->driver[0] ? n->driver : "no driver");
		break;
	case CLOUD_NIC_GVNIC:
		snprintf(buf, size, "GCP gVNIC (gve)%s", n->default_route ? ", the instance's primary NIC (default route)" : "");
		break;
	case CLOUD_NIC_GCP_VIRTIO:
		snprintf(buf, size, "GCP virtio-net%s", n->default_route ? ", the instance's primary NIC (default route)" : "");
		break;
	case CLOUD_NIC_NONE:
		break;
	}
	return buf;
}

const char *cloud_nic_no_bind(const struct host *h, const struct nic *n, char *buf, size_t size)
{
	char role[128];

	cloud_nic_text(h, n, role, sizeof(role));
	switch (n->cloud) {
	case CLOUD_NIC_NETVSC:
		snprintf(buf, size, "%s is the %s: never unbound; DPDK reaches this NIC through its accelerated-networking "
			 "VF (the netvsc PMD or failsafe), left on its kernel driver", n->name, role);
		return buf;
	case CLOUD_NIC_AZURE_VF:
		/* netvsc pairs with the VF's kernel netdev; DPDK's mana and mlx5 PMDs drive it through the kernel driver. */
		snprintf(buf, size, "%s is the %s: the synthetic NIC pairs with its kernel netdev and DPDK drives it "
			 "through the kernel's driver (netvsc PMD, failsafe, or the bifurcated mana/mlx5 PMD): set [nic] "
			 "driver = kernel", n->name[0] ? n->name : n->pci, role);
		return buf;
	case CLOUD_NIC_GVNIC:
	case CLOUD_NIC_GCP_VIRTIO:
		/* A second gVNIC is DPDK's (the gve PMD on vfio-pci); the primary one is the instance's only way in. */
		if (!n->default_route)
			return NULL;
		snprintf(buf, size, "%s is the %s: it carries the instance's management and metadata path; give DPDK a "
			 "second NIC", n->name, role);
		return buf;
	case CLOUD_NIC_NONE:
		break;
	}
	return NULL;
}
