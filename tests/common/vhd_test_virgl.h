/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * A virgl command stream for the gpu tests (virglrenderer's protocol,
 * virgl_protocol.h): clear a render target to a colour, which the renderer
 * really draws (Mesa's llvmpipe here), so that a test can read the pixels
 * back.
 */

#ifndef VHD_TEST_VIRGL_H
#define VHD_TEST_VIRGL_H

#include <stdint.h>
#include <string.h>

#define VHD_VIRGL_CMD0(cmd, obj, len) \
	((uint32_t)(cmd) | ((uint32_t)(obj) << 8) | ((uint32_t)(len) << 16))
#define VHD_VIRGL_CREATE_OBJECT 1u
#define VHD_VIRGL_SET_FRAMEBUFFER_STATE 5u
#define VHD_VIRGL_CLEAR 7u
#define VHD_VIRGL_OBJECT_SURFACE 8u
#define VHD_VIRGL_CLEAR_COLOR0 (1u << 2)
/** Dwords of vhd_virgl_clear(). */
#define VHD_VIRGL_CLEAR_DWORDS 19u

/**
 * Fill @p dw (host order) with: surface 1 on resource @p res (format
 * @p format, level 0), that surface as the only colour buffer, a clear of
 * it to (@p r, @p g, @p b, @p a). @return dwords written.
 */
static inline uint32_t
vhd_virgl_clear(uint32_t *dw, uint32_t res, uint32_t format, float r, float g, float b, float a)
{
	uint32_t n = 0;

	dw[n++] = VHD_VIRGL_CMD0(VHD_VIRGL_CREATE_OBJECT, VHD_VIRGL_OBJECT_SURFACE, 5);
	dw[n++] = 1; /* surface handle */
	dw[n++] = res;
	dw[n++] = format;
	dw[n++] = 0; /* level */
	dw[n++] = 0; /* layers */
	dw[n++] = VHD_VIRGL_CMD0(VHD_VIRGL_SET_FRAMEBUFFER_STATE, 0, 3);
	dw[n++] = 1; /* colour buffers */
	dw[n++] = 0; /* no depth buffer */
	dw[n++] = 1; /* surface 1 */
	dw[n++] = VHD_VIRGL_CMD0(VHD_VIRGL_CLEAR, 0, 8);
	dw[n++] = VHD_VIRGL_CLEAR_COLOR0;
	memcpy(&dw[n++], &r, 4);
	memcpy(&dw[n++], &g, 4);
	memcpy(&dw[n++], &b, 4);
	memcpy(&dw[n++], &a, 4);
	dw[n++] = 0; /* depth: a double */
	dw[n++] = 0;
	dw[n++] = 0; /* stencil */
	return n;
}

#endif /* VHD_TEST_VIRGL_H */
