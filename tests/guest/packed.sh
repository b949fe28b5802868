#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest tests on packed rings: the rng, gpio and i2c guest checks once each
# with QEMU's packed=on (a Linux guest's packed virtqueues against our
# engine), backends in their default mode. The features the backend agreed
# must include VIRTIO_F_RING_PACKED (bit 34), its telemetry must account for
# the requests, and it must exit 0 on SIGTERM.
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/lib.sh"

for dev in rng gpio i2c; do
	echo "== $dev, packed=on"
	name=${dev}-packed
	extra=()
	case $dev in
	rng)
		vhd_backend_start "$name" rng
		extra=(--env VHD_RNG_CASE=plain --env VHD_RNG_BYTES=65536) ;;
	gpio) gpio_start "$name" ;;
	i2c) i2c_start "$name" ;;
	esac
	req0=$(requests_of "$name")
	con=$VHD_WORK/$dev-packed.console
	expect_ok "$dev guest checks, packed=on" guest_run "$con" \
		--script "$guest_tests_dir/$dev-guest.sh" \
		--dev "$dev:$(vhd_backend_sock "$name"),packed=on" --timeout 240 "${extra[@]}"
	f=$(vhd_telemetry_field "$name" features /vhost_device/info,0)
	if [ -n "$f" ] && [ $(((f >> 34) & 1)) = 1 ]; then
		pass "$dev: VIRTIO_F_RING_PACKED agreed (features $f)"
	else
		fail "$dev: VIRTIO_F_RING_PACKED not agreed (features '$f')"
	fi
	[ "$dev" != gpio ] || gpio_after "$con"
	requests_moved "$name" "$req0"
	stop_clean "$name"
	[ "$dev" != i2c ] || i2c_after "$con"
done
finish packed
