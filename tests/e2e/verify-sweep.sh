#!/usr/bin/env bash
# End-to-end: verify --mode sweep runs kernel-vs-bypass at each rate and size (namespaces it creates and
# deletes) and tabulates the gain; a size is the IP packet's (the UDP payload 28 bytes less), up to 1500, and
# --mode kernel-vs-bypass with --rates/--sizes runs the same sweep. Which path is faster is the VM's business:
# structure, counts, the pays-from line's logic and cleanup are checked. Run under flock /tmp/tickready-live.lock.
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
printf '[profile]\nname = e2e-2m\ninclude = hft-balanced\n[memory]\nhugepage_size = 2M\n[targets]\nmax_drop_ppm = 1000000\n' > "$P2M"
RESERVED=$((OLD_NR + PAGES))
echo $RESERVED > $NR

# A sweep judges no target (its tables are the result): NOT JUDGED, exit 1, never READY.
expect_status 1 "sweep over 2 rates and 2 sizes: not judged, exit 1" "$TR" verify --profile "$P2M" --mode sweep --duration 0.5 \
	--rates 2000,8000 --sizes 64,1500 --rate 4000 --format json
cp "$OUT" "$T/sweep.json"
python3 -m json.tool "$T/sweep.json" >/dev/null && ok "sweep JSON valid" || not_ok "sweep JSON: $(head -c 300 "$T/sweep.json")"
[ "$(json "$T/sweep.json" '(d["verdict"], d["ready"], d["targets"], d["not_judged"])')" = "('not-judged', False, [], \"no target of profile 'e2e-2m' applies to sweep mode\")" ] &&
	ok "sweep JSON: verdict not-judged" || not_ok "sweep verdict: $(json "$T/sweep.json" '(d.get("verdict"), d["ready"], d.get("not_judged"))')"
S='d["sweep"]'
[ "$(json "$T/sweep.json" "[(r['rate_pps'], r['ip_bytes'], r['payload_bytes']) for r in $S['by_rate']]")" = "[(2000, 64, 36), (8000, 64, 36)]" ] &&
	ok "a row per rate at the first size" || not_ok "by_rate: $(json "$T/sweep.json" "$S['by_rate']")"
[ "$(json "$T/sweep.json" "[(r['rate_pps'], r['ip_bytes'], r['payload_bytes']) for r in $S['by_size']]")" = "[(4000, 64, 36), (4000, 1500, 1472)]" ] &&
	ok "a row per size at --rate" || not_ok "by_size: $(json "$T/sweep.json" "$S['by_size']")"
ROWS="$S['by_rate'] + $S['by_size']"
[ "$(json "$T/sweep.json" "all(r['packets'] == r['rate_pps'] // 2 and r[p]['sent'] == r['packets'] and r[p]['p50_ns'] <= r[p]['p99_ns'] <= r[p]['p999_ns'] <= r[p]['max_ns'] for r in $ROWS for p in ('kernel', 'bypass'))")" = True ] &&
	ok "every point sent rate x duration packets on both paths, percentiles ordered" || not_ok "points: $(json "$T/sweep.json" "[(r['packets'], r['kernel']['sent'], r['bypass']['sent']) for r in $ROWS]")"
[ "$(json "$T/sweep.json" "all(abs(r['p99_gain'] - r['kernel']['p99_ns'] / r['bypass']['p99_ns']) < 1e-6 and abs(r['p99_cut_pct'] - 100 * (1 - r['bypass']['p99_ns'] / r['kernel']['p99_ns'])) < 1e-6 for r in $ROWS)")" = True ] &&
	ok "gain and cut computed from the P99s" || not_ok "gain: $(json "$T/sweep.json" "[(r['p99_gain'], r['p99_cut_pct']) for r in $ROWS]")"
# pays_from: the lowest rate from which every higher measured rate has gain >= 1.
WANT="(lambda rs: next((r['rate_pps'] for r in sorted(rs, key=lambda r: r['rate_pps']) if all(q['p99_gain'] >= 1 for q in rs if q['rate_pps'] >= r['rate_pps'])), None))($S['by_rate'])"
[ "$(json "$T/sweep.json" "$S['pays_from_rate_pps'] == $WANT and $S['min_p99_gain'] == 1")" = True ] &&
	ok "pays_from follows the rows and the default gain 1" || not_ok "pays_from: $(json "$T/sweep.json" "($S['pays_from_rate_pps'], $WANT)")"
[ "$(json "$T/sweep.json" "$S['software_only'] and d['bypass_path']['software_only'] and d['mode'] == 'sweep'")" = True ] &&
	ok "software-only path labelled" || not_ok "no software-only label"
# CPU per point: the kernel receiver's and the poller's CPU time, the poller's busy time; each share and per-packet
# figure follows from its own seconds and counts (no two clocks compared).
CPU_OK="all(r[p]['cpu_s'] >= 0 and abs(r[p]['cpu_ns_per_packet'] - r[p]['cpu_s'] * 1e9 / r[p]['received']) < 1e-3 * max(1, r[p]['cpu_ns_per_packet']) and r[p]['cpu_pct'] >= 0 for r in $ROWS for p in ('kernel', 'bypass'))"
[ "$(json "$T/sweep.json" "$CPU_OK")" = True ] && ok "every point has the CPU of both paths (share of a core, per packet)" ||
	not_ok "cpu: $(json "$T/sweep.json" "[(r['kernel'].get('cpu_pct'), r['bypass'].get('cpu_pct')) for r in $ROWS]")"
BUSY_OK="all(r['bypass']['busy_ns'] > 0 and 0 < r['bypass']['busy_pct'] <= 100.5 and abs(r['bypass']['busy_ns_per_packet'] - r['bypass']['busy_ns'] / r['bypass']['received']) < 1e-6 * r['bypass']['busy_ns_per_packet'] for r in $ROWS)"
[ "$(json "$T/sweep.json" "$BUSY_OK")" = True ] && ok "every point has the poller's busy time (share, per packet)" ||
	not_ok "busy: $(json "$T/sweep.json" "[(r['bypass'].get('busy_ns'), r['bypass'].get('busy_pct')) for r in $ROWS]")"
# The HTML report draws the gain against rate and against size: one point per row, the pays-from line, the table.
expect_status_in "0 1" "report of the sweep" "$TR" report --root "$SRC/tests/fixtures/base" --profile hft-balanced --verify-from "$T/sweep.json" \
	--html "$T/sweep.html" --format none
[ "$(grep -o '<svg class="sweep" data-axis="rate"' "$T/sweep.html" | wc -l)/$(grep -o '<svg class="sweep" data-axis="size"' "$T/sweep.html" | wc -l)" = 1/1 ] &&
	ok "HTML: a chart against rate and one against size" || not_ok "HTML charts: $(grep -o '<svg class="sweep"[^>]*>' "$T/sweep.html")"
python3 - "$T/sweep.html" "$T/sweep.json" <<'PY' && ok "HTML: each row a point at its rate or size and P99 cut" || not_ok "HTML points"
import json, re, sys
html = open(sys.argv[1]).read(); d = json.load(open(sys.argv[2]))["sweep"]
for axis, rows, key in (("rate", d["by_rate"], "rate_pps"), ("size", d["by_size"], "ip_bytes")):
    svg = re.search(r'<svg class="sweep" data-axis="%s".*?</svg>' % axis, html, re.S).group(0)
    got = [(float(x), float(c)) for x, c in re.findall(r'<circle class="point" data-x="([0-9.]+)" data-cut="(-?[0-9.]+)"', svg)]
    assert len(got) == len(rows) and all(x == r[key] and abs(c - r["p99_cut_pct"]) <= 0.006 for (x, c), r in zip(got, rows)), (axis, got)
    assert "software-only path" in svg and "pays from here" in svg
assert html.count('<table class="sweep">') == 2
PY
leftovers "sweep" $RESERVED

# The issue's spelling: kernel-vs-bypass given --rates or --sizes runs the sweep, and says so first.
expect_status 1 "sweep text" "$TR" verify --profile "$P2M" --mode kernel-vs-bypass --duration 0.3 --rates 1000,3000 --sizes 64,512 --rate 2000
expect_grep "sweep text: NOT JUDGED" "^verdict: NOT JUDGED \(no target of profile 'e2e-2m' applies to sweep mode\)" "$OUT"
expect_grep "kernel-vs-bypass runs the sweep" '^--mode kernel-vs-bypass with --rates or --sizes runs the sweep: ' "$OUT"
expect_grep "rate table header" '^kernel socket vs DPDK bypass by packet rate \(64-byte IP packets, 36-byte UDP payload; software-only path\):' "$OUT"
expect_grep "a rate row" '^ +3000 ' "$OUT"
expect_grep "size table" '^by IP packet size \(at 2000 packets/s; the UDP payload is 28 bytes less\):' "$OUT"
expect_grep "a size row" '^ +512 ' "$OUT"
expect_grep "pays-from line" '^bypass (pays here from [0-9]+ packets/s|does not pay at any measured rate here)' "$OUT"
expect_grep "CPU columns" ' kern CPU +byp CPU +byp busy$' "$OUT"
expect_grep "a row's CPU" '^ +3000 .* [0-9.]+% +[0-9.]+% +[0-9.]+%$' "$OUT"
leftovers "sweep text" $RESERVED
finish
