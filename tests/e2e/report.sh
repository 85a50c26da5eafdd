#!/usr/bin/env bash
# End-to-end: tickready report on fixture trees: JSON, text, HTML, Prometheus textfile, JUnit; bad input.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
VJ=$FX/report/verify-loopback.json
D=$(mktmp)

# An untuned tree whose host-controlled strings try to break out of the HTML.
T=$D/tree
fresh_tree "$T"
printf '<script>alert(1)</script>&"x\n' > "$T/etc/hostname"

expect_status 1 "untuned tree: not ready, exit 1" "$TR" report --root "$T" --profile "$APROF" --format json \
	--verify-from "$VJ" --html "$D/r.html" --prom "$D" --junit "$D/r.xml"
cp "$OUT" "$D/r.json"
[ "$(json "$D/r.json" 'd["schema"]')" = tickready.report/1 ] && ok "schema tickready.report/1" || not_ok "schema"
[ "$(json "$D/r.json" 'd["verdict"], d["ready"]')" = "('not-ready', False)" ] && ok "verdict not-ready" || not_ok "verdict"
json "$D/r.json" 'set(d) >= {"generated","generated_unix","hostname","root","reasons","summary","pending","undo","audit","status","plan","verify","verify_source"}' | grep -qx True && ok "every top-level key" || not_ok "top-level keys"
[ "$(json "$D/r.json" 'd["audit"]["schema"], d["status"]["schema"], d["plan"]["schema"], d["verify"]["schema"]')" = "('tickready.audit/1', 'tickready.status/1', 'tickready.plan/1', 'tickready.verify/1')" ] && ok "parts keep their schemas" || not_ok "part schemas"
[ "$(json "$D/r.json" 'd["summary"]["checks"]["fail"] == sum(c["verdict"] == "fail" for c in d["audit"]["checks"]) > 0')" = True ] && ok "summary counts the failures" || not_ok "summary"
json "$D/r.json" 'any(r.startswith("verify: 2 targets failed") for r in d["reasons"])' | grep -qx True && ok "reasons name the verify failures" || not_ok "verify reason"
# The saved figures are judged against the report's profile, never the file's verdicts (the file judged
# no drops; the report's profile counts them).
[ "$(json "$D/r.json" '[(t["name"], t["verdict"]) for t in d["verify"]["targets"]]')" = "[('loopback.p99_ns', 'fail'), ('loopback.p9999_ns', 'fail'), ('max_drop_ppm[loopback]', 'pass')]" ] &&
	ok "verify-from: targets judged again" || not_ok "verify-from targets: $(json "$D/r.json" 'd["verify"]["targets"]')"
# A file whose own verdicts say ready, under a profile whose targets it misses: not ready.
python3 - "$VJ" "$D/v-lax.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["targets"]: t["verdict"] = "pass"
d["ready"] = True; d["failed"] = ""
json.dump(d, open(sys.argv[2], "w"))
EOF
"$TR" report --root "$FX/base" --profile hft-balanced --verify-from "$D/v-lax.json" --format json >"$D/lax.json" 2>/dev/null
[ "$(json "$D/lax.json" 'd["summary"]["verify"]["ready"], d["verify"]["profile"], d["verify"]["failed"]')" = "(False, 'hft-balanced', 'loopback.p99_ns, loopback.p9999_ns')" ] && ok "verify-from: the file's ready verdicts are not reused" || not_ok "lax: $(json "$D/lax.json" 'd["summary"]["verify"], d["verify"]["profile"]')"
# received > sent + duplicated does not add up: refused, as verify refuses it.
python3 - "$VJ" "$D/v-over.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["streams"][0]["received"] = d["streams"][0]["sent"] + 5
json.dump(d, open(sys.argv[2], "w"))
EOF
expect_status 2 "verify-from: received > sent refused" "$TR" report --root "$T" --profile "$APROF" --verify-from "$D/v-over.json" --format none
expect_grep "says why" "received [0-9]+ > sent" "$ERR"
[ "$(json "$D/r.json" 'd["undo"]')" = "tickready revert --root '$T'" ] && ok "undo names the root" || not_ok "undo"
[ "$(json "$D/r.json" 'd["verify_source"]')" = "$VJ" ] && ok "verify source is the file" || not_ok "verify_source"

# The NICs' firmware and driver version (ethtool drvinfo) in the inventory: a driver's bytes come out
# printable, and HTML-escaped in the page.
T2=$D/fw
fresh_tree "$T2"
printf 'driver=ixgbe\nversion=6.1.0\nbus_info=0000:19:00.0\nfirmware=<b>0x8000\001\033[31m\n' > "$T2/.tickready/ethtool/eno1/drvinfo"
"$TR" report --root "$T2" --profile "$APROF" --format json --html "$D/fw.html" >"$D/fw.json" 2>/dev/null
fw=$(json "$D/fw.json" '{n["name"]: (n["firmware"], n["driver_version"]) for n in d["audit"]["host"]["nics"] if n["name"]}')
[ "$fw" = "$(python3 -c 'print({"eno1": ("<b>0x8000??[31m", "6.1.0"), "ens1f0": ("'"$(sed -n 's/^firmware=//p' "$FX/untuned/.tickready/ethtool/ens1f0/drvinfo")"'", "6.1.0")})')" ] && ok "inventory: firmware and driver version per NIC, printable" || not_ok "inventory firmware: $fw"
grep -q '<td>&lt;b&gt;0x8000??\[31m</td>' "$D/fw.html" && ! grep -q '<b>0x8000' "$D/fw.html" && ok "HTML inventory shows the firmware, escaped" || not_ok "HTML firmware cell"
"$TR" diff --profile "$APROF" "$FX/untuned" "$T2" >"$D/fw.diff" 2>&1
expect_grep "diff shows a NIC's firmware drift" '^  nics\[0000:18:00.0\]\.firmware +A: 3\.25$' "$D/fw.diff"

# What apply does about each finding is the same in the report as in audit (both from the plan apply would make).
"$TR" audit --root "$T" --profile "$APROF" --format json >"$D/audit.json" 2>/dev/null
[ "$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); r=json.load(open(sys.argv[2]))["audit"]; f=lambda d: {c["id"]: (c.get("fixed_by"), c.get("fix_note")) for c in d["checks"]}; print(f(a) == f(r) and any(v[0] for v in f(r).values()))' "$D/audit.json" "$D/r.json")" = True ] && ok "report's fixed_by equals audit's" || not_ok "fixed_by differs between report and audit"
"$TR" report --root "$T" --profile "$APROF" --verify-from "$VJ" >"$D/r.txt" 2>/dev/null
expect_grep "text report says what apply does" '^ +tickready apply does it now$' "$D/r.txt"
# The untuned tree has nothing by hand under this profile (apply fixes every failing check there): base has.
"$TR" report --root "$FX/base" --profile "$APROF" --verify-from "$VJ" >"$D/r.txt" 2>/dev/null
expect_grep "text report names what is by hand" '^ +by hand: ' "$D/r.txt"

# HTML: self-contained, escaped, verdict first, one table per area, one SVG per histogram.
H=$D/r.html
grep -q '<script>alert' "$H" && not_ok "host text unescaped in HTML" || ok "host text escaped"
expect_grep "hostname shown escaped" '&lt;script&gt;alert\(1\)&lt;/script&gt;&amp;&quot;x' "$H"
grep -Eiq '(src|href)="?(https?:)?//' "$H" && not_ok "HTML references the network" || ok "HTML needs no network"
grep -Eq '<(link|img|iframe)' "$H" && not_ok "external resources" || ok "no external resources"
[ "$(grep -o '<header id="verdict"' "$H" | wc -l)" = 1 ] && ok "one verdict header" || not_ok "verdict header"
[ "$(grep -bo '<header id="verdict"' "$H" | cut -d: -f1)" -lt "$(grep -bo '<section' "$H" | head -1 | cut -d: -f1)" ] && ok "verdict before every section" || not_ok "verdict not first"
areas=$(json "$D/r.json" 'len(set(c["area"] for c in d["audit"]["checks"] if c["verdict"] in ("pass", "skip")))')
[ "$(grep -o '<section class="area"' "$H" | wc -l)" = "$areas" ] && ok "one folded table per area with passes or skips ($areas)" || not_ok "area tables"
rows=$(grep -o '<tr class="v-[a-z-]*" data-check=' "$H" | wc -l)
[ "$rows" = "$(json "$D/r.json" 'len(d["audit"]["checks"])')" ] && ok "every check in a table row" || not_ok "check rows $rows"
[ "$(grep -o '<svg class="histogram"' "$H" | wc -l)" = 1 ] && ok "one SVG histogram for the one stream" || not_ok "histogram count"
# The order a reader needs: verdict, contents, verify, what needs action; passes and skips folded at the end.
python3 - "$H" "$D/r.json" <<'PY' >"$D/order.log" 2>&1 && ok "verdict, contents, verify, needs action; passes and skips folded, out of print" || { not_ok "page order"; sed 's/^/    /' "$D/order.log"; }
import json, re, sys
h, d = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
at = lambda s, start=0: h.index(s, start)
assert at('<header id="verdict"') < at('<nav id="toc">') < at('<section id="verify">') < at('<section id="action">') < at('<details id="passed"'), "order"
action = h[at('<section id="action">'):at('</section>', at('<section id="action">'))]
rows = re.findall(r'<tr class="v-([a-z-]+)" data-check="([^"]+)"', action)
want = [("fail", c["id"]) for c in d["audit"]["checks"] if c["verdict"] == "fail"] + [("warn", c["id"]) for c in d["audit"]["checks"] if c["verdict"] == "warn"]
assert rows == want, (rows[:3], want[:3])
folded = h[at('<details id="passed"'):at('</details>', at('<details id="passed"'))]
assert '<details id="passed" class="folded">' in h, "folded passes start closed"
assert set(re.findall(r'<tr class="v-([a-z-]+)" data-check=', folded)) == {"pass", "skip"}
# Every contents link lands on an id of the page.
for a in re.findall(r'<a href="#([^"]+)"', h[at('<nav id="toc">'):at('</nav>')]):
    assert f'id="{a}"' in h, a
assert re.search(r'@media print\{[^@]*#passed[^{]*\{display:none', h), "print leaves out the folded passes"
PY
# The histogram reads as people say it: counts 1, 10 ... 1k, 1M (never 1e+06), one unit (us) on the latency
# axis, percentile labels that do not overlap, targets named "p99", not "p99_ns".
python3 - "$H" <<'PY' >"$D/hist.log" 2>&1 && ok "histogram: readable counts, one latency unit, labels apart, target names" || { not_ok "histogram labels"; sed 's/^/    /' "$D/hist.log"; }
import re, sys
svg = re.search(r'<svg class="histogram".*?</svg>', open(sys.argv[1]).read(), re.S).group(0)
counts = re.findall(r'<text class="count"[^>]*>([^<]*)<', svg)
assert counts[:4] == ["1", "10", "100", "1k"] and "1M" in counts and not any("e+" in c for c in counts), counts
ticks = re.findall(r'<text class="tick"[^>]*>([^<]*)<', svg)
assert ticks and all(re.fullmatch(r"[0-9.,]+", t) for t in ticks), ticks
assert "latency, &micro;s" in svg
marks = [(float(x), int(y), t) for x, y, t in re.findall(r'<text class="percentile" x="([0-9.]+)" y="([0-9]+)"[^>]*>([^<]*)<', svg)]
assert [m[2] for m in marks] == ["p50", "p99", "p99.9", "p99.99"], marks
for i, a in enumerate(marks):
    for b in marks[i + 1:]:
        assert a[1] != b[1] or abs(a[0] - b[0]) >= 5.5 * (len(a[2]) + len(b[2])) / 2, (a, b)
targets = re.findall(r'<text class="target"[^>]*>([^<]*)<', svg)
assert targets == ["p99 target &le; 2 &micro;s", "p99.99 target &le; 20 &micro;s"], targets
PY
# A NIC without NUMA affinity (the kernel's -1) reads "none".
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["audit"]["host"]["nics"][0]["numa_node"] = -1; json.dump(d, open(sys.argv[2], "w"))' "$D/r.json" "$D/numa.json"
"$TR" report --from "$D/numa.json" --html "$D/numa.html" --format none
expect_grep "NUMA node -1 reads none" '<td>eno1</td><td>[^<]*</td><td>[^<]*</td><td class="num">none</td>' "$D/numa.html"
expect_grep "HTML says what apply does" '<span class="fixed-by">tickready apply does it now</span>' "$H"
expect_grep "target line drawn" '<line class="target"' "$H"
expect_grep "per-core cause bars" '<svg class="causes" data-cpu="1"' "$H"
expect_grep "plan commands shown" 'sysctl -w kernel.timer_migration=0' "$H"
expect_grep "undo command shown" '<pre id="undo">tickready revert' "$H"

# Prometheus textfile: promtool's lint, the metrics the issue names, nothing left half-written.
P=$D/tickready.prom
if promtool check metrics <"$P" >"$D/lint" 2>&1; then ok "promtool check metrics passes"; else not_ok "promtool: $(head -3 "$D/lint")"; fi
for m in 'tickready_ready 0' 'tickready_pending_reboot 0' 'tickready_check_status\{check="cpu.isolated",area="cpu",verdict="fail"\} 1' \
	'tickready_verify_latency_seconds\{stream="loopback",percentile="99"\} 2.8553e-05' 'tickready_verify_dropped_packets\{stream="loopback"\} 0' \
	'tickready_verify_samples\{stream="loopback"\} 1998879' 'tickready_build_info\{version="[0-9][^"]*"\} 1' \
	"tickready_profile_info\\{profile=\"untuned-test\",source=\"$APROF\"\\} 1" 'tickready_report_timestamp_seconds [0-9]+'; do
	expect_grep "prom has /$m/" "^$m$" "$P"
done
[ "$(sed -n 's/^tickready_build_info{version="\([^"]*\)"} 1$/\1/p' "$P")" = "$("$TR" --version | cut -d' ' -f2)" ] && ok "build_info carries the version --version prints" || not_ok "build_info version"
# A verify run's figures are gauges: each report states the last run, nothing accumulates across reports.
[ -z "$(grep '^# TYPE tickready_verify' "$P" | grep -v ' gauge$')" ] && ! grep -Eq '^tickready_verify[a-z_]*(_total|_sum|_count)[{ ]' "$P" && ok "verify figures are gauges (no counter, no summary)" || not_ok "verify metric types: $(grep '^# TYPE tickready_verify' "$P" | grep -v ' gauge$')"
[ "$(grep -c '^tickready_check_status{check="cpu.isolated"' "$P")" = 5 ] && ok "one series per verdict" || not_ok "verdict series"
[ -z "$(find "$D" -maxdepth 1 -name '.*' ! -name . )" ] && ok "no temporary file left" || not_ok "temporary files left"

# JUnit: one testcase per check and per verify target; failures carry the finding.
python3 - "$D/r.xml" "$D/r.json" <<'EOF' >"$D/junit" 2>&1 && ok "JUnit: testcases, failures, skips match the report" || { not_ok "JUnit"; cat "$D/junit"; }
import json, sys, xml.etree.ElementTree as ET
root, d = ET.parse(sys.argv[1]).getroot(), json.load(open(sys.argv[2]))
cases = root.findall(".//testcase")
assert len(cases) == len(d["audit"]["checks"]) + len(d["verify"]["targets"]), len(cases)
fails = [c for c in cases if c.find("failure") is not None]
assert len(fails) == d["summary"]["checks"]["fail"] + d["summary"]["verify"]["targets_failed"], len(fails)
iso = [c for c in cases if c.get("name") == "cpu.isolated"][0].find("failure")
assert "fix:" in iso.text and "isolcpus" in iso.text, iso.text
assert root.find("testsuite").get("hostname").startswith("<script>")
EOF

# Text summary; --from renders a saved report exactly as it was written.
expect_status 1 "text summary" "$TR" report --from "$D/r.json"
expect_grep "text: verdict line" '^verdict: NOT READY$' "$OUT"
expect_grep "text: the plan and undo" '^plan: [0-9]+ changes.*undo: tickready revert' "$OUT"
expect_status 1 "--from re-renders HTML" "$TR" report --from "$D/r.json" --html "$D/again.html" --format none
cmp -s "$H" "$D/again.html" && ok "HTML from the saved JSON is byte-identical" || not_ok "re-rendered HTML differs"

# The base fixture passes its profile: ready; apply on the untuned tree gives pending-reboot items.
expect_status 0 "base fixture: ready" "$TR" report --root "$FX/base" --profile "$FX/profiles/base.ini" --format json --prom "$D"
[ "$(json "$OUT" 'd["verdict"], d["verify"]')" = "('ready', None)" ] && ok "ready, no verify" || not_ok "base verdict $(json "$OUT" 'd["reasons"]')"
expect_grep "prom: ready 1" '^tickready_ready 1$' "$D/tickready.prom"
grep -q tickready_verify "$D/tickready.prom" && not_ok "verify metrics without verify" || ok "no verify metrics without verify"
A=$D/applied; fresh_tree "$A"
"$TR" apply --root "$A" --profile "$APROF" --yes >/dev/null 2>&1
timeout 60 "$TR" report --root "$A" --profile "$APROF" --format json --html "$D/a.html" >"$OUT" 2>"$ERR"
json "$OUT" 'd["pending_reboot"] and "isolcpus" in d["pending"]["applied"] and "cpu.isolated" in d["pending"]["checks"]' | grep -qx True && ok "after apply: pending reboot apart" || not_ok "pending $(json "$OUT" 'd["pending"]')"
[ "$(json "$OUT" 'len(d["status"]["runs"])')" = 1 ] && ok "status run in the report" || not_ok "status runs"
expect_grep "HTML: pending-reboot table row" '<section id="pending-reboot"><h2>Pending reboot</h2><div class="scroll"><table class="checks">' "$D/a.html"
# --quiet: only the failures and what waits for a reboot, then the summary line (audit and report).
expect_status 0 "audit --quiet (nothing but pending fails)" "$TR" audit --root "$A" --profile "$APROF" --quiet
cp "$OUT" "$D/aq.txt"
"$TR" audit --root "$A" --profile "$APROF" --format json >"$D/aq.json" 2>/dev/null
python3 - "$D/aq.txt" "$D/aq.json" <<'PY' >"$D/aq.log" 2>&1 && ok "audit --quiet: the failures and pending, then the summary" || { not_ok "audit --quiet"; sed 's/^/    /' "$D/aq.log"; }
import json, re, sys
lines, d = open(sys.argv[1]).read().splitlines(), json.load(open(sys.argv[2]))
shown = [(m.group(1), m.group(2)) for m in (re.match(r"  (FAIL|PENDING|WARN|PASS|SKIP) +(\S+)", l) for l in lines) if m]
want = [("PENDING" if c["verdict"] == "pending-reboot" else "FAIL", c["id"]) for c in d["checks"] if c["verdict"] in ("fail", "pending-reboot")]
assert shown == want and any(v == "PENDING" for v, _ in shown), (shown[:4], want[:4])
assert lines[-2].startswith("summary: ") and lines[-1] == "PENDING REBOOT" and not any(l and not l.startswith(" ") for l in lines[:-3]), lines[:2]
PY
expect_status 1 "report --quiet" "$TR" report --from "$D/r.json" --quiet
expect_grep "report --quiet: the verify target that failed" '^  FAIL loopback.p99_ns: observed' "$OUT"
[ "$(grep -c '^  FAIL ' "$OUT")" = "$(json "$D/r.json" 'd["summary"]["checks"]["fail"] + d["summary"]["verify"]["targets_failed"]')" ] && ! grep -Eq '^  (WARN|PASS|SKIP)|^plan:|^verify:' "$OUT" && ok "report --quiet: failures only, no plan or verify figures" || not_ok "report --quiet lines: $(head -3 "$OUT")"
expect_grep "report --quiet ends with the verdict and counts" '^verdict: NOT READY; checks: [0-9]+ pass' "$OUT"

# A verify result with keys missing: absent, never zero.
python3 - "$VJ" "$D/v-missing.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("p99_ns", "dropped", "histogram"):
    del d["streams"][0][k]
del d["targets"]; del d["ready"]
json.dump(d, open(sys.argv[2], "w"))
EOF
expect_status 1 "verify JSON with keys missing" "$TR" report --root "$T" --profile "$APROF" --verify-from "$D/v-missing.json" --prom "$D" --html "$D/m.html" --format json
grep -q 'percentile="99"}' "$D/tickready.prom" && not_ok "missing p99 exported" || ok "missing p99 not exported"
grep -q '^tickready_verify_dropped_packets' "$D/tickready.prom" && not_ok "missing drops exported as a number" || ok "missing drops not exported"
promtool check metrics <"$D/tickready.prom" >/dev/null 2>&1 && ok "promtool passes with keys missing" || not_ok "promtool with keys missing"
grep -q '<svg class="histogram"' "$D/m.html" && not_ok "histogram drawn without one" || ok "no histogram without data"
# A deleted figure is judged missing: its target fails and no figure is printed for it.
"$TR" report --root "$T" --profile "$APROF" --verify-from "$D/v-missing.json" >"$D/m.txt" 2>/dev/null
grep -q '^  FAIL loopback.p99_ns$' "$D/m.txt" && ! grep -q 'loopback.p99_ns: observed' "$D/m.txt" && ok "deleted p99 not printed, its target failed" ||
	not_ok "deleted p99: $(grep 'loopback.p99_ns' "$D/m.txt")"

# Bad input: exit 2 naming the file, nothing written.
N=$D/none; mkdir "$N"
expect_status 2 "--verify-from missing file" "$TR" report --root "$T" --profile "$APROF" --verify-from "$D/nope.json" --html "$N/x.html" --prom "$N"
expect_grep "names the file" "$D/nope.json" "$ERR"
echo '{"schema": "tickready.audit/1"}' >"$D/foreign.json"
expect_status 2 "--verify-from of another schema" "$TR" report --root "$T" --profile "$APROF" --verify-from "$D/foreign.json" --html "$N/x.html"
expect_grep "names file and schema" "foreign.json.*tickready.audit/1" "$ERR"
head -c 300 "$D/r.json" >"$D/trunc.json"
expect_status 2 "--from a truncated report" "$TR" report --from "$D/trunc.json" --html "$N/x.html"
expect_grep "names the truncated file" "trunc.json.*not valid JSON" "$ERR"
sed 's#"tickready.report/1"#"tickready.report/2"#' "$D/r.json" >"$D/v2.json"
expect_status 2 "--from a report of another version" "$TR" report --from "$D/v2.json" --junit "$N/x.xml"
expect_grep "says the version" "v2.json.*tickready.report/2.*version" "$ERR"
expect_status 2 "--from an audit document" "$TR" report --from "$D/foreign.json"
expect_status 2 "--prom into a missing directory" "$TR" report --root "$T" --profile "$APROF" --prom "$D/missing"
expect_grep "names the directory" "$D/missing" "$ERR"
expect_status 2 "--verify with --root" "$TR" report --root "$T" --verify loopback
expect_status 2 "unknown format" "$TR" report --format xml
[ -z "$(ls -A "$N")" ] && ok "nothing written on bad input" || not_ok "files written: $(ls -A "$N")"
expect_status 0 "--help" "$TR" report --help
expect_grep "help lists --prom" "--prom DIR" "$OUT"

# A FIFO where a saved report or verify result belongs: refused at once (exit 2), never waited on.
FIFO=$(mktmp)/fifo; mkfifo "$FIFO"
expect_status 2 "report --from FIFO: refused, not blocked" timeout 10 "$TR" report --from "$FIFO"
expect_grep "--from FIFO: says why" "is not a regular file" "$ERR"
expect_status 2 "report --verify-from FIFO: refused" timeout 10 "$TR" report --verify-from "$FIFO" --format none
expect_status 2 "diff A FIFO: refused" timeout 10 "$TR" diff tests/fixtures/base "$FIFO"
finish
