/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rng.h"
#include "vhd_test_host.h"
#include "vhd_test_pair.h"

/* A scripted source: each read returns the next scripted result. */
struct fake_src {
	int results[8]; /* >0: bytes (capped by the iovecs), 0: EOF, <0: -errno */
	unsigned int n, next;
	unsigned int rewinds;
	unsigned int reads;
	uint8_t fill;
};

static ssize_t
fake_readv(void *ctx, const struct iovec *iov, int n)
{
	struct fake_src *f = ctx;
	int r = f->next < f->n ? f->results[f->next++] : 1 << 30;
	size_t done = 0;
	int i;

	f->reads++;
	if (r < 0) {
		errno = -r;
		return -1;
	}
	for (i = 0; i < n && done < (size_t)r; i++) {
		size_t k = iov[i].iov_len < (size_t)r - done ? iov[i].iov_len : (size_t)r - done;

		memset(iov[i].iov_base, f->fill++, k);
		done += k;
	}
	return (ssize_t)done;
}

static int
fake_rewind(void *ctx)
{
	((struct fake_src *)ctx)->rewinds++;
	return 0;
}

static uint64_t fake_now;

static uint64_t
now_fn(void)
{
	return fake_now;
}

struct ctx {
	struct vhd_test_pair p;
	struct fake_src f;
	struct rng_dev dev;
};

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct rng_source s = {fake_readv, fake_rewind, NULL};

	assert_non_null(c);
	assert_int_equal(vhd_test_pair_init(&c->p, 16, VHD_BIT(VHD_F_RING_INDIRECT_DESC)), 0);
	c->f.fill = 1;
	s.ctx = &c->f;
	fake_now = 0;
	rng_dev_init(&c->dev, &s, 1000, UINT64_MAX);
	c->dev.now_ns = now_fn;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	vhd_test_pair_fini(&c->p);
	free(c);
	return 0;
}

/* Post one writable buffer of @len bytes; returns its pointer. */
static uint8_t *
post(struct ctx *c, uint32_t len)
{
	struct vhd_fe_buf b = {vhd_test_alloc(&c->p, len), len};

	assert_true(vhd_test_post(&c->p, &b, 0, 1, false) >= 0);
	return b.ptr;
}

static uint32_t
used_len(struct ctx *c)
{
	uint16_t id;
	uint32_t len;

	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	return len;
}

static void
fills_buffer(void **state)
{
	struct ctx *c = *state;
	uint8_t *buf = post(c, 64);

	assert_int_equal(vhd_test_serve(&c->p, &rng_ops, &c->dev, 0), 1);
	assert_int_equal(used_len(c), 64);
	assert_int_not_equal(buf[0], 0);
	assert_int_equal(c->dev.stats.bytes, 64);
}

static void
fills_every_segment(void **state)
{
	struct ctx *c = *state;
	struct vhd_fe_buf b[3] = {
		{vhd_test_alloc(&c->p, 3), 3},
		{vhd_test_alloc(&c->p, 5), 5},
		{vhd_test_alloc(&c->p, 7), 7},
	};

	assert_true(vhd_test_post(&c->p, b, 0, 3, true) >= 0);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), 15);
	assert_int_not_equal(((uint8_t *)b[2].ptr)[6], 0);
}

static void
readable_only_request_gets_nothing(void **state)
{
	struct ctx *c = *state;
	struct vhd_fe_buf b = {vhd_test_alloc(&c->p, 8), 8};

	assert_true(vhd_test_post(&c->p, &b, 1, 0, false) >= 0);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), 0);
	assert_int_equal(c->f.next, 0); /* the source was not touched */
}

static void
short_read_reports_short_length(void **state)
{
	struct ctx *c = *state;

	c->f.results[0] = 10;
	c->f.n = 1;
	post(c, 64);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), 10);
}

static void
read_error_answers_empty_and_queue_goes_on(void **state)
{
	struct ctx *c = *state;

	c->f.results[0] = -EIO;
	c->f.n = 1;
	post(c, 64);
	post(c, 32);
	assert_int_equal(vhd_test_serve(&c->p, &rng_ops, &c->dev, 0), 2);
	assert_int_equal(used_len(c), 0);
	assert_int_equal(used_len(c), 32);
	assert_int_equal(c->dev.stats.read_errors, 1);
}

static void
interrupted_read_is_retried(void **state)
{
	struct ctx *c = *state;

	c->f.results[0] = -EINTR;
	c->f.n = 1;
	post(c, 16);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), 16);
}

static void
eof_rewinds(void **state)
{
	struct ctx *c = *state;

	c->f.results[0] = 0;
	c->f.n = 1;
	post(c, 16);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(c->f.rewinds, 1);
	assert_int_equal(used_len(c), 16);
}

static void
eagain_leaves_request_on_ring(void **state)
{
	struct ctx *c = *state;
	uint16_t id;

	c->f.results[0] = -EAGAIN;
	c->f.n = 1;
	post(c, 16);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, NULL), 0);
	assert_true(rng_ops.next_wake(&c->dev) > 0);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), 16);
	assert_int_equal(rng_ops.next_wake(&c->dev), 0);
}

static void
rate_limit_holds_then_resumes(void **state)
{
	struct ctx *c = *state;
	struct rng_source s = c->dev.src;
	uint16_t id;

	rng_dev_init(&c->dev, &s, 100, 100); /* 100 bytes per 100 ms */
	c->dev.now_ns = now_fn;
	rng_limiter_init(&c->dev.lim, 100000000, 100, fake_now);
	post(c, 64);
	post(c, 64);
	post(c, 64);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), 64);
	assert_int_equal(used_len(c), 36); /* what was left of the budget */
	assert_int_equal(vhd_test_used(&c->p, &id, NULL), 0);
	assert_int_equal(c->dev.stats.throttled, 1);
	fake_now = 40000000;
	assert_int_equal(rng_ops.next_wake(&c->dev), 60000000);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, NULL), 0);
	assert_int_equal(c->dev.stats.throttled, 1); /* the same wait, asked again */
	fake_now = 100000000;
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), 64);
	assert_int_equal(c->dev.stats.bytes, 164);
}

static void
small_requests_share_one_read(void **state)
{
	struct ctx *c = *state;
	unsigned int i;

	for (i = 0; i < 8; i++)
		post(c, 64);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(used_len(c), 64);
	assert_int_equal(c->f.reads, 1);
	post(c, RNG_POOL_SMALL + 1);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), RNG_POOL_SMALL + 1);
	assert_int_equal(c->f.reads, 2);
}

static void
pool_error_after_leftover(void **state)
{
	struct ctx *c = *state;

	/* 20 bytes in the pool, then the source fails: the leftover is
	 * served, the next request gets nothing and is counted.
	 */
	c->f.results[0] = 20;
	c->f.results[1] = -EIO;
	c->f.results[2] = -EIO;
	c->f.n = 3;
	post(c, 16);
	post(c, 16);
	post(c, 16);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), 16);
	assert_int_equal(used_len(c), 4);
	assert_int_equal(used_len(c), 0);
	assert_int_equal(c->dev.stats.read_errors, 1);
}

static void
fill_is_capped(void **state)
{
	struct ctx *c = *state;

	post(c, RNG_MAX_FILL + 4096);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), RNG_MAX_FILL);
}

static void
real_file_source(void **state)
{
	struct ctx *c = *state;
	struct rng_source s;
	char path[] = "/tmp/vhd-rng-XXXXXX";
	int fd = mkstemp(path);
	uint8_t *buf;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	assert_int_equal(rng_source_open_file(&s, path), 0);
	rng_dev_init(&c->dev, &s, 1000, UINT64_MAX);
	buf = post(c, 2);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), 2);
	assert_memory_equal(buf, "ab", 2);
	/* the file is served in order, starting over at its end */
	buf = post(c, 3);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), 3);
	assert_memory_equal(buf, "cab", 3);
	buf = post(c, 300); /* beyond the pool: read directly */
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), 3);
	assert_memory_equal(buf, "abc", 3);
	rng_source_close(&s);
	unlink(path);
	assert_int_equal(rng_source_open_file(&s, "/nonexistent/rng"), -ENOENT);
}

/* On a host with timers the wait is one timer at the end of the period: the host
 * is not asked to poll, and the request is served when the timer fires. */
static void
rate_limit_waits_on_host_timer(void **state)
{
	struct ctx *c = *state;
	struct rng_source s = c->dev.src;
	struct vhd_test_host h;
	uint16_t id;

	vhd_test_host_init(&h);
	rng_dev_init(&c->dev, &s, 100, 100); /* 100 bytes per 100 ms */
	rng_ops.attach(&c->dev, &h.host);
	rng_limiter_init(&c->dev.lim, 100000000, 100, h.now);
	post(c, 64);
	post(c, 64);
	vhd_test_host_serve(&h, &c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), 64);
	assert_int_equal(used_len(c), 36);
	post(c, 64);
	vhd_test_host_serve(&h, &c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, NULL), 0);
	assert_int_equal(h.ntimers, 1);
	assert_int_equal(c->dev.wait_timer.deadline_ns, h.now + 100000000);
	assert_int_equal(rng_ops.next_wake(&c->dev), 0);
	/* served again and again before the deadline: one timer, one throttle, no data */
	assert_int_equal(vhd_test_host_advance(&h, 99999999), 0);
	vhd_test_host_serve(&h, &c->p, &rng_ops, &c->dev, 0);
	vhd_test_host_serve(&h, &c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, NULL), 0);
	assert_int_equal(h.ntimers, 1);
	assert_int_equal(c->dev.stats.throttled, 1);
	assert_int_equal(vhd_test_host_advance(&h, 1), 1);
	vhd_test_host_serve(&h, &c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), 64);
	assert_int_equal(h.ntimers, 0);
	assert_int_equal(c->dev.stats.bytes, 164);
}

/* EAGAIN from the source: retried on a 1 ms host timer. */
static void
eagain_waits_on_host_timer(void **state)
{
	struct ctx *c = *state;
	struct vhd_test_host h;
	uint16_t id;

	vhd_test_host_init(&h);
	rng_ops.attach(&c->dev, &h.host);
	c->f.results[0] = -EAGAIN;
	c->f.n = 1;
	post(c, 16);
	vhd_test_host_serve(&h, &c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, NULL), 0);
	assert_int_equal(c->dev.wait_timer.deadline_ns, h.now + 1000000);
	vhd_test_host_advance(&h, 999999);
	vhd_test_host_serve(&h, &c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, NULL), 0);
	vhd_test_host_advance(&h, 1);
	vhd_test_host_serve(&h, &c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(used_len(c), 16);
}

/* --io-uring: large requests are read through the host's io_submit into the guest's
 * buffers (held until then), in file order, starting over at the end of the file;
 * small ones still come from the pool. */
static void
async_file_reads(void **state)
{
	struct ctx *c = *state;
	static uint8_t want[5000];
	struct rng_source s;
	struct vhd_test_host h;
	char path[] = "/tmp/vhd-rng-async-XXXXXX";
	int fd = mkstemp(path);
	uint8_t *b1, *b2, *b3;
	uint16_t id;
	unsigned int i;

	assert_true(fd >= 0);
	for (i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)(i * 13 + (i >> 8));
	assert_int_equal(write(fd, want, sizeof(want)), (ssize_t)sizeof(want));
	close(fd);
	assert_int_equal(rng_source_open_file(&s, path), 0);
	rng_dev_init(&c->dev, &s, 1000, UINT64_MAX);
	assert_int_equal(rng_dev_use_async(&c->dev, rng_source_fd(&s)), 0);
	vhd_test_host_init(&h);
	rng_ops.attach(&c->dev, &h.host);
	b1 = post(c, 4096);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, NULL), 0); /* held: read in flight */
	assert_int_equal(h.nio, 1);
	vhd_test_host_run(&h);
	assert_int_equal(used_len(c), 4096);
	assert_memory_equal(b1, want, 4096);
	/* short read at the end of the file */
	b2 = post(c, 4096);
	vhd_test_host_serve(&h, &c->p, &rng_ops, &c->dev, 0);
	vhd_test_host_run(&h);
	assert_int_equal(used_len(c), 904);
	assert_memory_equal(b2, want + 4096, 904);
	/* at the end: rewound and read again from the start */
	b3 = post(c, 1000);
	vhd_test_host_serve(&h, &c->p, &rng_ops, &c->dev, 0);
	vhd_test_host_run(&h); /* 0 bytes: rewinds, submits again */
	assert_int_equal(vhd_test_used(&c->p, &id, NULL), 0);
	vhd_test_host_run(&h);
	assert_int_equal(used_len(c), 1000);
	assert_memory_equal(b3, want, 1000);
	assert_int_equal(c->dev.stats.async_reads, 3);
	assert_int_equal(c->dev.stats.bytes, 4096 + 904 + 1000);
	/* the host's in-flight limit: the third request waits on the ring */
	h.io_limit = 2;
	for (i = 0; i < 3; i++)
		post(c, 512);
	vhd_test_serve(&c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(h.nio, 2);
	vhd_test_host_serve(&h, &c->p, &rng_ops, &c->dev, 0);
	assert_int_equal(h.nio, 1);
	vhd_test_host_run(&h);
	for (i = 0; i < 3; i++)
		assert_int_equal(used_len(c), 512);
	rng_dev_fini(&c->dev);
	rng_source_close(&s);
	unlink(path);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(fills_buffer),
		T(fills_every_segment),
		T(readable_only_request_gets_nothing),
		T(short_read_reports_short_length),
		T(read_error_answers_empty_and_queue_goes_on),
		T(interrupted_read_is_retried),
		T(eof_rewinds),
		T(eagain_leaves_request_on_ring),
		T(rate_limit_holds_then_resumes),
		T(small_requests_share_one_read),
		T(pool_error_after_leftover),
		T(fill_is_capped),
		T(real_file_source),
		T(rate_limit_waits_on_host_timer),
		T(eagain_waits_on_host_timer),
		T(async_file_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
