/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Simulated GPIO chip. Each line has the level the guest drives and an
 * external input level driven through the control socket, so interrupts can
 * be tested end to end without hardware. Everything behind the chip's event
 * fd (an epoll set of an eventfd, the listening socket and its connections)
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "gpio_chip.h"
#include "gpio_proto.h"

#define GPIO_SIM_MAX_CONN 8
#define GPIO_SIM_LINE_MAX 128

struct gpio_sim_line {
	char name[24];
	uint8_t dir;    /* GPIO_DIRECTION_* as configured */
	uint8_t drv;    /* value the guest drove last */
	uint8_t ext;    /* level applied from outside */
	bool driving;   /* pin driven by the guest; kept when released */
	uint8_t edge;   /* enum gpio_edge reported */
	uint8_t pending; /* edges seen and not read yet (enum gpio_edge bits) */
};

struct gpio_sim_conn {
	int fd;
	size_t len;
	char buf[GPIO_SIM_LINE_MAX];
	bool overlong; /* discarding the rest of a too long line */
};

struct gpio_sim {
	struct gpio_chip chip;
	int epfd;
	int evfd;       /* readable while lines have pending edges */
	int listen_fd;
	char *ctl_path;
	unsigned int npending;
	struct gpio_sim_conn conns[GPIO_SIM_MAX_CONN];
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
	unsigned int i;

	for (i = 0; i < GPIO_SIM_MAX_CONN; i++)
		if (s->conns[i].fd >= 0)
			close(s->conns[i].fd);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->ctl_path != NULL)
		unlink(s->ctl_path);
	if (s->evfd >= 0)
		close(s->evfd);
	if (s->epfd >= 0)
		close(s->epfd);
	free(s->ctl_path);
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
gpio_sim_reply(int fd, const char *msg)
{
	/* Best effort: a client that does not read its replies loses them. */
	if (send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* nothing to do */
	}
}

static void
gpio_sim_command(struct gpio_sim *s, int fd, char *cmd)
{
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
			gpio_sim_reply(fd, "error: usage: set <line> <0|1>\n");
			return;
		}
		if (gpio_sim_parse_line(s, arg1, &line) != 0) {
			gpio_sim_reply(fd, "error: no such line\n");
			return;
		}
		if (strcmp(arg2, "0") != 0 && strcmp(arg2, "1") != 0) {
			gpio_sim_reply(fd, "error: level must be 0 or 1\n");
			return;
		}
		gpio_sim_set_input(&s->chip, line, arg2[0] == '1');
		gpio_sim_reply(fd, "ok\n");
	} else if (strcmp(verb, "get") == 0) {
		if (arg1 == NULL || arg2 != NULL) {
			gpio_sim_reply(fd, "error: usage: get <line>\n");
			return;
		}
		if (gpio_sim_parse_line(s, arg1, &line) != 0) {
			gpio_sim_reply(fd, "error: no such line\n");
			return;
		}
		snprintf(out, sizeof(out), "%u\n", s->lines[line].drv);
		gpio_sim_reply(fd, out);
	} else {
		gpio_sim_reply(fd, "error: unknown command\n");
	}
}

static void
gpio_sim_close_conn(struct gpio_sim *s, struct gpio_sim_conn *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->overlong = false;
}

static void
gpio_sim_conn_input(struct gpio_sim *s, struct gpio_sim_conn *c)
{
	char chunk[256];
	ssize_t n;
	ssize_t i;

	for (;;) {
		n = recv(c->fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			gpio_sim_close_conn(s, c);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (i = 0; i < n; i++) {
			if (chunk[i] == '\n') {
				c->buf[c->len] = '\0';
				if (c->overlong)
					gpio_sim_reply(c->fd, "error: line too long\n");
				else
					gpio_sim_command(s, c->fd, c->buf);
				c->len = 0;
				c->overlong = false;
			} else if (c->len < sizeof(c->buf) - 1) {
				c->buf[c->len++] = chunk[i];
			} else {
				c->overlong = true;
			}
		}
	}
}

static void
gpio_sim_accept(struct gpio_sim *s)
{
	struct epoll_event ee;
	unsigned int i;
	int fd;

	while ((fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < GPIO_SIM_MAX_CONN && s->conns[i].fd >= 0; i++)
			;
		if (i == GPIO_SIM_MAX_CONN) {
			gpio_sim_reply(fd, "error: too many connections\n");
			close(fd);
			continue;
		}
		memset(&ee, 0, sizeof(ee));
		ee.events = EPOLLIN;
		ee.data.u32 = i;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ee) != 0) {
			close(fd);
			continue;
		}
		s->conns[i].fd = fd;
		s->conns[i].len = 0;
		s->conns[i].overlong = false;
	}
}

/* epoll data of the two fixed members; connections use their slot number. */
#define GPIO_SIM_TAG_EVFD 0x10000u
#define GPIO_SIM_TAG_LISTEN 0x10001u

static void
gpio_sim_service(struct gpio_sim *s)
{
	struct epoll_event ee[GPIO_SIM_MAX_CONN + 2];
	unsigned int rounds = 0;
	bool progress;
	int n, i;

	/*
	 * Again while sockets were ready: a new connection's first command must
	 * be seen in this same call. Bounded so that a flood cannot hold the
	 * worker; the epoll fd stays readable and we are called again.
	 */
	do {
		progress = false;
		n = epoll_wait(s->epfd, ee, GPIO_SIM_MAX_CONN + 2, 0);
		for (i = 0; i < n; i++) {
			uint32_t tag = ee[i].data.u32;

			if (tag == GPIO_SIM_TAG_LISTEN) {
				gpio_sim_accept(s);
				progress = true;
			} else if (tag < GPIO_SIM_MAX_CONN && s->conns[tag].fd >= 0) {
				gpio_sim_conn_input(s, &s->conns[tag]);
				progress = true;
			}
		}
	} while (progress && ++rounds < 16);
}

static int
gpio_sim_read_events(struct gpio_chip *chip, struct gpio_chip_event *ev, unsigned int max)
{
	struct gpio_sim *s = gpio_sim_of(chip);
	unsigned int n = 0;
	uint64_t cnt;
	uint16_t i;

	gpio_sim_service(s);
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

static int
gpio_sim_listen(struct gpio_sim *s, const char *path)
{
	struct sockaddr_un sa;
	struct epoll_event ee;
	struct stat st;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	/* A socket left by an earlier run is replaced; any other file is not touched. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 4) != 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	s->listen_fd = fd;
	s->ctl_path = strdup(path);
	if (s->ctl_path == NULL)
		return -ENOMEM;
	memset(&ee, 0, sizeof(ee));
	ee.events = EPOLLIN;
	ee.data.u32 = GPIO_SIM_TAG_LISTEN;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ee) != 0)
		return -errno;
	return 0;
}

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
	s->listen_fd = -1;
	s->evfd = -1;
	for (i = 0; i < GPIO_SIM_MAX_CONN; i++)
		s->conns[i].fd = -1;
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
	ee.data.u32 = GPIO_SIM_TAG_EVFD;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->evfd, &ee) != 0) {
		rc = -errno;
		goto fail;
	}
	if (ctl_path != NULL) {
		rc = gpio_sim_listen(s, ctl_path);
		if (rc != 0)
			goto fail;
	}
	*out = &s->chip;
	return 0;
fail:
	gpio_sim_destroy(&s->chip);
	return rc;
}
