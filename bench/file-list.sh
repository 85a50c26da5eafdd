#!/usr/bin/env bash
# The files (and directories, '/'-ended) a command opens after its loader, one a line: bench/floor.c's list.
# ROOT prefixes the paths opened under a --root ("/" live). Usage: bench/file-list.sh ROOT COMMAND...
set -u
root=$1; shift
trace=$(mktemp /tmp/trfilelist.XXXXXX)
trap 'rm -f "$trace"' EXIT
strace -f -qq -e trace=openat,openat2 -e status=successful -o "$trace" "$@" >/dev/null 2>&1
python3 - "$trace" "$root" <<'PY'
import re, sys
root = sys.argv[2].rstrip("/")
for line in open(sys.argv[1]):
    m = re.search(r'openat2?\((\S+), "([^"]+)", (.*)', line)
    if not m or m.group(2).startswith(("/etc/ld.so", "/lib", "/usr/lib/x86_64-linux-gnu/lib")) and "AT_FDCWD" in m.group(1):
        continue
    p = m.group(2) if m.group(1) == "AT_FDCWD" else root + m.group(2)
    print(p + ("/" if "O_DIRECTORY" in m.group(3) else ""))
PY
