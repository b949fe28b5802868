/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Pixel formats. virtio-gpu names them by byte order in memory; the display
 * wants 32-bit words A<<24 | R<<16 | G<<8 | B in native (little endian)
 * order, which is B8G8R8A8 in memory: the format Linux uses for its
 * framebuffers, so that one is a plain copy.
 */

#include <string.h>

#include "gpu.h"

/* Byte offsets of R, G, B, A in a pixel; A -1: none (X, shown opaque). */
struct layout {
	uint32_t format;
	int8_t r, g, b, a;
};

static const struct layout layouts[] = {
	{GPU_FORMAT_B8G8R8A8_UNORM, 2, 1, 0, 3},
	{GPU_FORMAT_B8G8R8X8_UNORM, 2, 1, 0, -1},
	{GPU_FORMAT_A8R8G8B8_UNORM, 1, 2, 3, 0},
	{GPU_FORMAT_X8R8G8B8_UNORM, 1, 2, 3, -1},
	{GPU_FORMAT_R8G8B8A8_UNORM, 0, 1, 2, 3},
	{GPU_FORMAT_X8B8G8R8_UNORM, 3, 2, 1, -1},
	{GPU_FORMAT_A8B8G8R8_UNORM, 3, 2, 1, 0},
	{GPU_FORMAT_R8G8B8X8_UNORM, 0, 1, 2, -1},
};

static const struct layout *
find(uint32_t format)
{
	unsigned int i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].format == format)
			return &layouts[i];
	return NULL;
}

bool
gpu_format_ok(uint32_t format)
{
	return find(format) != NULL;
}

int
gpu_to_argb(uint32_t format, const uint8_t *src, uint8_t *dst, uint32_t n)
{
	const struct layout *l = find(format);
	uint32_t i;

	if (l == NULL)
		return -1;
	if (format == GPU_FORMAT_B8G8R8A8_UNORM) {
		if (dst != src)
			memcpy(dst, src, (size_t)n * 4u);
		return 0;
	}
	/* one pixel read whole before it is written: src may be dst (virgl readback) */
	for (i = 0; i < n; i++, src += 4, dst += 4) {
		uint8_t px[4];

		memcpy(px, src, 4);
		dst[0] = px[l->b];
		dst[1] = px[l->g];
		dst[2] = px[l->r];
		dst[3] = l->a < 0 ? 0xffu : px[l->a];
	}
	return 0;
}
