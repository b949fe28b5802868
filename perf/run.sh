#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Compare a backend (rng by default) in poll, interrupt and hybrid modes
# against the hardware floor of the same two cores, in one run. See perf/README.md.
#
#   perf/run.sh [-b BUILD_DIR] [-o OUT_DIR] [-t SECONDS] [--idle SECONDS]
#               [--backend-cpu N] [--tool-cpu N] [--hugepages N] [--no-build]
#               [--modes "poll interrupt hybrid"] [--device NAME] [--install-gnuplot]
#               [--uring]   (rng: also a file source read with read() and with --io-uring)
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build-perf
out=
secs=3
idle=3
be_cpu=0
tool_cpu=1
huge_pages=256
do_build=1
modes="poll interrupt hybrid"
install_gnuplot=0
dev=rng
uring=0

usage() {
	sed -n '5,11p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}

while [ $# -gt 0 ]; do
	case $1 in
	-b) build=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	-t) secs=$2; shift 2 ;;
	--idle) idle=$2; shift 2 ;;
	--backend-cpu) be_cpu=$2; shift 2 ;;
	--tool-cpu) tool_cpu=$2; shift 2 ;;
	--hugepages) huge_pages=$2; shift 2 ;;
	--no-build) do_build=0; shift ;;
	--modes) modes=$2; shift 2 ;;
	--install-gnuplot) install_gnuplot=1; shift ;;
	--device) dev=$2; shift 2 ;;
	--uring) uring=1; shift ;;
	-h|--help) usage 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage 1 >&2 ;;
	esac
done

[ -n "$out" ] || out=$src/perf/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
perf=$build/perf/vhd-perf
app=$build/app/vhost-device-$dev/vhost-device-$dev
# Per device: backend options (simulated hardware) and the request generator.
case $dev in
rng) dev_opts=(); gen=(-d rng) ;;
gpio) dev_opts=(-l s8); gen=(-d gpio --op get --target 1) ;;
i2c) dev_opts=(-l sim0:0x20 --sim-client 0x20=regs); gen=(-d i2c --target 0x20) ;;
can) dev_opts=(-d sim:perf); gen=(-d can -b 8 --target 0x123) ;;
spi) dev_opts=(-l sim:loopback); gen=(-d spi --target 0) ;;
rtc) dev_opts=(); gen=(-d rtc --target 0) ;; # READ of CLOCK_REALTIME, beside clock_gettime
*) echo "run.sh: unknown --device (rng gpio i2c can spi rtc console input template ...)" >&2; exit 1 ;;
esac
log() { echo "== $*" >&2; }

# --- build -----------------------------------------------------------------
if [ "$do_build" = 1 ]; then
	[ -f "$build/build.ninja" ] || meson setup "$build" "$src" >/dev/null
	ninja -C "$build" perf/vhd-perf "app/vhost-device-$dev/vhost-device-$dev" >/dev/null
fi
if [ ! -x "$perf" ] || [ ! -x "$app" ]; then
	echo "run.sh: $perf or $app missing" >&2
	exit 1
fi

# --- hugepages: reserve and mount privately when we may, else --no-huge ------
huge_dir=
orig_huge=
bepid=
sock_dir=
prefix=vhdperf$$
# EAL keeps a runtime directory per --file-prefix; ours goes when we do.
if [ "$(id -u)" = 0 ]; then rtdir=/var/run/dpdk; else rtdir=${XDG_RUNTIME_DIR:-/tmp}/dpdk; fi
cleanup() {
	if [ -n "$bepid" ]; then
		kill -TERM "$bepid" 2>/dev/null || true
		wait "$bepid" 2>/dev/null || true
	fi
	if [ -n "$huge_dir" ]; then
		umount "$huge_dir" 2>/dev/null || true
		rmdir "$huge_dir" 2>/dev/null || true
	fi
	if [ -n "$orig_huge" ]; then
		echo "$orig_huge" >/proc/sys/vm/nr_hugepages 2>/dev/null || true
	fi
	[ -z "$sock_dir" ] || rm -rf "$sock_dir"
	rm -rf "${rtdir:?}/$prefix"
}
trap cleanup EXIT

# The backend gets 256 MB either way, so the two set-ups differ only in page size.
eal_mem=(--no-huge -m 256)
mem_note="no hugepages: --no-huge -m 256"
if [ "$huge_pages" -gt 0 ] && [ -w /proc/sys/vm/nr_hugepages ]; then
	cur=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$cur" -lt "$huge_pages" ] && echo "$huge_pages" >/proc/sys/vm/nr_hugepages 2>/dev/null; then
		orig_huge=$cur
	fi
	free_pages=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
	page_kb=$(awk '/^Hugepagesize/ {print $2}' /proc/meminfo)
	need=$(( 256 * 1024 / page_kb ))
	d=$(mktemp -d /tmp/vhd-perf-huge.XXXXXX)
	if [ "$free_pages" -ge "$need" ] && mount -t hugetlbfs nodev "$d" 2>/dev/null; then
		huge_dir=$d
		eal_mem=(-m 256 --huge-dir "$huge_dir")
		mem_note="hugepages: $free_pages free pages of $page_kb kB, -m 256 --huge-dir"
	else
		rmdir "$d"
	fi
fi
log "memory: $mem_note"

sock_dir=$(mktemp -d /tmp/vhd-perf-sock.XXXXXX)
results=$out/results.tsv
rm -f "$results" "$out/source.tsv"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# Sets bepid and sock (not a $(...) subshell: bepid must stay in this shell).
start_backend() { # mode [device options...]
	local mode=$1 base=$sock_dir/$dev-$1.sock
	shift
	rm -f "$base" "${base}0"
	"$app" -l "$be_cpu" "${eal_mem[@]}" --no-pci --file-prefix "$prefix" \
		-- -s "$base" --mode "$mode" "${dev_opts[@]}" "$@" >>"$out/backend-$mode.log" 2>&1 &
	bepid=$!
	for _ in $(seq 150); do
		if [ -S "${base}0" ]; then sock=${base}0; return 0; fi
		if [ -S "$base" ]; then sock=$base; return 0; fi
		kill -0 "$bepid" 2>/dev/null || break
		sleep 0.1
	done
	echo "run.sh: backend in --mode $mode did not create its socket, see" \
		"$out/backend-$mode.log" >&2
	return 1
}

stop_backend() {
	kill -TERM "$bepid" 2>/dev/null || true
	wait "$bepid" 2>/dev/null || true
	bepid=
}

# --- the floor, with nothing else of ours running on the two cores ------------
# Measured here, after the runs, and again right before each run: on a VM the
# host may move our vCPUs, and the floor with them (we saw the ping-pong p50 go
# from 130 to 400 ns and back within minutes), so each run is compared with the
# floor measured just before it.
floor() { # json-file
	taskset -c "$tool_cpu" "$perf" --floor-only -c "$tool_cpu" -p "$be_cpu" --json "$1"
}
p50_of() { sed -nE 's/.*"floor_pingpong".*"p50_ns": ([0-9]+).*/\1/p' "$1"; }
log "floor: cpu $tool_cpu <-> cpu $be_cpu"
floor "$out/floor.json" | tee "$out/floor.txt"
best_pp=$(p50_of "$out/floor.json")
# Before a run: wait (up to 5 tries, 1 s apart) while the floor is more than
# 1.5x the best seen, i.e. while the host keeps our two vCPUs far apart.
# Only the machine's state is chosen this way, never a run's result.
settle_floor() { # json-file
	local try p
	for try in 1 2 3 4 5; do
		floor "$1" >/dev/null
		p=$(p50_of "$1")
		[ "$p" -lt "$best_pp" ] && best_pp=$p
		[ $((p * 2)) -le $((best_pp * 3)) ] && return 0
		log "floor p50 $p ns > 1.5x best $best_pp ns (try $try), waiting"
		sleep 1
	done
}

# --- the random source alone --------------------------------------------------
for s in /dev/urandom:64 /dev/urandom:4096 /dev/zero:64; do
	log "source: ${s%%:*} read() of ${s#*:} B"
	taskset -c "$tool_cpu" "$perf" --source-only --source "${s%%:*}" -b "${s#*:}" \
		--source-seconds 1 --no-floor --quiet --label "${s%%:*}" \
		--json "$out/source-$(echo "${s##*/}" | tr : -).json" --tsv "$out/source.tsv"
done

# --- each mode: latency (both tool styles), throughput, idle CPU --------------
# name | vhd-perf arguments | backend device options. lat64-zero reads /dev/zero
# instead of /dev/urandom: the same path minus most of the source's cost.
if [ "$dev" = rng ]; then
	runs=(
		"lat64-poll|-b 64 -q 1 -S poll --idle $idle|"
		"lat64-notify|-b 64 -q 1 -S notify|"
		"lat64-zero|-b 64 -q 1 -S poll|-f /dev/zero"
		"tput4k-poll|-b 4096 -q 32 -S poll --source /dev/urandom --source-seconds 1|"
	)
else
	runs=(
		"lat-poll|-q 1 -S poll --idle $idle|"
		"lat-notify|-q 1 -S notify|"
	)
fi
# spi: 1-byte (above) and 4 KiB full-duplex transfers on sim:loopback.
if [ "$dev" = spi ]; then
	runs+=(
		"lat4k-poll|-b 4096 -q 1 -S poll|"
		"lat4k-notify|-b 4096 -q 1 -S notify|"
	)
fi
# rng --uring: 4 KiB requests from a 64 MiB file (page cache), read() on the
# worker against a READV through the worker's io_uring, at qd 1 and qd 32.
if [ "$dev" = rng ] && [ "$uring" = 1 ]; then
	rfile=$sock_dir/random.bin
	head -c $((64 << 20)) /dev/urandom >"$rfile"
	runs+=(
		"file4k-read|-b 4096 -q 1 -S poll|-f $rfile"
		"file4k-uring|-b 4096 -q 1 -S poll|-f $rfile --io-uring"
		"file4k-read-q32|-b 4096 -q 32 -S poll|-f $rfile"
		"file4k-uring-q32|-b 4096 -q 32 -S poll|-f $rfile --io-uring"
	)
fi
# gpio: interrupt latency, edge on the simulated chip's line 2 (driven through
# its control socket) to the eventq used buffer, 1 ms apart (--irq-gap-us).
if [ "$dev" = gpio ]; then
	ctl=$sock_dir/gpio.ctl
	runs+=(
		"irq-poll|-S poll -w 50 --irq 2 --sim-control ${ctl}0|--sim-control $ctl"
		"irq-notify|-S notify -w 50 --irq 2 --sim-control ${ctl}0|--sim-control $ctl"
	)
fi
for mode in $modes; do
	for r in "${runs[@]}"; do
		IFS='|' read -r name args be_args <<<"$r"
		log "$mode: $name"
		settle_floor "$out/floor-$mode-$name.json"
		# shellcheck disable=SC2086 # be_args is a list on purpose
		start_backend "$mode" $be_args
		# shellcheck disable=SC2086 # args is a list on purpose
		taskset -c "$tool_cpu" "$perf" -s "$sock" -c "$tool_cpu" \
			--floor-file "$out/floor-$mode-$name.json" -t "$secs" -w 2000 --backend-pid "$bepid" \
			--label "$mode/$name" "${gen[@]}" $args --json "$out/$mode-$name.json" \
			--tsv "$results" | tee "$out/$mode-$name.txt"
		stop_backend
	done
done

# The floor again: if it moved, something else shared the cores meanwhile.
log "floor again, after the runs"
floor "$out/floor-after.json" | tee "$out/floor-after.txt"

# --- one comparison table -----------------------------------------------------
{
	echo "# vhost-device-$dev: poll vs interrupt vs hybrid ($(date -u +%FT%TZ), $(nproc) CPUs," \
		"backend cpu $be_cpu, tool cpu $tool_cpu, $mem_note)"
	echo "# load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)" \
		"(anything above ~0.1 means other work shared the cores)"
	re='^ *"floor_(\w+)": \{.*"p50_ns": ([0-9]+), "p90_ns": [0-9]+, "p99_ns": ([0-9]+)'
	re=$re', "p999_ns": ([0-9]+).*'
	for f in floor floor-after; do
		grep -E '"floor_(pingpong|eventfd)"' "$out/$f.json" |
			sed -E "s/$re/# $f \\1: p50 \\2 ns, p99 \\3 ns, p99.9 \\4 ns/"
	done
	awk -F'\t' 'NR > 1 {printf "# %s read() of %s B: %s MB/s, p50 %s ns per read\n", $1,
		$5, $21, $22}' \
		"$out/source.tsv"
	echo
	echo "# xPP/xEFD: ratio to the ping-pong/eventfd floor measured right before the run;"
	echo "# ppP50/efdP50: that floor's p50 (ns)"
	awk -F'\t' 'BEGIN {OFS="\t"; print "run", "style", "qd", "size", "req/s", "MB/s", "p50ns",
			"p99ns", "p99.9ns", "maxns", "ppP50", "xPP50", "xPP99", "efdP50", "xEFD50",
			"xEFD99", "beCPU%", "beIdle%", "srcMB/s", "kicks/req"}
		NR > 1 {print $1, $3, $4, $5, $6, $7, $8, $10, $11, $12, $23, $13, $14, $25, $15,
			$16, $19, $20, $21, ($32 > 0 ? sprintf("%.4f", $33 / $32) : "-")}' "$results" |
		column -t -s $'\t'
	# gpio IRQ runs: the path's own floor, a control-socket "get" in the same run.
	awk -F'\t' '$2 == "gpio-irq" {if (!h++) print "\n# irq: edge -> eventq used" \
		" buffer vs the control-socket get round trip (path floor), same run"
		printf "# %s: p50 %s ns, p99 %s ns; get p50 %s ns, p99 %s ns; x get p50 %s," \
			" p99 %s\n", $1, $8, $10, $28, $29, $30, $31}' "$results"
} | tee "$out/summary.txt"

# --- the targets, judged from the same numbers --------------------------------
row() { awk -F'\t' -v k="$1" '$1 == k' "$results"; }
col() { echo "$1" | cut -f"$2"; }
# The least flattering floor: the lowest p50/p99 any floor measurement of this run saw.
floor_min() { # pingpong|eventfd p50|p99
	cat "$out"/floor*.json | sed -nE 's/.*"floor_'"$1"'".*"'"$2"'_ns": ([0-9]+).*/\1/p' |
		sort -n | head -1
}
pp50=$(floor_min pingpong p50)
pp99=$(floor_min pingpong p99)
{
	echo
	echo "# targets, against the ping-pong floor measured just before each run"
	echo "# (lowest floor of the whole run: p50 $pp50 ns, p99 $pp99 ns)"
	lat=lat64-poll
	[ "$dev" = rng ] || lat="lat-poll"
	p=$(row "poll/$lat")
	if [ -n "$p" ]; then
		awk -v a="$(col "$p" 8)" -v b="$(col "$p" 10)" -v f="$(col "$p" 23)" \
			-v g="$(col "$p" 24)" -v lo="$pp50" -v d="$dev" -v s="$(col "$p" 5)" 'BEGIN {
			printf "%s poll, %s B, qd 1: p50 %d ns = %.2fx floor %d ns (target <= 3x: %s), ",
				d, s, a, a / f, f, a / f <= 3 ? "met" : "NOT met"
			printf "p99 %d ns = %.2fx floor %d ns (target <= 10x: %s); ", b, b / g, g,
				b / g <= 10 ? "met" : "NOT met"
			printf "p50 %.2fx the lowest floor%s\n", a / lo,
				(f > 1.5 * lo ? " (cores far apart during this run: re-run)" : "") }'
	fi
	z=$(row "poll/lat64-zero")
	if [ -n "$z" ]; then
		zs=$(awk -F'\t' '$1 == "/dev/zero" {print $22}' "$out/source.tsv")
		us=$(awk -F'\t' '$1 == "/dev/urandom" && $5 == 64 {print $22}' "$out/source.tsv")
		awk -v z="$(col "$z" 8)" -v f="$(col "$z" 23)" -v zs="$zs" -v us="$us" 'BEGIN {
			printf "rng poll, 64 B from /dev/zero: p50 %d ns = %.2fx floor %d ns; a 64 B" \
				" read() costs %d ns from /dev/zero, %d ns from /dev/urandom, once per" \
				" request\n", z, z / f, f, zs, us }'
	fi
	i=$(row "interrupt/$lat")
	[ -z "$i" ] || echo "interrupt: backend CPU while idle $(col "$i" 20)% of one CPU (target: near 0)"
	# Back to back: the guest posts its next request as soon as it sees the last one
	# complete (poll style); a sleeping worker would pay a cross-core wake-up each time.
	if [ -n "$i" ] && [ -n "$p" ]; then
		awk -v a="$(col "$i" 8)" -v b="$(col "$p" 8)" -v r="$(col "$i" 32)" \
			-v k="$(col "$i" 33)" 'BEGIN {
			printf "interrupt back-to-back (poll style): p50 %d ns = %.2fx the poll mode p50 %d ns" \
				" (target <= 2x: %s), %d kicks for %d requests = %.4f per request" \
				" (target far below 1: %s)\n", a, a / b, b, (a / b <= 2 ? "met" : "NOT met"),
				k, r, (r > 0 ? k / r : 0), (r > 0 && k / r <= 0.05 ? "met" : "NOT met") }'
	fi
	n=$(row "interrupt/${lat%-poll}-notify")
	[ -z "$n" ] || echo "interrupt notify style: p50 $(col "$n" 8) ns, p99 $(col "$n" 10) ns," \
		"$(col "$n" 33) kicks for $(col "$n" 32) requests (compare with the table before the" \
		"change in perf/README.md)"
	h=$(row "hybrid/$lat")
	if [ -n "$h" ] && [ -n "$p" ] && [ -n "$i" ]; then
		echo "hybrid: p50 $(col "$h" 8) ns, p99 $(col "$h" 10) ns vs poll $(col "$p" 8) ns," \
			"$(col "$p" 10) ns under load; idle CPU $(col "$h" 20)% vs interrupt" \
			"$(col "$i" 20)% and poll $(col "$p" 20)%"
	fi
	for m in $modes; do
		t=$(row "$m/tput4k-poll")
		[ -z "$t" ] || echo "$m: 4 KiB qd 32: $(col "$t" 7) MB/s with $(col "$t" 19)% of a CPU" \
			"= $(col "$t" 26) MB per backend CPU-second; raw /dev/urandom read() in the" \
			"same invocation: $(col "$t" 21) MB/s = $(col "$t" 27) MB per CPU-second"
	done
} | tee -a "$out/summary.txt"

# --- plot -----------------------------------------------------------------------
if ! command -v gnuplot >/dev/null && [ "$install_gnuplot" = 1 ]; then
	apt-get install -y gnuplot-nox >/dev/null || true
fi
if command -v gnuplot >/dev/null; then
	awk -F'\t' 'NR > 1 && $1 ~ /\/lat/ {print $1, $8, $10, $11, $23, $25}' "$results" \
		>"$out/lat.dat"
	awk -F'\t' 'NR > 1 && $1 ~ /\/lat(64)?-poll$/ {split($1, a, "/"); print a[1], $19, $20}' \
		"$results" >"$out/cpu.dat"
	gnuplot -e "datadir='$out'; dev='$dev'" "$src/perf/plot.gp" &&
		log "plot: $out/perf.png"
else
	log "no gnuplot: no plot (perf/run.sh --install-gnuplot, or apt-get install gnuplot-nox)"
fi
log "results in $out"
