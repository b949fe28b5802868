/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-snd PCM arithmetic: sample formats and frame rates of the spec, frame
 * sizes, and the sample clock (frame position to an absolute deadline, exact:
 * no rounding error accumulates however long a stream runs).
 */

#ifndef SOUND_PCM_H
#define SOUND_PCM_H

#include <stdbool.h>
#include <stdint.h>

#include "sound_proto.h"

/** Frame rate of rate index @p rate in Hz, 0 for an index the spec does not define. */
uint32_t sound_rate_hz(uint8_t rate);

/** Rate index of @p hz, or -1. */
int sound_rate_index(uint32_t hz);

/**
 * Bytes one sample of format @p fmt takes (its physical width), 0 for an
 * undefined format or one with no whole-byte sample (IMA ADPCM).
 */
uint32_t sound_format_bytes(uint8_t fmt);

/** Significant bits of a sample of @p fmt (18 for S18_3), 0 when undefined. */
uint32_t sound_format_bits(uint8_t fmt);

/** True for the unsigned linear formats (silence is the middle value). */
bool sound_format_unsigned(uint8_t fmt);

/** Short name of @p fmt ("S16"), "?" when undefined. */
const char *sound_format_name(uint8_t fmt);

/** Format index named @p name (case-insensitive), or -1. */
int sound_format_by_name(const char *name);

/** Fill @p len bytes of @p buf with silence of @p fmt. */
void sound_silence(uint8_t fmt, void *buf, uint32_t len);

/**
 * Nanoseconds @p frames take at @p hz, rounded down: exact for any count
 * (no 64-bit overflow before 2^64 ns).
 */
uint64_t sound_frames_to_ns(uint64_t frames, uint32_t hz);

/** Frames fully played @p ns after a start, at @p hz (inverse of the above, rounded down). */
uint64_t sound_ns_to_frames(uint64_t ns, uint32_t hz);

/**
 * The sample clock of one running stream: position 0 is at @c base_ns;
 * frame position f is due at base_ns + sound_frames_to_ns(f - base_frames).
 */
struct sound_clock {
	uint64_t base_ns;
	uint64_t base_frames;
	uint32_t hz;
};

/** Absolute deadline of frame position @p frames (>= base_frames). */
static inline uint64_t
sound_clock_deadline(const struct sound_clock *c, uint64_t frames)
{
	return c->base_ns + sound_frames_to_ns(frames - c->base_frames, c->hz);
}

#endif /* SOUND_PCM_H */
