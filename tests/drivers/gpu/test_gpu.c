/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The gpu driver on the unit-test host, with a socketpair as the display:
 * every 2D command with good and hostile parameters, the formats, EDID,
 * the cursor queue, fences, the display protocol's handshake, replacement,
 * malformed replies and a display that stops reading.
 */

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "gpu.h"
#include "gpu_edid.h"
#include "gpu_fake_disp.h"
#include "vhd_test_host.h"
#include "vhd_test_pair.h"


struct ctx {
	struct vhd_test_pair p;
	struct vhd_test_host h;
	struct gpu_dev dev;
	int disp; /* our end of the display socket, -1: none */
};

static void
init(struct ctx *c, const struct gpu_opts *o)
{
	assert_int_equal(vhd_test_pair_init(&c->p, 64, VHD_BIT(VHD_F_RING_INDIRECT_DESC)), 0);
	vhd_test_host_init(&c->h);
	gpu_dev_init(&c->dev, o);
	c->dev.ops.attach(&c->dev, &c->h.host);
	c->dev.ops.set_features(&c->dev, c->dev.ops.features);
	c->disp = -1;
}

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct gpu_opts o = {.max_outputs = 2, .edid = true};

	assert_non_null(c);
	init(c, &o);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	gpu_dev_fini(&c->dev);
	if (c->disp >= 0)
		close(c->disp);
	vhd_test_pair_fini(&c->p);
	free(c);
	return 0;
}

/* ---- the fake display ---- */

static void
disp_send(struct ctx *c, uint32_t req, uint32_t flags, const void *p, uint32_t size)
{
	struct gpu_fake_disp d = {c->disp, &c->h};

	gpu_fake_disp_send(&d, req, flags, p, size);
}

/* One message from the device; @return its payload size, -1: none pending. */
static int
disp_recv(struct ctx *c, uint32_t *req, void *p, uint32_t max)
{
	struct gpu_fake_disp d = {c->disp, &c->h};

	return gpu_fake_disp_recv(&d, req, p, max, NULL);
}

static int
disp_expect(struct ctx *c, uint32_t want, void *p, uint32_t max)
{
	struct gpu_fake_disp d = {c->disp, &c->h};

	return gpu_fake_disp_expect(&d, want, p, max, NULL);
}

/* Attach a display that answers the handshake with @p features. */
static void
display_up(struct ctx *c, uint64_t features, uint32_t w, uint32_t h)
{
	int sv[2];
	uint8_t buf[2048];
	uint64_t set;
	struct gpu_resp_display_info info;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c->disp = sv[0];
	assert_int_equal(gpu_set_display(&c->dev, sv[1]), 0);
	assert_true(gpu_disp_pending(&c->dev.disp));
	assert_int_equal(disp_expect(c, GPU_DISP_GET_PROTOCOL_FEATURES, buf, sizeof(buf)), 0);
	disp_send(c, GPU_DISP_GET_PROTOCOL_FEATURES, GPU_DISP_FLAG_REPLY, &features, 8);
	vhd_test_host_run(&c->h);
	assert_int_equal(disp_expect(c, GPU_DISP_SET_PROTOCOL_FEATURES, &set, 8), 8);
	assert_int_equal(set, features & (1ull << GPU_DISP_PF_EDID | 1ull << GPU_DISP_PF_DMABUF2));
	assert_int_equal(disp_expect(c, GPU_DISP_GET_DISPLAY_INFO, buf, sizeof(buf)), 0);
	memset(&info, 0, sizeof(info));
	info.hdr.type = GPU_RESP_OK_DISPLAY_INFO;
	info.pmodes[0].r.width = w;
	info.pmodes[0].r.height = h;
	info.pmodes[0].enabled = 1;
	disp_send(c, GPU_DISP_GET_DISPLAY_INFO, GPU_DISP_FLAG_REPLY, &info, sizeof(info));
	vhd_test_host_run(&c->h);
}

/* ---- guest side ---- */

static uint8_t *
wbuf(struct ctx *c, uint32_t len)
{
	return vhd_test_alloc_guarded(&c->p, len);
}

static void
guard_ok(const uint8_t *b, uint32_t len)
{
	assert_true(vhd_test_guard_intact(b, len));
}

static void
hdr(struct gpu_ctrl_hdr *h, uint32_t type)
{
	memset(h, 0, sizeof(*h));
	h->type = htole32(type);
}

/* Post @p cmd (@p len bytes) with a writable part of @p wlen; serve queue
 * @p q; @return the used length, the response in *out.
 */
static uint32_t
post(struct ctx *c, uint16_t q, const void *cmd, uint32_t len, uint32_t wlen, uint8_t **out)
{
	void *rd = vhd_test_alloc(&c->p, len);
	uint8_t *w = wlen != 0 ? wbuf(c, wlen) : NULL;
	struct vhd_fe_buf b[2] = {{rd, len}, {w, wlen}};
	uint16_t id;
	uint32_t used = 0xdead;

	memcpy(rd, cmd, len);
	assert_true(vhd_test_post(&c->p, b, 1, wlen != 0 ? 1 : 0, false) >= 0);
	assert_int_equal(vhd_test_host_serve(&c->h, &c->p, &c->dev.ops, &c->dev, q), 1);
	assert_int_equal(vhd_test_used(&c->p, &id, &used), 1);
	if (w != NULL)
		guard_ok(w, wlen);
	if (out != NULL)
		*out = w;
	return used;
}

/* A command answered with a bare header: @return its type. */
static uint32_t
cmd(struct ctx *c, const void *cmd, uint32_t len)
{
	uint8_t *w;
	struct gpu_ctrl_hdr r;

	assert_int_equal(post(c, 0, cmd, len, sizeof(r), &w), sizeof(r));
	memcpy(&r, w, sizeof(r));
	return le32toh(r.type);
}

static uint32_t
create(struct ctx *c, uint32_t id, uint32_t fmt, uint32_t w, uint32_t h)
{
	struct gpu_resource_create_2d m;

	hdr(&m.hdr, GPU_CMD_RESOURCE_CREATE_2D);
	m.resource_id = htole32(id);
	m.format = htole32(fmt);
	m.width = htole32(w);
	m.height = htole32(h);
	return cmd(c, &m, sizeof(m));
}

static uint64_t
gpa(struct ctx *c, const void *p)
{
	return VHD_TEST_GPA_BASE + (uint64_t)((const uint8_t *)p - (const uint8_t *)c->p.arena);
}

/* Attach @p n entries: (gpa, len) pairs. */
static uint32_t
attach(struct ctx *c, uint32_t id, const uint64_t *addr, const uint32_t *len, uint32_t n)
{
	uint8_t m[sizeof(struct gpu_attach_backing) + 8 * sizeof(struct gpu_mem_entry)];
	struct gpu_attach_backing *a = (void *)m;
	struct gpu_mem_entry *e = (void *)(m + sizeof(*a));
	uint32_t i;

	assert_true(n <= 8);
	hdr(&a->hdr, GPU_CMD_RESOURCE_ATTACH_BACKING);
	a->resource_id = htole32(id);
	a->nr_entries = htole32(n);
	for (i = 0; i < n; i++) {
		e[i].addr = htole64(addr[i]);
		e[i].length = htole32(len[i]);
		e[i].padding = 0;
	}
	return cmd(c, m, sizeof(*a) + n * sizeof(*e));
}

static uint32_t
transfer(struct ctx *c, uint32_t id, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
	 uint64_t off)
{
	struct gpu_transfer_to_host_2d m;

	hdr(&m.hdr, GPU_CMD_TRANSFER_TO_HOST_2D);
	m.r = (struct gpu_rect){htole32(x), htole32(y), htole32(w), htole32(h)};
	m.offset = htole64(off);
	m.resource_id = htole32(id);
	m.padding = 0;
	return cmd(c, &m, sizeof(m));
}

static uint32_t
scanout(struct ctx *c, uint32_t sid, uint32_t id, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	struct gpu_set_scanout m;

	hdr(&m.hdr, GPU_CMD_SET_SCANOUT);
	m.r = (struct gpu_rect){htole32(x), htole32(y), htole32(w), htole32(h)};
	m.scanout_id = htole32(sid);
	m.resource_id = htole32(id);
	return cmd(c, &m, sizeof(m));
}

static uint32_t
flush(struct ctx *c, uint32_t id, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	struct gpu_resource_flush m;

	hdr(&m.hdr, GPU_CMD_RESOURCE_FLUSH);
	m.r = (struct gpu_rect){htole32(x), htole32(y), htole32(w), htole32(h)};
	m.resource_id = htole32(id);
	m.padding = 0;
	return cmd(c, &m, sizeof(m));
}

/* A w x h B8G8R8X8 framebuffer in guest memory with pixel (x, y) = f(x, y). */
static uint8_t *
framebuffer(struct ctx *c, uint32_t w, uint32_t h)
{
	uint8_t *fb = vhd_test_alloc(&c->p, w * h * 4);
	uint32_t x, y;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			uint8_t *p = fb + (y * w + x) * 4;

			p[0] = (uint8_t)x;        /* B */
			p[1] = (uint8_t)y;        /* G */
			p[2] = (uint8_t)(x ^ y);  /* R */
			p[3] = 0x55;              /* X: shown as 0xff */
		}
	return fb;
}

/* ---- tests ---- */

static void
test_display_info_default(void **state)
{
	struct ctx *c = *state;
	struct gpu_ctrl_hdr h;
	struct gpu_resp_display_info r;
	uint8_t *w;

	hdr(&h, GPU_CMD_GET_DISPLAY_INFO);
	h.flags = htole32(GPU_FLAG_FENCE);
	h.fence_id = htole64(77);
	assert_int_equal(post(c, 0, &h, sizeof(h), sizeof(r), &w), sizeof(r));
	memcpy(&r, w, sizeof(r));
	assert_int_equal(le32toh(r.hdr.type), GPU_RESP_OK_DISPLAY_INFO);
	assert_int_equal(le32toh(r.hdr.flags), GPU_FLAG_FENCE);
	assert_int_equal(le64toh(r.hdr.fence_id), 77);
	assert_int_equal(le32toh(r.pmodes[0].r.width), GPU_DEFAULT_WIDTH);
	assert_int_equal(le32toh(r.pmodes[0].r.height), GPU_DEFAULT_HEIGHT);
	assert_int_equal(le32toh(r.pmodes[0].enabled), 1);
	assert_int_equal(le32toh(r.pmodes[1].enabled), 0);
	/* a reply buffer too short for the info: a bare error header */
	assert_int_equal(post(c, 0, &h, sizeof(h), sizeof(r) - 1, &w), sizeof(h));
	memcpy(&h, w, sizeof(h));
	assert_int_equal(le32toh(h.type), GPU_RESP_ERR_UNSPEC);
	/* not even room for a header: dropped and counted */
	hdr(&h, GPU_CMD_GET_DISPLAY_INFO);
	assert_int_equal(post(c, 0, &h, sizeof(h), sizeof(h) - 1, &w), 0);
	assert_int_equal(w[0], 0xee);
	assert_int_equal(c->dev.stats.dropped, 1);
	/* a short header */
	assert_int_equal(cmd(c, &h, 8), GPU_RESP_ERR_UNSPEC);
}

static void
test_create(void **state)
{
	struct ctx *c = *state;
	static const uint32_t fmts[] = {1, 2, 3, 4, 67, 68, 121, 134};
	unsigned int i;

	for (i = 0; i < 8; i++)
		assert_int_equal(create(c, 10 + i, fmts[i], 4, 4), GPU_RESP_OK_NODATA);
	assert_int_equal(create(c, 10, 2, 4, 4), GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(create(c, 0, 2, 4, 4), GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(create(c, 30, 5, 4, 4), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(create(c, 30, 0, 4, 4), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(create(c, 30, 2, 0, 4), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(create(c, 30, 2, 4, 0), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(create(c, 30, 2, 0xffffffff, 0xffffffff),
			 GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(create(c, 30, 2, GPU_MAX_DIM + 1, 1), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(c->dev.nres, 8);
	assert_int_equal(c->dev.hostmem, 8 * 64);
	/* short command */
	{
		struct gpu_resource_create_2d m;

		hdr(&m.hdr, GPU_CMD_RESOURCE_CREATE_2D);
		assert_int_equal(cmd(c, &m, sizeof(m) - 1), GPU_RESP_ERR_UNSPEC);
	}
}

static void
test_memory_bound(void **state)
{
	struct ctx *c = *state;
	struct gpu_opts o = {.max_outputs = 1, .max_hostmem = 1 << 20};
	uint32_t i;

	gpu_dev_fini(&c->dev);
	gpu_dev_init(&c->dev, &o);
	c->dev.ops.attach(&c->dev, &c->h.host);
	/* 256 KiB each: four fit, the fifth does not */
	for (i = 1; i <= 4; i++)
		assert_int_equal(create(c, i, 2, 256, 256), GPU_RESP_OK_NODATA);
	assert_int_equal(create(c, 5, 2, 256, 256), GPU_RESP_ERR_OUT_OF_MEMORY);
	assert_int_equal(create(c, 5, 2, GPU_MAX_DIM, GPU_MAX_DIM), GPU_RESP_ERR_OUT_OF_MEMORY);
	assert_int_equal(c->dev.stats.oom, 2);
	/* freeing makes room again */
	{
		struct gpu_resource_id m;

		hdr(&m.hdr, GPU_CMD_RESOURCE_UNREF);
		m.resource_id = htole32(1);
		m.padding = 0;
		assert_int_equal(cmd(c, &m, sizeof(m)), GPU_RESP_OK_NODATA);
		assert_int_equal(cmd(c, &m, sizeof(m)), GPU_RESP_ERR_INVALID_RESOURCE_ID);
	}
	assert_int_equal(create(c, 5, 2, 256, 256), GPU_RESP_OK_NODATA);
}

static void
test_attach_hostile(void **state)
{
	struct ctx *c = *state;
	uint8_t *fb = vhd_test_alloc(&c->p, 4096);
	uint64_t a[2];
	uint32_t l[2];

	assert_int_equal(create(c, 1, 2, 16, 16), GPU_RESP_OK_NODATA);
	/* below guest memory, past its end, straddling the end, wrapping 2^64 */
	a[0] = VHD_TEST_GPA_BASE - 4096;
	l[0] = 4096;
	assert_int_equal(attach(c, 1, a, l, 1), GPU_RESP_ERR_INVALID_PARAMETER);
	a[0] = VHD_TEST_GPA_BASE + c->p.arena_size;
	assert_int_equal(attach(c, 1, a, l, 1), GPU_RESP_ERR_INVALID_PARAMETER);
	a[0] = VHD_TEST_GPA_BASE + c->p.arena_size - 100;
	assert_int_equal(attach(c, 1, a, l, 1), GPU_RESP_ERR_INVALID_PARAMETER);
	a[0] = UINT64_MAX - 10;
	assert_int_equal(attach(c, 1, a, l, 1), GPU_RESP_ERR_INVALID_PARAMETER);
	/* a good entry then a zero-length one */
	a[0] = gpa(c, fb);
	a[1] = gpa(c, fb);
	l[1] = 0;
	assert_int_equal(attach(c, 1, a, l, 2), GPU_RESP_ERR_INVALID_PARAMETER);
	/* no entries; more entries than the command carries; too many */
	assert_int_equal(attach(c, 1, a, l, 0), GPU_RESP_ERR_INVALID_PARAMETER);
	{
		struct gpu_attach_backing m;

		hdr(&m.hdr, GPU_CMD_RESOURCE_ATTACH_BACKING);
		m.resource_id = htole32(1);
		m.nr_entries = htole32(3);
		assert_int_equal(cmd(c, &m, sizeof(m)), GPU_RESP_ERR_INVALID_PARAMETER);
		m.nr_entries = htole32(0xffffffff);
		assert_int_equal(cmd(c, &m, sizeof(m)), GPU_RESP_ERR_INVALID_PARAMETER);
		assert_int_equal(cmd(c, &m, sizeof(m) - 4), GPU_RESP_ERR_UNSPEC);
	}
	/* unknown resource */
	assert_int_equal(attach(c, 9, a, l, 1), GPU_RESP_ERR_INVALID_RESOURCE_ID);
	/* good, then again: detach first */
	assert_int_equal(attach(c, 1, a, l, 1), GPU_RESP_OK_NODATA);
	assert_int_equal(attach(c, 1, a, l, 1), GPU_RESP_ERR_UNSPEC);
	{
		struct gpu_resource_id m;

		hdr(&m.hdr, GPU_CMD_RESOURCE_DETACH_BACKING);
		m.resource_id = htole32(1);
		m.padding = 0;
		assert_int_equal(cmd(c, &m, sizeof(m)), GPU_RESP_OK_NODATA);
		assert_int_equal(cmd(c, &m, sizeof(m)), GPU_RESP_ERR_UNSPEC);
		m.resource_id = htole32(2);
		assert_int_equal(cmd(c, &m, sizeof(m)), GPU_RESP_ERR_INVALID_RESOURCE_ID);
	}
	assert_int_equal(c->dev.hostmem, 16 * 16 * 4);
}

static void
test_transfer_hostile(void **state)
{
	struct ctx *c = *state;
	uint8_t *fb = framebuffer(c, 16, 16);
	uint64_t a = gpa(c, fb);
	uint32_t l = 16 * 16 * 4 - 4; /* one pixel short of the full frame */

	assert_int_equal(transfer(c, 1, 0, 0, 1, 1, 0), GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(create(c, 1, 2, 16, 16), GPU_RESP_OK_NODATA);
	assert_int_equal(transfer(c, 1, 0, 0, 1, 1, 0), GPU_RESP_ERR_UNSPEC); /* no backing */
	assert_int_equal(attach(c, 1, &a, &l, 1), GPU_RESP_OK_NODATA);
	/* past the resource, and wrapping 32 bits */
	assert_int_equal(transfer(c, 1, 0, 0, 17, 1, 0), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(transfer(c, 1, 0, 15, 1, 2, 0), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(transfer(c, 1, 0xffffffff, 0, 2, 1, 0), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(transfer(c, 1, 1, 1, 0xffffffff, 1, 0), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(transfer(c, 1, 0, 1, 1, 0xffffffff, 0), GPU_RESP_ERR_INVALID_PARAMETER);
	/* past the backing: the whole frame is one pixel too many */
	assert_int_equal(transfer(c, 1, 0, 0, 16, 16, 0), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(transfer(c, 1, 15, 15, 1, 1, 15 * 64 + 60),
			 GPU_RESP_ERR_INVALID_PARAMETER);
	/* offsets that overflow 64 bits with the stride */
	assert_int_equal(transfer(c, 1, 0, 0, 1, 2, UINT64_MAX - 3), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(transfer(c, 1, 0, 0, 1, 1, UINT64_MAX), GPU_RESP_ERR_INVALID_PARAMETER);
	/* what fits is fine, an empty rectangle too */
	assert_int_equal(transfer(c, 1, 0, 0, 16, 15, 0), GPU_RESP_OK_NODATA);
	assert_int_equal(transfer(c, 1, 0, 0, 0, 0, 0), GPU_RESP_OK_NODATA);
	assert_memory_equal(c->dev.res[0]->pixels, fb, 16 * 15 * 4);
	assert_int_equal(c->dev.stats.transfers, 1);
}

/* The frame split over three backing entries in scattered guest memory, a
 * sub-rectangle transferred, flushed, and the UPDATE's pixels compared.
 */
static void
test_scanout_update(void **state)
{
	struct ctx *c = *state;
	uint8_t *fb = framebuffer(c, 32, 8);
	uint8_t *p1 = vhd_test_alloc(&c->p, 300), *p2 = vhd_test_alloc(&c->p, 500);
	uint8_t *p3 = vhd_test_alloc(&c->p, 32 * 8 * 4 - 800);
	uint64_t a[3] = {gpa(c, p1), gpa(c, p2), gpa(c, p3)};
	uint32_t l[3] = {300, 500, 32 * 8 * 4 - 800};
	uint32_t v[64 * 8 + 8], req, x, y;
	int n;

	memcpy(p1, fb, 300);
	memcpy(p2, fb + 300, 500);
	memcpy(p3, fb + 800, l[2]);
	display_up(c, 0, 1024, 768);
	assert_false(gpu_disp_pending(&c->dev.disp));
	assert_int_equal(create(c, 1, GPU_FORMAT_B8G8R8X8_UNORM, 32, 8), GPU_RESP_OK_NODATA);
	assert_int_equal(attach(c, 1, a, l, 3), GPU_RESP_OK_NODATA);
	/* the whole frame to host, then scanout 0 shows its (4, 2) 20 x 5 part */
	assert_int_equal(transfer(c, 1, 0, 0, 32, 8, 0), GPU_RESP_OK_NODATA);
	assert_int_equal(scanout(c, 0, 1, 4, 2, 20, 5), GPU_RESP_OK_NODATA);
	assert_int_equal(disp_expect(c, GPU_DISP_SCANOUT, v, sizeof(v)), 12);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 20);
	assert_int_equal(v[2], 5);
	/* flush a rectangle reaching past the scanout: clipped to it */
	assert_int_equal(flush(c, 1, 10, 0, 22, 8), GPU_RESP_OK_NODATA);
	n = disp_expect(c, GPU_DISP_UPDATE, v, sizeof(v));
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 6); /* x 10 in the resource is 6 on the scanout */
	assert_int_equal(v[2], 0);
	assert_int_equal(v[3], 14);
	assert_int_equal(v[4], 5);
	assert_int_equal(n, 20 + 14 * 5 * 4);
	for (y = 0; y < 5; y++)
		for (x = 0; x < 14; x++) {
			uint32_t rx = 10 + x, ry = 2 + y;

			assert_int_equal(v[5 + y * 14 + x],
					 0xffu << 24 | (rx ^ ry) << 16 | ry << 8 | rx);
		}
	assert_int_equal(disp_recv(c, &req, v, sizeof(v)), -1);
	/* a sub-rectangle transfer after the guest changed one pixel */
	p1[(1 * 32 + 5) * 4] = 0xab - 0; /* pixel (5, 1): in p1 (offset 148) */
	assert_int_equal(transfer(c, 1, 5, 1, 1, 1, (1 * 32 + 5) * 4), GPU_RESP_OK_NODATA);
	assert_int_equal(c->dev.res[0]->pixels[(32 + 5) * 4], 0xab);
	/* flush outside the scanout: nothing sent; past the resource: refused */
	assert_int_equal(flush(c, 1, 0, 0, 4, 8), GPU_RESP_OK_NODATA);
	assert_int_equal(disp_recv(c, &req, v, sizeof(v)), -1);
	assert_int_equal(flush(c, 1, 0, 0, 33, 1), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(flush(c, 1, 0xfffffff0, 0, 0x20, 1), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(flush(c, 2, 0, 0, 1, 1), GPU_RESP_ERR_INVALID_RESOURCE_ID);
	/* unref of a shown resource disables the scanout */
	{
		struct gpu_resource_id m;

		hdr(&m.hdr, GPU_CMD_RESOURCE_UNREF);
		m.resource_id = htole32(1);
		m.padding = 0;
		assert_int_equal(cmd(c, &m, sizeof(m)), GPU_RESP_OK_NODATA);
	}
	assert_int_equal(disp_expect(c, GPU_DISP_SCANOUT, v, sizeof(v)), 12);
	assert_int_equal(v[1], 0);
	assert_int_equal(c->dev.scanout[0].res_id, 0);
	assert_int_equal(c->dev.hostmem, 0);
}

static void
test_set_scanout_hostile(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(create(c, 1, 2, 64, 64), GPU_RESP_OK_NODATA);
	assert_int_equal(scanout(c, 2, 1, 0, 0, 64, 64), GPU_RESP_ERR_INVALID_SCANOUT_ID);
	assert_int_equal(scanout(c, 0xffffffff, 1, 0, 0, 1, 1), GPU_RESP_ERR_INVALID_SCANOUT_ID);
	assert_int_equal(scanout(c, 0, 2, 0, 0, 64, 64), GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(scanout(c, 0, 1, 1, 0, 64, 64), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(scanout(c, 0, 1, 0xffffffff, 0, 2, 2), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(scanout(c, 0, 1, 0, 0, 0, 64), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(scanout(c, 1, 1, 0, 0, 64, 64), GPU_RESP_OK_NODATA);
	assert_int_equal(scanout(c, 0, 1, 0, 0, 32, 32), GPU_RESP_OK_NODATA); /* mirror */
	assert_int_equal(c->dev.res[0]->scanouts, 3);
	assert_int_equal(scanout(c, 1, 0, 0, 0, 0, 0), GPU_RESP_OK_NODATA); /* disable */
	assert_int_equal(c->dev.res[0]->scanouts, 1);
	{
		struct gpu_set_scanout m;

		hdr(&m.hdr, GPU_CMD_SET_SCANOUT);
		assert_int_equal(cmd(c, &m, sizeof(m) - 1), GPU_RESP_ERR_UNSPEC);
	}
}

static void
test_formats(void **state)
{
	static const struct {
		uint32_t fmt;
		uint8_t in[4];
		uint32_t out;
	} t[] = {
		{GPU_FORMAT_B8G8R8A8_UNORM, {0x11, 0x22, 0x33, 0x44}, 0x44332211},
		{GPU_FORMAT_B8G8R8X8_UNORM, {0x11, 0x22, 0x33, 0x44}, 0xff332211},
		{GPU_FORMAT_A8R8G8B8_UNORM, {0x44, 0x33, 0x22, 0x11}, 0x44332211},
		{GPU_FORMAT_X8R8G8B8_UNORM, {0x44, 0x33, 0x22, 0x11}, 0xff332211},
		{GPU_FORMAT_R8G8B8A8_UNORM, {0x33, 0x22, 0x11, 0x44}, 0x44332211},
		{GPU_FORMAT_X8B8G8R8_UNORM, {0x44, 0x11, 0x22, 0x33}, 0xff332211},
		{GPU_FORMAT_A8B8G8R8_UNORM, {0x44, 0x11, 0x22, 0x33}, 0x44332211},
		{GPU_FORMAT_R8G8B8X8_UNORM, {0x33, 0x22, 0x11, 0x44}, 0xff332211},
	};
	uint8_t out[5];
	uint32_t v;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		out[4] = 0xee;
		/* unaligned destination on purpose */
		assert_int_equal(gpu_to_argb(t[i].fmt, t[i].in, out, 1), 0);
		memcpy(&v, out, 4);
		assert_int_equal(le32toh(v), t[i].out);
		assert_int_equal(out[4], 0xee);
	}
	assert_int_equal(gpu_to_argb(5, t[0].in, out, 1), -1);
	assert_false(gpu_format_ok(0));
}

static void
test_edid(void **state)
{
	struct ctx *c = *state;
	struct gpu_get_edid m;
	struct gpu_resp_edid r;
	uint8_t *w, sum = 0;
	unsigned int i;

	hdr(&m.hdr, GPU_CMD_GET_EDID);
	m.scanout = 0;
	m.padding = 0;
	assert_int_equal(post(c, 0, &m, sizeof(m), sizeof(r), &w), sizeof(r));
	memcpy(&r, w, sizeof(r));
	assert_int_equal(le32toh(r.hdr.type), GPU_RESP_OK_EDID);
	assert_int_equal(le32toh(r.size), 128);
	for (i = 0; i < 128; i++)
		sum = (uint8_t)(sum + r.edid[i]);
	assert_int_equal(sum, 0);
	assert_int_equal(r.edid[0], 0);
	assert_int_equal(r.edid[1], 0xff);
	assert_int_equal(r.edid[18], 1);
	assert_int_equal(r.edid[19], 4);
	/* preferred detailed timing: 1280 x 800 */
	assert_int_equal(r.edid[56] | (r.edid[58] >> 4) << 8, 1280);
	assert_int_equal(r.edid[59] | (r.edid[61] >> 4) << 8, 800);
	/* bad scanout, short command, short reply */
	m.scanout = htole32(2);
	assert_int_equal(cmd(c, &m, sizeof(m)), GPU_RESP_ERR_INVALID_SCANOUT_ID);
	m.scanout = 0;
	assert_int_equal(cmd(c, &m, sizeof(m) - 1), GPU_RESP_ERR_UNSPEC);
	assert_int_equal(cmd(c, &m, sizeof(m)), GPU_RESP_ERR_UNSPEC); /* reply too short */
	/* without VIRTIO_GPU_F_EDID negotiated */
	c->dev.ops.set_features(&c->dev, 0);
	assert_int_equal(post(c, 0, &m, sizeof(m), sizeof(r), &w), sizeof(struct gpu_ctrl_hdr));
	memcpy(&r.hdr, w, sizeof(r.hdr));
	assert_int_equal(le32toh(r.hdr.type), GPU_RESP_ERR_UNSPEC);
}

static void
test_edid_generator(void **state)
{
	uint8_t e[GPU_EDID_SIZE], sum;
	static const uint32_t modes[][2] = {{1, 1}, {640, 480}, {1920, 1080}, {4095, 4095},
					    {0, 0}, {8192, 8192}};
	unsigned int i, j;

	(void)state;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		uint32_t w = modes[i][0], h = modes[i][1];

		assert_int_equal(gpu_edid_make(e, i, w, h), GPU_EDID_SIZE);
		for (sum = 0, j = 0; j < GPU_EDID_SIZE; j++)
			sum = (uint8_t)(sum + e[j]);
		assert_int_equal(sum, 0);
		if (w == 0)
			w = 1280, h = 800;
		if (w > 4095)
			w = h = 4095;
		assert_int_equal(e[56] | (e[58] >> 4) << 8, w);
		assert_int_equal(e[59] | (e[61] >> 4) << 8, h);
		assert_memory_equal(e + 95, "vhost-device\n", 13);
	}
}

static void
test_fences_in_order(void **state)
{
	struct ctx *c = *state;
	struct gpu_resource_create_2d m;
	uint8_t *w[8];
	uint16_t id;
	uint32_t len, i;

	for (i = 0; i < 8; i++) {
		void *rd = vhd_test_alloc(&c->p, sizeof(m));
		struct vhd_fe_buf b[2];

		hdr(&m.hdr, GPU_CMD_RESOURCE_CREATE_2D);
		m.hdr.flags = htole32(i % 2 ? GPU_FLAG_FENCE | GPU_FLAG_INFO_RING_IDX : 0);
		m.hdr.fence_id = htole64(100 + i);
		m.hdr.ctx_id = htole32(7);
		m.hdr.ring_idx = 3;
		m.resource_id = htole32(i == 5 ? 0 : i + 1); /* one fails, fenced */
		m.format = htole32(2);
		m.width = m.height = htole32(8);
		memcpy(rd, &m, sizeof(m));
		w[i] = wbuf(c, sizeof(struct gpu_ctrl_hdr));
		b[0] = (struct vhd_fe_buf){rd, sizeof(m)};
		b[1] = (struct vhd_fe_buf){w[i], sizeof(struct gpu_ctrl_hdr)};
		assert_true(vhd_test_post(&c->p, b, 1, 1, false) >= 0);
	}
	assert_int_equal(vhd_test_host_serve(&c->h, &c->p, &c->dev.ops, &c->dev, 0), 8);
	for (i = 0; i < 8; i++) {
		struct gpu_ctrl_hdr r;

		assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
		assert_int_equal(len, sizeof(r));
		memcpy(&r, w[i], sizeof(r));
		assert_int_equal(le32toh(r.type), i == 5 ? GPU_RESP_ERR_INVALID_RESOURCE_ID :
							 GPU_RESP_OK_NODATA);
		/* ring_idx only with CONTEXT_INIT, which 2D does not offer */
		assert_int_equal(le32toh(r.flags), i % 2 ? GPU_FLAG_FENCE : 0);
		assert_int_equal(le64toh(r.fence_id), i % 2 ? 100 + i : 0);
		assert_int_equal(r.ring_idx, 0);
		assert_int_equal(le32toh(r.ctx_id), 7);
	}
	assert_int_equal(c->dev.stats.fences, 4);
}

static void
test_unsupported(void **state)
{
	struct ctx *c = *state;
	static const uint32_t types[] = {
		GPU_CMD_RESOURCE_CREATE_BLOB, GPU_CMD_SET_SCANOUT_BLOB, GPU_CMD_RESOURCE_MAP_BLOB,
		GPU_CMD_RESOURCE_UNMAP_BLOB, GPU_CMD_CTX_CREATE, GPU_CMD_SUBMIT_3D,
		GPU_CMD_RESOURCE_CREATE_3D, GPU_CMD_RESOURCE_ASSIGN_UUID, GPU_CMD_UPDATE_CURSOR,
		0, 0xffffffff, GPU_RESP_OK_NODATA,
	};
	uint8_t m[128];
	unsigned int i;

	memset(m, 0xff, sizeof(m));
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		hdr((struct gpu_ctrl_hdr *)m, types[i]);
		assert_int_equal(cmd(c, m, sizeof(m)), GPU_RESP_ERR_UNSPEC);
	}
	assert_int_equal(c->dev.stats.blob_refused, 4);
	hdr((struct gpu_ctrl_hdr *)m, GPU_CMD_GET_CAPSET_INFO);
	assert_int_equal(cmd(c, m, sizeof(m)), GPU_RESP_ERR_INVALID_PARAMETER);
}

static uint32_t
cursor(struct ctx *c, uint32_t type, uint32_t sid, uint32_t x, uint32_t y, uint32_t rid)
{
	struct gpu_update_cursor m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = htole32(type);
	m.pos.scanout_id = htole32(sid);
	m.pos.x = htole32(x);
	m.pos.y = htole32(y);
	m.resource_id = htole32(rid);
	m.hot_x = htole32(3);
	m.hot_y = htole32(4);
	/* the Linux driver gives no writable part on the cursorq */
	return post(c, 1, &m, sizeof(m), 0, NULL);
}

static void
test_cursor(void **state)
{
	struct ctx *c = *state;
	static uint32_t v[GPU_DISP_CURSOR_UPDATE_SIZE / 4];
	uint8_t *img = framebuffer(c, 64, 64);
	uint64_t a = gpa(c, img);
	uint32_t l = 64 * 64 * 4, req;

	display_up(c, 0, 1280, 800);
	assert_int_equal(create(c, 1, GPU_FORMAT_B8G8R8A8_UNORM, 64, 64), GPU_RESP_OK_NODATA);
	assert_int_equal(attach(c, 1, &a, &l, 1), GPU_RESP_OK_NODATA);
	assert_int_equal(transfer(c, 1, 0, 0, 64, 64, 0), GPU_RESP_OK_NODATA);
	assert_int_equal(cursor(c, GPU_CMD_UPDATE_CURSOR, 0, 100, 200, 1), 0);
	assert_int_equal(disp_expect(c, GPU_DISP_CURSOR_UPDATE, v, sizeof(v)),
			 GPU_DISP_CURSOR_UPDATE_SIZE);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 100);
	assert_int_equal(v[2], 200);
	assert_int_equal(v[3], 3);
	assert_int_equal(v[4], 4);
	assert_memory_equal(&v[5], img, 64 * 64 * 4); /* B8G8R8A8 is ARGB8888 */
	assert_int_equal(cursor(c, GPU_CMD_MOVE_CURSOR, 1, 5, 6, 0), 0);
	assert_int_equal(disp_expect(c, GPU_DISP_CURSOR_POS, v, sizeof(v)), 12);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[1], 5);
	assert_int_equal(cursor(c, GPU_CMD_UPDATE_CURSOR, 0, 7, 8, 0), 0);
	assert_int_equal(disp_expect(c, GPU_DISP_CURSOR_POS_HIDE, v, sizeof(v)), 12);
	/* hostile: bad scanout, unknown resource, not 64 x 64, control command */
	assert_int_equal(create(c, 2, 2, 32, 32), GPU_RESP_OK_NODATA);
	cursor(c, GPU_CMD_UPDATE_CURSOR, 2, 0, 0, 1);
	cursor(c, GPU_CMD_UPDATE_CURSOR, 0, 0, 0, 9);
	cursor(c, GPU_CMD_UPDATE_CURSOR, 0, 0, 0, 2);
	cursor(c, GPU_CMD_RESOURCE_UNREF, 0, 0, 0, 1);
	post(c, 1, v, 8, 0, NULL); /* short */
	assert_int_equal(c->dev.stats.cursor_bad, 5);
	assert_int_equal(c->dev.stats.cursor, 3);
	assert_int_equal(disp_recv(c, &req, v, sizeof(v)), -1);
	/* a writable part on the cursorq gets an OK header */
	{
		struct gpu_update_cursor m;
		uint8_t *w;

		memset(&m, 0, sizeof(m));
		m.hdr.type = htole32(GPU_CMD_MOVE_CURSOR);
		assert_int_equal(post(c, 1, &m, sizeof(m), sizeof(m.hdr), &w), sizeof(m.hdr));
		assert_int_equal(w[1], GPU_RESP_OK_NODATA >> 8);
	}
}

/* GET_DISPLAY_INFO waits for the display's answer, then uses it; EDID comes
 * from the display when both sides have the feature.
 */
static void
test_display_handshake(void **state)
{
	struct ctx *c = *state;
	struct gpu_ctrl_hdr h;
	struct gpu_resp_display_info info;
	struct gpu_resp_edid e;
	uint64_t f = 3, set;
	uint32_t sid, req;
	uint8_t *w, buf[64];
	uint16_t id;
	uint32_t used;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c->disp = sv[0];
	assert_int_equal(gpu_set_display(&c->dev, sv[1]), 0);
	hdr(&h, GPU_CMD_GET_DISPLAY_INFO);
	{
		void *rd = vhd_test_alloc(&c->p, sizeof(h));
		struct vhd_fe_buf b[2];

		memcpy(rd, &h, sizeof(h));
		w = wbuf(c, sizeof(info));
		b[0] = (struct vhd_fe_buf){rd, sizeof(h)};
		b[1] = (struct vhd_fe_buf){w, sizeof(info)};
		assert_true(vhd_test_post(&c->p, b, 1, 1, false) >= 0);
	}
	vhd_test_host_serve(&c->h, &c->p, &c->dev.ops, &c->dev, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, &used), 0); /* waiting */
	assert_true(c->dev.ops.next_wake(&c->dev) > 0);
	disp_expect(c, GPU_DISP_GET_PROTOCOL_FEATURES, buf, sizeof(buf));
	disp_send(c, GPU_DISP_GET_PROTOCOL_FEATURES, GPU_DISP_FLAG_REPLY, &f, 8);
	vhd_test_host_run(&c->h);
	disp_expect(c, GPU_DISP_SET_PROTOCOL_FEATURES, &set, 8);
	assert_int_equal(set, 3); /* EDID and DMABUF2, both offered (the rest: test_gpu_disp) */
	disp_expect(c, GPU_DISP_GET_DISPLAY_INFO, buf, sizeof(buf));
	memset(&info, 0, sizeof(info));
	info.pmodes[0] = (struct gpu_display_one){{0, 0, 1024, 768}, 1, 0};
	info.pmodes[1] = (struct gpu_display_one){{1024, 0, 800, 600}, 1, 0};
	info.pmodes[2] = (struct gpu_display_one){{0, 0, 640, 480}, 1, 0}; /* beyond ours */
	disp_send(c, GPU_DISP_GET_DISPLAY_INFO, GPU_DISP_FLAG_REPLY, &info, sizeof(info));
	vhd_test_host_run(&c->h);
	assert_int_equal(disp_expect(c, GPU_DISP_GET_EDID, &sid, 4), 4);
	assert_int_equal(sid, 0);
	memset(&e, 0, sizeof(e));
	e.hdr.type = GPU_RESP_OK_EDID;
	e.size = 3;
	memcpy(e.edid, "abc", 3);
	disp_send(c, GPU_DISP_GET_EDID, GPU_DISP_FLAG_REPLY, &e, sizeof(e));
	vhd_test_host_run(&c->h);
	assert_true(gpu_disp_pending(&c->dev.disp));
	assert_int_equal(disp_expect(c, GPU_DISP_GET_EDID, &sid, 4), 4);
	assert_int_equal(sid, 1);
	e.hdr.type = GPU_RESP_ERR_UNSPEC; /* no EDID for that one: ours is used */
	disp_send(c, GPU_DISP_GET_EDID, GPU_DISP_FLAG_REPLY, &e, sizeof(e));
	assert_int_equal(c->h.wakes, 0);
	vhd_test_host_run(&c->h);
	assert_false(gpu_disp_pending(&c->dev.disp));
	assert_int_equal(c->h.wakes, 1); /* the worker looks at the waiting command */
	vhd_test_host_serve(&c->h, &c->p, &c->dev.ops, &c->dev, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, &used), 1);
	assert_int_equal(used, sizeof(info));
	memcpy(&info, w, sizeof(info));
	assert_int_equal(le32toh(info.pmodes[1].r.width), 800);
	assert_int_equal(le32toh(info.pmodes[1].r.x), 1024);
	assert_int_equal(le32toh(info.pmodes[2].enabled), 0);
	/* EDIDs: the display's for scanout 0, ours (800 x 600) for 1 */
	{
		struct gpu_get_edid m;
		struct gpu_resp_edid r;

		hdr(&m.hdr, GPU_CMD_GET_EDID);
		m.scanout = 0;
		m.padding = 0;
		post(c, 0, &m, sizeof(m), sizeof(r), &w);
		memcpy(&r, w, sizeof(r));
		assert_int_equal(le32toh(r.size), 3);
		assert_memory_equal(r.edid, "abc", 3);
		m.scanout = htole32(1);
		post(c, 0, &m, sizeof(m), sizeof(r), &w);
		memcpy(&r, w, sizeof(r));
		assert_int_equal(le32toh(r.size), 128);
		assert_int_equal(r.edid[56] | (r.edid[58] >> 4) << 8, 800);
	}
	assert_int_equal(disp_recv(c, &req, buf, sizeof(buf)), -1);
}

/* A display that never answers: the handshake gives up on time. */
static void
test_display_timeout(void **state)
{
	struct ctx *c = *state;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c->disp = sv[0];
	assert_int_equal(gpu_set_display(&c->dev, sv[1]), 0);
	assert_true(gpu_disp_pending(&c->dev.disp));
	vhd_test_host_advance(&c->h, GPU_DISP_HANDSHAKE_NS - 1);
	assert_true(gpu_disp_pending(&c->dev.disp));
	vhd_test_host_advance(&c->h, 1);
	assert_false(gpu_disp_pending(&c->dev.disp));
	assert_int_equal(c->dev.disp.stats.timeouts, 1);
	test_display_info_default(state); /* our defaults answer */
}

/* Malformed replies close the display; the device goes on. */
static void
test_display_bad_replies(void **state)
{
	struct ctx *c = *state;
	uint8_t junk[16] = {0};
	uint32_t big[3] = {GPU_DISP_GET_EDID, GPU_DISP_FLAG_REPLY, 1u << 30};
	uint64_t f = 1;
	int i, sv[2];

	for (i = 0; i < 4; i++) {
		uint8_t buf[64];
		uint32_t req;

		if (c->disp >= 0)
			close(c->disp);
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		c->disp = sv[0];
		assert_int_equal(gpu_set_display(&c->dev, sv[1]), 0);
		disp_expect(c, GPU_DISP_GET_PROTOCOL_FEATURES, buf, sizeof(buf));
		if (i == 0) /* a request instead of a reply */
			disp_send(c, GPU_DISP_GET_PROTOCOL_FEATURES, 0, &f, 8);
		else if (i == 1) /* wrong size */
			disp_send(c, GPU_DISP_GET_PROTOCOL_FEATURES, GPU_DISP_FLAG_REPLY, junk, 4);
		else if (i == 2) /* a huge size */
			assert_int_equal(send(c->disp, big, 12, 0), 12);
		else /* a reply out of turn */
			disp_send(c, GPU_DISP_GET_DISPLAY_INFO, GPU_DISP_FLAG_REPLY, junk, 0);
		vhd_test_host_run(&c->h);
		assert_false(gpu_disp_up(&c->dev.disp));
		assert_false(gpu_disp_pending(&c->dev.disp));
		assert_int_equal(recv(c->disp, buf, sizeof(buf), 0), 0); /* closed */
		(void)req;
	}
	assert_int_equal(c->dev.disp.stats.bad_replies, 4);
	assert_int_equal(c->dev.disp.stats.lost, 4);
	/* the device still answers */
	assert_int_equal(create(c, 1, 2, 8, 8), GPU_RESP_OK_NODATA);
	assert_int_equal(c->h.nwatch, 0);
}

/* A new display replaces the old one (closed) and gets the live scanouts. */
static void
test_display_replaced(void **state)
{
	struct ctx *c = *state;
	int old;
	uint8_t buf[64];
	uint32_t v[3];

	display_up(c, 0, 640, 480);
	assert_int_equal(create(c, 1, 2, 64, 64), GPU_RESP_OK_NODATA);
	assert_int_equal(scanout(c, 0, 1, 0, 0, 64, 64), GPU_RESP_OK_NODATA);
	disp_expect(c, GPU_DISP_SCANOUT, v, sizeof(v));
	old = c->disp;
	display_up(c, 0, 640, 480);
	assert_int_equal(recv(old, buf, sizeof(buf), 0), 0);
	close(old);
	/* after its handshake the new display is shown the live scanout */
	{
		static uint32_t big[64 * 64 + 8];

		assert_int_equal(disp_expect(c, GPU_DISP_SCANOUT, big, sizeof(big)), 12);
		assert_int_equal(big[1], 64);
		assert_int_equal(disp_expect(c, GPU_DISP_UPDATE, big, sizeof(big)),
				 20 + 64 * 64 * 4);
		assert_int_equal(big[3], 64);
		(void)v;
	}
	assert_int_equal(c->h.nwatch, 1);
	assert_int_equal(c->dev.disp.stats.attached, 2);
}

/* A display that stops reading: queued bytes stay bounded, UPDATEs are
 * dropped and counted, and commands keep being answered at once.
 */
static void
test_display_stalled(void **state)
{
	struct ctx *c = *state;
	uint8_t *fb = vhd_test_alloc(&c->p, 256 * 256 * 4);
	uint64_t a = gpa(c, fb);
	uint32_t l = 256 * 256 * 4, i;

	display_up(c, 0, 256, 256);
	assert_int_equal(create(c, 1, 2, 256, 256), GPU_RESP_OK_NODATA);
	assert_int_equal(attach(c, 1, &a, &l, 1), GPU_RESP_OK_NODATA);
	assert_int_equal(scanout(c, 0, 1, 0, 0, 256, 256), GPU_RESP_OK_NODATA);
	for (i = 0; i < 200; i++) { /* 50 MiB: past the socket buffer and the queue */
		assert_int_equal(transfer(c, 1, 0, 0, 256, 256, 0), GPU_RESP_OK_NODATA);
		assert_int_equal(flush(c, 1, 0, 0, 256, 256), GPU_RESP_OK_NODATA);
		assert_true(gpu_disp_queued(&c->dev.disp) <= GPU_DISP_QUEUE_MAX);
	}
	assert_true(c->dev.disp.stats.dropped > 0);
	assert_true(c->dev.disp.stats.write_waits > 0);
	assert_int_equal(c->h.watch[0].events, EPOLLIN | EPOLLOUT);
	assert_int_equal(c->dev.stats.flushes, 200);
	/* cursor images fill the room left for small messages: a SCANOUT is lost */
	assert_int_equal(create(c, 2, 2, 64, 64), GPU_RESP_OK_NODATA);
	for (i = 0; i < 40; i++)
		cursor(c, GPU_CMD_UPDATE_CURSOR, 0, i, i, 2);
	for (i = 0; i < 300; i++)
		cursor(c, GPU_CMD_MOVE_CURSOR, 0, i, i, 0);
	assert_int_equal(scanout(c, 0, 1, 0, 0, 128, 128), GPU_RESP_OK_NODATA);
	assert_true(gpu_disp_queued(&c->dev.disp) <= GPU_DISP_QUEUE_MAX + GPU_DISP_QUEUE_CTRL);
	assert_false(c->dev.scanout[0].told);
	/* the display reads everything again */
	{
		static uint8_t big[GPU_UPDATE_BAND + 64];
		uint32_t req, *v = (uint32_t *)big;
		int n;

		/* raw bytes: the device writes the rest as the socket drains */
		for (i = 0; i < 1000000; i++) {
			ssize_t got = recv(c->disp, big, sizeof(big), MSG_DONTWAIT);

			if (got <= 0 && gpu_disp_queued(&c->dev.disp) == 0)
				break; /* nothing in the socket, nothing left to write */
			vhd_test_host_run(&c->h);
		}
		(void)req;
		assert_int_equal(gpu_disp_queued(&c->dev.disp), 0);
		/* the next UPDATE comes after the SCANOUT it needs */
		assert_int_equal(flush(c, 1, 0, 0, 128, 128), GPU_RESP_OK_NODATA);
		n = disp_expect(c, GPU_DISP_SCANOUT, big, sizeof(big));
		assert_int_equal(n, 12);
		assert_int_equal(v[1], 128);
		disp_expect(c, GPU_DISP_UPDATE, big, sizeof(big));
		assert_int_equal(v[3], 128);
	}
}

static void
test_queue_stop_and_reset(void **state)
{
	struct ctx *c = *state;
	uint16_t la, ui;

	display_up(c, 0, 640, 480);
	assert_int_equal(create(c, 1, 2, 64, 64), GPU_RESP_OK_NODATA);
	assert_int_equal(scanout(c, 0, 1, 0, 0, 64, 64), GPU_RESP_OK_NODATA);
	c->dev.ops.queue_stop(&c->dev, 0, &c->p.vq); /* nothing held in 2D */
	/* resumed after a stop: the ring goes on where it was, state kept */
	assert_true(vhd_vq_last_avail(&c->p.vq) > 0);
	assert_int_equal(c->dev.ops.queue_start(&c->dev, 0, &c->p.vq), 0);
	assert_int_equal(c->dev.nres, 1);
	assert_int_equal(c->dev.scanout[0].res_id, 1);
	/* a fresh ring (driver reset) on the cursorq alone: kept */
	la = c->p.vq.last_avail;
	ui = c->p.vq.used_idx;
	c->p.vq.last_avail = 0;
	c->p.vq.used_idx = 0;
	assert_int_equal(c->dev.ops.queue_start(&c->dev, 1, &c->p.vq), 0);
	assert_int_equal(c->dev.nres, 1);
	/* a fresh controlq: a new driver, nothing of the old one */
	assert_int_equal(c->dev.ops.queue_start(&c->dev, 0, &c->p.vq), 0);
	assert_int_equal(c->dev.nres, 0);
	c->p.vq.last_avail = la; /* our test ring goes on */
	c->p.vq.used_idx = ui;
	assert_int_equal(c->dev.scanout[0].res_id, 0);
	assert_int_equal(create(c, 1, 2, 64, 64), GPU_RESP_OK_NODATA); /* id 1 is free again */
	assert_true(gpu_disp_up(&c->dev.disp));
	c->dev.ops.reset(&c->dev);
	assert_int_equal(c->dev.nres, 0);
	assert_false(gpu_disp_up(&c->dev.disp));
	assert_int_equal(c->h.nwatch, 0);
}

static void
test_null_mode(void **state)
{
	struct ctx *c = *state;
	struct gpu_opts o = {.max_outputs = 1, .null_mode = true};
	uint8_t *fb = vhd_test_alloc(&c->p, 64);
	uint64_t a = gpa(c, fb);
	uint32_t l = 64;
	int sv[2];

	gpu_dev_fini(&c->dev);
	gpu_dev_init(&c->dev, &o);
	c->dev.ops.attach(&c->dev, &c->h.host);
	assert_int_equal(c->dev.ops.features & (1ull << GPU_F_EDID), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c->disp = sv[0];
	assert_int_equal(gpu_set_display(&c->dev, sv[1]), 0);
	assert_false(gpu_disp_up(&c->dev.disp));
	assert_int_equal(create(c, 1, 2, 4, 4), GPU_RESP_OK_NODATA);
	assert_null(c->dev.res[0]->pixels);
	assert_int_equal(attach(c, 1, &a, &l, 1), GPU_RESP_OK_NODATA);
	assert_int_equal(transfer(c, 1, 0, 0, 4, 4, 0), GPU_RESP_OK_NODATA);
	assert_int_equal(transfer(c, 1, 0, 0, 5, 4, 0), GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(scanout(c, 0, 1, 0, 0, 4, 4), GPU_RESP_OK_NODATA);
	assert_int_equal(flush(c, 1, 0, 0, 4, 4), GPU_RESP_OK_NODATA);
}

static void
count_put(void *ctx, const char *name, uint64_t v)
{
	(void)name;
	(void)v;
	(*(int *)ctx)++;
}

static void
test_config_and_stats(void **state)
{
	struct ctx *c = *state;
	struct gpu_config cfg;
	int n = 0;

	assert_int_equal(c->dev.ops.get_config(&c->dev, (uint8_t *)&cfg, 0, sizeof(cfg)), 0);
	assert_int_equal(le32toh(cfg.num_scanouts), 2);
	assert_int_equal(cfg.num_capsets, 0);
	assert_int_equal(cfg.events_read, 0);
	assert_int_equal(c->dev.ops.get_config(&c->dev, (uint8_t *)&cfg, 4, sizeof(cfg)),
			 -EINVAL);
	assert_int_equal(c->dev.ops.get_config(&c->dev, (uint8_t *)&cfg, 0xffffffff, 2), -EINVAL);
	assert_true(c->dev.ops.features & (1ull << GPU_F_EDID));
	assert_int_equal(c->dev.ops.features & (1ull << GPU_F_VIRGL), 0);
	assert_int_equal(c->dev.ops.features & (1ull << GPU_F_RESOURCE_BLOB), 0);
	assert_int_equal(c->dev.ops.num_queues, 2);
	c->dev.ops.get_stats(&c->dev, count_put, &n);
	assert_int_equal(n, 24);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_display_info_default),
		T(test_create),
		T(test_memory_bound),
		T(test_attach_hostile),
		T(test_transfer_hostile),
		T(test_scanout_update),
		T(test_set_scanout_hostile),
		T(test_formats),
		T(test_edid),
		T(test_edid_generator),
		T(test_fences_in_order),
		T(test_unsupported),
		T(test_cursor),
		T(test_display_handshake),
		T(test_display_timeout),
		T(test_display_bad_replies),
		T(test_display_replaced),
		T(test_display_stalled),
		T(test_queue_stop_and_reset),
		T(test_null_mode),
		T(test_config_and_stats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
