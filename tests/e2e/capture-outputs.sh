#!/usr/bin/env bash
# capture's outputs are never written through a link: a link at OUT.tar.gz or --report FILE is refused
# (its target untouched), so is a path through another user's link; the archive and the report land by
# rename of a temporary beside them. A name with ':' is a local file to tar, never a remote archive.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
D=$(mktmp)
FX=tests/fixtures/untuned
SH=$D/shared; mkdir -m 1777 "$SH"
echo "victim" >"$D/victim"

ln -s "$D/victim" "$SH/out.tar.gz"; chown -h 65534:65534 "$SH/out.tar.gz"
expect_status 2 "OUT.tar.gz is another user's link: refused" "$TR" capture --root "$FX" "$SH/out.tar.gz"
expect_grep "says why" "is a symbolic link" "$ERR"
[ "$(cat "$D/victim")" = victim ] && ok "the link's target is untouched" || not_ok "victim overwritten"

ln -s "$D/victim" "$SH/report.json"; chown -h 65534:65534 "$SH/report.json"
expect_status 2 "--report FILE is a link: refused" "$TR" capture --root "$FX" --report "$SH/report.json" "$D/c1"
[ "$(cat "$D/victim")" = victim ] && ok "--report: the link's target is untouched" || not_ok "victim overwritten"
[ ! -e "$D/c1" ] && ok "--report refused before any capture" || not_ok "captured anyway"

mkdir "$D/elsewhere"; ln -s "$D/elsewhere" "$SH/dir"; chown -h 65534:65534 "$SH/dir"
expect_status 2 "a directory output through another user's link: refused" "$TR" capture --root "$FX" "$SH/dir/cap"
expect_grep "names the link" "goes through '$SH/dir', a link another user owns" "$ERR"
[ -z "$(ls -A "$D/elsewhere")" ] && ok "nothing written where the link points" || not_ok "wrote through the link"

expect_status 0 "an archive name with ':'" "$TR" capture --root "$FX" --report "$D/r:1.json" "$D/host:1.tar.gz"
[ -s "$D/host:1.tar.gz" ] && [ -s "$D/r:1.json" ] && ok "both written as local files" || not_ok "missing: $(ls "$D")"
ls -A "$D" | grep -q '^\.' && not_ok "a temporary was left beside: $(ls -A "$D" | grep '^\.')" || ok "no temporary left beside"
expect_status_in "0 1" "audit of the ':' archive" "$TR" audit --root "$D/host:1.tar.gz" --format json
[ "$(json "$OUT" 'd["schema"]')" != "" ] && ok "read back" || not_ok "not read back"

# An archive that unpacks to more than a capture ever holds (here 1.1 GiB of a sparse file in a small
# archive): refused from its listing, before anything is unpacked.
B=$D/bomb; mkdir -p "$B/proc" && echo x >"$B/proc/cmdline" && truncate -s 1100M "$B/proc/big"
tar -C "$B" -czSf "$D/bomb.tar.gz" . && rm -rf "$B"
before=$(ls -d /tmp/tickready-root-* 2>/dev/null | wc -l)
expect_status 2 "a 1.1 GiB archive: refused" "$TR" audit --root "$D/bomb.tar.gz"
expect_grep "says why" "holds more than 1 GiB unpacked .*nothing was unpacked" "$ERR"
[ "$(ls -d /tmp/tickready-root-* 2>/dev/null | wc -l)" = "$before" ] && ok "nothing unpacked" || not_ok "an unpacked tree was left"
finish
