#!/usr/bin/env bash
# How tickready is linked, measured: the shipped link (PIE; jansson and libm shared; libyaml and zlib opened on
# first use, core/dynlib.c) against libyaml and zlib linked as well (the link before), -no-pie, jansson static,
# jansson static with -no-pie, and a whole static binary, each relinked from build/'s objects. Per variant: the
# cpu of `--version` (the process start alone) and of a live `audit --format json`, interleaved by
# bench/interleave.py (medians, each variant's cpu against the shipped link's pair by pair). A benchmark, not a test.
# Why the shipped link stays: make deb runs lintian --fail-on warning,error, and -no-pie is its warning
# hardening-no-pie, a static binary its error statically-linked-binary; a static glibc also opens libpci,
# libyaml and zlib beside a second libc, and ASan builds cannot be static. Only jansson static would pass
# lintian, for about 1 % of an audit here: not worth a copy of it that misses Debian's security updates.
set -u
cd "$(dirname "$0")/.."
B=${BUILD:-build}
ROUNDS=${ROUNDS:-60}
[ -f "$B/cli/main.o" ] && [ -f "$B/libtickready.a" ] || { echo "link.sh: build first (make)" >&2; exit 2; }
D=$(mktemp -d /tmp/tickready-link.XXXXXX)
trap 'rm -rf "$D"' EXIT
O="$B/cli/main.o $B/libtickready.a"
cc -o "$D/shipped" $O -ljansson -lm
cc -o "$D/linked-yaml-z" $O -Wl,--no-as-needed -ljansson -lyaml -lz -lm
cc -no-pie -o "$D/no-pie" $O -ljansson -lm
cc -o "$D/static-json" $O -Wl,-Bstatic -ljansson -Wl,-Bdynamic -lm
cc -no-pie -o "$D/static-json-no-pie" $O -Wl,-Bstatic -ljansson -Wl,-Bdynamic -lm
cc -static -o "$D/static" $O -ljansson -lm 2>/dev/null
for args in --version "audit --format json"; do
	echo "$args (interleaved, $ROUNDS rounds; the first line is the shipped link)"
	python3 bench/interleave.py "$ROUNDS" "$D/shipped $args" "$D/linked-yaml-z $args" "$D/no-pie $args" \
		"$D/static-json $args" "$D/static-json-no-pie $args" "$D/static $args"
done
