#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# `meson install` into a throwaway DESTDIR: exactly the expected files, the
# installed binaries run, and systemd-analyze verify accepts every unit.
# Usage: install.sh BUILD SRC PREFIX BINDIR MANDIR DATADIR UNITDIR COMPLETIONDIR
#                   APP,APP... SOCKETFD_APP,...
set -u
build=$1 src=$2 prefix=$3 bindir=$4 mandir=$5 datadir=$6 unitdir=$7 compdir=$8
IFS=, read -r -a apps <<<"$9"
IFS=, read -r -a sockfd_apps <<<"${10:-}"
abs() { case $1 in /*) echo "$1" ;; *) echo "$prefix/$1" ;; esac; }
bindir=$(abs "$bindir") mandir=$(abs "$mandir") datadir=$(abs "$datadir")
tmp=$(mktemp -d /tmp/vhd-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >"$tmp/log" 2>&1 ||
	{ cat "$tmp/log"; echo "FAIL: meson install"; exit 1; }

{
	echo "$bindir/vhd-perf"
	echo "$datadir/doc/vhost-device/README.md"
	(cd "$src/docs" && find . -type f | sed "s|^\.|$datadir/doc/vhost-device/docs|")
	for d in "${apps[@]}"; do
		n=vhost-device-$d
		echo "$bindir/$n"
		echo "$mandir/man1/$n.1"
		echo "$compdir/$n"
		echo "$unitdir/$n@.service"
		echo "$datadir/vhost-device/examples/$d.conf"
	done
	for d in "${sockfd_apps[@]}"; do
		echo "$unitdir/vhost-device-$d@.socket"
	done
} | sed 's|//*|/|g' | sort >"$tmp/want"
(cd "$dest" && find . -type f -o -type l) | sed 's|^\.||' | sort >"$tmp/got"
diff -u "$tmp/want" "$tmp/got" >"$tmp/diff" || fail "installed files (- missing, + extra):
$(cat "$tmp/diff")"

# The installed binaries run from where they were installed.
for d in "${apps[@]}"; do
	out=$("$dest$bindir/vhost-device-$d" --version 2>&1) ||
		fail "installed vhost-device-$d --version: $out"
done

# Units: the content the unit templates promise, then systemd's own check
# (copies whose ExecStart points into DESTDIR, man pages found there).
mkdir "$tmp/units"
for d in "${apps[@]}"; do
	n=vhost-device-$d
	u=$dest$unitdir/$n@.service
	[ -f "$u" ] || continue
	grep -qx "EnvironmentFile=/etc/vhost-device/$d-%i.conf" "$u" || fail "$n@.service: EnvironmentFile"
	grep -qx "Restart=on-failure" "$u" || fail "$n@.service: Restart"
	grep -qx "RuntimeDirectory=vhost-device" "$u" || fail "$n@.service: RuntimeDirectory"
	grep -q "^ExecStart=$bindir/$n " "$u" || fail "$n@.service: ExecStart"
	if [ -f "$dest$unitdir/$n@.socket" ]; then
		grep -q -- "-- --socket-fd 3 " "$u" || fail "$n@.service: no --socket-fd 3"
		grep -qx "ListenStream=/run/vhost-device/$d-%i.sock" "$dest$unitdir/$n@.socket" ||
			fail "$n@.socket: ListenStream"
		"$dest$bindir/$n" --help | grep -q -- '--socket-fd' || fail "$n has a .socket, no --socket-fd"
	else
		grep -q -- "-- --socket-path /run/vhost-device/$d-%i.sock " "$u" ||
			fail "$n@.service: socket path"
		! "$dest$bindir/$n" --help | grep -q -- '--socket-fd' ||
			fail "$n takes --socket-fd: set app_socket_fd = true in app/$n/meson.build"
	fi
done
for u in "$dest$unitdir"/*; do
	sed "s|^ExecStart=$bindir/|ExecStart=$dest$bindir/|" "$u" >"$tmp/units/${u##*/}"
done
if ! command -v systemd-analyze >/dev/null; then
	fail "systemd-analyze missing (scripts/deps.sh installs systemd)"
elif ! MANPATH=$dest$mandir systemd-analyze verify "$tmp/units"/* >"$tmp/verify" 2>&1 ||
	[ -s "$tmp/verify" ]; then
	fail "systemd-analyze verify: $(cat "$tmp/verify")"
fi

n=$(wc -l <"$tmp/got")
[ "$failed" -eq 0 ] && echo "install: $n files as expected, ${#apps[@]} apps run, units verified"
exit "$failed"
