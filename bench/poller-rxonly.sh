#!/bin/bash
# poller-rxonly.sh - rx-only Mpps of tickready-poller vs dpdk-testpmd on net_null0.
# Both poll the same lcore (CPU 1; testpmd also needs a main lcore on CPU 0),
# ROUNDS times alternately; medians and their ratio are printed.
# Reserves 2 MB hugepages and a private hugetlbfs, restored on exit.
set -u

SECS=${1:-3}
ROUNDS=${ROUNDS:-3}
CPU=${CPU:-1}
cd "$(dirname "$0")/.."
BIN=${BIN:-build/tickready-poller}
NR=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
PREFIX=trbench-$$
OLD_NR=$(cat $NR)
HUGE=$(mktemp -d /tmp/trbench-huge.XXXXXX)
TMP=$(mktemp -d /tmp/trbench.XXXXXX)

cleanup() {
	rm -f "$HUGE"/"$PREFIX"* 2>/dev/null
	rm -rf /var/run/dpdk/"$PREFIX"* 2>/dev/null
	umount "$HUGE" 2>/dev/null
	rmdir "$HUGE" 2>/dev/null
	echo "$OLD_NR" > $NR
	rm -rf "$TMP"
}
trap cleanup EXIT

[ -x $BIN ] || make -s -f poller/poller.mk $BIN || exit 2
echo $((OLD_NR + 512)) > $NR || exit 2
mount -t hugetlbfs -o pagesize=2M none "$HUGE" || exit 2
EAL=(--huge-dir "$HUGE" --file-prefix "$PREFIX")

# One round: the poller's mean Mpps over its run (start-up outside it), then testpmd's mean
# over its 1-second Rx-pps windows after the first (the one start-up falls in): mean against
# mean, both in steady state (its best window against the poller's mean flattered testpmd).
poller_mpps() {
	$BIN --mode port --vdev net_null0 --cores "$CPU" --duration "$SECS" -- "${EAL[@]}" \
		>"$TMP/poller.json" 2>"$TMP/poller.err" || { cat "$TMP/poller.err" >&2; return 1; }
	python3 -c 'import json,sys; print("%.2f" % json.load(open(sys.argv[1]))["streams"][0]["mpps"])' \
		"$TMP/poller.json"
}

testpmd_mpps() {
	timeout -s INT $((SECS + 3)) dpdk-testpmd -l "0,$CPU" --main-lcore 0 --no-pci \
		--vdev net_null0 --no-telemetry "${EAL[@]}" -- --forward-mode=rxonly \
		--nb-cores=1 --rxq=1 --txq=1 --burst=32 --stats-period=1 \
		>"$TMP/testpmd.log" 2>&1 </dev/null
	awk '/Rx-pps:/ { if (n++) { s += $2; k++ } } END { printf "%.2f", k ? s / k / 1e6 : 0 }' "$TMP/testpmd.log"
}

# Alternating rounds, so load from other tenants of this VM hits both alike.
P=() T=()
for r in $(seq "$ROUNDS"); do
	p=$(poller_mpps) || exit 1
	t=$(testpmd_mpps)
	P+=("$p") T+=("$t")
	echo "round $r: tickready-poller $p Mpps, dpdk-testpmd $t Mpps"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
POLLER=$(median "${P[@]}")
TESTPMD=$(median "${T[@]}")

echo "tickready-poller rx-only: $POLLER Mpps (median of $ROUNDS; cpu $CPU, burst 32, stamp lookup + free check per packet, rdtsc + gap per burst)"
echo "dpdk-testpmd rxonly:      $TESTPMD Mpps (median of $ROUNDS; cpu $CPU, burst 32, mean of its 1-s windows after the first)"
awk -v a="$POLLER" -v b="$TESTPMD" 'BEGIN {
	if (b > 0) printf "ratio poller/testpmd:     %.3f (goal >= 1.25)\n", a / b
	else { print "testpmd gave no rate"; exit 1 }
}'
