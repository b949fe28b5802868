#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# vhost-device-input key latency (vhd-perf -d input) with the backend in
# poll mode and in interrupt mode, the tool polling and sleeping on calls,
# all in one run, each against the bare control-socket ping of the same run.
# See perf/README.md, "Input key latency".
#
#   perf/input-modes.sh [-b BUILD_DIR] [-o OUT_DIR] [-n SAMPLES]
#                       [--backend-cpu N] [--tool-cpu N]
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build out='' samples=3000 be_cpu=0 tool_cpu=1
while [ $# -gt 0 ]; do
	case $1 in
	-b) build=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	-n) samples=$2; shift 2 ;;
	--backend-cpu) be_cpu=$2; shift 2 ;;
	--tool-cpu) tool_cpu=$2; shift 2 ;;
	-h|--help) sed -n '5,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "input-modes.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
perf=$build/perf/vhd-perf
app=$build/app/vhost-device-input/vhost-device-input
if [ ! -x "$perf" ] || [ ! -x "$app" ]; then echo "build $build first (ninja -C $build)" >&2; exit 2; fi
out=${out:-$(mktemp -d /tmp/vhd-input-modes.XXXXXX)}
mkdir -p "$out"
sock_dir=$(mktemp -d /tmp/vhd-input-modes-sock.XXXXXX)
bepid=
stop_backend() {
	[ -z "$bepid" ] || { kill -TERM "$bepid" 2>/dev/null; wait "$bepid" 2>/dev/null; } || true
	bepid=
}
cleanup() {
	stop_backend
	rm -rf "$sock_dir"
}
trap cleanup EXIT

rm -f "$out/results.tsv"
for mode in poll interrupt; do
	rm -f "$sock_dir"/*
	"$app" -l "$be_cpu" --no-huge -m 256 --no-pci --no-shconf --file-prefix "vhd-inmodes-$$" \
		-- -s "$sock_dir/in.sock" -e sim-keyboard --sim-control "$sock_dir/in.ctl" \
		--mode "$mode" >"$out/backend-$mode.log" 2>&1 &
	bepid=$!
	for _ in $(seq 100); do [ -S "$sock_dir/in.sock0" ] && [ -S "$sock_dir/in.ctl0" ] && break
		sleep 0.1; done
	for style in poll notify; do
		timeout 300 taskset -c "$tool_cpu" "$perf" -s "$sock_dir/in.sock0" -d input --irq 30 \
			--sim-control "$sock_dir/in.ctl0" -S "$style" -n "$samples" -w 500 --no-floor \
			--backend-pid "$bepid" --label "$mode-$style" --tsv "$out/results.tsv" \
			--json "$out/$mode-$style.json" | tee "$out/$mode-$style.txt"
	done
	stop_backend
done
column -t -s $'\t' "$out/results.tsv" | tee "$out/summary.txt"
echo "results in $out"
