/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "gpu_disp.h"

static void disp_io(void *arg, int fd, uint32_t events);

void
gpu_disp_init(struct gpu_disp *d, struct vhd_host *host, uint32_t nscanouts, bool want_edid,
	      gpu_disp_ready_fn ready, void *arg)
{
	memset(d, 0, sizeof(*d));
	d->host = host;
	d->fd = -1;
	d->nscanouts = nscanouts > GPU_MAX_SCANOUTS ? GPU_MAX_SCANOUTS : nscanouts;
	d->want_edid = want_edid;
	d->ready = ready;
	d->ready_arg = arg;
}

static void
set_watch(struct gpu_disp *d, uint32_t events)
{
	if (d->fd < 0 || d->events == events || d->host == NULL || d->host->watch_fd == NULL)
		return;
	if (d->events != 0)
		d->host->unwatch_fd(d->host, d->fd);
	d->events = 0;
	if (d->host->watch_fd(d->host, d->fd, events, disp_io, d) == 0)
		d->events = events;
}

static void
cancel(struct gpu_disp *d, struct vhd_timer *t)
{
	if (d->host != NULL && d->host->timer_cancel != NULL)
		d->host->timer_cancel(d->host, t);
}

/* The waiting DMABUF_UPDATE ends: its caller learns how, once. */
static void
update_end(struct gpu_disp *d, bool ok)
{
	gpu_disp_done_fn done = d->upd_done;

	cancel(d, &d->upd_timer);
	if (!d->upd_wait)
		return;
	d->upd_wait = false;
	d->upd_done = NULL;
	done(d->upd_arg, ok); /* last: it may queue the next update */
}

static void
forget(struct gpu_disp *d)
{
	cancel(d, &d->timer);
	while (d->nqfd > 0)
		close(d->qfd[--d->nqfd].fd);
	d->head = d->len = 0;
	d->in_len = 0;
	d->state = GPU_DISP_IDLE;
	d->features = 0;
	d->have_info = false;
	memset(d->edid_size, 0, sizeof(d->edid_size));
	d->upd_owed = 0;
	update_end(d, false);
}

void
gpu_disp_close(struct gpu_disp *d)
{
	if (d->fd >= 0) {
		if (d->events != 0)
			d->host->unwatch_fd(d->host, d->fd);
		close(d->fd);
	}
	d->fd = -1;
	d->events = 0;
	forget(d);
}

void
gpu_disp_fini(struct gpu_disp *d)
{
	gpu_disp_close(d);
	free(d->buf);
	d->buf = NULL;
	d->cap = 0;
}

/* The display broke the protocol or went away: the device goes on without it. */
static void
lost(struct gpu_disp *d)
{
	bool was_pending = gpu_disp_pending(d);

	d->stats.lost++;
	gpu_disp_close(d);
	if (was_pending && d->ready != NULL)
		d->ready(d->ready_arg);
}

static void
finish_handshake(struct gpu_disp *d)
{
	bool was_pending = gpu_disp_pending(d);

	d->state = GPU_DISP_READY;
	if (d->host != NULL && d->host->timer_cancel != NULL)
		d->host->timer_cancel(d->host, &d->timer);
	if (was_pending && d->ready != NULL)
		d->ready(d->ready_arg);
}

bool
gpu_disp_pending(struct gpu_disp *d)
{
	return d->fd >= 0 && d->state != GPU_DISP_READY && d->deadline != 0;
}

static void
handshake_timeout(void *arg)
{
	struct gpu_disp *d = arg;

	if (!gpu_disp_pending(d))
		return;
	d->stats.timeouts++;
	d->deadline = 0; /* not pending any more; late replies are still taken */
	if (d->ready != NULL)
		d->ready(d->ready_arg);
}

/* sendmsg() of @p n bytes at @p p, with @p fd (>= 0) as SCM_RIGHTS. */
static ssize_t
send_with_fd(int sock, const uint8_t *p, size_t n, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = (void *)(uintptr_t)p, .iov_len = n};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/*
 * Write what the socket takes now; wait for EPOLLOUT for the rest. A message
 * with an fd starts a sendmsg() of its own that carries the fd, and the one
 * before it ends short of it: the kernel attaches the fd to the first byte
 * of that send, so the display gets it with the message's header, however
 * the bytes are split.
 */
static void
try_write(struct gpu_disp *d)
{
	while (d->fd >= 0 && d->head < d->len) {
		bool with_fd = d->nqfd > 0 && d->qfd[0].off == d->head;
		unsigned int next = with_fd ? 1 : 0;
		size_t end = next < d->nqfd ? d->qfd[next].off : d->len;
		ssize_t n = send_with_fd(d->fd, d->buf + d->head, end - d->head,
					 with_fd ? d->qfd[0].fd : -1);

		if (n > 0) {
			if (with_fd) { /* the display has its own now */
				close(d->qfd[0].fd);
				d->nqfd--;
				memmove(d->qfd, d->qfd + 1, d->nqfd * sizeof(d->qfd[0]));
			}
			d->head += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			d->stats.write_waits++;
			set_watch(d, EPOLLIN | EPOLLOUT);
			return;
		}
		lost(d);
		return;
	}
	d->head = d->len = 0;
	set_watch(d, EPOLLIN);
}

/* Room for @p n more bytes at the end of the queue, or NULL. */
static uint8_t *
reserve(struct gpu_disp *d, size_t n, bool pixels)
{
	size_t queued = d->len - d->head;

	if (d->fd < 0 || d->buf == NULL)
		return NULL;
	if (pixels ? queued + n > GPU_DISP_QUEUE_MAX : queued + n > d->cap)
		return NULL;
	if (d->len + n > d->cap) {
		unsigned int i;

		for (i = 0; i < d->nqfd; i++)
			d->qfd[i].off -= d->head;
		memmove(d->buf, d->buf + d->head, queued);
		d->head = 0;
		d->len = queued;
	}
	return d->buf + d->len;
}

static void
put_hdr(uint8_t *p, uint32_t req, uint32_t flags, uint32_t size)
{
	memcpy(p, &req, 4);
	memcpy(p + 4, &flags, 4);
	memcpy(p + 8, &size, 4);
}

/*
 * Queue a message of @p size payload bytes, with @p fd (>= 0: owned from now
 * on, closed when not queued) to go with it, and send it.
 * @return false when it could not be queued or the display is gone.
 */
static bool
send_msg(struct gpu_disp *d, uint32_t req, const void *body, uint32_t size, int fd)
{
	uint8_t *p = reserve(d, GPU_DISP_HDR + size, false);

	if (p == NULL || (fd >= 0 && d->nqfd == GPU_DISP_FDS_MAX)) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	put_hdr(p, req, 0, size);
	if (size != 0)
		memcpy(p + GPU_DISP_HDR, body, size);
	if (fd >= 0)
		d->qfd[d->nqfd++] = (struct gpu_disp_qfd){.off = d->len, .fd = fd};
	d->len += GPU_DISP_HDR + size;
	d->stats.msgs++;
	try_write(d);
	return d->fd >= 0;
}

/* Queue a message of u32 words and send it. @return false when it could not be queued. */
static bool
send_words(struct gpu_disp *d, uint32_t req, const uint32_t *w, unsigned int n)
{
	return send_msg(d, req, w, 4u * n, -1);
}

int
gpu_disp_attach(struct gpu_disp *d, int fd)
{
	int fl;

	gpu_disp_close(d);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	if (d->buf == NULL) {
		d->cap = GPU_DISP_QUEUE_MAX + GPU_DISP_QUEUE_CTRL;
		d->buf = malloc(d->cap);
		if (d->buf == NULL) {
			d->cap = 0;
			close(fd);
			return -ENOMEM;
		}
	}
	/* Fewer writable wake-ups per frame; the kernel caps it (wmem_max). */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){GPU_DISP_QUEUE_MAX}, sizeof(int));
	d->fd = fd;
	d->stats.attached++;
	set_watch(d, EPOLLIN);
	d->state = GPU_DISP_W_FEATURES;
	d->deadline = 1;
	if (d->host != NULL && d->host->timer_arm != NULL) {
		d->timer.cb = handshake_timeout;
		d->timer.arg = d;
		d->deadline = d->host->now_ns(d->host) + GPU_DISP_HANDSHAKE_NS;
		if (d->host->timer_arm(d->host, &d->timer, d->deadline) != 0)
			d->deadline = 1;
	}
	send_words(d, GPU_DISP_GET_PROTOCOL_FEATURES, NULL, 0);
	return d->fd >= 0 ? 0 : -EPIPE;
}

static void
ask_edid(struct gpu_disp *d)
{
	uint32_t id = d->edid_next;

	d->state = GPU_DISP_W_EDID;
	send_words(d, GPU_DISP_GET_EDID, &id, 1);
}

/* One complete reply. @return 0, -1 when it breaks the protocol. */
static int
on_reply(struct gpu_disp *d, uint32_t req, uint32_t flags, const uint8_t *p, uint32_t size)
{
	if (!(flags & GPU_DISP_FLAG_REPLY))
		return -1; /* the display only ever replies */
	switch (req) {
	case GPU_DISP_GET_PROTOCOL_FEATURES: {
		uint64_t theirs, want = 1ull << GPU_DISP_PF_DMABUF2;
		uint32_t w[2];

		if (d->state != GPU_DISP_W_FEATURES || size != 8)
			return -1;
		memcpy(&theirs, p, 8);
		if (d->want_edid)
			want |= 1ull << GPU_DISP_PF_EDID;
		d->features = theirs & want;
		memcpy(w, &d->features, 8);
		d->state = GPU_DISP_W_INFO;
		send_words(d, GPU_DISP_SET_PROTOCOL_FEATURES, w, 2);
		send_words(d, GPU_DISP_GET_DISPLAY_INFO, NULL, 0);
		return 0;
	}
	case GPU_DISP_GET_DISPLAY_INFO:
		if (d->state != GPU_DISP_W_INFO || size != sizeof(d->info))
			return -1;
		memcpy(&d->info, p, sizeof(d->info));
		d->have_info = true;
		if ((d->features & (1ull << GPU_DISP_PF_EDID)) && d->nscanouts > 0) {
			d->edid_next = 0;
			ask_edid(d);
		} else {
			finish_handshake(d);
		}
		return 0;
	case GPU_DISP_GET_EDID: {
		struct gpu_resp_edid r;

		if (d->state != GPU_DISP_W_EDID || size != sizeof(r))
			return -1;
		memcpy(&r, p, sizeof(r));
		if (r.size > GPU_EDID_MAX)
			return -1;
		if (r.hdr.type == GPU_RESP_OK_EDID) {
			memcpy(d->edid[d->edid_next], r.edid, r.size);
			d->edid_size[d->edid_next] = r.size;
		}
		if (++d->edid_next < d->nscanouts)
			ask_edid(d);
		else
			finish_handshake(d);
		return 0;
	}
	case GPU_DISP_DMABUF_UPDATE:
		/* one per DMABUF_UPDATE sent, in order: the last one is the waiting one's */
		if (size != 0 || d->upd_owed == 0)
			return -1;
		if (--d->upd_owed == 0)
			update_end(d, true);
		return 0;
	default:
		return -1;
	}
}

static void
read_replies(struct gpu_disp *d)
{
	while (d->fd >= 0) {
		uint32_t req, flags, size;
		size_t want = GPU_DISP_HDR;
		ssize_t n;

		if (d->in_len >= GPU_DISP_HDR) {
			memcpy(&size, d->in + 8, 4);
			want = GPU_DISP_HDR + size;
		}
		n = recv(d->fd, d->in + d->in_len, want - d->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			lost(d);
			return;
		}
		d->in_len += (size_t)n;
		if (d->in_len == GPU_DISP_HDR) {
			memcpy(&size, d->in + 8, 4);
			if (size > sizeof(d->in) - GPU_DISP_HDR) {
				d->stats.bad_replies++;
				lost(d);
				return;
			}
		}
		if (d->in_len < GPU_DISP_HDR)
			continue;
		memcpy(&req, d->in, 4);
		memcpy(&flags, d->in + 4, 4);
		memcpy(&size, d->in + 8, 4);
		if (d->in_len < GPU_DISP_HDR + size)
			continue;
		d->in_len = 0;
		if (on_reply(d, req, flags, d->in + GPU_DISP_HDR, size) != 0) {
			d->stats.bad_replies++;
			lost(d);
			return;
		}
	}
}

static void
disp_io(void *arg, int fd, uint32_t events)
{
	struct gpu_disp *d = arg;

	if (fd != d->fd)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		read_replies(d);
	if (d->fd >= 0 && (events & EPOLLOUT))
		try_write(d);
}

bool
gpu_disp_scanout(struct gpu_disp *d, uint32_t id, uint32_t w, uint32_t h)
{
	uint32_t v[3] = {id, w, h};

	return send_words(d, GPU_DISP_SCANOUT, v, 3);
}

uint8_t *
gpu_disp_update(struct gpu_disp *d, uint32_t id, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	size_t px = (size_t)w * h * 4u, n = GPU_DISP_HDR + GPU_DISP_UPDATE_HDR + px;
	uint32_t v[5] = {id, x, y, w, h};
	uint8_t *p;

	d->upd = 0;
	if (d->fd < 0)
		return NULL;
	if (px > UINT32_MAX - GPU_DISP_UPDATE_HDR || (p = reserve(d, n, true)) == NULL) {
		d->stats.dropped++;
		return NULL;
	}
	put_hdr(p, GPU_DISP_UPDATE, 0, (uint32_t)(GPU_DISP_UPDATE_HDR + px));
	memcpy(p + GPU_DISP_HDR, v, sizeof(v));
	d->upd = n;
	d->stats.update_bytes += px;
	return p + GPU_DISP_HDR + GPU_DISP_UPDATE_HDR;
}

void
gpu_disp_commit(struct gpu_disp *d)
{
	if (d->upd == 0 || d->fd < 0)
		return;
	d->len += d->upd;
	d->upd = 0;
	d->stats.msgs++;
	d->stats.updates++;
	try_write(d);
}

void
gpu_disp_cursor_pos(struct gpu_disp *d, uint32_t id, uint32_t x, uint32_t y, bool hide)
{
	uint32_t v[3] = {id, x, y};

	send_words(d, hide ? GPU_DISP_CURSOR_POS_HIDE : GPU_DISP_CURSOR_POS, v, 3);
}

void
gpu_disp_cursor_update(struct gpu_disp *d, uint32_t id, uint32_t x, uint32_t y, uint32_t hot_x,
		       uint32_t hot_y, const uint32_t *argb)
{
	uint32_t v[5] = {id, x, y, hot_x, hot_y};
	uint8_t *p = reserve(d, GPU_DISP_HDR + GPU_DISP_CURSOR_UPDATE_SIZE, false);

	if (p == NULL)
		return;
	put_hdr(p, GPU_DISP_CURSOR_UPDATE, 0, GPU_DISP_CURSOR_UPDATE_SIZE);
	memcpy(p + GPU_DISP_HDR, v, sizeof(v));
	memcpy(p + GPU_DISP_HDR + sizeof(v), argb, GPU_CURSOR_DIM * GPU_CURSOR_DIM * 4u);
	d->len += GPU_DISP_HDR + GPU_DISP_CURSOR_UPDATE_SIZE;
	d->stats.msgs++;
	try_write(d);
}

bool
gpu_disp_has_dmabuf2(const struct gpu_disp *d)
{
	return d->fd >= 0 && (d->features & (1ull << GPU_DISP_PF_DMABUF2));
}

bool
gpu_disp_dmabuf_scanout(struct gpu_disp *d, uint32_t id, const struct gpu_rect *r,
			const struct gpu_dmabuf *b)
{
	uint8_t m[GPU_DISP_DMABUF_SCANOUT2_SIZE];
	uint32_t v[10] = {id};
	uint32_t req = GPU_DISP_DMABUF_SCANOUT, size = GPU_DISP_DMABUF_SCANOUT_SIZE;
	int fd = -1;

	if (d->fd < 0 || (b != NULL && (r == NULL || b->fd < 0)))
		return false;
	if (b != NULL) { /* NULL: zeros and no fd, QEMU's "disabled" */
		v[1] = r->x;
		v[2] = r->y;
		v[3] = r->width;
		v[4] = r->height;
		v[5] = b->width;
		v[6] = b->height;
		v[7] = b->stride;
		v[8] = b->y0_top ? GPU_DISP_DMABUF_Y0_TOP : 0;
		v[9] = b->fourcc;
		fd = fcntl(b->fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return false;
	}
	memcpy(m, v, sizeof(v));
	if (b != NULL && gpu_disp_has_dmabuf2(d)) {
		req = GPU_DISP_DMABUF_SCANOUT2;
		size = GPU_DISP_DMABUF_SCANOUT2_SIZE;
		memcpy(m + sizeof(v), &b->modifier, 8);
	}
	if (!send_msg(d, req, m, size, fd))
		return false;
	d->stats.dmabuf_scanouts++;
	return true;
}

static void
update_timeout(void *arg)
{
	struct gpu_disp *d = arg;

	if (!d->upd_wait)
		return;
	d->stats.dmabuf_timeouts++;
	update_end(d, false); /* a late reply is still taken (upd_owed) */
}

int
gpu_disp_dmabuf_update(struct gpu_disp *d, uint32_t id, uint32_t x, uint32_t y, uint32_t w,
		       uint32_t h, gpu_disp_done_fn done, void *arg)
{
	uint32_t v[5] = {id, x, y, w, h};
	struct vhd_host *host = d->host;

	if (d->fd < 0 || d->upd_wait || done == NULL || host == NULL || host->timer_arm == NULL)
		return -1;
	/* the timer first: once the message is out there is no going back */
	d->upd_timer.cb = update_timeout;
	d->upd_timer.arg = d;
	if (host->timer_arm(host, &d->upd_timer, host->now_ns(host) + GPU_DISP_DMABUF_WAIT_NS) != 0)
		return -1;
	/* a display lost while sending fails this call: done is not armed yet */
	if (!send_words(d, GPU_DISP_DMABUF_UPDATE, v, 5)) {
		cancel(d, &d->upd_timer);
		return -1;
	}
	d->stats.dmabuf_updates++;
	d->upd_owed++;
	d->upd_wait = true;
	d->upd_done = done;
	d->upd_arg = arg;
	return 0;
}
