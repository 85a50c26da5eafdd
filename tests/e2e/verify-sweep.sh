#!/usr/bin/env bash
# End-to-end: verify --mode sweep runs kernel-vs-bypass at each rate and size (namespaces it creates and
# deletes) and tabulates the gain. Which path is faster is the VM's business: structure, counts, the
# pays-from line's logic and cleanup are checked. Run under flock /tmp/tickready-live.lock.
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

expect_status_in "0 1" "sweep over 2 rates and 2 sizes" "$TR" verify --profile "$P2M" --mode sweep --duration 0.5 \
	--rates 2000,8000 --sizes 64,1472 --rate 4000 --format json
cp "$OUT" "$T/sweep.json"
python3 -m json.tool "$T/sweep.json" >/dev/null && ok "sweep JSON valid" || not_ok "sweep JSON: $(head -c 300 "$T/sweep.json")"
S='d["sweep"]'
[ "$(json "$T/sweep.json" "[(r['rate_pps'], r['payload_bytes']) for r in $S['by_rate']]")" = "[(2000, 64), (8000, 64)]" ] &&
	ok "a row per rate at the first size" || not_ok "by_rate: $(json "$T/sweep.json" "$S['by_rate']")"
[ "$(json "$T/sweep.json" "[(r['rate_pps'], r['payload_bytes']) for r in $S['by_size']]")" = "[(4000, 64), (4000, 1472)]" ] &&
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
leftovers "sweep" $RESERVED

expect_status_in "0 1" "sweep text" "$TR" verify --profile "$P2M" --mode sweep --duration 0.3 --rates 1000,3000 --sizes 64,512 --rate 2000
expect_grep "rate table header" '^kernel socket vs DPDK bypass by packet rate \(64-byte UDP payload; software-only path\):' "$OUT"
expect_grep "a rate row" '^ +3000 ' "$OUT"
expect_grep "size table" '^by payload size \(at 2000 packets/s\):' "$OUT"
expect_grep "a size row" '^ +512 ' "$OUT"
expect_grep "pays-from line" '^bypass (pays here from [0-9]+ packets/s|does not pay at any measured rate here)' "$OUT"
leftovers "sweep text" $RESERVED
finish
