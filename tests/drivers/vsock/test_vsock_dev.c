/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The vsock device on the unit-test host: the test is the guest's vsock
 * driver on plain rings and the host programs on real Unix sockets in a
 * private directory (never AF_VSOCK).
 */

#include <dirent.h>
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
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "vhd_test_host.h"
#include "vhd_test_pair.h"
#include "vhd_virtio.h"

#include "vsock_dev.h"
#include "vsock_proto.h"

#define QSZ 256
#define FEAT (VHD_BIT(VHD_F_VERSION_1))
#define CID 3
#define TXBUF 4096
#define RXCAP 2048
#define SEQ_EOM_EOR 3u

struct fx {
	char dir[64];
	char uds[80];
	struct vhd_test_pair q[2];
	struct vhd_test_host th;
	struct vsock_dev *dev;
	uint8_t *rx_buf; /* the one rx buffer on the ring, or NULL */
	uint8_t *rx_mem, *tx_mem; /* reused: the arena is a bump allocator */
	int listeners[4];
	uint64_t src_cid; /* what rx() expects as the source (0: the host) */
};

static struct fx *
fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vsock_dev_config cfg = {0};
	unsigned int i;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/vhd-vsock-ut-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->uds, sizeof(f->uds), "%s/v.sock", f->dir);
	for (i = 0; i < 2; i++)
		assert_int_equal(vhd_test_pair_init(&f->q[i], QSZ, FEAT), 0);
	cfg.guest_cid = CID;
	cfg.uds_path = f->uds;
	cfg.tx_buffer_size = TXBUF;
	cfg.max_conns = 2000;
	assert_int_equal(vsock_dev_create(&cfg, &f->dev), 0);
	f->rx_mem = vhd_test_alloc(&f->q[VSOCK_Q_RX], VSOCK_HDR_LEN + RXCAP);
	f->tx_mem = vhd_test_alloc(&f->q[VSOCK_Q_TX], VSOCK_HDR_LEN + TXBUF + 64);
	vhd_test_host_init(&f->th);
	vsock_dev_ops.attach(f->dev, &f->th.host);
	assert_int_equal(f->th.nwatch, 1);
	for (i = 0; i < 4; i++)
		f->listeners[i] = -1;
	return f;
}

static int
setup(void **state)
{
	*state = fx_new();
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char path[400];
	unsigned int i;
	DIR *d;
	struct dirent *e;

	vsock_dev_destroy(f->dev);
	for (i = 0; i < 4; i++)
		if (f->listeners[i] >= 0)
			close(f->listeners[i]);
	d = opendir(f->dir);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", f->dir, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(f->dir);
	for (i = 0; i < 2; i++)
		vhd_test_pair_fini(&f->q[i]);
	free(f);
	return 0;
}

/* Run the device's fd callback: what the worker does on an event. */
static void
pump(struct fx *f)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		f->th.watch[0].cb(f->th.watch[0].arg, f->th.watch[0].fd, EPOLLIN);
}

static struct vsock_hdr
mkhdr(uint16_t op, uint32_t src_port, uint32_t dst_port, uint32_t len, uint32_t flags,
      uint32_t buf_alloc, uint32_t fwd_cnt)
{
	struct vsock_hdr h = {
		.src_cid = htole64(CID),
		.dst_cid = htole64(VSOCK_HOST_CID),
		.src_port = htole32(src_port),
		.dst_port = htole32(dst_port),
		.len = htole32(len),
		.type = htole16(VSOCK_TYPE_STREAM),
		.op = htole16(op),
		.flags = htole32(flags),
		.buf_alloc = htole32(buf_alloc),
		.fwd_cnt = htole32(fwd_cnt),
	};
	return h;
}

/* Guest sends a packet: header and payload in one chain of @p rd_len bytes. */
static void
tx_raw(struct fx *f, const struct vsock_hdr *h, const void *payload, uint32_t plen,
       uint32_t rd_len)
{
	struct vhd_test_pair *p = &f->q[VSOCK_Q_TX];
	uint8_t *b = f->tx_mem;
	struct vhd_fe_buf fb = {b, rd_len};
	uint16_t id;
	uint32_t len;

	memset(b, 0, rd_len);
	memcpy(b, h, rd_len < sizeof(*h) ? rd_len : sizeof(*h));
	if (plen > 0 && rd_len >= sizeof(*h) + plen)
		memcpy(b + sizeof(*h), payload, plen);
	assert_true(vhd_test_post(p, &fb, 1, 0, false) >= 0);
	assert_int_equal(vhd_test_serve(p, vsock_dev_get_ops(f->dev), f->dev, VSOCK_Q_TX), 1);
	assert_int_equal(vhd_test_used(p, &id, &len), 1);
	assert_int_equal(len, 0);
}

static void
tx(struct fx *f, uint16_t op, uint32_t src, uint32_t dst, const void *payload, uint32_t plen,
   uint32_t flags, uint32_t buf_alloc, uint32_t fwd_cnt)
{
	struct vsock_hdr h = mkhdr(op, src, dst, plen, flags, buf_alloc, fwd_cnt);

	tx_raw(f, &h, payload, plen, (uint32_t)sizeof(h) + plen);
}

/* One rx buffer; @return the packet length, or -1 when the device has nothing. */
static int
rx(struct fx *f, struct vsock_hdr *h, uint8_t **payload)
{
	struct vhd_test_pair *p = &f->q[VSOCK_Q_RX];
	uint16_t id;
	uint32_t len;

	if (f->rx_buf == NULL) {
		struct vhd_fe_buf fb;

		f->rx_buf = f->rx_mem;
		memset(f->rx_buf, 0xee, VSOCK_HDR_LEN + RXCAP);
		fb = (struct vhd_fe_buf){f->rx_buf, VSOCK_HDR_LEN + RXCAP};
		assert_true(vhd_test_post(p, &fb, 0, 1, false) >= 0);
	}
	vhd_test_serve(p, vsock_dev_get_ops(f->dev), f->dev, VSOCK_Q_RX);
	if (vhd_test_used(p, &id, &len) != 1)
		return -1;
	assert_true(len >= VSOCK_HDR_LEN);
	memcpy(h, f->rx_buf, sizeof(*h));
	assert_int_equal(le32toh(h->len), len - VSOCK_HDR_LEN);
	assert_int_equal(le64toh(h->src_cid), f->src_cid != 0 ? f->src_cid : VSOCK_HOST_CID);
	assert_int_equal(le64toh(h->dst_cid), CID);
	if (payload != NULL)
		*payload = f->rx_buf + VSOCK_HDR_LEN;
	f->rx_buf = NULL;
	return (int)len;
}

/* Expect a packet of @p op (and ports when nonzero). */
static struct vsock_hdr
rx_expect(struct fx *f, uint16_t op, uint32_t src, uint32_t dst)
{
	struct vsock_hdr h;

	assert_true(rx(f, &h, NULL) >= 0);
	assert_int_equal(le16toh(h.op), op);
	if (src != 0)
		assert_int_equal(le32toh(h.src_port), src);
	if (dst != 0)
		assert_int_equal(le32toh(h.dst_port), dst);
	return h;
}

static void
rx_none(struct fx *f)
{
	struct vsock_hdr h;

	assert_int_equal(rx(f, &h, NULL), -1);
}

static int
listen_port(struct fx *f, unsigned int slot, uint32_t port)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", f->uds, port);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1024), 0);
	f->listeners[slot] = fd;
	return fd;
}

/* A host program of socket @p type on the CONNECT listener uds + @p suffix. */
static int
host_connect_type(struct fx *f, const char *suffix, int type)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s%s", f->uds, suffix);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static int
host_connect(struct fx *f)
{
	return host_connect_type(f, "", SOCK_STREAM);
}

static ssize_t
read_nb(int fd, void *buf, size_t len)
{
	return recv(fd, buf, len, MSG_DONTWAIT);
}

/* Guest connects to port 1024 from port 5000; the host program accepts. */
static int
guest_open(struct fx *f, uint32_t gport, uint32_t buf_alloc)
{
	int cfd;

	tx(f, VSOCK_OP_REQUEST, gport, 1024, NULL, 0, 0, buf_alloc, 0);
	rx_expect(f, VSOCK_OP_RESPONSE, 1024, gport);
	cfd = accept(f->listeners[0], NULL, NULL);
	assert_true(cfd >= 0);
	return cfd;
}

static void
test_config(void **state)
{
	struct fx *f = *state;
	uint8_t cfg[8];

	assert_int_equal(vsock_dev_get_ops(f->dev)->get_config(f->dev, cfg, 0, 8), 0);
	assert_int_equal(cfg[0], CID);
	assert_int_equal(vsock_dev_get_ops(f->dev)->virtio_id, 19);
	assert_int_equal(vsock_dev_get_ops(f->dev)->get_config(f->dev, cfg, 4, 8), -1);
}

/* Upstream never sends RST: the guest's connect hangs. */
static void
test_refused_connect_gets_rst(void **state)
{
	struct fx *f = *state;

	tx(f, VSOCK_OP_REQUEST, 5000, 1234, NULL, 0, 0, 65536, 0);
	rx_expect(f, VSOCK_OP_RST, 1234, 5000);
	rx_none(f);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
}

static void
test_guest_to_host_stream(void **state)
{
	struct fx *f = *state;
	struct vsock_hdr h;
	uint8_t *pl;
	char buf[64];
	int cfd;

	listen_port(f, 0, 1024);
	cfd = guest_open(f, 5000, 65536);
	tx(f, VSOCK_OP_RW, 5000, 1024, "hello", 5, 0, 65536, 0);
	assert_int_equal(read_nb(cfd, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	/* Host answers. */
	assert_int_equal(write(cfd, "world!", 6), 6);
	pump(f);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + 6);
	assert_int_equal(le16toh(h.op), VSOCK_OP_RW);
	assert_memory_equal(pl, "world!", 6);
	assert_int_equal(le32toh(h.buf_alloc), TXBUF);
	assert_int_equal(le32toh(h.fwd_cnt), 5);
	rx_none(f);
	/* Guest SHUT_WR: the host sees EOF and can still send. */
	tx(f, VSOCK_OP_SHUTDOWN, 5000, 1024, NULL, 0, VSOCK_SHUTDOWN_SEND, 65536, 6);
	assert_int_equal(read_nb(cfd, buf, sizeof(buf)), 0);
	assert_int_equal(write(cfd, "late", 4), 4);
	pump(f);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + 4);
	assert_memory_equal(pl, "late", 4);
	/* Host EOF: SHUTDOWN with SEND only (upstream sends RCV|SEND), then RST as
	 * both directions are done.
	 */
	shutdown(cfd, SHUT_WR);
	pump(f);
	h = rx_expect(f, VSOCK_OP_SHUTDOWN, 1024, 5000);
	assert_int_equal(le32toh(h.flags), VSOCK_SHUTDOWN_SEND);
	rx_expect(f, VSOCK_OP_RST, 1024, 5000);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
	close(cfd);
}

/* Host EOF while the guest still sends: the guest gets SEND only and may go on. */
static void
test_host_half_close(void **state)
{
	struct fx *f = *state;
	struct vsock_hdr h;
	char buf[16];
	int cfd;

	listen_port(f, 0, 1024);
	cfd = guest_open(f, 5001, 65536);
	shutdown(cfd, SHUT_WR);
	pump(f);
	h = rx_expect(f, VSOCK_OP_SHUTDOWN, 1024, 5001);
	assert_int_equal(le32toh(h.flags), VSOCK_SHUTDOWN_SEND);
	rx_none(f);
	tx(f, VSOCK_OP_RW, 5001, 1024, "more", 4, 0, 65536, 0);
	assert_int_equal(read_nb(cfd, buf, sizeof(buf)), 4);
	/* Guest close: SHUTDOWN both, we answer RST. */
	tx(f, VSOCK_OP_SHUTDOWN, 5001, 1024, NULL, 0, VSOCK_SHUTDOWN_BOTH, 65536, 0);
	rx_expect(f, VSOCK_OP_RST, 1024, 5001);
	assert_int_equal(read_nb(cfd, buf, sizeof(buf)), 0);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
	close(cfd);
}

/* Guest SHUT_RD: nothing more is sent to it; the host may still receive. */
static void
test_guest_shut_rcv(void **state)
{
	struct fx *f = *state;
	char buf[16];
	int cfd;

	listen_port(f, 0, 1024);
	cfd = guest_open(f, 5010, 65536);
	tx(f, VSOCK_OP_SHUTDOWN, 5010, 1024, NULL, 0, VSOCK_SHUTDOWN_RCV, 65536, 0);
	assert_int_equal(write(cfd, "ignored", 7), 7);
	pump(f);
	rx_none(f);
	tx(f, VSOCK_OP_RW, 5010, 1024, "up", 2, 0, 65536, 0);
	assert_int_equal(read_nb(cfd, buf, sizeof(buf)), 2);
	/* Then SHUT_WR too: done, RST. */
	tx(f, VSOCK_OP_SHUTDOWN, 5010, 1024, NULL, 0, VSOCK_SHUTDOWN_SEND, 65536, 0);
	rx_expect(f, VSOCK_OP_RST, 1024, 5010);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
	close(cfd);
}

static void
test_host_to_guest(void **state)
{
	struct fx *f = *state;
	struct vsock_hdr h;
	uint32_t local;
	uint8_t *pl;
	char buf[64], want[32];
	int hfd;

	hfd = host_connect(f);
	/* Bytes in the same write as the line are kept (upstream loses them). */
	assert_int_equal(write(hfd, "CONNECT 1234\nearly", 18), 18);
	pump(f);
	h = rx_expect(f, VSOCK_OP_REQUEST, 0, 1234);
	local = le32toh(h.src_port);
	assert_true(local >= 1u << 30);
	rx_none(f);
	assert_int_equal(read_nb(hfd, buf, sizeof(buf)), -1); /* no OK before RESPONSE */
	tx(f, VSOCK_OP_RESPONSE, 1234, local, NULL, 0, 0, 65536, 0);
	snprintf(want, sizeof(want), "OK %u\n", local);
	assert_int_equal(read_nb(hfd, buf, sizeof(buf)), (ssize_t)strlen(want));
	assert_memory_equal(buf, want, strlen(want));
	pump(f);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + 5);
	assert_int_equal(le16toh(h.op), VSOCK_OP_RW);
	assert_memory_equal(pl, "early", 5);
	/* The OK line is not guest data: fwd_cnt counts guest bytes only. */
	tx(f, VSOCK_OP_RW, 1234, local, "abc", 3, 0, 65536, 5);
	assert_int_equal(read_nb(hfd, buf, sizeof(buf)), 3);
	tx(f, VSOCK_OP_CREDIT_REQUEST, 1234, local, NULL, 0, 0, 65536, 5);
	h = rx_expect(f, VSOCK_OP_CREDIT_UPDATE, local, 1234);
	assert_int_equal(le32toh(h.fwd_cnt), 3);
	close(hfd);
	pump(f);
	h = rx_expect(f, VSOCK_OP_SHUTDOWN, local, 1234);
	assert_int_equal(le32toh(h.flags), VSOCK_SHUTDOWN_SEND);
}

static void
test_connect_line_split_and_junk(void **state)
{
	struct fx *f = *state;
	struct vsock_hdr h;
	char buf[8];
	int hfd, jfd;

	hfd = host_connect(f);
	assert_int_equal(write(hfd, "conn", 4), 4);
	pump(f);
	rx_none(f);
	assert_int_equal(write(hfd, "ect 77\n", 7), 7);
	pump(f);
	h = rx_expect(f, VSOCK_OP_REQUEST, 0, 77);
	/* Guest refuses: the host program's socket is closed. */
	tx(f, VSOCK_OP_RST, 77, le32toh(h.src_port), NULL, 0, 0, 0, 0);
	assert_int_equal(read_nb(hfd, buf, sizeof(buf)), 0);
	close(hfd);
	jfd = host_connect(f);
	assert_int_equal(write(jfd, "GET / HTTP/1.0\r\n", 16), 16);
	pump(f);
	assert_int_equal(read_nb(jfd, buf, sizeof(buf)), 0);
	rx_none(f);
	close(jfd);
	/* A host program that goes away mid-line leaves nothing behind. */
	jfd = host_connect(f);
	assert_int_equal(write(jfd, "CONNECT 1", 9), 9);
	pump(f);
	close(jfd);
	pump(f);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
}

static void
test_unknown_and_malformed(void **state)
{
	struct fx *f = *state;
	struct vsock_hdr h;
	int cfd;

	/* Packets for connections that do not exist: RST, except RST itself. */
	tx(f, VSOCK_OP_RW, 6000, 1024, "x", 1, 0, 65536, 0);
	rx_expect(f, VSOCK_OP_RST, 1024, 6000);
	tx(f, VSOCK_OP_SHUTDOWN, 6000, 1024, NULL, 0, 3, 65536, 0);
	rx_expect(f, VSOCK_OP_RST, 1024, 6000);
	tx(f, VSOCK_OP_RST, 6000, 1024, NULL, 0, 0, 65536, 0);
	rx_none(f);
	/* Unknown op. */
	tx(f, 99, 6000, 1024, NULL, 0, 0, 65536, 0);
	rx_expect(f, VSOCK_OP_RST, 1024, 6000);
	/* Short chain: dropped, used length 0. */
	h = mkhdr(VSOCK_OP_REQUEST, 6000, 1024, 0, 0, 0, 0);
	tx_raw(f, &h, NULL, 0, 20);
	rx_none(f);
	/* Wrong source CID: dropped. */
	h.src_cid = htole64(7);
	tx_raw(f, &h, NULL, 0, sizeof(h));
	rx_none(f);
	/* A CID no sibling has: RST from that CID. */
	h = mkhdr(VSOCK_OP_REQUEST, 6000, 1024, 0, 0, 0, 0);
	h.dst_cid = htole64(9);
	tx_raw(f, &h, NULL, 0, sizeof(h));
	f->src_cid = 9;
	rx_expect(f, VSOCK_OP_RST, 1024, 6000);
	f->src_cid = 0;
	/* SEQPACKET was not offered. */
	h = mkhdr(VSOCK_OP_REQUEST, 6000, 1024, 0, 0, 0, 0);
	h.type = htole16(VSOCK_TYPE_SEQPACKET);
	tx_raw(f, &h, NULL, 0, sizeof(h));
	h = rx_expect(f, VSOCK_OP_RST, 1024, 6000);
	/* On a live connection: a length beyond the chain resets it. */
	listen_port(f, 0, 1024);
	cfd = guest_open(f, 5002, 65536);
	h = mkhdr(VSOCK_OP_RW, 5002, 1024, 1000, 0, 65536, 0);
	tx_raw(f, &h, NULL, 0, sizeof(h) + 10);
	rx_expect(f, VSOCK_OP_RST, 1024, 5002);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
	close(cfd);
	/* A duplicate REQUEST resets the connection. */
	cfd = guest_open(f, 5003, 65536);
	tx(f, VSOCK_OP_REQUEST, 5003, 1024, NULL, 0, 0, 65536, 0);
	rx_expect(f, VSOCK_OP_RST, 1024, 5003);
	close(cfd);
	/* fwd_cnt beyond what we sent: credit overflow, RST. */
	cfd = guest_open(f, 5004, 65536);
	tx(f, VSOCK_OP_CREDIT_UPDATE, 5004, 1024, NULL, 0, 0, 65536, 100);
	rx_expect(f, VSOCK_OP_RST, 1024, 5004);
	close(cfd);
	/* An rx buffer too small for a header: used 0, the packet waits. */
	{
		struct vhd_test_pair *p = &f->q[VSOCK_Q_RX];
		uint8_t *b = vhd_test_alloc(p, 10);
		struct vhd_fe_buf fb = {b, 10};
		uint16_t id;
		uint32_t len;

		tx(f, VSOCK_OP_RW, 6001, 1024, "x", 1, 0, 65536, 0);
		assert_true(vhd_test_post(p, &fb, 0, 1, false) >= 0);
		vhd_test_serve(p, vsock_dev_get_ops(f->dev), f->dev, VSOCK_Q_RX);
		assert_int_equal(vhd_test_used(p, &id, &len), 1);
		assert_int_equal(len, 0);
		rx_expect(f, VSOCK_OP_RST, 1024, 6001);
	}
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
}

/* The guest's buffer is small: we stop at its credit, ask, resume on update. */
static void
test_credit_stall_resume(void **state)
{
	struct fx *f = *state;
	struct vsock_hdr h;
	uint8_t *pl;
	int cfd;

	listen_port(f, 0, 1024);
	cfd = guest_open(f, 5005, 8);
	assert_int_equal(write(cfd, "0123456789abcdefghij", 20), 20);
	pump(f);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + 8);
	assert_memory_equal(pl, "01234567", 8);
	rx_expect(f, VSOCK_OP_CREDIT_REQUEST, 1024, 5005);
	rx_none(f); /* stalled, asked once */
	tx(f, VSOCK_OP_CREDIT_UPDATE, 5005, 1024, NULL, 0, 0, 8, 8);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + 8);
	assert_memory_equal(pl, "89abcdef", 8);
	tx(f, VSOCK_OP_CREDIT_UPDATE, 5005, 1024, NULL, 0, 0, 16, 16);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + 4);
	assert_memory_equal(pl, "ghij", 4);
	close(cfd);
}

/* Guest data the host does not read waits in a buffer bounded by buf_alloc. */
static void
test_guest_credit_and_update(void **state)
{
	struct fx *f = *state;
	static uint8_t big[TXBUF + 1];
	struct vsock_hdr h;
	int cfd, sz = 4096;
	uint32_t sent = 0;
	ssize_t n, got = 0;
	char *sink = malloc(1 << 20);

	assert_non_null(sink);
	listen_port(f, 0, 1024);
	cfd = guest_open(f, 5006, 65536);
	setsockopt(cfd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	memset(big, 'z', sizeof(big));
	/* 3/4 and a bit forwarded: a CREDIT_UPDATE follows at once. */
	tx(f, VSOCK_OP_RW, 5006, 1024, big, 3100, 0, 65536, 0);
	sent += 3100;
	h = rx_expect(f, VSOCK_OP_CREDIT_UPDATE, 1024, 5006);
	assert_int_equal(le32toh(h.fwd_cnt), 3100);
	/* More than buf_alloc in one packet: RST. */
	tx(f, VSOCK_OP_RW, 5006, 1024, big, TXBUF + 1, 0, 65536, 0);
	rx_expect(f, VSOCK_OP_RST, 1024, 5006);
	(void)sent;
	while ((n = read_nb(cfd, sink, 1 << 20)) > 0)
		got += n;
	assert_int_equal(got, 3100);
	close(cfd);
	free(sink);
}

/*
 * Guest to host with a host program that stops reading: the kernel socket
 * fills, then our buffer up to buf_alloc; the guest (honouring credit)
 * stalls; one byte beyond credit would be a violation. When the host reads,
 * EPOLLOUT drains the buffer, CREDIT_UPDATEs resume the guest; every byte
 * arrives in order.
 */
static void
test_guest_to_host_backpressure(void **state)
{
	struct fx *f = *state;
	static uint8_t chunk[1000];
	uint32_t sent = 0, peer_fwd = 0, checked = 0;
	unsigned int rounds = 0, stalls = 0;
	uint8_t *sink = malloc(1 << 16);
	int cfd;

	assert_non_null(sink);
	listen_port(f, 0, 1024);
	cfd = guest_open(f, 5008, 65536);
	while (rounds < 2000) {
		struct vsock_hdr h;
		unsigned int i;
		ssize_t n;

		/* Send while credit allows, as a driver does. */
		while (TXBUF - (sent - peer_fwd) >= sizeof(chunk) && sent < (1u << 20)) {
			for (i = 0; i < sizeof(chunk); i++)
				chunk[i] = (uint8_t)((sent + i) * 7);
			tx(f, VSOCK_OP_RW, 5008, 1024, chunk, sizeof(chunk), 0, 65536, 0);
			sent += sizeof(chunk);
		}
		while (rx(f, &h, NULL) >= 0) {
			assert_int_equal(le16toh(h.op), VSOCK_OP_CREDIT_UPDATE);
			peer_fwd = le32toh(h.fwd_cnt);
		}
		if (sent >= (1u << 20) && checked == sent)
			break;
		/* The host program reads only once the guest is stalled. */
		if (TXBUF - (sent - peer_fwd) < sizeof(chunk) || sent >= (1u << 20)) {
			stalls += sent < (1u << 20);
			while ((n = read_nb(cfd, sink, 1 << 16)) > 0) {
				for (i = 0; i < (unsigned int)n; i++)
					assert_int_equal(sink[i], (uint8_t)((checked + i) * 7));
				checked += (uint32_t)n;
			}
			pump(f);
		}
		rounds++;
	}
	assert_int_equal(checked, sent);
	assert_true(sent >= (1u << 20));
	assert_true(stalls > 0); /* our buffer was full at least once */
	close(cfd);
	free(sink);
}

static void
test_credit_violation(void **state)
{
	struct fx *f = *state;
	static uint8_t chunk[1000];
	struct vsock_hdr h;
	unsigned int i;
	int cfd, sz = 1;

	listen_port(f, 0, 1024);
	cfd = guest_open(f, 5009, 65536);
	setsockopt(cfd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	/* Ignore credit: keep sending without reading updates. */
	for (i = 0; i < 2000; i++) {
		tx(f, VSOCK_OP_RW, 5009, 1024, chunk, sizeof(chunk), 0, 65536, 0);
		if (vsock_dev_conn_count(f->dev) == 0)
			break;
		while (rx(f, &h, NULL) >= 0)
			if (le16toh(h.op) == VSOCK_OP_RST)
				break;
		if (le16toh(h.op) == VSOCK_OP_RST)
			break;
	}
	assert_true(i < 2000);
	assert_int_equal(le16toh(h.op), VSOCK_OP_RST);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
	close(cfd);
}

static unsigned int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static void
test_many_connections_no_fd_left(void **state)
{
	struct fx *f = *state;
	unsigned int base, i;
	int *fds = calloc(1000, sizeof(int));

	assert_non_null(fds);
	listen_port(f, 0, 1024);
	base = count_fds();
	for (i = 0; i < 1000; i++) {
		fds[i] = guest_open(f, 10000 + i, 65536);
		if (i % 2 == 0) /* half closed by the guest */
			tx(f, VSOCK_OP_RST, 10000 + i, 1024, NULL, 0, 0, 0, 0);
	}
	assert_int_equal(vsock_dev_conn_count(f->dev), 500);
	for (i = 1; i < 1000; i += 2) /* half by the host program */
		close(fds[i]);
	pump(f);
	for (i = 0; i < 3000 && vsock_dev_conn_count(f->dev) > 0; i++) {
		struct vsock_hdr h;

		if (rx(f, &h, NULL) < 0)
			pump(f);
		else if (le16toh(h.op) == VSOCK_OP_SHUTDOWN) /* the guest closes too */
			tx(f, VSOCK_OP_SHUTDOWN, le32toh(h.dst_port), 1024, NULL, 0,
			   VSOCK_SHUTDOWN_BOTH, 0, 0);
	}
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
	for (i = 0; i < 1000; i += 2)
		close(fds[i]);
	assert_int_equal(count_fds(), base);
	free(fds);
}

/* A silent host program and a guest that never answers are dropped after 5 s. */
static void
test_setup_timeouts(void **state)
{
	struct fx *f = *state;
	struct vsock_hdr h;
	char buf[8];
	int silent, unanswered;

	silent = host_connect(f);
	pump(f);
	assert_int_equal(write(silent, "CONNECT", 7), 7);
	pump(f);
	unanswered = host_connect(f);
	assert_int_equal(write(unanswered, "CONNECT 9\n", 10), 10);
	pump(f);
	h = rx_expect(f, VSOCK_OP_REQUEST, 0, 9);
	assert_int_equal(vsock_dev_conn_count(f->dev), 2);
	vhd_test_host_advance(&f->th, 4000000000ULL);
	assert_int_equal(vsock_dev_conn_count(f->dev), 2);
	assert_int_equal(read_nb(silent, buf, sizeof(buf)), -1); /* still open */
	vhd_test_host_advance(&f->th, 2000000000ULL);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
	assert_int_equal(read_nb(silent, buf, sizeof(buf)), 0);
	assert_int_equal(read_nb(unanswered, buf, sizeof(buf)), 0);
	/* The guest is told the REQUEST is void. */
	rx_expect(f, VSOCK_OP_RST, le32toh(h.src_port), 9);
	close(silent);
	close(unanswered);
}

static void
test_reset_closes_all(void **state)
{
	struct fx *f = *state;
	char buf[8];
	int cfd, hfd;

	listen_port(f, 0, 1024);
	cfd = guest_open(f, 5007, 65536);
	hfd = host_connect(f);
	pump(f);
	vsock_dev_get_ops(f->dev)->reset(f->dev);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
	assert_int_equal(read_nb(cfd, buf, sizeof(buf)), 0);
	assert_int_equal(read_nb(hfd, buf, sizeof(buf)), 0);
	close(cfd);
	close(hfd);
}

/* ---- SEQPACKET ---- */

static void
tx_seq(struct fx *f, uint16_t op, uint32_t src, uint32_t dst, const void *payload, uint32_t plen,
       uint32_t flags, uint32_t fwd_cnt)
{
	struct vsock_hdr h = mkhdr(op, src, dst, plen, flags, 65536, fwd_cnt);

	h.type = htole16(VSOCK_TYPE_SEQPACKET);
	tx_raw(f, &h, payload, plen, (uint32_t)sizeof(h) + plen);
}

static int
listen_seq(struct fx *f, unsigned int slot, uint32_t port)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", f->uds, port);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 64), 0);
	f->listeners[slot] = fd;
	return fd;
}

static int
seq_open(struct fx *f, uint32_t gport)
{
	struct vsock_hdr h;
	int cfd;

	vsock_dev_get_ops(f->dev)->set_features(f->dev, FEAT | VHD_BIT(VSOCK_F_SEQPACKET));
	tx_seq(f, VSOCK_OP_REQUEST, gport, 2048, NULL, 0, 0, 0);
	h = rx_expect(f, VSOCK_OP_RESPONSE, 2048, gport);
	assert_int_equal(le16toh(h.type), VSOCK_TYPE_SEQPACKET);
	cfd = accept(f->listeners[1], NULL, NULL);
	assert_true(cfd >= 0);
	return cfd;
}

/* Offered unless withheld; without it negotiated a SEQPACKET packet is refused. */
static void
test_seqpacket_feature(void **state)
{
	struct fx *f = *state;
	struct vsock_dev_config cfg = {.guest_cid = 4, .tx_buffer_size = 4096,
				       .no_seqpacket = true};
	char path[100];
	struct vsock_dev *d2;
	struct vsock_hdr h;

	assert_true(vsock_dev_get_ops(f->dev)->features & VHD_BIT(VSOCK_F_SEQPACKET));
	snprintf(path, sizeof(path), "%s/w.sock", f->dir);
	cfg.uds_path = path;
	assert_int_equal(vsock_dev_create(&cfg, &d2), 0);
	assert_false(vsock_dev_get_ops(d2)->features & VHD_BIT(VSOCK_F_SEQPACKET));
	vsock_dev_destroy(d2);
	listen_seq(f, 1, 2048);
	/* Not negotiated: RST, no connection. */
	vsock_dev_get_ops(f->dev)->set_features(f->dev, FEAT);
	tx_seq(f, VSOCK_OP_REQUEST, 6000, 2048, NULL, 0, 0, 0);
	h = rx_expect(f, VSOCK_OP_RST, 2048, 6000);
	assert_int_equal(le16toh(h.type), VSOCK_TYPE_SEQPACKET);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
	/* Negotiated, but a stream listener on that port: RST. */
	vsock_dev_get_ops(f->dev)->set_features(f->dev, FEAT | VHD_BIT(VSOCK_F_SEQPACKET));
	listen_port(f, 0, 1024);
	tx_seq(f, VSOCK_OP_REQUEST, 6001, 1024, NULL, 0, 0, 0);
	rx_expect(f, VSOCK_OP_RST, 1024, 6001);
	/* And a stream REQUEST to the SEQPACKET listener. */
	tx(f, VSOCK_OP_REQUEST, 6002, 2048, NULL, 0, 0, 65536, 0);
	rx_expect(f, VSOCK_OP_RST, 2048, 6002);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
}

/* Records keep their boundaries both ways; a big host record goes in pieces. */
static void
test_seqpacket_boundaries(void **state)
{
	struct fx *f = *state;
	static uint8_t big[3000];
	struct vsock_hdr h;
	uint8_t *pl;
	char buf[4096];
	unsigned int i;
	int cfd;

	listen_seq(f, 1, 2048);
	cfd = seq_open(f, 6000);
	/* One record in two packets, EOM on the second; then a second record. */
	tx_seq(f, VSOCK_OP_RW, 6000, 2048, "ab", 2, 0, 0);
	assert_int_equal(read_nb(cfd, buf, sizeof(buf)), -1); /* nothing until EOM */
	tx_seq(f, VSOCK_OP_RW, 6000, 2048, "c", 1, 1, 0);
	tx_seq(f, VSOCK_OP_RW, 6000, 2048, "hello", 5, 3, 0);
	assert_int_equal(read_nb(cfd, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(read_nb(cfd, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	/* Host records: each one RW with EOM|EOR. */
	assert_int_equal(send(cfd, "0123456789", 10, 0), 10);
	assert_int_equal(send(cfd, "xy", 2, 0), 2);
	pump(f);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + 10);
	assert_int_equal(le16toh(h.op), VSOCK_OP_RW);
	assert_int_equal(le16toh(h.type), VSOCK_TYPE_SEQPACKET);
	assert_int_equal(le32toh(h.flags), 3);
	assert_memory_equal(pl, "0123456789", 10);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + 2);
	assert_int_equal(le32toh(h.flags), 3);
	assert_memory_equal(pl, "xy", 2);
	/* Bigger than the rx buffer (2048): two pieces, EOM|EOR on the last only. */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13);
	assert_int_equal(send(cfd, big, sizeof(big), 0), (ssize_t)sizeof(big));
	pump(f);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + RXCAP);
	assert_int_equal(le32toh(h.flags), 0);
	assert_memory_equal(pl, big, RXCAP);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + (int)sizeof(big) - RXCAP);
	assert_int_equal(le32toh(h.flags), 3);
	assert_memory_equal(pl, big + RXCAP, sizeof(big) - RXCAP);
	rx_none(f);
	/* A stream packet on a SEQPACKET connection: RST. */
	tx(f, VSOCK_OP_RW, 6000, 2048, "s", 1, 0, 65536, 15);
	rx_expect(f, VSOCK_OP_RST, 2048, 6000);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
	close(cfd);
}

/* A host record bigger than the tx buffer size: RST, counted. */
static void
test_seqpacket_record_too_big(void **state)
{
	struct fx *f = *state;
	static uint8_t big[TXBUF + 1];
	int cfd;

	listen_seq(f, 1, 2048);
	cfd = seq_open(f, 6003);
	assert_int_equal(send(cfd, big, sizeof(big), 0), (ssize_t)sizeof(big));
	pump(f);
	rx_expect(f, VSOCK_OP_RST, 2048, 6003);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
	close(cfd);
}

/*
 * Host stops reading: records wait in our buffer and still come out whole.
 * The guest sends as credit allows, a record in as many pieces as it takes
 * (EOM on its last), as a driver does.
 */
static void
test_seqpacket_backpressure(void **state)
{
	struct fx *f = *state;
	static uint8_t rec[1500];
	uint32_t sent = 0, peer_fwd = 0, nrec = 0, got = 0, off = 0, last_fwd = 0;
	unsigned int rounds = 0, stalls = 0, i, still = 0;
	uint8_t sink[2000];
	int cfd;

	listen_seq(f, 1, 2048);
	cfd = seq_open(f, 6004);
	while (rounds < 5000 && got < 400) {
		struct vsock_hdr h;
		uint32_t credit;
		ssize_t n;

		while ((credit = TXBUF - (sent - peer_fwd)) > 0 && nrec < 400) {
			uint32_t piece = sizeof(rec) - off < credit ? sizeof(rec) - off : credit;

			if (piece > 700)
				piece = 700;
			for (i = 0; off == 0 && i < sizeof(rec); i++)
				rec[i] = (uint8_t)(nrec * 3 + i);
			tx_seq(f, VSOCK_OP_RW, 6004, 2048, rec + off, piece,
			       off + piece == sizeof(rec), 0);
			sent += piece;
			off += piece;
			if (off == sizeof(rec)) {
				off = 0;
				nrec++;
			}
		}
		while (rx(f, &h, NULL) >= 0) {
			assert_int_equal(le16toh(h.op), VSOCK_OP_CREDIT_UPDATE);
			peer_fwd = le32toh(h.fwd_cnt);
		}
		still = peer_fwd == last_fwd ? still + 1 : 0;
		last_fwd = peer_fwd;
		/* The host reads only when the guest cannot go on: its socket is
		 * full and the rest waits in our buffer. */
		if ((TXBUF == sent - peer_fwd && still >= 2) || nrec == 400) {
			stalls += nrec < 400;
			while ((n = read_nb(cfd, sink, sizeof(sink))) > 0) {
				assert_int_equal(n, sizeof(rec));
				for (i = 0; i < sizeof(rec); i++)
					assert_int_equal(sink[i], (uint8_t)(got * 3 + i));
				got++;
			}
			pump(f);
		}
		rounds++;
	}
	assert_int_equal(got, 400);
	assert_true(stalls > 0); /* the host socket was full at least once */
	close(cfd);
}

/* A host program on the SEQPACKET CONNECT listener (uds_path.seqpacket). */
static int
host_connect_seq(struct fx *f)
{
	return host_connect_type(f, VSOCK_SEQPACKET_SUFFIX, SOCK_SEQPACKET);
}

struct stat_want {
	const char *name;
	uint64_t v;
};

static void
stat_put(void *ctx, const char *name, uint64_t v)
{
	struct stat_want *w = ctx;

	if (strcmp(name, w->name) == 0)
		w->v = v;
}

static uint64_t
stat_of(struct fx *f, const char *name)
{
	struct stat_want w = {name, UINT64_MAX};

	vsock_dev_get_ops(f->dev)->get_stats(f->dev, stat_put, &w);
	assert_true(w.v != UINT64_MAX);
	return w.v;
}

/* A host program's CONNECT record that is not exactly one line: closed, nothing sent. */
static void
seq_bad_line(struct fx *f, const void *rec, size_t len)
{
	uint64_t bad = stat_of(f, "bad_lines");
	char buf[8];
	int hfd = host_connect_seq(f);

	assert_int_equal(send(hfd, rec, len, 0), (ssize_t)len);
	pump(f);
	rx_none(f);
	assert_int_equal(read_nb(hfd, buf, sizeof(buf)), 0);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
	assert_int_equal(stat_of(f, "bad_lines"), bad + 1);
	close(hfd);
}

/*
 * Host-initiated SEQPACKET: CONNECT and OK are records of their own on the
 * second listener; records keep their boundaries both ways; only with the
 * feature negotiated.
 */
static void
test_seqpacket_host_connect(void **state)
{
	struct fx *f = *state;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct vsock_dev_config cfg = {.guest_cid = 4, .tx_buffer_size = 4096,
				       .no_seqpacket = true};
	char path[90], buf[64], want[32], longrec[40];
	struct vsock_hdr h;
	struct vsock_dev *d2;
	uint32_t local;
	uint8_t *pl;
	int hfd;

	/* the second listener is a SEQPACKET socket: a stream connect fails */
	hfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s%s", f->uds, VSOCK_SEQPACKET_SUFFIX);
	assert_int_equal(connect(hfd, (struct sockaddr *)&sa, sizeof(sa)), -1);
	assert_int_equal(errno, EPROTOTYPE);
	close(hfd);
	/* without the feature negotiated: refused, the program sees EOF, nothing to the guest */
	vsock_dev_get_ops(f->dev)->set_features(f->dev, FEAT);
	hfd = host_connect_seq(f);
	assert_int_equal(send(hfd, "CONNECT 2048\n", 13, 0), 13);
	pump(f);
	rx_none(f);
	assert_int_equal(read_nb(hfd, buf, sizeof(buf)), 0);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
	assert_int_equal(stat_of(f, "refused"), 1);
	close(hfd);

	vsock_dev_get_ops(f->dev)->set_features(f->dev, FEAT | VHD_BIT(VSOCK_F_SEQPACKET));
	hfd = host_connect_seq(f);
	/* a record sent before the OK is the connection's first, after the OK */
	assert_int_equal(send(hfd, "CONNECT 2048\n", 13, 0), 13);
	assert_int_equal(send(hfd, "first", 5, 0), 5);
	pump(f);
	h = rx_expect(f, VSOCK_OP_REQUEST, 0, 2048);
	assert_int_equal(le16toh(h.type), VSOCK_TYPE_SEQPACKET);
	local = le32toh(h.src_port);
	assert_true(local >= 1u << 30);
	rx_none(f);
	assert_int_equal(read_nb(hfd, buf, sizeof(buf)), -1); /* no OK before RESPONSE */
	tx_seq(f, VSOCK_OP_RESPONSE, 2048, local, NULL, 0, 0, 0);
	snprintf(want, sizeof(want), "OK %u\n", local);
	assert_int_equal(read_nb(hfd, buf, sizeof(buf)), (ssize_t)strlen(want)); /* one record */
	assert_memory_equal(buf, want, strlen(want));
	pump(f);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + 5);
	assert_int_equal(le16toh(h.op), VSOCK_OP_RW);
	assert_int_equal(le16toh(h.type), VSOCK_TYPE_SEQPACKET);
	assert_int_equal(le32toh(h.flags), SEQ_EOM_EOR);
	assert_memory_equal(pl, "first", 5);
	/* two host records: two messages */
	assert_int_equal(send(hfd, "xy", 2, 0), 2);
	assert_int_equal(send(hfd, "z", 1, 0), 1);
	pump(f);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + 2);
	assert_int_equal(le32toh(h.flags), SEQ_EOM_EOR);
	assert_memory_equal(pl, "xy", 2);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + 1);
	assert_int_equal(le32toh(h.flags), SEQ_EOM_EOR);
	/* a guest message in two packets reaches the program as one record */
	tx_seq(f, VSOCK_OP_RW, 2048, local, "ab", 2, 0, 8);
	assert_int_equal(read_nb(hfd, buf, sizeof(buf)), -1);
	tx_seq(f, VSOCK_OP_RW, 2048, local, "c", 1, SEQ_EOM_EOR, 8);
	tx_seq(f, VSOCK_OP_RW, 2048, local, "d", 1, SEQ_EOM_EOR, 8);
	assert_int_equal(read_nb(hfd, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(read_nb(hfd, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'd');
	/* the OK record is not guest data: fwd_cnt counts the guest's 4 bytes */
	tx_seq(f, VSOCK_OP_CREDIT_REQUEST, 2048, local, NULL, 0, 0, 8);
	h = rx_expect(f, VSOCK_OP_CREDIT_UPDATE, local, 2048);
	assert_int_equal(le32toh(h.fwd_cnt), 4);
	close(hfd);
	pump(f);
	h = rx_expect(f, VSOCK_OP_SHUTDOWN, local, 2048);
	assert_int_equal(le32toh(h.flags), VSOCK_SHUTDOWN_SEND);
	tx_seq(f, VSOCK_OP_RST, 2048, local, NULL, 0, 0, 8);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);

	/* the CONNECT record must be exactly one line */
	seq_bad_line(f, "CONNECT 77", 10);
	seq_bad_line(f, "CONNECT 77\nmore", 15);
	seq_bad_line(f, "conn", 4);
	memset(longrec, ' ', sizeof(longrec));
	memcpy(longrec, "CONNECT", 7);
	memcpy(longrec + sizeof(longrec) - 3, "77\n", 3);
	seq_bad_line(f, longrec, sizeof(longrec));
	seq_bad_line(f, "", 0);
	/* a program that leaves without a line leaves nothing behind, and is no bad line */
	local = (uint32_t)stat_of(f, "bad_lines");
	hfd = host_connect_seq(f);
	pump(f);
	close(hfd);
	pump(f);
	assert_int_equal(vsock_dev_conn_count(f->dev), 0);
	assert_int_equal(stat_of(f, "bad_lines"), local);

	/* --no-seqpacket: no second listener; a device removes its own at the end */
	snprintf(path, sizeof(path), "%s/w.sock", f->dir);
	cfg.uds_path = path;
	assert_int_equal(vsock_dev_create(&cfg, &d2), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s%s", path, VSOCK_SEQPACKET_SUFFIX);
	assert_int_equal(access(sa.sun_path, F_OK), -1);
	vsock_dev_destroy(d2);
	cfg.no_seqpacket = false;
	assert_int_equal(vsock_dev_create(&cfg, &d2), 0);
	assert_int_equal(access(sa.sun_path, F_OK), 0);
	vsock_dev_destroy(d2);
	assert_int_equal(access(sa.sun_path, F_OK), -1);
	assert_int_equal(access(path, F_OK), -1);
}

/* ---- siblings: a second and a third guest in the same process ---- */

struct sib {
	struct vhd_test_pair q[2];
	struct vhd_test_host th;
	struct vsock_dev *dev;
	char uds[100];
	uint8_t *rx_mem, *tx_mem;
};

static void
sib_up(struct fx *f, struct sib *b, uint64_t cid, const char *groups)
{
	struct vsock_dev_config cfg = {.guest_cid = cid, .tx_buffer_size = TXBUF,
				       .groups = groups};
	unsigned int i;

	snprintf(b->uds, sizeof(b->uds), "%s/s%u.sock", f->dir, (unsigned int)cid);
	cfg.uds_path = b->uds;
	for (i = 0; i < 2; i++)
		assert_int_equal(vhd_test_pair_init(&b->q[i], QSZ, FEAT), 0);
	assert_int_equal(vsock_dev_create(&cfg, &b->dev), 0);
	b->rx_mem = vhd_test_alloc(&b->q[VSOCK_Q_RX], VSOCK_HDR_LEN + RXCAP);
	b->tx_mem = vhd_test_alloc(&b->q[VSOCK_Q_TX], VSOCK_HDR_LEN + 4096);
	vhd_test_host_init(&b->th);
	vsock_dev_ops.attach(b->dev, &b->th.host);
	assert_int_equal(vsock_dev_ops.queue_start(b->dev, VSOCK_Q_RX, NULL), 0);
}

static void
sib_down(struct sib *b)
{
	unsigned int i;

	vsock_dev_destroy(b->dev);
	for (i = 0; i < 2; i++)
		vhd_test_pair_fini(&b->q[i]);
}

/* One rx buffer of @p b's guest: @return the packet length or -1. */
static int
sib_rx(struct sib *b, struct vsock_hdr *h, uint8_t **payload)
{
	struct vhd_test_pair *p = &b->q[VSOCK_Q_RX];
	struct vhd_fe_buf fb = {b->rx_mem, VSOCK_HDR_LEN + RXCAP};
	uint16_t id;
	uint32_t len;

	assert_true(vhd_test_post(p, &fb, 0, 1, false) >= 0);
	vhd_test_serve(p, vsock_dev_get_ops(b->dev), b->dev, VSOCK_Q_RX);
	if (vhd_test_used(p, &id, &len) != 1) {
		/* Take the buffer back: serve it with nothing to send. */
		return -1;
	}
	memcpy(h, b->rx_mem, sizeof(*h));
	assert_int_equal(le32toh(h->len), len - VSOCK_HDR_LEN);
	if (payload != NULL)
		*payload = b->rx_mem + VSOCK_HDR_LEN;
	return (int)len;
}

static void
sib_tx(struct sib *b, const struct vsock_hdr *h, const void *payload, uint32_t plen)
{
	struct vhd_test_pair *p = &b->q[VSOCK_Q_TX];
	struct vhd_fe_buf fb = {b->tx_mem, (uint32_t)sizeof(*h) + plen};
	uint16_t id;
	uint32_t len;

	memcpy(b->tx_mem, h, sizeof(*h));
	if (plen > 0)
		memcpy(b->tx_mem + sizeof(*h), payload, plen);
	assert_true(vhd_test_post(p, &fb, 1, 0, false) >= 0);
	assert_int_equal(vhd_test_serve(p, vsock_dev_get_ops(b->dev), b->dev, VSOCK_Q_TX), 1);
	assert_int_equal(vhd_test_used(p, &id, &len), 1);
}

static struct vsock_hdr
to_cid(uint16_t op, uint64_t src_cid, uint64_t dst_cid, uint32_t sport, uint32_t dport,
       uint32_t len, uint32_t flags)
{
	struct vsock_hdr h = mkhdr(op, sport, dport, len, flags, 65536, 0);

	h.src_cid = htole64(src_cid);
	h.dst_cid = htole64(dst_cid);
	return h;
}

/* Packets to a sibling's CID reach it when a group is shared, else RST. */
static void
test_siblings_groups(void **state)
{
	struct fx *f = *state;
	static uint8_t big[3000];
	struct sib b4, b5, b6;
	struct vsock_hdr h;
	uint8_t *pl;
	unsigned int i;

	assert_int_equal(vsock_dev_ops.queue_start(f->dev, VSOCK_Q_RX, NULL), 0);
	sib_up(f, &b4, 4, "blue+default");
	sib_up(f, &b5, 5, "other");
	sib_up(f, &b6, 6, NULL);
	/* 3 to 4 (group default): forwarded as it is. */
	h = to_cid(VSOCK_OP_REQUEST, CID, 4, 7000, 80, 0, 0);
	tx_raw(f, &h, NULL, 0, sizeof(h));
	assert_int_equal(sib_rx(&b4, &h, NULL), VSOCK_HDR_LEN);
	assert_int_equal(le16toh(h.op), VSOCK_OP_REQUEST);
	assert_int_equal(le64toh(h.src_cid), CID);
	assert_int_equal(le64toh(h.dst_cid), 4);
	assert_int_equal(le32toh(h.src_port), 7000);
	assert_int_equal(le32toh(h.dst_port), 80);
	rx_none(f);
	/* 4 answers; a RW bigger than 3's rx buffer comes in two pieces. */
	h = to_cid(VSOCK_OP_RESPONSE, 4, CID, 80, 7000, 0, 0);
	sib_tx(&b4, &h, NULL, 0);
	f->src_cid = 4;
	rx_expect(f, VSOCK_OP_RESPONSE, 80, 7000);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 5);
	h = to_cid(VSOCK_OP_RW, 4, CID, 80, 7000, sizeof(big), 0);
	sib_tx(&b4, &h, big, sizeof(big));
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + RXCAP);
	assert_memory_equal(pl, big, RXCAP);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + (int)sizeof(big) - RXCAP);
	assert_memory_equal(pl, big + RXCAP, sizeof(big) - RXCAP);
	/* A SEQPACKET message split the same way keeps EOM|EOR on its last piece. */
	h = to_cid(VSOCK_OP_RW, 4, CID, 81, 7001, sizeof(big), SEQ_EOM_EOR);
	h.type = htole16(VSOCK_TYPE_SEQPACKET);
	sib_tx(&b4, &h, big, sizeof(big));
	assert_true(rx(f, &h, NULL) > 0);
	assert_int_equal(le32toh(h.flags), 0);
	assert_true(rx(f, &h, NULL) > 0);
	assert_int_equal(le32toh(h.flags), SEQ_EOM_EOR);
	rx_none(f);
	/* 3 to 5: no shared group, RST from 5. 3 to 6 ("default"): forwarded. */
	h = to_cid(VSOCK_OP_REQUEST, CID, 5, 7002, 80, 0, 0);
	tx_raw(f, &h, NULL, 0, sizeof(h));
	f->src_cid = 5;
	rx_expect(f, VSOCK_OP_RST, 80, 7002);
	assert_int_equal(sib_rx(&b5, &h, NULL), -1);
	h = to_cid(VSOCK_OP_REQUEST, CID, 6, 7003, 80, 0, 0);
	tx_raw(f, &h, NULL, 0, sizeof(h));
	assert_int_equal(sib_rx(&b6, &h, NULL), VSOCK_HDR_LEN);
	/* 6's driver stopped: RST from 6. */
	vsock_dev_ops.queue_stop(b6.dev, VSOCK_Q_RX, NULL);
	h = to_cid(VSOCK_OP_REQUEST, CID, 6, 7004, 80, 0, 0);
	tx_raw(f, &h, NULL, 0, sizeof(h));
	f->src_cid = 6;
	rx_expect(f, VSOCK_OP_RST, 80, 7004);
	f->src_cid = 0;
	sib_down(&b4);
	sib_down(&b5);
	sib_down(&b6);
}

/* Own connections and sibling packets take turns on the rx queue. */
static void
test_siblings_fair(void **state)
{
	struct fx *f = *state;
	static uint8_t chunk[RXCAP];
	unsigned int i, own = 0, sibs = 0, switches = 0;
	struct vsock_hdr h;
	uint16_t last = 0;
	struct sib b4;
	int cfd;

	assert_int_equal(vsock_dev_ops.queue_start(f->dev, VSOCK_Q_RX, NULL), 0);
	sib_up(f, &b4, 4, NULL);
	listen_port(f, 0, 1024);
	cfd = guest_open(f, 5000, 1 << 20);
	/* Plenty of both: the host program and guest 4 each have 8 packets' worth. */
	assert_int_equal(send(cfd, chunk, sizeof(chunk), 0), (ssize_t)sizeof(chunk));
	for (i = 0; i < 8; i++) {
		h = to_cid(VSOCK_OP_RW, 4, CID, 80, 7000, 100, 0);
		sib_tx(&b4, &h, chunk, 100);
	}
	pump(f);
	for (i = 0; i < 8; i++) {
		uint64_t src;

		f->src_cid = 0;
		{
			struct vhd_test_pair *p = &f->q[VSOCK_Q_RX];
			struct vhd_fe_buf fb = {f->rx_mem, VSOCK_HDR_LEN + 256};
			uint16_t id;
			uint32_t len;

			assert_true(vhd_test_post(p, &fb, 0, 1, false) >= 0);
			vhd_test_serve(p, vsock_dev_get_ops(f->dev), f->dev, VSOCK_Q_RX);
			assert_int_equal(vhd_test_used(p, &id, &len), 1);
			memcpy(&h, f->rx_mem, sizeof(h));
		}
		src = le64toh(h.src_cid);
		own += src == VSOCK_HOST_CID;
		sibs += src == 4;
		switches += last != 0 && last != (uint16_t)src;
		last = (uint16_t)src;
	}
	assert_int_equal(own, 4);
	assert_int_equal(sibs, 4);
	assert_int_equal(switches, 7);
	close(cfd);
	sib_down(&b4);
}

/* ---- event queue: TRANSPORT_RESET ---- */

/* Serve one posted event buffer of @p len bytes: @return its used length or -1 (kept). */
static int
event_serve(struct vhd_test_pair *p, struct vsock_dev *d, uint8_t *buf, uint32_t len,
	    bool post)
{
	struct vhd_fe_buf fb = {buf, len};
	uint32_t used;
	uint16_t id;

	if (post)
		assert_true(vhd_test_post(p, &fb, 0, 1, false) >= 0);
	vhd_test_serve(p, vsock_dev_get_ops(d), d, VSOCK_Q_EVENT);
	return vhd_test_used(p, &id, &used) == 1 ? (int)used : -1;
}

/* A frontend after the first gets TRANSPORT_RESET, once; the first does not. */
static void
test_transport_reset_reconnect(void **state)
{
	struct fx *f = *state;
	struct vhd_test_pair ev;
	uint8_t *b;

	assert_int_equal(vhd_test_pair_init(&ev, QSZ, FEAT), 0);
	b = vhd_test_alloc(&ev, 64);
	vsock_dev_ops.reset(f->dev);
	assert_int_equal(vsock_dev_ops.queue_start(f->dev, VSOCK_Q_EVENT, NULL), 0);
	memset(b, 0xee, 8);
	assert_int_equal(event_serve(&ev, f->dev, b, 8, true), -1); /* held on the ring */
	vsock_dev_ops.reset(f->dev);
	assert_int_equal(event_serve(&ev, f->dev, b, 8, false), 4);
	assert_int_equal(b[0] | b[1] | b[2] | b[3], 0); /* le32 id 0: TRANSPORT_RESET */
	assert_int_equal(event_serve(&ev, f->dev, b, 8, true), -1); /* once */
	/* A buffer too short for the id: returned empty, the event still owed. */
	vhd_test_pair_fini(&ev);
	assert_int_equal(vhd_test_pair_init(&ev, QSZ, FEAT), 0);
	b = vhd_test_alloc(&ev, 64);
	vsock_dev_ops.reset(f->dev);
	assert_int_equal(event_serve(&ev, f->dev, b, 2, true), 0);
	assert_int_equal(event_serve(&ev, f->dev, b, 4, true), 4);
	vhd_test_pair_fini(&ev);
}

/* A fresh process whose first rings the guest already used: a restart. */
static void
test_transport_reset_restart(void **state)
{
	struct fx *f = *state;
	struct vsock_dev_config cfg = {.guest_cid = 4, .tx_buffer_size = 4096};
	struct vhd_test_pair ev;
	struct vsock_dev *d2;
	struct vhd_vq vq;
	char path[100];
	uint8_t *b;

	snprintf(path, sizeof(path), "%s/r.sock", f->dir);
	cfg.uds_path = path;
	assert_int_equal(vsock_dev_create(&cfg, &d2), 0);
	assert_int_equal(vhd_test_pair_init(&ev, QSZ, FEAT), 0);
	b = vhd_test_alloc(&ev, 64);
	vsock_dev_ops.reset(d2);
	memset(&vq, 0, sizeof(vq));
	assert_int_equal(vsock_dev_ops.queue_start(d2, VSOCK_Q_TX, &vq), 0); /* fresh */
	assert_int_equal(event_serve(&ev, d2, b, 4, true), -1);
	vq.last_avail = 17;
	assert_int_equal(vsock_dev_ops.queue_start(d2, VSOCK_Q_RX, &vq), 0); /* used */
	assert_int_equal(event_serve(&ev, d2, b, 4, false), 4);
	/* The same queue restarted later (a VM stop and cont): nothing. */
	vsock_dev_ops.queue_stop(d2, VSOCK_Q_RX, &vq);
	assert_int_equal(vsock_dev_ops.queue_start(d2, VSOCK_Q_RX, &vq), 0);
	assert_int_equal(event_serve(&ev, d2, b, 4, true), -1);
	vhd_test_pair_fini(&ev);
	vsock_dev_destroy(d2);
}

/* ---- vsock-to-vsock mode through a fake socket layer (never AF_VSOCK) ---- */

struct fake_sock {
	char dir[80];
	uint32_t cid, port;
	int type, nconnect, nlisten;
	uint32_t listened[4];
	int peer; /* our end of an in-progress connect */
};

static int
fake_connect(void *ctx, uint32_t cid, uint32_t port, int type, bool *in_progress)
{
	struct fake_sock *fs = ctx;
	int sv[2];

	fs->cid = cid;
	fs->port = port;
	fs->type = type;
	fs->nconnect++;
	if (port != 3333 && port != 4444)
		return -ECONNREFUSED;
	assert_int_equal(socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	*in_progress = true;
	if (port == 4444) /* the far end refuses: the socket reports an error/hang-up */
		close(sv[1]);
	else
		fs->peer = sv[1];
	return sv[0];
}

static int
fake_listen(void *ctx, uint32_t port)
{
	struct fake_sock *fs = ctx;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/fl_%u", fs->dir, port);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	fs->listened[fs->nlisten++] = port;
	return fd;
}

static void
test_forward_mode(void **state)
{
	struct fx *f = *state;
	static const uint32_t ports[] = {9001, 9002};
	struct fake_sock fs = {.peer = -1};
	struct vsock_sock_ops ops = {fake_connect, fake_listen, &fs};
	struct vsock_dev_config cfg = {.guest_cid = CID, .tx_buffer_size = TXBUF, .forward = true,
				       .forward_cid = 77, .listen_ports = ports, .nlisten = 2,
				       .sock = &ops, .max_conns = 100};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct vsock_hdr h;
	uint8_t *pl;
	char buf[64];
	uint32_t local;
	int hfd;

	snprintf(fs.dir, sizeof(fs.dir), "%s", f->dir);
	/* The fixture's device becomes a forward-mode one. */
	vsock_dev_destroy(f->dev);
	assert_int_equal(vsock_dev_create(&cfg, &f->dev), 0);
	vhd_test_host_init(&f->th);
	vsock_dev_ops.attach(f->dev, &f->th.host);
	assert_int_equal(fs.nlisten, 2);
	assert_int_equal(fs.listened[0], 9001);
	assert_int_equal(fs.listened[1], 9002);
	/* Refused at the far end: RST; the address asked is (forward-cid, port). */
	tx(f, VSOCK_OP_REQUEST, 5000, 1111, NULL, 0, 0, 65536, 0);
	rx_expect(f, VSOCK_OP_RST, 1111, 5000);
	assert_int_equal(fs.cid, 77);
	assert_int_equal(fs.port, 1111);
	assert_int_equal(fs.type, SOCK_STREAM);
	/* In progress: RESPONSE only once the socket is writable. */
	tx(f, VSOCK_OP_REQUEST, 5001, 3333, NULL, 0, 0, 65536, 0);
	rx_none(f);
	pump(f);
	rx_expect(f, VSOCK_OP_RESPONSE, 3333, 5001);
	tx(f, VSOCK_OP_RW, 5001, 3333, "to far", 6, 0, 65536, 0);
	assert_int_equal(read_nb(fs.peer, buf, sizeof(buf)), 6); /* no OK line here */
	assert_memory_equal(buf, "to far", 6);
	assert_int_equal(write(fs.peer, "back", 4), 4);
	pump(f);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + 4);
	assert_memory_equal(pl, "back", 4);
	close(fs.peer);
	pump(f);
	rx_expect(f, VSOCK_OP_SHUTDOWN, 3333, 5001);
	/* In progress, then failed: RST. */
	tx(f, VSOCK_OP_REQUEST, 5002, 4444, NULL, 0, 0, 65536, 0);
	pump(f);
	rx_expect(f, VSOCK_OP_RST, 4444, 5002);
	/* A host connection to listen port 9002 is a REQUEST to guest port 9002. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/fl_9002", f->dir);
	hfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(hfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(hfd, "early", 5), 5);
	pump(f);
	h = rx_expect(f, VSOCK_OP_REQUEST, 0, 9002);
	local = le32toh(h.src_port);
	assert_true(local >= 1u << 30);
	tx(f, VSOCK_OP_RESPONSE, 9002, local, NULL, 0, 0, 65536, 0);
	assert_int_equal(rx(f, &h, &pl), VSOCK_HDR_LEN + 5);
	assert_memory_equal(pl, "early", 5);
	tx(f, VSOCK_OP_RW, 9002, local, "hey", 3, 0, 65536, 0);
	assert_int_equal(read_nb(hfd, buf, sizeof(buf)), 3); /* no OK line */
	assert_memory_equal(buf, "hey", 3);
	close(hfd);
}

/* ---- every op in every state ---- */

enum { OUT_ALIVE, OUT_RST, OUT_GONE, OUT_UPDATE, OUT_OK };

/* Bring connection 6100+i into state @p st; @return its host fd, ports in @p lp/@p pp. */
static int
state_up(struct fx *f, int st, unsigned int i, uint32_t *lp, uint32_t *pp)
{
	struct vsock_hdr h;
	char line[32];
	int fd, n;

	if (st == 0) { /* host-initiated, REQUEST sent, no answer yet */
		fd = host_connect(f);
		n = snprintf(line, sizeof(line), "CONNECT %u\n", 6100 + i);
		assert_int_equal(write(fd, line, (size_t)n), n);
		pump(f);
		h = rx_expect(f, VSOCK_OP_REQUEST, 0, 6100 + i);
		*lp = le32toh(h.src_port);
		*pp = 6100 + i;
		return fd;
	}
	fd = guest_open(f, 6100 + i, 65536);
	*lp = 1024;
	*pp = 6100 + i;
	if (st == 2) /* the guest shut its sending side */
		tx(f, VSOCK_OP_SHUTDOWN, *pp, 1024, NULL, 0, VSOCK_SHUTDOWN_SEND, 65536, 0);
	return fd;
}

static void
test_ops_in_states(void **state)
{
	struct fx *f = *state;
	static const uint16_t ops[] = {VSOCK_OP_REQUEST, VSOCK_OP_RESPONSE, VSOCK_OP_RST,
				       VSOCK_OP_SHUTDOWN, VSOCK_OP_RW, VSOCK_OP_CREDIT_UPDATE,
				       VSOCK_OP_CREDIT_REQUEST, 0, 8};
	/* [state][op]: connecting (host-initiated), connected, guest half-closed */
	static const int want[3][9] = {
		{OUT_RST, OUT_OK, OUT_GONE, OUT_RST, OUT_RST, OUT_RST, OUT_RST, OUT_RST, OUT_RST},
		{OUT_RST, OUT_RST, OUT_GONE, OUT_ALIVE, OUT_ALIVE, OUT_ALIVE, OUT_UPDATE, OUT_RST,
		 OUT_RST},
		{OUT_RST, OUT_RST, OUT_GONE, OUT_ALIVE, OUT_RST, OUT_ALIVE, OUT_UPDATE, OUT_RST,
		 OUT_RST},
	};
	unsigned int st, o, i = 0;

	listen_port(f, 0, 1024);
	for (st = 0; st < 3; st++) {
		for (o = 0; o < 9; o++, i++) {
			uint32_t lp, pp;
			struct vsock_hdr h;
			char buf[32];
			int fd = state_up(f, (int)st, i, &lp, &pp), w = want[st][o];
			unsigned int before = vsock_dev_conn_count(f->dev);

			/* SHUTDOWN with SEND only: the connection lives on. */
			tx(f, ops[o], pp, lp, ops[o] == VSOCK_OP_RW ? "x" : NULL,
			   ops[o] == VSOCK_OP_RW ? 1 : 0,
			   ops[o] == VSOCK_OP_SHUTDOWN ? VSOCK_SHUTDOWN_SEND : 0, 65536, 0);
			pump(f);
			switch (w) {
			case OUT_RST:
				rx_expect(f, VSOCK_OP_RST, lp, pp);
				assert_int_equal(vsock_dev_conn_count(f->dev), before - 1);
				break;
			case OUT_GONE:
				rx_none(f);
				assert_int_equal(vsock_dev_conn_count(f->dev), before - 1);
				break;
			case OUT_UPDATE:
				rx_expect(f, VSOCK_OP_CREDIT_UPDATE, lp, pp);
				assert_int_equal(vsock_dev_conn_count(f->dev), before);
				break;
			case OUT_OK:
				assert_true(read_nb(fd, buf, sizeof(buf)) > 3);
				assert_memory_equal(buf, "OK ", 3);
				assert_int_equal(vsock_dev_conn_count(f->dev), before);
				break;
			default:
				rx_none(f);
				assert_int_equal(vsock_dev_conn_count(f->dev), before);
			}
			/* Tear down whatever is left before the next case. */
			if (vsock_dev_conn_count(f->dev) == before) {
				tx(f, VSOCK_OP_RST, pp, lp, NULL, 0, 0, 65536, 0);
				assert_int_equal(vsock_dev_conn_count(f->dev), before - 1);
			}
			close(fd);
			pump(f);
			while (rx(f, &h, NULL) >= 0)
				;
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_connect_gets_rst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_to_host_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_half_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_shut_rcv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_to_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_line_split_and_junk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credit_stall_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_credit_and_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_to_host_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credit_violation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_connections_no_fd_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_closes_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seqpacket_feature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seqpacket_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seqpacket_record_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seqpacket_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seqpacket_host_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_siblings_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_siblings_fair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transport_reset_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transport_reset_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ops_in_states, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
