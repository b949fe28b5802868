/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* The null backend: output goes nowhere, input is silence. The device paces
 * both by the sample clock, so a guest playing to it takes real time and
 * capture returns silence at the stream's rate (upstream's null completes
 * playback at once and capture never).
 */

#include "sound_dev.h"

static int
null_capture(struct sound_stream *s, void *buf, uint32_t len)
{
	sound_silence(s->params.format, buf, len);
	return 0;
}

/* every format with whole-byte samples (not IMA ADPCM) */
const struct sound_backend_ops sound_null_backend = {
	.name = "null",
	.formats = ((1ull << VSND_PCM_FMT_COUNT) - 1) & ~(1ull << VSND_PCM_FMT_IMA_ADPCM),
	.capture = null_capture,
};
