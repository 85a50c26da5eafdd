#!/usr/bin/env bash
# apply --confirm: reverted by itself unless `tickready confirm` runs in time, from another session.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
D=$(mktmp); A=$D/a; B=$D/b; C=$D/c; F=$D/f
PENDING=var/lib/tickready/confirm-pending
LOG=var/lib/tickready/confirm.log
JOURNAL=var/lib/tickready/journal
LOCK=run/tickready/lock
HOLDER=

# Whatever happens, no process this test started outlives it: the lock holder, and the timers of its trees.
end_ours() {
	[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null
	for pid in $(pgrep -f "revert --root $D/"); do kill "$pid" 2>/dev/null; done
	cleanup_tmps
}
trap end_ours EXIT

# wait_gone FILE SECONDS: poll until FILE disappears (the timer finished), bounded.
wait_gone() {
	for _ in $(seq "$((2 * $2))"); do [ -e "$1" ] || return 0; sleep 0.5; done
	return 1
}
timer_of() { pgrep -f "revert --root $1 " | head -1; }
mysid() { ps -o sid= $$ | tr -d ' '; }
first_run() { awk '$1 == "B" { print $2; exit }' "$1/$JOURNAL"; }

fresh_tree "$A"; fresh_tree "$B"; fresh_tree "$C"
# The trees start together so one 10 s window covers them all (10 s is --confirm's minimum).
expect_status 0 "A: apply --confirm 10" setsid "$TR" apply --root "$A" --profile "$APROF" --yes --confirm 10
expect_grep "says how to keep it" "confirm within 10 s with .tickready confirm." "$OUT"
# B applies from this session: the one that cannot confirm.
expect_status 0 "B: apply --confirm 10" "$TR" apply --root "$B" --profile "$APROF" --yes --confirm 10
expect_status 0 "C: apply --confirm 10" setsid "$TR" apply --root "$C" --profile "$APROF" --yes --confirm 10
# C: an apply (here flock(1)) holds the lock across the deadline; the timer must wait, not give up.
# Held until the test lets go (touching C.release), not for a time: the sections between may run slowly.
mkdir -p -m 700 "$C/run/tickready"
flock "$C/$LOCK" bash -c 'for _ in $(seq 1200); do [ -e "$1" ] && exit 0; sleep 0.1; done' hold "$C.release" & HOLDER=$!
[ "$(sed -n 2p "$B/$PENDING")" = "sid=$(mysid)" ] && ok "the applying session is recorded (sid=N)" || not_ok "pending: $(cat "$B/$PENDING")"
[ "$(cat "$A/proc/sys/kernel/timer_migration")" = 0 ] && ok "A applied" || not_ok "A not applied"

expect_status 0 "status while waiting" "$TR" status --root "$A" --format json
[ "$(json "$OUT" 'd["confirm_pending"] is not None')" = True ] && ok "status names the run waiting for confirmation" || not_ok "status: $(json "$OUT" 'd.get("confirm_pending")')"

# The same session cannot confirm (it proves nothing); a new one can.
expect_status 2 "B: confirm from the applying session: refused" "$TR" confirm --root "$B"
expect_grep "says why" "run it from a new login session \(ssh in again\): that is what proves the host is still reachable" "$ERR"
[ -e "$B/$PENDING" ] && ok "B: still pending after the refusal" || not_ok "B: the refusal removed confirm-pending"
expect_status 0 "B: confirm from a new session" setsid "$TR" confirm --root "$B"
expect_grep "confirmed" "confirmed run .*: it stays applied" "$OUT"
[ ! -e "$B/$PENDING" ] && ok "B: nothing pending" || not_ok "B: still pending"

# Without timers, while the trees above count down: --force, a pending record without sid, a corrupt one.
fresh_tree "$F"
mkdir -p -m 700 "$F/var/lib/tickready"
printf 'R1\nsid=%s\n' "$(mysid)" >"$F/$PENDING"
expect_status 2 "same session refused" "$TR" confirm --root "$F"
expect_status 0 "--force confirms from the same session" "$TR" confirm --root "$F" --force
expect_grep "--force: confirmed" "confirmed run R1: it stays applied" "$OUT"
printf 'R2\n' >"$F/$PENDING"
expect_status 0 "no sid line: confirmed from any session" "$TR" confirm --root "$F"
expect_grep "no sid: confirmed" "confirmed run R2" "$OUT"
: >"$F/$PENDING"
expect_status 2 "empty confirm-pending: an error, not 'nothing to confirm'" "$TR" confirm --root "$F"
rm "$F/$PENDING"

# hold_lock TREE [ACTION]: holds TREE's lock until a confirm of TREE has found it held (it sleeps between
# tries, in clock_nanosleep), runs ACTION (a command line) and lets go; returns once the lock is held.
hold_lock() {
	local tree=$1 action=${2:-true}
	mkdir -p -m 700 "$tree/run/tickready"
	rm -f "$tree.held"
	flock "$tree/$LOCK" bash -c '
		touch "$1.held"
		for _ in $(seq 1200); do
			for pid in $(pgrep -f "confirm --root $1\$"); do
				case $(cut -d" " -f1 "/proc/$pid/syscall" 2>/dev/null) in 35 | 230) eval "$2"; exit 0 ;; esac
			done
			sleep 0.05
		done' hold "$tree" "$action" &
	for _ in $(seq 600); do [ -e "$tree.held" ] && return 0; sleep 0.05; done
}

# confirm waits for the lock, and re-reads confirm-pending under it.
expect_status 0 "F: apply" "$TR" apply --root "$F" --profile "$APROF" --yes
run=$(first_run "$F")
printf '%s\n' "$run" >"$F/$PENDING"
hold_lock "$F"
expect_status 0 "confirm waits for a held lock" "$TR" confirm --root "$F"
expect_grep "then confirms" "confirmed run $run" "$OUT"
wait $!
printf '%s\n' "$run" >"$F/$PENDING"
hold_lock "$F" "rm '$F/$PENDING'"
expect_status 0 "confirmed by another while waiting: exit 0" "$TR" confirm --root "$F"
expect_grep "says so" "run $run is already confirmed" "$OUT"
wait $!
"$TR" revert --root "$F" >/dev/null
printf '%s\n' "$run" >"$F/$PENDING"
hold_lock "$F" "rm '$F/$PENDING'"
expect_status 1 "reverted while waiting: exit 1" "$TR" confirm --root "$F"
expect_grep "says it was reverted" "not confirmed: run $run was reverted at its deadline" "$OUT"
wait $!
same_tree "$F.orig" "$F" && ok "F: byte-identical" || not_ok "F differs"

expect_status 0 "confirm with nothing pending" "$TR" confirm --root "$F"
expect_grep "says so" "nothing to confirm" "$OUT"
expect_status 2 "confirm: bad option" "$TR" confirm --root "$F" --bogus
expect_status 2 "confirm: stray argument" "$TR" confirm --root "$F" now
expect_status 2 "confirm: missing root" "$TR" confirm --root "$D/nonexistent"
expect_status 2 "revert --unless-confirmed needs --run" "$TR" revert --root "$F" --unless-confirmed
expect_status 2 "revert --after: not seconds" "$TR" revert --root "$F" --run x --after soon
expect_status 2 "apply --confirm 5: below the minimum" "$TR" apply --root "$F" --profile "$APROF" --yes --confirm 5

# A: unconfirmed, its timer reverts it.
wait_gone "$A/$PENDING" 30 && ok "A: the timer ran" || not_ok "A: still pending after 30 s"
for _ in $(seq 60); do grep -q "reverted" "$A/$LOG" 2>/dev/null && break; sleep 0.5; done
same_tree "$A.orig" "$A" && ok "A: unconfirmed, reverted byte-identical" || not_ok "A differs: $(diff -r --no-dereference "$A.orig" "$A" | head -3)"
grep -q "reverted: not confirmed by its deadline" "$A/$LOG" && ok "A: the outcome is logged" || not_ok "A log: $(cat "$A/$LOG" 2>&1)"

# B's deadline is a moment after A's: wait for its timer to have woken and done nothing.
for _ in $(seq 40); do [ -n "$(timer_of "$B")" ] || break; sleep 0.5; done
[ "$(cat "$B/proc/sys/kernel/timer_migration")" = 0 ] && ok "B: confirmed, still applied after the deadline" || not_ok "B was reverted"
grep -q "confirmed: it stays applied" "$B/$LOG" && ok "B: confirmation logged" || not_ok "B log: $(cat "$B/$LOG" 2>&1)"
expect_status 0 "B: revert by hand" "$TR" revert --root "$B"
same_tree "$B.orig" "$B" && ok "B: byte-identical" || not_ok "B differs"

# C: past its deadline (the timer has lived 11 s) with the lock still held, the timer waits.
pid=$(timer_of "$C")
for _ in $(seq 80); do [ -n "$pid" ] && [ "$(ps -o etimes= -p "$pid" | tr -d ' ')" -ge 11 ] 2>/dev/null && break; sleep 0.25; done
if [ -n "$pid" ] && kill -0 "$HOLDER" 2>/dev/null && kill -0 "$pid" 2>/dev/null; then
	ok "C: past the deadline, the timer waits for the lock"
	[ "$(cat "$C/proc/sys/kernel/timer_migration")" = 0 ] && ok "C: untouched while the lock is held" || not_ok "C reverted under a held lock"
else
	not_ok "C: timer $pid or lock holder $HOLDER already gone"
fi
touch "$C.release"; wait "$HOLDER"; HOLDER=
wait_gone "$C/$PENDING" 10 && ok "C: reverted once the lock was free" || not_ok "C: still pending"
for _ in $(seq 20); do grep -q "reverted" "$C/$LOG" 2>/dev/null && break; sleep 0.5; done
same_tree "$C.orig" "$C" && ok "C: byte-identical" || not_ok "C differs: $(diff -r --no-dereference "$C.orig" "$C" | head -3)"
grep -q "run .* reverted: not confirmed by its deadline" "$C/$LOG" && ok "C: the outcome is logged" || not_ok "C log: $(cat "$C/$LOG" 2>&1)"

# No timer may outlive the test.
for _ in $(seq 40); do pgrep -f "revert --root $D/" >/dev/null || break; sleep 0.5; done
pgrep -f "revert --root $D/" >/dev/null && not_ok "a timer process is still running" || ok "no timer left running"
finish
