/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-can (device id 36): frame round trips on the Txq with
 * VIRTIO_CAN_F_LATE_TX_ACK, so each request completes only after the bus
 * took the frame and reported it delivered (on a simulated bus: the bus
 * queues the confirmation to the sender's node, its event fd wakes the
 * backend's worker, the same path a received frame takes). --size is the
 * payload: up to 8 a classic frame, above that a CAN FD frame (12, 16, 20,
 * 24, 32, 48 or 64). A START on the Controlq comes first.
 * Request {virtio_can_tx_out header (16 bytes), sdu} readable, {u8 result}
 * writable.
 */

#include <stdio.h>
#include <string.h>

#include "vhd_perf_gen.h"

#define CAN_F_CLASSIC 0
#define CAN_F_FD 1
#define CAN_F_LATE_TX_ACK 3
#define CAN_MSG_TX 0x0001
#define CAN_CTRL_START 0x0201
#define CAN_FLAG_FD 0x4000
#define CAN_RESULT_OK 0
#define CAN_CTRLQ 2

struct can_tx {
	uint16_t msg_type;
	uint16_t length;
	uint8_t dlc;
	uint8_t padding;
	uint16_t prio;
	uint32_t flags;
	uint32_t can_id;
	uint8_t sdu[64];
} __attribute__((packed));

struct can_slot {
	struct can_tx tx;
	uint16_t ctrl;
	uint8_t result;
};

static int
can_len_ok(uint32_t len)
{
	return len <= 8 || len == 12 || len == 16 || len == 20 || len == 24 || len == 32 ||
	       len == 48 || len == 64;
}

static int
can_check(const struct vhd_perf_gen_cfg *cfg)
{
	if (!can_len_ok(cfg->size)) {
		fprintf(stderr, "vhd-perf: can --size must be 0..8 (classic) or 12, 16, 20, 24, "
			"32, 48, 64 (FD)\n");
		return -1;
	}
	if (cfg->target > 0x7ff) {
		fprintf(stderr, "vhd-perf: can --target must be an 11-bit identifier\n");
		return -1;
	}
	return 0;
}

static uint32_t
can_slot_bytes(const struct vhd_perf_gen_cfg *cfg)
{
	(void)cfg;
	return sizeof(struct can_slot);
}

static void
can_prepare(const struct vhd_perf_gen_cfg *cfg, void *slot, uint64_t seq, struct vhd_fe_buf *bufs,
	    unsigned int *n_rd, unsigned int *n_wr)
{
	struct can_slot *s = slot;

	s->tx.msg_type = CAN_MSG_TX;
	s->tx.length = (uint16_t)cfg->size;
	s->tx.flags = cfg->size > 8 ? CAN_FLAG_FD : 0;
	s->tx.can_id = cfg->target;
	memcpy(s->tx.sdu, &seq, sizeof(seq));
	/* Poisoned so a completion that wrote nothing is caught. */
	s->result = 0xff;
	bufs[0].ptr = &s->tx;
	bufs[0].len = 16 + cfg->size;
	bufs[1].ptr = &s->result;
	bufs[1].len = 1;
	*n_rd = 1;
	*n_wr = 1;
}

static int64_t
can_complete(const struct vhd_perf_gen_cfg *cfg, void *slot, uint32_t used_len)
{
	struct can_slot *s = slot;

	if (used_len != 1 || s->result != CAN_RESULT_OK)
		return -1;
	return cfg->size;
}

static int
can_setup(const struct vhd_perf_gen_cfg *cfg, void *slot, struct vhd_fe_buf *bufs,
	  unsigned int *n_rd, unsigned int *n_wr)
{
	struct can_slot *s = slot;

	(void)cfg;
	/* The controller starts stopped: TX is refused until START. */
	s->ctrl = CAN_CTRL_START;
	s->result = 0xff;
	bufs[0].ptr = &s->ctrl;
	bufs[0].len = sizeof(s->ctrl);
	bufs[1].ptr = &s->result;
	bufs[1].len = 1;
	*n_rd = 1;
	*n_wr = 1;
	return 1;
}

const struct vhd_perf_gen vhd_perf_gen_can = {
	.name = "can",
	.help = "virtio-can: frames of --size payload bytes (>8: FD) with late TX acks",
	.virtio_id = 36,
	.features = (1ULL << CAN_F_CLASSIC) | (1ULL << CAN_F_FD) | (1ULL << CAN_F_LATE_TX_ACK),
	.num_queues = 3,
	.queue = 0,
	.default_size = 8,
	.descs = 2,
	.setup_queue = CAN_CTRLQ,
	.check = can_check,
	.slot_bytes = can_slot_bytes,
	.prepare = can_prepare,
	.complete = can_complete,
	.setup = can_setup,
};
