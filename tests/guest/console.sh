#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-console through QEMU 10.2's generic
# vhost-user-test-device-pci (virtio-id=3, num_vqs=2+2*ports, config_size=12)
# and the Linux 7.3 guest's virtio_console (console-guest.sh is the guest
# side, console-host.py drives it from here):
#   1. tcp: three ports; hvc0 on port 0 is a shell the host types commands
#      into over TCP and reads back; /dev/virtio-ports/NAME for the named
#      ports; 16 MiB each way through org.vhd.data (a Unix socket here) with
#      matching checksums; telemetry counts the bytes.
#   2. pty: port 0 a pty; commands over it; the guest's `stty size` follows
#      the pty's resizes (RESIZE control messages).
# Skips (77) when QEMU 10.2 or the 7.3 guest kernel are not built yet.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# Before sourcing: an older lib.sh builds its own kernel on the way.
if ! grep -q '^guest_require_qemu()' "$here/lib.sh" || ! grep -q '^test_dev()' "$here/lib.sh"; then
	echo "SKIP: this tree's guest harness has no QEMU 10.2 generic device (test-device)" \
		"nor the Linux 7.3 guest yet (branch harness)"
	exit 77
fi
# shellcheck source=tests/guest/lib.sh
. "$here/lib.sh"
guest_require_qemu 10
command -v python3 >/dev/null || skip "python3 missing (the host side of the test)"

# stat_of NAME COUNTER: one of the driver's own counters (under "console").
stat_of() {
	vhd_telemetry "$1" /vhost_device/stats,0 | python3 -c 'import json, sys
print(json.load(sys.stdin)["/vhost_device/stats"]["console"][sys.argv[1]])' "$2"
}
tport=$((20000 + ($$ * 11) % 9000))

echo "== 1. tcp: commands over hvc0, named ports, 16 MiB each way"
vhd_backend_start con0 console --ports 3 --port "0=tcp:127.0.0.1:$tport" \
	--port "1=unix:$VHD_WORK/data.sock" --port-name 1=org.vhd.data \
	--port 2=null --port-name 2=org.vhd.spare
MARKERS[VHD-CON-READY]="python3 '$here/console-host.py' tcp 127.0.0.1 $tport \
	'$VHD_WORK/data.sock' org.vhd.data >'$VHD_WORK/host1.out' 2>&1 || true"
expect_ok "guest side (tcp case)" guest_run "$VHD_WORK/con-tcp.console" \
	--script "$here/console-guest.sh" --env "VHD_CON_NAMES=org.vhd.data org.vhd.spare" \
	--dev "$(test_dev "$(vhd_backend_sock con0)" 3 8 12)" --timeout 900
sed 's/^/host| /' "$VHD_WORK/host1.out" || true
n=$(grep -c '^FAIL' "$VHD_WORK/host1.out" || true)
p=$(grep -c '^PASS' "$VHD_WORK/host1.out" || true)
if [ "$n" = 0 ] && [ "$p" -ge 7 ]; then pass "host checks (tcp case): $p passed"
else fail "host checks (tcp case): $p passed, $n failed"; fi
rx=$(stat_of con0 port1_rx_bytes)
tx=$(stat_of con0 port1_tx_bytes)
if [ "$rx" -ge 16777216 ] && [ "$tx" -ge 16777216 ]; then
	pass "telemetry port1 rx $rx tx $tx bytes"
else
	fail "telemetry port1 rx $rx tx $tx bytes, expected >= 16 MiB each"
fi
stop_clean con0

echo "== 2. pty: stty size follows the pty"
unset 'MARKERS[VHD-CON-READY]'
vhd_backend_start con1 console --port 0=pty
pty=$(sed -n 's/^console: socket 0 port 0: pty //p' "$(vhd_backend_log con1)" | head -n 1)
if [ -z "$pty" ]; then
	fail "backend printed no pty path"
else
	pass "pty $pty"
	MARKERS[VHD-CON-READY]="python3 '$here/console-host.py' pty '$pty' \
		>'$VHD_WORK/host2.out' 2>&1 || true"
	expect_ok "guest side (pty case)" guest_run "$VHD_WORK/con-pty.console" \
		--script "$here/console-guest.sh" --env VHD_CON_NAMES= \
		--dev "$(test_dev "$(vhd_backend_sock con1)" 3 4 12)" --timeout 600
	sed 's/^/host| /' "$VHD_WORK/host2.out" || true
	n=$(grep -c '^FAIL' "$VHD_WORK/host2.out" || true)
	p=$(grep -c '^PASS' "$VHD_WORK/host2.out" || true)
	if [ "$n" = 0 ] && [ "$p" -ge 5 ]; then pass "host checks (pty case): $p passed"
	else fail "host checks (pty case): $p passed, $n failed"; fi
fi
stop_clean con1
finish console
