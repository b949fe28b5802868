/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virgl mode in a build without virglrenderer (libvirglrenderer-dev): the
 * mode is refused at start-up, so nothing below is reached but the probe.
 */

#include <stdio.h>

#include "gpu_priv.h"
#include "gpu_virgl.h"

static const char built_without[] =
	"error: --gpu-mode virglrenderer: this build has no virglrenderer "
	"(install libvirglrenderer-dev and rebuild)\n";

int
gpu_virgl_probe(const struct gpu_virgl_opts *o)
{
	(void)o;
	fputs(built_without, stderr);
	return -1;
}

uint32_t
gpu_virgl_num_capsets(const struct gpu_virgl_opts *o)
{
	(void)o;
	return 0;
}

struct gpu_virgl *
gpu_virgl_new(struct gpu_dev *dev, const struct gpu_virgl_opts *o)
{
	(void)dev;
	(void)o;
	fputs(built_without, stderr);
	return NULL;
}

void
gpu_virgl_free(struct gpu_virgl *v)
{
	(void)v;
}

const struct gpu_virgl_stats *
gpu_virgl_stats(const struct gpu_virgl *v)
{
	static const struct gpu_virgl_stats none;

	(void)v;
	return &none;
}

int
gpu_virgl_enter(struct gpu_dev *dev, const struct vhd_mem *mem)
{
	(void)dev;
	(void)mem;
	return -1;
}

int
gpu_virgl_ctrl(struct gpu_dev *dev, struct vhd_req *req, const struct gpu_ctrl_hdr *in,
	       uint32_t type, uint32_t *st)
{
	(void)dev;
	(void)req;
	(void)in;
	(void)type;
	(void)st;
	return GPU_VIRGL_NOT_MINE;
}

uint32_t
gpu_virgl_create_2d(struct gpu_dev *dev, struct gpu_res *r)
{
	(void)dev;
	(void)r;
	return GPU_RESP_ERR_UNSPEC;
}

uint32_t
gpu_virgl_attach(struct gpu_dev *dev, struct gpu_res *r, const struct vhd_mem *mem)
{
	(void)dev;
	(void)r;
	(void)mem;
	return GPU_RESP_ERR_UNSPEC;
}

void
gpu_virgl_detach(struct gpu_dev *dev, struct gpu_res *r)
{
	(void)dev;
	(void)r;
}

void
gpu_virgl_unref(struct gpu_dev *dev, struct gpu_res *r)
{
	(void)dev;
	(void)r;
}

uint32_t
gpu_virgl_transfer_2d(struct gpu_dev *dev, struct gpu_res *r, const struct gpu_rect *rect,
		      uint64_t off)
{
	(void)dev;
	(void)r;
	(void)rect;
	(void)off;
	return GPU_RESP_ERR_UNSPEC;
}

int
gpu_virgl_read_band(struct gpu_dev *dev, const struct gpu_res *r, const struct gpu_rect *fr,
		    uint32_t y, uint32_t h, uint8_t *dst)
{
	(void)dev;
	(void)r;
	(void)fr;
	(void)y;
	(void)h;
	(void)dst;
	return -1;
}

int
gpu_virgl_export(struct gpu_dev *dev, const struct gpu_res *r, struct gpu_dmabuf *b)
{
	(void)dev;
	(void)r;
	(void)b;
	return -1;
}

void
gpu_virgl_set_exporter(gpu_virgl_export_fn fn)
{
	(void)fn;
}

int
gpu_virgl_cursor(struct gpu_dev *dev, const struct gpu_res *r, uint32_t *img)
{
	(void)dev;
	(void)r;
	(void)img;
	return -1;
}

int
gpu_virgl_fence(struct gpu_dev *dev, uint16_t id, uint32_t len, const struct gpu_ctrl_hdr *in)
{
	(void)dev;
	(void)id;
	(void)in;
	return (int)len;
}

bool
gpu_virgl_wants_poll(const struct gpu_dev *dev)
{
	(void)dev;
	return false;
}

void
gpu_virgl_poll(struct gpu_dev *dev)
{
	(void)dev;
}

void
gpu_virgl_queue_stop(struct gpu_dev *dev, struct vhd_vq *vq)
{
	(void)dev;
	(void)vq;
}

void
gpu_virgl_reset(struct gpu_dev *dev)
{
	(void)dev;
}
