# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of i2c.sh (checks merged from the i2c backend's first version
# of this test), run by dash with the real i2c-tools (full paths:
# busybox has applets of the same names). The backend simulates one bus with
# a 24c02 EEPROM at 0x50, whose image the host filled with byte i =
# (7 * i + 3) mod 256, and a register file at 0x20.
. /lib/vhd/guest-lib.sh
T=/usr/sbin

bus=
for a in /sys/bus/i2c/devices/i2c-*; do
	case $(cat "$a/name") in i2c_virtio*) bus=${a##*/i2c-} ;; esac
done
[ -n "$bus" ] || { vhd_fail "no virtio i2c adapter"; vhd_done; }
vhd_pass "virtio i2c adapter is i2c-$bus ($(cat /sys/bus/i2c/devices/i2c-$bus/name))"
vhd_check "/dev/i2c-$bus exists" test -c /dev/i2c-$bus

# detected BUS [MODE...]: addresses i2cdetect reports, space separated.
detected() {
	_b=$1
	shift
	$T/i2cdetect -y "$@" "$_b" | tail -n +2 | cut -c4- | tr ' ' '\n' |
		grep -E '^([0-9a-f]{2}|UU)$' | tr '\n' ' '
}
$T/i2cdetect -y "$bus"
vhd_eq "i2cdetect (default probes) sees exactly the simulated clients" "20 50 " \
	"$(detected "$bus")"
# -q probes with zero-length writes (VIRTIO_I2C_F_ZERO_LENGTH_REQUEST), -r
# with one-byte reads.
vhd_eq "i2cdetect -q (quick write probe) sees exactly the simulated clients" "20 50 " \
	"$(detected "$bus" -q)"
vhd_eq "i2cdetect -r (read byte probe) sees exactly the simulated clients" "20 50 " \
	"$(detected "$bus" -r)"

# EEPROM contents as the host wrote them.
vhd_eq "i2cget 0x50 0x00" 0x03 "$($T/i2cget -y "$bus" 0x50 0x00)"
vhd_eq "i2cget 0x50 0x01" 0x0a "$($T/i2cget -y "$bus" 0x50 0x01)"
vhd_eq "i2cget 0x50 0xff" 0xfc "$($T/i2cget -y "$bus" 0x50 0xff)"
vhd_eq "i2ctransfer w1@0x50 0x00 r8 (sequential read)" \
	"0x03 0x0a 0x11 0x18 0x1f 0x26 0x2d 0x34" "$($T/i2ctransfer -y "$bus" w1@0x50 0x00 r8)"

# Writes, read back.
vhd_check "i2cset 0x50 0x10 0xab" $T/i2cset -y "$bus" 0x50 0x10 0xab
vhd_eq "i2cget 0x50 0x10 after i2cset" 0xab "$($T/i2cget -y "$bus" 0x50 0x10)"
vhd_check "page write of 8 bytes at 0x40" \
	$T/i2ctransfer -y "$bus" w9@0x50 0x40 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88
vhd_eq "page read back" "0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88" \
	"$($T/i2ctransfer -y "$bus" w1@0x50 0x40 r8)"
# A 24c02 page write wraps inside its 8-byte page: 0x46, 0x47, then 0x40, 0x41.
vhd_check "page write crossing the page end at 0x46" \
	$T/i2ctransfer -y "$bus" w5@0x50 0x46 0xa1 0xa2 0xa3 0xa4
vhd_eq "page write wrapped to the page start" "0xa3 0xa4 0x33 0x44 0x55 0x66 0xa1 0xa2" \
	"$($T/i2ctransfer -y "$bus" w1@0x50 0x40 r8)"
vhd_eq "next page untouched" 0xfb "$($T/i2cget -y "$bus" 0x50 0x48)"

# Register file at 0x20: byte and auto-increment access.
vhd_check "i2cset 0x20 0x05 0x5a" $T/i2cset -y "$bus" 0x20 0x05 0x5a
vhd_eq "i2cget 0x20 0x05" 0x5a "$($T/i2cget -y "$bus" 0x20 0x05)"
vhd_check "i2ctransfer w3@0x20 0x10 0xde 0xad" $T/i2ctransfer -y "$bus" w3@0x20 0x10 0xde 0xad
vhd_eq "i2ctransfer w1@0x20 0x10 r2" "0xde 0xad" "$($T/i2ctransfer -y "$bus" w1@0x20 0x10 r2)"

# Word data, low byte first (SMBus).
vhd_check "i2cset 0x20 0x30 0x1234 w" $T/i2cset -y "$bus" 0x20 0x30 0x1234 w
vhd_eq "i2cget 0x20 0x30 w" 0x1234 "$($T/i2cget -y "$bus" 0x20 0x30 w)"
vhd_eq "low byte first" 0x34 "$($T/i2cget -y "$bus" 0x20 0x30)"

# Linux's driver reports how many messages of a transfer succeeded (OK
# statuses up to the first error); i2ctransfer prints that count.
out=$($T/i2ctransfer -y "$bus" w1@0x21 0x00 r1 2>&1) && st=0 || st=$?
# i2ctransfer exits 0 on a partial transfer, with a warning naming the count.
case $st:$out in
0:*"0/2"*|[1-9]*) vhd_pass "transfer to absent 0x21 fails: $out" ;;
*) vhd_fail "transfer to absent 0x21: status $st, '$out'" ;;
esac
# A group whose second message fails: the first still reached the client.
out=$($T/i2ctransfer -y "$bus" w2@0x20 0x60 0x77 w1@0x21 0x00 2>&1) || :
case $out in
*"1/2"*) vhd_pass "group failing at its second message: $out" ;;
*) vhd_fail "group failing at its second message: '$out'" ;;
esac
vhd_eq "message before the failing one ran" 0x77 "$($T/i2cget -y "$bus" 0x20 0x60)"

# Nobody at 0x51: the transfer must fail, not return data.
if $T/i2cget -y "$bus" 0x51 0x00 >/tmp/err 2>&1; then
	vhd_fail "i2cget from absent 0x51 succeeded: $(cat /tmp/err)"
else
	vhd_pass "i2cget from absent 0x51 fails ($(cat /tmp/err))"
fi

# The kernel's at24 driver on the simulated EEPROM: its sysfs eeprom file
# must show the whole contents, including the writes above.
echo 24c02 0x50 >/sys/bus/i2c/devices/i2c-$bus/new_device
ee=/sys/bus/i2c/devices/$bus-0050/eeprom
if [ -r "$ee" ]; then
	vhd_pass "at24 bound: $(cat /sys/bus/i2c/devices/$bus-0050/name) at $bus-0050"
	awk 'BEGIN {
		for (i = 0; i < 256; i++) m[i] = (7 * i + 3) % 256
		m[16] = 171
		m[64] = 163; m[65] = 164; m[66] = 51; m[67] = 68
		m[68] = 85; m[69] = 102; m[70] = 161; m[71] = 162
		for (i = 0; i < 256; i++) print m[i]
	}' >/tmp/want
	od -An -v -tu1 "$ee" | tr -s ' ' '\n' | grep -v '^$' >/tmp/got
	vhd_eq "eeprom size through at24" 256 "$(wc -l </tmp/got)"
	if cmp -s /tmp/want /tmp/got; then
		vhd_pass "eeprom contents through at24 match"
	else
		vhd_fail "eeprom contents through at24 differ"
		paste /tmp/want /tmp/got |
			awk '$1 != $2 { print "  offset " NR - 1 ": want " $1 " got " $2 }' | head
	fi
	# A write through at24, checked by the host in the image file.
	printf 'VHD!' | dd of="$ee" bs=1 seek=128 conv=notrunc 2>/dev/null
	vhd_eq "at24 write read back" 'VHD!' "$(dd if="$ee" bs=1 skip=128 count=4 2>/dev/null)"
	vhd_eq "i2cdetect shows the client bound to at24" "20 UU " "$(detected "$bus" -q)"
	echo 0x50 >/sys/bus/i2c/devices/i2c-$bus/delete_device
else
	vhd_fail "at24 did not bind at 0x50 (no $ee)"
fi
vhd_done
