/* Clock sync state from the daemons' own machine interfaces: chronyc's CSV and ptp4l's management answers (pmc). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "sysroot.h"

/* Where a tree keeps what the daemons answered: one file per question. */
#define SYSROOT_TIME_DIR "/.tickready/time"
/* The daemons' default sockets, where the profile names none. */
#define TIMESYNC_CHRONY_SOCKET "/run/chrony/chronyd.sock"
#define TIMESYNC_PTP4L_SOCKET "/var/run/ptp4l"

/* sun_path's size: a longer socket cannot be connected to. */
#define TIMESYNC_SOCKET_MAX 108
/* An absolute path, each component a plain name (no "", "." or ".."), no spaces or control bytes. */
bool timesync_socket_valid(const char *socket);

enum timesync_query {
	TQ_CHRONY_TRACKING,	/* chronyc -c -n -h SOCKET tracking */
	TQ_CHRONY_SOURCES,	/* chronyc -c -n -h SOCKET sources */
	TQ_PTP4L,		/* pmc -u -b 0 -s SOCKET 'GET PORT_DATA_SET' ... (read-only GETs) */
	TQ_COUNT
};

/*
 * Asks the daemon behind socket. Live root: execs the tool (an argv array, stdin /dev/null, killed
 * after a few seconds) and, while capturing, keeps its answer as SYSROOT_TIME_DIR SOCKET/NAME
 * (/.tickready/time/run/chrony/chronyd.sock/chronyc-tracking); foreign root: reads that file,
 * never the live host. *out (malloc'd) is the answer; on failure -errno and
 * why (the tool's own words when it said any) in err.
 */
int timesync_ask(const struct sysroot *sr, enum timesync_query q, const char *socket, char **out, char *err,
		 size_t errsize);
/* The capture's file for q ("chronyc-tracking"). */
const char *timesync_query_file(enum timesync_query q);

/* chronyc -c tracking: one line of 14 fields (chrony's documented order). */
struct chrony_tracking {
	char ref_id[16];	/* hex, "7F7F0101" for the local clock */
	char ref_name[64];	/* address or refclock name; may be empty */
	int stratum;
	double ref_time;	/* seconds since the epoch */
	double system_time;	/* seconds; chronyd's estimate of the system clock's offset */
	double last_offset, rms_offset;	/* seconds */
	double freq_ppm, resid_freq_ppm, skew_ppm;
	double root_delay, root_dispersion;	/* seconds */
	double update_interval;	/* seconds */
	char leap[32];		/* Normal, Insert second, Delete second, Not synchronised */
};
/* 0, or -EINVAL with the field that did not parse named in err. */
int chrony_parse_tracking(const char *csv, struct chrony_tracking *t, char *err, size_t errsize);
/* The reference is chronyd's own clock (`local` directive): 127.127.1.1 as a refid. */
bool chrony_local_reference(const struct chrony_tracking *t);

/* chronyc -c sources: counts, and the selected source ('*'). */
struct chrony_sources {
	int total, reachable;	/* reach register nonzero */
	int selected;		/* index of the '*' line, -1 when none */
	char selected_name[64];
	int selected_stratum;
	char selected_mode;	/* '^' server, '=' peer, '#' reference clock */
};
int chrony_parse_sources(const char *csv, struct chrony_sources *s, char *err, size_t errsize);

/* What ptp4l answered, per port (PORT_DATA_SET) and for the clock (the other data sets). */
#define PTP_MAX_PORTS 16
struct ptp_state {
	int nports;
	struct {
		char identity[40];
		char state[24];	/* SLAVE, MASTER, LISTENING, FAULTY, UNCALIBRATED, ... */
	} port[PTP_MAX_PORTS];
	bool has_current, has_time_status, has_parent;
	double offset_ns, mean_path_delay_ns;	/* CURRENT_DATA_SET */
	int steps_removed;
	long long master_offset_ns;	/* TIME_STATUS_NP */
	bool gm_present;
	char gm_identity[40];
	int gm_clock_class;	/* PARENT_DATA_SET gm.ClockClass */
};
/* pmc's answer text; 0 even when some data sets are missing (has_* say which), -ENODATA when none answered. */
int ptp_parse_pmc(const char *text, struct ptp_state *p);

/* linuxptp's command lines and ptp4l's config file: what ptp4l runs on, what phc2sys follows. */
#define PTP_MAX_IFACES 16
#define PTP_CLOCK_REALTIME "CLOCK_REALTIME"
struct ptp4l_conf {
	int nifaces;
	char iface[PTP_MAX_IFACES][32];	/* -i, then the config file's port sections */
	char phc_device[64];		/* -p DEVICE; "" when not given */
	char time_stamping[16];		/* -H hardware (the default), -S software, -L legacy, or the config's */
	char uds_address[TIMESYNC_SOCKET_MAX];	/* its management socket, default TIMESYNC_PTP4L_SOCKET */
	char config[256];		/* -f FILE; "" when none */
	bool free_running;		/* free_running 1: it steers no clock */
	/* What the command line set itself: it wins over the config file. */
	bool cli_stamping, cli_uds, cli_free;
};
/* argv[0..n) of a ptp4l; 0, or -EINVAL (an option missing its argument, too many interfaces). */
int ptp4l_parse_argv(char *const *argv, size_t n, struct ptp4l_conf *c);
/*
 * ptp4l's config file text: [global] time_stamping, uds_address, free_running (what the command line
 * did not set), every other section but [unicast_master_table] a port. 0, or -EINVAL naming the line in err.
 */
int ptp4l_parse_config(const char *text, struct ptp4l_conf *c, char *err, size_t errsize);
/* ptp4l takes a PTP hardware clock: hardware (or onestep) timestamps, not software or legacy. */
bool ptp4l_uses_phc(const struct ptp4l_conf *c);

struct phc2sys_args {
	bool automatic;		/* -a: follows ptp4l's ports (through uds) */
	int realtime;		/* -r given (twice: the system clock may also be a source) */
	char source[64];	/* -s (or -i); "" when none */
	char sink[64];		/* -c; CLOCK_REALTIME when not given */
	char uds[TIMESYNC_SOCKET_MAX];	/* -z, default TIMESYNC_PTP4L_SOCKET */
};
int phc2sys_parse_argv(char *const *argv, size_t n, struct phc2sys_args *a);
