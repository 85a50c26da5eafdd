#!/usr/bin/env bash
# The fault campaign (`make faults`; `--short` is the slice inside `make check`): EIO and ENOSPC injected at each
# of the first 30 writes, fsyncs, write-mode opens, renames, mkdirs and unlinks of an apply, and SIGKILL at 40
# points of apply, of revert, of apply --once, and of apply --confirm with its timer killed too (the next
# command recovers). After each, a plain revert must exit 0 and leave the tree byte-identical.
cd "$(dirname "$0")/.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
command -v strace >/dev/null || { echo "skip: strace missing"; exit 0; }
FIRST=30 KILLS=40
[ "$1" = --short ] && FIRST=2 KILLS=3
# LeakSanitizer cannot run under ptrace: strace-wrapped runs of the sanitizer build keep ASan, drop leak checks.
# Not -f: apply's only child is the --confirm timer, which must not keep strace waiting.
traced() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -qq "$@"; }
D=$(mktmp)
ORIG=$D/orig T=$D/tree
cp -a "$FX/untuned" "$ORIG"
# --confirm: the state file it writes (O_EXCL, rename) is part of what a fault may hit.
APPLY=(apply --profile "$APROF" --yes --confirm 600 --root "$T")
cases=0 restored=0
# The --confirm timers of a tree: ended before it is thrown away (they would revert it in 600 s).
untimer() { local pid; for pid in $(pgrep -f "revert --root $T "); do kill "$pid" 2>/dev/null; done; }
trap 'untimer; cleanup_tmps' EXIT
fresh() { untimer; rm -rf "$T"; cp -a "$ORIG" "$T"; }
# check DESC: revert without faults, then the tree must equal the original.
check() {
	cases=$((cases + 1))
	"$TR" revert --root "$T" >"$OUT" 2>"$ERR"; local rc=$?
	if [ $rc = 0 ] && same_tree "$ORIG" "$T"; then restored=$((restored + 1)); ok "$1: restored"
	else not_ok "$1: revert exit $rc, tree $(same_tree "$ORIG" "$T" && echo same || echo differs): $(head -2 "$ERR")"; fi
}

# The calls of one clean apply, in order: which of them each case fails.
fresh
traced -o "$D/trace" -e trace=write,fsync,openat,openat2,renameat,mkdirat,unlinkat "$TR" "${APPLY[@]}" >/dev/null 2>&1
# nth NAME FILTER: the ordinals (strace counts each syscall apart) of the first $FIRST NAME calls matching FILTER.
nth() { grep -E "^$1\(" "$D/trace" | awk -v f="$2" -v max="$FIRST" '$0 ~ f { print NR; if (++n == max) exit }'; }
WMODE='O_WRONLY|O_RDWR|O_CREAT'
for spec in write:. fsync:. "openat2:$WMODE" "openat:$WMODE" renameat:. mkdirat:. unlinkat:.; do
	name=${spec%%:*} filter=${spec#*:}
	calls=$(nth "$name" "$filter")
	[ -n "$calls" ] || { echo "# no $name call in an apply"; continue; }
	echo "# $name: $(echo $calls | wc -w) call(s) faulted"
	for err in EIO ENOSPC; do
		for n in $calls; do
			fresh
			traced -o /dev/null -e trace="$name" -e inject="$name:error=$err:when=$n" "$TR" "${APPLY[@]}" >"$OUT" 2>"$ERR"
			rc=$?
			# A fault either stops apply (exit 2, saying where) or hits something apply can do without (exit 0).
			if [ $rc != 0 ] && { [ $rc != 2 ] || [ ! -s "$ERR" ]; }; then
				not_ok "$err at $name #$n: apply exit $rc without a message"
			fi
			untimer
			check "$err at $name #$n (apply exit $rc)"
		done
	done
done

# SIGKILL at points spread over the writes of an apply, then of a revert.
nwrites=$(grep -c '^write(' "$D/trace")
for i in $(seq 1 "$KILLS"); do
	n=$(( (i * nwrites) / (KILLS + 1) + 1 ))
	fresh
	traced -o /dev/null -e trace=write -e inject=write:signal=KILL:when=$n "$TR" "${APPLY[@]}" >/dev/null 2>&1
	untimer
	check "SIGKILL at write #$n of apply"
done
fresh
"$TR" "${APPLY[@]}" >/dev/null 2>&1
untimer
traced -o "$D/rtrace" -e trace=write "$TR" revert --root "$T" >/dev/null 2>&1
nrw=$(grep -c '^write(' "$D/rtrace")
for i in $(seq 1 "$KILLS"); do
	n=$(( (i * nrw) / (KILLS + 1) + 1 ))
	fresh
	"$TR" "${APPLY[@]}" >/dev/null 2>&1
	untimer
	traced -o /dev/null -e trace=write -e inject=write:signal=KILL:when=$n "$TR" revert --root "$T" >/dev/null 2>&1
	check "SIGKILL at write #$n of revert"
done

# apply --confirm killed at a write, then its timer killed as it comes to revert: the next command (confirm,
# here) reverts the run nothing guards any more, and a revert after it finds the tree as it was.
guarded=0
for i in $(seq 1 "$KILLS"); do
	n=$(( (i * nwrites) / (KILLS + 1) + 1 ))
	fresh
	traced -o /dev/null -e trace=write -e inject=write:signal=KILL:when=$n "$TR" "${APPLY[@]}" >/dev/null 2>&1
	for _ in $(seq 50); do [ -n "$(pgrep -f "revert --root $T ")" ] && break; sleep 0.02; done
	for pid in $(pgrep -f "revert --root $T "); do kill -9 "$pid" 2>/dev/null; done
	setsid "$TR" confirm --root "$T" >"$OUT" 2>"$ERR"; rc=$?
	case $rc in 0 | 1) guarded=$((guarded + 1)) ;; *) not_ok "timer killed after apply killed at write #$n: confirm exit $rc: $(head -1 "$ERR")" ;; esac
	[ -e "$T/var/lib/tickready/confirm-pending" ] && not_ok "timer killed (write #$n): still pending after confirm"
	check "apply killed at write #$n, its timer killed: confirm recovers (exit $rc)"
done

# apply --once (GRUB's one-time entry, grub-reboot journaled) killed at writes spread over it.
ONCE=(apply --profile "$APROF" --yes --once --root "$T")
fresh
traced -o "$D/otrace" -e trace=write "$TR" "${ONCE[@]}" >/dev/null 2>&1
now=$(grep -c '^write(' "$D/otrace")
for i in $(seq 1 "$KILLS"); do
	n=$(( (i * now) / (KILLS + 1) + 1 ))
	fresh
	traced -o /dev/null -e trace=write -e inject=write:signal=KILL:when=$n "$TR" "${ONCE[@]}" >/dev/null 2>&1
	check "SIGKILL at write #$n of apply --once"
done
echo "faults: $cases cases, $restored restored byte-identically ($guarded killed --confirm runs recovered by confirm)"
finish
