#!/usr/bin/env bash
# The journal at scale: `status` on a 100,000-record journal (goal < 1 s) and `revert` of 10,000 changes
# (goal < 2 s), each the median of 5 runs on a tree of 10,000 IRQs. A benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
TR=${TR:-$PWD/$BUILD/tickready}
dir=$(mktemp -d /tmp/tickready-bench-XXXXXX)
trap 'rm -rf "$dir"' EXIT

# gen TREE RUNS: 10,000 IRQ affinity files holding "2-3", and a journal of RUNS runs that each wrote all of them
# ("0-3" -> "2-3"): RUNS * 20,000 W and D records, plus B and E.
gen() {
	python3 - "$1" "$2" <<'PY'
import os, sys
root, runs = sys.argv[1], int(sys.argv[2])
def esc(s):
    return "=" + "".join(c if "!" <= c <= "~" and c != "%" else "%%%02X" % ord(c) for c in s)
os.makedirs(root + "/var/lib/tickready", mode=0o700)
for i in range(10000):
    d = "%s/proc/irq/%d" % (root, i)
    os.makedirs(d)
    with open(d + "/smp_affinity_list", "w") as f:
        f.write("2-3\n")
with open(root + "/var/lib/tickready/journal", "w") as j:
    j.write("#tickready-journal 1\n")
    for r in range(runs):
        run = "20260101T00000%dZ-%d" % (r, 100 + r)
        j.write("B %s 1767225600 =bench %s\n" % (run, esc(root)))
        for i in range(10000):
            t = "/proc/irq/%d/smp_affinity_list" % i
            j.write("W %s %d write %s %s %s %s\n" % (run, i + 1, esc(t), esc("0-3\n"), esc("0-3"), esc("2-3")))
            j.write("D %s %d\n" % (run, i + 1))
        j.write("E %s 0\n" % run)
os.chmod(root + "/var/lib/tickready/journal", 0o600)
PY
}

median() { sort -n | sed -n 3p; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }

gen "$dir/s" 5
records=$(grep -vc '^#' "$dir/s/var/lib/tickready/journal")
st=$(for i in 1 2 3 4 5; do ms "$TR" status --root "$dir/s" --format json; done | median)
echo "status, ${records}-record journal (5 runs x 10,000 writes): median ${st} ms over 5 runs (goal < 1000 ms)"

times=()
for i in 1 2 3 4 5; do
	rm -rf "$dir/r"
	gen "$dir/r" 1
	times+=($(ms "$TR" revert --root "$dir/r"))
done
rv=$(printf '%s\n' "${times[@]}" | median)
restored=$(grep -c '^0-3$' <(cat "$dir"/r/proc/irq/*/smp_affinity_list))
echo "revert of 10,000 changes: median ${rv} ms over 5 runs (goal < 2000 ms; ${restored} values restored in the last)"
