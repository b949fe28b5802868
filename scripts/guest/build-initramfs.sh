#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Build the generic test guest initramfs (gzip'd newc cpio) and print its
# path: busybox-static for the basics, dash as /bin/sh, and the real guest
# tools of guest-tools.list (gpiod 1.6.3, i2c-tools, socat, can-utils, ...)
# with their shared libraries and the dynamic loader. The tools come from
# Debian packages fetched with `apt-get download` and unpacked with `dpkg -x`
# into the cache, once per package version: nothing is installed on the host
# for the guest, and a new tool costs one download and one unpack. The test script is not inside: run-guest.sh appends it as a
# second cpio at boot, so one image serves every test.
#
# Cached under $VHD_GUEST_CACHE keyed by the inputs' hashes and versions.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

force=0
for a in "$@"; do
	case $a in
	--force) force=1 ;;
	-h|--help)
		echo "usage: ${0##*/} [--force]"
		echo "Builds (once) and prints the path of the guest initramfs."
		exit 0 ;;
	*) vhd_die "unknown option '$a' (see --help)" ;;
	esac
done

list=$here/guest-tools.list
# Debian packages whose contents go into the guest, and PACKAGE:PATH pairs.
pkgs=$(sed -e 's/#.*//' "$list" | awk 'NF { print $1 }' | tr '\n' ' ')
items=$(sed -e 's/#.*//' "$list" | awk '{ for (i = 2; i <= NF; i++) print $1 ":" $i }')

command -v busybox >/dev/null && [ -x /bin/busybox ] ||
	vhd_die "busybox missing: apt-get install busybox-static"
file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' ||
	vhd_die "/bin/busybox is not static: apt-get install busybox-static"
for c in cpio gzip dpkg-query apt-get; do
	command -v $c >/dev/null || vhd_die "$c missing"
done

versions=$(dpkg-query -W -f '${Package}=${Version}\n' busybox-static libc6 2>/dev/null)
# One apt-cache call for all: this runs before every guest boot.
# shellcheck disable=SC2086
cand=$(apt-cache policy $pkgs | awk '/^[^ ].*:$/ { p = substr($1, 1, length($1) - 1) }
	/Candidate:/ { print p "=" $2 }')
for p in $pkgs; do
	v=$(echo "$cand" | sed -n "s/^$p=//p")
	[ -n "$v" ] && [ "$v" != "(none)" ] || vhd_die "no Debian package '$p' (apt-get update?)"
	versions="$versions
$p=$v"
done
key=$( { echo "$versions"; cat "$0" "$list" "$here/init" "$here/guest-lib.sh"; } |
	sha256sum | cut -c1-12)
out=$VHD_GUEST_CACHE/initramfs-$key.cpio.gz
if [ "$force" = 0 ] && [ -s "$out" ]; then
	# Used now: keeps it from being pruned as stale.
	touch "$out" 2>/dev/null || true
	echo "$out"
	exit 0
fi

mkdir -p "$VHD_GUEST_CACHE/debs"
# apt drops privileges to _apt for downloads; let it write there.
chown _apt "$VHD_GUEST_CACHE/debs" 2>/dev/null || true
exec 9>"$VHD_GUEST_CACHE/initramfs.lock"
flock 9
if [ "$force" = 0 ] && [ -s "$out" ]; then
	echo "$out"
	exit 0
fi

# Fetch the exact candidate versions once (apt keeps the .debs in the cache)
# and unpack each once into pkg/NAME_VERSION.
debdir=$VHD_GUEST_CACHE/debs
mkdir -p "$VHD_GUEST_CACHE/pkg"
declare -A root_of=()
libpath=
for pv in $(echo "$versions" | grep -vE '^(busybox-static|libc6)='); do
	p=${pv%%=*}
	v=${pv#*=}
	dir=$VHD_GUEST_CACHE/pkg/${p}_${v//:/%3a}
	if [ ! -e "$dir/.unpacked" ]; then
		deb=$(ls "$debdir/${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
		if [ -z "$deb" ]; then
			vhd_log "apt-get download $p=$v"
			(cd "$debdir" && apt-get download -q "$p=$v" >&2) ||
				vhd_die "apt-get download $p=$v failed"
			deb=$(ls "$debdir/${p}_${v//:/%3a}_"*.deb | head -n1)
		fi
		rm -rf "$dir"
		dpkg -x "$deb" "$dir"
		touch "$dir/.unpacked"
	fi
	root_of[$p]=$dir
	for l in "$dir/usr/lib/x86_64-linux-gnu" "$dir/lib/x86_64-linux-gnu"; do
		[ ! -d "$l" ] || libpath=$libpath${libpath:+:}$l
	done
done

stage=$(mktemp -d "$VHD_GUEST_CACHE/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,tmp,run,root} \
	"$stage"/{vhd-test,lib/vhd}

cp /bin/busybox "$stage/bin/busybox"
# Applets go in /bin only where no real tool takes the name: the real tools in
# /usr/{s,}bin come first in PATH, but a missing symlink guarantees that a
# test can never silently run busybox's i2cget instead of i2c-tools'.
real_names=" sh "
for it in $items; do real_names="$real_names${it##*/} "; done
for a in $(/bin/busybox --list); do
	case $real_names in *" $a "*) continue ;; esac
	[ "$a" = busybox ] && continue
	ln -s busybox "$stage/bin/$a"
done

for it in $items; do
	p=${it%%:*}
	t=${it#*:}
	src=${root_of[$p]}/$t
	if [ -d "$src" ]; then
		mkdir -p "$stage/$(dirname "$t")"
		cp -a "$src" "$stage/$t"
		continue
	fi
	[ -x "$src" ] || vhd_die "$t not found in package $p (guest-tools.list)"
	mkdir -p "$stage/$(dirname "$t")"
	cp "$src" "$stage/$t"
	# ldd resolves against the unpacked libraries first, then the host's libc
	# (same Debian release, so the same glibc the tools were built against).
	libs=$(LD_LIBRARY_PATH=$libpath ldd "$src") || vhd_die "ldd $t failed"
	if printf '%s\n' "$libs" | grep -q 'not found'; then
		vhd_die "$t needs libraries neither guest-tools.list nor the host has:" \
			"$(printf '%s\n' "$libs" | awk '/not found/ { print $1 }' | tr '\n' ' ')"
	fi
	printf '%s\n' "$libs" |
	awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' |
	while read -r lib; do
		case $lib in
		"$VHD_GUEST_CACHE"/pkg/*/usr/lib/x86_64-linux-gnu/*)
			dest=$stage/usr/lib/x86_64-linux-gnu/${lib##*/} ;;
		"$VHD_GUEST_CACHE"/pkg/*/lib/x86_64-linux-gnu/*)
			dest=$stage/lib/x86_64-linux-gnu/${lib##*/} ;;
		*) dest=$stage/${lib#/} ;;
		esac
		[ -e "$dest" ] && continue
		mkdir -p "$(dirname "$dest")"
		cp -L "$lib" "$dest"
	done
done
ln -s dash "$stage/bin/sh"
# The loader finds libraries via the default dirs; usr/lib/x86_64-linux-gnu is
# not one of them without ld.so.cache, so list it.
mkdir -p "$stage/etc"
echo /usr/lib/x86_64-linux-gnu >"$stage/etc/ld.so.conf"
echo /lib/x86_64-linux-gnu >>"$stage/etc/ld.so.conf"
ldconfig -r "$stage" 2>/dev/null || true

cp "$here/init" "$stage/init"
chmod 755 "$stage/init"
cp "$here/guest-lib.sh" "$stage/lib/vhd/guest-lib.sh"
echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
echo "root:x:0:" >"$stage/etc/group"

# Sanity: every tool starts inside the tree with its own libraries only.
if command -v chroot >/dev/null; then
	chroot "$stage" /usr/sbin/i2cdetect -V >/dev/null 2>&1 ||
		vhd_die "i2cdetect does not run inside the initramfs tree (missing library?)"
	for c in "/usr/bin/gpiodetect --version" "/usr/bin/socat -V" "/usr/bin/aplay --version" \
		"/sbin/hwclock --version" "/usr/bin/sg_inq -V" "/sbin/mke2fs -V"; do
		# shellcheck disable=SC2086 # a command and its option
		chroot "$stage" $c >/dev/null 2>&1 ||
			vhd_die "'$c' does not run inside the initramfs tree (missing library?)"
	done
fi

# Padding to 512 bytes: the kernel parses a cpio appended after this one only
# at a 4-byte aligned offset, and skips the zeros in between.
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -9n >"$out.tmp"
size=$(stat -c %s "$out.tmp")
pad=$(( (512 - size % 512) % 512 ))
[ "$pad" = 0 ] || head -c "$pad" /dev/zero >>"$out.tmp"
mv "$out.tmp" "$out"
# Images of other tool versions or script revisions pile up; drop those
# unused for a week. Not sooner: another checkout may be booting one now.
find "$VHD_GUEST_CACHE" -maxdepth 1 -name 'initramfs-*.cpio.gz' ! -name "${out##*/}" \
	-mtime +7 -delete
vhd_log "initramfs ready: $out ($(( $(stat -c %s "$out") / 1024 )) KiB)"
echo "$out"
