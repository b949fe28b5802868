/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-input key latency: "key CODE V" and "syn" written in one send on a
 * simulated device's control socket, timed to the moment the SYN_REPORT's
 * eventq buffer is used (the whole batch delivered). The bare round trip of
 * a "ping" on the same socket, timed after every key, is the path's floor
 * (the gpio IRQ method). Then a sustained burst: key batches pipelined on
 * the socket while eventq buffers are given back as they come, events per
 * second over the whole burst.
 *
 * The closed-loop generator (vhd_perf_gen_input) exists for --device and
 * --help only: eventq buffers wait for events, so requests alone never
 * complete; vhd-perf runs vhd_perf_input_key() instead (--irq CODE).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhd_fe.h"
#include "vhd_perf_cpu.h"
#include "vhd_perf_ctl.h"
#include "vhd_perf_gen.h"
#include "vhd_perf_input.h"
#include "vhd_perf_time.h"

/* The wire format, as in drivers/input/input_proto.h (perf/ links no driver). */
#define INPUT_EVENTQ 0
#define INPUT_NUM_QUEUES 2
#define EV_SYN 0
#define EV_KEY 1

#define STALL_MS 5000
#define RING 64
#define BURST_BATCHES 20000

struct ev8 {
	uint16_t type, code;
	uint32_t value;
} __attribute__((packed));

struct key {
	const struct vhd_perf_run_cfg *cfg;
	const struct vhd_perf_irq_cfg *kcfg;
	struct vhd_fe *fe;
	struct vhd_fe_ring *evq;
	struct ev8 *bufs; /* RING event buffers */
	int ctl;
	bool spin;
	struct vhd_perf_hist *hist, *path;
};

static int
repost(struct key *k, unsigned int slot)
{
	struct vhd_fe_buf b = { &k->bufs[slot], sizeof(k->bufs[slot]) };

	memset(&k->bufs[slot], 0xee, sizeof(k->bufs[slot]));
	return vhd_fe_ring_add(k->evq, &b, 0, 1, false, (void *)(uintptr_t)(slot + 1));
}

/* Take every used buffer, give it back; @p syns counts SYN_REPORTs, @p evs all events. */
static int
drain(struct key *k, uint64_t *evs, uint64_t *syns, struct vhd_perf_result *out)
{
	uint32_t len;
	uint16_t id;
	void *ck;
	int rc;

	while (vhd_fe_ring_get_used(k->evq, &id, &len, &ck) == 1) {
		unsigned int slot = (unsigned int)(uintptr_t)ck - 1;

		if (len != sizeof(struct ev8)) {
			out->errors++;
		} else {
			(*evs)++;
			if (k->bufs[slot].type == EV_SYN)
				(*syns)++;
		}
		if (repost(k, slot) < 0)
			return -1;
	}
	rc = vhd_fe_publish(k->fe, INPUT_EVENTQ, true);
	if (rc < 0)
		return vhd_perf_fe_fail(k->fe, "giving eventq buffers back", rc);
	out->kicks += (uint64_t)rc;
	return 0;
}

/* One key batch: from the send to the used SYN_REPORT buffer. */
static int
one_key(struct key *k, unsigned int v, uint64_t *lat, struct vhd_perf_result *out)
{
	uint64_t evs = 0, syns = 0, t0;
	char cmd[48], rep[16];
	int rc;

	snprintf(cmd, sizeof(cmd), "key %u %u\nsyn\n", k->kcfg->line, v);
	vhd_perf_ctl_gap(k->spin, k->kcfg->gap_us);
	t0 = vhd_perf_now_ns();
	if (vhd_perf_ctl_send(k->ctl, cmd) != 0)
		return -1;
	while (syns == 0) {
		rc = vhd_perf_wait_used(k->fe, INPUT_EVENTQ, k->evq, k->cfg->style,
					STALL_MS * 1000000ULL, out);
		if (rc <= 0) {
			if (rc == 0)
				fprintf(stderr, "vhd-perf: backend stalled: no event %d ms after "
					"'key %u %u'\n", STALL_MS, k->kcfg->line, v);
			return -1;
		}
		*lat = vhd_perf_now_ns() - t0;
		if (drain(k, &evs, &syns, out) != 0)
			return -1;
	}
	if (evs != 2)
		out->errors++;
	/* The two "ok"s, sent as the lines were handled, read only now. */
	if (vhd_perf_ctl_reply(k->ctl, k->spin, rep, sizeof(rep)) != 0 ||
	    (strchr(rep, '\n') == strrchr(rep, '\n') &&
	     vhd_perf_ctl_reply(k->ctl, k->spin, rep, sizeof(rep)) != 0))
		return -1;
	return 0;
}

static int
one_ping(struct key *k, uint64_t *lat)
{
	char rep[16];
	uint64_t t0;

	vhd_perf_ctl_gap(k->spin, k->kcfg->gap_us);
	t0 = vhd_perf_now_ns();
	if (vhd_perf_ctl_send(k->ctl, "ping\n") != 0 ||
	    vhd_perf_ctl_reply(k->ctl, k->spin, rep, sizeof(rep)) != 0)
		return -1;
	*lat = vhd_perf_now_ns() - t0;
	if (strcmp(rep, "pong\n") != 0) {
		fprintf(stderr, "vhd-perf: 'ping' answered '%s'\n", rep);
		return -1;
	}
	return 0;
}

static int
key_loop(struct key *k, struct vhd_perf_result *out)
{
	const struct vhd_perf_run_cfg *cfg = k->cfg;
	uint64_t i, lat = 0, plat = 0;
	uint64_t total = cfg->duration_s > 0 ? UINT64_MAX : cfg->warmup + cfg->count;
	struct vhd_perf_meter m = { .stop_at = UINT64_MAX };

	for (i = 0; i < total && vhd_perf_now_ns() < m.stop_at; i++) {
		if (i == cfg->warmup) {
			vhd_perf_meter_start(&m, cfg, out);
			out->errors = 0;
		}
		if (one_key(k, (unsigned int)((i + 1) & 1), &lat, out) != 0 ||
		    one_ping(k, &plat) != 0)
			return -1;
		if (i < cfg->warmup)
			continue;
		out->reqs++;
		out->bytes += 2 * sizeof(struct ev8);
		vhd_perf_hist_add(k->hist, lat);
		vhd_perf_hist_add(k->path, plat);
	}
	if (i <= cfg->warmup) {
		fprintf(stderr, "vhd-perf: no key measured\n");
		return -1;
	}
	vhd_perf_meter_stop(&m, cfg, out);
	return 0;
}

/*
 * Sustained burst: key batches written in chunks of 32 lines' worth while
 * buffers come back; every batch's replies read. Prints events per second.
 */
static int
burst(struct key *k, struct vhd_perf_result *out)
{
	uint64_t evs = 0, syns = 0, sent = 0, t0, t1, replies = 0;
	char chunk[32 * 24], rep[512];
	unsigned int i;
	size_t n;
	int rc;

	t0 = vhd_perf_now_ns();
	while (sent < BURST_BATCHES) {
		for (n = 0, i = 0; i < 16 && sent < BURST_BATCHES; i++, sent++)
			n += (size_t)snprintf(chunk + n, sizeof(chunk) - n, "key %u %u\nsyn\n",
					      k->kcfg->line, (unsigned int)(sent & 1));
		if (vhd_perf_ctl_send(k->ctl, chunk) != 0)
			return -1;
		/* Read this chunk's "ok" lines so that the socket never backs up. */
		while (replies < 2 * sent) {
			if (vhd_perf_ctl_reply(k->ctl, k->spin, rep, sizeof(rep)) != 0)
				return -1;
			for (char *p = rep; (p = strchr(p, '\n')) != NULL; p++)
				replies++;
			if (drain(k, &evs, &syns, out) != 0)
				return -1;
		}
	}
	/* What is still queued in the backend follows as buffers come back. */
	for (;;) {
		rc = vhd_perf_wait_used(k->fe, INPUT_EVENTQ, k->evq, k->cfg->style,
					200 * 1000000ULL, out);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		t1 = vhd_perf_now_ns();
		if (drain(k, &evs, &syns, out) != 0)
			return -1;
	}
	t1 = vhd_perf_now_ns() - 200 * 1000000ULL;
	printf("burst: %lu key batches sent, %lu events (%lu batches) received in %.3f s: "
	       "%.0f events/s%s\n", (unsigned long)sent, (unsigned long)evs, (unsigned long)syns,
	       (double)(t1 - t0) / 1e9, (double)evs * 1e9 / (double)(t1 - t0),
	       syns < sent ? " (whole batches dropped: the queue overflowed)" : "");
	return 0;
}

static int
setup(struct key *k)
{
	struct vhd_fe_opts fo = { .mem_size = 4u << 20 };
	uint64_t want = VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_EVENT_IDX);
	unsigned int i;
	uint16_t q;
	int err;

	k->fe = vhd_fe_create(&fo);
	if (k->fe == NULL)
		return vhd_perf_fe_fail(NULL, "creating the frontend", -errno);
	err = vhd_fe_connect(k->fe, k->cfg->socket, (int)k->cfg->connect_ms);
	if (err != 0)
		return vhd_perf_fe_fail(k->fe, k->cfg->socket, err);
	err = vhd_fe_negotiate(k->fe, want, VHD_FE_PROTO_DEFAULT);
	if (err != 0)
		return vhd_perf_fe_fail(k->fe, "negotiation", err);
	for (q = 0; q < INPUT_NUM_QUEUES; q++) {
		err = vhd_fe_queue_setup(k->fe, q, RING);
		if (err == 0)
			err = vhd_fe_queue_start(k->fe, q);
		if (err != 0)
			return vhd_perf_fe_fail(k->fe, "queue set-up", err);
	}
	k->evq = vhd_fe_queue_ring(k->fe, INPUT_EVENTQ);
	k->bufs = vhd_fe_mem_alloc(vhd_fe_mem(k->fe), RING * sizeof(struct ev8), 64, NULL);
	if (k->bufs == NULL) {
		fprintf(stderr, "vhd-perf: guest memory arena too small\n");
		return -1;
	}
	for (i = 0; i < RING; i++)
		if (repost(k, i) < 0)
			return vhd_perf_fe_fail(k->fe, "posting eventq buffers", -ENOSPC);
	err = vhd_fe_publish(k->fe, INPUT_EVENTQ, true);
	if (err < 0)
		return vhd_perf_fe_fail(k->fe, "posting eventq buffers", err);
	vhd_fe_ring_want_calls(k->evq, k->cfg->style == VHD_PERF_NOTIFY);
	k->ctl = vhd_perf_ctl_connect(k->kcfg->sim_control, k->cfg->connect_ms);
	return k->ctl < 0 ? -1 : 0;
}

int
vhd_perf_input_key(const struct vhd_perf_run_cfg *cfg, const struct vhd_perf_irq_cfg *kcfg,
		   struct vhd_perf_result *out)
{
	struct key k = { .cfg = cfg, .kcfg = kcfg, .ctl = -1,
			 .spin = cfg->style == VHD_PERF_POLL };
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->device = "input-key";
	out->style = cfg->style == VHD_PERF_POLL ? "poll" : "notify";
	out->qd = 1;
	out->size = 2 * sizeof(struct ev8);
	out->backend_cpu_pct = -1;
	out->backend_idle_cpu_pct = -1;
	out->path_name = "control-socket ping";
	k.hist = malloc(sizeof(*k.hist));
	k.path = malloc(sizeof(*k.path));
	if (k.hist == NULL || k.path == NULL) {
		fprintf(stderr, "vhd-perf: out of memory\n");
		goto out;
	}
	vhd_perf_hist_init(k.hist);
	vhd_perf_hist_init(k.path);
	if (setup(&k) != 0 || key_loop(&k, out) != 0)
		goto out;
	vhd_perf_hist_summary(k.hist, &out->lat);
	vhd_perf_hist_summary(k.path, &out->path);
	if (burst(&k, out) != 0)
		goto out;
	rc = 0;
	vhd_fe_queue_stop(k.fe, INPUT_EVENTQ, NULL);
out:
	if (k.ctl >= 0)
		close(k.ctl);
	vhd_fe_destroy(k.fe);
	free(k.hist);
	free(k.path);
	return rc;
}

/* For --device input and --help; the run itself is vhd_perf_input_key(). */
static int
input_check(const struct vhd_perf_gen_cfg *cfg)
{
	(void)cfg;
	return 0;
}

static uint32_t
input_slot_bytes(const struct vhd_perf_gen_cfg *cfg)
{
	(void)cfg;
	return sizeof(struct ev8);
}

static void
input_prepare(const struct vhd_perf_gen_cfg *cfg, void *slot, uint64_t seq,
	      struct vhd_fe_buf *bufs, unsigned int *n_rd, unsigned int *n_wr)
{
	(void)cfg;
	(void)seq;
	bufs[0] = (struct vhd_fe_buf){ slot, sizeof(struct ev8) };
	*n_rd = 0;
	*n_wr = 1;
}

static int64_t
input_complete(const struct vhd_perf_gen_cfg *cfg, void *slot, uint32_t used_len)
{
	(void)cfg;
	(void)slot;
	return used_len == sizeof(struct ev8) ? (int64_t)used_len : -1;
}

const struct vhd_perf_gen vhd_perf_gen_input = {
	.name = "input",
	.help = "virtio-input: key latency through --sim-control (needs --irq CODE)",
	.virtio_id = 18,
	.num_queues = INPUT_NUM_QUEUES,
	.queue = INPUT_EVENTQ,
	.default_size = sizeof(struct ev8),
	.descs = 1,
	.check = input_check,
	.slot_bytes = input_slot_bytes,
	.prepare = input_prepare,
	.complete = input_complete,
};
