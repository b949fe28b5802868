/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * RIFF/WAVE headers: the 44-byte canonical header we write, and a parser
 * for what other tools write (extra chunks, WAVE_FORMAT_EXTENSIBLE).
 */

#ifndef SOUND_WAV_H
#define SOUND_WAV_H

#include <stddef.h>
#include <stdint.h>

/** Size of the header sound_wav_header() writes. */
#define SOUND_WAV_HDR 44

/** What a WAV file holds. */
struct sound_wav_info {
	uint8_t format;       /**< VSND_PCM_FMT_* */
	uint8_t channels;
	uint32_t rate;        /**< Hz */
	uint64_t data_off;    /**< first byte of the samples */
	uint64_t data_len;    /**< bytes of samples (clipped to the file) */
};

/** Formats a WAV file can carry (1 << VSND_PCM_FMT_*). */
uint64_t sound_wav_formats(void);

/**
 * Write the header of a file with @p data_len bytes of samples of
 * @p format, @p channels, @p rate Hz into @p out.
 * @return 0, -EINVAL for a format WAV cannot carry.
 */
int sound_wav_header(uint8_t out[SOUND_WAV_HDR], uint8_t format, uint8_t channels,
		     uint32_t rate, uint32_t data_len);

/**
 * Parse the first @p len bytes of a file of @p file_len bytes.
 * @return 0, or -EINVAL with @p err (at least 100 bytes) saying why.
 */
int sound_wav_parse(const uint8_t *buf, size_t len, uint64_t file_len,
		    struct sound_wav_info *info, char *err, size_t err_len);

#endif /* SOUND_WAV_H */
