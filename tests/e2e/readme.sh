#!/bin/bash
# End-to-end: every README example that starts with '$ tickready ... --root tests/...' is the output of
# the built binary now, so the README cannot drift. A line '  ...' in an example stands for any lines.
# `bash tests/e2e/readme.sh --update` rewrites those examples from a run (keeping each one's elision).
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
update=${1:-}
python3 - "$TR" "$SRC" README.md "$update" >"$OUT" 2>"$ERR" <<'PY'
import shlex, subprocess, sys
tr, src, path, update = sys.argv[1:5]
lines = open(path).read().split("\n")
ELIDE = "  ..."

def run(cmd):
    argv = shlex.split(cmd)
    if argv[0] != "tickready" or "--root" not in argv:
        return None
    p = subprocess.run([tr] + argv[1:], capture_output=True, text=True, timeout=60)
    return p.stdout.replace(src + "/", "").rstrip("\n").split("\n")

def matches(want, got):
    """want's lines in order; ELIDE stands for any run of lines: the part before the first one is the
    output's start, the part after the last its end, the parts between found in order."""
    parts, cur = [], []
    for w in want:
        if w == ELIDE:
            parts.append(cur); cur = []
        else:
            cur.append(w)
    parts.append(cur)
    def differ(part, at):
        for n, w in enumerate(part):
            g = got[at + n] if at + n < len(got) else "(end)"
            if g != w:
                return "README %r, output %r" % (w, g)
    if len(parts) == 1:
        return differ(parts[0], 0) or (True if len(got) == len(parts[0]) else
                                      "output goes on after the README's last line: %r" % got[len(parts[0])])
    head, tail = parts[0], parts[-1]
    if differ(head, 0):
        return "start: " + differ(head, 0)
    if len(tail) > len(got) - len(head) or differ(tail, len(got) - len(tail)):
        return "end: " + (differ(tail, len(got) - len(tail)) or "output too short")
    j = len(head)
    for part in parts[1:-1]:
        while j + len(part) <= len(got) - len(tail) and got[j:j + len(part)] != part:
            j += 1
        if j + len(part) > len(got) - len(tail):
            return "not in the output: %r" % part[:1]
        j += len(part)
    return True

out, i, seen, bad = [], 0, 0, 0
while i < len(lines):
    out.append(lines[i])
    if lines[i].startswith("```") and i + 1 < len(lines) and lines[i + 1].startswith("$ tickready "):
        j, cmd = i + 1, ""
        while lines[j].endswith("\\"):
            cmd += lines[j][:-1]; j += 1
        cmd += lines[j]
        end = lines.index("```", j + 1)
        got = run(cmd[2:])
        if got is None:
            i += 1
            continue
        seen += 1
        want = lines[j + 1:end]
        verdict = matches(want, got)
        if update and verdict is not True:
            if ELIDE in want:
                k = want.index(ELIDE); tail = len(want) - k - 1
                got = got[:k] + [ELIDE] + (got[-tail:] if tail else [])
            want = got
        elif verdict is not True:
            bad += 1
            print("README.md:%d: %s: %s" % (j + 1, cmd[2:], verdict))
        out.extend(lines[i + 1:j + 1] + want)
        i = end
        continue
    i += 1
if update:
    open(path, "w").write("\n".join(out))
print("examples %d, differing %d" % (seen, bad))
sys.exit(1 if bad or not seen else 0)
PY
rc=$?
cat "$OUT"; sed 's/^/    /' "$ERR" | head -5
[ $rc = 0 ] && ok "every README example run on a fixture tree is the binary's output" || not_ok "README examples differ from the binary (bash tests/e2e/readme.sh --update rewrites them)"
finish
