# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of input.sh, run by dash in the test guest with evtest. Four
# virtio-input devices: sim-keyboard, sim-mouse, sim-tablet, sim-touch. The
# host types on their control sockets when it sees VHD-INPUT-TYPE, sends a
# 1000-event burst on VHD-INPUT-BURST and reads the keyboard's LEDs on
# VHD-INPUT-LED.
. /lib/vhd/guest-lib.sh
PATH=/usr/bin:/usr/sbin:$PATH

# node NAME: /dev/input/eventN of the device called NAME.
node() {
	for d in /sys/class/input/event*; do
		[ "$(cat "$d/device/name")" = "$1" ] && echo "/dev/input/${d##*/}"
	done
}
sysattr() { # NAME FILE
	for d in /sys/class/input/event*; do
		[ "$(cat "$d/device/name")" = "$1" ] && cat "$d/device/$2"
	done
}

# info NODE OUT: evtest's description of NODE (it runs until told to stop).
info() {
	evtest "$1" >"$2" 2>&1 &
	p=$!
	sleep 1
	kill -TERM $p
	wait $p
}

# abs_field FILE CODE FIELD: e.g. abs_field /tmp/i 0 Max
abs_field() {
	sed -n "/Event code $2 (ABS_/,/Event code/p" "$1" | awk -v f="$3" '$1 == f { print $2; exit }'
}

# events FILE: events evtest printed, as TYPE/CODE/VALUE words, SYN for SYN_REPORT.
events() {
	_ev='^Event: time [0-9.]*, type \([0-9]*\) ([A-Z_]*), code \([0-9]*\) ([A-Z_0-9]*)'
	sed -n -e 's/^Event: time [0-9.]*, -* SYN_REPORT -*$/SYN/p' \
		-e "s/$_ev, value \\(-*[0-9]*\\)\$/\\1\\/\\2\\/\\3/p" \
		"$1" | tr '\n' ' ' | sed 's/ $//'
}

# The guest has input devices of its own (i8042, power button...): count ours.
vhd_eq "our input devices" 4 "$(cat /sys/class/input/event*/device/name | grep -c '^vhost-device-input ')"
kbd=$(node "vhost-device-input sim-keyboard")
mouse=$(node "vhost-device-input sim-mouse")
tab=$(node "vhost-device-input sim-tablet")
touch=$(node "vhost-device-input sim-touch")
vhd_check "keyboard node ($kbd)" test -c "$kbd"
vhd_check "mouse node ($mouse)" test -c "$mouse"
vhd_check "tablet node ($tab)" test -c "$tab"
vhd_check "touch node ($touch)" test -c "$touch"

# --- description
info "$kbd" /tmp/kbd.info
cat /tmp/kbd.info | head -n 12
vhd_eq "keyboard name" 'Input device name: "vhost-device-input sim-keyboard"' \
	"$(grep '^Input device name' /tmp/kbd.info)"
vhd_eq "keyboard ids" "Input device ID: bus 0x6 vendor 0x1af4 product 0x1100 version 0x1" \
	"$(grep '^Input device ID' /tmp/kbd.info)"
vhd_eq "keyboard serial (ID_SERIAL)" vhd-sim-keyboard \
	"$(sysattr "vhost-device-input sim-keyboard" uniq)"
vhd_check "keyboard has KEY_A" grep -q 'Event code 30 (KEY_A)' /tmp/kbd.info
vhd_check "keyboard has EV_LED LED_CAPSL" grep -q 'Event code 1 (LED_CAPSL)' /tmp/kbd.info
# evtest lists EV_REP apart, under "Key repeat handling".
vhd_check "keyboard has EV_REP" grep -q 'Repeat type 20 (EV_REP)' /tmp/kbd.info

info "$mouse" /tmp/mouse.info
vhd_check "mouse has REL_X" grep -q 'Event code 0 (REL_X)' /tmp/mouse.info
vhd_check "mouse has REL_WHEEL" grep -q 'Event code 8 (REL_WHEEL)' /tmp/mouse.info
vhd_check "mouse has BTN_LEFT" grep -q 'Event code 272 (BTN_LEFT)' /tmp/mouse.info
vhd_check "mouse is a pointer (PROP_BITS)" \
	grep -q 'Property type 0 (INPUT_PROP_POINTER)' /tmp/mouse.info

info "$tab" /tmp/tab.info
vhd_eq "tablet ABS_X max (ABS_INFO)" 32767 "$(abs_field /tmp/tab.info 0 Max)"
vhd_eq "tablet ABS_Y max" 32767 "$(abs_field /tmp/tab.info 1 Max)"
vhd_eq "tablet ABS_X resolution" 100 "$(abs_field /tmp/tab.info 0 Resolution)"

info "$touch" /tmp/touch.info
vhd_eq "touch ABS_MT_SLOT max" 9 "$(abs_field /tmp/touch.info 47 Max)"
vhd_eq "touch ABS_MT_POSITION_X max" 4095 "$(abs_field /tmp/touch.info 53 Max)"
vhd_eq "touch ABS_MT_POSITION_X fuzz" 4 "$(abs_field /tmp/touch.info 53 Fuzz)"
vhd_check "touch is direct (PROP_BITS)" \
	grep -q 'Property type 1 (INPUT_PROP_DIRECT)' /tmp/touch.info

# --- events typed on the host, in order, with their SYN_REPORTs
for n in kbd mouse tab touch; do
	eval "evtest \$$n >/tmp/$n.ev 2>&1 &"
	eval "p_$n=\$!"
done
sleep 1
echo "VHD-INPUT-TYPE"
# Wait for the last event of each, at most 20 s.
for _ in $(seq 1 40); do
	[ "$(grep -c SYN_REPORT /tmp/kbd.ev)" -ge 2 ] &&
		[ "$(grep -c SYN_REPORT /tmp/mouse.ev)" -ge 3 ] &&
		[ "$(grep -c SYN_REPORT /tmp/tab.ev)" -ge 1 ] &&
		[ "$(grep -c SYN_REPORT /tmp/touch.ev)" -ge 2 ] && break
	sleep 0.5
done
sleep 0.5
kill -TERM $p_kbd $p_mouse $p_tab $p_touch
wait $p_kbd $p_mouse $p_tab $p_touch
vhd_eq "keyboard events" "1/30/1 SYN 1/30/0 SYN" "$(events /tmp/kbd.ev)"
vhd_eq "mouse events" "2/0/5 2/1/-3 SYN 1/272/1 SYN 1/272/0 SYN" "$(events /tmp/mouse.ev)"
vhd_eq "tablet events" "3/0/1200 3/1/800 SYN" "$(events /tmp/tab.ev)"
vhd_eq "touch events" "3/57/5 3/53/100 3/54/200 1/330/1 3/0/100 3/1/200 SYN 3/57/-1 1/330/0 SYN" \
	"$(events /tmp/touch.ev)"

# --- a burst of 1000 events: whole batches (or a resync), KEY_A released at the end.
# Read raw with cat, not evtest (printing each event under TCG is slower).
# Even so the TCG guest's evdev may overflow its own client buffer while the
# host types faster than cat is scheduled: it says so with SYN_DROPPED, and
# drops whole packets too. Those are Linux's, counted apart; what the device
# delivered is in the host's telemetry (events_out, batches_dropped).
cat "$kbd" >/tmp/burst.raw &
p=$!
sleep 1
echo "VHD-INPUT-BURST"
last=-1
for _ in $(seq 1 60); do
	sleep 0.5
	now=$(wc -c </tmp/burst.raw)
	[ "$now" = "$last" ] && break
	last=$now
done
kill -TERM $p
wait $p
# struct input_event: 8 s16 words of time, type, code, value (2 words).
/bin/busybox od -An -v -td2 -w24 /tmp/burst.raw | awk '
	$9 == 0 && $10 == 0 { print "SYN"; next }
	$9 == 0 && $10 == 3 { print "DROPPED"; next }
	{ lo = $11 < 0 ? $11 + 65536 : $11; print $9 "/" $10 "/" lo + $12 * 65536 }' >/tmp/burst.words
n=$(grep -c '^1/30/' /tmp/burst.words)
echo "burst: $n KEY_A events in $(grep -c '^SYN$' /tmp/burst.words) batches," \
	"$(grep -c '^DROPPED$' /tmp/burst.words) SYN_DROPPED from the guest's evdev"
vhd_check "burst: some events arrived" test "$n" -gt 0
vhd_eq "burst: KEY_A released at the end" 1/30/0 "$(grep '^1/30/' /tmp/burst.words | tail -n 1)"
vhd_eq "burst: ends with SYN_REPORT" SYN "$(tail -n 1 /tmp/burst.words)"
vhd_eq "burst: one event per batch, never two in a row" "" \
	"$(awk '$0 == "DROPPED" { prev = "SYN"; next }
		prev != "SYN" && $0 != "SYN" && NR > 1 { print NR } { prev = $0 }' \
		/tmp/burst.words | head -n 1)"
vhd_eq "burst: nothing garbled" "" \
	"$(grep -v -e '^1/30/[01]$' -e '^SYN$' -e '^DROPPED$' /tmp/burst.words | head -n 1)"
echo "VHD-INPUT-BURST-SEEN $n"

# --- caps lock from the guest: an EV_LED event written to the node
# struct input_event: 16 bytes of time, le16 type 0x11, le16 code 1, le32 value 1.
z='\000\000\000\000\000\000\000\000'
printf "$z$z\\021\\000\\001\\000\\001\\000\\000\\000" >"$kbd"
evtest --query "$kbd" EV_LED LED_CAPSL
vhd_eq "caps lock state in the guest (evtest --query: 10 = on)" 10 "$?"
echo "VHD-INPUT-LED"
sleep 4
vhd_done
