/* port mode: the poller receives stamped traffic from a real port (--port, --vdev, --iface, or the profile's NIC bound to a DPDK driver). */
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "run.h"
#include "util.h"

/* The user's device, else net_af_packet on --iface, else the profile's NIC when bound to a DPDK driver. */
static int prepare(struct verify_run *r, char *err, size_t errlen)
{
	const struct nic *n = r->prof->nic;

	if (r->o.port || r->o.nvdev)
		return 0;
	if (r->o.iface) {
		r->o.vdev[r->o.nvdev++] = xasprintf("net_af_packet0,iface=%s", r->o.iface);
		return 0;
	}
	if (n && n->pci[0] && (!strcmp(n->driver, "vfio-pci") || !strcmp(n->driver, "uio_pci_generic"))) {
		r->o.port = n->pci;
		return 0;
	}
	snprintf(err, errlen, "port mode needs --port PCI, --vdev DEVARGS or --iface IF%s",
		 n ? " (the profile's NIC is not bound to vfio-pci)" : "");
	return -1;
}

static int run(struct verify_run *r, struct window *w, json_t **doc, char *err, size_t errlen)
{
	const char *extra[2 * VERIFY_MAX_VDEV + 3];
	char iface[32];
	int n = 0;

	for (int i = 0; i < r->o.nvdev; i++) {
		extra[n++] = "--vdev";
		extra[n++] = r->o.vdev[i];
	}
	if (r->o.port) {
		extra[n++] = "--port";
		extra[n++] = r->o.port;
	}
	extra[n] = NULL;
	if (verify_run_once(r, w, VS_MODE_PORT, extra, doc, err, errlen) < 0)
		return -1;
	for (int i = 0; i < r->o.nvdev; i++) {
		if (!verify_software_path(r->host, r->o.vdev[i], iface, sizeof(iface)))
			continue;
		json_object_set_new(*doc, "bypass_path", json_pack("{s:s, s:s, s:b, s:s}", "pmd", r->o.vdev[i], "iface", iface,
								   "software_only", 1, "shows", VERIFY_SOFTWARE_NOTE));
		verify_run_note(r, "%s: %s", r->o.vdev[i], VERIFY_SOFTWARE_NOTE);
	}
	return 0;
}

const struct verify_mode_def verify_mode_port = {
	.name = "port",
	.cores = VC_ONE,
	.dpdk_processes = 1,
	.opts = VO_BIT(VO_PORT) | VO_BIT(VO_VDEV) | VO_BIT(VO_IFACE),
	.roles = (const char *const[]){ "poller", NULL },
	.passes = 1,
	.prepare = prepare,
	.run = run,
	.render = verify_print_streams,
};
