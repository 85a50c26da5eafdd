#!/usr/bin/env bash
# End-to-end: the report and fleet pages opened in headless Chromium; the DOM it builds is checked
# (verdict, one table per area, one SVG per histogram; the fleet page's inline sort script ran).
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
        if tag == "section":
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
assert dom.order[0] == "verdict", dom.order[:3]
assert dom.verdict.strip() == "NOT READY", dom.verdict
areas = {c["area"] for c in doc["audit"]["checks"]}
assert set(dom.areas) == areas, (dom.areas, areas)
for area in areas:
    want = sum(c["area"] == area and c["verdict"] != "pending-reboot" for c in doc["audit"]["checks"])
    assert dom.areas[area] == want, (area, dom.areas[area], want)
streams = [s["name"] for s in doc["verify"]["streams"] if s.get("histogram")]
assert dom.svgs == streams, (dom.svgs, streams)
EOF

# The fleet page: its inline script ran in the browser (it marks the sortable headers).
mkdir "$D/fleet"; cp "$D/host.json" "$D/fleet/h1.json"; cp "$D/host.html" "$D/fleet/h1.html"
"$TR" report --fleet "$D/fleet" --html "$D/fleet/index.html" --format none
dump_dom "file://$D/fleet/index.html" "$D/fleet-dom.html"
[ "$(grep -o 'class="sortable-key"' "$D/fleet-dom.html" | wc -l)" = 7 ] && ok "fleet: the sort script ran (7 sortable headers)" || not_ok "fleet: sort script did not run"
expect_grep "fleet: host row links its page" '<a href="h1.html">' "$D/fleet-dom.html"
pgrep -f "user-data-dir=$D/" >/dev/null && not_ok "chromium left running" || ok "no chromium left running"

finish
