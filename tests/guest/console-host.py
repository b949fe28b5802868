#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Host side of the console guest test: types commands into the guest's hvc0
# shell through the backend's port 0 (TCP or pty) and checks what comes back;
# moves 16 MiB each way through a named port's Unix socket with matching
# checksums; resizes the pty and checks the guest's `stty size`.
#   console-host.py tcp HOST PORT DATA_SOCK NAME
#   console-host.py pty PTY_PATH
# Prints PASS:/FAIL: lines; exit status 0 when all passed.
import fcntl
import hashlib
import os
import select
import socket
import struct
import sys
import termios
import time

fails = 0
MB16 = 16 * 1024 * 1024


def result(ok, what):
    global fails
    print(("PASS: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        fails += 1


class Console:
    """hvc0's shell, reached through a socket or a pty slave."""

    def __init__(self, rd, wr):
        self.rd, self.wr, self.buf = rd, wr, b""

    def send(self, line):
        os.write(self.wr, line.encode() + b"\n")

    def expect(self, marker, timeout=60):
        """Wait for marker...EOL in the output; returns the rest of that line."""
        end = time.time() + timeout
        m = marker.encode()
        while time.time() < end:
            i = self.buf.find(m)
            if i >= 0:
                j = self.buf.find(b"\n", i)
                if j >= 0:
                    line = self.buf[i + len(m):j].strip(b"\r ")
                    self.buf = self.buf[j + 1:]
                    return line.decode(errors="replace")
            r, _, _ = select.select([self.rd], [], [], 0.2)
            if r:
                try:
                    d = os.read(self.rd, 65536)
                except BlockingIOError:
                    continue
                if not d:
                    break
                self.buf += d
        return None

    def run(self, cmd, marker, timeout=60):
        self.send(cmd)
        return self.expect(marker, timeout)


def q(marker):
    """marker as typed: the tty echoes the command, '' keeps the echo from matching."""
    return marker[:4] + "''" + marker[4:]


def shell_works(con):
    # The echoed command line shows $((6*7)) unexpanded: only the shell prints 42.
    got = None
    for _ in range(3):
        got = con.run("echo VHD-MARK-$((6*7))", "VHD-MARK-", 20)
        if got == "42":
            break
    result(got == "42", "a command typed into hvc0 ran in the guest (got %r)" % got)
    out = con.run("uname -s | sed 's/^/%s/'" % q("VHD-UNAME-"), "VHD-UNAME-")
    result(out == "Linux", "command output read back through the backend (%r)" % out)


def tcp_case(host, port, data_sock, name):
    s = socket.create_connection((host, int(port)), timeout=30)
    s.setblocking(False)
    con = Console(s.fileno(), s.fileno())
    shell_works(con)
    names = con.run("ls /dev/virtio-ports | tr '\\n' ' ' | sed 's/^/%s/'; echo" % q("VHD-LS-"),
                    "VHD-LS-")
    result(names is not None and name in names.split(),
           "/dev/virtio-ports lists %s (%r)" % (name, names))

    d = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    d.connect(data_sock)
    d.setblocking(False)
    # Guest -> host: 16 MiB of random bytes through the named port.
    con.send("dd if=/dev/urandom of=/tmp/out bs=65536 count=256 2>/dev/null; "
             "md5sum /tmp/out | sed 's/^/%s/'; "
             "cat /tmp/out > /dev/virtio-ports/%s; echo %s"
             % (q("VHD-OUTSUM-"), name, q("VHD-OUT-DONE")))
    want = con.expect("VHD-OUTSUM-", 120)
    h, n, end = hashlib.md5(), 0, time.time() + 300
    while n < MB16 and time.time() < end:
        r, _, _ = select.select([d], [], [], 1)
        if r:
            b = d.recv(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
    got = h.hexdigest()
    result(n == MB16, "host received 16 MiB from the guest (%d bytes)" % n)
    result(want is not None and want.split()[0] == got,
           "guest -> host checksum (guest %s, host %s)" % (want, got))
    con.expect("VHD-OUT-DONE", 60)

    # Host -> guest: 16 MiB; the guest reads them once it opens the port.
    data = os.urandom(MB16)
    con.send("head -c %d /dev/virtio-ports/%s > /tmp/in; "
             "md5sum /tmp/in | sed 's/^/%s/'" % (MB16, name, q("VHD-INSUM-")))
    sent, end = 0, time.time() + 300
    while sent < MB16 and time.time() < end:
        _, w, _ = select.select([], [d], [], 1)
        if w:
            try:
                sent += d.send(data[sent:sent + (1 << 20)])
            except BlockingIOError:
                pass
    got = con.expect("VHD-INSUM-", 300)
    want = hashlib.md5(data).hexdigest()
    result(sent == MB16, "host sent 16 MiB to the guest (%d bytes)" % sent)
    result(got is not None and got.split()[0] == want,
           "host -> guest checksum (host %s, guest %s)" % (want, got))
    d.close()
    con.send("touch /tmp/vhd-host-done")
    time.sleep(1)
    s.close()


def pty_case(path):
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    con = Console(fd, fd)
    shell_works(con)
    size = con.run("stty size | sed 's/^/%s/'" % q("VHD-SIZE-"), "VHD-SIZE-")
    result(size == "24 80", "guest stty size is the pty's 24x80 (%r)" % size)
    for rows, cols in ((37, 111), (50, 200)):
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        want, size, end = "%d %d" % (rows, cols), None, time.time() + 20
        while time.time() < end and size != want:
            time.sleep(0.5)
            size = con.run("stty size | sed 's/^/%s/'" % q("VHD-SIZE-"), "VHD-SIZE-", 10)
        result(size == want, "guest stty size follows the pty resize to %s (%r)" % (want, size))
    con.send("touch /tmp/vhd-host-done")
    time.sleep(1)
    os.close(fd)


if sys.argv[1] == "tcp":
    tcp_case(*sys.argv[2:6])
else:
    pty_case(sys.argv[2])
sys.exit(1 if fails else 0)
