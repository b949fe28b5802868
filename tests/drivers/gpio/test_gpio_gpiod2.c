/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The libgpiod v2 adapter (gpio_gpiod2.c) under the virtio-gpio device, with
 * libgpiod 2 replaced by a fake (fake2/gpiod.h, fake2/fake_gpiod2.c): the
 * scenarios of gpiod_scenarios.c, which the v1 adapter passes too, with what
 * v2 does differently checked there through the fake's counters (switching a
 * held line in place, events queued before such a switch), and here reads
 * bounded by what the caller asked. Built in every configuration; it is the
 * only test the v2 adapter has: nothing in the tree runs it on an installed
 * libgpiod 2.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <gpiod.h>

#include "fake_gpiod2.h"
#include "gpiod_scenarios.h"

#ifndef FAKE_GPIOD2_HEADER
#error "test_gpio_gpiod2 must be built against fake2/gpiod.h, not the system <gpiod.h>"
#endif

const struct scn_fake scn_fake = {
	.nlines = FAKE2_NLINES,
	.in_place = true,
	.reset = fake_gpiod2_reset,
	.req = fake_gpiod2_req,
	.level = fake_gpiod2_level,
	.drive = fake_gpiod2_drive,
	.fail_requests = fake_gpiod2_fail_requests,
	.fail_reads = fake_gpiod2_fail_reads,
	.requests = fake_gpiod2_requests,
	.open_chips = fake_gpiod2_open_chips,
	.reconfigures = fake_gpiod2_reconfigures,
	.fail_reconfigure = fake_gpiod2_fail_reconfigure,
	.live_objects = fake_gpiod2_live_objects,
	.blocking_calls = fake_gpiod2_blocking_calls,
};

/* read_events() never stores more than asked and leaves the rest for the next call. */
static void
scn_test_read_bounds(void **state)
{
	struct scn_fx *f = *state;
	struct gpio_chip *c = f->chip;
	struct gpio_chip_event ev[4];
	int fd = c->ops->event_fd(c);

	assert_int_equal(c->ops->set_edge(c, 0, GPIO_EDGE_BOTH), 0);
	assert_int_equal(c->ops->set_edge(c, 1, GPIO_EDGE_RISING), 0);
	assert_int_equal(c->ops->read_events(c, ev, 4), 0);
	fake_gpiod2_drive(0, 1);
	fake_gpiod2_drive(0, 0);
	fake_gpiod2_drive(0, 1);
	fake_gpiod2_drive(1, 1);
	assert_true(scn_fd_readable(fd));
	memset(ev, 0xff, sizeof(ev));
	assert_int_equal(c->ops->read_events(c, ev, 2), 2);
	assert_int_equal(ev[2].line, 0xffff);
	/* Whichever line epoll gave first, its events come in order. */
	if (ev[0].line == 0) {
		assert_int_equal(ev[0].edge, GPIO_EDGE_RISING);
		assert_int_equal(ev[1].line, 0);
		assert_int_equal(ev[1].edge, GPIO_EDGE_FALLING);
		assert_int_equal(c->ops->read_events(c, ev, 4), 2);
	} else {
		assert_int_equal(ev[0].line, 1);
		assert_int_equal(ev[0].edge, GPIO_EDGE_RISING);
		assert_int_equal(ev[1].line, 0);
		assert_int_equal(ev[1].edge, GPIO_EDGE_RISING);
		assert_int_equal(c->ops->read_events(c, ev, 4), 2);
		assert_int_equal(ev[0].edge, GPIO_EDGE_FALLING);
		assert_int_equal(ev[1].edge, GPIO_EDGE_RISING);
	}
	assert_int_equal(c->ops->read_events(c, ev, 4), 0);
	assert_false(scn_fd_readable(fd));
	assert_int_equal(c->ops->set_edge(c, 0, GPIO_EDGE_NONE), 0);
	assert_int_equal(c->ops->set_edge(c, 1, GPIO_EDGE_NONE), 0);
	assert_int_equal(fake_gpiod2_req(0), FAKE_FREE);
	assert_int_equal(fake_gpiod2_req(1), FAKE_FREE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SCN_TESTS,
		SCN_TEST(test_read_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
