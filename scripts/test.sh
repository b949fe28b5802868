#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# The test command: installs what is missing, builds the normal tree (build/)
# and an ASan+UBSan tree (build-asan/), runs every suite, and ends with one
# line "tests: N passed, N failed".
#   --no-guest   skip the QEMU guest suite (it builds a guest kernel and
#                QEMU 10.2 once per machine)
#   --no-asan    skip the sanitizer tree
set -euo pipefail
cd "$(dirname "$0")/.."

guest=1
asan=1
for a in "$@"; do
	case "$a" in
	--no-guest) guest=0 ;;
	--no-asan) asan=0 ;;
	-h|--help) sed -n '5,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "error: unknown option $a (see --help)" >&2; exit 2 ;;
	esac
done

scripts/deps.sh

setup() { # dir, meson options...
	local dir=$1; shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir"
}

passed=0
failed=0
run_suites() { # dir, suites...
	local dir=$1; shift
	local args=() rc=0 out
	for s in "$@"; do args+=(--suite "$s"); done
	out=$(mktemp)
	meson test -C "$dir" --print-errorlogs --num-processes 1 "${args[@]}" 2>&1 | tee "$out" || rc=1
	local ok fail
	ok=$(awk '/^Ok:/ {print $2}' "$out" | tail -n 1)
	fail=$(awk '/^(Fail|Timeout|Unexpected Pass):/ {s += $NF} END {print s + 0}' "$out")
	passed=$((passed + ${ok:-0}))
	failed=$((failed + fail))
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		failed=$((failed + 1)) # meson itself failed
	fi
	rm -f "$out"
}

setup build
run_suites build unit integration perf-smoke
if [ "$asan" -eq 1 ]; then
	setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dguest_tests=false
	run_suites build-asan unit integration perf-smoke
fi
# The guest suite's kernel (Linux 7.3) and QEMU 10.2, built once per machine
# into /var/cache/vhost-device (a cold build takes tens of minutes; later runs
# find them at once). A failed build is a failure; the suite then runs what
# it can: tests needing what is missing skip.
guest_prep() {
	local what t0
	for what in "build-kernel.sh --version 7.3" build-qemu.sh build-initramfs.sh; do
		t0=$(date +%s)
		# shellcheck disable=SC2086 # a script and its options
		if scripts/guest/$what >/dev/null; then
			echo "guest: ${what%% *} ready ($(( $(date +%s) - t0 ))s)"
		else
			echo "guest: ${what%% *} FAILED"
			failed=$((failed + 1))
		fi
	done
}

if [ "$guest" -eq 1 ]; then
	guest_prep
	run_suites build guest
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
