/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhd_virtio.h"
#include "vsock_dev.h"
#include "vsock_line.h"
#include "vsock_proto.h"
#include "vsock_sock.h"

#define HASH_BUCKETS 4096
#define RST_RING 256
#define EVENTS_BURST 64
#define ACCEPT_BURST 32
/* A host program's CONNECT line and the guest's answer to our REQUEST must
 * come within this; a connection stuck in set-up is dropped (RST to the
 * guest when it got a REQUEST).
 */
#define SETUP_TIMEOUT_NS (5ULL * 1000000000ULL)
#define SWEEP_NS 1000000000ULL
/* Host-side ports of host-initiated connections, as Firecracker does. */
#define LOCAL_PORT_BASE (1u << 30)
/* SEQPACKET: complete guest records waiting for the host socket, at most. */
#define REC_MAX 256
/* hdr.flags of SEQPACKET OP_RW */
#define SEQ_EOM 1u
#define SEQ_EOR 2u
/* Sibling packets waiting for one guest's rx buffers, at most (a guest that
 * respects its peer's credit never comes near). */
#define INBOX_MAX_PKTS 4096
#define INBOX_MAX_BYTES (16u << 20)
/* Largest packet a guest may send to a sibling (Linux's largest is 64 KiB). */
#define SIB_MAX_LEN 65536u
#define MAX_GROUPS 16

enum conn_state {
	CONN_LISTENER,   /* not a connection: a listening socket's epoll tag */
	CONN_HCONNECT,   /* forward mode: our connect to the host is in progress */
	CONN_LINE,       /* host connected, reading its CONNECT line */
	CONN_CONNECTING, /* REQUEST sent to the guest, waiting for RESPONSE */
	CONN_CONNECTED,
};

/* Control packets a connection owes the guest. */
#define PEND_REQUEST 1u
#define PEND_RESPONSE 2u
#define PEND_CREDIT_UPDATE 4u
#define PEND_RST 8u

struct conn {
	struct vsock_dev *d;
	struct conn *hnext;             /* hash chain */
	struct conn *rnext, *rprev;     /* ready list */
	struct conn *anext, *aprev;     /* every connection */
	bool hashed, ready, in_epoll, hup;
	bool rx_ready;                  /* host socket may have data: try reading */
	bool rdhup;                     /* the host program shut its sending side */
	bool credit_req_sent;
	enum conn_state state;
	uint16_t type;                  /* VSOCK_TYPE_STREAM or _SEQPACKET */
	int fd;
	uint32_t ev_mask;               /* events registered in the device's epoll */
	uint32_t local_port, peer_port; /* a listener's: the guest port it leads to */
	bool ok_line;                   /* answer "OK <port>" (hybrid mode) */
	uint32_t pend;
	uint64_t setup_deadline;        /* LINE, CONNECTING: give up at this time */
	uint32_t peer_shut;             /* SHUTDOWN flags the guest sent */
	uint32_t local_shut;            /* SHUTDOWN flags we sent */
	/* credit: guest to host */
	uint32_t rx_cnt, fwd_cnt, last_fwd_sent;
	/* credit: host to guest */
	uint32_t tx_cnt, peer_buf_alloc, peer_fwd_cnt;
	/* guest data not yet written to the host socket (ring, lazily allocated) */
	uint8_t *buf;
	uint32_t buf_head, buf_len;
	uint32_t uncounted;             /* bytes at its head that are not guest data (OK line) */
	/* SEQPACKET to the host: lengths of the complete records at the head of
	 * buf (a ring of REC_MAX), and the bytes of the record still open at its
	 * tail (no EOM yet). */
	uint32_t *recs;
	uint32_t rec_head, rec_n, rec_open;
	/* SEQPACKET to the guest: one host record bigger than the rx buffer or
	 * the credit, sent in pieces, EOM on the last. */
	uint8_t *in;
	uint32_t in_len, in_off;
	struct vsock_line line;
};

struct rst_pkt {
	uint64_t src_cid;            /* the host, or the sibling the guest addressed */
	uint32_t src_port, dst_port; /* as sent: ours, the guest's */
	uint16_t type;
};

/* A packet from a sibling guest, forwarded as it came (split to fit rx buffers). */
struct sib_pkt {
	struct sib_pkt *next;
	uint32_t len, off;
	struct vsock_hdr h;
	uint8_t data[];
};

struct vsock_stats {
	uint64_t conns_opened, conns_closed, host_connects, guest_connects, refused;
	uint64_t rst_sent, rst_dropped, bad_pkts, bad_cid, credit_violations, bad_lines;
	uint64_t to_guest_bytes, to_host_bytes, rx_short, setup_timeouts;
	uint64_t seq_records_in, seq_records_out, seq_too_big;
	uint64_t sib_forwarded, sib_refused, sib_dropped, sib_delivered;
	uint64_t transport_resets, event_short;
};

struct vsock_dev {
	struct vsock_dev_config cfg;
	struct vhd_device_ops ops; /* vsock_dev_ops with this device's queue size */
	char uds_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct vhd_host *host;
	int epfd;
	bool watched;
	bool seqpacket; /* VIRTIO_VSOCK_F_SEQPACKET negotiated */
	uint8_t config[8];
	struct conn *hash[HASH_BUCKETS];
	struct conn *ready_head, *ready_tail;
	struct conn *all;
	struct rst_pkt rst[RST_RING];
	unsigned int rst_head, rst_n;
	unsigned int nconns;
	uint32_t next_port;
	struct vhd_timer sweep;
	bool sweep_armed;
	/* Listening sockets: the uds-path one, or one per --forward-listen port. */
	struct conn *ltags;
	unsigned int nltags;
	struct vsock_sock_ops sock; /* forward mode */
	bool forward;
	struct vsock_stats st;
	/* Siblings: this guest's groups; packets other guests sent it (their
	 * workers push, ours pops). */
	char groups_buf[128];
	const char *groups[MAX_GROUPS];
	unsigned int ngroups;
	struct vsock_dev *reg_next;
	pthread_mutex_t inbox_lock;
	struct sib_pkt *inbox_head, *inbox_tail;
	unsigned int inbox_n;    /* atomic reads without the lock */
	uint32_t inbox_bytes;
	bool rx_live;            /* atomic: a driver's rx queue runs */
	bool sib_turn;           /* rx: the sibling inbox goes next */
	/* Event queue (when a frontend hands it to us; QEMU keeps it) */
	uint64_t sessions;       /* frontends served */
	bool event_pending;      /* TRANSPORT_RESET owed to the guest */
	uint8_t rings_seen;      /* queues started once in this process */
};

/* Every device of the process, for sibling lookups. */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vsock_dev *reg_head;

static unsigned int
hash_of(uint32_t local, uint32_t peer)
{
	return (local * 2654435761u ^ peer * 40503u) % HASH_BUCKETS;
}

static struct conn *
conn_lookup(struct vsock_dev *d, uint32_t local, uint32_t peer)
{
	struct conn *c;

	for (c = d->hash[hash_of(local, peer)]; c != NULL; c = c->hnext)
		if (c->local_port == local && c->peer_port == peer)
			return c;
	return NULL;
}

static void
conn_hash(struct vsock_dev *d, struct conn *c)
{
	unsigned int h = hash_of(c->local_port, c->peer_port);

	c->hnext = d->hash[h];
	d->hash[h] = c;
	c->hashed = true;
}

static void
conn_unhash(struct vsock_dev *d, struct conn *c)
{
	struct conn **p;

	if (!c->hashed)
		return;
	for (p = &d->hash[hash_of(c->local_port, c->peer_port)]; *p != NULL; p = &(*p)->hnext)
		if (*p == c) {
			*p = c->hnext;
			break;
		}
	c->hashed = false;
}

static void
ready_remove(struct vsock_dev *d, struct conn *c)
{
	if (!c->ready)
		return;
	if (c->rprev != NULL)
		c->rprev->rnext = c->rnext;
	else
		d->ready_head = c->rnext;
	if (c->rnext != NULL)
		c->rnext->rprev = c->rprev;
	else
		d->ready_tail = c->rprev;
	c->rnext = c->rprev = NULL;
	c->ready = false;
}

static void
ready_add(struct vsock_dev *d, struct conn *c)
{
	if (c->ready)
		return;
	c->rprev = d->ready_tail;
	c->rnext = NULL;
	if (d->ready_tail != NULL)
		d->ready_tail->rnext = c;
	else
		d->ready_head = c;
	d->ready_tail = c;
	c->ready = true;
}

static void
wake(struct vsock_dev *d)
{
	if (d->host != NULL && d->host->wake != NULL)
		d->host->wake(d->host);
}

static bool
can_send_data(const struct conn *c)
{
	return c->state == CONN_CONNECTED && !(c->peer_shut & VSOCK_SHUTDOWN_RCV) &&
	       !(c->local_shut & VSOCK_SHUTDOWN_SEND);
}

/* Whether the next rx buffer has something for this connection. */
static bool
conn_has_output(const struct conn *c)
{
	if (c->pend != 0)
		return true;
	if ((!c->rx_ready && c->in == NULL) || !can_send_data(c))
		return false;
	if (vsock_credit(c->peer_buf_alloc, c->peer_fwd_cnt, c->tx_cnt) > 0)
		return true;
	return !c->credit_req_sent;
}

static void
conn_kick(struct vsock_dev *d, struct conn *c)
{
	if (conn_has_output(c) && !c->ready) {
		ready_add(d, c);
		wake(d);
	}
}

static uint64_t
now_ns(struct vsock_dev *d)
{
	return d->host != NULL && d->host->now_ns != NULL ? d->host->now_ns(d->host) : 0;
}

static void
sweep_arm(struct vsock_dev *d)
{
	if (d->sweep_armed || d->host == NULL || d->host->timer_arm == NULL)
		return;
	if (d->host->timer_arm(d->host, &d->sweep, now_ns(d) + SWEEP_NS) == 0)
		d->sweep_armed = true;
}

static void
setup_deadline(struct vsock_dev *d, struct conn *c)
{
	c->setup_deadline = now_ns(d) + SETUP_TIMEOUT_NS;
	sweep_arm(d);
}

static void
conn_free(struct vsock_dev *d, struct conn *c)
{
	ready_remove(d, c);
	conn_unhash(d, c);
	if (c->aprev != NULL)
		c->aprev->anext = c->anext;
	else
		d->all = c->anext;
	if (c->anext != NULL)
		c->anext->aprev = c->aprev;
	if (c->fd >= 0) {
		if (c->in_epoll)
			epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	free(c->buf);
	free(c->recs);
	free(c->in);
	free(c);
	d->nconns--;
	d->st.conns_closed++;
}

static int conn_flush(struct vsock_dev *d, struct conn *c);
static void conn_reset(struct vsock_dev *d, struct conn *c);

/* Bytes that wait for the host socket (an open SEQPACKET record does not). */
static bool
conn_flushable(const struct conn *c)
{
	return c->type == VSOCK_TYPE_SEQPACKET ? c->rec_n > 0 : c->buf_len > 0;
}

/* Register the events the connection's state asks for. */
static void
conn_update_watch(struct vsock_dev *d, struct conn *c)
{
	uint32_t want = 0;
	struct epoll_event ev;

	if (c->state == CONN_LINE ||
	    (c->state == CONN_CONNECTED && !c->rx_ready && can_send_data(c)))
		want |= EPOLLIN;
	if (conn_flushable(c) || c->state == CONN_HCONNECT)
		want |= EPOLLOUT;
	if (c->type == VSOCK_TYPE_SEQPACKET && (want & EPOLLIN))
		want |= EPOLLRDHUP; /* tells EOF from a record of 0 bytes */
	if (c->hup) {
		/* Gone from epoll for good: reading or writing tells what is left. */
		if ((want & EPOLLIN) && !c->rx_ready) {
			c->rx_ready = true;
			conn_kick(d, c);
		}
		if ((want & EPOLLOUT) && conn_flush(d, c) != 0)
			conn_reset(d, c);
		return;
	}
	if (c->in_epoll && want == c->ev_mask)
		return;
	ev.events = want;
	ev.data.ptr = c;
	if (epoll_ctl(d->epfd, c->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev) == 0) {
		c->in_epoll = true;
		c->ev_mask = want;
	}
}

static void
queue_rst_from(struct vsock_dev *d, uint64_t src_cid, uint32_t src_port, uint32_t dst_port,
	       uint16_t type)
{
	if (d->rst_n == RST_RING) {
		d->st.rst_dropped++;
		return;
	}
	d->rst[(d->rst_head + d->rst_n) % RST_RING] =
		(struct rst_pkt){src_cid, src_port, dst_port, type};
	d->rst_n++;
	wake(d);
}

static void
queue_rst(struct vsock_dev *d, uint32_t src_port, uint32_t dst_port, uint16_t type)
{
	queue_rst_from(d, VSOCK_HOST_CID, src_port, dst_port, type);
}

/* Tear a connection down with a RST to the guest. */
static void
conn_reset(struct vsock_dev *d, struct conn *c)
{
	if (c->state == CONN_LINE) {
		conn_free(d, c);
		return;
	}
	c->pend = PEND_RST;
	conn_kick(d, c);
}

/* Both directions finished and everything written: done with a RST. */
static void
conn_check_done(struct vsock_dev *d, struct conn *c)
{
	bool guest_done = (c->peer_shut & VSOCK_SHUTDOWN_BOTH) == VSOCK_SHUTDOWN_BOTH;
	bool both_eof = (c->peer_shut & VSOCK_SHUTDOWN_SEND) &&
			(c->local_shut & VSOCK_SHUTDOWN_SEND);

	if (c->state == CONN_CONNECTED && c->buf_len == 0 && (guest_done || both_eof))
		conn_reset(d, c);
}

/* Write buffered guest data to the host socket. @return -1 on a socket error. */
/* Send the complete SEQPACKET records at the head of the ring, one each. */
static int
conn_flush_records(struct vsock_dev *d, struct conn *c)
{
	uint32_t cap = d->cfg.tx_buffer_size + VSOCK_LINE_MAX;

	while (c->rec_n > 0) {
		uint32_t l = c->recs[c->rec_head];
		uint32_t first = cap - c->buf_head < l ? cap - c->buf_head : l;
		struct iovec iov[2] = {{c->buf + c->buf_head, first}, {c->buf, l - first}};
		struct msghdr msg = {.msg_iov = iov, .msg_iovlen = l - first > 0 ? 2 : 1};
		ssize_t n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT | MSG_EOR);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return -1;
		}
		uint32_t skip = l < c->uncounted ? l : c->uncounted;

		c->buf_head = (c->buf_head + l) % cap;
		c->buf_len -= l;
		c->uncounted -= skip;
		c->fwd_cnt += l - skip;
		d->st.to_host_bytes += l - skip;
		d->st.seq_records_out++;
		c->rec_head = (c->rec_head + 1) % REC_MAX;
		c->rec_n--;
	}
	return 0;
}

static int
conn_flush(struct vsock_dev *d, struct conn *c)
{
	uint32_t cap = d->cfg.tx_buffer_size + VSOCK_LINE_MAX;

	if (c->type == VSOCK_TYPE_SEQPACKET && conn_flush_records(d, c) != 0)
		return -1;
	while (c->type == VSOCK_TYPE_STREAM && c->buf_len > 0) {
		uint32_t first = cap - c->buf_head < c->buf_len ? cap - c->buf_head : c->buf_len;
		ssize_t n = send(c->fd, c->buf + c->buf_head, first, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return -1;
		}
		uint32_t w = (uint32_t)n, skip = w < c->uncounted ? w : c->uncounted;

		c->buf_head = (c->buf_head + w) % cap;
		c->buf_len -= w;
		c->uncounted -= skip;
		c->fwd_cnt += w - skip;
		d->st.to_host_bytes += w - skip;
	}
	if (c->buf_len == 0) {
		free(c->buf);
		c->buf = NULL;
		c->buf_head = 0;
		free(c->recs);
		c->recs = NULL;
		c->rec_head = 0;
		if ((c->peer_shut & VSOCK_SHUTDOWN_SEND) && c->state == CONN_CONNECTED)
			shutdown(c->fd, SHUT_WR);
	}
	if (vsock_need_credit_update(d->cfg.tx_buffer_size, c->rx_cnt, c->fwd_cnt,
				     c->last_fwd_sent))
		c->pend |= PEND_CREDIT_UPDATE;
	return 0;
}

/* Append to the ring; the caller checked it fits. */
static int
conn_buffer(struct vsock_dev *d, struct conn *c, const struct iovec *iov, unsigned int n,
	    size_t off, size_t len)
{
	uint32_t cap = d->cfg.tx_buffer_size + VSOCK_LINE_MAX;
	uint32_t tail, first;

	if (len == 0)
		return 0;
	if (c->buf == NULL) {
		c->buf = malloc(cap);
		if (c->buf == NULL)
			return -1;
		c->buf_head = 0;
	}
	tail = (c->buf_head + c->buf_len) % cap;
	first = cap - tail < len ? cap - tail : (uint32_t)len;
	vhd_iov_to_buf(iov, n, off, c->buf + tail, first);
	if (first < len)
		vhd_iov_to_buf(iov, n, off + first, c->buf, len - first);
	c->buf_len += (uint32_t)len;
	return 0;
}

/* The record of @p len bytes just buffered is complete. @return -1 when too many wait. */
static int
conn_push_record(struct conn *c, uint32_t len)
{
	if (c->recs == NULL) {
		c->recs = malloc(REC_MAX * sizeof(*c->recs));
		if (c->recs == NULL)
			return -1;
		c->rec_head = 0;
	}
	if (c->rec_n == REC_MAX)
		return -1;
	c->recs[(c->rec_head + c->rec_n) % REC_MAX] = len;
	c->rec_n++;
	return 0;
}

/* Build an iovec array covering [off, off + len) of @p iov. */
static unsigned int
iov_slice(const struct iovec *iov, unsigned int n, size_t off, size_t len, struct iovec *out,
	  unsigned int max)
{
	unsigned int i, k = 0;

	for (i = 0; i < n && len > 0 && k < max; i++) {
		size_t seg = iov[i].iov_len;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		seg -= off;
		if (seg > len)
			seg = len;
		out[k].iov_base = (uint8_t *)iov[i].iov_base + off;
		out[k].iov_len = seg;
		k++;
		len -= seg;
		off = 0;
	}
	return k;
}

static int
conn_new(struct vsock_dev *d, int fd, enum conn_state st, struct conn **out)
{
	struct conn *c;

	if (d->nconns >= d->cfg.max_conns)
		return -ENOSPC;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->d = d;
	c->fd = fd;
	c->state = st;
	c->type = VSOCK_TYPE_STREAM;
	vsock_line_init(&c->line);
	c->anext = d->all;
	if (d->all != NULL)
		d->all->aprev = c;
	d->all = c;
	d->nconns++;
	d->st.conns_opened++;
	*out = c;
	return 0;
}

static uint32_t
alloc_local_port(struct vsock_dev *d, uint32_t peer)
{
	unsigned int tries;

	for (tries = 0; tries < 1u << 20; tries++) {
		uint32_t p = d->next_port;

		d->next_port = d->next_port == UINT32_MAX ? LOCAL_PORT_BASE : d->next_port + 1;
		if (conn_lookup(d, p, peer) == NULL)
			return p;
	}
	return 0;
}

static void conn_request(struct vsock_dev *d, struct conn *c);

/*
 * The CONNECT line on the SEQPACKET listener: the program's first record,
 * the line and nothing else (a record read in part loses its rest, so it
 * is taken whole; records after it are the connection's).
 */
static void
conn_read_line_seq(struct vsock_dev *d, struct conn *c)
{
	char rec[VSOCK_LINE_MAX];
	ssize_t n;

	do {
		n = recv(c->fd, rec, sizeof(rec), MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !c->hup)
		return;
	/* taken whole even when too long: the program then reads EOF, not ECONNRESET */
	if (n > 0 && recv(c->fd, rec, sizeof(rec), MSG_DONTWAIT) < 0)
		n = -1;
	if (n <= 0 || (size_t)n > sizeof(rec) ||
	    vsock_line_parse(rec, (size_t)n, &c->peer_port) != 0) {
		/* a record of 0 bytes reads as EOF too: RDHUP tells them apart */
		if (n != 0 || !(c->rdhup || c->hup))
			d->st.bad_lines++;
		conn_free(d, c);
		return;
	}
	c->ok_line = true;
	conn_request(d, c);
}

/* The host program's CONNECT line. */
static void
conn_read_line(struct vsock_dev *d, struct conn *c)
{
	char peek[VSOCK_LINE_MAX];
	ssize_t n;
	size_t take;

	if (c->type == VSOCK_TYPE_SEQPACKET) {
		conn_read_line_seq(d, c);
		return;
	}
	n = recv(c->fd, peek, sizeof(peek), MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		conn_free(d, c);
		return;
	}
	take = vsock_line_feed(&c->line, peek, (size_t)n);
	if (take > 0 && recv(c->fd, peek, take, MSG_DONTWAIT) != (ssize_t)take) {
		conn_free(d, c);
		return;
	}
	if (c->line.state == VSOCK_LINE_ERROR) {
		d->st.bad_lines++;
		conn_free(d, c);
		return;
	}
	if (c->line.state == VSOCK_LINE_MORE) {
		if (c->hup) /* no more is coming */
			conn_free(d, c);
		return;
	}
	c->peer_port = c->line.port;
	c->ok_line = true;
	conn_request(d, c);
}

/* A host connection for guest port c->peer_port: REQUEST it. */
static void
conn_request(struct vsock_dev *d, struct conn *c)
{
	/* a SEQPACKET REQUEST to a driver that did not take SEQPACKET would be dropped */
	if (c->type == VSOCK_TYPE_SEQPACKET && !d->seqpacket) {
		d->st.refused++;
		conn_free(d, c);
		return;
	}
	c->local_port = alloc_local_port(d, c->peer_port);
	if (c->local_port == 0) {
		conn_free(d, c);
		return;
	}
	conn_hash(d, c);
	c->state = CONN_CONNECTING;
	c->pend |= PEND_REQUEST;
	d->st.host_connects++;
	setup_deadline(d, c);
	conn_update_watch(d, c);
	conn_kick(d, c);
}

static void
on_accept(struct vsock_dev *d, struct conn *l)
{
	unsigned int i;

	for (i = 0; i < ACCEPT_BURST; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0)
			return;
		if (conn_new(d, fd, CONN_LINE, &c) != 0) {
			close(fd);
			d->st.refused++;
			continue;
		}
		c->type = l->type;
		if (d->forward) {
			/* --forward-listen: each port leads to the same guest port. */
			c->peer_port = l->peer_port;
			conn_request(d, c);
			continue;
		}
		conn_update_watch(d, c);
		if (!c->in_epoll)
			conn_free(d, c);
		else
			setup_deadline(d, c);
	}
}

static void
on_conn_event(struct vsock_dev *d, struct conn *c, uint32_t events)
{
	if ((events & (EPOLLHUP | EPOLLERR)) && c->in_epoll) {
		/* Reported whatever the mask asks: stop the repeats; reads and
		 * writes tell what is left.
		 */
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		c->in_epoll = false;
		c->hup = true;
	}
	if (events & (EPOLLRDHUP | EPOLLHUP))
		c->rdhup = true;
	if (c->state == CONN_LINE) {
		conn_read_line(d, c);
		return;
	}
	if (c->state == CONN_HCONNECT) {
		int err = 0;
		socklen_t el = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0 ||
		    (events & (EPOLLERR | EPOLLHUP))) {
			d->st.refused++;
			conn_reset(d, c);
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		c->state = CONN_CONNECTED;
		c->pend |= PEND_RESPONSE;
		conn_update_watch(d, c);
		conn_kick(d, c);
		return;
	}
	if (c->hup && c->state == CONN_CONNECTED)
		c->rx_ready = true;
	if (conn_flushable(c) && (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))) {
		if (conn_flush(d, c) != 0) {
			conn_reset(d, c);
			return;
		}
		conn_check_done(d, c);
	}
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) && c->state == CONN_CONNECTED)
		c->rx_ready = true;
	conn_update_watch(d, c);
	conn_kick(d, c);
}

static void
on_epoll(void *arg, int fd, uint32_t events)
{
	struct vsock_dev *d = arg;
	struct epoll_event evs[EVENTS_BURST];
	int n, i;

	(void)fd;
	(void)events;
	n = epoll_wait(d->epfd, evs, EVENTS_BURST, 0);
	for (i = 0; i < n; i++) {
		struct conn *c = evs[i].data.ptr;

		if (c->state == CONN_LISTENER)
			on_accept(d, c);
		else
			on_conn_event(d, c, evs[i].events);
	}
	if (n == EVENTS_BURST)
		wake(d);
}

static void
fill_hdr(struct vsock_dev *d, struct vsock_hdr *h, uint16_t type, uint32_t src_port,
	 uint32_t dst_port, uint16_t op, uint32_t flags, uint32_t len, uint32_t fwd_cnt)
{
	h->src_cid = htole64(VSOCK_HOST_CID);
	h->dst_cid = htole64(d->cfg.guest_cid);
	h->src_port = htole32(src_port);
	h->dst_port = htole32(dst_port);
	h->len = htole32(len);
	h->type = htole16(type);
	h->op = htole16(op);
	h->flags = htole32(flags);
	h->buf_alloc = htole32(d->cfg.tx_buffer_size);
	h->fwd_cnt = htole32(fwd_cnt);
}

/* Read host data straight into the rx buffer after the header. */
static ssize_t
conn_read_into(struct conn *c, struct vhd_req *req, uint32_t max)
{
	if (c->type == VSOCK_TYPE_SEQPACKET && c->in != NULL) {
		uint32_t n = c->in_len - c->in_off < max ? c->in_len - c->in_off : max;

		vhd_req_write(req, VSOCK_HDR_LEN, c->in + c->in_off, n);
		c->in_off += n;
		return n;
	}

	struct iovec iov[VHD_REQ_MAX_IOV];
	unsigned int n = iov_slice(vhd_req_wr_iov(req), req->n_wr, VSOCK_HDR_LEN, max, iov,
				   VHD_REQ_MAX_IOV);
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = n};
	ssize_t r;

	do {
		r = recvmsg(c->fd, &msg, MSG_DONTWAIT);
	} while (r < 0 && errno == EINTR);
	return r;
}

/*
 * A piece of the next host record into the rx buffer (at most @p max bytes):
 * a record that fits goes straight from the socket; a bigger one is read
 * whole (a SEQPACKET read never returns part of a record) and sent in pieces.
 * @return 1 with @p len and @p flags, 0 nothing to read now, 2 EOF, -1 error.
 */
static int
seq_read(struct vsock_dev *d, struct conn *c, struct vhd_req *req, uint32_t max, uint32_t *len,
	 uint32_t *flags)
{
	ssize_t l, n;

	if (c->in == NULL) {
		do {
			l = recv(c->fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		} while (l < 0 && errno == EINTR);
		if (l < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK) && !c->hup ? 0 : -1;
		/* A record of 0 bytes and EOF both read as 0: RDHUP tells them apart. */
		if (l == 0 && (c->rdhup || c->hup))
			return 2;
		if ((uint64_t)l > d->cfg.tx_buffer_size) {
			d->st.seq_too_big++;
			return -1;
		}
		if ((uint32_t)l > max) {
			c->in = malloc((size_t)l);
			if (c->in == NULL)
				return -1;
			do {
				n = recv(c->fd, c->in, (size_t)l, MSG_DONTWAIT);
			} while (n < 0 && errno == EINTR);
			if (n != l)
				return -1;
			c->in_len = (uint32_t)l;
			c->in_off = 0;
		}
	}
	n = conn_read_into(c, req, max);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) && !c->hup ? 0 : -1;
	*len = (uint32_t)n;
	*flags = 0;
	if (c->in != NULL && c->in_off < c->in_len)
		return 1;
	free(c->in);
	c->in = NULL;
	*flags = SEQ_EOM | SEQ_EOR; /* a Unix record is a whole message and record */
	d->st.seq_records_in++;
	return 1;
}

/* One packet of @p c into @p req; 0 when it had nothing after all. */
static int
conn_emit(struct vsock_dev *d, struct conn *c, struct vhd_req *req)
{
	struct vsock_hdr h;
	uint16_t op = 0;
	uint32_t flags = 0, len = 0;

	ready_remove(d, c);
	if (c->pend & PEND_RST) {
		fill_hdr(d, &h, c->type, c->local_port, c->peer_port, VSOCK_OP_RST, 0, 0, c->fwd_cnt);
		vhd_req_write(req, 0, &h, sizeof(h));
		d->st.rst_sent++;
		conn_free(d, c);
		return VSOCK_HDR_LEN;
	}
	if (c->pend & PEND_REQUEST) {
		op = VSOCK_OP_REQUEST;
		c->pend &= ~PEND_REQUEST;
	} else if (c->pend & PEND_RESPONSE) {
		op = VSOCK_OP_RESPONSE;
		c->pend &= ~PEND_RESPONSE;
	} else if ((c->rx_ready || c->in != NULL) && can_send_data(c)) {
		uint32_t credit = vsock_credit(c->peer_buf_alloc, c->peer_fwd_cnt, c->tx_cnt);
		uint32_t room = req->wr_len - VSOCK_HDR_LEN;

		if (credit == 0) {
			if (!c->credit_req_sent) {
				op = VSOCK_OP_CREDIT_REQUEST;
				c->credit_req_sent = true;
			}
		} else if (c->type == VSOCK_TYPE_SEQPACKET) {
			int r = seq_read(d, c, req, credit < room ? credit : room, &len, &flags);

			if (r == 1) {
				op = VSOCK_OP_RW;
				c->tx_cnt += len;
				d->st.to_guest_bytes += len;
			} else if (r == 2) {
				op = VSOCK_OP_SHUTDOWN;
				flags = VSOCK_SHUTDOWN_SEND;
				c->local_shut |= VSOCK_SHUTDOWN_SEND;
				c->rx_ready = false;
			} else if (r == 0) {
				c->rx_ready = false;
				conn_update_watch(d, c);
			} else {
				fill_hdr(d, &h, c->type, c->local_port, c->peer_port, VSOCK_OP_RST,
					 0, 0, c->fwd_cnt);
				vhd_req_write(req, 0, &h, sizeof(h));
				d->st.rst_sent++;
				conn_free(d, c);
				return VSOCK_HDR_LEN;
			}
		} else {
			ssize_t n = conn_read_into(c, req, credit < room ? credit : room);

			if (n > 0) {
				op = VSOCK_OP_RW;
				len = (uint32_t)n;
				c->tx_cnt += len;
				d->st.to_guest_bytes += len;
			} else if (n == 0) {
				op = VSOCK_OP_SHUTDOWN;
				flags = VSOCK_SHUTDOWN_SEND;
				c->local_shut |= VSOCK_SHUTDOWN_SEND;
				c->rx_ready = false;
			} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !c->hup) {
				c->rx_ready = false;
				conn_update_watch(d, c);
			} else if (n < 0) {
				fill_hdr(d, &h, c->type, c->local_port, c->peer_port, VSOCK_OP_RST, 0, 0,
					 c->fwd_cnt);
				vhd_req_write(req, 0, &h, sizeof(h));
				d->st.rst_sent++;
				conn_free(d, c);
				return VSOCK_HDR_LEN;
			}
		}
	}
	if (op == 0 && (c->pend & PEND_CREDIT_UPDATE))
		op = VSOCK_OP_CREDIT_UPDATE;
	if (op == 0)
		return 0;
	c->pend &= ~PEND_CREDIT_UPDATE;
	c->last_fwd_sent = c->fwd_cnt;
	fill_hdr(d, &h, c->type, c->local_port, c->peer_port, op, flags, len, c->fwd_cnt);
	vhd_req_write(req, 0, &h, sizeof(h));
	if (op == VSOCK_OP_SHUTDOWN)
		conn_check_done(d, c);
	if (conn_has_output(c))
		ready_add(d, c);
	return VSOCK_HDR_LEN + (int)len;
}

/* The next sibling packet, or the next piece of it, into @p req. */
static int
sib_emit(struct vsock_dev *d, struct vhd_req *req)
{
	uint32_t room = req->wr_len - VSOCK_HDR_LEN, chunk, flags;
	struct vsock_hdr h;
	struct sib_pkt *p;
	bool last;

	pthread_mutex_lock(&d->inbox_lock);
	p = d->inbox_head;
	pthread_mutex_unlock(&d->inbox_lock);
	if (p == NULL)
		return VHD_REQ_RETRY;
	/* Only this worker pops, so p stays at the head while we copy. */
	chunk = p->len - p->off < room ? p->len - p->off : room;
	last = p->off + chunk == p->len;
	h = p->h;
	h.len = htole32(chunk);
	flags = le32toh(h.flags);
	if (!last && le16toh(h.op) == VSOCK_OP_RW && le16toh(h.type) == VSOCK_TYPE_SEQPACKET)
		h.flags = htole32(flags & ~(SEQ_EOM | SEQ_EOR));
	vhd_req_write(req, 0, &h, sizeof(h));
	if (chunk > 0)
		vhd_req_write(req, VSOCK_HDR_LEN, p->data + p->off, chunk);
	p->off += chunk;
	if (last) {
		pthread_mutex_lock(&d->inbox_lock);
		d->inbox_head = p->next;
		if (d->inbox_head == NULL)
			d->inbox_tail = NULL;
		d->inbox_bytes -= p->len;
		__atomic_sub_fetch(&d->inbox_n, 1, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&d->inbox_lock);
		free(p);
		d->st.sib_delivered++;
	}
	return VSOCK_HDR_LEN + (int)chunk;
}

static void
inbox_clear(struct vsock_dev *d)
{
	struct sib_pkt *p;

	pthread_mutex_lock(&d->inbox_lock);
	while ((p = d->inbox_head) != NULL) {
		d->inbox_head = p->next;
		free(p);
	}
	d->inbox_tail = NULL;
	d->inbox_bytes = 0;
	__atomic_store_n(&d->inbox_n, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&d->inbox_lock);
}

static bool
share_group(const struct vsock_dev *a, const struct vsock_dev *b)
{
	unsigned int i, j;

	for (i = 0; i < a->ngroups; i++)
		for (j = 0; j < b->ngroups; j++)
			if (strcmp(a->groups[i], b->groups[j]) == 0)
				return true;
	return false;
}

/*
 * A packet for another guest of this process: queued to it when they share
 * a group and its driver runs, else RST from the CID the guest addressed.
 * @return 0 queued, -1 refused.
 */
static int
sib_push(struct vsock_dev *d, uint64_t dst_cid, const struct vsock_hdr *h,
	 struct vhd_req *req, uint32_t len)
{
	struct vsock_dev *t;
	struct sib_pkt *p;
	int rc = -1;

	pthread_mutex_lock(&reg_lock);
	for (t = reg_head; t != NULL; t = t->reg_next)
		if (t->cfg.guest_cid == dst_cid)
			break;
	if (t == NULL || t == d || !share_group(d, t) ||
	    !__atomic_load_n(&t->rx_live, __ATOMIC_ACQUIRE))
		goto out;
	p = malloc(sizeof(*p) + len);
	if (p == NULL)
		goto out;
	p->next = NULL;
	p->len = len;
	p->off = 0;
	p->h = *h;
	vhd_req_read(req, VSOCK_HDR_LEN, p->data, len);
	pthread_mutex_lock(&t->inbox_lock);
	if (t->inbox_n >= INBOX_MAX_PKTS || t->inbox_bytes + len > INBOX_MAX_BYTES) {
		pthread_mutex_unlock(&t->inbox_lock);
		free(p);
		d->st.sib_dropped++;
		rc = 0; /* a guest beyond its peer's credit: dropped, not refused */
		goto out;
	}
	if (t->inbox_tail != NULL)
		t->inbox_tail->next = p;
	else
		t->inbox_head = p;
	t->inbox_tail = p;
	t->inbox_bytes += len;
	__atomic_add_fetch(&t->inbox_n, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&t->inbox_lock);
	d->st.sib_forwarded++;
	wake(t);
	rc = 0;
out:
	pthread_mutex_unlock(&reg_lock);
	return rc;
}

/* A guest packet whose destination is not the host. */
static void
sib_tx(struct vsock_dev *d, struct vhd_req *req, const struct vsock_hdr *h)
{
	uint64_t dst_cid = le64toh(h->dst_cid);
	uint32_t len = le32toh(h->len);
	uint16_t op = le16toh(h->op), type = le16toh(h->type);

	if (len > req->rd_len - VSOCK_HDR_LEN || len > SIB_MAX_LEN ||
	    (op != VSOCK_OP_RW && len != 0) || op < VSOCK_OP_REQUEST ||
	    op > VSOCK_OP_CREDIT_REQUEST ||
	    (type != VSOCK_TYPE_STREAM && type != VSOCK_TYPE_SEQPACKET)) {
		d->st.bad_pkts++;
	} else if (sib_push(d, dst_cid, h, req, len) == 0) {
		return;
	} else {
		d->st.sib_refused++;
	}
	if (op != VSOCK_OP_RST && dst_cid != d->cfg.guest_cid && dst_cid > VSOCK_HOST_CID &&
	    dst_cid <= UINT32_MAX)
		queue_rst_from(d, dst_cid, le32toh(h->dst_port), le32toh(h->src_port), type);
	else
		d->st.bad_cid++;
}

static int
rx_handle(struct vsock_dev *d, struct vhd_req *req)
{
	/* A header-only buffer carries no data: reading 0 bytes would look like EOF. */
	if (req->wr_len <= VSOCK_HDR_LEN) {
		d->st.rx_short++;
		return 0;
	}
	for (;;) {
		struct conn *c;
		int n;

		if (d->rst_n > 0) {
			struct rst_pkt *r = &d->rst[d->rst_head];
			struct vsock_hdr h;

			fill_hdr(d, &h, r->type, r->src_port, r->dst_port, VSOCK_OP_RST, 0, 0, 0);
			h.src_cid = htole64(r->src_cid);
			vhd_req_write(req, 0, &h, sizeof(h));
			d->rst_head = (d->rst_head + 1) % RST_RING;
			d->rst_n--;
			d->st.rst_sent++;
			return VSOCK_HDR_LEN;
		}
		c = d->ready_head;
		/* Own connections and siblings take turns. */
		if (__atomic_load_n(&d->inbox_n, __ATOMIC_ACQUIRE) > 0 && (d->sib_turn || c == NULL)) {
			d->sib_turn = false;
			return sib_emit(d, req);
		}
		if (c == NULL)
			return VHD_REQ_RETRY;
		d->sib_turn = true;
		n = conn_emit(d, c, req);
		if (n > 0)
			return n;
	}
}

/* Guest REQUEST to host port @p port: connect to uds_path_port. */
static void
guest_connect(struct vsock_dev *d, uint16_t type, uint32_t local, uint32_t peer,
	      uint32_t buf_alloc, uint32_t fwd_cnt)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct conn *c;
	int fd;

	d->st.guest_connects++;
	if (d->forward) {
		bool in_progress = false;

		fd = d->sock.connect(d->sock.ctx, d->cfg.forward_cid, local,
				     type == VSOCK_TYPE_SEQPACKET ? SOCK_SEQPACKET : SOCK_STREAM,
				     &in_progress);
		if (fd < 0 || conn_new(d, fd, in_progress ? CONN_HCONNECT : CONN_CONNECTED,
				       &c) != 0) {
			if (fd >= 0)
				close(fd);
			goto refuse;
		}
		if (in_progress)
			setup_deadline(d, c);
		goto opened;
	}
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", d->uds_path, local) >=
	    sizeof(sa.sun_path))
		goto refuse;
	/* A SEQPACKET connect to a stream listener fails: RST. */
	fd = socket(AF_UNIX,
		    (type == VSOCK_TYPE_SEQPACKET ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_NONBLOCK |
			    SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		goto refuse;
	/* Unix connect completes at once or fails (EAGAIN: backlog full). */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    conn_new(d, fd, CONN_CONNECTED, &c) != 0) {
		close(fd);
		goto refuse;
	}
opened:
	c->type = type;
	c->local_port = local;
	c->peer_port = peer;
	c->peer_buf_alloc = buf_alloc;
	c->peer_fwd_cnt = fwd_cnt;
	conn_hash(d, c);
	if (c->state == CONN_CONNECTED)
		c->pend |= PEND_RESPONSE;
	conn_update_watch(d, c);
	conn_kick(d, c);
	return;
refuse:
	d->st.refused++;
	queue_rst(d, local, peer, type);
}

/* Guest data of a SEQPACKET connection: a record goes out whole at its EOM. */
static void
conn_rw_seq(struct vsock_dev *d, struct conn *c, struct vhd_req *req, uint32_t len,
	    uint32_t flags)
{
	size_t off = VSOCK_HDR_LEN;

	c->rx_cnt += len;
	if ((flags & SEQ_EOM) && c->buf_len == 0) {
		struct iovec iov[VHD_REQ_MAX_IOV];
		struct msghdr msg = {.msg_iov = iov};
		ssize_t n;

		msg.msg_iovlen = iov_slice(req->iov, req->n_rd, off, len, iov, VHD_REQ_MAX_IOV);
		do {
			n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT | MSG_EOR);
		} while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			conn_reset(d, c);
			return;
		}
		if (n >= 0) {
			c->fwd_cnt += len;
			d->st.to_host_bytes += len;
			d->st.seq_records_out++;
			goto done;
		}
	}
	if (conn_buffer(d, c, req->iov, req->n_rd, off, len) != 0) {
		conn_reset(d, c);
		return;
	}
	c->rec_open += len;
	if (flags & SEQ_EOM) {
		if (conn_push_record(c, c->rec_open) != 0) {
			d->st.credit_violations++;
			conn_reset(d, c);
			return;
		}
		c->rec_open = 0;
		if (conn_flush(d, c) != 0) {
			conn_reset(d, c);
			return;
		}
	}
done:
	if (vsock_need_credit_update(d->cfg.tx_buffer_size, c->rx_cnt, c->fwd_cnt,
				     c->last_fwd_sent))
		c->pend |= PEND_CREDIT_UPDATE;
	conn_update_watch(d, c);
}

/* Guest data for the host socket. */
static void
conn_rw(struct vsock_dev *d, struct conn *c, struct vhd_req *req, uint32_t len, uint32_t flags)
{
	size_t off = VSOCK_HDR_LEN, done = 0;

	if (c->state != CONN_CONNECTED || (c->peer_shut & VSOCK_SHUTDOWN_SEND)) {
		d->st.bad_pkts++;
		conn_reset(d, c);
		return;
	}
	if ((uint64_t)c->buf_len - c->uncounted + len > d->cfg.tx_buffer_size) {
		d->st.credit_violations++;
		conn_reset(d, c);
		return;
	}
	if (c->type == VSOCK_TYPE_SEQPACKET) {
		conn_rw_seq(d, c, req, len, flags);
		return;
	}
	c->rx_cnt += len;
	if (c->buf_len == 0 && len > 0) {
		struct iovec iov[VHD_REQ_MAX_IOV];
		struct msghdr msg = {.msg_iov = iov};
		ssize_t n;

		msg.msg_iovlen = iov_slice(req->iov, req->n_rd, off, len, iov, VHD_REQ_MAX_IOV);
		do {
			n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		} while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			conn_reset(d, c);
			return;
		}
		if (n > 0) {
			done = (size_t)n;
			c->fwd_cnt += (uint32_t)n;
			d->st.to_host_bytes += (uint64_t)n;
		}
	}
	if (conn_buffer(d, c, req->iov, req->n_rd, off + done, len - done) != 0) {
		conn_reset(d, c);
		return;
	}
	if (vsock_need_credit_update(d->cfg.tx_buffer_size, c->rx_cnt, c->fwd_cnt,
				     c->last_fwd_sent))
		c->pend |= PEND_CREDIT_UPDATE;
	conn_update_watch(d, c);
}

static void
conn_shutdown(struct vsock_dev *d, struct conn *c, uint32_t flags)
{
	if (c->state != CONN_CONNECTED) {
		conn_reset(d, c);
		return;
	}
	if ((flags & VSOCK_SHUTDOWN_SEND) && !(c->peer_shut & VSOCK_SHUTDOWN_SEND)) {
		c->peer_shut |= VSOCK_SHUTDOWN_SEND;
		/* A record the guest never finished is never sent. */
		c->buf_len -= c->rec_open;
		c->rec_open = 0;
		if (c->buf_len == 0)
			shutdown(c->fd, SHUT_WR);
	}
	if (flags & VSOCK_SHUTDOWN_RCV)
		c->peer_shut |= VSOCK_SHUTDOWN_RCV;
	conn_update_watch(d, c);
	conn_check_done(d, c);
}

static void
conn_response(struct vsock_dev *d, struct conn *c)
{
	char ok[32];
	int n;

	if (c->state != CONN_CONNECTING) {
		d->st.bad_pkts++;
		conn_reset(d, c);
		return;
	}
	c->state = CONN_CONNECTED;
	if (!c->ok_line) {
		c->rx_ready = true;
		conn_update_watch(d, c);
		conn_kick(d, c);
		return;
	}
	n = snprintf(ok, sizeof(ok), "OK %u\n", c->local_port);
	/* The OK line is not guest data: it counts against no credit. */
	c->buf = malloc(d->cfg.tx_buffer_size + VSOCK_LINE_MAX);
	if (c->buf == NULL) {
		conn_reset(d, c);
		return;
	}
	memcpy(c->buf, ok, (size_t)n);
	c->buf_head = 0;
	c->buf_len = (uint32_t)n;
	c->uncounted = (uint32_t)n;
	if (c->type == VSOCK_TYPE_SEQPACKET && conn_push_record(c, (uint32_t)n) != 0) {
		conn_reset(d, c);
		return;
	}
	if (conn_flush(d, c) != 0) {
		conn_reset(d, c);
		return;
	}
	/* The line went out first: bytes after CONNECT follow it. */
	c->rx_ready = true;
	conn_update_watch(d, c);
	conn_kick(d, c);
}

static int
tx_handle(struct vsock_dev *d, struct vhd_req *req)
{
	struct vsock_hdr h;
	uint32_t len, local, peer, buf_alloc, fwd_cnt;
	uint16_t op, type;
	struct conn *c;

	if (req->rd_len < VSOCK_HDR_LEN ||
	    vhd_req_read(req, 0, &h, sizeof(h)) != sizeof(h)) {
		d->st.bad_pkts++;
		return 0;
	}
	len = le32toh(h.len);
	op = le16toh(h.op);
	type = le16toh(h.type);
	local = le32toh(h.dst_port);
	peer = le32toh(h.src_port);
	buf_alloc = le32toh(h.buf_alloc);
	fwd_cnt = le32toh(h.fwd_cnt);
	if (le64toh(h.src_cid) != d->cfg.guest_cid) {
		d->st.bad_cid++;
		return 0;
	}
	if (le64toh(h.dst_cid) != VSOCK_HOST_CID) {
		sib_tx(d, req, &h);
		return 0;
	}
	c = conn_lookup(d, local, peer);
	if ((type != VSOCK_TYPE_STREAM && (type != VSOCK_TYPE_SEQPACKET || !d->seqpacket)) ||
	    (c != NULL && c->type != type) ||
	    len > req->rd_len - VSOCK_HDR_LEN || len > d->cfg.tx_buffer_size ||
	    (op != VSOCK_OP_RW && len != 0) || op < VSOCK_OP_REQUEST ||
	    op > VSOCK_OP_CREDIT_REQUEST) {
		d->st.bad_pkts++;
		if (c != NULL)
			conn_reset(d, c);
		else if (op != VSOCK_OP_RST)
			queue_rst(d, local, peer, type);
		return 0;
	}
	if (c == NULL) {
		if (op == VSOCK_OP_REQUEST)
			guest_connect(d, type, local, peer, buf_alloc, fwd_cnt);
		else if (op != VSOCK_OP_RST)
			queue_rst(d, local, peer, type);
		return 0;
	}
	/* Before the connection is up only its answer (RESPONSE to our REQUEST)
	 * or a RST may come, as a driver in the connecting state takes nothing
	 * else either. */
	if (c->state != CONN_CONNECTED && op != VSOCK_OP_RST &&
	    !(op == VSOCK_OP_RESPONSE && c->state == CONN_CONNECTING)) {
		d->st.bad_pkts++;
		conn_reset(d, c);
		return 0;
	}
	if (c->state == CONN_CONNECTED || op == VSOCK_OP_RESPONSE) {
		if (!vsock_fwd_cnt_valid(c->peer_fwd_cnt, fwd_cnt, c->tx_cnt)) {
			d->st.credit_violations++;
			conn_reset(d, c);
			return 0;
		}
		c->peer_buf_alloc = buf_alloc;
		if (fwd_cnt != c->peer_fwd_cnt)
			c->credit_req_sent = false;
		c->peer_fwd_cnt = fwd_cnt;
	}
	switch (op) {
	case VSOCK_OP_RST:
		conn_free(d, c);
		return 0;
	case VSOCK_OP_RESPONSE:
		conn_response(d, c);
		return 0;
	case VSOCK_OP_RW:
		conn_rw(d, c, req, len, le32toh(h.flags));
		break;
	case VSOCK_OP_SHUTDOWN:
		conn_shutdown(d, c, le32toh(h.flags));
		return 0;
	case VSOCK_OP_CREDIT_UPDATE:
		c->credit_req_sent = false;
		break;
	case VSOCK_OP_CREDIT_REQUEST:
		c->pend |= PEND_CREDIT_UPDATE;
		break;
	default: /* REQUEST on a live connection */
		d->st.bad_pkts++;
		conn_reset(d, c);
		return 0;
	}
	conn_kick(d, c);
	return 0;
}

/*
 * Event queue: buffers wait on the ring until the guest is owed a
 * TRANSPORT_RESET (its connections died with an old frontend or an old
 * backend process).
 */
static int
event_handle(struct vsock_dev *d, struct vhd_req *req)
{
	uint32_t id = htole32(VSOCK_EVENT_TRANSPORT_RESET);

	if (!d->event_pending)
		return VHD_REQ_RETRY;
	if (req->wr_len < sizeof(id)) {
		d->st.event_short++;
		return 0;
	}
	vhd_req_write(req, 0, &id, sizeof(id));
	d->event_pending = false;
	d->st.transport_resets++;
	return sizeof(id);
}

static int
vsock_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct vsock_dev *d = priv;

	(void)vq;
	switch (q) {
	case VSOCK_Q_RX:
		return rx_handle(d, req);
	case VSOCK_Q_TX:
		return tx_handle(d, req);
	default:
		return event_handle(d, req);
	}
}

/* Drop connections stuck in set-up: a silent host program, a silent guest. */
static void
on_sweep(void *arg)
{
	struct vsock_dev *d = arg;
	uint64_t now = now_ns(d);
	struct conn *c, *next;
	bool more = false;

	d->sweep_armed = false;
	for (c = d->all; c != NULL; c = next) {
		next = c->anext;
		if (c->state == CONN_CONNECTED || (c->pend & PEND_RST))
			continue;
		if (now < c->setup_deadline) {
			more = true;
			continue;
		}
		d->st.setup_timeouts++;
		/* The host program's socket closes now, even with no rx buffer posted. */
		if (c->state == CONN_CONNECTING || c->state == CONN_HCONNECT)
			queue_rst(d, c->local_port, c->peer_port, c->type);
		conn_free(d, c);
	}
	if (more)
		sweep_arm(d);
}

static void
vsock_attach(void *priv, struct vhd_host *host)
{
	struct vsock_dev *d = priv;

	d->host = host;
	d->sweep.cb = on_sweep;
	d->sweep.arg = d;
	if (!d->watched && host->watch_fd(host, d->epfd, EPOLLIN, on_epoll, d) == 0)
		d->watched = true;
}

static int
vsock_get_config(void *priv, uint8_t *buf, uint32_t off, uint32_t len)
{
	struct vsock_dev *d = priv;

	if (off > sizeof(d->config) || len > sizeof(d->config) - off)
		return -1;
	memcpy(buf, d->config + off, len);
	return 0;
}

static void
close_all(struct vsock_dev *d)
{
	while (d->all != NULL)
		conn_free(d, d->all);
	d->rst_n = 0;
}

static void
vsock_set_features(void *priv, uint64_t features)
{
	struct vsock_dev *d = priv;

	d->seqpacket = (features & VHD_BIT(VSOCK_F_SEQPACKET)) != 0;
}

static void
vsock_reset(void *priv)
{
	/* A new guest knows none of the old connections. */
	struct vsock_dev *d = priv;

	close_all(d);
	inbox_clear(d);
	/* A frontend after the first: the guest may hold connections of the last. */
	d->event_pending = d->sessions++ > 0;
}

static int
vsock_queue_start(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct vsock_dev *d = priv;

	/* This process's first rings, already used by the guest: a restarted
	 * backend, whose connections are gone. (Later restarts of a queue with
	 * the same frontend, e.g. a VM stop and cont, keep the connections.) */
	if (vq != NULL && q < 8 && !(d->rings_seen & (1u << q)) &&
	    vhd_vq_last_avail(vq) != (vq->packed ? 1u << VHD_PACKED_WRAP_BIT : 0))
		d->event_pending = true;
	if (q < 8)
		d->rings_seen |= (uint8_t)(1u << q);
	if (q == VSOCK_Q_RX)
		__atomic_store_n(&d->rx_live, true, __ATOMIC_RELEASE);
	if (q == VSOCK_Q_EVENT && d->event_pending)
		wake(d);
	return 0;
}

static void
vsock_queue_stop(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct vsock_dev *d = priv;

	(void)vq;
	if (q == VSOCK_Q_RX)
		__atomic_store_n(&d->rx_live, false, __ATOMIC_RELEASE);
}

static void
vsock_get_stats(void *priv, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	struct vsock_dev *d = priv;

	put(ctx, "conns_opened", d->st.conns_opened);
	put(ctx, "conns_closed", d->st.conns_closed);
	put(ctx, "host_connects", d->st.host_connects);
	put(ctx, "guest_connects", d->st.guest_connects);
	put(ctx, "refused", d->st.refused);
	put(ctx, "rst_sent", d->st.rst_sent);
	put(ctx, "rst_dropped", d->st.rst_dropped);
	put(ctx, "bad_pkts", d->st.bad_pkts);
	put(ctx, "bad_cid", d->st.bad_cid);
	put(ctx, "credit_violations", d->st.credit_violations);
	put(ctx, "bad_lines", d->st.bad_lines);
	put(ctx, "to_guest_bytes", d->st.to_guest_bytes);
	put(ctx, "to_host_bytes", d->st.to_host_bytes);
	put(ctx, "rx_short", d->st.rx_short);
	put(ctx, "setup_timeouts", d->st.setup_timeouts);
	put(ctx, "seq_records_in", d->st.seq_records_in);
	put(ctx, "seq_records_out", d->st.seq_records_out);
	put(ctx, "seq_too_big", d->st.seq_too_big);
	put(ctx, "sib_forwarded", d->st.sib_forwarded);
	put(ctx, "sib_refused", d->st.sib_refused);
	put(ctx, "sib_dropped", d->st.sib_dropped);
	put(ctx, "sib_delivered", d->st.sib_delivered);
	put(ctx, "transport_resets", d->st.transport_resets);
	put(ctx, "event_short", d->st.event_short);
}

const struct vhd_device_ops vsock_dev_ops = {
	.name = "vsock",
	.virtio_id = VSOCK_VIRTIO_ID,
	.num_queues = VSOCK_NUM_QUEUES,
	.max_queue_size = VSOCK_DEFAULT_QUEUE_SIZE,
	.features = 0,
	.config_size = 8,
	.held_survive_remap = true,
	.attach = vsock_attach,
	.get_config = vsock_get_config,
	.reset = vsock_reset,
	.set_features = vsock_set_features,
	.queue_start = vsock_queue_start,
	.queue_stop = vsock_queue_stop,
	.handle = vsock_handle,
	.get_stats = vsock_get_stats,
};

/*
 * Watch listening socket @p fd leading to guest port @p port (0: CONNECT
 * lines); its connections are of vsock @p type.
 */
static int
add_listener(struct vsock_dev *d, int fd, uint32_t port, uint16_t type)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct conn *l = &d->ltags[d->nltags];

	l->d = d;
	l->fd = fd;
	l->state = CONN_LISTENER;
	l->peer_port = port;
	l->type = type;
	ev.data.ptr = l;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	d->nltags++;
	return 0;
}

/* The CONNECT listener of @p type at @p path (an old socket file there is replaced). */
static int
open_uds_listener(struct vsock_dev *d, const char *path, uint16_t type)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat stt;
	int fd, rc;

	fd = socket(AF_UNIX,
		    (type == VSOCK_TYPE_SEQPACKET ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_NONBLOCK |
			    SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (stat(path, &stt) == 0 && S_ISSOCK(stt.st_mode))
		unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return add_listener(d, fd, 0, type);
}

/* Where host programs open SEQPACKET connections: uds_path + VSOCK_SEQPACKET_SUFFIX. */
static void
seq_listen_path(const struct vsock_dev *d, char *out, size_t len)
{
	snprintf(out, len, "%s%s", d->uds_path, VSOCK_SEQPACKET_SUFFIX);
}

static void
close_listeners(struct vsock_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->nltags; i++) {
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->ltags[i].fd, NULL);
		close(d->ltags[i].fd);
	}
	d->nltags = 0;
	free(d->ltags);
	d->ltags = NULL;
}

int
vsock_dev_create(const struct vsock_dev_config *cfg, struct vsock_dev **out)
{
	struct vsock_dev *d;
	unsigned int i;
	int rc;

	if (cfg->tx_buffer_size == 0 || (cfg->forward && cfg->sock == NULL) ||
	    (!cfg->forward && (cfg->uds_path == NULL ||
			       strlen(cfg->uds_path) + 12 > sizeof(d->uds_path))) ||
	    (cfg->forward && cfg->nlisten > 0 && cfg->listen_ports == NULL))
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	d->cfg = *cfg;
	d->forward = cfg->forward;
	if (cfg->forward)
		d->sock = *cfg->sock;
	d->cfg.sock = NULL;
	d->cfg.listen_ports = NULL;
	d->ops = vsock_dev_ops;
	if (!cfg->no_seqpacket)
		d->ops.features |= VHD_BIT(VSOCK_F_SEQPACKET);
	if (cfg->queue_size != 0)
		d->ops.max_queue_size = cfg->queue_size;
	if (d->cfg.max_conns == 0)
		d->cfg.max_conns = 65536;
	snprintf(d->uds_path, sizeof(d->uds_path), "%s", cfg->forward ? "" : cfg->uds_path);
	d->cfg.uds_path = d->uds_path;
	d->next_port = LOCAL_PORT_BASE;
	if ((size_t)snprintf(d->groups_buf, sizeof(d->groups_buf), "%s",
			     cfg->groups != NULL ? cfg->groups : "default") >= sizeof(d->groups_buf)) {
		free(d);
		return -EINVAL;
	}
	for (char *save = NULL, *g = strtok_r(d->groups_buf, "+", &save);
	     g != NULL && d->ngroups < MAX_GROUPS; g = strtok_r(NULL, "+", &save))
		d->groups[d->ngroups++] = g;
	d->cfg.groups = NULL;
	pthread_mutex_init(&d->inbox_lock, NULL);
	for (i = 0; i < 8; i++)
		d->config[i] = (uint8_t)(cfg->guest_cid >> (8 * i));
	d->ltags = calloc(cfg->forward ? cfg->nlisten + 1 : 2, sizeof(*d->ltags));
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0 || d->ltags == NULL) {
		rc = d->epfd < 0 ? -errno : -ENOMEM;
		goto fail;
	}
	if (!cfg->forward) {
		char seq[sizeof(d->uds_path) + sizeof(VSOCK_SEQPACKET_SUFFIX)];

		rc = open_uds_listener(d, d->uds_path, VSOCK_TYPE_STREAM);
		if (rc != 0)
			goto fail;
		seq_listen_path(d, seq, sizeof(seq));
		if (!cfg->no_seqpacket) {
			rc = open_uds_listener(d, seq, VSOCK_TYPE_SEQPACKET);
			if (rc != 0) {
				unlink(d->uds_path);
				goto fail;
			}
		}
	}
	for (i = 0; cfg->forward && i < cfg->nlisten; i++) {
		int fd = d->sock.listen(d->sock.ctx, cfg->listen_ports[i]);

		if (fd < 0) {
			rc = fd;
			goto fail;
		}
		rc = add_listener(d, fd, cfg->listen_ports[i], VSOCK_TYPE_STREAM);
		if (rc != 0)
			goto fail;
	}
	pthread_mutex_lock(&reg_lock);
	d->reg_next = reg_head;
	reg_head = d;
	pthread_mutex_unlock(&reg_lock);
	*out = d;
	return 0;
fail:
	pthread_mutex_destroy(&d->inbox_lock);
	if (d->ltags != NULL)
		close_listeners(d);
	if (d->epfd >= 0)
		close(d->epfd);
	free(d);
	return rc;
}

void
vsock_dev_destroy(struct vsock_dev *d)
{
	struct vsock_dev **pp;

	if (d == NULL)
		return;
	pthread_mutex_lock(&reg_lock);
	for (pp = &reg_head; *pp != NULL; pp = &(*pp)->reg_next)
		if (*pp == d) {
			*pp = d->reg_next;
			break;
		}
	pthread_mutex_unlock(&reg_lock);
	inbox_clear(d);
	pthread_mutex_destroy(&d->inbox_lock);
	if (d->watched && d->host != NULL)
		d->host->unwatch_fd(d->host, d->epfd);
	if (d->sweep_armed && d->host->timer_cancel != NULL)
		d->host->timer_cancel(d->host, &d->sweep);
	close_all(d);
	close_listeners(d);
	if (!d->forward) {
		char seq[sizeof(d->uds_path) + sizeof(VSOCK_SEQPACKET_SUFFIX)];

		unlink(d->uds_path);
		seq_listen_path(d, seq, sizeof(seq));
		if (!d->cfg.no_seqpacket)
			unlink(seq);
	}
	close(d->epfd);
	free(d);
}

unsigned int
vsock_dev_conn_count(const struct vsock_dev *d)
{
	return d->nconns;
}

const struct vhd_device_ops *
vsock_dev_get_ops(const struct vsock_dev *d)
{
	return &d->ops;
}
