/* The kernel command line: split like the kernel does (quotes, repeats), and its cpu-list parameters. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "cpuset.h"

struct cmdline_arg {
	char *key;
	char *value;	/* NULL for a bare flag ("quiet"); the kernel's quotes dropped */
	char *raw;	/* the word as written, quotes kept: what a staged line must carry on byte for byte */
};

struct cmdline {
	size_t n;
	struct cmdline_arg *args;
	char *init_tail;	/* "-- ARGS..." as written (init's arguments), NULL when the line has none */
};

/* Splits text; parameters after a bare "--" go to init: left out of args, kept in init_tail. Never fails. */
void cmdline_parse(struct cmdline *cl, const char *text);
void cmdline_free(struct cmdline *cl);
/* The last occurrence wins, as for most kernel parameters. NULL if absent; "" for a bare flag. */
const char *cmdline_get(const struct cmdline *cl, const char *key);
bool cmdline_has(const struct cmdline *cl, const char *key);

enum isolcpus_flag {
	ISOLCPUS_DOMAIN = 1 << 0,
	ISOLCPUS_MANAGED_IRQ = 1 << 1,
	ISOLCPUS_NOHZ = 1 << 2,
};

/*
 * "managed_irq,domain,2-7" -> flags and cpus. With no flag at all the kernel means "domain".
 * Returns 0 or -EINVAL / -ERANGE for a bad list.
 */
int cmdline_parse_isolcpus(const char *value, struct cpuset *cpus, unsigned *flags);
/* nohz_full= and rcu_nocbs= take a list; rcu_nocbs with no value means every cpu (set *all). */
int cmdline_cpu_param(const struct cmdline *cl, const char *key, struct cpuset *cpus, bool *present);
