/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The display side of vhost-user-gpu (QEMU's docs/interop/vhost-user-gpu.rst):
 * a unix stream socket the frontend hands over with VHOST_USER_GPU_SET_SOCKET,
 * on which the device sends scanout, update and cursor messages and asks for
 * the display's protocol features, display info and EDID.
 *
 * The display never blocks the worker: the socket is non-blocking, what it
 * does not take yet waits in a bounded queue (GPU_DISP_QUEUE_MAX bytes of
 * UPDATE pixels; an UPDATE that does not fit is dropped and counted) and is
 * written when the socket turns writable (watch_fd). Replies are read as
 * they come; a malformed one closes the display. A new socket replaces the
 * old one (QEMU makes a new one at every driver start).
 *
 * Handshake after attach: GET_PROTOCOL_FEATURES; SET_PROTOCOL_FEATURES with
 * what both sides have of EDID and DMABUF2; GET_DISPLAY_INFO; GET_EDID per
 * scanout when EDID was negotiated. Until it ends (or GPU_DISP_HANDSHAKE_NS
 * passed) gpu_disp_pending() is true.
 *
 * DMABUF scanouts (3D): DMABUF_SCANOUT(2) carries a dup of the buffer's fd as
 * SCM_RIGHTS on the first byte of its message, also when the message waits in
 * the queue and goes out in pieces (the display takes the fd when it reads
 * the message's header). DMABUF_UPDATE is answered by the display once it
 * has shown the buffer; until then the buffer must not be drawn into again,
 * so gpu_disp_dmabuf_update() reports the answer (or its absence) through a
 * callback.
 */

#ifndef GPU_DISP_H
#define GPU_DISP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gpu_proto.h"
#include "vhd_device.h"

/** Display protocol requests. */
enum gpu_disp_req {
	GPU_DISP_GET_PROTOCOL_FEATURES = 1,
	GPU_DISP_SET_PROTOCOL_FEATURES = 2,
	GPU_DISP_GET_DISPLAY_INFO = 3,
	GPU_DISP_CURSOR_POS = 4,
	GPU_DISP_CURSOR_POS_HIDE = 5,
	GPU_DISP_CURSOR_UPDATE = 6,
	GPU_DISP_SCANOUT = 7,
	GPU_DISP_UPDATE = 8,
	GPU_DISP_DMABUF_SCANOUT = 9,
	GPU_DISP_DMABUF_UPDATE = 10,
	GPU_DISP_GET_EDID = 11,
	GPU_DISP_DMABUF_SCANOUT2 = 12,
};

/** Header flag of a reply. */
#define GPU_DISP_FLAG_REPLY 0x4u
/** Protocol feature bits. */
#define GPU_DISP_PF_EDID 0
#define GPU_DISP_PF_DMABUF2 1

/** Bytes of a message header (request, flags, size; native byte order). */
#define GPU_DISP_HDR 12u
/** Payload of CURSOR_UPDATE: pos (3 x u32), hot_x, hot_y, 64x64 ARGB. */
#define GPU_DISP_CURSOR_UPDATE_SIZE (5u * 4u + GPU_CURSOR_DIM * GPU_CURSOR_DIM * 4u)
/** Payload of UPDATE before the pixels: scanout, x, y, width, height. */
#define GPU_DISP_UPDATE_HDR 20u
/**
 * Payload of DMABUF_SCANOUT: scanout, x, y, width, height, fd_width,
 * fd_height, fd_stride, fd_flags, fd_drm_fourcc (u32 each).
 */
#define GPU_DISP_DMABUF_SCANOUT_SIZE 40u
/** Payload of DMABUF_SCANOUT2: DMABUF_SCANOUT's, then the u64 modifier (unaligned). */
#define GPU_DISP_DMABUF_SCANOUT2_SIZE 48u
/** fd_flags bit: row 0 is the top one (VIRTIO_GPU_RESOURCE_FLAG_Y_0_TOP). */
#define GPU_DISP_DMABUF_Y0_TOP 0x1u
/** DRM_FORMAT_MOD_INVALID: the buffer's modifier is not known. */
#define GPU_DISP_MOD_INVALID 0x00ffffffffffffffull

/** UPDATE pixel bytes the queue holds at most (4 frames of 1280x800). */
#define GPU_DISP_QUEUE_MAX (16u << 20)
/** Room for the small messages beyond that bound. */
#define GPU_DISP_QUEUE_CTRL (256u << 10)
/** Longest wait for the display's handshake replies. */
#define GPU_DISP_HANDSHAKE_NS 1000000000ull
/** Longest wait for the display's reply to DMABUF_UPDATE. */
#define GPU_DISP_DMABUF_WAIT_NS 1000000000ull
/** Queued messages carrying an fd at most (the fds are dups, owned by the queue). */
#define GPU_DISP_FDS_MAX 16u

/** Counters (telemetry). */
struct gpu_disp_stats {
	uint64_t attached;       /**< display sockets taken */
	uint64_t lost;           /**< closed: hang-up, error, malformed reply */
	uint64_t bad_replies;    /**< malformed replies (each closes the display) */
	uint64_t msgs;           /**< messages queued */
	uint64_t updates;        /**< UPDATE messages queued */
	uint64_t update_bytes;   /**< their pixel bytes */
	uint64_t dropped;        /**< UPDATEs dropped: queue full */
	uint64_t timeouts;       /**< handshakes given up */
	uint64_t write_waits;    /**< times the socket was full */
	uint64_t dmabuf_scanouts; /**< DMABUF_SCANOUT(2) messages queued (disables too) */
	uint64_t dmabuf_updates; /**< DMABUF_UPDATE messages queued */
	uint64_t dmabuf_timeouts; /**< DMABUF_UPDATEs given up: no reply in time */
};

/** A buffer to scan out by file descriptor (a dmabuf). */
struct gpu_dmabuf {
	int fd;            /**< the caller's; gpu_disp sends a dup of it, the caller keeps its own */
	uint32_t width, height; /**< of the buffer (fd_width, fd_height) */
	uint32_t stride;   /**< bytes per row */
	uint32_t fourcc;   /**< DRM fourcc */
	uint64_t modifier; /**< DRM format modifier; GPU_DISP_MOD_INVALID when unknown */
	bool y0_top;       /**< row 0 is the top one */
};

/** A queued fd: it goes with the message that starts at buf + off. */
struct gpu_disp_qfd {
	size_t off;
	int fd;
};

/** Called once per gpu_disp_dmabuf_update(): @p ok true when the display replied. */
typedef void (*gpu_disp_done_fn)(void *arg, bool ok);

/** Called when the handshake ended (the device may answer held commands). */
typedef void (*gpu_disp_ready_fn)(void *arg);

struct gpu_disp {
	struct vhd_host *host;
	int fd;                  /**< -1: no display */
	bool want_edid;          /**< ask for EDID when the display has it */
	uint32_t nscanouts;      /**< scanouts whose EDID to fetch */
	uint32_t events;         /**< what fd is watched for */
	/* output queue: bytes [head, len) of buf */
	uint8_t *buf;
	size_t head, len, cap;
	size_t upd;              /**< bytes gpu_disp_update() reserved */
	struct gpu_disp_qfd qfd[GPU_DISP_FDS_MAX]; /**< oldest first */
	unsigned int nqfd;
	/* DMABUF_UPDATE */
	uint32_t upd_owed;       /**< replies the display owes (late ones included) */
	bool upd_wait;           /**< upd_done is waiting for the last of them */
	gpu_disp_done_fn upd_done;
	void *upd_arg;
	struct vhd_timer upd_timer;
	/* input: one message at a time */
	uint8_t in[GPU_DISP_HDR + sizeof(struct gpu_resp_edid)];
	size_t in_len;
	/* handshake */
	enum { GPU_DISP_IDLE, GPU_DISP_W_FEATURES, GPU_DISP_W_INFO, GPU_DISP_W_EDID,
	       GPU_DISP_READY } state;
	uint64_t deadline;       /**< now_ns() when the handshake is given up */
	struct vhd_timer timer;
	uint64_t features;       /**< negotiated */
	uint32_t edid_next;      /**< scanout whose EDID is awaited */
	bool have_info;
	struct gpu_resp_display_info info;
	uint32_t edid_size[GPU_MAX_SCANOUTS]; /**< 0: none from the display */
	uint8_t edid[GPU_MAX_SCANOUTS][GPU_EDID_MAX];
	gpu_disp_ready_fn ready;
	void *ready_arg;
	struct gpu_disp_stats stats;
};

/** Set up @p d without a display. */
void gpu_disp_init(struct gpu_disp *d, struct vhd_host *host, uint32_t nscanouts,
		   bool want_edid, gpu_disp_ready_fn ready, void *arg);

/**
 * Take display socket @p fd (owned from now on), replacing the current one,
 * and start the handshake.
 * @return 0, or a negative errno (@p fd closed).
 */
int gpu_disp_attach(struct gpu_disp *d, int fd);

/** Close the display, drop what is queued, forget what it said. */
void gpu_disp_close(struct gpu_disp *d);

/** Release everything (the device goes away). */
void gpu_disp_fini(struct gpu_disp *d);

/** True while a display is attached and its handshake has not ended. */
bool gpu_disp_pending(struct gpu_disp *d);

/** True when a display is attached. */
static inline bool
gpu_disp_up(const struct gpu_disp *d)
{
	return d->fd >= 0;
}

/**
 * SCANOUT: scanout @p id is @p w x @p h (0 x 0: disabled).
 * @return true when queued (false: no display, or no room).
 */
bool gpu_disp_scanout(struct gpu_disp *d, uint32_t id, uint32_t w, uint32_t h);

/**
 * Start an UPDATE of @p w x @p h at (@p x, @p y) of scanout @p id.
 * @return where to write its w*h XRGB8888 pixels (rows of w*4 bytes), or
 * NULL when there is no display or no room (dropped, counted). Finish it
 * with gpu_disp_commit() before any other call.
 */
uint8_t *gpu_disp_update(struct gpu_disp *d, uint32_t id, uint32_t x, uint32_t y, uint32_t w,
			 uint32_t h);

/** Send what gpu_disp_update() reserved. */
void gpu_disp_commit(struct gpu_disp *d);

/** CURSOR_POS (or CURSOR_POS_HIDE when @p hide). */
void gpu_disp_cursor_pos(struct gpu_disp *d, uint32_t id, uint32_t x, uint32_t y, bool hide);

/** CURSOR_UPDATE with a 64x64 ARGB8888 image. */
void gpu_disp_cursor_update(struct gpu_disp *d, uint32_t id, uint32_t x, uint32_t y,
			    uint32_t hot_x, uint32_t hot_y, const uint32_t *argb);

/** True when the display negotiated DMABUF2 (modifiers can be sent). */
bool gpu_disp_has_dmabuf2(const struct gpu_disp *d);

/**
 * Scanout @p id shows rectangle @p r (host byte order) of @p b: DMABUF_SCANOUT2 when DMABUF2
 * was negotiated, else DMABUF_SCANOUT (no modifier: QEMU then imports the
 * buffer with an implicit one). @p b NULL disables the scanout: a
 * DMABUF_SCANOUT of zeros without an fd, which QEMU takes for "disable"
 * (@p r may be NULL then).
 * @return true when queued (false: no display, no room, @p b->fd not
 * dup-able).
 */
bool gpu_disp_dmabuf_scanout(struct gpu_disp *d, uint32_t id, const struct gpu_rect *r,
			     const struct gpu_dmabuf *b);

/**
 * DMABUF_UPDATE of (@p x, @p y, @p w, @p h) of scanout @p id. @p done(@p arg,
 * ok) runs exactly once on the worker: ok true when the display replied,
 * false when no reply came within GPU_DISP_DMABUF_WAIT_NS, or the display
 * closed or was replaced, or gpu_disp_close()/gpu_disp_fini() ran (then from
 * inside those).
 * @return 0 when queued (@p done runs later, never from inside this call),
 * -1 when not (no display, no room, no timer, one already waiting: @p done
 * will not run).
 */
int gpu_disp_dmabuf_update(struct gpu_disp *d, uint32_t id, uint32_t x, uint32_t y, uint32_t w,
			   uint32_t h, gpu_disp_done_fn done, void *arg);

/** Bytes queued and not yet written. */
static inline size_t
gpu_disp_queued(const struct gpu_disp *d)
{
	return d->len - d->head;
}

#endif /* GPU_DISP_H */
