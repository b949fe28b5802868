/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
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
#define ALL_F (VHD_BIT(VHD_F_RING_INDIRECT_DESC) | VHD_BIT(VHD_F_VERSION_1))
#define EVIDX_F (ALL_F | VHD_BIT(VHD_F_RING_EVENT_IDX))

static int
setup_plain(void **state)
{
	return vq_test_setup(state, QSZ, ALL_F);
}

static int
setup_evidx(void **state)
{
	return vq_test_setup(state, QSZ, EVIDX_F);
}

/* Publish head 0 after the test wrote descriptors by hand; expect it to
 * come back as a bad chain with len 0 and a good request after it served.
 */
static void
expect_bad_then_good(struct ctx *c, uint16_t head)
{
	uint16_t id;
	uint32_t len;
	int good;

	vhd_fe_ring_add_raw_head(&c->p.drv, head);
	vhd_fe_ring_publish(&c->p.drv);
	good = post_good(c, false);
	expect_good(c, 7);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, head);
	assert_int_equal(len, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, good);
	assert_int_equal(len, 7);
	assert_int_equal(c->p.vq.stats.bad_chains, 1);
	assert_int_equal(c->p.vq.stats.requests, 1);
}

/* Raw descriptors are written in the upper half of the table, which
 * post_good() does not reach first (its free list starts at 0).
 */
#define RAW 4

static void
bad_head_index(void **state)
{
	struct ctx *c = *state;

	expect_bad_then_good(c, QSZ + 3);
}

static void
bad_next_index(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_desc *d = c->p.drv.desc;

	d[RAW] = (struct vhd_vring_desc){gpa_of(c, 4), 4, VHD_DESC_F_NEXT, 200};
	expect_bad_then_good(c, RAW);
}

static void
bad_loop(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_desc *d = c->p.drv.desc;
	uint64_t a = gpa_of(c, 4);

	d[RAW] = (struct vhd_vring_desc){a, 4, VHD_DESC_F_NEXT, RAW + 1};
	d[RAW + 1] = (struct vhd_vring_desc){a, 4, VHD_DESC_F_NEXT, RAW};
	expect_bad_then_good(c, RAW);
}

static void
bad_outside_memory(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_desc *d = c->p.drv.desc;

	d[RAW] = (struct vhd_vring_desc){0x1000, 4, 0, 0};
	expect_bad_then_good(c, RAW);
}

static void
bad_straddles_end(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_desc *d = c->p.drv.desc;

	d[RAW] = (struct vhd_vring_desc){VHD_TEST_GPA_BASE + c->p.arena_size - 8, 16, 0, 0};
	expect_bad_then_good(c, RAW);
}

static void
bad_read_after_write(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_desc *d = c->p.drv.desc;
	uint64_t a = gpa_of(c, 8);

	d[RAW] = (struct vhd_vring_desc){a, 4, VHD_DESC_F_WRITE | VHD_DESC_F_NEXT, RAW + 1};
	d[RAW + 1] = (struct vhd_vring_desc){a + 4, 4, 0, 0};
	expect_bad_then_good(c, RAW);
}

static void
bad_length_overflow(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_desc *d = c->p.drv.desc;
	uint64_t a = gpa_of(c, 8);

	/* Two lengths whose 32-bit sum wraps; the table is never touched. */
	d[RAW] = (struct vhd_vring_desc){a, 0xfffffff0u, VHD_DESC_F_NEXT, RAW + 1};
	d[RAW + 1] = (struct vhd_vring_desc){a, 0x20, 0, 0};
	expect_bad_then_good(c, RAW);
}

static void
bad_indirect_in_indirect(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_desc *d = c->p.drv.desc;
	struct vhd_vring_desc *t = vhd_test_alloc(&c->p, 32);

	t[0] = (struct vhd_vring_desc){gpa_of(c, 16), 16, VHD_DESC_F_INDIRECT, 0};
	d[RAW] = (struct vhd_vring_desc){vhd_fe_mem_gpa(&c->p.fmem, t), 32, VHD_DESC_F_INDIRECT, 0};
	expect_bad_then_good(c, RAW);
}

static void
bad_indirect_len(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_desc *d = c->p.drv.desc;
	struct vhd_vring_desc *t = vhd_test_alloc(&c->p, 32);

	t[0] = (struct vhd_vring_desc){gpa_of(c, 4), 4, 0, 0};
	d[RAW] = (struct vhd_vring_desc){vhd_fe_mem_gpa(&c->p.fmem, t), 24, VHD_DESC_F_INDIRECT, 0};
	expect_bad_then_good(c, RAW);
}

static void
bad_indirect_loop(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_desc *d = c->p.drv.desc;
	struct vhd_vring_desc *t = vhd_test_alloc(&c->p, 32);
	uint64_t a = gpa_of(c, 4);

	t[0] = (struct vhd_vring_desc){a, 4, VHD_DESC_F_NEXT, 1};
	t[1] = (struct vhd_vring_desc){a, 4, VHD_DESC_F_NEXT, 0};
	d[RAW] = (struct vhd_vring_desc){vhd_fe_mem_gpa(&c->p.fmem, t), 32, VHD_DESC_F_INDIRECT, 0};
	expect_bad_then_good(c, RAW);
}

static void
bad_indirect_with_next(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_desc *d = c->p.drv.desc;
	struct vhd_vring_desc *t = vhd_test_alloc(&c->p, 16);

	t[0] = (struct vhd_vring_desc){gpa_of(c, 4), 4, 0, 0};
	d[RAW] = (struct vhd_vring_desc){vhd_fe_mem_gpa(&c->p.fmem, t), 16,
					 VHD_DESC_F_INDIRECT | VHD_DESC_F_NEXT, RAW + 1};
	d[RAW + 1] = (struct vhd_vring_desc){gpa_of(c, 4), 4, 0, 0};
	expect_bad_then_good(c, RAW);
}

static void
bad_indirect_not_negotiated(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_desc *d = c->p.drv.desc;
	struct vhd_vring_desc *t = vhd_test_alloc(&c->p, 16);

	c->p.vq.indirect = false;
	t[0] = (struct vhd_vring_desc){gpa_of(c, 4), 4, 0, 0};
	d[RAW] = (struct vhd_vring_desc){vhd_fe_mem_gpa(&c->p.fmem, t), 16, VHD_DESC_F_INDIRECT, 0};
	expect_bad_then_good(c, RAW);
}

static void
bad_avail_jump(void **state)
{
	struct ctx *c = *state;

	/* The guest claims QSZ + 1 new entries: nothing is credible. */
	__atomic_store_n(&c->p.drv.avail->idx, QSZ + 1, __ATOMIC_RELEASE);
	assert_false(vhd_vq_has_work(&c->p.vq));
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 0);
	assert_int_equal(c->p.vq.stats.bad_avail, 1);
	/* Once the guest's index is sane again the queue serves. */
	c->p.drv.avail_idx = 0;
	post_good(c, false);
	expect_good(c, 1);
}

static void
zero_length_descriptors_skipped(void **state)
{
	struct ctx *c = *state;
	struct vhd_vring_desc *d = c->p.drv.desc;
	uint16_t id;
	uint32_t len;

	/* a zero-length descriptor with a bogus address is harmless */
	d[RAW] = (struct vhd_vring_desc){0xdead0000, 0, VHD_DESC_F_NEXT, RAW + 1};
	d[RAW + 1] = (struct vhd_vring_desc){gpa_of(c, 4), 4, VHD_DESC_F_WRITE, 0};
	vhd_fe_ring_add_raw_head(&c->p.drv, RAW);
	vhd_fe_ring_publish(&c->p.drv);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(c->req.n_rd, 0);
	assert_int_equal(c->req.n_wr, 1);
	vhd_vq_push(&c->p.vq, c->req.id, 4);
	vhd_vq_flush(&c->p.vq);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, RAW);
}

static void
too_many_segments(void **state)
{
	struct ctx *c = *state;
	struct vhd_test_pair *p = &c->p;
	struct vhd_vring_desc *t;
	uint64_t a;
	unsigned int i, n = VHD_REQ_MAX_IOV + 1;

	/* A long but otherwise valid indirect chain over our segment limit. */
	t = vhd_test_alloc(p, 16 * n);
	a = gpa_of(c, 1);
	for (i = 0; i < n; i++)
		t[i] = (struct vhd_vring_desc){a, 1, i + 1 < n ? VHD_DESC_F_NEXT : 0,
					       (uint16_t)(i + 1)};
	p->drv.desc[RAW] = (struct vhd_vring_desc){vhd_fe_mem_gpa(&p->fmem, t), 16 * n,
						   VHD_DESC_F_INDIRECT, 0};
	expect_bad_then_good(c, RAW);
}

static void
used_ring_wraps(void **state)
{
	struct ctx *c = *state;
	unsigned int i;
	uint16_t id;
	uint32_t len;

	for (i = 0; i < 3 * QSZ + 1; i++) {
		post_good(c, i & 1);
		expect_good(c, i);
		assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
		assert_int_equal(len, i);
	}
}

static void
need_event_arithmetic(void **state)
{
	(void)state;
	assert_true(vhd_vring_need_event(0, 1, 0));
	assert_false(vhd_vring_need_event(1, 1, 0));
	assert_true(vhd_vring_need_event(5, 10, 3));
	assert_false(vhd_vring_need_event(10, 10, 3));
	assert_false(vhd_vring_need_event(2, 10, 3));
	/* across the 16-bit wrap */
	assert_true(vhd_vring_need_event(0xffff, 2, 0xfffe));
	assert_true(vhd_vring_need_event(0, 2, 0xfffe));
	assert_true(vhd_vring_need_event(1, 2, 0xfffe));
	assert_false(vhd_vring_need_event(2, 2, 0xfffe));
	assert_false(vhd_vring_need_event(0xfffd, 2, 0xfffe));
}

/* Move both sides to just before the 16-bit wrap. */
static void
near_wrap(struct ctx *c, uint16_t idx)
{
	c->p.drv.avail_idx = idx;
	c->p.drv.kicked_idx = idx;
	c->p.drv.last_used = idx;
	c->p.drv.avail->idx = idx;
	c->p.drv.used->idx = idx;
	c->p.vq.last_avail = idx;
	c->p.vq.used_idx = idx;
	c->p.vq.signalled_used = idx;
	c->p.vq.signalled_valid = true;
}

static void
event_idx_calls_across_wrap(void **state)
{
	struct ctx *c = *state;
	uint16_t id;
	uint32_t len;
	unsigned int i, calls = 0;

	near_wrap(c, 0xfffd);
	/* driver wants a call only once used idx passes 0x0001 */
	*vhd_vring_used_event(c->p.drv.avail, QSZ) = 0x0001;
	for (i = 0; i < 6; i++) {
		post_good(c, false);
		assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
		vhd_vq_push(&c->p.vq, c->req.id, 1);
		if (vhd_vq_flush(&c->p.vq))
			calls++;
		/* used idx now 0xfffe, 0xffff, 0, 1, 2, 3: call exactly at 2 */
		assert_int_equal(vhd_vq_flush(&c->p.vq), false);
		if ((uint16_t)(0xfffe + i) == 2)
			assert_int_equal(calls, 1);
		assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	}
	assert_int_equal(calls, 1);
}

static void
event_idx_kick_suppression(void **state)
{
	struct ctx *c = *state;

	near_wrap(c, 0xfffe);
	/* polled queue: the guest must not kick at all, even across the wrap */
	assert_false(vhd_vq_set_kicks(&c->p.vq, VHD_VQ_KICKS_OFF));
	for (int i = 0; i < 4; i++) {
		post_good(c, false);
		assert_false(vhd_fe_ring_kick_needed(&c->p.drv));
		expect_good(c, 1);
		assert_false(vhd_fe_ring_kick_needed(&c->p.drv));
		assert_int_equal(vhd_test_used(&c->p, NULL, NULL), 1);
	}
	/* interrupt queue: the next chain must be kicked */
	assert_false(vhd_vq_set_kicks(&c->p.vq, VHD_VQ_KICKS_ON));
	assert_true(post_good(c, false) >= 0);
	assert_true(vhd_fe_ring_kick_needed(&c->p.drv));
	/* and set_kicks(ON) with work pending says "don't sleep" */
	assert_true(vhd_vq_set_kicks(&c->p.vq, VHD_VQ_KICKS_ON));
}

static void
no_event_idx_flags(void **state)
{
	struct ctx *c = *state;

	vhd_vq_set_kicks(&c->p.vq, VHD_VQ_KICKS_OFF);
	post_good(c, false);
	assert_false(vhd_fe_ring_kick_needed(&c->p.drv));
	vhd_vq_set_kicks(&c->p.vq, VHD_VQ_KICKS_ON);
	post_good(c, false);
	assert_true(vhd_fe_ring_kick_needed(&c->p.drv));
	/* the guest asks for no interrupts */
	c->p.drv.avail->flags = VHD_AVAIL_F_NO_INTERRUPT;
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	vhd_vq_push(&c->p.vq, c->req.id, 0);
	assert_false(vhd_vq_flush(&c->p.vq));
	/* ...but with NOTIFY_ON_EMPTY a drained queue is always notified */
	c->p.vq.notify_on_empty = true;
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	vhd_vq_push(&c->p.vq, c->req.id, 0);
	assert_true(vhd_vq_flush(&c->p.vq));
	c->p.drv.avail->flags = 0;
	post_good(c, false);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	vhd_vq_push(&c->p.vq, c->req.id, 0);
	assert_true(vhd_vq_flush(&c->p.vq));
}

static void
setup_rejects_bad_config(void **state)
{
	struct ctx *c = *state;
	struct vhd_vq vq;
	struct vhd_vq_config cfg = {
		.desc = c->p.drv.desc, .avail = c->p.drv.avail, .used = c->p.drv.used,
		.size = 6, .mem = &c->p.mem, .call_fd = -1,
	};

	memset(&vq, 0, sizeof(vq));
	assert_int_equal(vhd_vq_setup(&vq, &cfg), -EINVAL);
	cfg.size = 0;
	assert_int_equal(vhd_vq_setup(&vq, &cfg), -EINVAL);
	cfg.size = 8;
	cfg.desc = NULL;
	assert_int_equal(vhd_vq_setup(&vq, &cfg), -EINVAL);
}

/* ---- in-flight tracking hooks ---- */

struct track_log {
	struct vhd_vq *vq;
	char ev[64];     /* 't'aken, 'c'ompleting, 'd'one, in order */
	uint16_t id[64];
	uint16_t used[64]; /* used->idx the guest saw at 'd' */
	unsigned int n;
};

static void
log_ev(struct track_log *l, char ev, uint16_t id, uint16_t used)
{
	assert_true(l->n < 64);
	l->ev[l->n] = ev;
	l->id[l->n] = id;
	l->used[l->n++] = used;
}

static void
on_taken(void *ctx, uint16_t head)
{
	log_ev(ctx, 't', head, 0);
}

static void
on_completing(void *ctx, uint16_t head)
{
	log_ev(ctx, 'c', head, 0);
}

static void
on_completed(void *ctx, uint16_t head, uint16_t used_idx)
{
	struct track_log *l = ctx;

	/* The completion is published before it is reported. */
	assert_int_equal(__atomic_load_n(&l->vq->used->idx, __ATOMIC_ACQUIRE), used_idx);
	log_ev(ctx, 'd', head, used_idx);
}

/* Taken at pop, then per completion: completing, publish, completed. */
static void
track_hooks_order(void **state)
{
	struct ctx *c = *state;
	struct track_log l = {.vq = &c->p.vq};
	struct vhd_vq_track t = {on_taken, on_completing, on_completed, &l};
	uint16_t h[2], id;
	uint32_t len;

	assert_int_equal(vhd_vq_track_set(&c->p.vq, &t, NULL, 0), 0);
	post_good(c, false);
	post_good(c, true);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	h[0] = c->req.id;
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	h[1] = c->req.id;
	/* out of order */
	vhd_vq_push(&c->p.vq, h[1], 3);
	vhd_vq_push(&c->p.vq, h[0], 4);
	vhd_vq_flush(&c->p.vq);
	assert_int_equal(l.n, 6);
	assert_memory_equal(l.ev, "ttcdcd", 6);
	assert_int_equal(l.id[0], h[0]);
	assert_int_equal(l.id[1], h[1]);
	assert_int_equal(l.id[2], h[1]);
	assert_int_equal(l.id[3], h[1]);
	assert_int_equal(l.used[3], 1);
	assert_int_equal(l.id[5], h[0]);
	assert_int_equal(l.used[5], 2);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, h[1]);
}

/*
 * A restarted backend: the two chains the guest published were taken by
 * the dead one (the ring base skips them); they come back first, once
 * each, without being reported as taken again, and survive a pause.
 */
static void
track_resubmit_once(void **state)
{
	struct ctx *c = *state;
	struct track_log l = {.vq = &c->p.vq};
	struct vhd_vq_track t = {on_taken, on_completing, on_completed, &l};
	struct vhd_vq_config cfg;
	uint16_t heads[2], base;

	heads[0] = (uint16_t)post_good(c, false);
	heads[1] = (uint16_t)post_good(c, true);
	base = c->p.vq.last_avail = 2; /* as rte_vhost moves it past what was in flight */
	assert_int_equal(vhd_vq_track_set(&c->p.vq, &t, heads, 2), 0);
	assert_true(vhd_vq_has_work(&c->p.vq));
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(c->req.id, heads[0]);
	assert_int_equal(c->req.rd_len, 5);
	vhd_vq_unpop(&c->p.vq);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(c->req.id, heads[0]);
	/* pause and resume: what is left to resubmit stays */
	memset(&cfg, 0, sizeof(cfg));
	cfg.desc = c->p.vq.desc;
	cfg.avail = c->p.vq.avail;
	cfg.used = c->p.vq.used;
	cfg.size = c->p.vq.size;
	cfg.mem = c->p.vq.mem;
	cfg.features = ALL_F;
	cfg.last_avail = base;
	cfg.call_fd = -1;
	cfg.resume = true;
	assert_int_equal(vhd_vq_setup(&c->p.vq, &cfg), 0);
	assert_ptr_equal(c->p.vq.track, &t);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(c->req.id, heads[1]);
	assert_int_equal(c->req.rd_len, 5);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 0);
	assert_false(vhd_vq_has_work(&c->p.vq));
	assert_int_equal(l.n, 0); /* nothing taken anew */
	assert_int_equal(c->p.vq.stats.requests, 2);
	/* a fresh setup forgets both */
	cfg.resume = false;
	assert_int_equal(vhd_vq_setup(&c->p.vq, &cfg), 0);
	assert_null(c->p.vq.track);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_plain, vq_test_teardown)
#define TE(f) cmocka_unit_test_setup_teardown(f, setup_evidx, vq_test_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(pop_direct_and_indirect),
		T(peek_follows_the_ring),
		T(unpop_returns_same_chain),
		T(bad_head_index),
		T(bad_next_index),
		T(bad_loop),
		T(bad_outside_memory),
		T(bad_straddles_end),
		T(bad_read_after_write),
		T(bad_length_overflow),
		T(bad_indirect_in_indirect),
		T(bad_indirect_len),
		T(bad_indirect_loop),
		T(bad_indirect_with_next),
		T(bad_indirect_not_negotiated),
		T(bad_avail_jump),
		T(zero_length_descriptors_skipped),
		T(too_many_segments),
		T(used_ring_wraps),
		T(need_event_arithmetic),
		TE(event_idx_calls_across_wrap),
		TE(event_idx_kick_suppression),
		T(no_event_idx_flags),
		TE(notify_writes_call_fd),
		T(setup_rejects_bad_config),
		T(track_hooks_order),
		T(track_resubmit_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
