# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=bash
#
# Shared by the scripts in scripts/guest: cache location and messages.
# Sourced, not executed.

# Kernel and guest tools are built once per machine and reused by every
# checkout and build dir, so they live outside the source tree.
VHD_GUEST_CACHE=${VHD_GUEST_CACHE:-/var/cache/vhost-device/guest}

vhd_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
vhd_die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }
