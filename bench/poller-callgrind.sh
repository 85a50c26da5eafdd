#!/bin/bash
# poller-callgrind.sh - instructions per packet of the poller's measurement path.
# Runs tests/poller/hist_bench.c (same inline hist_record and stamp read as the
# loopback poller) under callgrind, counting only account_burst().
set -eu

N=${1:-1048576}
cd "$(dirname "$0")/.."
make -s -f poller/poller.mk build/poller/tests/hist_bench
OUT=$(mktemp /tmp/trpoll-cg.XXXXXX)
trap 'rm -f "$OUT"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$OUT" \
	--toggle-collect=account_burst build/poller/tests/hist_bench "$N" >/dev/null 2>&1
IR=$(callgrind_annotate "$OUT" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
awk -v ir="$IR" -v n="$N" 'BEGIN {
	printf "packets: %d\ninstructions (account_burst): %d\ninstructions/packet: %.2f\n", n, ir, ir / n
}'
