/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sound_file.h"

/* What the recording's file is waiting for, in file order. A header
 * rewrite and a truncation are barriers: submitted alone once everything
 * before them landed, nothing after them until they did; samples go at
 * most SOUND_FILE_INFLIGHT at a time, each at its own offset, so the file
 * has the bytes in the order the guest played them whatever order the
 * completions come in.
 */
enum wav_kind { WAV_DATA, WAV_HEADER, WAV_TRUNCATE };

struct wav_op {
	struct wav_op *next;
	struct sound_file *f;
	enum wav_kind kind;
	bool inflight;
	int fd;              /* TRUNCATE: for the offload thread, which sees only the op */
	uint64_t off;        /* next byte of the file this op writes (TRUNCATE: new size) */
	uint32_t len, done;  /* bytes to write, written so far */
	struct vhd_io io;
	struct iovec iov;
	uint8_t data[];      /* a copy: the stream's staging ring is reused at once */
};

struct sound_file {
	int fd;
	bool out;
	/* output: the format of the recording in the file, bytes of samples so far
	 * (given to the queue: what the header says)
	 */
	bool have_fmt;
	uint8_t format, channels, rate;
	uint64_t written;
	struct vhd_host *host;
	struct wav_op *head, *tail; /* the queue, oldest first */
	uint32_t nops, ninflight;   /* ops queued (in flight included), data ops in flight */
	uint64_t queued_bytes;      /* sample bytes queued and not yet written */
	int error;                  /* a write failed: this recording is broken until PREPARE */
	uint64_t write_errors;      /* writes that failed */
	bool pumping, repump;
	struct vhd_timer retry;     /* the host's I/O queue was full (-EAGAIN) */
	struct sound_file *next_parked;
	/* input: the samples, the next byte to hand out */
	uint8_t *data;
	uint64_t len, pos;
};

/* Recordings whose I/O was still with the kernel at exit: kept, reachable. */
static struct sound_file *parked;

static void wav_pump(struct sound_file *f);

static void
wav_retry(void *arg)
{
	wav_pump(arg);
}

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
	f->retry.cb = wav_retry;
	f->retry.arg = f;
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

static void
wav_free_ops(struct sound_file *f)
{
	while (f->head != NULL) {
		struct wav_op *op = f->head;

		f->head = op->next;
		free(op);
	}
	f->tail = NULL;
	f->nops = 0;
}

void
sound_file_close(struct sound_file *f)
{
	if (f == NULL)
		return;
	if (f->fd >= 0)
		close(f->fd);
	wav_free_ops(f);
	free(f->data);
	free(f);
}

/* ---- the recording's write queue ---- */

static struct wav_op *
wav_op_new(struct sound_file *f, enum wav_kind kind, uint64_t off, uint32_t len)
{
	struct wav_op *op;

	if (f->nops >= SOUND_FILE_MAX_OPS)
		return NULL;
	op = malloc(sizeof(*op) + len);
	if (op == NULL)
		return NULL;
	memset(op, 0, sizeof(*op));
	op->f = f;
	op->kind = kind;
	op->fd = f->fd;
	op->off = off;
	op->len = len;
	if (f->tail != NULL)
		f->tail->next = op;
	else
		f->head = op;
	f->tail = op;
	f->nops++;
	return op;
}

static void
wav_op_free(struct sound_file *f, struct wav_op *op)
{
	struct wav_op **pp = &f->head, *prev = NULL;

	while (*pp != op) {
		prev = *pp;
		pp = &prev->next;
	}
	*pp = op->next;
	if (f->tail == op)
		f->tail = prev;
	f->nops--;
	if (op->kind == WAV_DATA)
		f->queued_bytes -= op->len;
	free(op);
}

/* Offload thread (no io_uring on this worker): only the op. */
static int
wav_write_work(void *arg)
{
	struct wav_op *op = arg;
	ssize_t n = pwritev(op->fd, &op->iov, 1, (off_t)op->io.offset);

	return n < 0 ? -errno : (int)n;
}

/* Offload thread: a truncation has no io_uring form before Linux 6.9. */
static int
wav_truncate_work(void *arg)
{
	struct wav_op *op = arg;

	return ftruncate(op->fd, (off_t)op->off) != 0 ? -errno : 0;
}

static void
wav_done(void *arg, int res)
{
	struct wav_op *op = arg;
	struct sound_file *f = op->f;

	op->inflight = false;
	if (op->kind == WAV_DATA)
		f->ninflight--;
	if (op->kind != WAV_TRUNCATE && res == 0)
		res = -EIO; /* nothing written: do not spin on it */
	if (res < 0) {
		/* a header is rewritten at the next update; lost samples break the recording */
		if (op->kind != WAV_HEADER && f->error == 0)
			f->error = res;
		f->write_errors++;
	} else if (op->kind != WAV_TRUNCATE && (uint32_t)res < op->len - op->done) {
		op->done += (uint32_t)res; /* short write: the rest goes next, same place */
		wav_pump(f);
		return;
	}
	wav_op_free(f, op);
	wav_pump(f);
}

static int
wav_submit(struct sound_file *f, struct wav_op *op)
{
	struct vhd_host *h = f->host;
	int rc;

	/* set first: a host may complete it before the call returns */
	op->inflight = true;
	if (op->kind == WAV_DATA)
		f->ninflight++;
	if (op->kind == WAV_TRUNCATE) {
		rc = h->offload(h, wav_truncate_work, wav_done, op);
	} else {
		op->iov.iov_base = op->data + op->done;
		op->iov.iov_len = op->len - op->done;
		op->io = (struct vhd_io){
			.op = VHD_IO_WRITEV,
			.fd = f->fd,
			.iov = &op->iov,
			.iovcnt = 1,
			.offset = op->off + op->done,
			.cb = wav_done,
			.arg = op,
		};
		rc = h->io_submit(h, &op->io);
		if (rc == -ENOSYS) /* no io_uring on this worker */
			rc = h->offload(h, wav_write_work, wav_done, op);
	}
	if (rc != 0) {
		op->inflight = false;
		if (op->kind == WAV_DATA)
			f->ninflight--;
	}
	return rc;
}

/* Submit what may go now, in file order (see struct wav_op). */
static void
wav_pump(struct sound_file *f)
{
	struct wav_op *op, *next;
	struct vhd_host *h = f->host;

	if (h == NULL)
		return;
	if (f->pumping) {
		f->repump = true; /* a completion inside a submission: go round again */
		return;
	}
	f->pumping = true;
	do {
		f->repump = false;
		for (op = f->head; op != NULL; op = next) {
			enum wav_kind kind = op->kind; /* op may be gone once submitted */
			int rc;

			next = op->next;
			if (op->inflight) {
				if (op->kind != WAV_DATA)
					break; /* a barrier */
				continue;
			}
			if (op->kind != WAV_DATA && op != f->head)
				break; /* waits for what is before it */
			if (op->kind == WAV_DATA && f->ninflight >= SOUND_FILE_INFLIGHT)
				break;
			rc = wav_submit(f, op);
			if (rc == -EAGAIN) {
				/* the device's I/O queue is full: a completion or the timer retries */
				h->timer_arm(h, &f->retry, h->now_ns(h) + SOUND_FILE_RETRY_NS);
				break;
			}
			if (rc != 0) {
				if (op->kind != WAV_HEADER && f->error == 0)
					f->error = rc;
				f->write_errors++;
				wav_op_free(f, op);
				continue;
			}
			if (kind != WAV_DATA)
				break;
		}
	} while (f->repump);
	f->pumping = false;
}

/* Device destroyed, its worker stopped (we run on the main thread): what is
 * still queued or was with the kernel goes synchronously, in order, then the
 * final header. @return true when some of it may still be with the kernel.
 */
static bool
wav_finish(struct sound_file *f)
{
	uint8_t hdr[SOUND_WAV_HDR];
	struct wav_op *op;
	bool busy = false;

	if (f->host != NULL)
		f->host->timer_cancel(f->host, &f->retry);
	for (op = f->head; op != NULL; op = op->next) {
		busy |= op->inflight;
		/* rewriting what an unreaped write wrote puts the same bytes there */
		if (op->kind == WAV_DATA &&
		    pwrite(f->fd, op->data + op->done, op->len - op->done,
			   (off_t)(op->off + op->done)) != (ssize_t)(op->len - op->done))
			f->write_errors++;
		else if (op->kind == WAV_TRUNCATE && ftruncate(f->fd, (off_t)op->off) != 0)
			f->write_errors++;
		/* headers: the final one below says it all */
	}
	if (f->have_fmt) {
		sound_wav_header(hdr, f->format, f->channels, sound_rate_hz(f->rate),
				 f->written > UINT32_MAX ? UINT32_MAX : (uint32_t)f->written);
		if (pwrite(f->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
			f->write_errors++;
	}
	return busy;
}

/* Rewrite the header with the sizes so far (after the samples before it):
 * the file is a valid WAV after every RELEASE (and at exit).
 */
static void
header_update(struct sound_file *f)
{
	struct wav_op *op = f->tail;

	if (!f->have_fmt)
		return;
	/* one waiting rewrite is enough: it takes the sizes of now */
	if (op == NULL || op->kind != WAV_HEADER || op->inflight)
		op = wav_op_new(f, WAV_HEADER, 0, SOUND_WAV_HDR);
	if (op == NULL)
		return; /* the queue is full: the next update tries again */
	sound_wav_header(op->data, f->format, f->channels, sound_rate_hz(f->rate),
			 f->written > UINT32_MAX ? UINT32_MAX : (uint32_t)f->written);
	wav_pump(f);
}

static int
file_prepare(struct sound_stream *s)
{
	struct sound_file *f = s->be_priv;

	if (f == NULL || !f->out)
		return 0;
	f->host = s->dev->host;
	/* new parameters start a new recording: one WAV has one format */
	if (f->have_fmt && (f->format != s->params.format || f->channels != s->params.channels ||
			    f->rate != s->params.rate)) {
		if (wav_op_new(f, WAV_TRUNCATE, SOUND_WAV_HDR, 0) == NULL)
			return -ENOBUFS;
		f->written = 0;
	}
	f->error = 0; /* a new chance after a failed write */
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

	/* at device destroy, file_destroy() writes the final header itself */
	if (f != NULL && f->out && !s->dev->finishing)
		header_update(f);
}

static int
file_play(struct sound_stream *s, const void *buf, uint32_t len)
{
	struct sound_file *f = s->be_priv;
	struct wav_op *op;

	if (f == NULL)
		return 0;
	if (f->error != 0)
		return -EIO;
	/* the disk is that far behind: this buffer is lost (IO_ERR), the file has no hole */
	if (f->queued_bytes + len > SOUND_FILE_MAX_QUEUED)
		return -ENOBUFS;
	op = wav_op_new(f, WAV_DATA, SOUND_WAV_HDR + f->written, len);
	if (op == NULL)
		return -ENOBUFS;
	memcpy(op->data, buf, len);
	f->written += len;
	f->queued_bytes += len;
	wav_pump(f);
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

	s->be_priv = NULL;
	if (f == NULL)
		return;
	if (f->out && wav_finish(f)) {
		/* the kernel may still read these buffers: keep them (the process is
		 * exiting); the fd can go, an I/O in flight holds its own reference
		 */
		close(f->fd);
		f->fd = -1;
		f->next_parked = parked;
		parked = f;
		return;
	}
	sound_file_close(f);
}

uint64_t
sound_file_write_errors(const struct sound_file *f)
{
	return f != NULL ? f->write_errors : 0;
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
