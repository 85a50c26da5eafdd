#!/usr/bin/env bash
# End-to-end: tickready diff (reports and trees) and report --fleet (many reports, stale marking, the page's
# failing checks, matrix, filter and JSON links, bad files).
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
VJ=$FX/report/verify-loopback.json
D=$(mktmp)

# diff of two trees: one knob changed is one finding, and the inventory agrees.
A=$D/a; B=$D/b
fresh_tree "$A"; fresh_tree "$B"
echo 0 >"$B/proc/sys/kernel/timer_migration"
expect_status 1 "diff of two trees that differ: exit 1" "$TR" diff --profile "$APROF" --format json "$A" "$B"
[ "$(json "$OUT" '[(f["id"], f["a"]["verdict"], f["b"]["verdict"]) for f in d["findings"]]')" = "[('kernel.timer_migration', 'fail', 'pass')]" ] && ok "diff names the one changed check" || not_ok "diff findings $(json "$OUT" 'd["findings"]')"
[ "$(json "$OUT" 'd["inventory"]')" = "[]" ] && ok "same inventory" || not_ok "inventory differs"
expect_status 0 "diff of a tree with itself: exit 0" "$TR" diff --profile "$APROF" "$A" "$A"
expect_grep "says no difference" '^no difference' "$OUT"

# diff of two reports: inventory (command line, isolated cpus), verify side by side with ratios.
"$TR" report --root "$A" --profile "$APROF" --verify-from "$VJ" --format json >"$D/ra.json"
python3 - "$VJ" "$D/v2.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); d["streams"][0]["p99_ns"] *= 2; del d["streams"][0]["dropped"]
d["targets"] = []; d["ready"] = True
json.dump(d, open(sys.argv[2], "w"))
EOF
"$TR" report --root "$FX/base" --profile "$FX/profiles/base.ini" --verify-from "$D/v2.json" --format json >"$D/rb.json"
expect_status 1 "diff of two reports" "$TR" diff --format json --html "$D/d.html" "$D/ra.json" "$D/rb.json"
cp "$OUT" "$D/d.json"
json "$D/d.json" '{x["key"] for x in d["inventory"]} >= {"kernel.cmdline", "cpus.isolated"}' | grep -qx True && ok "inventory: command line and isolated cpus" || not_ok "inventory keys"
[ "$(json "$D/d.json" '[x["ratio"] for x in d["verify"] if x["figure"] == "p99_ns"]')" = "[2.0]" ] && ok "verify p99 ratio B/A" || not_ok "p99 ratio"
[ "$(json "$D/d.json" '[(x["a"], x["b"]) for x in d["verify"] if x["figure"] == "dropped"]')" = "[(0.0, None)]" ] && ok "a figure B lacks is absent, not 0" || not_ok "dropped"
expect_grep "diff HTML has the findings table" '<section id="findings">' "$D/d.html"
expect_status 1 "diff text" "$TR" diff "$D/ra.json" "$D/rb.json"
expect_grep "text: B/A column" 'p99_ns +[0-9.]+ +[0-9.]+ +2.00' "$OUT"
head -c 100 "$D/ra.json" >"$D/cut.json"
expect_status 2 "diff of a truncated report" "$TR" diff "$D/cut.json" "$D/rb.json"
expect_grep "names it" 'cut.json' "$ERR"
expect_status 2 "diff of one argument" "$TR" diff "$D/ra.json"

# Fleet: three hosts, one stale; a host page linked; sortable. The ready host's verify lost nothing: a
# figure B lacks is judged missing, so rb.json is not ready.
python3 - "$VJ" "$D/v3.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); s = d["streams"][0]; s["received"] = s["sent"]; s["dropped"] = 0
json.dump(d, open(sys.argv[2], "w"))
EOF
"$TR" report --root "$FX/base" --profile "$FX/profiles/base.ini" --verify-from "$D/v3.json" --format json >"$D/rc.json"
F=$D/fleet; mkdir "$F"
cp "$D/ra.json" "$F/nyc4-07.json"; echo '<html></html>' >"$F/nyc4-07.html"
cp "$D/rc.json" "$F/nyc4-08.json"
python3 - "$D/rc.json" "$F/ldn1-01.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); d["hostname"] = "ldn1-01"; d["generated_unix"] -= 3 * 86400
json.dump(d, open(sys.argv[2], "w"))
EOF
expect_status 1 "fleet: one host not ready, exit 1" "$TR" report --fleet "$F" --stale-after 48 --format json --html "$F/index.html"
cp "$OUT" "$D/fleet.json"
[ "$(json "$D/fleet.json" 'd["schema"], d["summary"]["hosts"], d["summary"]["not_ready"], d["summary"]["stale"]')" = "('tickready.fleet/1', 3, 1, 1)" ] && ok "fleet summary: 3 hosts, 1 not ready, 1 stale" || not_ok "fleet summary $(json "$D/fleet.json" 'd["summary"]')"
[ "$(json "$D/fleet.json" '[h["html"] for h in d["hosts"] if h["file"] == "nyc4-07.json"][0]')" = nyc4-07.html ] && ok "host page linked" || not_ok "host page"
[ "$(json "$D/fleet.json" '[h["stale"] for h in d["hosts"] if h["file"] == "ldn1-01.json"][0]')" = True ] && ok "old report marked stale" || not_ok "stale"
[ "$(json "$D/fleet.json" '[h["p99_ns"] for h in d["hosts"] if h["file"] == "nyc4-07.json"][0]')" = 28553.0 ] && ok "fleet P99 from verify" || not_ok "fleet p99"
expect_grep "fleet HTML sortable" '<table class="sortable fleet">' "$F/index.html"
expect_grep "fleet HTML links the host page" '<a href="nyc4-07.html">' "$F/index.html"
expect_grep "fleet HTML marks stale" 'badge v-stale' "$F/index.html"
# What a fleet engineer looks for first: which check fails on how many hosts (most first, each linking the
# host table filtered to it), a check x host matrix, a filter, each host's JSON linked.
python3 - "$F/index.html" "$D/fleet.json" <<'PY' >"$D/fleet-page.log" 2>&1 && ok "fleet HTML: failing checks by host count, check x host matrix, filter, JSON links" || { not_ok "fleet page"; sed 's/^/    /' "$D/fleet-page.log"; }
import collections, json, re, sys
h, d = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
count = collections.Counter(c for host in d["hosts"] for c in host["failing"])
want = sorted(count.items(), key=lambda x: (-x[1], x[0]))
top = h[h.index('<section id="top-failing">'):h.index('</section>', h.index('<section id="top-failing">'))]
rows = re.findall(r'<tr data-check="([^"]+)"><td><a href="#filter=\1"><code>\1</code></a></td><td class="num">(\d+) of (\d+)</td>', top)
assert [(c, int(n)) for c, n, _ in rows] == want and all(int(m) == len(d["hosts"]) for _, _, m in rows), (rows[:3], want[:3])
assert h.index('<section id="top-failing">') < h.index('<section id="hosts">'), "failing checks come first"
mx = h[h.index('<details id="matrix"'):h.index('</details>', h.index('<details id="matrix"'))]
assert re.findall(r'<th class="host">([^<]*)</th>', mx) == [x["hostname"] for x in d["hosts"]]
for line in re.findall(r'<tr><td><code>([^<]+)</code></td>(.*?)</tr>', mx):
    marks = ["&#10007;" in c for c in re.findall(r'<td[^>]*>.*?</td>', line[1])]
    assert marks == [line[0] in x["failing"] for x in d["hosts"]], line[0]
assert '<input id="filter" type="search"' in h and "#filter=" in h and "<script>" in h
for x in d["hosts"]:
    assert f'<a class="json" href="{x["file"]}">JSON</a>' in h, x["file"]
    f = re.search(r'data-filter="([^"]*)"><td>(?:<a href="[^"]*">)?' + re.escape(x["hostname"]), h)
    assert f and all(c in f.group(1).split() for c in x["failing"]) and x["verdict"] in f.group(1), x["hostname"]
PY
# A host name longer than its column (24) widens it: every row keeps its columns in line.
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d["hostname"] = "nyc4-rack07-u42.trading.example.net"; json.dump(d, open(sys.argv[2], "w"))' "$D/rc.json" "$F/long.json"
expect_status 1 "fleet text" "$TR" report --fleet "$F"
expect_grep "text: one line per host" 'ldn1-01 .* STALE$' "$OUT"
[ "$(grep -c 'failing  P99' "$OUT")" = 4 ] && [ "$(sed -n '2,$p' "$OUT" | awk '{print index($0, "failing")}' | sort -u | wc -l)" = 1 ] && ok "text: columns in line past a long host name" || { not_ok "fleet text columns"; sed 's/^/    /' "$OUT"; }
rm "$F/long.json"
"$TR" report --fleet "$F" --format json >"$D/f.json"; mv "$D/f.json" "$F/fleet.json"
expect_status 1 "a fleet summary in the directory is passed over" "$TR" report --fleet "$F" --format json
[ "$(json "$OUT" 'd["summary"]["hosts"]')" = 3 ] && ok "still 3 hosts" || not_ok "fleet.json counted"

# Bad fleet directories: a foreign file, a report of another schema, a truncated one, an empty directory.
for bad in foreign trunc schema; do
	G=$D/bad-$bad; mkdir "$G"; cp "$D/ra.json" "$G/ok.json"
	case $bad in
	foreign) echo x >"$G/notes.txt"; want=notes.txt ;;
	trunc) head -c 200 "$D/ra.json" >"$G/cut.json"; want=cut.json ;;
	schema) echo '{"schema": "tickready.audit/1"}' >"$G/audit.json"; want='audit.json.*tickready.audit/1' ;;
	esac
	expect_status 2 "fleet with a $bad file: exit 2" "$TR" report --fleet "$G" --html "$G/index.html"
	expect_grep "names the $bad file" "$want" "$ERR"
	[ ! -e "$G/index.html" ] && ok "nothing written ($bad)" || not_ok "index written ($bad)"
done
mkdir "$D/empty"
expect_status 2 "empty fleet directory" "$TR" report --fleet "$D/empty"
expect_status 2 "--stale-after garbage" "$TR" report --fleet "$F" --stale-after soon
expect_status 2 "--fleet with --prom" "$TR" report --fleet "$F" --prom "$D"

finish
