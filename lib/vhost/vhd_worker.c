/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Worker lcores. Each services a fixed set of devices. A device in poll mode
 * keeps its worker spinning and tells the guest not to kick; interrupt mode
 * arms kicks and sleeps in epoll; hybrid polls for a while after the last
 * request, then sleeps like interrupt mode. Before sleeping, kicks are armed
 * and the rings re-checked, so no kick can be lost.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "vhd_internal.h"

/* Requests taken from one queue per visit, so devices sharing a worker
 * take turns.
 */
#define BURST 64
/* Poll-mode iterations between two looks at the worker's file descriptors:
 * often when a driver watches fds (line events, control sockets), seldom
 * otherwise (only wake-ups and stray kicks, which need no hurry).
 */
#define FD_POLL_EVERY_WATCHED 32
#define FD_POLL_EVERY 1024
#define MAX_EVENTS 32

volatile int vhd_stopping;

static struct vhd_worker workers[VHD_MAX_WORKERS];
static unsigned int nworkers;
static unsigned int next_rr;

static struct vhd_worker *
worker_for_lcore(unsigned int lcore)
{
	struct vhd_worker *w;
	struct epoll_event ev;
	unsigned int i;

	for (i = 0; i < nworkers; i++)
		if (workers[i].lcore == lcore)
			return &workers[i];
	if (nworkers == VHD_MAX_WORKERS)
		return NULL;
	w = &workers[nworkers];
	memset(w, 0, sizeof(*w));
	w->lcore = lcore;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->req = malloc(sizeof(*w->req));
	if (w->epfd < 0 || w->wake_fd < 0 || w->req == NULL)
		return NULL;
	w->wake_ev = (struct vhd_ev){VHD_EV_WAKE, NULL, 0};
	ev.events = EPOLLIN;
	ev.data.ptr = &w->wake_ev;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wake_fd, &ev) != 0 ||
	    vhd_svc_worker_init(w) != 0)
		return NULL;
	nworkers++;
	return w;
}

struct vhd_worker *
vhd_worker_assign(struct vhd_dev *dev, int lcore)
{
	unsigned int ids[RTE_MAX_LCORE], n = 0, id, pick;
	struct vhd_worker *w;

	RTE_LCORE_FOREACH_WORKER(id)
		ids[n++] = id;
	if (n == 0)
		ids[n++] = rte_get_main_lcore(); /* the main lcore serves */
	if (lcore >= 0) {
		for (pick = 0; pick < n; pick++)
			if (ids[pick] == (unsigned int)lcore)
				break;
		if (pick == n) {
			fprintf(stderr, "error: --worker-lcore %d is not a worker lcore of -l/--lcores\n",
				lcore);
			return NULL;
		}
	} else {
		pick = next_rr++ % n;
	}
	w = worker_for_lcore(ids[pick]);
	if (w == NULL || w->ndevs == VHD_MAX_DEVS) {
		fprintf(stderr, "error: cannot set up a worker on lcore %u\n", ids[pick]);
		return NULL;
	}
	w->devs[w->ndevs++] = dev;
	return w;
}

void
vhd_worker_wake(struct vhd_worker *w)
{
	uint64_t one = 1;

	if (w != NULL && write(w->wake_fd, &one, sizeof(one)) < 0) {
		/* counter full: the worker is awake anyway */
	}
}

void
vhd_worker_wake_all(void)
{
	unsigned int i;

	for (i = 0; i < nworkers; i++)
		vhd_worker_wake(&workers[i]);
}

bool
vhd_dev_enter(struct vhd_dev *dev)
{
	__atomic_store_n(&dev->busy, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&dev->pause, __ATOMIC_SEQ_CST) == 0)
		return true;
	__atomic_store_n(&dev->busy, 0, __ATOMIC_SEQ_CST);
	return false;
}

void
vhd_dev_leave(struct vhd_dev *dev)
{
	__atomic_store_n(&dev->busy, 0, __ATOMIC_RELEASE);
}

static unsigned int
service_queue(struct vhd_worker *w, struct vhd_dev *dev, uint16_t qi)
{
	struct vhd_queue *q = &dev->q[qi];
	struct vhd_vq *vq = &q->vq;
	struct vhd_req *req = w->req;
	unsigned int n = 0;

	while (n < BURST && vhd_vq_pop(vq, req) == 1) {
		int rc = vhd_device_serve(dev->ops, dev->priv, qi, vq, req);

		if (rc == VHD_REQ_RETRY) {
			vhd_vq_unpop(vq);
			q->retry = true;
			break;
		}
		q->retry = false;
		if (rc >= 0)
			vhd_vq_push(vq, req->id, (uint32_t)rc > req->wr_len ? req->wr_len :
								       (uint32_t)rc);
		n++;
	}
	if (n != 0)
		vq->stats.busy_polls++;
	else
		vq->stats.idle_polls++;
	/* Also publishes bad chains the engine returned while popping. */
	vhd_vq_notify(vq);
	return n;
}

/* Kicks off while awake: interrupt and hybrid arm them only to sleep. */
static bool
dev_polling(const struct vhd_dev *dev)
{
	return dev->opts.mode == VHD_MODE_POLL || !dev->sleeping;
}

static unsigned int
service_dev(struct vhd_worker *w, struct vhd_dev *dev, uint64_t now)
{
	unsigned int n = 0;
	uint16_t i;

	if (!vhd_dev_enter(dev))
		return 0;
	n += vhd_svc_run(dev);
	for (i = 0; i < dev->ops->num_queues; i++) {
		struct vhd_queue *q = &dev->q[i];

		if (q->state != VHD_Q_RUNNING)
			continue;
		if ((dev_polling(dev) || q->kick_fd < 0) && q->vq.kicks == VHD_VQ_KICKS_ON)
			vhd_vq_set_kicks(&q->vq, VHD_VQ_KICKS_OFF);
		n += service_queue(w, dev, i);
	}
	if (dev->ops->poll != NULL)
		dev->ops->poll(dev->priv);
	vhd_dev_leave(dev);
	if (n != 0) {
		dev->last_busy_tsc = now;
		vhd_spin_work(&dev->spin, now);
	} else {
		vhd_spin_idle(&dev->spin);
	}
	return n;
}

static void
dispatch(struct vhd_worker *w, const struct epoll_event *e)
{
	struct vhd_ev *ev = e->data.ptr;
	struct vhd_dev *dev = ev->dev;
	uint64_t v;

	switch (ev->kind) {
	case VHD_EV_WAKE:
		if (read(w->wake_fd, &v, sizeof(v)) < 0) {
			/* already drained */
		}
		return;
	case VHD_EV_KICK:
		if (!vhd_dev_enter(dev))
			return;
		if (dev->q[ev->idx].state == VHD_Q_RUNNING && dev->q[ev->idx].kick_fd >= 0 &&
		    read(dev->q[ev->idx].kick_fd, &v, sizeof(v)) == sizeof(v))
			dev->q[ev->idx].vq.stats.kicks++;
		vhd_dev_leave(dev);
		return;
	case VHD_EV_WATCH:
		if (!vhd_dev_enter(dev))
			return;
		if (dev->watch[ev->idx].fd >= 0)
			dev->watch[ev->idx].cb(dev->watch[ev->idx].arg, dev->watch[ev->idx].fd,
					       e->events);
		vhd_dev_leave(dev);
		return;
	case VHD_EV_URING:
	case VHD_EV_TIMER:
		vhd_svc_worker_event(w, ev->kind);
		return;
	}
}

static void
poll_fds(struct vhd_worker *w, const struct timespec *timeout)
{
	struct epoll_event evs[MAX_EVENTS];
	int n, i;

	n = epoll_pwait2(w->epfd, evs, MAX_EVENTS, timeout, NULL);
	for (i = 0; i < n; i++)
		dispatch(w, &evs[i]);
}

static bool
dev_has_running_queue(const struct vhd_dev *dev)
{
	uint16_t i;

	for (i = 0; i < dev->ops->num_queues; i++)
		if (__atomic_load_n(&dev->q[i].state, __ATOMIC_RELAXED) == VHD_Q_RUNNING)
			return true;
	return false;
}

/* Arm kicks on every device; false when one of them must keep polling or
 * work arrived meanwhile. Sets @wake_ns to the earliest next_wake() and
 * @deadline to the earliest timer.
 */
static bool
ready_to_sleep(struct vhd_worker *w, uint64_t now, uint64_t *wake_ns, uint64_t *deadline)
{
	uint64_t hz = rte_get_tsc_hz();
	bool pending = false;
	unsigned int d;
	uint16_t i;

	*wake_ns = 0;
	*deadline = UINT64_MAX;
	for (d = 0; d < w->ndevs; d++) {
		struct vhd_dev *dev = w->devs[d];

		/* Nothing to poll without a running queue: starting one wakes us. */
		if (dev->opts.mode == VHD_MODE_POLL && dev_has_running_queue(dev))
			return false;
		if (vhd_dev_must_poll(dev)) /* a ring without kick fd */
			return false;
		if (dev->opts.mode == VHD_MODE_HYBRID &&
		    now - dev->last_busy_tsc < hz / 1000000 * dev->opts.hybrid_us)
			return false;
		/* interrupt: the next request may be about to come (vhd_spin.h) */
		if (dev->opts.mode == VHD_MODE_INTERRUPT && vhd_spin_keep(&dev->spin, now))
			return false;
	}
	/* From here helpers finishing a call wake us (see offload_notify()). */
	__atomic_store_n(&w->asleep, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (d = 0; d < w->ndevs && !pending; d++) {
		struct vhd_dev *dev = w->devs[d];
		uint64_t ns;

		if (!vhd_dev_enter(dev))
			continue; /* paused: resuming it wakes us */
		dev->sleeping = true;
		/* A wake() since the last turn (say from an fd callback run by
		 * poll_fds() after the queues were served): retried queues get
		 * another turn instead of a sleep nothing would end. */
		if (__atomic_exchange_n(&dev->woken, false, __ATOMIC_ACQ_REL))
			pending = true;
		for (i = 0; i < dev->ops->num_queues; i++) {
			struct vhd_queue *q = &dev->q[i];

			if (q->state == VHD_Q_RUNNING &&
			    vhd_vq_set_kicks(&q->vq, VHD_VQ_KICKS_ON) && !q->retry)
				pending = true;
		}
		if (vhd_svc_pending(dev, deadline))
			pending = true;
		ns = dev->ops->next_wake != NULL ? dev->ops->next_wake(dev->priv) : 0;
		if (ns != 0 && (*wake_ns == 0 || ns < *wake_ns))
			*wake_ns = ns;
		vhd_dev_leave(dev);
	}
	if (pending) {
		for (d = 0; d < w->ndevs; d++)
			w->devs[d]->sleeping = false;
		__atomic_store_n(&w->asleep, 0, __ATOMIC_RELAXED);
	}
	return !pending;
}

static void
sleep_once(struct vhd_worker *w, uint64_t wake_ns, uint64_t deadline)
{
	struct timespec ts = {(time_t)(wake_ns / 1000000000), (long)(wake_ns % 1000000000)};
	unsigned int d;
	uint64_t now;

	w->sleeps++;
	for (d = 0; d < w->ndevs; d++)
		vhd_spin_sleep(&w->devs[d]->spin);
	vhd_svc_worker_sleep(w, deadline);
	poll_fds(w, wake_ns != 0 ? &ts : NULL);
	__atomic_store_n(&w->asleep, 0, __ATOMIC_RELAXED);
	now = rte_rdtsc();
	for (d = 0; d < w->ndevs; d++) {
		w->devs[d]->sleeping = false;
		/* hybrid: a wake-up opens a new polling window */
		w->devs[d]->last_busy_tsc = now;
	}
}

int
vhd_worker_loop(void *arg)
{
	static const struct timespec zero;
	struct vhd_worker *w = arg;
	uint64_t iter = 0, wake_ns, deadline;

	while (!vhd_stopping) {
		uint64_t now = rte_rdtsc();
		unsigned int d, n = 0;

		for (d = 0; d < w->ndevs; d++)
			n += service_dev(w, w->devs[d], now);
		vhd_svc_worker_turn(w);
		if (++iter % (__atomic_load_n(&w->nwatch, __ATOMIC_RELAXED) != 0 ?
			      FD_POLL_EVERY_WATCHED : FD_POLL_EVERY) == 0)
			poll_fds(w, &zero);
		if (n != 0)
			continue;
		if (ready_to_sleep(w, now, &wake_ns, &deadline))
			sleep_once(w, wake_ns, deadline);
	}
	return 0;
}

void
vhd_workers_launch(void)
{
	unsigned int i;

	for (i = 0; i < nworkers; i++)
		if (workers[i].lcore != rte_get_main_lcore())
			rte_eal_remote_launch(vhd_worker_loop, &workers[i], workers[i].lcore);
}

void
vhd_workers_join(void)
{
	rte_eal_mp_wait_lcore();
}

struct vhd_worker *
vhd_main_worker(void)
{
	unsigned int i;

	for (i = 0; i < nworkers; i++)
		if (workers[i].lcore == rte_get_main_lcore())
			return &workers[i];
	return NULL;
}
