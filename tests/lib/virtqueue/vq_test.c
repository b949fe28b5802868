/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "vq_test.h"

int
vq_test_setup(void **state, uint16_t size, uint64_t features)
{
	struct ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	assert_int_equal(vhd_test_pair_init(&c->p, size, features), 0);
	*state = c;
	return 0;
}

int
vq_test_teardown(void **state)
{
	struct ctx *c = *state;

	vhd_test_pair_fini(&c->p);
	free(c);
	return 0;
}

int
post_good(struct ctx *c, bool indirect)
{
	struct vhd_fe_buf b[2] = {
		{vhd_test_alloc(&c->p, 5), 5},
		{vhd_test_alloc(&c->p, 7), 7},
	};

	memcpy(b[0].ptr, "hello", 5);
	return vhd_test_post(&c->p, b, 1, 1, indirect);
}

void
expect_good(struct ctx *c, uint32_t len)
{
	char buf[5];

	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(c->req.n_rd, 1);
	assert_int_equal(c->req.n_wr, 1);
	assert_int_equal(c->req.rd_len, 5);
	assert_int_equal(c->req.wr_len, 7);
	assert_int_equal(vhd_req_read(&c->req, 0, buf, 5), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(vhd_req_write(&c->req, 0, "world!!", 7), 7);
	vhd_vq_push(&c->p.vq, c->req.id, len);
	vhd_vq_flush(&c->p.vq);
}

uint64_t
gpa_of(struct ctx *c, uint32_t len)
{
	return vhd_fe_mem_gpa(&c->p.fmem, vhd_test_alloc(&c->p, len));
}

/* Cases both ring formats pass unchanged. */

void
pop_direct_and_indirect(void **state)
{
	struct ctx *c = *state;
	uint16_t id;
	uint32_t len;
	int head;

	assert_false(vhd_vq_has_work(&c->p.vq));
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 0);
	head = post_good(c, false);
	assert_true(vhd_vq_has_work(&c->p.vq));
	expect_good(c, 7);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, head);
	assert_int_equal(len, 7);
	head = post_good(c, true);
	expect_good(c, 3);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, head);
	assert_int_equal(len, 3);
	assert_int_equal(c->p.vq.stats.requests, 2);
	assert_int_equal(c->p.vq.stats.bad_chains, 0);
}

/* vhd_vq_peek() sees what the guest published, what we took and what we hold back. */
void
peek_follows_the_ring(void **state)
{
	struct ctx *c = *state;
	struct vhd_vq_peek pk;

	vhd_vq_peek(&c->p.vq, &pk);
	assert_int_equal(pk.pending, 0);
	post_good(c, false);
	post_good(c, true);
	vhd_vq_peek(&c->p.vq, &pk);
	/* a packed ring tells only whether the next descriptor is available */
	assert_int_equal(pk.pending, c->p.vq.packed ? 1 : 2);
	if (!c->p.vq.packed)
		assert_int_equal(pk.avail_idx, (uint16_t)(c->p.vq.last_avail + 2));
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	vhd_vq_push(&c->p.vq, c->req.id, 7);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	vhd_vq_push(&c->p.vq, c->req.id, 7);
	vhd_vq_peek(&c->p.vq, &pk);
	assert_int_equal(pk.pending, 0);
	assert_int_equal(pk.unpublished, 2);
	if (!c->p.vq.packed)
		assert_int_equal(pk.guest_used_idx, 0);
	vhd_vq_flush(&c->p.vq);
	vhd_vq_peek(&c->p.vq, &pk);
	assert_int_equal(pk.unpublished, 0);
	assert_int_equal(pk.guest_used_idx, vhd_vq_used_idx(&c->p.vq));
}

void
unpop_returns_same_chain(void **state)
{
	struct ctx *c = *state;
	uint16_t first;

	post_good(c, false);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	first = c->req.id;
	vhd_vq_unpop(&c->p.vq);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	assert_int_equal(c->req.id, first);
	assert_int_equal(c->p.vq.stats.requests, 1);
	/* the id is in flight again, not seen as reused (packed rings track ids) */
	assert_int_equal(c->p.vq.stats.bad_chains, 0);
}

void
notify_writes_call_fd(void **state)
{
	struct ctx *c = *state;
	uint64_t v = 0;
	int fd = eventfd(0, EFD_NONBLOCK);

	assert_true(fd >= 0);
	c->p.vq.call_fd = fd;
	post_good(c, false);
	assert_int_equal(vhd_vq_pop(&c->p.vq, &c->req), 1);
	vhd_vq_push(&c->p.vq, c->req.id, 0);
	vhd_vq_notify(&c->p.vq);
	assert_int_equal(read(fd, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 1);
	assert_int_equal(c->p.vq.stats.calls, 1);
	/* nothing pushed: no call */
	vhd_vq_notify(&c->p.vq);
	assert_int_equal(read(fd, &v, sizeof(v)), -1);
	close(fd);
}
