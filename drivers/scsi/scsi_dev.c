/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/falloc.h>
#include <linux/fs.h>

#include "scsi.h"
#include "scsi_cdb.h"
#include "scsi_emul.h"

/** Largest MODE SELECT parameter list taken. */
#define MODE_SELECT_MAX 512

/* Steps of a task at the host. */
enum task_kind {
	T_READ,
	T_WRITE,
	T_PATTERN, /* WRITE SAME: one block written over and over */
	T_PUNCH,   /* UNMAP / WRITE SAME with UNMAP: descriptors, hole by hole */
	T_SYNC,
};

/** A command at the host (io_uring or the offload thread). */
struct scsi_task {
	struct scsi_dev *dev;
	struct vhd_vq *vq;
	struct scsi_lun *lun;
	uint64_t tag;
	uint16_t id;
	uint16_t idx;
	uint16_t lun_id;
	bool busy;
	bool aborted;
	bool fua;
	bool synced;
	bool direct_retry;
	uint8_t tmf_mask;   /* TMF slots waiting for this task */
	enum task_kind kind;
	uint64_t off;       /* image byte offset of the next transfer */
	uint64_t left;      /* bytes still to transfer */
	uint64_t total;
	uint32_t din, dout; /* guest data-in / data-out bytes */
	uint32_t moved;     /* data bytes transferred */
	struct vhd_io io;
	uint16_t n_wr, n_data;
	uint16_t nunmap, unmap_pos;
	struct {
		uint64_t lba;
		uint32_t n;
	} unmap[SCSI_MAX_UNMAP_DESC];
	uint64_t range[2];  /* BLKDISCARD */
	struct iovec wr[VHD_REQ_MAX_IOV];
	struct iovec data[VHD_REQ_MAX_IOV];
	uint8_t pat[4096];
};

/* ---- iovec helpers ---- */

/* iov[] range [off, off + len) into dst[]; @return segments, or -1 when it does not fit. */
static int
iov_slice(const struct iovec *src, unsigned int n, size_t off, size_t len, struct iovec *dst,
	  unsigned int max)
{
	unsigned int i, k = 0;

	for (i = 0; i < n && len > 0; i++) {
		size_t l = src[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		if (k == max)
			return -1;
		dst[k].iov_base = (uint8_t *)src[i].iov_base + off;
		dst[k].iov_len = l - off < len ? l - off : len;
		len -= dst[k].iov_len;
		off = 0;
		k++;
	}
	return len == 0 ? (int)k : -1;
}

/* Drop the first @p bytes of iov[0..*n). */
static void
iov_advance(struct iovec *iov, uint16_t *n, size_t bytes)
{
	unsigned int i = 0, k;

	while (i < *n && bytes >= iov[i].iov_len) {
		bytes -= iov[i].iov_len;
		i++;
	}
	if (i < *n && bytes > 0) {
		iov[i].iov_base = (uint8_t *)iov[i].iov_base + bytes;
		iov[i].iov_len -= bytes;
	}
	for (k = 0; i + k < *n; k++)
		iov[k] = iov[i + k];
	*n = (uint16_t)k;
}

/* ---- responses ---- */

static void
fill_resp(struct scsi_dev *dev, struct virtio_scsi_cmd_resp *r, struct scsi_lun *l,
	  uint8_t response, uint8_t status, const struct scsi_sense *s, uint32_t resid)
{
	memset(r, 0, sizeof(*r));
	r->response = response;
	r->status = status;
	r->resid = htole32(resid);
	if (s != NULL) {
		r->sense_len = htole32((uint32_t)scsi_sense_encode(r->sense, sizeof(r->sense),
								   l != NULL && l->d_sense, *s));
		dev->stats.check_conditions++;
	}
}

/* Answer the request now: header, no data. @return used length. */
static int
reply(struct scsi_dev *dev, struct vhd_req *req, struct scsi_lun *l, uint8_t response,
      const struct scsi_sense *s, uint32_t resid)
{
	struct virtio_scsi_cmd_resp r;

	fill_resp(dev, &r, l, response, s != NULL ? SAM_CHECK_CONDITION : SAM_GOOD, s, resid);
	if (response == VIRTIO_SCSI_S_OVERRUN)
		dev->stats.overruns++;
	vhd_req_write(req, 0, &r, sizeof(r));
	return (int)SCSI_RESP_HDR;
}

static int
check(struct scsi_dev *dev, struct vhd_req *req, struct scsi_lun *l, struct scsi_sense s,
      uint32_t resid)
{
	return reply(dev, req, l, VIRTIO_SCSI_S_OK, &s, resid);
}

static struct scsi_sense
errno_sense(int err, bool write)
{
	if (err == -ENOSPC || err == -EDQUOT)
		return SENSE_SPACE_ALLOC_FAILED;
	if (err == -EROFS || err == -EBADF || err == -EPERM)
		return SENSE_WRITE_PROTECTED;
	return write ? SENSE_WRITE_ERROR : SENSE_READ_ERROR;
}

/* ---- tasks ---- */

static struct scsi_task *
task_get(struct scsi_dev *dev, struct scsi_lun *l)
{
	struct scsi_task *t;

	if (dev->nfree == 0)
		return NULL;
	t = &dev->tasks[dev->free_tasks[--dev->nfree]];
	memset(&t->io, 0, sizeof(t->io));
	t->busy = true;
	t->lun = l;
	t->aborted = false;
	t->fua = false;
	t->synced = false;
	t->direct_retry = false;
	t->tmf_mask = 0;
	t->moved = 0;
	t->n_data = 0;
	t->nunmap = t->unmap_pos = 0;
	return t;
}

static void
task_put(struct scsi_task *t)
{
	struct scsi_dev *dev = t->dev;

	t->busy = false;
	dev->free_tasks[dev->nfree++] = t->idx;
}

static void tmf_release(struct scsi_dev *dev, uint8_t mask);

static void
lun_unref(struct scsi_lun *l)
{
	if (--l->inflight == 0 && l->removed)
		scsi_lun_close(l);
}

/* End a task: response header into the guest's buffer, used entry, free the slot. */
static void
task_end(struct scsi_task *t, const struct scsi_sense *s)
{
	struct scsi_dev *dev = t->dev;
	struct virtio_scsi_cmd_resp r;
	uint32_t in = t->kind == T_READ ? t->moved : 0;
	uint8_t response = VIRTIO_SCSI_S_OK;

	if (t->aborted) {
		response = VIRTIO_SCSI_S_ABORTED;
		s = NULL;
		dev->stats.aborted++;
	}
	fill_resp(dev, &r, t->lun, response, s != NULL ? SAM_CHECK_CONDITION : SAM_GOOD, s,
		  t->din + t->dout - t->moved);
	vhd_iov_from_buf(t->wr, t->n_wr, 0, &r, sizeof(r));
	vhd_vq_push(t->vq, t->id, SCSI_RESP_HDR + in);
	vhd_vq_notify(t->vq);
	lun_unref(t->lun);
	if (t->tmf_mask != 0)
		tmf_release(dev, t->tmf_mask);
	task_put(t);
}

static void task_io_done(void *arg, int res);
static void task_discard_done(void *arg, int res);

static int
discard_work(void *arg)
{
	struct scsi_task *t = arg;

	return ioctl(t->lun->fd, BLKDISCARD, t->range) == 0 ? 0 : -errno;
}

static int
lun_fd(const struct scsi_task *t)
{
	return t->direct_retry && t->lun->fd_buffered >= 0 ? t->lun->fd_buffered : t->lun->fd;
}

/*
 * Submit the next step of @p t, or end it when nothing is left.
 * @return 0 (a callback comes), or the negative errno of the submission.
 */
static int
task_next(struct scsi_task *t)
{
	struct scsi_dev *dev = t->dev;
	struct vhd_io *io = &t->io;
	int rc;

	memset(io, 0, sizeof(*io));
	io->fd = lun_fd(t);
	io->cb = task_io_done;
	io->arg = t;
	switch (t->kind) {
	case T_READ:
	case T_WRITE:
		if (t->left == 0) {
			if (t->kind == T_READ || !t->fua || t->synced)
				return 1;
			t->synced = true;
			io->op = VHD_IO_FDATASYNC;
			break;
		}
		io->op = t->kind == T_READ ? VHD_IO_READV : VHD_IO_WRITEV;
		io->iov = t->data;
		io->iovcnt = t->n_data;
		io->offset = t->off;
		break;
	case T_PATTERN: {
		uint32_t bs = t->lun->bs, pos, k;

		if (t->left == 0)
			return 1;
		/* the pattern from where the last write stopped, then whole blocks */
		pos = (uint32_t)((t->total - t->left) % bs);
		t->data[0].iov_base = t->pat + pos;
		t->data[0].iov_len = bs - pos;
		for (k = 1; k < VHD_REQ_MAX_IOV &&
		     (uint64_t)(bs - pos) + (uint64_t)k * bs <= t->left; k++) {
			t->data[k].iov_base = t->pat;
			t->data[k].iov_len = bs;
		}
		if (t->data[0].iov_len > t->left)
			t->data[0].iov_len = (size_t)t->left;
		io->op = VHD_IO_WRITEV;
		io->iov = t->data;
		io->iovcnt = k;
		io->offset = t->off;
		break;
	}
	case T_PUNCH:
		while (t->unmap_pos < t->nunmap && t->unmap[t->unmap_pos].n == 0)
			t->unmap_pos++;
		if (t->unmap_pos == t->nunmap)
			return 1;
		t->range[0] = t->unmap[t->unmap_pos].lba * t->lun->bs;
		t->range[1] = (uint64_t)t->unmap[t->unmap_pos].n * t->lun->bs;
		if (t->lun->blkdev) {
			/* BLKDISCARD has no io_uring form: the offload thread */
			rc = dev->host->offload(dev->host, discard_work, task_discard_done, t);
			return rc;
		}
		io->op = VHD_IO_FALLOCATE;
		io->mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
		io->offset = t->range[0];
		io->len = t->range[1];
		break;
	case T_SYNC:
		if (t->synced)
			return 1;
		t->synced = true;
		io->op = VHD_IO_FDATASYNC;
		break;
	}
	return dev->host->io_submit(dev->host, io);
}

/* Go on with @p t after a step; end it on an error or when done. */
static void
task_continue(struct scsi_task *t)
{
	int rc = task_next(t);

	if (rc == 1) {
		task_end(t, NULL);
	} else if (rc < 0) {
		struct scsi_sense s = SENSE_INTERNAL_FAILURE;

		t->dev->stats.io_errors++;
		task_end(t, &s);
	}
}

static void
task_fail(struct scsi_task *t, int res)
{
	struct scsi_sense s = errno_sense(res, t->kind != T_READ);

	t->dev->stats.io_errors++;
	task_end(t, &s);
}

static void
task_io_done(void *arg, int res)
{
	struct scsi_task *t = arg;

	if (res < 0) {
		/* O_DIRECT refuses a guest buffer it cannot align: the buffered fd takes it */
		if (res == -EINVAL && !t->direct_retry && t->lun->fd_buffered >= 0 &&
		    (t->io.op == VHD_IO_READV || t->io.op == VHD_IO_WRITEV)) {
			t->direct_retry = true;
			task_continue(t);
			return;
		}
		task_fail(t, res);
		return;
	}
	switch (t->io.op) {
	case VHD_IO_READV:
	case VHD_IO_WRITEV:
		if (res == 0) {
			task_fail(t, -EIO); /* the image shrank under us */
			return;
		}
		if ((uint64_t)res > t->left)
			res = (int)t->left;
		t->off += (uint64_t)res;
		t->left -= (uint64_t)res;
		if (t->kind != T_PATTERN) {
			t->moved += (uint32_t)res;
			iov_advance(t->data, &t->n_data, (size_t)res);
		}
		break;
	case VHD_IO_FALLOCATE:
		t->unmap_pos++;
		break;
	default:
		break;
	}
	task_continue(t);
}

static void
task_discard_done(void *arg, int res)
{
	struct scsi_task *t = arg;

	if (res < 0) {
		task_fail(t, res);
		return;
	}
	t->unmap_pos++;
	task_continue(t);
}

/*
 * Start @p t at the host. @return VHD_REQ_HELD, VHD_REQ_RETRY (nothing
 * happened), or a used length (already answered).
 */
static int
task_start(struct scsi_dev *dev, struct scsi_task *t, struct vhd_req *req)
{
	struct scsi_sense s = SENSE_INTERNAL_FAILURE;
	int rc;

	/* who it is, for TMFs, and where it goes back */
	t->vq = dev->cur_vq;
	t->id = req->id;
	t->tag = dev->cur_tag;
	t->lun_id = dev->cur_lun;
	t->n_wr = req->n_wr;
	memcpy(t->wr, vhd_req_wr_iov(req), req->n_wr * sizeof(struct iovec));
	t->lun->inflight++;
	rc = task_next(t);
	if (rc == 0)
		return VHD_REQ_HELD;
	t->lun->inflight--;
	task_put(t);
	if (rc == -EAGAIN) {
		dev->stats.retries++;
		return VHD_REQ_RETRY;
	}
	if (rc == 1) /* nothing to do after all */
		return reply(dev, req, t->lun, VIRTIO_SCSI_S_OK, NULL, t->din + t->dout - t->moved);
	dev->stats.io_errors++;
	return check(dev, req, t->lun, s, t->din + t->dout);
}

/* ---- request queue ---- */

/* LUN field to an index. @return 0 (idx set, or wlun), -1 for a bad encoding. */
static int
decode_lun(const uint8_t *lun, unsigned int *idx, bool *wlun)
{
	uint16_t v;

	*wlun = false;
	if (lun[0] != 1 || lun[1] != 0 || lun[4] || lun[5] || lun[6] || lun[7])
		return -1; /* target 0 only; single-level LUNs */
	v = scsi_get16(lun + 2);
	if (v == SCSI_WLUN_REPORT_LUNS) {
		*wlun = true;
		*idx = SCSI_MAX_LUNS;
		return 0;
	}
	switch (lun[2] >> 6) {
	case 0: /* peripheral: bus 0 only */
		*idx = (lun[2] & 0x3f) == 0 ? lun[3] : SCSI_MAX_LUNS;
		return 0;
	case 1: /* flat space, what Linux sends */
		*idx = v & 0x3fff;
		return 0;
	default:
		*idx = SCSI_MAX_LUNS; /* a method we do not use: no such LUN */
		return 0;
	}
}

static int
do_emulated(struct scsi_dev *dev, struct vhd_req *req, struct scsi_lun *l, bool wlun,
	    const uint8_t *cdb, const struct scsi_cmd *c, uint32_t din, uint32_t dout)
{
	const struct scsi_lunmap map = {dev->luns};
	uint8_t out[SCSI_EMUL_MAX];
	struct scsi_sense s;
	uint32_t n;
	int len;

	dev->stats.emulated++;
	len = scsi_emulate(&map, l, wlun, cdb, c, out, &s);
	if (len < 0)
		return check(dev, req, l, s, din + dout);
	n = (uint32_t)len;
	if (n > c->alloc_len)
		n = c->alloc_len;
	if (n > din)
		n = din; /* the allocation length may exceed the buffer: send what fits */
	vhd_req_write(req, SCSI_RESP_HDR, out, n);
	reply(dev, req, l, VIRTIO_SCSI_S_OK, NULL, din + dout - n);
	return (int)(SCSI_RESP_HDR + n);
}

static int
do_mode_select(struct scsi_dev *dev, struct vhd_req *req, struct scsi_lun *l,
	       const uint8_t *cdb, const struct scsi_cmd *c, uint32_t din, uint32_t dout)
{
	uint8_t p[MODE_SELECT_MAX];
	struct scsi_sense s;

	if (c->alloc_len > dout)
		return reply(dev, req, l, VIRTIO_SCSI_S_OVERRUN, NULL, din + dout);
	if (c->alloc_len > sizeof(p))
		return check(dev, req, l, SENSE_PARAM_LIST_LENGTH, din + dout);
	vhd_req_read(req, SCSI_REQ_HDR, p, c->alloc_len);
	if (scsi_mode_select(l, cdb, p, c->alloc_len, &s) != 0)
		return check(dev, req, l, s, din + dout);
	return reply(dev, req, l, VIRTIO_SCSI_S_OK, NULL, din + dout - c->alloc_len);
}

/* RAM image: the whole command now. */
static int
ram_rw(struct scsi_dev *dev, struct vhd_req *req, struct scsi_lun *l, const struct scsi_cmd *c,
       uint32_t din, uint32_t dout)
{
	uint64_t off = c->lba * l->bs, len = (uint64_t)c->nblocks * l->bs;

	if (c->kind == SCSI_K_READ) {
		vhd_iov_from_buf(req->iov + req->n_rd, req->n_wr, SCSI_RESP_HDR, l->ram + off,
				 (size_t)len);
		reply(dev, req, l, VIRTIO_SCSI_S_OK, NULL, din + dout - (uint32_t)len);
		return (int)(SCSI_RESP_HDR + len);
	}
	vhd_iov_to_buf(req->iov, req->n_rd, SCSI_REQ_HDR, l->ram + off, (size_t)len);
	return reply(dev, req, l, VIRTIO_SCSI_S_OK, NULL, din + dout - (uint32_t)len);
}

static int
do_rw(struct scsi_dev *dev, struct vhd_req *req, struct scsi_lun *l, const struct scsi_cmd *c,
      uint32_t din, uint32_t dout)
{
	uint64_t len = (uint64_t)c->nblocks * l->bs;
	bool rd = c->kind == SCSI_K_READ;
	struct scsi_task *t;
	int n;

	if (c->nblocks > SCSI_MAX_XFER_BLOCKS)
		return check(dev, req, l, SENSE_INVALID_FIELD_CDB, din + dout);
	if (len > (rd ? din : dout))
		return reply(dev, req, l, VIRTIO_SCSI_S_OVERRUN, NULL, din + dout);
	if (rd) {
		dev->stats.reads++;
		dev->stats.read_bytes += len;
	} else {
		dev->stats.writes++;
		dev->stats.write_bytes += len;
	}
	if (len == 0)
		return reply(dev, req, l, VIRTIO_SCSI_S_OK, NULL, din + dout);
	if (l->ram != NULL)
		return ram_rw(dev, req, l, c, din, dout);
	t = task_get(dev, l);
	if (t == NULL) {
		dev->stats.retries++;
		return VHD_REQ_RETRY;
	}
	t->kind = rd ? T_READ : T_WRITE;
	t->fua = c->fua;
	t->off = c->lba * l->bs;
	t->left = t->total = len;
	t->din = din;
	t->dout = dout;
	n = rd ? iov_slice(req->iov + req->n_rd, req->n_wr, SCSI_RESP_HDR, (size_t)len, t->data,
			   VHD_REQ_MAX_IOV) :
		 iov_slice(req->iov, req->n_rd, SCSI_REQ_HDR, (size_t)len, t->data,
			   VHD_REQ_MAX_IOV);
	if (n <= 0) { /* cannot happen: the lengths were checked */
		task_put(t);
		return check(dev, req, l, SENSE_INTERNAL_FAILURE, din + dout);
	}
	t->n_data = (uint16_t)n;
	return task_start(dev, t, req);
}

static int
do_write_same(struct scsi_dev *dev, struct vhd_req *req, struct scsi_lun *l,
	      const struct scsi_cmd *c, uint32_t din, uint32_t dout)
{
	uint64_t off = c->lba * l->bs, len = (uint64_t)c->nblocks * l->bs, i;
	uint32_t used = c->ndob ? 0 : l->bs;
	struct scsi_task *t;
	bool zero;

	if (c->nblocks > SCSI_MAX_UNMAP_BLOCKS)
		return check(dev, req, l, SENSE_INVALID_FIELD_CDB, din + dout);
	if (used > dout)
		return reply(dev, req, l, VIRTIO_SCSI_S_OVERRUN, NULL, din + dout);
	t = task_get(dev, l);
	if (t == NULL) {
		dev->stats.retries++;
		return VHD_REQ_RETRY;
	}
	memset(t->pat, 0, sizeof(t->pat));
	if (used != 0)
		vhd_req_read(req, SCSI_REQ_HDR, t->pat, l->bs);
	zero = vhd_mem_is_zero(t->pat, l->bs);
	dev->stats.write_sames++;
	t->din = din;
	t->dout = dout;
	t->moved = used;
	if (l->ram != NULL) {
		if (c->unmap && zero) {
			/* give the pages back: they read as zeros again */
			memset(l->ram + off, 0, (size_t)len);
		} else {
			for (i = 0; i < c->nblocks; i++)
				memcpy(l->ram + off + i * l->bs, t->pat, l->bs);
		}
		task_put(t);
		return reply(dev, req, l, VIRTIO_SCSI_S_OK, NULL, din + dout - used);
	}
	t->off = off;
	t->left = t->total = len;
	if (c->unmap && zero) {
		t->kind = T_PUNCH;
		t->nunmap = 1;
		t->unmap[0].lba = c->lba;
		t->unmap[0].n = c->nblocks;
	} else {
		t->kind = T_PATTERN;
	}
	return task_start(dev, t, req);
}

static int
do_unmap(struct scsi_dev *dev, struct vhd_req *req, struct scsi_lun *l, const struct scsi_cmd *c,
	 uint32_t din, uint32_t dout)
{
	uint8_t p[8 + 16 * SCSI_MAX_UNMAP_DESC];
	uint32_t plen = c->alloc_len, bdl, nd, i;
	uint64_t total = 0;
	struct scsi_task *t;

	if (plen == 0)
		return reply(dev, req, l, VIRTIO_SCSI_S_OK, NULL, din + dout);
	if (plen > dout)
		return reply(dev, req, l, VIRTIO_SCSI_S_OVERRUN, NULL, din + dout);
	if (plen < 8)
		return check(dev, req, l, SENSE_PARAM_LIST_LENGTH, din + dout);
	memset(p, 0, sizeof(p));
	vhd_req_read(req, SCSI_REQ_HDR, p, plen < sizeof(p) ? plen : sizeof(p));
	bdl = scsi_get16(p + 2);
	if (bdl > plen - 8)
		bdl = plen - 8; /* SBC-3 5.28: what the list length truncates is ignored */
	nd = bdl / 16;
	if (nd > SCSI_MAX_UNMAP_DESC)
		return check(dev, req, l, SENSE_INVALID_FIELD_PARAM, din + dout);
	for (i = 0; i < nd; i++) {
		uint64_t lba = scsi_get64(p + 8 + 16 * i);
		uint32_t n = scsi_get32(p + 8 + 16 * i + 8);

		if (!scsi_lba_ok(lba, n, l->nblocks))
			return check(dev, req, l, SENSE_LBA_OUT_OF_RANGE, din + dout);
		total += n;
	}
	if (total > SCSI_MAX_UNMAP_BLOCKS)
		return check(dev, req, l, SENSE_INVALID_FIELD_PARAM, din + dout);
	dev->stats.unmaps++;
	if (l->ram != NULL) {
		for (i = 0; i < nd; i++)
			memset(l->ram + scsi_get64(p + 8 + 16 * i) * l->bs, 0,
			       (size_t)scsi_get32(p + 8 + 16 * i + 8) * l->bs);
		return reply(dev, req, l, VIRTIO_SCSI_S_OK, NULL, din + dout - plen);
	}
	t = task_get(dev, l);
	if (t == NULL) {
		dev->stats.retries++;
		return VHD_REQ_RETRY;
	}
	t->kind = T_PUNCH;
	t->din = din;
	t->dout = dout;
	t->moved = plen;
	t->nunmap = (uint16_t)nd;
	for (i = 0; i < nd; i++) {
		t->unmap[i].lba = scsi_get64(p + 8 + 16 * i);
		t->unmap[i].n = scsi_get32(p + 8 + 16 * i + 8);
	}
	return task_start(dev, t, req);
}

static int
do_sync(struct scsi_dev *dev, struct vhd_req *req, struct scsi_lun *l, uint32_t din,
	uint32_t dout)
{
	struct scsi_task *t;

	dev->stats.syncs++;
	if (l->ram != NULL)
		return reply(dev, req, l, VIRTIO_SCSI_S_OK, NULL, din + dout);
	t = task_get(dev, l);
	if (t == NULL) {
		dev->stats.retries++;
		return VHD_REQ_RETRY;
	}
	t->kind = T_SYNC;
	t->din = din;
	t->dout = dout;
	return task_start(dev, t, req);
}

static int
handle_cmd(struct scsi_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	struct virtio_scsi_cmd_req h;
	struct scsi_lun *l = NULL;
	struct scsi_sense s;
	struct scsi_cmd c;
	uint32_t din, dout;
	unsigned int idx;
	bool wlun;

	dev->cur_vq = vq;
	if (req->wr_len < SCSI_RESP_HDR) {
		dev->stats.dropped++; /* no room for a response header */
		return 0;
	}
	dev->stats.commands++;
	din = req->wr_len - SCSI_RESP_HDR;
	if (req->rd_len < SCSI_REQ_HDR) {
		dev->stats.bad_requests++;
		return reply(dev, req, NULL, VIRTIO_SCSI_S_FAILURE, NULL, din);
	}
	dout = req->rd_len - SCSI_REQ_HDR;
	vhd_req_read(req, 0, &h, sizeof(h));
	if (decode_lun(h.lun, &idx, &wlun) != 0) {
		dev->stats.bad_requests++;
		return reply(dev, req, NULL, VIRTIO_SCSI_S_BAD_TARGET, NULL, din + dout);
	}
	if (idx < SCSI_MAX_LUNS)
		l = dev->luns[idx];
	dev->cur_tag = le64toh(h.tag);
	dev->cur_lun = (uint16_t)idx;
	/* a pending unit attention ends the next command but these three (SPC-4 5.14) */
	if (l != NULL && l->ua != 0 && h.cdb[0] != OP_INQUIRY && h.cdb[0] != OP_REPORT_LUNS &&
	    h.cdb[0] != OP_REQUEST_SENSE && scsi_ua_take(l, &s)) {
		dev->stats.unit_attentions++;
		return check(dev, req, l, s, din + dout);
	}
	if (scsi_cdb_parse(h.cdb, &c, &s) != 0)
		return check(dev, req, l, s, din + dout);
	if (c.kind == SCSI_K_IN)
		return do_emulated(dev, req, l, wlun, h.cdb, &c, din, dout);
	if (l == NULL) {
		if (wlun && c.op == OP_TEST_UNIT_READY)
			return reply(dev, req, NULL, VIRTIO_SCSI_S_OK, NULL, din + dout);
		return check(dev, req, NULL, wlun ? SENSE_INVALID_OPCODE : SENSE_LUN_NOT_SUPPORTED,
			     din + dout);
	}
	if (c.write && l->spec.read_only)
		return check(dev, req, l, SENSE_WRITE_PROTECTED, din + dout);
	switch (c.kind) {
	case SCSI_K_NONE:
		/* VERIFY with BYTCHK 0 checks the range only; the others have none */
		if (!scsi_lba_ok(c.lba, c.nblocks, l->nblocks))
			return check(dev, req, l, SENSE_LBA_OUT_OF_RANGE, din + dout);
		return reply(dev, req, l, VIRTIO_SCSI_S_OK, NULL, din + dout);
	case SCSI_K_MODE_SELECT:
		return do_mode_select(dev, req, l, h.cdb, &c, din, dout);
	case SCSI_K_READ:
	case SCSI_K_WRITE:
	case SCSI_K_WRITE_SAME:
		if (!scsi_lba_ok(c.lba, c.nblocks, l->nblocks))
			return check(dev, req, l, SENSE_LBA_OUT_OF_RANGE, din + dout);
		break;
	case SCSI_K_SYNC:
		/* 0 blocks: from the LBA to the end */
		if (!scsi_lba_ok(c.lba, c.nblocks != 0 ? c.nblocks : 0, l->nblocks) ||
		    c.lba >= l->nblocks)
			return check(dev, req, l, SENSE_LBA_OUT_OF_RANGE, din + dout);
		break;
	default:
		break;
	}
	switch (c.kind) {
	case SCSI_K_READ:
	case SCSI_K_WRITE:
		return do_rw(dev, req, l, &c, din, dout);
	case SCSI_K_WRITE_SAME:
		return do_write_same(dev, req, l, &c, din, dout);
	case SCSI_K_UNMAP:
		return do_unmap(dev, req, l, &c, din, dout);
	case SCSI_K_SYNC:
		return do_sync(dev, req, l, din, dout);
	default:
		return check(dev, req, l, SENSE_INVALID_OPCODE, din + dout);
	}
}

/* ---- control queue ---- */

static void
tmf_release(struct scsi_dev *dev, uint8_t mask)
{
	unsigned int i;

	for (i = 0; i < SCSI_MAX_TMF; i++) {
		struct scsi_tmf *m = &dev->tmf[i];

		if (!(mask & (1u << i)) || !m->busy || --m->waiting != 0)
			continue;
		*m->resp = VIRTIO_SCSI_S_FUNCTION_COMPLETE;
		m->busy = false;
		vhd_vq_push(m->vq, m->id, 1);
		vhd_vq_notify(m->vq);
	}
}

/* Does task @p t fall under a TMF of @p sub for LUN @p idx and @p tag? */
static bool
tmf_match(const struct scsi_task *t, uint32_t sub, unsigned int idx, uint64_t tag)
{
	if (!t->busy || t->vq == NULL)
		return false;
	if (sub == VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET)
		return true;
	if (t->lun_id != idx)
		return false;
	return (sub != VIRTIO_SCSI_T_TMF_ABORT_TASK && sub != VIRTIO_SCSI_T_TMF_QUERY_TASK) ||
	       t->tag == tag;
}

static int
tmf_answer(struct vhd_req *req, uint8_t response)
{
	vhd_req_write(req, 0, &response, 1);
	return 1;
}

static int
handle_tmf(struct scsi_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	struct virtio_scsi_ctrl_tmf m;
	struct scsi_tmf *slot = NULL;
	unsigned int idx, i, hits = 0, si = 0;
	uint32_t sub;
	uint64_t tag;
	bool wlun;

	if (req->rd_len < sizeof(m)) {
		dev->stats.bad_requests++;
		return tmf_answer(req, VIRTIO_SCSI_S_FAILURE);
	}
	vhd_req_read(req, 0, &m, sizeof(m));
	dev->stats.tmfs++;
	sub = le32toh(m.subtype);
	tag = le64toh(m.tag);
	if (decode_lun(m.lun, &idx, &wlun) != 0)
		return tmf_answer(req, VIRTIO_SCSI_S_BAD_TARGET);
	if (sub != VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET &&
	    (idx >= SCSI_MAX_LUNS || dev->luns[idx] == NULL))
		return tmf_answer(req, VIRTIO_SCSI_S_INCORRECT_LUN);
	switch (sub) {
	case VIRTIO_SCSI_T_TMF_QUERY_TASK:
	case VIRTIO_SCSI_T_TMF_QUERY_TASK_SET:
		for (i = 0; i < SCSI_MAX_TASKS; i++)
			if (tmf_match(&dev->tasks[i], sub, idx, tag))
				return tmf_answer(req, VIRTIO_SCSI_S_FUNCTION_SUCCEEDED);
		return tmf_answer(req, VIRTIO_SCSI_S_FUNCTION_COMPLETE);
	case VIRTIO_SCSI_T_TMF_ABORT_TASK:
	case VIRTIO_SCSI_T_TMF_ABORT_TASK_SET:
	case VIRTIO_SCSI_T_TMF_CLEAR_TASK_SET:
	case VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET:
	case VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET:
		break;
	default: /* CLEAR ACA (no NACA), unknown */
		return tmf_answer(req, VIRTIO_SCSI_S_FUNCTION_REJECTED);
	}
	for (i = 0; i < SCSI_MAX_TASKS; i++)
		hits += tmf_match(&dev->tasks[i], sub, idx, tag);
	/* mode parameters back to their defaults; the next command learns of the reset */
	if (sub == VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET) {
		dev->luns[idx]->d_sense = false;
		dev->luns[idx]->ua |= SCSI_UA_RESET;
	}
	if (sub == VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET) {
		for (i = 0; i < SCSI_MAX_LUNS; i++) {
			if (dev->luns[i] != NULL) {
				dev->luns[i]->d_sense = false;
				dev->luns[i]->ua |= SCSI_UA_NEXUS_LOSS;
			}
		}
	}
	if (hits == 0)
		return tmf_answer(req, VIRTIO_SCSI_S_FUNCTION_COMPLETE);
	for (si = 0; si < SCSI_MAX_TMF && slot == NULL; si++)
		if (!dev->tmf[si].busy)
			slot = &dev->tmf[si];
	if (slot == NULL) {
		dev->stats.retries++;
		return VHD_REQ_RETRY; /* a finishing command frees a slot */
	}
	si--;
	/* The commands are at the host: they end as ABORTED, then the TMF is answered. */
	for (i = 0; i < SCSI_MAX_TASKS; i++) {
		struct scsi_task *t = &dev->tasks[i];

		if (!tmf_match(t, sub, idx, tag))
			continue;
		t->aborted = true;
		t->tmf_mask |= (uint8_t)(1u << si);
	}
	slot->busy = true;
	slot->vq = vq;
	slot->id = req->id;
	slot->waiting = hits;
	slot->resp = vhd_req_wr_iov(req)[0].iov_base;
	return VHD_REQ_HELD;
}

static int
handle_ctrl(struct scsi_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	struct virtio_scsi_ctrl_an a;
	struct virtio_scsi_ctrl_an_resp r;
	unsigned int idx;
	uint32_t type;
	bool wlun;

	if (req->wr_len == 0) {
		dev->stats.dropped++;
		return 0;
	}
	if (vhd_req_read(req, 0, &type, sizeof(type)) != sizeof(type)) {
		dev->stats.bad_requests++;
		return tmf_answer(req, VIRTIO_SCSI_S_FAILURE);
	}
	switch (le32toh(type)) {
	case VIRTIO_SCSI_T_TMF:
		return handle_tmf(dev, vq, req);
	case VIRTIO_SCSI_T_AN_QUERY:
	case VIRTIO_SCSI_T_AN_SUBSCRIBE:
		dev->stats.an_queries++;
		memset(&r, 0, sizeof(r));
		if (req->rd_len < sizeof(a) || req->wr_len < sizeof(r)) {
			dev->stats.bad_requests++;
			return tmf_answer(req, VIRTIO_SCSI_S_FAILURE);
		}
		vhd_req_read(req, 0, &a, sizeof(a));
		/* no asynchronous notification classes are supported: event_actual 0 */
		r.response = decode_lun(a.lun, &idx, &wlun) == 0 ? VIRTIO_SCSI_S_OK :
			     VIRTIO_SCSI_S_BAD_TARGET;
		vhd_req_write(req, 0, &r, sizeof(r));
		return (int)sizeof(r);
	default:
		dev->stats.bad_requests++;
		return tmf_answer(req, VIRTIO_SCSI_S_FAILURE);
	}
}

/* ---- event queue ---- */

static void
lun_bytes(uint8_t *lun, unsigned int idx)
{
	memset(lun, 0, 8);
	lun[0] = 1;
	/*
	 * Peripheral addressing below 256, as QEMU's virtio-scsi sends events:
	 * Linux takes lun[2..3] as the LUN number itself, so a flat-space 0x40
	 * there would make it add LUN 16384 + idx.
	 */
	lun[2] = idx < 256 ? 0 : (uint8_t)(0x40 | (idx >> 8));
	lun[3] = (uint8_t)idx;
}

/* Fill the oldest held buffer with @p e and give it back. */
static void
event_deliver(struct scsi_dev *dev, struct virtio_scsi_event *e)
{
	struct scsi_evbuf *b = &dev->evbufs[dev->ev_head];

	if (dev->missed) {
		e->event |= htole32(VIRTIO_SCSI_T_EVENTS_MISSED);
		dev->missed = false;
	}
	vhd_iov_from_buf(b->iov, b->n, 0, e, sizeof(*e));
	dev->ev_head = (uint16_t)((dev->ev_head + 1) % SCSI_MAX_EVBUFS);
	dev->ev_count--;
	dev->stats.events++;
	vhd_vq_push(b->vq, b->id, sizeof(*e));
	vhd_vq_notify(b->vq);
}

static void
event_post(struct scsi_dev *dev, unsigned int idx, uint32_t reason)
{
	struct virtio_scsi_event e;

	if (!(dev->features & (1ULL << VIRTIO_SCSI_F_HOTPLUG)))
		return;
	memset(&e, 0, sizeof(e));
	e.event = htole32(VIRTIO_SCSI_T_TRANSPORT_RESET);
	e.reason = htole32(reason);
	lun_bytes(e.lun, idx);
	if (dev->ev_count != 0) {
		event_deliver(dev, &e);
	} else if (dev->npending < SCSI_MAX_PENDING_EVENTS) {
		dev->pending[dev->npending++] = e;
	} else {
		dev->missed = true; /* the next event says some were lost */
		dev->stats.events_missed++;
	}
}

static int
handle_event(struct scsi_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	struct scsi_evbuf *b;

	if (req->wr_len < sizeof(struct virtio_scsi_event) || req->n_wr > 16) {
		dev->stats.dropped++;
		return 0;
	}
	if (dev->ev_count == SCSI_MAX_EVBUFS)
		return VHD_REQ_RETRY;
	b = &dev->evbufs[(dev->ev_head + dev->ev_count) % SCSI_MAX_EVBUFS];
	b->vq = vq;
	b->id = req->id;
	b->n = req->n_wr;
	memcpy(b->iov, vhd_req_wr_iov(req), req->n_wr * sizeof(struct iovec));
	dev->ev_count++;
	if (dev->npending != 0) {
		struct virtio_scsi_event e = dev->pending[0];

		memmove(dev->pending, dev->pending + 1, --dev->npending * sizeof(e));
		event_deliver(dev, &e);
	}
	return VHD_REQ_HELD;
}

/* ---- ops ---- */

static int
scsi_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct scsi_dev *dev = priv;

	if (q == SCSI_Q_CTRL)
		return handle_ctrl(dev, vq, req);
	if (q == SCSI_Q_EVENT)
		return handle_event(dev, vq, req);
	return handle_cmd(dev, vq, req);
}

static void
scsi_queue_stop(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct scsi_dev *dev = priv;
	unsigned int i;

	if (q == SCSI_Q_EVENT) {
		/* held event buffers go back empty: their memory goes away */
		while (dev->ev_count != 0) {
			struct scsi_evbuf *b = &dev->evbufs[dev->ev_head];
			struct virtio_scsi_event e;

			memset(&e, 0, sizeof(e));
			vhd_iov_from_buf(b->iov, b->n, 0, &e, sizeof(e));
			vhd_vq_push(b->vq, b->id, sizeof(e));
			dev->ev_head = (uint16_t)((dev->ev_head + 1) % SCSI_MAX_EVBUFS);
			dev->ev_count--;
		}
		vhd_vq_notify(vq);
		return;
	}
	if (q == SCSI_Q_CTRL) {
		for (i = 0; i < SCSI_MAX_TMF; i++) {
			struct scsi_tmf *m = &dev->tmf[i];
			unsigned int k;

			if (!m->busy || m->vq != vq)
				continue;
			for (k = 0; k < SCSI_MAX_TASKS; k++)
				dev->tasks[k].tmf_mask &= (uint8_t)~(1u << i);
			*m->resp = VIRTIO_SCSI_S_FUNCTION_COMPLETE;
			m->busy = false;
			vhd_vq_push(vq, m->id, 1);
		}
		vhd_vq_notify(vq);
		return;
	}
	/*
	 * The host ran every I/O callback before this call, so no command of
	 * this queue is left at the host; one still here would be a bug: end
	 * it as reset rather than lose it.
	 */
	for (i = 0; i < SCSI_MAX_TASKS; i++) {
		struct scsi_task *t = &dev->tasks[i];

		if (t->busy && t->vq == vq) {
			t->aborted = true;
			task_end(t, NULL);
		}
	}
}

static void
scsi_set_features(void *priv, uint64_t features)
{
	struct scsi_dev *dev = priv;

	dev->features = features;
	dev->nexus = true;
}

static void
scsi_reset(void *priv)
{
	struct scsi_dev *dev = priv;
	unsigned int i;

	/* a new driver starts from a full scan: nothing from the old nexus to report */
	for (i = 0; i < SCSI_MAX_LUNS; i++) {
		if (dev->luns[i] != NULL) {
			dev->luns[i]->d_sense = false;
			dev->luns[i]->ua = 0;
		}
	}
	dev->nexus = false;
	dev->npending = 0;
	dev->missed = false;
	dev->ev_count = 0;
	dev->features = 0;
}

static void
scsi_fill_config(const struct scsi_dev *dev, struct virtio_scsi_config *c)
{
	memset(c, 0, sizeof(*c));
	c->num_queues = htole32(dev->nreq);
	c->seg_max = htole32(VHD_REQ_MAX_IOV - 2);
	c->max_sectors = htole32(0xffff);
	c->cmd_per_lun = htole32(128);
	c->event_info_size = htole32(sizeof(struct virtio_scsi_event));
	c->sense_size = htole32(SCSI_SENSE_SIZE);
	c->cdb_size = htole32(SCSI_CDB_SIZE);
	c->max_channel = 0;
	c->max_target = 0;
	c->max_lun = htole32(SCSI_MAX_LUNS - 1);
}

static int
scsi_get_config(void *priv, uint8_t *buf, uint32_t off, uint32_t len)
{
	struct virtio_scsi_config c;

	scsi_fill_config(priv, &c); /* immutable while serving */
	if (off > sizeof(c) || len > sizeof(c) - off)
		return -EINVAL;
	memcpy(buf, (const uint8_t *)&c + off, len);
	return 0;
}

static int
scsi_set_config(void *priv, const uint8_t *buf, uint32_t off, uint32_t len)
{
	struct virtio_scsi_config c, n;

	/* the driver may write sense_size and cdb_size; other sizes are not supported */
	scsi_fill_config(priv, &c);
	if (off > sizeof(c) || len > sizeof(c) - off)
		return -EINVAL;
	n = c;
	memcpy((uint8_t *)&n + off, buf, len);
	return n.sense_size == c.sense_size && n.cdb_size == c.cdb_size ? 0 : -EINVAL;
}

static void
scsi_attach_host(void *priv, struct vhd_host *host)
{
	struct scsi_dev *dev = priv;

	dev->host = host;
	scsi_dev_control_watch(dev);
}

static void
scsi_get_stats(void *priv, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	const struct scsi_dev *dev = priv;
	const struct scsi_stats *s = &dev->stats;

	put(ctx, "commands", s->commands);
	put(ctx, "reads", s->reads);
	put(ctx, "writes", s->writes);
	put(ctx, "read_bytes", s->read_bytes);
	put(ctx, "write_bytes", s->write_bytes);
	put(ctx, "write_sames", s->write_sames);
	put(ctx, "unmaps", s->unmaps);
	put(ctx, "syncs", s->syncs);
	put(ctx, "emulated", s->emulated);
	put(ctx, "check_conditions", s->check_conditions);
	put(ctx, "overruns", s->overruns);
	put(ctx, "io_errors", s->io_errors);
	put(ctx, "bad_requests", s->bad_requests);
	put(ctx, "dropped", s->dropped);
	put(ctx, "retries", s->retries);
	put(ctx, "tmfs", s->tmfs);
	put(ctx, "aborted", s->aborted);
	put(ctx, "an_queries", s->an_queries);
	put(ctx, "events", s->events);
	put(ctx, "events_missed", s->events_missed);
	put(ctx, "unit_attentions", s->unit_attentions);
}

const struct vhd_device_ops scsi_ops_base = {
	.name = "scsi",
	.virtio_id = SCSI_VIRTIO_ID,
	.num_queues = 3,
	.max_queue_size = 1024,
	/* QEMU passes F_CHANGE through unfiltered: accept it (no param_change=off needed) */
	.features = (1ULL << VIRTIO_SCSI_F_HOTPLUG) | (1ULL << VIRTIO_SCSI_F_CHANGE),
	.config_size = sizeof(struct virtio_scsi_config),
	.attach = scsi_attach_host,
	.get_config = scsi_get_config,
	.set_config = scsi_set_config,
	.reset = scsi_reset,
	.set_features = scsi_set_features,
	.queue_stop = scsi_queue_stop,
	.handle = scsi_handle,
	.get_stats = scsi_get_stats,
};

int
scsi_dev_init(struct scsi_dev *dev, uint16_t nreq, uint16_t max_queue_size)
{
	unsigned int i;

	memset(dev, 0, sizeof(*dev));
	if (nreq == 0 || nreq > SCSI_MAX_REQ_QUEUES || max_queue_size == 0)
		return -EINVAL;
	dev->ops = scsi_ops_base;
	dev->ops.num_queues = (uint16_t)(2 + nreq);
	dev->ops.max_queue_size = max_queue_size;
	dev->nreq = nreq;
	dev->tasks = calloc(SCSI_MAX_TASKS, sizeof(*dev->tasks));
	if (dev->tasks == NULL)
		return -ENOMEM;
	for (i = 0; i < SCSI_MAX_TASKS; i++) {
		dev->tasks[i].dev = dev;
		dev->tasks[i].idx = (uint16_t)i;
		dev->free_tasks[SCSI_MAX_TASKS - 1 - i] = (uint16_t)i;
	}
	dev->nfree = SCSI_MAX_TASKS;
	return 0;
}

void
scsi_dev_fini(struct scsi_dev *dev)
{
	unsigned int i;

	scsi_dev_control_close(dev);
	for (i = 0; i < SCSI_MAX_LUNS; i++) {
		scsi_lun_close(dev->luns[i]);
		dev->luns[i] = NULL;
	}
	free(dev->tasks);
	dev->tasks = NULL;
}

/*
 * The LUN inventory changed at @p idx while a driver is up: every other LUN
 * holds REPORTED LUNS DATA HAS CHANGED for it (SPC-4 REPORT LUNS); a LUN
 * that has just come into being reports its power on.
 */
static void
inventory_changed(struct scsi_dev *dev, unsigned int idx)
{
	unsigned int i;

	if (!dev->nexus)
		return; /* the driver to come scans what there is */
	for (i = 0; i < SCSI_MAX_LUNS; i++)
		if (dev->luns[i] != NULL)
			dev->luns[i]->ua |= i == idx ? SCSI_UA_RESET : SCSI_UA_LUNS_CHANGED;
}

int
scsi_dev_attach(struct scsi_dev *dev, unsigned int idx, struct scsi_lun *l)
{
	if (idx >= SCSI_MAX_LUNS || l == NULL)
		return -EINVAL;
	if (dev->luns[idx] != NULL)
		return -EEXIST;
	dev->luns[idx] = l;
	inventory_changed(dev, idx);
	event_post(dev, idx, VIRTIO_SCSI_EVT_RESET_RESCAN);
	return 0;
}

int
scsi_dev_detach(struct scsi_dev *dev, unsigned int idx)
{
	struct scsi_lun *l;

	if (idx >= SCSI_MAX_LUNS)
		return -EINVAL;
	l = dev->luns[idx];
	if (l == NULL)
		return -ENOENT;
	dev->luns[idx] = NULL;
	inventory_changed(dev, idx);
	event_post(dev, idx, VIRTIO_SCSI_EVT_RESET_REMOVED);
	if (l->inflight == 0)
		scsi_lun_close(l);
	else
		l->removed = true;
	return 0;
}
