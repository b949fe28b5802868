/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/uio.h>

#include "vhd_test_host.h"

#define TH(host) ((struct vhd_test_host *)(host)->ctx)
/* Bounds a timer callback that keeps re-arming in the past. */
#define MAX_FIRES 100000

static int
th_watch_fd(struct vhd_host *host, int fd, uint32_t events, vhd_fd_cb cb, void *arg)
{
	struct vhd_test_host *h = TH(host);

	if (h->nwatch == VHD_TEST_HOST_DEPTH)
		return -ENOSPC;
	h->watch[h->nwatch].fd = fd;
	h->watch[h->nwatch].events = events;
	h->watch[h->nwatch].cb = cb;
	h->watch[h->nwatch].arg = arg;
	h->nwatch++;
	return 0;
}

static void
th_unwatch_fd(struct vhd_host *host, int fd)
{
	struct vhd_test_host *h = TH(host);
	unsigned int i;

	for (i = 0; i < h->nwatch; i++)
		if (h->watch[i].fd == fd)
			h->watch[i--] = h->watch[--h->nwatch];
}

static void
th_wake(struct vhd_host *host)
{
	TH(host)->wakes++;
}

static uint64_t
th_now_ns(struct vhd_host *host)
{
	return TH(host)->now;
}

static void
th_timer_cancel(struct vhd_host *host, struct vhd_timer *t)
{
	struct vhd_test_host *h = TH(host);
	unsigned int i;

	if (t == NULL || t->slot == 0)
		return;
	for (i = 0; i < h->ntimers; i++) {
		if (h->timer[i] == t) {
			h->timer[i] = h->timer[--h->ntimers];
			break;
		}
	}
	t->slot = 0;
}

static int
th_timer_arm(struct vhd_host *host, struct vhd_timer *t, uint64_t deadline_ns)
{
	struct vhd_test_host *h = TH(host);

	if (t == NULL || t->cb == NULL)
		return -EINVAL;
	th_timer_cancel(host, t);
	if (h->ntimers == VHD_TEST_HOST_DEPTH)
		return -ENOMEM;
	t->deadline_ns = deadline_ns;
	t->slot = 1;
	h->timer[h->ntimers++] = t;
	return 0;
}

static int
th_io_submit(struct vhd_host *host, struct vhd_io *io)
{
	struct vhd_test_host *h = TH(host);

	if (io == NULL || io->cb == NULL || io->fd < 0 || (unsigned int)io->op > VHD_IO_POLL ||
	    ((io->op == VHD_IO_READV || io->op == VHD_IO_WRITEV) &&
	     (io->iov == NULL || io->iovcnt == 0 || io->iovcnt > 1024)))
		return -EINVAL;
	if (h->nio >= h->io_limit || h->nio == VHD_TEST_HOST_DEPTH)
		return -EAGAIN;
	h->io[h->nio++] = io;
	return 0;
}

static int
th_offload(struct vhd_host *host, vhd_work_fn work, vhd_done_fn done, void *arg)
{
	struct vhd_test_host *h = TH(host);

	if (work == NULL || done == NULL)
		return -EINVAL;
	if (h->noff >= h->offload_limit || h->noff == VHD_TEST_HOST_DEPTH)
		return -EAGAIN;
	h->off[h->noff].work = work;
	h->off[h->noff].done = done;
	h->off[h->noff].arg = arg;
	h->noff++;
	return 0;
}

static int
th_config_changed(struct vhd_host *host)
{
	struct vhd_test_host *h = TH(host);

	h->config_changes++;
	return h->config_changed_rc;
}

void
vhd_test_host_init(struct vhd_test_host *h)
{
	memset(h, 0, sizeof(*h));
	h->now = 1000000000ULL;
	h->io_limit = VHD_TEST_HOST_DEPTH;
	h->offload_limit = VHD_TEST_HOST_DEPTH;
	h->host.watch_fd = th_watch_fd;
	h->host.unwatch_fd = th_unwatch_fd;
	h->host.wake = th_wake;
	h->host.now_ns = th_now_ns;
	h->host.timer_arm = th_timer_arm;
	h->host.timer_cancel = th_timer_cancel;
	h->host.io_submit = th_io_submit;
	h->host.offload = th_offload;
	h->host.config_changed = th_config_changed;
	h->host.ctx = h;
}

static unsigned int
fire_due(struct vhd_test_host *h)
{
	unsigned int n = 0;

	while (n < MAX_FIRES) {
		struct vhd_timer *t = NULL;
		unsigned int i;

		for (i = 0; i < h->ntimers; i++)
			if (h->timer[i]->deadline_ns <= h->now &&
			    (t == NULL || h->timer[i]->deadline_ns < t->deadline_ns))
				t = h->timer[i];
		if (t == NULL)
			break;
		th_timer_cancel(&h->host, t);
		n++;
		h->timers_fired++;
		t->cb(t->arg);
	}
	return n;
}

unsigned int
vhd_test_host_advance(struct vhd_test_host *h, uint64_t ns)
{
	h->now += ns;
	return fire_due(h);
}

static int
do_io(const struct vhd_io *io)
{
	struct pollfd pfd;
	ssize_t r;

	switch (io->op) {
	case VHD_IO_READV:
		r = io->offset == UINT64_MAX ? readv(io->fd, io->iov, (int)io->iovcnt) :
			preadv(io->fd, io->iov, (int)io->iovcnt, (off_t)io->offset);
		break;
	case VHD_IO_WRITEV:
		r = io->offset == UINT64_MAX ? writev(io->fd, io->iov, (int)io->iovcnt) :
			pwritev(io->fd, io->iov, (int)io->iovcnt, (off_t)io->offset);
		break;
	case VHD_IO_FSYNC:
		r = fsync(io->fd);
		break;
	case VHD_IO_FDATASYNC:
		r = fdatasync(io->fd);
		break;
	case VHD_IO_FALLOCATE:
		r = fallocate(io->fd, io->mode, (off_t)io->offset, (off_t)io->len);
		break;
	case VHD_IO_POLL:
		pfd.fd = io->fd;
		pfd.events = (short)io->poll_events;
		pfd.revents = 0;
		r = poll(&pfd, 1, 0);
		if (r >= 0)
			return pfd.revents;
		break;
	default:
		return -EINVAL;
	}
	if (r < 0)
		return -errno;
	return r > INT32_MAX ? INT32_MAX : (int)r;
}

unsigned int
vhd_test_host_run(struct vhd_test_host *h)
{
	struct vhd_io *io[VHD_TEST_HOST_DEPTH];
	unsigned int nio = h->nio, noff = h->noff, n, i;
	__typeof__(h->off[0]) off[VHD_TEST_HOST_DEPTH];

	n = fire_due(h);
	/* Take what is queued now: callbacks queue for the next run. */
	memcpy(off, h->off, noff * sizeof(off[0]));
	h->noff = 0;
	memcpy(io, h->io, nio * sizeof(io[0]));
	h->nio = 0;
	for (i = 0; i < noff; i++) {
		off[i].done(off[i].arg, off[i].work(off[i].arg));
		h->offloads_run++;
		n++;
	}
	for (i = 0; i < nio; i++) {
		io[i]->cb(io[i]->arg, do_io(io[i]));
		h->ios_done++;
		n++;
	}
	for (i = 0; i < h->nwatch; i++) {
		struct pollfd pfd = {.fd = h->watch[i].fd, .events = (short)h->watch[i].events};

		if (poll(&pfd, 1, 0) == 1 && pfd.revents != 0) {
			h->watch[i].cb(h->watch[i].arg, h->watch[i].fd, (uint32_t)pfd.revents);
			n++;
		}
	}
	return n;
}

int
vhd_test_host_serve(struct vhd_test_host *h, struct vhd_test_pair *p,
		    const struct vhd_device_ops *ops, void *priv, uint16_t q)
{
	vhd_test_host_run(h);
	return vhd_test_serve(p, ops, priv, q);
}
