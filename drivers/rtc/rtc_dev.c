/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "rtc_dev.h"
#include "rtc_internal.h"

/* ---- life ---- */

struct rtc_dev *
rtc_dev_create(const struct rtc_dev_config *cfg, char *err, size_t err_len)
{
	struct rtc_dev *dev;
	unsigned int i;
	int rc;

	if (cfg->nclocks == 0) {
		/* Linux's driver fails to probe on zero clocks: refuse it here. */
		snprintf(err, err_len, "no clocks: a virtio-rtc device needs at least one");
		return NULL;
	}
	if (cfg->nclocks > RTC_MAX_CLOCKS) {
		snprintf(err, err_len, "too many clocks: %u (at most %d)", cfg->nclocks,
			 RTC_MAX_CLOCKS);
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev != NULL)
		dev->held = calloc(RTC_MAX_QUEUE_SIZE, sizeof(dev->held[0]));
	if (dev == NULL || dev->held == NULL) {
		free(dev);
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	dev->ops = rtc_dev_ops_alarm;
	if (!cfg->offer_alarm)
		dev->ops.features = 0;
	dev->ctl_fd = -1;
	for (i = 0; i < RTC_MAX_CLOCKS; i++) {
		dev->alarms[i].tfd = -1;
		dev->clocks[i].ptp_fd = -1;
	}
	for (i = 0; i < cfg->nclocks; i++) {
		const struct rtc_clock_spec *s = &cfg->clocks[i];

		rc = rtc_clock_open(&dev->clocks[i], s);
		dev->nclocks = i + 1;
		if (rc != 0) {
			snprintf(err, err_len, "clock %u (%s=%s): %s", i, rtc_type_name(s->type),
				 s->src == RTC_SRC_PTP ? s->ptp_path : rtc_source_name(s->src),
				 strerror(-rc));
			goto fail;
		}
		if (!cfg->offer_alarm || !rtc_clock_can_alarm(&dev->clocks[i]) ||
		    s->src == RTC_SRC_SIM)
			continue;
		rc = rtc_clock_timer_open(&dev->clocks[i]);
		if (rc < 0) {
			snprintf(err, err_len, "clock %u: alarm timer: %s", i, strerror(-rc));
			goto fail;
		}
		dev->alarms[i].tfd = rc;
	}
	if (cfg->sim_control != NULL && rtc_sim_open(dev, cfg->sim_control, err, err_len) != 0)
		goto fail;
	return dev;
fail:
	rtc_dev_destroy(dev);
	return NULL;
}

void
rtc_dev_destroy(struct rtc_dev *dev)
{
	unsigned int i;

	if (dev == NULL)
		return;
	for (i = 0; i < dev->nclocks; i++) {
		struct rtc_alarm *a = &dev->alarms[i];

		if (a->tfd < 0)
			continue;
		if (a->watched)
			dev->host->unwatch_fd(dev->host, a->tfd);
		close(a->tfd);
	}
	for (i = 0; i < dev->nclocks; i++)
		rtc_clock_close(&dev->clocks[i]);
	rtc_sim_close(dev);
	free(dev->held);
	free(dev);
}

const struct vhd_device_ops *
rtc_dev_ops(const struct rtc_dev *dev)
{
	return &dev->ops;
}

const struct rtc_dev_stats *
rtc_dev_stats(const struct rtc_dev *dev)
{
	return &dev->stats;
}

unsigned int
rtc_dev_held(const struct rtc_dev *dev)
{
	return dev->nheld;
}

unsigned int
rtc_dev_nclocks(const struct rtc_dev *dev)
{
	return dev->nclocks;
}

const struct rtc_clock *
rtc_dev_clock(const struct rtc_dev *dev, uint16_t id)
{
	return id < dev->nclocks ? &dev->clocks[id] : NULL;
}

int
rtc_dev_timer_fd(const struct rtc_dev *dev, uint16_t id)
{
	return id < dev->nclocks ? dev->alarms[id].tfd : -1;
}

/* ---- alarmq ---- */

/* Write the notification for clock @p id into held buffer @p h and use it. */
static void
rtc_notify_held(struct rtc_dev *dev, const struct rtc_held *h, uint16_t id)
{
	struct rtc_notif_alarm n;
	const uint8_t *src = (const uint8_t *)&n;
	uint32_t done = 0;
	unsigned int i;

	memset(&n, 0, sizeof(n));
	n.msg_type = htole16(RTC_NOTIF_ALARM);
	n.clock_id = htole16(id);
	/* Translated now: the memory table may have changed while it was held. */
	for (i = 0; i < h->nseg; i++) {
		uint8_t *p = vhd_mem_translate(dev->alarmq->mem, h->seg[i].gpa, h->seg[i].len);

		if (p == NULL)
			break;
		memcpy(p, src + done, h->seg[i].len);
		done += h->seg[i].len;
	}
	vhd_vq_push(dev->alarmq, h->id, done);
	dev->stats.notifications++;
}

/* Hand owed notifications to held alarmq buffers, oldest buffer first. */
static void
rtc_deliver(struct rtc_dev *dev)
{
	bool pushed = false;
	uint16_t id;

	if (dev->alarmq == NULL)
		return;
	for (id = 0; id < dev->nclocks && dev->nheld > 0; id++) {
		if (!dev->alarms[id].owed)
			continue;
		rtc_notify_held(dev, &dev->held[dev->held_head], id);
		dev->held_head = (dev->held_head + 1) % RTC_MAX_QUEUE_SIZE;
		dev->nheld--;
		dev->alarms[id].owed = false;
		pushed = true;
	}
	if (pushed)
		vhd_vq_notify(dev->alarmq);
}

/* An alarmq buffer: used at once for an owed notification, else held. */
static int
rtc_handle_alarmq(struct rtc_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	struct iovec *wr = vhd_req_wr_iov(req);
	struct rtc_held *h;
	uint32_t need = sizeof(struct rtc_notif_alarm);
	uint16_t id;
	unsigned int i;

	if (req->wr_len < need || req->rd_len != 0 || dev->nheld == RTC_MAX_QUEUE_SIZE) {
		/* Cannot carry a notification: back empty, owed ones wait for a good one. */
		dev->stats.alarmq_short++;
		return 0;
	}
	dev->alarmq = vq;
	for (id = 0; id < dev->nclocks; id++) {
		struct rtc_notif_alarm n;

		if (!dev->alarms[id].owed)
			continue;
		memset(&n, 0, sizeof(n));
		n.msg_type = htole16(RTC_NOTIF_ALARM);
		n.clock_id = htole16(id);
		dev->alarms[id].owed = false;
		dev->stats.notifications++;
		return (int)vhd_req_write(req, 0, &n, sizeof(n));
	}
	h = &dev->held[(dev->held_head + dev->nheld) % RTC_MAX_QUEUE_SIZE];
	h->id = req->id;
	h->nseg = 0;
	for (i = 0; i < req->n_wr && need > 0; i++) {
		uint32_t len = wr[i].iov_len < need ? (uint32_t)wr[i].iov_len : need;

		if (len == 0)
			continue;
		if (vhd_mem_to_gpa(vq->mem, wr[i].iov_base, &h->seg[h->nseg].gpa) != 0) {
			dev->stats.alarmq_short++;
			return 0;
		}
		h->seg[h->nseg++].len = len;
		need -= len;
	}
	dev->nheld++;
	return VHD_REQ_HELD;
}

/* ---- alarms ---- */

static void
rtc_expire(struct rtc_dev *dev, uint16_t id)
{
	dev->stats.expirations++;
	/* A second expiry while one is owed is served by the same notification. */
	dev->alarms[id].owed = true;
	rtc_deliver(dev);
}

static void
rtc_timer_set(struct rtc_dev *dev, uint16_t id, uint64_t t)
{
	struct rtc_alarm *a = &dev->alarms[id];

	if (a->tfd >= 0 && rtc_clock_timer_arm(&dev->clocks[id], a->tfd, t) != 0)
		dev->stats.read_errors++;
}

/*
 * Look at clock @p id against its alarm: expire on reaching it (or always
 * when @p event: the driver just enabled or set it), then arm the timer for
 * what can happen next.
 */
void
rtc_alarm_eval(struct rtc_dev *dev, uint16_t id, bool event)
{
	struct rtc_alarm *a = &dev->alarms[id];
	uint64_t now;
	bool reached;

	if (!a->enabled) {
		if (a->tfd >= 0)
			rtc_clock_timer_disarm(a->tfd);
		return;
	}
	if (rtc_clock_read(&dev->clocks[id], &now) != 0) {
		dev->stats.read_errors++;
		rtc_timer_set(dev, id, a->time);
		return;
	}
	reached = now >= a->time;
	if (reached && (event || !a->reached))
		rtc_expire(dev, id);
	a->reached = reached;
	/* Reached: only a step back can make it expire again. */
	rtc_timer_set(dev, id, reached ? RTC_TIMER_WATCH : a->time);
}

void
rtc_dev_timer_event(struct rtc_dev *dev, uint16_t id)
{
	uint64_t ticks;
	ssize_t n;

	if (id >= dev->nclocks || dev->alarms[id].tfd < 0)
		return;
	n = read(dev->alarms[id].tfd, &ticks, sizeof(ticks));
	if (n < 0 && errno == EAGAIN)
		return;
	if (n < 0 && errno == ECANCELED)
		dev->stats.clock_steps++;
	rtc_alarm_eval(dev, id, false);
}

static void
rtc_timer_cb(void *arg, int fd, uint32_t events)
{
	struct rtc_dev *dev = arg;
	uint16_t id;

	(void)events;
	for (id = 0; id < dev->nclocks; id++)
		if (dev->alarms[id].tfd == fd)
			rtc_dev_timer_event(dev, id);
}

int
rtc_dev_sim_set(struct rtc_dev *dev, uint16_t id, uint64_t ns)
{
	struct rtc_clock *c;

	if (id >= dev->nclocks || dev->clocks[id].src != RTC_SRC_SIM)
		return -ENODEV;
	c = &dev->clocks[id];
	if (c->type == RTC_CLOCK_MONOTONIC && ns < c->sim_ns)
		return -EINVAL;
	c->sim_ns = ns;
	rtc_alarm_eval(dev, id, false);
	return 0;
}

/* Device reset: the spec's initial alarm state (time 0, disabled), nothing owed. */
static void
rtc_alarms_reset(struct rtc_dev *dev)
{
	uint16_t id;

	for (id = 0; id < dev->nclocks; id++) {
		struct rtc_alarm *a = &dev->alarms[id];

		a->time = 0;
		a->enabled = false;
		a->reached = false;
		a->owed = false;
		if (a->tfd >= 0)
			rtc_clock_timer_disarm(a->tfd);
	}
}

/* ---- requestq ---- */

/* A response carrying only @p status, cut to what fits (nothing when no byte does). */
static int
rtc_status(struct rtc_dev *dev, struct vhd_req *req, uint8_t status)
{
	struct rtc_resp_head h;

	memset(&h, 0, sizeof(h));
	h.status = status;
	if (status != RTC_S_OK)
		dev->stats.errors++;
	return (int)vhd_req_write(req, 0, &h, sizeof(h));
}

/* A full OK response; the caller checked it fits. */
static int
rtc_ok(struct vhd_req *req, void *resp, size_t len)
{
	return (int)vhd_req_write(req, 0, resp, len);
}

/* What each message type reads and writes. */
static const struct rtc_msg_size {
	uint16_t type;
	uint16_t req;
	uint16_t resp;
	bool alarm;
} rtc_msgs[] = {
	{RTC_REQ_READ, sizeof(struct rtc_req_clock), sizeof(struct rtc_resp_read), false},
	{RTC_REQ_READ_CROSS, sizeof(struct rtc_req_cross), sizeof(struct rtc_resp_read_cross),
	 false},
	{RTC_REQ_CFG, sizeof(struct rtc_req_head), sizeof(struct rtc_resp_cfg), false},
	{RTC_REQ_CLOCK_CAP, sizeof(struct rtc_req_clock), sizeof(struct rtc_resp_clock_cap),
	 false},
	{RTC_REQ_CROSS_CAP, sizeof(struct rtc_req_cross), sizeof(struct rtc_resp_cross_cap),
	 false},
	{RTC_REQ_READ_ALARM, sizeof(struct rtc_req_clock), sizeof(struct rtc_resp_read_alarm),
	 true},
	{RTC_REQ_SET_ALARM, sizeof(struct rtc_req_set_alarm), sizeof(struct rtc_resp_head), true},
	{RTC_REQ_SET_ALARM_ENABLED, sizeof(struct rtc_req_set_alarm_enabled),
	 sizeof(struct rtc_resp_head), true},
};

/*
 * Hardware counter of READ_CROSS/CROSS_CAP: -1 when the spec's status is
 * EOPNOTSUPP (unknown to us, incl. the implementation-specific range),
 * -2 for EINVAL (INVALID is named by the spec but never a valid request),
 * 0 for a counter the spec defines.
 */
static int
rtc_counter_check(uint8_t c)
{
	if (c == RTC_COUNTER_ARM_VCT || c == RTC_COUNTER_X86_TSC)
		return 0;
	if (c == RTC_COUNTER_INVALID)
		return -2;
	return -1;
}

static int
rtc_counter_status(struct rtc_dev *dev, struct vhd_req *req, int check)
{
	return rtc_status(dev, req, check == -2 ? RTC_S_EINVAL : RTC_S_EOPNOTSUPP);
}

static int
rtc_do_read(struct rtc_dev *dev, struct vhd_req *req, uint16_t id)
{
	struct rtc_resp_read r;
	uint64_t now;

	if (rtc_clock_read(&dev->clocks[id], &now) != 0) {
		dev->stats.read_errors++;
		return rtc_status(dev, req, RTC_S_EIO);
	}
	/* The spec wants MONOTONIC readings never to decrease, whatever the host does. */
	if (dev->clocks[id].type == RTC_CLOCK_MONOTONIC) {
		if (now < dev->last_mono[id])
			now = dev->last_mono[id];
		dev->last_mono[id] = now;
	}
	memset(&r, 0, sizeof(r));
	r.clock_reading = htole64(now);
	dev->stats.reads++;
	return rtc_ok(req, &r, sizeof(r));
}

static int
rtc_do_clock_cap(struct rtc_dev *dev, struct vhd_req *req, uint16_t id)
{
	const struct rtc_clock *c = &dev->clocks[id];
	struct rtc_resp_clock_cap r;

	memset(&r, 0, sizeof(r));
	r.type = c->type;
	r.leap_second_smearing = c->type == RTC_CLOCK_UTC_SMEARED ? c->smearing :
				 RTC_SMEAR_UNSPECIFIED;
	/* The flag exists only with the feature negotiated. */
	if (dev->alarm_negotiated && rtc_clock_can_alarm(c))
		r.flags = RTC_FLAG_ALARM_CAP;
	return rtc_ok(req, &r, sizeof(r));
}

static int
rtc_do_alarm(struct rtc_dev *dev, struct vhd_req *req, uint16_t type, const uint8_t *buf)
{
	struct rtc_req_set_alarm sa;
	struct rtc_req_set_alarm_enabled se;
	struct rtc_req_clock rc;
	struct rtc_alarm *a;
	uint16_t id;
	uint8_t flags = 0;
	bool resv_ok;

	switch (type) {
	case RTC_REQ_READ_ALARM:
		memcpy(&rc, buf, sizeof(rc));
		id = le16toh(rc.clock_id);
		resv_ok = vhd_mem_is_zero(rc.reserved, sizeof(rc.reserved));
		break;
	case RTC_REQ_SET_ALARM:
		memcpy(&sa, buf, sizeof(sa));
		id = le16toh(sa.clock_id);
		flags = sa.flags;
		resv_ok = vhd_mem_is_zero(sa.reserved, sizeof(sa.reserved));
		break;
	default:
		memcpy(&se, buf, sizeof(se));
		id = le16toh(se.clock_id);
		flags = se.flags;
		resv_ok = vhd_mem_is_zero(se.reserved, sizeof(se.reserved));
		break;
	}
	/* No alarm negotiated, no such clock, a clock without alarm: all ENODEV. */
	if (!dev->alarm_negotiated || id >= dev->nclocks || !rtc_clock_can_alarm(&dev->clocks[id]))
		return rtc_status(dev, req, RTC_S_ENODEV);
	if (!resv_ok || (flags & ~RTC_FLAG_ALARM_ENABLED) != 0)
		return rtc_status(dev, req, RTC_S_EINVAL);
	a = &dev->alarms[id];
	if (type == RTC_REQ_READ_ALARM) {
		struct rtc_resp_read_alarm r;

		memset(&r, 0, sizeof(r));
		r.alarm_time = htole64(a->time);
		r.flags = a->enabled ? RTC_FLAG_ALARM_ENABLED : 0;
		return rtc_ok(req, &r, sizeof(r));
	}
	if (type == RTC_REQ_SET_ALARM) {
		a->time = le64toh(sa.alarm_time);
		a->reached = false;
	}
	/* An owed notification is obsolete now; a disabled alarm must not notify. */
	if (a->owed)
		dev->stats.obsoleted++;
	a->owed = false;
	a->enabled = (flags & RTC_FLAG_ALARM_ENABLED) != 0;
	rtc_alarm_eval(dev, id, true);
	dev->stats.alarm_sets++;
	return rtc_status(dev, req, RTC_S_OK);
}

static int
rtc_handle_request(struct rtc_dev *dev, struct vhd_req *req)
{
	uint8_t buf[sizeof(struct rtc_req_set_alarm)];
	const struct rtc_msg_size *m = NULL;
	struct rtc_req_head head;
	struct rtc_req_cross cross;
	struct rtc_req_clock clk;
	unsigned int i;
	uint16_t type, id;
	int check;

	if (req->wr_len == 0) {
		/* Not even the status fits: the spec says write nothing. */
		dev->stats.dropped++;
		return 0;
	}
	dev->stats.requests++;
	if (req->rd_len < sizeof(head))
		return rtc_status(dev, req, RTC_S_EINVAL);
	vhd_req_read(req, 0, &head, sizeof(head));
	type = le16toh(head.msg_type);
	for (i = 0; i < sizeof(rtc_msgs) / sizeof(rtc_msgs[0]); i++)
		if (rtc_msgs[i].type == type)
			m = &rtc_msgs[i];
	if (m == NULL)
		return rtc_status(dev, req, RTC_S_EOPNOTSUPP);
	/* Longer buffers are fine (extra space ignored), shorter ones are not. */
	if (req->rd_len < m->req || req->wr_len < m->resp ||
	    !vhd_mem_is_zero(head.reserved, sizeof(head.reserved)))
		return rtc_status(dev, req, RTC_S_EINVAL);
	memset(buf, 0, sizeof(buf));
	vhd_req_read(req, 0, buf, m->req);
	if (m->alarm)
		return rtc_do_alarm(dev, req, type, buf);
	switch (type) {
	case RTC_REQ_CFG: {
		struct rtc_resp_cfg r;

		memset(&r, 0, sizeof(r));
		r.num_clocks = htole16((uint16_t)dev->nclocks);
		return rtc_ok(req, &r, sizeof(r));
	}
	case RTC_REQ_READ:
	case RTC_REQ_CLOCK_CAP:
		memcpy(&clk, buf, sizeof(clk));
		id = le16toh(clk.clock_id);
		if (id >= dev->nclocks)
			return rtc_status(dev, req, RTC_S_ENODEV);
		if (!vhd_mem_is_zero(clk.reserved, sizeof(clk.reserved)))
			return rtc_status(dev, req, RTC_S_EINVAL);
		return type == RTC_REQ_READ ? rtc_do_read(dev, req, id) :
					      rtc_do_clock_cap(dev, req, id);
	default: /* READ_CROSS, CROSS_CAP */
		memcpy(&cross, buf, sizeof(cross));
		id = le16toh(cross.clock_id);
		if (id >= dev->nclocks)
			return rtc_status(dev, req, RTC_S_ENODEV);
		check = rtc_counter_check(cross.hw_counter);
		if (check != 0)
			return rtc_counter_status(dev, req, check);
		if (!vhd_mem_is_zero(cross.reserved, sizeof(cross.reserved)))
			return rtc_status(dev, req, RTC_S_EINVAL);
		if (type == RTC_REQ_READ_CROSS) {
			/*
			 * A vhost-user backend cannot know the guest's counter
			 * (TSC offset and scaling live in the hypervisor): an
			 * implementation limitation, as CROSS_CAP says.
			 */
			return rtc_status(dev, req, RTC_S_EOPNOTSUPP);
		} else {
			struct rtc_resp_cross_cap r;

			memset(&r, 0, sizeof(r));
			return rtc_ok(req, &r, sizeof(r));
		}
	}
}

/* ---- vhd_device_ops ---- */

static void
rtc_attach(void *priv, struct vhd_host *host)
{
	struct rtc_dev *dev = priv;
	unsigned int i;

	dev->host = host;
	if (host->watch_fd == NULL)
		return;
	for (i = 0; i < dev->nclocks; i++)
		if (dev->alarms[i].tfd >= 0 &&
		    host->watch_fd(host, dev->alarms[i].tfd, EPOLLIN, rtc_timer_cb, dev) == 0)
			dev->alarms[i].watched = true;
	rtc_sim_attach(dev);
}

static void
rtc_set_features(void *priv, uint64_t features)
{
	struct rtc_dev *dev = priv;

	dev->alarm_negotiated = (dev->ops.features & features & (1ULL << RTC_F_ALARM)) != 0;
	/* A new negotiation with no queue running is a device reset. */
	if (dev->requestq == NULL && dev->alarmq == NULL)
		rtc_alarms_reset(dev);
}

static int
rtc_queue_start(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct rtc_dev *dev = priv;

	if (q == RTC_REQUESTQ)
		dev->requestq = vq;
	if (q == RTC_ALARMQ) {
		dev->alarmq = vq;
		dev->alarmq_started = true;
	}
	return 0;
}

static void
rtc_queue_stop(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct rtc_dev *dev = priv;

	(void)vq;
	if (q == RTC_REQUESTQ)
		dev->requestq = NULL;
	if (q != RTC_ALARMQ)
		return;
	/* The ring is gone: held buffers are forgotten, owed notifications stay owed. */
	dev->nheld = 0;
	dev->held_head = 0;
	dev->alarmq = NULL;
	dev->alarmq_started = false;
}

static int
rtc_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct rtc_dev *dev = priv;

	if (q == RTC_REQUESTQ)
		return rtc_handle_request(dev, req);
	if (q == RTC_ALARMQ && dev->alarm_negotiated)
		return rtc_handle_alarmq(dev, vq, req);
	dev->stats.dropped++;
	return 0;
}

static void
rtc_get_stats(void *priv, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	const struct rtc_dev *dev = priv;
	const struct rtc_dev_stats *st = &dev->stats;

	put(ctx, "requests", st->requests);
	put(ctx, "errors", st->errors);
	put(ctx, "dropped", st->dropped);
	put(ctx, "reads", st->reads);
	put(ctx, "read_errors", st->read_errors);
	put(ctx, "alarm_sets", st->alarm_sets);
	put(ctx, "expirations", st->expirations);
	put(ctx, "notifications", st->notifications);
	put(ctx, "obsoleted", st->obsoleted);
	put(ctx, "alarmq_short", st->alarmq_short);
	put(ctx, "clock_steps", st->clock_steps);
	put(ctx, "sim_commands", st->sim_commands);
	put(ctx, "sim_bad", st->sim_bad);
}

const struct vhd_device_ops rtc_dev_ops_alarm = {
	.name = "rtc",
	.virtio_id = RTC_VIRTIO_ID,
	.num_queues = RTC_NUM_QUEUES,
	.max_queue_size = RTC_MAX_QUEUE_SIZE,
	.features = 1ULL << RTC_F_ALARM,
	.config_size = 0,
	.held_survive_remap = true,
	.attach = rtc_attach,
	.set_features = rtc_set_features,
	.queue_start = rtc_queue_start,
	.queue_stop = rtc_queue_stop,
	.handle = rtc_handle,
	.get_stats = rtc_get_stats,
};
