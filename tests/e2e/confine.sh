#!/usr/bin/env bash
# End-to-end: every thread tickready starts is allowed only on the profile's housekeeping cpus the
# process may use (strace shows each helper thread's sched_setaffinity); with none, no thread at all.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
command -v strace >/dev/null && command -v taskset >/dev/null || { echo "skip: strace or taskset missing"; exit 0; }
[ "$(nproc)" -ge 2 ] || { echo "skip: one cpu"; exit 0; }
T=$(mktmp)/tree P=$(mktmp)/iso1.ini LOG=$TMPROOT/strace.log
# Enough IRQs for host.c's split thread (IRQ_SPLIT_MIN 512): a helper thread is wanted.
NCPU=4 NNODE=1 NIRQ=600 bash bench/gen-synthetic-tree.sh "$T" >/dev/null
printf '[cpu]\nisolated_cores = 1\nhousekeeping_cores = 0\n' >"$P"

# Threads (clone) and the cpus each was allowed (sched_setaffinity masks) in the strace log.
threads() { grep -cE '(clone|clone3)\(.*CLONE_THREAD' "$LOG"; }
# Threads not confined to cpu 0 before they ran: no sched_setaffinity(TID, .., [0]) for the new TID.
unconfined() {
	python3 - "$LOG" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
tids = re.findall(r'clone3?\(.*CLONE_THREAD.*= (\d+)$', text, re.M)
masks = dict(re.findall(r'sched_setaffinity\((\d+), \d+, \[([0-9 ]*)\]\)\s+= 0', text))
print(sum(1 for t in tids if t not in masks or set(masks[t].split()) != {"0"}))
PY
}

# LeakSanitizer cannot run under ptrace: the sanitizer build keeps ASan under strace, without leak checks.
for root in "$T" /; do
	name=$([ "$root" = / ] && echo "live host" || echo "600-IRQ tree")
	taskset -c 0,1 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 60 strace -f -qq -e trace=clone,clone3,sched_setaffinity -o "$LOG" \
		"$TR" audit --root "$root" --profile "$P" --format none >/dev/null 2>"$ERR"
	rc=$?
	[ "$rc" -le 1 ] && ok "$name: audit under strace exits $rc" || { not_ok "$name: audit exit $rc"; head -3 "$ERR"; }
	[ "$(unconfined)" = 0 ] && ok "$name: every thread allowed on housekeeping cpu 0 alone ($(threads) threads)" ||
		{ not_ok "$name: $(unconfined) of $(threads) threads allowed beyond cpu 0"; grep -E 'clone|sched_setaffinity' "$LOG" | cut -c1-120 | head -4; }
	if [ "$root" = "$T" ]; then
		[ "$(threads)" -ge 1 ] && ok "$name: the IRQ split thread ran (on cpu 0)" || not_ok "$name: no helper thread at all"
	fi
	# Allowed only the isolated cpu: no housekeeping cpu to use, so no thread.
	taskset -c 1 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 60 strace -f -qq -e trace=clone,clone3,sched_setaffinity -o "$LOG" \
		"$TR" audit --root "$root" --profile "$P" --format none >/dev/null 2>"$ERR"
	[ "$(threads)" = 0 ] && ok "$name: pinned to isolated cpu 1: single-threaded" ||
		{ not_ok "$name: $(threads) threads with no housekeeping cpu allowed"; grep clone "$LOG" | head -3; }
done

echo "confine: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
