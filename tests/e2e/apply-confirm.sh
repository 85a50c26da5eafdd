#!/usr/bin/env bash
# apply --confirm: reverted by itself unless `tickready confirm` runs in time, from another session.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
D=$(mktmp); A=$D/a; B=$D/b
PENDING=var/lib/tickready/confirm-pending
LOG=var/lib/tickready/confirm.log

# wait_gone FILE SECONDS: poll until FILE disappears (the timer finished), bounded.
wait_gone() {
	for _ in $(seq "$((2 * $2))"); do [ -e "$1" ] || return 0; sleep 0.5; done
	return 1
}

fresh_tree "$A"; fresh_tree "$B"
# Both trees start together so one 10 s window covers both (10 s is --confirm's minimum).
expect_status 0 "A: apply --confirm 10" setsid "$TR" apply --root "$A" --profile "$APROF" --yes --confirm 10
expect_grep "says how to keep it" "confirm within 10 s with .tickready confirm." "$OUT"
expect_status 0 "B: apply --confirm 10" setsid "$TR" apply --root "$B" --profile "$APROF" --yes --confirm 10
grep -q '^sid=[0-9]' "$B/$PENDING" && ok "the applying session is recorded" || not_ok "pending: $(cat "$B/$PENDING")"
[ "$(cat "$A/proc/sys/kernel/timer_migration")" = 0 ] && ok "A applied" || not_ok "A not applied"

expect_status 0 "status while waiting" "$TR" status --root "$A" --format json
[ "$(json "$OUT" 'd["confirm_pending"] is not None')" = True ] && ok "status names the run waiting for confirmation" || not_ok "status: $(json "$OUT" 'd.get("confirm_pending")')"

# The same session cannot confirm (it proves nothing); a new one can.
sid=$(sed -n 's/^sid=//p' "$B/$PENDING")
sed -i "s/^sid=.*/sid=$(ps -o sid= $$ | tr -d ' ')/" "$B/$PENDING"
expect_status 2 "confirm from the applying session: refused" "$TR" confirm --root "$B"
expect_grep "says why" "run it from a new login session" "$ERR"
sed -i "s/^sid=.*/sid=$sid/" "$B/$PENDING"
expect_status 0 "B: confirm from a new session" setsid "$TR" confirm --root "$B"
expect_grep "confirmed" "confirmed run .*: it stays applied" "$OUT"
[ ! -e "$B/$PENDING" ] && ok "B: nothing pending" || not_ok "B: still pending"

wait_gone "$A/$PENDING" 30 && ok "A: the timer ran" || not_ok "A: still pending after 30 s"
for _ in $(seq 60); do grep -q "reverted" "$A/$LOG" 2>/dev/null && break; sleep 0.5; done
same_tree "$A.orig" "$A" && ok "A: unconfirmed, reverted byte-identical" || not_ok "A differs: $(diff -r --no-dereference "$A.orig" "$A" | head -3)"
grep -q "reverted: not confirmed within 10 s" "$A/$LOG" && ok "A: the outcome is logged" || not_ok "A log: $(cat "$A/$LOG" 2>&1)"
# B's deadline is a moment after A's: wait for its timer to have woken and done nothing.
for _ in $(seq 40); do pgrep -f "revert --root $B " >/dev/null || break; sleep 0.5; done
[ "$(cat "$B/proc/sys/kernel/timer_migration")" = 0 ] && ok "B: confirmed, still applied after the deadline" || not_ok "B was reverted"
grep -q "confirmed: it stays applied" "$B/$LOG" && ok "B: confirmation logged" || not_ok "B log: $(cat "$B/$LOG" 2>&1)"
"$TR" revert --root "$B" >/dev/null
same_tree "$B.orig" "$B" && ok "B: revert by hand, byte-identical" || not_ok "B differs"

expect_status 0 "confirm with nothing pending" "$TR" confirm --root "$B"
expect_grep "says so" "nothing to confirm" "$OUT"
expect_status 2 "confirm: bad option" "$TR" confirm --root "$B" --bogus
expect_status 2 "apply --confirm 5: below the minimum" "$TR" apply --root "$B" --profile "$APROF" --yes --confirm 5
# No timer may outlive the test: B's wakes at its own deadline, finds nothing pending and exits.
for _ in $(seq 40); do pgrep -f "revert --root $D/" >/dev/null || break; sleep 0.5; done
pgrep -f "revert --root $D/" >/dev/null && not_ok "a timer process is still running" || ok "no timer left running"
finish
