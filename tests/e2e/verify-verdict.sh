#!/usr/bin/env bash
# End-to-end: a verify run (or saved result) that judged no target is NOT JUDGED, exit 1, never READY: in
# verify's text and JSON, in report --verify-from (text, quiet, JSON, HTML) and in the fleet. No DPDK: the
# poller is a script printing a canned idle document, run with --no-huge (nothing reserved, mounted or bound).
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: verify needs root"
	exit 0
fi
trap cleanup_tmps EXIT
T=$(mktmp)
FX=$SRC/tests/fixtures
# No [targets] at all (no include: every shipped profile includes hft-balanced, which sets idle.max_gap_us).
printf '[profile]\nname = quiet\n' > "$T/quiet.ini"
printf '[profile]\nname = gaps\n[targets]\nidle.max_gap_us = 10000000\n' > "$T/gaps.ini"
cat > "$T/fake-poller" <<'SH'
#!/bin/sh
cat "$FAKE_DOC"
SH
chmod +x "$T/fake-poller"
printf '{"schema": "tickready.verify/1", "mode": "idle", "duration_s": 1, "streams": [],
 "cores": [{"cpu": 1, "role": "idle", "max_gap_ns": 2000, "gaps_over": 0, "histogram": []}]}\n' > "$T/idle.json"
export FAKE_DOC="$T/idle.json"
VERIFY=("$TR" verify --mode idle --cores 1 --no-huge --duration 1 --poller "$T/fake-poller")

expect_status 1 "idle with no target of the profile: exit 1" "${VERIFY[@]}" --profile "$T/quiet.ini"
expect_grep "text: NOT JUDGED, saying why" "^verdict: NOT JUDGED \(no target of profile 'quiet' applies to idle mode\)" "$OUT"
grep -q '^verdict: READY' "$OUT" && not_ok "text says READY" || ok "text never says READY"
expect_status 1 "JSON: exit 1" "${VERIFY[@]}" --profile "$T/quiet.ini" --format json
cp "$OUT" "$T/quiet.json"
[ "$(json "$T/quiet.json" '(d["verdict"], d["ready"], d["targets"], d["failed"], d["not_judged"])')" = \
	"('not-judged', False, [], '', \"no target of profile 'quiet' applies to idle mode\")" ] &&
	ok "JSON: verdict not-judged, ready false, why" || not_ok "JSON verdict: $(json "$T/quiet.json" '(d.get("verdict"), d["ready"], d.get("not_judged"))')"
# The control: the same figures against a target are judged, READY, exit 0.
expect_status 0 "idle with idle.max_gap_us: exit 0" "${VERIFY[@]}" --profile "$T/gaps.ini" --format json
cp "$OUT" "$T/gaps.json"
[ "$(json "$T/gaps.json" '(d["verdict"], d["ready"], d["not_judged"], [t["verdict"] for t in d["targets"]])')" = "('ready', True, None, ['pass'])" ] &&
	ok "JSON: a judged target is ready" || not_ok "judged: $(json "$T/gaps.json" '(d.get("verdict"), d["ready"])')"
expect_status 0 "text of the judged run" "${VERIFY[@]}" --profile "$T/gaps.ini"
expect_grep "text: READY when a target passed" '^verdict: READY' "$OUT"

# report --verify-from judges the saved figures again: READY under gaps, NOT JUDGED under quiet, even from the
# document that said ready. The base fixture passes every check of these two (its own profile), so verify decides.
mkdir "$T/r"
printf '[profile]\nname = quiet\ninclude = %s\n' "$FX/profiles/base.ini" > "$T/r/quiet.ini"
printf '[profile]\nname = gaps\ninclude = %s\n[targets]\nidle.max_gap_us = 10000000\n' "$FX/profiles/base.ini" > "$T/r/gaps.ini"
R="report --root $FX/base --verify-from $T/gaps.json"
expect_status 1 "report: not judged under a profile with no idle target" "$TR" $R --profile "$T/r/quiet.ini" --format json \
	--html "$T/quiet.html"
cp "$OUT" "$T/r-quiet.json"
[ "$(json "$T/r-quiet.json" '(d["verify"]["verdict"], d["summary"]["verify"]["judged"], "verify: not judged: no target of profile \x27quiet\x27 applies to idle mode" in d["reasons"])')" = \
	"('not-judged', False, True)" ] && ok "report JSON: verify not judged, the reason said" ||
	not_ok "report: $(json "$T/r-quiet.json" '(d["verify"].get("verdict"), d["summary"]["verify"], d["reasons"])')"
expect_grep "report HTML: NOT JUDGED badge" '<span class="badge v-not-ready">NOT JUDGED</span>' "$T/quiet.html"
expect_status 1 "report text" "$TR" $R --profile "$T/r/quiet.ini"
expect_grep "report text: the reason under the verdict" "^  verify: not judged: no target of profile 'quiet' applies to idle mode$" "$OUT"
expect_grep "report text: verify section" "^  NOT JUDGED: no target of profile 'quiet' applies to idle mode$" "$OUT"
expect_status 1 "report --quiet" "$TR" $R --profile "$T/r/quiet.ini" --quiet
expect_grep "report --quiet names it" "^  NOT JUDGED verify: no target of profile 'quiet' applies to idle mode$" "$OUT"
expect_status 1 "report --prom" "$TR" $R --profile "$T/r/quiet.ini" --format none --prom "$T"
expect_grep "prometheus: verify not ready" '^tickready_verify_ready 0$' "$T/tickready.prom"
expect_status 0 "report: ready under a profile with an idle target" "$TR" $R --profile "$T/r/gaps.ini" --format json
cp "$OUT" "$T/r-gaps.json"
[ "$(json "$T/r-gaps.json" '(d["verify"]["verdict"], d["summary"]["verify"]["judged"], d["summary"]["verify"]["targets_passed"])')" = "('ready', True, 1)" ] &&
	ok "report JSON: judged under gaps" || not_ok "report gaps: $(json "$T/r-gaps.json" 'd["summary"]["verify"]')"

# The fleet takes each report's verdict: the not-judged host is not ready.
F=$T/fleet; mkdir "$F"
cp "$T/r-quiet.json" "$F/quiet-host.json"
expect_status 1 "fleet: the not-judged host makes it not ready" "$TR" report --fleet "$F" --format json
[ "$(json "$OUT" '[(h["file"], h["verdict"]) for h in d["hosts"]]')" = "[('quiet-host.json', 'not-ready')]" ] &&
	ok "fleet row: not-ready" || not_ok "fleet: $(json "$OUT" 'd["hosts"]')"
finish
