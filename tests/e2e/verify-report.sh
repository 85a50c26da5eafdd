#!/usr/bin/env bash
# End-to-end (live, under /work/live.lock like every verify test): report --verify runs verify itself and
# embeds its result; verify's own cleanup holds; a verify error is a report error.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
if [ ! -x "$PWD/$BUILD/tickready-poller" ] || [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: report --verify needs the poller and root"
	exit 0
fi
NR=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
OLD_NR=$(cat $NR)
D=$(mktmp)
P="$D/p2m.ini"
printf '[profile]\nname = e2e-2m\ninclude = hft-balanced\n[memory]\nhugepage_size = 2M\n[targets]\nloopback.p99_ns = 1000000000\nloopback.p9999_ns = 1000000000\n' >"$P"

timeout 120 "$TR" report --profile "$P" --verify loopback --verify-duration 1 --reserve --format json --prom "$D" >"$OUT" 2>"$ERR"; rc=$?
[ $rc -le 1 ] && ok "report --verify loopback exits 0 or 1 ($rc)" || { not_ok "report --verify exit $rc"; head -5 "$ERR"; }
[ "$(json "$OUT" 'd["verify"]["schema"], d["verify_source"]')" = "('tickready.verify/1', 'run')" ] && ok "verify result embedded, source run" || not_ok "verify part"
[ "$(json "$OUT" 'd["summary"]["verify"]["targets_failed"]')" = 0 ] && ok "loose targets pass" || not_ok "targets: $(json "$OUT" 'd["verify"].get("targets")')"
grep -q '^tickready_verify_latency_seconds{stream="loopback",percentile="99"}' "$D/tickready.prom" && ok "prom has the measured p99" || not_ok "prom p99"
[ "$(cat $NR)" = "$OLD_NR" ] && ok "hugepage pool restored" || not_ok "nr_hugepages $(cat $NR), was $OLD_NR"
grep -q tickready-verify-huge /proc/mounts && not_ok "hugetlbfs left mounted" || ok "no hugetlbfs left"
expect_status 2 "a verify error is a report error" "$TR" report --profile "$P" --verify bogus --html "$D/x.html"
[ ! -e "$D/x.html" ] && ok "nothing written after a verify error" || not_ok "HTML written"

finish
