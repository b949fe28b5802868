/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-gpio interrupt latency (VIRTIO 1.2 section 5.17.6): a simulated edge
 * driven through the chip's control socket ("set <line> <0|1>", reply "ok"),
 * timed from just before that write to the moment the eventq used buffer is
 * seen. The write, and the backend reading it, are part of that path; the
 * bare round trip of a "get <line>" on the same socket, timed after every
 * edge, is its floor.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vhd_fe.h"
#include "vhd_perf_cpu.h"
#include "vhd_perf_ctl.h"
#include "vhd_perf_gpio_irq.h"
#include "vhd_perf_time.h"

/* The wire format, as in drivers/gpio/gpio_proto.h (perf/ links no driver). */
#define GPIO_F_IRQ 0
#define GPIO_REQUESTQ 0
#define GPIO_EVENTQ 1
#define GPIO_MSG_SET_IRQ_TYPE 0x0006
#define GPIO_IRQ_TYPE_EDGE_BOTH 0x03
#define GPIO_STATUS_OK 0x00
#define GPIO_IRQ_STATUS_VALID 0x01

#define STALL_MS 5000
#define RING 8

struct irq_mem {
	struct {
		uint16_t type;
		uint16_t gpio;
		uint32_t value;
	} __attribute__((packed)) req;
	uint8_t rsp[2];          /* status, value */
	uint16_t ev_gpio;        /* eventq request */
	uint8_t ev_status;       /* eventq response */
} __attribute__((packed));

struct irq {
	const struct vhd_perf_run_cfg *cfg;
	const struct vhd_perf_irq_cfg *icfg;
	struct vhd_fe *fe;
	struct vhd_fe_ring *evq;
	struct irq_mem *m;
	int ctl;
	struct vhd_perf_hist *hist;
	struct vhd_perf_hist *path;
};

/* Send @p cmd, expect a reply starting with @p want (NULL: any line). */
static int
ctl_cmd(struct irq *q, const char *cmd, const char *want, bool spin)
{
	char rep[64];

	if (vhd_perf_ctl_send(q->ctl, cmd) != 0 ||
	    vhd_perf_ctl_reply(q->ctl, spin, rep, sizeof(rep)) != 0)
		return -1;
	if (want != NULL && strncmp(rep, want, strlen(want)) != 0) {
		fprintf(stderr, "vhd-perf: control socket: '%s' answered '%s'\n", cmd, rep);
		return -1;
	}
	return 0;
}

/* SET_IRQ_TYPE edge-both on the requestq, awaited. */
static int
set_irq_type(struct irq *q)
{
	struct vhd_fe_buf b[2] = { { &q->m->req, sizeof(q->m->req) }, { q->m->rsp, 2 } };
	struct vhd_fe_ring *r = vhd_fe_queue_ring(q->fe, GPIO_REQUESTQ);
	uint32_t len = 0;
	uint16_t id;
	int rc;

	q->m->req.type = GPIO_MSG_SET_IRQ_TYPE;
	q->m->req.gpio = q->icfg->line;
	q->m->req.value = GPIO_IRQ_TYPE_EDGE_BOTH;
	q->m->rsp[0] = 0xff;
	rc = vhd_fe_post(q->fe, GPIO_REQUESTQ, b, 1, 1, false, NULL, true);
	if (rc >= 0)
		rc = vhd_fe_wait_used(q->fe, GPIO_REQUESTQ, STALL_MS);
	if (rc <= 0)
		return vhd_perf_fe_fail(q->fe, "SET_IRQ_TYPE", rc == 0 ? -ETIMEDOUT : rc);
	vhd_fe_ring_get_used(r, &id, &len, NULL);
	if (len != 2 || q->m->rsp[0] != GPIO_STATUS_OK) {
		fprintf(stderr, "vhd-perf: SET_IRQ_TYPE edge-both of line %u failed (status %u)\n",
			q->icfg->line, q->m->rsp[0]);
		return -1;
	}
	return 0;
}

/*
 * One edge to @p level: post the eventq buffer, gap, time from the write of
 * "set" to the used buffer. @p lat gets the latency, 0 for an error completion.
 */
static int
one_edge(struct irq *q, unsigned int level, uint64_t *lat, struct vhd_perf_result *out)
{
	struct vhd_fe_buf b[2] = { { &q->m->ev_gpio, 2 }, { &q->m->ev_status, 1 } };
	bool spin = q->cfg->style == VHD_PERF_POLL;
	uint64_t t0, t1;
	uint32_t len = 0;
	char cmd[32];
	uint16_t id;
	int rc;

	q->m->ev_gpio = q->icfg->line;
	q->m->ev_status = 0xff;
	rc = vhd_fe_ring_add(q->evq, b, 1, 1, false, NULL);
	if (rc >= 0)
		rc = vhd_fe_publish(q->fe, GPIO_EVENTQ, true);
	if (rc < 0)
		return vhd_perf_fe_fail(q->fe, "posting the eventq buffer", rc);
	out->kicks += (uint64_t)rc;
	snprintf(cmd, sizeof(cmd), "set %u %u\n", q->icfg->line, level);
	vhd_perf_ctl_gap(q->cfg->style == VHD_PERF_POLL, q->icfg->gap_us);
	/* Back before any edge: a latched edge or an INVALID unmask, not a measurement. */
	if (vhd_fe_ring_used_pending(q->evq) > 0) {
		vhd_fe_ring_get_used(q->evq, &id, &len, NULL);
		fprintf(stderr, "vhd-perf: eventq buffer returned before the edge (status %u)\n",
			q->m->ev_status);
		return -1;
	}
	t0 = vhd_perf_now_ns();
	if (vhd_perf_ctl_send(q->ctl, cmd) != 0)
		return -1;
	rc = vhd_perf_wait_used(q->fe, GPIO_EVENTQ, q->evq, q->cfg->style,
				STALL_MS * 1000000ULL, out);
	t1 = vhd_perf_now_ns();
	if (rc <= 0) {
		if (rc == 0)
			fprintf(stderr, "vhd-perf: backend stalled: no interrupt %d ms after "
				"'set %u %u'\n", STALL_MS, q->icfg->line, level);
		return -1;
	}
	vhd_fe_ring_get_used(q->evq, &id, &len, NULL);
	*lat = len == 1 && q->m->ev_status == GPIO_IRQ_STATUS_VALID ? t1 - t0 : 0;
	/* The "ok" of the set: sent before the edge was handled, read only now. */
	return vhd_perf_ctl_reply(q->ctl, spin, cmd, sizeof(cmd)) == 0 &&
	       strncmp(cmd, "ok", 2) == 0 ? 0 : -1;
}

/* The path's floor: a "get" round trip on the control socket, after the same gap. */
static int
one_get(struct irq *q, uint64_t *lat)
{
	char cmd[32];
	uint64_t t0;

	snprintf(cmd, sizeof(cmd), "get %u\n", q->icfg->line);
	vhd_perf_ctl_gap(q->cfg->style == VHD_PERF_POLL, q->icfg->gap_us);
	t0 = vhd_perf_now_ns();
	if (ctl_cmd(q, cmd, NULL, q->cfg->style == VHD_PERF_POLL) != 0)
		return -1;
	*lat = vhd_perf_now_ns() - t0;
	return 0;
}

static int
edge_loop(struct irq *q, struct vhd_perf_result *out)
{
	const struct vhd_perf_run_cfg *cfg = q->cfg;
	uint64_t i, lat = 0, glat = 0;
	uint64_t total = cfg->duration_s > 0 ? UINT64_MAX : cfg->warmup + cfg->count;
	struct vhd_perf_meter m = { .stop_at = UINT64_MAX };

	vhd_fe_ring_want_calls(q->evq, cfg->style == VHD_PERF_NOTIFY);
	for (i = 0; i < total && vhd_perf_now_ns() < m.stop_at; i++) {
		if (i == cfg->warmup)
			vhd_perf_meter_start(&m, cfg, out);
		/* Level 1 first: the line was set to 0 before its interrupt was enabled. */
		if (one_edge(q, (unsigned int)((i + 1) & 1), &lat, out) != 0 ||
		    one_get(q, &glat) != 0)
			return -1;
		if (i < cfg->warmup)
			continue;
		out->reqs++;
		if (lat == 0) {
			out->errors++;
			continue;
		}
		out->bytes++;
		vhd_perf_hist_add(q->hist, lat);
		vhd_perf_hist_add(q->path, glat);
	}
	if (i <= cfg->warmup) {
		fprintf(stderr, "vhd-perf: no edge measured\n");
		return -1;
	}
	vhd_perf_meter_stop(&m, cfg, out);
	return 0;
}

/* Connect, negotiate VIRTIO_GPIO_F_IRQ, start both queues. */
static int
setup(struct irq *q)
{
	struct vhd_fe_opts fo = { .mem_size = 4u << 20 };
	uint64_t want = VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_EVENT_IDX) |
			VHD_BIT(GPIO_F_IRQ);
	uint16_t i;
	int err;

	q->fe = vhd_fe_create(&fo);
	if (q->fe == NULL)
		return vhd_perf_fe_fail(NULL, "creating the frontend", -errno);
	err = vhd_fe_connect(q->fe, q->cfg->socket, (int)q->cfg->connect_ms);
	if (err != 0)
		return vhd_perf_fe_fail(q->fe, q->cfg->socket, err);
	err = vhd_fe_negotiate(q->fe, want, VHD_FE_PROTO_DEFAULT);
	if (err != 0)
		return vhd_perf_fe_fail(q->fe, "negotiation", err);
	if ((vhd_fe_features(q->fe) & VHD_BIT(GPIO_F_IRQ)) == 0) {
		fprintf(stderr, "vhd-perf: the backend does not offer VIRTIO_GPIO_F_IRQ\n");
		return -1;
	}
	for (i = GPIO_REQUESTQ; i <= GPIO_EVENTQ; i++) {
		err = vhd_fe_queue_setup(q->fe, i, RING);
		if (err == 0)
			err = vhd_fe_queue_start(q->fe, i);
		if (err != 0)
			return vhd_perf_fe_fail(q->fe, "queue set-up", err);
	}
	q->evq = vhd_fe_queue_ring(q->fe, GPIO_EVENTQ);
	q->m = vhd_fe_mem_alloc(vhd_fe_mem(q->fe), sizeof(*q->m), 64, NULL);
	if (q->m == NULL) {
		fprintf(stderr, "vhd-perf: guest memory arena too small\n");
		return -1;
	}
	q->ctl = vhd_perf_ctl_connect(q->icfg->sim_control, q->cfg->connect_ms);
	return q->ctl < 0 ? -1 : 0;
}

int
vhd_perf_gpio_irq(const struct vhd_perf_run_cfg *cfg, const struct vhd_perf_irq_cfg *icfg,
		  struct vhd_perf_result *out)
{
	struct irq q = { .cfg = cfg, .icfg = icfg, .ctl = -1 };
	char cmd[32];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->device = "gpio-irq";
	out->style = cfg->style == VHD_PERF_POLL ? "poll" : "notify";
	out->qd = 1;
	out->size = 2;
	out->backend_cpu_pct = -1;
	out->backend_idle_cpu_pct = -1;
	out->path_name = "control-socket get";
	q.hist = malloc(sizeof(*q.hist));
	q.path = malloc(sizeof(*q.path));
	if (q.hist == NULL || q.path == NULL) {
		fprintf(stderr, "vhd-perf: out of memory\n");
		goto out;
	}
	vhd_perf_hist_init(q.hist);
	vhd_perf_hist_init(q.path);
	if (setup(&q) != 0)
		goto out;
	/* Level 0 before the interrupt is enabled, so no edge is latched from set-up. */
	snprintf(cmd, sizeof(cmd), "set %u 0\n", icfg->line);
	if (ctl_cmd(&q, cmd, "ok", false) != 0 || set_irq_type(&q) != 0 ||
	    edge_loop(&q, out) != 0)
		goto out;
	vhd_perf_hist_summary(q.hist, &out->lat);
	vhd_perf_hist_summary(q.path, &out->path);
	rc = 0;
	vhd_fe_queue_stop(q.fe, GPIO_EVENTQ, NULL);
out:
	if (q.ctl >= 0)
		close(q.ctl);
	vhd_fe_destroy(q.fe);
	free(q.hist);
	free(q.path);
	return rc;
}
