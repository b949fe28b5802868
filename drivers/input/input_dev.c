/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "input_dev.h"

/* Multitouch axes tracked per slot (ABS_MT_TOUCH_MAJOR..ABS_MT_TOOL_Y). */
#define MT_FIRST ABS_MT_TOUCH_MAJOR
#define MT_N (ABS_MT_TOOL_Y - ABS_MT_TOUCH_MAJOR + 1)

/* Bytes of one guest event and the segments a held buffer may span. */
#define EV_SIZE sizeof(struct input_wire_event)
#define HELD_SEGS 8

/* What one side knows: the source's current state, or what the guest was told. */
struct input_state {
	uint8_t keys[KEY_CNT / 8];
	uint8_t sw[SW_CNT / 8 + 1];
	int32_t abs[ABS_CNT];
	int32_t mt[INPUT_MT_SLOTS][MT_N];
};

struct input_held {
	uint16_t id;
	uint8_t nseg;
	uint8_t len[HELD_SEGS];
	uint64_t gpa[HELD_SEGS];
};

struct input_dev {
	struct input_src *src;
	struct vhd_host *host;
	struct vhd_vq *evq;
	uint8_t select, subsel;  /* config window; atomics (control thread) */
	char name[INPUT_NAME_MAX + 1];
	char serial[INPUT_NAME_MAX + 1];
	size_t name_len, serial_len;
	bool has_mt;
	/* held eventq buffers, FIFO */
	struct input_held held[INPUT_MAX_QUEUE_SIZE];
	unsigned int held_head, nheld;
	/* pending events, FIFO of whole batches */
	struct input_ev *pend;
	struct input_ev *rs;     /* resync batch under construction, pend_cap events */
	unsigned int pend_cap, pend_head, npend;
	/* batch being collected */
	struct input_ev cur[INPUT_BATCH_MAX];
	unsigned int ncur;
	bool cur_bad;            /* overlong or interrupted by SYN_DROPPED: dropped at SYN */
	bool resync;             /* a batch was dropped: the guest's view is stale */
	struct input_state now;  /* the source */
	struct input_state told; /* the guest */
	struct input_state init;
	/* What the guest received, kept in the frontend's in-flight area
	 * across a backend restart (restart_state), or NULL.
	 */
	struct input_state *saved;
	struct input_dev_stats stats;
};

/* ---- names ---- */

/* Length of the valid UTF-8 sequence at @p s (0: invalid), at most @p avail bytes. */
static size_t
utf8_len(const unsigned char *s, size_t avail)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

size_t
input_name_clean(char *dst, const char *src, size_t max)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t in = strlen(src), i = 0, o = 0;

	while (i < in) {
		size_t n = utf8_len(s + i, in - i);

		if (n == 0 || (n == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
			if (o + 1 > max)
				break;
			dst[o++] = '?';
			i++;
			continue;
		}
		if (o + n > max)
			break;
		memcpy(dst + o, s + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
	return o;
}

/* ---- state ---- */

static bool
is_mt(uint16_t code)
{
	return code >= MT_FIRST && code < MT_FIRST + MT_N;
}

static void
state_apply(struct input_state *st, const struct input_ev *ev)
{
	switch (ev->type) {
	case EV_KEY:
		if (ev->code >= KEY_CNT)
			return;
		if (ev->value != 0)
			input_bit_set(st->keys, ev->code);
		else
			st->keys[ev->code / 8] &= (uint8_t)~(1u << (ev->code % 8));
		break;
	case EV_SW:
		if (ev->code >= SW_CNT)
			return;
		if (ev->value != 0)
			input_bit_set(st->sw, ev->code);
		else
			st->sw[ev->code / 8] &= (uint8_t)~(1u << (ev->code % 8));
		break;
	case EV_ABS:
		if (ev->code >= ABS_CNT)
			return;
		if (is_mt(ev->code)) {
			int32_t slot = st->abs[ABS_MT_SLOT];

			if (slot >= 0 && slot < INPUT_MT_SLOTS)
				st->mt[slot][ev->code - MT_FIRST] = ev->value;
			return;
		}
		st->abs[ev->code] = ev->value;
		break;
	default:
		break;
	}
}

static void
state_init(struct input_dev *dev)
{
	const struct input_info *in = &dev->src->info;
	struct input_state *st = &dev->init;
	unsigned int a, s;

	memset(st, 0, sizeof(*st));
	for (a = 0; a < ABS_CNT; a++)
		st->abs[a] = in->abs[a].value;
	st->abs[ABS_MT_SLOT] = 0;
	for (s = 0; s < INPUT_MT_SLOTS; s++)
		st->mt[s][ABS_MT_TRACKING_ID - MT_FIRST] = -1;
	dev->now = *st;
	dev->told = *st;
}

/* ---- pending queue ---- */

static unsigned int
pend_free(const struct input_dev *dev)
{
	return dev->pend_cap - dev->npend;
}

/* Queue a batch the guest will be told: its view follows. */
static void
pend_batch(struct input_dev *dev, const struct input_ev *ev, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		dev->pend[(dev->pend_head + dev->npend) % dev->pend_cap] = ev[i];
		dev->npend++;
		state_apply(&dev->told, &ev[i]);
	}
}

static bool
resync_add(struct input_ev *out, unsigned int *n, unsigned int cap, uint16_t type,
	   uint16_t code, int32_t value)
{
	if (*n >= cap)
		return false;
	out[(*n)++] = (struct input_ev){ type, code, value };
	return true;
}

/*
 * Events that take the guest from what it was told to the source's
 * current state, SYN_REPORT last; 0 when they agree. false when it does
 * not fit @p cap.
 */
static bool
resync_build(const struct input_dev *dev, struct input_ev *out, unsigned int cap,
	     unsigned int *n)
{
	const struct input_info *in = &dev->src->info;
	const struct input_state *a = &dev->told, *b = &dev->now;
	unsigned int c, s, k;
	bool ok = true;

	*n = 0;
	for (c = 0; c < KEY_CNT; c++)
		if (input_bit_test(a->keys, c) != input_bit_test(b->keys, c))
			ok &= resync_add(out, n, cap, EV_KEY, (uint16_t)c,
					 input_bit_test(b->keys, c));
	for (c = 0; c <= SW_MAX; c++)
		if (input_bit_test(a->sw, c) != input_bit_test(b->sw, c))
			ok &= resync_add(out, n, cap, EV_SW, (uint16_t)c,
					 input_bit_test(b->sw, c));
	for (c = 0; c < ABS_CNT; c++)
		if (!is_mt(c) && c != ABS_MT_SLOT && input_bit_test(in->bits[EV_ABS], c) &&
		    a->abs[c] != b->abs[c])
			ok &= resync_add(out, n, cap, EV_ABS, (uint16_t)c, b->abs[c]);
	if (dev->has_mt) {
		bool moved = false;

		for (s = 0; s < INPUT_MT_SLOTS; s++) {
			bool sel = false;

			for (k = 0; k < MT_N; k++) {
				if (a->mt[s][k] == b->mt[s][k] ||
				    !input_bit_test(in->bits[EV_ABS], MT_FIRST + k))
					continue;
				if (!sel)
					ok &= resync_add(out, n, cap, EV_ABS, ABS_MT_SLOT,
							 (int32_t)s);
				sel = moved = true;
				ok &= resync_add(out, n, cap, EV_ABS, (uint16_t)(MT_FIRST + k),
						 b->mt[s][k]);
			}
		}
		if (moved || a->abs[ABS_MT_SLOT] != b->abs[ABS_MT_SLOT])
			ok &= resync_add(out, n, cap, EV_ABS, ABS_MT_SLOT, b->abs[ABS_MT_SLOT]);
	}
	if (*n > 0)
		ok &= resync_add(out, n, cap, EV_SYN, SYN_REPORT, 0);
	return ok;
}

/* After a drop: queue the resync batch once it fits. */
static void
try_resync(struct input_dev *dev)
{
	struct input_ev *r = dev->rs;
	unsigned int n;

	if (!dev->resync)
		return;
	if (!resync_build(dev, r, dev->pend_cap, &n)) {
		/* Larger than the whole queue: cannot happen for a sane source; give up. */
		dev->told = dev->now;
		dev->resync = false;
	} else if (n <= pend_free(dev)) {
		if (n > 0) {
			pend_batch(dev, r, n);
			dev->stats.resyncs++;
		}
		dev->resync = false;
	}
}

/* ---- eventq ---- */

static void
held_write(struct input_dev *dev, const struct input_held *h, const struct input_ev *ev)
{
	struct input_wire_event w = {
		.type = htole16(ev->type),
		.code = htole16(ev->code),
		.value = htole32((uint32_t)ev->value),
	};
	const uint8_t *p = (const uint8_t *)&w;
	uint32_t off = 0;
	unsigned int i;

	for (i = 0; i < h->nseg; i++) {
		void *dst = vhd_mem_translate(dev->evq->mem, h->gpa[i], h->len[i]);

		/* The guest remapped it away: the buffer goes back empty. */
		if (dst == NULL) {
			vhd_vq_push(dev->evq, h->id, 0);
			dev->stats.bad_event_bufs++;
			return;
		}
		memcpy(dst, p + off, h->len[i]);
		off += h->len[i];
	}
	vhd_vq_push(dev->evq, h->id, EV_SIZE);
	dev->stats.events_out++;
	if (dev->saved != NULL)
		state_apply(dev->saved, ev);
}

/* Pending events into held buffers. */
static void
deliver(struct input_dev *dev)
{
	bool pushed = false;

	for (;;) {
		while (dev->nheld > 0 && dev->npend > 0 && dev->evq != NULL) {
			struct input_held *h = &dev->held[dev->held_head];

			held_write(dev, h, &dev->pend[dev->pend_head]);
			dev->held_head = (dev->held_head + 1) % INPUT_MAX_QUEUE_SIZE;
			dev->nheld--;
			dev->pend_head = (dev->pend_head + 1) % dev->pend_cap;
			dev->npend--;
			pushed = true;
		}
		if (!dev->resync || dev->nheld == 0)
			break;
		try_resync(dev);
		if (dev->resync || dev->npend == 0)
			break;
	}
	if (pushed)
		vhd_vq_notify(dev->evq);
}

/* The batch collected so far happened: the source's state follows it. */
static void
cur_to_state(struct input_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->ncur; i++)
		state_apply(&dev->now, &dev->cur[i]);
	dev->ncur = 0;
}

static void
drop_batch(struct input_dev *dev)
{
	cur_to_state(dev);
	dev->cur_bad = false;
	dev->stats.batches_dropped++;
	dev->resync = true;
	try_resync(dev);
}

/*
 * dev->now is the source's state at the last batch boundary, so that a
 * resync never carries half a batch; a batch that will be dropped anyway
 * (too long, or the host lost events) is applied as it comes.
 */
void
input_dev_event(void *arg, const struct input_ev *ev)
{
	struct input_dev *dev = arg;

	dev->stats.events_in++;
	if (ev->type == EV_SYN && ev->code == SYN_DROPPED) {
		cur_to_state(dev);
		dev->cur_bad = true;
		return;
	}
	if (ev->type != EV_SYN || ev->code != SYN_REPORT) {
		if (dev->cur_bad) {
			state_apply(&dev->now, ev);
		} else if (dev->ncur < INPUT_BATCH_MAX - 1) {
			dev->cur[dev->ncur++] = *ev;
		} else {
			cur_to_state(dev);
			state_apply(&dev->now, ev);
			dev->cur_bad = true;
		}
		return;
	}
	if (dev->cur_bad) {
		drop_batch(dev);
	} else {
		dev->cur[dev->ncur++] = *ev;
		try_resync(dev);
		if (dev->resync || dev->ncur > pend_free(dev)) {
			drop_batch(dev);
		} else {
			pend_batch(dev, dev->cur, dev->ncur);
			cur_to_state(dev);
			dev->stats.batches++;
		}
	}
	deliver(dev);
}

static int
input_handle_event(struct input_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	struct iovec *wr = vhd_req_wr_iov(req);
	struct input_held *h;
	uint32_t need = EV_SIZE;
	unsigned int i;

	if (req->rd_len != 0 || req->wr_len < EV_SIZE) {
		dev->stats.bad_event_bufs++;
		return 0;
	}
	dev->evq = vq;
	try_resync(dev);
	if (dev->npend > 0) {
		const struct input_ev *ev = &dev->pend[dev->pend_head];
		struct input_wire_event w = {
			.type = htole16(ev->type),
			.code = htole16(ev->code),
			.value = htole32((uint32_t)ev->value),
		};

		vhd_req_write(req, 0, &w, sizeof(w));
		if (dev->saved != NULL)
			state_apply(dev->saved, ev);
		dev->pend_head = (dev->pend_head + 1) % dev->pend_cap;
		dev->npend--;
		dev->stats.events_out++;
		return EV_SIZE;
	}
	if (dev->nheld >= INPUT_MAX_QUEUE_SIZE) {
		dev->stats.bad_event_bufs++;
		return 0;
	}
	h = &dev->held[(dev->held_head + dev->nheld) % INPUT_MAX_QUEUE_SIZE];
	h->id = req->id;
	h->nseg = 0;
	for (i = 0; i < req->n_wr && need > 0; i++) {
		uint32_t l = wr[i].iov_len < need ? (uint32_t)wr[i].iov_len : need;

		if (l == 0)
			continue;
		if (h->nseg == HELD_SEGS ||
		    vhd_mem_to_gpa(vq->mem, wr[i].iov_base, &h->gpa[h->nseg]) != 0) {
			dev->stats.bad_event_bufs++;
			return 0;
		}
		h->len[h->nseg++] = (uint8_t)l;
		need -= l;
	}
	dev->nheld++;
	return VHD_REQ_HELD;
}

/* ---- statusq ---- */

static int
input_handle_status(struct input_dev *dev, struct vhd_req *req)
{
	struct input_wire_event w;
	struct input_ev ev;

	if (req->rd_len != EV_SIZE) {
		dev->stats.bad_status_bufs++;
		return 0;
	}
	vhd_req_read(req, 0, &w, sizeof(w));
	ev.type = le16toh(w.type);
	ev.code = le16toh(w.code);
	ev.value = (int32_t)le32toh(w.value);
	dev->stats.status_events++;
	if (dev->src->ops->status != NULL)
		dev->src->ops->status(dev->src, &ev);
	return 0;
}

/* ---- config ---- */

/* Bytes of bitmap @p b up to its last non-zero one. */
static uint8_t
bits_size(const uint8_t *b)
{
	int i;

	for (i = INPUT_BITS_BYTES - 1; i >= 0; i--)
		if (b[i] != 0)
			return (uint8_t)(i + 1);
	return 0;
}

static void
config_fill(const struct input_dev *dev, uint8_t sel, uint8_t sub, struct input_config *c)
{
	const struct input_info *in = &dev->src->info;

	memset(c, 0, sizeof(*c));
	c->select = sel;
	c->subsel = sub;
	switch (sel) {
	case INPUT_CFG_ID_NAME:
		if (sub == 0) {
			c->size = (uint8_t)dev->name_len;
			memcpy(c->u, dev->name, dev->name_len);
		}
		break;
	case INPUT_CFG_ID_SERIAL:
		if (sub == 0) {
			c->size = (uint8_t)dev->serial_len;
			memcpy(c->u, dev->serial, dev->serial_len);
		}
		break;
	case INPUT_CFG_ID_DEVIDS:
		if (sub == 0) {
			struct input_cfg_devids d = {
				htole16(in->bustype), htole16(in->vendor),
				htole16(in->product), htole16(in->version),
			};

			c->size = sizeof(d);
			memcpy(c->u, &d, sizeof(d));
		}
		break;
	case INPUT_CFG_PROP_BITS:
		if (sub == 0) {
			c->size = bits_size(in->prop);
			memcpy(c->u, in->prop, c->size);
		}
		break;
	case INPUT_CFG_EV_BITS:
		if (sub > EV_SYN && sub < EV_CNT) {
			c->size = bits_size(in->bits[sub]);
			memcpy(c->u, in->bits[sub], c->size);
		}
		break;
	case INPUT_CFG_ABS_INFO:
		if (sub < ABS_CNT && input_bit_test(in->bits[EV_ABS], sub)) {
			struct input_cfg_absinfo a = {
				htole32((uint32_t)in->abs[sub].min),
				htole32((uint32_t)in->abs[sub].max),
				htole32((uint32_t)in->abs[sub].fuzz),
				htole32((uint32_t)in->abs[sub].flat),
				htole32((uint32_t)in->abs[sub].res),
			};

			c->size = sizeof(a);
			memcpy(c->u, &a, sizeof(a));
		}
		break;
	default:
		break;
	}
}

static int
input_get_config(void *priv, uint8_t *buf, uint32_t off, uint32_t len)
{
	struct input_dev *dev = priv;
	struct input_config c;

	if (off > sizeof(c) || len > sizeof(c) - off)
		return -EINVAL;
	config_fill(dev, __atomic_load_n(&dev->select, __ATOMIC_ACQUIRE),
		    __atomic_load_n(&dev->subsel, __ATOMIC_ACQUIRE), &c);
	memcpy(buf, (uint8_t *)&c + off, len);
	return 0;
}

/* Only select and subsel are writable; a full-size write (QEMU) carries the rest unchanged. */
static int
input_set_config(void *priv, const uint8_t *buf, uint32_t off, uint32_t len)
{
	struct input_dev *dev = priv;

	if (off > sizeof(struct input_config) || len > sizeof(struct input_config) - off)
		return -EINVAL;
	if (off == 0 && len > 0)
		__atomic_store_n(&dev->select, buf[0], __ATOMIC_RELEASE);
	if (off <= 1 && off + len > 1)
		__atomic_store_n(&dev->subsel, buf[1 - off], __ATOMIC_RELEASE);
	return 0;
}

/* ---- vhd_device_ops ---- */

static void
input_attach(void *priv, struct vhd_host *host)
{
	struct input_dev *dev = priv;

	dev->host = host;
	dev->src->ops->start(dev->src, host, input_dev_event, dev);
}

static int
input_queue_start(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct input_dev *dev = priv;

	if (q == INPUT_EVENTQ)
		dev->evq = vq;
	return 0;
}

static void
input_queue_stop(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct input_dev *dev = priv;

	(void)vq;
	if (q != INPUT_EVENTQ)
		return;
	/* The ring is gone: held buffers are forgotten, pending events wait for the next. */
	dev->nheld = 0;
	dev->held_head = 0;
	dev->evq = NULL;
}

/* A new guest driver knows nothing: it starts from the initial state, resynced to now. */
static void
input_reset(void *priv)
{
	struct input_dev *dev = priv;

	dev->nheld = 0;
	dev->held_head = 0;
	dev->npend = 0;
	dev->pend_head = 0;
	dev->ncur = 0;
	dev->cur_bad = false;
	dev->told = dev->init;
	dev->resync = true;
	dev->evq = NULL;
	dev->saved = NULL;
	__atomic_store_n(&dev->select, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&dev->subsel, 0, __ATOMIC_RELEASE);
}

static int input_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req);

/*
 * Restart hook: what the guest received (its view of keys, switches, axes
 * and slots) is kept in the frontend's in-flight area. After a backend
 * restart it is the guest's view again, and the resync batch takes the
 * guest from it to the source's state now: a key released while no
 * backend ran is released in the guest too. Any bit pattern is a state;
 * only the slot index is bounded (state_apply() checks it too).
 */
static void
input_restart_state(void *priv, void *state, bool restored)
{
	struct input_dev *dev = priv;

	dev->saved = state;
	if (state == NULL)
		return;
	if (!restored) {
		*dev->saved = dev->told;
		return;
	}
	memcpy(&dev->told, state, sizeof(dev->told));
	if (dev->told.abs[ABS_MT_SLOT] < 0 || dev->told.abs[ABS_MT_SLOT] >= INPUT_MT_SLOTS)
		dev->told.abs[ABS_MT_SLOT] = 0;
	*dev->saved = dev->told;
	dev->resync = true;
}

/* Restart hook: eventq buffers the dead process held are held again. */
static int
input_resubmitted(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct input_dev *dev = priv;
	int rc = input_handle(priv, q, vq, req);

	if (q == INPUT_EVENTQ && rc == VHD_REQ_HELD)
		dev->stats.restart_held++;
	return rc;
}

static int
input_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct input_dev *dev = priv;

	if (q == INPUT_EVENTQ)
		return input_handle_event(dev, vq, req);
	return input_handle_status(dev, req);
}

static void
input_get_stats(void *priv, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	struct input_dev *dev = priv;
	const struct input_dev_stats *st = &dev->stats;

	put(ctx, "events_in", st->events_in);
	put(ctx, "events_out", st->events_out);
	put(ctx, "batches", st->batches);
	put(ctx, "batches_dropped", st->batches_dropped);
	put(ctx, "resyncs", st->resyncs);
	put(ctx, "bad_event_bufs", st->bad_event_bufs);
	put(ctx, "status_events", st->status_events);
	put(ctx, "bad_status_bufs", st->bad_status_bufs);
	put(ctx, "restart_held", st->restart_held);
	if (dev->src->ops->get_stats != NULL)
		dev->src->ops->get_stats(dev->src, put, ctx);
}

const struct vhd_device_ops input_dev_ops = {
	.name = "input",
	.virtio_id = INPUT_VIRTIO_ID,
	.num_queues = INPUT_NUM_QUEUES,
	.max_queue_size = INPUT_MAX_QUEUE_SIZE,
	.features = 0,
	.config_size = sizeof(struct input_config),
	.held_survive_remap = true,
	.restart_state_size = sizeof(struct input_state),
	.attach = input_attach,
	.get_config = input_get_config,
	.set_config = input_set_config,
	.reset = input_reset,
	.queue_start = input_queue_start,
	.queue_stop = input_queue_stop,
	.handle = input_handle,
	.restart_state = input_restart_state,
	.resubmitted = input_resubmitted,
	.get_stats = input_get_stats,
};

struct input_dev *
input_dev_create(struct input_src *src, unsigned int queue_events)
{
	struct input_dev *dev = calloc(1, sizeof(*dev));
	unsigned int a;

	if (dev == NULL) {
		src->ops->destroy(src);
		return NULL;
	}
	dev->src = src;
	dev->pend_cap = queue_events != 0 ? queue_events : INPUT_QUEUE_EVENTS;
	dev->pend = calloc(dev->pend_cap, sizeof(*dev->pend));
	dev->rs = calloc(dev->pend_cap, sizeof(*dev->rs));
	if (dev->pend == NULL || dev->rs == NULL) {
		input_dev_destroy(dev);
		return NULL;
	}
	dev->name_len = input_name_clean(dev->name, src->info.name, INPUT_NAME_MAX);
	dev->serial_len = input_name_clean(dev->serial, src->info.serial, INPUT_NAME_MAX);
	for (a = MT_FIRST; a < MT_FIRST + MT_N; a++)
		if (input_bit_test(src->info.bits[EV_ABS], a))
			dev->has_mt = true;
	state_init(dev);
	return dev;
}

void
input_dev_destroy(struct input_dev *dev)
{
	if (dev == NULL)
		return;
	dev->src->ops->destroy(dev->src);
	free(dev->pend);
	free(dev->rs);
	free(dev);
}

const struct input_dev_stats *
input_dev_stats(const struct input_dev *dev)
{
	return &dev->stats;
}

unsigned int
input_dev_held(const struct input_dev *dev)
{
	return dev->nheld;
}

unsigned int
input_dev_pending(const struct input_dev *dev)
{
	return dev->npend;
}

_Static_assert(sizeof(struct input_state) <= VHD_RESTART_STATE_MAX,
	       "input restart state too large");
