/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Control socket: an epoll set of the listening socket and its connections,
 * serviced when the device's worker sees the set readable.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhd_ctl.h"

struct vhd_ctl_conn {
	int fd;
	size_t len;
	char buf[VHD_CTL_LINE_MAX + 1];
	bool overlong; /* discarding the rest of a too long line */
	bool subscribed;
};

struct vhd_ctl {
	int epfd;
	int listen_fd;
	char *path;
	vhd_ctl_cmd_fn fn;
	void *arg;
	unsigned int nsub;
	struct vhd_ctl_conn conns[VHD_CTL_MAX_CONN];
};

/* epoll data of the listening socket; connections use their slot number. */
#define VHD_CTL_TAG_LISTEN 0x10000u

void
vhd_ctl_reply(struct vhd_ctl_conn *c, const char *msg)
{
	if (send(c->fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* best effort */
	}
}

void
vhd_ctl_subscribe(struct vhd_ctl_conn *c)
{
	c->subscribed = true;
}

void
vhd_ctl_publish(struct vhd_ctl *ctl, const char *msg)
{
	unsigned int i;

	if (ctl == NULL || ctl->nsub == 0)
		return;
	for (i = 0; i < VHD_CTL_MAX_CONN; i++)
		if (ctl->conns[i].fd >= 0 && ctl->conns[i].subscribed)
			vhd_ctl_reply(&ctl->conns[i], msg);
}

unsigned int
vhd_ctl_subscribers(const struct vhd_ctl *ctl)
{
	return ctl == NULL ? 0 : ctl->nsub;
}

int
vhd_ctl_fd(const struct vhd_ctl *ctl)
{
	return ctl->epfd;
}

static void
vhd_ctl_drop(struct vhd_ctl *ctl, struct vhd_ctl_conn *c)
{
	epoll_ctl(ctl->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->overlong = false;
	c->subscribed = false;
}

static void
vhd_ctl_count_subs(struct vhd_ctl *ctl)
{
	unsigned int i, n = 0;

	for (i = 0; i < VHD_CTL_MAX_CONN; i++)
		n += ctl->conns[i].fd >= 0 && ctl->conns[i].subscribed;
	ctl->nsub = n;
}

static void
vhd_ctl_input(struct vhd_ctl *ctl, struct vhd_ctl_conn *c)
{
	char chunk[256];
	ssize_t n, i;

	for (;;) {
		n = recv(c->fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			vhd_ctl_drop(ctl, c);
			return;
		}
		for (i = 0; i < n && c->fd >= 0; i++) {
			if (chunk[i] == '\n') {
				c->buf[c->len] = '\0';
				if (c->len > 0 && c->buf[c->len - 1] == '\r')
					c->buf[c->len - 1] = '\0';
				if (c->overlong)
					vhd_ctl_reply(c, "error: line too long\n");
				else
					ctl->fn(ctl->arg, c, c->buf);
				c->len = 0;
				c->overlong = false;
			} else if (c->len < VHD_CTL_LINE_MAX) {
				c->buf[c->len++] = chunk[i];
			} else {
				c->overlong = true;
			}
		}
	}
}

static void
vhd_ctl_accept(struct vhd_ctl *ctl)
{
	struct epoll_event ee;
	unsigned int i;
	int fd;

	while ((fd = accept4(ctl->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < VHD_CTL_MAX_CONN && ctl->conns[i].fd >= 0; i++)
			;
		if (i == VHD_CTL_MAX_CONN) {
			if (send(fd, "error: too many connections\n", 28,
				 MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
				/* best effort */
			}
			close(fd);
			continue;
		}
		memset(&ee, 0, sizeof(ee));
		ee.events = EPOLLIN;
		ee.data.u32 = i;
		if (epoll_ctl(ctl->epfd, EPOLL_CTL_ADD, fd, &ee) != 0) {
			close(fd);
			continue;
		}
		ctl->conns[i].fd = fd;
		ctl->conns[i].len = 0;
		ctl->conns[i].overlong = false;
		ctl->conns[i].subscribed = false;
	}
}

void
vhd_ctl_service(struct vhd_ctl *ctl)
{
	struct epoll_event ee[VHD_CTL_MAX_CONN + 1];
	unsigned int rounds = 0;
	bool progress;
	int n, i;

	/*
	 * Again while sockets were ready: a new connection's first command is
	 * seen in this same call. Bounded so that a flood cannot hold the
	 * worker; the epoll fd stays readable and we are called again.
	 */
	do {
		progress = false;
		n = epoll_wait(ctl->epfd, ee, VHD_CTL_MAX_CONN + 1, 0);
		for (i = 0; i < n; i++) {
			uint32_t tag = ee[i].data.u32;

			if (tag == VHD_CTL_TAG_LISTEN) {
				vhd_ctl_accept(ctl);
				progress = true;
			} else if (tag < VHD_CTL_MAX_CONN && ctl->conns[tag].fd >= 0) {
				vhd_ctl_input(ctl, &ctl->conns[tag]);
				progress = true;
			}
		}
		vhd_ctl_count_subs(ctl);
	} while (progress && ++rounds < 16);
}

void
vhd_ctl_close(struct vhd_ctl *ctl)
{
	unsigned int i;

	if (ctl == NULL)
		return;
	for (i = 0; i < VHD_CTL_MAX_CONN; i++)
		if (ctl->conns[i].fd >= 0)
			close(ctl->conns[i].fd);
	if (ctl->listen_fd >= 0)
		close(ctl->listen_fd);
	if (ctl->path != NULL)
		unlink(ctl->path);
	if (ctl->epfd >= 0)
		close(ctl->epfd);
	free(ctl->path);
	free(ctl);
}

int
vhd_ctl_open(const char *path, vhd_ctl_cmd_fn fn, void *arg, struct vhd_ctl **out)
{
	struct sockaddr_un sa;
	struct epoll_event ee;
	struct vhd_ctl *ctl;
	struct stat st;
	unsigned int i;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	/* A socket left by an earlier run is replaced; any other file is not touched. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		unlink(path);
	}
	ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL)
		return -ENOMEM;
	ctl->fn = fn;
	ctl->arg = arg;
	ctl->listen_fd = -1;
	for (i = 0; i < VHD_CTL_MAX_CONN; i++)
		ctl->conns[i].fd = -1;
	ctl->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ctl->epfd < 0)
		goto fail_errno;
	ctl->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->listen_fd < 0)
		goto fail_errno;
	if (bind(ctl->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto fail_errno;
	ctl->path = strdup(path);
	if (ctl->path == NULL) {
		unlink(path);
		rc = -ENOMEM;
		goto fail;
	}
	if (listen(ctl->listen_fd, 4) != 0)
		goto fail_errno;
	memset(&ee, 0, sizeof(ee));
	ee.events = EPOLLIN;
	ee.data.u32 = VHD_CTL_TAG_LISTEN;
	if (epoll_ctl(ctl->epfd, EPOLL_CTL_ADD, ctl->listen_fd, &ee) != 0)
		goto fail_errno;
	*out = ctl;
	return 0;
fail_errno:
	rc = -errno;
fail:
	vhd_ctl_close(ctl);
	return rc;
}
