#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# The end-to-end demo: install what is missing, build, start our backends,
# boot a Linux guest in QEMU on them, show what the guest sees of each
# device, print the backends' telemetry counters, shut everything down.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
guestdir=$root/scripts/guest

usage() {
	cat <<USAGE
usage: ${0##*/} [options]
  --shell            keep the guest running with a shell on this console
                     (leave with 'poweroff -f' or Ctrl-a x)
  --build-dir DIR    meson build directory (default: $root/build)
  --no-install       do not install missing Debian packages
  --no-build         do not run meson/ninja, use the existing build
  --verbose          show the guest's whole console, kernel messages included
  --timeout SEC      limit for the guest run (default 300)
  -h, --help         this text
Environment: VHD_DEMO_GPIO_OPTS, VHD_DEMO_I2C_OPTS override the device
options given to vhost-device-gpio and vhost-device-i2c; VHD_QEMU picks the
QEMU (default auto: 10.2 when scripts/guest/build-qemu.sh built it, which
shows gpio interrupts in the guest, else Debian 12's 7.2).
The first run builds the Linux 7.3 guest kernel (tens of minutes, cached in
/var/cache/vhost-device/guest); with --no-build it must be built already.
USAGE
}

shell=0 install=1 build=1 verbose=0 timeout=300
builddir=$root/build
while [ $# -gt 0 ]; do
	case $1 in
	--shell) shell=1 ;;
	--build-dir) builddir=$2; shift ;;
	--no-install) install=0 ;;
	--no-build) build=0 ;;
	--verbose) verbose=1 ;;
	--timeout) timeout=$2; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "${0##*/}: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

step() { printf '\n### %s\n' "$*"; }

if [ "$install" = 1 ]; then
	step "Debian packages"
	if [ -x "$root/scripts/deps.sh" ]; then
		"$root/scripts/deps.sh"
	else
		pkgs="build-essential meson ninja-build pkg-config libdpdk-dev dpdk libcmocka-dev
			libgpiod-dev liburing-dev qemu-system-x86 busybox-static
			flex bison bc libelf-dev libssl-dev cpio python3"
		missing=
		for p in $pkgs; do
			dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
				missing="$missing $p"
		done
		if [ -n "$missing" ]; then
			echo "installing:$missing"
			apt-get update -q
			# shellcheck disable=SC2086
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
		fi
	fi
	echo "all packages present"
fi

if [ "$build" = 1 ]; then
	step "Build ($builddir)"
	[ -e "$builddir/build.ninja" ] || meson setup "$builddir" "$root"
	ninja -C "$builddir"
fi
export VHD_BUILD_DIR=$builddir
. "$guestdir/backends.sh"

step "Guest kernel, initramfs and QEMU"
if [ "$build" = 1 ]; then
	kernel=$("$guestdir/build-kernel.sh")
elif ! kernel=$("$guestdir/build-kernel.sh" --check); then
	echo "SKIP: the guest kernel is not built (scripts/guest/build-kernel.sh, or no --no-build)"
	exit 77
fi
initrd=$("$guestdir/build-initramfs.sh")
echo "kernel: $kernel"
echo "initramfs: $initrd"
. "$guestdir/common.sh"
export VHD_QEMU=${VHD_QEMU:-auto}
qemu=$(vhd_qemu_path "$VHD_QEMU") || { echo "no QEMU '$VHD_QEMU'" >&2; exit 1; }
echo "QEMU: $("$qemu" --version | head -n1) ($qemu)"

step "Backends"
vhd_backends_init
names=()
devs=()
gpu_args=()
start() { # NAME DEVICE OPTIONS...
	if ! vhd_app_exists "$2"; then
		echo "vhost-device-$2 not built yet, skipping it"
		return 0
	fi
	vhd_backend_start "$@"
	names+=("$1")
	devs+=(--dev "$2:$(vhd_backend_sock "$1")")
}
start rng0 rng
# shellcheck disable=SC2086
start gpio0 gpio ${VHD_DEMO_GPIO_OPTS:--l s8 --sim-control $VHD_WORK/gpio0.ctl}
if [ -S "$VHD_WORK/gpio0.ctl0" ]; then
	echo "host drives sim-1 high: $(vhd_sim_ctl "$VHD_WORK/gpio0.ctl0" "set 1 1")"
fi
eeprom=$VHD_WORK/eeprom.bin
python3 -c 'import sys; t = b"hello from vhost-device-i2c"
sys.stdout.buffer.write(t + b"\xff" * (256 - len(t)))' >"$eeprom"
# shellcheck disable=SC2086
i2c_opts="-l sim0:0x50:0x20 --sim-client 0x50=24c02:$eeprom --sim-client 0x20=regs"
# shellcheck disable=SC2086
start i2c0 i2c ${VHD_DEMO_I2C_OPTS:-$i2c_opts}
# The devices only QEMU 10's frontends carry (its generic vhost-user test
# device for can and rtc, vhost-user-input-pci; vsock runs on both).
qemu_major=$(vhd_qemu_major "$qemu")
adddev() { # NAME DEVICE-SPEC: one more QEMU device for backend NAME
	names+=("$1")
	devs+=(--dev "$2")
}
if [ "$qemu_major" -ge 10 ]; then
	if vhd_app_exists can; then
		vhd_backend_start can0 can -c 2 -d "sim:bus0 sim:bus0"
		cbase=$(vhd_backend_sock can0)
		cbase=${cbase%0}
		adddev can0 "test-device:${cbase}0,virtio-id=36,num_vqs=3,config_size=2"
		devs+=(--dev "test-device:${cbase}1,virtio-id=36,num_vqs=3,config_size=2")
	fi
	if vhd_app_exists rtc; then
		vhd_backend_start rtc0 rtc
		adddev rtc0 "test-device:$(vhd_backend_sock rtc0),virtio-id=17,num_vqs=2,vq_size=1024"
	fi
	if vhd_app_exists input; then
		vhd_backend_start in0 input -e sim-keyboard --sim-control "$VHD_WORK/input.ctl"
		adddev in0 "input:$(vhd_backend_sock in0)"
	fi
	# gpu in virgl mode (virglrenderer on Mesa's llvmpipe): the guest draws a
	# frame through KMS (tests/guest/gpu-kms.c, static), QEMU's screendump of it
	# is saved and compared with what the guest drew.
	if vhd_app_exists gpu && "$qemu" -device help 2>/dev/null | grep -q '"vhost-user-gpu-pci"' &&
		gcc -static -O2 -o "$VHD_WORK/gpu-kms" "$root/tests/guest/gpu-kms.c" 2>/dev/null; then
		vhd_backend_start gpu0 gpu -g virglrenderer
		adddev gpu0 "gpu:$(vhd_backend_sock gpu0)"
		gpu_args=(--file "$VHD_WORK/gpu-kms:gpu-kms"
			--qemu-arg -qmp --qemu-arg "unix:$VHD_WORK/qmp.sock,server=on,wait=off")
	fi
else
	echo "(can, rtc, input and gpu need QEMU 10.2: scripts/guest/build-qemu.sh)"
fi
vsock_uds=$VHD_WORK/vsock.uds
if vhd_app_exists vsock; then
	vhd_backend_start vs0 vsock --guest-cid 3 --uds-path "$vsock_uds"
	adddev vs0 "vsock:$(vhd_backend_sock vs0)"
	# A host program on the guest's port 1234: what the guest sends lands here.
	timeout "$timeout" socat -u UNIX-LISTEN:"${vsock_uds}_1234" \
		CREATE:"$VHD_WORK/vsock-from-guest.txt" &
	vsock_pid=$!
fi
[ ${#names[@]} -gt 0 ] || { echo "no backend built" >&2; exit 1; }

show_telemetry() {
	local n
	step "Backend telemetry counters"
	for n in "${names[@]}"; do
		echo "--- $n ($(vhd_backend_sock "$n"))"
		vhd_telemetry "$n" /vhost_device/info,0 /vhost_device/stats,0 | python3 -c '
import json, sys
for line in sys.stdin:
    for cmd, val in json.loads(line).items():
        queues = {k: v for k, v in val.items() if isinstance(v, dict)}
        flat = {k: v for k, v in val.items() if not isinstance(v, dict)}
        print("  %s: %s" % (cmd, ", ".join("%s=%s" % kv for kv in sorted(flat.items()))))
        for q, qv in sorted(queues.items()):
            print("    %s: %s" % (q, ", ".join("%s=%s" % kv for kv in sorted(qv.items()))))
' || echo "  (telemetry unavailable)"
	done
}

# The guest asks on its console for gpio edges once gpiomon waits for them
# (only where QEMU passes VIRTIO_GPIO_F_IRQ on); the host makes them through
# the simulated chip's control socket.
gpio_edges() { # LOG
	local _
	until grep -q '^VHD-DEMO-GPIO-EDGES' "$1" 2>/dev/null; do sleep 0.2; done
	for _ in 1 2; do
		vhd_sim_ctl "$VHD_WORK/gpio0.ctl0" "set 7 1" >/dev/null
		sleep 0.3
		vhd_sim_ctl "$VHD_WORK/gpio0.ctl0" "set 7 0" >/dev/null
		sleep 0.3
	done
}

# The guest says when evtest waits on the simulated keyboard; the host types
# "hi" on it through the control socket.
input_keys() { # LOG
	local k
	until grep -q '^VHD-DEMO-INPUT-READY' "$1" 2>/dev/null; do sleep 0.2; done
	for k in 35 23; do # KEY_H, KEY_I
		vhd_sim_ctl "$VHD_WORK/input.ctl0" "key $k 1" syn "key $k 0" syn >/dev/null
	done
}

# The guest says when its frame is on the display; the host takes QEMU's
# screendump of it and compares it with what the guest drew.
gpu_shot() { # LOG
	until grep -q '^VHD-GPU-DRAWN0' "$1" 2>/dev/null; do sleep 0.2; done
	if python3 "$root/tests/guest/gpu-shot.py" "$VHD_WORK/qmp.sock" "$VHD_WORK/screen.ppm" 0 \
		>"$VHD_WORK/screen.txt" 2>&1; then
		echo yes >"$VHD_WORK/screen.match"
	else
		echo no >"$VHD_WORK/screen.match"
	fi
}

step "Guest"
log=$VHD_WORK/console.log
: >"$log"
args=(--qemu "$VHD_QEMU" --kernel "$kernel" --initrd "$initrd" --log "$log"
	--script "$guestdir/demo-guest.sh" "${devs[@]}" "${gpu_args[@]}")
edges_pid=
if [ -S "$VHD_WORK/gpio0.ctl0" ]; then
	gpio_edges "$log" &
	edges_pid=$!
fi
keys_pid=
if [ -S "$VHD_WORK/input.ctl0" ]; then
	input_keys "$log" &
	keys_pid=$!
fi
shot_pid=
if [ ${#gpu_args[@]} -gt 0 ]; then
	gpu_shot "$log" &
	shot_pid=$!
fi
rc=0
if [ "$shell" = 1 ]; then
	echo "booting; the demo runs first, then you get a shell ('poweroff -f' to leave)"
	"$guestdir/run-guest.sh" --shell "${args[@]}" || rc=$?
else
	"$guestdir/run-guest.sh" --timeout "$timeout" "${args[@]}" || rc=$?
	if [ "$verbose" = 1 ]; then
		cat "$log"
	else
		# Kernel messages off, except the ones about our devices' drivers.
		grep -v '^\[ *[0-9.]*\]' "$log" | grep -v '^VHD-GUEST-\|^VHD-DEMO-' || true
	fi
fi
if [ -n "$edges_pid" ]; then
	kill "$edges_pid" 2>/dev/null || true
	wait "$edges_pid" 2>/dev/null || true
fi
for p in "$keys_pid" "$shot_pid" "${vsock_pid:-}"; do
	[ -n "$p" ] || continue
	kill "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
done
show_telemetry
if [ -S "$VHD_WORK/gpio0.ctl0" ]; then
	step "Host view of the simulated devices"
	echo "gpio sim-2 as driven by the guest: $(vhd_sim_ctl "$VHD_WORK/gpio0.ctl0" "get 2")"
fi
if [ -e "$eeprom" ] && [[ " ${names[*]} " == *" i2c0 "* ]]; then
	echo "EEPROM image $eeprom, first 48 bytes:"
	od -A x -t x1z -N 48 "$eeprom" | sed 's/^/  /'
fi

if [ -s "$VHD_WORK/screen.match" ]; then
	echo "QEMU's screendump of the guest's virgl frame: $VHD_WORK/screen.ppm;" \
		"every pixel as the guest drew it: $(cat "$VHD_WORK/screen.match")"
fi

if [ -s "$VHD_WORK/vsock-from-guest.txt" ]; then
	echo "the guest's vsock message, as the host program on ${vsock_uds}_1234 got it:"
	sed 's/^/  /' "$VHD_WORK/vsock-from-guest.txt"
fi

step "Shutdown"
for n in "${names[@]}"; do
	if vhd_backend_stop "$n"; then echo "$n stopped cleanly"
	else echo "$n exited with status $?"; rc=1; fi
done
[ "$rc" = 0 ] && echo "demo done" || echo "demo finished with errors (status $rc)"
exit "$rc"
