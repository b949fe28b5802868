/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"

/* A source with nothing to give now (EAGAIN) is retried after this. */
#define RNG_EAGAIN_WAIT_NS 1000000ull

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
rng_dev_init(struct rng_dev *dev, const struct rng_source *src, uint64_t period_ms,
	     uint64_t max_bytes)
{
	memset(dev, 0, sizeof(*dev));
	dev->async_fd = -1;
	dev->src = *src;
	dev->now_ns = mono_ns;
	rng_limiter_init(&dev->lim, period_ms * 1000000ull, max_bytes, mono_ns());
}

/* Clip @p in to its first @p len bytes. */
static int
clip(const struct iovec *in, unsigned int n, size_t len, struct iovec *out)
{
	unsigned int i;
	int k = 0;

	for (i = 0; i < n && len > 0; i++) {
		out[k].iov_base = in[i].iov_base;
		out[k].iov_len = in[i].iov_len < len ? in[i].iov_len : len;
		len -= out[k].iov_len;
		k++;
	}
	return k;
}

/* One read from the source, through EINTR and end of file.
 * @return bytes read, or -errno.
 */
static ssize_t
src_read(struct rng_dev *dev, const struct iovec *iov, int n)
{
	ssize_t got;

	do {
		got = dev->src.readv(dev->src.ctx, iov, n);
		if (got == 0 && dev->src.rewind != NULL && dev->src.rewind(dev->src.ctx) == 0)
			got = dev->src.readv(dev->src.ctx, iov, n);
	} while (got < 0 && errno == EINTR);
	return got < 0 ? -errno : got;
}

/* Serve @p want bytes from the pool, refilling it with one large read when
 * it runs short: small requests then cost no system call. The source's
 * bytes still reach the guest once each and in order.
 * @return bytes written to @p req, or -errno when the pool is empty.
 */
static ssize_t
pool_serve(struct rng_dev *dev, struct vhd_req *req, uint64_t want)
{
	uint32_t left = dev->pool_len - dev->pool_off;

	if (left < want) {
		struct iovec iov;
		ssize_t got;

		memmove(dev->pool, dev->pool + dev->pool_off, left);
		dev->pool_off = 0;
		dev->pool_len = left;
		iov.iov_base = dev->pool + left;
		iov.iov_len = sizeof(dev->pool) - left;
		got = src_read(dev, &iov, 1);
		if (got > 0)
			dev->pool_len += (uint32_t)got;
		else if (left == 0)
			return got < 0 ? got : -EIO;
		left = dev->pool_len;
	}
	if (want > left)
		want = left;
	vhd_req_write(req, 0, dev->pool + dev->pool_off, want);
	dev->pool_off += (uint32_t)want;
	return (ssize_t)want;
}

/* The host's clock when attached (timer deadlines use it), else ours. */
static uint64_t
rng_now(struct rng_dev *dev)
{
	return dev->host != NULL ? dev->host->now_ns(dev->host) : dev->now_ns();
}

static void
rng_wait_over(void *arg)
{
	/* The worker retries the request on this same turn. */
	((struct rng_dev *)arg)->timer_armed = false;
}

static uint64_t
rng_wait_ns(struct rng_dev *dev, uint64_t now)
{
	uint64_t ns = rng_limiter_wait_ns(&dev->lim, now);

	/* Budget back but the source said EAGAIN: 0 would mean "never". */
	return ns != 0 ? ns : RNG_EAGAIN_WAIT_NS;
}

/* Leave the request on the ring until budget or data is back: on a host
 * timer when there is one, else the host polls next_wake(). */
static int
rng_wait(struct rng_dev *dev, uint64_t now)
{
	dev->waiting = true;
	if (dev->host != NULL && !dev->timer_armed &&
	    dev->host->timer_arm(dev->host, &dev->wait_timer, now + rng_wait_ns(dev, now)) == 0)
		dev->timer_armed = true;
	return VHD_REQ_RETRY;
}

static void
give_back(struct rng_dev *dev, uint64_t bytes)
{
	dev->lim.used -= bytes < dev->lim.used ? bytes : dev->lim.used;
}

static void rng_async_done(void *arg, int res);

static int
rng_async_submit(struct rng_async *a)
{
	a->io = (struct vhd_io){.op = VHD_IO_READV, .fd = a->dev->async_fd, .iov = a->iov,
				.iovcnt = a->n_iov, .offset = UINT64_MAX, .cb = rng_async_done,
				.arg = a};
	return a->dev->host->io_submit(a->dev->host, &a->io);
}

/* On the worker: the read into the guest's buffers is done. */
static void
rng_async_done(void *arg, int res)
{
	struct rng_async *a = arg;
	struct rng_dev *dev = a->dev;

	if (res == 0 && !a->rewound && lseek(dev->async_fd, 0, SEEK_SET) == 0) {
		a->rewound = true; /* end of file: start over, like the read() path */
		if (rng_async_submit(a) == 0)
			return;
	}
	if (res < 0) {
		dev->stats.read_errors++;
		res = 0;
	}
	give_back(dev, a->grant - (uint64_t)res);
	dev->stats.bytes += (uint64_t)res;
	a->busy = false;
	vhd_vq_push(a->vq, a->id, (uint32_t)res);
	vhd_vq_notify(a->vq);
}

/* Hand a large request to io_submit. @return VHD_REQ_HELD, or 1 to use read(). */
static int
rng_async_read(struct rng_dev *dev, struct vhd_vq *vq, struct vhd_req *req, uint64_t grant)
{
	struct rng_async *a = NULL;
	unsigned int i;
	int rc;

	for (i = 0; i < RNG_ASYNC_SLOTS && a == NULL; i++)
		if (!dev->async[i].busy)
			a = &dev->async[i];
	if (a == NULL)
		return VHD_REQ_RETRY; /* a completion frees a slot and wakes us */
	a->dev = dev;
	a->vq = vq;
	a->id = req->id;
	a->grant = grant;
	a->rewound = false;
	a->n_iov = (unsigned int)clip(vhd_req_wr_iov(req), req->n_wr, grant, a->iov);
	rc = rng_async_submit(a);
	if (rc == -EAGAIN)
		return VHD_REQ_RETRY;
	if (rc != 0)
		return 1;
	a->busy = true;
	dev->stats.async_reads++;
	return VHD_REQ_HELD;
}

static int
rng_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct rng_dev *dev = priv;
	struct iovec iov[VHD_REQ_MAX_IOV];
	uint64_t want, grant, now;
	ssize_t got;

	(void)q;
	(void)vq;
	if (req->wr_len == 0)
		return 0; /* nothing to fill; readable bytes are ignored */
	if (dev->timer_armed)
		return VHD_REQ_RETRY; /* a polling worker asks every turn: not yet */
	now = rng_now(dev);
	want = req->wr_len < RNG_MAX_FILL ? req->wr_len : RNG_MAX_FILL;
	grant = rng_limiter_take(&dev->lim, now, want);
	if (grant == 0) {
		/* Once per wait: a polling worker asks again every turn. */
		if (!dev->waiting)
			dev->stats.throttled++;
		return rng_wait(dev, now);
	}
	if (grant > RNG_POOL_SMALL && dev->async != NULL && dev->host != NULL) {
		int rc = rng_async_read(dev, vq, req, grant);

		if (rc == VHD_REQ_HELD)
			return rc;
		if (rc == VHD_REQ_RETRY) {
			give_back(dev, grant);
			return rc;
		}
	}
	if (grant <= RNG_POOL_SMALL)
		got = pool_serve(dev, req, grant);
	else
		got = src_read(dev, iov, clip(vhd_req_wr_iov(req), req->n_wr, grant, iov));
	if (got == -EAGAIN) {
		/* Nothing taken: give the budget back and come again. */
		give_back(dev, grant);
		return rng_wait(dev, now);
	}
	dev->waiting = false;
	if (got < 0) {
		dev->stats.read_errors++;
		give_back(dev, grant);
		return 0;
	}
	give_back(dev, grant - (uint64_t)got);
	dev->stats.bytes += (uint64_t)got;
	return (int)got;
}

static uint64_t
rng_next_wake(void *priv)
{
	struct rng_dev *dev = priv;

	/* With a host timer armed the host needs no polling. */
	if (!dev->waiting || dev->timer_armed)
		return 0;
	return rng_wait_ns(dev, rng_now(dev));
}

static void
rng_attach(void *priv, struct vhd_host *host)
{
	struct rng_dev *dev = priv;

	dev->host = host->timer_arm != NULL && host->now_ns != NULL ? host : NULL;
	if (dev->host == NULL || host->io_submit == NULL) {
		free(dev->async); /* no io_submit: read() */
		dev->async = NULL;
	}
	dev->wait_timer.cb = rng_wait_over;
	dev->wait_timer.arg = dev;
}

static void
rng_get_stats(void *priv, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	const struct rng_dev *dev = priv;

	put(ctx, "bytes", dev->stats.bytes);
	put(ctx, "read_errors", dev->stats.read_errors);
	put(ctx, "throttled", dev->stats.throttled);
	put(ctx, "async_reads", dev->stats.async_reads);
}

const struct vhd_device_ops rng_ops = {
	.name = "rng",
	.virtio_id = RNG_VIRTIO_ID,
	.num_queues = 1,
	.max_queue_size = 1024,
	.attach = rng_attach,
	.handle = rng_handle,
	.next_wake = rng_next_wake,
	.get_stats = rng_get_stats,
};

static ssize_t
fd_readv(void *ctx, const struct iovec *iov, int n)
{
	return readv((int)(intptr_t)ctx, iov, n);
}

static int
fd_rewind(void *ctx)
{
	return lseek((int)(intptr_t)ctx, 0, SEEK_SET) == 0 ? 0 : -1;
}

int
rng_source_open_file(struct rng_source *src, const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	src->readv = fd_readv;
	src->rewind = fd_rewind;
	src->ctx = (void *)(intptr_t)fd;
	return 0;
}

void
rng_source_close(struct rng_source *src)
{
	if (src->readv == fd_readv)
		close((int)(intptr_t)src->ctx);
	src->readv = NULL;
}

int
rng_source_fd(const struct rng_source *src)
{
	return src->readv == fd_readv ? (int)(intptr_t)src->ctx : -1;
}

int
rng_dev_use_async(struct rng_dev *dev, int fd)
{
	dev->async = calloc(RNG_ASYNC_SLOTS, sizeof(*dev->async));
	if (dev->async == NULL)
		return -ENOMEM;
	dev->async_fd = fd;
	return 0;
}

void
rng_dev_fini(struct rng_dev *dev)
{
	free(dev->async);
	dev->async = NULL;
}
