/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-console runs (vhd_perf_gen_console.c): the tool is the guest on port
 * 0's queues and, on a thread of its own, the host client of the backend's
 * port 0 (--peer). --op echo: one guest write of --size bytes, echoed by the
 * client, timed until all of it is back in the guest's receive buffers; its
 * floor is the same echo over a plain socket pair of the same kind, measured
 * in the same run. --op tx / rx: bulk guest -> host / host -> guest bytes.
 */

#ifndef VHD_PERF_CONSOLE_H
#define VHD_PERF_CONSOLE_H

#include "vhd_perf_report.h"
#include "vhd_perf_run.h"

/**
 * Run @p cfg (gen_cfg.op: "echo", "tx" or "rx") against the console backend
 * whose port 0 listens at @p peer ("unix:PATH" or "tcp:PORT" on 127.0.0.1).
 * @return 0, or -1 with one error line printed.
 */
int vhd_perf_console(const struct vhd_perf_run_cfg *cfg, const char *peer,
		     struct vhd_perf_result *out);

#endif /* VHD_PERF_CONSOLE_H */
