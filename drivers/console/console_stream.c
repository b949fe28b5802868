/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * TCP and Unix stream listeners: one client at a time per port; a second
 * one is refused while the first is there, the next is accepted once it
 * left. The listener stays watched, so connecting never waits on the
 * worker.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "console_port.h"

static void
accept_cb(void *arg, int fd, uint32_t events)
{
	struct console_port *p = arg;
	int c, one = 1;

	(void)events;
	while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (console_port_connected(p))
			console_port_probe(p);
		if (console_port_connected(p)) {
			p->stats.refused++;
			close(c);
			continue;
		}
		if (p->spec.kind == CONSOLE_TCP)
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		console_port_connect(p, c, c);
	}
}

static int
listen_on(struct console_port *p, int fd, const struct sockaddr *sa, socklen_t len, char *msg,
	  size_t mlen)
{
	int one = 1;

	if (fd < 0) {
		snprintf(msg, mlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (sa->sa_family != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, len) != 0 || listen(fd, 4) != 0) {
		snprintf(msg, mlen, "cannot listen on %s: %s", p->path, strerror(errno));
		close(fd);
		return -1;
	}
	p->listen_fd = fd;
	return 0;
}

static int
tcp_open(struct console_port *p, char *msg, size_t len)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	struct sockaddr_in s4 = {.sin_family = AF_INET};
	const char *host = p->spec.addr[0] != '\0' ? p->spec.addr : "127.0.0.1";
	int fd;

	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (strchr(host, ':') != NULL)
		snprintf(p->path, sizeof(p->path), "[%.64s]:%u", host, p->spec.tcp_port);
	else
		snprintf(p->path, sizeof(p->path), "%.64s:%u", host, p->spec.tcp_port);
	if (inet_pton(AF_INET, host, &s4.sin_addr) == 1) {
		s4.sin_port = htons(p->spec.tcp_port);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		return listen_on(p, fd, (struct sockaddr *)&s4, sizeof(s4), msg, len);
	}
	if (inet_pton(AF_INET6, host, &s6.sin6_addr) == 1) {
		s6.sin6_port = htons(p->spec.tcp_port);
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		return listen_on(p, fd, (struct sockaddr *)&s6, sizeof(s6), msg, len);
	}
	snprintf(msg, len, "'%s' is not a numeric IPv4/IPv6 address", host);
	return -1;
}

static int
unix_open(struct console_port *p, char *msg, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	size_t n = strlen(p->spec.addr);
	int fd;

	if (n == 0 || n >= sizeof(sa.sun_path)) {
		snprintf(msg, len, "socket path empty or too long");
		return -1;
	}
	memcpy(sa.sun_path, p->spec.addr, n + 1);
	snprintf(p->path, sizeof(p->path), "%s", p->spec.addr);
	/* A socket left by a previous run goes; any other file stays and fails bind. */
	if (lstat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listen_on(p, fd, (struct sockaddr *)&sa, sizeof(sa), msg, len) != 0) {
		p->path[0] = '\0';
		return -1;
	}
	return 0;
}

static void
stream_attach(struct console_port *p)
{
	struct vhd_host *h = console_port_host(p);

	if (p->listen_fd >= 0)
		h->watch_fd(h, p->listen_fd, EPOLLIN, accept_cb, p);
}

static void
stream_hangup(struct console_port *p, int in_fd, int out_fd)
{
	(void)p;
	(void)out_fd;
	if (in_fd >= 0)
		close(in_fd);
}

static void
stream_close(struct console_port *p)
{
	struct vhd_host *h = console_port_host(p);

	if (p->listen_fd >= 0) {
		if (h != NULL)
			h->unwatch_fd(h, p->listen_fd);
		close(p->listen_fd);
		p->listen_fd = -1;
	}
	if (p->spec.kind == CONSOLE_UNIX && p->path[0] != '\0')
		unlink(p->path);
}

const struct console_backend_ops console_tcp_ops = {
	.kind = "tcp",
	.open = tcp_open,
	.attach = stream_attach,
	.hangup = stream_hangup,
	.close = stream_close,
};

const struct console_backend_ops console_unix_ops = {
	.kind = "unix",
	.open = unix_open,
	.attach = stream_attach,
	.hangup = stream_hangup,
	.close = stream_close,
};
