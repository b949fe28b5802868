/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhd_it_ctl.h"

#define WAIT_MS 3000

const char *
vhd_it_ctl_path(const struct vhd_fe_app *a, int idx, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/ctl", a->dir);

	if (idx >= 0 && n > 0 && (size_t)n + 2 <= len) {
		buf[n] = (char)('0' + idx);
		buf[n + 1] = '\0';
	}
	return buf;
}

void
vhd_it_ctl_app_up(struct vhd_fe_app *a, const char *name, const char *const *extra,
		  unsigned int nsock)
{
	const char *opts[] = {"--sim-control", NULL, NULL};
	static char ctl[256];

	vhd_it_app_init(a, name);
	opts[1] = vhd_it_ctl_path(a, -1, ctl, sizeof(ctl));
	vhd_it_app_start(a, opts, extra, nsock);
}

void
vhd_it_ctl_app_down(struct vhd_fe_app *a, unsigned int nsock)
{
	char ctl[256];
	struct stat st;
	unsigned int i;

	vhd_it_app_stop(a, nsock);
	for (i = 0; i < nsock; i++)
		if (stat(vhd_it_ctl_path(a, (int)i, ctl, sizeof(ctl)), &st) == 0)
			fail_msg("control socket %s still there after exit", ctl);
	vhd_it_app_fini(a);
}

int
vhd_it_ctl_open(const struct vhd_fe_app *a, unsigned int idx)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = WAIT_MS / 1000};
	char path[256];
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	vhd_it_ctl_path(a, (int)idx, path, sizeof(path));
	if (strlen(path) >= sizeof(sa.sun_path))
		fail_msg("control socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail_msg("connect %s: %s", sa.sun_path, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

const char *
vhd_it_ctl(int fd, const char *cmd)
{
	static char buf[256];
	size_t n = 0;
	ssize_t r;

	assert_int_equal(send(fd, cmd, strlen(cmd), MSG_NOSIGNAL), (ssize_t)strlen(cmd));
	while (n < sizeof(buf) - 1 && (n == 0 || buf[n - 1] != '\n')) {
		r = recv(fd, buf + n, 1, 0);
		if (r <= 0)
			fail_msg("no reply to '%s' on the control socket", cmd);
		n += (size_t)r;
	}
	buf[n] = '\0';
	return buf;
}
