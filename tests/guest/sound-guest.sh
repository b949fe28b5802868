# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of sound.sh, run by dash in the test guest: the virtio-snd card
# is there; aplay of /vhd-test/sine.wav (2 s) to it takes about 2 s (the
# host compares the recording); arecord of 1 s gets the host's WAV source
# (its checksum goes to the console for the host); amixer sees the volume
# control and sets it; a jack unplugged on the host shows in its control.
. /lib/vhd/guest-lib.sh

card=
for c in /proc/asound/card[0-9]*; do
	[ -e "$c/id" ] || continue
	grep -qi virtio "$c/../cards" 2>/dev/null && card=${c#/proc/asound/card}
done
vhd_say "cards: $(cat /proc/asound/cards 2>/dev/null | tr '\n' ' ')"
if [ -z "$card" ]; then
	vhd_fail "no virtio sound card in /proc/asound/cards"
	vhd_done
fi
vhd_pass "virtio sound card $card"
vhd_say "pcm: $(cat /proc/asound/pcm 2>/dev/null | tr '\n' ' ')"

# Playback: 2 s of 48 kHz S16 stereo sine, exactly as the file has it.
t0=$(vhd_ms)
if aplay -q -D "hw:$card,0" /vhd-test/sine.wav 2>/tmp/aplay.err; then
	vhd_pass "aplay of the 2 s sine"
else
	vhd_fail "aplay: $(cat /tmp/aplay.err)"
fi
t1=$(vhd_ms)
ms=$((t1 - t0))
echo "VHD-SND-PLAY-MS $ms"
# real time: not faster than the sample clock; generous above (TCG, a loaded host)
if [ "$ms" -ge 1900 ] && [ "$ms" -le 10000 ]; then
	vhd_pass "aplay of 2 s took $ms ms"
else
	vhd_fail "aplay of 2 s took $ms ms"
fi

# Capture: 1 s of 16 kHz S16 mono from the host's WAV source.
t0=$(vhd_ms)
if arecord -q -D "hw:$card,0" -f S16_LE -r 16000 -c 1 -d 1 /tmp/rec.wav 2>/tmp/arec.err; then
	vhd_pass "arecord of 1 s"
else
	vhd_fail "arecord: $(cat /tmp/arec.err)"
fi
t1=$(vhd_ms)
vhd_say "arecord took $((t1 - t0)) ms"
size=$(wc -c </tmp/rec.wav)
vhd_eq "recording size (44-byte header + 16000 frames)" 32044 "$size"
echo "VHD-SND-REC-MD5 $(tail -c +45 /tmp/rec.wav | md5sum | cut -d' ' -f1)"

# Controls (controls=on): the volume is there, set, read back.
ctls=$(amixer -c "$card" controls 2>&1)
vhd_say "controls: $(echo "$ctls" | tr '\n' ' ')"
case $ctls in
*"PCM Playback Volume"*) vhd_pass "amixer sees PCM Playback Volume" ;;
*) vhd_fail "amixer does not see PCM Playback Volume" ;;
esac
out=$(amixer -c "$card" cset name='PCM Playback Volume' 37 2>&1) ||
	vhd_fail "amixer cset: $out"
vhd_say "cset: $(echo "$out" | tr '\n' ' ')"
v=$(amixer -c "$card" cget name='PCM Playback Volume' 2>&1 | sed -n 's/.*: values=//p')
vhd_eq "PCM Playback Volume read back" 37 "$v"
amixer -q -c "$card" cset name='PCM Playback Volume' 100 2>/dev/null

# Jack: the host unplugs the headphone jack on our marker.
jacks=$(echo "$ctls" | sed -n "s/.*name='\([^']*Jack\)'.*/\1/p")
vhd_say "jack controls: $(echo "$jacks" | tr '\n' ' ')"
# jack 0 is the output's headphone jack
jack=$(echo "$jacks" | grep -i head | head -n 1)
[ -n "$jack" ] || jack=$(echo "$jacks" | head -n 1)
if [ -z "$jack" ]; then
	vhd_fail "no jack control"
else
	before=$(amixer -c "$card" cget iface=CARD,name="$jack" | sed -n 's/.*: values=//p')
	vhd_eq "$jack plugged at start" on "$before"
	echo "VHD-SND-UNPLUG"
	after=$before
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		after=$(amixer -c "$card" cget iface=CARD,name="$jack" | sed -n 's/.*: values=//p')
		[ "$after" = off ] && break
		sleep 0.5
	done
	vhd_eq "$jack after the host unplugged it" off "$after"
fi
vhd_done
