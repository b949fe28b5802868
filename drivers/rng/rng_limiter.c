/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include "rng_limiter.h"

void
rng_limiter_init(struct rng_limiter *l, uint64_t period_ns, uint64_t max_bytes, uint64_t now_ns)
{
	l->period_ns = period_ns ? period_ns : 1;
	l->max_bytes = max_bytes;
	l->window_start = now_ns;
	l->used = 0;
}

static void
roll(struct rng_limiter *l, uint64_t now_ns)
{
	if (now_ns - l->window_start >= l->period_ns) {
		/* Windows are aligned to the first one so bursts can't drift. */
		l->window_start += (now_ns - l->window_start) / l->period_ns * l->period_ns;
		l->used = 0;
	}
}

uint64_t
rng_limiter_take(struct rng_limiter *l, uint64_t now_ns, uint64_t want)
{
	uint64_t left;

	if (l->max_bytes == UINT64_MAX)
		return want;
	roll(l, now_ns);
	left = l->max_bytes - l->used;
	if (want > left)
		want = left;
	l->used += want;
	return want;
}

uint64_t
rng_limiter_wait_ns(const struct rng_limiter *l, uint64_t now_ns)
{
	if (l->max_bytes == UINT64_MAX || l->used < l->max_bytes ||
	    now_ns - l->window_start >= l->period_ns)
		return 0;
	return l->window_start + l->period_ns - now_ns;
}
