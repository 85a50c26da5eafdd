#!/usr/bin/env bash
# The speed goals of issue 24, each figure against its anchor measured in this run: audits against
# tuned-adm verify, lscpu and the file-read floor (bench/floor.c: the same files, read by a minimal C
# program) in interleaved pairs (A B A B ...) with the ratio pair by pair, min/median/max; the poller's
# rx-only rate against testpmd, its own instructions per packet in that loop beside testpmd's, its
# loopback against a raw rte_ring, and the TSC rate's error. Says met / NOT met per goal. Live DPDK
# parts reserve hugepages: run it alone.
set -u
cd "$(dirname "$0")/.."
TR=${TR:-build/tickready}
PAIRS=${PAIRS:-15}
TMP=$(mktemp -d /tmp/trgoals.XXXXXX)
# the idle poller run's DPDK runtime directory goes with the bench (--no-huge leaves no hugepage files)
trap 'rm -rf "$TMP" /var/run/dpdk/trgoals-$$' EXIT
SYN=${SYN:-/tmp/tickready-synth}
[ -d "$SYN/sys" ] || bash bench/gen-synthetic-tree.sh "$SYN" >/dev/null
cc -O2 -o "$TMP/floor" bench/floor.c || exit 2

# Interleaved pairs: A then B, PAIRS times after one warm-up each; per-run cpu (user+sys, children) and wall.
# Prints "A_med_cpu_ms B_med_cpu_ms cpu_ratio_min med max A_med_wall_ms B_med_wall_ms wall_ratio_min med max
# A_mean_user_ms B_mean_user_ms A_mean_sys_ms B_mean_sys_ms": where the cpu goes, user space or the kernel (means:
# the kernel splits a run's time between the two by the ticks it sampled, too coarse for a median of 5-ms runs).
pairs() {
	python3 - "$PAIRS" "$@" <<'PY'
import os, subprocess, sys, time
n = int(sys.argv[1]); args = sys.argv[2:]; k = args.index("--")
cmds = (args[:k], args[k + 1:])
def once(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    return (ru.ru_utime + ru.ru_stime) * 1e3, (time.perf_counter() - t0) * 1e3, ru.ru_utime * 1e3, ru.ru_stime * 1e3
for c in cmds:
    once(c)
a, b = [], []
for _ in range(n):
    a.append(once(cmds[0])); b.append(once(cmds[1]))
med = lambda v: sorted(v)[len(v) // 2]
out = []
for i in (0, 1):
    r = sorted(x[i] / y[i] for x, y in zip(a, b) if y[i] > 0) or [float("nan")]
    out += [med([x[i] for x in a]), med([y[i] for y in b]), r[0], med(r), r[-1]]
mean = lambda v: sum(v) / len(v)
for i in (2, 3):
    out += [mean([x[i] for x in a]), mean([y[i] for y in b])]
print(" ".join("%.4g" % v for v in out))
PY
}

rows=()
row() { rows+=("$(printf '%-58s %-44s %s' "$1" "$2" "$3")"); echo "${rows[-1]}"; }
verdict() { python3 -c "import sys; print('met' if $1 else 'NOT met')"; }

echo "interleaved pairs: $PAIRS each; ratios A/B pair by pair as min / median / max"
bash bench/file-list.sh "$TR" audit --format json >"$TMP/live.list"
bash bench/file-list.sh "$TR" audit --root "$SYN" --format json >"$TMP/syn.list"

if command -v tuned-adm >/dev/null && tuned-adm active >/dev/null 2>&1; then
	read -r _ _ _ _ _ aw tw _ rmed _ < <(PAIRS=$(( PAIRS < 7 ? PAIRS : 7 )) pairs "$TR" audit --format json -- tuned-adm verify)
	r=$(python3 -c "print('%.1f' % (1 / $rmed))")
	row "live audit vs tuned-adm verify (wall), goal >= 30x" "${r}x ($aw vs $tw ms)" "$(verdict "1 / $rmed >= 30")"
else
	row "live audit vs tuned-adm verify (wall), goal >= 30x" "no tuned daemon" "unknown (bench/with-tuned.sh)"
fi
read -r ac lc c0 c1 c2 aw lw w0 w1 w2 _ < <(pairs "$TR" audit --format json -- lscpu)
row "live audit / lscpu (wall), goal <= 1.25x" "$w0 / $w1 / $w2 ($aw vs $lw ms)" "$(verdict "$w1 <= 1.25")"
read -r ac fc c0 c1 c2 aw fw w0 w1 w2 au fu as fs < <(pairs "$TR" audit --format json -- "$TMP/floor" "$TMP/live.list")
row "live audit / floor ($(wc -l <"$TMP/live.list") files; cpu), goal <= 1.2x" "$c0 / $c1 / $c2 ($ac vs $fc ms)" "$(verdict "$c1 <= 1.2")"
row "  of which user / system (means)" "audit $au / $as ms, floor $fu / $fs ms" ""
read -r ac fc c0 c1 c2 _ _ _ _ _ au fu as fs < <(pairs "$TR" audit --root "$SYN" --format json -- "$TMP/floor" "$TMP/syn.list")
row "512-cpu/4,000-IRQ tree audit / floor (cpu), goal <= 1.2x" "$c0 / $c1 / $c2 ($ac vs $fc ms)" "$(verdict "$c1 <= 1.2")"
row "  of which user / system (means)" "audit $au / $as ms, floor $fu / $fs ms" ""
# Not a goal: the same tree against a floor that opens its files as tickready must (floor -s: no device opened).
read -r ac fc c0 c1 c2 _ < <(pairs "$TR" audit --root "$SYN" --format json -- "$TMP/floor" -s "$TMP/syn.list")
row "  the same, floor opening as safely (floor -s: O_PATH, fstat, reopen)" "$c0 / $c1 / $c2 ($ac vs $fc ms)" ""

if [ -x build/tickready-poller ] && command -v dpdk-testpmd >/dev/null; then
	rx=$(ROUNDS=${ROUNDS:-3} bash bench/poller-rxonly.sh 4 2>&1 | sed -n 's/^ratio poller\/testpmd: *\([0-9.]*\).*/\1/p')
	row "poller rx-only / testpmd rxonly (mean vs mean), goal >= 1.25x" "${rx:-failed}" "$(verdict "${rx:-0} >= 1.25")"
	bash bench/poller-callgrind.sh >"$TMP/cg" 2>&1
	ipp=$(sed -n 's/^tickready-poller own instructions\/packet: *//p' "$TMP/cg")
	tpp=$(sed -n 's/^dpdk-testpmd own instructions\/packet: *//p' "$TMP/cg")
	row "poller's own instructions/packet, rx-only loop, goal <= 25" "${ipp:-failed} (testpmd rxonly's own ${tpp:-failed})" "$(verdict "${ipp:-999} <= 25")"
	lb=$(ROUNDS=${ROUNDS:-3} bash bench/poller-loopback.sh 2>&1 | sed -n 's/^ratio poller P50 [^:]*: \([0-9.]*\) .*/\1/p')
	row "loopback P50 / raw rte_ring one-way P50, goal <= 1.5x" "${lb:-failed}" "$(verdict "${lb:-99} <= 1.5")"
	build/tickready-poller --mode idle --cores 1 --duration 1 -- --no-huge -m 256 --no-pci \
		--file-prefix trgoals-$$ >"$TMP/idle.json" 2>/dev/null
	tsc=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); c = d["tsc_calibration"]
print("%.2f ppm over the run (DPDK estimate %+.3f %%, %s)" % (d["tsc_check"]["rel_error"] * 1e6, c["eal_rel_error"] * 100, c["source"]))' "$TMP/idle.json" 2>/dev/null)
	ok=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(abs(d["tsc_check"]["rel_error"]) <= 1e-5 and d["tsc_calibration"]["source"] == "monotonic_raw")' "$TMP/idle.json" 2>/dev/null)
	row "verify's TSC rate against CLOCK_MONOTONIC_RAW, goal exact (<= 10 ppm)" "${tsc:-failed}" "$(verdict "'$ok' == 'True'")"
else
	row "poller goals (rx-only, instructions, loopback, TSC)" "no build/tickready-poller or dpdk-testpmd" "unknown"
fi
echo
echo "speed goals (this run):"
printf '  %s\n' "${rows[@]}"
