#!/usr/bin/env bash
# End-to-end: make deb builds tickready and tickready-poller packages in a clean copy, lintian-clean
# (make deb fails on any lintian warning or error); their contents, dependencies and maintainer scripts.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
D=$(mktmp)

if timeout 900 make -s deb BUILD="$BUILD" >"$D/deb.log" 2>&1; then ok "make deb (lintian clean)"; else not_ok "make deb"; grep -E '^(E|W): |error' "$D/deb.log" | head -10 | sed 's/^/    /'; fi
V=$(dpkg-parsechangelog -S Version)
P=$BUILD/deb/tickready_${V}_amd64.deb
Q=$BUILD/deb/tickready-poller_${V}_amd64.deb
[ -f "$P" ] && [ -f "$Q" ] && ok "tickready_${V}_amd64.deb and the poller package" || not_ok "packages missing"
dpkg-deb -c "$P" | awk '{print $6}' >"$D/list"
for f in ./usr/bin/tickready ./usr/share/bash-completion/completions/tickready ./lib/systemd/system/tickready-audit.timer ./lib/systemd/system/tickready-audit.service \
	./lib/systemd/system/tickready-watch.timer ./lib/systemd/system/tickready-watch.service ./usr/share/man/man8/tickready-watch.8.gz \
	./usr/share/man/man8/tickready-report.8.gz ./usr/share/tickready/profiles/hft-balanced.ini; do
	grep -qx -- "$f" "$D/list" && ok "tickready ships $f" || not_ok "tickready lacks $f"
done
grep -q 'tickready-poller' "$D/list" && not_ok "poller files in the tickready package" || ok "poller files only in the poller package"
dpkg-deb -c "$Q" | grep -q '/usr/bin/tickready-poller$' && ok "poller package ships the poller" || not_ok "poller binary"
# What tickready opens at run time (core/dynlib.c) is no link dpkg-shlibdeps would see: named by hand.
for lib in libpci3 libyaml-0-2 zlib1g; do
	dpkg-deb -f "$P" Depends | tr ',' '\n' | grep -qx " *$lib\( .*\)\?" && ok "tickready depends on $lib" || not_ok "tickready depends: $(dpkg-deb -f "$P" Depends)"
done
dpkg-deb -f "$Q" Depends | grep -q 'librte-eal' && ok "poller depends on the DPDK runtime" || not_ok "poller depends: $(dpkg-deb -f "$Q" Depends)"
dpkg-deb --fsys-tarfile "$P" | tar -xO ./lib/systemd/system/tickready-audit.service | grep '^ExecStart=/usr/bin/tickready report' >/dev/null && ok "unit runs /usr/bin/tickready" || not_ok "unit ExecStart"
mkdir "$D/ctl"; dpkg-deb -e "$P" "$D/ctl"
# dh_installsystemd --no-enable --no-start: a unit is enabled again only if the operator had enabled it.
grep -qs 'deb-systemd-invoke start\|systemctl.* start' "$D/ctl/postinst" && not_ok "postinst starts a unit" || ok "postinst starts nothing"
[ "$(grep -c 'deb-systemd-helper enable' "$D/ctl/postinst")" = "$(grep -c 'was-enabled' "$D/ctl/postinst")" ] && ok "postinst enables only what was enabled" || not_ok "postinst enables a unit unasked"

finish
