/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Clock, CPU pinning and spin helpers shared by the floor and the device runs,
 * so both pay exactly the same measurement overhead and their ratio is fair.
 */

#ifndef VHD_PERF_TIME_H
#define VHD_PERF_TIME_H

#include <stdint.h>
#include <time.h>

/** Monotonic nanoseconds (vDSO, about 20 ns; included in every figure alike). */
static inline uint64_t
vhd_perf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Busy-wait hint. Deliberately empty: a PAUSE costs tens to hundreds of
 * cycles on recent cores and would inflate the floor; the device runs spin
 * the same way so the comparison stays like for like.
 */
static inline void
vhd_perf_spin(void)
{
	__asm__ __volatile__("" ::: "memory");
}

/**
 * Pin the calling thread to @p cpu (-1: leave as is).
 * @return 0 or a negative errno.
 */
int vhd_perf_pin(int cpu);

#endif /* VHD_PERF_TIME_H */
