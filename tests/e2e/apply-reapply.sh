#!/usr/bin/env bash
# apply --reapply, as tickready-apply.service runs it at boot: for every shipped profile and a file profile,
# after a "reboot" (the tree's /proc and /sys back to the untuned kernel's) the runtime part comes back.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
trap cleanup_tmps EXIT
W=$(mktmp)
cp "$APROF" "$W/mine.ini"
for prof in $(for f in profiles/*.ini; do basename "$f" .ini; done) "$W/mine.ini"; do
	pn=$(basename "$prof" .ini)
	T=$W/$pn
	fresh_tree "$T"
	# From another directory with a relative path for the file profile: the journal must keep where it is.
	if [ "$prof" = "$W/mine.ini" ]; then
		(cd "$W" && "$TR" apply --root "$T" --profile mine.ini --yes) >"$T.out" 2>&1
	else
		"$TR" apply --root "$T" --profile "$prof" --yes >"$T.out" 2>&1
	fi || { not_ok "$pn: apply: $(tail -2 "$T.out")"; continue; }
	grep -q "^at boot: .*systemctl enable tickready-apply.service" "$T.out" &&
		ok "$pn: apply says how the runtime part survives a reboot" || not_ok "$pn: no boot-unit line: $(tail -3 "$T.out")"
	"$TR" audit --root "$T" --profile "$prof" --format json >"$T.a1" 2>/dev/null
	# The reboot: the kernel's files as before apply, the staged files (/etc, journal) kept.
	rm -rf "$T/proc" "$T/sys" && cp -a "$T.orig/proc" "$T.orig/sys" "$T/"
	(cd / && "$TR" apply --root "$T" --reapply) >"$T.out" 2>&1 && ok "$pn: --reapply exits 0" ||
		{ not_ok "$pn: --reapply: $(tail -2 "$T.out")"; continue; }
	# As the boot unit runs it (no --profile): the profile applied, not the builtin default.
	want=$pn; [ -f "$prof" ] && want=$(sed -n 's/^name *= *//p' "$prof" | head -1)
	grep -q "^tickready apply: profile $want (.*active: the last applied run's" "$T.out" && ok "$pn: --reapply takes the applied profile" ||
		not_ok "$pn: --reapply's profile: $(grep -m1 '^tickready apply: profile' "$T.out")"
	"$TR" audit --root "$T" --profile "$prof" --format json >"$T.a2" 2>/dev/null
	bad=$(python3 - "$T.a1" "$T.a2" <<'PY'
import json, sys
a = {c["id"]: c["verdict"] for c in json.load(open(sys.argv[1]))["checks"]}
b = {c["id"]: c["verdict"] for c in json.load(open(sys.argv[2]))["checks"]}
print(" ".join("%s:%s->%s" % (k, a[k], b[k]) for k in a if a[k] == "pass" and b[k] not in ("pass", "pending-reboot")))
PY
)
	[ -z "$bad" ] && ok "$pn: after --reapply every check that passed after apply passes again" || not_ok "$pn: $bad"
	"$TR" apply --root "$T" --reapply >"$T.out" 2>&1
	grep -q "^nothing to do" "$T.out" && ok "$pn: a second --reapply plans nothing" || not_ok "$pn: second reapply: $(tail -3 "$T.out")"
done

# The active profile: after apply --profile X, plain audit, report and status judge against X and say
# where it came from; revert of its run returns them to the builtin default.
T=$(mktmp); cp -a "$FX/untuned/." "$T/"
"$TR" apply --root "$T" --profile hft-strict --yes --skip-blocked >/dev/null 2>&1
run=$(sed -n 's/^run=//p' "$T/var/lib/tickready/active-profile")
[ -n "$run" ] && grep -qx 'profile=builtin:hft-strict' "$T/var/lib/tickready/active-profile" && ok "apply records the active profile and its run" || not_ok "active-profile: $(cat "$T/var/lib/tickready/active-profile" 2>&1)"
"$TR" audit --root "$T" >"$T.out" 2>&1
[ "$(head -1 "$T.out")" = "tickready audit: profile hft-strict (builtin:hft-strict; active, applied by run $run), root $T" ] && ok "plain audit judges the active profile, saying so" || not_ok "audit header: $(head -1 "$T.out")"
"$TR" audit --root "$T" --format json >"$T.json" 2>/dev/null
[ "$(json "$T.json" 'd["profile"]["name"], d["profile_origin"]')" = "('hft-strict', 'active, applied by run $run')" ] && ok "audit JSON: profile_origin" || not_ok "audit JSON origin: $(json "$T.json" 'd.get("profile_origin")')"
"$TR" report --root "$T" >"$T.out" 2>&1
head -1 "$T.out" | grep -q "profile hft-strict (active, applied by run $run)" && ok "plain report judges the active profile" || not_ok "report header: $(head -1 "$T.out")"
"$TR" status --root "$T" >"$T.out" 2>&1
grep -qx "active profile: builtin:hft-strict (applied by run $run)" "$T.out" && ok "status names the active profile" || not_ok "status: $(head -2 "$T.out")"
"$TR" audit --root "$T" --profile dev >"$T.out" 2>&1
head -1 "$T.out" | grep -q "profile dev (builtin:dev; named)" && ok "a named profile wins" || not_ok "named: $(head -1 "$T.out")"
"$TR" revert --root "$T" >/dev/null 2>&1
"$TR" audit --root "$T" >"$T.out" 2>&1
head -1 "$T.out" | grep -q "profile hft-balanced (builtin:hft-balanced; builtin default)" && ok "after revert: the builtin default again" || not_ok "after revert: $(head -1 "$T.out")"
finish
