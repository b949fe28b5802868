/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* Built instead of gpio_gpiod.c when meson does not find libgpiod. */

#include <errno.h>

#include "gpio_chip.h"

bool
gpio_gpiod_available(void)
{
	return false;
}

int
gpio_gpiod_open(unsigned int num, struct gpio_chip **out)
{
	(void)num;
	(void)out;
	return -ENOTSUP;
}
