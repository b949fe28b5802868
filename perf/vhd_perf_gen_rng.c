/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-rng (device id 4): one writable buffer of --size bytes on the only
 * queue; the device fills up to that many and returns how many it wrote.
 */

#include <stdio.h>

#include "vhd_perf_gen.h"

#define RNG_MAX_SIZE (1u << 20)

static int
rng_check(const struct vhd_perf_gen_cfg *cfg)
{
	if (cfg->size == 0 || cfg->size > RNG_MAX_SIZE) {
		fprintf(stderr, "vhd-perf: rng --size must be in [1, %u]\n", RNG_MAX_SIZE);
		return -1;
	}
	return 0;
}

static uint32_t
rng_slot_bytes(const struct vhd_perf_gen_cfg *cfg)
{
	return cfg->size;
}

static void
rng_prepare(const struct vhd_perf_gen_cfg *cfg, void *slot, uint64_t seq, struct vhd_fe_buf *bufs,
	    unsigned int *n_rd, unsigned int *n_wr)
{
	(void)seq;
	bufs[0].ptr = slot;
	bufs[0].len = cfg->size;
	*n_rd = 0;
	*n_wr = 1;
}

static int64_t
rng_complete(const struct vhd_perf_gen_cfg *cfg, void *slot, uint32_t used_len)
{
	(void)slot;
	/* A short fill is legal (the source ran dry); an empty or oversized one is not. */
	if (used_len == 0 || used_len > cfg->size)
		return -1;
	return used_len;
}

const struct vhd_perf_gen vhd_perf_gen_rng = {
	.name = "rng",
	.help = "virtio-rng: one writable buffer of --size bytes (default 64)",
	.virtio_id = 4,
	.num_queues = 1,
	.queue = 0,
	.default_size = 64,
	.descs = 1,
	.check = rng_check,
	.slot_bytes = rng_slot_bytes,
	.prepare = rng_prepare,
	.complete = rng_complete,
};
