/* pingpong mode: half round trips to a DPDK reflector for kernel UDP, busy-polled kernel UDP and DPDK. */
#pragma once
#include <jansson.h>
#include <stddef.h>

#include "run.h"

#define VERIFY_PP_PATHS 3
/* Stream names, in the table's order: "kernel", "kernel-busy-poll", "dpdk". */
extern const char *const verify_pp_paths[VERIFY_PP_PATHS];

/* Builds the veth pair, runs the reflector and the three pingers, one after the other; *doc has one stream per path. */
int verify_run_pingpong(struct verify_run *r, struct window *w, json_t **doc, char *err, size_t errlen);
