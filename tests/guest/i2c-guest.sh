# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest side of i2c.sh, run by dash in the test guest. The backend exposes a
# simulated bus: a 24c02 EEPROM at 0x50 and a register file at 0x20.
. /lib/vhd/guest-lib.sh

bus=
for d in /sys/bus/i2c/devices/i2c-*; do
	[ -e "$d/name" ] || continue
	case $(cat "$d/name") in
	*virtio*) bus=${d##*/i2c-} ;;
	esac
done
if [ -z "$bus" ]; then
	vhd_fail "no virtio i2c adapter in /sys/bus/i2c/devices"
	vhd_done
fi
vhd_pass "virtio i2c adapter is bus $bus: $(cat /sys/bus/i2c/devices/i2c-$bus/name)"
vhd_check "/dev/i2c-$bus exists" test -c "/dev/i2c-$bus"

# found MODE: the addresses i2cdetect reports present, space separated.
found() {
	/usr/sbin/i2cdetect -y "$1" "$bus" 2>&1 | tail -n +2 | cut -c5- | tr -s ' ' '\n' |
		grep -v -e '^--$' -e '^$' | tr '\n' ' '
}
# -q probes with zero-length writes (VIRTIO_I2C_F_ZERO_LENGTH_REQUEST), -r with
# one-byte reads.
vhd_eq "i2cdetect -q finds the clients" "20 50 " "$(found -q)"
vhd_eq "i2cdetect -r finds the clients" "20 50 " "$(found -r)"

get() { /usr/sbin/i2cget -y "$bus" "$@" 2>&1; }

# register file: byte and word data
/usr/sbin/i2cset -y "$bus" 0x20 0x10 0x5a
vhd_eq "byte data read back" 0x5a "$(get 0x20 0x10)"
/usr/sbin/i2cset -y "$bus" 0x20 0x30 0x1234 w
vhd_eq "word data read back" 0x1234 "$(get 0x20 0x30 w)"
vhd_eq "low byte first" 0x34 "$(get 0x20 0x30)"

# i2ctransfer: one transaction (FAIL_NEXT group) of write then read
out=$(/usr/sbin/i2ctransfer -y "$bus" w3@0x20 0x50 0xa1 0xb2 2>&1)
vhd_eq "i2ctransfer write" "" "$out"
out=$(/usr/sbin/i2ctransfer -y "$bus" w1@0x20 0x50 r2 2>&1)
vhd_eq "i2ctransfer write+read" "0xa1 0xb2" "$out"
# Linux's driver reports how many messages of a transfer succeeded (it counts
# OK statuses up to the first error); i2ctransfer prints that count.
out=$(/usr/sbin/i2ctransfer -y "$bus" w1@0x21 0x00 r1 2>&1)
case $out in
*"0/2"*|*"Error"*) vhd_pass "transfer to absent 0x21 fails: $out" ;;
*) vhd_fail "transfer to absent 0x21: '$out'" ;;
esac
# a group whose second message fails: the first still reached the client
out=$(/usr/sbin/i2ctransfer -y "$bus" w2@0x20 0x60 0x77 w1@0x21 0x00 2>&1)
case $out in
*"1/2"*) vhd_pass "group failing at its second message: $out" ;;
*) vhd_fail "group failing at its second message: '$out'" ;;
esac
vhd_eq "message before the failing one ran" 0x77 "$(get 0x20 0x60)"

# EEPROM through the kernel's at24 driver
echo 24c02 0x50 >"/sys/bus/i2c/devices/i2c-$bus/new_device"
ee=/sys/bus/i2c/devices/$bus-0050/eeprom
if [ -e "$ee" ]; then
	vhd_pass "at24 bound: $ee"
	size=$(wc -c <"$ee")
	vhd_eq "at24 sees 256 bytes" 256 "$size"
	first=$(od -An -tx1 -N4 "$ee" | tr -d ' ')
	vhd_eq "erased EEPROM" ffffffff "$first"
	printf 'vhost-device-i2c' | dd of="$ee" bs=1 seek=64 conv=notrunc 2>/dev/null
	got=$(dd if="$ee" bs=1 skip=64 count=16 2>/dev/null)
	vhd_eq "at24 read back" vhost-device-i2c "$got"
	vhd_eq "i2cdetect shows the bound client" "20 UU " "$(found -q)"
else
	vhd_fail "at24 did not bind at 0x50"
fi
vhd_done
