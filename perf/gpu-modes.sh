#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# vhost-device-gpu frames to the display (vhd-perf -d gpu) with our 2D
# renderer and with virgl mode (virglrenderer: the transfer goes into the
# renderer, the flushed frame is read back out of it), each in poll and in
# interrupt mode, all in one run, each against the memcpy of a frame taken
# in the same run. See perf/README.md, "GPU: 1280x800 frames to the display".
#
#   perf/gpu-modes.sh [-b BUILD_DIR] [-o OUT_DIR] [-n FRAMES]
#                     [--backend-cpu N] [--tool-cpu N]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
perf_args -n 500 "$@"
perf_prepare gpu gpu-modes

rm -f "$out/results.tsv"
for renderer in 2d virgl; do
	extra=()
	[ "$renderer" = virgl ] && extra=(-g virglrenderer)
	for mode in poll interrupt; do
		style=poll
		[ "$mode" = interrupt ] && style=notify
		rm -f "$sock_dir"/*
		perf_backend -l "$be_cpu" --no-huge -m 256 --no-pci --no-shconf \
			--file-prefix "vhd-gpumodes-$$" -- -s "$sock_dir/gpu.sock" --mode "$mode" \
			"${extra[@]}" >"$out/backend-$renderer-$mode.log" 2>&1
		wait_sock "$sock_dir/gpu.sock"
		timeout 300 taskset -c "$tool_cpu" "$perf" -d gpu -s "$sock_dir/gpu.sock" -c 1 \
			-n "$count" -w 50 -S "$style" --no-floor --backend-pid "$bepid" \
			--label "$renderer-$mode/frame" --tsv "$out/results.tsv" \
			--json "$out/$renderer-$mode.json" | tee "$out/$renderer-$mode.txt"
		stop_backend
	done
done
echo "results: $out/results.tsv"
