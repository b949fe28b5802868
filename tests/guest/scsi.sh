#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-scsi: Linux's virtio_scsi and sd drivers on
# QEMU's vhost-user-scsi-pci (default param_change=on: we accept F_CHANGE),
# scsi-guest.sh being the guest side. LUN 0 is a blank 64 MiB image, LUN 1
# a read-only image holding an ext4 file system made here.
#   1. num_queues=1, backend in its default (poll) mode: identity through
#      sg3-utils, mkfs.ext4 / mount / checksummed files / fsync / umount /
#      fsck clean, fstrim punches holes in the image file, the read-only
#      LUN refuses writes and its image's bytes are unchanged
#   2. the same with num_queues=2 and --num-queues 2 --mode interrupt
#   3. hot-add and hot-remove of LUN 2 through --control: /dev/sdX appears
#      with the image's bytes, then goes
#   4. kill -9 of the backend during a write loop on ext4, restart on the
#      same socket, QEMU 10.2 reconnecting (reconnect-ms=): the loop
#      finishes, checksums and fsck are clean. Skipped on QEMU 7.2, whose
#      vhost-user-scsi cannot start on a reconnecting chardev.
# Each backend must exit 0 on SIGTERM.
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/lib.sh"

HELLO="hello from the host, read-only"

# serial IMAGE: the unit serial number the target derives from the image's real path.
serial() {
	python3 - "$(realpath "$1")" <<'EOF'
import sys
h = 0xcbf29ce484222325
for b in sys.argv[1].encode():
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("%016x" % ((3 << 60) | (h & ((1 << 60) - 1))))
EOF
}
alloc_kib() { du -k "$1" | cut -f1; }

ro_src=$VHD_WORK/ro-src
mkdir -p "$ro_src"
printf '%s\n' "$HELLO" >"$ro_src/hello.txt"
rm -f "$VHD_WORK/ro.img"
truncate -s 16M "$VHD_WORK/ro.img"
mkfs.ext4 -q -F -d "$ro_src" "$VHD_WORK/ro.img" ||
	skip "mkfs.ext4 -d on the host failed (e2fsprogs)"
ro_sum=$(sha256sum "$VHD_WORK/ro.img" | cut -d' ' -f1)

declare -A TRIM=()
trim_mark() { TRIM[$1]=$(alloc_kib "$VHD_WORK/disk.img"); echo "host: disk.img uses ${TRIM[$1]} KiB ($1)"; }

# scsi_case NAME NQ BACKEND-OPTIONS...
scsi_case() {
	local name=$1 nq=$2 rc=0 con
	shift 2
	con=$VHD_WORK/$name.console
	rm -f "$VHD_WORK/disk.img"
	truncate -s 64M "$VHD_WORK/disk.img"
	vhd_backend_start "$name" scsi "$@" "$VHD_WORK/disk.img" "$VHD_WORK/ro.img,read-only"
	TRIM=()
	MARKERS[VHD-SCSI-TRIM-BEFORE]="trim_mark before"
	MARKERS[VHD-SCSI-TRIM-AFTER]="trim_mark after"
	guest_run "$con" --script "$guest_tests_dir/scsi-guest.sh" \
		--env VHD_SCSI_SERIAL="$(serial "$VHD_WORK/disk.img")" \
		--env VHD_SCSI_BLOCKS=$((64 * 2048)) --env VHD_SCSI_NQ="$nq" \
		--env VHD_SCSI_HELLO="$HELLO" --smp "$nq" \
		--dev scsi:"$(vhd_backend_sock "$name")",num_queues="$nq" --timeout 300 || rc=$?
	unset 'MARKERS[VHD-SCSI-TRIM-BEFORE]' 'MARKERS[VHD-SCSI-TRIM-AFTER]'
	[ "$rc" != 77 ] || { vhd_backend_stop "$name" || true; skip "guest kernel or QEMU not built"; }
	if [ "$rc" = 0 ]; then pass "guest checks ($name)"; else fail "guest checks ($name), status $rc"; fi
	if [ -n "${TRIM[before]:-}" ] && [ -n "${TRIM[after]:-}" ] &&
		[ $((TRIM[before] - TRIM[after])) -ge 1024 ]; then
		pass "fstrim punched holes: disk.img ${TRIM[before]} -> ${TRIM[after]} KiB"
	else
		fail "fstrim did not free the image's blocks (${TRIM[before]:-?} -> ${TRIM[after]:-?} KiB)"
	fi
	expect "read-only image unchanged" "$ro_sum" "$(sha256sum "$VHD_WORK/ro.img" | cut -d' ' -f1)"
	echo "telemetry: $(vhd_telemetry "$name" /vhost_device/stats,0)"
	stop_clean "$name"
}

echo "== 1. num_queues=1, default mode"
scsi_case scsi1 1
echo "== 2. num_queues=2, --num-queues 2 --mode interrupt"
scsi_case scsi2 2 --num-queues 2 --mode interrupt

echo "== 3. hot-add and hot-remove through the control socket"
hot_img=$VHD_WORK/hot.img
head -c 1M /dev/urandom >"$hot_img"
hot_sum=$(sha256sum "$hot_img" | cut -d' ' -f1)
ctl_cmd() { # SOCKET LINE
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
r = b""
while not (r.endswith(b"ok\n") or b"error" in r):
    d = s.recv(4096)
    if not d:
        break
    r += d
print(r.decode().strip())' "$1" "$2"
}
HOT_REPLY=
hot() { HOT_REPLY="$HOT_REPLY $(ctl_cmd "$VHD_WORK/scsi3.ctl" "$1")"; }
truncate -s 64M "$VHD_WORK/disk3.img"
vhd_backend_start scsi3 scsi --control "$VHD_WORK/scsi3.ctl" "$VHD_WORK/disk3.img"
MARKERS[VHD-SCSI-HOTADD]="hot 'attach 2 $hot_img'"
MARKERS[VHD-SCSI-HOTREMOVE]="hot 'detach 2'"
rc=0
guest_run "$VHD_WORK/scsi3.console" --script "$guest_tests_dir/scsi-guest.sh" \
	--env VHD_SCSI_CASE=hotplug --env VHD_SCSI_HOT_SUM="$hot_sum" \
	--dev scsi:"$(vhd_backend_sock scsi3)",num_queues=1 --timeout 300 || rc=$?
unset 'MARKERS[VHD-SCSI-HOTADD]' 'MARKERS[VHD-SCSI-HOTREMOVE]'
if [ "$rc" = 0 ]; then pass "guest saw the LUN come and go"; else fail "hot-plug guest checks, status $rc"; fi
expect "control replies" " ok ok" "$HOT_REPLY"
stop_clean scsi3

echo "== 4. backend kill -9 and restart during writes, QEMU reconnecting"
if [ "$QEMU_MAJOR" -lt 10 ]; then
	# Seen on 7.2: "Failed to set msg fds", then "vhost_backend_init failed: Protocol
	# error", QEMU exits before the guest boots. A reconnecting chardev connects
	# asynchronously and 7.2's vhost-user-scsi sends its first message without
	# waiting for it (vhost-user-blk waits).
	echo "SKIP: restart under reconnect: QEMU $QEMU_MAJOR's vhost-user-scsi does not start on a" \
		"reconnecting chardev (its first message goes out before the connection is up)"
	finish scsi
	exit
fi
truncate -s 64M "$VHD_WORK/disk4.img"
RESTARTED=0
restart_backend() {
	local pid
	pid=$(vhd_backend_pid scsi4)
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	echo "host: backend killed (SIGKILL)"
	sleep 1
	vhd_backend_start scsi4 scsi "$VHD_WORK/disk4.img" && RESTARTED=1
}
vhd_backend_start scsi4 scsi "$VHD_WORK/disk4.img"
MARKERS[VHD-SCSI-KILL]="restart_backend"
rc=0
guest_run "$VHD_WORK/scsi4.console" --script "$guest_tests_dir/scsi-guest.sh" \
	--env VHD_SCSI_CASE=restart --reconnect 1 \
	--dev scsi:"$(vhd_backend_sock scsi4)",num_queues=1 --timeout 400 || rc=$?
unset 'MARKERS[VHD-SCSI-KILL]'
if [ "$RESTARTED" = 1 ] && [ "$rc" = 0 ]; then
	pass "guest's I/O resumed across a backend kill -9 + restart, fsck clean"
else
	fail "restart under reconnect: restarted=$RESTARTED, guest status $rc"
fi
if vhd_backend_alive scsi4; then stop_clean scsi4; fi

finish scsi
