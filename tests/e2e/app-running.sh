# --app PID|auto on fixture trees: the running application found by pid or by what gives DPDK away (hugepage or EAL
# mappings, /dev/vfio held), its EAL arguments read from /proc/PID/cmdline, its threads from /proc/PID/task.
. "$(dirname "$0")/lib.sh"

PROF=(--profile "$SRC/tests/fixtures/profiles/base.ini")
T=$(mktmp)/tree
cp -a "$SRC/tests/fixtures/base" "$T"
# The base tree's dpdk-app (4243) maps /dev/hugepages/rtemap_0; here it gets the issue's EAL arguments.
printf 'dpdk-app\0-l\0002-7\0-n\0004\0--socket-mem\0004096,4096\0--huge-dir\0/dev/hugepages\0--file-prefix\0trade\0--\0--config\0/etc/trader.yaml\0' \
	> "$T/proc/4243/cmdline"

expect_status 1 "--app PID: the process's EAL arguments judged" "$TR" audit --root "$T" "${PROF[@]}" --app 4243 \
	--app-window 0 --only app --format json
expect_grep "cores 4-5 not isolated, from the command line" "lcores 2-7: worker lcore cpus 4-5 are not isolated" "$OUT"
expect_grep "cores 6-7 on the far node" "cpus 4-7 are on a far NUMA node" "$OUT"
expect_grep "the app's own arguments after -- are left out" "\"app.socket_mem\"" "$OUT"
src=$(json "$OUT" "[c['expected'] for c in d['checks'] if c['id']=='app.lcores_isolated'][0]")
expect_grep "its threads read: poll_core_shared judged" '"app.poll_core_shared"' "$OUT"
v=$(json "$OUT" "[c['verdict'] for c in d['checks'] if c['id']=='app.preempted'][0]")
[ "$v" = skip ] && ok "no rte-worker thread in 4243: app.preempted skips" || not_ok "app.preempted skips (got $v; $src)"
v=$(json "$OUT" "[c['verdict'] for c in d['checks'] if c['id']=='app.rx_nombuf'][0]")
[ "$v" = skip ] && ok "a tree has no telemetry socket: the port counters skip" || not_ok "port counters skip in a tree (got $v)"

expect_status 1 "--app auto finds the one process mapping hugepages" "$TR" audit --root "$T" "${PROF[@]}" --app auto \
	--app-window 0 --only app
expect_grep "auto: the same findings" "worker lcore cpus 4-5 are not isolated" "$OUT"

# A second DPDK process, found by the vfio group it holds: auto cannot choose.
mkdir -p "$T/proc/5160/fd" "$T/proc/5160/task/5160"
cp "$T/proc/4243/task/4243/status" "$T/proc/5160/task/5160/status"
ln -s /dev/vfio/12 "$T/proc/5160/fd/7"
printf 'fwd\0-l\0000,2\0' > "$T/proc/5160/cmdline"
expect_status 2 "--app auto with two DPDK processes: exit 2" "$TR" audit --root "$T" "${PROF[@]}" --app auto --app-window 0
expect_grep "both named, with what gave each away" "2 DPDK applications run: 4243 \\(hugepage.*\\), 5160 \\(a /dev/vfio device held open" "$ERR"
expect_status 0 "--app 5160: the vfio holder judged by pid" "$TR" audit --root "$T" "${PROF[@]}" --app 5160 --app-window 0 \
	--only app.lcores_isolated
expect_grep "its lcores from the command line" "lcores 0,2: workers on isolated cpus" "$OUT"
rm -rf "$T/proc/5160"

# A command line that is not EAL's (the app builds its arguments itself) and no telemetry: said, exit 2.
printf 'trader\0--config\0/etc/trader.yaml\0' > "$T/proc/4243/cmdline"
expect_status 2 "a command line without EAL arguments: exit 2" "$TR" audit --root "$T" "${PROF[@]}" --app 4243 --app-window 0
expect_grep "the word and the way out named" "unexpected word '/etc/trader.yaml'.*give them with --app-eal or \\[app\\] eal" "$ERR"
expect_status 1 "... and --app-eal gives them" "$TR" audit --root "$T" "${PROF[@]}" --app 4243 --app-eal "-l 2-7" \
	--app-window 0 --only app.lcores_isolated

expect_status 2 "--app of a process that is not there: exit 2" "$TR" audit --root "$T" "${PROF[@]}" --app 99999
expect_grep "the missing process named" "no process 99999 \\('/proc/99999' is absent\\)" "$ERR"
expect_status 2 "--app with --app-pid: exit 2" "$TR" audit --root "$T" "${PROF[@]}" --app 4243 --app-pid 4243
expect_status 2 "--app with a bad value: exit 2" "$TR" audit --root "$T" "${PROF[@]}" --app 12x
expect_grep "the bad value named" "invalid --app '12x'" "$ERR"

# No DPDK process at all: auto skips the app area, saying why.
rm -f "$T/proc/4243/maps"
expect_status 0 "--app auto with no DPDK process: the app checks skip" "$TR" audit --root "$T" "${PROF[@]}" --app auto --only app
expect_grep "why they skip" "SKIP +app.lcores_isolated +--app auto found no running DPDK application" "$OUT"
finish
