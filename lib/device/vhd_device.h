/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * What a device driver implements (struct vhd_device_ops) and what its host
 * offers it (struct vhd_host). No vhost-user or DPDK here: lib/vhost hosts a
 * driver over rte_vhost, a monolithic VMM could host it directly, and the
 * unit tests host it with plain rings.
 *
 * Writing the next device, in short:
 *  - describe it: virtio device id, queue count, device feature bits, config
 *    space size; the host adds the transport bits (VERSION_1, INDIRECT_DESC,
 *    EVENT_IDX, NOTIFY_ON_EMPTY) and vhost-user protocol features.
 *  - handle(): one request at a time; read its readable part with
 *    vhd_req_read(), write the reply with vhd_req_write(), return the used
 *    length. Return VHD_REQ_HELD to keep it (copy what you need: the vhd_req
 *    is reused) and finish it later with vhd_vq_push() + vhd_vq_notify();
 *    return VHD_REQ_RETRY to leave it on the ring and be called again later
 *    (say when with next_wake()).
 *  - every callback of one device runs on one thread at a time (the worker
 *    servicing it, or the control thread while that worker is held off), so
 *    a driver needs no locks of its own, except for config space reads which
 *    may come from the control thread at any time: keep config immutable or
 *    atomic.
 *  - a malformed request gets the protocol's error status when a status byte
 *    can be written, else used length 0. Never trust a length.
 *
 * Services (struct vhd_host), all callbacks on the device's worker with the
 * same guarantees as handle(); a driver keeps its requests with
 * VHD_REQ_HELD and finishes them from the callbacks:
 *  - timers: embed a struct vhd_timer (zeroed, cb/arg set) and
 *    timer_arm(host, t, host->now_ns(host) + delay); absolute deadlines on
 *    now_ns()'s clock, so periodic work re-arms at deadline + period without
 *    drift. Poll mode checks them every turn; a sleeping worker wakes on
 *    time. Cancel them in queue_stop() when they refer to held requests.
 *  - io_submit: fill a struct vhd_io (it and its iovecs, which may point
 *    into guest buffers of a held request, stay the driver's until cb runs);
 *    offset UINT64_MAX means the file's current position (pipes, char
 *    devices). -EAGAIN at the per-device depth: return VHD_REQ_RETRY.
 *  - offload: for a blocking call with no async form (I2C_RDWR, spidev
 *    ioctls): work(arg) runs on a helper thread and may touch only what arg
 *    points at (copy the request in, copy results out in done()); one
 *    device's calls run one at a time in submission order.
 *  - a queue stop (GET_VRING_BASE, disconnect, memory table change) first
 *    waits for the device's in-flight I/O and offloaded calls and runs their
 *    callbacks (on the control thread, worker held off), so held requests
 *    finish with real results before queue_stop() and no I/O targets guest
 *    memory that is about to be unmapped.
 *  - config_changed: after changing what get_config() returns (atomically),
 *    tell the frontend; the guest reads the config again. Fire and forget:
 *    it never waits for the frontend.
 *  - unit tests host a driver with tests/common/vhd_test_host.h: a fake
 *    clock the test advances, offload and I/O run at the next serve, no DPDK.
 */

#ifndef VHD_DEVICE_H
#define VHD_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vhd_vq.h"

#ifdef __cplusplus
extern "C" {
#endif

/** handle(): keep the request, the driver completes it later. */
#define VHD_REQ_HELD (-1)
/** handle(): leave the request on the ring and call again later. */
#define VHD_REQ_RETRY (-2)

struct vhd_host;

/** Callback for a file descriptor a driver watches. */
typedef void (*vhd_fd_cb)(void *arg, int fd, uint32_t events);

/**
 * A timer. The driver owns the storage and sets @c cb and @c arg; the host
 * owns the other fields. Zero-initialise it before first use.
 */
struct vhd_timer {
	/** Runs on the device's worker thread, same guarantees as handle(). */
	void (*cb)(void *arg);
	void *arg;
	uint64_t deadline_ns; /**< host-private: CLOCK_MONOTONIC deadline when armed */
	int32_t slot;         /**< host-private: 0 when not armed */
};

/** Operations of struct vhd_io. */
enum vhd_io_op {
	VHD_IO_READV,     /**< preadv(fd, iov, iovcnt, offset) */
	VHD_IO_WRITEV,    /**< pwritev(fd, iov, iovcnt, offset) */
	VHD_IO_FSYNC,     /**< fsync(fd) */
	VHD_IO_FDATASYNC, /**< fdatasync(fd) */
	VHD_IO_FALLOCATE, /**< fallocate(fd, mode, offset, len) (punch holes for UNMAP) */
	VHD_IO_POLL,      /**< one-shot poll of fd for poll_events; res is the revents */
};

/**
 * One asynchronous I/O (io_uring on the device's worker). The driver owns
 * the storage, the iovec array and the buffers until @c cb has run.
 */
struct vhd_io {
	enum vhd_io_op op;
	int fd;
	const struct iovec *iov; /**< READV/WRITEV */
	unsigned int iovcnt;
	uint64_t offset;         /**< READV/WRITEV/FALLOCATE; UINT64_MAX: current position */
	uint64_t len;            /**< FALLOCATE */
	int mode;                /**< FALLOCATE */
	uint32_t poll_events;    /**< POLL: EPOLLIN... */
	/** Runs once on the device's worker: @p res is bytes, 0 or a negative errno. */
	void (*cb)(void *arg, int res);
	void *arg;
};

/** Blocking work run off the worker by vhd_host.offload(); returns a result for done(). */
typedef int (*vhd_work_fn)(void *arg);
/** Completion of offloaded work, on the device's worker. */
typedef void (*vhd_done_fn)(void *arg, int res);

/** Services the host gives to a driver. */
struct vhd_host {
	/**
	 * Watch @p fd for @p events (EPOLLIN...). @p cb runs on the device's
	 * worker thread with the same guarantees as handle().
	 * @return 0 or a negative errno.
	 */
	int (*watch_fd)(struct vhd_host *host, int fd, uint32_t events, vhd_fd_cb cb, void *arg);
	/** Stop watching @p fd (call before closing it). */
	void (*unwatch_fd)(struct vhd_host *host, int fd);
	/** Ask for handle()/poll() to run again soon (from an fd callback). */
	void (*wake)(struct vhd_host *host);
	/**
	 * CLOCK_MONOTONIC now, in nanoseconds: the clock timer deadlines use
	 * (a unit-test host may run a clock of its own).
	 */
	uint64_t (*now_ns)(struct vhd_host *host);
	/**
	 * Arm @p t to run t->cb on the device's worker once the clock reaches
	 * @p deadline_ns (absolute; a deadline in the past runs at the next
	 * turn of the worker). Re-arming an armed timer moves it.
	 * @return 0 or a negative errno.
	 */
	int (*timer_arm)(struct vhd_host *host, struct vhd_timer *t, uint64_t deadline_ns);
	/** Disarm @p t (no-op when not armed); its cb does not run afterwards. */
	void (*timer_cancel)(struct vhd_host *host, struct vhd_timer *t);
	/**
	 * Submit asynchronous I/O. In interrupt mode a completion wakes the
	 * worker like a kick does.
	 * @return 0 (io->cb runs exactly once, later, on the worker),
	 * -EAGAIN when the device's in-flight limit is reached (leave the
	 * request on the ring: VHD_REQ_RETRY), another negative errno when
	 * it cannot be submitted (io->cb does not run).
	 */
	int (*io_submit)(struct vhd_host *host, struct vhd_io *io);
	/**
	 * Run @p work(@p arg) on a helper thread owned by the host (it may
	 * block: an ioctl with no async form), then @p done(@p arg, result)
	 * on the device's worker. One device's calls run one at a time, in
	 * submission order. @p work may touch only what @p arg points at
	 * (no rings, no driver state the worker uses).
	 * @return 0, -EAGAIN when the device's limit of outstanding calls is
	 * reached, or another negative errno (done() does not run).
	 */
	int (*offload)(struct vhd_host *host, vhd_work_fn work, vhd_done_fn done, void *arg);
	/**
	 * Tell the frontend the config space changed
	 * (VHOST_USER_BACKEND_CONFIG_CHANGE_MSG on the backend channel).
	 * @return 0, -ENOTCONN without a frontend, -ENOTSUP when the frontend
	 * did not set up a backend channel, -EAGAIN when the channel is full
	 * (the frontend stopped reading it: this notification is dropped).
	 */
	int (*config_changed)(struct vhd_host *host);
	/** Opaque to drivers. */
	void *ctx;
};

/** A device type. All callbacks get the driver's @p priv. */
struct vhd_device_ops {
	const char *name;        /**< short name: "rng", "gpio"... */
	uint32_t virtio_id;      /**< virtio device id */
	uint16_t num_queues;     /**< queues the device has */
	uint16_t max_queue_size; /**< largest ring it accepts */
	uint64_t features;       /**< device-specific feature bits offered */
	uint32_t config_size;    /**< bytes of config space, 0 for none */
	/**
	 * Held requests keep guest addresses only (translated with vq->mem
	 * when completed), so they survive a guest memory remap: a memory
	 * table change then pauses the queues instead of calling queue_stop().
	 */
	bool held_survive_remap;
	/**
	 * Bytes of device state kept across a backend restart (at most
	 * VHD_RESTART_STATE_MAX), see restart_state(); 0 for none.
	 */
	uint32_t restart_state_size;

	/** The host this device instance runs on; called once, first. Optional. */
	void (*attach)(void *priv, struct vhd_host *host);
	/** Copy config space bytes [off, off+len) to @p buf. Optional. */
	int (*get_config)(void *priv, uint8_t *buf, uint32_t off, uint32_t len);
	/** Guest wrote config space. Optional; absent means read-only. */
	int (*set_config)(void *priv, const uint8_t *buf, uint32_t off, uint32_t len);
	/**
	 * A new frontend connected: return the state a fresh device starts
	 * with (masked interrupts, forgotten latches, what the hardware reports)
	 * so that nothing one frontend set up leaks to the next. Every queue is
	 * stopped when it runs. Optional.
	 */
	void (*reset)(void *priv);
	/** Negotiated features (all bits) before any queue starts. Optional. */
	void (*set_features)(void *priv, uint64_t features);
	/** Queue @p q became live; @p vq stays valid until queue_stop(). Optional. */
	int (*queue_start)(void *priv, uint16_t q, struct vhd_vq *vq);
	/**
	 * Queue @p q stops for real (GET_VRING_BASE, memory change,
	 * disconnect): held requests of it must be completed now (vhd_vq_push()
	 * then vhd_vq_notify(), e.g. with an error status) or forgotten; their
	 * iovecs become invalid after this call. A pause (ring fds changing)
	 * does not call this: held requests survive it. Optional.
	 */
	void (*queue_stop)(void *priv, uint16_t q, struct vhd_vq *vq);
	/**
	 * Serve one request of queue @p q.
	 * @return used length (>= 0), VHD_REQ_HELD or VHD_REQ_RETRY.
	 */
	int (*handle)(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req);
	/**
	 * Restart hook, part 1: device state that outlives the backend
	 * process. With in-flight tracking (the frontend keeps an area across
	 * backend restarts, VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD) the host keeps
	 * restart_state_size bytes there and calls this, device paused, after
	 * set_features() and before the first queue_start() of a connection.
	 * @p restored: @p state holds what this device wrote on an earlier
	 * connection (a backend killed and started again): take the guest-set
	 * state from it, checking every value (it is the frontend's memory).
	 * Else @p state is zeroed: write the state there from now on, whenever
	 * it changes. @p state NULL: the connection ended, stop writing. The
	 * hook for held requests is state enough to hold again what the
	 * previous process held (part 2: resubmitted()). Optional.
	 */
	void (*restart_state)(void *priv, void *state, bool restored);
	/**
	 * Restart hook, part 2: a request of queue @p q that the previous
	 * backend process had taken and not completed, handed back once after a
	 * restart (in-flight tracking), before any new request. A request that
	 * process held comes back here: with the state restart_state() gave
	 * back, the driver holds it again (VHD_REQ_HELD) as it did. Optional:
	 * absent, handle() serves it. @return like handle().
	 */
	int (*resubmitted)(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req);
	/**
	 * Nanoseconds until the driver wants handle() retried or poll() run
	 * (rate limits, timers); 0 for never. Optional.
	 */
	uint64_t (*next_wake)(void *priv);
	/** Periodic work on the worker thread. Optional. */
	void (*poll)(void *priv);
	/**
	 * Report the driver's own counters, one @p put call each. Runs on a
	 * control thread while the worker counts: report naturally aligned
	 * 64-bit counters only. Optional.
	 */
	void (*get_stats)(void *priv, void (*put)(void *ctx, const char *name, uint64_t v),
			  void *ctx);
};

/** Largest vhd_device_ops.restart_state_size. */
#define VHD_RESTART_STATE_MAX 4096

/**
 * Serve @p req, just popped from @p vq: resubmitted() for a request a dead
 * backend had taken (when the driver has that hook), handle() otherwise.
 */
static inline int
vhd_device_serve(const struct vhd_device_ops *ops, void *priv, uint16_t q, struct vhd_vq *vq,
		 struct vhd_req *req)
{
	if (ops->resubmitted != NULL && vhd_vq_resubmitted(vq))
		return ops->resubmitted(priv, q, vq, req);
	return ops->handle(priv, q, vq, req);
}

#ifdef __cplusplus
}
#endif

#endif /* VHD_DEVICE_H */
