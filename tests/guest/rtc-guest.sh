# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of rtc.sh, run by dash in the test guest (Linux 7.3 with
# VIRTIO_RTC, _PTP, _CLASS). The backend offers its default clocks:
# 0 CLOCK_REALTIME as UTC_SMEARED, 1 TAI, 2 MONOTONIC, with alarms.
. /lib/vhd/guest-lib.sh
PATH=/usr/bin:/usr/sbin:/sbin:$PATH

# The virtio device of id 17 and its driver.
vdev=
for d in /sys/bus/virtio/devices/*; do
	[ "$(cat "$d/device")" = 0x0011 ] && vdev=$d
done
vhd_check "virtio device 17 present" [ -n "$vdev" ]
drv=$(basename "$(readlink "$vdev/driver" 2>/dev/null)" 2>/dev/null)
vhd_eq "bound to virtio_rtc" virtio_rtc "$drv"
vhd_eq "VIRTIO_RTC_F_ALARM negotiated" 1 "$(cut -c1 "$vdev/features")"

# One PTP clock per device clock, named after its type.
names=
for p in /sys/class/ptp/ptp*; do
	[ -e "$p/clock_name" ] || continue
	case $(readlink -f "$p/device") in
	*"$(basename "$vdev")"*) names="$names$(cat "$p/clock_name");" ;;
	esac
done
echo "ptp clocks: $names"
n=$(echo "$names" | tr ';' '\n' | grep -c 'type')
vhd_eq "three virtio PTP clocks" 3 "$n"
for t in 3 1 2; do
	vhd_check "a PTP clock of type $t" sh -c "echo '$names' | grep -q 'type $t/'"
done
# Reading them takes a PTP tool (clock_gettime on the character device).
if command -v phc_ctl >/dev/null 2>&1; then
	for p in /sys/class/ptp/ptp*; do
		case $(readlink -f "$p/device") in
		*"$(basename "$vdev")"*) vhd_check "phc_ctl ${p##*/} get" phc_ctl "/dev/${p##*/}" get ;;
		esac
	done
else
	vhd_skip "reading the PTP clocks: no phc_ctl (linuxptp) in this initramfs"
fi

# /dev/rtcN from the UTC_SMEARED clock.
rtc=
for r in /sys/class/rtc/rtc*; do
	case $(readlink -f "$r/device") in
	*"$(basename "$vdev")"*) rtc=$(basename "$r") ;;
	esac
done
vhd_check "an rtc class device from virtio_rtc" [ -n "$rtc" ]
if [ -n "$rtc" ]; then
	out=$(hwclock -r -u -f "/dev/$rtc" 2>&1)
	rc=$?
	echo "hwclock: $out"
	vhd_eq "hwclock -r -f /dev/$rtc" 0 "$rc"
	echo "VHD-RTC-TIME $(cat "/sys/class/rtc/$rtc/since_epoch")"
	# The host compares; give it a moment to see the line.
	sleep 1
fi

# A wake alarm 3 s ahead: it fires (the rtc core clears it) and the alarmq
# interrupt count moves.
# Interrupts of the alarmq (MSI-X: its own "virtioN-alarmq" line), else of the device.
irqs() {
	_v=$(basename "$vdev")
	_pat="$_v-alarmq"
	grep -q "$_pat" /proc/interrupts || _pat="$_v"
	awk -v pat="$_pat" 'index($0, pat) { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) t += $i }
		END { print t + 0 }' /proc/interrupts
}
if [ -n "$rtc" ] && [ -e "/sys/class/rtc/$rtc/wakealarm" ]; then
	before=$(irqs)
	echo 0 >"/sys/class/rtc/$rtc/wakealarm"
	echo +3 >"/sys/class/rtc/$rtc/wakealarm"
	set_to=$(cat "/sys/class/rtc/$rtc/wakealarm")
	vhd_check "wake alarm armed ($set_to)" [ -n "$set_to" ]
	i=0
	while [ "$i" -lt 30 ] && [ -n "$(cat "/sys/class/rtc/$rtc/wakealarm")" ]; do
		sleep 1
		i=$((i + 1))
	done
	vhd_eq "wake alarm fired and cleared" "" "$(cat "/sys/class/rtc/$rtc/wakealarm")"
	after=$(irqs)
	# Without MSI-X (the test device on INTx) this counts all the device's interrupts;
	# the host checks that the notification itself was sent.
	vhd_check "alarmq (or device) interrupts $before -> $after" [ "$after" -gt "$before" ]
	grep "$(basename "$vdev")" /proc/interrupts
else
	vhd_skip "wake alarm: no wakealarm attribute on the virtio rtc"
	echo "VHD-RTC-NO-ALARM"
fi
vhd_done
