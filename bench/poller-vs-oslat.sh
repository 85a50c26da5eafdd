#!/bin/bash
# poller-vs-oslat.sh - tickready-poller idle mode next to oslat (rt-tests), same core and duration.
# Prints, for each tool, the loop count, the max gap and the share of gaps above
# 1 us and above 10 us, and whether the two agree within an order of magnitude.
# Reserves 2 MB hugepages and a private hugetlbfs, restored on exit.
set -u

SECS=${1:-10}
CPU=${CPU:-1}
cd "$(dirname "$0")/.."
BIN=${BIN:-build/tickready-poller}
OSLAT=${OSLAT:-oslat}
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

command -v "$OSLAT" >/dev/null || { echo "oslat not found (apt install rt-tests)"; exit 2; }
[ -x "$BIN" ] || make -s -f poller/poller.mk "$BIN" || exit 2
echo $((OLD_NR + 64)) > $NR || exit 2
mount -t hugetlbfs -o pagesize=2M none "$HUGE" || exit 2

# threshold 1000 ns: gaps_over_threshold counts gaps > 1 us, like oslat's
# buckets above its first (1 us wide, rounded up)
$BIN --mode idle --cores "$CPU" --duration "$SECS" --threshold-ns 1000 -- \
	--huge-dir "$HUGE" --file-prefix "$PREFIX" \
	>"$TMP/idle.json" 2>"$TMP/idle.err" || { cat "$TMP/idle.err"; exit 1; }
"$OSLAT" --cpu-list "$CPU" --duration "$SECS" --json "$TMP/oslat.json" \
	>"$TMP/oslat.txt" 2>&1 || { cat "$TMP/oslat.txt"; exit 1; }

python3 - "$TMP/idle.json" "$TMP/oslat.json" "$CPU" "$SECS" <<'PY'
import json, math, sys
p = json.load(open(sys.argv[1]))["cores"][0]
o = json.load(open(sys.argv[2]))["thread"]["0"]
h = {int(k): v for k, v in o["histogram"].items()}
o_loops = sum(h.values())
o_over1 = o_loops - h.get(1, 0)			# bucket N: gaps in (N-1, N] us
o_over10 = sum(v for k, v in h.items() if k > 10)
b = p["gap_buckets"]
p_over10 = sum(b[k] for k in ("10-20us", "20-50us", "50-100us", "100-1000us", ">1ms"))
rows = [
    ("tickready-poller idle", p["loops"], p["max_gap_ns"] / 1000.0, p["gaps_over_threshold"], p_over10),
    ("oslat", o_loops, float(o["max"]), o_over1, o_over10),
]
print("cpu %s, %s s each (run one after the other)" % (sys.argv[3], sys.argv[4]))
print("%-22s %12s %10s %12s %10s %12s %10s" % ("", "loops", "max us", ">1us gaps", "share", ">10us gaps", "per s"))
for name, loops, mx, o1, o10 in rows:
    print("%-22s %12d %10.1f %12d %10.2e %12d %10.1f"
          % (name, loops, mx, o1, o1 / loops if loops else 0, o10, o10 / float(sys.argv[4])))
def same_order(a, b):
    if a <= 0 or b <= 0:
        return a == b
    return abs(math.log10(a / b)) < 1
(_, pl, pm, p1, _), (_, ol, om, o1, _) = rows
m = same_order(pm, om)
s = same_order(p1 / pl if pl else 0, o1 / ol if ol else 0)
print("max gap: same order of magnitude: %s; share of gaps > 1 us: same order of magnitude: %s"
      % ("yes" if m else "NO", "yes" if s else "NO"))
print("same story: %s" % ("yes" if m and s else "NO"))
PY
