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

src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build out= secs=3 be_cpu=0 tool_cpu=1
while [ $# -gt 0 ]; do
	case $1 in
	-b) build=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	-t) secs=$2; shift 2 ;;
	--backend-cpu) be_cpu=$2; shift 2 ;;
	--tool-cpu) tool_cpu=$2; shift 2 ;;
	-h|--help) sed -n '5,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "split-vs-packed.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
perf=$build/perf/vhd-perf
app=$build/app/vhost-device-rng/vhost-device-rng
[ -x "$perf" ] && [ -x "$app" ] || { echo "build $build first (ninja -C $build)" >&2; exit 2; }
out=${out:-$(mktemp -d /tmp/vhd-split-packed.XXXXXX)}
mkdir -p "$out"
sock_dir=$(mktemp -d /tmp/vhd-split-packed-sock.XXXXXX)
bepid=
cleanup() {
	[ -z "$bepid" ] || { kill -TERM "$bepid" 2>/dev/null; wait "$bepid" 2>/dev/null; } || true
	rm -rf "$sock_dir"
}
trap cleanup EXIT

# The floor first, with nothing of ours spinning on the backend's core.
taskset -c "$tool_cpu" "$perf" --floor-only -c "$tool_cpu" -p "$be_cpu" \
	--json "$out/floor.json" | tee "$out/floor.txt"
"$app" -l "$be_cpu" --no-huge -m 256 --no-pci --file-prefix "vhd-split-packed-$$" \
	-- -s "$sock_dir/rng.sock" --mode poll >"$out/backend.log" 2>&1 &
bepid=$!
for _ in $(seq 100); do [ -S "$sock_dir/rng.sock0" ] && break; sleep 0.1; done
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
