/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * SocketCAN backend over a fake socket layer (this host has no PF_CAN):
 * socket options set at open, frame translation both ways, own frames never
 * received as RX (confirmations only with late acks), FD by frame size
 * whatever the interface's name, bus-off from error frames, send errors.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <linux/can.h>
#include <linux/can/error.h>
#include <linux/can/raw.h>

#include "can_linux.h"

#define FAKE_FD 77
#define MAXQ 16

struct opt {
	int level, name, val;
};

static struct {
	int socket_errno;
	int domain, type, proto;
	struct opt opts[16];
	unsigned int nopts;
	int fail_opt;      /* option name that fails with ENOPROTOOPT, or -1 */
	int bound_ifindex;
	unsigned int closes;
	struct canfd_frame sent[MAXQ];
	size_t sent_len[MAXQ];
	unsigned int nsent;
	int write_errno;
	struct canfd_frame rq[MAXQ];
	size_t rq_len[MAXQ];
	int rq_flags[MAXQ];
	unsigned int rq_head, rq_n;
} fk;

static int
fake_socket(int domain, int type, int proto)
{
	fk.domain = domain;
	fk.type = type;
	fk.proto = proto;
	if (fk.socket_errno != 0) {
		errno = fk.socket_errno;
		return -1;
	}
	return FAKE_FD;
}

static int
fake_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	assert_int_equal(fd, FAKE_FD);
	if (name == fk.fail_opt) {
		errno = ENOPROTOOPT;
		return -1;
	}
	assert_int_equal(len, 4);
	assert_true(fk.nopts < 16);
	fk.opts[fk.nopts].level = level;
	fk.opts[fk.nopts].name = name;
	memcpy(&fk.opts[fk.nopts].val, val, 4);
	fk.nopts++;
	return 0;
}

static int
fake_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_can *sc = (const void *)sa;

	assert_int_equal(fd, FAKE_FD);
	assert_int_equal(len, sizeof(struct sockaddr_can));
	assert_int_equal(sc->can_family, AF_CAN);
	fk.bound_ifindex = sc->can_ifindex;
	return 0;
}

static unsigned int
fake_nametoindex(const char *name)
{
	return strcmp(name, "can7") == 0 ? 7 : 0;
}

static ssize_t
fake_write(int fd, const void *buf, size_t len)
{
	assert_int_equal(fd, FAKE_FD);
	if (fk.write_errno != 0) {
		errno = fk.write_errno;
		return -1;
	}
	assert_true(fk.nsent < MAXQ);
	memcpy(&fk.sent[fk.nsent], buf, len);
	fk.sent_len[fk.nsent++] = len;
	return (ssize_t)len;
}

static ssize_t
fake_recvmsg(int fd, struct msghdr *mh, int flags)
{
	unsigned int i = fk.rq_head;

	assert_int_equal(fd, FAKE_FD);
	assert_true(flags & MSG_DONTWAIT);
	if (fk.rq_n == 0) {
		errno = EAGAIN;
		return -1;
	}
	assert_true(mh->msg_iov[0].iov_len >= fk.rq_len[i]);
	memcpy(mh->msg_iov[0].iov_base, &fk.rq[i], fk.rq_len[i]);
	mh->msg_flags = fk.rq_flags[i];
	fk.rq_head = (fk.rq_head + 1) % MAXQ;
	fk.rq_n--;
	return (ssize_t)fk.rq_len[i];
}

static int
fake_close(int fd)
{
	assert_int_equal(fd, FAKE_FD);
	fk.closes++;
	return 0;
}

static const struct can_linux_sys fake_sys = {
	.socket = fake_socket,
	.setsockopt = fake_setsockopt,
	.bind = fake_bind,
	.if_nametoindex = fake_nametoindex,
	.write = fake_write,
	.recvmsg = fake_recvmsg,
	.close = fake_close,
};

static void
queue_frame(canid_t id, uint8_t len, size_t mtu, int flags)
{
	unsigned int i = (fk.rq_head + fk.rq_n) % MAXQ;

	memset(&fk.rq[i], 0, sizeof(fk.rq[i]));
	fk.rq[i].can_id = id;
	fk.rq[i].len = len;
	memset(fk.rq[i].data, 0x33, len);
	fk.rq_len[i] = mtu;
	fk.rq_flags[i] = flags;
	fk.rq_n++;
}

static int
opt_val(int name)
{
	int v = -1;
	unsigned int i;

	for (i = 0; i < fk.nopts; i++)
		if (fk.opts[i].level == SOL_CAN_RAW && fk.opts[i].name == name)
			v = fk.opts[i].val; /* the last one set */
	return v;
}

static int
setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.fail_opt = -1;
	return 0;
}

static struct can_port *
open_can7(void)
{
	struct can_port *p = NULL;

	assert_int_equal(can_linux_open(&fake_sys, "can7", &p), 0);
	return p;
}

static void
test_open(void **state)
{
	struct can_port *p;

	(void)state;
	p = open_can7();
	assert_int_equal(fk.domain, PF_CAN);
	assert_int_equal(fk.proto, CAN_RAW);
	assert_true(fk.type & SOCK_NONBLOCK);
	assert_int_equal(fk.bound_ifindex, 7);
	assert_int_equal(opt_val(CAN_RAW_FD_FRAMES), 1);
	assert_true(opt_val(CAN_RAW_ERR_FILTER) & CAN_ERR_BUSOFF);
	assert_true(opt_val(CAN_RAW_ERR_FILTER) & CAN_ERR_RESTARTED);
	/* Other local sockets keep seeing our frames; we do not get them back. */
	assert_int_equal(opt_val(CAN_RAW_LOOPBACK), 1);
	assert_int_equal(opt_val(CAN_RAW_RECV_OWN_MSGS), 0);
	assert_true(can_linux_fd_enabled(p));
	assert_int_equal(p->ops->event_fd(p), FAKE_FD);
	p->ops->set_late_ack(p, true);
	assert_int_equal(opt_val(CAN_RAW_RECV_OWN_MSGS), 1);
	p->ops->set_late_ack(p, false);
	assert_int_equal(opt_val(CAN_RAW_RECV_OWN_MSGS), 0);
	can_port_destroy(p);
	assert_int_equal(fk.closes, 1);
}

static void
test_open_errors(void **state)
{
	struct can_port *p = NULL;

	(void)state;
	fk.socket_errno = EAFNOSUPPORT;
	assert_int_equal(can_linux_open(&fake_sys, "can7", &p), -EAFNOSUPPORT);
	fk.socket_errno = 0;
	assert_int_equal(can_linux_open(&fake_sys, "can9", &p), -ENODEV);
	assert_int_equal(fk.closes, 1);
	assert_int_equal(can_linux_open(&fake_sys, "a-name-longer-than-ifnamsiz", &p),
			 -ENAMETOOLONG);
	fk.fail_opt = CAN_RAW_ERR_FILTER;
	assert_int_equal(can_linux_open(&fake_sys, "can7", &p), -ENOPROTOOPT);
	assert_int_equal(fk.closes, 2);
	assert_null(p);
}

static void
test_classic_only_interface(void **state)
{
	struct can_port *p;
	struct can_msg m;

	(void)state;
	fk.fail_opt = CAN_RAW_FD_FRAMES;
	p = open_can7();
	assert_false(can_linux_fd_enabled(p));
	memset(&m, 0, sizeof(m));
	m.flags = CAN_FLAG_FD;
	m.len = 12;
	assert_int_equal(p->ops->send(p, &m), -EOPNOTSUPP);
	assert_int_equal(fk.nsent, 0);
	can_port_destroy(p);
}

static void
test_send(void **state)
{
	struct can_port *p;
	struct can_msg m;

	(void)state;
	p = open_can7();
	memset(&m, 0, sizeof(m));
	m.id = 0x123;
	m.len = 4;
	memcpy(m.data, "\xde\xad\xbe\xef", 4);
	assert_int_equal(p->ops->send(p, &m), 0);
	assert_int_equal(fk.sent_len[0], CAN_MTU);
	assert_int_equal(fk.sent[0].can_id, 0x123);
	assert_int_equal(fk.sent[0].len, 4);
	assert_memory_equal(fk.sent[0].data, "\xde\xad\xbe\xef", 4);
	m.id = 0x1F334455;
	m.flags = CAN_FLAG_EXTENDED | CAN_FLAG_RTR;
	m.len = 2;
	assert_int_equal(p->ops->send(p, &m), 0);
	assert_int_equal(fk.sent[1].can_id, 0x1F334455 | CAN_EFF_FLAG | CAN_RTR_FLAG);
	assert_int_equal(fk.sent[1].len, 2);
	m.id = 0x7;
	m.flags = CAN_FLAG_FD;
	m.len = 64;
	assert_int_equal(p->ops->send(p, &m), 0);
	assert_int_equal(fk.sent_len[2], CANFD_MTU);
	assert_int_equal(fk.sent[2].can_id, 0x7);
	assert_int_equal(fk.sent[2].len, 64);
	fk.write_errno = ENOBUFS;
	assert_int_equal(p->ops->send(p, &m), -ENOBUFS);
	fk.write_errno = EAGAIN;
	assert_int_equal(p->ops->send(p, &m), -EAGAIN);
	fk.write_errno = ENETDOWN;
	assert_int_equal(p->ops->send(p, &m), -ENETDOWN);
	can_port_destroy(p);
}

static void
test_receive(void **state)
{
	struct can_port *p;
	struct can_ev ev;

	(void)state;
	p = open_can7();
	/* FD by frame size on an interface not called vcan0 (upstream's test). */
	queue_frame(0x10, 12, CANFD_MTU, 0);
	queue_frame(0x10, 8, CANFD_MTU, 0);
	queue_frame(0x1abcdef | CAN_EFF_FLAG | CAN_RTR_FLAG, 3, CAN_MTU, 0);
	queue_frame(0x11, 9, CAN_MTU, 0);                  /* malformed: skipped */
	queue_frame(0x11, 4, 10, 0);                       /* odd size: skipped */
	queue_frame(CAN_ERR_FLAG | CAN_ERR_CRTL, 8, CAN_MTU, 0); /* not of interest */
	queue_frame(CAN_ERR_FLAG | CAN_ERR_BUSOFF, 8, CAN_MTU, 0);
	queue_frame(CAN_ERR_FLAG | CAN_ERR_RESTARTED, 8, CAN_MTU, 0);
	assert_int_equal(p->ops->next_event(p, &ev), 1);
	assert_int_equal(ev.type, CAN_EV_RX);
	assert_int_equal(ev.msg.flags, CAN_FLAG_FD);
	assert_int_equal(ev.msg.len, 12);
	assert_int_equal(ev.msg.data[11], 0x33);
	assert_int_equal(p->ops->next_event(p, &ev), 1);
	assert_int_equal(ev.msg.flags, CAN_FLAG_FD);
	assert_int_equal(ev.msg.len, 8);
	assert_int_equal(p->ops->next_event(p, &ev), 1);
	assert_int_equal(ev.msg.flags, CAN_FLAG_EXTENDED | CAN_FLAG_RTR);
	assert_int_equal(ev.msg.id, 0x1abcdef);
	assert_int_equal(ev.msg.len, 3);
	assert_int_equal(p->ops->next_event(p, &ev), 1);
	assert_int_equal(ev.type, CAN_EV_BUSOFF);
	assert_int_equal(p->ops->next_event(p, &ev), 1);
	assert_int_equal(ev.type, CAN_EV_RESTART);
	assert_int_equal(p->ops->next_event(p, &ev), 0);
	can_port_destroy(p);
}

static void
test_own_frames(void **state)
{
	struct can_port *p;
	struct can_ev ev;

	(void)state;
	p = open_can7();
	/* A confirmation of our own frame is never RX; without late acks it is ignored. */
	queue_frame(0x20, 1, CAN_MTU, MSG_CONFIRM);
	assert_int_equal(p->ops->next_event(p, &ev), 0);
	p->ops->set_late_ack(p, true);
	queue_frame(0x20, 1, CAN_MTU, MSG_CONFIRM);
	queue_frame(0x21, 1, CAN_MTU, 0);
	assert_int_equal(p->ops->next_event(p, &ev), 1);
	assert_int_equal(ev.type, CAN_EV_TX_DONE);
	assert_int_equal(ev.msg.id, 0x20);
	assert_int_equal(p->ops->next_event(p, &ev), 1);
	assert_int_equal(ev.type, CAN_EV_RX);
	assert_int_equal(ev.msg.id, 0x21);
	can_port_destroy(p);
}

static void
test_translation(void **state)
{
	struct canfd_frame f;
	struct can_msg m, back;
	struct can_ev ev;
	size_t n;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.id = 0x1fffffff;
	m.flags = CAN_FLAG_EXTENDED;
	m.len = 8;
	n = can_linux_encode(&m, &f);
	assert_int_equal(n, CAN_MTU);
	assert_int_equal(f.can_id, 0x1fffffff | CAN_EFF_FLAG);
	assert_int_equal(can_linux_decode(&f, n, &ev), 1);
	back = ev.msg;
	assert_true(can_msg_equal(&m, &back));
	/* Virtio ids have their top three bits clear. */
	f.can_id = 0x7ff | CAN_RTR_FLAG;
	f.len = 0;
	assert_int_equal(can_linux_decode(&f, CAN_MTU, &ev), 1);
	assert_int_equal(ev.msg.id, 0x7ff);
	assert_int_equal(ev.msg.flags, CAN_FLAG_RTR);
	f.can_id = 0x7;
	f.len = 13;
	assert_int_equal(can_linux_decode(&f, CANFD_MTU, &ev), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_open, setup),
		cmocka_unit_test_setup(test_open_errors, setup),
		cmocka_unit_test_setup(test_classic_only_interface, setup),
		cmocka_unit_test_setup(test_send, setup),
		cmocka_unit_test_setup(test_receive, setup),
		cmocka_unit_test_setup(test_own_frames, setup),
		cmocka_unit_test_setup(test_translation, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
