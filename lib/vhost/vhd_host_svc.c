/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * struct vhd_host's timer, io_submit, offload and config_changed services
 * on rte_vhost workers, and what a worker does for them: run due timers
 * and completions inside the device, submit and reap its io_uring, and
 * sleep no later than the earliest timer (an absolute timerfd, exact where
 * epoll's timeout would round and add timer slack).
 */

/* rte_vhost_slave_config_change() and the protocol feature query are
 * experimental in 22.11. */
#define ALLOW_EXPERIMENTAL_API 1

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_vhost.h>

#include "vhd_internal.h"

/* Ring entries per worker: room for a few devices' full depth at once. */
#define URING_ENTRIES 256
/* Timers run per device visit, so one re-arming in the past cannot spin. */
#define TIMERS_PER_VISIT 64
/* How long a queue stop waits for in-flight I/O and offloaded calls. */
#define DRAIN_TIMEOUT_NS (5ULL * 1000000000ULL)
/* a submission the kernel refused (-EBUSY, -EAGAIN) is offered again this soon */
#define URING_RETRY_NS 1000000ULL

uint64_t
vhd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int
watch(struct vhd_worker *w, int fd, struct vhd_ev *ev, enum vhd_ev_kind kind)
{
	struct epoll_event e = {.events = EPOLLIN};

	*ev = (struct vhd_ev){kind, NULL, 0};
	e.data.ptr = ev;
	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &e);
}

int
vhd_svc_worker_init(struct vhd_worker *w)
{
	int rc;

	w->timer_armed = UINT64_MAX;
	w->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->timer_fd < 0 || watch(w, w->timer_fd, &w->timer_ev, VHD_EV_TIMER) != 0)
		return -1;
	rc = vhd_uring_init(&w->uring, URING_ENTRIES);
	if (rc != 0) {
		/* Drivers get -ENOSYS from io_submit and fall back. */
		RTE_LOG(WARNING, USER1, "lcore %u: no io_uring (%s): async I/O unavailable\n",
			w->lcore, strerror(-rc));
		return 0;
	}
	return watch(w, w->uring.efd, &w->uring_ev, VHD_EV_URING) == 0 ? 0 : -1;
}

static void
offload_notify(void *ctx)
{
	struct vhd_dev *dev = ctx;

	/* Pairs with the fence in vhd_svc_worker_sleep(): either the worker
	 * sees our finished call before sleeping, or we see it asleep. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&dev->worker->asleep, __ATOMIC_RELAXED))
		vhd_worker_wake(dev->worker);
}

void
vhd_svc_dev_init(struct vhd_dev *dev)
{
	memset(&dev->timers, 0, sizeof(dev->timers));
	vhd_ioq_init(&dev->ioq, &dev->worker->uring);
	vhd_offq_init(&dev->offq, offload_notify, dev);
}

unsigned int
vhd_svc_run(struct vhd_dev *dev)
{
	unsigned int n = 0;

	if (dev->timers.n != 0 && vhd_theap_next(&dev->timers) <= vhd_now_ns())
		n += vhd_theap_run(&dev->timers, vhd_now_ns(), TIMERS_PER_VISIT);
	if (vhd_ioq_has_done(&dev->ioq))
		n += vhd_ioq_complete(&dev->ioq);
	if (vhd_offq_has_done(&dev->offq))
		n += vhd_offq_complete(&dev->offq);
	return n;
}

bool
vhd_svc_pending(struct vhd_dev *dev, uint64_t *deadline)
{
	uint64_t t = vhd_theap_next(&dev->timers);

	if (t < *deadline)
		*deadline = t;
	return vhd_ioq_has_done(&dev->ioq) || vhd_offq_has_done(&dev->offq);
}

void
vhd_svc_worker_turn(struct vhd_worker *w)
{
	vhd_uring_flush(&w->uring);
	vhd_uring_reap(&w->uring);
}

void
vhd_svc_worker_sleep(struct vhd_worker *w, uint64_t deadline)
{
	/* Submissions the kernel did not take: try again soon, not on the next request. */
	if (vhd_uring_flush(&w->uring)) {
		uint64_t soon = vhd_now_ns() + URING_RETRY_NS;

		if (soon < deadline)
			deadline = soon;
	}
	if (deadline != w->timer_armed) {
		struct itimerspec its;

		memset(&its, 0, sizeof(its));
		if (deadline != UINT64_MAX) {
			/* 0 would disarm: a due deadline fires at once instead */
			its.it_value.tv_sec = (time_t)(deadline / 1000000000ULL);
			its.it_value.tv_nsec = (long)(deadline % 1000000000ULL);
			if (deadline == 0)
				its.it_value.tv_nsec = 1;
		}
		if (timerfd_settime(w->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
			w->timer_armed = deadline;
	}
}

void
vhd_svc_worker_event(struct vhd_worker *w, enum vhd_ev_kind kind)
{
	uint64_t v;

	if (kind == VHD_EV_URING) {
		vhd_uring_ack(&w->uring);
		vhd_uring_reap(&w->uring);
	} else if (read(w->timer_fd, &v, sizeof(v)) == sizeof(v)) {
		w->timer_armed = UINT64_MAX; /* one-shot: it fired */
	}
}

void
vhd_svc_drain(struct vhd_dev *dev)
{
	uint64_t end = vhd_now_ns() + DRAIN_TIMEOUT_NS;
	struct timespec nap = {0, 50000};

	/* The worker keeps reaping while the device is paused; we run the
	 * callbacks here, before queue_stop(), so held requests finish with
	 * their real results and no I/O targets memory about to be unmapped. */
	for (;;) {
		vhd_ioq_complete(&dev->ioq);
		vhd_offq_complete(&dev->offq);
		if (vhd_ioq_inflight(&dev->ioq) == 0 && vhd_offq_outstanding(&dev->offq) == 0)
			return;
		if (vhd_now_ns() > end) {
			rte_log(RTE_LOG_ERR, dev->log_type,
				"%s: %u I/O and %u offloaded calls still running after 5 s\n",
				dev->path, vhd_ioq_inflight(&dev->ioq),
				vhd_offq_outstanding(&dev->offq));
			return;
		}
		vhd_worker_wake(dev->worker);
		nanosleep(&nap, NULL);
	}
}

void
vhd_svc_shutdown(void)
{
	vhd_offload_shutdown();
}

/* ---- struct vhd_host ---- */

static uint64_t
host_now_ns(struct vhd_host *host)
{
	(void)host;
	return vhd_now_ns();
}

static int
host_timer_arm(struct vhd_host *host, struct vhd_timer *t, uint64_t deadline_ns)
{
	struct vhd_dev *dev = host->ctx;

	if (t == NULL || t->cb == NULL)
		return -EINVAL;
	return vhd_theap_arm(&dev->timers, t, deadline_ns);
}

static void
host_timer_cancel(struct vhd_host *host, struct vhd_timer *t)
{
	struct vhd_dev *dev = host->ctx;

	if (t != NULL)
		vhd_theap_cancel(&dev->timers, t);
}

static int
host_io_submit(struct vhd_host *host, struct vhd_io *io)
{
	struct vhd_dev *dev = host->ctx;

	if (io == NULL)
		return -EINVAL;
	/* Off the worker (a control thread, device paused): nobody would
	 * submit it before the worker's next turn. */
	return vhd_ioq_submit(&dev->ioq, io, rte_lcore_id() != dev->worker->lcore);
}

static int
host_offload(struct vhd_host *host, vhd_work_fn work, vhd_done_fn done, void *arg)
{
	struct vhd_dev *dev = host->ctx;

	return vhd_offq_submit(&dev->offq, work, done, arg);
}

static int
host_config_changed(struct vhd_host *host)
{
	struct vhd_dev *dev = host->ctx;
	uint64_t pf = 0;
	int vid = __atomic_load_n(&dev->vid, __ATOMIC_ACQUIRE);
	struct pollfd p = {.fd = __atomic_load_n(&dev->msg.backend_fd, __ATOMIC_ACQUIRE),
			   .events = POLLOUT};

	/* Called inside the device: a disconnect waits for us to leave, so
	 * rte_vhost's device for vid stays alive meanwhile. */
	if (vid < 0)
		return -ENOTCONN;
	if (rte_vhost_get_negotiated_protocol_features(vid, &pf) != 0)
		return -ENOTCONN;
	if (!(pf & (1ULL << VHOST_USER_PROTOCOL_F_SLAVE_REQ)))
		return -ENOTSUP;
	/* rte_vhost's sendmsg() blocks on a full channel (a frontend that
	 * stopped reading it): skip this notification rather than the worker's
	 * turn; the guest reads the latest config at the next one it gets. */
	if (p.fd >= 0 && (poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT))) {
		dev->config_changes_skipped++;
		return -EAGAIN;
	}
	/* No reply wanted: waiting for the frontend would block the worker. */
	if (rte_vhost_slave_config_change(vid, false) != 0)
		return -EIO;
	dev->config_changes++;
	return 0;
}

void
vhd_svc_host_init(struct vhd_host *host)
{
	host->now_ns = host_now_ns;
	host->timer_arm = host_timer_arm;
	host->timer_cancel = host_timer_cancel;
	host->io_submit = host_io_submit;
	host->offload = host_offload;
	host->config_changed = host_config_changed;
}
