# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=bash
#
# Start, watch and stop our backend applications for guest tests and the
# demo. Sourced by bash scripts (set -euo pipefail expected):
#
#   . scripts/guest/backends.sh
#   vhd_backends_init            # work dir, cleanup trap
#   vhd_backend_start rng0 rng -m 1024 -p 1000
#   run-guest.sh --dev rng:"$(vhd_backend_sock rng0)" ...
#   vhd_telemetry rng0 /vhost_device/list
#   vhd_backend_stop rng0
#
# Every backend runs with EAL args `--no-huge -m 256 --no-pci --no-shconf
# -l <lcores> --file-prefix <unique>` then `--` then `-s SOCK` and the device
# options. The unique file prefix gives each its own telemetry socket.
# Executables: $VHD_APP_<DEVICE> if set (meson passes the built targets),
# else $VHD_BUILD_DIR/app/vhost-device-<dev>/vhost-device-<dev>.
# VHD_KEEP_WORK=1 keeps the work dir (sockets, backend logs, consoles).

VHD_GUEST_DIR=${VHD_GUEST_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
VHD_BUILD_DIR=${VHD_BUILD_DIR:-$(cd "$VHD_GUEST_DIR/../.." && pwd)/build}
VHD_BACKEND_LCORES=${VHD_BACKEND_LCORES:-0}
VHD_WORK=${VHD_WORK:-}
declare -A VHD_BE_PID=() VHD_BE_SOCK=() VHD_BE_PREFIX=() VHD_BE_LOG=() VHD_BE_ARGS=()
VHD_CLEANUP_HOOKS=()

# Directory for sockets and logs, and a trap that stops every backend on any
# way out: a leftover backend would keep its socket and lcore busy.
vhd_backends_init() {
	if [ -z "$VHD_WORK" ]; then
		VHD_WORK=$(mktemp -d /tmp/vhd-backends.XXXXXX)
		VHD_WORK_OWNED=1
	fi
	mkdir -p "$VHD_WORK"
	trap vhd_backends_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

vhd_backends_cleanup() {
	local rc=$? n h
	for h in "${VHD_CLEANUP_HOOKS[@]}"; do "$h" || true; done
	for n in "${!VHD_BE_PID[@]}"; do
		vhd_backend_stop "$n" >/dev/null 2>&1 || true
	done
	# A failing test shows what its backends said (their logs go away with
	# the work dir).
	if [ "$rc" != 0 ]; then
		for n in "${!VHD_BE_LOG[@]}"; do
			[ -s "${VHD_BE_LOG[$n]}" ] || continue
			echo "--- backend $n log (last 40 lines):"
			{ grep -v '^VHOST_CONFIG' "${VHD_BE_LOG[$n]}" || true; } | tail -n 40 |
				sed 's/^/  /'
		done
	fi
	if [ "${VHD_WORK_OWNED:-0}" = 1 ] && [ "${VHD_KEEP_WORK:-0}" = 0 ]; then
		rm -rf "$VHD_WORK"
	fi
	return $rc
}

vhd_app_path() { # DEVICE
	local var=VHD_APP_${1^^}
	var=${var//-/_}
	if [ -n "${!var:-}" ]; then
		echo "${!var}"
	else
		echo "$VHD_BUILD_DIR/app/vhost-device-$1/vhost-device-$1"
	fi
}

vhd_app_exists() { [ -x "$(vhd_app_path "$1")" ]; }

# vhd_backend_start NAME DEVICE [DEVICE-OPTIONS...]
# Starts vhost-device-DEVICE with -s $VHD_WORK/NAME.sock and waits until the
# socket exists; vhd_backend_sock NAME gives its actual path. Returns
# non-zero, with the backend's log on
# stderr, if it exits or never creates the socket.
vhd_backend_start() {
	local name=$1 dev=$2
	shift 2
	local exe sock prefix log
	exe=$(vhd_app_path "$dev")
	[ -x "$exe" ] || { echo "backends: no executable $exe" >&2; return 1; }
	sock=$VHD_WORK/$name.sock
	prefix=vhd-$name-$$
	log=$VHD_WORK/$name.log
	rm -f "$sock" "${sock}0"
	VHD_BE_SOCK[$name]=$sock
	VHD_BE_PREFIX[$name]=$prefix
	VHD_BE_LOG[$name]=$log
	VHD_BE_ARGS[$name]="$dev $*"
	"$exe" --no-huge -m 256 --no-pci --no-shconf -l "$VHD_BACKEND_LCORES" \
		--file-prefix "$prefix" -- -s "$sock" "$@" </dev/null >>"$log" 2>&1 &
	VHD_BE_PID[$name]=$!
	echo "backends: started $name: ${exe##*/} ... -- -s $sock $* (pid ${VHD_BE_PID[$name]})" >&2
	for _ in $(seq 1 150); do
		# Like upstream, apps suffix the socket index to the path (PATH0
		# for the first); accept a bare PATH too.
		if [ -S "${sock}0" ]; then
			VHD_BE_SOCK[$name]=${sock}0
			return 0
		fi
		[ -S "$sock" ] && return 0
		if ! kill -0 "${VHD_BE_PID[$name]}" 2>/dev/null; then
			wait "${VHD_BE_PID[$name]}" 2>/dev/null || true
			echo "backends: $name exited before creating $sock; its log:" >&2
			sed 's/^/  /' "$log" >&2
			unset "VHD_BE_PID[$name]"
			return 1
		fi
		sleep 0.1
	done
	echo "backends: $name did not create $sock within 15 s; its log:" >&2
	sed 's/^/  /' "$log" >&2
	return 1
}

# vhd_backend_start_client NAME DEVICE [DEVICE-OPTIONS...]
# Like vhd_backend_start but with --client: the backend connects to the
# frontend's socket (run-guest.sh --dev-server) and reconnects when it goes
# away, which is the way a frontend survives a backend restart.
vhd_backend_start_client() {
	local name=$1 dev=$2
	shift 2
	local exe sock prefix log
	exe=$(vhd_app_path "$dev")
	[ -x "$exe" ] || { echo "backends: no executable $exe" >&2; return 1; }
	sock=$VHD_WORK/$name.sock
	prefix=vhd-$name-$$
	log=$VHD_WORK/$name.log
	# The app appends the socket index: it connects to NAME.sock0.
	VHD_BE_SOCK[$name]=${sock}0
	VHD_BE_PREFIX[$name]=$prefix
	VHD_BE_LOG[$name]=$log
	VHD_BE_ARGS[$name]="$dev --client $*"
	"$exe" --no-huge -m 256 --no-pci --no-shconf -l "$VHD_BACKEND_LCORES" \
		--file-prefix "$prefix" -- --client -s "$sock" "$@" </dev/null >>"$log" 2>&1 &
	VHD_BE_PID[$name]=$!
	echo "backends: started $name: ${exe##*/} ... -- --client -s $sock $*" \
		"(pid ${VHD_BE_PID[$name]})" >&2
	sleep 0.5
	if ! kill -0 "${VHD_BE_PID[$name]}" 2>/dev/null; then
		wait "${VHD_BE_PID[$name]}" 2>/dev/null || true
		unset "VHD_BE_PID[$name]"
		echo "backends: $name exited at once; its log:" >&2
		sed 's/^/  /' "$log" >&2
		return 1
	fi
}

vhd_backend_sock() { echo "${VHD_BE_SOCK[$1]}"; }
vhd_backend_log() { echo "${VHD_BE_LOG[$1]}"; }
vhd_backend_prefix() { echo "${VHD_BE_PREFIX[$1]}"; }
vhd_backend_pid() { echo "${VHD_BE_PID[$1]:-}"; }
vhd_backend_alive() { [ -n "${VHD_BE_PID[$1]:-}" ] && kill -0 "${VHD_BE_PID[$1]}" 2>/dev/null; }

# vhd_backend_stop NAME: SIGTERM (the apps stop cleanly on it), SIGKILL after
# 5 s. Returns the backend's exit status; removes its socket either way.
vhd_backend_stop() {
	local name=$1 pid rc=0
	pid=${VHD_BE_PID[$name]:-}
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "backends: $name ignored SIGTERM for 5 s, killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || rc=$?
		unset "VHD_BE_PID[$name]"
	fi
	# A client's socket belongs to the frontend listening on it.
	case ${VHD_BE_ARGS[$name]:-} in
	*" --client"*) ;;
	*) rm -f "${VHD_BE_SOCK[$name]:-}" ;;
	esac
	# DPDK leaves its runtime dir (telemetry socket) behind; the prefix is
	# ours alone, so remove it.
	[ -z "${VHD_BE_PREFIX[$name]:-}" ] || rm -rf "/var/run/dpdk/${VHD_BE_PREFIX[$name]}"
	return $rc
}

# vhd_telemetry NAME COMMAND...: one JSON line per command.
vhd_telemetry() {
	local name=$1
	shift
	python3 "$VHD_GUEST_DIR/telemetry.py" --prefix "${VHD_BE_PREFIX[$name]}" "$@"
}

# vhd_telemetry_field NAME FIELD COMMAND: one top-level field of the reply,
# e.g. vhd_telemetry_field rng0 bytes_wr /vhost_device/stats,0
vhd_telemetry_field() {
	python3 "$VHD_GUEST_DIR/telemetry.py" --prefix "${VHD_BE_PREFIX[$1]}" --field "$2" "$3"
}

# vhd_sim_ctl PATH COMMAND...: send text commands (one per argument) to a
# simulated device's control socket (vhost-device-gpio --sim-control) and
# print one reply line per command.
vhd_sim_ctl() {
	python3 - "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
f = s.makefile("rw")
for cmd in sys.argv[2:]:
    f.write(cmd + "\n")
    f.flush()
    print(f.readline().rstrip("\n"))
s.close()
PY
}
