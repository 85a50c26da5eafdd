#!/usr/bin/env bash
# End-to-end: tickready audit on the live host, on fixture trees and on bad input; capture round trip.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
FX=$SRC/tests/fixtures
D0=$(mktmp)

# Live host, default profile: a report, never an error.
timeout 60 "$TR" audit --format json >"$OUT" 2>"$ERR"; rc=$?
if [ $rc -le 1 ]; then ok "live audit exits 0 or 1 ($rc)"; else not_ok "live audit exit $rc"; cat "$ERR"; fi
if python3 -m json.tool "$OUT" >/dev/null; then ok "live audit JSON parses"; else not_ok "live audit JSON"; fi
[ "$(json "$OUT" 'd["schema"]')" = tickready.audit/1 ] && ok "schema tickready.audit/1" || not_ok "schema"
[ "$(json "$OUT" 'd["host"]["cpus"]["online"]')" = "$(cat /sys/devices/system/cpu/online)" ] && ok "host.cpus.online matches sysfs" || not_ok "host.cpus.online"
[ "$(json "$OUT" 'd["host"]["kernel"]["release"]')" = "$(uname -r)" ] && ok "kernel release" || not_ok "kernel release"
# Every check but the app area's, which needs an application (--app-config, --app-telemetry...).
[ "$(json "$OUT" 'len(d["checks"])')" = "$("$TR" checks --format json | python3 -c 'import json,sys; print(len([c for c in json.load(sys.stdin) if c["area"] != "app"]))')" ] && ok "every host check reported" || not_ok "check count"
json "$OUT" 'sorted(set(c["verdict"] for c in d["checks"]) - {"pass","warn","fail","skip","pending-reboot"})' | grep -qx '\[\]' && ok "verdicts are known words" || not_ok "unknown verdict"
json "$OUT" 'all(set(c) >= {"id","area","verdict","observed","expected","remedy","needs_reboot"} for c in d["checks"])' | grep -qx True && ok "every finding has the keys" || not_ok "finding keys"
json "$OUT" 'all(c["remedy"] for c in d["checks"] if c["verdict"] == "fail")' | grep -qx True && ok "every failure names a remedy" || not_ok "a failure without remedy"
json "$OUT" '[n for n in d["host"]["numa_nodes"] if "2048kB" not in n["hugepages"]]' | grep -qx '\[\]' && ok "per-node pools keyed by kernel name" || not_ok "hugepage keys"
expect_status 0 "text report" "$TR" audit --only cpu.housekeeping --profile dev
expect_grep "text has a summary line" '^summary: [0-9]+ pass, [0-9]+ warn, [0-9]+ fail, [0-9]+ skip' "$OUT"

# The fixture host under its profile: every check passes or skips, none fails.
expect_status 0 "base fixture passes its profile" "$TR" audit --root "$FX/base" --profile "$FX/profiles/base.ini" --format json
[ "$(json "$OUT" 'd["summary"]["fail"]')" = 0 ] && ok "no failures on base" || { not_ok "failures on base"; json "$OUT" '[(c["id"], c["observed"]) for c in d["checks"] if c["verdict"] in ("fail","warn")]'; }
[ "$(json "$OUT" '(d["verdict"], d["ready"])')" = "('ready', True)" ] && ok "base: JSON verdict ready" || not_ok "base: verdict $(json "$OUT" 'd.get("verdict")')"
[ "$(json "$OUT" 'd["host"]["cpus"]["isolated"]')" = "2-3,6-7" ] && ok "fixture isolated cpus" || not_ok "fixture isolated cpus"
[ "$(json "$OUT" '[n["hugepages"]["1048576kB"] for n in d["host"]["numa_nodes"]]')" = "[4, 4]" ] && ok "per-node 1G pools" || not_ok "per-node pools"
[ "$(json "$OUT" 'sorted(n["pci"] for n in d["host"]["nics"])')" = "['0000:18:00.0', '0000:3b:00.0', '0000:5e:00.0']" ] && ok "NICs include the vfio-bound device" || not_ok "nic inventory"
[ "$(json "$OUT" '[n["driver"] for n in d["host"]["nics"] if n["pci"] == "0000:5e:00.0"][0]')" = vfio-pci ] && ok "vfio-pci driver seen" || not_ok "vfio driver"

# A failing knob fails the audit with exit 1 and names the fix.
T=$(mktmp); cp -a "$FX/base/." "$T/"
echo 1 > "$T/proc/sys/kernel/timer_migration"
expect_status 1 "one failing check gives exit 1" "$TR" audit --root "$T" --profile "$FX/profiles/base.ini"
expect_grep "failure names the sysctl fix" 'sysctl -w kernel.timer_migration=0' "$OUT"
[ "$(tail -1 "$OUT")" = "NOT READY" ] && ok "text ends with the verdict word" || not_ok "text ends with '$(tail -1 "$OUT")'"
"$TR" audit --root "$T" --profile "$FX/profiles/base.ini" --format json >"$OUT" 2>/dev/null
[ "$(json "$OUT" '(d["verdict"], d["ready"])')" = "('not-ready', False)" ] && ok "JSON verdict not-ready" || not_ok "JSON verdict $(json "$OUT" 'd.get("verdict")')"
# Every line under a fix says what apply does: never "tickready apply:" with nothing after it
# (a check no other change covers had an empty note), on every fixture tree under every shipped profile.
empty=
for t in "$FX"/base "$FX"/untuned "$FX"/stack-* "$FX"/cloud-aws-c6in "$FX"/roles; do
	for p in $("$TR" profile list 2>/dev/null | awk '{print $1}'); do
		"$TR" audit --root "$t" --profile "$p" >"$OUT" 2>/dev/null
		grep -qE '(tickready apply|by hand):[[:space:]]*$' "$OUT" && empty="$empty ${t##*/}/$p"
	done
done
[ -z "$empty" ] && ok "no fix line ends empty (every tree x profile)" || not_ok "a fix line ends empty:$empty"
# A check staged for the next boot alone: PENDING REBOOT, exit 0, as report says.
T2=$(mktmp); cp -a "$FX/base/." "$T2/"
mkdir -p "$T2/proc/1"; printf 'Name:\tsystemd\nCpus_allowed_list:\t0-7\n' >"$T2/proc/1/status"
printf '[profile]\nname = base-pid1\ninclude = %s\n[tasks]\nallowed = poller,md-feed,systemd\n' "$FX/profiles/base.ini" >"$T2.ini"
expect_status 0 "pending alone exits 0" "$TR" audit --root "$T2" --profile "$T2.ini"
[ "$(tail -1 "$OUT")" = "PENDING REBOOT" ] && ok "text ends PENDING REBOOT" || not_ok "pending text ends with '$(tail -1 "$OUT")'"
"$TR" audit --root "$T2" --profile "$T2.ini" --format json >"$OUT" 2>/dev/null
"$TR" report --root "$T2" --profile "$T2.ini" --format json >"$T2.r" 2>/dev/null
[ "$(json "$OUT" '(d["verdict"], d["ready"])')" = "$(json "$T2.r" '(d["verdict"], d["ready"])')" ] && [ "$(json "$OUT" 'd["verdict"]')" = pending-reboot ] &&
	ok "audit's JSON verdict is report's (pending-reboot)" || not_ok "audit $(json "$OUT" 'd["verdict"]') vs report $(json "$T2.r" 'd["verdict"]')"

# --only and --strict
expect_status 0 "--only cpu,irq" "$TR" audit --root "$FX/base" --profile "$FX/profiles/base.ini" --only cpu,irq --format json
[ "$(json "$OUT" 'sorted(set(c["area"] for c in d["checks"]))')" = "['cpu', 'irq']" ] && ok "--only selects areas" || not_ok "--only areas"
expect_status 2 "--only unknown area is a usage error" "$TR" audit --only cpu,bogus
expect_grep "names the bad word" "bogus" "$ERR"
expect_status 2 "unknown option" "$TR" audit --bogus
expect_status 2 "unknown format" "$TR" audit --format xml
expect_grep "names the formats" "unknown format 'xml' \(text, json or none\)" "$ERR"
expect_status 1 "--format none: the exit status alone" "$TR" audit --root "$T" --profile "$FX/profiles/base.ini" --format none
[ ! -s "$OUT" ] && ok "--format none prints nothing" || not_ok "--format none printed $(head -c 80 "$OUT")"
expect_status 0 "--help" "$TR" audit --help
expect_grep "help lists --root" "--root DIR" "$OUT"
# help COMMAND is COMMAND --help, for every command; help alone lists the commands; a bad name is an error.
cp "$OUT" "$D0/audit-help"
cmds=$("$TR" help | sed -n 's/^  \([a-z]*\) .*/\1/p')
for c in $cmds; do
	"$TR" help "$c" >"$D0/help" 2>&1; rc=$?
	"$TR" "$c" --help >"$D0/dash" 2>&1
	[ "$rc" = 0 ] && cmp -s "$D0/help" "$D0/dash" && grep -q "^usage: tickready $c" "$D0/help" && n_help=$((${n_help:-0} + 1)) || not_ok "help $c is not $c --help (exit $rc)"
done
[ "${n_help:-0}" = "$(echo "$cmds" | wc -l)" ] && [ "${n_help:-0}" -ge 11 ] && ok "help COMMAND prints that command's usage, for all $n_help commands" || not_ok "help COMMAND: ${n_help:-0} of $(echo "$cmds" | wc -l)"
# Each synopsis is made from its option table: every option --help lists is in the usage lines, with its argument.
for c in $cmds; do
	"$TR" "$c" --help >"$D0/help" 2>&1
	miss=$(python3 - "$D0/help" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
usage, _, rest = t.partition("\n\n")
opts = rest.split("options:\n", 1)[1] if "options:\n" in rest else ""
miss = []
for m in re.finditer(r"^  (?:-\w, |    )--([\w-]+)(?: (\S+))?", opts, re.M):
    name, arg = m.group(1), m.group(2)
    if name == "help":
        continue
    want = "--" + name + (" " + arg if arg else "")
    if want not in usage.replace("\n", " "):
        miss.append(want)
print(" ".join(miss))
PY
)
	[ -z "$miss" ] && n_syn=$((${n_syn:-0} + 1)) || not_ok "$c --help: the usage lacks $miss"
done
[ "${n_syn:-0}" = "$(echo "$cmds" | wc -l)" ] && ok "every command's usage names each of its options ($n_syn commands)" || not_ok "usage lines: ${n_syn:-0} of $(echo "$cmds" | wc -l) complete"
expect_status 2 "help of an unknown command" "$TR" help bogus
expect_grep "names it" "unknown command 'bogus'" "$ERR"

# Bad roots.
expect_status 2 "missing root" "$TR" audit --root /nonexistent/tree
expect_grep "names the root" "/nonexistent/tree" "$ERR"
F=$(mktmp)/file; echo x > "$F"
expect_status 2 "a file as root" "$TR" audit --root "$F"
expect_grep "not a directory" "Not a directory" "$ERR"
E=$(mktmp)
timeout 20 "$TR" audit --root "$E" --format json >"$OUT" 2>"$ERR"; rc=$?
[ $rc -le 1 ] && ok "empty tree audits ($rc)" || { not_ok "empty tree exit $rc"; cat "$ERR"; }
[ "$(json "$OUT" 'd["summary"]["skip"] > 0')" = True ] && ok "empty tree skips" || not_ok "empty tree skips"

# Broken profiles.
P=$(mktmp)/p.ini; printf '[cpu]\nisolated_cores = 3-1\n' > "$P"
expect_status 2 "bad cpu list in profile" "$TR" audit --root "$FX/base" --profile "$P"
expect_grep "names file:line and key" "p.ini:2: \[cpu\] isolated_cores" "$ERR"
printf '[cpu]\nfrobnicate = 1\n' > "$P"
expect_status 2 "unknown key in profile" "$TR" audit --profile "$P"
expect_grep "names the unknown key" "p.ini:2: unknown key 'frobnicate'" "$ERR"
expect_status 2 "unknown profile name" "$TR" audit --profile no-such-profile

# Garbage in every kind of file: never a crash, never a hang (timeout 20 s).
G=$(mktmp); cp -a "$FX/base/." "$G/"
printf 'garbage\n' > "$G/sys/devices/system/cpu/online"
: > "$G/sys/devices/system/cpu/present"
printf '3-1\n' > "$G/sys/devices/system/cpu/isolated"
printf '0-99999\n' > "$G/sys/devices/system/cpu/nohz_full"
printf ',,\n' > "$G/sys/devices/system/node/node0/cpulist"
head -c 3000000 /dev/urandom > "$G/proc/interrupts"
head -c 100000 /dev/urandom > "$G/proc/cmdline"
printf 'abc\n' > "$G/proc/irq/24/smp_affinity_list"
printf '\x00\x01\x02' > "$G/proc/sys/kernel/osrelease"
printf 'x\n' > "$G/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages"
rm -f "$G/proc/mounts"; mkfifo "$G/proc/mounts"
head -c 2000000 /dev/zero | tr '\0' 'x' > "$G/proc/sys/kernel/timer_migration"
ln -sfn ../../../../../../../../../../etc "$G/sys/class/net/escape"
ln -sfn /etc/passwd "$G/proc/sys/vm/swappiness"
for prof in "$FX/profiles/base.ini" hft-strict hft-balanced dev; do
	timeout 20 "$TR" audit --root "$G" --profile "$prof" --format json >"$OUT" 2>"$ERR"; rc=$?
	if [ $rc -le 2 ] && [ $rc != 124 ]; then ok "garbage tree, profile $(basename "$prof"): exit $rc, no crash"; else not_ok "garbage tree crash/hang: exit $rc"; tail -3 "$ERR"; fi
done
timeout 20 "$TR" audit --root "$G" --profile dev --format json >"$OUT" 2>/dev/null
python3 -m json.tool "$OUT" >/dev/null && ok "garbage tree still gives valid JSON" || not_ok "garbage JSON"

# Capture: a directory and a tar.gz; auditing the capture agrees with the live audit
# on every check that needs no live ioctl or CPUID.
C=$(mktmp)
expect_status 0 "capture into a directory" "$TR" capture "$C/cap"
expect_status 0 "capture into a tar.gz" "$TR" capture "$C/cap.tar.gz"
mkdir "$C/untar" && tar -xzf "$C/cap.tar.gz" -C "$C/untar" && ok "tar.gz extracts" || not_ok "tar.gz extract"
"$TR" audit --format json --profile dev >"$C/live.json" 2>/dev/null
"$TR" audit --format json --profile dev --root "$C/cap" >"$C/cap.json" 2>/dev/null
"$TR" audit --format json --profile dev --root "$C/untar" >"$C/untar.json" 2>/dev/null
LIVE_ONLY="nic.coalesce nic.rings cpu.tsc power.cpu_model power.cpu_dma_latency tasks.isolated tasks.kthreads memory.stale_hugepages irq.irqbalance"
diffs=$(python3 - "$C/live.json" "$C/cap.json" "$LIVE_ONLY" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
skip = set(sys.argv[3].split())
va = {c["id"]: (c["verdict"], c["observed"]) for c in a["checks"]}
vb = {c["id"]: (c["verdict"], c["observed"]) for c in b["checks"]}
for k in va:
    if k not in skip and va[k][0] != vb.get(k, ("missing",))[0]:
        print(k, va[k], vb.get(k))
PY
)
[ -z "$diffs" ] && ok "capture audit agrees with live audit" || { not_ok "capture disagrees:"; echo "$diffs" | sed 's/^/    /'; }
cmp -s <(json "$C/cap.json" 'd["host"]["cpus"]') <(json "$C/untar.json" 'd["host"]["cpus"]') && ok "tar.gz capture audits the same" || not_ok "tar.gz capture differs"
[ "$(json "$C/cap.json" 'd["host"]["nics"][0]["name"] if d["host"]["nics"] else ""')" = "$(json "$C/live.json" 'd["host"]["nics"][0]["name"] if d["host"]["nics"] else ""')" ] && ok "capture keeps the NICs" || not_ok "capture NICs"
[ -d "$C/cap/.tickready/ethtool" ] && ok "capture keeps ioctl facts as files" || not_ok "no ethtool facts in capture"
expect_status 2 "capture needs an output" "$TR" capture

# The process table's read-ahead: a second thread only where the process may use a second housekeeping
# cpu (both cpus are, in HK01); none for an audit that reads no process, none under taskset to one cpu.
# (tests/e2e/confine.sh: never on an isolated cpu.)
if [ "$(nproc)" -ge 2 ]; then
	HK01=$D0/hk01.ini; printf '[cpu]\nhousekeeping_cores = 0-1\n' >"$HK01"
	# Threads only: LeakSanitizer's exit-time tracer is a clone without CLONE_THREAD.
	threads() { strace -f -qq -e trace=clone,clone3 -e signal=none "$@" 2>&1 >/dev/null | grep -cE 'clone3?\(.*CLONE_THREAD' || true; }
	[ "$(threads "$TR" audit --profile "$HK01" --format json)" = 1 ] && ok "a full audit reads the process table in one more thread" || not_ok "full audit: $(threads "$TR" audit --profile "$HK01" --format json) clones"
	[ "$(threads taskset -c 0 "$TR" audit --profile "$HK01" --format json)" = 0 ] && ok "under taskset to one cpu: no second thread" || not_ok "taskset -c 0: a thread was started"
	[ "$(threads "$TR" audit --profile "$HK01" --only cpu.governor --format json)" = 0 ] && ok "--only a check without processes: no second thread" || not_ok "--only cpu.governor started a thread"
	a=$("$TR" audit --profile "$HK01" --format json | json /dev/stdin '[(c["id"], c["verdict"]) for c in d["checks"] if c["id"].startswith("tasks.")]')
	b=$(taskset -c 0 "$TR" audit --profile "$HK01" --format json | json /dev/stdin '[(c["id"], c["verdict"]) for c in d["checks"] if c["id"].startswith("tasks.")]')
	[ -n "$a" ] && [ "$a" = "$b" ] && ok "tasks verdicts read ahead equal those read in one thread" || not_ok "read-ahead differs: $a vs $b"
fi

# The holder walk: procfs refuses a process's fd links all at once (ptrace access), so after one refusal
# the rest of that directory is not read: with the first of two links to the device refused, no holder.
H=$(mktmp)
cp -a "$FX/base" "$H/t"
ln -s /dev/cpu_dma_latency "$H/t/proc/4242/fd/7"
{ cat "$FX/profiles/base.ini"; printf '[power]\ncpu_dma_latency = held\n'; } >"$H/p.ini"
"$TR" audit --root "$H/t" --profile "$H/p.ini" --only power.cpu_dma_latency >"$H/a.txt" 2>&1
grep -q "PASS .*held by pid 4242" "$H/a.txt" && ok "holder found through its fd links" || not_ok "holder: $(cat "$H/a.txt")"
strace -qq -o /dev/null -e trace=readlinkat -e inject=readlinkat:error=EACCES:when=1 -P "$H/t/proc/4242/fd" \
	"$TR" audit --root "$H/t" --profile "$H/p.ini" --only power.cpu_dma_latency >"$H/b.txt" 2>&1
grep -q "FAIL .*not held by any process" "$H/b.txt" && ok "one refused fd link: the rest of that process's links are not read" ||
	not_ok "after a refused link: $(cat "$H/b.txt")"

# House rule: host files are opened only by core/sysroot.
bad=$(grep -nE '\b(fopen|opendir|open|openat|stat|lstat|access|readlink)\s*\(' checks/*.c core/host.c core/ethtool.c 2>/dev/null | grep -v 'sysroot_' || true)
[ -z "$bad" ] && ok "checks and host model read only through the sysroot" || { not_ok "direct host access:"; echo "$bad"; }
# A root with nothing to judge (empty, an unmounted mount point, an empty capture) is not ready, even with
# every check skipped but two: there is no host there.
E=$(mktmp)
expect_status 1 "an empty root: not ready" "$TR" audit --root "$E"
expect_grep "says why" "holds no cpu .*nothing here can be judged" "$ERR"
expect_status 1 "an empty root, --strict, JSON: not ready" "$TR" audit --root "$E" --strict --format json
[ "$(json "$OUT" 'd["summary"]["nothing_to_judge"]')" = True ] && ok "JSON: nothing_to_judge" || not_ok "summary: $(json "$OUT" 'd["summary"]')"
"$TR" report --root "$E" --format json >"$OUT" 2>"$ERR"
[ "$(json "$OUT" 'd["verdict"]')" = not-ready ] && ok "report: not-ready" || not_ok "report verdict: $(json "$OUT" 'd["verdict"]')"
mkdir -p "$E/cap/proc" && tar -C "$E/cap" -czf "$E/empty.tar.gz" .
expect_status 1 "an empty capture: not ready" "$TR" audit --root "$E/empty.tar.gz"
expect_status_in "0 1" "a fixture host is judged as before" "$TR" audit --root tests/fixtures/base --format json
[ "$(json "$OUT" 'd["summary"]["nothing_to_judge"]')" = False ] && ok "a fixture host has something to judge" || not_ok "fixture: nothing to judge?"
# A check and the plan that re-reads its knob open the file once (the run's memo): no file outside a
# process's own /proc/PID is opened for reading twice in one audit of the live host. The loader's cache is
# not the host's: a library opened on first use (core/dynlib.c) looks it up again. A file on neither procfs
# nor sysfs is opened for reading through /proc/self/fd once seen to be regular: strace -y names what that opened.
if command -v strace >/dev/null; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -y -o "$D0/opens" -e trace=openat,openat2 \
		-e status=successful "$TR" audit --profile hft-strict --format json >/dev/null 2>&1
	twice=$(grep -v -e O_PATH -e O_DIRECTORY "$D0/opens" |
		sed -n -e 's/.*"\/proc\/self\/fd\/[0-9]*".* = [0-9]*<\(.*\)>$/\1/p' -e 't' \
			-e 's/.*openat2\?([^,]*, "\([^"]*\)".*/\1/p' |
		grep -v -e '^/proc/[0-9]' -e '^/etc/ld\.so\.cache$' | sort | uniq -d)
	[ "$(grep -c openat2 "$D0/opens")" -gt 20 ] && [ -z "$twice" ] && ok "each file read once per audit" ||
		{ not_ok "files read twice in one audit"; echo "$twice" | head; }
fi

finish
