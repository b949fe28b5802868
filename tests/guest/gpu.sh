#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-gpu. No guest driver exists for its
# device id, so QEMU 10.2's generic vhost-user-test-device-pci carries it and
# the guest (gpu-guest.sh) checks what a new device's author checks
# first: the device is in /sys/bus/virtio/devices with our id, the features
# we offered reach the guest, and the config space reads back as we serve it.
# Skips (77) without QEMU 10.2, the harness's --dev test-device or the guest
# kernel.
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/lib.sh"

VIRTIO_ID=16
CONFIG_SIZE=8

# QEMU 10.2's generic device aborts on an id missing from its name table
# (1-13, 16-41), and virtio-pci carries at most 63: nothing to boot then.
if [ "$VIRTIO_ID" -gt 41 ] || [ "$VIRTIO_ID" -eq 14 ] || [ "$VIRTIO_ID" -eq 15 ]; then
	skip "QEMU 10.2's vhost-user-test-device cannot carry virtio-id $VIRTIO_ID (1-13, 16-41)"
fi
type test_dev >/dev/null 2>&1 ||
	skip "this harness has no --dev test-device (run-guest.sh of QEMU 10.2's generic device)"
guest_require_qemu 10

echo "== 1. the device, its features and its config bytes"
vhd_backend_start gpu0 gpu --mode interrupt
rc=0
guest_run "$VHD_WORK/gpu.console" --script "$guest_tests_dir/gpu-guest.sh" \
	--env VHD_TPL_ID="$VIRTIO_ID" --env VHD_TPL_CONFIG_SIZE="$CONFIG_SIZE" \
	--dev "$(test_dev "$(vhd_backend_sock gpu0)" "$VIRTIO_ID" 1 "$CONFIG_SIZE")" \
	--timeout 240 || rc=$?
[ "$rc" != 77 ] || { vhd_backend_stop gpu0 || true; skip "guest kernel or QEMU not built"; }
if [ "$rc" = 0 ]; then pass "guest checks"; else fail "guest checks, status $rc"; fi
stop_clean gpu0
finish gpu
