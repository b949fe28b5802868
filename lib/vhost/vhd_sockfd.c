/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * --socket-fd: serve a listening socket handed to us (systemd socket
 * activation, a launcher that bound the path first) instead of binding one.
 *
 * rte_vhost (DPDK 22.11) has no call that takes a listening fd: it binds the
 * path it is given. So the device registers on a private path, and the
 * inherited socket then takes the place of rte_vhost's own listening fd:
 * dup3() onto the same descriptor number, which rte_vhost's fd set polls
 * (by number, each turn: its poll() times out every second) and accepts on.
 * The private path is removed at once; connections queued on the inherited
 * socket before we started are served; the inherited socket's file is never
 * touched, we did not create it. This relies on rte_vhost keeping its
 * listener by descriptor number, true of every release up to 24.11.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhd_internal.h"

int
vhd_sockfd_check(int fd, char *err, size_t len)
{
	int v = 0;
	socklen_t sl = sizeof(v);

	if (fcntl(fd, F_GETFD) < 0) {
		snprintf(err, len, "--socket-fd %d: not an open file descriptor", fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &sl) != 0 || v != AF_UNIX) {
		snprintf(err, len, "--socket-fd %d: not a unix socket", fd);
		return -1;
	}
	sl = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &sl) != 0 || v != SOCK_STREAM) {
		snprintf(err, len, "--socket-fd %d: not a stream socket", fd);
		return -1;
	}
	sl = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &sl) != 0 || v != 1) {
		snprintf(err, len, "--socket-fd %d: not listening", fd);
		return -1;
	}
	return 0;
}

int
vhd_sockfd_private_path(char *path, size_t len)
{
	char dir[] = "/tmp/vhd-sockfd-XXXXXX";

	if (mkdtemp(dir) == NULL)
		return -errno;
	if ((size_t)snprintf(path, len, "%s/sock", dir) >= len) {
		rmdir(dir);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* rte_vhost's listening descriptor for @p path: a listening socket bound to it. */
static int
vhd_sockfd_find(const char *path)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = -1;

	if (d == NULL)
		return -errno;
	while (found < 0 && (e = readdir(d)) != NULL) {
		struct sockaddr_un sa;
		socklen_t sl = sizeof(sa);
		int fd = atoi(e->d_name), v = 0;
		socklen_t vl = sizeof(v);

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(d))
			continue;
		memset(&sa, 0, sizeof(sa));
		if (getsockname(fd, (struct sockaddr *)&sa, &sl) != 0 || sa.sun_family != AF_UNIX ||
		    strncmp(sa.sun_path, path, sizeof(sa.sun_path)) != 0)
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl) == 0 && v == 1)
			found = fd;
	}
	closedir(d);
	return found >= 0 ? found : -ENOENT;
}

int
vhd_sockfd_adopt(const char *path, int fd)
{
	int lfd = vhd_sockfd_find(path);
	char dir[PATH_MAX];
	char *slash;

	if (lfd < 0)
		return lfd;
	if (dup3(fd, lfd, O_CLOEXEC) < 0)
		return -errno;
	close(fd);
	unlink(path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL) {
		*slash = '\0';
		rmdir(dir);
	}
	return 0;
}
