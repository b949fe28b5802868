/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The WAV file backend: an output stream records into a WAV file (header
 * rewritten with the right sizes at every RELEASE), an input stream plays
 * a WAV file, looping. Pass the handle as the stream's backend argument.
 */

#ifndef SOUND_FILE_H
#define SOUND_FILE_H

#include <stddef.h>

#include "sound_dev.h"
#include "sound_wav.h"

/** Largest capture file loaded (it is kept in memory so capture never reads the disk). */
#define SOUND_FILE_MAX_IN (64u << 20)

extern const struct sound_backend_ops sound_file_backend;

struct sound_file;

/** Create (truncate) @p path for recording. @return the handle, or NULL with @p err set. */
struct sound_file *sound_file_open_out(const char *path, char *err, size_t err_len);

/** Load WAV @p path for capture; @p info gets its format. @return the handle or NULL. */
struct sound_file *sound_file_open_in(const char *path, struct sound_wav_info *info, char *err,
				      size_t err_len);

/** Restrict what stream @p s offers to what the capture file @p f holds. */
void sound_file_limit(struct sound_stream *s, const struct sound_wav_info *info);

/** Close and free @p f (NULL is fine). */
void sound_file_close(struct sound_file *f);

#endif /* SOUND_FILE_H */
