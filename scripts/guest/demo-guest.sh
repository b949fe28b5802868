# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest side of scripts/demo.sh: show what the guest sees of each device our
# backends serve. Runs in the test guest (dash); sections for devices that
# are not attached are skipped.
. /lib/vhd/guest-lib.sh

section() { printf '\n===== %s =====\n' "$*"; }
# Show a command and its output, like a terminal session.
show() { echo "guest# $*"; "$@" 2>&1; }

section "guest"
show uname -sr
echo "virtio devices:"
for d in /sys/bus/virtio/devices/*; do
	[ -e "$d" ] || continue
	echo "  ${d##*/}: device id $(cat "$d/device") driver $(basename "$(readlink "$d/driver" 2>/dev/null || echo none)")"
done

if [ -c /dev/hwrng ]; then
	section "rng (virtio-rng -> vhost-device-rng)"
	show cat /sys/class/misc/hw_random/rng_current
	echo "guest# head -c 64 /dev/hwrng | hexdump -C"
	head -c 64 /dev/hwrng | hexdump -C
	t0=$(vhd_ms)
	head -c 65536 /dev/hwrng >/dev/null
	t1=$(vhd_ms)
	ms=$((t1 - t0))
	[ "$ms" -gt 0 ] || ms=1
	echo "read 64 KiB from /dev/hwrng in $ms ms ($((65536 * 1000 / ms / 1024)) KiB/s under TCG)"
fi

if ls /dev/gpiochip* >/dev/null 2>&1; then
	section "gpio (virtio-gpio -> vhost-device-gpio)"
	show /usr/bin/gpiodetect
	show /usr/bin/gpioinfo
	chip=$(/usr/bin/gpiodetect | awk 'NR == 1 { print $1 }')
	echo "guest# gpioset $chip 0=1; gpioget $chip 0"
	/usr/bin/gpioset "$chip" 0=1 2>&1
	/usr/bin/gpioget "$chip" 0 2>&1
	echo "guest# gpioset $chip 0=0; gpioget $chip 0"
	/usr/bin/gpioset "$chip" 0=0 2>&1
	/usr/bin/gpioget "$chip" 0 2>&1
fi

for bus in /dev/i2c-*; do
	[ -c "$bus" ] || continue
	n=${bus#/dev/i2c-}
	section "i2c (virtio-i2c -> vhost-device-i2c), bus $n"
	show cat "/sys/bus/i2c/devices/i2c-$n/name"
	show /usr/sbin/i2cdetect -y -r "$n"
	# The simulated EEPROM, if the backend has one at 0x50.
	if /usr/sbin/i2cget -y "$n" 0x50 0x00 >/dev/null 2>&1; then
		show /usr/sbin/i2cdump -y "$n" 0x50 b
	fi
done
exit 0
