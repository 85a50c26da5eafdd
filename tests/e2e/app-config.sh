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

# The profile names the application ([app] config, relative to the profile's directory, or [app] eal):
# a plain audit judges it, profile check reads it, the command line wins over it.
PROF=$SRC/tests/fixtures/profiles/base.ini
cp "$YAML" "$D/trading.yaml"
printf '[profile]\ninclude = %s\n[app]\nconfig = trading.yaml\n' "$PROF" > "$D/app.ini"
PB=(--root "$SRC/tests/fixtures/base" --profile "$D/app.ini")
expect_status 1 "[app] config: a plain audit judges the app" "$TR" audit "${PB[@]}" --format json
n=$(json "$OUT" "len([c for c in d['checks'] if c['area']=='app' and c['verdict']=='fail'])" 2>/dev/null || echo 0)
[ "$n" = 4 ] && ok "[app] config: the 4 app failures in a plain audit" || not_ok "[app] config: 4 app failures (got $n)"
expect_grep "[app] config: cores 4-5 named" "worker lcore cpus 4-5 are not isolated" "$OUT"
expect_status 0 "[app] config: profile check reads it" "$TR" profile check "$D/app.ini" --root "$SRC/tests/fixtures/base"
expect_grep "[app] config: profile check names it" "ok (.*app: $D/trading.yaml)" "$OUT"
expect_status 0 "the command line wins over [app] config" "$TR" audit "${PB[@]}" --app-config "$D/fixed.yaml" --only app
printf '[profile]\ninclude = %s\n[app]\neal = -l 0,${isolated_cores} -n 4 --socket-mem 1024,0\n' "$PROF" > "$D/eal.ini"
expect_status 0 "[app] eal with \${isolated_cores}: passes" "$TR" audit --root "$SRC/tests/fixtures/base" --profile "$D/eal.ini" \
	--only app.lcores_isolated,app.socket_mem
expect_grep "[app] eal: the expanded lcores judged" "lcores 0,2-3,6-7: workers on isolated cpus" "$OUT"
printf '[profile]\ninclude = %s\n[app]\neal = -l 3-1\n' "$PROF" > "$D/badeal.ini"
expect_status 2 "[app] eal bad: audit exits 2" "$TR" audit --root "$SRC/tests/fixtures/base" --profile "$D/badeal.ini"
expect_grep "[app] eal bad: file, line and key named" "$D/badeal.ini:4: \[app\] eal = '-l 3-1': " "$ERR"
expect_status 2 "[app] eal bad: profile check exits 2" "$TR" profile check "$D/badeal.ini" --root "$SRC/tests/fixtures/base"
expect_grep "[app] eal bad: profile check names it" "$D/badeal.ini:4: \[app\] eal" "$ERR"
printf '[profile]\ninclude = %s\n[app]\nconfig = none.yaml\n' "$PROF" > "$D/nofile.ini"
expect_status 2 "[app] config missing: profile check exits 2" "$TR" profile check "$D/nofile.ini" --root "$SRC/tests/fixtures/base"
expect_grep "[app] config missing: the path from the profile's directory" "$D/none.yaml" "$ERR"
printf '[profile]\ninclude = %s\n[app]\nconfig = trading.yaml\neal = -l 1\n' "$PROF" > "$D/both.ini"
expect_status 2 "[app] config and eal both: exit 2" "$TR" profile check "$D/both.ini" --root "$SRC/tests/fixtures/base"

# Each port's driver and limits (app.port_driver, app.port_queues) on a copy of the base tree: 0000:5e:00.0 on
# vfio-pci, 0000:3b:00.0 (ens1f0) on mlx5_core with rings up to 8192 and, here, 8 channels; 0000:18:00.0 is eno1,
# the default route.
T=$D/tree
cp -a "$SRC/tests/fixtures/base" "$T"
mkdir -p "$T/.tickready/netdev/ens1f0"
printf 'combined=4\ncombined_max=8\nrx_channels=0\ntx_channels=0\n' > "$T/.tickready/netdev/ens1f0/channels"
PT=(--root "$T" --profile "$PROF" --only app.port_driver,app.port_queues --app-config)
ports() { printf 'dpdk_config:\n  ports:\n'; for p in "$@"; do printf '    - %s\n' "$p"; done; }
ports '{device_id: "0000:5e:00.0", rx_queues: 2, tx_queues: 2, ring_descriptor_size: 1024}' \
	'{device_id: "0000:3b:00.0", rx_queues: 8, tx_queues: 8, ring_descriptor_size: 8192}' > "$D/ports.yaml"
expect_status 0 "ports on vfio-pci and mlx5_core within their limits pass" "$TR" audit "${PT[@]}" "$D/ports.yaml"
expect_grep "vfio-pci is user-space I/O" "0000:5e:00.0 on vfio-pci \\(user-space I/O\\)" "$OUT"
expect_grep "mlx5_core is bifurcated" "0000:3b:00.0 on mlx5_core \\(bifurcated" "$OUT"
expect_grep "the limits judged" "0000:3b:00.0: rx/tx queues 8/8 \\(max 8\\), ring 8192 \\(rx max 8192, tx max 8192\\)" "$OUT"
expect_grep "a vfio-pci device's limits are unknown, said" "limits unknown for 0000:5e:00.0 \\(vfio-pci\\)" "$OUT"
ports '{device_id: "0000:3b:00.0", rx_queues: 16, tx_queues: 2, ring_descriptor_size: 1000}' > "$D/over.yaml"
expect_status 1 "more queues than channels, a ring not a power of two: fail" "$TR" audit "${PT[@]}" "$D/over.yaml"
expect_grep "the queue limit named" "0000:3b:00.0: rx_queues 16, the device allows 8" "$OUT"
expect_grep "the ring named" "ring_descriptor_size 1000 is not a power of two" "$OUT"
expect_grep "the fix gives numbers that fit" "fix: ring_descriptor_size: 1024, rx_queues: 8" "$OUT"
ports '{device_id: "0000:3b:00.0", ring_descriptor_size: 16384}' > "$D/ring.yaml"
expect_status 1 "a ring past the device's maximum: fail" "$TR" audit "${PT[@]}" "$D/ring.yaml"
expect_grep "the ring maximum named" "rx ring_descriptor_size 16384, the device allows 8192" "$OUT"
ports '{device_id: "0000:18:00.0"}' > "$D/mgmt.yaml"
expect_status 1 "the management NIC as a port: fail" "$TR" audit "${PT[@]}" "$D/mgmt.yaml"
expect_grep "the management path named" "0000:18:00.0 is on the management path \\(default route\\)" "$OUT"
ports '{device_id: "0000:5e:00.0", rx_queues: 2}' > "$D/vfio.yaml"
ln -sfn ../../../bus/pci/drivers/ixgbe "$T/sys/bus/pci/devices/0000:5e:00.0/driver"
expect_status 1 "a port held by a kernel driver: fail" "$TR" audit "${PT[@]}" "$D/vfio.yaml"
expect_grep "the kernel driver named" "0000:5e:00.0 is held by the kernel driver ixgbe: DPDK cannot probe it" "$OUT"
expect_grep "the bind as the fix" "fix: dpdk-devbind.py --bind=vfio-pci 0000:5e:00.0" "$OUT"
rm "$T/sys/bus/pci/devices/0000:5e:00.0/driver"
expect_status 1 "a port on no driver: fail" "$TR" audit "${PT[@]}" "$D/vfio.yaml"
expect_grep "no driver named" "0000:5e:00.0 is bound to no driver: DPDK cannot probe it" "$OUT"

# Every report format carries the new area.
mkdir -p "$D/prom"
expect_status_in "0 1" "report with --app-config" "$TR" report "${BASE[@]}" --app-config "$YAML" \
	--json "$D/r.json" --html "$D/r.html" --junit "$D/r.xml" --prom "$D/prom" --format none
n=$(json "$D/r.json" "len([c for c in d['audit']['checks'] if c['area']=='app'])" 2>/dev/null || echo 0)
[ "$n" = 17 ] && ok "report JSON: 17 app checks" || not_ok "report JSON: 17 app checks (got $n)"
expect_grep "HTML: the app area and its failure" "app\\.lcores_isolated" "$D/r.html"
expect_grep "JUnit: an app testcase" "app\\.port_node" "$D/r.xml"
expect_grep "Prometheus: app series" 'area="app"' "$D/prom/tickready.prom"
finish
