/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-gpu (device id 16) with our own CPU 2D renderer.
 *
 * Queues: controlq (0) and cursorq (1). Every command is checked before it
 * touches anything: rectangles against their resource (in 64-bit, no
 * overflow), transfers against the attached backing, backing entries
 * against guest memory (vhd_mem_translate() on the queue's memory table,
 * at attach and again at every transfer since the table may change).
 * Resources live in host memory bounded per guest (max_hostmem): a guest
 * cannot make the device allocate without limit. Failures answer the
 * spec's VIRTIO_GPU_RESP_ERR_*; a chain without room for a response header
 * is dropped (used length 0) and counted.
 *
 * Commands are done when answered, so a fenced command (FLAG_FENCE) is
 * answered with the fence at once, in order. Blob commands answer
 * ERR_UNSPEC (blobs are not offered: vhost-user has no shared-memory
 * mapping for them yet), 3D commands ERR_UNSPEC without VIRTIO_GPU_F_VIRGL.
 *
 * Display: through gpu_disp (vhost-user-gpu's display socket): SCANOUT at
 * SET_SCANOUT, UPDATE with XRGB8888 pixels at RESOURCE_FLUSH (split in bands
 * of at most GPU_UPDATE_BAND bytes), cursor messages from the cursorq.
 * A controlq started from ring index 0 (a driver reset: unbind, reboot)
 * frees every resource and scanout; one resumed after a vhost stop (QEMU's
 * stop/cont) keeps them.
 *
 * Null mode keeps every check but stores and shows no pixels; headless
 * renders but has no display.
 *
 * virgl mode (gpu_opts.virgl): resources, transfers and 3D commands go to
 * virglrenderer (gpu_virgl.c); the bookkeeping, every check and the
 * display stay here. A fenced command is answered once its fence
 * signalled.
 */

#ifndef GPU_H
#define GPU_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "gpu_disp.h"
#include "gpu_proto.h"
#include "vhd_device.h"

struct gpu_virgl;
struct gpu_virgl_opts;

/** virtio device id. */
#define GPU_VIRTIO_ID 16

/** Default per-guest bound on resource memory (QEMU's max_hostmem default). */
#define GPU_MAX_HOSTMEM_DEFAULT (256ull << 20)
/** Largest resource side. */
#define GPU_MAX_DIM 16384u
/** Most backing entries one ATTACH_BACKING may carry. */
#define GPU_MAX_ENTRIES 16384u
/** Most resources per guest. */
#define GPU_MAX_RESOURCES 4096u
/** Largest UPDATE message the device sends (a flush is split in row bands). */
#define GPU_UPDATE_BAND (4u << 20)
/** Default preferred mode (QEMU 10's xres/yres). */
#define GPU_DEFAULT_WIDTH 1280u
#define GPU_DEFAULT_HEIGHT 800u

/** Options of one device. */
struct gpu_opts {
	uint32_t max_outputs; /**< scanouts, 1..16 */
	bool edid;            /**< offer VIRTIO_GPU_F_EDID */
	bool null_mode;       /**< check everything, render nothing */
	bool headless;        /**< no display: its socket is closed when handed over */
	uint64_t max_hostmem; /**< resource bytes per guest */
	/** virgl 3D through virglrenderer; NULL: our 2D renderer. */
	const struct gpu_virgl_opts *virgl;
};

/** One backing entry: guest address and length (translated at use). */
struct gpu_ent {
	uint64_t gpa;
	uint64_t start; /**< offset of this entry in the backing */
	uint32_t len;
};

struct gpu_res {
	uint32_t id;
	uint32_t format;
	uint32_t width;
	uint32_t height;
	uint64_t size;          /**< width * height * 4 */
	uint8_t *pixels;        /**< host copy in the guest's format; NULL in null mode */
	struct gpu_ent *ents;   /**< NULL: no backing */
	uint32_t nents;
	uint64_t backing_len;
	uint32_t scanouts;      /**< bit per scanout showing it */
	/** virgl: the backing as host iovecs, lent to virglrenderer until detached */
	struct iovec *iov;
};

struct gpu_scanout {
	uint32_t res_id;        /**< 0: disabled */
	struct gpu_rect r;
	uint32_t cursor_x, cursor_y;
	/** The display was sent its SCANOUT: QEMU must have one before an UPDATE. */
	bool told;
	/** virgl: shown as a dmabuf (DMABUF_SCANOUT), updated with DMABUF_UPDATE */
	bool dmabuf;
};

/** Driver counters (telemetry). */
struct gpu_stats {
	uint64_t commands;      /**< controlq commands answered */
	uint64_t errors;        /**< of them, answered with an error */
	uint64_t dropped;       /**< chains without room for a response (used length 0) */
	uint64_t fences;        /**< fenced commands answered */
	uint64_t transfers;     /**< TRANSFER_TO_HOST_2D done */
	uint64_t transfer_bytes;
	uint64_t flushes;       /**< RESOURCE_FLUSH done */
	uint64_t cursor;        /**< cursorq commands done */
	uint64_t cursor_bad;    /**< cursorq commands refused */
	uint64_t blob_refused;  /**< blob commands answered ERR_UNSPEC */
	uint64_t oom;           /**< refused: per-guest memory bound */
	uint64_t retries;       /**< commands deferred for the display handshake */
};

/** One virtio-gpu device. */
struct gpu_dev {
	/** What to host this device with: gpu_ops and the features of its options. */
	struct vhd_device_ops ops;
	struct vhd_host *host;
	struct gpu_opts opts;
	uint64_t features;      /**< negotiated */
	struct gpu_res **res;   /**< resources, unordered */
	uint32_t nres;
	uint64_t hostmem;       /**< bytes charged to this guest */
	struct gpu_scanout scanout[GPU_MAX_SCANOUTS];
	struct gpu_disp disp;
	uint64_t retry_until;   /**< now_ns() bound of the display wait, 0: none */
	struct gpu_stats stats;
	struct gpu_config config; /**< immutable while serving */
	struct gpu_virgl *virgl;  /**< virgl mode's state; NULL in 2D */
	struct vhd_vq *ctrl_vq;   /**< the live controlq (held fenced commands), or NULL */
	/* a flush of dmabuf scanouts waits for the display's DMABUF_UPDATE replies */
	uint32_t upd_mask;        /**< scanouts still to update */
	struct gpu_rect upd_rect[GPU_MAX_SCANOUTS]; /**< scanout coordinates */
	bool upd_held;            /**< the flush is held: upd_id, upd_len */
	uint16_t upd_id;
	uint32_t upd_len;
};

/** The common description; a device is hosted with its own copy, gpu_dev.ops. */
extern const struct vhd_device_ops gpu_ops;

/**
 * Set up @p dev with @p opts (max_outputs clamped to 1..16).
 * @return 0, -1 when virgl mode was asked for and cannot be had (message
 * on stderr).
 */
int gpu_dev_init(struct gpu_dev *dev, const struct gpu_opts *opts);

/** Free what @p dev holds (resources, display). */
void gpu_dev_fini(struct gpu_dev *dev);

/**
 * The frontend handed over a display socket (VHOST_USER_GPU_SET_SOCKET):
 * it replaces the current one. @p fd is the device's from now on.
 * @return 0 or a negative errno.
 */
int gpu_set_display(struct gpu_dev *dev, int fd);

/**
 * Convert @p n pixels of @p format at @p src to ARGB8888 words in little
 * endian (bytes B, G, R, A; A is 0xff for X formats) at @p dst, which
 * need not be aligned and may be @p src.
 * @return 0, -1 for an unknown format.
 */
int gpu_to_argb(uint32_t format, const uint8_t *src, uint8_t *dst, uint32_t n);

/** True for a format of the spec's list. */
bool gpu_format_ok(uint32_t format);

#endif /* GPU_H */
