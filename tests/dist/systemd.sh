#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# The installed systemd units, started for real by a private systemd: a
# `systemd --user` manager running as root in a mount namespace of its own
# with a private tmpfs on /run (and XDG_RUNTIME_DIR=/run, so the units'
# RuntimeDirectory= lands in /run as under the system manager). Nothing of
# the machine's /run or /etc is touched; the manager and everything it
# started die with the namespace's processes.
#   1. vhost-device-rng@vm1.service: starts under its hardening, serves an rng
#      round trip on /run/vhost-device/rng-vm1.sock0, is restarted after a
#      crash (Restart=on-failure) and serves again, stops cleanly.
#   2. vhost-device-rtc@vm1.socket: systemd binds the socket; the service
#      starts with --socket-fd 3 and serves a round trip.
# The only changes to the installed units: ExecStart's binary comes from
# ROOT (bind-mounted on /run/vhd-root), EnvironmentFile from a temporary
# directory (not /etc).
# Exit 77 (skip) when this machine cannot run the private manager.
# Usage: systemd.sh ROOT BINDIR UNITDIR VHD_PERF
#        systemd.sh --build BUILD BINDIR UNITDIR VHD_PERF  (meson install first)
set -u
if [ "${1:-}" = --build ]; then
	dest=$(mktemp -d /tmp/vhd-systemd-root.XXXXXX)
	meson install -C "$2" --no-rebuild --quiet --destdir "$dest" >"$dest.log" 2>&1 ||
		{ cat "$dest.log"; rm -rf "$dest" "$dest.log"; echo "FAIL: meson install"; exit 1; }
	shift 2
	"$0" "$dest" "$@"
	rc=$?
	rm -rf "$dest" "$dest.log"
	exit "$rc"
fi
if [ "${1:-}" != --inside ]; then
	command -v unshare >/dev/null || { echo "skip: no unshare"; exit 77; }
	[ "$(id -u)" -eq 0 ] || { echo "skip: needs root (mount namespace)"; exit 77; }
	exec unshare -m --propagation private "$0" --inside "$@"
fi
shift
root=$1 bindir=$2 unitdir=$3 perf=$4
sd=/lib/systemd/systemd
[ -x "$sd" ] || { echo "skip: no $sd"; exit 77; }
tmp=$(mktemp -d /tmp/vhd-systemd.XXXXXX)
mount -t tmpfs -o mode=0755 vhd-run /run || { echo "skip: cannot mount /run"; exit 77; }
mkdir -p /run/systemd/system /run/systemd/user /run/vhd-root
# The services get a private /tmp (PrivateTmp=yes): they see ROOT here.
mount --bind "$root" /run/vhd-root || { echo "FAIL: bind mount $root"; exit 1; }
export XDG_RUNTIME_DIR=/run
unset DBUS_SESSION_BUS_ADDRESS
sdpid=
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }
sc() { timeout 60 systemctl --user "$@"; }
cleanup() {
	if [ -n "$sdpid" ]; then
		sc stop 'vhost-device-*' >/dev/null 2>&1
		kill -TERM "$sdpid" 2>/dev/null
		wait "$sdpid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

for d in rng rtc; do
	for u in "$root$unitdir/vhost-device-$d@".*; do
		sed -e "s|^ExecStart=$bindir/|ExecStart=/run/vhd-root$bindir/|" \
			-e "s|^EnvironmentFile=/etc/vhost-device/|EnvironmentFile=$tmp/|" \
			"$u" >"/run/systemd/user/${u##*/}"
	done
	# No journal here: the services' output goes to a file (a drop-in).
	mkdir -p "/run/systemd/user/vhost-device-$d@.service.d"
	printf '[Service]\nStandardOutput=append:%s/%%n.log\nStandardError=inherit\n' "$tmp" \
		>"/run/systemd/user/vhost-device-$d@.service.d/log.conf"
done
cat >"$tmp/rng-vm1.conf" <<'CONF'
EAL_ARGS="--no-huge -m 64 --no-pci --log-level lib.eal:error -l 0"
DEVICE_ARGS="--mode interrupt"
CONF
cp "$tmp/rng-vm1.conf" "$tmp/rtc-vm1.conf"

"$sd" --user --log-target=console --log-level=warning >"$tmp/manager.log" 2>&1 &
sdpid=$!
for _ in $(seq 100); do
	sc is-system-running >/dev/null 2>&1 && break
	sleep 0.2
done
state=$(sc is-system-running 2>&1)
case $state in
running|degraded) ;;
*) echo "skip: the private systemd did not come up ($state): $(head -c 400 "$tmp/manager.log")"
	exit 77 ;;
esac

roundtrip() { # socket, device
	"$perf" -d "$2" -s "$1" --connect-ms 15000 -n 50 -w 5 -S notify --no-floor --quiet ||
		return 1
}
mainpid() { sc show -p MainPID --value "$1"; }
journal() {
	sc status --no-pager -l "$1" 2>&1 | tail -n 20
	echo "--- its output:"
	tail -n 20 "$tmp/$1.log" 2>/dev/null
}

# 1. rng: a path-mode unit under its hardening, then a crash and the restart.
u=vhost-device-rng@vm1.service
sc start "$u" || fail "start $u: $(journal "$u")"
if roundtrip /run/vhost-device/rng-vm1.sock0 rng; then
	echo "ok: $u serves on /run/vhost-device/rng-vm1.sock0"
else
	fail "rng round trip through $u: $(journal "$u")"
fi
pid=$(mainpid "$u")
if [ -n "$pid" ] && [ "$pid" != 0 ]; then
	kill -SEGV "$pid"
	for _ in $(seq 100); do
		new=$(mainpid "$u")
		[ -n "$new" ] && [ "$new" != 0 ] && [ "$new" != "$pid" ] &&
			[ "$(sc is-active "$u")" = active ] && break
		sleep 0.2
	done
	if [ "$new" != "$pid" ] && roundtrip /run/vhost-device/rng-vm1.sock0 rng; then
		echo "ok: $u restarted after SIGSEGV (pid $pid -> $new) and serves"
	else
		fail "no restart after a crash: $(journal "$u")"
	fi
else
	fail "$u has no main pid"
fi
sc stop "$u" || fail "stop $u"
[ "$(sc show -p Result --value "$u")" = success ] || fail "$u did not stop cleanly: $(journal "$u")"
[ ! -e /run/vhost-device/rng-vm1.sock0 ] || fail "socket left behind by $u"

# 2. rtc: socket activation; the service starts on the first connection.
s=vhost-device-rtc@vm1.socket
sc start "$s" || fail "start $s: $(journal "$s")"
[ -S /run/vhost-device/rtc-vm1.sock ] || fail "$s: no socket"
[ "$(sc is-active vhost-device-rtc@vm1.service)" != active ] ||
	fail "rtc service started before any connection"
if roundtrip /run/vhost-device/rtc-vm1.sock rtc; then
	echo "ok: $s activated vhost-device-rtc@vm1.service, which serves with --socket-fd"
else
	fail "rtc round trip through $s: $(journal vhost-device-rtc@vm1.service)"
fi
sc stop vhost-device-rtc@vm1.service "$s" || fail "stop rtc"

if [ "$failed" -ne 0 ]; then
	echo "--- private manager's log (the services' output):"
	tail -n 40 "$tmp/manager.log"
fi
exit "$failed"
