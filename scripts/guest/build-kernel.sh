#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Build the test guest's kernel from Debian's linux-source-6.1 package:
# tinyconfig + kernel.config, everything built in. Debian's own kernel lacks
# GPIO_VIRTIO, I2C_VIRTIO and SND_VIRTIO, hence our own.
#
# The result is cached under $VHD_GUEST_CACHE keyed by the source package
# version and a hash of the fragment, so only the first run pays (~7 min on
# 2 cores). Prints the path of the image to boot on stdout:
# the ELF vmlinux when it carries a PVH entry note (QEMU boots it faster under
# TCG, no decompression), else bzImage. --bzimage forces bzImage.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

want=auto
force=0
for a in "$@"; do
	case $a in
	--bzimage) want=bzImage ;;
	--vmlinux) want=vmlinux ;;
	--force) force=1 ;;
	-h|--help)
		echo "usage: ${0##*/} [--bzimage|--vmlinux] [--force]"
		echo "Builds (once) and prints the path of the guest kernel image."
		exit 0 ;;
	*) vhd_die "unknown option '$a' (see --help)" ;;
	esac
done

frag=$here/kernel.config
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || vhd_die "$tarball missing: apt-get install linux-source-6.1"
pkgver=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null) ||
	vhd_die "linux-source-6.1 is not installed"
fraghash=$(sha256sum "$frag" | cut -c1-12)
key=$pkgver-$fraghash
out=$VHD_GUEST_CACHE/kernel-$key
srcdir=$VHD_GUEST_CACHE/src-$pkgver
objdir=$VHD_GUEST_CACHE/build-$key
log=$VHD_GUEST_CACHE/build-$key.log

pick() {
	case $want in
	bzImage) echo "$out/bzImage" ;;
	vmlinux) echo "$out/vmlinux" ;;
	*)
		if [ -e "$out/pvh" ]; then echo "$out/vmlinux"; else echo "$out/bzImage"; fi ;;
	esac
}

if [ "$force" = 0 ] && [ -e "$out/done" ]; then
	pick
	exit 0
fi

mkdir -p "$VHD_GUEST_CACHE"
# Two test runs may start at once: one builds, the other waits for it.
exec 9>"$VHD_GUEST_CACHE/kernel.lock"
flock 9
if [ "$force" = 0 ] && [ -e "$out/done" ]; then
	pick
	exit 0
fi

if [ ! -e "$srcdir/.extracted" ]; then
	vhd_log "extracting $tarball (version $pkgver)"
	rm -rf "$srcdir"
	mkdir -p "$srcdir"
	tar -xJf "$tarball" -C "$srcdir" --strip-components=1
	touch "$srcdir/.extracted"
fi

vhd_log "building kernel $key in $objdir (log: $log), takes minutes on first run"
rm -rf "$objdir" "$out"
mkdir -p "$objdir"
{
	make -C "$srcdir" O="$objdir" ARCH=x86_64 tinyconfig
	"$srcdir/scripts/kconfig/merge_config.sh" -m -O "$objdir" "$objdir/.config" "$frag"
	make -C "$srcdir" O="$objdir" ARCH=x86_64 olddefconfig
} >"$log" 2>&1 || {
	tail -n 30 "$log" >&2
	rm -rf "$objdir"
	vhd_die "kernel configuration failed"
}

# merge_config only warns when a dependency drops an option; a guest missing
# a driver would fail later in confusing ways, so check every wanted =y here.
missing=
while IFS= read -r line; do
	case $line in CONFIG_*=y) ;; *) continue ;; esac
	grep -qx "$line" "$objdir/.config" || missing="$missing ${line%=y}"
done <"$frag"
if [ -n "$missing" ]; then
	rm -rf "$objdir"
	vhd_die "options not enabled after olddefconfig (unmet dependencies?):$missing"
fi

make -C "$srcdir" O="$objdir" ARCH=x86_64 -j"$(nproc)" vmlinux bzImage >>"$log" 2>&1 ||
	{ tail -n 40 "$log" >&2; rm -rf "$objdir"; vhd_die "kernel build failed, see $log"; }

mkdir -p "$out.tmp"
cp "$objdir/vmlinux" "$out.tmp/vmlinux"
cp "$objdir/arch/x86/boot/bzImage" "$out.tmp/bzImage"
cp "$objdir/.config" "$out.tmp/config"
# QEMU's x86 -kernel accepts an ELF image only if it has the PVH entry note
# (Xen ELF note type 18, XEN_ELFNOTE_PHYS32_ENTRY).
if readelf -n "$out.tmp/vmlinux" 2>/dev/null | grep -qE '^ +Xen .*(0x00000012|PHYS32_ENTRY)'; then
	touch "$out.tmp/pvh"
fi
touch "$out.tmp/done"
rm -rf "$out"
mv "$out.tmp" "$out"
# The object dir is only needed to rebuild; keep the disk use small.
rm -rf "$objdir"
vhd_log "kernel ready in $out"
pick
