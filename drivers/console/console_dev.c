/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "console_dev.h"

/* Guest segments kept per held buffer; Linux posts one page per buffer. */
#define HELD_SEGS 8
/* Receive buffers filled per readiness callback, so one port cannot hog the worker. */
#define RX_BUDGET 64

/* Control messages owed to the guest, per port, sent lowest bit first. */
#define P_ADD 0x01
#define P_CONSOLE 0x02
#define P_RESIZE 0x04
#define P_NAME 0x08
#define P_OPEN 0x10

void (*console_quit_hook)(void);

/* A buffer the guest gave us that waits for data: guest addresses only. */
struct held {
	uint16_t id;
	uint8_t nseg;
	uint32_t len[HELD_SEGS];
	uint64_t gpa[HELD_SEGS];
};

/* FIFO of held buffers; never more than the ring size. */
struct heldq {
	struct held *e;
	uint32_t cap, head, n;
};

struct cport {
	struct console_port p; /* first: a console_port * is a cport * */
	struct heldq rx;
	struct vhd_vq *rxq, *txq;
	uint8_t *out;          /* CONSOLE_OUT_CAP bytes of guest output, a ring */
	uint32_t out_head, out_len;
	bool out_blocked;      /* the client's socket buffer is full: wait for EPOLLOUT */
	bool out_sock;         /* out_fd is a socket: send() with MSG_NOSIGNAL */
	bool tx_stalled;       /* handle() answered RETRY: wake the worker on room */
	uint32_t tx_need;      /* bytes of room the stalled chain needs */
	bool ready;            /* PORT_READY 1 seen */
	bool guest_open;       /* PORT_OPEN 1 seen */
	uint8_t pending;       /* P_* */
};

/* What outlives the backend process (vhd_device_ops.restart_state): per
 * port, what the guest's driver told it (MULTIPORT); SAVED_* bits.
 */
#define SAVED_READY 1u
#define SAVED_OPEN 2u
struct console_saved {
	uint8_t port[8];
};
_Static_assert(CONSOLE_MAX_PORTS <= 8, "a saved byte per port");

struct console_dev {
	struct vhd_device_ops ops;
	struct vhd_host *host;
	unsigned int nports;
	bool multiport;        /* MULTIPORT negotiated */
	bool size_feat;        /* F_SIZE negotiated */
	uint32_t size;         /* cols | rows << 16, read by get_config from any thread */
	struct heldq crx;
	struct vhd_vq *crxq;
	unsigned int rr;       /* next port to look at for control messages */
	int log_fd;
	bool log_ts, log_bol;
	struct console_dev_stats stats;
	struct console_saved *saved; /* in the frontend's in-flight area, or NULL */
	struct cport ports[CONSOLE_MAX_PORTS];
};

static void port_rewatch(struct cport *cp);
static void ctrl_fill(struct console_dev *dev);

/* Keep what the guest said of @p cp for a restarted backend. */
static void
port_save(struct cport *cp)
{
	struct console_saved *sv = cp->p.dev->saved;

	if (sv != NULL)
		sv->port[cp->p.id] = (uint8_t)((cp->ready ? SAVED_READY : 0) |
					       (cp->guest_open ? SAVED_OPEN : 0));
}

static struct cport *
cport_of(struct console_port *p)
{
	return (struct cport *)p;
}

/* ---- held buffers ---- */

static int
heldq_init(struct heldq *q, uint32_t cap)
{
	free(q->e);
	q->e = calloc(cap, sizeof(*q->e));
	q->cap = q->e != NULL ? cap : 0;
	q->head = q->n = 0;
	return q->e != NULL ? 0 : -ENOMEM;
}

static struct held *
heldq_front(struct heldq *q)
{
	return q->n > 0 ? &q->e[q->head] : NULL;
}

static void
heldq_pop(struct heldq *q)
{
	q->head = (q->head + 1) % q->cap;
	q->n--;
}

/*
 * Keep the writable part of @p req as guest addresses. @return 0, -1 when
 * it has nothing writable or a segment is not guest memory, -2 when full.
 */
static int
heldq_take(struct heldq *q, const struct vhd_vq *vq, struct vhd_req *req)
{
	struct iovec *wr = vhd_req_wr_iov(req);
	struct held *h;
	unsigned int i;

	if (req->wr_len == 0)
		return -1;
	if (q->n >= q->cap)
		return -2;
	h = &q->e[(q->head + q->n) % q->cap];
	h->id = req->id;
	h->nseg = 0;
	for (i = 0; i < req->n_wr && h->nseg < HELD_SEGS; i++) {
		if (wr[i].iov_len == 0)
			continue;
		if (vhd_mem_to_gpa(vq->mem, wr[i].iov_base, &h->gpa[h->nseg]) != 0)
			return -1;
		h->len[h->nseg++] = (uint32_t)wr[i].iov_len;
	}
	q->n++;
	return 0;
}

/* Translate @p h again (the memory table may have changed). @return segments or -1. */
static int
held_iov(const struct vhd_vq *vq, const struct held *h, struct iovec *iov)
{
	unsigned int i;

	for (i = 0; i < h->nseg; i++) {
		iov[i].iov_base = vhd_mem_translate(vq->mem, h->gpa[i], h->len[i]);
		iov[i].iov_len = h->len[i];
		if (iov[i].iov_base == NULL)
			return -1;
	}
	return (int)h->nseg;
}

/* Give every held buffer back empty (the queue stops for real). */
static void
heldq_release(struct heldq *q, struct vhd_vq *vq)
{
	struct held *h;

	if (vq == NULL) {
		q->n = 0;
		return;
	}
	while ((h = heldq_front(q)) != NULL) {
		vhd_vq_push(vq, h->id, 0);
		heldq_pop(q);
	}
	vhd_vq_notify(vq);
}

/* ---- host side of a port ---- */

static bool
rx_allowed(const struct cport *cp)
{
	return cp->rxq != NULL && (!cp->p.dev->multiport || cp->guest_open);
}

static void
io_cb(void *arg, int fd, uint32_t events);

static void
set_watch(struct cport *cp, int fd, uint32_t *cur, uint32_t ev)
{
	struct vhd_host *h = cp->p.dev->host;

	if (fd < 0 || h == NULL || *cur == ev)
		return;
	if (*cur != 0)
		h->unwatch_fd(h, fd);
	*cur = 0;
	if (ev != 0 && h->watch_fd(h, fd, ev, io_cb, cp) == 0)
		*cur = ev;
}

/* Watch the client's fds for exactly what the port can take now. */
static void
port_rewatch(struct cport *cp)
{
	struct console_port *p = &cp->p;
	uint32_t in = p->in_fd >= 0 && cp->rx.n > 0 && rx_allowed(cp) ? EPOLLIN : 0;
	uint32_t out = p->out_fd >= 0 && cp->out_len > 0 && cp->out_blocked ? EPOLLOUT : 0;

	if (p->in_fd >= 0 && p->in_fd == p->out_fd) {
		set_watch(cp, p->in_fd, &p->ev_in, in | out);
		return;
	}
	set_watch(cp, p->in_fd, &p->ev_in, in);
	set_watch(cp, p->out_fd, &p->ev_out, out);
}

static void
note_open_change(struct cport *cp)
{
	if (cp->p.dev->multiport && cp->ready) {
		cp->pending |= P_OPEN;
		ctrl_fill(cp->p.dev);
	}
}

/* Room again: the transmit queue may move (RETRY waits for a wake in interrupt mode). */
static void
tx_unstall(struct cport *cp)
{
	struct vhd_host *h = cp->p.dev->host;

	cp->tx_stalled = false;
	if (h != NULL)
		h->wake(h);
}

/* The client went away: give its fds back to the backend. Buffered output stays. */
static void
port_hangup(struct cport *cp)
{
	struct console_port *p = &cp->p;
	int in = p->in_fd, out = p->out_fd;

	if (in < 0 && out < 0)
		return;
	set_watch(cp, in, &p->ev_in, 0);
	set_watch(cp, out, &p->ev_out, 0);
	p->in_fd = p->out_fd = -1;
	cp->out_blocked = false;
	p->stats.disconnects++;
	if (p->be->hangup != NULL)
		p->be->hangup(p, in, out);
	if (cp->tx_stalled)
		tx_unstall(cp); /* nobody to wait for: the backlog takes it now */
	note_open_change(cp);
}

static ssize_t
port_write(struct cport *cp, const void *buf, size_t len)
{
	if (cp->out_sock)
		return send(cp->p.out_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	return write(cp->p.out_fd, buf, len);
}

/* Write buffered output to the client until it is empty or the client is full. */
static void
port_flush(struct cport *cp)
{
	struct console_port *p = &cp->p;

	while (cp->out_len > 0 && p->out_fd >= 0 && !cp->out_blocked) {
		uint32_t chunk = CONSOLE_OUT_CAP - cp->out_head;
		ssize_t n;

		if (chunk > cp->out_len)
			chunk = cp->out_len;
		n = port_write(cp, cp->out + cp->out_head, chunk);
		if (n > 0) {
			cp->out_head = (cp->out_head + (uint32_t)n) % CONSOLE_OUT_CAP;
			cp->out_len -= (uint32_t)n;
			p->stats.out_bytes += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			cp->out_blocked = true;
			break;
		}
		port_hangup(cp);
		break;
	}
	if (cp->out_len == 0)
		cp->out_head = 0;
	if (cp->tx_stalled && (CONSOLE_OUT_CAP - cp->out_len >= cp->tx_need || p->out_fd < 0))
		tx_unstall(cp);
}

/* Fill held receive buffers from the client, one used entry per buffer. */
static void
port_rx(struct cport *cp)
{
	struct console_port *p = &cp->p;
	struct iovec iov[HELD_SEGS];
	unsigned int budget = RX_BUDGET;
	bool pushed = false;
	struct held *h;

	while (p->in_fd >= 0 && rx_allowed(cp) && budget-- > 0 &&
	       (h = heldq_front(&cp->rx)) != NULL) {
		int n = held_iov(cp->rxq, h, iov);
		ssize_t r;

		if (n < 0) {
			/* Its memory is gone: back empty rather than held forever. */
			p->dev->stats.bad_bufs++;
			vhd_vq_push(cp->rxq, h->id, 0);
			heldq_pop(&cp->rx);
			pushed = true;
			continue;
		}
		r = readv(p->in_fd, iov, n);
		if (r > 0 && p->be->filter != NULL && iov[0].iov_len >= (size_t)r) {
			r = (ssize_t)p->be->filter(p, iov[0].iov_base, (size_t)r);
			if (r == 0)
				break; /* nothing for the guest: the buffer stays held */
		}
		if (r > 0) {
			vhd_vq_push(cp->rxq, h->id, (uint32_t)r);
			heldq_pop(&cp->rx);
			p->stats.rx_bytes += (uint64_t)r;
			p->stats.rx_bufs++;
			pushed = true;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		port_hangup(cp);
		break;
	}
	if (pushed)
		vhd_vq_notify(cp->rxq);
}

static void
io_cb(void *arg, int fd, uint32_t events)
{
	struct cport *cp = arg;
	struct console_port *p = &cp->p;

	/* Events may be stale (fd swapped within one epoll batch): all I/O is non-blocking. */
	if (fd == p->out_fd && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) {
		cp->out_blocked = false;
		port_flush(cp);
	}
	if (fd == p->in_fd && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0)
		port_rx(cp);
	port_rewatch(cp);
}

void
console_port_connect(struct console_port *p, int in_fd, int out_fd)
{
	struct cport *cp = cport_of(p);
	struct stat st;

	p->in_fd = in_fd;
	p->out_fd = out_fd;
	p->ev_in = p->ev_out = 0;
	cp->out_blocked = false;
	cp->out_sock = out_fd >= 0 && fstat(out_fd, &st) == 0 && S_ISSOCK(st.st_mode);
	p->stats.connects++;
	port_flush(cp);
	if (p->in_fd >= 0)
		port_rx(cp);
	port_rewatch(cp);
	note_open_change(cp);
}

void
console_port_probe(struct console_port *p)
{
	char c;
	ssize_t n;

	if (p->in_fd < 0)
		return;
	n = recv(p->in_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		port_hangup(cport_of(p));
}

bool
console_port_connected(const struct console_port *p)
{
	return p->in_fd >= 0 || p->out_fd >= 0;
}

struct vhd_host *
console_port_host(struct console_port *p)
{
	return p->dev->host;
}

/* How often a terminal's window size is looked at. */
#define SIZE_POLL_NS 100000000L

static void
size_cb(void *arg, int fd, uint32_t events)
{
	uint64_t ticks;

	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) < 0) {
		/* not expired: a stale event */
	}
	console_port_size_changed(arg);
}

void
console_port_watch_size(struct console_port *p)
{
	struct itimerspec it = {{0, SIZE_POLL_NS}, {0, SIZE_POLL_NS}};
	struct vhd_host *h = p->dev->host;

	if (h == NULL || p->size_fd >= 0)
		return;
	p->size_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (p->size_fd < 0)
		return;
	if (timerfd_settime(p->size_fd, 0, &it, NULL) != 0 ||
	    h->watch_fd(h, p->size_fd, EPOLLIN, size_cb, p) != 0) {
		close(p->size_fd);
		p->size_fd = -1;
	}
}

void
console_port_unwatch_size(struct console_port *p)
{
	struct vhd_host *h = p->dev->host;

	if (p->size_fd < 0)
		return;
	if (h != NULL)
		h->unwatch_fd(h, p->size_fd);
	close(p->size_fd);
	p->size_fd = -1;
}

void
console_port_quit(struct console_port *p)
{
	(void)p;
	if (console_quit_hook != NULL)
		console_quit_hook();
}

void
console_port_size_changed(struct console_port *p)
{
	struct console_dev *dev = p->dev;
	uint16_t cols = 0, rows = 0;
	uint32_t v;
	int rc;

	if (p->id != 0 || p->be->winsize == NULL || p->be->winsize(p, &cols, &rows) != 0)
		return;
	v = (uint32_t)cols | (uint32_t)rows << 16;
	if (v == __atomic_load_n(&dev->size, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&dev->size, v, __ATOMIC_RELAXED);
	p->stats.resizes++;
	if (dev->multiport) {
		if (dev->ports[0].ready) {
			dev->ports[0].pending |= P_RESIZE;
			ctrl_fill(dev);
		}
		return;
	}
	if (dev->size_feat && dev->host != NULL) {
		rc = dev->host->config_changed(dev->host);
		if (rc != 0)
			dev->stats.config_changed_err++;
	}
}

/* ---- guest output ---- */

static void
log_write(struct console_dev *dev, const uint8_t *buf, size_t len)
{
	size_t i = 0;

	if (dev->log_fd < 0)
		return;
	while (i < len) {
		size_t j = i;
		char ts[40];
		struct timespec t;
		int n;

		if (dev->log_ts && dev->log_bol) {
			clock_gettime(CLOCK_REALTIME, &t);
			n = snprintf(ts, sizeof(ts), "[%lld.%06ld] ", (long long)t.tv_sec,
				     t.tv_nsec / 1000);
			if (n > 0 && write(dev->log_fd, ts, (size_t)n) < 0)
				return;
			dev->log_bol = false;
		}
		while (j < len && (!dev->log_ts || buf[j] != '\n'))
			j++;
		if (j < len) {
			j++;
			dev->log_bol = true;
		}
		if (write(dev->log_fd, buf + i, j - i) < 0)
			return;
		i = j;
	}
}

/* Make room for @p need bytes by dropping the oldest (nobody to send them to). */
static void
out_drop_oldest(struct cport *cp, uint32_t need)
{
	uint32_t room = CONSOLE_OUT_CAP - cp->out_len, drop;

	if (room >= need)
		return;
	drop = need - room;
	if (drop > cp->out_len)
		drop = cp->out_len;
	cp->out_head = (cp->out_head + drop) % CONSOLE_OUT_CAP;
	cp->out_len -= drop;
	cp->p.stats.backlog_dropped += drop;
}

/* Append @p len bytes of readable part of @p req (from @p off), which fit. */
static void
out_append_req(struct cport *cp, const struct vhd_req *req, uint32_t off, uint32_t len)
{
	while (len > 0) {
		uint32_t tail = (cp->out_head + cp->out_len) % CONSOLE_OUT_CAP;
		uint32_t chunk = CONSOLE_OUT_CAP - tail;

		if (chunk > len)
			chunk = len;
		vhd_req_read(req, off, cp->out + tail, chunk);
		if (cp->p.id == 0)
			log_write(cp->p.dev, cp->out + tail, chunk);
		cp->out_len += chunk;
		off += chunk;
		len -= chunk;
	}
}

static int
handle_tx(struct console_dev *dev, struct cport *cp, struct vhd_req *req)
{
	struct console_port *p = &cp->p;
	uint32_t len = req->rd_len, off = 0;

	if (len > CONSOLE_OUT_CAP) {
		/* Longer than the whole buffer (Linux sends 32 KiB at most): keep the end. */
		off = len - CONSOLE_OUT_CAP;
		p->stats.tx_truncated += off;
		len = CONSOLE_OUT_CAP;
	}
	if (len > CONSOLE_OUT_CAP - cp->out_len) {
		if (p->out_fd >= 0)
			port_flush(cp);
		if (p->out_fd >= 0 && len > CONSOLE_OUT_CAP - cp->out_len) {
			/* A client that does not keep up stalls this queue only. */
			if (!cp->tx_stalled)
				p->stats.stalls++;
			cp->tx_stalled = true;
			cp->tx_need = len;
			port_rewatch(cp);
			return VHD_REQ_RETRY;
		}
		out_drop_oldest(cp, len);
	}
	if (off == 0 && len == 0 && req->n_rd == 0)
		dev->stats.bad_bufs++;
	out_append_req(cp, req, off, len);
	p->stats.tx_bytes += len;
	p->stats.tx_bufs++;
	port_flush(cp);
	port_rewatch(cp);
	return 0;
}

static int
handle_rx(struct console_dev *dev, struct cport *cp, struct vhd_vq *vq, struct vhd_req *req)
{
	if (heldq_take(&cp->rx, vq, req) != 0) {
		dev->stats.bad_bufs++;
		return 0;
	}
	cp->rxq = vq;
	port_rewatch(cp);
	return VHD_REQ_HELD;
}

/* ---- control queues ---- */

static uint32_t
ctrl_build(struct console_dev *dev, struct cport *cp, uint8_t bit, uint8_t *msg)
{
	struct console_control c = {htole32(cp->p.id), 0, htole16(1)};
	uint32_t len = sizeof(c);
	uint32_t size;

	switch (bit) {
	case P_ADD:
		c.event = htole16(CONSOLE_DEVICE_ADD);
		break;
	case P_CONSOLE:
		c.event = htole16(CONSOLE_CONSOLE_PORT);
		break;
	case P_RESIZE: {
		struct console_resize r;

		size = __atomic_load_n(&dev->size, __ATOMIC_RELAXED);
		r.cols = htole16((uint16_t)size);
		r.rows = htole16((uint16_t)(size >> 16));
		c.event = htole16(CONSOLE_RESIZE);
		c.value = 0;
		memcpy(msg + len, &r, sizeof(r));
		len += sizeof(r);
		break;
	}
	case P_NAME:
		c.event = htole16(CONSOLE_PORT_NAME);
		memcpy(msg + len, cp->p.spec.name, strlen(cp->p.spec.name));
		len += (uint32_t)strlen(cp->p.spec.name);
		break;
	default:
		c.event = htole16(CONSOLE_PORT_OPEN);
		c.value = htole16(console_port_connected(&cp->p) ? 1 : 0);
		break;
	}
	memcpy(msg, &c, sizeof(c));
	return len;
}

/* Send owed control messages into held control receive buffers. */
static void
ctrl_fill(struct console_dev *dev)
{
	uint8_t msg[sizeof(struct console_control) + CONSOLE_NAME_MAX];
	struct iovec iov[HELD_SEGS];
	bool pushed = false;
	struct held *h;

	while (dev->crxq != NULL && (h = heldq_front(&dev->crx)) != NULL) {
		struct cport *cp = NULL;
		unsigned int i;
		uint32_t len, total = 0;
		uint8_t bit;
		int n;

		for (i = 0; i < dev->nports && cp == NULL; i++) {
			struct cport *c = &dev->ports[(dev->rr + i) % dev->nports];

			if (c->pending != 0)
				cp = c;
		}
		if (cp == NULL)
			break;
		bit = (uint8_t)(cp->pending & -cp->pending);
		n = held_iov(dev->crxq, h, iov);
		for (i = 0; n > 0 && i < (unsigned int)n; i++)
			total += (uint32_t)iov[i].iov_len;
		if (n < 0 || total < sizeof(struct console_control)) {
			/* Unusable buffer: back empty, the message waits for the next one. */
			dev->stats.bad_bufs++;
			vhd_vq_push(dev->crxq, h->id, 0);
			heldq_pop(&dev->crx);
			pushed = true;
			continue;
		}
		len = ctrl_build(dev, cp, bit, msg);
		if (len > total) {
			dev->stats.ctrl_short_buf++;
			len = total;
		}
		vhd_iov_from_buf(iov, (unsigned int)n, 0, msg, len);
		vhd_vq_push(dev->crxq, h->id, len);
		heldq_pop(&dev->crx);
		cp->pending &= (uint8_t)~bit;
		dev->rr = (cp->p.id + 1) % dev->nports;
		dev->stats.ctrl_out++;
		pushed = true;
	}
	if (pushed)
		vhd_vq_notify(dev->crxq);
}

static int
handle_ctrl_tx(struct console_dev *dev, struct vhd_req *req)
{
	struct console_control c;
	struct cport *cp;
	uint16_t ev, val;
	uint32_t id;
	unsigned int i;

	if (req->rd_len < sizeof(c)) {
		dev->stats.ctrl_bad++;
		return 0;
	}
	vhd_req_read(req, 0, &c, sizeof(c));
	id = le32toh(c.id);
	ev = le16toh(c.event);
	val = le16toh(c.value);
	dev->stats.ctrl_in++;
	if (ev == CONSOLE_DEVICE_READY) {
		if (val != 1) {
			dev->stats.port_failed++;
			return 0;
		}
		/* The driver (re)starts: every port is new to it. */
		for (i = 0; i < dev->nports; i++) {
			dev->ports[i].ready = false;
			dev->ports[i].guest_open = false;
			dev->ports[i].pending = P_ADD;
			port_save(&dev->ports[i]);
			port_rewatch(&dev->ports[i]);
		}
		ctrl_fill(dev);
		return 0;
	}
	if (id >= dev->nports || (ev != CONSOLE_PORT_READY && ev != CONSOLE_PORT_OPEN)) {
		dev->stats.ctrl_bad++;
		return 0;
	}
	cp = &dev->ports[id];
	if (ev == CONSOLE_PORT_READY) {
		if (val != 1) {
			dev->stats.port_failed++;
			return 0;
		}
		cp->ready = true;
		port_save(cp);
		if (id == 0)
			cp->pending |= P_CONSOLE;
		if (id == 0 && __atomic_load_n(&dev->size, __ATOMIC_RELAXED) != 0)
			cp->pending |= P_RESIZE;
		if (cp->p.spec.name[0] != '\0')
			cp->pending |= P_NAME;
		if (console_port_connected(&cp->p))
			cp->pending |= P_OPEN;
		ctrl_fill(dev);
		return 0;
	}
	cp->guest_open = val != 0;
	port_save(cp);
	if (cp->guest_open)
		port_rx(cp);
	port_rewatch(cp);
	return 0;
}

static int
handle_ctrl_rx(struct console_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	if (heldq_take(&dev->crx, vq, req) != 0) {
		dev->stats.bad_bufs++;
		return 0;
	}
	dev->crxq = vq;
	ctrl_fill(dev);
	return VHD_REQ_HELD;
}

/* ---- device ops ---- */

/* Port of queue @p q, and whether it is its rx queue; NULL for control queues. */
static struct cport *
port_of_queue(struct console_dev *dev, uint16_t q, bool *rx)
{
	unsigned int p;

	if (q == CONSOLE_Q_CTRL_RX || q == CONSOLE_Q_CTRL_TX)
		return NULL;
	p = q < 2 ? 0 : (unsigned int)(q - 2) / 2;
	*rx = (q % 2) == 0;
	return p < dev->nports ? &dev->ports[p] : NULL;
}

static int
console_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct console_dev *dev = priv;
	struct cport *cp;
	bool rx = false;

	if (q == CONSOLE_Q_CTRL_RX)
		return handle_ctrl_rx(dev, vq, req);
	if (q == CONSOLE_Q_CTRL_TX)
		return handle_ctrl_tx(dev, req);
	cp = port_of_queue(dev, q, &rx);
	if (cp == NULL) {
		dev->stats.bad_bufs++;
		return 0;
	}
	if (rx)
		return handle_rx(dev, cp, vq, req);
	cp->txq = vq;
	return handle_tx(dev, cp, req);
}

static int
console_queue_start(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct console_dev *dev = priv;
	struct cport *cp;
	bool rx = false;

	if (q == CONSOLE_Q_CTRL_RX) {
		/* Started only from stopped, where nothing is held; never drop one anyway. */
		heldq_release(&dev->crx, dev->crx.n > 0 ? vq : NULL);
		dev->crxq = vq;
		return heldq_init(&dev->crx, vq->size);
	}
	if (q == CONSOLE_Q_CTRL_TX)
		return 0;
	cp = port_of_queue(dev, q, &rx);
	if (cp == NULL)
		return 0;
	if (!rx) {
		cp->txq = vq;
		return 0;
	}
	heldq_release(&cp->rx, cp->rx.n > 0 ? vq : NULL);
	cp->rxq = vq;
	return heldq_init(&cp->rx, vq->size);
}

static void
console_queue_stop(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct console_dev *dev = priv;
	struct cport *cp;
	bool rx = false;

	if (q == CONSOLE_Q_CTRL_RX) {
		heldq_release(&dev->crx, vq);
		dev->crxq = NULL;
		return;
	}
	cp = port_of_queue(dev, q, &rx);
	if (cp == NULL)
		return;
	if (rx) {
		heldq_release(&cp->rx, vq);
		cp->rxq = NULL;
		port_rewatch(cp);
	} else {
		cp->txq = NULL;
		cp->tx_stalled = false;
	}
}

static void
console_set_features(void *priv, uint64_t features)
{
	struct console_dev *dev = priv;

	dev->multiport = (features & VHD_BIT(CONSOLE_F_MULTIPORT)) != 0;
	dev->size_feat = (features & VHD_BIT(CONSOLE_F_SIZE)) != 0;
}

static void
console_attach(void *priv, struct vhd_host *host)
{
	struct console_dev *dev = priv;
	unsigned int i;

	dev->host = host;
	for (i = 0; i < dev->nports; i++) {
		struct console_port *p = &dev->ports[i].p;

		if (p->be->attach != NULL)
			p->be->attach(p);
		port_rewatch(&dev->ports[i]);
	}
}

static void
config_now(const struct console_dev *dev, uint8_t *buf)
{
	uint32_t size = __atomic_load_n(&dev->size, __ATOMIC_RELAXED);
	struct console_config c = {
		.cols = htole16((uint16_t)size),
		.rows = htole16((uint16_t)(size >> 16)),
		.max_nr_ports = htole32(dev->nports),
		.emerg_wr = 0,
	};

	memcpy(buf, &c, sizeof(c));
}

static int
console_get_config(void *priv, uint8_t *buf, uint32_t off, uint32_t len)
{
	uint8_t cfg[CONSOLE_CFG_SIZE];

	if (off > CONSOLE_CFG_SIZE || len > CONSOLE_CFG_SIZE - off)
		return -EINVAL;
	config_now(priv, cfg);
	memcpy(buf, cfg + off, len);
	return 0;
}

/*
 * Only emerg_wr is writable. QEMU's generic device forwards every guest write
 * as the whole config space at offset 0, so a write covering emerg_wr with a
 * non-zero value is one emergency byte (reads return 0 there, so a stale
 * value is not sent twice unless the guest writes another field without
 * reading in between).
 */
static int
console_set_config(void *priv, const uint8_t *buf, uint32_t off, uint32_t len)
{
	struct console_dev *dev = priv;
	struct cport *cp = &dev->ports[0];
	uint32_t v;
	uint8_t ch;

	if (off > CONSOLE_CFG_SIZE || len > CONSOLE_CFG_SIZE - off)
		return -EINVAL;
	if (off > CONSOLE_CFG_EMERG_OFF || off + len < CONSOLE_CFG_SIZE)
		return 0;
	memcpy(&v, buf + (CONSOLE_CFG_EMERG_OFF - off), sizeof(v));
	v = le32toh(v);
	if (v == 0)
		return 0;
	ch = (uint8_t)v;
	/* The guest is dying, maybe: never wait, drop the oldest byte if full. */
	out_drop_oldest(cp, 1);
	cp->out[(cp->out_head + cp->out_len) % CONSOLE_OUT_CAP] = ch;
	cp->out_len++;
	log_write(dev, &ch, 1);
	dev->stats.emerg_bytes++;
	port_flush(cp);
	port_rewatch(cp);
	return 0;
}

static void
console_get_stats(void *priv, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	struct console_dev *dev = priv;
	const struct console_dev_stats *s = &dev->stats;
	unsigned int i;
	char name[64];

	put(ctx, "ctrl_in", s->ctrl_in);
	put(ctx, "ctrl_out", s->ctrl_out);
	put(ctx, "ctrl_bad", s->ctrl_bad);
	put(ctx, "ctrl_short_buf", s->ctrl_short_buf);
	put(ctx, "bad_bufs", s->bad_bufs);
	put(ctx, "port_failed", s->port_failed);
	put(ctx, "emerg_bytes", s->emerg_bytes);
	put(ctx, "config_changed_err", s->config_changed_err);
	for (i = 0; i < dev->nports; i++) {
		const struct cport *cp = &dev->ports[i];
		const struct console_port_stats *ps = &cp->p.stats;
		const struct {
			const char *n;
			uint64_t v;
		} f[] = {
			{"rx_bytes", ps->rx_bytes}, {"rx_bufs", ps->rx_bufs},
			{"tx_bytes", ps->tx_bytes}, {"tx_bufs", ps->tx_bufs},
			{"out_bytes", ps->out_bytes}, {"backlog_dropped", ps->backlog_dropped},
			{"tx_truncated", ps->tx_truncated}, {"stalls", ps->stalls},
			{"connects", ps->connects}, {"disconnects", ps->disconnects},
			{"refused", ps->refused}, {"resizes", ps->resizes},
		};
		unsigned int k;
		unsigned int pts;

		for (k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
			snprintf(name, sizeof(name), "port%u_%s", i, f[k].n);
			put(ctx, name, f[k].v);
		}
		/* The pty's path is /dev/pts/<this>: telemetry values are numbers. */
		if (sscanf(cp->p.path, "/dev/pts/%u", &pts) == 1) {
			snprintf(name, sizeof(name), "port%u_pty", i);
			put(ctx, name, pts);
		}
	}
}

/*
 * Restart hook (MULTIPORT): the guest's driver said DEVICE_READY, PORT_READY
 * and PORT_OPEN to the dead process and will not again, so a restarted one
 * takes them back, or it would give host input to no port. Each ready port
 * is told its host side's state now (the dead process's client was cut
 * off: PORT_OPEN 0 until one connects).
 */
static void
console_restart_state(void *priv, void *state, bool restored)
{
	struct console_dev *dev = priv;
	unsigned int i;

	dev->saved = state;
	if (state == NULL)
		return;
	for (i = 0; i < dev->nports; i++) {
		struct cport *cp = &dev->ports[i];
		uint8_t v = dev->saved->port[i];

		/* the frontend's memory: anything but known bits is ignored */
		if (restored && dev->multiport && (v & ~(SAVED_READY | SAVED_OPEN)) == 0 &&
		    (v & SAVED_READY) != 0) {
			cp->ready = true;
			cp->guest_open = (v & SAVED_OPEN) != 0;
			cp->pending |= P_OPEN;
		}
	}
	memset(dev->saved, 0, sizeof(*dev->saved));
	for (i = 0; i < dev->nports; i++)
		port_save(&dev->ports[i]);
}

static const struct vhd_device_ops console_ops_template = {
	.name = "console",
	.virtio_id = CONSOLE_VIRTIO_ID,
	.config_size = CONSOLE_CFG_SIZE,
	.held_survive_remap = true,
	.restart_state_size = sizeof(struct console_saved),
	.attach = console_attach,
	.get_config = console_get_config,
	.set_config = console_set_config,
	.set_features = console_set_features,
	.queue_start = console_queue_start,
	.queue_stop = console_queue_stop,
	.handle = console_handle,
	.restart_state = console_restart_state,
	.get_stats = console_get_stats,
};

struct console_dev *
console_dev_create(const struct console_dev_conf *conf, char *msg, size_t len)
{
	struct console_dev *dev;
	unsigned int i;
	uint16_t cols = 0, rows = 0;

	if (conf->nports == 0 || conf->nports > CONSOLE_MAX_PORTS) {
		snprintf(msg, len, "ports must be 1..%u", CONSOLE_MAX_PORTS);
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		snprintf(msg, len, "out of memory");
		return NULL;
	}
	dev->ops = console_ops_template;
	dev->ops.num_queues = console_num_queues(conf->nports);
	dev->ops.max_queue_size = conf->max_queue_size;
	dev->ops.features = VHD_BIT(CONSOLE_F_MULTIPORT) | VHD_BIT(CONSOLE_F_EMERG_WRITE);
	dev->nports = conf->nports;
	dev->log_fd = conf->log_fd;
	dev->log_ts = conf->log_timestamps;
	dev->log_bol = true;
	for (i = 0; i < CONSOLE_MAX_PORTS; i++) {
		struct console_port *p = &dev->ports[i].p;

		p->dev = dev;
		p->id = i;
		p->listen_fd = p->keep_fd = p->size_fd = p->in_fd = p->out_fd = -1;
	}
	for (i = 0; i < conf->nports; i++) {
		struct cport *cp = &dev->ports[i];
		struct console_port *p = &cp->p;
		char why[160];

		p->spec = conf->ports[i];
		p->be = console_backend(p->spec.kind);
		if (p->be == NULL)
			p->be = &console_null_ops;
		cp->out = malloc(CONSOLE_OUT_CAP);
		if (cp->out == NULL) {
			snprintf(msg, len, "out of memory");
			goto fail;
		}
		why[0] = '\0';
		if (p->be->open(p, why, sizeof(why)) != 0) {
			snprintf(msg, len, "port %u (%s): %s", i, p->be->kind, why);
			goto fail;
		}
		if (p->path[0] != '\0' && p->spec.kind == CONSOLE_PTY && !conf->quiet)
			printf("console: socket %u port %u: pty %s\n", conf->sock_idx, i, p->path);
	}
	if (dev->ports[0].p.be->winsize != NULL) {
		dev->ops.features |= VHD_BIT(CONSOLE_F_SIZE);
		if (dev->ports[0].p.be->winsize(&dev->ports[0].p, &cols, &rows) == 0)
			dev->size = (uint32_t)cols | (uint32_t)rows << 16;
	}
	fflush(stdout);
	return dev;
fail:
	console_dev_destroy(dev);
	return NULL;
}

void
console_dev_destroy(struct console_dev *dev)
{
	unsigned int i;

	if (dev == NULL)
		return;
	/* The rings are gone: nothing more goes to the guest. */
	dev->multiport = false;
	dev->crxq = NULL;
	for (i = 0; i < dev->nports; i++)
		dev->ports[i].rxq = dev->ports[i].txq = NULL;
	for (i = 0; i < dev->nports; i++) {
		struct cport *cp = &dev->ports[i];
		struct console_port *p = &cp->p;

		if (p->be != NULL) {
			port_hangup(cp);
			p->be->close(p);
		}
		free(cp->out);
		free(cp->rx.e);
	}
	free(dev->crx.e);
	free(dev);
}

const struct vhd_device_ops *
console_dev_ops(const struct console_dev *dev)
{
	return &dev->ops;
}

struct console_port *
console_dev_port(struct console_dev *dev, unsigned int i)
{
	return i < dev->nports ? &dev->ports[i].p : NULL;
}

unsigned int
console_dev_held_rx(const struct console_dev *dev, unsigned int i)
{
	return i < dev->nports ? dev->ports[i].rx.n : 0;
}

unsigned int
console_dev_held_ctrl(const struct console_dev *dev)
{
	return dev->crx.n;
}

uint32_t
console_dev_buffered(const struct console_dev *dev, unsigned int i)
{
	return i < dev->nports ? dev->ports[i].out_len : 0;
}

const struct console_dev_stats *
console_dev_stats(const struct console_dev *dev)
{
	return &dev->stats;
}

bool
console_dev_guest_open(const struct console_dev *dev, unsigned int i)
{
	return i < dev->nports && (!dev->multiport || dev->ports[i].guest_open);
}
