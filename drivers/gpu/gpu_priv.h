/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * What gpu.c shares with the rest of the driver (gpu_virgl.c): the
 * resource table, the reply path and the display of a flushed rectangle.
 * Not part of the driver's interface.
 */

#ifndef GPU_PRIV_H
#define GPU_PRIV_H

#include "gpu.h"

/** The resource @p id, or NULL (0 is never one). */
struct gpu_res *gpu_res_find(struct gpu_dev *dev, uint32_t id);

/**
 * Add resource @p id charged @p size bytes to the guest's bound, no pixels.
 * @return GPU_RESP_OK_NODATA (*@p out set) or the error to answer.
 */
uint32_t gpu_res_add(struct gpu_dev *dev, uint32_t id, uint32_t format, uint32_t w, uint32_t h,
		     uint64_t size, struct gpu_res **out);

/** Take @p r out of the table and free it (after the renderer let go of it). */
void gpu_res_remove(struct gpu_dev *dev, struct gpu_res *r);

/** Answer @p req with @p resp (@p len bytes, its type set). @return the used length. */
int gpu_reply(struct gpu_dev *dev, struct vhd_req *req, const struct gpu_ctrl_hdr *in,
	      void *resp, size_t len);

/** Read the whole command (header included); false when it is short. */
static inline bool
gpu_get(struct vhd_req *req, void *cmd, size_t len)
{
	return vhd_req_read(req, 0, cmd, len) == len;
}

/** A rectangle inside a w x h area, in 64 bits: no wrap-around. */
static inline bool
gpu_rect_in(const struct gpu_rect *r, uint32_t w, uint32_t h)
{
	return (uint64_t)r->x + r->width <= w && (uint64_t)r->y + r->height <= h;
}

#endif /* GPU_PRIV_H */
