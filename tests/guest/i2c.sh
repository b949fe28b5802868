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

# The guest kernel's at24 and i2c lines, for the log.
kernel_lines() { grep -E 'at24|i2c' "$1" | grep '^\[' | sed 's/^/guest| /' || true; }
# On QEMU 10.2 the guest gets packed rings whatever packed= says (its
# vhost-user-base passes on every feature we offer), and Linux 7.3's packed
# ring makes an indirect buffer available before it records it
# (virtqueue_add_indirect_packed(): flags stored, then desc_state[id].data):
# a poll-mode backend completes the request in that window, the interrupt
# finds "id 0 is not a head!" and the adapter is dead. i2c-virtio adds from
# process context without excluding its callback, so it is the driver that
# hits it. The poll-mode run therefore uses split rings (--no-packed); the
# README's i2c section says so.
if [ "$QEMU_MAJOR" -ge 10 ]; then
	GUEST_POLL_OPTS=--no-packed
fi
guest_modes i2c kernel_lines i2c_after
# Without an image file the backend creates it erased (all 0xff).
echo "== i2c, new image file"
vhd_backend_start i2c1 i2c -l sim0:0x50 --sim-client 0x50=24c02:"$VHD_WORK/new.bin"
expect "new EEPROM image, erased" "256 bytes of ff" \
	"$(od -An -v -tx1 "$VHD_WORK/new.bin" | tr -s ' ' '\n' | grep -v '^$' | sort | uniq -c |
		awk '{ print $1 " bytes of " $2 }')"
stop_clean i2c1
finish i2c
