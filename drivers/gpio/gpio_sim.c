/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Simulated GPIO chip. Each line has the level the guest drives and an
 * external input level driven through the control socket, so interrupts can
 * be tested end to end without hardware. Everything behind the chip's event
 * fd (an epoll set of an eventfd and the control socket, lib/ctl/vhd_ctl.h)
 * is serviced from read_events() on the device's worker: no extra thread,
 * no locks.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vhd_ctl.h"

#include "gpio_chip.h"
#include "gpio_proto.h"

struct gpio_sim_line {
	char name[24];
	uint8_t dir;    /* GPIO_DIRECTION_* as configured */
	uint8_t drv;    /* value the guest drove last */
	uint8_t ext;    /* level applied from outside */
	bool driving;   /* pin driven by the guest; kept when released */
	uint8_t edge;   /* enum gpio_edge reported */
	uint8_t pending; /* edges seen and not read yet (enum gpio_edge bits) */
};

struct gpio_sim {
	struct gpio_chip chip;
	int epfd;
	int evfd;       /* readable while lines have pending edges */
	struct vhd_ctl *ctl; /* control socket, NULL without one */
	unsigned int npending;
	struct gpio_sim_line *lines;
};

static struct gpio_sim *
gpio_sim_of(struct gpio_chip *chip)
{
	return (struct gpio_sim *)chip;
}

static uint8_t
gpio_sim_level(const struct gpio_sim_line *l)
{
	return l->driving ? l->drv : l->ext;
}

static void
gpio_sim_destroy(struct gpio_chip *chip)
{
	struct gpio_sim *s = gpio_sim_of(chip);

	vhd_ctl_close(s->ctl);
	if (s->evfd >= 0)
		close(s->evfd);
	if (s->epfd >= 0)
		close(s->epfd);
	free(s->lines);
	free(s);
}

static const char *
gpio_sim_line_name(struct gpio_chip *chip, uint16_t line)
{
	return gpio_sim_of(chip)->lines[line].name;
}

static int
gpio_sim_get_direction(struct gpio_chip *chip, uint16_t line)
{
	return gpio_sim_of(chip)->lines[line].dir;
}

static int
gpio_sim_set_direction(struct gpio_chip *chip, uint16_t line, uint8_t dir, uint8_t value)
{
	struct gpio_sim_line *l = &gpio_sim_of(chip)->lines[line];

	switch (dir) {
	case GPIO_DIRECTION_OUT:
		l->drv = value;
		l->driving = true;
		break;
	case GPIO_DIRECTION_IN:
		l->driving = false;
		break;
	case GPIO_DIRECTION_NONE:
		/* Released pins keep whatever they were doing, like real ones. */
		break;
	default:
		return -EINVAL;
	}
	l->dir = dir;
	return 0;
}

static int
gpio_sim_get_value(struct gpio_chip *chip, uint16_t line)
{
	return gpio_sim_level(&gpio_sim_of(chip)->lines[line]);
}

static int
gpio_sim_set_value(struct gpio_chip *chip, uint16_t line, uint8_t value)
{
	struct gpio_sim_line *l = &gpio_sim_of(chip)->lines[line];

	if (l->dir != GPIO_DIRECTION_OUT)
		return -EPERM;
	l->drv = value;
	return 0;
}

static int
gpio_sim_set_edge(struct gpio_chip *chip, uint16_t line, enum gpio_edge edge)
{
	struct gpio_sim *s = gpio_sim_of(chip);
	struct gpio_sim_line *l = &s->lines[line];

	if ((unsigned int)edge > GPIO_EDGE_BOTH)
		return -EINVAL;
	if (edge != GPIO_EDGE_NONE) {
		if (l->dir == GPIO_DIRECTION_OUT)
			return -EBUSY;
		/* Watching edges needs a sensing pin. */
		l->driving = false;
	}
	l->edge = (uint8_t)edge;
	/* Edges from before this configuration are not reported. */
	if (l->pending != 0) {
		l->pending = 0;
		s->npending--;
	}
	return 0;
}

static int
gpio_sim_event_fd(struct gpio_chip *chip)
{
	return gpio_sim_of(chip)->epfd;
}

static const struct gpio_chip_ops gpio_sim_ops;

int
gpio_sim_set_input(struct gpio_chip *chip, uint16_t line, uint8_t level)
{
	struct gpio_sim *s = gpio_sim_of(chip);
	struct gpio_sim_line *l;
	uint8_t old, edge;
	uint64_t one = 1;

	/* Only simulated chips have an outside level to drive. */
	if (chip->ops != &gpio_sim_ops || line >= chip->ngpio || level > 1)
		return -EINVAL;
	l = &s->lines[line];
	old = gpio_sim_level(l);
	l->ext = level;
	if (l->driving || old == level)
		return 0;
	edge = level ? GPIO_EDGE_RISING : GPIO_EDGE_FALLING;
	if ((l->edge & edge) == 0)
		return 0;
	if (l->pending == 0) {
		s->npending++;
		if (write(s->evfd, &one, sizeof(one)) < 0) {
			/* Counter saturated: it is readable anyway. */
		}
	}
	l->pending |= edge;
	return 0;
}

int
gpio_sim_get_driven(struct gpio_chip *chip, uint16_t line)
{
	if (chip->ops != &gpio_sim_ops || line >= chip->ngpio)
		return -EINVAL;
	return gpio_sim_of(chip)->lines[line].drv;
}

/* ---- control socket ---- */

static int
gpio_sim_parse_line(struct gpio_sim *s, const char *tok, uint16_t *line)
{
	char *end;
	unsigned long v;
	uint16_t i;

	if (isdigit((unsigned char)tok[0])) {
		errno = 0;
		v = strtoul(tok, &end, 10);
		if (errno != 0 || *end != '\0' || v >= s->chip.ngpio)
			return -1;
		*line = (uint16_t)v;
		return 0;
	}
	for (i = 0; i < s->chip.ngpio; i++)
		if (strcmp(s->lines[i].name, tok) == 0) {
			*line = i;
			return 0;
		}
	return -1;
}

static void
gpio_sim_command(void *arg, struct vhd_ctl_conn *fd, char *cmd)
{
	struct gpio_sim *s = arg;
	char *save = NULL;
	char *verb = strtok_r(cmd, " \t\r", &save);
	char *arg1 = verb ? strtok_r(NULL, " \t\r", &save) : NULL;
	char *arg2 = arg1 ? strtok_r(NULL, " \t\r", &save) : NULL;
	char *extra = arg2 ? strtok_r(NULL, " \t\r", &save) : NULL;
	char out[32];
	uint16_t line;

	if (verb == NULL)
		return;
	if (strcmp(verb, "set") == 0) {
		if (arg1 == NULL || arg2 == NULL || extra != NULL) {
			vhd_ctl_reply(fd, "error: usage: set <line> <0|1>\n");
			return;
		}
		if (gpio_sim_parse_line(s, arg1, &line) != 0) {
			vhd_ctl_reply(fd, "error: no such line\n");
			return;
		}
		if (strcmp(arg2, "0") != 0 && strcmp(arg2, "1") != 0) {
			vhd_ctl_reply(fd, "error: level must be 0 or 1\n");
			return;
		}
		gpio_sim_set_input(&s->chip, line, arg2[0] == '1');
		vhd_ctl_reply(fd, "ok\n");
	} else if (strcmp(verb, "get") == 0) {
		if (arg1 == NULL || arg2 != NULL) {
			vhd_ctl_reply(fd, "error: usage: get <line>\n");
			return;
		}
		if (gpio_sim_parse_line(s, arg1, &line) != 0) {
			vhd_ctl_reply(fd, "error: no such line\n");
			return;
		}
		snprintf(out, sizeof(out), "%u\n", s->lines[line].drv);
		vhd_ctl_reply(fd, out);
	} else {
		vhd_ctl_reply(fd, "error: unknown command\n");
	}
}

static int
gpio_sim_read_events(struct gpio_chip *chip, struct gpio_chip_event *ev, unsigned int max)
{
	struct gpio_sim *s = gpio_sim_of(chip);
	unsigned int n = 0;
	uint64_t cnt;
	uint16_t i;

	if (s->ctl != NULL)
		vhd_ctl_service(s->ctl);
	for (i = 0; i < chip->ngpio && s->npending > 0 && n < max; i++) {
		struct gpio_sim_line *l = &s->lines[i];

		/* Pending edges are coalesced per line (the device latches a flag anyway). */
		while (l->pending != 0 && n < max) {
			uint8_t e = (l->pending & GPIO_EDGE_RISING) ? GPIO_EDGE_RISING :
								      GPIO_EDGE_FALLING;

			ev[n].line = i;
			ev[n].edge = e;
			n++;
			l->pending &= (uint8_t)~e;
			if (l->pending == 0)
				s->npending--;
		}
	}
	if (s->npending == 0 && read(s->evfd, &cnt, sizeof(cnt)) < 0) {
		/* already drained */
	}
	return (int)n;
}

static const struct gpio_chip_ops gpio_sim_ops = {
	.destroy = gpio_sim_destroy,
	.line_name = gpio_sim_line_name,
	.get_direction = gpio_sim_get_direction,
	.set_direction = gpio_sim_set_direction,
	.get_value = gpio_sim_get_value,
	.set_value = gpio_sim_set_value,
	.set_edge = gpio_sim_set_edge,
	.event_fd = gpio_sim_event_fd,
	.read_events = gpio_sim_read_events,
};

int
gpio_sim_create(uint16_t nlines, const char *ctl_path, struct gpio_chip **out)
{
	struct epoll_event ee;
	struct gpio_sim *s;
	unsigned int i;
	int rc;

	if (nlines == 0 || nlines > GPIO_SIM_MAX_LINES)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->chip.ops = &gpio_sim_ops;
	s->chip.ngpio = nlines;
	s->evfd = -1;
	s->lines = calloc(nlines, sizeof(*s->lines));
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->lines == NULL || s->epfd < 0 || s->evfd < 0) {
		rc = s->lines == NULL ? -ENOMEM : -errno;
		goto fail;
	}
	for (i = 0; i < nlines; i++)
		snprintf(s->lines[i].name, sizeof(s->lines[i].name), "sim-%u", i);
	memset(&ee, 0, sizeof(ee));
	ee.events = EPOLLIN;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->evfd, &ee) != 0) {
		rc = -errno;
		goto fail;
	}
	if (ctl_path != NULL) {
		rc = vhd_ctl_open(ctl_path, gpio_sim_command, s, &s->ctl);
		if (rc != 0)
			goto fail;
		/* Its epoll fd nests in ours: one fd for the worker to watch. */
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, vhd_ctl_fd(s->ctl), &ee) != 0) {
			rc = -errno;
			goto fail;
		}
	}
	*out = &s->chip;
	return 0;
fail:
	gpio_sim_destroy(&s->chip);
	return rc;
}
