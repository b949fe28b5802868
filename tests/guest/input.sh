#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-input on QEMU 10.2's vhost-user-input-pci: four
# simulated devices (keyboard, mouse, tablet, touch) on four sockets. In the
# guest, evtest sees each one's name, ids, capabilities, properties and axis
# ranges; key, relative, absolute and multitouch events typed on the control
# sockets arrive in order with their SYN_REPORTs; a burst of 1000 events
# arrives whole or with whole batches missing and never leaves a key held;
# the guest lights caps lock and the simulated keyboard records it
# (input-guest.sh is the guest side). Needs the guest harness with QEMU 10.2
# and the Linux 7.3 guest (VIRTIO_INPUT, evdev, evtest): skips (77) without.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if ! grep -q '^guest_require_qemu()' "$here/lib.sh" ||
	! grep -q '^evtest' "$here/../../scripts/guest/guest-tools.list" 2>/dev/null; then
	echo "SKIP: needs the guest harness with QEMU 10.2, the Linux 7.3 guest and evtest" \
		"(scripts/guest/build-qemu.sh, guest-tools.list); this tree does not have it"
	exit 77
fi
# shellcheck source=tests/guest/lib.sh
. "$here/lib.sh"
guest_require_qemu 10

ctl_base=$VHD_WORK/input.ctl
vhd_backend_start in0 input -e sim-keyboard,sim-mouse,sim-tablet,sim-touch \
	--sim-control "$ctl_base"
sock0=$(vhd_backend_sock in0)
sock=${sock0%0}

# ctl_send INDEX COMMAND...: every reply must be "ok".
ctl_send() {
	local i=$1 r
	shift
	r=$(vhd_sim_ctl "$ctl_base$i" "$@" | sort -u | tr '\n' ' ')
	[ "$r" = "ok " ] || echo "host: control socket $i answered: $r" >&2
}

input_type() {
	ctl_send 0 "key 30 1" syn "key 30 0" syn
	ctl_send 1 "rel 0 5" "rel 1 -3" syn "key 272 1" syn "key 272 0" syn
	ctl_send 2 "abs 0 1200" "abs 1 800" syn
	ctl_send 3 "abs 57 5" "abs 53 100" "abs 54 200" "key 330 1" "abs 0 100" "abs 1 200" syn \
		"abs 57 -1" "key 330 0" syn
}

# 500 batches of KEY_A alternating, 1000 events, ending released.
input_burst() {
	local cmds=() i
	for i in $(seq 1 500); do
		cmds+=("key 30 $((i % 2))" syn)
	done
	ctl_send 0 "${cmds[@]}"
}

led_state=
input_led() {
	local r
	for _ in $(seq 1 30); do
		r=$(vhd_sim_ctl "${ctl_base}0" leds)
		led_state=$r
		[ $(( ${r#leds } & 2 )) = 0 ] || return 0
		sleep 0.1
	done
}

MARKERS[VHD-INPUT-TYPE]=input_type
MARKERS[VHD-INPUT-BURST]=input_burst
MARKERS[VHD-INPUT-LED]=input_led
burst_seen=
MARKERS[VHD-INPUT-BURST-SEEN]='burst_seen=$(sed -n "s/^VHD-INPUT-BURST-SEEN //p" "$VHD_WORK/input.console" | tr -d "\r")'


expect_ok "guest checks" guest_run "$VHD_WORK/input.console" \
	--script "$guest_tests_dir/input-guest.sh" \
	--dev "input:${sock}0" --dev "input:${sock}1" --dev "input:${sock}2" --dev "input:${sock}3"
if [ -n "$led_state" ] && [ $(( ${led_state#leds } & 2 )) != 0 ]; then
	pass "caps lock from the guest reached the simulated keyboard ($led_state)"
else
	fail "caps lock from the guest did not reach the simulated keyboard ('$led_state')"
fi
stats=$(vhd_telemetry in0 /vhost_device/stats,0)
echo "host: the guest read $burst_seen KEY_A events of the burst's 500"
for f in events_out status_events batches_dropped resyncs bad_event_bufs; do
	v=$(printf '%s' "$stats" | python3 -c "import json, sys
d = json.load(sys.stdin)
print(d.get('/vhost_device/stats', d)['input']['$f'])")
	echo "host: keyboard telemetry $f=$v"
	[ "$f" != events_out ] || [ "$v" -gt 0 ] || fail "keyboard telemetry events_out is 0"
	[ "$f" != status_events ] || [ "$v" -gt 0 ] || fail "keyboard telemetry status_events is 0"
done
stop_clean in0
finish input
