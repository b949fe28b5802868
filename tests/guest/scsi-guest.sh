# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of scsi.sh, run by dash in the test guest. VHD_SCSI_CASE=main
# (default) runs on LUN 0 (a blank
# read-write image) and LUN 1 (a read-only image holding an ext4 file
# system with hello.txt, made on the host) of vhost-user-scsi-pci:
#   identity   sg_inq / sg_vpd / sg_readcap show our vendor, serial, NAA id
#              and capacity (VHD_SCSI_SERIAL, VHD_SCSI_BLOCKS from the host)
#   queues     the disk has VHD_SCSI_NQ blk-mq hardware queues
#   fs         mkfs.ext4, mount, files written with checksums and fsync'd,
#              umount, mount again, checksums, delete, fstrim (the host
#              measures the image between VHD-SCSI-TRIM-BEFORE and -AFTER),
#              umount, fsck clean
#   ro         LUN 1 is read-only: ro in sysfs, a rw mount refused or turned
#              read-only, files read back, writes through the block layer
#              and through SG_IO (sg_raw WRITE(10)) refused with DATA PROTECT
# VHD_SCSI_CASE=hotplug: VHD-SCSI-HOTADD asks the host to attach LUN 2, whose
# disk must appear and read back VHD_SCSI_HOT_SUM; VHD-SCSI-HOTREMOVE asks
# it to detach LUN 2, whose disk must go; LUN 0 then reports the changed
# inventory once (UNIT ATTENTION) and answers.
# VHD_SCSI_CASE=restart: ext4 on LUN 0, a write loop with fsync, and
# VHD-SCSI-KILL in the middle (the host kills the backend with SIGKILL and
# starts it again; QEMU reconnects); the loop must finish, the files check
# out and fsck is clean.
. /lib/vhd/guest-lib.sh

# disk_of LUN: the sdX of LUN on target 0, once the kernel made it (20 s).
disk_of() {
	_i=0
	while [ $_i -lt 200 ]; do
		for _d in /sys/bus/scsi/devices/*:0:0:"$1"/block/*; do
			[ -e "$_d" ] && { basename "$_d"; return 0; }
		done
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# mknod_of sdX: the block node, when devtmpfs did not make it.
mknod_of() {
	[ -b "/dev/$1" ] || mknod "/dev/$1" b "$(cut -d: -f1 "/sys/block/$1/dev")" \
		"$(cut -d: -f2 "/sys/block/$1/dev")"
}

case ${VHD_SCSI_CASE:-main} in
hotplug)
	sda=$(disk_of 0) || { vhd_fail "no disk for LUN 0"; vhd_done; }
	if [ -e /sys/bus/scsi/devices/*:0:0:2 ]; then vhd_fail "LUN 2 before the hot-add"; fi
	echo "VHD-SCSI-HOTADD"
	if sdc=$(disk_of 2); then
		vhd_pass "hot-added LUN 2 appeared as /dev/$sdc"
		mknod_of "$sdc"
		sum=$(dd if="/dev/$sdc" bs=64k count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
		vhd_eq "hot-added disk reads back" "$VHD_SCSI_HOT_SUM" "$sum"
	else
		vhd_fail "hot-added LUN 2 did not appear"
	fi
	echo "VHD-SCSI-HOTREMOVE"
	i=0
	while [ $i -lt 200 ] && [ -e /sys/bus/scsi/devices/*:0:0:2 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ -e /sys/bus/scsi/devices/*:0:0:2 ]; then vhd_fail "LUN 2 still there after hot-remove"
	else vhd_pass "hot-removed LUN 2 is gone"; fi
	# Linux sent LUN 0 nothing since: its next command (SG_IO, no retries) gets the
	# UNIT ATTENTION for the changed inventory (3F/0E; sg3-utils exit status 6), once
	/usr/bin/sg_turs "/dev/$sda" >/dev/null 2>&1
	vhd_eq "LUN 0 reports the LUN inventory change" 6 "$?"
	vhd_check "LUN 0 still answers" /usr/bin/sg_turs "/dev/$sda"
	vhd_done
	;;
restart)
	sda=$(disk_of 0) || { vhd_fail "no disk for LUN 0"; vhd_done; }
	mknod_of "$sda"
	mkdir -p /mnt/a
	vhd_check "mkfs.ext4 /dev/$sda" /sbin/mkfs.ext4 -q -F "/dev/$sda"
	vhd_check "mount /dev/$sda" mount -t ext4 "/dev/$sda" /mnt/a
	: >/tmp/sums
	i=0
	while [ $i -lt 24 ]; do
		dd if=/dev/urandom of="/mnt/a/f$i" bs=64k count=4 conv=fsync 2>/dev/null ||
			vhd_fail "write of f$i failed"
		(cd /mnt/a && sha256sum "f$i" >>/tmp/sums)
		[ $i = 6 ] && echo "VHD-SCSI-KILL"
		i=$((i + 1))
	done
	vhd_pass "write loop finished across the backend restart"
	sync
	vhd_check "umount" umount /mnt/a
	vhd_check "mount again" mount -t ext4 "/dev/$sda" /mnt/a
	vhd_check "checksums of all 24 files" sh -c "cd /mnt/a && sha256sum -c /tmp/sums >/dev/null"
	umount /mnt/a
	/sbin/e2fsck -f -n "/dev/$sda" >/tmp/fsck 2>&1
	rc=$?
	sed 's/^/  fsck: /' /tmp/fsck
	vhd_eq "fsck.ext4 -f -n after the restart: clean" 0 "$rc"
	if dmesg | grep -q "I/O error"; then vhd_fail "I/O errors in the guest's log"; dmesg | grep "I/O error"
	else vhd_pass "no I/O error in the guest's log"; fi
	vhd_done
	;;
esac

sda=$(disk_of 0) || { vhd_fail "no disk for LUN 0"; vhd_done; }
sdb=$(disk_of 1) || { vhd_fail "no disk for LUN 1"; vhd_done; }
vhd_pass "LUN 0 is /dev/$sda, LUN 1 is /dev/$sdb"
mknod_of "$sda"
mknod_of "$sdb"

echo "== identity"
inq=$(/usr/bin/sg_inq "/dev/$sda" 2>&1)
echo "$inq" | sed 's/^/  sg_inq: /'
case $inq in
*VHOSTDEV*) vhd_pass "sg_inq: vendor VHOSTDEV" ;;
*) vhd_fail "sg_inq: no vendor VHOSTDEV" ;;
esac
sn=$(/usr/bin/sg_vpd -p sn "/dev/$sda" 2>&1)
echo "$sn" | sed 's/^/  sg_vpd sn: /'
case $sn in
*"$VHD_SCSI_SERIAL"*) vhd_pass "sg_vpd: unit serial number $VHD_SCSI_SERIAL" ;;
*) vhd_fail "sg_vpd: serial is not $VHD_SCSI_SERIAL" ;;
esac
di=$(/usr/bin/sg_vpd -p di "/dev/$sda" 2>&1)
echo "$di" | sed 's/^/  sg_vpd di: /'
case $di in
*"0x$VHD_SCSI_SERIAL"*) vhd_pass "sg_vpd: NAA designator 0x$VHD_SCSI_SERIAL" ;;
*) vhd_fail "sg_vpd: no NAA designator 0x$VHD_SCSI_SERIAL" ;;
esac
case $di in
*"VHOSTDEV"*) vhd_pass "sg_vpd: T10 vendor id designator" ;;
*) vhd_fail "sg_vpd: no T10 vendor id designator" ;;
esac
lbp=$(/usr/bin/sg_vpd -p lbpv "/dev/$sda" 2>&1)
case $lbp in
*"Unmap command supported (LBPU): 1"*) vhd_pass "sg_vpd: UNMAP supported (LBPU)" ;;
*) vhd_fail "sg_vpd: LBPU not reported"; echo "$lbp" ;;
esac
cap=$(/usr/bin/sg_readcap -l "/dev/$sda" 2>&1)
echo "$cap" | sed 's/^/  sg_readcap: /'
case $cap in
*"Last LBA=$((VHD_SCSI_BLOCKS - 1)) "*) vhd_pass "sg_readcap: last LBA $((VHD_SCSI_BLOCKS - 1))" ;;
*) vhd_fail "sg_readcap: last LBA is not $((VHD_SCSI_BLOCKS - 1))" ;;
esac
case $cap in
*"Logical block length=512 bytes"*) vhd_pass "sg_readcap: 512-byte blocks" ;;
*) vhd_fail "sg_readcap: block length not 512" ;;
esac
vhd_eq "sysfs: discard granularity" 4096 "$(cat "/sys/block/$sda/queue/discard_granularity")"

echo "== queues"
nq=$(ls -d "/sys/block/$sda/mq/"* 2>/dev/null | wc -l)
vhd_eq "blk-mq hardware queues of /dev/$sda" "${VHD_SCSI_NQ:-1}" "$nq"

echo "== fs"
vhd_check "mkfs.ext4 /dev/$sda" /sbin/mkfs.ext4 -q -F "/dev/$sda"
mkdir -p /mnt/a /mnt/b
vhd_check "mount /dev/$sda" mount -t ext4 "/dev/$sda" /mnt/a
i=0
: >/tmp/sums
while [ $i -lt 4 ]; do
	dd if=/dev/urandom of="/mnt/a/f$i" bs=64k count=8 conv=fsync 2>/dev/null
	i=$((i + 1))
done
(cd /mnt/a && sha256sum f0 f1 f2 f3 >/tmp/sums)
sync
vhd_check "umount /dev/$sda" umount /mnt/a
vhd_check "mount /dev/$sda again" mount -t ext4 "/dev/$sda" /mnt/a
vhd_check "checksums after a remount" sh -c "cd /mnt/a && sha256sum -c /tmp/sums >/dev/null"
rm -f /mnt/a/f1 /mnt/a/f2 /mnt/a/f3
sync
echo "VHD-SCSI-TRIM-BEFORE"
sleep 2
out=$(fstrim -v /mnt/a 2>&1)
vhd_check "fstrim /mnt/a ($out)" test $? = 0
sync
echo "VHD-SCSI-TRIM-AFTER"
sleep 2
vhd_check "f0 still intact" sh -c "cd /mnt/a && grep ' f0\$' /tmp/sums | sha256sum -c >/dev/null"
vhd_check "umount after fstrim" umount /mnt/a
/sbin/e2fsck -f -n "/dev/$sda" >/tmp/fsck 2>&1
rc=$?
sed 's/^/  fsck: /' /tmp/fsck
vhd_eq "fsck.ext4 -f -n: clean" 0 "$rc"

echo "== ro"
vhd_eq "sysfs: /dev/$sdb is read-only" 1 "$(cat "/sys/block/$sdb/ro")"
if mount -t ext4 -o rw "/dev/$sdb" /mnt/b 2>/dev/null; then
	case " $(grep " /mnt/b " /proc/mounts) " in
	*" ro,"* | *" ro "*) vhd_pass "a rw mount of /dev/$sdb became read-only" ;;
	*) vhd_fail "/dev/$sdb mounted read-write" ;;
	esac
	umount /mnt/b
else
	vhd_pass "a rw mount of /dev/$sdb is refused"
fi
vhd_check "mount -o ro /dev/$sdb" mount -t ext4 -o ro "/dev/$sdb" /mnt/b
vhd_eq "hello.txt on the read-only LUN" "$VHD_SCSI_HELLO" "$(cat /mnt/b/hello.txt 2>/dev/null)"
if touch /mnt/b/new 2>/dev/null; then vhd_fail "created a file on the read-only LUN"
else vhd_pass "no file can be created on the read-only LUN"; fi
umount /mnt/b
if dd if=/dev/zero of="/dev/$sdb" bs=512 count=1 conv=fsync 2>/dev/null; then
	vhd_fail "dd wrote to /dev/$sdb"
else
	vhd_pass "dd to /dev/$sdb refused"
fi
# Through the sg node: the read-only block device refuses a write-class SG_IO
# itself (EPERM, or EROFS on a read-write open), the target must refuse it too.
sg=
for _d in /sys/bus/scsi/devices/*:0:0:1/scsi_generic/*; do [ -e "$_d" ] && sg=$(basename "$_d"); done
[ -c "/dev/$sg" ] || mknod "/dev/$sg" c "$(cut -d: -f1 "/sys/class/scsi_generic/$sg/dev")" \
	"$(cut -d: -f2 "/sys/class/scsi_generic/$sg/dev")"
raw=$(/usr/bin/sg_raw -s 512 -i /dev/zero "/dev/$sg" 2a 00 00 00 00 00 00 00 01 00 2>&1)
echo "$raw" | sed 's/^/  sg_raw: /'
case $raw in
*[Dd]ata\ [Pp]rotect*) vhd_pass "SG_IO WRITE(10) to LUN 1: DATA PROTECT" ;;
*) vhd_fail "SG_IO WRITE(10) to LUN 1 not refused with DATA PROTECT" ;;
esac
vhd_done
