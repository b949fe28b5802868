#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-gpio with a simulated 8-line chip: the guest's
# gpiod 1.6.3 tools see the right chip, line count and names, read levels the
# host drives through the control socket, drive outputs the host reads back,
# and get edge events when the host toggles an input (gpio-guest.sh is the
# guest side). Run with the default (interrupt) and poll modes. The backend's
# telemetry must account for the requests, and it must exit 0 on SIGTERM.
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/lib.sh"

for mode in default poll; do
	echo "== gpio, mode $mode"
	opts=()
	[ "$mode" = default ] || opts=(--mode "$mode")
	gpio_start gpio0 "${opts[@]}"
	req0=$(requests_of gpio0)
	con=$VHD_WORK/gpio-$mode.console
	if guest_run "$con" --script "$guest_tests_dir/gpio-guest.sh" \
		--dev gpio:"$(vhd_backend_sock gpio0)" --timeout 240; then
		pass "guest checks"
	else
		fail "guest checks, status $?"
	fi
	gpio_after "$con"
	requests_moved gpio0 "$req0"
	stop_clean gpio0
done
finish gpio
