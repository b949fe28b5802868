/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The libgpiod v1 adapter (gpio_gpiod.c) under the virtio-gpio device, with
 * libgpiod replaced by a fake chip (fake_gpiod.c): the scenarios of
 * gpiod_scenarios.c, which the v2 adapter passes too. v1 cannot switch a held
 * request, so every change of a line is a new request.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_gpiod.h"
#include "gpiod_scenarios.h"

const struct scn_fake scn_fake = {
	.nlines = FAKE_NLINES,
	.in_place = false,
	.reset = fake_gpiod_reset,
	.req = fake_gpiod_req,
	.level = fake_gpiod_level,
	.drive = fake_gpiod_drive,
	.fail_requests = fake_gpiod_fail_requests,
	.fail_reads = fake_gpiod_fail_reads,
	.requests = fake_gpiod_requests,
	.open_chips = fake_gpiod_open_chips,
};

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SCN_TESTS,
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
