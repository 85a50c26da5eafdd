#!/usr/bin/env bash
# End-to-end: apply on a fixture tree, audit, apply again (nothing), status, revert (byte-identical), per profile.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
T=$(mktmp)/tree
D=$(mktmp)

fresh_tree "$T"
expect_status 0 "dry run exits 0" "$TR" apply --root "$T" --profile "$APROF" --dry-run
expect_grep "dry run prints the plan" '^plan: [1-9][0-9]* changes' "$OUT"
expect_grep "dry run shows the shell form" '\$ sysctl -w kernel.timer_migration=0' "$OUT"
same_tree "$T.orig" "$T" && ok "dry run changes nothing" || not_ok "dry run changed the tree"
[ ! -e "$T/var/lib/tickready/journal" ] && ok "dry run writes no journal" || not_ok "dry run journaled"

expect_status 0 "dry run JSON" "$TR" apply --root "$T" --profile "$APROF" --dry-run --format json
[ "$(json "$OUT" 'd["schema"]')" = tickready.plan/1 ] && ok "schema tickready.plan/1" || not_ok "plan schema"
[ "$(json "$OUT" 'd["reboot_required"]')" = True ] && ok "plan: reboot_required" || not_ok "reboot_required"
json "$OUT" 'all(set(c) >= {"check","kind","target","current","new","when","command"} for c in d["changes"])' | grep -qx True && ok "changes carry every field" || not_ok "change fields"
json "$OUT" 'sorted(set(c["check"] for c in d["changes"]))' >"$T.checks"
for id in cpu.governor memory.thp irq.affinity kernel.timer_migration nic.coalesce nic.rings cpu.isolated; do
	grep -q "'$id'" "$T.checks" && ok "plan covers $id" || not_ok "plan lacks $id"
done
[ "$(json "$OUT" '[c["target"] for c in d["changes"] if c["target"].startswith("eno1")]')" = "[]" ] && ok "management NIC untouched" || not_ok "plan touches eno1"

expect_status 2 "no tty and no --yes: refuses" "$TR" apply --root "$T" --profile "$APROF" </dev/null
expect_grep "refusal says --yes" 'use --yes' "$ERR"
same_tree "$T.orig" "$T" && ok "refusal changes nothing" || not_ok "refusal changed the tree"

expect_status 0 "apply --yes" "$TR" apply --root "$T" --profile "$APROF" --yes
expect_grep "apply reports reboot_required" '^reboot_required: yes' "$OUT"
# The count applied is told in the plan's terms: its rows less the boot parameters the staged file
# carries, plus the tree's emulations; what was left out says why. The numbers must add up.
acct=$(python3 - "$OUT" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
plan = int(re.search(r"^plan: (\d+) change", t, re.M).group(1))
line = re.search(r"^applied (\d+) change.*$", t, re.M)
n = int(line.group(1))
if n == plan:
    print("ok")
    sys.exit()
m = re.search(r"the plan's (\d+)", line.group(0))
less = re.search(r"less its (\d+) boot parameter", line.group(0))
plus = re.search(r"plus (\d+) that emulate", line.group(0))
if not m or int(m.group(1)) != plan:
    print("no account of %d vs the plan's %d: %s" % (n, plan, line.group(0)))
elif n != plan - int(less.group(1) if less else 0) + int(plus.group(1) if plus else 0):
    print("does not add up: %s" % line.group(0))
elif re.search(r"\d+ left out(?!: )", line.group(0)):
    print("left out without a reason: %s" % line.group(0))
else:
    print("ok")
PY
)
[ "$acct" = ok ] && ok "apply's count adds up to the plan's" || not_ok "apply's count: $acct"
grep -q 'isolcpus=managed_irq,domain,2-3,6-7' "$T/etc/default/grub.d/99-tickready.cfg" && ok "grub drop-in staged" || not_ok "grub drop-in"
cmp -s "$T.orig/etc/default/grub" "$T/etc/default/grub" && ok "user's /etc/default/grub untouched" || not_ok "/etc/default/grub rewritten"
[ "$(cat "$T/proc/sys/kernel/timer_migration")" = 0 ] && ok "sysctl written" || not_ok "sysctl"
grep -q '\[never\]' "$T/sys/kernel/mm/transparent_hugepage/enabled" && ok "THP shows [never]" || not_ok "THP"
[ "$(cat "$T/proc/irq/28/smp_affinity_list")" = 0-1 ] && ok "NIC IRQ on its node's housekeeping cores" || not_ok "NIC IRQ"
grep -qx 'rx_usecs=0' "$T/.tickready/ethtool/ens1f0/coalesce" && ok "rx-usecs in the capture file" || not_ok "coalesce"
grep -qx 'IRQBALANCE_BANNED_CPULIST=2-3,6-7' "$T/etc/default/irqbalance" && ok "irqbalance banned list" || not_ok "irqbalance"
[ "$(stat -c %a "$T/var/lib/tickready/journal")" = 600 ] && ok "journal is 0600" || not_ok "journal mode"
[ "$(stat -c %a "$T/var/lib/tickready")" = 700 ] && ok "journal dir is 0700" || not_ok "journal dir mode"

# Every check the plan covered now passes or waits for the reboot.
expect_status 0 "audit after apply: ready (pending reboots are not failures)" "$TR" audit --root "$T" --profile "$APROF" --format json
cp "$OUT" "$T.audit"
bad=$(python3 - "$T.audit" "$T.checks" <<'PY'
import ast, json, sys
d = json.load(open(sys.argv[1])); covered = set(ast.literal_eval(open(sys.argv[2]).read()))
print(" ".join("%s=%s" % (c["id"], c["verdict"]) for c in d["checks"] if c["id"] in covered and c["verdict"] not in ("pass", "pending-reboot", "skip")))
PY
)
[ -z "$bad" ] && ok "covered checks pass or are pending reboot" || not_ok "covered checks still failing: $bad"

expect_status 0 "second apply" "$TR" apply --root "$T" --profile "$APROF" --yes
expect_grep "second apply plans nothing and says so" '^nothing to do' "$OUT"
expect_status 0 "second plan JSON" "$TR" apply --root "$T" --profile "$APROF" --dry-run --format json
[ "$(json "$OUT" 'len(d["changes"])')" = 0 ] && ok "second plan is empty" || not_ok "second plan: $(json "$OUT" '[c["target"] for c in d["changes"]]')"

expect_status 0 "status" "$TR" status --root "$T"
expect_grep "status shows pending-reboot" '^  pending-reboot +isolcpus' "$OUT"
expect_grep "status shows live values" '^  pass +kernel|^  pass +/proc/sys/kernel/timer_migration' "$OUT"
# Every row keeps its columns in line with the header, however long a path or value (sysfs paths pass 46 characters).
python3 - "$OUT" <<'PY' >"$D/cols.log" 2>&1 && ok "status table: every value inside its column" || { not_ok "status columns"; sed 's/^/    /' "$D/cols.log"; }
import sys
lines = open(sys.argv[1]).read().splitlines()
head = [l for l in lines if l.lstrip().startswith("VERDICT")][0]
starts = [head.index(w) for w in ("TARGET", "WANTED", "STAGED", "LIVE")]
rows = lines[lines.index(head) + 1:]
rows = rows[:next(i for i, l in enumerate(rows) if not l.startswith("  "))]
assert any(len(r.split()[1]) > 46 for r in rows if len(r.split()) > 1), "no long path to test with"
for r in rows:
    for s in starts:
        assert len(r) <= s or r[s - 1] == " ", (s, r)
PY
expect_status 0 "status JSON" "$TR" status --root "$T" --format json
[ "$(json "$OUT" 'd["summary"]["fail"]')" = 0 ] && ok "status: nothing failed" || not_ok "status failures"

expect_status 0 "revert" "$TR" revert --root "$T"
same_tree "$T.orig" "$T" && ok "revert: tree byte-identical, modes included" || { not_ok "revert left differences"; diff -r --no-dereference "$T.orig" "$T" | head; }
expect_status 0 "second revert" "$TR" revert --root "$T"
expect_grep "second revert does nothing and says so" '^nothing to revert' "$OUT"
expect_status 0 "status after revert" "$TR" status --root "$T"
expect_grep "status: nothing applied" '^nothing applied' "$OUT"

# Two runs, reverted together newest first, restore the original.
fresh_tree "$T"
"$TR" apply --root "$T" --profile "$APROF" --only cpu,memory --yes >/dev/null 2>&1
"$TR" apply --root "$T" --profile "$APROF" --yes >/dev/null 2>&1
expect_status 0 "revert of two runs" "$TR" revert --root "$T"
expect_grep "both runs reverted" '^reverted 2 runs' "$OUT"
same_tree "$T.orig" "$T" && ok "two runs: tree byte-identical" || not_ok "two runs: differences"

# Every shipped profile: apply, apply again (nothing), revert (identical).
for p in "$SRC"/profiles/*.ini; do
	name=$(basename "$p" .ini)
	fresh_tree "$T"
	expect_status 0 "$name: apply" "$TR" apply --root "$T" --profile "$name" --yes --skip-blocked
	expect_status 0 "$name: second plan" "$TR" apply --root "$T" --profile "$name" --dry-run --format json
	[ "$(json "$OUT" 'len(d["changes"])')" = 0 ] && ok "$name: apply again plans nothing" || not_ok "$name: replans $(json "$OUT" '[c["target"] for c in d["changes"]][:5]')"
	expect_status 0 "$name: revert" "$TR" revert --root "$T"
	same_tree "$T.orig" "$T" && ok "$name: revert byte-identical" || not_ok "$name: revert differences"
done
finish
