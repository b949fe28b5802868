/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * A fake of the libgpiod v1 calls gpio_gpiod.c makes, standing in for the
 * kernel's gpiochip character device: the adapter and the device above it
 * are tested without GPIO hardware. Chip 0 exists, others do not.
 */

#ifndef FAKE_GPIOD_H
#define FAKE_GPIOD_H

#include <stdbool.h>
#include <stdint.h>

#include "fake_req.h"

#define FAKE_NLINES 6

/** Reset the fake chip: all lines free and low, names "L0".."L5" but line 4 unnamed. */
void fake_gpiod_reset(void);

/** How line @p i is requested now. */
enum fake_req fake_gpiod_req(unsigned int i);

/** Level of line @p i: driven value for outputs, outside level otherwise. */
int fake_gpiod_level(unsigned int i);

/** Set the outside level of line @p i; queues edge events for event requests. */
void fake_gpiod_drive(unsigned int i, int level);

/** Make the next request calls fail with @p err (0 to stop). */
void fake_gpiod_fail_requests(int err);

/** Make event reads fail (a broken event fd). */
void fake_gpiod_fail_reads(bool on);

/** Successful line requests since the reset. */
unsigned int fake_gpiod_requests(void);

/** Chips currently open (leak check). */
int fake_gpiod_open_chips(void);

#endif /* FAKE_GPIOD_H */
