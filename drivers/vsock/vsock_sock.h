/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The sockets of the vsock-to-vsock mode (--forward-cid, --forward-listen)
 * behind a replaceable layer: the real one opens AF_VSOCK sockets on the
 * host; the simulated one stands Unix sockets in a directory in for vsock
 * addresses, so that tests never touch a real AF_VSOCK address.
 */

#ifndef VSOCK_SOCK_H
#define VSOCK_SOCK_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** How the device reaches host vsock addresses. */
struct vsock_sock_ops {
	/**
	 * A non-blocking socket of @p type (SOCK_STREAM or SOCK_SEQPACKET)
	 * connected, or connecting (@p in_progress set: EPOLLOUT and SO_ERROR
	 * tell the outcome), to (@p cid, @p port).
	 * @return the fd, or a negative errno.
	 */
	int (*connect)(void *ctx, uint32_t cid, uint32_t port, int type, bool *in_progress);
	/**
	 * A non-blocking listening stream socket on @p port of any local CID.
	 * @return the fd, or a negative errno.
	 */
	int (*listen)(void *ctx, uint32_t port);
	void *ctx;
};

/** AF_VSOCK of the host. */
extern const struct vsock_sock_ops vsock_sock_linux;

/**
 * Fill @p ops with the simulated layer: a connect to (cid, port) connects
 * to the Unix socket @p dir/<cid>_<port>, a listener on port P is the Unix
 * socket @p dir/listen_<P> (an old socket file there is replaced).
 * @return 0, or -1 when @p dir is too long for socket paths.
 */
int vsock_sock_sim_init(struct vsock_sock_ops *ops, const char *dir);

/** Free what vsock_sock_sim_init() allocated. */
void vsock_sock_sim_fini(struct vsock_sock_ops *ops);

#ifdef __cplusplus
}
#endif

#endif /* VSOCK_SOCK_H */
