/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "gpu_fake_disp.h"

void
gpu_fake_disp_send(struct gpu_fake_disp *d, uint32_t req, uint32_t flags, const void *p,
		   uint32_t size)
{
	uint8_t m[GPU_DISP_HDR + sizeof(struct gpu_resp_edid)];

	assert_true(size <= sizeof(m) - GPU_DISP_HDR);
	memcpy(m, &req, 4);
	memcpy(m + 4, &flags, 4);
	memcpy(m + 8, &size, 4);
	if (size != 0)
		memcpy(m + GPU_DISP_HDR, p, size);
	assert_int_equal(send(d->fd, m, GPU_DISP_HDR + size, 0), GPU_DISP_HDR + size);
}

int
gpu_fake_disp_recv(struct gpu_fake_disp *d, uint32_t *req, void *p, uint32_t max, int *fd)
{
	struct pollfd pfd = {d->fd, POLLIN, 0};
	uint32_t hdr[3];
	union {
		struct cmsghdr c;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = {hdr, sizeof(hdr)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof(u.b)};
	struct cmsghdr *c;
	int got = -1;

	if (poll(&pfd, 1, 0) != 1)
		return -1;
	/* the fd comes with the header's first byte: read the header alone */
	assert_int_equal(recvmsg(d->fd, &mh, MSG_WAITALL), sizeof(hdr));
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&got, CMSG_DATA(c), sizeof(got));
	if (fd != NULL)
		*fd = got;
	else
		assert_int_equal(got, -1);
	*req = hdr[0];
	assert_true(hdr[2] <= max);
	if (hdr[2] != 0)
		assert_int_equal(recv(d->fd, p, hdr[2], MSG_WAITALL), (ssize_t)hdr[2]);
	return (int)hdr[2];
}

int
gpu_fake_disp_expect(struct gpu_fake_disp *d, uint32_t want, void *p, uint32_t max, int *fd)
{
	uint32_t req = 0;
	int n = gpu_fake_disp_recv(d, &req, p, max, fd);

	assert_true(n >= 0);
	assert_int_equal(req, want);
	return n;
}

void
gpu_fake_disp_up(struct gpu_fake_disp *d, struct gpu_dev *dev, struct vhd_test_host *h,
		 uint64_t features, uint32_t w, uint32_t hgt)
{
	struct gpu_resp_display_info info;
	uint8_t buf[64];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	d->fd = sv[0];
	d->h = h;
	assert_int_equal(gpu_set_display(dev, sv[1]), 0);
	assert_int_equal(gpu_fake_disp_expect(d, GPU_DISP_GET_PROTOCOL_FEATURES, buf, sizeof(buf),
					      NULL), 0);
	gpu_fake_disp_send(d, GPU_DISP_GET_PROTOCOL_FEATURES, GPU_DISP_FLAG_REPLY, &features, 8);
	vhd_test_host_run(h);
	assert_int_equal(gpu_fake_disp_expect(d, GPU_DISP_SET_PROTOCOL_FEATURES, buf, sizeof(buf),
					      NULL), 8);
	assert_int_equal(gpu_fake_disp_expect(d, GPU_DISP_GET_DISPLAY_INFO, buf, sizeof(buf),
					      NULL), 0);
	memset(&info, 0, sizeof(info));
	info.hdr.type = GPU_RESP_OK_DISPLAY_INFO;
	info.pmodes[0].r.width = w;
	info.pmodes[0].r.height = hgt;
	info.pmodes[0].enabled = 1;
	gpu_fake_disp_send(d, GPU_DISP_GET_DISPLAY_INFO, GPU_DISP_FLAG_REPLY, &info, sizeof(info));
	vhd_test_host_run(h);
	assert_false(gpu_disp_pending(&dev->disp));
}

void
gpu_fake_disp_close(struct gpu_fake_disp *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
