/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sound_proto.h"
#include "sound_pcm.h"
#include "sound_wav.h"
#include "vhd_virtio.h"

#define TAG_PCM 1
#define TAG_FLOAT 3
#define TAG_ALAW 6
#define TAG_MULAW 7
#define TAG_EXTENSIBLE 0xfffe

static const struct {
	uint8_t fmt;
	uint16_t tag;
	uint16_t bits;
} map[] = {
	{VSND_PCM_FMT_U8, TAG_PCM, 8},
	{VSND_PCM_FMT_S16, TAG_PCM, 16},
	{VSND_PCM_FMT_S24_3, TAG_PCM, 24},
	{VSND_PCM_FMT_S32, TAG_PCM, 32},
	{VSND_PCM_FMT_FLOAT, TAG_FLOAT, 32},
	{VSND_PCM_FMT_FLOAT64, TAG_FLOAT, 64},
	{VSND_PCM_FMT_A_LAW, TAG_ALAW, 8},
	{VSND_PCM_FMT_MU_LAW, TAG_MULAW, 8},
};

uint64_t
sound_wav_formats(void)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		m |= 1ull << map[i].fmt;
	return m;
}





int
sound_wav_header(uint8_t out[SOUND_WAV_HDR], uint8_t format, uint8_t channels, uint32_t rate,
		 uint32_t data_len)
{
	size_t i;
	uint32_t bps = sound_format_bytes(format);

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].fmt == format)
			break;
	if (i == sizeof(map) / sizeof(map[0]) || channels == 0)
		return -EINVAL;
	memcpy(out, "RIFF", 4);
	/* a file larger than 4 GiB saturates the sizes, as other tools do */
	vhd_put_le32(out + 4, data_len > UINT32_MAX - 36 ? UINT32_MAX : 36 + data_len);
	memcpy(out + 8, "WAVEfmt ", 8);
	vhd_put_le32(out + 16, 16);
	vhd_put_le16(out + 20, map[i].tag);
	vhd_put_le16(out + 22, channels);
	vhd_put_le32(out + 24, rate);
	vhd_put_le32(out + 28, rate * bps * channels);
	vhd_put_le16(out + 32, (uint16_t)(bps * channels));
	vhd_put_le16(out + 34, map[i].bits);
	memcpy(out + 36, "data", 4);
	vhd_put_le32(out + 40, data_len);
	return 0;
}

int
sound_wav_parse(const uint8_t *buf, size_t len, uint64_t file_len, struct sound_wav_info *info,
		char *err, size_t err_len)
{
	size_t off = 12;
	bool have_fmt = false;
	uint16_t tag = 0, ch = 0, bits = 0, align = 0;
	uint32_t rate = 0;
	size_t i;

	if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0) {
		snprintf(err, err_len, "not a RIFF/WAVE file");
		return -EINVAL;
	}
	while (off + 8 <= len) {
		uint32_t sz = vhd_get_le32(buf + off + 4);
		const uint8_t *c = buf + off + 8;

		if (memcmp(buf + off, "fmt ", 4) == 0) {
			if (sz < 16 || off + 8 + 16 > len) {
				snprintf(err, err_len, "short fmt chunk");
				return -EINVAL;
			}
			tag = vhd_get_le16(c);
			ch = vhd_get_le16(c + 2);
			rate = vhd_get_le32(c + 4);
			align = vhd_get_le16(c + 12);
			bits = vhd_get_le16(c + 14);
			if (tag == TAG_EXTENSIBLE) {
				if (sz < 40 || off + 8 + 26 > len) {
					snprintf(err, err_len,
						 "short WAVE_FORMAT_EXTENSIBLE chunk");
					return -EINVAL;
				}
				tag = vhd_get_le16(c + 24); /* the sub-format GUID starts with the tag */
			}
			have_fmt = true;
		} else if (memcmp(buf + off, "data", 4) == 0) {
			if (!have_fmt) {
				snprintf(err, err_len, "data chunk before fmt chunk");
				return -EINVAL;
			}
			info->data_off = off + 8;
			info->data_len = sz;
			/* a header written before the recording ended says 0 or too much */
			if (info->data_off > file_len)
				info->data_len = 0;
			else if (sz == 0 || info->data_off + sz > file_len)
				info->data_len = file_len - info->data_off;
			for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
				if (map[i].tag == tag && map[i].bits == bits)
					break;
			if (i == sizeof(map) / sizeof(map[0])) {
				snprintf(err, err_len,
					 "unsupported WAV sample format (tag %u, %u bits)", tag,
					 bits);
				return -EINVAL;
			}
			if (ch == 0 || ch > 8 || sound_rate_index(rate) < 0 ||
			    align != ch * sound_format_bytes(map[i].fmt)) {
				snprintf(err, err_len,
					 "unsupported WAV layout (%u channels, %u Hz, block %u)",
					 ch, rate, align);
				return -EINVAL;
			}
			info->format = map[i].fmt;
			info->channels = (uint8_t)ch;
			info->rate = rate;
			info->data_len -= info->data_len % align;
			return 0;
		}
		off += 8 + (size_t)sz + (sz & 1); /* chunks are word aligned */
	}
	snprintf(err, err_len, "no data chunk in the first %zu bytes", len);
	return -EINVAL;
}
