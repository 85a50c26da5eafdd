#!/usr/bin/env bash
# A cloud instance (tests/fixtures/cloud-aws-c6in): audit names it and judges ENA, apply with aws-ena
# converges and reverts byte for byte, and the primary ENI is refused for any bind; aws-kernel (kernel
# sockets on the second ENI) converges and reverts too. Azure and GCP: their NICs' roles named, the synthetic
# (and GCP's primary) NIC never bound.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
D=$(mktmp); T=$D/tree
PROF=$SRC/profiles/aws-ena.ini
verdict() { json "$OUT" "[c['verdict'] for c in d['checks'] if c['id'] == '$1'][0]"; }
observed() { json "$OUT" "[c.get('observed', '') for c in d['checks'] if c['id'] == '$1'][0]"; }

rm -rf "$T" "$T.orig"; cp -a "$FX/cloud-aws-c6in" "$T"; cp -a "$FX/cloud-aws-c6in" "$T.orig"
"$TR" audit --root "$T" --profile "$PROF" >"$OUT" 2>"$ERR"
expect_grep "text header names the instance" '^instance: AWS c6in.32xlarge \(virtual, hypervisor KVMKVMKVM\)$' "$OUT"
"$TR" audit --root "$T" --profile "$PROF" --format json >"$OUT" 2>"$ERR"
[ "$(json "$OUT" "(d['host']['cloud']['provider'], d['host']['cloud']['instance_type'], d['host']['cloud']['kind'])")" = "('aws', 'c6in.32xlarge', 'virtual')" ] &&
	ok "JSON host.cloud: aws c6in.32xlarge virtual" || not_ok "host.cloud: $(json "$OUT" "d['host']['cloud']")"
[ "$(verdict nic.ena_llq)" = warn ] && ok "nic.ena_llq warns: vfio-pci's WC unknown until DPDK maps BAR 2" || not_ok "nic.ena_llq: $(verdict nic.ena_llq)"
observed nic.ena_llq | grep -q "the kernel's ena reports 8 of 32 queue pairs ('ethtool -l'), LLQ on: 96-byte push header of 224 possible" &&
	ok "nic.ena_llq gives the queues and LLQ the kernel's ena reports" || not_ok "nic.ena_llq: $(observed nic.ena_llq)"
observed nic.iommu | grep -q "on AWS c6in.32xlarge" && ok "nic.iommu judges no-IOMMU mode for the instance" || not_ok "nic.iommu: $(observed nic.iommu)"
json "$OUT" "[c for c in d['checks'] if c['id'] == 'nic.iommu'][0]" | grep -q intel_iommu && not_ok "nic.iommu asks for intel_iommu" || ok "nic.iommu never asks for intel_iommu"
[ "$(verdict cpu.cstates)" = skip ] && observed cpu.cstates | grep -q "hypervisor owns it on AWS c6in.32xlarge" &&
	ok "cpu.cstates: a skip naming the instance" || not_ok "cpu.cstates: $(verdict cpu.cstates) $(observed cpu.cstates)"

expect_status 0 "plan" "$TR" apply --root "$T" --profile "$PROF" --dry-run --format json
[ "$(json "$OUT" "[(c['target'], c['new']) for c in d['changes'] if c['kind'] == 'bind']")" = "[('0000:00:06.0 driver', 'vfio-pci')]" ] &&
	ok "the second ENI is bound to vfio-pci" || not_ok "bind: $(json "$OUT" "[c for c in d['changes'] if c['kind'] == 'bind']")"
json "$OUT" "[c['new'] for c in d['changes'] if c['kind'] == 'boot']" | grep -q intel_iommu && not_ok "plan stages intel_iommu" || ok "plan stages no intel_iommu"
# No-IOMMU mode is vfio's runtime parameter (never a boot parameter): vfio is not loaded in this tree, so the
# plan leaves the modprobe to the operator, saying so.
json "$OUT" "[c['new'] for c in d['changes'] if c['kind'] == 'boot']" | grep -q "noiommu" && not_ok "plan stages no-IOMMU mode as a boot parameter" || ok "no boot parameter for no-IOMMU mode"
[ "$(json "$OUT" "[m['check'] for m in d['manual'] if 'modprobe vfio enable_unsafe_noiommu_mode=1' in m['why']]")" = "['nic.iommu']" ] &&
	ok "vfio no-IOMMU mode: the modprobe, by hand in a tree without vfio" || not_ok "no vfio no-IOMMU mode in the plan: $(json "$OUT" "d['manual']")"
# The primary ENI's own IRQs stay where they are (the management path is never touched): blocked, skipped.
expect_status 0 "apply" "$TR" apply --root "$T" --profile "$PROF" --yes --skip-blocked
expect_status 0 "second plan" "$TR" apply --root "$T" --profile "$PROF" --dry-run --format json
[ "$(json "$OUT" 'len(d["changes"])')" = 0 ] && ok "converged: a second plan is empty" || not_ok "replans: $(json "$OUT" '[c["target"] for c in d["changes"]]')"
json "$OUT" "sorted(set(b['reason'] for b in d['blocked']))" | grep -q "^\['ens5 is on the management path (default route)'\]$" &&
	ok "what stays blocked is the primary ENI's alone" || not_ok "blocked: $(json "$OUT" "d['blocked']")"
expect_status 0 "revert" "$TR" revert --root "$T"
same_tree "$T.orig" "$T" && ok "revert: byte-identical" || not_ok "revert differs: $(diff -r --no-dereference "$T.orig" "$T" | head -5)"

# The primary ENI named as the bypass NIC, for every user-space driver: never bound.
for drv in vfio-pci igb_uio uio_pci_generic; do
	printf '[profile]\ninclude = %s\n[nic]\ninterface = ens5\ndriver = %s\n' "$PROF" "$drv" >"$D/primary.ini"
	expect_status_in "0 1" "plan, primary ENI to $drv" "$TR" apply --root "$T" --profile "$D/primary.ini" --dry-run --format json
	[ "$(json "$OUT" "[c for c in d['changes'] if c['kind'] == 'bind']")" = "[]" ] &&
		json "$OUT" "[b['reason'] for b in d['blocked'] if b['kind'] == 'bind'][0]" | grep -q "ens5 is on the management path (default route)" &&
		ok "primary ENI to $drv: bind refused, management path named" || not_ok "primary ENI to $drv: $(json "$OUT" "(d['changes'], d['blocked'])")"
done
same_tree "$T.orig" "$T" && ok "nothing written for the refused binds" || not_ok "tree changed"

# aws-kernel: kernel sockets on the second ENI, nothing bound; busy polling, coalescing off, its IRQs on node 0's
# housekeeping cores; converges and reverts byte for byte.
KPROF=aws-kernel
expect_status 0 "profile check aws-kernel" "$TR" profile check "$KPROF" --root "$T"
"$TR" audit --root "$T" --profile "$KPROF" --format json >"$OUT" 2>"$ERR"
[ "$(verdict nic.ena_llq)" = pass ] && observed nic.ena_llq | grep -q "ens6 on the kernel's ena driver.*8 of 32 queue pairs.*LLQ on: 96-byte push header" &&
	ok "aws-kernel: nic.ena_llq passes on the kernel path with its queues and LLQ" || not_ok "aws-kernel nic.ena_llq: $(verdict nic.ena_llq) $(observed nic.ena_llq)"
[ "$(verdict kernel.busy_poll)" = fail ] && [ "$(verdict nic.coalesce)" = fail ] &&
	ok "aws-kernel: busy polling off and adaptive-rx on fail" || not_ok "aws-kernel: busy_poll $(verdict kernel.busy_poll), coalesce $(verdict nic.coalesce)"
expect_status 0 "aws-kernel plan" "$TR" apply --root "$T" --profile "$KPROF" --dry-run --format json
[ "$(json "$OUT" "[c for c in d['changes'] if c['kind'] == 'bind']")" = "[]" ] && ok "aws-kernel binds nothing" ||
	not_ok "aws-kernel binds: $(json "$OUT" "[c for c in d['changes'] if c['kind'] == 'bind']")"
json "$OUT" "sorted(c['target'] for c in d['changes'] if c['check'] in ('kernel.busy_poll', 'nic.coalesce'))" |
	grep -q "net.core.busy_poll.*net.core.busy_read" && json "$OUT" "[c['target'] for c in d['changes'] if c['check'] == 'nic.coalesce']" | grep -q ens6 &&
	ok "aws-kernel plan: busy_read, busy_poll, ens6's coalescing" || not_ok "aws-kernel plan: $(json "$OUT" "[(c['check'], c['target']) for c in d['changes']]")"
[ "$(json "$OUT" "sorted(set(c['target'].split('/')[3] for c in d['changes'] if c['check'] == 'irq.affinity'))")" = "['34', '35', '36', '37', '38', '39', '40', '41']" ] &&
	json "$OUT" "set(c['new'] for c in d['changes'] if c['check'] == 'irq.affinity')" | grep -q "^{'0,64'}$" &&
	ok "aws-kernel: ens6's queue IRQs to node 0's housekeeping cores 0,64" || not_ok "aws-kernel irqs: $(json "$OUT" "[(c['target'], c['new']) for c in d['changes'] if c['check'] == 'irq.affinity']")"
expect_status 0 "aws-kernel apply" "$TR" apply --root "$T" --profile "$KPROF" --yes --skip-blocked
"$TR" audit --root "$T" --profile "$KPROF" --format json >"$OUT" 2>"$ERR"
[ "$(verdict kernel.busy_poll)/$(verdict nic.coalesce)/$(verdict irq.nic_node)" = pass/pass/pass ] &&
	ok "aws-kernel after apply: busy polling, coalescing and ens6's IRQs pass" || not_ok "after apply: $(verdict kernel.busy_poll)/$(verdict nic.coalesce)/$(verdict irq.nic_node)"
expect_status 0 "aws-kernel second plan" "$TR" apply --root "$T" --profile "$KPROF" --dry-run --format json --skip-blocked
[ "$(json "$OUT" 'len(d["changes"])')" = 0 ] && ok "aws-kernel converged: a second plan is empty" || not_ok "aws-kernel replans: $(json "$OUT" '[c["target"] for c in d["changes"]]')"
expect_status 0 "aws-kernel revert" "$TR" revert --root "$T"
same_tree "$T.orig" "$T" && ok "aws-kernel revert: byte-identical" || not_ok "aws-kernel revert differs: $(diff -r --no-dereference "$T.orig" "$T" | head -5)"
# Azure and GCP (tests/fixtures/cloud-azure, cloud-gcp): detection only. Audit names the provider and each NIC's
# role; the synthetic NIC (and GCP's primary gVNIC) as the bypass NIC: the bind is refused, nothing written.
nic_kind() { json "$OUT" "[n['cloud_role'] for n in d['host']['nics'] if n['name'] == '$1'][0]"; }
for cloud in azure gcp; do
	rm -rf "$T" "$T.orig"; cp -a "$FX/cloud-$cloud" "$T"; cp -a "$FX/cloud-$cloud" "$T.orig"
	if [ $cloud = azure ]; then nic=eth1 label=Azure role="Azure synthetic NIC (hv_netvsc on VMBus, no PCI function)" target="eth1 driver"
	else nic=ens4 label=GCP role="GCP gVNIC (gve), the instance's primary NIC (default route)" target="0000:00:04.0 driver"; fi
	printf '[profile]\ninclude = %s\n[cpu]\nisolated_cores = 2-3\n[nic]\ninterface = %s\ndriver = vfio-pci\niommu = noiommu\n' "$PROF" "$nic" >"$D/$cloud.ini"
	"$TR" audit --root "$T" --profile "$D/$cloud.ini" >"$OUT" 2>"$ERR"
	grep -q "^instance: $label instance (virtual, hypervisor " "$OUT" && grep -qF "$nic $role" "$OUT" &&
		ok "$cloud: audit names the instance and $nic's cloud role" || not_ok "$cloud audit header: $(head -5 "$OUT")"
	"$TR" audit --root "$T" --profile "$D/$cloud.ini" --format json >"$OUT" 2>"$ERR"
	[ "$(nic_kind "$nic")" = "$role" ] && ok "$cloud: JSON cloud_role of $nic" || not_ok "$cloud cloud_role: $(nic_kind "$nic")"
	"$TR" report --root "$T" --profile "$D/$cloud.ini" --html "$D/$cloud.html" >/dev/null 2>"$ERR"
	grep -qF "<td>$nic<br><small>$(printf '%s' "$role" | sed "s/'/\&#39;/g")</small>" "$D/$cloud.html" &&
		ok "$cloud: the HTML inventory shows $nic's cloud role" || not_ok "$cloud HTML: $(grep -o "<td>$nic[^/]*" "$D/$cloud.html" | head -2)"
	observed nic.driver | grep -qF "$nic, the $role, bound to" && ! json "$OUT" "[c['remedy'] for c in d['checks'] if c['id'] == 'nic.driver'][0]" | grep -q devbind &&
		ok "$cloud: nic.driver names the instance NIC, no bind advised" || not_ok "$cloud nic.driver: $(observed nic.driver)"
	expect_status_in "0 1" "$cloud plan" "$TR" apply --root "$T" --profile "$D/$cloud.ini" --dry-run --format json
	[ "$(json "$OUT" "[c for c in d['changes'] if c['kind'] == 'bind']")" = "[]" ] &&
		[ "$(json "$OUT" "[b['target'] for b in d['blocked'] if b['kind'] == 'bind']")" = "['$target']" ] &&
		json "$OUT" "[b['reason'] for b in d['blocked'] if b['kind'] == 'bind'][0]" | grep -qF "$nic is the $role" &&
		ok "$cloud: the plan shows $nic's bind blocked, with the reason" || not_ok "$cloud plan: $(json "$OUT" "(d['changes'], d['blocked'])")"
	expect_status 2 "$cloud apply refuses" "$TR" apply --root "$T" --profile "$D/$cloud.ini" --yes --force
	grep -qF "blocked: nic.driver $target: $nic is the $role" "$ERR" && ok "$cloud: apply --force still refuses, naming why" || not_ok "$cloud apply: $(cat "$ERR")"
	rm -rf "$T/run"	# the lock apply takes before it plans
	same_tree "$T.orig" "$T" && ok "$cloud: nothing written for the refused bind" || not_ok "$cloud tree changed: $(diff -r --no-dereference "$T.orig" "$T" | head -3)"
done
# Azure's VF as the bypass NIC: it stays on mana (refused too); GCP's second gVNIC is DPDK's to bind.
cp -a "$FX/cloud-azure" "$D/az"
sed 's/^interface = eth1$/interface = enP30832s1/' "$D/azure.ini" >"$D/vf.ini"
expect_status_in "0 1" "azure VF plan" "$TR" apply --root "$D/az" --profile "$D/vf.ini" --dry-run --format json
json "$OUT" "[b['reason'] for b in d['blocked'] if b['kind'] == 'bind'][0]" | grep -qF "enP30832s1 is the Azure accelerated-networking VF of eth1 (MANA)" &&
	ok "azure: the MANA VF's bind to vfio-pci is refused" || not_ok "azure VF: $(json "$OUT" "d['blocked']")"
cp -a "$FX/cloud-gcp" "$D/gcp"
sed 's/^interface = ens4$/interface = ens5/' "$D/gcp.ini" >"$D/g5.ini"
expect_status_in "0 1" "gcp second gVNIC plan" "$TR" apply --root "$D/gcp" --profile "$D/g5.ini" --dry-run --format json
[ "$(json "$OUT" "[(c['target'], c['new']) for c in d['changes'] if c['kind'] == 'bind']")" = "[('0000:00:05.0 driver', 'vfio-pci')]" ] &&
	ok "gcp: the second gVNIC is bound to vfio-pci" || not_ok "gcp second gVNIC: $(json "$OUT" "(d['changes'], d['blocked'])")"
finish
