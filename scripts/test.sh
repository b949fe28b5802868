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
	local args=()
	for s in "$@"; do args+=(--suite "$s"); done
	run_meson_test "$dir" "${args[@]}"
}
run_meson_test() { # dir, meson test arguments...
	local dir=$1; shift
	local rc=0 out
	out=$(mktemp)
	meson test -C "$dir" --print-errorlogs --num-processes 1 "$@" 2>&1 | tee "$out" || rc=1
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
run_suites build unit integration perf-smoke dist
# The Debian packages: built in a copy of the tree, linted, installed into a
# throwaway root and run (a few minutes, most of it the package build).
run_suites build package
# The gpio driver's libgpiod v2 adapter against the real libgpiod 2.1.3
# (bookworm-backports, unpacked privately: Debian 12's libgpiod-dev is 1.6),
# in a third tree that builds only what the gpio tests need.
if gpiod2_pc=$(scripts/libgpiod2.sh); then
	if [ -f build-gpiod2/build.ninja ]; then
		meson setup --reconfigure build-gpiod2 -Dpkg_config_path="$gpiod2_pc" >/dev/null
	else
		meson setup build-gpiod2 -Dguest_tests=false -Dgpiod=enabled \
			-Dpkg_config_path="$gpiod2_pc" >/dev/null
	fi
	ninja -C build-gpiod2 app/vhost-device-gpio/vhost-device-gpio \
		tests/drivers/gpio/test_gpio_dev tests/drivers/gpio/test_gpio_gpiod2 \
		tests/integration/test_it_gpio
	run_meson_test build-gpiod2 --no-rebuild test_gpio_dev test_gpio_gpiod2 integration-gpio
else
	echo "libgpiod 2: FAILED to unpack it (scripts/libgpiod2.sh)"
	failed=$((failed + 1))
fi
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
	# The arm64 kernel and QEMU binary serve the SCMI guest test only.
	for what in "build-kernel.sh --version 7.3" build-qemu.sh build-initramfs.sh \
		"build-kernel.sh --version 7.3 --arch arm64" "arm64.sh qemu" "arm64.sh initramfs"; do
		t0=$(date +%s)
		# shellcheck disable=SC2086 # a script and its options
		if scripts/guest/$what >/dev/null; then
			echo "guest: $what ready ($(( $(date +%s) - t0 ))s)"
		else
			echo "guest: $what FAILED"
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
