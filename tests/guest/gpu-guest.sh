# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of gpu.sh, run by dash in the test guest. No driver binds
# our device id, and the guest kernel has no /dev/mem, so the device's
# registers are read through the virtio-pci "PCI configuration access"
# capability (VIRTIO_PCI_CAP_PCI_CFG): a window in PCI config space, written
# and read through sysfs, onto the common and device config structures.
. /lib/vhd/guest-lib.sh

id=${VHD_TPL_ID:?}
want=$(printf '0x%04x' "$id")
dev=
for d in /sys/bus/virtio/devices/*; do
	[ "$(cat "$d/device" 2>/dev/null)" = "$want" ] && dev=$d
done
if [ -z "$dev" ]; then
	vhd_fail "no virtio device with id $want in /sys/bus/virtio/devices"
	for d in /sys/bus/virtio/devices/*; do vhd_say "$d: $(cat "$d/device")"; done
	vhd_done
fi
vhd_pass "virtio device ${dev##*/} has device id $want"
vhd_eq "virtio vendor" 0x1af4 "$(cat "$dev/vendor")"
vhd_check "no guest driver bound" test ! -e "$dev/driver"
pci=$(cd -P "$dev" && cd .. && pwd -P)
cfg=$pci/config
vhd_eq "PCI device id (0x1040 + id)" "$(printf '0x%04x' $((0x1040 + id)))" "$(cat "$pci/device")"

rd1() { od -An -tu1 -j "$1" -N1 "$cfg" | tr -d ' '; }
rd4() { od -An -tu4 -j "$1" -N4 "$cfg" | tr -d ' '; }
bytes4() {
	printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $((($1 >> 8) & 255)) \
		$((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}
# shellcheck disable=SC2059 # the format is the bytes
wr1() {
	printf "$(printf '\\%03o' "$2")" | dd of="$cfg" bs=1 seek="$1" count=1 conv=notrunc 2>/dev/null
}
# shellcheck disable=SC2059
wr4() {
	printf "$(bytes4 "$2")" | dd of="$cfg" bs=4 seek=$(($1 / 4)) count=1 conv=notrunc 2>/dev/null
}

# The virtio capabilities: common (1), device (4), PCI config access (5).
cbar='' coff='' dbar='' doff='' win=''
p=$(rd1 52)
n=0
while [ "$p" -ne 0 ] && [ $n -lt 32 ]; do
	if [ "$(rd1 "$p")" -eq 9 ]; then
		case $(rd1 $((p + 3))) in
		1) cbar=$(rd1 $((p + 4))); coff=$(rd4 $((p + 8))) ;;
		4) dbar=$(rd1 $((p + 4))); doff=$(rd4 $((p + 8))) ;;
		5) win=$p ;;
		esac
	fi
	p=$(rd1 $((p + 1)))
	n=$((n + 1))
done
if [ -z "$cbar" ] || [ -z "$dbar" ] || [ -z "$win" ] || [ $((win % 4)) -ne 0 ]; then
	vhd_fail "virtio-pci capabilities: common '$cbar/$coff' device '$dbar/$doff' window '$win'"
	vhd_done
fi
vhd_pass "virtio-pci capabilities found (common bar $cbar, device bar $dbar, window at $win)"

# win_set BAR OFF: point the window at 4 bytes of BAR at OFF.
win_set() { wr1 $((win + 4)) "$1"; wr4 $((win + 8)) "$2"; wr4 $((win + 12)) 4; }
win_rd4() { win_set "$1" "$2"; rd4 $((win + 16)); }
win_wr4() { win_set "$1" "$2"; wr4 $((win + 16)) "$3"; }

# Offered features: device_feature_select (+0), device_feature (+4).
win_wr4 "$cbar" "$coff" 0
lo=$(win_rd4 "$cbar" $((coff + 4)))
win_wr4 "$cbar" "$coff" 1
hi=$(win_rd4 "$cbar" $((coff + 4)))
vhd_say "device features: hi $(printf '0x%08x' "$hi") lo $(printf '0x%08x' "$lo")"
vhd_eq "device feature 0 (DELAY) offered" 1 $((lo & 1))
vhd_eq "no other device-specific feature (bits 1-23)" 0 $((lo & 0xfffffe))
vhd_eq "VERSION_1 (bit 32) offered" 1 $((hi & 1))
vhd_eq "INDIRECT_DESC (bit 28) offered" 1 $(((lo >> 28) & 1))
vhd_eq "EVENT_IDX (bit 29) offered" 1 $(((lo >> 29) & 1))

# Config space: le32 version, le32 request count (none served yet).
vhd_eq "config version" 1 "$(win_rd4 "$dbar" "$doff")"
vhd_eq "config request count" 0 "$(win_rd4 "$dbar" $((doff + 4)))"
vhd_done
