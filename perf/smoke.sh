#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# perf-smoke test: a few hundred requests through vhd-perf against the real
# rng application in each mode, so the tool keeps working. Nothing about
# timing is checked; a failed run (error, stall, bad completion) fails.
#
# Usage: smoke.sh VHD_PERF VHOST_DEVICE_RNG
set -u

perf=$1
app=$2
dir=$(mktemp -d /tmp/vhd-perf-smoke.XXXXXX)
pid=

cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$dir"
}
trap cleanup EXIT

fail() {
	echo "perf-smoke: $*" >&2
	echo "--- backend output:" >&2
	cat "$dir/app.log" >&2
	exit 1
}

# mode style qd size
for run in "poll poll 1 64" "interrupt notify 4 64" "hybrid poll 8 4096" "interrupt poll 1 64"; do
	set -- $run
	sock=$dir/rng-$1.sock
	"$app" --no-huge -m 256 --no-pci --no-shconf --file-prefix "vhdperfsmoke$$$1" -l 0 \
		-- -s "$sock" --mode "$1" >"$dir/app.log" 2>&1 &
	pid=$!
	"$perf" -s "${sock}0" --connect-ms 15000 -n 300 -w 20 -S "$2" -q "$3" -b "$4" \
		--no-floor --backend-pid "$pid" --label "smoke-$1" --json - ||
		fail "vhd-perf failed against --mode $1 (style $2, qd $3, size $4)"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	pid=
	[ "$rc" -eq 0 ] || fail "backend in --mode $1 exited with status $rc after SIGTERM"
done
echo "perf-smoke: ok"
