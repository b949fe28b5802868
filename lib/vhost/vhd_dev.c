/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Device registration and the rte_vhost callbacks (control side).
 *
 * rte_vhost's new_device is not a usable start signal for non-net devices,
 * so queues are started and stopped one by one:
 *  - vring_state_changed(enable): STOPPED -> RUNNING (driver queue_start) or
 *    PAUSED -> RUNNING (same driver state, fresh fds and ring addresses);
 *  - vring_state_changed(disable): RUNNING -> PAUSED; rte_vhost reports this
 *    around every SET_VRING_CALL/KICK, so held requests must survive it;
 *  - GET_VRING_BASE, disconnect: -> STOPPED (driver queue_stop). Our
 *    indexes are written back into rte_vhost first so that GET_VRING_BASE
 *    replies with the true last_avail;
 *  - SET_MEM_TABLE: -> STOPPED, or PAUSED for drivers whose held requests
 *    survive a remap; running queues are restarted after the new table.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_log.h>
#include <rte_pause.h>
#include <rte_vhost.h>

#include "vhd_internal.h"

struct vhd_dev *vhd_devs[VHD_MAX_DEVS];
unsigned int vhd_ndevs;

#define DLOG(dev, lvl, fmt, ...) \
	rte_log(RTE_LOG_##lvl, (dev)->log_type, "%s: " fmt "\n", (dev)->path, ##__VA_ARGS__)


void
vhd_dev_pause(struct vhd_dev *dev)
{
	__atomic_add_fetch(&dev->pause, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&dev->busy, __ATOMIC_SEQ_CST))
		rte_pause();
}

/*
 * Driver fd callbacks complete held requests. While a queue is paused its
 * ring may belong to a memory table that is gone, so driver fds are
 * disarmed (not just skipped: a level-triggered fd would spin the worker)
 * until no queue is paused. Device paused.
 */
static void
sync_watches(struct vhd_dev *dev)
{
	struct epoll_event ev;
	bool off = false;
	unsigned int i;

	for (i = 0; i < dev->ops->num_queues; i++)
		if (dev->q[i].state == VHD_Q_PAUSED)
			off = true;
	if (off == dev->watches_off)
		return;
	dev->watches_off = off;
	for (i = 0; i < VHD_MAX_WATCH; i++) {
		if (dev->watch[i].fd < 0)
			continue;
		ev.events = off ? 0 : dev->watch[i].events;
		ev.data.ptr = &dev->watch[i].ev;
		epoll_ctl(dev->worker->epfd, EPOLL_CTL_MOD, dev->watch[i].fd, &ev);
	}
}

void
vhd_dev_resume(struct vhd_dev *dev)
{
	sync_watches(dev);
	__atomic_sub_fetch(&dev->pause, 1, __ATOMIC_SEQ_CST);
	/* The worker may sleep with stale kick settings: make it look again. */
	vhd_worker_wake(dev->worker);
}

static struct vhd_dev *
dev_by_vid(int vid)
{
	char name[PATH_MAX];
	unsigned int i;

	if (rte_vhost_get_ifname(vid, name, sizeof(name)) != 0)
		return NULL;
	for (i = 0; i < vhd_ndevs; i++)
		if (strcmp(vhd_devs[i]->path, name) == 0)
			return vhd_devs[i];
	return NULL;
}

/* Rebuild our copy of the guest memory table. Device paused. */
static int
load_mem(struct vhd_dev *dev)
{
	struct rte_vhost_memory *m = NULL;
	uint32_t i;

	if (rte_vhost_get_mem_table(dev->vid, &m) != 0 || m == NULL)
		return -1;
	memset(&dev->mem, 0, sizeof(dev->mem));
	for (i = 0; i < m->nregions && i < VHD_MEM_MAX_REGIONS; i++) {
		dev->mem.regions[i].gpa = m->regions[i].guest_phys_addr;
		dev->mem.regions[i].size = m->regions[i].size;
		dev->mem.regions[i].hva = (uint8_t *)(uintptr_t)m->regions[i].host_user_addr;
	}
	dev->mem.nregions = i;
	free(m);
	return 0;
}

static void
close_fds(struct vhd_dev *dev, struct vhd_queue *q)
{
	if (q->kick_fd >= 0) {
		epoll_ctl(dev->worker->epfd, EPOLL_CTL_DEL, q->kick_fd, NULL);
		close(q->kick_fd);
	}
	if (q->call_fd >= 0)
		close(q->call_fd);
	q->kick_fd = -1;
	q->call_fd = -1;
	q->vq.call_fd = -1;
}

/* Publish what the worker left unpublished and hand our indexes to
 * rte_vhost, which answers GET_VRING_BASE from them. Device paused.
 */
static void
sync_base(struct vhd_dev *dev, uint16_t qi)
{
	struct vhd_queue *q = &dev->q[qi];

	vhd_vq_notify(&q->vq);
	/* Packed rings: wrap counters in bit 15, as rte_vhost encodes them. */
	rte_vhost_set_vring_base(dev->vid, qi, vhd_vq_last_avail(&q->vq), vhd_vq_used_idx(&q->vq));
}

bool
vhd_dev_must_poll(const struct vhd_dev *dev)
{
	uint16_t i;

	/* The spec: a ring set up without a kick fd (NOFD) is polled. */
	for (i = 0; i < dev->ops->num_queues; i++)
		if (__atomic_load_n(&dev->q[i].state, __ATOMIC_ACQUIRE) == VHD_Q_RUNNING &&
		    __atomic_load_n(&dev->q[i].kick_fd, __ATOMIC_RELAXED) < 0)
			return true;
	return false;
}

/* Device paused. */
static int
queue_run(struct vhd_dev *dev, uint16_t qi)
{
	struct vhd_queue *q = &dev->q[qi];
	struct rte_vhost_vring vr;
	struct vhd_vq_config cfg;
	struct epoll_event ev;
	uint16_t last_avail, last_used;

	if (q->state == VHD_Q_RUNNING)
		return 0;
	if (rte_vhost_get_vhost_vring(dev->vid, qi, &vr) != 0 || vr.desc == NULL)
		return -1;
	if (vr.size > dev->ops->max_queue_size) {
		DLOG(dev, ERR, "queue %u size %u exceeds %u", qi, vr.size,
		     dev->ops->max_queue_size);
		return -1;
	}
	if (load_mem(dev) != 0)
		return -1;
	if (!dev->features_told) {
		if (rte_vhost_get_negotiated_features(dev->vid, &dev->features) != 0)
			return -1;
		if (dev->ops->set_features != NULL)
			dev->ops->set_features(dev->priv, dev->features);
		dev->features_told = true;
	}
	/* rte_vhost keeps ring pointers whose length check failed. */
	if (!vhd_msg_ring_fits(&dev->mem, vr.desc, vr.avail, vr.used, vr.size,
			       (dev->features & VHD_BIT(VHD_F_RING_PACKED)) != 0)) {
		dev->msg.bad_rings++;
		DLOG(dev, ERR, "queue %u: ring of %u entries not inside guest memory", qi,
		     vr.size);
		return -1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.desc = vr.desc;
	cfg.avail = vr.avail;
	cfg.used = vr.used;
	cfg.size = vr.size;
	cfg.features = dev->features;
	cfg.mem = &dev->mem;
	if (q->state == VHD_Q_PAUSED) {
		cfg.last_avail = vhd_vq_last_avail(&q->vq);
		cfg.used_idx = vhd_vq_used_idx(&q->vq);
		cfg.resume = true;
	} else {
		rte_vhost_get_vring_base(dev->vid, qi, &last_avail, &last_used);
		cfg.last_avail = last_avail;
		cfg.used_idx = last_used;
	}
	close_fds(dev, q);
	q->kick_fd = vr.kickfd >= 0 ? fcntl(vr.kickfd, F_DUPFD_CLOEXEC, 0) : -1;
	q->call_fd = vr.callfd >= 0 ? fcntl(vr.callfd, F_DUPFD_CLOEXEC, 0) : -1;
	cfg.call_fd = q->call_fd;
	if (vhd_vq_setup(&q->vq, &cfg) != 0) {
		DLOG(dev, ERR, "queue %u: unusable ring (size %u)", qi, vr.size);
		close_fds(dev, q);
		return -1;
	}
	if (vhd_inflight_attach(dev, qi) != 0) {
		close_fds(dev, q);
		return -1;
	}
	vhd_inflight_state(dev);
	if (q->kick_fd >= 0) {
		fcntl(q->kick_fd, F_SETFL, fcntl(q->kick_fd, F_GETFL) | O_NONBLOCK);
		ev.events = EPOLLIN;
		ev.data.ptr = &q->ev;
		epoll_ctl(dev->worker->epfd, EPOLL_CTL_ADD, q->kick_fd, &ev);
	}
	vhd_vq_set_kicks(&q->vq, dev->opts.mode == VHD_MODE_POLL || q->kick_fd < 0 ?
				 VHD_VQ_KICKS_OFF : VHD_VQ_KICKS_ON);
	if (q->state == VHD_Q_STOPPED && dev->ops->queue_start != NULL &&
	    dev->ops->queue_start(dev->priv, qi, &q->vq) != 0) {
		DLOG(dev, ERR, "queue %u: device refused to start it", qi);
		close_fds(dev, q);
		return -1;
	}
	q->retry = false;
	q->stale = false;
	q->state = VHD_Q_RUNNING;
	DLOG(dev, INFO, "queue %u running, %s, size %u, avail %#x used %#x", qi,
	     q->vq.packed ? "packed" : "split", vr.size, vhd_vq_last_avail(&q->vq),
	     vhd_vq_used_idx(&q->vq));
	return 0;
}

/*
 * queue_stop() of a queue whose ring died with an old memory table: what
 * the driver completes goes to a scratch ring nobody reads, and is counted.
 * Device paused.
 */
static void
stop_stale(struct vhd_dev *dev, uint16_t qi)
{
	static const struct vhd_mem none;
	struct vhd_queue *q = &dev->q[qi];
	struct vhd_vq_config cfg;
	uint16_t avail = q->vq.last_avail, used = q->vq.used_idx;
	uint32_t n = q->vq.size;
	uint32_t avail_sz = (6 + 2 * n + 7) & ~7u;
	uint8_t *scratch = calloc(1, 16 * n + avail_sz + 8 + 8 * n);

	memset(&cfg, 0, sizeof(cfg));
	cfg.desc = scratch;
	cfg.avail = scratch + 16 * n;
	cfg.used = scratch + 16 * n + avail_sz;
	cfg.size = (uint16_t)n;
	cfg.last_avail = avail;
	cfg.used_idx = used;
	cfg.features = dev->features;
	cfg.mem = &none;
	cfg.call_fd = -1;
	if (scratch != NULL && vhd_vq_setup(&q->vq, &cfg) == 0) {
		dev->ops->queue_stop(dev->priv, qi, &q->vq);
		vhd_vq_flush(&q->vq);
		dev->held_dropped += (uint16_t)(q->vq.used_idx - used);
	} else {
		DLOG(dev, ERR, "queue %u: no scratch ring, held requests forgotten", qi);
	}
	free(scratch);
	q->vq.last_avail = avail;
	q->vq.used_idx = used;
	q->vq.mem = &dev->mem;
}

/* Device paused. */
static void
queue_halt(struct vhd_dev *dev, uint16_t qi, enum vhd_q_state to)
{
	struct vhd_queue *q = &dev->q[qi];

	if (q->state == VHD_Q_STOPPED)
		return;
	if (to == VHD_Q_STOPPED)
		vhd_svc_drain(dev); /* completions may still push used entries */
	if (q->state == VHD_Q_RUNNING)
		sync_base(dev, qi);
	if (to == VHD_Q_STOPPED && dev->ops->queue_stop != NULL && q->stale)
		stop_stale(dev, qi);
	else if (to == VHD_Q_STOPPED && dev->ops->queue_stop != NULL)
		dev->ops->queue_stop(dev->priv, qi, &q->vq);
	if (to == VHD_Q_STOPPED)
		q->stale = false;
	close_fds(dev, q);
	if (to == VHD_Q_STOPPED)
		rte_vhost_set_vring_base(dev->vid, qi, vhd_vq_last_avail(&q->vq),
					 vhd_vq_used_idx(&q->vq));
	q->state = to;
	DLOG(dev, INFO, "queue %u %s at avail %#x used %#x", qi,
	     to == VHD_Q_STOPPED ? "stopped" : "paused", vhd_vq_last_avail(&q->vq),
	     vhd_vq_used_idx(&q->vq));
}

static void
halt_all(struct vhd_dev *dev, enum vhd_q_state to)
{
	uint16_t i;

	for (i = 0; i < dev->ops->num_queues; i++)
		queue_halt(dev, i, to);
}

/* Stop every queue for real; with @p forget, also drop the connection. */
static void
stop_all(struct vhd_dev *dev, bool forget)
{
	pthread_mutex_lock(&dev->ctl);
	vhd_dev_pause(dev);
	halt_all(dev, VHD_Q_STOPPED);
	if (forget) {
		dev->vid = -1;
		memset(&dev->mem, 0, sizeof(dev->mem));
	}
	vhd_dev_resume(dev);
	pthread_mutex_unlock(&dev->ctl);
}

static int
on_vring_state(int vid, uint16_t qi, int enable)
{
	struct vhd_dev *dev = dev_by_vid(vid);
	int rc = 0;

	if (dev == NULL || qi >= dev->ops->num_queues)
		return 0;
	pthread_mutex_lock(&dev->ctl);
	vhd_dev_pause(dev);
	if (enable)
		rc = queue_run(dev, qi);
	else
		queue_halt(dev, qi, VHD_Q_PAUSED);
	vhd_dev_resume(dev);
	pthread_mutex_unlock(&dev->ctl);
	return rc;
}

static enum rte_vhost_msg_result
reply_config(struct vhd_dev *dev, struct vhu_msg *m)
{
	uint32_t off = m->payload.cfg.offset, len = m->payload.cfg.size;

	if (len > sizeof(m->payload.cfg.region) || off > dev->ops->config_size ||
	    len > dev->ops->config_size - off) {
		DLOG(dev, ERR, "GET_CONFIG out of range: offset %u size %u", off, len);
		return RTE_VHOST_MSG_RESULT_ERR;
	}
	memset(m->payload.cfg.region, 0, len);
	if (dev->ops->get_config != NULL &&
	    dev->ops->get_config(dev->priv, m->payload.cfg.region, off, len) != 0)
		return RTE_VHOST_MSG_RESULT_ERR;
	m->size = VHU_CONFIG_HDR + len;
	return RTE_VHOST_MSG_RESULT_REPLY;
}

static enum rte_vhost_msg_result
pre_msg(int vid, void *msg)
{
	struct vhd_dev *dev = dev_by_vid(vid);
	struct vhu_ctx *ctx = msg;
	struct vhu_msg *m = &ctx->msg;
	enum rte_vhost_msg_result r = RTE_VHOST_MSG_RESULT_NOT_HANDLED;

	if (dev == NULL)
		return r;
	if (vhd_msg_check(dev, ctx) != 0)
		return RTE_VHOST_MSG_RESULT_ERR;
	switch (m->request) {
	case VHU_GET_INFLIGHT_FD:
		return vhd_inflight_get(dev, ctx);
	case VHU_GET_QUEUE_NUM:
		vhd_msg_drop_fds(dev, ctx);
		m->payload.u64 = dev->ops->num_queues;
		m->size = sizeof(m->payload.u64);
		return RTE_VHOST_MSG_RESULT_REPLY;
	case VHU_GET_CONFIG:
		vhd_msg_drop_fds(dev, ctx);
		return reply_config(dev, m);
	case VHU_SET_CONFIG:
		vhd_msg_drop_fds(dev, ctx);
		if (dev->ops->set_config == NULL)
			return RTE_VHOST_MSG_RESULT_OK; /* read-only config: ignore */
		if (m->payload.cfg.size > sizeof(m->payload.cfg.region))
			return RTE_VHOST_MSG_RESULT_ERR;
		pthread_mutex_lock(&dev->ctl);
		vhd_dev_pause(dev);
		r = dev->ops->set_config(dev->priv, m->payload.cfg.region, m->payload.cfg.offset,
					 m->payload.cfg.size) == 0 ? RTE_VHOST_MSG_RESULT_OK :
								     RTE_VHOST_MSG_RESULT_ERR;
		vhd_dev_resume(dev);
		pthread_mutex_unlock(&dev->ctl);
		return r;
	case VHU_SET_VRING_KICK:
		vhd_inflight_sanitize(dev, (uint16_t)(m->payload.u64 & VHU_VRING_IDX_MASK));
		return r;
	case VHU_GET_VRING_BASE:
		if (m->payload.state.index < dev->ops->num_queues) {
			pthread_mutex_lock(&dev->ctl);
			vhd_dev_pause(dev);
			queue_halt(dev, (uint16_t)m->payload.state.index, VHD_Q_STOPPED);
			vhd_dev_resume(dev);
			pthread_mutex_unlock(&dev->ctl);
		}
		return r;
	case VHU_SET_MEM_TABLE: {
		uint16_t i;

		/* Held requests may point into the old mapping: stop for real
		 * unless the driver holds guest addresses only; restart in
		 * post_msg() what was serving (rte_vhost reports no state
		 * change when the rings stay ready).
		 */
		pthread_mutex_lock(&dev->ctl);
		vhd_dev_pause(dev);
		dev->restart_mask = 0;
		for (i = 0; i < dev->ops->num_queues; i++)
			if (dev->q[i].state != VHD_Q_STOPPED)
				dev->restart_mask |= 1u << i;
		/* No I/O may target the mapping about to go away. */
		vhd_svc_drain(dev);
		halt_all(dev, dev->ops->held_survive_remap ? VHD_Q_PAUSED : VHD_Q_STOPPED);
		for (i = 0; i < dev->ops->num_queues; i++)
			if (dev->q[i].state == VHD_Q_PAUSED)
				dev->q[i].stale = true;
		vhd_dev_resume(dev);
		pthread_mutex_unlock(&dev->ctl);
		return r;
	}
	default:
		return r;
	}
}

static enum rte_vhost_msg_result
post_msg(int vid, void *msg)
{
	struct vhd_dev *dev = dev_by_vid(vid);
	struct vhu_msg *m = msg;
	uint16_t i;

	if (dev == NULL || m->request != VHU_SET_MEM_TABLE || dev->restart_mask == 0)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	/* rte_vhost has mapped the new table and translated the rings again. */
	pthread_mutex_lock(&dev->ctl);
	vhd_dev_pause(dev);
	for (i = 0; i < dev->ops->num_queues; i++)
		if ((dev->restart_mask & (1u << i)) && queue_run(dev, i) != 0)
			DLOG(dev, ERR, "queue %u: cannot restart after a memory table change", i);
	dev->restart_mask = 0;
	vhd_dev_resume(dev);
	pthread_mutex_unlock(&dev->ctl);
	return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
}

static const struct rte_vhost_user_extern_ops extern_ops = {
	.pre_msg_handle = pre_msg,
	.post_msg_handle = post_msg,
};

static int
on_new_connection(int vid)
{
	struct vhd_dev *dev = dev_by_vid(vid);

	if (dev == NULL)
		return -1;
	pthread_mutex_lock(&dev->ctl);
	if (dev->vid >= 0) {
		/* One guest per socket: a second frontend would share our rings. */
		dev->rejected_conns++;
		pthread_mutex_unlock(&dev->ctl);
		DLOG(dev, WARNING, "refusing a second frontend connection");
		return -1;
	}
	dev->vid = vid;
	dev->features_told = false;
	dev->connections++;
	vhd_msg_conn_reset(dev);
	vhd_inflight_conn_reset(dev);
	if (dev->ops->reset != NULL) {
		vhd_dev_pause(dev);
		dev->ops->reset(dev->priv);
		vhd_dev_resume(dev);
	}
	pthread_mutex_unlock(&dev->ctl);
	if (rte_vhost_extern_callback_register(vid, &extern_ops, dev) != 0) {
		DLOG(dev, ERR, "cannot register message handlers");
		return -1;
	}
	DLOG(dev, INFO, "frontend connected");
	return 0;
}

static void
on_destroy_connection(int vid)
{
	struct vhd_dev *dev = dev_by_vid(vid);

	if (dev == NULL || dev->vid != vid)
		return;
	stop_all(dev, true);
	vhd_inflight_state_end(dev);
	DLOG(dev, INFO, "frontend disconnected");
}

static int
on_new_device(int vid)
{
	(void)vid;
	return 0;
}

static void
on_destroy_device(int vid)
{
	struct vhd_dev *dev = dev_by_vid(vid);

	/* rte_vhost is about to reset rings (RESET_OWNER, mem table change). */
	if (dev == NULL || dev->vid != vid)
		return;
	stop_all(dev, false);
}

static const struct rte_vhost_device_ops vhost_ops = {
	.new_device = on_new_device,
	.destroy_device = on_destroy_device,
	.vring_state_changed = on_vring_state,
	.new_connection = on_new_connection,
	.destroy_connection = on_destroy_connection,
};

/* Driver-facing services (struct vhd_host). */
static int
host_watch_fd(struct vhd_host *host, int fd, uint32_t events, vhd_fd_cb cb, void *arg)
{
	struct vhd_dev *dev = host->ctx;
	struct epoll_event ev;
	unsigned int i;

	for (i = 0; i < VHD_MAX_WATCH; i++) {
		struct vhd_watch *w = &dev->watch[i];

		if (w->fd >= 0)
			continue;
		w->cb = cb;
		w->arg = arg;
		w->events = events;
		ev.events = dev->watches_off ? 0 : events;
		ev.data.ptr = &w->ev;
		if (epoll_ctl(dev->worker->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
			return -errno;
		__atomic_store_n(&w->fd, fd, __ATOMIC_RELEASE);
		__atomic_add_fetch(&dev->worker->nwatch, 1, __ATOMIC_RELAXED);
		return 0;
	}
	return -ENOSPC;
}

static void
host_unwatch_fd(struct vhd_host *host, int fd)
{
	struct vhd_dev *dev = host->ctx;
	unsigned int i;

	for (i = 0; i < VHD_MAX_WATCH; i++) {
		if (dev->watch[i].fd == fd) {
			epoll_ctl(dev->worker->epfd, EPOLL_CTL_DEL, fd, NULL);
			__atomic_store_n(&dev->watch[i].fd, -1, __ATOMIC_RELEASE);
			__atomic_sub_fetch(&dev->worker->nwatch, 1, __ATOMIC_RELAXED);
		}
	}
}

static void
host_wake(struct vhd_host *host)
{
	struct vhd_dev *dev = host->ctx;

	__atomic_store_n(&dev->woken, true, __ATOMIC_RELEASE);
	vhd_worker_wake(dev->worker);
}

static int
offer(struct vhd_dev *dev)
{
	uint64_t f = dev->ops->features | VHD_BIT(VHD_F_VERSION_1) |
		     VHD_BIT(VHD_F_NOTIFY_ON_EMPTY) | VHD_BIT(VHD_F_RING_INDIRECT_DESC) |
		     VHD_BIT(VHD_F_RING_EVENT_IDX) | VHD_BIT(VHD_F_RING_PACKED) |
		     VHD_BIT(VHD_USER_F_PROTOCOL_FEATURES);
	/* In-flight tracking lets a restarted backend finish what it had taken. */
	uint64_t pf = VHD_BIT(VHU_PF_MQ) | VHD_BIT(VHU_PF_REPLY_ACK) |
		      VHD_BIT(VHU_PF_INFLIGHT_SHMFD);

	/* The backend channel carries config-change notifications only. */
	if (dev->ops->config_size > 0)
		pf |= VHD_BIT(VHU_PF_CONFIG) | VHD_BIT(VHU_PF_BACKEND_REQ);
	if (rte_vhost_driver_set_features(dev->path, f) != 0 ||
	    rte_vhost_driver_set_protocol_features(dev->path, pf) != 0)
		return -1;
	return 0;
}

struct vhd_dev *
vhd_dev_create(const char *path, const struct vhd_device_ops *ops, void *priv,
	       const struct vhd_common_opts *opts)
{
	struct vhd_dev *dev;
	char logname[64], own_path[108];
	struct stat st;
	uint64_t flags = opts->client ? RTE_VHOST_USER_CLIENT : 0;
	unsigned int i;

	if (vhd_ndevs >= VHD_MAX_DEVS || ops->num_queues == 0 ||
	    ops->num_queues > VHD_MAX_QUEUES || ops->handle == NULL) {
		fprintf(stderr, "error: cannot create device %s: bad description\n", path);
		return NULL;
	}
	if (opts->has_listen_fd) {
		int rc = vhd_sockfd_private_path(own_path, sizeof(own_path));

		if (rc != 0) {
			fprintf(stderr, "error: --socket-fd: no private socket path: %s\n",
				strerror(-rc));
			return NULL;
		}
		path = own_path;
	}
	if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
		fprintf(stderr, "error: socket path too long (max 107 bytes): %s\n", path);
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return NULL;
	}
	dev->id = vhd_ndevs;
	snprintf(dev->path, sizeof(dev->path), "%s", path);
	dev->ops = ops;
	dev->priv = priv;
	dev->opts = *opts;
	dev->vid = -1;
	dev->msg.backend_fd = -1;
	dev->inflight_fd = -1;
	pthread_mutex_init(&dev->ctl, NULL);
	for (i = 0; i < VHD_MAX_QUEUES; i++) {
		dev->q[i].kick_fd = -1;
		dev->q[i].call_fd = -1;
		dev->q[i].vq.call_fd = -1;
		dev->q[i].ev = (struct vhd_ev){VHD_EV_KICK, dev, i};
	}
	for (i = 0; i < VHD_MAX_WATCH; i++) {
		dev->watch[i].fd = -1;
		dev->watch[i].ev = (struct vhd_ev){VHD_EV_WATCH, dev, i};
	}
	snprintf(logname, sizeof(logname), "vhost_device.%s", ops->name);
	dev->log_type = rte_log_register_type_and_pick_level(logname, RTE_LOG_NOTICE);
	if (dev->log_type < 0)
		dev->log_type = RTE_LOGTYPE_USER1;
	dev->worker = vhd_worker_assign(dev, opts->n_lcores == 0 ? -1 :
					  opts->lcores[dev->id % opts->n_lcores]);
	if (dev->worker == NULL) {
		free(dev);
		return NULL;
	}
	dev->host.watch_fd = host_watch_fd;
	dev->host.unwatch_fd = host_unwatch_fd;
	dev->host.wake = host_wake;
	vhd_svc_host_init(&dev->host);
	vhd_svc_dev_init(dev);
	vhd_spin_init(&dev->spin, rte_get_tsc_hz(),
		      opts->mode == VHD_MODE_INTERRUPT ? VHD_SPIN_CAP_NS : 0);
	dev->host.ctx = dev;
	if (ops->attach != NULL)
		ops->attach(priv, &dev->host);
	/* A stale socket file from a killed run would make bind() fail. */
	if (!opts->client && stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	if (rte_vhost_driver_register(path, flags) != 0) {
		fprintf(stderr, "error: cannot create vhost-user socket %s\n", path);
		return NULL;
	}
	if (offer(dev) != 0 || rte_vhost_driver_callback_register(path, &vhost_ops) != 0) {
		fprintf(stderr, "error: cannot configure vhost-user socket %s\n", path);
		rte_vhost_driver_unregister(path);
		return NULL;
	}
	vhd_devs[vhd_ndevs++] = dev;
	if (rte_vhost_driver_start(path) != 0) {
		fprintf(stderr, "error: cannot listen on vhost-user socket %s\n", path);
		vhd_ndevs--;
		rte_vhost_driver_unregister(path);
		return NULL;
	}
	if (opts->has_listen_fd) {
		int rc = vhd_sockfd_adopt(path, opts->listen_fd);

		if (rc != 0) {
			fprintf(stderr, "error: --socket-fd %d: cannot take rte_vhost's place: %s\n",
				opts->listen_fd, strerror(-rc));
			vhd_ndevs--;
			rte_vhost_driver_unregister(path);
			return NULL;
		}
	}
	DLOG(dev, INFO, "%s device on lcore %u, mode %s", ops->name, dev->worker->lcore,
	     opts->mode == VHD_MODE_POLL ? "poll" :
	     opts->mode == VHD_MODE_INTERRUPT ? "interrupt" : "hybrid");
	return dev;
}

void
vhd_dev_unregister_all(void)
{
	unsigned int i;

	for (i = 0; i < vhd_ndevs; i++) {
		struct vhd_dev *dev = vhd_devs[i];

		rte_vhost_driver_unregister(dev->path);
		if (!dev->opts.client)
			unlink(dev->path);
	}
}
