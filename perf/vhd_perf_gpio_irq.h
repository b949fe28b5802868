/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * GPIO interrupt latency: from an edge driven on a simulated chip (through
 * its control socket) to the eventq used buffer the guest sees, with the
 * bare round trip of a control-socket "get" measured alongside as the floor
 * of that path.
 */

#ifndef VHD_PERF_GPIO_IRQ_H
#define VHD_PERF_GPIO_IRQ_H

#include <stdint.h>

#include "vhd_perf_report.h"
#include "vhd_perf_run.h"

/** What an IRQ run adds to a closed-loop run's options. */
struct vhd_perf_irq_cfg {
	const char *sim_control; /**< the chip's control socket (the app's PATH + index) */
	uint16_t line;           /**< line whose edges are measured */
	uint32_t gap_us;         /**< pause before each edge and each "get" */
};

/**
 * Negotiate VIRTIO_GPIO_F_IRQ on @p run->socket, make @p irq->line an
 * edge-both interrupt, then per edge: post the eventq buffer, wait
 * @p irq->gap_us, drive the edge, wait for the used buffer; and time one
 * "get" on the control socket after each edge. @p run gives the style,
 * count or duration, warm-up, connect timeout and backend pid.
 * Fills @p out (label left to the caller); out->path holds the "get" floor.
 * @return 0, or -1 with an error line printed.
 */
int vhd_perf_gpio_irq(const struct vhd_perf_run_cfg *run, const struct vhd_perf_irq_cfg *irq,
		      struct vhd_perf_result *out);

#endif /* VHD_PERF_GPIO_IRQ_H */
