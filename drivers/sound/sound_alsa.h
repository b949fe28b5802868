/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The ALSA backend: one non-blocking PCM per stream, opened at PREPARE.
 * When its poll descriptors can be watched (a real card), the card's clock
 * paces the stream: the descriptors are served on the device's worker and
 * buffers complete as the PCM takes or gives frames, with XRUN recovery.
 * When they cannot (ALSA's null and file plugins poll on /dev/null), the
 * device's sample clock paces it and the backend writes/reads at each
 * deadline without blocking.
 */

#ifndef SOUND_ALSA_H
#define SOUND_ALSA_H

#include <stddef.h>

#include "sound_dev.h"

extern const struct sound_backend_ops sound_alsa_backend;

struct sound_alsa;

/** Backend state for PCM @p name ("default", "hw:0,0"...). @return it or NULL. */
struct sound_alsa *sound_alsa_new(const char *name);

/** Counters of @p a: xruns recovered, frames the PCM could not take or give in time. */
void sound_alsa_counters(const struct sound_alsa *a, uint64_t *xruns, uint64_t *short_frames);

#endif /* SOUND_ALSA_H */
