/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-gpio (device id 41, VIRTIO 1.2 section 5.17): GET_VALUE or SET_VALUE
 * round trips on the request queue. Request {le16 type; le16 gpio; le32
 * value} readable, response {u8 status; u8 value} writable.
 */

#include <stdio.h>
#include <string.h>

#include "vhd_perf_gen.h"

#define GPIO_MSG_SET_DIRECTION 0x0003
#define GPIO_MSG_GET_VALUE 0x0004
#define GPIO_MSG_SET_VALUE 0x0005
#define GPIO_STATUS_OK 0x00
#define GPIO_DIRECTION_OUT 0x01

struct gpio_req {
	uint16_t type;
	uint16_t gpio;
	uint32_t value;
} __attribute__((packed));

struct gpio_rsp {
	uint8_t status;
	uint8_t value;
} __attribute__((packed));

struct gpio_slot {
	struct gpio_req req;
	struct gpio_rsp rsp;
};

static int
gpio_is_set(const struct vhd_perf_gen_cfg *cfg)
{
	return cfg->op != NULL && strcmp(cfg->op, "set") == 0;
}

static int
gpio_check(const struct vhd_perf_gen_cfg *cfg)
{
	if (cfg->op != NULL && strcmp(cfg->op, "get") != 0 && strcmp(cfg->op, "set") != 0) {
		fprintf(stderr, "vhd-perf: gpio --op must be get or set\n");
		return -1;
	}
	if (cfg->target > UINT16_MAX) {
		fprintf(stderr, "vhd-perf: gpio --target must be a line number below 65536\n");
		return -1;
	}
	return 0;
}

static uint32_t
gpio_slot_bytes(const struct vhd_perf_gen_cfg *cfg)
{
	(void)cfg;
	return sizeof(struct gpio_slot);
}

static void
gpio_bufs(struct gpio_slot *s, struct vhd_fe_buf *bufs, unsigned int *n_rd, unsigned int *n_wr)
{
	bufs[0].ptr = &s->req;
	bufs[0].len = sizeof(s->req);
	bufs[1].ptr = &s->rsp;
	bufs[1].len = sizeof(s->rsp);
	*n_rd = 1;
	*n_wr = 1;
}

static void
gpio_prepare(const struct vhd_perf_gen_cfg *cfg, void *slot, uint64_t seq, struct vhd_fe_buf *bufs,
	     unsigned int *n_rd, unsigned int *n_wr)
{
	struct gpio_slot *s = slot;

	s->req.gpio = (uint16_t)cfg->target;
	if (gpio_is_set(cfg)) {
		/* Toggle so a backend can't short-cut an unchanged value. */
		s->req.type = GPIO_MSG_SET_VALUE;
		s->req.value = (uint32_t)(seq & 1);
	} else {
		s->req.type = GPIO_MSG_GET_VALUE;
		s->req.value = 0;
	}
	/* Poisoned so a completion that wrote nothing is caught. */
	s->rsp.status = 0xff;
	gpio_bufs(s, bufs, n_rd, n_wr);
}

static int64_t
gpio_complete(const struct vhd_perf_gen_cfg *cfg, void *slot, uint32_t used_len)
{
	struct gpio_slot *s = slot;

	(void)cfg;
	if (used_len != sizeof(s->rsp) || s->rsp.status != GPIO_STATUS_OK)
		return -1;
	return sizeof(s->rsp);
}

static int
gpio_setup(const struct vhd_perf_gen_cfg *cfg, void *slot, struct vhd_fe_buf *bufs,
	   unsigned int *n_rd, unsigned int *n_wr)
{
	struct gpio_slot *s = slot;

	/* SET_VALUE needs an output line; GET_VALUE works in either direction. */
	if (!gpio_is_set(cfg))
		return 0;
	s->req.type = GPIO_MSG_SET_DIRECTION;
	s->req.gpio = (uint16_t)cfg->target;
	s->req.value = GPIO_DIRECTION_OUT;
	s->rsp.status = 0xff;
	gpio_bufs(s, bufs, n_rd, n_wr);
	return 1;
}

const struct vhd_perf_gen vhd_perf_gen_gpio = {
	.name = "gpio",
	.help = "virtio-gpio: GET_VALUE (--op get) or SET_VALUE (--op set) of line --target",
	.virtio_id = 41,
	.num_queues = 2,
	.queue = 0,
	.default_size = sizeof(struct gpio_req),
	.descs = 2,
	.check = gpio_check,
	.slot_bytes = gpio_slot_bytes,
	.prepare = gpio_prepare,
	.complete = gpio_complete,
	.setup = gpio_setup,
};
