#!/usr/bin/env bash
# End-to-end: tickready profile list/show/check/keys, shipped profiles, and exit-2 errors naming file:line.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
FX=$SRC/tests/fixtures

expect_status 0 "profile list" "$TR" profile list
for p in hft-strict hft-balanced market-data af-xdp dev; do
	expect_grep "list shows $p" "^$p " "$OUT"
done
expect_grep "list marks the default" "^hft-balanced .*\(default\)" "$OUT"

# Every shipped profile loads, resolves on the fixture host and on this host, and documents itself.
for f in profiles/*.ini; do
	n=$(basename "$f" .ini)
	expect_status 0 "check $n on the fixture host" "$TR" profile check "$n" --root "$FX/base"
	expect_status 0 "check $n on this host" "$TR" profile check "$n"
	head -1 "$f" | grep -q "^; $n: " && ok "$n has a header comment" || not_ok "$n header comment"
done

expect_status 0 "show resolves auto isolation" "$TR" profile show hft-balanced --root "$FX/base"
expect_grep "isolated = the rest" "^isolated_cores = 2-3,6-7" "$OUT"
expect_grep "housekeeping = first core and siblings per node" "^housekeeping_cores = 0-1,4-5" "$OUT"
expect_grep "each key says where it was set" "builtin:hft-balanced:[0-9]+" "$OUT"
expect_status 0 "show JSON" "$TR" profile show hft-strict --root "$FX/base" --format json
[ "$(json "$OUT" 'd["keys"]["memory.hugepage_size"]["value"]')" = 1G ] && ok "include overrides the parent" || not_ok "include override"
[ "$(json "$OUT" 'd["keys"]["cpu.governor"]["file"]')" = builtin:hft-balanced ] && ok "inherited key names its file" || not_ok "inherited key file"

T=$(mktmp)
printf '[profile]\ninclude = b.ini\n[cpu]\ngovernor = performance\n' > "$T/a.ini"
printf '[profile]\ninclude = c.ini\n' > "$T/b.ini"
printf '[cpu]\nisolated_cores = ${housekeeping_cores}\nhousekeeping_cores = 0-1,4-5\n[memory]\nhugepages = 2\n' > "$T/c.ini"
expect_status 2 "variables that overlap isolation are refused" "$TR" profile check "$T/a.ini" --root "$FX/base"
printf '[cpu]\nisolated_cores = 2-3\n[memory]\nhugepages = 2\n[irq]\nirqbalance = ${nic_node}\n' > "$T/c.ini"
expect_status 2 "a variable expanding to a bad value ... or unknown" "$TR" profile check "$T/a.ini" --root "$FX/base"
printf '[cpu]\nisolated_cores = 2-3\n[memory]\nhugepages = 2\n' > "$T/c.ini"
expect_status 0 "three-level include chain" "$TR" profile show "$T/a.ini" --root "$FX/base" --format json
[ "$(json "$OUT" 'd["keys"]["memory.hugepages"]["value"]')" = 2 ] && ok "grandparent key reaches the child" || not_ok "chain"
printf '[profile]\ninclude = a.ini\n' > "$T/c.ini"
expect_status 2 "include cycle" "$TR" profile check "$T/a.ini"
expect_grep "cycle named" "include cycle" "$ERR"
expect_grep "the cycle's chain, each file once and the closing one again" "include cycle: '[^']*/a.ini' -> '[^']*/b.ini' -> '[^']*/c.ini' -> '[^']*/a.ini'$" "$ERR"
printf '[profile]\ninclude = self.ini\n' >"$T/self.ini"
expect_status 2 "a file including itself" "$TR" profile check "$T/self.ini"
expect_grep "names the file once" "include cycle: '[^']*/self.ini' includes itself$" "$ERR"

bad() { # bad DESC CONTENT PATTERN
	printf "$2" > "$T/bad.ini"
	expect_status 2 "$1" "$TR" profile check "$T/bad.ini" --root "$FX/base"
	expect_grep "$1: message" "$3" "$ERR"
}
bad "unknown section" '[cpux]\na = 1\n' "bad.ini:[12]: unknown section \[cpux\]"
bad "unknown key" '[cpu]\n\ngovernr = performance\n' "bad.ini:3: unknown key 'governr' in \[cpu\]"
bad "reversed cpu range" '[cpu]\nisolated_cores = 3-1\n' "bad.ini:2: \[cpu\] isolated_cores: invalid cpu list '3-1'"
bad "cpu out of range" '[cpu]\nisolated_cores = 0-99999\n' "bad.ini:2: \[cpu\] isolated_cores: cpu number out of range"
bad "empty list items" '[cpu]\nisolated_cores = ,,\n' "bad.ini:2: \[cpu\] isolated_cores: invalid cpu list ',,'"
bad "integer out of range" '[memory]\nnuma_balancing = 9\n' "bad.ini:2: \[memory\] numa_balancing: 9 is out of range 0..3"
bad "not an integer" '[kernel]\ntimer_migration = zero\n' "bad.ini:2: \[kernel\] timer_migration: 'zero' is not an integer"
bad "bad choice" '[memory]\nthp = sometimes\n' "bad.ini:2: \[memory\] thp: 'sometimes' is not one of"
bad "bad size" '[memory]\nhugepage_size = 3M\n' "bad.ini:2: \[memory\] hugepage_size: '3M' is not a hugepage size"
bad "unknown variable" '[tasks]\nallowed = ${bogus}\n' "bad.ini:2: \[tasks\] allowed: unknown variable"
bad "cpus not present" '[cpu]\nisolated_cores = 2-15\n' "isolated_cores names cpus not present on this host: 8-15"
bad "syntax" '[cpu\n' "bad.ini:1: syntax error"
# A profile apply would refuse on this host is no "ok": every cpu of a node isolated.
printf '[profile]\ninclude = hft-balanced\n[cpu]\nisolated_cores = 2-7\nhousekeeping_cores = 0-1\n' >"$T/bare.ini"
expect_status 2 "profile check: a node with no housekeeping cpu" "$TR" profile check --root tests/fixtures/base "$T/bare.ini"
expect_grep "names the file, line and why" "bare.ini:4: \[cpu\] isolated_cores = 2-7: it isolates every cpu of node 1" "$ERR"
expect_status 2 "unknown profile name" "$TR" profile check no-such-profile
expect_status 2 "unknown action" "$TR" profile frob
expect_status 0 "keys" "$TR" profile keys
# The man page documents every key the loader accepts.
missing=$("$TR" profile keys | awk '{print $2}' | while read -r k; do grep -qF -- ".B ${k//-/\\-}" man/tickready-profile.5 || echo "$k"; done)
[ -z "$missing" ] && ok "every key is in tickready-profile(5)" || not_ok "keys missing from the man page: $missing"
finish
