# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of rng.sh, run by dash in the test guest. VHD_RNG_CASE selects:
#   plain      our backend feeds /dev/hwrng: right device, varied data, rate
#   ratelimit  backend started with -m 1024 -p 1000: 4 KiB takes > 2 s
#   reconnect  read, ask the host to restart the backend, read again
#   killloop   a reader loops on /dev/hwrng while the host kills the backend
#              with SIGKILL and starts it again: it pauses, then goes on,
#              every read complete and none failing
. /lib/vhd/guest-lib.sh

case_=${VHD_RNG_CASE:-plain}
vhd_say "rng case: $case_"

cur=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)
vhd_say "rng_available: $(cat /sys/class/misc/hw_random/rng_available 2>/dev/null)"
# The virtio-rng instance is named after its virtio device index.
case $cur in
virtio_rng.*) vhd_pass "hw_random current source is $cur" ;;
*) vhd_fail "hw_random current source is '$cur', not virtio_rng"; vhd_done ;;
esac
vhd_check "/dev/hwrng is a character device" test -c /dev/hwrng

# distinct_bytes FILE: how many of the 256 byte values occur in FILE.
distinct_bytes() { od -An -v -tu1 "$1" | tr -s ' ' '\n' | grep -v '^$' | sort -un | wc -l; }

# read_timed BYTES FILE: read BYTES from /dev/hwrng, print milliseconds taken.
read_timed() {
	_t0=$(vhd_ms)
	head -c "$1" /dev/hwrng >"$2"
	_t1=$(vhd_ms)
	echo $((_t1 - _t0))
}

case $case_ in
plain)
	ms=$(read_timed 4096 /tmp/a)
	size=$(wc -c </tmp/a)
	vhd_eq "read 4096 bytes from /dev/hwrng" 4096 "$size"
	n=$(distinct_bytes /tmp/a)
	# 4096 random bytes hit all 256 values with overwhelming probability; a
	# constant or short-period source hits few.
	if [ "$n" -ge 200 ]; then vhd_pass "data varied: $n distinct byte values in 4 KiB"
	else vhd_fail "data not random: only $n distinct byte values in 4 KiB"; fi
	head -c 4096 /dev/hwrng >/tmp/b
	if cmp -s /tmp/a /tmp/b; then vhd_fail "two reads returned the same data"
	else vhd_pass "two reads differ"; fi
	# Throughput as the guest sees it, for the log (never asserted).
	bytes=${VHD_RNG_BYTES:-262144}
	ms=$(read_timed "$bytes" /tmp/c)
	got=$(wc -c </tmp/c)
	[ "$ms" -gt 0 ] || ms=1
	vhd_say "throughput: $got bytes in $ms ms = $((got * 1000 / ms / 1024)) KiB/s"
	vhd_eq "bulk read size" "$bytes" "$got"
	;;
ratelimit)
	# 1 KiB per second: the first KiB may come at once, then about one per
	# second, so 4 KiB needs about 3 s; anything over 2 s shows the limit.
	ms=$(read_timed 4096 /tmp/a)
	got=$(wc -c </tmp/a)
	vhd_eq "read 4096 bytes under the rate limit" 4096 "$got"
	vhd_say "4096 bytes took $ms ms at 1 KiB/s"
	if [ "$ms" -gt 2000 ]; then vhd_pass "rate limit seen: 4 KiB took $ms ms (> 2000)"
	else vhd_fail "rate limit not seen: 4 KiB took only $ms ms"; fi
	n=$(distinct_bytes /tmp/a)
	if [ "$n" -ge 200 ]; then vhd_pass "rate-limited data varied ($n distinct values)"
	else vhd_fail "rate-limited data not random ($n distinct values)"; fi
	;;
reconnect)
	head -c 1024 /dev/hwrng >/tmp/a
	vhd_eq "read before the restart" 1024 "$(wc -c </tmp/a)"
	echo "VHD-RNG-RESTART-BACKEND"
	# The host answers on the console only via timing: wait for it to stop
	# and restart the backend, then read again. A dead device leaves the
	# read blocked for good; only SIGKILL ends it (wait_for_completion_killable).
	sleep "${VHD_RNG_RESTART_WAIT:-8}"
	timeout -s KILL 8 head -c 1024 /dev/hwrng >/tmp/b
	got=$(wc -c </tmp/b)
	echo "VHD-RNG-AFTER-RESTART bytes=$got"
	if [ "$got" = 1024 ] && ! cmp -s /tmp/a /tmp/b; then
		vhd_pass "read after backend restart ($got bytes)"
	else
		# Reported, not failed: whether the frontend reconnects is QEMU's
		# business; rng.sh records the outcome in its log.
		vhd_skip "no data after backend restart ($got bytes)"
	fi
	;;
killloop)
	: >/tmp/run
	echo 0 >/tmp/loop.n
	(
		n=0
		while [ -e /tmp/run ]; do
			if head -c 64 /dev/hwrng >/tmp/chunk && [ "$(wc -c </tmp/chunk)" = 64 ]; then
				n=$((n + 1))
				echo "$n" >/tmp/loop.n
			else
				echo "read $((n + 1)) failed" >>/tmp/loop.err
			fi
		done
	) &
	reader=$!
	sleep 2
	n0=$(cat /tmp/loop.n)
	vhd_say "reads before the kill: $n0"
	echo "VHD-RNG-KILL-BACKEND"
	# The host kills the backend at once and starts it again after a while;
	# the reader blocks meanwhile. Wait for it to move on.
	sleep "${VHD_RNG_RESTART_WAIT:-4}"
	n1=$(cat /tmp/loop.n)
	i=0
	while [ "$i" -lt 30 ] && [ "$(cat /tmp/loop.n)" -le $((n1 + 10)) ]; do
		sleep 1
		i=$((i + 1))
	done
	n2=$(cat /tmp/loop.n)
	rm -f /tmp/run
	# A dead device would leave the reader blocked: SIGKILL is what ends it.
	sleep 1
	kill -KILL "$reader" 2>/dev/null
	echo "VHD-RNG-AFTER-KILL reads=$n2 before=$n0 at-restart=$n1"
	if [ "$n2" -gt $((n1 + 10)) ]; then
		vhd_pass "reader went on after the backend's kill and restart ($n0 -> $n1 -> $n2 reads)"
	else
		vhd_fail "reader stuck after the backend's kill and restart ($n0 -> $n1 -> $n2 reads)"
	fi
	if [ -s /tmp/loop.err ]; then
		vhd_fail "reads failed: $(head -n 3 /tmp/loop.err)"
	else
		vhd_pass "no read failed across the kill"
	fi
	;;
*)
	vhd_fail "unknown VHD_RNG_CASE '$case_'"
	;;
esac
vhd_done
