/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-rng (device id 4): one request queue; the guest posts writable
 * buffers and the device fills them from a random source, under an optional
 * byte budget per period.
 */

#ifndef RNG_H
#define RNG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "rng_limiter.h"
#include "vhd_device.h"

/** virtio device id of an entropy device. */
#define RNG_VIRTIO_ID 4

/** Largest fill per request: bounds the time one request holds the lcore. */
#define RNG_MAX_FILL (64u * 1024u)

/** Requests up to this size are served from the device's pool. */
#define RNG_POOL_SMALL 256u

/** Bytes the pool reads from the source at once. */
#define RNG_POOL_SIZE (16u * 1024u)

/** Where random bytes come from; tests substitute their own. */
struct rng_source {
	/** Like readv(2); -1 with errno on error, 0 at end of file. */
	ssize_t (*readv)(void *ctx, const struct iovec *iov, int n);
	/** Start over after end of file; -1 if the source cannot. Optional. */
	int (*rewind)(void *ctx);
	void *ctx;
};

/** Driver counters. */
struct rng_stats {
	uint64_t bytes;        /**< random bytes given to the guest */
	uint64_t read_errors;  /**< source errors (request answered empty) */
	uint64_t throttled;    /**< times a request waited for the next period */
	uint64_t async_reads;  /**< reads through the host's io_uring (rng_dev_use_async()) */
};

struct rng_dev;

/** A request read from the source through the host's io_submit(). */
struct rng_async {
	struct rng_dev *dev;
	struct vhd_vq *vq;
	struct vhd_io io;
	uint16_t id;           /**< descriptor head */
	bool busy;
	bool rewound;          /**< end of file seen once already */
	uint64_t grant;        /**< budget taken for it */
	unsigned int n_iov;
	struct iovec iov[VHD_REQ_MAX_IOV];
};

/** Requests in flight through io_submit per device. */
#define RNG_ASYNC_SLOTS 32

/** One rng device instance. */
struct rng_dev {
	struct rng_source src;
	struct rng_limiter lim;
	struct rng_stats stats;
	/** A request is left on the ring until budget or data is back. */
	bool waiting;
	/** Bytes read ahead from the source for small requests. */
	uint32_t pool_off, pool_len;
	uint8_t pool[RNG_POOL_SIZE];
	/** Clock in ns; CLOCK_MONOTONIC unless a test sets it. Unused once attached. */
	uint64_t (*now_ns)(void);
	/** From attach(): its clock and timers pace the waits; NULL: next_wake(). */
	struct vhd_host *host;
	/** Fires when a wait is over; the request is retried then. */
	struct vhd_timer wait_timer;
	bool timer_armed;
	/** Source fd read through io_submit, -1 for read() (see rng_dev_use_async()). */
	int async_fd;
	struct rng_async *async; /**< RNG_ASYNC_SLOTS slots when async_fd >= 0 */
};

/** Device description to pass to a host with a struct rng_dev. */
extern const struct vhd_device_ops rng_ops;

/**
 * Set up @p dev over @p src with @p max_bytes per @p period_ms
 * (UINT64_MAX for no limit).
 */
void rng_dev_init(struct rng_dev *dev, const struct rng_source *src, uint64_t period_ms,
		  uint64_t max_bytes);

/**
 * Open @p path as a source (non-blocking, so a slow source never stalls
 * a polling lcore).
 * @return 0, or a negative errno.
 */
int rng_source_open_file(struct rng_source *src, const char *path);

/** Close a source opened by rng_source_open_file(); harmless on a zeroed one. */
void rng_source_close(struct rng_source *src);

/** The file descriptor of a source from rng_source_open_file(), else -1. */
int rng_source_fd(const struct rng_source *src);

/**
 * Read requests larger than the pool's through the host's io_uring
 * (vhd_host.io_submit, into the guest's buffers, request held) instead of
 * read() on the worker: for a regular-file source whose reads may block on
 * disk. Call after rng_dev_init(); the host must offer io_submit (else
 * read() stays). @return 0 or -ENOMEM.
 */
int rng_dev_use_async(struct rng_dev *dev, int fd);

/** Release what rng_dev_use_async() allocated. */
void rng_dev_fini(struct rng_dev *dev);

#endif /* RNG_H */
