/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Packed rings in the engine: the split-ring cases of test_vq.c on a packed
 * ring, and the malformed classes only a packed ring has.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "vq_test.h"

#define QSZ 8
#define PK_F (VHD_BIT(VHD_F_RING_INDIRECT_DESC) | VHD_BIT(VHD_F_VERSION_1) | \
	      VHD_BIT(VHD_F_RING_PACKED))
#define PK_EVIDX_F (PK_F | VHD_BIT(VHD_F_RING_EVENT_IDX))

static int
setup_with(void **state, uint16_t size, uint64_t f)
{
	struct ctx *c;

	vq_test_setup(state, size, f);
	c = *state;
	assert_true(c->p.vq.packed);
	assert_true(c->p.drv.packed);
	return 0;
}

static int
setup_plain(void **state)
{
	return setup_with(state, QSZ, PK_F);
}

static int
setup_evidx(void **state)
{
	return setup_with(state, QSZ, PK_EVIDX_F);
}

static int
setup_odd(void **state)
{
	return setup_with(state, 6, PK_F); /* packed sizes need not be powers of two */
}

/* Flags making the k-th next slot available, plus @extra. */
static uint16_t
F(struct ctx *c, unsigned int k, uint16_t extra)
{
	return (uint16_t)(vhd_fe_packed_avail_flags(&c->p.drv, k) | extra);
}

static void
raw(struct ctx *c, const struct vhd_vring_packed_desc *d, unsigned int n)
{
	vhd_fe_packed_put_raw(&c->p.drv, d, n);
}

/* The raw chain put last comes back as bad with id @id, then a good one. */
static void
expect_bad_then_good(struct ctx *c, uint16_t id)
{
	uint16_t got;
	uint32_t len;
	int good;

	good = post_good(c, false);
	expect_good(c, 7);
	assert_int_equal(vhd_test_used(&c->p, &got, &len), 1);
	assert_int_equal(got, id);
	assert_int_equal(len, 0);
	assert_int_equal(vhd_test_used(&c->p, &got, &len), 1);
	assert_int_equal(got, good);
	assert_int_equal(len, 7);
	assert_int_equal(c->p.vq.stats.bad_chains, 1);
	assert_int_equal(c->p.vq.stats.requests, 1);
}

/* Used descriptors of a batch are invisible until the flush, which stores
 * the first one's flags last; completions may come out of order.
 */
static void
batched_out_of_order(void **state)
{
	struct ctx *c = *state;
	struct vhd_req r2;
	uint16_t id;
	uint32_t len;
	int a, b;

	a = post_good(c, false);
	b = post_good(c, false);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &r2), 1);
	assert_int_equal(c->req.id, a);
	assert_int_equal(r2.id, b);
	vhd_vq_push(&c->p.vq, (uint16_t)b, 2);
	vhd_vq_push(&c->p.vq, (uint16_t)a, 1);
	assert_int_equal(vhd_fe_ring_used_pending(&c->p.drv), 0);
	vhd_vq_flush(&c->p.vq);
	assert_int_equal(vhd_fe_ring_used_pending(&c->p.drv), 2);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, b);
	assert_int_equal(len, 2);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, a);
	assert_int_equal(len, 1);
	/* a push of an id not in flight is ignored, never written */
	vhd_vq_push(&c->p.vq, (uint16_t)a, 1);
	vhd_vq_push(&c->p.vq, QSZ + 1, 1);
	assert_false(vhd_vq_flush(&c->p.vq));
	assert_int_equal(vhd_fe_ring_used_pending(&c->p.drv), 0);
}

/* Chains of two and three descriptors cross the ring end on both sides. */
static void
ring_wraps(void **state)
{
	struct ctx *c = *state;
	unsigned int i;
	uint16_t id;
	uint32_t len;

	for (i = 0; i < 5 * QSZ + 1; i++) {
		char *b = vhd_test_alloc(&c->p, 8);
		struct vhd_fe_buf bufs[3] = {{b, 2}, {b + 2, 3}, {b + 5, 3}};

		memcpy(b, "hi", 2);
		assert_true(vhd_test_post(&c->p, bufs, 1 + (i % 2), 1, false) >= 0);
		assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
		assert_int_equal(c->req.n_rd + c->req.n_wr, 2 + (i % 2));
		vhd_vq_push(&c->p.vq, c->req.id, i);
		vhd_vq_flush(&c->p.vq);
		assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
		assert_int_equal(len, i);
	}
	assert_int_equal(c->p.vq.stats.bad_chains, 0);
}

static void
bad_id_out_of_range(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_packed_desc d[1] = {{gpa_of(c, 4), 4, QSZ + 3, F(c, 0, 0)}};

	raw(c, d, 1);
	expect_bad_then_good(c, QSZ + 3);
}

/* Two chains carrying the same buffer id: the second is refused while the
 * first is in flight, and the first still completes, exactly once.
 */
static void
bad_id_reused_in_flight(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_packed_desc x[1] = {{gpa_of(c, 4), 4, 5, F(c, 0, VHD_DESC_F_WRITE)}};
	struct vhd_req held;
	uint16_t id;
	uint32_t len;

	raw(c, x, 1);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &held), 1);
	assert_int_equal(held.id, 5);
	struct vhd_vring_packed_desc y[1] = {{gpa_of(c, 4), 4, 5, F(c, 0, VHD_DESC_F_WRITE)}};

	raw(c, y, 1);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 0);
	assert_int_equal(c->p.vq.stats.bad_chains, 1);
	vhd_vq_flush(&c->p.vq);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, 5);
	assert_int_equal(len, 0);
	vhd_vq_push(&c->p.vq, held.id, 4);
	vhd_vq_flush(&c->p.vq);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, 5);
	assert_int_equal(len, 4);
	vhd_vq_push(&c->p.vq, held.id, 4);
	assert_false(vhd_vq_flush(&c->p.vq));
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 0);
}

static void
bad_outside_memory(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_packed_desc d[1] = {{0x1000, 4, 5, F(c, 0, 0)}};

	raw(c, d, 1);
	expect_bad_then_good(c, 5);
}

static void
bad_straddles_end(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_packed_desc d[1] = {
		{VHD_TEST_GPA_BASE + c->p.arena_size - 8, 16, 5, F(c, 0, 0)}};

	raw(c, d, 1);
	expect_bad_then_good(c, 5);
}

static void
bad_read_after_write(void **state)
{
	struct ctx *c = *state;
	uint64_t a = gpa_of(c, 8);
	struct vhd_vring_packed_desc d[2] = {
		{a, 4, 5, F(c, 0, VHD_DESC_F_WRITE | VHD_DESC_F_NEXT)},
		{a + 4, 4, 5, F(c, 1, 0)},
	};

	raw(c, d, 2);
	expect_bad_then_good(c, 5);
}

static void
bad_length_overflow(void **state)
{
	struct ctx *c = *state;
	uint64_t a = gpa_of(c, 8);
	struct vhd_vring_packed_desc d[2] = {
		{a, 0xfffffff0u, 5, F(c, 0, VHD_DESC_F_NEXT)},
		{a, 0x20, 5, F(c, 1, 0)},
	};

	raw(c, d, 2);
	expect_bad_then_good(c, 5);
}

static void
bad_indirect_in_indirect(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_packed_desc *t = vhd_test_alloc(&c->p, 32);

	t[0] = (struct vhd_vring_packed_desc){gpa_of(c, 16), 16, 0, VHD_DESC_F_INDIRECT};
	struct vhd_vring_packed_desc d[1] = {
		{vhd_fe_mem_gpa(&c->p.fmem, t), 32, 5, F(c, 0, VHD_DESC_F_INDIRECT)}};

	raw(c, d, 1);
	expect_bad_then_good(c, 5);
}

static void
bad_indirect_len(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_packed_desc *t = vhd_test_alloc(&c->p, 32);

	t[0] = (struct vhd_vring_packed_desc){gpa_of(c, 4), 4, 0, 0};
	struct vhd_vring_packed_desc d[1] = {
		{vhd_fe_mem_gpa(&c->p.fmem, t), 24, 5, F(c, 0, VHD_DESC_F_INDIRECT)}};

	raw(c, d, 1);
	expect_bad_then_good(c, 5);
}

static void
bad_indirect_with_next(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_packed_desc *t = vhd_test_alloc(&c->p, 16);

	t[0] = (struct vhd_vring_packed_desc){gpa_of(c, 4), 4, 0, 0};
	struct vhd_vring_packed_desc d[2] = {
		{vhd_fe_mem_gpa(&c->p.fmem, t), 16, 5,
		 F(c, 0, VHD_DESC_F_INDIRECT | VHD_DESC_F_NEXT)},
		{gpa_of(c, 4), 4, 5, F(c, 1, 0)},
	};

	raw(c, d, 2);
	expect_bad_then_good(c, 5);
}

static void
bad_indirect_inside_chain(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_packed_desc *t = vhd_test_alloc(&c->p, 16);

	t[0] = (struct vhd_vring_packed_desc){gpa_of(c, 4), 4, 0, 0};
	struct vhd_vring_packed_desc d[2] = {
		{gpa_of(c, 4), 4, 5, F(c, 0, VHD_DESC_F_NEXT)},
		{vhd_fe_mem_gpa(&c->p.fmem, t), 16, 5, F(c, 1, VHD_DESC_F_INDIRECT)},
	};

	raw(c, d, 2);
	expect_bad_then_good(c, 5);
}

static void
bad_indirect_not_negotiated(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_packed_desc *t = vhd_test_alloc(&c->p, 16);

	c->p.vq.indirect = false;
	t[0] = (struct vhd_vring_packed_desc){gpa_of(c, 4), 4, 0, 0};
	struct vhd_vring_packed_desc d[1] = {
		{vhd_fe_mem_gpa(&c->p.fmem, t), 16, 5, F(c, 0, VHD_DESC_F_INDIRECT)}};

	raw(c, d, 1);
	expect_bad_then_good(c, 5);
}

static void
too_many_segments(void **state)
{
	struct ctx *c = *state;
	unsigned int i, n = VHD_REQ_MAX_IOV + 1;
	struct vhd_vring_packed_desc *t = vhd_test_alloc(&c->p, 16 * n);
	uint64_t a = gpa_of(c, 1);

	for (i = 0; i < n; i++)
		t[i] = (struct vhd_vring_packed_desc){a, 1, 0, 0};
	struct vhd_vring_packed_desc d[1] = {
		{vhd_fe_mem_gpa(&c->p.fmem, t), 16 * n, 5, F(c, 0, VHD_DESC_F_INDIRECT)}};

	raw(c, d, 1);
	expect_bad_then_good(c, 5);
}

static void
zero_length_descriptors_skipped(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_packed_desc d[2] = {
		{0xdead0000, 0, 5, F(c, 0, VHD_DESC_F_NEXT)},
		{gpa_of(c, 4), 4, 5, F(c, 1, VHD_DESC_F_WRITE)},
	};
	uint16_t id;

	raw(c, d, 2);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(c->req.n_rd, 0);
	assert_int_equal(c->req.n_wr, 1);
	assert_int_equal(c->req.id, 5);
	vhd_vq_push(&c->p.vq, c->req.id, 4);
	vhd_vq_flush(&c->p.vq);
	assert_int_equal(vhd_test_used(&c->p, &id, NULL), 1);
	assert_int_equal(id, 5);
}

/* The raw chain put last was refused whole (popping finds nothing more):
 * it comes back as bad with id 5, and the ring then serves a good one.
 */
static void
expect_refused_then_good(struct ctx *c)
{
	uint16_t id;
	uint32_t len;

	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 0);
	assert_int_equal(c->p.vq.stats.bad_chains, 1);
	vhd_vq_flush(&c->p.vq);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, 5);
	assert_int_equal(len, 0);
	post_good(c, false);
	expect_good(c, 7);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(len, 7);
}

/* A chain whose NEXT points at a slot that is not available is cut there. */
static void
bad_chain_into_unavailable(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_packed_desc d[1] = {{gpa_of(c, 4), 4, 5, F(c, 0, VHD_DESC_F_NEXT)}};

	raw(c, d, 1);
	/* the ring stays in step: the next chain is served */
	expect_refused_then_good(c);
}

/* A chain running past the ring end whose continuation at slot 0 carries
 * the old lap's flags: not available, so the chain is cut at the end.
 */
static void
bad_wrap_without_flip(void **state)
{
	struct ctx *c = *state;
	unsigned int i;
	uint16_t id;
	uint32_t len;

	for (i = 0; i < QSZ - 2; i++) {
		post_good(c, true);
		expect_good(c, 1);
		assert_int_equal(vhd_test_used(&c->p, NULL, NULL), 1);
	}
	assert_int_equal(c->p.vq.last_avail, QSZ - 2);
	struct vhd_vring_packed_desc d[3] = {
		{gpa_of(c, 4), 4, 5, F(c, 0, VHD_DESC_F_NEXT)},
		{gpa_of(c, 4), 4, 5, F(c, 1, VHD_DESC_F_NEXT)},
		{gpa_of(c, 4), 4, 5, F(c, 0, 0)}, /* should have been F(c, 2) */
	};

	raw(c, d, 3);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 0);
	assert_int_equal(c->p.vq.stats.bad_chains, 1);
	/* two slots consumed: the device is at slot 0 of the next lap */
	assert_int_equal(c->p.vq.last_avail, 0);
	assert_false(c->p.vq.avail_wrap);
	vhd_vq_flush(&c->p.vq);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(len, 0);
	/* slot 0 holds the old lap's flags: empty, counted as nothing else */
	assert_false(vhd_vq_has_work(&c->p.vq));
	assert_int_equal(c->p.vq.stats.bad_avail, 0);
}

/* Avail and used both set to the current lap at the head: no legal driver
 * writes that; counted, treated as empty, served once the slot is fixed.
 */
static void
bad_flag_combination(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_packed_desc d[1] = {
		{gpa_of(c, 4), 4, 5, VHD_DESC_F_AVAIL | VHD_DESC_F_USED}};

	raw(c, d, 1);
	assert_false(vhd_vq_has_work(&c->p.vq));
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 0);
	assert_int_equal(c->p.vq.stats.bad_avail, 1);
	/* the driver fixes the slot with this lap's flags */
	__atomic_store_n(&c->p.drv.pdesc[0].flags, VHD_DESC_F_AVAIL | VHD_DESC_F_WRITE,
			 __ATOMIC_RELEASE);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(c->req.id, 5);
	assert_int_equal(c->req.wr_len, 4);
}

/* Every slot chained with NEXT: longer than the ring. */
static void
bad_chain_longer_than_ring(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_packed_desc d[QSZ];
	uint64_t a = gpa_of(c, 4);
	unsigned int i;


	for (i = 0; i < QSZ; i++)
		d[i] = (struct vhd_vring_packed_desc){a, 4, 5, F(c, i, VHD_DESC_F_NEXT)};
	raw(c, d, QSZ);
	/* the whole ring came back at once; the driver may reuse it */
	expect_refused_then_good(c);
}

static void
bad_base_out_of_range(void **state)
{
	struct ctx *c = *state;
	struct vhd_vq vq;
	struct vhd_vq_config cfg = {
		.desc = c->p.drv.desc, .avail = c->p.drv.avail, .used = c->p.drv.used,
		.size = QSZ, .mem = &c->p.mem, .call_fd = -1, .features = PK_F,
		.last_avail = QSZ, .used_idx = 0,
	};

	memset(&vq, 0, sizeof(vq));
	assert_int_equal(vhd_vq_setup(&vq, &cfg), -EINVAL);
	cfg.last_avail = 0;
	cfg.used_idx = 0x8000 | QSZ;
	assert_int_equal(vhd_vq_setup(&vq, &cfg), -EINVAL);
	cfg.size = 0;
	cfg.used_idx = 0;
	assert_int_equal(vhd_vq_setup(&vq, &cfg), -EINVAL);
	vhd_vq_fini(&vq);
}

/* Ring bases carry the wrap counters in bit 15, in and out. */
static void
base_carries_wrap(void **state)
{
	struct ctx *c = *state;
	unsigned int i;

	assert_int_equal(vhd_vq_last_avail(&c->p.vq), 0x8000);
	assert_int_equal(vhd_vq_used_idx(&c->p.vq), 0x8000);
	for (i = 0; i < QSZ + 3; i++) {
		post_good(c, false);
		expect_good(c, 1);
		assert_int_equal(vhd_test_used(&c->p, NULL, NULL), 1);
	}
	/* 11 chains of 2 slots: 22 = 2 laps + 6 */
	assert_int_equal(vhd_vq_last_avail(&c->p.vq), 0x8006);
	assert_int_equal(vhd_vq_used_idx(&c->p.vq), 0x8006);
	post_good(c, false);
	expect_good(c, 1);
	assert_int_equal(vhd_vq_last_avail(&c->p.vq), 0x0000);
	assert_int_equal(vhd_vq_used_idx(&c->p.vq), 0x0000);
	assert_int_equal(vhd_fe_ring_device_base(&c->p.drv), 0x0000);
}

/* A queue set up again from a base resumes where it was, on both laps. */
static void
resume_from_base(void **state)
{
	struct ctx *c = *state;
	struct vhd_vq_config cfg = {
		.desc = c->p.drv.desc, .avail = c->p.drv.avail, .used = c->p.drv.used,
		.size = QSZ, .mem = &c->p.mem, .call_fd = -1, .features = PK_F,
	};
	struct vhd_req held;
	uint16_t id;
	int a;

	for (int i = 0; i < 5; i++) {
		post_good(c, false);
		expect_good(c, 1);
		assert_int_equal(vhd_test_used(&c->p, NULL, NULL), 1);
	}
	a = post_good(c, false);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &held), 1);
	/* a pause: the held request survives and completes afterwards */
	cfg.last_avail = vhd_vq_last_avail(&c->p.vq);
	cfg.used_idx = vhd_vq_used_idx(&c->p.vq);
	cfg.resume = true;
	assert_int_equal(vhd_vq_setup(&c->p.vq, &cfg), 0);
	vhd_vq_push(&c->p.vq, held.id, 2);
	vhd_vq_flush(&c->p.vq);
	assert_int_equal(vhd_test_used(&c->p, &id, NULL), 1);
	assert_int_equal(id, a);
	/* a stop: the base from the ring serves the next chain */
	cfg.last_avail = vhd_fe_ring_device_base(&c->p.drv);
	cfg.used_idx = cfg.last_avail;
	cfg.resume = false;
	assert_int_equal(vhd_vq_setup(&c->p.vq, &cfg), 0);
	assert_int_equal(cfg.last_avail, 0x0004); /* 12 slots: next lap, 4 */
	post_good(c, false);
	expect_good(c, 3);
	assert_int_equal(vhd_test_used(&c->p, NULL, NULL), 1);
}

static void
driver_event_suppression(void **state)
{
	struct ctx *c = *state;

	/* DISABLE: no call */
	vhd_fe_ring_want_calls(&c->p.drv, false);
	post_good(c, false);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	vhd_vq_push(&c->p.vq, c->req.id, 0);
	assert_false(vhd_vq_flush(&c->p.vq));
	/* ...but with NOTIFY_ON_EMPTY a drained queue is always notified */
	c->p.vq.notify_on_empty = true;
	post_good(c, false);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	vhd_vq_push(&c->p.vq, c->req.id, 0);
	assert_true(vhd_vq_flush(&c->p.vq));
	c->p.vq.notify_on_empty = false;
	/* ENABLE: every flush calls */
	vhd_fe_ring_want_calls(&c->p.drv, true);
	post_good(c, false);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	vhd_vq_push(&c->p.vq, c->req.id, 0);
	assert_true(vhd_vq_flush(&c->p.vq));
	/* DESC without EVENT_IDX negotiated is not honoured: treated as enable */
	c->p.drv.drv_event->flags = VHD_RING_EVENT_DESC;
	c->p.drv.drv_event->off_wrap = 0x7fff;
	post_good(c, false);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	vhd_vq_push(&c->p.vq, c->req.id, 0);
	assert_true(vhd_vq_flush(&c->p.vq));
}

/* DESC: exactly one call, when the used position passes off_wrap, across
 * the ring end.
 */
static void
driver_event_desc_across_wrap(void **state)
{
	struct ctx *c = *state;
	unsigned int i, calls = 0, call_at = 0;

	/* first flush always calls (nothing signalled yet) */
	post_good(c, false);
	expect_good(c, 1);
	assert_int_equal(vhd_test_used(&c->p, NULL, NULL), 1);
	/* used at 2 of lap 1; ask for the slot 2 of the next lap */
	c->p.drv.drv_event->off_wrap = 2;
	__atomic_store_n(&c->p.drv.drv_event->flags, VHD_RING_EVENT_DESC, __ATOMIC_RELEASE);
	for (i = 0; i < 6; i++) {
		post_good(c, false);
		assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
		vhd_vq_push(&c->p.vq, c->req.id, 1);
		if (vhd_vq_flush(&c->p.vq)) {
			calls++;
			call_at = i;
		}
		assert_int_equal(vhd_test_used(&c->p, NULL, NULL), 1);
	}
	/* used positions after each: 4, 6, 0', 2', 4', 6': slot 2' written at i = 4 */
	assert_int_equal(calls, 1);
	assert_int_equal(call_at, 4);
}

static void
device_event_kicks(void **state)
{
	struct ctx *c = *state;

	/* polled queue: never kicked */
	assert_false(vhd_vq_set_kicks(&c->p.vq, VHD_VQ_KICKS_OFF));
	assert_int_equal(c->p.drv.dev_event->flags, VHD_RING_EVENT_DISABLE);
	for (int i = 0; i < QSZ; i++) {
		post_good(c, false);
		assert_false(vhd_fe_ring_kick_needed(&c->p.drv));
		expect_good(c, 1);
		assert_int_equal(vhd_test_used(&c->p, NULL, NULL), 1);
	}
	/* sleeping: kick for the next chain, once */
	assert_false(vhd_vq_set_kicks(&c->p.vq, VHD_VQ_KICKS_ON));
	assert_int_equal(c->p.drv.dev_event->flags, VHD_RING_EVENT_DESC);
	post_good(c, false);
	assert_true(vhd_fe_ring_kick_needed(&c->p.drv));
	post_good(c, false);
	assert_false(vhd_fe_ring_kick_needed(&c->p.drv));
	/* set_kicks(ON) with work pending says "don't sleep" */
	assert_true(vhd_vq_set_kicks(&c->p.vq, VHD_VQ_KICKS_ON));
}

/* A whole ring made available in one batch still gets its kick (the
 * driver's position is back where it was at the last kick decision).
 */
static void
kick_after_full_ring_batch(void **state)
{
	struct ctx *c = *state;
	struct vhd_fe_buf b = {vhd_test_alloc(&c->p, 8), 8};
	unsigned int i;

	assert_false(vhd_vq_set_kicks(&c->p.vq, VHD_VQ_KICKS_ON));
	for (i = 0; i < QSZ; i++)
		assert_true(vhd_fe_ring_add(&c->p.drv, &b, 0, 1, false, NULL) >= 0);
	vhd_fe_ring_publish(&c->p.drv);
	assert_true(vhd_fe_ring_kick_needed(&c->p.drv));
	assert_false(vhd_fe_ring_kick_needed(&c->p.drv));
	for (i = 0; i < QSZ; i++) {
		assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
		vhd_vq_push(&c->p.vq, c->req.id, 8);
	}
	/* a whole ring of used descriptors in one flush: all come back */
	vhd_vq_flush(&c->p.vq);
	assert_int_equal(vhd_fe_ring_used_pending(&c->p.drv), QSZ);
}

static void
device_event_kicks_no_evidx(void **state)
{
	struct ctx *c = *state;

	vhd_vq_set_kicks(&c->p.vq, VHD_VQ_KICKS_OFF);
	post_good(c, false);
	assert_false(vhd_fe_ring_kick_needed(&c->p.drv));
	vhd_vq_set_kicks(&c->p.vq, VHD_VQ_KICKS_ON);
	assert_int_equal(c->p.drv.dev_event->flags, VHD_RING_EVENT_ENABLE);
	post_good(c, false);
	assert_true(vhd_fe_ring_kick_needed(&c->p.drv));
}

static void
odd_size_wraps(void **state)
{
	struct ctx *c = *state;
	uint32_t len;

	for (unsigned int i = 0; i < 20; i++) {
		post_good(c, i % 3 == 0);
		expect_good(c, i);
		assert_int_equal(vhd_test_used(&c->p, NULL, &len), 1);
		assert_int_equal(len, i);
	}
}


/* In-flight tracking on packed rings: what the hooks saw. */
struct pk_log {
	struct ctx *c;
	char ev[32];
	int id[32];
	uint16_t a[32], b[32];
	unsigned int n;
};

static void
pk_log(struct pk_log *l, char ev, int id, uint16_t a, uint16_t b)
{
	assert_true(l->n < 32);
	l->ev[l->n] = ev;
	l->id[l->n] = id;
	l->a[l->n] = a;
	l->b[l->n++] = b;
}

static void
on_p_taken(void *ctx, uint16_t id, uint16_t pos, uint16_t count)
{
	pk_log(ctx, 't', id, pos, count);
}

static void
on_p_completing(void *ctx, int id, uint16_t next)
{
	struct pk_log *l = ctx;

	/* Not visible to the driver yet. */
	pk_log(l, 'c', id, next, (uint16_t)vhd_fe_ring_used_pending(&l->c->p.drv));
}

static void
on_p_completed(void *ctx, int id, uint16_t next)
{
	struct pk_log *l = ctx;

	/* Published before it is reported, without waiting for a flush. */
	pk_log(l, 'd', id, next, (uint16_t)vhd_fe_ring_used_pending(&l->c->p.drv));
}

#define PK_TRACK(l) \
	{.ctx = &(l), .p_taken = on_p_taken, .p_completing = on_p_completing, \
	 .p_completed = on_p_completed}

/*
 * Taken with the chain's slots; each completion published alone between
 * completing and completed, which carry the used position it leads to; a
 * chain given back is reported with count 0; a bad chain is returned with
 * id -1 through the same two hooks.
 */
static void
track_packed_hooks(void **state)
{
	struct ctx *c = *state;
	struct pk_log l = {.c = c};
	struct vhd_vq_track t = PK_TRACK(l);
	struct vhd_vring_packed_desc d;
	struct vhd_req r2;
	int a, b;

	assert_int_equal(vhd_vq_track_set_packed(&c->p.vq, &t, vhd_vq_last_avail(&c->p.vq),
						 vhd_vq_used_idx(&c->p.vq), NULL, NULL, 0), 0);
	a = post_good(c, false); /* slots 0, 1 */
	b = post_good(c, true);  /* slot 2 */
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	vhd_vq_unpop(&c->p.vq);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &r2), 1);
	assert_int_equal(l.n, 4);
	assert_memory_equal(l.ev, "tttt", 4);
	assert_int_equal(l.id[0], a);
	assert_int_equal(l.a[0], 0);
	assert_int_equal(l.b[0], 2);
	assert_int_equal(l.b[1], 0); /* given back */
	assert_int_equal(l.id[2], a);
	assert_int_equal(l.b[2], 2);
	assert_int_equal(l.id[3], b);
	assert_int_equal(l.a[3], 2);
	assert_int_equal(l.b[3], 1);
	/* out of order: b's used descriptor goes to slot 0 and is skipped by 1 */
	vhd_vq_push(&c->p.vq, (uint16_t)b, 3);
	vhd_vq_push(&c->p.vq, (uint16_t)a, 4);
	assert_int_equal(l.n, 8);
	assert_memory_equal(l.ev + 4, "cdcd", 4);
	assert_int_equal(l.id[4], b);
	assert_int_equal(l.a[4], 1 | 0x8000);
	assert_int_equal(l.b[4], 0);
	assert_int_equal(l.b[5], 1);
	assert_int_equal(l.id[6], a);
	assert_int_equal(l.a[6], 3 | 0x8000);
	assert_int_equal(l.b[7], 2);
	vhd_vq_flush(&c->p.vq);
	assert_int_equal(vhd_fe_ring_used_pending(&c->p.drv), 2);
	/* a malformed chain: an id out of range */
	d = (struct vhd_vring_packed_desc){gpa_of(c, 4), 4, QSZ + 3, F(c, 0, 0)};
	raw(c, &d, 1);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 0);
	assert_int_equal(l.n, 10);
	assert_memory_equal(l.ev + 8, "cd", 2);
	assert_int_equal(l.id[8], -1);
	assert_int_equal(l.a[9], 4 | 0x8000);
}

/*
 * A restarted backend: chains in flight come as copies (their slots hold
 * used descriptors now) and are popped first, once each, not reported as
 * taken, across an unpop and a pause; the ring resumes at the position
 * given. A copy with a bad shape is returned with length 0, one with an
 * id in flight twice is dropped.
 */
static void
track_packed_resubmit(void **state)
{
	struct ctx *c = *state;
	struct pk_log l = {.c = c};
	struct vhd_vq_track t = PK_TRACK(l);
	struct vhd_vring_packed_desc cp[6];
	uint16_t counts[4] = {2, 1, 2, 1}, id;
	struct vhd_vq_config cfg;
	uint64_t bad0;
	uint32_t len;
	int a, b, x, fresh;

	/* The dead backend took three chains: slots 0-1, 2, 3-4. */
	a = post_good(c, false);
	b = post_good(c, true);
	x = post_good(c, false);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	memcpy(cp, (const void *)c->p.vq.pdesc, 5 * sizeof(cp[0]));
	cp[4].flags |= VHD_DESC_F_NEXT; /* x's copy: NEXT on its last descriptor */
	cp[5] = cp[2];                  /* b's again: an id in flight twice */
	/* The new backend, set up from the frontend's stale base. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.desc = c->p.vq.pdesc;
	cfg.avail = c->p.vq.drv_event;
	cfg.used = c->p.vq.dev_event;
	cfg.size = c->p.vq.size;
	cfg.mem = c->p.vq.mem;
	cfg.features = PK_F;
	cfg.last_avail = 0x8000;
	cfg.used_idx = 0x8000;
	cfg.call_fd = -1;
	assert_int_equal(vhd_vq_setup(&c->p.vq, &cfg), 0);
	bad0 = c->p.vq.stats.bad_chains;
	assert_int_equal(vhd_vq_track_set_packed(&c->p.vq, &t, QSZ, 0, cp, counts, 4), -EINVAL);
	assert_int_equal(vhd_vq_track_set_packed(&c->p.vq, &t, 5 | 0x8000, 0x8000, cp, counts,
						 4), 0);
	assert_true(vhd_vq_has_work(&c->p.vq));
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(c->req.id, a);
	assert_int_equal(c->req.rd_len, 5);
	assert_int_equal(c->req.wr_len, 7);
	vhd_vq_unpop(&c->p.vq);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(c->req.id, a);
	/* pause and resume: what is left to resubmit stays */
	cfg.last_avail = vhd_vq_last_avail(&c->p.vq);
	cfg.used_idx = vhd_vq_used_idx(&c->p.vq);
	cfg.resume = true;
	assert_int_equal(vhd_vq_setup(&c->p.vq, &cfg), 0);
	assert_ptr_equal(c->p.vq.track, &t);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(c->req.id, b);
	assert_int_equal(c->req.rd_len, 5);
	/* x went back with length 0, the duplicate was dropped */
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 0);
	assert_int_equal(c->p.vq.stats.bad_chains - bad0, 2);
	assert_int_equal(l.n, 2);
	assert_memory_equal(l.ev, "cd", 2);
	assert_int_equal(l.id[0], x);
	assert_int_equal(l.a[0], 2 | 0x8000);
	assert_false(vhd_vq_has_work(&c->p.vq));
	/* the ring resumes where it was told: a new chain at slot 5 */
	fresh = post_good(c, false);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(c->req.id, fresh);
	assert_int_equal(l.ev[2], 't');
	assert_int_equal(l.a[2], 5);
	vhd_vq_push(&c->p.vq, (uint16_t)a, 1);
	vhd_vq_push(&c->p.vq, (uint16_t)b, 2);
	vhd_vq_push(&c->p.vq, (uint16_t)fresh, 3);
	vhd_vq_flush(&c->p.vq);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, x);
	assert_int_equal(len, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, a);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, b);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, fresh);
	assert_int_equal(len, 3);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 0);
	/* a fresh setup forgets the tracking; the split call is refused */
	cfg.resume = false;
	assert_int_equal(vhd_vq_setup(&c->p.vq, &cfg), 0);
	assert_null(c->p.vq.track);
	assert_int_equal(vhd_vq_track_set(&c->p.vq, &t, NULL, 0), -ENOTSUP);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_plain, vq_test_teardown)
#define TE(f) cmocka_unit_test_setup_teardown(f, setup_evidx, vq_test_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(pop_direct_and_indirect),
		T(peek_follows_the_ring),
		T(track_packed_hooks),
		T(track_packed_resubmit),
		T(unpop_returns_same_chain),
		T(batched_out_of_order),
		T(ring_wraps),
		T(bad_id_out_of_range),
		T(bad_id_reused_in_flight),
		T(bad_outside_memory),
		T(bad_straddles_end),
		T(bad_read_after_write),
		T(bad_length_overflow),
		T(bad_indirect_in_indirect),
		T(bad_indirect_len),
		T(bad_indirect_with_next),
		T(bad_indirect_inside_chain),
		T(bad_indirect_not_negotiated),
		T(too_many_segments),
		T(zero_length_descriptors_skipped),
		T(bad_chain_into_unavailable),
		T(bad_wrap_without_flip),
		T(bad_flag_combination),
		T(bad_chain_longer_than_ring),
		T(bad_base_out_of_range),
		T(base_carries_wrap),
		T(resume_from_base),
		T(driver_event_suppression),
		TE(driver_event_desc_across_wrap),
		TE(device_event_kicks),
		TE(kick_after_full_ring_batch),
		T(device_event_kicks_no_evidx),
		TE(notify_writes_call_fd),
		cmocka_unit_test_setup_teardown(odd_size_wraps, setup_odd, vq_test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
