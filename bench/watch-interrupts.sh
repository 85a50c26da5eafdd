#!/usr/bin/env bash
# What tickready adds to an isolated cpu's interrupts: every per-cpu row of /proc/interrupts and
# /proc/softirqs on CPU during N audits, N/10 reports and status runs, and a watch of the same length,
# each run pinned to housekeeping cpu 0 with a profile isolating CPU, against an idle baseline as long
# as the audits, and two controls on cpu 0 that are not tickready: N runs of the file-read floor
# (bench/floor.c over the files an audit opens: the same reads, nothing else) and a busy loop as long
# as the audits (no syscall at all). What the controls add too, the kernel adds for any load on cpu 0
# while CPU is not isolated at boot (its scheduler balances CPU with cpu 0); what only the audits add
# is tickready's. Then watch's own cost a sample on this host and on a 512-cpu synthetic tree.
# A measurement, not a test: it asserts nothing (the VM's other load lands on CPU too).
# Usage: bench/watch-interrupts.sh [N=1000] [CPU=1]
set -u
cd "$(dirname "$0")/.."
TR=${TR:-$PWD/build/tickready}
N=${1:-1000} CPU=${2:-1}
D=$(mktemp -d /tmp/tickready-bench-XXXXXX)
trap 'rm -rf "$D"' EXIT
P=$D/iso.ini
# The bench's own shell, its loops' forks and its samplers stay on cpu 0 too: only what tickready does can reach CPU
# (its loops ran unpinned before, so their forks could land on CPU and count as tickready's).
taskset -pc 0 $$ >/dev/null
printf '[cpu]\nisolated_cores = %s\nhousekeeping_cores = 0\n' "$CPU" >"$P"

# snap NAME: the CPU column of every row of both tables, "row value" a line.
snap() {
	python3 - "$CPU" >"$D/$1" <<'PY'
import sys
cpu = int(sys.argv[1])
for path, pre in (("/proc/interrupts", ""), ("/proc/softirqs", "softirq.")):
    lines = open(path).read().splitlines()
    cols = {int(c[3:]): i for i, c in enumerate(lines[0].split())}
    for l in lines[1:]:
        key, _, rest = l.partition(":")
        f = rest.split()
        if cpu in cols and len(f) > cols[cpu] and f[cols[cpu]].isdigit():
            print(pre + key.strip(), f[cols[cpu]])
PY
}
# phase NAME CMD...: counters before and after CMD; the seconds it took in $D/NAME.secs.
phase() {
	local name=$1 t0; shift
	snap "$name.before"; t0=$(date +%s.%N)
	"$@"
	echo "$(date +%s.%N) - $t0" | bc >"$D/$name.secs"; snap "$name.after"
}
audits() { for _ in $(seq "$N"); do taskset -c 0 "$TR" audit --profile "$P" --format none >/dev/null 2>&1; done; }
reports() { for _ in $(seq $((N / 10))); do taskset -c 0 "$TR" report --profile "$P" --format none >/dev/null 2>&1; done; }
statuses() { for _ in $(seq $((N / 10))); do taskset -c 0 "$TR" status >/dev/null 2>&1; done; }
floors() { for _ in $(seq "$N"); do taskset -c 0 "$D/floor" "$D/audit.list" >/dev/null 2>&1; done; }
busy() { timeout "$(cat "$D/audit.secs")" taskset -c 0 sh -c 'while :; do :; done'; }
watching() { taskset -c 0 "$TR" watch --profile "$P" --duration "$(cat "$D/audit.secs")" >/dev/null 2>&1; }

cc -O2 -o "$D/floor" bench/floor.c || exit 2
taskset -c 0 bash bench/file-list.sh "$TR" audit --profile "$P" --format none >"$D/audit.list"
phase audit audits
phase idle sleep "$(cat "$D/audit.secs")"
phase floor floors
phase busy busy
phase report reports
phase status statuses
phase watch watching
python3 - "$D" "$N" <<'PY'
import sys, os
d, n = sys.argv[1], int(sys.argv[2])
def delta(name):
    b = dict(l.split() for l in open(f"{d}/{name}.before"))
    a = dict(l.split() for l in open(f"{d}/{name}.after"))
    return {k: int(a[k]) - int(b.get(k, 0)) for k in a}
phases = [("idle", "idle"), ("audit", f"{n} audits"), ("floor", f"{n} floors"), ("busy", "busy loop"), ("report", f"{n//10} reports"), ("status", f"{n//10} status"), ("watch", "watch")]
deltas = {p: delta(p) for p, _ in phases}
secs = {p: float(open(f"{d}/{p}.secs").read()) for p, _ in phases}
rows = sorted(set().union(*deltas.values()))
print("%-22s" % "row (cpu %s)" % os.environ.get("CPU", "1") + "".join("%14s" % t for _, t in phases))
print("%-22s" % "seconds" + "".join("%14.1f" % secs[p] for p, _ in phases))
for r in rows:
    if any(deltas[p].get(r, 0) for p, _ in phases):
        print("%-22s" % r[:22] + "".join("%14d" % deltas[p].get(r, 0) for p, _ in phases))
PY

# watch's own cost a sample, start-up left out: the summary's cost line (live: files kept open; --root:
# opened per read), and bench/watch-cost.c on the synthetic tree with its files kept open as they are live.
cost() { # cost LABEL ARGS...
	echo "watch cost, $1: $(shift; "$@" --interval 0.1 --count 20 2>/dev/null | sed -n 's/^cost: //p')"
}
cost "this host ($(nproc) cpus, $(ls -d /proc/[0-9]* 2>/dev/null | wc -l) processes)" taskset -c 0 "$TR" watch --profile "$P"
bash bench/gen-synthetic-tree.sh "$D/synth" >/dev/null
printf '[cpu]\nisolated_cores = 2-511\nhousekeeping_cores = 0-1\n' >"$D/synth.ini"
cost "512-cpu synthetic tree, 4,000 IRQs, --root" "$TR" watch --root "$D/synth" --profile "$D/synth.ini"
B=$(dirname "$TR")
if cc -O2 -std=gnu11 -D_GNU_SOURCE -Icore -o "$D/watch-cost" bench/watch-cost.c "$B/libtickready.a" -ljansson -lyaml -lz -lm; then
	echo "watch cost, 512-cpu synthetic tree, files kept open: $("$D/watch-cost" "$D/synth" 2-511 0-1 20 keep)"
fi
