#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-gpu on QEMU 10.2's vhost-user-gpu-pci
# (-display none): the guest's virtio-gpu DRM driver on our 2D renderer,
# then on virgl mode (virglrenderer on Mesa's llvmpipe: the guest sees
# VIRTIO_GPU_F_VIRGL and our capsets, its DRM file gets a virgl context,
# its dumb buffers are renderer resources, each flush waits on a renderer
# fence, the frames are read back for QEMU's display).
# gpu-guest.sh draws a known frame with gpu-kms (a static KMS client: the
# guest kernel has no /dev/fb0, CONFIG_FB_DEVICE is off) and QEMU's
# screendump (QMP) must match it pixel for pixel; the connector's EDID modes
# are listed; after a driver unbind/bind (a new display socket) a second
# frame must match too. Skips (77) without QEMU 10.2, its vhost-user-gpu-pci,
# or the guest kernel.
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/lib.sh"

guest_require_qemu 10
"$QEMU_BIN" -device help 2>/dev/null | grep -q '"vhost-user-gpu-pci"' ||
	skip "this QEMU has no vhost-user-gpu-pci"
kms=$VHD_WORK/gpu-kms
gcc -static -O2 -Wall -Wextra -Werror -o "$kms" "$guest_tests_dir/gpu-kms.c" ||
	skip "cannot build the static guest helper gpu-kms (gcc, libc6-dev)"
qmp=$VHD_WORK/qmp.sock

gpu_stat() {
	vhd_telemetry gpu0 /vhost_device/stats,0 |
		python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["/vhost_device/stats"]["gpu"][sys.argv[1]])' "$1"
}

# shot N: screendump after frame N, compared with its pattern.
shot() {
	local rc=0
	python3 "$guest_tests_dir/gpu-shot.py" "$qmp" "$VHD_WORK/frame$1.ppm" "$1" || rc=$?
	echo "$rc" >"$VHD_WORK/frame$1.rc"
}
MARKERS["VHD-GPU-DRAWN0"]="shot 0"
MARKERS["VHD-GPU-DRAWN1"]="shot 1"

# run_mode NAME [backend options]: the guest's checks and the frames.
run_mode() {
	local mode=$1 att upd
	shift
	vhd_backend_start gpu0 gpu --mode interrupt "$@"
	rm -f "$VHD_WORK"/frame*.rc "$qmp"
	con=$VHD_WORK/gpu-$mode.console
	expect_ok "$mode: guest checks" guest_run "$con" --script "$guest_tests_dir/gpu-guest.sh" \
		--file "$kms:gpu-kms" --dev "gpu:$(vhd_backend_sock gpu0)" \
		--qemu-arg -qmp --qemu-arg "unix:$qmp,server=on,wait=off" --timeout 400
	grep -E 'virtio_gpu|virtio-gpu|\[drm\]' "$con" | sed 's/^/guest| /' || true
	for n in 0 1; do
		expect "$mode: screendump of frame $n matches" 0 \
			"$(cat "$VHD_WORK/frame$n.rc" 2>/dev/null || echo none)"
	done
	att=$(gpu_stat display_attached)
	if [ "$att" -ge 2 ]; then pass "$mode: a display socket per driver start ($att)"
	else fail "$mode: display sockets taken: $att, want 2 or more"; fi
	upd=$(gpu_stat display_updates)
	if [ "$upd" -gt 0 ]; then pass "$mode: UPDATEs sent ($upd)"
	else fail "$mode: no UPDATE sent"; fi
	expect "$mode: no display lost to a bad reply" 0 "$(gpu_stat display_bad_replies)"
	if [ "$mode" = virgl ]; then
		if grep -q 'features: +virgl' "$con"; then pass "virgl: the guest driver has 3D"
		else fail "virgl: the guest driver did not take VIRTIO_GPU_F_VIRGL"; fi
		for k in virgl_contexts virgl_readbacks; do
			v=$(gpu_stat "$k")
			if [ "$v" -gt 0 ]; then pass "virgl: $k $v"; else fail "virgl: $k is 0"; fi
		done
		# every fenced command the guest sent waited on a renderer fence
		expect "virgl: fenced commands held on the renderer's fences" \
			"$(gpu_stat fences)" "$(gpu_stat virgl_fences_held)"
		expect "virgl: no renderer error" 0 "$(gpu_stat virgl_renderer_errors)"
	fi
	stop_clean gpu0
}

run_mode 2d
run_mode virgl -g virglrenderer
finish gpu
