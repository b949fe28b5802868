/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-spi (device id 45): full-duplex transfers of --size bytes on chip
 * select --target, each deselecting after itself (cs_change 1). Chain: the
 * 32-byte transfer head and tx readable, rx and the result byte writable.
 * Against sim:loopback rx must equal tx, which is checked on each one.
 */

#include <stdio.h>
#include <string.h>

#include "vhd_perf_gen.h"

#define SPI_TRANS_OK 0
#define SPI_MAX_LEN (1u << 20)

struct spi_head {
	uint8_t cs, bpw, cs_change, tx_nbits, rx_nbits, reserved[3];
	uint32_t mode, freq, word_delay_ns, cs_setup_ns, cs_hold_ns, cs_inactive_ns;
} __attribute__((packed));

/* head, result byte, then tx and rx of --size bytes each */
struct spi_slot {
	struct spi_head head;
	uint8_t status;
	uint8_t data[];
};

static int
spi_check(const struct vhd_perf_gen_cfg *cfg)
{
	if (cfg->size == 0 || cfg->size > SPI_MAX_LEN) {
		fprintf(stderr, "vhd-perf: spi --size takes 1..%u bytes\n", SPI_MAX_LEN);
		return -1;
	}
	if (cfg->target > 255) {
		fprintf(stderr, "vhd-perf: spi --target is a chip select, 0-255\n");
		return -1;
	}
	return 0;
}

static uint32_t
spi_slot_bytes(const struct vhd_perf_gen_cfg *cfg)
{
	return (uint32_t)sizeof(struct spi_slot) + 2 * cfg->size;
}

static void
spi_prepare(const struct vhd_perf_gen_cfg *cfg, void *slot, uint64_t seq, struct vhd_fe_buf *bufs,
	    unsigned int *n_rd, unsigned int *n_wr)
{
	struct spi_slot *s = slot;
	uint8_t *tx = s->data, *rx = s->data + cfg->size;

	memset(&s->head, 0, sizeof(s->head));
	s->head.cs = (uint8_t)cfg->target;
	s->head.bpw = 8;
	s->head.cs_change = 1;
	s->status = 0xff;
	/* a byte that changes per request, so a stale rx cannot pass */
	tx[0] = (uint8_t)seq;
	rx[0] = (uint8_t)~seq;
	bufs[0].ptr = &s->head;
	bufs[0].len = sizeof(s->head);
	bufs[1].ptr = tx;
	bufs[1].len = cfg->size;
	bufs[2].ptr = rx;
	bufs[2].len = cfg->size;
	bufs[3].ptr = &s->status;
	bufs[3].len = 1;
	*n_rd = 2;
	*n_wr = 2;
}

static int64_t
spi_complete(const struct vhd_perf_gen_cfg *cfg, void *slot, uint32_t used_len)
{
	struct spi_slot *s = slot;

	if (used_len != cfg->size + 1 || s->status != SPI_TRANS_OK ||
	    s->data[cfg->size] != s->data[0])
		return -1;
	return cfg->size;
}

const struct vhd_perf_gen vhd_perf_gen_spi = {
	.name = "spi",
	.help = "virtio-spi: full-duplex --size byte transfer on chip select --target (loopback)",
	.virtio_id = 45,
	.features = 0,
	.num_queues = 1,
	.queue = 0,
	.default_size = 1,
	.descs = 4,
	.check = spi_check,
	.slot_bytes = spi_slot_bytes,
	.prepare = spi_prepare,
	.complete = spi_complete,
};
