/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The frontend's end of the backend channel (backend-to-frontend requests:
 * config change notifications...). The backend is untrusted: sizes are
 * checked, fds it sends are closed, and a stalled message times out.
 */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "vhd_fe.h"
#include "vhd_fe_internal.h"

#define MAX_FDS 8
/* The largest body vhost-user defines for a backend request. */
#define MAX_BODY 4096

/* Read exactly @p len bytes (NULL @p buf: discard them) by @p deadline. */
static int
read_full(int fd, void *buf, size_t len, int64_t deadline, unsigned int *n_fds)
{
	uint8_t scratch[256], *p = buf;

	while (len > 0) {
		union {
			char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {.iov_base = p != NULL ? (void *)p : scratch,
				    .iov_len = p != NULL || len < sizeof(scratch) ? len :
										  sizeof(scratch)};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
				   .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)};
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;

		n = poll(&pfd, 1, vhd_fe_remaining(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		*n_fds += vhd_fe_close_fds(&m);
		if (p != NULL)
			p += n;
		len -= (size_t)n;
	}
	return 0;
}

static uint64_t
default_answer(void *arg, const struct vhd_fe_backend_msg *m)
{
	(void)arg;
	return m->request == VHD_FE_BACKEND_CONFIG_CHANGE_MSG ? 0 : 1;
}

int
vhd_fe_backend_serve(struct vhd_fe *fe, int timeout_ms, vhd_fe_backend_fn fn, void *arg,
		     struct vhd_fe_backend_msg *out)
{
	int fd = vhd_fe_backend_fd(fe);
	struct vhd_fe_backend_msg m;
	uint32_t hdr[3];
	int64_t deadline;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	size_t keep;
	uint64_t ans;
	int rc;

	if (fd < 0)
		return -ENOTCONN;
	do
		rc = poll(&pfd, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return 0;
	/* Once a message starts, the rest of it must follow promptly. */
	deadline = vhd_fe_now_ms() + 1000;
	memset(&m, 0, sizeof(m));
	rc = read_full(fd, hdr, sizeof(hdr), deadline, &m.n_fds);
	if (rc < 0)
		return rc;
	m.request = hdr[0];
	m.flags = hdr[1];
	m.size = hdr[2];
	if ((m.flags & 0x3) != VHD_FE_MSG_VERSION || m.size > MAX_BODY)
		return -EPROTO;
	keep = m.size < sizeof(m.body) ? m.size : sizeof(m.body);
	rc = read_full(fd, m.body, keep, deadline, &m.n_fds);
	if (rc == 0 && m.size > keep)
		rc = read_full(fd, NULL, m.size - keep, deadline, &m.n_fds);
	if (rc < 0)
		return rc;
	ans = (fn != NULL ? fn : default_answer)(arg, &m);
	if (m.flags & VHD_FE_MSG_NEED_REPLY) {
		struct {
			uint32_t request, flags, size;
			uint64_t u64;
		} __attribute__((packed)) r = {m.request, VHD_FE_MSG_VERSION | VHD_FE_MSG_REPLY,
					       sizeof(uint64_t), ans};

		if (send(fd, &r, sizeof(r), MSG_NOSIGNAL) != (ssize_t)sizeof(r))
			return -EIO;
	}
	if (out != NULL)
		*out = m;
	return 1;
}
