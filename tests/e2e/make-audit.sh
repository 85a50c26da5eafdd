#!/usr/bin/env bash
# make audit: set-up on the host it audits installs audit's packages only, puts tickready on PATH's usual
# prefix, states the verdict and keeps "not ready" (make exits 0, audit.status 1) apart from "did not build" (2).
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
P=$(mktmp)
# A make of its own: nothing of the make running this test (BUILD, SAN, -j) leaks in.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory BUILD="$BUILD" "$@"; }

mk -n audit-deps >"$OUT" 2>"$ERR"
for pkg in chromium prometheus ansible-core lintian debhelper libcmocka-dev dpdk mandoc; do
	grep -qw -- "$pkg" "$OUT" && not_ok "audit-deps would install $pkg" || ok "audit-deps leaves out $pkg"
done
expect_grep "audit-deps installs what builds tickready" "libjansson-dev" "$OUT"

timeout 300 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory BUILD="$BUILD" PREFIX="$P" audit >"$OUT" 2>"$ERR"
rc=$?
status=$(cat "$BUILD/audit.status" 2>/dev/null)
[ "$rc" = 0 ] && ok "make audit exits 0 once the audit reached a verdict" || not_ok "make audit exit $rc"
case $status in 0 | 1) ok "audit.status holds audit's own status ($status)" ;; *) not_ok "audit.status: '$status'" ;; esac
want=$([ "$status" = 0 ] && echo "READY" || echo "NOT READY")
expect_grep "the last line states the verdict" "^make audit: $want \\(tickready audit exit $status\\)" <(tail -1 "$OUT")
[ -x "$P/bin/tickready" ] && ok "tickready installed under PREFIX/bin" || not_ok "no $P/bin/tickready"
[ -f "$P/share/man/man8/tickready-audit.8" ] && ok "its man pages installed" || not_ok "no man pages under $P"
[ -e "$P/bin/tickready-poller" ] && not_ok "the poller was installed by make audit" || ok "no poller (DPDK is not audit's)"
"$P/bin/tickready" audit --format json >/dev/null 2>&1
[ "$?" = "$status" ] && ok "the installed tickready gives the same status" || not_ok "installed tickready: status differs"

# A build that fails is make's 2, never taken for a verdict.
timeout 120 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory BUILD="$BUILD" PREFIX="$P" \
	TICKREADY="$P/no-such-dir/tickready" audit >"$OUT" 2>"$ERR"
rc=$?
[ "$rc" = 2 ] && ok "a tickready that cannot be built: make audit exits 2" || not_ok "unbuildable: exit $rc"
grep -q "^make audit: \(NOT \)\?READY" "$OUT" && not_ok "a verdict printed without an audit" || ok "no verdict without an audit"
finish
