/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The hardware floor: the cheapest possible round trip between the two cores
 * the tool and the backend run on. A device round trip can't beat the
 * cache-line ping-pong (polling) or the eventfd ping-pong (notified), so
 * every figure is reported as a ratio to them.
 */

#ifndef VHD_PERF_FLOOR_H
#define VHD_PERF_FLOOR_H

#include <stdint.h>

#include "vhd_perf_stats.h"

/** Floor measurements between two CPUs. */
struct vhd_perf_floor {
	int cpu_self;                 /**< CPU of the measuring thread (the tool's) */
	int cpu_peer;                 /**< CPU of the echo thread (the backend's) */
	struct vhd_perf_lat pingpong; /**< one cache line bounced there and back */
	struct vhd_perf_lat eventfd;  /**< blocking write/read on two eventfds */
	unsigned int rounds;          /**< rounds measured; each figure is the best round's */
	int valid;                    /**< both were measured (or loaded) */
};

/** Rounds vhd_perf_floor_measure() takes the best of. */
#define VHD_PERF_FLOOR_ROUNDS 5

/**
 * Round trips of one shared cache line: this thread writes, a thread pinned
 * to @p cpu_peer spins until it sees the write and answers on the same line.
 * The calling thread is pinned to @p cpu_self first (-1: not pinned).
 * @return 0 or a negative errno.
 */
int vhd_perf_floor_pingpong(int cpu_self, int cpu_peer, uint64_t iters,
			    struct vhd_perf_lat *out);

/**
 * Round trips over two eventfds: write one, block in read() on the other,
 * with the echo thread pinned to @p cpu_peer doing the converse.
 * @return 0 or a negative errno.
 */
int vhd_perf_floor_eventfd(int cpu_self, int cpu_peer, uint64_t iters, struct vhd_perf_lat *out);

/**
 * Both measurements, each in VHD_PERF_FLOOR_ROUNDS rounds of a fifth of the
 * iterations; each keeps the round with the lowest p50. A floor is a lower
 * bound: other work on a shared machine only ever adds to it, and a floor
 * inflated by a noisy moment would flatter every ratio.
 * @return 0 or a negative errno.
 */
int vhd_perf_floor_measure(struct vhd_perf_floor *f, int cpu_self, int cpu_peer,
			   uint64_t pp_iters, uint64_t efd_iters);

/**
 * Load a floor from a JSON report written by this tool (its "floor" object),
 * so a script measures it once with nothing else running and passes it on.
 * @return 0, or -1 with an error line printed.
 */
int vhd_perf_floor_load(struct vhd_perf_floor *f, const char *path);

#endif /* VHD_PERF_FLOOR_H */
