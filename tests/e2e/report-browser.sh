#!/usr/bin/env bash
# End-to-end: the report and fleet pages opened in headless Chromium; the DOM it builds is checked
# (verdict, contents, verify, what needs action, passes and skips folded per area, one SVG per histogram,
# a sweep's two charts; the fleet page's inline sort script ran), and this VM's report printed to PDF fits in 3 pages.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
D=$(mktmp)

CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then
	not_ok "chromium missing (make deps installs it)"
	finish; exit
fi
# dump_dom URL OUT: the DOM after scripts ran; no network, no profile but a fresh one.
dump_dom() {
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$D/profile-$RANDOM" --dump-dom "$1" >"$2" 2>"$D/chromium.err"
}

T=$D/tree; fresh_tree "$T"
"$TR" report --root "$T" --profile "$APROF" --verify-from "$FX/report/verify-loopback.json" \
	--html "$D/host.html" --json "$D/host.json" --format none
if dump_dom "file://$D/host.html" "$D/dom.html" && [ -s "$D/dom.html" ]; then ok "chromium dumps the DOM"; else not_ok "chromium: $(tail -2 "$D/chromium.err")"; fi

python3 - "$D/dom.html" "$D/host.json" <<'EOF' >"$D/check.log" 2>&1 && ok "DOM: verdict, area tables, histograms" || { not_ok "DOM checks"; sed 's/^/    /' "$D/check.log"; }
import json, sys
from html.parser import HTMLParser

class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.verdict, self.areas, self.rows, self.svgs, self.order = [], "", {}, {}, [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.stack.append((tag, a))
        if tag == "header" and a.get("id") == "verdict":
            self.order.append("verdict")
        if tag in ("section", "nav") or (tag == "details" and a.get("id")):
            self.order.append(a.get("id") or a.get("data-area"))
            if a.get("class") == "area":
                self.areas[a["data-area"]] = 0
        if tag == "tr" and "data-check" in a:
            area = [x[1]["data-area"] for x in self.stack if x[0] == "section" and "data-area" in x[1]]
            if area:
                self.areas[area[-1]] += 1
        if tag == "svg" and a.get("class") == "histogram":
            self.svgs.append(a.get("data-stream"))
    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass
    def handle_data(self, data):
        if any(t == "header" for t, _ in self.stack) and any(t == "h1" for t, _ in self.stack):
            self.verdict += data

dom = Dom(); dom.feed(open(sys.argv[1]).read())
doc = json.load(open(sys.argv[2]))
assert dom.order[:5] == ["verdict", "summary", "toc", "verify", "action"], dom.order[:5]
assert dom.verdict.strip() == "NOT READY", dom.verdict
# Passes and skips, folded per area; failures and warnings in the one table of what needs action.
folded = ("pass", "skip")
areas = {c["area"] for c in doc["audit"]["checks"] if c["verdict"] in folded}
assert set(dom.areas) == areas, (dom.areas, areas)
for area in areas:
    want = sum(c["area"] == area and c["verdict"] in folded for c in doc["audit"]["checks"])
    assert dom.areas[area] == want, (area, dom.areas[area], want)
streams = [s["name"] for s in doc["verify"]["streams"] if s.get("histogram")]
assert dom.svgs == streams, (dom.svgs, streams)
EOF

# A sweep (tests/fixtures/report/verify-sweep.json: verify-loopback.json's document as mode sweep with a hand-made sweep of 3 rates
# and 2 sizes in verify's sweep keys, cuts below 0, down to -120 %, and 12.125 % on a rounding tie): in the browser,
# two SVG charts (P99 cut against rate and against size), one point per row inside the chart, each chart's table.
"$TR" report --root "$T" --profile "$APROF" --verify-from "$FX/report/verify-sweep.json" --html "$D/sweep.html" --format none
dump_dom "file://$D/sweep.html" "$D/sweep-dom.html"
python3 - "$D/sweep-dom.html" "$FX/report/verify-sweep.json" <<'EOF' >"$D/sweep.log" 2>&1 && ok "DOM: the sweep's charts against rate and size, a point per row" || { not_ok "sweep DOM"; sed 's/^/    /' "$D/sweep.log"; }
import json, sys
from html.parser import HTMLParser

class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.axis = None; self.points = {}; self.tables = 0; self.lines = {}
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "svg" and a.get("class") == "sweep":
            self.axis = a["data-axis"]; self.points[self.axis] = []; self.box = [float(x) for x in a["viewbox"].split()]
        elif tag == "circle" and self.axis:
            assert 0 <= float(a["cx"]) <= self.box[2] and 0 <= float(a["cy"]) <= self.box[3], a
            self.points[self.axis].append((float(a["data-x"]), float(a["data-cut"])))
        elif tag == "polyline" and self.axis:
            self.lines[self.axis] = len(a["points"].split())
        elif tag == "table" and a.get("class") == "sweep":
            self.tables += 1
    def handle_endtag(self, tag):
        if tag == "svg":
            self.axis = None

dom = P(); dom.feed(open(sys.argv[1]).read())
s = json.load(open(sys.argv[2]))["sweep"]
for axis, rows, key in (("rate", s["by_rate"], "rate_pps"), ("size", s["by_size"], "payload_bytes")):
    got = dom.points[axis]
    assert len(got) == len(rows) and all(x == r[key] and abs(c - r["p99_cut_pct"]) <= 0.006 for (x, c), r in zip(got, rows)), (axis, got)
    assert dom.lines[axis] == len(rows), dom.lines
assert dom.tables == 2, dom.tables
EOF

# This VM's report printed by Chromium: what needs action (verdict, verify, failures, warnings, pending) on at
# most 3 pages; the folded passes and skips are not printed. Before the print view it took 21 pages.
"$TR" report --verify-from "$FX/report/verify-loopback.json" --html "$D/vm.html" --json "$D/vm.json" --format none 2>"$D/vm.err"
[ -s "$D/vm.html" ] || not_ok "this VM's report: $(head -2 "$D/vm.err")"
timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --no-pdf-header-footer \
	--user-data-dir="$D/profile-pdf" --print-to-pdf="$D/vm.pdf" "file://$D/vm.html" >/dev/null 2>"$D/chromium.err"
# pdfinfo (poppler-utils) reads the page tree; without it, the page objects are counted.
if command -v pdfinfo >/dev/null; then
	pages=$(pdfinfo "$D/vm.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
else
	pages=$(grep -ac '/Type /Page\b' "$D/vm.pdf")
fi
if [ -n "$pages" ] && [ "$pages" -ge 1 ] && [ "$pages" -le 3 ]; then ok "this VM's report prints on $pages page(s) (at most 3)"
else not_ok "this VM's report prints on '${pages:-?}' pages, wanted 1-3 ($(tail -1 "$D/chromium.err"))"; fi
if command -v pdftotext >/dev/null; then
	pdftotext "$D/vm.pdf" "$D/vm.txt"
	grep -q 'Needs action' "$D/vm.txt" && grep -q 'Verify' "$D/vm.txt" && ok "the print holds verify and what needs action" || not_ok "print lacks verify or needs action"
	folded=$(json "$D/vm.json" '" ".join(c["id"] for c in d["audit"]["checks"] if c["verdict"] in ("pass", "skip"))')
	printed=$(for id in $folded; do grep -qF "$id" "$D/vm.txt" && echo "$id"; done)
	[ -n "$folded" ] && [ -z "$printed" ] && ok "the print leaves out the passes and skips" || not_ok "the print holds passes or skips: ${printed:-none to check}"
fi

# The fleet page: its inline script ran in the browser (it marks the sortable headers).
mkdir "$D/fleet"; cp "$D/host.json" "$D/fleet/h1.json"; cp "$D/host.html" "$D/fleet/h1.html"
"$TR" report --fleet "$D/fleet" --html "$D/fleet/index.html" --format none
dump_dom "file://$D/fleet/index.html" "$D/fleet-dom.html"
[ "$(grep -o 'class="sortable-key"' "$D/fleet-dom.html" | wc -l)" = 7 ] && ok "fleet: the sort script ran (7 sortable headers)" || not_ok "fleet: sort script did not run"
expect_grep "fleet: host row links its page" '<a href="h1.html">' "$D/fleet-dom.html"
# The filter ran: "#filter=WORDS" (what a failing check's link sets) keeps the rows that match, hides the rest.
fail1=$(json "$D/host.json" '[c["id"] for c in d["audit"]["checks"] if c["verdict"] == "fail"][0]')
dump_dom "file://$D/fleet/index.html#filter=$fail1" "$D/fleet-kept.html"
dump_dom "file://$D/fleet/index.html#filter=no-such-check" "$D/fleet-hidden.html"
grep -q '<span id="shown" class="mute">1 of 1 hosts shown</span>' "$D/fleet-kept.html" && ! grep -q 'data-filter="[^"]*" hidden' "$D/fleet-kept.html" &&
	grep -q '<span id="shown" class="mute">0 of 1 hosts shown</span>' "$D/fleet-hidden.html" && grep -q 'data-filter="[^"]*" hidden' "$D/fleet-hidden.html" &&
	ok "fleet: the filter keeps a host failing $fail1 and hides it for a check it passes" || not_ok "fleet filter: $(grep -o '<span id="shown"[^<]*' "$D/fleet-kept.html" "$D/fleet-hidden.html")"
pgrep -f "user-data-dir=$D/" >/dev/null && not_ok "chromium left running" || ok "no chromium left running"

finish
