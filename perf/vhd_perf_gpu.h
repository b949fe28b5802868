/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-gpu frames: vhd-perf as the guest driver and as QEMU's display end
 * (VHOST_USER_GPU_SET_SOCKET). One 1280x800 XRGB resource on scanout 0; per
 * frame the guest changes the frame, posts TRANSFER_TO_HOST_2D + RESOURCE_FLUSH
 * and the time runs until the display has read the whole UPDATE (its pixels
 * checked). Beside it, as the floor, a plain memcpy() of the frame on the same
 * core.
 */

#ifndef VHD_PERF_GPU_H
#define VHD_PERF_GPU_H

#include "vhd_perf_report.h"
#include "vhd_perf_run.h"

/** Frame geometry. */
#define VHD_PERF_GPU_WIDTH 1280u
#define VHD_PERF_GPU_HEIGHT 800u

/**
 * Run frames against @p cfg->socket (count/duration, warm-up and style from
 * @p cfg; one frame in flight). Fills @p out; out->path is the memcpy floor.
 * @return 0, or -1 with an error line printed.
 */
int vhd_perf_gpu_frames(const struct vhd_perf_run_cfg *cfg, struct vhd_perf_result *out);

#endif /* VHD_PERF_GPU_H */
