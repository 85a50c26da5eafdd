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
# Interleaved (A B C A B C ...), one warm-up each: the median wall and cpu (user+sys) of each, in ms.
python3 - "$RUNS" "$TR audit --format json" "$TR report --format json" \
	"$TR report --format none --verify-from $VJ --html $D/r.html --prom $D --junit $D/r.xml" <<'PY'
import os, shlex, subprocess, sys, time
n = int(sys.argv[1]); cmds = sys.argv[2:]
def once(c):
    t0 = time.perf_counter()
    p = subprocess.Popen(shlex.split(c), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    return (time.perf_counter() - t0) * 1e3, (ru.ru_utime + ru.ru_stime) * 1e3
for c in cmds:
    once(c)
runs = [[] for _ in cmds]
for _ in range(n):
    for i, c in enumerate(cmds):
        runs[i].append(once(c))
med = lambda v: sorted(v)[len(v) // 2]
for c, r in zip(cmds, runs):
    print("%-44s wall %6.2f ms  cpu %6.2f ms (medians of %d)" % (c.split(" ", 1)[1][:44], med([x[0] for x in r]), med([x[1] for x in r]), n))
PY
"$TR" report --format none --html "$D/plain.html" --json "$D/plain.json"
"$TR" report --format none --verify-from "$VJ" --html "$D/v.html" --prom "$D" --junit "$D/v.xml" --json "$D/v.json"
printf '%-44s %8s\n' "output" "bytes"
for f in plain.html plain.json v.html v.json tickready.prom v.xml; do printf '%-44s %8s\n' "$f" "$(stat -c %s "$D/$f")"; done
