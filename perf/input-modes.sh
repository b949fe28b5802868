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
. "$(dirname "$0")/lib.sh"
perf_args -n 3000 "$@"
perf_prepare input input-modes

rm -f "$out/results.tsv"
for mode in poll interrupt; do
	rm -f "$sock_dir"/*
	perf_backend -l "$be_cpu" --no-huge -m 256 --no-pci --no-shconf \
		--file-prefix "vhd-inmodes-$$" -- -s "$sock_dir/in.sock" -e sim-keyboard \
		--sim-control "$sock_dir/in.ctl" --mode "$mode" >"$out/backend-$mode.log" 2>&1
	for _ in $(seq 100); do [ -S "$sock_dir/in.sock0" ] && [ -S "$sock_dir/in.ctl0" ] && break
		sleep 0.1; done
	for style in poll notify; do
		timeout 300 taskset -c "$tool_cpu" "$perf" -s "$sock_dir/in.sock0" -d input --irq 30 \
			--sim-control "$sock_dir/in.ctl0" -S "$style" -n "$count" -w 500 --no-floor \
			--backend-pid "$bepid" --label "$mode-$style" --tsv "$out/results.tsv" \
			--json "$out/$mode-$style.json" | tee "$out/$mode-$style.txt"
	done
	stop_backend
done
column -t -s $'\t' "$out/results.tsv" | tee "$out/summary.txt"
echo "results in $out"
