/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-vsock (device id 19): the guest side of one stream connection from
 * guest port 1234 to host port 5000, with the credit a driver keeps
 * (buf_alloc 4 MiB, CREDIT_UPDATE when half of it was consumed).
 */

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhd_fe.h"
#include "vhd_perf_cpu.h"
#include "vhd_perf_gen.h"
#include "vhd_perf_sock.h"
#include "vhd_perf_stats.h"
#include "vhd_perf_time.h"
#include "vhd_perf_vsock.h"

#define RXQ 0
#define TXQ 1
#define RING 128 /* QEMU's vhost-vsock ring size */
#define NRX 64
#define HDR 44
#define MAX_SIZE VHD_PERF_SOCK_MAX
#define RXSZ (HDR + MAX_SIZE)
#define NTX 32
#define GPORT 1234
#define HPORT 5000
#define BUF_ALLOC (4u << 20)
#define STALL_NS (5000ULL * 1000000ULL)
#define CEIL_BYTES (512ULL << 20)

enum { OP_REQUEST = 1, OP_RESPONSE, OP_RST, OP_SHUTDOWN, OP_RW, OP_CREDIT_UPDATE,
       OP_CREDIT_REQUEST };

struct hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
} __attribute__((packed));

static int
vsock_check(const struct vhd_perf_gen_cfg *cfg)
{
	const char *op = cfg->op != NULL ? cfg->op : "echo";

	if (strcmp(op, "echo") != 0 && strcmp(op, "tx") != 0 && strcmp(op, "rx") != 0) {
		fprintf(stderr, "vhd-perf: vsock --op must be echo, tx or rx\n");
		return -1;
	}
	if (cfg->size == 0 || cfg->size > MAX_SIZE) {
		fprintf(stderr, "vhd-perf: vsock --size must be in [1, %u]\n", MAX_SIZE);
		return -1;
	}
	return 0;
}

/* The generic closed loop is not used for vsock: see vhd_perf_vsock(). */
const struct vhd_perf_gen vhd_perf_gen_vsock = {
	.name = "vsock",
	.help = "one connection: --op echo (latency) | tx | rx (bulk), host side on --peer",
	.virtio_id = 19,
	.num_queues = 2,
	.queue = TXQ,
	.default_size = 64,
	.descs = 1,
	.check = vsock_check,
};

struct vs {
	const struct vhd_perf_run_cfg *cfg;
	const char *op;
	struct vhd_fe *fe;
	struct vhd_fe_ring *rx, *tx;
	uint64_t cid;
	uint8_t *txfree[NTX];
	unsigned int ntxfree;
	/* credit: ours (host to guest) and the device's (guest to host) */
	uint32_t fwd_cnt, last_fwd_sent;
	uint32_t peer_buf_alloc, peer_fwd_cnt, tx_cnt;
	uint64_t rx_bytes;  /* RW payload received */
	uint64_t reaped;    /* RW payload of the tx buffers returned */
	bool dead;          /* RST or SHUTDOWN seen */
	int lfd, hfd;       /* the host program: its listener, its connection */
	int fl[2];          /* floor / ceiling socket pair */
	volatile bool stop;
};

static uint32_t
credit(const struct vs *v)
{
	uint32_t in_flight = v->tx_cnt - v->peer_fwd_cnt;

	return in_flight >= v->peer_buf_alloc ? 0 : v->peer_buf_alloc - in_flight;
}

/* Tx buffers back; @p bytes (if given) gets the RW payload they carried. */
static unsigned int
tx_reap(struct vs *v, uint64_t *bytes)
{
	unsigned int n = 0;
	uint32_t len;
	void *ck;

	while (vhd_fe_ring_get_used(v->tx, NULL, &len, &ck) == 1) {
		const struct hdr *h = ck;

		if (bytes != NULL && le16toh(h->op) == OP_RW)
			*bytes += le32toh(h->len);
		v->txfree[v->ntxfree++] = ck;
		n++;
	}
	return n;
}

static int
wait_q(struct vs *v, uint16_t q, struct vhd_perf_result *out)
{
	int rc = vhd_perf_wait_used(v->fe, q, q == RXQ ? v->rx : v->tx, v->cfg->style, STALL_NS,
				    out);

	if (rc == 0)
		fprintf(stderr, "vhd-perf: vsock backend stalled (queue %u)\n", q);
	return rc > 0 ? 0 : -1;
}

/* One packet on tx (a free buffer is waited for). */
static int
tx_send(struct vs *v, uint16_t op, uint32_t len, struct vhd_perf_result *out)
{
	struct vhd_fe_buf fb;
	struct hdr *h;
	int rc;

	tx_reap(v, &v->reaped);
	while (v->ntxfree == 0) {
		if (wait_q(v, TXQ, out) != 0)
			return -1;
		tx_reap(v, &v->reaped);
	}
	h = (struct hdr *)v->txfree[--v->ntxfree];
	*h = (struct hdr){htole64(v->cid), htole64(2), htole32(GPORT), htole32(HPORT),
			  htole32(len), htole16(1), htole16(op), 0, htole32(BUF_ALLOC),
			  htole32(v->fwd_cnt)};
	v->last_fwd_sent = v->fwd_cnt;
	if (op == OP_RW)
		v->tx_cnt += len;
	fb = (struct vhd_fe_buf){h, HDR + len};
	rc = vhd_fe_ring_add(v->tx, &fb, 1, 0, false, h);
	if (rc >= 0)
		rc = vhd_fe_publish(v->fe, TXQ, true);
	if (rc < 0)
		return vhd_perf_fe_fail(v->fe, "posting a packet", rc);
	out->kicks += (uint64_t)rc;
	return 0;
}

/* Every packet the device sent: credit, data, the connection's end. @return packets. */
static int
rx_process(struct vs *v, uint16_t *last_op, struct vhd_perf_result *out)
{
	bool any = false, want_update = false;
	uint32_t len;
	void *ck;
	int n = 0;

	while (vhd_fe_ring_get_used(v->rx, NULL, &len, &ck) == 1) {
		struct hdr *h = ck;
		struct vhd_fe_buf fb = {ck, RXSZ};
		uint16_t op = le16toh(h->op);

		v->peer_buf_alloc = le32toh(h->buf_alloc);
		v->peer_fwd_cnt = le32toh(h->fwd_cnt);
		if (op == OP_RW) {
			v->rx_bytes += le32toh(h->len);
			v->fwd_cnt += le32toh(h->len);
		} else if (op == OP_CREDIT_REQUEST) {
			want_update = true;
		} else if (op == OP_RST || op == OP_SHUTDOWN) {
			v->dead = true;
		}
		if (last_op != NULL)
			*last_op = op;
		vhd_fe_ring_add(v->rx, &fb, 0, 1, false, ck);
		any = true;
		n++;
	}
	if (any)
		vhd_fe_publish(v->fe, RXQ, true);
	if ((want_update || v->fwd_cnt - v->last_fwd_sent >= BUF_ALLOC / 2) &&
	    tx_send(v, OP_CREDIT_UPDATE, 0, out) != 0)
		return -1;
	if (v->dead) {
		fprintf(stderr, "vhd-perf: vsock connection reset by the backend\n");
		return -1;
	}
	return n;
}

static int
unix_path(const char *peer, uint32_t port, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strncmp(peer, "unix:", 5) != 0 ||
	    (size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "%s_%u", peer + 5, port) >=
		    sizeof(sa->sun_path)) {
		fprintf(stderr, "vhd-perf: vsock --peer must be unix:UDS_PATH (short enough)\n");
		return -1;
	}
	return 0;
}

static int
setup(struct vs *v, const char *peer, struct vhd_perf_result *out)
{
	struct vhd_fe_opts fo = {.mem_size = 16u << 20};
	uint64_t want = VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_EVENT_IDX) |
			VHD_BIT(VHD_F_RING_INDIRECT_DESC);
	struct sockaddr_un sa;
	uint16_t op = 0, q;
	unsigned int i;
	int err;

	if (unix_path(peer, HPORT, &sa) != 0)
		return -1;
	unlink(sa.sun_path);
	v->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (v->lfd < 0 || bind(v->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(v->lfd, 4) != 0) {
		fprintf(stderr, "vhd-perf: listening on %s: %s\n", sa.sun_path, strerror(errno));
		return -1;
	}
	v->fe = vhd_fe_create(&fo);
	if (v->fe == NULL)
		return vhd_perf_fe_fail(NULL, "creating the frontend", -errno);
	err = vhd_fe_connect(v->fe, v->cfg->socket, (int)v->cfg->connect_ms);
	if (err == 0)
		err = vhd_fe_negotiate(v->fe, want, VHD_FE_PROTO_DEFAULT);
	if (err == 0)
		err = vhd_fe_get_config(v->fe, 0, &v->cid, sizeof(v->cid));
	for (q = RXQ; err == 0 && q <= TXQ; q++) {
		err = vhd_fe_queue_setup(v->fe, q, RING);
		if (err == 0)
			err = vhd_fe_queue_start(v->fe, q);
	}
	if (err != 0)
		return vhd_perf_fe_fail(v->fe, v->cfg->socket, err);
	v->cid = le64toh(v->cid);
	v->rx = vhd_fe_queue_ring(v->fe, RXQ);
	v->tx = vhd_fe_queue_ring(v->fe, TXQ);
	for (i = 0; i < NRX; i++) {
		uint8_t *b = vhd_fe_mem_alloc(vhd_fe_mem(v->fe), RXSZ, 64, NULL);
		struct vhd_fe_buf fb = {b, RXSZ};

		if (b == NULL || vhd_fe_ring_add(v->rx, &fb, 0, 1, false, b) < 0)
			return vhd_perf_fe_fail(v->fe, "posting rx buffers", -ENOMEM);
	}
	vhd_fe_publish(v->fe, RXQ, true);
	for (i = 0; i < NTX; i++) {
		v->txfree[i] = vhd_fe_mem_alloc(vhd_fe_mem(v->fe), HDR + MAX_SIZE, 64, NULL);
		if (v->txfree[i] == NULL)
			return vhd_perf_fe_fail(v->fe, "tx buffers", -ENOMEM);
		memset(v->txfree[i] + HDR, 'x', MAX_SIZE);
	}
	v->ntxfree = NTX;
	vhd_fe_ring_want_calls(v->rx, v->cfg->style == VHD_PERF_NOTIFY);
	vhd_fe_ring_want_calls(v->tx, v->cfg->style == VHD_PERF_NOTIFY);
	/* Connect: REQUEST, RESPONSE, and the host program's accept. */
	if (tx_send(v, OP_REQUEST, 0, out) != 0)
		return -1;
	while (op == 0) {
		if (wait_q(v, RXQ, out) != 0)
			return -1;
		if (rx_process(v, &op, out) < 0)
			return -1;
	}
	if (op != OP_RESPONSE) {
		fprintf(stderr, "vhd-perf: vsock connect to host port %u refused (op %u)\n", HPORT,
			op);
		return -1;
	}
	v->hfd = accept4(v->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (v->hfd < 0) {
		fprintf(stderr, "vhd-perf: accept: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* One echo of @p size bytes through the device; @p lat in ns. */
static int
echo_once(struct vs *v, uint32_t size, uint64_t *lat, struct vhd_perf_result *out)
{
	uint64_t t0 = vhd_perf_now_ns(), want = v->rx_bytes + size;

	while (credit(v) < size) {
		if (wait_q(v, RXQ, out) != 0 || rx_process(v, NULL, out) < 0)
			return -1;
	}
	if (tx_send(v, OP_RW, size, out) != 0)
		return -1;
	while (v->rx_bytes < want) {
		int n = rx_process(v, NULL, out);

		if (n < 0)
			return -1;
		if (n == 0 && v->rx_bytes < want && wait_q(v, RXQ, out) != 0)
			return -1;
	}
	*lat = vhd_perf_now_ns() - t0;
	return 0;
}

/* One step of a bulk run: @return bytes moved (>= 0) or -1. */
static int64_t
bulk_step(struct vs *v, uint32_t size, uint32_t qd, uint64_t *pkts, struct vhd_perf_result *out)
{
	uint64_t before = v->rx_bytes;
	unsigned int done;
	bool posted = false;
	int n;

	if (strcmp(v->op, "rx") == 0) {
		n = rx_process(v, NULL, out);
		if (n < 0)
			return -1;
		if (n == 0 && wait_q(v, RXQ, out) != 0)
			return -1;
		*pkts = (uint64_t)n;
		return (int64_t)(v->rx_bytes - before);
	}
	before = v->reaped;
	done = tx_reap(v, &v->reaped);
	if (rx_process(v, NULL, out) < 0)
		return -1;
	/* As a driver does: what the credit allows, up to --size a packet. */
	while (NTX - v->ntxfree < qd && v->ntxfree > 0 && credit(v) > 0) {
		if (tx_send(v, OP_RW, credit(v) < size ? credit(v) : size, out) != 0)
			return -1;
		posted = true;
	}
	if (done == 0 && !posted) {
		/* Out of credit: its update comes on rx; else wait for tx buffers. */
		if (wait_q(v, credit(v) == 0 ? RXQ : TXQ, out) != 0)
			return -1;
	}
	*pkts = done;
	return (int64_t)(v->reaped - before);
}

static int
loop(struct vs *v, struct vhd_perf_hist *h, struct vhd_perf_hist *fh,
     struct vhd_perf_result *out)
{
	const struct vhd_perf_run_cfg *cfg = v->cfg;
	uint32_t size = cfg->gen_cfg.size, qd = cfg->qd == 0 ? 1 : cfg->qd;
	uint64_t i, lat = 0, flat = 0;
	uint64_t total = cfg->duration_s > 0 ? UINT64_MAX : cfg->warmup + cfg->count;
	struct vhd_perf_meter m = {.stop_at = UINT64_MAX};
	bool echo = strcmp(v->op, "echo") == 0;

	if (qd > NTX)
		qd = NTX;
	for (i = 0; i < total && vhd_perf_now_ns() < m.stop_at; i++) {
		uint64_t pkts = 1;
		int64_t bytes = size;

		if (i == cfg->warmup)
			vhd_perf_meter_start(&m, cfg, out);
		if (echo) {
			if (echo_once(v, size, &lat, out) != 0 ||
			    vhd_perf_sock_echo(v->fl[0], size, cfg->style == VHD_PERF_POLL,
					       &flat) != 0)
				return -1;
		} else {
			bytes = bulk_step(v, size, qd, &pkts, out);
			if (bytes < 0)
				return -1;
		}
		if (i < cfg->warmup)
			continue;
		out->reqs += pkts;
		out->bytes += (uint64_t)bytes;
		if (echo) {
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

/* dd-style: a thread writes --size chunks into a socket pair, we read them. */
static int
ceiling(struct vs *v, uint32_t size, struct vhd_perf_source *ceil)
{
	static uint8_t buf[MAX_SIZE];
	struct vhd_perf_sock_thr wt;
	uint64_t t0, c0, got = 0;

	if (vhd_perf_sock_thr_start(&wt, v->fl[1], VHD_PERF_SOCK_WRITE, size, &v->stop) != 0)
		return -1;
	t0 = vhd_perf_now_ns();
	c0 = vhd_perf_thread_cpu_ns();
	while (got < CEIL_BYTES) {
		ssize_t n = recv(v->fl[0], buf, sizeof(buf), 0);

		if (n <= 0)
			break;
		got += (uint64_t)n;
		ceil->reads++;
	}
	ceil->elapsed_ns = vhd_perf_now_ns() - t0;
	ceil->cpu_ns = vhd_perf_thread_cpu_ns() - c0;
	ceil->bytes = got;
	ceil->size = size;
	ceil->path = "unix socketpair, writer thread (dd-style ceiling)";
	v->stop = true;
	vhd_perf_sock_thr_stop(&wt);
	v->stop = false;
	return got >= CEIL_BYTES ? 0 : -1;
}

int
vhd_perf_vsock(const struct vhd_perf_run_cfg *cfg, const char *peer,
	       struct vhd_perf_result *out, struct vhd_perf_source *ceil)
{
	struct vs v = {.cfg = cfg, .lfd = -1, .hfd = -1, .fl = {-1, -1}};
	struct vhd_perf_hist *h = malloc(sizeof(*h)), *fh = malloc(sizeof(*fh));
	struct vhd_perf_sock_thr ht = {.up = false}, ft = {.up = false};
	bool echo;
	struct sockaddr_un sa;
	int rc = -1;

	v.op = cfg->gen_cfg.op != NULL ? cfg->gen_cfg.op : "echo";
	echo = strcmp(v.op, "echo") == 0;
	memset(out, 0, sizeof(*out));
	memset(ceil, 0, sizeof(*ceil));
	out->device = "vsock";
	out->style = cfg->style == VHD_PERF_POLL ? "poll" : "notify";
	out->qd = echo ? 1 : cfg->qd;
	out->size = cfg->gen_cfg.size;
	out->backend_cpu_pct = -1;
	out->backend_idle_cpu_pct = -1;
	if (h == NULL || fh == NULL || peer == NULL) {
		fprintf(stderr, "vhd-perf: %s\n", peer == NULL ? "vsock needs --peer unix:UDS_PATH"
							       : "out of memory");
		goto out;
	}
	vhd_perf_hist_init(h);
	vhd_perf_hist_init(fh);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, v.fl) != 0) {
		fprintf(stderr, "vhd-perf: socketpair: %s\n", strerror(errno));
		goto out;
	}
	if (!echo && ceiling(&v, cfg->gen_cfg.size, ceil) != 0) {
		fprintf(stderr, "vhd-perf: socket pair ceiling failed\n");
		goto out;
	}
	if (!echo) {
		close(v.fl[0]);
		close(v.fl[1]);
		v.fl[0] = v.fl[1] = -1;
	}
	if (setup(&v, peer, out) != 0)
		goto out;
	if (vhd_perf_sock_thr_start(&ht, v.hfd, echo ? VHD_PERF_SOCK_ECHO :
				    strcmp(v.op, "tx") == 0 ? VHD_PERF_SOCK_DISCARD :
				    VHD_PERF_SOCK_WRITE, cfg->gen_cfg.size, &v.stop) != 0 ||
	    (echo && vhd_perf_sock_thr_start(&ft, v.fl[1], VHD_PERF_SOCK_ECHO, 0, &v.stop) != 0)) {
		fprintf(stderr, "vhd-perf: cannot start the host program thread\n");
		goto out;
	}
	if (loop(&v, h, fh, out) != 0)
		goto out;
	if (echo) {
		vhd_perf_hist_summary(h, &out->lat);
		vhd_perf_hist_summary(fh, &out->path);
		out->path_name = "unix socketpair echo";
	}
	rc = 0;
out:
	v.stop = true;
	vhd_perf_sock_thr_stop(&ht);
	vhd_perf_sock_thr_stop(&ft);
	if (v.hfd >= 0)
		close(v.hfd);
	if (v.lfd >= 0) {
		close(v.lfd);
		if (unix_path(peer, HPORT, &sa) == 0)
			unlink(sa.sun_path);
	}
	if (v.fl[0] >= 0)
		close(v.fl[0]);
	if (v.fl[1] >= 0)
		close(v.fl[1]);
	vhd_fe_destroy(v.fe);
	free(h);
	free(fh);
	return rc;
}
