# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Helpers for guest-side test scripts (sourced inside the guest as
# /lib/vhd/guest-lib.sh). The guest's /bin/sh is dash; busybox provides the
# small tools, the real gpiod and i2c-tools are in /usr/bin and /usr/sbin.
# Busybox applets that run other programs (timeout, xargs, env) prefer their
# own applets, so call the real tools by full path under them.

VHD_FAILS=0

vhd_say() { echo "vhd: $*"; }
vhd_pass() { echo "PASS: $*"; }
vhd_fail() { echo "FAIL: $*"; VHD_FAILS=$((VHD_FAILS + 1)); }
vhd_skip() { echo "SKIP: $*"; }

# vhd_check DESCRIPTION COMMAND...: run COMMAND, PASS/FAIL on its status.
vhd_check() {
	_d=$1
	shift
	if "$@"; then vhd_pass "$_d"; else vhd_fail "$_d"; fi
}

# vhd_eq DESCRIPTION EXPECTED ACTUAL
vhd_eq() {
	if [ "$2" = "$3" ]; then
		vhd_pass "$1 ($3)"
	else
		vhd_fail "$1: expected '$2', got '$3'"
	fi
}

# vhd_gpio_irq: 1 when the virtio-gpio device got VIRTIO_GPIO_F_IRQ (feature
# bit 0, the first character of its features in sysfs), else 0.
vhd_gpio_irq() {
	_irq=0
	for _d in /sys/bus/virtio/devices/*; do
		[ "$(cat "$_d/device" 2>/dev/null)" = 0x0029 ] && _irq=$(cut -c1 "$_d/features")
	done
	echo "$_irq"
}

# vhd_gpiomon CHIP LINE N MARKER FILE: gpiomon waits for N edges on LINE
# (20 s at most) into FILE; once it has had a second to request the line,
# MARKER goes to the console for the host to make the edges.
vhd_gpiomon() {
	timeout -s KILL 20 /usr/bin/gpiomon --num-events="$3" "$1" "$2" >"$5" 2>&1 &
	_mon=$!
	sleep 1
	echo "$4"
	wait $_mon
}

# Milliseconds since boot, for rates and timings (busybox date has no %N).
vhd_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# Exit status for the test script: number of failures, capped.
vhd_done() {
	if [ "$VHD_FAILS" = 0 ]; then
		vhd_say "all checks passed"
		exit 0
	fi
	vhd_say "$VHD_FAILS check(s) failed"
	[ "$VHD_FAILS" -gt 100 ] && exit 100
	exit "$VHD_FAILS"
}
