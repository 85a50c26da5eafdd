#!/usr/bin/env bash
# End-to-end: the Ansible role (contrib/ansible) against localhost over a local connection: check mode
# (report only), a source install and audit run, and apply with the confirm handler on a fixture tree.
# Reports land in a scratch fetch dir; the asserts are on the fetched files and the fleet page.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
D=$(mktmp)
trap 'for pid in $(pgrep -f "revert --root $D/"); do kill "$pid" 2>/dev/null; done; cleanup_tmps' EXIT

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
[ "$(json "$F2/localhost.json" 'd["hostname"] != "" and d["root"] == "/"')" = True ] && ok "audit run: report fetched" || not_ok "audit run: report"
[ "$(json "$F2/fleet.json" '[h["file"] for h in d["hosts"]]')" = "['localhost.json']" ] && ok "fleet lists the host" || not_ok "fleet hosts"
expect_grep "fleet links the host page" 'href="localhost.html"' "$F2/index.html"

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
for pid in $(pgrep -f "revert --root $T "); do kill "$pid" 2>/dev/null; done

finish
