#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Boot the test guest in QEMU under TCG with vhost-user devices attached, run
# a guest-side test script and return its exit status (from the
# VHD-GUEST-EXIT=<n> marker line on the serial console).
# Exit status: the guest script's status; 124 on timeout; 125 when the guest
# never reported one (QEMU failed, kernel panic, ...); 2 on bad usage.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} [options]
  --script FILE      guest-side test script, run by dash as /vhd-test/test.sh
  --file SRC[:NAME]  extra file for the guest, in /vhd-test/NAME (repeatable)
  --env NAME=VALUE   variable exported to the guest script (repeatable)
  --dev TYPE:SOCK[,PROP=VAL...]
                     attach vhost-user-TYPE-pci on socket SOCK (rng, gpio, i2c,
                     vsock, scsi, input, blk, gpu, ...), repeatable
  --dev test-device:SOCK,virtio-id=N,num_vqs=Q[,config_size=C][,vq_size=S]
                     QEMU 10's generic vhost-user device: any backend, virtio
                     device id N, Q queues of S entries (default 64), C bytes
                     of config space read/written through GET/SET_CONFIG
                     (default 0: none); needs --qemu 10
  --dev-server TYPE:SOCK[,PROP=VAL...]
                     like --dev, but QEMU listens on SOCK and waits for the
                     backend to connect (backend in --client mode; survives
                     backend restarts)
  --reconnect SEC    QEMU reconnects to a backend socket that goes away, every
                     SEC seconds (chardev reconnect=SEC, reconnect-ms= on 10)
  --qemu VER|PATH    7.2 (Debian 12's qemu-system-x86_64), 10 / 10.2 (built by
                     build-qemu.sh), auto (10.2 when built, else 7.2), or a
                     binary (default: \$VHD_QEMU, else 7.2). Exit 77 when 10.2
                     is asked for and not built.
  --arch A          x86_64 (default, \$VHD_GUEST_ARCH) or arm64: the SCMI guest
                     on bookworm-backports' qemu-system-aarch64 10.0 (virt
                     machine, TCG), the kernel of build-kernel.sh --arch arm64,
                     the initramfs of arm64.sh and a device tree with an
                     arm,scmi-virtio node; devices are vhost-user-TYPE on
                     virtio-mmio (--dev scmi:SOCK); exit 77 when not built
  --kernel-version V 7.3 (default, \$VHD_GUEST_KERNEL) or 6.1: the guest kernel
                     build-kernel.sh built; exit 77 when it is not built
  --log FILE         serial console log (default: a temporary file, removed)
  --timeout SEC      hard limit for the whole boot and test (default 180)
  --on-timeout CMD   run CMD (bash -c, output on stderr, 30 s at most) when
                     the timeout hits, before QEMU is killed: the backends'
                     state is still the stalled one then
  --mem MB           guest memory, shared with the backends (default 256)
  --smp N            guest CPUs (default 1)
  --kernel IMG       kernel image (default: the --kernel-version build)
  --initrd FILE      base initramfs (default: scripts/guest/build-initramfs.sh)
  --append ARGS      extra kernel command line
  --qemu-arg ARG     extra QEMU argument (repeatable)
  --shell            interactive: console on this terminal, a shell after the
                     script (if any); no timeout
  --verbose          copy the console to stderr while the guest runs
USAGE
}

reconnect='' script='' log='' kernel='' initrd='' append='' shell=0 verbose=0
timeout=180 mem=256 smp=1 qemu_sel=${VHD_QEMU:-7.2} kver=${VHD_GUEST_KERNEL:-7.3}
on_timeout=
arch=${VHD_GUEST_ARCH:-x86_64}
files=() envs=() devs=() qargs=()
while [ $# -gt 0 ]; do
	case $1 in
	--script) script=$2; shift ;;
	--file) files+=("$2"); shift ;;
	--env) envs+=("$2"); shift ;;
	--dev) devs+=("$2"); shift ;;
	--dev-server) devs+=("server:$2"); shift ;;
	--log) log=$2; shift ;;
	--reconnect) reconnect=$2; shift ;;
	--qemu) qemu_sel=$2; shift ;;
	--kernel-version) kver=$2; shift ;;
	--arch) arch=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--on-timeout) on_timeout=$2; shift ;;
	--mem) mem=$2; shift ;;
	--smp) smp=$2; shift ;;
	--kernel) kernel=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--append) append=$2; shift ;;
	--qemu-arg) qargs+=("$2"); shift ;;
	--shell) shell=1 ;;
	--verbose) verbose=1 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "${0##*/}: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case $timeout$mem$smp$reconnect in *[!0-9]*) vhd_die "--timeout, --mem, --smp take numbers" ;; esac
[ -z "$script" ] || [ -r "$script" ] || vhd_die "cannot read script '$script'"
# Exit 77 (a skip, for meson) when what the test asks for is not built here.
vhd_skip() { printf '%s: SKIP: %s\n' "${0##*/}" "$*" >&2; exit 77; }
case $arch in
x86_64)
	qemu_bin=$(vhd_qemu_path "$qemu_sel") || case $? in
		77) vhd_skip "QEMU 10.2 is not built on this machine (scripts/guest/build-qemu.sh builds it)" ;;
		*) vhd_die "--qemu: no QEMU '$qemu_sel' (7.2, 10, auto or a path; 7.2 needs qemu-system-x86)" ;;
	esac
	;;
arm64)
	qemu_bin=$("$here/arm64.sh" qemu --check) ||
		vhd_skip "qemu-system-arm is not unpacked on this machine (scripts/guest/arm64.sh qemu)"
	# Its own modules only: Debian 12's in the built-in module path abort it.
	export QEMU_MODULE_DIR=${qemu_bin%/usr/bin/*}/modules
	;;
*) vhd_die "--arch takes x86_64 or arm64, not '$arch'" ;;
esac
qemu_major=$(vhd_qemu_major "$qemu_bin")

if [ -z "$kernel" ]; then
	kernel=$("$here/build-kernel.sh" --check --version "$kver" --arch "$arch") ||
		vhd_skip "guest kernel $kver ($arch) is not built on this machine (scripts/guest/build-kernel.sh --version $kver --arch $arch builds it)"
fi
if [ -z "$initrd" ] && [ "$arch" = arm64 ]; then
	initrd=$("$here/arm64.sh" initramfs)
fi
[ -n "$initrd" ] || initrd=$("$here/build-initramfs.sh")
[ -r "$kernel" ] || vhd_die "cannot read kernel '$kernel'"
[ -r "$initrd" ] || vhd_die "cannot read initramfs '$initrd'"

qemu_pid=
tail_pid=
work=$(mktemp -d /tmp/vhd-guest.XXXXXX)
keep_log=1
if [ -z "$log" ]; then
	log=$work/console.log
	keep_log=0
fi
cleanup() {
	# Every way out, including errors and signals, must take QEMU down with
	# us: a stray QEMU keeps the backends' sockets connected.
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill -TERM "$qemu_pid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$qemu_pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	if [ -n "$tail_pid" ]; then
		kill "$tail_pid" 2>/dev/null || true
		wait "$tail_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The test script travels as a second, uncompressed cpio appended to the
# generic initramfs (the kernel unpacks concatenated archives in order), so
# the tool image is built once and every test reuses it.
mkdir -p "$work/extra/vhd-test"
[ -z "$script" ] || cp "$script" "$work/extra/vhd-test/test.sh"
for f in "${files[@]}"; do
	src=${f%%:*}
	name=${f#*:}
	[ "$name" != "$f" ] || name=${src##*/}
	[ -r "$src" ] || vhd_die "cannot read file '$src'"
	cp "$src" "$work/extra/vhd-test/$name"
done
for e in "${envs[@]}"; do
	case $e in [A-Za-z_]*=*) ;; *) vhd_die "--env takes NAME=VALUE, got '$e'" ;; esac
	# Single-quoted so values reach the guest unchanged.
	printf "export %s='%s'\n" "${e%%=*}" "$(printf %s "${e#*=}" | sed "s/'/'\\\\''/g")" \
		>>"$work/extra/vhd-test/env"
done
cp "$initrd" "$work/initrd"
(cd "$work/extra" && find . -mindepth 1 | cpio -o -H newc -R 0:0 --quiet) >>"$work/initrd"

devargs=()
i=0
for d in "${devs[@]}"; do
	server=0
	case $d in server:*) server=1; d=${d#server:} ;; esac
	type=${d%%:*}
	rest=${d#*:}
	[ "$type" != "$d" ] && [ -n "$rest" ] || vhd_die "--dev takes TYPE:SOCK, got '$d'"
	sock=${rest%%,*}
	props=
	[ "$sock" = "$rest" ] || props=,${rest#*,}
	case $type in *[!a-z0-9-]*) vhd_die "bad device type '$type'" ;; esac
	if [ "$type" = test-device ]; then
		[ "$qemu_major" -ge 9 ] ||
			vhd_die "--dev test-device needs QEMU >= 9 (--qemu 10), this is $qemu_major"
		case ,$props, in *,virtio-id=[0-9]*) ;; *)
			vhd_die "--dev test-device:SOCK needs virtio-id=N (got '$d')" ;; esac
		case ,$props, in *,num_vqs=[0-9]*) ;; *)
			vhd_die "--dev test-device:SOCK needs num_vqs=Q (got '$d')" ;; esac
	fi
	if [ "$server" = 1 ]; then
		# QEMU blocks in startup until the backend connects.
		rm -f "$sock"
		chr="socket,path=$sock,id=vhd$i,server=on,wait=on"
	else
		[ -S "$sock" ] ||
			vhd_die "no vhost-user socket at '$sock' for $type (backend not running?)"
		rc_opt=
		if [ -n "$reconnect" ]; then
			# QEMU 9.2 dropped reconnect= for reconnect-ms=.
			if [ "$qemu_major" -ge 10 ]; then rc_opt=,reconnect-ms=$((reconnect * 1000))
			else rc_opt=,reconnect=$reconnect; fi
		fi
		chr="socket,path=$sock,id=vhd$i$rc_opt"
	fi
	# arm64: the virt machine's virtio-mmio transports (vhost-user-scmi has no
	# PCI form in Linux's binding: the device tree names no PCI device)
	dtype=vhost-user-$type-pci
	[ "$arch" = x86_64 ] || dtype=vhost-user-$type
	devargs+=(-chardev "$chr" -device "$dtype,chardev=vhd$i$props")
	i=$((i + 1))
done

cmdline="console=ttyS0 panic=-1 reboot=t $append"
machargs=(-M pc)
if [ "$arch" = arm64 ]; then
	cmdline="console=ttyAMA0 panic=-1 $append"
	read -r arm_machine arm_cpu < <("$here/arm64.sh" machine)
	"$here/arm64.sh" dtb "$work/guest.dtb" "$mem" "$smp"
	# virtio-mmio transports are legacy (version 1, no VIRTIO_F_VERSION_1) by
	# default; Linux's scmi-virtio refuses a device without VERSION_1.
	machargs=(-M "$arm_machine" -cpu "$arm_cpu" -dtb "$work/guest.dtb" -audio none
		-global virtio-mmio.force-legacy=false)
fi
[ "$shell" = 0 ] || cmdline="$cmdline vhd.shell=1"

run_qemu() { # $1: kernel image
	# vhost-user backends map guest RAM: it must be a shareable memfd.
	# shellcheck disable=SC2054 # commas belong to QEMU's option syntax
	qemu=("$qemu_bin" -accel tcg "${machargs[@]}" -nodefaults -no-reboot
		-display none -smp "$smp" -m "${mem}M"
		-object "memory-backend-memfd,id=mem,size=${mem}M,share=on"
		-numa node,memdev=mem
		-kernel "$1" -initrd "$work/initrd" -append "$cmdline"
		"${devargs[@]}" "${qargs[@]}")
	if [ "$shell" = 1 ]; then
		# Console and monitor multiplexed on this terminal (Ctrl-a x quits);
		# signal=off sends Ctrl-C to the guest shell.
		"${qemu[@]}" -chardev "stdio,id=con,mux=on,signal=off,logfile=$log" \
			-serial chardev:con -mon chardev=con,mode=readline
		return
	fi
	: >"$log"
	"${qemu[@]}" -chardev "file,id=con,path=$log" -serial chardev:con \
		-monitor none </dev/null 2>"$work/qemu.err" &
	qemu_pid=$!
	if [ "$verbose" = 1 ]; then
		tail -n +1 -f --pid="$qemu_pid" "$log" >&2 &
		tail_pid=$!
	fi
}

marker_rc() { sed -n 's/^VHD-GUEST-EXIT=\([0-9]*\).*/\1/p' "$log" | tail -n 1; }

if [ "$shell" = 1 ]; then
	run_qemu "$kernel" || true
	rc=$(marker_rc)
	exit "${rc:-0}"
fi

t0=$(date +%s%N)
run_qemu "$kernel"
booted=
marked=
rc=
status=
while :; do
	now=$(date +%s%N)
	if [ -z "$booted" ] && grep -q '^VHD-GUEST-START' "$log"; then
		booted=$(( (now - t0) / 1000000 ))
	fi
	if ! kill -0 "$qemu_pid" 2>/dev/null; then
		wait "$qemu_pid" && status=0 || status=$?
		qemu_pid=
		break
	fi
	# The guest powers off right after the marker; if that fails, do not
	# wait for the timeout.
	if [ -z "$marked" ] && grep -q '^VHD-GUEST-EXIT=' "$log"; then
		marked=$now
	elif [ -n "$marked" ] && [ $(( (now - marked) / 1000000000 )) -ge 10 ]; then
		vhd_log "guest reported its status but did not power off, killing QEMU"
		status=0
		break
	fi
	if [ $(( (now - t0) / 1000000000 )) -ge "$timeout" ]; then
		vhd_log "timeout after ${timeout}s, killing QEMU"
		if [ -n "$on_timeout" ]; then
			timeout 30 bash -c "$on_timeout" >&2 || vhd_log "--on-timeout command failed"
		fi
		break
	fi
	sleep 0.1
done
# An ELF vmlinux without the PVH note is refused at once: use the bzImage.
if [ "$arch" = x86_64 ] && [ "$status" = 1 ] && [ -z "$booted" ] &&
	grep -qi 'pvh' "$work/qemu.err" &&
	[ -r "$(dirname "$kernel")/bzImage" ]; then
	vhd_log "QEMU refused $kernel, retrying with bzImage"
	t0=$(date +%s%N)
	status=
	run_qemu "$(dirname "$kernel")/bzImage"
	wait "$qemu_pid" && status=0 || status=$?
	qemu_pid=
fi
total=$(( ($(date +%s%N) - t0) / 1000000 ))
rc=$(marker_rc)

if [ -s "$work/qemu.err" ]; then
	sed 's/^/qemu: /' "$work/qemu.err" >&2
fi
# A guest faster than one poll interval: at most the total.
if [ -z "$booted" ] && grep -q '^VHD-GUEST-START' "$log"; then
	booted=$total
fi
if [ -n "$booted" ]; then
	secs() { printf '%d.%03ds' $(($1 / 1000)) $(($1 % 1000)); }
	vhd_log "guest reached /init after $(secs "$booted"), total $(secs "$total")"
fi
if [ -z "$status" ]; then
	vhd_log "last console lines before the timeout:"
	tail -n 25 "$log" >&2
	rc=124
elif [ -z "$rc" ]; then
	vhd_log "no VHD-GUEST-EXIT marker (QEMU status $status); last console lines:"
	tail -n 25 "$log" >&2
	rc=125
fi
# Keep QEMU's own complaints next to the console output.
[ ! -s "$work/qemu.err" ] || sed 's/^/qemu: /' "$work/qemu.err" >>"$log"
# A failing guest with a temporary log: show the console before it goes.
if [ "$keep_log" = 0 ] && [ "$rc" != 0 ] && [ "$verbose" = 0 ]; then
	vhd_log "console:"
	cat "$log" >&2
fi
exit "$rc"
