/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <stdio.h>
#include <string.h>

#include "gpu_edid.h"

/* Reduced blanking (CVT-RB style): fixed horizontal blank, short vertical. */
#define HBLANK 160u
#define HFRONT 48u
#define HSYNC 32u
#define VFRONT 3u
#define VSYNC 6u
#define VBLANK 23u

/* Standard timing: (h / 8 - 31), aspect << 6 | (refresh - 60). */
enum { AR_16_10 = 0, AR_4_3 = 1, AR_5_4 = 2, AR_16_9 = 3 };

static void
std_timing(uint8_t *p, uint32_t h, unsigned int aspect)
{
	p[0] = (uint8_t)(h / 8 - 31);
	p[1] = (uint8_t)(aspect << 6); /* 60 Hz */
}

static void
detailed(uint8_t *p, uint32_t w, uint32_t h)
{
	uint32_t ht = w + HBLANK, vt = h + VBLANK;
	uint64_t clk = (uint64_t)ht * vt * 60u / 10000u; /* 10 kHz units */
	uint32_t wmm = w * 254u / 960u, hmm = h * 254u / 960u; /* 96 dpi */

	if (clk > 65535u)
		clk = 65535u;
	if (clk == 0)
		clk = 1;
	p[0] = (uint8_t)clk;
	p[1] = (uint8_t)(clk >> 8);
	p[2] = (uint8_t)w;
	p[3] = (uint8_t)HBLANK;
	p[4] = (uint8_t)(((w >> 8) & 0xf) << 4 | ((HBLANK >> 8) & 0xf));
	p[5] = (uint8_t)h;
	p[6] = (uint8_t)VBLANK;
	p[7] = (uint8_t)(((h >> 8) & 0xf) << 4 | ((VBLANK >> 8) & 0xf));
	p[8] = (uint8_t)HFRONT;
	p[9] = (uint8_t)HSYNC;
	p[10] = (uint8_t)((VFRONT & 0xf) << 4 | (VSYNC & 0xf));
	p[11] = 0; /* high bits of the porches and syncs: all small */
	p[12] = (uint8_t)wmm;
	p[13] = (uint8_t)hmm;
	p[14] = (uint8_t)(((wmm >> 8) & 0xf) << 4 | ((hmm >> 8) & 0xf));
	p[15] = 0;
	p[16] = 0;
	p[17] = 0x1a; /* digital separate sync, hsync +, vsync - */
}

static void
text_desc(uint8_t *p, uint8_t tag, const char *s)
{
	size_t n = strlen(s);

	memset(p, 0, 18);
	p[3] = tag;
	memset(p + 5, ' ', 13);
	if (n > 12)
		n = 12;
	memcpy(p + 5, s, n);
	p[5 + n] = '\n';
}

uint32_t
gpu_edid_make(uint8_t *e, uint32_t scanout, uint32_t w, uint32_t h)
{
	static const uint8_t hdr[8] = {0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0};
	/* sRGB primaries and D65, 10-bit fractions of 1024 */
	static const uint16_t chroma[8] = {655, 338, 307, 614, 154, 61, 320, 337};
	uint16_t mfg = (uint16_t)(('V' - '@') << 10 | ('H' - '@') << 5 | ('D' - '@'));
	uint32_t wcm, hcm, i, sum = 0;
	char sn[16];
	uint8_t *p;

	if (w == 0 || w > 4095)
		w = w == 0 ? 1280 : 4095;
	if (h == 0 || h > 4095)
		h = h == 0 ? 800 : 4095;
	memset(e, 0, GPU_EDID_SIZE);
	memcpy(e, hdr, sizeof(hdr));
	e[8] = (uint8_t)(mfg >> 8);
	e[9] = (uint8_t)mfg;
	e[10] = (uint8_t)scanout;
	e[11] = 0x16; /* product 0x16nn: virtio-gpu (id 16) scanout nn */
	e[12] = (uint8_t)(scanout + 1);
	e[16] = 1;         /* week */
	e[17] = 2026 - 1990;
	e[18] = 1;         /* EDID 1.4 */
	e[19] = 4;
	e[20] = 0xa5;      /* digital, 8 bits per colour, DisplayPort */
	wcm = (w * 254u + 4800u) / 9600u;
	hcm = (h * 254u + 4800u) / 9600u;
	e[21] = (uint8_t)(wcm > 255 ? 255 : wcm);
	e[22] = (uint8_t)(hcm > 255 ? 255 : hcm);
	e[23] = 120;       /* gamma 2.2 */
	e[24] = 0x06;      /* sRGB, preferred timing is native */
	e[25] = (uint8_t)((chroma[0] & 3) << 6 | (chroma[1] & 3) << 4 | (chroma[2] & 3) << 2 |
			  (chroma[3] & 3));
	e[26] = (uint8_t)((chroma[4] & 3) << 6 | (chroma[5] & 3) << 4 | (chroma[6] & 3) << 2 |
			  (chroma[7] & 3));
	for (i = 0; i < 8; i++)
		e[27 + i] = (uint8_t)(chroma[i] >> 2);
	e[35] = 0x21;      /* 640x480@60, 800x600@60 */
	e[36] = 0x08;      /* 1024x768@60 */
	p = e + 38;
	std_timing(p, 1280, AR_16_10);
	std_timing(p + 2, 1280, AR_5_4);
	std_timing(p + 4, 1440, AR_16_10);
	std_timing(p + 6, 1600, AR_16_9);
	std_timing(p + 8, 1680, AR_16_10);
	std_timing(p + 10, 1920, AR_16_9);
	std_timing(p + 12, 1920, AR_16_10);
	std_timing(p + 14, 1280, AR_16_9);
	detailed(e + 54, w, h);
	p = e + 72;        /* range limits */
	p[3] = 0xfd;
	p[5] = 24;         /* 24..75 Hz vertical */
	p[6] = 75;
	p[7] = 30;         /* 30..255 kHz horizontal */
	p[8] = 255;
	p[9] = 66;         /* 660 MHz */
	p[10] = 0x01;      /* range limits only */
	p[11] = 0x0a;
	memset(p + 12, ' ', 6);
	text_desc(e + 90, 0xfc, "vhost-device");
	snprintf(sn, sizeof(sn), "VHD-GPU-%u", scanout % 100u);
	text_desc(e + 108, 0xff, sn);
	e[126] = 0;        /* no extension blocks */
	for (i = 0; i < 127; i++)
		sum += e[i];
	e[127] = (uint8_t)(256u - (sum & 0xff));
	return GPU_EDID_SIZE;
}
