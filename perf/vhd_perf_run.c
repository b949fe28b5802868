/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhd_fe.h"
#include "vhd_perf_cpu.h"
#include "vhd_perf_run.h"
#include "vhd_perf_time.h"

/* No completion for this long while requests are in flight: the backend stalled. */
#define STALL_NS (5ULL * 1000000000ULL)
/* Slots on their own cache lines so the device's writes don't share lines. */
#define SLOT_ALIGN 64u

struct loop {
	const struct vhd_perf_run_cfg *cfg;
	struct vhd_fe *fe;
	struct vhd_fe_ring *ring;
	uint16_t q;
	uint8_t **slot;
	uint64_t *t0;       /* publish time of the request in each slot */
	uint32_t *batch;    /* slots reposted since the last publish */
	uint32_t n_batch;
	uint64_t posted;
	uint64_t completed;
	struct vhd_perf_hist *hist;
	uint64_t be_cpu0;   /* backend CPU time when measuring started */
	bool be_ok;         /* the backend's /proc entry could be read */
};

int
vhd_perf_fe_fail(struct vhd_fe *fe, const char *what, int rc)
{
	const char *why = fe != NULL ? vhd_fe_error(fe) : "";

	fprintf(stderr, "vhd-perf: %s: %s%s%s\n", what, strerror(-rc), why[0] ? ": " : "", why);
	return -1;
}

/* Add request @p seq in slot @p s to the ring; published by flush(). */
static int
add(struct loop *l, uint32_t s, uint64_t seq)
{
	struct vhd_fe_buf bufs[VHD_PERF_GEN_MAX_BUFS];
	unsigned int n_rd, n_wr;
	int rc;

	l->cfg->gen->prepare(&l->cfg->gen_cfg, l->slot[s], seq, bufs, &n_rd, &n_wr);
	rc = vhd_fe_ring_add(l->ring, bufs, n_rd, n_wr, false, (void *)(uintptr_t)s);
	if (rc < 0)
		return vhd_perf_fe_fail(NULL, "adding a chain", rc);
	l->batch[l->n_batch++] = s;
	l->posted++;
	return 0;
}

/* Publish the batch, kicking only when the backend asked to be kicked. */
static int
flush(struct loop *l, struct vhd_perf_result *out)
{
	uint64_t now;
	uint32_t i;
	int rc;

	if (l->n_batch == 0)
		return 0;
	now = vhd_perf_now_ns();
	for (i = 0; i < l->n_batch; i++)
		l->t0[l->batch[i]] = now;
	l->n_batch = 0;
	rc = vhd_fe_publish(l->fe, l->q, true);
	if (rc < 0)
		return vhd_perf_fe_fail(l->fe, "publish", rc);
	out->kicks += (uint64_t)rc;
	return 0;
}

int
vhd_perf_wait_used(struct vhd_fe *fe, uint16_t q, struct vhd_fe_ring *ring,
		   enum vhd_perf_style style, uint64_t stall_ns, struct vhd_perf_result *out)
{
	uint64_t start = vhd_perf_now_ns(), spins = 0;
	int rc;

	for (;;) {
		if (vhd_fe_ring_used_pending(ring) > 0)
			return 1;
		if (style == VHD_PERF_NOTIFY) {
			if (vhd_fe_ring_want_calls(ring, true))
				return 1;
			out->waits++;
			rc = vhd_fe_wait_call(fe, q, (int)(stall_ns / 1000000));
			if (rc < 0)
				return vhd_perf_fe_fail(fe, "waiting for a call", rc);
			if (rc == 0 && vhd_fe_ring_used_pending(ring) == 0)
				return 0;
		} else {
			vhd_perf_spin();
			/* Reading the clock each turn would slow the spin down. */
			if ((++spins & 0xffff) == 0 && vhd_perf_now_ns() - start > stall_ns)
				return 0;
		}
	}
}

/* One-off request of the generator (e.g. gpio line direction) before the loop. */
static int
setup_request(struct loop *l)
{
	const struct vhd_perf_gen *gen = l->cfg->gen;
	struct vhd_fe_buf bufs[VHD_PERF_GEN_MAX_BUFS];
	uint16_t q = gen->setup_queue != 0 ? gen->setup_queue : l->q;
	unsigned int n_rd, n_wr;
	uint16_t id;
	uint32_t len;
	int rc;

	if (gen->setup == NULL || gen->setup(&l->cfg->gen_cfg, l->slot[0], bufs, &n_rd, &n_wr) == 0)
		return 0;
	rc = vhd_fe_post(l->fe, q, bufs, n_rd, n_wr, false, NULL, true);
	if (rc >= 0)
		rc = vhd_fe_wait_used(l->fe, q, (int)(STALL_NS / 1000000));
	if (rc <= 0)
		return vhd_perf_fe_fail(l->fe, "set-up request", rc == 0 ? -ETIMEDOUT : rc);
	vhd_fe_ring_get_used(vhd_fe_queue_ring(l->fe, q), &id, &len, NULL);
	if (gen->complete(&l->cfg->gen_cfg, l->slot[0], len) < 0) {
		fprintf(stderr, "vhd-perf: %s set-up request failed (used length %u)\n",
			gen->name, len);
		return -1;
	}
	memset(l->slot[0], 0, gen->slot_bytes(&l->cfg->gen_cfg));
	return 0;
}

/* Mark the start of the measured part: wall clock, our CPU, the backend's CPU. */
static uint64_t
measure_start(struct loop *l, uint64_t *cpu0)
{
	*cpu0 = vhd_perf_thread_cpu_ns();
	l->be_ok = l->cfg->backend_pid > 0 &&
		   vhd_perf_proc_cpu_ns(l->cfg->backend_pid, &l->be_cpu0) == 0;
	return vhd_perf_now_ns();
}

static int
closed_loop(struct loop *l, struct vhd_perf_result *out)
{
	const struct vhd_perf_run_cfg *cfg = l->cfg;
	uint64_t total = cfg->duration_s > 0 ? UINT64_MAX : cfg->warmup + cfg->count;
	uint64_t m_start = 0, m_end = 0, cpu0 = 0, now, stop_at = UINT64_MAX;
	bool measuring = cfg->warmup == 0;
	int64_t got;
	uint32_t s, len;
	uint16_t id;
	void *cookie;
	int rc;

	vhd_fe_ring_want_calls(l->ring, cfg->style == VHD_PERF_NOTIFY);
	if (measuring) {
		m_start = measure_start(l, &cpu0);
		if (cfg->duration_s > 0)
			stop_at = m_start + (uint64_t)(cfg->duration_s * 1e9);
	}
	for (s = 0; s < cfg->qd && l->posted < total; s++)
		if (add(l, s, l->posted) != 0)
			return -1;
	if (flush(l, out) != 0)
		return -1;
	while (l->completed < l->posted) {
		rc = vhd_perf_wait_used(l->fe, l->q, l->ring, l->cfg->style, STALL_NS, out);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			fprintf(stderr, "vhd-perf: backend stalled: no completion in %llu s with "
				"%lu requests in flight\n", STALL_NS / 1000000000ULL,
				l->posted - l->completed);
			return -1;
		}
		while (vhd_fe_ring_get_used(l->ring, &id, &len, &cookie) == 1) {
			now = vhd_perf_now_ns();
			s = (uint32_t)(uintptr_t)cookie;
			if (s >= cfg->qd) {
				fprintf(stderr, "vhd-perf: used entry with unknown id %u\n", id);
				return -1;
			}
			got = cfg->gen->complete(&cfg->gen_cfg, l->slot[s], len);
			l->completed++;
			if (measuring) {
				vhd_perf_hist_add(l->hist, now - l->t0[s]);
				if (got < 0)
					out->errors++;
				else
					out->bytes += (uint64_t)got;
				out->reqs++;
				m_end = now;
			} else if (l->completed >= cfg->warmup) {
				/* Warm-up over: measure from here on. */
				measuring = true;
				m_start = measure_start(l, &cpu0);
				m_end = m_start;
				out->kicks = 0;
				out->waits = 0;
				if (cfg->duration_s > 0)
					stop_at = m_start + (uint64_t)(cfg->duration_s * 1e9);
			}
			if (l->posted < total && now < stop_at && add(l, s, l->posted) != 0)
				return -1;
		}
		if (flush(l, out) != 0)
			return -1;
	}
	out->elapsed_ns = m_end - m_start;
	if (out->elapsed_ns > 0)
		out->tool_cpu_pct = 100.0 * (double)(vhd_perf_thread_cpu_ns() - cpu0) /
				    (double)out->elapsed_ns;
	if (l->be_ok && vhd_perf_proc_cpu_ns(cfg->backend_pid, &now) == 0) {
		out->backend_cpu_ns = now - l->be_cpu0;
		out->backend_cpu_pct = 100.0 * (double)out->backend_cpu_ns /
				       (double)(vhd_perf_now_ns() - m_start);
	}
	return 0;
}

/*
 * Stay connected with every queue live and nothing posted, and see what the
 * backend's waiting costs: a poller spins, an interrupt-mode worker sleeps,
 * a hybrid one should fall asleep after its poll window.
 */
static void
idle_window(struct loop *l, struct vhd_perf_result *out)
{
	uint64_t c0, c1, t0, t1;

	if (l->cfg->backend_pid <= 0 || l->cfg->idle_s <= 0)
		return;
	if (vhd_perf_proc_cpu_ns(l->cfg->backend_pid, &c0) != 0)
		return;
	t0 = vhd_perf_now_ns();
	usleep((useconds_t)(l->cfg->idle_s * 1e6));
	if (vhd_perf_proc_cpu_ns(l->cfg->backend_pid, &c1) != 0)
		return;
	t1 = vhd_perf_now_ns();
	out->idle_s = (double)(t1 - t0) / 1e9;
	out->backend_idle_cpu_pct = 100.0 * (double)(c1 - c0) / (double)(t1 - t0);
}

int
vhd_perf_run(const struct vhd_perf_run_cfg *cfg, struct vhd_perf_result *out)
{
	const struct vhd_perf_gen *gen = cfg->gen;
	uint32_t slot_sz = (gen->slot_bytes(&cfg->gen_cfg) + SLOT_ALIGN - 1) & ~(SLOT_ALIGN - 1);
	struct vhd_fe_opts fo = { 0 };
	struct loop l = { .cfg = cfg };
	uint32_t ring = cfg->ring_size, need = cfg->qd * gen->descs;
	uint64_t want;
	uint16_t q;
	int rc = -1, err;
	uint32_t s;

	memset(out, 0, sizeof(*out));
	out->device = gen->name;
	out->style = cfg->style == VHD_PERF_POLL ? "poll" : "notify";
	out->qd = cfg->qd;
	out->size = cfg->gen_cfg.size;
	out->backend_cpu_pct = -1;
	out->backend_idle_cpu_pct = -1;
	if (ring == 0)
		for (ring = 8; ring < need; ring *= 2)
			;
	if (ring < need || ring > 32768) {
		fprintf(stderr, "vhd-perf: a ring of %u can't hold --qd %u requests of %u "
			"descriptors (at most 32768)\n", ring, cfg->qd, gen->descs);
		return -1;
	}
	l.slot = calloc(cfg->qd, sizeof(*l.slot));
	l.t0 = calloc(cfg->qd, sizeof(*l.t0));
	l.batch = calloc(cfg->qd, sizeof(*l.batch));
	l.hist = malloc(sizeof(*l.hist));
	if (l.slot == NULL || l.t0 == NULL || l.batch == NULL || l.hist == NULL) {
		fprintf(stderr, "vhd-perf: out of memory\n");
		goto out;
	}
	vhd_perf_hist_init(l.hist);
	/* Rings of every queue, the slots, and slack for alignment. */
	fo.mem_size = (uint64_t)cfg->qd * slot_sz + (uint64_t)gen->num_queues * ring * 32 +
		      (4u << 20);
	l.fe = vhd_fe_create(&fo);
	if (l.fe == NULL) {
		vhd_perf_fe_fail(NULL, "creating the frontend", -errno);
		goto out;
	}
	err = vhd_fe_connect(l.fe, cfg->socket, (int)cfg->connect_ms);
	if (err != 0) {
		vhd_perf_fe_fail(l.fe, cfg->socket, err);
		goto out;
	}
	/*
	 * EVENT_IDX as a guest kernel would; no indirect descriptors, which our
	 * one- to three-buffer chains don't need.
	 */
	want = VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_EVENT_IDX) | gen->features;
	if (cfg->packed) {
		want |= VHD_BIT(VHD_F_RING_PACKED);
		vhd_fe_want_packed(l.fe, true);
	}
	err = vhd_fe_negotiate(l.fe, want, VHD_FE_PROTO_DEFAULT);
	if (err != 0) {
		vhd_perf_fe_fail(l.fe, "negotiation", err);
		goto out;
	}
	if (cfg->packed && !(vhd_fe_features(l.fe) & VHD_BIT(VHD_F_RING_PACKED))) {
		fprintf(stderr, "vhd-perf: the backend does not offer packed rings\n");
		goto out;
	}
	/* rte_vhost only starts a device once every ring it knows of is live. */
	for (q = 0; q < gen->num_queues; q++) {
		err = vhd_fe_queue_setup(l.fe, q, (uint16_t)ring);
		if (err == 0)
			err = vhd_fe_queue_start(l.fe, q);
		if (err != 0) {
			vhd_perf_fe_fail(l.fe, "queue set-up", err);
			goto out;
		}
	}
	l.q = gen->queue;
	l.ring = vhd_fe_queue_ring(l.fe, l.q);
	for (s = 0; s < cfg->qd; s++) {
		l.slot[s] = vhd_fe_mem_alloc(vhd_fe_mem(l.fe), slot_sz, SLOT_ALIGN, NULL);
		if (l.slot[s] == NULL) {
			fprintf(stderr, "vhd-perf: guest memory arena too small for --qd %u\n",
				cfg->qd);
			goto out;
		}
	}
	if (setup_request(&l) != 0 || closed_loop(&l, out) != 0)
		goto out;
	vhd_perf_hist_summary(l.hist, &out->lat);
	if (gen->local != NULL)
		out->path_name = gen->local(&cfg->gen_cfg, &out->path);
	idle_window(&l, out);
	rc = 0;
	/* Stop cleanly so the backend logs an orderly stop, not a lost guest. */
	for (q = 0; q < gen->num_queues; q++)
		if (vhd_fe_queue_started(l.fe, q))
			vhd_fe_queue_stop(l.fe, q, NULL);
out:
	vhd_fe_destroy(l.fe);
	free(l.slot);
	free(l.t0);
	free(l.batch);
	free(l.hist);
	return rc;
}

void
vhd_perf_meter_start(struct vhd_perf_meter *m, const struct vhd_perf_run_cfg *cfg,
		     struct vhd_perf_result *out)
{
	m->start_ns = vhd_perf_now_ns();
	m->cpu0 = vhd_perf_thread_cpu_ns();
	m->be_ok = cfg->backend_pid > 0 && vhd_perf_proc_cpu_ns(cfg->backend_pid, &m->be0) == 0;
	m->stop_at = cfg->duration_s > 0 ? m->start_ns + (uint64_t)(cfg->duration_s * 1e9) :
					   UINT64_MAX;
	out->kicks = 0;
	out->waits = 0;
}

void
vhd_perf_meter_stop(const struct vhd_perf_meter *m, const struct vhd_perf_run_cfg *cfg,
		    struct vhd_perf_result *out)
{
	uint64_t be1;

	out->elapsed_ns = vhd_perf_now_ns() - m->start_ns;
	out->tool_cpu_pct = 100.0 * (double)(vhd_perf_thread_cpu_ns() - m->cpu0) /
			    (double)out->elapsed_ns;
	if (m->be_ok && vhd_perf_proc_cpu_ns(cfg->backend_pid, &be1) == 0) {
		out->backend_cpu_ns = be1 - m->be0;
		out->backend_cpu_pct = 100.0 * (double)out->backend_cpu_ns /
				       (double)out->elapsed_ns;
	}
}
