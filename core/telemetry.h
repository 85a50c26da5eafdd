/* A read-only client of DPDK's telemetry socket (<runtime dir>/dpdk_telemetry.v2): one command, one JSON answer. */
#pragma once
#include <stddef.h>

#include <jansson.h>

struct telemetry {
	int fd;
	char version[64];	/* the greeting's "version": "DPDK 22.11.11" */
	long pid;		/* the greeting's "pid" */
	size_t max_output;	/* the greeting's "max_output_len": no answer is longer */
};

/*
 * Connects (SOCK_SEQPACKET) and reads the greeting. 0, or -errno: -ENOTSOCK for a path that is not a
 * socket, -EPROTO for a greeting that is not DPDK telemetry v2's JSON.
 */
int telemetry_open(struct telemetry *t, const char *path);
/*
 * Sends cmd ("/ethdev/stats,0") and returns the value under its key in the answer (new reference), or NULL
 * with *rc set (-EPROTO for an answer that is not JSON of that shape, -EIO for a closed socket). An unknown
 * command answers null, returned as NULL with *rc = -ENOENT.
 */
json_t *telemetry_query(struct telemetry *t, const char *cmd, int *rc);
void telemetry_close(struct telemetry *t);
