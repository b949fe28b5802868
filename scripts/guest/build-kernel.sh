#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Build the test guest's kernel: tinyconfig + a fragment, everything built in.
# Linux 7.3 (the default) comes from Debian's linux-source-7.3 package
# (trixie-backports, downloaded through the private apt configuration of
# apt-private.sh and unpacked with dpkg -x, never installed); its fragment is
# kernel.config + kernel-7.3.config (spi, can, rtc, ... drivers 6.1 lacks).
# --version 6.1 builds the host's linux-source-6.1 with kernel.config alone.
# Debian's own kernels lack GPIO_VIRTIO, I2C_VIRTIO and SND_VIRTIO, hence ours.
#
# The result is cached under $VHD_GUEST_CACHE keyed by the source package
# version and a hash of the fragments, so only the first run pays; the object
# tree stays, so a changed fragment or an interrupted build rebuilds only
# what it must. Prints the
# path of the image to boot on stdout: the ELF vmlinux when it carries a PVH
# entry note (QEMU boots it faster under TCG, no decompression), else bzImage.
#   --bzimage      print bzImage's path
#   --check        print the path if built, else exit 1 (never builds)
#   --version V    7.3 (default, or $VHD_GUEST_KERNEL) or 6.1
#   --arch A       x86_64 (default) or arm64 (7.3 only: the SCMI guest; a
#                  cross build with Debian's gcc-aarch64-linux-gnu from
#                  tinyconfig + kernel-arm64.config alone, its own cache key,
#                  object tree and lock; prints the path of its Image)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

want=auto
force=0
check=0
kver=${VHD_GUEST_KERNEL:-7.3}
arch=x86_64
while [ $# -gt 0 ]; do
	case $1 in
	--bzimage) want=bzImage ;;
	--vmlinux) want=vmlinux ;;
	--force) force=1 ;;
	--check) check=1 ;;
	--version) kver=${2:?--version takes 7.3 or 6.1}; shift ;;
	--arch) arch=${2:?--arch takes x86_64 or arm64}; shift ;;
	-h|--help) sed -n '4,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) vhd_die "unknown option '$1' (see --help)" ;;
	esac
	shift
done

frags=$here/kernel.config
case $kver in
6.1)
	tarball=/usr/src/linux-source-6.1.tar.xz
	[ -r "$tarball" ] || vhd_die "$tarball missing: apt-get install linux-source-6.1"
	pkgver=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null) ||
		vhd_die "linux-source-6.1 is not installed"
	;;
7.3)
	frags="$frags $here/kernel-7.3.config"
	# The cache is looked up by the newest built version, so a machine with
	# no network (CI with a warm cache) needs no apt call.
	pkgver=
	;;
*) vhd_die "--version takes 7.3 or 6.1, not '$kver'" ;;
esac
# kp: the cache name prefix of this architecture's kernels; mk: make's
# architecture arguments; img: the image the build makes besides vmlinux.
case $arch in
x86_64) kp=kernel mk="ARCH=x86_64" img=arch/x86/boot/bzImage ;;
arm64)
	[ "$kver" = 7.3 ] || vhd_die "--arch arm64 builds only Linux 7.3"
	command -v aarch64-linux-gnu-gcc >/dev/null ||
		vhd_die "aarch64-linux-gnu-gcc missing: apt-get install gcc-aarch64-linux-gnu"
	frags=$here/kernel-arm64.config
	kp=kernel-arm64 mk="ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-"
	img=arch/arm64/boot/Image want=Image
	;;
*) vhd_die "--arch takes x86_64 or arm64, not '$arch'" ;;
esac
# shellcheck disable=SC2086 # frags is a list of paths without spaces
fraghash=$(cat $frags | sha256sum | cut -c1-12)
if [ -z "$pkgver" ]; then
	# shellcheck disable=SC2012 # our own directory names
	last=$(ls -d "$VHD_GUEST_CACHE/$kp-$kver".*"-$fraghash" 2>/dev/null | sort -V | tail -n1 || true)
	if [ "$force" = 0 ] && [ -n "$last" ] && [ -e "$last/done" ]; then
		out=$last
		case $want in
		bzImage) echo "$out/bzImage" ;;
		vmlinux) echo "$out/vmlinux" ;;
		Image) echo "$out/Image" ;;
		*) if [ -e "$out/pvh" ]; then echo "$out/vmlinux"; else echo "$out/bzImage"; fi ;;
		esac
		exit 0
	fi
	[ "$check" = 0 ] || exit 1
	. "$here/apt-private.sh"
	vhd_apt_setup
	pkgver=$(vhd_apt_version trixie-backports "linux-source-$kver")
	[ -n "$pkgver" ] || pkgver=$(vhd_apt_version sid "linux-source-$kver")
	[ -n "$pkgver" ] || vhd_die "no linux-source-$kver in trixie-backports or sid"
	tarball=$VHD_GUEST_CACHE/linux-source-$kver-$pkgver/usr/src/linux-source-$kver.tar.xz
	if [ ! -r "$tarball" ]; then
		deb=$(vhd_apt_fetch "linux-source-$kver=$pkgver")
		rm -rf "${tarball%/usr/src/*}"
		mkdir -p "$VHD_GUEST_CACHE"
		dpkg -x "$deb" "${tarball%/usr/src/*}"
		[ -r "$tarball" ] || vhd_die "$deb has no ${tarball#*/usr/src/}"
		rm -f "$deb"
	fi
fi
key=$kver.$pkgver-$fraghash
[ "$kver" != 6.1 ] || key=$pkgver-$fraghash
out=$VHD_GUEST_CACHE/$kp-$key
srcdir=$VHD_GUEST_CACHE/src-$pkgver
# One object tree per source version and architecture, whatever the
# fragments (see below).
objdir=$VHD_GUEST_CACHE/build-$kver.$pkgver
[ "$arch" = x86_64 ] || objdir=$VHD_GUEST_CACHE/build-$arch-$kver.$pkgver
[ "$kver" != 6.1 ] || objdir=$VHD_GUEST_CACHE/build-$pkgver
log=$VHD_GUEST_CACHE/build-$key.log
[ "$arch" = x86_64 ] || log=$VHD_GUEST_CACHE/build-$arch-$key.log

pick() {
	case $want in
	bzImage) echo "$out/bzImage" ;;
	vmlinux) echo "$out/vmlinux" ;;
	Image) echo "$out/Image" ;;
	*)
		if [ -e "$out/pvh" ]; then echo "$out/vmlinux"; else echo "$out/bzImage"; fi ;;
	esac
}

if [ "$force" = 0 ] && [ -e "$out/done" ]; then
	pick
	exit 0
fi
[ "$check" = 0 ] || exit 1

lockname=kernel-$kver
[ "$arch" = x86_64 ] || lockname=kernel-$arch-$kver
vhd_lock "$VHD_GUEST_CACHE/$lockname.lock" "kernel $kver ($arch)"
if [ "$force" = 0 ] && [ -e "$out/done" ]; then
	pick
	exit 0
fi

# The source tree is shared by the architectures, whose builds may run at
# once: its extraction has a lock of its own.
(
	flock 8
	if [ ! -e "$srcdir/.extracted" ]; then
		vhd_log "extracting $tarball (version $pkgver)"
		rm -rf "$srcdir"
		mkdir -p "$srcdir"
		tar -xJf "$tarball" -C "$srcdir" --strip-components=1
		touch "$srcdir/.extracted"
	fi
) 8>"$VHD_GUEST_CACHE/src-$pkgver.lock"

# The configuration is made in a scratch tree and copied over the object
# tree's only when it differs: the object tree is kept across fragment
# changes and interrupted builds, so make rebuilds only what changed.
cfgdir=$objdir.cfg
rm -rf "$cfgdir" "$out"
mkdir -p "$objdir" "$cfgdir"
vhd_log "configuring kernel $key (log: $log)"
{
	# shellcheck disable=SC2086 # mk is a list of make arguments
	make -C "$srcdir" O="$cfgdir" $mk tinyconfig
	# shellcheck disable=SC2086
	"$srcdir/scripts/kconfig/merge_config.sh" -m -O "$cfgdir" "$cfgdir/.config" $frags
	# shellcheck disable=SC2086
	make -C "$srcdir" O="$cfgdir" $mk olddefconfig
} >"$log" 2>&1 || {
	tail -n 30 "$log" >&2
	rm -rf "$cfgdir"
	vhd_die "kernel configuration failed"
}

# merge_config only warns when a dependency drops an option; a guest missing
# a driver would fail later in confusing ways, so check every wanted =y.
check_config() { # CONFIG-FILE
	local line missing=
	while IFS= read -r line; do
		case $line in CONFIG_*=y) ;; *) continue ;; esac
		grep -qx "$line" "$1" || missing="$missing ${line%=y}"
	done < <(cat $frags)
	[ -z "$missing" ] ||
		vhd_die "options not enabled in $1 (unmet dependencies?):$missing"
}
check_config "$cfgdir/.config"
cmp -s "$cfgdir/.config" "$objdir/.config" || cp "$cfgdir/.config" "$objdir/.config"
rm -rf "$cfgdir"

vhd_log "building kernel $key in $objdir (log: $log), takes long on the first run"
t0=$(date +%s)
# shellcheck disable=SC2086
nice -n 19 make -C "$srcdir" O="$objdir" $mk -j"$(nproc)" vmlinux "${img##*/}" >>"$log" 2>&1 ||
	{ tail -n 40 "$log" >&2; vhd_die "kernel build failed, see $log"; }
check_config "$objdir/.config"

mkdir -p "$out.tmp"
cp "$objdir/vmlinux" "$out.tmp/vmlinux"
cp "$objdir/$img" "$out.tmp/${img##*/}"
cp "$objdir/.config" "$out.tmp/config"
echo "$(( $(date +%s) - t0 ))" >"$out.tmp/build-seconds"
# QEMU's x86 -kernel accepts an ELF image only if it has the PVH entry note
# (Xen ELF note type 18, XEN_ELFNOTE_PHYS32_ENTRY).
if readelf -n "$out.tmp/vmlinux" 2>/dev/null | grep -qE '^ +Xen .*(0x00000012|PHYS32_ENTRY)'; then
	touch "$out.tmp/pvh"
fi
touch "$out.tmp/done"
rm -rf "$out"
mv "$out.tmp" "$out"
vhd_log "kernel ready in $out"
pick
