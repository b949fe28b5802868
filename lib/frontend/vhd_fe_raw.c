/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "vhd_fe_internal.h"
#include "vhd_fe_raw.h"

#define RAW_MAX_FDS 16

int
vhd_fe_raw_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int64_t deadline = vhd_fe_now_ms() + timeout_ms;
	int s, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	for (;;) {
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -errno;
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return s;
		rc = -errno;
		close(s);
		if ((rc != -ENOENT && rc != -ECONNREFUSED && rc != -EAGAIN) ||
		    vhd_fe_now_ms() >= deadline)
			return rc;
		usleep(5000);
	}
}

ssize_t
vhd_fe_raw_sendv(int sock, struct iovec *iov, int niov, const int *fds, unsigned int n_fds)
{
	union {
		char buf[CMSG_SPACE(RAW_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)niov};
	ssize_t n;

	if (n_fds > RAW_MAX_FDS)
		return -EINVAL;
	if (n_fds > 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n_fds * sizeof(int));
	}
	/* MSG_NOSIGNAL: a dead backend must fail the call, not kill the test. */
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int
vhd_fe_raw_send(int sock, const struct vhd_fe_raw_msg *m)
{
	uint32_t h[3] = {m->request, m->flags, m->size};
	struct iovec iov[2] = {
		{.iov_base = h, .iov_len = sizeof(h)},
		{.iov_base = (void *)(uintptr_t)m->payload, .iov_len = m->len},
	};

	ssize_t n = vhd_fe_raw_sendv(sock, iov, m->len > 0 ? 2 : 1, m->fds, m->n_fds);

	return n < 0 ? (int)n : 0;
}

int
vhd_fe_raw_send_bytes(int sock, const void *buf, size_t len, const int *fds, unsigned int n_fds)
{
	struct iovec iov = {.iov_base = (void *)(uintptr_t)buf, .iov_len = len};

	ssize_t n = vhd_fe_raw_sendv(sock, &iov, 1, fds, n_fds);

	return n < 0 ? (int)n : 0;
}

/* Exactly @p len bytes, or an error; fds that come along are closed and counted. */
static int
recv_all(int sock, void *buf, size_t len, int64_t deadline, unsigned int *n_fds)
{
	uint8_t *p = buf;

	while (len > 0) {
		union {
			char buf[CMSG_SPACE(RAW_MAX_FDS * sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {.iov_base = p, .iov_len = len};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				   .msg_controllen = sizeof(ctl.buf)};
		struct pollfd pfd = {.fd = sock, .events = POLLIN};
		int64_t left = deadline - vhd_fe_now_ms();
		unsigned int k;
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
			return -ETIMEDOUT;
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == ECONNRESET ? -ECONNRESET : -errno;
		if (n == 0)
			return -ECONNRESET;
		k = vhd_fe_close_fds(&m);
		if (n_fds != NULL)
			*n_fds += k;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
vhd_fe_raw_recv(int sock, uint32_t *request, uint32_t *flags, void *body, uint32_t body_len,
		unsigned int *n_fds, int timeout_ms)
{
	int64_t deadline = vhd_fe_now_ms() + timeout_ms;
	uint8_t scratch[4096];
	uint32_t h[3];
	int rc;

	if (n_fds != NULL)
		*n_fds = 0;
	rc = recv_all(sock, h, sizeof(h), deadline, n_fds);
	if (rc < 0)
		return rc;
	if (h[2] > sizeof(scratch))
		return -EPROTO;
	rc = recv_all(sock, scratch, h[2], deadline, n_fds);
	if (rc < 0)
		return rc;
	if (request != NULL)
		*request = h[0];
	if (flags != NULL)
		*flags = h[1];
	if (body != NULL)
		memcpy(body, scratch, h[2] < body_len ? h[2] : body_len);
	return (int)h[2];
}

int
vhd_fe_raw_memfd(uint64_t size)
{
	int fd = memfd_create("vhd_fe_raw", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}
