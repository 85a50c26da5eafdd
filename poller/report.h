/* report.h - results of a run and their JSON rendering. */
#ifndef TR_REPORT_H
#define TR_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "gap.h"
#include "hist.h"
#include "seq.h"

struct report_stream {
	const char *name;
	uint64_t sent;
	uint64_t received;	/* own stamped packets, duplicates included */
	uint64_t port_dropped;	/* the port's own counters (missed, errors, no mbuf) */
	uint64_t send_failed;
	uint64_t negative;
	uint64_t unstamped;	/* foreign */
	const struct seq_track *seq;	/* NULL: no sequence numbers seen */
	bool latency_measured;
	const struct hist *hist;
	double ns_per_unit;	/* hist unit to ns */
	bool has_feed;		/* gen, feeds: feed and group below are written */
	unsigned int feed;
	bool has_gaps;		/* feeds: gaps below is written */
	uint64_t gaps;
	uint32_t group;		/* its group, network byte order */
};

struct report_core {
	unsigned int cpu;
	const char *role;
	const struct gap_tracker *gap;
	bool has_busy;		/* a receiving poller: busy_cycles counted */
	uint64_t busy_cycles;
};

struct report {
	const char *mode;
	uint64_t tsc_hz;
	bool tsc_calibrated;	/* tsc_hz measured against CLOCK_MONOTONIC_RAW; else DPDK's */
	uint64_t tsc_cal_window_ns;
	double tsc_cal_bound;
	uint64_t eal_tsc_hz;
	uint64_t mono_raw_ns;
	uint64_t tsc_ns;
	int64_t tsc_offset_ns;
	uint64_t tsc_offset_rtt_ns;
	bool tsc_offset_measured;
	double duration_s;
	bool interrupted;
	bool hw_rx_timestamp;
	bool feeds;		/* gen, feeds: the keys below are written */
	uint16_t dst_port;
	bool filter_in_nic;	/* feeds */
	const char *filter_why;
	double cpu_user_s, cpu_system_s;	/* this process over the measured run (every mode) */
	bool has_total;		/* feeds: every feed together, outside streams (drops are judged per feed) */
	struct report_stream total;
	unsigned int nstreams;
	struct report_stream streams[CLI_MAX_FEEDS];
	unsigned int ncores;
	struct report_core cores[CLI_MAX_CORES];
};

int report_json(FILE *f, const struct report *r);

#endif
