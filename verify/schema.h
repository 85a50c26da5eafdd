/* The poller<->verify wire format: the tickready.verify/1 document's keys and units, the poller's modes and the streams
 * they name, and its exit statuses, spelled once for the poller (writer) and verify (reader); both include this header. */
#ifndef TR_VERIFY_SCHEMA_H
#define TR_VERIFY_SCHEMA_H

#define VS_SCHEMA "tickready.verify/1"

/*
 * X(enum, "key", "unit", "meaning"). Top level, then one object per stream, then one per core.
 * A stream counts only its own stamped packets in received; every other frame is foreign.
 * Invariants: received <= sent + duplicated; dropped = sent - (received - duplicated).
 */
#define VS_KEYS(X) \
	X(VK_SCHEMA, "schema", "", "always " VS_SCHEMA) \
	X(VK_MODE, "mode", "", "loopback, idle, port, reflect, pingpong, gen or feeds") \
	X(VK_TSC_HZ, "tsc_hz", "Hz", "TSC frequency used for conversions (see tsc_calibration)") \
	X(VK_TSC_CALIBRATION, "tsc_calibration", "", "how tsc_hz was found, before the run") \
	X(VK_CAL_SOURCE, "source", "", "monotonic_raw: measured against CLOCK_MONOTONIC_RAW; eal: DPDK's estimate") \
	X(VK_CAL_WINDOW_NS, "window_ns", "ns", "calibration window") \
	X(VK_CAL_BOUND, "bound", "", "calibration's relative error bound (clock-read uncertainty over the window)") \
	X(VK_EAL_TSC_HZ, "eal_tsc_hz", "Hz", "DPDK's TSC estimate (rounded), not used") \
	X(VK_EAL_REL_ERROR, "eal_rel_error", "", "(eal_tsc_hz - tsc_hz) / tsc_hz: what using DPDK's figure would have cost") \
	X(VK_TSC_CHECK, "tsc_check", "", "TSC against CLOCK_MONOTONIC_RAW over the run") \
	X(VK_MONO_RAW_NS, "monotonic_raw_ns", "ns", "run length by CLOCK_MONOTONIC_RAW") \
	X(VK_TSC_NS, "tsc_ns", "ns", "run length by the TSC") \
	X(VK_REL_ERROR, "rel_error", "", "(tsc_ns - monotonic_raw_ns) / monotonic_raw_ns") \
	X(VK_TSC_OFFSET_NS, "tsc_offset_ns", "ns", "poller core's TSC minus the generator core's") \
	X(VK_TSC_OFFSET_MEASURED, "tsc_offset_measured", "", "whether tsc_offset_ns was measured") \
	X(VK_TSC_OFFSET_RTT_NS, "tsc_offset_rtt_ns", "ns", "round trip of the best offset sample (error bound x2)") \
	X(VK_DURATION_S, "duration_s", "s", "measured time") \
	X(VK_INTERRUPTED, "interrupted", "", "stopped by a signal") \
	X(VK_HW_RX_TIMESTAMP, "hw_rx_timestamp", "", "the port offers hardware receive stamps") \
	X(VK_STREAMS, "streams", "", "one object per stream") \
	X(VK_DST_PORT, "dst_port", "", "gen, feeds: UDP port of every feed") \
	X(VK_FILTER_IN_NIC, "filter_in_nic", "", "feeds: rte_flow rules keep all but the feeds off the queue") \
	X(VK_FILTER_WHY, "filter_why", "", "feeds: the rules installed, or the PMD's refusal") \
	X(VK_CPU_USER_S, "cpu_user_s", "s", "user CPU time of the process over the measured run") \
	X(VK_CPU_SYSTEM_S, "cpu_system_s", "s", "system CPU time of the process over the measured run") \
	X(VK_FEED, "feed", "", "gen, feeds: the stream's feed id (the stamp's)") \
	X(VK_GROUP, "group", "", "gen, feeds: the feed's multicast group") \
	X(VK_CORES, "cores", "", "one object per measured core") \
	X(VK_NAME, "name", "", "stream name") \
	X(VK_SENT, "sent", "packets", "sent by the generator (port mode: the stamps' sequence span)") \
	X(VK_RECEIVED, "received", "packets", "own stamped packets received, duplicates included") \
	X(VK_DROPPED, "dropped", "packets", "sent and never received") \
	X(VK_DUPLICATED, "duplicated", "packets", "received again (sequence number already seen)") \
	X(VK_REORDERED, "reordered", "packets", "received after a later sequence number") \
	X(VK_GAPS, "gaps", "packets", "feeds: sequence numbers missing between the first and the highest received") \
	X(VK_TOTAL, "total", "", "feeds: every feed of a path together, a stream object outside streams") \
	X(VK_PATH, "path", "", "feeds: kernel (UDP socket) or dpdk") \
	X(VK_FOREIGN, "foreign", "packets", "frames without a valid stamp") \
	X(VK_SEND_FAILED, "send_failed", "packets", "the generator could not send (queue full, no buffer)") \
	X(VK_PORT_DROPPED, "port_dropped", "packets", "the port's own drop counters (missed, errors, no buffer)") \
	X(VK_LATENCY_MEASURED, "latency_measured", "", "at least one stamp was timed") \
	X(VK_SAMPLES, "samples", "packets", "latencies in the percentiles") \
	X(VK_P50_NS, "p50_ns", "ns", "median latency") \
	X(VK_P90_NS, "p90_ns", "ns", "90th percentile") \
	X(VK_P99_NS, "p99_ns", "ns", "99th percentile") \
	X(VK_P999_NS, "p999_ns", "ns", "99.9th percentile") \
	X(VK_P9999_NS, "p9999_ns", "ns", "99.99th percentile") \
	X(VK_MAX_NS, "max_ns", "ns", "largest latency") \
	X(VK_MEAN_NS, "mean_ns", "ns", "mean latency") \
	X(VK_STDEV_NS, "stdev_ns", "ns", "standard deviation (jitter)") \
	X(VK_MPPS, "mpps", "Mpps", "received / duration") \
	X(VK_NEGATIVE_DELTAS, "negative_deltas", "packets", "stamp later than the receive clock: not in the percentiles") \
	X(VK_HISTOGRAM, "histogram", "ns", "[[upper_ns, count]...], non-empty buckets (a core's: loop gaps over the threshold)") \
	X(VK_CPU, "cpu", "", "cpu number") \
	X(VK_ROLE, "role", "", "generator, poller or idle") \
	X(VK_LOOPS, "loops", "", "loop iterations") \
	X(VK_BUSY_NS, "busy_ns", "ns", "receiving poller (port, loopback): time in iterations that received, rx_burst to mbufs freed (a full burst: to the next poll)") \
	X(VK_MAX_GAP_NS, "max_gap_ns", "ns", "longest time between two loop iterations") \
	X(VK_GAP_P50_NS, "gap_p50_ns", "ns", "median time between two loop iterations (all of them, not only over the threshold)") \
	X(VK_GAP_P99_NS, "gap_p99_ns", "ns", "99th percentile of the loop gaps") \
	X(VK_GAP_P999_NS, "gap_p999_ns", "ns", "99.9th percentile of the loop gaps") \
	X(VK_GAPS_OVER, "gaps_over_threshold", "", "loop gaps above --threshold-ns") \
	X(VK_GAP_BUCKETS, "gap_buckets", "", "loop gaps by size") \
	X(VK_WORST_GAPS, "worst_gaps", "", "the longest gaps") \
	X(VK_T_NS, "t_ns", "ns", "when, from the start") \
	X(VK_GAP_NS, "gap_ns", "ns", "how long")

enum vs_key {
#define VS_ENUM(e, k, u, d) e,
	VS_KEYS(VS_ENUM)
#undef VS_ENUM
	VK_COUNT
};

static inline const char *vs_key(enum vs_key k)
{
	static const char *const names[VK_COUNT] = {
#define VS_NAME(e, k, u, d) [e] = k,
		VS_KEYS(VS_NAME)
#undef VS_NAME
	};
	return names[k];
}

static inline const char *vs_unit(enum vs_key k)
{
	static const char *const units[VK_COUNT] = {
#define VS_UNIT(e, k, u, d) [e] = u,
		VS_KEYS(VS_UNIT)
#undef VS_UNIT
	};
	return units[k];
}

/*
 * tickready-poller's modes: X(SUFFIX, "--mode NAME", "stream"), the stream the mode's document names (NULL: gen and
 * feeds name one per feed, VS_FEED_STREAM with the feed's number). The poller's enum poller_mode is this order.
 */
#define VS_MODES(X) \
	X(LOOPBACK, "loopback", VS_STREAM_LOOPBACK) \
	X(IDLE, "idle", NULL) \
	X(PORT, "port", VS_STREAM_PORT) \
	X(REFLECT, "reflect", VS_STREAM_REFLECT) \
	X(PINGPONG, "pingpong", VS_STREAM_PINGPONG) \
	X(GEN, "gen", NULL) \
	X(FEEDS, "feeds", NULL)
/* As constants, for tables that name a stream. */
#define VS_STREAM_LOOPBACK "loopback"
#define VS_STREAM_PORT "port-rx"
#define VS_STREAM_REFLECT "reflect"
#define VS_STREAM_PINGPONG "pingpong"
#define VS_FEED_STREAM "feed%u"

enum vs_mode {
#define VS_MODE_ENUM(e, m, s) VS_MODE_##e,
	VS_MODES(VS_MODE_ENUM)
#undef VS_MODE_ENUM
	VS_MODE_COUNT
};

static inline const char *vs_mode_name(enum vs_mode m)
{
	static const char *const names[VS_MODE_COUNT] = {
#define VS_MODE_NAME(e, m, s) m,
		VS_MODES(VS_MODE_NAME)
#undef VS_MODE_NAME
	};
	return names[m];
}

static inline const char *vs_mode_stream(enum vs_mode m)
{
	static const char *const streams[VS_MODE_COUNT] = {
#define VS_MODE_STREAM(e, m, s) s,
		VS_MODES(VS_MODE_STREAM)
#undef VS_MODE_STREAM
	};
	return streams[m];
}

/* tickready-poller's exit statuses. */
#define VS_EXIT(X) \
	X(VS_EXIT_OK, 0, "ran to the end; the document is on stdout") \
	X(VS_EXIT_USAGE, 2, "usage, EAL or setup error: no document") \
	X(VS_EXIT_INTERRUPTED, 3, "stopped by SIGINT/SIGTERM; the document covers the time run")

enum vs_exit {
#define VS_EXIT_ENUM(e, v, d) e = v,
	VS_EXIT(VS_EXIT_ENUM)
#undef VS_EXIT_ENUM
};

#endif
