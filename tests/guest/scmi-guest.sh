#!/bin/dash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest side of scmi.sh (arm64, busybox): scmi-hwmon's temperature sensor
# "vhd-temp" reads 25000 (millidegrees: the fake sensor's 25 C), follows the
# host's "set vhd-temp 0 61500" (asked for with the VHD-SCMI-SET marker), and
# scmi_iio has an IIO device for the accelerometer with x, y and z channels.
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "PASS: $*"; }

# The SCMI stack probes late (virtio, then the DT platform device).
hw=
for _ in $(seq 1 300); do
	for h in /sys/class/hwmon/hwmon*; do
		[ -r "$h/name" ] || continue
		for l in "$h"/temp*_label; do
			[ -r "$l" ] || continue
			if [ "$(cat "$l")" = vhd-temp ]; then
				hw=${l%_label}
			fi
		done
	done
	[ -n "$hw" ] && break
	sleep 0.2
done
if [ -z "$hw" ]; then
	fail "no hwmon temperature labelled vhd-temp"
	ls /sys/class/hwmon/ /sys/bus/virtio/devices/ /sys/bus/platform/devices/ 2>&1
	dmesg | grep -i -e scmi -e virtio | tail -n 30
else
	pass "scmi-hwmon: $(cat "${hw%/*}/name") ${hw##*/} is vhd-temp"
	v=$(cat "${hw}_input")
	[ "$v" = 25000 ] && pass "vhd-temp reads $v" || fail "vhd-temp reads '$v', not 25000"
	echo "VHD-SCMI-SET"
	v=
	for _ in $(seq 1 150); do
		v=$(cat "${hw}_input")
		[ "$v" = 61500 ] && break
		sleep 0.2
	done
	[ "$v" = 61500 ] && pass "vhd-temp follows the control socket ($v)" ||
		fail "vhd-temp reads '$v' after set 61500"
fi

iio=
for d in /sys/bus/iio/devices/iio:device*; do
	[ -r "$d/name" ] || continue
	if [ -r "$d/in_accel_x_raw" ] && [ -r "$d/in_accel_y_raw" ] && [ -r "$d/in_accel_z_raw" ]; then
		iio=$d
	fi
done
if [ -z "$iio" ]; then
	fail "no scmi_iio accelerometer"
	ls /sys/bus/iio/devices/ 2>&1
else
	pass "scmi_iio: $(cat "$iio/name") has in_accel_x/y/z"
	x=$(cat "$iio/in_accel_x_raw")
	case $x in ''|*[!0-9-]*) fail "in_accel_x_raw reads '$x'" ;; *) pass "in_accel_x_raw reads $x" ;; esac
fi
[ "$fails" = 0 ]
