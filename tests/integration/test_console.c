/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-console driven by our vhost-user frontend acting as Linux's
 * virtio_console: multiport bring-up, data both ways on several ports at
 * once with checksums, a 64 KiB paste, reconnecting TCP and Unix clients,
 * backpressure from a client that stops reading, buffered output for a late
 * client, malformed control messages and buffers, config space, emergency
 * writes, the single-port layout, and bad command lines.
 */

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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

#include "vhd_it.h"

#define QSZ 128
#define F_ALL (~0ULL)
#define F_MULTIPORT (1ULL << 1)
#define F_EMERG (1ULL << 2)
#define MAXP 4
#define RXSZ 4096   /* Linux's receive buffers: a page */
#define NRX 32      /* receive buffers per port */
#define TXSZ 4096
#define NTX 16      /* transmit buffers per port in flight */
#define WAIT_MS 5000

/* virtio-console control events, written out: the test checks the app, not our header. */
#define EV_DEVICE_READY 0
#define EV_PORT_ADD 1
#define EV_PORT_READY 3
#define EV_CONSOLE_PORT 4
#define EV_RESIZE 5
#define EV_PORT_OPEN 6
#define EV_PORT_NAME 7
#define CTRL_RX 2
#define CTRL_TX 3

struct msg {
	uint32_t id;
	uint16_t event, value;
	char extra[128];
};

/* Guest side of one device: Linux's virtio_console, in short. */
struct guest {
	struct vhd_fe *fe;
	unsigned int nports;
	uint16_t nq;
	bool mp;
	struct msg log[64];   /* control messages received, in order */
	unsigned int nlog;
	uint8_t *txfree[MAXP][NTX]; /* transmit buffers not in flight */
	unsigned int ntxfree[MAXP];
	uint8_t *ctxbuf[16];
	unsigned int ctx_next;
};

static uint16_t
rxq(unsigned int p)
{
	return (uint16_t)(p == 0 ? 0 : 2 + 2 * p);
}

static uint16_t
txq(unsigned int p)
{
	return (uint16_t)(rxq(p) + 1);
}

static void *
gmem(struct guest *g, uint32_t len)
{
	void *p = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), len, 64, NULL);

	assert_non_null(p);
	return p;
}

static void
post_rx_buf(struct guest *g, uint16_t q, uint8_t *b, uint32_t len)
{
	struct vhd_fe_buf fb = {b, len};

	assert_true(vhd_fe_post(g->fe, q, &fb, 0, 1, false, b, true) >= 0);
}

/* Drain control messages into the log, re-posting the buffers. */
static void
ctrl_poll(struct guest *g)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(g->fe, CTRL_RX);
	uint32_t len;
	void *ck;

	while (vhd_fe_ring_get_used(r, NULL, &len, &ck) == 1) {
		struct msg *m = &g->log[g->nlog < 64 ? g->nlog : 63];
		uint8_t *b = ck;

		assert_non_null(b);
		assert_true(len >= 8 && len < 8 + sizeof(m->extra));
		memset(m, 0, sizeof(*m));
		memcpy(&m->id, b, 4);
		memcpy(&m->event, b + 4, 2);
		memcpy(&m->value, b + 6, 2);
		m->id = le32toh(m->id);
		m->event = le16toh(m->event);
		m->value = le16toh(m->value);
		memcpy(m->extra, b + 8, len - 8);
		if (g->nlog < 64)
			g->nlog++;
		post_rx_buf(g, CTRL_RX, b, 256);
	}
	/* Control tx buffers come back with nothing written. */
	while (vhd_fe_ring_get_used(vhd_fe_queue_ring(g->fe, CTRL_TX), NULL, &len, &ck) == 1)
		;
}

static void
ctrl_send_raw(struct guest *g, const void *m, uint32_t len)
{
	uint8_t *b = g->ctxbuf[g->ctx_next++ % 16];
	struct vhd_fe_buf fb = {b, len};

	memcpy(b, m, len);
	assert_true(vhd_fe_post(g->fe, CTRL_TX, &fb, 1, 0, false, b, true) >= 0);
}

static void
ctrl_send(struct guest *g, uint32_t id, uint16_t ev, uint16_t val)
{
	uint8_t m[8];
	uint32_t i = htole32(id);
	uint16_t e = htole16(ev), v = htole16(val);

	memcpy(m, &i, 4);
	memcpy(m + 4, &e, 2);
	memcpy(m + 6, &v, 2);
	ctrl_send_raw(g, m, 8);
}

/* Wait until the log has a message @p ev for port @p id (value @p val, or any when < 0). */
static const struct msg *
ctrl_wait(struct guest *g, uint32_t id, uint16_t ev, int val)
{
	int64_t end = vhd_fe_app_now_ms() + WAIT_MS;
	unsigned int i, from = 0;

	while (vhd_fe_app_now_ms() < end) {
		ctrl_poll(g);
		for (i = from; i < g->nlog; i++) {
			if (g->log[i].id == id && g->log[i].event == ev &&
			    (val < 0 || g->log[i].value == val)) {
				/* Consumed: later waits look after it. */
				g->log[i].event = 0xffff;
				return &g->log[i];
			}
		}
		vhd_fe_app_sleep_ms(1);
	}
	fail_msg("no control event %u for port %u (value %d) within %d ms", ev, id, val,
		 WAIT_MS);
	return NULL;
}

/* Connect, negotiate @p want, start the queues, post buffers; bring ports up as Linux does. */
static void
guest_up(struct guest *g, struct vhd_fe_app *a, unsigned int nports, uint64_t want,
	 bool bring_up)
{
	unsigned int p, i;

	memset(g, 0, sizeof(*g));
	g->nports = nports;
	g->mp = (want & F_MULTIPORT) != 0;
	g->nq = g->mp ? (uint16_t)(2 + 2 * nports) : 2;
	g->fe = vhd_it_fe_up(a, 0, want, g->nq, QSZ);
	assert_int_equal(!!(vhd_fe_features(g->fe) & F_MULTIPORT), g->mp);
	for (p = 0; p < (g->mp ? nports : 1); p++) {
		for (i = 0; i < NRX; i++)
			post_rx_buf(g, rxq(p), gmem(g, RXSZ), RXSZ);
		for (i = 0; i < NTX; i++)
			g->txfree[p][i] = gmem(g, TXSZ);
		g->ntxfree[p] = NTX;
	}
	if (!g->mp)
		return;
	for (i = 0; i < 16; i++)
		g->ctxbuf[i] = gmem(g, 64);
	for (i = 0; i < 32; i++)
		post_rx_buf(g, CTRL_RX, gmem(g, 256), 256);
	if (!bring_up)
		return;
	ctrl_send(g, 0, EV_DEVICE_READY, 1);
	for (p = 0; p < nports; p++)
		ctrl_wait(g, p, EV_PORT_ADD, 1);
	for (p = 0; p < nports; p++) {
		ctrl_send(g, p, EV_PORT_READY, 1);
		ctrl_send(g, p, EV_PORT_OPEN, 1);
	}
	ctrl_wait(g, 0, EV_CONSOLE_PORT, 1);
}

/* Take back finished transmit buffers of port @p p. */
static void
tx_reap(struct guest *g, unsigned int p)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(g->fe, txq(p));
	uint32_t len;
	void *ck;

	while (vhd_fe_ring_get_used(r, NULL, &len, &ck) == 1) {
		assert_non_null(ck);
		assert_int_equal(len, 0);
		g->txfree[p][g->ntxfree[p]++] = ck;
	}
}

/* Queue up to @p len bytes on port @p p's transmit queue: bytes taken (0 when all in flight). */
static size_t
tx_some(struct guest *g, unsigned int p, const uint8_t *data, size_t len)
{
	size_t done = 0;

	tx_reap(g, p);
	while (done < len && g->ntxfree[p] > 0) {
		uint8_t *b = g->txfree[p][--g->ntxfree[p]];
		uint32_t n = len - done > TXSZ ? TXSZ : (uint32_t)(len - done);
		struct vhd_fe_buf fb = {b, n};

		memcpy(b, data + done, n);
		assert_true(vhd_fe_post(g->fe, txq(p), &fb, 1, 0, false, b, true) >= 0);
		done += n;
	}
	return done;
}

static void
tx_all(struct guest *g, unsigned int p, const void *data, size_t len)
{
	int64_t end = vhd_fe_app_now_ms() + WAIT_MS;
	size_t done = 0;

	while (done < len && vhd_fe_app_now_ms() < end) {
		size_t n = tx_some(g, p, (const uint8_t *)data + done, len - done);

		done += n;
		if (n == 0)
			vhd_fe_app_sleep_ms(1);
	}
	assert_int_equal(done, len);
}

/* Receive what port @p p has for the guest into @p buf (room @p room): bytes added. */
static size_t
rx_some(struct guest *g, unsigned int p, uint8_t *buf, size_t room, unsigned int *entries)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(g->fe, rxq(p));
	size_t got = 0;
	uint32_t len;
	void *ck;

	while (vhd_fe_ring_get_used(r, NULL, &len, &ck) == 1) {
		/* One entry per buffer, never for a buffer not posted (upstream: one per byte). */
		assert_non_null(ck);
		assert_true(len > 0 && len <= RXSZ);
		assert_true(got + len <= room);
		memcpy(buf + got, ck, len);
		got += len;
		if (entries != NULL)
			(*entries)++;
		post_rx_buf(g, rxq(p), ck, RXSZ);
	}
	return got;
}

static void
rx_all(struct guest *g, unsigned int p, void *buf, size_t len)
{
	int64_t end = vhd_fe_app_now_ms() + WAIT_MS;
	size_t got = 0;

	while (got < len && vhd_fe_app_now_ms() < end) {
		size_t n = rx_some(g, p, (uint8_t *)buf + got, len - got, NULL);

		got += n;
		if (n == 0)
			vhd_fe_app_sleep_ms(1);
	}
	assert_int_equal(got, len);
}

/* ---- host clients ---- */

static uint16_t
tcp_base(void)
{
	/* Distinct per run, clear of the usual ephemeral range. */
	return (uint16_t)(20000 + (getpid() * 7) % 9000);
}

static int
tcp_client(uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail_msg("connect 127.0.0.1:%u: %s", port, strerror(errno));
	return fd;
}

static int
unix_client(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail_msg("connect %s: %s", path, strerror(errno));
	return fd;
}

static void
host_send(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void
host_recv(int fd, void *buf, size_t len)
{
	struct timeval tv = {.tv_sec = WAIT_MS / 1000};
	size_t got = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got < len) {
		ssize_t n = recv(fd, (uint8_t *)buf + got, len - got, 0);

		if (n <= 0)
			fail_msg("host client got %zu of %zu bytes", got, len);
		got += (size_t)n;
	}
}

static uint32_t
csum(uint32_t s, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s = (s ^ b[i]) * 16777619u;
	return s;
}

static void
fill(uint8_t *b, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
}

static char pbuf[4][160];

/* "--port", "I=unix:<dir>/uI" */
static const char *
unix_spec(struct vhd_fe_app *a, unsigned int i, char *path, size_t len)
{
	snprintf(path, len, "%.100s/u%u", a->dir, i);
	snprintf(pbuf[i], sizeof(pbuf[i]), "%u=unix:%s", i, path);
	return pbuf[i];
}

/* ---- tests ---- */

static void
test_bringup(void **state)
{
	static struct vhd_fe_app a;
	char tcp[32], upath[128], fspec[200], fpath[128];
	const char *extra[] = {"--ports", "3", "--port", tcp, "--port", NULL, "--port", fspec,
			       "--port-name", "1=org.vhd.data", "--port-name", "2=org.vhd.log",
			       NULL};
	const struct msg *m;
	struct guest g;
	uint8_t cfg[12];
	uint32_t nr;
	int c;

	(void)state;
	vhd_it_app_init(&a, "console");
	snprintf(tcp, sizeof(tcp), "0=tcp:%u", tcp_base());
	extra[5] = unix_spec(&a, 1, upath, sizeof(upath));
	snprintf(fpath, sizeof(fpath), "%.100s/f2", a.dir);
	snprintf(fspec, sizeof(fspec), "2=file:%s", fpath);
	vhd_it_app_start(&a, NULL, extra, 1);
	guest_up(&g, &a, 3, F_ALL, false);
	/* Config: max_nr_ports 3, no size without a terminal. */
	assert_int_equal(vhd_fe_get_config(g.fe, 0, cfg, sizeof(cfg)), 0);
	memcpy(&nr, cfg + 4, 4);
	assert_int_equal(le32toh(nr), 3);
	assert_true(vhd_fe_features(g.fe) & F_EMERG);
	/* Out of range: refused, the backend lives on. */
	assert_true(vhd_fe_get_config(g.fe, 8, cfg, 8) < 0 || !vhd_fe_connected(g.fe));
	vhd_it_fe_done(g.fe);
	guest_up(&g, &a, 3, F_ALL, false);
	ctrl_send(&g, 0, EV_DEVICE_READY, 1);
	ctrl_wait(&g, 0, EV_PORT_ADD, 1);
	ctrl_wait(&g, 1, EV_PORT_ADD, 1);
	ctrl_wait(&g, 2, EV_PORT_ADD, 1);
	ctrl_send(&g, 0, EV_PORT_READY, 1);
	ctrl_wait(&g, 0, EV_CONSOLE_PORT, 1);
	ctrl_send(&g, 1, EV_PORT_READY, 1);
	m = ctrl_wait(&g, 1, EV_PORT_NAME, -1);
	assert_string_equal(m->extra, "org.vhd.data");
	ctrl_send(&g, 2, EV_PORT_READY, 1);
	m = ctrl_wait(&g, 2, EV_PORT_NAME, -1);
	assert_string_equal(m->extra, "org.vhd.log");
	ctrl_wait(&g, 2, EV_PORT_OPEN, 1); /* a file is always open */
	/* Host side connects and leaves: the guest is told both. */
	c = tcp_client(tcp_base());
	ctrl_wait(&g, 0, EV_PORT_OPEN, 1);
	ctrl_send(&g, 0, EV_PORT_OPEN, 1);
	close(c);
	ctrl_wait(&g, 0, EV_PORT_OPEN, 0);
	c = unix_client(upath);
	ctrl_wait(&g, 1, EV_PORT_OPEN, 1);
	close(c);
	/* Port 2's output lands in its file. */
	ctrl_send(&g, 2, EV_PORT_OPEN, 1);
	tx_all(&g, 2, "to the file\n", 12);
	vhd_fe_app_sleep_ms(100);
	{
		char buf[64] = {0};
		int fd = open(fpath, O_RDONLY);

		assert_true(fd >= 0);
		assert_int_equal(read(fd, buf, sizeof(buf)), 12);
		assert_string_equal(buf, "to the file\n");
		close(fd);
	}
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
	assert_int_not_equal(access(upath, F_OK), 0); /* Unix listener removed */
}

/* Several ports, both ways at once, 256 KiB each way each, checksums. */
static void
test_data_ports(void **state)
{
	enum { N = 3, LEN = 256 * 1024 };
	static struct vhd_fe_app a;
	static uint8_t out[N][LEN], in[N][LEN], hostgot[N][LEN], guestgot[N][LEN];
	char tcp[32], u1[128], u2[128];
	const char *extra[] = {"--ports", "3", "--port", tcp, "--port", NULL, "--port", NULL, NULL};
	size_t txd[N] = {0}, rxd[N] = {0}, hs[N] = {0}, hr[N] = {0};
	int64_t end;
	struct guest g;
	int c[N];
	unsigned int p;
	bool done = false;

	(void)state;
	vhd_it_app_init(&a, "console");
	snprintf(tcp, sizeof(tcp), "0=tcp:%u", tcp_base() + 1);
	extra[5] = unix_spec(&a, 1, u1, sizeof(u1));
	extra[7] = unix_spec(&a, 2, u2, sizeof(u2));
	vhd_it_app_start(&a, NULL, extra, 1);
	guest_up(&g, &a, N, F_ALL, true);
	c[0] = tcp_client(tcp_base() + 1);
	c[1] = unix_client(u1);
	c[2] = unix_client(u2);
	for (p = 0; p < N; p++) {
		fill(out[p], LEN, 1 + p);
		fill(in[p], LEN, 100 + p);
		fcntl(c[p], F_SETFL, O_NONBLOCK);
		ctrl_wait(&g, p, EV_PORT_OPEN, 1);
	}
	end = vhd_fe_app_now_ms() + 30000;
	while (!done && vhd_fe_app_now_ms() < end) {
		bool moved = false;

		done = true;
		for (p = 0; p < N; p++) {
			ssize_t n;
			size_t k;

			k = tx_some(&g, p, out[p] + txd[p], LEN - txd[p]);
			txd[p] += k;
			k = rx_some(&g, p, guestgot[p] + rxd[p], LEN - rxd[p], NULL);
			rxd[p] += k;
			moved |= k > 0;
			if (hs[p] < LEN) {
				size_t k = LEN - hs[p] > 8192 ? 8192 : LEN - hs[p];

				n = send(c[p], in[p] + hs[p], k, MSG_NOSIGNAL);
				if (n > 0)
					hs[p] += (size_t)n;
			}
			n = recv(c[p], hostgot[p] + hr[p], LEN - hr[p], 0);
			if (n > 0) {
				hr[p] += (size_t)n;
				moved = true;
			}
			done &= txd[p] == LEN && rxd[p] == LEN && hs[p] == LEN && hr[p] == LEN;
		}
		if (!moved)
			vhd_fe_app_sleep_ms(1);
	}
	for (p = 0; p < N; p++) {
		if (rxd[p] != LEN || hr[p] != LEN)
			fail_msg("port %u: guest got %zu, host got %zu of %d", p, rxd[p], hr[p],
				 LEN);
		assert_int_equal(csum(0, hostgot[p], LEN), csum(0, out[p], LEN));
		assert_int_equal(csum(0, guestgot[p], LEN), csum(0, in[p], LEN));
		close(c[p]);
	}
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

/* A 64 KiB paste arrives as sent, one used entry per filled buffer. */
static void
test_paste(void **state)
{
	enum { LEN = 64 * 1024 };
	static struct vhd_fe_app a;
	static uint8_t paste[LEN], got[LEN];
	char u0[128];
	const char *extra[] = {"--port", NULL, NULL};
	unsigned int entries = 0;
	int64_t end;
	size_t n = 0;
	struct guest g;
	int c;

	(void)state;
	vhd_it_app_init(&a, "console");
	extra[1] = unix_spec(&a, 0, u0, sizeof(u0));
	vhd_it_app_start(&a, NULL, extra, 1);
	guest_up(&g, &a, 1, F_ALL, true);
	c = unix_client(u0);
	ctrl_wait(&g, 0, EV_PORT_OPEN, 1);
	fill(paste, LEN, 7);
	host_send(c, paste, LEN);
	end = vhd_fe_app_now_ms() + WAIT_MS;
	while (n < LEN && vhd_fe_app_now_ms() < end) {
		size_t k = rx_some(&g, 0, got + n, LEN - n, &entries);

		n += k;
		if (k == 0)
			vhd_fe_app_sleep_ms(1);
	}
	assert_int_equal(n, LEN);
	assert_memory_equal(got, paste, LEN);
	/* Entries are buffers, not bytes: at most one per byte would be 65536. */
	assert_true(entries >= LEN / RXSZ && entries <= 2 * LEN / RXSZ + NRX);
	close(c);
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

/* Clients come and go on TCP and Unix ports; each new one gets the port. */
static void
test_reconnect(void **state)
{
	static struct vhd_fe_app a;
	char tcp[32], u1[128], buf[16];
	const char *extra[] = {"--ports", "2", "--port", tcp, "--port", NULL, NULL};
	struct guest g;
	unsigned int round;

	(void)state;
	vhd_it_app_init(&a, "console");
	snprintf(tcp, sizeof(tcp), "0=tcp:%u", tcp_base() + 2);
	extra[5] = unix_spec(&a, 1, u1, sizeof(u1));
	vhd_it_app_start(&a, NULL, extra, 1);
	guest_up(&g, &a, 2, F_ALL, true);
	for (round = 0; round < 3; round++) {
		int c0 = tcp_client(tcp_base() + 2), c1 = unix_client(u1);
		char word[8];

		ctrl_wait(&g, 0, EV_PORT_OPEN, 1);
		ctrl_wait(&g, 1, EV_PORT_OPEN, 1);
		snprintf(word, sizeof(word), "tcp%u", round);
		host_send(c0, word, 4);
		rx_all(&g, 0, buf, 4);
		assert_memory_equal(buf, word, 4);
		snprintf(word, sizeof(word), "uds%u", round);
		tx_all(&g, 1, word, 4);
		host_recv(c1, buf, 4);
		assert_memory_equal(buf, word, 4);
		close(c0);
		close(c1);
		ctrl_wait(&g, 0, EV_PORT_OPEN, 0);
		ctrl_wait(&g, 1, EV_PORT_OPEN, 0);
	}
	vhd_it_fe_done(g.fe);
	/* A new frontend (guest reboot) on the same backend. */
	guest_up(&g, &a, 2, F_ALL, true);
	{
		int c0 = tcp_client(tcp_base() + 2);

		ctrl_wait(&g, 0, EV_PORT_OPEN, 1);
		tx_all(&g, 0, "again", 5);
		host_recv(c0, buf, 5);
		assert_memory_equal(buf, "again", 5);
		close(c0);
	}
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

/* A client that stops reading stalls its port only; the rest flows; nothing is lost. */
static void
test_backpressure(void **state)
{
	enum { LEN = 2 * 1024 * 1024 };
	static struct vhd_fe_app a;
	static uint8_t out[LEN], got[LEN];
	char u0[128], u1[128], buf[8];
	const char *extra[] = {"--ports", "2", "--port", NULL, "--port", NULL, NULL};
	size_t sent = 0, rcvd = 0;
	struct guest g;
	int c0, c1, sz = 4096;
	int64_t end;
	unsigned int i;

	(void)state;
	vhd_it_app_init(&a, "console");
	extra[3] = unix_spec(&a, 0, u0, sizeof(u0));
	extra[5] = unix_spec(&a, 1, u1, sizeof(u1));
	vhd_it_app_start(&a, NULL, extra, 1);
	guest_up(&g, &a, 2, F_ALL, true);
	c0 = unix_client(u0);
	setsockopt(c0, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	c1 = unix_client(u1);
	ctrl_wait(&g, 0, EV_PORT_OPEN, 1);
	ctrl_wait(&g, 1, EV_PORT_OPEN, 1);
	fill(out, LEN, 3);
	/* Write until port 0's ring holds everything in flight: the backend stopped taking. */
	end = vhd_fe_app_now_ms() + WAIT_MS;
	while (vhd_fe_app_now_ms() < end && sent < LEN) {
		size_t k = tx_some(&g, 0, out + sent, LEN - sent);

		sent += k;
		if (k == 0) {
			vhd_fe_app_sleep_ms(50);
			tx_reap(&g, 0);
			if (g.ntxfree[0] == 0)
				break;
		}
	}
	assert_true(sent < LEN);      /* it did stall, bounded */
	assert_int_equal(g.ntxfree[0], 0);
	/* Meanwhile port 1 works both ways, many times. */
	for (i = 0; i < 20; i++) {
		int c0b;

		tx_all(&g, 1, "ping", 4);
		host_recv(c1, buf, 4);
		assert_memory_equal(buf, "ping", 4);
		host_send(c1, "pong", 4);
		rx_all(&g, 1, buf, 4);
		assert_memory_equal(buf, "pong", 4);
		(void)c0b;
	}
	/* The stalled client reads: everything arrives, in order. */
	fcntl(c0, F_SETFL, O_NONBLOCK);
	end = vhd_fe_app_now_ms() + 30000;
	while (rcvd < LEN && vhd_fe_app_now_ms() < end) {
		ssize_t n = recv(c0, got + rcvd, LEN - rcvd, 0);

		if (n > 0)
			rcvd += (size_t)n;
		if (sent < LEN)
			sent += tx_some(&g, 0, out + sent, LEN - sent);
		if (n <= 0)
			vhd_fe_app_sleep_ms(1);
	}
	assert_int_equal(rcvd, LEN);
	assert_memory_equal(got, out, LEN);
	close(c0);
	close(c1);
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

/* Output before any client is kept (bounded) and replayed in order. */
static void
test_late_client(void **state)
{
	static struct vhd_fe_app a;
	char tcp[32], buf[32];
	const char *extra[] = {"-b", "network", "-p", tcp, NULL};
	struct guest g;
	int c;

	(void)state;
	snprintf(tcp, sizeof(tcp), "%u", tcp_base() + 3);
	vhd_it_app_up(&a, "console", extra, 1);
	guest_up(&g, &a, 1, F_ALL, true);
	tx_all(&g, 0, "one ", 4);
	tx_all(&g, 0, "two ", 4);
	tx_all(&g, 0, "three", 5);
	vhd_fe_app_sleep_ms(50);
	c = tcp_client(tcp_base() + 3);
	host_recv(c, buf, 13);
	assert_memory_equal(buf, "one two three", 13);
	close(c);
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

/* Malformed control messages and buffers: counted, the device keeps serving. */
static void
test_malformed(void **state)
{
	static struct vhd_fe_app a;
	char u0[128], buf[8];
	const char *extra[] = {"--ports", "2", "--port", NULL, NULL};
	const uint8_t shortmsg[5] = {0, 0, 0, 0, 3};
	struct guest g;
	struct vhd_fe_buf fb;
	uint8_t *b;
	int c;

	(void)state;
	vhd_it_app_init(&a, "console");
	extra[3] = unix_spec(&a, 0, u0, sizeof(u0));
	vhd_it_app_start(&a, NULL, extra, 1);
	guest_up(&g, &a, 2, F_ALL, false);
	ctrl_send_raw(&g, shortmsg, sizeof(shortmsg));
	ctrl_send(&g, 9, EV_PORT_READY, 1);         /* no such port */
	ctrl_send(&g, 0, EV_PORT_ADD, 1);           /* device -> driver event */
	ctrl_send(&g, 0, EV_RESIZE, 0);
	ctrl_send(&g, 0, 1234, 1);                  /* unknown */
	ctrl_send(&g, 0xffffffffu, EV_PORT_OPEN, 1);
	/* A read-only receive buffer, a write-only transmit buffer, an empty control buffer. */
	b = gmem(&g, 64);
	fb = (struct vhd_fe_buf){b, 64};
	assert_true(vhd_fe_post(g.fe, rxq(1), &fb, 1, 0, false, NULL, true) >= 0);
	assert_true(vhd_fe_post(g.fe, txq(1), &fb, 0, 1, false, NULL, true) >= 0);
	fb.len = 4;
	assert_true(vhd_fe_post(g.fe, CTRL_RX, &fb, 0, 1, false, NULL, true) >= 0);
	vhd_fe_app_sleep_ms(50);
	ctrl_poll(&g);
	assert_int_equal(g.nlog, 0);
	/* Then a normal start works. */
	ctrl_send(&g, 0, EV_DEVICE_READY, 1);
	ctrl_wait(&g, 0, EV_PORT_ADD, 1);
	ctrl_wait(&g, 1, EV_PORT_ADD, 1);
	ctrl_send(&g, 0, EV_PORT_READY, 1);
	ctrl_wait(&g, 0, EV_CONSOLE_PORT, 1);
	ctrl_send(&g, 0, EV_PORT_OPEN, 1);
	c = unix_client(u0);
	ctrl_wait(&g, 0, EV_PORT_OPEN, 1);
	host_send(c, "fine", 4);
	rx_all(&g, 0, buf, 4);
	assert_memory_equal(buf, "fine", 4);
	close(c);
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

/* emerg_wr through SET_CONFIG, the way QEMU's generic device forwards it. */
static void
test_emergency_write(void **state)
{
	static struct vhd_fe_app a;
	char u0[128], buf[4];
	const char *extra[] = {"--port", NULL, NULL};
	uint8_t cfg[12];
	uint32_t v = htole32('Z');
	struct guest g;
	int c;

	(void)state;
	vhd_it_app_init(&a, "console");
	extra[1] = unix_spec(&a, 0, u0, sizeof(u0));
	vhd_it_app_start(&a, NULL, extra, 1);
	guest_up(&g, &a, 1, F_ALL, true);
	c = unix_client(u0);
	assert_int_equal(vhd_fe_get_config(g.fe, 0, cfg, sizeof(cfg)), 0);
	memcpy(cfg + 8, &v, 4);
	assert_int_equal(vhd_fe_set_config(g.fe, 0, cfg, sizeof(cfg)), 0);
	host_recv(c, buf, 1);
	assert_int_equal(buf[0], 'Z');
	close(c);
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

/* Without MULTIPORT: port 0's two queues only, no control. */
static void
test_single_port(void **state)
{
	static struct vhd_fe_app a;
	char u0[128], buf[8];
	const char *extra[] = {"--port", NULL, NULL};
	struct guest g;
	int c;

	(void)state;
	vhd_it_app_init(&a, "console");
	extra[1] = unix_spec(&a, 0, u0, sizeof(u0));
	vhd_it_app_start(&a, NULL, extra, 1);
	guest_up(&g, &a, 1, F_ALL & ~F_MULTIPORT, false);
	c = unix_client(u0);
	host_send(c, "in", 2);
	rx_all(&g, 0, buf, 2);
	assert_memory_equal(buf, "in", 2);
	tx_all(&g, 0, "out", 3);
	host_recv(c, buf, 3);
	assert_memory_equal(buf, "out", 3);
	close(c);
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

/* Two sockets, network backend: guest i on -p + i. */
static void
test_two_sockets(void **state)
{
	static struct vhd_fe_app a;
	char tcp[32], buf[4];
	const char *extra[] = {"-b", "network", "-p", tcp, "-c", "2", NULL};
	struct vhd_fe *fe;
	struct guest g;
	unsigned int i;

	(void)state;
	snprintf(tcp, sizeof(tcp), "%u", tcp_base() + 4);
	vhd_it_app_up(&a, "console", extra, 2);
	for (i = 0; i < 2; i++) {
		int c = tcp_client((uint16_t)(tcp_base() + 4 + i));

		memset(&g, 0, sizeof(g));
		g.nports = 1;
		g.mp = false;
		g.nq = 2;
		fe = vhd_it_fe_up(&a, i, F_ALL & ~F_MULTIPORT, 2, QSZ);
		g.fe = fe;
		g.txfree[0][0] = gmem(&g, TXSZ);
		g.ntxfree[0] = 1;
		tx_all(&g, 0, i == 0 ? "s0" : "s1", 2);
		host_recv(c, buf, 2);
		assert_memory_equal(buf, i == 0 ? "s0" : "s1", 2);
		close(c);
		vhd_it_fe_done(fe);
	}
	vhd_it_app_down(&a, 1);
}

/* nested (upstream's default): guest output on the app's stdout; stdin at EOF is not fatal. */
static void
test_nested_and_log(void **state)
{
	static struct vhd_fe_app a;
	char log[160], out[256], lbuf[256];
	const char *extra[] = {"--log", log, "--log-timestamps", NULL};
	struct guest g;
	int64_t end;
	int fd;
	ssize_t n = 0;

	(void)state;
	vhd_it_app_init(&a, "console");
	snprintf(log, sizeof(log), "%.120s/con.log", a.dir);
	vhd_it_app_start(&a, NULL, extra, 1);
	guest_up(&g, &a, 1, F_ALL, true);
	tx_all(&g, 0, "line one\nline two\n", 18);
	end = vhd_fe_app_now_ms() + WAIT_MS;
	memset(out, 0, sizeof(out));
	while (strstr(out, "line two\n") == NULL && vhd_fe_app_now_ms() < end) {
		vhd_fe_app_sleep_ms(10);
		vhd_fe_app_output(&a, true, out, sizeof(out));
	}
	assert_non_null(strstr(out, "line one\nline two\n"));
	/* The log has the same bytes, each line behind a [seconds.micros] stamp. */
	fd = open(log, O_RDONLY);
	assert_true(fd >= 0);
	memset(lbuf, 0, sizeof(lbuf));
	n = read(fd, lbuf, sizeof(lbuf) - 1);
	close(fd);
	assert_true(n > 18);
	assert_int_equal(lbuf[0], '[');
	assert_non_null(strstr(lbuf, "] line one\n["));
	assert_non_null(strstr(lbuf, "] line two\n"));
	vhd_it_fe_done(g.fe);
	vhd_it_app_down(&a, 1);
}

static void
test_bad_options(void **state)
{
	static const char *const bad_b[] = {"-b", "serial", NULL};
	static const char *const nested2[] = {"-c", "2", NULL};
	static const char *const bad_p[] = {"-b", "network", "-p", "70000", NULL};
	static const char *const bad_q[] = {"-q", "0", NULL};
	static const char *const bad_ports[] = {"--ports", "8", NULL};
	static const char *const port_range[] = {"--port", "2=null", NULL};
	static const char *const port_spec[] = {"--ports", "2", "--port", "1=serial", NULL};
	static const char *const port_name[] = {"--ports", "2", "--port-name", "1=a/b", NULL};
	static const char *const nested1[] = {"--ports", "2", "--port", "1=nested", NULL};
	static const char *const bind_fail[] = {"--port", "0=tcp:8.8.8.8:1", NULL};
	static const char *const unix_dir[] = {"--port", "0=unix:/nonexistent/d/s", NULL};
	static const char *const ts[] = {"-b", "network", "--log-timestamps", NULL};
	static const char *const dpdk[] = {"EAL: ", "TELEMETRY: ", "VHOST_CONFIG: ", NULL};
	static const struct vhd_it_bad_cmdline con = {.name = "console", .ignore = dpdk};

	(void)state;
	vhd_it_bad_cmdline(&con, "-b serial", bad_b, true, "serial");
	vhd_it_bad_cmdline(&con, "nested with two sockets", nested2, true, "nested");
	vhd_it_bad_cmdline(&con, "-p 70000", bad_p, true, "70000");
	vhd_it_bad_cmdline(&con, "-q 0", bad_q, true, "0");
	vhd_it_bad_cmdline(&con, "--ports 8", bad_ports, true, "8");
	vhd_it_bad_cmdline(&con, "--port beyond --ports", port_range, true, "--ports");
	vhd_it_bad_cmdline(&con, "--port 1=serial", port_spec, true, "serial");
	vhd_it_bad_cmdline(&con, "--port-name with /", port_name, true, "a/b");
	vhd_it_bad_cmdline(&con, "nested on port 1", nested1, true, "nested");
	vhd_it_bad_cmdline(&con, "TCP address not ours", bind_fail, true, "8.8.8.8");
	vhd_it_bad_cmdline(&con, "Unix socket directory missing", unix_dir, true,
			   "/nonexistent/d/s");
	vhd_it_bad_cmdline(&con, "--log-timestamps without --log", ts, true, "--log");
}

int
main(int argc, char **argv)
{
#define T(f) VHD_IT_TEST(f)
	const struct CMUnitTest tests[] = {
		T(test_bringup),
		T(test_data_ports),
		T(test_paste),
		T(test_reconnect),
		T(test_backpressure),
		T(test_late_client),
		T(test_malformed),
		T(test_emergency_write),
		T(test_single_port),
		T(test_two_sockets),
		T(test_nested_and_log),
		T(test_bad_options),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
