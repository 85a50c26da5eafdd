/* tscclock.c - the TSC's rate against CLOCK_MONOTONIC_RAW. */
#include <errno.h>
#include <time.h>

#include "tscclock.h"

static uint64_t raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t rdtsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return 0;
#endif
}

double tsc_hz_between(const struct tsc_sample *a, const struct tsc_sample *b)
{
	if (b->tsc <= a->tsc || b->ns <= a->ns)
		return 0;
	return (double)(b->tsc - a->tsc) * 1e9 / (double)(b->ns - a->ns);
}

double tsc_hz_bound(const struct tsc_sample *a, const struct tsc_sample *b)
{
	if (b->ns <= a->ns)
		return 1;
	return ((double)a->bracket_ns / 2 + (double)b->bracket_ns / 2) / (double)(b->ns - a->ns);
}

double tsc_rel_error(uint64_t cycles, double hz, uint64_t ref_ns)
{
	if (!ref_ns || hz <= 0)
		return 0;
	return ((double)cycles * 1e9 / hz - (double)ref_ns) / (double)ref_ns;
}

struct tsc_sample tsc_sample_take(unsigned int tries)
{
	struct tsc_sample best = { 0, 0, UINT64_MAX };

	for (unsigned int i = 0; i < tries; i++) {
		uint64_t t0 = raw_ns(), tsc = rdtsc(), t1 = raw_ns();

		if (t1 - t0 < best.bracket_ns)
			best = (struct tsc_sample){ tsc, t0 + (t1 - t0) / 2, t1 - t0 };
	}
	return best;
}

int tsc_calibrate_since(const struct tsc_sample *a, unsigned int min_window_ms, struct tsc_calibration *out)
{
	uint64_t want = a->ns + (uint64_t)min_window_ms * 1000000ULL, now = raw_ns();
	struct tsc_sample b;

	if (now < want) {
		struct timespec nap = { (time_t)((want - now) / 1000000000ULL), (long)((want - now) % 1000000000ULL) };

		while (nanosleep(&nap, &nap) && errno == EINTR)
			;
	}
	b = tsc_sample_take(16);
	out->hz = tsc_hz_between(a, &b);
	out->bound = tsc_hz_bound(a, &b);
	out->window_ns = b.ns - a->ns;
	return out->hz > 0 ? 0 : -1;
}
