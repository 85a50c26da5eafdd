#!/usr/bin/env bash
# End-to-end: tickready verify --mode feeds (generator, kernel socket and DPDK receivers on a veth pair it builds) and
# the poller's rte_flow attempt on net_tap. Structure, count invariants and cleanup only: which path is faster is the VM's.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/verify-lib.sh
NS=trfeeds-$$
restore() {
	echo "$OLD_NR" > $NR
	ip netns del "$NS" 2>/dev/null
	rm -rf /var/run/dpdk/"$NS"
	cleanup_tmps
}
trap restore EXIT
T=$(mktmp)
P2M="$T/p2m.ini"
# 2 MB pages, drops allowed (a 2-vCPU VM at 200k msg/s loses packets): the verdict's logic is checked, not the VM.
printf '[profile]\nname = e2e-2m\ninclude = hft-balanced\n[memory]\nhugepage_size = 2M\n[targets]\nmax_drop_ppm = 1000000\n' > "$P2M"

expect_status 2 "an unknown scenario is a usage error" "$TR" verify --mode feeds --scenario bogus
expect_grep "names the scenarios" "unknown scenario 'bogus' \(single or multi\)" "$ERR"
expect_status 2 "--scenario without --mode feeds" "$TR" verify --scenario multi
expect_status 2 "the poller refuses a unicast group" "$POLLER" --mode gen --vdev net_null0 --groups 198.18.0.1

# Every feed's stream on both paths; a feed's sent is the generator's count on both; gaps never exceed drops.
FEEDS_OK='all(s["sent"] > 0 and s["gaps"] <= s["dropped"] and s["path"] in ("kernel", "dpdk") and s["name"] == s["path"] + "-feed%d" % s["feed"] for s in d["streams"]) and all(a["sent"] == b["sent"] and a["group"] == b["group"] for a, b in zip(d["streams"][0::2], d["streams"][1::2]))'
# The totals add the feeds up, per path, and carry the path's CPU time.
TOTALS_OK='[t["path"] for t in d["totals"]] == ["kernel", "dpdk"] and all(t["sent"] == sum(s["sent"] for s in d["streams"] if s["path"] == t["path"]) and t["received"] == sum(s["received"] for s in d["streams"] if s["path"] == t["path"]) and t["cpu_user_s"] >= 0 and t["cpu_system_s"] >= 0 for t in d["totals"])'
# Percentiles in order wherever latency was measured.
ORDER_OK='all(s["p50_ns"] <= s["p90_ns"] <= s["p99_ns"] <= s["p999_ns"] <= s["max_ns"] for s in d["streams"] + d["totals"] if s["latency_measured"])'
# net_af_packet has no rte_flow: the PMD's refusal is quoted, software filters; one-way figures flagged for PTP.
LABELS_OK='d["feeds"]["filter_in_nic"] is False and d["feeds"]["filter_why"].startswith("rule for 239.1.1.1:30001: ") and d["feeds"]["filter_in_software"] and d["bypass_path"]["software_only"] and "p99_ns" in d["feeds"]["needs_ptp_across_hosts"] and "dropped" not in d["feeds"]["needs_ptp_across_hosts"] and d["feeds"]["same_host_clock"]'

# No hugepages reserved beforehand: --reserve raises them for the run and restores the count.
expect_status_in "0 1" "feeds single, 1 s" "$TR" verify --profile "$P2M" --mode feeds --scenario single --duration 1 --reserve --format json
cp "$OUT" "$T/single.json"
[ "$(json "$T/single.json" '[s["name"] for s in d["streams"]]')" = "['kernel-feed0', 'dpdk-feed0']" ] && ok "single: one feed, both paths" || not_ok "single streams: $(json "$T/single.json" '[s["name"] for s in d["streams"]]')"
[ "$(json "$T/single.json" "$COUNTS_OK and $FEEDS_OK")" = True ] && ok "single: counts add up per feed per path" || not_ok "single counts: $(json "$T/single.json" '[(s["name"], s["sent"], s["received"], s["dropped"], s["gaps"]) for s in d["streams"]]')"
[ "$(json "$T/single.json" "$TOTALS_OK and $ORDER_OK")" = True ] && ok "single: totals and percentiles" || not_ok "single totals: $(json "$T/single.json" 'd["totals"]')"
[ "$(json "$T/single.json" "$LABELS_OK")" = True ] && ok "single: filter-in-NIC refusal, software-only and PTP labels" || not_ok "single labels: $(json "$T/single.json" 'd["feeds"]')"
[ "$(json "$T/single.json" "$VERDICT_OK and [t['name'] for t in d['targets']] == ['max_drop_ppm[kernel-feed0]', 'max_drop_ppm[dpdk-feed0]', 'feeds.p999_ns', 'feeds.max_ns', 'feeds.min_rate_pct']")" = True ] && ok "single: drops judged per feed per path, the DPDK path's tail and the rate reached" || not_ok "single targets: $(json "$T/single.json" 'd["targets"]')"
# The rate reached is the generator's count over its sending time against the scenario's 50k msg/s.
[ "$(json "$T/single.json" '[t for t in d["targets"] if t["name"] == "feeds.min_rate_pct"][0]["observed"] == 100.0 * [x for x in d["totals"] if x["path"] == "dpdk"][0]["sent"] / d["feeds"]["generator"]["seconds"] / 50000')" = True ] && ok "single: rate reached from the counts" || not_ok "single rate: $(json "$T/single.json" '[t for t in d["targets"] if t["name"] == "feeds.min_rate_pct"]')"
leftovers "feeds single" "$OLD_NR"
pgrep -x tickready-polle >/dev/null && not_ok "single: a poller still runs" || ok "single: no poller left running"

expect_status_in "0 1" "feeds multi, 1 s" "$TR" verify --profile "$P2M" --mode feeds --scenario multi --duration 1 --reserve --format json
cp "$OUT" "$T/multi.json"
[ "$(json "$T/multi.json" '[(s["path"], s["feed"], s["group"]) for s in d["streams"]] == [(p, f, "239.1.1.%d" % (f + 1)) for f in range(4) for p in ("kernel", "dpdk")]')" = True ] && ok "multi: four groups, both paths" || not_ok "multi streams: $(json "$T/multi.json" '[s["name"] for s in d["streams"]]')"
[ "$(json "$T/multi.json" "$COUNTS_OK and $FEEDS_OK and $TOTALS_OK and $ORDER_OK and $LABELS_OK")" = True ] && ok "multi: counts, totals, percentiles, labels" || not_ok "multi: $(json "$T/multi.json" '[(s["name"], s["sent"], s["received"], s["dropped"], s["gaps"]) for s in d["streams"]]')"
# Round robin over the feeds: their counts differ by at most one packet.
[ "$(json "$T/multi.json" 'max(s["sent"] for s in d["streams"]) - min(s["sent"] for s in d["streams"]) <= 1 and d["feeds"]["size_min"] == 100 and d["feeds"]["size_max"] == 500')" = True ] && ok "multi: the generator takes the feeds in turn" || not_ok "multi sent: $(json "$T/multi.json" '[s["sent"] for s in d["streams"]]')"
[ "$(json "$T/multi.json" "$VERDICT_OK and len(d['targets']) == 11")" = True ] && ok "multi: eight drop targets, the tail and the rate" || not_ok "multi targets"
leftovers "feeds multi" "$OLD_NR"

expect_status_in "0 1" "feeds multi text" "$TR" verify --profile "$P2M" --mode feeds --scenario multi --duration 1 --reserve
expect_grep "table header" '^path +feed +group +msg/s +P50 +P90 +P99 +P99\.9 +max +stdev +sent +received +dropped +gaps +reord +dup' "$OUT"
expect_grep "a row per feed per path" '^dpdk +3 +239\.1\.1\.4 ' "$OUT"
expect_grep "totals per path" '^kernel +all ' "$OUT"
expect_grep "filter in NIC line" '^filter in NIC: no \(why: rule for 239\.1\.1\.1:30001: .+\); the DPDK receiver filters in software' "$OUT"
expect_grep "software-only note" 'shows the code path, not the NIC' "$OUT"
expect_grep "PTP note" 'across hosts .* need PTP-synchronised clocks' "$OUT"
leftovers "feeds text" "$OLD_NR"

kill_poller "feeds" --mode feeds --scenario multi --duration 5

# rte_flow on net_tap: the PMD creates its tap in a namespace of ours. Whichever way the kernel decides (this VM's has
# no multiq qdisc, so net_tap refuses), the document says it and why; the receiver runs either way.
ip netns add "$NS"
timeout 60 ip netns exec "$NS" "$POLLER" --mode feeds --groups 239.1.1.1-2 --duration 0.5 --vdev "net_tap0,iface=trft$$" \
	-- --no-huge -m 512 --file-prefix "$NS" >"$T/tap.json" 2>"$T/tap.err"
rc=$?
[ $rc = 0 ] && ok "feeds receiver on net_tap ran (exit 0)" || { not_ok "net_tap receiver exit $rc"; sed 's/^/    /' "$T/tap.err" | tail -5; }
[ "$(json "$T/tap.json" '(d["filter_in_nic"] and d["filter_why"] == "2 steering rules and a catch-all drop") or (d["filter_in_nic"] is False and d["filter_why"].startswith("rule for 239.1.1.1:30001: ") and len(d["filter_why"]) > 28)')" = True ] && ok "net_tap: filter in NIC $(json "$T/tap.json" 'd["filter_in_nic"]') ($(json "$T/tap.json" 'd["filter_why"]'))" || not_ok "net_tap filter: $(head -c 400 "$T/tap.json")"
[ "$(json "$T/tap.json" '[s["group"] for s in d["streams"]] == ["239.1.1.1", "239.1.1.2"] and "total" in d')" = True ] && ok "net_tap: a stream per feed and the total" || not_ok "net_tap streams"
ip netns del "$NS"
ip netns list | grep -q "$NS" && not_ok "net_tap namespace left" || ok "net_tap namespace removed"

finish
