#!/usr/bin/env bash
# systemd-boot: boot parameters are staged in /etc/kernel/cmdline, audit calls them pending-reboot, revert undoes it.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
D=$(mktmp); T=$D/t; G=$D/g
KCMD=etc/kernel/cmdline
# The boot checks this profile fixes on the command line (isolcpus/nohz_full/rcu_nocbs, skew_tick, nosoftlockup).
BOOT_CHECKS="['cpu.isolated', 'kernel.nosoftlockup', 'kernel.skew_tick']"
pending() { json "$1" "sorted(c['id'] for c in d['checks'] if c['verdict'] == 'pending-reboot')"; }
verdict() { json "$1" "[c['verdict'] for c in d['checks'] if c['id'] == '$2'][0]"; }

# A systemd-boot host: no /etc/default/grub, a loader, and the line kernel-install uses.
fresh_tree "$T"
for t in "$T" "$T.orig"; do
	rm "$t/etc/default/grub"
	mkdir -p "$t/boot/loader" "$t/etc/kernel"
	echo "timeout 3" >"$t/boot/loader/loader.conf"
	echo "root=UUID=1b7c ro quiet" >"$t/$KCMD"
done

expect_status 1 "audit before: not ready" "$TR" audit --root "$T" --profile "$APROF" --format json
[ "$(pending "$OUT")" = "[]" ] && ok "before: nothing pending-reboot" || not_ok "before: $(pending "$OUT")"
[ "$(verdict "$OUT" cpu.isolated)" = fail ] && ok "before: cpu.isolated fails" || not_ok "cpu.isolated: $(verdict "$OUT" cpu.isolated)"

expect_status 0 "apply" "$TR" apply --root "$T" --profile "$APROF" --yes
expect_grep "plans the write of /etc/kernel/cmdline" "write +/etc/kernel/cmdline: root=UUID=1b7c ro quiet -> root=UUID=1b7c ro quiet isolcpus=" "$OUT"
expect_grep "names kernel-install" "then run: kernel-install add 6.1.0-28-amd64 /boot/vmlinuz-6.1.0-28-amd64" "$OUT"
want="root=UUID=1b7c ro quiet isolcpus=managed_irq,domain,2-3,6-7 nohz_full=2-3,6-7 rcu_nocbs=2-3,6-7 clocksource=tsc tsc=reliable transparent_hugepage=never skew_tick=1 nosoftlockup"
[ "$(cat "$T/$KCMD")" = "$want" ] && ok "/etc/kernel/cmdline: the user's line plus the parameters" || not_ok "kernel/cmdline: $(cat "$T/$KCMD")"
[ ! -e "$T/etc/default/grub.d" ] && ok "no GRUB drop-in on a systemd-boot host" || not_ok "a GRUB drop-in was written"

"$TR" audit --root "$T" --profile "$APROF" --format json >"$OUT" 2>"$ERR"
[ "$(pending "$OUT")" = "$BOOT_CHECKS" ] && ok "audit: the boot checks are pending-reboot" || not_ok "pending-reboot: $(pending "$OUT")"
expect_status 0 "status" "$TR" status --root "$T" --format json
[ "$(json "$OUT" 'd["summary"]["pending_reboot"] > 0 and d["summary"]["fail"] == 0')" = True ] && ok "status: staged values pending, none failing" || not_ok "status summary: $(json "$OUT" 'd["summary"]')"
# The user's own parameters (ro, quiet) are no target of the run: only what the profile added is listed.
targets="['clocksource', 'isolcpus', 'nohz_full', 'nosoftlockup', 'rcu_nocbs', 'skew_tick', 'transparent_hugepage', 'tsc']"
[ "$(json "$OUT" 'sorted(i["target"] for r in d["runs"] for i in r["items"] if i["kind"] == "cmdline")')" = "$targets" ] &&
	ok "status: the profile's parameters only, not the user's ro and quiet" ||
	not_ok "status targets: $(json "$OUT" 'sorted(i["target"] for r in d["runs"] for i in r["items"] if i["kind"] == "cmdline")')"

expect_status 0 "a second apply" "$TR" apply --root "$T" --profile "$APROF" --yes
expect_grep "plans nothing: the staged line counts as pending" "^nothing to do: every covered check passes or is pending reboot" "$OUT"

expect_status 0 "revert" "$TR" revert --root "$T"
expect_grep "revert names kernel-install" "boot files restored: run kernel-install add" "$OUT"
same_tree "$T.orig" "$T" && ok "revert: byte-identical" || not_ok "revert differs: $(diff -r --no-dereference "$T.orig" "$T" | head -5)"
"$TR" audit --root "$T" --profile "$APROF" --format json >"$OUT" 2>"$ERR"
[ "$(pending "$OUT")" = "[]" ] && ok "after revert: nothing pending-reboot" || not_ok "after revert: $(pending "$OUT")"

# Boot order as the tuner detects it: with /etc/default/grub present GRUB boots the host, and a
# /etc/kernel/cmdline left by some other tool stages nothing.
fresh_tree "$G"
mkdir -p "$G/boot/loader" "$G/etc/kernel"
echo "timeout 3" >"$G/boot/loader/loader.conf"
echo "root=UUID=1b7c ro quiet isolcpus=managed_irq,domain,2-3,6-7 nohz_full=2-3,6-7 rcu_nocbs=2-3,6-7" >"$G/$KCMD"
"$TR" audit --root "$G" --profile "$APROF" --format json >"$OUT" 2>"$ERR"
[ "$(verdict "$OUT" cpu.isolated)" = fail ] && ok "GRUB host: a stray /etc/kernel/cmdline is not pending-reboot" || not_ok "GRUB host: cpu.isolated $(verdict "$OUT" cpu.isolated)"
finish
