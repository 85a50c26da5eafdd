/* idle mode: the poll loop alone on every isolated cpu, no packets; its gaps are what the OS takes from the core. */
#include "render.h"
#include "run.h"

static int run(struct verify_run *r, struct window *w, json_t **doc, char *err, size_t errlen)
{
	return verify_run_once(r, w, VS_MODE_IDLE, NULL, doc, err, errlen);
}

const struct verify_mode_def verify_mode_idle = {
	.name = "idle",
	.cores = VC_EVERY,
	.dpdk_processes = 1,
	.roles = (const char *const[]){ "idle", NULL },
	.passes = 1,
	.gap_histograms = true,
	.run = run,
	.render = verify_print_streams,
};
