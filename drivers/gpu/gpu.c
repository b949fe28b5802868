/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpu.h"
#include "gpu_edid.h"
#include "gpu_priv.h"
#include "gpu_virgl.h"

static void show_scanout(struct gpu_dev *dev, uint32_t sid);
static bool tell_scanout(struct gpu_dev *dev, uint32_t sid, const struct gpu_res *r);
static void scanout_disable(struct gpu_dev *dev, uint32_t sid);
static void gpu_ops_virgl_poll(void *priv);

/* The display's handshake ended (or was given up): a display that replaced
 * another is shown the live scanouts; commands waiting for it go on.
 */
static void
disp_ready(void *arg)
{
	struct gpu_dev *dev = arg;
	uint32_t i;

	for (i = 0; i < dev->opts.max_outputs && gpu_disp_up(&dev->disp); i++)
		if (dev->scanout[i].res_id != 0 && !dev->scanout[i].told)
			show_scanout(dev, i);
	if (dev->host != NULL && dev->host->wake != NULL)
		dev->host->wake(dev->host);
}

int
gpu_dev_init(struct gpu_dev *dev, const struct gpu_opts *opts)
{
	memset(dev, 0, sizeof(*dev));
	dev->opts = *opts;
	if (dev->opts.max_outputs == 0)
		dev->opts.max_outputs = 1;
	if (dev->opts.max_outputs > GPU_MAX_SCANOUTS)
		dev->opts.max_outputs = GPU_MAX_SCANOUTS;
	if (dev->opts.max_hostmem == 0)
		dev->opts.max_hostmem = GPU_MAX_HOSTMEM_DEFAULT;
	dev->config.num_scanouts = htole32(dev->opts.max_outputs);
	dev->config.num_capsets = 0;
	dev->ops = gpu_ops;
	if (dev->opts.edid)
		dev->ops.features |= 1ull << GPU_F_EDID;
	gpu_disp_init(&dev->disp, NULL, dev->opts.max_outputs, dev->opts.edid, disp_ready, dev);
	if (opts->virgl == NULL)
		return 0;
	dev->virgl = gpu_virgl_new(dev, opts->virgl);
	if (dev->virgl == NULL)
		return -1;
	dev->opts.null_mode = false;
	dev->config.num_capsets = htole32(gpu_virgl_num_capsets(opts->virgl));
	dev->ops.features |= (1ull << GPU_F_VIRGL) | (1ull << GPU_F_CONTEXT_INIT);
	dev->ops.poll = gpu_ops_virgl_poll;
	return 0;
}

static void
res_free(struct gpu_dev *dev, struct gpu_res *r)
{
	dev->hostmem -= r->size + (uint64_t)r->nents * sizeof(struct gpu_ent);
	free(r->pixels);
	free(r->ents);
	free(r);
}

/* Forget every resource and scanout: what a fresh device has. May run on
 * the control thread: in virgl mode the renderer's side is reset before the
 * next command, and the backings lent to it are freed then.
 */
static void
clear_state(struct gpu_dev *dev)
{
	uint32_t i;

	if (dev->virgl != NULL)
		gpu_virgl_reset(dev);
	for (i = 0; i < dev->nres; i++) {
		dev->res[i]->iov = NULL; /* gpu_virgl owns what it lent */
		res_free(dev, dev->res[i]);
	}
	free(dev->res);
	dev->res = NULL;
	dev->nres = 0;
	dev->hostmem = 0;
	memset(dev->scanout, 0, sizeof(dev->scanout));
}

void
gpu_dev_fini(struct gpu_dev *dev)
{
	clear_state(dev);
	gpu_disp_fini(&dev->disp);
	gpu_virgl_free(dev->virgl);
	dev->virgl = NULL;
}

int
gpu_set_display(struct gpu_dev *dev, int fd)
{
	uint32_t i;
	int rc;

	if (dev->opts.null_mode || dev->opts.headless) {
		close(fd); /* no display to talk to */
		return 0;
	}
	/* the new display knows no scanout: disp_ready() shows them */
	for (i = 0; i < GPU_MAX_SCANOUTS; i++) {
		dev->scanout[i].told = false;
		dev->scanout[i].dmabuf = false;
	}
	rc = gpu_disp_attach(&dev->disp, fd);
	return rc;
}

struct gpu_res *
gpu_res_find(struct gpu_dev *dev, uint32_t id)
{
	uint32_t i;

	if (id == 0)
		return NULL;
	for (i = 0; i < dev->nres; i++)
		if (dev->res[i]->id == id)
			return dev->res[i];
	return NULL;
}

static void
rect_le(struct gpu_rect *r)
{
	r->x = le32toh(r->x);
	r->y = le32toh(r->y);
	r->width = le32toh(r->width);
	r->height = le32toh(r->height);
}

/* Write the response (its header's type already set); fence and context
 * copied from the request. @return the used length.
 */
int
gpu_reply(struct gpu_dev *dev, struct vhd_req *req, const struct gpu_ctrl_hdr *in, void *resp,
      size_t len)
{
	struct gpu_ctrl_hdr *h = resp, bare = {.type = htole32(GPU_RESP_ERR_UNSPEC)};
	uint32_t flags = le32toh(in->flags);
	uint32_t type = le32toh(h->type);

	if (len > req->wr_len) {
		/* no room for this answer: say so in a bare header */
		h = &bare;
		type = GPU_RESP_ERR_UNSPEC;
		len = sizeof(*h);
	}
	h->flags = 0;
	h->fence_id = 0;
	h->ctx_id = in->ctx_id;
	h->ring_idx = 0;
	memset(h->padding, 0, sizeof(h->padding));
	if (flags & GPU_FLAG_FENCE) {
		h->flags = htole32(GPU_FLAG_FENCE);
		h->fence_id = in->fence_id;
		dev->stats.fences++;
		if ((flags & GPU_FLAG_INFO_RING_IDX) &&
		    (dev->features & (1ull << GPU_F_CONTEXT_INIT))) {
			h->flags |= htole32(GPU_FLAG_INFO_RING_IDX);
			h->ring_idx = in->ring_idx;
		}
	}
	dev->stats.commands++;
	if (type >= GPU_RESP_ERR_UNSPEC)
		dev->stats.errors++;
	return (int)vhd_req_write(req, 0, h, len);
}

static int
status(struct gpu_dev *dev, struct vhd_req *req, const struct gpu_ctrl_hdr *in, uint32_t type)
{
	struct gpu_ctrl_hdr h = {.type = htole32(type)};

	return gpu_reply(dev, req, in, &h, sizeof(h));
}

/* Publish the flush that waited for the display. */
static void
upd_publish(struct gpu_dev *dev)
{
	if (!dev->upd_held)
		return;
	dev->upd_held = false;
	if (dev->ctrl_vq != NULL) {
		vhd_vq_push(dev->ctrl_vq, dev->upd_id, dev->upd_len);
		vhd_vq_notify(dev->ctrl_vq);
	}
	if (dev->host != NULL && dev->host->wake != NULL)
		dev->host->wake(dev->host); /* commands retried behind it go on */
}

static void dmabuf_done(void *arg, bool ok);

/* DMABUF_UPDATE of the next scanout still to update. @return true when one
 * was queued (dmabuf_done() runs later), false when none is left or the
 * display could take none.
 */
static bool
dmabuf_start(struct gpu_dev *dev)
{
	while (dev->upd_mask != 0) {
		uint32_t sid = (uint32_t)__builtin_ctz(dev->upd_mask);
		const struct gpu_rect *x = &dev->upd_rect[sid];

		dev->upd_mask &= ~(1u << sid);
		if (gpu_disp_dmabuf_update(&dev->disp, sid, x->x, x->y, x->width, x->height,
					   dmabuf_done, dev) == 0)
			return true;
	}
	return false;
}

static void
dmabuf_done(void *arg, bool ok)
{
	struct gpu_dev *dev = arg;

	(void)ok; /* no answer in time is counted by gpu_disp; the guest goes on */
	if (!dev->upd_held) {
		dev->upd_mask = 0;
		return;
	}
	if (!dmabuf_start(dev))
		upd_publish(dev); /* the held flush: the display has shown it all */
}

/* Answer with @p st; in virgl mode a fenced command that succeeded waits
 * for its fence (its answer is written now, published then).
 */
static int
answer(struct gpu_dev *dev, struct vhd_req *req, const struct gpu_ctrl_hdr *in, uint32_t st)
{
	int used = status(dev, req, in, st);

	if (dev->upd_mask != 0 && used > 0 && dmabuf_start(dev)) {
		/* a flush of dmabuf scanouts: answered once the display has shown
		 * them (its fence, if any, is implied: the display read the buffer)
		 */
		dev->upd_held = true;
		dev->upd_id = req->id;
		dev->upd_len = (uint32_t)used;
		return VHD_REQ_HELD;
	}
	dev->upd_mask = 0;

	if (dev->virgl != NULL && st == GPU_RESP_OK_NODATA && used > 0 &&
	    (le32toh(in->flags) & GPU_FLAG_FENCE))
		return gpu_virgl_fence(dev, req->id, (uint32_t)used, in);
	return used;
}


static void
scanout_off(struct gpu_dev *dev, uint32_t sid)
{
	struct gpu_res *old = gpu_res_find(dev, dev->scanout[sid].res_id);

	if (old != NULL)
		old->scanouts &= ~(1u << sid);
	memset(&dev->scanout[sid].r, 0, sizeof(dev->scanout[sid].r));
	dev->scanout[sid].res_id = 0;
}

uint32_t
gpu_res_add(struct gpu_dev *dev, uint32_t id, uint32_t format, uint32_t w, uint32_t h,
	    uint64_t size, struct gpu_res **out)
{
	struct gpu_res *r, **grown;

	if (id == 0 || gpu_res_find(dev, id) != NULL)
		return GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (dev->nres >= GPU_MAX_RESOURCES || size > dev->opts.max_hostmem - dev->hostmem) {
		dev->stats.oom++;
		return GPU_RESP_ERR_OUT_OF_MEMORY;
	}
	r = calloc(1, sizeof(*r));
	grown = realloc(dev->res, (dev->nres + 1) * sizeof(*grown));
	if (grown != NULL)
		dev->res = grown;
	if (r == NULL || grown == NULL) {
		free(r);
		return GPU_RESP_ERR_OUT_OF_MEMORY;
	}
	r->id = id;
	r->format = format;
	r->width = w;
	r->height = h;
	r->size = size;
	dev->hostmem += size;
	dev->res[dev->nres++] = r;
	*out = r;
	return GPU_RESP_OK_NODATA;
}

/* Take @p r out of the table and free it (the renderer let go of it). */
void
gpu_res_remove(struct gpu_dev *dev, struct gpu_res *r)
{
	uint32_t i;

	for (i = 0; i < dev->nres; i++)
		if (dev->res[i] == r)
			dev->res[i] = dev->res[--dev->nres];
	res_free(dev, r);
}

static uint32_t
do_create_2d(struct gpu_dev *dev, struct vhd_req *req)
{
	struct gpu_resource_create_2d c;
	struct gpu_res *r;
	uint64_t size;
	uint32_t st;

	if (!gpu_get(req, &c, sizeof(c)))
		return GPU_RESP_ERR_UNSPEC;
	c.resource_id = le32toh(c.resource_id);
	c.format = le32toh(c.format);
	c.width = le32toh(c.width);
	c.height = le32toh(c.height);
	if (c.resource_id == 0 || gpu_res_find(dev, c.resource_id) != NULL)
		return GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!gpu_format_ok(c.format) || c.width == 0 || c.height == 0 || c.width > GPU_MAX_DIM ||
	    c.height > GPU_MAX_DIM)
		return GPU_RESP_ERR_INVALID_PARAMETER;
	size = (uint64_t)c.width * c.height * 4u;
	st = gpu_res_add(dev, c.resource_id, c.format, c.width, c.height, size, &r);
	if (st != GPU_RESP_OK_NODATA)
		return st;
	if (dev->virgl != NULL)
		st = gpu_virgl_create_2d(dev, r);
	else if (!dev->opts.null_mode && (r->pixels = calloc(1, size)) == NULL)
		st = GPU_RESP_ERR_OUT_OF_MEMORY; /* zeroed: black until the guest transfers */
	if (st != GPU_RESP_OK_NODATA) {
		if (st == GPU_RESP_ERR_OUT_OF_MEMORY)
			dev->stats.oom++;
		gpu_res_remove(dev, r);
	}
	return st;
}

static uint32_t
do_unref(struct gpu_dev *dev, struct vhd_req *req)
{
	struct gpu_resource_id c;
	struct gpu_res *r;
	uint32_t i;

	if (!gpu_get(req, &c, sizeof(c)))
		return GPU_RESP_ERR_UNSPEC;
	r = gpu_res_find(dev, le32toh(c.resource_id));
	if (r == NULL)
		return GPU_RESP_ERR_INVALID_RESOURCE_ID;
	for (i = 0; i < dev->opts.max_outputs; i++) {
		if (dev->scanout[i].res_id == r->id) {
			scanout_off(dev, i);
			scanout_disable(dev, i);
		}
	}
	if (dev->virgl != NULL)
		gpu_virgl_unref(dev, r);
	gpu_res_remove(dev, r);
	return GPU_RESP_OK_NODATA;
}

static void detach(struct gpu_dev *dev, struct gpu_res *r);

static uint32_t
do_attach(struct gpu_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	struct gpu_attach_backing c;
	struct gpu_mem_entry me;
	struct gpu_res *r;
	struct gpu_ent *ents;
	uint64_t total = 0, bytes;
	uint32_t i, n;

	if (!gpu_get(req, &c, sizeof(c)))
		return GPU_RESP_ERR_UNSPEC;
	r = gpu_res_find(dev, le32toh(c.resource_id));
	n = le32toh(c.nr_entries);
	if (r == NULL)
		return GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (r->ents != NULL)
		return GPU_RESP_ERR_UNSPEC; /* detach first */
	if (n == 0 || n > GPU_MAX_ENTRIES ||
	    req->rd_len < sizeof(c) + (uint64_t)n * sizeof(me))
		return GPU_RESP_ERR_INVALID_PARAMETER;
	bytes = (uint64_t)n * sizeof(*ents);
	if (bytes > dev->opts.max_hostmem - dev->hostmem) {
		dev->stats.oom++;
		return GPU_RESP_ERR_OUT_OF_MEMORY;
	}
	ents = malloc(bytes);
	if (ents == NULL)
		return GPU_RESP_ERR_OUT_OF_MEMORY;
	for (i = 0; i < n; i++) {
		vhd_req_read(req, sizeof(c) + (size_t)i * sizeof(me), &me, sizeof(me));
		ents[i].gpa = le64toh(me.addr);
		ents[i].len = le32toh(me.length);
		ents[i].start = total;
		/* every entry inside guest memory, now; again at every use */
		if (ents[i].len == 0 ||
		    vhd_mem_translate(vq->mem, ents[i].gpa, ents[i].len) == NULL) {
			free(ents);
			return GPU_RESP_ERR_INVALID_PARAMETER;
		}
		total += ents[i].len;
	}
	r->ents = ents;
	r->nents = n;
	r->backing_len = total;
	dev->hostmem += bytes;
	if (dev->virgl != NULL) {
		uint32_t st = gpu_virgl_attach(dev, r, vq->mem);

		if (st != GPU_RESP_OK_NODATA)
			detach(dev, r);
		return st;
	}
	return GPU_RESP_OK_NODATA;
}

static void
detach(struct gpu_dev *dev, struct gpu_res *r)
{
	if (dev->virgl != NULL)
		gpu_virgl_detach(dev, r);
	dev->hostmem -= (uint64_t)r->nents * sizeof(struct gpu_ent);
	free(r->ents);
	r->ents = NULL;
	r->nents = 0;
	r->backing_len = 0;
}

static uint32_t
do_detach(struct gpu_dev *dev, struct vhd_req *req)
{
	struct gpu_resource_id c;
	struct gpu_res *r;

	if (!gpu_get(req, &c, sizeof(c)))
		return GPU_RESP_ERR_UNSPEC;
	r = gpu_res_find(dev, le32toh(c.resource_id));
	if (r == NULL)
		return GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (r->ents == NULL)
		return GPU_RESP_ERR_UNSPEC;
	detach(dev, r);
	return GPU_RESP_OK_NODATA;
}

/* Copy backing bytes [off, off + n) (checked against backing_len by the
 * caller) to @p dst. @return 0, -1 when an entry is no longer in guest memory.
 */
static int
backing_read(const struct vhd_mem *mem, const struct gpu_res *r, uint64_t off, uint8_t *dst,
	     uint64_t n)
{
	uint32_t lo = 0, hi = r->nents;

	while (lo + 1 < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (r->ents[mid].start <= off)
			lo = mid;
		else
			hi = mid;
	}
	while (n != 0 && lo < r->nents) {
		const struct gpu_ent *e = &r->ents[lo++];
		uint64_t in = off - e->start, chunk = e->len - in;
		const void *src;

		if (chunk > n)
			chunk = n;
		src = vhd_mem_translate(mem, e->gpa + in, chunk);
		if (src == NULL)
			return -1;
		memcpy(dst, src, chunk);
		dst += chunk;
		off += chunk;
		n -= chunk;
	}
	return n == 0 ? 0 : -1;
}

static uint32_t
do_transfer(struct gpu_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	struct gpu_transfer_to_host_2d c;
	struct gpu_res *r;
	uint64_t off, stride, need;
	uint32_t k;

	if (!gpu_get(req, &c, sizeof(c)))
		return GPU_RESP_ERR_UNSPEC;
	rect_le(&c.r);
	off = le64toh(c.offset);
	r = gpu_res_find(dev, le32toh(c.resource_id));
	if (r == NULL)
		return GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (r->ents == NULL)
		return GPU_RESP_ERR_UNSPEC;
	if (!gpu_rect_in(&c.r, r->width, r->height))
		return GPU_RESP_ERR_INVALID_PARAMETER;
	if (c.r.width == 0 || c.r.height == 0)
		return GPU_RESP_OK_NODATA;
	stride = (uint64_t)r->width * 4u;
	/* the last byte read is off + (h - 1) * stride + w * 4 - 1 */
	need = (uint64_t)(c.r.height - 1) * stride + (uint64_t)c.r.width * 4u;
	if (off > r->backing_len || need > r->backing_len - off)
		return GPU_RESP_ERR_INVALID_PARAMETER;
	dev->stats.transfers++;
	dev->stats.transfer_bytes += (uint64_t)c.r.width * c.r.height * 4u;
	if (dev->virgl != NULL)
		return gpu_virgl_transfer_2d(dev, r, &c.r, off);
	if (r->pixels == NULL)
		return GPU_RESP_OK_NODATA;
	if (c.r.width == r->width) /* whole rows: one run on both sides */
		return backing_read(vq->mem, r, off, r->pixels + c.r.y * stride,
				    (uint64_t)c.r.height * stride) == 0 ?
			       GPU_RESP_OK_NODATA : GPU_RESP_ERR_INVALID_PARAMETER;
	for (k = 0; k < c.r.height; k++)
		if (backing_read(vq->mem, r, off + k * stride,
				 r->pixels + (c.r.y + k) * stride + c.r.x * 4u,
				 (uint64_t)c.r.width * 4u) != 0)
			return GPU_RESP_ERR_INVALID_PARAMETER;
	return GPU_RESP_OK_NODATA;
}

static uint32_t
do_set_scanout(struct gpu_dev *dev, struct vhd_req *req)
{
	struct gpu_set_scanout c;
	struct gpu_res *r;
	uint32_t sid, rid;

	if (!gpu_get(req, &c, sizeof(c)))
		return GPU_RESP_ERR_UNSPEC;
	rect_le(&c.r);
	sid = le32toh(c.scanout_id);
	rid = le32toh(c.resource_id);
	if (sid >= dev->opts.max_outputs)
		return GPU_RESP_ERR_INVALID_SCANOUT_ID;
	if (rid == 0) {
		scanout_off(dev, sid);
		scanout_disable(dev, sid);
		return GPU_RESP_OK_NODATA;
	}
	r = gpu_res_find(dev, rid);
	if (r == NULL)
		return GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (c.r.width == 0 || c.r.height == 0 || !gpu_rect_in(&c.r, r->width, r->height))
		return GPU_RESP_ERR_INVALID_PARAMETER;
	scanout_off(dev, sid);
	dev->scanout[sid].res_id = rid;
	dev->scanout[sid].r = c.r;
	r->scanouts |= 1u << sid;
	dev->scanout[sid].told = tell_scanout(dev, sid, r);
	return GPU_RESP_OK_NODATA;
}

/* Tell the display what scanout @p sid shows: in virgl mode a dmabuf of
 * @p r when the renderer can export it, else the size of the surface that
 * UPDATEs fill. @return true when queued.
 */
static bool
tell_scanout(struct gpu_dev *dev, uint32_t sid, const struct gpu_res *r)
{
	struct gpu_scanout *s = &dev->scanout[sid];
	struct gpu_dmabuf b;

	if (dev->virgl != NULL && gpu_disp_up(&dev->disp) && gpu_virgl_export(dev, r, &b) == 0) {
		s->dmabuf = gpu_disp_dmabuf_scanout(&dev->disp, sid, &s->r, &b);
		close(b.fd); /* the display got a dup */
		if (s->dmabuf)
			return true;
	} else {
		s->dmabuf = false;
	}
	return gpu_disp_scanout(&dev->disp, sid, s->r.width, s->r.height);
}

static void
scanout_disable(struct gpu_dev *dev, uint32_t sid)
{
	if (dev->scanout[sid].dmabuf)
		gpu_disp_dmabuf_scanout(&dev->disp, sid, NULL, NULL);
	else
		gpu_disp_scanout(&dev->disp, sid, 0, 0);
	dev->scanout[sid].dmabuf = false;
}

/* Send rectangle @p fr (resource coordinates, inside scanout @p sid's) as
 * UPDATEs of at most GPU_UPDATE_BAND bytes.
 */
static void
show(struct gpu_dev *dev, const struct gpu_res *r, uint32_t sid, const struct gpu_rect *fr)
{
	const struct gpu_scanout *s = &dev->scanout[sid];
	uint64_t stride = (uint64_t)r->width * 4u;
	uint32_t band = GPU_UPDATE_BAND / (fr->width * 4u), y, k;

	if (band == 0)
		band = 1;
	/* a SCANOUT the queue could not take goes first (QEMU has no surface without it) */
	if (!s->told && !(dev->scanout[sid].told = tell_scanout(dev, sid, r)))
		return;
	if (s->dmabuf)
		return; /* the display reads the buffer itself: DMABUF_UPDATE at flush */
	for (y = 0; y < fr->height; y += band) {
		uint32_t h = fr->height - y < band ? fr->height - y : band;
		uint8_t *dst = gpu_disp_update(&dev->disp, sid, fr->x - s->r.x,
					       fr->y + y - s->r.y, fr->width, h);

		if (dst == NULL)
			return;
		if (dev->virgl != NULL) {
			/* the pixels are the renderer's: read the band back */
			if (gpu_virgl_read_band(dev, r, fr, y, h, dst) != 0)
				memset(dst, 0, (size_t)h * fr->width * 4u);
			gpu_disp_commit(&dev->disp);
			continue;
		}
		for (k = 0; k < h; k++)
			gpu_to_argb(r->format,
				    r->pixels + (uint64_t)(fr->y + y + k) * stride + fr->x * 4u,
				    dst + (size_t)k * fr->width * 4u, fr->width);
		gpu_disp_commit(&dev->disp);
	}
}

/* The whole of scanout @p sid, to a display that just came. */
static void
show_scanout(struct gpu_dev *dev, uint32_t sid)
{
	const struct gpu_res *r = gpu_res_find(dev, dev->scanout[sid].res_id);

	if (r == NULL || (r->pixels == NULL && dev->virgl == NULL))
		return;
	show(dev, r, sid, &dev->scanout[sid].r);
}

static uint32_t
do_flush(struct gpu_dev *dev, struct vhd_req *req)
{
	struct gpu_resource_flush c;
	struct gpu_res *r;
	uint32_t i;

	if (!gpu_get(req, &c, sizeof(c)))
		return GPU_RESP_ERR_UNSPEC;
	rect_le(&c.r);
	r = gpu_res_find(dev, le32toh(c.resource_id));
	if (r == NULL)
		return GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!gpu_rect_in(&c.r, r->width, r->height))
		return GPU_RESP_ERR_INVALID_PARAMETER;
	dev->stats.flushes++;
	if ((r->pixels == NULL && dev->virgl == NULL) || !gpu_disp_up(&dev->disp))
		return GPU_RESP_OK_NODATA;
	for (i = 0; i < dev->opts.max_outputs; i++) {
		const struct gpu_rect *sr = &dev->scanout[i].r;
		struct gpu_rect x;
		uint32_t x1, y1;

		if (!(r->scanouts & (1u << i)))
			continue;
		/* the part of the flushed rectangle this scanout shows */
		x.x = c.r.x > sr->x ? c.r.x : sr->x;
		x.y = c.r.y > sr->y ? c.r.y : sr->y;
		x1 = c.r.x + c.r.width < sr->x + sr->width ? c.r.x + c.r.width : sr->x + sr->width;
		y1 = c.r.y + c.r.height < sr->y + sr->height ? c.r.y + c.r.height :
							       sr->y + sr->height;
		if (x1 <= x.x || y1 <= x.y)
			continue;
		x.width = x1 - x.x;
		x.height = y1 - x.y;
		if (dev->scanout[i].dmabuf && dev->scanout[i].told) {
			/* the display copies from the dmabuf when told, and answers */
			dev->upd_mask |= 1u << i;
			dev->upd_rect[i] = (struct gpu_rect){x.x - sr->x, x.y - sr->y, x.width,
							     x.height};
			continue;
		}
		show(dev, r, i, &x);
	}
	return GPU_RESP_OK_NODATA;
}

/* The preferred size of scanout @p sid: the display's, else our default. */
static void
preferred(const struct gpu_dev *dev, uint32_t sid, struct gpu_display_one *out)
{
	memset(out, 0, sizeof(*out));
	if (dev->disp.have_info) {
		*out = dev->disp.info.pmodes[sid];
		return;
	}
	if (sid == 0) {
		out->r.width = htole32(GPU_DEFAULT_WIDTH);
		out->r.height = htole32(GPU_DEFAULT_HEIGHT);
		out->enabled = htole32(1);
	}
}

static int
do_display_info(struct gpu_dev *dev, struct vhd_req *req, const struct gpu_ctrl_hdr *in)
{
	struct gpu_resp_display_info info;
	uint32_t i;

	memset(&info, 0, sizeof(info));
	info.hdr.type = htole32(GPU_RESP_OK_DISPLAY_INFO);
	for (i = 0; i < dev->opts.max_outputs; i++)
		preferred(dev, i, &info.pmodes[i]);
	return gpu_reply(dev, req, in, &info, sizeof(info));
}

static int
do_edid(struct gpu_dev *dev, struct vhd_req *req, const struct gpu_ctrl_hdr *in)
{
	struct gpu_get_edid c;
	struct gpu_resp_edid e;
	struct gpu_display_one p;
	uint32_t sid;

	if (!(dev->features & (1ull << GPU_F_EDID)))
		return status(dev, req, in, GPU_RESP_ERR_UNSPEC);
	if (!gpu_get(req, &c, sizeof(c)))
		return status(dev, req, in, GPU_RESP_ERR_UNSPEC);
	sid = le32toh(c.scanout);
	if (sid >= dev->opts.max_outputs)
		return status(dev, req, in, GPU_RESP_ERR_INVALID_SCANOUT_ID);
	memset(&e, 0, sizeof(e));
	e.hdr.type = htole32(GPU_RESP_OK_EDID);
	if (dev->disp.edid_size[sid] != 0) {
		memcpy(e.edid, dev->disp.edid[sid], dev->disp.edid_size[sid]);
		e.size = htole32(dev->disp.edid_size[sid]);
	} else {
		preferred(dev, sid, &p);
		e.size = htole32(gpu_edid_make(e.edid, sid, le32toh(p.r.width),
					       le32toh(p.r.height)));
	}
	return gpu_reply(dev, req, in, &e, sizeof(e));
}

static bool
is_blob(uint32_t type)
{
	return type == GPU_CMD_RESOURCE_CREATE_BLOB || type == GPU_CMD_SET_SCANOUT_BLOB ||
	       type == GPU_CMD_RESOURCE_MAP_BLOB || type == GPU_CMD_RESOURCE_UNMAP_BLOB;
}

static int
ctrl(struct gpu_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	struct gpu_ctrl_hdr in;
	uint32_t type, st;

	if (req->wr_len < sizeof(struct gpu_ctrl_hdr)) {
		dev->stats.dropped++; /* nowhere to say anything */
		return 0;
	}
	memset(&in, 0, sizeof(in));
	if (vhd_req_read(req, 0, &in, sizeof(in)) != sizeof(in))
		return status(dev, req, &in, GPU_RESP_ERR_UNSPEC);
	type = le32toh(in.type);
	if ((type == GPU_CMD_GET_DISPLAY_INFO || type == GPU_CMD_GET_EDID) &&
	    gpu_disp_pending(&dev->disp)) {
		dev->stats.retries++;
		return VHD_REQ_RETRY; /* the display's answer comes first */
	}
	if (dev->upd_held)
		return VHD_REQ_RETRY; /* the display still reads the last flushed buffer */
	if (dev->virgl != NULL) {
		int used;

		if (gpu_virgl_enter(dev, vq->mem) != 0)
			return status(dev, req, &in, GPU_RESP_ERR_UNSPEC);
		used = gpu_virgl_ctrl(dev, req, &in, type, &st);
		if (used == GPU_VIRGL_STATUS)
			return answer(dev, req, &in, st);
		if (used >= 0)
			return used;
	}
	switch (type) {
	case GPU_CMD_GET_DISPLAY_INFO:
		return do_display_info(dev, req, &in);
	case GPU_CMD_GET_EDID:
		return do_edid(dev, req, &in);
	case GPU_CMD_RESOURCE_CREATE_2D:
		st = do_create_2d(dev, req);
		break;
	case GPU_CMD_RESOURCE_UNREF:
		st = do_unref(dev, req);
		break;
	case GPU_CMD_SET_SCANOUT:
		st = do_set_scanout(dev, req);
		break;
	case GPU_CMD_RESOURCE_FLUSH:
		st = do_flush(dev, req);
		break;
	case GPU_CMD_TRANSFER_TO_HOST_2D:
		st = do_transfer(dev, vq, req);
		break;
	case GPU_CMD_RESOURCE_ATTACH_BACKING:
		st = do_attach(dev, vq, req);
		break;
	case GPU_CMD_RESOURCE_DETACH_BACKING:
		st = do_detach(dev, req);
		break;
	case GPU_CMD_GET_CAPSET_INFO:
	case GPU_CMD_GET_CAPSET:
		st = GPU_RESP_ERR_INVALID_PARAMETER; /* no capsets in 2D */
		break;
	default:
		if (is_blob(type))
			dev->stats.blob_refused++;
		st = GPU_RESP_ERR_UNSPEC; /* 3D without virgl, blobs, UUIDs, unknown */
		break;
	}
	return answer(dev, req, &in, st);
}

static int
cursor_cmd(struct gpu_dev *dev, struct vhd_req *req)
{
	struct gpu_update_cursor c;
	struct gpu_res *r;
	uint32_t type, sid, x, y, rid, i;
	uint32_t img[GPU_CURSOR_DIM * GPU_CURSOR_DIM];
	int used = 0;

	if (req->wr_len >= sizeof(struct gpu_ctrl_hdr)) {
		/* the cursorq needs no answer; a driver that asks for one gets it */
		struct gpu_ctrl_hdr h = {.type = htole32(GPU_RESP_OK_NODATA)};

		used = (int)vhd_req_write(req, 0, &h, sizeof(h));
	}
	if (!gpu_get(req, &c, sizeof(c)) || (dev->virgl != NULL && gpu_virgl_enter(dev, NULL) != 0)) {
		dev->stats.cursor_bad++;
		return used;
	}
	type = le32toh(c.hdr.type);
	sid = le32toh(c.pos.scanout_id);
	x = le32toh(c.pos.x);
	y = le32toh(c.pos.y);
	rid = le32toh(c.resource_id);
	if ((type != GPU_CMD_UPDATE_CURSOR && type != GPU_CMD_MOVE_CURSOR) ||
	    sid >= dev->opts.max_outputs) {
		dev->stats.cursor_bad++;
		return used;
	}
	dev->scanout[sid].cursor_x = x;
	dev->scanout[sid].cursor_y = y;
	if (type == GPU_CMD_MOVE_CURSOR) {
		gpu_disp_cursor_pos(&dev->disp, sid, x, y, false);
	} else if (rid == 0) {
		gpu_disp_cursor_pos(&dev->disp, sid, x, y, true);
	} else {
		r = gpu_res_find(dev, rid);
		if (r == NULL || r->width != GPU_CURSOR_DIM || r->height != GPU_CURSOR_DIM) {
			dev->stats.cursor_bad++;
			return used;
		}
		if (dev->virgl != NULL) {
			if (gpu_virgl_cursor(dev, r, img) != 0) {
				dev->stats.cursor_bad++;
				return used;
			}
			gpu_disp_cursor_update(&dev->disp, sid, x, y, le32toh(c.hot_x),
					       le32toh(c.hot_y), img);
		} else if (r->pixels != NULL) {
			for (i = 0; i < GPU_CURSOR_DIM; i++)
				gpu_to_argb(r->format, r->pixels + i * GPU_CURSOR_DIM * 4u,
					    (uint8_t *)&img[i * GPU_CURSOR_DIM], GPU_CURSOR_DIM);
			gpu_disp_cursor_update(&dev->disp, sid, x, y, le32toh(c.hot_x),
					       le32toh(c.hot_y), img);
		}
	}
	dev->stats.cursor++;
	return used;
}

static int
gpu_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct gpu_dev *dev = priv;

	return q == 0 ? ctrl(dev, vq, req) : cursor_cmd(dev, req);
}

static void
gpu_attach(void *priv, struct vhd_host *host)
{
	struct gpu_dev *dev = priv;

	dev->host = host;
	dev->disp.host = host;
}

static int
gpu_get_config(void *priv, uint8_t *buf, uint32_t off, uint32_t len)
{
	struct gpu_dev *dev = priv;

	if (off > sizeof(dev->config) || len > sizeof(dev->config) - off)
		return -EINVAL;
	memcpy(buf, (const uint8_t *)&dev->config + off, len);
	return 0;
}

static void
gpu_reset(void *priv)
{
	struct gpu_dev *dev = priv;

	clear_state(dev);
	gpu_disp_close(&dev->disp); /* the last frontend's display */
	dev->features = 0;
}

static void
gpu_set_features(void *priv, uint64_t features)
{
	struct gpu_dev *dev = priv;

	dev->features = features;
}

/*
 * Resources live here, not in QEMU: a vhost stop/start (QEMU's stop/cont,
 * migration) must keep them, a driver reset (unbind, reboot) must drop them,
 * or the next driver's RESOURCE_CREATE_2D of id 1 fails. vhost-user tells
 * neither apart (no STATUS offered); the ring does: after a reset the
 * controlq starts again from index 0, after a stop it resumes where it was.
 * (A ring stopped idle exactly at a 2^16 wrap is taken for a reset.)
 */
static int
gpu_queue_start(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct gpu_dev *dev = priv;

	if (q == 0 && vhd_vq_last_avail(vq) == 0 && vhd_vq_used_idx(vq) == 0)
		clear_state(dev);
	if (q == 0)
		dev->ctrl_vq = vq;
	return 0;
}

static void
gpu_queue_stop(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct gpu_dev *dev = priv;

	if (q != 0)
		return;
	if (dev->virgl != NULL)
		gpu_virgl_queue_stop(dev, vq); /* fenced commands held: answered now */
	if (dev->upd_held) {
		vhd_vq_push(vq, dev->upd_id, dev->upd_len);
		vhd_vq_notify(vq);
		dev->upd_held = false;
	}
	dev->upd_mask = 0;
	dev->ctrl_vq = NULL;
}

static void
gpu_ops_virgl_poll(void *priv)
{
	gpu_virgl_poll(priv);
}

static int
gpu_set_channel(void *priv, int fd)
{
	return gpu_set_display(priv, fd);
}

static uint64_t
gpu_next_wake(void *priv)
{
	struct gpu_dev *dev = priv;

	/* a command waits for the display handshake, or fences have no fd: look again soon */
	return gpu_disp_pending(&dev->disp) || gpu_virgl_wants_poll(dev) || dev->upd_held ?
		       1000000u : 0;
}

static void
gpu_get_stats(void *priv, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	struct gpu_dev *dev = priv;
	const struct gpu_stats *s = &dev->stats;
	const struct gpu_disp_stats *d = &dev->disp.stats;

	put(ctx, "commands", s->commands);
	put(ctx, "errors", s->errors);
	put(ctx, "dropped", s->dropped);
	put(ctx, "fences", s->fences);
	put(ctx, "transfers", s->transfers);
	put(ctx, "transfer_bytes", s->transfer_bytes);
	put(ctx, "flushes", s->flushes);
	put(ctx, "cursor", s->cursor);
	put(ctx, "cursor_bad", s->cursor_bad);
	put(ctx, "blob_refused", s->blob_refused);
	put(ctx, "oom", s->oom);
	put(ctx, "retries", s->retries);
	put(ctx, "display_attached", d->attached);
	put(ctx, "display_lost", d->lost);
	put(ctx, "display_bad_replies", d->bad_replies);
	put(ctx, "display_msgs", d->msgs);
	put(ctx, "display_updates", d->updates);
	put(ctx, "display_update_bytes", d->update_bytes);
	put(ctx, "display_dropped", d->dropped);
	put(ctx, "display_timeouts", d->timeouts);
	put(ctx, "display_write_waits", d->write_waits);
	put(ctx, "display_dmabuf_scanouts", d->dmabuf_scanouts);
	put(ctx, "display_dmabuf_updates", d->dmabuf_updates);
	put(ctx, "display_dmabuf_timeouts", d->dmabuf_timeouts);
	if (dev->virgl != NULL) {
		const struct gpu_virgl_stats *v = gpu_virgl_stats(dev->virgl);

		put(ctx, "virgl_contexts", v->contexts);
		put(ctx, "virgl_submits", v->submits);
		put(ctx, "virgl_submit_bytes", v->submit_bytes);
		put(ctx, "virgl_submit_errors", v->submit_errors);
		put(ctx, "virgl_fences_held", v->fences_held);
		put(ctx, "virgl_ctx_fences", v->ctx_fences);
		put(ctx, "virgl_readbacks", v->readbacks);
		put(ctx, "virgl_exports", v->exports);
		put(ctx, "virgl_export_failures", v->export_failures);
		put(ctx, "virgl_remaps", v->remaps);
		put(ctx, "virgl_renderer_errors", v->renderer_errors);
	}
}

const struct vhd_device_ops gpu_ops = {
	.name = "gpu",
	.virtio_id = GPU_VIRTIO_ID,
	.num_queues = 2,
	.max_queue_size = 1024,
	.features = 1ull << GPU_F_RING_RESET,
	.config_size = sizeof(struct gpu_config),
	.held_survive_remap = true, /* nothing held; backing kept as guest addresses */
	.channel_request = GPU_SET_SOCKET,
	.set_channel = gpu_set_channel,
	.attach = gpu_attach,
	.get_config = gpu_get_config,
	.reset = gpu_reset,
	.set_features = gpu_set_features,
	.queue_start = gpu_queue_start,
	.queue_stop = gpu_queue_stop,
	.handle = gpu_handle,
	.next_wake = gpu_next_wake,
	.get_stats = gpu_get_stats,
};
