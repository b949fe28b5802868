/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <alsa/asoundlib.h>

#include "sound_alsa.h"

#define MAX_PFD 4

struct sound_alsa {
	char name[128];
	snd_pcm_t *pcm;
	struct sound_stream *s;
	struct pollfd pfd[MAX_PFD];
	int npfd;
	bool pollable;  /* the descriptors can be watched: the card paces */
	bool watching;
	uint8_t *bounce; /* capture: whole frames read here, then into the guest's segments */
	uint32_t bounce_size;
	uint64_t xruns, short_frames;
	/* a released playback PCM plays out what it holds, then closes */
	snd_pcm_t *draining;
	struct vhd_timer drain_timer;
};

static const snd_pcm_format_t fmt_map[VSND_PCM_FMT_COUNT] = {
	[VSND_PCM_FMT_IMA_ADPCM] = SND_PCM_FORMAT_IMA_ADPCM,
	[VSND_PCM_FMT_MU_LAW] = SND_PCM_FORMAT_MU_LAW,
	[VSND_PCM_FMT_A_LAW] = SND_PCM_FORMAT_A_LAW,
	[VSND_PCM_FMT_S8] = SND_PCM_FORMAT_S8,
	[VSND_PCM_FMT_U8] = SND_PCM_FORMAT_U8,
	[VSND_PCM_FMT_S16] = SND_PCM_FORMAT_S16_LE,
	[VSND_PCM_FMT_U16] = SND_PCM_FORMAT_U16_LE,
	[VSND_PCM_FMT_S18_3] = SND_PCM_FORMAT_S18_3LE,
	[VSND_PCM_FMT_U18_3] = SND_PCM_FORMAT_U18_3LE,
	[VSND_PCM_FMT_S20_3] = SND_PCM_FORMAT_S20_3LE,
	[VSND_PCM_FMT_U20_3] = SND_PCM_FORMAT_U20_3LE,
	[VSND_PCM_FMT_S24_3] = SND_PCM_FORMAT_S24_3LE,
	[VSND_PCM_FMT_U24_3] = SND_PCM_FORMAT_U24_3LE,
	[VSND_PCM_FMT_S20] = SND_PCM_FORMAT_S20_LE,
	[VSND_PCM_FMT_U20] = SND_PCM_FORMAT_U20_LE,
	[VSND_PCM_FMT_S24] = SND_PCM_FORMAT_S24_LE,
	[VSND_PCM_FMT_U24] = SND_PCM_FORMAT_U24_LE,
	[VSND_PCM_FMT_S32] = SND_PCM_FORMAT_S32_LE,
	[VSND_PCM_FMT_U32] = SND_PCM_FORMAT_U32_LE,
	[VSND_PCM_FMT_FLOAT] = SND_PCM_FORMAT_FLOAT_LE,
	[VSND_PCM_FMT_FLOAT64] = SND_PCM_FORMAT_FLOAT64_LE,
	[VSND_PCM_FMT_DSD_U8] = SND_PCM_FORMAT_DSD_U8,
	[VSND_PCM_FMT_DSD_U16] = SND_PCM_FORMAT_DSD_U16_LE,
	[VSND_PCM_FMT_DSD_U32] = SND_PCM_FORMAT_DSD_U32_LE,
	[VSND_PCM_FMT_IEC958_SUBFRAME] = SND_PCM_FORMAT_IEC958_SUBFRAME_LE,
};

struct sound_alsa *
sound_alsa_new(const char *name)
{
	struct sound_alsa *a = calloc(1, sizeof(*a));

	if (a == NULL || strlen(name) >= sizeof(a->name)) {
		free(a);
		return NULL;
	}
	strcpy(a->name, name);
	return a;
}

static void
drain_done(void *arg)
{
	struct sound_alsa *a = arg;

	if (a->draining != NULL)
		snd_pcm_close(a->draining);
	a->draining = NULL;
}

/* Close a PCM still playing out now (a new PREPARE, destroy). */
static void
drain_end(struct sound_alsa *a)
{
	if (a->draining == NULL)
		return;
	if (a->s != NULL && a->s->dev->host != NULL)
		a->s->dev->host->timer_cancel(a->s->dev->host, &a->drain_timer);
	drain_done(a);
}

void
sound_alsa_counters(const struct sound_alsa *a, uint64_t *xruns, uint64_t *short_frames)
{
	*xruns = a->xruns;
	*short_frames = a->short_frames;
}

static void pump(struct sound_alsa *a);

static void
fd_cb(void *arg, int fd, uint32_t events)
{
	struct sound_alsa *a = arg;
	struct pollfd pfd[MAX_PFD];
	unsigned short rev = 0;
	int i;

	if (a->pcm == NULL)
		return;
	memcpy(pfd, a->pfd, sizeof(pfd));
	for (i = 0; i < a->npfd; i++)
		pfd[i].revents = pfd[i].fd == fd ? (short)events : 0;
	if (snd_pcm_poll_descriptors_revents(a->pcm, pfd, (unsigned int)a->npfd, &rev) < 0)
		rev = POLLERR;
	if (rev & (POLLIN | POLLOUT | POLLERR))
		pump(a);
}

/* Watch the descriptors only while there is data to move: they are level
 * triggered and a playback PCM with room would wake the worker forever.
 */
static void
watch(struct sound_alsa *a, bool on)
{
	struct vhd_host *h = a->s->dev->host;
	int i;

	if (!a->pollable || on == a->watching || h == NULL || h->watch_fd == NULL)
		return;
	for (i = 0; i < a->npfd; i++) {
		if (on)
			h->watch_fd(h, a->pfd[i].fd, a->pfd[i].events, fd_cb, a);
		else
			h->unwatch_fd(h, a->pfd[i].fd);
	}
	a->watching = on;
}

/* An xrun or suspend: recover the PCM, tell the device. @return 0 when usable again. */
static int
recover(struct sound_alsa *a, int err)
{
	a->xruns++;
	sound_stream_xrun(a->s);
	if (snd_pcm_recover(a->pcm, err, 1) < 0)
		return -1;
	if (a->s->direction == VSND_D_INPUT)
		snd_pcm_start(a->pcm);
	return 0;
}

/* The card paces: move as much as it takes now, complete what is done. */
static void
pump(struct sound_alsa *a)
{
	struct sound_stream *s = a->s;
	struct sound_slot *sl;
	uint32_t fb = s->frame_bytes;

	while ((sl = sound_stream_head(s)) != NULL) {
		uint32_t left = sl->bytes - sl->done;
		snd_pcm_sframes_t n;

		if (s->direction == VSND_D_OUTPUT) {
			n = snd_pcm_writei(a->pcm, sound_slot_tx_data(s, sl) + sl->done, left / fb);
		} else {
			if (left > a->bounce_size)
				left = a->bounce_size;
			n = snd_pcm_readi(a->pcm, a->bounce, left / fb);
			if (n > 0) {
				sound_stream_gain(s, a->bounce, (uint32_t)n * fb);
				vhd_iov_from_buf(sl->wr, sl->n_wr, sl->done, a->bounce,
						 (size_t)n * fb);
			}
		}
		if (n == -EAGAIN || n == 0)
			break;
		if (n < 0) {
			if (recover(a, (int)n) != 0) {
				sound_stream_complete(s, VSND_S_IO_ERR);
				continue;
			}
			continue;
		}
		sl->done += (uint32_t)n * fb;
		if (sl->done == sl->bytes)
			sound_stream_complete(s, VSND_S_OK);
	}
	watch(a, sound_stream_head(s) != NULL);
}

static int
alsa_prepare(struct sound_stream *s)
{
	struct sound_alsa *a = s->be_priv;
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t buf, per;
	unsigned int rate = sound_rate_hz(s->params.rate);
	int dir = 0, i, ep;

	if (a == NULL)
		return -EINVAL;
	a->s = s;
	drain_end(a);
	if (snd_pcm_open(&a->pcm, a->name,
			 s->direction == VSND_D_OUTPUT ? SND_PCM_STREAM_PLAYBACK
						       : SND_PCM_STREAM_CAPTURE,
			 SND_PCM_NONBLOCK) < 0) {
		a->pcm = NULL;
		return -EIO;
	}
	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	buf = s->params.buffer_bytes / s->frame_bytes;
	per = s->params.period_bytes / s->frame_bytes;
	if (snd_pcm_hw_params_any(a->pcm, hw) < 0 ||
	    snd_pcm_hw_params_set_access(a->pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED) < 0 ||
	    snd_pcm_hw_params_set_format(a->pcm, hw, fmt_map[s->params.format]) < 0 ||
	    snd_pcm_hw_params_set_channels(a->pcm, hw, s->params.channels) < 0 ||
	    snd_pcm_hw_params_set_rate(a->pcm, hw, rate, 0) < 0 ||
	    snd_pcm_hw_params_set_period_size_near(a->pcm, hw, &per, &dir) < 0 ||
	    snd_pcm_hw_params_set_buffer_size_near(a->pcm, hw, &buf) < 0 ||
	    snd_pcm_hw_params(a->pcm, hw) < 0)
		goto fail;
	/* start at the first frame written (after START); wake per period */
	if (snd_pcm_sw_params_current(a->pcm, sw) < 0 ||
	    snd_pcm_sw_params_set_start_threshold(a->pcm, sw, 1) < 0 ||
	    snd_pcm_sw_params_set_avail_min(a->pcm, sw, per) < 0 ||
	    snd_pcm_sw_params(a->pcm, sw) < 0)
		goto fail;
	a->npfd = snd_pcm_poll_descriptors(a->pcm, a->pfd, MAX_PFD);
	if (a->npfd <= 0)
		goto fail;
	/* can the worker watch them? (the null and file plugins poll /dev/null: no) */
	a->pollable = true;
	ep = epoll_create1(EPOLL_CLOEXEC);
	for (i = 0; i < a->npfd && ep >= 0; i++) {
		struct epoll_event ev = {.events = a->pfd[i].events};

		if (epoll_ctl(ep, EPOLL_CTL_ADD, a->pfd[i].fd, &ev) != 0)
			a->pollable = false;
	}
	if (ep >= 0)
		close(ep);
	else
		a->pollable = false;
	a->bounce_size = (uint32_t)per * s->frame_bytes;
	a->bounce = malloc(a->bounce_size);
	if (a->bounce == NULL)
		goto fail;
	s->clocked = a->pollable;
	return 0;
fail:
	snd_pcm_close(a->pcm);
	a->pcm = NULL;
	return -EIO;
}

static void
alsa_release(struct sound_stream *s)
{
	struct sound_alsa *a = s->be_priv;

	struct vhd_host *h;
	snd_pcm_sframes_t delay = 0;

	if (a == NULL || a->pcm == NULL)
		return;
	h = s->dev->host;
	watch(a, false);
	free(a->bounce);
	a->bounce = NULL;
	/* Completed buffers may still be in the PCM: let them play out
	 * (drain never blocks here: non-blocking mode) and close once the
	 * delay has passed. Plugins with no clock (null, file) finish at once.
	 */
	if (s->direction == VSND_D_OUTPUT && snd_pcm_state(a->pcm) == SND_PCM_STATE_RUNNING &&
	    snd_pcm_delay(a->pcm, &delay) == 0 && delay > 0 && h != NULL &&
	    snd_pcm_drain(a->pcm) == -EAGAIN) {
		a->draining = a->pcm;
		a->pcm = NULL;
		a->drain_timer.cb = drain_done;
		a->drain_timer.arg = a;
		h->timer_arm(h, &a->drain_timer, h->now_ns(h) +
			     sound_frames_to_ns((uint64_t)delay, sound_rate_hz(s->params.rate)) +
			     20000000ull);
		return;
	}
	if (s->direction == VSND_D_OUTPUT)
		snd_pcm_drain(a->pcm);
	else
		snd_pcm_drop(a->pcm);
	snd_pcm_close(a->pcm);
	a->pcm = NULL;
}

static int
alsa_start(struct sound_stream *s)
{
	struct sound_alsa *a = s->be_priv;

	if (a == NULL || a->pcm == NULL)
		return -EIO;
	if (snd_pcm_state(a->pcm) == SND_PCM_STATE_PAUSED)
		return snd_pcm_pause(a->pcm, 0) < 0 ? -EIO : 0;
	if (snd_pcm_state(a->pcm) == SND_PCM_STATE_SETUP)
		snd_pcm_prepare(a->pcm);
	/* playback starts with the first frame written; capture now */
	if (s->direction == VSND_D_INPUT)
		snd_pcm_start(a->pcm);
	return 0;
}

static void
alsa_stop(struct sound_stream *s)
{
	struct sound_alsa *a = s->be_priv;

	if (a == NULL || a->pcm == NULL)
		return;
	watch(a, false);
	/* a pause keeps what the card holds; without pause support, drop it */
	if (snd_pcm_pause(a->pcm, 1) < 0)
		snd_pcm_drop(a->pcm);
}

static void
alsa_kick(struct sound_stream *s)
{
	struct sound_alsa *a = s->be_priv;

	if (a != NULL && a->pcm != NULL)
		pump(a);
}

/* Paced by the device's clock (an unpollable PCM): move what the PCM takes
 * now, never wait. @return frames it did not take, or -EIO.
 */
static int64_t
alsa_xfer(struct sound_alsa *a, uint8_t *b, uint32_t frames, uint32_t frame_bytes, bool out)
{
	int tries = 0;

	if (a == NULL || a->pcm == NULL)
		return -EIO;
	while (frames > 0 && tries++ < 4) {
		snd_pcm_sframes_t n = out ? snd_pcm_writei(a->pcm, b, frames) :
			snd_pcm_readi(a->pcm, b, frames);

		if (n == -EAGAIN)
			break;
		if (n < 0) {
			if (recover(a, (int)n) != 0)
				return -EIO;
			continue;
		}
		frames -= (uint32_t)n;
		b += (size_t)n * frame_bytes;
	}
	a->short_frames += frames;
	return frames;
}

static int
alsa_play(struct sound_stream *s, const void *buf, uint32_t len)
{
	/* frames left over: the PCM was full, the card runs slower than our clock */
	int64_t left = alsa_xfer(s->be_priv, (uint8_t *)(uintptr_t)buf, len / s->frame_bytes,
				 s->frame_bytes, true);

	return left < 0 ? (int)left : 0;
}

static int
alsa_capture(struct sound_stream *s, void *buf, uint32_t len)
{
	uint32_t frames = len / s->frame_bytes;
	int64_t left = alsa_xfer(s->be_priv, buf, frames, s->frame_bytes, false);

	if (left < 0)
		return (int)left;
	/* what the card did not have yet is silence */
	sound_silence(s->params.format, (uint8_t *)buf + (size_t)(frames - left) * s->frame_bytes,
		      (uint32_t)left * s->frame_bytes);
	return 0;
}

static void
alsa_destroy(struct sound_stream *s)
{
	alsa_release(s);
	if (s->be_priv != NULL)
		drain_end(s->be_priv);
	free(s->be_priv);
	s->be_priv = NULL;
}

const struct sound_backend_ops sound_alsa_backend = {
	.name = "alsa",
	/* what the host PCM cannot take fails PREPARE with IO_ERR */
	.formats = ((1ull << VSND_PCM_FMT_COUNT) - 1) & ~(1ull << VSND_PCM_FMT_IMA_ADPCM),
	.prepare = alsa_prepare,
	.release = alsa_release,
	.play = alsa_play,
	.capture = alsa_capture,
	.start = alsa_start,
	.stop = alsa_stop,
	.kick = alsa_kick,
	.destroy = alsa_destroy,
};
