/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* The control socket of a simulated device, from the tool's side. */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vhd_perf_ctl.h"
#include "vhd_perf_time.h"

#define STALL_MS 5000

int
vhd_perf_ctl_connect(const char *path, uint32_t timeout_ms)
{
	uint64_t until = vhd_perf_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vhd-perf: --sim-control path too long\n");
		return -1;
	}
	strcpy(sa.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			break;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		if (vhd_perf_now_ns() > until)
			break;
		usleep(10000);
	}
	fprintf(stderr, "vhd-perf: control socket %s: %s\n", path, strerror(errno));
	return -1;
}

int
vhd_perf_ctl_send(int fd, const char *cmd)
{
	size_t len = strlen(cmd);

	if (send(fd, cmd, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "vhd-perf: control socket write: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int
vhd_perf_ctl_reply(int fd, bool spin, char *buf, size_t size)
{
	uint64_t start = vhd_perf_now_ns();
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	ssize_t n;

	while (len < size - 1) {
		n = recv(fd, buf + len, size - 1 - len, MSG_DONTWAIT);
		if (n > 0) {
			len += (size_t)n;
			if (buf[len - 1] == '\n')
				break;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			fprintf(stderr, "vhd-perf: control socket closed\n");
			return -1;
		}
		if (vhd_perf_now_ns() - start > STALL_MS * 1000000ULL) {
			fprintf(stderr, "vhd-perf: no reply on the control socket in %d ms\n",
				STALL_MS);
			return -1;
		}
		if (spin)
			vhd_perf_spin();
		else if (poll(&pfd, 1, STALL_MS) < 0 && errno != EINTR)
			return -1;
	}
	buf[len] = '\0';
	return 0;
}


void
vhd_perf_ctl_gap(bool spin, uint32_t gap_us)
{
	uint64_t until = vhd_perf_now_ns() + (uint64_t)gap_us * 1000;
	struct timespec ts = { (time_t)(gap_us / 1000000), (long)(gap_us % 1000000) * 1000 };

	if (gap_us == 0)
		return;
	if (!spin) {
		nanosleep(&ts, NULL);
		return;
	}
	while (vhd_perf_now_ns() < until)
		vhd_perf_spin();
}
