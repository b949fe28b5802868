# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of vsock.sh: socat over AF_VSOCK to the host (CID 2), which
# vhost-device-vsock turns into Unix sockets on the host.
. /lib/vhd/guest-lib.sh
PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH

# 1. Nobody listens on host port 4321: refused at once, not after a timeout.
t0=$(vhd_ms)
if socat -u OPEN:/dev/null VSOCK-CONNECT:2:4321 2>/tmp/err; then
	vhd_fail "connect to a port nobody listens on succeeded"
else
	t1=$(vhd_ms)
	cat /tmp/err
	vhd_check "refused within 2 s ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 2000
	vhd_check "refused with ECONNRESET" grep -q "Connection reset" /tmp/err
fi

# 2. Guest to host, 64 MiB.
dd if=/dev/urandom of=/tmp/g2h bs=65536 count=1024 2>/dev/null
echo "VHD-VSOCK-G2H-SUM $(md5sum </tmp/g2h | cut -d' ' -f1)"
t0=$(vhd_ms)
vhd_check "guest to host, 64 MiB" socat -u OPEN:/tmp/g2h VSOCK-CONNECT:2:1234
echo "guest to host: $(($(vhd_ms) - t0)) ms"
rm -f /tmp/g2h

# 3. Half-close: we shut our side, the host answers after its EOF.
vhd_eq "half-close: the host saw EOF and answered" 5 \
	"$(printf hello | socat -t 10 - VSOCK-CONNECT:2:1235 | tr -d ' ')"

# 4. SEQPACKET: three records of 1000 bytes (socat writes each 1000-byte read
# as one), if the guest's transport offers SOCK_SEQPACKET (type 5).
dd if=/dev/zero of=/tmp/seq bs=1000 count=3 2>/dev/null
seq_ok=
if socat -u -b 1000 OPEN:/tmp/seq VSOCK-CONNECT:2:1236,socktype=5 2>/tmp/seqerr; then
	echo "VHD-VSOCK-SEQ-SENT"
	seq_ok=1
elif grep -q "not supported" /tmp/seqerr; then
	cat /tmp/seqerr
	vhd_skip "SEQPACKET: the transport has no SOCK_SEQPACKET (feature not negotiated)"
else
	cat /tmp/seqerr
	vhd_fail "SEQPACKET connect"
fi

# 5. The host sends "hello" and shuts its side: we read to EOF, then answer.
socat VSOCK-LISTEN:5001 SYSTEM:'wc -c' &
pid=$!
sleep 1
echo "VHD-VSOCK-HC-LISTENING"
if wait $pid; then vhd_pass "host half-close: read to EOF"; else vhd_fail "host half-close"; fi

# 7. Host-initiated SEQPACKET: a host program on <uds>.seqpacket connects to
# our port 5002; we send it the three 1000-byte records.
if [ -n "$seq_ok" ]; then
	socat -u -b 1000 OPEN:/tmp/seq VSOCK-LISTEN:5002,socktype=5 &
	pid=$!
	sleep 1
	echo "VHD-VSOCK-SEQ-LISTENING"
	if wait $pid; then vhd_pass "host-initiated SEQPACKET: records sent"
	else vhd_fail "host-initiated SEQPACKET"; fi
fi

# 6. Host to guest, 64 MiB, summed as it arrives.
socat -u VSOCK-LISTEN:5000 - | md5sum | cut -d' ' -f1 >/tmp/h2g.sum &
sleep 1
echo "VHD-VSOCK-LISTENING"
wait
vhd_eq "host to guest checksum (64 MiB)" "$VHD_VSOCK_H2G_SUM" "$(cat /tmp/h2g.sum)"
vhd_done
