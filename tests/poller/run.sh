#!/bin/bash
# run.sh - unit and end-to-end tests of tickready-poller; usage: run.sh [BUILD_DIR]
set -u

BUILD=${1:-build}
BIN=$BUILD/tickready-poller
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK="python3 $HERE/check_json.py"
NR=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
PAGES=512
PREFIX=trpoll-$$
NS_A=trpoll-a-$$
NS_B=trpoll-b-$$
fails=0
OLD_NR=
HUGE=
TMP=
WRAP=()		# e.g. ip netns exec NS

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; fails=$((fails + 1)); }

# Removes what a (possibly SIGKILLed) DPDK process leaves behind.
dpdk_leftovers() {
	[ -n "$HUGE" ] && rm -f "$HUGE"/"$PREFIX"* 2>/dev/null
	rm -rf /var/run/dpdk/"$PREFIX"* 2>/dev/null
}

cleanup() {
	dpdk_leftovers
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	if [ -n "$HUGE" ]; then
		umount "$HUGE" 2>/dev/null
		rmdir "$HUGE" 2>/dev/null
	fi
	[ -n "$OLD_NR" ] && echo "$OLD_NR" > $NR
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run_units() {
	local t
	for t in "$BUILD"/poller/tests/test_*; do
		[ -x "$t" ] || continue
		if "$t" >"$TMP/unit.log" 2>&1; then
			pass "unit $(basename "$t")"
		else
			cat "$TMP/unit.log"
			fail "unit $(basename "$t")"
		fi
	done
}

setup_huge() {
	OLD_NR=$(cat $NR)
	echo $((OLD_NR + PAGES)) > $NR || return 1
	HUGE=$(mktemp -d /tmp/trpoll-huge.XXXXXX)
	mount -t hugetlbfs -o pagesize=2M none "$HUGE" || return 1
	EAL=(--huge-dir "$HUGE" --file-prefix "$PREFIX")
}

# run NAME EXPECTED_RC ARGS... ; JSON lands in $TMP/NAME.json
run() {
	local name=$1 want=$2 rc
	shift 2
	timeout 60 "${WRAP[@]}" "$BIN" "$@" >"$TMP/$name.json" 2>"$TMP/$name.err"
	rc=$?
	if [ $rc -ne "$want" ]; then
		cat "$TMP/$name.err"
		fail "$name: exit $rc, want $want"
		return 1
	fi
}

check() {
	local name=$1
	shift
	if $CHECK "$TMP/$name.json" "$@"; then
		pass "$name"
	else
		fail "$name"
	fi
}

test_loopback() {
	run loopback 0 --mode loopback --cores 0-1 --duration 2 -- "${EAL[@]}" &&
	check loopback 's["sent"] > 0' 's["received"] == s["sent"]' \
		's["latency_measured"]' 's["samples"] + s["negative_deltas"] == s["received"]' \
		'd["tsc_offset_measured"]' '[c["role"] for c in d["cores"]] == ["generator", "poller"]'
}

test_idle() {
	run idle 0 --mode idle --cores 1 --duration 2 -- "${EAL[@]}" &&
	check idle 'd["cores"][0]["cpu"] == 1' 'd["cores"][0]["max_gap_ns"] > 0' \
		'd["streams"] == []' 'd["interrupted"] is False'
}

# net_null fills every burst: the whole run is busy, full bursts counted at the next tick.
test_port_null() {
	run port_null 0 --mode port --vdev net_null0 --cores 1 --duration 1 -- "${EAL[@]}" &&
	check port_null 's["mpps"] > 0' 's["received"] == 0' 's["foreign"] > 0' \
		'not s["latency_measured"]' 's["sent"] == 0' 's["dropped"] == 0' \
		'0.99 <= d["cores"][0]["busy_ns"] / (d["duration_s"] * 1e9) <= 1.01'
}

# Every stamp class through the port path (raw TSC fast path, negative,
# UDP and raw non-TSC stamps, foreign and short frames), replayed by net_pcap.
test_port_pcap() {
	local want
	want=$(python3 "$HERE/stamp_pcap.py" "$TMP/stamps.pcap") || {
		fail "port_pcap: cannot write pcap"
		return
	}
	run port_pcap 0 --mode port --vdev "net_pcap0,rx_pcap=$TMP/stamps.pcap" \
		--cores 1 --duration 1 -- "${EAL[@]}" &&
	check port_pcap "all(s[k] == v for k, v in $want.items())"
}

test_usage_errors() {
	run offline 2 --mode idle --cores 4095 -- "${EAL[@]}" &&
		grep -q "not online" "$TMP/offline.err" && pass "offline core refused"
	run badopt 2 --mode nosuch && pass "bad mode refused"
	run help 0 --help && grep -q -- "--threshold-ns" "$TMP/help.json" && pass "help"
}

# Stamped UDP (CLOCK_REALTIME) over a veth pair between two private netns,
# received by the poller through net_af_packet.
test_port_veth() {
	local mac
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add trpa0 netns "$NS_A" type veth peer name trpb0 netns "$NS_B" || {
		fail "port_veth: cannot create netns/veth"
		return
	}
	ip -n "$NS_A" addr add 198.18.0.1/30 dev trpa0
	ip -n "$NS_A" link set trpa0 up
	ip -n "$NS_B" link set trpb0 up
	mac=$(ip -n "$NS_B" -o link show trpb0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
	ip -n "$NS_A" neigh add 198.18.0.2 lladdr "$mac" dev trpa0
	# The stamps leave once the poller's packet socket is open on trpb0 (its ring keeps them until the
	# loop polls): a condition, not a delay, so a slow start under load loses none.
	(for _ in $(seq 600); do
		[ "$(ip netns exec "$NS_B" cat /proc/net/packet | wc -l)" -gt 1 ] && break
		sleep 0.05
	done
	ip netns exec "$NS_A" python3 "$HERE/udp_stamp_send.py" 198.18.0.2 2000 2000) &
	WRAP=(ip netns exec "$NS_B")
	run port_veth 0 --mode port --vdev net_af_packet0,iface=trpb0 --cores 1 \
		--duration 8 -- --no-huge -m 256 --file-prefix "$PREFIX-veth" &&
	check port_veth 's["latency_measured"]' 's["samples"] >= 1900' \
		's["p50_ns"] > 0' 's["max_ns"] < 1000000000' 's["negative_deltas"] == 0'
	WRAP=()
	wait
	ip netns del "$NS_A"
	ip netns del "$NS_B"
}

# The reflector in one namespace, the pinger in the other: every ping answered, own frames not counted.
test_pingpong() {
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add trpa0 netns "$NS_A" address 02:00:c6:12:00:01 type veth peer name trpb0 netns "$NS_B" address 02:00:c6:12:00:02 || {
		fail "pingpong: cannot create netns/veth"
		return
	}
	ip -n "$NS_A" link set trpa0 up
	ip -n "$NS_B" link set trpb0 up
	ip netns exec "$NS_B" "$BIN" --mode reflect --vdev net_af_packet0,iface=trpb0 --cores 0 --duration 20 \
		-- --no-huge -m 256 --file-prefix "$PREFIX-refl" >"$TMP/reflect.json" 2>"$TMP/reflect.err" &
	local refl=$!
	sleep 2
	WRAP=(ip netns exec "$NS_A")
	run pingpong 0 --mode pingpong --vdev net_af_packet0,iface=trpa0 --cores 1 --duration 1 \
		--peer-mac 02:00:c6:12:00:02 --dst-ip 198.18.0.2 --src-ip 198.18.0.5 \
		-- --no-huge -m 256 --file-prefix "$PREFIX-ping" &&
	check pingpong 's["name"] == "pingpong"' 's["sent"] > 100' 's["received"] <= s["sent"] + s["duplicated"]' \
		's["dropped"] == s["sent"] - (s["received"] - s["duplicated"])' 's["latency_measured"]' \
		's["samples"] > 0' 's["p50_ns"] <= s["p99_ns"] <= s["max_ns"]'
	WRAP=()
	kill -INT $refl
	wait $refl
	if [ $? -eq 3 ]; then
		check reflect 's["name"] == "reflect"' 's["received"] > 100' 's["foreign"] >= 0' \
			'd["mode"] == "reflect"'
	else
		cat "$TMP/reflect.err"
		fail "reflect: want exit 3 after SIGINT"
	fi
	run pingpong_noip 2 --mode pingpong --vdev net_null0 --cores 1 -- --no-huge -m 256 &&
		grep -q "needs --dst-ip" "$TMP/pingpong_noip.err" && pass "pingpong without --dst-ip refused"
	ip netns del "$NS_A"
	ip netns del "$NS_B"
}

test_sigint() {
	local pid rc
	"$BIN" --mode loopback --cores 0-1 --duration 30 -- "${EAL[@]}" \
		>"$TMP/sigint.json" 2>"$TMP/sigint.err" &
	pid=$!
	sleep 2
	kill -INT $pid
	wait $pid
	rc=$?
	if [ $rc -eq 3 ]; then
		check sigint 'd["interrupted"] is True' 's["received"] == s["sent"]'
	else
		cat "$TMP/sigint.err"
		fail "sigint: exit $rc, want 3"
	fi
}

test_sigkill() {
	local pid i
	"$BIN" --mode idle --cores 1 --duration 30 -- "${EAL[@]}" \
		>/dev/null 2>"$TMP/sigkill.err" &
	pid=$!
	for i in $(seq 50); do
		ls "$HUGE" | grep -q . && break
		sleep 0.1
	done
	sleep 0.5
	kill -KILL $pid
	wait $pid 2>/dev/null
	ls "$HUGE" | grep -q . || echo "note: no hugepage files seen before kill"
	dpdk_leftovers
	if [ -z "$(ls -A "$HUGE")" ]; then
		pass "sigkill leaves no hugepage files after cleanup"
	else
		ls -l "$HUGE"
		fail "sigkill: files left in $HUGE"
	fi
}

main() {
	TMP=$(mktemp -d /tmp/trpoll-test.XXXXXX)
	run_units
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: DPDK tests need root"
	elif ! setup_huge; then
		fail "cannot reserve hugepages"
	else
		test_usage_errors
		test_loopback
		test_idle
		test_port_null
		test_port_pcap
		test_port_veth
		test_pingpong
		test_sigint
		test_sigkill
	fi
	echo "poller tests: $fails failure(s)"
	[ $fails -eq 0 ]
}

main
