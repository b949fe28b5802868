/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* virtio-i2c request handling over an in-process ring, against a recording adapter. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "i2c_dev.h"
#include "i2c_sim.h"
#include "vhd_test_host.h"
#include "vhd_test_pair.h"

#define MAX_LOG 64

/* An adapter that records transfers, answers reads with a pattern, fails on demand. */
struct fake_ad {
	struct i2c_adapter ad;
	unsigned int n_xfers;
	unsigned int xfer_len[MAX_LOG];  /* messages per transfer */
	unsigned int n_msgs;
	struct i2c_xfer_msg log[MAX_LOG];
	uint8_t wdata[MAX_LOG][16];
	int fail_rc;
	unsigned int fail_done;
};

static int
fake_xfer(struct i2c_adapter *ad, struct i2c_xfer_msg *msgs, unsigned int n, unsigned int *done)
{
	struct fake_ad *f = ad->priv;
	unsigned int i, j;

	f->xfer_len[f->n_xfers++] = n;
	for (i = 0; i < n; i++) {
		f->log[f->n_msgs] = msgs[i];
		if (!msgs[i].read)
			memcpy(f->wdata[f->n_msgs], msgs[i].buf,
			       msgs[i].len < 16 ? msgs[i].len : 16);
		else
			for (j = 0; j < msgs[i].len; j++)
				msgs[i].buf[j] = (uint8_t)(0xa0 + j);
		f->n_msgs++;
	}
	if (f->fail_rc != 0) {
		*done = f->fail_done;
		return f->fail_rc;
	}
	return 0;
}

static void
fake_destroy(struct i2c_adapter *ad)
{
	(void)ad; /* static storage */
}

static const struct i2c_adapter_ops fake_ops = {
	.xfer = fake_xfer,
	.destroy = fake_destroy,
};

/* The same adapter, as a real bus: transfers go to the host's helper thread. */
static const struct i2c_adapter_ops fake_blocking_ops = {
	.xfer = fake_xfer,
	.destroy = fake_destroy,
	.blocking = true,
};

/* Set by the second group: every fixture hosts the device on the unit-test host with
 * blocking adapters, and serve() runs the host until the device is idle. */
static bool offloaded;

struct fx {
	struct vhd_test_host h;
	struct vhd_test_pair p;
	struct fake_ad a, b;
	struct i2c_map map;
	struct i2c_dev dev;
};

/* a serves 0x20 and 0x21, b serves 0x50 */
static struct fx *
fx_new(uint16_t qsize, uint64_t features)
{
	static const uint16_t aa[] = { 0x20, 0x21 }, ba[] = { 0x50 };
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	assert_int_equal(vhd_test_pair_init(&x->p, qsize, features), 0);
	i2c_adapter_init(&x->a.ad, offloaded ? &fake_blocking_ops : &fake_ops, "fake-a", &x->a);
	i2c_adapter_init(&x->b.ad, offloaded ? &fake_blocking_ops : &fake_ops, "fake-b", &x->b);
	i2c_map_init(&x->map);
	assert_int_equal(i2c_map_add(&x->map, &x->a.ad, aa, 2), 0);
	assert_int_equal(i2c_map_add(&x->map, &x->b.ad, ba, 1), 0);
	i2c_dev_init(&x->dev, &x->map);
	vhd_test_host_init(&x->h);
	if (offloaded)
		i2c_dev_ops.attach(&x->dev, &x->h.host);
	i2c_dev_ops.set_features(&x->dev, features);
	assert_int_equal(i2c_dev_ops.queue_start(&x->dev, 0, &x->p.vq), 0);
	return x;
}

static void
fx_free(struct fx *x)
{
	i2c_dev_ops.queue_stop(&x->dev, 0, &x->p.vq);
	i2c_dev_fini(&x->dev);
	i2c_map_fini(&x->map);
	vhd_test_pair_fini(&x->p);
	free(x);
}

struct rq {
	struct i2c_out_hdr *hdr;
	uint8_t *buf;
	uint8_t *status;
	int head;
	uint32_t used;
	bool done;
};

/* Posts header, optional buffer (readable for writes, writable for reads), status. */
static void
post_wire(struct fx *x, struct rq *r, uint16_t wire_addr, uint32_t flags, uint32_t len)
{
	struct vhd_fe_buf bufs[3];
	unsigned int n = 0, n_rd = 1;

	memset(r, 0, sizeof(*r));
	r->hdr = vhd_test_alloc(&x->p, sizeof(*r->hdr));
	r->hdr->addr = wire_addr;
	r->hdr->flags = flags;
	r->status = vhd_test_alloc(&x->p, 1);
	*r->status = 0xee;
	bufs[n++] = (struct vhd_fe_buf){ r->hdr, sizeof(*r->hdr) };
	if (len > 0) {
		r->buf = vhd_test_alloc(&x->p, len);
		for (uint32_t i = 0; i < len; i++)
			r->buf[i] = (uint8_t)(i + 1);
		bufs[n++] = (struct vhd_fe_buf){ r->buf, len };
		if (!(flags & VIRTIO_I2C_FLAGS_M_RD))
			n_rd++;
	}
	bufs[n++] = (struct vhd_fe_buf){ r->status, 1 };
	r->head = vhd_test_post(&x->p, bufs, n_rd, n - n_rd, false);
	assert_true(r->head >= 0);
}

static void
post(struct fx *x, struct rq *r, uint16_t addr, uint32_t flags, uint32_t len)
{
	post_wire(x, r, (uint16_t)(addr << 1), flags, len);
}

/* Serves the queue and matches used entries to @p rs; returns the used count. */
static unsigned int
serve(struct fx *x, struct rq *rs, unsigned int n)
{
	uint16_t id;
	uint32_t len;
	unsigned int got = 0, i;

	vhd_test_serve(&x->p, &i2c_dev_ops, &x->dev, 0);
	/* offloaded transfers finish at the host's next run; retried requests follow */
	while (x->dev.busy) {
		assert_true(vhd_test_host_run(&x->h) > 0);
		vhd_test_serve(&x->p, &i2c_dev_ops, &x->dev, 0);
	}
	while (vhd_test_used(&x->p, &id, &len) == 1) {
		for (i = 0; i < n; i++) {
			if (!rs[i].done && rs[i].head == id) {
				rs[i].done = true;
				rs[i].used = len;
				break;
			}
		}
		assert_true(i < n);
		got++;
	}
	return got;
}

#define FN VIRTIO_I2C_FLAGS_FAIL_NEXT
#define RD VIRTIO_I2C_FLAGS_M_RD

static void
test_single_write(void **state)
{
	struct fx *x = fx_new(16, 0);
	struct rq r;

	(void)state;
	post(x, &r, 0x20, 0, 3);
	assert_int_equal(serve(x, &r, 1), 1);
	assert_int_equal(*r.status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(r.used, 1);
	assert_int_equal(x->a.n_xfers, 1);
	assert_int_equal(x->a.xfer_len[0], 1);
	assert_int_equal(x->a.log[0].addr, 0x20);
	assert_false(x->a.log[0].read);
	assert_int_equal(x->a.log[0].len, 3);
	assert_memory_equal(x->a.wdata[0], "\x01\x02\x03", 3);
	assert_int_equal(x->dev.stats.msg_ok, 1);
	fx_free(x);
}

static void
test_single_read(void **state)
{
	struct fx *x = fx_new(16, 0);
	struct rq r;

	(void)state;
	post(x, &r, 0x50, RD, 4);
	assert_int_equal(serve(x, &r, 1), 1);
	assert_int_equal(*r.status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(r.used, 5);
	assert_memory_equal(r.buf, "\xa0\xa1\xa2\xa3", 4);
	assert_int_equal(x->b.n_xfers, 1);
	assert_true(x->b.log[0].read);
	assert_int_equal(x->a.n_xfers, 0);
	fx_free(x);
}

/* write-then-read chained with FAIL_NEXT is one transfer, completed in order */
static void
test_group_one_transfer(void **state)
{
	struct fx *x = fx_new(16, 0);
	struct rq r[2];
	uint16_t id;
	uint32_t len;

	(void)state;
	post(x, &r[0], 0x20, FN, 1);
	post(x, &r[1], 0x21, RD, 2);
	vhd_test_serve(&x->p, &i2c_dev_ops, &x->dev, 0);
	assert_int_equal(vhd_test_used(&x->p, &id, &len), 1);
	assert_int_equal(id, r[0].head);
	assert_int_equal(len, 1);
	assert_int_equal(vhd_test_used(&x->p, &id, &len), 1);
	assert_int_equal(id, r[1].head);
	assert_int_equal(len, 3);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(*r[1].status, VIRTIO_I2C_MSG_OK);
	assert_memory_equal(r[1].buf, "\xa0\xa1", 2);
	assert_int_equal(x->a.n_xfers, 1);
	assert_int_equal(x->a.xfer_len[0], 2);
	assert_int_equal(x->a.log[1].addr, 0x21);
	fx_free(x);
}

/* the group's requests stay held while its last one has not arrived */
static void
test_group_across_kicks(void **state)
{
	struct fx *x = fx_new(16, 0);
	struct rq r[3];

	(void)state;
	post(x, &r[0], 0x20, FN, 1);
	post(x, &r[1], 0x20, FN, 1);
	assert_int_equal(serve(x, r, 3), 0);
	assert_int_equal(x->a.n_xfers, 0);
	assert_int_equal(*r[0].status, 0xee);
	post(x, &r[2], 0x20, RD, 1);
	assert_int_equal(serve(x, r, 3), 3);
	assert_int_equal(x->a.n_xfers, 1);
	assert_int_equal(x->a.xfer_len[0], 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(*r[i].status, VIRTIO_I2C_MSG_OK);
	fx_free(x);
}

static void
test_group_transfer_fails(void **state)
{
	struct fx *x = fx_new(16, 0);
	struct rq r[3];

	(void)state;
	x->a.fail_rc = -EREMOTEIO;
	x->a.fail_done = 0;
	post(x, &r[0], 0x20, FN, 1);
	post(x, &r[1], 0x20, RD, 1);
	assert_int_equal(serve(x, r, 2), 2);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(*r[1].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(r[1].used, 1);
	assert_int_equal(r[1].buf[0], 1); /* a failed read leaves the guest buffer alone */
	assert_int_equal(x->dev.stats.xfer_errors, 1);

	/* the backend can say how far it went: those requests are OK */
	x->a.fail_done = 1;
	post(x, &r[0], 0x20, FN, 1);
	post(x, &r[1], 0x20, FN | RD, 1);
	post(x, &r[2], 0x20, RD, 1);
	assert_int_equal(serve(x, r, 3), 3);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(*r[1].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(*r[2].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(x->dev.stats.skipped, 2);
	fx_free(x);
}

/* a refused request in a group: the ones before run, the ones after fail untouched */
static void
test_group_bad_addr_middle(void **state)
{
	struct fx *x = fx_new(16, 0);
	struct rq r[4];

	(void)state;
	post(x, &r[0], 0x20, FN, 2);
	post(x, &r[1], 0x33, FN | RD, 1);
	post(x, &r[2], 0x20, 0, 1);
	post(x, &r[3], 0x21, 0, 1);
	assert_int_equal(serve(x, r, 4), 4);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(*r[1].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(*r[2].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(*r[3].status, VIRTIO_I2C_MSG_OK); /* next group */
	assert_int_equal(x->a.n_xfers, 2);
	assert_int_equal(x->a.xfer_len[0], 1);
	assert_int_equal(x->a.log[0].len, 2);
	assert_int_equal(x->a.log[1].addr, 0x21);
	assert_int_equal(x->dev.stats.bad_addr, 1);
	assert_int_equal(x->dev.stats.skipped, 1);
	fx_free(x);
}

/*
 * A failing group is answered as one, when its last request comes, across kicks: Linux
 * stops waiting at the first failure and frees the group, so nothing of it may be
 * published after that first failure.
 */
static void
test_failing_group_across_kicks(void **state)
{
	struct fx *x = fx_new(16, 0);
	struct rq r[3];

	(void)state;
	memset(r, 0, sizeof(r));
	post(x, &r[0], 0x7f, FN, 1);
	assert_int_equal(serve(x, r, 3), 0);
	assert_true(x->dev.failing);
	post(x, &r[1], 0x20, FN, 1);
	assert_int_equal(serve(x, r, 3), 0);
	post(x, &r[2], 0x20, 0, 1);
	assert_int_equal(serve(x, r, 3), 3);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(*r[1].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(*r[2].status, VIRTIO_I2C_MSG_ERR);
	assert_false(x->dev.failing);
	assert_int_equal(x->a.n_xfers, 0);
	assert_int_equal(x->dev.stats.bad_addr, 1);
	assert_int_equal(x->dev.stats.skipped, 2);
	memset(r, 0, sizeof(r));
	post(x, &r[0], 0x20, 0, 1);
	assert_int_equal(serve(x, r, 1), 1);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(x->a.n_xfers, 1);
	fx_free(x);
}

/* A good prefix, then a refusal: the prefix runs, and nothing is published before the end. */
static void
test_group_refused_after_good_prefix(void **state)
{
	struct fx *x = fx_new(16, 0);
	struct rq r[3];

	(void)state;
	memset(r, 0, sizeof(r));
	post(x, &r[0], 0x20, FN, 2);
	post(x, &r[1], 0x33, FN, 1);
	assert_int_equal(serve(x, r, 3), 0);
	assert_int_equal(x->a.n_xfers, 0);
	post(x, &r[2], 0x20, RD, 1);
	assert_int_equal(serve(x, r, 3), 3);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(*r[1].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(*r[2].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(x->a.n_xfers, 1);
	assert_int_equal(x->a.xfer_len[0], 1);
	assert_int_equal(x->dev.stats.skipped, 1);
	fx_free(x);
}

/* a group spanning two adapters runs as one transfer per adapter; a failure stops it */
static void
test_group_two_adapters(void **state)
{
	struct fx *x = fx_new(16, 0);
	struct rq r[2];

	(void)state;
	post(x, &r[0], 0x20, FN, 1);
	post(x, &r[1], 0x50, RD, 1);
	assert_int_equal(serve(x, r, 2), 2);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(*r[1].status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(x->a.n_xfers, 1);
	assert_int_equal(x->b.n_xfers, 1);

	x->a.fail_rc = -ENXIO;
	post(x, &r[0], 0x20, FN, 1);
	post(x, &r[1], 0x50, RD, 1);
	assert_int_equal(serve(x, r, 2), 2);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(*r[1].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(x->b.n_xfers, 1);
	fx_free(x);
}

static void
test_zero_length(void **state)
{
	struct fx *x = fx_new(16, 0);
	struct rq r;

	(void)state;
	/* not negotiated: refused before the bus */
	post(x, &r, 0x20, 0, 0);
	assert_int_equal(serve(x, &r, 1), 1);
	assert_int_equal(*r.status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(r.used, 1);
	assert_int_equal(x->a.n_xfers, 0);
	fx_free(x);

	x = fx_new(16, VHD_BIT(VIRTIO_I2C_F_ZERO_LENGTH_REQUEST));
	post(x, &r, 0x20, RD, 0);
	assert_int_equal(serve(x, &r, 1), 1);
	assert_int_equal(*r.status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(r.used, 1);
	assert_int_equal(x->a.n_xfers, 1);
	assert_int_equal(x->a.log[0].len, 0);
	assert_true(x->a.log[0].read);
	fx_free(x);
}

static void
test_bad_wire_addr(void **state)
{
	struct fx *x = fx_new(16, 0);
	struct rq r[3];

	(void)state;
	post_wire(x, &r[0], 0x41, 0, 1);        /* bit 0 set */
	post_wire(x, &r[1], 0x140, 0, 1);       /* 10-bit style */
	post_wire(x, &r[2], 0x20, 0, 1);        /* 0x10: not exposed */
	assert_int_equal(serve(x, r, 3), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(*r[i].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(x->a.n_xfers + x->b.n_xfers, 0);
	assert_int_equal(x->dev.stats.bad_addr, 3);
	fx_free(x);
}

static void
test_malformed(void **state)
{
	struct fx *x = fx_new(16, 0);
	struct vhd_fe_buf b[3];
	struct rq r[6];
	uint8_t *h, *st, *d;
	int i;

	(void)state;
	memset(r, 0, sizeof(r));
	/* header too short */
	h = vhd_test_alloc(&x->p, 8);
	st = vhd_test_alloc(&x->p, 1);
	b[0] = (struct vhd_fe_buf){ h, 4 };
	b[1] = (struct vhd_fe_buf){ st, 1 };
	*st = 0xee;
	r[0].status = st;
	r[0].head = vhd_test_post(&x->p, b, 1, 1, false);
	/* no status byte: nothing can be answered */
	h = vhd_test_alloc(&x->p, 8);
	((struct i2c_out_hdr *)h)->addr = 0x20 << 1;
	d = vhd_test_alloc(&x->p, 2);
	b[0] = (struct vhd_fe_buf){ h, 8 };
	b[1] = (struct vhd_fe_buf){ d, 2 };
	r[1].head = vhd_test_post(&x->p, b, 2, 0, false);
	/* read with a readable buffer */
	h = vhd_test_alloc(&x->p, 8);
	((struct i2c_out_hdr *)h)->addr = 0x20 << 1;
	((struct i2c_out_hdr *)h)->flags = RD;
	st = vhd_test_alloc(&x->p, 1);
	b[0] = (struct vhd_fe_buf){ h, 8 };
	b[1] = (struct vhd_fe_buf){ d, 2 };
	b[2] = (struct vhd_fe_buf){ st, 1 };
	*st = 0xee;
	r[2].status = st;
	r[2].head = vhd_test_post(&x->p, b, 2, 1, false);
	/* write with a writable buffer */
	h = vhd_test_alloc(&x->p, 8);
	((struct i2c_out_hdr *)h)->addr = 0x20 << 1;
	st = vhd_test_alloc(&x->p, 1);
	b[0] = (struct vhd_fe_buf){ h, 8 };
	b[1] = (struct vhd_fe_buf){ d, 2 };
	b[2] = (struct vhd_fe_buf){ st, 1 };
	*st = 0xee;
	r[3].status = st;
	r[3].head = vhd_test_post(&x->p, b, 1, 2, false);
	/* longer than Linux's i2c-dev takes */
	post(x, &r[4], 0x20, RD, I2C_MSG_MAX_LEN + 1);
	/* header split over two descriptors is still a good request */
	h = vhd_test_alloc(&x->p, 9);
	((struct i2c_out_hdr *)h)->addr = 0x20 << 1;
	st = vhd_test_alloc(&x->p, 1);
	d = vhd_test_alloc(&x->p, 1);
	b[0] = (struct vhd_fe_buf){ h, 3 };
	b[1] = (struct vhd_fe_buf){ h + 3, 6 }; /* 5 header bytes + 1 data byte */
	h[8] = 0x5a;
	b[2] = (struct vhd_fe_buf){ st, 1 };
	*st = 0xee;
	r[5].status = st;
	r[5].head = vhd_test_post(&x->p, b, 2, 1, false);

	assert_int_equal(serve(x, r, 6), 6);
	assert_int_equal(r[1].used, 0);
	for (i = 0; i < 5; i++) {
		if (i == 1)
			continue;
		assert_int_equal(*r[i].status, VIRTIO_I2C_MSG_ERR);
		assert_int_equal(r[i].used, 1);
	}
	assert_int_equal(*r[5].status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(x->a.n_xfers, 1);
	assert_int_equal(x->a.log[0].len, 1);
	assert_int_equal(x->a.wdata[0][0], 0x5a);
	assert_int_equal(x->dev.stats.malformed, 4);
	assert_int_equal(x->dev.stats.no_status, 1);
	fx_free(x);
}

/* a group longer than one I2C_RDWR can carry: the first 42 run, the rest fail */
static void
test_group_too_long(void **state)
{
	struct fx *x = fx_new(256, 0); /* 3 descriptors per request */
	struct rq r[I2C_XFER_MAX_MSGS + 2];
	unsigned int i, n = I2C_XFER_MAX_MSGS + 2;

	(void)state;
	for (i = 0; i < n; i++)
		post(x, &r[i], 0x20, i == n - 1 ? 0 : FN, 1);
	assert_int_equal(serve(x, r, n), n);
	assert_int_equal(x->a.n_xfers, 1);
	assert_int_equal(x->a.xfer_len[0], I2C_XFER_MAX_MSGS);
	for (i = 0; i < I2C_XFER_MAX_MSGS; i++)
		assert_int_equal(*r[i].status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(*r[n - 2].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(*r[n - 1].status, VIRTIO_I2C_MSG_ERR);
	fx_free(x);
}

/* queue_stop answers an incomplete group with ERR (the guest would wait forever) and resets */
static void
test_queue_stop_fails_group(void **state)
{
	struct fx *x = fx_new(16, 0);
	struct rq r[2];
	uint16_t id;
	uint32_t len;

	(void)state;
	post(x, &r[0], 0x20, FN, 4);
	assert_int_equal(serve(x, r, 1), 0);
	assert_int_equal(x->dev.n_held, 1);
	i2c_dev_ops.queue_stop(&x->dev, 0, &x->p.vq);
	assert_int_equal(x->dev.n_held, 0);
	assert_int_equal(vhd_test_used(&x->p, &id, &len), 1);
	assert_int_equal(id, r[0].head);
	assert_int_equal(len, 1);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(x->a.n_xfers, 0);
	i2c_dev_ops.queue_start(&x->dev, 0, &x->p.vq);
	post(x, &r[1], 0x21, 0, 1);
	assert_int_equal(serve(x, &r[1], 1), 1);
	assert_int_equal(*r[1].status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(x->a.xfer_len[0], 1);
	assert_int_equal(x->a.log[0].addr, 0x21);
	/* a failing group does not outlive the queue either: its refused request answers */
	r[0].done = false;
	post(x, &r[0], 0x33, FN, 1);
	assert_int_equal(serve(x, r, 1), 0);
	assert_true(x->dev.failing);
	i2c_dev_ops.queue_stop(&x->dev, 0, &x->p.vq);
	assert_false(x->dev.failing);
	assert_int_equal(vhd_test_used(&x->p, &id, &len), 1);
	assert_int_equal(id, r[0].head);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_ERR);
	fx_free(x);
}

/* guest-style EEPROM access through the queue onto the simulated bus */
static void
test_sim_eeprom_through_queue(void **state)
{
	static const uint16_t addrs[] = { 0x50 };
	struct fx *x = calloc(1, sizeof(*x));
	struct i2c_adapter *sim = i2c_sim_create("sim0");
	struct rq r[2];

	(void)state;
	assert_non_null(x);
	assert_int_equal(vhd_test_pair_init(&x->p, 16, 0), 0);
	assert_int_equal(i2c_sim_add_client(sim, 0x50, "24c02", NULL), 0);
	i2c_map_init(&x->map);
	assert_int_equal(i2c_map_add(&x->map, sim, addrs, 1), 0);
	i2c_dev_init(&x->dev, &x->map);
	/* write 3 bytes at 0x10, then a random read of 4 from 0x10 */
	post(x, &r[0], 0x50, 0, 4);
	memcpy(r[0].buf, "\x10\xde\xad\xbe", 4);
	assert_int_equal(serve(x, r, 1), 1);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_OK);
	post(x, &r[0], 0x50, FN, 1);
	r[0].buf[0] = 0x10;
	post(x, &r[1], 0x50, RD, 4);
	assert_int_equal(serve(x, r, 2), 2);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(*r[1].status, VIRTIO_I2C_MSG_OK);
	assert_memory_equal(r[1].buf, "\xde\xad\xbe\xff", 4);
	/* nobody at 0x51 on the sim bus would NAK, but it is not exposed either */
	post(x, &r[0], 0x51, RD, 1);
	assert_int_equal(serve(x, r, 1), 1);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_ERR);
	fx_free(x);
}

static uint32_t rnd_state = 12345;

static uint32_t
rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* Random requests, good and bad, in random batches: every one is answered exactly once, with
 * OK or ERR in its status byte when it has one, and the queue never stalls.
 */
static void
test_random_requests(void **state)
{
	static const uint16_t addrs[] = { 0x20, 0x21, 0x50, 0x33, 0x7f };
	enum { N = 1500, BATCH = 12 };
	struct fx *x = fx_new(64, VHD_BIT(VIRTIO_I2C_F_ZERO_LENGTH_REQUEST));
	struct rq *r = calloc(N + 1, sizeof(*r));
	bool *has_status = calloc(N + 1, sizeof(bool));
	unsigned int n = 0, used = 0, i;

	(void)state;
	assert_non_null(r);
	assert_non_null(has_status);
	while (n < N) {
		unsigned int batch = 1 + rnd(BATCH);

		for (i = 0; i < batch && n < N; i++, n++) {
			uint32_t flags = rnd(4) | (rnd(8) == 0 ? 0x100 : 0);
			uint32_t len = rnd(20) == 0 ? (rnd(2) ? 9000 : 0) : rnd(64);
			uint16_t addr = addrs[rnd(5)];
			struct vhd_fe_buf b[3];
			uint8_t *h;

			switch (rnd(10)) {
			case 0: /* no status byte */
				h = vhd_test_alloc(&x->p, 8 + len + 1);
				((struct i2c_out_hdr *)h)->addr = (uint16_t)(addr << 1);
				((struct i2c_out_hdr *)h)->flags = flags;
				b[0] = (struct vhd_fe_buf){ h, 8 + len };
				r[n].head = vhd_test_post(&x->p, b, 1, 0, false);
				break;
			case 1: /* short header */
				h = vhd_test_alloc(&x->p, 8);
				r[n].status = vhd_test_alloc(&x->p, 1);
				*r[n].status = 0xee;
				b[0] = (struct vhd_fe_buf){ h, 1 + rnd(7) };
				b[1] = (struct vhd_fe_buf){ r[n].status, 1 };
				r[n].head = vhd_test_post(&x->p, b, 1, 1, false);
				has_status[n] = true;
				break;
			case 2: /* odd wire address */
				post_wire(x, &r[n], (uint16_t)rnd(0x400), flags, len);
				has_status[n] = true;
				break;
			default:
				post(x, &r[n], addr, flags, len);
				has_status[n] = true;
				break;
			}
			assert_true(r[n].head >= 0);
		}
		x->a.fail_rc = rnd(4) == 0 ? -EIO : 0;
		x->a.fail_done = rnd(3);
		x->a.n_xfers = 0; /* the log is only big enough for one batch */
		x->a.n_msgs = 0;
		x->b.n_xfers = 0;
		x->b.n_msgs = 0;
		used += serve(x, r, n);
	}
	/* close whatever group is still open */
	post(x, &r[n], 0x20, 0, 1);
	has_status[n] = true;
	n++;
	x->a.fail_rc = 0;
	x->a.n_xfers = x->a.n_msgs = 0;
	used += serve(x, r, n);
	assert_int_equal(used, n);
	assert_int_equal(x->dev.n_held, 0);
	assert_false(x->dev.failing);
	for (i = 0; i < n; i++) {
		assert_true(r[i].done);
		if (!has_status[i]) {
			assert_int_equal(r[i].used, 0);
			continue;
		}
		if (*r[i].status != VIRTIO_I2C_MSG_OK && *r[i].status != VIRTIO_I2C_MSG_ERR)
			fail_msg("request %u: status %#x", i, *r[i].status);
	}
	print_message("ok %llu err %llu no-status %llu malformed %llu bad-addr %llu skipped %llu "
		      "xfers %llu\n", (unsigned long long)x->dev.stats.msg_ok,
		      (unsigned long long)x->dev.stats.msg_err,
		      (unsigned long long)x->dev.stats.no_status,
		      (unsigned long long)x->dev.stats.malformed,
		      (unsigned long long)x->dev.stats.bad_addr,
		      (unsigned long long)x->dev.stats.skipped, (unsigned long long)x->dev.stats.xfers);
	assert_int_equal(x->dev.stats.requests, n);
	assert_int_equal(x->dev.stats.msg_ok + x->dev.stats.msg_err + x->dev.stats.no_status, n);
	/* the mix really covered the paths */
	assert_true(x->dev.stats.msg_ok > 100);
	assert_true(x->dev.stats.skipped > 10);
	assert_true(x->dev.stats.malformed > 10);
	assert_true(x->dev.stats.bad_addr > 10);
	assert_true(x->dev.stats.no_status > 10);
	free(r);
	free(has_status);
	fx_free(x);
}

/* A fixture on blocking adapters, hosted on the unit-test host. */
static struct fx *
fx_offloaded(void)
{
	offloaded = true;
	return fx_new(16, 0);
}

static void
fx_offloaded_free(struct fx *x)
{
	offloaded = false;
	fx_free(x);
}

/* On a blocking bus the transfer leaves handle(): its requests stay held and later ones
 * wait on the ring until the helper is done; then everything completes in order. */
static void
test_offloaded_transfer(void **state)
{
	struct fx *x;
	struct rq r[3];
	uint16_t id;
	uint32_t len;

	(void)state;
	x = fx_offloaded();
	post(x, &r[0], 0x20, FN, 1);
	post(x, &r[1], 0x21, RD, 2);
	post(x, &r[2], 0x50, 0, 1);
	vhd_test_serve(&x->p, &i2c_dev_ops, &x->dev, 0);
	assert_true(x->dev.busy);
	assert_int_equal(x->a.n_xfers, 0); /* nothing ran inside handle() */
	assert_int_equal(vhd_test_used(&x->p, &id, &len), 0);
	assert_int_equal(x->dev.stats.requests, 2); /* the third waits, not counted yet */
	assert_int_equal(vhd_test_host_run(&x->h), 1);
	assert_int_equal(x->a.n_xfers, 1);
	assert_int_equal(x->a.xfer_len[0], 2);
	assert_false(x->dev.busy);
	assert_int_equal(vhd_test_used(&x->p, &id, &len), 1);
	assert_int_equal(id, r[0].head);
	assert_int_equal(vhd_test_used(&x->p, &id, &len), 1);
	assert_int_equal(id, r[1].head);
	assert_int_equal(len, 3);
	assert_memory_equal(r[1].buf, "\xa0\xa1", 2);
	assert_int_equal(vhd_test_used(&x->p, &id, &len), 0);
	r[0].done = r[1].done = true;
	assert_int_equal(serve(x, r, 3), 1);
	assert_true(r[2].done);
	assert_int_equal(x->b.n_xfers, 1);
	assert_int_equal(x->dev.stats.offloaded, 2);
	assert_int_equal(x->dev.stats.requests, 3);
	fx_offloaded_free(x);
}

/* A refused request after held ones on a blocking bus: the held ones go to the helper, the
 * refused one is answered (and counted) once, after them. */
static void
test_offloaded_refuse(void **state)
{
	struct fx *x;
	struct rq r[2];

	(void)state;
	x = fx_offloaded();
	post(x, &r[0], 0x20, FN, 1);
	post(x, &r[1], 0x33, 0, 1); /* not exposed */
	assert_int_equal(serve(x, r, 2), 2);
	assert_int_equal(*r[0].status, VIRTIO_I2C_MSG_OK);
	assert_int_equal(*r[1].status, VIRTIO_I2C_MSG_ERR);
	assert_int_equal(x->dev.stats.bad_addr, 1);
	assert_int_equal(x->dev.stats.requests, 2);
	assert_int_equal(x->dev.stats.msg_err, 1);
	fx_offloaded_free(x);
}

/* A queue stop while the helper still runs (the host gave up waiting): the held buffers
 * stay with the helper and are dropped when it is done, nothing pushed into a stale ring. */
static void
test_offloaded_orphaned(void **state)
{
	struct fx *x;
	struct rq r;
	uint16_t id;
	uint32_t len;

	(void)state;
	x = fx_offloaded();
	post(x, &r, 0x20, 0, 1);
	vhd_test_serve(&x->p, &i2c_dev_ops, &x->dev, 0);
	assert_true(x->dev.busy);
	i2c_dev_ops.queue_stop(&x->dev, 0, &x->p.vq);
	assert_int_equal(x->dev.n_held, 1);
	vhd_test_host_run(&x->h);
	assert_int_equal(x->dev.n_held, 0);
	assert_false(x->dev.busy);
	assert_int_equal(vhd_test_used(&x->p, &id, &len), 0);
	assert_int_equal(*r.status, 0xee);
	assert_int_equal(i2c_dev_ops.queue_start(&x->dev, 0, &x->p.vq), 0);
	fx_offloaded_free(x);
}

static int
offloaded_on(void **state)
{
	(void)state;
	offloaded = true;
	return 0;
}

static int
offloaded_off(void **state)
{
	(void)state;
	offloaded = false;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_write),
		cmocka_unit_test(test_single_read),
		cmocka_unit_test(test_group_one_transfer),
		cmocka_unit_test(test_group_across_kicks),
		cmocka_unit_test(test_group_transfer_fails),
		cmocka_unit_test(test_group_bad_addr_middle),
		cmocka_unit_test(test_failing_group_across_kicks),
		cmocka_unit_test(test_group_refused_after_good_prefix),
		cmocka_unit_test(test_group_two_adapters),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_bad_wire_addr),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_group_too_long),
		cmocka_unit_test(test_queue_stop_fails_group),
		cmocka_unit_test(test_sim_eeprom_through_queue),
		cmocka_unit_test(test_random_requests),
		cmocka_unit_test(test_offloaded_transfer),
		cmocka_unit_test(test_offloaded_refuse),
		cmocka_unit_test(test_offloaded_orphaned),
	};
	/* The same scenarios with every transfer on the host's helper thread. */
	const struct CMUnitTest offload_tests[] = {
		cmocka_unit_test(test_single_write),
		cmocka_unit_test(test_single_read),
		cmocka_unit_test(test_group_across_kicks),
		cmocka_unit_test(test_group_transfer_fails),
		cmocka_unit_test(test_group_bad_addr_middle),
		cmocka_unit_test(test_failing_group_across_kicks),
		cmocka_unit_test(test_group_refused_after_good_prefix),
		cmocka_unit_test(test_group_two_adapters),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_bad_wire_addr),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_group_too_long),
		cmocka_unit_test(test_random_requests),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	return rc | cmocka_run_group_tests_name("offloaded", offload_tests, offloaded_on,
						offloaded_off);
}
