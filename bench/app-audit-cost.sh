#!/usr/bin/env bash
# What auditing a running DPDK application costs it. The app is the bundled poller (port mode on net_null0,
# --no-pci, cpu 1, its telemetry socket kept with --telemetry); over windows of equal length it runs alone, then
# under a loop of `tickready audit --only app --app PID` (the default 1 s window, then --app-window 0 back to
# back), every audit on housekeeping cpu 0. Per window: the poller's own loop-gap distribution (every iteration's
# gap: p50, p99, p99.9, max, and the gaps over 1 us, 10 us, 100 us, 1 ms) and how long each audit held the app's
# telemetry socket (its connections' connect to close, summed, from `perf trace` of the audits: tracepoints, no
# ptrace stops). A measurement, not a test: it asserts nothing (the VM's other load lands on cpu 1 too).
# Reserves 2 MB hugepages and a private hugetlbfs, restored on exit; run under `flock /tmp/tickready-live.lock`.
# Usage: bench/app-audit-cost.sh [SECONDS=20]
set -u
SECS=${1:-20}
CPU=${CPU:-1}
cd "$(dirname "$0")/.." || exit 2
TR=${TR:-$PWD/build/tickready}
BIN=${BIN:-$PWD/build/tickready-poller}
NR=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
PREFIX=trcost-$$
SOCK=/var/run/dpdk/$PREFIX/dpdk_telemetry.v2
OLD_NR=$(cat $NR)
HUGE=$(mktemp -d /tmp/trcost-huge.XXXXXX)
TMP=$(mktemp -d /tmp/trcost.XXXXXX)
PID=

cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -INT "$PID"; wait "$PID" 2>/dev/null; fi
	rm -f "$HUGE"/"$PREFIX"* 2>/dev/null
	rm -rf /var/run/dpdk/"$PREFIX" 2>/dev/null
	umount "$HUGE" 2>/dev/null
	rmdir "$HUGE" 2>/dev/null
	echo "$OLD_NR" > $NR
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for t in "$TR" "$BIN"; do [ -x "$t" ] || { echo "no $t: make all first" >&2; exit 2; }; done
command -v perf >/dev/null || { echo "needs perf (perf trace)" >&2; exit 2; }
echo $((OLD_NR + 512)) > $NR || exit 2
mount -t hugetlbfs -o pagesize=2M none "$HUGE" || exit 2

# window NAME alone|audit [AUDIT-ARGS...]: one poller run of SECS; with audit, audits loop (under one perf trace)
# from its socket's appearance to its exit. Its document lands in $TMP/NAME.json, the trace in $TMP/NAME.trace.
window() {
	local name=$1 audit=$2
	shift 2
	"$BIN" --mode port --vdev net_null0 --cores "$CPU" --duration "$SECS" --telemetry -- \
		--huge-dir "$HUGE" --file-prefix "$PREFIX" >"$TMP/$name.json" 2>"$TMP/$name.err" &
	PID=$!
	if [ "$audit" = audit ]; then
		for _ in $(seq 300); do [ -S "$SOCK" ] && break; sleep 0.1; done
		[ -S "$SOCK" ] || { echo "$name: no telemetry socket at $SOCK" >&2; cat "$TMP/$name.err" >&2; exit 1; }
		# shellcheck disable=SC2016
		taskset -c 0 perf trace -o "$TMP/$name.trace" -e socket,connect,close -- bash -c '
			pid=$1 tr=$2; shift 2
			while kill -0 "$pid" 2>/dev/null; do "$tr" audit --only app --app "$pid" "$@" --format none >/dev/null 2>&1; done
		' audits "$PID" "$TR" "$@"
	fi
	wait "$PID" || { echo "$name: poller failed" >&2; cat "$TMP/$name.err" >&2; exit 1; }
	PID=
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); stress-ng running: $(pgrep -x stress-ng >/dev/null && echo yes || echo no)"
window alone alone
window audit1 audit
window audit0 audit --app-window 0
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$TMP" "$SECS" "$CPU" <<'PY'
import json, re, statistics, sys
tmp, secs, cpu = sys.argv[1], sys.argv[2], sys.argv[3]

def holds(path):
    """Per audit process: ms its SOCK_SEQPACKET connections were open, connect to close, summed; and how many."""
    seq, start, per = {}, {}, {}
    line = re.compile(r"^\s*([\d.]+) \(\s*([\d.]+) ms\): \S+/(\d+) (socket|connect|close)\((.*)\)\s+= (-?\d+)")
    for l in open(path):
        m = line.match(l)
        if not m:
            continue
        t, dur, pid, call, args, ret = float(m[1]), float(m[2]), m[3], m[4], m[5], int(m[6])
        if call == "socket" and "SEQPACKET" in args and ret >= 0:
            seq[(pid, ret)] = True
        fd = re.match(r"fd: (\d+)", args)
        key = (pid, int(fd[1])) if fd else None
        if call == "connect" and key in seq and ret == 0:
            start[key] = t
        elif call == "close" and key in seq:
            if key in start:
                per.setdefault(pid, []).append(t + dur - start.pop(key))
            del seq[key]
    return [(sum(v), len(v)) for v in per.values()]

rows = []
for name, label in (("alone", "poller alone"), ("audit1", "audits, --app-window 1"), ("audit0", "audits, --app-window 0")):
    d = json.load(open("%s/%s.json" % (tmp, name)))
    c = d["cores"][0]
    b = c["gap_buckets"]
    over = lambda names: sum(b[n] for n in names)
    h = holds("%s/%s.trace" % (tmp, name)) if name != "alone" else []
    rows.append((label, d, c, b, over, h))

print("\nthe app: tickready-poller --mode port --vdev net_null0 --cores %s --telemetry, %s s per window; audits on cpu 0"
      % (cpu, secs))
print("%-24s %7s %11s %7s %7s %7s %9s %7s %7s %7s %5s" % ("window", "audits", "loops", "p50 ns", "p99 ns", "p99.9",
      "max us", ">1us", ">10us", ">100us", ">1ms"))
for label, d, c, b, over, h in rows:
    print("%-24s %7d %11d %7d %7d %7d %9.1f %7d %7d %7d %5d" % (
        label, len(h), c["loops"], c["gap_p50_ns"], c["gap_p99_ns"], c["gap_p999_ns"], c["max_gap_ns"] / 1000.0,
        c["gaps_over_threshold"], over(["10-20us", "20-50us", "50-100us", "100-1000us", ">1ms"]),
        over(["100-1000us", ">1ms"]), b[">1ms"]))
print("\ntelemetry socket held per audit (connect to close, its connections summed), ms:")
for label, d, c, b, over, h in rows[1:]:
    ms = sorted(x for x, _ in h)
    conns = sorted(set(n for _, n in h))
    if ms:
        print("  %-24s min %.3f  median %.3f  max %.3f  (%d audits, %s connection%s each)" % (
            label, ms[0], statistics.median(ms), ms[-1], len(ms), "-".join(map(str, sorted({conns[0], conns[-1]}))),
            "" if conns == [1] else "s"))
    else:
        print("  %-24s no audit connected" % label)
print("\nworst loop gaps, us (when, s into the window):")
for label, d, c, b, over, h in rows:
    print("  %-24s %s" % (label, ", ".join("%.1f (%.2f)" % (w["gap_ns"] / 1000.0, w["t_ns"] / 1e9)
                                        for w in c["worst_gaps"][:5])))
PY
