#!/usr/bin/env bash
# irqbalance's BANNED_CPUS vs BANNED_CPULIST drift: 1.9 still applies a non-empty hex mask over the list.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
D=$(mktmp); T=$D/tree
CONF=etc/default/irqbalance

audit_irqbalance() { # the irq.irqbalance finding's verdict and observed text
	"$TR" audit --root "$T" --profile "$APROF" --only irq.irqbalance --format json >"$OUT" 2>"$ERR"
	json "$OUT" '[(c["verdict"], c["observed"]) for c in d["checks"] if c["id"] == "irq.irqbalance"][0]'
}

# The list is right, but an old hex mask banning only cpu 7 overrides it.
fresh_tree "$T"
printf '# Configuration for the irqbalance daemon\nIRQBALANCE_BANNED_CPUS="00000080"\nIRQBALANCE_BANNED_CPULIST=2-3,6-7\n' >"$T/$CONF"
cp "$T/$CONF" "$T.orig/$CONF"
r=$(audit_irqbalance)
case $r in *fail*"IRQBALANCE_BANNED_CPUS='00000080'"*) ok "audit: the hex mask wins over the list";; *) not_ok "audit: $r";; esac
expect_status 0 "dry run" "$TR" apply --root "$T" --profile "$APROF" --dry-run --format json
json "$OUT" '[c["command"] for c in d["changes"] if c["target"].startswith("/etc/default/irqbalance")]' | grep -q "sed -i 's/^IRQBALANCE_BANNED_CPUS=/#&/'" && ok "plan comments the mask out" || not_ok "plan: $(json "$OUT" '[c for c in d["changes"] if c["check"] == "irq.irqbalance"]')"
expect_status 0 "apply" "$TR" apply --root "$T" --profile "$APROF" --yes
grep -q '^# off by tickready.*IRQBALANCE_BANNED_CPUS="00000080"$' "$T/$CONF" && ok "mask line commented out, kept for the record" || not_ok "config: $(cat "$T/$CONF")"
[ "$(grep -c '^IRQBALANCE_BANNED_CPULIST=2-3,6-7$' "$T/$CONF")" = 1 ] && ok "one list line" || not_ok "config: $(cat "$T/$CONF")"
expect_status 0 "second apply" "$TR" apply --root "$T" --profile "$APROF" --dry-run --format json
[ "$(json "$OUT" '[c for c in d["changes"] if c["check"] == "irq.irqbalance"]')" = "[]" ] && ok "second apply plans nothing for irqbalance" || not_ok "replans: $(json "$OUT" '[c for c in d["changes"] if c["check"] == "irq.irqbalance"]')"
"$TR" revert --root "$T" >/dev/null
same_tree "$T.orig" "$T" && ok "revert restores the config byte for byte" || not_ok "revert differs: $(diff "$T.orig/$CONF" "$T/$CONF")"

# "export" and quotes, and a later list line that overrides an earlier one: every list line set.
fresh_tree "$T"
printf 'export IRQBALANCE_BANNED_CPULIST="0"\nIRQBALANCE_BANNED_CPUS=\n  IRQBALANCE_BANNED_CPULIST=1\n' >"$T/$CONF"
cp "$T/$CONF" "$T.orig/$CONF"
expect_status 0 "apply (export, quotes, two list lines)" "$TR" apply --root "$T" --profile "$APROF" --yes
[ "$(grep -c 'IRQBALANCE_BANNED_CPULIST=2-3,6-7$' "$T/$CONF")" = 2 ] && ok "both list lines set" || not_ok "config: $(cat "$T/$CONF")"
grep -q '^IRQBALANCE_BANNED_CPUS=$' "$T/$CONF" && ok "an empty mask (ignored by irqbalance) is left alone" || not_ok "config: $(cat "$T/$CONF")"
r=$(audit_irqbalance)
case $r in *pass*|*warn*) ok "audit after apply: $r";; *) not_ok "audit after apply: $r";; esac
"$TR" revert --root "$T" >/dev/null
same_tree "$T.orig" "$T" && ok "revert: identical" || not_ok "revert differs"
finish
