/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Host chip through libgpiod v1 (1.6, Debian 12): the v1 calls under the
 * layer both adapters share (gpio_gpiod_common.c, line bookkeeping, epoll
 * set, chip ops). v1 cannot switch a held request, so every change of a line
 * releases it and requests it again; each event request has its own fd.
 */

#include <errno.h>
#include <stdlib.h>

#include <gpiod.h>

#include "gpio_gpiod_common.h"
#include "gpio_proto.h"

struct gpio_gpiod1 {
	struct gpio_gpiod base;
	struct gpiod_chip *gc;
	struct gpiod_line *lines[];
};

static struct gpio_gpiod1 *
gpio_gpiod1_of(struct gpio_gpiod *g)
{
	return (struct gpio_gpiod1 *)g;
}

static struct gpiod_line *
gpio_gpiod1_line(struct gpio_gpiod *g, uint16_t line)
{
	return gpio_gpiod1_of(g)->lines[line];
}

static void
gpio_gpiod1_close(struct gpio_gpiod *g)
{
	gpiod_chip_close(gpio_gpiod1_of(g)->gc);
}

static const char *
gpio_gpiod1_line_name(struct gpio_gpiod *g, uint16_t line)
{
	return gpiod_line_name(gpio_gpiod1_line(g, line));
}

static bool
gpio_gpiod1_held(struct gpio_gpiod *g, uint16_t line)
{
	struct gpiod_line *l = gpio_gpiod1_line(g, line);

	return l != NULL && gpiod_line_is_requested(l);
}

static void
gpio_gpiod1_release(struct gpio_gpiod *g, uint16_t line)
{
	if (gpio_gpiod1_held(g, line))
		gpiod_line_release(gpio_gpiod1_line(g, line));
}

static int
gpio_gpiod1_request(struct gpio_gpiod *g, uint16_t line, uint8_t dir, uint8_t edge,
		    uint8_t value)
{
	struct gpiod_line *l = gpio_gpiod1_line(g, line);
	int rc;

	gpio_gpiod_release(g, line);
	errno = 0;
	switch (edge) {
	case GPIO_EDGE_RISING:
		rc = gpiod_line_request_rising_edge_events(l, GPIO_GPIOD_CONSUMER);
		break;
	case GPIO_EDGE_FALLING:
		rc = gpiod_line_request_falling_edge_events(l, GPIO_GPIOD_CONSUMER);
		break;
	case GPIO_EDGE_BOTH:
		rc = gpiod_line_request_both_edges_events(l, GPIO_GPIOD_CONSUMER);
		break;
	default:
		if (dir == GPIO_DIRECTION_OUT)
			rc = gpiod_line_request_output(l, GPIO_GPIOD_CONSUMER, value);
		else
			rc = gpiod_line_request_input(l, GPIO_GPIOD_CONSUMER);
		return rc != 0 ? gpio_gpiod_errno() : 0;
	}
	if (rc != 0)
		return gpio_gpiod_errno();
	rc = gpio_gpiod_watch(g, line, gpiod_line_event_get_fd(l));
	if (rc != 0)
		gpiod_line_release(l);
	return rc;
}

static int
gpio_gpiod1_get_value(struct gpio_gpiod *g, uint16_t line)
{
	int v;

	errno = 0;
	v = gpiod_line_get_value(gpio_gpiod1_line(g, line));
	return v < 0 ? gpio_gpiod_errno() : v;
}

static int
gpio_gpiod1_set_value(struct gpio_gpiod *g, uint16_t line, uint8_t value)
{
	errno = 0;
	return gpiod_line_set_value(gpio_gpiod1_line(g, line), value) != 0 ? gpio_gpiod_errno() : 0;
}

/* One event per call: v1 reads a line's events one at a time. */
static int
gpio_gpiod1_read(struct gpio_gpiod *g, uint16_t line, struct gpio_chip_event *ev,
		 unsigned int max)
{
	struct gpiod_line_event le;

	(void)max;
	if (gpiod_line_event_read(gpio_gpiod1_line(g, line), &le) != 0)
		return -EIO;
	ev->line = line;
	ev->edge = le.event_type == GPIOD_LINE_EVENT_RISING_EDGE ? GPIO_EDGE_RISING :
								  GPIO_EDGE_FALLING;
	return 1;
}

static const struct gpio_gpiod_api gpio_gpiod1_api = {
	.close = gpio_gpiod1_close,
	.line_name = gpio_gpiod1_line_name,
	.held = gpio_gpiod1_held,
	.request = gpio_gpiod1_request,
	.release = gpio_gpiod1_release,
	.get_value = gpio_gpiod1_get_value,
	.set_value = gpio_gpiod1_set_value,
	.read = gpio_gpiod1_read,
};

int
gpio_gpiod_open(unsigned int num, struct gpio_chip **out)
{
	struct gpiod_chip *gc;
	struct gpio_gpiod1 *g;
	unsigned int n, i;
	int rc;

	errno = 0;
	gc = gpiod_chip_open_by_number(num);
	if (gc == NULL)
		return gpio_gpiod_errno();
	n = gpiod_chip_num_lines(gc);
	g = gpio_gpiod1_of(gpio_gpiod_new(sizeof(*g), sizeof(g->lines[0]), n, &gpio_gpiod1_api,
					  &rc));
	if (g == NULL) {
		gpiod_chip_close(gc);
		return rc;
	}
	g->gc = gc;
	for (i = 0; i < n; i++) {
		errno = 0;
		g->lines[i] = gpiod_chip_get_line(gc, i);
		if (g->lines[i] == NULL) {
			rc = gpio_gpiod_errno();
			gpio_chip_destroy(&g->base.chip);
			return rc;
		}
	}
	*out = &g->base.chip;
	return 0;
}
