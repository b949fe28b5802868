/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-can device on a simulated bus: the device under test is one node,
 * the test drives a second node of the same bus directly. Every queue's
 * messages, their malformed forms, late acks, STOP with pending TX, bus-off
 * and its config change, RX holding, backlog and filtering.
 */

#include <endian.h>
#include <stdbool.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vhd_test_host.h"
#include "vhd_test_pair.h"

#include "can_dev.h"
#include "can_sim.h"

#define QSZ 64
#define FEAT (VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_INDIRECT_DESC))
#define F(b) (1ULL << (b))
#define ALL (F(CAN_F_CLASSIC) | F(CAN_F_FD) | F(CAN_F_RTR_FRAMES))

struct fx {
	struct vhd_test_pair q[CAN_NUM_QUEUES];
	struct vhd_test_host th;
	struct can_sim *sim;
	struct can_dev *dev;
	struct can_port *peer; /* the other node of the bus, driven by the test */
};

static struct fx *
fx_new(uint64_t dev_features)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct can_port *port;
	unsigned int i;

	assert_non_null(f);
	for (i = 0; i < CAN_NUM_QUEUES; i++)
		assert_int_equal(vhd_test_pair_init(&f->q[i], QSZ, FEAT), 0);
	assert_int_equal(can_sim_create(NULL, &f->sim), 0);
	assert_int_equal(can_sim_port_open(f->sim, "bus", &port), 0);
	assert_int_equal(can_sim_port_open(f->sim, "bus", &f->peer), 0);
	f->dev = can_dev_create(port);
	assert_non_null(f->dev);
	vhd_test_host_init(&f->th);
	can_dev_ops.attach(f->dev, &f->th.host);
	can_dev_ops.set_features(f->dev, FEAT | dev_features);
	for (i = 0; i < CAN_NUM_QUEUES; i++)
		assert_int_equal(can_dev_ops.queue_start(f->dev, (uint16_t)i, &f->q[i].vq), 0);
	return f;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	unsigned int i;

	if (f == NULL)
		return 0;
	can_dev_destroy(f->dev);
	can_port_destroy(f->peer);
	can_sim_destroy(f->sim);
	for (i = 0; i < CAN_NUM_QUEUES; i++)
		vhd_test_pair_fini(&f->q[i]);
	free(f);
	return 0;
}

static int setup_all(void **state) { *state = fx_new(ALL); return 0; }
static int setup_late(void **state) { *state = fx_new(ALL | F(CAN_F_LATE_TX_ACK)); return 0; }
static int setup_classic(void **state) { *state = fx_new(F(CAN_F_CLASSIC)); return 0; }
static int setup_fd_only(void **state) { *state = fx_new(F(CAN_F_FD)); return 0; }

/* ---- helpers ---- */

/* Post a chain; serve its queue; return the used length, or -1 when held. */
static int
post(struct fx *f, uint16_t q, const void *rd, uint32_t rd_len, uint8_t **wr, uint32_t wr_len)
{
	struct vhd_test_pair *p = &f->q[q];
	struct vhd_fe_buf b[2];
	unsigned int n = 0;
	uint16_t id;
	uint32_t len;

	if (rd_len > 0) {
		void *rp = vhd_test_alloc(p, rd_len);

		memcpy(rp, rd, rd_len);
		b[n++] = (struct vhd_fe_buf){rp, rd_len};
	}
	if (wr_len > 0) {
		*wr = vhd_test_alloc(p, wr_len);
		memset(*wr, 0xee, wr_len);
		b[n++] = (struct vhd_fe_buf){*wr, wr_len};
	}
	assert_true(vhd_test_post(p, b, rd_len > 0, wr_len > 0, false) >= 0);
	assert_int_equal(vhd_test_serve(p, &can_dev_ops, f->dev, q), 1);
	if (vhd_test_used(p, &id, &len) != 1)
		return -1;
	return (int)len;
}

static int
ctrl(struct fx *f, uint16_t type)
{
	uint16_t t = htole16(type);
	uint8_t *res;

	assert_int_equal(post(f, CAN_CTRLQ, &t, sizeof(t), &res, 1), 1);
	return *res;
}

static void
start(struct fx *f)
{
	assert_int_equal(ctrl(f, CAN_CTRL_START), CAN_RESULT_OK);
}

struct txbuf {
	struct can_virtio_hdr h;
	uint8_t sdu[CAN_FD_MAX_LEN];
} __attribute__((packed));

static struct txbuf
mktx(uint32_t id, uint32_t flags, uint16_t len)
{
	struct txbuf t;
	unsigned int i;

	memset(&t, 0, sizeof(t));
	t.h.msg_type = htole16(CAN_MSG_TX);
	t.h.length = htole16(len);
	t.h.flags = htole32(flags);
	t.h.can_id = htole32(id);
	for (i = 0; i < CAN_FD_MAX_LEN; i++)
		t.sdu[i] = (uint8_t)(0x10 + i);
	return t;
}

/* Send a frame; return the result byte, or -1 when held. */
static int
tx(struct fx *f, uint32_t id, uint32_t flags, uint16_t len, uint8_t **res)
{
	struct txbuf t = mktx(id, flags, len);
	uint32_t rd = CAN_HDR_LEN + ((flags & CAN_FLAG_RTR) ? 0 : len);
	uint8_t *r;
	int used;

	/* A length past the frame's room travels with what there is (and is refused). */
	used = post(f, CAN_TXQ, &t, rd < sizeof(t) ? rd : (uint32_t)sizeof(t), &r, 1);
	if (res != NULL)
		*res = r;
	if (used < 0)
		return -1;
	assert_int_equal(used, 1);
	return *r;
}

/* The peer's next event, which must exist. */
static struct can_ev
peer_ev(struct fx *f)
{
	struct can_ev ev;

	assert_int_equal(f->peer->ops->next_event(f->peer, &ev), 1);
	return ev;
}

static void
peer_none(struct fx *f)
{
	struct can_ev ev;

	assert_int_equal(f->peer->ops->next_event(f->peer, &ev), 0);
}

static void
peer_send(struct fx *f, uint32_t id, uint32_t flags, uint8_t len)
{
	struct can_msg m;
	unsigned int i;

	memset(&m, 0, sizeof(m));
	m.id = id;
	m.flags = flags;
	m.len = len;
	for (i = 0; i < len && !(flags & CAN_FLAG_RTR); i++)
		m.data[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(f->peer->ops->send(f->peer, &m), 0);
}

/* Post an RX buffer of @p size bytes; it must be held. */
static uint8_t *
rx_post(struct fx *f, uint32_t size)
{
	uint8_t *w;

	assert_int_equal(post(f, CAN_RXQ, NULL, 0, &w, size), -1);
	return w;
}

/* Take one used RX entry; return its length, -1 when none. */
static int
rx_used(struct fx *f)
{
	uint16_t id;
	uint32_t len;

	if (vhd_test_used(&f->q[CAN_RXQ], &id, &len) != 1)
		return -1;
	return (int)len;
}

static int
tx_used(struct fx *f)
{
	uint16_t id;
	uint32_t len;

	if (vhd_test_used(&f->q[CAN_TXQ], &id, &len) != 1)
		return -1;
	return (int)len;
}

/* ---- tests ---- */

static void
test_offer(void **state)
{
	(void)state;
	/* Upstream offers neither RTR nor late acks; bit numbers as the spec has them. */
	assert_int_equal(can_dev_ops.features, 0xf);
	assert_int_equal(CAN_F_RTR_FRAMES, 2);
	assert_int_equal(CAN_F_LATE_TX_ACK, 3);
	assert_int_equal(can_dev_ops.virtio_id, 36);
	assert_int_equal(can_dev_ops.num_queues, 3);
	/* Exactly the 2-byte struct: a config_size=16 frontend reads nothing past it. */
	assert_int_equal(can_dev_ops.config_size, 2);
}

static void
test_config(void **state)
{
	struct fx *f = *state;
	uint8_t b[4] = {0xaa, 0xaa, 0xaa, 0xaa};

	assert_int_equal(can_dev_ops.get_config(f->dev, b, 0, 2), 0);
	assert_int_equal(b[0] | b[1], 0);
	assert_int_equal(can_dev_ops.get_config(f->dev, b, 1, 1), 0);
	assert_int_equal(can_dev_ops.get_config(f->dev, b, 0, 16), -EINVAL);
	assert_int_equal(can_dev_ops.get_config(f->dev, b, 2, 1), -EINVAL);
	assert_int_equal(can_dev_ops.get_config(f->dev, b, 3, 0), -EINVAL);
	assert_int_equal(can_dev_ops.get_config(f->dev, b, 0xffffffffu, 2), -EINVAL);
}

static void
test_stopped_initially(void **state)
{
	struct fx *f = *state;

	assert_false(can_dev_started(f->dev));
	assert_int_equal(tx(f, 0x123, 0, 4, NULL), CAN_RESULT_NOT_OK);
	assert_int_equal(can_dev_stats(f->dev)->tx_stopped, 1);
	peer_none(f);
	/* Frames from the bus while stopped are not given to the guest. */
	rx_post(f, 24);
	peer_send(f, 0x55, 0, 1);
	can_dev_port_events(f->dev);
	assert_int_equal(rx_used(f), -1);
	assert_int_equal(can_dev_stats(f->dev)->rx_stopped, 1);
}

static void
test_start_stop(void **state)
{
	struct fx *f = *state;

	start(f);
	/* Linux fails ndo_open on anything but OK: a second START is fine. */
	start(f);
	assert_true(can_dev_started(f->dev));
	assert_int_equal(ctrl(f, CAN_CTRL_STOP), CAN_RESULT_OK);
	assert_int_equal(ctrl(f, CAN_CTRL_STOP), CAN_RESULT_OK);
	assert_false(can_dev_started(f->dev));
	assert_int_equal(ctrl(f, 0x0203), CAN_RESULT_NOT_OK);
	assert_int_equal(ctrl(f, CAN_MSG_TX), CAN_RESULT_NOT_OK);
}

/* A START outlives the backend process in the restart state: a restarted
 * backend (same state memory, restored) accepts TX and delivers RX at
 * once; STOP is kept too; a value that is not 0/1 is not taken.
 */
static void
test_restart_state(void **state)
{
	struct fx *f = *state;
	uint64_t mem[1] = {0};
	struct can_port *port;

	assert_int_equal(can_dev_ops.restart_state_size, sizeof(mem));
	can_dev_ops.restart_state(f->dev, mem, false);
	start(f);
	assert_int_equal(((uint8_t *)mem)[0], 1);
	/* the next process on the same bus port, the frontend kept the state */
	can_dev_ops.restart_state(f->dev, NULL, false);
	can_dev_destroy(f->dev);
	assert_int_equal(can_sim_port_open(f->sim, "bus", &port), 0);
	f->dev = can_dev_create(port);
	assert_non_null(f->dev);
	can_dev_ops.attach(f->dev, &f->th.host);
	can_dev_ops.set_features(f->dev, FEAT | ALL);
	assert_false(can_dev_started(f->dev));
	can_dev_ops.restart_state(f->dev, mem, true);
	assert_true(can_dev_started(f->dev));
	assert_int_equal(can_dev_ops.queue_start(f->dev, CAN_TXQ, &f->q[CAN_TXQ].vq), 0);
	assert_int_equal(can_dev_ops.queue_start(f->dev, CAN_RXQ, &f->q[CAN_RXQ].vq), 0);
	assert_int_equal(tx(f, 0x123, 0, 4, NULL), CAN_RESULT_OK);
	rx_post(f, 24);
	peer_send(f, 0x55, 0, 1);
	can_dev_port_events(f->dev);
	assert_int_equal(rx_used(f), 16 + 1);
	/* STOP is written as well */
	assert_int_equal(ctrl(f, CAN_CTRL_STOP), CAN_RESULT_OK);
	assert_int_equal(((uint8_t *)mem)[0], 0);
	/* the frontend's memory: garbage is not a START */
	((uint8_t *)mem)[0] = 7;
	can_dev_ops.set_features(f->dev, FEAT | ALL);
	can_dev_ops.restart_state(f->dev, mem, true);
	assert_false(can_dev_started(f->dev));
	assert_int_equal(((uint8_t *)mem)[0], 0);
	can_dev_ops.restart_state(f->dev, NULL, false);
}

static void
test_tx_classic_no_echo(void **state)
{
	struct fx *f = *state;
	struct can_ev ev;

	start(f);
	rx_post(f, 24);
	assert_int_equal(tx(f, 0x123, 0, 4, NULL), CAN_RESULT_OK);
	ev = peer_ev(f);
	assert_int_equal(ev.type, CAN_EV_RX);
	assert_int_equal(ev.msg.id, 0x123);
	assert_int_equal(ev.msg.flags, 0);
	assert_int_equal(ev.msg.len, 4);
	assert_int_equal(ev.msg.data[0], 0x10);
	assert_int_equal(ev.msg.data[3], 0x13);
	peer_none(f);
	/* Upstream bug #925: the guest's own frame must not come back on its RX. */
	can_dev_port_events(f->dev);
	assert_int_equal(rx_used(f), -1);
	assert_int_equal(can_dev_rx_held(f->dev), 1);
	assert_int_equal(can_dev_stats(f->dev)->tx_frames, 1);
}

static void
test_tx_kinds(void **state)
{
	struct fx *f = *state;
	struct can_ev ev;

	start(f);
	assert_int_equal(tx(f, 0x1F334455, CAN_FLAG_EXTENDED, 8, NULL), CAN_RESULT_OK);
	ev = peer_ev(f);
	assert_int_equal(ev.msg.id, 0x1F334455);
	assert_int_equal(ev.msg.flags, CAN_FLAG_EXTENDED);
	assert_int_equal(tx(f, 0x7ff, CAN_FLAG_FD, 64, NULL), CAN_RESULT_OK);
	ev = peer_ev(f);
	assert_int_equal(ev.msg.flags, CAN_FLAG_FD);
	assert_int_equal(ev.msg.len, 64);
	assert_int_equal(ev.msg.data[63], 0x10 + 63);
	/* RTR: length is the requested DLC, no payload travels. */
	assert_int_equal(tx(f, 0x321, CAN_FLAG_RTR, 5, NULL), CAN_RESULT_OK);
	ev = peer_ev(f);
	assert_int_equal(ev.msg.flags, CAN_FLAG_RTR);
	assert_int_equal(ev.msg.len, 5);
	peer_none(f);
}

struct vcase {
	uint32_t id, flags;
	uint16_t len;
	uint64_t feat;
	int ok;
};

static void
test_tx_validation_table(void **state)
{
	static const struct vcase cases[] = {
		{0x7ff, 0, 8, F(CAN_F_CLASSIC), 1},
		{0x800, 0, 8, F(CAN_F_CLASSIC), 0},            /* 11-bit id too big */
		{0x800, CAN_FLAG_EXTENDED, 8, F(CAN_F_CLASSIC), 1},
		{0x1fffffff, CAN_FLAG_EXTENDED, 0, F(CAN_F_CLASSIC), 1},
		{0x20000000, CAN_FLAG_EXTENDED, 0, F(CAN_F_CLASSIC), 0}, /* 29-bit too big */
		{0x80000123, CAN_FLAG_EXTENDED, 0, F(CAN_F_CLASSIC), 0}, /* SocketCAN EFF bit */
		{1, 0, 9, F(CAN_F_CLASSIC), 0},                /* classic DLC > 8 */
		{1, 0, 8, F(CAN_F_FD), 0},                     /* classic not negotiated */
		{1, CAN_FLAG_FD, 8, F(CAN_F_CLASSIC), 0},      /* FD not negotiated */
		{1, CAN_FLAG_FD, 12, F(CAN_F_FD), 1},
		{1, CAN_FLAG_FD, 13, F(CAN_F_FD), 0},
		{1, CAN_FLAG_FD, 65, F(CAN_F_FD), 0},
		{1, CAN_FLAG_RTR, 4, F(CAN_F_CLASSIC), 0},     /* RTR not negotiated */
		{1, CAN_FLAG_RTR, 4, F(CAN_F_CLASSIC) | F(CAN_F_RTR_FRAMES), 1},
		{1, CAN_FLAG_RTR, 9, F(CAN_F_CLASSIC) | F(CAN_F_RTR_FRAMES), 0},
		{1, CAN_FLAG_RTR | CAN_FLAG_FD, 4, ALL, 0},    /* RTR is classic only */
		{1, 0x1000, 1, ALL, 0},                        /* undefined flag */
		{1, 0x1, 1, ALL, 0},
		{1, 0x80000000u, 1, ALL, 0},
	};
	static const uint8_t fd_ok[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64};
	struct fx *f;
	unsigned int i, len, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcase *c = &cases[i];

		f = fx_new(c->feat);
		start(f);
		if (tx(f, c->id, c->flags, c->len, NULL) != (c->ok ? CAN_RESULT_OK :
								     CAN_RESULT_NOT_OK))
			fail_msg("case %u: id %x flags %x len %u", i, c->id, c->flags, c->len);
		if (c->ok)
			peer_ev(f);
		peer_none(f);
		teardown((void **)&f);
	}
	f = fx_new(ALL);
	start(f);
	for (len = 0; len <= 64; len++) {
		int ok = 0;

		for (k = 0; k < sizeof(fd_ok); k++)
			ok |= fd_ok[k] == len;
		assert_int_equal(tx(f, 5, CAN_FLAG_FD, (uint16_t)len, NULL),
				 ok ? CAN_RESULT_OK : CAN_RESULT_NOT_OK);
		assert_int_equal(tx(f, 5, 0, (uint16_t)len, NULL),
				 len <= 8 ? CAN_RESULT_OK : CAN_RESULT_NOT_OK);
	}
	teardown((void **)&f);
}

static void
test_tx_malformed(void **state)
{
	struct fx *f = *state;
	struct txbuf t;
	uint8_t *r;

	start(f);
	t = mktx(0x10, 0, 8);
	/* No room for the result: dropped, counted. */
	assert_int_equal(post(f, CAN_TXQ, &t, sizeof(t), &r, 0), 0);
	assert_int_equal(can_dev_stats(f->dev)->tx_dropped, 1);
	/* Header cut short. */
	assert_int_equal(post(f, CAN_TXQ, &t, CAN_HDR_LEN - 1, &r, 1), 1);
	assert_int_equal(*r, CAN_RESULT_NOT_OK);
	/* Payload shorter than length says. */
	assert_int_equal(post(f, CAN_TXQ, &t, CAN_HDR_LEN + 7, &r, 1), 1);
	assert_int_equal(*r, CAN_RESULT_NOT_OK);
	/* Wrong message type. */
	t.h.msg_type = htole16(CAN_MSG_RX);
	assert_int_equal(post(f, CAN_TXQ, &t, sizeof(t), &r, 1), 1);
	assert_int_equal(*r, CAN_RESULT_NOT_OK);
	/* Upstream panics on length > 64. */
	t = mktx(0x10, CAN_FLAG_FD, 0xffff);
	assert_int_equal(post(f, CAN_TXQ, &t, sizeof(t), &r, 1), 1);
	assert_int_equal(*r, CAN_RESULT_NOT_OK);
	/* A write-only chain. */
	assert_int_equal(post(f, CAN_TXQ, NULL, 0, &r, 4), 1);
	assert_int_equal(*r, CAN_RESULT_NOT_OK);
	peer_none(f);
	assert_int_equal(can_dev_stats(f->dev)->tx_rejected, 5);
}

static void
test_ctrl_malformed(void **state)
{
	struct fx *f = *state;
	uint16_t t = htole16(CAN_CTRL_START);
	uint8_t *r;

	assert_int_equal(post(f, CAN_CTRLQ, &t, sizeof(t), &r, 0), 0);
	assert_int_equal(post(f, CAN_CTRLQ, &t, 1, &r, 1), 1);
	assert_int_equal(*r, CAN_RESULT_NOT_OK);
	assert_false(can_dev_started(f->dev));
	assert_int_equal(post(f, CAN_CTRLQ, NULL, 0, &r, 3), 1);
	assert_int_equal(*r, CAN_RESULT_NOT_OK);
}

static void
check_rx(const uint8_t *w, uint32_t id, uint32_t flags, uint16_t len)
{
	struct can_virtio_hdr h;
	unsigned int i;

	memcpy(&h, w, sizeof(h));
	assert_int_equal(le16toh(h.msg_type), CAN_MSG_RX);
	assert_int_equal(le16toh(h.length), len);
	assert_int_equal(le32toh(h.flags), flags);
	assert_int_equal(le32toh(h.can_id), id);
	for (i = 0; i < len && !(flags & CAN_FLAG_RTR); i++)
		assert_int_equal(w[CAN_HDR_LEN + i], 0xa0 + i);
}

static void
test_rx_kinds(void **state)
{
	struct fx *f = *state;
	uint8_t *w[4];
	unsigned int i;

	start(f);
	for (i = 0; i < 4; i++)
		w[i] = rx_post(f, CAN_HDR_LEN + 64);
	assert_int_equal(rx_used(f), -1);
	peer_send(f, 0x123, 0, 4);
	peer_send(f, 0x1F334455, CAN_FLAG_EXTENDED, 8);
	peer_send(f, 0x7, CAN_FLAG_FD, 48);
	peer_send(f, 0x8, CAN_FLAG_RTR, 3);
	can_dev_port_events(f->dev);
	assert_int_equal(rx_used(f), CAN_HDR_LEN + 4);
	assert_int_equal(rx_used(f), CAN_HDR_LEN + 8);
	assert_int_equal(rx_used(f), CAN_HDR_LEN + 48);
	assert_int_equal(rx_used(f), CAN_HDR_LEN + 3);
	check_rx(w[0], 0x123, 0, 4);
	check_rx(w[1], 0x1F334455, CAN_FLAG_EXTENDED, 8);
	check_rx(w[2], 0x7, CAN_FLAG_FD, 48);
	check_rx(w[3], 0x8, CAN_FLAG_RTR, 3);
	assert_int_equal(can_dev_stats(f->dev)->rx_frames, 4);
}

static void
test_rx_classic_guest(void **state)
{
	struct fx *f = *state;
	uint8_t *w;

	start(f);
	/* Linux posts 16 + 8 byte buffers without CAN_FD: never written past. */
	w = rx_post(f, CAN_HDR_LEN + 8);
	peer_send(f, 0x7, CAN_FLAG_FD, 64);
	peer_send(f, 0x9, CAN_FLAG_RTR, 1);
	can_dev_port_events(f->dev);
	assert_int_equal(rx_used(f), -1);
	assert_int_equal(can_dev_stats(f->dev)->rx_filtered, 2);
	peer_send(f, 0x6, 0, 8);
	can_dev_port_events(f->dev);
	assert_int_equal(rx_used(f), CAN_HDR_LEN + 8);
	check_rx(w, 0x6, 0, 8);
}

static void
test_rx_fd_only_guest(void **state)
{
	struct fx *f = *state;

	start(f);
	rx_post(f, CAN_HDR_LEN + 64);
	peer_send(f, 0x6, 0, 8);
	can_dev_port_events(f->dev);
	assert_int_equal(rx_used(f), -1);
	assert_int_equal(can_dev_stats(f->dev)->rx_filtered, 1);
	/* An FD frame of 8 bytes or less is FD by its flag, not by its length. */
	peer_send(f, 0x6, CAN_FLAG_FD, 8);
	can_dev_port_events(f->dev);
	assert_int_equal(rx_used(f), CAN_HDR_LEN + 8);
}

static void
test_rx_bad_buffers(void **state)
{
	struct fx *f = *state;
	uint8_t rd[4] = {0};
	uint8_t *w;

	start(f);
	assert_int_equal(post(f, CAN_RXQ, NULL, 0, &w, CAN_HDR_LEN - 1), 0);
	assert_int_equal(post(f, CAN_RXQ, rd, sizeof(rd), &w, 64), 0);
	assert_int_equal(can_dev_stats(f->dev)->rx_bad_buffers, 2);
	/* A buffer too small for this frame goes back empty; the frame waits. */
	rx_post(f, CAN_HDR_LEN + 8);
	peer_send(f, 0x7, CAN_FLAG_FD, 64);
	can_dev_port_events(f->dev);
	assert_int_equal(rx_used(f), 0);
	assert_int_equal(post(f, CAN_RXQ, NULL, 0, &w, CAN_HDR_LEN + 64), CAN_HDR_LEN + 64);
	check_rx(w, 0x7, CAN_FLAG_FD, 64);
}

static void
test_rx_backlog(void **state)
{
	struct fx *f = *state;
	struct can_virtio_hdr h;
	unsigned int i;
	uint8_t *w;

	start(f);
	for (i = 0; i < CAN_RX_BACKLOG + 3; i++)
		peer_send(f, i, 0, 1);
	can_dev_port_events(f->dev);
	assert_int_equal(can_dev_stats(f->dev)->rx_overrun, 3);
	/* Frames that arrived before any buffer go out in order as buffers come. */
	for (i = 0; i < CAN_RX_BACKLOG; i++) {
		assert_int_equal(post(f, CAN_RXQ, NULL, 0, &w, 24), CAN_HDR_LEN + 1);
		memcpy(&h, w, sizeof(h));
		assert_int_equal(le32toh(h.can_id), i);
	}
	rx_post(f, 24);
	assert_int_equal(can_dev_rx_held(f->dev), 1);
}

static void
test_late_ack(void **state)
{
	struct fx *f = *state;
	uint8_t *r1, *r2;
	struct can_ev ev;

	start(f);
	/* Held until the bus reports delivery, answered in order. */
	assert_int_equal(tx(f, 0x1, 0, 1, &r1), -1);
	assert_int_equal(tx(f, 0x2, 0, 2, &r2), -1);
	assert_int_equal(can_dev_tx_held(f->dev), 2);
	ev = peer_ev(f);
	assert_int_equal(ev.msg.id, 1);
	ev = peer_ev(f);
	assert_int_equal(ev.msg.id, 2);
	assert_int_equal(tx_used(f), -1);
	can_dev_port_events(f->dev);
	assert_int_equal(tx_used(f), 1);
	assert_int_equal(tx_used(f), 1);
	assert_int_equal(*r1, CAN_RESULT_OK);
	assert_int_equal(*r2, CAN_RESULT_OK);
	assert_int_equal(can_dev_tx_held(f->dev), 0);
	assert_int_equal(can_dev_stats(f->dev)->tx_late_acks, 2);
	assert_int_equal(can_dev_stats(f->dev)->echo_unmatched, 0);
}

static void
test_stop_fails_pending(void **state)
{
	struct fx *f = *state;
	uint8_t *r;

	start(f);
	assert_int_equal(tx(f, 0x1, 0, 1, &r), -1);
	assert_int_equal(ctrl(f, CAN_CTRL_STOP), CAN_RESULT_OK);
	assert_int_equal(tx_used(f), 1);
	assert_int_equal(*r, CAN_RESULT_NOT_OK);
	assert_int_equal(can_dev_stats(f->dev)->tx_cancelled, 1);
	/* The bus's late report of that frame completes nothing. */
	can_dev_port_events(f->dev);
	assert_int_equal(tx_used(f), -1);
	assert_int_equal(can_dev_stats(f->dev)->tx_late_acks, 0);
	assert_int_equal(tx(f, 0x1, 0, 1, NULL), CAN_RESULT_NOT_OK);
}

/* A port whose events the test scripts: the bus confirms nothing by itself. */
struct script_port {
	struct can_port port;
	struct can_ev ev[8];
	unsigned int n, sent;
};

static void script_destroy(struct can_port *p) { free(p); }
static int script_fd(struct can_port *p) { (void)p; return -1; }
static void script_late(struct can_port *p, bool on) { (void)p; (void)on; }

static int
script_send(struct can_port *p, const struct can_msg *m)
{
	(void)m;
	((struct script_port *)p)->sent++;
	return 0;
}

static int
script_next(struct can_port *p, struct can_ev *ev)
{
	struct script_port *sp = (struct script_port *)p;

	if (sp->n == 0)
		return 0;
	*ev = sp->ev[0];
	memmove(sp->ev, sp->ev + 1, --sp->n * sizeof(sp->ev[0]));
	return 1;
}

static const struct can_port_ops script_ops = {
	script_destroy, script_fd, script_send, script_next, script_late,
};

/* Replace the fixture's device by one over a scripted port, late acks on, started. */
static struct script_port *
script_dev(struct fx *f)
{
	struct script_port *sp = calloc(1, sizeof(*sp));

	assert_non_null(sp);
	sp->port.ops = &script_ops;
	can_dev_destroy(f->dev);
	f->dev = can_dev_create(&sp->port);
	assert_non_null(f->dev);
	can_dev_ops.attach(f->dev, &f->th.host);
	can_dev_ops.set_features(f->dev, FEAT | ALL | F(CAN_F_LATE_TX_ACK));
	assert_int_equal(can_dev_ops.queue_start(f->dev, CAN_TXQ, &f->q[CAN_TXQ].vq), 0);
	assert_int_equal(can_dev_ops.queue_start(f->dev, CAN_CTRLQ, &f->q[CAN_CTRLQ].vq), 0);
	start(f);
	return sp;
}

/* Event @p i of @p sp: the bus confirms the 1-byte frame @p id that tx() sends. */
static void
script_done(struct script_port *sp, unsigned int i, uint32_t id)
{
	sp->ev[i].type = CAN_EV_TX_DONE;
	memset(&sp->ev[i].msg, 0, sizeof(sp->ev[i].msg));
	sp->ev[i].msg.id = id;
	sp->ev[i].msg.len = 1;
	sp->ev[i].msg.data[0] = 0x10;
}

static void
test_busoff_cancels_held(void **state)
{
	struct fx *f = *state;
	struct script_port *sp = script_dev(f);
	uint8_t *r1, *r2;

	assert_int_equal(tx(f, 0x1, 0, 1, &r1), -1);
	assert_int_equal(tx(f, 0x2, 0, 1, &r2), -1);
	assert_int_equal(sp->sent, 2);
	/* The first went out, then the controller went bus-off. */
	script_done(sp, 0, 1);
	sp->ev[1].type = CAN_EV_BUSOFF;
	sp->n = 2;
	can_dev_port_events(f->dev);
	assert_int_equal(tx_used(f), 1);
	assert_int_equal(tx_used(f), 1);
	assert_int_equal(*r1, CAN_RESULT_OK);
	assert_int_equal(*r2, CAN_RESULT_NOT_OK);
	assert_int_equal(can_dev_stats(f->dev)->tx_cancelled, 1);
	assert_int_equal(can_dev_status(f->dev), CAN_S_CTRL_BUSOFF);
	assert_int_equal(f->th.config_changes, 1);
	/* A confirmation arriving after the cancel completes nothing. */
	script_done(sp, 0, 2);
	sp->n = 1;
	can_dev_port_events(f->dev);
	assert_int_equal(tx_used(f), -1);
	assert_int_equal(can_dev_stats(f->dev)->echo_unmatched, 0);
}

static void
test_busoff(void **state)
{
	struct fx *f = *state;
	uint8_t cfg[2];
	uint8_t *r;

	start(f);
	/* The simulated bus delivers at once: this one is acked before the bus-off. */
	assert_int_equal(tx(f, 0x1, 0, 1, &r), -1);
	assert_int_equal(can_sim_error(f->sim, "bus", CAN_EV_BUSOFF), 0);
	can_dev_port_events(f->dev);
	/* Bit 0, as the spec and Linux have it (upstream used bit 1), and notified. */
	assert_int_equal(can_dev_status(f->dev), 0x0001);
	assert_int_equal(can_dev_ops.get_config(f->dev, cfg, 0, 2), 0);
	assert_int_equal(cfg[0], 1);
	assert_int_equal(cfg[1], 0);
	assert_int_equal(f->th.config_changes, 1);
	assert_false(can_dev_started(f->dev));
	assert_int_equal(tx_used(f), 1);
	assert_int_equal(*r, CAN_RESULT_OK);
	assert_int_equal(tx(f, 0x1, 0, 1, NULL), CAN_RESULT_NOT_OK);
	assert_int_equal(ctrl(f, CAN_CTRL_START), CAN_RESULT_NOT_OK);
	/* A second report changes nothing. */
	assert_int_equal(can_sim_error(f->sim, "bus", CAN_EV_BUSOFF), 0);
	can_dev_port_events(f->dev);
	assert_int_equal(f->th.config_changes, 1);
	assert_int_equal(can_sim_error(f->sim, "bus", CAN_EV_RESTART), 0);
	can_dev_port_events(f->dev);
	assert_int_equal(can_dev_status(f->dev), 0);
	assert_int_equal(f->th.config_changes, 2);
	start(f);
	assert_int_equal(tx(f, 0x1, 0, 1, NULL), -1);
	can_dev_port_events(f->dev);
	assert_int_equal(tx_used(f), 1);
	assert_int_equal(can_dev_stats(f->dev)->config_notify_failed, 0);
}

static void
test_busoff_notify_unsupported(void **state)
{
	struct fx *f = *state;

	f->th.config_changed_rc = -ENOTSUP;
	start(f);
	assert_int_equal(can_sim_error(f->sim, "bus", CAN_EV_BUSOFF), 0);
	can_dev_port_events(f->dev);
	assert_int_equal(can_dev_status(f->dev), CAN_S_CTRL_BUSOFF);
	assert_int_equal(can_dev_stats(f->dev)->config_notify_failed, 1);
}

static void
test_ack_timeout(void **state)
{
	struct fx *f = *state;
	struct script_port *sp = script_dev(f);
	uint8_t *r1, *r2;

	/* A bus that never confirms (no other node to acknowledge): no stall. */
	assert_int_equal(tx(f, 0x1, 0, 1, &r1), -1);
	vhd_test_host_advance(&f->th, 600000000ULL);
	assert_int_equal(tx(f, 0x2, 0, 1, &r2), -1);
	vhd_test_host_advance(&f->th, 300000000ULL);
	assert_int_equal(tx_used(f), -1);
	/* The first is a second old: failed; the second waits its own second. */
	vhd_test_host_advance(&f->th, 200000000ULL);
	assert_int_equal(tx_used(f), 1);
	assert_int_equal(*r1, CAN_RESULT_NOT_OK);
	assert_int_equal(tx_used(f), -1);
	assert_int_equal(can_dev_tx_held(f->dev), 1);
	vhd_test_host_advance(&f->th, 500000000ULL);
	assert_int_equal(tx_used(f), 1);
	assert_int_equal(*r2, CAN_RESULT_NOT_OK);
	assert_int_equal(can_dev_stats(f->dev)->tx_ack_timeouts, 2);
	assert_int_equal(can_dev_tx_held(f->dev), 0);
	/* A confirmation after all completes nothing more. */
	script_done(sp, 0, 1);
	sp->n = 1;
	can_dev_port_events(f->dev);
	assert_int_equal(tx_used(f), -1);
	assert_int_equal(can_dev_stats(f->dev)->echo_unmatched, 0);
}

static void
test_queue_stop_forgets(void **state)
{
	struct fx *f = *state;

	start(f);
	rx_post(f, 24);
	assert_int_equal(tx(f, 0x1, 0, 1, NULL), -1);
	can_dev_ops.queue_stop(f->dev, CAN_TXQ, &f->q[CAN_TXQ].vq);
	can_dev_ops.queue_stop(f->dev, CAN_RXQ, &f->q[CAN_RXQ].vq);
	assert_int_equal(can_dev_tx_held(f->dev), 0);
	assert_int_equal(can_dev_rx_held(f->dev), 0);
	/* Events after the rings went touch nothing. */
	peer_send(f, 0x5, 0, 1);
	can_dev_port_events(f->dev);
	assert_int_equal(can_sim_error(f->sim, "bus", CAN_EV_BUSOFF), 0);
	can_dev_port_events(f->dev);
	assert_int_equal(tx_used(f), -1);
	assert_int_equal(rx_used(f), -1);
}

static void
test_unknown_queue(void **state)
{
	struct fx *f = *state;
	struct vhd_req req;

	memset(&req, 0, sizeof(req));
	assert_int_equal(can_dev_ops.handle(f->dev, 3, &f->q[0].vq, &req), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer),
		cmocka_unit_test_setup_teardown(test_config, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_stopped_initially, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_start_stop, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_tx_classic_no_echo, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_tx_kinds, setup_all, teardown),
		cmocka_unit_test(test_tx_validation_table),
		cmocka_unit_test_setup_teardown(test_tx_malformed, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_malformed, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_rx_kinds, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_rx_classic_guest, setup_classic, teardown),
		cmocka_unit_test_setup_teardown(test_rx_fd_only_guest, setup_fd_only, teardown),
		cmocka_unit_test_setup_teardown(test_rx_bad_buffers, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_rx_backlog, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_late_ack, setup_late, teardown),
		cmocka_unit_test_setup_teardown(test_stop_fails_pending, setup_late, teardown),
		cmocka_unit_test_setup_teardown(test_busoff, setup_late, teardown),
		cmocka_unit_test_setup_teardown(test_busoff_cancels_held, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_busoff_notify_unsupported, setup_all,
						teardown),
		cmocka_unit_test_setup_teardown(test_ack_timeout, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_queue_stop_forgets, setup_late, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_queue, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_restart_state, setup_all, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
