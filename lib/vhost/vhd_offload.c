/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Helper threads for blocking calls (ioctls with no async form). A device
 * with calls to run sits on one ready list; a helper takes it, runs its
 * oldest call, and puts it back at the tail when more are queued, so one
 * device's calls run one at a time in order and devices take turns.
 * Helpers start on demand, up to VHD_OFFLOAD_MAX_THREADS, and sleep on a
 * condition variable when there is nothing to do (no polling).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vhd_services.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct vhd_offq *head, *tail;
	pthread_t tid[VHD_OFFLOAD_MAX_THREADS];
	unsigned int nthreads;
	unsigned int idle;
	bool stop;
} pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

/* Pool locked. */
static void
ready_push(struct vhd_offq *q)
{
	q->next = NULL;
	if (pool.tail != NULL)
		pool.tail->next = q;
	else
		pool.head = q;
	pool.tail = q;
}

static void *
helper(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&pool.lock);
	while (!pool.stop) {
		struct vhd_offload_job *j;
		struct vhd_offq *q = pool.head;
		bool more;
		int res;

		if (q == NULL) {
			pool.idle++;
			pthread_cond_wait(&pool.cond, &pool.lock);
			pool.idle--;
			continue;
		}
		pool.head = q->next;
		if (pool.head == NULL)
			pool.tail = NULL;
		pthread_mutex_unlock(&pool.lock);

		/* Only the helper holding a queued device touches job[ran]. */
		j = &q->job[q->ran % VHD_OFFLOAD_DEPTH];
		res = j->work(j->arg);
		pthread_mutex_lock(&q->lock);
		j->res = res;
		q->ran++;
		more = q->ran != q->sub;
		q->queued = more;
		pthread_mutex_unlock(&q->lock);
		q->notify(q->notify_ctx);

		pthread_mutex_lock(&pool.lock);
		if (more)
			ready_push(q);
	}
	pthread_mutex_unlock(&pool.lock);
	return NULL;
}

void
vhd_offq_init(struct vhd_offq *q, void (*notify)(void *ctx), void *ctx)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->lock, NULL);
	q->notify = notify;
	q->notify_ctx = ctx;
}

int
vhd_offq_submit(struct vhd_offq *q, vhd_work_fn work, vhd_done_fn done, void *arg)
{
	struct vhd_offload_job *j;
	bool schedule;
	int rc = 0;

	if (work == NULL || done == NULL)
		return -EINVAL;
	pthread_mutex_lock(&q->lock);
	if (q->sub - q->done >= VHD_OFFLOAD_DEPTH) {
		pthread_mutex_unlock(&q->lock);
		return -EAGAIN;
	}
	j = &q->job[q->sub % VHD_OFFLOAD_DEPTH];
	j->work = work;
	j->done = done;
	j->arg = arg;
	j->res = 0;
	q->sub++;
	schedule = !q->queued;
	q->queued = true;
	pthread_mutex_unlock(&q->lock);
	if (!schedule)
		return 0;
	pthread_mutex_lock(&pool.lock);
	if (pool.stop) {
		rc = -ESHUTDOWN;
	} else {
		ready_push(q);
		if (pool.idle == 0 && pool.nthreads < VHD_OFFLOAD_MAX_THREADS &&
		    pthread_create(&pool.tid[pool.nthreads], NULL, helper, NULL) == 0)
			pool.nthreads++;
		if (pool.nthreads == 0)
			rc = -EAGAIN; /* no thread at all: cannot run it */
		else
			pthread_cond_signal(&pool.cond);
	}
	if (rc != 0) {
		if (pool.tail == q) { /* not started: take it back */
			struct vhd_offq **pp = &pool.head, *prev = NULL;

			while (*pp != q) {
				prev = *pp;
				pp = &(*pp)->next;
			}
			*pp = NULL;
			pool.tail = prev;
		}
		pthread_mutex_lock(&q->lock);
		q->sub--;
		q->queued = false;
		pthread_mutex_unlock(&q->lock);
	}
	pthread_mutex_unlock(&pool.lock);
	return rc;
}

bool
vhd_offq_has_done(struct vhd_offq *q)
{
	return __atomic_load_n(&q->ran, __ATOMIC_ACQUIRE) != q->done;
}

uint32_t
vhd_offq_outstanding(struct vhd_offq *q)
{
	uint32_t n;

	pthread_mutex_lock(&q->lock);
	n = q->sub - q->done;
	pthread_mutex_unlock(&q->lock);
	return n;
}

unsigned int
vhd_offq_complete(struct vhd_offq *q)
{
	unsigned int n = 0;

	for (;;) {
		struct vhd_offload_job j;

		pthread_mutex_lock(&q->lock);
		if (q->done == q->ran) {
			pthread_mutex_unlock(&q->lock);
			return n;
		}
		j = q->job[q->done % VHD_OFFLOAD_DEPTH];
		q->done++;
		pthread_mutex_unlock(&q->lock);
		j.done(j.arg, j.res); /* may offload again */
		n++;
	}
}

void
vhd_offload_shutdown(void)
{
	unsigned int i, n;

	pthread_mutex_lock(&pool.lock);
	pool.stop = true;
	n = pool.nthreads;
	pthread_cond_broadcast(&pool.cond);
	pthread_mutex_unlock(&pool.lock);
	for (i = 0; i < n; i++) {
		struct timespec ts;

		/* A call that never returns (a hung ioctl) must not hang the exit. */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 2;
		if (pthread_timedjoin_np(pool.tid[i], NULL, &ts) != 0)
			pthread_detach(pool.tid[i]);
	}
	pthread_mutex_lock(&pool.lock);
	pool.nthreads = 0;
	pool.head = pool.tail = NULL;
	pool.stop = false;
	pthread_mutex_unlock(&pool.lock);
}
