#!/usr/bin/env bash
# tickready report against tickready audit alone on this host, and the size of what it writes.
# A benchmark, not a test: figures only (2-core VM, noisy neighbours).
set -u
cd "$(dirname "$0")/.."
TR=${TR:-build/tickready}
RUNS=${RUNS:-31}
D=$(mktemp -d /tmp/tickready-bench-XXXXXX)
trap 'rm -rf "$D"' EXIT
VJ=tests/fixtures/report/verify-loopback.json
# Interleaved runs: median wall and cpu of each, in ms.
python3 bench/interleave.py "$RUNS" "$TR audit --format json" "$TR report --format json" \
	"$TR report --format none --verify-from $VJ --html $D/r.html --prom $D --junit $D/r.xml"
"$TR" report --format none --html "$D/plain.html" --json "$D/plain.json"
"$TR" report --format none --verify-from "$VJ" --html "$D/v.html" --prom "$D" --junit "$D/v.xml" --json "$D/v.json"
printf '%-44s %8s\n' "output" "bytes"
for f in plain.html plain.json v.html v.json tickready.prom v.xml; do printf '%-44s %8s\n' "$f" "$(stat -c %s "$D/$f")"; done
