/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * A worker's io_uring and its devices' bounded I/O queues.
 *
 * Submitting takes the ring's lock (a control thread may submit for a
 * paused device while the worker submits for another); only the worker
 * reaps. A reaped completion goes to its device's done FIFO and its
 * callback runs when someone is inside that device, so a paused device's
 * completions wait for it and still run in completion order.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <liburing.h>

#include "vhd_services.h"

#define RING(u) ((struct io_uring *)(u)->ring)
#define NO_SLOT UINT16_MAX

int
vhd_uring_init(struct vhd_uring *u, unsigned int entries)
{
	struct io_uring *r;
	int rc;

	memset(u, 0, sizeof(*u));
	u->efd = -1;
	pthread_mutex_init(&u->sq_lock, NULL);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	rc = io_uring_queue_init(entries, r, 0);
	if (rc < 0) {
		free(r);
		return rc;
	}
	u->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (u->efd < 0 || io_uring_register_eventfd(r, u->efd) < 0) {
		rc = u->efd < 0 ? -errno : -EIO;
		if (u->efd >= 0)
			close(u->efd);
		u->efd = -1;
		io_uring_queue_exit(r);
		free(r);
		return rc;
	}
	u->ring = r;
	return 0;
}

void
vhd_uring_fini(struct vhd_uring *u)
{
	if (u->ring == NULL)
		return;
	io_uring_queue_exit(RING(u));
	free(u->ring);
	u->ring = NULL;
	close(u->efd);
	u->efd = -1;
}

/*
 * The kernel may take fewer entries than were queued (it stops at an entry it cannot
 * start, or when it runs short of memory) or none (-EBUSY, -EAGAIN): what it left stays
 * counted, and the next flush hands it over again. Counting it as gone would leave it
 * in the ring until some other submission came, and a guest waiting for it sends none.
 */
static void
flush_locked(struct vhd_uring *u)
{
	int n;

	if (u->unsubmitted == 0)
		return;
	n = io_uring_submit(RING(u));
	if (n > 0)
		__atomic_store_n(&u->unsubmitted,
				 (unsigned int)n >= u->unsubmitted ? 0 : u->unsubmitted - (unsigned int)n,
				 __ATOMIC_RELAXED);
}

bool
vhd_uring_flush(struct vhd_uring *u)
{
	bool left;

	if (u->ring == NULL || __atomic_load_n(&u->unsubmitted, __ATOMIC_RELAXED) == 0)
		return false;
	pthread_mutex_lock(&u->sq_lock);
	flush_locked(u);
	left = u->unsubmitted != 0;
	pthread_mutex_unlock(&u->sq_lock);
	return left;
}

void
vhd_uring_ack(struct vhd_uring *u)
{
	uint64_t v;

	if (u->efd >= 0 && read(u->efd, &v, sizeof(v)) < 0) {
		/* nothing pending */
	}
}

unsigned int
vhd_uring_reap(struct vhd_uring *u)
{
	struct io_uring_cqe *cqes[32];
	unsigned int n, i, total = 0;

	if (u->ring == NULL || __atomic_load_n(&u->inflight, __ATOMIC_ACQUIRE) == 0)
		return 0;
	do {
		n = io_uring_peek_batch_cqe(RING(u), cqes, 32);
		for (i = 0; i < n; i++) {
			struct vhd_io_slot *s = io_uring_cqe_get_data(cqes[i]);
			struct vhd_ioq *q = s->q;
			uint32_t tail = __atomic_load_n(&q->done_tail, __ATOMIC_RELAXED);

			s->res = cqes[i]->res;
			/* At most VHD_IO_DEPTH in flight: the FIFO cannot overflow. */
			q->done[tail % VHD_IO_DEPTH] = (uint16_t)(s - q->slot);
			__atomic_store_n(&q->done_tail, tail + 1, __ATOMIC_RELEASE);
		}
		io_uring_cq_advance(RING(u), n);
		__atomic_sub_fetch(&u->inflight, n, __ATOMIC_RELEASE);
		total += n;
	} while (n == 32);
	return total;
}

void
vhd_ioq_init(struct vhd_ioq *q, struct vhd_uring *u)
{
	unsigned int i;

	memset(q, 0, sizeof(*q));
	q->u = u;
	for (i = 0; i < VHD_IO_DEPTH; i++) {
		q->slot[i].q = q;
		q->slot[i].next_free = i + 1 < VHD_IO_DEPTH ? (uint16_t)(i + 1) : NO_SLOT;
	}
	q->free_head = 0;
}

/* @p io was checked: a known op. */
static void
prep(struct io_uring_sqe *sqe, const struct vhd_io *io)
{
	switch (io->op) {
	case VHD_IO_READV:
		io_uring_prep_readv(sqe, io->fd, io->iov, io->iovcnt, io->offset);
		break;
	case VHD_IO_WRITEV:
		io_uring_prep_writev(sqe, io->fd, io->iov, io->iovcnt, io->offset);
		break;
	case VHD_IO_FSYNC:
		io_uring_prep_fsync(sqe, io->fd, 0);
		break;
	case VHD_IO_FDATASYNC:
		io_uring_prep_fsync(sqe, io->fd, IORING_FSYNC_DATASYNC);
		break;
	case VHD_IO_FALLOCATE:
		io_uring_prep_fallocate(sqe, io->fd, io->mode, (off_t)io->offset, (off_t)io->len);
		break;
	case VHD_IO_POLL:
		io_uring_prep_poll_add(sqe, io->fd, io->poll_events);
		break;
	}
}

int
vhd_ioq_submit(struct vhd_ioq *q, struct vhd_io *io, bool flush)
{
	struct vhd_uring *u = q->u;
	struct io_uring_sqe *sqe;
	struct vhd_io_slot *s;

	if (u == NULL || u->ring == NULL)
		return -ENOSYS;
	if (io->cb == NULL || io->fd < 0 || (unsigned int)io->op > VHD_IO_POLL ||
	    ((io->op == VHD_IO_READV || io->op == VHD_IO_WRITEV) &&
	     (io->iov == NULL || io->iovcnt == 0 || io->iovcnt > 1024)))
		return -EINVAL;
	if (q->free_head == NO_SLOT)
		return -EAGAIN;
	s = &q->slot[q->free_head];
	pthread_mutex_lock(&u->sq_lock);
	sqe = io_uring_get_sqe(RING(u));
	if (sqe == NULL) {
		flush_locked(u);
		sqe = io_uring_get_sqe(RING(u));
	}
	if (sqe == NULL) {
		pthread_mutex_unlock(&u->sq_lock);
		return -EAGAIN;
	}
	prep(sqe, io);
	q->free_head = s->next_free;
	s->io = io;
	io_uring_sqe_set_data(sqe, s);
	__atomic_add_fetch(&q->inflight, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&u->inflight, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&u->unsubmitted, 1, __ATOMIC_RELAXED);
	if (flush)
		flush_locked(u);
	pthread_mutex_unlock(&u->sq_lock);
	return 0;
}

bool
vhd_ioq_has_done(const struct vhd_ioq *q)
{
	return __atomic_load_n(&q->done_tail, __ATOMIC_ACQUIRE) !=
	       __atomic_load_n(&q->done_head, __ATOMIC_RELAXED);
}

uint32_t
vhd_ioq_inflight(const struct vhd_ioq *q)
{
	return __atomic_load_n(&q->inflight, __ATOMIC_ACQUIRE);
}

unsigned int
vhd_ioq_complete(struct vhd_ioq *q)
{
	unsigned int n = 0;

	while (vhd_ioq_has_done(q)) {
		uint32_t head = q->done_head;
		struct vhd_io_slot *s = &q->slot[q->done[head % VHD_IO_DEPTH]];
		struct vhd_io *io = s->io;
		int res = s->res;

		__atomic_store_n(&q->done_head, head + 1, __ATOMIC_RELEASE);
		s->io = NULL;
		s->next_free = q->free_head;
		q->free_head = (uint16_t)(s - q->slot);
		__atomic_sub_fetch(&q->inflight, 1, __ATOMIC_RELEASE);
		io->cb(io->arg, res); /* may submit again: the slot is free already */
		n++;
	}
	return n;
}
