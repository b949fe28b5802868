#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
"""gpu-shot.py QMP_SOCKET OUT.ppm PATTERN: QEMU's screendump (QMP) of the
guest's display, compared pixel by pixel with what gpu-kms.c draws for
PATTERN. Retries for a few seconds (the last UPDATE may still be on its way).
Exit 0 when every pixel matches."""
import json
import socket
import sys
import time


def qmp(path, cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    f = s.makefile("rw")
    f.readline()  # greeting
    for c in ({"execute": "qmp_capabilities"}, cmd):
        f.write(json.dumps(c) + "\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "return" in r or "error" in r:
                break
        if "error" in r:
            raise RuntimeError(r["error"])
    s.close()


def colour(pattern, x, y, w, h):
    band = (0xFF0000, 0x00FF00, 0x0000FF, 0xFFFFFF)[y * 4 // h]
    if (x >= w // 2) != (pattern == 1):
        band = ~band & 0xFFFFFF
    return band


def read_ppm(path):
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    pos += 1
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError("not a P6/255 PPM: %r" % fields)
    return int(fields[1]), int(fields[2]), data[pos:]


def main():
    sock, out, pattern = sys.argv[1], sys.argv[2], int(sys.argv[3])
    bad = -1
    for _ in range(10):
        qmp(sock, {"execute": "screendump", "arguments": {"filename": out}})
        w, h, px = read_ppm(out)
        bad = 0
        first = None
        for y in range(h):
            row = px[y * w * 3:(y + 1) * w * 3]
            for x in range(0, w):
                c = colour(pattern, x, y, w, h)
                got = row[x * 3] << 16 | row[x * 3 + 1] << 8 | row[x * 3 + 2]
                if got != c:
                    bad += 1
                    if first is None:
                        first = (x, y, got, c)
        print("screendump %dx%d pattern %d: %d pixels differ%s" %
              (w, h, pattern, bad, "" if first is None else
               " (first at %d,%d: %06x, want %06x)" % first))
        if bad == 0:
            return 0
        time.sleep(0.5)
    return 1


sys.exit(main())
