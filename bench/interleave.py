#!/usr/bin/env python3
"""Times commands interleaved (A B C ... per round, one warm-up each): per command the median wall and cpu
(user+sys of the child) in ms, and its cpu against the first command's, pair by pair, as min / median / max.
Usage: bench/interleave.py ROUNDS 'COMMAND A' 'COMMAND B' ...   (each command split as a shell would, never run by one)"""
import os, shlex, subprocess, sys, time

rounds, cmds = int(sys.argv[1]), [shlex.split(c) for c in sys.argv[2:]]


def once(argv):
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    return (time.perf_counter() - t0) * 1e3, (ru.ru_utime + ru.ru_stime) * 1e3


for argv in cmds:
    once(argv)
runs = [[] for _ in cmds]
for _ in range(rounds):
    for i, argv in enumerate(cmds):
        runs[i].append(once(argv))
med = lambda v: sorted(v)[len(v) // 2]
for argv, r in zip(cmds, runs):
    name = " ".join([os.path.basename(argv[0])] + argv[1:])
    ratio = sorted(a[1] / b[1] for a, b in zip(r, runs[0]) if b[1] > 0) or [float("nan")]
    print("%-48s wall %7.3f ms  cpu %7.3f ms  cpu vs first %.3f / %.3f / %.3f"
          % (name[:48], med([x[0] for x in r]), med([x[1] for x in r]), ratio[0], med(ratio), ratio[-1]))
