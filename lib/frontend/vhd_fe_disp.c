/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "vhd_fe_disp.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read exactly @p len bytes before @p deadline. */
static int
read_all(int fd, void *buf, size_t len, int64_t deadline)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = {fd, POLLIN, 0};
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = recv(fd, (char *)buf + got, len - got, MSG_DONTWAIT);
		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

static int
reply(int fd, uint32_t req, const void *body, uint32_t size)
{
	uint32_t h[3] = {req, VHD_FE_DISP_FLAG_REPLY, size};
	struct iovec iov[2] = {{h, sizeof(h)}, {(void *)body, size}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};

	return sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)(sizeof(h) + size) ? 0 : -EIO;
}

int
vhd_fe_disp_next(struct vhd_fe_disp *d, struct vhd_fe_disp_msg *m, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		uint32_t h[3];
		int rc = read_all(d->fd, h, sizeof(h), deadline);

		if (rc != 0)
			return rc;
		m->request = h[0];
		m->flags = h[1];
		m->size = h[2];
		if (m->size > m->cap)
			return -EMSGSIZE;
		rc = read_all(d->fd, m->body, m->size, deadline);
		if (rc != 0)
			return rc;
		switch (m->request) {
		case VHD_FE_DISP_GET_PROTOCOL_FEATURES:
			rc = reply(d->fd, m->request, &d->features, sizeof(d->features));
			break;
		case VHD_FE_DISP_GET_DISPLAY_INFO:
			rc = reply(d->fd, m->request, d->info, sizeof(d->info));
			break;
		case VHD_FE_DISP_GET_EDID:
			rc = reply(d->fd, m->request, d->edid, sizeof(d->edid));
			break;
		default:
			return 0;
		}
		if (rc != 0)
			return rc;
		d->gets++;
	}
}
