#!/usr/bin/env bash
# End-to-end: tickready watch on a fixture tree changed under it, and on the live host with cpu 1 isolated
# (a busy thread pinned there and a THP toggle, restored). Live part: run under flock /tmp/tickready-live.lock.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
FX=$SRC/tests/fixtures
W=$(mktmp) WPID= BUSY= THP=/sys/kernel/mm/transparent_hugepage/enabled THP_WAS=
stop_all() {
	[ -n "$BUSY" ] && kill "$BUSY" 2>/dev/null
	[ -n "$WPID" ] && kill "$WPID" 2>/dev/null
	[ -n "$THP_WAS" ] && echo "$THP_WAS" >"$THP"
	cleanup_tmps
}
trap stop_all EXIT
# wait_for PATTERN FILE: polls (bounded, 20 s) until FILE has a line matching PATTERN.
wait_for() { for _ in $(seq 200); do grep -qE -- "$1" "$2" && return 0; sleep 0.1; done; return 1; }

expect_status 2 "--interval 0 is a usage error" "$TR" watch --interval 0
expect_grep "names the value" "invalid --interval '0'" "$ERR"
expect_status 2 "--count 0 is a usage error" "$TR" watch --count 0
expect_status 2 "unknown format" "$TR" watch --format xml
expect_status 0 "--help" "$TR" watch --help
expect_grep "help lists --prometheus" "--prometheus FILE" "$OUT"

# A fixture tree: IRQ 24 moved onto isolated cpu 2, THP switched on and UDP drops while watching.
T=$(mktmp); cp -a "$FX/base/." "$T/"
mkdir -p "$T/sys/kernel/mm/transparent_hugepage"; echo 'always madvise [never]' >"$T/sys/kernel/mm/transparent_hugepage/enabled"
echo 0-1 >"$T/proc/irq/24/smp_affinity_list"
mkdir -p "$T/proc/net"; printf 'Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors\nUdp: 1 0 0 1 0\n' >"$T/proc/net/snmp"
"$TR" watch --root "$T" --profile "$FX/profiles/base.ini" --interval 0.2 --duration 60 >"$W/fx.out" 2>"$W/fx.err" &
WPID=$!
wait_for 'baseline taken' "$W/fx.out" && ok "fixture: baseline" || not_ok "fixture: no baseline line"
echo 0-2 >"$T/proc/irq/24/smp_affinity_list"
echo 'always [madvise] never' >"$T/sys/kernel/mm/transparent_hugepage/enabled"
printf 'Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors\nUdp: 1 0 0 1 4\n' >"$T/proc/net/snmp"
wait_for "^[0-9T:-]+Z cpu 2 irq-affinity: irq 24 .*'0-1' -> '0-2'" "$W/fx.out" && ok "fixture: IRQ 24 moving onto cpu 2 is an event" || not_ok "fixture: no IRQ move"
wait_for "host switch: THP .*'never' -> 'madvise'.*fix: echo never" "$W/fx.out" && ok "fixture: THP switch named with its fix" || not_ok "fixture: no THP event"
wait_for "host counter: udp-rcvbuf-errors: \+4 \(4 since boot\); cause: UDP datagrams dropped.*fix: read faster" "$W/fx.out" &&
	ok "fixture: UDP receive-buffer errors growing is an event" || not_ok "fixture: no counter event"
kill -INT "$WPID"; wait "$WPID"; rc=$?; WPID=
[ "$rc" = 1 ] && ok "fixture: SIGINT ends it, exit 1 (events)" || not_ok "fixture: exit $rc"; cat "$W/fx.err" | head -3
expect_grep "fixture: summary table" '^summary: [0-9]+ events' "$W/fx.out"

# Nothing changes: exit 0 after --count.
expect_status 0 "fixture unchanged: --count 2 exits 0" "$TR" watch --root "$T" --profile "$FX/profiles/base.ini" --interval 0.1 --count 2 --format json
[ "$(tail -1 "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["events"])')" = 0 ] && ok "json summary: 0 events" || not_ok "json summary"

# --app on a fixture tree: process 5000's threads are the application's. A worker started on isolated cpu 3
# is no task event; its context switches on cpu 2 are; a tree has no telemetry socket: threads only.
A=$(mktmp); cp -a "$FX/base/." "$A/"
app_task() { # app_task TID COMM UTIME CPU VOLUNTARY INVOLUNTARY
	mkdir -p "$A/proc/5000/task/$1"
	echo "$1 ($2) R 1 5000 5000 0 -1 0 10 0 0 0 $3 5 0 0 20 0 3 0 1000 1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 $4 0 0 0 0 0" >"$A/proc/5000/task/$1/stat"
	printf 'Name:\t%s\nCpus_allowed_list:\t0-7\nvoluntary_ctxt_switches:\t%s\nnonvoluntary_ctxt_switches:\t%s\n' "$2" "$5" "$6" >"$A/proc/5000/task/$1/status"
}
app_task 5000 trader 10 0 40 1; app_task 5001 rte-worker-2 500 2 2 0
expect_status 2 "--app of a process the tree lacks: exit 2" "$TR" watch --root "$A" --profile "$FX/profiles/base.ini" --app 5999 --count 1
expect_grep "names the process" "no process 5999" "$ERR"
expect_status 2 "--app garbage: exit 2" "$TR" watch --root "$A" --profile "$FX/profiles/base.ini" --app 12x
"$TR" watch --root "$A" --profile "$FX/profiles/base.ini" --app 5000 --interval 0.2 --duration 60 >"$W/app.out" 2>"$W/app.err" &
WPID=$!
wait_for 'application 5000 \(no telemetry: threads only\); baseline taken' "$W/app.out" && ok "--app: the start line names the app" || not_ok "--app: no start line"
app_task 5002 rte-worker-3 1 3 0 0
app_task 5001 rte-worker-2 600 2 2 4
wait_for "cpu 2 app-switch: thread 5001 \(rte-worker-2\) of the application switched out on cpu 2: 4 involuntary, 0 voluntary; cause: preempted" "$W/app.out" &&
	ok "--app: the worker's switches on cpu 2 are an event" || not_ok "--app: no app-switch event"
kill -INT "$WPID"; wait "$WPID"; WPID=
grep -q "task: thread 500[0-2]" "$W/app.out" && not_ok "--app: an app thread was a task event" || ok "--app: the app's new worker on cpu 3 is no task event"

# --until: bad values named, exit 2; not with --duration.
expect_status 2 "--until 24:00 is a usage error" "$TR" watch --root "$T" --profile "$FX/profiles/base.ini" --until 24:00
expect_grep "names the value" "invalid --until '24:00'" "$ERR"
expect_status 2 "--until 9h30 is a usage error" "$TR" watch --root "$T" --profile "$FX/profiles/base.ini" --until 9h30
expect_status 2 "--until with --duration is refused" "$TR" watch --root "$T" --profile "$FX/profiles/base.ini" --until 12:00 --duration 5
# It stops at HH:MM: a zone whose clock reads :55 now (POSIX TZ offsets take seconds) puts the next minute
# about 5 s away, so nothing waits for the real clock; expect_status bounds the run at 60 s.
read -r zone until < <(python3 -c '
import time
t = time.time(); off = (55 - int(t) % 60) % 60; local = time.gmtime(t + off + 60)
print("WCH-0:00:%02d" % off, "%02d:%02d" % (local.tm_hour, local.tm_min))')
expect_status 0 "--until $until ($zone) ends the watch, exit 0" env TZ="$zone" "$TR" watch --root "$T" --profile "$FX/profiles/base.ini" --interval 0.5 --until "$until"
expect_grep "start line names the time" "until $until local time; baseline taken" "$OUT"
expect_grep "summary at the end" '^summary: 0 events' "$OUT"

# Live: cpu 1 isolated. Pinned to cpu 1 only, no housekeeping cpu is allowed: refused.
[ "$(nproc)" -ge 2 ] || { echo "skip live: one cpu"; echo "watch: $PASSED passed, $FAILED failed"; [ "$FAILED" = 0 ]; exit; }
P=$W/iso1.ini; printf '[cpu]\nisolated_cores = 1\nhousekeeping_cores = 0\n' >"$P"
expect_status 2 "live: no housekeeping cpu allowed is refused" taskset -c 1 "$TR" watch --profile "$P" --count 1
expect_grep "says to run it on one" "none of the profile's housekeeping cpus \(0\)" "$ERR"

"$TR" watch --profile "$P" --interval 0.5 --duration 60 --format json --prometheus "$W/watch.prom" >"$W/live.out" 2>"$W/live.err" &
WPID=$!
for _ in $(seq 200); do [ -s "$W/watch.prom" ] && break; sleep 0.1; done
allowed=$(sed -n 's/^Cpus_allowed_list:\s*//p' /proc/$WPID/status)
[ "$allowed" = 0 ] && ok "live: watch pinned itself to housekeeping cpu 0" || not_ok "live: watch allowed on '$allowed'"
taskset -c 1 sh -c 'while :; do :; done' &
BUSY=$!
wait_for "\"pid\":$BUSY,\"comm\":\"sh\"" "$W/live.out" && ok "live: the busy thread on cpu 1 reported with pid $BUSY and comm" ||
	{ not_ok "live: busy pid $BUSY not reported"; tail -3 "$W/live.out"; }
grep "\"pid\":$BUSY," "$W/live.out" | head -1 | python3 -c 'import json,sys; e=json.load(sys.stdin); assert e["cpu"]==1 and e["kind"]=="task" and "taskset -apc 0" in e["fix"], e' &&
	ok "live: event on cpu 1, kind task, fix names taskset" || not_ok "live: event fields"
kill "$BUSY"; BUSY=
if [ -w "$THP" ]; then
	THP_WAS=$(sed 's/.*\[\(.*\)\].*/\1/' "$THP")
	other=$([ "$THP_WAS" = never ] && echo madvise || echo never)
	echo "$other" >"$THP"
	wait_for "\"kind\":\"switch\".*'$THP_WAS' -> '$other'" "$W/live.out" && ok "live: THP toggle reported" || not_ok "live: no THP event"
	echo "$THP_WAS" >"$THP"; THP_WAS=
fi
for f in /proc/$WPID/task/*/status; do sed -n 's/^Cpus_allowed_list:\s*//p' "$f"; done | sort -u >"$W/task-cpus"
[ "$(cat "$W/task-cpus")" = 0 ] && ok "live: every thread of watch allowed on cpu 0 only" || not_ok "live: watch threads on $(tr '\n' ' ' <"$W/task-cpus")"
kill -TERM "$WPID"; wait "$WPID"; rc=$?; WPID=
[ "$rc" = 1 ] && ok "live: SIGTERM ends it, exit 1" || { not_ok "live: exit $rc"; head -3 "$W/live.err"; }
tail -1 "$W/live.out" | grep -q '"summary"' && ok "live: JSON summary last" || not_ok "live: no summary"
if command -v promtool >/dev/null; then
	promtool check metrics <"$W/watch.prom" >"$W/promtool.out" 2>&1 && ok "live: textfile passes promtool" || { not_ok "promtool"; head -3 "$W/promtool.out"; }
fi
grep -qE '^tickready_watch_events_total\{cpu="1",kind="task"\} [1-9]' "$W/watch.prom" && ok "live: textfile counts the task event on cpu 1" || not_ok "textfile counter"
ls "$W"/.watch.prom.* >/dev/null 2>&1 && not_ok "a temporary textfile left behind" || ok "no temporary textfile left"

echo "watch: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
