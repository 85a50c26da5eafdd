#!/usr/bin/env bash
# Fault injection: a write (or open) failing at the Nth call, and kill -9 at random points; revert restores exactly.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
command -v strace >/dev/null || { echo "skip: strace missing"; exit 0; }
# LeakSanitizer cannot run under ptrace: in the sanitizer build, strace-wrapped runs keep ASan but drop leak checks.
traced() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"; }
T=$(mktmp)/tree
APPLY=(apply --profile "$APROF" --yes)

# How many write() calls a whole apply makes: each N below fails one of them.
fresh_tree "$T"
traced -f -qq -o "$T.trace" -e trace=write "$TR" "${APPLY[@]}" --root "$T" >/dev/null 2>&1
nwrites=$(grep -c 'write(' "$T.trace")
[ "$nwrites" -gt 20 ] && ok "apply makes $nwrites writes" || not_ok "too few writes ($nwrites)"
step=$(( nwrites / 12 + 1 ))
for n in 1 2 3 $(seq 4 "$step" "$nwrites"); do
	fresh_tree "$T"
	traced -f -qq -o /dev/null -e trace=write -e inject=write:error=EIO:when=$n "$TR" "${APPLY[@]}" --root "$T" >"$OUT" 2>"$ERR"
	rc=$?
	if [ $rc = 2 ] && grep -qE "'/[^']*'|standard output" "$ERR"; then ok "write $n fails: exit 2 naming the path"
	else not_ok "write $n fails: exit $rc: $(head -2 "$ERR")"; fi
	"$TR" revert --root "$T" >/dev/null 2>"$ERR"
	same_tree "$T.orig" "$T" && ok "write $n fails: revert restores the tree" || { not_ok "write $n: tree differs after revert"; cat "$ERR"; }
done

# A failing open: reads only lose information (the plan shrinks); writes fail loudly. Either way revert restores.
for n in 40 200 400 600 800; do
	fresh_tree "$T"
	traced -f -qq -o /dev/null -e trace=openat -e inject=openat:error=EIO:when=$n "$TR" "${APPLY[@]}" --root "$T" >"$OUT" 2>"$ERR"
	rc=$?
	[ $rc = 0 ] || [ $rc = 2 ] && ok "openat $n fails: exit $rc" || not_ok "openat $n: exit $rc"
	"$TR" revert --root "$T" >/dev/null 2>&1
	same_tree "$T.orig" "$T" && ok "openat $n fails: revert restores the tree" || not_ok "openat $n: tree differs"
done

# kill -9 at random points: each write slowed by 2 ms so the kill lands mid-apply.
for i in 1 2 3 4 5 6; do
	fresh_tree "$T"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o /dev/null -e trace=write -e inject=write:delay_exit=2000 "$TR" "${APPLY[@]}" --root "$T" >/dev/null 2>&1 &
	spid=$!
	sleep "0.0$(( RANDOM % 9 + 1 ))$(( RANDOM % 10 ))"
	child=$(cat /proc/$spid/task/*/children 2>/dev/null | awk '{print $1}')
	[ -n "$child" ] && kill -9 "$child" 2>/dev/null
	wait $spid 2>/dev/null
	"$TR" revert --root "$T" >"$OUT" 2>"$ERR"
	rc=$?
	[ $rc = 0 ] && ok "kill -9 #$i: revert exits 0 ($(head -1 "$OUT"))" || { not_ok "kill -9 #$i: revert exit $rc"; cat "$ERR"; }
	same_tree "$T.orig" "$T" && ok "kill -9 #$i: tree byte-identical" || not_ok "kill -9 #$i: tree differs"
done

# One apply at a time: the lock names its holder.
fresh_tree "$T"
mkdir -p -m 700 "$T/run/tickready"
python3 -c 'import fcntl, os, sys, time; f = open(sys.argv[1], "a+"); fcntl.flock(f, fcntl.LOCK_EX); f.truncate(0); f.write("%d\n" % os.getpid()); f.flush(); time.sleep(5)' "$T/run/tickready/lock" &
holder=$!
# The holder writes its pid once it holds the lock: wait for that, not for a time (python may start slowly).
for _ in $(seq 600); do [ "$(cat "$T/run/tickready/lock" 2>/dev/null)" = "$holder" ] && break; sleep 0.05; done
expect_status 2 "second apply while locked exits 2" "$TR" "${APPLY[@]}" --root "$T"
expect_grep "lock error names the holder's pid" "pid $holder" "$ERR"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
finish
