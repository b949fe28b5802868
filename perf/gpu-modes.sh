#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# vhost-device-gpu frames to the display (vhd-perf -d gpu) with our 2D
# renderer and with virgl mode (virglrenderer: the transfer goes into the
# renderer, the flushed frame is read back out of it), each in poll and in
# interrupt mode, all in one run, each against the memcpy of a frame taken
# in the same run. See perf/README.md, "GPU: 1280x800 frames to the display".
#
#   perf/gpu-modes.sh [-b BUILD_DIR] [-o OUT_DIR] [-n FRAMES]
#                     [--backend-cpu N] [--tool-cpu N]
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build out='' frames=500 be_cpu=0 tool_cpu=1
while [ $# -gt 0 ]; do
	case $1 in
	-b) build=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	-n) frames=$2; shift 2 ;;
	--backend-cpu) be_cpu=$2; shift 2 ;;
	--tool-cpu) tool_cpu=$2; shift 2 ;;
	-h|--help) sed -n '5,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "gpu-modes.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
perf=$build/perf/vhd-perf
app=$build/app/vhost-device-gpu/vhost-device-gpu
if [ ! -x "$perf" ] || [ ! -x "$app" ]; then echo "build $build first (ninja -C $build)" >&2; exit 2; fi
out=${out:-$(mktemp -d /tmp/vhd-gpu-modes.XXXXXX)}
mkdir -p "$out"
sock_dir=$(mktemp -d /tmp/vhd-gpu-modes-sock.XXXXXX)
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
for renderer in 2d virgl; do
	extra=()
	[ "$renderer" = virgl ] && extra=(-g virglrenderer)
	for mode in poll interrupt; do
		style=poll
		[ "$mode" = interrupt ] && style=notify
		rm -f "$sock_dir"/*
		"$app" -l "$be_cpu" --no-huge -m 256 --no-pci --no-shconf \
			--file-prefix "vhd-gpumodes-$$" -- -s "$sock_dir/gpu.sock" --mode "$mode" \
			"${extra[@]}" >"$out/backend-$renderer-$mode.log" 2>&1 &
		bepid=$!
		for _ in $(seq 100); do [ -S "$sock_dir/gpu.sock" ] && break; sleep 0.1; done
		timeout 300 taskset -c "$tool_cpu" "$perf" -d gpu -s "$sock_dir/gpu.sock" -c 1 \
			-n "$frames" -w 50 -S "$style" --no-floor --backend-pid "$bepid" \
			--label "$renderer-$mode/frame" --tsv "$out/results.tsv" \
			--json "$out/$renderer-$mode.json" | tee "$out/$renderer-$mode.txt"
		stop_backend
	done
done
echo "results: $out/results.tsv"
