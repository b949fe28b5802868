#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# new-device.sh NAME ID: start device NAME (virtio device id ID) as a copy of
# the template device, with every list entry a device needs, so that it
# builds and passes its tests at once. Then make it the device you want:
# docs/writing-a-device.md, in order.
#
# Creates: drivers/NAME, app/vhost-device-NAME, tests/drivers/NAME,
#   tests/integration/test_NAME.c, perf/vhd_perf_gen_NAME.c and, when the
#   template has them, tests/guest/NAME.sh + NAME-guest.sh.
# Edits (one entry each, at the end of the list): drivers/meson.build,
#   app/meson.build, perf/meson.build, perf/vhd_perf_gen.[ch], perf/smoke.sh,
#   tests/integration/test_hostile.c, tests/guest/meson.build, debian/control,
#   docs/libvirt.md (a domain XML).
# Leaves to you: the README section, scripts/deps.sh packages, perf/README
#   figures (the script prints the list at the end).
set -euo pipefail

usage() {
	echo "usage: $0 NAME ID   (NAME: [a-z][a-z0-9_]*, ID: virtio device id 1..65535)" >&2
	exit 2
}
die() {
	echo "new-device: $*" >&2
	exit 1
}

[ $# -eq 2 ] || usage
name=$1
id=$2
[[ $name =~ ^[a-z][a-z0-9_]*$ ]] || die "NAME must match [a-z][a-z0-9_]*: '$name'"
if ! [[ $id =~ ^[1-9][0-9]*$ ]] || [ "$id" -gt 65535 ]; then
	die "ID must be 1..65535: '$id'"
fi
[ "$name" != template ] || die "NAME must not be 'template'"
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -d drivers/template ] || die "no drivers/template in $root"
upper=$(echo "$name" | tr '[:lower:]' '[:upper:]')
for p in "drivers/$name" "app/vhost-device-$name" "tests/drivers/$name" \
	"tests/integration/test_$name.c" "perf/vhd_perf_gen_$name.c"; do
	[ ! -e "$p" ] || die "$p exists already"
done
if [ "$id" -gt 63 ]; then
	echo "new-device: warning: virtio-pci carries device ids up to 63 (PCI id 0x1040 + ID);" \
		"a guest on PCI will not see id $id" >&2
fi
# QEMU 10.2's vhost-user-test-device aborts on an id it has no name for
# (hw/virtio/virtio.c virtio_device_names[]: 1-13, 16-41).
if [ "$id" -gt 41 ] || [ "$id" -eq 14 ] || [ "$id" -eq 15 ]; then
	echo "new-device: warning: QEMU 10.2's vhost-user-test-device-pci aborts on virtio-id" \
		"$id (it knows 1-13 and 16-41): the copied guest test will fail until you change it" >&2
fi

# copy SRC DST: the file with the names replaced.
copy() {
	mkdir -p "$(dirname "$2")"
	sed -e "s/TEMPLATE/$upper/g" -e "s/template/$name/g" -e "s/Template/${upper:0:1}${name:1}/g" \
		"$1" >"$2"
	[ ! -x "$1" ] || chmod +x "$2"
}
copy drivers/template/meson.build "drivers/$name/meson.build"
copy drivers/template/template.h "drivers/$name/$name.h"
copy drivers/template/template.c "drivers/$name/$name.c"
copy app/vhost-device-template/meson.build "app/vhost-device-$name/meson.build"
copy app/vhost-device-template/main.c "app/vhost-device-$name/main.c"
copy tests/drivers/template/meson.build "tests/drivers/$name/meson.build"
copy tests/drivers/template/test_template.c "tests/drivers/$name/test_$name.c"
copy tests/integration/test_template.c "tests/integration/test_$name.c"
copy perf/vhd_perf_gen_template.c "perf/vhd_perf_gen_$name.c"
guest=false
if [ -f tests/guest/template.sh ]; then
	guest=true
	copy tests/guest/template.sh "tests/guest/$name.sh"
	[ ! -f tests/guest/template-guest.sh ] ||
		copy tests/guest/template-guest.sh "tests/guest/$name-guest.sh"
fi

# The device id: one define in the driver, one field in the generator.
sed -i -e "s|^/\*\* virtio device id: .*|/** virtio device id. */|" \
	-e "s/^#define ${upper}_VIRTIO_ID 37$/#define ${upper}_VIRTIO_ID $id/" "drivers/$name/$name.h"
sed -i -e "s/(virtio id 37)/(virtio id $id)/" -e "s/\.virtio_id = 37,/.virtio_id = $id,/" \
	"perf/vhd_perf_gen_$name.c"
grep -q "^#define ${upper}_VIRTIO_ID $id$" "drivers/$name/$name.h" || die "device id not set"
sed -i "s/virtio-id=37,/virtio-id=$id,/" "app/vhost-device-$name/main.c"
[ ! -f "tests/guest/$name.sh" ] ||
	sed -i "s/virtio-id=37/virtio-id=$id/g; s/VIRTIO_ID=37/VIRTIO_ID=$id/g" "tests/guest/$name.sh"

# add_to_list FILE 'LINE-REGEX' ENTRY: append ENTRY to the [...] list on the matching line.
add_to_list() {
	grep -q "$2" "$1" || die "$1: no line matching $2"
	sed -i "/$2/s/\]\$/, $3]/" "$1"
}
add_to_list drivers/meson.build "^drivers = \[" "'$name'"
add_to_list app/meson.build "^apps = \[" "'$name'"
# perf: the generator's source, its table entry, its smoke line
echo "perf_sources += files('vhd_perf_gen_$name.c')" >tmp.$$ &&
	sed -i "/^perf_sources += files('vhd_perf_gen_template.c')\$/r tmp.$$" perf/meson.build &&
	rm -f tmp.$$
sed -i "/^perf_smoke_apps += {'template': \[\]}\$/a perf_smoke_apps += {'$name': []}" \
	perf/meson.build
sed -i "/^\t&vhd_perf_gen_template,\$/a \\\t&vhd_perf_gen_$name," perf/vhd_perf_gen.c
gen_decl="extern const struct vhd_perf_gen vhd_perf_gen"
sed -i "/^${gen_decl}_template;\$/a ${gen_decl}_$name;" perf/vhd_perf_gen.h
sed -i "/^template) sfx= ;;\$/a $name) sfx= ;;" perf/smoke.sh
# the hostile suite: its options and its probe request (as the template's)
args_decl="static const char \*const"
hostile_line="{\"$name\", ${name}_args, 1, 8, 1, NULL, true},"
args_new="static const char *const ${name}_args[] = {NULL};"
sed -i -e "/^$args_decl template_args\[\] = {NULL};\$/a $args_new" \
	-e "/^\t{\"template\", template_args, 1, 8, 1, NULL, true},\$/a \\\t$hostile_line" \
	tests/integration/test_hostile.c
if $guest; then
	sed -i "/^\t'template': \['template'\],\$/a \\\t'$name': ['$name']," tests/guest/meson.build
fi

# debian/control: its binary package (debian/rules installs its files by name)
cat >>debian/control <<EOF

Package: vhost-device-$name
Architecture: any
Depends: vhost-device-common (= \${source:Version}), \${misc:Depends}, \${shlibs:Depends}
Description: vhost-user virtio-$name backend on DPDK
 vhost-device-$name serves a virtio-$name device (virtio id $id) to virtual
 machines over vhost-user.
EOF

# docs/libvirt.md: a domain for it, as the rng one but on QEMU 10.2's generic device
awk -v n="$name" -v id="$id" '
	/^### rng$/ { inrng = 1; print "### " n "\n"; print "virtio id " id " through QEMU 10.2'"'"'s" \
		" `vhost-user-test-device-pci` (set num_vqs and config_size to the device'"'"'s)."; next }
	inrng && /^```xml$/ { copy = 1 }
	copy { sub("vhost-user-rng-pci,chardev=vrng0", "vhost-user-test-device-pci,chardev=" n \
			"0,virtio-id=" id ",num_vqs=1,config_size=8")
		sub("vm1-rng", "vm1-" n); sub("vrng0", n "0")
		sub("rng-vm1.sock0", n "-vm1.sock") # the template uses -s PATH as given
		sub("/usr/bin/qemu-system-x86_64", "/usr/local/bin/qemu-system-x86_64"); print }
	copy && /^```$/ { exit }' docs/libvirt.md >tmp.$$
{ echo; cat tmp.$$; } >>docs/libvirt.md && rm -f tmp.$$

for check in "debian/control:^Package: vhost-device-$name\$" "docs/libvirt.md:^### $name\$" \
	"perf/meson.build:vhd_perf_gen_$name.c" "perf/meson.build:'$name': \[\]" \
	"perf/vhd_perf_gen.c:&vhd_perf_gen_$name," "perf/vhd_perf_gen.h:vhd_perf_gen_$name;" \
	"perf/smoke.sh:^$name) sfx" "tests/integration/test_hostile.c:{\"$name\", ${name}_args"; do
	grep -q "${check#*:}" "${check%%:*}" || die "could not add $name to ${check%%:*}"
done
if $guest; then
	grep -q "'$name': \['$name'\]" tests/guest/meson.build ||
		die "could not add $name to tests/guest/meson.build"
fi

cat <<EOF
new-device: $name (virtio id $id) created from the template. Build and test it:
  ninja -C build && meson test -C build --num-processes 1 test_$name integration-$name \\
      hostile-$name vhd-perf-$name
Still yours to do (docs/writing-a-device.md, "Checklist"): the protocol itself, a README
section, scripts/deps.sh packages, perf/README figures, the guest test's checks, the help
table's texts, debian/control's description, the QEMU device in docs/libvirt.md (### $name).
EOF
