/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-sound driven by our vhost-user frontend: playback into the
 * WAV file backend (same bytes, 1 s takes 1 s, no completion early),
 * playback at several rates and formats on the null backend, capture from
 * a WAV source, poll mode, config with and without controls, jack events
 * from the control socket, malformed requests and stream ids out of range,
 * bad command lines. Timing bounds are generous (a loaded machine); the
 * precise figures are perf's (perf/README.md).
 */

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "sound_proto.h"
#include "vhd_it.h"
#include "vhd_it_ctl.h"

#define QSZ 64
#define WAIT_MS 5000
#define GUARD 16
#define F_ALL (~0ULL)
#define NQ 4

/* The test's own arithmetic and WAV handling (not the driver's: it checks it). */
#define WAV_HDR 44

static uint64_t
frames_ns(uint64_t frames, uint32_t hz)
{
	return (frames / hz) * 1000000000ull + (frames % hz) * 1000000000ull / hz;
}

static void
put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void
put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

/* A canonical 44-byte PCM header: S16 mono at @p hz, @p len bytes. */
static void
wav_s16_mono(uint8_t *h, uint32_t hz, uint32_t len)
{
	memcpy(h, "RIFF", 4);
	put32(h + 4, 36 + len);
	memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, 16);
	put16(h + 20, 1);
	put16(h + 22, 1);
	put32(h + 24, hz);
	put32(h + 28, hz * 2);
	put16(h + 32, 2);
	put16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	put32(h + 40, len);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t
le32at(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static void *
alloc(struct vhd_fe *fe, uint32_t len)
{
	void *p = vhd_fe_mem_alloc(vhd_fe_mem(fe), len, 8, NULL);

	assert_non_null(p);
	return p;
}

/* Take the next used entry of @p q (waiting, or polling in poll mode). */
static uint32_t
used(struct vhd_fe *fe, uint16_t q, bool poll, uint16_t *id)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(fe, q);
	uint32_t len;
	uint16_t i;

	if (vhd_fe_ring_get_used(r, &i, &len, NULL) == 1)
		goto got;
	if ((poll ? vhd_fe_poll_used(fe, q, WAIT_MS) : vhd_fe_wait_used(fe, q, WAIT_MS)) <= 0)
		fail_msg("queue %u: no used entry within %d ms: %s", q, WAIT_MS, vhd_fe_error(fe));
	assert_int_equal(vhd_fe_ring_get_used(r, &i, &len, NULL), 1);
got:
	if (id != NULL)
		*id = i;
	return len;
}

/* A control request; @return the status code, the response in *resp. */
static uint32_t
ctl_req(struct vhd_fe *fe, bool poll, const void *rd, uint32_t rlen, uint32_t wlen,
	uint8_t **resp, uint32_t *ulen)
{
	uint8_t *r = alloc(fe, rlen), *w = alloc(fe, wlen + GUARD);
	struct vhd_fe_buf b[2] = {{r, rlen}, {w, wlen}};
	uint32_t len;
	unsigned int i;

	memcpy(r, rd, rlen);
	memset(w, 0xee, wlen + GUARD);
	assert_true(vhd_fe_post(fe, SOUND_Q_CTL, b, 1, 1, false, NULL, true) >= 0);
	len = used(fe, SOUND_Q_CTL, poll, NULL);
	for (i = 0; i < GUARD; i++)
		assert_int_equal(w[wlen + i], 0xee);
	if (resp != NULL)
		*resp = w;
	if (ulen != NULL)
		*ulen = len;
	return le32at(w);
}

static uint32_t
pcm(struct vhd_fe *fe, bool poll, uint32_t code, uint32_t id)
{
	struct snd_pcm_hdr h = {{htole32(code)}, htole32(id)};

	return ctl_req(fe, poll, &h, sizeof(h), 4, NULL, NULL);
}

static uint32_t
params(struct vhd_fe *fe, bool poll, uint32_t id, uint32_t period, uint8_t ch, uint8_t fmt,
       uint8_t rate)
{
	struct snd_pcm_set_params p = {
		.hdr = {{htole32(VSND_R_PCM_SET_PARAMS)}, htole32(id)},
		.buffer_bytes = htole32(period * 4),
		.period_bytes = htole32(period),
		.channels = ch,
		.format = fmt,
		.rate = rate,
	};

	return ctl_req(fe, poll, &p, sizeof(p), 4, NULL, NULL);
}

/* One PCM buffer: header, payload, status; reused across the stream. */
struct xfer {
	uint32_t *hdr;
	uint8_t *data;
	uint8_t *status;
	uint32_t len;
};

static void
xfer_init(struct vhd_fe *fe, struct xfer *x, uint32_t id, uint32_t len)
{
	x->hdr = alloc(fe, 4);
	*x->hdr = htole32(id);
	x->data = alloc(fe, len);
	x->status = alloc(fe, 8);
	x->len = len;
}

static int
post_io(struct vhd_fe *fe, uint16_t q, struct xfer *x)
{
	struct vhd_fe_buf b[3] = {{x->hdr, 4}, {x->data, x->len}, {x->status, 8}};
	int head;

	memset(x->status, 0xee, 8);
	head = q == SOUND_Q_TX ? vhd_fe_post(fe, q, b, 2, 1, false, x, true)
			       : vhd_fe_post(fe, q, b, 1, 2, false, x, true);
	assert_true(head >= 0);
	return head;
}

static struct vhd_fe *
connect_fe(struct vhd_fe_app *a)
{
	struct vhd_fe *fe = vhd_it_fe_up(a, 0, F_ALL, NQ, QSZ);

	return fe;
}

static struct vhd_fe *
up(struct vhd_fe_app *a, const char *const *extra)
{
	vhd_it_app_init(a, "sound");
	a->plain_sock = true;
	vhd_it_app_start(a, NULL, extra, 1);
	return connect_fe(a);
}

/*
 * Stream @p id on queue @p q for @p periods periods of @p period bytes at
 * @p hz, @p inflight buffers queued: returns the elapsed time from START to
 * the last completion and checks that no buffer completed before its time
 * on the sample clock. @p fill gives TX payload byte k; @p got collects RX.
 */
static uint64_t
stream_run(struct vhd_fe *fe, bool poll, uint16_t q, uint32_t id, uint32_t period,
	   uint32_t frame, uint32_t hz, unsigned int periods, uint8_t *got)
{
	struct xfer x[4];
	unsigned int i, posted = 0, done = 0;
	uint64_t t0, t;

	for (i = 0; i < 4; i++)
		xfer_init(fe, &x[i], id, period);
	/* output pre-buffers before START; input queues its buffers too */
	for (i = 0; i < 4 && posted < periods; i++, posted++) {
		if (q == SOUND_Q_TX) {
			unsigned int k;

			for (k = 0; k < period; k++)
				x[i].data[k] = (uint8_t)(posted * period + k);
		}
		post_io(fe, q, &x[i]);
	}
	t0 = now_ns();
	assert_int_equal(pcm(fe, poll, VSND_R_PCM_START, id), VSND_S_OK);
	while (done < periods) {
		uint16_t head;
		uint32_t len = used(fe, q, poll, &head);
		struct xfer *c = &x[done % 4];
		uint64_t due = t0 + frames_ns((uint64_t)(done + 1) * period / frame, hz);

		t = now_ns();
		if (t < due)
			fail_msg("buffer %u completed %llu us early", done,
				 (unsigned long long)(due - t) / 1000);
		assert_int_equal(le32at(c->status), VSND_S_OK);
		assert_int_equal(len, q == SOUND_Q_TX ? 8 : period + 8);
		if (got != NULL)
			memcpy(got + (size_t)done * period, c->data, period);
		done++;
		if (posted < periods) {
			if (q == SOUND_Q_TX) {
				unsigned int k;

				for (k = 0; k < period; k++)
					c->data[k] = (uint8_t)(posted * period + k);
			}
			post_io(fe, q, c);
			posted++;
		}
	}
	t = now_ns() - t0;
	assert_int_equal(pcm(fe, poll, VSND_R_PCM_STOP, id), VSND_S_OK);
	assert_int_equal(pcm(fe, poll, VSND_R_PCM_RELEASE, id), VSND_S_OK);
	return t;
}

static void
check_duration(const char *what, uint64_t ns, uint64_t want_ns)
{
	print_message("%s: %.1f ms for %.1f ms of audio\n", what, ns / 1e6, want_ns / 1e6);
	/* never faster than the sample clock: the real check */
	assert_true(ns >= want_ns);
	/* only a gross bound above: a poll-mode backend and the polling test share 2 loaded
	 * cores (0.2 s of audio once took 3.1 s at load 13); the figures are perf's */
	assert_true(ns < 10 * want_ns + 10000000000ull);
}

/* 1 s of 48 kHz S16 stereo in 10 ms periods into a WAV file: the file holds
 * exactly the bytes played, with a correct header, and it took 1 s.
 */
static void
test_play_file(void **state)
{
	static struct vhd_fe_app a;
	static const char *extra[] = {"--backend", "file", "--file-out", NULL, NULL};
	char out[256];
	struct vhd_fe *fe;
	uint8_t *buf;
	uint64_t ns;
	ssize_t n;
	int fd;
	unsigned int k;

	(void)state;
	vhd_it_app_init(&a, "sound");
	a.plain_sock = true;
	snprintf(out, sizeof(out), "%s/out.wav", a.dir);
	extra[3] = out;
	vhd_it_app_start(&a, NULL, extra, 1);
	fe = connect_fe(&a);
	assert_int_equal(params(fe, false, 0, 1920, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000),
			 VSND_S_OK);
	assert_int_equal(pcm(fe, false, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	ns = stream_run(fe, false, SOUND_Q_TX, 0, 1920, 4, 48000, 100, NULL);
	check_duration("play 1 s to file", ns, 1000000000ull);
	vhd_it_fe_done(fe);
	vhd_it_app_stop(&a, 1);
	buf = malloc(WAV_HDR + 192000 + 16);
	assert_non_null(buf);
	fd = open(out, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, WAV_HDR + 192000 + 16);
	close(fd);
	/* the canonical header: PCM, 2 channels, 48000 Hz, 16 bits, the data size */
	assert_int_equal(n, WAV_HDR + 192000);
	assert_memory_equal(buf, "RIFF", 4);
	assert_int_equal(le32at(buf + 4), 36 + 192000);
	assert_memory_equal(buf + 8, "WAVEfmt ", 8);
	assert_int_equal(le32at(buf + 20), 1 | 2 << 16);
	assert_int_equal(le32at(buf + 24), 48000);
	assert_int_equal(le32at(buf + 28), 192000);
	assert_int_equal(le32at(buf + 32), 4 | 16 << 16);
	assert_memory_equal(buf + 36, "data", 4);
	assert_int_equal(le32at(buf + 40), 192000);
	for (k = 0; k < 192000; k++)
		if (buf[WAV_HDR + k] != (uint8_t)k)
			fail_msg("recorded byte %u is %u, played %u", k, buf[WAV_HDR + k],
				 (uint8_t)k);
	free(buf);
	vhd_it_app_fini(&a);
}

/* Several rates, formats and channel counts on the null backend: each takes real time. */
static void
run_formats(bool poll)
{
	static struct vhd_fe_app a;
	static const char *const irq[] = {"--backend", "null", "--mode", "interrupt", NULL};
	static const char *const pol[] = {"--backend", "null", "--mode", "poll", NULL};
	static const struct {
		uint8_t fmt, rate, ch;
		uint32_t hz, bytes;
		const char *name;
	} t[] = {
		{VSND_PCM_FMT_U8, VSND_PCM_RATE_8000, 1, 8000, 1, "U8"},
		{VSND_PCM_FMT_S16, VSND_PCM_RATE_44100, 2, 44100, 2, "S16"},
		{VSND_PCM_FMT_S24_3, VSND_PCM_RATE_24000, 2, 24000, 3, "S24_3"},
		{VSND_PCM_FMT_S32, VSND_PCM_RATE_96000, 2, 96000, 4, "S32"},
		{VSND_PCM_FMT_FLOAT, VSND_PCM_RATE_12000, 1, 12000, 4, "FLOAT"},
		{VSND_PCM_FMT_FLOAT64, VSND_PCM_RATE_192000, 6, 192000, 8, "FLOAT64"},
	};
	struct vhd_fe *fe = up(&a, poll ? pol : irq);
	unsigned int i;
	char what[64];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t frame = t[i].bytes * t[i].ch;
		uint32_t period = frame * (t[i].hz / 100); /* 10 ms */
		uint64_t ns;

		assert_int_equal(params(fe, poll, 0, period, t[i].ch, t[i].fmt, t[i].rate),
				 VSND_S_OK);
		assert_int_equal(pcm(fe, poll, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
		ns = stream_run(fe, poll, SOUND_Q_TX, 0, period, frame, t[i].hz, 20, NULL);
		snprintf(what, sizeof(what), "%s %u Hz %u ch%s", t[i].name,
			 t[i].hz, t[i].ch, poll ? " (poll)" : "");
		check_duration(what, ns, 200000000ull);
	}
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

static void
test_formats_interrupt(void **state)
{
	(void)state;
	run_formats(false);
}

static void
test_formats_poll(void **state)
{
	(void)state;
	run_formats(true);
}

/* Capture from a 16 kHz mono S16 WAV: the guest gets its samples, looping, at the rate. */
static void
test_capture_file(void **state)
{
	static struct vhd_fe_app a;
	static const char *extra[] = {"--backend", "file", "--file-in", NULL, NULL};
	char in[256];
	uint8_t src[WAV_HDR + 3000], *got;
	struct vhd_fe *fe;
	uint64_t ns;
	unsigned int k;
	int fd;

	(void)state;
	vhd_it_app_init(&a, "sound");
	a.plain_sock = true;
	snprintf(in, sizeof(in), "%s/in.wav", a.dir);
	wav_s16_mono(src, 16000, 3000);
	for (k = 0; k < 3000; k++)
		src[WAV_HDR + k] = (uint8_t)(k * 7);
	fd = open(in, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(write(fd, src, sizeof(src)), sizeof(src));
	close(fd);
	extra[3] = in;
	vhd_it_app_start(&a, NULL, extra, 1);
	fe = connect_fe(&a);
	/* the input stream is 1: it offers the file's format only */
	assert_int_equal(params(fe, false, 1, 320, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_16000),
			 VSND_S_NOT_SUPP);
	assert_int_equal(params(fe, false, 1, 320, 1, VSND_PCM_FMT_S16, VSND_PCM_RATE_16000),
			 VSND_S_OK);
	assert_int_equal(pcm(fe, false, VSND_R_PCM_PREPARE, 1), VSND_S_OK);
	got = malloc(320 * 50);
	assert_non_null(got);
	ns = stream_run(fe, false, SOUND_Q_RX, 1, 320, 2, 16000, 50, got);
	check_duration("capture 0.5 s from file", ns, 500000000ull);
	for (k = 0; k < 320 * 50; k++)
		if (got[k] != (uint8_t)((k % 3000) * 7))
			fail_msg("captured byte %u is %u, file has %u", k, got[k],
				 (uint8_t)((k % 3000) * 7));
	free(got);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* --backend alsa on ALSA's file plugin over its null plugin (a private
 * configuration): 0.5 s of playback paced by the device's clock (the null
 * plugin cannot be polled), the bytes in the plugin's output file.
 */
static void
test_play_alsa(void **state)
{
	static struct vhd_fe_app a;
	static const char *const extra[] = {"--backend", "alsa", "--alsa-device", "out:vhdrec",
					    "--streams", "out:1", NULL};
	char conf[256], rec[256], env[600];
	struct vhd_fe *fe;
	uint8_t *buf;
	uint64_t ns;
	unsigned int k;
	ssize_t n;
	FILE *f;
	int fd;

	(void)state;
	vhd_it_app_init(&a, "sound");
	a.plain_sock = true;
	snprintf(conf, sizeof(conf), "%s/asoundrc", a.dir);
	snprintf(rec, sizeof(rec), "%s/rec.raw", a.dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "pcm.vhdnull { type null }\n"
		   "pcm.vhdrec { type file slave.pcm \"vhdnull\" file \"%s\" format \"raw\" }\n",
		rec);
	fclose(f);
	snprintf(env, sizeof(env), "/usr/share/alsa/alsa.conf:%s", conf);
	setenv("ALSA_CONFIG_PATH", env, 1);
	vhd_it_app_start(&a, NULL, extra, 1);
	unsetenv("ALSA_CONFIG_PATH");
	fe = connect_fe(&a);
	assert_int_equal(params(fe, false, 0, 1764, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_44100),
			 VSND_S_OK);
	assert_int_equal(pcm(fe, false, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	ns = stream_run(fe, false, SOUND_Q_TX, 0, 1764, 4, 44100, 50, NULL);
	check_duration("play 0.5 s to ALSA (file plugin)", ns, 500000000ull);
	buf = malloc(1764 * 50 + 16);
	assert_non_null(buf);
	fd = open(rec, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, 1764 * 50 + 16);
	close(fd);
	assert_int_equal(n, 1764 * 50);
	for (k = 0; k < 1764 * 50; k++)
		if (buf[k] != (uint8_t)k)
			fail_msg("ALSA got byte %u = %u, played %u", k, buf[k], (uint8_t)k);
	free(buf);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

static void
test_config_and_controls(void **state)
{
	static struct vhd_fe_app a;
	static const char *const plain[] = {"--backend", "null", "--streams", "out:2,in:3", NULL};
	static const char *const ctls[] = {"--backend", "null", "--controls", "--jacks", NULL};
	struct snd_config cfg;
	struct vhd_fe *fe;
	struct {
		struct snd_ctl_hdr h;
		uint32_t v[128];
	} wr = {{{htole32(VSND_R_CTL_WRITE)}, htole32(0)}, {htole32(40)}};
	struct snd_ctl_hdr rd = {{htole32(VSND_R_CTL_READ)}, htole32(0)};
	uint8_t *w;

	(void)state;
	fe = up(&a, plain);
	assert_false(vhd_fe_offered_features(fe) & (1ull << SOUND_F_CTLS));
	assert_int_equal(vhd_fe_get_config(fe, 0, &cfg, 12), 0);
	assert_int_equal(le32toh(cfg.jacks), 0);
	assert_int_equal(le32toh(cfg.streams), 5);
	assert_int_equal(le32toh(cfg.chmaps), 16);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
	fe = up(&a, ctls);
	assert_true(vhd_fe_features(fe) & (1ull << SOUND_F_CTLS));
	assert_int_equal(vhd_fe_get_config(fe, 0, &cfg, 16), 0);
	assert_int_equal(le32toh(cfg.jacks), 2);
	assert_int_equal(le32toh(cfg.streams), 2);
	assert_int_equal(le32toh(cfg.controls), 4);
	assert_int_equal(ctl_req(fe, false, &wr, sizeof(wr), 4, NULL, NULL), VSND_S_OK);
	assert_int_equal(ctl_req(fe, false, &rd, sizeof(rd), 4 + 512, &w, NULL), VSND_S_OK);
	assert_int_equal(le32at(w + 4), 40);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

static void
test_jack_events(void **state)
{
	static struct vhd_fe_app a;
	static const char *extra[] = {"--backend", "null", "--jacks", "--sim-control", NULL, NULL};
	char ctl[256];
	uint8_t *ev[2];
	struct vhd_fe *fe;
	unsigned int i;
	int fd;

	(void)state;
	vhd_it_app_init(&a, "sound");
	a.plain_sock = true;
	extra[4] = vhd_it_ctl_path(&a, 0, ctl, sizeof(ctl));
	vhd_it_app_start(&a, NULL, extra, 1);
	fd = vhd_it_ctl_open(&a, 0);
	assert_string_equal(vhd_it_ctl(fd, "ping\n"), "pong\n");
	fe = connect_fe(&a);
	assert_string_equal(vhd_it_ctl(fd, "ping\n"), "pong\n");
	for (i = 0; i < 2; i++) {
		struct vhd_fe_buf b;

		ev[i] = alloc(fe, 8);
		memset(ev[i], 0xee, 8);
		b = (struct vhd_fe_buf){ev[i], 8};
		assert_true(vhd_fe_post(fe, SOUND_Q_EVT, &b, 0, 1, false, NULL, true) >= 0);
	}
	assert_string_equal(vhd_it_ctl(fd, "ping\n"), "pong\n");
	assert_string_equal(vhd_it_ctl(fd, "jack 1 disconnect\n"), "ok\n");
	assert_int_equal(used(fe, SOUND_Q_EVT, false, NULL), 8);
	assert_int_equal(le32at(ev[0]), VSND_EVT_JACK_DISCONNECTED);
	assert_int_equal(le32at(ev[0] + 4), 1);
	assert_string_equal(vhd_it_ctl(fd, "jack 1 connect\n"), "ok\n");
	assert_int_equal(used(fe, SOUND_Q_EVT, false, NULL), 8);
	assert_int_equal(le32at(ev[1]), VSND_EVT_JACK_CONNECTED);
	assert_string_equal(vhd_it_ctl(fd, "jack 2 connect\n"), "error: no such jack\n");
	assert_true(strncmp(vhd_it_ctl(fd, "bogus\n"), "error:", 6) == 0);
	close(fd);
	vhd_it_fe_done(fe);
	vhd_it_ctl_app_down(&a, 1);
}

/* Malformed requests of every kind, stream ids out of range: answered, never a crash. */
static void
test_malformed(void **state)
{
	static struct vhd_fe_app a;
	static const char *const extra[] = {"--backend", "null", NULL};
	static const uint32_t codes[] = {0, 0x0107, 0x0300, 0x0303, 0x1000, 0x8000, 0xffffffffu};
	struct snd_query_info q = {{htole32(VSND_R_PCM_INFO)}, 0, htole32(3), htole32(32)};
	struct vhd_fe *fe;
	struct xfer x;
	unsigned int i;
	uint32_t h, ulen;

	(void)state;
	fe = up(&a, extra);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		h = htole32(codes[i]);
		assert_int_equal(ctl_req(fe, false, &h, 4, 4, NULL, &ulen), VSND_S_BAD_MSG);
		assert_int_equal(ulen, 4);
	}
	/* upstream panics on these */
	assert_int_equal(pcm(fe, false, VSND_R_PCM_PREPARE, 2), VSND_S_BAD_MSG);
	assert_int_equal(pcm(fe, false, VSND_R_PCM_START, 0xffffffffu), VSND_S_BAD_MSG);
	assert_int_equal(params(fe, false, 7, 1920, 2, VSND_PCM_FMT_S16, VSND_PCM_RATE_48000),
			 VSND_S_BAD_MSG);
	assert_int_equal(ctl_req(fe, false, &q, sizeof(q), 4 + 96, NULL, NULL), VSND_S_BAD_MSG);
	/* illegal transitions */
	assert_int_equal(pcm(fe, false, VSND_R_PCM_START, 0), VSND_S_BAD_MSG);
	assert_int_equal(pcm(fe, false, VSND_R_PCM_STOP, 0), VSND_S_BAD_MSG);
	assert_int_equal(pcm(fe, false, VSND_R_PCM_RELEASE, 0), VSND_S_BAD_MSG);
	/* PCM buffers with a stream id out of range, the wrong direction, unprepared */
	xfer_init(fe, &x, 5, 1920);
	post_io(fe, SOUND_Q_TX, &x);
	assert_int_equal(used(fe, SOUND_Q_TX, false, NULL), 8);
	assert_int_equal(le32at(x.status), VSND_S_BAD_MSG);
	*x.hdr = htole32(1);
	post_io(fe, SOUND_Q_TX, &x);
	used(fe, SOUND_Q_TX, false, NULL);
	assert_int_equal(le32at(x.status), VSND_S_BAD_MSG);
	*x.hdr = htole32(0x10000);
	post_io(fe, SOUND_Q_RX, &x);
	assert_int_equal(used(fe, SOUND_Q_RX, false, NULL), 8);
	assert_int_equal(le32at(x.status), VSND_S_BAD_MSG);
	*x.hdr = htole32(0);
	post_io(fe, SOUND_Q_TX, &x);
	used(fe, SOUND_Q_TX, false, NULL);
	assert_int_equal(le32at(x.status), VSND_S_IO_ERR);
	/* a TX buffer with no status room: returned empty */
	{
		struct vhd_fe_buf b[2] = {{x.hdr, 4}, {x.status, 4}};

		assert_true(vhd_fe_post(fe, SOUND_Q_TX, b, 1, 1, false, NULL, true) >= 0);
		assert_int_equal(used(fe, SOUND_Q_TX, false, NULL), 0);
	}
	/* the device still works */
	assert_int_equal(pcm(fe, false, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* A new frontend after a disconnect in the middle of a stream sees a fresh device. */
static void
test_reconnect(void **state)
{
	static struct vhd_fe_app a;
	static const char *const extra[] = {"--backend", "null", NULL};
	struct vhd_fe *fe;
	struct xfer x;

	(void)state;
	fe = up(&a, extra);
	assert_int_equal(pcm(fe, false, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	xfer_init(fe, &x, 0, 1920);
	post_io(fe, SOUND_Q_TX, &x);
	assert_int_equal(pcm(fe, false, VSND_R_PCM_START, 0), VSND_S_OK);
	vhd_it_fe_done(fe);
	fe = connect_fe(&a);
	/* fresh: START without PREPARE is illegal again */
	assert_int_equal(pcm(fe, false, VSND_R_PCM_START, 0), VSND_S_BAD_MSG);
	assert_int_equal(pcm(fe, false, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* Upstream's --socket PATH (used as given), and --socket-fd: an inherited
 * listening socket served, a frontend connected before the app started is
 * answered, the socket file is left to its owner.
 */
static void
test_socket_options(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	static struct vhd_fe_app a;
	const char *args[8];
	char sock[256], fdarg[16];
	struct vhd_fe *fe;
	struct stat st;
	uint16_t q;
	int lfd;

	(void)state;
	vhd_it_app_init(&a, "sound");
	vhd_fe_app_sock(&a, 0, sock, sizeof(sock));
	args[0] = "--socket";
	args[1] = a.sock;
	args[2] = "--backend";
	args[3] = "null";
	args[4] = NULL;
	assert_int_equal(vhd_fe_app_start(&a, args), 0);
	vhd_it_track(&a, true);
	a.plain_sock = true;
	assert_int_equal(vhd_fe_app_wait_socket(&a, 0, VHD_FE_APP_TIMEOUT_MS), 0);
	fe = connect_fe(&a);
	assert_int_equal(pcm(fe, false, VSND_R_PCM_PREPARE, 0), VSND_S_OK);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);

	vhd_it_app_init(&a, "sound");
	vhd_fe_app_sock(&a, 0, sock, sizeof(sock));
	lfd = socket(AF_UNIX, SOCK_STREAM, 0); /* inherited by the app: no CLOEXEC */
	assert_true(lfd >= 0);
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	fe = vhd_it_fe_track(vhd_fe_create(NULL));
	assert_non_null(fe);
	assert_int_equal(vhd_fe_connect(fe, sock, 1000), 0);
	snprintf(fdarg, sizeof(fdarg), "%d", lfd);
	args[0] = "--socket-fd";
	args[1] = fdarg;
	args[2] = "--backend";
	args[3] = "null";
	args[4] = NULL;
	assert_int_equal(vhd_fe_app_start(&a, args), 0);
	vhd_it_track(&a, true);
	close(lfd);
	if (vhd_fe_negotiate(fe, F_ALL, VHD_FE_PROTO_DEFAULT) != 0)
		fail_msg("negotiate over the inherited socket: %s", vhd_fe_error(fe));
	for (q = 0; q < NQ; q++) {
		assert_int_equal(vhd_fe_queue_setup(fe, q, QSZ), 0);
		assert_int_equal(vhd_fe_queue_start(fe, q), 0);
	}
	assert_int_equal(pcm(fe, false, VSND_R_PCM_PREPARE, 1), VSND_S_OK);
	vhd_it_fe_done(fe);
	assert_int_equal(vhd_fe_app_stop(&a), 0);
	assert_int_equal(stat(sock, &st), 0);
	unlink(sock);
	vhd_it_app_fini(&a);
}

static void
test_bad_options(void **state)
{
	static const char *const pw[] = {"--backend", "pipewire", NULL};
	static const char *const gst[] = {"--backend", "gstreamer", NULL};
	static const char *const bogus[] = {"--backend", "oss", NULL};
	static const char *const nobe[] = {NULL};
	static const char *const streams[] = {"--backend", "null", "--streams", "out:x", NULL};
	static const char *const streams0[] = {"--backend", "null", "--streams", "out:0,in:0",
					       NULL};
	static const char *const streams17[] = {"--backend", "null", "--streams", "out:9,in:8",
						NULL};
	static const char *const fin[] = {"--backend", "file", "--file-in", "/nonexistent/x.wav",
					  NULL};
	static const char *const fnull[] = {"--backend", "null", "--file-out", "/tmp/x.wav", NULL};
	static const char *const simctl[] = {"--backend", "null", "--sim-control", "/tmp/x",
					     NULL};
	static const char *const sfd0[] = {"--socket-fd", "0", "--backend", "null", NULL};
	static const char *const both[] = {"--socket", "/tmp/x.sock", "--backend", "null", NULL};
	static const char *const dpdk[] = {"EAL: ", "TELEMETRY: ", NULL};
	static const struct vhd_it_bad_cmdline t = {.name = "sound", .exit_code = 1,
						    .ignore = dpdk};

	(void)state;
	vhd_it_bad_cmdline(&t, "pipewire", pw, true, "pipewire");
	vhd_it_bad_cmdline(&t, "gstreamer", gst, true, "gstreamer");
	vhd_it_bad_cmdline(&t, "unknown backend", bogus, true, "oss");
	vhd_it_bad_cmdline(&t, "no backend", nobe, true, "--backend");
	vhd_it_bad_cmdline(&t, "--streams junk", streams, true, "out:x");
	vhd_it_bad_cmdline(&t, "--streams none", streams0, true, "--streams");
	vhd_it_bad_cmdline(&t, "--streams too many", streams17, true, "--streams");
	vhd_it_bad_cmdline(&t, "--file-in missing", fin, true, "/nonexistent/x.wav");
	vhd_it_bad_cmdline(&t, "--file-out without file backend", fnull, true, "--backend file");
	vhd_it_bad_cmdline(&t, "--sim-control without --jacks", simctl, true, "--jacks");
	vhd_it_bad_cmdline(&t, "no socket", fnull + 2, false, "--socket");
	vhd_it_bad_cmdline(&t, "--socket-fd on a non-socket", sfd0, false, "not a unix socket");
	vhd_it_bad_cmdline(&t, "--socket with -s", both, true, "--socket");
}

int
main(void)
{
#define T(f) VHD_IT_TEST(f)
	const struct CMUnitTest tests[] = {
		T(test_play_file),
		T(test_formats_interrupt),
		T(test_formats_poll),
		T(test_capture_file),
		T(test_play_alsa),
		T(test_config_and_controls),
		T(test_jack_events),
		T(test_malformed),
		T(test_reconnect),
		T(test_socket_options),
		T(test_bad_options),
	};

	if (getenv("VHD_SOUND_FILTER") != NULL)
		cmocka_set_test_filter(getenv("VHD_SOUND_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
