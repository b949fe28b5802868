/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The gpu device (virtio id 16) for --device gpu and --help; the run itself
 * is vhd_perf_gpu_frames() (frames through the display socket). The
 * request below (GET_DISPLAY_INFO) is what the generic loop would send.
 */

#include <endian.h>
#include <stdio.h>
#include <string.h>

#include "vhd_perf_gen.h"

#define GPU_CMD_GET_DISPLAY_INFO 0x0100
#define GPU_RESP_OK_DISPLAY_INFO 0x1101
#define GPU_HDR 24u
#define GPU_INFO 408u

static int
gpu_check(const struct vhd_perf_gen_cfg *cfg)
{
	(void)cfg;
	return 0;
}

static uint32_t
gpu_slot_bytes(const struct vhd_perf_gen_cfg *cfg)
{
	(void)cfg;
	return GPU_HDR + GPU_INFO;
}

static void
gpu_prepare(const struct vhd_perf_gen_cfg *cfg, void *slot, uint64_t seq, struct vhd_fe_buf *bufs,
	    unsigned int *n_rd, unsigned int *n_wr)
{
	uint8_t *s = slot;
	uint32_t type = htole32(GPU_CMD_GET_DISPLAY_INFO);

	(void)cfg;
	(void)seq;
	memset(s, 0, GPU_HDR + 4);
	memcpy(s, &type, 4);
	bufs[0].ptr = s;
	bufs[0].len = GPU_HDR;
	bufs[1].ptr = s + GPU_HDR;
	bufs[1].len = GPU_INFO;
	*n_rd = 1;
	*n_wr = 1;
}

static int64_t
gpu_complete(const struct vhd_perf_gen_cfg *cfg, void *slot, uint32_t used_len)
{
	uint32_t type;

	(void)cfg;
	memcpy(&type, (const uint8_t *)slot + GPU_HDR, 4);
	if (used_len != GPU_INFO || le32toh(type) != GPU_RESP_OK_DISPLAY_INFO)
		return -1;
	return GPU_INFO;
}

const struct vhd_perf_gen vhd_perf_gen_gpu = {
	.name = "gpu",
	.help = "gpu: 1280x800 XRGB frames, TRANSFER_TO_HOST_2D + RESOURCE_FLUSH to the display UPDATE (one in flight)",
	.virtio_id = 16,
	.num_queues = 2,
	.queue = 0,
	.default_size = 408,
	.descs = 2,
	.check = gpu_check,
	.slot_bytes = gpu_slot_bytes,
	.prepare = gpu_prepare,
	.complete = gpu_complete,
};
