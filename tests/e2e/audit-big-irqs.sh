#!/usr/bin/env bash
# End-to-end: /proc/interrupts of any size is read (streamed, one line held): a 2,048-cpu tree whose file is past
# the old 64 MiB bound is judged; a line too long to hold says so (File too large), never "No such file", and
# leaves nic.chain's IRQ link broken rather than passing it unknown.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
FX=$SRC/tests/fixtures
D=$(mktmp)
verdict() { json "$OUT" '[(c["verdict"], c["observed"]) for c in d["checks"] if c["id"] == "'"$1"'"][0]'; }

# 2,048 cpus x 3,200 IRQs: 72 MB of /proc/interrupts.
NCPU=2048 NNODE=8 NIRQ=3200 bash bench/gen-synthetic-tree.sh "$D/big" >/dev/null || { not_ok "tree generated"; finish; exit; }
size=$(stat -c %s "$D/big/proc/interrupts")
[ "$size" -gt $((64 << 20)) ] && ok "synthetic /proc/interrupts is $size bytes, past 64 MiB" || not_ok "tree too small: $size"
expect_status_in "0 1" "audit of the 2,048-cpu tree" "$TR" audit --root "$D/big" --profile hft-balanced --format json
[ "$(json "$OUT" '[c["verdict"] for c in d["checks"] if c["id"] == "irq.affinity"][0]')" = pass ] &&
	ok "irq.affinity judged on all IRQs: $(verdict irq.affinity)" || not_ok "irq.affinity: $(verdict irq.affinity)"
json "$OUT" '[c["observed"] for c in d["checks"] if c["id"] == "irq.affinity"][0]' | grep -q "of 32.. IRQs" &&
	ok "every IRQ of the file counted" || not_ok "IRQ count: $(verdict irq.affinity)"

# One line of 5 MiB: past the line bound, EFBIG said as such; nic.chain not PASS with its IRQ link unknown.
cp -a "$FX/base" "$D/long"
python3 -c 'import sys; open(sys.argv[1], "w").write("CPU0 " * (1 << 20) + "\n")' "$D/long/proc/interrupts"
expect_status_in "0 1" "audit with a 5 MiB line" "$TR" audit --root "$D/long" --profile "$FX/profiles/base.ini" --format json
v=$(verdict irq.affinity)
case "$v" in *"File too large"*) ok "irq.affinity says the file is too large: $v" ;; *) not_ok "irq.affinity: $v" ;; esac
case "$v" in *"No such file"*) not_ok "EFBIG read as ENOENT: $v" ;; *) ok "EFBIG never reads as 'No such file'" ;; esac
v=$(verdict nic.chain)
case "$v" in "('fail'"*"IRQs of"*"unknown"*) ok "nic.chain's IRQ link unknown is a broken link: $v" ;; *) not_ok "nic.chain: $v" ;; esac
finish
