#!/usr/bin/env bash
# PCI driver binding: the bind and its exact undo on a tree, and the interlocks that keep a host reachable.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
D=$(mktmp); T=$D/tree
DEV=sys/devices/pci0000:00/0000:3b:00.0

# ens1f0 on an Intel kernel driver (the fixture's mlx5 is bifurcated and never rebound).
intel_tree() {
	fresh_tree "$T"
	for t in "$T" "$T.orig"; do
		ln -sfn ../../../bus/pci/drivers/ixgbe "$t/$DEV/driver"
		mkdir -p "$t/sys/bus/pci/drivers/ixgbe"
	done
}
profile() { # profile FILE INTERFACE DRIVER
	printf '[profile]\ninclude = %s\n[nic]\ninterface = %s\ndriver = %s\n' "$APROF" "$2" "$3" >"$1"
}
blocked_reasons() { json "$OUT" '[b["reason"] for b in d["blocked"] if b["kind"] == "bind"]'; }

profile "$D/vfio.ini" ens1f0 vfio-pci
intel_tree
expect_status 0 "dry run" "$TR" apply --root "$T" --profile "$D/vfio.ini" --dry-run --format json
[ "$(json "$OUT" '[(c["target"], c["current"], c["new"]) for c in d["changes"] if c["kind"] == "bind"]')" = "[('0000:3b:00.0 driver', 'ixgbe', 'vfio-pci')]" ] && ok "plan binds ens1f0 to vfio-pci" || not_ok "plan: $(json "$OUT" 'd["changes"]')"
json "$OUT" '[c["command"] for c in d["changes"] if c["kind"] == "bind"][0]' | grep -q 'driver_override.*unbind.*drivers_probe' && ok "command: driver_override, unbind, drivers_probe" || not_ok "command"
[ "$(json "$OUT" '[c for c in d["changes"] if c["kind"] == "ethtool"]')" = "[]" ] && ok "no ethtool changes for a NIC leaving the kernel" || not_ok "ethtool planned on a NIC being rebound"
expect_status 0 "apply" "$TR" apply --root "$T" --profile "$D/vfio.ini" --yes
[ "$(readlink "$T/$DEV/driver")" = ../../../bus/pci/drivers/vfio-pci ] && ok "driver link now vfio-pci" || not_ok "driver link: $(readlink "$T/$DEV/driver")"
[ ! -e "$T/sys/class/net/ens1f0" ] && [ ! -e "$T/$DEV/net" ] && ok "the netdev is gone, as the kernel does" || not_ok "netdev still there"
expect_status 0 "status" "$TR" status --root "$T"
expect_grep "status: the bind, wanted and live" '^  pass +0000:3b:00.0 +vfio-pci +- +vfio-pci$' "$OUT"
"$TR" audit --root "$T" --profile "$D/vfio.ini" --format json >"$OUT" 2>"$ERR"
[ "$(json "$OUT" '[c["verdict"] for c in d["checks"] if c["id"] == "nic.driver"][0]')" = pass ] && ok "audit finds ens1f0 by its former name: nic.driver passes" || not_ok "nic.driver: $(json "$OUT" '[c for c in d["checks"] if c["id"] == "nic.driver"]')"
expect_status 0 "second apply" "$TR" apply --root "$T" --profile "$D/vfio.ini" --dry-run --format json
[ "$(json "$OUT" 'len(d["changes"])')" = 0 ] && ok "second apply plans nothing" || not_ok "replans: $(json "$OUT" 'd["changes"]')"
expect_status 0 "revert" "$TR" revert --root "$T"
same_tree "$T.orig" "$T" && ok "revert: driver link and netdev back, byte-identical" || not_ok "revert differs: $(diff -r --no-dereference "$T.orig" "$T" | head -5)"
[ ! -e "$T/var/lib/tickready/bound" ] && ok "bind state removed" || not_ok "bind state left"

# An unbound device: bound with no unbind step; revert leaves it unbound.
intel_tree
rm "$T/$DEV/driver" "$T.orig/$DEV/driver"
expect_status 0 "apply to an unbound device" "$TR" apply --root "$T" --profile "$D/vfio.ini" --yes
[ "$(readlink "$T/$DEV/driver")" = /sys/bus/pci/drivers/vfio-pci ] && ok "unbound device bound" || not_ok "driver link: $(readlink "$T/$DEV/driver")"
"$TR" revert --root "$T" >/dev/null
same_tree "$T.orig" "$T" && ok "revert: unbound again" || not_ok "revert differs"

# The management NIC: blocked, and --force does not override it.
profile "$D/mgmt.ini" eno1 vfio-pci
intel_tree
expect_status 2 "binding eno1: exit 2" "$TR" apply --root "$T" --profile "$D/mgmt.ini" --yes
expect_grep "names the management path" "eno1 is on the management path \(default route\): binding it to vfio-pci cuts this host off" "$ERR"
expect_status 2 "--force does not override it" "$TR" apply --root "$T" --profile "$D/mgmt.ini" --yes --force
same_tree "$T.orig" "$T" && ok "nothing changed" || not_ok "blocked apply changed the tree"
expect_status 0 "--skip-blocked" "$TR" apply --root "$T" --profile "$D/mgmt.ini" --yes --skip-blocked
[ "$(readlink "$T/sys/devices/pci0000:00/0000:18:00.0/driver")" = ../../../bus/pci/drivers/igb ] && [ -e "$T/sys/class/net/eno1" ] && ok "eno1 stays on igb" || not_ok "eno1 was rebound"
"$TR" revert --root "$T" >/dev/null

# An IOMMU group shared with the management NIC: vfio takes the whole group.
intel_tree
for t in "$T" "$T.orig"; do
	ln -sfn ../../../kernel/iommu_groups/10 "$t/$DEV/iommu_group"
	ln -s ../../../../devices/pci0000:00/0000:3b:00.0 "$t/sys/kernel/iommu_groups/10/devices/0000:3b:00.0"
	rm "$t/sys/kernel/iommu_groups/11/devices/0000:3b:00.0"
done
expect_status 0 "shared group: dry run" "$TR" apply --root "$T" --profile "$D/vfio.ini" --dry-run --format json
blocked_reasons | grep -q "IOMMU group 10 also holds 0000:18:00.0 (eno1, on the management path" && ok "group shared with eno1: blocked" || not_ok "blocked: $(json "$OUT" 'd["blocked"]')"
expect_status 2 "--force cannot bind it" "$TR" apply --root "$T" --profile "$D/vfio.ini" --yes --force
same_tree "$T.orig" "$T" && ok "nothing changed" || not_ok "changed"

# A route through the NIC: the kernel stack uses it; --force may override.
intel_tree
printf 'ens1f0\t0012A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n' >>"$T/proc/net/route"
cp "$T/proc/net/route" "$T.orig/proc/net/route"
expect_status 0 "routed NIC: dry run" "$TR" apply --root "$T" --profile "$D/vfio.ini" --dry-run --format json
blocked_reasons | grep -q "ens1f0 has routes" && ok "routed NIC blocked" || not_ok "blocked: $(json "$OUT" 'd["blocked"]')"
# The route tables are read once per run, shared by the NICs' default routes, the management path and this
# interlock (they were read three times).
if command -v strace >/dev/null; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o "$D/opens" -e trace=%file \
		"$TR" apply --root "$T" --profile "$D/vfio.ini" --dry-run --format json >/dev/null 2>&1
	n=$(grep -c '"/proc/net/route"' "$D/opens")
	[ "$n" = 1 ] && ok "routed NIC: /proc/net/route read once" || not_ok "routed NIC: /proc/net/route opened $n times"
fi
expect_status 0 "--force binds it" "$TR" apply --root "$T" --profile "$D/vfio.ini" --yes --force
[ "$(readlink "$T/$DEV/driver")" = ../../../bus/pci/drivers/vfio-pci ] && ok "bound with --force" || not_ok "not bound"
"$TR" revert --root "$T" >/dev/null
same_tree "$T.orig" "$T" && ok "revert: identical" || not_ok "revert differs"

# The IOMMU off (no groups, no iommu class) and no-IOMMU mode not allowed: vfio-pci would not take the
# NIC, so the bind is blocked, even with --force.
iommu_off() {
	for t in "$T" "$T.orig"; do
		rm -rf "$t/sys/kernel/iommu_groups" "$t/$DEV/iommu_group"
	done
}
intel_tree
iommu_off
expect_status 0 "IOMMU off: dry run" "$TR" apply --root "$T" --profile "$D/vfio.ini" --dry-run --format json
blocked_reasons | grep -q "IOMMU off.*no-IOMMU mode is not allowed.*vfio-pci would not take 0000:3b:00.0" &&
	ok "IOMMU off: bind blocked with the reason" || not_ok "blocked: $(json "$OUT" 'd["blocked"]')"
expect_status 2 "IOMMU off: --force cannot bind it" "$TR" apply --root "$T" --profile "$D/vfio.ini" --yes --force
same_tree "$T.orig" "$T" && ok "IOMMU off: nothing changed" || not_ok "IOMMU off: changed"

# [nic] iommu = noiommu: apply turns vfio's no-IOMMU mode on at runtime (the finding's own fix), then binds.
printf '[nic]\niommu = noiommu\n' | cat "$D/vfio.ini" - >"$D/noiommu.ini"
intel_tree
iommu_off
for t in "$T" "$T.orig"; do
	mkdir -p "$t/sys/module/vfio/parameters"
	echo N >"$t/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
done
expect_status 0 "noiommu: dry run" "$TR" apply --root "$T" --profile "$D/noiommu.ini" --dry-run --format json
[ "$(json "$OUT" '[(c["check"], c["kind"], c["new"]) for c in d["changes"] if c["check"] in ("nic.iommu", "nic.driver")]')" = \
	"[('nic.iommu', 'write', 'Y'), ('nic.driver', 'bind', 'vfio-pci')]" ] && ok "noiommu: mode written, then the bind; no boot parameter" ||
	not_ok "noiommu plan: $(json "$OUT" '[(c["check"], c["kind"], c["target"]) for c in d["changes"] if c["check"].startswith("nic.")]')"
"$TR" audit --root "$T" --profile "$D/noiommu.ini" --format json --only nic.iommu >"$OUT"
[ "$(json "$OUT" '[c["fixed_by"] for c in d["checks"] if c["id"] == "nic.iommu"][0]')" = "apply now" ] &&
	json "$OUT" '[c["remedy"] for c in d["checks"] if c["id"] == "nic.iommu"][0]' | grep -q "^echo Y > /sys/module/vfio" &&
	ok "noiommu: the fix and fixed_by say what apply does" || not_ok "noiommu finding: $(cat "$OUT")"
expect_status 0 "noiommu: apply" "$TR" apply --root "$T" --profile "$D/noiommu.ini" --yes
[ "$(cat "$T/sys/module/vfio/parameters/enable_unsafe_noiommu_mode")" = Y ] && [ "$(readlink "$T/$DEV/driver")" = ../../../bus/pci/drivers/vfio-pci ] &&
	ok "noiommu: mode on and bound" || not_ok "noiommu: $(cat "$T/sys/module/vfio/parameters/enable_unsafe_noiommu_mode") $(readlink "$T/$DEV/driver")"
"$TR" revert --root "$T" >/dev/null
same_tree "$T.orig" "$T" && ok "noiommu: revert identical" || not_ok "noiommu: revert differs"
# vfio not loaded in a tree: by hand, with the modprobe line (never a boot loader's reason).
intel_tree
iommu_off
expect_status 0 "noiommu, vfio not loaded: dry run" "$TR" apply --root "$T" --profile "$D/noiommu.ini" --dry-run --format json
json "$OUT" '[m["why"] for m in d["manual"] if m["check"] == "nic.iommu"][0]' | grep -q "modprobe vfio enable_unsafe_noiommu_mode=1" &&
	ok "noiommu, vfio not loaded: manual with the modprobe line" || not_ok "manual: $(json "$OUT" 'd["manual"]')"

# mlx5 (the fixture as shipped) is bifurcated: the stack keeps mlx5_core, so nothing is unbound and nic.driver passes.
fresh_tree "$T"
expect_status 0 "mlx5: dry run" "$TR" apply --root "$T" --profile "$D/vfio.ini" --dry-run --format json
[ "$(json "$OUT" '[c for c in d["changes"] if c["kind"] == "bind"]')" = "[]" ] && ok "mlx5: never unbound" || not_ok "mlx5: a bind planned"
[ "$(json "$OUT" '[m for m in d["manual"] if m["check"] == "nic.driver"]')" = "[]" ] && ok "mlx5: no manual driver change" || not_ok "mlx5: $(json "$OUT" 'd["manual"]')"
expect_status 0 "mlx5: audit nic.driver" "$TR" audit --root "$T" --profile "$D/vfio.ini" --only nic.driver,nic.stack
expect_grep "mlx5: the stack is dpdk-bifurcated" '^stack: dpdk-bifurcated' "$OUT"

# A failure inside the bind (rename refused): exit 2, and revert restores the tree.
if command -v strace >/dev/null; then
	intel_tree
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o /dev/null -e trace=renameat,renameat2 \
		-e inject=renameat,renameat2:error=EIO:when=2 "$TR" apply --root "$T" --profile "$D/vfio.ini" --yes >"$OUT" 2>"$ERR"
	rc=$?
	[ "$rc" = 2 ] && grep -q "0000:3b:00.0 driver" "$ERR" && ok "EIO in the bind: exit 2 naming the device" || not_ok "rc $rc: $(cat "$ERR")"
	grep -Eq "[0-9]+ changes were made before it and are journaled|1 change was made before it and is journaled" "$ERR" &&
		ok "EIO in the bind: the count of changes made reads as a sentence" || not_ok "grammar: $(cat "$ERR")"
	"$TR" revert --root "$T" >/dev/null
	same_tree "$T.orig" "$T" && ok "revert after a half-done bind: identical" || not_ok "revert differs: $(diff -r --no-dereference "$T.orig" "$T" | head -5)"
fi
finish
