/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-gpu driven by our frontend as the guest driver and as QEMU's
 * display end (VHOST_USER_GPU_SET_SOCKET with a socketpair): the display
 * handshake, a 2D scanout whose UPDATE pixels match what the guest wrote,
 * the cursor, EDID, a driver restart with a new display socket, malformed
 * commands, hostile SET_SOCKET messages, bad command lines; virgl mode:
 * capsets, a context whose command stream clears a render target on Mesa's
 * software renderer, the fenced submit answered after its fence, the
 * cleared pixels in the display's UPDATE and back in guest memory.
 */

#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gpu.h"
#include "vhd_fe_disp.h"
#include "vhd_it.h"
#include "vhd_test_virgl.h"

#define QSZ 64
#define WAIT_MS 5000
#define GUARD 32
#define F_ALL (~0ULL)
#define W 64
#define H 32

static const char *const interrupt_args[] = {"--mode", "interrupt", NULL};
static const char *const poll_args[] = {"--mode", "poll", NULL};

static uint8_t body[8 << 20];

static struct vhd_fe *
up(struct vhd_fe_app *a, const char *const *extra)
{
	struct stat st;
	char path[256];

	vhd_it_app_init(a, "gpu");
	a->plain_sock = true;
	vhd_it_app_start(a, NULL, extra, 1);
	assert_int_equal(stat(a->sock, &st), 0);
	snprintf(path, sizeof(path), "%s0", a->sock);
	assert_int_not_equal(stat(path, &st), 0);
	return vhd_it_fe_up(a, 0, F_ALL, 2, QSZ);
}

/* Post @p cmd on queue @p q with a writable part of @p wlen; wait; @return
 * the used length, the reply in *out (guard checked).
 */
static uint32_t
call(struct vhd_fe *fe, bool poll, uint16_t q, const void *cmd, uint32_t len, uint32_t wlen,
     uint8_t **out)
{
	struct vhd_fe_mem *m = vhd_fe_mem(fe);
	uint8_t *rd = vhd_fe_mem_alloc(m, len, 8, NULL);
	uint8_t *w = vhd_fe_mem_alloc(m, wlen + GUARD, 8, NULL);
	struct vhd_fe_buf b[2] = {{rd, len}, {w, wlen}};
	struct vhd_it_wait wt = {0};
	unsigned int i;

	assert_non_null(rd);
	assert_non_null(w);
	memcpy(rd, cmd, len);
	memset(w, 0xee, wlen + GUARD);
	wt.head = vhd_fe_post(fe, q, b, 1, wlen != 0 ? 1 : 0, false, NULL, true);
	assert_true(wt.head >= 0);
	vhd_it_wait_used(fe, q, &wt, 1, poll, WAIT_MS);
	for (i = 0; i < GUARD; i++)
		assert_int_equal(w[wlen + i], 0xee);
	if (out != NULL)
		*out = w;
	return wt.used;
}

static uint32_t
cmd(struct vhd_fe *fe, bool poll, const void *c, uint32_t len)
{
	struct gpu_ctrl_hdr r;
	uint8_t *w;

	assert_int_equal(call(fe, poll, 0, c, len, sizeof(r), &w), sizeof(r));
	memcpy(&r, w, sizeof(r));
	return le32toh(r.type);
}

static void
hdr(struct gpu_ctrl_hdr *h, uint32_t type)
{
	memset(h, 0, sizeof(*h));
	h->type = htole32(type);
}

static uint32_t
create(struct vhd_fe *fe, bool poll, uint32_t id, uint32_t w, uint32_t h)
{
	struct gpu_resource_create_2d m;

	hdr(&m.hdr, GPU_CMD_RESOURCE_CREATE_2D);
	m.resource_id = htole32(id);
	m.format = htole32(GPU_FORMAT_B8G8R8X8_UNORM);
	m.width = htole32(w);
	m.height = htole32(h);
	return cmd(fe, poll, &m, sizeof(m));
}

/* A w x h framebuffer in guest memory, attached to resource @p id. */
static uint8_t *
backing(struct vhd_fe *fe, bool poll, uint32_t id, uint32_t w, uint32_t h, uint8_t seed)
{
	struct {
		struct gpu_attach_backing a;
		struct gpu_mem_entry e;
	} __attribute__((packed)) m;
	uint64_t gpa;
	uint8_t *fb = vhd_fe_mem_alloc(vhd_fe_mem(fe), w * h * 4, 4096, &gpa);
	uint32_t i;

	assert_non_null(fb);
	for (i = 0; i < w * h * 4; i++)
		fb[i] = (uint8_t)(i * 7 + seed);
	hdr(&m.a.hdr, GPU_CMD_RESOURCE_ATTACH_BACKING);
	m.a.resource_id = htole32(id);
	m.a.nr_entries = htole32(1);
	m.e.addr = htole64(gpa);
	m.e.length = htole32(w * h * 4);
	m.e.padding = 0;
	assert_int_equal(cmd(fe, poll, &m, sizeof(m)), GPU_RESP_OK_NODATA);
	return fb;
}

static uint32_t
rect_cmd(struct vhd_fe *fe, bool poll, uint32_t type, uint32_t id, uint32_t sid, uint32_t w,
	 uint32_t h)
{
	union {
		struct gpu_transfer_to_host_2d t;
		struct gpu_set_scanout s;
		struct gpu_resource_flush f;
	} m;

	memset(&m, 0, sizeof(m));
	hdr(&m.t.hdr, type);
	m.t.r = (struct gpu_rect){0, 0, htole32(w), htole32(h)};
	if (type == GPU_CMD_TRANSFER_TO_HOST_2D) {
		m.t.resource_id = htole32(id);
		return cmd(fe, poll, &m.t, sizeof(m.t));
	}
	if (type == GPU_CMD_SET_SCANOUT) {
		m.s.scanout_id = htole32(sid);
		m.s.resource_id = htole32(id);
		return cmd(fe, poll, &m.s, sizeof(m.s));
	}
	m.f.resource_id = htole32(id);
	return cmd(fe, poll, &m.f, sizeof(m.f));
}

static void
disp_setup(struct vhd_fe_disp *d, int fd, uint64_t features, uint32_t w, uint32_t h)
{
	struct gpu_resp_display_info info;
	struct gpu_resp_edid e;

	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->features = features;
	memset(&info, 0, sizeof(info));
	info.hdr.type = GPU_RESP_OK_DISPLAY_INFO;
	info.pmodes[0] = (struct gpu_display_one){{0, 0, w, h}, 1, 0};
	memcpy(d->info, &info, sizeof(info));
	memset(&e, 0, sizeof(e));
	e.hdr.type = GPU_RESP_OK_EDID;
	e.size = 4;
	memcpy(e.edid, "EDID", 4);
	memcpy(d->edid, &e, sizeof(e));
}

static int
disp_next(struct vhd_fe_disp *d, struct vhd_fe_disp_msg *m, int ms)
{
	m->body = body;
	m->cap = sizeof(body);
	return vhd_fe_disp_next(d, m, ms);
}

/* SET_SOCKET, then the handshake as QEMU answers it. */
static void
display_up(struct vhd_fe *fe, struct vhd_fe_disp *d, uint64_t features, uint32_t w, uint32_t h)
{
	struct vhd_fe_disp_msg m;
	uint64_t set;
	int fd = vhd_fe_set_channel(fe, VHD_FE_GPU_SET_SOCKET);

	assert_true(fd >= 0);
	disp_setup(d, fd, features, w, h);
	assert_int_equal(disp_next(d, &m, WAIT_MS), 0);
	assert_int_equal(m.request, VHD_FE_DISP_SET_PROTOCOL_FEATURES);
	assert_int_equal(m.size, 8);
	memcpy(&set, m.body, 8);
	assert_int_equal(set, features & (VHD_FE_DISP_PF_EDID | VHD_FE_DISP_PF_DMABUF2));
	assert_int_equal(d->gets, 1);
}

static void
display_info(struct vhd_fe *fe, bool poll, struct vhd_fe_disp *d, uint32_t w, uint32_t h)
{
	struct gpu_ctrl_hdr c;
	struct gpu_resp_display_info r;
	struct vhd_fe_mem *mem = vhd_fe_mem(fe);
	uint8_t *rd = vhd_fe_mem_alloc(mem, sizeof(c), 8, NULL), *wr;
	struct vhd_fe_buf b[2];
	struct vhd_it_wait wt = {0};
	struct vhd_fe_disp_msg m;

	hdr(&c, GPU_CMD_GET_DISPLAY_INFO);
	memcpy(rd, &c, sizeof(c));
	wr = vhd_fe_mem_alloc(mem, sizeof(r), 8, NULL);
	b[0] = (struct vhd_fe_buf){rd, sizeof(c)};
	b[1] = (struct vhd_fe_buf){wr, sizeof(r)};
	wt.head = vhd_fe_post(fe, 0, b, 1, 1, false, NULL, true);
	assert_true(wt.head >= 0);
	/* the device asks the display first: answer it (nothing else comes) */
	if (d != NULL)
		assert_int_equal(disp_next(d, &m, 300), -ETIMEDOUT);
	vhd_it_wait_used(fe, 0, &wt, 1, poll, WAIT_MS);
	assert_int_equal(wt.used, sizeof(r));
	memcpy(&r, wr, sizeof(r));
	assert_int_equal(le32toh(r.hdr.type), GPU_RESP_OK_DISPLAY_INFO);
	assert_int_equal(le32toh(r.pmodes[0].r.width), w);
	assert_int_equal(le32toh(r.pmodes[0].r.height), h);
	assert_int_equal(le32toh(r.pmodes[0].enabled), 1);
}

/* Scanout of a W x H frame; the UPDATE carries exactly the guest's pixels. */
static void
scanout_frame(struct vhd_fe *fe, bool poll, struct vhd_fe_disp *d, uint32_t id, uint8_t seed)
{
	struct vhd_fe_disp_msg m;
	uint32_t v[5], i;
	uint8_t *fb;

	assert_int_equal(create(fe, poll, id, W, H), GPU_RESP_OK_NODATA);
	fb = backing(fe, poll, id, W, H, seed);
	assert_int_equal(rect_cmd(fe, poll, GPU_CMD_TRANSFER_TO_HOST_2D, id, 0, W, H),
			 GPU_RESP_OK_NODATA);
	assert_int_equal(rect_cmd(fe, poll, GPU_CMD_SET_SCANOUT, id, 0, W, H), GPU_RESP_OK_NODATA);
	assert_int_equal(disp_next(d, &m, WAIT_MS), 0);
	assert_int_equal(m.request, VHD_FE_DISP_SCANOUT);
	memcpy(v, m.body, 12);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], W);
	assert_int_equal(v[2], H);
	assert_int_equal(rect_cmd(fe, poll, GPU_CMD_RESOURCE_FLUSH, id, 0, W, H),
			 GPU_RESP_OK_NODATA);
	assert_int_equal(disp_next(d, &m, WAIT_MS), 0);
	assert_int_equal(m.request, VHD_FE_DISP_UPDATE);
	assert_int_equal(m.size, 20 + W * H * 4);
	memcpy(v, m.body, 20);
	assert_int_equal(v[3], W);
	assert_int_equal(v[4], H);
	/* B8G8R8X8 shows as is, X as 0xff */
	for (i = 0; i < W * H; i++) {
		assert_memory_equal(m.body + 20 + i * 4, fb + i * 4, 3);
		assert_int_equal(m.body[20 + i * 4 + 3], 0xff);
	}
}

static void
scanout_test(bool poll)
{
	struct vhd_fe_app a;
	struct vhd_fe_disp d;
	struct vhd_fe *fe = up(&a, poll ? poll_args : interrupt_args);

	display_up(fe, &d, 3, 1024, 768);
	display_info(fe, poll, &d, 1024, 768);
	assert_int_equal(d.gets, 3); /* features, display info, EDID of scanout 0 */
	scanout_frame(fe, poll, &d, 1, 0);
	close(d.fd);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

static void
test_scanout_interrupt(void **state)
{
	(void)state;
	scanout_test(false);
}

static void
test_scanout_poll(void **state)
{
	(void)state;
	scanout_test(true);
}

static void
test_edid_and_cursor(void **state)
{
	struct vhd_fe_app a;
	struct vhd_fe_disp d;
	struct vhd_fe *fe = up(&a, interrupt_args);
	struct gpu_get_edid e;
	struct gpu_resp_edid r;
	struct gpu_update_cursor cu;
	struct vhd_fe_disp_msg m;
	uint32_t v[5];
	uint8_t *w, *img;

	(void)state;
	display_up(fe, &d, 1, 1280, 800);
	display_info(fe, false, &d, 1280, 800);
	hdr(&e.hdr, GPU_CMD_GET_EDID);
	e.scanout = 0;
	e.padding = 0;
	assert_int_equal(call(fe, false, 0, &e, sizeof(e), sizeof(r), &w), sizeof(r));
	memcpy(&r, w, sizeof(r));
	assert_int_equal(le32toh(r.hdr.type), GPU_RESP_OK_EDID);
	assert_int_equal(le32toh(r.size), 4); /* the display's, negotiated */
	assert_memory_equal(r.edid, "EDID", 4);
	e.scanout = htole32(1);
	assert_int_equal(cmd(fe, false, &e, sizeof(e)), GPU_RESP_ERR_INVALID_SCANOUT_ID);
	/* cursor */
	assert_int_equal(create(fe, false, 9, 64, 64), GPU_RESP_OK_NODATA);
	img = backing(fe, false, 9, 64, 64, 3);
	assert_int_equal(rect_cmd(fe, false, GPU_CMD_TRANSFER_TO_HOST_2D, 9, 0, 64, 64),
			 GPU_RESP_OK_NODATA);
	memset(&cu, 0, sizeof(cu));
	cu.hdr.type = htole32(GPU_CMD_UPDATE_CURSOR);
	cu.pos.x = htole32(10);
	cu.pos.y = htole32(20);
	cu.resource_id = htole32(9);
	cu.hot_x = htole32(1);
	cu.hot_y = htole32(2);
	assert_int_equal(call(fe, false, 1, &cu, sizeof(cu), 0, NULL), 0);
	assert_int_equal(disp_next(&d, &m, WAIT_MS), 0);
	assert_int_equal(m.request, VHD_FE_DISP_CURSOR_UPDATE);
	assert_int_equal(m.size, 20 + 64 * 64 * 4);
	memcpy(v, m.body, 20);
	assert_int_equal(v[1], 10);
	assert_int_equal(v[2], 20);
	assert_int_equal(v[3], 1);
	assert_int_equal(v[4], 2);
	assert_memory_equal(m.body + 20, img, 3);
	cu.hdr.type = htole32(GPU_CMD_MOVE_CURSOR);
	cu.pos.x = htole32(30);
	assert_int_equal(call(fe, false, 1, &cu, sizeof(cu), 0, NULL), 0);
	assert_int_equal(disp_next(&d, &m, WAIT_MS), 0);
	assert_int_equal(m.request, VHD_FE_DISP_CURSOR_POS);
	memcpy(v, m.body, 12);
	assert_int_equal(v[1], 30);
	close(d.fd);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* QEMU stops and starts the backend (stop/cont) and makes a new display
 * socket: the old socket is closed, the new one shows the guest's resources,
 * which survive (the rings resume; a driver reset, with rings from index 0,
 * is guest-gpu's unbind/bind and the unit test's). Upstream keeps the first
 * socket and loses the display here.
 */
static void
test_restart_new_socket(void **state)
{
	struct vhd_fe_app a;
	struct vhd_fe_disp d, d2;
	struct vhd_fe *fe = up(&a, interrupt_args);
	struct vhd_fe_disp_msg m;
	uint32_t v[5];
	uint8_t b[16];
	uint16_t last;

	(void)state;
	display_up(fe, &d, 0, 640, 480);
	display_info(fe, false, &d, 640, 480);
	scanout_frame(fe, false, &d, 1, 1);
	assert_int_equal(vhd_fe_queue_stop(fe, 0, &last), 0);
	assert_int_equal(vhd_fe_queue_stop(fe, 1, &last), 0);
	display_up(fe, &d2, 0, 800, 600);
	assert_int_equal(recv(d.fd, b, sizeof(b), 0), 0); /* the old one: closed */
	close(d.fd);
	assert_int_equal(vhd_fe_queue_start(fe, 0), 0);
	assert_int_equal(vhd_fe_queue_start(fe, 1), 0);
	/* the new display is shown the live scanout with no guest command, and a
	 * flush reaches it
	 */
	assert_int_equal(disp_next(&d2, &m, WAIT_MS), 0);
	assert_int_equal(m.request, VHD_FE_DISP_SCANOUT);
	memcpy(v, m.body, 12);
	assert_int_equal(v[1], W);
	assert_int_equal(disp_next(&d2, &m, WAIT_MS), 0);
	assert_int_equal(m.request, VHD_FE_DISP_UPDATE);
	assert_int_equal(m.size, 20 + W * H * 4);
	assert_int_equal(rect_cmd(fe, false, GPU_CMD_RESOURCE_FLUSH, 1, 0, W, H),
			 GPU_RESP_OK_NODATA);
	assert_int_equal(disp_next(&d2, &m, WAIT_MS), 0);
	assert_int_equal(m.request, VHD_FE_DISP_UPDATE);
	assert_int_equal(m.size, 20 + W * H * 4);
	assert_int_equal(create(fe, false, 1, 8, 8), GPU_RESP_ERR_INVALID_RESOURCE_ID); /* kept */
	display_info(fe, false, &d2, 800, 600);
	close(d2.fd);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* Frontend after frontend: the second one gets a fresh device and a working
 * display (upstream serves one frontend and exits).
 */
static void
test_next_frontend(void **state)
{
	struct vhd_fe_app a;
	struct vhd_fe_disp d;
	struct vhd_fe *fe = up(&a, interrupt_args);
	uint8_t b[8];

	(void)state;
	display_up(fe, &d, 0, 640, 480);
	display_info(fe, false, &d, 640, 480);
	scanout_frame(fe, false, &d, 1, 4);
	vhd_it_fe_done(fe); /* hang up */
	fe = vhd_it_fe_up(&a, 0, F_ALL, 2, QSZ);
	assert_int_equal(recv(d.fd, b, sizeof(b), 0), 0); /* the last one's display: closed */
	close(d.fd);
	display_up(fe, &d, 1, 1024, 600);
	display_info(fe, false, &d, 1024, 600);
	scanout_frame(fe, false, &d, 1, 5); /* resource 1 is free: a fresh device */
	close(d.fd);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* Every command with a short body, a reply buffer too small, no reply
 * buffer; unsupported ones; without a display at all.
 */
static void
test_malformed(void **state)
{
	static const uint32_t types[] = {
		GPU_CMD_RESOURCE_CREATE_2D, GPU_CMD_RESOURCE_UNREF, GPU_CMD_SET_SCANOUT,
		GPU_CMD_RESOURCE_FLUSH, GPU_CMD_TRANSFER_TO_HOST_2D,
		GPU_CMD_RESOURCE_ATTACH_BACKING, GPU_CMD_RESOURCE_DETACH_BACKING, GPU_CMD_GET_EDID,
	};
	struct vhd_fe_app a;
	struct vhd_fe *fe = up(&a, interrupt_args);
	uint8_t m[64];
	unsigned int i;
	uint8_t *w;

	(void)state;
	memset(m, 0, sizeof(m));
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		hdr((struct gpu_ctrl_hdr *)m, types[i]);
		assert_int_equal(cmd(fe, false, m, sizeof(struct gpu_ctrl_hdr) + 2),
				 GPU_RESP_ERR_UNSPEC);
		assert_int_equal(call(fe, false, 0, m, sizeof(m), 8, &w), 0);
	}
	for (i = GPU_CMD_RESOURCE_ASSIGN_UUID; i <= GPU_CMD_SET_SCANOUT_BLOB; i++) {
		hdr((struct gpu_ctrl_hdr *)m, i);
		assert_int_equal(cmd(fe, false, m, sizeof(m)), GPU_RESP_ERR_UNSPEC);
	}
	for (i = GPU_CMD_CTX_CREATE; i <= GPU_CMD_RESOURCE_UNMAP_BLOB; i++) {
		hdr((struct gpu_ctrl_hdr *)m, i);
		assert_int_equal(cmd(fe, false, m, sizeof(m)), GPU_RESP_ERR_UNSPEC);
	}
	hdr((struct gpu_ctrl_hdr *)m, 0xdead);
	assert_int_equal(cmd(fe, false, m, sizeof(m)), GPU_RESP_ERR_UNSPEC);
	/* display info with no display: our default */
	display_info(fe, false, NULL, GPU_DEFAULT_WIDTH, GPU_DEFAULT_HEIGHT);
	/* cursorq: garbage, then a good move still served */
	memset(m, 0xff, sizeof(m));
	assert_int_equal(call(fe, false, 1, m, sizeof(m), 0, NULL), 0);
	assert_int_equal(call(fe, false, 1, m, 4, 0, NULL), 0);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* SET_SOCKET with no fd, two fds, a payload: refused, fds closed, the
 * connection goes on.
 */
static void
test_set_socket_hostile(void **state)
{
	struct vhd_fe_app a;
	struct vhd_fe *fe = up(&a, interrupt_args);
	uint64_t ack = 0, pay = 0;
	int sv[2], sv2[2], fds[2];
	uint8_t b[8];

	(void)state;
	assert_true(vhd_fe_protocol_features(fe) & (1ull << 3)); /* REPLY_ACK */
	assert_int_equal(vhd_fe_request(fe, VHD_FE_GPU_SET_SOCKET, VHD_FE_MSG_NEED_REPLY, NULL, 0,
					NULL, 0, &ack, sizeof(ack)), 8);
	assert_int_not_equal(ack, 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv2), 0);
	fds[0] = sv[1];
	fds[1] = sv2[1];
	ack = 0;
	assert_int_equal(vhd_fe_request(fe, VHD_FE_GPU_SET_SOCKET, VHD_FE_MSG_NEED_REPLY, NULL, 0,
					fds, 2, &ack, sizeof(ack)), 8);
	assert_int_not_equal(ack, 0);
	close(sv[1]);
	close(sv2[1]);
	assert_int_equal(recv(sv[0], b, sizeof(b), 0), 0); /* the backend closed both */
	assert_int_equal(recv(sv2[0], b, sizeof(b), 0), 0);
	close(sv2[0]);
	close(sv[0]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ack = 0;
	assert_int_equal(vhd_fe_request(fe, VHD_FE_GPU_SET_SOCKET, VHD_FE_MSG_NEED_REPLY, &pay, 8,
					&sv[1], 1, &ack, sizeof(ack)), 8);
	assert_int_not_equal(ack, 0);
	close(sv[1]);
	assert_int_equal(recv(sv[0], b, sizeof(b), 0), 0);
	close(sv[0]);
	/* still serving */
	assert_int_equal(create(fe, false, 1, 8, 8), GPU_RESP_OK_NODATA);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

static void
test_null_mode(void **state)
{
	static const char *const args[] = {"--mode", "interrupt", "-g", "null", NULL};
	struct vhd_fe_app a;
	struct vhd_fe *fe = up(&a, args);
	uint8_t b[8];
	int fd;

	(void)state;
	/* upstream's null mode offers EDID too: our generator answers */
	assert_true(vhd_fe_features(fe) & (1ull << GPU_F_EDID));
	fd = vhd_fe_set_channel(fe, VHD_FE_GPU_SET_SOCKET);
	assert_true(fd >= 0);
	assert_int_equal(recv(fd, b, sizeof(b), 0), 0); /* no display in null mode */
	close(fd);
	assert_int_equal(create(fe, false, 1, 8, 8), GPU_RESP_OK_NODATA);
	assert_int_equal(rect_cmd(fe, false, GPU_CMD_SET_SCANOUT, 1, 0, 8, 8), GPU_RESP_OK_NODATA);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}


/* ---- virgl mode ---- */

static const char *const virgl_interrupt[] = {"-g", "virglrenderer", "--mode", "interrupt",
					      NULL};
static const char *const virgl_poll[] = {"-g", "virglrenderer", "--mode", "poll", NULL};

static uint32_t
ctx_res(struct vhd_fe *fe, bool poll, uint32_t type, uint32_t ctx, uint32_t res)
{
	struct {
		struct gpu_ctrl_hdr h;
		uint32_t res, pad;
	} __attribute__((packed)) m;

	hdr(&m.h, type);
	m.h.ctx_id = htole32(ctx);
	m.res = htole32(res);
	m.pad = 0;
	return cmd(fe, poll, &m, sizeof(m));
}

/* Context 1's stream clears resource 9; it is shown and read back. */
static void
virgl_frame(struct vhd_fe *fe, bool poll, struct vhd_fe_disp *d)
{
	struct vhd_fe_disp_msg m;
	struct {
		struct gpu_ctrl_hdr h;
		uint32_t nlen, init;
		char name[64];
	} __attribute__((packed)) cc;
	struct {
		struct gpu_ctrl_hdr h;
		uint32_t index, pad;
	} __attribute__((packed)) ci;
	uint32_t c3[18], sub[8 + VHD_VIRGL_CLEAR_DWORDS], v[5], i, n;
	struct gpu_ctrl_hdr r;
	uint8_t *w, *fb;

	/* capsets: virgl and virgl2 */
	hdr(&ci.h, GPU_CMD_GET_CAPSET_INFO);
	ci.index = htole32(1);
	ci.pad = 0;
	assert_int_equal(call(fe, poll, 0, &ci, sizeof(ci), 40, &w), 40);
	memcpy(v, w + 24, 12);
	assert_int_equal(le32toh(((struct gpu_ctrl_hdr *)w)->type), GPU_RESP_OK_CAPSET_INFO);
	assert_int_equal(le32toh(v[0]), 2);
	assert_int_equal(le32toh(v[1]), 2);
	/* a context and a render target with guest backing */
	memset(&cc, 0, sizeof(cc));
	hdr(&cc.h, GPU_CMD_CTX_CREATE);
	cc.h.ctx_id = htole32(1);
	cc.nlen = htole32(2);
	memcpy(cc.name, "it", 2);
	assert_int_equal(cmd(fe, poll, &cc, sizeof(cc)), GPU_RESP_OK_NODATA);
	memset(c3, 0, sizeof(c3));
	hdr((struct gpu_ctrl_hdr *)c3, GPU_CMD_RESOURCE_CREATE_3D);
	c3[6] = htole32(9);                          /* resource */
	c3[7] = htole32(2);                          /* PIPE_TEXTURE_2D */
	c3[8] = htole32(GPU_FORMAT_B8G8R8A8_UNORM);
	c3[9] = htole32(1u << 1);                    /* bind: render target */
	c3[10] = htole32(W);
	c3[11] = htole32(H);
	c3[12] = htole32(1);
	c3[13] = htole32(1);
	assert_int_equal(cmd(fe, poll, c3, sizeof(c3)), GPU_RESP_OK_NODATA);
	fb = backing(fe, poll, 9, W, H, 1);
	assert_int_equal(ctx_res(fe, poll, GPU_CMD_CTX_ATTACH_RESOURCE, 1, 9), GPU_RESP_OK_NODATA);
	/* the guest's stream clears it; fenced: answered once the renderer is done */
	memset(sub, 0, sizeof(sub));
	n = vhd_virgl_clear(sub + 8, 9, GPU_FORMAT_B8G8R8A8_UNORM, 0.0f, 0.0f, 1.0f, 1.0f);
	hdr((struct gpu_ctrl_hdr *)sub, GPU_CMD_SUBMIT_3D);
	((struct gpu_ctrl_hdr *)sub)->ctx_id = htole32(1);
	((struct gpu_ctrl_hdr *)sub)->flags = htole32(GPU_FLAG_FENCE);
	((struct gpu_ctrl_hdr *)sub)->fence_id = htole64(42);
	sub[6] = htole32(n * 4);
	for (i = 8; i < 8 + n; i++)
		sub[i] = htole32(sub[i]);
	assert_int_equal(call(fe, poll, 0, sub, sizeof(sub), sizeof(r), &w), sizeof(r));
	memcpy(&r, w, sizeof(r));
	assert_int_equal(le32toh(r.type), GPU_RESP_OK_NODATA);
	assert_int_equal(le32toh(r.flags), GPU_FLAG_FENCE);
	assert_int_equal(le64toh(r.fence_id), 42);
	/* shown: no dmabuf on this machine, the rectangle is read back */
	assert_int_equal(rect_cmd(fe, poll, GPU_CMD_SET_SCANOUT, 9, 0, W, H), GPU_RESP_OK_NODATA);
	assert_int_equal(disp_next(d, &m, WAIT_MS), 0);
	assert_int_equal(m.request, VHD_FE_DISP_SCANOUT);
	assert_int_equal(rect_cmd(fe, poll, GPU_CMD_RESOURCE_FLUSH, 9, 0, W, H),
			 GPU_RESP_OK_NODATA);
	assert_int_equal(disp_next(d, &m, WAIT_MS), 0);
	assert_int_equal(m.request, VHD_FE_DISP_UPDATE);
	assert_int_equal(m.size, 20 + W * H * 4);
	for (i = 0; i < W * H; i++) {
		static const uint8_t blue[4] = {0xff, 0x00, 0x00, 0xff};

		assert_memory_equal(m.body + 20 + i * 4, blue, 4);
	}
	/* and back in guest memory */
	memset(c3, 0, sizeof(c3));
	hdr((struct gpu_ctrl_hdr *)c3, GPU_CMD_TRANSFER_FROM_HOST_3D);
	((struct gpu_ctrl_hdr *)c3)->ctx_id = htole32(1);
	c3[9] = htole32(W);
	c3[10] = htole32(H);
	c3[11] = htole32(1);
	c3[14] = htole32(9);
	c3[16] = htole32(W * 4);
	memset(fb, 0, W * H * 4);
	assert_int_equal(cmd(fe, poll, c3, sizeof(c3)), GPU_RESP_OK_NODATA);
	for (i = 0; i < W * H; i++)
		assert_int_equal(fb[i * 4], 0xff);
}

static void
virgl_test(bool poll)
{
	struct vhd_fe_app a;
	struct vhd_fe_disp d;
	struct vhd_fe *fe = up(&a, poll ? virgl_poll : virgl_interrupt);

	assert_true(vhd_fe_features(fe) & (1ull << GPU_F_VIRGL));
	assert_true(vhd_fe_features(fe) & (1ull << GPU_F_CONTEXT_INIT));
	display_up(fe, &d, 0, 1024, 768);
	display_info(fe, poll, &d, 1024, 768);
	virgl_frame(fe, poll, &d);
	close(d.fd);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* A new frontend gets a fresh renderer: context 1 and resource 9 again. */
static void
test_virgl_next_frontend(void **state)
{
	struct vhd_fe_app a;
	struct vhd_fe_disp d;
	struct vhd_fe *fe = up(&a, virgl_interrupt);

	(void)state;
	display_up(fe, &d, 0, 1024, 768);
	display_info(fe, false, &d, 1024, 768);
	virgl_frame(fe, false, &d);
	vhd_it_fe_done(fe);
	close(d.fd);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 2, QSZ);
	display_up(fe, &d, 0, 800, 600);
	display_info(fe, false, &d, 800, 600);
	virgl_frame(fe, false, &d);
	close(d.fd);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

static void
test_virgl_interrupt(void **state)
{
	(void)state;
	virgl_test(false);
}

static void
test_virgl_poll(void **state)
{
	(void)state;
	virgl_test(true);
}

static void
test_bad_options(void **state)
{
	static const char *const gfx[] = {"-g", "gfxstream", NULL};
	static const char *const virgl2[] = {"-g", "virglrenderer", "--socket-count", "2", NULL};
	static const char *const nogl[] = {"-g", "virglrenderer", "--use-egl", "false", NULL};
	static const char *const cap3[] = {"-g", "virglrenderer", "-c", "venus", NULL};
	static const char *const junk[] = {"-g", "vulkan", NULL};
	static const char *const cap2d[] = {"-c", "virgl", NULL};
	static const char *const capbad[] = {"-g", "null", "--capset", "venus", NULL};
	static const char *const out0[] = {"--max-outputs", "0", NULL};
	static const char *const out17[] = {"--max-outputs", "17", NULL};
	static const char *const edid[] = {"--edid", "yes", NULL};
	static const char *const egl[] = {"--use-egl", "1", NULL};
	static const char *const dev[] = {"--gpu-device", "/dev/dri/renderD128", NULL};
	static const char *const both[] = {"--mode-2d", "-g", "null", NULL};
	static const char *const none[] = {NULL};
	static const char *const dpdk[] = {"EAL: ", "TELEMETRY: ", NULL};
	static const struct vhd_it_bad_cmdline t = {.name = "gpu", .exit_code = 1,
						    .ignore = dpdk};

	(void)state;
	vhd_it_bad_cmdline(&t, "gfxstream", gfx, true, "gfxstream");
	vhd_it_bad_cmdline(&t, "virgl, two devices", virgl2, true, "one device per process");
	vhd_it_bad_cmdline(&t, "virgl without EGL or GLX", nogl, true, "--use-glx");
	vhd_it_bad_cmdline(&t, "virgl, unknown capset", cap3, true, "venus");
	vhd_it_bad_cmdline(&t, "bad mode", junk, true, "vulkan");
	vhd_it_bad_cmdline(&t, "capset in 2D", cap2d, true, "--capset");
	vhd_it_bad_cmdline(&t, "unknown capset", capbad, true, "venus");
	vhd_it_bad_cmdline(&t, "--max-outputs 0", out0, true, "--max-outputs");
	vhd_it_bad_cmdline(&t, "--max-outputs 17", out17, true, "--max-outputs");
	vhd_it_bad_cmdline(&t, "--edid yes", edid, true, "--edid");
	vhd_it_bad_cmdline(&t, "--use-egl 1", egl, true, "--use-egl");
	vhd_it_bad_cmdline(&t, "--gpu-device in 2D", dev, true, "--gpu-device");
	vhd_it_bad_cmdline(&t, "--mode-2d with null", both, true, "--mode-2d");
	vhd_it_bad_cmdline(&t, "no socket path", none, false, "--socket-path");
}

int
main(void)
{
#define T(f) VHD_IT_TEST(f)
	const struct CMUnitTest tests[] = {
		T(test_scanout_interrupt),
		T(test_scanout_poll),
		T(test_edid_and_cursor),
		T(test_restart_new_socket),
		T(test_next_frontend),
		T(test_malformed),
		T(test_set_socket_hostile),
		T(test_null_mode),
		T(test_virgl_interrupt),
		T(test_virgl_poll),
		T(test_virgl_next_frontend),
		T(test_bad_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
