/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Frame checks against features, and the cansend/candump text form both ways.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "can_msg.h"

#define F(b) (1ULL << (b))

static void
test_fd_lengths(void **state)
{
	unsigned int len, n = 0;

	(void)state;
	for (len = 0; len <= 70; len++)
		n += can_fd_len_valid(len) != 0;
	assert_int_equal(n, 16);
	assert_true(can_fd_len_valid(48));
	assert_false(can_fd_len_valid(40));
}

static void
test_parse_format(void **state)
{
	static const char *const good[] = {
		"123#DEADBEEF", "1F334455#R", "123#", "7FF#0011223344556677", "00000001#AA",
		"123#R5", "123##0AABBCCDDEEFF001122334455", "123##0",
	};
	static const char *const bad[] = {
		"", "#", "800#11", "20000000#11", "123", "123#1", "123#GG",
		"123#001122334455667788",
		"123#R9", "123#R12", "123##", "123##X11", "123##0001122334455667788", "123456789#",
	};
	char out[160];
	struct can_msg m;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (can_msg_parse(good[i], &m) != 0)
			fail_msg("refused %s", good[i]);
		can_msg_format(&m, out, sizeof(out));
		assert_string_equal(out, good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (can_msg_parse(bad[i], &m) != -EINVAL)
			fail_msg("accepted %s", bad[i]);
	assert_int_equal(can_msg_parse("1F334455#R", &m), 0);
	assert_int_equal(m.id, 0x1F334455);
	assert_int_equal(m.flags, CAN_FLAG_EXTENDED | CAN_FLAG_RTR);
	assert_int_equal(can_msg_parse("12.34#", &m), -EINVAL);
	assert_int_equal(can_msg_parse("5#DE.AD.BE.EF", &m), 0);
	assert_int_equal(m.len, 4);
	assert_int_equal(m.data[3], 0xef);
	/* FD flag digit (BRS/ESI) is accepted and not carried. */
	assert_int_equal(can_msg_parse("5##3AB", &m), 0);
	assert_int_equal(m.flags, CAN_FLAG_FD);
	can_msg_format(&m, out, sizeof(out));
	assert_string_equal(out, "005##0AB");
}

static void
test_check(void **state)
{
	struct can_msg m;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.id = 0x7ff;
	assert_int_equal(can_msg_check(&m, F(CAN_F_CLASSIC)), 0);
	assert_int_equal(can_msg_check(&m, F(CAN_F_FD)), -EINVAL);
	m.flags = CAN_FLAG_RTR;
	assert_int_equal(can_msg_check(&m, F(CAN_F_CLASSIC)), -EINVAL);
	assert_int_equal(can_msg_check(&m, F(CAN_F_CLASSIC) | F(CAN_F_RTR_FRAMES)), 0);
	/* RTR without CLASSIC is not a thing even with the RTR bit. */
	assert_int_equal(can_msg_check(&m, F(CAN_F_FD) | F(CAN_F_RTR_FRAMES)), -EINVAL);
	m.flags = CAN_FLAG_FD;
	m.len = 64;
	assert_int_equal(can_msg_check(&m, F(CAN_F_FD)), 0);
	m.id = 0x800;
	assert_int_equal(can_msg_check(&m, F(CAN_F_FD)), -EINVAL);
	m.flags |= CAN_FLAG_EXTENDED;
	assert_int_equal(can_msg_check(&m, F(CAN_F_FD)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_lengths),
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
