/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sound_file.h"

struct sound_file {
	int fd;
	bool out;
	/* output: the format of the recording in the file, bytes of samples so far */
	bool have_fmt;
	uint8_t format, channels, rate;
	uint64_t written;
	/* input: the samples, the next byte to hand out */
	uint8_t *data;
	uint64_t len, pos;
};

struct sound_file *
sound_file_open_out(const char *path, char *err, size_t err_len)
{
	struct sound_file *f = calloc(1, sizeof(*f));
	uint8_t hdr[SOUND_WAV_HDR];

	if (f == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	f->out = true;
	f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		free(f);
		return NULL;
	}
	/* a valid empty file until the guest plays something */
	sound_wav_header(hdr, VSND_PCM_FMT_S16, 2, 48000, 0);
	if (pwrite(f->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
		snprintf(err, err_len, "%s: cannot write: %s", path, strerror(errno));
		close(f->fd);
		free(f);
		return NULL;
	}
	return f;
}

struct sound_file *
sound_file_open_in(const char *path, struct sound_wav_info *info, char *err, size_t err_len)
{
	struct sound_file *f = calloc(1, sizeof(*f));
	struct stat st;
	uint8_t *all = NULL;
	ssize_t n;
	int fd;

	if (f == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)SOUND_FILE_MAX_IN) {
		snprintf(err, err_len, "%s: not a regular file of at most %u MiB", path,
			 SOUND_FILE_MAX_IN >> 20);
		goto fail;
	}
	all = malloc((size_t)st.st_size + 1);
	if (all == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	n = pread(fd, all, (size_t)st.st_size, 0);
	if (n != st.st_size) {
		snprintf(err, err_len, "%s: short read", path);
		goto fail;
	}
	if (sound_wav_parse(all, (size_t)n, (uint64_t)n, info, err, err_len) != 0)
		goto fail;
	if (info->data_len == 0) {
		snprintf(err, err_len, "%s: no samples", path);
		goto fail;
	}
	close(fd);
	f->fd = -1;
	f->len = info->data_len;
	f->data = malloc(f->len);
	if (f->data == NULL) {
		snprintf(err, err_len, "out of memory");
		free(all);
		free(f);
		return NULL;
	}
	memcpy(f->data, all + info->data_off, f->len);
	free(all);
	return f;
fail:
	if (fd >= 0)
		close(fd);
	free(all);
	free(f);
	return NULL;
}

void
sound_file_limit(struct sound_stream *s, const struct sound_wav_info *info)
{
	s->formats = 1ull << info->format;
	s->rates = 1ull << sound_rate_index(info->rate);
	s->channels_min = s->channels_max = info->channels;
}

void
sound_file_close(struct sound_file *f)
{
	if (f == NULL)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->data);
	free(f);
}

/* Rewrite the header with the sizes so far: the file is a valid WAV after
 * every RELEASE (and at exit). Small regular-file writes: page cache.
 */
static void
header_update(struct sound_file *f)
{
	uint8_t hdr[SOUND_WAV_HDR];

	if (!f->have_fmt)
		return;
	sound_wav_header(hdr, f->format, f->channels, sound_rate_hz(f->rate),
			 f->written > UINT32_MAX ? UINT32_MAX : (uint32_t)f->written);
	if (pwrite(f->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		return; /* the data is there; the next update tries again */
}

static int
file_prepare(struct sound_stream *s)
{
	struct sound_file *f = s->be_priv;

	if (f == NULL || !f->out)
		return 0;
	/* new parameters start a new recording: one WAV has one format */
	if (f->have_fmt && (f->format != s->params.format || f->channels != s->params.channels ||
			    f->rate != s->params.rate)) {
		if (ftruncate(f->fd, SOUND_WAV_HDR) != 0)
			return -errno;
		f->written = 0;
	}
	f->have_fmt = true;
	f->format = s->params.format;
	f->channels = s->params.channels;
	f->rate = s->params.rate;
	header_update(f);
	return 0;
}

static void
file_release(struct sound_stream *s)
{
	struct sound_file *f = s->be_priv;

	if (f != NULL && f->out)
		header_update(f);
}

static int
file_play(struct sound_stream *s, const void *buf, uint32_t len)
{
	struct sound_file *f = s->be_priv;
	ssize_t n;

	if (f == NULL)
		return 0;
	n = pwrite(f->fd, buf, len, (off_t)(SOUND_WAV_HDR + f->written));
	if (n != (ssize_t)len)
		return -EIO;
	f->written += len;
	return 0;
}

static int
file_capture(struct sound_stream *s, void *buf, uint32_t len)
{
	struct sound_file *f = s->be_priv;
	uint8_t *b = buf;

	if (f == NULL || f->len == 0) {
		sound_silence(s->params.format, buf, len);
		return 0;
	}
	while (len > 0) {
		uint64_t n = f->len - f->pos;

		if (n > len)
			n = len;
		memcpy(b, f->data + f->pos, n);
		f->pos = (f->pos + n) % f->len; /* the file loops */
		b += n;
		len -= (uint32_t)n;
	}
	return 0;
}

static void
file_destroy(struct sound_stream *s)
{
	struct sound_file *f = s->be_priv;

	if (f != NULL && f->out)
		header_update(f);
	sound_file_close(f);
	s->be_priv = NULL;
}

const struct sound_backend_ops sound_file_backend = {
	.name = "file",
	.formats = (1ull << VSND_PCM_FMT_U8) | (1ull << VSND_PCM_FMT_S16) |
		   (1ull << VSND_PCM_FMT_S24_3) | (1ull << VSND_PCM_FMT_S32) |
		   (1ull << VSND_PCM_FMT_FLOAT) | (1ull << VSND_PCM_FMT_FLOAT64) |
		   (1ull << VSND_PCM_FMT_A_LAW) | (1ull << VSND_PCM_FMT_MU_LAW),
	.prepare = file_prepare,
	.release = file_release,
	.play = file_play,
	.capture = file_capture,
	.destroy = file_destroy,
};
