/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * DPDK telemetry commands (read them with dpdk-telemetry.py):
 *   /vhost_device/list          device ids and their socket paths
 *   /vhost_device/info,<id>     type, socket, mode, lcore, connection
 *   /vhost_device/stats,<id>    counters, device totals and per queue, and the
 *                               driver's own under its type name
 *   /vhost_device/queues,<id>   per queue: state, our ring indexes and the
 *                               guest's (what a stalled queue is told from)
 * Counters are read without stopping the workers: each is a naturally
 * aligned 64-bit word, so a read is never torn.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "vhd_internal.h"

static const char *
mode_name(enum vhd_mode m)
{
	return m == VHD_MODE_POLL ? "poll" : m == VHD_MODE_INTERRUPT ? "interrupt" : "hybrid";
}

static struct vhd_dev *
dev_from_params(const char *params)
{
	uint64_t id;

	if (params == NULL || vhd_parse_u64(params, 0, VHD_MAX_DEVS - 1, &id) != 0 ||
	    id >= vhd_ndevs)
		return NULL;
	return vhd_devs[id];
}

static int
cmd_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int i;
	char key[16];

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (i = 0; i < vhd_ndevs; i++) {
		snprintf(key, sizeof(key), "%u", i);
		rte_tel_data_add_dict_string(d, key, vhd_devs[i]->path);
	}
	return 0;
}

static int
cmd_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vhd_dev *dev = dev_from_params(params);

	(void)cmd;
	if (dev == NULL)
		return -1;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "type", dev->ops->name);
	rte_tel_data_add_dict_string(d, "socket", dev->path);
	rte_tel_data_add_dict_string(d, "mode", mode_name(dev->opts.mode));
	rte_tel_data_add_dict_u64(d, "lcore", dev->worker->lcore);
	rte_tel_data_add_dict_u64(d, "connected", dev->vid >= 0);
	rte_tel_data_add_dict_u64(d, "connections", dev->connections);
	rte_tel_data_add_dict_u64(d, "rejected_connections", dev->rejected_conns);
	rte_tel_data_add_dict_u64(d, "refused_messages", dev->msg.refused);
	rte_tel_data_add_dict_u64(d, "message_fds_closed", dev->msg.fds_closed);
	rte_tel_data_add_dict_u64(d, "bad_rings", dev->msg.bad_rings);
	rte_tel_data_add_dict_u64(d, "channel_fds", dev->msg.channels);
	rte_tel_data_add_dict_u64(d, "held_dropped", dev->held_dropped);
	rte_tel_data_add_dict_u64(d, "inflight_resubmitted", dev->resubmitted);
	rte_tel_data_add_dict_u64(d, "features", dev->features);
	rte_tel_data_add_dict_u64(d, "queues", dev->ops->num_queues);
	/* worker services and interrupt mode's spin (vhd_spin.h) */
	rte_tel_data_add_dict_u64(d, "config_changes",
				  __atomic_load_n(&dev->config_changes, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "config_changes_skipped",
				  __atomic_load_n(&dev->config_changes_skipped, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "spin_window_ns",
				  __atomic_load_n(&dev->spin.window, __ATOMIC_RELAXED) * 1000000 /
				  (rte_get_tsc_hz() / 1000));
	rte_tel_data_add_dict_u64(d, "spin_caught",
				  __atomic_load_n(&dev->spin.caught, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "spin_missed",
				  __atomic_load_n(&dev->spin.missed, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "spin_long_gaps",
				  __atomic_load_n(&dev->spin.long_gaps, __ATOMIC_RELAXED));
	return 0;
}

#define STAT_FIELDS(X) \
	X(requests) X(bytes_rd) X(bytes_wr) X(bad_chains) X(bad_avail) X(calls) \
	X(calls_suppressed) X(kicks) X(busy_polls) X(idle_polls)

static void
put_u64(void *ctx, const char *name, uint64_t v)
{
	rte_tel_data_add_dict_u64(ctx, name, v);
}

static const char *
state_name(enum vhd_q_state st)
{
	return st == VHD_Q_RUNNING ? "running" : st == VHD_Q_PAUSED ? "paused" : "stopped";
}

static int
cmd_queues(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vhd_dev *dev = dev_from_params(params);
	uint16_t i;
	char key[16];

	(void)cmd;
	if (dev == NULL)
		return -1;
	rte_tel_data_start_dict(d);
	/* ctl keeps the memory table and the queues' states from changing. No pause:
	 * resuming wakes the worker, which would hide the stall being looked at.
	 */
	pthread_mutex_lock(&dev->ctl);
	for (i = 0; i < dev->ops->num_queues; i++) {
		const struct vhd_queue *q = &dev->q[i];
		struct rte_tel_data *qd = rte_tel_data_alloc();
		struct vhd_vq_peek pk;

		if (qd == NULL)
			break;
		rte_tel_data_start_dict(qd);
		rte_tel_data_add_dict_string(qd, "state", state_name(q->state));
		rte_tel_data_add_dict_u64(qd, "kick_fd", q->kick_fd >= 0);
		rte_tel_data_add_dict_u64(qd, "retry", q->retry);
		if (q->state == VHD_Q_RUNNING) {
			vhd_vq_peek(&q->vq, &pk);
			rte_tel_data_add_dict_u64(qd, "packed", q->vq.packed);
			rte_tel_data_add_dict_u64(qd, "size", q->vq.size);
			rte_tel_data_add_dict_u64(qd, "event_idx", q->vq.event_idx);
			rte_tel_data_add_dict_u64(qd, "kicks_armed", q->vq.kicks == VHD_VQ_KICKS_ON);
			rte_tel_data_add_dict_u64(qd, "last_avail", vhd_vq_last_avail(&q->vq));
			rte_tel_data_add_dict_u64(qd, "used_idx", vhd_vq_used_idx(&q->vq));
			rte_tel_data_add_dict_u64(qd, "signalled_used", q->vq.signalled_used);
			rte_tel_data_add_dict_u64(qd, "signalled_valid", q->vq.signalled_valid);
			rte_tel_data_add_dict_u64(qd, "unpublished", pk.unpublished);
			rte_tel_data_add_dict_u64(qd, "pending", pk.pending);
			rte_tel_data_add_dict_u64(qd, "guest_avail_idx", pk.avail_idx);
			rte_tel_data_add_dict_u64(qd, "guest_avail_flags", pk.avail_flags);
			rte_tel_data_add_dict_u64(qd, "guest_used_event", pk.used_event);
			rte_tel_data_add_dict_u64(qd, "guest_used_idx", pk.guest_used_idx);
		}
		snprintf(key, sizeof(key), "queue%u", i);
		rte_tel_data_add_dict_container(d, key, qd, 0);
	}
	pthread_mutex_unlock(&dev->ctl);
	return 0;
}

static int
cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vhd_dev *dev = dev_from_params(params);
	struct vhd_vq_stats tot;
	uint16_t i;
	char key[16];

	(void)cmd;
	if (dev == NULL)
		return -1;
	memset(&tot, 0, sizeof(tot));
	rte_tel_data_start_dict(d);
	for (i = 0; i < dev->ops->num_queues; i++) {
		const struct vhd_vq_stats *s = &dev->q[i].vq.stats;
		struct rte_tel_data *qd = rte_tel_data_alloc();

		if (qd == NULL)
			return -1;
		rte_tel_data_start_dict(qd);
#define X(f) tot.f += s->f; rte_tel_data_add_dict_u64(qd, #f, s->f);
		STAT_FIELDS(X)
#undef X
		snprintf(key, sizeof(key), "queue%u", i);
		rte_tel_data_add_dict_container(d, key, qd, 0);
	}
#define X(f) rte_tel_data_add_dict_u64(d, #f, tot.f);
	STAT_FIELDS(X)
#undef X
	if (dev->ops->get_stats != NULL) {
		struct rte_tel_data *dd = rte_tel_data_alloc();

		if (dd == NULL)
			return -1;
		rte_tel_data_start_dict(dd);
		dev->ops->get_stats(dev->priv, put_u64, dd);
		rte_tel_data_add_dict_container(d, dev->ops->name, dd, 0);
	}
	return 0;
}

void
vhd_telemetry_init(void)
{
	rte_telemetry_register_cmd("/vhost_device/list", cmd_list,
				   "Device ids and sockets. Takes no parameters");
	rte_telemetry_register_cmd("/vhost_device/info", cmd_info,
				   "Device type, socket, mode, lcore. Parameters: int device id");
	rte_telemetry_register_cmd("/vhost_device/queues", cmd_queues,
				   "Per queue: state, our ring indexes and the guest's. "
				   "Parameters: int device id");
	rte_telemetry_register_cmd("/vhost_device/stats", cmd_stats,
				   "Device and per-queue counters. Parameters: int device id");
}
