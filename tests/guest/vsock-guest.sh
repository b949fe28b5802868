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

# 2. Guest to host.
dd if=/dev/urandom of=/tmp/g2h bs=65536 count=64 2>/dev/null
echo "VHD-VSOCK-G2H-SUM $(md5sum </tmp/g2h | cut -d' ' -f1)"
vhd_check "guest to host, 4 MiB" socat -u OPEN:/tmp/g2h VSOCK-CONNECT:2:1234

# 3. Half-close: we shut our side, the host answers after its EOF.
vhd_eq "half-close: the host saw EOF and answered" 5 \
	"$(printf hello | socat -t 10 - VSOCK-CONNECT:2:1235 | tr -d ' ')"

# 4. Host to guest.
socat -u VSOCK-LISTEN:5000 CREATE:/tmp/h2g &
pid=$!
sleep 1
echo "VHD-VSOCK-LISTENING"
wait $pid
vhd_eq "host to guest checksum" "$VHD_VSOCK_H2G_SUM" "$(md5sum </tmp/h2g | cut -d' ' -f1)"
vhd_done
