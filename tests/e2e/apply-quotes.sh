#!/usr/bin/env bash
# Staged kernel command lines keep every parameter the plan does not own byte for byte: quotes (a value with
# blanks) and init's arguments after "--". Lost quotes split `systemd.setenv="TZ=Europe/London 1"` and hand
# init a bare "1" (rescue mode): the host comes back without its network. GRUB, systemd-boot and BLS trees.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
D=$(mktmp); T=$D/t
USER_LINE='root=UUID=1b7c ro acpi_osi="!Windows 2012" systemd.setenv="TZ=Europe/London 1" "dyndbg=file foo.c +p" quiet'
OWN='isolcpus=managed_irq,domain,2-3,6-7'

# systemd-boot: /etc/kernel/cmdline is the user's line plus ours.
fresh_tree "$T"
for t in "$T" "$T.orig"; do
	rm "$t/etc/default/grub"
	mkdir -p "$t/boot/loader" "$t/etc/kernel"
	echo "timeout 3" >"$t/boot/loader/loader.conf"
	echo "$USER_LINE -- single" >"$t/etc/kernel/cmdline"
done
expect_status 0 "sdboot: apply" "$TR" apply --root "$T" --profile "$APROF" --yes
line=$(cat "$T/etc/kernel/cmdline")
case $line in "${USER_LINE} $OWN "*" -- single") ok "sdboot: the user's words byte for byte, ours after, init's last" ;;
*) not_ok "sdboot: $line" ;; esac
"$TR" revert --root "$T" >/dev/null
same_tree "$T.orig" "$T" && ok "sdboot: revert byte-identical" || not_ok "sdboot: revert differs"

# BLS (grubby): each entry's options line.
fresh_tree "$T"
for t in "$T" "$T.orig"; do
	rm "$t/etc/default/grub"
	mkdir -p "$t/usr/sbin" "$t/boot/loader/entries"
	printf '#!/bin/sh\nexit 0\n' >"$t/usr/sbin/grubby"
	chmod 755 "$t/usr/sbin/grubby"
	rel=$(cat "$t/proc/sys/kernel/osrelease")
	printf 'title Linux %s\nversion %s\nlinux /vmlinuz-%s\noptions %s\n' "$rel" "$rel" "$rel" "$USER_LINE" \
		>"$t/boot/loader/entries/0123abcd-$rel.conf"
done
expect_status 0 "BLS: apply" "$TR" apply --root "$T" --profile "$APROF" --yes
line=$(sed -n 's/^options //p' "$T"/boot/loader/entries/*.conf)
case $line in "${USER_LINE} $OWN "*) ok "BLS: the user's words byte for byte" ;; *) not_ok "BLS: $line" ;; esac
"$TR" revert --root "$T" >/dev/null
same_tree "$T.orig" "$T" && ok "BLS: revert byte-identical" || not_ok "BLS: revert differs"

# GRUB: a drop-in that already holds a quoted parameter (staged by hand, or by an earlier run) keeps it,
# escaped for the shell that sources it; the value update-grub sees is the kernel's word.
fresh_tree "$T"
for t in "$T" "$T.orig"; do
	mkdir -p "$t/etc/default/grub.d"
	printf '%s\n' 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT acpi_osi=\"!Windows 2012\""' >"$t/etc/default/grub.d/99-tickready.cfg"
done
expect_status 0 "GRUB: apply" "$TR" apply --root "$T" --profile "$APROF" --yes
seen=$(GRUB_CMDLINE_LINUX_DEFAULT=quiet sh -c '. "$1"; printf %s "$GRUB_CMDLINE_LINUX_DEFAULT"' sh "$T/etc/default/grub.d/99-tickready.cfg")
case $seen in 'quiet acpi_osi="!Windows 2012" '"$OWN "*) ok "GRUB: sourced, the drop-in gives the quoted word and ours" ;;
*) not_ok "GRUB: $seen" ;; esac
expect_status 0 "GRUB: a second plan is empty" "$TR" apply --root "$T" --profile "$APROF" --dry-run --format json
[ "$(json "$OUT" 'len([c for c in d["changes"] if c["target"].endswith("99-tickready.cfg")])')" = 0 ] && ok "GRUB: converged" || not_ok "GRUB: drop-in replanned"
"$TR" revert --root "$T" >/dev/null
same_tree "$T.orig" "$T" && ok "GRUB: revert byte-identical" || not_ok "GRUB: revert differs"
finish
