/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The template driver on the unit-test host: every command, every
 * malformed shape, the timer-held DELAY, config changes every N requests,
 * held requests failed by queue_stop().
 */

#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "template.h"
#include "vhd_test_host.h"
#include "vhd_test_pair.h"

#define NOTIFY 4

struct ctx {
	struct vhd_test_pair p;
	struct vhd_test_host h;
	struct template_dev dev;
};

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	assert_int_equal(vhd_test_pair_init(&c->p, 64, VHD_BIT(VHD_F_RING_INDIRECT_DESC)), 0);
	vhd_test_host_init(&c->h);
	template_dev_init(&c->dev, NOTIFY);
	template_ops.attach(&c->dev, &c->h.host);
	template_ops.set_features(&c->dev, 1ULL << TEMPLATE_F_DELAY);
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

/* A writable buffer of @p len bytes followed by a guard the device must not touch. */
static uint8_t *
wbuf(struct ctx *c, uint32_t len)
{
	return vhd_test_alloc_guarded(&c->p, len);
}

static void
guard_ok(const uint8_t *b, uint32_t len)
{
	assert_true(vhd_test_guard_intact(b, len));
}

static struct template_req_hdr *
hdr(struct ctx *c, uint16_t type, uint32_t arg)
{
	struct template_req_hdr *h = vhd_test_alloc(&c->p, sizeof(*h));

	h->type = htole16(type);
	h->arg = htole32(arg);
	return h;
}

/* Post header (+ payload) and one writable buffer; serve; return used length. */
static uint32_t
run(struct ctx *c, struct template_req_hdr *h, const void *pay, uint32_t plen, uint8_t *w,
    uint32_t wlen)
{
	struct vhd_fe_buf b[3];
	unsigned int n = 0, nw = 0;
	uint16_t id;
	uint32_t len = 0xdead;

	if (h != NULL)
		b[n++] = (struct vhd_fe_buf){h, sizeof(*h)};
	if (plen != 0) {
		void *p = vhd_test_alloc(&c->p, plen);

		memcpy(p, pay, plen);
		b[n++] = (struct vhd_fe_buf){p, plen};
	}
	if (wlen != 0) {
		b[n + nw++] = (struct vhd_fe_buf){w, wlen};
	}
	assert_true(vhd_test_post(&c->p, b, n, nw, false) >= 0);
	assert_int_equal(vhd_test_host_serve(&c->h, &c->p, &template_ops, &c->dev, 0), 1);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	return len;
}

static void
test_echo(void **state)
{
	struct ctx *c = *state;
	const char msg[] = "abcdef";
	uint8_t *w = wbuf(c, 7);

	assert_int_equal(run(c, hdr(c, TEMPLATE_REQ_ECHO, 0), msg, 6, w, 7), 7);
	assert_memory_equal(w, "fedcba", 6);
	assert_int_equal(w[6], TEMPLATE_S_OK);
	guard_ok(w, 7);
	assert_int_equal(c->dev.stats.echo_bytes, 6);
}

static void
test_echo_split_and_indirect(void **state)
{
	struct ctx *c = *state;
	struct template_req_hdr *h = hdr(c, TEMPLATE_REQ_ECHO, 0);
	uint8_t *p1 = vhd_test_alloc(&c->p, 3), *p2 = vhd_test_alloc(&c->p, 2);
	uint8_t *w1 = wbuf(c, 2), *w2 = wbuf(c, 4);
	struct vhd_fe_buf b[5] = {{h, sizeof(*h)}, {p1, 3}, {p2, 2}, {w1, 2}, {w2, 4}};
	uint16_t id;
	uint32_t len;

	memcpy(p1, "123", 3);
	memcpy(p2, "45", 2);
	assert_true(vhd_test_post(&c->p, b, 3, 2, true) >= 0);
	vhd_test_host_serve(&c->h, &c->p, &template_ops, &c->dev, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(len, 6);
	assert_memory_equal(w1, "54", 2);
	assert_memory_equal(w2, "321", 3);
	assert_int_equal(w2[3], TEMPLATE_S_OK);
	guard_ok(w1, 2);
	guard_ok(w2, 4);
}

static void
test_echo_bad(void **state)
{
	struct ctx *c = *state;
	static uint8_t big[TEMPLATE_MAX_ECHO + 1];
	uint8_t *w;

	/* writable part one byte short, one byte long */
	w = wbuf(c, 3);
	assert_int_equal(run(c, hdr(c, TEMPLATE_REQ_ECHO, 0), "abc", 3, w, 3), 3);
	assert_int_equal(w[2], TEMPLATE_S_BADREQ);
	assert_int_equal(w[0], 0xee); /* nothing but the status written */
	w = wbuf(c, 5);
	assert_int_equal(run(c, hdr(c, TEMPLATE_REQ_ECHO, 0), "abc", 3, w, 5), 5);
	assert_int_equal(w[4], TEMPLATE_S_BADREQ);
	guard_ok(w, 5);
	/* payload over the limit */
	w = wbuf(c, sizeof(big) + 1);
	run(c, hdr(c, TEMPLATE_REQ_ECHO, 0), big, sizeof(big), w, sizeof(big) + 1);
	assert_int_equal(w[sizeof(big)], TEMPLATE_S_BADREQ);
	/* non-zero arg */
	w = wbuf(c, 1);
	run(c, hdr(c, TEMPLATE_REQ_ECHO, 5), NULL, 0, w, 1);
	assert_int_equal(w[0], TEMPLATE_S_BADREQ);
	assert_int_equal(c->dev.stats.bad, 4);
	assert_int_equal(c->dev.stats.echo_bytes, 0);
}

static void
test_echo_empty(void **state)
{
	struct ctx *c = *state;
	uint8_t *w = wbuf(c, 1);

	assert_int_equal(run(c, hdr(c, TEMPLATE_REQ_ECHO, 0), NULL, 0, w, 1), 1);
	assert_int_equal(w[0], TEMPLATE_S_OK);
}

static void
test_count(void **state)
{
	struct ctx *c = *state;
	uint8_t *w;
	uint64_t v;
	int i;

	for (i = 1; i <= 3; i++) {
		w = wbuf(c, 9);
		assert_int_equal(run(c, hdr(c, TEMPLATE_REQ_COUNT, 0), NULL, 0, w, 9), 9);
		memcpy(&v, w, 8);
		assert_int_equal(le64toh(v), i);
		assert_int_equal(w[8], TEMPLATE_S_OK);
		guard_ok(w, 9);
	}
}

static void
test_count_bad(void **state)
{
	struct ctx *c = *state;
	uint8_t *w;

	w = wbuf(c, 8);
	run(c, hdr(c, TEMPLATE_REQ_COUNT, 0), NULL, 0, w, 8);
	assert_int_equal(w[7], TEMPLATE_S_BADREQ);
	w = wbuf(c, 9);
	run(c, hdr(c, TEMPLATE_REQ_COUNT, 0), "x", 1, w, 9);
	assert_int_equal(w[8], TEMPLATE_S_BADREQ);
	w = wbuf(c, 9);
	run(c, hdr(c, TEMPLATE_REQ_COUNT, 1), NULL, 0, w, 9);
	assert_int_equal(w[8], TEMPLATE_S_BADREQ);
	assert_int_equal(c->dev.stats.bad, 3);
}

static void
test_fail(void **state)
{
	struct ctx *c = *state;
	uint8_t *w = wbuf(c, 1);

	assert_int_equal(run(c, hdr(c, TEMPLATE_REQ_FAIL, 0), NULL, 0, w, 1), 1);
	assert_int_equal(w[0], TEMPLATE_S_FAIL);
	guard_ok(w, 1);
	assert_int_equal(c->dev.stats.failed, 1);
	w = wbuf(c, 2);
	run(c, hdr(c, TEMPLATE_REQ_FAIL, 0), NULL, 0, w, 2);
	assert_int_equal(w[1], TEMPLATE_S_BADREQ);
	w = wbuf(c, 1);
	run(c, hdr(c, TEMPLATE_REQ_FAIL, 0), "x", 1, w, 1);
	assert_int_equal(w[0], TEMPLATE_S_BADREQ);
	assert_int_equal(c->dev.stats.failed, 1);
}

static void
test_bad_shapes(void **state)
{
	struct ctx *c = *state;
	struct template_req_hdr *h;
	struct vhd_fe_buf b[2];
	uint8_t *w;
	uint16_t id;
	uint32_t len;

	/* unknown type */
	w = wbuf(c, 1);
	run(c, hdr(c, 77, 0), NULL, 0, w, 1);
	assert_int_equal(w[0], TEMPLATE_S_BADREQ);
	/* reserved set */
	h = hdr(c, TEMPLATE_REQ_FAIL, 0);
	h->reserved = 1;
	w = wbuf(c, 1);
	run(c, h, NULL, 0, w, 1);
	assert_int_equal(w[0], TEMPLATE_S_BADREQ);
	/* short header */
	h = hdr(c, TEMPLATE_REQ_FAIL, 0);
	w = wbuf(c, 1);
	b[0] = (struct vhd_fe_buf){h, 3};
	b[1] = (struct vhd_fe_buf){w, 1};
	assert_true(vhd_test_post(&c->p, b, 1, 1, false) >= 0);
	vhd_test_host_serve(&c->h, &c->p, &template_ops, &c->dev, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(w[0], TEMPLATE_S_BADREQ);
	/* no header at all */
	w = wbuf(c, 1);
	run(c, NULL, NULL, 0, w, 1);
	assert_int_equal(w[0], TEMPLATE_S_BADREQ);
	/* no writable byte: dropped, used length 0, queue goes on */
	assert_int_equal(run(c, hdr(c, TEMPLATE_REQ_COUNT, 0), NULL, 0, NULL, 0), 0);
	assert_int_equal(c->dev.stats.dropped, 1);
	assert_int_equal(c->dev.stats.bad, 4);
	w = wbuf(c, 1);
	run(c, hdr(c, TEMPLATE_REQ_FAIL, 0), NULL, 0, w, 1);
	assert_int_equal(w[0], TEMPLATE_S_FAIL);
}

static void
test_delay(void **state)
{
	struct ctx *c = *state;
	struct vhd_fe_buf b[2];
	uint8_t *w = wbuf(c, 1);
	uint16_t id;
	uint32_t len;

	b[0] = (struct vhd_fe_buf){hdr(c, TEMPLATE_REQ_DELAY, 500), sizeof(struct template_req_hdr)};
	b[1] = (struct vhd_fe_buf){w, 1};
	assert_true(vhd_test_post(&c->p, b, 1, 1, false) >= 0);
	vhd_test_host_serve(&c->h, &c->p, &template_ops, &c->dev, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 0); /* held */
	assert_int_equal(vhd_test_host_advance(&c->h, 499999), 0);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 0);
	assert_int_equal(vhd_test_host_advance(&c->h, 1), 1);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(w[0], TEMPLATE_S_OK);
	guard_ok(w, 1);
	assert_int_equal(c->dev.stats.delayed, 1);
	assert_int_equal(c->dev.stats.requests, 1);
}

static void
test_delay_bad(void **state)
{
	struct ctx *c = *state;
	uint8_t *w;

	w = wbuf(c, 1);
	run(c, hdr(c, TEMPLATE_REQ_DELAY, TEMPLATE_MAX_DELAY_US + 1), NULL, 0, w, 1);
	assert_int_equal(w[0], TEMPLATE_S_BADREQ);
	w = wbuf(c, 2);
	run(c, hdr(c, TEMPLATE_REQ_DELAY, 1), NULL, 0, w, 2);
	assert_int_equal(w[1], TEMPLATE_S_BADREQ);
	w = wbuf(c, 1);
	run(c, hdr(c, TEMPLATE_REQ_DELAY, 1), "x", 1, w, 1);
	assert_int_equal(w[0], TEMPLATE_S_BADREQ);
	/* without the feature negotiated DELAY does not exist */
	template_ops.set_features(&c->dev, 0);
	w = wbuf(c, 1);
	run(c, hdr(c, TEMPLATE_REQ_DELAY, 1), NULL, 0, w, 1);
	assert_int_equal(w[0], TEMPLATE_S_BADREQ);
	assert_int_equal(c->h.ntimers, 0);
}

/* More DELAYs than slots: the extra waits on the ring, none is lost. */
static void
test_delay_full(void **state)
{
	struct ctx *c = *state;
	struct vhd_fe_buf b[2];
	uint16_t id;
	uint32_t len;
	int i, got = 0;

	for (i = 0; i < TEMPLATE_MAX_HELD + 2; i++) {
		b[0] = (struct vhd_fe_buf){hdr(c, TEMPLATE_REQ_DELAY, 10), 8};
		b[1] = (struct vhd_fe_buf){wbuf(c, 1), 1};
		assert_true(vhd_test_post(&c->p, b, 1, 1, false) >= 0);
	}
	vhd_test_host_serve(&c->h, &c->p, &template_ops, &c->dev, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 0);
	for (i = 0; i < 4; i++) {
		vhd_test_host_advance(&c->h, 10000);
		vhd_test_host_serve(&c->h, &c->p, &template_ops, &c->dev, 0);
	}
	while (vhd_test_used(&c->p, &id, &len) == 1)
		got++;
	assert_int_equal(got, TEMPLATE_MAX_HELD + 2);
	assert_int_equal(c->dev.stats.delayed, TEMPLATE_MAX_HELD + 2);
}

/* queue_stop() ends held requests with FAIL and their timers never fire. */
static void
test_delay_stop(void **state)
{
	struct ctx *c = *state;
	struct vhd_fe_buf b[2];
	uint8_t *w = wbuf(c, 1);
	uint16_t id;
	uint32_t len;

	b[0] = (struct vhd_fe_buf){hdr(c, TEMPLATE_REQ_DELAY, 1000), 8};
	b[1] = (struct vhd_fe_buf){w, 1};
	assert_true(vhd_test_post(&c->p, b, 1, 1, false) >= 0);
	vhd_test_host_serve(&c->h, &c->p, &template_ops, &c->dev, 0);
	template_ops.queue_stop(&c->dev, 0, &c->p.vq);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(w[0], TEMPLATE_S_FAIL);
	assert_int_equal(vhd_test_host_advance(&c->h, 2000000), 0);
	assert_int_equal(c->dev.stats.delayed, 0);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 0);
}

static void
read_config(struct ctx *c, struct template_config *cfg)
{
	assert_int_equal(template_ops.get_config(&c->dev, (uint8_t *)cfg, 0, sizeof(*cfg)), 0);
}

static void
test_config(void **state)
{
	struct ctx *c = *state;
	struct template_config cfg;
	uint8_t byte;
	int i;

	read_config(c, &cfg);
	assert_int_equal(le32toh(cfg.version), TEMPLATE_CONFIG_VERSION);
	assert_int_equal(le32toh(cfg.requests), 0);
	for (i = 1; i <= 2 * NOTIFY + 1; i++) {
		uint8_t *w = wbuf(c, 1);

		run(c, hdr(c, TEMPLATE_REQ_FAIL, 0), NULL, 0, w, 1);
		read_config(c, &cfg);
		assert_int_equal(le32toh(cfg.requests), (i / NOTIFY) * NOTIFY);
		assert_int_equal(c->h.config_changes, i / NOTIFY);
	}
	assert_int_equal(c->dev.stats.config_events, 2);
	/* partial reads, and reads past the end refused */
	assert_int_equal(template_ops.get_config(&c->dev, &byte, 4, 1), 0);
	assert_int_equal(byte, 2 * NOTIFY);
	assert_int_not_equal(template_ops.get_config(&c->dev, &byte, 8, 1), 0);
	assert_int_not_equal(template_ops.get_config(&c->dev, &byte, 0xffffffffu, 2), 0);
	/* a new frontend sees a fresh count; telemetry keeps it */
	template_ops.reset(&c->dev);
	read_config(c, &cfg);
	assert_int_equal(cfg.requests, 0);
	assert_int_equal(c->dev.stats.requests, 2 * NOTIFY + 1);
}

/* No backend channel: the device goes on, no notification counted. */
static void
test_config_no_channel(void **state)
{
	struct ctx *c = *state;
	int i;

	c->h.config_changed_rc = -ENOTSUP;
	for (i = 0; i < NOTIFY; i++)
		run(c, hdr(c, TEMPLATE_REQ_FAIL, 0), NULL, 0, wbuf(c, 1), 1);
	assert_int_equal(c->h.config_changes, 1);
	assert_int_equal(c->dev.stats.config_events, 0);
}

struct stat_seen {
	unsigned int n;
	uint64_t requests;
};

static void
put(void *ctx, const char *name, uint64_t v)
{
	struct stat_seen *s = ctx;

	s->n++;
	if (strcmp(name, "requests") == 0)
		s->requests = v;
}

static void
test_stats(void **state)
{
	struct ctx *c = *state;
	struct stat_seen s = {0, 0};

	run(c, hdr(c, TEMPLATE_REQ_FAIL, 0), NULL, 0, wbuf(c, 1), 1);
	template_ops.get_stats(&c->dev, put, &s);
	assert_int_equal(s.n, 7);
	assert_int_equal(s.requests, 1);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_echo),
		T(test_echo_split_and_indirect),
		T(test_echo_bad),
		T(test_echo_empty),
		T(test_count),
		T(test_count_bad),
		T(test_fail),
		T(test_bad_shapes),
		T(test_delay),
		T(test_delay_bad),
		T(test_delay_full),
		T(test_delay_stop),
		T(test_config),
		T(test_config_no_channel),
		T(test_stats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
