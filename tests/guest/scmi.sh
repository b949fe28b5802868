#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-scmi on an arm64 guest: Linux binds virtio-scmi
# only from a device tree node and QEMU has vhost-user-scmi only for ARM
# targets, so this runs bookworm-backports' qemu-system-aarch64 10.0 (TCG,
# virt machine, virtio-mmio) with the arm64 Linux 7.3 kernel and a device
# tree carrying an arm,scmi-virtio node (run-guest.sh --arch arm64). The
# backend serves upstream's fake accelerometer and a fake temperature sensor;
# in the guest (scmi-guest.sh) scmi-hwmon shows the temperature in
# /sys/class/hwmon, its value follows "set" on the control socket, and
# scmi_iio shows the accelerometer's three axes. Skips (77) when the arm64
# kernel or QEMU is not there (scripts/guest/build-kernel.sh --arch arm64,
# scripts/guest/arm64.sh qemu).
set -euo pipefail
export VHD_GUEST_ARCH=arm64
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/lib.sh"

ctl=$VHD_WORK/scmi.ctl
scmi_set() {
	local r
	r=$(vhd_sim_ctl "${ctl}0" "set vhd-temp 0 $1")
	[ "$r" = ok ] || echo "host: control socket answered '$r'" >&2
}
MARKERS[VHD-SCMI-SET]='scmi_set 61500'

# The backend in its default (interrupt) mode, then in poll mode.
for mode in default poll; do
	opts=()
	[ "$mode" = default ] || opts=(--mode "$mode")
	vhd_backend_start scmi0 scmi -d fake,name=vhd-accel -d fake,kind=temperature,name=vhd-temp \
		--sim-control "$ctl" "${opts[@]}"
	sock=$(vhd_backend_sock scmi0)
	req0=$(requests_of scmi0)
	expect_ok "guest checks, mode $mode" guest_run "$VHD_WORK/scmi-$mode.console" \
		--timeout 600 --script "$guest_tests_dir/scmi-guest.sh" --dev "scmi:$sock"
	requests_moved scmi0 "$req0"
	stop_clean scmi0
done
finish scmi
