/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The virtio-snd driver on the unit-test host: every control request in
 * every state, parameter validation, the sample clock (exact deadlines, no
 * drift), held buffers completed in order with their status trailer,
 * STOP/RELEASE, the event queue, controls, WAV headers, the file backend.
 */

#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "sound_alsa.h"
#include "sound_dev.h"
#include "sound_file.h"
#include "sound_pcm.h"
#include "sound_wav.h"
#include "vhd_test_host.h"
#include "vhd_test_pair.h"

#define MS 1000000ull

/* A backend that records what it plays and captures a counting byte ramp. */
static uint8_t played[1 << 16];
static uint32_t played_len;
static uint8_t ramp;
static int rec_prepares, rec_releases;

static int
rec_prepare(struct sound_stream *s)
{
	(void)s;
	rec_prepares++;
	return 0;
}

static void
rec_release(struct sound_stream *s)
{
	(void)s;
	rec_releases++;
}

static int
rec_play(struct sound_stream *s, const void *buf, uint32_t len)
{
	(void)s;
	if (played_len + len <= sizeof(played)) {
		memcpy(played + played_len, buf, len);
		played_len += len;
	}
	return 0;
}

static int
rec_capture(struct sound_stream *s, void *buf, uint32_t len)
{
	uint8_t *b = buf;
	uint32_t i;

	(void)s;
	for (i = 0; i < len; i++)
		b[i] = ramp++;
	return 0;
}

static const struct sound_backend_ops rec_backend = {
	.name = "rec",
	.formats = 1ull << VSND_PCM_FMT_S16 | 1ull << VSND_PCM_FMT_U8,
	.prepare = rec_prepare,
	.release = rec_release,
	.play = rec_play,
	.capture = rec_capture,
};

struct ctx {
	struct vhd_test_pair p[SOUND_NUM_QUEUES];
	struct vhd_test_host h;
	struct sound_dev dev;
};

static struct ctx *
mk(const struct sound_dev_config *cfg, uint64_t features)
{
	struct ctx *c = calloc(1, sizeof(*c));
	unsigned int q;

	assert_non_null(c);
	for (q = 0; q < SOUND_NUM_QUEUES; q++)
		assert_int_equal(vhd_test_pair_init(&c->p[q], 256, 0), 0);
	vhd_test_host_init(&c->h);
	assert_int_equal(sound_dev_init(&c->dev, cfg), 0);
	c->dev.ops.attach(&c->dev, &c->h.host);
	c->dev.ops.set_features(&c->dev, features);
	for (q = 0; q < SOUND_NUM_QUEUES; q++)
		c->dev.ops.queue_start(&c->dev, q, &c->p[q].vq);
	played_len = 0;
	ramp = 0;
	rec_prepares = rec_releases = 0;
	return c;
}

static int
setup(void **state)
{
	struct sound_dev_config cfg = {.n_out = 1, .n_in = 1, .jacks = true, .controls = true};

	*state = mk(&cfg, 1ull << SOUND_F_CTLS);
	return 0;
}

static int
setup_rec(void **state)
{
	struct sound_dev_config cfg = {.n_out = 2, .n_in = 1, .controls = true,
				       .be_out = &rec_backend, .be_in = &rec_backend};

	*state = mk(&cfg, 1ull << SOUND_F_CTLS);
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;
	unsigned int q;

	sound_dev_fini(&c->dev);
	for (q = 0; q < SOUND_NUM_QUEUES; q++)
		vhd_test_pair_fini(&c->p[q]);
	free(c);
	return 0;
}

static uint8_t *
wbuf(struct ctx *c, unsigned int q, uint32_t len)
{
	return vhd_test_alloc_guarded(&c->p[q], len);
}

static void
guard_ok(const uint8_t *b, uint32_t len)
{
	assert_true(vhd_test_guard_intact(b, len));
}

static uint32_t
le32at(const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return le32toh(v);
}

/* A control request: @p rd readable bytes, @p wlen writable; @return used length. */
static uint32_t
ctl_raw(struct ctx *c, const void *rd, uint32_t rlen, uint8_t **resp, uint32_t wlen)
{
	struct vhd_fe_buf b[2];
	unsigned int n = 0;
	uint8_t *w = NULL;
	uint16_t id;
	uint32_t len = 0xdead;

	if (rlen > 0) {
		void *r = vhd_test_alloc(&c->p[0], rlen);

		memcpy(r, rd, rlen);
		b[n++] = (struct vhd_fe_buf){r, rlen};
	}
	if (wlen > 0) {
		w = wbuf(c, 0, wlen);
		b[n] = (struct vhd_fe_buf){w, wlen};
	}
	assert_true(vhd_test_post(&c->p[0], b, n, wlen > 0, false) >= 0);
	assert_int_equal(vhd_test_host_serve(&c->h, &c->p[0], &c->dev.ops, &c->dev, 0), 1);
	assert_int_equal(vhd_test_used(&c->p[0], &id, &len), 1);
	if (w != NULL)
		guard_ok(w, wlen);
	if (resp != NULL)
		*resp = w;
	return len;
}

/* A control request answered with a bare header: @return its code. */
static uint32_t
ctl(struct ctx *c, const void *rd, uint32_t rlen)
{
	uint8_t *w;

	assert_int_equal(ctl_raw(c, rd, rlen, &w, 4), 4);
	return le32at(w);
}

static uint32_t
pcm(struct ctx *c, uint32_t code, uint32_t id)
{
	struct snd_pcm_hdr h = {{htole32(code)}, htole32(id)};

	return ctl(c, &h, sizeof(h));
}

static uint32_t
params(struct ctx *c, uint32_t id, uint32_t buf, uint32_t per, uint8_t ch, uint8_t fmt,
       uint8_t rate, uint32_t feat)
{
	struct snd_pcm_set_params p = {
		.hdr = {{htole32(VSND_R_PCM_SET_PARAMS)}, htole32(id)},
		.buffer_bytes = htole32(buf),
		.period_bytes = htole32(per),
		.features = htole32(feat),
		.channels = ch,
		.format = fmt,
		.rate = rate,
	};

	return ctl(c, &p, sizeof(p));
}

static uint32_t
query(struct ctx *c, uint32_t code, uint32_t start, uint32_t count, uint32_t size,
      uint8_t **resp, uint32_t wlen, uint32_t *used)
{
	struct snd_query_info q = {{htole32(code)}, htole32(start), htole32(count), htole32(size)};
	uint8_t *w;

	*used = ctl_raw(c, &q, sizeof(q), &w, wlen);
	*resp = w;
	return le32at(w);
}

/* Post a TX buffer of @p bytes (pattern @p pat) for stream @p id; @return its status part. */
static uint8_t *
tx(struct ctx *c, uint32_t id, uint32_t bytes, uint8_t pat)
{
	uint32_t *h = vhd_test_alloc(&c->p[SOUND_Q_TX], 4);
	uint8_t *d = bytes ? vhd_test_alloc(&c->p[SOUND_Q_TX], bytes) : NULL;
	uint8_t *st = wbuf(c, SOUND_Q_TX, 8);
	struct vhd_fe_buf b[3];
	unsigned int n = 0;

	*h = htole32(id);
	b[n++] = (struct vhd_fe_buf){h, 4};
	if (bytes) {
		memset(d, pat, bytes);
		b[n++] = (struct vhd_fe_buf){d, bytes};
	}
	b[n] = (struct vhd_fe_buf){st, 8};
	assert_true(vhd_test_post(&c->p[SOUND_Q_TX], b, n, 1, false) >= 0);
	return st;
}

/* Post an RX buffer of @p bytes; *data gets the payload, @return its status part. */
static uint8_t *
rx(struct ctx *c, uint32_t id, uint32_t bytes, uint8_t **data)
{
	uint32_t *h = vhd_test_alloc(&c->p[SOUND_Q_RX], 4);
	uint8_t *d = wbuf(c, SOUND_Q_RX, bytes);
	uint8_t *st = wbuf(c, SOUND_Q_RX, 8);
	struct vhd_fe_buf b[3] = {{h, 4}, {d, bytes}, {st, 8}};

	*h = htole32(id);
	assert_true(vhd_test_post(&c->p[SOUND_Q_RX], b, 1, 2, false) >= 0);
	*data = d;
	return st;
}

static int
serve(struct ctx *c, unsigned int q)
{
	return vhd_test_host_serve(&c->h, &c->p[q], &c->dev.ops, &c->dev, (uint16_t)q);
}

static unsigned int
used_n(struct ctx *c, unsigned int q, uint32_t *last_len)
{
	uint16_t id;
	uint32_t len;
	unsigned int n = 0;

	while (vhd_test_used(&c->p[q], &id, &len) == 1) {
		n++;
		if (last_len != NULL)
			*last_len = len;
	}
	return n;
}

/* ---- config, info ---- */

static void
test_config(void **state)
{
	struct ctx *c = *state;
	uint8_t b[16];

	assert_int_equal(c->dev.ops.virtio_id, 25);
	assert_int_equal(c->dev.ops.num_queues, 4);
	assert_true(c->dev.ops.features & (1ull << SOUND_F_CTLS));
	assert_int_equal(c->dev.ops.get_config(&c->dev, b, 0, 16), 0);
	assert_int_equal(le32at(b), 2);      /* jacks */
	assert_int_equal(le32at(b + 4), 2);  /* streams */
	assert_int_equal(le32at(b + 8), 16); /* chmaps: 8 per direction */
	assert_int_equal(le32at(b + 12), 4); /* controls */
	assert_int_equal(c->dev.ops.get_config(&c->dev, b, 4, 12), 0);
	assert_int_equal(c->dev.ops.get_config(&c->dev, b, 12, 8), -EINVAL);
	assert_int_equal(c->dev.ops.get_config(&c->dev, b, 17, 0), -EINVAL);
}

static void
test_pcm_info(void **state)
{
	struct ctx *c = *state;
	uint8_t *w;
	uint32_t used;
	struct snd_pcm_info pi;

	assert_int_equal(query(c, VSND_R_PCM_INFO, 0, 2, 32, &w, 4 + 64, &used), VSND_S_OK);
	assert_int_equal(used, 68);
	memcpy(&pi, w + 4, 32);
	assert_int_equal(pi.direction, VSND_D_OUTPUT);
	assert_int_equal(pi.channels_min, 1);
	assert_int_equal(pi.channels_max, 8);
	assert_true(le64toh(pi.rates) & (1ull << VSND_PCM_RATE_12000));
	assert_true(le64toh(pi.rates) & (1ull << VSND_PCM_RATE_24000));
	assert_true(le64toh(pi.formats) & (1ull << VSND_PCM_FMT_FLOAT64));
	assert_false(le64toh(pi.formats) & (1ull << VSND_PCM_FMT_IMA_ADPCM));
	assert_true(le32toh(pi.features) & (1u << VSND_PCM_F_EVT_XRUNS));
	memcpy(&pi, w + 36, 32);
	assert_int_equal(pi.direction, VSND_D_INPUT);
	/* a larger item size is zero-padded */
	assert_int_equal(query(c, VSND_R_PCM_INFO, 1, 1, 40, &w, 44, &used), VSND_S_OK);
	assert_int_equal(used, 44);
	assert_int_equal(w[4 + 24], VSND_D_INPUT);
	assert_int_equal(le32at(w + 36), 0);
	assert_int_equal(le32at(w + 40), 0);
	/* out of range, too small, short response, overflowing count */
	assert_int_equal(query(c, VSND_R_PCM_INFO, 1, 2, 32, &w, 68, &used), VSND_S_BAD_MSG);
	assert_int_equal(query(c, VSND_R_PCM_INFO, 3, 0, 32, &w, 68, &used), VSND_S_BAD_MSG);
	assert_int_equal(query(c, VSND_R_PCM_INFO, 0, 1, 31, &w, 68, &used), VSND_S_BAD_MSG);
	assert_int_equal(query(c, VSND_R_PCM_INFO, 0, 2, 32, &w, 67, &used), VSND_S_BAD_MSG);
	assert_int_equal(used, 4);
	assert_int_equal(query(c, VSND_R_PCM_INFO, 1, 0xffffffffu, 32, &w, 68, &used),
			 VSND_S_BAD_MSG);
	assert_int_equal(query(c, VSND_R_PCM_INFO, 0, 0, 32, &w, 4, &used), VSND_S_OK);
}

static void
test_jacks(void **state)
{
	struct ctx *c = *state;
	uint8_t *w;
	uint32_t used;
	struct snd_jack_info ji;
	struct snd_jack_remap r = {{{htole32(VSND_R_JACK_REMAP)}, htole32(1)}, htole32(3),
				   htole32(5)};

	assert_int_equal(query(c, VSND_R_JACK_INFO, 0, 2, 24, &w, 52, &used), VSND_S_OK);
	memcpy(&ji, w + 4, 24);
	assert_int_equal(le32toh(ji.hda_reg_defconf) >> 20 & 0xf, 2); /* headphone */
	assert_int_equal(ji.connected, 1);
	assert_true(le32toh(ji.features) & 1);
	memcpy(&ji, w + 28, 24);
	assert_int_equal(le32toh(ji.hda_reg_defconf) >> 20 & 0xf, 0xa); /* mic */
	assert_int_equal(ctl(c, &r, sizeof(r)), VSND_S_OK);
	assert_int_equal(query(c, VSND_R_JACK_INFO, 1, 1, 24, &w, 28, &used), VSND_S_OK);
	assert_int_equal(le32at(w + 12) & 0xff, 0x35);
	r.hdr.jack_id = htole32(2);
	assert_int_equal(ctl(c, &r, sizeof(r)), VSND_S_BAD_MSG);
	r.hdr.jack_id = htole32(0);
	r.sequence = htole32(16);
	assert_int_equal(ctl(c, &r, sizeof(r)), VSND_S_BAD_MSG);
	assert_int_equal(ctl(c, &r, sizeof(r) - 1), VSND_S_BAD_MSG);
	assert_int_equal(query(c, VSND_R_JACK_INFO, 2, 1, 24, &w, 28, &used), VSND_S_BAD_MSG);
}

static void
test_chmaps(void **state)
{
	struct ctx *c = *state;
	uint8_t *w;
	uint32_t used;
	struct snd_chmap_info ci;

	assert_int_equal(query(c, VSND_R_CHMAP_INFO, 0, 16, 24, &w, 4 + 16 * 24, &used),
			 VSND_S_OK);
	memcpy(&ci, w + 4 + 1 * 24, 24);
	assert_int_equal(ci.direction, VSND_D_OUTPUT);
	assert_int_equal(ci.channels, 2);
	assert_int_equal(ci.positions[0], VSND_CHMAP_FL);
	assert_int_equal(ci.positions[1], VSND_CHMAP_FR);
	assert_int_equal(ci.positions[2], 0);
	memcpy(&ci, w + 4 + 8 * 24, 24);
	assert_int_equal(ci.direction, VSND_D_INPUT);
	assert_int_equal(ci.channels, 1);
	assert_int_equal(ci.positions[0], VSND_CHMAP_MONO);
	memcpy(&ci, w + 4 + 13 * 24, 24);
	assert_int_equal(ci.channels, 6);
	assert_int_equal(ci.positions[5], VSND_CHMAP_LFE);
	assert_int_equal(query(c, VSND_R_CHMAP_INFO, 16, 1, 24, &w, 28, &used), VSND_S_BAD_MSG);
}

static void
test_bad_requests(void **state)
{
	struct ctx *c = *state;
	static const uint32_t codes[] = {0, 3, 0xff, 0x0107, 0x0201, 0x0307, 0x1000, 0x1100,
					 0x8000, 0xffffffffu};
	uint8_t *w;
	uint32_t h, i;
	struct snd_pcm_hdr ph = {{htole32(VSND_R_PCM_PREPARE)}, htole32(2)};

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		h = htole32(codes[i]);
		assert_int_equal(ctl(c, &h, 4), VSND_S_BAD_MSG);
	}
	/* short header, stream id out of range (upstream indexes its array with it) */
	assert_int_equal(ctl(c, &h, 2), VSND_S_BAD_MSG);
	assert_int_equal(ctl(c, &ph, sizeof(ph)), VSND_S_BAD_MSG);
	ph.stream_id = htole32(0x80000000u);
	assert_int_equal(ctl(c, &ph, sizeof(ph)), VSND_S_BAD_MSG);
	assert_int_equal(ctl(c, &ph, 6), VSND_S_BAD_MSG);
	/* no room for a status: dropped, counted */
	h = htole32(VSND_R_PCM_INFO);
	assert_int_equal(ctl_raw(c, &h, 4, &w, 3), 0);
	assert_int_equal(ctl_raw(c, &h, 4, &w, 0), 0);
	assert_int_equal(c->dev.stats.dropped, 2);
}

/* ---- the state machine ---- */

/* Bring stream 0 into @p st through legal commands. */
static void
reach(struct ctx *c, enum sound_state st)
{
	assert_int_equal(params(c, 0, 1920 * 4, 1920, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000, 0),
			 VSND_S_OK);
	if (st == SOUND_ST_PARAMS)
		return;
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	if (st == SOUND_ST_PREPARED)
		return;
	if (st == SOUND_ST_RELEASED) {
		assert_int_equal(pcm(c, VSND_R_PCM_RELEASE, 0), VSND_S_OK);
		return;
	}
	assert_int_equal(pcm(c, VSND_R_PCM_START, 0), VSND_S_OK);
	if (st == SOUND_ST_RUNNING)
		return;
	assert_int_equal(pcm(c, VSND_R_PCM_STOP, 0), VSND_S_OK);
}

static void
test_state_machine(void **state)
{
	struct ctx *c = *state;
	/* the spec's lifecycle: allowed[state][command] */
	static const uint32_t cmds[] = {VSND_R_PCM_SET_PARAMS, VSND_R_PCM_PREPARE, VSND_R_PCM_START,
					VSND_R_PCM_STOP, VSND_R_PCM_RELEASE};
	static const bool allowed[5][5] = {
		[SOUND_ST_PARAMS] = {true, true, false, false, false},
		[SOUND_ST_PREPARED] = {true, true, true, false, true},
		[SOUND_ST_RUNNING] = {false, false, false, true, false},
		[SOUND_ST_STOPPED] = {false, false, true, false, true},
		[SOUND_ST_RELEASED] = {true, true, false, false, false},
	};
	unsigned int s, k;

	for (s = 0; s < 5; s++) {
		for (k = 0; k < 5; k++) {
			uint32_t r;

			/* leave the stream where the previous round left it: from scratch */
			c->dev.ops.reset(&c->dev);
			reach(c, (enum sound_state)s);
			assert_int_equal(c->dev.stream[0].state, s);
			if (cmds[k] == VSND_R_PCM_SET_PARAMS)
				r = params(c, 0, 1920 * 4, 1920, 2, VSND_PCM_FMT_S16,
					   VSND_PCM_RATE_48000, 0);
			else
				r = pcm(c, cmds[k], 0);
			assert_int_equal(r, allowed[s][k] ? VSND_S_OK : VSND_S_BAD_MSG);
		}
	}
	/* a fresh stream has parameters (the defaults): PREPARE works at once */
	c->dev.ops.reset(&c->dev);
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 1), VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_START, 1), VSND_S_OK);
}

static void
test_set_params_validation(void **state)
{
	struct ctx *c = *state;
	unsigned int f, r, ch;
	struct snd_pcm_set_params p = {
		.hdr = {{htole32(VSND_R_PCM_SET_PARAMS)}, 0},
		.buffer_bytes = htole32(4096),
		.period_bytes = htole32(1024),
		.channels = 2,
		.format = VSND_PCM_FMT_S16,
		.rate = VSND_PCM_RATE_48000,
		.padding = 1,
	};

	/* every format of the spec with whole-byte samples, every rate, 1..8 channels */
	for (f = 0; f < VSND_PCM_FMT_COUNT; f++) {
		uint32_t fb = sound_format_bytes((uint8_t)f) * 2;
		uint32_t per = fb != 0 ? fb * 64 : 1024;

		assert_int_equal(params(c, 0, per * 4, per, 2, (uint8_t)f, VSND_PCM_RATE_48000, 0),
				 f == VSND_PCM_FMT_IMA_ADPCM ? VSND_S_NOT_SUPP : VSND_S_OK);
	}
	for (r = 0; r < VSND_PCM_RATE_COUNT; r++)
		assert_int_equal(params(c, 0, 4096, 1024, 2, VSND_PCM_FMT_S16, (uint8_t)r, 0),
				 VSND_S_OK);
	for (ch = 1; ch <= 8; ch++)
		assert_int_equal(params(c, 0, 4 * 2 * ch * 16, 2 * ch * 16, (uint8_t)ch,
					VSND_PCM_FMT_S16, VSND_PCM_RATE_44100, 0),
				 VSND_S_OK);
	assert_int_equal(c->dev.stream[0].frame_bytes, 16);
	/* undefined values: BAD_MSG */
	assert_int_equal(params(c, 0, 4096, 1024, 0, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000, 0),
			 VSND_S_BAD_MSG);
	assert_int_equal(params(c, 0, 4096, 1024, 9, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000, 0),
			 VSND_S_BAD_MSG);
	assert_int_equal(params(c, 0, 4096, 1024, 2, VSND_PCM_FMT_COUNT, VSND_PCM_RATE_48000, 0),
			 VSND_S_BAD_MSG);
	assert_int_equal(params(c, 0, 4096, 1024, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_COUNT, 0),
			 VSND_S_BAD_MSG);
	assert_int_equal(params(c, 0, 4096, 1000, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000, 0),
			 VSND_S_BAD_MSG);
	assert_int_equal(params(c, 0, 4096, 0, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000, 0),
			 VSND_S_BAD_MSG);
	assert_int_equal(params(c, 0, 8u << 20, 4096, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000, 0),
			 VSND_S_BAD_MSG);
	assert_int_equal(params(c, 0, 4096, 1024, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000,
				1u << 5),
			 VSND_S_BAD_MSG);
	assert_int_equal(params(c, 2, 4096, 1024, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000, 0),
			 VSND_S_BAD_MSG);
	assert_int_equal(ctl(c, &p, sizeof(p)), VSND_S_BAD_MSG); /* padding */
	/* defined but not offered: NOT_SUPP (shared memory, a period of partial frames) */
	assert_int_equal(params(c, 0, 4096, 1024, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000, 1),
			 VSND_S_NOT_SUPP);
	assert_int_equal(params(c, 0, 4098, 2049, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000, 0),
			 VSND_S_NOT_SUPP);
	/* the stream keeps its last good parameters */
	assert_int_equal(c->dev.stream[0].params.channels, 8);
	assert_int_equal(c->dev.stream[0].params.rate, VSND_PCM_RATE_44100);
}

/* ---- pacing ---- */

static void
test_clock_arithmetic(void **state)
{
	struct sound_clock ck = {.base_ns = 5, .base_frames = 100, .hz = 44100};
	uint64_t day = 86400ull;
	unsigned int r;

	(void)state;
	/* exact at every whole second of a day, at every rate */
	for (r = 0; r < VSND_PCM_RATE_COUNT; r++) {
		uint32_t hz = sound_rate_hz((uint8_t)r);

		assert_true(hz > 0);
		assert_int_equal(sound_frames_to_ns(hz * day, hz), day * 1000000000ull);
		assert_int_equal(sound_frames_to_ns(hz * day + 1, hz),
				 day * 1000000000ull + 1000000000ull / hz);
		assert_int_equal(sound_ns_to_frames(day * 1000000000ull, hz), hz * day);
	}
	assert_int_equal(sound_rate_hz(VSND_PCM_RATE_12000), 12000);
	assert_int_equal(sound_rate_hz(VSND_PCM_RATE_24000), 24000);
	assert_int_equal(sound_rate_hz(16), 0);
	/* a week at 384 kHz fits without overflow */
	assert_int_equal(sound_frames_to_ns(384000ull * 7 * day, 384000), 7 * day * 1000000000ull);
	/* 441 frames at 44100 Hz is 10 ms; 1 frame is 22675 ns (rounded down) */
	assert_int_equal(sound_clock_deadline(&ck, 100 + 441), 5 + 10 * MS);
	assert_int_equal(sound_clock_deadline(&ck, 101), 5 + 22675);
	/* rounding never accumulates: period k is due at floor(k * 512 / 44100 s) */
	assert_int_equal(sound_clock_deadline(&ck, 100 + 512ull * 1000000),
			 5 + 512ull * 1000000 * 1000000000ull / 44100);
	/* frame sizes */
	assert_int_equal(sound_format_bytes(VSND_PCM_FMT_S24_3), 3);
	assert_int_equal(sound_format_bytes(VSND_PCM_FMT_S24), 4);
	assert_int_equal(sound_format_bytes(VSND_PCM_FMT_FLOAT64), 8);
	assert_int_equal(sound_format_bytes(VSND_PCM_FMT_IMA_ADPCM), 0);
	assert_int_equal(sound_format_bytes(VSND_PCM_FMT_COUNT), 0);
}

static void
test_silence(void **state)
{
	uint8_t b[8];

	(void)state;
	sound_silence(VSND_PCM_FMT_U8, b, 2);
	assert_int_equal(b[0], 0x80);
	sound_silence(VSND_PCM_FMT_U16, b, 4);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 0x80);
	assert_int_equal(b[3], 0x80);
	sound_silence(VSND_PCM_FMT_U20, b, 8);
	assert_int_equal(b[2], 0x08);
	assert_int_equal(b[3], 0);
	sound_silence(VSND_PCM_FMT_U24_3, b, 3);
	assert_int_equal(b[2], 0x80);
	sound_silence(VSND_PCM_FMT_S16, b, 4);
	assert_int_equal(b[1], 0);
	sound_silence(VSND_PCM_FMT_MU_LAW, b, 1);
	assert_int_equal(b[0], 0xff);
}

/* Output at 48 kHz S16 stereo, 10 ms periods: completions on the sample clock. */
static void
test_tx_paced(void **state)
{
	struct ctx *c = *state;
	uint8_t *st[4];
	uint64_t t0;
	uint32_t len;
	unsigned int i;

	reach(c, SOUND_ST_PREPARED);
	for (i = 0; i < 4; i++)
		st[i] = tx(c, 0, 1920, (uint8_t)(i + 1));
	assert_int_equal(serve(c, SOUND_Q_TX), 4);
	/* prepared: held, not played */
	vhd_test_host_advance(&c->h, 100 * MS);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 0);
	t0 = c->h.now;
	assert_int_equal(pcm(c, VSND_R_PCM_START, 0), VSND_S_OK);
	for (i = 0; i < 4; i++) {
		vhd_test_host_advance(&c->h, t0 + (i + 1) * 10 * MS - 1 - c->h.now);
		assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 0);
		vhd_test_host_advance(&c->h, 1);
		assert_int_equal(used_n(c, SOUND_Q_TX, &len), 1);
		assert_int_equal(len, 8);
		assert_int_equal(le32at(st[i]), VSND_S_OK);
		/* latency: what is still held behind it */
		assert_int_equal(le32at(st[i] + 4), (3 - i) * 1920);
		guard_ok(st[i], 8);
	}
	assert_int_equal(c->dev.stream[0].stats.buffers, 4);
	assert_int_equal(c->dev.stream[0].stats.bytes, 4 * 1920);
}

/* 1000 periods of 512 frames at 44100 Hz, refilled as they complete: each is due at
 * t0 + floor(k * 512 / 44100 s), never later, so no drift builds up.
 */
static void
test_tx_no_drift(void **state)
{
	struct ctx *c = *state;
	uint64_t t0;
	unsigned int k;

	assert_int_equal(params(c, 0, 2048 * 4, 2048, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_44100, 0),
			 VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	tx(c, 0, 2048, 0);
	tx(c, 0, 2048, 0);
	serve(c, SOUND_Q_TX);
	t0 = c->h.now;
	assert_int_equal(pcm(c, VSND_R_PCM_START, 0), VSND_S_OK);
	for (k = 1; k <= 1000; k++) {
		uint64_t due = t0 + 512ull * k * 1000000000ull / 44100;

		vhd_test_host_advance(&c->h, due - 1 - c->h.now);
		assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 0);
		vhd_test_host_advance(&c->h, 1);
		assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 1);
		tx(c, 0, 2048, 0);
		serve(c, SOUND_Q_TX);
	}
	assert_int_equal(c->dev.stream[0].stats.xruns, 0);
}

static void
test_tx_payload_and_gain(void **state)
{
	struct ctx *c = *state;
	struct {
		struct snd_ctl_hdr h;
		uint32_t v[128];
	} wr = {{{htole32(VSND_R_CTL_WRITE)}, htole32(0)}, {htole32(50)}};
	unsigned int i;

	reach(c, SOUND_ST_PREPARED);
	assert_int_equal(rec_prepares, 1);
	tx(c, 0, 1920, 0x20);
	serve(c, SOUND_Q_TX);
	assert_int_equal(pcm(c, VSND_R_PCM_START, 0), VSND_S_OK);
	vhd_test_host_advance(&c->h, 10 * MS);
	assert_int_equal(played_len, 1920);
	for (i = 0; i < 1920; i++)
		assert_int_equal(played[i], 0x20);
	/* volume 50 of 100 halves every S16 sample (0x2020 -> 0x1010) */
	assert_int_equal(ctl(c, &wr, sizeof(wr)), VSND_S_OK);
	tx(c, 0, 1920, 0x20);
	serve(c, SOUND_Q_TX);
	vhd_test_host_advance(&c->h, 10 * MS);
	assert_int_equal(played_len, 3840);
	assert_int_equal(played[1920], 0x10);
	assert_int_equal(played[1921], 0x10);
	/* the switch (control 1) off mutes */
	wr.h.control_id = htole32(1);
	wr.v[0] = 0;
	assert_int_equal(ctl(c, &wr, sizeof(wr)), VSND_S_OK);
	tx(c, 0, 1920, 0x20);
	serve(c, SOUND_Q_TX);
	vhd_test_host_advance(&c->h, 10 * MS);
	assert_int_equal(played[3840], 0);
	assert_int_equal(played[3840 + 1919], 0);
	assert_int_equal(pcm(c, VSND_R_PCM_STOP, 0), VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_RELEASE, 0), VSND_S_OK);
	assert_int_equal(rec_releases, 1);
}

static void
test_rx_paced(void **state)
{
	struct ctx *c = *state;
	uint8_t *d[3], *st[3];
	uint64_t t0;
	uint32_t len;
	unsigned int i;

	/* stream 2 is the input of the rec setup: U8 mono 8 kHz, 80-byte (10 ms) periods */
	assert_int_equal(params(c, 2, 320, 80, 1, VSND_PCM_FMT_U8, VSND_PCM_RATE_8000, 0),
			 VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 2), VSND_S_OK);
	for (i = 0; i < 3; i++)
		st[i] = rx(c, 2, 80, &d[i]);
	assert_int_equal(serve(c, SOUND_Q_RX), 3);
	t0 = c->h.now;
	assert_int_equal(pcm(c, VSND_R_PCM_START, 2), VSND_S_OK);
	for (i = 0; i < 3; i++) {
		vhd_test_host_advance(&c->h, t0 + (i + 1) * 10 * MS - 1 - c->h.now);
		assert_int_equal(used_n(c, SOUND_Q_RX, NULL), 0);
		vhd_test_host_advance(&c->h, 1);
		assert_int_equal(used_n(c, SOUND_Q_RX, &len), 1);
		assert_int_equal(len, 88);
		assert_int_equal(le32at(st[i]), VSND_S_OK);
		assert_int_equal(d[i][0], (uint8_t)(i * 80));
		assert_int_equal(d[i][79], (uint8_t)(i * 80 + 79));
		guard_ok(d[i], 80);
		guard_ok(st[i], 8);
	}
}

static void
test_rx_null_silence(void **state)
{
	struct ctx *c = *state;
	uint8_t *d, *st;
	uint32_t len;

	assert_int_equal(params(c, 1, 400, 100, 1, VSND_PCM_FMT_U8, VSND_PCM_RATE_8000, 0),
			 VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 1), VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_START, 1), VSND_S_OK);
	st = rx(c, 1, 100, &d);
	serve(c, SOUND_Q_RX);
	vhd_test_host_advance(&c->h, 12500000 - 1);
	assert_int_equal(used_n(c, SOUND_Q_RX, NULL), 0);
	vhd_test_host_advance(&c->h, 1);
	assert_int_equal(used_n(c, SOUND_Q_RX, &len), 1);
	assert_int_equal(len, 108);
	assert_int_equal(d[0], 0x80);
	assert_int_equal(d[99], 0x80);
	assert_int_equal(le32at(st), VSND_S_OK);
}

static void
test_stop_release(void **state)
{
	struct ctx *c = *state;
	uint8_t *st[3];
	unsigned int i;
	uint8_t *w;

	reach(c, SOUND_ST_RUNNING);
	for (i = 0; i < 3; i++)
		st[i] = tx(c, 0, 1920, 1);
	serve(c, SOUND_Q_TX);
	vhd_test_host_advance(&c->h, 10 * MS);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 1);
	/* STOP holds the rest: the clock stands still */
	assert_int_equal(pcm(c, VSND_R_PCM_STOP, 0), VSND_S_OK);
	vhd_test_host_advance(&c->h, 100 * MS);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 0);
	/* START resumes from where it stopped */
	assert_int_equal(pcm(c, VSND_R_PCM_START, 0), VSND_S_OK);
	vhd_test_host_advance(&c->h, 10 * MS - 1);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 0);
	vhd_test_host_advance(&c->h, 1);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 1);
	assert_int_equal(pcm(c, VSND_R_PCM_STOP, 0), VSND_S_OK);
	/* RELEASE completes what is held before it answers */
	assert_int_equal(ctl_raw(c, (struct snd_pcm_hdr[]){{{htole32(VSND_R_PCM_RELEASE)}, 0}}, 8,
				 &w, 4),
			 4);
	assert_int_equal(le32at(w), VSND_S_OK);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 1);
	assert_int_equal(le32at(st[2]), VSND_S_OK);
	assert_int_equal(c->dev.stream[0].count, 0);
	/* released: buffers are refused */
	tx(c, 0, 1920, 1);
	serve(c, SOUND_Q_TX);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 1);
	assert_int_equal(le32at(st[2]), VSND_S_OK);
}

static void
test_bad_io(void **state)
{
	struct ctx *c = *state;
	uint8_t *st, *d;
	uint32_t len;
	uint32_t *h;
	struct vhd_fe_buf b[2];

	/* stream id out of range, wrong direction, partial frame, not prepared */
	st = tx(c, 2, 1920, 0);
	serve(c, SOUND_Q_TX);
	assert_int_equal(used_n(c, SOUND_Q_TX, &len), 1);
	assert_int_equal(le32at(st), VSND_S_BAD_MSG);
	st = tx(c, 0xffffffffu, 4, 0);
	serve(c, SOUND_Q_TX);
	assert_int_equal(used_n(c, SOUND_Q_TX, &len), 1);
	assert_int_equal(le32at(st), VSND_S_BAD_MSG);
	st = tx(c, 1, 1920, 0); /* stream 1 is an input */
	serve(c, SOUND_Q_TX);
	used_n(c, SOUND_Q_TX, NULL);
	assert_int_equal(le32at(st), VSND_S_BAD_MSG);
	st = rx(c, 0, 100, &d); /* stream 0 is an output */
	serve(c, SOUND_Q_RX);
	assert_int_equal(used_n(c, SOUND_Q_RX, &len), 1);
	assert_int_equal(len, 8);
	assert_int_equal(le32at(st), VSND_S_BAD_MSG);
	guard_ok(d, 100);
	st = tx(c, 0, 1920, 0);
	serve(c, SOUND_Q_TX);
	used_n(c, SOUND_Q_TX, NULL);
	assert_int_equal(le32at(st), VSND_S_IO_ERR);
	reach(c, SOUND_ST_PREPARED);
	st = tx(c, 0, 1922, 0);
	serve(c, SOUND_Q_TX);
	used_n(c, SOUND_Q_TX, NULL);
	assert_int_equal(le32at(st), VSND_S_BAD_MSG);
	/* more than twice the buffer queued: refused at once, never stalling the ring */
	for (len = 0; len < 8; len++)
		tx(c, 0, 1920, 0);
	st = tx(c, 0, 1920, 0);
	serve(c, SOUND_Q_TX);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 1);
	assert_int_equal(le32at(st), VSND_S_IO_ERR);
	/* no status room: dropped */
	h = vhd_test_alloc(&c->p[SOUND_Q_TX], 4);
	d = wbuf(c, SOUND_Q_TX, 7);
	b[0] = (struct vhd_fe_buf){h, 4};
	b[1] = (struct vhd_fe_buf){d, 7};
	vhd_test_post(&c->p[SOUND_Q_TX], b, 1, 1, false);
	serve(c, SOUND_Q_TX);
	assert_int_equal(used_n(c, SOUND_Q_TX, &len), 1);
	assert_int_equal(len, 0);
	guard_ok(d, 7);
	assert_int_equal(c->dev.stats.dropped, 1);
	/* queue stop: held buffers complete with IO_ERR */
	c->dev.ops.queue_stop(&c->dev, SOUND_Q_TX, &c->p[SOUND_Q_TX].vq);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 8);
	assert_int_equal(c->dev.stream[0].count, 0);
}

/* ---- events ---- */

static uint8_t *
evt_buf(struct ctx *c)
{
	uint8_t *w = wbuf(c, SOUND_Q_EVT, 8);
	struct vhd_fe_buf b = {w, 8};

	assert_true(vhd_test_post(&c->p[SOUND_Q_EVT], &b, 0, 1, false) >= 0);
	return w;
}

static void
test_jack_events(void **state)
{
	struct ctx *c = *state;
	uint8_t *e1, *e2, *e3;
	uint32_t len;
	unsigned int i;

	e1 = evt_buf(c);
	e2 = evt_buf(c);
	assert_int_equal(serve(c, SOUND_Q_EVT), 2);
	assert_int_equal(used_n(c, SOUND_Q_EVT, NULL), 0);
	assert_int_equal(sound_jack_set(&c->dev, 0, false), 0);
	assert_int_equal(used_n(c, SOUND_Q_EVT, &len), 1);
	assert_int_equal(len, 8);
	assert_int_equal(le32at(e1), VSND_EVT_JACK_DISCONNECTED);
	assert_int_equal(le32at(e1 + 4), 0);
	guard_ok(e1, 8);
	assert_int_equal(sound_jack_set(&c->dev, 0, false), 0); /* no change, no event */
	assert_int_equal(sound_jack_set(&c->dev, 2, true), -EINVAL);
	assert_int_equal(used_n(c, SOUND_Q_EVT, NULL), 0);
	/* the remaining buffer comes back empty at queue stop: none is leaked */
	c->dev.ops.queue_stop(&c->dev, SOUND_Q_EVT, &c->p[SOUND_Q_EVT].vq);
	assert_int_equal(used_n(c, SOUND_Q_EVT, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(le32at(e2), 0xeeeeeeeeu);
	/* events with no buffer wait, in order */
	c->dev.ops.queue_start(&c->dev, SOUND_Q_EVT, &c->p[SOUND_Q_EVT].vq);
	sound_jack_set(&c->dev, 1, false);
	sound_jack_set(&c->dev, 1, true);
	e3 = evt_buf(c);
	e1 = evt_buf(c);
	serve(c, SOUND_Q_EVT);
	assert_int_equal(used_n(c, SOUND_Q_EVT, NULL), 2);
	assert_int_equal(le32at(e3), VSND_EVT_JACK_DISCONNECTED);
	assert_int_equal(le32at(e3 + 4), 1);
	assert_int_equal(le32at(e1), VSND_EVT_JACK_CONNECTED);
	/* a flood with no buffers keeps SOUND_EVT_PENDING, counts the rest */
	for (i = 0; i < SOUND_EVT_PENDING + 10; i++)
		sound_jack_set(&c->dev, 0, i % 2 == 0);
	assert_int_equal(c->dev.stats.events_dropped, 10);
	/* malformed event buffers: returned empty, counted */
	{
		uint8_t *r = vhd_test_alloc(&c->p[SOUND_Q_EVT], 8), *w = wbuf(c, SOUND_Q_EVT, 4);
		struct vhd_fe_buf b[2] = {{r, 8}, {w, 4}};

		vhd_test_post(&c->p[SOUND_Q_EVT], b, 1, 1, false);
		vhd_test_post(&c->p[SOUND_Q_EVT], b + 1, 0, 1, false);
		serve(c, SOUND_Q_EVT);
		assert_int_equal(used_n(c, SOUND_Q_EVT, &len), 2);
		assert_int_equal(len, 0);
		guard_ok(w, 4);
		assert_int_equal(c->dev.stats.evt_bad, 2);
	}
}

static void
test_xrun_and_period_events(void **state)
{
	struct ctx *c = *state;
	uint8_t *e[4];
	unsigned int i;
	uint64_t t;

	for (i = 0; i < 4; i++)
		e[i] = evt_buf(c);
	serve(c, SOUND_Q_EVT);
	assert_int_equal(params(c, 0, 1920 * 4, 1920, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000,
				1u << VSND_PCM_F_EVT_XRUNS | 1u << VSND_PCM_F_EVT_SHMEM_PERIODS),
			 VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_START, 0), VSND_S_OK);
	/* two half periods: one period event */
	tx(c, 0, 960, 0);
	tx(c, 0, 960, 0);
	serve(c, SOUND_Q_TX);
	vhd_test_host_advance(&c->h, 10 * MS);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 2);
	assert_int_equal(used_n(c, SOUND_Q_EVT, NULL), 1);
	assert_int_equal(le32at(e[0]), VSND_EVT_PCM_PERIOD_ELAPSED);
	assert_int_equal(le32at(e[0] + 4), 0);
	/* the guest is late: data after the clock ran dry is an underrun */
	vhd_test_host_advance(&c->h, 5 * MS);
	tx(c, 0, 1920, 0);
	serve(c, SOUND_Q_TX);
	assert_int_equal(used_n(c, SOUND_Q_EVT, NULL), 1);
	assert_int_equal(le32at(e[1]), VSND_EVT_PCM_XRUN);
	assert_int_equal(c->dev.stream[0].stats.xruns, 1);
	/* the clock restarted at the late buffer: due 10 ms after it arrived */
	t = c->h.now;
	vhd_test_host_advance(&c->h, t + 10 * MS - 1 - c->h.now);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 0);
	vhd_test_host_advance(&c->h, 1);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 1);
}

static void
test_controls(void **state)
{
	struct ctx *c = *state;
	uint8_t *w;
	uint32_t used;
	struct snd_ctl_info ci;
	struct snd_ctl_hdr rd = {{htole32(VSND_R_CTL_READ)}, htole32(2)};
	struct {
		struct snd_ctl_hdr h;
		uint32_t v[128];
	} wr = {{{htole32(VSND_R_CTL_WRITE)}, htole32(2)}, {htole32(77)}};

	assert_int_equal(query(c, VSND_R_CTL_INFO, 0, 4, sizeof(ci), &w, 4 + 4 * sizeof(ci), &used),
			 VSND_S_OK);
	assert_int_equal(sizeof(ci), 96); /* Linux's layout: the value union 8-byte aligned */
	memcpy(&ci, w + 4, sizeof(ci));
	assert_string_equal((char *)ci.name, "PCM Playback Volume");
	/* min at byte 72, max at 76, step at 80 */
	assert_int_equal(le32at(w + 4 + 72), 0);
	assert_int_equal(le32at(w + 4 + 76), SOUND_VOLUME_MAX);
	assert_int_equal(le32at(w + 4 + 80), 1);
	assert_int_equal(le32toh(ci.type), VSND_CTL_TYPE_INTEGER);
	assert_int_equal(le32toh(ci.role), VSND_CTL_ROLE_VOLUME << 1 | VSND_D_OUTPUT);
	assert_int_equal(le32toh(ci.value.integer.max), SOUND_VOLUME_MAX);
	memcpy(&ci, w + 4 + 3 * sizeof(ci), sizeof(ci));
	assert_string_equal((char *)ci.name, "PCM Capture Switch");
	assert_int_equal(le32toh(ci.type), VSND_CTL_TYPE_BOOLEAN);
	assert_int_equal(le32toh(ci.role), VSND_CTL_ROLE_MUTE << 1 | VSND_D_INPUT);
	/* read, write, read back */
	assert_int_equal(ctl_raw(c, &rd, sizeof(rd), &w, 4 + 512), 4 + 512);
	assert_int_equal(le32at(w), VSND_S_OK);
	assert_int_equal(le32at(w + 4), SOUND_VOLUME_MAX);
	assert_int_equal(ctl(c, &wr, sizeof(wr)), VSND_S_OK);
	assert_int_equal(ctl_raw(c, &rd, sizeof(rd), &w, 4 + 512), 4 + 512);
	assert_int_equal(le32at(w + 4), 77);
	/* out of range value, bad id, short value, short read buffer, TLV, enum items */
	wr.v[0] = htole32(101);
	assert_int_equal(ctl(c, &wr, sizeof(wr)), VSND_S_BAD_MSG);
	wr.h.control_id = htole32(4);
	wr.v[0] = htole32(1);
	assert_int_equal(ctl(c, &wr, sizeof(wr)), VSND_S_BAD_MSG);
	wr.h.control_id = htole32(1);
	assert_int_equal(ctl(c, &wr, sizeof(wr) - 4), VSND_S_BAD_MSG);
	assert_int_equal(ctl_raw(c, &rd, sizeof(rd), &w, 4 + 511), 4);
	assert_int_equal(le32at(w), VSND_S_BAD_MSG);
	rd.hdr.code = htole32(VSND_R_CTL_TLV_READ);
	assert_int_equal(ctl(c, &rd, sizeof(rd)), VSND_S_BAD_MSG);
	rd.hdr.code = htole32(VSND_R_CTL_ENUM_ITEMS);
	assert_int_equal(ctl(c, &rd, sizeof(rd)), VSND_S_BAD_MSG);
	/* without VIRTIO_SND_F_CTLS negotiated, control requests are bad */
	c->dev.ops.set_features(&c->dev, 0);
	rd.hdr.code = htole32(VSND_R_CTL_READ);
	assert_int_equal(ctl_raw(c, &rd, sizeof(rd), &w, 4 + 512), 4);
	assert_int_equal(le32at(w), VSND_S_BAD_MSG);
	assert_int_equal(query(c, VSND_R_CTL_INFO, 0, 1, sizeof(ci), &w, 4 + sizeof(ci), &used),
			 VSND_S_BAD_MSG);
}

static void
test_no_jacks_no_ctls(void **state)
{
	struct sound_dev_config cfg = {.n_out = 3};
	struct ctx *c = mk(&cfg, 0);
	uint8_t b[16], *w;
	uint32_t used;

	(void)state;
	assert_false(c->dev.ops.features & (1ull << SOUND_F_CTLS));
	c->dev.ops.get_config(&c->dev, b, 0, 16);
	assert_int_equal(le32at(b), 0);
	assert_int_equal(le32at(b + 4), 3);
	assert_int_equal(le32at(b + 8), 8);
	assert_int_equal(le32at(b + 12), 0);
	assert_int_equal(query(c, VSND_R_JACK_INFO, 0, 1, 24, &w, 28, &used), VSND_S_BAD_MSG);
	assert_int_equal(query(c, VSND_R_JACK_INFO, 0, 0, 24, &w, 28, &used), VSND_S_OK);
	assert_int_equal(sound_jack_set(&c->dev, 0, false), -EINVAL);
	assert_int_equal(query(c, VSND_R_CHMAP_INFO, 0, 8, 24, &w, 4 + 8 * 24, &used), VSND_S_OK);
	assert_int_equal(w[4 + 4], VSND_D_OUTPUT);
	*(void **)state = c;
	teardown(state);
	{
		struct sound_dev d;
		struct sound_dev_config bad = {.n_out = 10, .n_in = 7};

		assert_int_equal(sound_dev_init(&d, &bad), -EINVAL);
		bad.n_out = bad.n_in = 0;
		assert_int_equal(sound_dev_init(&d, &bad), -EINVAL);
	}
}

/* ---- WAV and the file backend ---- */

static void
test_wav_header(void **state)
{
	uint8_t h[SOUND_WAV_HDR + 8];
	struct sound_wav_info wi;
	char err[128];

	(void)state;
	assert_int_equal(sound_wav_header(h, VSND_PCM_FMT_S16, 2, 48000, 1000), 0);
	assert_memory_equal(h, "RIFF", 4);
	assert_int_equal(le32at(h + 4), 1036);
	assert_memory_equal(h + 8, "WAVEfmt ", 8);
	assert_int_equal(le32at(h + 24), 48000);
	assert_int_equal(le32at(h + 28), 192000);
	assert_int_equal(le32at(h + 40), 1000);
	assert_int_equal(sound_wav_parse(h, SOUND_WAV_HDR, SOUND_WAV_HDR + 1000, &wi, err,
					 sizeof(err)),
			 0);
	assert_int_equal(wi.format, VSND_PCM_FMT_S16);
	assert_int_equal(wi.channels, 2);
	assert_int_equal(wi.rate, 48000);
	assert_int_equal(wi.data_off, 44);
	assert_int_equal(wi.data_len, 1000);
	/* a truncated file: the data is what is there, in whole frames */
	assert_int_equal(sound_wav_parse(h, SOUND_WAV_HDR, SOUND_WAV_HDR + 503, &wi, err,
					 sizeof(err)),
			 0);
	assert_int_equal(wi.data_len, 500);
	assert_int_equal(sound_wav_header(h, VSND_PCM_FMT_FLOAT64, 1, 12000, 0), 0);
	assert_int_equal(sound_wav_parse(h, 44, 44, &wi, err, sizeof(err)), 0);
	assert_int_equal(wi.format, VSND_PCM_FMT_FLOAT64);
	assert_int_equal(sound_wav_header(h, VSND_PCM_FMT_S8, 1, 8000, 0), -EINVAL);
	assert_int_equal(sound_wav_header(h, VSND_PCM_FMT_S24_3, 6, 96000, 0), 0);
	assert_int_equal(sound_wav_parse(h, 44, 44, &wi, err, sizeof(err)), 0);
	assert_int_equal(wi.format, VSND_PCM_FMT_S24_3);
	assert_int_equal(wi.channels, 6);
	/* broken files */
	memcpy(h, "RIFX", 4);
	assert_int_equal(sound_wav_parse(h, 44, 44, &wi, err, sizeof(err)), -EINVAL);
	sound_wav_header(h, VSND_PCM_FMT_S16, 2, 47999, 0);
	assert_int_equal(sound_wav_parse(h, 44, 44, &wi, err, sizeof(err)), -EINVAL);
	sound_wav_header(h, VSND_PCM_FMT_S16, 2, 48000, 0);
	memcpy(h + 36, "junk", 4);
	assert_int_equal(sound_wav_parse(h, 44, 44, &wi, err, sizeof(err)), -EINVAL);
	assert_int_equal(sound_wav_parse(h, 10, 10, &wi, err, sizeof(err)), -EINVAL);
}

static void
test_wav_extra_chunks(void **state)
{
	/* RIFF, a LIST chunk of odd size (padded), an EXTENSIBLE fmt, then data */
	uint8_t f[200] = {0};
	struct sound_wav_info wi;
	char err[128];
	uint32_t v;
	uint16_t s;
	size_t o = 0;

	(void)state;
#define P4(x) (memcpy(f + o, x, 4), o += 4)
#define P32(x) (v = htole32(x), memcpy(f + o, &v, 4), o += 4)
#define P16(x) (s = htole16(x), memcpy(f + o, &s, 2), o += 2)
	P4("RIFF");
	P32(0);
	P4("WAVE");
	P4("LIST");
	P32(3);
	o += 4; /* 3 bytes + pad */
	P4("fmt ");
	P32(40);
	P16(0xfffe);
	P16(2);
	P32(44100);
	P32(44100 * 8);
	P16(8);
	P16(32);
	P16(22);
	P16(32);
	P32(3);
	P16(3); /* sub-format: IEEE float */
	o += 14;
	P4("data");
	P32(16);
	assert_int_equal(sound_wav_parse(f, o + 16, o + 16, &wi, err, sizeof(err)), 0);
	assert_int_equal(wi.format, VSND_PCM_FMT_FLOAT);
	assert_int_equal(wi.channels, 2);
	assert_int_equal(wi.rate, 44100);
	assert_int_equal(wi.data_off, o);
	assert_int_equal(wi.data_len, 16);
}

static off_t
file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static ssize_t
read_file(const char *path, uint8_t *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, len);
	close(fd);
	return n;
}

/* @p n buffers of 1000 bytes (patterns @p pat, @p pat + 1...) to output
 * stream 0, START, and @p ms of the sample clock.
 */
static void
play_n(struct ctx *c, unsigned int n, uint8_t pat, uint64_t ms)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		tx(c, 0, 1000, (uint8_t)(pat + i));
	serve(c, SOUND_Q_TX);
	assert_int_equal(pcm(c, VSND_R_PCM_START, 0), VSND_S_OK);
	vhd_test_host_advance(&c->h, ms * MS);
}

/* Worker turns until the host has no I/O or offloaded call left. */
static void
run_io(struct ctx *c)
{
	unsigned int i;

	for (i = 0; i < 100 && (c->h.nio != 0 || c->h.noff != 0); i++)
		vhd_test_host_run(&c->h);
	assert_int_equal(c->h.nio + c->h.noff, 0);
}

static void
test_file_backend(void **state)
{
	char out[] = "/tmp/vhd-sound-unit-XXXXXX";
	char err[160];
	int fd = mkstemp(out);
	struct sound_file *f;
	struct sound_dev_config cfg = {.n_out = 1, .n_in = 1, .be_out = &sound_file_backend,
				       .be_in = &sound_file_backend};
	struct sound_wav_info wi;
	struct ctx *c;
	uint8_t buf[SOUND_WAV_HDR + 4000], *d;
	unsigned int i;
	ssize_t n;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	/* a capture source: 100 frames of S16 stereo 8 kHz counting up */
	{
		uint8_t src[SOUND_WAV_HDR + 400];

		sound_wav_header(src, VSND_PCM_FMT_S16, 2, 8000, 400);
		for (i = 0; i < 400; i++)
			src[SOUND_WAV_HDR + i] = (uint8_t)i;
		fd = open(out, O_WRONLY | O_TRUNC);
		assert_int_equal(write(fd, src, sizeof(src)), sizeof(src));
		close(fd);
	}
	cfg.be_arg[1] = sound_file_open_in(out, &wi, err, sizeof(err));
	assert_non_null(cfg.be_arg[1]);
	assert_int_equal(wi.rate, 8000);
	f = sound_file_open_out(out, err, sizeof(err)); /* now overwrite it as the recording */
	assert_non_null(f);
	cfg.be_arg[0] = f;
	c = mk(&cfg, 0);
	sound_file_limit(&c->dev.stream[1], &wi);
	/* capture offers exactly the file's format, and loops over it */
	assert_int_equal(params(c, 1, 1200, 300, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000, 0),
			 VSND_S_NOT_SUPP);
	assert_int_equal(params(c, 1, 1200, 300, 1, VSND_PCM_FMT_S16, VSND_PCM_RATE_8000, 0),
			 VSND_S_NOT_SUPP);
	assert_int_equal(params(c, 1, 1208, 302, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_8000, 0),
			 VSND_S_NOT_SUPP); /* 302 is not whole frames */
	assert_int_equal(params(c, 1, 1200, 240, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_8000, 0),
			 VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 1), VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_START, 1), VSND_S_OK);
	rx(c, 1, 240, &d);
	rx(c, 1, 240, &d);
	serve(c, SOUND_Q_RX);
	vhd_test_host_advance(&c->h, 60 * MS);
	assert_int_equal(used_n(c, SOUND_Q_RX, NULL), 2);
	assert_int_equal(d[0], 240);
	assert_int_equal(d[159], (uint8_t)399);
	assert_int_equal(d[160], 0); /* looped */
	/* playback of a ramp into the recording */
	assert_int_equal(params(c, 0, 4000, 1000, 1, VSND_PCM_FMT_U8, VSND_PCM_RATE_16000, 0),
			 VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	play_n(c, 3, 0x40, 125);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 2);
	/* played, handed to the host's I/O, not written on the worker */
	assert_int_equal(c->h.nio, 2);
	assert_int_equal(file_size(out), SOUND_WAV_HDR);
	assert_int_equal(vhd_test_host_run(&c->h), 2);
	assert_int_equal(file_size(out), SOUND_WAV_HDR + 2000);
	assert_int_equal(pcm(c, VSND_R_PCM_STOP, 0), VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_RELEASE, 0), VSND_S_OK); /* the third, then the header */
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 1);
	/* the header rewrite waits for the samples before it */
	assert_int_equal(c->h.nio, 1);
	assert_int_equal(file_size(out), SOUND_WAV_HDR + 2000);
	assert_int_equal(vhd_test_host_run(&c->h), 1);
	assert_int_equal(file_size(out), SOUND_WAV_HDR + 3000);
	assert_int_equal(c->h.nio, 1);
	run_io(c);
	n = read_file(out, buf, sizeof(buf));
	assert_int_equal(n, SOUND_WAV_HDR + 3000);
	assert_int_equal(sound_wav_parse(buf, (size_t)n, (uint64_t)n, &wi, err, sizeof(err)), 0);
	assert_int_equal(wi.format, VSND_PCM_FMT_U8);
	assert_int_equal(wi.rate, 16000);
	assert_int_equal(wi.channels, 1);
	assert_int_equal(wi.data_len, 3000);
	assert_int_equal(buf[SOUND_WAV_HDR], 0x40);
	assert_int_equal(buf[SOUND_WAV_HDR + 2999], 0x42);
	assert_int_equal(sound_file_write_errors(f), 0);
	*(void **)state = c;
	teardown(state);
	unlink(out);
	assert_null(sound_file_open_out("/nonexistent-dir/x.wav", err, sizeof(err)));
	assert_null(sound_file_open_in("/nonexistent-dir/x.wav", &wi, err, sizeof(err)));
}

/* The recording's write queue: a full host queue (-EAGAIN) is retried by the
 * backend's timer and at completions, one write at a time keeps the order; a
 * new format's truncation goes to the offload thread before the new samples;
 * at destroy what is still queued is written (synchronously, off the worker).
 */
static void
test_file_backend_queue(void **state)
{
	char out[] = "/tmp/vhd-sound-unit-XXXXXX";
	char err[160];
	int fd = mkstemp(out);
	struct sound_file *f;
	struct sound_dev_config cfg = {.n_out = 1, .n_in = 1, .be_out = &sound_file_backend};
	struct sound_wav_info wi;
	struct ctx *c;
	uint8_t buf[SOUND_WAV_HDR + 8000];
	unsigned int i, turns;
	ssize_t n;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	f = sound_file_open_out(out, err, sizeof(err));
	assert_non_null(f);
	cfg.be_arg[0] = f;
	c = mk(&cfg, 0);
	assert_int_equal(params(c, 0, 4000, 1000, 1, VSND_PCM_FMT_U8, VSND_PCM_RATE_16000, 0),
			 VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	run_io(c);
	/* the host takes no I/O: the guest's buffers still complete on time */
	c->h.io_limit = 0;
	play_n(c, 4, 0x10, 250);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 4);
	assert_int_equal(c->h.nio, 0);
	assert_int_equal(file_size(out), SOUND_WAV_HDR);
	/* one at a time from now: the retry timer, then each completion, submit the next */
	c->h.io_limit = 1;
	assert_int_equal(vhd_test_host_advance(&c->h, SOUND_FILE_RETRY_NS), 1);
	assert_int_equal(c->h.nio, 1);
	for (turns = 0; turns < 20 && file_size(out) < SOUND_WAV_HDR + 4000; turns++) {
		vhd_test_host_run(&c->h);
		vhd_test_host_advance(&c->h, SOUND_FILE_RETRY_NS);
	}
	n = read_file(out, buf, sizeof(buf));
	assert_int_equal(n, SOUND_WAV_HDR + 4000);
	for (i = 0; i < 4000; i++)
		if (buf[SOUND_WAV_HDR + i] != 0x10 + i / 1000)
			fail_msg("byte %u of the recording is %#x", i, buf[SOUND_WAV_HDR + i]);
	c->h.io_limit = VHD_TEST_HOST_DEPTH;
	assert_int_equal(pcm(c, VSND_R_PCM_STOP, 0), VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_RELEASE, 0), VSND_S_OK);
	run_io(c);
	n = read_file(out, buf, sizeof(buf));
	assert_int_equal(sound_wav_parse(buf, (size_t)n, (uint64_t)n, &wi, err, sizeof(err)), 0);
	assert_int_equal(wi.data_len, 4000);
	/* new parameters: a new recording, truncated by the offload thread first */
	assert_int_equal(params(c, 0, 4000, 1000, 2, VSND_PCM_FMT_U8, VSND_PCM_RATE_16000, 0),
			 VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	assert_int_equal(c->h.noff, 1);
	assert_int_equal(c->h.nio, 0); /* the header waits for the truncation */
	play_n(c, 1, 0x77, 40);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 1);
	assert_int_equal(pcm(c, VSND_R_PCM_STOP, 0), VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_RELEASE, 0), VSND_S_OK);
	run_io(c);
	n = read_file(out, buf, sizeof(buf));
	assert_int_equal(n, SOUND_WAV_HDR + 1000);
	assert_int_equal(sound_wav_parse(buf, (size_t)n, (uint64_t)n, &wi, err, sizeof(err)), 0);
	assert_int_equal(wi.channels, 2);
	assert_int_equal(wi.data_len, 1000);
	assert_int_equal(buf[SOUND_WAV_HDR], 0x77);
	assert_int_equal(buf[SOUND_WAV_HDR + 999], 0x77);
	/* samples the host never took are written at destroy, with the final header */
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	run_io(c);
	c->h.io_limit = 0;
	play_n(c, 1, 0x55, 40);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 1);
	assert_int_equal(file_size(out), SOUND_WAV_HDR + 1000);
	assert_int_equal(sound_file_write_errors(f), 0);
	*(void **)state = c;
	teardown(state);
	n = read_file(out, buf, sizeof(buf));
	assert_int_equal(n, SOUND_WAV_HDR + 2000);
	assert_int_equal(sound_wav_parse(buf, (size_t)n, (uint64_t)n, &wi, err, sizeof(err)), 0);
	assert_int_equal(wi.data_len, 2000);
	assert_int_equal(buf[SOUND_WAV_HDR + 1000], 0x55);
	assert_int_equal(buf[SOUND_WAV_HDR + 1999], 0x55);
	unlink(out);
}

static int
no_uring(struct vhd_host *host, struct vhd_io *io)
{
	(void)host;
	(void)io;
	return -ENOSYS;
}

/* A worker without io_uring (io_submit -ENOSYS): the writes go to the
 * offload thread instead, still not on the worker, still in order.
 */
static void
test_file_backend_no_uring(void **state)
{
	char out[] = "/tmp/vhd-sound-unit-XXXXXX";
	char err[160];
	int fd = mkstemp(out);
	struct sound_dev_config cfg = {.n_out = 1, .n_in = 1, .be_out = &sound_file_backend};
	struct sound_wav_info wi;
	struct ctx *c;
	uint8_t buf[SOUND_WAV_HDR + 4000];
	ssize_t n;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	cfg.be_arg[0] = sound_file_open_out(out, err, sizeof(err));
	assert_non_null(cfg.be_arg[0]);
	c = mk(&cfg, 0);
	c->h.host.io_submit = no_uring;
	assert_int_equal(params(c, 0, 4000, 1000, 1, VSND_PCM_FMT_U8, VSND_PCM_RATE_16000, 0),
			 VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	run_io(c);
	play_n(c, 3, 0x20, 190);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 3);
	assert_int_equal(c->h.noff, 3);
	assert_int_equal(file_size(out), SOUND_WAV_HDR);
	run_io(c);
	assert_int_equal(pcm(c, VSND_R_PCM_STOP, 0), VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_RELEASE, 0), VSND_S_OK);
	run_io(c);
	n = read_file(out, buf, sizeof(buf));
	assert_int_equal(n, SOUND_WAV_HDR + 3000);
	assert_int_equal(sound_wav_parse(buf, (size_t)n, (uint64_t)n, &wi, err, sizeof(err)), 0);
	assert_int_equal(wi.data_len, 3000);
	assert_int_equal(buf[SOUND_WAV_HDR], 0x20);
	assert_int_equal(buf[SOUND_WAV_HDR + 1000], 0x21);
	assert_int_equal(buf[SOUND_WAV_HDR + 2999], 0x22);
	*(void **)state = c;
	teardown(state);
	unlink(out);
}

/* The ALSA backend on ALSA's null plugin through the file plugin (a private
 * configuration): unpollable descriptors, so the device's clock paces it;
 * what is played lands in the file plugin's output, capture reads its input.
 */
static void
test_alsa_plugins(void **state)
{
	char dir[] = "/tmp/vhd-sound-alsa-XXXXXX";
	char conf[256], rec[256], src[256], env[600];
	struct sound_dev_config cfg = {.n_out = 1, .n_in = 1, .be_out = &sound_alsa_backend,
				       .be_in = &sound_alsa_backend};
	uint8_t buf[8192], *d;
	struct ctx *c;
	uint64_t xr, sh;
	unsigned int i;
	FILE *f;
	ssize_t n;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/asoundrc", dir);
	snprintf(rec, sizeof(rec), "%s/rec.raw", dir);
	snprintf(src, sizeof(src), "%s/src.raw", dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "pcm.vhdnull { type null }\n"
		   "pcm.vhdrec { type file slave.pcm \"vhdnull\" file \"%s\" format \"raw\" }\n"
		   "pcm.vhdsrc { type file slave.pcm \"vhdnull\" file \"/dev/null\" "
		   "infile \"%s\" format \"raw\" }\n",
		rec, src);
	fclose(f);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 3);
	fd = open(src, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);
	snprintf(env, sizeof(env), "/usr/share/alsa/alsa.conf:%s", conf);
	setenv("ALSA_CONFIG_PATH", env, 1);
	cfg.be_arg[0] = sound_alsa_new("vhdrec");
	cfg.be_arg[1] = sound_alsa_new("vhdsrc");
	memset(env, 'x', 300);
	env[300] = '\0';
	assert_null(sound_alsa_new(env));
	c = mk(&cfg, 0);
	/* playback: 3 periods of 10 ms, paced by the (fake) sample clock */
	assert_int_equal(params(c, 0, 1920 * 4, 1920, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000, 0),
			 VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	assert_false(c->dev.stream[0].clocked); /* the null plugin cannot be polled */
	for (i = 0; i < 3; i++)
		tx(c, 0, 1920, (uint8_t)(0x10 + i));
	serve(c, SOUND_Q_TX);
	assert_int_equal(pcm(c, VSND_R_PCM_START, 0), VSND_S_OK);
	vhd_test_host_advance(&c->h, 10 * MS - 1);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 0);
	vhd_test_host_advance(&c->h, 20 * MS + 1);
	assert_int_equal(used_n(c, SOUND_Q_TX, NULL), 3);
	assert_int_equal(pcm(c, VSND_R_PCM_STOP, 0), VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_RELEASE, 0), VSND_S_OK);
	fd = open(rec, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, 3 * 1920);
	assert_int_equal(buf[0], 0x10);
	assert_int_equal(buf[1920], 0x11);
	assert_int_equal(buf[3 * 1920 - 1], 0x12);
	/* capture: the file plugin's input, in order */
	assert_int_equal(params(c, 1, 1600 * 4, 1600, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_16000, 0),
			 VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 1), VSND_S_OK);
	assert_int_equal(pcm(c, VSND_R_PCM_START, 1), VSND_S_OK);
	rx(c, 1, 1600, &d);
	serve(c, SOUND_Q_RX);
	vhd_test_host_advance(&c->h, 25 * MS);
	assert_int_equal(used_n(c, SOUND_Q_RX, NULL), 1);
	for (i = 0; i < 1600; i++)
		if (d[i] != (uint8_t)(i * 3))
			fail_msg("captured byte %u is %u, the source has %u", i, d[i],
				 (uint8_t)(i * 3));
	sound_alsa_counters(c->dev.stream[0].be_priv, &xr, &sh);
	assert_int_equal(sh, 0);
	/* a PCM that does not exist: PREPARE fails with IO_ERR, the stream stays usable */
	*(void **)state = c;
	teardown(state);
	cfg.be_arg[0] = sound_alsa_new("vhd-no-such-pcm");
	cfg.be_arg[1] = NULL;
	c = mk(&cfg, 0);
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 0), VSND_S_IO_ERR);
	assert_int_equal(pcm(c, VSND_R_PCM_PREPARE, 1), VSND_S_IO_ERR); /* no state at all */
	assert_int_equal(c->dev.stream[0].state, SOUND_ST_PARAMS);
	*(void **)state = c;
	teardown(state);
	unlink(rec);
	unlink(src);
	unlink(conf);
	rmdir(dir);
	unsetenv("ALSA_CONFIG_PATH");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcm_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chmaps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_machine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_params_validation, setup, teardown),
		cmocka_unit_test(test_clock_arithmetic),
		cmocka_unit_test(test_silence),
		cmocka_unit_test_setup_teardown(test_tx_paced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_no_drift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_payload_and_gain, setup_rec, teardown),
		cmocka_unit_test_setup_teardown(test_rx_paced, setup_rec, teardown),
		cmocka_unit_test_setup_teardown(test_rx_null_silence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jack_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xrun_and_period_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_controls, setup, teardown),
		cmocka_unit_test(test_no_jacks_no_ctls),
		cmocka_unit_test(test_wav_header),
		cmocka_unit_test(test_wav_extra_chunks),
		cmocka_unit_test(test_file_backend),
		cmocka_unit_test(test_file_backend_queue),
		cmocka_unit_test(test_file_backend_no_uring),
		cmocka_unit_test(test_alsa_plugins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
