#!/usr/bin/env bash
# Benchmarks: tickready audit wall time against the anchor tools, measured in the same run, plus
# the synthetic 512-cpu tree. Prints figures and ratios, and whether each speed goal is met; a benchmark,
# not a test. Where tuned is installed but not running: `flock /work/live.lock bench/with-tuned.sh make bench`
# (tuned changes live settings). `bench/run.sh --goals` runs only what the goals need (no poller benches).
set -u
goals_only=; [ "${1:-}" = --goals ] && goals_only=1
cd "$(dirname "$0")/.."
# issue 24's table, each goal against its anchor from the same run
[ -n "$goals_only" ] && exec bash bench/goals.sh
TR=${TR:-build/tickready}
RUNS=${RUNS:-31}

# Median wall time in ms of RUNS runs of a command (its output discarded).
median_ms() {
	python3 - "$RUNS" "$@" <<'PY'
import subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
t = []
for _ in range(runs):
    s = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.append((time.perf_counter() - s) * 1000)
t.sort()
print("%.2f" % t[len(t) // 2])
PY
}

printf '%-52s %10s\n' "command" "median ms"
audit=$(median_ms "$TR" audit --format json)
printf '%-52s %10s  (goal <= 5 ms)\n' "tickready audit (live, default profile)" "$audit"
strict=$(median_ms "$TR" audit --profile hft-strict --format json)
printf '%-52s %10s\n' "tickready audit (live, hft-strict: fd walk too)" "$strict"
lscpu_ms=$(median_ms lscpu)
printf '%-52s %10s\n' "lscpu" "$lscpu_ms"
devbind=$(command -v dpdk-devbind.py || true)
hugep=$(command -v dpdk-hugepages.py || true)
if [ -n "$devbind" ] && [ -n "$hugep" ]; then
	dpdk_ms=$(median_ms sh -c "$devbind --status >/dev/null; $hugep --show >/dev/null")
	printf '%-52s %10s\n' "dpdk-devbind.py --status + dpdk-hugepages.py --show" "$dpdk_ms"
fi
tuned_ms=""
if command -v tuned-adm >/dev/null && tuned-adm active >/dev/null 2>&1; then
	tuned_ms=$(RUNS=11 median_ms tuned-adm verify)
	printf '%-52s %10s\n' "tuned-adm verify" "$tuned_ms"
else
	printf '%-52s %10s\n' "tuned-adm verify" "n/a (no tuned daemon)"
fi
python3 - "$audit" "$lscpu_ms" "${dpdk_ms:-}" "$tuned_ms" <<'PY'
import sys
a, l, d, t = sys.argv[1:5]
a = float(a)
print("ratios: audit/lscpu = %.1fx (goal <= 10x)" % (a / float(l)))
if d:
    print("        dpdk usertools / audit = %.1fx" % (float(d) / a))
if t:
    print("        tuned-adm verify / audit = %.1fx (goal >= 20x)" % (float(t) / a))
PY

SYN=${SYN:-/tmp/tickready-synth}
[ -d "$SYN/sys" ] || bash bench/gen-synthetic-tree.sh "$SYN" >/dev/null
syn=$(RUNS=11 median_ms "$TR" audit --root "$SYN" --format json)
printf '%-52s %10s  (goal <= 100 ms)\n' "tickready audit, synthetic 512 cpus/8 nodes/4000 IRQs" "$syn"
rss=$( { /usr/bin/time -f '%M' "$TR" audit --root "$SYN" --format json >/dev/null; } 2>&1 | tail -1)
printf '%-52s %10s\n' "  peak RSS (KiB)" "$rss"
dry_line=$(TR="$TR" bash bench/apply-dryrun.sh)
echo "$dry_line"
dry=$(echo "$dry_line" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')

# The speed goals, each against its figure from this run.
echo
echo "speed goals (this run):"
python3 - "$audit" "$tuned_ms" "$syn" "$dry" <<'PY'
import sys
a, t, s, d = sys.argv[1:5]
def goal(name, ok, figure):
    print("  %-46s %-22s %s" % (name, figure, "met" if ok else "NOT met"))
goal("live audit <= 5 ms", float(a) <= 5, "%s ms" % a)
if t:
    goal("tuned-adm verify / live audit >= 20x", float(t) / float(a) >= 20, "%.1fx (%s / %s ms)" % (float(t) / float(a), t, a))
else:
    print("  %-46s %-22s %s" % ("tuned-adm verify / live audit >= 20x", "no tuned daemon", "unknown (bench/with-tuned.sh)"))
goal("synthetic audit <= 100 ms", float(s) <= 100, "%s ms" % s)
if d:
    goal("synthetic apply --dry-run <= 150 ms", float(d) <= 150, "%s ms" % d)
else:
    print("  %-46s %-22s %s" % ("synthetic apply --dry-run <= 150 ms", "failed", "NOT met"))
PY
[ -n "$goals_only" ] && exit 0
for b in bench/journal.sh bench/report.sh bench/poller-rxonly.sh bench/poller-callgrind.sh bench/poller-loopback.sh bench/poller-vs-oslat.sh bench/app-audit-cost.sh; do
	[ -x "$b" ] || [ -f "$b" ] && { echo; echo "== $b"; bash "$b"; }
done
exit 0
