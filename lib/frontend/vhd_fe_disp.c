/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vhd_fe_disp.h"
#include "vhd_fe_internal.h"

/* Fds one recvmsg() takes at most; more are dropped by the kernel (MSG_CTRUNC). */
#define DISP_MAX_FDS 8

/*
 * Read exactly @p len bytes before @p deadline. The first fd that comes
 * along goes to *@p fd when that is -1; any other is closed and counted.
 */
static int
read_all(struct vhd_fe_disp *d, void *buf, size_t len, int64_t deadline, int *fd)
{
	size_t got = 0;

	while (got < len) {
		union {
			char buf[CMSG_SPACE(DISP_MAX_FDS * sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {.iov_base = (char *)buf + got, .iov_len = len - got};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf)};
		struct pollfd p = {d->fd, POLLIN, 0};
		int left = vhd_fe_remaining(deadline);
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, left) <= 0)
			continue;
		n = recvmsg(d->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		vhd_fe_keep_first_fd(&mh, fd);
		d->stray_fds += vhd_fe_close_fds(&mh);
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

/* One message into @p m; its fd (if any) in m->fd. */
static int
read_msg(struct vhd_fe_disp *d, struct vhd_fe_disp_msg *m, int64_t deadline)
{
	uint32_t h[3];
	int rc = read_all(d, h, sizeof(h), deadline, &m->fd);

	if (rc == 0) {
		m->request = h[0];
		m->flags = h[1];
		m->size = h[2];
		rc = m->size > m->cap ? -EMSGSIZE : read_all(d, m->body, m->size, deadline, &m->fd);
	}
	if (rc != 0 && m->fd >= 0) {
		close(m->fd);
		m->fd = -1;
	}
	return rc;
}

int
vhd_fe_disp_next(struct vhd_fe_disp *d, struct vhd_fe_disp_msg *m, int timeout_ms)
{
	int64_t deadline = vhd_fe_now_ms() + timeout_ms;

	for (;;) {
		int rc;

		m->fd = -1;
		rc = read_msg(d, m, deadline);
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
		case VHD_FE_DISP_DMABUF_UPDATE:
			/* QEMU replies once the frame is shown, even without GL */
			if (d->hold_dmabuf_update) {
				d->held++;
				return 0;
			}
			return reply(d->fd, m->request, NULL, 0);
		default:
			return 0;
		}
		if (m->fd >= 0) { /* no GET_* carries one */
			close(m->fd);
			m->fd = -1;
			d->stray_fds++;
		}
		if (rc != 0)
			return rc;
		d->gets++;
	}
}

int
vhd_fe_disp_reply_update(struct vhd_fe_disp *d)
{
	if (d->held == 0)
		return -ENOENT;
	d->held--;
	return reply(d->fd, VHD_FE_DISP_DMABUF_UPDATE, NULL, 0);
}
