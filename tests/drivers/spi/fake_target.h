/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Test double for the spi device: a target that records transfers.
 */

#ifndef FAKE_TARGET_H
#define FAKE_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "spi_target.h"

#define FAKE_MAX_LOG 32

struct fake_target {
	struct spi_target t;
	unsigned int n_xfers;
	struct spi_xfer log[FAKE_MAX_LOG];
	uint8_t tx[FAKE_MAX_LOG][16];
	bool had_tx[FAKE_MAX_LOG], had_rx[FAKE_MAX_LOG];
	unsigned int releases;
	int fail_rc;
	unsigned int *order;   /* shared sequence counter across fakes */
	unsigned int seq_xfer[FAKE_MAX_LOG], seq_release[FAKE_MAX_LOG];
};

static int
fake_xfer(struct spi_target *t, struct spi_xfer *x)
{
	struct fake_target *f = t->priv;
	unsigned int n = f->n_xfers++;
	uint32_t i;

	if (n < FAKE_MAX_LOG) {
		f->log[n] = *x;
		f->had_tx[n] = x->tx != NULL;
		f->had_rx[n] = x->rx != NULL;
		if (x->tx != NULL)
			memcpy(f->tx[n], x->tx, x->len < 16 ? x->len : 16);
		if (f->order != NULL)
			f->seq_xfer[n] = (*f->order)++;
	}
	if (x->rx != NULL)
		for (i = 0; i < x->len; i++)
			x->rx[i] = (uint8_t)(0xa0 + i);
	return f->fail_rc;
}

static void
fake_release(struct spi_target *t)
{
	struct fake_target *f = t->priv;

	if (f->releases < FAKE_MAX_LOG && f->order != NULL)
		f->seq_release[f->releases] = (*f->order)++;
	f->releases++;
}

static void
fake_destroy(struct spi_target *t)
{
	(void)t; /* test-owned storage */
}

static const struct spi_target_ops fake_target_ops = {
	.xfer = fake_xfer,
	.release = fake_release,
	.destroy = fake_destroy,
};

/* Everything a guest could ask for, unless a test narrows it. */
static inline void
fake_target_init(struct fake_target *f, bool blocking)
{
	memset(f, 0, sizeof(*f));
	f->t.ops = &fake_target_ops;
	f->t.priv = f;
	f->t.blocking = blocking;
	f->t.caps.mode_func = 0x7f;
	f->t.caps.tx_nbits = 7;
	f->t.caps.rx_nbits = 7;
	f->t.caps.max_word_delay_ns = ~0u;
	f->t.caps.max_cs_setup_ns = ~0u;
	f->t.caps.max_cs_hold_ns = ~0u;
	f->t.caps.max_cs_inactive_ns = ~0u;
	strcpy(f->t.name, "fake");
}

#endif /* FAKE_TARGET_H */
