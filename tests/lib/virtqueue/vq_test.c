/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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
