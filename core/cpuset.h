/* Kernel cpu lists ("0-3,8,10-11") and hex masks ("ff,00000001") as fixed-size bitmaps. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Debian's kernels are built with NR_CPUS=8192. */
#define CPUSET_MAX 8192
#define CPUSET_WORDS (CPUSET_MAX / 64)
/* Longest canonical list: every other cpu of 8192, "0,2,4,...": under 40 KiB. */
#define CPUSET_TEXT_MAX 40960

struct cpuset {
	uint64_t bits[CPUSET_WORDS];
};

void cpuset_zero(struct cpuset *s);
void cpuset_set(struct cpuset *s, int cpu);
void cpuset_clear(struct cpuset *s, int cpu);
bool cpuset_has(const struct cpuset *s, int cpu);
int cpuset_count(const struct cpuset *s);
bool cpuset_empty(const struct cpuset *s);
/* First cpu at or after 'from', or -1. Iterate: for (c = cpuset_next(s, 0); c >= 0; c = cpuset_next(s, c + 1)) */
int cpuset_next(const struct cpuset *s, int from);
#define cpuset_for_each(cpu, s) for ((cpu) = cpuset_next((s), 0); (cpu) >= 0; (cpu) = cpuset_next((s), (cpu) + 1))

void cpuset_and(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b);
void cpuset_or(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b);
void cpuset_andnot(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b);
bool cpuset_equal(const struct cpuset *a, const struct cpuset *b);
bool cpuset_subset(const struct cpuset *a, const struct cpuset *b);	/* a within b */
bool cpuset_intersects(const struct cpuset *a, const struct cpuset *b);

/*
 * Parse a kernel cpu list. Whitespace around the text is ignored; "" is the empty set.
 * Returns 0, -EINVAL for malformed text ("3-1", ",,", "a"), -ERANGE for cpus >= CPUSET_MAX.
 * Accepts the kernel's stride form "0-7:2/4" too (as in isolcpus=).
 */
int cpuset_parse(struct cpuset *out, const char *text);
/* Parse a hex mask as in /proc/irq/N/smp_affinity: comma-separated 32-bit words, high first. */
int cpuset_parse_mask(struct cpuset *out, const char *text);
/* Canonical kernel list form into buf; returns buf ("" for empty). Truncates safely. */
char *cpuset_format(const struct cpuset *s, char *buf, size_t size);
/* The whole canonical list on the heap (free it): remedies need it untruncated. */
char *cpuset_text(const struct cpuset *s);
/* Hex mask form ("ff,00000001"), as the kernel prints smp_affinity. */
char *cpuset_format_mask(const struct cpuset *s, char *buf, size_t size);

/*
 * Equal sets stored once: a big host's IRQs share a handful of affinity lists, and a cpuset is 1 KiB
 * (two per IRQ made 2.2 KiB an IRQ). Interned sets live until the pool is freed; a pool is not
 * thread-safe (one per thread).
 */
struct cpuset_pool {
	size_t n, nslots;
	struct cpuset **slots;	/* open addressing, NULL when free */
};
const struct cpuset *cpuset_intern(struct cpuset_pool *p, const struct cpuset *s);
void cpuset_pool_free(struct cpuset_pool *p);
