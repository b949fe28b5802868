#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-can on a simulated bus: a Linux 7.3 guest
# (virtio_can, can-utils) under QEMU 10.2's vhost-user-test-device
# (virtio-id=36, num_vqs=3, config_size=2) with two interfaces on one
# simulated bus (can-guest.sh is the guest side): START via ip link, host
# frames injected through the control socket received by candump, guest
# frames (classic, RTR, FD) seen by the other interface and on the host's
# monitor in candump log format, no echo of a guest's own frame by the
# backend, bus-off injected on the host shown as BUS-OFF, restart. Then two
# guests on one bus exchange frames. Skips (77) until the QEMU 10.2 / Linux
# 7.3 harness is there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! "$here/../../scripts/guest/run-guest.sh" --help 2>/dev/null | grep -q 'test-device'; then
	echo "SKIP: scripts/guest/run-guest.sh has no --dev test-device yet (the QEMU 10.2 +" \
		"Linux 7.3 guest harness, branch harness, is not merged): virtio-can needs" \
		"QEMU >= 10.2's vhost-user-test-device-pci and a 7.3 guest kernel"
	exit 77
fi
# shellcheck source=tests/guest/lib.sh
. "$here/lib.sh"
# The harness's lib.sh picks QEMU 10.2 and skips when it or the 7.3 kernel is not built.
if declare -F guest_require_qemu >/dev/null; then guest_require_qemu 10; fi

# can_start NAME N [OPTIONS...]: N sockets, all nodes of sim:bus0, a monitor
# of the bus writing to $VHD_WORK/NAME.bus.
can_start() {
	local name=$1 n=$2 devs="" i
	shift 2
	for ((i = 0; i < n; i++)); do devs+="sim:bus0 "; done
	CAN_CTL=$VHD_WORK/$name.ctl
	vhd_backend_start "$name" can -c "$n" -d "$devs" --sim-control "$CAN_CTL" "$@"
	CAN_BUS_LOG=$VHD_WORK/$name.bus
	python3 - "$CAN_CTL" "$CAN_BUS_LOG" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"monitor\n")
out = open(sys.argv[2], "w", buffering=1)
f = s.makefile("r")
for line in f:
    if line.startswith("("):
        out.write(line)
PY
	CAN_MON_PID=$!
	MARKERS[VHD-CAN-SEND-HOST]='can_ctl "send bus0 123#DEADBEEF" "send bus0 1F334455#R" \
		"send bus0 123##1112233445566778899AABBCC"'
	MARKERS[VHD-CAN-BUSOFF]='can_ctl "error busoff"'
	MARKERS[VHD-CAN-RESTART]='can_ctl "error restart"'
}
can_ctl() {
	local r
	r=$(vhd_sim_ctl "$CAN_CTL" "$@" | tr '\n' ' ')
	expect "control socket: $*" "$(printf 'ok %.0s' "$@")" "$r"
}
can_stop_monitor() {
	[ -z "${CAN_MON_PID:-}" ] || kill "$CAN_MON_PID" 2>/dev/null || true
	wait "${CAN_MON_PID:-}" 2>/dev/null || true
	CAN_MON_PID=
}
VHD_CLEANUP_HOOKS+=(can_stop_monitor)
# bus_has FRAME: the monitor saw "bus0 FRAME".
bus_has() {
	if grep -q ") bus0 $1\$" "$CAN_BUS_LOG"; then pass "bus monitor saw $1"
	else fail "bus monitor did not see $1"; sed 's/^/  bus| /' "$CAN_BUS_LOG"; fi
}
skip_no_driver() {
	if grep -q '^VHD-CAN-NO-DRIVER' "$1"; then
		echo "SKIP: the guest kernel has no virtio_can" \
			"($(sed -n 's/^VHD-CAN-NO-DRIVER //p' "$1"))"
		stop_clean can0
		exit 77
	fi
}
# can_counters NAME: the driver's counters of socket 0 account for the guest's traffic.
can_counters() {
	local drv
	drv=$(vhd_telemetry "$1" /vhost_device/stats,0 | python3 -c '
import json, sys
d = json.load(sys.stdin)["/vhost_device/stats"]["can"]
print(d["tx_frames"], d["rx_frames"], d["busoff"], d["config_notify_failed"])')
	read -r txf rxf boff nfail <<<"$drv"
	echo "can driver counters: tx_frames $txf rx_frames $rxf busoff $boff" \
		"config_notify_failed $nfail"
	if [ "$txf" -ge 4 ] && [ "$rxf" -ge 3 ] && [ "$boff" -ge 1 ]; then
		pass "driver counters: $txf frames sent, $rxf received, $boff bus-off"
	else
		fail "driver counters: tx_frames $txf rx_frames $rxf busoff $boff"
	fi
	if [ "$nfail" != 0 ]; then
		fail "config-change notifications failed $nfail times (vhd_host.config_changed" \
			"not implemented yet? the guest cannot see BUS-OFF without it)"
	fi
}
devspec() { echo "test-device:$1,virtio-id=36,num_vqs=3,config_size=2"; }

for mode in default poll; do
	echo "== can, mode $mode"
	opts=()
	[ "$mode" = default ] || opts=(--mode "$mode")
	can_start can0 2 "${opts[@]}"
	base=${VHD_BE_SOCK[can0]%0}
	req0=$(requests_of can0)
	con=$VHD_WORK/can-$mode.console
	rc=0
	guest_run "$con" --script "$guest_tests_dir/can-guest.sh" \
		--dev "$(devspec "${base}0")" --dev "$(devspec "${base}1")" --timeout 300 || rc=$?
	skip_no_driver "$con"
	expect "guest checks" 0 "$rc"
	bus_has '321#C0FFEE'
	bus_has '2A5#R3'
	bus_has "007##0$(printf '%02X' {0..63})"
	bus_has '0AA#55'
	# Each guest frame is on the bus once: nobody echoed it back onto it.
	expect "321#C0FFEE on the bus once" 1 "$(grep -c ') bus0 321#C0FFEE$' "$CAN_BUS_LOG")"
	requests_moved can0 "$req0"
	can_counters can0
	can_stop_monitor
	stop_clean can0
	unset 'MARKERS[VHD-CAN-SEND-HOST]' 'MARKERS[VHD-CAN-BUSOFF]' 'MARKERS[VHD-CAN-RESTART]'
done

# --- two guests on one bus: A sends until B answers.
echo "== can, two guests on one bus"
can_start can1 2
base=${VHD_BE_SOCK[can1]%0}
cat >"$VHD_WORK/can-a.sh" <<'GA'
. /lib/vhd/guest-lib.sh
PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH
vhd_check "A: can0 up" ip link set can0 up
candump -L -T 120000 -n 1 can0,456:7FF >/tmp/b &
d=$!
i=0
while kill -0 $d 2>/dev/null && [ $i -lt 110 ]; do
	cansend can0 123#A1
	sleep 1
	i=$((i + 1))
done
wait $d
vhd_eq "A: B's answer" "456#B2" "$(sed -n 's/^([0-9.]*) can0 //p' /tmp/b)"
vhd_done
GA
cat >"$VHD_WORK/can-b.sh" <<'GB'
. /lib/vhd/guest-lib.sh
PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH
vhd_check "B: can0 up" ip link set can0 up
candump -L -T 120000 -n 1 can0,123:7FF >/tmp/a
vhd_eq "B: A's frame" "123#A1" "$(sed -n 's/^([0-9.]*) can0 //p' /tmp/a)"
vhd_check "B: answer" cansend can0 456#B2
sleep 2
vhd_done
GB
"$run_guest" --log "$VHD_WORK/can-b.console" --script "$VHD_WORK/can-b.sh" \
	--dev "$(devspec "${base}1")" --timeout 300 >/dev/null 2>&1 &
guest_b=$!
stop_guest_b() { kill -TERM "$guest_b" 2>/dev/null || true; wait "$guest_b" 2>/dev/null || true; }
VHD_CLEANUP_HOOKS+=(stop_guest_b)
rc_a=0
guest_run "$VHD_WORK/can-a.console" --script "$VHD_WORK/can-a.sh" \
	--dev "$(devspec "${base}0")" --timeout 300 || rc_a=$?
rc_b=0
wait "$guest_b" || rc_b=$?
grep -v '^\[ *[0-9.]*\]' "$VHD_WORK/can-b.console" | sed 's/^/guest B| /'
expect "guest A got B's answer" 0 "$rc_a"
expect "guest B got A's frame and answered" 0 "$rc_b"
bus_has '456#B2'
can_stop_monitor
stop_clean can1
finish can
