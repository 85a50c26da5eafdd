#!/usr/bin/env python3
"""stamp_pcap.py - writes a pcap of every stamp class the port path must tell apart.

usage: stamp_pcap.py FILE; prints the expected counts as JSON on stdout.
"""
import json
import struct
import sys
import time

MAGIC, VERSION = 0x4B535254, 1
TSC, REALTIME = 1, 2


def stamp(clock, seq, t):
    return struct.pack("<IHHQQ", MAGIC, VERSION, clock, seq, t)


def pad(frame):
    return frame + bytes(max(0, 60 - len(frame)))


def udp_frame(payload):
    eth = bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + struct.pack(">H", 0x0800)
    udp = struct.pack(">HHHH", 9000, 9000, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2]))
    return eth + ip + udp


def main():
    past = time.time_ns() - 1000000
    frames = []
    frames += [pad(stamp(TSC, i, 1)) for i in range(50)]            # huge, clipped
    frames += [pad(stamp(TSC, i, 1 << 62)) for i in range(100)]     # negative
    frames += [pad(udp_frame(stamp(REALTIME, i, past))) for i in range(30)]
    frames += [pad(stamp(REALTIME, i, past)) for i in range(5)]     # raw, not TSC
    arp = bytes(12) + struct.pack(">H", 0x0806)
    frames += [pad(arp) for _ in range(20)]
    frames += [bytes(20) for _ in range(10)]                        # too short
    with open(sys.argv[1], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for fr in frames:
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)
    # One tracker for every stamp: seq 0..99 once each, the other 85 stamps repeat one.
    print(json.dumps({"received": 185, "samples": 85, "negative_deltas": 100,
                      "foreign": 30, "duplicated": 85, "sent": 100, "dropped": 0}))


main()
