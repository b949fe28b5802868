/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Simulated buses: fan-out to the other nodes of a bus only, late-ack
 * reports, event fd readiness, queue overflow, and the control socket
 * (send, bus-off/restart, monitor in candump log format, errors).
 */

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "can_sim.h"

static struct can_msg
msg(uint32_t id, uint8_t len)
{
	struct can_msg m;

	memset(&m, 0, sizeof(m));
	m.id = id;
	m.len = len;
	memset(m.data, 0x5a, len);
	return m;
}

static int
readable(struct can_port *p)
{
	struct pollfd pfd = {p->ops->event_fd(p), POLLIN, 0};

	return poll(&pfd, 1, 0) == 1;
}

static int
nevents(struct can_port *p, enum can_ev_type type, uint32_t id)
{
	struct can_ev ev;
	int n = 0;

	while (p->ops->next_event(p, &ev) == 1) {
		assert_int_equal(ev.type, type);
		if (type == CAN_EV_RX || type == CAN_EV_TX_DONE)
			assert_int_equal(ev.msg.id, id);
		n++;
	}
	return n;
}

static void
test_fanout(void **state)
{
	struct can_port *n[4];
	struct can_sim *sim;
	struct can_msg m = msg(0x42, 3);
	unsigned int i;

	(void)state;
	assert_int_equal(can_sim_create(NULL, &sim), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(can_sim_port_open(sim, "b1", &n[i]), 0);
	assert_int_equal(can_sim_port_open(sim, "b2", &n[3]), 0);
	assert_int_equal(can_sim_port_open(sim, "bad name", &n[3]), -EINVAL);
	assert_int_equal(can_sim_port_open(sim, "", &n[3]), -EINVAL);
	for (i = 0; i < 4; i++)
		assert_false(readable(n[i]));
	assert_int_equal(n[0]->ops->send(n[0], &m), 0);
	assert_false(readable(n[0]));
	assert_true(readable(n[1]));
	assert_int_equal(nevents(n[0], CAN_EV_RX, 0x42), 0);
	assert_int_equal(nevents(n[1], CAN_EV_RX, 0x42), 1);
	assert_false(readable(n[1]));
	assert_int_equal(nevents(n[2], CAN_EV_RX, 0x42), 1);
	assert_int_equal(nevents(n[3], CAN_EV_RX, 0x42), 0);
	/* Late acks: the sender hears of its own frame as delivered, never as RX. */
	n[0]->ops->set_late_ack(n[0], true);
	assert_int_equal(n[0]->ops->send(n[0], &m), 0);
	assert_int_equal(nevents(n[0], CAN_EV_TX_DONE, 0x42), 1);
	assert_int_equal(nevents(n[1], CAN_EV_RX, 0x42), 1);
	assert_int_equal(nevents(n[2], CAN_EV_RX, 0x42), 1);
	assert_int_equal(can_sim_inject(sim, "b2", &m), 0);
	assert_int_equal(nevents(n[3], CAN_EV_RX, 0x42), 1);
	assert_int_equal(can_sim_inject(sim, "b9", &m), -ENOENT);
	/* Bus-off: every node hears it; sends fail until the restart. */
	assert_int_equal(can_sim_error(sim, "b1", CAN_EV_BUSOFF), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(nevents(n[i], CAN_EV_BUSOFF, 0), 1);
	assert_int_equal(n[0]->ops->send(n[0], &m), -ENETDOWN);
	assert_int_equal(can_sim_error(sim, "b1", CAN_EV_RESTART), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(nevents(n[i], CAN_EV_RESTART, 0), 1);
	assert_int_equal(n[0]->ops->send(n[0], &m), 0);
	assert_int_equal(nevents(n[0], CAN_EV_TX_DONE, 0x42), 1);
	assert_int_equal(nevents(n[1], CAN_EV_RX, 0x42), 1);
	assert_int_equal(nevents(n[2], CAN_EV_RX, 0x42), 1);
	/* Paused: neither the frame nor its delivery report until the resume. */
	assert_int_equal(can_sim_pause(sim, "b1", true), 0);
	assert_int_equal(n[0]->ops->send(n[0], &m), 0);
	assert_int_equal(nevents(n[0], CAN_EV_TX_DONE, 0x42), 0);
	assert_int_equal(nevents(n[1], CAN_EV_RX, 0x42), 0);
	/* A sender gone meanwhile: its frame still goes out, to the others. */
	can_port_destroy(n[2]);
	assert_int_equal(can_sim_port_open(sim, "b1", &n[2]), 0);
	assert_int_equal(can_sim_pause(sim, "b1", false), 0);
	assert_int_equal(nevents(n[0], CAN_EV_TX_DONE, 0x42), 1);
	assert_int_equal(nevents(n[1], CAN_EV_RX, 0x42), 1);
	assert_int_equal(nevents(n[2], CAN_EV_RX, 0x42), 1);
	assert_int_equal(can_sim_pause(sim, "zz", true), -ENOENT);
	for (i = 0; i < 4; i++)
		can_port_destroy(n[i]);
	can_sim_destroy(sim);
}

static void
test_overflow(void **state)
{
	struct can_port *a, *b;
	struct can_sim *sim;
	struct can_msg m = msg(1, 0);
	unsigned int i;

	(void)state;
	assert_int_equal(can_sim_create(NULL, &sim), 0);
	assert_int_equal(can_sim_port_open(sim, "x", &a), 0);
	assert_int_equal(can_sim_port_open(sim, "x", &b), 0);
	for (i = 0; i < CAN_SIM_QUEUE_LEN + 10; i++)
		assert_int_equal(a->ops->send(a, &m), 0);
	assert_int_equal(can_sim_port_dropped(b), 10);
	assert_int_equal(nevents(b, CAN_EV_RX, 1), CAN_SIM_QUEUE_LEN);
	can_port_destroy(a);
	can_port_destroy(b);
	can_sim_destroy(sim);
}

/* ---- control socket ---- */

struct ctl_fx {
	char dir[64];
	char path[128];
	struct can_sim *sim;
	struct can_port *owner, *other;
};

static int
ctl_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Run the owner node's servicing until a reply line arrives on @p fd. */
static void
ctl_cmd(struct ctl_fx *x, int fd, const char *cmd, const char *want)
{
	char buf[256];
	size_t len = 0;
	struct can_ev ev;
	int i;

	assert_int_equal(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	for (i = 0; i < 200 && (len == 0 || buf[len - 1] != '\n'); i++) {
		struct pollfd pfd = {fd, POLLIN, 0};
		ssize_t n;

		while (x->owner->ops->next_event(x->owner, &ev) == 1)
			;
		if (poll(&pfd, 1, 10) == 1) {
			n = read(fd, buf + len, sizeof(buf) - 1 - len);
			assert_true(n > 0);
			len += (size_t)n;
		}
	}
	buf[len] = '\0';
	assert_string_equal(buf, want);
}

static void
read_line(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len + 1 < size) {
		struct pollfd pfd = {fd, POLLIN, 0};

		assert_int_equal(poll(&pfd, 1, 2000), 1);
		assert_int_equal(read(fd, buf + len, 1), 1);
		if (buf[len++] == '\n')
			break;
	}
	buf[len] = '\0';
}

static void
test_control(void **state)
{
	struct ctl_fx x;
	struct can_port *b2;
	struct can_ev ev;
	char line[256], *p;
	int c, mon;

	(void)state;
	snprintf(x.dir, sizeof(x.dir), "/tmp/vhd-can-sim.XXXXXX");
	assert_non_null(mkdtemp(x.dir));
	snprintf(x.path, sizeof(x.path), "%s/ctl", x.dir);
	assert_int_equal(can_sim_create(x.path, &x.sim), 0);
	assert_int_equal(can_sim_port_open(x.sim, "bus0", &x.owner), 0);
	assert_int_equal(can_sim_port_open(x.sim, "bus0", &x.other), 0);
	mon = ctl_connect(x.path);
	/* The owner's event fd carries the control socket: a new client wakes it. */
	{
		struct pollfd pfd = {x.owner->ops->event_fd(x.owner), POLLIN, 0};

		assert_int_equal(poll(&pfd, 1, 1000), 1);
	}
	ctl_cmd(&x, mon, "monitor\n", "ok\n");
	c = ctl_connect(x.path);
	ctl_cmd(&x, c, "send 123#DEADBEEF\n", "ok\n");
	assert_int_equal(x.other->ops->next_event(x.other, &ev), 1);
	assert_int_equal(ev.type, CAN_EV_RX);
	assert_int_equal(ev.msg.id, 0x123);
	assert_int_equal(ev.msg.len, 4);
	assert_int_equal(ev.msg.data[0], 0xde);
	read_line(mon, line, sizeof(line));
	/* candump -l: "(1700000000.123456) bus0 123#DEADBEEF" */
	assert_int_equal(line[0], '(');
	p = strchr(line, ')');
	assert_non_null(p);
	assert_string_equal(p, ") bus0 123#DEADBEEF\n");
	assert_non_null(strchr(line, '.'));
	/* A guest's frame shows too. */
	{
		struct can_msg m = msg(0x1F334455, 0);

		m.flags = CAN_FLAG_EXTENDED | CAN_FLAG_RTR;
		assert_int_equal(x.other->ops->send(x.other, &m), 0);
	}
	read_line(mon, line, sizeof(line));
	assert_string_equal(strchr(line, ')'), ") bus0 1F334455#R\n");
	ctl_cmd(&x, c, "send bus0 7##1000102030405060708090A0B\n", "ok\n");
	assert_int_equal(x.other->ops->next_event(x.other, &ev), 1);
	assert_int_equal(ev.msg.flags, CAN_FLAG_FD);
	assert_int_equal(ev.msg.len, 12);
	read_line(mon, line, sizeof(line));
	assert_string_equal(strchr(line, ')'), ") bus0 007##0000102030405060708090A0B\n");
	ctl_cmd(&x, c, "send 123#XYZ\n", "error: bad frame\n");
	ctl_cmd(&x, c, "send nobus 123#00\n", "error: no such bus\n");
	ctl_cmd(&x, c, "error busoff\n", "ok\n");
	assert_int_equal(x.other->ops->next_event(x.other, &ev), 1);
	assert_int_equal(ev.type, CAN_EV_BUSOFF);
	ctl_cmd(&x, c, "send 123#00\n", "error: bus-off\n");
	ctl_cmd(&x, c, "error restart bus0\n", "ok\n");
	assert_int_equal(x.other->ops->next_event(x.other, &ev), 1);
	assert_int_equal(ev.type, CAN_EV_RESTART);
	ctl_cmd(&x, c, "error melt\n",
		"error: usage: send [BUS] FRAME | error busoff|restart [BUS] | "
		"pause|resume [BUS] | monitor\n");
	/* A stalled bus keeps a node's frames, in order, until it resumes. */
	ctl_cmd(&x, c, "pause\n", "ok\n");
	{
		struct can_msg m1 = msg(0x31, 1), m2 = msg(0x32, 1);

		x.owner->ops->set_late_ack(x.owner, true);
		assert_int_equal(x.owner->ops->send(x.owner, &m1), 0);
		assert_int_equal(x.owner->ops->send(x.owner, &m2), 0);
		assert_int_equal(x.other->ops->next_event(x.other, &ev), 0);
		ctl_cmd(&x, c, "resume bus0\n", "ok\n");
		assert_int_equal(x.other->ops->next_event(x.other, &ev), 1);
		assert_int_equal(ev.msg.id, 0x31);
		assert_int_equal(x.other->ops->next_event(x.other, &ev), 1);
		assert_int_equal(ev.msg.id, 0x32);
		read_line(mon, line, sizeof(line));
		assert_string_equal(strchr(line, ')'), ") bus0 031#5A\n");
		read_line(mon, line, sizeof(line));
		assert_string_equal(strchr(line, ')'), ") bus0 032#5A\n");
	}
	/* With two buses, commands must name one. */
	assert_int_equal(can_sim_port_open(x.sim, "bus1", &b2), 0);
	ctl_cmd(&x, c, "send 123#00\n", "error: several buses: name one\n");
	ctl_cmd(&x, c, "send bus1 123#00\n", "ok\n");
	assert_int_equal(b2->ops->next_event(b2, &ev), 1);
	assert_int_equal(x.other->ops->next_event(x.other, &ev), 0);
	close(c);
	close(mon);
	can_port_destroy(b2);
	can_port_destroy(x.other);
	can_port_destroy(x.owner);
	can_sim_destroy(x.sim);
	assert_int_not_equal(access(x.path, F_OK), 0);
	rmdir(x.dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fanout),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
