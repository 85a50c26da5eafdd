#!/bin/bash
# poller-callgrind.sh - instructions per packet of the real rx-only loop, tickready-poller
# (--mode port --vdev net_null0) against dpdk-testpmd --forward-mode=rxonly, under callgrind.
# Each loop's count is split into the driver's part (net_null's rx burst and all it calls: mbuf
# alloc) and the program's own (the rest of the loop: rx_burst's inline wrapper, stamp lookup,
# counters, free, loop tick). Packets: the poller's JSON, testpmd's final RX-packets.
# Instruction counts, so the result does not depend on the machine's load. Needs no hugepages.
set -eu

SECS=${1:-2}
cd "$(dirname "$0")/.."
BIN=${BIN:-build/tickready-poller}
[ -x "$BIN" ] || make -s -f poller/poller.mk "$BIN"
TMP=$(mktemp -d /tmp/trpoll-cg.XXXXXX)
PREFIX=trpoll-cg-$$
trap 'rm -rf "$TMP" /var/run/dpdk/"$PREFIX"-p /var/run/dpdk/"$PREFIX"-t' EXIT
EAL=(--no-huge -m 256 --no-pci)
CG=(valgrind --tool=callgrind --separate-threads=yes)

# Valgrind slows each loop past the 1 us default gap threshold, which would run the gap
# tracker's slow path (rare natively) every loop: the largest threshold keeps it off.
"${CG[@]}" --callgrind-out-file="$TMP/poller.cg" "$BIN" --mode port --vdev net_null0 --cores 1 \
	--duration "$SECS" --threshold-ns 10000000000 -- "${EAL[@]}" --file-prefix "$PREFIX-p" \
	>"$TMP/poller.json" 2>"$TMP/poller.err" || { cat "$TMP/poller.err" >&2; exit 1; }
PKTS_P=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["streams"][0]
print(s["received"] + s["foreign"])' "$TMP/poller.json")

# testpmd's pool as small as the poller's (its default does not fit in 256 MB); SIGINT ends the run
# and prints the totals. Valgrind's start-up takes a few seconds of the timeout.
rc=0
timeout -s INT $((SECS + 8)) "${CG[@]}" --callgrind-out-file="$TMP/testpmd.cg" dpdk-testpmd -l 0,1 \
	--main-lcore 0 --vdev net_null0 --no-telemetry "${EAL[@]}" --file-prefix "$PREFIX-t" -- \
	--forward-mode=rxonly --nb-cores=1 --rxq=1 --txq=1 --burst=32 --total-num-mbufs=8192 \
	--stats-period=1 >"$TMP/testpmd.log" 2>&1 </dev/null || rc=$?
PKTS_T=$(awk '/RX-packets:.*RX-dropped:/ { n = $2 } END { print n + 0 }' "$TMP/testpmd.log")
[ "$PKTS_T" -gt 0 ] || { echo "testpmd received nothing (exit $rc)" >&2; cat "$TMP/testpmd.log" >&2; exit 1; }

# split NAME PACKETS LOOP_FN CALLGRIND_FILES...: the polling thread is the one with the most
# instructions in net_null (the others only probe it). There the driver's part is the largest
# inclusive count in librte_net_null (its rx burst), the loop LOOP_FN's inclusive count, or with
# no LOOP_FN (testpmd is stripped) the largest inclusive count of a dpdk-testpmd function.
split() {
	local name=$1 pkts=$2 fn=$3 f
	shift 3
	for f in "$@"; do
		echo "FILE $f"
		callgrind_annotate --inclusive=yes --threshold=100 "$f" 2>/dev/null
	done | awk -v name="$name" -v pkts="$pkts" -v fn="$fn" '
	function done_file() { if (d > drv) { drv = d; loop = l } d = l = 0 }
	/^FILE / { done_file(); next }
	/^ *[0-9,]+ +\([0-9.]+%\) +[^ ].* \[.*\]$/ {
		ir = $1; gsub(",", "", ir); ir += 0
		obj = $NF; gsub(/[][]/, "", obj)
		if (obj ~ /librte_net_null/ && ir > d) d = ir
		if (fn != "" && $3 ~ (":" fn "$") && ir > l) l = ir
		if (fn == "" && obj ~ /dpdk-testpmd$/ && ir > l) l = ir
	}
	END {
		done_file()
		if (!loop || !drv || !pkts) { print name ": no rx loop in the profile" > "/dev/stderr"; exit 1 }
		printf "%s: %d packets, whole loop %.1f, driver (net_null rx) %.1f, own %.1f instructions/packet\n",
			name, pkts, loop / pkts, drv / pkts, (loop - drv) / pkts
		printf "%s own instructions/packet: %.1f\n", name, (loop - drv) / pkts
	}'
}
split "tickready-poller" "$PKTS_P" run_poller "$TMP"/poller.cg-*
split "dpdk-testpmd" "$PKTS_T" "" "$TMP"/testpmd.cg-*
