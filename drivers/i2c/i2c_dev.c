/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <stdlib.h>
#include <string.h>

#include "i2c_dev.h"

static void
i2c_held_free(struct i2c_held *h)
{
	free(h->msg.buf);
	free(h->wr_iov);
	memset(h, 0, sizeof(*h));
}

static void
i2c_drop_held(struct i2c_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->n_held; i++)
		i2c_held_free(&d->held[i]);
	d->n_held = 0;
}

/* Runs @p held[0..n) in order, one transfer per run of messages on the same adapter
 * (normally the whole group). Returns how many leading messages succeeded. Touches only
 * the held messages, the map and @p job's counters: it may run on a helper thread.
 */
static unsigned int
i2c_run_held(const struct i2c_map *map, struct i2c_held *held, unsigned int n,
	     struct i2c_job *job)
{
	struct i2c_xfer_msg msgs[I2C_XFER_MAX_MSGS];
	unsigned int i = 0, j, done, k;

	/* a refused request ends what reaches the bus: it and those after it fail */
	for (k = 0; k < n; k++)
		if (held[k].refused)
			break;
	n = k;
	while (i < n) {
		struct i2c_adapter *ad = i2c_map_lookup(map, held[i].msg.addr);

		for (j = i; j < n; j++) {
			if (i2c_map_lookup(map, held[j].msg.addr) != ad)
				break;
			msgs[j - i] = held[j].msg;
		}
		/* msgs[] shares the held buffers: read data lands where i2c_reply_held() looks */
		job->xfers++;
		if (i2c_adapter_xfer(ad, msgs, j - i, &done) != 0) {
			job->xfer_errors++;
			return i + done;
		}
		i = j;
	}
	return n;
}

/* Does the held group need a bus that may block? */
static bool
i2c_held_blocking(const struct i2c_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->n_held && !d->held[i].refused; i++)
		if (i2c_map_lookup(d->map, d->held[i].msg.addr)->ops->blocking)
			return true;
	return false;
}

/* Writes the reply of a held request; returns its used length. */
static uint32_t
i2c_reply_held(struct i2c_dev *d, struct i2c_held *h, bool ok)
{
	uint8_t st = ok ? VIRTIO_I2C_MSG_OK : VIRTIO_I2C_MSG_ERR;
	uint32_t used = 1;

	if (ok && h->msg.read && h->msg.len > 0) {
		vhd_iov_from_buf(h->wr_iov, h->n_wr, 0, h->msg.buf, h->msg.len);
		used = h->wr_len;
	}
	vhd_iov_from_buf(h->wr_iov, h->n_wr, h->wr_len - 1, &st, 1);
	if (ok)
		d->stats.msg_ok++;
	else
		d->stats.msg_err++;
	return used;
}

/* Completes the held group of which @p n_ok leading requests succeeded. With
 * @p last_is_current the last held request is the one being handled: its used length is
 * returned instead of pushed.
 */
static int
i2c_complete_group(struct i2c_dev *d, const struct i2c_job *job, bool last_is_current)
{
	unsigned int i;
	int ret = 0;

	d->stats.xfers += job->xfers;
	d->stats.xfer_errors += job->xfer_errors;
	for (i = 0; i < d->n_held; i++) {
		uint32_t used = i2c_reply_held(d, &d->held[i], i < job->n_ok);

		if (last_is_current && i == d->n_held - 1)
			ret = (int)used;
		else
			vhd_vq_push(d->vq, d->held[i].id, used);
		/* refused ones were counted when they came */
		if (i > job->n_ok && !d->held[i].refused)
			d->stats.skipped++;
	}
	i2c_drop_held(d);
	return ret;
}

/* Runs the held group on the worker and completes it (see i2c_complete_group()). */
static int
i2c_finish_group(struct i2c_dev *d, bool last_is_current)
{
	struct i2c_job job = {0};

	job.n_ok = i2c_run_held(d->map, d->held, d->n_held, &job);
	return i2c_complete_group(d, &job, last_is_current);
}

/* Helper thread: the worker leaves d->held alone while d->busy. */
static int
i2c_xfer_work(void *arg)
{
	struct i2c_dev *d = arg;

	d->job.n_ok = i2c_run_held(d->map, d->held, d->n_held, &d->job);
	return 0;
}

/* Worker: the offloaded group is done; requests left on the ring wait no more. */
static void
i2c_xfer_done(void *arg, int res)
{
	struct i2c_dev *d = arg;

	(void)res;
	d->busy = false;
	if (d->orphaned) { /* its queue stopped without waiting for it */
		d->orphaned = false;
		i2c_drop_held(d);
		return;
	}
	i2c_complete_group(d, &d->job, false);
	vhd_vq_notify(d->vq);
}

/* A group on a bus that may block goes to the host's helper thread.
 * @return true when it did (its requests stay held until i2c_xfer_done()).
 */
static bool
i2c_offload_group(struct i2c_dev *d)
{
	if (d->host == NULL || d->host->offload == NULL || !i2c_held_blocking(d))
		return false;
	memset(&d->job, 0, sizeof(d->job));
	if (d->host->offload(d->host, i2c_xfer_work, i2c_xfer_done, d) != 0)
		return false; /* no helper: run it here rather than fail the guest */
	d->busy = true;
	d->stats.offloaded++;
	return true;
}

/* Status-only reply written into the request being handled. */
static int
i2c_reply_now(struct i2c_dev *d, struct vhd_req *req, uint8_t st)
{
	if (req->wr_len == 0) {
		d->stats.no_status++;
		return 0;
	}
	vhd_req_write(req, req->wr_len - 1, &st, 1);
	if (st == VIRTIO_I2C_MSG_OK)
		d->stats.msg_ok++;
	else
		d->stats.msg_err++;
	return 1;
}

/* Keeps a refused request of a group that goes on, to be answered ERR with the group's
 * last request. False when it cannot be kept (no status byte, group full, no memory).
 */
static bool
i2c_hold_refused(struct i2c_dev *d, struct vhd_req *req)
{
	struct i2c_held *h;

	if (req->wr_len == 0 || d->n_held == I2C_XFER_MAX_MSGS)
		return false;
	h = &d->held[d->n_held];
	h->wr_iov = malloc(sizeof(struct iovec) * req->n_wr);
	if (h->wr_iov == NULL)
		return false;
	memcpy(h->wr_iov, vhd_req_wr_iov(req), sizeof(struct iovec) * req->n_wr);
	h->n_wr = req->n_wr;
	h->wr_len = req->wr_len;
	h->id = req->id;
	h->refused = true;
	d->n_held++;
	return true;
}

/*
 * The request being handled fails. A group answers as one: Linux's driver stops waiting at
 * a group's first failure and frees the group's requests, so a completion published after
 * that one would land in freed memory. So a refused request of a group is kept with it
 * (what the group held so far runs first, those requests precede it), and the group is
 * answered when its last request comes. A lone request answers ERR at once; so does one
 * that cannot be kept, after what its group held.
 */
static int
i2c_refuse(struct i2c_dev *d, struct vhd_req *req, bool fail_next)
{
	if ((fail_next || d->n_held > 0) && i2c_hold_refused(d, req)) {
		d->failing = fail_next;
		if (fail_next)
			return VHD_REQ_HELD;
		if (i2c_offload_group(d))
			return VHD_REQ_HELD;
		return i2c_finish_group(d, true);
	}
	if (d->n_held > 0) {
		/* Offloaded: this request comes back, already counted, once that group
		 * is done, and is answered then (d->refuse_next). */
		if (i2c_offload_group(d)) {
			d->refuse_next = fail_next ? 2 : 1;
			return VHD_REQ_RETRY;
		}
		i2c_finish_group(d, false);
	}
	d->failing = fail_next;
	return i2c_reply_now(d, req, VIRTIO_I2C_MSG_ERR);
}

static int
i2c_handle_one(struct i2c_dev *d, struct vhd_vq *vq, struct vhd_req *req)
{
	struct i2c_out_hdr hdr;
	struct i2c_held *h;
	bool fail_next, rd;
	uint32_t len;
	int addr;

	d->stats.requests++;
	d->vq = vq;
	if (vhd_req_read(req, 0, &hdr, sizeof(hdr)) != sizeof(hdr)) {
		/* flags unknown: end the group here rather than guess */
		d->stats.malformed++;
		return i2c_refuse(d, req, false);
	}
	fail_next = (hdr.flags & VIRTIO_I2C_FLAGS_FAIL_NEXT) != 0;
	if (d->failing) {
		d->stats.skipped++;
		return i2c_refuse(d, req, fail_next);
	}
	if (req->wr_len == 0)
		return i2c_refuse(d, req, fail_next);

	/* Linux lays a request out exactly as header, buffer, status: a buffer on the wrong
	 * side would leave us guessing which bytes are data, so it is refused.
	 */
	rd = (hdr.flags & VIRTIO_I2C_FLAGS_M_RD) != 0;
	if (rd ? req->rd_len != I2C_OUT_HDR_LEN : req->wr_len != 1) {
		d->stats.malformed++;
		return i2c_refuse(d, req, fail_next);
	}
	len = rd ? req->wr_len - 1 : req->rd_len - I2C_OUT_HDR_LEN;
	if (len > I2C_MSG_MAX_LEN || (len == 0 && !d->zero_len) ||
	    d->n_held == I2C_XFER_MAX_MSGS) {
		d->stats.malformed++;
		return i2c_refuse(d, req, fail_next);
	}
	addr = i2c_proto_addr(hdr.addr);
	if (addr < 0 || i2c_map_lookup(d->map, (unsigned int)addr) == NULL) {
		d->stats.bad_addr++;
		return i2c_refuse(d, req, fail_next);
	}

	h = &d->held[d->n_held];
	/* zeroed: an adapter that returns fewer bytes than asked must not leak our heap */
	h->msg.buf = calloc(1, len > 0 ? len : 1);
	h->wr_iov = malloc(sizeof(struct iovec) * req->n_wr);
	if (h->msg.buf == NULL || h->wr_iov == NULL) {
		i2c_held_free(h);
		return i2c_refuse(d, req, fail_next);
	}
	h->id = req->id;
	h->msg.addr = (uint16_t)addr;
	h->msg.read = rd;
	h->msg.len = (uint16_t)len;
	if (!rd)
		vhd_req_read(req, I2C_OUT_HDR_LEN, h->msg.buf, len);
	memcpy(h->wr_iov, vhd_req_wr_iov(req), sizeof(struct iovec) * req->n_wr);
	h->n_wr = req->n_wr;
	h->wr_len = req->wr_len;
	d->n_held++;
	if (fail_next || i2c_offload_group(d))
		return VHD_REQ_HELD;
	return i2c_finish_group(d, true);
}

static int
i2c_dev_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct i2c_dev *d = priv;

	(void)q;
	/* A transfer runs on a helper thread: requests wait on the ring until it is done. */
	if (d->busy)
		return VHD_REQ_RETRY;
	if (d->refuse_next != 0) {
		/* the request i2c_refuse() turned back while the group before it ran */
		d->failing = d->refuse_next == 2;
		d->refuse_next = 0;
		return i2c_reply_now(d, req, VIRTIO_I2C_MSG_ERR);
	}
	return i2c_handle_one(d, vq, req);
}

static void
i2c_dev_attach(void *priv, struct vhd_host *host)
{
	((struct i2c_dev *)priv)->host = host;
}

static void
i2c_dev_set_features(void *priv, uint64_t features)
{
	struct i2c_dev *d = priv;

	d->zero_len = (features & VHD_BIT(VIRTIO_I2C_F_ZERO_LENGTH_REQUEST)) != 0;
}

static int
i2c_dev_queue_start(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct i2c_dev *d = priv;

	(void)q;
	d->vq = vq;
	return 0;
}

static void
i2c_dev_queue_stop(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct i2c_dev *d = priv;

	unsigned int i;

	(void)q;
	if (d->busy) {
		/* The host waits for offloaded work before stopping a queue; if it gave
		 * up (a hung bus), the helper still uses the held buffers: leave them. */
		d->orphaned = true;
		d->refuse_next = 0;
		d->vq = NULL;
		return;
	}
	/* The group's last request may never come. Linux's driver waits for every request of
	 * a transfer without a timeout, so the held ones answer ERR now rather than never;
	 * the ring is still mapped here and the host publishes our used index after this.
	 */
	for (i = 0; i < d->n_held; i++) {
		d->stats.skipped++;
		vhd_vq_push(vq, d->held[i].id, i2c_reply_held(d, &d->held[i], false));
	}
	if (d->n_held > 0)
		vhd_vq_notify(vq);
	i2c_drop_held(d);
	d->failing = false;
	d->refuse_next = 0; /* that request is handled afresh after a restart */
	d->vq = NULL;
}

static void
i2c_dev_get_stats(void *priv, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	const struct i2c_dev_stats *st = &((const struct i2c_dev *)priv)->stats;

	put(ctx, "requests", st->requests);
	put(ctx, "xfers", st->xfers);
	put(ctx, "xfer_errors", st->xfer_errors);
	put(ctx, "msg_ok", st->msg_ok);
	put(ctx, "msg_err", st->msg_err);
	put(ctx, "bad_addr", st->bad_addr);
	put(ctx, "malformed", st->malformed);
	put(ctx, "no_status", st->no_status);
	put(ctx, "skipped", st->skipped);
	put(ctx, "offloaded", st->offloaded);
}

const struct vhd_device_ops i2c_dev_ops = {
	.name = "i2c",
	.virtio_id = VIRTIO_ID_I2C_ADAPTER,
	.num_queues = 1,
	.max_queue_size = I2C_QUEUE_SIZE,
	.features = VHD_BIT(VIRTIO_I2C_F_ZERO_LENGTH_REQUEST),
	.config_size = 0,
	.attach = i2c_dev_attach,
	.set_features = i2c_dev_set_features,
	.queue_start = i2c_dev_queue_start,
	.queue_stop = i2c_dev_queue_stop,
	.handle = i2c_dev_handle,
	.get_stats = i2c_dev_get_stats,
};

void
i2c_dev_init(struct i2c_dev *d, struct i2c_map *map)
{
	memset(d, 0, sizeof(*d));
	d->map = map;
}

void
i2c_dev_fini(struct i2c_dev *d)
{
	i2c_drop_held(d);
	d->failing = false;
}
