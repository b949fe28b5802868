# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=bash
#
# A private apt configuration for the few things the guest harness needs from
# outside Debian 12: QEMU's source package from sid, linux-source-N from
# trixie-backports (or sid), meson and libgpiod 2 from bookworm-backports. It has its own sources, lists and
# cache under $VHD_CACHE/apt, so the host's apt sources and package lists are
# never touched, and nothing from it is ever installed: only downloaded
# (apt-get download / apt-get source) and unpacked with dpkg -x / dpkg-source.
# Sourced after common.sh.

VHD_APT_DIR=$VHD_CACHE/apt

# vhd_apt_setup: writes the configuration and refreshes its lists when they
# are missing or older than a day. Serialised by a lock of its own.
vhd_apt_setup() {
	local d=$VHD_APT_DIR
	mkdir -p "$d/sources.list.d" "$d/lists/partial" "$d/cache/archives/partial" "$d/dl"
	cat >"$d/sources.list.d/vhd.sources" <<SOURCES
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
	cat >"$d/apt.conf" <<CONF
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$d/sources.list.d";
Dir::State::Lists "$d/lists";
Dir::Cache "$d/cache";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Get::List-Cleanup "false";
Acquire::Languages "none";
CONF
	# apt drops privileges to _apt for downloads.
	chown _apt "$d/lists/partial" "$d/cache/archives/partial" "$d/dl" 2>/dev/null || true
	(
		flock 8
		local stamp=$d/lists/.updated
		if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
			vhd_log "apt-get update (private configuration: sid, bookworm-backports, trixie-backports)"
			APT_CONFIG=$d/apt.conf apt-get update -q >&2 ||
				{ vhd_log "private apt-get update failed"; exit 1; }
			touch "$stamp"
		fi
	) 8>"$VHD_CACHE/apt.lock"
}

# vhd_apt: apt-get / apt-cache with the private configuration.
vhd_apt() { APT_CONFIG=$VHD_APT_DIR/apt.conf "$@"; }

# vhd_apt_version SUITE PKG: the newest version of binary package PKG in
# SUITE (sid or bookworm-backports); empty when it has none.
vhd_apt_version() {
	vhd_apt apt-cache madison "$2" 2>/dev/null |
		awk -F' *[|] *' -v s="$1" '$3 ~ "(^| )" s "/" && $3 ~ / Packages$/ { print $2 }' |
		sort -V | tail -n1
}

# vhd_apt_fetch PKG=VER: prints the path of the .deb, downloading it once
# into $VHD_APT_DIR/dl.
vhd_apt_fetch() {
	local p=${1%%=*} v=${1#*=} deb
	deb=$(ls "$VHD_APT_DIR/dl/${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		(cd "$VHD_APT_DIR/dl" && vhd_apt apt-get download -q "$p=$v" >&2) ||
			vhd_die "apt-get download $p=$v (private configuration) failed"
		deb=$(ls "$VHD_APT_DIR/dl/${p}_${v//:/%3a}_"*.deb | head -n1)
	fi
	echo "$deb"
}
