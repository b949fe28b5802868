/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Host chip through libgpiod v1 (1.6, Debian 12). Thin on purpose: the
 * virtio semantics are in gpio_dev.c. A line is requested from the kernel
 * only while the guest uses it: as output, as input, or for edge events
 * (which v1 cannot switch in place, hence release and request again). Each
 * event request has its own fd; they are gathered in one epoll set so that
 * the device watches a single fd.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <gpiod.h>

#include "gpio_chip.h"
#include "gpio_proto.h"

#define GPIO_GPIOD_CONSUMER "vhost-device-gpio"

struct gpio_gpiod_line {
	struct gpiod_line *line;
	uint8_t dir;  /* GPIO_DIRECTION_* requested, NONE = released */
	uint8_t edge; /* enum gpio_edge requested; the request is an input one then */
	int fd;       /* event fd while edge != NONE */
};

struct gpio_gpiod {
	struct gpio_chip chip;
	struct gpiod_chip *gc;
	int epfd;
	struct gpio_gpiod_line lines[];
};

static struct gpio_gpiod *
gpio_gpiod_of(struct gpio_chip *chip)
{
	return (struct gpio_gpiod *)chip;
}

static int
gpio_gpiod_errno(void)
{
	return errno != 0 ? -errno : -EIO;
}

static void
gpio_gpiod_release(struct gpio_gpiod *g, struct gpio_gpiod_line *l)
{
	if (l->fd >= 0) {
		epoll_ctl(g->epfd, EPOLL_CTL_DEL, l->fd, NULL);
		l->fd = -1;
	}
	if (gpiod_line_is_requested(l->line))
		gpiod_line_release(l->line);
}

static void
gpio_gpiod_destroy(struct gpio_chip *chip)
{
	struct gpio_gpiod *g = gpio_gpiod_of(chip);
	uint16_t i;

	for (i = 0; i < chip->ngpio; i++)
		if (g->lines[i].line != NULL)
			gpio_gpiod_release(g, &g->lines[i]);
	if (g->epfd >= 0)
		close(g->epfd);
	gpiod_chip_close(g->gc);
	free(g);
}

static const char *
gpio_gpiod_line_name(struct gpio_chip *chip, uint16_t line)
{
	return gpiod_line_name(gpio_gpiod_of(chip)->lines[line].line);
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

	if (l->edge != GPIO_EDGE_NONE) {
		/* The event request already senses the line. */
		if (dir == GPIO_DIRECTION_OUT)
			return -EBUSY;
		l->dir = dir;
		return 0;
	}
	/* Same direction again: no release, which would glitch the pin. */
	if (dir == l->dir && dir != GPIO_DIRECTION_NONE && gpiod_line_is_requested(l->line)) {
		errno = 0;
		if (dir == GPIO_DIRECTION_OUT && gpiod_line_set_value(l->line, value) != 0)
			return gpio_gpiod_errno();
		return 0;
	}
	gpio_gpiod_release(g, l);
	l->dir = GPIO_DIRECTION_NONE;
	errno = 0;
	if (dir == GPIO_DIRECTION_OUT) {
		if (gpiod_line_request_output(l->line, GPIO_GPIOD_CONSUMER, value) != 0)
			return gpio_gpiod_errno();
	} else if (dir == GPIO_DIRECTION_IN) {
		if (gpiod_line_request_input(l->line, GPIO_GPIOD_CONSUMER) != 0)
			return gpio_gpiod_errno();
	} else if (dir != GPIO_DIRECTION_NONE) {
		return -EINVAL;
	}
	l->dir = dir;
	return 0;
}

static int
gpio_gpiod_get_value(struct gpio_chip *chip, uint16_t line)
{
	struct gpio_gpiod_line *l = &gpio_gpiod_of(chip)->lines[line];
	int v;

	if (!gpiod_line_is_requested(l->line))
		return -EPERM;
	errno = 0;
	v = gpiod_line_get_value(l->line);
	return v < 0 ? gpio_gpiod_errno() : v;
}

static int
gpio_gpiod_set_value(struct gpio_chip *chip, uint16_t line, uint8_t value)
{
	struct gpio_gpiod_line *l = &gpio_gpiod_of(chip)->lines[line];

	if (l->dir != GPIO_DIRECTION_OUT || !gpiod_line_is_requested(l->line))
		return -EPERM;
	errno = 0;
	return gpiod_line_set_value(l->line, value) != 0 ? gpio_gpiod_errno() : 0;
}

static int
gpio_gpiod_set_edge(struct gpio_chip *chip, uint16_t line, enum gpio_edge edge)
{
	struct gpio_gpiod *g = gpio_gpiod_of(chip);
	struct gpio_gpiod_line *l = &g->lines[line];
	struct epoll_event ee;
	uint8_t dir = l->dir;
	int rc;

	if (edge == l->edge)
		return 0;
	if (edge != GPIO_EDGE_NONE && dir == GPIO_DIRECTION_OUT)
		return -EBUSY;
	gpio_gpiod_release(g, l);
	l->edge = GPIO_EDGE_NONE;
	l->dir = GPIO_DIRECTION_NONE;
	errno = 0;
	switch (edge) {
	case GPIO_EDGE_NONE:
		/* Back to what the guest configured without interrupts. */
		return gpio_gpiod_set_direction(chip, line, dir, 0);
	case GPIO_EDGE_RISING:
		rc = gpiod_line_request_rising_edge_events(l->line, GPIO_GPIOD_CONSUMER);
		break;
	case GPIO_EDGE_FALLING:
		rc = gpiod_line_request_falling_edge_events(l->line, GPIO_GPIOD_CONSUMER);
		break;
	case GPIO_EDGE_BOTH:
		rc = gpiod_line_request_both_edges_events(l->line, GPIO_GPIOD_CONSUMER);
		break;
	default:
		return -EINVAL;
	}
	if (rc != 0)
		return gpio_gpiod_errno();
	l->fd = gpiod_line_event_get_fd(l->line);
	memset(&ee, 0, sizeof(ee));
	ee.events = EPOLLIN;
	ee.data.u32 = line;
	if (l->fd < 0 || epoll_ctl(g->epfd, EPOLL_CTL_ADD, l->fd, &ee) != 0) {
		rc = l->fd < 0 ? -EIO : -errno;
		l->fd = -1;
		gpiod_line_release(l->line);
		return rc;
	}
	l->edge = (uint8_t)edge;
	l->dir = dir;
	return 0;
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
	struct epoll_event ee[32];
	struct gpiod_line_event le;
	unsigned int n = 0;
	int nr, i;

	nr = epoll_wait(g->epfd, ee, (int)(max < 32 ? max : 32), 0);
	if (nr < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < nr; i++) {
		uint32_t line = ee[i].data.u32;

		if (line >= chip->ngpio || g->lines[line].fd < 0)
			continue;
		if (gpiod_line_event_read(g->lines[line].line, &le) != 0) {
			/* A broken event fd would keep the worker spinning: stop watching it. */
			epoll_ctl(g->epfd, EPOLL_CTL_DEL, g->lines[line].fd, NULL);
			g->lines[line].fd = -1;
			continue;
		}
		ev[n].line = (uint16_t)line;
		ev[n].edge = le.event_type == GPIOD_LINE_EVENT_RISING_EDGE ? GPIO_EDGE_RISING :
									  GPIO_EDGE_FALLING;
		n++;
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

int
gpio_gpiod_open(unsigned int num, struct gpio_chip **out)
{
	struct gpiod_chip *gc;
	struct gpio_gpiod *g;
	unsigned int n, i;
	int rc;

	errno = 0;
	gc = gpiod_chip_open_by_number(num);
	if (gc == NULL)
		return gpio_gpiod_errno();
	n = gpiod_chip_num_lines(gc);
	if (n == 0 || n > UINT16_MAX) {
		gpiod_chip_close(gc);
		return -ERANGE;
	}
	g = calloc(1, sizeof(*g) + n * sizeof(g->lines[0]));
	if (g == NULL) {
		gpiod_chip_close(gc);
		return -ENOMEM;
	}
	g->chip.ops = &gpio_gpiod_ops;
	g->chip.ngpio = (uint16_t)n;
	g->gc = gc;
	g->epfd = epoll_create1(EPOLL_CLOEXEC);
	for (i = 0; i < n; i++)
		g->lines[i].fd = -1;
	if (g->epfd < 0) {
		rc = -errno;
		gpio_gpiod_destroy(&g->chip);
		return rc;
	}
	for (i = 0; i < n; i++) {
		g->lines[i].line = gpiod_chip_get_line(gc, i);
		if (g->lines[i].line == NULL) {
			rc = gpio_gpiod_errno();
			gpio_gpiod_destroy(&g->chip);
			return rc;
		}
	}
	*out = &g->chip;
	return 0;
}
