/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The measured window of an open-loop run (gpio IRQ, input key): opened
 * after the warm-up, closed after the last sample; elapsed time, the tool's
 * CPU and the backend's CPU over it.
 */

#ifndef VHD_PERF_WINDOW_H
#define VHD_PERF_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "vhd_perf_report.h"
#include "vhd_perf_run.h"

/** State of one window. */
struct vhd_perf_window {
	uint64_t start;   /**< vhd_perf_now_ns() at open */
	uint64_t stop_at; /**< end of a --duration run, UINT64_MAX for --count */
	uint64_t cpu0;    /**< the tool thread's CPU time at open */
	uint64_t be0;     /**< the backend's CPU time at open */
	bool be_ok;       /**< be0 was read */
};

/** Samples a run takes in all, warm-up included (UINT64_MAX for --duration). */
uint64_t vhd_perf_window_total(const struct vhd_perf_run_cfg *cfg);

/** Open @p w now; out->kicks, waits and errors restart from 0. */
void vhd_perf_window_open(struct vhd_perf_window *w, const struct vhd_perf_run_cfg *cfg,
			  struct vhd_perf_result *out);

/** Close @p w now: elapsed time and CPU figures into @p out. */
void vhd_perf_window_close(const struct vhd_perf_window *w, const struct vhd_perf_run_cfg *cfg,
			   struct vhd_perf_result *out);

#endif /* VHD_PERF_WINDOW_H */
