/* verify's modes as one table: a row per mode (verify_mode_def), each defined in the mode's own file, listed once below. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Every mode, in the order help lists them (the first is the default): X(ENUM, NAME), NAME's row is
 * `const struct verify_mode_def verify_mode_NAME` in its file. A new mode is its file and a line here.
 */
#define VERIFY_MODE_LIST(X) \
	X(VM_LOOPBACK, loopback)	/* verify/mode_loopback.c */ \
	X(VM_IDLE, idle)		/* verify/mode_idle.c */ \
	X(VM_PORT, port)		/* verify/mode_port.c */ \
	X(VM_KVB, kvb)			/* verify/mode_kvb.c: kernel-vs-bypass */ \
	X(VM_PINGPONG, pingpong)	/* verify/pingpong.c */ \
	X(VM_FEEDS, feeds)		/* verify/feeds.c */ \
	X(VM_SWEEP, sweep)		/* verify/mode_sweep.c: kernel-vs-bypass over rates and sizes */

enum verify_mode {
#define VERIFY_MODE_ENUM(e, n) e,
	VERIFY_MODE_LIST(VERIFY_MODE_ENUM)
#undef VERIFY_MODE_ENUM
	VM_COUNT,
};
#define VM_DEFAULT VM_LOOPBACK

/* The options only some modes take, in the order the command line is checked; every other option applies to all. */
#define VERIFY_MODE_OPTS(X) \
	X(VO_PEER, "peer") \
	X(VO_PEER_MAC, "peer-mac") \
	X(VO_UDP_PORT, "udp-port") \
	X(VO_SCENARIO, "scenario") \
	X(VO_PORT, "port") \
	X(VO_VDEV, "vdev") \
	X(VO_IFACE, "iface") \
	X(VO_RATE, "rate") \
	X(VO_BUSY_POLL, "busy-poll") \
	X(VO_RATES, "rates") \
	X(VO_SIZES, "sizes")

enum verify_mode_opt {
#define VERIFY_OPT_ENUM(e, n) e,
	VERIFY_MODE_OPTS(VERIFY_OPT_ENUM)
#undef VERIFY_OPT_ENUM
	VO_COUNT,
};
#define VO_BIT(o) (1u << (o))
/* The option's name without "--". */
extern const char *const verify_opt_names[VO_COUNT];
/* The option of that name, or -1 when every mode takes it (or there is none). */
int verify_opt_find(const char *name);

/* Which cpus a mode measures on. */
enum verify_cores {
	VC_ONE,		/* one isolated cpu (--cores: exactly 1) */
	VC_PAIR,	/* a generator and a poller, not SMT siblings; a housekeeping generator when one is isolated */
	VC_EVERY,	/* every isolated cpu (--cores: any number) */
};

struct verify_run;
struct verify_opts;
struct window;

struct verify_mode_def {
	const char *name;		/* --mode NAME, the report's and the windows' name */
	enum verify_cores cores;
	bool other_end;			/* its other end (sender, reflector, generator) runs on a housekeeping cpu */
	int dpdk_processes;		/* side by side, each with the socket memory of one */
	unsigned opts;			/* VO_BIT()s of the mode-specific options it accepts */
	const char *const *roles;	/* of the planned cpus in order, NULL-ended; the last names the rest */
	int passes;			/* measurements one after the other: it runs about passes x --duration */
	long default_rate;		/* --rate when not given */
	bool gap_histograms;		/* the text report shows each core's loop-gap histogram */
	/* The values of its options that only make sense together (cli/, before anything runs); NULL: none. 0 or -1. */
	int (*check)(struct verify_opts *o, char *err, size_t errlen);
	/* What it needs from the host, settled before anything is touched; NULL: nothing. 0 or -1. */
	int (*prepare)(struct verify_run *r, char *err, size_t errlen);
	/* The measurement: *doc is the run's document, w[] its windows (w[0] preset to every planned cpu). 0 or -1. */
	int (*run)(struct verify_run *r, struct window *w, json_t **doc, char *err, size_t errlen);
	/* Its figures in the text report, between the header and the clock line. */
	void (*render)(FILE *f, const json_t *doc);
};

#define VERIFY_MODE_EXTERN(e, n) extern const struct verify_mode_def verify_mode_##n;
VERIFY_MODE_LIST(VERIFY_MODE_EXTERN)
#undef VERIFY_MODE_EXTERN

/* The table, indexed by enum verify_mode. */
extern const struct verify_mode_def *const verify_modes[VM_COUNT];
/* 0 and the mode, or -EINVAL. */
int verify_mode_parse(const char *s, enum verify_mode *out);
/* The role of planned cpu i of mode m. */
const char *verify_mode_role(enum verify_mode m, int i);
/*
 * "a, b or c": the names of the modes that accept option vo (-1: every mode), into buf; mark_default
 * adds " (default)" after the default's name.
 */
const char *verify_mode_names(int vo, bool mark_default, char *buf, size_t size);
/* The mode that runs for m given the options (VO_BIT()s): kernel-vs-bypass with --rates or --sizes is the sweep. */
enum verify_mode verify_mode_effective(enum verify_mode m, unsigned given);
/* A sweep size (an IP packet, VENV_MIN_IP_SIZE..VENV_MAX_IP_SIZE bytes) as the UDP payload the sender writes. */
long verify_sweep_payload(long ip_size);
