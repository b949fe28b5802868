#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# perf-smoke test: a few hundred requests through vhd-perf against a real
# device application in each mode, so the tool and its generators keep
# working. Nothing about timing is checked; an error, a stall, an error
# completion or a backend that doesn't exit cleanly fails.
#
# Usage: smoke.sh VHD_PERF DEVICE APP [BACKEND_OPTION...]
#   e.g. smoke.sh vhd-perf gpio vhost-device-gpio -l s8
set -u

perf=$1
dev=$2
app=$3
shift 3
# Backend options hold no spaces (e.g. "-l s8"): kept as one word list.
be_opts="$*"
dir=$(mktemp -d /tmp/vhd-perf-smoke.XXXXXX)
pid=
prefix=
# EAL keeps a runtime directory per --file-prefix; ours go when we do.
if [ "$(id -u)" = 0 ]; then rtdir=/var/run/dpdk; else rtdir=${XDG_RUNTIME_DIR:-/tmp}/dpdk; fi

cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	[ -z "$prefix" ] || rm -rf "${rtdir:?}/$prefix"
	rm -rf "$dir"
}
trap cleanup EXIT

fail() {
	echo "perf-smoke: $*" >&2
	echo "--- backend output:" >&2
	cat "$dir/app.log" >&2
	exit 1
}

# Socket 0 is PATH0, except for apps that use -s PATH as given (upstream's rtc
# and template); the others append the index.
sfx=0
case $dev in
rtc) sfx= ;;
template) sfx= ;;
gpu) sfx= ;;
scsi) sfx= ;;
scmi) sfx= ;;
sound) sfx= ;;
esac
case $dev in
rng) gen="-b 64" ;;
gpio) gen="--target 1 --op set" ;;
i2c) gen="--target 32" ;;
*) gen= ;;
esac

# One backend in MODE, one vhd-perf run against it.
# Usage: smoke MODE STYLE QD "EXTRA_BACKEND_OPTIONS" "VHD_PERF_OPTIONS"
smoke() {
	mode=$1
	sock=$dir/$dev-$mode.sock
	prefix=vhdperfsmoke$$$mode
	# shellcheck disable=SC2086 # option lists on purpose
	"$app" --no-huge -m 256 --no-pci --no-shconf --file-prefix "$prefix" -l 0 \
		-- -s "$sock" --mode "$mode" $be_opts $4 >"$dir/app.log" 2>&1 &
	pid=$!
	# shellcheck disable=SC2086
	"$perf" -d "$dev" -s "${sock}${sfx}" --connect-ms 15000 -n 300 -w 20 -S "$2" -q "$3" \
		$5 --no-floor --backend-pid "$pid" --label "smoke-$mode" --json - ||
		fail "vhd-perf -d $dev $5 failed against --mode $mode (style $2, qd $3)"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	pid=
	rm -rf "${rtdir:?}/$prefix"
	prefix=
	[ "$rc" -eq 0 ] || fail "$dev backend in --mode $mode exited with status $rc on SIGTERM"
}

# mode, tool style, queue depth (input has no closed loop: its events come from
# the control socket, below)
[ "$dev" = input ] ||
for run in "poll poll 1" "interrupt notify 4" "hybrid poll 8" "interrupt poll 1"; do
	[ "$dev" != console ] || break # needs its host client: below
	[ "$dev" != vsock ] || break # needs its host program: below
	# shellcheck disable=SC2086
	smoke $run "" "$gen"
done
# console: echoes through port 0's Unix socket and bulk writes, in each mode.
if [ "$dev" = console ]; then
	for run in "poll poll 1" "interrupt notify 1" "hybrid poll 4"; do
		p=$dir/p0-${run%% *}
		# shellcheck disable=SC2086
		smoke $run "--port 0=unix:$p" "--peer unix:$p --op echo"
		# shellcheck disable=SC2086
		smoke $run "--port 0=unix:$p" "--peer unix:$p --op tx -b 4096"
	done
fi
# vsock: echoes and bulk both ways over one connection to the tool's host program.
if [ "$dev" = vsock ]; then
	for run in "poll poll 1" "interrupt notify 1" "hybrid poll 4"; do
		u=$dir/v-${run%% *}.uds
		# shellcheck disable=SC2086
		smoke $run "--uds-path $u" "--peer unix:$u --op echo"
		# shellcheck disable=SC2086
		smoke $run "--uds-path $u" "--peer unix:$u --op tx -b 65536"
		# shellcheck disable=SC2086
		smoke $run "--uds-path $u" "--peer unix:$u --op rx -b 65536"
	done
fi
# gpio: interrupt latency, a few hundred edges driven through the simulated
# chip's control socket, in each mode.
if [ "$dev" = gpio ]; then
	for run in "poll poll" "interrupt notify" "hybrid poll"; do
		ctl=$dir/ctl-${run%% *}
		# shellcheck disable=SC2086
		smoke $run 1 "--sim-control $ctl" "--irq 2 --sim-control ${ctl}0"
	done
fi
# input: key latency and a burst through a simulated keyboard's control socket.
if [ "$dev" = input ]; then
	for run in "poll poll" "interrupt notify" "hybrid poll"; do
		ctl=$dir/ctl-${run%% *}
		# shellcheck disable=SC2086
		smoke $run 1 "--sim-control $ctl" "--irq 30 --sim-control ${ctl}0"
	done
fi
echo "perf-smoke: $dev ok"
