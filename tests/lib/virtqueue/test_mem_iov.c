/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vhd_vq.h"

static uint8_t r0[4096], r1[4096];

static struct vhd_mem
two_regions(void)
{
	struct vhd_mem m = {.nregions = 2};

	m.regions[0] = (struct vhd_mem_region){.gpa = 0x1000, .size = sizeof(r0), .hva = r0};
	m.regions[1] = (struct vhd_mem_region){.gpa = 0x2000, .size = sizeof(r1), .hva = r1};
	return m;
}

static void
translate_inside(void **state)
{
	struct vhd_mem m = two_regions();

	(void)state;
	assert_ptr_equal(vhd_mem_translate(&m, 0x1000, 4096), r0);
	assert_ptr_equal(vhd_mem_translate(&m, 0x1ff0, 16), r0 + 0xff0);
	assert_ptr_equal(vhd_mem_translate(&m, 0x2000, 1), r1);
	assert_ptr_equal(vhd_mem_translate(&m, 0x2fff, 1), r1 + 0xfff);
}

static void
translate_outside(void **state)
{
	struct vhd_mem m = two_regions();

	(void)state;
	/* straddles the two regions even though both sides are mapped */
	assert_null(vhd_mem_translate(&m, 0x1ff0, 32));
	assert_null(vhd_mem_translate(&m, 0xfff, 2));
	assert_null(vhd_mem_translate(&m, 0x3000, 1));
	assert_null(vhd_mem_translate(&m, 0x2fff, 2));
	/* wraps 2^64 */
	assert_null(vhd_mem_translate(&m, UINT64_MAX - 4, 16));
	assert_null(vhd_mem_translate(&m, 0x1000, UINT64_MAX));
	assert_null(vhd_mem_translate(NULL, 0x1000, 1));
}

static void
to_gpa(void **state)
{
	struct vhd_mem m = two_regions();
	uint64_t gpa = 0;

	(void)state;
	assert_int_equal(vhd_mem_to_gpa(&m, r0, &gpa), 0);
	assert_int_equal(gpa, 0x1000);
	assert_int_equal(vhd_mem_to_gpa(&m, r1 + 0xfff, &gpa), 0);
	assert_int_equal(gpa, 0x2fff);
	assert_int_equal(vhd_mem_to_gpa(&m, &gpa, &gpa), -1);
	assert_int_equal(vhd_mem_to_gpa(NULL, r0, &gpa), -1);
}

static void
iov_copy(void **state)
{
	uint8_t a[3] = {0}, b[5] = {0}, out[8];
	struct iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
	const uint8_t in[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	(void)state;
	assert_int_equal(vhd_iov_from_buf(iov, 2, 0, in, 8), 8);
	assert_memory_equal(a, in, 3);
	assert_memory_equal(b, in + 3, 5);
	assert_int_equal(vhd_iov_to_buf(iov, 2, 2, out, 8), 6);
	assert_memory_equal(out, in + 2, 6);
	/* past the end: nothing, never more than asked */
	assert_int_equal(vhd_iov_to_buf(iov, 2, 8, out, 8), 0);
	assert_int_equal(vhd_iov_from_buf(iov, 2, 7, in, 8), 1);
	assert_int_equal(b[4], 1);
}

static void
mem_is_zero(void **state)
{
	uint8_t b[64] = {0};

	(void)state;
	assert_true(vhd_mem_is_zero(b, sizeof(b)));
	assert_true(vhd_mem_is_zero(b, 0));
	b[63] = 1;
	assert_false(vhd_mem_is_zero(b, sizeof(b)));
	assert_true(vhd_mem_is_zero(b, 63));
	b[0] = 0x80;
	assert_false(vhd_mem_is_zero(b, 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(translate_inside),
		cmocka_unit_test(translate_outside),
		cmocka_unit_test(to_gpa),
		cmocka_unit_test(iov_copy),
		cmocka_unit_test(mem_is_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
