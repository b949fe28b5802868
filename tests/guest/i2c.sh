#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-i2c: a Linux guest in QEMU uses its virtio-i2c
# adapter (i2c-virtio driver) served by our backend on a simulated bus with a
# 24c02 EEPROM at 0x50 (file-backed) and a register file at 0x20
# (i2c-guest.sh is the guest side):
#   - i2cdetect finds exactly 0x20 and 0x50 (quick and read probes);
#   - i2cset/i2cget byte and word data, i2ctransfer write+read groups, a
#     transfer to an absent address fails;
#   - the kernel's at24 driver reads and writes the EEPROM through nvmem;
# then on the host: what the guest wrote is in the EEPROM image, the
# backend's requests counter moved, and it exits 0 on SIGTERM.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/scripts/guest/backends.sh"
run_guest=$root/scripts/guest/run-guest.sh
vhd_backends_init

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "PASS: $*"; }

"$root/scripts/guest/build-kernel.sh" >/dev/null
"$root/scripts/guest/build-initramfs.sh" >/dev/null

image=$VHD_WORK/eeprom.bin
vhd_backend_start i2c0 i2c -l sim0:0x50:0x20 --sim-client "0x50=24c02:$image" \
	--sim-client 0x20=regs
req0=$(vhd_telemetry_field i2c0 requests /vhost_device/stats,0)

rc=0
"$run_guest" --script "$here/i2c-guest.sh" --dev i2c:"$(vhd_backend_sock i2c0)" \
	--log "$VHD_WORK/i2c.console" --timeout 240 || rc=$?
grep -v '^\[ *[0-9.]*\]' "$VHD_WORK/i2c.console" | sed 's/^/guest| /'
if [ "$rc" = 0 ]; then pass "guest checks"; else fail "guest checks, status $rc"; fi

req1=$(vhd_telemetry_field i2c0 requests /vhost_device/stats,0)
if [ "${req1:-0}" -gt "${req0:-0}" ]; then pass "telemetry requests moved ($req0 -> $req1)"
else fail "telemetry requests did not move ($req0 -> $req1)"; fi

rc=0
vhd_backend_stop i2c0 || rc=$?
if [ "$rc" = 0 ]; then pass "i2c0 exited 0 on SIGTERM"
else fail "i2c0 exited $rc on SIGTERM"; sed 's/^/  /' "$(vhd_backend_log i2c0)"; fi

# The guest wrote this through at24 at offset 0x40 of the EEPROM.
want="vhost-device-i2c"
got=$(dd if="$image" bs=1 skip=64 count=${#want} 2>/dev/null)
if [ "$got" = "$want" ]; then pass "EEPROM image holds what the guest wrote"
else fail "EEPROM image at 0x40: '$got', want '$want'"; fi
size=$(stat -c %s "$image")
if [ "$size" = 256 ]; then pass "EEPROM image is 256 bytes"
else fail "EEPROM image is $size bytes"; fi

echo "i2c guest test: $fails failure(s)"
[ "$fails" = 0 ]
