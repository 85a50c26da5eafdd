#!/usr/bin/env bash
# apply --confirm protects from the first change: the record and its timer are armed before any write; an
# apply killed at any write is reverted at once by its timer; a reboot inside the window reverts at boot
# (apply --reapply, the boot unit) instead of re-applying; a timer that died is made up for by the next
# apply, confirm or boot; status says which. Every case ends byte-identical to the tree before apply.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
command -v strace >/dev/null || { echo "skip: strace missing"; exit 0; }
T=$(mktmp)/tree
PENDING=var/lib/tickready/confirm-pending
LOG=var/lib/tickready/confirm.log
BOOT_ID=proc/sys/kernel/random/boot_id
APPLY=(apply --profile "$APROF" --yes)
trap 'for p in $(pgrep -f "revert --root $T "); do kill "$p" 2>/dev/null; done; cleanup_tmps' EXIT

fresh() {
	fresh_tree "$T"
	for t in "$T" "$T.orig"; do mkdir -p "$t/${BOOT_ID%/*}" && echo 4b1c0d6e-0000-4000-8000-00000000000a >"$t/$BOOT_ID"; done
}
timer_of() { pgrep -f "revert --root $T " | head -1; }
# wait_for SECONDS CMD...: polls CMD until it succeeds, bounded.
wait_for() { local n=$(($1 * 10)); shift; for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done; return 1; }
gone() { [ ! -e "$1" ]; }
no_timer() { [ -z "$(timer_of)" ]; }

# The record is written before the first change: armed, nothing changed yet.
fresh
traced_w() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -qq -o "$T.trace" -e trace=write,renameat,renameat2 "$@"; }
traced_w "$TR" "${APPLY[@]}" --root "$T" --confirm 600 >/dev/null 2>&1
first_w=$(grep -n '^write(.*"W ' "$T.trace" | head -1 | cut -d: -f1)
armed=$(grep -n 'confirm-pending' "$T.trace" | head -1 | cut -d: -f1)
[ -n "$armed" ] && [ -n "$first_w" ] && [ "$armed" -lt "$first_w" ] && ok "confirm-pending is in place before the first journaled write" ||
	not_ok "armed at line '$armed', first W at '$first_w'"
nwrites=$(grep -c '^write(' "$T.trace")
pkill -f "revert --root $T " ; wait_for 10 no_timer
"$TR" revert --root "$T" >/dev/null 2>&1

# Killed at a write (SIGKILL from strace: no handler runs): the timer reverts at once, not at the deadline.
step=$((nwrites / 6 + 1))
for n in 2 $(seq 3 "$step" "$((nwrites - 1))"); do
	fresh
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -qq -o /dev/null -e trace=write \
		-e inject=write:signal=SIGKILL:when=$n "$TR" "${APPLY[@]}" --root "$T" --confirm 600 >/dev/null 2>&1
	if wait_for 30 gone "$T/$PENDING" && wait_for 10 no_timer; then
		same_tree "$T.orig" "$T" && ok "killed at write $n/$nwrites: reverted at once, byte-identical" ||
			not_ok "killed at write $n: tree differs: $(diff -r --no-dereference "$T.orig" "$T" | head -3)"
		grep -q "apply was interrupted\|reverted" "$T/$LOG" 2>/dev/null || [ ! -e "$T/var/lib/tickready/journal" ] ||
			! grep -q '^W ' "$T/var/lib/tickready/journal" && ok "killed at write $n: the outcome is logged" ||
			not_ok "killed at write $n: log: $(cat "$T/$LOG" 2>&1)"
	else
		not_ok "killed at write $n: still pending after 30 s ($(cat "$T/$PENDING" 2>&1 | tr '\n' ' '))"
		pkill -f "revert --root $T "
	fi
done

# A reboot inside the window: the timer died with the old boot; the boot unit reverts instead of re-applying.
fresh
expect_status 0 "reboot: apply --confirm 600" "$TR" "${APPLY[@]}" --root "$T" --confirm 600
kill "$(timer_of)"; wait_for 10 no_timer
for t in "$T" "$T.orig"; do echo 4b1c0d6e-0000-4000-8000-00000000000b >"$t/$BOOT_ID"; done
expect_status 0 "reboot: status" "$TR" status --root "$T"
expect_grep "reboot: status says it is not guarded, and why" "^NOT GUARDED: run .* the host rebooted inside its confirmation window" "$OUT"
expect_status 0 "reboot: the boot unit (apply --reapply)" "$TR" apply --root "$T" --reapply --yes
expect_grep "reboot: says it reverts" "was never confirmed \(the host rebooted inside its confirmation window\): reverting it" "$OUT"
expect_grep "reboot: nothing re-applied" "nothing to re-apply" "$OUT"
same_tree "$T.orig" "$T" && ok "reboot: byte-identical" || not_ok "reboot: differs: $(diff -r --no-dereference "$T.orig" "$T" | head -3)"
[ ! -e "$T/$PENDING" ] && ok "reboot: nothing pending any more" || not_ok "reboot: still pending"

# The timer died (OOM, kill) and the deadline passed: confirm does what the timer would have done.
fresh
expect_status 0 "dead timer: apply --confirm 600" "$TR" "${APPLY[@]}" --root "$T" --confirm 600
kill -9 "$(timer_of)"; wait_for 10 no_timer
sed -i "s/^deadline=.*/deadline=$(($(date +%s) - 1))/" "$T/$PENDING"
expect_status 0 "dead timer: status" "$TR" status --root "$T" --format json
[ "$(json "$OUT" 'd["confirm_state"]')" = overdue ] && ok "dead timer: status says overdue" || not_ok "confirm_state: $(json "$OUT" 'd.get("confirm_state")')"
expect_status 1 "dead timer: confirm after the deadline: exit 1" setsid "$TR" confirm --root "$T"
expect_grep "dead timer: says it reverted" "not confirmed: the run was reverted" "$OUT"
same_tree "$T.orig" "$T" && ok "dead timer: byte-identical" || not_ok "dead timer: differs"
expect_grep "dead timer: logged" "reverted by .tickready confirm.: its deadline passed and its timer is gone" "$T/$LOG"

# The timer died before the deadline, apply finished: the run still waits for confirm, which keeps it.
fresh
expect_status 0 "early death: apply --confirm 600" "$TR" "${APPLY[@]}" --root "$T" --confirm 600
kill -9 "$(timer_of)"; wait_for 10 no_timer
expect_status 0 "early death: confirm in time keeps it" setsid "$TR" confirm --root "$T"
expect_grep "early death: confirmed" "confirmed run .*: it stays applied" "$OUT"
"$TR" revert --root "$T" >/dev/null
same_tree "$T.orig" "$T" && ok "early death: revert byte-identical" || not_ok "early death: differs"

# The timer holds none of apply's descriptors: not the lock (a revert right after apply works), not stdout.
fresh
out=$( "$TR" "${APPLY[@]}" --root "$T" --confirm 600 | cat )   # returns only when every writer of the pipe is gone
[ -n "$out" ] && ok "apply --confirm | cat returns (the timer keeps no pipe end)" || not_ok "no output"
expect_status 0 "revert right after apply --confirm (the timer holds no lock)" "$TR" revert --root "$T"
wait_for 10 no_timer && ok "the timer ends once its run is reverted" || not_ok "timer still there"
same_tree "$T.orig" "$T" && ok "byte-identical" || not_ok "differs"
finish
