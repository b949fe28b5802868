/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-input key latency: a "key" line on a simulated device's control
 * socket to the used eventq buffer of its SYN_REPORT, with a control-socket
 * "ping" round trip alongside as the path's floor, then a sustained burst
 * (events per second, printed).
 */

#ifndef VHD_PERF_INPUT_H
#define VHD_PERF_INPUT_H

#include "vhd_perf_gpio_irq.h"
#include "vhd_perf_report.h"
#include "vhd_perf_run.h"

/**
 * Connect to @p run->socket, keep 64 eventq buffers posted, then per key
 * batch: wait @p key->gap_us, send "key CODE V\nsyn\n" (CODE is
 * @p key->line, V alternating 1 and 0), time to the used SYN_REPORT buffer;
 * time one "ping" after each. Fills @p out; out->path holds the ping floor.
 * @return 0, or -1 with an error line printed.
 */
int vhd_perf_input_key(const struct vhd_perf_run_cfg *run, const struct vhd_perf_irq_cfg *key,
		       struct vhd_perf_result *out);

#endif /* VHD_PERF_INPUT_H */
