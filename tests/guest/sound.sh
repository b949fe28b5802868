#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-sound on QEMU 10.2's vhost-user-snd-pci
# (controls=on, the backend with --controls --jacks and the WAV file
# backend): the Linux 7.3 guest plays a generated 2 s sine with aplay and the
# recording holds exactly its samples; arecord gets the samples of the WAV
# source; aplay of 2 s takes about 2 s; amixer sets the volume control; a
# jack unplugged through the control socket shows in the guest's jack
# control (sound-guest.sh is the guest side). QEMU 7.2 has no
# vhost-user-snd: skips (77) without QEMU 10.2 or the guest kernel.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/guest/lib.sh
. "$here/lib.sh"
guest_require_qemu 10

sine=$VHD_WORK/sine.wav
src=$VHD_WORK/src.wav
out=$VHD_WORK/out.wav
ctl=$VHD_WORK/snd.ctl
# 2 s of 48 kHz S16 stereo: 440 Hz left, 660 Hz right; 1 s of 16 kHz S16
# mono counting samples for capture.
python3 - "$sine" "$src" <<'PY'
import math, struct, sys
def wav(path, rate, ch, frames):
    data = b"".join(frames)
    hdr = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, ch, rate, rate * 2 * ch, 2 * ch, 16) + b"data" + struct.pack(
        "<I", len(data))
    open(path, "wb").write(hdr + data)
wav(sys.argv[1], 48000, 2, [struct.pack("<hh", int(12000 * math.sin(2 * math.pi * 440 * i / 48000)),
                                        int(12000 * math.sin(2 * math.pi * 660 * i / 48000)))
                            for i in range(96000)])
wav(sys.argv[2], 16000, 1, [struct.pack("<h", (i * 37) % 65536 - 32768) for i in range(16000)])
PY

vhd_backend_start snd0 sound --backend file --file-out "$out" --file-in "$src" --jacks \
	--sim-control "$ctl" --controls
sock=$(vhd_backend_sock snd0)

play_ms= rec_md5=
MARKERS[VHD-SND-PLAY-MS]='play_ms=$(sed -n "s/^VHD-SND-PLAY-MS //p" "$con" | tr -d "\r")'
MARKERS[VHD-SND-REC-MD5]='rec_md5=$(sed -n "s/^VHD-SND-REC-MD5 //p" "$con" | tr -d "\r")'
MARKERS[VHD-SND-UNPLUG]='vhd_sim_ctl "$ctl" "jack 0 disconnect" >/dev/null'

con=$VHD_WORK/sound.console
expect_ok "guest checks" guest_run "$con" --script "$guest_tests_dir/sound-guest.sh" \
	--file "$sine:sine.wav" --dev "snd:$sock,controls=on" --timeout 300
echo "host: aplay of 2 s took ${play_ms:-?} ms in the guest"

# The recording holds the sine's samples, then nothing but silence (ALSA
# may pad the last period).
if python3 - "$sine" "$out" <<'PY'
import sys
a = open(sys.argv[1], "rb").read()
b = open(sys.argv[2], "rb").read()
if b[:4] != b"RIFF" or b[8:16] != b"WAVEfmt " or b[20:36] != a[20:36]:
    sys.exit("recording header differs: %r" % b[:44])
n = int.from_bytes(b[40:44], "little")
da, db = a[44:], b[44:44 + n]
if len(db) != len(b) - 44:
    sys.exit("data size %d in the header, %d in the file" % (n, len(b) - 44))
if db[:len(da)] != da:
    i = next(i for i in range(min(len(da), len(db))) if da[i] != db[i]) if len(db) >= len(da) else len(db)
    sys.exit("recording differs from the sine at byte %d (%d recorded, %d played)" % (i, len(db), len(da)))
if db[len(da):].strip(b"\0"):
    sys.exit("non-silent bytes after the sine")
print("host: recording has the sine's %d bytes exactly (+%d bytes of silence)" % (len(da), len(db) - len(da)))
PY
then pass "recording matches the sine"; else fail "recording does not match the sine"; fi

want=$(python3 -c "import sys; print(__import__('hashlib').md5(open(sys.argv[1],'rb').read()[44:]).hexdigest())" "$src")
expect "capture checksum (the WAV source's first second)" "$want" "${rec_md5:-none}"
stop_clean snd0
finish sound
