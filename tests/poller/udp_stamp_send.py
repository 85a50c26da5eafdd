#!/usr/bin/env python3
"""udp_stamp_send.py - test sender of stamped UDP packets (format of poller/stamp.h)."""
import socket
import struct
import sys
import time

MAGIC = 0x4B535254
CLOCK_REALTIME_ID = 2


def main():
    dst, count, pps = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    gap = 1.0 / pps
    for seq in range(count):
        t = time.clock_gettime_ns(time.CLOCK_REALTIME)
        s.sendto(struct.pack("<IHHQQ", MAGIC, 1, CLOCK_REALTIME_ID, seq, t) + bytes(8),
                 (dst, 9000))
        time.sleep(gap)
    return 0


sys.exit(main())
