#!/usr/bin/env bash
# The files a command opens after its loader, one a line: bench/floor.c's list. Directories are '/'-ended,
# paths only looked up (O_PATH) '@'-ended. strace -y names each directory fd, so a path opened under one
# (a --root, a kept /proc or /sys) is listed whole. A file looked up (O_PATH) and then reopened for reading
# through /proc/self/fd (core/sysroot.c: any file but a live procfs's or sysfs's) is listed once, as read: the floor opens
# it plainly. Usage: bench/file-list.sh COMMAND...
set -u
trace=$(mktemp /tmp/trfilelist.XXXXXX)
trap 'rm -f "$trace"' EXIT
strace -f -qq -y -e trace=openat,openat2 -e status=successful -o "$trace" "$@" >/dev/null 2>&1
python3 - "$trace" <<'PY'
import re, sys
out, looked_up = [], {}	# looked_up: the file an O_PATH open led to -> its entry in out
for line in open(sys.argv[1]):
    m = re.search(r'openat2?\((\S+), "([^"]+)", (.*)', line)
    if not m or m.group(2).startswith(("/etc/ld.so", "/lib", "/usr/lib/x86_64-linux-gnu/lib")) and "AT_FDCWD" in m.group(1):
        continue
    got = re.search(r"= \d+<(.*)>$", m.group(3).strip())	# the file the open led to (strace -y)
    if got and re.match(r"/proc/self/fd/\d+$", m.group(2)):	# a reopen
        i = looked_up.pop(got.group(1), None)
        if i is None:
            out.append(got.group(1))
        else:
            out[i] = out[i][:-1]	# read: the path as asked for, without its '@'
        continue
    d = re.search(r"<(.*)>$", m.group(1))
    absolute = m.group(1).startswith("AT_FDCWD") and m.group(2).startswith("/")
    p = m.group(2) if absolute or not d else d.group(1).rstrip("/") + "/" + m.group(2).lstrip("/")
    if "O_PATH" in m.group(3) and got:
        looked_up[got.group(1)] = len(out)	# where it led (a link resolved), as the reopen names it
    out.append(p + ("@" if "O_PATH" in m.group(3) else "/" if "O_DIRECTORY" in m.group(3) else ""))
print("\n".join(out))
PY
