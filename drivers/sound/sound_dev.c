/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sound_dev.h"

/* HDA pin default configuration (HDA 7.3.3.31) and capabilities (7.3.4.9)
 * of our jacks: a headphone jack per output, a microphone jack per input,
 * 1/8" stereo, front panel; presence detect capable.
 */
#define JACK_DEFCONF_HP 0x02211010u
#define JACK_DEFCONF_MIC 0x02a11020u
#define JACK_CAPS_OUT 0x00000014u
#define JACK_CAPS_IN 0x00000024u

/* What every stream takes: the spec's rates, 1..8 channels. */
#define STREAM_RATES ((1ull << VSND_PCM_RATE_COUNT) - 1)
#define CHANNELS_MIN 1
#define CHANNELS_MAX 8
#define STREAM_FEATURES ((1u << VSND_PCM_F_EVT_XRUNS) | (1u << VSND_PCM_F_EVT_SHMEM_PERIODS))

static void stream_timer(void *arg);
static const struct vhd_device_ops sound_ops_base;

uint32_t
sound_stream_rate(const struct sound_stream *s)
{
	return sound_rate_hz(s->params.rate);
}

static void
stream_defaults(struct sound_stream *s)
{
	s->state = SOUND_ST_PARAMS;
	s->params = (struct sound_params){
		.buffer_bytes = 8192,
		.period_bytes = 2048,
		.channels = 2,
		.format = VSND_PCM_FMT_S16,
		.rate = VSND_PCM_RATE_48000,
	};
	s->frame_bytes = 4;
	s->volume = SOUND_VOLUME_MAX;
	s->on = true;
}

int
sound_dev_init(struct sound_dev *dev, const struct sound_dev_config *cfg)
{
	uint32_t i, chmap_dirs;

	if (cfg->n_out + cfg->n_in == 0 || cfg->n_out + cfg->n_in > SOUND_MAX_STREAMS)
		return -EINVAL;
	memset(dev, 0, sizeof(*dev)); /* keeps no control socket: open it after */
	dev->n_streams = cfg->n_out + cfg->n_in;
	for (i = 0; i < dev->n_streams; i++) {
		struct sound_stream *s = &dev->stream[i];
		bool out = i < cfg->n_out;

		s->dev = dev;
		s->id = i;
		s->direction = out ? VSND_D_OUTPUT : VSND_D_INPUT;
		s->be = out ? cfg->be_out : cfg->be_in;
		if (s->be == NULL)
			s->be = &sound_null_backend;
		s->be_priv = cfg->be_arg[i];
		s->formats = s->be->formats;
		s->rates = STREAM_RATES;
		s->channels_min = CHANNELS_MIN;
		s->channels_max = CHANNELS_MAX;
		s->timer.cb = stream_timer;
		s->timer.arg = s;
		stream_defaults(s);
		dev->jack[i] = (struct sound_jack){
			.defconf = out ? JACK_DEFCONF_HP : JACK_DEFCONF_MIC,
			.caps = out ? JACK_CAPS_OUT : JACK_CAPS_IN,
			.connected = true,
		};
	}
	dev->n_jacks = cfg->jacks ? dev->n_streams : 0;
	chmap_dirs = (cfg->n_out > 0) + (cfg->n_in > 0);
	dev->n_chmaps = chmap_dirs * CHANNELS_MAX;
	dev->n_ctls = cfg->controls ? dev->n_streams * SOUND_CTLS_PER_STREAM : 0;
	dev->ops = sound_ops_base;
	dev->ops.features = cfg->controls ? 1ull << SOUND_F_CTLS : 0;
	return 0;
}

/* ---- completion helpers ---- */

/* Write the I/O status into the last 8 writable bytes of a held buffer. */
static void
slot_status(struct sound_slot *sl, uint32_t status, uint32_t latency)
{
	struct snd_pcm_status st = {htole32(status), htole32(latency)};

	vhd_iov_from_buf(sl->wr, sl->n_wr, sl->wr_len - sizeof(st), &st, sizeof(st));
}

static bool
can_notify_evt(const struct sound_dev *dev)
{
	return dev->vq[SOUND_Q_EVT] != NULL;
}

/* Deliver pending events into held event buffers. */
static void
evt_flush(struct sound_dev *dev)
{
	struct vhd_vq *vq = dev->vq[SOUND_Q_EVT];
	bool pushed = false;

	if (vq == NULL)
		return;
	while (dev->evt_count > 0 && dev->pend_count > 0) {
		uint32_t e = dev->evt_head;
		struct snd_event *ev = &dev->pending[dev->pend_head];

		vhd_iov_from_buf(dev->evt[e].wr, dev->evt[e].n_wr, 0, ev, sizeof(*ev));
		vhd_vq_push(vq, dev->evt[e].id, sizeof(*ev));
		dev->evt_head = (e + 1) % SOUND_MAX_QUEUE;
		dev->evt_count--;
		dev->pend_head = (dev->pend_head + 1) % SOUND_EVT_PENDING;
		dev->pend_count--;
		dev->stats.events++;
		pushed = true;
	}
	if (pushed)
		vhd_vq_notify(vq);
}

static void
evt_send(struct sound_dev *dev, uint32_t code, uint32_t data)
{
	if (dev->pend_count == SOUND_EVT_PENDING) {
		dev->stats.events_dropped++; /* the guest posts no buffers: keep the oldest */
		return;
	}
	dev->pending[(dev->pend_head + dev->pend_count) % SOUND_EVT_PENDING] =
		(struct snd_event){{htole32(code)}, htole32(data)};
	dev->pend_count++;
	if (can_notify_evt(dev))
		evt_flush(dev);
}

int
sound_jack_set(struct sound_dev *dev, uint32_t id, bool connected)
{
	if (id >= dev->n_jacks)
		return -EINVAL;
	if (dev->jack[id].connected == connected)
		return 0;
	dev->jack[id].connected = connected;
	evt_send(dev, connected ? VSND_EVT_JACK_CONNECTED : VSND_EVT_JACK_DISCONNECTED, id);
	return 0;
}

static struct vhd_vq *
stream_vq(struct sound_stream *s)
{
	return s->dev->vq[s->direction == VSND_D_OUTPUT ? SOUND_Q_TX : SOUND_Q_RX];
}

/* Bytes the device holds ahead of a completion: the latency it reports. */
static uint32_t
held_bytes(const struct sound_stream *s)
{
	uint64_t f = s->queued_frames - s->done_frames;

	return (uint32_t)(f * s->frame_bytes);
}

/* Gain of the stream's controls applied in place (only when not unity). */
static void
apply_gain(struct sound_stream *s, uint8_t *b, uint32_t len)
{
	uint32_t i, v = s->on ? s->volume : 0;

	if (v == SOUND_VOLUME_MAX)
		return;
	if (v == 0) {
		sound_silence(s->params.format, b, len);
		return;
	}
	switch (s->params.format) {
	case VSND_PCM_FMT_S8:
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)(int8_t)((int8_t)b[i] * (int32_t)v / SOUND_VOLUME_MAX);
		break;
	case VSND_PCM_FMT_U8:
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)(128 + ((int32_t)b[i] - 128) * (int32_t)v /
						 SOUND_VOLUME_MAX);
		break;
	case VSND_PCM_FMT_S16:
		for (i = 0; i + 2 <= len; i += 2) {
			int16_t x;

			memcpy(&x, b + i, 2);
			x = (int16_t)((int16_t)le16toh((uint16_t)x) * (int32_t)v /
				      SOUND_VOLUME_MAX);
			x = (int16_t)htole16((uint16_t)x);
			memcpy(b + i, &x, 2);
		}
		break;
	case VSND_PCM_FMT_S32:
		for (i = 0; i + 4 <= len; i += 4) {
			int32_t x;

			memcpy(&x, b + i, 4);
			x = (int32_t)((int64_t)(int32_t)le32toh((uint32_t)x) * v /
				      SOUND_VOLUME_MAX);
			x = (int32_t)htole32((uint32_t)x);
			memcpy(b + i, &x, 4);
		}
		break;
	case VSND_PCM_FMT_FLOAT:
		for (i = 0; i + 4 <= len; i += 4) {
			float x;

			memcpy(&x, b + i, 4);
			x = x * (float)v / SOUND_VOLUME_MAX;
			memcpy(b + i, &x, 4);
		}
		break;
	default:
		break; /* other formats: the switch mutes, the volume is not applied */
	}
}

/* Complete the oldest held buffer of @p s with @p status (OK: it was played
 * or filled). The caller notifies.
 */
static void
slot_complete(struct sound_stream *s, uint32_t status)
{
	struct sound_slot *sl = &s->slot[s->head];
	struct vhd_vq *vq = stream_vq(s);
	uint32_t used = sizeof(struct snd_pcm_status);

	if (s->clocked) {
		if (s->direction == VSND_D_INPUT)
			used += sl->done; /* what was captured; all of it unless ended early */
		s->ring_head = (sl->data_off + sl->bytes) % (s->ring_size ? s->ring_size : 1);
		if (s->direction == VSND_D_OUTPUT)
			s->ring_used -= sl->data_used;
		if (s->ring_used == 0)
			s->ring_head = s->ring_tail = 0;
	} else if (s->direction == VSND_D_OUTPUT) {
		if (status == VSND_S_OK) {
			uint8_t *d = s->ring + sl->data_off;

			apply_gain(s, d, sl->bytes);
			if (s->be->play != NULL && s->be->play(s, d, sl->bytes) != 0)
				status = VSND_S_IO_ERR;
		}
		s->ring_head = (sl->data_off + sl->bytes) % (s->ring_size ? s->ring_size : 1);
		s->ring_used -= sl->data_used;
		if (s->ring_used == 0)
			s->ring_head = s->ring_tail = 0;
	} else if (status == VSND_S_OK) {
		uint32_t left = sl->bytes, off = 0;
		unsigned int i;

		/* the payload is the writable part before the status */
		for (i = 0; i < sl->n_wr && left > 0 && status == VSND_S_OK; i++) {
			uint32_t seg = (uint32_t)sl->wr[i].iov_len;
			uint32_t n = seg < left ? seg : left;
			uint8_t *p = sl->wr[i].iov_base;

			if (s->be->capture != NULL && s->be->capture(s, p, n) != 0)
				status = VSND_S_IO_ERR;
			else if (s->be->capture == NULL)
				sound_silence(s->params.format, p, n);
			if (status == VSND_S_OK)
				apply_gain(s, p, n);
			left -= n;
			off += n;
		}
		used += status == VSND_S_OK ? sl->bytes : 0;
	}
	s->done_frames = sl->end_frame;
	slot_status(sl, status, held_bytes(s));
	if (status == VSND_S_OK) {
		s->stats.buffers++;
		s->stats.bytes += sl->bytes;
		if ((s->params.features & (1u << VSND_PCM_F_EVT_SHMEM_PERIODS)) &&
		    s->params.period_bytes > 0) {
			s->period_mark += sl->bytes;
			while (s->period_mark >= s->params.period_bytes) {
				s->period_mark -= s->params.period_bytes;
				evt_send(s->dev, VSND_EVT_PCM_PERIOD_ELAPSED, s->id);
			}
		}
	} else {
		s->stats.io_errors++;
	}
	if (vq != NULL)
		vhd_vq_push(vq, sl->id, used);
	s->head = (s->head + 1) % SOUND_MAX_QUEUE;
	s->count--;
}

struct sound_slot *
sound_stream_head(struct sound_stream *s)
{
	return s->count > 0 && s->state == SOUND_ST_RUNNING ? &s->slot[s->head] : NULL;
}

uint8_t *
sound_slot_tx_data(struct sound_stream *s, struct sound_slot *sl)
{
	if (!sl->gained) {
		apply_gain(s, s->ring + sl->data_off, sl->bytes);
		sl->gained = true;
	}
	return s->ring + sl->data_off;
}

void
sound_stream_complete(struct sound_stream *s, uint32_t status)
{
	struct vhd_vq *vq = stream_vq(s);

	if (s->count == 0)
		return;
	slot_complete(s, status);
	if (vq != NULL)
		vhd_vq_notify(vq);
}

void
sound_stream_xrun(struct sound_stream *s)
{
	s->stats.xruns++;
	if (s->params.features & (1u << VSND_PCM_F_EVT_XRUNS))
		evt_send(s->dev, VSND_EVT_PCM_XRUN, s->id);
}

void
sound_stream_gain(struct sound_stream *s, uint8_t *buf, uint32_t len)
{
	apply_gain(s, buf, len);
}

/* Complete every held buffer now (RELEASE, queue stop, reset). */
static void
stream_flush(struct sound_stream *s, uint32_t status)
{
	struct vhd_vq *vq = stream_vq(s);

	if (s->dev->host != NULL)
		s->dev->host->timer_cancel(s->dev->host, &s->timer);
	while (s->count > 0)
		slot_complete(s, status);
	s->queued_frames = s->done_frames;
	if (vq != NULL)
		vhd_vq_notify(vq);
}

static void
stream_arm(struct sound_stream *s)
{
	struct vhd_host *h = s->dev->host;

	if (s->count == 0 || !s->clock_valid || h == NULL || s->clocked)
		return;
	h->timer_arm(h, &s->timer, sound_clock_deadline(&s->clock, s->slot[s->head].end_frame));
}

/* The sample clock reached the oldest held buffer's end: complete every
 * buffer that is due, in order, then wait for the next one.
 */
static void
stream_timer(void *arg)
{
	struct sound_stream *s = arg;
	struct vhd_host *h = s->dev->host;
	struct vhd_vq *vq = stream_vq(s);
	uint64_t now = h->now_ns(h);
	bool any = false;

	if (s->state != SOUND_ST_RUNNING || !s->clock_valid)
		return;
	while (s->count > 0 &&
	       sound_clock_deadline(&s->clock, s->slot[s->head].end_frame) <= now) {
		slot_complete(s, VSND_S_OK);
		any = true;
	}
	if (any && vq != NULL)
		vhd_vq_notify(vq);
	stream_arm(s);
}

/* Start (or restart after a gap) the clock at @p now from position done_frames. */
static void
clock_restart(struct sound_stream *s, uint64_t now)
{
	s->clock.base_ns = now;
	s->clock.base_frames = s->done_frames;
	s->clock.hz = sound_stream_rate(s);
	s->clock_valid = true;
}

/* ---- PCM I/O ---- */

/* Reserve @p n contiguous bytes of the TX staging ring; @return offset or -1. */
static int64_t
ring_take(struct sound_stream *s, uint32_t n, uint32_t *taken)
{
	uint32_t t = s->ring_tail;

	if (n > s->ring_size || s->ring_used + n > s->ring_size)
		return -1;
	if (s->ring_used == 0) {
		s->ring_head = s->ring_tail = t = 0;
	} else if (s->ring_tail > s->ring_head) {
		/* free: [tail, size) and [0, head) */
		if (s->ring_size - t < n) {
			if (s->ring_head < n)
				return -1;
			*taken = n + (s->ring_size - t); /* the end is skipped */
			s->ring_tail = n;
			s->ring_used += *taken;
			return 0;
		}
	} else if (s->ring_head - t < n) {
		return -1;
	}
	*taken = n;
	s->ring_tail = (t + n) % s->ring_size;
	s->ring_used += n;
	return t;
}

static int
io_answer(struct sound_dev *dev, struct vhd_req *req, uint32_t status)
{
	struct snd_pcm_status st = {htole32(status), 0};
	uint32_t used = sizeof(st);

	if (status == VSND_S_BAD_MSG)
		dev->stats.io_bad++;
	/* the status is the last 8 writable bytes; answered at once, RX carries no frames */
	vhd_req_write(req, req->wr_len - sizeof(st), &st, sizeof(st));
	return (int)used;
}

static int
handle_io(struct sound_dev *dev, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct snd_pcm_xfer x;
	struct sound_stream *s;
	struct sound_slot *sl;
	uint32_t id, bytes, i, skip, n_wr;
	uint8_t dir = q == SOUND_Q_TX ? VSND_D_OUTPUT : VSND_D_INPUT;
	struct iovec *wr;

	(void)vq;
	if (req->wr_len < sizeof(struct snd_pcm_status)) {
		dev->stats.dropped++; /* nowhere to put a status */
		return 0;
	}
	if (vhd_req_read(req, 0, &x, sizeof(x)) != sizeof(x))
		return io_answer(dev, req, VSND_S_BAD_MSG);
	id = le32toh(x.stream_id);
	if (id >= dev->n_streams || dev->stream[id].direction != dir)
		return io_answer(dev, req, VSND_S_BAD_MSG);
	s = &dev->stream[id];
	if (dir == VSND_D_OUTPUT) {
		if (req->wr_len != sizeof(struct snd_pcm_status))
			return io_answer(dev, req, VSND_S_BAD_MSG);
		bytes = req->rd_len - (uint32_t)sizeof(x);
	} else {
		if (req->rd_len != sizeof(x))
			return io_answer(dev, req, VSND_S_BAD_MSG);
		bytes = req->wr_len - (uint32_t)sizeof(struct snd_pcm_status);
	}
	if (bytes % s->frame_bytes != 0)
		return io_answer(dev, req, VSND_S_BAD_MSG);
	if (s->state != SOUND_ST_PREPARED && s->state != SOUND_ST_RUNNING &&
	    s->state != SOUND_ST_STOPPED) {
		s->stats.io_errors++;
		return io_answer(dev, req, VSND_S_IO_ERR);
	}
	if (bytes == 0) {
		s->stats.buffers++;
		return io_answer(dev, req, VSND_S_OK);
	}
	/* more than the device's buffer queued: the guest over-fills; refuse, never stall */
	if (s->count == SOUND_MAX_QUEUE ||
	    (uint64_t)held_bytes(s) + bytes > 2ull * s->params.buffer_bytes) {
		s->stats.io_errors++;
		return io_answer(dev, req, VSND_S_IO_ERR);
	}
	sl = &s->slot[(s->head + s->count) % SOUND_MAX_QUEUE];
	memset(sl, 0, sizeof(*sl));
	/* remember the writable segments: RX payload + status, TX status */
	wr = vhd_req_wr_iov(req);
	n_wr = req->n_wr;
	if (n_wr > SOUND_SLOT_IOV) {
		s->stats.io_errors++;
		return io_answer(dev, req, VSND_S_IO_ERR);
	}
	for (i = 0; i < n_wr; i++)
		sl->wr[i] = wr[i];
	sl->n_wr = (uint16_t)n_wr;
	sl->wr_len = req->wr_len;
	sl->id = req->id;
	sl->bytes = bytes;
	if (dir == VSND_D_OUTPUT) {
		int64_t off = ring_take(s, bytes, &skip);

		if (off < 0) {
			s->stats.io_errors++;
			return io_answer(dev, req, VSND_S_IO_ERR);
		}
		sl->data_off = (uint32_t)off;
		sl->data_used = skip;
		vhd_req_read(req, sizeof(x), s->ring + off, bytes);
	}
	if (s->state == SOUND_ST_RUNNING && !s->clocked) {
		uint64_t now = dev->host->now_ns(dev->host);

		/* nothing was left to play (or fill) and the clock ran past it: an xrun */
		if (s->count == 0 && s->clock_valid &&
		    sound_clock_deadline(&s->clock, s->queued_frames) < now) {
			s->stats.xruns++;
			if (s->params.features & (1u << VSND_PCM_F_EVT_XRUNS))
				evt_send(dev, VSND_EVT_PCM_XRUN, s->id);
			clock_restart(s, now);
		}
	}
	s->queued_frames += bytes / s->frame_bytes;
	sl->end_frame = s->queued_frames;
	s->count++;
	if (s->clocked) {
		if (s->state == SOUND_ST_RUNNING && s->be->kick != NULL)
			s->be->kick(s);
	} else if (s->count == 1) {
		stream_arm(s);
	}
	return VHD_REQ_HELD;
}

/* ---- control requests ---- */

static int
ctl_answer(struct sound_dev *dev, struct vhd_req *req, uint32_t code)
{
	struct snd_hdr h = {htole32(code)};

	if (code == VSND_S_BAD_MSG)
		dev->stats.ctl_bad++;
	else if (code == VSND_S_NOT_SUPP)
		dev->stats.ctl_not_supp++;
	vhd_req_write(req, 0, &h, sizeof(h));
	return sizeof(h);
}

/* Check a query for @p total items of @p item_size bytes; writes BAD_MSG when wrong.
 * @return 0 with *start, *count set, or the used length of the error answer.
 */
static int
query_check(struct sound_dev *dev, struct vhd_req *req, uint32_t total, uint32_t item_size,
	    uint32_t *start, uint32_t *count, uint32_t *size)
{
	struct snd_query_info q;

	if (req->rd_len != sizeof(q) || vhd_req_read(req, 0, &q, sizeof(q)) != sizeof(q))
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	*start = le32toh(q.start_id);
	*count = le32toh(q.count);
	*size = le32toh(q.size);
	if (*start > total || *count > total - *start || *size < item_size ||
	    *size > 4096 || req->wr_len < sizeof(struct snd_hdr) + (uint64_t)*count * *size)
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	return 0;
}

/* Write item @p i (of the query) as @p item_size bytes, zero-padded to @p size. */
static void
query_put(struct vhd_req *req, uint32_t i, uint32_t size, const void *item, uint32_t item_size)
{
	static const uint8_t zero[64];
	size_t off = sizeof(struct snd_hdr) + (size_t)i * size;
	uint32_t pad = size - item_size;

	vhd_req_write(req, off, item, item_size);
	off += item_size;
	while (pad > 0) {
		uint32_t n = pad < sizeof(zero) ? pad : (uint32_t)sizeof(zero);

		vhd_req_write(req, off, zero, n);
		off += n;
		pad -= n;
	}
}

static int
query_done(struct sound_dev *dev, struct vhd_req *req, uint32_t count, uint32_t size)
{
	ctl_answer(dev, req, VSND_S_OK);
	return (int)(sizeof(struct snd_hdr) + count * size);
}

static int
do_jack_info(struct sound_dev *dev, struct vhd_req *req)
{
	uint32_t start, count, size, i;
	int r = query_check(dev, req, dev->n_jacks, sizeof(struct snd_jack_info), &start, &count,
			    &size);

	if (r != 0)
		return r;
	for (i = 0; i < count; i++) {
		const struct sound_jack *j = &dev->jack[start + i];
		struct snd_jack_info ji = {
			.features = htole32(1u << VSND_JACK_F_REMAP),
			.hda_reg_defconf = htole32(j->defconf),
			.hda_reg_caps = htole32(j->caps),
			.connected = j->connected,
		};

		query_put(req, i, size, &ji, sizeof(ji));
	}
	return query_done(dev, req, count, size);
}

static int
do_jack_remap(struct sound_dev *dev, struct vhd_req *req)
{
	struct snd_jack_remap r;
	uint32_t id, assoc, seq;

	if (req->rd_len != sizeof(r) || vhd_req_read(req, 0, &r, sizeof(r)) != sizeof(r))
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	id = le32toh(r.hdr.jack_id);
	assoc = le32toh(r.association);
	seq = le32toh(r.sequence);
	/* association and sequence are the 4-bit fields at the bottom of defconf */
	if (id >= dev->n_jacks || assoc > 15 || seq > 15)
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	dev->jack[id].defconf = (dev->jack[id].defconf & ~0xffu) | assoc << 4 | seq;
	return ctl_answer(dev, req, VSND_S_OK);
}

static int
do_pcm_info(struct sound_dev *dev, struct vhd_req *req)
{
	uint32_t start, count, size, i;
	int r = query_check(dev, req, dev->n_streams, sizeof(struct snd_pcm_info), &start,
			    &count, &size);

	if (r != 0)
		return r;
	for (i = 0; i < count; i++) {
		const struct sound_stream *s = &dev->stream[start + i];
		struct snd_pcm_info pi = {
			.features = htole32(STREAM_FEATURES),
			.formats = htole64(s->formats),
			.rates = htole64(s->rates),
			.direction = s->direction,
			.channels_min = s->channels_min,
			.channels_max = s->channels_max,
		};

		query_put(req, i, size, &pi, sizeof(pi));
	}
	return query_done(dev, req, count, size);
}

static int
do_chmap_info(struct sound_dev *dev, struct vhd_req *req)
{
	static const uint8_t maps[CHANNELS_MAX][CHANNELS_MAX] = {
		{VSND_CHMAP_MONO},
		{VSND_CHMAP_FL, VSND_CHMAP_FR},
		{VSND_CHMAP_FL, VSND_CHMAP_FR, VSND_CHMAP_FC},
		{VSND_CHMAP_FL, VSND_CHMAP_FR, VSND_CHMAP_RL, VSND_CHMAP_RR},
		{VSND_CHMAP_FL, VSND_CHMAP_FR, VSND_CHMAP_RL, VSND_CHMAP_RR, VSND_CHMAP_FC},
		{VSND_CHMAP_FL, VSND_CHMAP_FR, VSND_CHMAP_RL, VSND_CHMAP_RR, VSND_CHMAP_FC,
		 VSND_CHMAP_LFE},
		{VSND_CHMAP_FL, VSND_CHMAP_FR, VSND_CHMAP_RL, VSND_CHMAP_RR, VSND_CHMAP_FC,
		 VSND_CHMAP_LFE, 11 /* RC */},
		{VSND_CHMAP_FL, VSND_CHMAP_FR, VSND_CHMAP_RL, VSND_CHMAP_RR, VSND_CHMAP_FC,
		 VSND_CHMAP_LFE, VSND_CHMAP_SL, VSND_CHMAP_SR},
	};
	uint32_t start, count, size, i;
	bool has_out = dev->stream[0].direction == VSND_D_OUTPUT;
	int r = query_check(dev, req, dev->n_chmaps, sizeof(struct snd_chmap_info), &start,
			    &count, &size);

	if (r != 0)
		return r;
	for (i = 0; i < count; i++) {
		uint32_t k = start + i;
		struct snd_chmap_info ci = {0};

		/* the output maps first (when there are output streams), then the input ones */
		ci.direction = (has_out && k < CHANNELS_MAX) ? VSND_D_OUTPUT : VSND_D_INPUT;
		ci.channels = (uint8_t)(k % CHANNELS_MAX + 1);
		memcpy(ci.positions, maps[k % CHANNELS_MAX], ci.channels);
		query_put(req, i, size, &ci, sizeof(ci));
	}
	return query_done(dev, req, count, size);
}

static struct sound_stream *
pcm_stream(struct sound_dev *dev, struct vhd_req *req, uint32_t len, void *buf)
{
	struct snd_pcm_hdr *h = buf;
	uint32_t id;

	if (req->rd_len != len || vhd_req_read(req, 0, buf, len) != len)
		return NULL;
	id = le32toh(h->stream_id);
	return id < dev->n_streams ? &dev->stream[id] : NULL;
}

static int
do_set_params(struct sound_dev *dev, struct vhd_req *req)
{
	struct snd_pcm_set_params p;
	struct sound_stream *s = pcm_stream(dev, req, sizeof(p), &p);
	uint32_t buf, per, feat, fb;

	if (s == NULL)
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	if (s->state != SOUND_ST_PARAMS && s->state != SOUND_ST_PREPARED &&
	    s->state != SOUND_ST_RELEASED)
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	buf = le32toh(p.buffer_bytes);
	per = le32toh(p.period_bytes);
	feat = le32toh(p.features);
	fb = sound_format_bytes(p.format) * p.channels;
	if (p.padding != 0 || per == 0 || buf == 0 || buf % per != 0 ||
	    buf > SOUND_MAX_BUFFER_BYTES || p.format >= VSND_PCM_FMT_COUNT ||
	    p.rate >= VSND_PCM_RATE_COUNT || (feat & ~0x1fu) != 0 ||
	    p.channels < CHANNELS_MIN || p.channels > CHANNELS_MAX)
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	/* defined, but not something this stream offers */
	if (!(s->formats & (1ull << p.format)) || !(s->rates & (1ull << p.rate)) || fb == 0 ||
	    p.channels < s->channels_min || p.channels > s->channels_max ||
	    (feat & ~STREAM_FEATURES) != 0 || per % fb != 0)
		return ctl_answer(dev, req, VSND_S_NOT_SUPP);
	/* held buffers of a prepared stream were sized for the old parameters */
	if (s->state == SOUND_ST_PREPARED) {
		stream_flush(s, VSND_S_IO_ERR);
		if (s->be->release != NULL)
			s->be->release(s);
		free(s->ring); /* sized for the old buffer */
		s->ring = NULL;
		s->ring_size = s->ring_used = s->ring_head = s->ring_tail = 0;
	}
	s->params = (struct sound_params){buf, per, feat, p.channels, p.format, p.rate};
	s->frame_bytes = fb;
	s->state = SOUND_ST_PARAMS;
	return ctl_answer(dev, req, VSND_S_OK);
}

static void
stream_release(struct sound_stream *s)
{
	stream_flush(s, VSND_S_OK);
	s->clock_valid = false;
	if (s->be->release != NULL)
		s->be->release(s);
	free(s->ring);
	s->ring = NULL;
	s->ring_size = s->ring_used = s->ring_head = s->ring_tail = 0;
	s->queued_frames = s->done_frames = 0;
	s->period_mark = 0;
}

static int
do_pcm_cmd(struct sound_dev *dev, struct vhd_req *req, uint32_t code)
{
	struct snd_pcm_hdr h;
	struct sound_stream *s = pcm_stream(dev, req, sizeof(h), &h);
	enum sound_state st;

	if (s == NULL)
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	st = s->state;
	switch (code) {
	case VSND_R_PCM_PREPARE:
		if (st != SOUND_ST_PARAMS && st != SOUND_ST_PREPARED && st != SOUND_ST_RELEASED)
			return ctl_answer(dev, req, VSND_S_BAD_MSG);
		if (st == SOUND_ST_PREPARED)
			return ctl_answer(dev, req, VSND_S_OK); /* nothing to redo */
		if (s->ring == NULL && s->direction == VSND_D_OUTPUT) {
			s->ring_size = 3 * s->params.buffer_bytes;
			s->ring = malloc(s->ring_size);
			if (s->ring == NULL) {
				s->ring_size = 0;
				return ctl_answer(dev, req, VSND_S_IO_ERR);
			}
		}
		s->clocked = false; /* the backend's prepare() says */
		if (s->be->prepare != NULL && s->be->prepare(s) != 0) {
			free(s->ring);
			s->ring = NULL;
			s->ring_size = 0;
			return ctl_answer(dev, req, VSND_S_IO_ERR);
		}
		s->queued_frames = s->done_frames = 0;
		s->period_mark = 0;
		s->clock_valid = false;
		s->state = SOUND_ST_PREPARED;
		s->ring_head = s->ring_tail = s->ring_used = 0;
		return ctl_answer(dev, req, VSND_S_OK);
	case VSND_R_PCM_START:
		if (st != SOUND_ST_PREPARED && st != SOUND_ST_STOPPED)
			return ctl_answer(dev, req, VSND_S_BAD_MSG);
		if (s->be->start != NULL && s->be->start(s) != 0)
			return ctl_answer(dev, req, VSND_S_IO_ERR);
		s->state = SOUND_ST_RUNNING;
		/* the clock runs from now, from what was already played (a resume) */
		clock_restart(s, dev->host->now_ns(dev->host));
		stream_arm(s);
		if (s->clocked && s->be->kick != NULL)
			s->be->kick(s);
		return ctl_answer(dev, req, VSND_S_OK);
	case VSND_R_PCM_STOP:
		if (st != SOUND_ST_RUNNING)
			return ctl_answer(dev, req, VSND_S_BAD_MSG);
		/* held buffers wait for the next START or the RELEASE */
		dev->host->timer_cancel(dev->host, &s->timer);
		s->clock_valid = false;
		s->state = SOUND_ST_STOPPED;
		if (s->be->stop != NULL)
			s->be->stop(s);
		return ctl_answer(dev, req, VSND_S_OK);
	case VSND_R_PCM_RELEASE:
		if (st != SOUND_ST_PREPARED && st != SOUND_ST_STOPPED)
			return ctl_answer(dev, req, VSND_S_BAD_MSG);
		/* every pending buffer completes before this answer (spec) */
		stream_release(s);
		s->state = SOUND_ST_RELEASED;
		return ctl_answer(dev, req, VSND_S_OK);
	default:
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	}
}

/* ---- control elements ---- */

static struct sound_stream *
ctl_stream(struct sound_dev *dev, uint32_t ctl, bool *is_switch)
{
	*is_switch = ctl % SOUND_CTLS_PER_STREAM == 1;
	return &dev->stream[ctl / SOUND_CTLS_PER_STREAM];
}

static int
do_ctl_info(struct sound_dev *dev, struct vhd_req *req)
{
	uint32_t start, count, size, i;
	int r = query_check(dev, req, dev->n_ctls, sizeof(struct snd_ctl_info), &start, &count,
			    &size);

	if (r != 0)
		return r;
	for (i = 0; i < count; i++) {
		bool sw;
		const struct sound_stream *s = ctl_stream(dev, start + i, &sw);
		bool out = s->direction == VSND_D_OUTPUT;
		struct snd_ctl_info ci = {0};
		uint32_t index = 0, k;

		/* (name, index) unique: index counts the streams of one direction */
		for (k = 0; k < s->id; k++)
			index += dev->stream[k].direction == s->direction;
		ci.role = htole32(((sw ? VSND_CTL_ROLE_MUTE : VSND_CTL_ROLE_VOLUME) << 1) |
				  s->direction);
		ci.type = htole32(sw ? VSND_CTL_TYPE_BOOLEAN : VSND_CTL_TYPE_INTEGER);
		ci.access = htole32(1u << VSND_CTL_ACCESS_READ | 1u << VSND_CTL_ACCESS_WRITE);
		ci.count = htole32(1);
		ci.index = htole32(index);
		strcpy((char *)ci.name, out ? (sw ? "PCM Playback Switch" : "PCM Playback Volume")
					    : (sw ? "PCM Capture Switch" : "PCM Capture Volume"));
		if (sw) {
			ci.value.integer.max = htole32(1);
		} else {
			ci.value.integer.max = htole32(SOUND_VOLUME_MAX);
		}
		ci.value.integer.step = htole32(1);
		query_put(req, i, size, &ci, sizeof(ci));
	}
	return query_done(dev, req, count, size);
}

static int
do_ctl(struct sound_dev *dev, struct vhd_req *req, uint32_t code)
{
	struct snd_ctl_hdr h;
	struct sound_stream *s;
	uint32_t id, v;
	bool sw;

	if (req->rd_len < sizeof(h) || vhd_req_read(req, 0, &h, sizeof(h)) != sizeof(h))
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	id = le32toh(h.control_id);
	if (id >= dev->n_ctls)
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	s = ctl_stream(dev, id, &sw);
	switch (code) {
	case VSND_R_CTL_READ: {
		uint8_t val[VSND_CTL_VALUE_SIZE] = {0};
		uint32_t le;

		if (req->rd_len != sizeof(h) ||
		    req->wr_len < sizeof(struct snd_hdr) + VSND_CTL_VALUE_SIZE)
			return ctl_answer(dev, req, VSND_S_BAD_MSG);
		le = htole32(sw ? (uint32_t)s->on : s->volume);
		memcpy(val, &le, sizeof(le));
		vhd_req_write(req, sizeof(struct snd_hdr), val, sizeof(val));
		ctl_answer(dev, req, VSND_S_OK);
		return (int)(sizeof(struct snd_hdr) + VSND_CTL_VALUE_SIZE);
	}
	case VSND_R_CTL_WRITE:
		if (req->rd_len != sizeof(h) + VSND_CTL_VALUE_SIZE)
			return ctl_answer(dev, req, VSND_S_BAD_MSG);
		vhd_req_read(req, sizeof(h), &v, sizeof(v));
		v = le32toh(v);
		if (v > (sw ? 1u : SOUND_VOLUME_MAX))
			return ctl_answer(dev, req, VSND_S_BAD_MSG);
		if (sw)
			s->on = v != 0;
		else
			s->volume = v;
		return ctl_answer(dev, req, VSND_S_OK);
	case VSND_R_CTL_ENUM_ITEMS:
		/* ours are INTEGER and BOOLEAN: no items to list */
	case VSND_R_CTL_TLV_READ:
	case VSND_R_CTL_TLV_WRITE:
	case VSND_R_CTL_TLV_COMMAND:
		/* no element has the TLV access bits */
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	default:
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	}
}

static int
handle_ctl(struct sound_dev *dev, struct vhd_req *req)
{
	struct snd_hdr h;
	uint32_t code;

	if (req->wr_len < sizeof(struct snd_hdr)) {
		dev->stats.dropped++;
		return 0;
	}
	dev->stats.ctl_requests++;
	if (vhd_req_read(req, 0, &h, sizeof(h)) != sizeof(h))
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	code = le32toh(h.code);
	switch (code) {
	case VSND_R_JACK_INFO:
		return do_jack_info(dev, req);
	case VSND_R_JACK_REMAP:
		return do_jack_remap(dev, req);
	case VSND_R_PCM_INFO:
		return do_pcm_info(dev, req);
	case VSND_R_PCM_SET_PARAMS:
		return do_set_params(dev, req);
	case VSND_R_PCM_PREPARE:
	case VSND_R_PCM_RELEASE:
	case VSND_R_PCM_START:
	case VSND_R_PCM_STOP:
		return do_pcm_cmd(dev, req, code);
	case VSND_R_CHMAP_INFO:
		return do_chmap_info(dev, req);
	case VSND_R_CTL_INFO:
		if (!dev->ctls_ok)
			return ctl_answer(dev, req, VSND_S_BAD_MSG);
		return do_ctl_info(dev, req);
	case VSND_R_CTL_ENUM_ITEMS:
	case VSND_R_CTL_READ:
	case VSND_R_CTL_WRITE:
	case VSND_R_CTL_TLV_READ:
	case VSND_R_CTL_TLV_WRITE:
	case VSND_R_CTL_TLV_COMMAND:
		if (!dev->ctls_ok)
			return ctl_answer(dev, req, VSND_S_BAD_MSG);
		return do_ctl(dev, req, code);
	default:
		return ctl_answer(dev, req, VSND_S_BAD_MSG);
	}
}

/* ---- event queue ---- */

static int
handle_evt(struct sound_dev *dev, struct vhd_req *req)
{
	uint32_t e;
	struct iovec *wr = vhd_req_wr_iov(req);
	unsigned int i;

	if (req->rd_len != 0 || req->wr_len < sizeof(struct snd_event) || req->n_wr > 2) {
		dev->stats.evt_bad++;
		return 0;
	}
	if (dev->evt_count == SOUND_MAX_QUEUE)
		return VHD_REQ_RETRY; /* cannot happen with a ring of at most SOUND_MAX_QUEUE */
	e = (dev->evt_head + dev->evt_count) % SOUND_MAX_QUEUE;
	dev->evt[e].id = req->id;
	dev->evt[e].n_wr = req->n_wr;
	for (i = 0; i < req->n_wr; i++)
		dev->evt[e].wr[i] = wr[i];
	dev->evt_count++;
	evt_flush(dev);
	return VHD_REQ_HELD;
}

/* ---- ops ---- */

static int
sound_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct sound_dev *dev = priv;

	dev->vq[q] = vq;
	switch (q) {
	case SOUND_Q_CTL:
		return handle_ctl(dev, req);
	case SOUND_Q_EVT:
		return handle_evt(dev, req);
	default:
		return handle_io(dev, q, vq, req);
	}
}

static int
sound_queue_start(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct sound_dev *dev = priv;

	if (q < SOUND_NUM_QUEUES)
		dev->vq[q] = vq;
	return 0;
}

static void
sound_queue_stop(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct sound_dev *dev = priv;
	uint32_t i;

	if (q == SOUND_Q_EVT) {
		/* unused event buffers go back empty: none is leaked */
		while (dev->evt_count > 0) {
			vhd_vq_push(vq, dev->evt[dev->evt_head].id, 0);
			dev->evt_head = (dev->evt_head + 1) % SOUND_MAX_QUEUE;
			dev->evt_count--;
		}
		vhd_vq_notify(vq);
	} else if (q == SOUND_Q_TX || q == SOUND_Q_RX) {
		uint8_t dir = q == SOUND_Q_TX ? VSND_D_OUTPUT : VSND_D_INPUT;

		dev->vq[q] = vq;
		for (i = 0; i < dev->n_streams; i++)
			if (dev->stream[i].direction == dir)
				stream_flush(&dev->stream[i], VSND_S_IO_ERR);
	}
	if (q < SOUND_NUM_QUEUES)
		dev->vq[q] = NULL;
}

static void
sound_reset(void *priv)
{
	struct sound_dev *dev = priv;
	uint32_t i;

	/* every queue is stopped: nothing is held any more */
	for (i = 0; i < dev->n_streams; i++) {
		struct sound_stream *s = &dev->stream[i];

		stream_release(s);
		stream_defaults(s);
		dev->jack[i].defconf = s->direction == VSND_D_OUTPUT ? JACK_DEFCONF_HP
								    : JACK_DEFCONF_MIC;
	}
	dev->evt_head = dev->evt_count = 0;
	dev->pend_head = dev->pend_count = 0;
	dev->ctls_ok = false;
}

static void
sound_set_features(void *priv, uint64_t features)
{
	struct sound_dev *dev = priv;

	dev->ctls_ok = dev->n_ctls > 0 && (features & (1ull << SOUND_F_CTLS)) != 0;
}

static int
sound_get_config(void *priv, uint8_t *buf, uint32_t off, uint32_t len)
{
	struct sound_dev *dev = priv;
	/* counts are fixed at creation: nothing to read atomically */
	struct snd_config c = {
		.jacks = htole32(dev->n_jacks),
		.streams = htole32(dev->n_streams),
		.chmaps = htole32(dev->n_chmaps),
		.controls = htole32(dev->n_ctls),
	};

	if (off > sizeof(c) || len > sizeof(c) - off)
		return -EINVAL;
	memcpy(buf, (const uint8_t *)&c + off, len);
	return 0;
}

static void
sound_attach(void *priv, struct vhd_host *host)
{
	struct sound_dev *dev = priv;

	dev->host = host;
	sound_ctl_attach(dev);
}

static void
sound_get_stats(void *priv, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	const struct sound_dev *dev = priv;
	uint64_t buffers = 0, bytes = 0, xruns = 0, ioerr = 0;
	uint32_t i;

	for (i = 0; i < dev->n_streams; i++) {
		buffers += dev->stream[i].stats.buffers;
		bytes += dev->stream[i].stats.bytes;
		xruns += dev->stream[i].stats.xruns;
		ioerr += dev->stream[i].stats.io_errors;
	}
	put(ctx, "ctl_requests", dev->stats.ctl_requests);
	put(ctx, "ctl_bad", dev->stats.ctl_bad);
	put(ctx, "ctl_not_supp", dev->stats.ctl_not_supp);
	put(ctx, "pcm_buffers", buffers);
	put(ctx, "pcm_bytes", bytes);
	put(ctx, "xruns", xruns);
	put(ctx, "io_errors", ioerr);
	put(ctx, "io_bad", dev->stats.io_bad);
	put(ctx, "dropped", dev->stats.dropped);
	put(ctx, "events", dev->stats.events);
	put(ctx, "events_dropped", dev->stats.events_dropped);
	put(ctx, "evt_bad", dev->stats.evt_bad);
	put(ctx, "ctl_lines", dev->stats.ctl_lines);
}

static const struct vhd_device_ops sound_ops_base = {
	.name = "sound",
	.virtio_id = SOUND_VIRTIO_ID,
	.num_queues = SOUND_NUM_QUEUES,
	.max_queue_size = SOUND_MAX_QUEUE,
	.config_size = sizeof(struct snd_config),
	.attach = sound_attach,
	.get_config = sound_get_config,
	.reset = sound_reset,
	.set_features = sound_set_features,
	.queue_start = sound_queue_start,
	.queue_stop = sound_queue_stop,
	.handle = sound_handle,
	.get_stats = sound_get_stats,
};

void
sound_dev_fini(struct sound_dev *dev)
{
	uint32_t i;

	dev->finishing = true;
	for (i = 0; i < dev->n_streams; i++) {
		struct sound_stream *s = &dev->stream[i];

		if (s->be->release != NULL)
			s->be->release(s);
		free(s->ring);
		s->ring = NULL;
		if (s->be->destroy != NULL)
			s->be->destroy(s);
	}
}
