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

static int
rng_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct rng_dev *dev = priv;
	struct iovec iov[VHD_REQ_MAX_IOV];
	uint64_t want, grant;
	ssize_t got;
	int n;

	(void)q;
	(void)vq;
	if (req->wr_len == 0)
		return 0; /* nothing to fill; readable bytes are ignored */
	want = req->wr_len < RNG_MAX_FILL ? req->wr_len : RNG_MAX_FILL;
	grant = rng_limiter_take(&dev->lim, dev->now_ns(), want);
	if (grant == 0) {
		dev->stats.throttled++;
		dev->waiting = true;
		return VHD_REQ_RETRY;
	}
	n = clip(vhd_req_wr_iov(req), req->n_wr, grant, iov);
	do {
		got = dev->src.readv(dev->src.ctx, iov, n);
		if (got == 0 && dev->src.rewind != NULL && dev->src.rewind(dev->src.ctx) == 0)
			got = dev->src.readv(dev->src.ctx, iov, n);
	} while (got < 0 && errno == EINTR);
	if (got < 0 && errno == EAGAIN) {
		/* Nothing taken: give the budget back and come again. */
		dev->lim.used -= grant < dev->lim.used ? grant : dev->lim.used;
		dev->waiting = true;
		return VHD_REQ_RETRY;
	}
	dev->waiting = false;
	if (got < 0) {
		dev->stats.read_errors++;
		dev->lim.used -= grant < dev->lim.used ? grant : dev->lim.used;
		return 0;
	}
	if ((uint64_t)got < grant)
		dev->lim.used -= grant - (uint64_t)got;
	dev->stats.bytes += (uint64_t)got;
	return (int)got;
}

static uint64_t
rng_next_wake(void *priv)
{
	struct rng_dev *dev = priv;
	uint64_t ns;

	if (!dev->waiting)
		return 0;
	ns = rng_limiter_wait_ns(&dev->lim, dev->now_ns());
	/* Budget back but the source said EAGAIN: 0 would mean "never". */
	return ns != 0 ? ns : RNG_EAGAIN_WAIT_NS;
}

const struct vhd_device_ops rng_ops = {
	.name = "rng",
	.virtio_id = RNG_VIRTIO_ID,
	.num_queues = 1,
	.max_queue_size = 1024,
	.handle = rng_handle,
	.next_wake = rng_next_wake,
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
