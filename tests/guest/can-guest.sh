# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of can.sh, run by dash in a Linux 7.3 guest (virtio_can) with
# can-utils. Two virtio-can devices, both nodes of the backend's simulated
# bus "bus0"; the host injects frames and bus errors through the control
# socket when asked on the console (VHD-CAN-* markers) and watches the bus.
# Without a virtio-can driver the script says VHD-CAN-NO-DRIVER (the host
# turns that into a skip).
. /lib/vhd/guest-lib.sh
PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH

n=$(ls -d /sys/class/net/can* 2>/dev/null | wc -l)
if [ "$n" = 0 ]; then
	echo "VHD-CAN-NO-DRIVER $(uname -r)"
	vhd_skip "no CAN interface: kernel $(uname -r) has no virtio_can (needs Linux 7.3)"
	vhd_done
fi
vhd_eq "two virtio-can interfaces" 2 "$n"
for i in can0 can1; do
	# FD is static when negotiated; "fd on" is refused then, which is fine.
	ip link set "$i" type can fd on 2>/dev/null || true
	# (busybox ip has no "type can": FD comes from the negotiated feature)
	vhd_check "ip link set $i up (START answered OK)" ip link set "$i" up
done
# iproute2's ip shows CAN details; the initramfs may only have busybox's.
details=0
ip -details link show can0 2>/dev/null | grep -q ' can ' && details=1
if [ "$details" = 1 ]; then
	ip -details link show can0
	vhd_check "can0 has CAN FD" sh -c 'ip -details link show can0 | grep -q "<FD"'
fi
vhd_eq "can0 MTU is CAN FD's" 72 "$(cat /sys/class/net/can0/mtu)"

# candump -L prints "(time) can0 123#DEADBEEF"; keep the frame and interface.
# The FD flags digit after "##" is the kernel's (7.3 sets CANFD_FDF, "##4"):
# virtio-can carries no BRS/ESI, so it is left out.
frames() {
	sed -n 's/^([0-9.]*) \(can[0-9]\) \(.*\)$/\1 \2/p' "$1" | sed 's/##[0-9A-F]/##/' |
		tr '\n' ';'
}

# --- host -> guest: classic, extended RTR and FD frames from the control socket
candump -L -T 15000 -n 3 can0 >/tmp/h0 &
d0=$!
candump -L -T 15000 -n 3 can1 >/tmp/h1 &
d1=$!
sleep 1
echo "VHD-CAN-SEND-HOST"
wait $d0
wait $d1
vhd_eq "host frames on can0" \
	"can0 123#DEADBEEF;can0 1F334455#R;can0 123##112233445566778899AABBCC;" "$(frames /tmp/h0)"
vhd_eq "host frames on can1" \
	"can1 123#DEADBEEF;can1 1F334455#R;can1 123##112233445566778899AABBCC;" "$(frames /tmp/h1)"

# 64 bytes 00..3F, the FD frame's payload.
fd64=$(i=0; while [ $i -lt 64 ]; do printf '%02X' $i; i=$((i + 1)); done)

# --- can0 -> can1 across the simulated bus; can0 sees its frame once (the
# driver's own local echo), never a second copy from the backend.
candump -L -T 3000 can0 >/tmp/e0 &
e0=$!
candump -L -T 3000 -n 3 can1 >/tmp/e1 &
e1=$!
sleep 1
vhd_check "cansend can0 321#C0FFEE" cansend can0 321#C0FFEE
vhd_check "cansend can0 2A5#R3 (RTR)" cansend can0 2A5#R3
vhd_check "cansend can0 FD 64 bytes" cansend can0 "007##1$fd64"
wait $e1
wait $e0
vhd_eq "can1 got can0's frames" \
	"can1 321#C0FFEE;can1 2A5#R3;can1 007##$fd64;" \
	"$(frames /tmp/e1)"
vhd_eq "can0 saw its own frames once each" 3 "$(grep -c . /tmp/e0)"

# --- bus-off injected on the host: the driver reads status bit 0 on the
# config-change notification and raises a bus-off error frame (0x20000040).
candump -L -T 15000 -n 1 can0,0~0,#FFFFFFFF >/tmp/b0 &
b0=$!
candump -L -T 15000 -n 1 can1,0~0,#FFFFFFFF >/tmp/b1 &
b1=$!
sleep 1
echo "VHD-CAN-BUSOFF"
wait $b0
wait $b1
vhd_eq "can0 bus-off error frame" "can0 20000040#0000000000000000;" "$(frames /tmp/b0)"
vhd_eq "can1 bus-off error frame (same bus)" "can1 20000040#0000000000000000;" \
	"$(frames /tmp/b1)"
if [ "$details" = 1 ]; then
	ip -details link show can0
	vhd_check "can0 BUS-OFF in ip -details" sh -c \
		'ip -details link show can0 | grep -q BUS-OFF'
fi
echo "VHD-CAN-RESTART"
sleep 2
for i in can0 can1; do
	ip link set "$i" down
	vhd_check "$i up again after the restart" ip link set "$i" up
done
candump -L -T 5000 -n 1 can1 >/tmp/r1 &
r1=$!
sleep 1
vhd_check "cansend after restart" cansend can0 0AA#55
wait $r1
vhd_eq "frame after restart" "can1 0AA#55;" "$(frames /tmp/r1)"
echo "VHD-CAN-DONE"
vhd_done
