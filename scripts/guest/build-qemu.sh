#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Build QEMU 10.2 (x86_64 system emulator only) from Debian sid's source
# package, for the frontends Debian 12's QEMU 7.2 lacks (vhost-user-test-device,
# gpio interrupts, ...). Nothing is installed on the host: the source comes
# through the private apt configuration (apt-private.sh), meson >= 1.5 from
# bookworm-backports is unpacked with dpkg -x and put on PYTHONPATH for
# QEMU's configure only (our own build keeps Debian 12's meson).
#
# Cached under $VHD_CACHE/qemu-<version>-<options hash>/, built once per
# machine under a lock. Prints the path of qemu-system-x86_64 on stdout.
#   --check   print the path if built, else exit 1 (never builds)
#   --force   rebuild
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
. "$here/apt-private.sh"

# The version verified with our tests; sid moves on, so fall back to what it
# offers when this one is gone from the archive.
want=${VHD_QEMU_SRC_VERSION:-1:10.2.2+ds-1}
check=0 force=0
for a in "$@"; do
	case $a in
	--check) check=1 ;;
	--force) force=1 ;;
	-h|--help) sed -n '4,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) vhd_die "unknown option '$a' (see --help)" ;;
	esac
done

opts="--target-list=x86_64-softmmu --without-default-features --disable-download
--disable-docs --disable-werror --disable-install-blobs --disable-tools
--enable-kvm --enable-tcg --enable-vhost-user --enable-pixman --enable-fdt=system
--firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu"
# Our fixes to the source, part of the cache key: QEMU 10.2's generic
# vhost-user-test-device names its device from a table that stops at
# virtio-gpio (41) and asserts on any id without a name, so virtio-spi (45)
# aborts QEMU. Each fix is a sed script and a grep that proves it applied.
fixes='/\[VIRTIO_ID_GPIO\] = "virtio-gpio"$/s/$/,\n    [VIRTIO_ID_SPI] = "virtio-spi"/'
fixes_check='\[VIRTIO_ID_SPI\] = "virtio-spi"'
optshash=$(printf '%s\n%s\n' "$opts" "$fixes" | sha256sum | cut -c1-8)

# The newest finished build of the wanted version (any options hash would do
# for --check, but options are part of the key so a change rebuilds).
upver=${want#*:}
upver=${upver%%+*}
out=$VHD_CACHE/qemu-$upver-$optshash
if [ "$force" = 0 ] && [ -x "$out/bin/qemu-system-x86_64" ] && [ -e "$out/done" ]; then
	echo "$out/bin/qemu-system-x86_64"
	exit 0
fi
[ "$check" = 0 ] || exit 1

vhd_lock "$VHD_CACHE/qemu.lock" QEMU
if [ "$force" = 0 ] && [ -e "$out/done" ]; then
	echo "$out/bin/qemu-system-x86_64"
	exit 0
fi

vhd_apt_setup
# The source package's versions in sid; take the wanted one if still there.
srcvers=$(vhd_apt apt-cache showsrc qemu 2>/dev/null | sed -n 's/^Version: //p')
ver=$want
if ! printf '%s\n' "$srcvers" | grep -qxF "$want"; then
	ver=$(printf '%s\n' "$srcvers" | sort -V | tail -n1)
	[ -n "$ver" ] || vhd_die "no qemu source package in sid (private apt lists)"
	vhd_log "qemu $want is no longer in sid, building $ver instead"
	upver=${ver#*:}
	upver=${upver%%+*}
	out=$VHD_CACHE/qemu-$upver-$optshash
	if [ "$force" = 0 ] && [ -e "$out/done" ]; then
		echo "$out/bin/qemu-system-x86_64"
		exit 0
	fi
fi

# meson from bookworm-backports, unpacked once.
mver=$(vhd_apt_version bookworm-backports meson)
case $mver in 1.[5-9]*|1.[1-9][0-9]*) ;; *) vhd_die "bookworm-backports has no meson >= 1.5 (got '$mver')" ;; esac
mdir=$VHD_CACHE/meson-$mver
if [ ! -e "$mdir/.done" ]; then
	rm -rf "$mdir"
	dpkg -x "$(vhd_apt_fetch "meson=$mver")" "$mdir"
	touch "$mdir/.done"
fi

srcroot=$VHD_CACHE/qemu-src
mkdir -p "$srcroot/dl"
chown _apt "$srcroot/dl" 2>/dev/null || true
dsc=$srcroot/dl/qemu_${ver#*:}.dsc
if [ ! -e "$dsc" ]; then
	vhd_log "apt-get source qemu=$ver (sid, private configuration)"
	(cd "$srcroot/dl" && vhd_apt apt-get source -q --download-only "qemu=$ver" >&2) ||
		vhd_die "apt-get source qemu=$ver failed"
fi
src=$srcroot/qemu-${ver#*:}
if [ ! -e "$src/.extracted" ]; then
	rm -rf "$src"
	vhd_log "dpkg-source -x $dsc"
	dpkg-source -q -x "$dsc" "$src" >&2 || vhd_die "dpkg-source -x failed"
	touch "$src/.extracted"
fi
# The fixes go into a copy of the pristine tree, so that builds with and
# without them can share the extracted source.
fsrc=$srcroot/qemu-${ver#*:}-fix-$optshash
if [ ! -e "$fsrc/.fixed" ]; then
	rm -rf "$fsrc"
	cp -a "$src" "$fsrc"
	sed -i "$fixes" "$fsrc/hw/virtio/virtio.c"
	grep -q "$fixes_check" "$fsrc/hw/virtio/virtio.c" ||
		vhd_die "could not apply our fix to hw/virtio/virtio.c (QEMU $ver)"
	touch "$fsrc/.fixed"
fi
src=$fsrc

bld=$VHD_CACHE/qemu-build-$upver-$optshash
log=$bld.log
rm -rf "$out" "$out.tmp"
# An interrupted build resumes: its tree is configured already (the options
# are part of its name) and ninja redoes only what is missing.
[ -e "$bld/build.ninja" ] || rm -rf "$bld"
mkdir -p "$bld"
vhd_log "building QEMU $ver in $bld (log: $log); about 13 CPU-minutes"
t0=$(date +%s)
# shellcheck disable=SC2086 # opts is a word list
(
	cd "$bld"
	# ninja re-runs meson (generators, reconfigure): it needs it too.
	export PYTHONPATH=$mdir/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}
	export PATH=$mdir/usr/bin:$PATH
	[ -e build.ninja ] || nice -n 19 "$src/configure" $opts
	nice -n 19 ninja -j"$(nproc)" qemu-system-x86_64
) >>"$log" 2>&1 || {
	tail -n 40 "$log" >&2
	vhd_die "QEMU build failed, see $log"
}
mkdir -p "$out.tmp/bin"
# A copy outside the build dir: run from there, QEMU looks for firmware in
# the build tree instead of --firmwarepath.
cp "$bld/qemu-system-x86_64" "$out.tmp/bin/"
"$out.tmp/bin/qemu-system-x86_64" -device help 2>/dev/null |
	grep -q '"vhost-user-test-device-pci"' ||
	vhd_die "built QEMU lacks vhost-user-test-device-pci"
echo "$ver" >"$out.tmp/version"
echo "$(( $(date +%s) - t0 ))" >"$out.tmp/build-seconds"
touch "$out.tmp/done"
mv "$out.tmp" "$out"
rm -rf "$bld"
vhd_log "QEMU ready in $out ($(cat "$out/build-seconds")s)"
echo "$out/bin/qemu-system-x86_64"
