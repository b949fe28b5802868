/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "template.h"

void
template_dev_init(struct template_dev *dev, uint32_t notify_every)
{
	unsigned int i;

	memset(dev, 0, sizeof(*dev));
	dev->notify_every = notify_every != 0 ? notify_every : TEMPLATE_NOTIFY_EVERY;
	for (i = 0; i < TEMPLATE_MAX_HELD; i++)
		dev->held[i].dev = dev;
}

/* One more request answered: every notify_every of them the config space
 * shows the new count and the frontend is told (the guest reads it again).
 */
static void
answered(struct template_dev *dev)
{
	dev->stats.requests++;
	dev->count++;
	if (dev->count % dev->notify_every != 0)
		return;
	/* get_config() may run on the control thread right now */
	__atomic_store_n(&dev->config_requests, (uint32_t)dev->count, __ATOMIC_RELEASE);
	if (dev->host != NULL && dev->host->config_changed != NULL &&
	    dev->host->config_changed(dev->host) == 0)
		dev->stats.config_events++;
}

/* Write @p st into the last writable byte. @return the used length. */
static int
finish(struct template_dev *dev, struct vhd_req *req, uint8_t st)
{
	vhd_req_write(req, req->wr_len - 1, &st, 1);
	if (st == TEMPLATE_S_FAIL)
		dev->stats.failed++;
	else if (st == TEMPLATE_S_BADREQ)
		dev->stats.bad++;
	answered(dev);
	return (int)req->wr_len;
}

static int
do_echo(struct template_dev *dev, struct vhd_req *req)
{
	uint8_t buf[TEMPLATE_MAX_ECHO];
	uint32_t n = req->rd_len - (uint32_t)sizeof(struct template_req_hdr);
	uint32_t i;

	/* the reply fills the writable part exactly: payload, then status */
	if (n > TEMPLATE_MAX_ECHO || req->wr_len != n + 1)
		return finish(dev, req, TEMPLATE_S_BADREQ);
	vhd_req_read(req, sizeof(struct template_req_hdr), buf, n);
	for (i = 0; i < n / 2; i++) {
		uint8_t t = buf[i];

		buf[i] = buf[n - 1 - i];
		buf[n - 1 - i] = t;
	}
	vhd_req_write(req, 0, buf, n);
	dev->stats.echo_bytes += n;
	return finish(dev, req, TEMPLATE_S_OK);
}

static int
do_count(struct template_dev *dev, struct vhd_req *req)
{
	uint64_t v;

	if (req->wr_len != sizeof(v) + 1)
		return finish(dev, req, TEMPLATE_S_BADREQ);
	v = htole64(dev->count + 1); /* this request included */
	vhd_req_write(req, 0, &v, sizeof(v));
	return finish(dev, req, TEMPLATE_S_OK);
}

/* The timer of a held DELAY request: complete it now. */
static void
delay_done(void *arg)
{
	struct template_held *h = arg;

	h->busy = false;
	h->dev->stats.delayed++;
	answered(h->dev);
	vhd_vq_push(h->vq, h->id, 1);
	vhd_vq_notify(h->vq);
}

/* The status byte's address (the last byte of the last writable segment:
 * the engine keeps no empty segments), so that queue_stop() can fail a held
 * request after handle() returned.
 */
static uint8_t *
status_byte(struct vhd_req *req)
{
	struct iovec *iov = vhd_req_wr_iov(req);

	return (uint8_t *)iov[req->n_wr - 1].iov_base + iov[req->n_wr - 1].iov_len - 1;
}

static int
do_delay(struct template_dev *dev, struct vhd_vq *vq, struct vhd_req *req, uint32_t us)
{
	struct template_held *h = NULL;
	unsigned int i;

	if (req->wr_len != 1 || req->rd_len != sizeof(struct template_req_hdr) ||
	    us > TEMPLATE_MAX_DELAY_US)
		return finish(dev, req, TEMPLATE_S_BADREQ);
	if (dev->host == NULL || dev->host->timer_arm == NULL)
		return finish(dev, req, TEMPLATE_S_FAIL);
	for (i = 0; i < TEMPLATE_MAX_HELD && h == NULL; i++)
		if (!dev->held[i].busy)
			h = &dev->held[i];
	if (h == NULL)
		return VHD_REQ_RETRY; /* a timer frees a slot; the worker comes back */
	h->timer.cb = delay_done;
	h->timer.arg = h;
	if (dev->host->timer_arm(dev->host, &h->timer,
				 dev->host->now_ns(dev->host) + (uint64_t)us * 1000u) != 0)
		return finish(dev, req, TEMPLATE_S_FAIL);
	/* the reply is written now; the guest sees it when the timer pushes it */
	*status_byte(req) = TEMPLATE_S_OK;
	h->status = status_byte(req);
	h->vq = vq;
	h->id = req->id;
	h->busy = true;
	return VHD_REQ_HELD;
}

static int
template_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct template_dev *dev = priv;
	struct template_req_hdr h;

	(void)q;
	if (req->wr_len == 0) {
		dev->stats.dropped++; /* nowhere to put a status */
		return 0;
	}
	if (vhd_req_read(req, 0, &h, sizeof(h)) != sizeof(h) || h.reserved != 0)
		return finish(dev, req, TEMPLATE_S_BADREQ);
	switch (le16toh(h.type)) {
	case TEMPLATE_REQ_ECHO:
		return h.arg != 0 ? finish(dev, req, TEMPLATE_S_BADREQ) : do_echo(dev, req);
	case TEMPLATE_REQ_COUNT:
		if (h.arg != 0 || req->rd_len != sizeof(h))
			return finish(dev, req, TEMPLATE_S_BADREQ);
		return do_count(dev, req);
	case TEMPLATE_REQ_FAIL:
		if (h.arg != 0 || req->rd_len != sizeof(h) || req->wr_len != 1)
			return finish(dev, req, TEMPLATE_S_BADREQ);
		return finish(dev, req, TEMPLATE_S_FAIL);
	case TEMPLATE_REQ_DELAY:
		if (!dev->delay_ok)
			return finish(dev, req, TEMPLATE_S_BADREQ);
		return do_delay(dev, vq, req, le32toh(h.arg));
	default:
		return finish(dev, req, TEMPLATE_S_BADREQ);
	}
}

static void
template_queue_stop(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct template_dev *dev = priv;
	unsigned int i;

	(void)q;
	/* Held requests end now, failed: their buffers go away after this. */
	for (i = 0; i < TEMPLATE_MAX_HELD; i++) {
		struct template_held *h = &dev->held[i];

		if (!h->busy || h->vq != vq)
			continue;
		dev->host->timer_cancel(dev->host, &h->timer);
		*h->status = TEMPLATE_S_FAIL;
		h->busy = false;
		dev->stats.failed++;
		answered(dev);
		vhd_vq_push(vq, h->id, 1);
	}
	vhd_vq_notify(vq);
}

static void
template_set_features(void *priv, uint64_t features)
{
	((struct template_dev *)priv)->delay_ok = (features & (1ULL << TEMPLATE_F_DELAY)) != 0;
}

static void
template_reset(void *priv)
{
	struct template_dev *dev = priv;

	/* a new frontend sees a fresh device; telemetry keeps counting */
	dev->count = 0;
	__atomic_store_n(&dev->config_requests, 0, __ATOMIC_RELEASE);
}

static int
template_get_config(void *priv, uint8_t *buf, uint32_t off, uint32_t len)
{
	struct template_dev *dev = priv;
	struct template_config c = {
		.version = htole32(TEMPLATE_CONFIG_VERSION),
		.requests = htole32(__atomic_load_n(&dev->config_requests, __ATOMIC_ACQUIRE)),
	};

	if (off > sizeof(c) || len > sizeof(c) - off)
		return -EINVAL;
	memcpy(buf, (const uint8_t *)&c + off, len);
	return 0;
}

static void
template_attach(void *priv, struct vhd_host *host)
{
	((struct template_dev *)priv)->host = host;
}

static void
template_get_stats(void *priv, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	const struct template_dev *dev = priv;

	put(ctx, "requests", dev->stats.requests);
	put(ctx, "echo_bytes", dev->stats.echo_bytes);
	put(ctx, "failed", dev->stats.failed);
	put(ctx, "bad", dev->stats.bad);
	put(ctx, "dropped", dev->stats.dropped);
	put(ctx, "delayed", dev->stats.delayed);
	put(ctx, "config_events", dev->stats.config_events);
}

const struct vhd_device_ops template_ops = {
	.name = "template",
	.virtio_id = TEMPLATE_VIRTIO_ID,
	.num_queues = 1,
	.max_queue_size = 1024,
	.features = 1ULL << TEMPLATE_F_DELAY,
	.config_size = sizeof(struct template_config),
	.attach = template_attach,
	.get_config = template_get_config,
	.reset = template_reset,
	.set_features = template_set_features,
	.queue_stop = template_queue_stop,
	.handle = template_handle,
	.get_stats = template_get_stats,
};
