#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# All our backends at once under one guest: vhost-device-rng, -gpio and -i2c
# each on its own socket, the guest runs the rng, gpio and i2c guest checks
# in turn (all-guest.sh). Every backend's telemetry must move, the simulated
# devices must hold what the guest wrote, and all must exit 0 on SIGTERM.
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/lib.sh"

vhd_backend_start rng0 rng
gpio_start gpio0
i2c_start i2c0
declare -A req0=()
for n in rng0 gpio0 i2c0; do req0[$n]=$(requests_of "$n"); done

con=$VHD_WORK/all.console
if guest_run "$con" --script "$guest_tests_dir/all-guest.sh" \
	--file "$guest_tests_dir/rng-guest.sh" --file "$guest_tests_dir/gpio-guest.sh" \
	--file "$guest_tests_dir/i2c-guest.sh" --env VHD_RNG_CASE=plain --env VHD_RNG_BYTES=65536 \
	--dev rng:"$(vhd_backend_sock rng0)" --dev gpio:"$(vhd_backend_sock gpio0)" \
	--dev i2c:"$(vhd_backend_sock i2c0)" --timeout 300; then
	pass "guest checks for rng, gpio and i2c in one guest"
else
	fail "guest checks in one guest, $? of them failed"
fi
gpio_after "$con"
for n in rng0 gpio0 i2c0; do
	requests_moved "$n" "${req0[$n]}"
	stop_clean "$n"
done
i2c_after
finish all
