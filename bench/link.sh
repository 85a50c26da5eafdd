#!/usr/bin/env bash
# How tickready is linked, measured: the shipped link (PIE, jansson, libyaml, zlib and libm shared) against
# -no-pie, jansson and libyaml static, jansson/libyaml/zlib static with -no-pie, and a whole static binary,
# each relinked from build/'s objects. Per variant: the cpu of `--version` (the process start alone) and of a
# live `audit --format json`, interleaved by bench/interleave.py (medians, each variant's cpu against the
# shipped link's pair by pair). A benchmark, not a test.
# Why the shipped link stays: make deb runs lintian --fail-on warning,error, and -no-pie is its warning
# hardening-no-pie, a static zlib its error embedded-library, a static binary its error
# statically-linked-binary; a static glibc also loads libpci (core/pcie.c opens it for names) beside a
# second libc, and ASan builds cannot be static. Only jansson and libyaml static would pass lintian, for about
# 3 % of an audit here; not taken: libyaml parses the application's YAML, and a static copy would miss
# Debian's security updates of it.
set -u
cd "$(dirname "$0")/.."
B=${BUILD:-build}
ROUNDS=${ROUNDS:-60}
[ -f "$B/cli/main.o" ] && [ -f "$B/libtickready.a" ] || { echo "link.sh: build first (make)" >&2; exit 2; }
D=$(mktemp -d /tmp/tickready-link.XXXXXX)
trap 'rm -rf "$D"' EXIT
O="$B/cli/main.o $B/libtickready.a"
cc -o "$D/shipped" $O -ljansson -lyaml -lz -lm
cc -no-pie -o "$D/no-pie" $O -ljansson -lyaml -lz -lm
cc -o "$D/static-json-yaml" $O -Wl,-Bstatic -ljansson -lyaml -Wl,-Bdynamic -lz -lm
cc -no-pie -o "$D/static-deps-no-pie" $O -Wl,-Bstatic -ljansson -lyaml -lz -Wl,-Bdynamic -lm
cc -static -o "$D/static" $O -ljansson -lyaml -lz -lm 2>/dev/null
for args in --version "audit --format json"; do
	echo "$args (interleaved, $ROUNDS rounds; the first line is the shipped link)"
	python3 bench/interleave.py "$ROUNDS" "$D/shipped $args" "$D/no-pie $args" "$D/static-json-yaml $args" \
		"$D/static-deps-no-pie $args" "$D/static $args"
done
