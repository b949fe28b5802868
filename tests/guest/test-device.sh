#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# The harness's generic device on QEMU 10: our rng backend reaches the guest
# through vhost-user-test-device-pci (virtio-id 4, one queue) instead of
# vhost-user-rng-pci, and the guest's plain rng checks pass, the backend's
# telemetry accounts for them. This is the path every device without a
# dedicated QEMU frontend takes (spi, can, rtc, console, ...).
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/lib.sh"
guest_require_qemu 10

vhd_backend_start rng0 rng
req0=$(requests_of rng0)
expect_ok "guest checks over test-device (virtio-id=4)" guest_run "$VHD_WORK/td.console" \
	--script "$guest_tests_dir/rng-guest.sh" --env VHD_RNG_CASE=plain \
	--env VHD_RNG_BYTES=65536 --dev "$(test_dev "$(vhd_backend_sock rng0)" 4 1)" --timeout 240
requests_moved rng0 "$req0"
stop_clean rng0
finish test-device
