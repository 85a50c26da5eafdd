/* tscclock.h - the TSC's rate measured against CLOCK_MONOTONIC_RAW (the kernel's own TSC calibration), so that
 * every cycle count the poller converts is exact rather than DPDK's rounded guess (it rounds to 10 MHz). */
#ifndef TR_TSCCLOCK_H
#define TR_TSCCLOCK_H

#include <stdint.h>

/* One reading of both clocks: the TSC read between two CLOCK_MONOTONIC_RAW reads, ns their midpoint. */
struct tsc_sample {
	uint64_t tsc;
	uint64_t ns;
	uint64_t bracket_ns;	/* the two clock reads' distance: the sample's uncertainty x2 */
};

/* The rate the calibration settled on and how sure it is. */
struct tsc_calibration {
	double hz;
	double bound;		/* relative error bound of hz (both samples' half brackets over the window) */
	uint64_t window_ns;
};

/* Rate from two samples (b after a); 0 when b is not after a on both clocks. */
double tsc_hz_between(const struct tsc_sample *a, const struct tsc_sample *b);
/* Relative error bound of that rate: the samples' half brackets over the window. */
double tsc_hz_bound(const struct tsc_sample *a, const struct tsc_sample *b);
/* (cycles at hz, in ns) against ref_ns, relative: what the run-long check reports. */
double tsc_rel_error(uint64_t cycles, double hz, uint64_t ref_ns);

/* The tightest of tries readings. */
struct tsc_sample tsc_sample_take(unsigned int tries);
/* From sample a (taken earlier, e.g. before a slow start-up) to now, waiting until min_window_ms have passed since a;
 * -1 when the clocks did not move (no TSC). */
int tsc_calibrate_since(const struct tsc_sample *a, unsigned int min_window_ms, struct tsc_calibration *out);

#endif
