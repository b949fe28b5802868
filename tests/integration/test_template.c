/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-template driven by our vhost-user frontend: every command,
 * a malformed request of every command, DELAY held by the timer, the
 * config-change notification seen by the frontend, config reads, poll and
 * interrupt modes, bad command lines.
 */

#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "template.h"
#include "vhd_it.h"

#define QSZ 64
#define WAIT_MS 3000
#define GUARD 32
#define F_ALL (~0ULL)
#define NOTIFY 5

static const char *const interrupt_args[] = {"--mode", "interrupt", "--notify-every", "5", NULL};
static const char *const poll_args[] = {"--mode", "poll", "--notify-every", "5", NULL};

/* Start the app (socket as given: upstream's naming) and connect. */
static struct vhd_fe *
up(struct vhd_fe_app *a, const char *const *extra, uint64_t want)
{
	struct stat st;
	char path[256];

	vhd_it_app_init(a, "template");
	a->plain_sock = true;
	vhd_it_app_start(a, NULL, extra, 1);
	/* one socket: exactly -s PATH, no suffix */
	assert_int_equal(stat(a->sock, &st), 0);
	snprintf(path, sizeof(path), "%s0", a->sock);
	assert_int_not_equal(stat(path, &st), 0);
	return vhd_it_fe_up(a, 0, want, 1, QSZ);
}

struct req {
	struct template_req_hdr *h;
	uint8_t *pay, *w;
	uint32_t plen, wlen;
};

static struct req
mk(struct vhd_fe *fe, uint16_t type, uint32_t arg, const void *pay, uint32_t plen, uint32_t wlen)
{
	struct vhd_fe_mem *m = vhd_fe_mem(fe);
	struct req r = {0};

	r.h = vhd_fe_mem_alloc(m, sizeof(*r.h), 8, NULL);
	assert_non_null(r.h);
	r.h->type = htole16(type);
	r.h->reserved = 0;
	r.h->arg = htole32(arg);
	if (plen != 0) {
		r.pay = vhd_fe_mem_alloc(m, plen, 8, NULL);
		assert_non_null(r.pay);
		memcpy(r.pay, pay, plen);
		r.plen = plen;
	}
	r.w = vhd_fe_mem_alloc(m, wlen + GUARD, 8, NULL);
	assert_non_null(r.w);
	memset(r.w, 0xee, wlen + GUARD);
	r.wlen = wlen;
	return r;
}

static int
post(struct vhd_fe *fe, const struct req *r, uint32_t hlen)
{
	struct vhd_fe_buf b[3];
	unsigned int n = 0;
	int head;

	if (hlen != 0)
		b[n++] = (struct vhd_fe_buf){r->h, hlen};
	if (r->plen != 0)
		b[n++] = (struct vhd_fe_buf){r->pay, r->plen};
	if (r->wlen != 0)
		b[n] = (struct vhd_fe_buf){r->w, r->wlen};
	head = vhd_fe_post(fe, 0, b, n, r->wlen != 0 ? 1 : 0, false, NULL, true);
	assert_true(head >= 0);
	return head;
}

static uint32_t
wait_used(struct vhd_fe *fe, bool poll, int head)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(fe, 0);
	int n = poll ? vhd_fe_poll_used(fe, 0, WAIT_MS) : vhd_fe_wait_used(fe, 0, WAIT_MS);
	uint32_t len;
	uint16_t id;

	if (n <= 0)
		fail_msg("no used entry within %d ms: %s", WAIT_MS, vhd_fe_error(fe));
	assert_int_equal(vhd_fe_ring_get_used(r, &id, &len, NULL), 1);
	assert_int_equal(id, head);
	return len;
}

/* Run one request; check the guard and return its status byte. */
static uint8_t
run_hlen(struct vhd_fe *fe, bool poll, const struct req *r, uint32_t hlen)
{
	unsigned int i;
	uint32_t len = wait_used(fe, poll, post(fe, r, hlen));

	for (i = 0; i < GUARD; i++)
		assert_int_equal(r->w[r->wlen + i], 0xee);
	if (r->wlen == 0) {
		assert_int_equal(len, 0);
		return 0xff;
	}
	assert_int_equal(len, r->wlen);
	return r->w[r->wlen - 1];
}

static uint8_t
run(struct vhd_fe *fe, bool poll, const struct req *r)
{
	return run_hlen(fe, poll, r, sizeof(*r->h));
}

static void
commands(struct vhd_fe *fe, bool poll)
{
	struct req r;
	uint64_t v;

	r = mk(fe, TEMPLATE_REQ_ECHO, 0, "hello, world", 12, 13);
	assert_int_equal(run(fe, poll, &r), TEMPLATE_S_OK);
	assert_memory_equal(r.w, "dlrow ,olleh", 12);
	r = mk(fe, TEMPLATE_REQ_COUNT, 0, NULL, 0, 9);
	assert_int_equal(run(fe, poll, &r), TEMPLATE_S_OK);
	memcpy(&v, r.w, 8);
	assert_int_equal(le64toh(v), 2);
	r = mk(fe, TEMPLATE_REQ_FAIL, 0, NULL, 0, 1);
	assert_int_equal(run(fe, poll, &r), TEMPLATE_S_FAIL);
	r = mk(fe, TEMPLATE_REQ_DELAY, 20000, NULL, 0, 1);
	assert_int_equal(run(fe, poll, &r), TEMPLATE_S_OK);
}

static void
test_commands_interrupt(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;

	(void)state;
	fe = up(&a, interrupt_args, F_ALL);
	assert_true(vhd_fe_offered_features(fe) & (1ULL << TEMPLATE_F_DELAY));
	commands(fe, false);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

static void
test_commands_poll(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;

	(void)state;
	fe = up(&a, poll_args, F_ALL);
	commands(fe, true);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* A malformed request of every command gets BADREQ; the queue goes on. */
static void
test_malformed(void **state)
{
	static struct vhd_fe_app a;
	static uint8_t big[TEMPLATE_MAX_ECHO + 1];
	struct vhd_fe *fe;
	struct req r;

	(void)state;
	fe = up(&a, interrupt_args, F_ALL);
	r = mk(fe, TEMPLATE_REQ_ECHO, 0, "abc", 3, 2);
	assert_int_equal(run(fe, false, &r), TEMPLATE_S_BADREQ);
	assert_int_equal(r.w[0], 0xee);
	r = mk(fe, TEMPLATE_REQ_ECHO, 0, big, sizeof(big), sizeof(big) + 1);
	assert_int_equal(run(fe, false, &r), TEMPLATE_S_BADREQ);
	r = mk(fe, TEMPLATE_REQ_COUNT, 0, NULL, 0, 4);
	assert_int_equal(run(fe, false, &r), TEMPLATE_S_BADREQ);
	r = mk(fe, TEMPLATE_REQ_COUNT, 7, NULL, 0, 9);
	assert_int_equal(run(fe, false, &r), TEMPLATE_S_BADREQ);
	r = mk(fe, TEMPLATE_REQ_FAIL, 0, "x", 1, 1);
	assert_int_equal(run(fe, false, &r), TEMPLATE_S_BADREQ);
	r = mk(fe, TEMPLATE_REQ_DELAY, TEMPLATE_MAX_DELAY_US + 1, NULL, 0, 1);
	assert_int_equal(run(fe, false, &r), TEMPLATE_S_BADREQ);
	r = mk(fe, TEMPLATE_REQ_DELAY, 10, NULL, 0, 3);
	assert_int_equal(run(fe, false, &r), TEMPLATE_S_BADREQ);
	r = mk(fe, 0x1234, 0, NULL, 0, 1);
	assert_int_equal(run(fe, false, &r), TEMPLATE_S_BADREQ);
	r = mk(fe, TEMPLATE_REQ_FAIL, 0, NULL, 0, 1);
	r.h->reserved = 1;
	assert_int_equal(run(fe, false, &r), TEMPLATE_S_BADREQ);
	/* header cut short, and no header at all */
	r = mk(fe, TEMPLATE_REQ_COUNT, 0, NULL, 0, 9);
	assert_int_equal(run_hlen(fe, false, &r, 5), TEMPLATE_S_BADREQ);
	r = mk(fe, TEMPLATE_REQ_COUNT, 0, NULL, 0, 9);
	assert_int_equal(run_hlen(fe, false, &r, 0), TEMPLATE_S_BADREQ);
	/* nowhere to put a status: used length 0 */
	r = mk(fe, TEMPLATE_REQ_ECHO, 0, "abc", 3, 0);
	assert_int_equal(run(fe, false, &r), 0xff);
	/* still serving, and every request was counted */
	r = mk(fe, TEMPLATE_REQ_COUNT, 0, NULL, 0, 9);
	assert_int_equal(run(fe, false, &r), TEMPLATE_S_OK);
	assert_int_equal(r.w[0], 12);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* Without TEMPLATE_F_DELAY negotiated, DELAY is an unknown request. */
static void
test_delay_not_negotiated(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	struct req r;

	(void)state;
	fe = up(&a, interrupt_args, ~(1ULL << TEMPLATE_F_DELAY));
	assert_int_equal(vhd_fe_features(fe) & (1ULL << TEMPLATE_F_DELAY), 0);
	r = mk(fe, TEMPLATE_REQ_DELAY, 10, NULL, 0, 1);
	assert_int_equal(run(fe, false, &r), TEMPLATE_S_BADREQ);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* A DELAY is held while later requests complete: out of order. */
static void
test_delay_out_of_order(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe_ring *ring;
	struct vhd_fe *fe;
	struct req d, e;
	int hd, he;
	uint32_t len;
	uint16_t id;

	(void)state;
	fe = up(&a, interrupt_args, F_ALL);
	ring = vhd_fe_queue_ring(fe, 0);
	d = mk(fe, TEMPLATE_REQ_DELAY, 300000, NULL, 0, 1);
	e = mk(fe, TEMPLATE_REQ_ECHO, 0, "ab", 2, 3);
	hd = post(fe, &d, sizeof(*d.h));
	he = post(fe, &e, sizeof(*e.h));
	assert_true(vhd_fe_wait_used(fe, 0, WAIT_MS) > 0);
	assert_int_equal(vhd_fe_ring_get_used(ring, &id, &len, NULL), 1);
	assert_int_equal(id, he);
	assert_memory_equal(e.w, "ba", 2);
	assert_int_equal(vhd_fe_ring_get_used(ring, &id, &len, NULL), 0);
	assert_int_equal(wait_used(fe, false, hd), 1);
	assert_int_equal(d.w[0], TEMPLATE_S_OK);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* More DELAYs than the driver holds: the rest wait on the ring (RETRY) and
 * a timer's completion lets the worker take them; none is lost. */
static void
test_delay_more_than_held(void **state)
{
	static struct vhd_fe_app a;
	struct vhd_fe_ring *ring;
	struct vhd_fe *fe;
	struct req r[TEMPLATE_MAX_HELD + 4];
	unsigned int i, got = 0;
	uint32_t len;
	uint16_t id;

	(void)state;
	fe = up(&a, interrupt_args, F_ALL);
	ring = vhd_fe_queue_ring(fe, 0);
	for (i = 0; i < TEMPLATE_MAX_HELD + 4; i++) {
		r[i] = mk(fe, TEMPLATE_REQ_DELAY, 20000, NULL, 0, 1);
		post(fe, &r[i], sizeof(*r[i].h));
	}
	while (got < TEMPLATE_MAX_HELD + 4) {
		if (vhd_fe_wait_used(fe, 0, WAIT_MS) <= 0)
			fail_msg("%u of %u DELAYs completed", got, TEMPLATE_MAX_HELD + 4);
		while (vhd_fe_ring_get_used(ring, &id, &len, NULL) == 1) {
			assert_int_equal(len, 1);
			got++;
		}
	}
	for (i = 0; i < TEMPLATE_MAX_HELD + 4; i++)
		assert_int_equal(r[i].w[0], TEMPLATE_S_OK);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

static uint64_t
count_change(void *arg, const struct vhd_fe_backend_msg *m)
{
	if (m->request == VHD_FE_BACKEND_CONFIG_CHANGE_MSG)
		(*(unsigned int *)arg)++;
	return 0;
}

/* Config space, and its change announced every NOTIFY requests. */
static void
test_config_change(void **state)
{
	static struct vhd_fe_app a;
	struct template_config cfg;
	struct vhd_fe *fe;
	unsigned int got = 0, i, round;
	struct req r;

	(void)state;
	fe = up(&a, interrupt_args, F_ALL);
	assert_true(vhd_fe_backend_fd(fe) >= 0);
	assert_int_equal(vhd_fe_get_config(fe, 0, &cfg, sizeof(cfg)), 0);
	assert_int_equal(le32toh(cfg.version), TEMPLATE_CONFIG_VERSION);
	assert_int_equal(le32toh(cfg.requests), 0);
	for (round = 1; round <= 2; round++) {
		for (i = 0; i < NOTIFY; i++) {
			/* nothing announced before the Nth request */
			assert_int_equal(vhd_fe_backend_serve(fe, 0, count_change, &got, NULL), 0);
			r = mk(fe, TEMPLATE_REQ_FAIL, 0, NULL, 0, 1);
			assert_int_equal(run(fe, false, &r), TEMPLATE_S_FAIL);
		}
		assert_int_equal(vhd_fe_backend_serve(fe, WAIT_MS, count_change, &got, NULL), 1);
		assert_int_equal(got, round);
		/* what a guest does then: read the config again */
		assert_int_equal(vhd_fe_get_config(fe, 0, &cfg, sizeof(cfg)), 0);
		assert_int_equal(le32toh(cfg.requests), round * NOTIFY);
	}
	vhd_it_fe_done(fe);
	/* a new frontend sees a fresh device */
	fe = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	assert_int_equal(vhd_fe_get_config(fe, 0, &cfg, sizeof(cfg)), 0);
	assert_int_equal(le32toh(cfg.requests), 0);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* A frontend that never reads its backend channel: notifications after
 * every request fill the socket; the device must go on serving (it drops
 * notifications instead of blocking the worker in sendmsg()). */
static void
test_backend_channel_full(void **state)
{
	static const char *const every1[] = {"--mode", "interrupt", "--notify-every", "1", NULL};
	static struct vhd_fe_app a;
	struct vhd_fe *fe;
	unsigned int i, got = 0;
	struct req r;

	(void)state;
	fe = up(&a, every1, F_ALL);
	assert_true(vhd_fe_backend_fd(fe) >= 0);
	r = mk(fe, TEMPLATE_REQ_FAIL, 0, NULL, 0, 1);
	for (i = 0; i < 3000; i++)
		assert_int_equal(run(fe, false, &r), TEMPLATE_S_FAIL);
	/* the channel still carries what fitted */
	while (vhd_fe_backend_serve(fe, 0, count_change, &got, NULL) == 1)
		;
	assert_true(got > 0);
	assert_true(got <= 3000);
	print_message("backend channel: %u of 3000 notifications delivered\n", got);
	vhd_it_fe_done(fe);
	vhd_it_app_down(&a, 1);
}

/* Two sockets with -c 2: PATH0 and PATH1, each its own device. */
static void
test_two_sockets(void **state)
{
	static const char *const two[] = {"-c", "2", "--mode", "interrupt", NULL};
	static struct vhd_fe_app a;
	struct vhd_fe *fe0, *fe1;
	struct req r;
	uint64_t v;

	(void)state;
	vhd_it_app_up(&a, "template", two, 2);
	fe0 = vhd_it_fe_up(&a, 0, F_ALL, 1, QSZ);
	fe1 = vhd_it_fe_up(&a, 1, F_ALL, 1, QSZ);
	r = mk(fe0, TEMPLATE_REQ_FAIL, 0, NULL, 0, 1);
	run(fe0, false, &r);
	r = mk(fe1, TEMPLATE_REQ_COUNT, 0, NULL, 0, 9);
	assert_int_equal(run(fe1, false, &r), TEMPLATE_S_OK);
	memcpy(&v, r.w, 8);
	assert_int_equal(le64toh(v), 1);
	vhd_it_fe_done(fe0);
	vhd_it_fe_done(fe1);
	vhd_it_app_down(&a, 2);
}

static void
test_bad_options(void **state)
{
	static const char *const zero[] = {"--notify-every", "0", NULL};
	static const char *const junk[] = {"--notify-every", "5x", NULL};
	static const char *const unknown[] = {"--bogus", NULL};
	static const char *const none[] = {NULL};
	static const char *const dpdk[] = {"EAL: ", "TELEMETRY: ", NULL};
	static const struct vhd_it_bad_cmdline t = {.name = "template", .exit_code = 1,
						    .ignore = dpdk};

	(void)state;
	vhd_it_bad_cmdline(&t, "--notify-every 0", zero, true, "--notify-every");
	vhd_it_bad_cmdline(&t, "--notify-every junk", junk, true, "5x");
	vhd_it_bad_cmdline(&t, "unknown option", unknown, true, "bogus");
	vhd_it_bad_cmdline(&t, "no socket path", none, false, "--socket-path");
}

int
main(void)
{
#define T(f) VHD_IT_TEST(f)
	const struct CMUnitTest tests[] = {
		T(test_commands_interrupt),
		T(test_commands_poll),
		T(test_malformed),
		T(test_delay_not_negotiated),
		T(test_delay_out_of_order),
		T(test_delay_more_than_held),
		T(test_config_change),
		T(test_backend_channel_full),
		T(test_two_sockets),
		T(test_bad_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
