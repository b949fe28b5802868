/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The building blocks behind struct vhd_host's timer, io_submit and offload
 * services: a timer heap per device, an io_uring per worker with a bounded
 * queue per device, and helper threads with an ordered queue per device.
 * No DPDK here (the unit tests link these files alone); vhd_worker.c and
 * vhd_dev.c tie them to workers and devices.
 *
 * "Device side" below means whoever is inside the device: its worker, or a
 * control thread while the worker is held off (vhd_dev_pause()); those never
 * overlap, so device-side state needs no lock of its own.
 */

#ifndef VHD_SERVICES_H
#define VHD_SERVICES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vhd_device.h"

/* ---- timers (vhd_timer.c) ---- */

/** Armed timers of one device, earliest deadline first. Device side only. */
struct vhd_timer_heap {
	struct vhd_timer **t;
	uint32_t n;
	uint32_t cap;
};

/** Arm or move @p t. @return 0 or -ENOMEM. */
int vhd_theap_arm(struct vhd_timer_heap *h, struct vhd_timer *t, uint64_t deadline_ns);
/** Disarm @p t when it is armed in @p h. */
void vhd_theap_cancel(struct vhd_timer_heap *h, struct vhd_timer *t);
/** Earliest deadline, UINT64_MAX when none is armed. */
uint64_t vhd_theap_next(const struct vhd_timer_heap *h);
/**
 * Run the callbacks of timers due at @p now, earliest first, at most
 * @p max of them (a callback re-arming in the past cannot spin forever).
 * @return how many ran.
 */
unsigned int vhd_theap_run(struct vhd_timer_heap *h, uint64_t now, unsigned int max);
/** Free the heap (armed timers are forgotten). */
void vhd_theap_fini(struct vhd_timer_heap *h);

/* ---- async I/O (vhd_uring.c) ---- */

/** In-flight I/O one device may have. */
#define VHD_IO_DEPTH 64

struct vhd_uring;

struct vhd_io_slot {
	struct vhd_io *io;
	struct vhd_ioq *q;
	int res;
	uint16_t next_free;
};

/** One device's I/O on its worker's ring. */
struct vhd_ioq {
	struct vhd_uring *u;
	struct vhd_io_slot slot[VHD_IO_DEPTH];
	uint16_t free_head;          /* device side */
	uint32_t inflight;           /* submitted, callback not run yet (atomic) */
	/* reaped slots in completion order: written by the reaper, read device side */
	uint16_t done[VHD_IO_DEPTH];
	uint32_t done_head, done_tail; /* atomic */
};

/** A worker's io_uring. */
struct vhd_uring {
	void *ring;                  /* struct io_uring, opaque here */
	int efd;                     /* signalled on completions, -1 without a ring */
	pthread_mutex_t sq_lock;     /* submitters: the worker and control threads */
	unsigned int unsubmitted;
	uint32_t inflight;           /* all devices (atomic) */
};

/** Set up @p u with @p entries submission slots. @return 0 or a negative errno. */
int vhd_uring_init(struct vhd_uring *u, unsigned int entries);
void vhd_uring_fini(struct vhd_uring *u);
/** Hand queued submissions to the kernel. @return true when some are still queued. */
bool vhd_uring_flush(struct vhd_uring *u);
/** Take every completion from the ring into its device's queue (reaper only). */
unsigned int vhd_uring_reap(struct vhd_uring *u);
/** Clear the ring's eventfd (after epoll reported it). */
void vhd_uring_ack(struct vhd_uring *u);

/** Attach a device queue to @p u (NULL: io_submit says -ENOSYS). */
void vhd_ioq_init(struct vhd_ioq *q, struct vhd_uring *u);
/**
 * Queue @p io (vhd_host.io_submit semantics). @p flush: submit to the kernel
 * now instead of at the worker's next flush.
 */
int vhd_ioq_submit(struct vhd_ioq *q, struct vhd_io *io, bool flush);
/** Run the callbacks of reaped I/O, in completion order. Device side. @return count. */
unsigned int vhd_ioq_complete(struct vhd_ioq *q);
/** Reaped I/O waits for its callback. */
bool vhd_ioq_has_done(const struct vhd_ioq *q);
/** I/O submitted and not called back yet. */
uint32_t vhd_ioq_inflight(const struct vhd_ioq *q);

/* ---- helper threads (vhd_offload.c) ---- */

/** Offloaded calls one device may have outstanding. */
#define VHD_OFFLOAD_DEPTH 64
/** Most helper threads (started on demand). */
#define VHD_OFFLOAD_MAX_THREADS 8

struct vhd_offload_job {
	vhd_work_fn work;
	vhd_done_fn done;
	void *arg;
	int res;
};

/** One device's offloaded calls: run in order, one at a time. */
struct vhd_offq {
	pthread_mutex_t lock;
	struct vhd_offload_job job[VHD_OFFLOAD_DEPTH];
	uint32_t sub;   /* next to fill */
	uint32_t ran;   /* next to run; [done, ran) finished, waiting for done() */
	uint32_t done;  /* next to complete */
	bool queued;    /* on the ready list or running on a helper */
	struct vhd_offq *next;
	/** Called on the helper thread after a call finished: wake the device's worker. */
	void (*notify)(void *ctx);
	void *notify_ctx;
};

void vhd_offq_init(struct vhd_offq *q, void (*notify)(void *ctx), void *ctx);
/** vhd_host.offload semantics. Device side. */
int vhd_offq_submit(struct vhd_offq *q, vhd_work_fn work, vhd_done_fn done, void *arg);
/** Run done() of finished calls, in order. Device side. @return count. */
unsigned int vhd_offq_complete(struct vhd_offq *q);
/** A finished call waits for done(). */
bool vhd_offq_has_done(struct vhd_offq *q);
/** Calls submitted and not completed yet. */
uint32_t vhd_offq_outstanding(struct vhd_offq *q);
/** Stop and join the helper threads (after the workers stopped). */
void vhd_offload_shutdown(void);

#endif /* VHD_SERVICES_H */
