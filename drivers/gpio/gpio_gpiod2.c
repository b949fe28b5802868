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
 * Line ownership, as in v1: a line is requested from the kernel only while
 * the guest uses it (output, input, or edge events), each line in its own
 * request so that a line busy elsewhere fails alone. Unlike v1, a held
 * request switches between output, input and edge detection in place
 * (gpiod_line_request_reconfigure_lines), so the line is never free between
 * two guest messages. The same direction again changes nothing (an output
 * only gets its value driven). Level interrupts are not the adapter's:
 * gpio_dev.c asks for both edges and samples the level, as with v1.
 *
 * Events: each request has its own fd; the fds of lines with edge detection
 * are gathered in one epoll set so that the device watches a single fd. A
 * read only follows readiness reported by epoll (the request fd blocks). A
 * broken fd is dropped from the set rather than spinning the worker; the
 * next configuration change of that line makes a fresh request.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <gpiod.h>

#include "gpio_chip.h"
#include "gpio_proto.h"

#define GPIO_GPIOD2_CONSUMER "vhost-device-gpio"
/* Edge events taken from one request per read. */
#define GPIO_GPIOD2_EVENT_BATCH 32
/* Stale events dropped at most when edge detection is switched on in place. */
#define GPIO_GPIOD2_DRAIN_MAX 64

struct gpio_gpiod2_line {
	struct gpiod_line_request *req; /* NULL while released */
	char *name;    /* copied at open, NULL when the line has none */
	uint8_t dir;   /* GPIO_DIRECTION_* requested, NONE = released */
	uint8_t edge;  /* enum gpio_edge requested; the request is an input one then */
	bool watched;  /* request fd in the epoll set */
	bool broken;   /* event read failed: fd dropped, request replaced on next change */
};

struct gpio_gpiod2 {
	struct gpio_chip chip;
	struct gpiod_chip *gc;
	struct gpiod_edge_event_buffer *evbuf;
	int epfd;
	struct gpio_gpiod2_line lines[];
};

static struct gpio_gpiod2 *
gpio_gpiod2_of(struct gpio_chip *chip)
{
	return (struct gpio_gpiod2 *)chip;
}

static int
gpio_gpiod2_errno(void)
{
	return errno != 0 ? -errno : -EIO;
}

static void
gpio_gpiod2_unwatch(struct gpio_gpiod2 *g, struct gpio_gpiod2_line *l)
{
	if (l->watched)
		epoll_ctl(g->epfd, EPOLL_CTL_DEL, gpiod_line_request_get_fd(l->req), NULL);
	l->watched = false;
}

static void
gpio_gpiod2_release(struct gpio_gpiod2 *g, struct gpio_gpiod2_line *l)
{
	if (l->req != NULL) {
		gpio_gpiod2_unwatch(g, l);
		gpiod_line_request_release(l->req);
	}
	l->req = NULL;
	l->broken = false;
	l->dir = GPIO_DIRECTION_NONE;
	l->edge = GPIO_EDGE_NONE;
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
		     gpiod_line_settings_set_output_value(s, value != 0 ?
							     GPIOD_LINE_VALUE_ACTIVE :
							     GPIOD_LINE_VALUE_INACTIVE) != 0;
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
gpio_gpiod2_request(struct gpio_gpiod2 *g, struct gpiod_line_config *cfg)
{
	struct gpiod_request_config *rc;
	struct gpiod_line_request *req;

	errno = 0;
	rc = gpiod_request_config_new();
	if (rc == NULL)
		return NULL;
	gpiod_request_config_set_consumer(rc, GPIO_GPIOD2_CONSUMER);
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
gpio_gpiod2_drain(struct gpio_gpiod2 *g, struct gpio_gpiod2_line *l)
{
	unsigned int i;

	for (i = 0; i < GPIO_GPIOD2_DRAIN_MAX; i++) {
		if (gpiod_line_request_wait_edge_events(l->req, 0) != 1)
			return;
		if (gpiod_line_request_read_edge_events(l->req, g->evbuf,
							GPIO_GPIOD2_EVENT_BATCH) <= 0)
			return;
	}
}

/*
 * Make the kernel request of @p line what (@p dir, @p edge) asks: released
 * when both are NONE, else an output driving @p value or an input with
 * @p edge detection. A held request is reconfigured in place; on failure
 * it keeps its previous configuration.
 */
static int
gpio_gpiod2_apply(struct gpio_gpiod2 *g, uint16_t line, uint8_t dir, uint8_t edge, uint8_t value)
{
	struct gpio_gpiod2_line *l = &g->lines[line];
	struct gpiod_line_config *cfg;
	struct epoll_event ee;
	bool in_place;
	int rc = 0;

	if (dir == GPIO_DIRECTION_NONE && edge == GPIO_EDGE_NONE) {
		gpio_gpiod2_release(g, l);
		return 0;
	}
	if (dir != GPIO_DIRECTION_IN && dir != GPIO_DIRECTION_OUT && dir != GPIO_DIRECTION_NONE)
		return -EINVAL;
	if (dir == GPIO_DIRECTION_OUT && edge != GPIO_EDGE_NONE)
		return -EBUSY;
	cfg = gpio_gpiod2_config(line, dir, edge, value);
	if (cfg == NULL)
		return errno != 0 ? -errno : -ENOMEM;
	/* A broken request is not reused: its fd is not watched any more. */
	if (l->broken)
		gpio_gpiod2_release(g, l);
	in_place = l->req != NULL;
	errno = 0;
	if (in_place) {
		if (gpiod_line_request_reconfigure_lines(l->req, cfg) != 0)
			rc = gpio_gpiod2_errno();
	} else {
		l->req = gpio_gpiod2_request(g, cfg);
		if (l->req == NULL)
			rc = gpio_gpiod2_errno();
	}
	gpiod_line_config_free(cfg);
	if (rc != 0)
		return rc;
	if (edge == GPIO_EDGE_NONE) {
		gpio_gpiod2_unwatch(g, l);
	} else {
		if (in_place)
			gpio_gpiod2_drain(g, l);
		if (!l->watched) {
			memset(&ee, 0, sizeof(ee));
			ee.events = EPOLLIN;
			ee.data.u32 = line;
			if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, gpiod_line_request_get_fd(l->req),
				      &ee) != 0) {
				rc = errno != 0 ? -errno : -EIO;
				gpio_gpiod2_release(g, l);
				return rc;
			}
			l->watched = true;
		}
	}
	l->dir = dir;
	l->edge = edge;
	return 0;
}

static void
gpio_gpiod2_destroy(struct gpio_chip *chip)
{
	struct gpio_gpiod2 *g = gpio_gpiod2_of(chip);
	uint16_t i;

	for (i = 0; i < chip->ngpio; i++) {
		gpio_gpiod2_release(g, &g->lines[i]);
		free(g->lines[i].name);
	}
	if (g->epfd >= 0)
		close(g->epfd);
	if (g->evbuf != NULL)
		gpiod_edge_event_buffer_free(g->evbuf);
	gpiod_chip_close(g->gc);
	free(g);
}

static const char *
gpio_gpiod2_line_name(struct gpio_chip *chip, uint16_t line)
{
	return gpio_gpiod2_of(chip)->lines[line].name;
}

static int
gpio_gpiod2_get_direction(struct gpio_chip *chip, uint16_t line)
{
	/* Lines the guest did not request are not ours: NONE, whatever the host does. */
	return gpio_gpiod2_of(chip)->lines[line].dir;
}

static int
gpio_gpiod2_set_direction(struct gpio_chip *chip, uint16_t line, uint8_t dir, uint8_t value)
{
	struct gpio_gpiod2 *g = gpio_gpiod2_of(chip);
	struct gpio_gpiod2_line *l = &g->lines[line];

	if (l->edge != GPIO_EDGE_NONE) {
		/* The event request already senses the line. */
		if (dir == GPIO_DIRECTION_OUT)
			return -EBUSY;
		if (dir != GPIO_DIRECTION_IN && dir != GPIO_DIRECTION_NONE)
			return -EINVAL;
		l->dir = dir;
		return 0;
	}
	/* Same direction again: nothing to reconfigure, an output gets its value. */
	if (dir == l->dir && dir != GPIO_DIRECTION_NONE && l->req != NULL) {
		errno = 0;
		if (dir == GPIO_DIRECTION_OUT &&
		    gpiod_line_request_set_value(l->req, line, value != 0 ?
							       GPIOD_LINE_VALUE_ACTIVE :
							       GPIOD_LINE_VALUE_INACTIVE) != 0)
			return gpio_gpiod2_errno();
		return 0;
	}
	return gpio_gpiod2_apply(g, line, dir, GPIO_EDGE_NONE, value);
}

static int
gpio_gpiod2_get_value(struct gpio_chip *chip, uint16_t line)
{
	struct gpio_gpiod2_line *l = &gpio_gpiod2_of(chip)->lines[line];
	enum gpiod_line_value v;

	if (l->req == NULL)
		return -EPERM;
	errno = 0;
	v = gpiod_line_request_get_value(l->req, line);
	if (v == GPIOD_LINE_VALUE_ERROR)
		return gpio_gpiod2_errno();
	return v == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0;
}

static int
gpio_gpiod2_set_value(struct gpio_chip *chip, uint16_t line, uint8_t value)
{
	struct gpio_gpiod2_line *l = &gpio_gpiod2_of(chip)->lines[line];

	if (l->dir != GPIO_DIRECTION_OUT || l->req == NULL)
		return -EPERM;
	errno = 0;
	if (gpiod_line_request_set_value(l->req, line, value != 0 ? GPIOD_LINE_VALUE_ACTIVE :
								    GPIOD_LINE_VALUE_INACTIVE) != 0)
		return gpio_gpiod2_errno();
	return 0;
}

static int
gpio_gpiod2_set_edge(struct gpio_chip *chip, uint16_t line, enum gpio_edge edge)
{
	struct gpio_gpiod2 *g = gpio_gpiod2_of(chip);
	struct gpio_gpiod2_line *l = &g->lines[line];

	if ((unsigned int)edge > GPIO_EDGE_BOTH)
		return -EINVAL;
	if ((uint8_t)edge == l->edge)
		return 0;
	if (edge != GPIO_EDGE_NONE && l->dir == GPIO_DIRECTION_OUT)
		return -EBUSY;
	/* Edges off: back to what the guest configured without interrupts. */
	return gpio_gpiod2_apply(g, line, l->dir, (uint8_t)edge, 0);
}

static int
gpio_gpiod2_event_fd(struct gpio_chip *chip)
{
	return gpio_gpiod2_of(chip)->epfd;
}

static int
gpio_gpiod2_read_events(struct gpio_chip *chip, struct gpio_chip_event *ev, unsigned int max)
{
	struct gpio_gpiod2 *g = gpio_gpiod2_of(chip);
	struct epoll_event ee[32];
	unsigned int n = 0, room;
	int nr, i, got, k;

	nr = epoll_wait(g->epfd, ee, (int)(max < 32 ? max : 32), 0);
	if (nr < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < nr && n < max; i++) {
		uint32_t line = ee[i].data.u32;
		struct gpio_gpiod2_line *l;

		if (line >= chip->ngpio || !g->lines[line].watched)
			continue;
		l = &g->lines[line];
		room = max - n < GPIO_GPIOD2_EVENT_BATCH ? max - n : GPIO_GPIOD2_EVENT_BATCH;
		/* epoll saw the fd readable, so this read does not block. */
		got = gpiod_line_request_read_edge_events(l->req, g->evbuf, room);
		if (got <= 0) {
			/* A broken event fd would keep the worker spinning: stop watching it. */
			gpio_gpiod2_unwatch(g, l);
			l->broken = true;
			continue;
		}
		for (k = 0; k < got && n < max; k++) {
			struct gpiod_edge_event *e = gpiod_edge_event_buffer_get_event(g->evbuf,
										       k);

			if (e == NULL || gpiod_edge_event_get_line_offset(e) != line)
				continue;
			ev[n].line = (uint16_t)line;
			ev[n].edge = gpiod_edge_event_get_event_type(e) ==
						     GPIOD_EDGE_EVENT_RISING_EDGE ?
					     GPIO_EDGE_RISING :
					     GPIO_EDGE_FALLING;
			n++;
		}
	}
	return (int)n;
}

static const struct gpio_chip_ops gpio_gpiod2_ops = {
	.destroy = gpio_gpiod2_destroy,
	.line_name = gpio_gpiod2_line_name,
	.get_direction = gpio_gpiod2_get_direction,
	.set_direction = gpio_gpiod2_set_direction,
	.get_value = gpio_gpiod2_get_value,
	.set_value = gpio_gpiod2_set_value,
	.set_edge = gpio_gpiod2_set_edge,
	.event_fd = gpio_gpiod2_event_fd,
	.read_events = gpio_gpiod2_read_events,
};

bool
gpio_gpiod_available(void)
{
	return true;
}

/* Copy the name of each line: a line info, and its name, live only until freed. */
static int
gpio_gpiod2_names(struct gpio_gpiod2 *g)
{
	struct gpiod_line_info *info;
	const char *name;
	unsigned int i;

	for (i = 0; i < g->chip.ngpio; i++) {
		errno = 0;
		info = gpiod_chip_get_line_info(g->gc, i);
		if (info == NULL)
			return gpio_gpiod2_errno();
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
		return gpio_gpiod2_errno();
	errno = 0;
	info = gpiod_chip_get_info(gc);
	if (info == NULL) {
		rc = gpio_gpiod2_errno();
		gpiod_chip_close(gc);
		return rc;
	}
	n = gpiod_chip_info_get_num_lines(info);
	gpiod_chip_info_free(info);
	if (n == 0 || n > UINT16_MAX) {
		gpiod_chip_close(gc);
		return -ERANGE;
	}
	g = calloc(1, sizeof(*g) + n * sizeof(g->lines[0]));
	if (g == NULL) {
		gpiod_chip_close(gc);
		return -ENOMEM;
	}
	g->chip.ops = &gpio_gpiod2_ops;
	g->chip.ngpio = (uint16_t)n;
	g->gc = gc;
	g->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (g->epfd < 0) {
		rc = -errno;
		gpio_gpiod2_destroy(&g->chip);
		return rc;
	}
	errno = 0;
	g->evbuf = gpiod_edge_event_buffer_new(GPIO_GPIOD2_EVENT_BATCH);
	if (g->evbuf == NULL) {
		rc = errno != 0 ? -errno : -ENOMEM;
		gpio_gpiod2_destroy(&g->chip);
		return rc;
	}
	rc = gpio_gpiod2_names(g);
	if (rc != 0) {
		gpio_gpiod2_destroy(&g->chip);
		return rc;
	}
	*out = &g->chip;
	return 0;
}
