#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Split against packed rings for vhost-device-rng, 64 B, qd 1, tool polling
# and tool sleeping on calls, in one run on one backend (poll mode). See
# perf/README.md, "Split and packed rings".
#
#   perf/split-vs-packed.sh [-b BUILD_DIR] [-o OUT_DIR] [-t SECONDS]
#                           [--backend-cpu N] [--tool-cpu N]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
perf_args -t 3 "$@"
perf_prepare rng split-packed
secs=$count

# The floor first, with nothing of ours spinning on the backend's core.
taskset -c "$tool_cpu" "$perf" --floor-only -c "$tool_cpu" -p "$be_cpu" \
	--json "$out/floor.json" | tee "$out/floor.txt"
perf_backend -l "$be_cpu" --no-huge -m 256 --no-pci --file-prefix "vhd-split-packed-$$" \
	-- -s "$sock_dir/rng.sock" --mode poll >"$out/backend.log" 2>&1
wait_sock "$sock_dir/rng.sock0"
rm -f "$out/results.tsv"
for style in poll notify; do
	for ring in split packed; do
		opt=()
		[ "$ring" = split ] || opt=(--packed)
		taskset -c "$tool_cpu" "$perf" -s "$sock_dir/rng.sock0" -c "$tool_cpu" -b 64 -q 1 \
			-S "$style" -t "$secs" --floor-file "$out/floor.json" --quiet \
			--label "$ring-$style" --tsv "$out/results.tsv" "${opt[@]}"
	done
done
column -t -s $'\t' "$out/results.tsv" | tee "$out/summary.txt"
echo "results in $out"
