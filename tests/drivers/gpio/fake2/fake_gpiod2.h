/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Control side of the fake libgpiod v2 (fake_gpiod2.c behind fake2/gpiod.h),
 * standing in for the kernel's gpiochip character device so that the v2
 * adapter (gpio_gpiod2.c) is tested without GPIO hardware and without
 * libgpiod 2, which Debian 12 does not ship. Chip 0 ("/dev/gpiochip0")
 * exists, others do not. The fake follows the kernel where the adapter
 * depends on it: a line is requested once, edge detection needs an input,
 * a read with nothing queued would block (counted here instead), a
 * reconfiguration keeps the events already queued.
 */

#ifndef FAKE_GPIOD2_H
#define FAKE_GPIOD2_H

#include <stdbool.h>
#include <stdint.h>

#include "fake_req.h"

#define FAKE2_NLINES 6

/** Reset the fake chip: all lines free and low, names "L0".."L5" but line 4 unnamed. */
void fake_gpiod2_reset(void);

/** How line @p i is requested now. */
enum fake_req fake_gpiod2_req(unsigned int i);

/** Level of line @p i: driven value for outputs, outside level otherwise. */
int fake_gpiod2_level(unsigned int i);

/** Set the outside level of line @p i; queues edge events on a request detecting them. */
void fake_gpiod2_drive(unsigned int i, int level);

/** Make the next gpiod_chip_request_lines() calls fail with @p err (0 to stop). */
void fake_gpiod2_fail_requests(int err);

/** Make the next gpiod_line_request_reconfigure_lines() calls fail with @p err (0 to stop). */
void fake_gpiod2_fail_reconfigure(int err);

/** Make event waits and reads fail (a broken request fd). */
void fake_gpiod2_fail_reads(bool on);

/** Successful line requests since the reset. */
unsigned int fake_gpiod2_requests(void);

/** Successful reconfigurations since the reset. */
unsigned int fake_gpiod2_reconfigures(void);

/** Chips currently open (leak check). */
int fake_gpiod2_open_chips(void);

/** Objects the library handed out and that were not freed yet (leak check). */
int fake_gpiod2_live_objects(void);

/** Calls that would have blocked the caller (a read with nothing queued, a wait with timeout). */
unsigned int fake_gpiod2_blocking_calls(void);

#endif /* FAKE_GPIOD2_H */
