#!/usr/bin/env bash
# How audit, apply --dry-run and report grow with the host: cpus 4 -> 2,048 (256 IRQs), then IRQs 16 -> 16,000
# (64 cpus), on synthetic trees (bench/gen-synthetic-tree.sh). Counted, not timed, so a loaded VM gives the same
# figures: user-space instructions (callgrind's Ir) and system calls (strace -c). Each series ends with the
# fitted exponent of cost against size (1.00: linear; /proc/interrupts itself grows as cpus x IRQs).
# A benchmark, not a test. Usage: bench/growth.sh [--quick]   (TR=build/tickready by default)
set -u
cd "$(dirname "$0")/.."
TR=${TR:-build/tickready}
command -v valgrind >/dev/null && command -v strace >/dev/null || { echo "growth: needs valgrind and strace" >&2; exit 2; }
[ -x "$TR" ] || { echo "growth: no $TR (make first)" >&2; exit 2; }
CPUS="4 16 64 256 1024 2048" IRQS="16 160 1600 16000"
[ "${1:-}" = --quick ] && CPUS="4 64 256" IRQS="16 1600"
work=$(mktemp -d /tmp/tickready-growth-XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
rows=$work/rows

# instructions and syscalls of one command on TREE: "IR SYSCALLS" (strace -c's total line: % seconds usecs/call
# calls [errors] total; the calls column, not the errors one that is there when a call failed)
count() {
	local out=$work/cg.out
	valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>"$work/vg.err"
	local ir; ir=$(awk '/^summary:/ {print $2}' "$out"); rm -f "$out"
	local sc; sc=$(strace -f -c -o "$work/sc" "$@" >/dev/null 2>&1; awk '$NF == "total" {print $4; exit}' "$work/sc")
	echo "${ir:-0} ${sc:-0}"
}

point() { # series ncpu nirq
	local tree=$work/tree nnode=$(( $2 >= 32 ? 8 : 1 ))
	NCPU=$2 NNODE=$nnode NIRQ=$3 bash bench/gen-synthetic-tree.sh "$tree" >/dev/null
	local bytes; bytes=$(stat -c %s "$tree/proc/interrupts")
	local a d r
	a=$(count "$TR" audit --root "$tree" --profile hft-strict --format json)
	d=$(count "$TR" apply --dry-run --root "$tree" --profile hft-strict --format json)
	r=$(count "$TR" report --root "$tree" --profile hft-strict --format json)
	echo "$1 $2 $3 $bytes $a $d $r" | tee -a "$rows" >&2
	rm -rf --one-file-system "$tree"
}

echo "series ncpu nirq interrupts_bytes audit_ir audit_sys dryrun_ir dryrun_sys report_ir report_sys" >&2
for c in $CPUS; do point cpus "$c" 256; done
for q in $IRQS; do point irqs 64 "$q"; done

python3 - "$rows" <<'PY'
import math, sys
rows = [l.split() for l in open(sys.argv[1])]
def fit(xs, ys):
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1)) for y in ys]
    n = len(xs); mx, my = sum(lx) / n, sum(ly) / n
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)
names = ["audit", "apply --dry-run", "report"]
for series, col in (("cpus", 1), ("irqs", 2)):
    rs = [r for r in rows if r[0] == series]
    print("\n%s series (%s)" % (series, "IRQs 256" if series == "cpus" else "cpus 64"))
    print("%6s %6s %12s | %14s %8s | %14s %8s | %14s %8s" % ("cpus", "irqs", "intr bytes", "audit Ir", "sys", "dry-run Ir", "sys", "report Ir", "sys"))
    for r in rs:
        print("%6s %6s %12s | %14s %8s | %14s %8s | %14s %8s" % tuple(r[1:]))
    if len(rs) < 2:
        continue
    xs = [int(r[col]) for r in rs]
    for i, name in enumerate(names):
        ir = [int(r[4 + 2 * i]) for r in rs]; sc = [int(r[5 + 2 * i]) for r in rs]
        # the exponent of the last step too, where the fixed start-up cost no longer hides the growth
        print("  %-16s exponent vs %s: instructions %.2f (last step %.2f), syscalls %.2f (last step %.2f)" % (
            name, series, fit(xs, ir), fit(xs[-2:], ir[-2:]), fit(xs, sc), fit(xs[-2:], sc[-2:])))
PY
