#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# docs/libvirt.md: a domain XML for every installed app (the template
# excepted), each valid for libvirt's schema (virt-xml-validate, package
# libvirt-clients), with the shared memfd memory backing vhost-user needs
# and the app's socket passed to QEMU.
# Usage: libvirt.sh SRC
set -u
src=$1
doc=$src/docs/libvirt.md
command -v virt-xml-validate >/dev/null ||
	{ echo "FAIL: virt-xml-validate missing (scripts/deps.sh installs libvirt-clients)"; exit 1; }
tmp=$(mktemp -d /tmp/vhd-libvirt.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

# Each ```xml block after a "### DEV" heading becomes DEV.xml.
awk -v dir="$tmp" '
	/^### / { dev = $2 }
	/^```xml$/ { out = dir "/" dev ".xml"; inxml = 1; next }
	/^```$/ && inxml { inxml = 0; close(out); next }
	inxml { print > out }' "$doc"
apps=$(sed -n "s/^apps = \[\(.*\)\]/\1/p" "$src/app/meson.build" | tr -d "' " | tr , '\n' |
	grep -vx template)
for d in $apps; do
	x=$tmp/$d.xml
	[ -s "$x" ] || { fail "docs/libvirt.md: no domain XML under '### $d'"; continue; }
	virt-xml-validate "$x" domain >"$tmp/out" 2>&1 || fail "$d: $(cat "$tmp/out")"
	grep -q "<source type='memfd'/>" "$x" || fail "$d: no memfd memory backing"
	grep -q "<access mode='shared'/>" "$x" || fail "$d: memory not shared"
	grep -q "path=/run/vhost-device/$d-vm1\.sock" "$x" || fail "$d: not the unit's socket"
	grep -q "<qemu:arg value='-device'/>" "$x" || fail "$d: no -device passthrough"
done
n=$(ls "$tmp"/*.xml 2>/dev/null | wc -l)
[ "$failed" -eq 0 ] && echo "libvirt: $n domain XMLs valid"
exit "$failed"
