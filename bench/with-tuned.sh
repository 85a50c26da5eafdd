#!/usr/bin/env bash
# Runs a command with the tuned daemon up, so bench/run.sh can time `tuned-adm verify` beside the audit on
# a host where tuned is installed but not running (no systemd). tuned changes live settings while up
# (profile $TUNED_PROFILE, default balanced) and `tuned-adm off` rolls them back: run it under the
# host's shared lock. Usage: bench/with-tuned.sh COMMAND...
set -u
command -v tuned >/dev/null && command -v tuned-adm >/dev/null || { echo "with-tuned: tuned is not installed" >&2; exit 2; }
profile=${TUNED_PROFILE:-balanced}
dbus_pid="" tuned_pid=""
cleanup() {
	[ -n "$tuned_pid" ] && { tuned-adm off >/dev/null 2>&1; kill "$tuned_pid" 2>/dev/null; while kill -0 "$tuned_pid" 2>/dev/null; do sleep 0.1; done; }
	[ -n "$dbus_pid" ] && { kill "$dbus_pid" 2>/dev/null; rm -f /run/dbus/system_bus_socket /run/dbus/pid; }
	return 0
}
trap cleanup EXIT
if ! tuned-adm active >/dev/null 2>&1; then
	if [ ! -S /run/dbus/system_bus_socket ]; then
		mkdir -p /run/dbus
		dbus_pid=$(dbus-daemon --system --fork --print-pid) || { echo "with-tuned: cannot start dbus" >&2; exit 2; }
	fi
	tuned --daemon || { echo "with-tuned: cannot start tuned" >&2; exit 2; }
	for _ in $(seq 100); do [ -s /run/tuned/tuned.pid ] && tuned-adm list >/dev/null 2>&1 && break; sleep 0.1; done
	tuned_pid=$(cat /run/tuned/tuned.pid 2>/dev/null)
	[ -n "$tuned_pid" ] || { echo "with-tuned: tuned did not come up" >&2; exit 2; }
	tuned-adm profile "$profile" >/dev/null || { echo "with-tuned: cannot load profile $profile" >&2; exit 2; }
fi
"$@"
