# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
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
	drv=$(readlink "$d/driver" 2>/dev/null || echo none)
	echo "  ${d##*/}: device id $(cat "$d/device") driver ${drv##*/}"
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
	echo "(the host drives sim-1 high through the simulated chip's control socket)"
	show /usr/bin/gpioget "$chip" 0 1
	echo "(the guest drives sim-2 high; the host reads it back after the guest is done)"
	show /usr/bin/gpioset "$chip" 2=1
	if [ "$(vhd_gpio_irq)" = 1 ]; then
		section "gpio interrupts (VIRTIO_GPIO_F_IRQ)"
		echo "(gpiomon waits for edges on sim-7; the host toggles it twice through the"
		echo " simulated chip's control socket)"
		echo "guest# gpiomon --num-events=4 $chip 7"
		vhd_gpiomon "$chip" 7 4 VHD-DEMO-GPIO-EDGES /tmp/mon
		cat /tmp/mon
	else
		echo "(no gpio interrupts: this QEMU does not offer VIRTIO_GPIO_F_IRQ to the guest;"
		echo " QEMU 10.2 does, see scripts/guest/build-qemu.sh)"
	fi
fi

for a in /sys/bus/i2c/devices/i2c-*; do
	[ -e "$a" ] || continue
	case $(cat "$a/name") in i2c_virtio*) ;; *) continue ;; esac
	n=${a##*/i2c-}
	section "i2c (virtio-i2c -> vhost-device-i2c), bus $n"
	show cat "$a/name"
	show /usr/sbin/i2cdetect -y "$n"
	if /usr/sbin/i2cget -y "$n" 0x50 0x00 >/dev/null 2>&1; then
		echo "(a simulated 24c02 EEPROM at 0x50)"
		show /usr/sbin/i2ctransfer -y "$n" w1@0x50 0x00 r16
		show /usr/sbin/i2ctransfer -y "$n" \
			w9@0x50 0x20 0x67 0x75 0x65 0x73 0x74 0x20 0x21 0x21
		show /usr/sbin/i2ctransfer -y "$n" w1@0x50 0x20 r8
		echo "guest# echo 24c02 0x50 > $a/new_device"
		echo 24c02 0x50 >"$a/new_device"
		echo "guest# hexdump -C /sys/bus/i2c/devices/$n-0050/eeprom | head -4"
		hexdump -C "/sys/bus/i2c/devices/$n-0050/eeprom" | head -4
		echo 0x50 >"$a/delete_device"
	fi
	if /usr/sbin/i2cget -y "$n" 0x20 0x00 >/dev/null 2>&1; then
		echo "(a simulated register file at 0x20)"
		show /usr/sbin/i2cset -y "$n" 0x20 0x05 0x5a
		show /usr/sbin/i2cget -y "$n" 0x20 0x05
	fi
done
if [ -e /sys/class/net/can0 ] && [ -e /sys/class/net/can1 ]; then
	section "can (virtio-can -> vhost-device-can, two nodes of one simulated bus)"
	PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH
	show ip link set can0 up
	show ip link set can1 up
	candump -L -T 5000 -n 2 can1 >/tmp/can1 2>&1 &
	d=$!
	sleep 1
	show cansend can0 123#DEADBEEF
	show cansend can0 "456##1$(printf '%02X' 1 2 3 4 5 6 7 8 9 10 11 12)"
	wait $d
	echo "guest# candump can1 (what the other node received over the bus)"
	cat /tmp/can1
fi

for r in /sys/class/rtc/rtc*; do
	[ -e "$r/name" ] || continue
	case $(readlink -f "$r/device" 2>/dev/null) in *virtio*) ;; *) continue ;; esac
	section "rtc (virtio-rtc -> vhost-device-rtc)"
	show cat "$r/name"
	show hwclock -r -u -f "/dev/${r##*/}"
	echo "(the host's UTC: the backend reads its own clock)"
	break
done

kbd=
for e in /sys/class/input/event*; do
	[ -e "$e/device/name" ] || continue
	case $(cat "$e/device/name") in *[Kk]eyboard*) kbd=/dev/input/${e##*/}; break ;; esac
done
if [ -n "$kbd" ]; then
	section "input (virtio-input -> vhost-device-input, simulated keyboard)"
	echo "guest# evtest $kbd"
	evtest "$kbd" >/tmp/ev 2>&1 &
	p=$!
	sleep 1
	echo "VHD-DEMO-INPUT-READY"
	i=0
	while [ "$i" -lt 50 ] && [ "$(grep -c 'EV_KEY.*value 0' /tmp/ev)" -lt 2 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	kill "$p" 2>/dev/null
	grep '^Input device' /tmp/ev
	echo "(the host typed 'hi' on the simulated keyboard's control socket)"
	grep '^Event:' /tmp/ev | grep -v 'SYN_REPORT\|EV_MSC'
fi

if [ -x /vhd-test/gpu-kms ] && ls /dev/dri/card* >/dev/null 2>&1; then
	section "gpu (virtio-gpu -> vhost-device-gpu, virgl 3D on the host's llvmpipe)"
	echo "guest# dmesg | grep 'drm.*features'"
	# without the timestamp: the host hides kernel messages from the demo's output
	dmesg | grep 'drm.*features' | sed 's/^\[[^]]*\] //'
	for c in /sys/class/drm/card*-Virtual-1; do
		[ -e "$c/modes" ] && echo "$(basename "$c"): $(head -n 1 "$c/modes") preferred," \
			"$(wc -l <"$c/modes") modes"
	done
	echo "guest# gpu-kms 0 6   (a KMS client: a test pattern on the display)"
	/vhd-test/gpu-kms 0 6 2>&1
	echo "(the host compares QEMU's screendump with the pattern, after the guest)"
fi

if [ -e /sys/bus/virtio/drivers/vmw_vsock_virtio_transport ] &&
	ls /sys/bus/virtio/drivers/vmw_vsock_virtio_transport/virtio* >/dev/null 2>&1; then
	section "vsock (virtio-vsock -> vhost-device-vsock -> a Unix socket on the host)"
	echo "guest# echo 'hello from the guest over vsock' | socat - VSOCK-CONNECT:2:1234"
	echo "hello from the guest over vsock" | socat -t 5 - VSOCK-CONNECT:2:1234 2>&1
	echo "(the host prints what its program on the Unix socket got, after the guest)"
fi
exit 0
