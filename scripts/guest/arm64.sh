#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# The arm64 guest's pieces besides its kernel (build-kernel.sh --arch arm64),
# for the SCMI guest test: Linux binds virtio-scmi only from a device tree
# node and QEMU has vhost-user-scmi only in its ARM targets.
#   arm64.sh qemu [--check]    bookworm-backports' qemu-system-arm 10.0.2,
#                              downloaded with the private apt configuration
#                              and unpacked with dpkg -x (never installed);
#                              prints the qemu-system-aarch64 path. Its
#                              shared libraries are Debian 12's (the ones
#                              qemu-system-x86 pulls in); a missing one is an
#                              error that names it.
#   arm64.sh initramfs [--check]
#                              Debian 12's busybox-static:arm64 (download
#                              only, a private apt configuration with the
#                              arm64 architecture) and scripts/guest/init as
#                              /init; prints the cpio.gz path.
#   arm64.sh dtb OUT MEM SMP   QEMU's virt machine tree (-machine dumpdtb=)
#                              with an arm,scmi-virtio node (protocol@15; the
#                              base protocol has no node: Linux sets up its
#                              channel from the parent and fails the probe
#                              with -EEXIST on a protocol@10) added by dtc.
# Cached under $VHD_CACHE, keyed by package version and script hash, locked.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
. "$here/apt-private.sh"

QEMU_ARM_MACHINE="virt,gic-version=3"
QEMU_ARM_CPU=cortex-a57

check=0
cmd=${1:-}
[ $# -eq 0 ] || shift
case ${1:-} in --check) check=1; shift ;; esac

# The private apt configuration for arm64 packages: Debian 12 only, its own
# lists and cache, the arm64 architecture there and nowhere else.
arm64_apt_setup() {
	local d=$VHD_CACHE/apt-arm64
	mkdir -p "$d/sources.list.d" "$d/lists/partial" "$d/cache/archives/partial" "$d/dl"
	cat >"$d/sources.list.d/vhd.sources" <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Architectures: arm64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
	cat >"$d/apt.conf" <<CONF
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$d/sources.list.d";
Dir::State::Lists "$d/lists";
Dir::State::status "/dev/null";
Dir::Cache "$d/cache";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
APT::Get::List-Cleanup "false";
Acquire::Languages "none";
CONF
	chown _apt "$d/lists/partial" "$d/cache/archives/partial" "$d/dl" 2>/dev/null || true
	(
		flock 8
		if [ -z "$(find "$d/lists/.updated" -mmin -1440 2>/dev/null)" ]; then
			vhd_log "apt-get update (private configuration: bookworm arm64)"
			APT_CONFIG=$d/apt.conf apt-get update -q >&2 || exit 1
			touch "$d/lists/.updated"
		fi
	) 8>"$VHD_CACHE/apt-arm64.lock"
}

qemu() {
	local ver dir deb missing
	# shellcheck disable=SC2012 # our own directory names
	dir=$(ls -d "$VHD_CACHE"/qemu-arm-10.0.* 2>/dev/null | sort -V | tail -n1 || true)
	if [ -n "$dir" ] && [ -e "$dir/done" ]; then
		echo "$dir/usr/bin/qemu-system-aarch64"
		return 0
	fi
	[ "$check" = 0 ] || return 1
	vhd_apt_setup
	ver=$(vhd_apt_version bookworm-backports qemu-system-arm)
	case $ver in *:10.0.*) ;; *) vhd_die "no qemu-system-arm 10.0 in bookworm-backports (found '$ver')" ;; esac
	dir=$VHD_CACHE/qemu-arm-$(echo "${ver#*:}" | sed 's/+.*//')
	vhd_lock "$VHD_CACHE/qemu-arm.lock" "qemu-system-arm"
	if [ ! -e "$dir/done" ]; then
		deb=$(vhd_apt_fetch "qemu-system-arm=$ver")
		rm -rf "$dir"
		mkdir -p "$dir/modules"
		dpkg -x "$deb" "$dir"
		missing=$(ldd "$dir/usr/bin/qemu-system-aarch64" | awk '/not found/ { print $1 }' |
			tr '\n' ' ')
		[ -z "$missing" ] ||
			vhd_die "qemu-system-aarch64 needs libraries Debian 12 lacks here: $missing"
		touch "$dir/done"
	fi
	echo "$dir/usr/bin/qemu-system-aarch64"
}

initramfs() {
	local d=$VHD_CACHE/apt-arm64 deb ver key out tmp size
	key=$(cat "$here/init" "$0" | sha256sum | cut -c1-12)
	# shellcheck disable=SC2012
	out=$(ls "$VHD_GUEST_CACHE"/initramfs-arm64-*-"$key".cpio.gz 2>/dev/null | tail -n1 || true)
	if [ -n "$out" ]; then
		echo "$out"
		return 0
	fi
	[ "$check" = 0 ] || return 1
	arm64_apt_setup
	ver=$(APT_CONFIG=$d/apt.conf apt-cache policy busybox-static:arm64 |
		sed -n 's/^ *Candidate: //p')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || vhd_die "no busybox-static:arm64 in bookworm"
	mkdir -p "$VHD_GUEST_CACHE"
	vhd_lock "$VHD_GUEST_CACHE/initramfs-arm64.lock" "the arm64 initramfs"
	deb=$(ls "$d/dl/busybox-static_${ver//:/%3a}_arm64.deb" 2>/dev/null || true)
	if [ -z "$deb" ]; then
		(cd "$d/dl" && APT_CONFIG=$d/apt.conf apt-get download -q "busybox-static:arm64=$ver" >&2) ||
			vhd_die "apt-get download busybox-static:arm64 failed"
		deb=$(ls "$d/dl/busybox-static_${ver//:/%3a}_arm64.deb")
	fi
	tmp=$(mktemp -d)
	dpkg -x "$deb" "$tmp/pkg"
	mkdir -p "$tmp/root/bin" "$tmp/root/proc" "$tmp/root/sys" "$tmp/root/dev" "$tmp/root/tmp" \
		"$tmp/root/run" "$tmp/root/root"
	cp "$tmp/pkg/bin/busybox" "$tmp/root/bin/busybox"
	# scripts/guest/init wants dash: busybox's sh stands in (no real tools
	# to shadow in this guest), its applets linked at boot.
	{
		echo '#!/bin/busybox sh'
		echo '/bin/busybox mount -t proc proc /proc'
		echo '/bin/busybox --install -s /bin'
		echo 'ln -s /bin /sbin; ln -s /bin /usr/bin 2>/dev/null; ln -s /bin /usr/sbin 2>/dev/null'
		echo '/bin/busybox umount /proc'
		sed '1d' "$here/init"
	} >"$tmp/root/init"
	printf '#!/bin/busybox sh\nexec /bin/busybox sh "$@"\n' >"$tmp/root/bin/dash"
	mkdir -p "$tmp/root/usr"
	chmod 755 "$tmp/root/init" "$tmp/root/bin/dash" "$tmp/root/bin/busybox"
	out=$VHD_GUEST_CACHE/initramfs-arm64-${ver//:/_}-$key.cpio.gz
	(cd "$tmp/root" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -9n) >"$out.tmp"
	# run-guest.sh appends an uncompressed cpio: the kernel finds it only at
	# an aligned offset after the compressed one (zeros between are skipped)
	size=$(stat -c %s "$out.tmp")
	head -c $(( (512 - size % 512) % 512 )) /dev/zero >>"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$tmp"
	echo "$out"
}

dtb() { # OUT MEM SMP
	local out=$1 mem=$2 smp=$3 bin tmp
	bin=$(check=1 qemu) || vhd_die "qemu-system-arm is not unpacked (arm64.sh qemu)"
	command -v dtc >/dev/null || vhd_die "dtc missing: apt-get install device-tree-compiler"
	tmp=$(mktemp -d)
	QEMU_MODULE_DIR=$(dirname "$(dirname "$(dirname "$bin")")")/modules \
		"$bin" -M "$QEMU_ARM_MACHINE,dumpdtb=$tmp/virt.dtb" -cpu "$QEMU_ARM_CPU" \
		-m "${mem}M" -smp "$smp" -accel tcg -nodefaults -display none -audio none \
		>/dev/null 2>&1 || { rm -rf "$tmp"; vhd_die "QEMU could not dump its device tree"; }
	dtc -q -I dtb -O dts -o "$tmp/virt.dts" "$tmp/virt.dtb"
	# A second definition of / merges into the first: the SCMI node is added
	# without editing QEMU's text.
	cat >>"$tmp/virt.dts" <<'DTS'

/ {
	firmware {
		scmi {
			compatible = "arm,scmi-virtio";
			#address-cells = <1>;
			#size-cells = <0>;

			protocol@15 {
				reg = <0x15>;
				#thermal-sensor-cells = <1>;
			};
		};
	};
};
DTS
	dtc -q -I dts -O dtb -o "$out" "$tmp/virt.dts"
	rm -rf "$tmp"
}

case $cmd in
qemu) qemu ;;
initramfs) initramfs ;;
dtb) [ $# -eq 3 ] || vhd_die "usage: arm64.sh dtb OUT MEM SMP"; dtb "$@" ;;
machine) echo "$QEMU_ARM_MACHINE $QEMU_ARM_CPU" ;;
-h|--help|'') sed -n '4,25p' "$0" | sed 's/^# \{0,1\}//' ;;
*) vhd_die "unknown command '$cmd' (see --help)" ;;
esac
