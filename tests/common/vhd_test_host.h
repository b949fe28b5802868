/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * A struct vhd_host for driver unit tests, no DPDK: the same services the
 * rte_vhost host gives, made deterministic.
 *  - clock: a fake CLOCK_MONOTONIC the test moves with vhd_test_host_advance();
 *    timers fire, earliest first, when the clock reaches them (a deadline in
 *    the past fires at the next advance or run, like the next worker turn);
 *  - offload: work() and done() both run, in order, at the next
 *    vhd_test_host_run() (synchronous, but never inside the caller);
 *  - io_submit: done with plain preadv/pwritev/fsync/fallocate/poll at the
 *    next run, callbacks in submission order;
 *  - config_changed: counted (returns config_changed_rc);
 *  - watch_fd: recorded; a run calls back the watched fds that are ready.
 * Limits as the real host's (VHD_TEST_HOST_DEPTH in flight per service);
 * a test lowers io_limit / offload_limit to provoke -EAGAIN.
 */

#ifndef VHD_TEST_HOST_H
#define VHD_TEST_HOST_H

#include <stdint.h>

#include "vhd_device.h"
#include "vhd_test_pair.h"

/** In-flight I/O, outstanding offloads, armed timers and watched fds at most. */
#define VHD_TEST_HOST_DEPTH 64

struct vhd_test_host {
	struct vhd_host host;      /**< hand &host to the driver's attach() */
	uint64_t now;              /**< the fake clock, ns; starts at 1 s */
	struct vhd_timer *timer[VHD_TEST_HOST_DEPTH];
	unsigned int ntimers;
	struct {
		vhd_work_fn work;
		vhd_done_fn done;
		void *arg;
	} off[VHD_TEST_HOST_DEPTH];
	unsigned int noff;
	unsigned int offload_limit; /**< -EAGAIN beyond this many outstanding */
	struct vhd_io *io[VHD_TEST_HOST_DEPTH];
	unsigned int nio;
	unsigned int io_limit;     /**< -EAGAIN beyond this many in flight */
	struct {
		int fd;
		uint32_t events;
		vhd_fd_cb cb;
		void *arg;
	} watch[VHD_TEST_HOST_DEPTH];
	unsigned int nwatch;
	unsigned int config_changes; /**< config_changed() calls */
	int config_changed_rc;     /**< what config_changed() returns (0) */
	unsigned int wakes;        /**< wake() calls */
	uint64_t timers_fired, offloads_run, ios_done;
};

/** Initialise @p h (clock at 1 s, no limits lowered). */
void vhd_test_host_init(struct vhd_test_host *h);

/**
 * Move the clock forward by @p ns and fire every timer due by then,
 * earliest first (timers armed by a callback fire too when due).
 * @return timers fired.
 */
unsigned int vhd_test_host_advance(struct vhd_test_host *h, uint64_t ns);

/**
 * One worker turn: fire due timers, run the offloads and I/O queued before
 * this call (their callbacks may queue more, for the next run), call back
 * ready watched fds.
 * @return callbacks run.
 */
unsigned int vhd_test_host_run(struct vhd_test_host *h);

/** vhd_test_host_run(), then vhd_test_serve() of queue @p q. @return vhd_test_serve()'s. */
int vhd_test_host_serve(struct vhd_test_host *h, struct vhd_test_pair *p,
			const struct vhd_device_ops *ops, void *priv, uint16_t q);

#endif /* VHD_TEST_HOST_H */
