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
# must exit 0 on SIGTERM. Run with the default (interrupt) and poll modes.
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/lib.sh"

for mode in default poll; do
	echo "== i2c, mode $mode"
	opts=()
	[ "$mode" = default ] || opts=(--mode "$mode")
	i2c_start i2c0 "${opts[@]}"
	req0=$(requests_of i2c0)
	con=$VHD_WORK/i2c-$mode.console
	if guest_run "$con" --script "$guest_tests_dir/i2c-guest.sh" \
		--dev i2c:"$(vhd_backend_sock i2c0)" --timeout 240; then
		pass "guest checks"
	else
		fail "guest checks, status $?"
	fi
	grep -E 'at24|i2c' "$con" | grep '^\[' | sed 's/^/guest| /' || true
	requests_moved i2c0 "$req0"
	stop_clean i2c0
	i2c_after
done
# Without an image file the backend creates it erased (all 0xff).
echo "== i2c, new image file"
vhd_backend_start i2c1 i2c -l sim0:0x50 --sim-client 0x50=24c02:"$VHD_WORK/new.bin"
expect "new EEPROM image, erased" "256 bytes of ff" \
	"$(od -An -v -tx1 "$VHD_WORK/new.bin" | tr -s ' ' '\n' | grep -v '^$' | sort | uniq -c |
		awk '{ print $1 " bytes of " $2 }')"
stop_clean i2c1
finish i2c
