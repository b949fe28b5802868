/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "vhd_perf_sock.h"
#include "vhd_perf_time.h"

static void *
sock_thread(void *arg)
{
	struct vhd_perf_sock_thr *t = arg;
	static __thread uint8_t buf[VHD_PERF_SOCK_MAX];
	ssize_t n;

	memset(buf, 0x5a, sizeof(buf));
	while (!*t->stop) {
		if (t->mode == VHD_PERF_SOCK_WRITE) {
			n = send(t->fd, buf, t->size, MSG_NOSIGNAL);
			if (n <= 0)
				break;
			continue;
		}
		n = recv(t->fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		if (t->mode == VHD_PERF_SOCK_ECHO && send(t->fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
			break;
	}
	return NULL;
}

int
vhd_perf_sock_thr_start(struct vhd_perf_sock_thr *t, int fd, enum vhd_perf_sock_mode mode,
			uint32_t size, const volatile bool *stop)
{
	t->fd = fd;
	t->mode = mode;
	t->size = size > VHD_PERF_SOCK_MAX ? VHD_PERF_SOCK_MAX : size;
	t->stop = stop;
	t->up = pthread_create(&t->th, NULL, sock_thread, t) == 0;
	return t->up ? 0 : -1;
}

void
vhd_perf_sock_thr_stop(struct vhd_perf_sock_thr *t)
{
	if (!t->up)
		return;
	shutdown(t->fd, SHUT_RDWR);
	pthread_join(t->th, NULL);
	t->up = false;
}

int
vhd_perf_sock_echo(int fd, uint32_t size, bool spin, uint64_t *lat)
{
	static uint8_t buf[VHD_PERF_SOCK_MAX];
	uint64_t t0 = vhd_perf_now_ns();
	size_t got = 0;

	if (size > sizeof(buf) || send(fd, buf, size, MSG_NOSIGNAL) != (ssize_t)size)
		return -1;
	while (got < size) {
		ssize_t n = recv(fd, buf, size - got, spin ? MSG_DONTWAIT : 0);

		if (n > 0)
			got += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		else
			vhd_perf_spin();
	}
	*lat = vhd_perf_now_ns() - t0;
	return 0;
}
