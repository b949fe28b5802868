/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The WAV file backend: an output stream records into a WAV file (header
 * rewritten with the right sizes at every RELEASE), an input stream plays
 * a WAV file, looping. Pass the handle as the stream's backend argument.
 *
 * Nothing blocks the worker: the samples played are copied and written
 * through the host's io_submit (SOUND_FILE_INFLIGHT writes at a time, each at
 * its place in the file), header rewrites wait for the samples before them,
 * a new recording's truncation goes to the offload thread; a full host queue
 * (-EAGAIN) is retried at the next completion or after SOUND_FILE_RETRY_NS.
 * The capture file is read whole when opened (off the worker). Opening and
 * the final header at device destroy are synchronous: the app's own thread.
 */

#ifndef SOUND_FILE_H
#define SOUND_FILE_H

#include <stddef.h>

#include "sound_dev.h"
#include "sound_wav.h"

/** Largest capture file loaded (it is kept in memory so capture never reads the disk). */
#define SOUND_FILE_MAX_IN (64u << 20)

/** Sample writes of one recording in flight at most. */
#define SOUND_FILE_INFLIGHT 8
/**
 * Sample bytes queued and not yet written at most (two of the largest
 * buffers); a play beyond it is lost and answered IO_ERR.
 */
#define SOUND_FILE_MAX_QUEUED (16u << 20)
/** Writes, header rewrites and truncations queued at most. */
#define SOUND_FILE_MAX_OPS 256
/** Retry after the host's I/O queue was full. */
#define SOUND_FILE_RETRY_NS 1000000ull

extern const struct sound_backend_ops sound_file_backend;

struct sound_file;

/** Create (truncate) @p path for recording. @return the handle, or NULL with @p err set. */
struct sound_file *sound_file_open_out(const char *path, char *err, size_t err_len);

/** Load WAV @p path for capture; @p info gets its format. @return the handle or NULL. */
struct sound_file *sound_file_open_in(const char *path, struct sound_wav_info *info, char *err,
				      size_t err_len);

/** Restrict what stream @p s offers to what the capture file @p f holds. */
void sound_file_limit(struct sound_stream *s, const struct sound_wav_info *info);

/** Writes of recording @p f that failed (0 for NULL). */
uint64_t sound_file_write_errors(const struct sound_file *f);

/** Close and free @p f (NULL is fine); synchronous, for a handle no device took. */
void sound_file_close(struct sound_file *f);

#endif /* SOUND_FILE_H */
