#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-vsock (hybrid vsock over Unix sockets), with
# QEMU's vhost-user-vsock-pci and socat on both sides (vsock-guest.sh is the
# guest side):
#   1. a guest connect to a port nobody listens on fails at once (RST)
#   2. guest to host: 64 MiB through VSOCK-CONNECT:2:1234 into a socat on
#      <uds>_1234, checksums match
#   3. guest half-close: guest SHUT_WR reaches a host program that answers
#      after EOF; the guest still reads the answer
#   4. SEQPACKET (the guest kernel has it; QEMU's seqpacket=auto takes our
#      offer): three 1000-byte records from the guest reach a SOCK_SEQPACKET
#      listener on <uds>_1236 as three records
#   5. host half-close: a host program sends "hello" and shuts its sending
#      side; the guest reads to EOF (SHUTDOWN with SEND only, upstream's #874)
#      and can still answer
#   6. host to guest: "CONNECT 5000\n" and 64 MiB in one stream into a socat
#      VSOCK-LISTEN in the guest; the host gets "OK <port>\n", checksums match
#   7. host-initiated SEQPACKET (ours), when 4 ran: a program on
#      <uds>.seqpacket sends "CONNECT 5002\n" as a record, gets the OK as one
#      record, then the guest's three 1000-byte records as three records
# The backend must exit 0 on SIGTERM. Only Unix sockets on the host: never
# AF_VSOCK (it leads out of this machine).
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/lib.sh"

command -v socat >/dev/null || skip "no socat on the host"
command -v python3 >/dev/null || skip "no python3 on the host"
uds=$VHD_WORK/vs.uds
head -c 67108864 /dev/urandom >"$VHD_WORK/h2g.bin"
h2g_sum=$(md5sum <"$VHD_WORK/h2g.bin" | cut -d' ' -f1)
vhd_backend_start vs0 vsock --guest-cid 3 --uds-path "$uds"
timeout 600 socat -u UNIX-LISTEN:"${uds}_1234" CREATE:"$VHD_WORK/g2h.bin" &
g2h_pid=$!
# Half-close: this host program answers only after EOF, so the guest's
# SHUT_WR must reach it as shutdown(SHUT_WR) (upstream's #874).
timeout 600 socat UNIX-LISTEN:"${uds}_1235" SYSTEM:'wc -c' &
hc_pid=$!
# SEQPACKET: the lengths of the records as they arrive, one a line.
timeout 600 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
with open(sys.argv[2], "w") as f:
    while True:
        r = c.recv(65536)
        if not r:
            break
        f.write("%d\n" % len(r))
' "${uds}_1236" "$VHD_WORK/seq.lens" &
seq_pid=$!
# Host-initiated SEQPACKET: the OK record, then the lengths of the records, on one line.
cat >"$VHD_WORK/seqconn.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(60)
s.connect(sys.argv[1])
s.send(b"CONNECT 5002\n")
out = [s.recv(64).decode().strip()]
while True:
    r = s.recv(65536)
    if not r:
        break
    out.append(str(len(r)))
with open(sys.argv[2], "w") as f:
    f.write(" ".join(out) + "\n")
PY
MARKERS["VHD-VSOCK-SEQ-LISTENING"]="timeout 120 python3 '$VHD_WORK/seqconn.py' '$uds.seqpacket' \
	'$VHD_WORK/seqh.out' >'$VHD_WORK/seqh.err' 2>&1 &"
# Host half-close toward the guest: "hello", shutdown(SHUT_WR), then read the answer.
MARKERS["VHD-VSOCK-HC-LISTENING"]="{ printf 'CONNECT 5001\nhello'; } |
	timeout 120 socat -t 30 - UNIX-CONNECT:'$uds' >'$VHD_WORK/hc.reply' 2>&1 &"
# The guest listens: connect with the line and the data in one stream.
MARKERS["VHD-VSOCK-LISTENING"]="{ printf 'CONNECT 5000\n'; cat '$VHD_WORK/h2g.bin'; } |
	timeout 500 socat -t 60 - UNIX-CONNECT:'$uds' >'$VHD_WORK/h2g.reply' 2>&1 &"
con=$VHD_WORK/vsock.console
expect_ok "guest checks" guest_run "$con" --script "$guest_tests_dir/vsock-guest.sh" \
	--dev vsock:"$(vhd_backend_sock vs0)" --env VHD_VSOCK_H2G_SUM="$h2g_sum" --mem 512 \
	--timeout 900
wait "$g2h_pid" || true
wait "$hc_pid" || true
# No SEQPACKET connection came when the guest could not open one.
kill "$seq_pid" 2>/dev/null || true
wait "$seq_pid" || true
expect "guest to host checksum (64 MiB)" \
	"$(sed -n 's/^VHD-VSOCK-G2H-SUM \([0-9a-f]*\).*/\1/p' "$con" | head -1)" \
	"$(md5sum <"$VHD_WORK/g2h.bin" | cut -d' ' -f1)"
ok=$(head -1 "$VHD_WORK/h2g.reply" | tr -d '\r')
port=$(echo "$ok" | sed -n 's/^OK \([0-9]*\)$/\1/p')
expect "OK line with a host port from 2^30 ($ok)" yes \
	"$([ "${port:-0}" -ge 1073741824 ] && echo yes || echo no)"
if grep -q '^VHD-VSOCK-SEQ-SENT' "$con"; then
	expect "SEQPACKET records kept" "1000 1000 1000" "$(tr '\n' ' ' <"$VHD_WORK/seq.lens" | sed 's/ $//')"
else
	echo "SKIP: SEQPACKET (the guest could not open a SEQPACKET vsock socket)"
fi
if grep -q '^VHD-VSOCK-SEQ-LISTENING' "$con"; then
	for _ in $(seq 50); do [ -s "$VHD_WORK/seqh.out" ] && break; sleep 0.1; done
	cat "$VHD_WORK/seqh.err" 2>/dev/null || true
	seqh=$(cat "$VHD_WORK/seqh.out" 2>/dev/null || true)
	expect "host-initiated SEQPACKET: OK record, three records ($seqh)" yes \
		"$(echo "$seqh" | grep -Eq '^OK [0-9]+ 1000 1000 1000$' && echo yes || echo no)"
fi
expect "host half-close: the guest read 5 bytes to EOF and answered" "5" \
	"$(sed -n 2p "$VHD_WORK/hc.reply" | tr -d ' \r')"
echo "telemetry: $(vhd_telemetry vs0 /vhost_device/stats,0)"
stop_clean vs0
finish vsock
