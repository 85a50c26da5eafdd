#!/usr/bin/env bash
# End-to-end: verify --mode pingpong --peer against a reflector started as an operator would on a peer host.
# The "peer" is a namespace whose veth end has no address (as a DPDK-owned NIC: only the reflector answers ARP);
# verify runs in a second namespace, so the test never touches the host's own interfaces. Structure, counts,
# refusals and cleanup are checked, never timing or which path is faster.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/verify-lib.sh

# 198.19.77.0/29: inside 198.18.0.0/15, apart from verify's own 198.18.0.0/30.
HUT_IP=198.19.77.1
PEER_IP=198.19.77.2
HNS=tickready-e2e-peer-$$-hut
PNS=tickready-e2e-peer-$$-peer
HIF=trpe$$h
PIF=trpe$$p
RPREFIX=tickready-e2e-peer-$$
PAGES=64
RPID=

stop_reflector() {
	[ -n "$RPID" ] || return 0
	kill -INT "$RPID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$RPID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$RPID" 2>/dev/null
	wait "$RPID" 2>/dev/null
	RPID=
}
teardown() {
	stop_reflector
	ip netns del "$HNS" 2>/dev/null
	ip netns del "$PNS" 2>/dev/null
	rm -rf /var/run/dpdk/"$RPREFIX"
	echo "$OLD_NR" > $NR
	cleanup_tmps
}
trap teardown EXIT
T=$(mktmp)
P2M="$T/p2m.ini"
printf '[profile]\nname = e2e-2m\ninclude = hft-balanced\n[memory]\nhugepage_size = 2M\n' > "$P2M"
HUT=(ip netns exec "$HNS")

# An ICMP echo from the host under test's namespace: the reflector answers ping for its address.
cat > "$T/icmp.py" <<'PY'
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); s.settimeout(0.5)
h = struct.pack('!BBHHH', 8, 0, 0, 0x7472, 1) + b'tickrdy!'
s.sendto(h[:2] + struct.pack('!H', csum(h)) + h[4:], (sys.argv[1], 0))
try:
    while True:
        d, a = s.recvfrom(2048); o = (d[0] & 15) * 4
        if a[0] == sys.argv[1] and d[o] == 0 and d[o + 4:o + 6] == b'\x74\x72' and csum(d[o:]) == 0: sys.exit(0)
except socket.timeout:
    sys.exit(1)
PY

ip netns add "$HNS" && ip netns add "$PNS" &&
	ip link add "$HIF" netns "$HNS" type veth peer name "$PIF" netns "$PNS" &&
	ip -n "$HNS" addr add "$HUT_IP/29" dev "$HIF" && ip -n "$HNS" link set "$HIF" up &&
	ip -n "$HNS" link set lo up && ip -n "$PNS" link set "$PIF" up || { not_ok "namespaces and veth pair"; finish; exit; }
PEER_MAC=$(ip -n "$PNS" -o link show "$PIF" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
echo $((OLD_NR + PAGES)) > $NR
RESERVED=$(cat $NR)

# The operator's command on the peer: its own address, until interrupted.
ip netns exec "$PNS" "$POLLER" --mode reflect --src-ip "$PEER_IP" --cores 0 --duration 0 --vdev "net_af_packet0,iface=$PIF" \
	-- --no-huge -m 256 --file-prefix "$RPREFIX" >"$T/refl.json" 2>"$T/refl.err" &
RPID=$!
KEEP_POLLER_PID=$RPID	# the operator's reflector runs on; leftovers checks no other poller does
for _ in $(seq 50); do "${HUT[@]}" python3 "$T/icmp.py" "$PEER_IP" && break; sleep 0.2; done
"${HUT[@]}" python3 "$T/icmp.py" "$PEER_IP" && ok "the reflector answers ping for --src-ip" || { not_ok "no ICMP echo from the reflector"; cat "$T/refl.err"; }

# Against the peer through the interface; the DPDK path's MAC learned from the kernel's ARP (which the reflector answered).
expect_status_in "0 1" "pingpong --peer" "${HUT[@]}" "$TR" verify --profile "$P2M" --mode pingpong --peer "$PEER_IP" --iface "$HIF" --duration 1 --format json
cp "$OUT" "$T/peer.json"
[ "$(json "$T/peer.json" '[s["name"] for s in d["streams"]]')" = "['kernel', 'kernel-busy-poll', 'dpdk']" ] && ok "one stream per path" || not_ok "streams: $(json "$T/peer.json" '[s["name"] for s in d["streams"]]')"
[ "$(json "$T/peer.json" "$COUNTS_OK and all(s['sent'] > 0 and s['latency_measured'] and s['p50_ns'] <= s['p90_ns'] <= s['p99_ns'] <= s['p999_ns'] <= s['max_ns'] for s in d['streams'])")" = True ] && ok "every path measured, counts add up" || not_ok "counts: $(json "$T/peer.json" '[(s["name"], s["sent"], s["received"], s["dropped"]) for s in d["streams"]]')"
P='d["pingpong"]'
[ "$(json "$T/peer.json" "$P['peer'] == '$PEER_IP' and $P['source'] == '$HUT_IP' and $P['iface'] == '$HIF' and $P['peer_mac'] == '$PEER_MAC' and 'ARP' in $P['peer_mac_from'] and $P['dpdk_device'] == 'net_af_packet0,iface=$HIF'")" = True ] && ok "peer, source, interface, the reflector's MAC by ARP" || not_ok "pingpong: $(json "$T/peer.json" "$P")"
[ "$(json "$T/peer.json" 'all(s["cpu"] and s["cpu"][0]["role"] == "pinger" and all(c["role"] in ("pinger", "housekeeping") and 0 <= c["user_pct"] + c["system_pct"] + c["softirq_pct"] <= 100.5 for c in s["cpu"]) for s in d["streams"])')" = True ] && ok "local cpu use per path, no reflector cpu" || not_ok "cpu: $(json "$T/peer.json" '[s["cpu"] for s in d["streams"]]')"
[ "$(json "$T/peer.json" "sorted(d['ratios']) == ['busy_poll_over_dpdk', 'kernel_over_dpdk'] and d['bypass_path']['software_only'] and any('not measured here' in n for n in d['notes'])")" = True ] && ok "ratios, software-only label, the peer's cpu said unmeasured" || not_ok "doc: $(json "$T/peer.json" '(d["ratios"], d["bypass_path"], d["notes"])')"
[ "$(json "$T/peer.json" "$VERDICT_OK and [t['name'] for t in d['targets']] == ['kernel_vs_bypass.min_p99_gain', 'pingpong.p999_ns', 'pingpong.max_ns', 'max_drop_ppm[kernel]', 'max_drop_ppm[kernel-busy-poll]', 'max_drop_ppm[dpdk]']")" = True ] && ok "gain and drop targets judged" || not_ok "targets: $(json "$T/peer.json" 'd["targets"]')"
ip -n "$HNS" -o link show "$HIF" | grep -q PROMISC && not_ok "the interface was left promiscuous" || ok "the interface is not promiscuous"
leftovers "--peer" "$RESERVED"

# Port 9000 taken on this host (a service of its own): the kernel paths cannot bind it, exit 2 naming it;
# --udp-port moves the pings (the reflector echoes any port).
"${HUT[@]}" python3 -c "import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('$HUT_IP', 9000)); time.sleep(60)" &
HOLDER=$!
for _ in $(seq 600); do "${HUT[@]}" ss -Hlun | grep -q "$HUT_IP:9000 " && break; sleep 0.05; done
expect_status 2 "port 9000 taken here: exit 2" "${HUT[@]}" "$TR" verify --profile "$P2M" --mode pingpong --peer "$PEER_IP" --iface "$HIF" --duration 0.5
expect_grep "port 9000 taken here: names the address and port" "cannot ping $PEER_IP from $HUT_IP:9000 on '$HIF': Address already in use \\(something here holds that port: --udp-port PORT picks another\\)" "$ERR"
leftovers "port taken" "$RESERVED"
expect_status_in "0 1" "--udp-port 9117 around it" "${HUT[@]}" "$TR" verify --profile "$P2M" --mode pingpong --peer "$PEER_IP" --iface "$HIF" --udp-port 9117 --duration 0.5 --format json
cp "$OUT" "$T/port.json"
[ "$(json "$T/port.json" "d['pingpong']['udp_port'] == 9117 and $COUNTS_OK and all(s['received'] > 0 for s in d['streams'])")" = True ] && ok "--udp-port: every path pinged on 9117" || not_ok "--udp-port: $(json "$T/port.json" '(d["pingpong"]["udp_port"], [(s["name"], s["sent"], s["received"]) for s in d["streams"]])')"
kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null
leftovers "--udp-port" "$RESERVED"

# Text, with the MAC given.
expect_status_in "0 1" "pingpong --peer --peer-mac, text" "${HUT[@]}" "$TR" verify --profile "$P2M" --mode pingpong --peer "$PEER_IP" --iface "$HIF" --peer-mac "$PEER_MAC" --duration 0.5
expect_grep "header names the peer, interface and source" "^half round trip to peer $PEER_IP \\($PEER_MAC\\) through $HIF from $HUT_IP, DPDK on net_af_packet0,iface=$HIF, .*the peer's cpu is not measured here" "$OUT"
expect_grep "table header" '^path +P50 +P90 +P99 +P99\.9 +max +stdev +pings +lost +cpu usr/sys/softirq' "$OUT"
expect_grep "dpdk row" '^dpdk +[0-9.]+ [nmu]s' "$OUT"
expect_grep "ratio row" '^kernel / dpdk +[0-9.]+x' "$OUT"
expect_grep "verdict" '^verdict: (READY|NOT READY \(failed: .*\))' "$OUT"
leftovers "--peer text" "$RESERVED"

# The reflector, stopped as an operator would: exit 3 (interrupted), its document counts every echo the pingers got.
R=$RPID
stop_reflector
wait "$R" 2>/dev/null
[ "$(json "$T/refl.json" 'd["mode"] == "reflect" and d["interrupted"]')" = True ] && ok "the reflector's document on SIGINT" || not_ok "reflector document: $(head -c 300 "$T/refl.json")"
GOT=$(python3 -c 'import json,sys; print(sum(s["received"] - s["duplicated"] for f in sys.argv[1:] for s in json.load(open(f))["streams"]))' "$T/peer.json")
[ "$(json "$T/refl.json" "d['streams'][0]['received'] >= $GOT")" = True ] && ok "the reflector echoed at least what the pingers received" || not_ok "reflector received $(json "$T/refl.json" 'd["streams"][0]["received"]') < $GOT"

# The reflector stopped: a bounded probe, then exit 2 saying what to start there.
S=$SECONDS
expect_status 2 "reflector gone: exit 2" "${HUT[@]}" "$TR" verify --profile "$P2M" --mode pingpong --peer "$PEER_IP" --iface "$HIF" --duration 1
expect_grep "says no echo came and what to start there" "peer $PEER_IP (is unreachable on|echoed no stamped UDP to port 9000 through) '$HIF'.*--mode reflect --src-ip $PEER_IP" "$ERR"
[ $((SECONDS - S)) -lt 30 ] && ok "gives up in bounded time ($((SECONDS - S)) s)" || not_ok "took $((SECONDS - S)) s"
leftovers "reflector gone" "$RESERVED"
# An address nothing answers for: no ARP reply either.
expect_status 2 "unreachable peer: exit 2" "${HUT[@]}" "$TR" verify --profile "$P2M" --mode pingpong --peer 198.19.77.3 --iface "$HIF" --duration 1
expect_grep "says the peer is unreachable" "peer 198.19.77.3 is unreachable on '$HIF': no ARP reply and no echo within 3 s" "$ERR"
leftovers "unreachable" "$RESERVED"
# A kernel that answers ARP but no reflector: said apart.
ip -n "$PNS" addr add "$PEER_IP/29" dev "$PIF"
expect_status 2 "ARP but no echo: exit 2" "${HUT[@]}" "$TR" verify --profile "$P2M" --mode pingpong --peer "$PEER_IP" --iface "$HIF" --duration 1
expect_grep "says the kernel knows the MAC but nothing echoed" "peer $PEER_IP echoed no stamped UDP to port 9000 through '$HIF' within 3 s \\(the kernel knows its MAC, $PEER_MAC" "$ERR"
ip -n "$PNS" addr del "$PEER_IP/29" dev "$PIF"
leftovers "no echo" "$RESERVED"

# Bad input: exit 2 naming the value, before anything is touched.
bad() { # bad DESC PATTERN ARGS...
	local desc=$1 pat=$2; shift 2
	expect_status 2 "$desc: exit 2" "${HUT[@]}" "$TR" verify --profile "$P2M" --mode pingpong --duration 1 "$@"
	expect_grep "$desc: names the value" "$pat" "$ERR"
}
bad "not an address" "invalid --peer '198.19.77.300'" --peer 198.19.77.300 --iface "$HIF"
bad "multicast peer" "invalid --peer '239.1.1.1' \\(not a unicast" --peer 239.1.1.1 --iface "$HIF"
bad "off the subnet" "--peer '198.19.78.9' is not on the subnet of '$HIF' \\($HUT_IP/29\\)" --peer 198.19.78.9 --iface "$HIF"
bad "own address" "--peer '$HUT_IP' is an address of '$HIF'" --peer "$HUT_IP" --iface "$HIF"
bad "unknown interface" "no interface 'trpe-nosuch'" --peer "$PEER_IP" --iface trpe-nosuch
bad "no --iface" "--peer needs --iface IF" --peer "$PEER_IP"
bad "bad MAC" "invalid --peer-mac '02:00:00:00:00'" --peer "$PEER_IP" --iface "$HIF" --peer-mac 02:00:00:00:00
bad "broadcast MAC" "invalid --peer-mac 'ff:ff:ff:ff:ff:ff'" --peer "$PEER_IP" --iface "$HIF" --peer-mac ff:ff:ff:ff:ff:ff
bad "port 0" "invalid --udp-port '0'" --peer "$PEER_IP" --iface "$HIF" --udp-port 0
bad "port 65536" "invalid --udp-port '65536'" --peer "$PEER_IP" --iface "$HIF" --udp-port 65536
bad "port not a number" "invalid --udp-port '9k'" --peer "$PEER_IP" --iface "$HIF" --udp-port 9k
bad "--udp-port without --peer" "--udp-port only applies with --peer" --udp-port 9117
expect_status 2 "--peer outside pingpong: exit 2" "$TR" verify --profile "$P2M" --mode loopback --peer "$PEER_IP" --iface "$HIF"
expect_grep "--peer outside pingpong: said" "--peer only applies to --mode pingpong" "$ERR"
ip -n "$HNS" link set "$HIF" down
bad "interface down" "interface '$HIF' is down" --peer "$PEER_IP" --iface "$HIF"
ip -n "$HNS" link set "$HIF" up
# The management interface (this host's default route) is refused by name; nothing is sent through it.
MGMT=$(ip -o route show default 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit }}')
if [ -n "$MGMT" ]; then
	expect_status 2 "the management interface is refused" "$TR" verify --profile "$P2M" --mode pingpong --peer 198.19.77.2 --iface "$MGMT" --duration 1
	expect_grep "names it and why" "refusing '$MGMT': it is on the management path \\(default route\\)" "$ERR"
else
	echo "ok - SKIP the management interface: no default route here"
fi
leftovers "bad input" "$RESERVED"

finish
