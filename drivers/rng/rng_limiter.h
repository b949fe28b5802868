/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Byte budget per period (upstream's -m/--max-bytes per -p/--period).
 * Each device owns one limiter, so no lock is shared between lcores;
 * the app splits the global budget evenly between its sockets.
 */

#ifndef RNG_LIMITER_H
#define RNG_LIMITER_H

#include <stdint.h>

/** A fixed-window byte budget. */
struct rng_limiter {
	uint64_t period_ns;    /**< window length */
	uint64_t max_bytes;    /**< bytes per window; UINT64_MAX: unlimited */
	uint64_t window_start; /**< ns, start of the current window */
	uint64_t used;         /**< bytes granted in the current window */
};

/** Start a limiter at time @p now_ns. */
void rng_limiter_init(struct rng_limiter *l, uint64_t period_ns, uint64_t max_bytes,
		      uint64_t now_ns);

/**
 * Take up to @p want bytes at time @p now_ns.
 * @return bytes granted, 0 when the window's budget is spent.
 */
uint64_t rng_limiter_take(struct rng_limiter *l, uint64_t now_ns, uint64_t want);

/** Nanoseconds until budget is available again (0: available now). */
uint64_t rng_limiter_wait_ns(const struct rng_limiter *l, uint64_t now_ns);

#endif /* RNG_LIMITER_H */
