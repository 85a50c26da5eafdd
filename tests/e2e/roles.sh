#!/usr/bin/env bash
# End-to-end: NIC roles on tests/fixtures/roles (feed ens1f0 on node 0, orders ens2f0 on node 1): two chains,
# only the wrong one fails; text, JSON, apply's plan and the profile's bad input.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
FX=$SRC/tests/fixtures
P=$FX/profiles/roles.ini

expect_status 1 "audit: orders' cpus are on the wrong node" "$TR" audit --root "$FX/roles" --profile "$P" --color never
expect_grep "the host section lists the roles" "^NIC roles: feed ens1f0 \(node 0, cpus 2, kernel\), orders ens2f0 \(node 1, cpus 3, kernel\)$" "$OUT"
expect_grep "feed's chain holds" "^  PASS +nic\.chain\[feed\] +ens1f0: 0000:3b:00\.0 x16 16GT/s -> node 0 -> cpus 2 -> " "$OUT"
expect_grep "orders' chain breaks at its cores" "^  FAIL +nic\.chain\[orders\] +ens2f0: broken link 'cores': \[nic\.orders\] cpus 3 not on node 1" "$OUT"
expect_grep "the fix names the role's key" "fix: set \[nic\.orders\] cpus to isolated cpus of node 1 \(6-7\)" "$OUT"
expect_grep "the default [nic] names no NIC" "^  SKIP +nic\.chain +no bypass NIC: set \[nic\] interface" "$OUT"
bad=$(grep -E '^  FAIL' "$OUT" | grep -v '\[orders\]')
[ -z "$bad" ] && ok "every failure is orders'" || not_ok "failures outside orders: $bad"

expect_status 1 "audit JSON" "$TR" audit --root "$FX/roles" --profile "$P" --format json
[ "$(json "$OUT" '[(c.get("role"), c.get("nic"), c["verdict"]) for c in d["checks"] if c["id"] == "nic.chain"]')" = \
  "[(None, None, 'skip'), ('feed', 'ens1f0', 'pass'), ('orders', 'ens2f0', 'fail')]" ] && ok "JSON: a chain per role, with role and nic" || not_ok "JSON chains"
[ "$(json "$OUT" 'sorted({(c["id"], c.get("role")) for c in d["checks"] if c["verdict"] == "fail"})')" = \
  "[('nic.chain', 'orders'), ('nic.numa_isolated', 'orders')]" ] && ok "JSON: only orders fails" || not_ok "JSON failures"
[ "$(json "$OUT" '[(r["role"], r["nic"], r["pci"], r["node"], r["cpus"]) for r in d["host"]["nic_roles"]]')" = \
  "[('feed', 'ens1f0', '0000:3b:00.0', 0, '2'), ('orders', 'ens2f0', '0000:86:00.0', 1, '3')]" ] && ok "JSON: host.nic_roles" || not_ok "JSON host.nic_roles"
[ "$(json "$OUT" '[c["fixed_by"] for c in d["checks"] if c.get("role") and c["verdict"] == "fail"]')" = "['manual', 'manual']" ] &&
	ok "JSON: orders' cores are by hand" || not_ok "JSON role fixed_by"

# Orders on cpus of its own node: ready.
T=$(mktmp)
printf '[profile]\ninclude = %s\n[nic.orders]\ncpus = 6-7\n' "$P" > "$T/fixed.ini"
expect_status 0 "orders on node 1's cpus: ready" "$TR" audit --root "$FX/roles" --profile "$T/fixed.ini" --quiet
# Shared cpus fail unless a role allows it.
printf '[profile]\ninclude = %s\n[nic.orders]\ncpus = 2\n' "$P" > "$T/shared.ini"
expect_status 1 "roles sharing a cpu" "$TR" audit --root "$FX/roles" --profile "$T/shared.ini" --only nic.roles
expect_grep "nic.roles names the shared cpu" "FAIL +nic\.roles +\[nic\.feed\] and \[nic\.orders\] share cpus 2" "$OUT"
printf 'cpus_shared = yes\n' >> "$T/shared.ini"
expect_status 0 "cpus_shared = yes allows it" "$TR" audit --root "$FX/roles" --profile "$T/shared.ini" --only nic.roles
# The management path: no role may take eno1 (the default route's).
printf '[profile]\ninclude = %s\n[nic.orders]\ninterface = eno1\n' "$P" > "$T/mgmt.ini"
expect_status 1 "a role on the management NIC" "$TR" audit --root "$FX/roles" --profile "$T/mgmt.ini" --only nic.roles
expect_grep "nic.roles refuses it" "\[nic\.orders\] eno1 is on the management path" "$OUT"
printf 'cpus = 6\nrx_usecs = 16\n' >> "$T/mgmt.ini"
W0=$(mktmp); cp -a "$FX/roles" "$W0/r"
expect_status 0 "apply --dry-run, a role on the management NIC" "$TR" apply --root "$W0/r" --profile "$T/mgmt.ini" --dry-run
expect_grep "the interlock blocks the role's change" "^  nic\.coalesce\[orders\] +eno1 rx_usecs: eno1 is on the management path \(default route\)" "$OUT"
expect_status 2 "apply refuses it (blocked)" "$TR" apply --root "$W0/r" --profile "$T/mgmt.ini" --yes
diff -r --no-dereference -x var -x run "$FX/roles" "$W0/r" >/dev/null && ok "nothing changed" || not_ok "the refused apply changed the tree"

# The application's ports map onto the roles: a role's port wants the role's cpus among the lcores.
printf 'dpdk_config:\n  eal_arguments:\n    core_mask: "%s"\n    socket_mem: "1024,1024"\n  ports:\n    - device_id: "0000:3b:00.0"\n    - device_id: "0000:86:00.0"\n' 0x4 > "$T/app.yaml"
expect_status 1 "app: orders' cpu not among the lcores" "$TR" audit --root "$FX/roles" --profile "$P" --only app.port_node --app-config "$T/app.yaml"
expect_grep "app.port_node names the role" "port 0000:86:00\.0 is \[nic\.orders\]'s NIC, whose cpus 3 are not among the lcores 2" "$OUT"
printf 'dpdk_config:\n  eal_arguments:\n    core_mask: "%s"\n    socket_mem: "1024,1024"\n  ports:\n    - device_id: "0000:3b:00.0"\n' 0xC > "$T/app2.yaml"
expect_status 0 "app: feed's port with its cpu among the lcores" "$TR" audit --root "$FX/roles" --profile "$P" --only app.port_node --app-config "$T/app2.yaml"
expect_grep "the port is labelled with its role" "PASS +app\.port_node +0000:3b:00\.0 on node 0 \(\[nic\.feed\]\)" "$OUT"

# apply: orders' cores are by hand (manual, under its role)...
W=$(mktmp)
cp -a "$FX/roles" "$W/r"
expect_status 0 "apply --dry-run" "$TR" apply --root "$W/r" --profile "$P" --dry-run
expect_grep "plan: no change, orders' two failures manual" "^plan: 0 changes \(0 at boot\), 2 manual, 0 blocked" "$OUT"
expect_grep "the manual row names the role" "^  nic\.chain\[orders\] +broken link 'cores'" "$OUT"
diff -r --no-dereference "$FX/roles" "$W/r" >/dev/null && ok "dry run changed nothing" || not_ok "dry run changed the tree"
# ...and each role's changes are its own, on its NIC and node: applied, audited, journaled, reverted.
printf '[profile]\ninclude = %s\n[memory]\nhugepages = 6\n[nic.feed]\nrx_usecs = 8\n[nic.orders]\ncpus = 6-7\nrx_usecs = 16\n' "$P" > "$T/tune.ini"
expect_status 0 "apply --dry-run, roles to tune" "$TR" apply --root "$W/r" --profile "$T/tune.ini" --dry-run
expect_grep "feed's coalescing on ens1f0" "^  nic\.coalesce\[feed\] +ethtool ens1f0 rx_usecs: 0 -> 8$" "$OUT"
expect_grep "orders' on ens2f0" "^  nic\.coalesce\[orders\] +ethtool ens2f0 rx_usecs: 0 -> 16$" "$OUT"
expect_grep "orders' hugepages on node 1" "^  memory\.hugepages\[orders\] +write +/sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages: 4 -> 6$" "$OUT"
expect_grep "feed's node is the default's: one write covers both" "^  memory\.hugepages\[feed\] +by memory\.hugepages's change$" "$OUT"
expect_status 0 "apply the roles' changes" "$TR" apply --root "$W/r" --profile "$T/tune.ini" --yes
expect_status 0 "then every check passes" "$TR" audit --root "$W/r" --profile "$T/tune.ini" --quiet
[ "$(grep -c '^W .* write =/\.tickready/ethtool/ens[12]f0/coalesce ' "$W/r/var/lib/tickready/journal")" = 2 ] &&
	ok "the journal holds each role's NIC apart" || not_ok "journal: $(grep -c ethtool "$W/r/var/lib/tickready/journal") ethtool rows"
expect_status 0 "revert" "$TR" revert --root "$W/r"
diff -r --no-dereference -x var -x run "$FX/roles" "$W/r" >/dev/null && ok "revert restores the tree" || not_ok "revert left changes: $(diff -r --no-dereference -x var -x run "$FX/roles" "$W/r" | head -3)"

# Bad input: exit 2, file:line.
printf '[nic.Feed]\ninterface = ens1f0\n' > "$T/bad.ini"
expect_status 2 "bad role name" "$TR" audit --root "$FX/roles" --profile "$T/bad.ini"
expect_grep "names file:line" "bad.ini:1: bad NIC role name 'Feed' in \[nic\.Feed\]" "$ERR"
printf '[nic.feed]\ninterface = auto\n' > "$T/auto.ini"
expect_status 2 "auto in a role" "$TR" audit --root "$FX/roles" --profile "$T/auto.ini"
expect_grep "auto is the default's" "auto.ini:2: \[nic.feed\] interface: auto \(and any\) picks only the default \[nic\]" "$ERR"
printf '[nic.feed]\ncpus = 2\n' > "$T/noif.ini"
expect_status 2 "a role with no interface" "$TR" profile check "$T/noif.ini" --root "$FX/roles"
expect_grep "names the section's line" "noif.ini:1: \[nic.feed\] names no interface" "$ERR"
expect_status 0 "profile show lists the roles" "$TR" profile show "$P" --root "$FX/roles"
expect_grep "show: the role's section" "^\[nic\.orders\]$" "$OUT"
expect_grep "show: the role's NIC" "^; NIC ens2f0 on node 1$" "$OUT"

# Each shipped profile's commented example, uncommented (ens1f1 as the tree's ens2f0), loads and checks out.
for f in profiles/*.ini; do
	n=$(basename "$f" .ini)
	sed -e 's/^;\(\[nic\.[a-z]*\]\)$/\1/' -e 's/^;\(interface = \|cpus = \)/\1/' -e 's/ens1f1/ens2f0/' "$f" > "$T/ex-$n.ini"
	grep -q '^\[nic\.orders\]$' "$T/ex-$n.ini" || { not_ok "$n has no [nic.orders] example"; continue; }
	expect_status 0 "$n's role example checks out" "$TR" profile check "$T/ex-$n.ini" --root "$FX/roles"
done

# The reports carry the roles: HTML (host line, rows), Prometheus (role and nic labels), JUnit, text.
R=$(mktmp); mkdir -p "$R/prom"
expect_status 1 "report with every output" "$TR" report --root "$FX/roles" --profile "$P" --format json --html "$R/r.html" \
	--prom "$R/prom" --junit "$R/r.xml"
cp "$OUT" "$R/r.json"
expect_grep "HTML: the roles in the header" '<p id="nic-roles">NIC roles: <b>feed</b> ens1f0 \(node 0, cpus 2\), <b>orders</b> ens2f0 \(node 1, cpus 3\)</p>' "$R/r.html"
expect_grep "HTML: a row per role" '<tr class="v-fail" data-check="nic\.chain\[orders\]" data-role="orders">' "$R/r.html"
expect_grep "Prometheus: role and nic labels" '^tickready_check_status\{check="nic\.chain",role="orders",nic="ens2f0",area="nic",verdict="fail"\} 1$' "$R/prom/tickready.prom"
expect_grep "Prometheus: feed passes" '^tickready_check_status\{check="nic\.chain",role="feed",nic="ens1f0",area="nic",verdict="pass"\} 1$' "$R/prom/tickready.prom"
expect_grep "Prometheus: the default keeps its labels" '^tickready_check_status\{check="nic\.chain",area="nic",verdict="skip"\} 1$' "$R/prom/tickready.prom"
expect_grep "JUnit: the role in the testcase name" '<testcase classname="tickready\.nic" name="nic\.chain\[orders\]"><failure' "$R/r.xml"
expect_status 1 "report --from the saved JSON" "$TR" report --from "$R/r.json"
expect_grep "text: the failing roles named" "audit: 2 checks failed \(nic\.chain\[orders\], nic\.numa_isolated\[orders\]\)" "$OUT"
# diff: a role's finding is its own check (orders fixed: its two rows and nic.roles' cpus change).
expect_status 0 "report, orders fixed" "$TR" report --root "$FX/roles" --profile "$T/fixed.ini" --format json
cp "$OUT" "$R/fixed.json"
expect_status 1 "diff of the two" "$TR" diff --format json "$R/r.json" "$R/fixed.json"
[ "$(json "$OUT" 'sorted(c["id"] for c in d["findings"])' 2>/dev/null)" = "['nic.chain[orders]', 'nic.numa_isolated[orders]', 'nic.roles']" ] &&
	ok "diff: the orders rows, by role" || { not_ok "diff by role"; head -c 600 "$OUT"; }
finish
