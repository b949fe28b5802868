/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The display end of vhost-user-gpu's display socket (QEMU's side of
 * docs/interop/vhost-user-gpu.rst), for tests and perf tools: it answers
 * the backend's GET_* requests as a display would and hands over the other
 * messages (SET_PROTOCOL_FEATURES, SCANOUT, UPDATE, CURSOR_*, DMABUF_*) one
 * by one. DMABUF_UPDATE is replied to as QEMU does (at once, or when the
 * test says so with hold_dmabuf_update); the fd of DMABUF_SCANOUT(2) is
 * handed over with the message.
 */

#ifndef VHD_FE_DISP_H
#define VHD_FE_DISP_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Display protocol requests. */
enum {
	VHD_FE_DISP_GET_PROTOCOL_FEATURES = 1,
	VHD_FE_DISP_SET_PROTOCOL_FEATURES = 2,
	VHD_FE_DISP_GET_DISPLAY_INFO = 3,
	VHD_FE_DISP_CURSOR_POS = 4,
	VHD_FE_DISP_CURSOR_POS_HIDE = 5,
	VHD_FE_DISP_CURSOR_UPDATE = 6,
	VHD_FE_DISP_SCANOUT = 7,
	VHD_FE_DISP_UPDATE = 8,
	VHD_FE_DISP_DMABUF_SCANOUT = 9,
	VHD_FE_DISP_DMABUF_UPDATE = 10,
	VHD_FE_DISP_GET_EDID = 11,
	VHD_FE_DISP_DMABUF_SCANOUT2 = 12,
};

#define VHD_FE_DISP_FLAG_REPLY 0x4u

/** Protocol feature bits a display offers in vhd_fe_disp.features. */
#define VHD_FE_DISP_PF_EDID (1ull << 0)
#define VHD_FE_DISP_PF_DMABUF2 (1ull << 1) /**< DMABUF_SCANOUT2 (with modifier) */

/** What the display answers. */
struct vhd_fe_disp {
	int fd;
	uint64_t features;          /**< GET_PROTOCOL_FEATURES reply */
	/** GET_DISPLAY_INFO reply: virtio_gpu_resp_display_info (408 bytes). */
	uint8_t info[408];
	/** GET_EDID reply: virtio_gpu_resp_edid (1056 bytes); answered for any scanout. */
	uint8_t edid[1056];
	uint32_t gets;              /**< GET_* requests answered */
	/** Do not reply to DMABUF_UPDATE; vhd_fe_disp_reply_update() does, later. */
	bool hold_dmabuf_update;
	uint32_t held;              /**< DMABUF_UPDATE replies held back */
	uint32_t stray_fds;         /**< fds beyond one per message, or with a GET_* (closed) */
};

/** One message from the backend. */
struct vhd_fe_disp_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	uint8_t *body;              /**< caller's buffer */
	uint32_t cap;               /**< its size: a larger body is an error */
	/** The first fd that came with the message (DMABUF_SCANOUT(2)), the caller's to
	 * close; -1: none. */
	int fd;
};

/**
 * Wait up to @p timeout_ms for the next message that is not a GET_* (those
 * are answered on the way) and read it into @p m.
 * @return 0, -ETIMEDOUT, -EPIPE when the backend closed, -EMSGSIZE when the
 * body does not fit, another negative errno.
 */
int vhd_fe_disp_next(struct vhd_fe_disp *d, struct vhd_fe_disp_msg *m, int timeout_ms);

/**
 * Send one held DMABUF_UPDATE reply (see hold_dmabuf_update).
 * @return 0, -ENOENT when none is held, -EIO.
 */
int vhd_fe_disp_reply_update(struct vhd_fe_disp *d);

#ifdef __cplusplus
}
#endif

#endif /* VHD_FE_DISP_H */
