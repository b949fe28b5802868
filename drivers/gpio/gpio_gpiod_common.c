/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The part of a libgpiod host chip that does not depend on the libgpiod API:
 * see gpio_gpiod_common.h. The virtio semantics are in gpio_dev.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "gpio_gpiod_common.h"
#include "gpio_proto.h"

/* Ready fds taken from the epoll set per read_events(). */
#define GPIO_GPIOD_EPOLL_BATCH 32

static struct gpio_gpiod *
gpio_gpiod_of(struct gpio_chip *chip)
{
	return (struct gpio_gpiod *)chip;
}

int
gpio_gpiod_watch(struct gpio_gpiod *g, uint16_t line, int fd)
{
	struct gpio_gpiod_line *l = &g->lines[line];
	struct epoll_event ee;

	if (l->fd >= 0)
		return 0;
	if (fd < 0)
		return -EIO;
	memset(&ee, 0, sizeof(ee));
	ee.events = EPOLLIN;
	ee.data.u32 = line;
	if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ee) != 0)
		return errno != 0 ? -errno : -EIO;
	l->fd = fd;
	return 0;
}

void
gpio_gpiod_unwatch(struct gpio_gpiod *g, uint16_t line)
{
	struct gpio_gpiod_line *l = &g->lines[line];

	if (l->fd >= 0)
		epoll_ctl(g->epfd, EPOLL_CTL_DEL, l->fd, NULL);
	l->fd = -1;
}

void
gpio_gpiod_release(struct gpio_gpiod *g, uint16_t line)
{
	struct gpio_gpiod_line *l = &g->lines[line];

	gpio_gpiod_unwatch(g, line);
	g->api->release(g, line);
	l->dir = GPIO_DIRECTION_NONE;
	l->edge = GPIO_EDGE_NONE;
	l->broken = false;
}

/*
 * Make the kernel request of @p line what (@p dir, @p edge) asks: released
 * when both are NONE, else an output driving @p value or an input with
 * @p edge detection.
 */
static int
gpio_gpiod_apply(struct gpio_gpiod *g, uint16_t line, uint8_t dir, uint8_t edge, uint8_t value)
{
	struct gpio_gpiod_line *l = &g->lines[line];
	int rc;

	if (dir == GPIO_DIRECTION_NONE && edge == GPIO_EDGE_NONE) {
		gpio_gpiod_release(g, line);
		return 0;
	}
	rc = g->api->request(g, line, dir, edge, value);
	if (rc != 0) {
		/* The API either kept the line as it was or released it. */
		if (!g->api->held(g, line))
			gpio_gpiod_release(g, line);
		return rc;
	}
	l->dir = dir;
	l->edge = edge;
	return 0;
}

static void
gpio_gpiod_destroy(struct gpio_chip *chip)
{
	struct gpio_gpiod *g = gpio_gpiod_of(chip);
	uint16_t i;

	if (g->lines != NULL)
		for (i = 0; i < chip->ngpio; i++)
			gpio_gpiod_release(g, i);
	if (g->epfd >= 0)
		close(g->epfd);
	g->api->close(g);
	free(g->lines);
	free(g);
}

static const char *
gpio_gpiod_line_name(struct gpio_chip *chip, uint16_t line)
{
	struct gpio_gpiod *g = gpio_gpiod_of(chip);

	return g->api->line_name(g, line);
}

static int
gpio_gpiod_get_direction(struct gpio_chip *chip, uint16_t line)
{
	/* Lines the guest did not request are not ours: NONE, whatever the host does. */
	return gpio_gpiod_of(chip)->lines[line].dir;
}

static int
gpio_gpiod_set_direction(struct gpio_chip *chip, uint16_t line, uint8_t dir, uint8_t value)
{
	struct gpio_gpiod *g = gpio_gpiod_of(chip);
	struct gpio_gpiod_line *l = &g->lines[line];

	if (dir != GPIO_DIRECTION_IN && dir != GPIO_DIRECTION_OUT && dir != GPIO_DIRECTION_NONE)
		return -EINVAL;
	if (l->edge != GPIO_EDGE_NONE) {
		/* The event request already senses the line. */
		if (dir == GPIO_DIRECTION_OUT)
			return -EBUSY;
		l->dir = dir;
		return 0;
	}
	/* Same direction again: no new request, which could glitch the pin. */
	if (dir == l->dir && dir != GPIO_DIRECTION_NONE && g->api->held(g, line))
		return dir == GPIO_DIRECTION_OUT ? g->api->set_value(g, line, value) : 0;
	return gpio_gpiod_apply(g, line, dir, GPIO_EDGE_NONE, value);
}

static int
gpio_gpiod_get_value(struct gpio_chip *chip, uint16_t line)
{
	struct gpio_gpiod *g = gpio_gpiod_of(chip);

	if (!g->api->held(g, line))
		return -EPERM;
	return g->api->get_value(g, line);
}

static int
gpio_gpiod_set_value(struct gpio_chip *chip, uint16_t line, uint8_t value)
{
	struct gpio_gpiod *g = gpio_gpiod_of(chip);

	if (g->lines[line].dir != GPIO_DIRECTION_OUT || !g->api->held(g, line))
		return -EPERM;
	return g->api->set_value(g, line, value);
}

static int
gpio_gpiod_set_edge(struct gpio_chip *chip, uint16_t line, enum gpio_edge edge)
{
	struct gpio_gpiod *g = gpio_gpiod_of(chip);
	struct gpio_gpiod_line *l = &g->lines[line];

	if ((unsigned int)edge > GPIO_EDGE_BOTH)
		return -EINVAL;
	if ((uint8_t)edge == l->edge)
		return 0;
	if (edge != GPIO_EDGE_NONE && l->dir == GPIO_DIRECTION_OUT)
		return -EBUSY;
	/* Edges off: back to what the guest configured without interrupts. */
	return gpio_gpiod_apply(g, line, l->dir, (uint8_t)edge, 0);
}

static int
gpio_gpiod_event_fd(struct gpio_chip *chip)
{
	return gpio_gpiod_of(chip)->epfd;
}

static int
gpio_gpiod_read_events(struct gpio_chip *chip, struct gpio_chip_event *ev, unsigned int max)
{
	struct gpio_gpiod *g = gpio_gpiod_of(chip);
	struct epoll_event ee[GPIO_GPIOD_EPOLL_BATCH];
	unsigned int n = 0;
	int nr, i, got;

	nr = epoll_wait(g->epfd, ee,
			(int)(max < GPIO_GPIOD_EPOLL_BATCH ? max : GPIO_GPIOD_EPOLL_BATCH), 0);
	if (nr < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < nr && n < max; i++) {
		uint32_t line = ee[i].data.u32;

		if (line >= chip->ngpio || g->lines[line].fd < 0)
			continue;
		got = g->api->read(g, (uint16_t)line, ev + n, max - n);
		if (got < 0) {
			/* A broken event fd would keep the worker spinning: stop watching it. */
			gpio_gpiod_unwatch(g, (uint16_t)line);
			g->lines[line].broken = true;
			continue;
		}
		n += (unsigned int)got;
	}
	return (int)n;
}

static const struct gpio_chip_ops gpio_gpiod_ops = {
	.destroy = gpio_gpiod_destroy,
	.line_name = gpio_gpiod_line_name,
	.get_direction = gpio_gpiod_get_direction,
	.set_direction = gpio_gpiod_set_direction,
	.get_value = gpio_gpiod_get_value,
	.set_value = gpio_gpiod_set_value,
	.set_edge = gpio_gpiod_set_edge,
	.event_fd = gpio_gpiod_event_fd,
	.read_events = gpio_gpiod_read_events,
};

bool
gpio_gpiod_available(void)
{
	return true;
}

struct gpio_gpiod *
gpio_gpiod_new(size_t size, size_t line_size, unsigned int nlines,
	       const struct gpio_gpiod_api *api, int *rc)
{
	struct gpio_gpiod *g;
	unsigned int i;

	if (nlines == 0 || nlines > UINT16_MAX) {
		*rc = -ERANGE;
		return NULL;
	}
	g = calloc(1, size + nlines * line_size);
	if (g == NULL) {
		*rc = -ENOMEM;
		return NULL;
	}
	g->chip.ops = &gpio_gpiod_ops;
	g->chip.ngpio = (uint16_t)nlines;
	g->api = api;
	g->lines = calloc(nlines, sizeof(g->lines[0]));
	if (g->lines == NULL) {
		free(g);
		*rc = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < nlines; i++)
		g->lines[i].fd = -1;
	g->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (g->epfd < 0) {
		*rc = -errno;
		free(g->lines);
		free(g);
		return NULL;
	}
	return g;
}
