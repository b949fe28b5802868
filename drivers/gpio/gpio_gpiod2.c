/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Host chip through libgpiod v2 (2.0 and later), built instead of
 * gpio_gpiod.c (v1) when meson finds libgpiod >= 2. Same behaviour as the
 * v1 adapter; the virtio semantics are in gpio_dev.c.
 *
 * NOT TESTED WITH AN INSTALLED LIBGPIOD 2 NOR ON A REAL /dev/gpiochipN:
 * Debian 12 ships libgpiod 1.6 only, and the tree tests this file only
 * against the fake in tests/drivers/gpio/fake2/ (a header declaring the
 * libgpiod 2.x prototypes used here, as in the 2.0..2.3 gpiod.h, and a fake
 * chip behind them). Try it on a libgpiod 2 host before relying on it.
 *
 * Line ownership, the epoll set and the chip ops are shared with v1
 * (gpio_gpiod_common.c); this file is the v2 calls under them. Each line is
 * in its own request so that a line busy elsewhere fails alone. Unlike v1, a
 * held request switches between output, input and edge detection in place
 * (gpiod_line_request_reconfigure_lines), so the line is never free between
 * two guest messages.
 *
 * Events: a read only follows readiness reported by epoll (the request fd
 * blocks). A broken fd is dropped from the set by the shared layer; the
 * next configuration change of that line makes a fresh request.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gpiod.h>

#include "gpio_gpiod_common.h"
#include "gpio_proto.h"

/* Edge events taken from one request per read. */
#define GPIO_GPIOD2_EVENT_BATCH 32
/* Stale events dropped at most when edge detection is switched on in place. */
#define GPIO_GPIOD2_DRAIN_MAX 64

struct gpio_gpiod2_line {
	struct gpiod_line_request *req; /* NULL while released */
	char *name; /* copied at open, NULL when the line has none */
};

struct gpio_gpiod2 {
	struct gpio_gpiod base;
	struct gpiod_chip *gc;
	struct gpiod_edge_event_buffer *evbuf;
	struct gpio_gpiod2_line lines[];
};

static struct gpio_gpiod2 *
gpio_gpiod2_of(struct gpio_gpiod *g)
{
	return (struct gpio_gpiod2 *)g;
}

static struct gpiod_line_request *
gpio_gpiod2_req(struct gpio_gpiod *g, uint16_t line)
{
	return gpio_gpiod2_of(g)->lines[line].req;
}

static enum gpiod_line_value
gpio_gpiod2_value(uint8_t value)
{
	return value != 0 ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
}

static enum gpiod_line_edge
gpio_gpiod2_edge(uint8_t edge)
{
	switch (edge) {
	case GPIO_EDGE_RISING:
		return GPIOD_LINE_EDGE_RISING;
	case GPIO_EDGE_FALLING:
		return GPIOD_LINE_EDGE_FALLING;
	case GPIO_EDGE_BOTH:
		return GPIOD_LINE_EDGE_BOTH;
	default:
		return GPIOD_LINE_EDGE_NONE;
	}
}

/* Line config of one line: output driving @p value, or input with @p edge detection. */
static struct gpiod_line_config *
gpio_gpiod2_config(uint16_t line, uint8_t dir, uint8_t edge, uint8_t value)
{
	struct gpiod_line_settings *s;
	struct gpiod_line_config *cfg = NULL;
	unsigned int offset = line;
	int rc;

	errno = 0;
	s = gpiod_line_settings_new();
	if (s == NULL)
		return NULL;
	if (dir == GPIO_DIRECTION_OUT)
		rc = gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_OUTPUT) != 0 ||
		     gpiod_line_settings_set_output_value(s, gpio_gpiod2_value(value)) != 0;
	else
		rc = gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_INPUT) != 0 ||
		     gpiod_line_settings_set_edge_detection(s, gpio_gpiod2_edge(edge)) != 0;
	if (rc == 0)
		cfg = gpiod_line_config_new();
	if (cfg != NULL && gpiod_line_config_add_line_settings(cfg, &offset, 1, s) != 0) {
		gpiod_line_config_free(cfg);
		cfg = NULL;
	}
	gpiod_line_settings_free(s);
	return cfg;
}

static struct gpiod_line_request *
gpio_gpiod2_new_request(struct gpio_gpiod2 *g, struct gpiod_line_config *cfg)
{
	struct gpiod_request_config *rc;
	struct gpiod_line_request *req;

	errno = 0;
	rc = gpiod_request_config_new();
	if (rc == NULL)
		return NULL;
	gpiod_request_config_set_consumer(rc, GPIO_GPIOD_CONSUMER);
	req = gpiod_chip_request_lines(g->gc, rc, cfg);
	gpiod_request_config_free(rc);
	return req;
}

/*
 * Drop what the request queued before edge detection was switched on in
 * place: events of an earlier configuration must not reach the guest (v1
 * makes a new request, whose fd starts empty). Never blocks: each read
 * follows a zero-timeout wait.
 */
static void
gpio_gpiod2_drain(struct gpio_gpiod2 *g, struct gpiod_line_request *req)
{
	unsigned int i;

	for (i = 0; i < GPIO_GPIOD2_DRAIN_MAX; i++) {
		if (gpiod_line_request_wait_edge_events(req, 0) != 1)
			return;
		if (gpiod_line_request_read_edge_events(req, g->evbuf,
							GPIO_GPIOD2_EVENT_BATCH) <= 0)
			return;
	}
}

static void
gpio_gpiod2_close(struct gpio_gpiod *gg)
{
	struct gpio_gpiod2 *g = gpio_gpiod2_of(gg);
	uint16_t i;

	for (i = 0; i < gg->chip.ngpio; i++)
		free(g->lines[i].name);
	if (g->evbuf != NULL)
		gpiod_edge_event_buffer_free(g->evbuf);
	gpiod_chip_close(g->gc);
}

static const char *
gpio_gpiod2_line_name(struct gpio_gpiod *g, uint16_t line)
{
	return gpio_gpiod2_of(g)->lines[line].name;
}

static bool
gpio_gpiod2_held(struct gpio_gpiod *g, uint16_t line)
{
	return gpio_gpiod2_req(g, line) != NULL;
}

static void
gpio_gpiod2_release(struct gpio_gpiod *g, uint16_t line)
{
	struct gpio_gpiod2_line *l = &gpio_gpiod2_of(g)->lines[line];

	if (l->req != NULL)
		gpiod_line_request_release(l->req);
	l->req = NULL;
}

/* A held request is reconfigured in place; on failure it keeps its previous configuration. */
static int
gpio_gpiod2_request(struct gpio_gpiod *gg, uint16_t line, uint8_t dir, uint8_t edge,
		    uint8_t value)
{
	struct gpio_gpiod2 *g = gpio_gpiod2_of(gg);
	struct gpio_gpiod2_line *l = &g->lines[line];
	struct gpiod_line_config *cfg;
	bool in_place;
	int rc = 0;

	cfg = gpio_gpiod2_config(line, dir, edge, value);
	if (cfg == NULL)
		return errno != 0 ? -errno : -ENOMEM;
	/* A broken request is not reused: its fd is not watched any more. */
	if (gg->lines[line].broken)
		gpio_gpiod_release(gg, line);
	in_place = l->req != NULL;
	errno = 0;
	if (in_place) {
		if (gpiod_line_request_reconfigure_lines(l->req, cfg) != 0)
			rc = gpio_gpiod_errno();
	} else {
		l->req = gpio_gpiod2_new_request(g, cfg);
		if (l->req == NULL)
			rc = gpio_gpiod_errno();
	}
	gpiod_line_config_free(cfg);
	if (rc != 0)
		return rc;
	if (edge == GPIO_EDGE_NONE) {
		gpio_gpiod_unwatch(gg, line);
		return 0;
	}
	if (in_place)
		gpio_gpiod2_drain(g, l->req);
	rc = gpio_gpiod_watch(gg, line, gpiod_line_request_get_fd(l->req));
	if (rc != 0)
		gpio_gpiod_release(gg, line);
	return rc;
}

static int
gpio_gpiod2_get_value(struct gpio_gpiod *g, uint16_t line)
{
	enum gpiod_line_value v;

	errno = 0;
	v = gpiod_line_request_get_value(gpio_gpiod2_req(g, line), line);
	if (v == GPIOD_LINE_VALUE_ERROR)
		return gpio_gpiod_errno();
	return v == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0;
}

static int
gpio_gpiod2_set_value(struct gpio_gpiod *g, uint16_t line, uint8_t value)
{
	errno = 0;
	if (gpiod_line_request_set_value(gpio_gpiod2_req(g, line), line,
					 gpio_gpiod2_value(value)) != 0)
		return gpio_gpiod_errno();
	return 0;
}

static int
gpio_gpiod2_read(struct gpio_gpiod *gg, uint16_t line, struct gpio_chip_event *ev,
		 unsigned int max)
{
	struct gpio_gpiod2 *g = gpio_gpiod2_of(gg);
	unsigned int n = 0;
	int got, k;

	/* epoll saw the fd readable, so this read does not block. */
	got = gpiod_line_request_read_edge_events(g->lines[line].req, g->evbuf,
						  max < GPIO_GPIOD2_EVENT_BATCH ? max :
						  GPIO_GPIOD2_EVENT_BATCH);
	if (got <= 0)
		return -EIO;
	for (k = 0; k < got && n < max; k++) {
		struct gpiod_edge_event *e = gpiod_edge_event_buffer_get_event(g->evbuf, k);

		if (e == NULL || gpiod_edge_event_get_line_offset(e) != line)
			continue;
		ev[n].line = line;
		ev[n].edge = gpiod_edge_event_get_event_type(e) == GPIOD_EDGE_EVENT_RISING_EDGE ?
				     GPIO_EDGE_RISING :
				     GPIO_EDGE_FALLING;
		n++;
	}
	return (int)n;
}

static const struct gpio_gpiod_api gpio_gpiod2_api = {
	.close = gpio_gpiod2_close,
	.line_name = gpio_gpiod2_line_name,
	.held = gpio_gpiod2_held,
	.request = gpio_gpiod2_request,
	.release = gpio_gpiod2_release,
	.get_value = gpio_gpiod2_get_value,
	.set_value = gpio_gpiod2_set_value,
	.read = gpio_gpiod2_read,
};

/* Copy the name of each line: a line info, and its name, live only until freed. */
static int
gpio_gpiod2_names(struct gpio_gpiod2 *g)
{
	struct gpiod_line_info *info;
	const char *name;
	unsigned int i;

	for (i = 0; i < g->base.chip.ngpio; i++) {
		errno = 0;
		info = gpiod_chip_get_line_info(g->gc, i);
		if (info == NULL)
			return gpio_gpiod_errno();
		name = gpiod_line_info_get_name(info);
		if (name != NULL && name[0] != '\0') {
			g->lines[i].name = strdup(name);
			if (g->lines[i].name == NULL) {
				gpiod_line_info_free(info);
				return -ENOMEM;
			}
		}
		gpiod_line_info_free(info);
	}
	return 0;
}

int
gpio_gpiod_open(unsigned int num, struct gpio_chip **out)
{
	struct gpiod_chip_info *info;
	struct gpiod_chip *gc;
	struct gpio_gpiod2 *g;
	char path[32];
	size_t n;
	int rc;

	snprintf(path, sizeof(path), "/dev/gpiochip%u", num);
	errno = 0;
	gc = gpiod_chip_open(path);
	if (gc == NULL)
		return gpio_gpiod_errno();
	errno = 0;
	info = gpiod_chip_get_info(gc);
	if (info == NULL) {
		rc = gpio_gpiod_errno();
		gpiod_chip_close(gc);
		return rc;
	}
	n = gpiod_chip_info_get_num_lines(info);
	gpiod_chip_info_free(info);
	g = gpio_gpiod2_of(gpio_gpiod_new(sizeof(*g), sizeof(g->lines[0]),
					  n > UINT16_MAX ? 0 : (unsigned int)n, &gpio_gpiod2_api,
					  &rc));
	if (g == NULL) {
		gpiod_chip_close(gc);
		return rc;
	}
	g->gc = gc;
	errno = 0;
	g->evbuf = gpiod_edge_event_buffer_new(GPIO_GPIOD2_EVENT_BATCH);
	if (g->evbuf == NULL) {
		rc = errno != 0 ? -errno : -ENOMEM;
		gpio_chip_destroy(&g->base.chip);
		return rc;
	}
	rc = gpio_gpiod2_names(g);
	if (rc != 0) {
		gpio_chip_destroy(&g->base.chip);
		return rc;
	}
	*out = &g->base.chip;
	return 0;
}
