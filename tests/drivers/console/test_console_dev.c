/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-console device over plain rings and a fake host: config reads,
 * the multiport control state machine, receive buffers held and filled
 * (one used entry per buffer, none leaked), output order, the bounded
 * backlog, per-port backpressure, emergency writes, resize and malformed
 * buffers of every queue. Host clients are real Unix sockets and a real
 * pty.
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
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "vhd_test_pair.h"

#include "console_dev.h"
#include "vhd_test_host.h"

#define QSZ 64
#define FEAT (VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_INDIRECT_DESC))
#define MP VHD_BIT(CONSOLE_F_MULTIPORT)
#define MAXQ (2 + 2 * CONSOLE_MAX_PORTS)

struct fx {
	struct vhd_test_host th;
	struct console_dev *dev;
	const struct vhd_device_ops *ops;
	unsigned int nports;
	uint16_t nq;
	struct vhd_test_pair q[MAXQ];
	char dir[64];
	char sock[CONSOLE_MAX_PORTS][108];
};

/* ---- fixture ---- */

static struct fx *
fx_new_specs(unsigned int nports, const struct console_port_spec *specs, uint64_t features)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct console_dev_conf conf;
	char msg[200];
	unsigned int i;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/vhd-console-unit.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	memset(&conf, 0, sizeof(conf));
	conf.nports = nports;
	conf.max_queue_size = QSZ;
	conf.log_fd = -1;
	conf.quiet = true;
	for (i = 0; i < nports; i++) {
		conf.ports[i] = specs[i];
		if (specs[i].kind == CONSOLE_UNIX) {
			snprintf(f->sock[i], sizeof(f->sock[i]), "%s/p%u", f->dir, i);
			snprintf(conf.ports[i].addr, sizeof(conf.ports[i].addr), "%s", f->sock[i]);
		}
	}
	f->dev = console_dev_create(&conf, msg, sizeof(msg));
	if (f->dev == NULL)
		fail_msg("create: %s", msg);
	f->ops = console_dev_ops(f->dev);
	f->nports = nports;
	f->nq = f->ops->num_queues;
	assert_int_equal(f->nq, 2 + 2 * nports);
	vhd_test_host_init(&f->th);
	f->th.config_changed_rc = -ENOTSUP; /* as before the backend channel is set up */
	f->ops->attach(f->dev, &f->th.host);
	f->ops->set_features(f->dev, FEAT | features);
	for (i = 0; i < f->nq; i++) {
		assert_int_equal(vhd_test_pair_init(&f->q[i], QSZ, FEAT), 0);
		assert_int_equal(f->ops->queue_start(f->dev, (uint16_t)i, &f->q[i].vq), 0);
	}
	return f;
}

/* Every port a Unix socket. */
static struct fx *
fx_new(unsigned int nports, uint64_t features)
{
	struct console_port_spec specs[CONSOLE_MAX_PORTS];
	unsigned int i;

	memset(specs, 0, sizeof(specs));
	for (i = 0; i < nports; i++)
		specs[i].kind = CONSOLE_UNIX;
	return fx_new_specs(nports, specs, features);
}

static void
fx_free(struct fx *f)
{
	unsigned int i;

	console_dev_destroy(f->dev);
	/* Every fd the device watched was given back. */
	assert_int_equal(f->th.nwatch, 0);
	for (i = 0; i < f->nq; i++)
		vhd_test_pair_fini(&f->q[i]);
	for (i = 0; i < f->nports; i++)
		if (f->sock[i][0] != '\0')
			assert_int_not_equal(access(f->sock[i], F_OK), 0); /* removed */
	rmdir(f->dir);
	free(f);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Worker turns until no fd was ready for @p idle_ms (a second at most: timers never idle). */
static void
pump(struct fx *f, int idle_ms)
{
	int64_t start = now_ms(), idle = start;

	while (now_ms() - start < 1000) {
		if (vhd_test_host_run(&f->th) > 0)
			idle = now_ms();
		else if (now_ms() - idle >= idle_ms)
			return;
		else
			usleep(200);
	}
}

static int
teardown(void **state)
{
	if (*state != NULL)
		fx_free(*state);
	return 0;
}

static uint16_t
rxq(unsigned int p)
{
	return console_rxq(p);
}

static uint16_t
txq(unsigned int p)
{
	return (uint16_t)(console_rxq(p) + 1);
}

static int
serve(struct fx *f, uint16_t q)
{
	return vhd_test_serve(&f->q[q], f->ops, f->dev, q);
}

/* Post @p n writable buffers of @p len bytes on queue @p q and serve it. */
static void
post_wr(struct fx *f, uint16_t q, unsigned int n, uint32_t len)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct vhd_fe_buf b = {vhd_test_alloc(&f->q[q], len), len};

		memset(b.ptr, 0xee, len);
		assert_true(vhd_test_post(&f->q[q], &b, 0, 1, false) >= 0);
	}
	serve(f, q);
}

/* Post one readable buffer with @p data on @p q and serve: returns handle() calls. */
static int
post_rd(struct fx *f, uint16_t q, const void *data, uint32_t len)
{
	struct vhd_fe_buf b = {vhd_test_alloc(&f->q[q], len), len};

	memcpy(b.ptr, data, len);
	assert_true(vhd_test_post(&f->q[q], &b, 1, 0, false) >= 0);
	return serve(f, q);
}

/* Next used entry of @p q: 1 and its length and data, or 0. */
static int
get_used(struct fx *f, uint16_t q, uint32_t *len, void **data)
{
	struct vhd_fe_ring *r = &f->q[q].drv;
	uint16_t id;
	void *cookie;

	if (vhd_fe_ring_get_used(r, &id, len, &cookie) != 1)
		return 0;
	(void)cookie;
	/* Chains here are one descriptor: the head is the buffer. */
	if (data != NULL)
		*data = f->q[q].fmem.base + (r->desc[id].addr - f->q[q].fmem.gpa_base);
	return 1;
}

static int
client(struct fx *f, unsigned int port)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock[port]);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pump(f, 20);
	return fd;
}

static void
send_all(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Read exactly @p len bytes from @p fd, pumping the device meanwhile. */
static void
recv_all(struct fx *f, int fd, void *buf, size_t len)
{
	size_t got = 0;
	int tries = 0;

	while (got < len && tries++ < 2000) {
		ssize_t n = recv(fd, (uint8_t *)buf + got, len - got, MSG_DONTWAIT);

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		pump(f, 1);
	}
	assert_int_equal(got, len);
}

/* ---- control helpers ---- */

struct cmsg {
	uint32_t id;
	uint16_t event, value;
	uint8_t extra[CONSOLE_NAME_MAX];
	uint32_t extra_len;
};

static void
ctrl_send(struct fx *f, uint32_t id, uint16_t event, uint16_t value)
{
	struct console_control c = {htole32(id), htole16(event), htole16(value)};

	post_rd(f, CONSOLE_Q_CTRL_TX, &c, sizeof(c));
	assert_int_equal(get_used(f, CONSOLE_Q_CTRL_TX, &(uint32_t){0}, NULL), 1);
}

static int
ctrl_recv(struct fx *f, struct cmsg *m)
{
	struct console_control c;
	uint32_t len;
	uint8_t *d = NULL;

	if (get_used(f, CONSOLE_Q_CTRL_RX, &len, (void **)&d) == 0)
		return 0;
	assert_true(len >= sizeof(c));
	memcpy(&c, d, sizeof(c));
	m->id = le32toh(c.id);
	m->event = le16toh(c.event);
	m->value = le16toh(c.value);
	m->extra_len = len - (uint32_t)sizeof(c);
	assert_true(m->extra_len <= sizeof(m->extra));
	memcpy(m->extra, d + sizeof(c), m->extra_len);
	return 1;
}

/* DEVICE_READY, PORT_READY for each port, PORT_OPEN for each port: a Linux driver's start. */
static void
bring_up(struct fx *f)
{
	struct cmsg m;
	unsigned int i;

	post_wr(f, CONSOLE_Q_CTRL_RX, 32, 256);
	ctrl_send(f, 0, CONSOLE_DEVICE_READY, 1);
	for (i = 0; i < f->nports; i++) {
		assert_int_equal(ctrl_recv(f, &m), 1);
		assert_int_equal(m.event, CONSOLE_DEVICE_ADD);
		assert_int_equal(m.id, i);
	}
	for (i = 0; i < f->nports; i++) {
		ctrl_send(f, i, CONSOLE_PORT_READY, 1);
		ctrl_send(f, i, CONSOLE_PORT_OPEN, 1);
	}
	while (ctrl_recv(f, &m) == 1)
		;
}

/* ---- config ---- */

static void
config_every_offset(void **state)
{
	struct fx *f = fx_new(3, MP);
	uint8_t buf[32], want[CONSOLE_CFG_SIZE] = {0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0};
	uint32_t off, len;

	*state = f;
	assert_int_equal(f->ops->config_size, CONSOLE_CFG_SIZE);
	for (off = 0; off <= 16; off++) {
		for (len = 0; len <= 16; len++) {
			int rc;

			memset(buf, 0xa5, sizeof(buf));
			rc = f->ops->get_config(f->dev, buf, off, len);
			if (off + len > CONSOLE_CFG_SIZE) {
				/* Upstream built a slice past the 12 bytes here. */
				assert_int_equal(rc, -EINVAL);
				assert_int_equal(buf[0], 0xa5);
				continue;
			}
			assert_int_equal(rc, 0);
			if (len > 0)
				assert_memory_equal(buf, want + off, len);
			assert_int_equal(buf[len], 0xa5); /* not a byte more */
		}
	}
	/* Huge values must not wrap the bound check. */
	assert_int_equal(f->ops->get_config(f->dev, buf, UINT32_MAX, 2), -EINVAL);
	assert_int_equal(f->ops->get_config(f->dev, buf, 2, UINT32_MAX), -EINVAL);
	assert_int_equal(f->ops->set_config(f->dev, buf, 4, UINT32_MAX), -EINVAL);
	/* Offered: multiport and emergency write; no size without a terminal. */
	assert_true(f->ops->features & MP);
	assert_true(f->ops->features & VHD_BIT(CONSOLE_F_EMERG_WRITE));
	assert_false(f->ops->features & VHD_BIT(CONSOLE_F_SIZE));
	assert_int_equal(f->ops->virtio_id, 3);
}

/* ---- control state machine ---- */

static void
control_bring_up(void **state)
{
	struct console_port_spec specs[3];
	struct fx *f;
	struct cmsg m;
	int c1;

	memset(specs, 0, sizeof(specs));
	specs[0].kind = CONSOLE_UNIX;
	specs[1].kind = CONSOLE_UNIX;
	specs[2].kind = CONSOLE_NULL;
	strcpy(specs[1].name, "org.vhd.one");
	f = fx_new_specs(3, specs, MP);
	*state = f;
	/* Nothing is sent before the driver says it is ready. */
	post_wr(f, CONSOLE_Q_CTRL_RX, 16, 256);
	assert_int_equal(console_dev_held_ctrl(f->dev), 16);
	assert_int_equal(ctrl_recv(f, &m), 0);
	ctrl_send(f, 0, CONSOLE_DEVICE_READY, 1);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(ctrl_recv(f, &m), 1);
		assert_int_equal(m.event, CONSOLE_DEVICE_ADD);
		assert_int_equal(m.id, i);
	}
	assert_int_equal(ctrl_recv(f, &m), 0);
	/* Port 0: the console; nobody connected, so no PORT_OPEN. */
	ctrl_send(f, 0, CONSOLE_PORT_READY, 1);
	assert_int_equal(ctrl_recv(f, &m), 1);
	assert_int_equal(m.event, CONSOLE_CONSOLE_PORT);
	assert_int_equal(m.id, 0);
	assert_int_equal(m.value, 1);
	assert_int_equal(ctrl_recv(f, &m), 0);
	/* Port 1: its name. */
	ctrl_send(f, 1, CONSOLE_PORT_READY, 1);
	assert_int_equal(ctrl_recv(f, &m), 1);
	assert_int_equal(m.event, CONSOLE_PORT_NAME);
	assert_int_equal(m.id, 1);
	assert_int_equal(m.extra_len, strlen("org.vhd.one"));
	assert_memory_equal(m.extra, "org.vhd.one", m.extra_len);
	assert_int_equal(ctrl_recv(f, &m), 0);
	/* Port 2 (null) is always open on the host side. */
	ctrl_send(f, 2, CONSOLE_PORT_READY, 1);
	assert_int_equal(ctrl_recv(f, &m), 1);
	assert_int_equal(m.event, CONSOLE_PORT_OPEN);
	assert_int_equal(m.id, 2);
	assert_int_equal(m.value, 1);
	/* A client connecting and leaving opens and closes the port for the guest. */
	c1 = client(f, 1);
	assert_int_equal(ctrl_recv(f, &m), 1);
	assert_int_equal(m.event, CONSOLE_PORT_OPEN);
	assert_int_equal(m.id, 1);
	assert_int_equal(m.value, 1);
	ctrl_send(f, 1, CONSOLE_PORT_OPEN, 1);
	post_wr(f, rxq(1), 2, 64); /* reading: the hang-up is seen at once */
	close(c1);
	pump(f, 20);
	assert_int_equal(ctrl_recv(f, &m), 1);
	assert_int_equal(m.event, CONSOLE_PORT_OPEN);
	assert_int_equal(m.id, 1);
	assert_int_equal(m.value, 0);
	assert_int_equal(console_dev_stats(f->dev)->ctrl_bad, 0);
	/* A driver restart (DEVICE_READY again) adds every port again. */
	ctrl_send(f, 0, CONSOLE_DEVICE_READY, 1);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(ctrl_recv(f, &m), 1);
		assert_int_equal(m.event, CONSOLE_DEVICE_ADD);
	}
}

static void
control_malformed(void **state)
{
	struct fx *f = fx_new(2, MP);
	struct console_control c = {htole32(0), htole16(CONSOLE_DEVICE_READY), htole16(1)};
	struct console_control bad[] = {
		{htole32(7), htole16(CONSOLE_PORT_READY), htole16(1)},   /* no such port */
		{htole32(0), htole16(CONSOLE_DEVICE_ADD), htole16(1)},   /* device -> driver */
		{htole32(0), htole16(CONSOLE_RESIZE), htole16(0)},
		{htole32(0), htole16(99), htole16(1)},                   /* unknown */
		{htole32(UINT32_MAX), htole16(CONSOLE_PORT_OPEN), htole16(1)},
	};
	const struct console_dev_stats *s = console_dev_stats(f->dev);
	struct vhd_fe_buf b;
	uint32_t len;
	struct cmsg m;
	unsigned int i;

	*state = f;
	/* Too short. */
	post_rd(f, CONSOLE_Q_CTRL_TX, &c, 7);
	assert_int_equal(get_used(f, CONSOLE_Q_CTRL_TX, &len, NULL), 1);
	assert_int_equal(len, 0);
	assert_int_equal(s->ctrl_bad, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		post_rd(f, CONSOLE_Q_CTRL_TX, &bad[i], sizeof(bad[i]));
		assert_int_equal(get_used(f, CONSOLE_Q_CTRL_TX, &len, NULL), 1);
	}
	assert_int_equal(s->ctrl_bad, 1 + sizeof(bad) / sizeof(bad[0]));
	/* A write-only chain on the control tx queue: nothing to read. */
	post_wr(f, CONSOLE_Q_CTRL_TX, 1, 8);
	assert_int_equal(get_used(f, CONSOLE_Q_CTRL_TX, &len, NULL), 1);
	assert_int_equal(len, 0);
	/* Control rx: a read-only chain is not held; a 4-byte one is too small. */
	b = (struct vhd_fe_buf){vhd_test_alloc(&f->q[CONSOLE_Q_CTRL_RX], 16), 16};
	assert_true(vhd_test_post(&f->q[CONSOLE_Q_CTRL_RX], &b, 1, 0, false) >= 0);
	serve(f, CONSOLE_Q_CTRL_RX);
	assert_int_equal(get_used(f, CONSOLE_Q_CTRL_RX, &len, NULL), 1);
	assert_int_equal(len, 0);
	post_wr(f, CONSOLE_Q_CTRL_RX, 1, 4);
	assert_int_equal(console_dev_held_ctrl(f->dev), 1);
	post_rd(f, CONSOLE_Q_CTRL_TX, &c, sizeof(c));
	assert_int_equal(get_used(f, CONSOLE_Q_CTRL_TX, &len, NULL), 1);
	assert_int_equal(get_used(f, CONSOLE_Q_CTRL_RX, &len, NULL), 1);
	assert_int_equal(len, 0); /* the small buffer back empty ... */
	/* ... and the messages wait for good buffers, none lost. */
	post_wr(f, CONSOLE_Q_CTRL_RX, 4, 64);
	for (i = 0; i < 2; i++) {
		assert_int_equal(ctrl_recv(f, &m), 1);
		assert_int_equal(m.event, CONSOLE_DEVICE_ADD);
		assert_int_equal(m.id, i);
	}
	assert_int_equal(console_dev_held_ctrl(f->dev), 2);
	/* DEVICE_READY 0 / PORT_READY 0: failures, counted. */
	c.value = 0;
	post_rd(f, CONSOLE_Q_CTRL_TX, &c, sizeof(c));
	assert_int_equal(get_used(f, CONSOLE_Q_CTRL_TX, &len, NULL), 1);
	assert_int_equal(s->port_failed, 1);
	/* The queue still works. */
	ctrl_send(f, 0, CONSOLE_PORT_READY, 1);
	assert_int_equal(ctrl_recv(f, &m), 1);
	assert_int_equal(m.event, CONSOLE_CONSOLE_PORT);
}

static void
control_name_cut(void **state)
{
	struct console_port_spec specs[1];
	struct fx *f;
	struct cmsg m;
	uint32_t len;
	uint8_t *d = NULL;

	memset(specs, 0, sizeof(specs));
	specs[0].kind = CONSOLE_NULL;
	strcpy(specs[0].name, "a-rather-long-port-name");
	f = fx_new_specs(1, specs, MP);
	*state = f;
	post_wr(f, CONSOLE_Q_CTRL_RX, 1, 64);
	ctrl_send(f, 0, CONSOLE_DEVICE_READY, 1);
	assert_int_equal(ctrl_recv(f, &m), 1);
	post_wr(f, CONSOLE_Q_CTRL_RX, 1, 12); /* CONSOLE_PORT fits */
	post_wr(f, CONSOLE_Q_CTRL_RX, 1, 12); /* the name does not */
	ctrl_send(f, 0, CONSOLE_PORT_READY, 1);
	assert_int_equal(ctrl_recv(f, &m), 1);
	assert_int_equal(m.event, CONSOLE_CONSOLE_PORT);
	assert_int_equal(get_used(f, CONSOLE_Q_CTRL_RX, &len, (void **)&d), 1);
	assert_int_equal(len, 12);
	assert_memory_equal(d + 8, "a-ra", 4);
	assert_int_equal(console_dev_stats(f->dev)->ctrl_short_buf, 1);
}

/* ---- receive: upstream's two bugs ---- */

static void
rx_one_used_entry_per_buffer(void **state)
{
	struct fx *f = fx_new(1, 0);
	uint8_t data[1000], *d;
	uint32_t len;
	int c;
	unsigned int i;

	*state = f;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	post_wr(f, rxq(0), 8, 4096);
	assert_int_equal(console_dev_held_rx(f->dev, 0), 8);
	assert_int_equal(get_used(f, rxq(0), &len, NULL), 0); /* none used while no data */
	c = client(f, 0);
	/* A paste of 1000 bytes: one used entry with all of them, not 1000 entries. */
	send_all(c, data, sizeof(data));
	pump(f, 20);
	assert_int_equal(get_used(f, rxq(0), &len, (void **)&d), 1);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(d, data, sizeof(data));
	assert_int_equal(get_used(f, rxq(0), &len, NULL), 0);
	assert_int_equal(f->q[rxq(0)].drv.used->idx, 1);
	/* The other 7 are still held, ready for the next bytes: none leaked. */
	assert_int_equal(console_dev_held_rx(f->dev, 0), 7);
	send_all(c, "xy", 2);
	pump(f, 20);
	assert_int_equal(get_used(f, rxq(0), &len, (void **)&d), 1);
	assert_int_equal(len, 2);
	assert_memory_equal(d, "xy", 2);
	assert_int_equal(console_dev_held_rx(f->dev, 0), 6);
	/* A stop gives every held buffer back (empty), so the guest can reuse them. */
	f->ops->queue_stop(f->dev, rxq(0), &f->q[rxq(0)].vq);
	for (i = 0; i < 6; i++) {
		assert_int_equal(get_used(f, rxq(0), &len, NULL), 1);
		assert_int_equal(len, 0);
	}
	assert_int_equal(get_used(f, rxq(0), &len, NULL), 0);
	assert_int_equal(console_dev_held_rx(f->dev, 0), 0);
	assert_int_equal(f->ops->queue_start(f->dev, rxq(0), &f->q[rxq(0)].vq), 0);
	close(c);
}

static void
rx_split_over_buffers(void **state)
{
	struct fx *f = fx_new(1, 0);
	uint8_t data[400], got[400], *d;
	uint32_t len, total = 0;
	int c;
	unsigned int i, n = 0;

	*state = f;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	c = client(f, 0);
	send_all(c, data, sizeof(data)); /* before any buffer: waits in the socket */
	pump(f, 10);
	post_wr(f, rxq(0), 5, 64);
	pump(f, 20);
	while (get_used(f, rxq(0), &len, (void **)&d) == 1) {
		assert_true(len > 0 && len <= 64);
		memcpy(got + total, d, len);
		total += len;
		n++;
	}
	assert_int_equal(n, 5);
	assert_int_equal(total, 5 * 64);
	assert_memory_equal(got, data, total);
	/* The rest waits for buffers: nothing dropped. */
	post_wr(f, rxq(0), 1, 64);
	pump(f, 20);
	assert_int_equal(get_used(f, rxq(0), &len, (void **)&d), 1);
	assert_int_equal(len, 64);
	assert_memory_equal(d, data + total, len);
	close(c);
}

static void
rx_bad_buffers(void **state)
{
	struct fx *f = fx_new(1, 0);
	struct vhd_fe_buf b;
	uint32_t len;

	*state = f;
	/* Read-only on an rx queue: returned at once, never held. */
	b = (struct vhd_fe_buf){vhd_test_alloc(&f->q[rxq(0)], 16), 16};
	assert_true(vhd_test_post(&f->q[rxq(0)], &b, 1, 0, false) >= 0);
	serve(f, rxq(0));
	assert_int_equal(get_used(f, rxq(0), &len, NULL), 1);
	assert_int_equal(len, 0);
	assert_int_equal(console_dev_held_rx(f->dev, 0), 0);
	assert_int_equal(console_dev_stats(f->dev)->bad_bufs, 1);
	/* Write-only on a tx queue: nothing to send. */
	post_wr(f, txq(0), 1, 16);
	assert_int_equal(get_used(f, txq(0), &len, NULL), 1);
	assert_int_equal(len, 0);
	assert_int_equal(console_dev_stats(f->dev)->bad_bufs, 2);
}

/* With MULTIPORT, bytes go to a port only once the guest opened it. */
static void
rx_waits_for_guest_open(void **state)
{
	struct fx *f = fx_new(2, MP);
	uint32_t len;
	uint8_t *d = NULL;
	int c;

	*state = f;
	post_wr(f, rxq(1), 2, 64);
	c = client(f, 1);
	send_all(c, "hello", 5);
	pump(f, 20);
	assert_int_equal(get_used(f, rxq(1), &len, NULL), 0);
	assert_int_equal(console_dev_held_rx(f->dev, 1), 2);
	post_wr(f, CONSOLE_Q_CTRL_RX, 8, 64);
	ctrl_send(f, 1, CONSOLE_PORT_OPEN, 1);
	pump(f, 20);
	assert_int_equal(get_used(f, rxq(1), &len, (void **)&d), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(d, "hello", 5);
	close(c);
}

/* MULTIPORT across a backend restart: what the guest's driver said (device
 * ready, ports ready and open) comes back from the restart state, each
 * ready port is told its host side is closed now, and host input reaches
 * the open port with no new PORT_OPEN from the guest. Garbage is not taken.
 */
static void
restart_keeps_port_state(void **state)
{
	struct fx *f = fx_new(2, MP);
	uint8_t mem[8] = {0}, *d = NULL;
	struct cmsg m;
	uint32_t len;
	unsigned int i;
	int c;

	*state = f;
	assert_int_equal(f->ops->restart_state_size, sizeof(mem));
	f->ops->restart_state(f->dev, mem, false);
	bring_up(f);
	assert_int_equal(mem[0], 3);
	assert_int_equal(mem[1], 3);
	f->ops->restart_state(f->dev, NULL, false);
	fx_free(f);
	/* the next process, same frontend: the state comes back */
	f = fx_new(2, MP);
	*state = f;
	assert_false(console_dev_guest_open(f->dev, 1));
	f->ops->restart_state(f->dev, mem, true);
	assert_true(console_dev_guest_open(f->dev, 0));
	assert_true(console_dev_guest_open(f->dev, 1));
	post_wr(f, CONSOLE_Q_CTRL_RX, 8, 64);
	for (i = 0; i < 2; i++) {
		assert_int_equal(ctrl_recv(f, &m), 1);
		assert_int_equal(m.event, CONSOLE_PORT_OPEN);
		assert_int_equal(m.id, i);
		assert_int_equal(m.value, 0);
	}
	assert_int_equal(ctrl_recv(f, &m), 0);
	post_wr(f, rxq(1), 1, 64);
	c = client(f, 1);
	assert_int_equal(ctrl_recv(f, &m), 1);
	assert_int_equal(m.event, CONSOLE_PORT_OPEN);
	assert_int_equal(m.value, 1);
	send_all(c, "again", 5);
	pump(f, 20);
	assert_int_equal(get_used(f, rxq(1), &len, (void **)&d), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(d, "again", 5);
	close(c);
	pump(f, 20);
	f->ops->restart_state(f->dev, NULL, false);
	fx_free(f);
	/* the frontend's memory: unknown bits, or open without ready, are not taken */
	f = fx_new(2, MP);
	*state = f;
	mem[0] = 0x83;
	mem[1] = 2;
	f->ops->restart_state(f->dev, mem, true);
	assert_false(console_dev_guest_open(f->dev, 0));
	assert_false(console_dev_guest_open(f->dev, 1));
	assert_int_equal(mem[0], 0);
	assert_int_equal(mem[1], 0);
	f->ops->restart_state(f->dev, NULL, false);
}

/* ---- transmit ---- */

static void
tx_order_and_backlog(void **state)
{
	struct fx *f = fx_new(1, 0);
	char got[32];
	int c;

	*state = f;
	/* No client yet: kept, in order (upstream replayed these backwards). */
	post_rd(f, txq(0), "first ", 6);
	post_rd(f, txq(0), "second ", 7);
	post_rd(f, txq(0), "third", 5);
	assert_int_equal(console_dev_buffered(f->dev, 0), 18);
	c = client(f, 0);
	recv_all(f, c, got, 18);
	assert_memory_equal(got, "first second third", 18);
	assert_int_equal(console_dev_buffered(f->dev, 0), 0);
	close(c);
}

static void
tx_backlog_bounded(void **state)
{
	struct fx *f = fx_new(1, 0);
	static uint8_t chunk[4096], got[CONSOLE_OUT_CAP];
	const struct console_port_stats *ps;
	unsigned int i, total = 100 * 1024 / sizeof(chunk);
	uint32_t len;
	int c;

	*state = f;
	ps = &console_dev_port(f->dev, 0)->stats;
	for (i = 0; i < total; i++) {
		memset(chunk, (int)i, sizeof(chunk));
		post_rd(f, txq(0), chunk, sizeof(chunk));
		assert_int_equal(get_used(f, txq(0), &len, NULL), 1);
	}
	/* Never more than the bound; the oldest went and were counted. */
	assert_int_equal(console_dev_buffered(f->dev, 0), CONSOLE_OUT_CAP);
	assert_int_equal(ps->backlog_dropped, total * sizeof(chunk) - CONSOLE_OUT_CAP);
	c = client(f, 0);
	recv_all(f, c, got, sizeof(got));
	/* The newest 64 KiB, in order. */
	for (i = 0; i < CONSOLE_OUT_CAP / sizeof(chunk); i++)
		assert_int_equal(got[i * sizeof(chunk)],
				 (uint8_t)(total - CONSOLE_OUT_CAP / sizeof(chunk) + i));
	close(c);
}

static uint32_t
sum_bytes(uint32_t s, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s = s * 31 + b[i];
	return s;
}

static void
tx_backpressure_one_port(void **state)
{
	struct fx *f = fx_new(2, MP);
	static uint8_t chunk[8192], buf[65536];
	uint32_t len, sent_sum = 0, got_sum = 0;
	size_t sent = 0, got = 0;
	unsigned int i, rounds = 0;
	int c0, c1, sz = 4096;
	char two[2];

	*state = f;
	bring_up(f);
	c0 = client(f, 0);
	c1 = client(f, 1);
	/* A small socket buffer so that the client's silence is felt quickly. */
	setsockopt(c0, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	/* Port 0's client does not read: the queue stops popping (RETRY), bounded. */
	for (i = 0; i < 200; i++) {
		int calls;

		memset(chunk, (int)(i + 1), sizeof(chunk));
		calls = post_rd(f, txq(0), chunk, sizeof(chunk));
		if (get_used(f, txq(0), &len, NULL) == 0) {
			assert_int_equal(calls, 1); /* handled once, answered RETRY */
			break;
		}
		sent_sum = sum_bytes(sent_sum, chunk, sizeof(chunk));
		sent += sizeof(chunk);
	}
	assert_true(i < 200);
	assert_int_equal(console_dev_port(f->dev, 0)->stats.stalls, 1);
	assert_true(console_dev_buffered(f->dev, 0) <= CONSOLE_OUT_CAP);
	/* Retrying while still full takes nothing. */
	serve(f, txq(0));
	assert_int_equal(get_used(f, txq(0), &len, NULL), 0);
	/* Port 1 keeps flowing meanwhile. */
	post_rd(f, txq(1), "ok", 2);
	assert_int_equal(get_used(f, txq(1), &len, NULL), 1);
	recv_all(f, c1, two, 2);
	assert_memory_equal(two, "ok", 2);
	/* The client reads: room comes back, the worker is woken, the chain goes. */
	sent_sum = sum_bytes(sent_sum, chunk, sizeof(chunk));
	sent += sizeof(chunk);
	while (got < sent && rounds++ < 10000) {
		ssize_t n = recv(c0, buf, sizeof(buf), MSG_DONTWAIT);
		unsigned int w = f->th.wakes;

		if (n > 0) {
			got_sum = sum_bytes(got_sum, buf, (size_t)n);
			got += (size_t)n;
		}
		pump(f, 1);
		if (f->th.wakes != w)
			serve(f, txq(0));
	}
	assert_int_equal(get_used(f, txq(0), &len, NULL), 1);
	assert_int_equal(got, sent);
	assert_int_equal(got_sum, sent_sum);
	assert_true(f->th.wakes > 0);
	close(c0);
	close(c1);
}

static void
tx_huge_chain_truncated(void **state)
{
	struct fx *f = fx_new(1, 0);
	uint8_t *big;
	uint32_t len, n = CONSOLE_OUT_CAP + 1000;
	struct vhd_fe_buf b;

	*state = f;
	b.ptr = vhd_test_alloc(&f->q[txq(0)], n);
	b.len = n;
	big = b.ptr;
	memset(big, 'a', n);
	assert_true(vhd_test_post(&f->q[txq(0)], &b, 1, 0, false) >= 0);
	serve(f, txq(0));
	assert_int_equal(get_used(f, txq(0), &len, NULL), 1);
	assert_int_equal(console_dev_buffered(f->dev, 0), CONSOLE_OUT_CAP);
	assert_int_equal(console_dev_port(f->dev, 0)->stats.tx_truncated, 1000);
}

/* ---- config writes ---- */

static void
emergency_write(void **state)
{
	struct fx *f = fx_new(1, VHD_BIT(CONSOLE_F_EMERG_WRITE));
	uint8_t cfg[CONSOLE_CFG_SIZE];
	uint32_t v = htole32('!');
	char got[2];
	int c;

	*state = f;
	c = client(f, 0);
	post_rd(f, txq(0), "a", 1);
	/* QEMU's generic device: the whole config at offset 0. */
	assert_int_equal(f->ops->get_config(f->dev, cfg, 0, sizeof(cfg)), 0);
	memcpy(cfg + CONSOLE_CFG_EMERG_OFF, &v, 4);
	assert_int_equal(f->ops->set_config(f->dev, cfg, 0, sizeof(cfg)), 0);
	/* A write of the field alone. */
	assert_int_equal(f->ops->set_config(f->dev, (uint8_t *)&v, CONSOLE_CFG_EMERG_OFF, 4), 0);
	/* Not covering emerg_wr, or zero: nothing. */
	assert_int_equal(f->ops->set_config(f->dev, cfg, 0, 4), 0);
	memset(cfg, 0, sizeof(cfg));
	assert_int_equal(f->ops->set_config(f->dev, cfg, 0, sizeof(cfg)), 0);
	assert_int_equal(f->ops->set_config(f->dev, cfg, 9, 4), -EINVAL);
	recv_all(f, c, got, 2);
	assert_memory_equal(got, "a!", 2);
	recv_all(f, c, got, 1);
	assert_int_equal(got[0], '!');
	assert_int_equal(console_dev_stats(f->dev)->emerg_bytes, 2);
	assert_int_equal(recv(c, got, 1, MSG_DONTWAIT), -1);
	close(c);
}

/* ---- pty and resize ---- */

static void
pty_resize(void **state)
{
	struct console_port_spec specs[1];
	struct console_port *p;
	struct winsize ws = {.ws_row = 40, .ws_col = 132};
	uint8_t cfg[4];
	struct fx *f;
	struct cmsg m;
	int slave;
	char got[5];
	unsigned int i;

	memset(specs, 0, sizeof(specs));
	specs[0].kind = CONSOLE_PTY;
	f = fx_new_specs(1, specs, MP | VHD_BIT(CONSOLE_F_SIZE));
	*state = f;
	assert_true(f->ops->features & VHD_BIT(CONSOLE_F_SIZE));
	p = console_dev_port(f->dev, 0);
	assert_int_equal(strncmp(p->path, "/dev/pts/", 9), 0);
	assert_int_equal(f->ops->get_config(f->dev, cfg, 0, 4), 0);
	assert_int_equal(cfg[0] | cfg[1] << 8, 80);
	assert_int_equal(cfg[2] | cfg[3] << 8, 24);
	bring_up(f);
	/* Guest output reaches the pty's slave side; input comes back. */
	slave = open(p->path, O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	post_rd(f, txq(0), "login", 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(read(slave, got + i, 1), 1);
	assert_memory_equal(got, "login", 5);
	/* The slave side resizes: a RESIZE message, columns first. */
	assert_int_equal(ioctl(slave, TIOCSWINSZ, &ws), 0);
	pump(f, 250);
	assert_int_equal(ctrl_recv(f, &m), 1);
	assert_int_equal(m.event, CONSOLE_RESIZE);
	assert_int_equal(m.id, 0);
	assert_int_equal(m.extra_len, 4);
	assert_int_equal(m.extra[0] | m.extra[1] << 8, 132);
	assert_int_equal(m.extra[2] | m.extra[3] << 8, 40);
	assert_int_equal(f->ops->get_config(f->dev, cfg, 0, 4), 0);
	assert_int_equal(cfg[0] | cfg[1] << 8, 132);
	assert_int_equal(p->stats.resizes, 1);
	close(slave);
}

static void
pty_resize_no_multiport(void **state)
{
	struct console_port_spec specs[1];
	struct winsize ws = {.ws_row = 50, .ws_col = 100};
	struct console_port *p;
	struct fx *f;
	int slave;

	memset(specs, 0, sizeof(specs));
	specs[0].kind = CONSOLE_PTY;
	f = fx_new_specs(1, specs, VHD_BIT(CONSOLE_F_SIZE));
	*state = f;
	p = console_dev_port(f->dev, 0);
	slave = open(p->path, O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	assert_int_equal(ioctl(slave, TIOCSWINSZ, &ws), 0);
	pump(f, 250);
	/* Through the framework's config-change path (not there yet: counted). */
	assert_int_equal(f->th.config_changes, 1);
	assert_int_equal(console_dev_stats(f->dev)->config_changed_err, 1);
	f->th.config_changed_rc = 0;
	ws.ws_col = 101;
	assert_int_equal(ioctl(slave, TIOCSWINSZ, &ws), 0);
	pump(f, 250);
	assert_int_equal(f->th.config_changes, 2);
	assert_int_equal(console_dev_stats(f->dev)->config_changed_err, 1);
	close(slave);
}

/* ---- reconnects ---- */

static void
reconnect_and_refuse(void **state)
{
	struct fx *f = fx_new(1, 0);
	struct console_port *p;
	char got[4];
	int c1, c2, c3;

	*state = f;
	p = console_dev_port(f->dev, 0);
	c1 = client(f, 0);
	assert_int_equal(p->stats.connects, 1);
	/* A second client while the first is there: refused (closed). */
	c2 = client(f, 0);
	assert_int_equal(p->stats.refused, 1);
	assert_int_equal(recv(c2, got, 1, 0), 0);
	close(c2);
	/* The first leaves while the port is idle (not watched): the next one is taken. */
	close(c1);
	c3 = client(f, 0);
	assert_int_equal(p->stats.connects, 2);
	assert_int_equal(p->stats.disconnects, 1);
	post_rd(f, txq(0), "new", 3);
	recv_all(f, c3, got, 3);
	assert_memory_equal(got, "new", 3);
	close(c3);
}

static unsigned int quits;

static void
count_quit(void)
{
	quits++;
}

/*
 * nested: this process' terminal (a pty put on fds 0 and 1 for the test) in
 * raw mode, Ctrl-] stops, the terminal restored by destroy. cmocka prints
 * nothing while fds 0/1 are swapped.
 */
static void
nested_terminal(void **state)
{
	struct console_port_spec specs[1];
	struct termios t;
	struct fx *f;
	char name[64], got[8];
	uint32_t len;
	uint8_t *d = NULL;
	int m, sl, save0, save1, fl0, ok_raw, ok_size, ok_in, ok_quit, ok_out, ok_restored;
	unsigned int i;

	(void)state;
	m = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(m >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	assert_int_equal(ptsname_r(m, name, sizeof(name)), 0);
	sl = open(name, O_RDWR | O_NOCTTY);
	assert_true(sl >= 0);
	fl0 = fcntl(sl, F_GETFL);
	save0 = dup(0);
	save1 = dup(1);
	fflush(stdout);
	dup2(sl, 0);
	dup2(sl, 1);
	memset(specs, 0, sizeof(specs));
	specs[0].kind = CONSOLE_NESTED;
	quits = 0;
	console_quit_hook = count_quit;
	f = fx_new_specs(1, specs, MP);
	ok_raw = tcgetattr(0, &t) == 0 && (t.c_lflag & (ICANON | ECHO)) == 0;
	ok_size = (f->ops->features & VHD_BIT(CONSOLE_F_SIZE)) != 0;
	bring_up(f);
	post_wr(f, rxq(0), 2, 64);
	/* Ctrl-] (0x1d): what came before it goes to the guest, the app is told to stop. */
	ok_in = write(m, "ab\x1d" "cd", 5) == 5;
	pump(f, 30);
	ok_in = ok_in && get_used(f, rxq(0), &len, (void **)&d) == 1 && len == 2 &&
		memcmp(d, "ab", 2) == 0;
	ok_quit = quits == 1;
	post_rd(f, txq(0), "out", 3);
	for (i = 0; i < 3 && read(m, got + i, 1) == 1; i++)
		;
	ok_out = i == 3 && memcmp(got, "out", 3) == 0;
	fx_free(f);
	ok_restored = tcgetattr(0, &t) == 0 && (t.c_lflag & ICANON) != 0 &&
		      fcntl(0, F_GETFL) == fl0;
	dup2(save0, 0);
	dup2(save1, 1);
	close(save0);
	close(save1);
	close(sl);
	close(m);
	console_quit_hook = NULL;
	assert_true(ok_raw);
	assert_true(ok_size);
	assert_true(ok_in);
	assert_true(ok_quit);
	assert_true(ok_out);
	assert_true(ok_restored);
}

struct stat_find {
	const char *name;
	uint64_t v;
	unsigned int seen, total;
};

static void
stat_put(void *ctx, const char *name, uint64_t v)
{
	struct stat_find *sf = ctx;
	size_t i;

	sf->total++;
	/* Telemetry takes [A-Za-z0-9_/-] only. */
	for (i = 0; name[i] != '\0'; i++)
		assert_true((name[i] >= 'a' && name[i] <= 'z') ||
			    (name[i] >= '0' && name[i] <= '9') || name[i] == '_');
	if (strcmp(name, sf->name) == 0) {
		sf->v = v;
		sf->seen++;
	}
}

static uint64_t
stat(struct fx *f, const char *name)
{
	struct stat_find sf = {name, 0, 0, 0};

	f->ops->get_stats(f->dev, stat_put, &sf);
	assert_int_equal(sf.seen, 1);
	return sf.v;
}

static void
telemetry_counters(void **state)
{
	struct fx *f = fx_new(2, MP);
	char got[8];
	int c;

	*state = f;
	bring_up(f);
	post_wr(f, rxq(1), 2, 64);
	c = client(f, 1);
	send_all(c, "12345", 5);
	pump(f, 20);
	post_rd(f, txq(1), "abc", 3);
	recv_all(f, c, got, 3);
	assert_int_equal(stat(f, "port1_rx_bytes"), 5);
	assert_int_equal(stat(f, "port1_rx_bufs"), 1);
	assert_int_equal(stat(f, "port1_tx_bytes"), 3);
	assert_int_equal(stat(f, "port1_out_bytes"), 3);
	assert_int_equal(stat(f, "port1_connects"), 1);
	assert_int_equal(stat(f, "port0_rx_bytes"), 0);
	assert_int_equal(stat(f, "ctrl_in"), 1 + 2 * 2);
	close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(config_every_offset, teardown),
		cmocka_unit_test_teardown(control_bring_up, teardown),
		cmocka_unit_test_teardown(control_malformed, teardown),
		cmocka_unit_test_teardown(control_name_cut, teardown),
		cmocka_unit_test_teardown(rx_one_used_entry_per_buffer, teardown),
		cmocka_unit_test_teardown(rx_split_over_buffers, teardown),
		cmocka_unit_test_teardown(rx_bad_buffers, teardown),
		cmocka_unit_test_teardown(rx_waits_for_guest_open, teardown),
		cmocka_unit_test_teardown(tx_order_and_backlog, teardown),
		cmocka_unit_test_teardown(tx_backlog_bounded, teardown),
		cmocka_unit_test_teardown(tx_backpressure_one_port, teardown),
		cmocka_unit_test_teardown(tx_huge_chain_truncated, teardown),
		cmocka_unit_test_teardown(emergency_write, teardown),
		cmocka_unit_test_teardown(pty_resize, teardown),
		cmocka_unit_test_teardown(pty_resize_no_multiport, teardown),
		cmocka_unit_test_teardown(reconnect_and_refuse, teardown),
		cmocka_unit_test_teardown(telemetry_counters, teardown),
		cmocka_unit_test_teardown(restart_keeps_port_state, teardown),
		cmocka_unit_test(nested_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
