/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-gpio driven by our vhost-user frontend over simulated chips:
 * config space, every request, interrupts fired from the simulated chip's
 * control socket, several sockets with their own chips, and bad command
 * lines.
 */

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "vhd_it.h"
#include "vhd_it_ctl.h"

#define QSZ 64
#define WAIT_MS 3000
#define F_ALL (~0ULL)

/* virtio-gpio wire format, written out here: the test checks the app, not our header. */
#define MSG_GET_NAMES 1
#define MSG_GET_DIRECTION 2
#define MSG_SET_DIRECTION 3
#define MSG_GET_VALUE 4
#define MSG_SET_VALUE 5
#define MSG_SET_IRQ_TYPE 6
#define DIR_NONE 0
#define DIR_OUT 1
#define DIR_IN 2
#define IRQ_NONE 0
#define IRQ_RISING 1
#define IRQ_LEVEL_HIGH 4
#define ST_OK 0
#define ST_ERR 1
#define IRQ_ST_INVALID 0
#define IRQ_ST_VALID 1
#define REQQ 0
#define EVQ 1

/* ---- requests ---- */

struct gpio {
	struct vhd_fe *fe;
	uint8_t *rq;   /* 16 bytes: request, room to make it too long */
	uint8_t *resp; /* 512 bytes */
};

static void
gpio_up(struct gpio *g, struct vhd_fe_app *a, unsigned int idx, uint64_t want)
{
	g->fe = vhd_it_fe_up(a, idx, want, 2, QSZ);
	g->rq = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), 16, 8, NULL);
	g->resp = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), 512, 8, NULL);
	assert_non_null(g->rq);
	assert_non_null(g->resp);
}

static void
wait_one(struct vhd_fe *fe, uint16_t q, int head, uint32_t *len)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(fe, q);
	uint16_t id;
	int n = vhd_fe_wait_used(fe, q, WAIT_MS);

	if (n <= 0)
		fail_msg("no used entry on queue %u within %d ms: avail %u used %u, fe '%s'", q,
			 WAIT_MS, r->avail_idx, r->used->idx, vhd_fe_error(fe));
	assert_int_equal(vhd_fe_ring_get_used(r, &id, len, NULL), 1);
	assert_int_equal(id, head);
}

/* Raw request: @p rd_len bytes of g->rq, @p wr_len bytes of g->resp; returns the used length. */
static uint32_t
raw(struct gpio *g, uint32_t rd_len, uint32_t wr_len)
{
	struct vhd_fe_buf b[2] = {{g->rq, rd_len}, {g->resp, wr_len}};
	uint32_t len;
	int head;

	memset(g->resp, 0xee, 512);
	head = vhd_fe_post(g->fe, REQQ, b, 1, 1, false, NULL, true);
	assert_true(head >= 0);
	wait_one(g->fe, REQQ, head, &len);
	return len;
}

static void
put_req(struct gpio *g, uint16_t type, uint16_t line, uint32_t value)
{
	uint16_t t = htole16(type), l = htole16(line);
	uint32_t v = htole32(value);

	memcpy(g->rq, &t, 2);
	memcpy(g->rq + 2, &l, 2);
	memcpy(g->rq + 4, &v, 4);
}

/* A well-formed message: returns the status, @p val gets the value. */
static uint8_t
msg(struct gpio *g, uint16_t type, uint16_t line, uint32_t value, uint8_t *val)
{
	put_req(g, type, line, value);
	assert_int_equal(raw(g, 8, 2), 2);
	if (val != NULL)
		*val = g->resp[1];
	return g->resp[0];
}

static uint8_t
value_of(struct gpio *g, uint16_t line)
{
	uint8_t v;

	assert_int_equal(msg(g, MSG_GET_VALUE, line, 0, &v), ST_OK);
	return v;
}

/* Unmask @p line: post an eventq buffer; returns its head. */
static int
irq_post(struct gpio *g, uint16_t line, uint8_t **status)
{
	uint16_t *rq = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), 2, 2, NULL);
	uint8_t *st = vhd_fe_mem_alloc(vhd_fe_mem(g->fe), 1, 1, NULL);
	struct vhd_fe_buf b[2] = {{rq, 2}, {st, 1}};
	int head;

	assert_non_null(rq);
	assert_non_null(st);
	*rq = htole16(line);
	*st = 0xee;
	head = vhd_fe_post(g->fe, EVQ, b, 1, 1, false, NULL, true);
	assert_true(head >= 0);
	*status = st;
	return head;
}

static void
irq_expect(struct gpio *g, int head, const uint8_t *status, uint8_t want)
{
	uint32_t len;

	wait_one(g->fe, EVQ, head, &len);
	assert_int_equal(len, 1);
	assert_int_equal(*status, want);
}

/* Nothing comes back on the eventq for a while. */
static void
irq_quiet(struct gpio *g)
{
	assert_int_equal(vhd_fe_wait_used(g->fe, EVQ, 200), 0);
}

/* ---- tests ---- */

static void
test_requests(void **state)
{
	static struct vhd_fe_app a;
	const char *const extra[] = {"-l", "s8", NULL};
	struct gpio g;
	uint8_t cfg[8], v;
	uint16_t ngpio;
	uint32_t names;
	int c;

	(void)state;
	vhd_it_ctl_app_up(&a, "gpio", extra, 1);
	gpio_up(&g, &a, 0, F_ALL);
	assert_true(vhd_fe_offered_features(g.fe) & 1ULL); /* VIRTIO_GPIO_F_IRQ */
	assert_int_equal(vhd_fe_get_config(g.fe, 0, cfg, sizeof(cfg)), 0);
	memcpy(&ngpio, cfg, 2);
	memcpy(&names, cfg + 4, 4);
	assert_int_equal(le16toh(ngpio), 8);
	assert_int_equal(cfg[2] | cfg[3], 0);
	assert_int_equal(le32toh(names), 8 * 6); /* "sim-N\0" */
	/* Names. */
	put_req(&g, MSG_GET_NAMES, 0, 0);
	assert_int_equal(raw(&g, 8, 1 + 48), 49);
	assert_int_equal(g.resp[0], ST_OK);
	assert_memory_equal(g.resp + 1, "sim-0\0sim-1\0", 12);
	assert_memory_equal(g.resp + 43, "sim-7\0", 6);
	assert_int_equal(raw(&g, 8, 48), 2);
	assert_int_equal(g.resp[0], ST_ERR);
	/* Output: the control socket sees what the guest drives. */
	c = vhd_it_ctl_open(&a, 0);
	assert_int_equal(msg(&g, MSG_SET_VALUE, 2, 1, NULL), ST_OK);
	assert_int_equal(msg(&g, MSG_SET_DIRECTION, 2, DIR_OUT, NULL), ST_OK);
	assert_int_equal(msg(&g, MSG_GET_DIRECTION, 2, 0, &v), ST_OK);
	assert_int_equal(v, DIR_OUT);
	assert_string_equal(vhd_it_ctl(c, "get 2\n"), "1\n");
	assert_int_equal(value_of(&g, 2), 1);
	assert_int_equal(msg(&g, MSG_SET_VALUE, 2, 0, NULL), ST_OK);
	assert_string_equal(vhd_it_ctl(c, "get sim-2\n"), "0\n");
	/* Input: the guest sees what the control socket sets. */
	assert_int_equal(msg(&g, MSG_SET_DIRECTION, 5, DIR_IN, NULL), ST_OK);
	assert_int_equal(value_of(&g, 5), 0);
	assert_string_equal(vhd_it_ctl(c, "set 5 1\n"), "ok\n");
	assert_int_equal(value_of(&g, 5), 1);
	/* Released output keeps its value. */
	assert_int_equal(msg(&g, MSG_SET_VALUE, 2, 1, NULL), ST_OK);
	assert_int_equal(msg(&g, MSG_SET_DIRECTION, 2, DIR_NONE, NULL), ST_OK);
	assert_int_equal(value_of(&g, 2), 1);
	assert_string_equal(vhd_it_ctl(c, "get 2\n"), "1\n");
	/* Errors: line out of range, unknown type, bad sizes, bad values. */
	assert_int_equal(msg(&g, MSG_GET_VALUE, 8, 0, NULL), ST_ERR);
	assert_int_equal(msg(&g, MSG_SET_DIRECTION, 0xffff, DIR_IN, NULL), ST_ERR);
	assert_int_equal(msg(&g, 7, 0, 0, NULL), ST_ERR);
	assert_int_equal(msg(&g, MSG_SET_VALUE, 2, 2, NULL), ST_ERR);
	assert_int_equal(msg(&g, MSG_SET_DIRECTION, 2, 3, NULL), ST_ERR);
	put_req(&g, MSG_GET_VALUE, 5, 0);
	assert_int_equal(raw(&g, 7, 2), 2);
	assert_int_equal(g.resp[0], ST_ERR);
	assert_int_equal(raw(&g, 12, 2), 2);
	assert_int_equal(g.resp[0], ST_ERR);
	assert_int_equal(raw(&g, 8, 1), 1);
	assert_int_equal(g.resp[0], ST_ERR);
	assert_int_equal(raw(&g, 8, 64), 2);
	assert_int_equal(g.resp[0], ST_ERR);
	assert_int_equal(g.resp[2], 0xee);
	/* Still serving after all that. */
	assert_int_equal(value_of(&g, 5), 1);
	close(c);
	vhd_it_ctl_app_down(&a, 1);
	vhd_it_fe_done(g.fe);
}

static void
run_interrupts(const char *mode)
{
	static struct vhd_fe_app a;
	const char *const extra[] = {"-l", "s4", "--mode", mode, NULL};
	struct gpio g;
	uint8_t *st, *st2;
	int h, h2, c;

	vhd_it_ctl_app_up(&a, "gpio", extra, 1);
	gpio_up(&g, &a, 0, F_ALL);
	c = vhd_it_ctl_open(&a, 0);
	/* Not enabled: the buffer comes straight back INVALID. */
	h = irq_post(&g, 1, &st);
	irq_expect(&g, h, st, IRQ_ST_INVALID);
	/* Rising edge from the control socket. */
	assert_int_equal(msg(&g, MSG_SET_DIRECTION, 1, DIR_IN, NULL), ST_OK);
	assert_int_equal(msg(&g, MSG_SET_IRQ_TYPE, 1, IRQ_RISING, NULL), ST_OK);
	h = irq_post(&g, 1, &st);
	irq_quiet(&g);
	assert_string_equal(vhd_it_ctl(c, "set 1 1\n"), "ok\n");
	irq_expect(&g, h, st, IRQ_ST_VALID);
	/* Edges while masked are latched. */
	assert_string_equal(vhd_it_ctl(c, "set 1 0\n"), "ok\n");
	assert_string_equal(vhd_it_ctl(c, "set 1 1\n"), "ok\n");
	h = irq_post(&g, 1, &st);
	irq_expect(&g, h, st, IRQ_ST_VALID);
	/* A second buffer for a line already unmasked is returned INVALID. */
	h = irq_post(&g, 1, &st);
	h2 = irq_post(&g, 1, &st2);
	irq_expect(&g, h2, st2, IRQ_ST_INVALID);
	/* Disabling returns the held one INVALID. */
	assert_int_equal(msg(&g, MSG_SET_IRQ_TYPE, 1, IRQ_NONE, NULL), ST_OK);
	irq_expect(&g, h, st, IRQ_ST_INVALID);
	/* Level high: fires again on unmask while the level holds. */
	assert_int_equal(msg(&g, MSG_SET_IRQ_TYPE, 3, IRQ_LEVEL_HIGH, NULL), ST_OK);
	h = irq_post(&g, 3, &st);
	irq_quiet(&g);
	assert_string_equal(vhd_it_ctl(c, "set 3 1\n"), "ok\n");
	irq_expect(&g, h, st, IRQ_ST_VALID);
	h = irq_post(&g, 3, &st);
	irq_expect(&g, h, st, IRQ_ST_VALID);
	assert_string_equal(vhd_it_ctl(c, "set 3 0\n"), "ok\n");
	h = irq_post(&g, 3, &st);
	irq_quiet(&g);
	/* Out of range line on the eventq. */
	h2 = irq_post(&g, 4, &st2);
	irq_expect(&g, h2, st2, IRQ_ST_INVALID);
	/* Stopping with a buffer held. */
	close(c);
	vhd_it_ctl_app_down(&a, 1);
	vhd_it_fe_done(g.fe);
}

/* Chip events reach the worker in every mode (watch_fd joins its loop). */
static void
test_interrupts(void **state)
{
	(void)state;
	run_interrupts("interrupt");
	run_interrupts("poll");
	run_interrupts("hybrid");
}

/* Without VIRTIO_GPIO_F_IRQ, SET_IRQ_TYPE is refused. */
static void
test_no_irq_feature(void **state)
{
	static struct vhd_fe_app a;
	const char *const extra[] = {"-l", "s2", NULL};
	struct gpio g;

	(void)state;
	vhd_it_ctl_app_up(&a, "gpio", extra, 1);
	gpio_up(&g, &a, 0, ~1ULL);
	assert_int_equal(vhd_fe_features(g.fe) & 1ULL, 0);
	assert_int_equal(msg(&g, MSG_SET_IRQ_TYPE, 0, IRQ_RISING, NULL), ST_ERR);
	assert_int_equal(msg(&g, MSG_SET_DIRECTION, 0, DIR_IN, NULL), ST_OK);
	vhd_it_ctl_app_down(&a, 1);
	vhd_it_fe_done(g.fe);
}

/*
 * The memory table sent again while an interrupt is unmasked (a VMM does on
 * memory hot-plug): the held eventq buffer must still fire afterwards.
 */
static void
run_mem_table_held(const char *mode)
{
	static struct vhd_fe_app a;
	const char *const extra[] = {"-l", "s4", "--mode", mode, NULL};
	struct gpio g;
	uint8_t *st;
	int h, c;

	vhd_it_ctl_app_up(&a, "gpio", extra, 1);
	gpio_up(&g, &a, 0, F_ALL);
	c = vhd_it_ctl_open(&a, 0);
	assert_int_equal(msg(&g, MSG_SET_IRQ_TYPE, 2, IRQ_RISING, NULL), ST_OK);
	h = irq_post(&g, 2, &st);
	irq_quiet(&g);
	if (vhd_fe_set_mem_table(g.fe) != 0)
		fail_msg("SET_MEM_TABLE while running: %s", vhd_fe_error(g.fe));
	assert_int_equal(value_of(&g, 2), 0);
	assert_string_equal(vhd_it_ctl(c, "set 2 1\n"), "ok\n");
	irq_expect(&g, h, st, IRQ_ST_VALID);
	close(c);
	vhd_it_ctl_app_down(&a, 1);
	vhd_it_fe_done(g.fe);
}

static void
test_mem_table_held(void **state)
{
	(void)state;
	run_mem_table_held("poll");
	run_mem_table_held("interrupt");
	run_mem_table_held("hybrid");
}

/* One chip per socket. */
static void
test_sockets(void **state)
{
	static struct vhd_fe_app a;
	const char *const extra[] = {"-c", "2", "-l", "s3:s5", NULL};
	struct gpio g0, g1;
	uint8_t cfg[2];
	int c0, c1;

	(void)state;
	vhd_it_ctl_app_up(&a, "gpio", extra, 2);
	gpio_up(&g0, &a, 0, F_ALL);
	gpio_up(&g1, &a, 1, F_ALL);
	assert_int_equal(vhd_fe_get_config(g0.fe, 0, cfg, 2), 0);
	assert_int_equal(cfg[0], 3);
	assert_int_equal(vhd_fe_get_config(g1.fe, 0, cfg, 2), 0);
	assert_int_equal(cfg[0], 5);
	assert_int_equal(msg(&g0, MSG_GET_VALUE, 4, 0, NULL), ST_ERR);
	assert_int_equal(msg(&g1, MSG_SET_DIRECTION, 4, DIR_OUT, NULL), ST_OK);
	assert_int_equal(msg(&g1, MSG_SET_VALUE, 4, 1, NULL), ST_OK);
	c0 = vhd_it_ctl_open(&a, 0);
	c1 = vhd_it_ctl_open(&a, 1);
	assert_string_equal(vhd_it_ctl(c1, "get 4\n"), "1\n");
	assert_string_equal(vhd_it_ctl(c0, "get 4\n"), "error: no such line\n");
	close(c0);
	close(c1);
	vhd_it_ctl_app_down(&a, 2);
	vhd_it_fe_done(g0.fe);
	vhd_it_fe_done(g1.fe);
}

/* ---- random traffic (seeded; VHD_IT_SEED replays) ---- */

#define RAND_ROUNDS 600
#define GUARD 16
#define GUARD_BYTE 0x5a

static uint64_t rand_state;
static unsigned int ev_valid; /* eventq buffers returned VALID */

static uint32_t
rnd(uint32_t n)
{
	rand_state ^= rand_state >> 12;
	rand_state ^= rand_state << 25;
	rand_state ^= rand_state >> 27;
	return (uint32_t)((rand_state * 0x2545f4914f6cdd1dULL) >> 33) % n;
}

/* One slot of eventq buffers: request, then status with a guard behind it. */
struct ev_slot {
	uint16_t *rq;
	uint8_t *st;
	bool busy;
};

/* Take eventq returns; check each; return how many came back. */
static unsigned int
drain_events(struct gpio *g, struct ev_slot *slots, unsigned int nslots)
{
	struct vhd_fe_ring *r = vhd_fe_queue_ring(g->fe, EVQ);
	unsigned int n = 0, i;
	uint32_t len;
	uint16_t id;
	void *cookie;

	while (vhd_fe_ring_get_used(r, &id, &len, &cookie) == 1) {
		struct ev_slot *e = cookie;

		assert_non_null(e);
		assert_true(e >= slots && e < slots + nslots);
		assert_true(len <= 1);
		if (len == 1)
			assert_true(e->st[0] == IRQ_ST_VALID || e->st[0] == IRQ_ST_INVALID);
		if (len == 1 && e->st[0] == IRQ_ST_VALID)
			ev_valid++;
		for (i = 0; i < GUARD; i++)
			assert_int_equal(e->st[2 + i], GUARD_BYTE);
		e->busy = false;
		n++;
	}
	return n;
}

/*
 * Random requests of random shapes, random eventq buffers (some malformed)
 * and random edges from the control socket: every requestq chain comes
 * back at once, nothing is written past a writable buffer, and once every
 * interrupt is disabled every eventq buffer has come back.
 */
static void
test_random_traffic(void **state)
{
	static struct vhd_fe_app a;
	const char *const extra[] = {"-l", "s4", NULL};
	struct ev_slot slots[24];
	unsigned int posted = 0, back = 0, round, i;
	uint64_t seed;
	struct gpio g;
	char cmd[32];
	int c;

	(void)state;
	seed = vhd_it_seed("random");
	rand_state = seed;
	ev_valid = 0;
	vhd_it_ctl_app_up(&a, "gpio", extra, 1);
	gpio_up(&g, &a, 0, F_ALL);
	c = vhd_it_ctl_open(&a, 0);
	for (i = 0; i < 24; i++) {
		slots[i].rq = vhd_fe_mem_alloc(vhd_fe_mem(g.fe), 4, 4, NULL);
		slots[i].st = vhd_fe_mem_alloc(vhd_fe_mem(g.fe), 2 + GUARD, 4, NULL);
		assert_non_null(slots[i].rq);
		assert_non_null(slots[i].st);
		slots[i].busy = false;
	}
	for (round = 0; round < RAND_ROUNDS; round++) {
		uint32_t what = rnd(10);

		if (what < 5) {
			uint32_t rd_len = rnd(4) == 0 ? 1 + rnd(16) : 8;
			uint32_t wr_len = rnd(4) == 0 ? 1 + rnd(64) : 2;
			uint32_t used;

			put_req(&g, (uint16_t)rnd(8), (uint16_t)rnd(6), rnd(10));
			used = raw(&g, rd_len, wr_len); /* fills g.resp with 0xee first */
			assert_true(used <= wr_len);
			if (used > 0)
				assert_true(g.resp[0] == ST_OK || g.resp[0] == ST_ERR);
			for (i = 0; i < GUARD; i++)
				assert_int_equal(g.resp[wr_len + i], 0xee);
		} else if (what < 8) {
			struct vhd_fe_buf b[2];
			struct ev_slot *e = NULL;

			for (i = 0; i < 24 && e == NULL; i++)
				if (!slots[i].busy)
					e = &slots[i];
			if (e == NULL)
				continue; /* all out: held or in flight */
			*e->rq = htole16((uint16_t)rnd(6));
			memset(e->st, GUARD_BYTE, 2 + GUARD);
			b[0] = (struct vhd_fe_buf){e->rq, rnd(5) == 0 ? 4 : 2};
			b[1] = (struct vhd_fe_buf){e->st, rnd(5) == 0 ? 2 : 1};
			assert_true(vhd_fe_post(g.fe, EVQ, b, 1, 1, false, e, true) >= 0);
			e->busy = true;
			posted++;
		} else {
			snprintf(cmd, sizeof(cmd), "set %u %u\n", rnd(4), rnd(2));
			assert_string_equal(vhd_it_ctl(c, cmd), "ok\n");
		}
		back += drain_events(&g, slots, 24);
	}
	/* Disable everything: whatever is held or still queued comes back. */
	for (i = 0; i < 4; i++)
		assert_int_equal(msg(&g, MSG_SET_IRQ_TYPE, (uint16_t)i, IRQ_NONE, NULL), ST_OK);
	while (back < posted) {
		if (vhd_fe_wait_used(g.fe, EVQ, WAIT_MS) <= 0)
			fail_msg("seed %#" PRIx64 ": %u of %u eventq buffers never came back", seed,
				 posted - back, posted);
		back += drain_events(&g, slots, 24);
	}
	print_message("%u eventq buffers, %u returned VALID\n", posted, ev_valid);
	close(c);
	vhd_it_ctl_app_down(&a, 1);
	vhd_it_fe_done(g.fe);
}

/* Bad command lines: one error line, exit 1, no socket left. */
static void
test_bad_args(void **state)
{
	static const char *const cases[][6] = {
		{"-l", "s4:s4", NULL},
		{"-c", "2", "-l", "s4", NULL},
		{"-l", "s0", NULL},
		{"-l", "3:3", "-c", "2", NULL},
		{"-l", "x", NULL},
		{"--bogus", NULL},
		/* Fails at the second chip, after socket 0 and its control socket exist. */
		{"-c", "2", "-l", "s4:4000", NULL},
		{NULL},
	};
	unsigned int i;

	(void)state;
	for (i = 0; cases[i][0] != NULL; i++) {
		static struct vhd_fe_app a;
		char err[4096], path[256];
		struct stat st;
		int rc;

		vhd_it_ctl_app_up(&a, "gpio", cases[i], 0);
		rc = vhd_fe_app_wait_exit(&a, VHD_FE_APP_TIMEOUT_MS);
		vhd_fe_app_output(&a, false, err, sizeof(err));
		if (rc != 1)
			fail_msg("case %u: exit %d, want 1; stderr:\n%s", i, rc, err);
		if (strstr(err, "error: ") == NULL || strstr(strstr(err, "error: ") + 1, "error: "))
			fail_msg("case %u: want one error line, got:\n%s", i, err);
		assert_int_not_equal(stat(vhd_fe_app_sock(&a, 0, path, sizeof(path)), &st), 0);
		assert_int_not_equal(stat(vhd_it_ctl_path(&a, 0, path, sizeof(path)), &st), 0);
		vhd_it_app_fini(&a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		VHD_IT_TEST(test_requests),
		VHD_IT_TEST(test_interrupts),
		VHD_IT_TEST(test_no_irq_feature),
		VHD_IT_TEST(test_mem_table_held),
		VHD_IT_TEST(test_sockets),
		VHD_IT_TEST(test_random_traffic),
		VHD_IT_TEST(test_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
