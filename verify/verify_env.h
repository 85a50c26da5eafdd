/* What verify sets up on the live host and always takes down: a private hugetlbfs, hugepages, namespaces, child processes, the stamped UDP stream. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../poller/seq.h"
#include "sysroot.h"

/* mkdtemp under /tmp and a hugetlbfs of that page size on it; dir receives the path. Returns 0 or -errno. */
int venv_huge_mount(unsigned long page_kb, char *dir, size_t size);
/* Removes every file in dir (our own mount: only the poller's), unmounts and removes dir. */
int venv_huge_release(const char *dir);
/* Removes DPDK's runtime directory of prefix (/var/run/dpdk/PREFIX) and the files in it. */
int venv_dpdk_rundir_remove(const struct sysroot *sr, const char *prefix);

/* The node's pool file, /sys/devices/system/node/nodeN/hugepages/hugepages-SIZEkB/nr_hugepages. */
void venv_pool_path(int node, unsigned long page_kb, char *buf, size_t size);
/* Raises the node's pool so that need pages are free; *old receives the count to restore. */
int venv_pool_raise(const struct sysroot *sr, int node, unsigned long page_kb, long need, long *old, long *now_free);
int venv_pool_restore(const struct sysroot *sr, int node, unsigned long page_kb, long old);

/* Runs argv (execvp, no shell) to completion; its stderr's first line lands in err. Returns its exit status or -errno. */
int venv_run(char *const argv[], char *err, size_t errlen);

/*
 * Starts argv (execv when path has a '/', else execvp) with stdout/stderr on out_fd/err_fd
 * (-1: inherit), in network namespace netns (NULL: ours), pinned to cpu (-1: not), and asks
 * the kernel to SIGTERM it if verify dies. Returns its pid or -errno.
 */
pid_t venv_spawn(char *const argv[], const char *netns, int cpu, int out_fd, int err_fd);
/* Same, but the child runs fn(arg) and exits with its return value. */
pid_t venv_fork(int (*fn)(void *), void *arg, const char *netns, int cpu);
/* All of an fd we wrote through (a memfd: read from offset 0), as a string to free. */
char *venv_fd_text(int fd);
/* The last non-empty line of text (trailing newlines cut off in place): a child's error for a one-line message. */
const char *venv_last_line(char *text);
/* Enters a namespace created by `ip netns add` (its file under /var/run/netns). */
int venv_netns_enter(const char *name);

/* A veth pair between two fresh namespaces, 198.18.0.1/30 (sender) <-> 198.18.0.2/30 (receiver). */
struct venv_pair {
	char ns_tx[32], ns_rx[32];
	char if_tx[16], if_rx[16];
	bool ns_tx_made, ns_rx_made;
	bool rx_no_addr;	/* pingpong: the reflector side has no address, so its kernel drops (never answers) the pings */
};
#define VENV_TX_ADDR "198.18.0.1"
#define VENV_RX_ADDR "198.18.0.2"
#define VENV_UDP_PORT 9000
/* A stamped packet's UDP payload: 64 bytes, up to what a 1500-byte MTU carries (1500 - 20 IP - 8 UDP). */
#define VENV_MIN_PAYLOAD 64
#define VENV_MAX_PAYLOAD 1472
/*
 * sweep's sizes are IP packet sizes, 64 to 1500 (the MTU): the UDP payload is 28 bytes less (20 IP + 8 UDP),
 * so 64 sends a 36-byte payload (the 24-byte stamp fits) and 1500 a 1472-byte one.
 */
#define VENV_IP_UDP_HDR 28
#define VENV_MIN_IP_SIZE 64
#define VENV_MAX_IP_SIZE (VENV_MAX_PAYLOAD + VENV_IP_UDP_HDR)
#define VENV_MIN_SENT_PAYLOAD (VENV_MIN_IP_SIZE - VENV_IP_UDP_HDR)
#define VENV_TX_MAC "02:00:c6:12:00:01"
#define VENV_RX_MAC "02:00:c6:12:00:02"
/* The DPDK pinger's source: off the sender's /30, so its kernel drops the echoes instead of answering them. */
#define VENV_PING_ADDR "198.18.0.5"
/* Names from the pid (if_rx from the caller when set); err names the failing command. */
int venv_pair_create(struct venv_pair *p, char *err, size_t errlen);
/* Deletes both namespaces (and with them the veths); safe to call twice. */
int venv_pair_delete(struct venv_pair *p);

/* The stamped UDP stream (poller/stamp.h format, CLOCK_MONOTONIC) and the kernel socket receiving it. */
struct kvb_shared {
	/* sender */
	uint64_t count, pps;
	uint64_t payload_bytes;	/* UDP payload of each packet, VENV_MIN_SENT_PAYLOAD..VENV_MAX_PAYLOAD; 0: VENV_MIN_PAYLOAD */
	uint64_t sent, send_errors;
	double send_s;
	/* receiver */
	int busy_poll_us;
	double timeout_s;	/* give up this long after the first packet... or from start when none came */
	volatile int ready;	/* socket bound: the sender may start */
	/* pingpong --peer: from src to dst (network byte order) on ifname; 0: VENV_TX_ADDR to VENV_RX_ADDR */
	uint32_t pp_src, pp_dst;
	char pp_ifname[16];
	uint16_t pp_port;	/* the UDP port both ways; 0: VENV_UDP_PORT */
	uint64_t received, negative, foreign;	/* received: own stamps, duplicates included */
	double cpu_user_s, cpu_system_s, cpu_seconds;	/* the receiver's CPU time, and its wall time, from bound to done */
	struct seq_track seq;
	uint64_t nlat;
	uint64_t lat[];		/* ns, one per stamped packet */
};
/* MAP_SHARED anonymous memory, so a forked sender/receiver can fill it. */
struct kvb_shared *kvb_shared_new(uint64_t count);
void kvb_shared_free(struct kvb_shared *k);
/* fork bodies: arg is the struct kvb_shared. */
int kvb_sender(void *arg);
int kvb_receiver(void *arg);
/*
 * Pingpong over a kernel UDP socket (VENV_TX_ADDR to VENV_RX_ADDR): one stamped packet, wait for its echo, half
 * the round trip into lat[]. busy_poll_us 0: blocking recv; > 0: SO_BUSY_POLL and a non-blocking spin. Runs
 * for timeout_s or count pings.
 */
int pp_kernel_client(void *arg);
/*
 * Is anyone echoing? Stamped pings from k's addresses every 100 ms for up to seconds: 0 at the first echo,
 * -ETIMEDOUT when none came, -errno when the socket cannot be made.
 */
int pp_probe(struct kvb_shared *k, double seconds);
/* A socket bound to src:port that is never read: the kernel queues (then drops) the echoes the DPDK pinger takes,
 * instead of answering each with ICMP port unreachable. Returns the fd or -errno. */
int pp_sink(uint32_t src, uint16_t port, const char *ifname);
