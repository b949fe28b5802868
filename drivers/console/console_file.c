/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* Output-only ports: guest output appended to a file, or dropped (null). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "console_port.h"

static int
sink_open(struct console_port *p, const char *path, int flags, char *msg, size_t len)
{
	int fd = open(path, flags | O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0644);

	if (fd < 0) {
		snprintf(msg, len, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	console_port_connect(p, -1, fd);
	return 0;
}

static int
file_open(struct console_port *p, char *msg, size_t len)
{
	snprintf(p->path, sizeof(p->path), "%s", p->spec.addr);
	return sink_open(p, p->spec.addr, O_CREAT | O_APPEND, msg, len);
}

static int
null_open(struct console_port *p, char *msg, size_t len)
{
	return sink_open(p, "/dev/null", 0, msg, len);
}

static void
sink_hangup(struct console_port *p, int in_fd, int out_fd)
{
	(void)p;
	(void)in_fd;
	if (out_fd >= 0)
		close(out_fd);
}

static void
sink_close(struct console_port *p)
{
	(void)p; /* the fd went with the hang-up before */
}

const struct console_backend_ops console_file_ops = {
	.kind = "file",
	.open = file_open,
	.hangup = sink_hangup,
	.close = sink_close,
};

const struct console_backend_ops console_null_ops = {
	.kind = "null",
	.open = null_open,
	.hangup = sink_hangup,
	.close = sink_close,
};
