/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-can driven by our vhost-user frontend over simulated buses:
 * features and config space, classic, FD and RTR frames both ways with and
 * without each feature, late acks, two sockets on one bus, frames injected
 * and watched on the control socket, bus-off seen in the config space,
 * malformed requests, idle CPU, and bad command lines.
 */

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "vhd_it.h"

#define QSZ 64
#define WAIT_MS 3000
#define NRX 8

/* virtio-can wire format, written out here: the test checks the app, not our header. */
#define TXQ 0
#define RXQ 1
#define CTRLQ 2
#define F_CLASSIC (1ULL << 0)
#define F_FD (1ULL << 1)
#define F_RTR (1ULL << 2)
#define F_LATE (1ULL << 3)
#define F_CAN (F_CLASSIC | F_FD | F_RTR | F_LATE)
#define F_RING (VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_INDIRECT_DESC) | \
		VHD_BIT(VHD_F_RING_EVENT_IDX) | VHD_BIT(VHD_F_NOTIFY_ON_EMPTY))
#define MSG_TX 0x0001
#define MSG_RX 0x0101
#define START 0x0201
#define STOP 0x0202
#define FL_EXT 0x8000
#define FL_FD 0x4000
#define FL_RTR 0x2000
#define OK 0
#define NOT_OK 1
#define HDR 16

struct hdr {
	uint16_t type, len;
	uint8_t dlc, pad;
	uint16_t prio;
	uint32_t flags, id;
} __attribute__((packed));

struct can {
	struct vhd_fe *fe;
	uint32_t rx_size;
	uint8_t *rx[NRX];
	uint8_t *tx;  /* 80 bytes */
	uint8_t *res; /* 4 bytes */
};

static const char *
ctl_path(const struct vhd_fe_app *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s/ctl", a->dir);
	return buf;
}

static void
app_up(struct vhd_fe_app *a, const char *devs, unsigned int n, const char *mode)
{
	static char ctl[256], cnt[8];
	const char *opts[] = {"--sim-control", NULL, "-c", cnt, "-d", devs, "--mode", mode, NULL};

	vhd_it_app_init(a, "can");
	opts[1] = ctl_path(a, ctl, sizeof(ctl));
	snprintf(cnt, sizeof(cnt), "%u", n);
	if (mode == NULL)
		opts[6] = NULL;
	vhd_it_app_start(a, opts, NULL, n);
}

static void
app_down(struct vhd_fe_app *a, unsigned int n)
{
	char ctl[256];
	struct stat st;

	vhd_it_app_stop(a, n);
	if (stat(ctl_path(a, ctl, sizeof(ctl)), &st) == 0)
		fail_msg("control socket %s still there after exit", ctl);
	vhd_it_app_fini(a);
}

/* ---- control socket ---- */

static int
ctl_open(const struct vhd_fe_app *a)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = WAIT_MS / 1000};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	char path[256];

	assert_true(fd >= 0);

	ctl_path(a, path, sizeof(path));
	if (strlen(path) >= sizeof(sa.sun_path))
		fail_msg("control socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail_msg("connect %s: %s", sa.sun_path, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static const char *
ctl_line(int fd)
{
	static char buf[256];
	size_t n = 0;

	while (n < sizeof(buf) - 1 && (n == 0 || buf[n - 1] != '\n')) {
		if (recv(fd, buf + n, 1, 0) <= 0)
			fail_msg("no line on the control socket");
		n++;
	}
	buf[n] = '\0';
	return buf;
}

static const char *
ctl(int fd, const char *cmd)
{
	assert_int_equal(send(fd, cmd, strlen(cmd), MSG_NOSIGNAL), (ssize_t)strlen(cmd));
	return ctl_line(fd);
}

/* The next monitored frame, without the timestamp: "bus0 123#DEADBEEF". */
static const char *
mon_frame(int fd)
{
	const char *l = ctl_line(fd);
	const char *p = strchr(l, ')');

	if (l[0] != '(' || p == NULL || p[1] != ' ')
		fail_msg("not a candump log line: %s", l);
	return p + 2;
}

/* ---- frontend side ---- */

static void
wait_one(struct vhd_fe *fe, uint16_t q, int head, uint32_t *len)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(fe, q);
	uint16_t id;

	if (vhd_fe_wait_used(fe, q, WAIT_MS) <= 0)
		fail_msg("no used entry on queue %u within %d ms: fe '%s'", q, WAIT_MS,
			 vhd_fe_error(fe));
	assert_int_equal(vhd_fe_ring_get_used(r, &id, len, NULL), 1);
	if (head >= 0)
		assert_int_equal(id, head);
}

static int
ctrl(struct can *c, uint16_t type)
{
	uint16_t *t = vhd_fe_mem_alloc(vhd_fe_mem(c->fe), 2, 2, NULL);
	struct vhd_fe_buf b[2] = {{t, 2}, {c->res, 1}};
	uint32_t len;
	int head;

	*t = htole16(type);
	c->res[0] = 0xee;
	head = vhd_fe_post(c->fe, CTRLQ, b, 1, 1, false, NULL, true);
	assert_true(head >= 0);
	wait_one(c->fe, CTRLQ, head, &len);
	assert_int_equal(len, 1);
	return c->res[0];
}

static void
rx_post(struct can *c, unsigned int i)
{
	struct vhd_fe_buf b = {c->rx[i], c->rx_size};

	memset(c->rx[i], 0xee, c->rx_size + 8);
	assert_true(vhd_fe_post(c->fe, RXQ, &b, 0, 1, false, (void *)(uintptr_t)(i + 1), true) >=
		    0);
}

static void
can_up(struct can *c, struct vhd_fe_app *a, unsigned int idx, uint64_t feat)
{
	unsigned int i;

	c->fe = vhd_it_fe_up(a, idx, F_RING | feat, 3, QSZ);
	assert_int_equal(vhd_fe_offered_features(c->fe) & F_CAN, F_CAN);
	assert_int_equal(vhd_fe_features(c->fe) & F_CAN, feat);
	c->rx_size = HDR + ((feat & F_FD) ? 64 : 8);
	for (i = 0; i < NRX; i++) {
		c->rx[i] = vhd_fe_mem_alloc(vhd_fe_mem(c->fe), c->rx_size + 8, 8, NULL);
		assert_non_null(c->rx[i]);
	}
	c->tx = vhd_fe_mem_alloc(vhd_fe_mem(c->fe), 80, 8, NULL);
	c->res = vhd_fe_mem_alloc(vhd_fe_mem(c->fe), 4, 4, NULL);
	assert_non_null(c->tx);
	assert_non_null(c->res);
	for (i = 0; i < NRX; i++)
		rx_post(c, i);
	assert_int_equal(ctrl(c, START), OK);
}

/* Send a frame; returns the result byte. */
static int
tx_raw(struct can *c, uint32_t id, uint32_t flags, uint16_t len, uint32_t rd_len,
       uint32_t wr_len)
{
	struct hdr h = {htole16(MSG_TX), htole16(len), 0, 0, 0, htole32(flags), htole32(id)};
	struct vhd_fe_buf b[2] = {{c->tx, rd_len}, {c->res, wr_len}};
	unsigned int i;
	uint32_t used;
	int head;

	memcpy(c->tx, &h, sizeof(h));
	for (i = 0; i < 64; i++)
		c->tx[HDR + i] = (uint8_t)(0x40 + i);
	c->res[0] = 0xee;
	head = vhd_fe_post(c->fe, TXQ, b, 1, wr_len > 0, false, NULL, true);
	assert_true(head >= 0);
	wait_one(c->fe, TXQ, head, &used);
	if (wr_len == 0) {
		assert_int_equal(used, 0);
		return -1;
	}
	assert_int_equal(used, 1);
	return c->res[0];
}

static int
tx(struct can *c, uint32_t id, uint32_t flags, uint16_t len)
{
	return tx_raw(c, id, flags, len, HDR + ((flags & FL_RTR) ? 0 : len), 1);
}

/* The next received frame: its header; re-posts the buffer. Fails when none comes. */
static struct hdr
rx(struct can *c, uint8_t *data)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(c->fe, RXQ);
	struct hdr h;
	void *cookie;
	uint32_t len;
	uint16_t id;
	unsigned int i;

	if (vhd_fe_wait_used(c->fe, RXQ, WAIT_MS) <= 0)
		fail_msg("no frame received within %d ms", WAIT_MS);
	assert_int_equal(vhd_fe_ring_get_used(r, &id, &len, &cookie), 1);
	i = (unsigned int)(uintptr_t)cookie - 1;
	assert_true(i < NRX);
	assert_true(len >= HDR && len <= c->rx_size);
	memcpy(&h, c->rx[i], sizeof(h));
	h.type = le16toh(h.type);
	h.len = le16toh(h.len);
	h.flags = le32toh(h.flags);
	h.id = le32toh(h.id);
	assert_int_equal(h.type, MSG_RX);
	assert_int_equal(len, HDR + h.len);
	if (data != NULL)
		memcpy(data, c->rx[i] + HDR, h.len);
	/* Never written past the buffer. */
	assert_int_equal(c->rx[i][c->rx_size], 0xee);
	rx_post(c, i);
	return h;
}

static void
rx_none(struct can *c)
{
	assert_int_equal(vhd_fe_wait_used(c->fe, RXQ, 200), 0);
}

static uint16_t
status(struct can *c)
{
	uint16_t st;

	assert_int_equal(vhd_fe_get_config(c->fe, 0, &st, 2), 0);
	return le16toh(st);
}

/* A config-change notification arrives on the backend channel. */
static void
config_change(struct can *c)
{
	struct vhd_fe_backend_msg m;

	if (vhd_fe_backend_serve(c->fe, WAIT_MS, NULL, NULL, &m) != 1)
		fail_msg("no config-change notification within %d ms: %s", WAIT_MS,
			 vhd_fe_error(c->fe));
	assert_int_equal(m.request, VHD_FE_BACKEND_CONFIG_CHANGE_MSG);
}

/* ---- tests ---- */

static void
test_two_guests_one_bus(void **state)
{
	static struct vhd_fe_app a;
	struct can g0, g1;
	uint8_t data[64], cfg[16];
	struct hdr h;
	int c, mon;

	(void)state;
	app_up(&a, "sim:bus0 sim:bus0", 2, NULL);
	can_up(&g0, &a, 0, F_CAN);
	can_up(&g1, &a, 1, F_CLASSIC); /* classic only, 24-byte buffers */
	assert_int_equal(status(&g0), 0);
	mon = ctl_open(&a);
	assert_string_equal(ctl(mon, "monitor\n"), "ok\n");
	c = ctl_open(&a);

	/* Injected on the bus: both guests get it. */
	assert_string_equal(ctl(c, "send 123#DEADBEEF\n"), "ok\n");
	assert_string_equal(mon_frame(mon), "bus0 123#DEADBEEF\n");
	h = rx(&g0, data);
	assert_int_equal(h.id, 0x123);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.len, 4);
	assert_memory_equal(data, "\xde\xad\xbe\xef", 4);
	h = rx(&g1, data);
	assert_int_equal(h.id, 0x123);

	/* Guest to guest, extended id; the sender does not get its frame back. */
	assert_int_equal(tx(&g1, 0x1F334455, FL_EXT, 8), OK);
	assert_string_equal(mon_frame(mon), "bus0 1F334455#4041424344454647\n");
	h = rx(&g0, data);
	assert_int_equal(h.id, 0x1F334455);
	assert_int_equal(h.flags, FL_EXT);
	assert_int_equal(h.len, 8);
	assert_int_equal(data[7], 0x47);
	rx_none(&g1);

	/* FD from g0 (late acks on: answered once the bus took it); g1 cannot take it. */
	assert_int_equal(tx(&g0, 0x7, FL_FD, 64), OK);
	assert_string_equal(mon_frame(mon), "bus0 007##04041424344454647"
			    "48494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F606162636465666768696A"
			    "6B6C6D6E6F707172737475767778797A7B7C7D7E7F\n");
	rx_none(&g1);
	assert_string_equal(ctl(c, "send 7##1AABBCCDDEEFF001122334455\n"), "ok\n");
	assert_string_equal(mon_frame(mon), "bus0 007##0AABBCCDDEEFF001122334455\n");
	h = rx(&g0, data);
	assert_int_equal(h.flags, FL_FD);
	assert_int_equal(h.len, 12);
	rx_none(&g1);

	/* RTR: g0 negotiated it, g1 did not. */
	assert_int_equal(tx(&g0, 0x321, FL_RTR, 4), OK);
	assert_string_equal(mon_frame(mon), "bus0 321#R4\n");
	rx_none(&g1);
	assert_int_equal(tx(&g1, 0x321, FL_RTR, 4), NOT_OK);
	assert_string_equal(ctl(c, "send 1F334455#R\n"), "ok\n");
	mon_frame(mon);
	h = rx(&g0, NULL);
	assert_int_equal(h.flags, FL_EXT | FL_RTR);
	assert_int_equal(h.len, 0);
	rx_none(&g1);
	/* And classic from g1 to g0 still flows. */
	assert_int_equal(tx(&g1, 0x10, 0, 0), OK);
	mon_frame(mon);
	assert_int_equal(rx(&g0, NULL).id, 0x10);

	/* Malformed: every one answered, nothing on the bus. */
	assert_int_equal(tx(&g1, 0x10, FL_FD, 12), NOT_OK);   /* FD not negotiated */
	assert_int_equal(tx(&g0, 0x800, 0, 1), NOT_OK);       /* 11-bit id too big */
	assert_int_equal(tx(&g0, 0x10, 0, 9), NOT_OK);        /* classic length > 8 */
	assert_int_equal(tx(&g0, 0x10, FL_FD, 13), NOT_OK);   /* no such FD length */
	assert_int_equal(tx(&g0, 0x10, 0x1, 1), NOT_OK);      /* unknown flag */
	assert_int_equal(tx_raw(&g0, 0x10, 0, 8, HDR + 4, 1), NOT_OK); /* payload cut */
	assert_int_equal(tx_raw(&g0, 0x10, 0, 1, HDR - 2, 1), NOT_OK); /* header cut */
	assert_int_equal(tx_raw(&g0, 0x10, FL_FD, 1000, 80, 1), NOT_OK);
	assert_int_equal(tx_raw(&g0, 0x10, 0, 1, HDR + 1, 0), -1); /* no result byte */
	assert_int_equal(ctrl(&g0, 0x0299), NOT_OK);
	/* Still serving, and the bus saw none of them. */
	assert_int_equal(tx(&g0, 0x11, 0, 1), OK);
	assert_string_equal(mon_frame(mon), "bus0 011#40\n");
	assert_int_equal(rx(&g1, NULL).id, 0x11);

	/* Stopped: TX refused, RX not delivered; started again, both flow. */
	assert_int_equal(ctrl(&g1, STOP), OK);
	assert_int_equal(tx(&g1, 0x12, 0, 1), NOT_OK);
	assert_int_equal(tx(&g0, 0x13, 0, 1), OK);
	mon_frame(mon);
	rx_none(&g1);
	assert_int_equal(ctrl(&g1, START), OK);
	assert_int_equal(ctrl(&g1, START), OK);
	assert_int_equal(tx(&g1, 0x12, 0, 1), OK);
	mon_frame(mon);
	assert_int_equal(rx(&g0, NULL).id, 0x12);
	/*
	 * The config space is 2 bytes: upstream's documented config_size=16
	 * reads past it; here it is refused (and rte_vhost drops that
	 * connection), the other guest carries on.
	 */
	assert_true(vhd_fe_get_config(g0.fe, 0, cfg, 16) < 0);
	assert_int_equal(tx(&g1, 0x14, 0, 1), OK);
	close(c);
	close(mon);
	app_down(&a, 2);
	vhd_it_fe_done(g0.fe);
	vhd_it_fe_done(g1.fe);
}

static void
run_late_ack_order(const char *mode)
{
	static struct vhd_fe_app a;
	struct vhd_fe_buf b[2 * 16];
	struct can g;
	uint8_t *bufs, *res;
	uint32_t len;
	uint16_t id;
	int heads[16], c, mon, i;

	app_up(&a, "sim:bus0", 1, mode);
	can_up(&g, &a, 0, F_CAN);
	mon = ctl_open(&a);
	assert_string_equal(ctl(mon, "monitor\n"), "ok\n");
	bufs = vhd_fe_mem_alloc(vhd_fe_mem(g.fe), 16 * 24, 8, NULL);
	res = vhd_fe_mem_alloc(vhd_fe_mem(g.fe), 16, 8, NULL);
	assert_non_null(bufs);
	assert_non_null(res);
	/* Sixteen frames posted at once: answered OK, in order, each once on the bus. */
	for (i = 0; i < 16; i++) {
		struct hdr h = {htole16(MSG_TX), htole16(1), 0, 0, 0, 0, htole32((uint32_t)i)};

		memcpy(bufs + 24 * i, &h, sizeof(h));
		bufs[24 * i + HDR] = (uint8_t)i;
		res[i] = 0xee;
		b[2 * i] = (struct vhd_fe_buf){bufs + 24 * i, HDR + 1};
		b[2 * i + 1] = (struct vhd_fe_buf){res + i, 1};
		heads[i] = vhd_fe_post(g.fe, TXQ, &b[2 * i], 1, 1, false, NULL, i == 15);
		assert_true(heads[i] >= 0);
	}
	for (i = 0; i < 16; i++) {
		char want[32];

		if (vhd_fe_ring_used_pending(vhd_fe_queue_ring(g.fe, TXQ)) == 0 &&
		    vhd_fe_wait_used(g.fe, TXQ, WAIT_MS) <= 0)
			fail_msg("TX %d never answered", i);
		assert_int_equal(vhd_fe_ring_get_used(vhd_fe_queue_ring(g.fe, TXQ), &id, &len,
						      NULL), 1);
		assert_int_equal(id, heads[i]);
		assert_int_equal(len, 1);
		assert_int_equal(res[i], OK);
		snprintf(want, sizeof(want), "bus0 %03X#%02X\n", i, i);
		assert_string_equal(mon_frame(mon), want);
	}
	rx_none(&g);
	c = ctl_open(&a);
	assert_string_equal(ctl(c, "send 5#01\n"), "ok\n");
	assert_int_equal(rx(&g, NULL).id, 5);
	close(c);
	close(mon);
	app_down(&a, 1);
	vhd_it_fe_done(g.fe);
}

static void
test_late_ack_order(void **state)
{
	(void)state;
	run_late_ack_order(NULL);
	run_late_ack_order("poll");
}

static void
test_busoff(void **state)
{
	static struct vhd_fe_app a;
	struct can g;
	int c;

	(void)state;
	app_up(&a, "sim:bus0", 1, NULL);
	can_up(&g, &a, 0, F_CAN);
	c = ctl_open(&a);
	assert_true(vhd_fe_backend_fd(g.fe) >= 0);
	assert_string_equal(ctl(c, "error busoff\n"), "ok\n");
	/* Told on the backend channel (upstream never tells), status already set: bit 0. */
	config_change(&g);
	assert_int_equal(status(&g), 1);
	assert_int_equal(tx(&g, 0x1, 0, 1), NOT_OK);
	assert_int_equal(ctrl(&g, START), NOT_OK);
	assert_string_equal(ctl(c, "send 1#00\n"), "error: bus-off\n");
	assert_string_equal(ctl(c, "error restart\n"), "ok\n");
	config_change(&g);
	assert_int_equal(status(&g), 0);
	/* One notification per change, none for a repeated report. */
	assert_string_equal(ctl(c, "error restart\n"), "ok\n");
	assert_int_equal(vhd_fe_backend_serve(g.fe, 300, NULL, NULL, NULL), 0);
	/* Stopped after the bus-off until the guest starts it again. */
	assert_int_equal(tx(&g, 0x1, 0, 1), NOT_OK);
	assert_int_equal(ctrl(&g, START), OK);
	assert_int_equal(tx(&g, 0x1, 0, 1), OK);
	assert_string_equal(ctl(c, "send 2#00\n"), "ok\n");
	assert_int_equal(rx(&g, NULL).id, 2);
	close(c);
	app_down(&a, 1);
	vhd_it_fe_done(g.fe);
}

/* Post a frame without waiting; returns its head. */
static int
tx_post(struct can *c, uint32_t id, uint8_t *tx, uint8_t *res)
{
	struct hdr h = {htole16(MSG_TX), htole16(1), 0, 0, 0, 0, htole32(id)};
	struct vhd_fe_buf b[2] = {{tx, HDR + 1}, {res, 1}};
	int head;

	memcpy(tx, &h, sizeof(h));
	tx[HDR] = 0x77;
	*res = 0xee;
	head = vhd_fe_post(c->fe, TXQ, b, 1, 1, false, NULL, true);
	assert_true(head >= 0);
	return head;
}

static void
test_pending_tx(void **state)
{
	static struct vhd_fe_app a;
	struct can g;
	uint8_t *txb, *res;
	uint32_t len;
	int c, head;

	(void)state;
	app_up(&a, "sim:bus0 sim:bus0", 2, NULL);
	can_up(&g, &a, 0, F_CAN);
	txb = vhd_fe_mem_alloc(vhd_fe_mem(g.fe), 32, 8, NULL);
	res = vhd_fe_mem_alloc(vhd_fe_mem(g.fe), 4, 4, NULL);
	assert_non_null(txb);
	assert_non_null(res);
	c = ctl_open(&a);
	/* A stalled bus: with late acks the frame waits for it. */
	assert_string_equal(ctl(c, "pause\n"), "ok\n");
	head = tx_post(&g, 0x61, txb, res);
	assert_int_equal(vhd_fe_wait_used(g.fe, TXQ, 300), 0);
	/* STOP fails what is pending, then answers. */
	assert_int_equal(ctrl(&g, STOP), OK);
	wait_one(g.fe, TXQ, head, &len);
	assert_int_equal(len, 1);
	assert_int_equal(*res, NOT_OK);
	/* Bus-off does the same. */
	assert_int_equal(ctrl(&g, START), OK);
	head = tx_post(&g, 0x62, txb, res);
	assert_int_equal(vhd_fe_wait_used(g.fe, TXQ, 300), 0);
	assert_string_equal(ctl(c, "error busoff\n"), "ok\n");
	config_change(&g);
	wait_one(g.fe, TXQ, head, &len);
	assert_int_equal(*res, NOT_OK);
	assert_string_equal(ctl(c, "error restart\n"), "ok\n");
	config_change(&g);
	/* The stalled frames leave on resume; their late reports complete nothing. */
	assert_string_equal(ctl(c, "resume\n"), "ok\n");
	assert_int_equal(vhd_fe_wait_used(g.fe, TXQ, 300), 0);
	assert_int_equal(ctrl(&g, START), OK);
	assert_int_equal(tx(&g, 0x63, 0, 1), OK);
	close(c);
	app_down(&a, 2);
	vhd_it_fe_done(g.fe);
}

static void
test_mem_table_held(void **state)
{
	static struct vhd_fe_app a;
	struct can g;
	unsigned int i;
	int c;

	(void)state;
	app_up(&a, "sim:bus0", 1, NULL);
	can_up(&g, &a, 0, F_CAN);
	c = ctl_open(&a);
	/* Every RX buffer is held; a new memory table (hot-plug) must not lose them. */
	assert_int_equal(vhd_fe_set_mem_table(g.fe), 0);
	for (i = 0; i < NRX + 2; i++) {
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "send %X#%02X\n", 0x100 + i, i);
		assert_string_equal(ctl(c, cmd), "ok\n");
		assert_int_equal(rx(&g, NULL).id, 0x100 + i);
	}
	assert_int_equal(vhd_fe_set_mem_table(g.fe), 0);
	assert_int_equal(tx(&g, 0x5, 0, 2), OK);
	close(c);
	app_down(&a, 1);
	vhd_it_fe_done(g.fe);
}

static void
test_idle_cpu(void **state)
{
	static struct vhd_fe_app a;
	struct can g;
	int c, mon;

	(void)state;
	/* Two interfaces, RX buffers held, a monitor connected: nothing to do. */
	app_up(&a, "sim:bus0 sim:bus1", 2, NULL);
	can_up(&g, &a, 0, F_CAN);
	mon = ctl_open(&a);
	assert_string_equal(ctl(mon, "monitor\n"), "ok\n");
	c = ctl_open(&a);
	/* Upstream spins a core per interface; a read loop would show ~1000 ms here. */
	vhd_it_idle_cpu(&a, "idle, two interfaces", 10);
	/* And it still wakes for a frame. */
	assert_string_equal(ctl(c, "send bus0 9#99\n"), "ok\n");
	assert_int_equal(rx(&g, NULL).id, 9);
	assert_string_equal(mon_frame(mon), "bus0 009#99\n");
	close(mon);
	close(c);
	app_down(&a, 2);
	vhd_it_fe_done(g.fe);
}

static void
test_bad_args(void **state)
{
	static const char *const cases[][6] = {
		{"-d", "can0", NULL},                       /* no PF_CAN here */
		{"-c", "2", "-d", "sim:a", NULL},
		{"-d", "sim:a sim:b", NULL},
		{"-d", " ", NULL},
		{"-d", "sim:", NULL},
		{"-d", "sim:a", "--bogus", NULL},
		{"-d", "can0", "--sim-control", "/tmp/vhd-it-can-unused.ctl", NULL},
		{"-d", "sim:a", "--sim-control", "/nonexistent/dir/ctl", NULL},
		{"-d", "sim:bad#name", NULL},
		{NULL},
	};
	static const char *const ign[] = {"VHOST_CONFIG", "EAL", "TELEMETRY", NULL};
	const struct vhd_it_bad_cmdline b = {"can", 1, ign};
	unsigned int i;

	(void)state;
	for (i = 0; cases[i][0] != NULL; i++) {
		char what[32];

		snprintf(what, sizeof(what), "case %u", i);
		vhd_it_bad_cmdline(&b, what, cases[i], true, i == 0 ? "PF_CAN" : NULL);
	}
	vhd_it_bad_cmdline(&b, "no devices", NULL, true, "--can-devices");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		VHD_IT_TEST(test_two_guests_one_bus),
		VHD_IT_TEST(test_late_ack_order),
		VHD_IT_TEST(test_busoff),
		VHD_IT_TEST(test_pending_tx),
		VHD_IT_TEST(test_mem_table_held),
		VHD_IT_TEST(test_idle_cpu),
		VHD_IT_TEST(test_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
