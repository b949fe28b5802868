/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-gpu frame rate and latency (see vhd_perf_gpu.h). The wire format is
 * the guest's side of the VIRTIO spec's GPU section, restated as a guest
 * driver would; the display end is lib/frontend's vhd_fe_disp.
 */

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhd_fe.h"
#include "vhd_fe_disp.h"
#include "vhd_perf_gpu.h"
#include "vhd_perf_stats.h"
#include "vhd_perf_time.h"

#define CTRLQ 0
#define RING 64
#define FRAME (VHD_PERF_GPU_WIDTH * VHD_PERF_GPU_HEIGHT * 4u)
#define STALL_NS (10ull * 1000000000ull)

enum {
	CMD_RESOURCE_CREATE_2D = 0x0101,
	CMD_SET_SCANOUT = 0x0103,
	CMD_RESOURCE_FLUSH = 0x0104,
	CMD_TRANSFER_TO_HOST_2D = 0x0105,
	CMD_RESOURCE_ATTACH_BACKING = 0x0106,
	RESP_OK_NODATA = 0x1100,
	FORMAT_B8G8R8X8 = 2,
};

struct hdr {
	uint32_t type, flags;
	uint64_t fence_id;
	uint32_t ctx_id;
	uint8_t ring_idx, pad[3];
} __attribute__((packed));

struct rect {
	uint32_t x, y, w, h;
} __attribute__((packed));

/* The largest command we send: TRANSFER_TO_HOST_2D (56 bytes). */
struct cmd {
	struct hdr h;
	uint32_t body[8];
} __attribute__((packed));

struct gpu {
	const struct vhd_perf_run_cfg *cfg;
	struct vhd_fe *fe;
	struct vhd_fe_ring *ring;
	struct vhd_fe_disp disp;
	struct cmd *cmd;      /* two command slots */
	struct hdr *resp;     /* their responses */
	uint8_t *fb;          /* the guest's frame */
	uint64_t fb_gpa;
	uint8_t *upd;         /* the display's UPDATE body */
};

static struct cmd
mk(uint32_t type, const uint32_t *body, unsigned int n)
{
	struct cmd c;

	memset(&c, 0, sizeof(c));
	c.h.type = htole32(type);
	for (unsigned int i = 0; i < n; i++)
		c.body[i] = htole32(body[i]);
	return c;
}

/* Post @p n commands (slots 0..n-1) at once, wait for all; @return 0 when OK. */
static int
run_cmds(struct gpu *g, const struct cmd *c, const uint32_t *len, unsigned int n,
	 struct vhd_perf_result *out)
{
	unsigned int i, done = 0;
	uint16_t id;
	uint32_t used;

	for (i = 0; i < n; i++) {
		struct vhd_fe_buf b[2] = {{&g->cmd[i], len[i]}, {&g->resp[i], sizeof(struct hdr)}};

		g->cmd[i] = c[i];
		memset(&g->resp[i], 0, sizeof(struct hdr));
		if (vhd_fe_post(g->fe, CTRLQ, b, 1, 1, false, NULL, false) < 0)
			return vhd_perf_fe_fail(g->fe, "posting a command", -ENOSPC);
	}
	if (vhd_fe_publish(g->fe, CTRLQ, true) < 0)
		return vhd_perf_fe_fail(g->fe, "publishing", -EIO);
	while (done < n) {
		int rc = vhd_perf_wait_used(g->fe, CTRLQ, g->ring, g->cfg->style, STALL_NS, out);

		if (rc <= 0) {
			fprintf(stderr, "vhd-perf: gpu: no answer to a command in 10 s\n");
			return -1;
		}
		while (vhd_fe_ring_get_used(g->ring, &id, &used, NULL) == 1)
			done++;
	}
	for (i = 0; i < n; i++)
		if (le32toh(g->resp[i].type) != RESP_OK_NODATA) {
			out->errors++;
			fprintf(stderr, "vhd-perf: gpu: command 0x%x answered 0x%x\n",
				le32toh(c[i].h.type), le32toh(g->resp[i].type));
			return -1;
		}
	return 0;
}

static int
one_cmd(struct gpu *g, struct cmd c, uint32_t len, struct vhd_perf_result *out)
{
	return run_cmds(g, &c, &len, 1, out);
}

/* The next display message that is not a GET (those are answered). */
static int
disp_wait(struct gpu *g, uint32_t want, struct vhd_fe_disp_msg *m)
{
	int rc;

	m->body = g->upd;
	m->cap = FRAME + 64;
	rc = vhd_fe_disp_next(&g->disp, m, 10000);
	if (rc != 0) {
		fprintf(stderr, "vhd-perf: gpu: display: %s\n", strerror(-rc));
		return -1;
	}
	if (m->request != want) {
		fprintf(stderr, "vhd-perf: gpu: display got request %u, expected %u\n", m->request,
			want);
		return -1;
	}
	return 0;
}

static int
setup(struct gpu *g, struct vhd_perf_result *out)
{
	struct vhd_fe_opts fo = {.mem_size = 16u << 20};
	uint64_t want = VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_EVENT_IDX);
	struct vhd_fe_disp_msg m;
	uint32_t b[8];
	uint16_t q;
	int err, fd;

	g->fe = vhd_fe_create(&fo);
	if (g->fe == NULL)
		return vhd_perf_fe_fail(NULL, "creating the frontend", -errno);
	err = vhd_fe_connect(g->fe, g->cfg->socket, (int)g->cfg->connect_ms);
	if (err != 0)
		return vhd_perf_fe_fail(g->fe, g->cfg->socket, err);
	if (g->cfg->packed)
		vhd_fe_want_packed(g->fe, true);
	err = vhd_fe_negotiate(g->fe, want | (g->cfg->packed ? VHD_BIT(VHD_F_RING_PACKED) : 0),
			       VHD_FE_PROTO_DEFAULT);
	if (err != 0)
		return vhd_perf_fe_fail(g->fe, "negotiation", err);
	for (q = 0; q < 2; q++) {
		err = vhd_fe_queue_setup(g->fe, q, RING);
		if (err == 0)
			err = vhd_fe_queue_start(g->fe, q);
		if (err != 0)
			return vhd_perf_fe_fail(g->fe, "queue set-up", err);
	}
	g->ring = vhd_fe_queue_ring(g->fe, CTRLQ);
	vhd_fe_ring_want_calls(g->ring, g->cfg->style == VHD_PERF_NOTIFY);
	g->cmd = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), 2 * sizeof(struct cmd), 64, NULL);
	g->resp = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), 2 * sizeof(struct hdr), 64, NULL);
	g->fb = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), FRAME, 4096, &g->fb_gpa);
	g->upd = malloc(FRAME + 64);
	if (g->cmd == NULL || g->resp == NULL || g->fb == NULL || g->upd == NULL) {
		fprintf(stderr, "vhd-perf: gpu: out of guest memory\n");
		return -1;
	}
	memset(g->fb, 0x40, FRAME);
	fd = vhd_fe_set_channel(g->fe, VHD_FE_GPU_SET_SOCKET);
	if (fd < 0)
		return vhd_perf_fe_fail(g->fe, "SET_SOCKET", fd);
	memset(&g->disp, 0, sizeof(g->disp));
	g->disp.fd = fd;
	/* one 1280x800 output; no EDID */
	b[0] = 0x1101; /* RESP_OK_DISPLAY_INFO */
	memcpy(g->disp.info, b, 4);
	b[0] = 0;
	b[1] = 0;
	b[2] = VHD_PERF_GPU_WIDTH;
	b[3] = VHD_PERF_GPU_HEIGHT;
	b[4] = 1;
	memcpy(g->disp.info + 24, b, 20);
	if (disp_wait(g, VHD_FE_DISP_SET_PROTOCOL_FEATURES, &m) != 0)
		return -1;
	b[0] = 1;
	b[1] = FORMAT_B8G8R8X8;
	b[2] = VHD_PERF_GPU_WIDTH;
	b[3] = VHD_PERF_GPU_HEIGHT;
	if (one_cmd(g, mk(CMD_RESOURCE_CREATE_2D, b, 4), sizeof(struct hdr) + 16, out) != 0)
		return -1;
	b[0] = 1;          /* resource */
	b[1] = 1;          /* one entry */
	b[2] = (uint32_t)g->fb_gpa;
	b[3] = (uint32_t)(g->fb_gpa >> 32);
	b[4] = FRAME;
	b[5] = 0;
	if (one_cmd(g, mk(CMD_RESOURCE_ATTACH_BACKING, b, 6), sizeof(struct hdr) + 24, out) != 0)
		return -1;
	b[0] = 0;
	b[1] = 0;
	b[2] = VHD_PERF_GPU_WIDTH;
	b[3] = VHD_PERF_GPU_HEIGHT;
	b[4] = 0;          /* scanout */
	b[5] = 1;          /* resource */
	if (one_cmd(g, mk(CMD_SET_SCANOUT, b, 6), sizeof(struct hdr) + 24, out) != 0)
		return -1;
	return disp_wait(g, VHD_FE_DISP_SCANOUT, &m);
}

/* One frame: the guest writes @p seq into it, transfer + flush, the whole
 * UPDATE read back and its changed pixel checked. @return latency or 0.
 */
static uint64_t
frame(struct gpu *g, uint32_t seq, struct vhd_perf_result *out)
{
	static const uint32_t tr[8] = {0, 0, VHD_PERF_GPU_WIDTH, VHD_PERF_GPU_HEIGHT, 0, 0, 1, 0};
	static const uint32_t fl[6] = {0, 0, VHD_PERF_GPU_WIDTH, VHD_PERF_GPU_HEIGHT, 1, 0};
	struct cmd c[2] = {mk(CMD_TRANSFER_TO_HOST_2D, tr, 8), mk(CMD_RESOURCE_FLUSH, fl, 6)};
	uint32_t len[2] = {sizeof(struct hdr) + 32, sizeof(struct hdr) + 24}, px;
	struct vhd_fe_disp_msg m;
	uint64_t t0;
	size_t at = (size_t)(seq % (VHD_PERF_GPU_WIDTH * VHD_PERF_GPU_HEIGHT)) * 4u;

	memcpy(g->fb + at, &seq, 3); /* B, G, R of one pixel */
	t0 = vhd_perf_now_ns();
	if (run_cmds(g, c, len, 2, out) != 0 || disp_wait(g, VHD_FE_DISP_UPDATE, &m) != 0)
		return 0;
	if (m.size != 20 + FRAME) {
		fprintf(stderr, "vhd-perf: gpu: UPDATE of %u bytes\n", m.size);
		return 0;
	}
	memcpy(&px, m.body + 20 + at, 4);
	if ((px & 0xffffff) != (seq & 0xffffff))
		out->errors++;
	return vhd_perf_now_ns() - t0;
}

int
vhd_perf_gpu_frames(const struct vhd_perf_run_cfg *cfg, struct vhd_perf_result *out)
{
	struct gpu g = {.cfg = cfg};
	struct vhd_perf_hist *hist = malloc(sizeof(*hist)), *path = malloc(sizeof(*path));
	struct vhd_perf_meter m = {.stop_at = UINT64_MAX};
	uint64_t total = cfg->duration_s > 0 ? UINT64_MAX : cfg->warmup + cfg->count, i, lat;
	uint8_t *a = malloc(FRAME), *b = malloc(FRAME);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->device = "gpu-frame";
	out->style = cfg->style == VHD_PERF_POLL ? "poll" : "notify";
	out->qd = 1;
	out->size = FRAME;
	out->backend_cpu_pct = -1;
	out->backend_idle_cpu_pct = -1;
	out->path_name = "memcpy of the frame";
	if (hist == NULL || path == NULL || a == NULL || b == NULL) {
		fprintf(stderr, "vhd-perf: out of memory\n");
		goto done;
	}
	vhd_perf_hist_init(hist);
	vhd_perf_hist_init(path);
	/* the floor first, on this core: one copy of the frame */
	memset(a, 1, FRAME);
	memset(b, 2, FRAME);
	for (i = 0; i < 200; i++) {
		uint64_t t0 = vhd_perf_now_ns();

		memcpy(i & 1 ? a : b, i & 1 ? b : a, FRAME);
		__asm__ volatile("" ::: "memory");
		vhd_perf_hist_add(path, vhd_perf_now_ns() - t0);
	}
	if (setup(&g, out) != 0)
		goto done;
	for (i = 0; i < total && vhd_perf_now_ns() < m.stop_at; i++) {
		if (i == cfg->warmup) {
			vhd_perf_meter_start(&m, cfg, out);
			out->errors = 0;
		}
		lat = frame(&g, (uint32_t)i + 1, out);
		if (lat == 0)
			goto done;
		if (i < cfg->warmup)
			continue;
		out->reqs++;
		out->bytes += FRAME;
		vhd_perf_hist_add(hist, lat);
	}
	if (i <= cfg->warmup) {
		fprintf(stderr, "vhd-perf: no frame measured\n");
		goto done;
	}
	vhd_perf_meter_stop(&m, cfg, out);
	vhd_perf_hist_summary(hist, &out->lat);
	vhd_perf_hist_summary(path, &out->path);
	printf("gpu: %lu frames of %ux%u XRGB in %.3f s: %.1f frames/s (UPDATE fully read by "
	       "the display); memcpy of one frame: p50 %lu ns\n", (unsigned long)out->reqs,
	       VHD_PERF_GPU_WIDTH, VHD_PERF_GPU_HEIGHT, (double)out->elapsed_ns / 1e9,
	       (double)out->reqs * 1e9 / (double)out->elapsed_ns, (unsigned long)out->path.p50);
	rc = 0;
	vhd_fe_queue_stop(g.fe, CTRLQ, NULL);
done:
	if (g.disp.fd > 0)
		close(g.disp.fd);
	vhd_fe_destroy(g.fe);
	free(g.upd);
	free(hist);
	free(path);
	free(a);
	free(b);
	return rc;
}
