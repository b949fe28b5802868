# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=bash
#
# Shared by the scripts in scripts/guest: cache location and messages.
# Sourced, not executed.

# Kernel and guest tools are built once per machine and reused by every
# checkout and build dir, so they live outside the source tree.
VHD_CACHE=${VHD_CACHE:-/var/cache/vhost-device}
VHD_GUEST_CACHE=${VHD_GUEST_CACHE:-$VHD_CACHE/guest}

vhd_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
vhd_die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# vhd_lock FILE WHAT: hold an exclusive flock on FILE (fd 9) until the script
# exits, so two checkouts never build WHAT at once: the second waits, then
# finds the first one's result.
vhd_lock() {
	mkdir -p "$(dirname "$1")"
	exec 9>"$1"
	if ! flock -n 9; then
		vhd_log "another checkout is building $2; waiting for it"
		flock 9
	fi
}

# vhd_qemu_path SEL: the qemu-system-x86_64 for SEL (7.2, 10, 10.2, auto or a
# path). Status 77 when 10.2 is asked for and not built, 1 when SEL is bad.
vhd_qemu_path() {
	local here_=${BASH_SOURCE[0]%/*} p
	case $1 in
	7|7.2)
		p=/usr/bin/qemu-system-x86_64
		[ -x "$p" ] || return 1
		echo "$p" ;;
	10|10.2) "$here_/build-qemu.sh" --check || return 77 ;;
	auto) "$here_/build-qemu.sh" --check 2>/dev/null || vhd_qemu_path 7.2 ;;
	*/*) [ -x "$1" ] || return 1; echo "$1" ;;
	*) return 1 ;;
	esac
}

# vhd_qemu_major BIN: QEMU's major version number.
vhd_qemu_major() {
	"$1" --version | sed -n '1s/^QEMU emulator version \([0-9]*\).*/\1/p'
}
