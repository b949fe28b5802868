/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-vsock end to end: our frontend is the guest's vsock driver
 * (rx and tx queues, as QEMU hands them over), host programs are Unix
 * sockets in the app's private directory. Never AF_VSOCK.
 */

#include <endian.h>
#include <errno.h>
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
#include <dirent.h>

#include <cmocka.h>

#include "vhd_it.h"

#define QSZ 128
#define NRX 16
#define RXSZ 4096
#define WAIT_MS 3000
#define RXQ 0
#define TXQ 1
#define HDR 44
#define CID 3
#define F_RING (VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_INDIRECT_DESC) | \
		VHD_BIT(VHD_F_RING_EVENT_IDX) | VHD_BIT(VHD_F_NOTIFY_ON_EMPTY))

enum { OP_REQUEST = 1, OP_RESPONSE, OP_RST, OP_SHUTDOWN, OP_RW, OP_CREDIT_UPDATE,
       OP_CREDIT_REQUEST };

struct hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
} __attribute__((packed));

struct guest {
	struct vhd_fe *fe;
	uint64_t cid;  /* 0: CID */
	uint64_t from; /* the source rx() expects (0: the host) */
	uint8_t *rx[NRX];
	uint8_t *tx;
	char uds[90];
};

static void
rx_post(struct guest *g, unsigned int i)
{
	struct vhd_fe_buf b = {g->rx[i], RXSZ};

	assert_true(vhd_fe_post(g->fe, RXQ, &b, 0, 1, false, (void *)(uintptr_t)(i + 1), true) >=
		    0);
}

/* The app with @p extra (one option or NULL), a guest with @p features. */
static void
guest_up_with(struct guest *g, struct vhd_fe_app *a, uint64_t features, const char *extra)
{
	static const char *const opts[] = {"--guest-cid", "3", "--uds-path", NULL, NULL, NULL};
	const char *o[6];
	uint64_t cid = 0;
	unsigned int i;

	memcpy(o, opts, sizeof(o));
	o[4] = extra;
	g->cid = CID;
	g->from = 0;
	vhd_it_app_init(a, "vsock");
	assert_true(strlen(a->dir) + 7 < sizeof(g->uds));
	strcpy(g->uds, a->dir);
	strcat(g->uds, "/v.uds");
	o[3] = g->uds;
	vhd_it_app_start(a, o, NULL, 1);
	g->fe = vhd_it_fe_up(a, 0, features, 2, QSZ);
	assert_int_equal(vhd_fe_get_config(g->fe, 0, &cid, 8), 0);
	assert_int_equal(le64toh(cid), CID);
	for (i = 0; i < NRX; i++) {
		g->rx[i] = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), RXSZ, 8, NULL);
		assert_non_null(g->rx[i]);
		rx_post(g, i);
	}
	g->tx = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), HDR + RXSZ, 8, NULL);
	assert_non_null(g->tx);
}

static void
guest_up(struct guest *g, struct vhd_fe_app *a)
{
	guest_up_with(g, a, F_RING, NULL);
}

static void
tx_raw(struct guest *g, const struct hdr *h, const void *data, uint32_t len, uint32_t rd_len)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(g->fe, TXQ);
	struct vhd_fe_buf b = {g->tx, rd_len};
	uint32_t used;
	uint16_t id;
	int head;

	memcpy(g->tx, h, sizeof(*h));
	if (len > 0)
		memcpy(g->tx + HDR, data, len);
	head = vhd_fe_post(g->fe, TXQ, &b, 1, 0, false, NULL, true);
	assert_true(head >= 0);
	if (vhd_fe_wait_used(g->fe, TXQ, WAIT_MS) <= 0)
		fail_msg("tx not used within %d ms", WAIT_MS);
	assert_int_equal(vhd_fe_ring_get_used(r, &id, &used, NULL), 1);
	assert_int_equal(id, head);
	assert_int_equal(used, 0);
}

static void
tx(struct guest *g, uint16_t op, uint32_t src, uint32_t dst, const void *data, uint32_t len,
   uint32_t flags)
{
	struct hdr h = {htole64(CID), htole64(2), htole32(src), htole32(dst), htole32(len),
			htole16(1), htole16(op), htole32(flags), htole32(65536), htole32(0)};

	tx_raw(g, &h, data, len, HDR + len);
}

/* The next packet to the guest; copies its payload to @p data. */
static struct hdr
rx(struct guest *g, void *data)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(g->fe, RXQ);
	struct hdr h;
	void *cookie;
	uint32_t len;
	uint16_t id;
	unsigned int i;

	if (vhd_fe_wait_used(g->fe, RXQ, WAIT_MS) <= 0)
		fail_msg("no packet for the guest within %d ms", WAIT_MS);
	assert_int_equal(vhd_fe_ring_get_used(r, &id, &len, &cookie), 1);
	i = (unsigned int)(uintptr_t)cookie - 1;
	assert_true(i < NRX);
	assert_true(len >= HDR);
	memcpy(&h, g->rx[i], sizeof(h));
	assert_int_equal(le32toh(h.len), len - HDR);
	assert_int_equal(le64toh(h.dst_cid), g->cid);
	assert_int_equal(le64toh(h.src_cid), g->from != 0 ? g->from : 2);
	if (data != NULL)
		memcpy(data, g->rx[i] + HDR, len - HDR);
	rx_post(g, i);
	return h;
}

static void
rx_expect(struct guest *g, uint16_t op, uint32_t src, uint32_t dst)
{
	struct hdr h = rx(g, NULL);

	assert_int_equal(le16toh(h.op), op);
	assert_int_equal(le32toh(h.src_port), src);
	assert_int_equal(le32toh(h.dst_port), dst);
}

static int
unix_listen_type(const char *base, uint32_t port, int type)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", base, port);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 64), 0);
	return fd;
}

static int
unix_listen(const char *base, uint32_t port)
{
	return unix_listen_type(base, port, SOCK_STREAM);
}

/* A socket of @p type connected to @p path with @p suffix appended. */
static int
unix_connect_type(const char *path, const char *suffix, int type)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s%s", path, suffix);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static int
unix_connect(const char *path)
{
	return unix_connect_type(path, "", SOCK_STREAM);
}

static ssize_t
read_full(int fd, void *buf, size_t len)
{
	struct timeval tv = {3, 0};
	size_t got = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n <= 0)
			return n < 0 ? -1 : (ssize_t)got;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void
test_guest_to_host(void **state)
{
	struct vhd_fe_app a;
	struct guest g;
	char buf[64];
	struct hdr h;
	int lfd, cfd;

	(void)state;
	guest_up(&g, &a);
	/* Nobody listens on port 7: RST at once. */
	tx(&g, OP_REQUEST, 4000, 7, NULL, 0, 0);
	rx_expect(&g, OP_RST, 7, 4000);
	lfd = unix_listen(g.uds, 1024);
	tx(&g, OP_REQUEST, 4001, 1024, NULL, 0, 0);
	rx_expect(&g, OP_RESPONSE, 1024, 4001);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	tx(&g, OP_RW, 4001, 1024, "ping", 4, 0);
	assert_int_equal(read_full(cfd, buf, 4), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(write(cfd, "pong", 4), 4);
	h = rx(&g, buf);
	assert_int_equal(le16toh(h.op), OP_RW);
	assert_int_equal(le32toh(h.len), 4);
	assert_memory_equal(buf, "pong", 4);
	/* Half-close from the guest: EOF on the host socket, which still sends. */
	tx(&g, OP_SHUTDOWN, 4001, 1024, NULL, 0, 2);
	assert_int_equal(read_full(cfd, buf, 1), 0);
	assert_int_equal(write(cfd, "bye", 3), 3);
	h = rx(&g, buf);
	assert_int_equal(le16toh(h.op), OP_RW);
	assert_memory_equal(buf, "bye", 3);
	close(cfd);
	h = rx(&g, NULL);
	assert_int_equal(le16toh(h.op), OP_SHUTDOWN);
	assert_int_equal(le32toh(h.flags), 2);
	rx_expect(&g, OP_RST, 1024, 4001);
	close(lfd);
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

static void
test_host_to_guest(void **state)
{
	struct vhd_fe_app a;
	struct guest g;
	char buf[64], want[32];
	uint32_t local;
	struct hdr h;
	int hfd;

	(void)state;
	guest_up(&g, &a);
	hfd = unix_connect(g.uds);
	assert_int_equal(write(hfd, "CONNECT 52\nfirst bytes", 22), 22);
	h = rx(&g, NULL);
	assert_int_equal(le16toh(h.op), OP_REQUEST);
	assert_int_equal(le32toh(h.dst_port), 52);
	local = le32toh(h.src_port);
	assert_true(local >= 1u << 30);
	tx(&g, OP_RESPONSE, 52, local, NULL, 0, 0);
	snprintf(want, sizeof(want), "OK %u\n", local);
	assert_int_equal(read_full(hfd, buf, strlen(want)), (ssize_t)strlen(want));
	assert_memory_equal(buf, want, strlen(want));
	h = rx(&g, buf);
	assert_int_equal(le16toh(h.op), OP_RW);
	assert_int_equal(le32toh(h.len), 11);
	assert_memory_equal(buf, "first bytes", 11);
	/* Malformed: a length beyond the chain resets the connection. */
	{
		struct hdr bad = {htole64(CID), htole64(2), htole32(52), htole32(local),
				  htole32(3000), htole16(1), htole16(OP_RW), 0, htole32(65536), 0};

		tx_raw(&g, &bad, NULL, 0, HDR + 10);
	}
	rx_expect(&g, OP_RST, local, 52);
	assert_int_equal(read_full(hfd, buf, 1), 0);
	close(hfd);
	/* A refused REQUEST closes the host program's socket. */
	hfd = unix_connect(g.uds);
	assert_int_equal(write(hfd, "CONNECT 53\n", 11), 11);
	h = rx(&g, NULL);
	assert_int_equal(le16toh(h.op), OP_REQUEST);
	tx(&g, OP_RST, 53, le32toh(h.src_port), NULL, 0, 0);
	assert_int_equal(read_full(hfd, buf, 1), 0);
	close(hfd);
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

/* One record, waiting up to 3 s. */
static ssize_t
recv_rec(int fd, void *buf, size_t len)
{
	struct timeval tv = {3, 0};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return recv(fd, buf, len, 0);
}

static void
tx_seq(struct guest *g, uint16_t op, uint32_t src, uint32_t dst, const void *data, uint32_t len,
       uint32_t flags)
{
	struct hdr h = {htole64(CID), htole64(2), htole32(src), htole32(dst), htole32(len),
			htole16(2), htole16(op), htole32(flags), htole32(65536), htole32(0)};

	tx_raw(g, &h, data, len, HDR + len);
}

/* SEQPACKET (ours; upstream lacks it): records keep their boundaries both ways. */
static void
test_seqpacket(void **state)
{
	struct vhd_fe_app a;
	struct guest g;
	char buf[RXSZ];
	struct hdr h;
	int lfd, cfd, i;

	(void)state;
	guest_up_with(&g, &a, F_RING | VHD_BIT(1), NULL);
	assert_true(vhd_fe_features(g.fe) & VHD_BIT(1));
	lfd = unix_listen_type(g.uds, 3000, SOCK_SEQPACKET);
	tx_seq(&g, OP_REQUEST, 7000, 3000, NULL, 0, 0);
	h = rx(&g, NULL);
	assert_int_equal(le16toh(h.op), OP_RESPONSE);
	assert_int_equal(le16toh(h.type), 2);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	/* A record in three packets, EOM (and EOR) on the last; then a short one. */
	tx_seq(&g, OP_RW, 7000, 3000, "one ", 4, 0);
	tx_seq(&g, OP_RW, 7000, 3000, "two ", 4, 0);
	tx_seq(&g, OP_RW, 7000, 3000, "three", 5, 3);
	tx_seq(&g, OP_RW, 7000, 3000, "4", 1, 1);
	assert_int_equal(recv_rec(cfd, buf, sizeof(buf)), 13);
	assert_memory_equal(buf, "one two three", 13);
	assert_int_equal(recv_rec(cfd, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], '4');
	/* Host records, one of them larger than a guest rx buffer. */
	assert_int_equal(send(cfd, "rec-a", 5, 0), 5);
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(send(cfd, buf, RXSZ, 0), RXSZ);
	h = rx(&g, buf);
	assert_int_equal(le16toh(h.op), OP_RW);
	assert_int_equal(le32toh(h.len), 5);
	assert_int_equal(le32toh(h.flags), 3);
	assert_memory_equal(buf, "rec-a", 5);
	for (i = 0; i < 2; i++) {
		h = rx(&g, buf);
		assert_int_equal(le16toh(h.op), OP_RW);
		assert_int_equal(le32toh(h.flags), i == 0 ? 0 : 3);
		assert_int_equal(le32toh(h.len), i == 0 ? RXSZ - HDR : HDR);
		assert_int_equal(buf[0], 'z');
	}
	/* Host EOF: SHUTDOWN(SEND), not a record of 0 bytes. */
	shutdown(cfd, SHUT_WR);
	h = rx(&g, NULL);
	assert_int_equal(le16toh(h.op), OP_SHUTDOWN);
	assert_int_equal(le32toh(h.flags), 2);
	close(cfd);
	close(lfd);
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

static int
unix_connect_seq(const char *uds)
{
	return unix_connect_type(uds, ".seqpacket", SOCK_SEQPACKET);
}

/*
 * Host-initiated SEQPACKET (ours): a program on UDS_PATH.seqpacket sends the
 * CONNECT line as its first record and gets the OK as one record; then
 * records keep their boundaries both ways.
 */
static void
test_seqpacket_host_initiated(void **state)
{
	struct vhd_fe_app a;
	struct guest g;
	char buf[RXSZ], want[32];
	uint32_t local;
	struct hdr h;
	int hfd, i;

	(void)state;
	guest_up_with(&g, &a, F_RING | VHD_BIT(1), NULL);
	hfd = unix_connect_seq(g.uds);
	assert_int_equal(send(hfd, "CONNECT 3001\n", 13, 0), 13);
	assert_int_equal(send(hfd, "early", 5, 0), 5);
	h = rx(&g, NULL);
	assert_int_equal(le16toh(h.op), OP_REQUEST);
	assert_int_equal(le16toh(h.type), 2);
	assert_int_equal(le32toh(h.dst_port), 3001);
	local = le32toh(h.src_port);
	assert_true(local >= 1u << 30);
	tx_seq(&g, OP_RESPONSE, 3001, local, NULL, 0, 0);
	snprintf(want, sizeof(want), "OK %u\n", local);
	assert_int_equal(recv_rec(hfd, buf, sizeof(buf)), (ssize_t)strlen(want));
	assert_memory_equal(buf, want, strlen(want));
	h = rx(&g, buf);
	assert_int_equal(le16toh(h.op), OP_RW);
	assert_int_equal(le32toh(h.len), 5);
	assert_int_equal(le32toh(h.flags), 3);
	assert_memory_equal(buf, "early", 5);
	/* a guest message in two packets: one record */
	tx_seq(&g, OP_RW, 3001, local, "mes", 3, 0);
	tx_seq(&g, OP_RW, 3001, local, "sage", 4, 3);
	tx_seq(&g, OP_RW, 3001, local, "2", 1, 3);
	assert_int_equal(recv_rec(hfd, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "message", 7);
	assert_int_equal(recv_rec(hfd, buf, sizeof(buf)), 1);
	/* a host record larger than an rx buffer: pieces, EOM|EOR on the last */
	memset(buf, 'q', sizeof(buf));
	assert_int_equal(send(hfd, buf, RXSZ, 0), RXSZ);
	for (i = 0; i < 2; i++) {
		h = rx(&g, buf);
		assert_int_equal(le16toh(h.op), OP_RW);
		assert_int_equal(le32toh(h.flags), i == 0 ? 0 : 3);
		assert_int_equal(le32toh(h.len), i == 0 ? RXSZ - HDR : HDR);
		assert_int_equal(buf[0], 'q');
	}
	close(hfd);
	h = rx(&g, NULL);
	assert_int_equal(le16toh(h.op), OP_SHUTDOWN);
	tx_seq(&g, OP_RST, 3001, local, NULL, 0, 0);
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
	/* a driver without SEQPACKET: the program's socket is closed, no OK */
	guest_up_with(&g, &a, F_RING, NULL);
	hfd = unix_connect_seq(g.uds);
	assert_int_equal(send(hfd, "CONNECT 3001\n", 13, 0), 13);
	assert_int_equal(recv_rec(hfd, buf, sizeof(buf)), 0);
	close(hfd);
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

/* --no-seqpacket: not offered, and a SEQPACKET REQUEST gets a RST. */
static void
test_no_seqpacket(void **state)
{
	struct vhd_fe_app a;
	struct guest g;
	struct hdr h;
	int lfd;

	(void)state;
	guest_up_with(&g, &a, F_RING | VHD_BIT(1), "--no-seqpacket");
	assert_false(vhd_fe_features(g.fe) & VHD_BIT(1));
	lfd = unix_listen_type(g.uds, 3000, SOCK_SEQPACKET);
	tx_seq(&g, OP_REQUEST, 7001, 3000, NULL, 0, 0);
	h = rx(&g, NULL);
	assert_int_equal(le16toh(h.op), OP_RST);
	assert_int_equal(le16toh(h.type), 2);
	close(lfd);
	/* nor the host programs' SEQPACKET listener */
	{
		char path[128];

		snprintf(path, sizeof(path), "%s.seqpacket", g.uds);
		assert_int_equal(access(path, F_OK), -1);
	}
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

/* Guest @p g on socket @p idx of a running app, its rx buffers posted. */
static void
guest_attach(struct guest *g, struct vhd_fe_app *a, unsigned int idx, uint64_t cid)
{
	uint64_t got = 0;
	unsigned int i;

	memset(g, 0, sizeof(*g));
	g->cid = cid;
	g->fe = vhd_it_fe_up(a, idx, F_RING, 2, QSZ);
	assert_int_equal(vhd_fe_get_config(g->fe, 0, &got, 8), 0);
	assert_int_equal(le64toh(got), cid);
	for (i = 0; i < NRX; i++) {
		g->rx[i] = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), RXSZ, 8, NULL);
		assert_non_null(g->rx[i]);
		rx_post(g, i);
	}
	g->tx = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), HDR + RXSZ, 8, NULL);
	assert_non_null(g->tx);
}

static void
tx_to(struct guest *g, uint64_t dst_cid, uint16_t op, uint32_t src, uint32_t dst,
      const void *data, uint32_t len)
{
	struct hdr h = {htole64(g->cid), htole64(dst_cid), htole32(src), htole32(dst),
			htole32(len), htole16(1), htole16(op), 0, htole32(65536), htole32(0)};

	tx_raw(g, &h, data, len, HDR + len);
}

/*
 * Three VMs in one process: 3 and 4 share the group "default", 5 is in
 * "other". 3 and 4 talk as siblings; 3 to 5 and 3 to a CID nobody has: RST.
 */
static void
test_siblings(void **state)
{
	struct vhd_fe_app a;
	struct guest g3, g4, g5;
	char vm[3][300], buf[RXSZ];
	const char *o[7];
	struct hdr h;

	(void)state;
	vhd_it_app_init(&a, "vsock");
	snprintf(vm[0], sizeof(vm[0]), "guest-cid=3,uds-path=%s/a.uds", a.dir);
	snprintf(vm[1], sizeof(vm[1]), "guest_cid=4,uds_path=%s/b.uds", a.dir);
	snprintf(vm[2], sizeof(vm[2]), "guest-cid=5,uds-path=%s/c.uds,groups=other+blue", a.dir);
	o[0] = "--vm", o[1] = vm[0], o[2] = "--vm", o[3] = vm[1], o[4] = "--vm", o[5] = vm[2];
	o[6] = NULL;
	vhd_it_app_start(&a, o, NULL, 3);
	guest_attach(&g3, &a, 0, 3);
	guest_attach(&g4, &a, 1, 4);
	guest_attach(&g5, &a, 2, 5);
	/* 3 connects to 4's port 80; 4 accepts; data both ways. */
	tx_to(&g3, 4, OP_REQUEST, 7000, 80, NULL, 0);
	g4.from = 3;
	h = rx(&g4, NULL);
	assert_int_equal(le16toh(h.op), OP_REQUEST);
	assert_int_equal(le32toh(h.src_port), 7000);
	assert_int_equal(le32toh(h.dst_port), 80);
	tx_to(&g4, 3, OP_RESPONSE, 80, 7000, NULL, 0);
	g3.from = 4;
	h = rx(&g3, NULL);
	assert_int_equal(le16toh(h.op), OP_RESPONSE);
	tx_to(&g3, 4, OP_RW, 7000, 80, "sibling hello", 13);
	h = rx(&g4, buf);
	assert_int_equal(le16toh(h.op), OP_RW);
	assert_int_equal(le32toh(h.len), 13);
	assert_memory_equal(buf, "sibling hello", 13);
	tx_to(&g4, 3, OP_RW, 80, 7000, "back", 4);
	h = rx(&g3, buf);
	assert_int_equal(le16toh(h.op), OP_RW);
	assert_memory_equal(buf, "back", 4);
	/* 3 and 5 share no group; nobody has CID 9. */
	tx_to(&g3, 5, OP_REQUEST, 7001, 80, NULL, 0);
	g3.from = 5;
	rx_expect(&g3, OP_RST, 80, 7001);
	tx_to(&g3, 9, OP_REQUEST, 7002, 80, NULL, 0);
	g3.from = 9;
	rx_expect(&g3, OP_RST, 80, 7002);
	/* The host is still reachable for 4 (its own uds-path). */
	g4.from = 0;
	tx_to(&g4, 2, OP_REQUEST, 7003, 99, NULL, 0);
	rx_expect(&g4, OP_RST, 99, 7003);
	vhd_it_fe_done(g5.fe);
	vhd_it_fe_done(g4.fe);
	vhd_it_fe_done(g3.fe);
	vhd_it_app_down(&a, 3);
}

/* An event buffer on a frontend with all three queues: @return its used length, or -1. */
static int
event_wait(struct vhd_fe *fe, int ms, uint32_t *id)
{
	uint32_t *b = vhd_fe_mem_alloc(vhd_fe_mem(fe), 8, 8, NULL);
	struct vhd_fe_buf fb = {b, 8};
	uint32_t len;
	uint16_t head;

	*b = 0xeeeeeeee;
	assert_true(vhd_fe_post(fe, 2, &fb, 0, 1, false, NULL, true) >= 0);
	if (vhd_fe_wait_used(fe, 2, ms) <= 0)
		return -1;
	assert_int_equal(vhd_fe_ring_get_used(vhd_fe_queue_ring(fe, 2), &head, &len, NULL), 1);
	*id = le32toh(*b);
	return (int)len;
}

/* A frontend that hands us the event queue (QEMU does not): TRANSPORT_RESET on reconnect. */
static void
test_transport_reset(void **state)
{
	struct vhd_fe_app a;
	char uds[200];
	const char *o[3] = {"--uds-path", uds, NULL};
	struct vhd_fe *fe;
	uint32_t id = 1;

	(void)state;
	vhd_it_app_init(&a, "vsock");
	snprintf(uds, sizeof(uds), "%s/v.uds", a.dir);
	vhd_it_app_start(&a, o, NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_RING, 3, QSZ);
	assert_int_equal(event_wait(fe, 300, &id), -1); /* the first frontend: nothing to reset */
	vhd_it_fe_done(fe);
	fe = vhd_it_fe_up(&a, 0, F_RING, 3, QSZ);
	assert_int_equal(event_wait(fe, WAIT_MS, &id), 4);
	assert_int_equal(id, 0);
	assert_int_equal(event_wait(fe, 300, &id), -1); /* once */
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/*
 * vsock-to-vsock mode on the simulated socket layer (--forward-sim): the
 * host's vsock addresses are Unix sockets in a directory, never AF_VSOCK.
 */
static void
test_forward_sim(void **state)
{
	struct vhd_fe_app a;
	struct guest g;
	char dir[80], path[100], buf[64];
	const char *o[] = {"--guest-cid", "3", "--forward-cid", "77", "--forward-listen",
			   "9001+9002", "--forward-sim", dir, NULL};
	uint32_t local;
	struct hdr h;
	int lfd, cfd, hfd;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	(void)state;
	memset(&g, 0, sizeof(g));
	vhd_it_app_init(&a, "vsock");
	assert_true(strlen(a.dir) < sizeof(dir));
	memcpy(dir, a.dir, strlen(a.dir) + 1);
	vhd_it_app_start(&a, o, NULL, 1);
	guest_attach(&g, &a, 0, 3);
	/* Guest to (77, 5000): DIR/77_5000. Nothing there yet: RST. */
	tx_to(&g, 2, OP_REQUEST, 7000, 5000, NULL, 0);
	rx_expect(&g, OP_RST, 5000, 7000);
	snprintf(path, sizeof(path), "%s/77", dir);
	lfd = unix_listen(path, 5000);
	tx_to(&g, 2, OP_REQUEST, 7001, 5000, NULL, 0);
	rx_expect(&g, OP_RESPONSE, 5000, 7001);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	tx_to(&g, 2, OP_RW, 7001, 5000, "fwd", 3);
	assert_int_equal(read_full(cfd, buf, 3), 3);
	assert_memory_equal(buf, "fwd", 3);
	close(cfd);
	close(lfd);
	h = rx(&g, NULL);
	assert_int_equal(le16toh(h.op), OP_SHUTDOWN);
	/* Host to DIR/listen_9001: a REQUEST to guest port 9001, no CONNECT line. */
	assert_true(strlen(dir) + 13 < sizeof(sa.sun_path));
	strcpy(sa.sun_path, dir);
	strcat(sa.sun_path, "/listen_9001");
	hfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(hfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	h = rx(&g, NULL);
	assert_int_equal(le16toh(h.op), OP_REQUEST);
	assert_int_equal(le32toh(h.dst_port), 9001);
	local = le32toh(h.src_port);
	tx_to(&g, 2, OP_RESPONSE, 9001, local, NULL, 0);
	assert_int_equal(write(hfd, "in", 2), 2);
	h = rx(&g, buf);
	assert_int_equal(le16toh(h.op), OP_RW);
	assert_memory_equal(buf, "in", 2);
	close(hfd);
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

static int
count_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* 1000 guest connections and 1000 host connections opened and closed: no fd stays. */
static void
test_thousand_connections(void **state)
{
	struct vhd_fe_app a;
	struct guest g;
	char line[32];
	struct hdr h;
	int lfd, base, i, n = 0;

	(void)state;
	guest_up(&g, &a);
	lfd = unix_listen(g.uds, 1024);
	/* One round first: whatever the first connection sets up stays. */
	tx(&g, OP_REQUEST, 9999, 1024, NULL, 0, 0);
	rx_expect(&g, OP_RESPONSE, 1024, 9999);
	close(accept(lfd, NULL, NULL));
	h = rx(&g, NULL);
	assert_int_equal(le16toh(h.op), OP_SHUTDOWN);
	tx(&g, OP_RST, 9999, 1024, NULL, 0, 0);
	vhd_fe_app_sleep_ms(100);
	base = count_fds(a.pid);
	for (i = 0; i < 1000; i++) {
		int cfd;

		tx(&g, OP_REQUEST, 10000 + (uint32_t)i, 1024, NULL, 0, 0);
		rx_expect(&g, OP_RESPONSE, 1024, 10000 + (uint32_t)i);
		cfd = accept(lfd, NULL, NULL);
		assert_true(cfd >= 0);
		tx(&g, OP_SHUTDOWN, 10000 + (uint32_t)i, 1024, NULL, 0, 3);
		rx_expect(&g, OP_RST, 1024, 10000 + (uint32_t)i);
		close(cfd);
	}
	for (i = 0; i < 1000; i++) {
		int hfd = unix_connect(g.uds);

		n = snprintf(line, sizeof(line), "CONNECT %d\n", 20000 + i);
		assert_int_equal(write(hfd, line, (size_t)n), n);
		h = rx(&g, NULL);
		assert_int_equal(le16toh(h.op), OP_REQUEST);
		/* Half of them refused by the guest, half accepted then reset. */
		if (i % 2 == 0) {
			tx(&g, OP_RST, 20000 + (uint32_t)i, le32toh(h.src_port), NULL, 0, 0);
		} else {
			tx(&g, OP_RESPONSE, 20000 + (uint32_t)i, le32toh(h.src_port), NULL, 0, 0);
			tx(&g, OP_RST, 20000 + (uint32_t)i, le32toh(h.src_port), NULL, 0, 0);
		}
		close(hfd);
	}
	for (i = 0; i < 300 && count_fds(a.pid) != base; i++)
		vhd_fe_app_sleep_ms(10);
	assert_int_equal(count_fds(a.pid), base);
	close(lfd);
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

/*
 * 8 MiB host to guest through a 16 KiB guest buffer: the backend stops at the
 * guest's credit and resumes on its CREDIT_UPDATEs; every byte in order.
 * (In interrupt mode, the app's default, this also needs every wake-up.)
 */
static void
test_credit_stall_resume(void **state)
{
	static uint8_t chunk[65536], got[RXSZ];
	struct vhd_fe_app a;
	struct guest g;
	uint32_t fwd = 0, local, total = 8u << 20, recvd = 0, sent = 0, i;
	struct hdr h;
	int lfd, cfd, stalls = 0;

	(void)state;
	guest_up(&g, &a);
	lfd = unix_listen(g.uds, 1024);
	{
		struct hdr r = {htole64(CID), htole64(2), htole32(4100), htole32(1024), 0,
				htole16(1), htole16(OP_REQUEST), 0, htole32(16384), 0};

		tx_raw(&g, &r, NULL, 0, HDR);
	}
	rx_expect(&g, OP_RESPONSE, 1024, 4100);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	local = 1024;
	while (recvd < total) {
		ssize_t n;

		while (sent < total) {
			for (i = 0; i < sizeof(chunk); i++)
				chunk[i] = (uint8_t)((sent + i) * 31);
			n = send(cfd, chunk, sizeof(chunk), MSG_DONTWAIT);
			if (n <= 0)
				break;
			sent += (uint32_t)n;
			if ((uint32_t)n < sizeof(chunk))
				break;
		}
		h = rx(&g, got);
		if (le16toh(h.op) == OP_CREDIT_REQUEST) {
			stalls++;
		} else {
			assert_int_equal(le16toh(h.op), OP_RW);
			for (i = 0; i < le32toh(h.len); i++)
				if (got[i] != (uint8_t)((recvd + i) * 31))
					fail_msg("byte %u wrong", recvd + i);
			recvd += le32toh(h.len);
			/* The guest reads 16 KiB before it tells the device. */
			assert_true(recvd - fwd <= 16384);
		}
		if (recvd - fwd == 16384 || le16toh(h.op) == OP_CREDIT_REQUEST) {
			struct hdr u = {htole64(CID), htole64(2), htole32(4100), htole32(local), 0,
					htole16(1), htole16(OP_CREDIT_UPDATE), 0, htole32(16384),
					htole32(recvd)};

			if (recvd - fwd == 16384)
				stalls++;
			fwd = recvd;
			tx_raw(&g, &u, NULL, 0, HDR);
		}
	}
	assert_true(stalls > 0);
	assert_int_equal(recvd, total);
	close(cfd);
	close(lfd);
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

/* Two VMs from a --config file (YAML), siblings in the default group. */
static void
test_config_file(void **state)
{
	struct vhd_fe_app a;
	struct guest g3, g4;
	char yaml[300], text[1200];
	const char *args[] = {"--config", yaml, NULL};
	struct hdr h;
	FILE *f;

	(void)state;
	vhd_it_app_init(&a, "vsock");
	snprintf(yaml, sizeof(yaml), "%s/vms.yaml", a.dir);
	snprintf(text, sizeof(text),
		 "vms:\n"
		 "  - guest_cid: 3\n    socket: %s0\n    uds_path: %s/a.uds\n"
		 "  - guest_cid: 4\n    socket: %s1\n    uds_path: %s/b.uds\n"
		 "    tx_buffer_size: 131072\n",
		 a.sock, a.dir, a.sock, a.dir);
	f = fopen(yaml, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(vhd_fe_app_start(&a, args), 0);
	assert_int_equal(vhd_fe_app_wait_socket(&a, 0, VHD_FE_APP_TIMEOUT_MS), 0);
	assert_int_equal(vhd_fe_app_wait_socket(&a, 1, VHD_FE_APP_TIMEOUT_MS), 0);
	guest_attach(&g3, &a, 0, 3);
	guest_attach(&g4, &a, 1, 4);
	tx_to(&g4, 2, OP_REQUEST, 7100, 99, NULL, 0);
	h = rx(&g4, NULL);
	assert_int_equal(le16toh(h.op), OP_RST);
	assert_int_equal(le32toh(h.buf_alloc), 131072); /* the file's tx_buffer_size */
	tx_to(&g3, 4, OP_REQUEST, 7101, 80, NULL, 0);
	g4.from = 3;
	h = rx(&g4, NULL);
	assert_int_equal(le16toh(h.op), OP_REQUEST);
	vhd_it_fe_done(g4.fe);
	vhd_it_fe_done(g3.fe);
	vhd_it_app_down(&a, 2);
}

static void
test_bad_args(void **state)
{
	static const char *const cases[][8] = {
		{"--guest-cid", "2", "--socket", "/tmp/vhd-it-vsock-x.sock", "--uds-path",
		 "/tmp/vhd-it-vsock-x.uds", NULL},
		{"--vm", "guest-cid=4,socket=/tmp/vhd-it-vsock-a,uds-path=/tmp/vhd-it-vsock-ua",
		 "--vm", "guest-cid=4,socket=/tmp/vhd-it-vsock-b,uds-path=/tmp/vhd-it-vsock-ub",
		 NULL},
		{"--vm", "guest-cid=4,colour=red", NULL},
		{"--socket", "/tmp/vhd-it-vsock-x.sock", NULL},
		{"--socket", "/tmp/vhd-it-vsock-x.sock", "--uds-path", "/tmp/vhd-it-vsock-x.uds",
		 "--queue-size", "100", NULL},
		{"--socket", "/tmp/vhd-it-vsock-x.sock", "--forward-listen", "9001+x", NULL},
		{"--config", "/tmp/vhd-it-vsock-none.yaml", NULL},
		{NULL},
	};
	static const char *const needles[] = {"3..", "CID 4", "colour", "uds-path",
					      "power of two", "9001+x", "--config"};
	static const char *const ign[] = {"VHOST_CONFIG", "EAL", "TELEMETRY", NULL};
	const struct vhd_it_bad_cmdline b = {"vsock", 1, ign};
	unsigned int i;

	(void)state;
	for (i = 0; cases[i][0] != NULL; i++) {
		char what[32];

		snprintf(what, sizeof(what), "case %u", i);
		vhd_it_bad_cmdline(&b, what, cases[i], false, needles[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		VHD_IT_TEST(test_guest_to_host),
		VHD_IT_TEST(test_host_to_guest),
		VHD_IT_TEST(test_seqpacket),
		VHD_IT_TEST(test_seqpacket_host_initiated),
		VHD_IT_TEST(test_no_seqpacket),
		VHD_IT_TEST(test_siblings),
		VHD_IT_TEST(test_transport_reset),
		VHD_IT_TEST(test_forward_sim),
		VHD_IT_TEST(test_thousand_connections),
		VHD_IT_TEST(test_credit_stall_resume),
		VHD_IT_TEST(test_config_file),
		VHD_IT_TEST(test_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
