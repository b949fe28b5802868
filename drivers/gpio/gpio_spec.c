/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* The -l device list: parsed here rather than in the app so it is unit tested. */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpio_chip.h"

/* Host gpiochip numbers are small; this only bounds the parser. */
#define GPIO_MAX_CHIP_NUM 65535

static int
gpio_parse_num(const char *s, size_t len, unsigned long min, unsigned long max,
	       unsigned int *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 9)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

int
gpio_parse_device_list(const char *list, struct gpio_chip_spec *out, unsigned int max,
		       char *err, size_t errlen)
{
	const char *p = list;
	unsigned int n = 0, i;

	if (list == NULL || *list == '\0') {
		snprintf(err, errlen, "empty device list");
		return -1;
	}
	for (;;) {
		const char *end = strchr(p, ':');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		struct gpio_chip_spec s;

		if (n == max) {
			snprintf(err, errlen, "more than %u devices in the list", max);
			return -1;
		}
		s.sim = len > 0 && p[0] == 's';
		if (s.sim) {
			if (gpio_parse_num(p + 1, len - 1, 1, GPIO_SIM_MAX_LINES, &s.num) != 0) {
				snprintf(err, errlen,
					 "bad simulated device '%.*s': s<lines>, lines 1..%u",
					 (int)(len > 32 ? 32 : len), p, GPIO_SIM_MAX_LINES);
				return -1;
			}
		} else if (gpio_parse_num(p, len, 0, GPIO_MAX_CHIP_NUM, &s.num) != 0) {
			snprintf(err, errlen, "bad device '%.*s': a gpiochip number or s<lines>",
				 (int)(len > 32 ? 32 : len), p);
			return -1;
		}
		for (i = 0; i < n && !s.sim; i++)
			if (!out[i].sim && out[i].num == s.num) {
				snprintf(err, errlen, "device %u is listed twice", s.num);
				return -1;
			}
		out[n++] = s;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return (int)n;
}

int
gpio_chip_open_spec(const struct gpio_chip_spec *spec, const char *ctl_path,
		    struct gpio_chip **out)
{
	if (spec->sim) {
		if (spec->num == 0 || spec->num > GPIO_SIM_MAX_LINES)
			return -EINVAL;
		return gpio_sim_create((uint16_t)spec->num, ctl_path, out);
	}
	return gpio_gpiod_open(spec->num, out);
}
