#!/usr/bin/env bash
# End-to-end: make install puts tickready-audit.service and .timer in place (not enabled unless asked),
# systemd-analyze accepts them, and the service's own command line writes the textfile, HTML and JSON.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
D=$(mktmp)
I=$D/root

make -s install BUILD="$BUILD" DESTDIR="$I" PREFIX=/usr AUDIT_CALENDAR='Mon..Sat 05:45' >"$D/install.log" 2>&1 &&
	ok "make install into DESTDIR" || { not_ok "make install"; tail -5 "$D/install.log"; }
U=$I/lib/systemd/system
[ -f "$U/tickready-audit.service" ] && [ -f "$U/tickready-audit.timer" ] && ok "units installed" || not_ok "units missing"
[ ! -e "$I/etc/systemd/system/timers.target.wants/tickready-audit.timer" ] && ok "timer not enabled by default" || not_ok "timer enabled"
expect_grep "install says how to enable" 'not enabled' "$D/install.log"
expect_grep "calendar from AUDIT_CALENDAR" '^OnCalendar=Mon..Sat 05:45$' "$U/tickready-audit.timer"
expect_grep "ExecStart under PREFIX" '^ExecStart=/usr/bin/tickready report ' "$U/tickready-audit.service"
expect_grep "textfile where Debian's node exporter reads it" '^Environment=TICKREADY_PROM_DIR=/var/lib/prometheus/node-exporter$' "$U/tickready-audit.service"
[ -f "$I/usr/share/man/man8/tickready-report.8" ] && ok "man page installed" || not_ok "man page"

# systemd-analyze: the unit files parse (binary path pointed at the build, man pages not looked up).
mkdir "$D/u"
sed "s|/usr/bin/tickready|$TR|" "$U/tickready-audit.service" >"$D/u/tickready-audit.service"
cp "$U/tickready-audit.timer" "$D/u/"
if systemd-analyze verify --man=no "$D/u/tickready-audit.service" "$D/u/tickready-audit.timer" >"$D/verify.log" 2>&1; then
	ok "systemd-analyze verify"
else
	not_ok "systemd-analyze verify: $(head -3 "$D/verify.log")"
fi
systemd-analyze calendar "$(sed -n 's/^OnCalendar=//p' systemd/tickready-audit.timer)" >/dev/null 2>&1 && ok "shipped OnCalendar parses" || not_ok "OnCalendar"

make -s install BUILD="$BUILD" DESTDIR="$D/root2" PREFIX=/usr ENABLE_AUDIT_TIMER=1 >"$D/install2.log" 2>&1
[ -L "$D/root2/etc/systemd/system/timers.target.wants/tickready-audit.timer" ] && ok "ENABLE_AUDIT_TIMER=1 enables the timer" || not_ok "not enabled when asked"

# The service's command line, as systemd would run it (its variables pointed at a scratch dir).
mkdir -p "$D/prom" "$D/out"
cmd=$(sed -n 's/^ExecStart=//p' "$D/u/tickready-audit.service")
cmd=${cmd//'${TICKREADY_PROFILE}'/dev}
cmd=${cmd//'${TICKREADY_PROM_DIR}'/$D/prom}
cmd=${cmd//'${TICKREADY_HTML}'/$D/out/report.html}
cmd=${cmd//'${TICKREADY_JSON}'/$D/out/report.json}
read -r -a argv <<<"$cmd"
timeout 120 "${argv[@]}" >"$OUT" 2>"$ERR"; rc=$?
[ $rc -le 1 ] && ok "service command exits 0 or 1 ($rc)" || { not_ok "service command exit $rc"; head -3 "$ERR"; }
[ -s "$D/prom/tickready.prom" ] && [ -s "$D/out/report.html" ] && ok "textfile and HTML written" || not_ok "outputs missing"
[ "$(json "$D/out/report.json" 'd["schema"]')" = tickready.report/1 ] && ok "JSON document written" || not_ok "JSON"
[ ! -s "$OUT" ] && ok "--format none: nothing on stdout" || not_ok "stdout not empty"

finish
