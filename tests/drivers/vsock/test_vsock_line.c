/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* CONNECT line parsing and the credit arithmetic (vsock_proto.h). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vsock_line.h"
#include "vsock_proto.h"

static void
test_whole_line(void **state)
{
	struct vsock_line l;
	const char *s = "CONNECT 1234\n";

	(void)state;
	vsock_line_init(&l);
	assert_int_equal(vsock_line_feed(&l, s, strlen(s)), strlen(s));
	assert_int_equal(l.state, VSOCK_LINE_DONE);
	assert_int_equal(l.port, 1234);
}

static void
test_case_and_crlf(void **state)
{
	uint32_t port = 0;

	(void)state;
	assert_int_equal(vsock_line_parse("connect 7\r\n", 11, &port), 0);
	assert_int_equal(port, 7);
	assert_int_equal(vsock_line_parse("Connect  4294967295\n", 20, &port), 0);
	assert_int_equal(port, UINT32_MAX);
}

static void
test_extra_bytes_left(void **state)
{
	struct vsock_line l;
	const char *s = "CONNECT 52\nhello guest";

	(void)state;
	vsock_line_init(&l);
	/* Only the line is taken: the caller leaves "hello guest" in the socket. */
	assert_int_equal(vsock_line_feed(&l, s, strlen(s)), 11);
	assert_int_equal(l.state, VSOCK_LINE_DONE);
	assert_int_equal(l.port, 52);
	/* A finished line takes nothing more. */
	assert_int_equal(vsock_line_feed(&l, "x", 1), 0);
}

static void
test_split_reads(void **state)
{
	const char *s = "CONNECT 65536\nrest";
	size_t cut;

	(void)state;
	for (cut = 1; cut < 14; cut++) {
		struct vsock_line l;

		vsock_line_init(&l);
		assert_int_equal(vsock_line_feed(&l, s, cut), cut);
		assert_int_equal(l.state, VSOCK_LINE_MORE);
		assert_int_equal(vsock_line_feed(&l, s + cut, strlen(s) - cut), 14 - cut);
		assert_int_equal(l.state, VSOCK_LINE_DONE);
		assert_int_equal(l.port, 65536);
	}
}

static void
test_junk(void **state)
{
	static const char *const bad[] = {
		"CONNECT\n", "CONNECT \n", "CONNECTX 5\n", "CONNECT 5x\n", "CONNECT -5\n",
		"CONNECT 4294967296\n", "HELLO 5\n", "\n", "CONNECT 99999999999999999999\n",
		"CONNECT 5 6\n",
	};
	struct vsock_line l;
	char longline[100];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vsock_line_init(&l);
		vsock_line_feed(&l, bad[i], strlen(bad[i]));
		assert_int_equal(l.state, VSOCK_LINE_ERROR);
	}
	/* No newline within VSOCK_LINE_MAX bytes: junk, even when fed piecewise. */
	memset(longline, 'C', sizeof(longline));
	vsock_line_init(&l);
	for (i = 0; i < sizeof(longline) && l.state == VSOCK_LINE_MORE; i += 10)
		vsock_line_feed(&l, longline + i, 10);
	assert_int_equal(l.state, VSOCK_LINE_ERROR);
}

static void
test_credit_wrap(void **state)
{
	(void)state;
	/* Plain case. */
	assert_int_equal(vsock_credit(1000, 0, 0), 1000);
	assert_int_equal(vsock_credit(1000, 100, 600), 500);
	/* Counters across 2^32. */
	assert_int_equal(vsock_credit(65536, 0xfffff000u, 0x00000800u), 65536 - 0x1800);
	assert_int_equal(vsock_credit(65536, 0xffffffffu, 0xffffffffu), 65536);
	/* In flight beyond a shrunk buffer: no credit, not 4 GiB of it. */
	assert_int_equal(vsock_credit(100, 0, 200), 0);
	assert_int_equal(vsock_credit(0, 5, 5), 0);
	/* fwd_cnt may advance up to what was sent, across the wrap too. */
	assert_true(vsock_fwd_cnt_valid(0xfffffff0u, 0x10u, 0x10u));
	assert_true(vsock_fwd_cnt_valid(0xfffffff0u, 0xfffffff0u, 0x10u));
	assert_false(vsock_fwd_cnt_valid(0xfffffff0u, 0x11u, 0x10u));
	assert_false(vsock_fwd_cnt_valid(100, 99, 200)); /* backwards */
	assert_false(vsock_fwd_cnt_valid(0, 1, 0));
}

static void
test_credit_update_quarter(void **state)
{
	(void)state;
	/* The peer saw fwd 0 and sent 3/4 + 1: its view of free space < 1/4. */
	assert_true(vsock_need_credit_update(4096, 3073, 3073, 0));
	assert_false(vsock_need_credit_update(4096, 3072, 3072, 0));
	/* Nothing forwarded since the last update: nothing new to say. */
	assert_false(vsock_need_credit_update(4096, 4096, 0, 0));
	/* Across the wrap. */
	assert_true(vsock_need_credit_update(4096, 0x00000801u, 0x00000801u, 0xfffffc00u));
	assert_false(vsock_need_credit_update(4096, 0x00000800u, 0x00000800u, 0xfffffc00u));
	assert_false(vsock_need_credit_update(4096, 0x00000100u, 0x00000100u, 0xfffffc00u));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_line),
		cmocka_unit_test(test_case_and_crlf),
		cmocka_unit_test(test_extra_bytes_left),
		cmocka_unit_test(test_split_reads),
		cmocka_unit_test(test_junk),
		cmocka_unit_test(test_credit_wrap),
		cmocka_unit_test(test_credit_update_quarter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
