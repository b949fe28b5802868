/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virgl mode on the unit-test host with the real virglrenderer on Mesa's
 * software renderer (EGL surfaceless, llvmpipe: what every machine without
 * a GPU has): capsets, contexts, 3D resources, a command stream that
 * clears a render target whose pixels come back through
 * TRANSFER_FROM_HOST_3D, 2D resources through the renderer, fences held
 * until they signal (global and per context ring), queue stop, reset,
 * a memory table change, and a malformed form of every request type.
 */

#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "gpu.h"
#include "gpu_fake_disp.h"
#include "gpu_virgl.h"
#include "vhd_test_host.h"
#include "vhd_test_pair.h"
#include "vhd_test_virgl.h"

#define W 64u
#define H 32u

struct t {
	struct vhd_test_pair p;
	struct vhd_test_host h;
	struct gpu_dev dev;
	struct gpu_virgl_opts vo;
	struct gpu_fake_disp d;
};

static int
setup_with(void **state, uint64_t hostmem)
{
	struct t *c = calloc(1, sizeof(*c));
	struct gpu_opts o = {.max_outputs = 1, .max_hostmem = hostmem};

	assert_non_null(c);
	c->d.fd = -1;
	c->vo = (struct gpu_virgl_opts){.egl = true, .surfaceless = true, .gles = true,
					.capsets = (1u << GPU_CAPSET_VIRGL) |
						   (1u << GPU_CAPSET_VIRGL2)};
	o.virgl = &c->vo;
	assert_int_equal(vhd_test_pair_init(&c->p, 64, VHD_BIT(VHD_F_RING_INDIRECT_DESC)), 0);
	vhd_test_host_init(&c->h);
	assert_int_equal(gpu_dev_init(&c->dev, &o), 0);
	c->dev.ops.attach(&c->dev, &c->h.host);
	c->dev.ops.set_features(&c->dev, c->dev.ops.features);
	assert_int_equal(c->dev.ops.queue_start(&c->dev, 0, &c->p.vq), 0);
	*state = c;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, 0);
}

static int
teardown(void **state)
{
	struct t *c = *state;

	gpu_dev_fini(&c->dev);
	gpu_fake_disp_close(&c->d);
	gpu_virgl_set_exporter(NULL);
	vhd_test_pair_fini(&c->p);
	free(c);
	return 0;
}

static uint64_t
gpa_of(struct t *c, const void *p)
{
	return VHD_TEST_GPA_BASE + (uint64_t)((const uint8_t *)p - (const uint8_t *)c->p.arena);
}

/* A command header of @p type for context @p ctx. */
static struct gpu_ctrl_hdr
hd(uint32_t type, uint32_t ctx)
{
	struct gpu_ctrl_hdr h;

	memset(&h, 0, sizeof(h));
	h.type = htole32(type);
	h.ctx_id = htole32(ctx);
	return h;
}

/* Post @p cmd with @p wlen writable bytes and serve it. @return the head id. */
static uint16_t
submit(struct t *c, const void *cmd, uint32_t len, uint32_t wlen, uint8_t **resp)
{
	void *rd = vhd_test_alloc(&c->p, len);
	uint8_t *wr = vhd_test_alloc_guarded(&c->p, wlen);
	struct vhd_fe_buf b[2] = {{rd, len}, {wr, wlen}};
	int head;

	memcpy(rd, cmd, len);
	head = vhd_test_post(&c->p, b, 1, 1, false);
	assert_true(head >= 0);
	assert_int_equal(vhd_test_host_serve(&c->h, &c->p, &c->dev.ops, &c->dev, 0), 1);
	*resp = wr;
	return (uint16_t)head;
}

/* The next used entry within 2 s of host turns (fences signal from the renderer's thread). */
static bool
used_soon(struct t *c, uint16_t *id, uint32_t *len)
{
	struct timespec ts = {0, 1000000};
	int i;

	for (i = 0; i < 2000; i++) {
		if (vhd_test_used(&c->p, id, len) == 1)
			return true;
		vhd_test_host_run(&c->h);
		c->dev.ops.poll(&c->dev);
		nanosleep(&ts, NULL);
	}
	return false;
}

/* Run @p cmd to its answer; @return the answer's type, its header in *@p out. */
static uint32_t
run(struct t *c, const void *cmd, uint32_t len, uint32_t wlen, struct gpu_ctrl_hdr *out,
    uint8_t **resp)
{
	uint8_t *wr;
	uint16_t head = submit(c, cmd, len, wlen, &wr), id;
	uint32_t used = 0;
	struct gpu_ctrl_hdr h;

	assert_true(used_soon(c, &id, &used));
	assert_int_equal(id, head);
	assert_true(used >= sizeof(h));
	assert_true(vhd_test_guard_intact(wr, wlen));
	memcpy(&h, wr, sizeof(h));
	if (out != NULL)
		*out = h;
	if (resp != NULL)
		*resp = wr;
	return le32toh(h.type);
}

static uint32_t
st(struct t *c, const void *cmd, uint32_t len)
{
	return run(c, cmd, len, sizeof(struct gpu_ctrl_hdr), NULL, NULL);
}

static uint32_t
ctx_create(struct t *c, uint32_t ctx, uint32_t nlen, uint32_t init)
{
	struct {
		struct gpu_ctrl_hdr h;
		uint32_t nlen, init;
		char name[64];
	} __attribute__((packed)) m;

	memset(&m, 0, sizeof(m));
	m.h = hd(GPU_CMD_CTX_CREATE, ctx);
	m.nlen = htole32(nlen);
	m.init = htole32(init);
	memcpy(m.name, "unit", 4);
	return st(c, &m, sizeof(m));
}

static uint32_t
ctx_cmd(struct t *c, uint32_t type, uint32_t ctx, uint32_t res)
{
	struct {
		struct gpu_ctrl_hdr h;
		uint32_t res, pad;
	} __attribute__((packed)) m = {hd(type, ctx), htole32(res), 0};

	return st(c, &m, type == GPU_CMD_CTX_DESTROY ? sizeof(m.h) : sizeof(m));
}

static uint32_t
create_3d(struct t *c, uint32_t id, uint32_t target, uint32_t format, uint32_t w, uint32_t h,
	  uint32_t layers)
{
	uint32_t m[6 + 12];
	struct gpu_ctrl_hdr hh = hd(GPU_CMD_RESOURCE_CREATE_3D, 0);

	memset(m, 0, sizeof(m));
	memcpy(m, &hh, sizeof(hh));
	m[6] = htole32(id);
	m[7] = htole32(target);
	m[8] = htole32(format);
	m[9] = htole32(1u << 1); /* bind: render target */
	m[10] = htole32(w);
	m[11] = htole32(h);
	m[12] = htole32(1);
	m[13] = htole32(layers);
	return st(c, m, sizeof(m));
}

static uint32_t
create_2d(struct t *c, uint32_t id, uint32_t w, uint32_t h)
{
	struct gpu_resource_create_2d m = {hd(GPU_CMD_RESOURCE_CREATE_2D, 0), htole32(id),
					   htole32(GPU_FORMAT_B8G8R8A8_UNORM), htole32(w),
					   htole32(h)};

	return st(c, &m, sizeof(m));
}

static uint32_t
attach_one(struct t *c, uint32_t id, uint64_t addr, uint32_t len)
{
	struct {
		struct gpu_attach_backing a;
		struct gpu_mem_entry e;
	} __attribute__((packed)) m = {{hd(GPU_CMD_RESOURCE_ATTACH_BACKING, 0), htole32(id),
					htole32(1)},
				       {htole64(addr), htole32(len), 0}};

	return st(c, &m, sizeof(m));
}

static uint32_t
transfer_3d(struct t *c, uint32_t type, uint32_t ctx, uint32_t id, uint32_t w, uint32_t h,
	    uint64_t off, uint32_t stride)
{
	uint32_t m[6 + 6 + 2 + 4];
	struct gpu_ctrl_hdr hh = hd(type, ctx);

	memset(m, 0, sizeof(m));
	memcpy(m, &hh, sizeof(hh));
	m[9] = htole32(w);
	m[10] = htole32(h);
	m[11] = htole32(1);
	m[12] = htole32((uint32_t)off);
	m[13] = htole32((uint32_t)(off >> 32));
	m[14] = htole32(id);
	m[16] = htole32(stride);
	return st(c, m, sizeof(m));
}

/* SUBMIT_3D of @p n dwords for @p ctx with header flags @p flags. */
static uint16_t
post_submit(struct t *c, uint32_t ctx, const uint32_t *dw, uint32_t n, uint32_t flags,
	    uint64_t fence, uint8_t ring, uint8_t **resp)
{
	uint8_t m[24 + 8 + 256];
	struct gpu_ctrl_hdr hh = hd(GPU_CMD_SUBMIT_3D, ctx);
	uint32_t size = htole32(n * 4u), i;

	assert_true(n <= 64);
	hh.flags = htole32(flags);
	hh.fence_id = htole64(fence);
	hh.ring_idx = ring;
	memcpy(m, &hh, sizeof(hh));
	memcpy(m + 24, &size, 4);
	memset(m + 28, 0, 4);
	for (i = 0; i < n; i++) {
		uint32_t d = htole32(dw[i]);

		memcpy(m + 32 + i * 4, &d, 4);
	}
	return submit(c, m, 32 + n * 4, sizeof(struct gpu_ctrl_hdr), resp);
}

/* The stream that clears render target @p res to (r, g, b, a). */
static uint32_t
clear_stream(uint32_t *dw, uint32_t res, float r, float g, float b, float a)
{
	return vhd_virgl_clear(dw, res, GPU_FORMAT_B8G8R8A8_UNORM, r, g, b, a);
}

/* ---- tests ---- */

static void
test_features_and_capsets(void **state)
{
	struct t *c = *state;
	struct gpu_get_capset_info ci = {hd(GPU_CMD_GET_CAPSET_INFO, 0), 0, 0};
	struct {
		struct gpu_ctrl_hdr h;
		uint32_t id, maxv, maxs, pad;
	} __attribute__((packed)) info;
	struct {
		struct gpu_ctrl_hdr h;
		uint32_t id, ver;
	} __attribute__((packed)) cs = {hd(GPU_CMD_GET_CAPSET, 0), htole32(2), htole32(2)};
	struct gpu_config cfg;
	uint32_t maxs2;
	uint8_t *r;

	assert_true(c->dev.ops.features & (1ull << GPU_F_VIRGL));
	assert_true(c->dev.ops.features & (1ull << GPU_F_CONTEXT_INIT));
	assert_false(c->dev.ops.features & (1ull << GPU_F_RESOURCE_BLOB));
	assert_int_equal(c->dev.ops.get_config(&c->dev, (uint8_t *)&cfg, 0, sizeof(cfg)), 0);
	assert_int_equal(le32toh(cfg.num_capsets), 2);
	assert_int_equal(run(c, &ci, sizeof(ci), sizeof(info), NULL, &r), GPU_RESP_OK_CAPSET_INFO);
	memcpy(&info, r, sizeof(info));
	assert_int_equal(le32toh(info.id), GPU_CAPSET_VIRGL);
	assert_int_equal(le32toh(info.maxv), 1);
	assert_true(le32toh(info.maxs) > 0);
	ci.capset_index = htole32(1);
	assert_int_equal(run(c, &ci, sizeof(ci), sizeof(info), NULL, &r), GPU_RESP_OK_CAPSET_INFO);
	memcpy(&info, r, sizeof(info));
	assert_int_equal(le32toh(info.id), GPU_CAPSET_VIRGL2);
	maxs2 = le32toh(info.maxs);
	assert_true(maxs2 > 0 && maxs2 < 65536);
	ci.capset_index = htole32(2);
	assert_int_equal(st(c, &ci, sizeof(ci)), GPU_RESP_ERR_INVALID_PARAMETER);
	ci.capset_index = htole32(0xffffffffu);
	assert_int_equal(st(c, &ci, sizeof(ci)), GPU_RESP_ERR_INVALID_PARAMETER);
	/* the caps themselves: virgl2's start with its max_version field, non-zero */
	assert_int_equal(run(c, &cs, sizeof(cs), sizeof(struct gpu_ctrl_hdr) + maxs2, NULL, &r),
			 GPU_RESP_OK_CAPSET);
	{
		uint32_t v;

		memcpy(&v, r + sizeof(struct gpu_ctrl_hdr), 4);
		assert_true(le32toh(v) != 0);
	}
	/* a reply buffer too short for the caps: a bare error */
	assert_int_equal(run(c, &cs, sizeof(cs), sizeof(struct gpu_ctrl_hdr) + maxs2 - 1, NULL,
			     NULL), GPU_RESP_ERR_UNSPEC);
	cs.ver = htole32(3);
	assert_int_equal(st(c, &cs, sizeof(cs)), GPU_RESP_ERR_INVALID_PARAMETER);
	cs.ver = htole32(1);
	cs.id = htole32(3); /* venus: not offered */
	assert_int_equal(st(c, &cs, sizeof(cs)), GPU_RESP_ERR_INVALID_PARAMETER);
	cs.id = 0;
	assert_int_equal(st(c, &cs, sizeof(cs)), GPU_RESP_ERR_INVALID_PARAMETER);
	/* short forms */
	assert_int_equal(st(c, &cs, sizeof(cs) - 1), GPU_RESP_ERR_UNSPEC);
	assert_int_equal(st(c, &ci, sizeof(ci) - 1), GPU_RESP_ERR_UNSPEC);
}

static void
test_contexts(void **state)
{
	struct t *c = *state;
	uint8_t *r;
	uint32_t dw[4] = {0};

	assert_int_equal(ctx_create(c, 1, 4, 0), GPU_RESP_OK_NODATA);
	assert_int_equal(ctx_create(c, 1, 4, 0), GPU_RESP_ERR_INVALID_CONTEXT_ID);
	assert_int_equal(ctx_create(c, 0, 4, 0), GPU_RESP_ERR_INVALID_CONTEXT_ID);
	assert_int_equal(ctx_create(c, 2, 65, 0), GPU_RESP_ERR_INVALID_PARAMETER);
	/* context_init: a capset we do not offer, bits beyond the capset id */
	assert_int_equal(ctx_create(c, 2, 4, 3), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(ctx_create(c, 2, 4, 0x100 | GPU_CAPSET_VIRGL2),
			 GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(ctx_create(c, 2, 4, GPU_CAPSET_VIRGL2), GPU_RESP_OK_NODATA);
	assert_int_equal(create_3d(c, 5, 2, GPU_FORMAT_B8G8R8A8_UNORM, W, H, 1),
			 GPU_RESP_OK_NODATA);
	assert_int_equal(ctx_cmd(c, GPU_CMD_CTX_ATTACH_RESOURCE, 1, 5), GPU_RESP_OK_NODATA);
	assert_int_equal(ctx_cmd(c, GPU_CMD_CTX_ATTACH_RESOURCE, 9, 5),
			 GPU_RESP_ERR_INVALID_CONTEXT_ID);
	assert_int_equal(ctx_cmd(c, GPU_CMD_CTX_ATTACH_RESOURCE, 1, 6),
			 GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(ctx_cmd(c, GPU_CMD_CTX_DETACH_RESOURCE, 1, 5), GPU_RESP_OK_NODATA);
	/* SUBMIT_3D: an unknown context, a size not in dwords, past the readable part */
	post_submit(c, 9, dw, 1, 0, 0, 0, &r);
	{
		uint16_t id;
		uint32_t len;
		struct gpu_ctrl_hdr h;

		assert_true(used_soon(c, &id, &len));
		memcpy(&h, r, sizeof(h));
		assert_int_equal(le32toh(h.type), GPU_RESP_ERR_INVALID_CONTEXT_ID);
	}
	{
		uint8_t m[32 + 8];
		struct gpu_ctrl_hdr hh = hd(GPU_CMD_SUBMIT_3D, 1);
		uint32_t size = htole32(6);

		memset(m, 0, sizeof(m));
		memcpy(m, &hh, sizeof(hh));
		memcpy(m + 24, &size, 4);
		assert_int_equal(st(c, m, sizeof(m)), GPU_RESP_ERR_INVALID_PARAMETER);
		size = htole32(64);
		memcpy(m + 24, &size, 4);
		assert_int_equal(st(c, m, sizeof(m)), GPU_RESP_ERR_INVALID_PARAMETER);
		size = htole32(GPU_VIRGL_MAX_SUBMIT + 4);
		memcpy(m + 24, &size, 4);
		assert_int_equal(st(c, m, sizeof(m)), GPU_RESP_ERR_INVALID_PARAMETER);
		assert_int_equal(st(c, m, 31), GPU_RESP_ERR_UNSPEC); /* short */
	}
	assert_int_equal(ctx_cmd(c, GPU_CMD_CTX_DESTROY, 1, 0), GPU_RESP_OK_NODATA);
	assert_int_equal(ctx_cmd(c, GPU_CMD_CTX_DESTROY, 1, 0), GPU_RESP_ERR_INVALID_CONTEXT_ID);
	assert_int_equal(ctx_cmd(c, GPU_CMD_CTX_DESTROY, 2, 0), GPU_RESP_OK_NODATA);
	assert_int_equal(gpu_virgl_stats(c->dev.virgl)->contexts, 2);
}

/* The guest's stream clears a render target on the renderer; the pixels come back. */
static void
test_render_and_read_back(void **state)
{
	struct t *c = *state;
	uint8_t *fb = vhd_test_alloc(&c->p, W * H * 4);
	uint32_t dw[32], n, i;
	uint8_t *r;
	uint16_t id;
	uint32_t len;
	struct gpu_ctrl_hdr h;

	assert_int_equal(ctx_create(c, 1, 4, 0), GPU_RESP_OK_NODATA);
	assert_int_equal(create_3d(c, 5, 2, GPU_FORMAT_B8G8R8A8_UNORM, W, H, 1),
			 GPU_RESP_OK_NODATA);
	assert_int_equal(attach_one(c, 5, gpa_of(c, fb), W * H * 4), GPU_RESP_OK_NODATA);
	assert_int_equal(ctx_cmd(c, GPU_CMD_CTX_ATTACH_RESOURCE, 1, 5), GPU_RESP_OK_NODATA);
	n = clear_stream(dw, 5, 1.0f, 0.5f, 0.0f, 1.0f);
	post_submit(c, 1, dw, n, 0, 0, 0, &r);
	assert_true(used_soon(c, &id, &len));
	memcpy(&h, r, sizeof(h));
	assert_int_equal(le32toh(h.type), GPU_RESP_OK_NODATA);
	memset(fb, 0x11, W * H * 4);
	assert_int_equal(transfer_3d(c, GPU_CMD_TRANSFER_FROM_HOST_3D, 1, 5, W, H, 0, W * 4),
			 GPU_RESP_OK_NODATA);
	for (i = 0; i < W * H; i++) {
		assert_int_equal(fb[i * 4 + 0], 0x00);       /* B */
		assert_true(fb[i * 4 + 1] == 0x7f || fb[i * 4 + 1] == 0x80); /* G */
		assert_int_equal(fb[i * 4 + 2], 0xff);       /* R */
		assert_int_equal(fb[i * 4 + 3], 0xff);       /* A */
	}
	assert_int_equal(gpu_virgl_stats(c->dev.virgl)->submits, 1);
	assert_int_equal(gpu_virgl_stats(c->dev.virgl)->submit_errors, 0);
	/* garbage in a stream: refused by the renderer, counted, the device goes on */
	dw[0] = VHD_VIRGL_CMD0(200, 0, 3);
	post_submit(c, 1, dw, 4, 0, 0, 0, &r);
	assert_true(used_soon(c, &id, &len));
	assert_int_equal(ctx_create(c, 2, 1, 0), GPU_RESP_OK_NODATA);
	/* transfers: unknown resource, offset past the backing, a box past the resource */
	assert_int_equal(transfer_3d(c, GPU_CMD_TRANSFER_FROM_HOST_3D, 1, 6, W, H, 0, W * 4),
			 GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(transfer_3d(c, GPU_CMD_TRANSFER_TO_HOST_3D, 1, 5, W, H,
				     (uint64_t)W * H * 4 + 1, W * 4),
			 GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(transfer_3d(c, GPU_CMD_TRANSFER_TO_HOST_3D, 1, 5, W + 1, H, 0, W * 4),
			 GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(transfer_3d(c, GPU_CMD_TRANSFER_FROM_HOST_3D, 1, 5, W, H * 2, 0, W * 4),
			 GPU_RESP_ERR_INVALID_PARAMETER);
	assert_true(vhd_test_guard_intact(vhd_test_alloc_guarded(&c->p, 8), 8));
}

/* 2D commands go through the renderer: what the guest transfers comes back. */
static void
test_2d_through_renderer(void **state)
{
	struct t *c = *state;
	uint8_t *fb = vhd_test_alloc(&c->p, W * H * 4), *copy = malloc(W * H * 4);
	struct gpu_transfer_to_host_2d t2 = {hd(GPU_CMD_TRANSFER_TO_HOST_2D, 0),
					     {0, 0, htole32(W), htole32(H)}, 0, htole32(7), 0};
	uint32_t i;

	assert_non_null(copy);
	for (i = 0; i < W * H * 4; i++)
		fb[i] = (uint8_t)(i * 7 + 3);
	memcpy(copy, fb, W * H * 4);
	assert_int_equal(create_2d(c, 7, W, H), GPU_RESP_OK_NODATA);
	assert_int_equal(create_2d(c, 7, W, H), GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(st(c, &t2, sizeof(t2)), GPU_RESP_ERR_UNSPEC); /* no backing */
	/* an entry outside guest memory */
	assert_int_equal(attach_one(c, 7, 0x10, W * H * 4), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(attach_one(c, 7, gpa_of(c, fb), W * H * 4), GPU_RESP_OK_NODATA);
	assert_int_equal(st(c, &t2, sizeof(t2)), GPU_RESP_OK_NODATA);
	/* past the resource, past the backing */
	t2.r.width = htole32(W + 1);
	assert_int_equal(st(c, &t2, sizeof(t2)), GPU_RESP_ERR_INVALID_PARAMETER);
	t2.r.width = htole32(W);
	t2.offset = htole64(4);
	assert_int_equal(st(c, &t2, sizeof(t2)), GPU_RESP_ERR_INVALID_PARAMETER);
	memset(fb, 0, W * H * 4);
	assert_int_equal(ctx_create(c, 1, 4, 0), GPU_RESP_OK_NODATA);
	assert_int_equal(ctx_cmd(c, GPU_CMD_CTX_ATTACH_RESOURCE, 1, 7), GPU_RESP_OK_NODATA);
	assert_int_equal(transfer_3d(c, GPU_CMD_TRANSFER_FROM_HOST_3D, 1, 7, W, H, 0, W * 4),
			 GPU_RESP_OK_NODATA);
	assert_memory_equal(fb, copy, W * H * 4);
	/* a memory table change: the backing is lent again and still works */
	c->p.mem.regions[c->p.mem.nregions] = (struct vhd_mem_region){1ull << 50, 4096, fb};
	c->p.mem.nregions++;
	memset(fb, 0, W * H * 4);
	assert_int_equal(transfer_3d(c, GPU_CMD_TRANSFER_FROM_HOST_3D, 1, 7, W, H, 0, W * 4),
			 GPU_RESP_OK_NODATA);
	assert_memory_equal(fb, copy, W * H * 4);
	assert_int_equal(gpu_virgl_stats(c->dev.virgl)->remaps, 1);
	c->p.mem.nregions--;
	/* unref takes the backing back; the id is free again */
	{
		struct gpu_resource_id u = {hd(GPU_CMD_RESOURCE_UNREF, 0), htole32(7), 0};

		assert_int_equal(st(c, &u, sizeof(u)), GPU_RESP_OK_NODATA);
		assert_int_equal(st(c, &u, sizeof(u)), GPU_RESP_ERR_INVALID_RESOURCE_ID);
	}
	assert_int_equal(create_2d(c, 7, W, H), GPU_RESP_OK_NODATA);
	free(copy);
}

static void
test_create_3d_hostile(void **state)
{
	struct t *c = *state;

	assert_int_equal(create_3d(c, 0, 2, 1, W, H, 1), GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(create_3d(c, 3, 2, 1, 0, H, 1), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(create_3d(c, 3, 2, 1, GPU_MAX_DIM + 1, H, 1),
			 GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(create_3d(c, 3, 9, 1, W, H, 1), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(create_3d(c, 3, 2, 1, W, H, 4096), GPU_RESP_ERR_INVALID_PARAMETER);
	/* a format the renderer does not know: its refusal */
	assert_int_equal(create_3d(c, 3, 2, 5000, W, H, 1), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(c->dev.nres, 0);
	assert_int_equal(c->dev.hostmem, 0);
	/* past the memory bound: 16384 x 16384 x 4 x 2 layers > 256 MiB */
	assert_int_equal(create_3d(c, 3, 2, 1, GPU_MAX_DIM, GPU_MAX_DIM, 2),
			 GPU_RESP_ERR_OUT_OF_MEMORY);
	assert_int_equal(create_3d(c, 3, 2, 1, W, H, 1), GPU_RESP_OK_NODATA);
	assert_int_equal(create_3d(c, 3, 2, 1, W, H, 1), GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(c->dev.hostmem, W * H * 4);
	{
		uint32_t m[17];

		memset(m, 0, sizeof(m));
		assert_int_equal(st(c, m, sizeof(m)), GPU_RESP_ERR_UNSPEC); /* type 0 */
		{
			struct gpu_ctrl_hdr hh = hd(GPU_CMD_RESOURCE_CREATE_3D, 0);

			memcpy(m, &hh, sizeof(hh));
		}
		assert_int_equal(st(c, m, sizeof(m)), GPU_RESP_ERR_UNSPEC); /* short */
	}
}

/* Every request type of virgl mode, cut short: ERR_UNSPEC, nothing else happens. */
static void
test_short_commands(void **state)
{
	struct t *c = *state;
	static const uint32_t types[] = {
		GPU_CMD_CTX_CREATE, GPU_CMD_CTX_ATTACH_RESOURCE, GPU_CMD_CTX_DETACH_RESOURCE,
		GPU_CMD_RESOURCE_CREATE_3D, GPU_CMD_TRANSFER_TO_HOST_3D,
		GPU_CMD_TRANSFER_FROM_HOST_3D, GPU_CMD_SUBMIT_3D, GPU_CMD_GET_CAPSET_INFO,
		GPU_CMD_GET_CAPSET, GPU_CMD_RESOURCE_CREATE_2D, GPU_CMD_RESOURCE_ATTACH_BACKING,
		GPU_CMD_TRANSFER_TO_HOST_2D,
	};
	uint8_t m[sizeof(struct gpu_ctrl_hdr) + 4];
	unsigned int i;

	assert_int_equal(ctx_create(c, 1, 0, 0), GPU_RESP_OK_NODATA);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct gpu_ctrl_hdr hh = hd(types[i], 1);

		memset(m, 0, sizeof(m));
		memcpy(m, &hh, sizeof(hh));
		assert_int_equal(st(c, m, sizeof(m)), GPU_RESP_ERR_UNSPEC);
	}
	/* blob commands are not offered: refused, counted */
	{
		struct gpu_ctrl_hdr hh = hd(GPU_CMD_RESOURCE_CREATE_BLOB, 1);

		assert_int_equal(st(c, &hh, sizeof(hh)), GPU_RESP_ERR_UNSPEC);
		assert_int_equal(c->dev.stats.blob_refused, 1);
	}
	assert_int_equal(c->dev.nres, 0);
}

/* Fenced commands are answered once their fence signalled, with the fence. */
static void
test_fences(void **state)
{
	struct t *c = *state;
	uint32_t dw[32], n;
	uint8_t *r1, *r2, *r3;
	uint16_t h1, h2, h3, id;
	uint32_t len;
	struct gpu_ctrl_hdr h;
	int seen = 0;

	assert_int_equal(ctx_create(c, 1, 4, GPU_CAPSET_VIRGL2), GPU_RESP_OK_NODATA);
	assert_int_equal(create_3d(c, 5, 2, GPU_FORMAT_B8G8R8A8_UNORM, W, H, 1),
			 GPU_RESP_OK_NODATA);
	assert_int_equal(ctx_cmd(c, GPU_CMD_CTX_ATTACH_RESOURCE, 1, 5), GPU_RESP_OK_NODATA);
	n = clear_stream(dw, 5, 0.0f, 1.0f, 0.0f, 1.0f);
	/* global timeline: held at first, then answered in order with their ids */
	h1 = post_submit(c, 1, dw, n, GPU_FLAG_FENCE, 100, 0, &r1);
	/* (a serve runs the host first: a fence is looked for before the next one only) */
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 0);
	assert_int_equal(c->dev.ops.next_wake(&c->dev) != 0,
			 gpu_virgl_wants_poll(&c->dev)); /* an fd, or poll() */
	h2 = post_submit(c, 1, dw + 10, 9, GPU_FLAG_FENCE, 101, 0, &r2);
	assert_true(used_soon(c, &id, &len));
	assert_int_equal(id, h1);
	assert_true(used_soon(c, &id, &len));
	assert_int_equal(id, h2);
	memcpy(&h, r1, sizeof(h));
	assert_int_equal(le32toh(h.type), GPU_RESP_OK_NODATA);
	assert_int_equal(le32toh(h.flags), GPU_FLAG_FENCE);
	assert_int_equal(le64toh(h.fence_id), 100);
	memcpy(&h, r2, sizeof(h));
	assert_int_equal(le64toh(h.fence_id), 101);
	/* context timelines (CONTEXT_INIT): each context's ring on its own */
	for (id = 2; id <= 4; id++) {
		assert_int_equal(ctx_create(c, id, 4, GPU_CAPSET_VIRGL2), GPU_RESP_OK_NODATA);
		assert_int_equal(ctx_cmd(c, GPU_CMD_CTX_ATTACH_RESOURCE, id, 5),
				 GPU_RESP_OK_NODATA);
	}
	h1 = post_submit(c, 2, dw, n, GPU_FLAG_FENCE | GPU_FLAG_INFO_RING_IDX, 7, 0, &r1);
	h2 = post_submit(c, 3, dw, n, GPU_FLAG_FENCE | GPU_FLAG_INFO_RING_IDX, 8, 0, &r2);
	while (seen != 3) {
		assert_true(used_soon(c, &id, &len));
		seen |= id == h1 ? 1 : id == h2 ? 2 : 4;
		assert_true(seen <= 3);
	}
	memcpy(&h, r2, sizeof(h));
	assert_int_equal(le32toh(h.type), GPU_RESP_OK_NODATA);
	assert_int_equal(le32toh(h.flags), GPU_FLAG_FENCE | GPU_FLAG_INFO_RING_IDX);
	assert_int_equal(h.ring_idx, 0);
	assert_int_equal(le32toh(h.ctx_id), 3);
	assert_int_equal(le64toh(h.fence_id), 8);
	assert_int_equal(gpu_virgl_stats(c->dev.virgl)->ctx_fences, 2);
	/* a ring past the renderer's: refused at once, nothing done */
	h3 = post_submit(c, 2, dw + 10, 9, GPU_FLAG_FENCE | GPU_FLAG_INFO_RING_IDX, 9,
			 GPU_VIRGL_RINGS, &r3);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, h3);
	memcpy(&h, r3, sizeof(h));
	assert_int_equal(le32toh(h.type), GPU_RESP_ERR_INVALID_PARAMETER);
	/* a context destroyed with a fence on its ring: that command is answered */
	h1 = post_submit(c, 4, dw, n, GPU_FLAG_FENCE | GPU_FLAG_INFO_RING_IDX, 10, 0, &r1);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 0);
	assert_int_equal(gpu_virgl_stats(c->dev.virgl)->ctx_fences, 3);
	{
		struct gpu_ctrl_hdr d = hd(GPU_CMD_CTX_DESTROY, 4);
		uint8_t *rd;

		h2 = submit(c, &d, sizeof(d), sizeof(d), &rd);
		assert_true(used_soon(c, &id, &len));
		assert_true(id == h1 || id == h2);
		assert_true(used_soon(c, &id, &len));
		assert_true(id == h1 || id == h2);
	}
	/* an error is answered at once, fence echoed */
	h1 = post_submit(c, 9, dw + 10, 9, GPU_FLAG_FENCE, 200, 0, &r1);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	memcpy(&h, r1, sizeof(h));
	assert_int_equal(le32toh(h.type), GPU_RESP_ERR_INVALID_CONTEXT_ID);
	assert_int_equal(le64toh(h.fence_id), 200);
}

/* A queue stop answers the held commands; a reset leaves a fresh renderer. */
static void
test_stop_and_reset(void **state)
{
	struct t *c = *state;
	uint32_t dw[32], n;
	uint8_t *r;
	uint16_t head, id;
	uint32_t len;

	assert_int_equal(ctx_create(c, 1, 4, 0), GPU_RESP_OK_NODATA);
	assert_int_equal(create_3d(c, 5, 2, GPU_FORMAT_B8G8R8A8_UNORM, W, H, 1),
			 GPU_RESP_OK_NODATA);
	assert_int_equal(ctx_cmd(c, GPU_CMD_CTX_ATTACH_RESOURCE, 1, 5), GPU_RESP_OK_NODATA);
	n = clear_stream(dw, 5, 0.0f, 0.0f, 1.0f, 1.0f);
	head = post_submit(c, 1, dw, n, GPU_FLAG_FENCE, 1, 0, &r);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 0);
	c->dev.ops.queue_stop(&c->dev, 0, &c->p.vq);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, head);
	/* the fence signalling later finds nothing held */
	vhd_test_host_run(&c->h);
	c->dev.ops.reset(&c->dev);
	c->dev.ops.set_features(&c->dev, c->dev.ops.features);
	assert_int_equal(c->dev.ops.queue_start(&c->dev, 0, &c->p.vq), 0);
	assert_int_equal(c->dev.nres, 0);
	/* the renderer forgot context 1 and resource 5 too */
	assert_int_equal(ctx_create(c, 1, 4, 0), GPU_RESP_OK_NODATA);
	assert_int_equal(create_3d(c, 5, 2, GPU_FORMAT_B8G8R8A8_UNORM, W, H, 1),
			 GPU_RESP_OK_NODATA);
}


static uint32_t
rect_cmd(struct t *c, uint32_t type, uint32_t sid, uint32_t res, uint32_t w, uint32_t h)
{
	struct gpu_set_scanout m = {hd(type, 0), {0, 0, htole32(w), htole32(h)}, 0, 0};

	if (type == GPU_CMD_SET_SCANOUT) {
		m.scanout_id = htole32(sid);
		m.resource_id = htole32(res);
	} else { /* RESOURCE_FLUSH: resource_id, padding after the rectangle */
		m.scanout_id = htole32(res);
	}
	return st(c, &m, sizeof(m));
}

/* A render target cleared to (r, g, b, 1) by context 1. */
static void
cleared(struct t *c, uint32_t res, float r, float g, float b)
{
	uint32_t dw[32], n = clear_stream(dw, res, r, g, b, 1.0f);
	uint8_t *resp;
	uint16_t id;
	uint32_t len;

	assert_int_equal(ctx_create(c, 1, 4, 0), GPU_RESP_OK_NODATA);
	assert_int_equal(create_3d(c, res, 2, GPU_FORMAT_B8G8R8A8_UNORM, W, H, 1),
			 GPU_RESP_OK_NODATA);
	assert_int_equal(ctx_cmd(c, GPU_CMD_CTX_ATTACH_RESOURCE, 1, res), GPU_RESP_OK_NODATA);
	post_submit(c, 1, dw, n, 0, 0, 0, &resp);
	assert_true(used_soon(c, &id, &len));
}

/* No dmabuf to be had: the flushed rectangle is read back into UPDATEs. */
static void
test_scanout_read_back(void **state)
{
	struct t *c = *state;
	static uint8_t m[GPU_DISP_UPDATE_HDR + W * H * 4];
	uint32_t sz[2], i;

	gpu_fake_disp_up(&c->d, &c->dev, &c->h, 1ull << GPU_DISP_PF_DMABUF2, 1024, 768);
	cleared(c, 5, 1.0f, 0.0f, 0.0f);
	assert_int_equal(rect_cmd(c, GPU_CMD_SET_SCANOUT, 0, 5, W, H), GPU_RESP_OK_NODATA);
	assert_int_equal(gpu_fake_disp_expect(&c->d, GPU_DISP_SCANOUT, m, sizeof(m), NULL), 12);
	memcpy(sz, m + 4, 8);
	assert_int_equal(sz[0], W);
	assert_int_equal(sz[1], H);
	assert_int_equal(rect_cmd(c, GPU_CMD_RESOURCE_FLUSH, 0, 5, W, H), GPU_RESP_OK_NODATA);
	assert_int_equal(gpu_fake_disp_expect(&c->d, GPU_DISP_UPDATE, m, sizeof(m), NULL),
			 GPU_DISP_UPDATE_HDR + W * H * 4);
	for (i = 0; i < W * H; i++) {
		const uint8_t *px = m + GPU_DISP_UPDATE_HDR + i * 4;

		assert_int_equal(px[0], 0x00);
		assert_int_equal(px[1], 0x00);
		assert_int_equal(px[2], 0xff);
	}
	assert_true(gpu_virgl_stats(c->dev.virgl)->readbacks >= 1);
	assert_int_equal(gpu_virgl_stats(c->dev.virgl)->exports, 0);
	assert_true(gpu_virgl_stats(c->dev.virgl)->export_failures >= 1);
}

static int memfd_exports;

/* A memfd stands in for the dmabuf a GPU would give. */
static int
memfd_export(uint32_t res_id, struct gpu_dmabuf *b)
{
	int fd = memfd_create("dmabuf", MFD_CLOEXEC);

	(void)res_id;
	if (fd < 0 || ftruncate(fd, W * H * 4) != 0)
		return -1;
	b->fd = fd;
	b->width = W;
	b->height = H;
	b->stride = W * 4;
	b->fourcc = 0x34325241; /* AR24 */
	b->modifier = 0;
	b->y0_top = true;
	memfd_exports++;
	return 0;
}

/* A flush waits for the display to have shown the dmabuf; so do the commands after it. */
static void
test_scanout_dmabuf(void **state)
{
	struct t *c = *state;
	uint8_t m[64], *r1, *r2;
	uint32_t v[12];
	uint16_t head, head2, id;
	uint32_t len;
	int fd = -1;
	struct stat sb;
	struct gpu_set_scanout fl = {hd(GPU_CMD_RESOURCE_FLUSH, 0), {0, 0, htole32(W),
								     htole32(H)}, htole32(5), 0};
	struct gpu_ctrl_hdr info = hd(GPU_CMD_GET_DISPLAY_INFO, 0);

	gpu_virgl_set_exporter(memfd_export);
	gpu_fake_disp_up(&c->d, &c->dev, &c->h, 1ull << GPU_DISP_PF_DMABUF2, 1024, 768);
	cleared(c, 5, 0.0f, 1.0f, 0.0f);
	assert_int_equal(rect_cmd(c, GPU_CMD_SET_SCANOUT, 0, 5, W, H), GPU_RESP_OK_NODATA);
	assert_int_equal(gpu_fake_disp_expect(&c->d, GPU_DISP_DMABUF_SCANOUT2, m, sizeof(m), &fd),
			 GPU_DISP_DMABUF_SCANOUT2_SIZE);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(sb.st_size, W * H * 4);
	close(fd);
	memcpy(v, m, 40);
	assert_int_equal(v[0], 0);      /* scanout */
	assert_int_equal(v[3], W);      /* width */
	assert_int_equal(v[4], H);
	assert_int_equal(v[7], W * 4);  /* stride */
	assert_int_equal(v[8] & GPU_DISP_DMABUF_Y0_TOP, GPU_DISP_DMABUF_Y0_TOP);
	assert_int_equal(v[9], 0x34325241);
	/* the flush is answered after the display's reply; what follows waits too */
	head = submit(c, &fl, sizeof(fl), sizeof(struct gpu_ctrl_hdr), &r1);
	head2 = submit(c, &info, sizeof(info), sizeof(struct gpu_resp_display_info), &r2);
	assert_int_equal(gpu_fake_disp_expect(&c->d, GPU_DISP_DMABUF_UPDATE, m, sizeof(m), NULL),
			 20);
	memcpy(v, m, 20);
	assert_int_equal(v[3], W);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 0);
	assert_true(c->dev.ops.next_wake(&c->dev) != 0);
	gpu_fake_disp_send(&c->d, GPU_DISP_DMABUF_UPDATE, GPU_DISP_FLAG_REPLY, NULL, 0);
	assert_true(used_soon(c, &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(vhd_test_host_serve(&c->h, &c->p, &c->dev.ops, &c->dev, 0), 1);
	assert_true(used_soon(c, &id, &len));
	assert_int_equal(id, head2);
	assert_int_equal(le32toh(((struct gpu_ctrl_hdr *)r2)->type), GPU_RESP_OK_DISPLAY_INFO);
	/* a display that never answers: the flush goes after GPU_DISP_DMABUF_WAIT_NS */
	head = submit(c, &fl, sizeof(fl), sizeof(struct gpu_ctrl_hdr), &r1);
	assert_int_equal(gpu_fake_disp_expect(&c->d, GPU_DISP_DMABUF_UPDATE, m, sizeof(m), NULL),
			 20);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 0);
	vhd_test_host_advance(&c->h, GPU_DISP_DMABUF_WAIT_NS);
	assert_true(used_soon(c, &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(c->dev.disp.stats.dmabuf_timeouts, 1);
	/* a queue stop answers a held flush */
	head = submit(c, &fl, sizeof(fl), sizeof(struct gpu_ctrl_hdr), &r1);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 0);
	c->dev.ops.queue_stop(&c->dev, 0, &c->p.vq);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(id, head);
	assert_false(c->dev.upd_held);
	assert_int_equal(c->dev.ops.queue_start(&c->dev, 0, &c->p.vq), 0);
	/* disabling the scanout: a DMABUF_SCANOUT without an fd */
	while (gpu_fake_disp_recv(&c->d, (uint32_t *)v, m, sizeof(m), &fd) >= 0)
		assert_int_equal(fd, -1);
	assert_int_equal(rect_cmd(c, GPU_CMD_SET_SCANOUT, 0, 0, 0, 0), GPU_RESP_OK_NODATA);
	assert_int_equal(gpu_fake_disp_expect(&c->d, GPU_DISP_DMABUF_SCANOUT, m, sizeof(m), NULL),
			 GPU_DISP_DMABUF_SCANOUT_SIZE);
	assert_int_equal(memfd_exports, 1);
	assert_int_equal(gpu_virgl_stats(c->dev.virgl)->exports, 1);
}

/* A display gone before the DMABUF_UPDATE could be sent: the flush is answered once, now. */
static void
test_scanout_dmabuf_display_gone(void **state)
{
	struct t *c = *state;
	uint8_t m[64];
	uint16_t id;
	uint32_t len;
	int fd = -1;
	struct gpu_set_scanout fl = {hd(GPU_CMD_RESOURCE_FLUSH, 0), {0, 0, htole32(W),
								     htole32(H)}, htole32(5), 0};
	struct gpu_ctrl_hdr resp;
	struct vhd_req req;

	gpu_virgl_set_exporter(memfd_export);
	gpu_fake_disp_up(&c->d, &c->dev, &c->h, 1ull << GPU_DISP_PF_DMABUF2, 1024, 768);
	cleared(c, 5, 0.0f, 0.0f, 1.0f);
	assert_int_equal(rect_cmd(c, GPU_CMD_SET_SCANOUT, 0, 5, W, H), GPU_RESP_OK_NODATA);
	gpu_fake_disp_expect(&c->d, GPU_DISP_DMABUF_SCANOUT2, m, sizeof(m), &fd);
	close(fd);
	/* the display hangs up; the device learns it only when it writes the update
	 * (served by hand: a host turn first would see the hang-up)
	 */
	gpu_fake_disp_close(&c->d);
	memset(&req, 0, sizeof(req));
	req.id = 7;
	req.n_rd = 1;
	req.n_wr = 1;
	req.rd_len = sizeof(fl);
	req.wr_len = sizeof(resp);
	req.iov[0] = (struct iovec){&fl, sizeof(fl)};
	req.iov[1] = (struct iovec){&resp, sizeof(resp)};
	/* answered now, to the caller only: the device pushes nothing itself */
	assert_int_equal(c->dev.ops.handle(&c->dev, 0, &c->p.vq, &req), sizeof(resp));
	assert_int_equal(le32toh(resp.type), GPU_RESP_OK_NODATA);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 0);
	assert_false(c->dev.upd_held);
}

/* UPDATE_CURSOR of a renderer resource: its pixels go to the display. */
static void
test_cursor(void **state)
{
	struct t *c = *state;
	static uint8_t m[GPU_DISP_CURSOR_UPDATE_SIZE];
	struct gpu_update_cursor cu;
	struct vhd_req req;
	uint32_t dw[32], n, i;
	uint8_t *resp;
	uint16_t id;
	uint32_t len;

	gpu_fake_disp_up(&c->d, &c->dev, &c->h, 0, 1024, 768);
	assert_int_equal(ctx_create(c, 1, 4, 0), GPU_RESP_OK_NODATA);
	assert_int_equal(create_3d(c, 8, 2, GPU_FORMAT_B8G8R8A8_UNORM, GPU_CURSOR_DIM,
				   GPU_CURSOR_DIM, 1), GPU_RESP_OK_NODATA);
	assert_int_equal(ctx_cmd(c, GPU_CMD_CTX_ATTACH_RESOURCE, 1, 8), GPU_RESP_OK_NODATA);
	n = clear_stream(dw, 8, 1.0f, 0.0f, 0.0f, 1.0f);
	post_submit(c, 1, dw, n, 0, 0, 0, &resp);
	assert_true(used_soon(c, &id, &len));
	memset(&cu, 0, sizeof(cu));
	cu.hdr = hd(GPU_CMD_UPDATE_CURSOR, 0);
	cu.pos.x = htole32(10);
	cu.pos.y = htole32(20);
	cu.resource_id = htole32(8);
	cu.hot_x = htole32(1);
	cu.hot_y = htole32(2);
	memset(&req, 0, sizeof(req));
	req.n_rd = 1;
	req.rd_len = sizeof(cu);
	req.iov[0] = (struct iovec){&cu, sizeof(cu)};
	assert_int_equal(c->dev.ops.handle(&c->dev, 1, &c->p.vq, &req), 0);
	assert_int_equal(gpu_fake_disp_expect(&c->d, GPU_DISP_CURSOR_UPDATE, m, sizeof(m), NULL),
			 GPU_DISP_CURSOR_UPDATE_SIZE);
	for (i = 0; i < GPU_CURSOR_DIM * GPU_CURSOR_DIM; i++) {
		const uint8_t *px = m + 20 + i * 4;

		assert_int_equal(px[0], 0x00);
		assert_int_equal(px[2], 0xff);
		assert_int_equal(px[3], 0xff);
	}
	assert_int_equal(c->dev.stats.cursor, 1);
	/* a resource that is not 64x64: refused, counted */
	assert_int_equal(create_3d(c, 9, 2, GPU_FORMAT_B8G8R8A8_UNORM, W, H, 1),
			 GPU_RESP_OK_NODATA);
	cu.resource_id = htole32(9);
	assert_int_equal(c->dev.ops.handle(&c->dev, 1, &c->p.vq, &req), 0);
	assert_int_equal(c->dev.stats.cursor_bad, 1);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_features_and_capsets),
		T(test_contexts),
		T(test_render_and_read_back),
		T(test_2d_through_renderer),
		T(test_create_3d_hostile),
		T(test_short_commands),
		T(test_fences),
		T(test_stop_and_reset),
		T(test_scanout_read_back),
		T(test_scanout_dmabuf),
		T(test_scanout_dmabuf_display_gone),
		T(test_cursor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
