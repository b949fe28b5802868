# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of gpio.sh, run by dash in the test guest with the real gpiod
# 1.6.3 tools. The backend simulates an 8-line chip (-l s8): lines named
# sim-0..sim-7; the host drives input levels through the control socket.
# Before boot the host set sim-5 = 1 and sim-6 = 0; after the guest it checks
# what the guest drove on sim-2 and sim-3.
. /lib/vhd/guest-lib.sh
PATH=/usr/bin:/usr/sbin:$PATH

n=$(gpiodetect | wc -l)
vhd_eq "one gpio chip" 1 "$n"
chip=$(gpiodetect | awk 'NR == 1 { print $1 }')
line=$(gpiodetect | sed -n '1s/.*(\([0-9]*\) lines).*/\1/p')
vhd_eq "$chip line count" 8 "$line"

gpioinfo "$chip" >/tmp/info
cat /tmp/info
names=$(sed -n 's/^[[:space:]]*line *\([0-9]*\): *"\([^"]*\)".*/\1=\2/p' /tmp/info | tr '\n' ' ')
vhd_eq "line names" "0=sim-0 1=sim-1 2=sim-2 3=sim-3 4=sim-4 5=sim-5 6=sim-6 7=sim-7 " "$names"
found=$(gpiofind sim-4)
vhd_eq "gpiofind sim-4" "$chip 4" "$found"

# Inputs driven by the host before boot.
vhd_eq "gpioget sim-5 (host drives 1)" 1 "$(gpioget "$chip" 5)"
vhd_eq "gpioget sim-6 (host drives 0)" 0 "$(gpioget "$chip" 6)"

# Outputs the host reads back after the guest is done: gpioset's default
# mode sets, then releases the lines, and a released pin keeps its level.
vhd_check "gpioset $chip 2=1 3=0" gpioset "$chip" 2=1 3=0

# Output value read back through the device: the sysfs interface keeps the
# line requested as an output, so reading its value asks the backend for the
# level of a driven line.
base=$(cat /sys/class/gpio/gpiochip*/base | head -n 1)
g=$((base + 4))
echo "$g" >/sys/class/gpio/export
# The sysfs directory takes the line's name when the chip names its lines.
d=/sys/class/gpio/sim-4
[ -d "$d" ] || d=/sys/class/gpio/gpio$g
echo out >"$d/direction"
for v in 1 0 1; do
	echo "$v" >"$d/value"
	vhd_eq "sysfs ${d##*/} output reads back $v" "$v" "$(cat "$d/value")"
done
echo in >"$d/direction"
echo "$g" >/sys/class/gpio/unexport

# Interrupts need VIRTIO_GPIO_F_IRQ (feature bit 0, first character of the
# device's features in sysfs). QEMU 7.2's vhost-user-gpio never offers it to
# the guest even when the backend does, so there the test can only say so;
# QEMU 10 passes the backend's offer through, so there it must be present.
irq=$(vhd_gpio_irq)
if [ "$irq" = 1 ]; then
	# The host toggles sim-7 when asked on the console; gpiomon must see a
	# rising and a falling edge.
	vhd_gpiomon "$chip" 7 2 "VHD-GPIO-TOGGLE 7" /tmp/mon
	cat /tmp/mon
	vhd_eq "rising edges on sim-7" 1 "$(grep -c 'RISING EDGE' /tmp/mon)"
	vhd_eq "falling edges on sim-7" 1 "$(grep -c 'FALLING EDGE' /tmp/mon)"
	vhd_eq "edge order" "RISING FALLING" \
		"$(sed -n 's/.*\(RISING\|FALLING\) EDGE.*/\1/p' /tmp/mon | tr '\n' ' ' |
			sed 's/ $//')"
elif [ "${VHD_QEMU_MAJOR:-7}" -ge 10 ]; then
	vhd_eq "VIRTIO_GPIO_F_IRQ offered on QEMU $VHD_QEMU_MAJOR" 1 "$irq"
else
	vhd_skip "edge events: VIRTIO_GPIO_F_IRQ not offered to the guest" \
		"(QEMU 7.2's vhost-user-gpio drops it)"
	echo "VHD-GPIO-NO-IRQ"
fi
vhd_done
