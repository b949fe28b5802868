/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-can protocol. All state is touched on the device's worker only,
 * except the config status, which the control thread may read at any time
 * (atomic).
 */

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "can_dev.h"

/* Writable segments an RX buffer may have (Linux posts one). */
#define CAN_RX_IOV 8
/* Port events handled per fd callback; the fd stays readable for the rest. */
#define CAN_EV_BUDGET 256
/* Retry period while the bus refuses frames (socket queue full). */
#define CAN_TX_RETRY_NS 500000ULL
/*
 * A held transmission the bus has not confirmed by then fails: a frame no
 * other node acknowledges is retried by a real controller for ever, and
 * the guest's queue must not stall on it.
 */
#define CAN_ACK_TIMEOUT_NS 1000000000ULL

#define CAN_DEV_FEATURES ((1ULL << CAN_F_CLASSIC) | (1ULL << CAN_F_FD) | \
			  (1ULL << CAN_F_RTR_FRAMES) | (1ULL << CAN_F_LATE_TX_ACK))

/*
 * Held requests keep guest addresses, translated again when completed: they
 * survive a memory table change (held_survive_remap).
 */
struct can_rx_buf {
	uint16_t id;
	uint16_t niov;
	uint32_t wr_len;
	uint64_t gpa[CAN_RX_IOV];
	uint32_t len[CAN_RX_IOV];
};

enum can_pend_state {
	CAN_PEND_HELD,  /* a guest request waits for this frame's delivery */
	CAN_PEND_GHOST, /* its request was failed (STOP, bus-off, queue gone) */
	CAN_PEND_DONE,  /* delivered out of order, waiting to be popped */
};

/* A frame sent with late acks on, until the port reports it delivered. */
struct can_pend {
	struct can_msg msg;
	uint64_t result_gpa;
	uint64_t sent_ns;
	uint16_t id;
	uint8_t state;
};

/* What outlives the backend process (vhd_device_ops.restart_state). */
struct can_saved {
	uint8_t started;        /* the guest's START, not undone by STOP or bus-off */
	uint8_t reserved[7];
};

struct can_dev {
	struct can_port *port;
	struct vhd_host *host;
	int watched_fd;
	uint64_t features;      /* device bits negotiated */
	bool started;           /* change it with can_set_started() */
	struct can_saved *saved; /* in the frontend's in-flight area, or NULL */
	bool tx_blocked;        /* a TX request waits for room (VHD_REQ_RETRY) */
	uint16_t status;        /* config status, atomic */
	struct vhd_vq *txq;
	struct vhd_vq *rxq;
	/* RX buffers held, a ring. */
	struct can_rx_buf *rx;
	unsigned int rx_head, rx_n;
	/* Frames waiting for an RX buffer, a ring. */
	struct can_msg backlog[CAN_RX_BACKLOG];
	unsigned int bl_head, bl_n;
	/* Frames sent and not yet reported delivered, in send order, a ring. */
	struct can_pend *pend;
	unsigned int pend_head, pend_n, pend_held;
	struct vhd_timer ack_timer; /* armed while transmissions are held */
	bool ack_timer_armed;
	struct can_dev_stats stats;
};

static bool
can_late(const struct can_dev *dev)
{
	return (dev->features & (1ULL << CAN_F_LATE_TX_ACK)) != 0;
}

static void
can_set_status(struct can_dev *dev, uint16_t v)
{
	__atomic_store_n(&dev->status, v, __ATOMIC_RELEASE);
}

uint16_t
can_dev_status(const struct can_dev *dev)
{
	return __atomic_load_n(&dev->status, __ATOMIC_ACQUIRE);
}

static void
can_notify_config(struct can_dev *dev)
{
	if (dev->host == NULL || dev->host->config_changed == NULL ||
	    dev->host->config_changed(dev->host) != 0)
		dev->stats.config_notify_failed++;
}

/* ---- transmissions waiting for the bus ---- */

static struct can_pend *
can_pend_at(struct can_dev *dev, unsigned int i)
{
	return &dev->pend[(dev->pend_head + i) % CAN_MAX_QUEUE_SIZE];
}

static void
can_pend_pop_done(struct can_dev *dev)
{
	while (dev->pend_n > 0 && can_pend_at(dev, 0)->state == CAN_PEND_DONE) {
		dev->pend_head = (dev->pend_head + 1) % CAN_MAX_QUEUE_SIZE;
		dev->pend_n--;
	}
}

/* Room for one more; the oldest failed entry goes when full (its echo may be lost). */
static bool
can_pend_room(struct can_dev *dev)
{
	if (dev->pend_n < CAN_MAX_QUEUE_SIZE)
		return true;
	if (can_pend_at(dev, 0)->state == CAN_PEND_HELD)
		return false;
	dev->pend_head = (dev->pend_head + 1) % CAN_MAX_QUEUE_SIZE;
	dev->pend_n--;
	can_pend_pop_done(dev);
	return true;
}

static void
can_complete_held(struct can_dev *dev, struct can_pend *p, uint8_t result)
{
	uint8_t *r = vhd_mem_translate(dev->txq->mem, p->result_gpa, 1);

	/* Its memory went away meanwhile: give the chain back empty. */
	if (r != NULL)
		*r = result;
	else
		dev->stats.tx_dropped++;
	vhd_vq_push(dev->txq, p->id, r != NULL ? 1 : 0);
	dev->pend_held--;
}

/* Fail every held transmission (STOP, bus-off): their frames may still go out. */
static void
can_cancel_held(struct can_dev *dev)
{
	unsigned int i;
	bool any = false;

	for (i = 0; i < dev->pend_n; i++) {
		struct can_pend *p = can_pend_at(dev, i);

		if (p->state != CAN_PEND_HELD)
			continue;
		if (dev->txq != NULL) {
			can_complete_held(dev, p, CAN_RESULT_NOT_OK);
			any = true;
		} else {
			dev->pend_held--;
		}
		p->state = CAN_PEND_GHOST;
		dev->stats.tx_cancelled++;
	}
	if (any)
		vhd_vq_notify(dev->txq);
}

static bool
can_tx_done(struct can_dev *dev, const struct can_msg *m)
{
	unsigned int i;

	for (i = 0; i < dev->pend_n; i++) {
		struct can_pend *p = can_pend_at(dev, i);
		bool held;

		if (p->state == CAN_PEND_DONE || !can_msg_equal(&p->msg, m))
			continue;
		held = p->state == CAN_PEND_HELD;
		if (held) {
			can_complete_held(dev, p, CAN_RESULT_OK);
			dev->stats.tx_late_acks++;
		}
		p->state = CAN_PEND_DONE;
		can_pend_pop_done(dev);
		return held;
	}
	dev->stats.echo_unmatched++;
	return false;
}

static uint64_t
can_now(struct can_dev *dev)
{
	return dev->host != NULL && dev->host->now_ns != NULL ? dev->host->now_ns(dev->host) : 0;
}

/* Arm the ack timer for the oldest held transmission, if any and not armed. */
static void
can_ack_timer_update(struct can_dev *dev)
{
	unsigned int i;

	if (dev->ack_timer_armed || dev->pend_held == 0 || dev->host == NULL ||
	    dev->host->timer_arm == NULL)
		return;
	for (i = 0; i < dev->pend_n; i++) {
		struct can_pend *p = can_pend_at(dev, i);

		if (p->state == CAN_PEND_HELD) {
			if (dev->host->timer_arm(dev->host, &dev->ack_timer,
						 p->sent_ns + CAN_ACK_TIMEOUT_NS) == 0)
				dev->ack_timer_armed = true;
			return;
		}
	}
}

static void
can_ack_timeout(void *arg)
{
	struct can_dev *dev = arg;
	uint64_t now = can_now(dev);
	bool any = false;
	unsigned int i;

	dev->ack_timer_armed = false;
	for (i = 0; i < dev->pend_n && dev->txq != NULL; i++) {
		struct can_pend *p = can_pend_at(dev, i);

		if (p->state != CAN_PEND_HELD || p->sent_ns + CAN_ACK_TIMEOUT_NS > now)
			continue;
		/* Its report may still come: the entry stays to absorb it. */
		can_complete_held(dev, p, CAN_RESULT_NOT_OK);
		p->state = CAN_PEND_GHOST;
		dev->stats.tx_ack_timeouts++;
		any = true;
	}
	if (any)
		vhd_vq_notify(dev->txq);
	can_ack_timer_update(dev);
}

/* ---- reception ---- */

static void
can_rx_deliver(struct can_dev *dev)
{
	bool pushed = false;

	while (dev->bl_n > 0 && dev->rx_n > 0 && dev->rxq != NULL) {
		struct can_msg *m = &dev->backlog[dev->bl_head];
		struct can_rx_buf *b = &dev->rx[dev->rx_head];
		struct iovec iov[CAN_RX_IOV];
		struct can_virtio_hdr h;
		uint32_t need = CAN_HDR_LEN + m->len;
		uint8_t zero[CAN_CLASSIC_MAX_LEN] = {0};
		unsigned int i;

		dev->rx_head = (dev->rx_head + 1) % CAN_MAX_QUEUE_SIZE;
		dev->rx_n--;
		pushed = true;
		for (i = 0; i < b->niov; i++) {
			iov[i].iov_base = vhd_mem_translate(dev->rxq->mem, b->gpa[i], b->len[i]);
			iov[i].iov_len = b->len[i];
			if (iov[i].iov_base == NULL)
				break;
		}
		if (b->wr_len < need || i < b->niov) {
			/* Too small for this frame: give the buffer back, try the next. */
			dev->stats.rx_bad_buffers++;
			vhd_vq_push(dev->rxq, b->id, 0);
			continue;
		}
		memset(&h, 0, sizeof(h));
		h.msg_type = htole16(CAN_MSG_RX);
		h.length = htole16(m->len);
		h.flags = htole32(m->flags);
		h.can_id = htole32(m->id);
		vhd_iov_from_buf(iov, b->niov, 0, &h, sizeof(h));
		/* An RTR frame carries no data; its length bytes are zero. */
		vhd_iov_from_buf(iov, b->niov, CAN_HDR_LEN,
				 (m->flags & CAN_FLAG_RTR) ? zero : m->data, m->len);
		vhd_vq_push(dev->rxq, b->id, need);
		dev->stats.rx_frames++;
		dev->bl_head = (dev->bl_head + 1) % CAN_RX_BACKLOG;
		dev->bl_n--;
	}
	if (pushed)
		vhd_vq_notify(dev->rxq);
}

/* The controller's state, kept in the in-flight area for a restarted backend. */
static void
can_set_started(struct can_dev *dev, bool on)
{
	dev->started = on;
	if (dev->saved != NULL)
		dev->saved->started = on;
}

static void
can_rx_frame(struct can_dev *dev, const struct can_msg *m)
{
	if (!dev->started) {
		dev->stats.rx_stopped++;
		return;
	}
	if (can_msg_check(m, dev->features) != 0) {
		dev->stats.rx_filtered++;
		return;
	}
	if (dev->bl_n == CAN_RX_BACKLOG) {
		dev->stats.rx_overrun++;
		return;
	}
	dev->backlog[(dev->bl_head + dev->bl_n) % CAN_RX_BACKLOG] = *m;
	dev->bl_n++;
}

/* ---- bus state ---- */

static void
can_busoff(struct can_dev *dev)
{
	dev->stats.busoff++;
	if (can_dev_status(dev) & CAN_S_CTRL_BUSOFF)
		return;
	/* Status first: the guest reads it when told of the change. */
	can_set_status(dev, can_dev_status(dev) | CAN_S_CTRL_BUSOFF);
	can_set_started(dev, false);
	dev->bl_n = 0;
	can_cancel_held(dev);
	can_notify_config(dev);
}

static void
can_restart(struct can_dev *dev)
{
	if (!(can_dev_status(dev) & CAN_S_CTRL_BUSOFF))
		return;
	/* The controller stays stopped until the guest starts it again. */
	can_set_status(dev, (uint16_t)(can_dev_status(dev) & ~CAN_S_CTRL_BUSOFF));
	can_notify_config(dev);
}

void
can_dev_port_events(struct can_dev *dev)
{
	struct can_ev ev;
	unsigned int n = 0;
	bool acked = false;

	while (n++ < CAN_EV_BUDGET && dev->port->ops->next_event(dev->port, &ev) == 1) {
		switch (ev.type) {
		case CAN_EV_RX:
			can_rx_frame(dev, &ev.msg);
			break;
		case CAN_EV_TX_DONE:
			acked |= can_tx_done(dev, &ev.msg);
			break;
		case CAN_EV_BUSOFF:
			can_busoff(dev);
			break;
		case CAN_EV_RESTART:
			can_restart(dev);
			break;
		}
	}
	if (acked && dev->txq != NULL)
		vhd_vq_notify(dev->txq);
	can_rx_deliver(dev);
	/* Room freed for a transmission that was told to wait. */
	if (dev->tx_blocked && dev->host != NULL && dev->host->wake != NULL)
		dev->host->wake(dev->host);
}

/* ---- queues ---- */

static int
can_result(struct vhd_req *req, uint8_t result)
{
	vhd_req_write(req, 0, &result, 1);
	return 1;
}

/* Guest address of the result byte: the first writable byte. */
static int
can_result_gpa(struct vhd_vq *vq, struct vhd_req *req, uint64_t *gpa)
{
	unsigned int i;

	for (i = 0; i < req->n_wr; i++)
		if (vhd_req_wr_iov(req)[i].iov_len > 0)
			return vhd_mem_to_gpa(vq->mem, vhd_req_wr_iov(req)[i].iov_base, gpa);
	return -1;
}

static int
can_tx_reject(struct can_dev *dev, struct vhd_req *req, uint64_t *counter)
{
	(*counter)++;
	(void)dev;
	return can_result(req, CAN_RESULT_NOT_OK);
}

static int
can_handle_tx(struct can_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	struct can_virtio_hdr h;
	struct can_msg m;
	unsigned int payload;
	uint64_t gpa = 0;
	int rc;

	if (req->wr_len < 1) {
		dev->stats.tx_dropped++;
		return 0;
	}
	if (vhd_req_read(req, 0, &h, sizeof(h)) != sizeof(h) ||
	    le16toh(h.msg_type) != CAN_MSG_TX || le16toh(h.length) > CAN_FD_MAX_LEN)
		return can_tx_reject(dev, req, &dev->stats.tx_rejected);
	memset(&m, 0, sizeof(m));
	m.id = le32toh(h.can_id);
	m.flags = le32toh(h.flags);
	m.len = (uint8_t)le16toh(h.length);
	payload = can_msg_payload(&m);
	if (can_msg_check(&m, dev->features) != 0 ||
	    vhd_req_read(req, CAN_HDR_LEN, m.data, payload) != payload)
		return can_tx_reject(dev, req, &dev->stats.tx_rejected);
	if (!dev->started)
		return can_tx_reject(dev, req, &dev->stats.tx_stopped);
	if (can_late(dev) && can_result_gpa(vq, req, &gpa) != 0) {
		dev->stats.tx_dropped++;
		return 0;
	}
	if (can_late(dev) && !can_pend_room(dev)) {
		dev->tx_blocked = true;
		return VHD_REQ_RETRY;
	}
	rc = dev->port->ops->send(dev->port, &m);
	if (rc == -EAGAIN || rc == -ENOBUFS) {
		dev->tx_blocked = true;
		return VHD_REQ_RETRY;
	}
	dev->tx_blocked = false;
	if (rc != 0)
		return can_tx_reject(dev, req, &dev->stats.tx_failed);
	dev->stats.tx_frames++;
	if (!can_late(dev))
		return can_result(req, CAN_RESULT_OK);
	{
		struct can_pend *p = can_pend_at(dev, dev->pend_n);

		p->msg = m;
		p->id = req->id;
		p->result_gpa = gpa;
		p->sent_ns = can_now(dev);
		p->state = CAN_PEND_HELD;
		dev->pend_n++;
		dev->pend_held++;
	}
	can_ack_timer_update(dev);
	return VHD_REQ_HELD;
}

static int
can_handle_rx(struct can_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	struct can_rx_buf *b;
	unsigned int i;

	if (req->n_rd != 0 || req->wr_len < CAN_HDR_LEN || req->n_wr > CAN_RX_IOV ||
	    dev->rx_n == CAN_MAX_QUEUE_SIZE) {
		dev->stats.rx_bad_buffers++;
		return 0;
	}
	b = &dev->rx[(dev->rx_head + dev->rx_n) % CAN_MAX_QUEUE_SIZE];
	b->id = req->id;
	b->niov = req->n_wr;
	b->wr_len = req->wr_len;
	for (i = 0; i < req->n_wr; i++) {
		const struct iovec *v = &vhd_req_wr_iov(req)[i];

		if (vhd_mem_to_gpa(vq->mem, v->iov_base, &b->gpa[i]) != 0) {
			dev->stats.rx_bad_buffers++;
			return 0;
		}
		b->len[i] = (uint32_t)v->iov_len;
	}
	dev->rx_n++;
	/* Frames waiting for a buffer go out now; our own push is notified there. */
	if (dev->bl_n > 0)
		can_rx_deliver(dev);
	return VHD_REQ_HELD;
}

static int
can_handle_ctrl(struct can_dev *dev, struct vhd_req *req)
{
	uint16_t type;
	uint8_t result = CAN_RESULT_OK;

	if (req->wr_len < 1) {
		dev->stats.ctrl_errors++;
		return 0;
	}
	dev->stats.ctrl_requests++;
	if (vhd_req_read(req, 0, &type, sizeof(type)) != sizeof(type)) {
		dev->stats.ctrl_errors++;
		return can_result(req, CAN_RESULT_NOT_OK);
	}
	switch (le16toh(type)) {
	case CAN_CTRL_START:
		/* Started already: Linux fails ndo_open on NOT_OK, so say OK. */
		if (can_dev_status(dev) & CAN_S_CTRL_BUSOFF)
			result = CAN_RESULT_NOT_OK;
		else
			can_set_started(dev, true);
		break;
	case CAN_CTRL_STOP:
		can_set_started(dev, false);
		dev->bl_n = 0;
		can_cancel_held(dev);
		break;
	default:
		result = CAN_RESULT_NOT_OK;
		break;
	}
	if (result != CAN_RESULT_OK)
		dev->stats.ctrl_errors++;
	return can_result(req, result);
}

/* ---- vhd_device_ops ---- */

static void
can_fd_cb(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	can_dev_port_events(arg);
}

static void
can_attach(void *priv, struct vhd_host *host)
{
	struct can_dev *dev = priv;
	int fd = dev->port->ops->event_fd(dev->port);

	dev->host = host;
	if (fd >= 0 && host->watch_fd != NULL &&
	    host->watch_fd(host, fd, EPOLLIN, can_fd_cb, dev) == 0)
		dev->watched_fd = fd;
}

static int
can_get_config(void *priv, uint8_t *buf, uint32_t off, uint32_t len)
{
	uint16_t st = htole16(can_dev_status(priv));

	if (off > CAN_CONFIG_SIZE || len > CAN_CONFIG_SIZE - off)
		return -EINVAL;
	memcpy(buf, (uint8_t *)&st + off, len);
	return 0;
}

static void
can_set_features(void *priv, uint64_t features)
{
	struct can_dev *dev = priv;

	dev->features = features & CAN_DEV_FEATURES;
	/* A (re)negotiating driver finds the controller stopped, as the spec starts it
	 * (a restarted backend then takes the guest's state back: can_restart_state()).
	 */
	can_set_started(dev, false);
	dev->bl_n = 0;
	dev->port->ops->set_late_ack(dev->port, can_late(dev));
}

static int
can_queue_start(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct can_dev *dev = priv;

	if (q == CAN_TXQ)
		dev->txq = vq;
	else if (q == CAN_RXQ)
		dev->rxq = vq;
	return 0;
}

static void
can_queue_stop(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct can_dev *dev = priv;
	unsigned int i;

	(void)vq;
	/* The ring is going for real: held requests are forgotten, as the contract allows. */
	if (q == CAN_TXQ) {
		for (i = 0; i < dev->pend_n; i++) {
			struct can_pend *p = can_pend_at(dev, i);

			if (p->state == CAN_PEND_HELD)
				p->state = CAN_PEND_GHOST;
		}
		dev->pend_held = 0;
		dev->tx_blocked = false;
		dev->txq = NULL;
	} else if (q == CAN_RXQ) {
		dev->rx_n = 0;
		dev->rxq = NULL;
	}
}

static int
can_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct can_dev *dev = priv;

	switch (q) {
	case CAN_TXQ:
		return can_handle_tx(dev, vq, req);
	case CAN_RXQ:
		return can_handle_rx(dev, vq, req);
	case CAN_CTRLQ:
		return can_handle_ctrl(dev, req);
	default:
		dev->stats.tx_dropped++;
		return 0;
	}
}

static uint64_t
can_next_wake(void *priv)
{
	const struct can_dev *dev = priv;

	return dev->tx_blocked ? CAN_TX_RETRY_NS : 0;
}

static void
can_get_stats(void *priv, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	const struct can_dev_stats *st = can_dev_stats(priv);

	put(ctx, "tx_frames", st->tx_frames);
	put(ctx, "tx_rejected", st->tx_rejected);
	put(ctx, "tx_stopped", st->tx_stopped);
	put(ctx, "tx_failed", st->tx_failed);
	put(ctx, "tx_cancelled", st->tx_cancelled);
	put(ctx, "tx_late_acks", st->tx_late_acks);
	put(ctx, "tx_ack_timeouts", st->tx_ack_timeouts);
	put(ctx, "tx_dropped", st->tx_dropped);
	put(ctx, "rx_frames", st->rx_frames);
	put(ctx, "rx_filtered", st->rx_filtered);
	put(ctx, "rx_stopped", st->rx_stopped);
	put(ctx, "rx_overrun", st->rx_overrun);
	put(ctx, "rx_bad_buffers", st->rx_bad_buffers);
	put(ctx, "ctrl_requests", st->ctrl_requests);
	put(ctx, "ctrl_errors", st->ctrl_errors);
	put(ctx, "busoff", st->busoff);
	put(ctx, "config_notify_failed", st->config_notify_failed);
	put(ctx, "echo_unmatched", st->echo_unmatched);
}

/*
 * Restart hook: the controller a killed backend had started stays started
 * (the guest sent START once and will not again), so frames reach the RX
 * buffers that come back held and TX is accepted. Frames on the bus while
 * no backend ran are not seen.
 */
static void
can_restart_state(void *priv, void *state, bool restored)
{
	struct can_dev *dev = priv;

	dev->saved = state;
	if (state == NULL)
		return;
	if (restored && dev->saved->started == 1 && !(can_dev_status(dev) & CAN_S_CTRL_BUSOFF))
		dev->started = true;
	memset(dev->saved, 0, sizeof(*dev->saved));
	dev->saved->started = dev->started;
}

const struct vhd_device_ops can_dev_ops = {
	.name = "can",
	.virtio_id = CAN_VIRTIO_ID,
	.num_queues = CAN_NUM_QUEUES,
	.max_queue_size = CAN_MAX_QUEUE_SIZE,
	.features = CAN_DEV_FEATURES,
	.config_size = CAN_CONFIG_SIZE,
	.held_survive_remap = true,
	.restart_state_size = sizeof(struct can_saved),
	.attach = can_attach,
	.get_config = can_get_config,
	.set_features = can_set_features,
	.queue_start = can_queue_start,
	.queue_stop = can_queue_stop,
	.handle = can_handle,
	.next_wake = can_next_wake,
	.restart_state = can_restart_state,
	.get_stats = can_get_stats,
};

/* ---- life ---- */

struct can_dev *
can_dev_create(struct can_port *port)
{
	struct can_dev *dev = calloc(1, sizeof(*dev));

	if (dev != NULL) {
		dev->rx = calloc(CAN_MAX_QUEUE_SIZE, sizeof(*dev->rx));
		dev->pend = calloc(CAN_MAX_QUEUE_SIZE, sizeof(*dev->pend));
	}
	if (dev == NULL || dev->rx == NULL || dev->pend == NULL) {
		if (dev != NULL) {
			free(dev->rx);
			free(dev->pend);
			free(dev);
		}
		can_port_destroy(port);
		return NULL;
	}
	dev->port = port;
	dev->watched_fd = -1;
	dev->ack_timer.cb = can_ack_timeout;
	dev->ack_timer.arg = dev;
	return dev;
}

void
can_dev_destroy(struct can_dev *dev)
{
	if (dev == NULL)
		return;
	if (dev->host != NULL && dev->watched_fd >= 0)
		dev->host->unwatch_fd(dev->host, dev->watched_fd);
	if (dev->host != NULL && dev->host->timer_cancel != NULL)
		dev->host->timer_cancel(dev->host, &dev->ack_timer);
	can_port_destroy(dev->port);
	free(dev->rx);
	free(dev->pend);
	free(dev);
}

const struct can_dev_stats *
can_dev_stats(const struct can_dev *dev)
{
	return &dev->stats;
}

int
can_dev_started(const struct can_dev *dev)
{
	return dev->started;
}

unsigned int
can_dev_rx_held(const struct can_dev *dev)
{
	return dev->rx_n;
}

unsigned int
can_dev_tx_held(const struct can_dev *dev)
{
	return dev->pend_held;
}
