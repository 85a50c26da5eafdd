#!/usr/bin/env bash
# Hostile trees and files: apply never writes into a device, FIFO or socket, nor through a link; state files are
# never followed; profiles are judged on what was read; bad journal records exit 2; revert restores every time.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
D=$(mktmp)
T=$D/tree
APPLY=(apply --profile "$APROF" --yes)
# A file every apply of $APROF writes in a tree (the kernel's own copy of IRQ 27's mask) and no check reads.
TARGET=/proc/irq/27/smp_affinity

# plant KIND: replaces $TARGET with a hostile object in the tree and in its snapshot.
plant() {
	local t
	for t in "$T" "$T.orig"; do
		rm -f "$t$TARGET"
		case $1 in
		device) mknod "$t$TARGET" c 1 3 ;;	# /dev/null's numbers: nothing is lost even if a write got through
		fifo) mkfifo "$t$TARGET" ;;
		socket) python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$t$TARGET" ;;
		link-out) echo 60 > "$D/victim"; ln -s "$D/victim" "$t$TARGET" ;;
		link-slash) ln -s / "$t$TARGET" ;;
		link-in) echo ff > "$t$TARGET.real"; ln -s smp_affinity.real "$t$TARGET" ;;
		esac
	done
}
# unplant: takes the object out of both trees so that the rest can be compared byte for byte.
unplant() { rm -f "$T$TARGET" "$T.orig$TARGET"; }

for kind in device fifo socket link-out link-slash link-in; do
	fresh_tree "$T"
	plant $kind
	before=$(stat -c %F "$T$TARGET")
	if [ $kind = link-out ]; then
		# Resolved inside the root, the link leads nowhere: nothing is planned for it, and nothing outside is written.
		expect_status 0 "$kind: apply exits 0 (and does not hang)" timeout 20 "$TR" "${APPLY[@]}" --root "$T"
	else
		expect_status 2 "$kind at a write target: apply exits 2 (and does not hang)" timeout 20 "$TR" "${APPLY[@]}" --root "$T"
		expect_grep "$kind: the message names the file and why" "smp_affinity.*(not a regular file|symbolic link)" "$ERR"
	fi
	[ "$(stat -c %F "$T$TARGET")" = "$before" ] && ok "$kind: still a $before" || not_ok "$kind: now $(stat -c %F "$T$TARGET")"
	expect_status 0 "$kind: revert exits 0" "$TR" revert --root "$T"
	expect_status 0 "$kind: a second revert exits 0 too" "$TR" revert --root "$T"
	[ $kind = link-in ] && { cmp -s "$T$TARGET.real" "$T.orig$TARGET.real" && ok "link-in: its target untouched" || not_ok "link-in: target changed"; }
	unplant
	same_tree "$T.orig" "$T" && ok "$kind: tree byte-identical after revert" || not_ok "$kind: tree differs"
done
[ "$(cat "$D/victim")" = 60 ] && ok "the file a link pointed to outside the root is untouched" || not_ok "victim changed"

# A file too big to journal (1 GiB sparse), NUL-filled values, a huge cpu list, 100,000 IRQ lines:
# apply exits 0 or 2 with a message, never hangs, and revert restores the tree.
for kind in sparse nul cpulist irqs; do
	fresh_tree "$T"
	for t in "$T" "$T.orig"; do
		case $kind in
		sparse) truncate -s 1G "$t$TARGET" ;;
		nul) head -c 64 /dev/zero > "$t/proc/sys/vm/swappiness" ;;
		cpulist) echo 0-4294967295 > "$t/sys/devices/system/cpu/isolated" ;;
		irqs) python3 -c 'import sys
with open(sys.argv[1], "w") as f:
    f.write("           CPU0\n")
    for i in range(100000): f.write("%6d: %10d   PCI-MSI %d-edge   q%d\n" % (1000 + i, i, i, i))' "$t/proc/interrupts" ;;
		esac
	done
	timeout 120 "$TR" "${APPLY[@]}" --root "$T" >"$OUT" 2>"$ERR"; rc=$?
	[ $rc = 0 ] || { [ $rc = 2 ] && [ -s "$ERR" ]; } && ok "$kind: apply exits $rc" || not_ok "$kind: apply exit $rc: $(head -2 "$ERR")"
	expect_status 0 "$kind: revert exits 0" "$TR" revert --root "$T"
	same_tree "$T.orig" "$T" && ok "$kind: tree byte-identical after revert" || not_ok "$kind: tree differs"
done

# confirm-pending planted as a link to a file of the tree: never followed, never read through.
fresh_tree "$T"
mkdir -p "$T/var/lib" && mkdir -m 700 "$T/var/lib/tickready"
ln -s ../../../etc/fstab "$T/var/lib/tickready/confirm-pending"
first=$(head -1 "$T/etc/fstab")
"$TR" status --root "$T" >"$OUT" 2>&1
grep -qF -- "$first" "$OUT" && not_ok "status printed the link's target: $first" || ok "status does not read through a confirm-pending link"
expect_status 0 "apply --confirm with a planted confirm-pending link" "$TR" "${APPLY[@]}" --confirm 600 --root "$T"
# apply appends its hugetlbfs line to fstab; what it must not do is truncate it through the link.
[ "$(head -1 "$T/etc/fstab")" = "$first" ] && [ "$(stat -c %s "$T/etc/fstab")" -ge "$(stat -c %s "$T.orig/etc/fstab")" ] &&
	ok "the link's target is not truncated" || not_ok "the link's target was truncated"
[ -f "$T/var/lib/tickready/confirm-pending" ] && [ ! -L "$T/var/lib/tickready/confirm-pending" ] &&
	[ "$(stat -c %a "$T/var/lib/tickready/confirm-pending")" = 600 ] && ok "confirm-pending is now a 0600 file" ||
	not_ok "confirm-pending: $(stat -c '%F %a' "$T/var/lib/tickready/confirm-pending")"
for pid in $(pgrep -f "revert --root $T "); do kill "$pid" 2>/dev/null; done
expect_status 0 "revert after --confirm" "$TR" revert --root "$T"
same_tree "$T.orig" "$T" && ok "confirm link: tree byte-identical" || not_ok "confirm link: tree differs"

# --root that is a link to / is the live host, and says so (status only reads).
ln -s / "$D/slash"
"$TR" status --root "$D/slash" >"$OUT" 2>"$ERR"
expect_grep "--root link to /: says it is the live host" "live host" "$ERR"

# Profiles: opened once, judged on what was read, includes too; lines of any length; no FIFO waits.
mkfifo "$D/fifo.ini"
expect_status 2 "a FIFO profile: exits 2 at once" timeout 10 "$TR" profile show "$D/fifo.ini"
expect_grep "says it is not a regular file" "not a regular file" "$ERR"
printf '[profile]\ninclude = %s\n' "$APROF" > "$D/mid.ini"
printf '[profile]\ninclude = %s\n' "$D/mid.ini" > "$D/top.ini"
chmod 666 "$D/mid.ini"
fresh_tree "$T"
expect_status 2 "an include-only file that is world-writable: apply refuses" "$TR" apply --profile "$D/top.ini" --yes --root "$T"
expect_grep "names the file" "mid.ini' is world-writable" "$ERR"
same_tree "$T.orig" "$T" && ok "refused profile: nothing changed" || not_ok "refused profile changed the tree"
expect_status 0 "dry run of it is allowed" "$TR" apply --profile "$D/top.ini" --dry-run --root "$T"
long=$(printf 'x%.0s' $(seq 300))
printf '; %s = tail of a long comment\n[profile]\ninclude = %s\ndescription = %s\n' "$long" "$APROF" "$long" > "$D/long.ini"
expect_status 0 "300-byte lines: profile show reads them whole" "$TR" profile show "$D/long.ini"

# A journal record that cannot be made durable: exit 2, saying what revert restores; revert restores all.
if command -v strace >/dev/null; then
	J=/var/lib/tickready/journal
	fresh_tree "$T"
	strace -f -qq -o "$D/trace" -P "$T$J" -e trace=fsync "$TR" "${APPLY[@]}" --root "$T" >/dev/null 2>&1
	n=$(grep -c '^[0-9]* *fsync' "$D/trace")
	fresh_tree "$T"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o /dev/null -P "$T$J" -e trace=fsync \
		-e inject=fsync:error=EIO:when="$n" "$TR" "${APPLY[@]}" --root "$T" >"$OUT" 2>"$ERR"
	rc=$?
	[ $rc = 2 ] && ok "last journal fsync ($n) fails: exit 2" || not_ok "last journal fsync fails: exit $rc"
	expect_grep "says what revert restores" "durable.*revert.*restores" "$ERR"
	expect_status 0 "then revert exits 0" "$TR" revert --root "$T"
	same_tree "$T.orig" "$T" && ok "journal fsync fault: tree byte-identical" || not_ok "journal fsync fault: tree differs"
	# An append whose fsync fails is still undone by revert.
	fresh_tree "$T"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o /dev/null -P "$T/etc/fstab" -e trace=fsync \
		-e inject=fsync:error=EIO "$TR" "${APPLY[@]}" --root "$T" >"$OUT" 2>"$ERR"
	rc=$?
	[ $rc = 2 ] && grep -q fstab "$ERR" && ok "fstab fsync fails: exit 2 naming it" || not_ok "fstab fsync fails: exit $rc"
	expect_status 0 "then revert exits 0" "$TR" revert --root "$T"
	cmp -s "$T/etc/fstab" "$T.orig/etc/fstab" && ok "the appended line is gone" || not_ok "the line stayed in fstab"
	same_tree "$T.orig" "$T" && ok "fstab fsync fault: tree byte-identical" || not_ok "fstab fsync fault: tree differs"
	# A value that cannot be read is an error before anything is written.
	fresh_tree "$T"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o /dev/null -P "$T$TARGET" -e trace=read \
		-e inject=read:error=EIO "$TR" "${APPLY[@]}" --root "$T" >"$OUT" 2>"$ERR"
	rc=$?
	[ $rc = 2 ] && ok "unreadable old value: exit 2" || not_ok "unreadable old value: exit $rc"
	cmp -s "$T$TARGET" "$T.orig$TARGET" && ok "unreadable old value: the file is unchanged" || not_ok "it was written"
	grep -q "irq/27/smp_affinity " "$T$J" && not_ok "it was journaled" || ok "it was not journaled"
	expect_status 0 "then revert exits 0" "$TR" revert --root "$T"
	same_tree "$T.orig" "$T" && ok "unreadable value: tree byte-identical" || not_ok "unreadable value: tree differs"
	# The root is opened once (it was twice: a probe for --confirm recovery and --reapply, then the run), so the
	# tree recovered and read is the tree planned for and written.
	root_opens() { grep -c "open[at]*(.*\"$T\", [^)]*O_PATH" "$D/opens"; }
	fresh_tree "$T"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o "$D/opens" -e trace=open,openat \
		"$TR" "${APPLY[@]}" --root "$T" >/dev/null 2>&1
	[ "$(root_opens)" = 1 ] && ok "apply opens the root once" || not_ok "apply opened the root $(root_opens) times"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o "$D/opens" -e trace=open,openat \
		"$TR" apply --reapply --dry-run --root "$T" >/dev/null 2>&1
	[ "$(root_opens)" = 1 ] && ok "apply --reapply opens the root once" || not_ok "apply --reapply opened the root $(root_opens) times"
	expect_status 0 "then revert exits 0" "$TR" revert --root "$T"
fi

# State another user could have planted: a world-writable state directory, a journal not root's. revert, status
# and confirm refuse it (exit 2, saying why), never repair it silently; the tree is untouched.
fresh_tree "$T"
expect_status 0 "planted: apply" "$TR" "${APPLY[@]}" --root "$T"
cp -a "$T" "$D/planted.before"
chmod 0777 "$T/var/lib/tickready"
for cmd in revert status; do
	expect_status 2 "state dir 0777: $cmd refuses" "$TR" $cmd --root "$T"
	expect_grep "state dir 0777: $cmd says why" "open to others" "$ERR"
done
[ "$(stat -c %a "$T/var/lib/tickready")" = 777 ] && ok "the mode is left as found (evidence kept)" || not_ok "mode changed to $(stat -c %a "$T/var/lib/tickready")"
chmod 0700 "$T/var/lib/tickready"
chown 65534:65534 "$T/var/lib/tickready/journal"
expect_status 2 "journal owned by another user: revert refuses" "$TR" revert --root "$T"
expect_grep "journal not root's: says why" "not owned by this user" "$ERR"
chmod 0777 "$T/var/lib/tickready"; chown 0:0 "$T/var/lib/tickready/journal"; chmod 0700 "$T/var/lib/tickready"
diff -r --no-dereference --exclude=lock "$D/planted.before" "$T" >/dev/null && ok "planted: nothing written (the lock aside)" || not_ok "planted: the tree changed: $(diff -r --no-dereference "$D/planted.before" "$T" | head -3)"
expect_status 0 "the state made safe again: revert" "$TR" revert --root "$T"
same_tree "$T.orig" "$T" && ok "planted: revert byte-identical afterwards" || not_ok "planted: revert differs"

# The helper itself: D=$(mktmp) in a subshell leaves nothing behind once the script ends.
left=$(bash -c '. tests/e2e/lib.sh; a=$(mktmp); b=$(mktmp); echo "$a"')
[ -n "$left" ] && [ ! -e "$left" ] && ok "mktmp in a subshell: removed at exit" || not_ok "mktmp leaked '$left'"
finish
