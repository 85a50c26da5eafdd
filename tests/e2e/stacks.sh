#!/usr/bin/env bash
# End-to-end: every stack fixture audits as the stack it was built for; the stack's needs are met there,
# break when a module goes, and the expectations follow the stack (no vfio-pci demanded where the kernel driver stays).
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
FX=$SRC/tests/fixtures

for s in dpdk dpdk-bifurcated vma rdma af_xdp onload ef_vi tcpdirect netmap pf_ring kernel; do
	tree=$FX/stack-$s
	[ -f "$tree/README" ] && ok "stack-$s has a README" || not_ok "stack-$s README"
	timeout 60 "$TR" audit --root "$tree" >"$OUT" 2>"$ERR"; rc=$?
	[ $rc -le 1 ] && ok "stack-$s: audit exits 0 or 1 ($rc)" || { not_ok "stack-$s: audit exit $rc"; head -3 "$ERR"; }
	expect_grep "stack-$s: the header names stack $s" "^stack: $s \(detected: " "$OUT"
	timeout 60 "$TR" audit --root "$tree" --format json --only nic.stack,nic.stack_needs,nic.driver,nic.iommu >"$OUT" 2>"$ERR"
	[ "$(json "$OUT" 'd["profile"]["stack"]["name"]')" = "$s" ] && ok "stack-$s: JSON profile.stack.name" || not_ok "stack-$s: JSON stack"
	[ "$(json "$OUT" '[c["verdict"] for c in d["checks"] if c["id"] == "nic.stack_needs"][0]')" != fail ] \
		&& ok "stack-$s: nic.stack_needs does not fail" || { not_ok "stack-$s: stack_needs"; json "$OUT" '[c["observed"] for c in d["checks"]]'; }
done

# hft-strict asks for vfio-pci: on the mlx5, Onload and RDMA hosts the kernel driver stays and no IOMMU is demanded.
for s in dpdk-bifurcated vma onload rdma; do
	timeout 60 "$TR" audit --root "$FX/stack-$s" --profile hft-strict --format json --only nic.driver,nic.iommu >"$OUT" 2>"$ERR"
	[ "$(json "$OUT" '[c["verdict"] for c in d["checks"] if c["id"] == "nic.driver"][0]')" = pass ] \
		&& ok "stack-$s under hft-strict: nic.driver passes on the kernel driver" || { not_ok "stack-$s hft-strict nic.driver"; json "$OUT" '[c["observed"] for c in d["checks"]]'; }
	[ "$(json "$OUT" '[c["verdict"] for c in d["checks"] if c["id"] == "nic.iommu"][0]')" = skip ] \
		&& ok "stack-$s under hft-strict: no IOMMU demanded" || not_ok "stack-$s hft-strict nic.iommu"
done
# ...and on the Intel E810 for DPDK, vfio-pci is still what it wants.
timeout 60 "$TR" audit --root "$FX/stack-dpdk" --profile hft-strict --format json --only nic.driver >"$OUT" 2>"$ERR"
[ "$(json "$OUT" '[c["verdict"] for c in d["checks"] if c["id"] == "nic.driver"][0]')" = pass ] && ok "stack-dpdk: vfio-pci bound passes" || not_ok "stack-dpdk nic.driver"

# An X3 (X3522) on xilinx_efct with Onload: an sfc-family NIC. Never DPDK, never told to bind to vfio-pci;
# with a vfio-pci NIC beside it, the onload profile audits the X3, hft-strict the vfio NIC.
x3=$(mktmp)
cp -a "$FX/stack-onload/." "$x3/"
dev=$x3/sys/devices/pci0000:00/0000:3b:00.0
ln -sfn ../../../bus/pci/drivers/xilinx_efct "$dev/driver"
mv "$x3/sys/bus/pci/drivers/sfc" "$x3/sys/bus/pci/drivers/xilinx_efct"
mv "$x3/sys/module/sfc" "$x3/sys/module/xilinx_efct"
echo 0x5084 >"$dev/device"
for p in onload hft-strict; do
	"$TR" audit --root "$x3" --profile $p --format json --only nic.driver,nic.stack_needs >"$OUT" 2>"$ERR"
	[ "$(json "$OUT" 'd["profile"]["stack"]["name"] + " " + " ".join(c["verdict"] for c in d["checks"])')" = "onload pass pass" ] &&
		ok "X3 on xilinx_efct under $p: onload, driver and needs pass" ||
		not_ok "X3 under $p: $(json "$OUT" '[d["profile"]["stack"], [(c["id"], c["verdict"], c["observed"]) for c in d["checks"]]]')"
done
cp -a "$FX/base/sys/devices/pci0000:00/0000:5e:00.0" "$x3/sys/devices/pci0000:00/"
rm "$x3/sys/devices/pci0000:00/0000:5e:00.0/iommu_group"
ln -s ../../../devices/pci0000:00/0000:5e:00.0 "$x3/sys/bus/pci/devices/0000:5e:00.0"
"$TR" audit --root "$x3" --profile onload --format json --only nic.stack >"$OUT" 2>"$ERR"
[ "$(json "$OUT" 'd["profile"]["nic"] + " " + d["profile"]["stack"]["name"]')" = "ens1f0 onload" ] &&
	ok "X3 and a vfio NIC: onload audits the X3" || not_ok "X3 and vfio: $(json "$OUT" 'd["profile"]')"
"$TR" audit --root "$x3" --profile hft-strict --format json --only nic.stack >"$OUT" 2>"$ERR"
[ "$(json "$OUT" 'd["profile"]["nic"] + " " + d["profile"]["stack"]["name"]')" = "0000:5e:00.0 dpdk" ] &&
	ok "X3 and a vfio NIC: hft-strict audits the vfio NIC" || not_ok "X3 and vfio, hft-strict: $(json "$OUT" 'd["profile"]')"

# A module gone: the stack's needs fail and name modprobe; a named stack that does not fit the NIC fails.
tmp=$(mktmp)
cp -a "$FX/stack-onload/." "$tmp/"
rm -rf "$tmp/sys/module/onload" "$tmp/dev/onload"
# auto cannot see Onload any more: it says what it found instead.
expect_status 0 "onload without its module, auto" "$TR" audit --root "$tmp" --profile onload --only nic.stack
expect_grep "auto finds no bypass on the sfc NIC" "^stack: kernel \(detected: sfc on ens1f0" "$OUT"
cat > "$tmp/p.ini" <<'INI'
[profile]
include = onload
[nic]
stack = onload
INI
expect_status 1 "named onload without the module" "$TR" audit --root "$tmp" --profile "$tmp/p.ini" --only nic.stack_needs
expect_grep "the remedy loads the module" "modprobe onload" "$OUT"
expect_status 1 "stack onload named on an Intel NIC" "$TR" audit --root "$FX/stack-kernel" --profile "$tmp/p.ini" --only nic.stack
expect_grep "says the stack needs sfc" "runs on Solarflare/AMD sfc NICs" "$OUT"
# Bad stack names are profile errors (exit 2).
printf '[nic]\nstack = sockets\n' > "$tmp/bad.ini"
expect_status 2 "unknown stack: exit 2" "$TR" audit --root "$FX/stack-kernel" --profile "$tmp/bad.ini"
expect_grep "names the value" "sockets" "$ERR"

# Every shipped stack profile audits its fixture without an error.
for pair in mlx5:dpdk-bifurcated mlx5:vma onload:onload onload:tcpdirect onload:ef_vi rdma:rdma capture:netmap capture:pf_ring af-xdp:af_xdp market-data:kernel hft-strict:dpdk; do
	p=${pair%%:*} s=${pair#*:}
	timeout 60 "$TR" audit --root "$FX/stack-$s" --profile "$p" >"$OUT" 2>"$ERR"; rc=$?
	[ $rc -le 1 ] && grep -q "^stack: $s " "$OUT" && ok "profile $p on stack-$s: stack $s" || { not_ok "profile $p on stack-$s (exit $rc)"; head -3 "$OUT" "$ERR"; }
done
finish
