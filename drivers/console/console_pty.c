/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * A pseudo-terminal per port. We keep the slave open ourselves so that the
 * master never reports a hang-up while no terminal program is attached:
 * output then waits in the pty (and, once that is full, in the ring). The
 * window size is sampled by a timerfd on the worker: a pty master is not
 * told when the slave side resizes.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <termios.h>
#include <unistd.h>

#include "console_port.h"

/* How often the window size is looked at. */
#define SIZE_POLL_NS 100000000L

static int
pty_open(struct console_port *p, char *msg, size_t len)
{
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	struct termios t;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 ||
	    ptsname_r(m, p->path, sizeof(p->path)) != 0) {
		snprintf(msg, len, "cannot create a pty: %s", strerror(errno));
		if (m >= 0)
			close(m);
		p->path[0] = '\0';
		return -1;
	}
	p->keep_fd = open(p->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->keep_fd < 0 || fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK) != 0) {
		snprintf(msg, len, "cannot open %s: %s", p->path, strerror(errno));
		close(m);
		p->path[0] = '\0';
		return -1;
	}
	/* Bytes pass unchanged; a terminal program attaching sets its own modes. */
	if (tcgetattr(p->keep_fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(p->keep_fd, TCSANOW, &t);
	}
	ioctl(m, TIOCSWINSZ, &ws);
	p->listen_fd = m;
	console_port_connect(p, m, m);
	return 0;
}

static void
size_cb(void *arg, int fd, uint32_t events)
{
	uint64_t ticks;

	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) < 0) {
		/* not expired yet: spurious */
	}
	console_port_size_changed(arg);
}

static void
pty_attach(struct console_port *p)
{
	struct itimerspec it = {{0, SIZE_POLL_NS}, {0, SIZE_POLL_NS}};
	struct vhd_host *h = console_port_host(p);

	if (p->id != 0)
		return; /* only port 0 is a console with a size */
	p->size_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (p->size_fd < 0)
		return;
	if (timerfd_settime(p->size_fd, 0, &it, NULL) != 0 ||
	    h->watch_fd(h, p->size_fd, EPOLLIN, size_cb, p) != 0) {
		close(p->size_fd);
		p->size_fd = -1;
	}
}

static int
pty_winsize(struct console_port *p, uint16_t *cols, uint16_t *rows)
{
	struct winsize ws;

	if (p->listen_fd < 0 || ioctl(p->listen_fd, TIOCGWINSZ, &ws) != 0)
		return -1;
	*cols = ws.ws_col;
	*rows = ws.ws_row;
	return 0;
}

static void
pty_hangup(struct console_port *p, int in_fd, int out_fd)
{
	/* Only on a real error of the master: the port stays closed. */
	(void)in_fd;
	(void)out_fd;
	if (p->listen_fd >= 0) {
		close(p->listen_fd);
		p->listen_fd = -1;
	}
}

static void
pty_close(struct console_port *p)
{
	struct vhd_host *h = console_port_host(p);

	if (p->size_fd >= 0) {
		if (h != NULL)
			h->unwatch_fd(h, p->size_fd);
		close(p->size_fd);
		p->size_fd = -1;
	}
	if (p->keep_fd >= 0)
		close(p->keep_fd);
	p->keep_fd = -1;
	if (p->listen_fd >= 0)
		close(p->listen_fd);
	p->listen_fd = -1;
}

const struct console_backend_ops console_pty_ops = {
	.kind = "pty",
	.open = pty_open,
	.attach = pty_attach,
	.hangup = pty_hangup,
	.winsize = pty_winsize,
	.close = pty_close,
};
