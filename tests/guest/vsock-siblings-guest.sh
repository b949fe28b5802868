# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of vsock-siblings.sh: VHD_SIB_ROLE=listen (CID 3) takes a
# stream on vsock port 6000 and sums it; VHD_SIB_ROLE=connect (CID 4) sends
# 8 MiB to (3, 6000), after a connect to CID 5 (no such sibling) failed.
. /lib/vhd/guest-lib.sh
PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH

if [ "$VHD_SIB_ROLE" = listen ]; then
	socat -u VSOCK-LISTEN:6000 - | md5sum | cut -d' ' -f1 >/tmp/sum &
	sleep 1
	echo "VHD-SIB-LISTENING"
	wait
	echo "VHD-SIB-GOT $(cat /tmp/sum)"
	vhd_check "got a stream from the sibling" test -s /tmp/sum
else
	t0=$(vhd_ms)
	if socat -u OPEN:/dev/null VSOCK-CONNECT:5:6000 2>/tmp/err; then
		vhd_fail "connect to CID 5 succeeded"
	else
		cat /tmp/err
		vhd_check "CID 5 refused within 2 s ($(($(vhd_ms) - t0)) ms)" \
			test $(($(vhd_ms) - t0)) -lt 2000
	fi
	dd if=/dev/urandom of=/tmp/f bs=65536 count=128 2>/dev/null
	echo "VHD-SIB-SENT $(md5sum </tmp/f | cut -d' ' -f1)"
	vhd_check "8 MiB to the sibling" socat -u OPEN:/tmp/f VSOCK-CONNECT:3:6000
fi
vhd_done
