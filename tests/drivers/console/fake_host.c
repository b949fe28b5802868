/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "fake_host.h"

static int
f_watch(struct vhd_host *host, int fd, uint32_t events, vhd_fd_cb cb, void *arg)
{
	struct fake_host *h = (struct fake_host *)host;
	unsigned int i;

	for (i = 0; i < FAKE_HOST_MAX_WATCH; i++)
		if (h->w[i].fd == fd)
			return -EEXIST; /* epoll would refuse it too */
	for (i = 0; i < FAKE_HOST_MAX_WATCH; i++) {
		if (h->w[i].fd < 0) {
			h->w[i] = (struct fake_watch){fd, events, cb, arg};
			return 0;
		}
	}
	return -ENOSPC;
}

static void
f_unwatch(struct vhd_host *host, int fd)
{
	struct fake_host *h = (struct fake_host *)host;
	unsigned int i;

	for (i = 0; i < FAKE_HOST_MAX_WATCH; i++)
		if (h->w[i].fd == fd)
			h->w[i].fd = -1;
}

static void
f_wake(struct vhd_host *host)
{
	((struct fake_host *)host)->wakes++;
}

static uint64_t
f_now(struct vhd_host *host)
{
	struct timespec ts;

	(void)host;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int
f_config_changed(struct vhd_host *host)
{
	struct fake_host *h = (struct fake_host *)host;

	h->config_changes++;
	return h->config_changed_rc;
}

void
fake_host_init(struct fake_host *h)
{
	unsigned int i;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < FAKE_HOST_MAX_WATCH; i++)
		h->w[i].fd = -1;
	h->host.watch_fd = f_watch;
	h->host.unwatch_fd = f_unwatch;
	h->host.wake = f_wake;
	h->host.now_ns = f_now;
	h->host.config_changed = f_config_changed;
	h->config_changed_rc = -ENOTSUP;
}

int
fake_host_watched(const struct fake_host *h, int fd, uint32_t *events)
{
	unsigned int i;

	for (i = 0; i < FAKE_HOST_MAX_WATCH; i++) {
		if (h->w[i].fd == fd && fd >= 0) {
			if (events != NULL)
				*events = h->w[i].events;
			return 1;
		}
	}
	return 0;
}

unsigned int
fake_host_nwatch(const struct fake_host *h)
{
	unsigned int i, n = 0;

	for (i = 0; i < FAKE_HOST_MAX_WATCH; i++)
		n += h->w[i].fd >= 0;
	return n;
}

unsigned int
fake_host_pump(struct fake_host *h, int idle_ms)
{
	uint64_t end = f_now(&h->host) + 1000000000ULL;
	unsigned int runs = 0;

	/* Periodic timers are never idle: at most a second in all. */
	while (f_now(&h->host) < end) {
		struct pollfd pfd[FAKE_HOST_MAX_WATCH];
		struct fake_watch snap[FAKE_HOST_MAX_WATCH];
		unsigned int i, n = 0;
		int r;

		for (i = 0; i < FAKE_HOST_MAX_WATCH; i++) {
			if (h->w[i].fd < 0)
				continue;
			snap[n] = h->w[i];
			pfd[n].fd = h->w[i].fd;
			pfd[n].events = (short)(((h->w[i].events & EPOLLIN) ? POLLIN : 0) |
						((h->w[i].events & EPOLLOUT) ? POLLOUT : 0));
			pfd[n].revents = 0;
			n++;
		}
		r = poll(pfd, n, idle_ms);
		if (r <= 0)
			return runs;
		for (i = 0; i < n; i++) {
			uint32_t ev = 0;

			if (pfd[i].revents == 0 || !fake_host_watched(h, snap[i].fd, NULL))
				continue;
			ev |= (pfd[i].revents & POLLIN) ? EPOLLIN : 0;
			ev |= (pfd[i].revents & POLLOUT) ? EPOLLOUT : 0;
			ev |= (pfd[i].revents & POLLHUP) ? EPOLLHUP : 0;
			ev |= (pfd[i].revents & POLLERR) ? EPOLLERR : 0;
			snap[i].cb(snap[i].arg, snap[i].fd, ev);
			runs++;
		}
	}
	return runs;
}
