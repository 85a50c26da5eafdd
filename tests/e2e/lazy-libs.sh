# libyaml and zlib are opened on first use: a plain audit loads neither; an audit that needs one says so when it cannot open it.
. "$(dirname "$0")/lib.sh"

BASE=(--root "$SRC/tests/fixtures/base" --profile "$SRC/tests/fixtures/profiles/base.ini")
YAML=$SRC/tests/fixtures/app/trading.yaml
D=$(mktmp)
lib_path() { ldconfig -p | awk -v so="$1" '$1 == so && /x86-64/ { print $NF; exit }'; }
LIBYAML=$(lib_path libyaml-0.so.2) LIBZ=$(lib_path libz.so.1)
# WITHOUT LIB CMD...: CMD with the library at LIB unreadable as one (an empty file bound over it), in a mount namespace of its own.
WITHOUT=(unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh)

# What each run opens: libraries opened by name, from strace.
opened() { strace -f -qq -e trace=openat -o "$D/trace" "$@" >/dev/null 2>&1; grep -oE 'lib(yaml-0|z)\.so\.[0-9]+' "$D/trace" | sort -u | tr '\n' ' '; }
got=$(opened "$TR" audit "${BASE[@]}")
if [ -z "$got" ]; then ok "a plain audit opens neither libyaml nor zlib"; else not_ok "a plain audit opened: $got"; fi
got=$(opened "$TR" audit "${BASE[@]}" --app-config "$YAML" --only app)
if [ "$got" = "libyaml-0.so.2 " ]; then ok "an application's YAML opens libyaml alone"; else not_ok "YAML audit opened: '$got'"; fi

expect_status 2 "libyaml unloadable: exit 2" "${WITHOUT[@]}" "$LIBYAML" "$TR" audit "${BASE[@]}" --app-config "$YAML" --only app
expect_grep "the file and the library named" "cannot read '$YAML': YAML needs libyaml \(.*libyaml-0.so.2" "$ERR"

# /proc/config.gz answers NO_HZ_FULL where no nohz_full file and no /boot config do.
cp -a "$SRC/tests/fixtures/base" "$D/tree"
rm "$D/tree/sys/devices/system/cpu/nohz_full"
printf '# comment\nCONFIG_NO_HZ_FULL=y\n' | gzip -9 > "$D/tree/proc/config.gz"
GZ=(--root "$D/tree" --profile "$SRC/tests/fixtures/profiles/base.ini" --only kernel.nohz_full_config --format json)
expect_status 0 "config.gz read through zlib" "$TR" audit "${GZ[@]}"
expect_grep "passes from /proc/config.gz" '"observed": "CONFIG_NO_HZ_FULL=y \(/proc/config.gz\)"' "$OUT"
expect_status 0 "zlib unloadable: the check skips" "${WITHOUT[@]}" "$LIBZ" "$TR" audit "${GZ[@]}"
expect_grep "the skip names zlib" '"observed": "no /sys/devices/system/cpu/nohz_full, no /boot/config-6.1.0-28-amd64, and /proc/config.gz needs zlib \(.*libz.so.1' "$OUT"
finish
