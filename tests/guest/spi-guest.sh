# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of spi.sh, run by dash. The backend has sim:loopback on chip
# select 0 and sim:flash (on an image file) on chip select 1; spi.sh builds
# /vhd-test/spi-xfer (spidev_test-style transfers, see spi-xfer.c).
. /lib/vhd/guest-lib.sh
X=/vhd-test/spi-xfer

ctl=
for m in /sys/class/spi_master/spi*; do
	[ -e "$m" ] || continue
	case $(readlink -f "$m/device") in *virtio*) ctl=$m ;; esac
done
[ -n "$ctl" ] || { vhd_fail "no virtio spi controller in /sys/class/spi_master"; vhd_done; }
bus=${ctl##*/spi}
vhd_pass "virtio spi controller is spi$bus ($(readlink -f "$ctl/device"))"

# spidev on chip selects 0 and 1; cs_max_number is 2, so 2 must be refused
vhd_check "spidev on cs 0" sh -c "echo spidev 0 >$ctl/new_device"
vhd_check "spidev on cs 1" sh -c "echo spidev 1 >$ctl/new_device"
if echo spidev 2 >"$ctl/new_device" 2>/dev/null; then
	vhd_fail "cs 2 accepted with cs_max_number 2"
else
	vhd_pass "cs 2 refused (cs_max_number 2)"
fi
i=0
while [ ! -c /dev/spidev$bus.1 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
L=/dev/spidev$bus.0
F=/dev/spidev$bus.1
vhd_check "$L exists" test -c $L
vhd_check "$F exists" test -c $F

# loopback round trips, 1 byte and 4 KiB (spidev's default buffer)
vhd_eq "loopback 1 byte" "a5" "$($X $L x:a5)"
vhd_eq "loopback 4 KiB full duplex" "ok 4096" "$($X -C 4096 $L)"
vhd_eq "loopback, mode 3 and LSB first" "01 02 03" "$($X -m 0xb $L x:010203)"
vhd_eq "loopback, several transfers in one message" "11 22 33" \
	"$($X $L x:11 w:ff x:2233)"
# the config's limits reach the guest: 50 MHz at most, 8 bits per word
if $X -s 60000000 $L x:00 >/dev/null 2>&1; then
	vhd_fail "60 MHz accepted (max_freq_hz is 50 MHz)"
else
	vhd_pass "60 MHz transfer refused (PARAM_ERR)"
fi
if $X -b 16 $L x:0000 >/dev/null 2>&1; then
	vhd_fail "16 bits per word accepted (mask has only 8)"
else
	vhd_pass "16 bits per word refused"
fi

# the flash: JEDEC id, in one transfer and in two with the chip select held
vhd_eq "flash JEDEC id" "ef 40 14" "$($X $F w:9f r:3)"
vhd_eq "flash JEDEC id, full duplex" "ff ef 40 14" "$($X $F x:9f000000)"
# -k leaves the chip select asserted after the message (virtio cs_change 0):
# the next message continues the same command
$X -k $F w:9f >/dev/null
vhd_eq "READ ID continued in the next message" "ef 40 14" "$($X $F r:3)"
vhd_eq "status: idle" "00" "$($X $F w:05 r:1)"
$X $F w:06 >/dev/null
vhd_eq "status after WRITE ENABLE" "02" "$($X $F w:05 r:1)"
# page program 256 bytes at 0x1000, poll WIP, read back
$X $F w:02001000 p:256 >/dev/null
st=$($X $F w:05 r:1)
i=0
while [ "$st" != 00 ] && [ $i -lt 100 ]; do st=$($X $F w:05 r:1); i=$((i + 1)); done
vhd_eq "status after the program completed" 00 "$st"
want=$($X -E 256)
vhd_eq "page read back" "$want" "$($X $F w:03001000 r:256)"
vhd_eq "fast read" "$(echo "$want" | cut -c1-11)" "$($X $F w:0b00100000 r:4)"
# program without WRITE ENABLE: ignored
$X $F w:0200100000000000 >/dev/null
vhd_eq "program without WEL ignored" "$(echo "$want" | cut -c1-11)" "$($X $F w:03001000 r:4)"
# sector erase of 0x2000 (nothing there) and the page at 0x1000 untouched
$X $F w:06 >/dev/null
$X $F w:20002000 >/dev/null
i=0
while [ "$($X $F w:05 r:1)" != 00 ] && [ $i -lt 200 ]; do i=$((i + 1)); done
vhd_eq "sector 0x2000 erased" "ff ff" "$($X $F w:03002000 r:2)"
vhd_eq "page 0x1000 kept" "$(echo "$want" | cut -c1-5)" "$($X $F w:03001000 r:2)"
vhd_done
