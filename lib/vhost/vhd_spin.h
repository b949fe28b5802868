/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Interrupt mode's adaptive spin. A worker that just served a request
 * keeps polling (kicks off) for a short window before arming kicks and
 * sleeping: a guest that posts its next request right after seeing the
 * last one complete then finds the worker awake, instead of paying a
 * cross-core wake-up (10-50 us on a VM) plus a kick per request.
 *
 * The window follows the device's recent gap between a completion and its
 * next request: twice the average gap it caught while spinning; doubled
 * when a request came soon after the worker went to sleep (spinning a bit
 * longer would have caught it); halved on every long gap, so it reaches 0
 * (sleep at once, idle CPU ~0 %) when the device is idle or its requests are
 * sporadic. Never above the cap. All times in TSC cycles. No DPDK here.
 */

#ifndef VHD_SPIN_H
#define VHD_SPIN_H

#include <stdbool.h>
#include <stdint.h>

/** Longest window: a fraction of what a wake-up costs on these machines. */
#define VHD_SPIN_CAP_NS 20000
/** First window after a request came soon after sleeping. */
#define VHD_SPIN_SEED_NS 2000
/** Windows below this are 0. */
#define VHD_SPIN_MIN_NS 500
/** A gap up to this, slept through, says "spin longer" (includes the wake-up). */
#define VHD_SPIN_SHORT_NS (3 * VHD_SPIN_CAP_NS)

struct vhd_spin {
	uint64_t cap, seed, min, short_gap; /* in cycles */
	uint64_t window;    /* current window */
	uint64_t avg_gap;   /* average caught gap */
	uint64_t last_work; /* when the device last had work */
	bool have_work;     /* last_work is set */
	bool idle;          /* a turn found no work since last_work */
	bool slept;         /* the worker slept since last_work */
	/* counters (worker only; read as naturally aligned 64-bit words) */
	uint64_t caught;    /* requests found while spinning */
	uint64_t missed;    /* requests soon after a sleep: window grew */
	uint64_t long_gaps; /* requests after a long idle stretch: window shrank */
};

/** @p hz: cycles per second. @p cap_ns 0: no spinning at all. */
void vhd_spin_init(struct vhd_spin *s, uint64_t hz, uint64_t cap_ns);
/** The device had work at @p now. */
void vhd_spin_work(struct vhd_spin *s, uint64_t now);
/** A turn of the worker found no work for the device. */
static inline void
vhd_spin_idle(struct vhd_spin *s)
{
	s->idle = true;
}
/** The worker is going to sleep. */
static inline void
vhd_spin_sleep(struct vhd_spin *s)
{
	s->slept = true;
}
/** Keep polling rather than sleep at @p now? */
static inline bool
vhd_spin_keep(const struct vhd_spin *s, uint64_t now)
{
	return s->have_work && !s->slept && now - s->last_work < s->window;
}

#endif /* VHD_SPIN_H */
