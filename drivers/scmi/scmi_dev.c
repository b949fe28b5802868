/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "scmi_dev.h"
#include "vhd_ctl.h"
#include "vhd_virtio.h"

/* What sensor_msg() returns besides SCMI statuses (which overlap VHD_REQ_*). */
#define ST_HELD 1000
#define ST_RETRY 1001

/* Segments a held buffer may span (Linux uses one). */
#define HELD_SEGS 8

#define VENDOR "vhost-device"
#define SUB_VENDOR "DPDK"
#define IMPL_VERSION 0x00010000u
#define AGENT_GUEST 1

/* Update intervals offered (LIST_UPDATE_INTERVALS), in ms, ascending. */
static const uint32_t intervals_ms[] = {100, 200, 500, 1000, 2000, 5000, 10000};
#define N_INTERVALS (sizeof(intervals_ms) / sizeof(intervals_ms[0]))

/* A device-writable buffer kept by guest address (held across remaps). */
struct scmi_held {
	uint16_t id;
	uint8_t nseg;
	uint32_t len[HELD_SEGS];
	uint64_t gpa[HELD_SEGS];
	uint32_t total;
};

struct scmi_evt {
	uint32_t len;
	uint8_t b[SCMI_EVT_MAX];
};

struct scmi_trip {
	uint8_t dir; /* SCMI_TP_POSITIVE | SCMI_TP_NEGATIVE, 0: disabled */
	int64_t value;
};

struct scmi_dev;

enum job_kind {
	JOB_READ,  /* a timer tick's reading */
	JOB_REPLY, /* a held READING_GET */
	JOB_START, /* IIO buffer on, character device opened */
	JOB_STOP,  /* character device closed, buffer off */
};

/* One offloaded call: a reading, or an IIO stream switched on or off. */
struct scmi_job {
	struct scmi_dev *dev;
	struct scmi_sensor *s; /* the work touches only this */
	unsigned int idx;
	bool busy, reply;
	enum job_kind kind;
	int fd;
	int64_t v[SCMI_MAX_AXES];
	/* reply: the request's header and writable part */
	struct vhd_vq *vq;
	uint32_t hdr;
	struct scmi_held w;
};

struct scmi_state {
	struct scmi_sensor *s;
	struct scmi_dev *dev;
	unsigned int idx;
	uint32_t config;
	bool trip_notify, update_notify;
	struct scmi_trip trip[SCMI_TRIPS];
	int64_t last; /* axis 0 at the last observation, for trip crossings */
	bool have_last;
	struct vhd_timer timer;
	uint64_t deadline;
	bool armed;
	bool ticking; /* a tick's reading is in flight */
	/* IIO buffered updates: the character device, watched on the worker */
	int sfd;
	bool streaming, stream_busy, stream_broken;
};

/*
 * What the guest set, kept in the frontend's in-flight area across a backend
 * restart (restart_state()): per sensor its config, notifications, trip
 * points and last value seen for crossings; the Base error notification.
 */
#define SAVED_MAGIC 0x53434d31u /* "SCM1" */
struct scmi_saved {
	uint32_t magic;
	uint32_t n;
	uint32_t notify_errors;
	uint32_t pad;
	struct scmi_saved_sensor {
		uint32_t config;
		uint8_t flags; /* 1 trip_notify, 2 update_notify, 4 have_last */
		uint8_t dir[SCMI_TRIPS];
		uint8_t pad[3];
		int64_t value[SCMI_TRIPS];
		int64_t last;
	} s[SCMI_MAX_SENSORS];
};
_Static_assert(sizeof(struct scmi_saved) <= VHD_RESTART_STATE_MAX, "restart state too large");

struct scmi_dev {
	struct vhd_host *host;
	struct scmi_saved *saved; /* in the in-flight area, or NULL */
	struct vhd_vq *evq;
	bool p2a;
	bool notify_errors;
	unsigned int n;
	struct scmi_state st[SCMI_MAX_SENSORS];
	struct scmi_held held[SCMI_MAX_QUEUE_SIZE];
	unsigned int held_head, nheld;
	struct scmi_evt *pend;
	unsigned int pend_cap, pend_head, npend;
	struct scmi_job jobs[SCMI_MAX_JOBS];
	unsigned int evt_min; /* smallest eventq buffer accepted */
	struct vhd_ctl *ctl;
	bool ctl_watched;
	struct scmi_dev_stats stats;
};




static void
put_name(uint8_t *p, const char *name, size_t size)
{
	size_t l = strlen(name);

	memset(p, 0, size);
	memcpy(p, name, l < size - 1 ? l : size - 1);
}

/* ---- restart state ---- */

static void
save_sensor(struct scmi_dev *dev, const struct scmi_state *st)
{
	struct scmi_saved_sensor *v;
	unsigned int t;

	if (dev->saved == NULL)
		return;
	v = &dev->saved->s[st->idx];
	v->config = st->config;
	v->flags = (uint8_t)((st->trip_notify ? 1 : 0) | (st->update_notify ? 2 : 0) |
			     (st->have_last ? 4 : 0));
	for (t = 0; t < SCMI_TRIPS; t++) {
		v->dir[t] = st->trip[t].dir;
		v->value[t] = st->trip[t].value;
	}
	v->last = st->last;
}

static void
save(struct scmi_dev *dev)
{
	unsigned int i;

	if (dev->saved == NULL)
		return;
	dev->saved->magic = SAVED_MAGIC;
	dev->saved->n = dev->n;
	dev->saved->notify_errors = dev->notify_errors;
	for (i = 0; i < dev->n; i++)
		save_sensor(dev, &dev->st[i]);
}

/* ---- update intervals ---- */

static uint32_t
cfg_interval(uint32_t ms)
{
	/* seconds 31:16 times 10^exp (15:11): ms as N * 10^-3 when not whole seconds */
	if (ms % 1000 == 0)
		return (ms / 1000) << 16;
	if (ms % 100 == 0)
		return (ms / 100) << 16 | (uint32_t)(-1 & 0x1f) << 11;
	return ms << 16 | (uint32_t)(-3 & 0x1f) << 11;
}

static int
sext5(uint32_t v)
{
	return (v & 0x10) != 0 ? (int)v - 32 : (int)v;
}

uint64_t
scmi_interval_ns(uint32_t config)
{
	uint64_t ns = (uint64_t)SCMI_CFG_SECS(config) * 1000000000ull;
	int e = sext5(SCMI_CFG_EXP(config));

	for (; e > 0; e--)
		ns *= 10;
	for (; e < 0; e++)
		ns /= 10;
	return ns;
}

static uint64_t
interval_of(const struct scmi_state *st)
{
	uint64_t ns = scmi_interval_ns(st->config);

	return ns != 0 ? ns : (uint64_t)SCMI_DEFAULT_INTERVAL_MS * 1000000u;
}

/* ---- held buffers ---- */

static int
held_take(struct vhd_vq *vq, struct vhd_req *req, struct scmi_held *h)
{
	struct iovec *wr = vhd_req_wr_iov(req);
	unsigned int i;

	h->id = req->id;
	h->nseg = 0;
	h->total = 0;
	for (i = 0; i < req->n_wr; i++) {
		if (wr[i].iov_len == 0)
			continue;
		if (h->nseg == HELD_SEGS ||
		    vhd_mem_to_gpa(vq->mem, wr[i].iov_base, &h->gpa[h->nseg]) != 0)
			return -1;
		h->len[h->nseg++] = (uint32_t)wr[i].iov_len;
		h->total += (uint32_t)wr[i].iov_len;
	}
	return 0;
}

/* Scatter @p len bytes over a held buffer. @return 0, -1 when it was remapped away. */
static int
held_write(struct vhd_vq *vq, const struct scmi_held *h, const uint8_t *b, uint32_t len)
{
	uint32_t off = 0;
	unsigned int i;

	for (i = 0; i < h->nseg && off < len; i++) {
		uint32_t l = h->len[i] < len - off ? h->len[i] : len - off;
		void *dst = vhd_mem_translate(vq->mem, h->gpa[i], l);

		if (dst == NULL)
			return -1;
		memcpy(dst, b + off, l);
		off += l;
	}
	return 0;
}

/* ---- notifications ---- */

static void
deliver(struct scmi_dev *dev)
{
	bool pushed = false;

	while (dev->nheld > 0 && dev->npend > 0 && dev->evq != NULL) {
		struct scmi_held *h = &dev->held[dev->held_head];
		struct scmi_evt *e = &dev->pend[dev->pend_head];

		if (held_write(dev->evq, h, e->b, e->len) == 0) {
			vhd_vq_push(dev->evq, h->id, e->len);
			dev->stats.notifications++;
			dev->pend_head = (dev->pend_head + 1) % dev->pend_cap;
			dev->npend--;
		} else {
			vhd_vq_push(dev->evq, h->id, 0);
			dev->stats.bad_event_bufs++;
		}
		dev->held_head = (dev->held_head + 1) % SCMI_MAX_QUEUE_SIZE;
		dev->nheld--;
		pushed = true;
	}
	if (pushed)
		vhd_vq_notify(dev->evq);
}

/* Queue a notification of protocol @p proto, message @p msg, payload @p p. */
static void
notify(struct scmi_dev *dev, uint8_t proto, uint8_t msg, const uint8_t *p, uint32_t len)
{
	struct scmi_evt *e;

	if (!dev->p2a)
		return;
	if (dev->npend == dev->pend_cap || len + 4 > SCMI_EVT_MAX) {
		dev->stats.notify_dropped++;
		return;
	}
	e = &dev->pend[(dev->pend_head + dev->npend) % dev->pend_cap];
	vhd_put_le32(e->b, SCMI_HDR(msg, SCMI_TYPE_NOTIFICATION, proto, 0));
	memcpy(e->b + 4, p, len);
	e->len = len + 4;
	dev->npend++;
	deliver(dev);
}

/*
 * BASE_ERROR_EVENT, when the agent asked with BASE_NOTIFY_ERRORS, for a
 * message of its the device found malformed or could not answer at all:
 * agent_id, error_status (never fatal: serving goes on; bits 9:0 the
 * reports that follow), one 64-bit report per message, its header in bits
 * 31:0 (the upper half 0: no timestamp kept). A message too short to have a
 * header adds no report. While the last queued notification is such an
 * event still waiting for an eventq buffer, errors join it, as many as the
 * smallest buffer accepted takes; one without a header then adds nothing.
 */
static void
report_error(struct scmi_dev *dev, bool have_hdr, uint32_t hdr)
{
	const uint32_t evt_hdr = SCMI_HDR(SCMI_BASE_EVT_ERROR, SCMI_TYPE_NOTIFICATION,
					  SCMI_PROTO_BASE, 0);
	uint32_t max = (dev->evt_min - 12) / 8;
	uint8_t p[16];

	if (!dev->notify_errors || !dev->p2a)
		return;
	if (have_hdr)
		dev->stats.error_reports++;
	if (dev->npend > 0) {
		struct scmi_evt *e = &dev->pend[(dev->pend_head + dev->npend - 1) % dev->pend_cap];
		uint32_t n = vhd_get_le32(e->b + 8) & SCMI_ERR_COUNT_MASK;

		if (vhd_get_le32(e->b) == evt_hdr && (!have_hdr || n < max)) {
			if (have_hdr) {
				vhd_put_le64(e->b + e->len, hdr);
				vhd_put_le32(e->b + 8, n + 1);
				e->len += 8;
			}
			return;
		}
	}
	vhd_put_le32(p, AGENT_GUEST);
	vhd_put_le32(p + 4, have_hdr ? 1 : 0);
	vhd_put_le64(p + 8, hdr);
	notify(dev, SCMI_PROTO_BASE, SCMI_BASE_EVT_ERROR, p, have_hdr ? 16 : 8);
}

static void
notify_update(struct scmi_dev *dev, struct scmi_state *st, const int64_t *v)
{
	uint8_t p[8 + 16 * SCMI_MAX_AXES];
	unsigned int i, n = st->s->naxes != 0 ? st->s->naxes : 1;

	memset(p, 0, sizeof(p));
	vhd_put_le32(p, AGENT_GUEST);
	vhd_put_le32(p + 4, st->idx);
	for (i = 0; i < n; i++)
		vhd_put_le64(p + 8 + 16 * i, (uint64_t)v[i]); /* timestamps stay 0: not offered */
	dev->stats.updates++;
	notify(dev, SCMI_PROTO_SENSOR, SCMI_SENSOR_EVT_UPDATE, p, 8 + 16 * n);
}

/*
 * A new value of the sensor (axis 0 carries trip points): every enabled
 * trip point it crossed since the last observation is notified, when the
 * guest asked for trip events.
 */
static void
observe(struct scmi_dev *dev, struct scmi_state *st, int64_t v)
{
	unsigned int i;

	if (st->have_last && st->trip_notify) {
		for (i = 0; i < SCMI_TRIPS; i++) {
			const struct scmi_trip *t = &st->trip[i];
			bool up = st->last < t->value && v >= t->value;
			bool down = st->last > t->value && v <= t->value;
			uint8_t p[12];

			if (!((up && (t->dir & SCMI_TP_POSITIVE)) ||
			      (down && (t->dir & SCMI_TP_NEGATIVE))))
				continue;
			vhd_put_le32(p, AGENT_GUEST);
			vhd_put_le32(p + 4, st->idx);
			/* bit 16: ascending crossing; bits 7:0: the trip point */
			vhd_put_le32(p + 8, (up ? 1u << 16 : 0) | i);
			dev->stats.trip_events++;
			notify(dev, SCMI_PROTO_SENSOR, SCMI_SENSOR_EVT_TRIP_POINT, p, sizeof(p));
		}
	}
	st->last = v;
	st->have_last = true;
	if (dev->saved != NULL) {
		dev->saved->s[st->idx].last = v;
		dev->saved->s[st->idx].flags |= 4;
	}
}

static bool
trips_armed(const struct scmi_state *st)
{
	unsigned int i;

	for (i = 0; i < SCMI_TRIPS; i++)
		if (st->trip[i].dir != 0)
			return true;
	return false;
}

/* ---- readings ---- */

static int
read_now(struct scmi_dev *dev, struct scmi_state *st, int64_t *v)
{
	int rc = st->s->ops->read(st->s, v);

	dev->stats.readings++;
	if (rc != 0)
		dev->stats.read_errors++;
	else
		observe(dev, st, v[0]);
	return rc;
}

static struct scmi_job *
job_get(struct scmi_dev *dev)
{
	unsigned int i;

	for (i = 0; i < SCMI_MAX_JOBS; i++)
		if (!dev->jobs[i].busy) {
			dev->jobs[i].busy = true;
			return &dev->jobs[i];
		}
	return NULL;
}

static int
job_work(void *arg)
{
	struct scmi_job *j = arg;

	switch (j->kind) {
	case JOB_START:
		return scmi_iio_stream_start(j->s);
	case JOB_STOP:
		scmi_iio_stream_stop(j->s, j->fd);
		return 0;
	default:
		return j->s->ops->read(j->s, j->v);
	}
}

static void stream_done(struct scmi_dev *dev, struct scmi_state *st, int res);

static uint32_t reading_reply(const struct scmi_state *st, const int64_t *v, uint8_t *out);
static void tick_done(struct scmi_dev *dev, struct scmi_state *st, int rc, const int64_t *v);

static void
job_done(void *arg, int res)
{
	struct scmi_job *j = arg;
	struct scmi_dev *dev = j->dev;
	struct scmi_state *st = &dev->st[j->idx];

	j->busy = false;
	if (j->kind == JOB_START || j->kind == JOB_STOP) {
		if (j->kind == JOB_START)
			stream_done(dev, st, res);
		return;
	}
	dev->stats.readings++;
	if (res != 0)
		dev->stats.read_errors++;
	else
		observe(dev, st, j->v[0]);
	if (!j->reply) {
		tick_done(dev, st, res, j->v);
		return;
	}
	{
		uint8_t out[8 + 16 * SCMI_MAX_AXES];
		uint32_t len = 8;

		vhd_put_le32(out, j->hdr);
		if (res != 0) {
			vhd_put_le32(out + 4, (uint32_t)SCMI_HARDWARE_ERROR);
			dev->stats.errors++;
		} else {
			vhd_put_le32(out + 4, SCMI_SUCCESS);
			len += reading_reply(st, j->v, out + 8);
		}
		if (len > j->w.total) { /* checked at submission; never trust twice */
			vhd_put_le32(out + 4, (uint32_t)SCMI_COMMS_ERROR);
			len = 8;
		}
		dev->stats.requests++;
		if (held_write(j->vq, &j->w, out, len) != 0)
			len = 0;
		vhd_vq_push(j->vq, j->w.id, len);
		vhd_vq_notify(j->vq);
	}
}

/* ---- continuous updates and polled trip points: one timer per sensor ---- */

static bool
stream_usable(const struct scmi_dev *dev, const struct scmi_state *st)
{
	return st->s->buffered && !st->stream_broken && dev->host != NULL &&
	       dev->host->watch_fd != NULL && dev->host->offload != NULL;
}

static bool
wants_stream(const struct scmi_dev *dev, const struct scmi_state *st)
{
	return dev->p2a && (st->config & SCMI_CFG_ENABLED) != 0 && st->update_notify &&
	       stream_usable(dev, st);
}

static bool
wants_ticks(const struct scmi_dev *dev, const struct scmi_state *st)
{
	if (!dev->p2a || (st->config & SCMI_CFG_ENABLED) == 0)
		return false;
	/* an IIO buffer streams the updates; fake sensors see every change through
	 * scmi_dev_set(): no polling for trips
	 */
	if (st->update_notify && stream_usable(dev, st))
		return false;
	return st->update_notify || (st->trip_notify && trips_armed(st) && !st->s->fast);
}

static void tick(void *arg);
static void stream_update(struct scmi_dev *dev, struct scmi_state *st);

static void
timer_update(struct scmi_dev *dev, struct scmi_state *st)
{
	bool want = wants_ticks(dev, st);

	save_sensor(dev, st); /* every guest-set change comes through here */
	stream_update(dev, st);
	if (dev->host == NULL || dev->host->timer_arm == NULL)
		return;
	if (!want && st->armed) {
		dev->host->timer_cancel(dev->host, &st->timer);
		st->armed = false;
	} else if (want && !st->armed) {
		st->timer.cb = tick;
		st->timer.arg = st;
		st->deadline = dev->host->now_ns(dev->host) + interval_of(st);
		if (dev->host->timer_arm(dev->host, &st->timer, st->deadline) == 0)
			st->armed = true;
	}
}

static void
tick_done(struct scmi_dev *dev, struct scmi_state *st, int rc, const int64_t *v)
{
	st->ticking = false;
	if (rc == 0 && st->update_notify)
		notify_update(dev, st, v);
}

static void
tick(void *arg)
{
	struct scmi_state *st = arg;
	struct scmi_dev *dev = st->dev;
	int64_t v[SCMI_MAX_AXES];
	uint64_t now = dev->host->now_ns(dev->host), per = interval_of(st);

	st->armed = false;
	if (!wants_ticks(dev, st))
		return;
	/* absolute deadlines: no drift; a late worker skips missed periods */
	st->deadline += per;
	if (st->deadline <= now)
		st->deadline = now + per - (now - st->deadline) % per;
	if (dev->host->timer_arm(dev->host, &st->timer, st->deadline) == 0)
		st->armed = true;
	if (st->ticking)
		return; /* the last period's reading is still running */
	if (st->s->fast) {
		tick_done(dev, st, read_now(dev, st, v), v);
	} else {
		struct scmi_job *j = job_get(dev);

		if (j == NULL)
			return;
		j->dev = dev;
		j->s = st->s;
		j->idx = st->idx;
		j->reply = false;
		j->kind = JOB_READ;
		st->ticking = true;
		if (dev->host->offload(dev->host, job_work, job_done, j) != 0) {
			j->busy = false;
			st->ticking = false;
		}
	}
}

/* ---- IIO buffered updates ---- */

static void
stream_job(struct scmi_dev *dev, struct scmi_state *st, enum job_kind kind, int fd)
{
	struct scmi_job *j = job_get(dev);

	if (j == NULL) {
		if (kind == JOB_STOP) /* no slot: at least the fd goes; the buffer stays on */
			close(fd);
		else
			st->stream_broken = true;
		return;
	}
	j->dev = dev;
	j->s = st->s;
	j->idx = st->idx;
	j->reply = false;
	j->kind = kind;
	j->fd = fd;
	if (kind == JOB_START)
		st->stream_busy = true;
	if (dev->host->offload(dev->host, job_work, job_done, j) != 0) {
		j->busy = false;
		st->stream_busy = false;
		if (kind == JOB_STOP)
			close(fd);
		else
			st->stream_broken = true;
	}
}

static void
stream_off(struct scmi_dev *dev, struct scmi_state *st)
{
	dev->host->unwatch_fd(dev->host, st->sfd);
	stream_job(dev, st, JOB_STOP, st->sfd);
	st->sfd = -1;
	st->streaming = false;
}

static void
stream_cb(void *arg, int fd, uint32_t events)
{
	struct scmi_state *st = arg;
	struct scmi_dev *dev = st->dev;
	int64_t v[SCMI_MAX_AXES];
	unsigned int i;
	int rc = 0;

	(void)fd;
	(void)events;
	/* bounded: a flooding device leaves the fd readable for the next turn */
	for (i = 0; i < 64; i++) {
		rc = scmi_iio_stream_read(st->s, st->sfd, v);
		if (rc <= 0)
			break;
		dev->stats.readings++;
		dev->stats.stream_scans++;
		observe(dev, st, v[0]);
		if (st->update_notify)
			notify_update(dev, st, v);
	}
	if (rc < 0) {
		/* a broken stream: fall back to reading sysfs on the timer */
		dev->stats.read_errors++;
		st->stream_broken = true;
		stream_off(dev, st);
		timer_update(dev, st);
	}
}

static void
stream_done(struct scmi_dev *dev, struct scmi_state *st, int res)
{
	st->stream_busy = false;
	if (res < 0) {
		st->stream_broken = true;
		dev->stats.read_errors++;
		timer_update(dev, st);
		return;
	}
	if (!wants_stream(dev, st) || dev->host->watch_fd(dev->host, res, EPOLLIN, stream_cb,
							   st) != 0) {
		stream_job(dev, st, JOB_STOP, res);
		if (wants_stream(dev, st)) {
			st->stream_broken = true;
			timer_update(dev, st);
		}
		return;
	}
	st->sfd = res;
	st->streaming = true;
	stream_update(dev, st); /* wanted no more meanwhile? */
}

static void
stream_update(struct scmi_dev *dev, struct scmi_state *st)
{
	bool want = wants_stream(dev, st);

	if (want && !st->streaming && !st->stream_busy)
		stream_job(dev, st, JOB_START, -1);
	else if (!want && st->streaming)
		stream_off(dev, st);
}

/* On the control thread with the worker held off: blocking is fine here. */
static void
stream_kill(struct scmi_dev *dev, struct scmi_state *st)
{
	if (!st->streaming)
		return;
	dev->host->unwatch_fd(dev->host, st->sfd);
	scmi_iio_stream_stop(st->s, st->sfd);
	st->sfd = -1;
	st->streaming = false;
}

/* ---- base protocol ---- */

struct msg {
	uint32_t hdr;
	uint8_t id;
	const uint8_t *p;
	uint32_t plen;
	uint8_t *out;   /* return values, after the status */
	uint32_t cap;   /* room for them */
	uint32_t len;   /* written */
};

static bool
base_has(uint8_t id)
{
	return id <= SCMI_BASE_NOTIFY_ERRORS;
}

static bool
sensor_has(uint8_t id)
{
	return id <= SCMI_SENSOR_AXIS_NAME_GET;
}

/* Fixed-size reply: room for @p need bytes? */
#define NEED(m, need) \
	do { \
		if ((m)->cap < (need)) \
			return SCMI_COMMS_ERROR; \
		(m)->len = (need); \
	} while (0)
#define PARAMS(m, n) \
	do { \
		if ((m)->plen != (n)) \
			return SCMI_PROTOCOL_ERROR; \
	} while (0)

static int
base_msg(struct scmi_dev *dev, struct msg *m)
{
	uint32_t a;

	switch (m->id) {
	case SCMI_MSG_VERSION:
		PARAMS(m, 0);
		NEED(m, 4);
		vhd_put_le32(m->out, SCMI_BASE_VERSION);
		return SCMI_SUCCESS;
	case SCMI_MSG_ATTRIBUTES:
		PARAMS(m, 0);
		NEED(m, 4);
		vhd_put_le32(m->out, 1u | 1u << 8); /* one protocol besides base, one agent */
		return SCMI_SUCCESS;
	case SCMI_MSG_MESSAGE_ATTRIBUTES:
		PARAMS(m, 4);
		a = vhd_get_le32(m->p);
		if (a > 0xff || !base_has((uint8_t)a))
			return SCMI_NOT_FOUND;
		NEED(m, 4);
		vhd_put_le32(m->out, 0);
		return SCMI_SUCCESS;
	case SCMI_BASE_DISCOVER_VENDOR:
	case SCMI_BASE_DISCOVER_SUB_VENDOR:
		PARAMS(m, 0);
		NEED(m, SCMI_SHORT_NAME);
		put_name(m->out, m->id == SCMI_BASE_DISCOVER_VENDOR ? VENDOR : SUB_VENDOR,
			 SCMI_SHORT_NAME);
		return SCMI_SUCCESS;
	case SCMI_BASE_DISCOVER_IMPL_VERSION:
		PARAMS(m, 0);
		NEED(m, 4);
		vhd_put_le32(m->out, IMPL_VERSION);
		return SCMI_SUCCESS;
	case SCMI_BASE_DISCOVER_LIST_PROTOCOLS:
		PARAMS(m, 4);
		a = vhd_get_le32(m->p); /* protocols to skip */
		if (a > 1)
			return SCMI_INVALID_PARAMETERS;
		if (a == 1) {
			NEED(m, 4);
			vhd_put_le32(m->out, 0);
			return SCMI_SUCCESS;
		}
		NEED(m, 8); /* the list padded to 32 bits */
		vhd_put_le32(m->out, 1);
		vhd_put_le32(m->out + 4, SCMI_PROTO_SENSOR);
		return SCMI_SUCCESS;
	case SCMI_BASE_DISCOVER_AGENT:
		PARAMS(m, 4);
		a = vhd_get_le32(m->p);
		if (a == SCMI_AGENT_SELF)
			a = AGENT_GUEST;
		if (a > AGENT_GUEST)
			return SCMI_NOT_FOUND;
		NEED(m, 4 + SCMI_SHORT_NAME);
		vhd_put_le32(m->out, a);
		put_name(m->out + 4, a == 0 ? "platform" : "guest", SCMI_SHORT_NAME);
		return SCMI_SUCCESS;
	case SCMI_BASE_NOTIFY_ERRORS:
		PARAMS(m, 4);
		a = vhd_get_le32(m->p);
		if ((a & ~1u) != 0)
			return SCMI_INVALID_PARAMETERS;
		if (!dev->p2a)
			return SCMI_NOT_SUPPORTED;
		dev->notify_errors = (a & 1) != 0;
		save(dev);
		m->len = 0;
		return SCMI_SUCCESS;
	default:
		return SCMI_NOT_SUPPORTED;
	}
}

/* ---- sensor protocol ---- */

static bool
ext_name(const char *name)
{
	return strlen(name) >= SCMI_SHORT_NAME;
}

static uint32_t
desc_size(const struct scmi_sensor *s)
{
	return s->naxes == 0 ? SCMI_SENSOR_DESC_EXT_SIZE : SCMI_SENSOR_DESC_SIZE;
}

static void
put_desc(const struct scmi_state *st, uint8_t *p)
{
	const struct scmi_sensor *s = st->s;
	const struct scmi_axis *a = &s->axis[0];
	uint32_t lo = SCMI_SENS_UPDATE_NOTIFY | SCMI_TRIPS, hi;

	if (ext_name(s->name))
		lo |= SCMI_SENS_EXT_NAME;
	if (s->naxes == 0)
		lo |= SCMI_SENS_EXT_ATTRS;
	hi = SCMI_SENS_ATTR_HIGH(a->unit, a->scale, s->naxes);
	if (s->naxes != 0)
		hi |= SCMI_SENS_HAS_AXES;
	vhd_put_le32(p, st->idx);
	vhd_put_le32(p + 4, lo);
	vhd_put_le32(p + 8, hi);
	put_name(p + 12, s->name, SCMI_SHORT_NAME);
	if (s->naxes != 0)
		return;
	vhd_put_le32(p + 28, 0); /* power: not known */
	vhd_put_le32(p + 32, 1u | ((uint32_t)a->scale & 0x1fu) << 27); /* resolution 1 * 10^scale */
	vhd_put_le64(p + 36, (uint64_t)a->min);
	vhd_put_le64(p + 44, (uint64_t)a->max);
}

static void
put_axis(const struct scmi_sensor *s, unsigned int i, uint8_t *p)
{
	const struct scmi_axis *a = &s->axis[i];
	uint32_t lo = SCMI_AXIS_EXT_ATTRS;

	if (ext_name(a->name))
		lo |= SCMI_AXIS_EXT_NAME;
	vhd_put_le32(p, i);
	vhd_put_le32(p + 4, lo);
	vhd_put_le32(p + 8, SCMI_SENS_ATTR_HIGH(a->unit, a->scale, 0));
	put_name(p + 12, a->name, SCMI_SHORT_NAME);
	vhd_put_le32(p + 28, 1u | ((uint32_t)a->scale & 0x1fu) << 27);
	vhd_put_le64(p + 32, (uint64_t)a->min);
	vhd_put_le64(p + 40, (uint64_t)a->max);
}

static uint32_t
reading_reply(const struct scmi_state *st, const int64_t *v, uint8_t *out)
{
	unsigned int i, n = st->s->naxes != 0 ? st->s->naxes : 1;

	memset(out, 0, 16 * n);
	for (i = 0; i < n; i++)
		vhd_put_le64(out + 16 * i, (uint64_t)v[i]);
	return 16 * n;
}

/* Sensor @p id of a message, or NULL (NOT_FOUND). */
static struct scmi_state *
sensor_of(struct scmi_dev *dev, const struct msg *m)
{
	uint32_t id = vhd_get_le32(m->p);

	return id < dev->n ? &dev->st[id] : NULL;
}

static int
sensor_reading(struct scmi_dev *dev, struct scmi_state *st, struct msg *m, struct vhd_vq *vq,
	       struct vhd_req *req)
{
	uint32_t flags = vhd_get_le32(m->p + 4);
	uint32_t need = 16 * (st->s->naxes != 0 ? st->s->naxes : 1);
	int64_t v[SCMI_MAX_AXES];
	struct scmi_job *j;
	int rc;

	if ((flags & ~1u) != 0)
		return SCMI_INVALID_PARAMETERS;
	if (flags & 1u)
		return SCMI_NOT_SUPPORTED; /* no asynchronous reads offered */
	if ((st->config & SCMI_CFG_ENABLED) == 0)
		return SCMI_DENIED;
	if (m->cap < need)
		return SCMI_COMMS_ERROR;
	if (st->s->fast || req == NULL) {
		if (read_now(dev, st, v) != 0)
			return SCMI_HARDWARE_ERROR;
		m->len = reading_reply(st, v, m->out);
		return SCMI_SUCCESS;
	}
	j = job_get(dev);
	if (j == NULL)
		return ST_RETRY;
	j->dev = dev;
	j->s = st->s;
	j->idx = st->idx;
	j->reply = true;
	j->kind = JOB_REPLY;
	j->vq = vq;
	j->hdr = m->hdr;
	if (held_take(vq, req, &j->w) != 0) {
		j->busy = false;
		return SCMI_COMMS_ERROR;
	}
	rc = dev->host->offload(dev->host, job_work, job_done, j);
	if (rc != 0) {
		j->busy = false;
		return rc == -EAGAIN ? ST_RETRY : SCMI_HARDWARE_ERROR;
	}
	return ST_HELD;
}

/* Round a requested interval to an offered one. @return its ms, 0: out of range. */
static uint32_t
round_interval(uint64_t ns, unsigned int mode)
{
	uint64_t best = 0, d, bd = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < N_INTERVALS; i++) {
		uint64_t o = (uint64_t)intervals_ms[i] * 1000000u;

		if (o == ns)
			return intervals_ms[i];
		if (mode == 0 && o < ns)
			best = intervals_ms[i];
		if (mode == 1 && o > ns && best == 0)
			best = intervals_ms[i];
		if (mode == 2) {
			d = o > ns ? o - ns : ns - o;
			if (d < bd) {
				bd = d;
				best = intervals_ms[i];
			}
		}
	}
	return (uint32_t)best;
}

static int
sensor_config_set(struct scmi_dev *dev, struct scmi_state *st, uint32_t c)
{
	uint32_t ms, cfg;

	if ((c & 0x1fcu) != 0 || SCMI_CFG_ROUND(c) == 3)
		return SCMI_INVALID_PARAMETERS;
	if (c & SCMI_CFG_TSTAMP)
		return SCMI_NOT_SUPPORTED; /* no timestamps offered */
	cfg = st->config & ~(0xffff0000u | 0xf800u);
	if (SCMI_CFG_SECS(c) == 0) {
		cfg |= st->config & (0xffff0000u | 0xf800u); /* 0: keep the interval */
	} else {
		ms = round_interval(scmi_interval_ns(c), SCMI_CFG_ROUND(c));
		if (ms == 0)
			return SCMI_OUT_OF_RANGE;
		cfg |= cfg_interval(ms);
	}
	cfg = (cfg & ~SCMI_CFG_ENABLED) | (c & SCMI_CFG_ENABLED);
	st->config = cfg;
	if (dev->host != NULL && st->armed) {
		dev->host->timer_cancel(dev->host, &st->timer);
		st->armed = false;
	}
	timer_update(dev, st);
	return SCMI_SUCCESS;
}

/* Paged replies: flags word, then as many entries as fit. */
static int
paged(struct msg *m, uint32_t first, uint32_t total, uint32_t esize, uint32_t max_ret,
      void (*put)(const void *ctx, uint32_t i, uint8_t *p), const void *ctx, uint32_t *ret)
{
	uint32_t n = 0;

	if (first > total)
		return SCMI_INVALID_PARAMETERS;
	if (m->cap < 4)
		return SCMI_COMMS_ERROR;
	while (first + n < total && n < max_ret && 4 + (n + 1) * esize <= m->cap) {
		put(ctx, first + n, m->out + 4 + n * esize);
		n++;
	}
	if (n == 0 && first < total)
		return SCMI_COMMS_ERROR; /* not even one entry fits */
	*ret = n;
	m->len = 4 + n * esize;
	return SCMI_SUCCESS;
}

static void
put_axis_cb(const void *ctx, uint32_t i, uint8_t *p)
{
	put_axis(ctx, i, p);
}

static void
put_axis_name_cb(const void *ctx, uint32_t i, uint8_t *p)
{
	const struct scmi_sensor *s = ctx;

	vhd_put_le32(p, i);
	put_name(p + 4, s->axis[i].name, SCMI_LONG_NAME);
}

static void
put_interval_cb(const void *ctx, uint32_t i, uint8_t *p)
{
	uint32_t ms = intervals_ms[i];

	(void)ctx;
	if (ms % 1000 == 0)
		vhd_put_le32(p, SCMI_INTERVAL(ms / 1000, 0));
	else
		vhd_put_le32(p, SCMI_INTERVAL(ms / 100, -1));
}

static int
sensor_descriptions(struct scmi_dev *dev, struct msg *m)
{
	uint32_t first = vhd_get_le32(m->p), n = 0, off = 4;

	if (first > dev->n)
		return SCMI_INVALID_PARAMETERS;
	if (m->cap < 4)
		return SCMI_COMMS_ERROR;
	/* as many as the writable part takes: Linux's holds 128 bytes */
	while (first + n < dev->n && n < 0xfff) {
		const struct scmi_state *st = &dev->st[first + n];
		uint32_t sz = desc_size(st->s);

		if (off + sz > m->cap)
			break;
		put_desc(st, m->out + off);
		off += sz;
		n++;
	}
	if (n == 0 && first < dev->n)
		return SCMI_COMMS_ERROR;
	vhd_put_le32(m->out, n | (dev->n - first - n) << 16);
	m->len = off;
	return SCMI_SUCCESS;
}

static int
sensor_msg(struct scmi_dev *dev, struct msg *m, struct vhd_vq *vq, struct vhd_req *req)
{
	struct scmi_state *st = NULL;
	uint32_t a, ret;
	int rc;

	/* every message but the first three and DESCRIPTION_GET names a sensor first */
	if (m->id > SCMI_SENSOR_DESCRIPTION_GET && sensor_has(m->id)) {
		if (m->plen < 4)
			return SCMI_PROTOCOL_ERROR;
		st = sensor_of(dev, m);
	}
	switch (m->id) {
	case SCMI_MSG_VERSION:
		PARAMS(m, 0);
		NEED(m, 4);
		vhd_put_le32(m->out, SCMI_SENSOR_VERSION);
		return SCMI_SUCCESS;
	case SCMI_MSG_ATTRIBUTES:
		PARAMS(m, 0);
		NEED(m, 16);
		memset(m->out, 0, 16); /* no async reads, no shared memory */
		vhd_put_le32(m->out, dev->n);
		return SCMI_SUCCESS;
	case SCMI_MSG_MESSAGE_ATTRIBUTES:
		PARAMS(m, 4);
		a = vhd_get_le32(m->p);
		if (a > 0xff || !sensor_has((uint8_t)a))
			return SCMI_NOT_FOUND;
		NEED(m, 4);
		vhd_put_le32(m->out, 0);
		return SCMI_SUCCESS;
	case SCMI_SENSOR_DESCRIPTION_GET:
		PARAMS(m, 4);
		return sensor_descriptions(dev, m);
	case SCMI_SENSOR_TRIP_POINT_NOTIFY:
	case SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY:
		PARAMS(m, 8);
		if (st == NULL)
			return SCMI_NOT_FOUND;
		a = vhd_get_le32(m->p + 4);
		if ((a & ~1u) != 0)
			return SCMI_INVALID_PARAMETERS;
		if (!dev->p2a)
			return SCMI_NOT_SUPPORTED;
		if (m->id == SCMI_SENSOR_TRIP_POINT_NOTIFY)
			st->trip_notify = a != 0;
		else
			st->update_notify = a != 0;
		timer_update(dev, st);
		m->len = 0;
		return SCMI_SUCCESS;
	case SCMI_SENSOR_TRIP_POINT_CONFIG:
		PARAMS(m, 16);
		if (st == NULL)
			return SCMI_NOT_FOUND;
		a = vhd_get_le32(m->p + 4);
		if (SCMI_TP_RESERVED(a) != 0 || SCMI_TP_ID(a) >= SCMI_TRIPS)
			return SCMI_INVALID_PARAMETERS;
		st->trip[SCMI_TP_ID(a)].dir = (uint8_t)SCMI_TP_DIR(a);
		st->trip[SCMI_TP_ID(a)].value =
			(int64_t)((uint64_t)vhd_get_le32(m->p + 8) | (uint64_t)vhd_get_le32(m->p + 12) << 32);
		timer_update(dev, st);
		m->len = 0;
		return SCMI_SUCCESS;
	case SCMI_SENSOR_READING_GET:
		PARAMS(m, 8);
		if (st == NULL)
			return SCMI_NOT_FOUND;
		return sensor_reading(dev, st, m, vq, req);
	case SCMI_SENSOR_AXIS_DESCRIPTION_GET:
	case SCMI_SENSOR_AXIS_NAME_GET:
		PARAMS(m, 8);
		if (st == NULL)
			return SCMI_NOT_FOUND;
		if (st->s->naxes == 0)
			return SCMI_NOT_SUPPORTED;
		if (m->id == SCMI_SENSOR_AXIS_DESCRIPTION_GET)
			rc = paged(m, vhd_get_le32(m->p + 4), st->s->naxes, SCMI_AXIS_DESC_EXT_SIZE, 63,
				   put_axis_cb, st->s, &ret);
		else
			rc = paged(m, vhd_get_le32(m->p + 4), st->s->naxes, SCMI_AXIS_NAME_DESC_SIZE, 63,
				   put_axis_name_cb, st->s, &ret);
		if (rc != SCMI_SUCCESS)
			return rc;
		/* returned 5:0, remaining 31:26 */
		vhd_put_le32(m->out, ret | (st->s->naxes - vhd_get_le32(m->p + 4) - ret) << 26);
		return SCMI_SUCCESS;
	case SCMI_SENSOR_LIST_UPDATE_INTERVALS:
		PARAMS(m, 8);
		if (st == NULL)
			return SCMI_NOT_FOUND;
		rc = paged(m, vhd_get_le32(m->p + 4), N_INTERVALS, 4, 0xfff, put_interval_cb, NULL, &ret);
		if (rc != SCMI_SUCCESS)
			return rc;
		vhd_put_le32(m->out, ret | (uint32_t)(N_INTERVALS - vhd_get_le32(m->p + 4) - ret) << 16);
		return SCMI_SUCCESS;
	case SCMI_SENSOR_CONFIG_GET:
		PARAMS(m, 4);
		if (st == NULL)
			return SCMI_NOT_FOUND;
		NEED(m, 4);
		vhd_put_le32(m->out, st->config);
		return SCMI_SUCCESS;
	case SCMI_SENSOR_CONFIG_SET:
		PARAMS(m, 8);
		if (st == NULL)
			return SCMI_NOT_FOUND;
		m->len = 0;
		return sensor_config_set(dev, st, vhd_get_le32(m->p + 4));
	case SCMI_SENSOR_NAME_GET:
		PARAMS(m, 4);
		if (st == NULL)
			return SCMI_NOT_FOUND;
		if (!ext_name(st->s->name))
			return SCMI_NOT_SUPPORTED;
		NEED(m, 4 + SCMI_LONG_NAME);
		vhd_put_le32(m->out, 0);
		put_name(m->out + 4, st->s->name, SCMI_LONG_NAME);
		return SCMI_SUCCESS;
	default:
		return SCMI_NOT_SUPPORTED;
	}
}

/* ---- cmdq ---- */

static int
handle_cmd(struct scmi_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	uint8_t out[SCMI_MAX_REPLY];
	uint8_t params[SCMI_MAX_PARAMS];
	struct msg m;
	uint32_t hdr = 0;
	int st;

	if (req->wr_len < 8) {
		dev->stats.dropped++; /* no room for a header and a status */
		if (req->rd_len >= 4)
			vhd_req_read(req, 0, &hdr, 4);
		report_error(dev, req->rd_len >= 4, le32toh(hdr));
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.out = out + 8;
	m.cap = (req->wr_len < SCMI_MAX_REPLY ? req->wr_len : SCMI_MAX_REPLY) - 8;
	if (req->rd_len < 4 || req->rd_len - 4 > SCMI_MAX_PARAMS) {
		if (req->rd_len >= 4)
			vhd_req_read(req, 0, &hdr, 4);
		hdr = le32toh(hdr);
		st = SCMI_PROTOCOL_ERROR;
		goto reply;
	}
	vhd_req_read(req, 0, &hdr, 4);
	hdr = le32toh(hdr);
	m.hdr = hdr;
	m.id = (uint8_t)SCMI_HDR_MSG_ID(hdr);
	m.plen = req->rd_len - 4;
	m.p = params;
	vhd_req_read(req, 4, params, m.plen);
	if (SCMI_HDR_RESERVED(hdr) != 0 || SCMI_HDR_TYPE(hdr) != SCMI_TYPE_COMMAND) {
		st = SCMI_PROTOCOL_ERROR;
		goto reply;
	}
	switch (SCMI_HDR_PROTO(hdr)) {
	case SCMI_PROTO_BASE:
		st = base_msg(dev, &m);
		break;
	case SCMI_PROTO_SENSOR:
		st = sensor_msg(dev, &m, vq, req);
		break;
	default:
		st = SCMI_NOT_SUPPORTED;
		break;
	}
	if (st == ST_HELD)
		return VHD_REQ_HELD;
	if (st == ST_RETRY)
		return VHD_REQ_RETRY;
reply:
	vhd_put_le32(out, hdr);
	vhd_put_le32(out + 4, (uint32_t)st);
	if (st != SCMI_SUCCESS) {
		m.len = 0;
		dev->stats.errors++;
		if (st == SCMI_PROTOCOL_ERROR || st == SCMI_COMMS_ERROR) {
			dev->stats.bad_msgs++;
			report_error(dev, req->rd_len >= 4, hdr);
		}
	}
	dev->stats.requests++;
	return (int)vhd_req_write(req, 0, out, 8 + m.len);
}

/* ---- eventq ---- */

static int
handle_event(struct scmi_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	struct scmi_held *h;

	if (req->rd_len != 0 || req->wr_len < dev->evt_min ||
	    dev->nheld >= SCMI_MAX_QUEUE_SIZE) {
		dev->stats.bad_event_bufs++;
		return 0;
	}
	dev->evq = vq;
	h = &dev->held[(dev->held_head + dev->nheld) % SCMI_MAX_QUEUE_SIZE];
	if (held_take(vq, req, h) != 0) {
		dev->stats.bad_event_bufs++;
		return 0;
	}
	dev->nheld++;
	deliver(dev);
	return VHD_REQ_HELD;
}

static int
scmi_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct scmi_dev *dev = priv;

	if (q == SCMI_EVENTQ)
		return handle_event(dev, vq, req);
	return handle_cmd(dev, vq, req);
}

/* ---- control socket ---- */

static int
find_sensor(const struct scmi_dev *dev, const char *w)
{
	char *end;
	unsigned long i;

	i = strtoul(w, &end, 10);
	if (*w != '\0' && *end == '\0')
		return i < dev->n ? (int)i : -1;
	for (i = 0; i < dev->n; i++)
		if (strcmp(dev->st[i].s->name, w) == 0)
			return (int)i;
	return -1;
}

static void
ctl_cmd(void *arg, struct vhd_ctl_conn *c, char *line)
{
	struct scmi_dev *dev = arg;
	char w1[16], w2[80], w3[16], w4[32], out[256], *end;
	int n = sscanf(line, "%15s %79s %15s %31s", w1, w2, w3, w4);
	int idx, rc;
	unsigned int axis, i;
	long long v;

	if (n >= 1 && strcmp(w1, "ping") == 0) {
		vhd_ctl_reply(c, "pong\n");
		return;
	}
	if (n >= 1 && strcmp(w1, "list") == 0) {
		for (i = 0; i < dev->n; i++) {
			const struct scmi_sensor *s = dev->st[i].s;

			snprintf(out, sizeof(out), "%u %s %s axes %u unit %u scale %d\n", i,
				 s->name, s->kind, s->naxes, s->axis[0].unit, s->axis[0].scale);
			vhd_ctl_reply(c, out);
		}
		vhd_ctl_reply(c, "ok\n");
		return;
	}
	if (n == 2 && strcmp(w1, "get") == 0) {
		const struct scmi_sensor *s;

		idx = find_sensor(dev, w2);
		if (idx < 0) {
			vhd_ctl_reply(c, "error: no such sensor\n");
			return;
		}
		s = dev->st[idx].s;
		if (s->ops->set == NULL) {
			vhd_ctl_reply(c, "error: not a fake sensor\n");
			return;
		}
		snprintf(out, sizeof(out), "%" PRId64 " %" PRId64 " %" PRId64 "\n", s->fake[0],
			 s->fake[1], s->fake[2]);
		vhd_ctl_reply(c, out);
		return;
	}
	if (n == 4 && strcmp(w1, "set") == 0) {
		idx = find_sensor(dev, w2);
		if (idx < 0) {
			vhd_ctl_reply(c, "error: no such sensor\n");
			return;
		}
		if (w3[1] == '\0' && w3[0] >= 'x' && w3[0] <= 'z') {
			axis = (unsigned int)(w3[0] - 'x');
		} else {
			unsigned long a = strtoul(w3, &end, 10);

			if (*end != '\0' || a > SCMI_MAX_AXES) {
				vhd_ctl_reply(c, "error: bad axis\n");
				return;
			}
			axis = (unsigned int)a;
		}
		errno = 0;
		v = strtoll(w4, &end, 10);
		if (errno != 0 || *end != '\0') {
			vhd_ctl_reply(c, "error: bad value\n");
			return;
		}
		rc = scmi_dev_set(dev, (unsigned int)idx, axis, v);
		vhd_ctl_reply(c, rc == 0 ? "ok\n" : rc == -ENOTSUP ? "error: not a fake sensor\n" :
			      "error: bad axis\n");
		return;
	}
	vhd_ctl_reply(c, "error: usage: set SENSOR AXIS VALUE | get SENSOR | list | ping\n");
}

static void
ctl_fd_cb(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	vhd_ctl_service(((struct scmi_dev *)arg)->ctl);
}

int
scmi_dev_set(struct scmi_dev *dev, unsigned int idx, unsigned int axis, int64_t v)
{
	struct scmi_state *st;

	if (idx >= dev->n)
		return -ENOENT;
	st = &dev->st[idx];
	if (st->s->ops->set == NULL)
		return -ENOTSUP;
	if (st->s->ops->set(st->s, axis, v) != 0)
		return -EINVAL;
	dev->stats.ctl_sets++;
	if (axis == 0)
		observe(dev, st, v);
	return 0;
}

/* ---- ops ---- */

static void
sensor_defaults(struct scmi_state *st)
{
	/* enabled from the start: scmi-hwmon reads without enabling */
	st->config = SCMI_CFG_ENABLED | cfg_interval(SCMI_DEFAULT_INTERVAL_MS);
	st->trip_notify = false;
	st->update_notify = false;
	memset(st->trip, 0, sizeof(st->trip));
	st->have_last = false;
}

static void
scmi_attach(void *priv, struct vhd_host *host)
{
	struct scmi_dev *dev = priv;

	dev->host = host;
	if (dev->ctl != NULL && host->watch_fd != NULL &&
	    host->watch_fd(host, vhd_ctl_fd(dev->ctl), EPOLLIN, ctl_fd_cb, dev) == 0)
		dev->ctl_watched = true;
}

static void
scmi_set_features(void *priv, uint64_t features)
{
	((struct scmi_dev *)priv)->p2a = (features & (1ULL << SCMI_F_P2A_CHANNELS)) != 0;
}

static int
scmi_queue_start(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct scmi_dev *dev = priv;

	if (q == SCMI_EVENTQ)
		dev->evq = vq;
	return 0;
}

static void
scmi_queue_stop(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct scmi_dev *dev = priv;

	(void)vq;
	if (q != SCMI_EVENTQ)
		return; /* offloaded readings finished before a stop: nothing held */
	/* the ring is gone: held buffers are forgotten, pending notifications wait */
	dev->nheld = 0;
	dev->held_head = 0;
	dev->evq = NULL;
}

static void
scmi_reset(void *priv)
{
	struct scmi_dev *dev = priv;
	unsigned int i;

	for (i = 0; i < dev->n; i++) {
		struct scmi_state *st = &dev->st[i];

		if (st->armed && dev->host != NULL)
			dev->host->timer_cancel(dev->host, &st->timer);
		st->armed = false;
		stream_kill(dev, st);
		st->stream_broken = false;
		sensor_defaults(st);
	}
	dev->notify_errors = false;
	dev->nheld = 0;
	dev->held_head = 0;
	dev->npend = 0;
	dev->pend_head = 0;
	dev->evq = NULL;
}

/* Interval bits of a restored config: one this device offers, else the default. */
static uint32_t
restored_config(uint32_t c)
{
	uint64_t ns = scmi_interval_ns(c);
	unsigned int i;

	for (i = 0; i < N_INTERVALS; i++)
		if (ns == (uint64_t)intervals_ms[i] * 1000000u)
			return cfg_interval(intervals_ms[i]) | (c & SCMI_CFG_ENABLED);
	return cfg_interval(SCMI_DEFAULT_INTERVAL_MS) | (c & SCMI_CFG_ENABLED);
}

/*
 * Restart hook: the guest's settings outlive a killed backend in the
 * frontend's in-flight area. A restored area is the frontend's memory:
 * every field is checked (an area of another sensor count is ignored).
 * Eventq buffers the dead process held come back through handle(), which
 * holds them again.
 */
static void
scmi_restart_state(void *priv, void *state, bool restored)
{
	struct scmi_dev *dev = priv;
	struct scmi_saved *v = state;
	unsigned int i, t;

	dev->saved = v;
	if (v == NULL)
		return;
	if (restored && v->magic == SAVED_MAGIC && v->n == dev->n) {
		dev->notify_errors = dev->p2a && (v->notify_errors & 1) != 0;
		for (i = 0; i < dev->n; i++) {
			struct scmi_state *st = &dev->st[i];
			const struct scmi_saved_sensor *ss = &v->s[i];

			st->config = restored_config(ss->config);
			st->trip_notify = dev->p2a && (ss->flags & 1) != 0;
			st->update_notify = dev->p2a && (ss->flags & 2) != 0;
			st->have_last = (ss->flags & 4) != 0;
			st->last = ss->last;
			for (t = 0; t < SCMI_TRIPS; t++) {
				st->trip[t].dir = ss->dir[t] & 3;
				st->trip[t].value = ss->value[t];
			}
			timer_update(dev, st);
		}
		dev->stats.restored++;
	}
	memset(v, 0, sizeof(*v));
	save(dev);
}

static void
scmi_get_stats(void *priv, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	const struct scmi_dev_stats *st = &((struct scmi_dev *)priv)->stats;

	put(ctx, "requests", st->requests);
	put(ctx, "errors", st->errors);
	put(ctx, "bad_msgs", st->bad_msgs);
	put(ctx, "dropped", st->dropped);
	put(ctx, "readings", st->readings);
	put(ctx, "read_errors", st->read_errors);
	put(ctx, "notifications", st->notifications);
	put(ctx, "notify_dropped", st->notify_dropped);
	put(ctx, "trip_events", st->trip_events);
	put(ctx, "updates", st->updates);
	put(ctx, "bad_event_bufs", st->bad_event_bufs);
	put(ctx, "ctl_sets", st->ctl_sets);
	put(ctx, "stream_scans", st->stream_scans);
	put(ctx, "restored", st->restored);
	put(ctx, "error_reports", st->error_reports);
}

const struct vhd_device_ops scmi_ops = {
	.name = "scmi",
	.virtio_id = SCMI_VIRTIO_ID,
	.num_queues = SCMI_NUM_QUEUES,
	.max_queue_size = SCMI_MAX_QUEUE_SIZE,
	.features = 1ULL << SCMI_F_P2A_CHANNELS,
	.config_size = 0,
	.held_survive_remap = true,
	.restart_state_size = sizeof(struct scmi_saved),
	.attach = scmi_attach,
	.restart_state = scmi_restart_state,
	.reset = scmi_reset,
	.set_features = scmi_set_features,
	.queue_start = scmi_queue_start,
	.queue_stop = scmi_queue_stop,
	.handle = scmi_handle,
	.get_stats = scmi_get_stats,
};

int
scmi_dev_create(struct scmi_sensor **sensors, unsigned int n, const char *ctl_path,
		unsigned int pending, struct scmi_dev **out)
{
	struct scmi_dev *dev;
	unsigned int i, maxax = 1;
	int rc;

	if (n > SCMI_MAX_SENSORS) {
		for (i = 0; i < n; i++)
			scmi_sensor_destroy(sensors[i]);
		return -EINVAL;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev != NULL) {
		dev->pend_cap = pending != 0 ? pending : SCMI_EVT_PENDING;
		dev->pend = calloc(dev->pend_cap, sizeof(*dev->pend));
	}
	if (dev == NULL || dev->pend == NULL) {
		free(dev);
		for (i = 0; i < n; i++)
			scmi_sensor_destroy(sensors[i]);
		return -ENOMEM;
	}
	dev->n = n;
	for (i = 0; i < n; i++) {
		dev->st[i].s = sensors[i];
		dev->st[i].dev = dev;
		dev->st[i].idx = i;
		dev->st[i].sfd = -1;
		sensor_defaults(&dev->st[i]);
		if (sensors[i]->naxes > maxax)
			maxax = sensors[i]->naxes;
	}
	dev->evt_min = 12 + 16 * maxax; /* the longest notification this device sends */
	if (ctl_path != NULL) {
		rc = vhd_ctl_open(ctl_path, ctl_cmd, dev, &dev->ctl);
		if (rc != 0) {
			scmi_dev_destroy(dev);
			return rc;
		}
	}
	*out = dev;
	return 0;
}

void
scmi_dev_destroy(struct scmi_dev *dev)
{
	unsigned int i;

	if (dev == NULL)
		return;
	if (dev->ctl_watched && dev->host->unwatch_fd != NULL)
		dev->host->unwatch_fd(dev->host, vhd_ctl_fd(dev->ctl));
	vhd_ctl_close(dev->ctl);
	for (i = 0; i < dev->n; i++) {
		if (dev->st[i].armed && dev->host != NULL)
			dev->host->timer_cancel(dev->host, &dev->st[i].timer);
		stream_kill(dev, &dev->st[i]);
		scmi_sensor_destroy(dev->st[i].s);
	}
	free(dev->pend);
	free(dev);
}

const struct scmi_dev_stats *
scmi_dev_stats(const struct scmi_dev *dev)
{
	return &dev->stats;
}

unsigned int
scmi_dev_held(const struct scmi_dev *dev)
{
	return dev->nheld;
}

unsigned int
scmi_dev_pending(const struct scmi_dev *dev)
{
	return dev->npend;
}
