#!/usr/bin/env bash
# Kernels before 5.6 have no openat2 (RHEL 8's 4.18, Ubuntu 20.04's 5.4): strace makes it fail with ENOSYS, as such
# a kernel does, and tickready must see every tree exactly as it does with openat2, and the live host too.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
FX=$SRC/tests/fixtures
command -v strace >/dev/null || { not_ok "strace missing (make deps)"; echo "$PASSED passed, $FAILED failed"; exit 1; }
# LeakSanitizer cannot run under ptrace: off for the traced runs only (as tests/faults.sh does).
old_kernel() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -o /dev/null -e inject=openat2:error=ENOSYS "$@"; }
A=$(mktmp)

# Every fixture tree, two profiles: audit's JSON and apply's plan byte-identical with and without openat2.
n=0 differ=
for tree in "$FX"/*/; do
	tree=${tree%/}
	[ -d "$tree/proc" ] || [ -d "$tree/sys" ] || continue
	for p in hft-strict hft-balanced; do
		for cmd in "audit --format json" "apply --dry-run --format json"; do
			# shellcheck disable=SC2086
			"$TR" $cmd --root "$tree" --profile $p >"$A/with" 2>&1; echo "exit $?" >>"$A/with"
			# shellcheck disable=SC2086
			old_kernel "$TR" $cmd --root "$tree" --profile $p >"$A/without" 2>&1; echo "exit $?" >>"$A/without"
			n=$((n + 1))
			cmp -s "$A/with" "$A/without" || differ="$differ ${tree##*/}/$p/${cmd%% *}"
		done
	done
done
[ $n -ge 40 ] && [ -z "$differ" ] && ok "$n runs on fixture trees: the same output without openat2" ||
	not_ok "without openat2 ($n runs) differs:$differ"

# The hostile tree: links out of the root, "..", a FIFO and a device stay refused, as with openat2.
H=$(mktmp) O=$(mktmp)
echo "outside-$$-6.1.0-leaked" >"$O/marker"
mkdir -p "$H/proc/sys/kernel" "$H/sys/kernel/mm/transparent_hugepage" "$H/etc"
ln -s "$O/marker" "$H/proc/sys/kernel/osrelease"
ln -s "../../../../../../../../../..$O/marker" "$H/proc/cmdline"
mkfifo "$H/sys/kernel/mm/transparent_hugepage/enabled"
mknod "$H/etc/machine-id" c 1 3 2>/dev/null || true
mknod "$H/proc/interrupts" c 1 3 2>/dev/null || mkfifo "$H/proc/interrupts"	# /dev/null's numbers; not root: a FIFO
for run in "" old_kernel; do
	$run timeout 30 "$TR" audit --root "$H" --profile hft-strict --format json >"$A/h$run" 2>"$A/herr$run"
	echo "exit $?" >>"$A/h$run"
done
cmp -s "$A/h" "$A/hold_kernel" && ok "hostile tree: the same findings without openat2" || not_ok "hostile tree differs without openat2"
grep -q "outside-$$" "$A/hold_kernel" "$A/herrold_kernel" && not_ok "a file outside the tree was read through a link" ||
	ok "no file outside the tree read through a link (absolute or ../..)"

# The FIFO and the device (read paths of every audit) are looked at through O_PATH only, never opened: a device's
# open runs its driver (a watchdog arms). With openat2 and without (the walk opens the last component itself).
for inject in "" "-e inject=openat2:error=ENOSYS"; do
	# shellcheck disable=SC2086
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -o "$A/opens" -e trace=openat,openat2 $inject \
		timeout 30 "$TR" audit --root "$H" --profile hft-strict --format json >/dev/null 2>&1
	grep -E '"(/proc/)?interrupts"|"(/sys/kernel/mm/transparent_hugepage/)?enabled"' "$A/opens" >"$A/special"
	if [ -s "$A/special" ] && ! grep -qv O_PATH "$A/special"; then
		ok "a tree's FIFO and device: $(wc -l <"$A/special") opens, all O_PATH${inject:+ (no openat2)}"
	else
		not_ok "a tree's FIFO or device opened for reading${inject:+ (no openat2)}: $(grep -v O_PATH "$A/special" | head -2)"
	fi
done

# The live host: the host model is read, no finding says ENOSYS.
old_kernel "$TR" audit --format json >"$A/live" 2>"$A/liveerr"; rc=$?
[ $rc -le 1 ] && ok "live audit without openat2 exits 0 or 1 ($rc)" || not_ok "live audit without openat2: exit $rc"
[ "$(json "$A/live" 'd["host"]["cpus"]["online"]')" = "$(cat /sys/devices/system/cpu/online)" ] &&
	ok "without openat2 the live host's cpus are read" || not_ok "live cpus unread without openat2"
grep -qi 'not implemented' "$A/live" && not_ok "a finding says ENOSYS" || ok "no finding says 'Function not implemented'"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
