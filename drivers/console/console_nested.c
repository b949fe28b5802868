/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The daemon's own terminal as port 0 (upstream's "nested"): raw mode,
 * stdin to the guest, guest output to stdout, Ctrl-] stops the daemon
 * (Ctrl-C goes to the guest). The terminal is restored on every exit path
 * that runs code: destroy, exit() (atexit) and the signals vhd_run() turns
 * into a clean stop.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "console_port.h"

#define CTRL_RBRACKET 0x1d

static struct termios saved;
static bool saved_tty;
static int saved_fl[2] = {-1, -1};
static bool atexit_done;
static bool input_gone;

static void
restore(void)
{
	int i;

	if (saved_tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		saved_tty = false;
	}
	for (i = 1; i >= 0; i--) {
		if (saved_fl[i] >= 0)
			fcntl(i, F_SETFL, saved_fl[i]);
		saved_fl[i] = -1;
	}
}

static int
nested_open(struct console_port *p, char *msg, size_t len)
{
	struct termios t;
	int i;

	if (p->id != 0) {
		snprintf(msg, len, "only port 0 can be the nested terminal");
		return -1;
	}
	if (!atexit_done) {
		atexit(restore);
		atexit_done = true;
	}
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		saved_tty = true;
		t = saved;
		cfmakeraw(&t);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	}
	/* Both read first: stdin and stdout are often one file description. */
	for (i = 0; i < 2; i++)
		saved_fl[i] = fcntl(i, F_GETFL);
	for (i = 0; i < 2; i++)
		if (saved_fl[i] >= 0)
			fcntl(i, F_SETFL, saved_fl[i] | O_NONBLOCK);
	input_gone = false;
	snprintf(p->path, sizeof(p->path), "stdio");
	console_port_connect(p, STDIN_FILENO, STDOUT_FILENO);
	return 0;
}

static void
nested_attach(struct console_port *p)
{
	if (saved_tty)
		console_port_watch_size(p);
}

static int
nested_winsize(struct console_port *p, uint16_t *cols, uint16_t *rows)
{
	struct winsize ws;

	(void)p;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0)
		return -1;
	*cols = ws.ws_col;
	*rows = ws.ws_row;
	return 0;
}

static size_t
nested_filter(struct console_port *p, const uint8_t *buf, size_t len)
{
	const uint8_t *q = memchr(buf, CTRL_RBRACKET, len);

	if (q == NULL)
		return len;
	console_port_quit(p);
	return (size_t)(q - buf);
}

static void
nested_hangup(struct console_port *p, int in_fd, int out_fd)
{
	/* stdin at its end (say </dev/null): output still goes to stdout. */
	if (in_fd >= 0 && out_fd >= 0 && !input_gone) {
		input_gone = true;
		console_port_connect(p, -1, out_fd);
	}
}

static void
nested_close(struct console_port *p)
{
	console_port_unwatch_size(p);
	restore();
}

const struct console_backend_ops console_nested_ops = {
	.kind = "nested",
	.open = nested_open,
	.attach = nested_attach,
	.hangup = nested_hangup,
	.winsize = nested_winsize,
	.filter = nested_filter,
	.close = nested_close,
};
