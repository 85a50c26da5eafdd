# The app area from a configuration: the issue's YAML against the base fixture, errors, and every report format.
. "$(dirname "$0")/lib.sh"

BASE=(--root "$SRC/tests/fixtures/base" --profile "$SRC/tests/fixtures/profiles/base.ini")
YAML=$SRC/tests/fixtures/app/trading.yaml

expect_status 1 "the issue's YAML is not ready on the base fixture" "$TR" audit "${BASE[@]}" --app-config "$YAML" --only app
expect_grep "cores 4-5 not isolated" "app.lcores_isolated +lcores 2-7: worker lcore cpus 4-5 are not isolated" "$OUT"
expect_grep "cores on the far node" "app.lcores_node +lcores 2-7: cpus 4-7 are on a far NUMA node" "$OUT"
expect_grep "the absent device" "app.port_node +device 0000:04:00.0 is not on this host" "$OUT"
expect_grep "a core list that passes" 'fix: core_list: "0,2"' "$OUT"

# The suggested configuration passes the lcore checks.
D=$(mktmp)
sed 's/core_mask: "0xFC".*/core_list: "0,2"/; s/0000:04:00.0/0000:5e:00.0/' "$YAML" > "$D/fixed.yaml"
expect_status 0 "the suggested core list and a present port pass" "$TR" audit "${BASE[@]}" --app-config "$D/fixed.yaml" --only app
expect_status 0 "the same as an EAL line" "$TR" audit "${BASE[@]}" --only app.lcores_isolated,app.lcores_node,app.socket_mem \
	--app-eal "-l 0,2 -n 4 --socket-mem 1024,0 --huge-dir /dev/hugepages --file-prefix x --vdev net_null0"

# Bad input: exit 2, file, line and key named.
printf 'dpdk_config:\n  eal_arguments:\n    socket_mem: "4096,lots"\n' > "$D/bad.yaml"
expect_status 2 "a bad value: exit 2" "$TR" audit "${BASE[@]}" --app-config "$D/bad.yaml"
expect_grep "file:line:column and key named" "$D/bad.yaml:3:17: 'socket_mem'" "$ERR"
printf 'dpdk_config:\n  ports: [\n' > "$D/broken.yaml"
expect_status 2 "broken YAML: exit 2" "$TR" audit "${BASE[@]}" --app-config "$D/broken.yaml"
expect_grep "where the parse stopped" "$D/broken.yaml:3:1: not YAML" "$ERR"
expect_status 2 "a missing file: exit 2" "$TR" audit "${BASE[@]}" --app-config "$D/none.yaml"
expect_status 2 "--app-config and --app-eal together: exit 2" "$TR" audit "${BASE[@]}" --app-config "$YAML" --app-eal "-l 1"
expect_status 2 "a bad EAL value: exit 2" "$TR" audit "${BASE[@]}" --app-eal "-l 3-1"

# Without an application the area stays out of audit and report.
expect_status_in "0 1" "plain audit" "$TR" audit "${BASE[@]}" --format json
if grep -q '"area": "app"' "$OUT"; then not_ok "plain audit has no app rows"; else ok "plain audit has no app rows"; fi

# Every report format carries the new area.
mkdir -p "$D/prom"
expect_status_in "0 1" "report with --app-config" "$TR" report "${BASE[@]}" --app-config "$YAML" \
	--json "$D/r.json" --html "$D/r.html" --junit "$D/r.xml" --prom "$D/prom" --format none
n=$(json "$D/r.json" "len([c for c in d['audit']['checks'] if c['area']=='app'])" 2>/dev/null || echo 0)
[ "$n" = 13 ] && ok "report JSON: 13 app checks" || not_ok "report JSON: 13 app checks (got $n)"
expect_grep "HTML: the app area and its failure" "app\\.lcores_isolated" "$D/r.html"
expect_grep "JUnit: an app testcase" "app\\.port_node" "$D/r.xml"
expect_grep "Prometheus: app series" 'area="app"' "$D/prom/tickready.prom"
finish
