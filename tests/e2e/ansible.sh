#!/usr/bin/env bash
# End-to-end: the Ansible role (contrib/ansible) against localhost over a local connection: check mode
# (report only), a source install and audit run, the default install (the .deb `make deb` builds, in a
# play with gather_facts: false; purged after), the verdict in the play output and the exit statuses,
# and apply with the confirm handler on a fixture tree.
# Reports land in a scratch fetch dir; the asserts are on the fetched files, the fleet page and the play output.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
D=$(mktmp)
DEB_INSTALLED_HERE=
# dpkg_state PKG: dpkg's status word for PKG ("install ok installed"), empty when dpkg never heard of it.
dpkg_state() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null; }
cleanup() {
	for pid in $(pgrep -f "revert --root $D/"); do kill "$pid" 2>/dev/null; done
	[ -n "$DEB_INSTALLED_HERE" ] && dpkg --purge tickready >/dev/null 2>&1
	cleanup_tmps
}
trap cleanup EXIT

if ! command -v ansible-playbook >/dev/null; then
	not_ok "ansible-playbook missing (make deps installs ansible-core)"
	finish; exit
fi
echo 'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3' >"$D/inventory"
export ANSIBLE_ROLES_PATH=$SRC/contrib/ansible/roles ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
	ANSIBLE_LOCAL_TEMP=$D/ansible-local ANSIBLE_REMOTE_TEMP=$D/ansible-remote ANSIBLE_HOME=$D/ansible-home
play() { # play LOG ARGS...: ansible-playbook on the test playbook, output in LOG
	local log=$1; shift
	timeout 300 ansible-playbook -i "$D/inventory" "$SRC/tests/ansible/site.yml" \
		-e tickready_controller_bin="$TR" -e tickready_profile=dev "$@" >"$log" 2>&1
}

# Check mode: installs nothing, still reports and fetches.
F1=$D/fetch-check
if play "$D/check.log" --check -e tickready_install=source -e tickready_source_dir="$SRC" \
	-e tickready_install_destdir="$D/never" -e tickready_bin="$TR" \
	-e tickready_remote_dir="$D/remote1" -e tickready_fetch_dir="$F1"; then
	ok "check mode run"
else
	not_ok "check mode run"; tail -20 "$D/check.log" | sed 's/^/    /'
fi
[ ! -e "$D/never" ] && ok "check mode installs nothing" || not_ok "check mode installed"
[ "$(json "$F1/localhost.json" 'd["schema"]')" = tickready.report/1 ] && ok "check mode: report fetched" || not_ok "check mode: no report"
expect_grep "check mode: HTML fetched" '<header id="verdict"' "$F1/localhost.html"
[ "$(json "$F1/fleet.json" 'd["summary"]["hosts"]')" = 1 ] && ok "check mode: fleet page built" || not_ok "check mode: fleet"
[ -s "$F1/index.html" ] && ok "check mode: fleet HTML" || not_ok "fleet HTML"

# Audit run: build and install from this checkout into a scratch DESTDIR, report with it.
F2=$D/fetch-audit
if play "$D/audit.log" -e tickready_install=source -e tickready_source_dir="$SRC" -e tickready_source_deps=false \
	-e tickready_install_destdir="$D/dest" -e tickready_remote_dir="$D/remote2" -e tickready_fetch_dir="$F2"; then
	ok "audit run"
else
	not_ok "audit run"; tail -20 "$D/audit.log" | sed 's/^/    /'
fi
[ -x "$D/dest/usr/local/bin/tickready" ] && ok "installed from source into DESTDIR" || not_ok "not installed"
[ -f "$D/dest/usr/local/share/bash-completion/completions/tickready" ] && ok "make install installs the bash completion" ||
	not_ok "no bash completion installed"
[ "$(json "$F2/localhost.json" 'd["hostname"] != "" and d["root"] == "/"')" = True ] && ok "audit run: report fetched" || not_ok "audit run: report"
[ "$(json "$F2/fleet.json" '[h["file"] for h in d["hosts"]]')" = "['localhost.json']" ] && ok "fleet lists the host" || not_ok "fleet hosts"
expect_grep "fleet links the host page" 'href="localhost.html"' "$F2/index.html"

# The verdict in the play output, in a play that gathers no facts: the fixture tree under the dev
# profile fails 9 checks (nic.chain is the 9th: the list is whole, not cut at 8 like the reasons).
FAILING='memory.hugepages, memory.hugetlbfs, memory.thp, memory.numa_balancing, irq.affinity, irq.default_affinity, kernel.timer_migration, kernel.stat_interval, nic.chain'
expect_verdict() { # expect_verdict NAME LOG: the not-ready verdict of the untuned fixture, its exit status and failing checks
	expect_grep "$1: verdict and exit status in the play output" '"verdict: not-ready \(tickready report exit 1, profile dev\)"' "$2"
	expect_grep "$1: every failing check in the play output" "\"failing checks: $FAILING\"" "$2"
	expect_grep "$1: the report's reasons" '"audit: 9 checks failed' "$2"
}
nofacts() { # nofacts LOG ARGS...: the role in a play with gather_facts: false
	local log=$1; shift
	timeout 600 ansible-playbook -i "$D/inventory" "$SRC/tests/ansible/nofacts.yml" \
		-e tickready_controller_bin="$TR" -e tickready_profile=dev -e tickready_root="$FX/untuned" "$@" >"$log" 2>&1
}

# The default install without a package named: refused before anything is installed, saying what to set.
nofacts "$D/nodeb.log" -e tickready_remote_dir="$D/remote6" -e tickready_fetch_dir="$D/fetch-nodeb"
rc=$?
[ "$rc" = 2 ] && ok "deb install without tickready_deb: the play fails (exit 2)" || not_ok "play exit $rc, wanted 2"
expect_grep "the refusal names the variable and make deb" 'tickready_install=deb needs tickready_deb.*make deb' "$D/nodeb.log"
[ ! -e "$D/fetch-nodeb" ] && ok "nothing reported after the refusal" || not_ok "reported after refusing"

# The default install: the .deb make deb builds (built here when it is not there yet), as root, on a
# host where no tickready package is installed; purged after, so dpkg knows it as before.
V=$(dpkg-parsechangelog -S Version)
DEB=$SRC/$BUILD/deb/tickready_${V}_amd64.deb
before=$(dpkg_state tickready)
if [ "$(id -u)" != 0 ] || [ "$before" = "install ok installed" ]; then
	ok "# skip the .deb install: $([ "$(id -u)" != 0 ] && echo "not root" || echo "a tickready package is installed on this host")"
else
	[ -f "$DEB" ] || timeout 900 make -s deb BUILD="$BUILD" >"$D/make-deb.log" 2>&1 || tail -5 "$D/make-deb.log" | sed 's/^/    /'
	# One .deb run at a time on this host: another one would purge the package under this one. The lock is
	# dpkg's database directory, which every host has, so no lock file is left behind.
	exec 9</var/lib/dpkg
	flock 9
	DEB_INSTALLED_HERE=1
	F4=$D/fetch-deb
	if nofacts "$D/deb.log" -e tickready_deb="$DEB" -e tickready_deb_dir="$D/debs" \
		-e tickready_remote_dir="$D/remote4" -e tickready_fetch_dir="$F4"; then
		ok "deb install, gather_facts false: the play passes for a host that is not ready"
	else
		not_ok "deb install run"; tail -20 "$D/deb.log" | sed 's/^/    /'
	fi
	expect_grep "the role gathered the facts it needs" '^ok: \[localhost\]' <(sed -n '/TASK \[tickready : Gather the facts the install needs\]/,/^$/p' "$D/deb.log")
	[ "$(dpkg_state tickready)" = "install ok installed" ] && ok "the package is installed" || not_ok "package state: $(dpkg_state tickready)"
	[ -f "$D/debs/tickready_${V}_amd64.deb" ] && ok "the .deb was copied to tickready_deb_dir" || not_ok "no .deb in $D/debs"
	[ "$(json "$F4/localhost.json" 'd["root"]')" = "$FX/untuned" ] && ok "deb run: report fetched" || not_ok "deb run: report"
	expect_verdict "deb run" "$D/deb.log"
	dpkg --purge tickready >"$D/purge.log" 2>&1 && ok "package purged" || not_ok "dpkg --purge: $(tail -1 "$D/purge.log")"
	[ "$(dpkg_state tickready)" = "$before" ] && ok "dpkg knows tickready as before the test ('$before')" ||
		not_ok "dpkg state after: '$(dpkg_state tickready)', before: '$before'"
	[ ! -e /usr/bin/tickready ] && ok "/usr/bin/tickready gone" || not_ok "/usr/bin/tickready left behind"
	DEB_INSTALLED_HERE=
	flock -u 9
fi

# Without a package (the build's binary): the same verdict; a not-ready host fails the play only when asked.
F5=$D/fetch-strict
nofacts "$D/fail.log" -e tickready_install=none -e tickready_bin="$TR" -e tickready_fail_not_ready=true \
	-e tickready_remote_dir="$D/remote5" -e tickready_fetch_dir="$F5"
rc=$?
[ "$rc" = 2 ] && ok "tickready_fail_not_ready: the play fails the host (exit 2)" || { not_ok "play exit $rc, wanted 2"; tail -20 "$D/fail.log" | sed 's/^/    /'; }
expect_verdict "install none" "$D/fail.log"
expect_grep "the failure says why" 'localhost is not ready: audit: 9 checks failed' "$D/fail.log"
[ -s "$F5/index.html" ] && [ -s "$F5/localhost.json" ] && ok "the fleet page is built before the host fails" || not_ok "fleet page missing"
grep -q 'Gather the facts the install needs' "$D/fail.log" && not_ok "facts gathered for install none" || ok "install none gathers no facts"

# Apply on a fixture tree: --confirm, and the handler confirms after reconnecting.
T=$D/tree; fresh_tree "$T"
F3=$D/fetch-apply
if play "$D/apply.log" -e tickready_install=none -e tickready_bin="$TR" -e tickready_root="$T" \
	-e tickready_profile="$APROF" -e tickready_apply=true -e tickready_confirm_seconds=60 \
	-e tickready_remote_dir="$D/remote3" -e tickready_fetch_dir="$F3"; then
	ok "apply run"
else
	not_ok "apply run"; tail -20 "$D/apply.log" | sed 's/^/    /'
fi
expect_grep "handler confirmed" 'RUNNING HANDLER \[tickready : Confirm the applied run\]' "$D/apply.log"
[ ! -e "$T/var/lib/tickready/confirm-pending" ] && ok "nothing left pending confirmation" || not_ok "still pending"
[ "$(cat "$T/proc/sys/kernel/timer_migration")" = 0 ] && ok "applied value stays" || not_ok "not applied"
[ "$(json "$F3/localhost.json" 'len(d["status"]["runs"]), d["pending_confirmation"]')" = "(1, None)" ] && ok "report after apply: one run, confirmed" || not_ok "report status"
expect_grep "apply run: its verdict in the play output" '"verdict: pending-reboot \(tickready report exit 0, profile '"$APROF"'\)"' "$D/apply.log"
for pid in $(pgrep -f "revert --root $T "); do kill "$pid" 2>/dev/null; done

finish
