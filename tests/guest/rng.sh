#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-rng: a Linux guest in QEMU reads /dev/hwrng
# served by our backend (rng-guest.sh is the guest side).
#   1. plain: right hw_random source, varied data, throughput logged, the
#      backend's telemetry counters account for what the guest read
#   1b. the same with --mode interrupt and --mode hybrid
#   2. rate limit: with -m 1024 -p 1000 the guest needs > 2 s for 4 KiB
#   3. backend restart while the guest runs, backend in --client mode and
#      QEMU listening: QEMU 7.2 reconnects and the guest reads on
#   4. the same with the backend listening: QEMU 7.2 survives but the device
#      stays dead (with VHD_RNG_RECONNECT=SEC, chardev reconnect=SEC, QEMU 7.2
#      aborts at realize). Restarts are reported, not failed: they depend on
#      QEMU's reconnect support.
# Each backend must exit 0 on SIGTERM.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/scripts/guest/backends.sh"
run_guest=$root/scripts/guest/run-guest.sh
vhd_backends_init

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "PASS: $*"; }

# Kernel and initramfs first, so a first-run build is not counted against a
# guest's own timeout.
"$root/scripts/guest/build-kernel.sh" >/dev/null
"$root/scripts/guest/build-initramfs.sh" >/dev/null

# guest NAME CASE [run-guest options]: boot with the rng backend NAME, show
# the console (kernel lines dropped), return the guest's status.
guest() {
	local name=$1 case_=$2 rc=0
	shift 2
	"$run_guest" --script "$here/rng-guest.sh" --env VHD_RNG_CASE="$case_" \
		--dev rng:"$(vhd_backend_sock "$name")" --log "$VHD_WORK/$name-$case_.console" \
		--timeout 240 "$@" || rc=$?
	grep -v '^\[ *[0-9.]*\]' "$VHD_WORK/$name-$case_.console" | sed 's/^/guest| /'
	return $rc
}

stat_of() { vhd_telemetry_field "$1" "$2" /vhost_device/stats,0; }

stop_clean() {
	local rc=0
	vhd_backend_stop "$1" || rc=$?
	if [ "$rc" = 0 ]; then pass "$1 exited 0 on SIGTERM"
	else fail "$1 exited $rc on SIGTERM"; sed 's/^/  /' "$(vhd_backend_log "$1")"; fi
}

echo "== 1. plain"
vhd_backend_start rng0 rng
echo "telemetry list: $(vhd_telemetry rng0 /vhost_device/list)"
req0=$(stat_of rng0 requests)
wr0=$(stat_of rng0 bytes_wr)
if guest rng0 plain; then pass "guest checks (plain)"; else fail "guest checks (plain), status $?"; fi
req1=$(stat_of rng0 requests)
wr1=$(stat_of rng0 bytes_wr)
echo "telemetry stats: $(vhd_telemetry rng0 /vhost_device/stats,0)"
echo "telemetry info: $(vhd_telemetry rng0 /vhost_device/info,0)"
# The guest read 4 KiB + 4 KiB + 256 KiB from /dev/hwrng, plus whatever the
# kernel took for itself at probe time.
want=$((4096 + 4096 + 262144))
if [ $((wr1 - wr0)) -ge "$want" ]; then pass "telemetry bytes_wr moved by $((wr1 - wr0)) (>= $want)"
else fail "telemetry bytes_wr moved by $((wr1 - wr0)), guest read at least $want"; fi
if [ "$req1" -gt "$req0" ]; then pass "telemetry requests moved ($req0 -> $req1)"
else fail "telemetry requests did not move ($req0 -> $req1)"; fi
stop_clean rng0

# The same guest checks with the backend in each servicing mode: the
# default is poll; interrupt and hybrid sleep on the guest's kicks.
for mode in interrupt hybrid; do
	echo "== 1b. plain, --mode $mode"
	vhd_backend_start "rng-$mode" rng --mode "$mode"
	if guest "rng-$mode" plain --env VHD_RNG_BYTES=65536; then
		pass "guest checks (plain, --mode $mode)"
	else
		fail "guest checks (plain, --mode $mode), status $?"
	fi
	mode_info=$(vhd_telemetry_field "rng-$mode" mode /vhost_device/info,0)
	if [ "$mode_info" = "$mode" ]; then pass "telemetry reports mode $mode_info"
	else fail "telemetry reports mode '$mode_info', not $mode"; fi
	stop_clean "rng-$mode"
done

echo "== 2. rate limit 1 KiB/s"
vhd_backend_start rng1 rng -m 1024 -p 1000
if guest rng1 ratelimit; then pass "guest checks (ratelimit)"; else fail "guest checks (ratelimit), status $?"; fi
echo "telemetry stats: $(vhd_telemetry rng1 /vhost_device/stats,0)"
stop_clean rng1

# restart_case server|client: boot a guest whose script reads, asks for a
# backend restart on the console, then reads again; restart the backend when
# asked. server: the backend listens (QEMU's usual client chardev); client:
# QEMU listens and the backend runs with --client, reconnecting on restart.
restart_case() {
	local how=$1 rc=0 restarted=0 con=$VHD_WORK/restart-$1.console guest_pid after dev
	if [ "$how" = client ]; then
		vhd_backend_start_client rng2 rng
		dev=(--dev-server rng:"$(vhd_backend_sock rng2)")
	else
		vhd_backend_start rng2 rng
		dev=(--dev rng:"$(vhd_backend_sock rng2)" ${VHD_RNG_RECONNECT:+--reconnect "$VHD_RNG_RECONNECT"})
	fi
	"$run_guest" --script "$here/rng-guest.sh" --env VHD_RNG_CASE=reconnect \
		--env VHD_RNG_RESTART_WAIT=4 "${dev[@]}" --log "$con" --timeout 120 &
	guest_pid=$!
	for _ in $(seq 1 600); do
		if grep -q '^VHD-RNG-RESTART-BACKEND' "$con" 2>/dev/null; then
			vhd_backend_stop rng2 || true
			sleep 0.5
			if [ "$how" = client ]; then
				vhd_backend_start_client rng2 rng && restarted=1
			else
				vhd_backend_start rng2 rng && restarted=1
			fi
			break
		fi
		kill -0 "$guest_pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$guest_pid" || rc=$?
	grep -v '^\[ *[0-9.]*\]' "$con" | sed 's/^/guest| /'
	after=$(sed -n 's/^VHD-RNG-AFTER-RESTART bytes=\([0-9]*\).*/\1/p' "$con")
	if [ "$restarted" = 1 ] && [ "$rc" = 0 ] && [ "${after:-0}" = 1024 ]; then
		pass "guest kept reading across a backend restart (backend as $how)"
	elif [ -z "$after" ]; then
		# Seen with QEMU 7.2 and chardev reconnect=1: realize fails with
		# "Failed to set msg fds" and QEMU aborts on an assertion.
		echo "NOTE: QEMU did not survive (backend as $how, guest status $rc," \
			"restarted=$restarted); QEMU 7.2 limitation, not a failure"
	else
		# Seen with QEMU 7.2 as the client without reconnect: QEMU and the
		# guest live on, but the chardev never reconnects, so the device
		# stays dead and the guest's read has to be killed.
		echo "NOTE: QEMU survived the backend restart but the rng device did not come" \
			"back (backend as $how, guest read ${after:-0} bytes, status $rc); not a failure"
	fi
	if vhd_backend_alive rng2; then stop_clean rng2; fi
}

echo "== 3. backend restart, backend as --client (QEMU listens)"
restart_case client
echo "== 4. backend restart, backend listening (QEMU client, no reconnect)"
restart_case server

echo "== rng guest test: $fails failure(s)"
[ "$fails" = 0 ]
