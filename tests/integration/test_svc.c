/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The worker services end to end on the real host, through the services
 * test device (svc_app.c): timers firing on time and in deadline order in
 * interrupt and poll mode, offloaded calls in order off the worker, reads
 * through the worker's io_uring into guest buffers, in-flight work drained
 * (not lost) when the queue stops, and config-change notifications on the
 * backend channel, received and answered by our frontend.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "svc_proto.h"
#include "vhd_it.h"

#define QSZ 64
#define WAIT_MS 5000
#define F_ALL (~0ULL)
#define MS 1000000ULL
/* Apps are static: after a failed assertion the teardown still reaches them to kill them. */

struct call {
	struct svc_req *req;
	struct svc_resp *resp;
	uint8_t *data;
	int head;
};

static struct call
post(struct vhd_fe *fe, uint32_t op, uint32_t arg, uint64_t arg2, uint32_t data_len)
{
	struct vhd_fe_mem *m = vhd_fe_mem(fe);
	struct call c;
	struct vhd_fe_buf b[3];

	c.req = vhd_fe_mem_alloc(m, sizeof(*c.req), 8, NULL);
	c.resp = vhd_fe_mem_alloc(m, sizeof(*c.resp), 8, NULL);
	c.data = data_len != 0 ? vhd_fe_mem_alloc(m, data_len, 8, NULL) : NULL;
	assert_non_null(c.req);
	assert_non_null(c.resp);
	*c.req = (struct svc_req){op, arg, arg2};
	memset(c.resp, 0xee, sizeof(*c.resp));
	b[0] = (struct vhd_fe_buf){c.req, sizeof(*c.req)};
	b[1] = (struct vhd_fe_buf){c.resp, sizeof(*c.resp)};
	b[2] = (struct vhd_fe_buf){c.data, data_len};
	c.head = vhd_fe_post(fe, 0, b, 1, data_len != 0 ? 2 : 1, false, NULL, true);
	assert_true(c.head >= 0);
	return c;
}

/* Next used entry: its head id. */
static uint16_t
next_used(struct vhd_fe *fe, uint32_t *len)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(fe, 0);
	uint16_t id;
	uint32_t l;

	if (vhd_fe_ring_get_used(r, &id, &l, NULL) != 1) {
		if (vhd_fe_wait_used(fe, 0, WAIT_MS) <= 0)
			fail_msg("no used entry within %d ms: %s", WAIT_MS, vhd_fe_error(fe));
		assert_int_equal(vhd_fe_ring_get_used(r, &id, &l, NULL), 1);
	}
	if (len != NULL)
		*len = l;
	return id;
}

static void
timers_in_mode(const char *mode)
{
	const char *args[] = {"--mode", mode, NULL};
	static const uint64_t delay[3] = {60 * MS, 20 * MS, 40 * MS};
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct call c[3];
	unsigned int i;
	int64_t t0;

	vhd_it_app_up(&a, "svc", args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	t0 = vhd_fe_app_now_ms();
	for (i = 0; i < 3; i++)
		c[i] = post(fe, SVC_TIMER, 0, delay[i], 0);
	/* deadline order: 20, 40, 60 ms */
	assert_int_equal(next_used(fe, NULL), c[1].head);
	assert_int_equal(next_used(fe, NULL), c[2].head);
	assert_int_equal(next_used(fe, NULL), c[0].head);
	for (i = 0; i < 3; i++) {
		assert_int_equal(c[i].resp->status, 0);
		/* never early; late by less than a loaded machine's scheduling delay */
		assert_true(c[i].resp->value >= delay[i]);
		assert_true(c[i].resp->value < delay[i] + 500 * MS);
	}
	assert_true(vhd_fe_app_now_ms() - t0 >= 60);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

static void
timers_interrupt(void **state)
{
	(void)state;
	timers_in_mode("interrupt");
}

static void
timers_poll(void **state)
{
	(void)state;
	timers_in_mode("poll");
}

static void
offload_in_order(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct call c[6];
	unsigned int i;

	(void)state;
	vhd_it_app_up(&a, "svc", NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	/* the first call is the slowest: order is by submission, not duration */
	for (i = 0; i < 6; i++)
		c[i] = post(fe, SVC_OFFLOAD, i == 0 ? 30000 : 1000 + i, 0, 0);
	for (i = 0; i < 6; i++) {
		assert_int_equal(next_used(fe, NULL), c[i].head);
		assert_int_equal(c[i].resp->status, i == 0 ? 30000 : (int)(1000 + i));
		assert_int_equal(c[i].resp->value, 3); /* done on the worker, work elsewhere */
	}
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

static void
make_file(struct vhd_fe_app *a, char *path, size_t len, uint8_t *pattern, size_t n)
{
	size_t i;
	int fd;

	snprintf(path, len, "%s/data.bin", a->dir);
	for (i = 0; i < n; i++)
		pattern[i] = (uint8_t)(i * 7 + (i >> 8));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pattern, n), (ssize_t)n);
	close(fd);
}

static void
io_reads(void **state)
{
	static uint8_t pattern[65536];
	char path[256];
	const char *args[] = {"--file", path, NULL};
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct call c[8];
	unsigned int i;
	uint32_t len;

	(void)state;
	vhd_it_app_init(&a, "svc");
	make_file(&a, path, sizeof(path), pattern, sizeof(pattern));
	vhd_it_app_start(&a, NULL, args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	for (i = 0; i < 8; i++)
		c[i] = post(fe, SVC_READ, 3000 + i, 77 + i * 4096, 4096);
	for (i = 0; i < 8; i++) {
		uint16_t id = next_used(fe, &len);
		unsigned int k;

		for (k = 0; k < 8; k++)
			if (c[k].head == id)
				break;
		assert_true(k < 8);
		assert_int_equal(c[k].resp->status, 3000 + k);
		assert_int_equal(c[k].resp->len, 3000 + k);
		assert_int_equal(len, sizeof(struct svc_resp) + 3000 + k);
		assert_memory_equal(c[k].data, pattern + 77 + k * 4096, 3000 + k);
	}
	/* at the end of the file: short read, then 0 */
	c[0] = post(fe, SVC_READ, 4096, sizeof(pattern) - 100, 4096);
	assert_int_equal(next_used(fe, NULL), c[0].head);
	assert_int_equal(c[0].resp->status, 100);
	c[0] = post(fe, SVC_READ, 4096, sizeof(pattern), 4096);
	assert_int_equal(next_used(fe, NULL), c[0].head);
	assert_int_equal(c[0].resp->status, 0);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* Work in flight when the queue stops completes before GET_VRING_BASE answers. */
static void
drained_on_stop(void **state)
{
	static uint8_t pattern[8192];
	char path[256];
	const char *args[] = {"--file", path, NULL};
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct call slow, rd, tm;
	uint16_t last_avail, id;
	uint32_t len;
	unsigned int seen = 0;
	struct vhd_fe_ring *r;

	(void)state;
	vhd_it_app_init(&a, "svc");
	make_file(&a, path, sizeof(path), pattern, sizeof(pattern));
	vhd_it_app_start(&a, NULL, args, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	slow = post(fe, SVC_OFFLOAD, 300000, 0, 0);
	rd = post(fe, SVC_READ, 512, 0, 512);
	tm = post(fe, SVC_TIMER, 0, 10000 * MS, 0);
	vhd_fe_app_sleep_ms(50);
	assert_int_equal(vhd_fe_queue_stop(fe, 0, &last_avail), 0);
	assert_int_equal(last_avail, 3);
	r = vhd_fe_queue_ring(fe, 0);
	while (vhd_fe_ring_get_used(r, &id, &len, NULL) == 1) {
		seen++;
		if (id == slow.head)
			assert_int_equal(slow.resp->status, 300000);
		else if (id == rd.head)
			assert_int_equal(rd.resp->status, 512);
		else if (id == tm.head)
			assert_int_equal(tm.resp->status, -ECANCELED); /* the driver's choice */
		else
			fail_msg("unknown used id %u", id);
	}
	assert_int_equal(seen, 3);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

static uint64_t
count_config_change(void *arg, const struct vhd_fe_backend_msg *m)
{
	if (m->request == VHD_FE_BACKEND_CONFIG_CHANGE_MSG)
		(*(unsigned int *)arg)++;
	return 0;
}

static void
config_change(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct vhd_fe_backend_msg m;
	struct svc_config cfg;
	struct call c;
	unsigned int got = 0, i;
	char sock[256];
	int rc;

	(void)state;
	vhd_it_app_up(&a, "svc", NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	assert_true(vhd_fe_protocol_features(fe) & VHD_BIT(VHD_FE_PROTO_F_BACKEND_REQ));
	assert_true(vhd_fe_backend_fd(fe) >= 0);
	/* nothing before the device changes its config */
	assert_int_equal(vhd_fe_backend_serve(fe, 50, NULL, NULL, NULL), 0);
	for (i = 1; i <= 3; i++) {
		c = post(fe, SVC_CONFIG, 100 + i, 0, 0);
		assert_int_equal(next_used(fe, NULL), c.head);
		assert_int_equal(c.resp->status, 0);
		assert_int_equal(vhd_fe_backend_serve(fe, WAIT_MS, count_config_change, &got, &m),
				 1);
		assert_int_equal(m.request, VHD_FE_BACKEND_CONFIG_CHANGE_MSG);
		assert_int_equal(got, i);
		/* what a guest does on the notification: read the config again */
		assert_int_equal(vhd_fe_get_config(fe, 0, &cfg, sizeof(cfg)), 0);
		assert_int_equal(cfg.generation, i);
		assert_int_equal(cfg.value, 100 + i);
	}
	vhd_it_fe_done(fe);

	/* a frontend without a backend channel: the driver learns -ENOTSUP */
	fe = vhd_it_fe_track(vhd_fe_create(NULL));
	assert_non_null(fe);
	/* the backend may not have seen the last hang-up yet: it refuses, retry */
	for (i = 0, rc = -1; i < 50 && rc != 0; i++) {
		if (i > 0) {
			vhd_fe_disconnect(fe);
			vhd_fe_app_sleep_ms(100);
		}
		rc = vhd_fe_connect(fe, vhd_fe_app_sock(&a, 0, sock, sizeof(sock)), WAIT_MS);
		if (rc == 0)
			rc = vhd_fe_negotiate(fe, F_ALL, VHD_FE_PROTO_DEFAULT &
					      ~VHD_BIT(VHD_FE_PROTO_F_BACKEND_REQ));
	}
	assert_int_equal(rc, 0);
	assert_int_equal(vhd_fe_backend_fd(fe), -1);
	assert_int_equal(vhd_fe_queue_setup(fe, 0, QSZ), 0);
	assert_int_equal(vhd_fe_queue_start(fe, 0), 0);
	c = post(fe, SVC_CONFIG, 9, 0, 0);
	assert_int_equal(next_used(fe, NULL), c.head);
	assert_int_equal(c.resp->status, -ENOTSUP);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		VHD_IT_TEST(timers_interrupt),
		VHD_IT_TEST(timers_poll),
		VHD_IT_TEST(offload_in_order),
		VHD_IT_TEST(io_reads),
		VHD_IT_TEST(drained_on_stop),
		VHD_IT_TEST(config_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
