/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rng_limiter.h"

#define MS 1000000ull

static void
unlimited(void **state)
{
	struct rng_limiter l;

	(void)state;
	rng_limiter_init(&l, 1000 * MS, UINT64_MAX, 0);
	assert_int_equal(rng_limiter_take(&l, 0, 1u << 30), 1u << 30);
	assert_int_equal(rng_limiter_take(&l, 0, 1u << 30), 1u << 30);
	assert_int_equal(rng_limiter_wait_ns(&l, 0), 0);
}

static void
budget_per_window(void **state)
{
	struct rng_limiter l;

	(void)state;
	rng_limiter_init(&l, 100 * MS, 1000, 5 * MS);
	assert_int_equal(rng_limiter_take(&l, 5 * MS, 600), 600);
	assert_int_equal(rng_limiter_take(&l, 50 * MS, 600), 400); /* partial grant */
	assert_int_equal(rng_limiter_take(&l, 60 * MS, 1), 0);
	assert_int_equal(rng_limiter_wait_ns(&l, 60 * MS), 45 * MS);
	/* next window starts at 105 ms, aligned to the first */
	assert_int_equal(rng_limiter_take(&l, 104 * MS, 1), 0);
	assert_int_equal(rng_limiter_take(&l, 105 * MS, 1000), 1000);
	assert_int_equal(rng_limiter_wait_ns(&l, 150 * MS), 55 * MS);
	/* a long idle gap: still aligned, full budget */
	assert_int_equal(rng_limiter_take(&l, 1234 * MS, 5000), 1000);
	assert_int_equal(rng_limiter_wait_ns(&l, 1234 * MS), 71 * MS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unlimited),
		cmocka_unit_test(budget_per_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
