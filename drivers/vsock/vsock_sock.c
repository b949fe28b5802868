/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "vsock_sock.h"

#define SIM_DIR_MAX 80

static int
linux_connect(void *ctx, uint32_t cid, uint32_t port, int type, bool *in_progress)
{
	struct sockaddr_vm sa = {.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port};
	int fd = socket(AF_VSOCK, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	(void)ctx;
	if (fd < 0)
		return -errno;
	*in_progress = false;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno != EINPROGRESS) {
			int rc = -errno;

			close(fd);
			return rc;
		}
		*in_progress = true;
	}
	return fd;
}

static int
linux_listen(void *ctx, uint32_t port)
{
	/* Any local CID, as upstream does. */
	struct sockaddr_vm sa = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY,
				 .svm_port = port};
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	(void)ctx;
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

const struct vsock_sock_ops vsock_sock_linux = {
	.connect = linux_connect,
	.listen = linux_listen,
	.ctx = NULL,
};

static int
sim_connect(void *ctx, uint32_t cid, uint32_t port, int type, bool *in_progress)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%u_%u", (const char *)ctx, cid, port);
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	*in_progress = false;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static int
sim_listen(void *ctx, uint32_t port)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/listen_%u", (const char *)ctx, port);
	if (stat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

int
vsock_sock_sim_init(struct vsock_sock_ops *ops, const char *dir)
{
	if (strlen(dir) > SIM_DIR_MAX)
		return -1;
	ops->connect = sim_connect;
	ops->listen = sim_listen;
	ops->ctx = strdup(dir);
	return ops->ctx != NULL ? 0 : -1;
}

void
vsock_sock_sim_fini(struct vsock_sock_ops *ops)
{
	free(ops->ctx);
	ops->ctx = NULL;
}
