# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=bash
#
# Host side helpers shared by the guest tests (sourced by rng.sh, gpio.sh,
# i2c.sh, all.sh): results, backends with their simulated devices set up as
# the guest scripts expect, and a guest run that reacts to console markers.

guest_tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$guest_tests_dir/../.." && pwd)
. "$root/scripts/guest/common.sh"

# skip REASON: exit 77, which meson counts as a skip.
skip() { echo "SKIP: $*"; exit 77; }

# The QEMU the test runs on: VHD_QEMU (7.2, 10.2, auto or a path; meson sets
# it per test), and the guest kernel: VHD_GUEST_KERNEL (7.3 unless set).
# run-guest.sh reads both from the environment.
VHD_QEMU_SET=${VHD_QEMU:+1}
export VHD_QEMU=${VHD_QEMU:-7.2}
export VHD_GUEST_KERNEL=${VHD_GUEST_KERNEL:-7.3}
# guest_require_qemu MAJOR: skip unless the selected QEMU is at least MAJOR
# (e.g. 10 for --dev test-device); with VHD_QEMU unset by the caller it picks
# the built 10.2. Call before anything starts.
guest_require_qemu() {
	if [ "$VHD_QEMU" = 7.2 ] && [ -z "${VHD_QEMU_SET:-}" ] && [ "$1" -gt 7 ]; then
		VHD_QEMU=10.2
		guest_select_qemu
	fi
	[ "$QEMU_MAJOR" -ge "$1" ] ||
		skip "needs QEMU >= $1, $VHD_QEMU is $QEMU_MAJOR (VHD_QEMU=10.2 after scripts/guest/build-qemu.sh)"
}
# VHD_GUEST_ARCH=arm64 (set before sourcing: the SCMI test) selects the arm64
# guest: bookworm-backports' qemu-system-aarch64 and the arm64 kernel.
export VHD_GUEST_ARCH=${VHD_GUEST_ARCH:-x86_64}
guest_select_qemu() {
	local rc=0
	if [ "$VHD_GUEST_ARCH" = arm64 ]; then
		QEMU_BIN=$("$root/scripts/guest/arm64.sh" qemu --check) ||
			skip "qemu-system-arm is not unpacked (scripts/guest/arm64.sh qemu, run by scripts/test.sh)"
		QEMU_MAJOR=$(vhd_qemu_major "$QEMU_BIN")
		echo "guest: QEMU $("$QEMU_BIN" --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')" \
			"($QEMU_BIN), arm64 kernel $VHD_GUEST_KERNEL"
		return
	fi
	QEMU_BIN=$(vhd_qemu_path "$VHD_QEMU") || rc=$?
	case $rc in
	0) ;;
	77) skip "QEMU 10.2 is not built on this machine (scripts/guest/build-qemu.sh, run by scripts/test.sh)" ;;
	*) skip "no QEMU '$VHD_QEMU' (Debian 12's: apt-get install qemu-system-x86)" ;;
	esac
	QEMU_MAJOR=$(vhd_qemu_major "$QEMU_BIN")
	echo "guest: QEMU $("$QEMU_BIN" --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')" \
		"($QEMU_BIN), kernel $VHD_GUEST_KERNEL"
}
guest_select_qemu

# Without what the guest is built from there is nothing to test: skip and
# say which. scripts/test.sh builds kernel and QEMU before the guest suite;
# a meson test never does (a cold kernel build outlasts any test timeout).
[ -x /bin/busybox ] || skip "/bin/busybox missing (scripts/deps.sh installs it)"
"$root/scripts/guest/build-kernel.sh" --check --version "$VHD_GUEST_KERNEL" \
	--arch "$VHD_GUEST_ARCH" >/dev/null ||
	skip "guest kernel $VHD_GUEST_KERNEL ($VHD_GUEST_ARCH) is not built on this machine" \
		"(scripts/guest/build-kernel.sh --version $VHD_GUEST_KERNEL --arch $VHD_GUEST_ARCH," \
		"run by scripts/test.sh)"

. "$root/scripts/guest/backends.sh"
run_guest=$root/scripts/guest/run-guest.sh
vhd_backends_init

# The initramfs first (a tool download or repack on the first run), so it is
# not counted against a guest's own timeout.
if [ "$VHD_GUEST_ARCH" = arm64 ]; then
	"$root/scripts/guest/arm64.sh" initramfs >/dev/null
else
	"$root/scripts/guest/build-initramfs.sh" >/dev/null
fi

# test_dev SOCK VIRTIO_ID NUM_VQS [CONFIG_SIZE [VQ_SIZE]]: the --dev value
# for QEMU 10's generic vhost-user device on SOCK (after guest_require_qemu
# 10), e.g. guest_run "$con" --script "$guest_tests_dir/spi-guest.sh" \
#	--dev "$(test_dev "$(vhd_backend_sock spi0)" 45 1 12)"
test_dev() {
	local a="test-device:$1,virtio-id=$2,num_vqs=$3"
	[ -z "${4:-}" ] || a="$a,config_size=$4"
	[ -z "${5:-}" ] || a="$a,vq_size=$5"
	printf '%s\n' "$a"
}

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "PASS: $*"; }
expect() { # DESCRIPTION EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then pass "$1 ($3)"; else fail "$1: expected '$2', got '$3'"; fi
}
# expect_ok DESCRIPTION COMMAND...: pass when COMMAND succeeds, else fail with its status.
expect_ok() {
	local what=$1 rc=0
	shift
	"$@" || rc=$?
	if [ "$rc" = 0 ]; then pass "$what"; else fail "$what, status $rc"; fi
}
# finish NAME: summary line and the test's exit status.
finish() {
	echo "== $1 guest test: $fails failure(s)"
	[ "$fails" = 0 ]
}

# stop_clean NAME: the backend must exit 0 on SIGTERM.
stop_clean() {
	local rc=0
	vhd_backend_stop "$1" || rc=$?
	if [ "$rc" = 0 ]; then pass "$1 exited 0 on SIGTERM"
	else fail "$1 exited $rc on SIGTERM"; sed 's/^/  /' "$(vhd_backend_log "$1")"; fi
}

requests_of() { vhd_telemetry_field "$1" requests /vhost_device/stats,0; }
# requests_moved NAME BEFORE
requests_moved() {
	local now
	now=$(requests_of "$1")
	if [ "$now" -gt "$2" ]; then pass "$1 telemetry requests moved ($2 -> $now)"
	else fail "$1 telemetry requests did not move ($2 -> $now)"; fi
}

# --- guest runs reacting to console markers
# MARKERS maps a console line prefix to a command run once when it appears.
declare -A MARKERS=()
GUEST_PID=
# If the test dies while a guest runs (timeout, Ctrl-C), take run-guest.sh,
# and with it QEMU, down before the backends.
stop_guest() {
	if [ -n "$GUEST_PID" ] && kill -0 "$GUEST_PID" 2>/dev/null; then
		kill -TERM "$GUEST_PID" 2>/dev/null || true
		wait "$GUEST_PID" 2>/dev/null || true
	fi
}
VHD_CLEANUP_HOOKS+=(stop_guest)

# backends_dump_cmd: a command printing the telemetry (info, stats and ring
# state of each device) of every backend started so far, run by run-guest.sh
# when a guest times out, while the stall can still be seen. Not filtered on
# liveness now: a backend restarted during the run keeps its name and prefix,
# and one that is down then just reports no socket.
backends_dump_cmd() {
	local n c=
	for n in "${!VHD_BE_PID[@]}"; do
		c="$c echo '--- backend $n telemetry:';"
		c="$c python3 '$VHD_GUEST_DIR/telemetry.py' --prefix '${VHD_BE_PREFIX[$n]}' --dump;"
	done
	printf '%s\n' "${c:-:}"
}

# guest_run LOG RUN-GUEST-ARGS...: boot, serve MARKERS while the guest runs,
# print the console without kernel lines, return the guest's status.
guest_run() {
	local log=$1 rc=0 pid m
	shift
	local -A done_=()
	: >"$log"
	"$run_guest" --log "$log" --env VHD_QEMU_MAJOR="$QEMU_MAJOR" \
		--on-timeout "$(backends_dump_cmd)" "$@" &
	pid=$!
	GUEST_PID=$pid
	while kill -0 "$pid" 2>/dev/null; do
		for m in "${!MARKERS[@]}"; do
			[ -z "${done_[$m]:-}" ] || continue
			if grep -q "^$m" "$log"; then
				done_[$m]=1
				eval "${MARKERS[$m]}"
			fi
		done
		sleep 0.1
	done
	wait "$pid" || rc=$?
	GUEST_PID=
	grep -v '^\[ *[0-9.]*\]' "$log" | sed 's/^/guest| /'
	return $rc
}

# --- one device's guest, the backend in its default mode and then in poll mode
# guest_modes DEV AFTER_RUN AFTER_STOP: for each mode, DEV_start DEV0 [--mode
# poll] (below), a guest running DEV-guest.sh on its socket, AFTER_RUN CONSOLE
# while the backend runs, telemetry requests must have moved and the backend
# must exit 0 on SIGTERM, then AFTER_STOP CONSOLE. ':' for nothing to do.
# A device's script may set: GUEST_POLL_OPTS (words added to the backend's
# options in poll mode), GUEST_SKIP_POLL (why poll mode is skipped),
# GUEST_RUN_OPTS (an array of more guest_run options, e.g. --file), GUEST_TIMEOUT
# (seconds, 240), and define DEV_dev SOCKET to print guest_run's --dev value
# (default DEV:SOCKET; test_dev for vhost-user-test-device-pci devices).
guest_modes() {
	local dev=$1 after_run=$2 after_stop=$3 name=${1}0 mode con req0 devarg
	local -a opts
	for mode in default poll; do
		if [ "$mode" = poll ] && [ -n "${GUEST_SKIP_POLL:-}" ]; then
			echo "SKIP: $dev, mode poll: $GUEST_SKIP_POLL"
			continue
		fi
		echo "== $dev, mode $mode"
		opts=()
		[ "$mode" = default ] || opts=(--mode "$mode")
		# shellcheck disable=SC2206 # GUEST_POLL_OPTS: words to add in poll mode
		[ "$mode" != poll ] || opts+=(${GUEST_POLL_OPTS:-})
		"${dev}_start" "$name" "${opts[@]}"
		req0=$(requests_of "$name")
		con=$VHD_WORK/$dev-$mode.console
		devarg="$dev:$(vhd_backend_sock "$name")"
		if declare -F "${dev}_dev" >/dev/null; then
			devarg=$("${dev}_dev" "$(vhd_backend_sock "$name")")
		fi
		expect_ok "guest checks" guest_run "$con" --script "$guest_tests_dir/$dev-guest.sh" \
			${GUEST_RUN_OPTS[@]+"${GUEST_RUN_OPTS[@]}"} --dev "$devarg" \
			--timeout "${GUEST_TIMEOUT:-240}"
		"$after_run" "$con"
		requests_moved "$name" "$req0"
		stop_clean "$name"
		"$after_stop" "$con"
	done
}

# --- gpio: the simulated 8-line chip gpio-guest.sh expects
# gpio_start NAME [OPTIONS...]: chip with a control socket, host drives
# sim-5 = 1 and sim-6 = 0; the guest asks for sim-7 edges on the console.
gpio_start() {
	local name=$1
	shift
	vhd_backend_start "$name" gpio -l s8 --sim-control "$VHD_WORK/$name.ctl" "$@"
	GPIO_CTL=$VHD_WORK/$name.ctl0
	expect "host drives sim-5=1 sim-6=0" "ok ok" \
		"$(vhd_sim_ctl "$GPIO_CTL" "set 5 1" "set 6 0" | tr '\n' ' ' | sed 's/ $//')"
	MARKERS[VHD-GPIO-TOGGLE 7]='gpio_toggle 7'
}
gpio_toggle() {
	vhd_sim_ctl "$GPIO_CTL" "set $1 1" >/dev/null
	sleep 0.3
	vhd_sim_ctl "$GPIO_CTL" "set $1 0" >/dev/null
}
# gpio_after LOG: what the guest drove, as the chip saw it.
gpio_after() {
	expect "sim-2 driven by the guest's gpioset" 1 "$(vhd_sim_ctl "$GPIO_CTL" "get 2")"
	expect "sim-3 driven by the guest's gpioset" 0 "$(vhd_sim_ctl "$GPIO_CTL" "get 3")"
	if grep -q '^VHD-GPIO-NO-IRQ' "$1"; then
		echo "NOTE: gpio edge events not tested: QEMU 7.2's vhost-user-gpio does not" \
			"offer VIRTIO_GPIO_F_IRQ to the guest (the backend does); not a failure"
	fi
}

# --- i2c: the simulated bus i2c-guest.sh expects
# i2c_start NAME [OPTIONS...]: 24c02 EEPROM at 0x50 on an image file holding
# byte i = (7 * i + 3) mod 256, register file at 0x20.
i2c_start() {
	local name=$1
	shift
	I2C_IMG=$VHD_WORK/$name-eeprom.bin
	python3 -c 'import sys
sys.stdout.buffer.write(bytes((7 * i + 3) % 256 for i in range(256)))' >"$I2C_IMG"
	vhd_backend_start "$name" i2c -l sim0:0x50:0x20 --sim-client 0x50=24c02:"$I2C_IMG" \
		--sim-client 0x20=regs "$@"
}
# i2c_after: the guest's writes reached the image file (call after the
# backend stopped): i2cset at 0x10, the page writes at 0x40 (the second one
# wrapped), the at24 write at 128.
i2c_after() {
	if python3 - "$I2C_IMG" <<'PY'
import sys
m = bytearray((7 * i + 3) % 256 for i in range(256))
m[0x10] = 0xab
m[0x40:0x48] = bytes([0xa3, 0xa4, 0x33, 0x44, 0x55, 0x66, 0xa1, 0xa2])
m[128:132] = b"VHD!"
got = open(sys.argv[1], "rb").read()
bad = [i for i in range(256) if i >= len(got) or got[i] != m[i]]
if len(got) != 256 or bad:
    print("image differs (size %d) at offsets %s" % (len(got), bad[:10]))
    sys.exit(1)
PY
	then pass "EEPROM image file holds the guest's writes"
	else fail "EEPROM image file does not hold the guest's writes"; fi
}
