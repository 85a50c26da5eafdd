# A real DPDK application audited while it runs: dpdk-testpmd on a net_null vdev (--no-pci: eth0 is never probed),
# on hugepages reserved and mounted here, read through its telemetry socket; then stopped and everything restored.
# Touches the host's hugepages: run under `flock /tmp/tickready-live.lock`.
. "$(dirname "$0")/lib.sh"

TESTPMD=$(command -v dpdk-testpmd || true)
if [ "$(id -u)" != 0 ] || [ -z "$TESTPMD" ]; then echo "skip: needs root and dpdk-testpmd"; exit 0; fi

NR=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
OLD_NR=$(cat $NR)
PREFIX=trtest$$
RUNDIR=/var/run/dpdk/$PREFIX
SOCK=$RUNDIR/dpdk_telemetry.v2
HUGE=$(mktmp)
PMD=
restore() {
	exec 8>&- 2>/dev/null
	if [ -n "$PMD" ] && kill -0 "$PMD" 2>/dev/null; then kill "$PMD"; wait "$PMD" 2>/dev/null; fi
	mountpoint -q "$HUGE" && { rm -f "$HUGE"/${PREFIX}map_*; umount "$HUGE"; }
	rm -rf "$RUNDIR"
	echo "$OLD_NR" > $NR
	cleanup_tmps
}
trap restore EXIT

# 64 pages of 2 MB beside whatever the host holds; testpmd takes 96 MB of them.
echo $((OLD_NR + 64)) > $NR
mount -t hugetlbfs -o pagesize=2M nodev "$HUGE"
# Non-interactive testpmd forwards until its stdin ends: a FIFO held open here (fd 8), closed to stop it.
LOG=$TMPROOT/testpmd.log
FIFO=$TMPROOT/stdin
mkfifo "$FIFO"
"$TESTPMD" --no-pci --vdev net_null0 -l 0-1 --file-prefix "$PREFIX" --huge-dir "$HUGE" -m 96 \
	-- --total-num-mbufs 2048 --forward-mode=rxonly <"$FIFO" >"$LOG" 2>&1 &
PMD=$!
exec 8>"$FIFO"
for _ in $(seq 300); do [ -S "$SOCK" ] && grep -q 'Press enter to exit' "$LOG" && break; sleep 0.1; done
if [ ! -S "$SOCK" ] || [ -z "$PMD" ]; then not_ok "testpmd started with telemetry at $SOCK"; sed 's/^/    /' "$LOG" | tail -5; finish; exit; fi
ok "testpmd $PMD started, telemetry at $SOCK"

J=$TMPROOT/app.json
expect_status_in "0 1" "audit --app-telemetry reads the running app" \
	"$TR" audit --only app --app-telemetry "$SOCK" --app-window 0.5 --format json
cp "$OUT" "$J"
verdict() { json "$J" "[c['verdict'] for c in d['checks'] if c['id']=='$1'][0]"; }
for id in app.rx_nombuf app.imissed app.poll_core_shared app.preempted; do
	v=$(verdict $id)
	case "$v" in pass|fail|warn) ok "$id judged ($v)" ;; *) not_ok "$id judged (got '$v')"; head -c 600 "$J" ;; esac
done
expect_grep "the null port is read through /ethdev/stats" "port 0 \\(net_null0\\): rx_nombuf [0-9]+" "$J"
expect_grep "the polling thread is found by name" "rte-worker-1 \\(tid [0-9]+\\) on cpu 1" "$J"
# Telemetry's own figures for the same port, read the way dpdk-telemetry.py does (one command per message).
python3 - "$SOCK" >"$TMPROOT/stats" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(sys.argv[1]); s.recv(16384)
s.send(b"/ethdev/stats,0"); st = json.loads(s.recv(16384))["/ethdev/stats"]
print(st["rx_nombuf"], st["imissed"])
PY
read -r nombuf imissed < "$TMPROOT/stats"
expect_grep "rx_nombuf equals telemetry's ($nombuf)" "rx_nombuf $nombuf\\b" "$J"
expect_grep "imissed equals telemetry's ($imissed)" "imissed $imissed\\b" "$J"

# The same run with --app-pid alone: threads only, the port checks skip.
expect_status_in "0 1" "audit --app-pid reads the threads" "$TR" audit --only app --app-pid "$PMD" --app-window 0 --format json
expect_grep "--app-pid alone: ports skip" "no DPDK telemetry read" "$OUT"
expect_status 2 "--app-pid of another process than the socket's: exit 2" \
	"$TR" audit --only app --app-telemetry "$SOCK" --app-pid 1 --app-window 0
expect_grep "the mismatch is named" "belongs to process $PMD, not 1" "$ERR"
expect_status 2 "a socket path that is not a socket: exit 2" "$TR" audit --only app --app-telemetry "$LOG"
expect_grep "not a socket, said" "not a socket" "$ERR"
# --app PID: its EAL arguments from /proc/PID/cmdline, its telemetry socket found from its --file-prefix.
A=$TMPROOT/app-pid.json
expect_status_in "0 1" "audit --app PID reads the running app" "$TR" audit --only app --app "$PMD" --app-window 0.2 --format json
cp "$OUT" "$A"
expect_grep "--app PID: lcores 0-1 from its command line" '"observed": "lcores 0-1: ' "$A"
expect_grep "--app PID: huge_dir from its command line" "'$HUGE' is hugetlbfs, pagesize=2M" "$A"
expect_grep "--app PID: the port read through the socket it found" "port 0 \\(net_null0\\): rx_nombuf [0-9]+" "$A"
# --app auto: the one DPDK process here (this test holds the live lock) is testpmd, found by its socket.
expect_status_in "0 1" "audit --app auto finds testpmd" "$TR" audit --only app --app auto --app-window 0.2 --format json
for id in app.lcores_isolated app.huge_dir app.no_huge; do
	a=$(json "$A" "[c['observed'] for c in d['checks'] if c['id']=='$id'][0]")
	b=$(json "$OUT" "[c['observed'] for c in d['checks'] if c['id']=='$id'][0]")
	[ -n "$a" ] && [ "$a" = "$b" ] && ok "--app auto judges testpmd as --app PID does ($id)" || not_ok "--app auto = --app PID for $id ('$a' / '$b')"
done
tid=$(json "$OUT" "[c['observed'] for c in d['checks'] if c['id']=='app.poll_core_shared'][0]" | sed -n 's/.*(tid \([0-9]*\)).*/\1/p')
[ -n "$tid" ] && [ -d "/proc/$PMD/task/$tid" ] && ok "--app auto: the polling thread $tid is testpmd's" || not_ok "--app auto: polling thread of testpmd (tid '$tid')"

# Its mempools and heaps through the same socket: testpmd's pool on 2 MB pages; tickready's figures are
# telemetry's own for the same commands (read after the audit: the pool's size and the heap's size do not move).
M=$TMPROOT/mem.json
expect_status_in "0 1" "audit --app PID reads mempools and heaps" "$TR" audit --only app.mempool_live,app.heap_live \
	--app "$PMD" --app-window 0 --format json
cp "$OUT" "$M"
v=$(json "$M" "[c['verdict'] for c in d['checks'] if c['id']=='app.mempool_live'][0]")
[ "$v" = pass ] && ok "testpmd's mempool on hugepages passes" || { not_ok "app.mempool_live passes (got $v)"; head -c 800 "$M"; }
python3 - "$SOCK" >"$TMPROOT/mem" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(sys.argv[1]); s.recv(16384)
def q(c):
    s.send(c.encode()); return json.loads(s.recv(65536))[c.split(",")[0]]
pool = q("/mempool/list")[0]
m = q("/mempool/info," + pool)
h = q("/eal/heap_info,%d" % q("/eal/heap_list")[0])
print(pool, m["size"], m["elt_size"], m["mz_socket_id"], m["mz_hugepage_sz"] >> 20, h["Name"], h["Heap_size"] >> 20)
PY
read -r pool size elt sock pagemb hname hsize < "$TMPROOT/mem"
expect_grep "the pool's figures equal telemetry's ($pool $size x $elt on socket $sock, ${pagemb}M pages)" \
	"'$pool' $size x $elt B on socket $sock, ${pagemb}M pages" "$M"
expect_grep "the heap's size equals telemetry's ($hname $hsize MB)" "$hname: $hsize MB, " "$M"

# watch --app: testpmd's worker polls cpu 1, isolated here; its threads are the application's, never task
# events; its telemetry socket is found and read. Pinned to cpu 0, as watch pins itself.
WP=$TMPROOT/iso1.ini; printf '[cpu]\nisolated_cores = 1\nhousekeeping_cores = 0\n' >"$WP"
for how in "$PMD" auto; do
	expect_status_in "0 1" "watch --app $how over testpmd" "$TR" watch --profile "$WP" --app "$how" --interval 0.3 --count 3
	expect_grep "watch --app $how: testpmd and its telemetry socket named" "application $PMD \\(telemetry $SOCK\\); baseline taken" "$OUT"
	grep -E "task: thread [0-9]+ \\([^)]*\\) of pid $PMD " "$OUT" && not_ok "watch --app $how: a testpmd thread was a task event" ||
		ok "watch --app $how: no testpmd thread is a task event"
done

# It only read: the app is still there, still forwarding.
if kill -0 "$PMD" 2>/dev/null; then ok "testpmd still running after the audits"; else not_ok "testpmd still running"; fi

# Its stdin closed, testpmd stops forwarding and exits on its own.
exec 8>&-
for _ in $(seq 100); do kill -0 "$PMD" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PMD" 2>/dev/null && not_ok "testpmd exited when its stdin closed" || ok "testpmd exited when its stdin closed"
wait "$PMD" 2>/dev/null
PMD=

# Once more under --no-huge: its mempool sits on 4 KiB pages, which app.mempool_live fails.
"$TESTPMD" --no-pci --no-huge -m 64 --vdev net_null0 -l 0-1 --file-prefix "$PREFIX" \
	-- --total-num-mbufs 2048 --forward-mode=rxonly <"$FIFO" >"$LOG" 2>&1 &
PMD=$!
exec 8>"$FIFO"
for _ in $(seq 300); do [ -S "$SOCK" ] && grep -q 'Press enter to exit' "$LOG" && break; sleep 0.1; done
expect_status 1 "--no-huge testpmd: app.mempool_live fails" "$TR" audit --only app.mempool_live,app.no_huge --app "$PMD" \
	--app-window 0
expect_grep "the 4 KiB pages named" "on 4k pages \\(--no-huge" "$OUT"
expect_grep "--no-huge read from its command line" "FAIL +app.no_huge +--no-huge" "$OUT"
exec 8>&-
for _ in $(seq 100); do kill -0 "$PMD" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PMD" 2>/dev/null && not_ok "the --no-huge testpmd exited" || ok "the --no-huge testpmd exited"
wait "$PMD" 2>/dev/null
PMD=

# The bundled poller as the app (bench/app-audit-cost.sh's): --telemetry keeps EAL's socket, so --app PID reads
# it; its command line holds the poller's options, not EAL's, so its lcores come from telemetry's /eal/params.
# Stopped by SIGINT (exit 3), it still prints its document, with every loop gap in its percentiles.
POLLER=$(dirname "$TR")/tickready-poller
if [ -x "$POLLER" ]; then
	"$POLLER" --mode port --vdev net_null0 --cores 1 --duration 600 --telemetry -- --huge-dir "$HUGE" \
		--file-prefix "$PREFIX" >"$TMPROOT/poller.json" 2>"$TMPROOT/poller.err" &
	PMD=$!
	for _ in $(seq 300); do [ -S "$SOCK" ] && break; sleep 0.1; done
	[ -S "$SOCK" ] && ok "tickready-poller --telemetry opens $SOCK" || { not_ok "tickready-poller --telemetry opens $SOCK"; sed 's/^/    /' "$TMPROOT/poller.err" | tail -5; }
	P=$TMPROOT/poller-audit.json
	expect_status_in "0 1" "audit --app reads the running poller" "$TR" audit --only app --app "$PMD" --app-window 0 --format json
	cp "$OUT" "$P"
	expect_grep "the poller's port read through its socket" "port 0 \\(net_null0\\): rx_nombuf [0-9]+" "$P"
	expect_grep "its lcore from telemetry's /eal/params" '"observed": "lcores 1: ' "$P"
	kill -INT "$PMD"
	wait "$PMD"
	rc=$?
	PMD=
	[ "$rc" = 3 ] && ok "the poller stopped on SIGINT (exit 3)" || not_ok "the poller stopped on SIGINT (exit $rc, wanted 3)"
	v=$(json "$TMPROOT/poller.json" 'all(0 < c["gap_p50_ns"] <= c["gap_p99_ns"] <= c["gap_p999_ns"] <= c["max_gap_ns"] and c["loops"] > 0 for c in d["cores"])')
	[ "$v" = True ] && ok "its document has the loop-gap percentiles" || { not_ok "loop-gap percentiles (got '$v')"; head -c 600 "$TMPROOT/poller.json"; }
else
	echo "skip: no $POLLER (make all builds it)"
fi
restore; trap - EXIT
[ "$(cat $NR)" = "$OLD_NR" ] && ok "nr_hugepages back to $OLD_NR" || not_ok "nr_hugepages back to $OLD_NR ($(cat $NR))"
mountpoint -q "$HUGE" 2>/dev/null && not_ok "hugetlbfs unmounted" || ok "hugetlbfs unmounted"
[ -e "$RUNDIR" ] && not_ok "runtime dir $RUNDIR removed" || ok "runtime dir removed"
finish
