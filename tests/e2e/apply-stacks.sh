#!/usr/bin/env bash
# End-to-end: the new knobs converge on a stack fixture: apply, every planned check passes or is pending reboot,
# a second apply plans nothing, revert is byte-identical.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
D=$(mktmp) T=$D/tree
cp -a "$FX/stack-kernel" "$T"
# An untuned host around the stack: RPS onto isolated cores, RFS on, NAPI defaults, offloads and pause on, KSM on, ASPM L1.
for q in 0 1 2 3; do echo ff > "$T/sys/class/net/ens1f0/queues/rx-$q/rps_cpus"; echo 0c > "$T/sys/class/net/ens1f0/queues/tx-$q/xps_cpus"; done
mkdir -p "$T/proc/sys/net/core" "$T/sys/kernel/mm/ksm" "$T/sys/devices/pci0000:00/0000:3b:00.0/link" "$T/etc/default" "$T/.tickready/netdev/ens1f0"
echo 32768 > "$T/proc/sys/net/core/rps_sock_flow_entries"
echo 0 > "$T/sys/class/net/ens1f0/napi_defer_hard_irqs"; echo 0 > "$T/sys/class/net/ens1f0/gro_flush_timeout"
printf 'gro=1\nlro=1\nntuple=0\n' > "$T/.tickready/netdev/ens1f0/features"
printf 'autoneg=1\nrx_pause=1\ntx_pause=1\n' > "$T/.tickready/netdev/ens1f0/pause"
echo 1 > "$T/sys/kernel/mm/ksm/run"
echo 1 > "$T/sys/devices/pci0000:00/0000:3b:00.0/link/l1_aspm"; echo 0 > "$T/sys/devices/pci0000:00/0000:3b:00.0/link/l0s_aspm"
python3 - "$T/sys/devices/pci0000:00/0000:3b:00.0/config" <<'PY'
import sys
c = bytearray(256); c[0:4] = b"\x86\x80\xfb\x10"; c[6] = 0x10; c[0x34] = 0x40; c[0x40] = 0x10; c[0x44] = 2
c[0x48:0x4a] = (0x5020).to_bytes(2, "little"); c[0x4d] = 0x0c; c[0x50] = 2
open(sys.argv[1], "wb").write(c)
PY
printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\n' > "$T/etc/default/grub"
cp -a "$T" "$T.orig"
cat > "$D/p.ini" <<'INI'
[profile]
name = new-knobs
[cpu]
isolated_cores = 2-3,6-7
[memory]
ksm = off
memlock = unlimited
thp_boot = yes
[irq]
irqaffinity = yes
[kernel]
rcu_nocb_poll = yes
kthread_cpus = yes
[nic]
interface = ens1f0
rps = housekeeping
napi_defer_hard_irqs = 2
gro_flush_timeout = 200000
gro = off
lro = off
pause = off
ntuple = on
aspm = off
[tasks]
service = trader
INI
IDS=nic.rps_xps,nic.napi,nic.offloads,nic.pause,nic.ntuple,nic.pcie_caps,memory.ksm,memory.memlock,memory.thp_boot,irq.irqaffinity,kernel.rcu_nocb_poll,kernel.kthread_cpus
expect_status 1 "untuned: the new knobs fail" "$TR" audit --root "$T" --profile "$D/p.ini" --only "$IDS" --format json
[ "$(json "$OUT" 'sorted(c["id"] for c in d["checks"] if c["verdict"] != "fail")')" = "[]" ] && ok "every new knob fails before apply" || { not_ok "some knob does not fail"; json "$OUT" '[(c["id"], c["verdict"], c["observed"]) for c in d["checks"] if c["verdict"] != "fail"]'; }
# fixed_by and the manual list agree: a check with a manual row (pcie_caps: ASPM planned, MaxReadReq by hand) is manual.
cp "$OUT" "$D/a.json"
"$TR" apply --root "$T" --profile "$D/p.ini" --only "$IDS" --dry-run --format json >"$D/p.json"
python3 - "$D/a.json" "$D/p.json" <<'PY' >"$D/bad" && ok "fixed_by manual exactly for the manual list" || not_ok "fixed_by vs manual: $(cat "$D/bad")"
import json, sys
a = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
manual = {m["check"] for m in p["manual"]}
by_hand = {c["id"] for c in a["checks"] if c.get("fixed_by") == "manual"}
print(sorted(manual ^ by_hand)); sys.exit(manual != by_hand)
PY
# MaxReadReq 512 and max_read_req = 4096: ASPM is planned, MaxReadReq is by hand, so pcie_caps is manual, once.
cp -a "$T" "$D/mrrs"
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(0x48); f.write((0x2020).to_bytes(2, "little"))' "$D/mrrs/sys/devices/pci0000:00/0000:3b:00.0/config"
printf '[nic]\nmax_read_req = 4096\n' | cat "$D/p.ini" - >"$D/mrrs.ini"
"$TR" audit --root "$D/mrrs" --profile "$D/mrrs.ini" --only nic.pcie_caps --format json >"$D/a.json"
"$TR" apply --root "$D/mrrs" --profile "$D/mrrs.ini" --only nic.pcie_caps --dry-run --format json >"$D/p.json"
[ "$(json "$D/a.json" '[c["fixed_by"] for c in d["checks"]]') $(json "$D/p.json" '[m["check"] for m in d["manual"]], sorted({c["check"] for c in d["changes"]})')" = \
	"['manual'] (['nic.pcie_caps'], ['nic.pcie_caps'])" ] && json "$D/a.json" 'd["checks"][0]["fix_note"]' | grep -q "^apply does part of it" &&
	ok "pcie_caps, ASPM planned and MaxReadReq by hand: manual, saying apply does part" ||
	not_ok "pcie_caps: $(json "$D/a.json" '[(c["fixed_by"], c["fix_note"]) for c in d["checks"]]') $(json "$D/p.json" 'd["manual"], d["changes"]' | head -c 400)"
expect_status 0 "apply --yes" "$TR" apply --root "$T" --profile "$D/p.ini" --only "$IDS" --yes
[ "$(cat "$T/sys/class/net/ens1f0/queues/rx-0/rps_cpus")" = 00000033 ] && ok "RPS mask narrowed to housekeeping" || not_ok "rps mask"
grep -qx 'gro=0' "$T/.tickready/netdev/ens1f0/features" && ok "GRO off in the tree's file" || not_ok "gro"
[ -f "$T/etc/systemd/system/trader.service.d/99-tickready-memlock.conf" ] && ok "memlock drop-in" || not_ok "memlock drop-in"
grep -q 'rcu_nocb_poll' "$T/etc/default/grub.d/99-tickready.cfg" && ok "boot rows staged" || not_ok "boot rows"
expect_status 0 "audit after apply" "$TR" audit --root "$T" --profile "$D/p.ini" --only "$IDS" --format json
[ "$(json "$OUT" 'sorted(c["id"] for c in d["checks"] if c["verdict"] not in ("pass", "pending-reboot"))')" = "[]" ] && ok "every new knob passes or is pending reboot" || { not_ok "not converged"; json "$OUT" '[(c["id"], c["verdict"], c["observed"]) for c in d["checks"] if c["verdict"] not in ("pass", "pending-reboot")]'; }
expect_status 0 "second apply" "$TR" apply --root "$T" --profile "$D/p.ini" --only "$IDS" --yes
expect_grep "second apply plans nothing" '^nothing to do' "$OUT"
expect_status 0 "revert" "$TR" revert --root "$T"
same_tree "$T.orig" "$T" && ok "revert: byte-identical" || { not_ok "revert left differences"; diff -r --no-dereference "$T.orig" "$T" | head; }

# trader.service running with a 64 KiB limit: apply writes the drop-in and never restarts it, so the finding
# says what is left by hand, the shell line claims no restart, and after apply the check is pending, not fixed.
mkdir -p "$T/sys/fs/cgroup/system.slice/trader.service" "$T/proc/4242"
echo 4242 >"$T/sys/fs/cgroup/system.slice/trader.service/cgroup.procs"
printf 'Limit                     Soft Limit           Hard Limit           Units\nMax locked memory         65536                65536                bytes\n' >"$T/proc/4242/limits"
"$TR" audit --root "$T" --profile "$D/p.ini" --only memory.memlock --format json >"$OUT"
json "$OUT" '[c["fixed_by"] + ": " + c["fix_note"] for c in d["checks"]][0]' | grep -q "^apply now: writes the drop-in; trader.service (pid 4242) keeps locked memory 65536 bytes until it restarts.*by hand" &&
	ok "running service: the finding says the restart is by hand" || not_ok "memlock finding: $(json "$OUT" '[(c["fixed_by"], c["fix_note"]) for c in d["checks"]]')"
"$TR" apply --root "$T" --profile "$D/p.ini" --only memory.memlock --dry-run --format json >"$OUT"
json "$OUT" '[c["command"] for c in d["changes"] if c["kind"] == "create"][0]' | grep -q restart &&
	not_ok "the dry run's shell line claims a restart" || ok "the dry run's shell line claims no restart"
expect_status 0 "running service: apply" "$TR" apply --root "$T" --profile "$D/p.ini" --only memory.memlock --yes
"$TR" audit --root "$T" --profile "$D/p.ini" --only memory.memlock --format json >"$OUT"
[ "$(json "$OUT" '[c["verdict"] for c in d["checks"]][0]')" = pending-reboot ] &&
	json "$OUT" '[c["remedy"] for c in d["checks"]][0]' | grep -q "systemctl restart trader.service (pending until the service restarts" &&
	ok "running service after apply: pending until it restarts" || not_ok "after apply: $(json "$OUT" '[(c["verdict"], c["observed"], c["remedy"]) for c in d["checks"]]')"
"$TR" revert --root "$T" >/dev/null
finish
