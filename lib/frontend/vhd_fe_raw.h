/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Raw vhost-user messages for hostile-frontend tests: headers that lie
 * about their size, any payload, any fds, messages cut off mid-way, on a
 * bare socket or on the socket of a negotiated vhd_fe. No checks at all:
 * that is the point.
 */

#ifndef VHD_FE_RAW_H
#define VHD_FE_RAW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "vhd_fe.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One message to send as is. */
struct vhd_fe_raw_msg {
	uint32_t request;
	uint32_t flags;       /**< sent as is: add VHD_FE_MSG_VERSION yourself */
	uint32_t size;        /**< the header's size field */
	const void *payload;  /**< @p len bytes sent after the header (may differ from size) */
	uint32_t len;
	const int *fds;       /**< sent with the header (SCM_RIGHTS), up to 16 */
	unsigned int n_fds;
};

/**
 * Connect a bare socket to @p path, retrying up to @p timeout_ms while the
 * backend is not listening yet.
 * @return the socket or a negative errno.
 */
int vhd_fe_raw_connect(const char *path, int timeout_ms);

/** Send @p m on @p sock. @return 0 or a negative errno (-EPIPE when closed). */
int vhd_fe_raw_send(int sock, const struct vhd_fe_raw_msg *m);

/**
 * Send @p len raw bytes (a partial header, say) with @p n_fds fds.
 * @return 0 or a negative errno.
 */
int vhd_fe_raw_send_bytes(int sock, const void *buf, size_t len, const int *fds,
			  unsigned int n_fds);

/**
 * Read one reply: header into @p request/@p flags (may be NULL), body (up
 * to @p body_len bytes copied, the rest read and dropped). Fds that come
 * with it are closed and counted in @p n_fds (may be NULL).
 * @return the body size, -ECONNRESET when the peer closed, -ETIMEDOUT.
 */
int vhd_fe_raw_recv(int sock, uint32_t *request, uint32_t *flags, void *body, uint32_t body_len,
		    unsigned int *n_fds, int timeout_ms);

/**
 * sendmsg() of @p niov iovecs with @p n_fds fds (SCM_RIGHTS, up to 16),
 * retried on EINTR, never raising SIGPIPE.
 * @return bytes sent or a negative errno.
 */
ssize_t vhd_fe_raw_sendv(int sock, struct iovec *iov, int niov, const int *fds,
			 unsigned int n_fds);

/** A memfd of @p size bytes (read-write). @return the fd or a negative errno. */
int vhd_fe_raw_memfd(uint64_t size);

/** The socket of a connected frontend (-1 when not connected), for raw messages. */
int vhd_fe_socket(const struct vhd_fe *fe);

#ifdef __cplusplus
}
#endif

#endif /* VHD_FE_RAW_H */
