/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-snd playback jitter. Buffers of a sound stream are not a closed
 * loop: the device completes each when the sample clock has played it, so
 * the figure is how late a completion is seen against that clock (START
 * time + frames completed / rate), in the tool's wait style: poll spins on
 * the used ring, notify sleeps on the call eventfd. Four 10 ms periods stay
 * queued (the guest driver's usual depth); each completion is refilled.
 * The wire format is restated from the VIRTIO spec (perf/ links no driver).
 */

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "vhd_fe.h"
#include "vhd_perf_sound.h"
#include "vhd_perf_stats.h"
#include "vhd_perf_time.h"

#define Q_CTL 0
#define Q_TX 2
#define NQ 4
#define RING 64
#define R_PCM_SET_PARAMS 0x0101
#define R_PCM_PREPARE 0x0102
#define R_PCM_RELEASE 0x0103
#define R_PCM_START 0x0104
#define R_PCM_STOP 0x0105
#define S_OK 0x8000
#define FMT_S16 5
#define RATE_48000 7
#define HZ 48000u
#define FRAME 4u
#define PERIOD_FRAMES 480u /* 10 ms */
#define PERIOD (PERIOD_FRAMES * FRAME)
#define DEPTH 4
#define STALL_NS (2000ull * 1000000)

struct snd {
	struct vhd_fe *fe;
	const struct vhd_perf_run_cfg *cfg;
	uint8_t *ctl_rd, *ctl_wr;
	uint8_t *hdr, *data, *status; /* DEPTH of each */
	struct vhd_perf_result *out;
};

static int
ctl(struct snd *s, const void *req, uint32_t len)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(s->fe, Q_CTL);
	struct vhd_fe_buf b[2] = {{s->ctl_rd, len}, {s->ctl_wr, 4}};
	uint32_t code, used;
	uint16_t id;
	int rc;

	memcpy(s->ctl_rd, req, len);
	rc = vhd_fe_post(s->fe, Q_CTL, b, 1, 1, false, NULL, true);
	if (rc < 0)
		return vhd_perf_fe_fail(s->fe, "control request", rc);
	rc = vhd_perf_wait_used(s->fe, Q_CTL, r, VHD_PERF_POLL, STALL_NS, s->out);
	if (rc <= 0 || vhd_fe_ring_get_used(r, &id, &used, NULL) != 1) {
		fprintf(stderr, "vhd-perf: sound: control request not answered\n");
		return -1;
	}
	memcpy(&code, s->ctl_wr, 4);
	if (le32toh(code) != S_OK) {
		fprintf(stderr, "vhd-perf: sound: control request 0x%x answered 0x%x\n",
			le32toh(*(const uint32_t *)req), le32toh(code));
		return -1;
	}
	return 0;
}

static int
pcm(struct snd *s, uint32_t code)
{
	uint32_t h[2] = {htole32(code), 0};

	return ctl(s, h, sizeof(h));
}

static int
post(struct snd *s, unsigned int slot)
{
	struct vhd_fe_buf b[3] = {{s->hdr + slot * 4, 4},
				  {s->data + slot * PERIOD, PERIOD},
				  {s->status + slot * 8, 8}};

	memset(s->status + slot * 8, 0xee, 8);
	return vhd_fe_post(s->fe, Q_TX, b, 2, 1, false, (void *)(uintptr_t)(slot + 1), true);
}

static int
setup(struct snd *s)
{
	struct vhd_fe_opts fo = {.mem_size = 4u << 20};
	uint64_t want = VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_EVENT_IDX);
	struct vhd_fe_mem *m;
	uint8_t p[24] = {0};
	uint32_t v;
	unsigned int i;
	uint16_t q;
	int err;

	s->fe = vhd_fe_create(&fo);
	if (s->fe == NULL)
		return vhd_perf_fe_fail(NULL, "creating the frontend", -errno);
	err = vhd_fe_connect(s->fe, s->cfg->socket, (int)s->cfg->connect_ms);
	if (err != 0)
		return vhd_perf_fe_fail(s->fe, s->cfg->socket, err);
	err = vhd_fe_negotiate(s->fe, want, VHD_FE_PROTO_DEFAULT);
	if (err != 0)
		return vhd_perf_fe_fail(s->fe, "negotiation", err);
	for (q = 0; q < NQ; q++) {
		err = vhd_fe_queue_setup(s->fe, q, RING);
		if (err == 0)
			err = vhd_fe_queue_start(s->fe, q);
		if (err != 0)
			return vhd_perf_fe_fail(s->fe, "queue set-up", err);
	}
	m = vhd_fe_mem(s->fe);
	s->ctl_rd = vhd_fe_mem_alloc(m, 64, 64, NULL);
	s->ctl_wr = vhd_fe_mem_alloc(m, 64, 64, NULL);
	s->hdr = vhd_fe_mem_alloc(m, DEPTH * 4, 64, NULL);
	s->data = vhd_fe_mem_alloc(m, DEPTH * PERIOD, 64, NULL);
	s->status = vhd_fe_mem_alloc(m, DEPTH * 8, 64, NULL);
	if (s->ctl_rd == NULL || s->ctl_wr == NULL || s->hdr == NULL || s->data == NULL ||
	    s->status == NULL) {
		fprintf(stderr, "vhd-perf: guest memory arena too small\n");
		return -1;
	}
	memset(s->hdr, 0, DEPTH * 4); /* stream 0 */
	for (i = 0; i < DEPTH * PERIOD; i++)
		s->data[i] = (uint8_t)i;
	/* SET_PARAMS: stream 0, buffer DEPTH periods, S16 stereo 48 kHz */
	v = htole32(R_PCM_SET_PARAMS);
	memcpy(p, &v, 4);
	v = htole32(DEPTH * PERIOD);
	memcpy(p + 8, &v, 4);
	v = htole32(PERIOD);
	memcpy(p + 12, &v, 4);
	p[20] = 2;
	p[21] = FMT_S16;
	p[22] = RATE_48000;
	if (ctl(s, p, sizeof(p)) != 0 || pcm(s, R_PCM_PREPARE) != 0)
		return -1;
	vhd_fe_ring_want_calls(vhd_fe_queue_ring(s->fe, Q_TX), s->cfg->style == VHD_PERF_NOTIFY);
	return 0;
}

/*
 * Play: completion k (from 1) is due k periods after the clock started; the
 * clock's start (when the device took START) is not visible here, so it is
 * taken as the earliest t_k - k * period over the run and each completion's
 * jitter is its lateness against that: a constant offset (START's own
 * latency) is not jitter; it is printed beside.
 */
static int
play(struct snd *s, struct vhd_perf_hist *h)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(s->fe, Q_TX);
	struct vhd_perf_meter m = {.stop_at = UINT64_MAX};
	uint64_t t0, done = 0, measured = 0, first = 0, anchor = UINT64_MAX, cap, k;
	uint64_t total = s->cfg->duration_s > 0 ? UINT64_MAX : s->cfg->warmup + s->cfg->count;
	uint64_t *t;
	unsigned int i;
	bool metering = false;

	cap = s->cfg->duration_s > 0 ? (uint64_t)(s->cfg->duration_s * 100) + s->cfg->warmup + 64
				     : total + 1;
	t = calloc(cap, sizeof(*t));
	if (t == NULL)
		return -1;
	for (i = 0; i < DEPTH; i++)
		if (post(s, i) < 0)
			goto fail_post;
	t0 = vhd_perf_now_ns();
	if (pcm(s, R_PCM_START) != 0)
		goto fail;
	while (done < total) {
		uint32_t len;
		uint16_t id;
		void *ck;
		int rc = vhd_perf_wait_used(s->fe, Q_TX, r, s->cfg->style, STALL_NS, s->out);

		if (rc <= 0) {
			fprintf(stderr, "vhd-perf: sound: no completion for 2 s\n");
			goto fail;
		}
		while (vhd_fe_ring_get_used(r, &id, &len, &ck) == 1) {
			unsigned int slot = (unsigned int)(uintptr_t)ck - 1;
			uint64_t now = vhd_perf_now_ns();
			uint32_t st;

			memcpy(&st, s->status + slot * 8, 4);
			done++;
			if (len != 8 || le32toh(st) != S_OK)
				s->out->errors++;
			if (done == s->cfg->warmup + 1) {
				vhd_perf_meter_start(&m, s->cfg, s->out);
				if (s->cfg->duration_s > 0)
					m.stop_at = m.start_ns +
						    (uint64_t)(s->cfg->duration_s * 1e9);
				metering = true;
				first = done;
			}
			if (metering && measured < cap) {
				uint64_t base = now - done * PERIOD_FRAMES * 1000000000ull / HZ;

				t[measured++] = now;
				if (base < anchor)
					anchor = base;
				s->out->bytes += PERIOD;
			}
			if (post(s, slot) < 0)
				goto fail_post;
			if (metering && (now >= m.stop_at || measured == cap))
				total = done;
		}
	}
	vhd_perf_meter_stop(&m, s->cfg, s->out);
	s->out->reqs = measured;
	for (k = 0; k < measured; k++) {
		uint64_t due = anchor + (first + k) * PERIOD_FRAMES * 1000000000ull / HZ;

		vhd_perf_hist_add(h, t[k] - due);
	}
	printf("sound: the sample clock started %.1f us after START was sent (START's latency,\n"
	       "       not jitter); latency rows below: lateness against that clock\n",
	       (double)(anchor - t0) / 1e3);
	free(t);
	return pcm(s, R_PCM_STOP) == 0 && pcm(s, R_PCM_RELEASE) == 0 ? 0 : -1;
fail_post:
	vhd_perf_fe_fail(s->fe, "posting PCM buffers", -ENOSPC);
fail:
	free(t);
	return -1;
}

/* The path's floor on this host, measured in the same run: an absolute
 * timerfd every 10 ms, woken by a blocking read() (what an interrupt-mode
 * worker does), its lateness over @p n periods.
 */
static int
timer_floor(unsigned int n, struct vhd_perf_hist *h)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	uint64_t t0 = vhd_perf_now_ns() + 10000000ull, x;
	unsigned int i;

	if (fd < 0)
		return -1;
	for (i = 1; i <= n; i++) {
		uint64_t due = t0 + (uint64_t)i * 10000000ull, now;
		struct itimerspec its = {.it_value = {.tv_sec = (time_t)(due / 1000000000ull),
						      .tv_nsec = (long)(due % 1000000000ull)}};

		if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) != 0 ||
		    read(fd, &x, sizeof(x)) != sizeof(x)) {
			close(fd);
			return -1;
		}
		now = vhd_perf_now_ns();
		vhd_perf_hist_add(h, now > due ? now - due : 0);
	}
	close(fd);
	return 0;
}

int
vhd_perf_sound_jitter(const struct vhd_perf_run_cfg *cfg, struct vhd_perf_result *out)
{
	struct snd s = {.cfg = cfg, .out = out};
	struct vhd_perf_hist *h = malloc(sizeof(*h));
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->device = "sound-jitter";
	out->style = cfg->style == VHD_PERF_POLL ? "poll" : "notify";
	out->qd = DEPTH;
	out->size = PERIOD;
	out->backend_cpu_pct = -1;
	out->backend_idle_cpu_pct = -1;
	if (h == NULL)
		return -1;
	vhd_perf_hist_init(h);
	out->path_name = "timerfd 10 ms (same host, before)";
	if (timer_floor(300, h) == 0)
		vhd_perf_hist_summary(h, &out->path);
	vhd_perf_hist_init(h);
	if (setup(&s) == 0 && play(&s, h) == 0) {
		vhd_perf_hist_summary(h, &out->lat);
		rc = 0;
	}
	if (s.fe != NULL)
		vhd_fe_destroy(s.fe);
	free(h);
	return rc;
}
