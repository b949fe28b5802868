/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-snd playback timing (vhd-perf -d sound --op jitter): a 48 kHz S16
 * stereo output stream with 10 ms periods, four periods queued, each
 * completion compared to the sample clock (the START time plus the frames
 * of the buffers completed): the latency figures are that lateness.
 */

#ifndef VHD_PERF_SOUND_H
#define VHD_PERF_SOUND_H

#include "vhd_perf_report.h"
#include "vhd_perf_run.h"

/**
 * Connect to @p run->socket, set up stream 0 and play for run->duration_s
 * (or run->count periods), after run->warmup periods. Fills @p out.
 * @return 0, or -1 with an error line printed.
 */
int vhd_perf_sound_jitter(const struct vhd_perf_run_cfg *run, struct vhd_perf_result *out);

#endif /* VHD_PERF_SOUND_H */
