/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * A pseudo-terminal per port. We keep the slave open ourselves so that the
 * master never reports a hang-up while no terminal program is attached:
 * output then waits in the pty (and, once that is full, in the ring). The
 * window size is sampled (console_port_watch_size()).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "console_port.h"

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
pty_attach(struct console_port *p)
{
	if (p->id == 0) /* only port 0 is a console with a size */
		console_port_watch_size(p);
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
	console_port_unwatch_size(p);
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
