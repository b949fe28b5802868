/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-rng driven by our vhost-user frontend: data, rate limit,
 * several sockets, reconnection, malformed rings, interrupt and poll modes,
 * and bad command lines.
 */

#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cmocka.h>

#include "vhd_it.h"

#define QSZ 64
#define BUFSZ 256
#define GUARD 64
#define GUARD_BYTE 0x5a
#define WAIT_MS 3000
#define F_ALL (~0ULL)
#define F_NO_EVIDX (~VHD_BIT(VHD_F_RING_EVENT_IDX))
#define F_NO_INDIRECT (~VHD_BIT(VHD_F_RING_INDIRECT_DESC))

/* A buffer with a guard area behind it, to catch writes past the end. */
static uint8_t *
buf_new(struct vhd_fe *fe)
{
	uint8_t *b = vhd_fe_mem_alloc(vhd_fe_mem(fe), BUFSZ + GUARD, 64, NULL);

	assert_non_null(b);
	memset(b + BUFSZ, GUARD_BYTE, GUARD);
	return b;
}

static void
guard_check(const uint8_t *b)
{
	unsigned int i;

	for (i = 0; i < GUARD; i++)
		assert_int_equal(b[BUFSZ + i], GUARD_BYTE);
}

static bool
constant(const uint8_t *b, uint32_t len)
{
	uint32_t i;

	for (i = 1; i < len; i++)
		if (b[i] != b[0])
			return false;
	return true;
}

/*
 * Wait for one used entry on queue 0, by calls or by polling the ring.
 * Fails the test with the frontend's view when nothing comes.
 */
static void
wait_one(struct vhd_fe *fe, bool poll, uint16_t *id, uint32_t *len)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(fe, 0);
	int n = poll ? vhd_fe_poll_used(fe, 0, WAIT_MS) : vhd_fe_wait_used(fe, 0, WAIT_MS);

	if (n <= 0)
		fail_msg("no used entry within %d ms (%s): avail idx %u, used idx %u, "
			 "used flags %#x, frontend error '%s'", WAIT_MS, poll ? "polling" : "calls",
			 r->avail_idx, r->used->idx, r->used->flags, vhd_fe_error(fe));
	assert_int_equal(vhd_fe_ring_get_used(r, id, len, NULL), 1);
}

/* One request of @p len bytes into @p b; returns the used length. */
static uint32_t
fetch(struct vhd_fe *fe, uint8_t *b, uint32_t len, bool indirect, bool kick, bool poll)
{
	struct vhd_fe_buf fb = {b, len};
	uint32_t used;
	uint16_t id;
	int head;

	memset(b, 0, len);
	head = vhd_fe_post(fe, 0, &fb, 0, 1, indirect, NULL, kick);
	assert_true(head >= 0);
	wait_one(fe, poll, &id, &used);
	assert_int_equal(id, head);
	assert_true(used <= len);
	guard_check(b);
	return used;
}

/* Several full buffers of random data, each different and not constant. */
static void
check_data(struct vhd_fe *fe, bool indirect, bool kick, bool poll)
{
	uint8_t *b1 = buf_new(fe), *b2 = buf_new(fe);
	unsigned int i;

	for (i = 0; i < 8; i++) {
		assert_int_equal(fetch(fe, b1, BUFSZ, indirect, kick, poll), BUFSZ);
		assert_false(constant(b1, BUFSZ));
		assert_int_equal(fetch(fe, b2, BUFSZ, indirect, kick, poll), BUFSZ);
		assert_memory_not_equal(b1, b2, BUFSZ);
	}
}

static void
test_data(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	uint64_t wants[] = {F_ALL, F_NO_EVIDX, F_NO_INDIRECT};
	unsigned int w;

	(void)state;
	vhd_it_app_up(&a, "rng", NULL, 1);
	/* One connection per feature set: also exercises reconnection. */
	for (w = 0; w < 3; w++) {
		fe = vhd_it_fe_up(&a, 0, wants[w], 1, QSZ);
		assert_true(vhd_fe_features(fe) & VHD_BIT(VHD_F_VERSION_1));
		check_data(fe, false, true, false);
		if (vhd_fe_features(fe) & VHD_BIT(VHD_F_RING_INDIRECT_DESC))
			check_data(fe, true, true, false);
		/* A ring that wraps several times. */
		{
			uint8_t *b = buf_new(fe);
			unsigned int i;

			for (i = 0; i < 3 * QSZ; i++)
				assert_int_equal(fetch(fe, b, 16, false, true, false), 16);
		}
		vhd_it_fe_done(fe);
	}
	/* Stopping with a frontend still connected and a queue running. */
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	check_data(fe, false, true, false);
	vhd_it_app_down(&a, 1);
	vhd_it_fe_done(fe);
}

/* Several chains in flight at once, answered in any order. */
static void
test_batch(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	uint8_t *b[QSZ];
	unsigned int i, got = 0;

	(void)state;
	vhd_it_app_up(&a, "rng", NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	for (i = 0; i < QSZ; i++) {
		struct vhd_fe_buf fb;

		b[i] = buf_new(fe);
		fb = (struct vhd_fe_buf){b[i], BUFSZ};
		assert_true(vhd_fe_post(fe, 0, &fb, 0, 1, i % 2 == 1, b[i], false) >= 0);
	}
	assert_true(vhd_fe_publish(fe, 0, true) >= 0);
	while (got < QSZ) {
		uint32_t len;
		uint16_t id;
		void *ck;

		assert_true(vhd_fe_wait_used(fe, 0, WAIT_MS) > 0);
		while (vhd_fe_ring_get_used(vhd_fe_queue_ring(fe, 0), &id, &len, &ck) == 1) {
			assert_non_null(ck);
			assert_int_equal(len, BUFSZ);
			assert_false(constant(ck, BUFSZ));
			guard_check(ck);
			got++;
		}
	}
	assert_int_equal(vhd_fe_queue_ring(fe, 0)->num_free, QSZ);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* Chains of several segments, direct and indirect, tiny and huge buffers. */
static void
test_chain_shapes(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct vhd_fe_buf fb[8];
	uint8_t *seg[8], *big;
	uint32_t len, total = 0, big_len = 128 * 1024;
	uint16_t id;
	unsigned int i, ind;
	int head;

	(void)state;
	vhd_it_app_up(&a, "rng", NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	/* Segments of different lengths, all inside their BUFSZ buffers. */
	for (i = 0; i < 8; i++) {
		seg[i] = buf_new(fe);
		fb[i] = (struct vhd_fe_buf){seg[i], BUFSZ - 8 * i};
		total += fb[i].len;
	}
	for (ind = 0; ind < 2; ind++) {
		for (i = 0; i < 8; i++)
			memset(seg[i], 0, BUFSZ);
		head = vhd_fe_post(fe, 0, fb, 0, 8, ind == 1, NULL, true);
		assert_true(head >= 0);
		wait_one(fe, false, &id, &len);
		assert_int_equal(id, head);
		assert_int_equal(len, total);
		for (i = 0; i < 8; i++) {
			assert_false(constant(seg[i], fb[i].len));
			/* Nothing past the segment's end. */
			if (fb[i].len < BUFSZ)
				assert_int_equal(seg[i][fb[i].len], 0);
			guard_check(seg[i]);
		}
	}
	/* One byte. */
	fb[0] = (struct vhd_fe_buf){seg[0], 1};
	memset(seg[0], 0, BUFSZ);
	head = vhd_fe_post(fe, 0, fb, 0, 1, false, NULL, true);
	assert_true(head >= 0);
	wait_one(fe, false, &id, &len);
	assert_int_equal(len, 1);
	assert_int_equal(seg[0][1], 0);
	/* Bigger than one fill: partly served, never more than asked. */
	big = vhd_fe_mem_alloc(vhd_fe_mem(fe), big_len, 64, NULL);
	assert_non_null(big);
	fb[0] = (struct vhd_fe_buf){big, big_len};
	head = vhd_fe_post(fe, 0, fb, 0, 1, false, NULL, true);
	assert_true(head >= 0);
	wait_one(fe, false, &id, &len);
	assert_true(len > 0 && len <= big_len);
	assert_false(constant(big, len));
	print_message("a %u-byte buffer got %u bytes\n", big_len, len);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* Fill @p want with a pattern and write it to a fresh file at @p path. */
static void
pattern_file(char *path, size_t path_len, const char *tag, uint8_t *want, size_t n)
{
	size_t i;
	FILE *f;

	for (i = 0; i < n; i++)
		want[i] = (uint8_t)(i * 7 + 3 + (i >> 8));
	snprintf(path, path_len, "/tmp/vhd-it-rng-%s.%d", tag, (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(want, 1, n, f), n);
	fclose(f);
}

/* -f FILE: the bytes served are the file's, in order. */
static void
test_file_source(void **state)
{
	static struct vhd_fe_app a;
	static uint8_t want[1000], got[1000];
	char path[256];
	const char *extra[] = {"-f", path, NULL};
	struct vhd_fe *fe;
	uint8_t *b;
	size_t have = 0;
	unsigned int i;

	(void)state;
	pattern_file(path, sizeof(path), "src", want, sizeof(want));
	vhd_it_app_up(&a, "rng", extra, 1);
	unlink(path);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	b = buf_new(fe);
	/* 100-byte pieces, so the stream is checked across request boundaries. */
	while (have < sizeof(want)) {
		uint32_t len = fetch(fe, b, 100, false, true, false);

		assert_true(len > 0);
		memcpy(got + have, b, len);
		have += len;
	}
	assert_memory_equal(got, want, sizeof(want));
	/* At the end of the file the device keeps answering. */
	for (i = 0; i < 4; i++)
		fetch(fe, b, BUFSZ, false, true, false);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* --io-uring: requests over 256 B are read through the worker's io_uring into the
 * guest's buffers: the file's bytes in order, a short read at its end, then from the
 * start again; small requests in between still come through the pool. */
static void
test_file_source_io_uring(void **state)
{
	static struct vhd_fe_app a;
	static uint8_t want[10000];
	static const uint32_t sizes[] = {4096, 4096, 4096, 4096};
	static const uint32_t expect[] = {4096, 4096, 1808, 4096};
	char path[256];
	const char *extra[] = {"-f", path, "--io-uring", NULL};
	struct vhd_fe *fe;
	uint8_t *b;
	unsigned int i;
	size_t off = 0;

	(void)state;
	pattern_file(path, sizeof(path), "uring", want, sizeof(want));
	vhd_it_app_up(&a, "rng", extra, 1);
	unlink(path);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	b = vhd_fe_mem_alloc(vhd_fe_mem(fe), 4096, 64, NULL);
	assert_non_null(b);
	for (i = 0; i < 4; i++) {
		struct vhd_fe_buf fb = {b, sizes[i]};
		uint32_t used;
		uint16_t id;
		int head;

		memset(b, 0, 4096);
		head = vhd_fe_post(fe, 0, &fb, 0, 1, false, NULL, true);
		assert_true(head >= 0);
		wait_one(fe, false, &id, &used);
		assert_int_equal(id, head);
		assert_int_equal(used, expect[i]);
		assert_memory_equal(b, want + off, used);
		off = (off + used) % sizeof(want);
	}
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/*
 * -m 1024 -p 200 over @p nsock sockets (each gets 1024 / nsock bytes per
 * period) in @p mode: count bytes over about a second with four requests
 * always outstanding per socket. At most the budget of every period
 * touched plus two; at least two budgets, so a refill happened: held
 * requests are served when the period turns, without a new kick (we only
 * post after a completion).
 */
static void
run_rate(unsigned int nsock, const char *mode)
{
	const char *extra[] = {"-m", "1024", "-p", "200", "-c", nsock == 1 ? "1" : "2",
			       mode != NULL ? "--mode" : NULL, mode, NULL};
	static struct vhd_fe_app a;
	struct vhd_fe *fe[2];
	uint64_t bytes[2] = {0, 0}, bound, per = 1024 / nsock;
	int64_t t0, t;
	unsigned int i, k;

	assert_true(nsock == 1 || nsock == 2);
	vhd_it_app_up(&a, "rng", extra, nsock);
	for (k = 0; k < nsock; k++) {
		fe[k] = vhd_it_fe_up(&a, k, k == 0 ? F_ALL : F_NO_EVIDX, 1, QSZ);
		for (i = 0; i < 4; i++) {
			uint8_t *b = buf_new(fe[k]);
			struct vhd_fe_buf fb = {b, 128};

			assert_true(vhd_fe_post(fe[k], 0, &fb, 0, 1, false, b, true) >= 0);
		}
	}
	t0 = vhd_fe_app_now_ms();
	while ((t = vhd_fe_app_now_ms() - t0) < 1000) {
		for (k = 0; k < nsock; k++) {
			struct vhd_fe_ring *r = vhd_fe_queue_ring(fe[k], 0);
			uint32_t len;
			void *ck;

			if (vhd_fe_wait_used(fe[k], 0, nsock == 1 ? (int)(1000 - t) : 5) <= 0)
				continue;
			while (vhd_fe_ring_get_used(r, NULL, &len, &ck) == 1) {
				struct vhd_fe_buf fb = {ck, 128};

				assert_true(len <= 128);
				bytes[k] += len;
				assert_true(vhd_fe_post(fe[k], 0, &fb, 0, 1, false, ck, true) >= 0);
			}
		}
	}
	t = vhd_fe_app_now_ms() - t0;
	bound = per * (uint64_t)((t + 199) / 200 + 2);
	for (k = 0; k < nsock; k++) {
		print_message("rate limit (%s, socket %u of %u): %" PRIu64 " bytes in %" PRId64
			      " ms (bound %" PRIu64 ")\n", mode != NULL ? mode : "default", k,
			      nsock, bytes[k], t, bound);
		if (bytes[k] < 2 * per || bytes[k] > bound)
			fail_msg("socket %u: %" PRIu64 " bytes in %" PRId64 " ms, want %" PRIu64
				 "..%" PRIu64, k, bytes[k], t, 2 * per, bound);
	}
	/* Stop with requests held by the limiter: must still exit cleanly. */
	vhd_it_app_down(&a, nsock);
	for (k = 0; k < nsock; k++)
		vhd_it_fe_done(fe[k]);
}

static void
test_rate_limit(void **state)
{
	(void)state;
	run_rate(1, NULL);
}

static void
test_rate_limit_interrupt(void **state)
{
	(void)state;
	run_rate(1, "interrupt");
}

static void
test_rate_limit_hybrid(void **state)
{
	(void)state;
	run_rate(1, "hybrid");
}

static void
test_rate_limit_two_sockets(void **state)
{
	(void)state;
	run_rate(2, NULL);
}

/* -c 2: two sockets, two frontends served at the same time. */
static void
test_two_sockets(void **state)
{
	static const char *const extra[] = {"-c", "2", NULL};
	static struct vhd_fe_app a;
	struct vhd_fe *fe[2];
	uint8_t *b[2];
	unsigned int i, k;

	(void)state;
	vhd_it_app_up(&a, "rng", extra, 2);
	for (k = 0; k < 2; k++) {
		fe[k] = vhd_it_fe_up(&a, k, k == 0 ? F_ALL : F_NO_EVIDX, 1, QSZ);
		b[k] = buf_new(fe[k]);
	}
	for (i = 0; i < 32; i++) {
		struct vhd_fe_buf fb[2] = {{b[0], BUFSZ}, {b[1], BUFSZ}};
		uint32_t len;
		uint16_t id;

		/* Both in flight before either is waited for. */
		for (k = 0; k < 2; k++)
			assert_true(vhd_fe_post(fe[k], 0, &fb[k], 0, 1, false, NULL, true) >= 0);
		for (k = 0; k < 2; k++) {
			wait_one(fe[k], false, &id, &len);
			assert_int_equal(len, BUFSZ);
			assert_false(constant(b[k], BUFSZ));
		}
		assert_memory_not_equal(b[0], b[1], BUFSZ);
	}
	for (k = 0; k < 2; k++)
		vhd_it_fe_done(fe[k]);
	vhd_it_app_down(&a, 2);
}

/* Frontends go away in every way we know and new ones get served. */
static void
test_reconnect(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	uint8_t *b;
	uint16_t base;
	unsigned int i;

	(void)state;
	vhd_it_app_up(&a, "rng", NULL, 1);

	/* Abrupt close, then a brand new frontend. */
	for (i = 0; i < 3; i++) {
		fe = vhd_it_fe_up(&a, 0, i % 2 ? F_ALL : F_NO_EVIDX, 1, QSZ);
		b = buf_new(fe);
		assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);
		vhd_it_fe_done(fe);
	}

	/* Clean stop (GET_VRING_BASE), new connection, same rings resume. */
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	b = buf_new(fe);
	for (i = 0; i < 5; i++)
		assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);
	assert_int_equal(vhd_fe_queue_stop(fe, 0, &base), 0);
	assert_int_equal(base, vhd_it_base(fe, 0, 5));
	vhd_fe_disconnect(fe);
	assert_int_equal(vhd_fe_app_attach(&a, 0, fe, F_ALL, false), 0);
	assert_int_equal(vhd_fe_queue_start(fe, 0), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);

	/* Stop and restart on the same connection. */
	assert_int_equal(vhd_fe_queue_stop(fe, 0, &base), 0);
	assert_int_equal(base, vhd_it_base(fe, 0, 10));
	assert_int_equal(vhd_fe_queue_start(fe, 0), 0);
	assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);

	/* Abrupt close, then the same frontend resumes from the used index. */
	vhd_fe_disconnect(fe);
	assert_int_equal(vhd_fe_app_attach(&a, 0, fe, 0, true), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/*
 * One frontend per socket: a second one connecting meanwhile is turned away
 * and the first is not disturbed.
 */
static void
test_second_frontend(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe, *fe2;
	char path[256];
	uint8_t *b;
	int rc;

	(void)state;
	vhd_it_app_up(&a, "rng", NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	b = buf_new(fe);
	assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);
	fe2 = vhd_it_fe_track(vhd_fe_create(NULL));
	assert_non_null(fe2);
	assert_int_equal(vhd_fe_connect(fe2, vhd_fe_app_sock(&a, 0, path, sizeof(path)), WAIT_MS),
			 0);
	rc = vhd_fe_negotiate(fe2, F_ALL, VHD_FE_PROTO_DEFAULT);
	if (rc != -ECONNRESET && rc != -EPIPE)
		fail_msg("second frontend: negotiate gave %d (%s), want the connection closed", rc,
			 vhd_fe_error(fe2));
	vhd_it_fe_done(fe2);
	assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);
	assert_false(constant(b, BUFSZ));
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/*
 * --no-packed withholds VIRTIO_F_RING_PACKED (QEMU's vhost-user-base devices
 * ignore packed=off, so the backend is where a user turns it off); without
 * it packed rings are offered, and the rings still serve.
 */
static void
test_no_packed(void **state)
{
	static const char *const extra[] = {"--no-packed", NULL};
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	uint8_t *b;
	int pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		vhd_it_app_up(&a, "rng", pass == 0 ? extra : NULL, 1);
		fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
		assert_int_equal(!!(vhd_fe_offered_features(fe) & (1ULL << VHD_F_RING_PACKED)),
				 pass);
		b = buf_new(fe);
		assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);
		vhd_it_fe_done(fe);
		vhd_it_app_down(&a, 1);
	}
}

/*
 * The memory table sent again while queues run (a VMM does on memory
 * hot-plug), also with a request in flight across it: serving goes on.
 */
static void
test_mem_table_again(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct vhd_fe_buf fb;
	uint8_t *b;
	uint32_t len;
	uint16_t id;
	unsigned int i;
	int head;

	(void)state;
	vhd_it_app_up(&a, "rng", NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	assert_int_equal(vhd_fe_queue_num(fe), 1);
	b = buf_new(fe);
	for (i = 0; i < 3; i++)
		assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);
	for (i = 0; i < 3; i++) {
		if (vhd_fe_set_mem_table(fe) != 0)
			fail_msg("SET_MEM_TABLE while running: %s", vhd_fe_error(fe));
		assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);
	}
	fb = (struct vhd_fe_buf){b, BUFSZ};
	head = vhd_fe_post(fe, 0, &fb, 0, 1, false, NULL, true);
	assert_true(head >= 0);
	assert_int_equal(vhd_fe_set_mem_table(fe), 0);
	wait_one(fe, false, &id, &len);
	assert_int_equal(id, head);
	assert_int_equal(len, BUFSZ);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* RESET_OWNER, then a new session on the same connection is served. */
static void
test_reset_owner(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	uint8_t *b;
	unsigned int i;

	(void)state;
	vhd_it_app_up(&a, "rng", NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	b = buf_new(fe);
	for (i = 0; i < 3; i++)
		assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);
	if (vhd_fe_reset_owner(fe) != 0)
		fail_msg("RESET_OWNER: %s", vhd_fe_error(fe));
	if (vhd_fe_resume(fe) != 0)
		fail_msg("new session after RESET_OWNER: %s", vhd_fe_error(fe));
	for (i = 0; i < 3; i++)
		assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* A socket file left by a crashed run is replaced. */
static void
test_stale_socket(void **state)
{
	static struct vhd_fe_app a;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct vhd_fe *fe;
	uint8_t *b;
	int s;

	(void)state;
	vhd_it_app_init(&a, "rng");
	vhd_fe_app_sock(&a, 0, sa.sun_path, sizeof(sa.sun_path));
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	vhd_it_app_start(&a, NULL, NULL, 0);
	/* The stale file is there from the start: connecting tells when it is ours. */
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	b = buf_new(fe);
	assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/*
 * Frontends that go away at every stage of a session, some with requests
 * held by the rate limiter; after each, a new frontend is served.
 */
static void
test_partial_sessions(void **state)
{
	static const char *const extra[] = {"-m", "512", "-p", "300", NULL};
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct vhd_fe_buf fb;
	uint8_t *b;
	unsigned int step, i;
	uint16_t base;

	(void)state;
	vhd_it_app_up(&a, "rng", extra, 1);
	for (step = 0; step < 6; step++) {
		char path[256];

		fe = vhd_it_fe_track(vhd_fe_create(NULL));
		assert_non_null(fe);
		if (step == 0) {
			/* Connected, not a word said, gone. */
			vhd_fe_app_sock(&a, 0, path, sizeof(path));
			assert_int_equal(vhd_fe_connect(fe, path, WAIT_MS), 0);
			vhd_fe_app_sleep_ms(20);
			vhd_it_fe_done(fe);
			goto check;
		}
		if (vhd_fe_app_attach(&a, 0, fe, F_ALL, false) != 0)
			fail_msg("step %u: %s", step, vhd_fe_error(fe));
		if (step == 1) {
			/* Negotiated, no rings. */
			vhd_it_fe_done(fe);
			goto check;
		}
		assert_int_equal(vhd_fe_queue_setup(fe, 0, QSZ), 0);
		assert_int_equal(vhd_fe_queue_start(fe, 0), 0);
		b = buf_new(fe);
		fb = (struct vhd_fe_buf){b, 200};
		if (step == 3 || step == 5) {
			/* More than the budget: some requests are held when we go. */
			for (i = 0; i < 8; i++)
				assert_true(vhd_fe_post(fe, 0, &fb, 0, 1, false, NULL, true) >= 0);
			vhd_fe_app_sleep_ms(50);
		}
		if (step == 4 || step == 5)
			assert_int_equal(vhd_fe_queue_stop(fe, 0, &base), 0);
		vhd_it_fe_done(fe);
check:
		fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
		b = buf_new(fe);
		if (fetch(fe, b, 100, false, true, false) == 0)
			fail_msg("step %u: nothing served to the next frontend", step);
		vhd_it_fe_done(fe);
		assert_true(vhd_fe_app_alive(&a));
	}
	vhd_it_app_down(&a, 1);
}

/* --client: the backend connects to us, and reconnects when we hang up. */
static void
test_client_mode(void **state)
{
	static const char *const client[] = {"--client", NULL};
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	char path[256];
	uint8_t *b;
	unsigned int round;

	(void)state;
	vhd_it_app_init(&a, "rng");
	fe = vhd_it_fe_track(vhd_fe_create(NULL));
	assert_non_null(fe);
	assert_int_equal(vhd_fe_listen(fe, vhd_fe_app_sock(&a, 0, path, sizeof(path))), 0);
	vhd_it_app_start(&a, client, NULL, 0);
	for (round = 0; round < 2; round++) {
		if (vhd_fe_accept(fe, VHD_FE_APP_TIMEOUT_MS) != 0)
			fail_msg("round %u: backend did not connect: %s", round, vhd_fe_error(fe));
		if (round == 0) {
			assert_int_equal(vhd_fe_negotiate(fe, F_ALL, VHD_FE_PROTO_DEFAULT), 0);
			assert_int_equal(vhd_fe_queue_setup(fe, 0, QSZ), 0);
			assert_int_equal(vhd_fe_queue_start(fe, 0), 0);
			b = buf_new(fe);
		} else {
			assert_int_equal(vhd_fe_resume(fe), 0);
		}
		assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);
		assert_false(constant(b, BUFSZ));
		vhd_fe_disconnect(fe);
	}
	vhd_it_app_stop(&a, 0);
	vhd_it_fe_done(fe);
	vhd_it_app_fini(&a);
}

/* Ways to break a chain. Each writes descriptors d[0..3] (taken off the free list). */
enum bad_kind {
	BAD_HEAD_RANGE,
	BAD_NEXT_RANGE,
	BAD_LOOP,
	BAD_SELF_LOOP,
	BAD_NESTED_INDIRECT,
	BAD_INDIRECT_LEN,
	BAD_INDIRECT_ZERO,
	BAD_INDIRECT_NEXT,
	BAD_INDIRECT_LOOP,
	BAD_INDIRECT_TABLE_OUTSIDE,
	BAD_ADDR_OUTSIDE,
	BAD_ADDR_STRADDLE,
	BAD_ADDR_WRAP,
	BAD_RD_AFTER_WR,
	BAD_COUNT,
};

static const char *const bad_names[BAD_COUNT] = {
	"head >= size", "next >= size", "two-descriptor loop", "self loop",
	"indirect in indirect", "indirect len % 16", "indirect len 0", "indirect with NEXT",
	"loop inside indirect table", "indirect table outside memory",
	"address outside memory", "buffer straddling the end of memory",
	"address + len wraps 2^64", "readable after writable",
};

/* Build bad chain @p k; returns the head to put on the ring. */
static uint16_t
make_bad(struct vhd_fe_ring *r, enum bad_kind k, const uint16_t *d, uint8_t *buf,
	 struct vhd_vring_desc *tbl, uint64_t tbl_gpa)
{
	struct vhd_fe_mem *m = r->mem;
	uint64_t gpa = vhd_fe_mem_gpa(m, buf), end = m->gpa_base + m->size;
	struct vhd_vring_desc *D = r->desc;
	const uint16_t WN = VHD_DESC_F_WRITE | VHD_DESC_F_NEXT;

	switch (k) {
	case BAD_HEAD_RANGE:
		return (uint16_t)(r->size + 3);
	case BAD_NEXT_RANGE:
		D[d[0]] = (struct vhd_vring_desc){gpa, 16, WN, (uint16_t)(r->size + 1)};
		break;
	case BAD_LOOP:
		D[d[0]] = (struct vhd_vring_desc){gpa, 16, WN, d[1]};
		D[d[1]] = (struct vhd_vring_desc){gpa, 16, WN, d[0]};
		break;
	case BAD_SELF_LOOP:
		D[d[0]] = (struct vhd_vring_desc){gpa, 16, WN, d[0]};
		break;
	case BAD_NESTED_INDIRECT:
		tbl[0] = (struct vhd_vring_desc){tbl_gpa + 64, 32, VHD_DESC_F_INDIRECT, 0};
		tbl[4] = (struct vhd_vring_desc){gpa, 16, VHD_DESC_F_WRITE, 0};
		tbl[5] = tbl[4];
		D[d[0]] = (struct vhd_vring_desc){tbl_gpa, 16, VHD_DESC_F_INDIRECT, 0};
		break;
	case BAD_INDIRECT_LEN:
		tbl[0] = (struct vhd_vring_desc){gpa, 16, VHD_DESC_F_WRITE, 0};
		tbl[1] = tbl[0];
		D[d[0]] = (struct vhd_vring_desc){tbl_gpa, 24, VHD_DESC_F_INDIRECT, 0};
		break;
	case BAD_INDIRECT_ZERO:
		D[d[0]] = (struct vhd_vring_desc){tbl_gpa, 0, VHD_DESC_F_INDIRECT, 0};
		break;
	case BAD_INDIRECT_NEXT:
		tbl[0] = (struct vhd_vring_desc){gpa, 16, VHD_DESC_F_WRITE, 0};
		D[d[0]] = (struct vhd_vring_desc){tbl_gpa, 16,
						  VHD_DESC_F_INDIRECT | VHD_DESC_F_NEXT, d[1]};
		D[d[1]] = (struct vhd_vring_desc){gpa, 16, VHD_DESC_F_WRITE, 0};
		break;
	case BAD_INDIRECT_LOOP:
		tbl[0] = (struct vhd_vring_desc){gpa, 16, WN, 1};
		tbl[1] = (struct vhd_vring_desc){gpa, 16, WN, 0};
		D[d[0]] = (struct vhd_vring_desc){tbl_gpa, 32, VHD_DESC_F_INDIRECT, 0};
		break;
	case BAD_INDIRECT_TABLE_OUTSIDE:
		D[d[0]] = (struct vhd_vring_desc){end + 4096, 32, VHD_DESC_F_INDIRECT, 0};
		break;
	case BAD_ADDR_OUTSIDE:
		D[d[0]] = (struct vhd_vring_desc){end + 4096, 16, VHD_DESC_F_WRITE, 0};
		break;
	case BAD_ADDR_STRADDLE:
		D[d[0]] = (struct vhd_vring_desc){end - 8, 64, VHD_DESC_F_WRITE, 0};
		break;
	case BAD_ADDR_WRAP:
		D[d[0]] = (struct vhd_vring_desc){~0ULL - 7, 64, VHD_DESC_F_WRITE, 0};
		break;
	case BAD_RD_AFTER_WR:
		D[d[0]] = (struct vhd_vring_desc){gpa, 16, WN, d[1]};
		D[d[1]] = (struct vhd_vring_desc){gpa + 16, 16, 0, 0};
		break;
	default:
		fail();
	}
	return d[0];
}

/*
 * Post bad chain @p k then a good request; the bad one must come back with
 * used length 0 and nothing written, the good one served.
 */
static void
bad_then_good(struct vhd_fe_app *a, struct vhd_fe *fe, enum bad_kind k, uint8_t *buf,
	      uint8_t *good)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(fe, 0);
	struct vhd_vring_desc *tbl;
	struct vhd_fe_buf fb = {good, BUFSZ};
	uint64_t tbl_gpa;
	uint16_t d[2], bad_head, id;
	uint32_t len;
	int good_head;
	bool bad_seen = false, good_seen = false;

	tbl = vhd_fe_mem_alloc(vhd_fe_mem(fe), 256, 16, &tbl_gpa);
	assert_non_null(tbl);
	assert_int_equal(vhd_fe_desc_take(r, d, 2), 0);
	memset(buf, 0, BUFSZ);
	bad_head = make_bad(r, k, d, buf, tbl, tbl_gpa);
	vhd_fe_ring_add_raw_head(r, bad_head);
	assert_true(vhd_fe_publish(fe, 0, true) >= 0);
	memset(good, 0, BUFSZ);
	good_head = vhd_fe_post(fe, 0, &fb, 0, 1, false, NULL, true);
	assert_true(good_head >= 0);
	while (!bad_seen || !good_seen) {
		if (vhd_fe_wait_used(fe, 0, WAIT_MS) <= 0)
			fail_msg("%s: %s never came back (app %s)", bad_names[k],
				 bad_seen ? "the good request after it" : "the bad chain",
				 vhd_fe_app_alive(a) ? "alive" : "DEAD");
		while (vhd_fe_ring_get_used(r, &id, &len, NULL) == 1) {
			if (!bad_seen && id == bad_head) {
				if (len != 0)
					fail_msg("%s: used len %u, want 0", bad_names[k], len);
				bad_seen = true;
			} else if (id == (uint16_t)good_head) {
				if (!bad_seen)
					fail_msg("%s: good request completed before the bad chain",
						 bad_names[k]);
				assert_int_equal(len, BUFSZ);
				assert_false(constant(good, BUFSZ));
				good_seen = true;
			} else {
				fail_msg("%s: unexpected used id %u len %u", bad_names[k], id, len);
			}
		}
	}
	/* A rejected chain must not have been written to (16 bytes at least untouched). */
	if (k != BAD_HEAD_RANGE && k != BAD_ADDR_STRADDLE && k != BAD_ADDR_OUTSIDE)
		assert_true(constant(buf, BUFSZ) && buf[0] == 0);
	guard_check(good);
	vhd_fe_desc_give(r, d, 2);
}

static void
run_malformed(uint64_t want)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	uint8_t *buf, *good;
	unsigned int k;

	vhd_it_app_up(&a, "rng", NULL, 1);
	fe = vhd_it_fe_up(&a, 0, want, 1, QSZ);
	buf = buf_new(fe);
	good = buf_new(fe);
	for (k = 0; k < BAD_COUNT; k++) {
		print_message("malformed: %s\n", bad_names[k]);
		bad_then_good(&a, fe, (enum bad_kind)k, buf, good);
	}
	/* The device still serves a fresh connection, and stops cleanly. */
	vhd_it_fe_done(fe);
	fe = vhd_it_fe_up(&a, 0, want, 1, QSZ);
	check_data(fe, false, true, false);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

static void
test_malformed(void **state)
{
	(void)state;
	vhd_it_split_only();
	run_malformed(F_ALL);
}

static void
test_malformed_no_evidx(void **state)
{
	(void)state;
	vhd_it_split_only();
	run_malformed(F_NO_EVIDX);
}

/*
 * Random chains, valid or not, each followed by a good request: the device
 * keeps serving, returns every chain, and writes nothing outside the
 * writable buffers we described. Deterministic: the seed is printed.
 */
#define FUZZ_ROUNDS 1500
#define SCRATCH (64 * 1024)
#define SCRATCH_BYTE 0xee

static uint64_t fuzz_state;

static uint32_t
fuzz_rand(void)
{
	/* xorshift64*: reproducible from the printed seed. */
	fuzz_state ^= fuzz_state >> 12;
	fuzz_state ^= fuzz_state << 25;
	fuzz_state ^= fuzz_state >> 27;
	return (uint32_t)((fuzz_state * 2685821657736338717ULL) >> 32);
}

/* A random descriptor, mostly pointing into the scratch area. */
static struct vhd_vring_desc
fuzz_desc(const struct vhd_fe_mem *m, uint64_t scratch_gpa, uint16_t n_ids, const uint16_t *ids,
	  uint16_t size)
{
	struct vhd_vring_desc d;
	uint32_t r = fuzz_rand() % 100;

	d.len = fuzz_rand() % 1024;
	if (r < 75) {
		d.addr = scratch_gpa + fuzz_rand() % (SCRATCH - 1024);
	} else if (r < 85) {
		d.addr = m->gpa_base + m->size - fuzz_rand() % 512; /* straddles the end */
	} else if (r < 92) {
		d.addr = m->gpa_base - 1 - fuzz_rand() % 4096; /* below memory */
	} else {
		d.addr = ((uint64_t)fuzz_rand() << 32) | fuzz_rand();
	}
	d.flags = (uint16_t)(fuzz_rand() % 100 < 85 ? VHD_DESC_F_WRITE : 0);
	if (fuzz_rand() % 100 < 40)
		d.flags |= VHD_DESC_F_NEXT;
	if (fuzz_rand() % 100 < 5)
		d.flags |= VHD_DESC_F_INDIRECT;
	d.next = fuzz_rand() % 100 < 85 ? ids[fuzz_rand() % n_ids] :
					   (uint16_t)(fuzz_rand() % (2u * size));
	return d;
}

/* True when [gpa, gpa + 1) lies in a writable descriptor of @p d. */
static bool
in_writable(const struct vhd_vring_desc *d, unsigned int n, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if ((d[i].flags & VHD_DESC_F_WRITE) && gpa >= d[i].addr && gpa - d[i].addr < d[i].len)
			return true;
	return false;
}

/* What a fuzz test checks and counts. */
struct fuzz_run {
	uint64_t seed;
	uint8_t *scratch, *good;
	uint64_t scratch_gpa;
	unsigned int n_ok, n_zero;
};

/*
 * Wait for the random chain (@p bad_id) and the good request (@p good_head)
 * of this round; the chain's used length within what it described as
 * writable, the good one full, nothing written outside the writable
 * buffers in @p all (12 descriptors).
 */
/* Start the app, connect, and lay out the good buffer, scratch and an
 * 8-entry table of @p desc_size descriptors.
 */
static void
fuzz_up(struct vhd_fe_app *a, struct vhd_fe **fe, struct fuzz_run *fr, size_t desc_size,
	void **tbl, uint64_t *tbl_gpa)
{
	struct vhd_fe_mem *m;

	vhd_it_app_up(a, "rng", NULL, 1);
	*fe = vhd_it_fe_up(a, 0, F_ALL, 1, QSZ);
	m = vhd_fe_mem(*fe);
	fr->good = buf_new(*fe);
	fr->scratch = vhd_fe_mem_alloc(m, SCRATCH, 64, &fr->scratch_gpa);
	*tbl = vhd_fe_mem_alloc(m, 8 * desc_size, 16, tbl_gpa);
	assert_non_null(fr->scratch);
	assert_non_null(*tbl);
}

static void
fuzz_round_check(struct vhd_fe_app *a, struct vhd_fe *fe, struct fuzz_run *fr, unsigned int round,
		 uint16_t bad_id, uint32_t wr_total, int good_head, const struct vhd_vring_desc *all)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(fe, 0);
	bool bad_back = false, good_back = false;
	uint64_t seed = fr->seed;
	uint32_t len;
	unsigned int i;
	uint16_t id;

	while (!bad_back || !good_back) {
		if (vhd_fe_wait_used(fe, 0, WAIT_MS) <= 0)
			fail_msg("round %u (seed %#" PRIx64 "): %s never came back (app %s)", round,
				 seed, bad_back ? "the good request" : "the chain",
				 vhd_fe_app_alive(a) ? "alive" : "DEAD");
		while (vhd_fe_ring_get_used(r, &id, &len, NULL) == 1) {
			if (!bad_back && id == bad_id) {
				bad_back = true;
				if (len > wr_total)
					fail_msg("round %u (seed %#" PRIx64 "): used len %u > %u "
						 "writable bytes described", round, seed, len, wr_total);
				if (len == 0)
					fr->n_zero++;
				else
					fr->n_ok++;
			} else if (id == (uint16_t)good_head) {
				assert_int_equal(len, BUFSZ);
				good_back = true;
			} else {
				fail_msg("round %u (seed %#" PRIx64 "): unexpected used id %u", round,
					 seed, id);
			}
		}
	}
	for (i = 0; i < SCRATCH; i++)
		if (fr->scratch[i] != SCRATCH_BYTE && !in_writable(all, 12, fr->scratch_gpa + i))
			fail_msg("round %u (seed %#" PRIx64 "): byte %u of scratch written outside "
				 "every writable buffer", round, seed, i);
	guard_check(fr->good);
}

static void
test_fuzz_chains(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct vhd_fe_ring *r;
	struct vhd_fe_mem *m;
	struct vhd_vring_desc *tbl, all[4 + 8];
	struct fuzz_run fr = {0};
	uint64_t scratch_gpa, tbl_gpa;
	uint16_t ids[4];
	unsigned int round, i;

	(void)state;
	vhd_it_split_only();
	fr.seed = vhd_it_seed("fuzz");
	fuzz_state = fr.seed;
	fuzz_up(&a, &fe, &fr, sizeof(*tbl), (void **)&tbl, &tbl_gpa);
	r = vhd_fe_queue_ring(fe, 0);
	m = vhd_fe_mem(fe);
	scratch_gpa = fr.scratch_gpa;
	assert_int_equal(vhd_fe_desc_take(r, ids, 4), 0);
	for (round = 0; round < FUZZ_ROUNDS; round++) {
		struct vhd_fe_buf fb = {fr.good, BUFSZ};
		uint32_t wr_total = 0;
		int good_head;

		memset(fr.scratch, SCRATCH_BYTE, SCRATCH);
		for (i = 0; i < 4; i++)
			all[i] = r->desc[ids[i]] = fuzz_desc(m, scratch_gpa, 4, ids, r->size);
		for (i = 0; i < 8; i++) {
			uint16_t tids[8] = {0, 1, 2, 3, 4, 5, 6, 7};

			all[4 + i] = tbl[i] = fuzz_desc(m, scratch_gpa, 8, tids, 8);
		}
		/* Sometimes a well-formed indirect head over the random table. */
		if (fuzz_rand() % 100 < 25)
			all[0] = r->desc[ids[0]] = (struct vhd_vring_desc){
				tbl_gpa, 16 * (1 + fuzz_rand() % 8), VHD_DESC_F_INDIRECT, 0};
		for (i = 0; i < 12; i++)
			if (all[i].flags & VHD_DESC_F_WRITE)
				wr_total += all[i].len;
		vhd_fe_ring_add_raw_head(r, ids[0]);
		assert_true(vhd_fe_publish(fe, 0, true) >= 0);
		good_head = vhd_fe_post(fe, 0, &fb, 0, 1, false, NULL, true);
		assert_true(good_head >= 0);
		fuzz_round_check(&a, fe, &fr, round, ids[0], wr_total, good_head, all);
	}
	print_message("fuzz: %u chains served, %u returned with length 0\n", fr.n_ok, fr.n_zero);
	vhd_fe_desc_give(r, ids, 4);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* A random packed descriptor, mostly pointing into the scratch area. */
static struct vhd_vring_packed_desc
fuzz_packed_desc(const struct vhd_fe_mem *m, uint64_t scratch_gpa, uint16_t size)
{
	struct vhd_vring_desc d = fuzz_desc(m, scratch_gpa, 1, &size, size);
	struct vhd_vring_packed_desc p;

	p.addr = d.addr;
	p.len = d.len;
	/* ids 1..2*size: in range and free, or out of range (id 0 is the good one's) */
	p.id = (uint16_t)(1 + fuzz_rand() % (2u * size - 1));
	p.flags = d.flags & (VHD_DESC_F_WRITE | VHD_DESC_F_INDIRECT);
	return p;
}

/*
 * The same on a packed ring: random chains of 1..4 descriptors (random
 * addresses, lengths, directions, indirect flags and tables, buffer ids in
 * and out of range), each followed by a good request. Avail flags and NEXT
 * links are kept right so that both sides stay in step; the engine's unit
 * tests cover the broken ones.
 */
static void
test_fuzz_chains_packed(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_vring_packed_desc *tbl, d[4];
	struct vhd_vring_desc all[4 + 8];
	struct fuzz_run fr = {0};
	struct vhd_fe *fe;
	struct vhd_fe_ring *r;
	struct vhd_fe_mem *m;
	uint64_t scratch_gpa, tbl_gpa;
	unsigned int round, i, n;

	(void)state;
	vhd_it_packed_only();
	fr.seed = vhd_it_seed("fuzz-packed");
	fuzz_state = fr.seed;
	fuzz_up(&a, &fe, &fr, sizeof(*tbl), (void **)&tbl, &tbl_gpa);
	r = vhd_fe_queue_ring(fe, 0);
	assert_true(r->packed);
	m = vhd_fe_mem(fe);
	scratch_gpa = fr.scratch_gpa;
	for (round = 0; round < FUZZ_ROUNDS; round++) {
		struct vhd_fe_buf fb = {fr.good, BUFSZ};
		uint32_t wr_total = 0;
		int good_head;

		memset(fr.scratch, SCRATCH_BYTE, SCRATCH);
		memset(all, 0, sizeof(all));
		n = 1 + fuzz_rand() % 4;
		for (i = 0; i < n; i++) {
			d[i] = fuzz_packed_desc(m, scratch_gpa, r->size);
			d[i].id = d[n > 1 ? 0 : i].id;
		}
		for (i = 0; i < 8; i++) {
			tbl[i] = fuzz_packed_desc(m, scratch_gpa, r->size);
			all[4 + i] = (struct vhd_vring_desc){tbl[i].addr, tbl[i].len, tbl[i].flags, 0};
		}
		/* Sometimes a well-formed indirect buffer over the random table. */
		if (fuzz_rand() % 100 < 25) {
			n = 1;
			d[0].addr = tbl_gpa;
			d[0].len = 16 * (1 + fuzz_rand() % 8);
			d[0].flags = VHD_DESC_F_INDIRECT;
		}
		for (i = 0; i < n; i++) {
			all[i] = (struct vhd_vring_desc){d[i].addr, d[i].len, d[i].flags, 0};
			d[i].flags |= vhd_fe_packed_avail_flags(r, i);
			if (i + 1 < n)
				d[i].flags |= VHD_DESC_F_NEXT;
		}
		for (i = 0; i < 12; i++)
			if (all[i].flags & VHD_DESC_F_WRITE)
				wr_total += all[i].len;
		vhd_fe_packed_put_raw(r, d, n);
		good_head = vhd_fe_post(fe, 0, &fb, 0, 1, false, NULL, true);
		assert_true(good_head >= 0);
		fuzz_round_check(&a, fe, &fr, round, d[n - 1].id, wr_total, good_head, all);
	}
	print_message("fuzz-packed: %u chains served, %u returned with length 0\n", fr.n_ok,
		      fr.n_zero);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* Indirect descriptors when INDIRECT_DESC was not negotiated. */
static void
test_indirect_not_negotiated(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct vhd_fe_ring *r;
	struct vhd_vring_desc *tbl;
	uint8_t *buf, *good;
	uint64_t tbl_gpa;
	uint16_t d[1], id;
	uint32_t len;

	(void)state;
	vhd_it_split_only();
	vhd_it_app_up(&a, "rng", NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_NO_INDIRECT, 1, QSZ);
	assert_false(vhd_fe_features(fe) & VHD_BIT(VHD_F_RING_INDIRECT_DESC));
	r = vhd_fe_queue_ring(fe, 0);
	buf = buf_new(fe);
	good = buf_new(fe);
	tbl = vhd_fe_mem_alloc(vhd_fe_mem(fe), 16, 16, &tbl_gpa);
	tbl[0] = (struct vhd_vring_desc){vhd_fe_mem_gpa(r->mem, buf), 16, VHD_DESC_F_WRITE, 0};
	assert_int_equal(vhd_fe_desc_take(r, d, 1), 0);
	r->desc[d[0]] = (struct vhd_vring_desc){tbl_gpa, 16, VHD_DESC_F_INDIRECT, 0};
	vhd_fe_ring_add_raw_head(r, d[0]);
	assert_true(vhd_fe_publish(fe, 0, true) >= 0);
	wait_one(fe, false, &id, &len);
	assert_int_equal(id, d[0]);
	assert_int_equal(len, 0);
	vhd_fe_desc_give(r, d, 1);
	assert_int_equal(fetch(fe, good, BUFSZ, false, true, false), BUFSZ);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/*
 * avail->idx jumping by more than the ring size is not credible: nothing
 * may be taken from the ring (the heads there are stale); once the index is
 * sane again, requests are served.
 */
static void
test_avail_jump(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct vhd_fe_ring *r;
	uint8_t *good;
	uint16_t used_before;

	(void)state;
	vhd_it_split_only();
	vhd_it_app_up(&a, "rng", NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	r = vhd_fe_queue_ring(fe, 0);
	good = buf_new(fe);
	assert_int_equal(fetch(fe, good, BUFSZ, false, true, false), BUFSZ);
	used_before = r->used->idx;
	r->avail_idx = (uint16_t)(r->avail_idx + QSZ + 7);
	vhd_fe_ring_publish(r);
	assert_int_equal(vhd_fe_kick(fe, 0), 0);
	vhd_fe_app_sleep_ms(300);
	assert_true(vhd_fe_app_alive(&a));
	assert_int_equal(r->used->idx, used_before);
	r->avail_idx = (uint16_t)(r->avail_idx - QSZ - 7);
	vhd_fe_ring_publish(r);
	assert_int_equal(fetch(fe, good, BUFSZ, false, true, false), BUFSZ);
	assert_false(constant(good, BUFSZ));
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* Interrupt mode: kicked requests are served with a call, and idle costs nothing. */
static void
run_interrupt(uint64_t want)
{
	static const char *const extra[] = {"--mode", "interrupt", NULL};
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct vhd_fe_ring *r;
	struct vhd_fe_buf fb;
	uint8_t *b;
	unsigned int i;
	uint32_t len;
	uint16_t id;

	vhd_it_app_up(&a, "rng", extra, 1);
	fe = vhd_it_fe_up(&a, 0, want, 1, QSZ);
	r = vhd_fe_queue_ring(fe, 0);
	b = buf_new(fe);
	for (i = 0; i < 16; i++) {
		fb = (struct vhd_fe_buf){b, BUFSZ};
		vhd_fe_ring_want_calls(r, true);
		assert_true(vhd_fe_post(fe, 0, &fb, 0, 1, false, NULL, true) >= 0);
		/* Served because of the kick, and we are told by a call. */
		if (vhd_fe_wait_call(fe, 0, WAIT_MS) != 1)
			fail_msg("request %u: no call within %d ms, used idx %u avail idx %u", i,
				 WAIT_MS, r->used->idx, r->avail_idx);
		assert_true(vhd_fe_ring_used_pending(r) > 0);
		assert_int_equal(vhd_fe_ring_get_used(r, &id, &len, NULL), 1);
		assert_int_equal(len, BUFSZ);
		vhd_fe_app_sleep_ms(10);
	}
	/* Let it settle into sleep, then measure one idle second. */
	vhd_it_idle_cpu(&a, "interrupt mode idle", 5);
	/* Asleep, it must ask for kicks, and wake up on one. */
	fb = (struct vhd_fe_buf){b, BUFSZ};
	assert_true(vhd_fe_post(fe, 0, &fb, 0, 1, false, NULL, false) >= 0);
	assert_int_equal(vhd_fe_publish(fe, 0, true), 1);
	wait_one(fe, false, &id, &len);
	assert_int_equal(len, BUFSZ);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

static void
test_interrupt_mode(void **state)
{
	(void)state;
	run_interrupt(F_ALL);
}

static void
test_interrupt_mode_no_evidx(void **state)
{
	(void)state;
	run_interrupt(F_NO_EVIDX);
}

/* Field @p f of queue 0 in reply @p r to /vhost_device/queues,0; fails the test when absent. */
static int64_t
queue0(const char *r, const char *f)
{
	int64_t v = vhd_fe_app_json_u64(r, "queue0", f);

	if (v < 0)
		fail_msg("no %s for queue0 in %s", f, r);
	return v;
}

/*
 * /vhost_device/queues tells a lost kick from a lost interrupt: a chain
 * published without a kick shows as pending with kicks armed and our
 * last_avail behind the guest's avail index; once served, nothing is
 * pending and the guest's used index is ours.
 */
static void
test_queues_telemetry(void **state)
{
	static const char *const extra[] = {"--mode", "interrupt", NULL};
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct vhd_fe_ring *r;
	struct vhd_fe_buf fb;
	char reply[4096];
	unsigned int i;
	uint16_t id;
	uint32_t len;
	uint8_t *b;

	(void)state;
	vhd_it_app_up(&a, "rng", extra, 1);
	assert_true(vhd_fe_app_telemetry(&a, "/vhost_device/queues,0", reply, sizeof(reply)) > 0);
	assert_non_null(strstr(reply, "\"stopped\""));
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	r = vhd_fe_queue_ring(fe, 0);
	b = buf_new(fe);
	assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);
	vhd_fe_app_sleep_ms(100); /* asleep with kicks armed */
	fb = (struct vhd_fe_buf){b, BUFSZ};
	assert_true(vhd_fe_post(fe, 0, &fb, 0, 1, false, NULL, false) >= 0); /* no kick */
	vhd_fe_app_sleep_ms(100);
	/* twice: looking must not wake the worker (a stall stays visible) */
	for (i = 0; i < 2; i++) {
		assert_true(vhd_fe_app_telemetry(&a, "/vhost_device/queues,0", reply,
						 sizeof(reply)) > 0);
		assert_non_null(strstr(reply, "\"running\""));
		assert_int_equal(queue0(reply, "kicks_armed"), 1);
		assert_int_equal(queue0(reply, "pending"), 1);
		assert_int_equal(queue0(reply, "packed"), vhd_fe_app_packed());
		if (!vhd_fe_app_packed()) { /* packed: positions, and flags for the index */
			assert_int_equal(queue0(reply, "guest_avail_idx"), r->avail_idx);
			assert_int_equal(queue0(reply, "last_avail"), (uint16_t)(r->avail_idx - 1));
			assert_int_equal(queue0(reply, "used_idx"), r->used->idx);
		}
		vhd_fe_app_sleep_ms(50);
	}
	assert_int_equal(vhd_fe_kick(fe, 0), 0);
	wait_one(fe, false, &id, &len);
	assert_true(vhd_fe_app_telemetry(&a, "/vhost_device/queues,0", reply, sizeof(reply)) > 0);
	assert_int_equal(queue0(reply, "pending"), 0);
	assert_int_equal(queue0(reply, "unpublished"), 0);
	assert_int_equal(queue0(reply, "guest_used_idx"), queue0(reply, "used_idx"));
	if (!vhd_fe_app_packed()) {
		assert_int_equal(queue0(reply, "last_avail"), r->avail_idx);
		assert_int_equal(queue0(reply, "guest_used_idx"), r->used->idx);
		assert_int_equal(queue0(reply, "signalled_used"), r->used->idx);
	}
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/*
 * Interrupt mode idles without spinning also before any frontend came and
 * with several sockets.
 */
static void
test_interrupt_idle_unconnected(void **state)
{
	static const char *const extra[] = {"--mode", "interrupt", "-c", "3", NULL};
	static struct vhd_fe_app a;

	(void)state;
	vhd_it_app_up(&a, "rng", extra, 3);
	vhd_it_idle_cpu(&a, "interrupt mode, 3 sockets, nobody connected", 5);
	vhd_it_app_down(&a, 3);
}

/* SIGINT stops as cleanly as SIGTERM. */
static void
test_sigint(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	char path[256];
	struct stat st;
	uint8_t *b;
	int rc;

	(void)state;
	vhd_it_app_up(&a, "rng", NULL, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	b = buf_new(fe);
	assert_int_equal(fetch(fe, b, BUFSZ, false, true, false), BUFSZ);
	kill(a.pid, SIGINT);
	rc = vhd_fe_app_wait_exit(&a, VHD_FE_APP_TIMEOUT_MS);
	if (rc != 0)
		fail_msg("exit %d after SIGINT", rc);
	assert_int_not_equal(stat(vhd_fe_app_sock(&a, 0, path, sizeof(path)), &st), 0);
	vhd_it_app_fini(&a);
	vhd_it_fe_done(fe);
}

/*
 * Call suppression without EVENT_IDX: with VRING_AVAIL_F_NO_INTERRUPT set
 * the device should not call, unless NOTIFY_ON_EMPTY was negotiated and
 * the ring ran empty.
 */
static void
run_no_interrupt(bool notify_on_empty)
{
	static const char *const extra[] = {"--mode", "interrupt", NULL};
	static struct vhd_fe_app a;
	uint64_t want = F_NO_EVIDX;
	struct vhd_fe *fe;
	struct vhd_fe_ring *r;
	struct vhd_fe_buf fb;
	uint8_t *b;
	unsigned int i;
	uint32_t len;
	uint16_t id;
	int call;

	if (!notify_on_empty)
		want &= ~VHD_BIT(VHD_F_NOTIFY_ON_EMPTY);
	vhd_it_app_up(&a, "rng", extra, 1);
	fe = vhd_it_fe_up(&a, 0, want, 1, QSZ);
	if (notify_on_empty && !(vhd_fe_features(fe) & VHD_BIT(VHD_F_NOTIFY_ON_EMPTY))) {
		vhd_it_fe_done(fe);
		vhd_it_app_down(&a, 1);
		skip();
	}
	r = vhd_fe_queue_ring(fe, 0);
	b = buf_new(fe);
	for (i = 0; i < 4; i++) {
		fb = (struct vhd_fe_buf){b, BUFSZ};
		while (vhd_fe_wait_call(fe, 0, 0) == 1)
			;
		assert_false(vhd_fe_ring_want_calls(r, false));
		assert_true(vhd_fe_post(fe, 0, &fb, 0, 1, false, NULL, true) >= 0);
		call = vhd_fe_wait_call(fe, 0, notify_on_empty ? WAIT_MS : 300);
		assert_true(vhd_fe_poll_used(fe, 0, WAIT_MS) > 0);
		assert_int_equal(vhd_fe_ring_get_used(r, &id, &len, NULL), 1);
		assert_int_equal(len, BUFSZ);
		if (notify_on_empty && call != 1)
			fail_msg("request %u: NOTIFY_ON_EMPTY but no call when the ring ran empty", i);
		if (!notify_on_empty && call != 0)
			fail_msg("request %u: called although NO_INTERRUPT was set", i);
	}
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

static void
test_no_interrupt(void **state)
{
	(void)state;
	run_no_interrupt(false);
}

static void
test_notify_on_empty(void **state)
{
	(void)state;
	run_no_interrupt(true);
}

/* Poll mode: served without any kick, found by polling the ring. */
static void
test_poll_mode(void **state)
{
	static const char *const extra[] = {"--mode", "poll", NULL};
	uint64_t wants[] = {F_ALL, F_NO_EVIDX};
	static struct vhd_fe_app a;
	unsigned int w;

	(void)state;
	vhd_it_app_up(&a, "rng", extra, 1);
	for (w = 0; w < 2; w++) {
		struct vhd_fe *fe = vhd_it_fe_up(&a, 0, wants[w], 1, QSZ);

		check_data(fe, false, false, true);
		vhd_it_fe_done(fe);
	}
	vhd_it_app_down(&a, 1);
}

/* Hybrid mode serves both kicked and unkicked-but-soon-after requests. */
static void
test_hybrid_mode(void **state)
{
	static const char *const extra[] = {"--mode", "hybrid", NULL};
	static struct vhd_fe_app a;
	struct vhd_fe *fe;

	(void)state;
	vhd_it_app_up(&a, "rng", extra, 1);
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	check_data(fe, false, true, false);
	vhd_fe_app_sleep_ms(100);
	check_data(fe, true, true, false);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/*
 * Bad command lines: any non-zero exit, no socket left, one error line. DPDK's own log lines
 * (EAL, rte_vhost) are not ours to count.
 */
static void
test_bad_options(void **state)
{
	static const char *const missing[] = {"-f", "/nonexistent/rng-source", NULL};
	static const char *const zero[] = {"-c", "0", NULL};
	static const char *const garbage_p[] = {"-p", "abc", NULL};
	static const char *const garbage_m[] = {"-m", "12x", NULL};
	static const char *const garbage_c[] = {"--socket-count", "two", NULL};
	static const char *const big_p[] = {"-p", "65537", NULL};
	static const char *const neg_m[] = {"-m", "-5", NULL};
	static const char *const unknown[] = {"--bogus", NULL};
	static const char *const none[] = {NULL};
	static const char *const no_dir[] = {"-s", "/nonexistent/dir/rng.sock", NULL};
	static const char *const bad_mode[] = {"--mode", "bogus", NULL};
	static const char *const bad_hybrid[] = {"--hybrid-poll-us", "abc", NULL};
	static const char *const bad_lcore[] = {"--worker-lcore", "99", NULL};
	static const char *const no_value[] = {"-c", NULL};
	static const char *const dpdk[] = {"EAL: ", "TELEMETRY: ", "VHOST_CONFIG: ", NULL};
	static const struct vhd_it_bad_cmdline rng = {.name = "rng", .ignore = dpdk};

	(void)state;
	vhd_it_bad_cmdline(&rng, "missing source file", missing, true, "/nonexistent/rng-source");
	vhd_it_bad_cmdline(&rng, "-c 0", zero, true, "0");
	vhd_it_bad_cmdline(&rng, "-p abc", garbage_p, true, "abc");
	vhd_it_bad_cmdline(&rng, "-m 12x", garbage_m, true, "12x");
	vhd_it_bad_cmdline(&rng, "--socket-count two", garbage_c, true, "two");
	vhd_it_bad_cmdline(&rng, "-p 65537", big_p, true, "65537");
	vhd_it_bad_cmdline(&rng, "-m -5", neg_m, true, "-5");
	vhd_it_bad_cmdline(&rng, "unknown option", unknown, true, "bogus");
	vhd_it_bad_cmdline(&rng, "no socket path", none, false, NULL);
	vhd_it_bad_cmdline(&rng, "socket in a missing directory", no_dir, false,
			   "/nonexistent/dir");
	vhd_it_bad_cmdline(&rng, "--mode bogus", bad_mode, true, "bogus");
	vhd_it_bad_cmdline(&rng, "--hybrid-poll-us abc", bad_hybrid, true, "abc");
	vhd_it_bad_cmdline(&rng, "--worker-lcore not in -l", bad_lcore, true, "99");
	vhd_it_bad_cmdline(&rng, "-c without a value", no_value, true, "-c");
}

/* An optional argument runs only the tests matching it (cmocka filter). */
int
main(int argc, char **argv)
{
#define T(f) VHD_IT_TEST(f)
	const struct CMUnitTest tests[] = {
		T(test_data),
		T(test_batch),
		T(test_chain_shapes),
		T(test_file_source),
		T(test_file_source_io_uring),
		T(test_rate_limit),
		T(test_rate_limit_interrupt),
		T(test_rate_limit_hybrid),
		T(test_rate_limit_two_sockets),
		T(test_two_sockets),
		T(test_reconnect),
		T(test_second_frontend),
		T(test_no_packed),
		T(test_mem_table_again),
		T(test_reset_owner),
		T(test_stale_socket),
		T(test_partial_sessions),
		T(test_client_mode),
		T(test_malformed),
		T(test_malformed_no_evidx),
		T(test_fuzz_chains),
		T(test_fuzz_chains_packed),
		T(test_indirect_not_negotiated),
		T(test_avail_jump),
		T(test_interrupt_mode),
		T(test_interrupt_mode_no_evidx),
		T(test_queues_telemetry),
		T(test_interrupt_idle_unconnected),
		T(test_sigint),
		T(test_no_interrupt),
		T(test_notify_on_empty),
		T(test_poll_mode),
		T(test_hybrid_mode),
		T(test_bad_options),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
