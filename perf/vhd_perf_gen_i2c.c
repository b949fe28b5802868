/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-i2c (device id 34, VIRTIO 1.2 section 5.16): one-byte reads from
 * client --target. Chain: header {le16 addr; le16 padding; le32 flags=M_RD}
 * readable, one writable data byte, one writable status byte.
 */

#include <stdio.h>

#include "vhd_perf_gen.h"

#define I2C_FLAGS_M_RD (1u << 1)
#define I2C_MSG_OK 0

struct i2c_hdr {
	uint16_t addr;
	uint16_t padding;
	uint32_t flags;
} __attribute__((packed));

struct i2c_slot {
	struct i2c_hdr hdr;
	uint8_t data;
	uint8_t status;
};

static int
i2c_check(const struct vhd_perf_gen_cfg *cfg)
{
	if (cfg->target > 0x7f) {
		fprintf(stderr, "vhd-perf: i2c --target must be a 7-bit address (0-127)\n");
		return -1;
	}
	return 0;
}

static uint32_t
i2c_slot_bytes(const struct vhd_perf_gen_cfg *cfg)
{
	(void)cfg;
	return sizeof(struct i2c_slot);
}

static void
i2c_prepare(const struct vhd_perf_gen_cfg *cfg, void *slot, uint64_t seq, struct vhd_fe_buf *bufs,
	    unsigned int *n_rd, unsigned int *n_wr)
{
	struct i2c_slot *s = slot;

	(void)seq;
	/* The address travels shifted left by one, as Linux' virtio-i2c driver sends it. */
	s->hdr.addr = (uint16_t)(cfg->target << 1);
	s->hdr.padding = 0;
	s->hdr.flags = I2C_FLAGS_M_RD;
	s->status = 0xff;
	bufs[0].ptr = &s->hdr;
	bufs[0].len = sizeof(s->hdr);
	bufs[1].ptr = &s->data;
	bufs[1].len = 1;
	bufs[2].ptr = &s->status;
	bufs[2].len = 1;
	*n_rd = 1;
	*n_wr = 2;
}

static int64_t
i2c_complete(const struct vhd_perf_gen_cfg *cfg, void *slot, uint32_t used_len)
{
	struct i2c_slot *s = slot;

	(void)cfg;
	if (used_len != 2 || s->status != I2C_MSG_OK)
		return -1;
	return 1;
}

const struct vhd_perf_gen vhd_perf_gen_i2c = {
	.name = "i2c",
	.help = "virtio-i2c: one-byte read from 7-bit address --target",
	.virtio_id = 34,
	/* Linux refuses a device without it; the request itself doesn't use it. */
	.features = 1ULL << 0, /* VIRTIO_I2C_F_ZERO_LENGTH_REQUEST */
	.num_queues = 1,
	.queue = 0,
	.default_size = 1,
	.descs = 3,
	.check = i2c_check,
	.slot_bytes = i2c_slot_bytes,
	.prepare = i2c_prepare,
	.complete = i2c_complete,
};
