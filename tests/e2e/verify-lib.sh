# verify-lib.sh - what the verify e2e tests share: verdicts either way, count invariants, leftovers, a poller killed mid-run.
# Sourced right after lib.sh: skips unless the poller is built and we are root; the functions use TR, T, P2M, OUT and ERR.
POLLER=$PWD/$BUILD/tickready-poller
if [ ! -x "$POLLER" ]; then
	echo "SKIP: $POLLER not built"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: verify needs root"
	exit 0
fi

NR=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
OLD_NR=$(cat $NR)

# Every stream's counts add up: received <= sent + duplicated, dropped = sent - (received - duplicated).
COUNTS_OK='all(s["received"] <= s["sent"] + s["duplicated"] and s["dropped"] == s["sent"] - (s["received"] - s["duplicated"]) and s["foreign"] >= 0 for s in d["streams"])'
# ready is exactly "a target passed and none failed" (nothing judged is not ready), and a failed target is named in "failed".
VERDICT_OK='d["ready"] == (all(t["verdict"] != "fail" for t in d["targets"]) and any(t["verdict"] == "pass" for t in d["targets"])) and d["verdict"] == ("ready" if d["ready"] else "not-ready" if any(t["verdict"] == "fail" for t in d["targets"]) else "not-judged") and all(t["name"] in d["failed"] for t in d["targets"] if t["verdict"] == "fail")'

# Nothing left behind: no hugetlbfs mount or dir of ours, no DPDK runtime dir, no namespace, no poller (but
# KEEP_POLLER_PID, a reflector the test runs as an operator would), pool count as before.
leftovers() { # leftovers DESC WANT_NR
	local bad=""
	grep -q tickready-verify-huge /proc/mounts && bad="$bad mount"
	ls -d /tmp/tickready-verify-huge.* >/dev/null 2>&1 && bad="$bad huge-dir"
	ls -d /var/run/dpdk/tickready-verify-* >/dev/null 2>&1 && bad="$bad dpdk-rundir"
	ls /dev/hugepages 2>/dev/null | grep -q tickready-verify && bad="$bad dev-hugepages-files"
	ip netns list | grep -q tickready-verify && bad="$bad netns"
	[ "$(cat $NR)" = "$2" ] || bad="$bad nr_hugepages=$(cat $NR)"
	pgrep -x tickready-polle | grep -qvx "${KEEP_POLLER_PID:-none}" && bad="$bad poller"
	if [ -z "$bad" ]; then ok "$1: nothing left behind"; else not_ok "$1: left behind:$bad"; fi
}

# kill_poller DESC ARGS...: verify with ARGS, its poller SIGKILLed mid-run: exit 2, nothing left behind, the pool restored.
kill_poller() { # kill_poller DESC ARGS...
	local desc=$1 pid vpid rc i
	shift
	"$TR" verify --profile "$P2M" --reserve "$@" >"$T/kill.out" 2>"$T/kill.err" &
	vpid=$!
	pid=
	for i in $(seq 100); do
		pid=$(pgrep -P $vpid -x tickready-polle | head -1)
		[ -n "$pid" ] && grep -q "rte-worker\|eal-intr" /proc/"$pid"/task/*/comm 2>/dev/null && break
		pid=
		sleep 0.1
	done
	if [ -z "$pid" ]; then
		not_ok "$desc: no poller seen"
		kill $vpid
		wait $vpid
		return
	fi
	sleep 0.5
	kill -KILL "$pid"
	wait $vpid
	rc=$?
	[ $rc = 2 ] && ok "$desc: killed poller gives exit 2" || { not_ok "$desc: exit $rc"; cat "$T/kill.err"; }
	grep -q "killed by signal 9" "$T/kill.err" && ok "$desc: says the poller was killed" || not_ok "$desc: message"
	leftovers "$desc" "$OLD_NR"
}
