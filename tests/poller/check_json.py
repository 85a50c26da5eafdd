#!/usr/bin/env python3
"""check_json.py - validate a tickready-poller JSON document against expressions."""
import json
import sys


def main():
    if len(sys.argv) < 2:
        print("usage: check_json.py FILE [EXPR...]", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        d = json.load(f)
    if d.get("schema") != "tickready.verify/1":
        print("bad schema", file=sys.stderr)
        return 1
    for s in d["streams"]:
        p = [s[k] for k in ("p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns")]
        if p != sorted(p):
            print("percentiles not monotonic: %s" % p, file=sys.stderr)
            return 1
        for k in ("sent", "received", "dropped", "negative_deltas", "max_ns"):
            if not isinstance(s[k], int) or s[k] < 0:
                print("%s not a non-negative integer" % k, file=sys.stderr)
                return 1
    for c in d["cores"]:
        p = [c[k] for k in ("gap_p50_ns", "gap_p99_ns", "gap_p999_ns", "max_gap_ns")]
        if p != sorted(p) or c["loops"] and not c["gap_p50_ns"]:
            print("loop gap percentiles not monotonic or empty: %s" % p, file=sys.stderr)
            return 1
    ok = True
    for expr in sys.argv[2:]:
        if not eval(expr, {"d": d, "s": (d["streams"] or [None])[0]}):
            print("FAILED: %s" % expr, file=sys.stderr)
            ok = False
    return 0 if ok else 1


sys.exit(main())
