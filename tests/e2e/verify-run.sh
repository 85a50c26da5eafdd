#!/usr/bin/env bash
# End-to-end: tickready verify runs the DPDK poller (loopback, idle, kernel-vs-bypass), judges targets, cleans up after a crash.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/verify-lib.sh
PAGES=64
restore() {
	echo "$OLD_NR" > $NR
	cleanup_tmps
}
trap restore EXIT
T=$(mktmp)
P2M="$T/p2m.ini"
# The default profile with 2 MB pages (the test reserves them) and loose targets on a shared VM.
printf '[profile]\nname = e2e-2m\ninclude = hft-balanced\n[memory]\nhugepage_size = 2M\n[targets]\nloopback.p99_ns = 1000000000\nloopback.p9999_ns = 1000000000\nidle.max_gap_us = 10000000\nidle.max_timer_irqs_per_s = 1000000\nmax_tsc_skew_ns = 1000000000\nmax_drop_ppm = 1000000\n' > "$P2M"

RESERVED=$((OLD_NR + PAGES))
echo $RESERVED > $NR

# Loopback, 2 s, on 2 MB pages the test reserved.
expect_status 0 "loopback 2 s passes loose targets" "$TR" verify --profile "$P2M" --mode loopback --duration 2 --format json
cp "$OUT" "$T/loop.json"
if python3 -m json.tool "$T/loop.json" >/dev/null; then ok "loopback JSON is valid"; else not_ok "loopback JSON invalid"; head -c 300 "$T/loop.json"; fi
[ "$(json "$T/loop.json" 'd["schema"]')" = tickready.verify/1 ] && ok "schema tickready.verify/1" || not_ok "schema"
S='[s for s in d["streams"] if s["name"] == "loopback"][0]'
[ "$(json "$T/loop.json" "$S[\"received\"] == $S[\"sent\"] > 0")" = True ] && ok "received == sent" || not_ok "received != sent: $(json "$T/loop.json" "($S['sent'], $S['received'])")"
[ "$(json "$T/loop.json" "[$S[k] for k in ('p50_ns','p90_ns','p99_ns','p999_ns','p9999_ns','max_ns')] == sorted([$S[k] for k in ('p50_ns','p90_ns','p99_ns','p999_ns','p9999_ns','max_ns')])")" = True ] && ok "percentiles monotonic" || not_ok "percentiles not monotonic"
[ "$(json "$T/loop.json" '[(t["name"], t["verdict"]) for t in d["targets"]]')" = "[('loopback.p99_ns', 'pass'), ('loopback.p9999_ns', 'pass'), ('max_drop_ppm[loopback]', 'pass'), ('max_tsc_skew_ns', 'pass')]" ] && ok "loopback latency, drop and TSC skew targets judged pass" || not_ok "loopback targets: $(json "$T/loop.json" 'd["targets"]')"
[ "$(json "$T/loop.json" "$COUNTS_OK and $S['duplicated'] == 0 and $S['dropped'] == 0")" = True ] && ok "loopback counts add up, nothing dropped or duplicated" || not_ok "loopback counts: $(json "$T/loop.json" 'd["streams"]')"
[ "$(json "$T/loop.json" 'd["tsc_offset_measured"] and isinstance(d["tsc_offset_ns"], int)')" = True ] && ok "cross-core TSC offset in the document" || not_ok "no TSC offset"
# The TSC rate is measured against CLOCK_MONOTONIC_RAW and the error over the run reported (bounds only, no clock compared).
[ "$(json "$T/loop.json" 'd["tsc_calibration"]["source"] == "monotonic_raw" and d["tsc_calibration"]["window_ns"] >= 100000000 and 0 <= d["tsc_calibration"]["bound"] < 1 and isinstance(d["tsc_check"]["rel_error"], float) and d["tsc_calibration"]["eal_tsc_hz"] > 0')" = True ] && ok "TSC calibrated, its error over the run in the JSON" || not_ok "tsc calibration: $(json "$T/loop.json" '(d.get("tsc_calibration"), d.get("tsc_check"))')"
[ "$(json "$T/loop.json" 'sorted(c["cpu"] for c in d["causes"][0]["cpus"])')" = "[0, 1]" ] && ok "causes for both cores" || not_ok "causes cpus"
[ "$(json "$T/loop.json" 'all("local timer interrupts" in c["interrupts"] for c in d["causes"][0]["cpus"])')" = True ] && ok "causes count local timer interrupts" || not_ok "no LOC in causes"
[ "$(json "$T/loop.json" 'd["ready"] and d["representative"]')" = True ] && ok "ready and representative" || not_ok "ready/representative"
leftovers "loopback" $RESERVED

# Text report: verdict, targets, histogram, the borrowed housekeeping generator said.
expect_status 0 "loopback text report" "$TR" verify --profile "$P2M" --duration 1
expect_grep "text verdict line" '^verdict: READY' "$OUT"
expect_grep "text names the generator's housekeeping cpu" 'generator on housekeeping cpu 0' "$OUT"
expect_grep "text histogram" 'latency histogram \(log scale\)' "$OUT"
expect_grep "text says the TSC rate, its calibration and the error over the run" '^clock: TSC [0-9.]+ GHz, measured against CLOCK_MONOTONIC_RAW over .* ppm against CLOCK_MONOTONIC_RAW$' "$OUT"
grep -q $'\033' "$OUT" "$ERR" && not_ok "escape sequences in output that is not a terminal" || ok "no progress line when stdout is not a terminal"
expect_grep "text clock line" '^clock: cross-core TSC offset [-+][0-9]+ ns' "$OUT"
expect_grep "text drop target" '^  PASS max_drop_ppm\[loopback\]: observed 0\.00 ppm' "$OUT"
expect_grep "text causes" '^  cpu1 \(poller\): .*local timer interrupts' "$OUT"

# Idle on cpu 1, 2 s.
expect_status 0 "idle on cpu 1 for 2 s" "$TR" verify --profile "$P2M" --mode idle --cores 1 --duration 2 --format json
python3 -m json.tool "$OUT" >/dev/null && ok "idle JSON valid" || not_ok "idle JSON"
[ "$(json "$OUT" '[c["cpu"] for c in d["cores"]] == [1] and d["cores"][0]["max_gap_ns"] > 0 and d["streams"] == []')" = True ] && ok "idle measured cpu 1" || not_ok "idle cores"
[ "$(json "$OUT" '[t["name"] for t in d["targets"]]')" = "['idle.max_gap_us', 'idle.max_timer_irqs_per_s[cpu1]']" ] && ok "idle gap and tick targets judged" || not_ok "idle targets: $(json "$OUT" 'd["targets"]')"
[ "$(json "$OUT" '[t["cpu"] for t in d["ticks"]] == [1] and d["ticks"][0]["seconds"] > 0 and d["ticks"][0]["timer_irqs"] >= 0')" = True ] && ok "idle counts timer interrupts on cpu 1" || not_ok "idle ticks: $(json "$OUT" 'd["ticks"]')"
expect_status 0 "idle text" "$TR" verify --profile "$P2M" --mode idle --cores 1 --duration 1
expect_grep "idle text shows ticks per second" '^cpu1 \(idle\): longest loop gap .* timer interrupts/s' "$OUT"

# A target nobody meets: exit 1, the target named.
printf '[profile]\nname = e2e-impossible\ninclude = %s\n[targets]\nloopback.p99_ns = 1\n' "$P2M" > "$T/imp.ini"
expect_status 1 "impossible target gives exit 1" "$TR" verify --profile "$T/imp.ini" --duration 1
expect_grep "the failed target is named" 'NOT READY \(failed: loopback\.p99_ns\)' "$OUT"
expect_grep "the FAIL line" '^  FAIL loopback\.p99_ns: observed .* target <= 1 ns' "$OUT"

# Kernel vs bypass on a veth pair in namespaces verify creates and deletes. Which path is faster is the
# VM's business (bench/ compares them): the test checks the structure, the counts and the verdict's logic.
expect_status_in "0 1" "kernel-vs-bypass on a veth pair" "$TR" verify --profile "$P2M" --mode kernel-vs-bypass --duration 2 --rate 5000 --format json
cp "$OUT" "$T/kvb.json"
python3 -m json.tool "$T/kvb.json" >/dev/null && ok "kvb JSON valid" || not_ok "kvb JSON"
[ "$(json "$T/kvb.json" 'sorted(s["name"] for s in d["streams"])')" = "['bypass', 'kernel']" ] && ok "kernel and bypass streams" || not_ok "kvb streams"
[ "$(json "$T/kvb.json" 'all(s["sent"] == 10000 and s["latency_measured"] and s["p50_ns"] <= s["p99_ns"] <= s["max_ns"] for s in d["streams"])')" = True ] && ok "both streams measured 10000 packets" || not_ok "kvb streams: $(json "$T/kvb.json" '[(s["name"], s["sent"], s["received"], s["dropped"]) for s in d["streams"]]')"
[ "$(json "$T/kvb.json" "$COUNTS_OK")" = True ] && ok "kvb counts add up" || not_ok "kvb counts: $(json "$T/kvb.json" '[(s["name"], s["sent"], s["received"], s["dropped"], s["duplicated"], s["foreign"]) for s in d["streams"]]')"
G='[t for t in d["targets"] if t["name"] == "kernel_vs_bypass.min_p99_gain"][0]'
[ "$(json "$T/kvb.json" "$G['target'] == 1 and ($G['verdict'] == 'pass') == ($G['observed'] >= 1)")" = True ] && ok "gain judged with the default 1 (bypass not slower)" || not_ok "gain target: $(json "$T/kvb.json" "$G")"
[ "$(json "$T/kvb.json" "$VERDICT_OK")" = True ] && ok "kvb verdict follows its targets" || not_ok "kvb verdict"
[ "$(json "$T/kvb.json" 'd["bypass_path"]["software_only"] and "not the NIC" in d["bypass_path"]["shows"] and any("not the NIC" in n for n in d["notes"])')" = True ] && ok "software-only bypass labelled" || not_ok "no software-only label"
leftovers "kernel-vs-bypass" $RESERVED
expect_status_in "0 1" "kernel-vs-bypass text" "$TR" verify --profile "$P2M" --mode kernel-vs-bypass --duration 1 --rate 2000
expect_grep "side-by-side table" 'kernel recvmsg +DPDK bypass +kernel/DPDK' "$OUT"
expect_grep "P99.9 row" '^P99\.9 ' "$OUT"
expect_grep "text says the veth shows the code path" 'shows the code path, not the NIC' "$OUT"
expect_grep "text verdict" '^verdict: (READY|NOT READY \(failed: .*\))' "$OUT"

# Pingpong: the reflector in a namespace verify builds, three paths pinging it; structure, counts, cleanup.
expect_status_in "0 1" "pingpong on a veth pair" "$TR" verify --profile "$P2M" --mode pingpong --duration 1 --format json
cp "$OUT" "$T/pp.json"
[ "$(json "$T/pp.json" '[s["name"] for s in d["streams"]]')" = "['kernel', 'kernel-busy-poll', 'dpdk']" ] && ok "pingpong: one stream per path" || not_ok "pingpong streams: $(json "$T/pp.json" '[s["name"] for s in d["streams"]]')"
[ "$(json "$T/pp.json" "$COUNTS_OK and all(s['sent'] > 0 and s['latency_measured'] and s['p50_ns'] <= s['p90_ns'] <= s['p99_ns'] <= s['p999_ns'] <= s['max_ns'] for s in d['streams'])")" = True ] && ok "pingpong: every path measured, counts add up" || not_ok "pingpong counts: $(json "$T/pp.json" '[(s["name"], s["sent"], s["received"], s["dropped"]) for s in d["streams"]]')"
[ "$(json "$T/pp.json" 'all(sorted(c["role"] for c in s["cpu"]) == ["pinger", "reflector"] and all(0 <= c["user_pct"] + c["system_pct"] + c["softirq_pct"] <= 100.5 for c in s["cpu"]) for s in d["streams"])')" = True ] && ok "pingpong: CPU use of pinger and reflector per path" || not_ok "pingpong cpu: $(json "$T/pp.json" '[s["cpu"] for s in d["streams"]]')"
[ "$(json "$T/pp.json" 'sorted(d["ratios"]) == ["busy_poll_over_dpdk", "kernel_over_dpdk"] and d["bypass_path"]["software_only"] and d["reflector"]["received"] > 0')" = True ] && ok "pingpong: ratios, software-only label, reflector counts" || not_ok "pingpong doc"
[ "$(json "$T/pp.json" "$VERDICT_OK and [t['name'] for t in d['targets']] == ['kernel_vs_bypass.min_p99_gain', 'pingpong.p999_ns', 'pingpong.max_ns', 'max_drop_ppm[kernel]', 'max_drop_ppm[kernel-busy-poll]', 'max_drop_ppm[dpdk]']")" = True ] && ok "pingpong: gain and drop targets judged" || not_ok "pingpong targets: $(json "$T/pp.json" 'd["targets"]')"
leftovers "pingpong" $RESERVED
pgrep -x tickready-polle >/dev/null && not_ok "pingpong: a poller still runs" || ok "pingpong: no poller left running"
expect_status_in "0 1" "pingpong text" "$TR" verify --profile "$P2M" --mode pingpong --duration 0.5
expect_grep "pingpong table header" '^path +P50 +P90 +P99 +P99\.9 +max +stdev +pings +lost +cpu usr/sys/softirq' "$OUT"
expect_grep "pingpong dpdk row" '^dpdk +[0-9.]+ [nmu]s' "$OUT"
expect_grep "pingpong ratio row" '^kernel / dpdk +[0-9.]+x' "$OUT"
leftovers "pingpong text" $RESERVED

# A poller whose document lacks a judged key, or whose counts do not add up: never a pass.
cat > "$T/fake-poller" <<'SH'
#!/bin/sh
cat "$FAKE_DOC"
SH
chmod +x "$T/fake-poller"
printf '{"schema": "tickready.verify/1", "mode": "loopback", "tsc_offset_measured": true, "tsc_offset_ns": 5, "duration_s": 1,
 "streams": [{"name": "loopback", "sent": 10, "received": 10, "dropped": 0, "duplicated": 0, "foreign": 0,
 "latency_measured": true, "p99": 90, "p9999_ns": 100, "histogram": []}], "cores": []}\n' > "$T/renamed.json"
FAKE_DOC="$T/renamed.json" expect_status 1 "a renamed key is NOT READY" "$TR" verify --profile "$P2M" --no-huge --duration 1 --poller "$T/fake-poller"
expect_grep "names the missing key" "FAIL loopback\.p99_ns: not measured: stream 'loopback' has no 'p99_ns'" "$OUT"
expect_grep "verdict names it" 'NOT READY \(failed: loopback\.p99_ns\)' "$OUT"
sed 's/"received": 10,/"received": 13,/' "$T/renamed.json" > "$T/toomany.json"
FAKE_DOC="$T/toomany.json" expect_status 2 "received > sent + duplicated is an error" "$TR" verify --profile "$P2M" --no-huge --duration 1 --poller "$T/fake-poller"
expect_grep "says what does not add up" 'received 13 > sent 10 \+ duplicated 0' "$ERR"

# No hugepages free: exit 2 naming the command; --reserve raises the pool and restores it; --no-huge is marked.
echo "$OLD_NR" > $NR
if [ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)" -lt 32 ]; then
	expect_status 2 "no free hugepages: exit 2" "$TR" verify --profile "$P2M" --duration 1
	expect_grep "says which command reserves them" 'echo [0-9]+ > /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages' "$ERR"
	expect_status 0 "--reserve raises the pool for the run" "$TR" verify --profile "$P2M" --duration 1 --reserve
	expect_grep "--reserve said" 'raised .*nr_hugepages from' "$OUT"
	leftovers "--reserve" "$OLD_NR"
fi
expect_status 0 "--no-huge runs" "$TR" verify --profile "$P2M" --duration 1 --no-huge --format json
[ "$(json "$OUT" 'd["representative"]')" = False ] && ok "--no-huge marked not representative" || not_ok "--no-huge representative"

# The poller killed mid-run: exit 2, nothing left behind, the pool restored (kill_poller: verify-lib.sh).
kill_poller "loopback" --duration 30
kill_poller "kernel-vs-bypass" --mode kernel-vs-bypass --duration 3 --rate 1000
kill_poller "pingpong" --mode pingpong --duration 5

# SIGTERM to verify itself: the poller stopped, everything removed, exit 2.
"$TR" verify --profile "$P2M" --reserve --mode idle --duration 30 >"$T/term.out" 2>"$T/term.err" &
VPID=$!
sleep 2
kill -TERM $VPID
wait $VPID
rc=$?
[ $rc = 2 ] && ok "SIGTERM to verify gives exit 2" || not_ok "SIGTERM exit $rc"
grep -q "interrupted by signal" "$T/term.err" && ok "says it was interrupted" || not_ok "interrupt message"
pgrep -x tickready-polle >/dev/null && not_ok "a poller still runs" || ok "no poller left running"
leftovers "SIGTERM" "$OLD_NR"

# Usage errors.
expect_status 2 "unknown mode" "$TR" verify --mode bogus
expect_grep "names the mode" "unknown mode 'bogus'" "$ERR"
expect_status 2 "loopback with one core" "$TR" verify --profile "$P2M" --cores 1 --no-huge
expect_grep "says loopback needs 2 cpus" 'loopback needs exactly 2 cpus' "$ERR"
expect_status 2 "--vdev outside port mode" "$TR" verify --vdev net_null0
expect_status 2 "missing poller" "$TR" verify --profile "$P2M" --poller /nonexistent/tickready-poller --no-huge
expect_status 0 "--help" "$TR" verify --help
expect_grep "help lists --eal" '\-\-eal' "$OUT"
finish
