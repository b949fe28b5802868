/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The vhost-user frontend against a minimal in-process backend: a thread
 * that speaks just enough vhost-user, maps the shared arena and serves the
 * rings with the device-side engine (vhd_vq), filling writable buffers with
 * FILL. It records the request sequence so the tests can check what the
 * frontend sent, independently of the real rte_vhost backend.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>

#include "vhd_fe.h"
#include "vhd_vq.h"

#define FILL 0xa5
#define NQ 2
#define QSZ 16
#define MAXLOG 256
#define OFFERED (VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_INDIRECT_DESC) | \
		 VHD_BIT(VHD_F_RING_EVENT_IDX) | VHD_BIT(VHD_F_NOTIFY_ON_EMPTY) | \
		 VHD_BIT(VHD_USER_F_PROTOCOL_FEATURES) | VHD_BIT(3) /* a device bit */)
#define PROTO_OFFERED (VHD_FE_PROTO_DEFAULT | VHD_BIT(1) /* LOG_SHMFD, not wanted */)

struct fake_q {
	uint32_t num, base;
	uint64_t desc, avail, used;
	int kick_fd, call_fd;
	bool enabled, live;
	struct vhd_vq vq;
};

struct fake {
	char path[108];
	bool client;   /* connect to the frontend's socket instead of listening */
	bool mute;     /* never reply: timeout tests */
	volatile int refuse; /* close this many new connections at once */
	int lsock, sock;
	pthread_t thr;
	volatile bool stop;
	/* what the frontend sent */
	uint32_t log[MAXLOG];
	unsigned int nlog;
	uint64_t features, proto;
	struct vring_addr_rec { uint64_t desc, used, avail; } addr;
	uint64_t region_gpa, region_size, region_uaddr;
	/* backend state */
	uint8_t *map;
	uint64_t map_size;
	struct vhd_mem mem;
	struct fake_q q[NQ];
	uint8_t config[16];
	unsigned int connections;
	struct vhd_req req;
};

struct hdr {
	uint32_t request, flags, size;
};

static void *
hva_of(struct fake *f, uint64_t uaddr)
{
	return f->map + (uaddr - f->region_uaddr);
}

static void
fq_try_start(struct fake *f, unsigned int i)
{
	struct fake_q *q = &f->q[i];
	struct vhd_vq_config c;

	if (q->live || !q->enabled || q->kick_fd < 0 || q->desc == 0 || f->map == NULL)
		return;
	c = (struct vhd_vq_config){
		.desc = hva_of(f, q->desc), .avail = hva_of(f, q->avail),
		.used = hva_of(f, q->used), .size = (uint16_t)q->num,
		.last_avail = (uint16_t)q->base, .used_idx = (uint16_t)q->base,
		.features = f->features, .mem = &f->mem, .call_fd = q->call_fd,
	};
	assert_int_equal(vhd_vq_setup(&q->vq, &c), 0);
	q->live = true;
}

static void
fq_serve(struct fake *f, unsigned int i)
{
	struct fake_q *q = &f->q[i];
	uint8_t buf[512];

	if (!q->live)
		return;
	memset(buf, FILL, sizeof(buf));
	do {
		while (vhd_vq_pop(&q->vq, &f->req) == 1) {
			uint32_t n = f->req.wr_len < sizeof(buf) ? f->req.wr_len : sizeof(buf);

			vhd_req_write(&f->req, 0, buf, n);
			vhd_vq_push(&q->vq, f->req.id, n);
		}
		vhd_vq_notify(&q->vq);
	} while (vhd_vq_set_kicks(&q->vq, VHD_VQ_KICKS_ON));
}

static void
fq_reset(struct fake_q *q)
{
	if (q->kick_fd >= 0)
		close(q->kick_fd);
	if (q->call_fd >= 0)
		close(q->call_fd);
	q->kick_fd = q->call_fd = -1;
	q->live = q->enabled = false;
	q->desc = 0;
}

static void
reply(struct fake *f, uint32_t req, const void *body, uint32_t len)
{
	uint8_t buf[512];
	struct hdr h = {.request = req, .flags = VHD_FE_MSG_VERSION | VHD_FE_MSG_REPLY,
			.size = len};

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), body, len);
	assert_int_equal(send(f->sock, buf, sizeof(h) + len, MSG_NOSIGNAL),
			 (ssize_t)(sizeof(h) + len));
}

/* Handle one message; false when the frontend went away. */
static bool
handle(struct fake *f)
{
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	uint8_t body[512];
	struct hdr h;
	struct iovec iov = {.iov_base = &h, .iov_len = sizeof(h)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			   .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *c;
	uint32_t *st = (uint32_t *)body;
	uint64_t *u = (uint64_t *)body, v = 0;
	unsigned int i;
	int fd = -1;
	ssize_t n;

	n = recvmsg(f->sock, &m, MSG_WAITALL);
	if (n <= 0)
		return false;
	assert_int_equal(n, sizeof(h));
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
		memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	assert_true(h.size <= sizeof(body));
	if (h.size > 0)
		assert_int_equal(recv(f->sock, body, h.size, MSG_WAITALL), (ssize_t)h.size);
	assert_int_equal(h.flags & 0x3, VHD_FE_MSG_VERSION);
	if (f->nlog < MAXLOG)
		f->log[f->nlog++] = h.request;
	if (f->mute)
		return true;
	switch (h.request) {
	case VHD_FE_GET_FEATURES:
		v = OFFERED;
		reply(f, h.request, &v, sizeof(v));
		return true;
	case VHD_FE_GET_PROTOCOL_FEATURES:
		v = PROTO_OFFERED;
		reply(f, h.request, &v, sizeof(v));
		return true;
	case VHD_FE_GET_QUEUE_NUM:
		v = NQ;
		reply(f, h.request, &v, sizeof(v));
		return true;
	case VHD_FE_SET_FEATURES:
		f->features = *u;
		break;
	case VHD_FE_RESET_OWNER:
		for (i = 0; i < NQ; i++)
			fq_reset(&f->q[i]);
		break;
	case VHD_FE_SET_PROTOCOL_FEATURES:
		f->proto = *u;
		break;
	case VHD_FE_SET_MEM_TABLE: {
		uint64_t *r = &u[1];

		assert_int_equal(st[0], 1);
		assert_true(fd >= 0);
		f->region_gpa = r[0];
		f->region_size = r[1];
		f->region_uaddr = r[2];
		if (f->map != NULL)
			munmap(f->map, f->map_size);
		f->map_size = r[1] + r[3];
		f->map = mmap(NULL, f->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		assert_true(f->map != MAP_FAILED);
		close(fd);
		fd = -1;
		f->mem.nregions = 1;
		f->mem.regions[0] = (struct vhd_mem_region){r[0], r[1], f->map + r[3]};
		break;
	}
	case VHD_FE_SET_VRING_NUM:
		f->q[st[0]].num = st[1];
		break;
	case VHD_FE_SET_VRING_BASE:
		f->q[st[0]].base = st[1];
		break;
	case VHD_FE_SET_VRING_ADDR:
		f->q[st[0]].desc = u[1];
		f->q[st[0]].used = u[2];
		f->q[st[0]].avail = u[3];
		f->addr = (struct vring_addr_rec){u[1], u[2], u[3]};
		break;
	case VHD_FE_SET_VRING_KICK:
		f->q[*u & 0xff].kick_fd = fd;
		fd = -1;
		fq_try_start(f, *u & 0xff);
		break;
	case VHD_FE_SET_VRING_CALL:
		f->q[*u & 0xff].call_fd = fd;
		fd = -1;
		break;
	case VHD_FE_SET_VRING_ENABLE:
		f->q[st[0]].enabled = st[1] != 0;
		fq_try_start(f, st[0]);
		break;
	case VHD_FE_GET_VRING_BASE: {
		struct fake_q *q = &f->q[st[0]];

		st[1] = q->live ? q->vq.last_avail : q->base;
		fq_reset(q);
		reply(f, h.request, body, 8);
		return true;
	}
	case VHD_FE_GET_CONFIG:
		assert_true(st[0] + st[1] <= sizeof(f->config));
		memcpy(body + 12, f->config + st[0], st[1]);
		reply(f, h.request, body, h.size);
		return true;
	case VHD_FE_SET_CONFIG:
		memcpy(f->config + st[0], body + 12, st[1]);
		break;
	default:
		break;
	}
	if (fd >= 0)
		close(fd);
	if (h.flags & VHD_FE_MSG_NEED_REPLY) {
		v = 0;
		reply(f, h.request, &v, sizeof(v));
	}
	return true;
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	unsigned int i;

	while (!f->stop) {
		struct pollfd p[1 + NQ];
		int np = 0;

		if (f->sock < 0) {
			struct sockaddr_un sa = {.sun_family = AF_UNIX};

			strcpy(sa.sun_path, f->path);
			if (f->client) {
				int s = socket(AF_UNIX, SOCK_STREAM, 0);

				if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
					close(s);
					usleep(10000);
					continue;
				}
				f->sock = s;
			} else {
				struct pollfd lp = {.fd = f->lsock, .events = POLLIN};

				if (poll(&lp, 1, 50) <= 0)
					continue;
				f->sock = accept(f->lsock, NULL, NULL);
				if (f->refuse > 0) {
					f->refuse--;
					close(f->sock);
					f->sock = -1;
					continue;
				}
			}
			f->connections++;
		}
		p[np++] = (struct pollfd){.fd = f->sock, .events = POLLIN};
		for (i = 0; i < NQ; i++)
			p[np++] = (struct pollfd){.fd = f->q[i].live ? f->q[i].kick_fd : -1,
						  .events = POLLIN};
		if (poll(p, np, 50) <= 0)
			continue;
		if (p[0].revents) {
			if (!handle(f)) {
				close(f->sock);
				f->sock = -1;
				for (i = 0; i < NQ; i++)
					fq_reset(&f->q[i]);
				continue;
			}
		}
		for (i = 0; i < NQ; i++) {
			uint64_t v;

			if (f->q[i].live && p[1 + i].revents) {
				assert_int_equal(read(f->q[i].kick_fd, &v, sizeof(v)), sizeof(v));
				fq_serve(f, i);
			}
		}
	}
	return NULL;
}

static struct fake *
fake_start(bool client, bool mute)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	unsigned int i;

	assert_non_null(f);
	snprintf(f->path, sizeof(f->path), "/tmp/vhd_fe_test.%d.%p", getpid(), (void *)f);
	f->client = client;
	f->mute = mute;
	f->sock = -1;
	f->lsock = -1;
	for (i = 0; i < NQ; i++)
		f->q[i].kick_fd = f->q[i].call_fd = -1;
	memcpy(f->config, "0123456789abcdef", 16);
	if (!client) {
		strcpy(sa.sun_path, f->path);
		unlink(f->path);
		f->lsock = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_int_equal(bind(f->lsock, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(listen(f->lsock, 1), 0);
	}
	assert_int_equal(pthread_create(&f->thr, NULL, fake_main, f), 0);
	return f;
}

static void
fake_stop(struct fake *f)
{
	unsigned int i;

	f->stop = true;
	pthread_join(f->thr, NULL);
	for (i = 0; i < NQ; i++)
		fq_reset(&f->q[i]);
	if (f->sock >= 0)
		close(f->sock);
	if (f->lsock >= 0) {
		close(f->lsock);
		unlink(f->path);
	}
	if (f->map != NULL)
		munmap(f->map, f->map_size);
	free(f);
}

static bool
logged(const struct fake *f, uint32_t req)
{
	unsigned int i;

	for (i = 0; i < f->nlog; i++)
		if (f->log[i] == req)
			return true;
	return false;
}

/* Post one 64-byte writable buffer and check it comes back filled. */
static void
roundtrip(struct vhd_fe *fe, uint16_t q, uint8_t *buf, bool indirect)
{
	struct vhd_fe_buf b = {buf, 64};
	uint32_t len;
	uint16_t id;
	int head, i;

	memset(buf, 0, 64);
	head = vhd_fe_post(fe, q, &b, 0, 1, indirect, buf, true);
	assert_true(head >= 0);
	assert_true(vhd_fe_wait_used(fe, q, 2000) > 0);
	assert_int_equal(vhd_fe_ring_get_used(vhd_fe_queue_ring(fe, q), &id, &len, NULL), 1);
	assert_int_equal(id, head);
	assert_int_equal(len, 64);
	for (i = 0; i < 64; i++)
		assert_int_equal(buf[i], FILL);
}

static struct vhd_fe *
fe_up(struct fake *f, uint64_t want)
{
	struct vhd_fe_opts o = {.mem_size = 4 << 20, .timeout_ms = 2000};
	struct vhd_fe *fe = vhd_fe_create(&o);
	uint16_t q;

	assert_non_null(fe);
	assert_int_equal(vhd_fe_connect(fe, f->path, 2000), 0);
	assert_int_equal(vhd_fe_negotiate(fe, want, VHD_FE_PROTO_DEFAULT), 0);
	for (q = 0; q < NQ; q++) {
		assert_int_equal(vhd_fe_queue_setup(fe, q, QSZ), 0);
		assert_int_equal(vhd_fe_queue_start(fe, q), 0);
	}
	return fe;
}

static void
test_negotiate(void **state)
{
	struct fake *f = fake_start(false, false);
	struct vhd_fe *fe;
	struct vhd_fe_mem *m;
	uint64_t want = ~VHD_BIT(VHD_F_RING_EVENT_IDX);

	(void)state;
	fe = fe_up(f, want);
	m = vhd_fe_mem(fe);
	assert_int_equal(vhd_fe_offered_features(fe), OFFERED);
	assert_int_equal(vhd_fe_features(fe), OFFERED & ~VHD_BIT(VHD_F_RING_EVENT_IDX));
	assert_int_equal(f->features, vhd_fe_features(fe));
	assert_int_equal(vhd_fe_protocol_features(fe), VHD_FE_PROTO_DEFAULT);
	assert_int_equal(f->proto, VHD_FE_PROTO_DEFAULT);
	assert_int_equal(vhd_fe_queue_num(fe), NQ);
	assert_int_equal(f->region_gpa, m->gpa_base);
	assert_int_equal(f->region_size, m->size);
	assert_int_equal(f->region_uaddr, (uint64_t)(uintptr_t)m->base);
	assert_int_equal(f->addr.desc, (uint64_t)(uintptr_t)vhd_fe_queue_ring(fe, 1)->desc);
	assert_int_equal(f->addr.used, (uint64_t)(uintptr_t)vhd_fe_queue_ring(fe, 1)->used);
	assert_int_equal(f->log[0], VHD_FE_GET_FEATURES);
	assert_int_equal(f->log[1], VHD_FE_GET_PROTOCOL_FEATURES);
	assert_int_equal(f->log[2], VHD_FE_SET_PROTOCOL_FEATURES);
	assert_true(logged(f, VHD_FE_SET_OWNER));
	assert_true(logged(f, VHD_FE_SET_VRING_ENABLE));
	assert_true(vhd_fe_queue_started(fe, 0));
	vhd_fe_destroy(fe);
	fake_stop(f);
}

static void
test_roundtrip(void **state)
{
	uint64_t wants[] = {~0ULL, ~VHD_BIT(VHD_F_RING_EVENT_IDX)};
	unsigned int w, i;

	(void)state;
	for (w = 0; w < 2; w++) {
		struct fake *f = fake_start(false, false);
		struct vhd_fe *fe = fe_up(f, wants[w]);
		uint8_t *buf = vhd_fe_mem_alloc(vhd_fe_mem(fe), 64, 64, NULL);

		/* Several rounds so the ring wraps. */
		for (i = 0; i < 3 * QSZ; i++) {
			roundtrip(fe, 0, buf, false);
			roundtrip(fe, 1, buf, i % 2 == 0);
		}
		vhd_fe_destroy(fe);
		fake_stop(f);
	}
}

static void
test_stop_restart(void **state)
{
	struct fake *f = fake_start(false, false);
	struct vhd_fe *fe = fe_up(f, ~0ULL);
	uint8_t *buf = vhd_fe_mem_alloc(vhd_fe_mem(fe), 64, 64, NULL);
	uint16_t base;
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		roundtrip(fe, 0, buf, false);
	assert_int_equal(vhd_fe_queue_stop(fe, 0, &base), 0);
	assert_int_equal(base, 5);
	assert_false(vhd_fe_queue_started(fe, 0));
	assert_int_equal(vhd_fe_queue_start(fe, 0), 0);
	assert_int_equal(f->q[0].base, 5);
	roundtrip(fe, 0, buf, false);
	vhd_fe_destroy(fe);
	fake_stop(f);
}

static void
test_config(void **state)
{
	struct fake *f = fake_start(false, false);
	struct vhd_fe *fe = fe_up(f, ~0ULL);
	char buf[8];

	(void)state;
	assert_int_equal(vhd_fe_get_config(fe, 4, buf, 4), 0);
	assert_memory_equal(buf, "4567", 4);
	assert_int_equal(vhd_fe_set_config(fe, 0, "WXYZ", 4), 0);
	assert_int_equal(vhd_fe_get_config(fe, 0, buf, 8), 0);
	assert_memory_equal(buf, "WXYZ4567", 8);
	assert_int_equal(vhd_fe_get_config(fe, 0, buf, VHD_FE_MAX_CONFIG + 1), -EINVAL);
	vhd_fe_destroy(fe);
	fake_stop(f);
}

/* Listen mode; the backend goes away and comes back, rings resume. */
static void
test_listen_resume(void **state)
{
	struct fake *f;
	struct vhd_fe_opts o = {.mem_size = 4 << 20, .timeout_ms = 2000};
	struct vhd_fe *fe = vhd_fe_create(&o);
	char path[108];
	uint8_t *buf;
	int i;

	(void)state;
	assert_non_null(fe);
	snprintf(path, sizeof(path), "/tmp/vhd_fe_listen.%d", getpid());
	assert_int_equal(vhd_fe_listen(fe, path), 0);
	f = fake_start(true, false);
	strcpy(f->path, path);
	assert_int_equal(vhd_fe_accept(fe, 2000), 0);
	assert_int_equal(vhd_fe_negotiate(fe, ~0ULL, VHD_FE_PROTO_DEFAULT), 0);
	assert_int_equal(vhd_fe_queue_setup(fe, 0, QSZ), 0);
	assert_int_equal(vhd_fe_queue_start(fe, 0), 0);
	buf = vhd_fe_mem_alloc(vhd_fe_mem(fe), 64, 64, NULL);
	for (i = 0; i < 3; i++)
		roundtrip(fe, 0, buf, false);
	vhd_fe_disconnect(fe);
	assert_false(vhd_fe_connected(fe));
	/* The fake notices the hang-up and connects again. */
	assert_int_equal(vhd_fe_accept(fe, 2000), 0);
	assert_int_equal(vhd_fe_resume(fe), 0);
	assert_int_equal(f->connections, 2);
	assert_int_equal(f->q[0].base, 3);
	roundtrip(fe, 0, buf, true);
	vhd_fe_destroy(fe);
	fake_stop(f);
}

/* A resume that fails (connection refused) is retried and still resumes. */
static void
test_resume_after_refusal(void **state)
{
	struct fake *f = fake_start(false, false);
	struct vhd_fe *fe = fe_up(f, ~0ULL);
	uint8_t *buf = vhd_fe_mem_alloc(vhd_fe_mem(fe), 64, 64, NULL);
	int i, rc;

	(void)state;
	for (i = 0; i < 4; i++)
		roundtrip(fe, 1, buf, false);
	vhd_fe_disconnect(fe);
	f->refuse = 1;
	assert_int_equal(vhd_fe_connect(fe, f->path, 2000), 0);
	rc = vhd_fe_resume(fe);
	assert_true(rc == -ECONNRESET || rc == -EPIPE);
	vhd_fe_disconnect(fe);
	assert_int_equal(vhd_fe_connect(fe, f->path, 2000), 0);
	assert_int_equal(vhd_fe_resume(fe), 0);
	assert_true(vhd_fe_queue_started(fe, 0));
	assert_true(vhd_fe_queue_started(fe, 1));
	assert_int_equal(f->q[1].base, 4);
	roundtrip(fe, 1, buf, false);
	vhd_fe_destroy(fe);
	fake_stop(f);
}

/* SET_MEM_TABLE again; RESET_OWNER then a new session from the used index. */
static void
test_mem_table_reset_owner(void **state)
{
	struct fake *f = fake_start(false, false);
	struct vhd_fe *fe = fe_up(f, ~0ULL);
	uint8_t *buf = vhd_fe_mem_alloc(vhd_fe_mem(fe), 64, 64, NULL);
	unsigned int n;
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		roundtrip(fe, 0, buf, false);
	n = f->nlog;
	assert_int_equal(vhd_fe_set_mem_table(fe), 0);
	assert_int_equal(f->nlog, n + 1);
	assert_int_equal(f->log[n], VHD_FE_SET_MEM_TABLE);
	assert_int_equal(vhd_fe_reset_owner(fe), 0);
	assert_false(vhd_fe_queue_started(fe, 0));
	assert_int_equal(vhd_fe_set_mem_table(fe), -EINVAL);
	assert_int_equal(vhd_fe_resume(fe), 0);
	assert_true(vhd_fe_queue_started(fe, 0));
	assert_true(vhd_fe_queue_started(fe, 1));
	assert_int_equal(f->q[0].base, 3);
	assert_int_equal(f->q[1].base, 0);
	roundtrip(fe, 0, buf, false);
	roundtrip(fe, 1, buf, true);
	/* A new session without EVENT_IDX: the rings follow. */
	assert_true(vhd_fe_queue_ring(fe, 0)->event_idx);
	assert_int_equal(vhd_fe_reset_owner(fe), 0);
	assert_int_equal(vhd_fe_negotiate(fe, ~VHD_BIT(VHD_F_RING_EVENT_IDX), VHD_FE_PROTO_DEFAULT),
			 0);
	assert_false(vhd_fe_queue_ring(fe, 0)->event_idx);
	assert_int_equal(vhd_fe_queue_start(fe, 0), 0);
	for (i = 0; i < 2 * QSZ; i++)
		roundtrip(fe, 0, buf, false);
	vhd_fe_destroy(fe);
	fake_stop(f);
}

/* A hand-made chain with a loop comes back with used length 0. */
static void
test_raw_chain(void **state)
{
	struct fake *f = fake_start(false, false);
	struct vhd_fe *fe = fe_up(f, ~0ULL);
	struct vhd_fe_ring *r = vhd_fe_queue_ring(fe, 0);
	uint8_t *buf = vhd_fe_mem_alloc(vhd_fe_mem(fe), 64, 64, NULL);
	uint16_t d[2], id, nfree = r->num_free;
	uint32_t len;

	(void)state;
	assert_int_equal(vhd_fe_desc_take(r, d, 2), 0);
	assert_int_equal(r->num_free, nfree - 2);
	r->desc[d[0]] = (struct vhd_vring_desc){vhd_fe_mem_gpa(r->mem, buf), 8,
						VHD_DESC_F_NEXT | VHD_DESC_F_WRITE, d[1]};
	r->desc[d[1]] = (struct vhd_vring_desc){vhd_fe_mem_gpa(r->mem, buf), 8,
						VHD_DESC_F_NEXT | VHD_DESC_F_WRITE, d[0]};
	vhd_fe_ring_add_raw_head(r, d[0]);
	assert_true(vhd_fe_publish(fe, 0, true) >= 0);
	assert_true(vhd_fe_wait_used(fe, 0, 2000) > 0);
	assert_int_equal(vhd_fe_ring_get_used(r, &id, &len, NULL), 1);
	assert_int_equal(id, d[0]);
	assert_int_equal(len, 0);
	vhd_fe_desc_give(r, d, 2);
	assert_int_equal(r->num_free, nfree);
	roundtrip(fe, 0, buf, false);
	assert_int_equal(vhd_fe_desc_take(r, d, QSZ + 1), -ENOSPC);
	vhd_fe_destroy(fe);
	fake_stop(f);
}

static void
test_timeout(void **state)
{
	struct fake *f = fake_start(false, true);
	struct vhd_fe_opts o = {.mem_size = 2 << 20, .timeout_ms = 200};
	struct vhd_fe *fe = vhd_fe_create(&o);

	(void)state;
	assert_non_null(fe);
	assert_int_equal(vhd_fe_connect(fe, f->path, 2000), 0);
	assert_int_equal(vhd_fe_negotiate(fe, ~0ULL, VHD_FE_PROTO_DEFAULT), -ETIMEDOUT);
	assert_non_null(strstr(vhd_fe_error(fe), "GET_FEATURES"));
	vhd_fe_destroy(fe);
	fake_stop(f);
}

static void
test_connect_timeout(void **state)
{
	struct vhd_fe *fe = vhd_fe_create(NULL);

	(void)state;
	assert_non_null(fe);
	assert_int_equal(vhd_fe_connect(fe, "/tmp/vhd_fe_nonexistent.sock", 100), -ETIMEDOUT);
	assert_false(vhd_fe_connected(fe));
	vhd_fe_destroy(fe);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_stop_restart),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_listen_resume),
		cmocka_unit_test(test_resume_after_refusal),
		cmocka_unit_test(test_mem_table_reset_owner),
		cmocka_unit_test(test_raw_chain),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_connect_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
