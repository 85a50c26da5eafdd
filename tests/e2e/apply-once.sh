#!/usr/bin/env bash
# apply --once: boot parameters in a one-time GRUB entry; confirm after that boot makes them the default.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
D=$(mktmp); T=$D/tree
ONCE=etc/grub.d/42_tickready_once
DROPIN=etc/default/grub.d/99-tickready.cfg

# GRUB's 10_linux, reduced to what the once script relies on: one entry per kernel, newest first.
fake_10_linux() {
	mkdir -p "$1/etc/grub.d"
	cat >"$1/etc/grub.d/10_linux" <<'SH'
#!/bin/sh
for v in 6.1.0-28-amd64 6.1.0-27-amd64; do
	echo "menuentry '${GRUB_DISTRIBUTOR:-Debian} GNU/Linux, with Linux $v' --class os \$menuentry_id_option 'gnulinux-$v-advanced-1b7c' {"
	echo "	linux /boot/vmlinuz-$v root=UUID=1b7c ro $GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT"
	echo "}"
done
SH
	chmod 755 "$1/etc/grub.d/10_linux"
}

fresh_tree "$T"; fake_10_linux "$T"; fake_10_linux "$T.orig"
expect_status 0 "dry run --once" "$TR" apply --root "$T" --profile "$APROF" --once --dry-run --format json
[ "$(json "$OUT" 'd["once_command"]')" = "['grub-reboot', 'tickready-once']" ] && ok "plan names grub-reboot tickready-once" || not_ok "once_command: $(json "$OUT" 'd.get("once_command")')"
json "$OUT" '[c["target"] for c in d["changes"] if c["kind"] == "create"]' | grep -q "/$ONCE" && ok "plan creates the once script, not the drop-in" || not_ok "changes: $(json "$OUT" '[c["target"] for c in d["changes"]]')"
expect_status 0 "apply --once" "$TR" apply --root "$T" --profile "$APROF" --once --yes
[ -x "$T/$ONCE" ] && [ ! -e "$T/$DROPIN" ] && ok "once script executable, default drop-in untouched" || not_ok "files: $(ls -l "$T/etc/grub.d" "$T/etc/default/grub.d" 2>&1)"
expect_grep "says what to run" "grub-reboot tickready-once" "$OUT"
GRUB_CMDLINE_LINUX_DEFAULT=quiet sh "$T/$ONCE" >"$D/entry" 2>"$D/entry.err"
[ "$(grep -c '^menuentry ' "$D/entry")" = 1 ] && ok "one menu entry" || not_ok "entries: $(cat "$D/entry")"
grep -q "^menuentry 'tickready-once GNU/Linux, with Linux 6.1.0-28-amd64' .*'tickready-once' {$" "$D/entry" && ok "newest kernel, id tickready-once" || not_ok "entry: $(head -1 "$D/entry")"
grep -q "root=UUID=1b7c ro  quiet isolcpus=managed_irq,domain,2-3,6-7 nohz_full=2-3,6-7" "$D/entry" && ok "the distribution's line plus the parameters" || not_ok "linux line: $(grep linux "$D/entry")"
"$TR" audit --root "$T" --profile "$APROF" --format json >"$OUT" 2>"$ERR"
[ "$(json "$OUT" '[c["verdict"] for c in d["checks"] if c["id"] == "cpu.isolated"][0]')" = pending-reboot ] && ok "audit: pending-reboot while the one-time boot is staged" || not_ok "cpu.isolated: $(json "$OUT" '[c for c in d["checks"] if c["id"] == "cpu.isolated"]')"

expect_status 0 "status" "$TR" status --root "$T"
expect_grep "status: the once parameters are pending-reboot" '^  pending-reboot +isolcpus +managed_irq,domain,2-3,6-7' "$OUT"
expect_grep "status: the one-time boot is waiting" '^one-time boot staged: run ' "$OUT"

# No boot yet: confirm says so and changes nothing.
cp -a "$T" "$D/before-confirm"
expect_status 1 "confirm before the boot: exit 1" setsid "$TR" confirm --root "$T"
expect_grep "names what the kernel lacks" "lacks 'isolcpus=managed_irq,domain,2-3,6-7" "$OUT"
diff -r --no-dereference "$D/before-confirm" "$T" >/dev/null && ok "nothing changed" || not_ok "confirm changed the tree"

# The one-time boot happened: the parameters are running; confirm promotes them.
params=$(sed -n 's/^params=//p' "$T/var/lib/tickready/once-pending")
for t in "$T" "$T.orig"; do echo "$(cat "$t/proc/cmdline") $params" >"$t/proc/cmdline"; done
expect_status 0 "confirm after the boot" setsid "$TR" confirm --root "$T"
grep -q "GRUB_CMDLINE_LINUX_DEFAULT=\"\$GRUB_CMDLINE_LINUX_DEFAULT $params\"" "$T/$DROPIN" && ok "drop-in now holds the parameters" || not_ok "drop-in: $(cat "$T/$DROPIN" 2>&1)"
[ ! -e "$T/$ONCE" ] && [ ! -e "$T/var/lib/tickready/once-pending" ] && ok "once script and pending record removed" || not_ok "left behind"
# The boot unit after the promotion: --reapply re-applies the once run's profile, not the promotion's label.
echo 1 >"$T/proc/sys/kernel/timer_migration"
expect_status 0 "boot unit after once -> confirm: apply --reapply" "$TR" apply --root "$T" --reapply
[ "$(cat "$T/proc/sys/kernel/timer_migration")" = 0 ] && ok "--reapply brought the runtime settings back" || not_ok "timer_migration: $(cat "$T/proc/sys/kernel/timer_migration"); $(cat "$ERR")"
expect_status 0 "revert" "$TR" revert --root "$T"
expect_grep "revert names the boot loader command" "boot files restored: run grub-mkconfig -o /boot/grub/grub.cfg" "$OUT"
same_tree "$T.orig" "$T" && ok "revert undoes apply and promotion: byte-identical" || not_ok "revert differs: $(diff -r --no-dereference "$T.orig" "$T" | head -5)"

# systemd-boot has no grub-reboot: --once is refused, nothing changes.
fresh_tree "$T"
for t in "$T" "$T.orig"; do rm "$t/etc/default/grub"; mkdir -p "$t/boot/loader"; echo "timeout 3" >"$t/boot/loader/loader.conf"; done
expect_status 2 "--once on systemd-boot: exit 2" "$TR" apply --root "$T" --profile "$APROF" --once --yes
expect_grep "says why" "--once needs GRUB \(grub-reboot\); this host boots with systemd-boot" "$ERR"
same_tree "$T.orig" "$T" && ok "nothing changed" || not_ok "changed"
# Without --once, systemd-boot stages through /etc/kernel/cmdline, and audit sees it as pending.
expect_status 0 "systemd-boot: apply" "$TR" apply --root "$T" --profile "$APROF" --yes
grep -q "^BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=UUID=1b7c ro quiet isolcpus=managed_irq,domain,2-3,6-7 " "$T/etc/kernel/cmdline" ||
	grep -q "^root=UUID=1b7c ro quiet isolcpus=managed_irq,domain,2-3,6-7 " "$T/etc/kernel/cmdline" &&
	ok "/etc/kernel/cmdline: the running line plus the parameters" || not_ok "kernel/cmdline: $(cat "$T/etc/kernel/cmdline")"
expect_grep "names kernel-install" "kernel-install add" "$OUT"
"$TR" audit --root "$T" --profile "$APROF" --format json >"$OUT" 2>"$ERR"
[ "$(json "$OUT" '[c["verdict"] for c in d["checks"] if c["id"] == "cpu.isolated"][0]')" = pending-reboot ] && ok "systemd-boot: audit says pending-reboot" || not_ok "cpu.isolated: $(json "$OUT" '[c["verdict"] for c in d["checks"] if c["id"] == "cpu.isolated"]')"
"$TR" revert --root "$T" >/dev/null
same_tree "$T.orig" "$T" && ok "systemd-boot: revert byte-identical" || not_ok "revert differs"
finish
