/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-console (device id 3), port 0 without MULTIPORT: receiveq 0 with
 * page-sized buffers kept posted, transmitq 1 with --size byte writes. The
 * host side of the port is a client thread of this tool on --peer.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhd_fe.h"
#include "vhd_perf_console.h"
#include "vhd_perf_cpu.h"
#include "vhd_perf_gen.h"
#include "vhd_perf_sock.h"
#include "vhd_perf_stats.h"
#include "vhd_perf_time.h"

#define RXQ 0
#define TXQ 1
#define RING 128      /* the backend's default -q */
#define NRX 64       /* receive buffers kept posted */
#define RXSZ 4096
#define NTX 32       /* most transmit buffers in flight */
#define MAX_SIZE VHD_PERF_SOCK_MAX
#define STALL_NS (5000ULL * 1000000ULL)

static int
console_check(const struct vhd_perf_gen_cfg *cfg)
{
	const char *op = cfg->op != NULL ? cfg->op : "echo";

	if (strcmp(op, "echo") != 0 && strcmp(op, "tx") != 0 && strcmp(op, "rx") != 0) {
		fprintf(stderr, "vhd-perf: console --op must be echo, tx or rx\n");
		return -1;
	}
	if (cfg->size == 0 || cfg->size > (strcmp(op, "echo") == 0 ? RXSZ : MAX_SIZE)) {
		fprintf(stderr, "vhd-perf: console --size must be in [1, %u] (echo: %u)\n",
			MAX_SIZE, RXSZ);
		return -1;
	}
	return 0;
}

/* The generic closed loop is not used for the console: see vhd_perf_console(). */
const struct vhd_perf_gen vhd_perf_gen_console = {
	.name = "console",
	.help = "port 0: --op echo (latency) | tx | rx (bulk), host client on --peer",
	.virtio_id = 3,
	.num_queues = 2,
	.queue = TXQ,
	.default_size = 1,
	.descs = 1,
	.check = console_check,
};

struct con {
	const struct vhd_perf_run_cfg *cfg;
	const char *op;
	struct vhd_fe *fe;
	struct vhd_fe_ring *rx, *tx;
	uint8_t *txbuf[NTX];
	unsigned int ntxfree;
	uint8_t *txfree[NTX];
	int peer;            /* our client of the backend's port 0 */
	int fl[2];           /* the floor's socket pair: [0] ours, [1] the echo thread's */
	volatile bool stop;
};

/* Connect to "unix:PATH" or "tcp:PORT"; @p fl gets a socket pair of the same kind. */
static int
peer_connect(const char *peer, uint32_t timeout_ms, int fl[2])
{
	uint64_t until = vhd_perf_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct sockaddr_storage ss;
	struct sockaddr_un *su = (struct sockaddr_un *)&ss;
	struct sockaddr_in *si = (struct sockaddr_in *)&ss;
	socklen_t len;
	int fd, one = 1, lfd;

	memset(&ss, 0, sizeof(ss));
	if (strncmp(peer, "unix:", 5) == 0 && strlen(peer + 5) < sizeof(su->sun_path)) {
		su->sun_family = AF_UNIX;
		strcpy(su->sun_path, peer + 5);
		len = sizeof(*su);
	} else if (strncmp(peer, "tcp:", 4) == 0 && atoi(peer + 4) > 0) {
		si->sin_family = AF_INET;
		si->sin_port = htons((uint16_t)atoi(peer + 4));
		si->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*si);
	} else {
		fprintf(stderr, "vhd-perf: --peer must be unix:PATH or tcp:PORT\n");
		return -1;
	}
	for (;;) {
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&ss, len) == 0)
			break;
		if (fd >= 0)
			close(fd);
		if (vhd_perf_now_ns() > until) {
			fprintf(stderr, "vhd-perf: --peer %s: %s\n", peer, strerror(errno));
			return -1;
		}
		usleep(10000);
	}
	if (ss.ss_family == AF_UNIX) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fl) != 0)
			goto fail;
		return fd;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* The floor over loopback TCP as well: listen on an ephemeral port, connect to it. */
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	si->sin_port = 0;
	len = sizeof(*si);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)si, len) != 0 || listen(lfd, 1) != 0 ||
	    getsockname(lfd, (struct sockaddr *)si, &len) != 0)
		goto fail;
	fl[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fl[0] < 0 || connect(fl[0], (struct sockaddr *)si, len) != 0)
		goto fail;
	fl[1] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	close(lfd);
	if (fl[1] < 0)
		goto fail;
	setsockopt(fl[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fl[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	fprintf(stderr, "vhd-perf: floor socket pair: %s\n", strerror(errno));
	close(fd);
	return -1;
}

static int
setup(struct con *c)
{
	struct vhd_fe_opts fo = { .mem_size = 8u << 20 };
	uint64_t want = VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_EVENT_IDX) |
			VHD_BIT(VHD_F_RING_INDIRECT_DESC);
	unsigned int i;
	uint16_t q;
	int err;

	c->fe = vhd_fe_create(&fo);
	if (c->fe == NULL)
		return vhd_perf_fe_fail(NULL, "creating the frontend", -errno);
	err = vhd_fe_connect(c->fe, c->cfg->socket, (int)c->cfg->connect_ms);
	if (err == 0)
		err = vhd_fe_negotiate(c->fe, want, VHD_FE_PROTO_DEFAULT);
	for (q = RXQ; err == 0 && q <= TXQ; q++) {
		err = vhd_fe_queue_setup(c->fe, q, RING);
		if (err == 0)
			err = vhd_fe_queue_start(c->fe, q);
	}
	if (err != 0)
		return vhd_perf_fe_fail(c->fe, c->cfg->socket, err);
	c->rx = vhd_fe_queue_ring(c->fe, RXQ);
	c->tx = vhd_fe_queue_ring(c->fe, TXQ);
	for (i = 0; i < NRX; i++) {
		uint8_t *b = vhd_fe_mem_alloc(vhd_fe_mem(c->fe), RXSZ, 64, NULL);
		struct vhd_fe_buf fb = { b, RXSZ };

		if (b == NULL || vhd_fe_ring_add(c->rx, &fb, 0, 1, false, b) < 0)
			return vhd_perf_fe_fail(c->fe, "posting receive buffers", -ENOMEM);
	}
	vhd_fe_publish(c->fe, RXQ, true);
	for (i = 0; i < NTX; i++) {
		c->txbuf[i] = vhd_fe_mem_alloc(vhd_fe_mem(c->fe), MAX_SIZE, 64, NULL);
		if (c->txbuf[i] == NULL)
			return vhd_perf_fe_fail(c->fe, "transmit buffers", -ENOMEM);
		memset(c->txbuf[i], 'x', MAX_SIZE);
		c->txfree[i] = c->txbuf[i];
	}
	c->ntxfree = NTX;
	vhd_fe_ring_want_calls(c->rx, c->cfg->style == VHD_PERF_NOTIFY);
	vhd_fe_ring_want_calls(c->tx, false);
	return 0;
}

/* Receive buffers back: their bytes, re-posted at once. */
static uint64_t
rx_drain(struct con *c, uint64_t *bufs)
{
	uint64_t bytes = 0;
	uint32_t len;
	void *ck;
	bool any = false;

	while (vhd_fe_ring_get_used(c->rx, NULL, &len, &ck) == 1) {
		struct vhd_fe_buf fb = { ck, RXSZ };

		bytes += len;
		if (bufs != NULL)
			(*bufs)++;
		vhd_fe_ring_add(c->rx, &fb, 0, 1, false, ck);
		any = true;
	}
	if (any)
		vhd_fe_publish(c->fe, RXQ, true);
	return bytes;
}

static unsigned int
tx_reap(struct con *c)
{
	unsigned int n = 0;
	uint32_t len;
	void *ck;

	while (vhd_fe_ring_get_used(c->tx, NULL, &len, &ck) == 1) {
		c->txfree[c->ntxfree++] = ck;
		n++;
	}
	return n;
}

static int
tx_post(struct con *c, uint32_t size, struct vhd_perf_result *out)
{
	struct vhd_fe_buf fb = { c->txfree[--c->ntxfree], size };
	int rc = vhd_fe_ring_add(c->tx, &fb, 1, 0, false, fb.ptr);

	if (rc >= 0)
		rc = vhd_fe_publish(c->fe, TXQ, true);
	if (rc < 0)
		return vhd_perf_fe_fail(c->fe, "posting a write", rc);
	out->kicks += (uint64_t)rc;
	return 0;
}

/* Wait for anything on @p q's ring: spinning or asleep on its call. */
static int
wait_q(struct con *c, uint16_t q, struct vhd_perf_result *out)
{
	int rc = vhd_perf_wait_used(c->fe, q, q == RXQ ? c->rx : c->tx,
				    q == RXQ ? c->cfg->style : VHD_PERF_POLL, STALL_NS, out);

	if (rc == 0)
		fprintf(stderr, "vhd-perf: console backend stalled (queue %u)\n", q);
	return rc > 0 ? 0 : -1;
}

/* One echo of @p size bytes through the device; @p lat in ns. */
static int
echo_once(struct con *c, uint32_t size, uint64_t *lat, struct vhd_perf_result *out)
{
	uint64_t t0 = vhd_perf_now_ns(), got = 0;

	tx_reap(c);
	if (c->ntxfree == 0 && wait_q(c, TXQ, out) != 0)
		return -1;
	tx_reap(c);
	if (tx_post(c, size, out) != 0)
		return -1;
	while (got < size) {
		got += rx_drain(c, NULL);
		if (got < size && vhd_fe_ring_used_pending(c->rx) == 0 &&
		    wait_q(c, RXQ, out) != 0)
			return -1;
	}
	*lat = vhd_perf_now_ns() - t0;
	return got == size ? 0 : -1;
}

static int
loop(struct con *c, struct vhd_perf_hist *h, struct vhd_perf_hist *fh,
     struct vhd_perf_result *out)
{
	const struct vhd_perf_run_cfg *cfg = c->cfg;
	uint32_t size = cfg->gen_cfg.size, qd = cfg->qd == 0 ? 1 : cfg->qd;
	uint64_t i, lat = 0, flat = 0;
	uint64_t total = cfg->duration_s > 0 ? UINT64_MAX : cfg->warmup + cfg->count;
	struct vhd_perf_meter m = { .stop_at = UINT64_MAX };

	if (qd > NTX)
		qd = NTX;
	for (i = 0; i < total && vhd_perf_now_ns() < m.stop_at; i++) {
		uint64_t bufs = 0, bytes = 0;

		if (i == cfg->warmup)
			vhd_perf_meter_start(&m, cfg, out);
		if (strcmp(c->op, "echo") == 0) {
			if (echo_once(c, size, &lat, out) != 0 ||
			    vhd_perf_sock_echo(c->fl[0], size, cfg->style == VHD_PERF_POLL,
					       &flat) != 0)
				return -1;
			bytes = size;
			bufs = 1;
		} else if (strcmp(c->op, "tx") == 0) {
			bufs = tx_reap(c);
			while (NTX - c->ntxfree < qd)
				if (tx_post(c, size, out) != 0)
					return -1;
			if (bufs == 0 && wait_q(c, TXQ, out) != 0)
				return -1;
			bytes = bufs * size;
		} else {
			bytes = rx_drain(c, &bufs);
			if (bufs == 0 && wait_q(c, RXQ, out) != 0)
				return -1;
		}
		if (i < cfg->warmup)
			continue;
		out->reqs += bufs;
		out->bytes += bytes;
		if (strcmp(c->op, "echo") == 0) {
			vhd_perf_hist_add(h, lat);
			vhd_perf_hist_add(fh, flat);
		}
	}
	if (i <= cfg->warmup) {
		fprintf(stderr, "vhd-perf: nothing measured\n");
		return -1;
	}
	vhd_perf_meter_stop(&m, cfg, out);
	return 0;
}

int
vhd_perf_console(const struct vhd_perf_run_cfg *cfg, const char *peer,
		 struct vhd_perf_result *out)
{
	struct con c = { .cfg = cfg, .peer = -1, .fl = { -1, -1 } };
	struct vhd_perf_sock_thr pt = {.up = false}, ft = {.up = false};
	struct vhd_perf_hist *h = malloc(sizeof(*h)), *fh = malloc(sizeof(*fh));
	bool echo;
	int rc = -1;

	c.op = cfg->gen_cfg.op != NULL ? cfg->gen_cfg.op : "echo";
	echo = strcmp(c.op, "echo") == 0;
	memset(out, 0, sizeof(*out));
	out->device = "console";
	out->style = cfg->style == VHD_PERF_POLL ? "poll" : "notify";
	out->qd = strcmp(c.op, "tx") == 0 ? cfg->qd : 1;
	out->size = cfg->gen_cfg.size;
	out->backend_cpu_pct = -1;
	out->backend_idle_cpu_pct = -1;
	if (h == NULL || fh == NULL || peer == NULL) {
		fprintf(stderr, "vhd-perf: %s\n", peer == NULL ? "console needs --peer" :
			"out of memory");
		goto out;
	}
	vhd_perf_hist_init(h);
	vhd_perf_hist_init(fh);
	if (setup(&c) != 0)
		goto out;
	c.peer = peer_connect(peer, cfg->connect_ms, c.fl);
	if (c.peer < 0)
		goto out;
	if (vhd_perf_sock_thr_start(&pt, c.peer, echo ? VHD_PERF_SOCK_ECHO :
				    strcmp(c.op, "tx") == 0 ? VHD_PERF_SOCK_DISCARD :
				    VHD_PERF_SOCK_WRITE, cfg->gen_cfg.size, &c.stop) != 0 ||
	    (echo && vhd_perf_sock_thr_start(&ft, c.fl[1], VHD_PERF_SOCK_ECHO, 0, &c.stop) != 0)) {
		fprintf(stderr, "vhd-perf: cannot start the host client thread\n");
		goto out;
	}
	if (loop(&c, h, fh, out) != 0)
		goto out;
	if (echo) {
		vhd_perf_hist_summary(h, &out->lat);
		vhd_perf_hist_summary(fh, &out->path);
		out->path_name = peer[0] == 'u' ? "unix socketpair echo" : "loopback tcp echo";
	}
	rc = 0;
out:
	c.stop = true;
	vhd_perf_sock_thr_stop(&pt);
	vhd_perf_sock_thr_stop(&ft);
	if (c.peer >= 0)
		close(c.peer);
	if (c.fl[0] >= 0)
		close(c.fl[0]);
	if (c.fl[1] >= 0)
		close(c.fl[1]);
	vhd_fe_destroy(c.fe);
	free(h);
	free(fh);
	return rc;
}
