/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * What the split and packed engine tests share: a driver/device pair per
 * test and one good request (5 readable bytes "hello", 7 writable).
 */

#ifndef VQ_TEST_H
#define VQ_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include "vhd_test_pair.h"

struct ctx {
	struct vhd_test_pair p;
	struct vhd_req req;
};

/** cmocka setup: a pair of @p size entries with @p features in *state. */
int vq_test_setup(void **state, uint16_t size, uint64_t features);

/** cmocka teardown of vq_test_setup(). */
int vq_test_teardown(void **state);

/** Post the good request; returns its head (buffer id). */
int post_good(struct ctx *c, bool indirect);

/** Pop exactly the good request, check it, answer, push it with @p len and flush. */
void expect_good(struct ctx *c, uint32_t len);

/** Guest address of a fresh @p len-byte buffer. */
uint64_t gpa_of(struct ctx *c, uint32_t len);

/** Test cases run on both ring formats. */
void pop_direct_and_indirect(void **state);
void unpop_returns_same_chain(void **state);
void peek_follows_the_ring(void **state);
void notify_writes_call_fd(void **state);

#endif /* VQ_TEST_H */
