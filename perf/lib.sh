# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=bash
#
# What the perf/*.sh runs share: their options, the build they use, an
# output folder and a socket folder, one backend at a time stopped on exit.
#
#   . "$(dirname "$0")/lib.sh"
#   perf_args COUNT_OPT DEFAULT "$@"   # -b BUILD -o OUT COUNT_OPT N --backend-cpu N --tool-cpu N
#   perf_prepare APP NAME              # $perf, $app, $out, $sock_dir; cleanup on exit
#   perf_backend ARGS...               # start "$app" ARGS in the background ($bepid)
#   stop_backend

perf_src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$perf_src/build out='' count='' be_cpu=0 tool_cpu=1 bepid=

# perf_args COUNT_OPT DEFAULT ARGS...: the options every run takes; COUNT_OPT
# (-n, -t) sets $count. -h prints the calling script's header comment.
perf_args() {
	local copt=$1 me
	me=$(basename "$0")
	count=$2
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		-b) build=$2; shift 2 ;;
		-o) out=$2; shift 2 ;;
		"$copt") count=$2; shift 2 ;;
		--backend-cpu) be_cpu=$2; shift 2 ;;
		--tool-cpu) tool_cpu=$2; shift 2 ;;
		-h|--help) sed -n '4,/^[^#]/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
		*) echo "$me: unknown option $1" >&2; exit 2 ;;
		esac
	done
}

# perf_prepare APP NAME: vhd-perf and vhost-device-APP of the build, the
# output folder (default /tmp/vhd-NAME.XXXXXX) and a socket folder.
perf_prepare() {
	perf=$build/perf/vhd-perf
	app=$build/app/vhost-device-$1/vhost-device-$1
	if [ ! -x "$perf" ] || [ ! -x "$app" ]; then
		echo "build $build first (ninja -C $build)" >&2
		exit 2
	fi
	out=${out:-$(mktemp -d "/tmp/vhd-$2.XXXXXX")}
	mkdir -p "$out"
	sock_dir=$(mktemp -d "/tmp/vhd-$2-sock.XXXXXX")
	trap perf_cleanup EXIT
}

perf_backend() {
	"$app" "$@" &
	bepid=$!
}

stop_backend() {
	[ -z "$bepid" ] || { kill -TERM "$bepid" 2>/dev/null; wait "$bepid" 2>/dev/null; } || true
	bepid=
}

perf_cleanup() {
	stop_backend
	rm -rf "$sock_dir"
}

# wait_sock PATH: up to 10 s for the backend's socket.
wait_sock() {
	local _i
	for _i in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.1; done
	return 1
}
