#!/usr/bin/env bash
# Safety interlocks: the management path, memory beyond a node, a whole node isolated; --skip-blocked and --force.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
D=$(mktmp); T=$D/tree

# eno1 carries the default route: its IRQ on an isolated cpu is blocked, not moved.
fresh_tree "$T"
echo 0-7 >"$T/proc/irq/24/smp_affinity_list"; echo 2 >"$T/proc/irq/24/effective_affinity_list"
cp "$T/proc/irq/24/smp_affinity_list" "$T/proc/irq/24/effective_affinity_list" "$T.orig/proc/irq/24/"
expect_status 2 "management path: apply exits 2" "$TR" apply --root "$T" --profile "$APROF" --yes
expect_grep "names the interlock" "eno1 is on the management path \(default route\)" "$ERR"
same_tree "$T.orig" "$T" && ok "blocked apply changes nothing" || not_ok "blocked apply changed the tree"
expect_status 0 "dry run JSON lists it under blocked" "$TR" apply --root "$T" --profile "$APROF" --dry-run --format json
[ "$(json "$OUT" '[b["target"] for b in d["blocked"]]')" = "['/proc/irq/24/smp_affinity_list']" ] && ok "blocked: irq 24" || not_ok "blocked list: $(json "$OUT" 'd["blocked"]')"
expect_status 0 "--skip-blocked applies the rest" "$TR" apply --root "$T" --profile "$APROF" --yes --skip-blocked
[ "$(cat "$T/proc/irq/24/smp_affinity_list")" = 0-7 ] && ok "management IRQ left alone" || not_ok "management IRQ moved"
[ "$(cat "$T/proc/sys/kernel/timer_migration")" = 0 ] && ok "the rest applied" || not_ok "the rest not applied"
expect_status 0 "--force overrides it" "$TR" apply --root "$T" --profile "$APROF" --yes --force
[ "$(cat "$T/proc/irq/24/smp_affinity_list")" = 0-1 ] && ok "--force moved the IRQ" || not_ok "--force did not move it"
"$TR" revert --root "$T" >/dev/null
same_tree "$T.orig" "$T" && ok "revert after --skip-blocked and --force: identical" || not_ok "revert differs"

# The management path through a bond: ens1f0 enslaved to bond0, which holds the default route.
fresh_tree "$T"
sed -i 's/^eno1/bond0/' "$T/proc/net/route"
mkdir -p "$T/sys/devices/virtual/net/bond0"; ln -s ../../devices/virtual/net/bond0 "$T/sys/class/net/bond0"
ln -s ../../../pci0000:00/0000:3b:00.0/net/ens1f0 "$T/sys/devices/virtual/net/bond0/lower_ens1f0"
expect_status 0 "bond member: dry run" "$TR" apply --root "$T" --profile "$APROF" --dry-run --format json
json "$OUT" '[b["reason"] for b in d["blocked"] if b["target"].startswith("ens1f0")]' | grep -q "management path (under bond0)" && ok "bond member's ethtool change blocked" || not_ok "bond member not blocked: $(json "$OUT" 'd["blocked"]')"
# interface = auto never picks a bond member that carries the management path (eno1 under bond0 here,
# with no NIC on a user-space driver), so audit never advises binding it.
fresh_tree "$T"
sed -i 's/^eno1/bond0/' "$T/proc/net/route"
mkdir -p "$T/sys/devices/virtual/net/bond0"; ln -s ../../devices/virtual/net/bond0 "$T/sys/class/net/bond0"
ln -s ../../../pci0000:00/0000:18:00.0/net/eno1 "$T/sys/devices/virtual/net/bond0/lower_eno1"
rm "$T/sys/bus/pci/devices/0000:5e:00.0"
printf '[profile]\ninclude = hft-strict\n[nic]\ninterface = auto\n' >"$D/auto.ini"
"$TR" audit --root "$T" --profile "$D/auto.ini" >"$D/auto.txt"
grep -q 'bypass NIC ens1f0' "$D/auto.txt" && ! grep -q 'dpdk-devbind.py -b vfio-pci 0000:18:00.0' "$D/auto.txt" &&
	ok "auto skips the bond member on the management path" || not_ok "auto: $(grep -o 'bypass NIC [^ ]*' "$D/auto.txt")"

# Hugepages beyond the node's free memory.
fresh_tree "$T"
printf '[profile]\ninclude = %s\n[memory]\nhugepages = 100000\n' "$APROF" >"$D/huge.ini"
expect_status 0 "memory: dry run" "$TR" apply --root "$T" --profile "$D/huge.ini" --dry-run --format json
json "$OUT" '[b["reason"] for b in d["blocked"]]' | grep -q "exceeds its free" && ok "hugepages beyond free memory blocked" || not_ok "hugepages not blocked"

# Isolating every cpu of node 1.
printf '[profile]\ninclude = %s\n[cpu]\nisolated_cores = 2-7\nhousekeeping_cores = 0-1\n' "$APROF" >"$D/node.ini"
expect_status 0 "node: dry run" "$TR" apply --root "$T" --profile "$D/node.ini" --dry-run --format json
json "$OUT" '[b["reason"] for b in d["blocked"] if b["target"] == "isolcpus"]' | grep -q "every cpu of node 1" && ok "isolating all of node 1 blocked" || not_ok "node isolation not blocked"
finish
