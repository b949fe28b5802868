#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-vsock (hybrid vsock over Unix sockets), with
# QEMU's vhost-user-vsock-pci and socat on both sides (vsock-guest.sh is the
# guest side):
#   1. a guest connect to a port nobody listens on fails at once (RST)
#   2. guest to host: 4 MiB through VSOCK-CONNECT:2:1234 into a socat on
#      <uds>_1234, checksums match
#   3. half-close: guest SHUT_WR reaches a host program that answers after
#      EOF; the guest still reads the answer
#   4. host to guest: "CONNECT 5000\n" and 4 MiB in one stream into a socat
#      VSOCK-LISTEN in the guest; the host gets "OK <port>\n", checksums match
# The backend must exit 0 on SIGTERM. Only Unix sockets on the host: never
# AF_VSOCK (it leads out of this machine).
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/lib.sh"

command -v socat >/dev/null || skip "no socat on the host"
uds=$VHD_WORK/vs.uds
head -c 4194304 /dev/urandom >"$VHD_WORK/h2g.bin"
h2g_sum=$(md5sum <"$VHD_WORK/h2g.bin" | cut -d' ' -f1)
vhd_backend_start vs0 vsock --guest-cid 3 --uds-path "$uds"
timeout 280 socat -u UNIX-LISTEN:"${uds}_1234" CREATE:"$VHD_WORK/g2h.bin" &
g2h_pid=$!
# Half-close: this host program answers only after EOF, so the guest's
# SHUT_WR must reach it as shutdown(SHUT_WR) (upstream's #874).
timeout 280 socat UNIX-LISTEN:"${uds}_1235" SYSTEM:'wc -c' &
hc_pid=$!
# The guest listens: connect with the line and the data in one stream.
MARKERS["VHD-VSOCK-LISTENING"]="{ printf 'CONNECT 5000\n'; cat '$VHD_WORK/h2g.bin'; } |
	timeout 120 socat -t 20 - UNIX-CONNECT:'$uds' >'$VHD_WORK/h2g.reply' 2>&1 &"
con=$VHD_WORK/vsock.console
expect_ok "guest checks" guest_run "$con" --script "$guest_tests_dir/vsock-guest.sh" \
	--dev vsock:"$(vhd_backend_sock vs0)" --env VHD_VSOCK_H2G_SUM="$h2g_sum" --timeout 300
wait "$g2h_pid" || true
wait "$hc_pid" || true
expect "guest to host checksum" \
	"$(sed -n 's/^VHD-VSOCK-G2H-SUM \([0-9a-f]*\).*/\1/p' "$con" | head -1)" \
	"$(md5sum <"$VHD_WORK/g2h.bin" | cut -d' ' -f1)"
expect "OK line with a host port from 2^30" "OK 1073741824" \
	"$(head -1 "$VHD_WORK/h2g.reply" | tr -d '\r')"
echo "telemetry: $(vhd_telemetry vs0 /vhost_device/stats,0)"
stop_clean vs0
finish vsock
