#!/usr/bin/env bash
# apply --dry-run on the synthetic 512-cpu, 8-node, 4,000-IRQ tree: median wall time of 9 runs (goal <= 150 ms).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
TR=${TR:-$PWD/$BUILD/tickready}
dir=$(mktemp -d /tmp/tickready-bench-XXXXXX)
trap 'rm -rf "$dir"' EXIT
bash bench/gen-synthetic-tree.sh "$dir/tree" >/dev/null
# Every IRQ on every cpu: the plan moves all 4,000 of them, the worst case for the planner.
for f in "$dir"/tree/proc/irq/*/smp_affinity_list; do echo "0-511" >"$f"; done
times=()
for i in 1 2 3 4 5 6 7 8 9; do
	s=$(date +%s%N)
	"$TR" apply --root "$dir/tree" --dry-run --format json >"$dir/plan.json" || { echo "apply --dry-run failed" >&2; exit 2; }
	e=$(date +%s%N)
	times+=($(( (e - s) / 1000000 )))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 5p)
changes=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["changes"]))' "$dir/plan.json")
met=$([ "$median" -le 150 ] && echo met || echo "NOT met")
echo "apply --dry-run, 512 cpus, 8 nodes, 4000 IRQs: median ${median} ms over 9 runs (${changes} changes planned; goal <= 150 ms: $met)"
