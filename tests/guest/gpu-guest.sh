# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of gpu.sh, run by dash in the test guest: the virtio-gpu DRM
# driver on our backend. The connector and its EDID modes; a frame drawn
# with /vhd-test/gpu-kms (the host compares QEMU's screendump with it); the
# driver unbound and bound again (QEMU hands over a new display socket) and
# a second frame.
. /lib/vhd/guest-lib.sh

X=/vhd-test/gpu-kms
dev=
for d in /sys/bus/virtio/devices/*; do
	[ "$(cat "$d/device" 2>/dev/null)" = 0x0010 ] && dev=$d
done
if [ -z "$dev" ]; then
	vhd_fail "no virtio-gpu (id 0x0010) in /sys/bus/virtio/devices"
	vhd_done
fi
name=${dev##*/}
vhd_pass "virtio-gpu is $name"

# wait_card: the DRM connector of our device, connected (10 s at most).
wait_card() {
	i=0
	conn=
	while [ $i -lt 100 ]; do
		for c in /sys/class/drm/card*-Virtual-1; do
			[ -e "$c/status" ] && [ "$(cat "$c/status")" = connected ] && conn=$c
		done
		[ -n "$conn" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

vhd_check "virtio_gpu bound" test -e "$dev/driver"
vhd_check "connector connected" wait_card
if [ -n "$conn" ]; then
	vhd_eq "preferred mode" 1280x800 "$(head -n 1 "$conn/modes")"
	n=$(wc -l <"$conn/modes")
	vhd_say "modes ($n): $(tr '\n' ' ' <"$conn/modes")"
	vhd_check "EDID gives more modes than the preferred one ($n)" test "$n" -ge 3
	vhd_eq "EDID header" "00ffffffffffff00" \
		"$(od -An -tx1 -N8 "$conn/edid" | tr -d ' \n')"
fi
vhd_check "frame 0 drawn" "$X" 0 12

echo "$name" >/sys/bus/virtio/drivers/virtio_gpu/unbind
vhd_check "driver unbound" test ! -e "$dev/driver"
sleep 1
echo "$name" >/sys/bus/virtio/drivers/virtio_gpu/bind
vhd_check "driver bound again" test -e "$dev/driver"
vhd_check "connector connected again" wait_card
vhd_check "frame 1 drawn after the rebind" "$X" 1 12
vhd_done
