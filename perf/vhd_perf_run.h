/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The closed loop: act as the guest on a backend's vhost-user socket, keep
 * --qd requests in flight, repost each one as soon as it completes.
 */

#ifndef VHD_PERF_RUN_H
#define VHD_PERF_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "vhd_perf_gen.h"
#include "vhd_perf_report.h"

/** How the tool waits for completions. */
enum vhd_perf_style {
	VHD_PERF_POLL,   /**< spin on the used ring, calls suppressed */
	VHD_PERF_NOTIFY, /**< calls enabled, block in read() on the call eventfd */
};

/** A closed-loop run. */
struct vhd_perf_run_cfg {
	const char *socket;
	const struct vhd_perf_gen *gen;
	struct vhd_perf_gen_cfg gen_cfg;
	enum vhd_perf_style style;
	uint32_t qd;            /**< requests in flight */
	uint16_t ring_size;     /**< 0: smallest power of two >= qd, at least 8 */
	uint64_t count;         /**< measured requests (when duration_s is 0) */
	double duration_s;      /**< measure for this long instead of count */
	uint64_t warmup;        /**< completions before measuring starts */
	uint32_t connect_ms;    /**< retry connecting for this long (backend starting) */
	int backend_pid;        /**< > 0: sample this process' CPU time (/proc) */
	double idle_s;          /**< > 0: after the load, stay connected and idle this long */
	bool packed;            /**< packed rings (VIRTIO_F_RING_PACKED), else split */
};

/**
 * Run @p cfg; fills @p out (label left to the caller).
 * @return 0, or -1 with an error line printed.
 */
int vhd_perf_run(const struct vhd_perf_run_cfg *cfg, struct vhd_perf_result *out);

/** Start and end of the measured part of a hand-written loop (after its warm-up). */
struct vhd_perf_meter {
	uint64_t start_ns;  /**< when measuring started */
	uint64_t stop_at;   /**< deadline for --duration, UINT64_MAX for --count */
	uint64_t cpu0;      /**< the tool thread's CPU time then */
	uint64_t be0;       /**< the backend's CPU time then */
	bool be_ok;         /**< the backend's /proc entry could be read */
};

/** Measuring starts now: clocks read, @p out's kick and wait counts zeroed. */
void vhd_perf_meter_start(struct vhd_perf_meter *m, const struct vhd_perf_run_cfg *cfg,
			  struct vhd_perf_result *out);

/** Measuring ends now: elapsed time and CPU use into @p out. */
void vhd_perf_meter_stop(const struct vhd_perf_meter *m, const struct vhd_perf_run_cfg *cfg,
			 struct vhd_perf_result *out);

struct vhd_fe;
struct vhd_fe_ring;

/** Print "vhd-perf: WHAT: reason" for frontend error @p rc; returns -1. */
int vhd_perf_fe_fail(struct vhd_fe *fe, const char *what, int rc);

/**
 * Wait for at least one used entry on @p ring (queue @p q of @p fe).
 * Polling spins on the ring (calls stay off); notified asks for a call and
 * sleeps on the call eventfd. Counts sleeps in out->waits.
 * @return 1 when entries are pending, 0 after @p stall_ns without any, -1 on error.
 */
int vhd_perf_wait_used(struct vhd_fe *fe, uint16_t q, struct vhd_fe_ring *ring,
		       enum vhd_perf_style style, uint64_t stall_ns, struct vhd_perf_result *out);

#endif /* VHD_PERF_RUN_H */
