#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Installs the Debian 12 packages the build, the tests and the guest
# harness need, only when something is missing. Usage: scripts/deps.sh
set -euo pipefail

PKGS=(build-essential meson ninja-build pkg-config libdpdk-dev dpdk libcmocka-dev
	libgpiod-dev gpiod liburing-dev dpdk-dev qemu-system-x86 busybox-static
	flex bison bc libelf-dev libssl-dev cpio python3 python3-pyelftools xz-utils
	procps kmod
	dpkg-dev libglib2.0-dev libpixman-1-dev libfdt-dev python3-venv util-linux
	libyaml-dev
	gcc-aarch64-linux-gnu device-tree-compiler
	systemd man-db debhelper lintian libvirt-clients
	socat
	libasound2-dev
	libvirglrenderer-dev libegl-mesa0 libgl1-mesa-dri)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# The guest harness fetches guest tools with apt-get download: it needs
# package lists even when everything for the host is installed.
lists_ok=1
apt-cache show i2c-tools >/dev/null 2>&1 || lists_ok=0
if [ ${#missing[@]} -eq 0 ]; then
	if [ "$lists_ok" -eq 0 ] && [ "$(id -u)" -eq 0 ]; then
		apt-get update -q >/dev/null
	fi
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "error: missing packages (${missing[*]}); run as root or install them" >&2
	exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
