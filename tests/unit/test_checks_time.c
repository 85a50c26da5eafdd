/* The time area on the base fixture: which sync runs, chronyc's CSV and pmc's answers as a capture keeps them, the PHC. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <limits.h>

#include "checktest.h"
#include "timesync.h"
#include "util.h"

#define TRACKING SYSROOT_TIME_DIR TIMESYNC_CHRONY_SOCKET "/chronyc-tracking"
#define SOURCES SYSROOT_TIME_DIR TIMESYNC_CHRONY_SOCKET "/chronyc-sources"
#define PMC SYSROOT_TIME_DIR TIMESYNC_PTP4L_SOCKET "/pmc"

/* As chronyd 4.3 answered with `local stratum 10` and no source (recorded). */
#define TRACK_LOCAL "7F7F0101,,10,1796606325.335729097,0.000000000,0.000000000,0.000000000,0.000,0.000,0.000,0.000000000,0.000000000,0.0,Normal\n"
/* A client of a stratum-1 server 2 us off. */
#define TRACK_SYNCED "C0000201,192.0.2.1,2,1796606325.335729097,-0.000002100,0.000001000,0.000003000,-12.345,0.001,0.050,0.000080000,0.000020000,16.1,Normal\n"
#define SRC_ONE "^,*,192.0.2.1,1,4,377,12,-0.000001000,-0.000001000,0.000010000\n^,?,192.0.2.9,0,6,0,-,+0.000000000,+0.000000000,0.000000000\n"

/* pmc's answer as linuxptp 3.1 prints it: one port, its state, the current and parent data sets. */
static char *pmc_answer(const char *state, const char *offset, int clock_class, const char *present)
{
	return xasprintf("sending: GET PORT_DATA_SET\n"
			 "\t222ab9.fffe.9ea99f-1 seq 0 RESPONSE MANAGEMENT PORT_DATA_SET \n"
			 "\t\tportIdentity            222ab9.fffe.9ea99f-1\n"
			 "\t\tportState               %s\n"
			 "\t\tlogMinDelayReqInterval  0\n"
			 "\t222ab9.fffe.9ea99f-0 seq 1 RESPONSE MANAGEMENT CURRENT_DATA_SET \n"
			 "\t\tstepsRemoved     1\n"
			 "\t\toffsetFromMaster %s\n"
			 "\t\tmeanPathDelay    2469.0\n"
			 "\t222ab9.fffe.9ea99f-0 seq 2 RESPONSE MANAGEMENT TIME_STATUS_NP \n"
			 "\t\tmaster_offset              161\n"
			 "\t\tgmPresent                  %s\n"
			 "\t\tgmIdentity                 ae4095.fffe.77ce6d\n"
			 "\t222ab9.fffe.9ea99f-0 seq 3 RESPONSE MANAGEMENT PARENT_DATA_SET \n"
			 "\t\tgm.ClockClass                         %d\n"
			 "\t\tgrandmasterIdentity                   ae4095.fffe.77ce6d\n",
			 state, offset, present, clock_class);
}

static void test_daemon(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	assert_verdict(fx_check(fx, "time.daemon"), V_SKIP);
	fx_profile(fx, "[time]\nsync = warn");
	fx_write(fx, "/proc/1/comm", "systemd\n");
	f = fx_check(fx, "time.daemon");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "no chronyd, ntpd, ptp4l");
	assert_has(f->remedy, "apt install chrony");
	fx_profile(fx, "[time]\nsync = required");
	assert_verdict(fx_check(fx, "time.daemon"), V_FAIL);
	/* ptp4l alone: whether it needs a phc2sys is time.phc2sys's (ptp4l -S needs none). */
	fx_write(fx, "/proc/700/comm", "ptp4l\n");
	assert_verdict(fx_check(fx, "time.daemon"), V_PASS);
	fx_write(fx, "/proc/701/comm", "phc2sys\n");
	assert_verdict(fx_check(fx, "time.daemon"), V_PASS);
	/* The profile wants NTP: PTP alone does not do. */
	fx_profile(fx, "[time]\nsource = ntp");
	f = fx_check(fx, "time.daemon");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "no chronyd or ntpd ([time] source = ntp)");
	fx_remove(fx, "/proc/700");
	fx_remove(fx, "/proc/701");
	fx_write(fx, "/proc/702/comm", "chronyd\n");
	assert_verdict(fx_check(fx, "time.daemon"), V_PASS);
	fx_profile(fx, "[time]\nsource = ptp");
	f = fx_check(fx, "time.daemon");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "chronyd (pid 702): no ptp4l ([time] source = ptp)");
	fx_profile(fx, "[time]\nsource = any");
	fx_write(fx, "/proc/703/comm", "ntpd\n");
	f = fx_check(fx, "time.daemon");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "chronyd and ntpd both steer the system clock");
	fx_remove(fx, "/proc/702");
	fx_remove(fx, "/proc/703");
	fx_write(fx, "/proc/704/comm", "systemd-timesyn\n");
	f = fx_check(fx, "time.daemon");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "systemd-timesyncd (pid 704): SNTP only");
}

static void test_chrony(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[time]\nsync = required\nmax_offset_ns = 100000");
	fx_write(fx, "/proc/1/comm", "systemd\n");
	assert_verdict(fx_check(fx, "time.chrony"), V_SKIP);	/* no chronyd */
	fx_write(fx, "/proc/702/comm", "chronyd\n");
	/* Running, but the tree keeps no answer: unknown is not a pass. */
	f = fx_check(fx, "time.chrony");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "chronyd's tracking unknown");
	fx_write(fx, TRACKING, TRACK_LOCAL);
	fx_write(fx, SOURCES, "");
	f = fx_check(fx, "time.chrony");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "reference 7F7F0101 stratum 10");
	assert_has(f->observed, "the reference is chronyd's own clock (local, stratum 10): not UTC");
	assert_has(f->observed, "sources: 0 (0 reachable), selected none");
	assert_has(f->remedy, "server or pool line");
	fx_profile(fx, "[time]\nsync = warn");
	assert_verdict(fx_check(fx, "time.chrony"), V_WARN);
	fx_profile(fx, "[time]\nsync = required");

	fx_write(fx, TRACKING, TRACK_SYNCED);
	fx_write(fx, SOURCES, SRC_ONE);
	f = fx_check(fx, "time.chrony");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "reference C0000201 (192.0.2.1) stratum 2, leap Normal, system time -2100 ns");
	assert_has(f->observed, "RMS offset 3000 ns, frequency -12.345 ppm");
	assert_has(f->observed, "sources: 2 (1 reachable), selected 192.0.2.1");
	/* 400 us off: past RTS 25's 100 us. */
	fx_write(fx, TRACKING, "C0000201,192.0.2.1,2,1796606325.3,0.000400000,0.0,0.000003000,-12.345,0.001,0.050,0.00008,0.00002,16.1,Normal\n");
	f = fx_check(fx, "time.chrony");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "offset +400.0 us past the bound 100.0 us");
	assert_lacks(f->observed, "RMS offset 3000 ns past");
	fx_write(fx, TRACKING, "C0000201,192.0.2.1,2,1796606325.3,0.0,0.0,0.000250000,-12.345,0.001,0.050,0.00008,0.00002,16.1,Normal\n");
	assert_has(fx_check(fx, "time.chrony")->observed, "RMS offset 250.0 us past the bound 100.0 us");
	fx_write(fx, TRACKING, "00000000,,0,0.0,0.0,0.0,0.0,0.000,0.000,0.000,1.0,1.0,0.0,Not synchronised\n");
	f = fx_check(fx, "time.chrony");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "not synchronised");
	/* What chronyc said when the daemon did not answer, as a capture keeps it. */
	fx_write(fx, TRACKING, "error: chronyc exited with 1: 506 Cannot talk to daemon\n");
	f = fx_check(fx, "time.chrony");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "chronyd's tracking unknown: chronyc exited with 1: 506 Cannot talk to daemon");
	fx_write(fx, TRACKING, "7F7F0101,,ten,1.0,0,0,0,0,0,0,0,0,0,Normal\n");
	assert_has(fx_check(fx, "time.chrony")->observed, "bad stratum 'ten' in chronyc's tracking line");
	fx_profile(fx, "[time]\nchronyd_socket = run/chrony.sock");
	f = fx_check(fx, "time.chrony");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "[time] chronyd_socket = 'run/chrony.sock' is not an absolute path");
}

static void test_ptp(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;
	char *text;

	fx_profile(fx, "[time]\nsync = required\nmax_offset_ns = 100000");
	fx_write(fx, "/proc/1/comm", "systemd\n");
	assert_verdict(fx_check(fx, "time.ptp"), V_SKIP);	/* no ptp4l */
	fx_write(fx, "/proc/700/comm", "ptp4l\n");
	text = pmc_answer("SLAVE", "-12.0", 6, "true");
	fx_write(fx, PMC, text);
	free(text);
	f = fx_check(fx, "time.ptp");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "port 222ab9.fffe.9ea99f-1 SLAVE; offset from master -12 ns, mean path delay 2469 ns");
	assert_has(f->observed, "grandmaster ae4095.fffe.77ce6d clock class 6");
	const char *bad_states[] = { "LISTENING", "FAULTY", "UNCALIBRATED" };
	for (size_t i = 0; i < 3; i++) {
		text = pmc_answer(bad_states[i], "-12.0", 6, "true");
		fx_write(fx, PMC, text);
		free(text);
		f = fx_check(fx, "time.ptp");
		assert_verdict(f, V_FAIL);
		assert_has(f->observed, bad_states[i]);
		assert_has(f->observed, "no port in SLAVE state");
	}
	text = pmc_answer("SLAVE", "412345.0", 248, "true");
	fx_write(fx, PMC, text);
	free(text);
	f = fx_check(fx, "time.ptp");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "clock class 248: the grandmaster is neither locked");
	assert_has(f->observed, "offset from master +412.3 us past the bound 100.0 us");
	text = pmc_answer("SLAVE", "0.0", 7, "false");
	fx_write(fx, PMC, text);
	free(text);
	assert_has(fx_check(fx, "time.ptp")->observed, "no grandmaster present");
	/* pmc ran, ptp4l never answered. */
	fx_write(fx, PMC, "sending: GET PORT_DATA_SET\n");
	f = fx_check(fx, "time.ptp");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "no answer from ptp4l on '/var/run/ptp4l'");
	assert_has(f->remedy, "uds_address");
}

#define TSINFO SYSROOT_ETHTOOL_DIR "/ens1f0/tsinfo"
/* What mlx5_core answers ETHTOOL_GET_TS_INFO with (ethtool -T: hardware and software stamps, tx off/on, rx none/all). */
#define TS_MLX5 "so_timestamping=0x5f\ntx_types=0x3\nrx_filters=0x3\nphc_index=0\nsource=ioctl\n"
/* And virtio_net, as this VM's eth0 answered: software stamps, no clock. */
#define TS_SOFT "so_timestamping=0x1a\ntx_types=0x0\nrx_filters=0x0\nphc_index=-1\nsource=ioctl\n"

static void test_phc(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	assert_verdict(fx_check(fx, "time.phc"), V_SKIP);	/* no [time] sync */
	fx_profile(fx, "[time]\nsync = required\nsource = ptp");
	/* A capture from before tsinfo was kept: unknown, said so. */
	f = fx_check(fx, "time.phc");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "keeps no timestamping facts for ens1f0");
	fx_write(fx, TSINFO, TS_MLX5);
	fx_write(fx, "/sys/class/ptp/ptp0/clock_name", "mlx5_ptp\n");
	f = fx_check(fx, "time.phc");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "ens1f0 (mlx5_core): PTP hardware clock /dev/ptp0 (mlx5_ptp); capabilities "
				"hardware-transmit, software-transmit, hardware-receive, software-receive, "
				"software-system-clock, hardware-raw-clock; hardware transmit types off, on; receive filters none, all");
	/* A clock index with no clock behind it in sysfs: phc2sys could open nothing. */
	fx_remove(fx, "/sys/class/ptp/ptp0");
	f = fx_check(fx, "time.phc");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "PTP hardware clock ptp0, but no /sys/class/ptp/ptp0");
	assert_has(f->observed, ": no PTP hardware clock");
	fx_write(fx, "/sys/class/ptp/ptp0/clock_name", "mlx5_ptp\n");
	/* Only PTP v1 filters: ptp4l (v2) gets no receive stamps. */
	fx_write(fx, TSINFO, "so_timestamping=0x5f\ntx_types=0x3\nrx_filters=0x9\nphc_index=0\n");
	f = fx_check(fx, "time.phc");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "receive filters none, ptpv1-l4-event: no hardware receive timestamps of PTP v2 events");
	assert_lacks(f->observed, "transmit timestamps");
	/* The transport's own v2 filter does (ptp4l over UDP asks for ptpv2-l4-event). */
	fx_write(fx, TSINFO, "so_timestamping=0x5f\ntx_types=0x3\nrx_filters=0x41\nphc_index=0\n");
	assert_verdict(fx_check(fx, "time.phc"), V_PASS);
	/* Hardware transmit stamping offered in so_timestamping but no tx type to turn it on. */
	fx_write(fx, TSINFO, "so_timestamping=0x5f\ntx_types=0x1\nrx_filters=0x1002\nphc_index=0\n");
	f = fx_check(fx, "time.phc");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "receive filters all, ptpv2-event: no hardware transmit timestamps");
	fx_write(fx, TSINFO, "so_timestamping=0x1f\ntx_types=0x3\nrx_filters=0x2\nphc_index=0\n");
	assert_has(fx_check(fx, "time.phc")->observed, ": no raw hardware clock timestamps");

	/* Software only: each missing piece named, and the fix. */
	fx_write(fx, TSINFO, TS_SOFT);
	fx_write(fx, "/sys/class/net/ens1f0/device/ptp/ptp3/clock_name", "other\n");
	f = fx_check(fx, "time.phc");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "ens1f0 (mlx5_core): no PTP hardware clock (device/ptp has ptp3, which the driver gives "
				"for no timestamping); capabilities software-transmit, software-receive, software-system-clock; "
				"hardware transmit types none; receive filters none: no PTP hardware clock; no hardware transmit "
				"timestamps; no hardware receive timestamps of PTP v2 events; no raw hardware clock timestamps");
	assert_has(f->remedy, "ethtool -T ens1f0");
	fx_profile(fx, "[time]\nsync = warn");
	assert_verdict(fx_check(fx, "time.phc"), V_WARN);
	/* Under NTP a software-only NIC is only noted. */
	fx_profile(fx, "[time]\nsync = required\nsource = ntp");
	f = fx_check(fx, "time.phc");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "software timestamps only: enough for NTP");
	assert_has(f->expected, "noted only");
	/* A driver that refuses the ioctl, as a capture keeps it. */
	fx_profile(fx, "[time]\nsource = ptp");
	fx_write(fx, TSINFO, "unsupported\n");
	f = fx_check(fx, "time.phc");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "the driver reports no timestamping (ETHTOOL_GET_TS_INFO unsupported): no PTP hardware clock");
	/* Garbage is no fact. */
	fx_write(fx, TSINFO, "so_timestamping=zz\ntx_types=0x3\nrx_filters=0x3\nphc_index=0\n");
	assert_verdict(fx_check(fx, "time.phc"), V_SKIP);
	fx_write(fx, TSINFO, "so_timestamping=0x5f\ntx_types=0x3\nrx_filters=0x3\nphc_index=-2\n");
	assert_verdict(fx_check(fx, "time.phc"), V_SKIP);
	/* [time] interface names another NIC than [nic]. */
	fx_write(fx, SYSROOT_ETHTOOL_DIR "/eno1/tsinfo", TS_MLX5);
	fx_profile(fx, "[time]\ninterface = eno1");
	f = fx_check(fx, "time.phc");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "eno1 (");
	fx_profile(fx, "[time]\ninterface = ens9/../x");
	f = fx_check(fx, "time.phc");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "timing NIC 'ens9/../x' ([time] interface) is not a netdev with a device on this host");
}

/* A command line as /proc/PID/cmdline holds it: each argument NUL-ended. */
static void write_cmdline(struct fx *fx, long pid, const char *const *argv)
{
	char path[64], buf[512];
	size_t len = 0;

	for (; *argv; argv++) {
		size_t n = strlen(*argv) + 1;

		assert_true(len + n <= sizeof(buf));
		memcpy(buf + len, *argv, n);
		len += n;
	}
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	fx_write_bin(fx, path, buf, len);
}
#define CMDLINE(fx, pid, ...) write_cmdline((fx), (pid), (const char *const[]){ __VA_ARGS__, NULL })

static void test_phc2sys(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[time]\nsync = required");
	fx_write(fx, "/proc/1/comm", "systemd\n");
	assert_verdict(fx_check(fx, "time.phc2sys"), V_SKIP);	/* no ptp4l */
	fx_write(fx, "/proc/700/comm", "ptp4l\n");
	/* A capture without the command line: unknown, said so. */
	f = fx_check(fx, "time.phc2sys");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "ptp4l (pid 700): command line unknown");
	/* Two ports on two clocks: ens1f0 from -i, eno1 from the config file. */
	fx_write(fx, SYSROOT_ETHTOOL_DIR "/ens1f0/tsinfo", TS_MLX5);
	fx_write(fx, SYSROOT_ETHTOOL_DIR "/eno1/tsinfo", "so_timestamping=0x5f\ntx_types=0x3\nrx_filters=0x3\nphc_index=1\n");
	fx_write(fx, "/etc/linuxptp/ptp4l.conf", "# boundary clock\n[global]\nboundary_clock_jbod 1\n[eno1]\n"
						  "[unicast_master_table]\ntable_id 1\n");
	CMDLINE(fx, 700, "/usr/sbin/ptp4l", "-f", "/etc/linuxptp/ptp4l.conf", "-i", "ens1f0", "-m");
	f = fx_check(fx, "time.phc2sys");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "ptp4l (pid 700) on ens1f0, eno1 (hardware timestamps); /dev/ptp0 (ens1f0): no phc2sys "
				"follows it; /dev/ptp1 (eno1): no phc2sys follows it: /dev/ptp0 (ens1f0), which ptp4l (pid 700) "
				"disciplines, has no phc2sys: the system clock does not follow PTP; /dev/ptp1 (eno1)");
	assert_has(f->remedy, "run phc2sys -a -r beside ptp4l");
	fx_profile(fx, "[time]\nsync = warn");
	assert_verdict(fx_check(fx, "time.phc2sys"), V_WARN);
	fx_profile(fx, "[time]\nsync = required");
	/* phc2sys -a -r follows every port of the ptp4l on its socket. */
	fx_write(fx, "/proc/701/comm", "phc2sys\n");
	CMDLINE(fx, 701, "phc2sys", "-a", "-r", "-w");
	f = fx_check(fx, "time.phc2sys");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "phc2sys (pid 701: -a -r -w); ptp4l (pid 700) on ens1f0, eno1 (hardware timestamps); "
				"/dev/ptp0 (ens1f0): phc2sys (pid 701) makes the system clock follow it; /dev/ptp1 (eno1): "
				"phc2sys (pid 701) makes");
	/* Clustered, but on another ptp4l's socket. */
	CMDLINE(fx, 701, "phc2sys", "-arz", "/run/other-ptp4l");
	assert_verdict(fx_check(fx, "time.phc2sys"), V_FAIL);
	/* The same socket as ptp4l's config names it. */
	fx_write(fx, "/etc/linuxptp/ptp4l.conf", "[global]\nuds_address /run/other-ptp4l\n[eno1]\n");
	assert_verdict(fx_check(fx, "time.phc2sys"), V_PASS);
	/* -a without -r: the PHCs in step, the system clock left alone. */
	CMDLINE(fx, 701, "phc2sys", "-a", "-z", "/run/other-ptp4l");
	f = fx_check(fx, "time.phc2sys");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "phc2sys -a without -r keeps the PTP clocks in step but the system clock follows none");
	/* By hand: -s names one clock (an interface's, or the device), the sink the system clock by default. */
	CMDLINE(fx, 701, "phc2sys", "-s", "ens1f0", "-O", "0");
	f = fx_check(fx, "time.phc2sys");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "/dev/ptp0 (ens1f0): phc2sys (pid 701) makes the system clock follow it");
	assert_has(f->observed, "/dev/ptp1 (eno1): no phc2sys follows it");
	fx_write(fx, "/proc/702/comm", "phc2sys\n");
	CMDLINE(fx, 702, "phc2sys", "-s/dev/ptp1", "-c", "CLOCK_REALTIME");
	assert_verdict(fx_check(fx, "time.phc2sys"), V_PASS);
	/* The other way (the clock follows the system clock) makes no system clock follow PTP. */
	CMDLINE(fx, 702, "phc2sys", "-s", "CLOCK_REALTIME", "-c", "/dev/ptp1");
	assert_verdict(fx_check(fx, "time.phc2sys"), V_FAIL);
	fx_remove(fx, "/proc/702");
	fx_remove(fx, "/proc/701");

	/* Software timestamps: ptp4l steers the system clock itself, no phc2sys wanted. */
	CMDLINE(fx, 700, "ptp4l", "-S", "-i", "veth0", "--free_running=1");
	f = fx_check(fx, "time.phc2sys");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "ptp4l (pid 700) on veth0 (software timestamps, free_running: it steers no clock): it "
				"steers the system clock itself");
	/* From the config file, unless the command line says otherwise. */
	fx_write(fx, "/etc/linuxptp/ptp4l.conf", "[global]\ntime_stamping software\n[ens1f0]\n");
	CMDLINE(fx, 700, "ptp4l", "-f", "/etc/linuxptp/ptp4l.conf");
	assert_verdict(fx_check(fx, "time.phc2sys"), V_PASS);
	CMDLINE(fx, 700, "ptp4l", "-H", "-f", "/etc/linuxptp/ptp4l.conf");
	assert_has(fx_check(fx, "time.phc2sys")->observed, "/dev/ptp0 (ens1f0): no phc2sys follows it");
	/* A relative config, from ptp4l's working directory. */
	fx_symlink(fx, "/etc/linuxptp", "/proc/700/cwd");
	CMDLINE(fx, 700, "ptp4l", "-f", "ptp4l.conf");
	assert_verdict(fx_check(fx, "time.phc2sys"), V_PASS);
	CMDLINE(fx, 700, "ptp4l", "-f", "/etc/linuxptp/missing.conf");
	f = fx_check(fx, "time.phc2sys");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "ptp4l (pid 700): cannot read its config '/etc/linuxptp/missing.conf'");
	/* Hardware timestamps on a port with no clock. */
	fx_write(fx, SYSROOT_ETHTOOL_DIR "/ens1f0/tsinfo", TS_SOFT);
	CMDLINE(fx, 700, "ptp4l", "-i", "ens1f0");
	f = fx_check(fx, "time.phc2sys");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "uses hardware timestamps on ens1f0, which has no PTP hardware clock (time.phc)");
	CMDLINE(fx, 700, "ptp4l", "-i");
	assert_has(fx_check(fx, "time.phc2sys")->observed, "ptp4l (pid 700): command line not understood");
}

static void test_parse_linuxptp(void **state)
{
	char *pa[] = { "ptp4l", "-2Si", "eth0", "-ieth1", "--uds_address=/run/p", "--free_running", "1", "-l", "7",
		       "-p", "/dev/ptp3", "-i", "eth0", NULL };
	char *pb[] = { "ptp4l", "-f", NULL };
	char *qa[] = { "phc2sys", "-arr", "-z", "/run/p", "-n", "24", NULL };
	char *qb[] = { "phc2sys", "-ieth0", "-c", "/dev/ptp2", "--", "-a", NULL };
	struct ptp4l_conf c;
	struct phc2sys_args a;
	char err[128];

	(void)state;
	assert_int_equal(ptp4l_parse_argv(pa, 13, &c), 0);
	assert_int_equal(c.nifaces, 2);	/* eth0 once */
	assert_string_equal(c.iface[1], "eth1");
	assert_string_equal(c.time_stamping, "software");
	assert_string_equal(c.uds_address, "/run/p");
	assert_string_equal(c.phc_device, "/dev/ptp3");
	assert_true(c.free_running);
	assert_false(ptp4l_uses_phc(&c));
	/* The command line wins over the config file; the file's ports add to -i. */
	assert_int_equal(ptp4l_parse_config("[global]\n  time_stamping hardware # hw\nuds_address /x\nfree_running 0\n"
					    "[eth2]\nuds_address /y\n", &c, err, sizeof(err)), 0);
	assert_string_equal(c.time_stamping, "software");
	assert_string_equal(c.uds_address, "/run/p");
	assert_true(c.free_running);
	assert_int_equal(c.nifaces, 3);
	assert_int_equal(ptp4l_parse_config("[global\n", &c, err, sizeof(err)), -EINVAL);
	assert_has(err, "line 1: bad section");
	assert_int_equal(ptp4l_parse_argv(pb, 2, &c), -EINVAL);
	assert_int_equal(ptp4l_parse_argv(pa, 1, &c), 0);
	assert_string_equal(c.time_stamping, "hardware");
	assert_string_equal(c.uds_address, TIMESYNC_PTP4L_SOCKET);
	assert_true(ptp4l_uses_phc(&c));
	assert_int_equal(ptp4l_parse_config("[global]\ntime_stamping legacy\n", &c, err, sizeof(err)), 0);
	assert_false(ptp4l_uses_phc(&c));

	assert_int_equal(phc2sys_parse_argv(qa, 6, &a), 0);
	assert_true(a.automatic);
	assert_int_equal(a.realtime, 2);
	assert_string_equal(a.uds, "/run/p");
	assert_string_equal(a.sink, PTP_CLOCK_REALTIME);
	assert_int_equal(phc2sys_parse_argv(qb, 6, &a), 0);
	assert_false(a.automatic);	/* after "--" */
	assert_string_equal(a.source, "eth0");
	assert_string_equal(a.sink, "/dev/ptp2");
	assert_string_equal(a.uds, TIMESYNC_PTP4L_SOCKET);
	assert_int_equal(phc2sys_parse_argv(qa, 3, &a), -EINVAL);	/* -z without its path */
}

static void test_parse(void **state)
{
	struct chrony_tracking t;
	struct chrony_sources s;
	struct ptp_state p;
	char err[200];

	(void)state;
	assert_int_equal(chrony_parse_tracking(TRACK_LOCAL, &t, err, sizeof(err)), 0);
	assert_true(chrony_local_reference(&t));
	assert_int_equal(t.stratum, 10);
	assert_string_equal(t.leap, "Normal");
	assert_int_equal(chrony_parse_tracking(TRACK_SYNCED, &t, err, sizeof(err)), 0);
	assert_false(chrony_local_reference(&t));
	assert_true(t.freq_ppm < -12.3 && t.freq_ppm > -12.4);
	assert_int_equal(chrony_parse_tracking("7F7F0101,,10\n", &t, err, sizeof(err)), -EINVAL);
	assert_has(err, "3 fields in chronyc's tracking line, expected 14");
	assert_int_equal(chrony_parse_tracking("ZZ,,10,1,0,0,0,0,0,0,0,0,0,Normal", &t, err, sizeof(err)), -EINVAL);
	assert_has(err, "bad reference id 'ZZ'");
	assert_int_equal(chrony_parse_tracking("7F7F0101,,10,1,0,0,x,0,0,0,0,0,0,Normal", &t, err, sizeof(err)), -EINVAL);
	assert_has(err, "bad rms offset 'x'");
	assert_int_equal(chrony_parse_sources(SRC_ONE, &s, err, sizeof(err)), 0);
	assert_int_equal(s.total, 2);
	assert_int_equal(s.selected, 0);
	assert_int_equal(s.selected_stratum, 1);
	assert_int_equal(chrony_parse_sources("^,*,a\n", &s, err, sizeof(err)), -EINVAL);
	assert_has(err, "line 1 of chronyc's sources");
	/* Two ports: a boundary clock's master side and slave side. */
	assert_int_equal(ptp_parse_pmc("\tx-1 seq 0 RESPONSE MANAGEMENT PORT_DATA_SET \n\t\tportState  MASTER\n"
				       "\tx-2 seq 0 RESPONSE MANAGEMENT PORT_DATA_SET \n\t\tportState  SLAVE\n", &p), 0);
	assert_int_equal(p.nports, 2);
	assert_string_equal(p.port[1].state, "SLAVE");
	assert_false(p.has_current);
	assert_int_equal(ptp_parse_pmc("sending: GET PORT_DATA_SET\n", &p), -ENODATA);
	assert_true(timesync_socket_valid("/run/chrony/chronyd.sock"));
	assert_false(timesync_socket_valid("/run/../etc/x"));
	assert_false(timesync_socket_valid("/run//x"));
	assert_false(timesync_socket_valid("/run/./x"));
	assert_false(timesync_socket_valid("/run/x/"));
	assert_false(timesync_socket_valid("/run/a b"));
	assert_false(timesync_socket_valid("run/x"));
}

/* The live path: a stand-in chronyc and pmc on PATH show the argv asked (read-only, no shell) and the errors kept. */
static void test_ask_live(void **state)
{
	char dir[] = "/tmp/tickready-time-XXXXXX", path[PATH_MAX], err[256], *out, *old_path;
	struct sysroot sr;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/chronyc", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\nif [ \"$5\" = sources ]; then echo '506 Cannot talk to daemon' >&2; exit 1; fi\n"
		   "printf '%%s|' \"$@\"\n");
	fclose(f);
	chmod(path, 0755);
	snprintf(path, sizeof(path), "%s/pmc", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\nprintf '%%s|' \"$@\"\n");
	fclose(f);
	chmod(path, 0755);
	old_path = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	snprintf(path, sizeof(path), "%s:%s", dir, old_path);
	setenv("PATH", path, 1);
	assert_int_equal(sysroot_open(&sr, "/"), 0);
	assert_true(sr.live);
	assert_int_equal(timesync_ask(&sr, TQ_CHRONY_TRACKING, "/run/x.sock", &out, err, sizeof(err)), 0);
	assert_string_equal(out, "-c|-n|-h|/run/x.sock|tracking|");
	free(out);
	assert_int_equal(timesync_ask(&sr, TQ_CHRONY_SOURCES, "/run/x.sock", &out, err, sizeof(err)), -EIO);
	assert_null(out);
	assert_string_equal(err, "chronyc exited with 1: 506 Cannot talk to daemon");
	assert_int_equal(timesync_ask(&sr, TQ_PTP4L, "/run/p4; rm -rf x", &out, err, sizeof(err)), -EINVAL);
	assert_int_equal(timesync_ask(&sr, TQ_PTP4L, "/run/ptp4l", &out, err, sizeof(err)), 0);
	assert_string_equal(out, "-u|-b|0|-s|/run/ptp4l|GET PORT_DATA_SET|GET CURRENT_DATA_SET|GET TIME_STATUS_NP|"
				 "GET PARENT_DATA_SET|");
	free(out);
	sysroot_close(&sr);
	setenv("PATH", old_path, 1);
	free(old_path);
	snprintf(path, sizeof(path), "%s/chronyc", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pmc", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_daemon, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_chrony, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ptp, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_phc, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_phc2sys, fx_setup_base, fx_teardown),
		cmocka_unit_test(test_parse_linuxptp),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_ask_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
