#!/usr/bin/env bash
# End-to-end: make install puts tickready-watch.service and .timer in place (not enabled unless asked),
# systemd-analyze accepts them, and the service's own command line watches a fixture tree and writes its textfile.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
D=$(mktmp)
I=$D/root

make -s install BUILD="$BUILD" DESTDIR="$I" PREFIX=/usr WATCH_CALENDAR='Mon..Fri 07:55' >"$D/install.log" 2>&1 &&
	ok "make install into DESTDIR" || { not_ok "make install"; tail -5 "$D/install.log"; }
U=$I/lib/systemd/system
[ -f "$U/tickready-watch.service" ] && [ -f "$U/tickready-watch.timer" ] && ok "units installed" || not_ok "units missing"
[ ! -e "$I/etc/systemd/system/timers.target.wants/tickready-watch.timer" ] && ok "timer not enabled by default" || not_ok "timer enabled"
expect_grep "install says how to enable" 'tickready-watch.timer installed, not enabled' "$D/install.log"
expect_grep "calendar from WATCH_CALENDAR" '^OnCalendar=Mon..Fri 07:55$' "$U/tickready-watch.timer"
expect_grep "ExecStart under PREFIX, until the close" '^ExecStart=/usr/bin/tickready watch .*--until \$\{TICKREADY_WATCH_UNTIL\}' "$U/tickready-watch.service"
expect_grep "ends at 17:00 by default" '^Environment=TICKREADY_WATCH_UNTIL=17:00$' "$U/tickready-watch.service"
expect_grep "events are not a failure" '^SuccessExitStatus=1$' "$U/tickready-watch.service"

# systemd-analyze: the unit files parse (binary path pointed at the build, man pages not looked up).
mkdir "$D/u"
sed "s|/usr/bin/tickready|$TR|" "$U/tickready-watch.service" >"$D/u/tickready-watch.service"
cp "$U/tickready-watch.timer" "$D/u/"
if systemd-analyze verify --man=no "$D/u/tickready-watch.service" "$D/u/tickready-watch.timer" >"$D/verify.log" 2>&1; then
	ok "systemd-analyze verify"
else
	not_ok "systemd-analyze verify: $(head -3 "$D/verify.log")"
fi
systemd-analyze calendar "$(sed -n 's/^OnCalendar=//p' systemd/tickready-watch.timer)" >/dev/null 2>&1 && ok "shipped OnCalendar parses" || not_ok "OnCalendar"

make -s install BUILD="$BUILD" DESTDIR="$D/root2" PREFIX=/usr ENABLE_WATCH_TIMER=1 >"$D/install2.log" 2>&1
[ -L "$D/root2/etc/systemd/system/timers.target.wants/tickready-watch.timer" ] && ok "ENABLE_WATCH_TIMER=1 enables the timer" || not_ok "not enabled when asked"

# The service's command line as systemd would run it, its variables set, on a fixture tree for two intervals.
T=$(mktmp); cp -a "$SRC/tests/fixtures/base/." "$T/"
mkdir -p "$D/prom"
cmd=$(sed -n 's/^ExecStart=//p' "$D/u/tickready-watch.service")
cmd=${cmd//'${TICKREADY_PROFILE}'/$SRC/tests/fixtures/profiles/base.ini}
cmd=${cmd//'${TICKREADY_WATCH_INTERVAL}'/0.1}
cmd=${cmd//'${TICKREADY_WATCH_UNTIL}'/17:00}
cmd=${cmd//'${TICKREADY_PROM_DIR}'/$D/prom}
read -r -a argv <<<"$cmd"
timeout 60 "${argv[@]}" --root "$T" --count 2 >"$OUT" 2>"$ERR"; rc=$?
[ $rc = 0 ] && ok "service command on a quiet fixture exits 0" || { not_ok "service command exit $rc"; head -3 "$ERR"; }
[ -s "$D/prom/tickready_watch.prom" ] && ok "textfile written" || not_ok "textfile missing"
[ "$(tail -1 "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["events"])')" = 0 ] &&
	ok "JSON summary last" || not_ok "no JSON summary"

finish
