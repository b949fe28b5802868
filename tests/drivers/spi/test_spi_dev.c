/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* virtio-spi request handling over an in-process ring, against recording targets. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_target.h"
#include "spi_dev.h"
#include "vhd_test_host.h"
#include "vhd_test_pair.h"

struct fx {
	struct vhd_test_pair p;
	struct fake_target f[2];
	struct vhd_test_host h;
	struct spi_dev dev;
	unsigned int order;
};

/* Offload failures the test host cannot make (it only says -EAGAIN). */
static int forced_rc;
static int (*host_offload)(struct vhd_host *, vhd_work_fn, vhd_done_fn, void *);

static int
forced_offload(struct vhd_host *host, vhd_work_fn work, vhd_done_fn done, void *arg)
{
	return forced_rc != 0 ? forced_rc : host_offload(host, work, done, arg);
}

static struct fx *
fx_new(bool blocking)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct spi_target *t[2];

	assert_non_null(x);
	assert_int_equal(vhd_test_pair_init(&x->p, 64, 0), 0);
	fake_target_init(&x->f[0], blocking);
	fake_target_init(&x->f[1], blocking);
	x->f[0].order = x->f[1].order = &x->order;
	t[0] = &x->f[0].t;
	t[1] = &x->f[1].t;
	assert_int_equal(spi_dev_init(&x->dev, t, 2), 0);
	vhd_test_host_init(&x->h);
	host_offload = x->h.host.offload;
	x->h.host.offload = forced_offload;
	forced_rc = 0;
	spi_dev_ops.attach(&x->dev, &x->h.host);
	assert_int_equal(spi_dev_ops.queue_start(&x->dev, 0, &x->p.vq), 0);
	return x;
}

static void
fx_free(struct fx *x)
{
	spi_dev_ops.queue_stop(&x->dev, 0, &x->p.vq);
	vhd_test_host_run(&x->h);
	spi_dev_fini(&x->dev);
	vhd_test_pair_fini(&x->p);
	free(x);
}

struct rq {
	struct spi_xfer_head *h;
	uint8_t *tx, *rx, *st;
	int head;
	uint32_t used;
	bool done;
};

static void
head_default(struct spi_xfer_head *h, uint8_t cs, uint8_t cs_change)
{
	memset(h, 0, sizeof(*h));
	h->chip_select_id = cs;
	h->bits_per_word = 8;
	h->cs_change = cs_change;
	h->freq = 1000000;
}

/* Posts head (split in two descriptors when @p split), tx, rx, result. */
static void
post_h(struct fx *x, struct rq *r, const struct spi_xfer_head *h, uint32_t tx_len,
       uint32_t rx_len, bool split, bool with_status)
{
	struct vhd_fe_buf b[6];
	unsigned int n = 0, n_rd, i;

	memset(r, 0, sizeof(*r));
	r->h = vhd_test_alloc(&x->p, sizeof(*r->h));
	*r->h = *h;
	if (split) {
		b[n++] = (struct vhd_fe_buf){r->h, 5};
		b[n++] = (struct vhd_fe_buf){(uint8_t *)r->h + 5, sizeof(*r->h) - 5};
	} else {
		b[n++] = (struct vhd_fe_buf){r->h, sizeof(*r->h)};
	}
	if (tx_len > 0) {
		r->tx = vhd_test_alloc(&x->p, tx_len);
		for (i = 0; i < tx_len; i++)
			r->tx[i] = (uint8_t)(0x10 + i);
		b[n++] = (struct vhd_fe_buf){r->tx, tx_len};
	}
	n_rd = n;
	if (rx_len > 0) {
		r->rx = vhd_test_alloc(&x->p, rx_len);
		memset(r->rx, 0x55, rx_len);
		b[n++] = (struct vhd_fe_buf){r->rx, rx_len};
	}
	if (with_status) {
		r->st = vhd_test_alloc(&x->p, 1);
		*r->st = 0xee;
		b[n++] = (struct vhd_fe_buf){r->st, 1};
	}
	r->head = vhd_test_post(&x->p, b, n_rd, n - n_rd, false);
	assert_true(r->head >= 0);
}

static void
post(struct fx *x, struct rq *r, uint8_t cs, uint8_t cs_change, uint32_t tx_len, uint32_t rx_len)
{
	struct spi_xfer_head h;

	head_default(&h, cs, cs_change);
	post_h(x, r, &h, tx_len, rx_len, false, true);
}

/* Collects used entries into @p rs; returns how many arrived. */
static unsigned int
collect(struct fx *x, struct rq *rs, unsigned int n)
{
	unsigned int got = 0, i;
	uint16_t id;
	uint32_t len;

	while (vhd_test_used(&x->p, &id, &len) == 1) {
		for (i = 0; i < n; i++)
			if (!rs[i].done && rs[i].head == id)
				break;
		assert_true(i < n);
		rs[i].done = true;
		rs[i].used = len;
		got++;
	}
	return got;
}

static unsigned int
serve(struct fx *x, struct rq *rs, unsigned int n)
{
	vhd_test_serve(&x->p, &spi_dev_ops, &x->dev, 0);
	return collect(x, rs, n);
}

/* The parameter table: each field of the head against a narrow config. */
static void
test_check_table(void **state)
{
	struct spi_config cfg = {
		.cs_max_number = 2,
		.cs_change_supported = 1,
		.tx_nbits_supported = VIRTIO_SPI_NBITS_DUAL,
		.rx_nbits_supported = VIRTIO_SPI_NBITS_QUAD,
		.bits_per_word_mask = (1u << 7) | (1u << 15),
		.mode_func_supported = VIRTIO_SPI_MF_CPHA_0 | VIRTIO_SPI_MF_CPHA_1 |
				       VIRTIO_SPI_MF_CPOL_0 | VIRTIO_SPI_MF_LSB_FIRST,
		.max_freq_hz = 1000000,
		.max_word_delay_ns = 1000,
		.max_cs_hold_ns = 5000,
	};
	static const struct {
		const char *what;
		unsigned int field;
		uint32_t v;
		uint32_t tx, rx;
		enum spi_check want;
	} cases[] = {
		{"valid write", 0, 0, 4, 0, SPI_CHECK_OK},
		{"valid read", 0, 0, 0, 4, SPI_CHECK_OK},
		{"valid full duplex", 0, 0, 4, 4, SPI_CHECK_OK},
		{"last chip select", 1, 1, 4, 0, SPI_CHECK_OK},
		{"cs == cs_max_number (upstream's off by one)", 1, 2, 4, 0, SPI_CHECK_CS},
		{"cs 255", 1, 255, 4, 0, SPI_CHECK_CS},
		{"bpw 0 (upstream overflows)", 2, 0, 4, 0, SPI_CHECK_BPW},
		{"bpw 9 not in mask", 2, 9, 4, 0, SPI_CHECK_BPW},
		{"bpw 33", 2, 33, 4, 0, SPI_CHECK_BPW},
		{"bpw 16 in mask", 2, 16, 4, 0, SPI_CHECK_OK},
		{"bpw 16, odd length", 2, 16, 3, 0, SPI_CHECK_WORDS},
		{"cs_change 1", 3, 1, 4, 0, SPI_CHECK_OK},
		{"cs_change 2", 3, 2, 4, 0, SPI_CHECK_CS_CHANGE},
		{"tx_nbits 1", 4, 1, 4, 0, SPI_CHECK_OK},
		{"tx_nbits 2 (dual)", 4, 2, 4, 0, SPI_CHECK_OK},
		{"tx_nbits 4 unsupported", 4, 4, 4, 0, SPI_CHECK_NBITS},
		{"tx_nbits 3 invalid", 4, 3, 4, 0, SPI_CHECK_NBITS},
		{"rx_nbits 4 (quad)", 5, 4, 0, 4, SPI_CHECK_OK},
		{"rx_nbits 8 unsupported", 5, 8, 0, 4, SPI_CHECK_NBITS},
		{"CPHA 1", 6, VIRTIO_SPI_CPHA, 4, 0, SPI_CHECK_OK},
		{"CPOL 1 unsupported", 6, VIRTIO_SPI_CPOL, 4, 0, SPI_CHECK_MODE},
		{"CS_HIGH unsupported", 6, VIRTIO_SPI_CS_HIGH, 4, 0, SPI_CHECK_MODE},
		{"LSB_FIRST", 6, VIRTIO_SPI_LSB_FIRST, 4, 0, SPI_CHECK_OK},
		{"LOOP unsupported", 6, VIRTIO_SPI_LOOP, 4, 0, SPI_CHECK_MODE},
		{"undefined mode bit", 6, 1u << 5, 4, 0, SPI_CHECK_MODE},
		{"freq at max", 7, 1000000, 4, 0, SPI_CHECK_OK},
		{"freq above max", 7, 1000001, 4, 0, SPI_CHECK_FREQ},
		{"freq 0 (default)", 7, 0, 4, 0, SPI_CHECK_OK},
		{"word delay at max", 8, 1000, 4, 0, SPI_CHECK_OK},
		{"word delay above max", 8, 1001, 4, 0, SPI_CHECK_DELAY},
		{"cs setup unsupported", 9, 1, 4, 0, SPI_CHECK_DELAY},
		{"cs hold at max", 10, 5000, 4, 0, SPI_CHECK_OK},
		{"cs hold above max", 10, 5001, 4, 0, SPI_CHECK_DELAY},
		{"cs inactive unsupported", 11, 1, 4, 0, SPI_CHECK_DELAY},
		{"duplex length mismatch", 0, 0, 4, 5, SPI_CHECK_DUPLEX_LEN},
		{"zero length", 0, 0, 0, 0, SPI_CHECK_ZERO_LEN},
		{"too long", 0, 0, SPI_XFER_MAX_LEN + 1, 0, SPI_CHECK_TOO_LONG},
		{"longest", 0, 0, SPI_XFER_MAX_LEN, 0, SPI_CHECK_OK},
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spi_xfer_head h;
		enum spi_check got;

		head_default(&h, 0, 0);
		switch (cases[i].field) {
		case 1: h.chip_select_id = (uint8_t)cases[i].v; break;
		case 2: h.bits_per_word = (uint8_t)cases[i].v; break;
		case 3: h.cs_change = (uint8_t)cases[i].v; break;
		case 4: h.tx_nbits = (uint8_t)cases[i].v; break;
		case 5: h.rx_nbits = (uint8_t)cases[i].v; break;
		case 6: h.mode = cases[i].v; break;
		case 7: h.freq = cases[i].v; break;
		case 8: h.word_delay_ns = cases[i].v; break;
		case 9: h.cs_setup_ns = cases[i].v; break;
		case 10: h.cs_delay_hold_ns = cases[i].v; break;
		case 11: h.cs_change_delay_inactive_ns = cases[i].v; break;
		default: break;
		}
		got = spi_dev_check(&cfg, &h, cases[i].tx, cases[i].rx);
		if (got != cases[i].want)
			fail_msg("%s: got %s, want %s", cases[i].what, spi_check_name(got),
				 spi_check_name(cases[i].want));
	}
	/* mask 0: any word size 1..32 */
	cfg.bits_per_word_mask = 0;
	{
		struct spi_xfer_head h;

		head_default(&h, 0, 0);
		h.bits_per_word = 32;
		assert_int_equal(spi_dev_check(&cfg, &h, 4, 0), SPI_CHECK_OK);
		h.bits_per_word = 12;
		assert_int_equal(spi_dev_check(&cfg, &h, 2, 2), SPI_CHECK_OK);
		h.bits_per_word = 24;
		assert_int_equal(spi_dev_check(&cfg, &h, 6, 0), SPI_CHECK_WORDS);
	}
}

/* Every PARAM_ERR through the ring: answered, counted, the target untouched. */
static void
test_param_err_answered(void **state)
{
	struct fx *x = fx_new(false);
	struct spi_xfer_head h;
	struct rq r[8];
	unsigned int i;

	(void)state;
	head_default(&h, 2, 0); /* cs_max_number is 2 */
	post_h(x, &r[0], &h, 4, 0, false, true);
	head_default(&h, 0, 0);
	post_h(x, &r[1], &h, 4, 8, false, true); /* duplex mismatch: upstream kills its queue */
	post_h(x, &r[2], &h, 0, 0, false, true); /* zero length */
	h.bits_per_word = 0;
	post_h(x, &r[3], &h, 4, 0, false, true);
	head_default(&h, 0, 3);
	post_h(x, &r[4], &h, 4, 0, false, true);
	head_default(&h, 0, 0);
	h.mode = 0x80;
	post_h(x, &r[5], &h, 4, 0, false, true);
	head_default(&h, 0, 0);
	post_h(x, &r[6], &h, 4, 4, true, true); /* valid, head split over two descriptors */
	assert_int_equal(serve(x, r, 7), 7);
	for (i = 0; i < 6; i++) {
		assert_true(r[i].done);
		if (*r[i].st != VIRTIO_SPI_PARAM_ERR)
			fail_msg("request %u: result %u", i, *r[i].st);
		assert_int_equal(r[i].used, 1);
	}
	assert_int_equal(*r[6].st, VIRTIO_SPI_TRANS_OK);
	assert_int_equal(r[6].used, 5);
	assert_int_equal(x->f[0].n_xfers, 1);
	assert_int_equal(x->f[1].n_xfers, 0);
	assert_int_equal(x->dev.stats.param_err, 6);
	assert_int_equal(x->dev.stats.check[SPI_CHECK_CS], 1);
	assert_int_equal(x->dev.stats.check[SPI_CHECK_DUPLEX_LEN], 1);
	assert_int_equal(x->dev.stats.check[SPI_CHECK_ZERO_LEN], 1);
	fx_free(x);
}

/* A short head is PARAM_ERR; a chain without a writable byte gets used length 0. */
static void
test_malformed(void **state)
{
	struct fx *x = fx_new(false);
	struct vhd_fe_buf b[2];
	struct rq r[3];
	uint8_t *h, *st;

	(void)state;
	memset(r, 0, sizeof(r));
	h = vhd_test_alloc(&x->p, 31);
	st = vhd_test_alloc(&x->p, 1);
	*st = 0xee;
	b[0] = (struct vhd_fe_buf){h, 31};
	b[1] = (struct vhd_fe_buf){st, 1};
	r[0].head = vhd_test_post(&x->p, b, 1, 1, false);
	r[0].st = st;
	{
		struct spi_xfer_head hd;

		head_default(&hd, 0, 1);
		post_h(x, &r[1], &hd, 4, 0, false, false); /* no result byte */
	}
	post(x, &r[2], 0, 1, 2, 0);
	assert_int_equal(serve(x, r, 3), 3);
	assert_int_equal(*r[0].st, VIRTIO_SPI_PARAM_ERR);
	assert_int_equal(x->dev.stats.check[SPI_CHECK_SHORT_HEAD], 1);
	assert_int_equal(r[1].used, 0);
	assert_int_equal(x->dev.stats.no_status, 1);
	assert_int_equal(*r[2].st, VIRTIO_SPI_TRANS_OK);
	assert_int_equal(x->f[0].n_xfers, 1);
	fx_free(x);
}

/* Upstream answers every request of a batch OK if one fails, without running them. */
static void
test_each_request_own_result(void **state)
{
	struct fx *x = fx_new(false);
	struct rq r[4];

	(void)state;
	post(x, &r[0], 0, 1, 2, 0);
	post(x, &r[1], 5, 1, 2, 0);
	post(x, &r[2], 1, 1, 0, 3);
	x->f[1].fail_rc = 0;
	post(x, &r[3], 0, 1, 2, 2);
	assert_int_equal(serve(x, r, 4), 4);
	assert_int_equal(*r[0].st, VIRTIO_SPI_TRANS_OK);
	assert_int_equal(*r[1].st, VIRTIO_SPI_PARAM_ERR);
	assert_int_equal(*r[2].st, VIRTIO_SPI_TRANS_OK);
	assert_int_equal(*r[3].st, VIRTIO_SPI_TRANS_OK);
	/* each valid one was a transfer of its own, in order */
	assert_int_equal(x->f[0].n_xfers, 2);
	assert_int_equal(x->f[1].n_xfers, 1);
	assert_true(x->f[0].seq_xfer[0] < x->f[1].seq_xfer[0]);
	assert_true(x->f[1].seq_xfer[0] < x->f[0].seq_xfer[1]);
	assert_memory_equal(r[2].rx, "\xa0\xa1\xa2", 3);
	fx_free(x);
}

/* Data in both directions; tx untouched; parameters reach the target. */
static void
test_duplex_and_params(void **state)
{
	struct fx *x = fx_new(false);
	struct spi_xfer_head h;
	struct rq r[2];

	(void)state;
	head_default(&h, 1, 1);
	h.mode = VIRTIO_SPI_CPHA | VIRTIO_SPI_LSB_FIRST;
	h.freq = 12345;
	h.bits_per_word = 16;
	h.tx_nbits = 2;
	h.rx_nbits = 0;
	h.word_delay_ns = 7;
	h.cs_delay_hold_ns = 9;
	post_h(x, &r[0], &h, 4, 4, false, true);
	head_default(&h, 1, 1);
	post_h(x, &r[1], &h, 3, 0, false, true);
	assert_int_equal(serve(x, r, 2), 2);
	assert_int_equal(*r[0].st, VIRTIO_SPI_TRANS_OK);
	assert_memory_equal(r[0].tx, "\x10\x11\x12\x13", 4);
	assert_memory_equal(r[0].rx, "\xa0\xa1\xa2\xa3", 4);
	assert_int_equal(r[0].used, 5);
	assert_true(x->f[1].had_tx[0] && x->f[1].had_rx[0]);
	assert_memory_equal(x->f[1].tx[0], "\x10\x11\x12\x13", 4);
	assert_int_equal(x->f[1].log[0].len, 4);
	assert_int_equal(x->f[1].log[0].mode, VIRTIO_SPI_CPHA | VIRTIO_SPI_LSB_FIRST);
	assert_int_equal(x->f[1].log[0].speed_hz, 12345);
	assert_int_equal(x->f[1].log[0].bpw, 16);
	assert_int_equal(x->f[1].log[0].tx_nbits, 2);
	assert_int_equal(x->f[1].log[0].rx_nbits, 1);
	assert_int_equal(x->f[1].log[0].word_delay_ns, 7);
	assert_int_equal(x->f[1].log[0].cs_hold_ns, 9);
	/* half-duplex write: no rx buffer for the target, used length is the result only */
	assert_true(x->f[1].had_tx[1] && !x->f[1].had_rx[1]);
	assert_int_equal(r[1].used, 1);
	fx_free(x);
}

/* cs_change = 0 keeps the frame open across requests; another chip select ends it first. */
static void
test_cs_change(void **state)
{
	struct fx *x = fx_new(false);
	struct rq r[5];

	(void)state;
	post(x, &r[0], 0, 0, 1, 0);  /* opcode, keep selected */
	post(x, &r[1], 0, 0, 0, 3);  /* data, keep selected */
	post(x, &r[2], 0, 1, 0, 1);  /* last, deselect */
	assert_int_equal(serve(x, r, 3), 3);
	assert_false(x->f[0].log[0].cs_release);
	assert_false(x->f[0].log[1].cs_release);
	assert_true(x->f[0].log[2].cs_release);
	assert_int_equal(x->f[0].releases, 0);
	assert_int_equal(x->dev.held_cs, -1);
	assert_int_equal(x->dev.stats.cs_held, 2);
	/* frame left open on cs 0, then a transfer on cs 1 */
	post(x, &r[3], 0, 0, 1, 0);
	post(x, &r[4], 1, 1, 1, 0);
	assert_int_equal(serve(x, &r[3], 2), 2);
	assert_int_equal(x->f[0].releases, 1);
	assert_true(x->f[0].seq_release[0] < x->f[1].seq_xfer[0]);
	assert_int_equal(x->dev.stats.cs_forced, 1);
	assert_int_equal(x->dev.held_cs, -1);
	/* a held frame is ended by a queue stop */
	post(x, &r[0], 1, 0, 1, 0);
	r[0].done = false;
	assert_int_equal(serve(x, r, 1), 1);
	assert_int_equal(x->dev.held_cs, 1);
	spi_dev_ops.queue_stop(&x->dev, 0, &x->p.vq);
	assert_int_equal(x->f[1].releases, 1);
	assert_int_equal(x->dev.held_cs, -1);
	assert_int_equal(spi_dev_ops.queue_start(&x->dev, 0, &x->p.vq), 0);
	fx_free(x);
}

/* A failed transfer is TRANS_ERR, the frame is over, the queue goes on. */
static void
test_trans_err(void **state)
{
	struct fx *x = fx_new(false);
	struct rq r[3];

	(void)state;
	x->f[0].fail_rc = -EIO;
	post(x, &r[0], 0, 0, 2, 2);
	x->f[1].fail_rc = -EBUSY;
	post(x, &r[1], 1, 1, 2, 0);
	post(x, &r[2], 1, 1, 2, 0);
	vhd_test_serve(&x->p, &spi_dev_ops, &x->dev, 0);
	assert_int_equal(collect(x, r, 3), 3);
	assert_int_equal(*r[0].st, VIRTIO_SPI_TRANS_ERR);
	assert_memory_equal(r[0].rx, "\x55\x55", 2); /* rx untouched on error */
	assert_int_equal(*r[1].st, VIRTIO_SPI_TRANS_ERR);
	assert_int_equal(x->dev.held_cs, -1);
	assert_int_equal(x->f[0].releases, 0); /* failed: nothing to release */
	assert_int_equal(x->dev.stats.trans_err, 3);
	assert_int_equal(x->dev.stats.busy, 2);
	fx_free(x);
}

/* Blocking targets go through offload(): held, later requests wait, order kept. */
static void
test_offload(void **state)
{
	struct fx *x = fx_new(true);
	struct rq r[3];

	(void)state;
	post(x, &r[0], 0, 1, 2, 2);
	post(x, &r[1], 1, 1, 0, 2);
	assert_int_equal(serve(x, r, 2), 0);
	/* the first one is held in the helper, the second left on the ring */
	assert_int_equal(x->h.noff, 1);
	assert_int_equal(x->f[0].n_xfers, 0); /* not run on the worker */
	assert_int_equal(x->dev.stats.retries, 1);
	assert_int_equal(serve(x, r, 2), 0);
	assert_int_equal(x->dev.stats.retries, 2);
	assert_int_equal(vhd_test_host_run(&x->h), 1);
	assert_int_equal(collect(x, r, 2), 1);
	assert_true(r[0].done);
	assert_int_equal(*r[0].st, VIRTIO_SPI_TRANS_OK);
	assert_memory_equal(r[0].rx, "\xa0\xa1", 2);
	assert_int_equal(r[0].used, 3);
	assert_true(x->h.wakes >= 1);
	assert_int_equal(serve(x, r, 2), 0);
	assert_int_equal(vhd_test_host_run(&x->h), 1);
	assert_int_equal(collect(x, r, 2), 1);
	assert_int_equal(*r[1].st, VIRTIO_SPI_TRANS_OK);
	assert_int_equal(x->dev.stats.offloaded, 2);
	assert_int_equal(x->dev.stats.requests, 2);
	/* helper busy: the request stays on the ring and is not counted twice */
	x->h.offload_limit = 0;
	post(x, &r[2], 0, 1, 1, 0);
	assert_int_equal(serve(x, &r[2], 1), 0);
	assert_int_equal(x->dev.stats.requests, 2);
	x->h.offload_limit = VHD_TEST_HOST_DEPTH;
	/* no offload service in this host: inline, counted */
	forced_rc = -ENOSYS;
	assert_int_equal(serve(x, &r[2], 1), 1);
	assert_int_equal(*r[2].st, VIRTIO_SPI_TRANS_OK);
	assert_int_equal(x->dev.stats.offload_inline, 1);
	assert_int_equal(x->dev.stats.requests, 3);
	/* any other offload failure: TRANS_ERR, never a stall */
	forced_rc = -ENOMEM;
	post(x, &r[0], 0, 1, 1, 0);
	r[0].done = false;
	assert_int_equal(serve(x, r, 1), 1);
	assert_int_equal(*r[0].st, VIRTIO_SPI_TRANS_ERR);
	forced_rc = 0;
	fx_free(x);
}

/* A queue stop with a transfer in the helper answers it now and drops the late result. */
static void
test_offload_queue_stop(void **state)
{
	struct fx *x = fx_new(true);
	struct rq r[2];

	(void)state;
	post(x, &r[0], 0, 0, 2, 2);
	assert_int_equal(serve(x, r, 1), 0);
	assert_int_equal(x->h.noff, 1);
	spi_dev_ops.queue_stop(&x->dev, 0, &x->p.vq);
	assert_int_equal(collect(x, r, 1), 1);
	assert_int_equal(*r[0].st, VIRTIO_SPI_TRANS_ERR);
	assert_memory_equal(r[0].rx, "\x55\x55", 2);
	/* the transfer, then the release of the frame it may have opened */
	assert_int_equal(x->h.noff, 2);
	assert_int_equal(vhd_test_host_run(&x->h), 2);
	assert_int_equal(x->f[0].n_xfers, 1);
	assert_int_equal(x->f[0].releases, 1);
	assert_true(x->f[0].seq_xfer[0] < x->f[0].seq_release[0]);
	assert_int_equal(collect(x, r, 1), 0); /* nothing pushed twice */
	assert_null(x->dev.pending);
	assert_int_equal(spi_dev_ops.queue_start(&x->dev, 0, &x->p.vq), 0);
	post(x, &r[1], 0, 1, 1, 0);
	assert_int_equal(serve(x, &r[1], 1), 0);
	vhd_test_host_run(&x->h);
	assert_int_equal(collect(x, &r[1], 1), 1);
	assert_int_equal(*r[1].st, VIRTIO_SPI_TRANS_OK);
	fx_free(x);
}

/* As our host does: offloads drained, then queue_stop() releases the held frame at once. */
static void
test_offload_stop_drained(void **state)
{
	struct fx *x = fx_new(true);
	struct rq r[3];

	(void)state;
	post(x, &r[0], 0, 0, 1, 0);
	assert_int_equal(vhd_test_host_serve(&x->h, &x->p, &spi_dev_ops, &x->dev, 0), 1);
	assert_int_equal(vhd_test_host_run(&x->h), 1);
	assert_int_equal(collect(x, r, 1), 1);
	assert_int_equal(*r[0].st, VIRTIO_SPI_TRANS_OK);
	assert_int_equal(x->dev.held_cs, 0);
	/* a switch to cs 1 releases cs 0 through the helper, before cs 1's transfer */
	post(x, &r[1], 1, 0, 1, 0);
	vhd_test_serve(&x->p, &spi_dev_ops, &x->dev, 0);
	assert_int_equal(x->h.noff, 2);
	assert_int_equal(x->f[0].releases, 0);
	vhd_test_host_run(&x->h);
	assert_int_equal(x->f[0].releases, 1);
	assert_true(x->f[0].seq_release[0] < x->f[1].seq_xfer[0]);
	assert_int_equal(collect(x, &r[1], 1), 1);
	assert_int_equal(x->dev.held_cs, 1);
	spi_dev_ops.queue_stop(&x->dev, 0, &x->p.vq);
	assert_int_equal(x->h.noff, 0);
	assert_int_equal(x->f[1].releases, 1);
	assert_int_equal(x->dev.stats.cs_forced, 2);
	assert_int_equal(spi_dev_ops.queue_start(&x->dev, 0, &x->p.vq), 0);
	fx_free(x);
}

/* The config is the intersection of the targets; reads out of range fail, not crash. */
static void
test_config(void **state)
{
	struct spi_caps c[2] = {
		{.tx_nbits = 3, .rx_nbits = 7, .bpw_mask = 0, .mode_func = 0x7f,
		 .max_freq_hz = 0, .max_word_delay_ns = 255000, .max_cs_hold_ns = 100},
		{.tx_nbits = 1, .rx_nbits = 4, .bpw_mask = 0x80 | 0x8000, .mode_func = 0x25,
		 .max_freq_hz = 5000000, .max_word_delay_ns = 0, .max_cs_hold_ns = 50},
	};
	struct fx *x;
	struct spi_config cfg;
	uint8_t buf[40];

	(void)state;
	assert_int_equal(sizeof(struct spi_config), SPI_CONFIG_SIZE);
	assert_int_equal(sizeof(struct spi_xfer_head), SPI_XFER_HEAD_LEN);
	spi_dev_make_config(c, 2, &cfg);
	assert_int_equal(cfg.cs_max_number, 2);
	assert_int_equal(cfg.cs_change_supported, 1);
	assert_int_equal(cfg.tx_nbits_supported, 1);
	assert_int_equal(cfg.rx_nbits_supported, 4);
	assert_int_equal(cfg.bits_per_word_mask, 0x8080);
	assert_int_equal(cfg.mode_func_supported, 0x25);
	assert_int_equal(cfg.max_freq_hz, 5000000);
	assert_int_equal(cfg.max_word_delay_ns, 0);
	assert_int_equal(cfg.max_cs_hold_ns, 50);
	/* no CPOL setting at all would be invalid: CPOL=0 is assumed */
	c[0].mode_func = VIRTIO_SPI_MF_CPHA_1;
	spi_dev_make_config(c, 1, &cfg);
	assert_int_equal(cfg.mode_func_supported, VIRTIO_SPI_MF_CPHA_1 | VIRTIO_SPI_MF_CPOL_0);
	assert_int_equal(cfg.bits_per_word_mask, 0);

	x = fx_new(false);
	assert_int_equal(spi_dev_ops.config_size, 32);
	assert_int_equal(spi_dev_ops.virtio_id, 45);
	assert_int_equal(spi_dev_ops.get_config(&x->dev, buf, 0, 32), 0);
	assert_int_equal(buf[0], 2);
	assert_int_equal(spi_dev_ops.get_config(&x->dev, buf, 28, 4), 0);
	/* upstream panics here */
	assert_int_equal(spi_dev_ops.get_config(&x->dev, buf, 30, 4), -1);
	assert_int_equal(spi_dev_ops.get_config(&x->dev, buf, 33, 0), -1);
	assert_int_equal(spi_dev_ops.get_config(&x->dev, buf, 0xffffffffu, 2), -1);
	assert_int_equal(spi_dev_ops.get_config(&x->dev, buf, 0, 40), -1);
	fx_free(x);
	{
		struct spi_dev d;

		assert_int_equal(spi_dev_init(&d, NULL, 0), -1);
	}
}

struct seen {
	uint64_t requests, trans_ok, param_err, param_cs;
	unsigned int n;
};

static void
put_stat(void *ctx, const char *name, uint64_t v)
{
	struct seen *s = ctx;

	s->n++;
	if (strcmp(name, "requests") == 0)
		s->requests = v;
	else if (strcmp(name, "trans_ok") == 0)
		s->trans_ok = v;
	else if (strcmp(name, "param_err") == 0)
		s->param_err = v;
	else if (strcmp(name, "param_cs") == 0)
		s->param_cs = v;
}

static void
test_stats(void **state)
{
	struct fx *x = fx_new(false);
	struct seen s;
	struct rq r[2];

	(void)state;
	memset(&s, 0, sizeof(s));
	post(x, &r[0], 0, 1, 3, 0);
	post(x, &r[1], 9, 1, 3, 0);
	assert_int_equal(serve(x, r, 2), 2);
	spi_dev_ops.get_stats(&x->dev, put_stat, &s);
	assert_int_equal(s.requests, 2);
	assert_int_equal(s.trans_ok, 1);
	assert_int_equal(s.param_err, 1);
	assert_int_equal(s.param_cs, 1);
	assert_true(s.n >= 12 + SPI_CHECK_COUNT - 1);
	fx_free(x);
}

/* Random heads and layouts: every chain answered, the result the check table predicts. */
static void
test_fuzz(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned int round, i;

	(void)state;
	for (round = 0; round < 40; round++) {
		struct fx *x = fx_new(false);
		struct rq r[8];
		enum spi_check want[8];

		for (i = 0; i < 8; i++) {
			struct spi_xfer_head h;
			uint32_t tx, rx;
			uint8_t *hb = (uint8_t *)&h;
			unsigned int k;

			head_default(&h, 0, 1);
			for (k = 0; k < 3; k++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				/* flip a few random bytes of an otherwise valid head */
				if ((seed >> 60) & 1)
					hb[(seed >> 32) % sizeof(h)] = (uint8_t)(seed >> 40);
			}
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			tx = (uint32_t)(seed >> 33) % 9;
			rx = (uint32_t)(seed >> 45) % 9;
			want[i] = spi_dev_check(&x->dev.cfg, &h, tx, rx);
			post_h(x, &r[i], &h, tx, rx, (seed >> 20) & 1, true);
		}
		assert_int_equal(serve(x, r, 8), 8);
		for (i = 0; i < 8; i++) {
			uint8_t st = want[i] == SPI_CHECK_OK ? VIRTIO_SPI_TRANS_OK : VIRTIO_SPI_PARAM_ERR;

			assert_true(r[i].done);
			if (*r[i].st != st)
				fail_msg("round %u request %u: result %u, check %s", round, i, *r[i].st,
					 spi_check_name(want[i]));
		}
		fx_free(x);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_table),
		cmocka_unit_test(test_param_err_answered),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_each_request_own_result),
		cmocka_unit_test(test_duplex_and_params),
		cmocka_unit_test(test_cs_change),
		cmocka_unit_test(test_trans_err),
		cmocka_unit_test(test_offload),
		cmocka_unit_test(test_offload_queue_stop),
		cmocka_unit_test(test_offload_stop_drained),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
