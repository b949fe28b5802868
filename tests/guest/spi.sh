#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-spi on QEMU 10.2's vhost-user-test-device-pci
# (virtio-id 45, one queue, 32 bytes of config) and the Linux 7.3 guest's
# spi-virtio: sim:loopback on chip select 0, sim:flash on an image file on
# chip select 1. The guest makes spidev nodes on both, round-trips loopback
# transfers, reads the flash's JEDEC id, programs and reads back a page
# (spi-guest.sh, with the static helper spi-xfer.c). Afterwards the image
# file must hold the page, telemetry must account for the requests and for
# the frames held between messages, and the backend must exit 0 on SIGTERM.
# Run with the default (interrupt) and poll modes. Skips (77) without QEMU
# 10.2 or the 7.3 guest kernel in /var/cache/vhost-device.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! grep -q '^test_dev()' "$here/lib.sh"; then
	echo "SKIP: this tree's tests/guest/lib.sh has no test_dev (the QEMU 10.2 guest harness)"
	exit 77
fi
# shellcheck source=tests/guest/lib.sh
. "$here/lib.sh"
guest_require_qemu 10
# QEMU 10.2's vhost-user-test-device names the device from a table that ends
# at virtio-gpio (41): virtio-id 45 aborts in virtio_id_to_name() until
# hw/virtio/virtio.c's virtio_device_names gains VIRTIO_ID_SPI ("virtio-spi"), as in the
# QEMU scripts/guest/build-qemu.sh builds.
grep -aq 'virtio-spi' "$QEMU_BIN" ||
	skip "$QEMU_BIN has no name for virtio id 45: vhost-user-test-device-pci" \
		"aborts in virtio_id_to_name() (needs VIRTIO_ID_SPI in virtio_device_names)"

xfer_bin=$VHD_WORK/spi-xfer
gcc -static -O2 -Wall -Wextra -Werror -o "$xfer_bin" "$guest_tests_dir/spi-xfer.c" ||
	skip "cannot build the static guest helper (gcc -static, libc6-dev)"

spi_start() {
	local name=$1
	shift
	SPI_IMG=$VHD_WORK/$name-flash.bin
	rm -f "$SPI_IMG"
	vhd_backend_start "$name" spi -l "sim:loopback,sim:flash:$SPI_IMG" "$@"
	SPI_HELD0=$(spi_stat "$name" cs_held)
}

# The device on QEMU's generic vhost-user device: virtio-id 45, one queue, 32 config bytes.
spi_dev() { test_dev "$1" 45 1 32; }

# spi_stat NAME FIELD: one of the driver's counters (telemetry's "spi" object).
spi_stat() {
	vhd_telemetry "$1" /vhost_device/stats,0 |
		python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["/vhost_device/stats"]["spi"][sys.argv[1]])' "$2"
}

# While the backend runs: the guest's spi lines, frames held between a
# message's transfers, the one transfer at 60 MHz refused.
spi_running() {
	local held pe
	grep -E 'spi' "$1" | grep '^\[' | sed 's/^/guest| /' || true
	held=$(spi_stat spi0 cs_held)
	if [ "$held" -gt "$SPI_HELD0" ]; then pass "frames held between transfers ($held)"
	else fail "no transfer held the chip select ($SPI_HELD0 -> $held)"; fi
	pe=$(spi_stat spi0 param_freq)
	expect "the 60 MHz transfer answered PARAM_ERR" 1 "$pe"
}

# After SIGTERM: the image holds what the guest programmed.
spi_after() {
	if python3 - "$SPI_IMG" <<'PY'
import sys
got = open(sys.argv[1], "rb").read()
want = bytes((7 * i + 3) % 256 for i in range(256))
ok = len(got) == 1 << 20 and got[0x1000:0x1100] == want and got[0x2000:0x3000] == b"\xff" * 4096
ok = ok and got[:0x1000] == b"\xff" * 0x1000 and got[0x1100:0x2000] == b"\xff" * 0xf00
if not ok:
    print("image: size %d, page %s" % (len(got), got[0x1000:0x1008].hex()))
sys.exit(0 if ok else 1)
PY
	then pass "flash image holds the guest's page at 0x1000, erased elsewhere"
	else fail "flash image does not hold the guest's page"; fi
}

# Split rings in poll mode (guest_modes adds GUEST_POLL_OPTS there): QEMU's
# generic device hands the guest packed rings whatever packed= says, and
# Linux 7.3 publishes a packed indirect buffer before recording it, a race a
# poll-mode backend wins ("spi-rq:id 0 is not a head!"; README,
# vhost-device-i2c).
if [ "$QEMU_MAJOR" -ge 10 ]; then
	GUEST_POLL_OPTS=--no-packed
fi
GUEST_RUN_OPTS=(--file "$xfer_bin:spi-xfer")
GUEST_TIMEOUT=300
guest_modes spi spi_running spi_after
finish spi
