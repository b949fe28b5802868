/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <string.h>
#include <strings.h>

#include "sound_pcm.h"

static const uint32_t rates[VSND_PCM_RATE_COUNT] = {
	[VSND_PCM_RATE_5512] = 5512,     [VSND_PCM_RATE_8000] = 8000,
	[VSND_PCM_RATE_11025] = 11025,   [VSND_PCM_RATE_16000] = 16000,
	[VSND_PCM_RATE_22050] = 22050,   [VSND_PCM_RATE_32000] = 32000,
	[VSND_PCM_RATE_44100] = 44100,   [VSND_PCM_RATE_48000] = 48000,
	[VSND_PCM_RATE_64000] = 64000,   [VSND_PCM_RATE_88200] = 88200,
	[VSND_PCM_RATE_96000] = 96000,   [VSND_PCM_RATE_176400] = 176400,
	[VSND_PCM_RATE_192000] = 192000, [VSND_PCM_RATE_384000] = 384000,
	[VSND_PCM_RATE_12000] = 12000,   [VSND_PCM_RATE_24000] = 24000,
};

/* physical bytes, significant bits, unsigned, name */
static const struct {
	uint8_t bytes;
	uint8_t bits;
	bool is_unsigned;
	const char *name;
} formats[VSND_PCM_FMT_COUNT] = {
	[VSND_PCM_FMT_IMA_ADPCM] = {0, 4, false, "IMA_ADPCM"},
	[VSND_PCM_FMT_MU_LAW] = {1, 8, false, "MU_LAW"},
	[VSND_PCM_FMT_A_LAW] = {1, 8, false, "A_LAW"},
	[VSND_PCM_FMT_S8] = {1, 8, false, "S8"},
	[VSND_PCM_FMT_U8] = {1, 8, true, "U8"},
	[VSND_PCM_FMT_S16] = {2, 16, false, "S16"},
	[VSND_PCM_FMT_U16] = {2, 16, true, "U16"},
	[VSND_PCM_FMT_S18_3] = {3, 18, false, "S18_3"},
	[VSND_PCM_FMT_U18_3] = {3, 18, true, "U18_3"},
	[VSND_PCM_FMT_S20_3] = {3, 20, false, "S20_3"},
	[VSND_PCM_FMT_U20_3] = {3, 20, true, "U20_3"},
	[VSND_PCM_FMT_S24_3] = {3, 24, false, "S24_3"},
	[VSND_PCM_FMT_U24_3] = {3, 24, true, "U24_3"},
	[VSND_PCM_FMT_S20] = {4, 20, false, "S20"},
	[VSND_PCM_FMT_U20] = {4, 20, true, "U20"},
	[VSND_PCM_FMT_S24] = {4, 24, false, "S24"},
	[VSND_PCM_FMT_U24] = {4, 24, true, "U24"},
	[VSND_PCM_FMT_S32] = {4, 32, false, "S32"},
	[VSND_PCM_FMT_U32] = {4, 32, true, "U32"},
	[VSND_PCM_FMT_FLOAT] = {4, 32, false, "FLOAT"},
	[VSND_PCM_FMT_FLOAT64] = {8, 64, false, "FLOAT64"},
	[VSND_PCM_FMT_DSD_U8] = {1, 8, false, "DSD_U8"},
	[VSND_PCM_FMT_DSD_U16] = {2, 16, false, "DSD_U16"},
	[VSND_PCM_FMT_DSD_U32] = {4, 32, false, "DSD_U32"},
	[VSND_PCM_FMT_IEC958_SUBFRAME] = {4, 32, false, "IEC958_SUBFRAME"},
};

uint32_t
sound_rate_hz(uint8_t rate)
{
	return rate < VSND_PCM_RATE_COUNT ? rates[rate] : 0;
}

int
sound_rate_index(uint32_t hz)
{
	int i;

	for (i = 0; i < VSND_PCM_RATE_COUNT; i++)
		if (rates[i] == hz)
			return i;
	return -1;
}

uint32_t
sound_format_bytes(uint8_t fmt)
{
	return fmt < VSND_PCM_FMT_COUNT ? formats[fmt].bytes : 0;
}

uint32_t
sound_format_bits(uint8_t fmt)
{
	return fmt < VSND_PCM_FMT_COUNT ? formats[fmt].bits : 0;
}

bool
sound_format_unsigned(uint8_t fmt)
{
	return fmt < VSND_PCM_FMT_COUNT && formats[fmt].is_unsigned;
}

const char *
sound_format_name(uint8_t fmt)
{
	return fmt < VSND_PCM_FMT_COUNT ? formats[fmt].name : "?";
}

int
sound_format_by_name(const char *name)
{
	int i;

	for (i = 0; i < VSND_PCM_FMT_COUNT; i++)
		if (strcasecmp(formats[i].name, name) == 0)
			return i;
	return -1;
}

void
sound_silence(uint8_t fmt, void *buf, uint32_t len)
{
	uint8_t *b = buf;
	uint32_t n = sound_format_bytes(fmt), i;

	switch (fmt) {
	case VSND_PCM_FMT_MU_LAW:
		memset(b, 0xff, len); /* mu-law's zero level */
		return;
	case VSND_PCM_FMT_A_LAW:
		memset(b, 0xd5, len); /* A-law's zero level */
		return;
	default:
		break;
	}
	memset(b, 0, len);
	if (!sound_format_unsigned(fmt) || n == 0)
		return;
	/* little endian: the middle value has only the top significant bit set */
	for (i = 0; i + n <= len; i += n) {
		uint32_t top = sound_format_bits(fmt) - 1; /* bit index in the sample */

		b[i + top / 8] = (uint8_t)(1u << (top % 8));
	}
}

uint64_t
sound_frames_to_ns(uint64_t frames, uint32_t hz)
{
	if (hz == 0)
		return 0;
	/* whole seconds first, then the remainder: (frames % hz) * 1e9 < 2^59 */
	return (frames / hz) * 1000000000ull + (frames % hz) * 1000000000ull / hz;
}

uint64_t
sound_ns_to_frames(uint64_t ns, uint32_t hz)
{
	return (ns / 1000000000ull) * hz + (ns % 1000000000ull) * hz / 1000000000ull;
}
