#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Two guests as siblings: one vhost-device-vsock process serves both (--vm
# CID 3 and CID 4, group "default"); guest 3 listens on vsock port 6000,
# guest 4 connects to (3, 6000) and sends 8 MiB: checksums match. Guest 4's
# connect to CID 5 (nobody's) fails at once. vsock-siblings-guest.sh is both
# guests' side (VHD_SIB_ROLE=listen or connect). Only Unix sockets on the
# host: never AF_VSOCK.
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/lib.sh"

vhd_backend_start vs0 vsock --vm "guest-cid=3,uds-path=$VHD_WORK/a.uds" \
	--vm "guest-cid=4,uds-path=$VHD_WORK/b.uds"
sock0=$(vhd_backend_sock vs0)
sock1=${sock0%0}1
# Two TCG guests at once on a loaded machine: the boot-time check of the timer
# IRQ can fail ("IO-APIC + timer doesn't work!" panic); no_timer_check skips it.
con_a=$VHD_WORK/sib-a.console
con_b=$VHD_WORK/sib-b.console
: >"$con_a"
"$run_guest" --log "$con_a" --env VHD_QEMU_MAJOR="$QEMU_MAJOR" --env VHD_SIB_ROLE=listen \
	--script "$guest_tests_dir/vsock-siblings-guest.sh" --dev vsock:"$sock0" --timeout 900 \
	--append no_timer_check &
a_pid=$!
# Guest 3 runs beside guest_run's guest 4: take it down too if the test dies.
stop_guest_a() {
	if kill -0 "$a_pid" 2>/dev/null; then
		kill -TERM "$a_pid" 2>/dev/null || true
		wait "$a_pid" 2>/dev/null || true
	fi
}
VHD_CLEANUP_HOOKS=(stop_guest_a "${VHD_CLEANUP_HOOKS[@]}")
for _ in $(seq 1 6000); do
	grep -q '^VHD-SIB-LISTENING' "$con_a" && break
	kill -0 "$a_pid" 2>/dev/null || break
	sleep 0.1
done
grep -q '^VHD-SIB-LISTENING' "$con_a" || fail "guest 3 never listened"
a_rc=0
expect_ok "guest 4 checks" guest_run "$con_b" --script "$guest_tests_dir/vsock-siblings-guest.sh" \
	--env VHD_SIB_ROLE=connect --dev vsock:"$sock1" --timeout 900 --append no_timer_check
wait "$a_pid" || a_rc=$?
grep -v '^\[ *[0-9.]*\]' "$con_a" | sed 's/^/guest3| /'
expect "guest 3 checks" 0 "$a_rc"
expect "8 MiB from guest 4 to guest 3, checksums" \
	"$(sed -n 's/^VHD-SIB-SENT \([0-9a-f]*\).*/\1/p' "$con_b" | head -1)" \
	"$(sed -n 's/^VHD-SIB-GOT \([0-9a-f]*\).*/\1/p' "$con_a" | head -1)"
echo "telemetry: $(vhd_telemetry vs0 /vhost_device/stats,0)"
stop_clean vs0
finish vsock-siblings
