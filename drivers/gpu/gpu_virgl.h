/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virgl 3D for the gpu driver, through virglrenderer (Debian 12: 0.10.4).
 *
 * virglrenderer is one renderer per process with one GL context, current
 * on the thread that initialised it: every renderer call runs on the
 * device's worker. The renderer is started by the first command (on the
 * worker); what the control thread asks (a reset, a queue stop) is noted
 * and done there before the next command. So one process hosts one virgl
 * device (the app refuses --socket-count > 1 in this mode).
 *
 * Resources keep their bookkeeping, bounds and checks in gpu.c; their
 * backing is lent to the renderer as host iovecs, made again from the
 * guest addresses whenever the guest memory table changed. Fences: a
 * fenced command that succeeded is answered once its fence signalled:
 * global fences in order, with VIRTIO_GPU_F_CONTEXT_INIT per context and
 * ring (FLAG_INFO_RING_IDX), each context's timeline in order on its own. The renderer's
 * sync thread signals an eventfd the worker watches. Scanouts are shown by
 * reading the flushed rectangle back (the display's UPDATE), or as a
 * dmabuf when the renderer can export the resource.
 */

#ifndef GPU_VIRGL_H
#define GPU_VIRGL_H

#include <stdbool.h>
#include <stdint.h>

#include "gpu.h"

/** Capset ids (virtio-gpu). */
#define GPU_CAPSET_VIRGL 1
#define GPU_CAPSET_VIRGL2 2

/** Most contexts per guest. */
#define GPU_VIRGL_MAX_CTX 1024u
/** Largest SUBMIT_3D command stream. */
#define GPU_VIRGL_MAX_SUBMIT (8u << 20)
/**
 * Rings per context: virglrenderer's virgl contexts (vrend) have one
 * timeline each (its venus contexts, not offered, have more).
 */
#define GPU_VIRGL_RINGS 1u

/** How to start the renderer (the app's --use-* options). */
struct gpu_virgl_opts {
	bool egl, glx, gles, surfaceless;
	const char *render_node; /**< --gpu-device; NULL: virglrenderer's choice */
	uint32_t capsets;        /**< bit 1 << id per capset offered */
};

/** Counters of virgl mode (telemetry). */
struct gpu_virgl_stats {
	uint64_t contexts;      /**< CTX_CREATE done */
	uint64_t submits;       /**< SUBMIT_3D done */
	uint64_t submit_bytes;
	uint64_t submit_errors; /**< streams the renderer refused */
	uint64_t fences_held;   /**< fenced commands answered at their fence */
	uint64_t ctx_fences;    /**< of them, on a context's ring */
	uint64_t readbacks;     /**< scanout rectangles read back for the display */
	uint64_t exports;       /**< resources exported as a dmabuf for a scanout */
	uint64_t export_failures; /**< could not be (shown by read-back instead) */
	uint64_t remaps;        /**< backings lent again after a memory table change */
	uint64_t renderer_errors; /**< renderer calls that failed */
};

/**
 * Start and stop a renderer on the calling thread with @p o: the app's
 * check at start-up, so that a machine without a usable GL says so at once.
 * @return 0, -1 (a message on stderr).
 */
int gpu_virgl_probe(const struct gpu_virgl_opts *o);

/** Number of capsets @p o offers (the config's num_capsets). */
uint32_t gpu_virgl_num_capsets(const struct gpu_virgl_opts *o);

/** State of virgl mode for @p dev; the renderer starts later, on the worker. */
struct gpu_virgl *gpu_virgl_new(struct gpu_dev *dev, const struct gpu_virgl_opts *o);

/** Free @p v. The renderer is left to the process's end (not on the worker). */
void gpu_virgl_free(struct gpu_virgl *v);

/** Counters of @p v. */
const struct gpu_virgl_stats *gpu_virgl_stats(const struct gpu_virgl *v);

/* Below: worker only (handle(), fd callbacks, poll()). */

/**
 * Before a command: start the renderer, do a noted reset, lend the
 * backings again when the memory table @p mem changed.
 * @return 0, -1 when the renderer cannot run (commands answer ERR_UNSPEC).
 */
int gpu_virgl_enter(struct gpu_dev *dev, const struct vhd_mem *mem);

/** gpu_virgl_ctrl(): answer with the status in *st (a fence may hold it). */
#define GPU_VIRGL_STATUS (-3)
/** gpu_virgl_ctrl(): not a command of virgl mode's own. */
#define GPU_VIRGL_NOT_MINE (-4)

/**
 * A controlq command of virgl mode's own (capsets, contexts, 3D), or a
 * check every command of virgl mode gets (a fence's ring index).
 * @return the used length (answered), GPU_VIRGL_STATUS (*@p st to answer)
 * or GPU_VIRGL_NOT_MINE.
 */
int gpu_virgl_ctrl(struct gpu_dev *dev, struct vhd_req *req, const struct gpu_ctrl_hdr *in,
		   uint32_t type, uint32_t *st);

/** RESOURCE_CREATE_2D's renderer side for @p r (checked, added). @return a status. */
uint32_t gpu_virgl_create_2d(struct gpu_dev *dev, struct gpu_res *r);

/** Lend @p r's backing (r->ents, checked) to the renderer. @return a status. */
uint32_t gpu_virgl_attach(struct gpu_dev *dev, struct gpu_res *r, const struct vhd_mem *mem);

/** Take @p r's backing back from the renderer (before r->ents goes). */
void gpu_virgl_detach(struct gpu_dev *dev, struct gpu_res *r);

/** Drop @p r from the renderer (before it is freed). */
void gpu_virgl_unref(struct gpu_dev *dev, struct gpu_res *r);

/** TRANSFER_TO_HOST_2D of rectangle @p rect from backing offset @p off (checked). */
uint32_t gpu_virgl_transfer_2d(struct gpu_dev *dev, struct gpu_res *r,
			       const struct gpu_rect *rect, uint64_t off);

/**
 * Read rows [@p y, @p y + @p h) of rectangle @p fr of @p r into @p dst as
 * ARGB8888 (fr->width * 4 bytes a row). @return 0, -1.
 */
int gpu_virgl_read_band(struct gpu_dev *dev, const struct gpu_res *r,
			const struct gpu_rect *fr, uint32_t y, uint32_t h, uint8_t *dst);

/** Exports a resource's storage as a dmabuf (@p b->fd the caller's). @return 0, -1. */
typedef int (*gpu_virgl_export_fn)(uint32_t res_id, struct gpu_dmabuf *b);

/**
 * Export @p r for a dmabuf scanout (single plane, offset 0).
 * @return 0 (@p b->fd is the caller's to close), -1: not exportable.
 */
int gpu_virgl_export(struct gpu_dev *dev, const struct gpu_res *r, struct gpu_dmabuf *b);

/**
 * Replace the renderer's export (NULL: back to it). For tests: a machine
 * without a GPU has no dmabuf to export.
 */
void gpu_virgl_set_exporter(gpu_virgl_export_fn fn);

/** The 64x64 cursor image of @p r as ARGB8888 into @p img. @return 0, -1. */
int gpu_virgl_cursor(struct gpu_dev *dev, const struct gpu_res *r, uint32_t *img);

/**
 * Fenced command @p in, answered in the ring's descriptor @p id with @p len
 * bytes already written: hold it until its fence signals.
 * @return VHD_REQ_HELD, or @p len when no fence could be made (answer now).
 */
int gpu_virgl_fence(struct gpu_dev *dev, uint16_t id, uint32_t len,
		    const struct gpu_ctrl_hdr *in);

/** True while fences are awaited with no fd to wait on (poll() must run). */
bool gpu_virgl_wants_poll(const struct gpu_dev *dev);

/** Look for signalled fences (poll()). */
void gpu_virgl_poll(struct gpu_dev *dev);

/** The controlq stops: answer every held command now (control thread). */
void gpu_virgl_queue_stop(struct gpu_dev *dev, struct vhd_vq *vq);

/**
 * The device is reset (control thread): the renderer is reset before the
 * next command; the backings lent to it are freed then.
 */
void gpu_virgl_reset(struct gpu_dev *dev);

#endif /* GPU_VIRGL_H */
