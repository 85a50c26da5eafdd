/* loopback mode: a generator core sends stamped packets to a poller core through the poller's loopback; the latency of the poll loop itself. */
#include <stdio.h>

#include "render.h"
#include "run.h"

static int run(struct verify_run *r, struct window *w, json_t **doc, char *err, size_t errlen)
{
	char rate[24];
	const char *extra[] = { "--rate", rate, NULL };

	snprintf(rate, sizeof(rate), "%ld", r->o.rate);
	return verify_run_once(r, w, VS_MODE_LOOPBACK, extra, doc, err, errlen);
}

const struct verify_mode_def verify_mode_loopback = {
	.name = "loopback",
	.cores = VC_PAIR,
	.dpdk_processes = 1,
	.opts = VO_BIT(VO_RATE),
	.roles = (const char *const[]){ "generator", "poller", NULL },
	.passes = 1,
	.default_rate = 1000000,
	.run = run,
	.render = verify_print_streams,
};
