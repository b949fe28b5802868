#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-i2c on a simulated bus: a 24c02 EEPROM at 0x50
# backed by an image file and a register file at 0x20. The guest's i2c-tools
# detect exactly these clients and round-trip reads and writes, and the
# kernel's at24 driver reads and writes the EEPROM through sysfs
# (i2c-guest.sh is the guest side). Afterwards the image file must hold the
# guest's writes, telemetry must account for the requests, and the backend
# must exit 0 on SIGTERM.
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

img=$VHD_WORK/eeprom.bin
python3 -c 'import sys; sys.stdout.buffer.write(bytes((7 * i + 3) % 256 for i in range(256)))' >"$img"
vhd_backend_start i2c0 i2c -l sim0:0x50:0x20 --sim-client 0x50=24c02:"$img" \
	--sim-client 0x20=regs
req0=$(vhd_telemetry_field i2c0 requests /vhost_device/stats,0)

con=$VHD_WORK/i2c.console
rc=0
"$run_guest" --script "$here/i2c-guest.sh" --dev i2c:"$(vhd_backend_sock i2c0)" \
	--log "$con" --timeout 240 || rc=$?
grep -v '^\[ *[0-9.]*\]' "$con" | sed 's/^/guest| /'
grep -E 'at24|i2c' "$con" | grep '^\[' | sed 's/^/guest| /' || true
if [ "$rc" = 0 ]; then pass "guest checks"; else fail "guest checks, status $rc"; fi

req1=$(vhd_telemetry_field i2c0 requests /vhost_device/stats,0)
echo "telemetry stats: $(vhd_telemetry i2c0 /vhost_device/stats,0)"
if [ "$req1" -gt "$req0" ]; then pass "telemetry requests moved ($req0 -> $req1)"
else fail "telemetry requests did not move ($req0 -> $req1)"; fi

src=0
vhd_backend_stop i2c0 || src=$?
if [ "$src" = 0 ]; then pass "i2c0 exited 0 on SIGTERM"
else fail "i2c0 exited $src on SIGTERM"; sed 's/^/  /' "$(vhd_backend_log i2c0)"; fi

# The guest's writes reached the EEPROM image: i2cset at 0x10, the page
# writes at 0x40 (the second one wrapped), the at24 write at 128.
if python3 - "$img" <<'PY'
import sys
m = bytearray((7 * i + 3) % 256 for i in range(256))
m[0x10] = 0xab
m[0x40:0x48] = bytes([0xa3, 0xa4, 0x33, 0x44, 0x55, 0x66, 0xa1, 0xa2])
m[128:132] = b"VHD!"
got = open(sys.argv[1], "rb").read()
bad = [i for i in range(256) if i >= len(got) or got[i] != m[i]]
if len(got) != 256 or bad:
    print("image differs (size %d) at offsets %s" % (len(got), bad[:10]))
    sys.exit(1)
PY
then pass "EEPROM image file holds the guest's writes"
else fail "EEPROM image file does not hold the guest's writes"; fi

echo "== i2c guest test: $fails failure(s)"
[ "$fails" = 0 ]
