# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of console.sh, run by dash in the test guest. Puts an
# interactive shell on hvc0 (port 0 of our virtio-console, a login-style
# console: the host types commands into it through the backend and reads
# their output), checks the port names the backend gave, makes the
# /dev/virtio-ports/NAME links udev would make, then waits for the host
# to say it is done (it runs its checks through that shell).
. /lib/vhd/guest-lib.sh
PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH

n=0
while [ ! -c /dev/hvc0 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
vhd_check "hvc0 from the virtio console" test -c /dev/hvc0

mkdir -p /dev/virtio-ports
names=
for d in /sys/class/virtio-ports/vport*; do
	[ -e "$d/name" ] || continue
	nm=$(cat "$d/name")
	[ -n "$nm" ] || continue
	names="$names $nm"
	ln -sf "../${d##*/}" "/dev/virtio-ports/$nm"
done
vhd_say "port names:$names"
for want in $VHD_CON_NAMES; do
	vhd_check "/dev/virtio-ports/$want" test -c "/dev/virtio-ports/$want"
done

setsid sh -c 'exec sh -i </dev/hvc0 >/dev/hvc0 2>&1' &
echo "VHD-CON-READY"
n=0
while [ ! -e /tmp/vhd-host-done ] && [ $n -lt 8000 ]; do sleep 0.1; n=$((n + 1)); done
vhd_check "host finished its checks over hvc0" test -e /tmp/vhd-host-done
vhd_done
