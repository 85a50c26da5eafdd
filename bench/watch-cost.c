/*
 * watch's own cost a sample, without its start-up: N samples of ROOT (and the events between them) as
 * tickready watch takes them, with its files kept open (as live) or opened per read (as under --root).
 * Usage: watch-cost ROOT ISOLATED HOUSEKEEPING N keep|reopen. Prints the cpu ms per sample.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "watch.h"

static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void count_event(void *arg, const struct watch_event *e)
{
	(void)e;
	++*(long *)arg;
}

int main(int argc, char **argv)
{
	struct watch_ctx ctx = { 0 };
	struct watch_sample prev, cur;
	struct sysroot sr;
	long n, events = 0;
	double t0;

	if (argc != 6 || sysroot_open(&sr, argv[1]) < 0 || cpuset_parse(&ctx.isolated, argv[2]) < 0 ||
	    (n = atol(argv[4])) < 1) {
		fprintf(stderr, "usage: watch-cost ROOT ISOLATED HOUSEKEEPING N keep|reopen\n");
		return 2;
	}
	snprintf(ctx.housekeeping, sizeof(ctx.housekeeping), "%s", argv[3]);
	ctx.nohz_full = ctx.isolated;
	ctx.keep_open = !strcmp(argv[5], "keep");
	if (watch_sample_take(&prev, &sr, &ctx, NULL) < 0)
		return 2;
	t0 = cpu_ms();
	for (long i = 0; i < n; i++) {
		watch_sample_take(&cur, &sr, &ctx, &prev);
		watch_diff(&ctx, &prev, &cur, count_event, &events);
		watch_sample_free(&prev);
		prev = cur;
	}
	printf("%.2f ms cpu per sample (%s, %ld samples, %ld events)\n", (cpu_ms() - t0) / (double)n, argv[5], n, events);
	watch_sample_free(&prev);
	sysroot_close(&sr);
	return 0;
}
