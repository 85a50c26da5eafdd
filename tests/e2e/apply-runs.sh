#!/usr/bin/env bash
# revert --run OLDER while a newer run is applied: refused (exit 2, naming the newer run), nothing changed;
# the newest run alone, and then plain revert, restore the tree byte for byte.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
T=$(mktmp)/tree
J=var/lib/tickready/journal
runs() { awk '$1 == "B" { print $2 }' "$T/$J"; }

fresh_tree "$T"
expect_status 0 "first apply" "$TR" apply --root "$T" --profile "$APROF" --yes
echo 1 >"$T/proc/sys/kernel/timer_migration"	# drifted back by hand
expect_status 0 "second apply (the drift again)" "$TR" apply --root "$T" --profile "$APROF" --yes
old=$(runs | head -1); new=$(runs | tail -1)
[ -n "$old" ] && [ "$old" != "$new" ] && ok "two runs ($old, $new)" || not_ok "runs: $(runs | tr '\n' ' ')"
cp -a "$T" "$T.before"
expect_status 2 "revert --run OLDER under a newer run: refused" "$TR" revert --root "$T" --run "$old"
expect_grep "names the newer run and what to do" "run $old is older than run $new, still applied over it.*revert $new first" "$ERR"
diff -r --no-dereference --exclude=lock "$T.before" "$T" >/dev/null && ok "refused: nothing changed" || not_ok "refused, yet the tree changed"
expect_status 0 "revert --run NEWEST alone" "$TR" revert --root "$T" --run "$new"
[ "$(cat "$T/proc/sys/kernel/timer_migration")" = 1 ] && ok "the newest run's old value (the drift) is back" || not_ok "timer_migration: $(cat "$T/proc/sys/kernel/timer_migration")"
expect_status 0 "then revert --run OLDER" "$TR" revert --root "$T" --run "$old"
same_tree "$T.orig" "$T" && ok "byte-identical" || not_ok "differs: $(diff -r --no-dereference "$T.orig" "$T" | head -3)"

# A journal no line of which can be read: status does not say "nothing applied" and exit 0.
printf 'garbage one\nW x\n\001\002\n' >"$T/$J"
expect_status 2 "status --format json on a corrupt journal: exit 2" "$TR" status --root "$T" --format json
[ "$(json "$OUT" 'd["corrupt_lines"], d["first_corrupt_lines"]')" = "(3, [1, 2, 3])" ] && ok "the JSON counts and names the corrupt lines" || not_ok "json: $(cat "$OUT" | head -5)"
expect_grep "says so on stderr" "3 corrupt lines in '/var/lib/tickready/journal' \(first at line 1\)" "$ERR"
finish
