#!/usr/bin/env bash
# End-to-end: the Ansible role's watch toggle (tasks/watch.yml) against localhost: tickready_watch true
# writes the settings tickready-watch.service reads, a bad tickready_watch_until is refused, and where
# systemd does not run (this VM, a container) the timer is left alone with a message.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
D=$(mktmp)

if ! command -v ansible-playbook >/dev/null; then
	not_ok "ansible-playbook missing (make deps installs ansible-core)"
	finish; exit
fi
echo 'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3' >"$D/inventory"
export ANSIBLE_ROLES_PATH=$SRC/contrib/ansible/roles ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
	ANSIBLE_LOCAL_TEMP=$D/ansible-local ANSIBLE_REMOTE_TEMP=$D/ansible-remote ANSIBLE_HOME=$D/ansible-home
play() { # play LOG ARGS...
	local log=$1; shift
	timeout 300 ansible-playbook -i "$D/inventory" "$SRC/tests/ansible/watch.yml" \
		-e tickready_profile=dev -e tickready_watch_defaults_file="$D/tickready-watch" "$@" >"$log" 2>&1
}

play "$D/on.log" -e tickready_watch=true -e tickready_watch_until=16:30 -e tickready_watch_interval=2 &&
	ok "tickready_watch=true runs" || { not_ok "tickready_watch=true"; tail -5 "$D/on.log"; }
expect_grep "settings: the profile" '^TICKREADY_PROFILE=dev$' "$D/tickready-watch"
expect_grep "settings: the end" '^TICKREADY_WATCH_UNTIL=16:30$' "$D/tickready-watch"
expect_grep "settings: the interval" '^TICKREADY_WATCH_INTERVAL=2$' "$D/tickready-watch"
if [ -d /run/systemd/system ]; then
	echo "# systemd runs here: the timer tasks are not exercised by this test (it would change the host)"
else
	expect_grep "no systemd: said, timer left alone" 'systemd does not run on localhost' "$D/on.log"
fi
rm -f "$D/tickready-watch"
if play "$D/bad.log" -e tickready_watch=true -e tickready_watch_until=25:00; then
	not_ok "tickready_watch_until=25:00 accepted"
else
	ok "tickready_watch_until=25:00 fails the play"
fi
expect_grep "names the value" "tickready_watch_until '25:00': HH:MM" "$D/bad.log"
[ ! -e "$D/tickready-watch" ] && ok "nothing written for a bad end" || not_ok "settings written for a bad end"
play "$D/off.log" -e tickready_watch=false && ok "tickready_watch=false runs" || { not_ok "tickready_watch=false"; tail -5 "$D/off.log"; }
[ ! -e "$D/tickready-watch" ] && ok "false writes no settings" || not_ok "false wrote settings"

finish
