#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-rtc through QEMU 10.2's vhost-user-test-device
# (virtio-id 17, two queues of 1024): Linux 7.3's virtio_rtc probes the
# device, makes one PTP clock per clock (types 3, 1, 2: UTC_SMEARED, TAI,
# MONOTONIC) and /dev/rtcN from the UTC_SMEARED one; hwclock reads it and the
# reading agrees with the host's clock within 2 s; a wake alarm set through
# sysfs fires and the guest sees the alarmq interrupt (rtc-guest.sh is the
# guest side). Default (interrupt) and poll modes. Telemetry must count the
# reads and the alarm notification; the backend must exit 0 on SIGTERM.
# Skips (77) unless QEMU 10.2 and the Linux 7.3 guest kernel are built, and
# until this tree has the QEMU 10.2 guest harness (lib.sh guest_require_qemu).
set -euo pipefail
# QEMU 10.2 and the generic test device come with the guest harness II:
# without it there is nothing to run on (and lib.sh would build a kernel).
if ! grep -q '^guest_require_qemu()' "$(dirname "$0")/lib.sh"; then
	echo "SKIP: this tree's guest harness has no QEMU 10.2 / vhost-user-test-device support"
	exit 77
fi
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/lib.sh"
guest_require_qemu 10
case ${VHD_GUEST_KERNEL:-7.3} in
7.3*) ;;
*) skip "virtio-rtc needs the Linux 7.3 guest kernel (VHD_GUEST_KERNEL=${VHD_GUEST_KERNEL})" ;;
esac

# The guest prints "VHD-RTC-TIME <seconds>" right after reading its rtc:
# compare with the host's clock when the line shows up (the console is
# polled every 0.1 s, hence the 2 s tolerance).
rtc_time_check() {
	local g h d
	g=$(sed -n 's/^VHD-RTC-TIME \([0-9][0-9]*\).*/\1/p' "$RTC_CON" | head -n 1)
	h=$(date +%s)
	d=$((g > h ? g - h : h - g))
	if [ "$d" -le 2 ]; then pass "guest /dev/rtc within 2 s of the host ($g vs $h)"
	else fail "guest /dev/rtc $g, host $h: $d s apart"; fi
}

drv_stat() { # NAME COUNTER: one of the driver's own counters
	vhd_telemetry "$1" /vhost_device/stats,0 | python3 -c '
import json, sys
print(json.load(sys.stdin)["/vhost_device/stats"]["rtc"][sys.argv[1]])' "$2"
}

for mode in default poll; do
	echo "== rtc, mode $mode"
	opts=()
	[ "$mode" = default ] || opts=(--mode "$mode")
	vhd_backend_start rtc0 rtc "${opts[@]}"
	req0=$(requests_of rtc0)
	RTC_CON=$VHD_WORK/rtc-$mode.console
	MARKERS=([VHD-RTC-TIME]=rtc_time_check)
	expect_ok "guest checks ($mode)" guest_run "$RTC_CON" \
		--script "$guest_tests_dir/rtc-guest.sh" \
		--dev "$(test_dev "$(vhd_backend_sock rtc0)" 17 2 "" 1024)" --timeout 300
	grep -q '^VHD-RTC-TIME' "$RTC_CON" || fail "the guest never read its rtc"
	requests_moved rtc0 "$req0"
	reads=$(drv_stat rtc0 reads)
	notif=$(drv_stat rtc0 notifications)
	errs=$(drv_stat rtc0 errors)
	echo "telemetry: reads $reads, notifications $notif, errors $errs"
	if [ "$reads" -gt 0 ]; then pass "driver counted $reads READs"
	else fail "no READ counted"; fi
	if grep -q '^VHD-RTC-NO-ALARM' "$RTC_CON"; then
		echo "NOTE: no alarm test (see the guest's SKIP line)"
	elif [ "$notif" -ge 1 ]; then pass "alarm notification sent ($notif)"
	else fail "no alarm notification counted"; fi
	stop_clean rtc0
done
finish rtc
