/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * SocketCAN backend: a raw CAN socket per interface. Translation between
 * SocketCAN's can_id (EFF/RTR/ERR in its top three bits) and virtio's
 * separate flags happens here only.
 */

#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/can.h>
#include <linux/can/error.h>
#include <linux/can/raw.h>

#include "can_linux.h"

#ifndef PF_CAN
#define PF_CAN 29
#endif

/* Messages read per next_event() call at most before giving up on a flood. */
#define CAN_LINUX_SKIP_MAX 64

struct can_linux {
	struct can_port port;
	const struct can_linux_sys *sys;
	int fd;
	bool fd_frames;
	bool late;
};

static struct can_linux *
can_linux_of(struct can_port *p)
{
	return (struct can_linux *)p;
}

size_t
can_linux_encode(const struct can_msg *m, void *buf)
{
	struct canfd_frame *f = buf;
	canid_t id = m->id;

	memset(f, 0, sizeof(*f));
	if (m->flags & CAN_FLAG_EXTENDED)
		id = (id & CAN_EFF_MASK) | CAN_EFF_FLAG;
	else
		id &= CAN_SFF_MASK;
	if (m->flags & CAN_FLAG_RTR)
		id |= CAN_RTR_FLAG;
	f->can_id = id;
	f->len = m->len;
	memcpy(f->data, m->data, can_msg_payload(m));
	return (m->flags & CAN_FLAG_FD) ? CANFD_MTU : CAN_MTU;
}

int
can_linux_decode(const void *buf, size_t len, struct can_ev *ev)
{
	const struct canfd_frame *f = buf;
	struct can_msg *m = &ev->msg;

	if (len != CAN_MTU && len != CANFD_MTU)
		return -EINVAL;
	if (f->can_id & CAN_ERR_FLAG) {
		if (f->can_id & CAN_ERR_BUSOFF) {
			ev->type = CAN_EV_BUSOFF;
			return 1;
		}
		if (f->can_id & CAN_ERR_RESTARTED) {
			ev->type = CAN_EV_RESTART;
			return 1;
		}
		return 0;
	}
	memset(m, 0, sizeof(*m));
	ev->type = CAN_EV_RX;
	if (f->can_id & CAN_EFF_FLAG) {
		m->flags |= CAN_FLAG_EXTENDED;
		m->id = f->can_id & CAN_EFF_MASK;
	} else {
		m->id = f->can_id & CAN_SFF_MASK;
	}
	if (len == CANFD_MTU) {
		m->flags |= CAN_FLAG_FD;
		if (!can_fd_len_valid(f->len))
			return -EINVAL;
	} else {
		if (f->len > CAN_MAX_DLEN)
			return -EINVAL;
		if (f->can_id & CAN_RTR_FLAG)
			m->flags |= CAN_FLAG_RTR;
	}
	m->len = f->len;
	memcpy(m->data, f->data, can_msg_payload(m));
	return 1;
}

static int
can_linux_event_fd(struct can_port *p)
{
	return can_linux_of(p)->fd;
}

static int
can_linux_send(struct can_port *p, const struct can_msg *m)
{
	struct can_linux *c = can_linux_of(p);
	struct canfd_frame f;
	size_t n = can_linux_encode(m, &f);
	ssize_t w;

	if ((m->flags & CAN_FLAG_FD) && !c->fd_frames)
		return -EOPNOTSUPP;
	do {
		w = c->sys->write(c->fd, &f, n);
	} while (w < 0 && errno == EINTR);
	if (w < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return (size_t)w == n ? 0 : -EIO;
}

static int
can_linux_next_event(struct can_port *p, struct can_ev *ev)
{
	struct can_linux *c = can_linux_of(p);
	struct canfd_frame f;
	struct iovec iov = {&f, sizeof(f)};
	struct msghdr mh;
	unsigned int skipped;
	ssize_t n;
	int rc;

	for (skipped = 0; skipped < CAN_LINUX_SKIP_MAX; skipped++) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		n = c->sys->recvmsg(c->fd, &mh, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 0;
		rc = can_linux_decode(&f, (size_t)n, ev);
		if (rc != 1)
			continue;
		/* Our own frame coming back: a delivery confirmation, never RX. */
		if (mh.msg_flags & MSG_CONFIRM) {
			if (!c->late || ev->type != CAN_EV_RX)
				continue;
			ev->type = CAN_EV_TX_DONE;
		}
		return 1;
	}
	return 0;
}

static void
can_linux_set_late_ack(struct can_port *p, bool on)
{
	struct can_linux *c = can_linux_of(p);
	int v = on;

	if (c->sys->setsockopt(c->fd, SOL_CAN_RAW, CAN_RAW_RECV_OWN_MSGS, &v, sizeof(v)) == 0)
		c->late = on;
}

static void
can_linux_destroy(struct can_port *p)
{
	struct can_linux *c = can_linux_of(p);

	if (c->fd >= 0)
		c->sys->close(c->fd);
	free(c);
}

static const struct can_port_ops can_linux_ops = {
	.destroy = can_linux_destroy,
	.event_fd = can_linux_event_fd,
	.send = can_linux_send,
	.next_event = can_linux_next_event,
	.set_late_ack = can_linux_set_late_ack,
};

int
can_linux_fd_enabled(const struct can_port *p)
{
	return p->ops == &can_linux_ops && ((const struct can_linux *)p)->fd_frames;
}

int
can_linux_open(const struct can_linux_sys *sys, const char *ifname, struct can_port **out)
{
	struct sockaddr_can sa;
	can_err_mask_t errmask = CAN_ERR_BUSOFF | CAN_ERR_RESTARTED;
	struct can_linux *c;
	unsigned int idx;
	int one = 1, zero = 0, rc;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->port.ops = &can_linux_ops;
	c->sys = sys;
	c->fd = sys->socket(PF_CAN, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, CAN_RAW);
	if (c->fd < 0) {
		rc = -errno;
		goto fail;
	}
	idx = sys->if_nametoindex(ifname);
	if (idx == 0) {
		rc = -ENODEV;
		goto fail;
	}
	/* FD frames when the interface has them; classic-only hardware refuses. */
	c->fd_frames = sys->setsockopt(c->fd, SOL_CAN_RAW, CAN_RAW_FD_FRAMES, &one,
				       sizeof(one)) == 0;
	if (sys->setsockopt(c->fd, SOL_CAN_RAW, CAN_RAW_ERR_FILTER, &errmask,
			    sizeof(errmask)) != 0 ||
	    sys->setsockopt(c->fd, SOL_CAN_RAW, CAN_RAW_LOOPBACK, &one, sizeof(one)) != 0 ||
	    sys->setsockopt(c->fd, SOL_CAN_RAW, CAN_RAW_RECV_OWN_MSGS, &zero,
			    sizeof(zero)) != 0) {
		rc = -errno;
		goto fail;
	}
	memset(&sa, 0, sizeof(sa));
	sa.can_family = AF_CAN;
	sa.can_ifindex = (int)idx;
	if (sys->bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = -errno;
		goto fail;
	}
	*out = &c->port;
	return 0;
fail:
	can_linux_destroy(&c->port);
	return rc;
}

static int
can_sys_socket(int domain, int type, int protocol)
{
	return socket(domain, type, protocol);
}

static int
can_sys_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	return setsockopt(fd, level, name, val, len);
}

static int
can_sys_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	return bind(fd, sa, len);
}

const struct can_linux_sys can_linux_sys_default = {
	.socket = can_sys_socket,
	.setsockopt = can_sys_setsockopt,
	.bind = can_sys_bind,
	.if_nametoindex = if_nametoindex,
	.write = write,
	.recvmsg = recvmsg,
	.close = close,
};
