/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Our EDID 1.4 base block (VESA E-EDID) for a virtual monitor: the preferred
 * mode as the first detailed timing (reduced blanking), a few common
 * established and standard timings, a range-limits and a name descriptor.
 */

#ifndef GPU_EDID_H
#define GPU_EDID_H

#include <stdint.h>

/** Bytes gpu_edid_make() writes. */
#define GPU_EDID_SIZE 128u

/**
 * Write the EDID of scanout @p scanout whose preferred mode is
 * @p width x @p height at 60 Hz (clamped to what a detailed timing holds:
 * 4095 x 4095, 655.35 MHz).
 * @return GPU_EDID_SIZE.
 */
uint32_t gpu_edid_make(uint8_t *out, uint32_t scanout, uint32_t width, uint32_t height);

#endif /* GPU_EDID_H */
