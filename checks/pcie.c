/* PCIe capability fields of the bypass NIC: ASPM (link power states), MaxReadReq, MaxPayload. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcie.h"
#include "registry.h"
#include "tuners.h"
#include "util.h"

static const char *const aspm_files[] = { "l0s_aspm", "l1_aspm" };

/* The kernel's per-link ASPM switches (5.5+): 1 on, 0 off; bits as in LnkCtl. Returns false when absent. */
static bool link_aspm(const struct sysroot *sr, const char *pci, unsigned *bits)
{
	bool any = false;

	*bits = 0;
	for (int i = 0; i < 2; i++) {
		char path[160];
		long v;

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/link/%s", pci, aspm_files[i]);
		if (sysroot_read_long(sr, path, &v) == 0) {
			any = true;
			if (v)
				*bits |= 1u << i;
		}
	}
	return any;
}

static void run_pcie_caps(const struct check_ctx *ctx, struct finding *f)
{
	const char *aspm_want = profile_str(ctx->prof, PK_ASPM);
	struct strbuf obs = { 0 }, fix = { 0 }, exp = { 0 };
	const struct nic *n;
	struct pcie_caps c;
	char name[160], a[32], b[32], path[160];
	unsigned aspm;
	bool from_link;
	long mrrs_want;
	bool has_mrrs = profile_long(ctx->prof, PK_MAX_READ_REQ, &mrrs_want) == 0;
	int rc;

	if (!aspm_want && !has_mrrs) {
		finding_skip(f, "profile does not ask for nic.aspm or nic.max_read_req");
		return;
	}
	if (!(n = check_nic(ctx, f)))
		return;
	if (!n->pci[0]) {
		finding_skip(f, "%s is not a PCI device", n->name);
		return;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", n->pci);
	if ((rc = pcie_caps_read(ctx->sr, n->pci, &c)) < 0) {
		if (rc == -ENODATA)
			finding_skip(f, "'%s' holds no PCI Express capability (short read: run as root, or not PCIe)", path);
		else
			finding_skip_bad(f, ctx->sr, path, rc);
		return;
	}
	from_link = link_aspm(ctx->sr, n->pci, &aspm);
	if (!from_link)
		aspm = c.aspm_ctl;
	strbuf_addf(&obs, "%s (%s): ASPM %s (capable %s%s), MaxPayload %d of %d, MaxReadReq %d", n->pci,
		    pcie_device_name(c.vendor, c.device, name, sizeof(name)), pcie_aspm_text(aspm, a, sizeof(a)),
		    pcie_aspm_text(c.aspm_cap, b, sizeof(b)), from_link ? ", link/*_aspm" : ", LnkCtl", c.mps, c.mps_max,
		    c.mrrs);
	if (aspm_want) {
		strbuf_add(&exp, "ASPM disabled (L0s/L1 exits cost microseconds)");
		if (aspm && from_link) {
			for (int i = 0; i < 2; i++)
				if (aspm & (1u << i))
					strbuf_addf(&fix, "%secho 0 > /sys/bus/pci/devices/%s/link/%s", fix.len ? "; " : "",
						    n->pci, aspm_files[i]);
		} else if (aspm) {
			strbuf_addf(&fix, "%ssetpci -s %s CAP_EXP+10.w=0000:0003 (until reboot), or boot with pcie_aspm=off",
				    fix.len ? "; " : "", n->pci);
		}
	}
	if (has_mrrs) {
		strbuf_addf(&exp, "%sMaxReadReq at least %ld", exp.len ? ", " : "", mrrs_want);
		if (c.mrrs < mrrs_want)
			strbuf_addf(&fix, "%ssetpci -s %s CAP_EXP+8.w=%x000:7000 (MaxReadReq %ld; mlnx_tune and the NIC "
				    "vendor's guide give the value)", fix.len ? "; " : "", n->pci,
				    __builtin_ctz((unsigned)mrrs_want >> 7), mrrs_want);
	}
	finding_expected(f, "%s", exp.s);
	if (fix.len) {
		finding_fail(f, "%s", obs.s);
		finding_remedy(f, "%s", fix.s);
	} else {
		finding_pass(f, "%s", obs.s);
	}
	strbuf_free(&obs);
	strbuf_free(&fix);
	strbuf_free(&exp);
}

/* The kernel's link switches are a safe runtime change; config-space writes (setpci) stay manual. */
static int plan_pcie_caps(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const struct nic *n = ctx->prof->nic;
	struct pcie_caps c;
	unsigned aspm;
	long mrrs_want;
	const char *manual = NULL;

	if (!n || !n->pci[0] || pcie_caps_read(ctx->sr, n->pci, &c) < 0) {
		plan_add_manual(p, f, NULL);
		return 0;
	}
	if (profile_wants(ctx->prof, PK_ASPM)) {
		if (link_aspm(ctx->sr, n->pci, &aspm)) {
			for (int i = 0; i < 2; i++) {
				char path[160];

				snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/link/%s", n->pci, aspm_files[i]);
				if (aspm & (1u << i))
					tune_value(ctx, p, f->check->id, path, "0");
			}
		} else if (c.aspm_ctl) {
			manual = "no link/*_aspm files: ASPM is a config-space write (setpci) or a BIOS setting, which apply "
				 "never makes";
		}
	}
	if (profile_long(ctx->prof, PK_MAX_READ_REQ, &mrrs_want) == 0 && c.mrrs < mrrs_want)
		manual = "MaxReadReq is a config-space write (setpci), which apply never makes";
	if (manual)
		plan_add_manual(p, f, manual);
	return 0;
}

const struct check check_nic_pcie_caps = {
	.id = "nic.pcie_caps", .area = AREA_NIC, .title = "the NIC's PCIe link: ASPM off, MaxReadReq as the profile says",
	.reads = "/sys/bus/pci/devices/PCI/config (PCI Express capability), /sys/bus/pci/devices/PCI/link/{l0s,l1}_aspm, pci.ids",
	.keys = KEYS(PK_ASPM, PK_MAX_READ_REQ), .flags = CF_RUNTIME | CF_PER_NIC, .run = run_pcie_caps, .plan = plan_pcie_caps,
};
