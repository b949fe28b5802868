#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# libgpiod 2 (bookworm-backports' libgpiod-dev and libgpiod3) unpacked with
# dpkg -x into a private prefix, so the gpio driver's v2 adapter is built and
# tested against the real library on Debian 12, whose libgpiod-dev 1.6 cannot
# be installed next to it. Nothing is installed on the host. Prints the
# directory to use as PKG_CONFIG_PATH (meson: -Dpkg_config_path=DIR); the
# library's .pc points at the private prefix and meson's build rpath finds
# the shared library at run time. Cached under /var/cache/vhost-device.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/guest/common.sh"
. "$here/guest/apt-private.sh"

vhd_lock "$VHD_CACHE/libgpiod2.lock" "libgpiod 2"
# The newest unpacked one serves without an apt call (CI with a warm cache).
# shellcheck disable=SC2012 # our own directory names
last=$(ls -d "$VHD_CACHE"/libgpiod-2.* 2>/dev/null | sort -V | tail -n1 || true)
if [ -n "$last" ] && [ -e "$last/.done" ] && [ "${1:-}" != --update ]; then
	echo "$last/pkgconfig"
	exit 0
fi
vhd_apt_setup
ver=$(vhd_apt_version bookworm-backports libgpiod-dev)
case $ver in 2.*) ;; *) vhd_die "bookworm-backports has no libgpiod-dev 2.x (got '$ver')" ;; esac
dir=$VHD_CACHE/libgpiod-${ver%%-*}
rm -rf "$dir"
mkdir -p "$dir/root"
for p in libgpiod-dev libgpiod3; do
	dpkg -x "$(vhd_apt_fetch "$p=$ver")" "$dir/root"
done
mkdir -p "$dir/pkgconfig"
sed "s|^prefix=.*|prefix=$dir/root/usr|" \
	"$dir/root/usr/lib/x86_64-linux-gnu/pkgconfig/libgpiod.pc" >"$dir/pkgconfig/libgpiod.pc"
grep -q "^Version: 2\." "$dir/pkgconfig/libgpiod.pc" || vhd_die "no libgpiod 2 in $dir"
echo "$ver" >"$dir/version"
touch "$dir/.done"
vhd_log "libgpiod $ver in $dir"
echo "$dir/pkgconfig"
