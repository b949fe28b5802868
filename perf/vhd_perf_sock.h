/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The host side of the socket devices' runs (console, vsock): a thread on
 * one stream socket that echoes, discards or writes forever, and the floor
 * beside a device echo, the same echo over a plain socket pair.
 */

#ifndef VHD_PERF_SOCK_H
#define VHD_PERF_SOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/** Largest chunk a socket thread moves at once, and the largest floor echo. */
#define VHD_PERF_SOCK_MAX 65536

/** What a socket thread does. */
enum vhd_perf_sock_mode {
	VHD_PERF_SOCK_ECHO,    /**< send back what arrives */
	VHD_PERF_SOCK_DISCARD, /**< read and drop */
	VHD_PERF_SOCK_WRITE,   /**< send @c size bytes at a time until the socket fails */
};

/** One socket thread; the caller owns the storage and the socket. */
struct vhd_perf_sock_thr {
	int fd;
	enum vhd_perf_sock_mode mode;
	uint32_t size;              /**< WRITE: bytes per send() (at most VHD_PERF_SOCK_MAX) */
	const volatile bool *stop;  /**< the run's stop flag, checked between calls */
	pthread_t th;
	bool up;                    /**< the thread runs (stop it with vhd_perf_sock_thr_stop()) */
};

/**
 * Start @p t on @p fd (stays the caller's). @p stop is set by the caller
 * before vhd_perf_sock_thr_stop().
 * @return 0, or -1 when no thread could be started.
 */
int vhd_perf_sock_thr_start(struct vhd_perf_sock_thr *t, int fd, enum vhd_perf_sock_mode mode,
			    uint32_t size, const volatile bool *stop);

/**
 * Shut @p t's socket down under it (the blocked call returns) and join it;
 * a thread that never started is left alone. The socket is not closed.
 */
void vhd_perf_sock_thr_stop(struct vhd_perf_sock_thr *t);

/**
 * One echo of @p size bytes (at most VHD_PERF_SOCK_MAX) over @p fd, whose
 * other end an ECHO thread serves: the floor of a device echo. @p spin:
 * poll with MSG_DONTWAIT (the poll style), else block.
 * @return 0 with @p lat in ns, or -1.
 */
int vhd_perf_sock_echo(int fd, uint32_t size, bool spin, uint64_t *lat);

#endif /* VHD_PERF_SOCK_H */
